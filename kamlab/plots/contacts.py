"""The contact map of one account: our people on the left, theirs on the right."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.lines import Line2D

from kamlab.plots._common import axes, legend

__all__ = ["STANCE_COLOURS", "contact_map", "contact_map_size"]

STANCE_COLOURS: dict[str, str] = {
    "champion": "#1a7f37",
    "supporter": "#8fd19e",
    "neutral": "#c8c8c8",
    "critic": "#f0a35e",
    "blocker": "#c44e52",
}
"""Marker colour of a customer contact by stance to us (white: not known)."""
_SIZES = {"executive": 260, "senior": 180, "manager": 120, "staff": 80}
_SENIORITY_ORDER = {"executive": 0, "senior": 1, "manager": 2, "staff": 3}
_ROLE_MARKS = {"decision maker": "DM", "executive sponsor": "ES"}
_OURS = "#4c72b0"


def _their_side(frame: pd.DataFrame) -> pd.DataFrame:
    """Customer contacts grouped by function (largest first), most senior first, with y."""
    theirs = frame.assign(
        function=frame["function"].fillna("function not recorded"),
        rank=frame.get("seniority", pd.Series(index=frame.index, dtype="object"))
        .map(_SENIORITY_ORDER)
        .fillna(4),
    )
    sizes = theirs["function"].value_counts()
    theirs["group"] = theirs["function"].map({f: k for k, f in enumerate(sizes.index)})
    theirs = theirs.sort_values(["group", "rank", "person"]).reset_index(drop=True)
    gaps = theirs["group"].to_numpy() * 1.0  # a line between functions for its name
    theirs["y"] = -(theirs.index.to_numpy() + gaps)
    return theirs


def contact_map_size(
    contacts, account: str, *, width: float = 6.5, row: float = 0.2, most: float | None = None
) -> tuple[float, float]:
    """A figure size (inches) that fits ``account``'s map: ``row`` inches per customer
    contact and per function's name line, plus room for the title and the legend; at
    most ``most`` inches high (the rows then closer together)."""
    frame = getattr(contacts, "data", contacts)
    frame = frame[frame["account_id"].astype("string") == str(account)]
    if frame.empty:
        return width, 1.2
    rows = len(frame) + frame["function"].fillna("").nunique()
    height = 1.9 + row * rows
    return width, height if most is None else min(height, max(most, 1.9 + 0.1 * rows))


def contact_map(
    contacts,
    account: str,
    *,
    ax: Axes | None = None,
    name: str | None = None,
    shape: str | None = None,
    as_of: str | pd.Timestamp | None = None,
    stale_days: int = 90,
) -> Axes:
    """Draw ``account``'s contact map: our people (left) linked to the customer's (right,
    grouped by function, most senior first, marker size by seniority, colour by stance),
    decision maker (DM) and executive sponsor (ES) marked, links not used within
    ``stale_days`` of ``as_of`` (default: the latest contact) dashed. The title names the
    account and, when given, its ``shape``."""
    ax = axes(ax)
    frame = getattr(contacts, "data", contacts)
    frame = frame[frame["account_id"].astype("string") == str(account)]
    title = f"{name} ({account})" if name and pd.notna(name) else str(account)
    ax.set_title(title + (f": {shape}" if shape else ""))
    ax.set_axis_off()
    if frame.empty:
        ax.text(0.5, 0.5, "no contacts recorded", ha="center", va="center", transform=ax.transAxes)
        return ax
    theirs = _their_side(frame)
    last = pd.to_datetime(theirs["last_contact"])
    as_of = pd.Timestamp(as_of) if as_of is not None else last.max()
    stale = last.isna() | (last < as_of - pd.Timedelta(days=stale_days))
    ours = (
        theirs.dropna(subset=["counterpart"])
        .groupby("counterpart")
        .agg(function=("counterpart_function", "first"), top=("y", "max"))
        .sort_values("top", ascending=False)
    )
    span = theirs["y"].min()
    step = span / max(len(ours) - 1, 1) if len(ours) > 1 else 0.0
    ours["y"] = [k * step for k in range(len(ours))] if len(ours) > 1 else [span / 2] * len(ours)
    for i, row in theirs.iterrows():
        if pd.isna(row["counterpart"]):
            continue
        ax.plot(
            [0, 1],
            [ours.loc[row["counterpart"], "y"], row["y"]],
            color="#777777",
            linewidth=1.0,
            linestyle="--" if stale[i] else "-",
            zorder=1,
        )
    ax.set_xlim(-0.9, 2.1)
    ax.set_ylim(theirs["y"].min() - 0.8, 1.7)
    # markers at most 80% of a row high, so that a map drawn small stays legible
    row_points = ax.get_window_extent().height * 72 / ax.figure.dpi / np.ptp(ax.get_ylim())
    largest = (0.8 * row_points) ** 2  # a marker's size is its area in points squared
    colours = theirs["stance"].map(STANCE_COLOURS).fillna("white")
    sizes = theirs.get("seniority", pd.Series(index=theirs.index)).map(_SIZES).fillna(100)
    sizes = sizes.clip(upper=largest)
    ax.scatter([1] * len(theirs), theirs["y"], s=sizes, c=colours, edgecolors="#333333", zorder=2)
    ax.scatter([0] * len(ours), ours["y"], s=min(140, largest), c=_OURS, marker="s", zorder=2)
    for _, row in theirs.iterrows():
        mark = _ROLE_MARKS.get(str(row.get("role")), "")
        detail = ", ".join(str(v) for v in (row.get("seniority"), mark) if pd.notna(v) and v)
        ax.text(
            1.09,
            row["y"],
            f"{row['person']}" + (f" ({detail})" if detail else ""),
            va="center",
            fontsize="small",
            fontweight="bold" if mark else "normal",
        )
    for function, group in theirs.groupby("function", sort=False):
        ax.text(
            0.97,
            group["y"].max() + 0.6,
            function.capitalize(),
            va="center",
            fontsize="small",
            style="italic",
            color="#555555",
        )
    for person, row in ours.iterrows():
        label = f"{person}" + (f"\n{row['function']}" if pd.notna(row["function"]) else "")
        ax.text(-0.05, row["y"], label, ha="right", va="center", fontsize="small")
    ax.text(0, 1.3, "Our people", ha="center", fontweight="bold")
    ax.text(1, 1.3, "Their people", ha="center", fontweight="bold")
    handles = [
        Line2D(
            [],
            [],
            marker="o",
            linestyle="",
            markerfacecolor=c,
            markeredgecolor="#333333",
            markersize=8,
            label=s,
        )
        for s, c in STANCE_COLOURS.items()
    ]
    handles += [
        Line2D([], [], color="#777777", label="link"),
        Line2D([], [], color="#777777", linestyle="--", label=f"not reached in {stale_days} days"),
        *(
            Line2D([], [], linestyle="", label=f"{mark}: {role}")
            for role, mark in _ROLE_MARKS.items()
        ),
    ]
    legend(ax, loc="upper center", handles=handles, ncol=5, bbox_to_anchor=(0.5, 0.0))
    return ax
