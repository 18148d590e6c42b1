"""``summary.xlsx``: the tables the notebooks saved, one formatted sheet each.

A ``Contents`` sheet comes first (the report's facts, then one line per table: sheet,
title, section, rows). Each table sheet has a bold, frozen header row with an
autofilter, fitted column widths and number formats. The headers are the reader's
labels of the report's tables (:func:`kamlab.presentation.labels.label`:
``Net revenue, last 12 months (GBP)``, never ``revenue``) and the values stay numbers,
formatted by their column's kind (:data:`KIND_FORMATS`): money ``#,##0`` (negatives in
red), shares and probabilities ``0.0%``, counts and days ``#,##0``, scores ``0.0``,
dates ``yyyy-mm-dd``. A format given to ``save_table`` wins; a column the catalogue does
not know is guessed from its name and values. A non-default index is written as the
first columns, labelled (an unnamed one has an empty header); a table saved
``by_row`` (or with ``attrs["row_kinds"]``) has one format per row.

Safety: every text cell is written as text, never as a formula, and text that a
spreadsheet would run as a formula (starting with ``=``, ``+``, ``-``, ``@``) is also
prefixed with ``'`` by :func:`kamlab.safe.neutralise_text`, so it stays inert when the
sheet is saved again as CSV. Characters that XML cannot hold are removed.

Large tables: a sheet holds at most :data:`MAX_ROWS` rows (the first ones, in the
order the notebook saved them: sort before saving, e.g. accounts by revenue or value);
the contents give the rows written and the rows of the table. The cap keeps the report
quick on big portfolios: openpyxl writes some 50-100k cells a second, and a per-account
table of 100k accounts would take most of a minute; it is a summary for people, the
complete per-account data belong in a CSV or Parquet export.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import re
from pathlib import Path

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from kamlab.presentation.labels import find_label, kind_of, label
from kamlab.publish.tables import SavedTable
from kamlab.safe import neutralise_text

MAX_ROWS = 2_000
NUMBER_FORMATS = {
    "money": "#,##0;[Red]-#,##0",
    "percent": "0.0%",
    "integer": "#,##0",
    "number": "#,##0.00",
    "small": "0.000",
    "date": "yyyy-mm-dd",
    "datetime": "yyyy-mm-dd hh:mm",
    "text": "@",
    "score": "0.0",
    "hours": "#,##0.0",
    "share_change": '+0.0" pp";-0.0" pp";0.0" pp"',  # written x 100: points, not %
    "percent_change": "+0%;-0%;0%",
}
SCALE = {"share_change": 100}
"""Formats whose values are written scaled: a change of shares (0.002) as points (0.2)."""
KIND_FORMATS = {
    "money": "money",
    "share": "percent",
    "probability": "percent",
    "share_change": "share_change",
    "percent_change": "percent_change",
    "count": "integer",
    "days": "integer",
    "score": "score",
    "hours": "hours",
    "weeks": "score",  # one decimal
    "date": "date",
    "ratio": "number",
}
"""Label kind (:data:`kamlab.presentation.labels.KINDS`) -> key of :data:`NUMBER_FORMATS`;
``number`` and ``text`` columns are guessed from their values (e.g. ``0.000`` for small
numbers, dates in a text column)."""
HEADER_WIDTH = 18
"""Headers longer than this wrap (between words) rather than widen the column."""
_PERCENT_WORDS = ("share", "probability", "retention", "_rate", "contribution_margin", "p_alive")
_MONEY_WORDS = (
    "revenue", "sales", "amount", "margin", "cost", "cts", "clv", "value", "profit", "contribution",
    "spend", "uplift", "gbp", "price", "discount", "returns", "at_risk",
)  # fmt: skip
_PLAIN_INTEGER_WORDS = ("year", "rank", "_id", "period", "horizon", "segment", "k")
_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")
SHEET_NAME_MAX = 31


def sheet_name(name: str, used: set[str]) -> str:
    """A valid, unique (case-insensitively) Excel sheet name for ``name``; added to ``used``."""
    base = _BAD_SHEET_CHARS.sub("_", ILLEGAL_CHARACTERS_RE.sub("", str(name))).strip("' ")
    base = base[:SHEET_NAME_MAX] or "table"
    if base.lower() == "history":  # reserved by Excel
        base = "history_"
    candidate, n = base, 1
    while candidate.lower() in used:
        n += 1
        suffix = f"~{n}"
        candidate = base[: SHEET_NAME_MAX - len(suffix)] + suffix
    used.add(candidate.lower())
    return candidate


def _text(value: object) -> str:
    return neutralise_text(ILLEGAL_CHARACTERS_RE.sub("", str(value)))


def _flat_columns(frame: pd.DataFrame, currency: str = "GBP") -> tuple[pd.DataFrame, list[str]]:
    """Index (when not a plain 0..n-1 range) as columns; the frame with column names as
    unique strings (code names, for the formats) and the reader's headers."""
    index = frame.index
    plain = isinstance(index, pd.RangeIndex) and index.start == 0 and index.step == 1
    if not plain or any(n is not None for n in index.names):
        names = [
            str(n) if n is not None else ("index" if i == 0 else f"index_{i}")
            for i, n in enumerate(index.names)
        ]
        frame = frame.rename_axis(names).reset_index(allow_duplicates=True)
        unnamed = [i for i, n in enumerate(index.names) if n is None]
    else:
        unnamed = []
    names = [
        " / ".join(str(p) for p in c if str(p)) if isinstance(c, tuple) else str(c)
        for c in frame.columns
    ]
    headers = ["" if i in unnamed else label(c, currency) for i, c in enumerate(frame.columns)]
    return frame.set_axis(_unique(names, "_{}"), axis=1), _unique(headers, " ({})")


