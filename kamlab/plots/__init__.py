"""One function per chart, seaborn style: ``f(data, *, ax=None, ...) -> Axes``.

Each draws on ``ax`` (or a new figure's axes), titles and labels it, and never
shows or saves the figure. Grouped by the notebook that uses them.
"""

from kamlab.plots.allocation import allocation_chart, response_curves
from kamlab.plots.explore import (
    accounts_by,
    concentration_curve,
    interpurchase_histogram,
    monthly_revenue,
    quarantine_reasons,
)
from kamlab.plots.portfolio import box_summary, movement_heatmap, portfolio_matrix
from kamlab.plots.relationships import (
    buyer_heatmap,
    buyer_radar,
    stage_box_heatmap,
    stage_distribution,
)
from kamlab.plots.segments import (
    k_selection,
    profile_heatmap,
    segment_colour,
    segment_scatter,
    segment_shares,
    snake_plot,
)
from kamlab.plots.value import (
    contribution_by_account,
    cost_to_serve_breakdown,
    pnl_waterfall,
    probability_alive_heatmap,
    retention_curve,
    uplift_by_account,
    whale_curve,
)

__all__ = [
    "allocation_chart",
    "response_curves",
    "box_summary",
    "movement_heatmap",
    "portfolio_matrix",
    "buyer_heatmap",
    "buyer_radar",
    "stage_box_heatmap",
    "stage_distribution",
    "k_selection",
    "profile_heatmap",
    "segment_colour",
    "segment_scatter",
    "segment_shares",
    "snake_plot",
    "contribution_by_account",
    "cost_to_serve_breakdown",
    "pnl_waterfall",
    "probability_alive_heatmap",
    "retention_curve",
    "uplift_by_account",
    "whale_curve",
    "accounts_by",
    "concentration_curve",
    "interpurchase_histogram",
    "monthly_revenue",
    "quarantine_reasons",
]
