"""Teaching notebook 3, "The key customer portfolio": tables and exercises.

The McDonald & Woodburn key customer portfolio: account attractiveness (up) against our
relative strength (across), each split at a cut-off into four boxes, Strategic, Star,
Status and Streamline, each with its strategy (and Millman & Wilson's names for the same
logic); how revenue and profit spread over the boxes; and how accounts move between
boxes from one quarter end to the next (:func:`kamlab.portfolio.portfolio_movement`).
The portfolios are the student's (:func:`kamlab.teaching.student_key_portfolio`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kamlab.portfolio import BOXES, STRATEGIES, Portfolio, portfolio_movement
from kamlab.teaching.checks import Exercise, Mistake, Workbook
from kamlab.teaching.data import SAMPLE_END, StudentPortfolio, student_key_portfolio

__all__ = [
    "BOX_GUIDE",
    "MILLMAN_WILSON",
    "NOTEBOOK",
    "PREVIOUS_END",
    "box_table",
    "strategy_account",
    "workbook",
]

NOTEBOOK = "03_key_customer_portfolio.ipynb"
TITLE = "The key customer portfolio"
PREVIOUS_END = "2026-06-30"
"""The quarter end before the student's data end (2026-09-30): exercises 3 and 4 compare
the portfolios at the two."""

MILLMAN_WILSON: dict[str, str] = {
    "Strategic": "invest for growth",
    "Star": "invest selectively",
    "Status": "maintain",
    "Streamline": "manage for cash",
}
"""Millman & Wilson's (1995) names for the strategy of each box."""

_HALVES = {
    "Strategic": ("high", "high"),
    "Star": ("high", "low"),
    "Status": ("low", "high"),
    "Streamline": ("low", "low"),
}

BOX_GUIDE = pd.DataFrame(
    {
        "attractiveness": {b: h[0] for b, h in _HALVES.items()},
        "our strength": {b: h[1] for b, h in _HALVES.items()},
        "strategy (McDonald & Woodburn)": STRATEGIES,
        "Millman & Wilson": MILLMAN_WILSON,
        "tier (kamlab)": {
            "Strategic": "key (the most attractive, up to the cap), else key development",
            "Star": "key development",
            "Status": "maintain",
            "Streamline": "transactional",
        },
    }
).rename_axis("box")
"""The four boxes: where they sit, their strategy and the tier kamlab gives them."""

_STRATEGY_BOX = {v: k for k, v in MILLMAN_WILSON.items()}


def box_table(portfolio: Portfolio) -> pd.DataFrame:
    """Per box: accounts, their share of the accounts and of revenue, and the strategy
    (profit is left out: exercise 2 asks about it)."""
    summary = portfolio.summary()
    out = pd.DataFrame(
        {
            "accounts": summary["accounts"],
            "share of accounts": summary["accounts"] / summary["accounts"].sum(),
            "share of revenue": summary["revenue_share"],
            "strategy": summary["strategy"],
        }
    )
    return out.round({"share of accounts": 3, "share of revenue": 3})


def strategy_account(data: StudentPortfolio) -> str:
    """The account exercise 1 asks about: in a box drawn from the seed, at least 0.4 from
    both cut-offs (so the box is clear)."""
    portfolio = student_key_portfolio(data.seed)
    table, crit = portfolio.table_, portfolio.criteria_
    clear = table[
        ((table["attractiveness"] - crit.attractiveness_cutoff).abs() >= 0.4)
        & ((table["strength"] - crit.strength_cutoff).abs() >= 0.4)
    ]
    rng = np.random.default_rng([data.seed, 3])
    start = int(rng.integers(len(BOXES)))
    for k in range(len(BOXES)):
        pool = clear[clear["box"].astype("object") == BOXES[(start + k) % len(BOXES)]]
        if len(pool):
            return str(pool.index[int(rng.integers(len(pool)))])
    return str(table.index[0])  # pragma: no cover - every box empty


def _strategy_hint(right: str, chosen: str) -> str:
    """Hint for choosing the strategy of box ``chosen`` when the account is in ``right``:
    which axis was misread, without naming the box."""
    a_right, s_right = _HALVES[right]
    a_chosen, s_chosen = _HALVES[chosen]
    meaning = f"'{MILLMAN_WILSON[chosen]}' is the strategy for {chosen} accounts. "
    if a_right != a_chosen and s_right != s_chosen:
        return meaning + (
            "Check both numbers against the cut-off, 5.5: attractiveness decides the upper "
            "or lower half, our strength the right (strong) or left (weak) half."
        )
    if a_right != a_chosen:
        return meaning + (
            "Look again at attractiveness: is it above or below the cut-off, 5.5? It "
            "decides whether the account is in the upper or the lower half."
        )
    return meaning + (
        "Look again at our strength: is it above or below the cut-off, 5.5? It decides "
        "whether the account is in the right (strong) or the left (weak) half."
    )


