"""The per-account summary: hand-computed cases and the published CDNOW summary."""

import pandas as pd
import pytest

from kamlab import InputError, read_transactions, summarize
from kamlab.summary import period_panel

CDNOW_NAMES = ["master_id", "sample_id", "date", "cds", "dollars"]
CDNOW_COLUMNS = {"account_id": "sample_id", "revenue": "dollars"}

TINY = """order_id,account_id,date,quantity,unit_price,unit_cost
O1,A,2026-01-01,1,100,60
O2,A,2026-01-01,1,50,30
O3,A,2026-01-15,2,100,60
C3,A,2026-01-20,-1,100,60
O4,A,2026-02-12,1,40,20
O5,B,2026-02-01,3,10,5
O6,C,2026-03-05,1,10,5
"""


@pytest.fixture
def tiny(write):
    return read_transactions(write("tiny.csv", TINY), today="2026-11-01")


def test_hand_computed_summary_in_weeks(tiny):
    s = summarize(tiny, until="2026-02-26", period="week")
    a = s.loc["A"]
    # purchase days 01-01 (150), 01-15 (200), 02-12 (40): two repeats
    assert a["frequency"] == 2
    assert a["recency"] == pytest.approx(42 / 7)
    assert a["T"] == pytest.approx(56 / 7)
    assert a["monetary_value"] == pytest.approx((200 + 40) / 2)
    assert a["revenue"] == pytest.approx(150 + 200 - 100 + 40)  # the return is netted
    assert a["returns_value"] == pytest.approx(100)
    assert a["gross_margin"] == pytest.approx(60 + 80 - 40 + 20)
    assert (a["orders"], a["order_lines"], a["return_lines"]) == (4, 4, 1)
    b = s.loc["B"]
    assert (b["frequency"], b["recency"], b["monetary_value"]) == (0, 0, 0)
    assert b["T"] == pytest.approx(25 / 7)
    assert "C" not in s.index  # first purchase after the window


def test_time_units(tiny):
    days = summarize(tiny, until="2026-02-26", period="day").loc["A"]
    months = summarize(tiny, until="2026-02-26", period="month").loc["A"]
    assert days["T"] == 56
    assert months["T"] == pytest.approx(56 / 30.4375)


def test_until_defaults_to_the_last_date(tiny):
    assert summarize(tiny).attrs["until"] == "2026-03-05"


def test_unknown_period_and_empty_window_are_clear_errors(tiny):
    with pytest.raises(InputError, match="period 'fortnight'"):
        summarize(tiny, period="fortnight")
    with pytest.raises(InputError, match="no purchases on or before 2025-01-01"):
        summarize(tiny, until="2025-01-01")


def test_quarter_panel(tiny):
    panel = period_panel(tiny)
    a = panel[panel.account_id == "A"].set_index("period")
    assert list(a.index) == ["2026Q1"]
    assert a.loc["2026Q1", "revenue"] == pytest.approx(290)
    assert a.loc["2026Q1", "orders"] == 4
    monthly = period_panel(tiny, freq="month")
    assert monthly[monthly.account_id == "A"]["period"].tolist() == ["2026-01", "2026-02"]


@pytest.mark.parametrize("keep_duplicates", [False, True])
def test_cdnow_sample_reproduces_the_published_summary(reference_data, keep_duplicates):
    tx = read_transactions(
        reference_data / "cdnow" / "CDNOW_sample.txt",
        CDNOW_COLUMNS,
        names=CDNOW_NAMES,
        keep_duplicates=keep_duplicates,
    )
    ours = summarize(tx, until="1997-09-30", period="week")
    ours.index = ours.index.astype(int)
    ref = pd.read_csv(reference_data / "cdnow" / "cdnow_customers_summary.csv", index_col="ID")
    assert len(ours) == len(ref) == 2357
    ours = ours.reindex(ref.index)
    assert (ours["frequency"] == ref["frequency"]).all()
    assert (ours["recency"] - ref["recency"]).abs().max() < 0.01
    assert (ours["T"] - ref["T"]).abs().max() < 0.01
    if keep_duplicates:  # identical same-day lines are two real CD orders in CDNOW
        zbar = pd.read_csv(
            reference_data / "cdnow" / "cdnow_customers_summary_with_transactions.csv",
            index_col="ID",
        )["zbar"]
        assert (ours["monetary_value"] - zbar).abs().max() < 0.01
