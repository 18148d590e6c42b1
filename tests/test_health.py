"""Account health (kamlab.portfolio.health): the rule, its configuration, the guard on the
key tier, the risks and the summary list, and the must-show on fresh generated samples."""

import numpy as np
import pandas as pd
import pytest

import kamlab.cli as cli
from kamlab.datasets import make_sample
from kamlab.errors import ConfigError
from kamlab.portfolio.account_pages import account_risks
from kamlab.portfolio.criteria import HealthLevel, HealthRule, load_criteria
from kamlab.portfolio.health import HEALTH, classify_health, guard_tiers, health_measures
from kamlab.presentation.executive import key_accounts_at_risk
from kamlab.presentation.portfolio import health_by_tier
from kamlab.workflows import period_run

END = pd.Timestamp("2026-09-30")

# --- the rule, on hand-made accounts ------------------------------------------------------

RULE = HealthRule(
    lapsing=HealthLevel(p_alive_below=0.5, days_above=60, gaps_above=3, days_cap=90),
    likely_lost=HealthLevel(p_alive_below=0.2, days_above=180, gaps_above=6, days_cap=365),
)


def classify(days, gap=np.nan, alive=np.nan, rule=RULE) -> str:
    measures = pd.DataFrame(
        {
            "days_since_last_purchase": [days],
            "typical_gap_days": [gap],
            "probability_alive": [alive],
        },
        index=["A"],
    )
    return str(classify_health(measures, rule).at["A", "health"])


@pytest.mark.parametrize(
    ("days", "gap", "alive", "expected"),
    [
        (10, 7, 0.9, "active"),
        (60, 7, 0.9, "active"),  # at the floor: not above it
        (61, 7, 0.9, "lapsing"),  # above max(60, 3 x 7)
        (90, 30, 0.9, "active"),  # a monthly buyer quiet for 90 days: exactly 3 gaps
        (91, 30, 0.9, "lapsing"),
        (180, 10, 0.9, "lapsing"),  # at the likely-lost floor
        (181, 10, 0.9, "likely lost"),
        (181, 40, 0.9, "lapsing"),  # 6 x 40 = 240 days: a slow buyer is not yet lost
        (241, 40, 0.9, "likely lost"),
        (91, 60, 0.9, "lapsing"),  # a slow buyer quiet for a full quarter: the cap, not 3 x 60
        (365, 100, 0.9, "lapsing"),  # a year at most: 6 x 100 would allow 600 days
        (366, 100, 0.9, "likely lost"),
        (5, 7, 0.5, "active"),  # P(alive) at the threshold: not below it
        (5, 7, 0.49, "lapsing"),
        (5, 7, 0.2, "lapsing"),
        (5, 7, 0.19, "likely lost"),
        (61, np.nan, 0.9, "lapsing"),  # one purchase day: the floor alone
        (181, np.nan, 0.9, "likely lost"),
        (181, 10, np.nan, "likely lost"),  # no model: recency alone
        (30, 10, np.nan, "active"),
    ],
)
def test_the_rule_at_its_boundaries(days, gap, alive, expected):
    assert classify(days, gap, alive) == expected


def test_the_reason_names_the_part_of_the_rule_that_holds():
    measures = pd.DataFrame(
        {
            "days_since_last_purchase": [200.0, 70.0],
            "typical_gap_days": [10.0, 5.0],
            "probability_alive": [0.1, 0.9],
        },
        index=["A", "B"],
    )
    out = classify_health(measures, RULE)
    assert list(out["health"].astype(str)) == ["likely lost", "lapsing"]
    assert "P(alive) 0.10 below 0.2" in out.at["A", "health_reason"]
    assert "200 days since the last purchase, above 180" in out.at["A", "health_reason"]
    assert out.at["B", "health_reason"] == "70 days since the last purchase, above 60"
    assert list(out["health"].cat.categories) == list(HEALTH)


