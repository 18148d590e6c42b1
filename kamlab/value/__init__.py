"""Customer value: the customer P&L with cost to serve, the whale curve, lifetime value,
the retention-driven profit uplift and the churn watch list.

:func:`customer_pnl` builds one P&L row per account (gross sales to contribution,
cost to serve by activity-based costing with rates from :func:`load_cost_rates`);
:func:`whale_curve` and :func:`whale_summary` rank the accounts by contribution and
measure how much profit the best earn and the worst destroy.
"""

from kamlab.value.churn import watch_list
from kamlab.value.clv import CustomerValue, contract_value, customer_value
from kamlab.value.pnl import (
    PNL_COLUMNS,
    TRANSACTION_DRIVERS,
    CostRates,
    cost_lines,
    customer_pnl,
    load_cost_rates,
)
from kamlab.value.uplift import RetentionUplift, gupta_lehmann_clv, retention_uplift
from kamlab.value.whale import describe_whale, whale_curve, whale_summary

__all__ = [
    "CustomerValue",
    "RetentionUplift",
    "contract_value",
    "customer_value",
    "gupta_lehmann_clv",
    "retention_uplift",
    "watch_list",
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
