"""Reading a data file into a raw frame of text, whatever its format.

Rules (documented in README "Data contract"):

- ``.parquet``/``.pq`` are read with pyarrow, ``.xlsx``/``.xlsm`` with openpyxl,
  anything else as delimited text.
- Delimited text: the separator is sniffed from the first lines among comma,
  semicolon, tab, pipe and runs of whitespace. The encoding is UTF-8 (a BOM is
  allowed); a file that is not valid UTF-8 is read as latin-1 and the run says so,
  except that in a UTF-8 file with a few lines that are not (one export pasted into
  another) only those lines are read as latin-1, and the run names them.
  A UTF-16 or UTF-32 file with a byte-order mark is read as such (with or without
  ``encoding``); other files with NUL bytes are binary and refused.
- Every data row is accounted for: a quoted field may span lines, but a stray
  quote, text after a closing quote (``"x" y``: a strict CSV reader refuses it;
  checked only when the text holds a quote), a ragged line or a line count that
  disagrees with the rows parsed sends
  the file through :mod:`kamlab.io.lines`, whose malformed lines come back in
  :attr:`RawTable.malformed` (quarantined as ``malformed_line``). A trailing
  separator on every line is recognised, not taken for an extra column.
- A first line whose every field looks like a number or a date is data, not a
  header: columns are then named ``column_1``, ``column_2``, ... When ``names``
  are given, the first line is a header only if it repeats them.
- Every value of a delimited file is kept as text: types are checked later, row
  by row, so that one bad value quarantines one row instead of failing the file.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import re
import warnings
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from kamlab.errors import InputError
from kamlab.io.lines import scan_lines, split_lines, squeeze_whitespace, strictly_readable
from kamlab.io.mapping import ACCOUNT_ROLES, TRANSACTION_ROLES, normalise_name
from kamlab.words import agreeing, counted

PARQUET_SUFFIXES = {".parquet", ".pq"}
FILE_COLUMN = "filename"
"""The quarantine's column naming each row's file when several files are one input
(DuckDB's name for it, kept for text files too)."""
EXCEL_SUFFIXES = {".xlsx", ".xlsm"}
_CANDIDATE_SEPARATORS = [",", ";", "\t", "|"]
_SNIFF_LINES = 50
_NUMBER_OR_DATE = re.compile(r"^[\s\"']*[-+]?[\d.,:/ -]+[\s\"']*$")
_BOMS = [
    (b"\x00\x00\xfe\xff", "utf-32"),
    (b"\xff\xfe\x00\x00", "utf-32"),
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
]
_ROLE_NAMES = {
    normalise_name(n)
    for roles in (TRANSACTION_ROLES, ACCOUNT_ROLES)
    for names in roles.values()
    for n in names
}
MALFORMED_COLUMNS = ["row", "line", "detail"]


@dataclass
class RawTable:
    """A file's rows as read, before any validation.

    ``rows`` are the 1-based numbers of ``frame``'s rows among all the file's data
    rows (``None``: 1, 2, ...); ``malformed`` holds the data rows that could not be
    read as rows (``row``, physical ``line``, ``detail``, then the line's fields
    taken literally under the frame's columns). ``notes`` say what the reader did.
    """

    frame: pd.DataFrame
    source: str
    file_format: str  # "csv", "parquet" or "excel"
    encoding: str | None = None
    separator: str | None = None
    has_header: bool = True
    rows: np.ndarray | None = None
    malformed: pd.DataFrame | None = None
    notes: list[str] = field(default_factory=list)
    files: np.ndarray | None = None
    """Several files read as one (:mod:`kamlab.io.text_files`): each row's file (``rows``
    then number the rows within their file, and ``malformed`` has :data:`FILE_COLUMN`)."""

    @property
    def row_numbers(self) -> np.ndarray:
        """1-based data-row numbers of ``frame``'s rows."""
        return np.arange(1, len(self.frame) + 1) if self.rows is None else self.rows

    @property
    def n_rows(self) -> int:
        """Data rows in the file: rows read plus malformed rows."""
        return len(self.frame) + (0 if self.malformed is None else len(self.malformed))


def read_table(
    path: str | Path,
    *,
    sep: str | None = None,
    encoding: str | None = None,
    names: list[str] | None = None,
    sheet: str | int = 0,
    mapped: Iterable[str] = (),
) -> RawTable:
    """Read ``path`` into a :class:`RawTable`; raise :class:`InputError` when it cannot be read.

    ``mapped`` are column names the caller will use for roles: a Parquet column of
    lists, records or maps among them (or named like a role) is an error naming it;
    other such columns are left out with a note.
    """
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: no such file")
    if path.is_dir():
        raise InputError(f"{path}: is a folder, expected a data file")
    if path.stat().st_size == 0:
        raise InputError(f"{path}: the file is empty (0 bytes); expected a header and data rows")
    suffix = path.suffix.lower()
    if suffix in PARQUET_SUFFIXES:
        return _read_parquet(path, names, set(mapped))
    if suffix in EXCEL_SUFFIXES:
        return _read_excel(path, names, sheet)
    if suffix == ".xls":
        raise InputError(
            f"{path}: old-style .xls workbooks are not supported; save it as .xlsx or CSV"
        )
    return _read_delimited(path, sep=sep, encoding=encoding, names=names)


def _rename(frame: pd.DataFrame, names: list[str] | None, source: Path) -> pd.DataFrame:
    if names is None:
        return frame
    if len(names) != frame.shape[1]:
        raise InputError(
            f"{source}: {len(names)} column names given ({', '.join(names)}) "
            f"but the file has {frame.shape[1]} columns"
        )
    frame.columns = names
    return frame


def _refuse_repeated_names(path: Path, names: list[str]) -> None:
    """One line naming the column names that appear more than once (which one a role
    would read cannot be known); empty names are left to the reader."""
    named = [n.strip() for n in names if n.strip()]
    repeated = sorted({n for n in named if named.count(n) > 1})
    if repeated:
        raise InputError(
            f"{path}: column name(s) {', '.join(map(repr, repeated))} appear more than once; "
            "give every column its own name"
        )


def _first_line(exc: BaseException) -> str:
    """An exception's message cut to its first non-empty line (no schema dumps, no tracebacks)."""
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0].strip()[:300]


