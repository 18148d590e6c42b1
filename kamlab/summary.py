"""Per-account summaries of transactions, computed in DuckDB.

The SQL lives in ``kamlab/sql/`` (one query per table) so that it can run
unchanged on another engine that speaks SQL. Inputs are the accepted rows of
:func:`kamlab.io.read_transactions` (or any frame with the same columns). The summary
groups on the lines' integer keys (:mod:`kamlab.io.keys`), which come with the
:class:`Transactions` and are made in the call for a plain frame.
"""

from __future__ import annotations

from importlib import resources

import duckdb
import numpy as np
import pandas as pd

from kamlab.errors import InputError
from kamlab.io import Transactions
from kamlab.io.keys import LineKeys, keys_for

PERIOD_DAYS = {"day": 1.0, "week": 7.0, "month": 365.25 / 12}
"""Length of one time unit in days: ``week`` is days / 7, ``month`` days / 30.4375."""

PANEL_PERIODS = ("quarter", "month", "year")

SUMMARY_COLUMNS = {
    "frequency": "repeat purchase days (purchase days - 1); same-day purchases merged",
    "recency": "time from first to last purchase day, in the chosen unit",
    "T": "time from first purchase day to the end of the window, in the chosen unit",
    "monetary_value": "mean sales of the repeat purchase days (0 with no repeat)",
    "orders": "distinct order ids of non-return lines (purchase days when no order id)",
    "order_lines": "non-return lines",
    "products": "distinct products bought (missing when no product id)",
    "revenue": "net revenue: sales less returns",
    "returns_value": "value of returned lines (positive)",
    "return_lines": "return lines",
    "gross_margin": "net revenue less cost of goods (missing when cost is unknown)",
    "first_purchase": "first purchase day",
    "last_purchase": "last purchase day in the window",
}
"""The columns of :func:`summarize`, with their meaning (also in README)."""

_KEYED_COLUMNS = pd.Index(["date", "revenue", "is_return", "gross_margin"])
"""The columns of the lines that account_summary.sql reads besides their keys."""


def _sql(name: str) -> str:
    return resources.files("kamlab").joinpath(f"sql/{name}.sql").read_text(encoding="utf-8")


def accepted_rows(transactions: Transactions | pd.DataFrame) -> pd.DataFrame:
    """The accepted rows of ``transactions`` (or the frame itself), checked for the
    columns kamlab.io produces; an error when none were accepted."""
    frame = transactions.data if isinstance(transactions, Transactions) else transactions
    missing = {"account_id", "date", "revenue", "is_return"} - set(frame.columns)
    if missing:
        raise InputError(
            f"transactions lack columns {sorted(missing)}; read them with kamlab.read_transactions"
        )
    if frame.empty:
        raise InputError("no accepted transactions to summarise: every row was quarantined")
    return frame


def _fill_summary(query: str, frame: pd.DataFrame, keys: LineKeys) -> str:
    """Fill the placeholders of account_summary.sql for the columns the frame has."""
    flags = set(keys.lines.columns)

    def flag(name: str) -> str:
        return f"CAST({name} AS INTEGER)" if name in flags else "CAST(NULL AS INTEGER)"

    return query.format(
        gross_margin="gross_margin" if "gross_margin" in frame.columns else "CAST(NULL AS DOUBLE)",
        first_order=flag("first_order"),
        first_product=flag("first_product"),
        orders="a.orders" if "first_order" in flags else "a.purchase_days",
    )


def _fill_panel(query: str, frame: pd.DataFrame) -> str:
    """Fill the placeholders of period_panel.sql for the columns the frame has."""
    has = set(frame.columns)
    return query.format(
        order_count="COUNT(DISTINCT order_id) FILTER (WHERE NOT is_return)"
        if "order_id" in has
        else "COUNT(DISTINCT CAST(date AS DATE)) FILTER (WHERE NOT is_return)",
        margin_sum="SUM(gross_margin)" if "gross_margin" in has else "CAST(NULL AS DOUBLE)",
    )


def _until(frame: pd.DataFrame, until) -> pd.Timestamp:
    return pd.Timestamp(until).normalize() if until is not None else frame["date"].max().normalize()


def _run(query: str, frame: pd.DataFrame, params: dict) -> pd.DataFrame:
    con = duckdb.connect()
    try:
        con.register("transactions", frame)
        return con.execute(query, params).df()
    finally:
        con.close()


def summarize(
    transactions: Transactions | pd.DataFrame, *, until=None, period: str = "week"
) -> pd.DataFrame:
    """One row per account that bought in the window ending ``until`` (inclusive).

    Columns are described in :data:`SUMMARY_COLUMNS`; the index is ``account_id``,
    sorted. ``until`` defaults to the last transaction date; ``period`` is the time
    unit of ``recency`` and ``T``: ``day``, ``week`` (days / 7) or ``month``. Accounts
    whose only lines in the window are returns have no purchase and are left out.
    The lines' integer keys (:mod:`kamlab.io.keys`) come with a :class:`Transactions`
    and are made here for a frame: summarise the ``Transactions`` when you can.
    """
    if period not in PERIOD_DAYS:
        raise InputError(f"period {period!r}: expected one of {', '.join(PERIOD_DAYS)}")
    frame = accepted_rows(transactions)
    end = _until(frame, until)
    keys = keys_for(frame, transactions.keys if isinstance(transactions, Transactions) else None)
    keyed = pd.concat([frame[_KEYED_COLUMNS.intersection(frame.columns)], keys.lines], axis=1)
    query = _fill_summary(_sql("account_summary"), frame, keys)
    out = _run(query, keyed, {"until": end.date(), "unit_days": PERIOD_DAYS[period]})
    if out.empty:
        raise InputError(f"no purchases on or before {end.date()}: nothing to summarise")
    for col in ("first_purchase", "last_purchase"):
        out[col] = pd.to_datetime(out[col])
    # account keys follow the sorted ids: in key order, the index is sorted
    account_key = out.pop("account_key").to_numpy()
    order = np.argsort(account_key, kind="stable")  # a radix sort for integer keys
    out = out.take(order)
    out.index = keys.accounts.take(account_key[order])
    out.attrs.update(until=str(end.date()), period=period)
    return out


def period_panel(
    transactions: Transactions | pd.DataFrame, *, until=None, freq: str = "quarter"
) -> pd.DataFrame:
    """Account x period table: ``account_id, period`` (e.g. ``2026Q3``), ``period_start``,
    ``revenue``, ``gross_margin``, ``orders``, ``purchase_days``."""
    if freq not in PANEL_PERIODS:
        raise InputError(f"panel period {freq!r}: expected one of {', '.join(PANEL_PERIODS)}")
    frame = accepted_rows(transactions)
    end = _until(frame, until)
    query = _fill_panel(_sql("period_panel"), frame)
    out = _run(query, frame, {"until": end.date(), "period": freq})
    out["account_id"] = out["account_id"].astype("string")
    start = pd.to_datetime(out["period_start"])
    out["period_start"] = start
    out.insert(
        1,
        "period",
        start.dt.to_period({"quarter": "Q", "month": "M", "year": "Y"}[freq]).astype(str),
    )
    return out


def lines_table(transactions: Transactions | pd.DataFrame):
    """The accepted lines as an Ibis table (checked as :func:`accepted_rows` checks them).

    Stand-in until the engine core lands (issue 17): ``ibis.memtable`` of the lines."""
    import ibis

    return ibis.memtable(accepted_rows(transactions))
