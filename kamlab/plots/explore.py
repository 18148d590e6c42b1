"""Charts, one function per chart, in seaborn's axes-level style.

Each function takes a tidy pandas object (usually from :mod:`kamlab.explore`),
draws on ``ax`` (the current axes when ``None``) and returns it. None of them
calls ``plt.show()``, saves a file or changes global style, so they work under
any backend, including ``Agg`` on a server, and compose into subplots::

    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
    kamlab.plots.concentration_curve(curve, ax=left)
    kamlab.plots.monthly_revenue(table, ax=right)

Every chart has a title and axis labels that say their unit.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.ticker import MaxNLocator

from kamlab.explore import rule_order
from kamlab.plots._common import BAR, LINE, RETURN, axes, legend, no_data, note, ticks, titled

__all__ = [
    "accounts_by",
    "concentration_curve",
    "interpurchase_histogram",
    "monthly_revenue",
    "quarantine_reasons",
]


def _by_reason(counts) -> pd.Series:
    """Rows per reason from a validated input, its ``counts()`` dict or a mapping/Series."""
    if hasattr(counts, "counts") and callable(counts.counts):
        counts = counts.counts()
    if isinstance(counts, Mapping) and "by_reason" in counts:
        counts = counts["by_reason"]
    if isinstance(counts, pd.DataFrame):  # a data_quality_table
        rows = counts["rows"]
        reasons = rows[rows.index.str.startswith("quarantined: ")]
        counts = reasons.rename(lambda label: label.removeprefix("quarantined: "))
    return pd.Series(dict(counts) if isinstance(counts, Mapping) else counts, dtype="int64")


def quarantine_reasons(counts, *, ax: Axes | None = None, color: str = BAR) -> Axes:
    """Horizontal bars: quarantined rows per reason, largest at the top, counts written on.

    ``counts`` is a :class:`~kamlab.io.Transactions`, its ``counts()`` dict, a
    ``{reason: rows}`` mapping or Series, or a :func:`kamlab.explore.data_quality_table`.
    """
    ax = axes(ax)
    reasons = _by_reason(counts)
    order = sorted(reasons.index, key=lambda r: (-reasons[r], *rule_order(r)), reverse=True)
    reasons = reasons[order]  # largest at the top; ties in the order the rules apply
    titled(ax, "Quarantined rows by reason", "rows quarantined (count)", "reason")
    if reasons.empty or reasons.sum() == 0:
        no_data(ax, "no rows quarantined: every row was accepted")
        ax.set_yticks([])
        return ax
    positions = np.arange(len(reasons))
    ax.barh(positions, reasons.to_numpy(), color=color)
    ax.set_yticks(positions, [str(r).replace("_", " ") for r in reasons.index])
    for y, n in zip(positions, reasons.to_numpy(), strict=True):
        ax.annotate(f" {n:,}", (n, y), va="center", ha="left", fontsize="small")
    ax.set_xlim(0, reasons.max() * 1.15)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ticks(ax, "x")
    return ax


def concentration_curve(
    curve: pd.DataFrame,
    *,
    ax: Axes | None = None,
    top_fraction: float = 0.2,
    color: str = BAR,
) -> Axes:
    """The Pareto curve: cumulative % of net revenue against cumulative % of accounts.

    ``curve`` is :func:`kamlab.explore.concentration_curve` output (columns
    ``cum_accounts_share`` and ``cum_revenue_share``). The dashed diagonal is
    perfect equality (every account buys the same); the further the curve bows
    above it, the more revenue depends on a few accounts. The point at
    ``top_fraction`` of the accounts (20%) is marked with its revenue share.
    """
    ax = axes(ax)
    x = np.concatenate([[0.0], curve["cum_accounts_share"].to_numpy(dtype="float64")]) * 100
    y = np.concatenate([[0.0], curve["cum_revenue_share"].to_numpy(dtype="float64")]) * 100
    ax.plot([0, 100], [0, 100], linestyle="--", color="0.6", label="every account equal")
    ax.plot(x, y, color=color, linewidth=2, label="accounts ranked by revenue")
    if len(curve):
        px, py = top_fraction * 100, float(np.interp(top_fraction * 100, x, y))
        ax.plot([px, px, 0], [0, py, py], color="0.35", linewidth=0.8, linestyle=":")
        ax.plot([px], [py], "o", color=color)
        note(
            ax,
            f"top {top_fraction:.0%} of accounts:\n{py / 100:.0%} of revenue",
            (px, py),
            (12, -28),
            arrowprops={"arrowstyle": "-", "color": "0.35"},
        )
    ax.set_xlim(0, 100)
    ax.set_ylim(0, 102)
    ticks(ax, "xy", percent=True)
    titled(
        ax,
        "Revenue concentration (Pareto curve)",
        "accounts, largest first (cumulative % of accounts)",
        "net revenue (cumulative % of total)",
    )
    legend(ax, "lower right")
    return ax


def monthly_revenue(
    table: pd.DataFrame,
    *,
    ax: Axes | None = None,
    currency: str = "currency units",
) -> Axes:
    """Bars of sales (up) and returns (down) per month, with net revenue as a line.

    ``table`` is :func:`kamlab.explore.monthly_revenue` output: indexed by month
    (``Period`` or timestamp), columns ``sales``, ``returns`` (positive) and ``net``.
    ``currency`` names the unit of the y axis.
    """
    ax = axes(ax)
    titled(ax, "Monthly revenue: sales, returns and net", "month", f"revenue ({currency})")
    if table.empty:
        no_data(ax, "no transactions")
        return ax
    index = table.index
    months = index.to_timestamp() if isinstance(index, pd.PeriodIndex) else pd.DatetimeIndex(index)
    x = np.arange(len(months))
    sales = ax.bar(x, table["sales"].to_numpy(), color=BAR, width=0.8, label="sales")
    returns = ax.bar(x, -table["returns"].to_numpy(), color=RETURN, width=0.8, label="returns")
    (net,) = ax.plot(x, table["net"].to_numpy(), color=LINE, marker="o", markersize=3, label="net")
    ax.axhline(0, color="0.3", linewidth=0.8)
    step = max(1, int(np.ceil(len(x) / 12)))
    ax.set_xticks(x[::step], [m.strftime("%Y-%m") for m in months[::step]])
    ax.tick_params(axis="x", labelrotation=45)
    ticks(ax)
    legend(ax, "upper left", handles=[sales, returns, net], ncols=3)
    return ax


def interpurchase_histogram(
    days: pd.Series,
    *,
    ax: Axes | None = None,
    max_days: float | None = None,
    bins: int = 40,
    color: str = BAR,
) -> Axes:
    """Histogram of the days between an account's consecutive purchase days.

    ``days`` is :func:`kamlab.explore.interpurchase_days` output. The x axis stops
    at ``max_days`` (by default the 99th percentile, so a few very long gaps do
    not squash the rest); the gaps beyond it are counted in the legend. The
    dashed line is the median gap.
    """
    ax = axes(ax)
    titled(ax, "Time between purchases", "days between consecutive purchase days of an account")
    values = pd.Series(days, dtype="float64").dropna().to_numpy()
    if values.size == 0:
        ax.set_ylabel("gaps (count)")
        no_data(ax, "no repeat purchases: every account bought on one day only")
        return ax
    limit = float(np.quantile(values, 0.99)) if max_days is None else float(max_days)
    limit = max(limit, 1.0)
    shown = values[values <= limit]
    width = max(1, int(np.ceil(limit / bins)))  # whole days per bar: gaps are integers
    edges = np.arange(0.5, limit + width + 0.5, width)
    ax.hist(shown, bins=edges, color=color)
    ax.set_ylabel("gaps (count)" if width == 1 else f"gaps (count per {width}-day bar)")
    median = float(np.median(values))
    ax.axvline(median, color=LINE, linestyle="--", linewidth=1.2, label=f"median: {median:g} days")
    hidden = values.size - shown.size
    if hidden:
        noun = "gap" if hidden == 1 else "gaps"
        ax.plot([], [], " ", label=f"{hidden:,} {noun} over {limit:,.0f} days not shown")
    ax.set_xlim(0, limit)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ticks(ax)
    legend(ax, "upper right")
    return ax


def accounts_by(
    data: pd.DataFrame | pd.Series,
    column: str,
    *,
    ax: Axes | None = None,
    top: int = 15,
    color: str = BAR,
) -> Axes:
    """Horizontal bars: number of accounts per value of ``column`` (industry, region...).

    ``data`` is an accounts frame with a ``column`` column, a
    :func:`kamlab.explore.breakdown` table (an ``accounts`` column indexed by
    ``column``) or a Series of counts. The ``top`` largest groups are shown, the
    rest summed as "other".
    """
    ax = axes(ax)
    if isinstance(data, pd.Series):
        counts = data
    elif column in data.columns:
        counts = data[column].astype("string").fillna("(missing)").value_counts()
    elif "accounts" in data.columns:
        counts = data["accounts"]
    else:
        raise ValueError(
            f"accounts_by: no column {column!r} nor 'accounts' in the data; "
            "pass the accounts frame or kamlab.explore.breakdown(accounts, column)"
        )
    counts = counts.sort_index().sort_values(ascending=False, kind="stable")
    if len(counts) > top:
        counts = pd.concat([counts.iloc[:top], pd.Series({"other": counts.iloc[top:].sum()})])
    counts = counts.iloc[::-1]
    label = column.replace("_", " ")
    titled(ax, f"Accounts by {label}", "accounts (count)", label)
    if counts.empty:
        no_data(ax, "no accounts")
        return ax
    positions = np.arange(len(counts))
    ax.barh(positions, counts.to_numpy(), color=color)
    ax.set_yticks(positions, [str(v) for v in counts.index])
    total = counts.sum()
    for y, n in zip(positions, counts.to_numpy(), strict=True):
        ax.annotate(f" {n:,} ({n / total:.0%})", (n, y), va="center", ha="left", fontsize="small")
    ax.set_xlim(0, counts.max() * 1.25)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    return ax
