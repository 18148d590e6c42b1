"""The portfolio for people to read: tables of criteria, key accounts and exit candidates,
the movement between periods and the allocation of hours in sentences, and one Markdown
page per key account.

A page (:func:`account_page`) is built from the portfolio table, the customer P&L, the
box history (:func:`~kamlab.portfolio.history.portfolio_history`), the buyer's
scorecard and the risks (:func:`~kamlab.portfolio.account_pages.account_risks`). Every
string from the data is escaped (:func:`kamlab.safe.markdown_text`), so an account named
``<script>...`` shows as text.
"""

from __future__ import annotations

import math

import pandas as pd

from kamlab.portfolio.buyer import BUYER_QUESTIONS, HEADING_LABELS
from kamlab.portfolio.criteria import GROUPS, Criteria
from kamlab.portfolio.matrix import STRATEGIES
from kamlab.presentation.format import count, money
from kamlab.safe import markdown_text as md

__all__ = [
    "account_page",
    "criteria_table",
    "describe_allocation",
    "describe_key_changes",
    "describe_movement",
    "exit_candidates",
    "health_by_tier",
    "key_accounts",
]


def criteria_table(criteria: Criteria, scores: dict | None = None) -> pd.DataFrame:
    """One row per factor: group, weight as configured, weight used (``Portfolio.scores_``:
    after dropping what the data lack, or the fallback factors), source and rule."""
    rows = []
    for group in GROUPS:
        used = scores[group].weights if scores else {}
        factors = list(criteria.factors(group))
        if scores:  # fallback factors, when the group fell back
            factors += [f for f in scores[group].factors if f not in factors]
        for f in factors:
            rows.append(
                {
                    "group": group,
                    "factor": f.name,
                    "weight": f.weight,
                    "weight_used": round(used.get(f.name, 0.0), 1) if scores else f.weight,
                    "source": f.source,
                    "rule": "scored 1-10 by people" if f.judgement else f.rule,
                }
            )
    return pd.DataFrame(rows)


_SHOW = [
    "account_name",
    "box",
    "attractiveness",
    "strength",
    "revenue",
    "contribution",
    "potential",
    "stage",
]


def key_accounts(table: pd.DataFrame) -> pd.DataFrame:
    """The key tier, most attractive first, with the columns a reader needs."""
    key = table[table["tier"].astype("object") == "key"].sort_values("key_rank")
    return key[[c for c in ["key_rank", *_SHOW] if c in key.columns]]


def health_by_tier(table: pd.DataFrame) -> pd.DataFrame:
    """Accounts per tier (rows) and health (columns: active, lapsing, likely lost), with
    totals; empty when the table has no health."""
    if "health" not in table:
        return pd.DataFrame()
    out = pd.crosstab(
        table["tier"], table["health"], margins=True, margins_name="all", dropna=False
    )
    out.columns.name, out.index.name = "health", "tier"
    return out


def exit_candidates(table: pd.DataFrame) -> pd.DataFrame:
    """Accounts with an exit recommendation, "exit completely" first, then by profit at
    stake (most negative first), with their reasons."""
    out = table[table["exit_recommendation"] != ""]
    out = out.assign(_order=(out["exit_recommendation"] != "exit completely").astype(int))
    out = out.sort_values(["_order", "profit_at_stake"], kind="stable")
    columns = [
        "account_name",
        "box",
        "tier",
        "revenue",
        "contribution",
        "growth",
        "profit_at_stake",
        "exit_recommendation",
        "exit_reasons",
    ]
    return out[[c for c in columns if c in out.columns]]


