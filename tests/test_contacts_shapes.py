"""Contact-map shapes and flags on hand-built accounts (kamlab.portfolio.contacts)."""

import pandas as pd
import pytest

from kamlab.portfolio.contacts import (
    contact_indicators,
    contact_summary,
    shape_fits_stage,
)
from kamlab.portfolio.stages import assess_stages

AS_OF = "2026-09-30"


def contacts(rows) -> pd.DataFrame:
    """rows: (account, person, function, counterpart, role, stance, seniority, last)."""
    frame = pd.DataFrame(
        rows,
        columns=[
            "account_id",
            "person",
            "function",
            "counterpart",
            "role",
            "stance",
            "seniority",
            "last_contact",
        ],
    )
    frame["counterpart_function"] = frame["counterpart"].str.lower()
    frame["last_contact"] = pd.to_datetime(frame["last_contact"])
    return frame


def fresh(account, person, function, ours, role=None, stance="neutral"):
    return (account, person, function, ours, role, stance, "manager", "2026-09-01")


BOW_TIE = [
    fresh("B", "b1", "purchasing", "Kim", "decision maker"),
    fresh("B", "b2", "quality", "Kim"),
]
SINGLE = [fresh("S", "s1", "purchasing", "Kim", "decision maker")]
ONE_LINK = [fresh("L", "l1", "purchasing", "Kim"), fresh("L", "l2", "quality", None)]
DEVELOPING = [
    fresh("V", "v1", "purchasing", "Kim"),
    fresh("V", "v2", "quality", "Kim"),
    fresh("V", "v3", "engineering", "Kim"),
    fresh("V", "v4", "finance", "Quinn"),
    fresh("V", "v5", "logistics", "Eve"),
]
DIAMOND = [
    fresh("D", "d1", "purchasing", "Kim", "decision maker"),
    fresh("D", "d2", "purchasing", "Kim"),
    fresh("D", "d3", "quality", "Quinn"),
    fresh("D", "d4", "engineering", "Eve", "executive sponsor"),
    fresh("D", "d5", "finance", "Fay"),
]


@pytest.fixture
def summary():
    rows = BOW_TIE + SINGLE + ONE_LINK + DEVELOPING + DIAMOND
    accounts = pd.DataFrame({"account_id": list("BSLVDP"), "account_name": list("bslvdp")})
    return contact_summary(contacts(rows), accounts=accounts, as_of=AS_OF)


@pytest.mark.parametrize(
    ("account", "shape"),
    [
        ("B", "bow tie"),  # one seller holds both contacts
        ("S", "bow tie"),  # one contact
        ("L", "bow tie"),  # two contacts, one held
        ("V", "developing"),  # three of ours, but Kim holds 3 of 5 links
        ("D", "diamond"),  # four of ours, four functions, Kim holds 2 of 5
        ("P", "no contacts"),  # in the accounts table only
    ],
)
def test_shapes_follow_the_documented_rules(summary, account, shape):
    assert summary.loc[account, "shape"] == shape


def test_single_threaded_means_one_contact_or_one_link(summary):
    assert sorted(summary.index[summary["single_threaded"]]) == ["L", "S"]


def test_counts_on_both_sides(summary):
    d = summary.loc["D"]
    assert (d["contacts"], d["customer_functions"], d["our_people"], d["links"]) == (5, 4, 4, 5)
    assert d["top_holder"] == "Kim" and d["top_share"] == pytest.approx(0.4)
    assert summary.loc["L", "links"] == 1 and summary.loc["P", "contacts"] == 0
    assert summary.loc["B", "account_name"] == "b"


def test_missing_sponsor_and_decision_maker_are_flagged_only_where_there_are_contacts(summary):
    assert not summary.loc["D", "missing_executive_sponsor"]
    assert summary.loc["B", "missing_executive_sponsor"]
    assert (
        summary.loc["V", "missing_decision_maker"]
        and not summary.loc["B", "missing_decision_maker"]
    )
    assert not summary.loc["P", "missing_executive_sponsor"]


def test_stale_contacts_and_critics_are_counted_and_named():
    rows = [
        ("A", "Old", "purchasing", "Kim", None, "critic", "senior", "2026-06-01"),  # 121 days
        ("A", "Never", "quality", "Kim", None, "blocker", None, None),
        ("A", "Recent", "quality", "Kim", None, "champion", "staff", "2026-07-03"),  # 89 days
    ]
    row = contact_summary(contacts(rows), as_of=AS_OF).loc["A"]
    assert row["stale"] == 2 and row["stale_names"] == "Old, Never"
    assert row["critics"] == 2
    assert row["critic_names"] == "Old (critic, senior), Never (blocker)"


def test_shapes_fit_the_stages_of_woodburn_and_mcdonald():
    shape = pd.Series(["bow tie", "bow tie", "developing", "diamond", "diamond", "developing"])
    stage = pd.Series(["Exploratory", "Basic", "Cooperative", "Integrated", "Basic", None])
    assert shape_fits_stage(shape, stage).tolist() == [True, True, True, True, False, pd.NA]


@pytest.mark.filterwarnings("ignore:assess_stages. no column")
def test_contact_indicators_feed_the_stage_assessment():
    frame = contacts(DIAMOND + SINGLE)
    indicators = contact_indicators(frame, pd.Index(["D", "S", "P"]))
    assert indicators.to_dict("index") == {
        "D": {"contacts": 5, "functions_involved": 4, "executive_sponsor": True},
        "S": {"contacts": 1, "functions_involved": 1, "executive_sponsor": False},
        "P": {"contacts": 0, "functions_involved": 0, "executive_sponsor": False},
    }
    accounts = pd.DataFrame(
        {
            "account_id": ["D", "S"],
            "contacts": [1, 9],
            "functions_involved": [1, 6],
            "executive_sponsor": [False, True],
        }
    )
    by_table = assess_stages(accounts)
    by_contacts = assess_stages(accounts, contacts=frame)
    assert by_table.loc["D", "stage"] < by_contacts.loc["D", "stage"]
    assert by_table.loc["S", "stage"] > by_contacts.loc["S", "stage"]
    assert by_contacts.loc["D", "stage_reason"].startswith("5 contacts, 4 functions")
