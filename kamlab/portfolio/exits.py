"""Customer exits: which accounts to move to a lower tier, out of the portfolio, or review.

An unmanageable portfolio drains resources (primer section 5). Exiting to a lower tier
withdraws resources: the account is served on that tier's **service model**, the
account-level cost drivers each tier carries (``tiers: service:`` in ``criteria.yaml``,
e.g. KAM hours and service calls for key accounts, neither for transactional ones). So
for every account (:func:`tier_contributions`)::

    contribution under tier T = contribution + sum of cts_<d> over the drivers d that
                                the service model names but T does not carry

``contribution_lower_tier`` is that under the next lower tier (the contribution itself
in the lowest tier, which has none below it); ``contribution_lowest_tier`` under the
lowest tier. A driver no tier names is carried by every tier; a driver named but absent
from the table (no ``cts_`` column) costs nothing.

Each rule of the criteria (``exits``) names an action (``exit completely``, ``exit to a
lower tier`` or ``review``), the conditions that must all hold (``box``, ``tier`` or
``health`` in a list; a column ``below`` or ``above`` a value) and why. Rules are checked
in order and the first that holds gives the account's ``exit_recommendation``; every
distinct reason of the rules that hold is listed once in ``exit_reasons``. A condition on
a column the table lacks (e.g. ``clv`` without a value model) never holds, so that rule
proposes nothing. Whatever the rules say, the code enforces three limits (a rule that
would break one is simply not applied to that account):

- ``exit to a lower tier`` only where a lower tier exists (never in the lowest tier);
  ``exit_to_tier`` names it;
- ``exit completely`` only for an account that loses money even on the lowest tier's
  service model (``contribution_lowest_tier`` < 0);
- no rule applies to a prospect (``prospect`` True, when the table has that column).

``profit_at_stake`` is what leaves with the account: its contribution in the last 12
months plus, when known, its lifetime value (``clv``). Negative means exiting saves money.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from kamlab.portfolio.criteria import SERVICE, TIERS, ExitRule

__all__ = ["EXIT_COLUMNS", "recommend_exits", "tier_contributions"]

EXIT_COLUMNS: dict[str, str] = {
    "contribution_lower_tier": "contribution if served on the next lower tier's service model "
    "(= contribution in the lowest tier)",
    "contribution_lowest_tier": "contribution if served on the lowest tier's service model",
    "exit_recommendation": "exit completely, exit to a lower tier, review, or empty",
    "exit_to_tier": "the tier an 'exit to a lower tier' goes to (the next lower), else empty",
    "exit_reasons": "every distinct reason of the exit rules that hold, once each",
    "profit_at_stake": "contribution (last 12 months) + lifetime value when known",
}
"""The columns :func:`recommend_exits` adds to the portfolio table."""


def tier_contributions(
    table: pd.DataFrame, service: Mapping[str, tuple[str, ...]] = SERVICE
) -> pd.DataFrame:
    """``contribution_lower_tier`` and ``contribution_lowest_tier`` per account of
    ``table`` (columns ``contribution``, ``tier`` and the ``cts_<driver>`` costs), under the
    service model ``service`` (tier -> drivers carried). NaN without a contribution or
    tier."""
    index = table.index
    contribution = (
        table["contribution"].astype("float64")
        if "contribution" in table
        else pd.Series(np.nan, index=index)
    )
    named = {d for drivers in service.values() for d in drivers}

    def under(tier: str) -> pd.Series:
        dropped = [f"cts_{d}" for d in sorted(named - set(service[tier]))]
        costs = table[[c for c in dropped if c in table.columns]].astype("float64")
        return contribution + costs.fillna(0.0).sum(axis=1)

    position = _tier_position(table)
    lower = contribution.copy()
    for k, tier in enumerate(TIERS[1:], start=1):  # accounts one tier above `tier`
        above = position == k - 1
        lower[above] = under(tier)[above]
    lower[position < 0] = np.nan
    lowest = under(TIERS[-1]).where(position >= 0)
    return pd.DataFrame(
        {"contribution_lower_tier": lower, "contribution_lowest_tier": lowest}, index=index
    )


def _tier_position(table: pd.DataFrame) -> np.ndarray:
    """Each account's tier as its position in :data:`TIERS` (0 = key), -1 when unknown."""
    if "tier" not in table:
        return np.full(len(table), -1)
    tier = pd.Categorical(table["tier"].astype("object"), categories=TIERS)
    return np.asarray(tier.codes)


