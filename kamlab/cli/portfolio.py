"""``kamlab portfolio`` and ``kamlab allocate``: the portfolio table and the hours plan."""

from __future__ import annotations

import sys
from pathlib import Path

from kamlab.cli.global_accounts import add_roll_up, read_rolled_input, with_entities
from kamlab.cli.options import (
    add_command,
    add_config,
    add_cost_rates,
    add_input,
    add_number,
    add_out,
    add_period_or_until,
    comma_list,
    figure,
    passed,
    period_end,
    print_notes,
    read_accounts_table,
    read_input_for,
)
from kamlab.errors import ConfigError

_EPILOG_PORTFOLIO = """
example:
  kamlab portfolio data/sample/transactions.csv --accounts data/sample/accounts.csv \\
      --period 2026Q3 --out portfolio.csv --chart portfolio.png

One row per account that bought in the 12 months to the period's end: attractiveness
and strength (1-10, weighted factors), box (Strategic / Star / Status / Streamline),
tier (key / key development / maintain / transactional), relationship stage, the
exit recommendation (exit completely / exit to a lower tier, named in exit_to_tier /
review) with its reasons, the contribution on the next lower and on the lowest tier's
service model (the cost drivers each tier carries, tiers: service: in the criteria), and
account health: days since the last purchase, the typical gap, P(alive) and next
quarter's expected purchases from the run's purchase model, and health (active /
lapsing / likely lost) by the criteria's health rule. A likely-lost account cannot stay
key (tier_reason says why); a lapsing key account gets health_action "call". Never
proposed: an exit to a lower tier from the lowest tier, an exit completely for an
account that makes money on the lowest tier's service model, any exit for a prospect.
Factors, weights, cut-offs, the key-account cap, the service model
and the exit rules are in the criteria file: copy kamlab/portfolio/criteria.yaml, edit
it, and pass it with --config. Without --accounts (no judgement scores), the criteria
fall back to data measures and say so. --roll-up (the accounts file has parent_id): one
row per global account, revenue and contribution the sums of its entities', scores, box,
tier and stage recomputed on the rolled-up accounts (kamlab global compares the entities).
"""

_EPILOG_ALLOCATE = """
example:
  kamlab allocate data/sample/transactions.csv --accounts data/sample/accounts.csv \\
      --period 2026Q3 --hours 2000 --out hours.csv --json

Everything is on one time basis, a year. Each account's value at stake (money a year) is
its retention part plus its growth part: the retention part is the profit uplift over the
next 12 months if retention rises by --retention-points (the run's purchase model +
Gamma-Gamma; the KAM-hours charge is left out, as the plan prices the hours); the growth
part is --growth-capture (default 20%) of the account's potential, the annual margin
headroom of the portfolio table, times its P(alive) (no potential: retention only, and a
note says so). The gain from h hours is value x (1 - exp(-h / saturation)): the first
hours earn most. The plan maximising the total expected gain within the budget
is solved exactly and compared with an equal split and, when the accounts file has
kam_hours, with today's hours.

Each hour costs the loaded rate of the cost rates (account_drivers.kam_hours, GBP 65 in
kamlab/cost_to_serve.yaml; --hour-cost overrides it). The output gives the hours' cost and
the net gain (gain - cost), the optimal budget (where the last hour earns exactly its
cost: sum over accounts of clip(s ln(V / (s x cost)), 0)) with its gain and net gain, and
the same for today's hours. A budget beyond the optimum loses money at the margin.
--json prints one object: model, currency, hour_cost, budget_hours, hours_used, gain,
hours_cost, net_gain, marginal_gain_last_hour, optimal_budget_hours (and its gain, cost,
net gain), current_hours (and its gain, cost, net gain), value at stake by part, notes.
"""


