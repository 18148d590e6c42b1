"""First look at a customer base: data quality, concentration, purchase timing.

Small pure functions behind ``kamlab/notebooks/01_explore.ipynb``. Each takes what
:func:`kamlab.read_transactions`, :func:`kamlab.read_accounts` or
:func:`kamlab.summarize` return and gives back a pandas object (or a dict of
headline numbers); nothing here reads files or draws. The matching charts are
in :mod:`kamlab.plots`.

Revenue is net revenue as :mod:`kamlab.io` defines it: sales less returns.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import ibis
import numpy as np
import pandas as pd

from kamlab.errors import InputError
from kamlab.io import REASONS, Accounts, Transactions, lines_of
from kamlab.io.validated import Validated

__all__ = [
    "breakdown",
    "concentration_curve",
    "data_quality_table",
    "gini",
    "interpurchase_days",
    "interpurchase_gap_counts",
    "monthly_revenue",
    "overview",
    "revenue_concentration",
    "top_accounts",
]


# --------------------------------------------------------------------------- helpers


def _counts(source: Validated | Mapping) -> dict:
    """``counts()`` of a validated input, or a counts dict as it is."""
    counts = source.counts() if isinstance(source, Validated) else dict(source)
    missing = {"read", "accepted", "quarantined"} - set(counts)
    if missing:
        raise InputError(f"counts lack {sorted(missing)}; pass tx or tx.counts()")
    return counts


def _lines(tx: Transactions | pd.DataFrame, until=None):
    """The accepted lines as an Ibis table on their engine (:func:`kamlab.io.lines_of`), up
    to and including the day ``until`` when given."""
    lines = lines_of(tx)
    if until is not None:
        lines = lines.filter(lines.date.date() <= pd.Timestamp(until).normalize().date())
    return lines


def _no_lines() -> InputError:
    return InputError("no accepted transactions: every row was quarantined or after `until`")


def _accounts_frame(accounts: Accounts | pd.DataFrame | None) -> pd.DataFrame | None:
    if accounts is None:
        return None
    return accounts.data if isinstance(accounts, Accounts) else accounts


def _values(summary: pd.DataFrame | pd.Series, column: str) -> pd.Series:
    """Per-account values, negatives counted as 0 (a Lorenz curve needs values >= 0)."""
    values = summary if isinstance(summary, pd.Series) else summary[column]
    values = values.astype("float64").fillna(0.0)
    if values.empty:
        raise InputError("no accounts to measure concentration on")
    return values.clip(lower=0.0)


# --------------------------------------------------------------------------- data quality


def rule_order(reason: str) -> tuple[int, str]:
    """Sort key: the order in which :mod:`kamlab.io` applies its rules, then the name."""
    return (REASONS.index(reason) if reason in REASONS else len(REASONS), str(reason))


def data_quality_table(tx: Validated | Mapping) -> pd.DataFrame:
    """What was read, accepted and quarantined, and why, with shares of the rows read.

    ``tx`` is a :class:`~kamlab.io.Transactions` (or :class:`~kamlab.io.Accounts`)
    or its ``counts()`` dict. Rows of the result, in order: ``read``, ``accepted``,
    ``quarantined`` and one ``quarantined: <reason>`` row per reason, most frequent
    first (ties in the order the rules are applied). Columns: ``rows`` and
    ``share_of_read`` (``rows / read``).

    Nothing is lost: ``accepted + quarantined = read`` and the reason rows sum to
    ``quarantined``.
    """
    counts = _counts(tx)
    read = int(counts["read"])
    labels = ["read", "accepted", "quarantined"]
    rows = [read, int(counts["accepted"]), int(counts["quarantined"])]
    by_reason = counts.get("by_reason", {}).items()
    for reason, n in sorted(by_reason, key=lambda item: (-item[1], *rule_order(item[0]))):
        labels.append(f"quarantined: {reason}")
        rows.append(int(n))
    table = pd.DataFrame({"rows": rows}, index=pd.Index(labels, name="outcome"))
    table["share_of_read"] = table["rows"] / read if read else np.nan
    return table


# --------------------------------------------------------------------------- overview


def overview(tx: Transactions | pd.DataFrame, *, until=None) -> pd.Series:
    """Headline facts about the accepted transactions (up to ``until``), one value each.

    ``accounts`` (distinct account ids), ``first_date`` and ``last_date``,
    ``months`` (calendar months from first to last date, both counted), ``lines``,
    ``return_lines``, ``orders`` (distinct order ids; missing without order ids),
    ``products`` (distinct product ids; missing without them), ``sales`` (non-return
    lines), ``returns`` (value of returned lines, positive), ``net_revenue``
    (``sales - returns``) and ``returns_share`` (``returns / sales``).
    """
    lines = _lines(tx, until)
    sale, back = ~lines.is_return, lines.is_return
    metrics = {
        "accounts": lines.account_id.nunique(),
        "first": lines.date.min(),
        "last": lines.date.max(),
        "lines": lines.count(),
        "return_lines": lines.count(where=back),
        "sales": lines.revenue.sum(where=sale),
        "returns": -lines.revenue.sum(where=back),
    }
    for column in ("order_id", "product_id"):
        if column in lines.columns:
            metrics[column] = lines[column].nunique()
    facts = lines.aggregate(**metrics).to_pandas().iloc[0]
    if facts["lines"] == 0:
        raise _no_lines()
    sales = float(np.nan_to_num(facts["sales"]))
    returns = float(np.nan_to_num(facts["returns"]))
    first, last = pd.Timestamp(facts["first"]), pd.Timestamp(facts["last"])
    months = (last.year - first.year) * 12 + last.month - first.month + 1
    return pd.Series(
        {
            "accounts": int(facts["accounts"]),
            "first_date": first.date().isoformat(),
            "last_date": last.date().isoformat(),
            "months": months,
            "lines": int(facts["lines"]),
            "return_lines": int(facts["return_lines"]),
            "orders": int(facts["order_id"]) if "order_id" in metrics else pd.NA,
            "products": int(facts["product_id"]) if "product_id" in metrics else pd.NA,
            "sales": sales,
            "returns": returns,
            "net_revenue": sales - returns,
            "returns_share": returns / sales if sales else np.nan,
        },
        name="value",
        dtype=object,
    )


def breakdown(
    accounts: Accounts | pd.DataFrame,
    column: str,
    summary: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Accounts grouped by one attribute (``industry``, ``region``, ...).

    One row per value of ``column`` (missing values as ``"(missing)"``), largest
    group first, with ``accounts`` and ``share_of_accounts``. With a ``summary``
    (from :func:`kamlab.summarize`) also ``active`` (accounts that bought in the
    window), ``revenue`` (their net revenue) and ``share_of_revenue``. Accounts
    that bought but are missing from ``accounts`` are grouped as ``"(not in accounts)"``.
    """
    frame = _accounts_frame(accounts)
    if column not in frame.columns:
        raise InputError(
            f"the accounts table has no column {column!r}; it has {', '.join(map(str, frame.columns))}"
        )
    groups = frame[column].astype("string").fillna("(missing)")
    table = groups.value_counts().rename("accounts").to_frame()
    if summary is not None:
        group_of = groups.reindex(summary.index).fillna("(not in accounts)")
        by = summary.groupby(group_of.to_numpy())["revenue"]
        table = table.join(by.size().rename("active"), how="outer")
        table = table.join(by.sum().rename("revenue"), how="outer")
        table = table.fillna({"accounts": 0, "active": 0, "revenue": 0.0})
        table[["accounts", "active"]] = table[["accounts", "active"]].astype("int64")
    table.index.name = column
    table.insert(1, "share_of_accounts", table["accounts"] / table["accounts"].sum())
    if summary is not None:
        total = table["revenue"].sum()
        table["share_of_revenue"] = table["revenue"] / total if total else np.nan
    return table.sort_values("accounts", ascending=False, kind="stable")


