"""Tables for readers: labelled headers, every cell written by its column's kind.

    for_reader(portfolio.table_.head(10), columns=["account_name", "tier", "revenue"])

gives a :class:`ReaderTable`: the index moved into the first column(s) under its label
("Account"), the columns labelled from :mod:`kamlab.presentation.labels` ("Net revenue,
last 12 months (GBP)"), money as ``203,098``, shares as ``25.7%``, counts as ``300``.
A notebook displays it as a plain ``<table class="kamlab-table">`` (numbers right-aligned
and never wrapped, text left; the report's stylesheet styles the class) with no random
ids, and prints it as a fixed-width text table, so executed notebooks stay comparable
run to run. :func:`describe_for_reader` replaces pandas ``describe()``.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pandas as pd

from kamlab.presentation.labels import MISSING, NUMBER_KINDS, format_value, kind_of, label

__all__ = ["ReaderTable", "describe_for_reader", "for_reader"]

_SIGNED = ("change",)  # columns named "change" or ending in "_change" show a sign


@dataclass(frozen=True, eq=False)
class ReaderTable:
    """A table written for a reader: ``frame`` (strings only, labelled columns, a
    RangeIndex), ``kinds`` (label -> kind, one per column), an optional ``title`` and the
    ``names`` the columns had in code (label -> name)."""

    frame: pd.DataFrame
    kinds: dict[str, str] = field(default_factory=dict)
    title: str | None = None
    names: dict[str, str] = field(default_factory=dict)
    landscape: bool = False

    def __len__(self) -> int:
        return len(self.frame)

    def __repr__(self) -> str:
        text = self.frame.to_string(index=False) if len(self.frame.columns) else "(no columns)"
        if len(self.frame.columns) and not len(self.frame):  # headers over no rows: say so
            text = " ".join(map(str, self.frame.columns)) + "\nNone."
        return f"{self.title}\n{text}" if self.title else text

    def to_html(self) -> str:
        """A plain ``<table class="kamlab-table">``: ``<th>`` headers, ``<td class="num">``
        for number kinds and dates and ``<td class="text">`` otherwise (``text long``
        for a column of sentences), everything HTML-escaped."""
        classes = [
            _cell_class(self.kinds.get(c, "text"), self.frame.iloc[:, i])
            for i, c in enumerate(self.frame.columns)
        ]
        head = "".join(
            f'<th class="{k}">{html.escape(str(c))}</th>'
            for c, k in zip(self.frame.columns, classes, strict=True)
        )
        rows = "".join(
            "<tr>"
            + "".join(
                f'<td class="{k}">{html.escape(v)}</td>' for v, k in zip(row, classes, strict=True)
            )
            + "</tr>\n"
            for row in self.frame.itertuples(index=False, name=None)
        )
        if not rows and classes:  # an empty table says so under its headers
            rows = f'<tr><td class="text" colspan="{len(classes)}">None.</td></tr>\n'
        caption = f"<caption>{html.escape(self.title)}</caption>" if self.title else ""
        kind = "kamlab-table landscape" if self.landscape else "kamlab-table"
        return (
            f'<table class="{kind}">{caption}<thead><tr>{head}</tr></thead>\n'
            f"<tbody>\n{rows}</tbody></table>"
        )

    def _repr_html_(self) -> str:
        return self.to_html()


LONG_TEXT = 40
"""A text column whose longest cell has more characters than this is ``text long``: the
stylesheet gives it room, so a sentence does not turn into a column of single words."""


def _cell_class(kind: str, cells: pd.Series) -> str:
    """``num`` (right-aligned, never wrapped) for numbers and dates, ``text`` otherwise
    (``text long`` for long text)."""
    if kind in NUMBER_KINDS or kind == "date":
        return "num"
    return "text long" if len(cells) and cells.str.len().max() > LONG_TEXT else "text"


def _plain_index(index: pd.Index) -> bool:
    return (
        isinstance(index, pd.RangeIndex)
        and index.start == 0
        and index.step == 1
        and all(n is None for n in index.names)
    )


def _signed(name: object) -> bool:
    text = str(name)
    return any(text == s or text.endswith("_" + s) for s in _SIGNED)


def _formatted(column: pd.Series, kind: str, sign: bool) -> pd.Series:
    """Every cell of ``column`` as text of ``kind`` (missing -> :data:`MISSING`)."""
    if kind == "date" and pd.api.types.is_datetime64_any_dtype(column):
        out = column.dt.strftime("%Y-%m-%d")  # vectorised: the common case of a day column
        return out.where(column.notna(), MISSING).astype("object")
    if kind == "money":
        column = _whole_if_large(column)
    return column.astype("object").map(lambda v: format_value(v, kind, sign=sign))


def _whole_if_large(column: pd.Series) -> pd.Series:
    """A money column holding an amount of 1,000 or more, in whole units throughout: its
    large cells have no pence (:func:`~kamlab.presentation.format.amount`), so neither do
    its small ones (``53`` beside ``24,215``, not ``53.11``). Text cells stay as they are."""
    numbers = pd.to_numeric(column, errors="coerce")
    if not (numbers.abs() >= 999.995).any():
        return column
    return column.astype("object").where(numbers.isna(), numbers.round())


def _unique(labels: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for text in labels:
        seen[text] = seen.get(text, 0) + 1
        out.append(text if seen[text] == 1 else f"{text} ({seen[text]})")
    return out


def for_reader(
    frame: pd.DataFrame | pd.Series,
    *,
    columns: Sequence | None = None,
    currency: str = "GBP",
    index: bool = True,
    title: str | None = None,
    labels: Mapping[object, str] | None = None,
    kinds: Mapping[object, str] | None = None,
    row_kinds: Mapping[object, str] | None = None,
    by_row: bool = False,
    landscape: bool = False,
) -> ReaderTable:
    """``frame`` written for a reader (:class:`ReaderTable`).

    ``columns``: the columns to show, in order (default: all). ``index``: move a
    non-default index into the first column(s), labelled (a plain 0..n-1 index is
    dropped; ``index=False`` drops any). ``labels`` / ``kinds``: per column (code name),
    override the catalogue (:data:`kamlab.presentation.labels.LABELS`); otherwise
    :func:`~kamlab.presentation.labels.label` and
    :func:`~kamlab.presentation.labels.kind_of` decide. Columns named ``change`` or
    ``*_change`` carry a sign. A Series is shown as one column.

    Tables whose *rows* are the measures: ``by_row=True`` when the index holds code
    names (e.g. ``explore.overview``): each row is labelled and its cells written by
    the row name's kind; ``row_kinds`` (index label -> kind, also read from
    ``frame.attrs["row_kinds"]``, as :func:`kamlab.presentation.executive.headline_table`
    sets it) when the rows are already worded. A ``change`` column of a share row then
    reads in percentage points.

    ``landscape``: in the PDF, the table goes on an A4 landscape page (for a table too
    wide for portrait that the reader needs whole; otherwise choose fewer columns).
    """
    if isinstance(frame, pd.Series):
        frame = frame.to_frame(name=frame.name if frame.name is not None else "value")
    frame = _named(frame)
    if columns is not None:
        missing = [c for c in columns if c not in frame.columns]
        if missing:
            raise KeyError(
                f"for_reader: no column(s) {missing}; the table has {list(frame.columns)}"
            )
        frame = frame[list(columns)]
    labels, kinds = dict(labels or {}), dict(kinds or {})
    row_kinds = dict(row_kinds or frame.attrs.get("row_kinds") or {})
    if by_row:
        found = [
            row_kinds.get(r) or kind_of(r, pd.Series(frame.iloc[i].tolist()))
            for i, r in enumerate(frame.index)
        ]
        frame = frame.set_axis([label(r, currency) for r in frame.index], axis=0)
        row_kinds = dict(zip(frame.index, found, strict=True))
        if frame.shape[1] == 1 and not isinstance(frame.columns[0], str):
            labels.setdefault(frame.columns[0], "Value")
    row_labels = frame.index
    if index and not _plain_index(frame.index):
        names = [n if n is not None else f"level_{i}" for i, n in enumerate(frame.index.names)]
        shown = frame.rename_axis(names).reset_index(allow_duplicates=True)
        for i, n in enumerate(frame.index.names):
            if n is None:
                labels.setdefault(names[i], "")
    else:
        shown = frame.reset_index(drop=True)
    index_names = set(shown.columns[: shown.shape[1] - frame.shape[1]])
    out, out_kinds, out_names = {}, [], []
    for position in range(shown.shape[1]):
        name = shown.columns[position]
        column = shown.iloc[:, position]
        kind = kinds.get(name) or kind_of(name, column)
        sign = _signed(name)
        if row_kinds and name not in index_names and (kind in NUMBER_KINDS or by_row):
            cells = _by_row(column, row_labels, row_kinds, kind, sign)
            kind = "number"
        else:
            cells = _formatted(column, kind, sign)
        out[position] = cells.to_numpy()
        out_kinds.append(kind)
        out_names.append(str(name))
    headers = _unique([labels.get(n, label(n, currency)) for n in shown.columns])
    result = pd.DataFrame(out, index=pd.RangeIndex(len(shown)))
    result.columns = headers
    return ReaderTable(
        frame=result,
        kinds=dict(zip(headers, out_kinds, strict=True)),
        title=title,
        names=dict(zip(headers, out_names, strict=True)),
        landscape=landscape,
    )


def _named(frame: pd.DataFrame) -> pd.DataFrame:
    """An ``account_name`` column with the account id (the index) where the name is
    missing: a table of accounts without names still says which accounts they are."""
    if "account_name" not in frame.columns or frame.index.nlevels != 1:
        return frame
    if frame.columns.duplicated().any():
        return frame
    names = frame["account_name"]
    if _plain_index(frame.index) or not names.isna().any():
        return frame
    ids = pd.Series(frame.index.astype(str), index=frame.index)
    return frame.assign(account_name=names.astype("object").where(names.notna(), ids))


def _by_row(
    column: pd.Series, rows: pd.Index, row_kinds: Mapping, default: str, sign: bool
) -> pd.Series:
    """A column of a table whose rows differ in kind (``row_kinds``; loops over the
    rows, which are a few measures, not accounts)."""
    cells = []
    for value, row in zip(column.tolist(), rows, strict=True):
        kind = row_kinds.get(row) or default
        if sign and kind in ("share", "probability"):
            kind = "share_change"
        cells.append(format_value(value, kind, sign=sign))
    return pd.Series(cells, index=column.index, dtype="object")


_DESCRIBE_ROWS = {
    "count": "Accounts",
    "mean": "Mean",
    "std": "Standard deviation",
    "min": "Lowest",
    "25%": "Lower quartile",
    "50%": "Median",
    "75%": "Upper quartile",
    "max": "Highest",
}


def describe_for_reader(
    data: pd.Series | pd.DataFrame,
    *,
    currency: str = "GBP",
    kinds: Mapping[object, str] | None = None,
    count_label: str = "Accounts",
    title: str | None = None,
    transpose: bool = False,
) -> ReaderTable:
    """pandas ``describe()`` for a reader: one row per statistic (``count_label``, as a
    whole number; mean, quartiles... in each column's kind: money as money, shares as
    %), one column per numeric column of ``data``, labelled. ``transpose``: one row per
    column of ``data`` and one column per statistic (as ``describe().T``)."""
    if isinstance(data, pd.Series):
        data = data.to_frame(name=data.name if data.name is not None else "Value")
    numeric = data.select_dtypes("number")
    if numeric.columns.empty:
        return ReaderTable(frame=pd.DataFrame(), title=title)
    kinds = dict(kinds or {})
    stats = numeric.describe()
    statistics = [{**_DESCRIBE_ROWS, "count": count_label}.get(s, str(s)) for s in stats.index]
    columns = {}
    for name in stats.columns:
        kind = kinds.get(name) or kind_of(name, numeric[name])
        if kind == "count":
            kind = "number"  # a mean or a quartile of counts need not be whole
        columns[label(name, currency)] = [
            format_value(v, "count" if s == "count" else kind)
            for s, v in zip(stats.index, stats[name].tolist(), strict=True)
        ]
    if transpose:
        frame = pd.DataFrame(list(columns.values()), columns=statistics)
        frame.insert(0, "", list(columns))
        kinds_out = {c: "number" for c in statistics}
    else:
        frame = pd.DataFrame({"": statistics, **columns})
        kinds_out = dict.fromkeys(columns, "number")
    names = {label(n, currency): str(n) for n in stats.columns}
    return ReaderTable(frame=frame, kinds={"": "text", **kinds_out}, title=title, names=names)
