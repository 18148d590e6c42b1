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


def _movement(before_as_of):
    from kamlab.portfolio.movement import portfolio_movement

    before = pd.DataFrame(
        {"box": ["Strategic", "Star"], "tier": ["key", "maintain"]},
        index=pd.Index(["a", "b"], name="account_id"),
    )
    if before_as_of is not None:
        before.attrs["accounts_as_of"] = before_as_of
    after = before.assign(box=["Strategic", "Status"])
    return portfolio_movement(before, after)


def test_movement_from_a_previous_period_scored_with_todays_file_says_its_moves_are_data_only():
    from kamlab.presentation.portfolio import describe_movement

    text = describe_movement(_movement("today's"))
    assert text.startswith("1 of 2 accounts in both periods changed box;")
    assert text.endswith(
        "The previous period is scored with today's accounts file (no previous accounts file "
        "given): its stages and judgement scores are today's, so these moves come from the "
        "data alone."
    )
    for as_of in ("snapshot", None):
        assert "today's" not in describe_movement(_movement(as_of))


def test_the_hours_plan_in_one_sentence_gives_hours_accounts_gain_net_gain_and_the_optimum():
    import numpy as np

    from kamlab.portfolio.allocate import allocate_hours
    from kamlab.presentation.executive import plan_sentence

    ids = pd.Index(["A1", "A2", "A3"], name="account_id")
    stake = pd.Series([20_000.0, 5_000.0, 0.0], index=ids)
    current = pd.Series([10.0, 30.0, 20.0], index=ids)
    plan = allocate_hours(stake, 60.0, current_hours=current, hour_cost=65.0)
    text = plan_sentence(plan)
    assert text.startswith("Hours: the plan gives 60 account-manager hours to 2 of 3 accounts")
    assert f"GBP {plan.totals['optimal_gain']:,.0f} of profit" in text
    assert "than today's allocation" in text
    assert f"after the hours' cost, GBP {plan.totals['net_gain']:,.0f}" in text
    assert f"up to {plan.totals['optimal_budget_hours']:,.0f} hours" in text
    assert np.isfinite(plan.totals["optimal_budget_hours"])


def test_when_no_hour_pays_for_itself_the_sentence_says_so():
    """A budget given where no hour earns its cost (Online Retail's small accounts): "pays
    for itself up to 0 hours" read as a plan. It says plainly that no hour pays at the rate,
    and that the budgeted hours would lose money."""
    from kamlab.portfolio.allocate import allocate_hours
    from kamlab.presentation.executive import plan_sentence

    ids = pd.Index(["A1", "A2"], name="account_id")
    plan = allocate_hours(pd.Series([50.0, 20.0], index=ids), 40.0, hour_cost=65.0)
    assert plan.totals["optimal_budget_hours"] == 0
    text = plan_sentence(plan)
    assert "up to 0 hours" not in text
    assert "No hour pays for itself at GBP 65 an hour" in text
    assert "the 40 hours would lose GBP" in text


def test_movement_counts_have_thousands_separators():
    """Online Retail: '822 of 3530 accounts in both periods changed box'."""
    from kamlab.portfolio.movement import portfolio_movement
    from kamlab.presentation.portfolio import describe_movement

    ids = pd.Index([f"a{i}" for i in range(1200)], name="account_id")
    before = pd.DataFrame({"box": "Star", "tier": "maintain"}, index=ids)
    after = before.assign(box=["Strategic"] * 1100 + ["Star"] * 100)
    text = describe_movement(portfolio_movement(before, after))
    assert text.startswith("1,100 of 1,200 accounts in both periods changed box;")
