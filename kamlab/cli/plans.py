"""``kamlab plans init|check`` and ``kamlab scorecard``: key account plans and plan against actual."""

from __future__ import annotations

import sys
from pathlib import Path

from kamlab.cli.options import (
    RAW,
    add_command,
    add_config,
    add_cost_rates,
    add_input,
    add_out,
    print_notes,
    read_input_for,
)
from kamlab.errors import ConfigError

_EPILOG_INIT = """
example:
  kamlab plans init data/sample/transactions.csv --accounts data/sample/accounts.csv \\
      --period 2026Q3 --out plans/
  kamlab plans init data/sample/transactions.csv --accounts data/sample/accounts.csv \\
      --period 2026Q4 --out plans-2027Q1/ --previous-plans plans/
  kamlab plans init data/sample/transactions.csv --accounts data/sample/accounts.csv \\
      --contacts data/sample/contacts.csv --period 2026Q3 --out plans/

Writes one YAML plan per key account (tier key) of the portfolio table kamlab portfolio
writes for the same inputs and period, plans/<account_id>.yaml, for the period after
--period, written as of its end: the account, the team (with --contacts, our people on
the account from the contacts file's counterparts, the key account manager first: the
person in sales or key account management holding most contacts there, who owns the
pre-filled actions; otherwise, or for an account without contacts, the placeholder
"Account manager" to rename), the position (revenue, contribution, cost to serve, gross margin, health,
P(alive), potential, box, tier, stage, share of wallet, the buyer's weakest heading and
its KAM question), prompts for the external and internal analysis, a SWOT from the
customer's side (its weaknesses and threats are the account's risks), objectives
(revenue: + 20% of the revenue headroom, at least +5%; contribution: break even for a
loss-maker, else +5%; stage: one up; share of wallet: +5 points; all due in 12 months;
retention: still buying at the end of the plan's period), strategies, actions and a
forecast. A plan already in --out is kept (only missing plans are written) unless --force.

--previous-plans DIR carries the open items of earlier plans forward: every objective
not met at --period's end (one still due keeps its target and date; a missed one is
re-dated to 12 months on, its note says so: delete it if no longer wanted) and every
open action, each marked carried_from.
"""

_EPILOG_CHECK = """
example:
  kamlab plans check plans/ --accounts data/sample/accounts.csv

Reads every *.yaml in the folder as a plan and validates it: measures, dates, owners
(from team), action statuses, unique objective ids, actions' objectives, targets (a
number; a stage name for stage) and, with --accounts, the account ids. The first mistake
is one line naming the file and line (exit code 2).
"""

_EPILOG_SCORECARD = """
example (a quarter after kamlab plans init --period 2026Q3, the data now to 2026-12-31):
  kamlab scorecard transactions.csv --accounts accounts.csv \\
      --plans plans/ --period 2026Q4 --out scorecard.csv

One row per objective of every plan: account, plan period, tier now, objective, measure,
baseline, target, actual (numbers; for stage its rank, 1 Exploratory to 5 Integrated,
with the names in baseline_stage, target_stage, actual_stage), due, status, progress,
time elapsed, carried from, the account's overdue actions, note. Actuals come from the
portfolio table of --period (kamlab portfolio's for the same inputs): revenue and
contribution of the 12 months to the period's end, gross margin (share of net revenue),
share of wallet (accounts file), stage, retention (1 = bought in the 12 months and not
likely lost). An account not in the table has revenue, contribution and retention 0.

Status: met when the actual reaches the target (>=; <= for a target below the baseline;
stage: at least the target's stage); not met and due after the period's end: on track
when progress (actual - baseline) / (target - baseline) is at least the share of time
gone from the plan's written date to the due date, else behind; not met and due on or
before the period's end: missed; no actual when the measure has no value.

The open actions due on or before the period's end go to --actions (default
<out>_actions.csv): account, action, what, owner, due, days overdue, objective.
Plans for accounts no longer key, or not in the portfolio, are kept and say so (tier_now).
"""


