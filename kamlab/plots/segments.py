"""Charts of customer segments: choosing k, profiles, the accounts in 2-D, shares.

Axes-level, seaborn style: each takes what a fitted :class:`kamlab.segment.Segmenter`
exposes (``scores_``, ``percentiles_`` with ``names_``, ``project()``,
``profiles_``), draws on ``ax`` (the current axes when ``None``), titles and labels
it, and returns it; none shows or saves. Segment *i* has the same colour in every
chart (seaborn's "deep" palette).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.ticker import MaxNLocator

from kamlab.plots._common import BAR, LINE, axes, legend, no_data, note, ticks, titled
from kamlab.segment.naming import feature_label

__all__ = [
    "k_selection",
    "profile_heatmap",
    "segment_colour",
    "segment_scatter",
    "segment_shares",
    "snake_plot",
]

_DEEP = (
    "#4c72b0",
    "#dd8452",
    "#55a868",
    "#c44e52",
    "#8172b3",
    "#937860",
    "#da8bc3",
    "#8c8c8c",
    "#ccb974",
    "#64b5cd",
)
_SCORES = {
    "silhouette": ("silhouette", "higher is better"),
    "calinski_harabasz": ("Calinski-Harabasz index", "higher is better"),
    "bic": ("BIC", "lower is better"),
    "inertia": ("within-segment sum of squares", "look for the elbow"),
}


def segment_colour(segment: int) -> str:
    """The colour of segment ``segment`` (1, 2, ...) in every segment chart."""
    return _DEEP[(int(segment) - 1) % len(_DEEP)]


def _segment_labels(index, names: pd.Series | None, width: int = 40) -> list[str]:
    labels = []
    for seg in index:
        name = None if names is None else names.get(seg)
        text = f"{seg}: {name}" if name is not None and pd.notna(name) else f"segment {seg}"
        labels.append(text if len(text) <= width else text[: width - 1] + "…")
    return labels


def k_selection(
    scores: pd.DataFrame,
    *,
    score: str | None = None,
    ax: Axes | None = None,
    color: str = BAR,
) -> Axes:
    """One score of the search for k, against k, with the chosen k marked.

    ``scores`` is ``Segmenter.scores_`` (indexed by ``k``; columns ``silhouette``,
    ``calinski_harabasz``, ``inertia`` or ``bic``, ``chosen``). ``score`` is the column
    to draw (default: ``calinski_harabasz``, or ``bic`` for a mixture). Draw one
    chart per score side by side to compare them.
    """
    ax = axes(ax)
    table = scores.reset_index() if "k" not in scores.columns else scores
    if score is None:
        score = "bic" if "bic" in table.columns else "calinski_harabasz"
    if score not in table.columns:
        raise ValueError(f"k_selection: no column {score!r}; scores have {list(table.columns)}")
    label, hint = _SCORES.get(score, (score.replace("_", " "), ""))
    titled(
        ax, f"Choosing k: {label}" + (f" ({hint})" if hint else ""), "number of segments k", label
    )
    ks = table["k"].to_numpy()
    values = table[score].to_numpy(dtype="float64")
    if len(ks) == 0 or np.isnan(values).all():
        no_data(ax, "no scores")
        return ax
    ax.plot(ks, values, marker="o", color=color)
    chosen = (
        table.loc[table["chosen"].astype(bool)] if "chosen" in table.columns else table.iloc[:0]
    )
    if len(chosen):
        k = int(chosen["k"].iloc[0])
        y = float(chosen[score].iloc[0])
        ax.axvline(k, color=LINE, linestyle="--", linewidth=1)
        ax.plot([k], [y], "o", color=LINE, markersize=9, fillstyle="none")
        note(ax, f" chosen k = {k}", (k, y), (6, 6))
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    return ax


def _percentile_table(percentiles: pd.DataFrame) -> pd.DataFrame:
    return percentiles.loc[:, percentiles.notna().any()]


def profile_heatmap(
    percentiles: pd.DataFrame,
    *,
    names: pd.Series | None = None,
    ax: Axes | None = None,
    cmap: str = "RdBu_r",
    annotate: bool = True,
) -> Axes:
    """Segments x features: where each segment's typical (median) account stands among
    all accounts, as a percentile (50 = the base median; red above, blue below).

    ``percentiles`` is ``Segmenter.percentiles_``; ``names`` (``Segmenter.names_``)
    labels the rows.
    """
    ax = axes(ax)
    table = _percentile_table(percentiles)
    titled(
        ax,
        "Segment profiles: percentile of the segment median among all accounts",
        "feature",
        "segment",
    )
    if table.empty:
        no_data(ax, "no profile features")
        return ax
    values = table.to_numpy(dtype="float64")
    image = ax.imshow(values, cmap=cmap, vmin=0, vmax=100, aspect="auto")
    ax.set_xticks(np.arange(table.shape[1]), [feature_label(c) for c in table.columns])
    ax.tick_params(axis="x", labelrotation=40)
    for label in ax.get_xticklabels():
        label.set_horizontalalignment("right")
    ax.set_yticks(np.arange(table.shape[0]), _segment_labels(table.index, names))
    if annotate:
        for (i, j), value in np.ndenumerate(values):
            if np.isfinite(value):
                dark = abs(value - 50) > 30
                ax.text(
                    j,
                    i,
                    f"{value:.0f}",
                    ha="center",
                    va="center",
                    fontsize="small",
                    color="white" if dark else "black",
                )
    bar = ax.figure.colorbar(image, ax=ax, fraction=0.04, pad=0.02)
    bar.set_label("percentile among all accounts")
    return ax


def snake_plot(
    percentiles: pd.DataFrame,
    *,
    names: pd.Series | None = None,
    ax: Axes | None = None,
) -> Axes:
    """The profiles as lines ("snake plot"): one line per segment across the features,
    at the percentile of its median among all accounts; the dashed line is the base median.

    ``percentiles`` is ``Segmenter.percentiles_``; ``names`` labels the legend.
    """
    ax = axes(ax)
    table = _percentile_table(percentiles)
    titled(
        ax,
        "Segment profiles (snake plot)",
        "feature",
        "percentile of the segment median among all accounts",
    )
    if table.empty:
        no_data(ax, "no profile features")
        return ax
    x = np.arange(table.shape[1])
    ax.axhline(50, color="0.6", linestyle="--", linewidth=1, label="all accounts (median)")
    for seg, label in zip(table.index, _segment_labels(table.index, names), strict=True):
        ax.plot(
            x,
            table.loc[seg].to_numpy(dtype="float64"),
            marker="o",
            color=segment_colour(seg),
            label=label,
        )
    ax.set_xticks(x, [feature_label(c) for c in table.columns])
    ax.tick_params(axis="x", labelrotation=40)
    for label in ax.get_xticklabels():
        label.set_horizontalalignment("right")
    ax.set_ylim(0, 100)
    legend(ax, "center left", bbox_to_anchor=(1.01, 0.5))
    return ax


def segment_scatter(
    projection: pd.DataFrame,
    *,
    ax: Axes | None = None,
    max_points: int = 5_000,
    random_state: int = 0,
    alpha: float = 0.6,
) -> Axes:
    """The accounts on the first two principal components of the segmentation features,
    coloured by segment.

    ``projection`` is ``Segmenter.project()`` (``component_1``, ``component_2``,
    ``segment``, ``segment_name``; its ``attrs`` give each component's share of the
    variance and main features, for the axis labels). Above ``max_points`` accounts a
    random sample of that size is drawn, so the chart stays readable and quick.
    """
    ax = axes(ax)
    ax.set_title("Accounts by segment, on the first two principal components")
    explained = projection.attrs.get("explained", [np.nan, np.nan])
    loadings = projection.attrs.get("loadings", ["", ""])
    for set_label, i in ((ax.set_xlabel, 0), (ax.set_ylabel, 1)):
        share = f" ({explained[i]:.0%} of variance)" if np.isfinite(explained[i]) else ""
        main = ", ".join(feature_label(f.strip()) for f in loadings[i].split(",") if f.strip())
        set_label(f"component {i + 1}{share}" + (f"\nmostly {main}" if main else ""))
    if projection.empty:
        no_data(ax, "no accounts")
        return ax
    shown = projection
    if len(projection) > max_points:
        shown = projection.sample(max_points, random_state=random_state)
    counts = projection["segment"].value_counts()
    for seg in sorted(projection["segment"].unique()):
        rows = shown[shown["segment"] == seg]
        name = projection.loc[projection["segment"] == seg, "segment_name"].iloc[0]
        ax.scatter(
            rows["component_1"],
            rows["component_2"],
            s=12,
            alpha=alpha,
            color=segment_colour(seg),
            label=f"{seg}: {name} ({counts[seg]:,})",
            edgecolors="none",
        )
    if len(shown) < len(projection):
        ax.plot([], [], " ", label=f"{len(shown):,} of {len(projection):,} accounts shown")
    legend(ax, "best", markerscale=1.5)
    return ax


def segment_shares(
    profiles: pd.DataFrame,
    *,
    ax: Axes | None = None,
) -> Axes:
    """Per segment, its share of the accounts next to its share of revenue (and of gross
    margin when known): a small share of accounts with a large share of revenue is where
    key accounts are found.

    ``profiles`` is ``Segmenter.profiles_`` (``segment_name``, ``share_of_accounts``
    and, when known, ``share_of_revenue``, ``share_of_margin``).
    """
    ax = axes(ax)
    titled(
        ax, "Share of accounts vs share of revenue, by segment", "share of the total (%)", "segment"
    )
    columns = [
        (c, label, shade)
        for c, label, shade in (
            ("share_of_accounts", "accounts", "0.7"),
            ("share_of_revenue", "net revenue", BAR),
            ("share_of_margin", "gross margin", "#55a868"),
        )
        if c in profiles.columns and profiles[c].notna().any()
    ]
    if profiles.empty or not columns:
        no_data(ax, "no segments")
        return ax
    positions = np.arange(len(profiles))[::-1]  # segment 1 at the top
    height = 0.8 / len(columns)
    for j, (col, label, shade) in enumerate(columns):
        y = positions + 0.4 - height * (j + 0.5)
        values = profiles[col].to_numpy(dtype="float64") * 100
        ax.barh(y, values, height=height, color=shade, label=label)
        for yi, v in zip(y, values, strict=True):
            if np.isfinite(v):
                ax.annotate(f" {v:.0f}%", (max(v, 0), yi), va="center", fontsize="x-small")
    names = profiles["segment_name"] if "segment_name" in profiles.columns else None
    ax.set_yticks(positions, _segment_labels(profiles.index, names))
    ticks(ax, "x", percent=True)
    top = np.nanmax([profiles[c].max() for c, _, _ in columns]) * 100
    ax.set_xlim(min(0, np.nanmin([profiles[c].min() for c, _, _ in columns]) * 100), top * 1.15)
    legend(ax, "lower right")
    return ax
