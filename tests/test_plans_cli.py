"""The must-show, through the command line: ``kamlab plans init`` writes one valid plan per
key account of ``kamlab portfolio``'s table; after a revenue target is edited, ``kamlab
scorecard`` reports that objective's actual equal to the account's revenue in ``kamlab
portfolio`` for the period, with a status; a new period's init carries open items forward."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from kamlab.cli import main
from kamlab.datasets import make_sample
from kamlab.plans import STATUSES, dump_plan, read_plans


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    return make_sample(300, seed=7).write(tmp_path_factory.mktemp("plans_sample"))


def inputs(sample, period: str) -> list[str]:
    return [str(sample["transactions"]), "--accounts", str(sample["accounts"]), "--period", period]


@pytest.fixture(scope="module")
def run(sample, tmp_path_factory):
    """``kamlab portfolio`` and ``kamlab plans init`` for 2026Q3, one plan's revenue target
    edited, then ``kamlab scorecard`` for 2026Q3."""
    where = tmp_path_factory.mktemp("plans_run")
    portfolio_csv, plans, card_csv = where / "portfolio.csv", where / "plans", where / "card.csv"
    assert main(["portfolio", *inputs(sample, "2026Q3"), "--out", str(portfolio_csv)]) == 0
    assert main(["plans", "init", *inputs(sample, "2026Q3"), "--out", str(plans)]) == 0
    edited = sorted(plans.glob("*.yaml"))[0]
    text = edited.read_text()
    text, n = re.subn(r"(measure: revenue\n  target: )\d+", r"\g<1>999999", text, count=1)
    assert n == 1
    edited.write_text(text)
    assert main(["scorecard", *inputs(sample, "2026Q3"), "--plans", str(plans),
                 "--out", str(card_csv)]) == 0  # fmt: skip
    return {
        "portfolio": pd.read_csv(portfolio_csv, dtype={"account_id": str}).set_index("account_id"),
        "plans": plans,
        "edited": edited.stem,
        "card": pd.read_csv(card_csv, dtype={"account_id": str}),
        "actions": where / "card_actions.csv",
        "where": where,
    }


def test_init_writes_one_valid_plan_per_key_account_of_the_portfolio_table(run):
    table = run["portfolio"]
    key = set(table.index[table["tier"] == "key"])
    plans = read_plans(run["plans"], known_accounts=table.index)
    assert key and {p.account_id for p in plans} == key
    assert {f.stem for f in run["plans"].glob("*.yaml")} == key
    first = plans[0]
    assert first.period == "2026Q4" and str(first.written) == "2026-09-30"
    assert first.position["revenue"] == pytest.approx(table.loc[first.account_id, "revenue"])
    assert {o.measure for o in first.objectives} >= {"revenue", "contribution", "retention"}
    second = plans[1]  # not the edited one: written, read and written again, the same text
    assert dump_plan(second) == (run["plans"] / f"{second.account_id}.yaml").read_text()


def test_the_edited_revenue_objective_has_the_portfolio_revenue_as_its_actual(run):
    card, table = run["card"], run["portfolio"]
    row = card[(card["account_id"] == run["edited"]) & (card["measure"] == "revenue")].iloc[0]
    assert row["target"] == 999999
    assert row["actual"] == table.loc[run["edited"], "revenue"]  # the same float, not close
    assert row["status"] in STATUSES[:4]
    revenue = card[card["measure"] == "revenue"].set_index("account_id")
    assert (revenue["actual"] == table.loc[revenue.index, "revenue"]).all()
    assert run["actions"].exists()


def test_init_keeps_existing_plans_unless_forced(sample, run, capsys):
    edited = run["plans"] / f"{run['edited']}.yaml"
    before = edited.read_text()
    assert main(["plans", "init", *inputs(sample, "2026Q3"), "--out", str(run["plans"])]) == 0
    assert "0 plans written" in capsys.readouterr().out and edited.read_text() == before


def test_a_new_periods_init_carries_open_objectives_and_actions_forward(sample, run, capsys):
    earlier, later = run["where"] / "q2", run["where"] / "q3"
    assert main(["plans", "init", *inputs(sample, "2026Q2"), "--out", str(earlier)]) == 0
    assert main(["plans", "init", *inputs(sample, "2026Q3"), "--out", str(later),
                 "--previous-plans", str(earlier)]) == 0  # fmt: skip
    assert "carried forward" in capsys.readouterr().out
    old = {p.account_id: p for p in read_plans(earlier)}
    new = read_plans(later)
    both = [p for p in new if p.account_id in old]
    assert both
    for plan in both:
        carried = [a for a in plan.actions if a.carried_from == "2026Q3"]
        # every earlier action was open and due at the new plan's writing: all carried
        assert len(carried) == len(old[plan.account_id].actions)
        assert all(a.due < plan.written or a.due == plan.written for a in carried)
    # the earlier plans' 12-month revenue objectives are not met a quarter on: carried
    assert any(
        o.carried_from == "2026Q3" and o.measure == "revenue" for p in both for o in p.objectives
    )


def test_a_bad_plan_stops_the_scorecard_with_exit_2_and_one_line(sample, run, tmp_path, capsys):
    bad = tmp_path / "plans"
    bad.mkdir()
    source = next(run["plans"].glob("*.yaml")).read_text()
    (bad / "A.yaml").write_text(source.replace("measure: revenue", "measure: revnue", 1))
    code = main(["scorecard", *inputs(sample, "2026Q3"), "--plans", str(bad),
                 "--out", str(tmp_path / "c.csv")])  # fmt: skip
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2
    assert len(err) == 1 and re.match(
        rf"kamlab scorecard: error: {re.escape(str(bad / 'A.yaml'))}, line \d+: objective "
        r"'revenue' has unknown measure 'revnue'; measures: revenue, contribution",
        err[0],
    )
    assert main(["plans", "check", str(bad)]) == 2


def test_init_with_contacts_names_the_team_and_the_plans_read_back(sample, run, tmp_path, capsys):
    from kamlab.io import read_contacts

    plans = tmp_path / "plans"
    assert main(["plans", "init", *inputs(sample, "2026Q3"), "--contacts",
                 str(sample["contacts"]), "--out", str(plans)]) == 0  # fmt: skip
    read = {p.account_id: p for p in read_plans(plans)}
    assert set(read) == {p.account_id for p in read_plans(run["plans"])}
    contacts = read_contacts(sample["contacts"]).data
    for account, plan in read.items():
        mine = contacts[contacts["account_id"] == account]
        ours = set(mine["counterpart"].dropna())
        assert set(plan.team) == ours  # every person of ours on the account, no placeholder
        kam = plan.team[0]
        assert mine.loc[mine["counterpart"] == kam, "counterpart_function"].eq("sales").all()
        assert {a.owner for a in plan.actions} == {kam}