def _build(args, out: Path):
    """The inputs read, the portfolio table of --period (as kamlab portfolio builds it),
    the customer P&L of the same 12 months, and the ids a plan may name."""
    from kamlab.cli.options import period_end
    from kamlab.cli.portfolio import portfolio_run
    from kamlab.value import customer_pnl

    tx, accounts = read_input_for(args, out)
    until = period_end(args, tx)
    name, portfolio, note = portfolio_run(args, tx, accounts, until)
    table = portfolio.table_
    pnl = customer_pnl(tx, accounts, until=until, window="12M", rates=args.cost_rates)
    known = set(table.index.astype(str))
    if accounts is not None:
        known |= set(accounts.data.index.astype(str))
    print_notes([note, *portfolio.notes_])
    return tx, accounts, table, pnl, known, until


def _buyer(accounts, table):
    """The buyer's scorecard of the key accounts, when the accounts file has the six
    headings (else None)."""
    from kamlab.errors import MissingColumnError
    from kamlab.portfolio.buyer import buyer_scorecard

    if accounts is None:
        return None
    key = table.index[table["tier"].astype("object") == "key"]
    try:
        return buyer_scorecard(accounts.data, accounts_subset=key)
    except MissingColumnError:
        return None


def _teams(path, accounts):
    """Our people on each account from the contacts file (None without one); its
    rejected rows are counted on stderr (``kamlab contacts`` lists them)."""
    if not path:
        return None
    from kamlab.io import read_contacts
    from kamlab.plans.draft import account_teams

    contacts = read_contacts(path, accounts=accounts)
    if len(contacts.quarantine):
        print(
            f"contacts: {len(contacts.quarantine):,} rows rejected "
            f"(kamlab contacts {path} lists them and why)",
            file=sys.stderr,
        )
    return account_teams(contacts)


def cmd_init(args) -> None:
    """write one key account plan (YAML) per key account, pre-filled from the run

    One file per key account of the portfolio table (tier key), with the structure of a
    McDonald & Woodburn plan; objectives and actions of earlier plans can be carried forward.
    """
    from kamlab.plans import carry_forward, draft_plans, plan_file_name, read_plans, write_plan

    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise ConfigError(f"--out {out}: a file is in the way; give a folder for the plans")
    previous = read_plans(args.previous_plans) if args.previous_plans else None
    _, accounts, table, pnl, _, _ = _build(args, out)
    teams = _teams(args.contacts, accounts)
    plans = draft_plans(
        table, period=args.period, pnl=pnl, buyer=_buyer(accounts, table), teams=teams
    )
    carried = None
    if previous is not None:
        plans, carried = carry_forward(plans, previous, table, pnl=pnl)
    names = [plan_file_name(p.account_id) for p in plans]
    if len(set(names)) < len(names):
        raise ConfigError("two key accounts' ids give the same file name; make the ids differ")
    written = kept = 0
    for plan, name in zip(plans, names, strict=True):
        if (out / name).exists() and not args.force:
            kept += 1
            continue
        write_plan(plan, out)
        written += 1
    period = plans[0].period if plans else "the next period"
    print(
        f"{len(plans):,} key accounts: {written:,} plans written for {period}"
        + (f", {kept:,} kept (already in {out}; --force rewrites them)" if kept else "")
    )
    if carried is not None:
        print(
            f"carried forward from {args.previous_plans}: {carried['objectives']:,} open "
            f"objectives, {carried['actions']:,} open actions"
            + (
                f"; {carried['not_key']:,} earlier plans not carried (the account is no longer key)"
                if carried["not_key"]
                else ""
            )
        )
    print(f"plans: {written:,} files -> {out}", file=sys.stderr)


def cmd_check(args) -> None:
    """validate a folder of key account plans

    Read every *.yaml plan in the folder and report the first mistake with its file and line.
    """
    from kamlab.io import read_accounts
    from kamlab.plans import read_plans

    known = read_accounts(args.accounts).data.index.astype(str) if args.accounts else None
    plans = read_plans(args.folder, known_accounts=known)
    objectives = sum(len(p.objectives) for p in plans)
    actions = sum(len(p.actions) for p in plans)
    print(f"{len(plans):,} plans valid: {objectives:,} objectives, {actions:,} actions")


