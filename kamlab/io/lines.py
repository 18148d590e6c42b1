"""Delimited text, line by line: which physical lines make which rows, and which lines are malformed.

Used by :mod:`kamlab.io.files` only when a cheap check says a file's lines and
parsed rows disagree (a quoted field spanning lines, a ragged line, a trailing
separator) or, for text holding a quote, when :func:`strictly_readable` says a
strict CSV reader refuses it. The rules (README "Data contract"):

- A quoted field may span lines (an address with a line break inside proper
  quotes): the lines make one row.
- Records are read strictly (:mod:`csv` with ``strict=True``): a quote closed in
  the middle of a field (``"x" y``) leaves text after the closing quote; the
  record is a ``malformed_line`` ("text after a closing quote"), never read as
  ``x y``. Doubled quotes inside a quoted field (``"say ""hi"" now"``) are fine.
- A quote that opens a field and is not closed on its line is a stray quote when
  a following line inside the field has no quote (so cannot close it) and as
  many separators as the header (a whole row being swallowed), when the quote
  runs to the end of the file or over more than :data:`MAX_SPAN` lines, or when
  it is closed on a later line with text after the closing quote: its line is a
  ``malformed_line`` and the lines after it are read as rows of their own. No
  row is swallowed into another's field. A line that holds a quote may close the
  field (a value that is a line break, ``"\n"``): the record then passes the
  checks below like any other.
- A line with one field more than the header whose last field is empty ends with
  a *trailing separator*: the empty field is dropped, nothing else changes. A
  header ending with a separator loses its empty last name the same way.
- Any other line (or multi-line row) with more or fewer fields than the header is a
  ``malformed_line``: which of its fields is missing or extra cannot be known, so
  none of its values is guessed.

Row numbers count every data row of the file in order, malformed ones included.
"""

from __future__ import annotations

import csv
import io
import re
import sys
from collections import deque
from contextlib import contextmanager
from dataclasses import dataclass, field

MAX_SPAN = 100
"""A quoted field spanning more lines than this is taken for a stray quote."""

_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$")


@dataclass
class Malformed:
    """A data row that could not be read as one: its physical line, text and why."""

    row: int
    line: int
    text: str
    detail: str


@dataclass
class Scan:
    """The lines to parse (header first, trailing separators removed) and the rows set aside."""

    kept: list[str]
    good_rows: list[int]
    malformed: list[Malformed] = field(default_factory=list)
    trailing: int = 0
    header_trailing: bool = False
    records: list[list[str]] = field(default_factory=list)


class _Runaway(Exception):
    """A quote opened on line ``start`` runs into lines that look like whole rows."""

    def __init__(self, start: int):
        super().__init__(start)
        self.start = start


class _Feed:
    """Physical lines for :mod:`csv`, from ``pos`` on; stops a row that swallows whole rows."""

    def __init__(self, lines: list[str], sep: str, width: int):
        self.lines, self.sep, self.width = lines, sep, width
        self.pos = 0
        self.record_start = 0

    def __iter__(self):
        lines = self.lines
        while self.pos < len(lines):
            idx = self.pos
            if idx > self.record_start and (
                idx - self.record_start > MAX_SPAN or self._looks_like_a_row(lines[idx])
            ):
                raise _Runaway(self.record_start)
            self.pos += 1
            yield lines[idx]

    def _looks_like_a_row(self, line: str) -> bool:
        """A continuation line wholly inside the open field (no quote that could close it)
        with as many separators as the header: a whole row being swallowed."""
        return self.width > 1 and '"' not in line and line.count(self.sep) == self.width - 1


def split_lines(text: str) -> list[str]:
    """Physical lines with their terminators (``\\n``, ``\\r\\n`` or a bare ``\\r``, as pandas reads them)."""
    return _LINE.findall(text)


def _bare(line: str) -> str:
    return line.rstrip("\r\n")


def _split_whitespace(line: str, strict: bool = False) -> list[str]:
    if '"' not in line:
        return line.split()
    text = squeeze_whitespace(line.strip())
    return next(csv.reader([text], delimiter=" ", skipinitialspace=True, strict=strict), [])


def squeeze_whitespace(text: str) -> str:
    """Runs of spaces and tabs as one space: whitespace-separated text as :mod:`csv` reads it."""
    return re.sub(r"[ \t]+", " ", text)


def strictly_readable(text: str, sep: str) -> bool:
    """True when a strict CSV reader (:mod:`csv`, ``strict=True``) reads ``text`` without
    refusing it: every quote that opens a field closes it, right before a separator or a line end.

    Runs at C speed; the fast path of :mod:`kamlab.io.files` calls it on text with quotes.
    Without bare carriage returns the text is cut at ``\\n`` (a ``\\r`` before it is a
    line end to :mod:`csv`): the values are not kept, so the line breaks may go.
    """
    bare_cr = "\r" in text and text.count("\r") != text.count("\r\n")
    lines = io.StringIO(text, newline="") if bare_cr else text.split("\n")
    reader = csv.reader(lines, delimiter=sep, strict=True)
    try:
        with _no_field_limit():
            deque(reader, maxlen=0)
    except csv.Error:
        return False
    return True


