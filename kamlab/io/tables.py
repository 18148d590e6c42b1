"""Small per-account tables the commands read besides transactions: a per-account
summary (``kamlab fit``), an account-by-feature table (``kamlab segment``) and a list
of account ids (``kamlab uplift --accounts-only``)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from kamlab.errors import InputError

__all__ = ["SUMMARY_COLUMNS", "read_feature_table", "read_ids", "read_summary"]

SUMMARY_COLUMNS = ("frequency", "recency", "T", "monetary_value")
"""The columns of a per-account summary that the models read."""


def read_summary(path: str | Path, rename: Mapping[str, str] | None = None):
    """A summary CSV (as ``kamlab summarize`` writes it) as a frame indexed by account id:
    the ``account_id`` column, else the first column unless it is a summary column.
    ``rename`` maps columns of the file to :data:`SUMMARY_COLUMNS` (``--column``)."""
    import pandas as pd

    file = Path(path)
    if not file.is_file():
        raise InputError(f"{path}: no such file (give the CSV written by 'kamlab summarize')")
    mapping = dict(rename or {})
    try:
        frame = pd.read_csv(file)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot be read as CSV ({exc})") from exc
    if frame.empty:
        raise InputError(f"{path}: no rows")
    missing = [src for src in mapping if src not in frame.columns]
    if missing:
        raise InputError(f"{path}: --column names {', '.join(missing)}, not in the file")
    frame = frame.rename(columns=mapping)
    if "account_id" in frame.columns:
        frame = frame.set_index("account_id")
    elif frame.columns[0] not in SUMMARY_COLUMNS:
        frame = frame.set_index(frame.columns[0])
    return frame


def read_feature_table(path, id_column: str | None = None, **options):
    """An account-by-feature file as :class:`~kamlab.io.Accounts`: ``data`` indexed by
    account id, numeric columns parsed; rows without an id or repeating an earlier id
    are quarantined. ``options``: ``sep``, ``encoding``, ``names``."""
    from kamlab.io.accounts import read_accounts

    keep = {key: options[key] for key in ("sep", "encoding", "names") if key in options}
    columns = {"account_id": id_column} if id_column else None
    return read_accounts(path, columns, **keep)


def read_ids(path: str | Path) -> list[str]:
    """Account ids from a file: one per line (a first line ``account_id`` is a header),
    or a CSV whose ``account_id`` column (else its first column) holds them. Repeats
    are dropped, the order kept."""
    import pandas as pd

    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read it ({exc})") from None
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if lines and any(sep in lines[0] for sep in (",", ";", "\t")):
        from io import StringIO

        frame = pd.read_csv(StringIO(text), dtype=str, sep=None, engine="python")
        column = "account_id" if "account_id" in frame.columns else frame.columns[0]
        lines = [v.strip() for v in frame[column].dropna() if v.strip()]
    elif lines and lines[0].lower() == "account_id":
        lines = lines[1:]
    if not lines:
        raise InputError(f"{path}: no account ids in it (one id per line)")
    return list(dict.fromkeys(lines))
