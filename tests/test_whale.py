"""kamlab.value.whale: the whale curve and its headline figures, on hand cases and the sample."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest

import kamlab
from kamlab.errors import InputError
from kamlab.presentation.value import describe_whale, whale_verdict
from kamlab.value import customer_pnl, whale_curve, whale_summary

SAMPLE = Path(__file__).resolve().parent.parent / "data" / "sample"


def _profits(*values: float) -> pd.Series:
    return pd.Series(values, index=[f"A{i}" for i in range(1, len(values) + 1)], dtype="float64")


def test_curve_ranks_most_profitable_first_with_cumulative_shares():
    curve = whale_curve(_profits(-30, 100, 0, 50, -20))
    assert list(curve.index) == ["A2", "A4", "A3", "A5", "A1"]
    assert list(curve["rank"]) == [1, 2, 3, 4, 5]
    assert list(curve["cum_accounts_share"]) == pytest.approx([0.2, 0.4, 0.6, 0.8, 1.0])
    assert list(curve["cum_profit"]) == pytest.approx([100, 150, 150, 130, 100])
    assert list(curve["cum_profit_share"]) == pytest.approx([1.0, 1.5, 1.5, 1.3, 1.0])
    assert curve.attrs["total_profit"] == pytest.approx(100.0)


def test_headline_figures_by_hand():
    # contributions 100, 50, 0, -30, -20: total 100
    s = whale_summary(_profits(100, 50, 0, -30, -20))
    assert s["accounts"] == 5 and s["total_profit"] == pytest.approx(100.0)
    assert s["profitable"] and s["note"] == ""
    assert s["top_share"] == pytest.approx(1.0)  # the top 20% = 1 account = 100
    assert s["peak_share"] == pytest.approx(1.5)  # 150% ...
    assert s["peak_accounts"] == 2 and s["peak_accounts_share"] == pytest.approx(0.4)  # at 40%
    assert s["destroying_accounts"] == 2 and s["destroying_accounts_share"] == pytest.approx(0.4)
    assert s["value_destroyed"] == pytest.approx(50.0)
    assert s["value_destroyed_share"] == pytest.approx(0.5)


def test_top_share_is_read_off_the_curve_between_accounts():
    # 10 accounts: the top 20% is exactly the best 2
    assert whale_summary(_profits(*[10.0] * 10))["top_share"] == pytest.approx(0.2)
    # 4 accounts: 20% is 0.8 of the way to the first account (at 25%)
    s = whale_summary(_profits(60, 40, 20, -20))
    assert s["top_profit"] == pytest.approx(0.8 * 60)
    assert s["top_share"] == pytest.approx(48 / 100)


def test_ties_keep_a_reproducible_order_and_do_not_move_the_peak():
    curve = whale_curve(_profits(5, 10, 10, 0, 0, -5))
    assert list(curve.index) == ["A2", "A3", "A1", "A4", "A5", "A6"]  # ties by account id
    s = whale_summary(curve)
    assert s["peak_profit"] == pytest.approx(25.0)
    assert s["peak_accounts"] == 3  # the zero-profit accounts do not lift the peak


def test_total_profit_not_positive_says_so_instead_of_dividing():
    # the last total is 5.6e-17 in floating point: 0 up to rounding, not a tiny profit
    for values in [(50, -80, -20), (30, -30), (0.1, 0.2, -0.3)]:
        s = whale_summary(_profits(*values))
        assert not s["profitable"]
        assert "<= 0" in s["note"]
        for key in ("top_share", "peak_share", "value_destroyed_share"):
            assert math.isnan(s[key])
    s = whale_summary(_profits(50, -80, -20))
    assert s["peak_profit"] == pytest.approx(50.0) and s["value_destroyed"] == pytest.approx(100.0)
    assert whale_curve(_profits(50, -80))["cum_profit_share"].isna().all()
    text = describe_whale(s)
    assert "does not make money" in text and "%" not in text.split("\n")[1]


def test_single_account():
    s = whale_summary(_profits(42.0))
    assert s["accounts"] == 1 and s["peak_share"] == pytest.approx(1.0)
    assert s["top_share"] == pytest.approx(0.2)  # 20% along the one straight segment
    assert "single account" in s["note"]
    loss = whale_summary(_profits(-42.0))
    assert loss["destroying_accounts"] == 1 and not loss["profitable"]


def test_bad_inputs():
    with pytest.raises(InputError, match="at least one account"):
        whale_curve(pd.Series([], dtype="float64"))
    with pytest.raises(InputError, match="missing for accounts A2"):
        whale_curve(_profits(1.0, float("nan")))
    with pytest.raises(InputError, match="top_fraction"):
        whale_summary(_profits(1.0), top_fraction=0)


def test_describe_cites_cooper_and_kaplan():
    text = describe_whale(whale_summary(_profits(100, 50, 0, -30, -20)))
    assert "most profitable 20% of accounts earn 100% of total profit" in text
    assert "Cooper & Kaplan 1991" in text and "150% of total profit after 2 accounts (40%)" in text
    assert "2 accounts (40%) destroy value" in text
    assert "give back 33% of the peak" in text  # 50 of 150
    assert "the top 20% earn 67% of it" in text  # 100 of 150


def test_a_tail_losing_more_than_the_peak_is_said_in_times_not_thousands_of_percent():
    """CDNOW under B2B cost rates: almost every account loses money. "35851% of the peak"
    reads as a typo; the tail's loss is given as a multiple of the peak."""
    text = describe_whale(whale_summary(_profits(10, -1000, -2000, -590)))
    assert "give back 359 times the peak" in text  # 3,590 lost against a peak of 10
    assert "% of the peak" not in text
    text = describe_whale(whale_summary(_profits(50, -80, -20)))
    assert "give back 2.0 times the peak" in text


