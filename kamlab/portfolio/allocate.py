"""Allocate a budget of account-manager hours across accounts to maximise expected profit uplift.

**Response.** Account ``i`` given ``h`` hours (per planning period, e.g. a year) is expected
to deliver

    g_i(h) = V_i * (1 - exp(-h / s_i))

where ``V_i`` is its *value at stake*: the profit a year of full attention could add, in
money per year (:func:`value_at_stake` gives its retention part, the profit uplift over the
next 12 months; :func:`kamlab.portfolio.planning.plan_hours` adds a growth part from the
account's potential), and ``s_i`` its *saturation hours*: the hours a year at
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

**Hours that pay for themselves.** An hour costs ``k`` (the loaded hourly rate of an
account manager, money per hour). The *net gain* of a plan is its gain minus the cost of
its hours, ``N = sum_i g_i(h_i) - k sum_i h_i``; it is separable and concave, so it is
largest where every funded account below its cap earns exactly the cost from its last
hour, ``g_i'(h_i) = k``:

    h*_i = clip(s_i ln(V_i / (s_i k)), 0, c_i)          (:func:`optimal_budget`)

(``c_i`` the cap, as above; none for an account whose first hour earns
``V_i / s_i <= k``). Their total
``B* = sum_i h*_i`` is the *optimal budget*: :func:`allocate_hours` with ``B*`` gives the
same plan with shadow price ``lam = k``. As a function of the budget the net gain
``G(B) - k B`` has slope ``lam(B) - k``, which falls as ``B`` grows: below ``B*`` another
hour adds more than it costs, beyond it every extra hour loses money at the margin
(``lam < k``), so ``B*`` is the budget with the largest net gain.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from kamlab.errors import InputError
from kamlab.words import counted

__all__ = [
    "Allocation",
    "allocate_hours",
    "budget_curve",
    "optimal_budget",
    "response_gain",
    "value_at_stake",
]


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
    ``equal_gain``, when given ``current_hours``, ``current_gain`` and, with an hour cost,
    ``optimal_budget_hours`` and ``optimal_budget_gain`` (each account's share of the
    optimal budget, :func:`optimal_budget`, and its gain).
    ``shadow_price``: money one more budget hour would add (0 when hours are left unused),
    which is what the last funded hour earns.
    ``totals``: ``optimal_gain`` (the plan's gain, also ``gain``), ``equal_gain``,
    ``gain_over_equal``, ``unused_hours``; with a current allocation ``current_hours``,
    ``current_gain``, ``gain_over_current``; with an hour cost ``hour_cost``,
    ``hours_cost`` (hours used x hour cost), ``net_gain`` (gain - hours cost),
    ``optimal_budget_hours``, ``optimal_budget_gain``, ``optimal_budget_cost``,
    ``optimal_budget_net_gain`` and (with a current allocation) ``current_cost``,
    ``current_net_gain``. Money is per year when value at stake and hours are.
    ``basis``: how the value at stake was built (set by
    :func:`~kamlab.portfolio.planning.plan_hours`: ``horizon_months``,
    ``retention_points``, ``growth_capture``, ``potential``), empty when not known.
    """

    table: pd.DataFrame
    budget_hours: float
    hours_used: float
    shadow_price: float
    totals: dict[str, float] = field(default_factory=dict)
    currency: str = "GBP"
    hour_cost: float | None = None
    basis: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        """The headline figures as plain JSON-ready values (NaN -> None): ``currency``,
        ``accounts``, ``funded_accounts``, ``budget_hours``, ``hours_used``, ``unused_hours``,
        ``gain``, ``marginal_gain_last_hour`` (the shadow price), ``equal_split_gain``,
        the hour-cost figures of ``totals`` when there is an hour cost, ``current_*`` with
        a current allocation, the value at stake in total (and its ``retention_at_stake``
        and ``growth_at_stake`` parts when the table has them) and ``basis``."""
        t = self.totals
        out = {
            "currency": self.currency,
            "accounts": len(self.table),
            "funded_accounts": int((self.table["hours"] > 0).sum()),
            "budget_hours": self.budget_hours,
            "hours_used": self.hours_used,
            "unused_hours": t["unused_hours"],
            "gain": t["optimal_gain"],
            "marginal_gain_last_hour": self.shadow_price,
            "equal_split_gain": t["equal_gain"],
        }
        keys = ("hour_cost", "hours_cost", "net_gain", "optimal_budget_hours")
        keys += ("optimal_budget_gain", "optimal_budget_cost", "optimal_budget_net_gain")
        keys += ("current_hours", "current_gain", "current_cost", "current_net_gain")
        out.update({k: t[k] for k in keys if k in t})
        if "optimal_budget_hours" in self.table:
            out["optimal_budget_funded_accounts"] = int(
                (self.table["optimal_budget_hours"] > 0).sum()
            )
        for column in ("value_at_stake", "retention_at_stake", "growth_at_stake"):
            if column in self.table:
                out[column] = _total(self.table[column])
        out["basis"] = dict(self.basis)
        return {k: _plain(v) for k, v in out.items()}


