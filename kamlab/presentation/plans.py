"""Plan against actual for readers: the scorecard table, each key account's block and the
executive summary's sentences (from :func:`kamlab.plans.plan_scorecard` and
:func:`kamlab.plans.overdue_actions`)."""

from __future__ import annotations

import pandas as pd

from kamlab.plans.scorecard import STATUSES
from kamlab.presentation.format import count, day, money, percent
from kamlab.safe import markdown_text as md

__all__ = ["MEASURE_LABELS", "plan_block", "plans_summary", "scorecard_for_reader"]

MEASURE_LABELS: dict[str, str] = {
    "revenue": "Net revenue, 12 months",
    "contribution": "Contribution, 12 months",
    "gross_margin": "Gross margin",
    "share_of_wallet": "Share of wallet",
    "stage": "Relationship stage",
    "retention": "Still buying",
}
"""Measure -> its label for readers."""


def _value(measure: str, value, stage_name, currency: str) -> str:
    if measure == "stage":
        return stage_name if isinstance(stage_name, str) and stage_name else "n/a"
    if pd.isna(value):
        return "n/a"
    if measure in ("revenue", "contribution"):
        return money(value, currency)
    if measure in ("gross_margin", "share_of_wallet"):
        return percent(value)
    return "yes" if value >= 1 else "no"


def _cells(card: pd.DataFrame, column: str, currency: str) -> list[str]:
    return [
        _value(m, v, s, currency)
        for m, v, s in zip(
            card["measure"], card[column], card[f"{column}_stage"].fillna(""), strict=True
        )
    ]


def scorecard_for_reader(card: pd.DataFrame, currency: str = "GBP") -> pd.DataFrame:
    """The scorecard (:func:`~kamlab.plans.plan_scorecard`) with labels and formatted
    values: Account, Objective, Measure, Baseline, Target, Actual, Due, Status, Progress,
    Overdue actions (of the account)."""
    name = card["account_name"].where(card["account_name"] != card["account_id"], "")
    account = card["account_id"] + name.map(lambda n: f" {n}" if n else "")
    not_key = card["tier_now"] != "key"
    account = account.where(~not_key, account + " (now " + card["tier_now"] + ")")
    return pd.DataFrame(
        {
            "Account": account,
            "Objective": card["objective"],
            "Measure": card["measure"].map(MEASURE_LABELS),
            "Baseline": _cells(card, "baseline", currency),
            "Target": _cells(card, "target", currency),
            "Actual": _cells(card, "actual", currency),
            "Due": card["due"].map(day),
            "Status": card["status"],
            "Progress": card["progress"].map(percent),
            "Overdue actions": card["overdue_actions"].map(count),
        }
    )


def plan_block(
    account,
    card: pd.DataFrame,
    actions: pd.DataFrame,
    *,
    currency: str = "GBP",
) -> str:
    """The Markdown block "Plan against actual" of one account's page: a table of its
    objectives (target, actual, status) and its overdue actions; a line saying there is
    no plan when it has none."""
    mine = card[card["account_id"] == account]
    lines = ["#### Plan against actual", ""]
    if mine.empty:
        return "\n".join([*lines, "No key account plan for this account."])
    shown = scorecard_for_reader(mine, currency)
    lines += [
        f"Plan for {md(mine['plan_period'].iloc[0])}; "
        + _counts(mine["status"])
        + (f" Now {md(mine['tier_now'].iloc[0])}." if mine["tier_now"].iloc[0] != "key" else ""),
        "",
        "| objective | target | actual | due | status | progress |",
        "|---|---:|---:|---|---|---:|",
    ]
    for _, row in shown.iterrows():
        lines.append(
            f"| {md(row['Measure'])} ({md(row['Objective'])}) | {md(row['Target'])} | "
            f"{md(row['Actual'])} | {row['Due']} | {row['Status']} | {row['Progress']} |"
        )
    late = actions[actions["account_id"] == account]
    if late.empty:
        lines += ["", "**Overdue actions:** none."]
    else:
        items = "; ".join(
            f"{md(r['what'])} ({md(r['owner'])}, due {day(r['due'])}, "
            f"{count(r['days_overdue'])} days late)"
            for _, r in late.iterrows()
        )
        lines += ["", f"**Overdue actions ({count(len(late))}):** {items}."]
    return "\n".join(lines)


def _counts(status: pd.Series) -> str:
    counts = status.value_counts()
    parts = [f"{counts[s]} {s}" for s in STATUSES if counts.get(s, 0)]
    noun = "objective" if len(status) == 1 else "objectives"
    return f"{len(status)} {noun}: " + ", ".join(parts) + "."


def _things(n: int, noun: str) -> str:
    return f"{count(n)} {noun}{'' if n == 1 else 's'}"


def plans_summary(card: pd.DataFrame, actions: pd.DataFrame) -> str:
    """One paragraph for the executive summary: plans and objectives read, how many met,
    on track, behind and missed, the accounts with the most behind or missed, overdue
    actions, and plans of accounts no longer key."""
    if card.empty:
        return "No key account plans were read against this period."
    plans = card["account_id"].nunique()
    text = [
        f"{_things(plans, 'key account plan')} read against this period; " + _counts(card["status"])
    ]
    bad = card[card["status"].isin(["behind", "missed"])]
    if len(bad):
        worst = bad.groupby("account_id").size().sort_values(ascending=False, kind="stable")
        names = card.drop_duplicates("account_id").set_index("account_id")["account_name"]
        top = ", ".join(f"{md(names[a])} ({n})" for a, n in worst.head(3).items())
        text.append(f"Most objectives behind or missed: {top}.")
    if len(actions):
        n, where = len(actions), actions["account_id"].nunique()
        text.append(
            f"{_things(n, 'action')} {'is' if n == 1 else 'are'} overdue "
            f"({_things(where, 'account')})."
        )
    else:
        text.append("No action is overdue.")
    gone = card.loc[card["tier_now"] != "key", "account_id"].nunique()
    if gone:
        text.append(
            f"{_things(gone, 'plan')} {'is' if gone == 1 else 'are'} for accounts no longer key."
        )
    return " ".join(text)