# --------------------------------------------------------------------------- concentration


def concentration_curve(summary: pd.DataFrame | pd.Series, column: str = "revenue") -> pd.DataFrame:
    """The Pareto (concentration) curve: accounts ranked by revenue, largest first.

    One row per account, indexed by ``account_id``: ``rank`` (1 = largest),
    ``revenue`` (net; negatives counted as 0), ``share`` (of total revenue),
    ``cum_accounts_share`` = rank / n and ``cum_revenue_share`` = revenue of the
    ``rank`` largest accounts / total revenue. Plotting ``cum_revenue_share``
    against ``cum_accounts_share`` from (0, 0) gives the curve; if every account
    bought the same it is the diagonal. Ties are broken by account id so the
    order is reproducible.
    """
    values = _values(summary, column).sort_index()
    values = values.sort_values(ascending=False, kind="stable")
    total = values.sum()
    n = len(values)
    curve = pd.DataFrame(
        {
            "rank": np.arange(1, n + 1),
            column: values,
            "share": values / total if total else 0.0,
            "cum_accounts_share": np.arange(1, n + 1) / n,
            "cum_revenue_share": values.cumsum() / total if total else 0.0,
        },
        index=values.index,
    )
    curve.index.name = "account_id"
    return curve


def gini(values: pd.Series | np.ndarray) -> float:
    """Gini coefficient of non-negative values: 0 when all are equal, near 1 when one has all.

    With the values sorted ascending, the Lorenz curve joins (0, 0) and
    (i/n, L_i), L_i = sum of the i smallest / total; its area is
    A = sum_i (L_{i-1} + L_i) / (2n), and Gini = 1 - 2A. This equals
    sum_i sum_j |x_i - x_j| / (2 n^2 mean). 0 for an empty or all-zero input.
    """
    x = np.sort(np.asarray(values, dtype="float64"))
    n, total = len(x), x.sum()
    if n == 0 or total <= 0:
        return 0.0
    lorenz = np.concatenate([[0.0], np.cumsum(x) / total])
    area = float(((lorenz[:-1] + lorenz[1:]) / 2).sum() / n)
    return 1.0 - 2.0 * area


