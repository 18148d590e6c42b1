"""Teaching notebook 8, "Writing a key account plan and reading a contact map".

A key account plan runs from analysis to objectives, strategies, actions and a forecast
(McDonald & Woodburn 2007; primer section 11), and is read against what happened each
period. A contact map shows who of ours knows whom at the customer: one seller to one
buyer (the bow tie) or function to function (the diamond), the shapes of the
relationship stages (Woodburn & McDonald 2011; primer sections 4 and 12).

The student's plans are the ones :func:`kamlab.plans.draft_plans` writes for their key
accounts from the 12 months to the end of 2026Q2 (plans for 2026Q3), read against the
portfolio at the end of 2026Q3 (:func:`kamlab.plans.plan_scorecard`); the contact maps
are their sample's contacts (:func:`kamlab.portfolio.contacts.contact_summary`). This
module picks the accounts of the worked examples and the exercises, holds the aims,
the scenario and the guides the notebook shows, and builds the workbook.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd

from kamlab.plans import (
    MEASURES,
    Plan,
    draft_plans,
    dump_plan,
    objective_status,
    plan_scorecard,
)
from kamlab.portfolio import buyer_scorecard
from kamlab.portfolio.contacts import SHAPE_STAGES, contact_summary
from kamlab.presentation.format import day, money, percent
from kamlab.teaching.checks import Exercise, Mistake, Rule, RuleExercise, Workbook
from kamlab.teaching.data import SAMPLE_END, StudentPortfolio, student_key_portfolio
from kamlab.value import customer_pnl
from kamlab.vocabulary import STAGES

__all__ = [
    "AIMS",
    "AS_OF",
    "NOTEBOOK",
    "PLAN_STEPS",
    "SHAPE_GUIDE",
    "STAGE_GROUPS",
    "Aim",
    "exercise_accounts",
    "aim_text",
    "key_contacts",
    "objective_aim",
    "objectives_table",
    "plan_text",
    "position_table",
    "plan_for",
    "scenario",
    "scenario_table",
    "scorecard_view",
    "student_plans",
    "student_scorecard",
    "workbook",
]

NOTEBOOK = "08_key_account_plans_and_contact_maps.ipynb"
TITLE = "Writing a key account plan and reading a contact map"
PLAN_PERIOD = "2026Q2"
"""The plans are drafted from the 12 months to this quarter's end, for the next quarter."""
PLAN_UNTIL = "2026-06-30"
AS_OF = SAMPLE_END
"""The day the plans are read against (the end of 2026Q3) and the contact maps' date."""
SHOWN_SHAPES = ("bow tie", "developing", "diamond")
"""The shapes exercise 3 asks about ("no contacts" needs no reading)."""

PLAN_STEPS = pd.DataFrame(
    {
        "step": ["analysis", "objectives", "strategies", "actions", "forecast"],
        "sections of the plan file": [
            "position, external_analysis, internal_analysis, swot",
            "objectives",
            "strategies",
            "actions",
            "forecast",
        ],
        "what it says": [
            "where the account stands (from the data), the customer's business and what "
            "drives it, our position in the account, a SWOT seen from the customer's side",
            "what we will reach: a measure, a target and a due date for each",
            "how we will reach the objectives (the portfolio box's strategy to start from)",
            "who does what by when: an owner from the team, a due date, a status",
            "revenue and contribution quarter by quarter on the way to the targets",
        ],
    }
).set_index("step")
"""The steps of a McDonald & Woodburn plan and where they live in kamlab's plan file."""

SHAPE_GUIDE = pd.DataFrame(
    {
        "what the map looks like": [
            "one person of ours holds every contact (or there is one contact, or one link)",
            "several contacts; one of ours still holds more than half, or fewer than three "
            "of our people or three customer functions",
            "three or more of our people, three or more customer functions, no one of ours "
            "holding more than half of the links",
        ],
        "stages it fits": [", ".join(SHAPE_STAGES[s]) for s in SHOWN_SHAPES],
        "the risk": [
            "fragile: if either person leaves, the relationship goes with them",
            "growing, but still hangs on one person of ours",
            "robust: function talks to function; harder to build, harder to lose",
        ],
    },
    index=pd.Index(SHOWN_SHAPES, name="shape"),
)
"""The three shapes a contact map can take (kamlab.portfolio.contacts' rules)."""

