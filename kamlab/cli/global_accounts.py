"""``kamlab global`` and the ``--roll-up`` option of ``kamlab portfolio`` and ``kamlab pnl``:
global (international) accounts, one customer with entities in several countries
(:mod:`kamlab.portfolio.global_accounts`)."""

from __future__ import annotations

import sys
from pathlib import Path

from kamlab.cli.options import (
    add_command,
    add_cost_rates,
    add_input,
    add_out,
    add_period_or_until,
    figure,
    period_end,
    print_notes,
    read_input_for,
)
from kamlab.errors import ConfigError, InputError

_EPILOG_GLOBAL = """
example:
  kamlab global data/sample/transactions.csv --accounts data/sample/accounts.csv \\
      --period 2026Q3 --out countries.csv --chart countries.png

The accounts file's parent_id names the global account each entity belongs to (empty:
the account is its own); parent_name names it, country places each entity. For every
global account with two or more entities that bought in the 12 months to the period's
end, one row per entity: country, net revenue, gross margin % and cost to serve % of
revenue (the entity's own P&L, cost rates as kamlab pnl), contribution, price index
(what the entity pays for the products other entities of the customer also buy, over the
customer's average price of them, quantity-weighted: 1.10 = 10% above), orders and
average order value. Printed: the global accounts and entities compared and the largest
spreads (max - min across a customer's countries) in price, margin and cost to serve,
among the 15 largest global accounts; ratios leave out entities with under 1% of their
customer's net revenue.
kamlab portfolio --roll-up and kamlab pnl --roll-up give one row per global account.
"""

ROLL_UP_HELP = (
    "one row per global account: relabel every entity's lines to its parent_id (accounts "
    "file) and roll the accounts table up; revenue, margin and cost to serve are the sums "
    "of the entities', scores are recomputed; adds entities and countries columns"
)


def add_roll_up(p) -> None:
    """``--roll-up`` (read by :func:`read_rolled_input`)."""
    p.add_argument("--roll-up", action="store_true", help=ROLL_UP_HELP)


def read_rolled_input(args, out: Path, previous=None, *, window="12M"):
    """:func:`~kamlab.cli.options.read_input_for`, then ``(tx, accounts, previous, entities,
    until)``: the first three rolled up to global accounts when ``--roll-up`` was given
    (``previous``, an earlier accounts table, with today's parents), else as read;
    ``entities`` the ``(tx, accounts)`` as read when rolled up (the purchase model is
    fitted on them), else None; ``until`` the last day of ``--period`` or ``--until``
    (:func:`~kamlab.cli.options.period_end` of the lines read). ``--roll-up`` without an
    accounts file with ``parent_id`` is a one-line error, before the transactions are read."""
    if not getattr(args, "roll_up", False):
        tx, accounts = read_input_for(args, out)
        return tx, accounts, previous, None, period_end(args, tx)
    from kamlab.portfolio.global_accounts import roll_up_with_previous

    ids = _parents(args, "--roll-up")
    entities = read_input_for(args, out)
    until = period_end(args, entities[0])
    tx, rolled, previous = roll_up_with_previous(
        *entities, previous, until=until, window=window, rates=args.cost_rates
    )
    moved = int((rolled["entities"] > 1).sum())
    print(
        f"rolled up: {len(ids):,} accounts into {len(rolled):,} global accounts "
        f"({moved:,} with several entities)",
        file=sys.stderr,
    )
    return tx, rolled, previous, entities, until


def _parents(args, flag: str | None = None):
    """Each account's global id from ``--accounts``, read before the transactions: no
    accounts file, or one without ``parent_id``, is a one-line error (naming ``flag``)."""
    from kamlab.io import read_accounts
    from kamlab.portfolio.global_accounts import global_ids

    if not args.accounts:
        raise ConfigError(
            f"{flag or 'kamlab global'} needs --accounts FILE with a parent_id column (the "
            "global account each entity belongs to)"
        )
    try:
        return global_ids(read_accounts(args.accounts))
    except InputError as exc:
        where = f"{flag}: {args.accounts}" if flag else args.accounts
        raise InputError(f"{where}: {exc}") from None


def with_entities(table, accounts, args):
    """``table`` (one row per global account) with the rolled-up accounts' ``entities``
    and ``countries``, after the name, when ``--roll-up`` was given."""
    if not getattr(args, "roll_up", False):
        return table
    at = list(table.columns).index("account_name") + 1 if "account_name" in table else 0
    for k, column in enumerate(c for c in ("entities", "countries") if c in accounts):
        table.insert(at + k, column, accounts[column].reindex(table.index))
    return table


def cmd_global(args) -> None:
    """global accounts: entities side by side by country (price, margin, cost to serve)

    For each global customer with entities in several countries, the entities side by
    side: revenue, gross margin %, cost to serve %, contribution, price index, orders and
    average order value, and the spread of each across the countries.
    """
    from kamlab.portfolio.global_accounts import country_comparison, country_spreads
    from kamlab.presentation.global_accounts import describe_countries
    from kamlab.safe import write_csv

    _parents(args)
    out = Path(args.out)
    tx, accounts = read_input_for(args, out)
    until = period_end(args, tx)
    comparison = country_comparison(tx, accounts, until=until, rates=args.cost_rates)
    write_csv(comparison, out, index=False)
    spreads = country_spreads(comparison)
    print(describe_countries(comparison, spreads))
    if args.chart and len(comparison):
        _chart(comparison, args.chart, args.global_id)
    print_notes(comparison.attrs["notes"])
    print(f"global: {len(comparison):,} entities -> {out}", file=sys.stderr)


def _chart(comparison, path, global_id) -> None:
    from kamlab.plots.global_accounts import country_dots

    if global_id is None:  # the largest global account
        global_id = comparison.groupby("global_id")["revenue"].sum().idxmax()
    elif global_id not in set(comparison["global_id"]):
        raise ConfigError(f"--global-id {global_id}: not among the global accounts compared")
    with figure(path, figsize=(8, 4)) as (_, ax):
        country_dots(comparison, global_id, ax=ax)


def add_commands(sub, inputs) -> None:
    """Add ``kamlab global``."""
    p = add_command(sub, cmd_global, inputs, _EPILOG_GLOBAL)
    add_input(p)
    add_period_or_until(p)
    add_cost_rates(p)
    p.add_argument("--chart", metavar="FILE.png", help="also draw one global account's countries")
    p.add_argument(
        "--global-id",
        metavar="ID",
        help="the global account (parent_id) to draw (default: the largest by revenue)",
    )
    add_out(p, "where to write the entities side by side")