def _plain(value):
    """A JSON-ready value: numpy numbers as Python ones, NaN and infinities as None."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, bool | str) or value is None:
        return value
    if isinstance(value, int | np.integer):
        return int(value)
    value = float(value)
    return value if math.isfinite(value) else None


def allocate_hours(
    value_at_stake: pd.Series,
    budget_hours: float,
    *,
    saturation_hours: float | pd.Series = 40.0,
    max_hours: float | pd.Series | None = None,
    current_hours: pd.Series | None = None,
    hour_cost: float | None = None,
    currency: str | None = None,
) -> Allocation:
    """Split ``budget_hours`` across accounts to maximise ``sum_i V_i (1 - exp(-h_i / s_i))``.

    ``value_at_stake`` (``V``, money >= 0) is indexed by account id. ``saturation_hours``
    (``s`` > 0, hours to reach 63% of ``V``) and ``max_hours`` (a cap per account,
    ``np.inf`` for none) are scalars or Series over the same accounts. Solved exactly
    (KKT, breakpoint sort; see the module docstring): ``h_i = clip(s_i ln(V_i / (s_i lam)),
    0, c_i)``. ``current_hours`` (>= 0, every account) is compared, never rescaled.
    ``hour_cost`` (money per hour, > 0) adds the cost of the hours, the net gain (gain -
    cost) and the optimal budget (:func:`optimal_budget`), for the plan and for the
    current hours. ``currency`` defaults to ``value_at_stake.attrs["currency"]`` or GBP.
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
    cost = None if hour_cost is None else _hour_cost(hour_cost)
    value = _column(value_at_stake, index, "value_at_stake", "money")
    _reject(value < 0, index, "value_at_stake is negative", "use .clip(lower=0) or check it")
    sat = _column(saturation_hours, index, "saturation_hours", "hours")
    _reject(~(sat > 0), index, "saturation_hours is not > 0", "give a positive number of hours")
    cap = None
    if max_hours is not None:
        cap = _column(max_hours, index, "max_hours", "hours", allow_inf=True)
        _reject(cap < 0, index, "max_hours is negative", "give 0 or more (np.inf for no cap)")

    caps = np.full(len(value), np.inf) if cap is None else cap
    hours, log_lam = _solve(value, sat, caps, budget)
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
    totals["gain"] = totals["optimal_gain"]
    totals["gain_over_equal"] = totals["optimal_gain"] - totals["equal_gain"]
    if current_hours is not None:
        current = _current(current_hours, index)
        table["current_hours"] = current
        table["current_gain"] = response_gain(current, value, sat)
        totals["current_hours"] = _total(current)
        totals["current_gain"] = _total(table["current_gain"])
        totals["gain_over_current"] = totals["optimal_gain"] - totals["current_gain"]
    totals["unused_hours"] = budget - used if log_lam == -np.inf else 0.0
    if cost is not None:
        best = _optimal_hours(value, sat, caps, cost)
        table["optimal_budget_hours"] = best
        table["optimal_budget_gain"] = response_gain(best, value, sat)
        totals.update(_cost_totals(totals, table, used, cost))
    return Allocation(
        table=table,
        budget_hours=budget,
        hours_used=used,
        shadow_price=float(np.exp(log_lam)),
        totals=totals,
        currency=currency or value_at_stake.attrs.get("currency") or "GBP",
        hour_cost=cost,
    )


