"""Transactions: read, map, validate. Every row read is either accepted or quarantined.

Validation rules, applied in this order; a row gets the first reason that applies
(the same list is in README "Data contract"):

==================== ==========================================================
reason               rule
==================== ==========================================================
malformed_line       the line cannot be read as one row: a stray quote, or more or
                     fewer fields than the header (``detail`` names the line)
oversized_field      a mapped text value longer than 10,000 characters
missing_account_id   the account id is empty
duplicate_line       the whole line repeats an earlier line exactly (first kept)
date_out_of_range    the date lies outside 1900-01-01 to 2199-12-31 (never wrapped round)
unparseable_date     the date cannot be read as a date, or does not fit the column's one
                     date format (another day/month order); words like ``today`` are not dates
date_in_future       the date is after ``today`` (the run date by default)
non_numeric_amount   revenue, quantity, price or cost is not a finite number
amount_out_of_range  an amount, or quantity times price or cost, exceeds 1e15 in size
zero_quantity        quantity is 0
zero_price           unit price is 0
negative_price       unit price is below 0 (bad-debt adjustments and the like)
unknown_account      the account id is not in the accounts table (when given)
==================== ==========================================================

A line whose revenue is given directly as 0 is kept: a purchase of no value (free
goods, a fully discounted order) is still a purchase occasion. ``keep_duplicates``
turns the ``duplicate_line`` rule off, for files without order ids in which two
identical lines are two real purchases (CDNOW is one).

Returns and cancellations are kept, flagged ``is_return`` and netted: a line with
negative quantity or revenue, or whose order id starts with ``C`` (when fewer than
half the order ids do, so that ordinary ids beginning with C are not mistaken). Its revenue
(and cost) is negative, so sums over an account are net of returns.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from kamlab.errors import MissingColumnError
from kamlab.io.files import RawTable, read_table
from kamlab.io.keys import LineKeys, line_keys
from kamlab.io.mapping import TRANSACTION_ROLES, ColumnMapping, resolve_mapping
from kamlab.io.parse import (
    AMOUNT_LIMIT,
    DATE_RANGE,
    amount_out_of_range,
    check_id_type,
    decimal_mark,
    is_blank,
    parse_dates,
    parse_ids,
    parse_numbers,
)
from kamlab.io.validated import Reasons, Validated, account_for

MAX_FIELD_CHARS = 10_000
REASONS = [
    "malformed_line",
    "oversized_field",
    "missing_account_id",
    "duplicate_line",
    "date_out_of_range",
    "unparseable_date",
    "date_in_future",
    "non_numeric_amount",
    "amount_out_of_range",
    "zero_quantity",
    "zero_price",
    "negative_price",
    "unknown_account",
]
_TEXT_ROLES = ["account_id", "order_id", "product_id", "account_name"]
_AMOUNT_ROLES = ["revenue", "quantity", "unit_price", "unit_cost", "cost", "gross_margin"]


@dataclass(repr=False)
class Transactions(Validated):
    """Validated transactions plus the rows that were set aside.

    ``data`` has one row per accepted line: ``account_id``, ``date``,
    ``revenue`` (net: negative for returns), ``is_return``, ``row`` (1-based data
    row in the source, malformed lines counted) and, when mapped, ``order_id``, ``product_id``,
    ``quantity``, ``unit_price``, ``cost``, ``gross_margin``, ``account_name``.
    ``quarantine`` has the rejected rows as read, with ``row``, ``reason`` and
    ``detail``. ``keys`` are the lines' integer keys (:mod:`kamlab.io.keys`), made
    here once so that every summary of these lines can reuse them.
    """

    keys: LineKeys = field(init=False)

    def __post_init__(self) -> None:
        self.keys = line_keys(self.data)

    # -- the lines shared through a Parquet file (kamlab.workflows: a report run's cache) ----
    # (stand-in on the pandas core, until the engine core lands)
    lines_file: str | None = field(default=None, init=False, repr=False)

    @property
    def lines(self):
        from kamlab.io.engine import connect

        if self.lines_file:
            return connect().read_parquet(self.lines_file)
        import ibis

        return ibis.memtable(self.data)

    def with_lines_file(self, path) -> Transactions:
        """These transactions with their accepted lines read from the Parquet file ``path``
        (the same lines, written by :func:`kamlab.workflows.cache.share_lines`) in the
        default engine. Pickled, they carry the file's path, not the lines."""
        import copy

        shared = copy.copy(self)
        shared.lines_file = str(path)
        return shared

    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        if state.get("lines_file"):  # the file travels, not the lines
            state.pop("data", None)
            state.pop("keys", None)
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        if self.lines_file:
            self.data = self.lines.execute().sort_values("row").reset_index(drop=True)
            self.keys = line_keys(self.data)

    def date_range(self) -> tuple[pd.Timestamp, pd.Timestamp]:
        """The first and last date of the accepted lines, computed in the engine (NaT when
        there are none)."""
        t = self.lines
        ends = t.aggregate(first=t.date.min(), last=t.date.max()).execute()
        return pd.Timestamp(ends.at[0, "first"]), pd.Timestamp(ends.at[0, "last"])


