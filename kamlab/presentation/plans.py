"""Plan against actual for readers: the scorecard table, each key account's block and the
executive summary's sentences (from :func:`kamlab.plans.plan_scorecard` and
:func:`kamlab.plans.overdue_actions`)."""

from __future__ import annotations

import pandas as pd

from kamlab.plans.scorecard import STATUSES
from kamlab.presentation.format import count, day, listed, money, percent
from kamlab.presentation.tables import ReaderTable, for_reader
from kamlab.safe import markdown_text as md
from kamlab.words import agreeing

__all__ = [
    "MEASURE_LABELS",
    "NO_PLAN",
    "NO_PLANS",
    "plan_block",
    "plans_by_account",
    "plans_summary",
    "scorecard_for_reader",
    "worst_plans_table",
]

MEASURE_LABELS: dict[str, str] = {
    "revenue": "Net revenue, 12 months",
    "contribution": "Contribution, 12 months",
    "gross_margin": "Gross margin",
    "share_of_wallet": "Share of wallet",
    "stage": "Relationship stage",
    "retention": "Still buying",
}
"""Measure -> its label for readers."""

NO_PLAN = (
    "No key account plan for this account: draft one with kamlab plans init (it writes a "
    "plan for every key account that has none) and give the plans folder to the report."
)
"""The line of a key account page without a plan."""

NO_PLANS = (
    "No key account plans were given: draft one per key account with kamlab plans init, "
    "edit them with the account teams, and give the folder to the next period's report "
    "(kamlab report --plans) to read them against actual."
)
"""The sentence of a report run without plans."""


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
            # of the way from baseline to target, 0-100% (the scorecard CSV keeps the raw
            # share: above 1 past the target, below 0 moved away from it)
            "Progress": card["progress"].clip(0.0, 1.0).map(percent),
            "Overdue actions": card["overdue_actions"].map(count),
        }
    )


def _objective(label: str, objective: str, measure: str) -> str:
    """The measure's label, with the objective's own name when it is not the measure's."""
    return md(label) if objective == measure else f"{md(label)} ({md(objective)})"


def _late(days) -> str:
    return f", {_things(int(days), 'day')} late" if pd.notna(days) and days > 0 else ""


