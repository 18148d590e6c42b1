"""``kamlab value``, ``kamlab uplift`` and ``kamlab pnl``: customer value from the command line.

Each reads a transactions file (and optionally the accounts table) with the shared
reading options, then runs the steps of ``notebooks/03_value.ipynb``:

- ``pnl``: :func:`kamlab.value.customer_pnl` over a window, and the whale headline;
- ``value``: :func:`~kamlab.workflows.value.run_value` (the P&L, a purchase model and
  Gamma-Gamma fitted on the summary, each account's customer value); the purchase model
  is the one :func:`~kamlab.workflows.value.fit_uplift_model` chooses out of sample
  (``kamlab fit compare``) unless ``--model`` names one;
- ``uplift``: the value, then :func:`kamlab.value.uplift.retention_uplift` with an
  interval from parameter draws.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

from kamlab.cli.fit import parameter_lines
from kamlab.cli.global_accounts import add_roll_up, read_rolled_input, with_entities
from kamlab.cli.options import (
    add_command,
    add_cost_rates,
    add_input,
    add_number,
    add_out,
    add_until,
    comma_list,
    passed,
    print_notes,
    read_input_for,
    until_date,
)
from kamlab.errors import ConfigError, InputError
from kamlab.workflows.value import DEFAULT_DRAWS, MODELS

_EPILOG_VALUE = """
Steps: read and validate; summarise per account until --until (repeat purchase days,
recency, T in weeks); fit the purchase model and Gamma-Gamma (spend per
purchase, on the repeat buyers); build each account's P&L with activity-based cost to
serve (rates: kamlab/cost_to_serve.yaml, or --cost-rates with the keys you change);
value each account over --horizon-months at --discount a year. The purchase model
is the one 'kamlab fit compare' chooses out of sample (BG/NBD, MBG/NBD or Pareto/NBD:
the lowest mean absolute error per account over the last --holdout-weeks weeks), the
same as kamlab uplift and the report use; --model names one instead. The output says
which model and why.

  CLV = margin share x expected spend x discounted expected purchases
        - cost to serve (per purchase, and per year while active), discounted

The margin share and the cost to serve per purchase and per year come from the
account's P&L over all its history up to --until.

Output (one row per account): the P&L columns (account_name, net_revenue,
gross_margin, cts_* lines, cost_to_serve, contribution, ...) over --window (default
all history), then probability_alive, expected_purchases, discounted_purchases,
expected_spend, margin_share, discounted_revenue, discounted_gross_margin,
discounted_cost_to_serve, clv. Printed: the fitted parameters with standard errors,
the whale headline and the totals.

example:
  kamlab value data/sample/transactions.csv --accounts data/sample/accounts.csv \\
      --horizon-months 36 --discount 0.10 --out value.csv
  kamlab value sales.parquet --model pareto-nbd --cost-rates my_rates.yaml \\
      --until 2026-09-30 --out value.csv
"""

_EPILOG_UPLIFT = """
The question of Reichheld & Sasser (1990), who found that 5 points fewer defections
raised profits by 25-85%, asked of the fitted models: raise retention by
--retention-points percentage points (or cut churn by --churn-reduction), for every
account or only for --accounts-only / --key-accounts, and recompute each account's
discounted value. The interval comes from --draws draws of the models' parameters
(seeded by --seed). The output sets the total against their 25-85% and lists each
reason that applies why it differs: the horizon (--horizon-months, not a lifetime),
tenure effects not modelled, accounts of negative value (keeping them longer loses
money), and what retention means for the model.

The purchase model is the one 'kamlab fit compare' chooses out of sample (the same
as kamlab value and the report use; --model names one instead); the output says
which and why. What "retention" means depends on the model:
  pareto-nbd            annual retention: the chance that an account active now is
                        still active a year later, as Reichheld measured it;
  bgnbd, mbgnbd         retention per purchase occasion, 1 - p; for accounts that
                        buy often it is already within a few points of 100%, so a
                        rise of 5 points is capped at 99% of their dropout (the
                        output says how many; --churn-reduction avoids the cap).

Output: one row per account (account_name, clv, clv_scenario, uplift, uplift_lower,
uplift_upper, uplift_pct, retention, retention_scenario, in_scenario, capped) and a
last row with account_id TOTAL for the portfolio (with uplift_pct_lower/upper).

--accounts-only FILE: one account id per line, or a CSV with an account_id column.

