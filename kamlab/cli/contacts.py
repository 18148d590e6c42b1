"""``kamlab contacts``: the contact map of every account, its shape and flags."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from kamlab.cli.options import (
    add_command,
    add_config,
    add_cost_rates,
    add_out,
    add_period_or_until,
    figure,
    period_end,
    print_notes,
    read_input_for,
)
from kamlab.errors import ConfigError

_EPILOG = """
example:
  kamlab contacts data/sample/contacts.csv --accounts data/sample/accounts.csv \\
      data/sample/transactions.csv --period 2026Q3 --out contacts_summary.csv --maps maps/

One row per account: contacts, customer functions, our people and functions, links
(contacts held by one of ours), the top holder's share, the shape (bow tie / developing /
diamond; rules in kamlab.portfolio.contacts) with the stages it fits, and the flags:
single-threaded (one contact or one link), missing executive sponsor or decision maker,
contacts not reached in 90 days to the period's end (else the latest contact in the
file), critics and blockers. With TRANSACTIONS the portfolio is built for the period
exactly as kamlab portfolio builds it (the same key accounts): every account is marked
key or not, with its tier and stage, and stage_from_contacts, the stage its indicators
give when the contacts file counts its contacts, functions and executive sponsors
(--key-only keeps the key accounts); --maps draws one contact map per key account (PNG). The contacts
file's rejected rows go to <out>_contacts_quarantine.csv.

