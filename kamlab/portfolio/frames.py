"""Building a portfolio table column by column, without copying it."""

from __future__ import annotations

import pandas as pd

__all__ = ["add_columns"]


def add_columns(table: pd.DataFrame, columns: pd.DataFrame) -> pd.DataFrame:
    """``table`` with the columns of ``columns`` added in place, aligned on the index
    (missing rows NaN), and returned: what ``table.join(columns)`` gives for a one-row-per
    -account ``columns``, without ``join``'s copy of every column of ``table`` (at 1M
    accounts the table is hundreds of MB). A column ``table`` already has is a
    ``ValueError``, as with ``join``."""
    clash = table.columns.intersection(columns.columns)
    if len(clash):
        raise ValueError(f"columns overlap: {list(clash)}")
    for name, values in columns.items():
        table[name] = values
    return table