example:
  kamlab uplift data/sample/transactions.csv --accounts data/sample/accounts.csv \\
      --retention-points 5 --draws 200 --seed 0 --out uplift.csv
  kamlab uplift sales.csv --churn-reduction 0.2 --key-accounts A0004,A0043 --out ka.csv
"""

_EPILOG_PNL = """
Customer P&L per account over the window ending --until (inclusive):
gross sales - returns - discounts = net revenue; - cost of goods = gross margin;
- cost to serve = contribution. Cost to serve is activity-based: orders, order lines,
return lines and deliveries counted from the transactions, service calls and KAM
hours from the accounts table (annual counts), payment-term financing; each count
times a rate from kamlab/cost_to_serve.yaml (or --cost-rates, a YAML file with the
keys you change). Prints the whale headline: the share of total profit the top 20%
of accounts earn (Cooper & Kaplan 1991: typically 150-300%), the curve's peak, the
share of it the loss-making tail gives back (Kaplan & Narayanan 2001: the tail
typically loses 50-200% of total profit), and what explains the difference.

--roll-up (the accounts file has parent_id): one row per global account, its lines the
entities' lines relabelled, with entities and countries; each global account's revenue,
gross margin, cost to serve and contribution are the sums of its entities' (financing
aside, when an entity has more returns than sales in the window).

example:
  kamlab pnl data/sample/transactions.csv --accounts data/sample/accounts.csv \\
      --window 12M --out pnl.csv
  kamlab pnl sales.csv --until 2026-09-30 --window 1Y --cost-rates my_rates.yaml \\
      --out pnl.csv
