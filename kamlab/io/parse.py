"""Vectorised parsing of text columns into ids, dates and numbers.

Each parser returns the parsed values with ``NaN``/``NaT`` where a value could
not be parsed, so the caller can quarantine those rows with a reason.
"""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pandas as pd

from kamlab.errors import InputError

_DECIMAL_COMMA = re.compile(r"^\s*-?[\d.]*\d,\d{1,2}\s*$")
_THOUSANDS_COMMA = re.compile(r"(?<=\d),(?=\d{3}(\D|$))")
_THOUSANDS_ONLY = r"^\s*-?[£$€]?\d{1,3}(?:,\d{3})+(?:\.\d+)?\s*$"  # 6,522 or 1,234.50


def is_blank(values: pd.Series) -> pd.Series:
    """True where a value is missing or only white space."""
    if pd.api.types.is_numeric_dtype(values) or pd.api.types.is_datetime64_any_dtype(values):
        return values.isna()
    return values.isna() | values.astype("string").str.strip().eq("").fillna(True)


EXACT_FLOAT_IDS = 2**53
"""The largest whole number a floating-point id holds exactly; beyond it the digits are lost."""


def check_id_type(values: pd.Series, source: str = "") -> None:
    """Refuse an id column whose values cannot be turned into their ids exactly.

    Typed floats (Parquet, Excel) must be whole and at most 2^53 in size (empty cells,
    NaN, are missing ids); ``1e20``, ``2**64``, ``17850.5`` or ``inf`` stored as a float
    have lost or never had an exact id, so the file is refused with one line naming the
    column: store such ids as text or integers. True/false and date columns are not ids
    (most likely the wrong column is mapped). Integers of any width (``uint64`` up to
    2^64-1) and text are always exact. A column of mixed cells (Excel) is held to the
    same rules cell by cell.
    """
    where = f"{source}: " if source else ""
    name = values.name
    if values.dtype == object:
        kinds = values.map(type)
        if kinds.map(lambda k: issubclass(k, (bool, np.bool_))).any():
            kind = "bool"
        elif kinds.map(lambda k: issubclass(k, (pd.Timestamp, dt.date))).any():
            kind = "datetime"
        else:
            kind = None
        floats = values[kinds.map(lambda k: issubclass(k, float)).to_numpy(dtype=bool)]
    else:
        kind = "bool" if pd.api.types.is_bool_dtype(values) else None
        kind = "datetime" if pd.api.types.is_datetime64_any_dtype(values) else kind
        floats = values if pd.api.types.is_float_dtype(values) else values.iloc[:0]
    if kind == "bool":
        raise InputError(f"{where}{name}: holds true/false values, not ids; map the id column")
    if kind == "datetime":
        raise InputError(f"{where}{name}: holds dates, not ids; map the id column")
    present = floats.dropna().to_numpy(dtype="float64")
    exact = np.isfinite(present) & (np.abs(present) <= EXACT_FLOAT_IDS)
    exact[exact] = present[exact] == np.floor(present[exact])
    if not exact.all():
        raise InputError(
            f"{where}{name}: ids stored as floating-point numbers that are not whole or "
            f"lie above 2^53 (such as {float(present[~exact][0])!r}) cannot be read exactly; "
            "store the ids as text or integers"
        )


def parse_ids(values: pd.Series, *, source: str = "") -> pd.Series:
    """Account or order ids as stripped text; ``17850.0`` (a float id) becomes ``"17850"``.

    Typed columns must pass :func:`check_id_type` (an :class:`~kamlab.errors.InputError`
    otherwise); integers keep every digit.
    """
    check_id_type(values, source)
    if pd.api.types.is_float_dtype(values):
        values = values.astype("Int64")
    elif values.dtype == object:  # whole floats among text (Excel): their integer text
        values = values.map(lambda v: int(v) if isinstance(v, float) and v == v else v)
    text = values.astype("string")
    stripped = text.str.strip()
    if not stripped.equals(text):  # else the text as read is kept, not a copy (10M: 0.4 GB)
        text = stripped
    del stripped
    whole_float = r"(?:\d+\.0+)?"  # or empty: a missing id does not make the rest text
    looks_float = text.head(1000).str.fullmatch(whole_float).fillna(True).all()
    if looks_float and text.str.fullmatch(whole_float).fillna(True).all():
        text = text.str.replace(r"\.0+$", "", regex=True)
    empty = text.eq("")
    return text.mask(empty) if empty.any() else text


