"""The buyer's view: scorecard, weakest heading and its KAM question, summary, charts."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402

from kamlab.datasets import make_sample  # noqa: E402
from kamlab.errors import ConfigError, InputError, MissingColumnError  # noqa: E402
from kamlab.plots.relationships import buyer_heatmap, buyer_radar  # noqa: E402
from kamlab.portfolio.buyer import (  # noqa: E402
    BUYER_QUESTIONS,
    HEADING_LABELS,
    HEADINGS,
    buyer_scorecard,
    portfolio_buyer_summary,
)
from kamlab.vocabulary import BUYER_HEADINGS  # noqa: E402

# columns: collaboration, consolidation, evaluation, risk_management, innovation, development
HAND = pd.DataFrame(
    [
        ["A", "Alpha Ltd", 7, 5, 8, 6, 9, 7],  # mean 7, weakest consolidation (5)
        ["B", "Beta plc", 3, 4, 3, 6, 8, 9],  # tie at 3: collaboration (listed first)
        ["C", "Gamma Group", np.nan, 6, 7, np.nan, 5, 8],  # 4 scored, mean 6.5, innovation
        ["D", "Delta & Sons", np.nan, np.nan, np.nan, np.nan, np.nan, np.nan],  # not assessed
    ],
    columns=["account_id", "account_name", *BUYER_HEADINGS],
)


def test_headings_follow_the_primer_and_the_generator():
    assert HEADINGS == (
        "collaboration",
        "consolidation",
        "evaluation",
        "risk_management",
        "innovation",
        "development",
    )
    assert tuple(f"buyer_{h}" for h in HEADINGS) == BUYER_HEADINGS
    assert set(BUYER_QUESTIONS) == set(HEADINGS) == set(HEADING_LABELS)


@pytest.mark.parametrize(
    ("heading", "words"),
    [
        ("collaboration", "foster a collaborative approach"),
        ("consolidation", "right number of suppliers"),
        ("evaluation", "shape your evaluation by the customer"),
        ("risk_management", "manage your buyer's risk"),
        ("innovation", "contribute to your customer's innovation"),
        ("development", "share knowledge and skills with you"),
    ],
)
def test_each_heading_has_its_kam_question(heading, words):
    assert words in BUYER_QUESTIONS[heading]
    assert BUYER_QUESTIONS[heading].endswith("?")


def test_scorecard_of_hand_scored_accounts():
    card = buyer_scorecard(HAND)
    assert list(card.index) == ["A", "B", "C", "D"]
    assert card.index.name == "account_id"
    assert card.loc["A", "account_name"] == "Alpha Ltd"
    assert card.loc["A", list(HEADINGS)].tolist() == [7, 5, 8, 6, 9, 7]
    assert card["headings_scored"].tolist() == [6, 6, 4, 0]
    np.testing.assert_allclose(card["mean_score"].iloc[:3], [7.0, 33 / 6, 6.5])
    assert card.loc[["A", "B", "C"], "weakest_heading"].tolist() == [
        "consolidation",
        "collaboration",
        "innovation",
    ]
    assert card.loc[["A", "B", "C"], "weakest_score"].tolist() == [5, 3, 5]
    assert card.loc[["A", "B", "C"], "weakest_tied"].tolist() == [1, 2, 1]
    assert card.loc["A", "kam_question"] == BUYER_QUESTIONS["consolidation"]
    assert card.loc["B", "kam_question"] == BUYER_QUESTIONS["collaboration"]


def test_an_account_with_no_scores_has_no_weakest_heading():
    d = buyer_scorecard(HAND).loc["D"]
    assert d["headings_scored"] == 0
    assert np.isnan(d["mean_score"]) and np.isnan(d["weakest_score"])
    assert pd.isna(d["weakest_heading"]) and pd.isna(d["kam_question"])
    assert d["weakest_tied"] == 0


def test_account_id_as_index_and_fractional_scores():
    frame = HAND.set_index("account_id").drop(columns="account_name")
    frame.loc["A", "buyer_innovation"] = 4.5  # questionnaire averages are kept
    card = buyer_scorecard(frame)
    assert "account_name" not in card.columns
    assert card.loc["A", "weakest_heading"] == "innovation"
    assert card.loc["A", "weakest_score"] == 4.5


def test_headings_map_to_questionnaire_columns():
    renamed = HAND.rename(columns={"buyer_risk_management": "Q4 risk", "buyer_innovation": "Q5"})
    card = buyer_scorecard(renamed, headings={"risk_management": "Q4 risk", "innovation": "Q5"})
    pd.testing.assert_frame_equal(card, buyer_scorecard(HAND))
    with pytest.raises(ConfigError, match="unknown buyer heading role"):
        buyer_scorecard(HAND, headings={"pricing": "Q7"})


def test_subset_keeps_the_chosen_accounts_in_order():
    card = buyer_scorecard(HAND, accounts_subset=["C", "A"])
    assert list(card.index) == ["C", "A"]
    with pytest.raises(InputError, match="not in the accounts table: Z"):
        buyer_scorecard(HAND, accounts_subset=["A", "Z"])


def test_missing_heading_columns_list_expected_and_found():
    with pytest.raises(MissingColumnError) as err:
        buyer_scorecard(HAND.drop(columns=["buyer_evaluation", "buyer_development"]))
    message = str(err.value)
    assert "buyer_evaluation" in message and "buyer_development" in message
    assert "evaluation ('buyer_evaluation')" in message  # what is missing
    assert "account_name" in message  # what was found
    assert "headings=" in message  # how to fix


@pytest.mark.parametrize("bad", [0, 11, -3, 10.5])
def test_scores_outside_1_to_10_are_input_errors(bad):
    frame = HAND.copy()
    frame.loc[1, "buyer_evaluation"] = bad
    with pytest.raises(InputError, match="1 .* to 10") as err:
        buyer_scorecard(frame)
    assert "'buyer_evaluation'" in str(err.value) and "B (" in str(err.value)


def test_scores_that_are_not_numbers_are_input_errors():
    frame = HAND.astype({"buyer_collaboration": object})
    frame.loc[0, "buyer_collaboration"] = "good"
    with pytest.raises(InputError, match="'buyer_collaboration': not a number for .*A"):
        buyer_scorecard(frame)


def test_portfolio_summary_splits_ties():
    summary = portfolio_buyer_summary(buyer_scorecard(HAND))
    assert list(summary.index) == list(HEADINGS)
    assert summary.loc["collaboration", "mean_score"] == pytest.approx(5.0)  # (7 + 3) / 2
    assert summary.loc["innovation", "mean_score"] == pytest.approx(22 / 3)
    assert summary["accounts_scored"].tolist() == [2, 3, 3, 2, 3, 3]
    # A -> consolidation, B -> collaboration and evaluation (half each), C -> innovation
    assert summary["weakest_count"].tolist() == [1, 1, 1, 0, 1, 0]
    np.testing.assert_allclose(summary["weakest_share"], [1 / 6, 1 / 3, 1 / 6, 0, 1 / 3, 0])
    assert summary["weakest_share"].sum() == pytest.approx(1.0)
    assert summary.loc["evaluation", "kam_question"] == BUYER_QUESTIONS["evaluation"]
    with pytest.raises(InputError, match="buyer_scorecard"):
        portfolio_buyer_summary(HAND)


def test_scorecard_of_the_generated_sample():
    accounts = make_sample(300, seed=3).accounts
    card = buyer_scorecard(accounts)
    assert len(card) == len(accounts) == 309  # 300 customers and 9 prospects, all scored
    assert (card["headings_scored"] == 6).all()
    assert card["weakest_heading"].isin(HEADINGS).all()
    assert card["mean_score"].between(1, 10).all()
    assert (card["weakest_score"] <= card[list(HEADINGS)].min(axis=1)).all()


# --------------------------------------------------------------------------- charts


def test_radar_draws_the_account_against_the_portfolio_mean():
    card = buyer_scorecard(HAND)
    ax = buyer_radar(card, "A")
    assert isinstance(ax, Axes) and ax.name == "polar"
    assert "Alpha Ltd" in ax.get_title()
    assert "consolidation" in ax.get_title()  # the weakest heading
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "portfolio mean" in labels and "weakest: supplier consolidation" in labels
    assert ax.get_xlabel() and ax.get_ylabel()
    plt.close(ax.figure)


def test_radar_names_and_axes_rules():
    card = buyer_scorecard(HAND)
    fig, grid = plt.subplots(1, 2)
    ax = buyer_radar(card, "B", ax=grid[0], names={"B": "Beta (renamed)"})
    assert ax.name == "polar" and ax.figure is fig  # the empty grid axes was replaced
    assert "Beta (renamed)" in ax.get_title()
    grid[1].plot([0, 1], [0, 1])
    with pytest.raises(ValueError, match="polar"):
        buyer_radar(card, "B", ax=grid[1])
    with pytest.raises(KeyError, match="Z"):
        buyer_radar(card, "Z", ax=ax)
    plt.close(fig)
    _, polar = plt.subplots(subplot_kw={"projection": "polar"})
    assert buyer_radar(card, "D", ax=polar) is polar  # no scores: drawn, says so
    plt.close(polar.figure)


def test_heatmap_rows_weakest_first_with_names():
    card = buyer_scorecard(HAND)
    fig, ax = plt.subplots()
    assert buyer_heatmap(card, ax=ax, top=2) is ax
    assert ax.get_title().startswith("Buyer's view by account (2 of 4 accounts")
    assert ax.get_xlabel() and ax.get_ylabel() == "account"
    rows = [t.get_text() for t in ax.get_yticklabels()]
    assert rows == ["Beta plc", "Gamma Group"]  # means 5.5 and 6.5
    cells = {t.get_text() for t in ax.texts}
    assert {"3", "4", "5", "6", "8", "9"} <= cells
    plt.close(fig)
    fig, ax = plt.subplots()
    buyer_heatmap(card, ax=ax, sort=False, names=pd.Series({"A": "Alpha <b>"}))
    assert [t.get_text() for t in ax.get_yticklabels()][:2] == ["Alpha <b>", "Beta plc"]
    plt.close(fig)