@contextmanager
def _no_field_limit():
    old = csv.field_size_limit(sys.maxsize)
    try:
        yield
    finally:
        csv.field_size_limit(old)


def scan_lines(lines: list[str], sep: str | None, has_header: bool) -> Scan:
    """Sort ``lines`` into rows and malformed lines by the rules of this module."""
    first = next((i for i, ln in enumerate(lines) if ln.strip()), len(lines))
    if first == len(lines):
        return Scan([], [])
    split = (
        _split_whitespace
        if sep is None
        else (lambda ln: next(csv.reader([_bare(ln)], delimiter=sep), []))
    )
    header = lines[first]
    with _no_field_limit():
        width = len(split(header))
        scan = Scan([], [])
        if sep is not None and width > 1 and _bare(header).endswith(sep):
            width -= 1
            scan.header_trailing = True
            header = _bare(header)[:-1] + header[len(_bare(header)) :]
        start = first
        if has_header:
            scan.kept.append(header)
            start = first + 1
        if sep is None:
            _scan_whitespace(lines, start, width, scan)
        else:
            _scan_delimited(lines, start, sep, width, scan)
    return scan


def _scan_whitespace(lines: list[str], start: int, width: int, scan: Scan) -> None:
    row = 0
    for idx in range(start, len(lines)):
        if not lines[idx].strip():
            continue
        row += 1
        try:
            fields = _split_whitespace(lines[idx], strict=True)
        except csv.Error as refused:
            detail = (
                f"line {idx + 1}: a quote opened in this line is never closed on its line"
                if "unexpected end of data" in str(refused)
                else _why(refused, idx, idx)
            )
            scan.malformed.append(Malformed(row, idx + 1, _bare(lines[idx]), detail))
            continue
        if len(fields) == width:
            scan.kept.append(lines[idx])
            scan.good_rows.append(row)
            scan.records.append(fields)
        else:
            scan.malformed.append(_ragged(row, idx, idx, lines, len(fields), width))


def _scan_delimited(lines: list[str], start: int, sep: str, width: int, scan: Scan) -> None:
    feed = _Feed(lines, sep, width)
    feed.pos = start
    reader = csv.reader(feed, delimiter=sep, strict=True)
    row = 0
    while True:
        feed.record_start = begin = feed.pos
        try:
            fields = next(reader)
        except StopIteration:
            return
        except (_Runaway, csv.Error) as refused:
            row += 1
            end = feed.pos - 1
            scan.malformed.append(
                Malformed(row, begin + 1, _bare(lines[begin]), _why(refused, begin, end))
            )
            feed.pos = begin + 1  # the lines after a refused record's first are read afresh
            reader = csv.reader(feed, delimiter=sep, strict=True)
            continue
        end = feed.pos - 1
        if begin == end and not lines[begin].strip():
            continue
        row += 1
        if len(fields) == width:
            scan.kept.extend(lines[begin : end + 1])
        elif len(fields) == width + 1 and fields[-1] == "" and _bare(lines[end]).endswith(sep):
            scan.kept.extend(lines[begin:end])
            last = lines[end]
            scan.kept.append(_bare(last)[:-1] + last[len(_bare(last)) :])
            scan.trailing += 1
            fields = fields[:-1]
        else:
            scan.malformed.append(_ragged(row, begin, end, lines, len(fields), width))
            continue
        scan.good_rows.append(row)
        scan.records.append(fields)


def _why(refused: Exception, begin: int, end: int) -> str:
    """The detail of a record the strict reader refused (or stopped as swallowing rows)."""
    line = f"line {begin + 1}"
    if isinstance(refused, _Runaway):
        return f"{line}: a quote opened in this line is never closed (line {begin + 2} on is read as rows of their own)"
    if "unexpected end of data" in str(refused):
        return f"{line}: a quote opened in this line is never closed before the end of the file"
    if "expected after" not in str(refused):
        return f"{line}: not readable as CSV ({refused})"
    if begin == end:
        return f"{line}: text after a closing quote"
    return (
        f"{line}: a quote opened in this line is closed on line {end + 1} with text after "
        f"the closing quote (line {begin + 2} on is read as rows of their own)"
    )


def _ragged(row: int, begin: int, end: int, lines: list[str], n: int, width: int) -> Malformed:
    where = f"line {begin + 1}" if begin == end else f"lines {begin + 1}-{end + 1}"
    text = "".join(lines[begin : end + 1]).rstrip("\r\n")
    return Malformed(row, begin + 1, text, f"{where}: {n} fields, the header has {width}")
