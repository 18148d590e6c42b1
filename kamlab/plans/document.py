"""A key account plan as a YAML file people edit: its structure, writing and reading.

One file per key account, ``<account_id>.yaml`` (:func:`plan_file_name`), with the
sections of a McDonald & Woodburn plan (primer section 11): ``account`` (id, name, the
period the plan is for, the date written), ``team`` (our people; every action's owner is
one of them), ``position`` (the facts when written, pre-filled from the run),
``external_analysis`` and ``internal_analysis`` (prompts to answer), ``swot`` (seen
from the customer's side), ``objectives`` (id, measure, target, due, baseline, note),
``strategies``, ``actions`` (id, what, owner, due, status, objective) and ``forecast``.

Reading (:func:`read_plan`, :func:`read_plans`) goes through
:func:`kamlab.yamlfile.read_yaml` (size, aliases, plain YAML) and validates every field;
a mistake is a one-line :class:`~kamlab.errors.ConfigError` naming the file and line,
e.g. ``plans/A0001.yaml, line 23: objective 'grow' has unknown measure 'revnue';
measures: revenue, contribution, ...``.
"""

from __future__ import annotations

import datetime as dt
import re
import textwrap
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import NoReturn

import pandas as pd
import yaml

from kamlab.errors import ConfigError
from kamlab.periods import parse_period
from kamlab.vocabulary import STAGES
from kamlab.yamlfile import read_yaml, shown

__all__ = [
    "ACTION_STATUSES",
    "MEASURES",
    "Action",
    "Objective",
    "Plan",
    "dump_plan",
    "plan_file_name",
    "read_plan",
    "read_plans",
    "write_plan",
]

MEASURES: dict[str, str] = {
    "revenue": "net revenue in the 12 months to the period's end (the portfolio table's revenue)",
    "contribution": "profit after cost to serve in the 12 months to the period's end "
    "(the portfolio table's contribution)",
    "gross_margin": "gross margin as a share of net revenue in those 12 months "
    "(0.35 = 35%; the customer P&L's gross_margin / net_revenue)",
    "share_of_wallet": "our share of the customer's spend in the category "
    "(0.40 = 40%; the accounts file's share_of_wallet)",
    "stage": "relationship stage (Exploratory, Basic, Cooperative, Interdependent, "
    "Integrated): met when the stage reached is at least the target's",
    "retention": "1 when the account is still buying: it bought in the 12 months to the "
    "period's end and its health is not 'likely lost'; else 0 (target 1)",
}
"""Measure -> what its actual is, read from the portfolio table of the scorecard's period."""

ACTION_STATUSES: tuple[str, ...] = ("open", "done", "dropped")
"""An action's status: ``open`` counts as overdue once its due date has passed."""

SECTIONS: tuple[str, ...] = (
    "account",
    "team",
    "position",
    "external_analysis",
    "internal_analysis",
    "swot",
    "objectives",
    "strategies",
    "actions",
    "forecast",
)
"""The plan's top-level sections, in the file's order."""

SWOT_KEYS: tuple[str, ...] = ("strengths", "weaknesses", "opportunities", "threats")


@dataclass
class Objective:
    """A measurable objective: ``measure`` (:data:`MEASURES`) to reach ``target`` by ``due``
    from ``baseline`` (its value when the plan was written). ``target`` and ``baseline``
    are numbers, or stage names for ``stage``."""

    id: str
    measure: str
    target: float | str
    due: dt.date
    baseline: float | str | None = None
    note: str = ""
    carried_from: str | None = None


@dataclass
class Action:
    """A step to an objective, with an owner from the team, a due date and a status."""

    id: str
    what: str
    owner: str
    due: dt.date
    status: str = "open"
    objective: str | None = None
    carried_from: str | None = None


@dataclass
class Plan:
    """A key account plan (the sections of the module docstring); ``source`` is the file
    it was read from, when it was."""

    account_id: str
    account_name: str
    period: str
    written: dt.date
    team: list[str]
    position: dict = field(default_factory=dict)
    external_analysis: dict = field(default_factory=dict)
    internal_analysis: dict = field(default_factory=dict)
    swot: dict = field(default_factory=dict)
    objectives: list[Objective] = field(default_factory=list)
    strategies: list[str] = field(default_factory=list)
    actions: list[Action] = field(default_factory=list)
    forecast: list[dict] = field(default_factory=list)
    source: str | None = None