def parquet_fields(path: Path) -> list:
    """The columns of a Parquet file (pandas' index columns left out); an error naming the
    file when it is not Parquet or names a column twice."""
    import pyarrow.parquet as pq

    try:
        schema = pq.read_schema(path)
    except Exception as exc:  # pyarrow raises several types for corrupt files
        raise InputError(f"{path}: cannot be read as Parquet ({_first_line(exc)})") from exc
    fields = [f for f in schema if not f.name.startswith("__index_level_")]
    _refuse_repeated_names(path, [f.name for f in fields])
    return fields


def _read_parquet(path: Path, names: list[str] | None, mapped: set[str]) -> RawTable:
    import pyarrow as pa

    fields = parquet_fields(path)
    seen = [f.name for f in fields]
    final = names if names is not None and len(names) == len(fields) else seen
    nested = {
        f.name: (shown, str(f.type))
        for f, shown in zip(fields, final, strict=True)
        if pa.types.is_nested(f.type)
    }
    for shown, kind in nested.values():
        if shown in mapped or normalise_name(shown) in _ROLE_NAMES:
            raise InputError(
                f"{path}: column {shown!r} holds {kind} values (several per cell), which "
                "cannot be read as ids, dates or amounts; store one value per cell "
                "(explode the lists) or name another column with --column"
            )
    try:
        if nested:
            keep = [f.name for f in fields if f.name not in nested]
            frame = pd.read_parquet(path, columns=keep)
        else:
            frame = pd.read_parquet(path)
    except Exception as exc:
        raise InputError(f"{path}: cannot be read as Parquet ({_first_line(exc)})") from exc
    if names is not None and nested:
        names = [n for f, n in zip(fields, names, strict=False) if f.name not in nested]
    notes = [
        f"column {shown!r} ({kind}) holds several values per cell; it is left out"
        for shown, kind in nested.values()
    ]
    frame = _rename(frame.reset_index(drop=True), names, path)
    return RawTable(frame, str(path), "parquet", notes=notes)


