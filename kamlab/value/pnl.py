"""Customer P&L with cost to serve by activity-based costing.

Per account, over the window ending ``until`` (inclusive)::

    gross sales - returns - discounts            = net revenue
    net revenue - cost of goods                  = gross margin
    gross margin - cost to serve                 = contribution
    contribution / net revenue                   = contribution margin

Cost to serve is assigned by activity-based costing (Cooper & Kaplan 1991, "Profit
priorities from activity-based costing", *Harvard Business Review* 69(3); Kaplan &
Narayanan 2001, "Measuring and managing customer profitability", *Journal of Cost
Management* 15(5)): each activity's driver count times its cost rate,
``cts_<driver> = count x rate``, summed into ``cost_to_serve``. Rates come from a YAML
file (the shipped default is ``kamlab/cost_to_serve.yaml``, read by
:func:`load_cost_rates`).

The per-line work (sums, distinct orders and deliveries, first days) is one query on the
lines' engine (:func:`kamlab.summary.lines_table`); only one row per account comes back.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import ibis
import numpy as np
import pandas as pd

from kamlab.errors import ConfigError, InputError
from kamlab.io import Accounts, Transactions, accounts_by_id
from kamlab.summary import lines_table
from kamlab.yamlfile import number, read_yaml, shown, text

__all__ = [
    "PNL_COLUMNS",
    "TRANSACTION_DRIVERS",
    "CostRates",
    "cost_lines",
    "customer_pnl",
    "load_cost_rates",
]

TRANSACTION_DRIVERS: dict[str, str] = {
    "order": "orders",
    "order_line": "order_lines",
    "return_line": "return_lines",
    "delivery": "deliveries",
}
"""Rate key in ``transaction_drivers`` -> driver column counted from the transactions."""

PNL_COLUMNS: dict[str, str] = {
    "account_name": "name, from the accounts table or the transactions (when known)",
    "years": "years the account is charged annual drivers for: from max(window start, "
    "first transaction) to until",
    "orders": "distinct orders (purchase days when there is no order id), as kamlab.summarize",
    "order_lines": "non-return lines",
    "return_lines": "return lines",
    "deliveries": "distinct delivery_id; else distinct (order_id, day); else orders",
    "<account driver>": "annual count from the accounts table x years (e.g. kam_hours)",
    "payment_days": "days of credit used for financing",
    "gross_sales": "sales before returns and discounts (sales lines' revenue + discounts)",
    "returns": "value credited for returned lines (positive)",
    "discounts": "the `discount` column summed over sales lines (0 when there is none)",
    "net_revenue": "gross_sales - returns - discounts (= summed revenue)",
    "cost_of_goods": "cost of goods sold, net of returns",
    "cost_of_goods_basis": "'data', 'assumed' (assumed_margin_share) or 'partly assumed'",
    "gross_margin": "net_revenue - cost_of_goods",
    "cts_<driver>": "driver count x rate, one column per cost line",
    "cost_to_serve": "sum of the cts_ columns",
    "contribution": "gross_margin - cost_to_serve",
    "contribution_margin": "contribution / net_revenue (missing when net revenue <= 0)",
}
"""The columns of :func:`customer_pnl`, with their meaning."""

RATE_MAX = 1e9
"""The largest rate accepted, in currency units per unit of a driver (a sane bound: a
KAM hour in Indonesian rupiah is about 1.3e6); a larger one is refused as a typo."""
PAYMENT_DAYS_MAX = 3650
"""The most days of credit accepted in ``financing.payment_days`` (ten years)."""
_SHIPPED = "kamlab/cost_to_serve.yaml"

_TOP_KEYS = (
    "currency",
    "transaction_drivers",
    "account_drivers",
    "financing",
    "assumed_margin_share",
)
_FINANCING_KEYS = ("annual_rate", "payment_days", "payment_days_column")
_RESERVED = {"years", "payment_days", "gross_sales", "returns", "discounts", "net_revenue"}
_RESERVED |= {"cost_of_goods", "gross_margin", "cost_to_serve", "contribution", "financing"}
_RESERVED |= {"account_name", "cost_of_goods_basis", "contribution_margin"}
_RESERVED |= set(TRANSACTION_DRIVERS.values())


@dataclass(frozen=True)
class CostRates:
    """Cost-to-serve rates (see ``kamlab/cost_to_serve.yaml`` for the reasoning).

    ``transaction`` maps a key of :data:`TRANSACTION_DRIVERS` to a cost per unit;
    ``account`` maps an accounts-table column of annual counts to a cost per unit.
    Financing costs ``financing_rate x payment_days / 365 x net revenue``.
    """

    currency: str = "GBP"
    transaction: dict[str, float] = field(default_factory=dict)
    account: dict[str, float] = field(default_factory=dict)
    financing_rate: float = 0.0
    payment_days: float | None = None
    payment_days_column: str | None = None
    assumed_margin_share: float = 0.25
    source: str = ""


# --------------------------------------------------------------------------- rates


def _default_path():
    return resources.files("kamlab").joinpath("cost_to_serve.yaml")


def _read_yaml(path, where: str) -> dict:
    return read_yaml(path, "cost-to-serve rates", name=where, template=_SHIPPED)


def _rate(value, where: str, key: str, meaning: str) -> float:
    """A cost per unit: a finite number from 0 to :data:`RATE_MAX`."""
    return number(value, where, key, low=0, high=RATE_MAX, meaning=meaning)


def _section(data: dict, name: str, where: str) -> dict:
    section = data.get(name) or {}
    if not isinstance(section, dict):
        raise ConfigError(f"{where}: {name} must be 'key: value' lines, got {shown(section)}")
    return section


def _unknown(keys, known, where: str, section: str) -> None:
    extra = [k for k in keys if k not in known]
    if extra:
        raise ConfigError(
            f"{where}: unknown key {shown(str(extra[0]))} in {section}; known keys: "
            f"{', '.join(known)}"
        )


def _parse(data: dict, where: str, base: CostRates | None) -> CostRates:
    _unknown(data, _TOP_KEYS, where, "the top level")
    currency = data.get("currency", base.currency if base else "GBP")
    unit = text(currency, where, "currency", example="GBP")

    section = _section(data, "transaction_drivers", where)
    _unknown(section, TRANSACTION_DRIVERS, where, "transaction_drivers")
    transaction = dict(base.transaction) if base else {}
    for key, value in section.items():
        what = f"{unit} per {key.replace('_', ' ')}"
        transaction[key] = _rate(value, where, f"transaction_drivers.{key}", what)

    section = _section(data, "account_drivers", where)
    account = dict(base.account) if base else {}
    for key, value in section.items():
        if not isinstance(key, str) or not key.strip() or key in _RESERVED:
            raise ConfigError(
                f"{where}: account_drivers key {shown(key)} must name a column of the accounts "
                f"table other than {', '.join(sorted(_RESERVED))}"
            )
        account[key] = _rate(value, where, f"account_drivers.{key}", f"{unit} per unit")

    section = _section(data, "financing", where)
    _unknown(section, _FINANCING_KEYS, where, "financing")
    rate = base.financing_rate if base else 0.0
    if "annual_rate" in section:
        rate = number(
            section["annual_rate"], where, "financing.annual_rate", high=1, meaning="a share"
        )
    days = base.payment_days if base else None
    if "payment_days" in section:
        days = section["payment_days"]
        if days is not None:
            days = number(
                days,
                where,
                "financing.payment_days",
                high=PAYMENT_DAYS_MAX,
                meaning="days of credit, or null",
            )
    column = base.payment_days_column if base else None
    if "payment_days_column" in section:
        column = section["payment_days_column"]
        if column is not None:
            column = text(
                column,
                where,
                "financing.payment_days_column",
                example="payment_days (or null)",
            )

    share = base.assumed_margin_share if base else 0.25
    if "assumed_margin_share" in data:
        share = number(
            data["assumed_margin_share"], where, "assumed_margin_share", high=1, meaning="a share"
        )
    return CostRates(unit, transaction, account, rate, days, column, share, where)


def load_cost_rates(path: str | Path | Mapping | None = None) -> CostRates:
    """Cost-to-serve rates from a YAML file (or a dict of the same shape).

    ``None`` gives the shipped defaults (``kamlab/cost_to_serve.yaml``). A file or
    dict only needs the keys it changes: the others keep their defaults, and a rate
    of 0 stops charging an activity. The file is read by
    :func:`kamlab.yamlfile.read_yaml` (size, alias and nesting limits). Raises
    :class:`~kamlab.errors.ConfigError` naming the file and key for an unreadable file,
    an unknown key, or a value of the wrong type or range: every rate a finite number
    from 0 to :data:`RATE_MAX` (yes/no are not numbers), ``annual_rate`` and
    ``assumed_margin_share`` from 0 to 1, ``payment_days`` from 0 to
    :data:`PAYMENT_DAYS_MAX` or null.
    """
    defaults = _parse(_read_yaml(_default_path(), _SHIPPED), _SHIPPED, None)
    if path is None:
        return defaults
    if isinstance(path, Mapping):
        return _parse(dict(path), "rates", defaults)
    return _parse(_read_yaml(path, str(path)), str(path), defaults)


def _rates(rates: CostRates | str | Path | Mapping | None) -> CostRates:
    return rates if isinstance(rates, CostRates) else load_cost_rates(rates)


# --------------------------------------------------------------------------- window

_WINDOW = re.compile(r"^\s*(\d+)\s*([DWMY])\s*$", re.IGNORECASE)


def _window_start(end: pd.Timestamp, window) -> pd.Timestamp | None:
    """First day of the window of length ``window`` ending on ``end`` (inclusive)."""
    if window is None:
        return None
    after = end + pd.Timedelta(days=1)
    if isinstance(window, pd.DateOffset):
        return after - window
    if isinstance(window, int | np.integer) and not isinstance(window, bool):
        length = pd.Timedelta(days=int(window))
    elif isinstance(window, pd.Timedelta):
        length = window
    elif isinstance(window, str) and (m := _WINDOW.match(window)):
        n, unit = int(m[1]), m[2].upper()
        if unit in "MY":
            return after - pd.DateOffset(months=n * (12 if unit == "Y" else 1))
        length = pd.Timedelta(days=n * (7 if unit == "W" else 1))
    else:
        raise InputError(
            f"window {window!r}: expected days (365), or a length such as '90D', '13W', "
            "'12M' or '1Y'"
        )
    if length <= pd.Timedelta(0):
        raise InputError(f"window {window!r} must be longer than 0 days")
    return after - length


# --------------------------------------------------------------------------- P&L


def _refuse_infinity(pnl: pd.DataFrame) -> None:
    """Backstop: no P&L number may be infinite. Rates are bounded (:data:`RATE_MAX`) and
    accounts columns finite, but a driver count x rate, or amounts near the float limit
    (1.8e308), can still overflow; that is an :class:`InputError`, never an ``inf`` cell."""
    numbers = pnl.select_dtypes("number")
    infinite = np.isinf(numbers.to_numpy(dtype="float64"))
    if infinite.any():
        row, col = np.argwhere(infinite)[0]
        raise InputError(
            f"the P&L's {numbers.columns[col]} for account {numbers.index[row]} is too large "
            "to compute (beyond 1.8e308); check that account's amounts, its driver counts in "
            "the accounts file and the cost rates"
        )


def cost_lines(pnl: pd.DataFrame) -> list[str]:
    """The cost-to-serve columns of a P&L (``cts_*``), in their order."""
    return [c for c in pnl.columns if str(c).startswith("cts_")]


def _line_cost(lines, share: float):
    """Cost of goods per line (signed like revenue, an Ibis column) and whether it was
    assumed: from ``cost``, else ``revenue - gross_margin``, else missing; a missing cost
    is ``revenue x (1 - share)``."""
    if "cost" in lines.columns:
        known = lines.cost.cast("float64")
    elif "gross_margin" in lines.columns:
        known = lines.revenue - lines.gross_margin.cast("float64")
    else:
        known = ibis.null("float64")
    assumed = known.isnull()
    return ibis.coalesce(known, lines.revenue * _float(1.0 - share)), assumed


def _float(value: float):
    """A float64 literal (a bare Python float compiles to DECIMAL on Spark)."""
    return ibis.literal(float(value), type="float64")


def _per_account(t, end: pd.Timestamp, start: pd.Timestamp | None, rates: CostRates):
    """One engine query over the lines up to ``end``: per account with a line in the
    window, its money, line and order counts, deliveries (when counted from a
    ``delivery_id``), first day up to ``end`` and name (when the lines have one)."""
    u = t.mutate(day=t.date.date()).filter(lambda u: u.day <= end.date())
    inside = u.day >= start.date() if start is not None else ibis.literal(True)
    sale = inside & ~u.is_return
    back = inside & u.is_return
    cogs, assumed = _line_cost(u, rates.assumed_margin_share)
    metrics = {
        "first": u.date.min(),
        "lines": u.count(where=inside),
        "return_lines": u.count(where=back),
        "order_lines": u.count(where=sale),
        "sales": u.revenue.sum(where=sale),
        "returns": -u.revenue.sum(where=back),
        "net_revenue": u.revenue.sum(where=inside),
        "cost_of_goods": cogs.sum(where=inside),
        "assumed_lines": u.count(where=inside & assumed),
        "discounts": (
            u.discount.cast("float64").fill_null(0.0).sum(where=sale)
            if "discount" in u.columns
            else _float(0.0)
        ),
        "orders": (u.order_id if "order_id" in u.columns else u.day).nunique(where=sale),
    }
    if "delivery_id" in u.columns:
        metrics["deliveries"] = u.delivery_id.nunique(where=sale)
    if "account_name" in u.columns:
        # the last line's name, as read (the line order may be unknown: then any line's)
        last = u.row.fill_null(-1) if "row" in u.columns else u.date
        metrics["account_name"] = u.account_name.argmax(
            last, where=inside & u.account_name.notnull()
        )
    grouped = u.group_by("account_id").aggregate(**metrics).filter(lambda a: a.lines > 0)
    if "delivery_id" not in u.columns and "order_id" in u.columns:
        # distinct (order, day) pairs of sales lines; joined in, so still one query
        pairs = u.filter(sale).select("account_id", "order_id", "day").distinct()
        counted = pairs.group_by("account_id").aggregate(deliveries=pairs.count())
        grouped = grouped.left_join(counted, "account_id").drop("account_id_right")
    out = grouped.to_pandas()
    if out.empty:
        span = f"{start.date()} to {end.date()}" if start is not None else f"up to {end.date()}"
        raise InputError(f"no transactions from {span}: nothing to build a P&L on")
    out = out.set_index(out["account_id"].astype("string")).drop(columns="account_id")
    out = out.sort_index()
    for column in ("sales", "returns", "discounts"):
        out[column] = out[column].astype("float64").fillna(0.0)
    out["gross_sales"] = out.pop("sales") + out["discounts"]
    if "deliveries" in out.columns:
        out["deliveries"] = out["deliveries"].fillna(0)
    else:
        out["deliveries"] = out["orders"]
    for column in ("lines", "return_lines", "order_lines", "orders", "deliveries"):
        out[column] = out[column].astype("int64")
    out.index.name = "account_id"
    return out


def _account_values(acc: pd.DataFrame, column: str, index: pd.Index, what: str) -> pd.Series:
    """A numeric accounts column aligned to ``index`` (missing stays NaN); a negative,
    infinite or non-numeric value is an :class:`InputError`."""
    values = pd.to_numeric(acc[column], errors="coerce")
    bad = (values.isna() & acc[column].notna()) | (values < 0) | np.isinf(values)
    if bad.any():
        first = bad[bad].index[0]
        raise InputError(
            f"accounts column {column!r} must hold {what}: finite numbers >= 0; account "
            f"{first} has {str(acc.at[first, column])!r}; correct it in the accounts file"
        )
    return values.reindex(index).astype("float64")


def _end(t, until) -> pd.Timestamp:
    """``until`` as a day, or the day of the last line."""
    if until is not None:
        return pd.Timestamp(until).normalize()
    last = t.date.max().execute()
    if pd.isna(last):
        raise InputError("no accepted transactions: every row was quarantined, no P&L to build")
    return pd.Timestamp(last).normalize()


def _names(per_account: pd.DataFrame, acc: pd.DataFrame | None) -> pd.Series | None:
    """Account names from the accounts table, else from the transactions."""
    index = per_account.index
    names = None
    if acc is not None and "account_name" in acc.columns:
        names = acc["account_name"].reindex(index)
    if "account_name" in per_account.columns:
        from_tx = per_account["account_name"]
        names = from_tx if names is None else names.fillna(from_tx)
    return None if names is None else names.astype("string")


def customer_pnl(
    transactions: Transactions | pd.DataFrame,
    accounts: Accounts | pd.DataFrame | None = None,
    *,
    until=None,
    window=None,
    rates: CostRates | str | Path | Mapping | None = None,
) -> pd.DataFrame:
    """Customer P&L per account with cost to serve by activity-based costing.

    ``transactions`` as :func:`kamlab.read_transactions` accepts them (or its
    ``.data``); an optional ``discount`` column is the discount amount on a line
    (revenue being after it) and an optional ``delivery_id`` identifies deliveries.
    ``accounts`` (frame indexed by ``account_id``) supplies annual driver counts
    (``account_drivers`` in the rates, e.g. ``service_calls``, ``kam_hours``) and
    days of credit. The window ends on ``until`` (default: the last transaction day)
    and is ``window`` long (days, ``"90D"``, ``"13W"``, ``"12M"``, ``"1Y"``; default
    all history). ``rates``: :class:`CostRates`, a YAML path or dict, or ``None``
    for the shipped defaults.

    One row per account with any line in the window, indexed by ``account_id``;
    columns in :data:`PNL_COLUMNS`. Annual drivers are charged for ``years`` =
    (until - max(window start, first transaction) + 1 day) / 365.25, so an account
    won in the window pays only for its time as a customer. Financing is
    ``annual_rate x payment_days / 365 x max(net revenue, 0)``. When the data have
    no cost, cost of goods = net revenue x (1 - ``assumed_margin_share``), flagged in
    ``cost_of_goods_basis``. ``attrs`` hold ``until``, ``start``, ``currency``,
    ``rates`` (the source) and ``notes``.
    """
    rates = _rates(rates)
    t = lines_table(transactions)
    end = _end(t, until)
    start = _window_start(end, window)
    acc = accounts_by_id(accounts)
    notes: list[str] = []
    money = _per_account(t, end, start, rates)
    index = money.index

    first = pd.to_datetime(money["first"]).dt.normalize()
    if start is not None:
        first = first.clip(lower=start)
    out = pd.DataFrame(index=index)
    names = _names(money, acc)
    if names is not None:
        out["account_name"] = names
    out["years"] = (((end - first).dt.days + 1) / 365.25).astype("float64")

    # Drivers: counted from the transactions, then annual counts x years from the accounts.
    for column in ("orders", "order_lines", "return_lines", "deliveries"):
        out[column] = money[column]
    rate_of = {col: rates.transaction.get(key, 0.0) for key, col in TRANSACTION_DRIVERS.items()}
    for column, rate in rates.account.items():
        if acc is None or column not in acc.columns:
            if rate:
                notes.append(
                    f"no accounts column {column!r}: {column.replace('_', ' ')} not charged"
                )
            continue
        annual = _account_values(acc, column, index, "counts per year").fillna(0.0)
        out[column] = annual * out["years"]
        rate_of[column] = rate
    days = pd.Series(np.nan if rates.payment_days is None else rates.payment_days, index=index)
    column = rates.payment_days_column
    if acc is not None and column and column in acc.columns:
        days = _account_values(acc, column, index, "days of credit").fillna(days)
    out["payment_days"] = days.astype("float64")

    # Money: net revenue, cost of goods, gross margin.
    for column in ("gross_sales", "returns", "discounts", "net_revenue", "cost_of_goods"):
        out[column] = money[column]
    assumed = money["assumed_lines"]
    basis = np.where(
        assumed == 0, "data", np.where(assumed == money["lines"], "assumed", "partly assumed")
    )
    out["cost_of_goods_basis"] = pd.Categorical(
        basis, categories=["data", "partly assumed", "assumed"]
    )
    if assumed.any():
        notes.append(
            f"cost of goods assumed at {1 - rates.assumed_margin_share:.0%} of revenue "
            f"(margin share {rates.assumed_margin_share:.0%}) for lines without cost"
        )
    out["gross_margin"] = out["net_revenue"] - out["cost_of_goods"]

    # Cost to serve: driver x rate, plus financing; contribution.
    for driver, rate in rate_of.items():
        out[f"cts_{driver}"] = out[driver] * rate
    credit = out["payment_days"].fillna(0.0) / 365.0
    out["cts_financing"] = rates.financing_rate * credit * out["net_revenue"].clip(lower=0)
    out["cost_to_serve"] = out[cost_lines(out)].sum(axis=1)
    out["contribution"] = out["gross_margin"] - out["cost_to_serve"]
    positive = out["net_revenue"] > 0
    out["contribution_margin"] = (out["contribution"] / out["net_revenue"]).where(positive)
    _refuse_infinity(out)
    out.attrs.update(
        until=str(end.date()),
        start=str((start if start is not None else first.min()).date()),
        currency=rates.currency,
        rates=rates.source,
        cost_of_goods_assumed={
            "accounts": int((assumed > 0).sum()),
            "of": len(out),
            "margin_share": rates.assumed_margin_share,
        },
        notes=notes,
    )
    return out
