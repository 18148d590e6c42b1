"""Customer value: the customer P&L with cost to serve, the whale curve, lifetime value,
the retention-driven profit uplift and the churn watch list.

:func:`customer_pnl` builds one P&L row per account (gross sales to contribution,
cost to serve by activity-based costing with rates from :func:`load_cost_rates`);
:func:`whale_curve` and :func:`whale_summary` rank the accounts by contribution and
measure how much profit the best earn and the worst destroy.
"""

from kamlab.lazy import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(
    __name__,
    {
        "kamlab.value.churn": ["WatchLists", "watch_list", "watch_lists"],
        "kamlab.value.clv": ["CustomerValue", "clv_inputs", "contract_value", "customer_value"],
        "kamlab.value.pnl": [
            "PNL_COLUMNS",
            "TRANSACTION_DRIVERS",
            "CostRates",
            "cost_lines",
            "customer_pnl",
            "load_cost_rates",
        ],
        "kamlab.value.uplift": ["RetentionUplift", "gupta_lehmann_clv", "retention_uplift"],
        "kamlab.value.whale": ["whale_curve", "whale_summary"],
    },
)
