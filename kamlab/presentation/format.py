"""Numbers for people: money, percentages and counts, written one way everywhere.

    money(1234.4)                     -> "GBP 1,234"
    money(7_901_000, short=True)      -> "GBP 7.9m"   (three significant figures)
    percent(0.275)                    -> "28%"
    percent(0.275, digits=1, sign=True) -> "+27.5%"
    count(12345)                      -> "12,345"

Every sentence, table label and page of the report that shows one of these uses this
module, so a change of style is made once.
"""

from __future__ import annotations

import math

__all__ = ["count", "money", "percent"]


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
    return f"{fraction:{'+' if sign else ''}.{digits}%}"


def count(n: float, *, sign: bool = False) -> str:
    """A count (or any amount shown in whole units) with thousands separators:
    ``12,345``; ``sign``: ``+12`` / ``-3``. Missing: ``n/a``."""
    if _missing(n):
        return "n/a"
    return f"{n:{'+' if sign else ''},.0f}"