DATE_RANGE = (pd.Timestamp("1900-01-01"), pd.Timestamp("2199-12-31 23:59:59"))
"""The dates kamlab reads. A date outside is NaT and flagged out of range (quarantined as
``date_out_of_range``), never wrapped round into another century by the nanosecond type."""

_NOT_DATES = frozenset({"today", "now", "tomorrow", "yesterday"})
"""Words pandas would turn into the run date; in data they are not dates."""

_TIME = (
    r"(?:(?:T|\s+)(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2})(?:[.,](?P<f>\d{1,9}))?)?"
    r"\s*(?P<ampm>[AaPp][Mm])?\s*(?P<tz>Z|UTC|GMT|[+-]\d{2}(?::?\d{2})?)?)?"
)
_YEAR_FIRST = re.compile(
    r"(?a)^(?P<y>\d{4})(?P<sep>[-/.])(?P<m>\d{1,2})(?P=sep)(?P<d>\d{1,2})" + _TIME + "$"
)
_COMPACT = re.compile(r"(?a)^(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})$")
_DAY_MONTH = re.compile(
    r"(?a)^(?P<a>\d{1,2})(?P<sep>[-/.])(?P<b>\d{1,2})(?P=sep)(?P<y>\d{4}|\d{2})" + _TIME + "$"
)
"""Shapes of dates in digits, whole values only, ASCII digits only."""
_MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
_MONTH_NAME = re.compile(r"(?i)\b(?:" + "|".join(_MONTHS) + r")[a-z]*\.?(?![a-z])")
_PLAIN_ISO = r"[0-9]{4}-[0-9]{2}-[0-9]{2}(?:[ T][0-9]{2}:[0-9]{2}(?::[0-9]{2})?)?"
_PLAIN_ISO_SLICES = {
    "y": (0, 4),
    "m": (5, 7),
    "d": (8, 10),
    "H": (11, 13),
    "M": (14, 16),
    "S": (17, 19),
}
_EXAMPLE = pd.Timestamp("2026-12-31")


def _out_of_range(dates: pd.Series) -> pd.Series:
    low, high = DATE_RANGE
    return dates.notna() & ((dates < low) | (dates > high))