def _unique(names: list[str], suffix: str) -> list[str]:
    seen: dict[str, int] = {}
    unique = []
    for name in names:
        seen[name] = seen.get(name, 0) + 1
        unique.append(name if seen[name] == 1 else name + suffix.format(seen[name]))
    return unique


def _column_format(name: str, column: pd.Series, given: str | None) -> str | None:
    """The format of column ``name``: ``given`` (a format or a kind), else its kind in the
    label catalogue, else guessed from the name and values."""
    if given:
        return KIND_FORMATS.get(given, given if given in NUMBER_FORMATS else None)
    found = find_label(name)
    if found is not None and found.kind in KIND_FORMATS:
        if found.kind == "date" and not pd.api.types.is_datetime64_any_dtype(column):
            return _guess_format(name, column)  # a day already written as text
        if pd.api.types.is_numeric_dtype(column) or found.kind == "date":
            return KIND_FORMATS[found.kind]
    return _guess_format(name, column)


def _guess_format(name: str, column: pd.Series) -> str | None:
    lowered = name.lower()
    if pd.api.types.is_bool_dtype(column):
        return None
    if pd.api.types.is_datetime64_any_dtype(column):
        values = column.dropna()
        has_time = len(values) and (values.dt.normalize() != values).any()
        return "datetime" if has_time else "date"
    if not pd.api.types.is_numeric_dtype(column):
        return None
    values = pd.to_numeric(column, errors="coerce").astype("float64")
    finite = values[np.isfinite(values)]
    if lowered.endswith("_pct") or "pct_" in lowered:
        return "number"  # already in percent units
    if any(w in lowered for w in _PERCENT_WORDS) and (finite.abs() <= 10).all():
        return "percent"
    if any(w in lowered for w in _MONEY_WORDS):
        return "money"
    is_whole = len(finite) == 0 or bool((finite == finite.round()).all())
    if pd.api.types.is_integer_dtype(column) or is_whole:
        words = lowered.replace(" ", "_").split("_")
        plain = any(w.strip("_") in words for w in _PLAIN_INTEGER_WORDS)
        return "integer" if not plain or finite.abs().max() >= 10_000 else None
    if len(finite) and finite.abs().median() < 1:
        return "small"
    return "number"