def _in(table: pd.DataFrame, column: str, allowed: tuple[str, ...] | None) -> np.ndarray:
    if allowed is None:
        return np.ones(len(table), dtype=bool)
    if column not in table:
        return np.zeros(len(table), dtype=bool)
    return table[column].astype("object").isin(allowed).to_numpy()


def _holds(rule: ExitRule, table: pd.DataFrame) -> np.ndarray:
    ok = _in(table, "box", rule.boxes) & _in(table, "tier", rule.tiers)
    ok &= _in(table, "health", rule.health)
    for column, side, value in rule.bounds:
        if column not in table.columns:
            return np.zeros(len(table), dtype=bool)
        x = pd.to_numeric(table[column], errors="coerce").to_numpy(dtype="float64")
        with np.errstate(invalid="ignore"):
            ok &= (x < value) if side == "below" else (x > value)
    return ok


def _allowed(table: pd.DataFrame, position: np.ndarray) -> dict[str, np.ndarray]:
    """Per action, the accounts it may apply to (the limits enforced in code)."""
    if "prospect" in table:
        buying = ~table["prospect"].astype("boolean").fillna(False).to_numpy(dtype=bool)
    else:
        buying = np.ones(len(table), dtype=bool)
    lowest = table["contribution_lowest_tier"].to_numpy(dtype="float64")
    with np.errstate(invalid="ignore"):
        loses = lowest < 0
    return {
        "exit completely": buying & loses,
        "exit to a lower tier": buying & (position >= 0) & (position < len(TIERS) - 1),
        "review": buying,
    }


def _reasons(holds: list[tuple[str, np.ndarray]], index: pd.Index) -> list[str]:
    """ "why 1; why 2" per account: each distinct reason once, in rule order; looping over
    the few reasons, not the many accounts."""
    labels = np.full(len(index), "", dtype=object)
    for why in dict.fromkeys(why for why, _ in holds):
        rows = np.logical_or.reduce([hold for w, hold in holds if w == why])
        labels[rows] = [f"{text}; {why}" if text else why for text in labels[rows]]
    return labels.tolist()


def recommend_exits(
    table: pd.DataFrame,
    rules: tuple[ExitRule, ...],
    service: Mapping[str, tuple[str, ...]] = SERVICE,
) -> pd.DataFrame:
    """The columns of :data:`EXIT_COLUMNS` per account of ``table`` (one row per account,
    with ``contribution``, ``tier``, the ``cts_`` costs and the columns the rules test),
    under the service model ``service``; rules may test ``contribution_lower_tier`` and
    ``contribution_lowest_tier``."""
    contributions = tier_contributions(table, service)
    work = table.drop(columns=contributions.columns, errors="ignore").join(contributions)
    position = _tier_position(work)
    allowed = _allowed(work, position)

    recommendation = np.full(len(work), "", dtype=object)
    holds = []
    for rule in rules:
        hold = _holds(rule, work) & allowed[rule.action]
        recommendation[hold & (recommendation == "")] = rule.action
        holds.append((rule.why, hold))
    lower = np.array([*TIERS[1:], ""], dtype=object)[np.clip(position, 0, None)]
    exit_to = np.where(recommendation == "exit to a lower tier", lower, "")

    stake = (
        work["contribution"].astype("float64")
        if "contribution" in work
        else pd.Series(0.0, index=work.index)
    )
    if "clv" in work:
        stake = stake + work["clv"].astype("float64").fillna(0.0)
    out = contributions.assign(
        exit_recommendation=recommendation,
        exit_to_tier=exit_to.astype(object),
        exit_reasons=_reasons(holds, work.index),
        profit_at_stake=stake,
    )
    return out[list(EXIT_COLUMNS)]