def workbook(data: StudentPortfolio, *, show_solutions: bool = False) -> Workbook:
    """The exercises of notebook 3 on this student's portfolios."""
    after = student_key_portfolio(data.seed, SAMPLE_END).table_
    before = student_key_portfolio(data.seed, PREVIOUS_END).table_
    account = strategy_account(data)
    box = str(after.loc[account, "box"])

    boxes = after["box"].astype("object")
    strategic = boxes == "Strategic"
    profit = after["contribution"]

    movement = portfolio_movement(before, after)
    movers = movement.movers
    changed = int((movers["box_before"] != movers["box_after"]).sum())
    new = len(after.index.difference(before.index))
    gone = len(before.index.difference(after.index))
    rise = movers["attractiveness_change"]

    exercises = [
        Exercise(
            "1",
            f"Which strategy fits account {account}?",
            MILLMAN_WILSON[box],
            kind="choice",
            options=tuple(MILLMAN_WILSON.values()),
            mistakes=[
                Mistake(f"chose {s}", s, _strategy_hint(box, _STRATEGY_BOX[s]))
                for s in MILLMAN_WILSON.values()
                if s != MILLMAN_WILSON[box]
            ],
            explanation="The box gives the direction; the account plan then says how, with "
            "what resources and by when.",
        ),
        Exercise(
            "2",
            "What share of your total contribution (profit) comes from Strategic accounts?",
            float(profit[strategic].sum() / profit.sum()),
            kind="share",
            mistakes=[
                Mistake(
                    "share of revenue",
                    float(after.loc[strategic, "revenue"].sum() / after["revenue"].sum()),
                    "That is the Strategic accounts' share of revenue. The question asks for "
                    "their share of contribution (profit after the cost to serve).",
                ),
                Mistake(
                    "share of accounts",
                    float(strategic.mean()),
                    "That is the share of accounts that are Strategic. Add up the Strategic "
                    "accounts' contributions and divide by the total contribution.",
                ),
                Mistake(
                    "profitable accounts only",
                    float(profit[strategic].sum() / profit[profit > 0].sum()),
                    "You divided by the profit of the profitable accounts only. Divide by "
                    "the total contribution of all accounts, losses included: that is why "
                    "the share can exceed 100%.",
                ),
                Mistake(
                    "Strategic and Star",
                    float(profit[strategic | (boxes == "Star")].sum() / profit.sum()),
                    "You took the whole upper half, Star as well as Strategic. Keep only "
                    "the Strategic accounts.",
                ),
            ],
            hint="Add up the contribution of the accounts whose box is 'Strategic' and "
            "divide by the contribution of all accounts.",
            explanation="Compare it with their share of revenue: the Strategic accounts earn "
            "a larger share of the profit than of the revenue, while the Streamline accounts, "
            "where most loss-makers are, bring almost none. Their strategy (cut the cost to "
            "serve) is about exactly that.",
        ),
        Exercise(
            "3",
            "How many accounts in both portfolios changed box between the two quarter ends?",
            changed,
            kind="count",
            mistakes=[
                Mistake(
                    "counted those that stayed",
                    len(movers) - changed,
                    "You counted the accounts that stayed in the same box. Count those whose "
                    "box at the end of June differs from their box at the end of September.",
                ),
                Mistake(
                    "new and gone included",
                    changed + new + gone,
                    "You included the accounts that joined or left the portfolio. Count only "
                    "the accounts that are in both portfolios.",
                ),
                Mistake(
                    "tier, not box",
                    int((movers["tier_before"] != movers["tier_after"]).sum()),
                    "You compared tiers. The question asks about boxes.",
                ),
                Mistake(
                    "new accounts",
                    new,
                    "That is the number of accounts new to the portfolio. Count the accounts "
                    "in both portfolios whose box changed.",
                ),
            ],
            hint="Keep the accounts in both tables (before.index.intersection(table.index)) "
            "and count those whose box differs.",
            explanation="Movement is one of the most useful things a portfolio report shows: "
            "each move should lead to a change of strategy, or a question about why.",
        ),
        Exercise(
            "4",
            "Which account's attractiveness rose the most between the two quarter ends?",
            str(rise.idxmax()),
            kind="id",
            mistakes=[
                Mistake(
                    "fell the most",
                    str(rise.idxmin()),
                    "That account's attractiveness fell the most. Take the largest rise "
                    "(idxmax of after - before).",
                ),
                Mistake(
                    "most attractive now",
                    str(after.loc[movers.index, "attractiveness"].idxmax()),
                    "That is the most attractive account now. The question asks for the "
                    "largest change: attractiveness now minus attractiveness in June.",
                ),
                Mistake(
                    "moved furthest",
                    str(movers["moved"].idxmax()),
                    "That account moved furthest in the matrix, but not furthest up. Take "
                    "the change in attractiveness with its sign, and the largest rise.",
                ),
                Mistake(
                    "largest revenue rise",
                    str(movers["revenue_change"].idxmax()),
                    "That account's revenue rose the most. The question asks about attractiveness.",
                ),
            ],
            hint="For the accounts in both tables, subtract the attractiveness at the end of "
            "June from that at the end of September and take the id with the largest "
            "difference (.idxmax()).",
            explanation="Ask why it rose: more revenue, better profit, faster growth? A "
            "rise that comes from one large order may not last.",
        ),
    ]
    return Workbook(TITLE, exercises, show_solutions=show_solutions)
