"""Charts of the plans-and-performance section (notebook 06) that the plans, contacts,
global-accounts and performance chart modules do not draw."""

from __future__ import annotations

import pandas as pd
from matplotlib.axes import Axes

from kamlab.plots._common import axes, legend, no_data, titled

__all__ = ["SHAPE_COLOURS", "shapes_by_tier"]

SHAPE_COLOURS: dict[str, str] = {
    "no contacts": "#bbbbbb",
    "bow tie": "#dd8452",
    "developing": "#8fbcd4",
    "diamond": "#55a868",
}
"""Contact-map shape -> bar colour (grey, orange, light blue, green: fragile to sound)."""


def shapes_by_tier(summary: pd.DataFrame, tiers: pd.Series, *, ax: Axes | None = None) -> Axes:
    """One horizontal bar per tier (in the order of ``tiers``' categories, else as they
    come; the first at the top), split by the share of its accounts whose contact map is a
    bow tie, developing or a diamond (no contacts: grey). ``summary``:
    :func:`~kamlab.portfolio.contacts.contact_summary`; ``tiers``: each account's tier
    (e.g. the portfolio table's ``tier``); accounts not in ``tiers`` are left out."""
    ax = axes(ax)
    shape = summary["shape"].astype("object").reindex(tiers.index).fillna("no contacts")
    if shape.empty:
        no_data(ax, "no accounts")
        return titled(ax, "Shape of the contact map by tier")
    order = (
        list(tiers.cat.categories)
        if isinstance(tiers.dtype, pd.CategoricalDtype)
        else list(dict.fromkeys(tiers))
    )
    counts = pd.crosstab(tiers.astype("object"), shape)
    counts = counts.reindex(index=[t for t in order if t in counts.index])
    counts = counts.reindex(columns=[s for s in SHAPE_COLOURS if s in counts.columns])
    shares = counts.div(counts.sum(axis=1), axis=0)
    labels = [f"{tier} ({n:,})" for tier, n in counts.sum(axis=1).items()]
    left = pd.Series(0.0, index=shares.index)
    for shape_name in shares.columns:
        ax.barh(labels, shares[shape_name], left=left, color=SHAPE_COLOURS[shape_name],
                label=shape_name)  # fmt: skip
        left = left + shares[shape_name]
    ax.invert_yaxis()  # the first tier at the top
    ax.xaxis.set_major_formatter(lambda v, _: f"{v:.0%}")
    legend(ax, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return titled(ax, "Shape of the contact map by tier", "share of the tier's accounts", None)