# --------------------------------------------------------------------------- writing

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")

_HEADER = """\
# Key account plan for {name} ({id}), for {period}; written {written}.
# Written by `kamlab plans init`; edit it in any text editor and keep it under version control.
# What to edit:
#   team:        our people on the account, the key account manager first; rename a
#                placeholder here and in the actions' owners (every owner must be in team)
#   external_analysis, internal_analysis: answer the prompts in your words
#   swot:        seen from the customer's side; the pre-filled items come from the data
#   objectives:  measure (see below), target (a number; a stage name for stage),
#                due (YYYY-MM-DD); keep the ids unique
#   strategies:  how the objectives will be reached
#   actions:     what, owner (from team), due, status (open, done or dropped), objective (an id)
#   forecast:    revenue and contribution for the next periods
# Do not edit position: it records the facts when the plan was written.
# Check the file with `kamlab plans check DIR`; `kamlab scorecard` reads it against actuals.
"""

_COMMENTS = {
    "team": "Our people on the account, the key account manager first (from the contacts "
    "file; else a placeholder to rename): add the others.",
    "position": "The facts when the plan was written, pre-filled from the run (12 months to "
    "as_of); do not edit.",
    "external_analysis": "The customer's business: answer each prompt (replace the text).",
    "internal_analysis": "Our position in the account: answer each prompt.",
    "swot": "Seen from the customer's side. Items marked (data) were pre-filled from the run.",
    "objectives": "Measures: " + ", ".join(MEASURES) + ".\n"
    "Pre-filled from the data (edit targets and dates, delete what you do not "
    "want):\n"
    "  revenue: today's 12-month revenue + 20% of the revenue headroom (potential / gross "
    "margin share), at least +5%, due in 12 months;\n"
    "  contribution: break even (0) for a loss-maker, else +5%, due in 12 months;\n"
    "  stage: one stage up, due in 12 months; share_of_wallet: +5 points, due in 12 months;\n"
    "  retention: still buying (1) at the end of the plan's period.\n"
    "Actuals are read from the portfolio table of the scorecard's period (12 months to its "
    "end).",
    "strategies": "How the objectives will be reached.",
    "actions": "status: open, done or dropped; owner: one of team; objective: an objective's "
    "id (or leave it out).",
    "forecast": "Revenue and contribution per period, pre-filled on a straight path from "
    "today's quarterly run rate to the targets; edit.",
}


class _Dumper(yaml.SafeDumper):
    """Plain YAML for people: no anchors and aliases (``&id001``) for repeated values."""

    def ignore_aliases(self, data) -> bool:
        return True


def _comment(text: str) -> str:
    """``text`` as ``#`` lines of at most 88 characters (paragraphs at its line breaks)."""
    lines = []
    for paragraph in text.split("\n"):
        indent = " " * (len(paragraph) - len(paragraph.lstrip()))
        lines += textwrap.wrap(
            paragraph, 86, initial_indent="", subsequent_indent=indent + "  "
        ) or [""]
    return "".join(f"# {line}\n" for line in lines)


def plan_file_name(account_id: str) -> str:
    """``<account_id>.yaml`` with characters other than letters, digits, ``.``, ``_`` and
    ``-`` replaced by ``_`` (``ACME/UK 1`` -> ``ACME_UK_1.yaml``)."""
    return _UNSAFE.sub("_", str(account_id)) + ".yaml"