def test_the_measures_come_from_the_purchase_days():
    tx = pd.DataFrame(
        {
            "account_id": ["A", "A", "A", "A", "B", "A"],
            "date": pd.to_datetime(
                ["2026-01-01", "2026-01-01", "2026-01-11", "2026-02-10", "2026-03-01", "2026-03-01"]
            ),
            "revenue": [10.0, 5.0, 10.0, 10.0, 10.0, -5.0],
            "is_return": [False, False, False, False, False, True],
        }
    )
    out = health_measures(tx, pd.Index(["A", "B"]), until="2026-03-31")
    assert out.loc["A", "days_since_last_purchase"] == 49  # the return on 03-01 is no purchase
    assert out.loc["A", "typical_gap_days"] == 20  # gaps 10 and 30 days
    assert np.isnan(out.loc["B", "typical_gap_days"])
    assert out["probability_alive"].isna().all()
    assert "recency alone" in out.attrs["notes"][0]


# --- configuration --------------------------------------------------------------------------


def test_the_shipped_file_states_the_defaults():
    assert load_criteria().health == HealthRule()


def test_a_partial_health_section_keeps_the_other_defaults():
    rule = load_criteria({"health": {"lapsing": {"days_above": 45}}}).health
    assert rule.lapsing.days_above == 45
    assert rule.lapsing.p_alive_below == HealthRule().lapsing.p_alive_below
    assert rule.likely_lost == HealthRule().likely_lost


@pytest.mark.parametrize(
    ("section", "names"),
    [
        ({"lapsing": {"p_alive_below": 1.5}}, "health.lapsing.p_alive_below"),
        ({"likely_lost": {"days_above": -1}}, "health.likely_lost.days_above"),
        ({"lapsing": {"gaps_above": 0}}, "health.lapsing.gaps_above"),
        ({"lapsing": {"days_above": "soon"}}, "health.lapsing.days_above"),
        ({"lapsing": {"days": 30}}, "'days'"),
        ({"lost": {"days_above": 30}}, "'lost'"),
        ({"likely_lost": {"p_alive_below": 0.6}}, "health.likely_lost.p_alive_below"),
        ({"likely_lost": {"days_above": 30}}, "health.likely_lost.days_above"),
        ({"lapsing": [1, 2]}, "health.lapsing"),
        ({"lapsing": {"days_cap": 30}}, "health.lapsing.days_cap"),  # below days_above
        ({"lapsing": {"days_cap": 400}}, "health.likely_lost.days_cap"),  # laxer than lapsing
    ],
)
def test_a_bad_health_section_names_the_key(section, names):
    with pytest.raises(ConfigError, match=names.replace("(", r"\(").replace(".", r"\.")):
        load_criteria({"health": section})


# --- the guard --------------------------------------------------------------------------------


def test_a_likely_lost_key_account_leaves_key_and_a_lapsing_one_is_called():
    table = pd.DataFrame(
        {
            "tier": pd.Categorical(
                ["key", "key", "key", "key development"],
                categories=["key", "key development", "maintain", "transactional"],
                ordered=True,
            ),
            "tier_reason": ["Strategic, rank 1 of 9"] * 3 + ["Star"],
            "health": ["likely lost", "lapsing", "active", "likely lost"],
            "health_reason": ["P(alive) 0.01 below 0.2", "70 days", "", "x"],
        },
        index=list("ABCD"),
    )
    out = guard_tiers(table)
    assert list(out["tier"].astype(str)) == ["key development", "key", "key", "key development"]
    assert out.at["A", "tier_reason"].startswith("likely lost (P(alive) 0.01 below 0.2)")
    assert "was Strategic, rank 1 of 9" in out.at["A", "tier_reason"]
    assert out.at["D", "tier_reason"] == "Star"
    assert list(out["health_action"]) == ["review", "call", "", ""]


# --- fresh samples ------------------------------------------------------------------------------

SEEDS = (31, 47)


@pytest.fixture(scope="module", params=SEEDS)
def fresh(request, tmp_path_factory):
    """A fresh 600-account sample (as `kamlab sample --accounts 600`), its 2026Q3 run and
    truth."""
    paths = make_sample(600, seed=request.param).write(tmp_path_factory.mktemp("s"))
    run = period_run(
        paths["transactions"], paths["accounts"], paths["accounts_previous"], period="2026Q3"
    )
    truth = pd.read_csv(paths["truth"], index_col="account_id", parse_dates=["dropout_date"])
    return paths, run, truth


