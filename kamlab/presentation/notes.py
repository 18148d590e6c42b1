"""What a section left out and why, in one plain sentence each (thin inputs: a missing
accounts column, too little history, a model that could not be fitted in time)."""

from __future__ import annotations

import pandas as pd

from kamlab.presentation.format import day_in_words
from kamlab.words import counted

__all__ = [
    "assumed_cost_of_goods",
    "column_missing",
    "left_out",
    "no_previous_period",
    "period_to_date",
    "short_account_history",
    "short_history",
]


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
    return left_out(
        "the comparison with the previous period",
        f"the data hold no sales in the 12 months to {day_in_words(until)}, so there is "
        "nothing to compare with",
    )


def short_history(first_date, last_date, until, previous_until) -> str | None:
    """A warning when the data begin inside the 12-month windows being compared: the
    windows then hold fewer months of sales, and a change between them is partly where the
    data begin. None when both windows are covered."""
    first, last = pd.Timestamp(first_date).normalize(), pd.Timestamp(last_date)

    def start(end) -> pd.Timestamp:
        return pd.Timestamp(end) - pd.DateOffset(months=12) + pd.Timedelta(days=1)

    if first <= start(previous_until):
        return None

    def months(end) -> int:
        days = (min(pd.Timestamp(end), last) - max(first, start(end))).days + 1
        return round(min(12.0, max(0.0, days / (365.25 / 12))))

    return (
        f"The data begin on {day_in_words(first)}: the 12 months to {day_in_words(until)} hold "
        f"{counted(months(until), 'month')} of sales and the previous period's 12 months to "
        f"{day_in_words(previous_until)} hold {months(previous_until)}, so a change from the "
        "previous period is partly where the data begin, not how the business moved."
    )


def period_to_date(until, asked_until) -> str | None:
    """Why the figures end before the period does: the data end earlier (None when they
    reach the period's end)."""
    if asked_until is None or pd.Timestamp(until) >= pd.Timestamp(asked_until):
        return None
    gap = (pd.Timestamp(asked_until) - pd.Timestamp(until)).days
    return (
        f"The data end on {day_in_words(until)}, {counted(gap, 'day')} before the period does "
        f"({day_in_words(asked_until)}): every figure is to {day_in_words(until)}, the period "
        "to date, so that no account looks quiet for days the data do not cover."
    )


def assumed_cost_of_goods(table: pd.DataFrame) -> str | None:
    """What the customer P&L assumed for lines without a cost, for the reader, from its
    ``attrs["cost_of_goods_assumed"]`` (:func:`kamlab.customer_pnl`, handed on to the
    portfolio table); None when every line had a cost."""
    assumed = table.attrs.get("cost_of_goods_assumed") or {}
    some, of, share = (assumed.get(k) for k in ("accounts", "of", "margin_share"))
    if not some:
        return None
    where = "" if some == of else f" for lines of {some:,} of the {of:,} accounts"
    return (
        f"The data give no cost of goods{where}: it is assumed at {1 - share:.0%} of net "
        f"revenue (a gross margin of {share:.0%}; give your own with --cost-rates), so gross "
        "margin and contribution are estimates."
    )


def short_account_history(shown: int, asked: int, first_date) -> str:
    """Why the key account pages show fewer quarters of history than asked for."""
    return (
        f"Each page shows {shown} of the {asked} quarters of history asked for: the data begin "
        f"on {day_in_words(first_date)}, and a quarter is shown only when the 12 months to its end "
        "hold sales."
    )