def read_transactions(
    path: str | Path,
    columns: dict[str, str] | None = None,
    *,
    accounts: Iterable[str] | pd.DataFrame | Validated | None = None,
    sep: str | None = None,
    encoding: str | None = None,
    names: list[str] | None = None,
    dayfirst: bool = False,
    keep_duplicates: bool = False,
    today: str | pd.Timestamp | None = None,
) -> Transactions:
    """Read a transactions file (CSV, Parquet, Excel) and validate it.

    ``columns`` maps roles to the file's column names (``{"account_id": "Customer ID"}``);
    roles not given are recognised from common names. ``accounts`` (ids, or an
    accounts frame indexed by id) turns on the ``unknown_account`` rule.
    """
    if isinstance(accounts, Validated):
        accounts = accounts.data
    raw = read_table(path, sep=sep, encoding=encoding, names=names, mapped=(columns or {}).values())
    mapping = resolve_mapping(
        list(raw.frame.columns),
        columns,
        TRANSACTION_ROLES,
        required=["account_id", "date"],
        source=raw.source,
    )
    if "revenue" not in mapping.columns and not {"quantity", "unit_price"} <= set(mapping.columns):
        missing = "unit_price" if "quantity" in mapping.columns else "revenue"
        raise MissingColumnError(
            missing, TRANSACTION_ROLES[missing], list(raw.frame.columns), raw.source
        )
    known = None
    if isinstance(accounts, Validated):
        accounts = accounts.data
    if accounts is not None:
        known = accounts.index if isinstance(accounts, pd.DataFrame) else list(accounts)
    return validate_transactions(
        raw,
        mapping,
        known_accounts=known,
        dayfirst=dayfirst,
        keep_duplicates=keep_duplicates,
        today=today,
    )