def account_page(
    account,
    table: pd.DataFrame,
    *,
    number: int | None = None,
    pnl: pd.DataFrame | None = None,
    history: pd.DataFrame | None = None,
    scorecard: pd.DataFrame | None = None,
    risks: pd.DataFrame | None = None,
    currency: str = "GBP",
) -> str:
    """The Markdown page of one account (a row of ``table``)."""
    row = table.loc[account]
    name = row.get("account_name")
    head = f"{number}. " if number is not None else ""
    title = md(account) if pd.isna(name) or name == account else f"{md(name)} ({md(account)})"
    lines = [f"### {head}{title}", ""]
    rank = f" (rank {int(row['key_rank'])})" if pd.notna(row.get("key_rank")) else ""
    stage = row.get("stage")
    lines.append(
        f"**{row['box']}** box, **{row['tier']}** tier{rank}; relationship stage "
        f"**{stage if pd.notna(stage) else 'unknown'}**; attractiveness "
        f"{row['attractiveness']:.1f}, strength {row['strength']:.1f} (1-10). "
        f"Strategy: {STRATEGIES[row['box']]}."
    )
    lines += ["", "| last 12 months | |", "|---|---:|"]
    if pnl is not None and account in pnl.index:
        p = pnl.loc[account]
        for label, column in (
            ("net revenue", "net_revenue"),
            ("gross margin", "gross_margin"),
            ("cost to serve", "cost_to_serve"),
            ("contribution", "contribution"),
        ):
            lines.append(f"| {label} | {money(p[column], currency)} |")
    else:
        lines.append(f"| net revenue | {money(row['revenue'], currency)} |")
        lines.append(f"| contribution | {money(row['contribution'], currency)} |")
    if pd.notna(row.get("growth")):
        lines.append(f"| revenue growth, year on year | {row['growth']:+.0%} |")
    if pd.notna(row.get("potential")):
        basis = row.get("potential_basis")
        basis = f" ({basis})" if isinstance(basis, str) and basis else ""
        lines.append(f"| potential, margin a year{basis} | {money(row['potential'], currency)} |")
    if bool(row.get("prospect", False)):
        lines.append("| prospect | no purchase in the 12 months |")
    if history is not None and account in history.index.get_level_values("account_id"):
        past = history.xs(account, level="account_id")
        lines += [
            "",
            "Box and stage by period: "
            + " → ".join(
                f"{p} {b}" + (f" ({s})" if pd.notna(s) else "")
                for p, b, s in zip(
                    past.index, past["box"], past.get("stage", [None] * len(past)), strict=True
                )
            )
            + ".",
        ]
    found = [] if risks is None else list(risks.loc[risks["account_id"] == account, "detail"])
    lines += [
        "",
        "**Risks:** " + ("; ".join(md(r) for r in found) + "." if found else "none flagged."),
    ]
    if scorecard is not None and account in scorecard.index:
        heading = scorecard.at[account, "weakest_heading"]
        if pd.notna(heading):
            score = scorecard.at[account, "weakest_score"]
            lines += [
                "",
                f"**The KAM question** (the buyer's weakest heading, {HEADING_LABELS[heading]}, "
                f"{score:g}/10): *{BUYER_QUESTIONS[heading]}*",
            ]
    return "\n".join(lines)


def describe_movement(movement) -> str:
    """A :class:`~kamlab.portfolio.movement.Movement` in a sentence: how many accounts in
    both periods changed box, became key and stopped being key."""
    stayed = len(movement.movers)
    changed = int((movement.movers["box_before"] != movement.movers["box_after"]).sum())
    return (
        f"{changed} of {stayed} accounts in both periods changed box; "
        f"{len(movement.new_key)} became key accounts and {len(movement.lost_key)} stopped "
        "being key."
    )


def describe_key_changes(movement, before: pd.DataFrame, after: pd.DataFrame) -> str:
    """Two lines naming the new and the lost key accounts of a
    :class:`~kamlab.portfolio.movement.Movement` between the portfolio tables ``before``
    and ``after`` (names when known, else ids)."""

    def named(ids: pd.Index, table: pd.DataFrame) -> str:
        names = table["account_name"] if "account_name" in table else table.index.to_series()
        return ", ".join(names.loc[ids].astype(str)) or "none"

    return (
        f"new key accounts: {named(movement.new_key, after)}\n"
        f"no longer key: {named(movement.lost_key, before)}"
    )


def _versus(diff: float, base: float, currency: str, what: str) -> str:
    """'GBP 1,200 (15%) more than <what>' (or 'less than', or 'the same as')."""
    if abs(diff) < 0.5:
        return f"the same as {what}"
    share = f" ({abs(diff) / base:.0%})" if base > 0 else ""
    return f"{money(abs(diff), currency)}{share} {'more' if diff > 0 else 'less'} than {what}"


def describe_allocation(allocation) -> str:
    """An :class:`~kamlab.portfolio.allocate.Allocation` of account-manager hours in one or
    two plain-English sentences, with the numbers."""
    a = allocation
    t, cur, n = a.totals, a.currency, len(a.table)
    funded = int((a.table["hours"] > 0).sum())
    text = (
        f"Allocating {count(a.hours_used)} of {count(a.budget_hours)} account-manager "
        f"hours to {funded:,} of {n:,} accounts is expected to add "
        f"{money(t['optimal_gain'], cur)} of profit, "
        + _versus(t["gain_over_equal"], t["equal_gain"], cur, "an equal split")
    )
    if n:
        capped = ", at most max_hours" if "max_hours" in a.table else ""
        text += f" ({a.budget_hours / n:,.1f} h each{capped})"
    if "current_gain" in t:
        text += " and " + _versus(
            t["gain_over_current"], t["current_gain"], cur, "the current allocation"
        )
        if not math.isclose(t["current_hours"], a.budget_hours, rel_tol=1e-6):
            text += (
                f" (which uses {count(t['current_hours'])} hours, not the "
                f"{count(a.budget_hours)} budgeted; not rescaled)"
            )
    text += "."
    if t["unused_hours"] > 0:
        text += (
            f" {count(t['unused_hours'])} hours are left unused: no account can take more "
            "(all at max_hours or with no value at stake)."
        )
    elif funded:
        text += (
            f" The last hour earns {cur} {a.shadow_price:,.2f} at every funded account "
            "below its cap: more hours pay only if an hour costs less."
        )
    return text