def parse_dates(values: pd.Series, *, dayfirst: bool = False) -> tuple[pd.Series, str, pd.Series]:
    """Parse dates; return ``(datetime64[ns] series, description of the format used,
    out of range)``, the last a boolean series: True where a date was read but lies
    outside :data:`DATE_RANGE` (its date is NaT).

    Rules (README "Data contract"):

    - **Year-first dates are read wherever they appear**, being unambiguous: ISO 8601
      (``2026-01-05``, ``2026-01-05T10:00:00+01:00``), ``2026/01/05``, ``20260105``.
    - **Day and month in numbers** (``31.12.26``, ``12/31/2026 14:30``): one format per
      column, decided once from all its distinct values: the separator and year width
      most rows use, and the order (day-first or month-first) that the values whose
      first or second part exceeds 12 show. If every value could be read either way, the
      column is ambiguous and ``dayfirst`` decides (the description says so); dates
      written with dots (``05.01.2026``) are day-first, as everywhere dots are used. If both
      orders appear, the order of more rows wins (a tie goes to ``dayfirst``). A value
      that does not fit the column's format (the other order, separator or year width)
      is NaT, never read another way.
    - Two-digit years follow Python's ``%y`` (POSIX): 69-99 are 1969-1999, 00-68 are
      2000-2068.
    - A month name with a four-digit year (``7 Jan 2026``, ``January 7, 2026``) is read
      as written. Words such as ``today`` are not dates; anything else is NaT.
    - **Time zones**: a time with an offset (``+01:00``, ``-0500``, ``Z``, ``UTC``; at
      most 14 hours, else the value is NaT) is converted to UTC and the zone dropped; a
      time without one is taken as it is. Typed time-zone aware columns (Parquet) are
      converted to UTC the same way; typed naive columns of any unit (s, ms, us, ns)
      are kept.
    - A date whose year lies outside :data:`DATE_RANGE` (also after conversion to UTC)
      is flagged out of range, never wrapped round.
    """
    if pd.api.types.is_datetime64_any_dtype(values):
        return _typed_dates(values)
    codes, uniques = pd.factorize(values.astype("string").str.strip())
    text = pd.Series(np.asarray(uniques, dtype=object), dtype="string")
    rows = np.bincount(codes[codes >= 0], minlength=len(text))
    text = text.mask(text.str.lower().isin(_NOT_DATES), "")  # not dates: left unparsed
    parts = pd.DataFrame(index=text.index, columns=list("ymdHMSf") + ["ampm", "tz"], dtype="string")
    described = []
    plain = text.str.fullmatch(_PLAIN_ISO).fillna(False)
    if plain.any():  # the common case, cut into parts without a Python-level regex
        for column, (start, stop) in _PLAIN_ISO_SLICES.items():
            cut = text[plain].str.slice(start, stop)
            parts.loc[plain, column] = cut.mask(cut.eq(""))
    for shape, name in ((_YEAR_FIRST, None), (_COMPACT, "YYYYMMDD (20261231)")):
        rest = text[parts["y"].isna()]
        found = rest.str.extract(shape.pattern)
        hit = found.index[found["y"].notna()]
        parts.loc[hit] = found.loc[hit].reindex(columns=parts.columns).astype("string")
        seps = found.loc[hit, "sep"] if name is None else None
        if name is None and plain.any():
            seps = pd.concat([seps, pd.Series(["-"])])
        if len(hit) or (name is None and plain.any()):
            described.append(name or _year_first_words(seps))
    day_month = text[parts["y"].isna()].str.extract(_DAY_MONTH.pattern)
    day_month = day_month[day_month["a"].notna()]
    fitted = day_month.iloc[:0]
    if len(day_month):
        fitted, words = _one_day_month_format(day_month, rows[day_month.index], dayfirst)
        parts.loc[fitted.index] = fitted.reindex(columns=parts.columns).astype("string")
        described.append(words)
    rest = text[parts["y"].isna()]
    named = rest.index[
        (
            rest.str.contains(_MONTH_NAME.pattern)
            & rest.str.contains(r"\b\d{4}\b")  # a four-digit year
            & rest.str.contains(r"\b\d{1,2}(?:st|nd|rd|th)?\b")  # and a day: none assumed
        ).fillna(False)
    ]
    if len(named):
        parts.loc[named] = (
            _month_name_parts(text[named]).reindex(columns=parts.columns).astype("string")
        )
        described.append("dates with a month name (31 Dec 2026)")
    dates, outside = _dates_from_parts(parts)
    if len(fitted) and not (dates[fitted.index].notna() | outside[fitted.index]).any():
        described.remove(words)  # no value was a date that way (31/02/2025 alone): not named
    if parts["tz"].notna().any():
        described.append("times with offsets converted to UTC")
    known = codes >= 0
    parsed = pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns]")
    parsed[known] = dates.to_numpy()[codes[known]]
    out_of_range = pd.Series(False, index=values.index)
    out_of_range[known] = outside.to_numpy()[codes[known]]
    return parsed, "; ".join(described) or "no recognised date format", out_of_range


def _typed_dates(values: pd.Series) -> tuple[pd.Series, str, pd.Series]:
    """Typed dates of any unit; time-zone aware ones converted to UTC, zone dropped."""
    words = "typed dates"
    if getattr(values.dt, "tz", None) is not None:
        values = values.dt.tz_convert(None)
        words += "; times with time zones converted to UTC"
    outside = _out_of_range(values)
    return values.mask(outside).astype("datetime64[ns]"), words, outside


