"""Teaching notebook 4, "Relationship stages and customer exits": tables and exercises.

Relationships develop through five stages, Exploratory to Integrated, and can decline
(Woodburn & McDonald 2011). A stage is assessed from indicators (contacts, functions
involved, share of wallet, information sharing, joint planning, an executive sponsor) by
:func:`kamlab.portfolio.assess_stages`; where the stage does not fit the account's box
there is a gap (:func:`kamlab.portfolio.stage_gaps`). Customers that should leave the
portfolio are exited to the tier below or completely (:mod:`kamlab.portfolio.exits`),
with the profit at stake. This module lays out the indicator scale, picks the exercise
accounts and computes the answers from the student's portfolio.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from kamlab.io import Accounts, accounts_by_id
from kamlab.portfolio import Criteria, assess_stages, stage_gaps
from kamlab.portfolio.stages import DEFAULT_WEIGHTS, stage_of
from kamlab.teaching.checks import Exercise, Mistake, Workbook
from kamlab.teaching.data import StudentPortfolio, student_key_portfolio
from kamlab.vocabulary import INDICATOR_MEANINGS as INDICATORS
from kamlab.vocabulary import INDICATOR_SCALE, STAGES

__all__ = [
    "INDICATORS",
    "INDICATOR_SCALE",
    "NOTEBOOK",
    "STAGE_GUIDE",
    "exit_rules",
    "exercise_accounts",
    "indicator_guide",
    "indicators",
    "stage_of",
    "workbook",
    "workings",
]

NOTEBOOK = "04_relationship_stages_and_exits.ipynb"
TITLE = "Relationship stages and customer exits"

STAGE_GUIDE = pd.DataFrame(
    {
        "contacts": [
            "a salesperson courts the buyer",
            'one-to-one, seller and buyer ("bow tie")',
            "several contacts; the buyer still controls them",
            'many functions and levels on both sides ("diamond")',
            "teams across both companies, acting as one",
        ],
        "share of the customer's spend": [
            "none yet",
            "transactional, a trial",
            "one of a few preferred suppliers",
            "strategic; may be the sole supplier",
            "deeply embedded; systems linked",
        ],
        "information sharing": [
            "none",
            "minimal",
            "limited",
            "extensive, trust",
            "open, sensitive",
        ],
        "joint planning": [
            "none",
            "none",
            "little",
            "joint strategic plans",
            "joint plans, shared goals",
        ],
    },
    index=pd.Index(STAGES, name="stage"),
)
"""The five relationship stages (Woodburn & McDonald 2011), as in the primer's table."""

_LEVEL_COLUMNS = {
    0: "0 Exploratory",
    0.5: "0.5",
    1: "1 Basic",
    2: "2 Cooperative",
    3: "3 Interdependent",
    4: "4 Integrated",
}


def indicator_guide() -> pd.DataFrame:
    """Which values of each indicator give which level (0 Exploratory ... 4 Integrated),
    and the indicator's weight in the stage score."""
    rows = {}
    for role, scale in INDICATOR_SCALE.items():
        row = dict.fromkeys(_LEVEL_COLUMNS.values(), "")
        for step in scale:
            row[_LEVEL_COLUMNS[step.level]] = step.values
        row["weight"] = DEFAULT_WEIGHTS[role]
        rows[role] = row
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis("indicator")


def indicators(accounts: Accounts | pd.DataFrame, account: str) -> pd.DataFrame:
    """The six indicator values of ``account`` (what a CRM system would hold), with their
    meaning."""
    values = accounts_by_id(accounts).loc[account, list(INDICATORS)].astype(object)
    sponsor = str(values["executive_sponsor"]).strip().lower()
    values["executive_sponsor"] = "yes" if sponsor in ("true", "yes", "1", "1.0") else "no"
    return pd.DataFrame({"value": values, "meaning": pd.Series(INDICATORS)}).rename_axis(
        "indicator"
    )


def workings(stages: pd.DataFrame, accounts: Accounts | pd.DataFrame, account: str) -> pd.DataFrame:
    """How ``account``'s stage score is made: each indicator's value, level and weight,
    and weight x level (``stages``: :func:`kamlab.portfolio.assess_stages` output)."""
    out = indicators(accounts, account)[["value"]]
    out["level"] = [float(stages.loc[account, f"{role}_level"]) for role in INDICATORS]
    out["weight"] = [DEFAULT_WEIGHTS[role] for role in INDICATORS]
    out["weight x level"] = out["level"] * out["weight"]
    return out