def _read_excel(path: Path, names: list[str] | None, sheet: str | int) -> RawTable:
    try:  # the header row as written (pandas would rename a repeated name to "revenue.1")
        cells = pd.read_excel(path, sheet_name=sheet, dtype=object, header=None)
    except Exception as exc:
        raise InputError(
            f"{path}: cannot be read as an Excel workbook ({_first_line(exc)})"
        ) from exc
    if len(cells) < 2:
        raise InputError(f"{path}: sheet {sheet!r} has no data rows")
    header = [
        f"Unnamed: {i}" if pd.isna(h) else str(h).strip() for i, h in enumerate(cells.iloc[0])
    ]
    _refuse_repeated_names(path, header)
    frame = cells.iloc[1:].reset_index(drop=True).set_axis(header, axis=1)
    return RawTable(_rename(frame, names, path), str(path), "excel")


def _decode(path: Path, data: bytes, encoding: str | None) -> tuple[bytes, str]:
    """The file as UTF-8 bytes without BOM, and the encoding it was read in.

    A UTF-8/16/32 byte-order mark decides (unless ``encoding`` names a non-Unicode
    codec); otherwise ``encoding``, or UTF-8 with latin-1 as fallback.
    """
    unknown = f"{path}: unknown encoding {encoding!r}; use e.g. utf-8, latin-1, cp1252, utf-16"
    name = None
    if encoding:
        try:
            name = codecs.lookup(encoding).name
        except LookupError:
            raise InputError(unknown) from None
    bom = next((enc for mark, enc in _BOMS if data.startswith(mark)), None)
    if bom and (name is None or name.startswith("utf")):
        candidates = [bom]
    elif encoding:
        candidates = [encoding]
    else:
        if b"\x00" in data[:8192]:
            raise _binary(path)
        candidates = ["utf-8", "latin-1"]
    for enc in candidates:
        try:
            text = data.decode(enc)
        except UnicodeDecodeError as exc:
            error = exc
            continue
        except LookupError:  # a bytes-to-bytes codec such as base64
            raise InputError(unknown) from None
        if "\x00" in text[:8192]:
            raise _binary(path)
        if enc == "utf-8":
            return data, "utf-8"
        if enc == "latin-1" and not encoding:
            mixed = _utf8_by_line(data)
            if mixed is not None:
                return mixed
        text = text.removeprefix("\ufeff")
        shown = "utf-8" if enc == "utf-8-sig" else enc
        return text.encode("utf-8", errors="surrogatepass"), shown
    raise InputError(
        f"{path}: cannot be decoded as {', '.join(candidates)} ({_first_line(error)}); "
        "give the right --encoding (e.g. latin-1, cp1252, utf-16)"
    )


def _utf8_by_line(data: bytes) -> tuple[bytes, str] | None:
    """A file of UTF-8 lines with a few lines in latin-1 (one export pasted into another),
    decoded line by line: each line valid as UTF-8 as UTF-8, the others as latin-1. None
    when no line needs UTF-8 (plain latin-1: the whole file is read as latin-1)."""
    decoded, latin, needs_utf8 = [], [], False
    for number, line in enumerate(data.split(b"\n"), start=1):
        try:
            decoded.append(line.decode("utf-8"))
            needs_utf8 = needs_utf8 or not line.isascii()
        except UnicodeDecodeError:
            decoded.append(line.decode("latin-1"))
            latin.append(number)
    if not needs_utf8:
        return None
    shown = ", ".join(map(str, latin[:5])) + (", ..." if len(latin) > 5 else "")
    label = (
        f"UTF-8, and latin-1 on the {counted(len(latin), 'line')} that "
        f"{agreeing(len(latin))} not UTF-8 (line {shown})"
    )
    return "\n".join(decoded).encode("utf-8", errors="surrogatepass"), label


