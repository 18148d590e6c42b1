"""Allocate a budget of account-manager hours across accounts to maximise expected profit uplift.

**Response.** Account ``i`` given ``h`` hours (per planning period, e.g. a year) is expected
to deliver

    g_i(h) = V_i * (1 - exp(-h / s_i))

where ``V_i`` is its *value at stake* (the retention-driven profit uplift it could deliver
with full attention, in money, e.g. the ``uplift`` column of
:func:`kamlab.value.retention_uplift`) and ``s_i`` its *saturation hours*: the hours at
which 63% (``1 - 1/e``) of ``V_i`` is reached; 2 ``s_i`` reach 86%, 3 ``s_i`` 95%. This is
the modified-exponential sales-response curve, the concave member of the family used by
Little's ADBUDG (1970, "Models and managers", Management Science 16(8)) and Lodish's
CALLPLAN (1971, "CALLPLAN: an interactive salesman's call planning system", Management
Science 18(4)): zero effort earns nothing, the first hours earn most
(``g'(0) = V / s``), and each further hour earns less (``g'(h) = (V/s) exp(-h/s)``), so
the gain can never exceed ``V``. It has no S-shaped start: a minimum viable effort, if
the team believes in one, should be imposed before calling :func:`allocate_hours`.

**Problem.** Maximise ``sum_i g_i(h_i)`` subject to ``sum_i h_i <= B`` and
``0 <= h_i <= c_i`` (``c_i`` = ``max_hours``, infinite when not given). The objective is a
sum of concave functions of one variable each (separable and concave), so the
Karush-Kuhn-Tucker conditions are necessary and sufficient: there is one *shadow price*
``lam`` (money per extra hour) with

    h_i = clip(s_i * ln(V_i / (s_i * lam)), 0, c_i)

- every account that gets hours, below its cap, earns the same marginal gain ``lam``
  from its last hour; an account whose first hour earns ``V_i / s_i <= lam`` gets none.

**Exact solve (breakpoint sort, no iteration).** Write ``t = ln lam`` and
``a_i = ln(V_i / s_i)``. The hours used, ``H(t) = sum_i clip(s_i (a_i - t), 0, c_i)``, are
*piecewise linear* and decreasing in ``t``, with breakpoints where an account starts
(``t = a_i``) and where it reaches its cap (``t = a_i - c_i / s_i``). Sorting the
breakpoints and accumulating slopes with ``cumsum`` gives ``H`` at every breakpoint; the
segment containing ``B`` is found with ``searchsorted`` and ``t`` follows in closed form
on it. Without caps this is the classical water-filling: with the accounts sorted by
``V_i / s_i`` and the top ``k`` active, ``ln lam = (sum_k s_i a_i - B) / sum_k s_i``. One
Newton step on the (linear) active segment then removes rounding error. The cost is one
sort, ``O(n log n)``: 100,000 accounts take a few tens of milliseconds.

If the caps cannot absorb the budget, every account gets its cap, the rest of the budget
is reported as unused and the shadow price is 0. The solution is compared with an equal
split (``B / n`` each, capped) and, when given, the current allocation.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from kamlab.errors import InputError

__all__ = ["Allocation", "allocate_hours", "response_gain", "value_at_stake"]


def response_gain(hours, value_at_stake, saturation_hours):
    """Expected gain ``V * (1 - exp(-h / s))`` from ``h`` hours (array-like, broadcast).

    Returns a pandas object when ``hours`` is one, else a numpy array (or float).
    """
    h = np.asarray(hours, dtype="float64")
    gain = np.asarray(value_at_stake, dtype="float64") * -np.expm1(
        -h / np.asarray(saturation_hours, dtype="float64")
    )
    if isinstance(hours, pd.Series):
        return pd.Series(gain, index=hours.index, name="expected_gain")
    return gain if gain.ndim else float(gain)


@dataclass
class Allocation:
    """Result of :func:`allocate_hours`.

    ``table`` (one row per account, indexed like ``value_at_stake``): ``value_at_stake``,
    ``saturation_hours``, ``max_hours`` (when caps were given), ``hours`` (optimal),
    ``expected_gain``, ``marginal_gain_per_hour`` (of the last hour), ``equal_hours``,
    ``equal_gain`` and, when given, ``current_hours``, ``current_gain``.
    ``shadow_price``: money one more budget hour would add (0 when hours are left unused).
    ``totals``: ``optimal_gain``, ``equal_gain``, ``gain_over_equal``, ``unused_hours`` and,
    with a current allocation, ``current_hours``, ``current_gain``, ``gain_over_current``.
    """

    table: pd.DataFrame
    budget_hours: float
    hours_used: float
    shadow_price: float
    totals: dict[str, float] = field(default_factory=dict)
    currency: str = "GBP"


def allocate_hours(
    value_at_stake: pd.Series,
    budget_hours: float,
    *,
    saturation_hours: float | pd.Series = 40.0,
    max_hours: float | pd.Series | None = None,
    current_hours: pd.Series | None = None,
    currency: str | None = None,
) -> Allocation:
    """Split ``budget_hours`` across accounts to maximise ``sum_i V_i (1 - exp(-h_i / s_i))``.

    ``value_at_stake`` (``V``, money >= 0) is indexed by account id. ``saturation_hours``
    (``s`` > 0, hours to reach 63% of ``V``) and ``max_hours`` (a cap per account,
    ``np.inf`` for none) are scalars or Series over the same accounts. Solved exactly
    (KKT, breakpoint sort; see the module docstring): ``h_i = clip(s_i ln(V_i / (s_i lam)),
    0, c_i)``. ``current_hours`` (>= 0, every account) is compared, never rescaled.
    ``currency`` defaults to ``value_at_stake.attrs["currency"]`` or GBP.
    """
    if not isinstance(value_at_stake, pd.Series):
        raise InputError(
            f"value_at_stake must be a pandas Series indexed by account id, got "
            f"{type(value_at_stake).__name__}"
        )
    index = value_at_stake.index
    if index.has_duplicates:
        raise InputError(
            f"value_at_stake has duplicate account ids: {_names(index[index.duplicated()])}; "
            "give one value per account"
        )
    budget = _budget(budget_hours)
    value = _column(value_at_stake, index, "value_at_stake", "money")
    _reject(value < 0, index, "value_at_stake is negative", "use .clip(lower=0) or check it")
    sat = _column(saturation_hours, index, "saturation_hours", "hours")
    _reject(~(sat > 0), index, "saturation_hours is not > 0", "give a positive number of hours")
    cap = None
    if max_hours is not None:
        cap = _column(max_hours, index, "max_hours", "hours", allow_inf=True)
        _reject(cap < 0, index, "max_hours is negative", "give 0 or more (np.inf for no cap)")

    hours, log_lam = _solve(value, sat, np.full(len(value), np.inf) if cap is None else cap, budget)
    used = _total(hours)
    table = pd.DataFrame({"value_at_stake": value, "saturation_hours": sat}, index=index)
    if cap is not None:
        table["max_hours"] = cap
    table["hours"] = hours
    table["expected_gain"] = response_gain(hours, value, sat)
    table["marginal_gain_per_hour"] = value / sat * np.exp(-hours / sat)
    equal = np.full(len(value), budget / len(value) if len(value) else 0.0)
    table["equal_hours"] = equal if cap is None else np.minimum(equal, cap)
    table["equal_gain"] = response_gain(table["equal_hours"].to_numpy(), value, sat)
    totals = {
        "optimal_gain": _total(table["expected_gain"]),
        "equal_gain": _total(table["equal_gain"]),
    }
    totals["gain_over_equal"] = totals["optimal_gain"] - totals["equal_gain"]
    if current_hours is not None:
        current = _current(current_hours, index)
        table["current_hours"] = current
        table["current_gain"] = response_gain(current, value, sat)
        totals["current_hours"] = _total(current)
        totals["current_gain"] = _total(table["current_gain"])
        totals["gain_over_current"] = totals["optimal_gain"] - totals["current_gain"]
    totals["unused_hours"] = budget - used if log_lam == -np.inf else 0.0
    return Allocation(
        table=table,
        budget_hours=budget,
        hours_used=used,
        shadow_price=float(np.exp(log_lam)),
        totals=totals,
        currency=currency or value_at_stake.attrs.get("currency") or "GBP",
    )


# --------------------------------------------------------------------------- the solver


def _solve(
    value: np.ndarray, sat: np.ndarray, cap: np.ndarray, budget: float
) -> tuple[np.ndarray, float]:
    """Optimal hours and ``ln lam`` (-inf when the caps leave hours unused)."""
    hours = np.zeros(len(value))
    live = (value > 0) & (cap > 0)  # no other account can earn anything from an hour
    if not live.any():
        return hours, -np.inf
    v, s, c = value[live], sat[live], cap[live]
    if budget >= _total(c):
        hours[live] = c
        return hours, -np.inf
    a = np.log(v) - np.log(s)  # ln of the marginal gain of the first hour
    capped = np.isfinite(a - c / s)
    points = np.concatenate([a, (a - c / s)[capped]])  # where H(t) changes slope
    slopes = np.concatenate([s, -s[capped]])
    order = np.argsort(-points, kind="stable")
    points, slope = points[order], np.cumsum(slopes[order])  # |dH/dt| just below each point
    used = np.concatenate([[0.0], np.cumsum(slope[:-1] * -np.diff(points))])  # H(points)
    k = max(int(np.searchsorted(used, budget, side="right")) - 1, 0)
    t = points[k] - (budget - used[k]) / slope[k] if slope[k] > 0 else points[k]
    h = np.clip(s * (a - t), 0.0, c)
    free = (h > 0) & (h < c)
    if free.any():  # one Newton step on the linear segment removes rounding error
        t += (math.fsum(h) - budget) / s[free].sum()
        h = np.clip(s * (a - t), 0.0, c)
    excess = math.fsum(h) - budget
    while excess > 0:  # never exceed the budget, even by rounding
        i = int(np.argmax(h))
        h[i] = max(h[i] - max(excess, np.spacing(h[i])), 0.0)
        excess = math.fsum(h) - budget
    hours[live] = h
    return hours, float(t)


def _total(values: np.ndarray) -> float:
    """Correctly rounded sum (``inf`` when it overflows)."""
    try:
        return math.fsum(values)
    except OverflowError:
        return math.inf


# --------------------------------------------------------------------------- inputs


def _names(ids, limit: int = 5) -> str:
    ids = list(ids)
    shown = ", ".join(map(str, ids[:limit]))
    return shown + (f" and {len(ids) - limit:,} more" if len(ids) > limit else "")


def _reject(bad: np.ndarray, index: pd.Index, what: str, fix: str) -> None:
    if bad.any():
        raise InputError(f"{what} for {bad.sum():,} account(s): {_names(index[bad])}; {fix}")


def _budget(budget_hours) -> float:
    try:
        budget = float(budget_hours)
    except (TypeError, ValueError):
        raise InputError(f"budget_hours must be a number of hours, got {budget_hours!r}") from None
    if not math.isfinite(budget) or budget < 0:
        raise InputError(f"budget_hours must be a finite number >= 0, got {budget_hours!r}")
    return budget


def _column(data, index: pd.Index, name: str, unit: str, allow_inf: bool = False) -> np.ndarray:
    """``data`` (a scalar or a Series over ``index``) as float64, finite (or +inf)."""
    if isinstance(data, pd.Series):
        missing = index.difference(data.index) if data.index is not index else index[:0]
        if len(missing):
            raise InputError(
                f"{name} has no value for {len(missing):,} account(s): {_names(missing)}; "
                f"give one for every account in value_at_stake"
            )
        if data.index.has_duplicates:
            dupes = data.index[data.index.duplicated()].unique()
            raise InputError(f"{name} has duplicate account ids: {_names(dupes)}")
        data = data.reindex(index)
    else:
        data = pd.Series(data, index=index)
    try:
        values = data.to_numpy(dtype="float64", na_value=np.nan)
    except (TypeError, ValueError):
        raise InputError(f"{name} must be numbers ({unit}), got dtype {data.dtype}") from None
    ok = np.isfinite(values) | (allow_inf & (values == np.inf))
    _reject(~ok, index, f"{name} is missing or not finite", f"give a finite value ({unit})")
    return values


def _current(current_hours, index: pd.Index) -> np.ndarray:
    if not isinstance(current_hours, pd.Series):
        raise InputError("current_hours must be a pandas Series indexed by account id")
    extra = current_hours.index.difference(index)
    if len(extra):
        raise InputError(
            f"current_hours has {len(extra):,} account(s) not in value_at_stake: "
            f"{_names(extra)}; drop them or add their value at stake"
        )
    missing = index.difference(current_hours.index)
    if len(missing):
        raise InputError(
            f"current_hours has no value for {len(missing):,} account(s): {_names(missing)}; "
            "use current_hours.reindex(value_at_stake.index, fill_value=0) if they had none"
        )
    current = _column(current_hours, index, "current_hours", "hours")
    _reject(current < 0, index, "current_hours is negative", "give 0 or more hours")
    return current


def value_at_stake(value, points: float = 5.0) -> pd.Series:
    """Each account's value at stake: its retention-driven profit uplift when retention
    rises by ``points`` (:func:`kamlab.value.retention_uplift` on ``value``, a
    :class:`~kamlab.value.clv.CustomerValue`; no interval), floored at 0, since hours
    spent keeping a loss-maker longer earn nothing."""
    from kamlab.value.uplift import retention_uplift

    uplift = retention_uplift(value, points=points, n_draws=0)
    return uplift.table["uplift"].clip(lower=0.0).rename("value_at_stake")
