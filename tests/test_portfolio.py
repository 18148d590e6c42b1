"""The key account portfolio: criteria, scores, boxes, tiers and movement (exits: test_exits.py).

The small tables here are worked by hand from the rules in the module docstrings.
"""

import warnings

import numpy as np
import pandas as pd
import pytest

from kamlab.errors import ConfigError, InputError
from kamlab.portfolio.criteria import Factor, load_criteria
from kamlab.portfolio.matrix import assign_boxes, assign_tiers
from kamlab.portfolio.movement import portfolio_movement
from kamlab.portfolio.portfolio import Portfolio
from kamlab.portfolio.scoring import PortfolioWarning, score_factor, score_group
from kamlab.presentation.portfolio import describe_movement

IDS = pd.Index(["A", "B", "C", "D"], name="account_id")

# Two factors a group, so every score can be checked by hand.
SMALL = {
    "attractiveness": {
        "revenue": {"weight": 60, "measure": "revenue", "rule": "linear", "low": 0, "high": 900},
        "fit": {"weight": 40, "judgement": "fit"},
    },
    "strength": {
        "quality": {"weight": 50, "judgement": "quality"},
        "delivery": {"weight": 50, "judgement": "delivery"},
    },
    "tiers": {"key_cap": 1},
    "exits": [],
}


def measures(revenue=(900, 450, 0, 900), **more):
    return pd.DataFrame({"revenue": revenue, **more}, index=IDS, dtype="float64")


def accounts(fit=(10, 5, 1, 10), quality=(8, 2, 9, 6), delivery=(10, 4, 9, 6)):
    return pd.DataFrame({"fit": fit, "quality": quality, "delivery": delivery}, index=IDS)


# --- criteria -------------------------------------------------------------------------------


def test_the_shipped_criteria_load_and_their_weights_sum_to_100():
    crit = load_criteria()
    for group in ("attractiveness", "strength"):
        assert sum(f.weight for f in crit.factors(group)) == pytest.approx(100)
    assert crit.attractiveness_cutoff == 5.5 and crit.key_cap == 25
    assert {r.action for r in crit.exits} == {"exit completely", "exit to a lower tier", "review"}


def test_weights_that_do_not_sum_to_100_are_an_error_that_lists_them():
    bad = {**SMALL, "strength": {"quality": {"weight": 50, "judgement": "quality"}}}
    with pytest.raises(ConfigError, match=r"strength weights sum to 50, not 100 \(quality 50\)"):
        load_criteria(bad)


@pytest.mark.parametrize(
    ("factor", "message"),
    [
        ({"weight": 100}, "exactly one source"),
        ({"weight": 100, "measure": "revenue", "judgement": "x"}, "exactly one source"),
        ({"weight": 100, "measure": "turnover"}, "unknown measure 'turnover'"),
        ({"weight": 100, "measure": "revenue", "rule": "quartiles"}, "unknown rule"),
        ({"weight": 100, "measure": "revenue", "rule": "linear", "low": 5, "high": 1}, "below"),
        ({"weight": 100, "measure": "revenue", "colour": "red"}, "unknown key 'colour'"),
    ],
)
def test_a_malformed_factor_is_an_error_naming_it(factor, message):
    with pytest.raises(ConfigError, match=message):
        load_criteria({**SMALL, "strength": {"odd": factor}})


def test_a_criteria_file_replaces_only_the_sections_it_gives(tmp_path):
    path = tmp_path / "criteria.yaml"
    path.write_text("tiers:\n  key_cap: 15\nmatrix:\n  strength_cutoff: 6\n", encoding="utf-8")
    crit = load_criteria(path)
    assert crit.key_cap == 15 and crit.strength_cutoff == 6.0
    assert crit.attractiveness == load_criteria().attractiveness
    assert crit.source == str(path)


