"""The ``kamlab`` command: one entry point for every step.

Exit codes: 0 success; 2 bad input or configuration (a one-line reason on stderr);
1 an unexpected error (rerun with ``--debug`` for the traceback).
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
import textwrap
from pathlib import Path

from kamlab.errors import KamlabError

COMMAND_MODULES: list[str] = [
    "kamlab.segment",
    "kamlab.models.commands",
    "kamlab.value.commands",
    "kamlab.portfolio.commands",
    "kamlab.teaching.commands",
]
"""Modules that add their own commands: each has ``add_commands(subparsers, input_options)``,
where ``input_options`` is the parent parser with the shared reading options (use
:func:`read_input` on the parsed arguments) and each command sets ``func``."""

_EPILOG_INPUT = """
Columns: kamlab recognises common names (CustomerID, Customer ID, InvoiceDate,
InvoiceNo, Quantity, UnitPrice, Price, ...) and prints the mapping it chose.
Name yours with --column ROLE=COLUMN (repeatable) or --columns-file map.yaml.
Roles: account_id, date (required); revenue, or quantity and unit_price
(required); order_id, product_id, unit_cost, cost, gross_margin, account_name.
"""


def _input_options() -> argparse.ArgumentParser:
    """Options shared by every command that reads a transactions file."""
    p = argparse.ArgumentParser(add_help=False)
    g = p.add_argument_group("reading the input")
    g.add_argument(
        "--column",
        action="append",
        metavar="ROLE=COLUMN",
        default=[],
        help="use COLUMN of the file for ROLE (repeatable), e.g. account_id='Customer ID'",
    )
    g.add_argument("--columns-file", metavar="YAML", help="a YAML file of 'role: column' pairs")
    g.add_argument(
        "--names",
        metavar="A,B,C",
        help="column names, comma separated (for a file without a header line)",
    )
    g.add_argument(
        "--sep", help="field separator; sniffed when omitted ('whitespace' for runs of blanks)"
    )
    g.add_argument("--encoding", help="text encoding; UTF-8, else latin-1, when omitted")
    g.add_argument(
        "--dayfirst", action="store_true", help="read 01/02/2026 as 1 February (default 2 January)"
    )
    g.add_argument(
        "--keep-duplicates",
        action="store_true",
        help="keep lines that repeat an earlier line exactly (default: quarantine them)",
    )
    g.add_argument(
        "--today",
        metavar="DATE",
        type=_date_option,
        help="quarantine dates after DATE as date_in_future (default: the day of the run); "
        "give it to make a rerun validate exactly as the first run did",
    )
    g.add_argument(
        "--accounts",
        metavar="FILE",
        help="accounts table; transactions of accounts not in it are quarantined",
    )
    g.add_argument(
        "--quarantine",
        metavar="FILE",
        help="write quarantined rows here (default: beside --out, *_quarantine.csv)",
    )
    return p


def _date_option(text: str) -> str:
    """A command-line date as ``YYYY-MM-DD``; a clear error otherwise."""
    import pandas as pd

    try:
        return str(pd.Timestamp(text).date())
    except (ValueError, TypeError):
        raise argparse.ArgumentTypeError(f"{text!r} is not a date such as 2026-09-30") from None


def reading_options(args) -> tuple[dict[str, str], dict]:
    """The column mapping and the reading options the command line asks for."""
    from kamlab.io import load_mapping_file, parse_column_options

    columns = load_mapping_file(args.columns_file) if args.columns_file else {}
    columns.update(parse_column_options(args.column))
    options = {"dayfirst": args.dayfirst, "keep_duplicates": args.keep_duplicates}
    if args.sep and args.sep != "whitespace":
        options["sep"] = args.sep.encode().decode("unicode_escape")  # "\t" -> tab
    if args.encoding:
        options["encoding"] = args.encoding
    if args.names:
        options["names"] = [n.strip() for n in args.names.split(",")]
    if args.today:
        options["today"] = args.today
    return columns, options


def read_input(args) -> tuple:
    """Read accounts (if given) and transactions as the options say."""
    from kamlab.io import read_accounts, read_transactions

    columns, options = reading_options(args)
    accounts = read_accounts(args.accounts) if args.accounts else None
    tx = read_transactions(
        args.input, columns, accounts=accounts.data if accounts else None, **options
    )
    return tx, accounts


def read_input_for(args, out: Path) -> tuple:
    """:func:`read_input`, with the read report on stderr and the quarantine written beside
    ``out`` (``<out>_quarantine.csv``) unless ``--quarantine`` says where."""
    tx, accounts = read_input(args)
    print(tx.report(), file=sys.stderr)
    write_quarantine(tx, args, out.with_name(out.stem + "_quarantine.csv"))
    return tx, accounts


def add_cost_rates_option(p: argparse.ArgumentParser) -> None:
    """``--cost-rates YAML``, the same on every command that computes a customer P&L."""
    p.add_argument(
        "--cost-rates",
        metavar="YAML",
        help="cost-to-serve rates (a copy of kamlab/cost_to_serve.yaml with your figures; "
        "keys left out keep the defaults)",
    )


def write_quarantine(tx, args, default: Path | None) -> None:
    from kamlab.safe import write_csv

    target = Path(args.quarantine) if args.quarantine else default
    if target is not None and len(tx.quarantine):
        write_csv(tx.quarantine, target, index=False)
        print(f"quarantine: {len(tx.quarantine):,} rows -> {target}", file=sys.stderr)


def cmd_sample(args) -> None:
    from kamlab.datasets import add_faults, make_sample

    sample = make_sample(args.accounts, seed=args.seed)
    if args.faults:
        sample.transactions, planted = add_faults(sample.transactions, args.faults, seed=args.seed)
        print("planted faults: " + ", ".join(f"{k} {n}" for k, n in planted.items()))
    for name, path in sample.write(args.out).items():
        print(f"{name}: {path}")


def cmd_validate(args) -> None:
    tx, accounts = read_input(args)
    write_quarantine(tx, args, None)
    if args.json:
        print(json.dumps(tx.counts()))
    else:
        if accounts is not None:
            print(accounts.report())
        print(tx.report())


def cmd_summarize(args) -> None:
    from tqdm.auto import tqdm

    from kamlab.safe import write_csv
    from kamlab.summary import period_panel, summarize

    steps = tqdm(
        total=3 + bool(args.panel), desc="summarize", unit="step", file=sys.stderr, disable=None
    )
    steps.set_postfix_str("read and validate")
    tx, _ = read_input(args)
    steps.update()
    steps.set_postfix_str("summarize")
    out = Path(args.out)
    summary = summarize(tx, until=args.until, period=args.period)
    steps.update()
    write_csv(summary, out)
    write_quarantine(tx, args, out.with_name(out.stem + "_quarantine.csv"))
    steps.update()
    if args.panel:
        steps.set_postfix_str("panel")
        panel = period_panel(tx, until=args.until, freq=args.panel_period)
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


def cmd_report(args) -> None:
    from kamlab.report import run_report

    columns, read_options = reading_options(args)
    path = run_report(
        args.period,
        args.input,
        accounts=args.accounts,
        previous_accounts=args.previous_accounts,
        columns=columns,
        out=args.out,
        read_options=read_options,
        criteria=args.config,
        cost_rates=args.cost_rates,
        jobs=args.jobs,
    )
    print(f"report: {path}")
    for name in ("index.html", "report.pdf", "summary.xlsx"):
        print(f"  {path / name}")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kamlab",
        description="Key Account Management analytics: read customer data, summarise it per "
        "account, and build the period portfolio report.",
        epilog="Run 'kamlab COMMAND --help' for a command's options and an example.",
    )
    parser.add_argument("--debug", action="store_true", help="show the full traceback on errors")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    raw = argparse.RawDescriptionHelpFormatter
    inp = _input_options()

    p = sub.add_parser(
        "sample",
        help="generate a synthetic B2B customer base (transactions, accounts, truth)",
        formatter_class=raw,
        description="Generate a realistic synthetic supplier's customer base, deterministic by seed.",
        epilog=textwrap.dedent("""
            Writes DIR/transactions.csv, DIR/accounts.csv, DIR/truth.csv (the hidden
            segments, alive status and parameters, for checking models) and
            DIR/accounts_previous.csv (the accounts table a quarter earlier, for the
            report's --previous-accounts).

            example:
              kamlab sample --seed 7 --accounts 500 --out my_sample
              kamlab sample --seed 0 --accounts 300 --faults 0.01 --out data/sample
        """),
    )
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.add_argument("--accounts", type=int, default=300, help="number of accounts (default 300)")
    p.add_argument("--out", default="data/sample", help="output folder (default data/sample)")
    p.add_argument(
        "--faults",
        type=float,
        default=0.0,
        metavar="RATE",
        help="share of extra faulty lines to plant (blank ids, duplicates, bad dates, zero "
        "prices), each quarantined on reading; default 0 (the bundled sample uses 0.01)",
    )
    p.set_defaults(func=cmd_sample)

    p = sub.add_parser(
        "validate",
        parents=[inp],
        formatter_class=raw,
        help="check a transactions file: counts read / accepted / quarantined by reason",
        description="Read and validate a transactions file; nothing is written unless --quarantine is given.",
        epilog=_EPILOG_INPUT
        + textwrap.dedent("""
            examples:
              kamlab validate sales.csv
              kamlab validate online_retail.parquet --json
              kamlab validate CDNOW_sample.txt --names master_id,sample_id,date,cds,dollars \\
                  --column account_id=sample_id --column revenue=dollars
        """),
    )
    p.add_argument("input", metavar="TRANSACTIONS", help="CSV, TXT, Parquet or XLSX file")
    p.add_argument(
        "--json",
        action="store_true",
        help="print one JSON object: read, accepted, quarantined, by_reason",
    )
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser(
        "summarize",
        parents=[inp],
        formatter_class=raw,
        help="per-account summary (frequency, recency, T, monetary value, revenue, margin)",
        description="Summarise transactions per account over the window ending --until (inclusive).",
        epilog=_EPILOG_INPUT
        + textwrap.dedent("""
            Output columns: frequency (repeat purchase days), recency and T (in --period
            units), monetary_value (mean repeat purchase), orders, order_lines, products,
            revenue (net of returns), returns_value, return_lines, gross_margin,
            first_purchase, last_purchase. --panel adds an account x quarter table.

            example:
              kamlab summarize data/sample/transactions.csv --until 2026-09-30 \\
                  --period week --out summary.csv --panel panel.csv
        """),
    )
    p.add_argument("input", metavar="TRANSACTIONS", help="CSV, TXT, Parquet or XLSX file")
    p.add_argument(
        "--until", metavar="DATE", help="last day of the window (default: last date in the data)"
    )
    p.add_argument(
        "--period",
        choices=["day", "week", "month"],
        default="week",
        help="time unit of recency and T (default week = days / 7)",
    )
    p.add_argument("--out", required=True, metavar="FILE.csv", help="where to write the summary")
    p.add_argument("--panel", metavar="FILE.csv", help="also write the account x period panel here")
    p.add_argument(
        "--panel-period",
        choices=["quarter", "month", "year"],
        default="quarter",
        help="period of the panel (default quarter)",
    )
    p.set_defaults(func=cmd_summarize)

    p = sub.add_parser(
        "report",
        parents=[inp],
        formatter_class=raw,
        help="run the report notebooks for a period into reports/<period>/",
        description="Execute the analysis notebooks with papermill for one period and publish "
        "them as one report, reports/<period>/index.html, report.pdf and summary.xlsx (code "
        "hidden), atomically: a failed run leaves the previous report in place.",
        epilog=_EPILOG_INPUT
        + textwrap.dedent("""
            example:
              kamlab report --period 2026Q3 --transactions data/sample/transactions.csv \\
                  --accounts data/sample/accounts.csv \\
                  --previous-accounts data/sample/accounts_previous.csv --out reports
        """),
    )
    p.add_argument(
        "--period", required=True, help="2026Q3 (quarter), 2026-09 (month) or 2026 (year)"
    )
    p.add_argument(
        "--transactions", dest="input", required=True, metavar="FILE", help="transactions file"
    )
    p.add_argument(
        "--previous-accounts",
        metavar="FILE",
        help="the accounts table of the previous period: relationships whose stage "
        "indicators fell show as Declining, and the movement since then uses its scores",
    )
    p.add_argument(
        "--config",
        metavar="YAML",
        help="selection criteria and portfolio rules (a copy of kamlab/portfolio/criteria.yaml)",
    )
    add_cost_rates_option(p)
    p.add_argument(
        "--jobs",
        type=int,
        metavar="N",
        help="notebooks run at once (default 2, or $KAMLAB_REPORT_JOBS); 1 uses least memory",
    )
    p.add_argument("--out", default="reports", help="reports folder (default reports)")
    p.set_defaults(func=cmd_report)

    for name in COMMAND_MODULES:
        importlib.import_module(name).add_commands(sub, inp)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        args.func(args)
    except KamlabError as exc:
        if args.debug:
            raise
        print(f"kamlab {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:  # noqa: BLE001 (the one place that turns bugs into a clean exit)
        if args.debug:
            raise
        print(
            f"kamlab {args.command}: unexpected error: {type(exc).__name__}: {exc} "
            "(rerun with --debug for the traceback)",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