def _year_first_words(separators: pd.Series) -> str:
    words = {"-": "ISO 8601 (2026-12-31)"}
    seps = sorted(set(separators.dropna()))
    return " and ".join(words.get(s, f"year{s}month{s}day (2026{s}12{s}31)") for s in seps)


def _one_day_month_format(found: pd.DataFrame, rows: np.ndarray, dayfirst: bool):
    """The values of ``found`` (parts a, b, y, sep, time) that fit the column's one
    day/month format, as year/month/day parts, and the format in words."""
    key = found["sep"] + found["y"].str.len().astype("string")
    weight = pd.Series(rows, index=found.index)
    chosen = weight.groupby(key).sum().sort_values(ascending=False, kind="stable").index[0]
    sep, width = chosen[0], int(chosen[1:])
    found = found[key.eq(chosen)]
    weight = weight[found.index]
    a, b = found["a"].astype(int), found["b"].astype(int)
    day_first_only = ((a > 12) & (a <= 31) & (b <= 12)).to_numpy()
    month_first_only = ((b > 12) & (b <= 31) & (a <= 12)).to_numpy()
    votes_day, votes_month = weight[day_first_only].sum(), weight[month_first_only].sum()
    ambiguous = votes_day == 0 and votes_month == 0
    dayfirst = dayfirst or sep == "."  # 05.01.2026 is 5 January wherever dots are written
    day_first = votes_day > votes_month or (votes_day == votes_month and dayfirst)
    fits = ~(month_first_only if day_first else day_first_only)
    found = found[fits]
    year = found["y"].astype(int)
    if width == 2:  # Python's %y: 69-99 -> 1900s, 00-68 -> 2000s
        year = year + np.where(year >= 69, 1900, 2000)
    parts = found.drop(columns=["a", "b"]).assign(
        y=year.astype("string"),
        d=found["a" if day_first else "b"],
        m=found["b" if day_first else "a"],
    )
    order = ("day", "month") if day_first else ("month", "day")
    example = _EXAMPLE.strftime(
        ("%d{s}%m{s}" if day_first else "%m{s}%d{s}").format(s=sep) + ("%y" if width == 2 else "%Y")
    )
    years = "two-digit year" if width == 2 else "four-digit year"
    clock = " 14:30" if found["H"].notna().any() else ""
    words = f"{order[0]}{sep}{order[1]}{sep}{years} ({example}{clock})"
    if ambiguous:
        if not dayfirst:
            how = "month-first, the default (dayfirst / --dayfirst reads them day-first)"
        elif sep == ".":
            how = "day-first, as dates with dots are written"
        else:
            how = "day-first as dayfirst (--dayfirst) asks"
        words += f"; ambiguous (every day and month is 12 or less), read {how}"
    elif votes_day and votes_month:
        words += "; values written in the other order are not read (unparseable_date)"
    return parts, words


def _month_name_parts(text: pd.Series) -> pd.DataFrame:
    """Year/month/day parts of dates written with a month name and a four-digit year."""
    rows = []
    for value in text:
        try:
            stamp = pd.Timestamp(value)
            if stamp.tzinfo is not None:  # the same rule as offsets: to UTC
                stamp = stamp.tz_convert("UTC").tz_localize(None)
        except (ValueError, OverflowError, TypeError):
            rows.append({})
            continue
        rows.append(
            {
                "y": str(stamp.year),
                "m": str(stamp.month),
                "d": str(stamp.day),
                "H": str(stamp.hour),
                "M": str(stamp.minute),
                "S": str(stamp.second),
            }
        )
    return pd.DataFrame(rows, index=text.index, dtype="string")