STAGE_GROUPS: dict[str, str] = {s: " or ".join(SHAPE_STAGES[s]) for s in SHOWN_SHAPES}
"""Shape -> the stages it fits, as exercise 6's options write them."""


@dataclass(frozen=True)
class Aim:
    """A vague aim for an account (``text``, with ``{name}``), the measure that makes it
    measurable, and what it is about (for the hint)."""

    measure: str
    text: str
    about: str


AIMS: tuple[Aim, ...] = (
    Aim("revenue", "Sell more to {name}.", "how much the customer buys from us"),
    Aim(
        "contribution",
        "Make more money on {name}, after the cost of serving it.",
        "the profit left once the account's cost to serve is paid",
    ),
    Aim(
        "share_of_wallet",
        "Win more of what {name} spends in our category.",
        "our part of the customer's spending in the category",
    ),
    Aim(
        "stage",
        "Work more closely with {name}: more of our people with more of theirs.",
        "how close and broad the relationship is",
    ),
)
"""The aims of exercise 1, one per measure it can be turned into."""

_SHAPE_HINTS = {
    "bow tie": (
        "A bow tie runs through one person of ours: one customer contact, one link, or one "
        "of ours holding every link. Count our people on the map (the squares on the left)."
    ),
    "developing": (
        "Developing means several contacts, but one of ours still holds more than half the "
        "links, or fewer than three of our people or three customer functions. Count our "
        "people, their functions, and the links the busiest of ours holds."
    ),
    "diamond": (
        "A diamond needs at least three of our people, at least three customer functions, "
        "and no one of ours holding more than half of the links. Check all three on the map."
    ),
}
_STATUS_HINTS = {
    "met": "Met means the actual has reached the target. Has it?",
    "on track": (
        "On track means not met yet, not due yet, and progress (actual - baseline) / "
        "(target - baseline) at least the share of the time gone (period end - written) / "
        "(due - written). Work out both shares and compare them."
    ),
    "behind": (
        "Behind means not met yet, not due yet, and progress (actual - baseline) / "
        "(target - baseline) below the share of the time gone (period end - written) / "
        "(due - written). Work out both shares and compare them."
    ),
    "missed": (
        "Missed means the due date has passed (on or before the period's end) and the "
        "target was not reached. Is the objective due yet?"
    ),
}
_GROUP_HINTS = {
    "bow tie": (
        "Exploratory and Basic are the stages of the bow tie: one seller, one buyer. Is "
        "this account's map a bow tie? Find its shape first (contact_summary's shape "
        "column), then read the shape guide."
    ),
    "developing": (
        "Cooperative is the stage of a developing map: several contacts, one of ours still "
        "holding most. Is this account's map developing? Find its shape first, then read "
        "the shape guide."
    ),
    "diamond": (
        "Interdependent and Integrated are the stages of the diamond: function to function. "
        "Is this account's map a diamond? Find its shape first, then read the shape guide."
    ),
}


# --------------------------------------------------------------------------- the data


@lru_cache(maxsize=8)
def _plans(seed: int) -> tuple[Plan, ...]:
    from kamlab.teaching.data import student_portfolio

    data = student_portfolio(seed)
    table = student_key_portfolio(seed, PLAN_UNTIL).table_
    key = table[table["tier"].astype("object") == "key"].sort_values("key_rank").index
    pnl = customer_pnl(data.transactions, data.accounts, until=PLAN_UNTIL, window="12M")
    buyer = buyer_scorecard(data.accounts, accounts_subset=key)
    plans = {p.account_id: p for p in draft_plans(table, period=PLAN_PERIOD, pnl=pnl, buyer=buyer)}
    return tuple(plans[a] for a in key)