def test_a_tail_too_small_to_show_in_whole_percent_reads_under_1_percent():
    """Seed 2027: 54 accounts lose GBP 10,172, 0.3% of total profit: "0% of total profit"
    beside a loss in money reads as a contradiction."""
    s = whale_summary(_profits(1000, 100, -1, -2))
    text = f"{describe_whale(s)}\n{whale_verdict(s)}"
    assert "0% of total profit" not in text.replace("100% of total profit", "")
    assert (
        "they lose GBP 3, under 1% of total profit, and so give back under 1% of the peak" in text
    )
    assert "the loss-making tail loses under 1% of total profit" in text


def test_the_tail_gives_back_a_share_of_the_peak_and_the_top_earn_a_share_of_it():
    s = whale_summary(_profits(300, 100, 0, -20, -80))
    assert s["peak_given_back"] == pytest.approx(100 / 400)
    assert s["top_share_of_peak"] == pytest.approx(300 / 400)
    # total = peak x (1 - given back), whatever the shape
    assert s["total_profit"] == pytest.approx(s["peak_profit"] * (1 - s["peak_given_back"]))
    losing = whale_summary(_profits(50, -80, -20))
    assert losing["peak_given_back"] == pytest.approx(2.0)  # defined though P <= 0
    assert math.isnan(whale_summary(_profits(-5, -1))["peak_given_back"])


def test_a_low_top_share_with_a_shallow_tail_is_not_called_even_profit():
    """The sample's shape: the top 20% earn all the profit (100%), the loss-makers lose
    little. The verdict blames the shallow tail and says profit is concentrated."""
    s = whale_summary(_profits(300, 100, 0, -20, -80))
    verdict = whale_verdict(s)
    assert "below the 150-300%" in verdict and "evenly" not in verdict
    assert "because the loss-making tail loses 33% of total profit, below the 50-200%" in verdict
    assert "Profit itself is concentrated: the top 20% earn 75% of the peak." in verdict


def test_a_low_top_share_with_a_deep_tail_means_profit_is_spread():
    s = whale_summary(_profits(100, 90, 80, 70, 60, 50, 40, 30, 20, -200))  # tail 59% of P
    verdict = whale_verdict(s)
    assert "although the loss-making tail loses 59% of total profit, within the 50-200%" in verdict
    assert "spread beyond the top 20%, who earn only 35% of the peak" in verdict


def test_the_verdict_within_and_above_the_range_names_the_tail():
    within = whale_verdict(whale_summary(_profits(225, 25, 0, -50, -100)))
    assert within.startswith("That is within the 150-300% of Cooper & Kaplan's cases;")
    assert "loses 150% of total profit, within the 50-200%" in within  # 150 of 100
    above = whale_verdict(whale_summary(_profits(400, 0, 0, -50, -250)))
    assert "above the 150-300%" in above and "gives back 75% of the peak" in above


def test_edge_cases_of_the_verdict_say_why_there_is_no_comparison():
    none_lost = whale_verdict(whale_summary(_profits(10, 5, 3)))
    assert none_lost.startswith("No account loses money") and "at most 100%" in none_lost
    losing = whale_verdict(whale_summary(_profits(50, -80, -20)))
    assert "more than the whole peak" in losing and "no share of total profit" in losing
    assert "No account makes a profit" in whale_verdict(whale_summary(_profits(-5, -1)))
    other = whale_verdict(whale_summary(_profits(300, 100, -20, -80, 0), top_fraction=0.1))
    assert "cannot be set against it" in other


@pytest.fixture(scope="module")
def sample_pnl() -> pd.DataFrame:
    accounts = kamlab.read_accounts(SAMPLE / "accounts.csv")
    tx = kamlab.read_transactions(
        SAMPLE / "transactions.csv", accounts=accounts, today="2026-09-30"
    )
    return customer_pnl(tx, accounts)


def test_sample_whale_curve_is_whale_shaped(sample_pnl):
    """With the shipped rates, the bundled sample's most profitable 20% of accounts earn
    most of the profit, and the small, frequently served tail destroys value."""
    s = whale_summary(sample_pnl)
    assert s["accounts"] == 300 and s["profitable"]
    # ~90% (103% when every account was charged ~20 KAM hours a year): far shallower than
    # Cooper & Kaplan's 150-300%, as the sample's loss-makers are small accounts
    assert s["top_share"] > 0.85
    assert s["peak_share"] > s["top_share"]
    assert 0.2 < s["destroying_accounts_share"] < 0.8
    assert s["value_destroyed"] > 0
    # The curve rises to the peak, then falls back to 100%.
    curve = whale_curve(sample_pnl)
    assert curve["cum_profit_share"].iloc[-1] == pytest.approx(1.0)
    assert curve["cum_profit_share"].max() == pytest.approx(s["peak_share"])


def test_sample_loss_makers_are_small_accounts_served_often(sample_pnl):
    losing = sample_pnl["contribution"] < 0
    per_order = sample_pnl["net_revenue"] / sample_pnl["orders"].clip(lower=1)
    assert (
        sample_pnl.loc[losing, "net_revenue"].median()
        < sample_pnl.loc[~losing, "net_revenue"].median() / 5
    )
    assert per_order[losing].median() < per_order[~losing].median()