def test_unknown_sections_and_bad_exit_rules_are_errors(tmp_path):
    with pytest.raises(ConfigError, match="unknown section 'tier'"):
        load_criteria({"tier": {"key_cap": 3}})
    with pytest.raises(ConfigError, match="action must be"):
        load_criteria({"exits": [{"action": "drop", "when": {}}]})
    with pytest.raises(ConfigError, match="unknown box 'Dog'"):
        load_criteria({"exits": [{"action": "exit completely", "when": {"box": ["Dog"]}}]})


def test_with_weights_tries_other_weights_and_still_checks_the_sum():
    crit = load_criteria(SMALL)
    assert [
        f.weight
        for f in crit.with_weights("attractiveness", {"revenue": 20, "fit": 80}).attractiveness
    ] == [20, 80]
    with pytest.raises(ConfigError, match="sum to 110"):
        crit.with_weights("attractiveness", {"revenue": 70})


# --- scores ---------------------------------------------------------------------------------


def test_deciles_score_the_bottom_tenth_1_and_the_top_tenth_10():
    values = pd.DataFrame({"revenue": np.arange(1.0, 21.0)})
    scores = score_factor(Factor("r", 100, measure="revenue", rule="deciles"), values, None)
    assert scores.tolist() == [k for k in range(1, 11) for _ in range(2)]


@pytest.mark.parametrize("rule", ["percentile", "deciles"])
def test_equal_amounts_tie_whatever_order_the_engine_added_them_in(rule):
    """A parallel sum adds in a varying order: the same revenue may come back a few last bits
    apart from one run to the next (a revenue of 0 as 3e-13). Ranks are taken to a 10^-12
    part of the largest value, so a rerun scores every account the same."""
    exact = pd.DataFrame({"revenue": [15.0, 15.0, 3.0, 1e5, 1e5, 0.0, 0.0]})
    noisy = exact.mul([1.0, 1 + 1e-14, 1.0, 1 - 1e-15, 1.0, 1, 1], axis=0)
    noisy.iloc[6] = 3.3e-13  # returns that cancel the purchases, summed in another order
    factor = Factor("r", 100, measure="revenue", rule=rule)
    scores = score_factor(factor, noisy, None)
    assert scores.tolist() == score_factor(factor, exact, None).tolist()
    assert scores[0] == scores[1] and scores[3] == scores[4] and scores[5] == scores[6]


def test_linear_scores_are_clipped_between_low_and_high():
    values = pd.DataFrame({"growth": [-1.0, -0.5, 0.0, 0.5, 1.0]})
    scores = score_factor(
        Factor("g", 100, measure="growth", rule="linear", low=-0.5, high=0.5), values, None
    )
    assert scores.tolist() == [1.0, 1.0, 5.5, 10.0, 10.0]


def test_group_scores_are_the_weighted_mean_worked_by_hand():
    crit = load_criteria(SMALL)
    a = score_group(crit, "attractiveness", measures(), accounts())
    # revenue linear 0..900: A 10, B 5.5, C 1, D 10; fit 10, 5, 1, 10.
    # A: 0.6*10 + 0.4*10 = 10; B: 0.6*5.5 + 0.4*5 = 5.3; C: 1; D: 10.
    assert a.value.tolist() == pytest.approx([10.0, 5.3, 1.0, 10.0])
    s = score_group(crit, "strength", measures(), accounts())
    assert s.value.tolist() == pytest.approx([9.0, 3.0, 9.0, 6.0])


def test_a_missing_judgement_is_imputed_at_the_median_with_a_warning_naming_the_account():
    crit = load_criteria(SMALL)
    acc = accounts(fit=(10, np.nan, 1, 10))
    with pytest.warns(PortfolioWarning, match=r"attractiveness.fit: 1 account.*median 10: B"):
        a = score_group(crit, "attractiveness", measures(), acc)
    assert a.scores.loc["B", "fit"] == 10.0 and a.imputed.loc["B", "fit"]
    assert not a.imputed.loc["A", "fit"]


