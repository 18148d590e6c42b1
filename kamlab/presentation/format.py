"""Numbers for people: money, percentages and counts, written one way everywhere.

    money(1234.4)                     -> "GBP 1,234"
    money(7_901_000, short=True)      -> "GBP 7.9m"   (three significant figures)
    percent(0.275)                    -> "28%"
    percent(0.275, digits=1, sign=True) -> "+27.5%"
    probability(0.003)                -> "<1%"      (">99%" for 0.997: never a certain 0 or 100)
    count(12345)                      -> "12,345"

and, for table cells (the currency or unit goes in the column's label, not the cell):

    amount(203098.0)                  -> "203,098"   (no pence at or above 1,000)
    amount(12.5)                      -> "12.50"
    points(0.002)                     -> "+0.2 pp"   (a change of shares)
    score(7.25)                       -> "7.3"
    hours(12.25)                      -> "12.3"      (whole hours and 100+ as integers)
    weeks(136.3)                      -> "136.3"     (one decimal always)
    number(1.234)                     -> "1.23"      (two decimals at most)
    day(pd.Timestamp("2026-07-01"))   -> "2026-07-01"

and for names in a sentence (Markdown-escaped):

    listed(["A", "B", "C"])           -> "A, B and C"
    listed(names, most=5)             -> "A, B, C, D, E and 3 more"

Every sentence, table label and page of the report that shows one of these uses this
module, so a change of style is made once.
"""

from __future__ import annotations

import math
import re

import pandas as pd

from kamlab.safe import markdown_text

__all__ = [
    "amount",
    "count",
    "day",
    "hours",
    "listed",
    "money",
    "number",
    "percent",
    "points",
    "probability",
    "score",
    "weeks",
]


def _missing(value) -> bool:
    try:
        return not math.isfinite(float(value))
    except (TypeError, ValueError):
        return True


def money(value: float, currency: str = "GBP", *, short: bool = False) -> str:
    """``value`` in ``currency``: whole units with thousands separators (``GBP 1,234``),
    or, ``short``, three significant figures with k / m (``GBP 7.9m``, ``GBP 412k``,
    ``GBP 950``). A missing value (NaN, infinite) reads ``n/a``; ``short`` keeps the
    currency in front (``GBP n/a``), as in a sentence."""
    if _missing(value):
        return f"{currency} n/a" if short else "n/a"
    if not short:
        return f"{currency} {value:,.0f}"
    size = abs(value)
    sign = "-" if value < 0 else ""
    if size >= 1e6:
        return f"{sign}{currency} {size / 1e6:.3g}m"
    if size >= 1e4:
        return f"{sign}{currency} {size / 1e3:.3g}k"
    return f"{sign}{currency} {size:,.0f}"


def percent(fraction: float, digits: int = 0, *, sign: bool = False) -> str:
    """A fraction as a percentage (0.275 -> ``28%``), ``digits`` decimals, ``sign``: with
    ``+`` in front of a positive one. Missing: ``n/a``."""
    if _missing(fraction):
        return "n/a"
    return _unsigned_zero(f"{fraction:{'+' if sign else ''}.{digits}%}")


def probability(p: float, *, sign: bool = False) -> str:
    """A probability as a whole percentage (0.83 -> ``83%``), except that one which would
    round to 0% or 100% without being 0 or 1 reads ``<1%`` or ``>99%``: a reader takes
    "P(alive) 0%" for certainty. ``sign``: as :func:`percent`. Missing: ``n/a``."""
    text = percent(p, 0, sign=sign)
    if not sign and text == "0%" and p > 0:
        return "<1%"
    if not sign and text == "100%" and p < 1:
        return ">99%"
    return text


def count(n: float, *, sign: bool = False) -> str:
    """A count (or any amount shown in whole units) with thousands separators:
    ``12,345``; ``sign``: ``+12`` / ``-3``. Missing: ``n/a``."""
    if _missing(n):
        return "n/a"
    return _unsigned_zero(f"{n:{'+' if sign else ''},.0f}")


def amount(value: float, *, sign: bool = False) -> str:
    """Money in a table cell, the currency being in the column's label: thousands
    separators, whole units at or above 1,000 (``203,098``) and for whole amounts (``0``,
    ``500``), pence otherwise (``12.50``). Missing: ``n/a``."""
    if not _missing(value) and float(value).is_integer():
        return _unsigned_zero(f"{float(value):{'+' if sign else ''},.0f}")
    return number(value, sign=sign)


def points(change: float, digits: int = 1) -> str:
    """A difference of two shares in percentage points, signed: 0.002 -> ``+0.2 pp``.
    Missing: ``n/a``."""
    if _missing(change):
        return "n/a"
    return _unsigned_zero(f"{change * 100:+.{digits}f} pp")


def score(value: float, *, sign: bool = False) -> str:
    """A 1-10 score with one decimal (``7.3``). Missing: ``n/a``."""
    if _missing(value):
        return "n/a"
    return _unsigned_zero(f"{value:{'+' if sign else ''}.1f}")


def hours(value: float, *, sign: bool = False) -> str:
    """Hours: one decimal below 100 (``12.3``), whole hours otherwise and for whole
    values (``1,250``, ``40``). Missing: ``n/a``."""
    if _missing(value):
        return "n/a"
    whole = abs(value) >= 100 or float(value).is_integer()
    return _unsigned_zero(f"{value:{'+' if sign else ''},.{0 if whole else 1}f}")


_SIGNED_ZERO = re.compile(r"^[+-](?=[0.,]+(?:%| pp)?$)")


def _unsigned_zero(text: str) -> str:
    """``-0.00``, ``+0%``, ``-0.0 pp`` -> ``0.00``, ``0%``, ``0.0 pp``: what rounds to zero
    has no sign."""
    return _SIGNED_ZERO.sub("", text)


def weeks(value: float, *, sign: bool = False) -> str:
    """A duration in weeks, one decimal always, so a column lines up (``6.9``, ``136.3``,
    ``87.0``). Missing: ``n/a``."""
    if _missing(value):
        return "n/a"
    return _unsigned_zero(f"{value:{'+' if sign else ''},.1f}")


def number(value: float, *, sign: bool = False) -> str:
    """A ratio or other plain number: two decimals at most (``1.23``), whole units with
    thousands separators at or above 1,000. Missing: ``n/a``."""
    if _missing(value):
        return "n/a"
    digits = 0 if abs(value) >= 999.995 else 2
    return _unsigned_zero(f"{value:{'+' if sign else ''},.{digits}f}")


def day(value) -> str:
    """A date as ``YYYY-MM-DD`` (time of day dropped). Missing: ``n/a``."""
    try:
        stamp = pd.Timestamp(value)
    except (TypeError, ValueError):
        return str(value)
    if stamp is pd.NaT or pd.isna(stamp):
        return "n/a"
    return stamp.strftime("%Y-%m-%d")


def day_in_words(value) -> str:
    """A date as a reader says it: ``1 July 2026`` (no leading zero)."""
    stamp = pd.Timestamp(value)
    return f"{stamp.day} {stamp:%B %Y}"


def listed(names: list[str], most: int = 5) -> str:
    """Names for a Markdown sentence, each escaped: ``a, b and c``; beyond ``most``,
    ``a, b, ... and 3 more``."""
    names = [markdown_text(n) for n in names]
    if len(names) > most:
        names = [*names[:most], f"{count(len(names) - most)} more"]
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"