def student_plans(data: StudentPortfolio) -> list[Plan]:
    """The plans :func:`kamlab.plans.draft_plans` writes for the student's key accounts at
    the end of 2026Q2 (for 2026Q3), in key rank order. Cached; treat them as read-only."""
    return list(_plans(data.seed))


def plan_for(data: StudentPortfolio, account: str) -> Plan:
    """The student's plan for ``account``."""
    return next(p for p in _plans(data.seed) if p.account_id == account)


def student_scorecard(data: StudentPortfolio) -> pd.DataFrame:
    """The student's plans read against the portfolio at the end of 2026Q3:
    :func:`kamlab.plans.plan_scorecard`, one row per objective."""
    table = student_key_portfolio(data.seed).table_
    return plan_scorecard(_plans(data.seed), table, end=SAMPLE_END, pnl=data.pnl)


def key_contacts(data: StudentPortfolio) -> pd.DataFrame:
    """:func:`~kamlab.portfolio.contacts.contact_summary` of the student's key accounts
    (at the end of 2026Q3, key rank order), contacts reached within 90 days of it."""
    table = student_key_portfolio(data.seed).table_
    key = table[table["tier"].astype("object") == "key"].sort_values("key_rank").index
    summary = contact_summary(data.contacts, accounts=data.accounts.data, as_of=SAMPLE_END)
    return summary.loc[key]


def _all_contacts(data: StudentPortfolio) -> pd.DataFrame:
    """The summary of every account of the portfolio (buying in the 12 months)."""
    table = student_key_portfolio(data.seed).table_
    summary = contact_summary(data.contacts, accounts=data.accounts.data, as_of=SAMPLE_END)
    return summary.loc[table.index]


# --------------------------------------------------------------------------- showing


def plan_text(plan: Plan) -> str:
    """The plan's file as ``kamlab plans init`` writes it, without its header comment
    (the how-to-edit notes at the top)."""
    lines = dump_plan(plan).splitlines()
    start = next(k for k, line in enumerate(lines) if line.startswith("account:"))
    return "\n".join(lines[start:])


def _value(measure: str, value) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    if measure == "stage":
        return str(value)
    if measure in ("share_of_wallet", "gross_margin"):
        return percent(float(value), 1)
    if measure == "retention":
        return "still buying" if float(value) >= 1 else "not buying"
    return money(float(value))


def objectives_table(plan: Plan) -> pd.DataFrame:
    """The plan's objectives as a reader sees them: measure, baseline, target, due date."""
    rows = [
        {
            "objective": o.id,
            "measure": o.measure,
            "baseline (when written)": _value(o.measure, o.baseline),
            "target": _value(o.measure, o.target),
            "due": day(o.due),
        }
        for o in plan.objectives
    ]
    return pd.DataFrame(rows).set_index("objective")


def position_table(plan: Plan) -> pd.DataFrame:
    """Where the account stood when the plan was written (the plan's ``position``): the
    baselines of exercise 1."""
    position = plan.position
    rows = {
        "revenue (12 months)": _value("revenue", position.get("revenue")),
        "contribution (12 months)": _value("contribution", position.get("contribution")),
        "share of wallet": _value("share_of_wallet", position.get("share_of_wallet"))
        or "not known",
        "relationship stage": position.get("stage") or "not known",
        "plan written": day(plan.written),
        "plan's horizon (12 months)": day(_horizon(plan)),
    }
    return pd.DataFrame({f"{plan.account_name} ({plan.account_id})": rows})