Contacts columns: account_id, person (required), role (decision maker, influencer, user,
gatekeeper, executive sponsor), function, seniority (executive, senior, manager, staff),
stance (champion, supporter, neutral, critic, blocker, or +2..-2), reports_to,
counterpart (our person holding the contact), counterpart_function, last_contact (date).
"""


def cmd_contacts(args) -> None:
    """contact maps: shape of each relationship (bow tie to diamond) and its flags

    Read a contacts file (one row per customer person and our counterpart) and give per
    account the people and functions on both sides, the shape of the relationship and
    its flags; with transactions, mark the key accounts and draw their maps.
    """
    import pandas as pd

    from kamlab.io import accounts_by_id, read_accounts, read_contacts
    from kamlab.portfolio.contacts import contact_summary, shape_fits_stage
    from kamlab.presentation.contacts import contacts_overview
    from kamlab.safe import write_csv

    out = Path(args.out)
    if (args.key_only or args.maps) and not args.input:
        raise ConfigError(
            "--key-only and --maps need TRANSACTIONS (and --period) to know the key accounts"
        )
    if args.input:
        tx, accounts = read_input_for(args, out)
    else:
        tx, accounts = None, read_accounts(args.accounts) if args.accounts else None
    until = period_end(args, tx)
    from kamlab.io import parse_column_options

    contacts = read_contacts(
        args.contacts,
        parse_column_options(args.contacts_column),
        accounts=accounts,
        as_of=args.today,
        dayfirst=args.dayfirst,
    )
    print(contacts.report(), file=sys.stderr)
    if len(contacts.quarantine):
        rejected = out.with_name(out.stem + "_contacts_quarantine.csv")
        write_csv(contacts.quarantine, rejected, index=False)
        print(f"quarantine: {len(contacts.quarantine):,} contacts -> {rejected}", file=sys.stderr)
    as_of = until
    if as_of is None and tx is not None:
        as_of = tx.lines.date.max().execute()
    notes = list(contacts.notes)
    frame, key = accounts.data if accounts else None, None
    if tx is not None:
        from kamlab.cli.portfolio import portfolio_run
        from kamlab.portfolio.stages import assess_stages

        # the key accounts of `kamlab portfolio` for the same inputs: the same table
        frame = portfolio_run(args, tx, accounts, until)[1].table_
    summary = contact_summary(contacts, accounts=frame, as_of=as_of)
    if accounts is not None and "account_name" in accounts.data:
        # accounts outside the period's portfolio (former customers) keep their names
        names = accounts_by_id(accounts)["account_name"]
        if "account_name" not in summary:
            summary.insert(0, "account_name", pd.NA)
        summary["account_name"] = summary["account_name"].fillna(names.reindex(summary.index))
    if tx is not None:
        summary["tier"] = frame["tier"].reindex(summary.index).astype("object")
        summary["key_account"] = summary["tier"].eq("key")
        summary["stage"] = frame["stage"].reindex(summary.index).astype("object")
        if accounts is not None:  # the stage its indicators give with the contacts' counts
            staged = assess_stages(accounts.data, contacts=contacts)["stage"]
            summary["stage_from_contacts"] = staged.reindex(summary.index).astype("object")
        summary["shape_fits_stage"] = shape_fits_stage(summary["shape"], summary["stage"])
        key = summary["key_account"]
        if args.key_only:
            summary, key = summary[key], key[key]
    write_csv(summary.reset_index(), out, index=False)
    for line in contacts_overview(summary, key=key):
        print(line)
    if key is not None and key.any():
        fits = summary.loc[key[key].index, "shape_fits_stage"]
        print(
            f"shape fits the assessed stage at {int(fits.sum())} of {int(fits.notna().sum())} "
            "key accounts"
        )
    if args.maps:
        _maps(contacts, summary, key, Path(args.maps))
    print_notes(notes)
    print(f"contacts: {len(summary):,} accounts -> {out}", file=sys.stderr)


def _maps(contacts, summary, key, folder: Path) -> None:
    """One PNG contact map per key account in ``folder``."""
    from kamlab.plots.contacts import contact_map
    from kamlab.safe import writing

    with writing(folder):
        folder.mkdir(parents=True, exist_ok=True)
        accounts = key[key].index
        for account in accounts:
            row = summary.loc[account]
            height = max(4.0, 0.42 * int(row["contacts"]) + 2.0)  # A4 width, a line a person
            path = folder / f"contact_map_{_safe_name(account)}.png"
            with figure(path, note=False, figsize=(8.3, height)) as (_, ax):
                contact_map(
                    contacts,
                    account,
                    ax=ax,
                    name=row.get("account_name"),
                    shape=str(row["shape"]),
                    as_of=summary.attrs.get("as_of"),
                )
    print(f"maps: {len(accounts):,} key accounts -> {folder}", file=sys.stderr)


def _safe_name(account: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in str(account))[:80]


class _Intermixed(argparse.ArgumentParser):
    """A parser whose positionals may come between options (``CONTACTS --accounts FILE
    TRANSACTIONS``): argparse's intermixed parsing, which calls back into
    ``parse_known_args`` (the guard)."""

    def parse_known_args(self, args=None, namespace=None):
        if getattr(self, "_intermixing", False):
            return super().parse_known_args(args, namespace)
        self._intermixing = True
        try:
            return self.parse_known_intermixed_args(args, namespace)
        finally:
            self._intermixing = False


def add_commands(sub, inputs) -> None:
    """Add ``kamlab contacts``."""
    p = add_command(sub, cmd_contacts, inputs, _EPILOG)
    p.__class__ = _Intermixed  # CONTACTS --accounts FILE TRANSACTIONS --period P
    p.add_argument("contacts", metavar="CONTACTS", help="the contacts file (CSV, Parquet, Excel)")
    p.add_argument(
        "input",
        metavar="TRANSACTIONS",
        nargs="?",
        help="optional: the transactions file, to mark the key accounts of the period",
    )
    p.add_argument(
        "--contacts-column",
        action="append",
        metavar="ROLE=COLUMN",
        help="use COLUMN of the contacts file for ROLE (repeatable), e.g. person='Full name'",
    )
    add_period_or_until(p)
    add_config(p)
    add_cost_rates(p)
    p.add_argument(
        "--key-only", action="store_true", help="only the key accounts (needs TRANSACTIONS)"
    )
    p.add_argument("--maps", metavar="DIR", help="draw one contact map per key account here (PNG)")
    add_out(p, "where to write the per-account summary")
