"""Helpers shared by the chart modules: colours, axes, titles, legends, notes, tick labels.

Used inside :mod:`kamlab.plots` only; a chart function still takes and returns an Axes.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.ticker import FuncFormatter, PercentFormatter

BAR = "#4c72b0"  # seaborn "deep" blue
RETURN = "#c44e52"  # seaborn "deep" red
LINE = "#222222"


def axes(ax: Axes | None) -> Axes:
    """``ax``, or the current axes when ``None``."""
    return plt.gca() if ax is None else ax


def titled(ax: Axes, title: str, xlabel: str | None = None, ylabel: str | None = None) -> Axes:
    """Set the title and, when given, the axis labels (which say their units)."""
    ax.set_title(title)
    if xlabel is not None:
        ax.set_xlabel(xlabel)
    if ylabel is not None:
        ax.set_ylabel(ylabel)
    return ax


def legend(ax: Axes, loc: str | None = None, **kwargs):
    """The house legend: no frame, small type; ``loc`` as matplotlib's (its default
    when ``None``)."""
    if loc is not None:
        kwargs["loc"] = loc
    return ax.legend(frameon=False, fontsize="small", **kwargs)


def note(ax: Axes, text: str, xy, offset: tuple[float, float], **kwargs):
    """Annotate ``xy`` with ``text`` placed ``offset`` points away, in small type."""
    return ax.annotate(
        text, xy, xytext=offset, textcoords="offset points", **{"fontsize": "small", **kwargs}
    )


def ticks(ax: Axes, which: str = "y", *, percent: bool = False) -> None:
    """Tick labels of ``which`` axis ("x", "y" or "xy"): :func:`thousands` (1,234 / 12k /
    4.5M), or, ``percent``, percentages of 100."""
    for name in which:
        axis = getattr(ax, f"{name}axis")
        axis.set_major_formatter(PercentFormatter() if percent else FuncFormatter(thousands))


def thousands(value: float, _pos=None) -> str:
    """Tick label: 1,234 / 12.3k / 4.5M."""
    size = abs(value)
    if size >= 1e6:
        return f"{value / 1e6:,.1f}M"
    if size >= 1e4:
        return f"{value / 1e3:,.0f}k"
    return f"{value:,.0f}"


def no_data(ax: Axes, message: str) -> None:
    """Write ``message`` in the middle of an empty chart."""
    ax.text(0.5, 0.5, message, ha="center", va="center", transform=ax.transAxes, color="0.4")


_OFFSETS = [
    (6, 6),
    (6, -10),
    (-6, 6),
    (-6, -10),
    (10, 0),
    (-10, 0),
    (0, 12),
    (0, -14),
    (14, 14),
    (-14, 14),
    (14, -18),
    (-14, -18),
]  # points from the marker


def label_points(ax: Axes, xs, ys, texts, *, fontsize: float = 7) -> None:
    """Name points without labels overlapping where it can be helped: each label takes
    the first of a few positions around its point whose box overlaps no label already
    placed (else the least-overlapping one). Texts are drawn literally (no mathtext)."""
    renderer = ax.figure.canvas.get_renderer()
    placed = []
    for x, y, text in zip(xs, ys, texts, strict=True):
        best, best_overlap = None, None
        for dx, dy in _OFFSETS:
            ann = ax.annotate(
                str(text),
                (x, y),
                xytext=(dx, dy),
                textcoords="offset points",
                fontsize=fontsize,
                color="0.15",
                ha="left" if dx >= 0 else "right",
                parse_math=False,
            )
            box = ann.get_window_extent(renderer)
            overlap = sum(
                max(0, min(box.x1, b.x1) - max(box.x0, b.x0))
                * max(0, min(box.y1, b.y1) - max(box.y0, b.y0))
                for b in placed
            )
            if best is None or overlap < best_overlap:
                if best is not None:
                    best.remove()
                best, best_overlap, best_box = ann, overlap, box
            else:
                ann.remove()
            if overlap == 0:
                break
        placed.append(best_box)
