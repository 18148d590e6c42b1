"""``kamlab performance``: per-account KPIs over two years and the KAM programme's return."""

from __future__ import annotations

import sys
from pathlib import Path

from kamlab.cli.options import (
    add_command,
    add_cost_rates,
    add_input,
    add_number,
    add_out,
    add_period_or_until,
    figure,
    period_end,
    print_notes,
    read_accounts_table,
    read_input_for,
)
from kamlab.errors import ConfigError, InputError

_EPILOG = """
example:
  kamlab performance data/sample/transactions.csv --accounts data/sample/accounts.csv \\
      --previous-accounts data/sample/accounts_previous.csv --period 2026Q3 \\
      --out performance.csv

Compares two years: the 12 months to the period's end (the portfolio's year) and the 12
months before. Key accounts are the accounts with KAM hours (kam_hours > 0) in the
previous accounts file (the accounts file when none is given): what the programme did
and what it cost. Best give the accounts file as it stood at the start of the later year
(a year before the end): a quarter-earlier file already reflects nine months of it. Each is matched with its --neighbours nearest non-key accounts (no
hours; with replacement) on the earlier year's revenue (log) and contribution margin
before KAM time, in its industry where one is within --caliper standard deviations;
a key account with no match that close is left out. Its gain on a measure is its change
between the years less its matches' change per unit of earlier revenue, scaled to its own
(a difference in differences): net revenue, contribution before KAM time, retention (the
share still buying) and share of wallet (when both accounts files give it), with a
bootstrap interval (--draws, --seed). Return on KAM investment = (contribution gain - KAM
cost) / KAM cost, the cost a year of the matched key accounts' kam_hours at the loaded
hour rate (the cost rates' account_drivers.kam_hours; --hour-cost overrides it).

The output has one row per key account (its KPIs, its matches in comparison_ids and its
gain per measure: *_effect) and per comparison account (role "comparison", matched_to).
Key accounts were chosen because they looked promising: matching evens out only what the
data show, so read the result as an association, not proof. --json prints one object:
n_key, n_matched, n_comparison, estimates per measure (effect, low, high, total, ...),
kam_hours, hour_cost, kam_cost, contribution_gain, roi (with roi_low, roi_high), balance,
unmatched, too_few, refused, notes.
"""


def cmd_performance(args) -> None:
    """KAM performance: per-account KPIs and the programme's return on KAM hours

    Per account, revenue, contribution, gross margin, share of wallet, retention and
    relationship stage in the 12 months to the period's end against the 12 months before;
    for the programme, what key accounts gained against matched non-key accounts, set
    against what their KAM hours cost.
    """
    import json

    from kamlab.portfolio.performance import account_kpis, performance_table, programme_return
    from kamlab.portfolio.planning import loaded_hour_cost
    from kamlab.presentation.performance import programme_summary_lines
    from kamlab.safe import write_csv

    if not args.accounts:
        raise ConfigError(
            "--accounts FILE is needed: key accounts are those with kam_hours > 0 in the "
            "accounts (or --previous-accounts) file"
        )
    _check_settings(args)
    cost = loaded_hour_cost(args.cost_rates, args.hour_cost)  # before any data is read
    out = Path(args.out)
    tx, accounts = read_input_for(args, out)
    until = period_end(args, tx)
    previous = read_accounts_table(args.previous_accounts)
    start = args.previous_accounts or args.accounts
    frame = previous if previous is not None else accounts.data
    if "kam_hours" not in frame.columns:
        raise InputError(
            f"{start}: no kam_hours column, so key accounts (KAM hours at the start) cannot be "
            "told from the rest: add kam_hours (account-manager hours a year per account)"
        )
    kpis = account_kpis(tx, accounts, previous, until=until, rates=args.cost_rates)
    result = programme_return(
        kpis,
        hour_cost=cost,
        neighbours=args.neighbours,
        caliper=args.caliper,
        draws=args.draws,
        seed=args.seed,
    )
    table = performance_table(kpis, result)
    write_csv(table.reset_index(), out, index=False)
    if args.chart:
        _chart(result, args.chart)
    if args.json:
        print(json.dumps(result.to_dict(), default=str))
    else:
        print("\n".join(programme_summary_lines(result)))
    print_notes(result.notes)
    print(f"performance: {len(table):,} accounts -> {out}", file=sys.stderr)


def _check_settings(args) -> None:
    if args.neighbours < 1:
        raise ConfigError(f"--neighbours {args.neighbours}: expected 1 or more (e.g. 3)")
    if not args.caliper > 0:
        raise ConfigError(
            f"--caliper {args.caliper:g}: expected standard deviations > 0 (e.g. 0.5)"
        )
    if not 100 <= args.draws <= 100_000:
        raise ConfigError(f"--draws {args.draws}: expected 100 to 100,000 (e.g. 2000)")


def _chart(result, path) -> None:
    from kamlab.plots.performance import programme_before_after

    with figure(path, nrows=2, ncols=2, figsize=(11, 8)) as (fig, grid):
        measures = ("revenue", "contribution", "retention", "share_of_wallet")
        for ax, measure in zip(grid.flat, measures, strict=True):
            programme_before_after(result, measure, ax=ax)
        fig.tight_layout()


def add_commands(sub, inputs) -> None:
    """Add ``kamlab performance``."""
    p = add_command(sub, cmd_performance, inputs, _EPILOG)
    add_input(p)
    add_period_or_until(p)
    add_cost_rates(p)
    p.add_argument(
        "--previous-accounts",
        metavar="FILE",
        help="the accounts table as it was at the start (a period earlier): its kam_hours say "
        "which accounts were key, its share of wallet and stage are the 'before' values",
    )
    p.add_argument(
        "--hour-cost",
        type=float,
        metavar="MONEY",
        help="the loaded cost of an account-manager hour (default: the cost rates' "
        "account_drivers.kam_hours, GBP 65 in kamlab/cost_to_serve.yaml)",
    )
    add_number(p, "--neighbours", 3, "K", "matched non-key accounts per key account (default 3)")
    add_number(
        p,
        "--caliper",
        0.5,
        "SD",
        "farthest a match may be, in standard deviations of earlier revenue (log) and "
        "margin (default 0.5)",
    )
    add_number(p, "--draws", 2000, "N", "bootstrap draws for the intervals (default 2000)")
    add_number(p, "--seed", 0, "N", "seed of the bootstrap (default 0)")
    p.add_argument("--chart", metavar="FILE.png", help="also draw key vs matched, before and after")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    add_out(p, "where to write the per-account table")
