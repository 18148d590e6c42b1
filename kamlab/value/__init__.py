"""Customer value: the customer P&L with cost to serve, and the whale curve.

:func:`customer_pnl` builds one P&L row per account (gross sales to contribution,
cost to serve by activity-based costing with rates from :func:`load_cost_rates`);
:func:`whale_curve` and :func:`whale_summary` rank the accounts by contribution and
measure how much profit the best earn and the worst destroy.
"""

from kamlab.value.pnl import (
    PNL_COLUMNS,
    TRANSACTION_DRIVERS,
    CostRates,
    cost_lines,
    customer_pnl,
    load_cost_rates,
)
from kamlab.value.whale import describe_whale, whale_curve, whale_summary

__all__ = [
    "PNL_COLUMNS",
    "TRANSACTION_DRIVERS",
    "CostRates",
    "cost_lines",
    "customer_pnl",
    "describe_whale",
    "load_cost_rates",
    "whale_curve",
    "whale_summary",
]
