"""Account health: is the account still buying, going quiet, or probably gone?

For every account of the portfolio (:func:`health_measures`):

- ``last_purchase``: its last purchase day up to the period end;
- ``days_since_last_purchase``: days from that day to the period end;
- ``typical_gap_days``: the median gap in days between its own purchase days (NaN with
  a single purchase day);
- ``probability_alive``: P(the account is still active at the period end), from the
  run's fitted purchase model (BG/NBD, Pareto/NBD...; :class:`~kamlab.value.clv.CustomerValue`);
- ``expected_purchases_next_quarter``: the model's expected purchases in the next
  :data:`QUARTER_DAYS` days, given the account's history.

The model is given, never fitted here. Without one, P(alive) and the expected
purchases are missing and health rests on recency alone (said in the notes).

:func:`classify_health` turns these into ``health``, one of :data:`HEALTH`, by the
rule of the criteria file (``health:`` in ``criteria.yaml``, a
:class:`~kamlab.portfolio.criteria.HealthRule`)::

    likely lost  when P(alive) < likely_lost.p_alive_below
                 or days since the last purchase > min(max(likely_lost.days_above,
                                                           likely_lost.gaps_above x typical gap),
                                                       likely_lost.days_cap)
    lapsing      (when not likely lost) by the same test with the lapsing thresholds
    active       otherwise

An account with one purchase day has no typical gap: only ``days_above`` applies. An
account that never bought (a prospect with no history) has no health: ``health`` is
missing (NA) and ``health_reason`` says "no purchase yet". A prospect that bought before
the 12 months (a former customer) is classed by the same rule, so usually likely lost.
"""

from __future__ import annotations

import ibis
import numpy as np
import pandas as pd

from kamlab.io import Transactions
from kamlab.portfolio.criteria import HEALTH, HealthRule
from kamlab.summary import PERIOD_DAYS, lines_table, summarize

__all__ = [
    "HEALTH",
    "HEALTH_ACTIONS",
    "HEALTH_COLUMNS",
    "QUARTER_DAYS",
    "classify_health",
    "guard_tiers",
    "health_measures",
]

QUARTER_DAYS = 91.0
"""The "next quarter" of ``expected_purchases_next_quarter``: 13 weeks."""

HEALTH_COLUMNS: dict[str, str] = {
    "last_purchase": "last purchase day up to the period end",
    "days_since_last_purchase": "days from the last purchase to the period end",
    "typical_gap_days": "median days between the account's purchase days (NaN: one purchase day)",
    "probability_alive": "P(still active at the period end), from the run's purchase model",
    "expected_purchases_next_quarter": "expected purchases in the next 13 weeks (purchase model)",
    "health": "active, lapsing or likely lost (the criteria's health rule)",
    "health_reason": "which part of the health rule holds",
    "health_action": "call (a lapsing key account) or review (likely lost, moved out of key)",
}
"""Columns of the portfolio table about health."""


def _rhythm(transactions, until: pd.Timestamp) -> pd.DataFrame:
    """Per account that bought up to ``until``: ``last_purchase`` (day) and
    ``typical_gap_days`` (median days between its distinct purchase days). One engine
    query: the distinct purchase days, each day's gap to the one before (a window over
    the account's days), then the median per account."""
    lines = lines_table(transactions)
    sales = lines.filter(~lines.is_return)
    days = sales.select("account_id", day=sales.date.date()).distinct()
    days = days.filter(days.day <= until.date())
    before = days.day.lag().over(ibis.window(group_by=days.account_id, order_by=days.day))
    gaps = days.mutate(gap=days.day.delta(before, unit="day").cast("float64"))
    per_account = gaps.group_by("account_id").aggregate(
        last_purchase=gaps.day.max(), typical_gap_days=gaps.gap.median()
    )
    out = per_account.to_pandas()
    out = out.set_index(out["account_id"].astype("string")).drop(columns="account_id")
    out["last_purchase"] = pd.to_datetime(out["last_purchase"]).astype("datetime64[ns]")
    out["typical_gap_days"] = out["typical_gap_days"].astype("float64")
    return out


def _model_summary(value, transactions, until: pd.Timestamp) -> pd.DataFrame:
    """The summary the model is evaluated on: the value's own when it ends at ``until``,
    else the data summarised up to ``until`` in the value's time unit."""
    summary = value.inputs["summary"]
    if pd.Timestamp(summary.attrs.get("until")) == until:
        return summary
    unit = value.time_unit or summary.attrs.get("period") or "week"
    return summarize(transactions, until=until, period=unit)


