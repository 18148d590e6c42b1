"""Teaching notebook 1, "What is a key account?": tables, statements and exercises.

The notebook teaches what a key account is (McDonald & Woodburn 2007), why key account
management (KAM) emerged, its strategic, operational and tactical levels, and the step
from selling for volume to managing a customer's profit, shown on the student's own
portfolio: the biggest accounts by revenue are not all the most profitable.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from kamlab.teaching.checks import Exercise, Mistake, Workbook
from kamlab.teaching.data import StudentPortfolio

__all__ = [
    "LEVELS",
    "NOTEBOOK",
    "STATEMENTS",
    "TOP_N",
    "Statement",
    "pnl_glossary",
    "portfolio_overview",
    "revenue_twins",
    "statement_for",
    "workbook",
]

NOTEBOOK = "01_what_is_a_key_account.ipynb"
TITLE = "What is a key account?"
TOP_N = 80
"""Exercise 2 looks at the ``TOP_N`` largest accounts by net revenue."""

LEVELS: dict[str, str] = {
    "strategic": "long-term relationships with a few selected partner customers: deciding "
    "with whom, and in which direction, to grow",
    "operational": "delivering consistent business solutions: the same products, service "
    "and standards wherever and however the customer buys",
    "tactical": "management structures adapted to the customer's way of working: who "
    "meets whom, how often, in which team",
}
"""The three levels at which KAM works, in plain words (McDonald & Woodburn 2007)."""


@dataclass(frozen=True)
class Statement:
    """Something a supplier does for a key account, and the KAM level it belongs to."""

    text: str
    level: str


STATEMENTS: tuple[Statement, ...] = (
    Statement(
        "Agreeing with the customer's board a five-year plan to develop a new product range "
        "together.",
        "strategic",
    ),
    Statement(
        "Deciding which 20 of our 800 customers we will treat as key accounts for the next "
        "three years.",
        "strategic",
    ),
    Statement(
        "Building a warehouse next to the customer's main factory so that we can grow with "
        "it over the next decade.",
        "strategic",
    ),
    Statement(
        "Making sure the customer gets the same prices, quality and delivery times from "
        "every one of our sites in the 12 countries where it buys from us.",
        "operational",
    ),
    Statement(
        "Linking our stock system to the customer's, so that its shelves are refilled "
        "automatically, the same way in every store.",
        "operational",
    ),
    Statement(
        "Offering the customer one standard package of product, installation and "
        "maintenance, instead of separate deals for each.",
        "operational",
    ),
    Statement(
        "Appointing one key account manager, with a small team from sales, logistics and "
        "finance, who meets the customer's buyers every month.",
        "tactical",
    ),
    Statement(
        "Replacing five salespeople who visited five of the customer's sites with one "
        "contact for the customer's central purchasing office.",
        "tactical",
    ),
    Statement(
        "Moving our quarterly review meeting so that it falls just before the customer's "
        "own budget round.",
        "tactical",
    ),
)

_LEVEL_HINTS = {
    "strategic": (
        "Strategic KAM is about long-term choices: which customers to partner with and "
        "where to go together over years. Does this statement set a long-term direction, "
        "or is it about how things are delivered or organised?"
    ),
    "operational": (
        "Operational KAM is about delivering the same, reliable solution everywhere the "
        "customer buys. Does this statement change what the customer receives, or is it "
        "a long-term choice, or a change in who meets whom?"
    ),
    "tactical": (
        "Tactical KAM is about the people and meetings: structures that match how the "
        "customer works. Does this statement change who talks to whom and when, or is it "
        "about what is delivered, or a long-term choice?"
    ),
}


def statement_for(seed: int) -> Statement:
    """The statement exercise 1 asks this student to classify (one of :data:`STATEMENTS`)."""
    return STATEMENTS[int(np.random.default_rng([int(seed), 1]).integers(len(STATEMENTS)))]


PNL_WORDS: dict[str, str] = {
    "net_revenue": "what the customer paid us in the last 12 months, after returns and "
    "discounts (also called sales)",
    "cost_of_goods": "what the products we sold to the customer cost us to buy or make",
    "gross_margin": "net revenue minus cost of goods",
    "cost_to_serve": "what it cost us to serve the customer: taking and delivering its "
    "orders, handling its returns and calls, the key account manager's time, and the cost "
    "of waiting to be paid",
    "contribution": "gross margin minus cost to serve: the customer's profit (before the "
    "company's general overheads such as rent of the head office)",
}
"""Plain-English meaning of the P&L columns notebook 1 uses."""


def pnl_glossary() -> pd.DataFrame:
    """The P&L columns notebook 1 uses, with their meaning, as a table."""
    return pd.DataFrame({"meaning": PNL_WORDS}).rename_axis("column")


def portfolio_overview(pnl: pd.DataFrame) -> pd.DataFrame:
    """The portfolio in a few numbers: accounts, totals, accounts that make a loss."""
    loss = pnl["contribution"] < 0
    rows = {
        "accounts that bought in the last 12 months": len(pnl),
        "net revenue, total (GBP)": round(pnl["net_revenue"].sum()),
        "gross margin, total (GBP)": round(pnl["gross_margin"].sum()),
        "cost to serve, total (GBP)": round(pnl["cost_to_serve"].sum()),
        "contribution (profit), total (GBP)": round(pnl["contribution"].sum()),
        "accounts whose contribution is below zero": int(loss.sum()),
    }
    return pd.DataFrame({"value": rows}).rename_axis("")


def revenue_twins(pnl: pd.DataFrame, within: float = 0.10) -> pd.DataFrame:
    """Two profitable accounts of the larger half with almost the same net revenue
    (within ``within``) and the most different contributions: the same size to a
    salesperson, not to the P&L.

    Only accounts with a positive contribution are paired, so the table never names a
    loss-making account (the subject of the exercises). Empty when no pair exists.
    """
    columns = ["account_name", "net_revenue", "gross_margin", "cost_to_serve", "contribution"]
    columns = [c for c in columns if c in pnl.columns]
    ok = pnl[(pnl["contribution"] > 0) & (pnl["net_revenue"] >= pnl["net_revenue"].median())]
    ok = ok.sort_values("net_revenue")
    revenue = ok["net_revenue"].to_numpy()
    profit = ok["contribution"].to_numpy()
    best, pair = 0.0, None
    for i in range(len(ok)):
        j = np.searchsorted(revenue, revenue[i] * (1 + within), side="right")
        if j <= i + 1:
            continue
        window = profit[i + 1 : j]
        k = int(np.argmax(np.maximum(window / profit[i], profit[i] / window)))
        ratio = max(window[k] / profit[i], profit[i] / window[k])
        if ratio > best:
            best, pair = ratio, (i, i + 1 + k)
    if pair is None:
        return pnl.iloc[:0][columns]
    out = ok.iloc[list(pair)][columns].sort_values("contribution", ascending=False)
    return out.round({c: 0 for c in columns if c != "account_name"})


def workbook(data: StudentPortfolio, *, show_solutions: bool = False) -> Workbook:
    """The exercises of notebook 1 on this student's portfolio."""
    pnl = data.pnl
    revenue, profit = pnl["net_revenue"], pnl["contribution"]
    loss = profit < 0
    top = revenue.nlargest(TOP_N).index
    bottom = revenue.nsmallest(TOP_N).index
    statement = statement_for(data.seed)
    losers = revenue[loss]
    exercises = [
        Exercise(
            "1",
            "At which level of KAM does this statement belong?",
            statement.level,
            kind="choice",
            options=tuple(LEVELS),
            mistakes=[
                Mistake(f"chose {level}", level, _LEVEL_HINTS[level])
                for level in LEVELS
                if level != statement.level
            ],
            explanation="Each level needs the others: a strategy with a partner is only "
            "believed when the daily service is consistent and the right people meet.",
        ),
        Exercise(
            "2",
            f"How many of the {TOP_N} largest accounts by net revenue lose money?",
            int(loss[top].sum()),
            kind="count",
            mistakes=[
                Mistake(
                    "whole portfolio",
                    int(loss.sum()),
                    f"That is the number of loss-making accounts in the whole portfolio. "
                    f"Look only at the {TOP_N} largest accounts by net revenue: sort by "
                    f"net_revenue, largest first, and keep the first {TOP_N}.",
                ),
                Mistake(
                    "gross margin",
                    int((pnl.loc[top, "gross_margin"] < 0).sum()),
                    "You looked at gross margin, which almost never falls below zero. An "
                    "account loses money when its contribution (gross margin minus cost "
                    "to serve) is below zero.",
                ),
                Mistake(
                    "counted the profitable ones",
                    int((~loss[top]).sum()),
                    "You counted the accounts that make money. Count those whose "
                    "contribution is below zero.",
                ),
                Mistake(
                    "smallest accounts",
                    int(loss[bottom].sum()),
                    f"You took the {TOP_N} smallest accounts. Sort from largest to smallest "
                    "(ascending=False) before keeping the first ones.",
                ),
            ],
            hint=f"Take the {TOP_N} accounts with the largest net_revenue, then count how "
            "many of them have a contribution below zero.",
            explanation="Compare your count with the loss-makers of the whole portfolio (the "
            "overview above): nearly all the customers that lose money are small ones. A big "
            "customer usually pays for its cost to serve; one that does not is a KAM question, "
            "not a sales success.",
        ),
        Exercise(
            "3",
            "Of the accounts that lose money, which has the largest net revenue?",
            str(losers.idxmax()),
            kind="id",
            mistakes=[
                Mistake(
                    "largest overall",
                    str(revenue.idxmax()),
                    "That is the largest account of the whole portfolio. First keep only "
                    "the accounts whose contribution is below zero, then find the largest "
                    "net revenue among them.",
                ),
                Mistake(
                    "biggest loss",
                    str(profit.idxmin()),
                    "That is the account that loses the most money. The question asks for "
                    "the loss-making account with the largest net revenue.",
                ),
                Mistake(
                    "smallest loss-maker",
                    str(losers.idxmin()),
                    "That is the smallest of the loss-making accounts: use the largest "
                    "(idxmax, not idxmin).",
                ),
            ],
            hint="Keep the rows whose contribution is below zero, then take the account_id "
            "with the largest net_revenue (e.g. with .idxmax()). The id looks like 'A0042'.",
            explanation="Compare its net revenue with your largest customers': the "
            "loss-makers are mostly small. Whatever its size, the question is a KAM one: why "
            "does it cost more to serve than its margin, and can that change?",
        ),
        Exercise(
            "4",
            "What share of total net revenue comes from loss-making accounts?",
            float(losers.sum() / revenue.sum()),
            kind="share",
            mistakes=[
                Mistake(
                    "share of accounts",
                    float(loss.mean()),
                    "That is the share of accounts that lose money (a count). The question "
                    "asks for their share of net revenue: add up their net revenue and "
                    "divide by the total net revenue.",
                ),
                Mistake(
                    "profitable accounts",
                    float(revenue[~loss].sum() / revenue.sum()),
                    "That is the share of the accounts that make money. Take the accounts "
                    "whose contribution is below zero.",
                ),
                Mistake(
                    "share of contribution",
                    float(profit[loss].sum() / profit.sum()),
                    "You divided contributions (profit). The question asks for the share "
                    "of net revenue.",
                ),
            ],
            hint="Add up the net revenue of the accounts whose contribution is below zero, "
            "and divide by the net revenue of all accounts.",
            explanation="Revenue that comes with a loss is revenue a volume target rewards "
            "and a customer P&L questions.",
        ),
    ]
    return Workbook(TITLE, exercises, show_solutions=show_solutions)