def scorecard_view(card: pd.DataFrame, account: str) -> pd.DataFrame:
    """One account's rows of :func:`kamlab.plans.plan_scorecard`, formatted: baseline,
    target, actual, due, progress against time elapsed, status."""
    rows = card[card["account_id"] == account]
    stage = rows["measure"] == "stage"
    out = pd.DataFrame(index=pd.Index(rows["objective"], name="objective"))
    for column in ("baseline", "target", "actual"):
        shown = [
            row[f"{column}_stage"] if is_stage else _value(row["measure"], row[column])
            for (_, row), is_stage in zip(rows.iterrows(), stage, strict=True)
        ]
        out[column] = shown
    out["due"] = [day(d) for d in rows["due"]]
    out["progress"] = [percent(v) for v in rows["progress"]]
    out["time elapsed"] = [percent(v) for v in rows["time_elapsed"]]
    out["status"] = rows["status"].to_numpy()
    return out


def aim_text(data: StudentPortfolio) -> str:
    """Exercise 1's aim, for the account it is set for."""
    chosen = exercise_accounts(data)
    plan = plan_for(data, chosen.objective)
    aim = objective_aim(data, chosen.objective)
    return (
        f"The team's aim for {plan.account_name} ({plan.account_id}): "
        f'"{aim.text.format(name=plan.account_name)}"'
    )


# --------------------------------------------------------------------------- choices


@dataclass(frozen=True)
class ExerciseAccounts:
    """``plan``: the worked plan (the first key account by rank at 2026Q2 that is not the
    answer of exercise 5); ``objective``: exercise 1's account; ``status``: exercise 2's;
    ``bow_tie`` and ``diamond``: the maps of the worked example (a bow tie among all the
    portfolio's accounts, None when there is none; a diamond or the best-developed key
    account); ``shape``: exercise 3's key account; ``fragile``: exercise 5's answer, the
    single-threaded or sponsorless key account with the most revenue, never shown to
    students."""

    plan: str
    objective: str
    status: str
    bow_tie: str | None
    diamond: str
    shape: str
    fragile: str


def _largest(revenue: pd.Series) -> str | None:
    """The account with the most revenue (None: no account)."""
    return None if revenue.empty else str(revenue.idxmax())


def _fragile(summary: pd.DataFrame) -> pd.Series:
    return summary["single_threaded"] | summary["missing_executive_sponsor"]


def exercise_accounts(data: StudentPortfolio) -> ExerciseAccounts:
    """The accounts of the worked examples and the exercises (from the seed)."""
    return _accounts(data.seed)


@lru_cache(maxsize=8)
def _accounts(seed: int) -> ExerciseAccounts:
    from kamlab.teaching.data import student_portfolio

    data = student_portfolio(seed)
    table = student_key_portfolio(seed).table_
    summary = key_contacts(data)
    fragile = summary.index[_fragile(summary)]
    if fragile.empty:  # pragma: no cover - about half of the key accounts have no sponsor
        raise ValueError(f"seed {seed}: every key account has a sponsor and several threads")
    answer = str(table.loc[fragile, "revenue"].idxmax())
    plans = [p.account_id for p in _plans(seed) if p.account_id != answer]
    rng = np.random.default_rng([seed, 8, 1])
    demo = plans[0]
    usable = [a for a in plans[1:] if objective_aim(data, a) is not None]
    objective = usable[int(rng.integers(len(usable)))]
    others = [a for a in plans[1:] if a != objective]
    status = others[int(rng.integers(len(others)))]

    everyone = _all_contacts(data)
    shown = everyone.drop(answer)
    bow_ties = shown.index[shown["shape"] == "bow tie"]
    bow_tie = str(table.loc[bow_ties, "revenue"].idxmax()) if len(bow_ties) else None
    keyed = summary.drop(answer)
    order = {s: k for k, s in enumerate(SHOWN_SHAPES)}
    rank = keyed["shape"].astype("object").map(order).fillna(-1)
    diamond = str(rank.idxmax())  # the first by key rank of the best-developed shape
    pool = keyed.drop([diamond, bow_tie, demo], errors="ignore")
    present = set(pool["shape"].astype("object"))
    for k in range(len(SHOWN_SHAPES)):  # the seed's shape, or the next one there is
        wanted = SHOWN_SHAPES[(seed + k) % len(SHOWN_SHAPES)]
        if wanted in present:
            break
    candidates = pool.index[pool["shape"].astype("object") == wanted]
    shape = str(candidates[int(rng.integers(len(candidates)))])
    return ExerciseAccounts(demo, objective, status, bow_tie, diamond, shape, answer)


