"""Potential, percentile scores, year-on-year growth and prospects (issue 14, points 4, 5, 8).

The small tables are worked by hand from the formulas in kamlab/portfolio/potential.py,
kamlab/portfolio/scoring.py and kamlab/portfolio/measures.py; the last tests run the
bundled sample (data/sample, period end 2026-09-30).
"""

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import kamlab as kl
from kamlab.datasets import make_sample
from kamlab.errors import ConfigError
from kamlab.io import accounts_by_id, read_transactions
from kamlab.portfolio import build_portfolio
from kamlab.portfolio.criteria import Factor, PotentialRule, load_criteria
from kamlab.portfolio.matrix import assign_tiers
from kamlab.portfolio.measures import year_on_year_growth
from kamlab.portfolio.portfolio import Portfolio
from kamlab.portfolio.potential import account_potential
from kamlab.portfolio.scoring import score_factor, score_group
from kamlab.portfolio.stages import trading_stages
from kamlab.presentation.portfolio import account_page

# --- potential ----------------------------------------------------------------------------


def test_share_of_wallet_gives_the_unwon_spend_times_the_accounts_margin():
    # revenue 100 at a 40% gross margin, a quarter of the wallet: wallet 400, headroom 300
    out = account_potential(
        pd.Series([100.0], index=["A"]),
        pd.Series([40.0], index=["A"]),
        share_of_wallet=pd.Series([0.25], index=["A"]),
    )
    assert out.at["A", "potential"] == pytest.approx(300 * 0.4)
    assert out.at["A", "potential_basis"] == "share of wallet"


def test_a_tiny_share_is_floored_so_the_wallet_is_at_most_20_times_the_revenue():
    out = account_potential(
        pd.Series([100.0, 100.0], index=["tiny", "floored"]),
        pd.Series([50.0, 50.0], index=["tiny", "floored"]),
        share_of_wallet=pd.Series([0.001, 0.05], index=["tiny", "floored"]),
    )
    assert out.at["tiny", "potential"] == pytest.approx((100 / 0.05 - 100) * 0.5)
    assert out.at["tiny", "potential"] == out.at["floored", "potential"]
    assert any("below 5%" in n for n in out.attrs["notes"])


def test_the_share_floor_is_configurable():
    out = account_potential(
        pd.Series([100.0], index=["A"]),
        pd.Series([50.0], index=["A"]),
        share_of_wallet=pd.Series([0.01], index=["A"]),
        rule=PotentialRule(share_floor=0.2),
    )
    assert out.at["A", "potential"] == pytest.approx((100 / 0.2 - 100) * 0.5)


def test_peers_give_the_upper_quartile_of_the_industry_or_else_of_the_portfolio():
    # Food: five buying accounts (enough peers); Tools: two (too few) -> the portfolio's.
    ids = ["f1", "f2", "f3", "f4", "f5", "t1", "t2", "food prospect", "tools prospect"]
    revenue = pd.Series([100, 200, 300, 400, 500, 1000, 2000, 0, 0], index=ids, dtype=float)
    margin = revenue * 0.5  # every buying account at a 50% margin
    industry = pd.Series(["Food"] * 5 + ["Tools"] * 2 + ["Food", "Tools"], index=ids)
    out = account_potential(revenue, margin, industry=industry)
    food_q3 = np.quantile([100, 200, 300, 400, 500], 0.75)  # 400
    all_q3 = np.quantile([100, 200, 300, 400, 500, 1000, 2000], 0.75)  # 750
    assert out.at["f1", "potential"] == pytest.approx((food_q3 - 100) * 0.5)
    assert out.at["f5", "potential"] == 0  # already above its peers: no headroom
    assert out.at["food prospect", "potential"] == pytest.approx(food_q3 * 0.5)
    assert out.at["tools prospect", "potential"] == pytest.approx(all_q3 * 0.5)
    assert out.at["t1", "potential"] == 0
    assert out.loc["f1", "potential_basis"] == "industry peers"
    assert out.loc["tools prospect", "potential_basis"] == "portfolio peers"
    assert (out["potential"] >= 0).all()