def revenue_concentration(
    summary: pd.DataFrame | pd.Series,
    column: str = "revenue",
    *,
    top_fraction: float = 0.2,
    top_n: int = 10,
    target_share: float = 0.8,
) -> dict:
    """Headline numbers of how concentrated revenue is across accounts.

    ``summary`` is :func:`kamlab.summarize` output (or a Series of revenue per
    account). Accounts with net revenue below 0 (more returned than bought) count
    as 0. Keys:

    - ``accounts``: n; ``revenue``: total net revenue (of accounts above 0);
      ``nonpositive_accounts``: accounts with revenue <= 0.
    - ``top_fraction`` (0.2), ``top_accounts`` = ``ceil(top_fraction * n)`` and
      ``top_share``: the share of revenue of the top ``top_fraction`` of accounts,
      read off the concentration curve at ``top_fraction`` (linear between two
      accounts, so exactly "the top 20%" when 0.2 n is whole). The 80/20 rule
      (Pareto) says this is about 0.8.
    - ``top_n`` (10) and ``top_n_share``: the share of the ``top_n`` largest.
    - ``gini``: see :func:`gini`; 0 = every account buys the same, 1 = one buys all.
    - ``target_share`` (0.8), ``accounts_for_target``: the fewest accounts whose
      revenue reaches ``target_share`` of the total, and ``accounts_for_target_fraction``
      (that number / n).
    """
    if not 0 < top_fraction <= 1 or not 0 < target_share <= 1:
        raise InputError("top_fraction and target_share must be in (0, 1]")
    values = _values(summary, column)
    raw = summary if isinstance(summary, pd.Series) else summary[column]
    curve = concentration_curve(values)
    n = len(curve)
    total = float(values.sum())
    x = np.concatenate([[0.0], curve["cum_accounts_share"].to_numpy()])
    y = np.concatenate([[0.0], curve["cum_revenue_share"].to_numpy(dtype="float64")])
    cum = values.sort_values(ascending=False).cumsum().to_numpy()
    needed = int(np.searchsorted(cum, target_share * total * (1 - 1e-12)) + 1) if total else 0
    return {
        "accounts": n,
        "revenue": total,
        "nonpositive_accounts": int((raw.fillna(0) <= 0).sum()),
        "top_fraction": top_fraction,
        "top_accounts": math.ceil(round(top_fraction * n, 9)),
        "top_share": float(np.interp(top_fraction, x, y)) if total else 0.0,
        "top_n": top_n,
        "top_n_share": float(cum[min(top_n, n) - 1] / total) if total and top_n > 0 else 0.0,
        "gini": gini(values),
        "target_share": target_share,
        "accounts_for_target": needed,
        "accounts_for_target_fraction": needed / n,
    }


def top_accounts(
    summary: pd.DataFrame,
    accounts: Accounts | pd.DataFrame | None = None,
    n: int = 10,
    *,
    by: str = "revenue",
) -> pd.DataFrame:
    """The ``n`` largest accounts by ``by`` (net revenue), largest first.

    Columns: ``rank``, then ``account_name``, ``industry`` and ``region`` when
    ``accounts`` has them, then ``revenue``, ``share`` (of total net revenue),
    ``cum_share``, ``orders``, ``first_purchase``, ``last_purchase`` (the
    summary columns present). Index: ``account_id``.
    """
    ranked = summary.sort_index().sort_values(by, ascending=False, kind="stable")
    total = summary["revenue"].sum()
    top = ranked.head(n)
    out = pd.DataFrame({"rank": np.arange(1, len(top) + 1)}, index=top.index)
    frame = _accounts_frame(accounts)
    if frame is not None:
        for col in ("account_name", "industry", "region"):
            if col in frame.columns:
                out[col] = frame[col].reindex(top.index)
    out["revenue"] = top["revenue"]
    out["share"] = top["revenue"] / total if total else np.nan
    out["cum_share"] = ranked["revenue"].cumsum().head(n) / total if total else np.nan
    for col in ("orders", "first_purchase", "last_purchase"):
        if col in top.columns:
            out[col] = top[col]
    out.index.name = "account_id"
    return out