def _plain(value):
    """``value`` as plain YAML: numbers rounded to cents, NaN as null, dates as dates."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, pd.Timestamp):
        return value.date()
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, str):
        return value
    if pd.isna(value):
        return None
    if isinstance(value, int | float) or hasattr(value, "dtype"):
        x = float(value)
        if x != x:  # NaN
            return None
        return int(x) if x.is_integer() and abs(x) >= 1 else round(x, 4 if abs(x) < 10 else 2)
    return value


def _objective_dict(o: Objective) -> dict:
    d = {"id": o.id, "measure": o.measure, "target": o.target, "due": o.due}
    d["baseline"] = o.baseline
    if o.note:
        d["note"] = o.note
    if o.carried_from:
        d["carried_from"] = o.carried_from
    return d


def _action_dict(a: Action) -> dict:
    d = {"id": a.id, "what": a.what, "owner": a.owner, "due": a.due, "status": a.status}
    if a.objective:
        d["objective"] = a.objective
    if a.carried_from:
        d["carried_from"] = a.carried_from
    return d


def dump_plan(plan: Plan) -> str:
    """The plan's YAML text: the comment header, then each section with a comment saying
    what to do with it."""
    sections = {
        "account": {
            "id": plan.account_id,
            "name": plan.account_name,
            "period": plan.period,
            "written": plan.written,
        },
        "team": plan.team,
        "position": plan.position,
        "external_analysis": plan.external_analysis,
        "internal_analysis": plan.internal_analysis,
        "swot": {k: plan.swot.get(k, []) for k in SWOT_KEYS},
        "objectives": [_objective_dict(o) for o in plan.objectives],
        "strategies": plan.strategies,
        "actions": [_action_dict(a) for a in plan.actions],
        "forecast": plan.forecast,
    }
    parts = [
        _HEADER.format(
            name=plan.account_name,
            id=plan.account_id,
            period=plan.period,
            written=plan.written,
        )
    ]
    for key, value in sections.items():
        comment = _COMMENTS.get(key)
        if comment:
            parts.append("\n" + _comment(comment))
        parts.append(
            yaml.dump(
                {key: _plain(value)},
                Dumper=_Dumper,
                sort_keys=False,
                allow_unicode=True,
                width=88,
                indent=2,
            )
        )
    return "".join(parts)


def write_plan(plan: Plan, folder: str | Path) -> Path:
    """Write ``plan`` to ``folder/<account_id>.yaml`` atomically; the path."""
    from kamlab.safe import atomic_path

    path = Path(folder) / plan_file_name(plan.account_id)
    with atomic_path(path) as tmp:
        Path(tmp).write_text(dump_plan(plan), encoding="utf-8")
    return path


# --------------------------------------------------------------------------- reading


class _Lines:
    """Line numbers of a YAML text's values by their path (``("objectives", 2, "measure")``),
    from the composed node tree's marks."""

    def __init__(self, text: str):
        self.lines: dict[tuple, int] = {}
        try:
            root = yaml.compose(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
        except yaml.YAMLError:  # read_yaml has read it already; keep going without lines
            root = None
        if root is not None:
            self._walk(root, ())

    def _walk(self, node, path: tuple) -> None:
        self.lines[path] = node.start_mark.line + 1
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                sub = (*path, key.value)
                self._walk(value, sub)
                self.lines[sub] = key.start_mark.line + 1  # the key's line
        elif isinstance(node, yaml.SequenceNode):
            for k, value in enumerate(node.value):
                self._walk(value, (*path, k))

    def __call__(self, *path) -> int | None:
        while path and path not in self.lines:
            path = path[:-1]
        return self.lines.get(path)


class _Reader:
    """Validates one plan file's mapping; every complaint names the file and line."""

    def __init__(self, where: str, text: str, data: dict, known: set[str] | None):
        self.where, self.data, self.known = where, data, known
        self.line = _Lines(text)

    def fail(self, path: tuple, message: str) -> NoReturn:
        line = self.line(*path)
        at = f"{self.where}, line {line}" if line else self.where
        raise ConfigError(f"{at}: {message}")

    def mapping(self, value, path: tuple, what: str) -> dict:
        if value is None:
            return {}
        if not isinstance(value, dict):
            self.fail(path, f"{what} must be 'key: value' lines, got {shown(value)}")
        return value

    def items(self, value, path: tuple, what: str) -> list:
        if value is None:
            return []
        if not isinstance(value, list):
            self.fail(path, f"{what} must be a list ('- ' items), got {shown(value)}")
        return value

    def text(self, value, path: tuple, what: str, *, required: bool = True) -> str:
        if value is None and not required:
            return ""
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            self.fail(path, f"{what} must be text, got {shown(value)}; quote it")
        if isinstance(value, str) and not value.strip():
            if not required:
                return ""
            self.fail(path, f"{what} is empty; write it")
        return str(value).strip()

    def date(self, value, path: tuple, what: str) -> dt.date:
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        try:
            if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
                return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
        self.fail(path, f"{what} {shown(value)} is not a date; write it as YYYY-MM-DD")

    def number(self, value, path: tuple, what: str) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float) or value != value:
            self.fail(path, f"{what} must be a number, got {shown(value)}; write e.g. 125000")
        return float(value)

    def target(self, value, path: tuple, name: str, measure: str, what: str):
        if value is None and what == "baseline":
            return None
        if measure == "stage":
            if value not in STAGES:
                self.fail(
                    path,
                    f"objective {name!r} ({measure}) has {what} {shown(value)}, not a stage; "
                    f"stages: {', '.join(STAGES)}",
                )
            return value
        return self.number(value, path, f"objective {name!r} {what}")

    def plan(self) -> Plan:
        data = self.data
        if "account" not in data:
            self.fail(
                (),
                "not a key account plan (no 'account:' section); move the file out of the "
                "plans folder, or write plans with kamlab plans init",
            )
        unknown = [k for k in data if k not in SECTIONS]
        if unknown:
            self.fail(
                (unknown[0],),
                f"unknown section {shown(unknown[0])}; sections: {', '.join(SECTIONS)}",
            )
        account = self.mapping(data["account"], ("account",), "account")
        account_id = self.text(account.get("id"), ("account", "id"), "account id")
        if self.known is not None and account_id not in self.known:
            self.fail(
                ("account", "id"),
                f"account {account_id!r} is not in the data; correct the id or remove the plan",
            )
        period = self.text(account.get("period"), ("account", "period"), "account period")
        try:
            period = parse_period(period).label
        except ConfigError as exc:
            self.fail(("account", "period"), str(exc))
        written = self.date(account.get("written"), ("account", "written"), "account written")
        team = [
            self.text(v, ("team", k), "a team member")
            for k, v in enumerate(self.items(data.get("team"), ("team",), "team"))
        ]
        if not team:
            self.fail(("team",), "team is empty; name our people on the account")
        objectives = self._objectives()
        ids = {o.id for o in objectives}
        actions = self._actions(set(team), ids)
        swot = self.mapping(data.get("swot"), ("swot",), "swot")
        for key in swot:
            if key not in SWOT_KEYS:
                self.fail(
                    ("swot", key), f"unknown swot heading {shown(key)}; {', '.join(SWOT_KEYS)}"
                )
        return Plan(
            account_id=account_id,
            account_name=self.text(account.get("name"), ("account", "name"), "name", required=False)
            or account_id,
            period=period,
            written=written,
            team=team,
            position=self.mapping(data.get("position"), ("position",), "position"),
            external_analysis=self.mapping(
                data.get("external_analysis"), ("external_analysis",), "external_analysis"
            ),
            internal_analysis=self.mapping(
                data.get("internal_analysis"), ("internal_analysis",), "internal_analysis"
            ),
            swot={
                k: [
                    self.text(v, ("swot", k, i), f"a swot {k} item")
                    for i, v in enumerate(self.items(swot.get(k), ("swot", k), f"swot {k}"))
                ]
                for k in SWOT_KEYS
            },
            objectives=objectives,
            strategies=[
                self.text(v, ("strategies", k), "a strategy")
                for k, v in enumerate(
                    self.items(data.get("strategies"), ("strategies",), "strategies")
                )
            ],
            actions=actions,
            forecast=self._forecast(),
            source=self.where,
        )

    def _objectives(self) -> list[Objective]:
        out: list[Objective] = []
        seen: set[str] = set()
        for k, item in enumerate(
            self.items(self.data.get("objectives"), ("objectives",), "objectives")
        ):
            p = ("objectives", k)
            item = self.mapping(item, p, "an objective")
            name = self.text(item.get("id"), (*p, "id"), "objective id")
            if name in seen:
                self.fail((*p, "id"), f"objective id {name!r} is given twice; make the ids unique")
            seen.add(name)
            measure = item.get("measure")
            if measure not in MEASURES:
                self.fail(
                    (*p, "measure"),
                    f"objective {name!r} has unknown measure {shown(measure)}; measures: "
                    + ", ".join(MEASURES),
                )
            out.append(
                Objective(
                    id=name,
                    measure=measure,
                    target=self.target(item.get("target"), (*p, "target"), name, measure, "target"),
                    due=self.date(item.get("due"), (*p, "due"), f"objective {name!r} due"),
                    baseline=self.target(
                        item.get("baseline"), (*p, "baseline"), name, measure, "baseline"
                    ),
                    note=self.text(item.get("note"), (*p, "note"), "note", required=False),
                    carried_from=self.text(
                        item.get("carried_from"),
                        (*p, "carried_from"),
                        "carried_from",
                        required=False,
                    )
                    or None,
                )
            )
            extra = set(item) - {
                "id",
                "measure",
                "target",
                "due",
                "baseline",
                "note",
                "carried_from",
            }
            if extra:
                key = sorted(map(str, extra))[0]
                self.fail(
                    (*p, key),
                    f"objective {name!r} has unknown field {key!r}; fields: id, measure, target, "
                    "due, baseline, note",
                )
        return out

    def _actions(self, team: set[str], objectives: set[str]) -> list[Action]:
        out: list[Action] = []
        seen: set[str] = set()
        for k, item in enumerate(self.items(self.data.get("actions"), ("actions",), "actions")):
            p = ("actions", k)
            item = self.mapping(item, p, "an action")
            name = self.text(item.get("id"), (*p, "id"), "action id")
            if name in seen:
                self.fail((*p, "id"), f"action id {name!r} is given twice; make the ids unique")
            seen.add(name)
            owner = self.text(item.get("owner"), (*p, "owner"), f"action {name!r} owner")
            if owner not in team:
                self.fail(
                    (*p, "owner"),
                    f"action {name!r} has owner {owner!r}, who is not in team; team: "
                    f"{', '.join(sorted(team))} (add them to team or correct the name)",
                )
            status = item.get("status", "open")
            if status not in ACTION_STATUSES:
                self.fail(
                    (*p, "status"),
                    f"action {name!r} has unknown status {shown(status)}; statuses: "
                    + ", ".join(ACTION_STATUSES),
                )
            objective = item.get("objective")
            if objective is not None:
                objective = self.text(objective, (*p, "objective"), "objective")
                if objective not in objectives:
                    self.fail(
                        (*p, "objective"),
                        f"action {name!r} is for objective {objective!r}, which is not among "
                        f"the objectives ({', '.join(sorted(objectives)) or 'none'}); correct it "
                        "or leave it out",
                    )
            out.append(
                Action(
                    id=name,
                    what=self.text(item.get("what"), (*p, "what"), f"action {name!r} what"),
                    owner=owner,
                    due=self.date(item.get("due"), (*p, "due"), f"action {name!r} due"),
                    status=status,
                    objective=objective,
                    carried_from=self.text(
                        item.get("carried_from"),
                        (*p, "carried_from"),
                        "carried_from",
                        required=False,
                    )
                    or None,
                )
            )
        return out

    def _forecast(self) -> list[dict]:
        out = []
        for k, item in enumerate(self.items(self.data.get("forecast"), ("forecast",), "forecast")):
            p = ("forecast", k)
            item = self.mapping(item, p, "a forecast row")
            row = {"period": self.text(item.get("period"), (*p, "period"), "forecast period")}
            for key in ("revenue", "contribution"):
                if item.get(key) is not None:
                    row[key] = self.number(item[key], (*p, key), f"forecast {key}")
            out.append(row)
        return out


