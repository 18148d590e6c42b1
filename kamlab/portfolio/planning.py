"""The hours plan from a value run: value at stake per account a year, today's hours, the
budget, and what an hour costs.

The steps of ``kamlab allocate`` and of the portfolio notebook's allocation section,
given the run's value model (:func:`kamlab.workflows.value.fit_uplift_model` chooses it).
Everything is on one time basis, a year:

- **value at stake** (money a year) = **retention part** + **growth part**. The retention
  part is the profit uplift over the next 12 months when retention rises by
  ``retention_points`` (:func:`~kamlab.portfolio.allocate.value_at_stake`), with the
  P&L's KAM-hours charge left out of the cost to serve (the plan prices the hours); the growth
  part is ``growth_capture`` (e.g. 20%: what a year of full attention could win) times
  the account's ``potential``, the annual margin headroom of the portfolio table, times
  its ``probability_alive`` where known (headroom is won only from an account still
  buying: a likely-lost account's potential is a win-back, not an account plan). A table
  without ``potential`` gives the retention part only (said in the notes).
- **hours**: today's hours a year from the accounts table's ``kam_hours``; the budget a
  year.
- **hour cost**: the loaded rate of an account-manager hour, the cost rates'
  ``account_drivers.kam_hours`` (:func:`loaded_hour_cost`).

then :func:`~kamlab.portfolio.allocate.allocate_hours` splits the budget and prices it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import pandas as pd

from kamlab.errors import ConfigError
from kamlab.io import accounts_by_id
from kamlab.portfolio.allocate import Allocation, allocate_hours, optimal_budget, value_at_stake

__all__ = ["KAM_TIERS", "check_tiers", "loaded_hour_cost", "plan_hours"]

KAM_TIERS = ("key", "key development")
"""The tiers that get account-manager hours by default."""

GROWTH_CAPTURE = 0.20
"""Share of an account's potential (annual margin headroom) a year of full attention
could win: the growth part of its value at stake."""

HORIZON_MONTHS = 12
"""The planning basis: value at stake is profit over the next 12 months, hours are a year's."""


def check_tiers(table: pd.DataFrame, tiers: Sequence[str]) -> None:
    """A :class:`~kamlab.errors.ConfigError` naming the tiers there are when one of
    ``tiers`` is not a tier of ``table``."""
    unknown = [t for t in tiers if t not in table["tier"].cat.categories]
    if unknown:
        raise ConfigError(
            f"unknown tier {unknown[0]!r}; tiers: {', '.join(table['tier'].cat.categories)}"
        )


def loaded_hour_cost(rates=None, given: float | None = None, column: str = "kam_hours") -> float:
    """The cost of one account-manager hour (money per hour): ``given`` when not None,
    else the cost rates' ``account_drivers.<column>`` (``rates``: a
    :class:`~kamlab.value.pnl.CostRates`, a YAML path or dict, None for kamlab's
    defaults, GBP 65). A :class:`~kamlab.errors.ConfigError` when neither gives an
    amount > 0."""
    from kamlab.value.pnl import CostRates, load_cost_rates

    if given is not None:
        if not (isinstance(given, int | float) and math.isfinite(given) and given > 0):
            raise ConfigError(f"hour cost {given!r}: expected money per hour > 0, e.g. 65")
        return float(given)
    rates = rates if isinstance(rates, CostRates) else load_cost_rates(rates)
    cost = rates.account.get(column, 0.0)
    if not cost > 0:
        raise ConfigError(
            f"the cost rates ({rates.source or 'given'}) charge nothing for account_drivers."
            f"{column}: give the loaded cost of an account-manager hour (--hour-cost 65, or "
            f"hour_cost=65), or set account_drivers.{column} in the cost rates"
        )
    return float(cost)


def _growth_capture(share) -> float:
    if not (isinstance(share, int | float) and 0 <= share <= 1):
        raise ConfigError(
            f"growth capture {share!r}: expected a share of potential between 0 and 1 "
            "(e.g. 0.2 = a year of full attention wins 20% of the headroom)"
        )
    return float(share)


def _hours_charge(pnl: pd.DataFrame, hours_column: str) -> pd.Series | None:
    """The P&L's charge for account-manager hours per year by account (``cts_<column>`` /
    ``years``), or None when the P&L charges none."""
    column = f"cts_{hours_column}"
    if column not in pnl.columns or "years" not in pnl.columns:
        return None
    years = pnl["years"].astype("float64").where(pnl["years"] > 0)
    return (pnl[column].astype("float64") / years).fillna(0.0)