def test_a_prospect_with_a_stated_share_is_valued_from_peers_a_share_of_nothing_says_nothing():
    ids = ["a", "b", "p"]
    out = account_potential(
        pd.Series([100.0, 300.0, 0.0], index=ids),
        pd.Series([20.0, 60.0, np.nan], index=ids),
        share_of_wallet=pd.Series([0.5, 0.5, 0.1], index=ids),
    )
    assert out.at["p", "potential_basis"] == "portfolio peers"
    # the portfolio median margin (20%) times the upper quartile of 100 and 300 (250)
    assert out.at["p", "potential"] == pytest.approx(250 * 0.2)


def test_the_potential_section_is_read_from_the_criteria_and_checked():
    crit = load_criteria({"potential": {"share_floor": 0.1, "min_peers": 8}})
    assert crit.potential == PotentialRule(share_floor=0.1, peer_quantile=0.75, min_peers=8)
    with pytest.raises(ConfigError, match="potential.share_floor must be at least 0.001"):
        load_criteria({"potential": {"share_floor": 0}})
    with pytest.raises(ConfigError, match="unknown key 'cap' in potential"):
        load_criteria({"potential": {"cap": 2}})
    with pytest.raises(ConfigError, match="potential.min_peers must be a whole number"):
        load_criteria({"potential": {"min_peers": 2.5}})


def test_the_default_attractiveness_scores_potential_and_weighs_it_most():
    crit = load_criteria()
    weights = {f.measure or f.judgement: f.weight for f in crit.attractiveness}
    assert weights["potential"] == max(weights.values())
    assert sum(weights.values()) == pytest.approx(100)
    money = [
        f for f in crit.attractiveness if f.measure in ("potential", "revenue", "contribution")
    ]
    assert {f.rule for f in money} == {"percentile"}


# --- percentile scores --------------------------------------------------------------------


def test_percentile_scores_run_from_1_to_10_with_ties_averaged():
    values = pd.DataFrame({"revenue": [10.0, 20.0, 20.0, 40.0, np.nan]})
    scores = score_factor(Factor("r", 100, measure="revenue"), values, None)
    assert scores.iloc[:4].tolist() == pytest.approx([1.0, 5.5, 5.5, 10.0])
    assert np.isnan(scores.iloc[4])  # imputed later, by the group


def test_a_single_account_scores_the_middle():
    scores = score_factor(
        Factor("r", 100, measure="revenue"), pd.DataFrame({"revenue": [5.0]}), None
    )
    assert scores.tolist() == [5.5]


# --- growth, year on year -----------------------------------------------------------------


def test_growth_is_this_years_revenue_over_last_years_minus_one():
    rows = [
        ("up", "2025-03-01", 100.0),
        ("up", "2026-03-01", 150.0),  # +50%
        ("down", "2025-09-30", 200.0),  # the last day of the earlier year
        ("down", "2025-10-01", 50.0),  # the first day of this year: -75%
        ("new", "2026-05-01", 80.0),  # nothing the year before: NaN
        ("old", "2024-09-30", 999.0),  # before both years: ignored -> NaN
        ("gone", "2025-01-10", 60.0),  # bought last year only: -100%
    ]
    frame = pd.DataFrame(rows, columns=["account_id", "date", "revenue"])
    frame["date"] = pd.to_datetime(frame["date"])
    frame["is_return"] = False
    ids = pd.Index(["up", "down", "new", "old", "gone"])
    growth = year_on_year_growth(frame, ids, "2026-09-30")
    assert growth["up"] == pytest.approx(0.5)
    assert growth["down"] == pytest.approx(-0.75)
    assert np.isnan(growth["new"]) and np.isnan(growth["old"])
    assert growth["gone"] == pytest.approx(-1.0)