def health_measures(
    transactions: Transactions | pd.DataFrame,
    index: pd.Index,
    *,
    until,
    value=None,
) -> pd.DataFrame:
    """The health measures (module docstring) of the accounts of ``index`` at ``until``
    (the period's last day). ``value``: the run's
    :class:`~kamlab.value.clv.CustomerValue`; its purchase model gives P(alive) and the
    expected purchases. When it was valued at another date (e.g. the previous period's
    portfolio), its model is evaluated on the accounts' history up to ``until`` (the
    parameters stay those fitted at its own date). Notes in ``attrs["notes"]``."""
    end = pd.Timestamp(until).normalize()
    rhythm = _rhythm(transactions, end).reindex(index)
    out = pd.DataFrame(index=index)
    out["last_purchase"] = rhythm["last_purchase"]
    out["days_since_last_purchase"] = (end - out["last_purchase"]).dt.days.astype("float64")
    out["typical_gap_days"] = rhythm["typical_gap_days"]
    notes = []
    if value is None:
        out["probability_alive"] = np.nan
        out["expected_purchases_next_quarter"] = np.nan
        notes.append(
            "no purchase model given: account health rests on recency alone "
            "(days since the last purchase against the typical gap), P(alive) unknown"
        )
    else:
        summary = _model_summary(value, transactions, end)
        model = value.model
        unit = value.time_unit or summary.attrs.get("period") or "week"
        if summary is value.inputs["summary"]:
            alive = value.table["probability_alive"]
        else:
            alive = model.probability_alive(summary)
            notes.append(
                f"health at {end.date()}: the purchase model fitted at "
                f"{value.inputs['summary'].attrs.get('until')} evaluated on the history to "
                f"{end.date()}"
            )
        expected = model.conditional_expected_purchases(QUARTER_DAYS / PERIOD_DAYS[unit], summary)
        out["probability_alive"] = alive.reindex(index).astype("float64")
        out["expected_purchases_next_quarter"] = expected.reindex(index).astype("float64")
    out.attrs["notes"] = notes
    return out


def _limit(gap: np.ndarray, level) -> np.ndarray:
    """min(max(days_above, gaps_above x gap), days_cap); a missing gap leaves days_above."""
    return np.minimum(np.fmax(level.days_above, level.gaps_above * gap), level.days_cap)


def classify_health(measures: pd.DataFrame, rule: HealthRule | None = None) -> pd.DataFrame:
    """``health`` (ordered Categorical of :data:`HEALTH`) and ``health_reason`` for the
    accounts of ``measures`` (columns of :func:`health_measures`), by ``rule``
    (default: :class:`~kamlab.portfolio.criteria.HealthRule`'s defaults). A missing
    P(alive) leaves the recency test alone; a missing recency, the P(alive) test."""
    rule = rule or HealthRule()
    days = measures["days_since_last_purchase"].to_numpy(dtype="float64")
    gap = measures["typical_gap_days"].to_numpy(dtype="float64")
    alive = measures["probability_alive"].to_numpy(dtype="float64")
    reasons = [[] for _ in range(len(measures))]

    health = np.full(len(measures), HEALTH[0], dtype=object)
    for name, level in (("lapsing", rule.lapsing), ("likely lost", rule.likely_lost)):
        limit = _limit(gap, level)
        with np.errstate(invalid="ignore"):
            low = alive < level.p_alive_below
            quiet = days > limit
        hit = low | quiet
        health[hit] = name
        for k in np.flatnonzero(hit):
            why = []
            if low[k]:
                why.append(f"P(alive) {alive[k]:.2f} below {level.p_alive_below:g}")
            if quiet[k]:
                if limit[k] == level.days_cap < level.gaps_above * gap[k]:
                    limit_text = f"{level.days_cap:g} (the most any rhythm allows)"
                elif limit[k] > level.days_above:
                    limit_text = f"{level.gaps_above:g} x its typical gap of {gap[k]:.0f} days"
                else:
                    limit_text = f"{level.days_above:g}"
                why.append(f"{days[k]:.0f} days since the last purchase, above {limit_text}")
            reasons[k] = why  # the worse level's reasons replace the milder one's
    never = np.isnan(days) & np.isnan(alive)
    if "last_purchase" in measures:
        never |= measures["last_purchase"].isna().to_numpy()
    health[never] = None
    for k in np.flatnonzero(never):
        reasons[k] = ["no purchase yet"]
    return pd.DataFrame(
        {
            "health": pd.Categorical(health, categories=HEALTH, ordered=True),
            "health_reason": ["; ".join(r) for r in reasons],
        },
        index=measures.index,
    )


HEALTH_ACTIONS = {
    "call": "a lapsing key account: call it this period",
    "review": "a likely-lost account moved out of key: win it back or let it go",
}
"""Values of ``health_action`` (empty for every other account)."""


def guard_tiers(table: pd.DataFrame) -> pd.DataFrame:
    """The health guard on a table with ``tier``, ``tier_reason``, ``health`` and
    ``health_reason``: a ``likely lost`` account cannot stay ``key``; it moves to the
    next tier down, ``key development`` (the key slot is not refilled: the cap is a
    ceiling), and its ``tier_reason`` says why. Returns ``tier``, ``tier_reason`` and
    ``health_action`` (:data:`HEALTH_ACTIONS`: "call" for a lapsing key account,
    "review" for a likely-lost one moved out of key)."""
    tier = table["tier"].copy()
    reason = table["tier_reason"].astype("object").copy()
    health = table["health"].astype("object")
    was_key = tier.astype("object") == "key"
    lost = was_key & (health == "likely lost")
    tier[lost] = "key development"
    reason[lost] = [
        f"likely lost ({why}): moved from key to key development; was {before}"
        for why, before in zip(table.loc[lost, "health_reason"], reason[lost], strict=True)
    ]
    action = pd.Series("", index=table.index, dtype="object")
    action[was_key & (health == "lapsing")] = "call"
    action[lost] = "review"
    return pd.DataFrame({"tier": tier, "tier_reason": reason, "health_action": action})
