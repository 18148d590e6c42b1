"""A folder or glob of delimited text files (CSV, TSV) as one input.

Each file is read by the rules of one file (:func:`kamlab.io.files.read_table`: its own
encoding, separator, header and malformed lines), and the files are stacked in name order,
so that a line repeating a line of an earlier file is a ``duplicate_line``. Rows keep their
numbers within their file, and the quarantine names each row's file (``filename``), as it
does for several Parquet files. The files must have the same columns (in any order);
files of other kinds in a folder (a README, a workbook) are left out with a note. In a
partitioned folder (``region=EU/part-0.csv``) the ``key=value`` folder names below the
folder read are columns, as they are for Parquet files.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from kamlab.errors import InputError
from kamlab.io.files import (
    EXCEL_SUFFIXES,
    FILE_COLUMN,
    PARQUET_SUFFIXES,
    RawTable,
    files_of,
    partitions,
    read_table,
    refuse_partition_clash,
    root_of,
)

TEXT_SUFFIXES = {".csv", ".tsv", ".txt"}


def is_glob(source: object) -> bool:
    """True for a path with a wildcard (``*``, ``?``, ``[``): a glob such as ``sales/*.csv``."""
    return isinstance(source, (str, Path)) and any(ch in str(source) for ch in "*?[")


def text_files(source: str | Path) -> tuple[list[Path], list[Path]]:
    """The delimited text files a folder (recursively, hidden files left out) or a glob
    names, in name order, and the other files of a folder (left out). An error when it
    names none, or when a folder holds Parquet files too (one input is one kind)."""
    if is_glob(source):
        found = files_of(source)
        if not found:
            raise InputError(f"{source}: no files match")
        other = [p for p in found if p.suffix.lower() in PARQUET_SUFFIXES | EXCEL_SUFFIXES]
        if other:
            raise InputError(
                f"{source}: matches {other[0].name}, which is not delimited text; "
                "match text files only (e.g. *.csv)"
            )
        return found, []
    folder = Path(source)
    found = refuse_mixed(folder)
    text = [p for p in found if p.suffix.lower() in TEXT_SUFFIXES]
    if not text:
        raise InputError(f"{folder}: no delimited text files (.csv, .tsv, .txt) in the folder")
    return text, [p for p in found if p.suffix.lower() not in TEXT_SUFFIXES]


def refuse_mixed(folder: Path) -> list[Path]:
    """The files of ``folder`` (recursively, hidden ones left out), in name order; an error
    when it holds both Parquet and delimited text files (one input is one kind of file)."""
    found = [
        p
        for p in files_of(folder)
        if not any(part.startswith(".") for part in p.relative_to(folder).parts)
    ]
    suffixes = {p.suffix.lower() for p in found}
    if suffixes & PARQUET_SUFFIXES and suffixes & TEXT_SUFFIXES:
        raise InputError(
            f"{folder}: holds both Parquet and text files; put one kind of file in the folder"
        )
    return found


def read_text_files(source: str | Path, **options) -> RawTable:
    """The files of :func:`text_files` read one by one (``options`` as
    :func:`~kamlab.io.files.read_table` takes them) and stacked: one :class:`RawTable`
    whose ``rows`` are numbers within each file and ``files`` each row's file."""
    paths, left_out = text_files(source)
    keys = partitions(paths, root_of(source))  # key=value folders: columns, as for Parquet
    parts = {str(path): read_table(path, **options) for path in paths}
    for part, values in zip(parts.values(), keys, strict=True):
        refuse_partition_clash(part.source, values, part.frame.columns)
        part.frame = part.frame.assign(**values)
    first, *rest = parts.items()
    columns = list(first[1].frame.columns)
    if FILE_COLUMN in columns:
        raise InputError(
            f"{first[0]}: has a column {FILE_COLUMN!r}, the name kamlab gives each row's file "
            "when it reads several; rename it"
        )
    for name, part in rest:
        if set(part.frame.columns) != set(columns):
            extra = sorted(set(part.frame.columns) - set(columns))
            missing = sorted(set(columns) - set(part.frame.columns))
            raise InputError(
                f"{name}: its columns differ from {Path(first[0]).name}'s (extra: "
                f"{', '.join(extra) or 'none'}; missing: {', '.join(missing) or 'none'}); "
                "every file of one input needs the same columns"
            )
    notes = [f"{len(paths)} files read as one input, in name order"]
    if left_out:
        shown = ", ".join(p.name for p in left_out[:5]) + (", ..." if len(left_out) > 5 else "")
        notes.append(f"{len(left_out)} file(s) that are not delimited text left out: {shown}")
    malformed = []
    for (name, part), values in zip(parts.items(), keys, strict=True):
        notes += [f"{Path(name).name}: {note}" for note in part.notes]
        if part.encoding and part.encoding != "utf-8":
            notes.append(f"{Path(name).name}: not valid UTF-8; read as {part.encoding}")
        if part.malformed is not None and len(part.malformed):
            malformed.append(
                part.malformed.reindex(columns=["row", "line", "detail", *columns]).assign(
                    **values, **{FILE_COLUMN: name}
                )
            )
    stacked = parts.values()
    return RawTable(
        pd.concat([p.frame[columns] for p in stacked], ignore_index=True),
        str(source),
        "csv",
        encoding="utf-8",
        separator=first[1].separator,
        has_header=first[1].has_header,
        rows=np.concatenate([p.row_numbers for p in stacked]),
        malformed=pd.concat(malformed, ignore_index=True) if malformed else None,
        notes=notes,
        files=np.concatenate([np.full(len(p.frame), n, dtype=object) for n, p in parts.items()]),
    )
