"""Plan against actual: the status rule, the actuals, overdue actions."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from kamlab.plans import Action, Objective, Plan, objective_status, plan_scorecard
from kamlab.plans.scorecard import measure_actuals, overdue_actions

WRITTEN, DUE, END = "2026-06-30", "2027-06-30", "2026-12-31"  # half the time gone at END


@pytest.mark.parametrize(
    ("baseline", "target", "actual", "due", "status"),
    [
        (100.0, 200.0, 200.0, DUE, "met"),  # reached
        (100.0, 200.0, 250.0, "2026-09-30", "met"),  # reached, even after the due date
        (100.0, 200.0, 160.0, DUE, "on track"),  # 60% of the way, 50% of the time
        (100.0, 200.0, 140.0, DUE, "behind"),  # 40% of the way, 50% of the time
        (100.0, 200.0, 199.0, END, "missed"),  # due on the period's last day, not reached
        (100.0, 50.0, 40.0, DUE, "met"),  # a target below the baseline: met at or below it
        (100.0, 50.0, 80.0, DUE, "behind"),  # 40% of the way down
        (100.0, 200.0, np.nan, DUE, "no actual"),
    ],
)
def test_the_status_rule(baseline, target, actual, due, status):
    assert objective_status("revenue", baseline, target, actual, WRITTEN, due, END)[0] == status


def test_stage_is_met_at_or_beyond_the_target_stage():
    args = ("Basic", "Cooperative")
    assert objective_status("stage", *args, "Interdependent", WRITTEN, DUE, END)[0] == "met"
    assert objective_status("stage", *args, "Basic", WRITTEN, DUE, END)[0] == "behind"
    assert objective_status("stage", *args, "Declining", WRITTEN, END, END)[0] == "missed"


def test_progress_is_the_share_of_the_way_from_baseline_to_target():
    assert objective_status("revenue", 100.0, 200.0, 175.0, WRITTEN, DUE, END)[1] == 0.75


TABLE = pd.DataFrame(
    {
        "revenue": [1000.0, 500.0],
        "contribution": [-20.0, 80.0],
        "share_of_wallet": [0.4, np.nan],
        "stage": pd.Categorical(["Basic", "Cooperative"]),
        "prospect": [False, False],
        "health": ["active", "likely lost"],
        "tier": ["key", "maintain"],
    },
    index=pd.Index(["A1", "A2"], name="account_id"),
)


def test_actuals_come_from_the_portfolio_table():
    pnl = pd.DataFrame({"gross_margin": [300.0], "net_revenue": [1000.0]}, index=["A1"])
    actual = measure_actuals(TABLE, pnl=pnl)
    assert actual.loc["A1", "revenue"] == 1000.0 and actual.loc["A1", "gross_margin"] == 0.3
    assert list(actual["retention"]) == [1.0, 0.0]  # A2 is likely lost
    assert np.isnan(actual.loc["A2", "gross_margin"])


def plan(account: str, *objectives: Objective, actions=()) -> Plan:
    return Plan(
        account,
        account,
        "2026Q3",
        dt.date(2026, 6, 30),
        ["Me"],
        objectives=list(objectives),
        actions=list(actions),
    )


def test_the_scorecard_keeps_plans_of_accounts_no_longer_key_or_gone():
    due = dt.date(2027, 6, 30)
    plans = [
        plan("A1", Objective("grow", "revenue", 1200.0, due, 700.0)),
        plan("A2", Objective("keep", "retention", 1.0, dt.date(2026, 12, 31), 1.0)),
        plan(
            "A9",
            Objective("grow", "revenue", 10.0, due, 5.0),
            actions=[
                Action("a1", "Call", "Me", dt.date(2026, 10, 1)),
                Action("a2", "Visit", "Me", dt.date(2026, 10, 1), "done"),
            ],
        ),
    ]
    card = plan_scorecard(plans, TABLE, end=END)
    assert list(card["tier_now"]) == ["key", "maintain", "not in the portfolio"]
    assert list(card["actual"]) == [1000.0, 0.0, 0.0]
    assert list(card["status"]) == ["on track", "missed", "behind"]
    assert list(card["overdue_actions"]) == [0, 0, 1]
    actions = overdue_actions(plans, end=END)
    assert list(actions["action"]) == ["a1"] and actions["days_overdue"].iloc[0] == 91
