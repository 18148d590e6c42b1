"""Relationship stages: the documented scoring, decline, missing data, gaps and charts.

Every expected stage below is worked out by hand from the threshold table in the
docstring of kamlab.portfolio.stages (levels 0-4, executive sponsor at half weight, so
the total weight of six indicators is 5.5; nearest stage, halves up).
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402
from matplotlib.patches import Rectangle  # noqa: E402

from kamlab.datasets import make_sample  # noqa: E402
from kamlab.errors import ConfigError, InputError, MissingColumnError  # noqa: E402
from kamlab.plots.relationships import stage_box_heatmap, stage_distribution  # noqa: E402
from kamlab.portfolio.stages import (  # noqa: E402
    DECLINING,
    GAP_RULES,
    INDICATOR_LEVELS,
    assess_stages,
    stage_crosstab,
    stage_gaps,
    stage_of,
)
from kamlab.vocabulary import INDICATOR_SCALE, STAGES  # noqa: E402

COLUMNS = [
    "account_id",
    "contacts",
    "functions_involved",
    "share_of_wallet",
    "information_sharing",
    "joint_planning",
    "executive_sponsor",
]
# One account per stage, typical of it. Levels (sponsor x 0.5) and score = sum / 5.5:
#   exp: 0.5 + 0.5 + 0 + 0 + 0.5 + 0.5 = 2.0  -> 0.36 Exploratory
#   bas: 1 + 0.5 + 1 + 1 + 0.5 + 0.5   = 4.5  -> 0.82 Basic
#   coo: 2 + 2 + 2 + 2 + 2 + 0.5       = 10.5 -> 1.91 Cooperative
#   int: 3 + 3 + 3 + 3 + 3 + 1.5       = 16.5 -> 3.00 Interdependent
#   itg: 4 + 4 + 4 + 4 + 4 + 1.5       = 21.5 -> 3.91 Integrated
HAND = pd.DataFrame(
    [
        ["exp", 1, 1, 0.02, 1, 0, False],
        ["bas", 2, 1, 0.10, 2, 0, False],
        ["coo", 4, 3, 0.30, 3, 1, False],
        ["int", 8, 5, 0.60, 4, 2, True],
        ["itg", 15, 7, 0.90, 5, 3, True],
    ],
    columns=COLUMNS,
)
HAND_SCORES = {"exp": 2.0 / 5.5, "bas": 4.5 / 5.5, "coo": 10.5 / 5.5, "int": 3.0, "itg": 21.5 / 5.5}
HAND_STAGES = dict(zip(HAND_SCORES, STAGES, strict=True))


# --------------------------------------------------------------------------- scoring


def test_hand_computed_accounts_get_their_stage():
    out = assess_stages(HAND)
    assert list(out.index) == list(HAND["account_id"])
    assert out.index.name == "account_id"
    np.testing.assert_allclose(out["stage_score"], list(HAND_SCORES.values()))
    assert out["stage"].astype(str).to_dict() == HAND_STAGES
    assert (out["indicators_used"] == 6).all()
    assert not out["declining"].any()
    assert out.loc["coo", "contacts_level"] == 2.0
    assert out.loc["bas", "executive_sponsor_level"] == 1.0


def test_stage_is_an_ordered_categorical_of_the_five_stages():
    out = assess_stages(HAND)
    assert isinstance(out["stage"].dtype, pd.CategoricalDtype)
    assert out["stage"].cat.ordered
    assert list(out["stage"].cat.categories) == list(STAGES)
    assert out.loc["bas", "stage"] < out.loc["coo", "stage"]
    assert list(out["stage_label"].cat.categories) == [*STAGES, DECLINING]


def test_reason_lists_the_evidence_and_the_stage():
    reason = assess_stages(HAND).loc["coo", "stage_reason"]
    assert reason == (
        "4 contacts, 3 functions, 30% of wallet, information sharing 3/5, ad hoc joint "
        "planning, no executive sponsor: Cooperative (score 1.9)"
    )
    assert assess_stages(HAND).loc["exp", "stage_reason"].startswith("1 contact, 1 function,")


@pytest.mark.parametrize(
    ("role", "values", "levels"),
    [
        ("contacts", [0, 1, 2, 3, 5, 6, 11, 12, 40], [0, 0.5, 1, 2, 2, 3, 3, 4, 4]),
        ("functions_involved", [0, 1, 2, 3, 4, 5, 6, 9], [0, 0.5, 2, 2, 3, 3, 4, 4]),
        (
            "share_of_wallet",
            [0, 0.049, 0.05, 0.199, 0.20, 0.499, 0.50, 0.749, 0.75, 1.0],
            [0, 0, 1, 1, 2, 2, 3, 3, 4, 4],
        ),
        ("information_sharing", [1, 2, 3, 4, 5, 3.4, 3.5], [0, 1, 2, 3, 4, 2, 3]),
        ("joint_planning", [0, 1, 2, 3], [0.5, 2, 3, 4]),
        ("executive_sponsor", [False, True], [1, 3]),
    ],
)
def test_threshold_table(role, values, levels):
    frame = pd.DataFrame({"account_id": [f"a{i}" for i in range(len(values))], role: values})
    with pytest.warns(UserWarning, match="assessed on the other 1"):
        out = assess_stages(frame)
    assert out[f"{role}_level"].tolist() == levels
    # with one indicator the score is its level
    assert out["stage_score"].tolist() == levels


def test_threshold_table_is_documented_for_every_indicator():
    import kamlab.portfolio.stages as stages

    for role, (edges, levels) in INDICATOR_LEVELS.items():
        assert len(levels) == len(edges) + 1
        assert role in stages.__doc__


def test_every_example_of_the_indicator_scale_gets_its_level():
    from kamlab.portfolio.stages import _levels

    assert set(INDICATOR_SCALE) == set(INDICATOR_LEVELS)
    for role, scale in INDICATOR_SCALE.items():
        for step in scale:
            got = _levels(role, pd.Series([float(step.example)])).iloc[0]
            assert got == step.level, (role, step)


def test_stage_of_rounds_halves_up():
    assert [stage_of(s) for s in (0, 0.49, 0.5, 1.5, 2.4, 3.5, 4, 5)] == [
        "Exploratory",
        "Exploratory",
        "Basic",
        "Cooperative",
        "Cooperative",
        "Integrated",
        "Integrated",
        "Integrated",
    ]


def test_halves_round_up_to_the_next_stage():
    # contacts 2 -> 1 and functions 2 -> 2: score 1.5, nearest stage with halves up
    frame = pd.DataFrame({"account_id": ["x"], "contacts": [2], "functions_involved": [2]}).assign(
        share_of_wallet=np.nan, information_sharing=np.nan
    )
    frame["joint_planning"] = np.nan
    frame["executive_sponsor"] = pd.array([pd.NA], dtype="boolean")
    out = assess_stages(frame)
    assert out.loc["x", "stage_score"] == 1.5
    assert out.loc["x", "stage"] == "Cooperative"
    assert out.loc["x", "indicators_used"] == 2


def test_weights_can_be_changed():
    # sponsor at full weight: int = (15 + 3) / 6 = 3.0; a sponsor-only view weighs it alone
    out = assess_stages(HAND, weights={"executive_sponsor": 1.0})
    assert out.loc["int", "stage_score"] == pytest.approx(3.0)
    assert out.loc["exp", "stage_score"] == pytest.approx(2.5 / 6)
    with pytest.raises(ConfigError, match="unknown weight role"):
        assess_stages(HAND, weights={"budget": 1.0})
    with pytest.raises(ConfigError, match=">= 0"):
        assess_stages(HAND, weights={"contacts": -1.0})


def test_account_id_as_index_or_column_gives_the_same_table():
    by_column = assess_stages(HAND)
    by_index = assess_stages(HAND.set_index("account_id"))
    pd.testing.assert_frame_equal(by_column, by_index)


def test_crm_column_names_are_mapped_by_role():
    crm = HAND.rename(
        columns={
            "contacts": "No. of contacts",
            "share_of_wallet": "SoW",
            "executive_sponsor": "Exec sponsor?",
        }
    )
    mapping = {"contacts": "No. of contacts", "share_of_wallet": "SoW"}
    mapping["executive_sponsor"] = "Exec sponsor?"
    out = assess_stages(crm, indicators=mapping)
    pd.testing.assert_frame_equal(out, assess_stages(HAND))


def test_a_role_mapped_to_none_is_not_used_and_unknown_roles_are_errors():
    out = assess_stages(HAND, indicators={"executive_sponsor": None})
    assert "executive_sponsor_level" not in out.columns
    # without the sponsor: coo = 10 / 5 = 2.0
    assert out.loc["coo", "stage_score"] == pytest.approx(2.0)
    with pytest.raises(ConfigError, match="unknown stage indicator role.*budget"):
        assess_stages(HAND, indicators={"budget": "Budget"})


def test_yes_no_text_is_read_as_executive_sponsor():
    frame = HAND.assign(executive_sponsor=["no", "N", "false", "Yes", "y"])
    pd.testing.assert_frame_equal(assess_stages(frame), assess_stages(HAND))
    ones = HAND.assign(executive_sponsor=[0, 0, 0, 1, 1])
    pd.testing.assert_frame_equal(assess_stages(ones), assess_stages(HAND))


# --------------------------------------------------------------------------- missing data


def test_an_absent_indicator_column_warns_and_the_rest_are_used():
    with pytest.warns(UserWarning, match="joint_planning"):
        out = assess_stages(HAND.drop(columns="joint_planning"))
    assert "joint_planning_level" not in out.columns
    assert (out["indicators_used"] == 5).all()
    # coo without planning: (2 + 2 + 2 + 2 + 0.5) / 4.5
    assert out.loc["coo", "stage_score"] == pytest.approx(8.5 / 4.5)
    assert out["stage"].astype(str).to_dict() == HAND_STAGES


def test_no_indicator_column_at_all_is_a_missing_column_error():
    frame = pd.DataFrame({"account_id": ["a"], "revenue": [1.0]})
    with pytest.raises(MissingColumnError) as err:
        assess_stages(frame)
    message = str(err.value)
    assert "contacts" in message and "share_of_wallet" in message  # expected
    assert "revenue" in message  # found
    assert "indicators=" in message  # how to fix
    assert isinstance(err.value, InputError)


def test_missing_values_score_on_what_the_account_has():
    frame = HAND.astype(
        {"contacts": "float64", "information_sharing": "float64", "executive_sponsor": "boolean"}
    )
    frame.loc[2, ["contacts", "information_sharing"]] = np.nan  # coo
    frame.loc[4, COLUMNS[1:]] = np.nan  # itg: nothing known
    out = assess_stages(frame)
    assert out.loc["coo", "indicators_used"] == 4
    assert out.loc["coo", "stage_score"] == pytest.approx(6.5 / 3.5)  # (2 + 2 + 2 + 0.5) / 3.5
    assert out.loc["coo", "stage"] == "Cooperative"
    assert "contacts" not in out.loc["coo", "stage_reason"]
    assert out.loc["itg", "indicators_used"] == 0
    assert pd.isna(out.loc["itg", "stage"])
    assert pd.isna(out.loc["itg", "stage_label"])
    assert np.isnan(out.loc["itg", "stage_score"])
    assert out.loc["itg", "stage_reason"] == "no indicators"


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("share_of_wallet", 30.0, "divide by 100"),
        ("information_sharing", 7, "1 \\(none\\) to 5"),
        ("joint_planning", -1, "0 none"),
        ("contacts", -2, "0 or more"),
        ("contacts", "lots", "not a number"),
        ("executive_sponsor", "maybe", "yes/no"),
    ],
)
def test_bad_values_are_input_errors_naming_column_and_account(column, value, message):
    frame = HAND.astype({column: object})
    frame.loc[1, column] = value
    with pytest.raises(InputError, match=message) as err:
        assess_stages(frame)
    assert column in str(err.value) and "bas" in str(err.value)


def test_repeated_account_ids_are_an_input_error():
    with pytest.raises(InputError, match="repeats account id"):
        assess_stages(pd.concat([HAND, HAND.iloc[[0]]]))


# --------------------------------------------------------------------------- declining


def test_without_previous_nothing_is_declining():
    out = assess_stages(HAND)
    assert not out["declining"].any()
    assert out["score_change"].isna().all()
    assert (out["indicators_fell"] == 0).all()
    assert out["previous_stage"].isna().all()
    assert (out["stage_label"].astype(str) == out["stage"].astype(str)).all()


def test_a_fall_of_half_a_stage_or_more_is_declining():
    # Last period "bas" looked Cooperative (the coo row); "coo" lost two contacts only.
    before = HAND.copy()
    before.loc[1, COLUMNS[1:]] = HAND.loc[2, COLUMNS[1:]].to_numpy()
    now = HAND.copy()
    before.loc[2, "contacts"] = 4
    now.loc[2, "contacts"] = 2  # level 2 -> 1: change -1 / 5.5 = -0.18, one indicator fell
    out = assess_stages(now, previous=before)
    assert out.loc["bas", "previous_stage"] == "Cooperative"
    assert out.loc["bas", "score_change"] == pytest.approx((4.5 - 10.5) / 5.5)
    assert out.loc["bas", "indicators_fell"] == 5  # all but the sponsor (no in both)
    assert out.loc["bas", "declining"]
    assert out.loc["bas", "stage"] == "Basic"  # the stage stays the level reached
    assert out.loc["bas", "stage_label"] == DECLINING
    assert out.loc["bas", "stage_reason"].endswith(
        "; declining (score -1.1 since the previous period, 5 indicators lower)"
    )
    assert out.loc["coo", "score_change"] == pytest.approx(-1 / 5.5)
    assert not out.loc["coo", "declining"]
    assert out.loc["coo", "stage_label"] == "Cooperative"
    assert not out.drop(index="bas")["declining"].any()
    strict = assess_stages(now, previous=before, decline_threshold=0.1)
    assert strict.loc["coo", "stage_reason"].endswith(
        "-0.2 since the previous period, 1 indicator lower)"
    )


def test_a_fall_of_exactly_the_threshold_counts():
    now = pd.DataFrame({"account_id": ["a"], "contacts": [4], "functions_involved": [2]})
    before = now.assign(contacts=[6])  # contacts level 3 -> 2, functions unchanged
    with pytest.warns(UserWarning):
        out = assess_stages(now, previous=before)
    assert out.loc["a", "score_change"] == pytest.approx(-0.5)
    assert out.loc["a", "declining"]
    with pytest.warns(UserWarning):
        assert not assess_stages(now, previous=before, decline_threshold=0.6)["declining"].any()


def test_three_indicators_falling_is_declining_even_when_others_rise():
    # int: contacts, functions, information fall one level; wallet and planning rise one
    before = HAND.copy()
    before.loc[3, ["contacts", "functions_involved", "information_sharing"]] = [15, 7, 5]
    before.loc[3, ["share_of_wallet", "joint_planning"]] = [0.30, 1]
    out = assess_stages(HAND, previous=before)
    assert out.loc["int", "indicators_fell"] == 3
    assert out.loc["int", "score_change"] == pytest.approx(-1 / 5.5)
    assert out.loc["int", "declining"]
    again = assess_stages(HAND, previous=before, decline_indicators=4)
    assert not again.loc["int", "declining"]


def test_accounts_new_since_the_previous_period_are_not_declining():
    before = HAND.iloc[:2].assign(contacts=[12, 12])  # only exp and bas were there
    out = assess_stages(HAND, previous=before)
    assert out.loc[["coo", "int", "itg"], "previous_stage"].isna().all()
    assert out.loc[["coo", "int", "itg"], "score_change"].isna().all()
    assert not out.loc[["coo", "int", "itg"], "declining"].any()
    assert out.loc[["exp", "bas"], "declining"].all()  # contacts fell from 12


def test_bad_decline_settings_are_config_errors():
    with pytest.raises(ConfigError, match="decline_threshold"):
        assess_stages(HAND, decline_threshold=0)
    with pytest.raises(ConfigError, match="decline_indicators"):
        assess_stages(HAND, decline_indicators=0)


# --------------------------------------------------------------------------- generator


@pytest.mark.parametrize("seed", [11, 12])
def test_stages_recover_the_generators_true_stage(seed):
    sample = make_sample(2000, seed=seed)
    out = assess_stages(sample.accounts)
    truth = sample.truth.set_index("account_id")["stage"].reindex(out.index)
    assessed = pd.Categorical(out["stage"]).codes
    true = pd.Categorical(truth, categories=list(STAGES)).codes
    exact = (assessed == true).mean()
    within_one = (np.abs(assessed - true) <= 1).mean()
    majority = truth.value_counts(normalize=True).max()  # always guessing the commonest
    # measured: exact 0.89-0.91, within one stage 1.000 (seeds 0-5, 11, 12)
    assert majority < 0.45
    assert exact >= 0.85
    assert within_one >= 0.99
    # the score rises with the true stage
    means = out["stage_score"].groupby(truth.to_numpy()).mean().reindex(list(STAGES))
    assert means.is_monotonic_increasing


@pytest.mark.parametrize("seed", [11, 12])
def test_the_generators_declining_relationships_are_found_against_its_earlier_table(seed):
    sample = make_sample(2000, seed=seed)
    out = assess_stages(sample.accounts, previous=sample.accounts_previous)
    truth = sample.truth.set_index("account_id").reindex(out.index)
    order = {stage: k for k, stage in enumerate(STAGES)}
    fell = truth["previous_stage"].map(order) > truth["stage"].map(order)
    # measured: ~240 of 2,000 fell a stage; 90-91% of them are found (seeds 0-2, 11,
    # 12), and no account whose stage held or rose is called declining
    assert 150 < fell.sum() < 350
    assert out.loc[fell, "declining"].mean() >= 0.85
    assert not out.loc[~fell, "declining"].any()
    assert (out.loc[out["declining"], "stage_label"] == DECLINING).all()


def test_rows_returns_those_accounts_as_the_full_assessment_words_them():
    """A portfolio words only its own accounts' stages (at 1M accounts in the file and
    470k buying, half the text); every account's indicators are still checked."""
    sample = make_sample(600, seed=3)
    full = assess_stages(sample.accounts, previous=sample.accounts_previous)
    assert full["declining"].any()  # the declining text is covered too
    rows = pd.Index(full.index[::3].tolist() + ["not-in-the-file"])
    some = assess_stages(sample.accounts, previous=sample.accounts_previous, rows=rows)
    pd.testing.assert_frame_equal(some, full.loc[full.index[::3]])
    bad = HAND.astype({"contacts": object})
    bad.loc[1, "contacts"] = "lots"  # account "bas"
    with pytest.raises(InputError, match="not a number"):
        assess_stages(bad, rows=pd.Index(["exp"]))


