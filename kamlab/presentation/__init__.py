"""Presenting results to people: sentences, number and money formats, tables shaped and
labelled for reading. Nothing here computes a result the domain does not already give.

- :mod:`kamlab.presentation.format`: money, percentages and counts, one way everywhere;
- :mod:`kamlab.presentation.explore`: the first look at the data in sentences;
- :mod:`kamlab.presentation.value`: the value notebook's tables and sentences (P&L
  statement, whale headline, model parameters, value, uplift, watch list);
- :mod:`kamlab.presentation.portfolio`: criteria, key accounts, exit candidates, the
  movement and the allocation of hours in sentences, one Markdown page per key account;
- :mod:`kamlab.presentation.executive`: the executive summary's headline numbers.
"""

from kamlab._lazy import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(
    __name__,
    {
        "kamlab.presentation.executive": ["declining_sentence", "headline_table"],
        "kamlab.presentation.explore": ["describe_concentration"],
        "kamlab.presentation.format": ["count", "money", "percent"],
        "kamlab.presentation.portfolio": [
            "account_page",
            "criteria_table",
            "describe_allocation",
            "describe_key_changes",
            "describe_movement",
            "exit_candidates",
            "key_accounts",
        ],
        "kamlab.presentation.value": [
            "describe_uplift",
            "describe_value",
            "describe_whale",
            "pnl_statement",
            "whale_headline",
        ],
    },
)