def objective_aim(data: StudentPortfolio, account: str) -> Aim | None:
    """The aim exercise 1 gives for ``account``: the seed's aim of :data:`AIMS` (revenue,
    contribution, share of wallet, stage in turn), or the next one whose measure the
    account's plan has an objective for that keeps every rule; None when there is none."""
    plan = plan_for(data, account)
    drafted = {o.measure: o for o in plan.objectives}
    start = data.seed % len(AIMS)
    for aim in AIMS[start:] + AIMS[:start]:
        if aim.measure in drafted and _fits(plan, drafted[aim.measure]):
            return aim
    return None


# --------------------------------------------------------------------------- exercise 1


def _horizon(plan: Plan) -> dt.date:
    """The last day of the plan's 12 months (the month end a year after it was written)."""
    return (pd.Timestamp(plan.written) + pd.offsets.MonthEnd(0) + pd.DateOffset(years=1)).date()


def _rank(measure: str, value) -> float:
    if measure == "stage":
        return float(STAGES.index(value))
    return float(value)


def _read_objective(answer) -> dict:
    """A student's objective as ``{"measure", "target", "due"}`` (ValueError: why not)."""
    example = '{"measure": "revenue", "target": 250000, "due": "2027-06-30"}'
    if not isinstance(answer, dict):
        raise ValueError(f"Write the objective as a dict with three keys, e.g. {example}.")
    given = {str(k).strip().lower(): v for k, v in answer.items()}
    missing = [k for k in ("measure", "target", "due") if k not in given]
    if missing:
        names = {"measure": "measure", "target": "target", "due": "due date"}
        raise ValueError(
            f"Your objective has no {' and no '.join(names[k] for k in missing)}. Give all "
            f"three, e.g. {example}."
        )
    measure = given["measure"]
    if not isinstance(measure, str):
        raise ValueError('The measure is a name in quotes, e.g. "revenue".')
    measure = measure.strip().lower()
    target = given["target"]
    if measure == "stage":
        names = {s.lower(): s for s in STAGES}
        if not isinstance(target, str) or target.strip().lower() not in names:
            raise ValueError(
                f"A stage objective's target is a stage name in quotes: {', '.join(STAGES)}."
            )
        target = names[target.strip().lower()]
    elif measure in MEASURES:  # an unknown measure: the first rule says so
        if isinstance(target, bool) or not isinstance(target, int | float | np.number):
            raise ValueError("The target is a number, without quotes, e.g. 250000 or 0.45.")
        target = float(target)
        if not np.isfinite(target):
            raise ValueError("The target is not a finite number.")
    try:
        due = pd.Timestamp(given["due"]).normalize()
    except (TypeError, ValueError):
        raise ValueError(
            f'The due date {given["due"]!r} is not a date; write it as "YYYY-MM-DD".'
        ) from None
    if pd.isna(due):
        raise ValueError('The due date is missing; write it as "YYYY-MM-DD".')
    return {"measure": measure, "target": target, "due": due}


def _describe_objective(answer) -> str:
    value = _read_objective(answer)
    target = value["target"]
    shown = target if isinstance(target, str) else f"{target:,.10g}"
    return f"measure {value['measure']}, target {shown}, due {day(value['due'])}"


