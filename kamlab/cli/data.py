"""``kamlab sample``, ``kamlab validate`` and ``kamlab summarize``: the data commands."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from kamlab.cli.options import (
    add_command,
    add_input,
    add_number,
    add_out,
    add_until,
    quarantine_path,
    read_input,
    until_date,
    write_quarantine,
)

_EPILOG_SAMPLE = """
    Writes DIR/transactions.csv, DIR/accounts.csv, DIR/truth.csv (the hidden
    segments, alive status and parameters, for checking models) and
    DIR/accounts_previous.csv (the accounts table a quarter earlier, for the
    report's --previous-accounts) and DIR/contacts.csv (one row per customer
    person and our counterpart, by each account's true stage, for kamlab
    contacts and the report's --contacts). The accounts table holds the
    --accounts buying accounts and, after them, --prospects x that many
    prospects that never bought; kam_hours and service_calls follow the
    supplier's KAM programme, set at its annual review a year before the end
    (truth.csv: programme_tier, prospect); about 5% of the accounts are country
    entities of global customers (parent_id, parent_name, country).
    Key account plans: kamlab plans init on the written files.

    example:
      kamlab sample --seed 7 --accounts 500 --out my_sample
      kamlab sample --seed 0 --accounts 300 --faults 0.01 --out data/sample
"""

_EPILOG_VALIDATE = """
    examples:
      kamlab validate sales.csv
      kamlab validate online_retail.parquet --json
      kamlab validate CDNOW_sample.txt --names master_id,sample_id,date,cds,dollars \\
          --column account_id=sample_id --column revenue=dollars
"""

_EPILOG_SUMMARIZE = """
    Output columns: frequency (repeat purchase days), recency and T (in --period
    units), monetary_value (mean repeat purchase), orders, order_lines, products,
    revenue (net of returns), returns_value, return_lines, gross_margin,
    first_purchase, last_purchase. --panel adds an account x quarter table.

    example:
      kamlab summarize data/sample/transactions.csv --until 2026-09-30 \\
          --period week --out summary.csv --panel panel.csv
"""


def cmd_sample(args) -> None:
    """generate a synthetic B2B customer base (transactions, accounts, contacts, truth)

    Generate a realistic synthetic supplier's customer base, deterministic by seed.
    """
    from kamlab.datasets import add_faults, make_sample
    from kamlab.errors import ConfigError

    try:
        sample = make_sample(args.accounts, seed=args.seed, prospect_share=args.prospects)
    except ValueError as exc:  # an option out of range: say which, as for any bad option
        raise ConfigError(
            str(exc).replace("n_accounts", "--accounts").replace("prospect_share", "--prospects")
        ) from None
    if args.faults:
        sample.transactions, planted = add_faults(sample.transactions, args.faults, seed=args.seed)
        print("planted faults: " + ", ".join(f"{k} {n}" for k, n in planted.items()))
    from kamlab.safe import writing

    with writing(args.out):  # a folder that cannot be written: one line, exit 2
        paths = sample.write(args.out)
    for name, path in paths.items():
        print(f"{name}: {path}")


def cmd_validate(args) -> None:
    """check a transactions file: counts read / accepted / quarantined by reason

    Read and validate a transactions file; nothing is written unless --quarantine is
    given.
    """
    tx, accounts = read_input(args)
    write_quarantine(tx, args, None)
    if args.json:
        print(json.dumps(tx.counts()))
    else:
        if accounts is not None:
            print(accounts.report())
        print(tx.report())


def cmd_summarize(args) -> None:
    """per-account summary (frequency, recency, T, monetary value, revenue, margin)

    Summarise transactions per account over the window ending --until (inclusive).
    """
    from tqdm.auto import tqdm

    from kamlab.safe import write_csv
    from kamlab.summary import period_panel, summarize

    until = until_date(args.until)
    steps = tqdm(
        total=3 + bool(args.panel), desc="summarize", unit="step", file=sys.stderr, disable=None
    )
    steps.set_postfix_str("read and validate")
    tx, _ = read_input(args)
    steps.update()
    steps.set_postfix_str("summarize")
    out = Path(args.out)
    summary = summarize(tx, until=until, period=args.period)
    steps.update()
    write_csv(summary, out)
    write_quarantine(tx, args, quarantine_path(out))
    steps.update()
    if args.panel:
        steps.set_postfix_str("panel")
        panel = period_panel(tx, until=until, freq=args.panel_period)
        write_csv(panel, args.panel, index=False)
        steps.update()
    steps.close()
    print(tx.report(), file=sys.stderr)
    print(
        f"summary: {len(summary):,} accounts -> {out} (until {summary.attrs['until']}, "
        f"time unit {args.period})",
        file=sys.stderr,
    )
    if args.panel:
        print(
            f"panel: {len(panel):,} account-{args.panel_period} rows -> {args.panel}",
            file=sys.stderr,
        )


def add_commands(sub, inputs) -> None:
    """Add ``kamlab sample``, ``validate`` and ``summarize``."""
    p = add_command(sub, cmd_sample, epilog=_EPILOG_SAMPLE)
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.add_argument("--accounts", type=int, default=300, help="number of accounts (default 300)")
    add_out(p, "output folder (default data/sample)", metavar=None, default="data/sample")
    add_number(
        p,
        "--prospects",
        0.03,
        "SHARE",
        "prospects (accounts that never bought) to add, as a share of --accounts; default 0.03",
    )
    add_number(
        p,
        "--faults",
        0.0,
        "RATE",
        "share of extra faulty lines to plant (blank ids, duplicates, bad dates, zero "
        "prices), each quarantined on reading; default 0 (the bundled sample uses 0.01)",
    )

    p = add_command(sub, cmd_validate, inputs, _EPILOG_VALIDATE, explain_columns=True)
    add_input(p)
    p.add_argument(
        "--json",
        action="store_true",
        help="print one JSON object: read, accepted, quarantined, by_reason",
    )

    p = add_command(sub, cmd_summarize, inputs, _EPILOG_SUMMARIZE, explain_columns=True)
    add_input(p)
    add_until(p)
    p.add_argument(
        "--period",
        choices=["day", "week", "month"],
        default="week",
        help="time unit of recency and T (default week = days / 7)",
    )
    add_out(p, "where to write the summary")
    p.add_argument("--panel", metavar="FILE.csv", help="also write the account x period panel here")
    p.add_argument(
        "--panel-period",
        choices=["quarter", "month", "year"],
        default="quarter",
        help="period of the panel (default quarter)",
    )
