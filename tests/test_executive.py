"""The executive summary's sentences."""

import pandas as pd

from kamlab.presentation.executive import declining_sentence

TABLE = pd.DataFrame(
    {
        "account_name": ["Acme", "Bolt", "Cogs"],
        "tier": pd.Categorical(["key", "maintain", "key"]),
        "declining": [True, True, False],
    },
    index=pd.Index(["a", "b", "c"], name="account_id"),
)


def test_declining_relationships_are_counted_and_key_accounts_named():
    assert declining_sentence(TABLE, previous_accounts_given=True) == (
        "2 relationships declining since the previous accounts file; key accounts among them: Acme."
    )


def test_no_key_account_declining_is_said_so():
    table = TABLE.assign(declining=[False, True, False])
    assert declining_sentence(table, previous_accounts_given=True).endswith(
        "; no key account among them."
    )


def test_without_the_previous_accounts_file_decline_cannot_be_seen():
    assert "cannot be seen" in declining_sentence(TABLE, previous_accounts_given=False)