# --------------------------------------------------------------------------- gaps

BOXED = pd.DataFrame(
    {
        "account_id": ["s1", "s2", "s3", "t1", "t2", "q1", "m1", "m2", "m3"],
        "box": [
            "Strategic",
            "Strategic",
            "Strategic",
            "Star",
            "Star",
            "Status",
            "Streamline",
            "Streamline",
            "Streamline",
        ],
        "stage": [
            "Basic",  # gap: under-developed
            "Interdependent",
            "Exploratory",  # gap: under-developed
            "Basic",  # gap: under-developed
            "Cooperative",
            "Integrated",  # Status may be deep: no gap
            "Integrated",  # gap: over-invested
            "Basic",
            "Interdependent",  # gap: over-invested
        ],
    }
)


def test_gaps_are_strategic_or_star_at_basic_and_streamline_deep():
    gaps = stage_gaps(BOXED)
    assert list(gaps.index) == ["s1", "s3", "t1", "m1", "m3"]
    assert gaps["gap"].tolist() == ["under-developed"] * 3 + ["over-invested"] * 2
    assert gaps["action"].str.startswith("invest to deepen").sum() == 3
    assert gaps["action"].str.contains("lower tier").sum() == 2
    assert gaps.loc["m1", "box"] == "Streamline" and gaps.loc["m1", "stage"] == "Integrated"
    assert set(GAP_RULES.values()) == {"under-developed", "over-invested"}