"""


# --------------------------------------------------------------------------- arguments


def _check_numbers(args) -> None:
    if not math.isfinite(args.horizon_months) or args.horizon_months <= 0:
        raise ConfigError(f"--horizon-months {args.horizon_months:g}: expected months > 0, e.g. 36")
    if not math.isfinite(args.discount) or not 0 <= args.discount < 1:
        raise ConfigError(
            f"--discount {args.discount:g}: expected an annual rate between 0 and 1, e.g. 0.10"
        )


def _selection(args, index, until: str) -> list[str] | None:
    from kamlab.io.tables import read_ids

    if args.accounts_only:
        where = f"--accounts-only {args.accounts_only}"
        try:
            ids = read_ids(args.accounts_only)
        except InputError as exc:
            raise InputError(f"--accounts-only {exc}") from None
    elif args.key_accounts:
        ids = comma_list(args.key_accounts)
        where = "--key-accounts"
        if not ids:
            raise ConfigError("--key-accounts: give account ids separated by commas")
    else:
        return None
    unknown = [i for i in ids if i not in index]
    if unknown:
        raise InputError(
            f"{where}: {len(unknown):,} of {len(ids):,} id(s) are not among the accounts that "
            f"bought up to {until} (e.g. {', '.join(unknown[:3])})"
        )
    return ids


def _draws_for(asked: int | None, run) -> tuple[int, str | None]:
    """The draws to make, and why there is no interval when the default falls to 0: the
    fit has no covariance. Draws asked for explicitly are made (or refused) as asked."""
    from kamlab.value.uplift import without_covariance

    if asked is not None:
        return asked, None
    broken = without_covariance(run.value)
    if not broken:
        return DEFAULT_DRAWS, None
    why = "; ".join(f"{m.display_name}: {m.convergence_message_}" for m in broken)
    return 0, f"no interval: the fit has no covariance ({why}); the estimate only"


def _run_from_args(args, out: Path):
    """Read, then value with ``--model`` or the model chosen out of sample; sets
    ``args.model`` to the model used and returns ``(tx, accounts, run, which)``,
    ``which`` saying which model and why."""
    from kamlab.workflows.value import fit_uplift_model, run_value

    _check_numbers(args)
    until = until_date(args.until)
    tx, accounts = read_input_for(args, out)
    settings = passed(args, "horizon_months", "discount")
    if args.model is not None:
        run = run_value(
            tx, accounts, until=until, rates=args.cost_rates, model=args.model, **settings
        )
        which = f"Purchase model: {run.purchases.display_name} (--model {args.model})."
        return tx, accounts, run, which
    name, run, _, note = fit_uplift_model(
        tx,
        accounts,
        until=until,
        rates=args.cost_rates,
        holdout_weeks=args.holdout_weeks,
        **settings,
    )
    args.model = next(k for k, cls in MODELS.items() if cls == type(run.purchases).__name__)
    return tx, accounts, run, note  # "Purchase model: NAME, chosen ... because ..."


# --------------------------------------------------------------------------- commands


def cmd_pnl(args) -> None:
    """customer P&L per account with activity-based cost to serve; whale curve

    Customer P&L per account, gross sales to contribution, with cost to serve by
    activity-based costing, and the whale curve's headline.
    """
    from kamlab.presentation.value import pnl_statement, whale_headline
    from kamlab.safe import write_csv
    from kamlab.value.pnl import customer_pnl

    out = Path(args.out)
    tx, accounts, _, _, until = read_rolled_input(args, out, window=args.window)
    pnl = customer_pnl(tx, accounts, until=until, window=args.window, rates=args.cost_rates)
    write_csv(with_entities(pnl, accounts, args), out)
    currency = pnl.attrs["currency"]
    statement = pnl_statement(pnl)["amount"]
    print(f"P&L {pnl.attrs['start']} to {pnl.attrs['until']}, rates: {pnl.attrs['rates']}")
    print(
        f"net revenue {currency} {statement['net revenue']:,.0f}; gross margin "
        f"{currency} {statement['gross margin']:,.0f}; cost to serve "
        f"{currency} {-statement['cost to serve']:,.0f}; contribution "
        f"{currency} {statement['contribution']:,.0f}"
    )
    print(whale_headline(pnl))
    print_notes(pnl.attrs["notes"])
    print(f"pnl: {len(pnl):,} accounts -> {out}", file=sys.stderr)


def cmd_value(args) -> None:
    """customer value per account: P&L, probability alive and CLV

    Fit the purchase and spend models and value every account over a horizon: its P&L
    with cost to serve, probability alive and discounted CLV.
    """
    from kamlab.presentation.value import describe_value, value_table, whale_headline
    from kamlab.safe import write_csv
    from kamlab.value.pnl import customer_pnl

    out = Path(args.out)
    tx, accounts, run, which = _run_from_args(args, out)
    pnl = run.pnl
    if args.window is not None:
        pnl = customer_pnl(
            tx,
            accounts,
            until=run.summary.attrs["until"],
            window=args.window,
            rates=args.cost_rates,
        )
    table = value_table(pnl, run.value)
    write_csv(table, out)
    currency = pnl.attrs["currency"]
    print(
        f"input: {args.input}, until {run.summary.attrs['until']}: "
        f"{len(run.summary):,} accounts with purchases"
    )
    print(which)
    print("\n".join(parameter_lines(run.purchases, args.model, digits=".4g", indent="  ")))
    print("\n".join(parameter_lines(run.spend, "gamma-gamma", digits=".4g", indent="  ")))
    print(f"P&L {pnl.attrs['start']} to {pnl.attrs['until']} (rates: {pnl.attrs['rates']}):")
    print(whale_headline(pnl))
    print(describe_value(run.value, currency))
    print(
        f"totals: net revenue {currency} {pnl['net_revenue'].sum():,.0f}, contribution "
        f"{currency} {pnl['contribution'].sum():,.0f}, customer value {currency} "
        f"{run.value.total:,.0f}"
    )
    print_notes(run.notes + list(pnl.attrs["notes"]))
    print(f"value: {len(table):,} accounts -> {out}", file=sys.stderr)


def cmd_uplift(args) -> None:
    """profit uplift from better retention, per account and in total, with interval

    What more retention is worth: the change in each account's discounted value when
    retention rises, with an interval from the models' uncertainty.
    """
    from kamlab.presentation.uplift import uplift_table
    from kamlab.presentation.value import compare_with_reichheld, uplift_headline
    from kamlab.safe import write_csv
    from kamlab.value.uplift import retention_uplift

    if args.draws is not None and args.draws < 0:
        raise ConfigError(f"--draws {args.draws}: expected 0 (no interval) or more draws")
    points = args.retention_points
    if points is None and args.churn_reduction is None:
        points = 5.0
    out = Path(args.out)
    _, _, run, which = _run_from_args(args, out)
    until = run.summary.attrs["until"]
    chosen = _selection(args, run.value.table.index, until)
    draws, no_interval = _draws_for(args.draws, run)
    try:
        uplift = retention_uplift(
            run.value,
            points=points,
            churn_reduction=args.churn_reduction,
            accounts=chosen,
            n_draws=draws,
            level=args.level,
            seed=args.seed,
        )
    except InputError as exc:
        if "n_draws=0" in str(exc):
            raise InputError(str(exc).replace("n_draws=0", "--draws 0")) from exc
        raise
    names = run.pnl["account_name"] if "account_name" in run.pnl.columns else None
    table = uplift_table(uplift, names, args.level)
    write_csv(table, out)
    currency = run.pnl.attrs["currency"]
    print(
        f"input: {args.input}, until {until}: {len(run.summary):,} accounts; value over "
        f"{args.horizon_months:g} months at {args.discount:.0%} a year ({args.model}, "
        f"{draws} parameter draws, seed {args.seed})"
    )
    print(which)
    if no_interval:
        print(f"note: {no_interval}")
    print(uplift.definition)
    t = uplift.total
    print(
        f"portfolio value {currency} {t['value']:,.0f} -> {currency} "
        f"{t['value_scenario']:,.0f} (uplift {currency} {t['uplift']:,.0f})"
    )
    print(uplift_headline(uplift))
    print(compare_with_reichheld(uplift, currency))
    capped = int(uplift.table["capped"].sum())
    if capped:
        print(
            f"note: for {capped:,} of {int(uplift.table['in_scenario'].sum()):,} accounts the "
            "rise was capped at 99% of their dropout (their retention was already within "
            "that many points of 100%); see --help on what retention means per model",
            file=sys.stderr,
        )
    print_notes(run.notes + list(run.pnl.attrs["notes"]))
    print(f"uplift: {len(table) - 1:,} accounts and the total -> {out}", file=sys.stderr)


# --------------------------------------------------------------------------- parsers


def _value_options(p) -> None:
    add_until(p, "last day of the data used (default: last date in it)")
    add_number(
        p,
        "--horizon-months",
        36.0,
        "M",
        "how far ahead customer value looks, in months (default 36)",
    )
    add_number(p, "--discount", 0.10, "RATE", "annual discount rate (default 0.10 = 10%%)")
    p.add_argument(
        "--model",
        choices=list(MODELS),
        help="purchase and dropout model: BG/NBD, MBG/NBD or Pareto/NBD (default: the one "
        "'kamlab fit compare' chooses out of sample)",
    )
    add_number(
        p,
        "--holdout-weeks",
        26,
        "N",
        "the holdout that chooses the model: the last N weeks (default 26)",
    )
    add_cost_rates(p)


def _add_window(p, help: str) -> None:
    p.add_argument("--window", metavar="LENGTH", help=help)


def add_commands(sub, inputs) -> None:
    """Add ``kamlab value``, ``uplift`` and ``pnl``."""
    p = add_command(sub, cmd_value, inputs, _EPILOG_VALUE)
    add_input(p)
    _value_options(p)
    _add_window(
        p,
        "window of the P&L columns, e.g. 12M or 1Y (default: all history); the CLV always "
        "uses all history",
    )
    add_out(p, "where to write the table")

    p = add_command(sub, cmd_uplift, inputs, _EPILOG_UPLIFT)
    add_input(p)
    scenario = p.add_mutually_exclusive_group()
    scenario.add_argument(
        "--retention-points",
        type=float,
        metavar="X",
        help="retention rises by X percentage points (default 5)",
    )
    scenario.add_argument(
        "--churn-reduction",
        type=float,
        metavar="C",
        help="churn falls by this share instead, e.g. 0.2 = 20%% less",
    )
    chosen = p.add_mutually_exclusive_group()
    chosen.add_argument(
        "--accounts-only",
        metavar="FILE",
        help="apply the scenario to these accounts only (ids, one per line)",
    )
    chosen.add_argument(
        "--key-accounts",
        metavar="ID,ID",
        help="apply the scenario to these accounts only (ids separated by commas)",
    )
    p.add_argument(
        "--draws",
        type=int,
        metavar="N",
        help=f"parameter draws for the interval (default {DEFAULT_DRAWS}, or 0 with a note "
        "when the fit has no covariance; 0 for the estimate only)",
    )
    p.add_argument("--seed", type=int, default=0, help="random seed of the draws (default 0)")
    p.add_argument("--level", type=float, default=0.90, help="interval level (default 0.90 = 90%%)")
    _value_options(p)
    add_out(p, "where to write the table")

    p = add_command(sub, cmd_pnl, inputs, _EPILOG_PNL)
    add_input(p)
    add_until(p)
    _add_window(p, "length of the window: days (365), 90D, 13W, 12M, 1Y (default: all history)")
    add_cost_rates(p)
    add_roll_up(p)
    add_out(p, "where to write the P&L")