# --------------------------------------------------------------------------- timing


def _gaps(lines):
    """An account's purchase days (``day``) after its first, with the ``gap`` in days to
    the one before: the distinct purchase days and a window over each account's days."""
    sales = lines.filter(~lines.is_return)
    days = sales.select("account_id", day=sales.date.date()).distinct()
    before = days.day.lag().over(ibis.window(group_by=days.account_id, order_by=days.day))
    gaps = days.mutate(gap=days.day.delta(before, unit="day"))
    return gaps.filter(gaps.gap.notnull()).select("account_id", "day", "gap")


def interpurchase_days(tx: Transactions | pd.DataFrame, *, until=None) -> pd.Series:
    """Days between consecutive purchase days of each account.

    A purchase day is a day with at least one non-return line (several orders on
    one day are one purchase occasion, as in :func:`kamlab.summarize`). For an
    account with purchase days d_1 < d_2 < ... < d_k the gaps are
    d_{i+1} - d_i, i = 1..k-1, so an account with k purchase days gives k - 1
    gaps (its ``frequency``) and a one-off buyer none. Returned as integers,
    indexed by ``account_id``, in account then date order. The engine finds the
    distinct purchase days and their gaps (a window over each account's days); one
    row per gap comes back, not the lines.
    """
    gaps = _gaps(_lines(tx, until)).to_pandas()
    gaps = gaps.sort_values(["account_id", "day"], kind="stable")
    out = pd.Series(
        gaps["gap"].to_numpy(dtype="int64"),
        index=pd.Index(gaps["account_id"].to_numpy(dtype=object), name="account_id"),
        name="interpurchase_days",
    )
    return out


def interpurchase_gap_counts(tx: Transactions | pd.DataFrame, *, until=None) -> pd.Series:
    """How many gaps of :func:`interpurchase_days` last each number of days: ``gaps``
    indexed by ``interpurchase_days``, ascending. The same distribution (its histogram,
    median and percentiles) in one row per gap length, however many lines and accounts."""
    gaps = _gaps(_lines(tx, until))
    counts = gaps.group_by("gap").aggregate(gaps=gaps.count()).to_pandas()
    counts = counts.sort_values("gap")
    index = pd.Index(counts["gap"].to_numpy(dtype="int64"), name="interpurchase_days")
    return pd.Series(counts["gaps"].to_numpy(dtype="int64"), index=index, name="gaps")


def monthly_revenue(tx: Transactions | pd.DataFrame, *, until=None) -> pd.DataFrame:
    """Sales, returns and net revenue per calendar month, every month in the range.

    Index ``month`` (a monthly ``Period``). Columns: ``sales`` (non-return
    lines), ``returns`` (value of returned lines, positive), ``net`` =
    ``sales - returns``, ``accounts`` (distinct accounts with a non-return line in
    the month). Months without transactions are 0. One engine query per call: a
    row per month comes back.
    """
    lines = _lines(tx, until)
    sale, back = ~lines.is_return, lines.is_return
    table = (
        lines.group_by(month=lines.date.truncate("M"))
        .aggregate(
            sales=lines.revenue.sum(where=sale),
            returns=-lines.revenue.sum(where=back),
            accounts=lines.account_id.nunique(where=sale),
        )
        .to_pandas()
    )
    if table.empty:
        raise _no_lines()
    table.index = pd.PeriodIndex(pd.to_datetime(table.pop("month")), freq="M", name="month")
    table = table.sort_index()
    table[["sales", "returns"]] = table[["sales", "returns"]].astype("float64").fillna(0.0)
    table["net"] = table["sales"] - table["returns"]
    table = table[["sales", "returns", "net", "accounts"]]
    months = pd.period_range(table.index.min(), table.index.max(), freq="M", name="month")
    table = table.reindex(months, fill_value=0)
    table["accounts"] = table["accounts"].astype("int64")
    return table