def _dates_from_parts(parts: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """Dates (NaT where none) and out-of-range flags from year/month/day/time parts."""
    year = pd.to_numeric(parts["y"], errors="coerce")
    low, high = (d.year for d in DATE_RANGE)
    outside = year.notna() & ((year < low) | (year > high))
    inside = year.notna() & ~outside
    hour = pd.to_numeric(parts["H"], errors="coerce").fillna(0)
    ampm = parts["ampm"].str.lower()
    pm = ampm.eq("pm").fillna(False).to_numpy(dtype=bool)
    clock12 = ampm.notna().to_numpy(dtype=bool)
    hour = hour.where(~clock12, hour.mod(12) + np.where(pm, 12, 0))
    hour = hour.where(~clock12 | hour.between(0, 23) & pd.to_numeric(parts["H"]).between(1, 12))
    fields = [
        parts["y"].str.zfill(4),
        parts["m"].str.zfill(2),
        parts["d"].str.zfill(2),
        hour.astype("Int64").astype("string").str.zfill(2),
        parts["M"].fillna("0").str.zfill(2),
        parts["S"].fillna("0").str.zfill(2),
        parts["f"].fillna("0").str.ljust(9, "0"),
    ]
    stamp = fields[0].str.cat(fields[1:], sep="_")
    dates = pd.to_datetime(
        stamp.where(inside), format="%Y_%m_%d_%H_%M_%S_%f", errors="coerce"
    ).astype("datetime64[ns]")
    zoned = parts["tz"].notna().to_numpy(dtype=bool)
    if zoned.any():
        dates[zoned] = dates[zoned] - _utc_offsets(parts["tz"][zoned])
    shifted_out = _out_of_range(dates)
    return dates.mask(shifted_out), (outside | shifted_out).fillna(False)


def _utc_offsets(zones: pd.Series) -> pd.Series:
    """The offset from UTC of ``Z``, ``UTC``, ``+01:00``, ``-0500``, ``+02`` (zero where none; NaT
    where it is no real offset: beyond 14 hours or with 60 minutes or more)."""
    found = zones.str.extract(r"(?P<sign>[+-])(?P<h>\d{2}):?(?P<m>\d{2})?")
    hours, mins = pd.to_numeric(found["h"]).fillna(0), pd.to_numeric(found["m"]).fillna(0)
    minutes = (hours * 60 + mins).where(hours.le(14) & mins.lt(60))
    minutes = minutes.where(found["sign"].ne("-").fillna(True), -minutes)
    return pd.to_timedelta(minutes, unit="min")


def decimal_mark(values: pd.Series) -> str:
    """How a text column writes its amounts, decided once for the whole column from its
    distinct values: ``"decimal comma"`` when more values write a decimal comma (``12,50``,
    ``1.234,50``) than a thousands comma (``6,522``, ``1,234.50``) and none a decimal point
    (``12.50``); else ``"thousands commas"`` when any value writes thousands with commas;
    else ``"plain"`` (typed numbers too). A value that contradicts the column's choice
    (``12,50`` among thousands commas) is then not a number, so it is quarantined, never
    reread."""
    if pd.api.types.is_numeric_dtype(values):
        return "plain"
    counts = values.dropna().astype("string").str.strip().value_counts()
    text = counts.index.to_series()
    decimal = int(counts[text.str.match(_DECIMAL_COMMA).to_numpy()].sum())
    thousands = int(counts[text.str.match(_THOUSANDS_ONLY).to_numpy()].sum())
    point = text.str.contains(r"\d\.\d{1,2}\s*$", regex=True).any()
    if decimal > thousands and not point:
        return "decimal comma"
    return "thousands commas" if thousands else "plain"


AMOUNT_LIMIT = 1e15
"""The largest size of an amount on one line (revenue, quantity, price, cost, margin, and
quantity times price or cost): a line beyond it is quarantined as ``amount_out_of_range``,
so no sum over lines can overflow to infinity (a billion lines at the limit sum to 1e24)."""


def amount_out_of_range(numbers: pd.Series) -> pd.Series:
    """True where a parsed amount's size exceeds :data:`AMOUNT_LIMIT` (NaN is not)."""
    return numbers.abs().gt(AMOUNT_LIMIT).fillna(False)


def parse_numbers(values: pd.Series, *, decimal_comma: bool = False) -> pd.Series:
    """Parse amounts: thousands commas and currency signs allowed; anything else is NaN.

    Non-finite values (``inf``, ``-inf``, ``nan``, ``1e400``, typed ``inf``/``NaN``) are
    NaN too, so they are quarantined as ``non_numeric_amount`` and never reach an output.
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
            plain = _plain_numbers(text)  # every value plain: Arrow casts them, 10x faster
            numbers = pd.to_numeric(text, errors="coerce") if plain is None else plain
            numbers = numbers.astype("float64")
            odd = numbers.isna() & text.notna()
            if odd.any():
                numbers[odd] = _cleaned_numbers(text[odd], decimal_comma=False)
    return numbers.where(np.isfinite(numbers))


_PLAIN_INTEGER = r"^-?[0-9]+$"
_PLAIN_DECIMAL = r"^-?([0-9]+\.?[0-9]*|\.[0-9]+)$"
_PLAIN_CHARS = 15
"""Plain numbers Arrow casts as pandas parses them: digits, a minus sign, a decimal point,
at most 15 characters (so at most 15 significant digits, where every correctly rounded
parser agrees; pandas' ``to_numeric`` is one since 1.1)."""


def numbers_if_all(values: pd.Series) -> pd.Series | None:
    """Text ``values`` as numbers (``pd.to_numeric``, its dtype) when every non-blank value
    is one and at least one is; else None (e.g. a column of names).

    A column of plain numbers (:data:`_PLAIN_CHARS`) is cast by Arrow, many times faster
    than ``to_numeric`` (which takes some 0.3 s a column of 1M accounts); a column whose
    first values hold a word is text without reading the rest; anything else is left to
    ``to_numeric``."""
    plain = _plain_numbers(values)
    if plain is not None:
        return plain if plain.notna().any() else None
    written = values.dropna()
    first = written.iloc[:64]
    if (pd.to_numeric(first, errors="coerce").isna() & ~is_blank(first)).any():
        return None  # a word among the first values: not every value is a number
    numbers = pd.to_numeric(values, errors="coerce")
    if numbers.notna().sum() == (~is_blank(written)).sum() and numbers.notna().any():
        return numbers
    return None


def _plain_numbers(values: pd.Series) -> pd.Series | None:
    """``pd.to_numeric(values)`` computed by Arrow when every non-null value is a plain
    number (:data:`_PLAIN_CHARS`), else None."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if not isinstance(values.dtype, pd.StringDtype) or values.dtype.storage != "pyarrow":
        return None
    text = pa.array(values.array)
    longest = pc.max(pc.utf8_length(text)).as_py()
    if longest is not None and longest > _PLAIN_CHARS:
        return None
    # pc.all skips nulls and gives null for a column of nulls only: "is not False" keeps it
    whole = pc.all(pc.match_substring_regex(text, _PLAIN_INTEGER)).as_py() is not False
    if not whole and pc.all(pc.match_substring_regex(text, _PLAIN_DECIMAL)).as_py() is False:
        return None
    numbers = pc.cast(text, pa.int64() if whole else pa.float64())
    missing = numbers.is_null().to_numpy(zero_copy_only=False)
    filled = pc.fill_null(numbers, 0).to_numpy(zero_copy_only=False)
    array = (pd.arrays.IntegerArray if whole else pd.arrays.FloatingArray)(filled, missing)
    # the dtype to_numeric gives this text: nullable or NumPy, by the text's own dtype
    sample = pd.Series(["1" if whole else "1.5", *([None] if missing.any() else [])])
    kind = pd.to_numeric(sample.astype(values.dtype)).dtype
    return pd.Series(array, index=values.index, name=values.name).astype(kind)


def _cleaned_numbers(text: pd.Series, *, decimal_comma: bool) -> pd.Series:
    """Numbers from text with currency signs and thousands separators removed."""
    text = text.str.replace(r"^[£$€]|[£$€]$", "", regex=True)
    if decimal_comma:
        text = text.str.replace(".", "", regex=False).str.replace(",", ".", regex=False)
    else:
        text = text.str.replace(_THOUSANDS_COMMA, "", regex=True)
    return pd.to_numeric(text, errors="coerce").astype("float64")