def test_growth_is_not_scored_when_the_data_begin_inside_the_earlier_year():
    """Online Retail begins on 2010-12-01: against the year to 2011-12-31, the year before
    holds one month of sales, and every account would look as if it had grown ten-fold.
    Growth is then unknown for every account (so the factor is dropped), with a note."""
    rows = [
        ("a", "2025-08-01", 100.0),  # the data begin two months before the year's end
        ("a", "2026-03-01", 400.0),
        ("b", "2025-09-15", 50.0),
        ("b", "2026-06-01", 500.0),
    ]
    frame = pd.DataFrame(rows, columns=["account_id", "date", "revenue"])
    frame["date"] = pd.to_datetime(frame["date"])
    frame["is_return"] = False
    growth = year_on_year_growth(frame, pd.Index(["a", "b"]), "2026-09-30")
    assert growth.isna().all()
    (note,) = growth.attrs["notes"]
    assert "2025-08-01" in note and "2024-10-01" in note and "growth" in note
    # a first line within a week of the earlier year's first day still counts as covering it
    frame.loc[0, "date"] = pd.Timestamp("2024-10-04")
    growth = year_on_year_growth(frame, pd.Index(["a", "b"]), "2026-09-30")
    assert growth.notna().all() and not growth.attrs.get("notes")


def test_the_portfolio_drops_growth_when_the_earlier_year_is_not_in_the_data(tmp_path):
    tx = read_transactions(make_sample(60, seed=3).write(tmp_path)["transactions"])
    # the data begin in January 2024: half of the year before 2024-07 to 2025-06
    portfolio = build_portfolio(tx, until="2025-06-30")
    assert any("growth not measured: the data begin on 2024-01" in n for n in portfolio.notes_)
    assert any("dropped" in note and "growth (growth)" in note for note in portfolio.notes_)
    assert "growth" not in portfolio.scores_["attractiveness"].weights


def test_potential_from_portfolio_peers_alone_is_not_scored():
    """Without share of wallet or industry, every account's potential is the portfolio's
    upper quartile less its own revenue: it ranks the smallest accounts first. On Online
    Retail (no accounts file) the 23 key accounts had a median revenue of GBP 153 and
    0.05% of revenue. Such a potential is left out of the scores, with a note."""
    measures = pd.DataFrame(
        {
            "revenue": [100.0, 1_000.0, 10_000.0, 50_000.0],
            "contribution": [-5.0, 100.0, 2_000.0, 9_000.0],
            "potential": [4_000.0, 3_000.0, 0.0, 0.0],
            "potential_basis": ["portfolio peers"] * 4,
        },
        index=pd.Index(list("abcd"), name="account_id"),
    )
    crit = load_criteria(None)
    with pytest.warns(UserWarning):
        a = score_group(crit, "attractiveness", measures, None)
    assert "potential" not in a.weights
    assert any("upper quartile less its own revenue" in note for note in a.notes)
    assert a.value.idxmax() == "d" and a.value.idxmin() == "a"  # the largest is most attractive
    with_wallet = measures.assign(potential_basis=["share of wallet"] * 4)
    with pytest.warns(UserWarning):
        assert "potential" in score_group(crit, "attractiveness", with_wallet, None).weights


def test_the_account_page_shows_growth_as_a_year_on_year_percentage():
    table = pd.DataFrame(
        {
            "box": ["Strategic"],
            "tier": ["key"],
            "attractiveness": [8.0],
            "strength": [7.0],
            "revenue": [1000.0],
            "contribution": [100.0],
            "growth": [0.12],
            "potential": [2500.0],
            "potential_basis": ["share of wallet"],
        },
        index=["A"],
    )
    page = account_page("A", table)
    assert "| revenue growth, year on year | +12% |" in page
    assert "potential, margin a year (share of wallet)" in page


# --- prospects: tiers, stages, exits ------------------------------------------------------


