"""Presenting results to people: sentences, number and money formats, tables shaped and
labelled for reading. Nothing here computes a result the domain does not already give.

- :mod:`kamlab.presentation.format`: money, percentages and counts, one way everywhere;
- :mod:`kamlab.presentation.labels`: the reader's label and the kind (money, share,
  count...) of every column name;
- :mod:`kamlab.presentation.tables`: :func:`for_reader`, any table labelled and
  formatted for a reader (HTML and text), and :func:`describe_for_reader`;
- :mod:`kamlab.presentation.explore`: the first look at the data in sentences;
- :mod:`kamlab.presentation.value`: the value notebook's tables and sentences (P&L
  statement, whale headline, model parameters, value, uplift, watch list);
- :mod:`kamlab.presentation.portfolio`: criteria, key accounts, exit candidates, the
  movement and the allocation of hours in sentences, one Markdown page per key account;
- :mod:`kamlab.presentation.uplift`: the uplift table ``kamlab uplift`` writes;
- :mod:`kamlab.presentation.segments`: a fitted segmentation in a few lines;
- :mod:`kamlab.presentation.executive`: the executive summary's headline numbers.

The formats (``money``, ``percent``, ``count``), ``label``, ``for_reader``,
``describe_for_reader`` and the few sentences of the summary are
exported here; import the other modules themselves, e.g. ``from kamlab.presentation
import value as pv`` (each is imported on first use).
"""

from kamlab.lazy import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(
    __name__,
    {
        "kamlab.presentation.executive": [
            "declining_sentence",
            "headline_table",
            "key_accounts_at_risk",
        ],
        "kamlab.presentation.explore": ["describe_concentration"],
        "kamlab.presentation.format": ["count", "money", "percent"],
        "kamlab.presentation.labels": ["LABELS", "Label", "kind_of", "label"],
        "kamlab.presentation.tables": ["ReaderTable", "describe_for_reader", "for_reader"],
    },
)
