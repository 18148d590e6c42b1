"""Making outputs safe to open.

Spreadsheet programs execute a cell that starts with ``=``, ``+``, ``-`` or ``@``
(and some treat a leading tab or carriage return the same way, or skip leading spaces
and control characters first): CSV/formula injection, OWASP. Text cells that could be
read as formulas, after any leading whitespace or control characters, are prefixed with
a single quote, which spreadsheets show as text. Plain numbers are left alone. CSV
files quote every text cell, so a carriage return inside one cannot break the line.

Writing is atomic (:func:`atomic_path`: a temporary file beside the target, moved into
place only when complete) and a fault of the output place (no permission, read-only or
full disk, a file in the way, too long a name) is an :class:`~kamlab.errors.OutputError`
naming the path and the fix (:func:`writing`), not a traceback.
"""

from __future__ import annotations

import csv
import errno
import html
import os
import re
import tempfile
from contextlib import contextmanager
from pathlib import Path

import pandas as pd

from kamlab.errors import OutputError

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


_PERMISSIONS = "choose another output path or fix the folder's permissions"
_SPACE = "free some space or choose an output path on another disk"
OUTPUT_FAULTS: dict[int, tuple[str, str]] = {
    errno.EACCES: ("permission denied", _PERMISSIONS),
    errno.EPERM: ("operation not permitted", _PERMISSIONS),
    errno.EROFS: ("read-only file system", "choose an output path on a writable disk"),
    errno.ENOSPC: ("no space left on the disk", _SPACE),
    errno.EDQUOT: ("disk quota exceeded", _SPACE),
    errno.ENAMETOOLONG: ("name too long", "choose a shorter output path"),
    errno.ENOTDIR: ("a part of the path is a file, not a folder", "choose another output path"),
    errno.EISDIR: ("it is a folder", "give a file name, not a folder"),
    errno.EEXIST: ("a file is in the way", "choose another output path or move the file"),
    errno.ENOENT: ("its folder does not exist and cannot be made", "choose another output path"),
}
"""The system errors that mean "this place cannot be written" (what, and the fix); any
other ``OSError`` while writing is a bug and stays one."""


def output_error(exc: OSError, path: str | os.PathLike) -> OutputError | None:
    """``exc`` as a one-line :class:`~kamlab.errors.OutputError` naming ``path``, or None
    when it is not a fault of the output place (:data:`OUTPUT_FAULTS`)."""
    fault = OUTPUT_FAULTS.get(exc.errno)
    if fault is None:
        return None
    what, fix = fault
    return OutputError(f"{path}: cannot write here ({what}); {fix}", str(path), exc.errno)


@contextmanager
def writing(path: str | os.PathLike, place: str | os.PathLike | None = None):
    """Turn an output fault (:data:`OUTPUT_FAULTS`) raised in the block into an
    :class:`~kamlab.errors.OutputError` naming ``path``; other errors pass unchanged.

    Wrap writing only. An error naming a file that is neither ``place`` (default
    ``path``), inside it nor one of its folders (e.g. a missing input or notebook) is
    not an output fault and passes unchanged. An :class:`~kamlab.errors.OutputError` from an inner block (a
    temporary file) is named again by ``path``, the place the user chose."""
    try:
        yield
    except OutputError as exc:
        if exc.errno is None or str(path) == exc.path:
            raise
        raise output_error(OSError(exc.errno, os.strerror(exc.errno)), path) from exc
    except OSError as exc:
        error = output_error(exc, path) if _concerns(exc, place or path) else None
        if error is None:
            raise
        raise error from exc


def _concerns(exc: OSError, path: str | os.PathLike) -> bool:
    """Whether ``exc`` is about ``path``: no file named, or ``path``, one of its folders,
    or a file inside it."""
    if not exc.filename or not isinstance(exc.filename, (str, os.PathLike)):
        return True
    failed, place = Path(os.path.abspath(exc.filename)), Path(os.path.abspath(path))
    return failed == place or failed in place.parents or place in failed.parents


def _file_mode() -> int:
    """The mode a new file gets under the user's umask (mkstemp's are 0600 whatever it is)."""
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


@contextmanager
def atomic_path(target: str | os.PathLike):
    """Yield a temporary path beside ``target``; move it into place only if the block
    succeeds, with the mode the user's umask gives new files.

    A fault of the output place, in the block too (e.g. a full disk while the caller
    writes), raises :class:`~kamlab.errors.OutputError` naming ``target``; the temporary
    file is removed and an earlier ``target`` is left as it was."""
    target = Path(target)
    with writing(target, target.parent):
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(
            prefix=f".{target.name[:120]}.", suffix=".tmp", dir=target.parent
        )
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
