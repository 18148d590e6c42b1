"""kamlab: Key Account Management analytics.

Read customer data whatever its layout (:func:`read_transactions`,
:func:`read_accounts`), summarise it per account (:func:`summarize`,
:func:`period_panel`), and generate a realistic sample portfolio
(:func:`kamlab.datasets.make_sample`); segment, value and retention models
(:class:`Segmenter`, :func:`customer_value`, :func:`retention_uplift`); and the key
account portfolio (:func:`build_portfolio`, :func:`allocate_hours`).
"""

from kamlab.errors import ConfigError, InputError, KamlabError, MissingColumnError
from kamlab.io import Accounts, Transactions, read_accounts, read_transactions
from kamlab.models import (
    BetaGeo,
    ConvergenceWarning,
    GammaGamma,
    ModifiedBetaGeo,
    ParetoNBD,
    ShiftedBetaGeometric,
)
from kamlab.portfolio import Portfolio, allocate_hours, build_portfolio, load_criteria
from kamlab.segment import Segmenter, StabilityWarning, account_features, transitions
from kamlab.summary import period_panel, summarize
from kamlab.value import (
    CostRates,
    customer_pnl,
    customer_value,
    load_cost_rates,
    retention_uplift,
    watch_list,
    whale_curve,
    whale_summary,
)

__version__ = "0.1.0"

__all__ = [
    "Portfolio",
    "allocate_hours",
    "build_portfolio",
    "load_criteria",
    "BetaGeo",
    "ConvergenceWarning",
    "ModifiedBetaGeo",
    "GammaGamma",
    "ParetoNBD",
    "ShiftedBetaGeometric",
    "customer_value",
    "retention_uplift",
    "watch_list",
    "Segmenter",
    "StabilityWarning",
    "account_features",
    "transitions",
    "CostRates",
    "customer_pnl",
    "load_cost_rates",
    "whale_curve",
    "whale_summary",
    "Accounts",
    "ConfigError",
    "InputError",
    "KamlabError",
    "MissingColumnError",
    "Transactions",
    "period_panel",
    "read_accounts",
    "read_transactions",
    "summarize",
]
