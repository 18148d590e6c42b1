"""Per-account features for segmentation, built from transactions in one vectorised pass.

:func:`account_features` combines :func:`kamlab.summarize` (one row per account) with
the revenue of each account in the last ``growth_days`` and the ``growth_days``
before them. Every rate is per unit of the account's own tenure, so that an account
acquired three months ago and one acquired three years ago are compared on how they
buy, not on how long they have been buying. The per-line work runs on the lines' engine;
only per-account rows come back.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kamlab.io import Transactions
from kamlab.summary import lines_table, summarize

__all__ = ["DAYS_PER_MONTH", "FEATURE_COLUMNS", "account_features"]

DAYS_PER_MONTH = 365.25 / 12
"""30.4375 days, as :data:`kamlab.summary.PERIOD_DAYS` counts a month."""

MIN_PRIOR_DAYS = 90

MIN_TENURE_MONTHS = 3.0
"""Rates are per month of tenure counted as at least this many: an account that first
bought last week is not annualised from one week of buying."""
"""Growth is left missing for an account with less than this many days of history
before the recent window: a few weeks are not a base to grow from."""

FEATURE_COLUMNS: dict[str, str] = {
    "purchases_per_month": "purchase days per month of tenure (tenure counted as at least three "
    "month)",
    "order_value": "mean sales per order (before returns)",
    "lines_per_order": "order lines per order: how broad a typical basket is",
    "margin_share": "gross margin / net revenue, clipped to [-1, 1]; 0 when net revenue <= 0; "
    "missing when cost is unknown",
    "revenue_per_year": "net revenue per year of tenure (tenure counted as at least three months)",
    "revenue": "net revenue (sales less returns) in the window",
    "gross_margin": "net revenue less cost of goods (missing when cost is unknown)",
    "days_since_last": "days from the last purchase day to until",
    "tenure_months": "months from the first purchase day to until (the T of the BTYD models)",
    "growth": "change in revenue per day, last growth_days vs the growth_days before: "
    "(recent - prior) / (|recent| + |prior|), from -1 (stopped) to +1 (started); missing "
    f"with less than {MIN_PRIOR_DAYS} days of history before the recent window",
    "products": "distinct products bought (missing when there is no product id)",
    "returns_share": "value returned / value sold",
}
"""The columns of :func:`account_features`, with their meaning."""


def account_features(
    transactions: Transactions | pd.DataFrame,
    *,
    until=None,
    growth_days: int = 365,
) -> pd.DataFrame:
    """One row per account that bought in the window ending ``until``: the columns of
    :data:`FEATURE_COLUMNS`, indexed by ``account_id``.

    ``transactions`` is what :func:`kamlab.read_transactions` returns (or its ``data``);
    ``until`` (inclusive) defaults to the last transaction date. The schema does not
    depend on the data: ``margin_share`` and ``gross_margin`` are missing when cost is
    unknown, ``products`` when there is no product id, ``growth`` for accounts without
    enough history.

    The default segmentation features of :class:`kamlab.segment.Segmenter` are the
    first four columns (how often an account buys, how much per order, how broad the
    basket, at what margin); the others describe the segments.
    """
    lines = lines_table(transactions)
    summary = summarize(transactions, until=until, period="day")  # reuses the read keys
    end = pd.Timestamp(summary.attrs["until"])
    tenure_days = summary["T"].astype("float64") + 1.0  # the first purchase day counts
    months = np.maximum(tenure_days / DAYS_PER_MONTH, MIN_TENURE_MONTHS)
    orders = summary["orders"].astype("float64").clip(lower=1.0)
    # money to the cent: the last bits of a parallel sum vary from run to run, and features
    # (and the report's tables of them) must not
    revenue = summary["revenue"].astype("float64").round(2)
    returned = summary["returns_value"].astype("float64").round(2)
    sales = revenue + returned
    margin = summary["gross_margin"].astype("float64").round(2)

    out = pd.DataFrame(index=summary.index)
    out["purchases_per_month"] = (summary["frequency"].astype("float64") + 1.0) / months
    out["order_value"] = sales / orders
    out["lines_per_order"] = summary["order_lines"].astype("float64") / orders
    share = (margin / revenue.where(revenue > 0)).clip(-1.0, 1.0)
    out["margin_share"] = share.where(revenue > 0, 0.0).where(margin.notna())
    out["revenue_per_year"] = revenue / months * 12.0
    out["revenue"] = revenue
    out["gross_margin"] = margin
    out["days_since_last"] = (end - summary["last_purchase"]).dt.days.astype("float64")
    out["tenure_months"] = tenure_days / DAYS_PER_MONTH
    out["growth"] = _growth(lines, out.index, end, tenure_days, growth_days)
    out["products"] = summary["products"].astype("float64")
    out["returns_share"] = (returned / sales.where(sales > 0)).fillna(0.0)
    out.attrs.update(until=str(end.date()), growth_days=int(growth_days))
    return out


def _window_sums(lines, accounts: pd.Index, end: pd.Timestamp, window: int):
    """Net revenue per account of ``accounts`` in the last ``window`` days to ``end`` and
    in the ``window`` days before (one engine query; 0 where an account had none)."""
    recent_from = (end - pd.Timedelta(days=window - 1)).date()
    prior_from = (end - pd.Timedelta(days=2 * window - 1)).date()
    u = lines.mutate(day=lines.date.date())
    u = u.filter((u.day >= prior_from) & (u.day <= end.date()))
    sums = (
        u.group_by("account_id")
        .aggregate(
            recent=u.revenue.sum(where=u.day >= recent_from),
            prior=u.revenue.sum(where=u.day < recent_from),
        )
        .to_pandas()
    )
    sums = sums.set_index(sums["account_id"].astype("string"))[["recent", "prior"]]
    sums = sums.astype("float64").fillna(0.0).reindex(accounts.astype("string"), fill_value=0.0)
    return sums["recent"].to_numpy(), sums["prior"].to_numpy()


def _growth(lines, accounts: pd.Index, end: pd.Timestamp, tenure_days, window: int) -> pd.Series:
    """Symmetric change of net revenue per day: last ``window`` days vs the ``window`` before."""
    recent_sum, prior_sum = _window_sums(lines, accounts, end, window)
    tenure = np.asarray(tenure_days, dtype="float64")
    recent_days = np.minimum(tenure, window)
    prior_days = np.clip(tenure - window, 0.0, window)
    rate_recent = recent_sum / recent_days
    rate_prior = prior_sum / np.maximum(prior_days, 1.0)
    scale = np.abs(rate_recent) + np.abs(rate_prior)
    with np.errstate(invalid="ignore", divide="ignore"):
        growth = np.where(scale > 0, (rate_recent - rate_prior) / scale, 0.0)
    growth = np.where(prior_days >= MIN_PRIOR_DAYS, growth, np.nan)
    return pd.Series(growth, index=accounts, dtype="float64")
