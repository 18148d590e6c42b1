"""Reading a contacts file (kamlab.io.read_contacts): every row accepted or quarantined
with a reason, vocabularies read case-insensitively, unknown accounts reported."""

import pandas as pd
import pytest

from kamlab.errors import MissingColumnError
from kamlab.io import read_contacts

HEADER = "account_id,person,role,function,seniority,stance,counterpart,last_contact\n"


def read(tmp_path, body: str, **kw):
    path = tmp_path / "contacts.csv"
    path.write_text(HEADER + body)
    return read_contacts(path, as_of="2026-09-30", **kw)


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        (",Ann Lee,user,ops,staff,neutral,Tom,2026-09-01", "missing_account_id"),
        ("A1, ,user,ops,staff,neutral,Tom,2026-09-01", "missing_person"),
        ("A1,Ann Lee,boss,ops,staff,neutral,Tom,2026-09-01", "unknown_role"),
        ("A1,Ann Lee,user,ops,staff,+3,Tom,2026-09-01", "unknown_stance"),
        ("A1,Ann Lee,user,ops,intern,neutral,Tom,2026-09-01", "unknown_seniority"),
        ("A1,Ann Lee,user,ops,staff,neutral,Tom,2026-13-01", "bad_date"),
        ("A1,Ann Lee,user,ops,staff,neutral,Tom,2026-10-01", "future_date"),
    ],
)
def test_a_bad_row_is_quarantined_with_its_reason(tmp_path, row, reason):
    contacts = read(tmp_path, "A1,Bob Ray,user,ops,staff,neutral,Tom,2026-09-01\n" + row + "\n")
    assert contacts.counts() == {
        "read": 2,
        "accepted": 1,
        "quarantined": 1,
        "by_reason": {reason: 1},
    }
    assert contacts.quarantine.loc[0, "row"] == 2
    assert list(contacts.data["person"]) == ["Bob Ray"]


def test_the_same_person_twice_in_an_account_keeps_the_first_row(tmp_path):
    contacts = read(
        tmp_path,
        "A1,Ann Lee,user,,,,Tom,\nA1,ann  LEE,influencer,,,,Sue,\nA2,Ann Lee,user,,,,Tom,\n",
    )
    assert contacts.counts()["by_reason"] == {"duplicate_person": 1}
    assert list(contacts.data["account_id"]) == ["A1", "A2"]
    assert contacts.data.loc[0, "counterpart"] == "Tom"


def test_vocabularies_are_read_case_insensitively_with_synonyms_and_scores(tmp_path):
    contacts = read(
        tmp_path,
        "A1,Ann,Decision-Maker,Procurement,Director,+2,Tom,2026-09-01\n"
        "A1,Bob,SPONSOR,Board,C-level,-1,Sue,\n"
        "A1,Cy,end_user,R&D,Analyst,Blocker,,\n",
    )
    data = contacts.data
    assert list(data["role"]) == ["decision maker", "executive sponsor", "user"]
    assert list(data["function"]) == ["purchasing", "executive", "engineering"]
    assert list(data["seniority"]) == ["senior", "executive", "staff"]
    assert list(data["stance"]) == ["champion", "critic", "blocker"]
    assert list(data["stance_score"]) == [2, -1, -2]
    assert data["last_contact"].isna().tolist() == [False, True, True]  # empty: never
    assert pd.isna(data.loc[2, "counterpart"])  # nobody of ours holds Cy


def test_accounts_missing_from_the_accounts_file_are_kept_and_named(tmp_path):
    accounts = pd.DataFrame({"account_id": ["A1"]})
    contacts = read(tmp_path, "A1,Ann,,,,,,\nA9,Bob,,,,,,\n", accounts=accounts)
    assert contacts.accepted_count() == 2
    assert any("A9" in note and "not in the accounts file" in note for note in contacts.notes)


def test_a_file_without_a_person_column_is_refused_naming_it(tmp_path):
    path = tmp_path / "c.csv"
    path.write_text("account_id,role\nA1,user\n")
    with pytest.raises(MissingColumnError, match="person"):
        read_contacts(path)