def test_a_strategic_prospect_is_never_key_and_leaves_the_key_place_to_a_buyer():
    table = pd.DataFrame(
        {
            "box": ["Strategic", "Strategic", "Status"],
            "attractiveness": [9.0, 8.0, 4.0],
            "strength": [9.0, 8.0, 7.0],
            "revenue": [0.0, 500.0, 100.0],
            "prospect": [True, False, False],
        },
        index=["prospect", "buyer", "other"],
    )
    out = assign_tiers(table, key_cap=1)
    assert out.at["prospect", "tier"] == "key development"
    assert "prospect" in out.at["prospect", "tier_reason"]
    assert pd.isna(out.at["prospect", "key_rank"])
    assert out.at["buyer", "tier"] == "key" and out.at["buyer", "key_rank"] == 1
    assert "prospect" not in out.at["other", "tier_reason"]


def test_prospects_are_exploratory_and_buying_accounts_at_least_basic():
    table = pd.DataFrame(
        {
            "stage": ["Cooperative", "Exploratory", "Exploratory", "Cooperative", None],
            "stage_reason": ["4 contacts: Cooperative"] * 5,
        },
        index=["p_coop", "p_expl", "buyer_expl", "buyer_coop", "buyer_none"],
    )
    prospect = pd.Series([True, True, False, False, False], index=table.index)
    out = trading_stages(table, prospect)
    assert out["stage"].astype("object").tolist() == [
        "Exploratory",
        "Exploratory",
        "Basic",
        "Cooperative",
        np.nan,
    ]
    assert out.at["p_coop", "stage_reason"].startswith("prospect: no purchase")
    assert "indicators: 4 contacts" in out.at["p_coop", "stage_reason"]
    assert "buying, so Basic" in out.at["buyer_expl", "stage_reason"]


def test_a_prospect_is_never_proposed_for_exit_even_when_a_rule_holds():
    criteria = {
        "attractiveness": {"revenue": {"weight": 100, "measure": "revenue"}},
        "strength": {"quality": {"weight": 100, "judgement": "quality"}},
        "exits": [
            {"action": "exit completely", "when": {"revenue": {"below": 50}}, "why": "small"}
        ],
    }
    ids = pd.Index(["buyer", "small buyer", "prospect"], name="account_id")
    measures = pd.DataFrame(
        {
            "revenue": [900.0, 10.0, 0.0],
            "contribution": [300.0, -50.0, -20.0],  # loses money on any service model
            "prospect": [False, False, True],
        },
        index=ids,
    )
    accounts = pd.DataFrame({"quality": [8, 2, 3]}, index=ids)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        table = Portfolio(criteria).fit(measures, accounts).table_
    assert table.at["small buyer", "exit_recommendation"] == "exit completely"
    assert table.at["prospect", "exit_recommendation"] == ""


# --- the bundled sample -------------------------------------------------------------------


@pytest.fixture(scope="module")
def sample_table():
    folder = Path(__file__).resolve().parent.parent / "data" / "sample"
    acc = kl.read_accounts(folder / "accounts.csv")
    tx = kl.read_transactions(folder / "transactions.csv", accounts=acc.data)
    portfolio = kl.build_portfolio(tx, acc, until="2026-09-30")
    return portfolio, acc


def test_the_top_25_accounts_by_revenue_get_distinct_revenue_scores(sample_table):
    portfolio, _ = sample_table
    top = portfolio.table_.nlargest(25, "revenue").index
    scores = portfolio.scores_["attractiveness"].scores.loc[top, "revenue"]
    assert scores.nunique() == 25


def test_accounts_that_never_bought_are_prospects_and_former_customers_are_counted(
    sample_table,
):
    portfolio, acc = sample_table
    table = portfolio.table_
    folder = Path(__file__).resolve().parent.parent / "data" / "sample"
    bought = kl.summarize(kl.read_transactions(folder / "transactions.csv"), until="2026-09-30")
    outside = accounts_by_id(acc).index.difference(table.index)
    assert outside.isin(bought.index).all()  # only former customers are left out
    assert not table.index[table["prospect"]].isin(bought.index).any()
    if len(outside):
        assert any(f"{len(outside)} former customers" in note for note in portfolio.notes_)
    prospects = table[table["prospect"]]
    assert len(prospects) > 0
    assert (prospects[["revenue", "contribution"]] == 0).all().all()
    assert (prospects["stage"].astype("object") == "Exploratory").all()
    assert (prospects["tier"].astype("object") != "key").all()
    assert prospects["tier_reason"].str.contains("prospect").all()
    assert (prospects["exit_recommendation"] == "").all()
    assert prospects["potential_basis"].isin(["industry peers", "portfolio peers"]).all()
    assert (prospects["potential"] > 0).all()
    never = prospects["last_purchase"].isna()
    assert prospects.loc[never, "health"].isna().all()


