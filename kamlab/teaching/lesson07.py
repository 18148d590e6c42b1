"""Teaching notebook 7, "The buyer's perspective": tables, statements and exercises.

Buyers manage their suppliers (supplier performance and relationship management), and a
customer's plans under six headings can invalidate a key account plan: supplier
collaboration, consolidation, evaluation, risk management, innovation and development,
each with its KAM question (primer section 8). The scores come from the student's
accounts table through :func:`kamlab.portfolio.buyer_scorecard`; this module holds the
statements of exercise 1, picks the plan account and lays out a plan's buyer section.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from kamlab.portfolio import BUYER_QUESTIONS, buyer_scorecard
from kamlab.portfolio.buyer import HEADING_LABELS, HEADINGS
from kamlab.teaching.checks import Exercise, Mistake, Workbook
from kamlab.teaching.data import StudentPortfolio, student_key_portfolio

__all__ = [
    "HEADING_GUIDE",
    "NOTEBOOK",
    "PLANS",
    "THRESHOLD",
    "CustomerPlan",
    "key_scorecard",
    "plan_accounts",
    "plan_section",
    "plan_for",
    "workbook",
]

NOTEBOOK = "07_buyers_perspective.ipynb"
TITLE = "The buyer's perspective"
THRESHOLD = 5
"""Exercise 2: a heading scored at most this (the lower half of 1-10) works against us."""
HEATMAP_ROWS = 10
"""The heatmap of the notebook shows the key accounts with the lowest mean scores, this
many; the plan account of exercises 3 and 4 is never among them."""

HEADING_GUIDE = pd.DataFrame(
    {
        "the buyer's aim": {
            "collaboration": "work with a few suppliers on shared improvements",
            "consolidation": "fewer, better suppliers per category",
            "evaluation": "rate suppliers on performance and decide with the ratings",
            "risk_management": "keep supply going whatever happens to a supplier",
            "innovation": "bring suppliers' ideas into its own products and processes",
            "development": "raise the capabilities of the suppliers it depends on",
        },
        "the KAM question": BUYER_QUESTIONS,
        "what the key account manager can do": {
            "collaboration": "propose joint improvement projects; share plans; meet often",
            "consolidation": "be the supplier the customer keeps: show total value, not only price",
            "evaluation": "learn the customer's scorecard, help shape its measures, report "
            "performance before being asked",
            "risk_management": "offer back-up sites, safety stock, open books on financial health",
            "innovation": "bring ideas early; join the customer's development teams",
            "development": "show what both gain from sharing knowledge; offer your own "
            "expertise in return",
        },
    }
).rename_axis("heading")
"""The six headings: what the buyer wants, the KAM question, what a KAM team can do."""


@dataclass(frozen=True)
class CustomerPlan:
    """Something a customer plans for its suppliers, and the heading it belongs to."""

    text: str
    heading: str


PLANS: tuple[CustomerPlan, ...] = (
    CustomerPlan(
        "The customer sets up a supplier council: its chosen suppliers meet its managers "
        "every quarter to plan improvements together and share the savings.",
        "collaboration",
    ),
    CustomerPlan(
        "The customer invites its main suppliers to a workshop on cutting waste together, "
        "across the whole supply chain.",
        "collaboration",
    ),
    CustomerPlan(
        "The customer announces that it will cut its packaging suppliers from eight to "
        "three next year.",
        "consolidation",
    ),
    CustomerPlan(
        "The customer's new purchasing director plans to buy each category from one "
        "supplier for all its sites in Europe.",
        "consolidation",
    ),
    CustomerPlan(
        "The customer will rate every supplier each quarter on quality, on-time delivery "
        "and price, and send each one its place in the league table.",
        "evaluation",
    ),
    CustomerPlan(
        "The customer's buyers will use a new scorecard to decide which suppliers get "
        "next year's contracts.",
        "evaluation",
    ),
    CustomerPlan(
        "After a fire at one supplier's factory stopped its lines, the customer asks every "
        "supplier for a plan to keep deliveries going if one of its sites fails.",
        "risk_management",
    ),
    CustomerPlan(
        "The customer wants a second source for every critical part, and asks its "
        "suppliers to show their financial health.",
        "risk_management",
    ),
    CustomerPlan(
        "The customer asks its suppliers to propose new materials that would make its "
        "products lighter.",
        "innovation",
    ),
    CustomerPlan(
        "The customer launches a competition for its suppliers' ideas for its next product range.",
        "innovation",
    ),
    CustomerPlan(
        "The customer sends its quality engineers to help a few chosen suppliers improve "
        "their processes, in return for a share of the savings.",
        "development",
    ),
    CustomerPlan(
        "The customer offers to train its suppliers' staff in its lean production methods.",
        "development",
    ),
)

_HEADING_HINTS = {
    "collaboration": (
        "Collaboration is about working together with suppliers on shared improvement. "
        "Is the customer inviting suppliers to work with it, or doing something else to "
        "them?"
    ),
    "consolidation": (
        "Consolidation is about how many suppliers the customer keeps. Does this plan "
        "change the number of suppliers?"
    ),
    "evaluation": (
        "Evaluation is about how the customer rates its suppliers' performance. Is this "
        "plan about measuring and rating?"
    ),
    "risk_management": (
        "Risk management is about keeping supply safe when something goes wrong. Is this "
        "plan about what happens if a supplier fails?"
    ),
    "innovation": (
        "Innovation is about suppliers' ideas for the customer's products and processes. "
        "Is the customer asking for new ideas?"
    ),
    "development": (
        "Development is about the customer raising its suppliers' capabilities, sharing "
        "its knowledge and skills. Is the customer teaching or helping its suppliers "
        "improve?"
    ),
}


def plan_for(seed: int) -> CustomerPlan:
    """The customer plan exercise 1 asks this student to place (one of :data:`PLANS`)."""
    return PLANS[int(np.random.default_rng([int(seed), 7, 2]).integers(len(PLANS)))]


def key_scorecard(data: StudentPortfolio) -> pd.DataFrame:
    """:func:`kamlab.portfolio.buyer_scorecard` of the student's key accounts, in key
    rank order."""
    table = student_key_portfolio(data.seed).table_
    key = table[table["tier"].astype("object") == "key"].sort_values("key_rank").index
    return buyer_scorecard(data.accounts, accounts_subset=key)


@dataclass(frozen=True)
class PlanAccounts:
    """``demo``: the key account of the worked example (the first by key rank);
    ``plan``: exercises 3 and 4 (one weakest heading, at least a quarter point below the
    key accounts' mean on it, not in the notebook's heatmap, and its gap not among the
    differences the worked example shows)."""

    demo: str
    plan: str


def plan_accounts(data: StudentPortfolio, scorecard: pd.DataFrame | None = None) -> PlanAccounts:
    """The key accounts of the worked example and of exercises 3 and 4 (from the seed)."""
    card = key_scorecard(data) if scorecard is None else scorecard
    demo = str(card.index[0])
    shown = card["mean_score"].sort_values(kind="stable").index[:HEATMAP_ROWS]
    scores = card[list(HEADINGS)].astype(float)
    weakest = card["weakest_heading"].astype(object)
    below = np.array([scores[h].mean() - scores.loc[i, h] for i, h in weakest.items()])
    shown_gaps = {f"{abs(v):.2f}" for v in (scores.loc[demo] - scores.mean())}
    unseen = np.array([f"{v:.2f}" not in shown_gaps for v in below])  # the demo's table
    clear = (card["weakest_tied"] == 1).to_numpy() & (below >= 0.25) & unseen
    pool = card[clear].drop([demo, *shown], errors="ignore")
    if pool.empty:  # pragma: no cover - 25 key accounts leave plenty
        pool = card.drop(demo)
    rng = np.random.default_rng([data.seed, 7, 3])
    return PlanAccounts(demo, str(pool.index[int(rng.integers(len(pool)))]))


def plan_section(scorecard: pd.DataFrame, account: str) -> pd.DataFrame:
    """The buyer's section of ``account``'s key account plan: per heading its score, the
    key accounts' mean and the difference, weakest first, with the KAM question."""
    scores = scorecard.loc[account, list(HEADINGS)].astype(float)
    mean = scorecard[list(HEADINGS)].astype(float).mean()
    out = pd.DataFrame(
        {
            "label": [HEADING_LABELS[h] for h in HEADINGS],
            "score": scores.to_numpy(),
            "key accounts' mean": mean.round(2).to_numpy(),
            "difference": (scores - mean).round(2).to_numpy(),
            "KAM question": [BUYER_QUESTIONS[h] for h in HEADINGS],
        },
        index=pd.Index(HEADINGS, name="heading"),
    )
    return out.sort_values("score", kind="stable")