def _cell_values(column: pd.Series) -> list:
    """Python values openpyxl writes safely: no NaN/inf, naive datetimes, text neutralised."""
    if pd.api.types.is_bool_dtype(column) and not column.isna().any():
        return column.astype(bool).tolist()
    if pd.api.types.is_datetime64_any_dtype(column):
        if getattr(column.dt, "tz", None) is not None:
            column = column.dt.tz_localize(None)
        return [None if pd.isna(v) else v.to_pydatetime() for v in column]
    if pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column):
        values = pd.to_numeric(column, errors="coerce")
        if pd.api.types.is_integer_dtype(values) and not values.isna().any():
            return values.astype("int64").tolist()
        floats = values.astype("float64").to_numpy()
        return [v if math.isfinite(v) else None for v in floats.tolist()]
    return [_object_value(v) for v in column.tolist()]


def _object_value(value: object) -> object:
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, pd.Timestamp):
        return value.tz_localize(None).to_pydatetime() if value.tzinfo else value.to_pydatetime()
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None)
    if isinstance(value, dt.date):
        return value
    return _text(value)


def _shown(value: object, fmt: str | None) -> int:
    """Roughly how many characters ``value`` takes in the sheet with format ``fmt``."""
    if isinstance(value, bool):
        return 5
    if isinstance(value, int | float):
        if fmt in {"money", "integer"}:
            return len(f"{value:,.0f}")
        if fmt == "number":
            return len(f"{value:,.2f}")
        if fmt in {"percent", "share_change", "percent_change"}:
            return len(f"{value:+.1%}")
        if fmt in {"score", "hours"}:
            return len(f"{value:,.1f}")
        if fmt == "small":
            return len(f"{value:.3f}")
        return len(f"{value:.10g}")
    if isinstance(value, dt.datetime):
        return 16 if fmt == "datetime" else 10
    if isinstance(value, dt.date):
        return 10
    return len(str(value))


def _width(header: str, values: list, fmt: str | None) -> float:
    """Column width fitted to the first 2,000 values and the header (a long header
    wraps at :data:`HEADER_WIDTH` characters, or its longest word), at most 60."""
    longest = max((_shown(v, fmt) for v in values[:2000] if v is not None), default=0)
    word = max((len(w) for w in header.split()), default=0)
    return float(min(max(min(len(header), max(HEADER_WIDTH, word)), longest) + 2, 60))


def _is_change(name: str) -> bool:
    return name == "change" or name.endswith("_change")


def _row_formats(table: SavedTable, frame: pd.DataFrame) -> list[str | None] | None:
    """One format per row for a table whose rows are measures (``by_row`` or
    ``attrs["row_kinds"]``), else None."""
    kinds = table.frame.attrs.get("row_kinds") or {}
    if not (table.by_row or kinds):
        return None
    index = table.frame.index[: len(frame)]
    out = []
    for position, row in enumerate(index):
        kind = kinds.get(row)
        if kind is None and table.by_row:
            kind = kind_of(row, pd.Series(table.frame.iloc[position].tolist()))
        out.append(KIND_FORMATS.get(kind) if kind != "number" else "number")
    return out


