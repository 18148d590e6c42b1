"""Charts of an allocation of account-manager hours (:func:`kamlab.portfolio.allocate_hours`).

Axes-level, seaborn style: each takes an :class:`~kamlab.portfolio.allocate.Allocation`,
draws on ``ax`` (the current axes when ``None``), titles and labels it with units, and
returns it; none shows or saves. Account names (optional ``names``: a Series from account
id to name) are drawn as plain text, so a ``$`` in a name is not read as mathtext.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from kamlab.plots._common import BAR, LINE, axes, legend, no_data, ticks, titled

__all__ = ["allocation_chart", "net_gain_chart", "response_curves"]

_OTHER = "0.65"


def _labels(ids: pd.Index, names: pd.Series | None, width: int = 32) -> list[str]:
    """Account names (shortened) where known, else the account ids, as plain strings."""
    text = pd.Series(ids.astype("string"), index=ids)
    if names is not None:
        known = pd.Series(names).reindex(ids).astype("string")
        known = known.where(known.str.len() <= width, known.str.slice(0, width - 1) + "…")
        text = known.fillna(text)
    return [str(t) for t in text]


def _comparison(table: pd.DataFrame) -> tuple[str, str]:
    """The column to compare with and its label: current hours when known, else equal split."""
    if "current_hours" in table.columns:
        return "current_hours", "current"
    return "equal_hours", "equal split"


def _top(table: pd.DataFrame, n: int) -> pd.DataFrame:
    ranked = table.sort_index().sort_values("value_at_stake", ascending=False, kind="stable")
    return ranked.head(n)


def allocation_chart(
    allocation,
    *,
    top: int = 20,
    names: pd.Series | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Horizontal bars: optimal hours against current (or equal-split) hours, per account.

    Shows the ``top`` accounts by value at stake, largest at the top. The comparison is
    the current allocation when one was given to :func:`allocate_hours`, else the equal
    split. ``names`` maps account id to a display name.
    """
    ax = axes(ax)
    table = allocation.table
    column, label = _comparison(table)
    shown = _top(table, top)
    scope = "" if len(shown) == len(table) else f", top {len(shown)} of {len(table):,} by value"
    titled(
        ax,
        f"Account-manager hours: optimal vs {label}{scope}",
        "account-manager hours per account",
        "account (largest value at stake at the top)",
    )
    if shown.empty:
        no_data(ax, "no accounts")
        return ax
    shown = shown.iloc[::-1]
    y = np.arange(len(shown))
    ax.barh(y + 0.2, shown["hours"].to_numpy(dtype="float64"), 0.4, color=BAR, label="optimal")
    ax.barh(y - 0.2, shown[column].to_numpy(dtype="float64"), 0.4, color=_OTHER, label=label)
    ax.set_yticks(y, _labels(shown.index, names), fontsize="small", parse_math=False)
    ax.set_xlim(left=0)
    ticks(ax, "x")
    legend(ax, "lower right")
    return ax


def response_curves(
    allocation,
    accounts: Iterable | None = None,
    *,
    n: int = 4,
    names: pd.Series | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Expected gain ``V (1 - exp(-h / s))`` against hours, with the chosen hours marked.

    ``accounts``: ids to draw (default: the ``n`` largest by value at stake). A filled dot
    marks the optimal hours, an open one the current hours (when given). Each curve
    flattens towards its value at stake: the diminishing returns the optimiser trades off.
    """
    ax = axes(ax)
    table = allocation.table
    if accounts is None:
        shown = _top(table[table["value_at_stake"] > 0], n)
    else:
        wanted = pd.Index(list(accounts))
        unknown = wanted.difference(table.index)
        if len(unknown):
            raise KeyError(f"accounts not in the allocation: {', '.join(map(str, unknown[:5]))}")
        shown = table.loc[wanted]
    titled(
        ax,
        "Diminishing returns: expected gain against account-manager hours",
        "account-manager hours",
        f"expected profit uplift ({allocation.currency})",
    )
    if shown.empty:
        no_data(ax, "no accounts with value at stake")
        return ax
    value = shown["value_at_stake"].to_numpy(dtype="float64")
    sat = shown["saturation_hours"].to_numpy(dtype="float64")
    hours = shown["hours"].to_numpy(dtype="float64")
    current = shown.get("current_hours", pd.Series(np.nan, index=shown.index)).to_numpy()
    right = float(np.nanmax(np.concatenate([3 * sat, 1.15 * hours, 1.15 * current])))
    grid = np.linspace(0.0, right, 200)
    for i, label in enumerate(_labels(shown.index, names)):
        color = f"C{i % 10}"
        ax.plot(grid, value[i] * -np.expm1(-grid / sat[i]), color=color, label=label)
        ax.plot(hours[i], value[i] * -np.expm1(-hours[i] / sat[i]), "o", color=color)
        if np.isfinite(current[i]):
            gain = value[i] * -np.expm1(-current[i] / sat[i])
            ax.plot(current[i], gain, "o", mfc="white", mec=color)
    ax.plot([], [], "o", color=LINE, label="optimal hours")
    if "current_hours" in shown.columns:
        ax.plot([], [], "o", mfc="white", mec=LINE, label="current hours")
    ax.set_xlim(0, right)
    ax.set_ylim(bottom=0)
    ticks(ax)
    for text in legend(ax, "best").get_texts():
        text.set_parse_math(False)
    return ax


def net_gain_chart(allocation, *, ax: Axes | None = None) -> Axes:
    """Gain, cost of the hours and net gain against the budget of hours (a year), with
    the optimal budget (where the last hour earns its cost), the budget and today's hours
    marked. Needs an allocation with an hour cost
    (:func:`~kamlab.portfolio.allocate.budget_curve`)."""
    from kamlab.portfolio.allocate import budget_curve

    ax = axes(ax)
    cur, t = allocation.currency, allocation.totals
    per = " a year" if allocation.basis else ""
    titled(
        ax,
        f"Hours that pay for themselves: at {cur} {allocation.hour_cost:,.0f} an hour",
        f"budget of account-manager hours{per}",
        f"{cur}{per}",
    )
    curve = budget_curve(allocation)
    x = curve["budget_hours"]
    ax.plot(x, curve["gain"], color=BAR, label="expected gain")
    ax.plot(x, curve["hours_cost"], color=_OTHER, label="cost of the hours")
    ax.plot(x, curve["net_gain"], color=LINE, lw=2, label="net gain")
    ax.axhline(0, color="0.3", lw=0.8)
    marks = [("optimal budget", t["optimal_budget_hours"], "-")]
    marks.append(("budget", allocation.budget_hours, "--"))
    if "current_hours" in t and not np.isclose(t["current_hours"], allocation.budget_hours):
        marks.append(("today's hours", t["current_hours"], ":"))
    for label, hours, style in marks:
        ax.axvline(hours, color=LINE, ls=style, lw=1, label=f"{label}: {hours:,.0f} h")
    ax.set_xlim(0, float(x.iloc[-1]) if len(x) else 1.0)
    ticks(ax)
    legend(ax, "best")
    return ax