def workbook(data: StudentPortfolio, *, show_solutions: bool = False) -> Workbook:
    """The exercises of notebook 7 on this student's key accounts."""
    plan = plan_for(data.seed)
    card = key_scorecard(data)
    table = student_key_portfolio(data.seed).table_
    everyone = buyer_scorecard(data.accounts, accounts_subset=table.index)
    x = plan_accounts(data, card).plan
    scores = card[list(HEADINGS)].astype(float)
    row = scores.loc[x]
    weakest = str(card.loc[x, "weakest_heading"])
    mean = scores.mean()
    consolidation = scores["consolidation"]
    portfolio_weakest = str(mean.idxmin())

    exercises = [
        Exercise(
            "1",
            "Under which heading does this customer plan fall?",
            plan.heading,
            kind="choice",
            options=HEADINGS,
            mistakes=[
                Mistake(f"chose {h}", h, _HEADING_HINTS[h]) for h in HEADINGS if h != plan.heading
            ],
            explanation="Naming the heading tells the key account manager which question to "
            "ask, and which part of the account plan the customer's plan puts at risk.",
        ),
        Exercise(
            "2",
            f"What share of your key accounts score {THRESHOLD} or less on supplier consolidation?",
            float((consolidation <= THRESHOLD).mean()),
            kind="share",
            mistakes=[
                Mistake(
                    f"below {THRESHOLD}",
                    float((consolidation < THRESHOLD).mean()),
                    f"You left out the accounts scoring exactly {THRESHOLD}. Count the "
                    f"scores of {THRESHOLD} or less (<=).",
                ),
                Mistake(
                    "a count",
                    int((consolidation <= THRESHOLD).sum()),
                    "That is the number of accounts. Divide it by the number of key "
                    "accounts to get the share.",
                ),
                Mistake(
                    "above the line",
                    float((consolidation > THRESHOLD).mean()),
                    f"That is the share scoring above {THRESHOLD}, where consolidation works "
                    "for us. The question asks for the share where it works against us.",
                ),
                Mistake(
                    "every account",
                    float((everyone["consolidation"] <= THRESHOLD).mean()),
                    "You used every account of the portfolio. Use the key accounts only "
                    "(the scorecard of the key accounts).",
                ),
            ],
            hint=f"Count the key accounts whose consolidation score is {THRESHOLD} or less "
            "and divide by the number of key accounts (or take .mean() of the True/False "
            "column).",
            explanation="In each of these accounts, if the customer cuts its suppliers, we "
            "may be among those cut: the consolidation question comes first in their plans.",
        ),
        Exercise(
            "3",
            f"Which heading is weakest for key account {x}?",
            weakest,
            kind="choice",
            options=HEADINGS,
            mistakes=[
                Mistake(
                    "strongest",
                    str(row.idxmax()),
                    "That is the account's strongest heading, where the customer's plans "
                    "work most for us. Take the lowest score.",
                ),
                Mistake(
                    "weakest of the portfolio",
                    portfolio_weakest,
                    "That heading has the lowest mean across your key accounts. The "
                    "question asks about this one account: take its lowest score.",
                ),
                Mistake(
                    "furthest below the mean",
                    str((row - mean).idxmin()),
                    "That heading is where the account falls furthest below the key "
                    "accounts' mean, but it is not the account's lowest score. Take the "
                    "lowest score itself.",
                ),
            ],
            hint="Look at the account's row of the scorecard: which of the six headings has "
            "the lowest score?",
            explanation="Its KAM question is the first to work on in the account plan.",
        ),
        Exercise(
            "4",
            f"By how many points is account {x}'s score on its weakest heading below the "
            "key accounts' mean on that heading?",
            float(mean[weakest] - row[weakest]),
            decimals=2,
            mistakes=[
                Mistake(
                    "the account's own mean",
                    float(card.loc[x, "mean_score"] - row[weakest]),
                    "You compared the weakest score with the account's own mean score. "
                    "Compare it with the mean of all key accounts on that heading.",
                ),
                Mistake(
                    "every account's mean",
                    float(everyone[weakest].mean() - row[weakest]),
                    "You used the mean of every account of the portfolio. Use the key "
                    "accounts' mean.",
                ),
                Mistake(
                    "the mean itself",
                    float(mean[weakest]),
                    "That is the key accounts' mean on the heading. Subtract the account's "
                    "own score from it.",
                ),
            ],
            hint="Key accounts' mean on the heading minus the account's score on it "
            "(scorecard[heading].mean() - scorecard.loc[account, heading]).",
            explanation="A score far below the other key accounts' says the problem is this "
            "relationship, not the customer's industry: it belongs in this account's plan.",
        ),
    ]
    return Workbook(TITLE, exercises, show_solutions=show_solutions)
