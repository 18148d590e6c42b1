"""Teaching notebook 5, "Customer profitability": tables and exercises.

The customer P&L, cost to serve by activity-based costing (an activity's count, its
*driver*, times the cost of one unit of it, its *rate*), and the whale curve (Cooper &
Kaplan 1991), on the student's portfolio. The numbers come from
:func:`kamlab.customer_pnl` and :func:`kamlab.whale_summary`; this module picks the
student's exercise account and lays out what the exercises need.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kamlab.teaching.checks import Exercise, Mistake, Workbook
from kamlab.teaching.data import StudentPortfolio
from kamlab.value import load_cost_rates

__all__ = [
    "DRIVERS",
    "NOTEBOOK",
    "TOP_K",
    "activity_table",
    "exercise_account",
    "rates_table",
    "workbook",
]

NOTEBOOK = "05_customer_profitability.ipynb"
TITLE = "Customer profitability"
TOP_K = 20
"""Exercise 3: the share of profit earned by the ``TOP_K`` most profitable accounts."""

DRIVERS: dict[str, tuple[str, str]] = {
    "orders": ("order handling", "order"),
    "order_lines": ("picking and packing", "order_line"),
    "return_lines": ("handling returns", "return_line"),
    "deliveries": ("deliveries", "delivery"),
    "service_calls": ("service calls", "service_calls"),
    "kam_hours": ("key account manager's time", "kam_hours"),
}
"""P&L driver column -> (activity, key of its rate in the cost-to-serve rates)."""

_UNITS = {
    "orders": "order",
    "order_lines": "order line",
    "return_lines": "return line",
    "deliveries": "delivery",
    "service_calls": "call",
    "kam_hours": "hour",
}


def rates_table(rates=None) -> pd.DataFrame:
    """The cost-to-serve rates as a table: activity, driver (what is counted), rate and
    its unit."""
    rates = load_cost_rates(rates)
    every = {**rates.transaction, **rates.account}
    rows = [
        {
            "activity": activity,
            "driver (what is counted)": column.replace("_", " "),
            "rate": every.get(key, 0.0),
            "unit": f"{rates.currency} per {_UNITS[column]}",
        }
        for column, (activity, key) in DRIVERS.items()
    ]
    rows.append(
        {
            "activity": "waiting to be paid (financing)",
            "driver (what is counted)": "net revenue x days of credit / 365",
            "rate": rates.financing_rate,
            "unit": "per year, as a fraction of the money owed",
        }
    )
    return pd.DataFrame(rows).set_index("activity")


def exercise_account(pnl: pd.DataFrame, seed: int) -> str:
    """The account exercises 1 and 2 ask about: a mid-sized account with key account
    manager hours, picked by the student's seed (never the largest account, whose P&L
    the notebook draws)."""
    ranked = pnl.sort_values("net_revenue", ascending=False)
    pool = ranked.iloc[5:60]
    pool = pool[(pool["kam_hours"] > 0) & (pool["orders"] > 0)]
    if pool.empty:
        pool = ranked.iloc[1:]
    rng = np.random.default_rng([int(seed), 5])
    return str(pool.index[int(rng.integers(len(pool)))])


def activity_table(pnl: pd.DataFrame, account: str) -> pd.DataFrame:
    """What ``account`` did in the window: each driver's count (not yet costed), its net
    revenue, cost of goods and days of credit, as one column."""
    row = pnl.loc[account]
    values = {column: row[column] for column in DRIVERS}
    values |= {
        "payment_days": row["payment_days"],
        "net_revenue": row["net_revenue"],
        "cost_of_goods": row["cost_of_goods"],
    }
    return pd.DataFrame({account: pd.Series(values).astype(float).round(2)})


def _top_share(pnl: pd.DataFrame, by: str, value: str, k: int) -> float:
    chosen = pnl[by].nlargest(k).index
    return float(pnl.loc[chosen, value].sum() / pnl[value].sum())


def workbook(data: StudentPortfolio, *, show_solutions: bool = False) -> Workbook:
    """The exercises of notebook 5 on this student's portfolio."""
    pnl = data.pnl
    account = exercise_account(pnl, data.seed)
    row = pnl.loc[account]
    cts = float(row["cost_to_serve"])
    counts = float(sum(row[column] for column in DRIVERS))
    loss = pnl["contribution"] < 0
    k = min(TOP_K, len(pnl))
    exercises = [
        Exercise(
            "1",
            f"What did it cost to serve account {account} in the last 12 months?",
            cts,
            unit="GBP",
            decimals=2,
            mistakes=[
                Mistake(
                    "no financing",
                    cts - row["cts_financing"],
                    "Close: you costed every activity but one. Waiting to be paid costs "
                    "money too: add net revenue x days of credit / 365 x the financing rate.",
                ),
                Mistake(
                    "no account drivers",
                    cts - row["cts_service_calls"] - row["cts_kam_hours"],
                    "You left out the activities recorded per account: service calls and "
                    "the key account manager's hours. Multiply each by its rate and add it.",
                ),
                Mistake(
                    "no KAM hours",
                    cts - row["cts_kam_hours"],
                    "You left out the key account manager's time: kam hours x the hourly rate.",
                ),
                Mistake(
                    "counts without rates",
                    counts,
                    "You added up the counts of the activities. Each count has to be "
                    "multiplied by its rate (the cost of one unit) before adding.",
                ),
            ],
            hint="For each activity, multiply its count by its rate, add them up, then add "
            "the financing cost (net revenue x days of credit / 365 x the financing rate).",
            explanation="That is activity-based costing: each activity is charged to the "
            "customer who causes it, at what one unit of it costs.",
        ),
        Exercise(
            "2",
            f"What was the contribution (profit) of account {account}?",
            float(row["contribution"]),
            unit="GBP",
            decimals=2,
            mistakes=[
                Mistake(
                    "gross margin",
                    row["gross_margin"],
                    "That is the gross margin: net revenue minus cost of goods. Take the "
                    "cost to serve away as well.",
                ),
                Mistake(
                    "no cost of goods",
                    row["net_revenue"] - cts,
                    "You took the cost to serve away from net revenue, but not the cost of "
                    "the goods sold.",
                ),
                Mistake(
                    "revenue",
                    row["net_revenue"],
                    "That is the account's net revenue. Profit is what is left after the "
                    "cost of goods and the cost to serve.",
                ),
                Mistake(
                    "no financing",
                    row["contribution"] + row["cts_financing"],
                    "Close: your cost to serve is missing the financing cost (waiting to "
                    "be paid). Use the full cost to serve from exercise 1.",
                ),
            ],
            hint="Contribution = net revenue - cost of goods - cost to serve.",
            explanation="Compare it with the account's revenue: the same revenue can come "
            "with very different profit, depending on how the customer buys.",
        ),
        Exercise(
            "3",
            f"What share of total profit do the {k} most profitable accounts earn?",
            _top_share(pnl, "contribution", "contribution", k),
            kind="share",
            mistakes=[
                Mistake(
                    "ranked by revenue",
                    _top_share(pnl, "net_revenue", "contribution", k),
                    f"You took the {k} largest accounts by revenue. Rank the accounts by "
                    "contribution (profit) instead.",
                ),
                Mistake(
                    "share of revenue",
                    _top_share(pnl, "net_revenue", "net_revenue", k),
                    "That is a share of revenue. The whale curve adds up profit: use the "
                    "contribution column for ranking and for adding up.",
                ),
                Mistake(
                    "gross margin",
                    _top_share(pnl, "gross_margin", "gross_margin", k),
                    "You used gross margin, which leaves out the cost to serve. Use contribution.",
                ),
                Mistake(
                    "profitable accounts only",
                    float(
                        pnl["contribution"].nlargest(k).sum() / pnl.loc[~loss, "contribution"].sum()
                    ),
                    "You divided by the profit of the profitable accounts only. Divide by "
                    "the total contribution of all accounts, losses included: that is why "
                    "the share can exceed 100%.",
                ),
            ],
            hint=f"Add up the contributions of the {k} accounts with the largest "
            "contribution and divide by the total contribution of all accounts.",
            explanation="Above 1 (100%), the rest of the portfolio, taken together, would "
            "give part of that profit away: the whale's back. Below 1, your other customers "
            "still add profit overall, and the loss-making tail is small.",
        ),
        Exercise(
            "4",
            "How much profit, in total, do the loss-making accounts destroy?",
            float(-pnl.loc[loss, "contribution"].sum()),
            unit="GBP",
            decimals=0,
            rel_tol=0.002,
            mistakes=[
                Mistake(
                    "their cost to serve",
                    float(pnl.loc[loss, "cost_to_serve"].sum()),
                    "That is what the loss-making accounts cost to serve. They also bring "
                    "gross margin: add up their contributions instead.",
                ),
                Mistake(
                    "accounts, not money",
                    int(loss.sum()),
                    "That is how many accounts lose money. The question asks how much "
                    "money they lose together.",
                ),
                Mistake(
                    "gross margin",
                    float(-pnl.loc[pnl["gross_margin"] < 0, "gross_margin"].sum()),
                    "You looked at gross margin. The losses come from the cost to serve: "
                    "use contribution.",
                ),
            ],
            hint="Keep the accounts whose contribution is below zero and add up their "
            "contributions; give the total as a positive amount.",
            explanation="This is the height the whale curve falls from its peak back to "
            "100% of profit.",
        ),
    ]
    return Workbook(TITLE, exercises, show_solutions=show_solutions)