def test_the_imputed_median_is_printed_as_a_score_not_a_raw_float():
    crit = load_criteria(SMALL)
    acc = accounts(fit=(10, np.nan, 1, 10 / 3))
    with pytest.warns(PortfolioWarning, match=r"median 3\.33: B$"):
        a = score_group(crit, "attractiveness", measures(), acc)
    assert a.scores.loc["B", "fit"] == pytest.approx(10 / 3)  # the value itself is not rounded


def test_a_missing_judgement_column_is_dropped_and_the_other_weights_scaled_to_100():
    crit = load_criteria(SMALL)
    with pytest.warns(PortfolioWarning, match="dropped fit"):
        a = score_group(crit, "attractiveness", measures(), accounts().drop(columns="fit"))
    assert a.weights == {"revenue": 100.0}
    assert a.value.tolist() == pytest.approx([10.0, 5.5, 1.0, 10.0])


def test_without_an_accounts_table_the_strength_falls_back_to_data_and_says_so():
    crit = load_criteria()
    m = measures(tenure=(30, 20, 10, 5), purchase_frequency=(4, 3, 2, 1))
    with pytest.warns(PortfolioWarning, match="strength: none of its factors.*falls back"):
        s = score_group(crit, "strength", m, None)
    assert set(s.weights) == {"tenure", "purchase_frequency"}


def test_judgement_scores_outside_1_to_10_are_an_error_naming_the_accounts():
    crit = load_criteria(SMALL)
    with pytest.raises(InputError, match=r"'quality'.*1 to 10.*accounts B, C"):
        score_group(crit, "strength", measures(), accounts(quality=(8, 0, 11, 6)))


# --- boxes, tiers, exits --------------------------------------------------------------------


def test_boxes_split_at_the_cutoffs_and_the_cutoff_itself_counts_as_high():
    a = pd.Series([8.0, 8.0, 3.0, 3.0, 5.5], index=list("ABCDE"))
    s = pd.Series([8.0, 3.0, 8.0, 3.0, 5.5], index=list("ABCDE"))
    boxes = assign_boxes(a, s)
    assert boxes.tolist() == ["Strategic", "Star", "Status", "Streamline", "Strategic"]


def test_strategic_accounts_beyond_the_cap_become_key_development_with_their_rank():
    table = pd.DataFrame(
        {
            "box": ["Strategic", "Strategic", "Strategic", "Star", "Status", "Streamline"],
            "attractiveness": [7.0, 9.0, 8.0, 9.5, 4.0, 2.0],
            "strength": [7.0, 7.0, 7.0, 3.0, 8.0, 2.0],
        },
        index=list("ABCDEF"),
    )
    tiers = assign_tiers(table, key_cap=2)
    assert tiers["tier"].tolist() == [
        "key development",
        "key",
        "key",
        "key development",
        "maintain",
        "transactional",
    ]
    assert tiers["key_rank"].tolist()[:3] == [3, 1, 2]
    assert "beyond the cap of 2" in tiers.loc["A", "tier_reason"]


def test_portfolio_fit_on_the_hand_table():
    acc = accounts()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        p = Portfolio(SMALL).fit(measures(contribution=(10, 20, -5, 30)), acc)
    t = p.table_
    assert t["box"].tolist() == ["Strategic", "Streamline", "Status", "Strategic"]
    # A and D tie on attractiveness (10) and strength is the tie-break: A (9) before D (6).
    assert t["tier"].tolist() == ["key", "transactional", "maintain", "key development"]
    assert t["stage"].isna().all()  # no stage indicators in this accounts table
    assert any("stages are unknown" in n for n in p.notes_)


def test_a_previous_accounts_table_without_stage_indicators_leaves_todays_stages_standing():
    acc = accounts().assign(contacts=[9, 2, 4, 16], joint_planning=[2, 0, 1, 3])
    previous = accounts()  # judgement scores only: nothing to compare stages with
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # the indicators acc lacks
        p = Portfolio(SMALL).fit(measures(), acc, previous_accounts=previous)
    t = p.table_
    assert t["stage"].notna().all()
    assert not t["declining"].any()
    assert any(n.startswith("the previous accounts table cannot show decline") for n in p.notes_)