def _levels(stages: pd.DataFrame, account: str) -> pd.Series:
    return pd.Series({role: float(stages.loc[account, f"{role}_level"]) for role in INDICATORS})


def _score(levels: pd.Series, weights: dict[str, float] | None = None) -> float:
    w = pd.Series(DEFAULT_WEIGHTS if weights is None else weights)[levels.index]
    return float((levels * w).sum() / w.sum())


@dataclass(frozen=True)
class ExerciseAccounts:
    """``demo``: the worked example; ``classify``: exercise 1 (a stage score with a
    decimal part of .5 or more, so rounding matters); ``develop``: exercise 2 (Basic or
    Cooperative, no executive sponsor, no annual joint plan yet)."""

    demo: str
    classify: str
    develop: str


def exercise_accounts(
    data: StudentPortfolio, stages: pd.DataFrame | None = None
) -> ExerciseAccounts:
    """The accounts of the worked example and of exercises 1 and 2 (from the seed),
    among the accounts of the portfolio. The worked example's score differs from the
    answer to exercise 2, so that the notebook never prints it."""
    stages = assess_stages(data.accounts) if stages is None else stages
    table = student_key_portfolio(data.seed).table_
    inside = stages.loc[stages.index.intersection(table.index)]
    full = inside[inside["indicators_used"] == len(INDICATORS)]
    rng = np.random.default_rng([data.seed, 4])
    score = full["stage_score"]

    frac = score - np.floor(score)
    pool = full[(frac >= 0.5) & (frac < 0.9) & (score < 4)]
    if (pool["stage_score"] >= 1.5).any():  # past Basic: the indicators differ more
        pool = pool[pool["stage_score"] >= 1.5]
    classify = str(pool.index[int(rng.integers(len(pool)))])

    ready = full[
        full["stage"].astype("object").isin(["Basic", "Cooperative"])
        & (full["executive_sponsor_level"] == 1)  # no sponsor
        & (full["joint_planning_level"] <= 2)  # no joint plans, or ad hoc ones
    ].drop(classify, errors="ignore")
    develop = str(ready.index[int(rng.integers(len(ready)))])

    after = round(_developed(_levels(stages, develop)), 2)
    demo_pool = full[score.between(1.8, 2.3) & (score.round(2) != after)]
    demo_pool = demo_pool.drop([classify, develop], errors="ignore")
    demo = str(demo_pool.index[0] if len(demo_pool) else full.index[0])
    return ExerciseAccounts(demo, classify, develop)


def _developed(levels: pd.Series) -> float:
    """The stage score of exercise 2: with an executive sponsor and an annual joint plan."""
    return _score(_with(levels, executive_sponsor=3.0, joint_planning=3.0))


def _with(levels: pd.Series, **changed: float) -> pd.Series:
    out = levels.copy()
    for role, level in changed.items():
        out[role] = level
    return out


def exit_rules(criteria: Criteria) -> pd.DataFrame:
    """The exit rules of the criteria, in order, in words."""
    rows = []
    for k, rule in enumerate(criteria.exits, start=1):
        when = []
        for what, values in (("box", rule.boxes), ("tier", rule.tiers), ("health", rule.health)):
            if values:
                when.append(f"{what} is " + " or ".join(values))
        when += [f"{column} {side} {value:g}" for column, side, value in rule.bounds]
        rows.append(
            {"rule": k, "action": rule.action, "when (all hold)": "; ".join(when), "why": rule.why}
        )
    return pd.DataFrame(rows).set_index("rule")


