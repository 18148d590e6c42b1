"""The per-account summary: hand-computed cases and the published CDNOW summary."""

import numpy as np
import pandas as pd
import pytest

from kamlab import InputError, read_transactions, summarize
from kamlab.summary import SUMMARY_COLUMNS, period_panel

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


def test_a_summary_asked_again_comes_from_the_last_one_exactly_as_the_engine_gives_it(tiny):
    """Within summaries_kept the last day summary is kept with the transactions: weeks and
    months are its whole days divided as the engine divides them, bit for bit, and what a
    caller changes in one summary does not reach the next. The block's end lets it go."""
    import copy

    from kamlab.summary import summaries_kept, summary_table

    with summaries_kept(tiny):
        weeks = summarize(tiny, until="2026-02-26", period="week")
        assert tiny.derived["summary_end"] == pd.Timestamp("2026-02-26").date()
        for period, unit in (("week", 7.0), ("month", 365.25 / 12), ("day", 1.0)):
            day = pd.Timestamp("2026-02-26").date()
            engine = summary_table(tiny.lines, day, unit).to_pandas()
            engine = engine.set_index("account_id").sort_index()
            kept = summarize(tiny, until="2026-02-26", period=period)
            for col in ("recency", "T"):
                assert kept[col].to_numpy().tobytes() == engine[col].to_numpy().tobytes()
        weeks["T"] = -1.0
        assert (summarize(tiny, until="2026-02-26", period="week")["T"] > 0).all()
        days = summarize(tiny, until="2026-02-26", period="day")
        first = days.index[0]
        orders = days.loc[first, "orders"]
        days.loc[first, "orders"] = orders + 1000  # in place, in a frame of the kept columns
        assert summarize(tiny, until="2026-02-26", period="day").loc[first, "orders"] == orders
        other = copy.copy(tiny)  # a copy is made to be given other lines: it keeps nothing
        assert other.derived == {}
    assert tiny.derived == {}


def test_outside_summaries_kept_a_summary_is_not_kept(tiny):
    """At 1M accounts a summary holds some 300 MB: one kept for ever would stay in every
    notebook's memory."""
    summarize(tiny, until="2026-02-26")
    assert tiny.derived == {}


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


def test_a_panel_of_some_accounts_is_the_full_panel_cut_to_them(tiny):
    full = period_panel(tiny, freq="month")
    some = period_panel(tiny, freq="month", accounts=pd.Index(["A", "C", "not bought"]))
    expected = full[full.account_id.isin(["A", "C"])].reset_index(drop=True)
    pd.testing.assert_frame_equal(some, expected)


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


def _random_lines(seed: int, n: int = 3000) -> pd.DataFrame:
    """Order lines as kamlab.io accepts them: same-day orders, returns, missing ids."""
    rng = np.random.default_rng(seed)
    day = pd.Timestamp("2025-01-01") + pd.to_timedelta(rng.integers(0, 60, n), unit="D")
    is_return = rng.random(n) < 0.1
    revenue = np.round(rng.gamma(2.0, 20.0, n), 2) * np.where(is_return, -1, 1)
    frame = pd.DataFrame(
        {
            "account_id": pd.array([f"K{i:03d}" for i in rng.integers(0, 150, n)], "string"),
            "date": day + pd.to_timedelta(rng.integers(0, 86_400, n), unit="s"),
            "revenue": revenue,
            "is_return": is_return,
            "order_id": pd.array([f"O{i}" for i in rng.integers(0, 900, n)], "string"),
            "product_id": pd.array([f"P{i}" for i in rng.integers(0, 40, n)], "string"),
            "gross_margin": np.round(revenue * 0.3, 2),
        }
    )
    frame.loc[rng.random(n) < 0.05, "product_id"] = pd.NA
    frame.loc[rng.random(n) < 0.05, "order_id"] = pd.NA
    return frame


def _by_hand(frame: pd.DataFrame, until: str, unit: float) -> pd.DataFrame:
    """The summary's definitions, spelled out in pandas (the reference for the SQL)."""
    lines = frame[frame["date"].dt.normalize() <= pd.Timestamp(until)].copy()
    lines["day"] = lines["date"].dt.normalize()
    buys = lines[~lines["is_return"]]
    days = buys.groupby(["account_id", "day"])["revenue"].sum().reset_index()
    rows = {}
    for account, d in days.groupby("account_id"):
        d = d.sort_values("day")
        n = len(d)
        a = lines[lines["account_id"] == account]
        b = buys[buys["account_id"] == account]
        rows[account] = {
            "frequency": n - 1,
            "recency": (d["day"].iloc[-1] - d["day"].iloc[0]).days / unit,
            "T": (pd.Timestamp(until) - d["day"].iloc[0]).days / unit,
            "monetary_value": d["revenue"].iloc[1:].mean() if n > 1 else 0.0,
            "orders": b["order_id"].nunique(),
            "order_lines": len(b),
            "products": b["product_id"].nunique(),
            "revenue": a["revenue"].sum(),
            "returns_value": -a.loc[a["is_return"], "revenue"].sum(),
            "return_lines": int(a["is_return"].sum()),
            "gross_margin": a["gross_margin"].sum(),
            "first_purchase": d["day"].iloc[0],
            "last_purchase": d["day"].iloc[-1],
        }
    return pd.DataFrame.from_dict(rows, orient="index").sort_index()


@pytest.mark.parametrize("seed", [0, 1])
def test_summary_matches_its_definitions_spelled_out(seed):
    frame = _random_lines(seed)
    ours = summarize(frame, until="2025-02-15", period="week")
    ref = _by_hand(frame, "2025-02-15", 7.0)
    assert list(ours.index) == list(ref.index)
    for col in ref.columns:
        got, want = ours[col], ref[col]
        if col.endswith("_purchase"):
            assert (got.to_numpy() == want.to_numpy()).all(), col
        else:
            np.testing.assert_allclose(
                got.astype(float), want.astype(float), rtol=1e-9, err_msg=col
            )


def test_optional_columns_absent():
    frame = _random_lines(3).drop(columns=["order_id", "product_id", "gross_margin"])
    s = summarize(frame, period="day")
    # with no order id, an order is a purchase day
    assert (s["orders"] == s["frequency"] + 1).all()
    assert s["products"].isna().all() and s["gross_margin"].isna().all()
    assert list(s.columns) == list(SUMMARY_COLUMNS)


def test_index_is_sorted_as_text_whatever_the_id_type():
    frame = _random_lines(4)
    frame["account_id"] = frame["account_id"].str[1:].astype(int)  # 0 .. 149, as numbers
    s = summarize(frame)
    assert s.index.dtype == "string"
    assert list(s.index) == sorted(s.index)  # "10" before "2", as before
