"""Exits that respect tiers and costs (issue 14 point 2).

Each tier has a service model (the account-level cost drivers it carries); "exit to a
lower tier" names the tier it goes to and exists only where there is one; "exit
completely" only for an account that still loses money on the lowest tier's service
model. The small tables are worked by hand; growth is a year-on-year fraction
(-0.4 = revenue down 40%).
"""

import warnings

import numpy as np
import pandas as pd
import pytest

from kamlab.errors import ConfigError
from kamlab.portfolio.criteria import ExitRule, load_criteria
from kamlab.portfolio.exits import recommend_exits, tier_contributions
from kamlab.portfolio.portfolio import Portfolio

TIERS = ["key", "key development", "maintain", "transactional"]


def one_per_tier(**more):
    """One account per tier, highest first; default service model (key and key development
    carry KAM hours and service calls, maintain service calls, transactional neither)."""
    return pd.DataFrame(
        {
            "tier": pd.Categorical(TIERS, categories=TIERS, ordered=True),
            "contribution": [-100.0, -100.0, -20.0, -40.0],
            "cts_kam_hours": [300.0, 300.0, 0.0, 0.0],
            "cts_service_calls": [50.0, 50.0, 50.0, 10.0],
            **more,
        },
        index=pd.Index(["K", "D", "M", "T"], name="account_id"),
    )


def rule(action, why=None, **when):
    return load_criteria({"exits": [{"action": action, "when": when, "why": why}]}).exits[0]


# --- the service model ----------------------------------------------------------------------


def test_contribution_on_the_next_lower_and_the_lowest_tier_adds_back_the_costs_it_drops():
    c = tier_contributions(one_per_tier())
    # key -> key development carries the same drivers: nothing saved
    # key development -> maintain drops KAM hours (+300); maintain -> transactional drops
    # service calls (+50); the lowest tier has no lower tier: its own contribution
    assert c["contribution_lower_tier"].tolist() == [-100.0, 200.0, 30.0, -40.0]
    # the lowest tier (transactional) drops both: +350, +350, +50, +10
    assert c["contribution_lowest_tier"].tolist() == [250.0, 250.0, 30.0, -30.0]


def test_a_driver_no_tier_names_stays_with_every_tier_and_one_not_charged_costs_nothing():
    table = one_per_tier(cts_site_visits=[1000.0, 1000.0, 1000.0, 1000.0])
    service = {
        "key": ("kam_hours", "service_calls", "lunches"),
        "key development": ("kam_hours", "service_calls"),
        "maintain": ("service_calls",),
        "transactional": (),
    }
    c = tier_contributions(table, service)
    assert c["contribution_lowest_tier"].tolist() == [250.0, 250.0, 30.0, -30.0]


def test_the_criteria_file_sets_each_tiers_service_model():
    crit = load_criteria(
        {
            "tiers": {
                "key_cap": 5,
                "service": {
                    "key": ["kam_hours", "service_calls"],
                    "key development": ["kam_hours"],
                    "maintain": [],
                    "transactional": None,
                },
            }
        }
    )
    assert crit.service["maintain"] == () and crit.service["transactional"] == ()
    c = tier_contributions(one_per_tier(), crit.service)
    # key -> key development now drops service calls (+50); key development -> maintain
    # drops KAM hours and service calls (+350)
    assert c["contribution_lower_tier"].tolist() == [-50.0, 250.0, 30.0, -40.0]
    assert load_criteria().service["maintain"] == ("service_calls",)  # the shipped default


@pytest.mark.parametrize(
    ("tiers", "message"),
    [
        ({"service": {"gold": []}}, r"tiers.service: unknown tier 'gold'; tiers: key, "),
        (
            {"service": {"key": [], "key development": [], "maintain": []}},
            r"tiers.service has no entry for tier 'transactional'",
        ),
        ({"service": {t: "kam_hours" for t in TIERS}}, r"tiers.service.key must be a list"),
        ({"service": {t: [3] for t in TIERS}}, r"tiers.service.key: drivers must be"),
        ({"services": {}}, r"unknown key 'services' in tiers; known: key_cap, service"),
    ],
)
def test_a_malformed_service_model_is_an_error_naming_the_key(tiers, message):
    with pytest.raises(ConfigError, match=message):
        load_criteria({"tiers": tiers})


