"""Plan against actual for readers: the table, the account block, the summary, the chart."""

from __future__ import annotations

import datetime as dt

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from kamlab.plans import Action, Objective, Plan, overdue_actions, plan_scorecard  # noqa: E402
from kamlab.plots.plans import objectives_by_status  # noqa: E402
from kamlab.presentation.plans import (  # noqa: E402
    NO_PLAN,
    plan_block,
    plans_by_account,
    plans_summary,
    scorecard_for_reader,
    worst_plans_table,
)

END = "2026-12-31"
TABLE = pd.DataFrame(
    {
        "account_name": ["Acme Ltd", "Bolt plc"],
        "revenue": [150000.0, 500.0],
        "contribution": [-20.0, 80.0],
        "share_of_wallet": [0.4, np.nan],
        "stage": pd.Categorical(["Cooperative", "Basic"]),
        "prospect": [False, False],
        "health": ["active", "likely lost"],
        "tier": ["key", "key development"],
    },
    index=pd.Index(["A1", "A2"], name="account_id"),
)
DUE = dt.date(2027, 6, 30)
PLANS = [
    Plan(
        "A1", "Acme Ltd", "2026Q3", dt.date(2026, 6, 30), ["Jo"],
        objectives=[
            Objective("grow", "revenue", 160000.0, DUE, 100000.0),
            Objective("closer", "stage", "Cooperative", DUE, "Basic"),
            Objective("wallet", "share_of_wallet", 0.5, dt.date(2026, 9, 30), 0.3),
        ],
        actions=[Action("a1", "Meet the buyer", "Jo", dt.date(2026, 11, 30))],
    ),
    Plan("A2", "Bolt plc", "2026Q3", dt.date(2026, 6, 30), ["Jo"],
         objectives=[Objective("keep", "retention", 1.0, DUE, 1.0)]),
]  # fmt: skip
CARD = plan_scorecard(PLANS, TABLE, end=END)
ACTIONS = overdue_actions(PLANS, end=END)


def test_the_reader_table_formats_each_measure_its_own_way():
    shown = scorecard_for_reader(CARD)
    assert list(shown["Target"]) == ["GBP 160,000", "Cooperative", "50%", "yes"]
    assert list(shown["Actual"]) == ["GBP 150,000", "Cooperative", "40%", "no"]
    assert list(shown["Status"]) == ["on track", "met", "missed", "behind"]
    assert shown["Account"].iloc[-1] == "A2 Bolt plc (now key development)"


def test_the_account_block_shows_objectives_and_overdue_actions():
    block = plan_block("A1", CARD, ACTIONS)
    assert block.startswith("#### Plan against actual")
    assert (
        "| Net revenue, 12 months (grow) | GBP 160,000 | GBP 150,000 | 2027-06-30 | on track |"
        in block
    )
    assert "**Overdue actions (1):** Meet the buyer (Jo, due 2026-11-30, 31 days late)." in block
    assert "No key account plan" in plan_block("A9", CARD, ACTIONS)


def test_the_summary_counts_statuses_and_overdue_actions():
    text = plans_summary(CARD, ACTIONS)
    assert text.startswith("2 key account plans read against this period; 4 objectives: ")
    assert "1 met, 1 on track, 1 behind, 1 missed." in text
    assert "1 action is overdue (1 account)." in text
    assert "1 plan is for accounts no longer key." in text


def test_the_chart_stacks_each_accounts_objectives_by_status():
    ax = objectives_by_status(CARD, ax=plt.subplots()[1])
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        "met",
        "on track",
        "behind",
        "missed",
    ]
    assert sum(p.get_width() for p in ax.patches) == len(CARD)
    plt.close("all")


def test_a_page_block_without_a_heading_names_the_measure_alone_and_says_how_to_plan():
    card = CARD.assign(objective=CARD["measure"].where(CARD["account_id"] == "A1", "keep"))
    block = plan_block("A1", card, ACTIONS, heading=None)
    assert block.startswith("**Plan against actual**\n") and "#" not in block
    assert "| Net revenue, 12 months | GBP 160,000 |" in block  # no "(revenue)" after it
    assert plan_block("A9", card, ACTIONS, heading=None).endswith(NO_PLAN)
    assert "kamlab plans init" in NO_PLAN
    on_the_day = ACTIONS.assign(days_overdue=0)
    assert "(Jo, due 2026-11-30)." in plan_block("A1", card, on_the_day)  # not "0 days late"


def test_the_summary_names_key_accounts_without_a_plan():
    key = pd.Series(["Acme Ltd", "Cora SA", None], index=["A1", "A3", "A4"])
    text = plans_summary(CARD, ACTIONS, key=key)
    assert text.endswith(
        "2 key accounts have no plan yet (Cora SA and A4): kamlab plans init drafts one for each."
    )
    assert "no plan" not in plans_summary(CARD, ACTIONS, key=key.iloc[:1])
    assert "Most objectives behind or missed: " in text
    assert "Most objectives" not in plans_summary(CARD, ACTIONS, worst=False)


def test_the_worst_plans_come_first_with_their_counts():
    frame = plans_by_account(CARD, ACTIONS)
    assert list(frame.index) == ["A1", "A2"]  # a missed objective first
    assert frame.loc[
        "A1", ["objectives", "met", "on_track", "missed", "overdue_actions"]
    ].tolist() == [3, 1, 1, 1, 1]
    shown = worst_plans_table(CARD, ACTIONS, top=1, title="Behind")
    assert list(shown.frame.columns) == [
        "Account",
        "Objectives",
        "Met",
        "On track",
        "Behind",
        "Missed",
        "Overdue actions",
    ]
    assert shown.frame["Account"].tolist() == ["Acme Ltd"] and shown.title == "Behind"