def test_on_fresh_samples_dead_key_accounts_are_not_active_and_none_lost_stays_key(fresh):
    _, run, truth = fresh
    table = run.portfolio.table_
    truth = truth.reindex(table.index)
    dead = ~truth["alive"].astype(bool) & (truth["dropout_date"] < END - pd.Timedelta(days=90))
    tiers = table["tier"].astype(str)
    watched = tiers.isin(["key", "key development"]) & dead
    assert watched.any()
    assert table.loc[watched, "health"].astype(str).isin(["lapsing", "likely lost"]).all()
    health = table["health"].astype(str)
    assert not ((tiers == "key") & (health == "likely lost")).any()
    moved = table["health_action"] == "review"
    assert table.loc[moved, "tier_reason"].str.startswith("likely lost").all()
    # the model is used: P(alive) known for every buying account (prospects have no history)
    buying = ~table["prospect"]
    assert table.loc[buying, "probability_alive"].between(0, 1).all()
    assert (table.loc[buying, "expected_purchases_next_quarter"] >= 0).all()
    # most truly alive accounts are active; the rest are mostly slow buyers quiet a quarter
    alive = truth["alive"].astype(bool) & buying
    assert (health[alive] == "active").mean() > 0.75


def test_the_previous_period_has_health_at_its_own_end(fresh):
    _, run, _ = fresh
    before = run.previous_table
    before = before[~before["prospect"]]  # prospects have no purchase, so no health
    assert before["probability_alive"].between(0, 1).all()
    end = pd.Timestamp(before.attrs["until"])
    assert end == run.previous_period.end.normalize()
    assert (before["last_purchase"] <= end).all()
    days = (end - before["last_purchase"]).dt.days
    assert (before["days_since_last_purchase"] == days).all()
    assert not (
        (before["tier"].astype(str) == "key") & (before["health"].astype(str) == "likely lost")
    ).any()


def test_the_pages_the_summary_and_the_cli_show_health(fresh, tmp_path, capsys):
    paths, run, _ = fresh
    table = run.portfolio.table_
    at_risk = key_accounts_at_risk(table)
    assert set(at_risk["health_action"]) <= {"call", "review"}
    assert len(at_risk) == int((table["health_action"] != "").sum())
    counts = health_by_tier(table)
    assert counts.loc["all", "all"] == len(table)
    risks = account_risks(table)
    lapsing = risks[risks["risk"] == "lapsing"]
    assert len(lapsing) == int((table["health"].astype(str) == "lapsing").sum())
    assert lapsing["detail"].str.contains(r"last purchase 20\d\d-\d\d-\d\d, \d+ days ago").all()
    assert lapsing["detail"].str.contains("P(alive) ", regex=False).all()

    out = tmp_path / "portfolio.csv"
    argv = ["portfolio", paths["transactions"], "--accounts", paths["accounts"]]
    code = cli.main([str(a) for a in [*argv, "--period", "2026Q3", "--out", out]])
    stdout = capsys.readouterr().out
    assert code == 0
    written = pd.read_csv(out, index_col="account_id")
    for column in ("health", "probability_alive", "days_since_last_purchase", "typical_gap_days"):
        assert column in written.columns
    assert "clv" not in written.columns  # --value still means clv
    expected = table["health"].astype(object).reindex(written.index)
    assert list(written["health"].fillna("")) == list(expected.fillna(""))
    assert "health (" in stdout


def test_without_a_model_health_falls_back_to_recency_and_says_so(fresh):
    from kamlab.portfolio import build_portfolio

    _, run, _ = fresh
    portfolio = build_portfolio(run.transactions, run.accounts, until=run.until)
    assert portfolio.table_["probability_alive"].isna().all()
    buying = ~portfolio.table_["prospect"]
    assert portfolio.table_.loc[buying, "health"].notna().all()
    assert any("recency alone" in note for note in portfolio.notes_)
