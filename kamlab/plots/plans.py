"""Chart of plan against actual: each key account's objectives by status.

Input: :func:`kamlab.plans.plan_scorecard` (one row per objective).
"""

from __future__ import annotations

import pandas as pd
from matplotlib.axes import Axes
from matplotlib.ticker import MaxNLocator

from kamlab.plans.scorecard import STATUSES
from kamlab.plots._common import axes, legend, no_data, titled

__all__ = ["STATUS_COLOURS", "objectives_by_status"]

STATUS_COLOURS: dict[str, str] = {
    "met": "#55a868",
    "on track": "#8fbcd4",
    "behind": "#dd8452",
    "missed": "#c44e52",
    "no actual": "#bbbbbb",
}
"""Status -> bar colour (seaborn "deep" green, a light blue, orange, red, grey)."""


def objectives_by_status(card: pd.DataFrame, *, ax: Axes | None = None) -> Axes:
    """One horizontal bar per account (its name), split by its objectives' status: met,
    on track, behind, missed (and no actual); accounts with the most behind or missed at
    the top."""
    ax = axes(ax)
    if card.empty:
        no_data(ax, "no plans")
        return titled(ax, "Key account objectives by status")
    label = card["account_name"].fillna(card["account_id"]).astype(str)
    counts = pd.crosstab(label, card["status"]).reindex(columns=list(STATUSES), fill_value=0)
    counts = counts.loc[:, counts.sum() > 0]
    trouble = counts.reindex(columns=["missed", "behind"], fill_value=0).sum(axis=1)
    counts = counts.loc[trouble.sort_values(kind="stable").index]  # worst at the top
    left = pd.Series(0, index=counts.index)
    for status in counts.columns:
        ax.barh(
            counts.index,
            counts[status],
            left=left,
            color=STATUS_COLOURS[status],
            label=status,
        )
        left = left + counts[status]
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    legend(ax, loc="upper left", bbox_to_anchor=(1.0, 1.0))  # beside the bars
    return titled(ax, "Key account objectives by status", "objectives", None)
