"""Charts of the key account portfolio: the matrix, box sizes, and movement."""

from __future__ import annotations

import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.axes import Axes

from kamlab.plots._common import axes, label_points, no_data, thousands, titled
from kamlab.portfolio.criteria import BOXES, SCALE

__all__ = [
    "BOX_COLOURS",
    "account_trend",
    "box_summary",
    "movement_heatmap",
    "portfolio_matrix",
]

BOX_COLOURS = {
    "Strategic": "#4c72b0",
    "Star": "#55a868",
    "Status": "#dd8452",
    "Streamline": "#8c8c8c",
}

# (box, x, y) of each box's label in the matrix's corners, in axes coordinates.
_CORNERS = (
    ("Strategic", 0.98, 0.98, "right", "top"),
    ("Star", 0.02, 0.98, "left", "top"),
    ("Status", 0.98, 0.02, "right", "bottom"),
    ("Streamline", 0.02, 0.02, "left", "bottom"),
)


def portfolio_matrix(
    table: pd.DataFrame,
    *,
    size: str = "revenue",
    label: int = 10,
    attractiveness_cutoff: float = 5.5,
    strength_cutoff: float = 5.5,
    ax: Axes | None = None,
) -> Axes:
    """The McDonald & Woodburn matrix: attractiveness (up) against our relative strength
    (high strength on the right), one bubble per account sized by ``size`` (negative
    values drawn at the smallest size), coloured by box, with the ``label`` largest
    accounts named (as plain text)."""
    ax = axes(ax)
    if table.empty:
        no_data(ax, "no accounts")
        return ax
    weight = table[size].astype("float64").clip(lower=0).fillna(0) if size in table else None
    area = 20.0 if weight is None else 15 + 1200 * np.sqrt(weight / max(weight.max(), 1e-9))
    colours = table["box"].astype("object").map(BOX_COLOURS).fillna("#cccccc")
    ax.scatter(
        table["strength"],
        table["attractiveness"],
        s=area,
        c=colours,
        alpha=0.6,
        edgecolors="white",
        linewidths=0.5,
    )
    ax.set_xlim(SCALE[0] - 0.3, SCALE[1] + 0.3)
    ax.set_ylim(SCALE[0] - 0.3, SCALE[1] + 0.3)
    ax.axvline(strength_cutoff, color="0.3", lw=1, ls="--")
    ax.axhline(attractiveness_cutoff, color="0.3", lw=1, ls="--")
    for box, x, y, ha, va in _CORNERS:
        n = int((table["box"].astype("object") == box).sum())
        ax.text(
            x,
            y,
            f"{box} ({n})",
            transform=ax.transAxes,
            ha=ha,
            va=va,
            color=BOX_COLOURS[box],
            fontweight="bold",
        )
    if label and weight is not None:
        names = table["account_name"] if "account_name" in table else table.index.to_series()
        top = weight.nlargest(label).index
        label_points(
            ax, table.loc[top, "strength"], table.loc[top, "attractiveness"], names.loc[top]
        )
    ax.set_xlabel("our relative strength, as the customer sees it (1-10)")
    ax.set_ylabel("account attractiveness to us (1-10)")
    what = f", bubble size = {size.replace('_', ' ')}" if weight is not None else ""
    ax.set_title(f"Key customer portfolio{what}")
    return ax


def box_summary(summary: pd.DataFrame, *, ax: Axes | None = None) -> Axes:
    """Accounts and revenue share per box (``Portfolio.summary()``), side by side."""
    ax = axes(ax)
    data = summary.reindex(list(BOXES))
    x = np.arange(len(BOXES))
    ax.bar(
        x - 0.2,
        data["accounts"] / data["accounts"].sum(),
        0.4,
        label="share of accounts",
        color="0.7",
    )
    ax.bar(
        x + 0.2,
        data["revenue_share"],
        0.4,
        label="share of revenue",
        color=[BOX_COLOURS[b] for b in BOXES],
    )
    ax.set_xticks(x, BOXES)
    ax.yaxis.set_major_formatter(lambda v, _: f"{v:.0%}")
    titled(ax, "Accounts and revenue by box", None, "share of the portfolio")
    ax.legend(frameon=False)
    return ax


def movement_heatmap(transitions: pd.DataFrame, *, ax: Axes | None = None) -> Axes:
    """A before x after transition table (``Movement.transitions[...]``) as an annotated
    heatmap: the diagonal stayed, off-diagonal cells moved."""
    ax = axes(ax)
    if transitions.empty:
        no_data(ax, "no accounts in either period")
        return ax
    sns.heatmap(
        transitions,
        annot=True,
        fmt="d",
        cmap="Blues",
        cbar=False,
        ax=ax,
        linewidths=0.5,
        linecolor="white",
    )
    ax.set_xlabel(str(transitions.columns.name or "after"))
    ax.set_ylabel(str(transitions.index.name or "before"))
    what = str(transitions.index.name or "").replace(" before", "")
    ax.set_title(f"Accounts by {what}: previous period (rows) to this one")
    ax.tick_params(axis="x", labelrotation=30)
    ax.tick_params(axis="y", labelrotation=0)
    return ax


def account_trend(
    panel: pd.DataFrame,
    account,
    *,
    periods: int = 8,
    name: str | None = None,
    first=None,
    title: str | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Revenue and gross margin of one account over the ``periods`` quarters to the
    panel's end (:func:`kamlab.period_panel`), quarters without purchases shown as zero;
    none before the quarter of ``first`` (the first day of the data). Revenue alone when
    the lines have no cost (no gross margin). Titled with ``name`` (default the account
    id) unless ``title`` is given."""
    ax = axes(ax)
    rows = panel[panel["account_id"] == account].set_index("period").sort_index()
    if rows.empty:
        no_data(ax, "no purchases")
        return ax
    until = panel.attrs.get("until")
    last = pd.Period(until, freq="Q") if until else panel["period"].max()
    every = pd.period_range(end=last, periods=periods, freq="Q")
    if first is not None:  # no empty quarters before the data begin
        every = every[every >= pd.Period(first, freq="Q")]
    has_margin = bool(rows["gross_margin"].notna().any())
    rows = rows[["revenue", "gross_margin"]].reindex(every.astype(str), fill_value=0)
    x = np.arange(len(rows))
    if has_margin:
        ax.bar(x - 0.2, rows["revenue"], 0.4, label="revenue", color="#4c72b0")
        ax.bar(x + 0.2, rows["gross_margin"], 0.4, label="gross margin", color="#55a868")
    else:
        label = "revenue (the data have no costs: no gross margin)"
        ax.bar(x, rows["revenue"], 0.5, label=label, color="#4c72b0")
    ax.set_xticks(x, rows.index, rotation=30)
    ax.yaxis.set_major_formatter(thousands)
    what = "revenue and gross margin" if has_margin else "revenue"
    titled(ax, title or f"{name or account}: {what} by quarter", None, "per quarter")
    ax.legend(frameon=False, fontsize=8)
    return ax