def _write_table(wb: Workbook, title: str, table: SavedTable, bold: Font) -> int:
    """One sheet for ``table``; return the number of rows written."""
    frame, headers = _flat_columns(table.frame.head(MAX_ROWS), table.currency)
    ws = wb.create_sheet(title)
    n_index = frame.shape[1] - table.frame.shape[1]
    by_row = _row_formats(table, frame)
    if table.by_row:  # the index holds code names: show their labels
        frame.isetitem(0, [label(r, table.currency) for r in frame.iloc[:, 0]])
    columns, formats = [], []
    for position, name in enumerate(frame.columns):
        column = frame.iloc[:, position]
        fmt = _column_format(name, column, table.formats.get(name))
        values = _cell_values(column)
        columns.append(values)
        formats.append(fmt)
        width = _width(headers[position], values, fmt)
        ws.column_dimensions[get_column_letter(len(columns))].width = width
    ws.freeze_panes = "A2"
    if headers:
        last = get_column_letter(len(headers))
        ws.auto_filter.ref = f"A1:{last}{len(frame) + 1}"
    header_cells = []
    wrap = Alignment(wrap_text=True, vertical="bottom")
    for header in headers:
        cell = WriteOnlyCell(ws, _text(header))
        cell.font = bold
        cell.alignment = wrap
        header_cells.append(cell)
    ws.append(header_cells)
    protos: dict[str, object] = {}

    def style(fmt: str | None):
        if fmt is None:
            return None
        if fmt not in protos:
            proto = WriteOnlyCell(ws, 0)
            proto.number_format = NUMBER_FORMATS[fmt]
            protos[fmt] = proto._style  # shared: cells are written at once in write-only mode
        return protos[fmt]

    changes = [i >= n_index and _is_change(n) for i, n in enumerate(frame.columns)]
    column_formats = formats
    for number, row in enumerate(zip(*columns, strict=True)):
        if by_row is not None:  # each row its own format; a change of a share in points
            shown = by_row[number]
            points = "share_change" if shown == "percent" else shown
            formats = [
                column_formats[i] if i < n_index else points if changes[i] else shown
                for i in range(len(row))
            ]
        cells = []
        for value, fmt in zip(row, formats, strict=True):
            if isinstance(value, str):
                cell = WriteOnlyCell(ws, value)
                cell.data_type = "s"  # text, never a formula (nor an error code like #N/A)
            elif fmt is not None and value is not None and not isinstance(value, bool):
                cell = WriteOnlyCell(ws, value * SCALE[fmt] if fmt in SCALE else value)
                cell._style = style(fmt)
            else:
                cell = value  # None, booleans, numbers in the General format
            cells.append(cell)
        ws.append(cells)
    return len(frame)


def write_workbook(
    tables: list[SavedTable],
    path: str | os.PathLike,
    *,
    facts: list[tuple[str, object]] = (),
    sections: dict[str, str] | None = None,
) -> list[str]:
    """Write ``tables`` to ``path`` (xlsx): a contents sheet, then one sheet per table.

    ``facts`` (label, value) head the contents sheet; ``sections`` maps a table's
    ``source`` (the notebook stem) to the report section it belongs to. Returns the
    sheet names, contents first.
    """
    sections = sections or {}
    wb = Workbook(write_only=True)
    bold = Font(bold=True)
    used = {"contents"}
    names = [sheet_name(t.name, used) for t in tables]
    contents = wb.create_sheet("Contents")
    for letter, width in zip("ABCDE", (34, 60, 36, 10, 10), strict=True):
        contents.column_dimensions[letter].width = width
    rows_written = []
    # contents are written after the tables are known, but a write-only sheet is
    # streamed in order: collect the table sheets first, then fill the contents
    for name, table in zip(names, tables, strict=True):
        rows_written.append(_write_table(wb, name, table, bold))
    for fact, value in facts:
        label_cell = WriteOnlyCell(contents, _text(fact))
        label_cell.font = bold
        contents.append([label_cell, _object_value(value)])
    contents.append([])
    header = []
    for text in ("Sheet", "Table", "Section", "Rows", "Of rows"):
        cell = WriteOnlyCell(contents, text)
        cell.font = bold
        header.append(cell)
    contents.append(header)
    for name, table, written in zip(names, tables, rows_written, strict=True):
        contents.append(
            [
                _text(name),
                _text(table.title),
                _text(sections.get(table.source, table.source)),
                written,
                len(table.frame),
            ]
        )
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    wb.save(Path(path))
    return ["Contents", *names]
