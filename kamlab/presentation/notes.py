"""What a section left out and why, in one plain sentence each (thin inputs: a missing
accounts column, too little history, a model that could not be fitted in time)."""

from __future__ import annotations

__all__ = ["column_missing", "left_out"]


def _column_words(column: str) -> str:
    return column.replace("_", " ").capitalize()


def column_missing(column: str, consequence: str) -> str:
    """``Industry is not in the accounts file, so <consequence>.``"""
    return f"{_column_words(column)} is not in the accounts file, so {consequence}."


def left_out(what: str, why: str) -> str:
    """``<What> is left out: <why>.`` (``what`` a noun phrase, ``why`` a reason)."""
    return f"{what[:1].upper()}{what[1:]} is left out: {why}."