def _binary(path: Path) -> InputError:
    return InputError(
        f"{path}: looks like a binary file, not text; Parquet files need a .parquet "
        "extension and Excel files .xlsx"
    )


def _head_lines(buf: bytes) -> list[str]:
    """The first non-empty lines of UTF-8 text, for sniffing."""
    head = buf[: 1 << 16]
    lines = [ln for ln in head.decode("utf-8", errors="replace").splitlines() if ln.strip()]
    if len(head) == 1 << 16 and len(lines) > 1:
        lines = lines[:-1]  # the last line may be cut off
    return lines[:_SNIFF_LINES]


def sniff_separator(lines: list[str]) -> str | None:
    """The separator that splits the sample lines into the same number (> 1) of fields.

    Returns ``None`` for whitespace-separated text, ``","`` when nothing fits.
    """
    best, best_score = ",", (0.0, 0)
    for candidate in _CANDIDATE_SEPARATORS:
        for quoting in (csv.QUOTE_MINIMAL, csv.QUOTE_NONE):  # a stray quote must not hide it
            try:
                reader = csv.reader(
                    io.StringIO("\n".join(lines)), delimiter=candidate, quoting=quoting
                )
                counts = [len(row) for row in reader]
            except csv.Error:
                continue
            if not counts:
                continue
            modal = max(set(counts), key=counts.count)
            consistency = counts.count(modal) / len(counts)
            score = (consistency, modal)
            if modal > 1 and score > best_score:
                best, best_score = candidate, score
    if best_score[0] < 0.9:
        counts = [len(ln.split()) for ln in lines]
        modal = max(set(counts), key=counts.count)
        if modal > 1 and counts.count(modal) / len(counts) >= 0.9:
            return None
    return best


def _looks_like_data(fields: list[str]) -> bool:
    return all(_NUMBER_OR_DATE.match(f) for f in fields if f.strip()) and any(
        f.strip() for f in fields
    )