def plan_hours(
    run,
    accounts,
    table: pd.DataFrame,
    *,
    budget_hours: float | None = None,
    tiers: Sequence[str] = KAM_TIERS,
    saturation_hours: float = 40.0,
    retention_points: float = 5.0,
    growth_capture: float = GROWTH_CAPTURE,
    hour_cost: float | None = None,
    rates=None,
    hours_column: str = "kam_hours",
) -> tuple[Allocation, list[str]]:
    """Allocate ``budget_hours`` (a year) across the accounts of ``table``
    (``Portfolio.table_``) in ``tiers``; with no budget, today's hours of those accounts
    in total (so the plan moves today's hours), or, when the accounts table has no
    ``hours_column``, the optimal budget (:func:`~kamlab.portfolio.allocate.optimal_budget`:
    the last hour earns what it costs; said in the notes). ``run`` is the value
    run of the chosen model (:class:`kamlab.workflows.ValueRun`: its ``value``, ``pnl``
    and ``notes``).

    Value at stake a year = the retention part (profit uplift over the next 12 months
    with retention ``retention_points`` higher) + the growth part (``growth_capture`` x
    the table's ``potential``; 0 without that column, said in the notes). Each hour costs
    ``hour_cost``, default the cost rates' (``rates``) ``account_drivers.<hours_column>``
    (:func:`loaded_hour_cost`). Returns the allocation (its table also has ``retention_at_stake``
    and ``growth_at_stake``) and notes."""
    check_tiers(table, tiers)
    capture = _growth_capture(growth_capture)
    cost = loaded_hour_cost(rates, hour_cost, hours_column)
    chosen = table.index[table["tier"].astype("object").isin(list(tiers))]
    notes = list(run.notes)
    retention = value_at_stake(
        run.value,
        points=retention_points,
        horizon_months=HORIZON_MONTHS,
        hours_charge=_hours_charge(run.pnl, hours_column),
    )
    retention = retention.reindex(chosen, fill_value=0.0).rename("retention_at_stake")
    uplift = (
        f"the profit uplift over the next {HORIZON_MONTHS} months with retention "
        f"{retention_points:g} points higher"
    )
    if "potential" in table.columns:
        potential = pd.to_numeric(table["potential"], errors="coerce").reindex(chosen)
        alive = pd.Series(1.0, index=chosen)
        if "probability_alive" in table.columns:  # unknown (no model): taken as alive
            known = pd.to_numeric(table["probability_alive"], errors="coerce").reindex(chosen)
            alive = known.fillna(1.0).clip(0.0, 1.0)
        headroom = potential.fillna(0.0).clip(lower=0.0) * alive
        growth = (capture * headroom).rename("growth_at_stake")
        notes.append(
            f"value at stake a year = retention part ({uplift}) + growth part ({capture:.0%} of "
            "potential, the annual margin headroom, x P(alive)); each hour is priced at the "
            "loaded rate"
        )
    else:
        growth = pd.Series(0.0, index=chosen, name="growth_at_stake")
        notes.append(
            "the portfolio table has no potential column: value at stake is the retention "
            f"part only, {uplift}, so accounts valued for their growth (Star accounts) earn "
            "few hours"
        )
    stake = (retention + growth).rename("value_at_stake")
    acc = accounts_by_id(accounts)
    current = None
    if acc is not None and hours_column in acc.columns:
        current = pd.to_numeric(acc[hours_column], errors="coerce").reindex(chosen).fillna(0.0)
    if budget_hours is None and current is not None:
        budget_hours = float(current.sum())
    elif budget_hours is None:  # nothing to move: the hours that pay for themselves
        budget_hours = float(optimal_budget(stake, cost, saturation_hours=saturation_hours).sum())
        notes.append(
            f"no hours budget given and no {hours_column} in the accounts: the plan is the "
            f"budget at which the last hour earns its cost, {budget_hours:,.0f} hours a year"
        )
    plan = allocate_hours(
        stake,
        budget_hours,
        saturation_hours=saturation_hours,
        current_hours=current,
        hour_cost=cost,
        currency=run.pnl.attrs["currency"],
    )
    plan.table.insert(0, "retention_at_stake", retention)
    plan.table.insert(1, "growth_at_stake", growth)
    plan.basis = {
        "horizon_months": HORIZON_MONTHS,
        "retention_points": float(retention_points),
        "growth_capture": capture,
        "potential": "potential" in table.columns,
    }
    return plan, notes
