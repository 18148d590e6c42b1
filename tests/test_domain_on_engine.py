"""The domain's line consumers are engine queries (issue 17, deliver 1 and 5).

Each test runs one module's functions on the bundled sample, given as a plain frame of
lines (so as an in-memory Ibis table), and checks them against the pandas code they
replaced, kept here as the reference: same accounts, same integers and dates, floats
within 1e-9 relative (only the order of summation may differ).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from kamlab import explore
from kamlab.io import read_transactions
from kamlab.models.holdout import compare_purchase_models
from kamlab.portfolio.health import health_measures
from kamlab.portfolio.measures import bought_in_window, year_on_year_growth
from kamlab.segment import account_features
from kamlab.segment.features import MIN_PRIOR_DAYS
from kamlab.summary import summarize
from kamlab.value import customer_pnl

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample" / "transactions.csv"
UNTIL = pd.Timestamp("2025-12-31")
YEAR = pd.DateOffset(months=12)


@pytest.fixture(scope="module")
def lines() -> pd.DataFrame:
    return read_transactions(SAMPLE).data


def _same(new: pd.Series, old: pd.Series) -> None:
    """Equal values on equal accounts (floats within 1e-9 relative)."""
    new, old = new.sort_index(), old.sort_index()
    assert list(new.index) == list(old.index)
    if pd.api.types.is_float_dtype(old):
        np.testing.assert_allclose(new.to_numpy("float64"), old.to_numpy("float64"), rtol=1e-9)
    else:
        assert list(new) == list(old)


def _day(frame: pd.DataFrame) -> pd.Series:
    return frame["date"].dt.normalize()


# ------------------------------------------------------------------------ value.pnl


def _pnl_reference(frame: pd.DataFrame, end: pd.Timestamp, share: float) -> pd.DataFrame:
    """The per-line part of the pandas customer_pnl over the 12 months to ``end``."""
    start = end + pd.Timedelta(days=1) - YEAR
    upto = frame.loc[_day(frame) <= end]
    w = upto.loc[_day(upto) >= start]
    sale = ~w["is_return"]
    if "cost" in w:
        known = w["cost"]
    elif "gross_margin" in w:
        known = w["revenue"] - w["gross_margin"]
    else:
        known = pd.Series(np.nan, index=w.index)
    by = w["account_id"]
    out = pd.DataFrame(
        {
            "gross_sales": w["revenue"].where(sale, 0.0).groupby(by).sum(),
            "returns": -w["revenue"].where(~sale, 0.0).groupby(by).sum(),
            "net_revenue": w["revenue"].groupby(by).sum(),
            "cost_of_goods": known.fillna(w["revenue"] * (1 - share)).groupby(by).sum(),
            "return_lines": (~sale).groupby(by).sum().astype("int64"),
            "order_lines": sale.groupby(by).sum().astype("int64"),
        }
    )
    sales = w.loc[sale]
    if "order_id" in w:
        orders = sales.groupby("account_id")["order_id"].nunique()
        pairs = sales[["account_id", "order_id"]].assign(day=_day(sales)).drop_duplicates()
        deliveries = pairs.groupby("account_id").size()
    else:
        orders = deliveries = sales.assign(day=_day(sales)).groupby("account_id")["day"].nunique()
    out["orders"] = orders.reindex(out.index, fill_value=0).astype("int64")
    out["deliveries"] = deliveries.reindex(out.index, fill_value=0).astype("int64")
    first = upto.groupby("account_id")["date"].min().dt.normalize().reindex(out.index)
    out["years"] = ((end - first.clip(lower=start)).dt.days + 1) / 365.25
    return out


@pytest.mark.parametrize("drop", [[], ["cost", "gross_margin", "order_id"]])
def test_pnl_equals_the_pandas_aggregates(lines, drop):
    frame = lines.drop(columns=drop)
    pnl = customer_pnl(frame, until=UNTIL, window="12M")
    old = _pnl_reference(frame, UNTIL, share=0.25)
    for column in old.columns:
        _same(pnl[column], old[column])
    assert (pnl["cost_of_goods_basis"] == ("assumed" if drop else "data")).all()


# ------------------------------------------------------------------- segment.features


def _growth_reference(frame, accounts, end, tenure_days, window):
    """The numpy growth of account_features before the engine."""
    age = (end - frame["date"].dt.normalize()).dt.days.to_numpy()
    keep = (age >= 0) & (age < 2 * window)
    codes = accounts.get_indexer(frame["account_id"].to_numpy()[keep])
    known = codes >= 0
    recent = age[keep][known] < window
    revenue = frame["revenue"].to_numpy(dtype="float64")[keep][known]
    n = len(accounts)
    recent_sum = np.bincount(codes[known][recent], revenue[recent], minlength=n)
    prior_sum = np.bincount(codes[known][~recent], revenue[~recent], minlength=n)
    tenure = np.asarray(tenure_days, dtype="float64")
    rate_recent = recent_sum / np.minimum(tenure, window)
    prior_days = np.clip(tenure - window, 0.0, window)
    rate_prior = prior_sum / np.maximum(prior_days, 1.0)
    scale = np.abs(rate_recent) + np.abs(rate_prior)
    with np.errstate(invalid="ignore", divide="ignore"):
        growth = np.where(scale > 0, (rate_recent - rate_prior) / scale, 0.0)
    growth = np.where(prior_days >= MIN_PRIOR_DAYS, growth, np.nan)
    return pd.Series(growth, index=accounts, dtype="float64")


@pytest.mark.parametrize("window", [365, 90])
def test_feature_growth_equals_the_numpy_sums(lines, window):
    features = account_features(lines, until=UNTIL, growth_days=window)
    tenure = summarize(lines, until=UNTIL, period="day")["T"] + 1.0
    old = _growth_reference(lines, features.index, UNTIL, tenure, window)
    assert features["growth"].notna().sum() > 50  # the test compares numbers, not NaNs
    _same(features["growth"], old)


# ------------------------------------------------------------ portfolio.health/measures


def test_health_rhythm_equals_the_pandas_purchase_days(lines):
    days = lines.loc[~lines["is_return"], ["account_id", "date"]]
    days = days.assign(date=days["date"].dt.normalize())
    days = days[days["date"] <= UNTIL].drop_duplicates().sort_values(["account_id", "date"])
    gap = days.groupby("account_id")["date"].diff().dt.days.astype("float64")
    old_gap = gap.groupby(days["account_id"]).median()
    old_last = days.groupby("account_id")["date"].max()

    index = pd.Index(sorted(lines["account_id"].unique()) + ["never"], dtype="string")
    health = health_measures(lines, index, until=UNTIL)
    _same(health["typical_gap_days"].dropna(), old_gap.dropna())
    _same(health["last_purchase"].dropna(), old_last)
    assert health.loc["never"].isna().all()


def test_year_on_year_growth_equals_the_pandas_sums(lines):
    start = UNTIL + pd.Timedelta(days=1) - YEAR
    day, revenue, by = _day(lines), lines["revenue"], lines["account_id"]
    recent = (day >= start) & (day <= UNTIL)
    prior = (day >= start - YEAR) & (day < start)
    index = pd.Index(sorted(lines["account_id"].unique()), dtype="string")
    now = revenue[recent].groupby(by[recent]).sum().reindex(index).fillna(0.0)
    before = revenue[prior].groupby(by[prior]).sum().reindex(index)
    old = now / before.where(before > 0) - 1
    growth = year_on_year_growth(lines, index, UNTIL)
    assert growth.notna().sum() > 100
    _same(growth.fillna(-99.0), old.fillna(-99.0))
    assert bought_in_window(lines, UNTIL)
    assert not bought_in_window(lines, lines["date"].min() - pd.Timedelta(days=1))


# ---------------------------------------------------------------------- models.holdout


def test_holdout_history_equals_the_pandas_span(lines):
    first = lines.loc[~lines["is_return"], "date"].min().normalize()
    comparison = compare_purchase_models(lines, holdout_weeks=8)
    end = lines["date"].max().normalize()
    assert comparison.end == str(end.date())
    assert comparison.history_weeks == pytest.approx((end - first).days / 7)


# ----------------------------------------------------------------------------- explore


def test_explore_tables_equal_the_pandas_ones(lines):
    frame = lines.loc[_day(lines) <= UNTIL]
    facts = explore.overview(lines, until=UNTIL)
    assert facts["accounts"] == frame["account_id"].nunique()
    assert facts["lines"] == len(frame)
    assert facts["orders"] == frame["order_id"].nunique()
    assert facts["products"] == frame["product_id"].nunique()
    sales = frame.loc[~frame["is_return"], "revenue"].sum()
    assert facts["sales"] == pytest.approx(sales, rel=1e-9)
    assert facts["last_date"] == str(frame["date"].max().date())

    month = frame["date"].dt.to_period("M")
    table = explore.monthly_revenue(lines, until=UNTIL)
    old_sales = frame["revenue"].where(~frame["is_return"], 0.0).groupby(month).sum()
    old_buyers = frame["account_id"].where(~frame["is_return"]).groupby(month).nunique()
    _same(table["sales"], old_sales.reindex(table.index, fill_value=0.0))
    _same(table["accounts"], old_buyers.reindex(table.index, fill_value=0).astype("int64"))

    days = frame.loc[~frame["is_return"]].assign(day=_day(frame))[["account_id", "day"]]
    days = days.drop_duplicates().sort_values(["account_id", "day"])
    old_gaps = days.groupby("account_id")["day"].diff().dt.days.dropna().astype("int64")
    gaps = explore.interpurchase_days(lines, until=UNTIL)
    assert list(gaps) == list(old_gaps)
    assert list(gaps.index) == list(days.loc[old_gaps.index, "account_id"])


def test_gap_counts_are_the_gaps_distribution_in_one_row_per_length(lines):
    gaps = explore.interpurchase_days(lines, until=UNTIL)
    counts = explore.interpurchase_gap_counts(lines, until=UNTIL)
    assert counts.index.is_monotonic_increasing
    assert counts.sum() == len(gaps)
    _same(counts, gaps.value_counts().sort_index())
    assert counts.index.name == "interpurchase_days"