def test_buying_accounts_are_never_exploratory_and_have_a_potential(sample_table):
    table = sample_table[0].table_
    buying = table[~table["prospect"]]
    assert (buying["stage"].astype("object") != "Exploratory").all()
    assert (buying["potential"] >= 0).all()
    assert (buying["potential_basis"] == "share of wallet").all()  # the sample gives shares
    assert (buying["growth"].dropna() >= -1).all()


def test_growth_on_the_sample_is_the_ratio_of_the_two_years_net_revenue(sample_table):
    portfolio, acc = sample_table
    folder = Path(__file__).resolve().parent.parent / "data" / "sample"
    tx = kl.read_transactions(folder / "transactions.csv", accounts=acc.data)
    before = kl.customer_pnl(tx, acc, until="2025-09-30", window="12M")["net_revenue"]
    table = portfolio.table_
    expected = table.at["A0246", "revenue"] / before["A0246"] - 1
    assert table.at["A0246", "growth"] == pytest.approx(expected)


def test_an_account_that_never_bought_has_no_health_and_a_former_customer_is_classed():
    from kamlab.portfolio.health import classify_health

    measures = pd.DataFrame(
        {
            "last_purchase": [pd.NaT, pd.Timestamp("2025-01-01")],
            "days_since_last_purchase": [np.nan, 637.0],
            "typical_gap_days": [np.nan, 30.0],
            "probability_alive": [np.nan, np.nan],
        },
        index=["never", "former"],
    )
    out = classify_health(measures)
    assert pd.isna(out.at["never", "health"])
    assert out.at["never", "health_reason"] == "no purchase yet"
    assert out.at["former", "health"] == "likely lost"


def test_build_portfolio_estimates_potential_with_the_criteria_potential_section(sample_table):
    portfolio, acc = sample_table
    folder = Path(__file__).resolve().parent.parent / "data" / "sample"
    tx = kl.read_transactions(folder / "transactions.csv", accounts=acc.data)
    strict = kl.build_portfolio(
        tx, acc, until="2026-09-30", criteria={"potential": {"share_floor": 0.5}}
    ).table_
    default = portfolio.table_
    small = default["share_of_wallet"] < 0.5
    buying = ~default["prospect"]
    assert (
        strict.loc[small & buying, "potential"] < default.loc[small & buying, "potential"]
    ).all()
    unchanged = ~small & buying
    pd.testing.assert_series_equal(
        strict.loc[unchanged, "potential"], default.loc[unchanged, "potential"]
    )


def test_an_account_whose_returns_cancel_its_purchases_is_not_buying_whatever_the_sum_order():
    """Its net revenue is 0, which a parallel engine sum returns as 0, 2e-14 or 3e-13 from
    run to run: below half a penny it is not a buying account, so its potential does not
    rest on a margin share of noise and is the same every run."""
    from kamlab.portfolio.potential import account_potential

    revenue = pd.Series([100_000.0, 50_000.0, 20_000.0, 10_000.0, 0.0], index=list("ABCDE"))
    margin = pd.Series([30_000.0, 15_000.0, 6_000.0, 3_000.0, 0.0], index=list("ABCDE"))
    runs = [account_potential(revenue.replace(0.0, noise), margin.replace(0.0, noise / 3))
            for noise in (0.0, 2.7e-14, 3.3e-13)]  # fmt: skip
    for other in runs[1:]:
        pd.testing.assert_frame_equal(other, runs[0])
    assert runs[0].loc["E", "potential"] > 0  # headroom to its peers, at the median margin
