"""The accounts table: one row per account, with attributes and people's scores.

Rules, in order (a row gets the first that applies):

==================== ==========================================================
reason               rule
==================== ==========================================================
malformed_line       the line cannot be read as one row (a stray quote, a ragged line)
oversized_field      an id or name longer than 10,000 characters
missing_account_id   the account id is empty
duplicate_account_id the id appears on an earlier row (the first row is kept)
==================== ==========================================================

Recognised roles (``account_id``, ``account_name``, ``industry``, ``region``) get
those names; every other column is kept as it is, with numbers parsed where the
whole column is numeric.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from kamlab.errors import InputError
from kamlab.io.files import read_table
from kamlab.io.mapping import ACCOUNT_ROLES, resolve_mapping
from kamlab.io.parse import parse_ids
from kamlab.io.transactions import MAX_FIELD_CHARS
from kamlab.io.validated import Reasons, Validated, account_for


class Accounts(Validated):
    """Validated accounts: ``data`` is indexed by ``account_id``."""


def read_accounts(
    path: str | Path,
    columns: dict[str, str] | None = None,
    *,
    sep: str | None = None,
    encoding: str | None = None,
    names: list[str] | None = None,
) -> Accounts:
    """Read an accounts file (CSV, Parquet, Excel) and validate it."""
    raw = read_table(path, sep=sep, encoding=encoding, names=names, mapped=(columns or {}).values())
    frame = raw.frame
    mapping = resolve_mapping(
        list(frame.columns),
        columns,
        ACCOUNT_ROLES,
        required=["account_id"],
        source=raw.source,
        hint="Name the accounts file's id column account_id (in Python: "
        "read_accounts(path, columns={'account_id': 'YOUR_COLUMN'})).",
    )
    cols = mapping.columns
    reasons = Reasons(len(frame))
    for role in ("account_id", "account_name"):
        if role in cols and not pd.api.types.is_numeric_dtype(frame[cols[role]]):
            too_long = frame[cols[role]].astype("string").str.len().fillna(0) > MAX_FIELD_CHARS
            reasons.flag(
                too_long,
                "oversized_field",
                f"{cols[role]} longer than {MAX_FIELD_CHARS:,} characters",
            )
    account_id = parse_ids(frame[cols["account_id"]], source=raw.source)
    reasons.flag(account_id.isna(), "missing_account_id", f"{cols['account_id']} is empty")
    reasons.flag(
        account_id.duplicated(keep="first") & account_id.notna(),
        "duplicate_account_id",
        cols["account_id"],
        account_id,
    )

    renamed = frame.rename(columns={col: role for role, col in cols.items()})
    renamed["account_id"] = account_id
    data = renamed.loc[reasons.ok].set_index("account_id")
    data.index = data.index.astype("string")
    for col in data.columns:
        if data[col].dtype == object or pd.api.types.is_string_dtype(data[col]):
            numbers = pd.to_numeric(data[col], errors="coerce")
            if (
                numbers.notna().sum() == data[col].astype("string").str.strip().ne("").sum()
                and numbers.notna().any()
            ):
                data[col] = numbers
    notes = (
        [f"the file is not valid UTF-8; read as {raw.encoding}"]
        if raw.encoding not in (None, "utf-8")
        else []
    )
    data, quarantine, n = account_for(raw, data, reasons.quarantine(frame))
    return Accounts(data, quarantine, mapping, raw.source, n, raw.notes + notes)


def accounts_by_id(accounts: Accounts | pd.DataFrame | None) -> pd.DataFrame | None:
    """The accounts table indexed by account id (as strings), or ``None``; a repeated id
    is an :class:`~kamlab.errors.InputError` (read files with :func:`read_accounts`)."""
    if accounts is None:
        return None
    frame = accounts.data if isinstance(accounts, Accounts) else accounts
    if "account_id" in frame.columns:
        frame = frame.set_index("account_id")
    frame = frame.copy()
    frame.index = frame.index.astype("string")
    if frame.index.has_duplicates:
        first = frame.index[frame.index.duplicated()][0]
        raise InputError(
            f"accounts table repeats account {first}; read it with kamlab.read_accounts"
        )
    return frame