def plan_block(
    account,
    card: pd.DataFrame,
    actions: pd.DataFrame,
    *,
    currency: str = "GBP",
    heading: str | None = "####",
) -> str:
    """The Markdown block "Plan against actual" of one account's page: a table of its
    objectives (target, actual, status) and its overdue actions; a line saying there is
    no plan, and how to write one, when it has none. ``heading``: the Markdown heading's
    level (``None``: a bold line instead, for a page that must not break there)."""
    mine = card[card["account_id"] == account]
    lines = [f"{heading} Plan against actual" if heading else "**Plan against actual**", ""]
    if mine.empty:
        return "\n".join([*lines, NO_PLAN])
    shown = scorecard_for_reader(mine, currency)
    lines += [
        f"Plan for {md(mine['plan_period'].iloc[0])}; "
        + _counts(mine["status"])
        + (f" Now {md(mine['tier_now'].iloc[0])}." if mine["tier_now"].iloc[0] != "key" else ""),
        "",
        "| objective | target | actual | due | status | progress |",
        "|---|---:|---:|---|---|---:|",
    ]
    for (_, row), objective, measure in zip(
        shown.iterrows(), mine["objective"], mine["measure"], strict=True
    ):
        lines.append(
            f"| {_objective(row['Measure'], objective, measure)} | {md(row['Target'])} | "
            f"{md(row['Actual'])} | {row['Due']} | {row['Status']} | {row['Progress']} |"
        )
    late = actions[actions["account_id"] == account]
    if late.empty:
        lines += ["", "**Overdue actions:** none."]
    else:
        items = "; ".join(
            f"{md(r['what'])} ({md(r['owner'])}, due {day(r['due'])}{_late(r['days_overdue'])})"
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


def plans_summary(
    card: pd.DataFrame,
    actions: pd.DataFrame,
    *,
    key: pd.Series | None = None,
    worst: bool = True,
) -> str:
    """One paragraph for the executive summary: plans and objectives read, how many met,
    on track, behind and missed, the accounts with the most behind or missed, overdue
    actions, and plans of accounts no longer key. ``key`` (today's key accounts: their
    names by account id) adds the key accounts without a plan, by name; ``worst=False``
    leaves out the accounts with the most behind or missed (for a page that shows
    :func:`worst_plans_table` beside it)."""
    missing = "" if key is None else _without_plan(card, key)
    if card.empty:
        return " ".join(
            t for t in ("No key account plans were read against this period.", missing) if t
        )
    plans = card["account_id"].nunique()
    text = [
        f"{_things(plans, 'key account plan')} read against this period; " + _counts(card["status"])
    ]
    bad = card[card["status"].isin(["behind", "missed"])]
    if len(bad) and worst:
        worst = bad.groupby("account_id").size().sort_values(ascending=False, kind="stable")
        names = card.drop_duplicates("account_id").set_index("account_id")["account_name"]
        top = ", ".join(f"{md(names[a])} ({n})" for a, n in worst.head(3).items())
        text.append(f"Most objectives behind or missed: {top}.")
    if len(actions):
        n, where = len(actions), actions["account_id"].nunique()
        text.append(f"{_things(n, 'action')} {agreeing(n)} overdue ({_things(where, 'account')}).")
    else:
        text.append("No action is overdue.")
    gone = card.loc[card["tier_now"] != "key", "account_id"].nunique()
    if gone:
        text.append(f"{_things(gone, 'plan')} {agreeing(gone)} for accounts no longer key.")
    if missing:
        text.append(missing)
    return " ".join(text)


def _without_plan(card: pd.DataFrame, key: pd.Series) -> str:
    names = key.fillna(pd.Series(key.index, index=key.index)).astype(str)
    without = names[~names.index.astype(str).isin(card["account_id"].astype(str))]
    if without.empty:
        return ""
    n = len(without)
    return (
        f"{_things(n, 'key account')} {'has' if n == 1 else 'have'} no plan yet "
        f"({listed(list(without))}): kamlab plans init drafts one for each."
    )


_BY_ACCOUNT = {
    "account_name": ("Account", "text"),
    "objectives": ("Objectives", "count"),
    "met": ("Met", "count"),
    "on_track": ("On track", "count"),
    "behind": ("Behind", "count"),
    "missed": ("Missed", "count"),
    "overdue_actions": ("Overdue actions", "count"),
}


def plans_by_account(card: pd.DataFrame, actions: pd.DataFrame) -> pd.DataFrame:
    """Per account with a plan (by id): its name, objectives, how many met, on track,
    behind and missed, and its overdue actions; the accounts with the most objectives
    missed, then behind, then overdue actions first."""
    statuses = pd.crosstab(card["account_id"], card["status"]).reindex(
        columns=["met", "on track", "behind", "missed"], fill_value=0
    )
    statuses.columns = ["met", "on_track", "behind", "missed"]
    names = card.drop_duplicates("account_id").set_index("account_id")["account_name"]
    out = statuses.assign(
        account_name=names.reindex(statuses.index),
        objectives=card.groupby("account_id").size(),
        overdue_actions=actions.groupby("account_id").size().reindex(statuses.index, fill_value=0),
    )
    out = out.sort_values(["missed", "behind", "overdue_actions"], ascending=False, kind="stable")
    out.index.name = "account_id"
    return out[list(_BY_ACCOUNT)]


def worst_plans_table(
    card: pd.DataFrame, actions: pd.DataFrame, *, top: int = 5, title: str | None = None
) -> ReaderTable:
    """The ``top`` accounts of :func:`plans_by_account` with objectives behind or missed
    or actions overdue, for readers."""
    frame = plans_by_account(card, actions)
    trouble = frame[["behind", "missed", "overdue_actions"]].sum(axis=1) > 0
    frame = frame[trouble].head(top)
    return for_reader(
        frame,
        index=False,
        title=title,
        labels={c: v[0] for c, v in _BY_ACCOUNT.items()},
        kinds={c: v[1] for c, v in _BY_ACCOUNT.items()},
    )