def _objective_rules(plan: Plan, aim: Aim, baseline, reach) -> list[Rule]:
    """The rules of a measurable objective for ``aim`` in ``plan`` from ``baseline`` (in
    order: a known measure, the aim's measure, a share as a fraction, a target beyond the
    baseline and not absurdly far (one stage up; at most three times the baseline), due
    after the plan was written and within its 12 months), each with an example that
    breaks it; ``reach`` is a target that keeps them (the drafted one)."""
    written, horizon = pd.Timestamp(plan.written), pd.Timestamp(_horizon(plan))
    measure = aim.measure
    base = _rank(measure, baseline)
    good_due = str(horizon.date())
    other = "retention" if measure != "retention" else "revenue"
    stage = measure == "stage"
    share = measure in ("share_of_wallet", "gross_margin")

    def obj(target, due=good_due, m=measure):
        return {"measure": m, "target": target, "due": due}

    up_two = STAGES[int(base) + 2] if stage and base + 2 < len(STAGES) else None
    too_far = up_two if stage else (None if share or base <= 0 else float(baseline) * 4)
    beyond = (
        "a later stage than the account's stage today"
        if stage
        else "a target above the account's value today"
    )
    return [
        Rule(
            "unknown measure",
            lambda v: v["measure"] in MEASURES,
            "That is not one of kamlab's measures. Choose one of: "
            + ", ".join(MEASURES)
            + " (kamlab.plans.MEASURES says what each one counts).",
            obj(1000.0, m="sales"),
        ),
        Rule(
            "measure does not fit the aim",
            lambda v: v["measure"] == measure,
            f"This aim is about {aim.about}. Which of the measures counts that? "
            "(kamlab.plans.MEASURES says what each one counts.)",
            obj(1.0, m=other),
        ),
        Rule(
            "percent instead of fraction",
            lambda v: v["measure"] not in ("share_of_wallet", "gross_margin") or v["target"] <= 1,
            "A share is written as a fraction: 0.45 means 45%. Divide your target by 100.",
            obj(100 * float(reach)) if share else None,
        ),
        Rule(
            "target not beyond the baseline",
            lambda v: _rank(measure, v["target"]) > base + 1e-9,
            "Your target does not go beyond where the account stands today (its baseline, "
            "in the plan's position): it would be met without doing anything. Set "
            f"{beyond}.",
            obj(baseline),
        ),
        Rule(
            "unrealistic target",
            lambda v: (
                _rank(measure, v["target"]) <= base + 1
                if stage
                else share or base <= 0 or v["target"] <= 3 * base
            ),
            "Relationships move one stage at a time: aim for the next stage within a year."
            if stage
            else "Your target is more than three times today's value in one year: check the "
            "zeros, or aim for what the team can reach.",
            obj(too_far) if too_far is not None else None,
        ),
        Rule(
            "due before the plan",
            lambda v: v["due"] > written,
            f"The plan was written on {day(written)}: an objective falls due after that. "
            "Set a due date in the plan's future.",
            obj(reach, due=str(written.date())),
        ),
        Rule(
            "due beyond the plan's horizon",
            lambda v: v["due"] <= horizon,
            f"The plan looks 12 months ahead, to {day(horizon)}; an objective further out "
            "belongs in a later plan. Set a due date on or before it.",
            obj(reach, due=str((horizon + pd.DateOffset(years=1)).date())),
        ),
    ]


def _fits(plan: Plan, objective) -> bool:
    """True when the drafted ``objective`` keeps the rules of its aim (it can be the
    lecturer's answer)."""
    aim = next((a for a in AIMS if a.measure == objective.measure), None)
    if aim is None or objective.baseline is None:
        return False
    if aim.measure != "stage" and not np.isfinite(float(objective.baseline)):
        return False
    answer = {"measure": objective.measure, "target": objective.target, "due": str(objective.due)}
    rules = _objective_rules(plan, aim, objective.baseline, objective.target)
    value = _read_objective(answer)
    return all(rule.keeps(value) for rule in rules)


# --------------------------------------------------------------------------- exercise 2


