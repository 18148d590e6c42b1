"""Key account plan files: written, read back, and every mistake refused with its line."""

from __future__ import annotations

import datetime as dt

import pytest

from kamlab.errors import ConfigError
from kamlab.plans import (
    Action,
    Objective,
    Plan,
    dump_plan,
    plan_file_name,
    read_plan,
    read_plans,
    write_plan,
)

PLAN = """\
account:
  id: A0001
  name: Acme Ltd
  period: 2026Q4
  written: 2026-09-30
team:
- Account manager
- Jo Smith
swot:
  strengths:
  - good service
objectives:
- id: grow
  measure: revenue
  target: 120000
  due: 2027-09-30
  baseline: 100000
- id: closer
  measure: stage
  target: Interdependent
  due: 2027-09-30
  baseline: Cooperative
actions:
- id: a1
  what: Meet the buyer
  owner: Jo Smith
  due: 2026-12-31
  status: open
  objective: grow
"""


def write(tmp_path, text: str, name: str = "A0001.yaml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_hand_written_plan_reads_into_its_parts(tmp_path):
    plan = read_plan(write(tmp_path, PLAN), known_accounts=["A0001"])
    assert (plan.account_id, plan.period, plan.written) == ("A0001", "2026Q4", dt.date(2026, 9, 30))
    assert plan.team == ["Account manager", "Jo Smith"]
    assert [(o.id, o.measure, o.target) for o in plan.objectives] == [
        ("grow", "revenue", 120000.0),
        ("closer", "stage", "Interdependent"),
    ]
    assert plan.actions[0].owner == "Jo Smith" and plan.actions[0].objective == "grow"
    assert plan.swot["strengths"] == ["good service"] and plan.swot["threats"] == []


def test_a_written_plan_reads_back_the_same(tmp_path):
    plan = Plan(
        account_id="ACME/UK 1",
        account_name="Acme UK",
        period="2026Q4",
        written=dt.date(2026, 9, 30),
        team=["Account manager"],
        position={"revenue": 1234.5, "stage": "Basic"},
        swot={"strengths": ["(data) makes money"]},
        objectives=[
            Objective("revenue", "revenue", 1500.0, dt.date(2027, 9, 30), 1234.5, "up"),
            Objective("stage", "stage", "Cooperative", dt.date(2027, 9, 30), "Basic"),
        ],
        strategies=["deepen"],
        actions=[Action("a1", "Call", "Account manager", dt.date(2026, 12, 31), "open", "stage")],
        forecast=[{"period": "2026Q4", "revenue": 400.0, "contribution": 50.0}],
    )
    path = write_plan(plan, tmp_path)
    assert path.name == plan_file_name("ACME/UK 1") == "ACME_UK_1.yaml"
    text = path.read_text()
    assert text.startswith("# Key account plan for Acme UK") and "&id" not in text
    back = read_plan(path)
    assert back.objectives == plan.objectives and back.actions == plan.actions
    assert back.forecast == plan.forecast and back.position == plan.position
    assert dump_plan(back) == text


def line_of(text: str, needle: str) -> int:
    return next(k for k, line in enumerate(text.splitlines(), 1) if needle in line)


MISTAKES = [
    # (replace, with, expected message part, the line holding this text)
    (
        "measure: revenue",
        "measure: revnue",
        "objective 'grow' has unknown measure 'revnue'; "
        "measures: revenue, contribution, gross_margin",
        "measure: revnue",
    ),
    (
        "due: 2027-09-30\n  baseline: 100000",
        "due: soon\n  baseline: 100000",
        "objective 'grow' due 'soon' is not a date; write it as YYYY-MM-DD",
        "due: soon",
    ),
    (
        "owner: Jo Smith",
        "owner: Jo Smit",
        "action 'a1' has owner 'Jo Smit', who is not in team",
        "owner: Jo Smit",
    ),
    (
        "status: open",
        "status: started",
        "action 'a1' has unknown status 'started'; statuses: open, done, dropped",
        "status: started",
    ),
    ("id: closer", "id: grow", "objective id 'grow' is given twice", "measure: stage"),
    (
        "objective: grow",
        "objective: shrink",
        "action 'a1' is for objective 'shrink', which is not among the objectives",
        "objective: shrink",
    ),
    (
        "target: 120000",
        "target: lots",
        "objective 'grow' target must be a number, got 'lots'",
        "target: lots",
    ),
    (
        "target: Interdependent",
        "target: 4",
        "objective 'closer' (stage) has target 4, not a stage; stages: Exploratory",
        "target: 4",
    ),
    ("period: 2026Q4", "period: next", "period 'next': expected a quarter", "period: next"),
    ("id: A0001", "id: A9999", "account 'A9999' is not in the data", "id: A9999"),
    ("- Jo Smith\n", "", "action 'a1' has owner 'Jo Smith', who is not in team", "owner: Jo Smith"),
    ("swot:", "swat:", "unknown section 'swat'", "swat:"),
]


@pytest.mark.parametrize(("old", "new", "message", "where"), MISTAKES)
def test_every_mistake_is_one_line_naming_the_file_and_line(tmp_path, old, new, message, where):
    text = PLAN.replace(old, new, 1)
    if old == "id: closer":  # the second objective now repeats the first's id
        where = "id: grow"
        line = [k for k, s in enumerate(text.splitlines(), 1) if where in s][1]
    else:
        line = line_of(text, where)
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        read_plan(path, known_accounts=["A0001"])
    assert str(caught.value).startswith(f"{path}, line {line}: ")
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)


def test_a_yaml_file_that_is_not_a_plan_is_refused_with_the_fix(tmp_path):
    write(tmp_path, PLAN)
    write(tmp_path, "columns:\n  a: b\n", "mapping.yaml")
    with pytest.raises(ConfigError, match=r"mapping.yaml, line 1: not a key account plan .*move"):
        read_plans(tmp_path)


def test_broken_yaml_is_refused_by_the_safe_reader_with_its_line(tmp_path):
    path = write(tmp_path, PLAN.replace("due: 2026-12-31", "due: 2026-02-30"))
    with pytest.raises(ConfigError, match=rf"{path}, line {line_of(PLAN, 'due: 2026-12-31')}: "):
        read_plan(path)


def test_two_plans_for_one_account_are_refused(tmp_path):
    write(tmp_path, PLAN)
    write(tmp_path, PLAN, "copy.yaml")
    with pytest.raises(ConfigError, match="a second plan for account 'A0001'"):
        read_plans(tmp_path)
