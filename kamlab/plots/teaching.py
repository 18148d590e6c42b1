"""Charts of the teaching notebooks (``notebooks/teaching/``) that the report's do not cover.

Seaborn style, as :mod:`kamlab.plots`: each takes plain pandas objects, draws on ``ax``
(the current axes when ``None``), titles and labels it with units, and returns it; none
shows or saves. None of them names an account, so a chart never gives an exercise away.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from kamlab.plots._common import BAR, LINE, RETURN, axes, legend, note, ticks, titled
from kamlab.value import gupta_lehmann_clv

__all__ = [
    "clv_by_retention",
    "cohort_retention",
    "key_changes",
    "rank_comparison",
    "retention_by_year",
    "revenue_vs_profit",
    "uplift_by_tenure",
]


def _by_profit(ax: Axes, x: pd.Series, y: pd.Series, loss: pd.Series, *, size: float) -> None:
    """Points of the accounts that make money (blue) and those that lose it (red)."""
    ax.scatter(x[~loss], y[~loss], s=size, color=BAR, alpha=0.75, label="makes money")
    ax.scatter(x[loss], y[loss], s=size, color=RETURN, alpha=0.85, label="loses money")


def revenue_vs_profit(pnl: pd.DataFrame, *, ax: Axes | None = None) -> Axes:
    """Each account's net revenue (log scale) against its contribution; loss-makers red."""
    ax = axes(ax)
    data = pnl[pnl["net_revenue"] > 0]
    loss = data["contribution"] < 0
    _by_profit(ax, data["net_revenue"], data["contribution"], loss, size=14)
    ax.axhline(0, color="0.3", linewidth=0.8)
    ax.set_xscale("log")
    ticks(ax, "xy")
    titled(
        ax,
        "Bigger is not always more profitable",
        "net revenue, last 12 months (GBP, log scale)",
        "contribution (profit), GBP",
    )
    legend(ax, "upper left")
    return ax


def rank_comparison(pnl: pd.DataFrame, *, ax: Axes | None = None) -> Axes:
    """Each account's rank by net revenue against its rank by contribution (1 = top).

    On the diagonal the two rankings agree; far from it, the biggest accounts are not the
    most profitable."""
    ax = axes(ax)
    by_revenue = pnl["net_revenue"].rank(ascending=False, method="first")
    by_profit = pnl["contribution"].rank(ascending=False, method="first")
    loss = pnl["contribution"] < 0
    n = len(pnl)
    ax.plot([1, n], [1, n], color="0.5", linestyle=":", linewidth=1, label="same rank")
    _by_profit(ax, by_revenue, by_profit, loss, size=12)
    ax.set_xlim(0, n + 1)
    ax.set_ylim(n + 1, 0)  # rank 1 at the top
    titled(
        ax,
        "Rank by revenue against rank by profit",
        "rank by net revenue (1 = largest)",
        "rank by contribution (1 = most profitable)",
    )
    legend(ax, "lower left")
    return ax


def clv_by_retention(
    discount: float = 0.10, *, steps=((0.80, 0.85), (0.90, 0.95)), ax: Axes | None = None
) -> Axes:
    """Gupta & Lehmann's CLV, in multiples of a year's margin, against retention, with the
    gain of each step in ``steps`` marked."""
    ax = axes(ax)
    r = np.linspace(0.30, 0.97, 200)
    ax.plot(
        r * 100,
        gupta_lehmann_clv(1.0, r, discount),
        color=BAR,
        linewidth=2,
        label=f"CLV = m r / (1 + d - r), d = {discount:.0%}",
    )
    for r0, r1 in steps:
        v0, v1 = gupta_lehmann_clv(1.0, [r0, r1], discount)
        ax.plot([r0 * 100, r1 * 100], [v0, v1], "o", color=RETURN)
        note(ax, f"{r0:.0%} -> {r1:.0%}: {v1 / v0 - 1:+.1%}", (r1 * 100, v1), (-8, 6), ha="right")
    ticks(ax, "x", percent=True)
    titled(
        ax,
        "Customer lifetime value rises ever faster with retention",
        "retention rate r (share of customers kept each year)",
        "CLV (multiples of one year's margin m)",
    )
    legend(ax, "upper left")
    return ax