def _parse(path: Path, buf: bytes, options: dict) -> tuple[pd.DataFrame | None, bool]:
    """pandas' reading of ``buf`` and whether it is clean (no error, no warning about lengths)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", pd.errors.ParserWarning)
        try:
            frame = pd.read_csv(io.BytesIO(buf), encoding="utf-8", **options)
        except pd.errors.EmptyDataError as exc:
            raise InputError(f"{path}: no columns could be read ({_first_line(exc)})") from exc
        except (pd.errors.ParserError, ValueError, csv.Error):
            return None, False
    clean = not any(issubclass(w.category, pd.errors.ParserWarning) for w in caught)
    return frame, clean


def _rows_agree(buf: bytes, frame: pd.DataFrame, has_header: bool, sep: str | None) -> bool:
    """Cheap check: one physical line per row and every row as wide as the header.

    Counts line breaks (as pandas does: ``\\n``, ``\\r\\n``, bare ``\\r``); without
    quotes, also the separators; otherwise no row may end in an empty field (where a
    short row would be padded) and a strict CSV reader must accept the text (no text
    after a closing quote, which pandas would silently join: ``"x" y`` -> ``x y``).
    """
    start, end = _text_span(buf)
    breaks = buf.count(b"\n", start, end)
    if buf.find(b"\r", start, end) >= 0:
        breaks += buf.count(b"\r", start, end) - buf.count(b"\r\n", start, end)
    lines = breaks + 1
    if lines != len(frame) + has_header:
        return False
    if sep is not None and buf.find(b'"', start, end) < 0:
        return buf.count(sep.encode("utf-8"), start, end) == (frame.shape[1] - 1) * lines
    ends_empty = frame.iloc[:, -1].eq("").to_numpy(dtype=bool)
    if ends_empty.any():
        if sep is None or not _full_width(
            buf, start, end, np.flatnonzero(ends_empty) + has_header, sep, frame.shape[1]
        ):
            return False
    text = buf.decode("utf-8", errors="surrogatepass")
    return strictly_readable(text, sep) if sep else strictly_readable(squeeze_whitespace(text), " ")


def _full_width(buf: bytes, start: int, end: int, lines: np.ndarray, sep: str, width: int) -> bool:
    """True when each of the physical ``lines`` (0-based, within ``buf[start:end]``, one
    row per line) has ``width`` fields to :mod:`csv`: rows ending in an empty field that
    pandas would also make of a short line (padding it) are checked as written, not
    sent with the whole file down the slow path. False on bare carriage returns."""
    if buf.find(b"\r", start, end) >= 0 and buf.count(b"\r", start, end) != buf.count(
        b"\r\n", start, end
    ):
        return False
    breaks = np.flatnonzero(
        np.frombuffer(buf, dtype=np.uint8, count=end - start, offset=start) == 10
    )
    first = np.concatenate(([0], breaks + 1))[lines] + start
    last = np.append(breaks, end - start)[lines] + start
    text = [
        buf[a:b].decode("utf-8", errors="surrogatepass").removesuffix("\r")
        for a, b in zip(first, last, strict=True)
    ]
    try:
        return all(len(fields) == width for fields in csv.reader(text, delimiter=sep, strict=True))
    except csv.Error:
        return False


def _all_trailing(buf: bytes, frame: pd.DataFrame, has_header: bool, sep: str | None) -> bool:
    """Cheap check for text without quotes: a header of k fields and every data line of
    k + 1 fields ending with the separator (so the extra field is empty on every line)."""
    start, end = _text_span(buf)
    if sep is None or not has_header or buf.find(b'"', start, end) >= 0:
        return False
    mark = sep.encode("utf-8")
    breaks = buf.count(b"\n", start, end)
    if buf.find(b"\r", start, end) >= 0:
        breaks += buf.count(b"\r", start, end) - buf.count(b"\r\n", start, end)
    data_lines = breaks
    if data_lines != len(frame):
        return False
    width = frame.shape[1]
    if buf.count(mark, start, end) != (width - 1) + width * data_lines:
        return False
    if frame.iloc[:, -1].eq("").any():  # a short line may offset a long one in the total
        return False
    ends = buf.count(mark + b"\n", start, end) + buf.count(mark + b"\r", start, end)
    return ends + buf.endswith(mark, start, end) == data_lines


def _text_span(buf: bytes) -> tuple[int, int]:
    """Where ``buf`` starts and ends once blank space around it is left out (no copy)."""
    blank = b" \t\r\n\x0b\x0c"
    start, end = 0, len(buf)
    while start < min(end, 4096) and buf[start] in blank:
        start += 1
    while end > max(start, len(buf) - 4096) and buf[end - 1] in blank:
        end -= 1
    if start == 4096 or end == len(buf) - 4096:  # a long run of blank space: let C do it
        start, end = len(buf) - len(buf.lstrip(blank)), len(buf.rstrip(blank))
    end = max(start, end)
    return start, end


def _read_delimited(
    path: Path, *, sep: str | None, encoding: str | None, names: list[str] | None
) -> RawTable:
    buf, encoding = _decode(path, path.read_bytes(), encoding)
    lines = _head_lines(buf)
    if not lines:
        raise InputError(f"{path}: the file has no text lines (only blank lines)")
    if sep is None:
        sep = sniff_separator(lines)
    first = lines[0].split() if sep is None else next(csv.reader([lines[0]], delimiter=sep))
    if names is not None:  # the first line is a header only if it repeats the names
        has_header = [normalise_name(f) for f in first] == [normalise_name(n) for n in names]
    else:
        has_header = not _looks_like_data(first)
    if has_header:
        _refuse_repeated_names(path, first)
    options = dict(
        sep=r"\s+" if sep is None else sep,
        header=0 if has_header else None,
        dtype=str,
        keep_default_na=False,
        na_filter=False,
        skip_blank_lines=True,
        engine="c",
        index_col=False,
    )
    frame, clean = _parse(path, buf, options)
    rows, malformed, notes = None, [], []
    if frame is not None and not clean and _all_trailing(buf, frame, has_header, sep):
        clean = True  # pandas (index_col=False) dropped exactly the empty last fields
        notes.append(
            f"all {len(frame):,} data lines end with a separator the header lacks "
            "(a trailing separator); the empty last field is ignored"
        )
    elif not clean or not _rows_agree(buf, frame, has_header, sep):
        frame, rows, malformed, notes = _read_line_by_line(path, buf, sep, has_header, options)
    if not has_header and sep is not None and frame.shape[1] > 1 and frame.iloc[:, -1].eq("").all():
        frame = frame.iloc[:, :-1]
        notes.append(
            "every line ends with a separator (a trailing separator); "
            "the empty last column is ignored"
        )
    if not has_header:
        frame.columns = [f"column_{i + 1}" for i in range(frame.shape[1])]
    frame.columns = [str(c).strip() for c in frame.columns]
    frame = _rename(frame, names, path)
    if frame.empty and not malformed:
        raise InputError(f"{path}: has a header ({', '.join(frame.columns)}) but no data rows")
    return RawTable(
        frame,
        str(path),
        "csv",
        encoding=encoding,
        separator="whitespace" if sep is None else sep,
        has_header=has_header,
        rows=rows,
        malformed=_malformed_frame(malformed, list(frame.columns), sep),
        notes=notes,
    )


def _read_line_by_line(path: Path, buf: bytes, sep: str | None, has_header: bool, options: dict):
    """The slow, exact reading: :func:`kamlab.io.lines.scan_lines`, then pandas on the kept lines."""
    scan = scan_lines(split_lines(buf.decode("utf-8", errors="surrogatepass")), sep, has_header)
    frame, _ = _parse(path, "".join(scan.kept).encode("utf-8", errors="surrogatepass"), options)
    if frame is None or len(frame) != len(scan.good_rows):  # pandas and csv disagree: trust csv
        frame = _frame_of_records(scan, sep, has_header)
    notes = []
    if scan.header_trailing:
        notes.append("the header line ends with a separator; its empty last name is ignored")
    if scan.trailing:
        notes.append(
            f"{counted(scan.trailing, 'data line')} {'ends' if scan.trailing == 1 else 'end'} "
            "with a separator the header lacks "
            "(a trailing separator); the empty last field is ignored"
        )
    if scan.malformed:
        shown = ", ".join(str(m.line) for m in scan.malformed[:5])
        more = ", ..." if len(scan.malformed) > 5 else ""
        notes.append(
            f"{counted(len(scan.malformed), 'malformed line')} quarantined as malformed_line "
            f"(line {shown}{more}): a stray quote, text after a closing quote or a number "
            "of fields unlike the header's"
        )
    return frame, np.asarray(scan.good_rows, dtype=int), scan.malformed, notes


def _frame_of_records(scan, sep: str | None, has_header: bool) -> pd.DataFrame:
    """The kept rows as :mod:`csv` split them, under the header's names when it has as many."""
    width = len(scan.records[0]) if scan.records else 0
    header = scan.kept[0].rstrip("\r\n") if has_header and scan.kept else ""
    names = header.split() if sep is None else next(csv.reader([header], delimiter=sep), [])
    columns = names if has_header and len(names) == width else list(range(width))
    return pd.DataFrame(scan.records, columns=columns, dtype=str)


