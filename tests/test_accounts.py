"""The accounts table: ids validated, other columns kept, numbers parsed."""

import pytest

from kamlab import MissingColumnError, read_accounts


def test_accounts_keep_every_column_and_quarantine_bad_ids(write):
    text = (
        "Customer ID,Name,Sector,strategic_alignment,notes\n"
        "A1,Alpha Ltd,Retail,7,good\n"
        "A2,Beta plc,Food,3,\n"
        ",Nameless,Food,5,\n"
        "A1,Alpha again,Retail,9,\n"
    )
    acc = read_accounts(write("acc.csv", text))
    assert acc.counts() == {
        "read": 4,
        "accepted": 2,
        "quarantined": 2,
        "by_reason": {"missing_account_id": 1, "duplicate_account_id": 1},
    }
    assert list(acc.data.index) == ["A1", "A2"]
    assert acc.data.loc["A1", "account_name"] == "Alpha Ltd"
    assert acc.data.loc["A2", "industry"] == "Food"
    assert acc.data["strategic_alignment"].tolist() == [7, 3]  # parsed as numbers
    assert "notes" in acc.data.columns


def test_accounts_need_an_id_column(write):
    with pytest.raises(MissingColumnError, match="account_id") as error:
        read_accounts(write("acc.csv", "Name,Sector\nAlpha,Retail\n"))
    # the command line has no --column for the accounts file: the hint says what to do
    assert "Name the accounts file's id column account_id" in str(error.value)
    assert "--column" not in str(error.value)
