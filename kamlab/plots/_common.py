"""Helpers shared by the chart modules: colours, axes, tick labels."""

from __future__ import annotations

import matplotlib.pyplot as plt
from matplotlib.axes import Axes

BAR = "#4c72b0"  # seaborn "deep" blue
RETURN = "#c44e52"  # seaborn "deep" red
LINE = "#222222"


def axes(ax: Axes | None) -> Axes:
    """``ax``, or the current axes when ``None``."""
    return plt.gca() if ax is None else ax


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
