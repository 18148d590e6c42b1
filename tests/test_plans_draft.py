"""Drafting plans from the portfolio table, and carrying open items forward."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from kamlab.plans import Action, Objective, Plan, carry_forward, draft_plans, next_period

TABLE = pd.DataFrame(
    {
        "account_name": ["Acme Ltd", "Bolt plc", "Cog Co"],
        "box": ["Strategic", "Star", "Status"],
        "strategy": ["invest", "build", "maintain"],
        "tier": pd.Categorical(["key", "key", "maintain"]),
        "revenue": [100000.0, 50000.0, 900.0],
        "contribution": [-2000.0, 8000.0, 10.0],
        "growth": [-0.4, 0.1, 0.0],
        "potential": [6000.0, np.nan, 0.0],
        "potential_basis": ["share of wallet", "unknown", "industry peers"],
        "share_of_wallet": [0.3, np.nan, 0.5],
        "stage": pd.Categorical(["Basic", "Integrated", "Basic"]),
        "prospect": [False, False, False],
        "health": ["lapsing", "active", "active"],
        "last_purchase": pd.to_datetime(["2026-05-01", "2026-09-20", "2026-09-01"]),
        "days_since_last_purchase": [152.0, 10.0, 29.0],
        "typical_gap_days": [30.0, 12.0, 20.0],
        "probability_alive": [0.4, 0.99, 0.95],
    },
    index=pd.Index(["A1", "A2", "A3"], name="account_id"),
)
PNL = pd.DataFrame(
    {"gross_margin": [30000.0, 10000.0], "net_revenue": [100000.0, 50000.0],
     "cost_to_serve": [32000.0, 2000.0]},
    index=["A1", "A2"],
)  # fmt: skip


def test_one_plan_per_key_account_with_objectives_from_the_data():
    plans = draft_plans(TABLE, period="2026Q3", pnl=PNL)
    assert [p.account_id for p in plans] == ["A1", "A2"]
    acme = {o.id: o for o in plans[0].objectives}
    # 20% of the revenue headroom: 6,000 margin / 30% = 20,000 revenue; 20% of it is 4,000,
    # below the 5% minimum (5,000)
    assert acme["revenue"].target == 105000.0 and acme["revenue"].due == dt.date(2027, 9, 30)
    assert acme["contribution"].target == 0.0  # a loss-maker: break even
    assert (acme["stage"].baseline, acme["stage"].target) == ("Basic", "Cooperative")
    assert acme["share_of_wallet"].target == 0.35
    assert acme["retention"].due == dt.date(2026, 12, 31)
    # actions fall due through the quarter: agree and call in its first month, the new
    # contact in its second, the cost review of a loss-maker at its end
    dues = {a.what.split()[0]: a.due for a in plans[0].actions}
    assert dues == {
        "Agree": dt.date(2026, 10, 31),
        "Meet": dt.date(2026, 11, 30),
        "Review": dt.date(2026, 12, 31),
        "Call": dt.date(2026, 10, 31),
    }
    assert plans[0].period == "2026Q4" and plans[0].position["gross_margin"] == 0.3
    assert any("revenue falling" in s for s in plans[0].swot["threats"])
    assert any("loses 2,000 a year" in s for s in plans[0].swot["weaknesses"])
    assert "stage" not in {o.id for o in plans[1].objectives}  # Integrated: nowhere higher
    assert next_period("2026Q4") == "2027Q1" and next_period("2026-12") == "2027-01"


def test_open_items_are_carried_and_met_ones_are_not():
    old = Plan(
        "A1", "Acme Ltd", "2026Q2", dt.date(2026, 6, 30), ["Jo"],
        objectives=[
            Objective("revenue", "revenue", 95000.0, dt.date(2027, 6, 30), 90000.0),  # met
            Objective("wallet", "share_of_wallet", 0.4, dt.date(2027, 6, 30), 0.3),  # running
            Objective("stage", "stage", "Cooperative", dt.date(2026, 9, 30), "Basic"),  # missed
        ],
        actions=[
            Action("a1", "Visit the plant", "Jo", dt.date(2026, 8, 1)),
            Action("a2", "Send the offer", "Jo", dt.date(2026, 8, 1), "done"),
        ],
    )  # fmt: skip
    gone = Plan("A3", "Cog Co", "2026Q2", dt.date(2026, 6, 30), ["Jo"])
    plans = draft_plans(TABLE, period="2026Q3", pnl=PNL)
    plans, counts = carry_forward(plans, [old, gone], TABLE, pnl=PNL)
    assert counts == {"objectives": 2, "actions": 1, "not_key": 1}
    acme = {o.id: o for o in plans[0].objectives}
    assert acme["wallet"].carried_from == "2026Q2" and acme["wallet"].due == dt.date(2027, 6, 30)
    assert acme["wallet"].baseline == 0.3  # re-taken at the new writing
    assert acme["stage"].carried_from == "2026Q2" and acme["stage"].due == dt.date(2027, 9, 30)
    assert "missed by 2026-09-30" in acme["stage"].note
    assert acme["revenue"].carried_from is None  # met: the drafted objective stands
    carried = [a for a in plans[0].actions if a.carried_from]
    assert [(a.what, a.owner) for a in carried] == [("Visit the plant", "Jo")]
    assert "Jo" in plans[0].team


CONTACTS = pd.DataFrame(
    {
        "account_id": ["A1", "A1", "A1", "A1", "A2", "A2", "A9"],
        "person": ["p1", "p2", "p3", "p4", "q1", "q2", "r1"],
        "counterpart": ["Ops Ann", "Ops Ann", "Kam Kim", None, "Fin Fay", "Eng Eve", None],
        "counterpart_function": [
            "operations", "operations", "sales", None, "finance", "engineering", None,
        ],
    }
)  # fmt: skip


def test_the_team_is_our_people_on_the_account_the_key_account_manager_first():
    from kamlab.plans.draft import account_teams

    teams = account_teams(CONTACTS)
    # the seller leads though a colleague holds more contacts; no seller: the top holder
    # (a tie: by name); no one of ours holds a contact at A9: not in the result
    assert teams.to_dict() == {"A1": ["Kam Kim", "Ops Ann"], "A2": ["Eng Eve", "Fin Fay"]}


def test_drafted_plans_take_the_team_and_the_kam_owns_the_actions():
    from kamlab.plans.draft import PLACEHOLDER_OWNER, account_teams

    teams = account_teams(CONTACTS)
    plans = {p.account_id: p for p in draft_plans(TABLE, period="2026Q3", teams=teams.loc[["A1"]])}
    assert plans["A1"].team == ["Kam Kim", "Ops Ann"]
    assert plans["A1"].actions and {a.owner for a in plans["A1"].actions} == {"Kam Kim"}
    assert plans["A2"].team == [PLACEHOLDER_OWNER]  # no contacts given for it
    assert {a.owner for a in plans["A2"].actions} == {PLACEHOLDER_OWNER}