def read_plan(path: str | Path, *, known_accounts: Iterable[str] | None = None) -> Plan:
    """The plan in ``path``, validated (module docstring); ``known_accounts`` (the ids in
    the data) refuses a plan for any other account."""
    where = str(path)
    data = read_yaml(
        path,
        "the key account plan",
        fix="write plans with kamlab plans init and edit them",
    )
    text = Path(path).read_text(encoding="utf-8-sig")
    known = None if known_accounts is None else {str(a) for a in known_accounts}
    return _Reader(where, text, data, known).plan()


def read_plans(folder: str | Path, *, known_accounts: Iterable[str] | None = None) -> list[Plan]:
    """Every ``*.yaml`` plan in ``folder`` (sorted by file name), each validated; two plans
    for one account are refused."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ConfigError(
            f"{folder}: no such folder of plans; write them with kamlab plans init --out {folder}"
        )
    known = None if known_accounts is None else {str(a) for a in known_accounts}
    plans, where = [], {}
    for path in sorted(folder.glob("*.yaml")):
        plan = read_plan(path, known_accounts=known)
        if plan.account_id in where:
            raise ConfigError(
                f"{path}: a second plan for account {plan.account_id!r} (the first is "
                f"{where[plan.account_id]}); keep one"
            )
        where[plan.account_id] = path
        plans.append(plan)
    return plans