def _malformed_frame(malformed: list, columns: list[str], sep: str | None) -> pd.DataFrame | None:
    """The malformed rows: ``row``, ``line``, ``detail``, then the text split literally under ``columns``."""
    if not malformed:
        return None
    width = len(columns)
    cells = []
    for m in malformed:
        parts = m.text.split() if sep is None else m.text.split(sep)
        if len(parts) > width:
            parts = parts[: width - 1] + [(sep or " ").join(parts[width - 1 :])]
        cells.append(parts + [None] * (width - len(parts)))
    out = pd.DataFrame(cells, columns=columns, dtype="string")
    meta = pd.DataFrame(
        {
            "row": [m.row for m in malformed],
            "line": [m.line for m in malformed],
            "detail": [m.detail for m in malformed],
        }
    )
    return pd.concat([meta, out], axis=1)


def sha256(path: Path) -> str:
    """Hex SHA-256 of a file's bytes."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def files_of(source: str | Path) -> list[Path]:
    """The files of a folder (recursively) or a glob such as ``data/*.parquet``, in name
    order; a file is itself."""
    source = Path(source)
    if source.is_file():
        return [source]
    if source.is_dir():
        return sorted((p for p in source.rglob("*") if p.is_file()), key=str)
    root = _glob_root(source)
    return sorted((p for p in root.glob(str(source.relative_to(root))) if p.is_file()), key=str)


def root_of(source: str | Path) -> Path:
    """The folder several files are read from: a folder itself, or the folder a glob starts
    from (its parts before the first with a wildcard)."""
    return Path(source) if Path(source).is_dir() else _glob_root(Path(source))


def key_values(folders) -> dict[str, str]:
    """The ``key=value`` names among the folder names ``folders``, values URL-decoded."""
    from urllib.parse import unquote

    pairs = (part.split("=", 1) for part in folders if "=" in part)
    return {key: unquote(value) for key, value in pairs}


def partitions(files: list, base: Path) -> list[dict[str, str]]:
    """Each file's ``key=value`` folder names below ``base`` (a partitioned dataset:
    ``region=EU/part-0.csv`` -> ``{"region": "EU"}``, values URL-decoded as DuckDB and
    Spark decode them); an error unless every file has the same keys (a file beside the
    partition folders has no value to give)."""
    found = [key_values(Path(file).relative_to(base).parent.parts) for file in files]
    layouts = {tuple(keys): str(file) for keys, file in zip(found, files, strict=True)}
    if len(layouts) > 1:
        (a, first), (b, second) = list(layouts.items())[:2]
        raise InputError(
            f"{base}: its files are partitioned differently ({first} by "
            f"{', '.join(a) or 'nothing'}, {second} by {', '.join(b) or 'nothing'}); put "
            "every file under the same key=value folders, or read one part at a time"
        )
    return found


def refuse_partition_clash(file, values: dict[str, str], columns) -> None:
    """An error when ``file`` has a column its partition folders also give (``values``, of
    :func:`partitions`): the column would have two values."""
    clash = sorted(set(values) & set(columns))
    if clash:
        raise InputError(
            f"{file}: has a column {clash[0]!r} and sits in a {clash[0]}=... folder; rename "
            "the column or the folder"
        )


def _glob_root(pattern: Path) -> Path:
    """The folder a glob starts from: its parts before the first with a wildcard."""
    fixed = []
    for part in pattern.parts:
        if any(ch in part for ch in "*?["):
            break
        fixed.append(part)
    return Path(*fixed) if fixed else Path()


def content_sha256(source: str | Path) -> str:
    """The SHA-256 of a file, or of a folder's or glob's files (their names within it and
    their contents): equal content, equal digest, wherever the folder is."""
    source = Path(source)
    if source.is_file():
        return sha256(source)
    root = root_of(source)
    listing = "".join(f"{p.relative_to(root)}\0{sha256(p)}\n" for p in files_of(source))
    return hashlib.sha256(listing.encode("utf-8", errors="surrogatepass")).hexdigest()
