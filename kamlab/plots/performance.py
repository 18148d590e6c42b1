"""Charts of KAM performance: key accounts against their matched non-key accounts."""

from __future__ import annotations

import math

from matplotlib.axes import Axes

from kamlab.plots._common import BAR, LINE, axes, legend, no_data, ticks, titled

__all__ = ["programme_before_after"]

_TITLES = {
    "revenue": ("Net revenue", "{currency}, matched key accounts in total"),
    "contribution": ("Contribution before KAM time", "{currency}, matched key accounts in total"),
    "retention": ("Still buying", "share of matched key accounts"),
    "share_of_wallet": ("Share of wallet", "mean of matched key accounts"),
}


def programme_before_after(result, measure: str = "revenue", *, ax: Axes | None = None) -> Axes:
    """The matched key accounts' ``measure`` in the earlier and the later year (solid),
    against what their matched non-key accounts say they would have had without the
    programme (dashed, with its interval as a bar on the later year): the gap at the later
    year is the programme's gain. ``result`` is a
    :class:`~kamlab.portfolio.performance.ProgrammeReturn`; ``measure`` one of its
    measures (revenue, contribution, retention, share_of_wallet)."""
    ax = axes(ax)
    if measure not in _TITLES:
        raise ValueError(f"measure {measure!r}: expected one of {', '.join(_TITLES)}")
    title, unit = _TITLES[measure]
    titled(ax, title, ylabel=unit.format(currency=result.currency or "GBP"))
    if result.refused or result.levels.empty or measure not in result.levels.index:
        no_data(ax, "no comparison: " + (result.refused or "no estimate"))
        return ax
    row = result.levels.loc[measure]
    if not math.isfinite(row["after"]):
        no_data(ax, "not known for the key accounts")
        return ax
    w = result.windows
    xs = [f"to {w['before_end']}", f"to {w['end']}"] if w else ["year before", "year"]
    ax.plot(xs, [row["before"], row["after"]], color=BAR, marker="o", label="key accounts")
    ax.plot(
        xs,
        [row["before"], row["without"]],
        color=LINE,
        marker="o",
        linestyle="--",
        label="without the programme (matched non-key accounts)",
    )
    low, high = row["without_low"], row["without_high"]
    level = f"{result.settings.get('level', 0.95):.0%}"
    ax.errorbar(
        [xs[1]],
        [row["without"]],
        yerr=[[max(row["without"] - low, 0)], [max(high - row["without"], 0)]],
        color=LINE,
        capsize=4,
        label=f"{level} interval",
    )
    share = measure in ("retention", "share_of_wallet")
    if share:
        ax.yaxis.set_major_formatter(lambda v, _: f"{v:.0%}")
    else:
        ticks(ax)
    ax.margins(x=0.2)
    legend(ax, loc="best")
    return ax