@pytest.mark.parametrize(
    ("when", "message"),
    [
        ({"tier": ["gold"]}, "exit rule 1: unknown tier 'gold'; tier is one of: key, "),
        ({"health": "dead"}, "exit rule 1: unknown health 'dead'; health is one of: active, "),
        ({"box": ["Dog"]}, "exit rule 1: unknown box 'Dog'"),
        ({"growth": {"under": -0.25}}, "use 'below' or 'above'"),
    ],
)
def test_a_malformed_exit_rule_is_an_error_naming_it(when, message):
    with pytest.raises(ConfigError, match=message):
        load_criteria({"exits": [{"action": "review", "when": when}]})
    with pytest.raises(ConfigError, match="action must be one of 'exit completely', "):
        load_criteria({"exits": [{"action": "drop", "when": {}}]})
    with pytest.raises(ConfigError, match="action must be one of .*, got 'drop'"):
        ExitRule("drop", "why")  # built in Python, checked the same


# --- what the code enforces, whatever the rules say -------------------------------------------


def test_no_account_in_the_lowest_tier_is_told_to_exit_to_a_lower_tier():
    exits = recommend_exits(
        one_per_tier(), (rule("exit to a lower tier", contribution={"below": 0}),)
    )
    assert exits["exit_recommendation"].tolist() == ["exit to a lower tier"] * 3 + [""]
    assert exits.loc["T", "exit_reasons"] == ""  # not applied at all, so no reason either


def test_exit_to_tier_names_the_next_lower_tier():
    exits = recommend_exits(
        one_per_tier(), (rule("exit to a lower tier", contribution={"below": 0}),)
    )
    assert exits["exit_to_tier"].tolist() == ["key development", "maintain", "transactional", ""]


def test_exit_completely_only_for_an_account_losing_money_on_the_lowest_tiers_service_model():
    exits = recommend_exits(one_per_tier(), (rule("exit completely", contribution={"below": 0}),))
    # all four lose money as served; only T still does without KAM hours and service calls
    assert exits["exit_recommendation"].tolist() == ["", "", "", "exit completely"]
    assert exits["exit_to_tier"].tolist() == ["", "", "", ""]


def test_a_prospect_is_never_proposed_for_exit_or_review():
    table = one_per_tier(prospect=[False, False, False, True])
    rules = (rule("exit completely", contribution={"below": 0}), rule("review", tier=TIERS))
    exits = recommend_exits(table, rules)
    assert exits["exit_recommendation"].tolist() == ["review", "review", "review", ""]


# --- rules on tier and health; reasons ------------------------------------------------------


def test_rules_may_condition_on_tier_and_health():
    table = one_per_tier(health=["likely lost", "likely lost", "lapsing", "likely lost"])
    review = rule("review", "likely lost", tier=["key", "key development"], health="likely lost")
    exits = recommend_exits(table, (review,))
    assert exits["exit_recommendation"].tolist() == ["review", "review", "", ""]
    # without a health column a health condition never holds
    assert (recommend_exits(one_per_tier(), (review,))["exit_recommendation"] == "").all()


def test_the_first_rule_that_holds_decides_and_each_reason_is_listed_once():
    rules = (
        rule("exit completely", "loses money", contribution={"below": 0}),
        rule("exit to a lower tier", "loses money", contribution={"below": 0}),
        rule("review", "falling", growth={"below": -0.2}),
    )
    exits = recommend_exits(one_per_tier(growth=[-0.5, 0.1, 0.1, -0.5]), rules)
    assert exits["exit_recommendation"].tolist() == [
        "exit to a lower tier",
        "exit to a lower tier",
        "exit to a lower tier",
        "exit completely",
    ]
    assert exits["exit_reasons"].tolist() == [
        "loses money; falling",
        "loses money",
        "loses money",
        "loses money; falling",
    ]


def test_profit_at_stake_is_the_contribution_plus_the_lifetime_value_when_known():
    exits = recommend_exits(one_per_tier(clv=[1000.0, np.nan, 0.0, -5.0]), ())
    assert exits["profit_at_stake"].tolist() == [900.0, -100.0, -20.0, -45.0]
    assert (exits["exit_recommendation"] == "").all()


# --- the shipped default rules ----------------------------------------------------------------