def scenario(data: StudentPortfolio) -> dict:
    """Exercise 2: the revenue objective of the status account's plan, with an actual and
    a period end chosen so that its status is the seed's (met, on track, behind, missed
    in turn); ``status`` is what :func:`kamlab.plans.objective_status` says."""
    plan = plan_for(data, exercise_accounts(data).status)
    o = next(o for o in plan.objectives if o.measure == "revenue")
    wanted = ("met", "on track", "behind", "missed")[data.seed % 4]
    written, due = pd.Timestamp(plan.written), pd.Timestamp(o.due)
    rng = np.random.default_rng([data.seed, 8, 3])
    quarters = int(rng.integers(2, 4))  # 2 or 3 quarters after the plan was written
    end = due if wanted == "missed" else written + pd.offsets.QuarterEnd(quarters)
    elapsed = min(1.0, (end - written).days / (due - written).days)
    base, target = float(o.baseline), float(o.target)
    share = {
        "met": 1.04,
        "on track": min(0.95, elapsed + 0.12),
        "behind": max(0.05, elapsed - 0.3),
        "missed": 0.8,
    }[wanted]
    actual = float(np.round(base + share * (target - base), -2))
    status, _ = objective_status("revenue", base, target, actual, written, due, end)
    return {
        "account": plan.account_id,
        "account_name": plan.account_name,
        "measure": "revenue",
        "baseline": base,
        "target": target,
        "written": written.date(),
        "due": due.date(),
        "period_end": end.date(),
        "actual": actual,
        "status": status,
    }


def scenario_table(case: dict) -> pd.DataFrame:
    """The scenario of exercise 2 as the notebook shows it (without its status)."""
    rows = {
        "account": f"{case['account_name']} ({case['account']})",
        "measure": "revenue (12 months to the period's end)",
        "baseline (when the plan was written)": money(case["baseline"]),
        "target": money(case["target"]),
        "plan written": day(case["written"]),
        "objective due": day(case["due"]),
        "period end (the scorecard's date)": day(case["period_end"]),
        "actual (12 months to the period end)": money(case["actual"]),
    }
    return pd.DataFrame({"value": rows}).rename_axis("objective")


# --------------------------------------------------------------------------- the workbook


