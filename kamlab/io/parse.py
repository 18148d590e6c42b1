"""Vectorised parsing of text columns into ids, dates and numbers.

Each parser returns the parsed values with ``NaN``/``NaT`` where a value could
not be parsed, so the caller can quarantine those rows with a reason.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

# Formats tried on a column's distinct values, in order; the one that parses most wins.
_DATE_FORMATS_MONTH_FIRST = ["%m/%d/%Y %H:%M", "%m/%d/%Y", "%m/%d/%y"]
_DATE_FORMATS_DAY_FIRST = ["%d/%m/%Y %H:%M", "%d/%m/%Y", "%d/%m/%y", "%d.%m.%Y", "%d-%m-%Y"]
_DECIMAL_COMMA = re.compile(r"^\s*-?[\d.]*\d,\d{1,2}\s*$")
_THOUSANDS_COMMA = re.compile(r"(?<=\d),(?=\d{3}(\D|$))")
_THOUSANDS_ONLY = r"^\s*-?[£$€]?\d{1,3}(?:,\d{3})+(?:\.\d+)?\s*$"  # 6,522 or 1,234.50


def is_blank(values: pd.Series) -> pd.Series:
    """True where a value is missing or only white space."""
    if pd.api.types.is_numeric_dtype(values) or pd.api.types.is_datetime64_any_dtype(values):
        return values.isna()
    return values.isna() | values.astype("string").str.strip().eq("").fillna(True)


def parse_ids(values: pd.Series) -> pd.Series:
    """Account or order ids as stripped text; ``17850.0`` (a float id) becomes ``"17850"``."""
    if pd.api.types.is_float_dtype(values):
        whole = values.dropna()
        if (whole == np.floor(whole)).all():
            values = values.astype("Int64")
    text = values.astype("string").str.strip()
    looks_float = text.head(1000).str.fullmatch(r"\d+\.0+").fillna(True).all()
    if looks_float and text.str.fullmatch(r"\d+\.0+").fillna(True).all():
        text = text.str.replace(r"\.0+$", "", regex=True)
    return text.mask(text.eq(""))


DATE_RANGE = (pd.Timestamp("1900-01-01"), pd.Timestamp("2199-12-31 23:59:59"))
"""The dates kamlab reads. A date outside is NaT and flagged out of range (quarantined as
``date_out_of_range``), never wrapped round into another century by the nanosecond type."""

_NOT_DATES = frozenset({"today", "now", "tomorrow", "yesterday"})
"""Words pandas would turn into the run date; in data they are not dates."""


def _out_of_range(dates: pd.Series) -> pd.Series:
    low, high = DATE_RANGE
    return dates.notna() & ((dates < low) | (dates > high))


def parse_dates(values: pd.Series, *, dayfirst: bool = False) -> tuple[pd.Series, str, pd.Series]:
    """Parse dates; return ``(datetime64[ns] series, description of the format used,
    out of range)``, the last a boolean series: True where a date was read but lies
    outside :data:`DATE_RANGE` (its date is NaT).

    Typed dates are kept (time zones dropped to local wall time). Text is parsed on
    its distinct values: ``YYYYMMDD``, ISO 8601, then common day/month orders
    (``dayfirst`` breaks the tie between 01/02 read as 1 Feb or 2 Jan); whatever the
    best format leaves is tried value by value ("mixed"), and the rest is NaT. Words
    such as ``today`` are not dates.
    """
    if pd.api.types.is_datetime64_any_dtype(values):
        if getattr(values.dt, "tz", None) is not None:
            values = values.dt.tz_localize(None)
        outside = _out_of_range(values)
        return values.mask(outside).astype("datetime64[ns]"), "typed dates", outside
    codes, uniques = pd.factorize(values.astype("string").str.strip())
    text = pd.Series(uniques, dtype="string")
    text = text.mask(text.str.lower().isin(_NOT_DATES), "")  # not dates: left unparsed
    formats = ["%Y%m%d", "ISO8601"] + (
        _DATE_FORMATS_DAY_FIRST + _DATE_FORMATS_MONTH_FIRST
        if dayfirst
        else _DATE_FORMATS_MONTH_FIRST + _DATE_FORMATS_DAY_FIRST
    )
    best, best_fmt = None, "unparsed"
    for fmt in formats:
        parsed = pd.to_datetime(text, format=fmt, errors="coerce")
        if best is None or parsed.notna().sum() > best.notna().sum():
            best, best_fmt = parsed, fmt
        if best.notna().all():
            break
    if best is None:
        best = pd.Series(pd.NaT, index=text.index, dtype="datetime64[ns]")
    best = best.astype(object)  # Timestamps of any resolution: no wrap-round before the check
    missing = best.isna() & text.notna() & text.ne("")
    if missing.any():
        rest = [_parse_one(v, dayfirst) for v in text[missing]]
        best[missing] = rest
        if any(pd.notna(r) for r in rest):
            best_fmt += " + mixed"
    outside = _out_of_range(best).to_numpy(dtype=bool)
    best[outside] = pd.NaT
    known = codes >= 0
    parsed = pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns]")
    parsed[known] = pd.to_datetime(best.to_numpy()[codes[known]]).as_unit("ns")
    out_of_range = pd.Series(False, index=values.index)
    out_of_range[known] = outside[codes[known]]
    return parsed, best_fmt, out_of_range


def _parse_one(value: str, dayfirst: bool):
    if value.strip().lower() in _NOT_DATES:
        return pd.NaT
    try:
        return pd.to_datetime(value, dayfirst=dayfirst)
    except (ValueError, OverflowError, TypeError):
        return pd.NaT


def uses_decimal_comma(values: pd.Series) -> bool:
    """True when a text column writes decimals with a comma, decided once for the whole
    column: more values write a decimal comma (``12,50``, ``1.234,50``) than a thousands
    comma (``6,522``, ``1,234.50``), and none a decimal point (``12.50``). A value that
    contradicts the column's choice (``12,50`` among thousands commas) is then not a
    number, so it is quarantined, never reread."""
    if pd.api.types.is_numeric_dtype(values):
        return False
    counts = values.dropna().astype("string").str.strip().value_counts()
    text = counts.index.to_series()
    decimal = int(counts[text.str.match(_DECIMAL_COMMA).to_numpy()].sum())
    thousands = int(counts[text.str.match(_THOUSANDS_ONLY).to_numpy()].sum())
    point = text.str.contains(r"\d\.\d{1,2}\s*$", regex=True).any()
    return decimal > thousands and not point


def parse_numbers(values: pd.Series, *, decimal_comma: bool = False) -> pd.Series:
    """Parse amounts: thousands commas and currency signs allowed; anything else is NaN.

    Infinite values count as unparseable.
    """
    if pd.api.types.is_bool_dtype(values):
        return pd.Series(np.nan, index=values.index)
    if pd.api.types.is_numeric_dtype(values):
        numbers = values.astype("float64")
    else:
        text = values.astype("string").str.strip()
        if decimal_comma:  # "1.234" means 1234 here: every value needs the rewrite
            numbers = _cleaned_numbers(text, decimal_comma=True)
        else:  # most values are plain numbers: clean only those that are not
            numbers = pd.to_numeric(text, errors="coerce").astype("float64")
            odd = numbers.isna() & text.notna()
            if odd.any():
                numbers[odd] = _cleaned_numbers(text[odd], decimal_comma=False)
    return numbers.where(np.isfinite(numbers))


def _cleaned_numbers(text: pd.Series, *, decimal_comma: bool) -> pd.Series:
    """Numbers from text with currency signs and thousands separators removed."""
    text = text.str.replace(r"^[£$€]|[£$€]$", "", regex=True)
    if decimal_comma:
        text = text.str.replace(".", "", regex=False).str.replace(",", ".", regex=False)
    else:
        text = text.str.replace(_THOUSANDS_COMMA, "", regex=True)
    return pd.to_numeric(text, errors="coerce").astype("float64")