def cmd_portfolio(args) -> None:
    """key account portfolio: scores, box, tier, stage and exits per account

    Score every account on weighted selection criteria, place it in the McDonald &
    Woodburn matrix, tier it, assess its relationship stage and propose exits.
    """
    import pandas as pd

    from kamlab.safe import write_csv

    out = Path(args.out)
    previous = read_accounts_table(args.previous_accounts)
    tx, accounts, previous, entities, until = read_rolled_input(args, out, previous)
    name, portfolio, note = portfolio_run(args, tx, accounts, until, previous, entities)
    table = with_entities(portfolio.table_, accounts, args)
    write_csv(table.reset_index(), out, index=False)
    if args.chart:
        _chart(table, portfolio.criteria_, args.chart)
    counts = table["box"].value_counts().reindex(table["box"].cat.categories, fill_value=0)
    tiers = table["tier"].value_counts().reindex(table["tier"].cat.categories, fill_value=0)
    exits = table["exit_recommendation"].replace("", pd.NA).value_counts()
    prospects = int(table["prospect"].sum()) if "prospect" in table else 0
    print(
        f"{len(table):,} accounts"
        + (" (rolled up: one per global customer)" if getattr(args, "roll_up", False) else "")
        + (f" ({prospects:,} prospects: never bought)" if prospects else "")
        + f", 12 months to {table.attrs.get('until') or until or 'the last date'}"
    )
    print("boxes: " + ", ".join(f"{b} {n:,}" for b, n in counts.items()))
    print("tiers: " + ", ".join(f"{t} {n:,}" for t, n in tiers.items()))
    print("exits: " + (", ".join(f"{e} {n:,}" for e, n in exits.items()) or "none proposed"))
    health = table["health"].value_counts().reindex(table["health"].cat.categories, fill_value=0)
    unknown = int(table["health"].isna().sum())  # never bought: no health
    print(
        f"health ({name} P(alive)): "
        + ", ".join(f"{h} {n:,}" for h, n in health.items())
        + (f", none (never bought) {unknown:,}" if unknown else "")
    )
    actions = table["health_action"].value_counts()
    print(
        f"key accounts: {actions.get('call', 0):,} lapsing (call), "
        f"{actions.get('review', 0):,} likely lost (moved to key development)"
    )
    print_notes([note, *portfolio.notes_])
    print(f"portfolio: {len(table):,} accounts -> {out}", file=sys.stderr)


def portfolio_run(args, tx, accounts, until, previous=None, entities=None):
    """``(model name, Portfolio, note)``: the portfolio exactly as ``kamlab portfolio``
    builds it from these arguments (``kamlab plans init`` and ``kamlab scorecard`` share
    it, so their key accounts and actuals are its table's). ``previous``: the previous
    accounts table (default: read from ``--previous-accounts`` when the command has it).
    ``entities``: the ``(tx, accounts)`` that ``tx`` and ``accounts`` were rolled up from:
    the purchase model is fitted on them and evaluated on the global accounts, as the
    report's global accounts section does."""
    name, value, note = _run_model(args, tx, accounts, until, entities)
    portfolio = _portfolio(
        args,
        tx,
        accounts,
        until,
        # --value: clv too; else the model gives account health only
        **({"value": value} if getattr(args, "value", False) else {"health_value": value}),
        previous_accounts=previous
        if previous is not None
        else read_accounts_table(getattr(args, "previous_accounts", None)),
    )
    return name, portfolio, note


def _run_model(args, tx, accounts, until, entities=None):
    """The run's one purchase model (:func:`~kamlab.workflows.value.fit_uplift_model`):
    ``(name, CustomerValue, note)``; it gives account health its P(alive). With
    ``entities`` it is fitted on them and evaluated on ``tx``
    (:func:`~kamlab.workflows.value.evaluate_value`)."""
    from kamlab.workflows.value import evaluate_value, fit_uplift_model

    fit_tx, fit_accounts = entities or (tx, accounts)
    name, run, _, note = fit_uplift_model(fit_tx, fit_accounts, until=until, rates=args.cost_rates)
    if entities is not None:
        run = evaluate_value(run, tx, accounts, until=until, rates=args.cost_rates)
    return name, run.value, note


def _chart(table, criteria, path) -> None:
    from kamlab.plots.portfolio import portfolio_matrix

    with figure(path, figsize=(9, 7)) as (_, ax):
        portfolio_matrix(
            table,
            ax=ax,
            attractiveness_cutoff=criteria.attractiveness_cutoff,
            strength_cutoff=criteria.strength_cutoff,
        )


def _portfolio(args, tx, accounts, until, **options):
    """The portfolio at ``until`` with the criteria and cost rates asked for."""
    from kamlab.portfolio.portfolio import build_portfolio

    return build_portfolio(
        tx, accounts, until=until, criteria=args.config, rates=args.cost_rates, **options
    )