def test_gaps_take_assess_stages_output_joined_with_boxes():
    table = assess_stages(HAND).assign(
        box=["Streamline", "Strategic", "Star", "Streamline", "Star"]
    )
    gaps = stage_gaps(table)
    assert list(gaps.index) == ["bas", "int"]  # Strategic at Basic; Streamline Interdependent


def test_crosstab_counts_every_box_and_stage():
    counts = stage_crosstab(BOXED.assign(box=BOXED["box"].replace({"Status": "Maintain"})))
    assert list(counts.index) == ["Strategic", "Star", "Status", "Streamline", "Maintain"]
    assert list(counts.columns) == list(STAGES)
    assert counts.loc["Strategic"].tolist() == [1, 1, 0, 1, 0]
    assert counts.loc["Streamline"].tolist() == [0, 1, 0, 1, 1]
    assert counts.loc["Status"].sum() == 0  # shown even when empty
    assert counts.to_numpy().sum() == len(BOXED)


def test_gap_inputs_are_checked():
    with pytest.raises(MissingColumnError, match="box"):
        stage_gaps(BOXED.drop(columns="box"))
    with pytest.raises(InputError, match="stage_label"):
        stage_gaps(BOXED.assign(stage=["Declining"] * len(BOXED)))
    assert stage_gaps(BOXED.assign(stage="Cooperative")).empty
    custom = stage_gaps(BOXED, rules={("Status", "Integrated"): "check"})
    assert list(custom.index) == ["q1"]


# --------------------------------------------------------------------------- charts


def test_stage_box_heatmap_outlines_the_gap_cells():
    fig, ax = plt.subplots()
    result = stage_box_heatmap(BOXED, ax=ax)
    assert result is ax and isinstance(result, Axes)
    assert "stage" in ax.get_title().lower()
    assert ax.get_xlabel() and ax.get_ylabel()
    outlines = [p for p in ax.patches if isinstance(p, Rectangle)]
    assert len(outlines) == len(GAP_RULES)
    texts = {t.get_text() for t in ax.texts}
    assert {"0", "1"} <= texts
    plt.close(fig)


def test_stage_distribution_stacks_the_declining_accounts():
    before = HAND.assign(contacts=[12, 12, 4, 8, 15])
    table = assess_stages(HAND, previous=before)
    fig, ax = plt.subplots()
    assert stage_distribution(table, ax=ax) is ax
    assert ax.get_title() and ax.get_xlabel() and ax.get_ylabel() == "accounts"
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "declining" in labels
    plt.close(fig)
    fig, ax = plt.subplots()
    stage_distribution(BOXED["stage"], ax=ax)
    assert sum(p.get_height() for p in ax.patches) == len(BOXED)
    plt.close(fig)
