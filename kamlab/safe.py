"""Making outputs safe to open.

Spreadsheet programs execute a cell that starts with ``=``, ``+``, ``-`` or ``@``
(and some treat a leading tab or carriage return the same way, or skip leading spaces
and control characters first): CSV/formula injection, OWASP. Text cells that could be
read as formulas, after any leading whitespace or control characters, are prefixed with
a single quote, which spreadsheets show as text. Plain numbers are left alone. CSV
files quote every text cell, so a carriage return inside one cannot break the line.
"""

from __future__ import annotations

import csv
import html
import os
import re
import tempfile
from contextlib import contextmanager
from pathlib import Path

import pandas as pd

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_LEADING = re.compile(r"^[\s\x00-\x1f]+")  # what a spreadsheet may skip before a formula
_PLAIN_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")


def neutralise_text(value: object) -> object:
    """Return ``value`` with a leading ``'`` if it is text a spreadsheet would run as a formula."""
    if not isinstance(value, str) or _PLAIN_NUMBER.match(value):
        return value
    if value.startswith(_FORMULA_START) or _LEADING.sub("", value).startswith(_FORMULA_START):
        return "'" + value
    return value


def neutralise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Copy of ``frame`` with every text cell (and the index and header) neutralised."""
    out = frame.copy()
    for col in out.columns:
        if not (
            pd.api.types.is_numeric_dtype(out[col])
            or pd.api.types.is_datetime64_any_dtype(out[col])
        ):
            out[col] = out[col].map(neutralise_text)
    out.columns = [neutralise_text(str(c)) for c in out.columns]
    if not pd.api.types.is_numeric_dtype(out.index):
        out.index = out.index.map(neutralise_text)
    return out


def _file_mode() -> int:
    """The mode a new file gets under the user's umask (mkstemp's are 0600 whatever it is)."""
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


@contextmanager
def atomic_path(target: str | os.PathLike):
    """Yield a temporary path beside ``target``; move it into place only if the block
    succeeds, with the mode the user's umask gives new files."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    try:
        yield Path(tmp)
        if os.path.exists(tmp):
            os.chmod(tmp, _file_mode())
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def write_csv(frame: pd.DataFrame, path: str | os.PathLike, *, index: bool = True) -> Path:
    """Write ``frame`` as UTF-8 CSV, formula-neutralised, atomically."""
    with atomic_path(path) as tmp:
        neutralise_frame(frame).to_csv(tmp, index=index, quoting=csv.QUOTE_NONNUMERIC)
    return Path(path)


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|>~<$])")


def markdown_text(value: object) -> str:
    """``value`` as literal text inside Markdown: HTML-escaped (``<script>`` shows as
    text, not a tag) and Markdown punctuation backslash-escaped (``*`` stays a star)."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", html.escape(str(value), quote=True))