def cohort_retention(table: pd.DataFrame, *, ax: Axes | None = None) -> Axes:
    """The cohort's retention each year (from :func:`kamlab.teaching.lesson06.mixture_retention`)
    against the constant retention of each customer type."""
    ax = axes(ax)
    cohort = table["cohort retention that year"]
    for column in table.columns:
        if column.startswith("still here: type retaining "):
            level = float(column.rsplit(" ", 1)[-1].rstrip("%")) / 100
            ax.axhline(level * 100, color="0.55", linestyle=":", linewidth=1)
            note(
                ax,
                f"type retaining {level:.0%}",
                (table.index[0], level * 100),
                (0, 4),
                color="0.4",
            )
    ax.plot(cohort.index, cohort * 100, "o-", color=BAR, label="the cohort as a whole")
    ticks(ax, percent=True)
    ax.set_ylim(0, 100)
    titled(
        ax,
        "A cohort's retention rises as the likely leavers leave",
        "year since the cohort was won",
        "retention that year (% of those at its start)",
    )
    legend(ax, "lower right")
    return ax


def retention_by_year(
    model, survivors: pd.Series, years: int = 12, *, ax: Axes | None = None
) -> Axes:
    """A cohort's retention rate per year: observed (points) and the sBG's (line, dashed
    beyond the data)."""
    ax = axes(ax)
    counts = survivors.to_numpy(dtype=float)
    seen = np.arange(1, len(counts))
    ahead = np.arange(len(counts) - 1, years + 1)
    fitted = np.atleast_1d(model.retention(np.arange(1, len(counts)))) * 100
    ax.plot(seen, fitted, color=BAR, linewidth=2, label="sBG, fitted")
    ax.plot(
        ahead,
        np.atleast_1d(model.retention(ahead)) * 100,
        color=BAR,
        linestyle="--",
        label="sBG, projected",
    )
    ax.plot(seen, counts[1:] / counts[:-1] * 100, "o", color=LINE, markersize=4, label="observed")
    ticks(ax, percent=True)
    ax.set_ylim(0, 100)
    titled(
        ax,
        "Retention rate by year of the contract cohort",
        "year since signing",
        "retention that year (% of those at its start)",
    )
    legend(ax, "lower right")
    return ax


def uplift_by_tenure(table: pd.DataFrame, *, ax: Axes | None = None) -> Axes:
    """Value uplift (% of each group's value) by renewals so far, from
    :func:`kamlab.teaching.lesson06.uplift_by_tenure`."""
    ax = axes(ax)
    ax.bar(table.index.astype(str), table["uplift_pct"], color=BAR)
    ticks(ax, percent=True)
    titled(
        ax,
        "What more retention adds, by how long customers have stayed",
        "renewals so far (years as a customer)",
        "value uplift (% of the group's value)",
    )
    return ax


def key_changes(
    before: pd.DataFrame,
    after: pd.DataFrame,
    *,
    labels: tuple[str, str] = ("today's weights", "new weights"),
    ax: Axes | None = None,
) -> Axes:
    """Each account's attractiveness under two sets of weights (portfolio tables of the
    same accounts), coloured by whether it is a key account under each."""
    ax = axes(ax)
    both = before.index.intersection(after.index)
    x = before.loc[both, "attractiveness"]
    y = after.loc[both, "attractiveness"]
    key_before = before.loc[both, "tier"].astype("object") == "key"
    key_after = after.loc[both, "tier"].astype("object") == "key"
    groups = (
        (~key_before & ~key_after, "0.75", "key under neither"),
        (key_before & key_after, BAR, "key under both"),
        (key_before & ~key_after, RETURN, f"key only under {labels[0]}"),
        (~key_before & key_after, "#55a868", f"key only under {labels[1]}"),
    )
    for mask, colour, label in groups:
        ax.scatter(x[mask], y[mask], s=18, color=colour, alpha=0.85, label=label)
    ax.plot([1, 10], [1, 10], color="0.5", linestyle=":", linewidth=1)
    ax.set_xlim(1, 10)
    ax.set_ylim(1, 10)
    titled(
        ax,
        "Who is a key account depends on the weights",
        f"attractiveness with {labels[0]} (1-10)",
        f"attractiveness with {labels[1]} (1-10)",
    )
    legend(ax, "upper left")
    return ax