def test_the_default_rules_on_a_hand_table():
    table = pd.DataFrame(
        {
            "box": ["Streamline", "Streamline", "Status", "Streamline", "Strategic", "Star"],
            "tier": [
                "transactional",
                "transactional",
                "maintain",
                "transactional",
                "key",
                "key development",
            ],
            "contribution": [-60.0, -60.0, -20.0, -500.0, 9000.0, -200.0],
            "cts_kam_hours": [0.0, 0.0, 0.0, 1300.0, 13000.0, 300.0],
            "cts_service_calls": [20.0, 20.0, 50.0, 100.0, 500.0, 50.0],
            "growth": [-0.4, -0.1, 0.0, 0.0, 0.05, 0.3],
            "health": ["active", "active", "active", "active", "likely lost", "active"],
        },
        index=list("ABCDEF"),
    )
    exits = recommend_exits(table, load_criteria().exits)
    assert exits["exit_recommendation"].tolist() == [
        "exit completely",  # loses 40 even without service calls, revenue down 40%
        "",  # the same loss, but revenue down only 10%
        "exit to a lower tier",  # maintain: makes 30 without service calls
        "review",  # transactional charged KAM hours: makes 900 without them
        "review",  # a key account likely lost
        "",  # a Star need not be profitable yet
    ]
    assert exits.loc["C", "exit_to_tier"] == "transactional"
    for reasons in exits["exit_reasons"]:
        parts = reasons.split("; ")
        assert len(parts) == len(set(parts))


# --- on the generator's portfolio -----------------------------------------------------------


@pytest.fixture(scope="module")
def sample_table(tmp_path_factory):
    """``kamlab portfolio`` on 600 generated accounts, period 2026Q3 (the issue's check)."""
    import kamlab.cli as cli
    from kamlab.datasets import make_sample

    folder = tmp_path_factory.mktemp("sample")
    paths = make_sample(600, seed=11).write(folder)
    out = folder / "portfolio.csv"
    argv = [paths["transactions"], "--accounts", paths["accounts"], "--period", "2026Q3"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the sample's deliberately messy rows
        assert cli.main(["portfolio", *map(str, argv), "--out", str(out)]) == 0
    return pd.read_csv(out, keep_default_na=False, na_values={"contribution_lowest_tier": [""]})


def test_on_a_generated_portfolio_the_two_exit_invariants_hold(sample_table):
    t = sample_table
    tier = t["tier"].astype("object")
    action = t["exit_recommendation"]
    assert {"cts_kam_hours", "cts_service_calls", "exit_to_tier"} <= set(t.columns)
    assert not ((tier == "transactional") & (action == "exit to a lower tier")).any()
    assert (t.loc[action == "exit completely", "contribution_lowest_tier"] < 0).all()
    lower = {"key": "key development", "key development": "maintain", "maintain": "transactional"}
    moved = action == "exit to a lower tier"
    assert (t.loc[moved, "exit_to_tier"] == tier[moved].map(lower)).all()
    assert (t.loc[~moved, "exit_to_tier"] == "").all()
    assert (action != "").any()  # the rules do propose something: the checks are not empty


def test_portfolio_fit_serves_each_tier_on_the_criterias_service_model():
    ids = pd.Index(["A", "B", "C", "D"], name="account_id")
    measures = pd.DataFrame(
        {
            "revenue": [900.0, 450.0, 0.0, 900.0],
            "contribution": [-10.0, -20.0, -5.0, 30.0],
            "cts_kam_hours": [100.0, 100.0, 100.0, 100.0],
        },
        index=ids,
    )
    accounts = pd.DataFrame(
        {"fit": [10, 5, 1, 10], "quality": [8, 2, 9, 6], "delivery": [10, 4, 9, 6]}, index=ids
    )
    criteria = {
        "attractiveness": {
            "revenue": {
                "weight": 60,
                "measure": "revenue",
                "rule": "linear",
                "low": 0,
                "high": 900,
            },
            "fit": {"weight": 40, "judgement": "fit"},
        },
        "strength": {
            "quality": {"weight": 50, "judgement": "quality"},
            "delivery": {"weight": 50, "judgement": "delivery"},
        },
        "tiers": {  # KAM hours for key accounts only
            "key_cap": 1,
            "service": {
                "key": ["kam_hours"],
                "key development": [],
                "maintain": [],
                "transactional": [],
            },
        },
        "exits": [{"action": "exit to a lower tier", "when": {"contribution": {"below": 0}}}],
    }
    t = Portfolio(criteria).fit(measures, accounts).table_
    assert t["tier"].tolist() == ["key", "transactional", "maintain", "key development"]
    assert t["contribution_lower_tier"].tolist() == [90.0, -20.0, 95.0, 130.0]
    assert t["contribution_lowest_tier"].tolist() == [90.0, 80.0, 95.0, 130.0]
    assert t["exit_recommendation"].tolist() == [
        "exit to a lower tier",
        "",
        "exit to a lower tier",
        "",
    ]
    assert t["exit_to_tier"].tolist() == ["key development", "", "transactional", ""]
