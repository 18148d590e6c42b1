"""Charts of the relationship: the buyer's view and relationship stages.

Axes-level, seaborn style: each takes a kamlab table, draws on ``ax`` (the current
axes when ``None``, except the radar, see :func:`buyer_radar`), titles and labels it and
returns it; none shows or saves. Inputs: :func:`kamlab.portfolio.buyer.buyer_scorecard`
for the buyer charts; a table with ``box`` and ``stage`` columns (the portfolio matrix
joined with :func:`kamlab.portfolio.stages.assess_stages`) for the stage charts.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.patches import Patch, Rectangle
from matplotlib.ticker import MaxNLocator

from kamlab.plots._common import BAR, LINE, RETURN, axes, legend, no_data, note, titled
from kamlab.portfolio.buyer import HEADING_LABELS, HEADINGS
from kamlab.portfolio.stages import GAP_RULES, STAGES, stage_crosstab

__all__ = ["buyer_heatmap", "buyer_radar", "stage_box_heatmap", "stage_distribution"]

_GAP_COLOURS = {"under-developed": RETURN, "over-invested": "#dd8452"}  # deep red / orange


def _short(label: str, width: int = 32) -> str:
    return label if len(label) <= width else label[: width - 1] + "…"


def _names(scorecard: pd.DataFrame, names: pd.Series | dict | None) -> pd.Series:
    """Display name per account: ``names``, else ``account_name``, else the id (plain text)."""
    shown = pd.Series(scorecard.index.astype("string"), index=scorecard.index)
    if "account_name" in scorecard.columns:
        shown = scorecard["account_name"].astype("string").fillna(shown)
    if names is not None:
        given = pd.Series(names)
        given.index = given.index.astype("string")
        given = given.astype("string").reindex(scorecard.index.astype("string"))
        shown = pd.Series(given.to_numpy(), index=scorecard.index).fillna(shown)
    return shown


def _heading_table(scorecard: pd.DataFrame) -> pd.DataFrame:
    missing = [h for h in HEADINGS if h not in scorecard.columns]
    if missing:
        raise ValueError(
            f"not a buyer scorecard: no column(s) {', '.join(missing)}; build it with "
            "kamlab.portfolio.buyer.buyer_scorecard()"
        )
    return scorecard[list(HEADINGS)].astype("float64")


def _polar(ax: Axes | None) -> Axes:
    """A polar axes: new figure when ``None``; an empty Cartesian one is swapped in place."""
    if ax is None:
        _, ax = plt.subplots(subplot_kw={"projection": "polar"})
        return ax
    if ax.name == "polar":
        return ax
    spec = ax.get_subplotspec()
    if spec is None or ax.has_data():
        raise ValueError(
            "buyer_radar needs polar axes: create them with "
            "plt.subplots(subplot_kw={'projection': 'polar'}) (an empty grid axes is "
            "replaced automatically)"
        )
    figure = ax.figure
    ax.remove()
    return figure.add_subplot(spec, projection="polar")


# --------------------------------------------------------------------------- buyer


def buyer_radar(
    scorecard: pd.DataFrame,
    account,
    *,
    ax: Axes | None = None,
    names: pd.Series | dict | None = None,
) -> Axes:
    """Radar of one account's six buyer-heading scores (1-10) against the portfolio mean.

    ``scorecard`` is :func:`~kamlab.portfolio.buyer.buyer_scorecard` output and
    ``account`` an account id in its index; the dashed line is the mean of every account
    in the scorecard. The weakest heading is marked in red and the title names the
    account (``names``: id -> name, else ``account_name``, else the id) and its weakest
    heading (the first of ties, as in the scorecard).

    The radar needs polar axes: with ``ax=None`` a new figure with one polar axes is
    made; an empty Cartesian axes from a grid (``plt.subplots``) is replaced by a polar
    one in the same place; other axes raise ``ValueError``. Use the returned Axes.
    """
    scores = _heading_table(scorecard)
    key = str(account)
    index = scorecard.index.astype("string")
    if key not in set(index):
        raise KeyError(f"account {account!r} is not in the scorecard")
    ax = _polar(ax)
    row = scores.iloc[int(np.flatnonzero(index == key)[0])]
    label = str(_names(scorecard, names).iloc[int(np.flatnonzero(index == key)[0])])
    mean = scores.mean()

    angles = np.linspace(0, 2 * np.pi, len(HEADINGS), endpoint=False)
    closed = np.append(angles, angles[0])
    ax.set_theta_offset(np.pi / 2)
    ax.set_theta_direction(-1)
    ax.set_xticks(angles, [HEADING_LABELS[h].removeprefix("Supplier ") for h in HEADINGS])
    ax.set_ylim(0, 10)
    ax.set_yticks([2, 4, 6, 8, 10], ["2", "4", "6", "8", "10"], color="0.4", fontsize="small")
    ax.set_rlabel_position(90)
    ax.set_xlabel("supplier-management heading")
    ax.set_ylabel("score (1 against our plan - 10 for it)", labelpad=38)

    ring = np.append(mean.to_numpy(), mean.iloc[0])
    ax.plot(closed, ring, color="0.45", linestyle="--", linewidth=1.2, label="portfolio mean")
    values = row.to_numpy(dtype="float64")
    ring = np.append(values, values[0])
    ax.plot(closed, ring, color=BAR, linewidth=2, marker="o", label=_short(label, 40))
    ax.fill(closed, np.nan_to_num(np.append(values, values[0])), color=BAR, alpha=0.15)

    title = f"Buyer's view: {_short(label, 48)}"
    if np.isfinite(values).any():
        weakest = int(np.nanargmin(values))  # first of ties, as in buyer_scorecard
        name = HEADING_LABELS[HEADINGS[weakest]].lower()
        ax.plot(
            [angles[weakest]],
            [values[weakest]],
            "o",
            color=RETURN,
            markersize=11,
            zorder=5,
            label=f"weakest: {name}",
        )
        title += f"\nweakest: {name} ({values[weakest]:g}/10)"
    else:
        no_data(ax, "no scores for this account")
    ax.set_title(title, pad=18)
    legend(ax, "upper center", bbox_to_anchor=(0.5, -0.14))
    return ax


def buyer_heatmap(
    scorecard: pd.DataFrame,
    *,
    ax: Axes | None = None,
    names: pd.Series | dict | None = None,
    top: int | None = None,
    sort: bool = True,
    cmap: str = "RdYlGn",
) -> Axes:
    """Accounts (rows) x the six headings: scores 1-10 written in the cells.

    Rows are sorted by mean score, lowest first (the accounts whose buyer's plans most
    threaten ours) unless ``sort=False``; ``top`` keeps the first ``top`` rows. Each
    row's weakest heading is outlined. Red is 1 (against our plan), green 10.
    """
    ax = axes(ax)
    scores = _heading_table(scorecard)
    labels = _names(scorecard, names)
    if sort:
        mean = scores.mean(axis=1)
        order = np.argsort(mean.fillna(np.inf).to_numpy(), kind="stable")
        scores, labels = scores.iloc[order], labels.iloc[order]
    if top is not None:
        scores, labels = scores.head(top), labels.head(top)
    shown = f"{len(scores)} of {len(scorecard)}" if len(scores) < len(scorecard) else "all"
    order_note = ", weakest first" if sort else ""
    titled(
        ax,
        f"Buyer's view by account ({shown} accounts{order_note})",
        "supplier-management heading",
        "account",
    )
    if scores.empty:
        no_data(ax, "no accounts")
        return ax
    values = scores.to_numpy()
    image = ax.imshow(values, cmap=cmap, vmin=1, vmax=10, aspect="auto")
    ax.set_xticks(np.arange(len(HEADINGS)), [HEADING_LABELS[h] for h in HEADINGS])
    ax.tick_params(axis="x", labelrotation=30)
    for tick in ax.get_xticklabels():
        tick.set_horizontalalignment("right")
    ax.set_yticks(np.arange(len(scores)), [_short(str(x)) for x in labels])
    whole = np.all(np.isnan(values) | (values == np.round(values)))
    if len(scores) <= 40:
        for (i, j), v in np.ndenumerate(values):
            if np.isfinite(v):
                text = f"{v:.0f}" if whole else f"{v:.1f}"
                dark = v <= 2.5 or v >= 8.5
                ax.text(
                    j,
                    i,
                    text,
                    ha="center",
                    va="center",
                    fontsize="small",
                    color="white" if dark else "black",
                )
    filled = np.where(np.isnan(values), np.inf, values)
    has = np.isfinite(filled).any(axis=1)
    rows = np.flatnonzero(has)
    cols = filled[has].argmin(axis=1)
    for i, j in zip(rows, cols, strict=True):
        ax.add_patch(Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, edgecolor=LINE, lw=2))
    bar = ax.figure.colorbar(image, ax=ax, fraction=0.04, pad=0.02)
    bar.set_label("score (1 against our plan - 10 for it)")
    return ax


# --------------------------------------------------------------------------- stages


def stage_box_heatmap(
    table: pd.DataFrame,
    *,
    ax: Axes | None = None,
    box_column: str = "box",
    stage_column: str = "stage",
    cmap: str = "Blues",
) -> Axes:
    """Number of accounts by portfolio box (rows) and relationship stage (columns).

    Gap cells (:data:`kamlab.portfolio.stages.GAP_RULES`: Strategic/Star still at
    Exploratory/Basic, Streamline at Interdependent/Integrated) are outlined, red for
    under-developed and orange for over-invested, whether or not they hold accounts.
    """
    ax = axes(ax)
    counts = stage_crosstab(table, box_column=box_column, stage_column=stage_column)
    titled(
        ax,
        "Relationship stage by portfolio box (gaps outlined)",
        "relationship stage",
        "portfolio box",
    )
    values = counts.to_numpy(dtype="float64")
    image = ax.imshow(values, cmap=cmap, vmin=0, vmax=max(1.0, values.max()), aspect="auto")
    ax.set_xticks(np.arange(len(STAGES)), list(STAGES))
    ax.tick_params(axis="x", labelrotation=25)
    for tick in ax.get_xticklabels():
        tick.set_horizontalalignment("right")
    ax.set_yticks(np.arange(len(counts)), [str(b) for b in counts.index])
    high = max(1.0, values.max())
    for (i, j), v in np.ndenumerate(values):
        ax.text(
            j,
            i,
            f"{v:.0f}",
            ha="center",
            va="center",
            fontsize="small",
            color="white" if v > 0.6 * high else "black",
        )
    kinds = set()
    for i, box in enumerate(counts.index):
        for j, stage in enumerate(STAGES):
            kind = GAP_RULES.get((str(box), stage))
            if kind:
                kinds.add(kind)
                colour = _GAP_COLOURS.get(kind, RETURN)
                ax.add_patch(
                    Rectangle((j - 0.45, i - 0.45), 0.9, 0.9, fill=False, edgecolor=colour, lw=2.5)
                )
    if kinds:
        handles = [
            Patch(facecolor="none", edgecolor=_GAP_COLOURS.get(k, RETURN), lw=2, label=k)
            for k in sorted(kinds, reverse=True)
        ]
        legend(ax, "upper center", handles=handles, bbox_to_anchor=(0.5, -0.3), ncol=len(handles))
    bar = ax.figure.colorbar(image, ax=ax, fraction=0.04, pad=0.02)
    bar.set_label("accounts")
    if values.sum() == 0:
        no_data(ax, "no accounts with a box and a stage")
    return ax


def stage_distribution(
    table: pd.DataFrame | pd.Series,
    *,
    ax: Axes | None = None,
    stage_column: str = "stage",
) -> Axes:
    """Bars of the number of accounts per relationship stage, least developed first.

    ``table`` is :func:`~kamlab.portfolio.stages.assess_stages` output (or a Series of
    stages). When it has a ``declining`` column, the declining accounts of each stage
    are stacked on top in red.
    """
    ax = axes(ax)
    if isinstance(table, pd.Series):
        stage, declining = table, None
    else:
        if stage_column not in table.columns:
            raise ValueError(f"no {stage_column!r} column: pass assess_stages() output")
        stage = table[stage_column]
        declining = table["declining"] if "declining" in table.columns else None
    stage = pd.Categorical(stage.astype("string"), categories=list(STAGES), ordered=True)
    x = np.arange(len(STAGES))
    titled(
        ax,
        "Relationship stages of the accounts",
        "relationship stage (least developed first)",
        "accounts",
    )
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xticks(x, list(STAGES))
    ax.tick_params(axis="x", labelrotation=20)
    fall = np.zeros(len(STAGES))
    if declining is not None:
        mask = declining.fillna(False).to_numpy(dtype=bool)
        fall = pd.Series(stage[mask]).value_counts().reindex(list(STAGES), fill_value=0)
        fall = fall.to_numpy(dtype="float64")
    total = pd.Series(stage).value_counts().reindex(list(STAGES), fill_value=0)
    total = total.to_numpy(dtype="float64")
    if total.sum() == 0:
        no_data(ax, "no accounts with a stage")
        return ax
    steady = total - fall
    ax.bar(x, steady, color=BAR, label="steady or improving" if fall.any() else "accounts")
    if fall.any():
        ax.bar(x, fall, bottom=steady, color=RETURN, label="declining")
        legend(ax)
    for xi, n in zip(x, total, strict=True):
        note(ax, f"{n:.0f}", (xi, n), (0, 3), ha="center")
    ax.set_ylim(0, total.max() * 1.12)
    return ax
