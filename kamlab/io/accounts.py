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

Recognised roles (``account_id``, ``account_name``, ``industry``, ``region``,
``country``, ``parent_id``, ``parent_name``) get those names; every other column is kept
as it is, with numbers parsed where the whole column is numeric (``parent_id`` is read
as ids, ``parent_name`` and ``country`` as text).

**Global accounts.** ``parent_id`` names the global account an entity belongs to (empty,
or the account's own id: the account is its own global account); ``parent_name`` is that
global account's name. Among the accepted rows:

- a ``parent_id`` may be another account's id (the parent may itself buy), or an id of
  no row (a group that does not buy itself, e.g. ``G001``);
- global accounts are one level deep: a row whose parent has a parent of its own is an
  :class:`~kamlab.errors.InputError` naming both rows and the fix (the parent's parent);
- one ``parent_name`` per global account: two different names are an ``InputError``
  naming both rows.

They are refused rather than quarantined: quarantining an entity's row would also set
aside its transactions (``unknown_account``) and leave the global account's figures
wrong while looking complete; the hierarchy is one structure, and its fix is one edit.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from kamlab.errors import InputError
from kamlab.io.files import read_table
from kamlab.io.mapping import ACCOUNT_ROLES, resolve_mapping
from kamlab.io.parse import numbers_if_all, parse_ids
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
    if "parent_id" in cols:
        renamed["parent_id"] = parse_ids(frame[cols["parent_id"]], source=raw.source)
    for role in ("parent_name", "country"):
        if role in cols:
            renamed[role] = frame[cols[role]].astype("string").str.strip().replace("", pd.NA)
    data = renamed.loc[reasons.ok].set_index("account_id")
    data.index = data.index.astype("string")
    if "parent_id" in data.columns:
        check_parents(data, _rows(raw, reasons.ok), raw.source)
    for col in data.columns.drop(list(_TEXT_ROLES), errors="ignore"):
        if data[col].dtype == object or pd.api.types.is_string_dtype(data[col]):
            numbers = numbers_if_all(data[col])
            if numbers is not None:
                data[col] = numbers
    notes = (
        [f"the file is not valid UTF-8; read as {raw.encoding}"]
        if raw.encoding not in (None, "utf-8")
        else []
    )
    data, quarantine, n = account_for(raw, data, reasons.quarantine(frame))
    return Accounts(data, quarantine, mapping, raw.source, n, raw.notes + notes)


_TEXT_ROLES = ("parent_id", "parent_name", "country")
"""Roles read as text even when every value looks like a number."""


def _rows(raw, ok) -> np.ndarray:
    """The file's data-row numbers (1-based, as the quarantine's ``row``) of the rows ``ok``."""
    at = np.flatnonzero(ok) + 1
    return raw.rows[at - 1] if raw.rows is not None else at


def check_parents(data: pd.DataFrame, rows, source: str) -> None:
    """The global-account rules of the module docstring on accepted rows (``data``
    indexed by account id, with ``parent_id`` and maybe ``parent_name``; ``rows`` their
    row numbers): an :class:`~kamlab.errors.InputError` naming the rows, or nothing."""
    row = pd.Series(np.asarray(rows), index=data.index)
    parent = data["parent_id"].astype("string")
    own = pd.Series(data.index, index=data.index, dtype="string")
    has_parent = parent.notna() & parent.ne(own)
    chained = has_parent & parent.isin(own[has_parent]).fillna(False)
    if chained.any():
        child = chained[chained].index[0]
        up = parent[child]
        raise InputError(
            f"{source} row {row[child]}: account {child}'s parent_id {up} has a parent_id of "
            f"its own ({parent[up]}, row {row[up]}); global accounts are one level deep: "
            f"give {child} parent_id {parent[up]}"
        )
    if "parent_name" not in data.columns:
        return
    top = parent.where(has_parent, own)
    name = data["parent_name"].astype("string")
    named = pd.DataFrame({"top": top, "name": name, "row": row})[name.notna()]
    first = named.drop_duplicates("top")
    clash = named.merge(first, on="top", suffixes=("", "_first"))
    clash = clash[clash["name"] != clash["name_first"]]
    if len(clash):
        c = clash.iloc[0]
        raise InputError(
            f"{source} rows {c['row_first']} and {c['row']}: parent_name {c['name_first']!r} "
            f"and {c['name']!r} for one global account {c['top']}; give it one parent_name"
        )


def accounts_by_id(accounts: Accounts | pd.DataFrame | None) -> pd.DataFrame | None:
    """The accounts table indexed by account id (as strings), or ``None``; a repeated id
    is an :class:`~kamlab.errors.InputError` (read files with :func:`read_accounts`)."""
    if accounts is None:
        return None
    frame = accounts.data if isinstance(accounts, Accounts) else accounts
    if "account_id" in frame.columns:
        frame = frame.set_index("account_id")
    frame = frame.copy(deep=False)  # copy-on-write: the caller's frame stays as it is
    frame.index = frame.index.astype("string")
    if frame.index.has_duplicates:
        first = frame.index[frame.index.duplicated()][0]
        raise InputError(
            f"accounts table repeats account {first}; read it with kamlab.read_accounts"
        )
    return frame
