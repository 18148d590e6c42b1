"""Reading a data file into a raw frame of text, whatever its format.

Rules (documented in README "Data contract"):

- ``.parquet``/``.pq`` are read with pyarrow, ``.xlsx``/``.xlsm`` with openpyxl,
  anything else as delimited text.
- Delimited text: the separator is sniffed from the first lines among comma,
  semicolon, tab, pipe and runs of whitespace. The encoding is UTF-8 (a BOM is
  allowed); a file that is not valid UTF-8 is read as latin-1 and the run says so.
- A first line whose every field looks like a number or a date is data, not a
  header: columns are then named ``column_1``, ``column_2``, ... When ``names``
  are given, the first line is a header only if it repeats them.
- Every value of a delimited file is kept as text: types are checked later, row
  by row, so that one bad value quarantines one row instead of failing the file.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from kamlab.errors import InputError
from kamlab.io.mapping import normalise_name

PARQUET_SUFFIXES = {".parquet", ".pq"}
EXCEL_SUFFIXES = {".xlsx", ".xlsm"}
_CANDIDATE_SEPARATORS = [",", ";", "\t", "|"]
_SNIFF_LINES = 50
_NUMBER_OR_DATE = re.compile(r"^[\s\"']*[-+]?[\d.,:/ -]+[\s\"']*$")


@dataclass
class RawTable:
    """A file's rows as read, before any validation."""

    frame: pd.DataFrame
    source: str
    file_format: str  # "csv", "parquet" or "excel"
    encoding: str | None = None
    separator: str | None = None
    has_header: bool = True


def read_table(
    path: str | Path,
    *,
    sep: str | None = None,
    encoding: str | None = None,
    names: list[str] | None = None,
    sheet: str | int = 0,
) -> RawTable:
    """Read ``path`` into a :class:`RawTable`; raise :class:`InputError` when it cannot be read."""
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: no such file")
    if path.is_dir():
        raise InputError(f"{path}: is a folder, expected a data file")
    if path.stat().st_size == 0:
        raise InputError(f"{path}: the file is empty (0 bytes); expected a header and data rows")
    suffix = path.suffix.lower()
    if suffix in PARQUET_SUFFIXES:
        return _read_parquet(path, names)
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


def _read_parquet(path: Path, names: list[str] | None) -> RawTable:
    try:
        frame = pd.read_parquet(path)
    except Exception as exc:  # pyarrow raises several types for corrupt files
        raise InputError(f"{path}: cannot be read as Parquet ({exc})") from exc
    return RawTable(_rename(frame.reset_index(drop=True), names, path), str(path), "parquet")


def _read_excel(path: Path, names: list[str] | None, sheet: str | int) -> RawTable:
    try:
        frame = pd.read_excel(path, sheet_name=sheet, dtype=object)
    except Exception as exc:
        raise InputError(f"{path}: cannot be read as an Excel workbook ({exc})") from exc
    if frame.empty:
        raise InputError(f"{path}: sheet {sheet!r} has no data rows")
    return RawTable(_rename(frame, names, path), str(path), "excel")


def _head_lines(path: Path) -> tuple[bytes, list[str]]:
    """First bytes of the file and its first non-empty lines, decoded leniently for sniffing."""
    with path.open("rb") as fh:
        head = fh.read(1 << 16)
    text = head.decode("utf-8", errors="replace").lstrip("\ufeff")
    lines = [ln for ln in text.splitlines() if ln.strip()]
    if len(head) == 1 << 16 and len(lines) > 1:
        lines = lines[:-1]  # the last line may be cut off
    return head, lines[:_SNIFF_LINES]


def sniff_separator(lines: list[str]) -> str | None:
    """The separator that splits the sample lines into the same number (> 1) of fields.

    Returns ``None`` for whitespace-separated text, ``","`` when nothing fits.
    """
    best, best_score = ",", (0.0, 0)
    for candidate in _CANDIDATE_SEPARATORS:
        try:
            counts = [
                len(row) for row in csv.reader(io.StringIO("\n".join(lines)), delimiter=candidate)
            ]
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


def _read_delimited(
    path: Path, *, sep: str | None, encoding: str | None, names: list[str] | None
) -> RawTable:
    head, lines = _head_lines(path)
    if b"\x00" in head[:8192]:
        raise InputError(
            f"{path}: looks like a binary file, not text; Parquet files need a .parquet "
            "extension and Excel files .xlsx"
        )
    if not lines:
        raise InputError(f"{path}: the file has no text lines (only blank lines)")
    if sep is None:
        sep = sniff_separator(lines)
    first = lines[0].split() if sep is None else next(csv.reader([lines[0]], delimiter=sep))
    if names is not None:  # the first line is a header only if it repeats the names
        has_header = [normalise_name(f) for f in first] == [normalise_name(n) for n in names]
    else:
        has_header = not _looks_like_data(first)
    options = dict(
        sep=r"\s+" if sep is None else sep,
        header=0 if has_header else None,
        dtype=str,
        keep_default_na=False,
        na_filter=False,
        skip_blank_lines=True,
        engine="c",
    )
    encodings = [encoding] if encoding else ["utf-8-sig", "latin-1"]
    frame = None
    for enc in encodings:
        try:
            frame = pd.read_csv(path, encoding=enc, **options)
            encoding = enc
            break
        except UnicodeDecodeError:
            continue
        except pd.errors.EmptyDataError as exc:
            raise InputError(f"{path}: no columns could be read ({exc})") from exc
        except (pd.errors.ParserError, ValueError) as exc:
            reason = str(exc).strip().replace("Error tokenizing data. C error: ", "")
            raise InputError(f"{path}: cannot be parsed as delimited text: {reason}") from exc
    if frame is None:
        raise InputError(f"{path}: cannot be decoded as {', '.join(encodings)}")
    if not has_header:
        frame.columns = [f"column_{i + 1}" for i in range(frame.shape[1])]
    frame.columns = [str(c).strip() for c in frame.columns]
    frame = _rename(frame, names, path)
    if frame.empty:
        raise InputError(f"{path}: has a header ({', '.join(frame.columns)}) but no data rows")
    return RawTable(
        frame,
        str(path),
        "csv",
        encoding="utf-8" if encoding == "utf-8-sig" else encoding,
        separator="whitespace" if sep is None else sep,
        has_header=has_header,
    )


def sha256(path: Path) -> str:
    """Hex SHA-256 of a file's bytes."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