def _cost_totals(totals: dict, table: pd.DataFrame, used: float, cost: float) -> dict:
    """The hour-cost figures of :class:`Allocation` ``totals``: cost and net gain of the
    plan, of the optimal budget and of the current hours (when there are any)."""
    best = _total(table["optimal_budget_hours"])
    out = {
        "hour_cost": cost,
        "hours_cost": used * cost,
        "net_gain": totals["optimal_gain"] - used * cost,
        "optimal_budget_hours": best,
        "optimal_budget_gain": _total(table["optimal_budget_gain"]),
        "optimal_budget_cost": best * cost,
    }
    out["optimal_budget_net_gain"] = out["optimal_budget_gain"] - out["optimal_budget_cost"]
    if "current_hours" in totals:
        out["current_cost"] = totals["current_hours"] * cost
        out["current_net_gain"] = totals["current_gain"] - out["current_cost"]
    return out


def optimal_budget(
    value_at_stake: pd.Series,
    hour_cost: float,
    *,
    saturation_hours: float | pd.Series = 40.0,
    max_hours: float | pd.Series | None = None,
) -> pd.Series:
    """The hours per account at which the last hour earns exactly what it costs: the
    plan with the largest net gain ``sum_i V_i (1 - exp(-h_i / s_i)) - c sum_i h_i``.

    Closed form (``g_i'(h) = (V_i / s_i) exp(-h / s_i) = c``):

        h*_i = clip(s_i ln(V_i / (s_i c)), 0, cap_i)

    so an account whose first hour earns ``V_i / s_i <= c`` gets none. The optimal budget
    is the sum (``.sum()``); :func:`allocate_hours` with that budget gives the same hours
    with shadow price ``c``, and any larger budget loses money at the margin (module
    docstring). ``hour_cost`` ``c``: money per hour, > 0; the other arguments as in
    :func:`allocate_hours`.
    """
    if not isinstance(value_at_stake, pd.Series):
        raise InputError("value_at_stake must be a pandas Series indexed by account id")
    index = value_at_stake.index
    value = _column(value_at_stake, index, "value_at_stake", "money")
    _reject(value < 0, index, "value_at_stake is negative", "use .clip(lower=0) or check it")
    sat = _column(saturation_hours, index, "saturation_hours", "hours")
    _reject(~(sat > 0), index, "saturation_hours is not > 0", "give a positive number of hours")
    cap = np.full(len(value), np.inf)
    if max_hours is not None:
        cap = _column(max_hours, index, "max_hours", "hours", allow_inf=True)
        _reject(cap < 0, index, "max_hours is negative", "give 0 or more (np.inf for no cap)")
    hours = _optimal_hours(value, sat, cap, _hour_cost(hour_cost))
    return pd.Series(hours, index=index, name="optimal_budget_hours")


def budget_curve(allocation: Allocation, budgets=None, *, points: int = 101) -> pd.DataFrame:
    """Gain, cost and net gain of the best split of each budget, for the accounts of
    ``allocation`` (their value at stake, saturation hours and caps) at its hour cost.

    ``budgets``: hours (default ``points`` budgets from 0 to twice the largest of the
    budget, today's hours and the optimal budget). One row per budget: ``budget_hours``,
    ``hours_used``, ``gain``, ``hours_cost``, ``net_gain`` and ``marginal_gain``
    (the shadow price). The net gain rises while the last hour earns more than it costs
    and peaks at the optimal budget (module docstring)."""
    if allocation.hour_cost is None:
        raise InputError("budget_curve needs an allocation with an hour cost (hour_cost=)")
    t, table = allocation.totals, allocation.table
    if budgets is None:
        top = max(allocation.budget_hours, t.get("current_hours", 0.0), t["optimal_budget_hours"])
        budgets = np.linspace(0.0, 2 * top, points)
    value = table["value_at_stake"].to_numpy(dtype="float64")
    sat = table["saturation_hours"].to_numpy(dtype="float64")
    cap = table["max_hours"].to_numpy(dtype="float64") if "max_hours" in table else None
    caps = np.full(len(value), np.inf) if cap is None else cap
    rows = []
    for budget in np.asarray(budgets, dtype="float64"):
        hours, log_lam = _solve(value, sat, caps, _budget(budget))
        used = _total(hours)
        gain = _total(response_gain(hours, value, sat)) if len(value) else 0.0
        cost = used * allocation.hour_cost
        rows.append((budget, used, gain, cost, gain - cost, float(np.exp(log_lam))))
    columns = ["budget_hours", "hours_used", "gain", "hours_cost", "net_gain", "marginal_gain"]
    return pd.DataFrame(rows, columns=columns)


