"""kamlab.explore on tiny, hand-computed cases."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from kamlab import explore
from kamlab.errors import InputError
from kamlab.io import read_transactions
from kamlab.presentation.explore import describe_concentration


def _summary(revenues: dict[str, float]) -> pd.DataFrame:
    index = pd.Index(list(revenues), name="account_id", dtype="string")
    return pd.DataFrame({"revenue": list(revenues.values())}, index=index)


def _tx(rows: list[tuple[str, str, float]]) -> pd.DataFrame:
    """Accepted-transactions frame from (account_id, date, revenue); negative = return."""
    frame = pd.DataFrame(rows, columns=["account_id", "date", "revenue"])
    frame["date"] = pd.to_datetime(frame["date"], format="ISO8601")
    frame["is_return"] = frame["revenue"] < 0
    return frame


FIVE = _summary({"a": 50.0, "b": 20.0, "c": 10.0, "d": 10.0, "e": 10.0})


# ----------------------------------------------------------------- concentration


def test_gini_by_hand():
    # ascending 10,10,10,20,50 -> Lorenz 0.1,0.2,0.3,0.5,1.0; area = 0.2 * 1.6 = 0.32
    assert explore.gini(FIVE["revenue"]) == pytest.approx(1 - 2 * 0.32)
    # mean absolute difference: 360 / (2 * 25 * 20)
    assert explore.gini(FIVE["revenue"]) == pytest.approx(0.36)


def test_gini_extremes():
    assert explore.gini(np.full(7, 3.0)) == pytest.approx(0.0)
    assert explore.gini([0, 0, 0, 100]) == pytest.approx(0.75)  # 1 - 1/n for one buyer
    assert explore.gini([]) == 0.0
    assert explore.gini([0, 0]) == 0.0


def test_revenue_concentration_five_accounts():
    c = explore.revenue_concentration(FIVE)
    assert c["accounts"] == 5
    assert c["revenue"] == pytest.approx(100.0)
    assert c["top_accounts"] == 1
    assert c["top_share"] == pytest.approx(0.5)
    assert c["top_n_share"] == pytest.approx(1.0)  # fewer than 10 accounts: all of them
    assert c["gini"] == pytest.approx(0.36)
    assert c["accounts_for_target"] == 3  # 50 + 20 + 10 = 80 exactly
    assert c["accounts_for_target_fraction"] == pytest.approx(0.6)
    assert c["nonpositive_accounts"] == 0


def test_revenue_concentration_interpolates_between_accounts():
    # 4 accounts 40,30,20,10: curve at 25% = 0.4, at 50% = 0.7; at 20% -> 0.8 * 0.4
    c = explore.revenue_concentration(_summary({"a": 40, "b": 30, "c": 20, "d": 10}))
    assert c["top_share"] == pytest.approx(0.32)
    assert c["top_accounts"] == 1
    c = explore.revenue_concentration(
        _summary({"a": 40, "b": 30, "c": 20, "d": 10}), top_n=2, target_share=0.71
    )
    assert c["top_n_share"] == pytest.approx(0.7)
    assert c["accounts_for_target"] == 3


def test_negative_revenue_counts_as_zero():
    c = explore.revenue_concentration(_summary({"a": 50, "b": 50, "c": -20}))
    assert c["revenue"] == pytest.approx(100.0)
    assert c["nonpositive_accounts"] == 1
    assert c["accounts"] == 3
    assert 0 <= c["gini"] <= 1


def test_concentration_curve_ranks_largest_first_ties_by_id():
    curve = explore.concentration_curve(FIVE)
    assert list(curve.index) == ["a", "b", "c", "d", "e"]
    assert list(curve["rank"]) == [1, 2, 3, 4, 5]
    np.testing.assert_allclose(curve["cum_accounts_share"], [0.2, 0.4, 0.6, 0.8, 1.0])
    np.testing.assert_allclose(curve["cum_revenue_share"], [0.5, 0.7, 0.8, 0.9, 1.0])
    assert curve["share"].sum() == pytest.approx(1.0)
    # shuffled input gives the same curve
    shuffled = explore.concentration_curve(FIVE.iloc[[3, 0, 4, 2, 1]])
    pd.testing.assert_frame_equal(curve, shuffled)


def test_describe_concentration_reads_as_prose():
    text = describe_concentration(explore.revenue_concentration(FIVE))
    assert "top 20% of accounts (about 1) bring 50% of net revenue" in text
    assert "80% of net revenue comes from 3 accounts (60% of them)" in text
    assert "Gini coefficient: 0.36" in text


def test_top_accounts_joins_names():
    accounts = pd.DataFrame(
        {"account_name": ["Alpha", "Beta", "Gamma"], "industry": ["x", "y", "x"]},
        index=pd.Index(["a", "b", "c"], name="account_id", dtype="string"),
    )
    top = explore.top_accounts(FIVE, accounts, n=2)
    assert list(top.index) == ["a", "b"]
    assert list(top["account_name"]) == ["Alpha", "Beta"]
    assert list(top["industry"]) == ["x", "y"]
    np.testing.assert_allclose(top["share"], [0.5, 0.2])
    np.testing.assert_allclose(top["cum_share"], [0.5, 0.7])
    assert "account_name" not in explore.top_accounts(FIVE).columns


# ----------------------------------------------------------------- data quality


def test_data_quality_table_sums_to_read(tmp_path):
    path = tmp_path / "tx.csv"
    path.write_text(
        "account_id,date,quantity,unit_price\n"
        "A,2026-01-05,1,10\n"
        "A,2026-01-05,1,10\n"  # duplicate
        ",2026-01-06,1,10\n"  # missing account
        "B,not a date,1,10\n"  # unparseable date
        "B,2026-01-07,2,5\n",
        encoding="utf-8",
    )
    tx = read_transactions(path, today="2026-11-01")
    table = explore.data_quality_table(tx)
    rows = table["rows"]
    assert rows["read"] == 5
    assert rows["accepted"] + rows["quarantined"] == rows["read"]
    reasons = rows[rows.index.str.startswith("quarantined: ")]
    assert reasons.sum() == rows["quarantined"] == 3
    assert set(reasons.index) == {
        "quarantined: duplicate_line",
        "quarantined: missing_account_id",
        "quarantined: unparseable_date",
    }
    assert table.loc["accepted", "share_of_read"] == pytest.approx(0.4)
    assert table.loc["read", "share_of_read"] == 1.0
    # the counts dict gives the same table
    pd.testing.assert_frame_equal(table, explore.data_quality_table(tx.counts()))


def test_data_quality_table_orders_ties_by_rule():
    counts = {
        "read": 10,
        "accepted": 4,
        "quarantined": 6,
        "by_reason": {"zero_price": 2, "unparseable_date": 2, "missing_account_id": 2},
    }
    assert list(explore.data_quality_table(counts).index[3:]) == [
        "quarantined: missing_account_id",
        "quarantined: unparseable_date",
        "quarantined: zero_price",
    ]


def test_data_quality_table_nothing_quarantined():
    table = explore.data_quality_table(
        {"read": 3, "accepted": 3, "quarantined": 0, "by_reason": {}}
    )
    assert list(table.index) == ["read", "accepted", "quarantined"]
    assert table.loc["quarantined", "share_of_read"] == 0.0


def test_data_quality_table_rejects_other_dicts():
    with pytest.raises(InputError):
        explore.data_quality_table({"accepted": 1})


# ----------------------------------------------------------------- timing


TINY = _tx(
    [
        ("a", "2026-01-01 09:00", 10.0),
        ("a", "2026-01-01 15:00", 5.0),  # same day: one purchase occasion
        ("a", "2026-01-04", 10.0),
        ("a", "2026-01-14", 10.0),
        ("a", "2026-01-20", -3.0),  # a return is not a purchase
        ("b", "2026-02-10", 7.0),  # one-off buyer: no gap
        ("c", "2026-03-01", 1.0),
        ("c", "2026-01-31", 2.0),  # out of order in the file
    ]
)


def test_interpurchase_days_by_hand():
    gaps = explore.interpurchase_days(TINY)
    assert gaps.dtype == "int64"
    assert list(gaps.index) == ["a", "a", "c"]
    assert list(gaps) == [3, 10, 29]
    assert gaps.name == "interpurchase_days"


def test_interpurchase_days_until_and_empty():
    assert list(explore.interpurchase_days(TINY, until="2026-01-10")) == [3]
    assert explore.interpurchase_days(TINY.iloc[[0, 5]]).empty


def test_monthly_revenue_by_hand():
    table = explore.monthly_revenue(TINY)
    assert [str(m) for m in table.index] == ["2026-01", "2026-02", "2026-03"]
    np.testing.assert_allclose(table["sales"], [37.0, 7.0, 1.0])
    np.testing.assert_allclose(table["returns"], [3.0, 0.0, 0.0])
    np.testing.assert_allclose(table["net"], [34.0, 7.0, 1.0])
    assert list(table["accounts"]) == [2, 1, 1]
    assert table["net"].sum() == pytest.approx(TINY["revenue"].sum())


def test_monthly_revenue_fills_empty_months():
    table = explore.monthly_revenue(_tx([("a", "2026-01-15", 1.0), ("a", "2026-04-02", 2.0)]))
    assert len(table) == 4
    assert list(table["sales"]) == [1.0, 0.0, 0.0, 2.0]
    assert list(table["accounts"]) == [1, 0, 0, 1]


def test_overview_by_hand():
    facts = explore.overview(TINY)
    assert facts["accounts"] == 3
    assert facts["first_date"] == "2026-01-01"
    assert facts["last_date"] == "2026-03-01"
    assert facts["months"] == 3
    assert facts["lines"] == 8
    assert facts["return_lines"] == 1
    assert facts["sales"] == pytest.approx(45.0)
    assert facts["returns"] == pytest.approx(3.0)
    assert facts["net_revenue"] == pytest.approx(42.0)
    assert pd.isna(facts["orders"])


def test_breakdown_with_summary():
    accounts = pd.DataFrame(
        {"industry": ["x", "y", "x", None]},
        index=pd.Index(["a", "b", "c", "d"], name="account_id", dtype="string"),
    )
    summary = _summary({"a": 30.0, "c": 10.0, "z": 60.0})
    table = explore.breakdown(accounts, "industry", summary)
    assert table.index.name == "industry"
    assert table.loc["x", "accounts"] == 2
    assert table.loc["x", "active"] == 2
    assert table.loc["x", "revenue"] == pytest.approx(40.0)
    assert table.loc["y", "active"] == 0
    assert table.loc["(missing)", "accounts"] == 1
    assert table.loc["(not in accounts)", "revenue"] == pytest.approx(60.0)
    assert table["accounts"].sum() == 4
    assert table["share_of_revenue"].sum() == pytest.approx(1.0)
    assert table.index[0] == "x"  # largest group first
    with pytest.raises(InputError, match="no column 'sector'"):
        explore.breakdown(accounts, "sector")


def test_missing_columns_are_explained():
    with pytest.raises(InputError, match="is_return"):
        explore.interpurchase_days(pd.DataFrame({"account_id": [], "date": [], "revenue": []}))
