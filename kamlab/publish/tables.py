"""Tables a notebook hands to the report: :func:`save_table` in the notebook.

A notebook that the report runs gets a ``tables_dir`` parameter (``None`` when it runs
on its own, where :func:`save_table` does nothing). Each saved table is a pickle of the
frame (any dtypes, index and column labels survive) plus one line in ``tables.jsonl``
with its name, title and number formats, in the order the notebook saved them. The
files are private to the build: the report publishes them as ``summary.xlsx``
(:func:`load_report_tables`). Notebooks do not read each other's tables: what they
share comes from the run context (:func:`kamlab.workflows.period_run`).
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from kamlab.presentation.labels import KINDS

INDEX_FILE = "tables.jsonl"
FORMATS = ("money", "percent", "integer", "number", "date", "text", *KINDS, "ratio")
"""Number formats a column can be given in :func:`save_table`: these, or a kind of
:data:`kamlab.presentation.labels.KINDS` (else the column's kind in the label catalogue,
else guessed from the data)."""
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_\-]{0,63}$")


@dataclass
class SavedTable:
    """One table saved by a notebook: ``frame``, ``name``, ``title`` and column ``formats``."""

    name: str
    title: str
    frame: pd.DataFrame
    formats: dict[str, str] = field(default_factory=dict)
    source: str = ""  # the notebook (folder) it came from
    by_row: bool = False  # the index holds code names of measures, one kind per row
    currency: str = "GBP"  # filled into the column labels


def save_table(
    frame: pd.DataFrame | pd.Series,
    name: str,
    tables_dir: str | os.PathLike | None,
    *,
    title: str | None = None,
    formats: dict[str, str] | None = None,
    by_row: bool = False,
    currency: str | None = None,
) -> None:
    """Save ``frame`` for the report's workbook as ``name``; do nothing when ``tables_dir`` is None.

    ``name`` (letters, digits, ``_`` and ``-``, up to 64 characters, unique in the
    notebook) becomes the sheet name; ``title`` the table's caption in the workbook's
    contents. ``formats`` maps columns to one of :data:`FORMATS`; columns not named are
    formatted by their dtype and name (``share``/``pct``/``probability`` as percent,
    money words such as ``revenue``, ``margin``, ``clv`` with thousands separators).
    A Series is saved as a one-column frame. A non-default index is kept as columns.
    The workbook labels the headers as :func:`kamlab.presentation.labels.label` does
    (``currency``, default GBP, in the money labels); ``by_row``: the index holds the
    code names of measures (e.g. ``explore.overview``), each row labelled and formatted
    by its own kind (a frame's ``attrs["row_kinds"]``, as in the headline table, works
    the same way for rows already worded).
    """
    if tables_dir is None:
        return
    if not _NAME.match(str(name)):
        raise ValueError(
            f"table name {name!r}: use letters, digits, '_' and '-' (up to 64 characters)"
        )
    unknown = {c: f for c, f in (formats or {}).items() if f not in FORMATS}
    if unknown:
        raise ValueError(f"table {name!r}: unknown formats {unknown}; use one of {FORMATS}")
    if isinstance(frame, pd.Series):
        frame = frame.to_frame()
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"table {name!r}: expected a DataFrame or Series, got {type(frame)}")
    folder = Path(tables_dir)
    folder.mkdir(parents=True, exist_ok=True)
    index = folder / INDEX_FILE
    if any(t["name"] == name for t in _read_index(index)):
        raise ValueError(f"table {name!r} was already saved in {folder}")
    frame.to_pickle(folder / f"{name}.pkl")
    entry = {"name": name, "title": title or name.replace("_", " "), "formats": formats or {}}
    if by_row:
        entry["by_row"] = True
    if currency:
        entry["currency"] = currency
    with index.open("a", encoding="utf-8") as fh:
        fh.write(json.dumps(entry) + "\n")


def _read_index(index: Path) -> list[dict]:
    if not index.exists():
        return []
    return [json.loads(line) for line in index.read_text(encoding="utf-8").splitlines() if line]


def _load_tables(tables_dir: str | os.PathLike) -> list[SavedTable]:
    """The tables saved in ``tables_dir``, in the order they were saved (none: empty list)."""
    folder = Path(tables_dir)
    out = []
    for entry in _read_index(folder / INDEX_FILE):
        frame = pd.read_pickle(folder / f"{entry['name']}.pkl")  # our own build files
        out.append(
            SavedTable(
                entry["name"],
                entry["title"],
                frame,
                entry.get("formats", {}),
                folder.name,
                by_row=entry.get("by_row", False),
                currency=entry.get("currency", "GBP"),
            )
        )
    return out


def load_report_tables(tables_root: str | os.PathLike, notebooks: list[str]) -> list[SavedTable]:
    """Every table of a report build: ``tables_root/<notebook stem>/``, in notebook order."""
    root = Path(tables_root)
    out = []
    for notebook in notebooks:
        out.extend(_load_tables(root / Path(notebook).stem))
    return out