# --- movement -------------------------------------------------------------------------------


def test_movement_counts_transitions_and_names_new_and_lost_key_accounts():
    before = pd.DataFrame(
        {
            "box": ["Strategic", "Star", "Status"],
            "tier": ["key", "key development", "maintain"],
            "attractiveness": [8.0, 7.0, 4.0],
            "strength": [8.0, 4.0, 7.0],
        },
        index=["A", "B", "C"],
    )
    after = pd.DataFrame(
        {
            "box": ["Status", "Strategic", "Strategic"],
            "tier": ["maintain", "key", "key"],
            "attractiveness": [5.0, 7.0, 8.0],
            "strength": [8.0, 7.0, 8.0],
        },
        index=["A", "B", "D"],
    )
    m = portfolio_movement(before, after)
    boxes = m.transitions["box"]
    assert boxes.loc["Strategic", "Status"] == 1 and boxes.loc["Star", "Strategic"] == 1
    assert boxes.loc["Status", "gone"] == 1 and boxes.loc["new", "Strategic"] == 1
    assert list(m.new_key) == ["B", "D"] and list(m.lost_key) == ["A"]
    assert m.movers.index[0] == "A" and m.movers.loc["A", "moved"] == pytest.approx(3.0)
    assert "2 of 2 accounts in both periods changed box" in describe_movement(m)


# --- on the generator's portfolio -----------------------------------------------------------


def test_accounts_made_attractive_and_strong_land_in_strategic_far_more_often_than_chance(
    tmp_path,
):
    import kamlab as kl
    from kamlab.datasets import make_sample
    from kamlab.portfolio.measures import portfolio_measures

    sample = make_sample(400, seed=3)
    paths = sample.write(tmp_path)
    tx = kl.read_transactions(paths["transactions"])
    acc = kl.read_accounts(paths["accounts"])
    t = Portfolio().fit(portfolio_measures(tx, acc), acc).table_
    truth = sample.truth.set_index("account_id").reindex(t.index)
    strategic = (truth["attractiveness"] >= 5.5) & (truth["strength"] >= 5.5)
    hit = (t.loc[strategic, "box"] == "Strategic").mean()
    chance = (t["box"] == "Strategic").mean()
    assert strategic.sum() >= 20
    assert hit >= 0.8 and hit > 2 * chance, (hit, chance)


def test_the_imputed_column_names_every_factor_scored_at_the_median():
    acc = accounts(fit=(10, np.nan, 1, 10), quality=(8, np.nan, 9, 6))
    with pytest.warns(PortfolioWarning):
        t = Portfolio(SMALL).fit(measures(contribution=(10, 20, -5, 30)), acc).table_
    assert t["imputed"].tolist() == ["", "fit, quality", "", ""]


def test_the_criteria_fallbacks_are_said_in_words_for_the_report():
    from kamlab.presentation.portfolio import criteria_fallbacks

    notes = [
        "strength: none of its factors could be scored (judgement column 'quality' missing), "
        "so it falls back to tenure, purchase_frequency",
        "attractiveness: dropped growth (growth), which the data do not have; ...",
        "9 prospects: accounts in the accounts table that have never bought",
    ]
    said = criteria_fallbacks(notes)
    assert len(said) == 2
    assert said[0].endswith("falls back to tenure, purchase frequency")
    assert not any("_" in s for s in said)


def test_add_columns_adds_aligned_columns_in_place_and_refuses_an_overlap():
    from kamlab.portfolio.frames import add_columns

    table = pd.DataFrame({"revenue": [1.0, 2.0]}, index=pd.Index(["a", "b"], name="account_id"))
    extra = pd.DataFrame({"tier": ["key", "other"]}, index=["b", "c"])
    out = add_columns(table, extra)
    assert out is table
    assert out["tier"].tolist()[1] == "key" and pd.isna(out.at["a", "tier"])
    with pytest.raises(ValueError, match="overlap"):
        add_columns(table, extra)
