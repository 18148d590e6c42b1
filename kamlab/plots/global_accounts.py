"""Charts of global accounts: one customer's entities by country."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from kamlab.plots._common import BAR, axes, label_points, no_data, titled

__all__ = ["country_dots"]


def country_dots(comparison: pd.DataFrame, global_id: str, *, ax: Axes | None = None) -> Axes:
    """One global account's entities (rows of
    :func:`~kamlab.portfolio.global_accounts.country_comparison`): gross margin % of revenue
    across, price index up (1 = the customer's average price for the same products), one
    dot per entity sized by net revenue and named by its country."""
    ax = axes(ax)
    rows = comparison[comparison["global_id"] == global_id]
    if rows.empty:
        no_data(ax, f"no entities of {global_id} to compare")
        return ax
    revenue = rows["revenue"].astype("float64").clip(lower=0)
    area = 40 + 600 * np.sqrt(revenue / max(revenue.max(), 1e-9))
    x = rows["gross_margin_pct"].astype("float64") * 100
    y = rows["price_index"].astype("float64").fillna(1.0)
    ax.scatter(x, y, s=area, color=BAR, alpha=0.7, edgecolor="white")
    ax.axhline(1.0, color="0.6", linewidth=0.8, linestyle="--")
    label_points(ax, x, y, rows["country"].astype(str), fontsize=9)
    name = rows["global_name"].iloc[0]
    return titled(
        ax,
        f"{name}: price and margin by country",
        "Gross margin (% of net revenue)",
        "Price index (1 = the customer's average)",
    )
