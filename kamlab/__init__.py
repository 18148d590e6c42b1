"""kamlab: Key Account Management analytics.

Read customer data whatever its layout (:func:`read_transactions`,
:func:`read_accounts`), summarise it per account (:func:`summarize`,
:func:`period_panel`), and generate a realistic sample portfolio
(:func:`kamlab.datasets.make_sample`); segment, value and retention models
(:class:`Segmenter`, :func:`customer_value`, :func:`retention_uplift`); and the key
account portfolio (:func:`build_portfolio`, :func:`allocate_hours`).
"""

from kamlab.lazy import lazy_exports

__version__ = "0.1.0"

__getattr__, __dir__, __all__ = lazy_exports(
    __name__,
    {
        "kamlab.errors": ["ConfigError", "InputError", "KamlabError", "MissingColumnError"],
        "kamlab.io": [
            "Accounts",
            "Transactions",
            "read_accounts",
            "read_contacts",
            "read_transactions",
        ],
        "kamlab.models": [
            "BetaGeo",
            "ConvergenceWarning",
            "GammaGamma",
            "ModifiedBetaGeo",
            "ParetoNBD",
            "ShiftedBetaGeometric",
        ],
        "kamlab.portfolio": ["Portfolio", "allocate_hours", "build_portfolio", "load_criteria"],
        "kamlab.segment": ["Segmenter", "StabilityWarning", "account_features", "transitions"],
        "kamlab.summary": ["period_panel", "summarize"],
        "kamlab.value": [
            "CostRates",
            "customer_pnl",
            "customer_value",
            "load_cost_rates",
            "retention_uplift",
            "watch_list",
            "watch_lists",
            "whale_curve",
            "whale_summary",
        ],
    },
)