def validate_transactions(
    raw: RawTable,
    mapping: ColumnMapping,
    *,
    known_accounts: Iterable[str] | None = None,
    dayfirst: bool = False,
    keep_duplicates: bool = False,
    today: str | pd.Timestamp | None = None,
) -> Transactions:
    """Apply the validation rules to a raw table whose columns are mapped to roles."""
    frame = raw.frame
    n = len(frame)
    cols = mapping.columns
    reasons = Reasons(n)
    flag = reasons.flag
    notes = []
    if raw.encoding and raw.encoding != "utf-8":
        notes.append(f"the file is not valid UTF-8; read as {raw.encoding}")

    for role in _TEXT_ROLES:
        if role in cols and not pd.api.types.is_numeric_dtype(frame[cols[role]]):
            lengths = frame[cols[role]].astype("string").str.len().fillna(0)
            flag(
                lengths > MAX_FIELD_CHARS,
                "oversized_field",
                f"{cols[role]} longer than {MAX_FIELD_CHARS:,} characters",
            )

    for role in ("order_id", "product_id"):  # typed ids that cannot be exact: refused
        if role in cols:
            check_id_type(frame[cols[role]], raw.source)
    account_id = parse_ids(frame[cols["account_id"]], source=raw.source)
    flag(account_id.isna(), "missing_account_id", f"{cols['account_id']} is empty")
    if not keep_duplicates:
        flag(frame.duplicated(keep="first"), "duplicate_line", "repeats an earlier line")

    dates, date_format, out_of_range = parse_dates(frame[cols["date"]], dayfirst=dayfirst)
    notes.append(f"dates read as {date_format}")
    low, high = (d.date() for d in DATE_RANGE)
    flag(out_of_range, "date_out_of_range", f"{cols['date']} outside {low} to {high}")
    flag(dates.isna(), "unparseable_date", cols["date"], frame[cols["date"]])
    today = pd.Timestamp(today) if today is not None else pd.Timestamp.now().normalize()
    future = dates.dt.normalize() > today
    flag(future, "date_in_future", f"after {today.date()}")

    amounts = {}
    for role in _AMOUNT_ROLES:
        if role not in cols:
            continue
        values = frame[cols[role]]
        mark = decimal_mark(values)
        if mark == "decimal comma":
            notes.append(f"{cols[role]} uses a decimal comma")
        elif mark == "thousands commas":
            notes.append(f"{cols[role]}: thousands separated by commas")
        amounts[role] = parse_numbers(values, decimal_comma=mark == "decimal comma")
        bad = amounts[role].isna()
        if role in ("unit_cost", "cost", "gross_margin"):
            bad &= ~is_blank(values)  # an empty cost is unknown, not wrong
        flag(bad, "non_numeric_amount", cols[role], values)
    beyond = f"beyond {AMOUNT_LIMIT:.0e} in size"
    for role, numbers in amounts.items():
        flag(amount_out_of_range(numbers), "amount_out_of_range", f"{cols[role]} {beyond}")
    for role in ("unit_price", "unit_cost"):
        if role in amounts and "quantity" in amounts:
            line = amounts["quantity"] * amounts[role]
            flag(amount_out_of_range(line), "amount_out_of_range", f"quantity x {role} {beyond}")

    if "revenue" in cols:
        revenue = amounts["revenue"]
        if "quantity" in amounts:
            flag(amounts["quantity"] == 0, "zero_quantity", f"{cols['quantity']} is 0")
    else:
        quantity, price = amounts["quantity"], amounts["unit_price"]
        flag(quantity == 0, "zero_quantity", f"{cols['quantity']} is 0")
        flag(price == 0, "zero_price", f"{cols['unit_price']} is 0")
        flag(price < 0, "negative_price", cols["unit_price"], price)
        revenue = quantity * price

    if known_accounts is not None:
        known = pd.Index(parse_ids(pd.Series(list(known_accounts))).dropna())
        flag(~account_id.isin(known), "unknown_account", "not in the accounts table")

    data = _accepted_frame(reasons.ok, account_id, dates, revenue, amounts, frame, cols)
    data, quarantine, n = account_for(raw, data, reasons.quarantine(frame))
    return Transactions(data, quarantine, mapping, raw.source, n, raw.notes + notes)


def _cancelled_orders(order_ids: pd.Series) -> np.ndarray:
    """True for order ids starting with ``C``, when that marks cancellations: fewer than
    half the ids start with it (ordinary ids that all begin with C are not mistaken)."""
    starts = order_ids.astype("string").str.strip().str.startswith("C").fillna(False).to_numpy()
    return starts if starts.mean() < 0.5 else np.zeros_like(starts)


def _accepted_frame(ok, account_id, dates, revenue, amounts, frame, cols) -> pd.DataFrame:
    """The clean frame of accepted rows, returns signed negative."""
    is_return = (revenue < 0).to_numpy()[ok]
    if "quantity" in amounts:
        is_return |= (amounts["quantity"] < 0).to_numpy()[ok]
    if "order_id" in cols:
        is_return |= _cancelled_orders(frame[cols["order_id"]])[ok]
    sign = np.where(is_return, -1.0, 1.0)
    data = pd.DataFrame(
        {
            "account_id": account_id[ok].reset_index(drop=True),
            "date": dates.to_numpy()[ok],
            "revenue": sign * np.abs(revenue.to_numpy()[ok]),
            "is_return": is_return,
            "row": np.flatnonzero(ok) + 1,
        }
    )
    if "quantity" in amounts:
        data["quantity"] = sign * np.abs(amounts["quantity"].to_numpy()[ok])
    if "unit_price" in amounts:
        data["unit_price"] = amounts["unit_price"].to_numpy()[ok]
    cost = None
    if "unit_cost" in amounts and "quantity" in amounts:
        cost = amounts["unit_cost"].to_numpy()[ok] * np.abs(amounts["quantity"].to_numpy()[ok])
    elif "cost" in amounts:
        cost = np.abs(amounts["cost"].to_numpy()[ok])
    if cost is not None:
        data["cost"] = sign * cost
        data["gross_margin"] = data["revenue"] - data["cost"]
    elif "gross_margin" in amounts:
        data["gross_margin"] = amounts["gross_margin"].to_numpy()[ok]
    for role in ("order_id", "product_id"):
        if role in cols:
            data[role] = parse_ids(frame.loc[ok, cols[role]]).reset_index(drop=True)
    if "account_name" in cols:
        names = frame.loc[ok, cols["account_name"]].astype("string").str.strip()
        data["account_name"] = names.reset_index(drop=True)
    return data
