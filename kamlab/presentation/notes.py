"""What a section left out and why, in one plain sentence each (thin inputs: a missing
accounts column, too little history, a model that could not be fitted in time)."""

from __future__ import annotations

import pandas as pd

__all__ = ["column_missing", "left_out", "no_previous_period"]


def _column_words(column: str) -> str:
    return column.replace("_", " ").capitalize()


def column_missing(column: str, consequence: str) -> str:
    """``Industry is not in the accounts file, so <consequence>.``"""
    return f"{_column_words(column)} is not in the accounts file, so {consequence}."


def left_out(what: str, why: str) -> str:
    """``<What> is left out: <why>.`` (``what`` a noun phrase, ``why`` a reason)."""
    return f"{what[:1].upper()}{what[1:]} is left out: {why}."


def no_previous_period(until: str) -> str:
    """The comparison with the previous period, left out for a short history."""
    day = pd.Timestamp(until)
    return left_out(
        "the comparison with the previous period",
        f"the data hold no sales in the 12 months to {day.day} {day:%B %Y}, so there is "
        "nothing to compare with",
    )