def workbook(data: StudentPortfolio, *, show_solutions: bool = False) -> Workbook:
    """The exercises of notebook 4 on this student's portfolio."""
    stages = assess_stages(data.accounts)
    table = student_key_portfolio(data.seed).table_
    chosen = exercise_accounts(data, stages)

    x = _levels(stages, chosen.classify)
    equal = dict.fromkeys(INDICATORS, 1.0)
    score_x = _score(x)

    y = _levels(stages, chosen.develop)
    both = _with(y, executive_sponsor=3.0, joint_planning=3.0)
    sponsor_only = _with(y, executive_sponsor=3.0)
    plan_only = _with(y, joint_planning=3.0)
    plan_as_value = _with(y, executive_sponsor=1.0, joint_planning=2.0)

    gaps = stage_gaps(table)
    kind = gaps["gap"].astype("object")
    box = gaps["box"].astype("object")
    under = kind == "under-developed"

    action = table["exit_recommendation"]
    complete, lower = action == "exit completely", action == "exit to a lower tier"
    review = action == "review"
    stake = table["profit_at_stake"]
    revenue = table["revenue"]

    exercises = [
        Exercise(
            "1",
            f"At which relationship stage is account {chosen.classify}?",
            stage_of(score_x),
            kind="choice",
            options=STAGES,
            mistakes=[
                Mistake(
                    "sponsor at full weight",
                    stage_of(_score(x, equal)),
                    "The executive sponsor is a yes/no, so it counts half: weight 0.5, the "
                    "other indicators 1. Divide the weighted sum by the sum of the weights, "
                    "5.5.",
                ),
                Mistake(
                    "rounded down",
                    stage_of(math.floor(score_x)),
                    "The stage is the one nearest to the score: 1.5 or more is Cooperative, "
                    "2.5 or more Interdependent. Round the score, do not cut off its "
                    "decimals.",
                ),
                Mistake(
                    "share of wallet alone",
                    stage_of(x["share_of_wallet"]),
                    "You judged by the share of wallet alone. A stage rests on all six "
                    "indicators: average their levels.",
                ),
                Mistake(
                    "contacts alone",
                    stage_of(x["contacts"]),
                    "You judged by the number of contacts alone. A stage rests on all six "
                    "indicators: average their levels.",
                ),
                Mistake(
                    "the best indicator",
                    stage_of(x.max()),
                    "You took the stage of the account's most developed indicator. Average "
                    "the levels of all six (the executive sponsor weighs half).",
                ),
                Mistake(
                    "the weakest indicator",
                    stage_of(x.min()),
                    "You took the stage of the account's least developed indicator. Average "
                    "the levels of all six (the executive sponsor weighs half).",
                ),
            ],
            hint="Turn each indicator into its level with the table, then take the weighted "
            "mean (the executive sponsor weighs 0.5) and the nearest stage: 0 Exploratory, "
            "1 Basic, 2 Cooperative, 3 Interdependent, 4 Integrated.",
            explanation="One indicator alone misleads: a large share of wallet with a single "
            "contact is a fragile relationship, however big the account.",
        ),
        Exercise(
            "2",
            f"What would the stage score of account {chosen.develop} be with an executive "
            "sponsor and an annual joint plan?",
            _score(both),
            decimals=2,
            mistakes=[
                Mistake(
                    "sponsor at full weight",
                    _score(both, equal),
                    "The executive sponsor counts half (weight 0.5): divide by the sum of "
                    "the weights, 5.5, not 6.",
                ),
                Mistake(
                    "only the sponsor",
                    _score(sponsor_only),
                    "You changed only the executive sponsor. Raise the joint planning to an "
                    "annual joint plan (value 2) as well.",
                ),
                Mistake(
                    "only the plan",
                    _score(plan_only),
                    "You changed only the joint planning. The account wins an executive "
                    "sponsor as well.",
                ),
                Mistake(
                    "values, not levels",
                    _score(plan_as_value),
                    "You used the new values themselves (2 for the plan, 1 for yes). Use "
                    "their levels from the table: an annual joint plan is level 3, an "
                    "executive sponsor level 3.",
                ),
                Mistake(
                    "score today",
                    _score(y),
                    "That is the score today. Change the two indicators first.",
                ),
            ],
            hint="Take today's levels, set the executive sponsor to its 'yes' level and the "
            "joint planning to the level of an annual joint plan, then the weighted mean "
            "(weights 1, the sponsor 0.5).",
            explanation="Compare the stage it gives with today's: a sponsor and a plan help, "
            "but a stage also rests on contacts, functions and trust, which take longer.",
        ),
        Exercise(
            "3",
            "How many of your Strategic and Star accounts are under-developed?",
            int(under.sum()),
            kind="count",
            mistakes=[
                Mistake(
                    "all gaps",
                    len(gaps),
                    "You counted every gap, the over-invested Streamline accounts too. "
                    "Count only the Strategic and Star accounts at Exploratory or Basic.",
                ),
                Mistake(
                    "Strategic only",
                    int((under & (box == "Strategic")).sum()),
                    "You counted the Strategic accounts only. Star accounts are attractive "
                    "too: count them as well.",
                ),
                Mistake(
                    "Star only",
                    int((under & (box == "Star")).sum()),
                    "You counted the Star accounts only. Count the Strategic ones as well.",
                ),
                Mistake(
                    "over-invested",
                    int((kind == "over-invested").sum()),
                    "Those are the over-invested accounts (Streamline, yet Interdependent "
                    "or Integrated). The question asks for the under-developed ones.",
                ),
            ],
            hint="Count the accounts whose box is Strategic or Star and whose stage is "
            "Exploratory or Basic (stage_gaps marks them 'under-developed').",
            explanation="These are the accounts where the box says invest and the "
            "relationship is still transactional: the first candidates for more contacts "
            "and joint planning.",
        ),
        Exercise(
            "4",
            "What is the total profit at stake of the accounts proposed to exit completely?",
            float(stake[complete].sum()),
            unit="GBP",
            decimals=0,
            rel_tol=0.002,
            mistakes=[
                Mistake(
                    "as a positive amount",
                    float(-stake[complete].sum()),
                    "Profit at stake is the contribution that leaves with the accounts. "
                    "These accounts lose money, so it is negative: exiting them saves money. "
                    "Keep the sign.",
                ),
                Mistake(
                    "every exit",
                    float(stake[complete | lower].sum()),
                    "You added up every exit proposal. Keep only 'exit completely'.",
                ),
                *(
                    [
                        Mistake(
                            "to a lower tier",
                            float(stake[lower].sum()),
                            "Those are the accounts proposed to exit to a lower tier. Keep "
                            "only 'exit completely'.",
                        )
                    ]
                    if lower.any()
                    else []
                ),
                Mistake(
                    "revenue",
                    float(revenue[complete].sum()),
                    "That is their revenue. Profit at stake is their contribution (profit "
                    "after the cost to serve): add up profit_at_stake.",
                ),
            ],
            hint="Keep the accounts whose exit_recommendation is 'exit completely' and add up "
            "their profit_at_stake.",
            explanation="A negative profit at stake means the portfolio earns more without "
            "these accounts, once the cost of serving them stops.",
        ),
        Exercise(
            "5",
            "Of the accounts proposed for review, which has the largest revenue?",
            str(revenue[review].idxmax()),
            kind="id",
            mistakes=[
                Mistake(
                    "exit completely",
                    str(revenue[complete].idxmax()),
                    "That account is proposed to exit completely. Look at the accounts "
                    "proposed for review.",
                ),
                *(
                    [
                        Mistake(
                            "exit to a lower tier",
                            str(revenue[lower].idxmax()),
                            "That account is proposed to exit to a lower tier. Look at the "
                            "accounts proposed for review.",
                        )
                    ]
                    if lower.any()
                    else []
                ),
                Mistake(
                    "any proposal",
                    str(revenue[action != ""].idxmax()),
                    "That is the largest of all the accounts with a proposal. Keep only "
                    "those whose exit_recommendation is 'review'.",
                ),
                Mistake(
                    "lowest contribution",
                    str(table.loc[review, "contribution"].idxmin()),
                    "That account has the lowest contribution of them. The question asks "
                    "for the largest revenue.",
                ),
                Mistake(
                    "smallest",
                    str(revenue[review].idxmin()),
                    "That is the smallest of them: use the largest (idxmax, not idxmin).",
                ),
                Mistake(
                    "largest account",
                    str(revenue.idxmax()),
                    "That is the largest account of the whole portfolio. Keep only the "
                    "accounts proposed for review.",
                ),
            ],
            hint="Keep the rows whose exit_recommendation is 'review', then take the "
            "account_id with the largest revenue (.idxmax()).",
            explanation="Read its exit_reasons: a large account under review is usually a "
            "key or key-development account that has gone quiet or halved its orders. A "
            "review is a conversation, not an exit: the key account manager finds out why "
            "before anyone adds or withdraws resources.",
        ),
    ]
    return Workbook(TITLE, exercises, show_solutions=show_solutions)