def cmd_allocate(args) -> None:
    """allocate account-manager hours across accounts to maximise expected gain

    Share a budget of account-manager hours (a year) across the key accounts so the
    expected profit from retention and growth is largest (solved exactly), and price the
    hours: their cost, the net gain and the budget at which the last hour earns its cost.
    """
    import json

    from kamlab.portfolio.planning import loaded_hour_cost
    from kamlab.presentation.portfolio import describe_allocation
    from kamlab.safe import write_csv
    from kamlab.workflows.value import fit_uplift_model, hours_plan

    if args.hours is not None and not args.hours >= 0:
        raise ConfigError(f"--hours {args.hours:g}: expected a number of hours >= 0")
    if not 0 <= args.growth_capture <= 1:
        raise ConfigError(
            f"--growth-capture {args.growth_capture:g}: expected a share between 0 and 1 (e.g. 0.2)"
        )
    cost = loaded_hour_cost(args.cost_rates, args.hour_cost)  # before any model is fitted
    out = Path(args.out)
    tx, accounts = read_input_for(args, out)
    until = period_end(args, tx)
    tiers = comma_list(args.tiers)
    fitted = fit_uplift_model(tx, accounts, until=until, rates=args.cost_rates)
    portfolio = _portfolio(args, tx, accounts, until, health_value=fitted[1].value)
    table = portfolio.table_
    try:
        plan, notes = hours_plan(
            tx,
            accounts,
            table,
            until=until,
            rates=args.cost_rates,
            choice=lambda: fitted,
            budget_hours=args.hours,
            tiers=tiers,
            hour_cost=cost,
            **passed(args, "saturation_hours", "retention_points", "growth_capture"),
        )
    except ConfigError as exc:
        raise ConfigError(f"--tiers/--hours: {exc}") from None
    labels = [c for c in ("account_name", "box", "tier") if c in table.columns]
    result = plan.table.join(table[labels])
    write_csv(result.reset_index(), out, index=False)
    notes = notes + portfolio.notes_
    if args.json:
        print(json.dumps({"model": fitted[0], "tiers": tiers, **plan.to_dict(), "notes": notes}))
    else:
        print(
            f"{len(result):,} accounts in tiers {', '.join(tiers)}; budget "
            f"{plan.budget_hours:,.0f} hours a year; an hour costs {plan.currency} {cost:,.2f}"
        )
        print(describe_allocation(plan))
    print_notes(notes)
    print(f"allocation: {len(result):,} accounts -> {out}", file=sys.stderr)


def _common_options(p) -> None:
    add_input(p)
    add_period_or_until(p)
    add_config(p)
    add_cost_rates(p)


def add_commands(sub, inputs) -> None:
    """Add ``kamlab portfolio`` and ``kamlab allocate``."""
    p = add_command(sub, cmd_portfolio, inputs, _EPILOG_PORTFOLIO)
    _common_options(p)
    p.add_argument(
        "--value",
        action="store_true",
        help="also give each account its lifetime value (clv) from the run's purchase model "
        "+ Gamma-Gamma: used by criteria and exit rules that name clv, and in profit at stake "
        "(the model is fitted either way: it gives account health its P(alive))",
    )
    p.add_argument(
        "--previous-accounts",
        metavar="FILE",
        help="the accounts table of an earlier period: stages that fell show as Declining",
    )
    p.add_argument("--chart", metavar="FILE.png", help="also draw the portfolio matrix here")
    add_roll_up(p)
    add_out(p, "where to write the table")

    p = add_command(sub, cmd_allocate, inputs, _EPILOG_ALLOCATE)
    _common_options(p)
    p.add_argument(
        "--hours",
        type=float,
        help="the budget of hours a year to allocate (default: the accounts' current kam_hours in "
        "total, so the plan moves today's hours)",
    )
    p.add_argument(
        "--tiers",
        default="key,key development",
        help="tiers whose accounts share the hours, comma separated (default: key,key development)",
    )
    add_number(
        p,
        "--saturation-hours",
        40.0,
        "H",
        "hours at which an account yields 63%% of its value at stake (default 40)",
    )
    add_number(
        p,
        "--retention-points",
        5.0,
        "X",
        "the retention gain full attention could win, in points (default 5)",
    )
    add_number(
        p,
        "--growth-capture",
        0.2,
        "SHARE",
        "share of an account's potential (annual margin headroom) a year of full attention "
        "could win: the growth part of its value at stake (default 0.2)",
    )
    p.add_argument(
        "--hour-cost",
        type=float,
        metavar="MONEY",
        help="the loaded cost of an account-manager hour (default: the cost rates' "
        "account_drivers.kam_hours, GBP 65 in kamlab/cost_to_serve.yaml)",
    )
    p.add_argument("--json", action="store_true", help="print one JSON object")
    add_out(p, "where to write the plan")