def _optimal_hours(value: np.ndarray, sat: np.ndarray, cap: np.ndarray, cost: float) -> np.ndarray:
    """``clip(s ln(V / (s c)), 0, cap)``, 0 where ``V`` is 0."""
    with np.errstate(divide="ignore"):
        hours = sat * (np.log(value) - np.log(sat * cost))
    return np.clip(np.nan_to_num(hours, nan=0.0, neginf=0.0), 0.0, cap)


def _hour_cost(hour_cost) -> float:
    try:
        cost = float(hour_cost)
    except (TypeError, ValueError):
        raise InputError(f"hour_cost must be money per hour, got {hour_cost!r}") from None
    if not math.isfinite(cost) or cost <= 0:
        raise InputError(f"hour_cost must be a finite amount > 0 per hour, got {hour_cost!r}")
    return cost


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
        raise InputError(
            f"{what} for {counted(int(bad.sum()), 'account')}: {_names(index[bad])}; {fix}"
        )


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
                f"{name} has no value for {counted(len(missing), 'account')}: {_names(missing)}; "
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
            f"current_hours has {counted(len(extra), 'account')} not in value_at_stake: "
            f"{_names(extra)}; drop them or add their value at stake"
        )
    missing = index.difference(current_hours.index)
    if len(missing):
        raise InputError(
            f"current_hours has no value for {counted(len(missing), 'account')}: {_names(missing)}; "
            "use current_hours.reindex(value_at_stake.index, fill_value=0) if they had none"
        )
    current = _column(current_hours, index, "current_hours", "hours")
    _reject(current < 0, index, "current_hours is negative", "give 0 or more hours")
    return current


def value_at_stake(
    value, points: float = 5.0, *, horizon_months: float = 12, hours_charge=None
) -> pd.Series:
    """Each account's retention part of the value at stake, on the hours' basis (a year):
    the profit uplift over the next ``horizon_months`` (12) when retention rises by
    ``points`` (:func:`kamlab.value.retention_uplift` on ``value``, a non-contractual
    :class:`~kamlab.value.clv.CustomerValue`, re-valued over the horizon with
    :meth:`~kamlab.value.clv.CustomerValue.with_horizon`; no interval), floored at 0, since
    hours spent keeping a loss-maker longer earn nothing.

    A 36-month CLV's uplift would set three years of profit against one year's hours; the
    12-month uplift counts only the profit the year's retention gain brings within that
    year (conservative: the accounts kept also buy in later years). ``hours_charge``
    (money a year by account id, e.g. the P&L's KAM-hours charge per year) is taken out
    of the yearly cost to serve first: the allocation prices the hours itself, so the
    value must not charge them too."""
    from kamlab.value.uplift import retention_uplift

    if hours_charge is not None:
        index = value.table.index
        charge = pd.Series(hours_charge, dtype="float64").reindex(index).fillna(0.0)
        cost = value.inputs["cost_per_year"] - charge.to_numpy()
        value = value.with_horizon(horizon_months, cost_per_year=pd.Series(cost, index=index))
    elif value.horizon_months != horizon_months:
        value = value.with_horizon(horizon_months)
    uplift = retention_uplift(value, points=points, n_draws=0)
    return uplift.table["uplift"].clip(lower=0.0).rename("value_at_stake")