def cmd_scorecard(args) -> None:
    """key account plans against actuals: objectives met, on track, behind or missed

    Read every plan in --plans against the portfolio table of --period: each objective's
    actual and status, and the open actions that are overdue.
    """
    from kamlab.plans import STATUSES, plan_against_actual, read_plans
    from kamlab.safe import write_csv

    out = Path(args.out)
    read_plans(args.plans)  # a mistake in a plan stops the run before the data is read
    _, _, table, pnl, known, until = _build(args, out)
    card, actions = plan_against_actual(args.plans, table, end=until, pnl=pnl, known_accounts=known)
    actions_out = Path(args.actions) if args.actions else out.with_name(out.stem + "_actions.csv")
    write_csv(card, out, index=False)
    write_csv(actions, actions_out, index=False)
    counts = card["status"].value_counts()
    print(
        f"{card['account_id'].nunique():,} plans, {len(card):,} objectives at {until}: "
        + ", ".join(
            f"{s} {counts.get(s, 0):,}" for s in STATUSES if counts.get(s, 0) or s != "no actual"
        )
    )
    print(f"overdue actions: {len(actions):,}")
    planned = set(card["account_id"])
    key = set(table.index[table["tier"].astype("object") == "key"].astype(str))
    not_key = sorted(planned - key)
    if not_key:
        print(f"plans for accounts not key now: {len(not_key)} ({', '.join(not_key[:8])})")
    missing = sorted(key - planned)
    if missing:
        print(f"key accounts without a plan: {len(missing)} ({', '.join(missing[:8])})")
    print(f"scorecard: {len(card):,} objectives -> {out}", file=sys.stderr)
    print(f"overdue actions: {len(actions):,} -> {actions_out}", file=sys.stderr)


def _data_options(p) -> None:
    add_input(p)
    p.add_argument(
        "--period",
        required=True,
        metavar="PERIOD",
        help="2026Q3, 2026-09 or 2026: the data to its end (the portfolio table of that period)",
    )
    p.set_defaults(until=None)
    add_config(p)
    add_cost_rates(p)


def add_commands(sub, inputs) -> None:
    """Add ``kamlab plans`` (``init``, ``check``) and ``kamlab scorecard``."""
    group = sub.add_parser(
        "plans",
        help="key account plans as YAML files: init writes them, check validates them",
        description="Key account plans as YAML files people edit (one per key account).",
        epilog="Run 'kamlab plans SUBCOMMAND --help' for its options and an example.",
        formatter_class=RAW,
    )
    plans_sub = group.add_subparsers(dest="plans_command", required=True, metavar="SUBCOMMAND")
    p = add_command(plans_sub, cmd_init, inputs, _EPILOG_INIT)
    _data_options(p)
    p.add_argument(
        "--previous-plans",
        metavar="DIR",
        help="earlier plans: carry their open objectives and actions into the new ones",
    )
    p.add_argument(
        "--contacts",
        metavar="FILE",
        help="contacts file (kamlab contacts): the team is our people on the account, the "
        "key account manager first, who owns the pre-filled actions",
    )
    p.add_argument("--force", action="store_true", help="rewrite plans already in --out")
    add_out(p, "the folder to write the plans to", metavar="DIR")

    p = add_command(plans_sub, cmd_check, None, _EPILOG_CHECK)
    p.add_argument("folder", metavar="DIR", help="the folder of plans")
    p.add_argument("--accounts", metavar="FILE", help="accounts table: refuse unknown account ids")

    p = add_command(sub, cmd_scorecard, inputs, _EPILOG_SCORECARD)
    _data_options(p)
    p.add_argument("--plans", required=True, metavar="DIR", help="the folder of plans")
    p.add_argument(
        "--actions",
        metavar="FILE.csv",
        help="where to write the overdue actions (default: <out>_actions.csv beside --out)",
    )
    add_out(p, "where to write the scorecard (one row per objective)")