def workbook(data: StudentPortfolio, *, show_solutions: bool = False) -> Workbook:
    """The exercises of notebook 8 on this student's plans and contact maps."""
    chosen = exercise_accounts(data)
    plan = plan_for(data, chosen.objective)
    aim = objective_aim(data, chosen.objective)
    drafted = next(o for o in plan.objectives if o.measure == aim.measure)
    case = scenario(data)
    table = student_key_portfolio(data.seed).table_
    summary = key_contacts(data)
    everyone = _all_contacts(data)
    shape = str(summary.loc[chosen.shape, "shape"])
    single, sponsorless = summary["single_threaded"], summary["missing_executive_sponsor"]
    fragile = single | sponsorless
    revenue = table.loc[summary.index, "revenue"]
    weak = fragile[fragile].index
    answer_shape = str(summary.loc[chosen.fragile, "shape"])
    groups = tuple(STAGE_GROUPS.values())

    exercises = [
        RuleExercise(
            "1",
            f"Turn the team's aim for {plan.account_name} into a measurable objective: "
            "a measure, a target and a due date.",
            {"measure": aim.measure, "target": drafted.target, "due": str(drafted.due)},
            rules=_objective_rules(plan, aim, drafted.baseline, drafted.target),
            read=_read_objective,
            describe=_describe_objective,
            explanation="A measure, a target beyond today's value and a date inside the "
            "plan's year: next period the scorecard can say whether it was met.",
        ),
        Exercise(
            "2",
            "Which status does the scorecard give this objective?",
            case["status"],
            kind="choice",
            options=("met", "on track", "behind", "missed"),
            mistakes=[
                Mistake(f"chose {s}", s, _STATUS_HINTS[s])
                for s in ("met", "on track", "behind", "missed")
                if s != case["status"]
            ],
            explanation="kamlab.plans.objective_status applies the same rule to every "
            "objective of every plan, each period: the plan is read against the numbers.",
        ),
        Exercise(
            "3",
            f"What is the shape of key account {chosen.shape}'s contact map?",
            shape,
            kind="choice",
            options=SHOWN_SHAPES,
            mistakes=[
                Mistake(f"chose {s}", s, _SHAPE_HINTS[s]) for s in SHOWN_SHAPES if s != shape
            ],
            explanation="The shape tells the stage the relationship can be at, and how much "
            "of it would leave with one person.",
        ),
        Exercise(
            "4",
            "How many of your key accounts are single-threaded or have no executive sponsor?",
            int(fragile.sum()),
            kind="count",
            mistakes=[
                Mistake(
                    "single-threaded only",
                    int(single.sum()),
                    "You counted the single-threaded key accounts only. Add those with no "
                    "executive sponsor (an account that is both counts once).",
                ),
                Mistake(
                    "no sponsor only",
                    int(sponsorless.sum()),
                    "You counted the key accounts with no executive sponsor only. Add the "
                    "single-threaded ones (an account that is both counts once).",
                ),
                Mistake(
                    "both",
                    int((single & sponsorless).sum()),
                    "You counted the accounts that are both single-threaded and without a "
                    "sponsor. The question asks for either one: use | (or), not & (and).",
                ),
                Mistake(
                    "added the two counts",
                    int(single.sum() + sponsorless.sum()),
                    "You added the two counts, so an account that is both counts twice. "
                    "Count the accounts where either is True (single | sponsorless).",
                ),
                Mistake(
                    "every account",
                    int(_fragile(everyone).sum()),
                    "You counted every account of the portfolio. Count the key accounts only.",
                ),
                Mistake(
                    "the sound ones",
                    int((~fragile).sum()),
                    "You counted the key accounts with several threads and a sponsor. Count "
                    "the others.",
                ),
            ],
            hint="Take the key accounts' contact summary; an account counts when its "
            "single_threaded or its missing_executive_sponsor is True.",
            explanation="Each of these relationships could be lost with one person, or has "
            "nobody senior on the customer's side who backs it.",
        ),
        Exercise(
            "5",
            "Of those key accounts, which brings the most revenue (the first to work on)?",
            chosen.fragile,
            kind="id",
            mistakes=[
                m
                for m in [
                    Mistake(
                        "largest key account",
                        str(revenue.idxmax()),
                        "That is your largest key account, but its map has several threads and a "
                        "sponsor. Keep only the single-threaded or sponsorless ones first.",
                    ),
                    Mistake(
                        "smallest",
                        str(revenue[weak].idxmin()),
                        "That is the one with the least revenue. The question asks for the most.",
                    ),
                    Mistake(
                        "first by key rank",
                        str(weak[0]),
                        "That is the first of them by key rank. The question asks for the one "
                        "with the most revenue (the portfolio table's revenue).",
                    ),
                    Mistake(
                        "no sponsor only",
                        _largest(revenue[sponsorless[sponsorless].index]),
                        "You kept only the accounts with no executive sponsor. Keep the "
                        "single-threaded ones too.",
                    ),
                    Mistake(
                        "every account",
                        _largest(table.loc[everyone.index[_fragile(everyone)], "revenue"]),
                        "That account is not a key account. Keep your key accounts only.",
                    ),
                ]
                if m.value is not None
            ],
            hint="Keep the key accounts whose single_threaded or missing_executive_sponsor is "
            "True, then take the one with the largest revenue (.idxmax()).",
            explanation="The most revenue hangs on the thinnest relationship there: its plan "
            "needs a new thread or a sponsor first.",
        ),
        Exercise(
            "6",
            "Which relationship stages does the shape of that account's contact map fit?",
            STAGE_GROUPS[answer_shape],
            kind="choice",
            options=groups,
            mistakes=[
                Mistake(f"chose {STAGE_GROUPS[s]}", STAGE_GROUPS[s], _GROUP_HINTS[s])
                for s in SHOWN_SHAPES
                if s != answer_shape
            ],
            explanation="Shape and stage go together: to move the relationship a stage, "
            "the map must change shape, more of our people meeting more of theirs, with "
            "someone senior on their side backing it.",
        ),
    ]
    return Workbook(TITLE, exercises, show_solutions=show_solutions)
