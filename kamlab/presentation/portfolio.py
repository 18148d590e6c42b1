"""The portfolio for people to read: tables of criteria, key accounts and exit candidates,
the movement between periods and the allocation of hours in sentences, and one Markdown
page per key account.

A page (:func:`account_page`) is built from the portfolio table, the customer P&L, the
past periods (:func:`~kamlab.portfolio.history.portfolio_history`, as a table by
:func:`history_table`, saying which periods' stage and judgement are today's), the buyer's
scorecard and the risks (:func:`~kamlab.portfolio.account_pages.account_risks`). Every
string from the data is escaped (:func:`kamlab.safe.markdown_text`), so an account named
``<script>...`` shows as text.
"""

from __future__ import annotations

import math
import re

import pandas as pd

from kamlab.portfolio.buyer import BUYER_QUESTIONS, HEADING_LABELS
from kamlab.portfolio.criteria import GROUPS, Criteria
from kamlab.portfolio.matrix import STRATEGIES
from kamlab.presentation.format import count, money
from kamlab.safe import markdown_text as md

__all__ = [
    "account_page",
    "criteria_fallbacks",
    "criteria_table",
    "describe_allocation",
    "describe_key_changes",
    "describe_movement",
    "exit_candidates",
    "health_by_tier",
    "history_table",
    "key_accounts",
    "todays_judgement_note",
]


def criteria_fallbacks(notes) -> list[str]:
    """The portfolio notes that change what the scores rest on (a group scored from its
    fallback data measures, factors dropped for lack of data), with code names in words
    ("purchase_frequency" -> "purchase frequency"): what a director must know when the
    accounts file is missing or thin."""
    wanted = ("falls back to", "dropped")
    return [re.sub(r"(?<=\w)_(?=\w)", " ", n) for n in notes if any(w in n for w in wanted)]


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
    """Accounts with an exit recommendation: "exit completely" first, then "exit to a
    lower tier", then "review", each by profit at stake (most negative first), with the
    tier they would go to, their contribution on the lower tiers' service models and
    their reasons."""
    out = table[table["exit_recommendation"] != ""]
    order = {"exit completely": 0, "exit to a lower tier": 1}
    out = out.assign(_order=out["exit_recommendation"].map(order).fillna(2))
    out = out.sort_values(["_order", "profit_at_stake"], kind="stable")
    columns = [
        "account_name",
        "box",
        "tier",
        "revenue",
        "contribution",
        "contribution_lower_tier",
        "contribution_lowest_tier",
        "growth",
        "profit_at_stake",
        "exit_recommendation",
        "exit_to_tier",
        "exit_reasons",
    ]
    return out[[c for c in columns if c in out.columns]]


def _rows_of(history: pd.DataFrame | None, account) -> pd.DataFrame | None:
    """The account's rows of the history (indexed by period), or None: a lookup in the
    index, not a scan of every account's rows for each page."""
    if history is None:
        return None
    try:
        return history.xs(account, level="account_id")
    except KeyError:
        return None


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
        lines.append("| prospect | no purchase yet |")
    own = _rows_of(history, account)
    if own is not None:
        lines += ["", *history_table(own, currency)]
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


_HISTORY = {
    "box": "box",
    "tier": "tier",
    "stage": "stage",
    "health": "health",
    "revenue": "revenue, 12 months",
    "contribution": "contribution, 12 months",
}


def todays_judgement_note(periods) -> str:
    """The sentence a page or a movement text adds for past ``periods`` scored with
    today's accounts file ("" when there are none)."""
    periods = list(periods)
    if not periods:
        return ""
    names = [str(p) for p in periods]
    which = names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"
    return (
        f"Stage and judgement scores of {which} are today's (no accounts file of that time "
        "was given): attractiveness, strength, box and tier there rest on them; only the "
        "figures from the data (revenue, contribution, health) are that period's."
    )


def history_table(past: pd.DataFrame, currency: str = "GBP") -> list[str]:
    """One account's past periods (its rows of
    :func:`~kamlab.portfolio.history.portfolio_history`, by period) as Markdown lines: a
    table of box, tier, stage, health, revenue and contribution, the stage of a period
    scored with today's accounts file marked \\*, and :func:`todays_judgement_note`."""
    columns = [c for c in _HISTORY if c in past.columns]
    as_of = past.get("accounts_as_of", pd.Series("", index=past.index))
    today = [p for p, a in zip(past.index, as_of, strict=True) if a == "today's"]
    money_columns = {"revenue", "contribution"}
    lines = [
        "**By period** (each period's portfolio, from the data to its end):",
        "",
        "| period | " + " | ".join(_HISTORY[c] for c in columns) + " |",
        "|---|" + "".join("---:|" if c in money_columns else "---|" for c in columns),
    ]
    for period, row in past.iterrows():
        cells = []
        for c in columns:
            v = row[c]
            if pd.isna(v):
                cells.append("unknown" if c == "stage" else "")
            elif c in money_columns:
                cells.append(money(v, currency))
            else:
                cells.append(md(v))
            if c == "stage" and period in today:
                cells[-1] += "\\*"
        lines.append(f"| {md(period)} | " + " | ".join(cells) + " |")
    if today:
        lines += ["", "\\* " + todays_judgement_note(today)]
    return lines


def describe_movement(movement) -> str:
    """A :class:`~kamlab.portfolio.movement.Movement` in a sentence: how many accounts in
    both periods changed box, became key and stopped being key; and, when the earlier
    period was scored with today's accounts file, that its stage and judgement are today's
    (so the moves come from the data alone)."""
    stayed = len(movement.movers)
    changed = int((movement.movers["box_before"] != movement.movers["box_after"]).sum())
    text = (
        f"{changed:,} of {stayed:,} accounts in both periods changed box; "
        f"{len(movement.new_key):,} became key accounts and {len(movement.lost_key):,} stopped "
        "being key."
    )
    if getattr(movement, "accounts_as_of", None) == "today's":
        text += (
            " The previous period is scored with today's accounts file (no previous accounts "
            "file given): its stages and judgement scores are today's, so these moves come "
            "from the data alone."
        )
    return text


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
    """An :class:`~kamlab.portfolio.allocate.Allocation` of account-manager hours in plain
    English, with the numbers and their units: the split and its gain, how the value at
    stake is made up (when the plan says), and with an hour cost what the hours cost, the
    net gain, whether the last hour pays, the optimal budget and today's hours."""
    a = allocation
    t, cur, n = a.totals, a.currency, len(a.table)
    funded = int((a.table["hours"] > 0).sum())
    yearly = bool(a.basis)
    per = " a year" if yearly else ""
    if a.budget_hours == 0 and t.get("optimal_budget_hours") == 0:  # not one hour pays
        first = a.table["marginal_gain_per_hour"].max() if n else 0.0
        text = (
            f"No account-manager hour pays for itself here, so the plan gives none to the "
            f"{n:,} accounts considered: at {cur} {a.hour_cost:,.2f} an hour (the loaded "
            f"rate), the first hour at the account with most at stake would earn {cur} "
            f"{first:,.2f}."
        )
        return text + (" " + _value_at_stake_basis(a) if yearly else "")
    text = (
        f"Allocating {count(a.hours_used)} of {count(a.budget_hours)} account-manager "
        f"hours{per} to {funded:,} of {n:,} accounts is expected to add "
        f"{money(t['optimal_gain'], cur)} of profit"
        + (f" over the next {a.basis['horizon_months']:g} months" if yearly else "")
        + ", "
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
    if yearly:
        text += " " + _value_at_stake_basis(a)
    if a.hour_cost is not None:
        text += (
            f" At {cur} {a.hour_cost:,.2f} an hour (the loaded rate), the "
            f"{count(a.hours_used)} hours cost {money(t['hours_cost'], cur)}: "
            + (
                f"a net gain of {money(t['net_gain'], cur)}"
                if t["net_gain"] >= 0
                else f"a net loss of {money(-t['net_gain'], cur)}"
            )
            + " (gain minus the cost of the hours)."
        )
    if t["unused_hours"] > 0:
        text += (
            f" {count(t['unused_hours'])} hours are left unused: no account can take more "
            "(all at max_hours or with no value at stake)."
        )
    elif funded:
        text += (
            f" The last hour earns {cur} {a.shadow_price:,.2f} at every funded account "
            "below its cap" + _last_hour(a)
        )
    if a.hour_cost is not None:
        text += " " + _optimum(a)
    return text


def _last_hour(a) -> str:
    """The end of the last-hour sentence: whether the last hour pays for itself."""
    if a.hour_cost is None:
        return ": more hours pay only if an hour costs less."
    cost = f"{a.currency} {a.hour_cost:,.2f}"
    if math.isclose(a.shadow_price, a.hour_cost, rel_tol=0.005):
        return f", what it costs ({cost}): this budget is the optimum."
    if a.shadow_price < a.hour_cost:
        return (
            f", less than the {cost} it costs: the budget is beyond the optimum, and its "
            "last hours lose money at the margin."
        )
    return f", more than the {cost} it costs: more hours would pay, up to the optimum."


def _optimum(a) -> str:
    """The optimal budget and today's hours, each with gain, cost and net gain."""
    t, cur = a.totals, a.currency
    per = " a year" if a.basis else ""
    accounts = int((a.table["optimal_budget_hours"] > 0).sum())
    if not t["optimal_budget_hours"] > 0:  # not "0 hours ... net gain GBP 0"
        text = (
            f"No hour earns its cost at {cur} {a.hour_cost:,.2f} an hour: the best budget is "
            "none, as the value at stake is too small to pay for account-manager time."
        )
    else:
        text = (
            f"The budget at which the last hour earns its cost is "
            f"{count(t['optimal_budget_hours'])} hours{per} ({accounts:,} accounts funded): "
            f"gain {money(t['optimal_budget_gain'], cur)}, cost "
            f"{money(t['optimal_budget_cost'], cur)}, net gain "
            f"{money(t['optimal_budget_net_gain'], cur)}."
        )
    if "current_net_gain" in t:
        text += (
            f" Today's {count(t['current_hours'])} hours gain "
            f"{money(t['current_gain'], cur)} and cost {money(t['current_cost'], cur)}: net "
            f"gain {money(t['current_net_gain'], cur)}."
        )
    return text


def _value_at_stake_basis(a) -> str:
    """How the value at stake was made up: retention part + growth part, a year."""
    b, cur, table = a.basis, a.currency, a.table

    def total(column: str) -> str:
        return f" ({money(table[column].sum(), cur)} in all)" if column in table else ""

    retention = (
        f"the retention part, the profit over the next {b['horizon_months']:g} months if "
        f"retention rises {b['retention_points']:g} points{total('retention_at_stake')}"
    )
    head = "Value at stake is what a year of full attention could add to an account's profit: "
    if not b.get("potential"):
        return (
            head
            + retention.replace("the retention part,", "the retention part only,", 1)
            + "; the portfolio has no potential, so there is no growth part."
        )
    return (
        head
        + retention
        + f", plus the growth part, {b['growth_capture']:.0%} of its potential, the annual "
        "margin headroom, weighted by the chance it is still buying (P(alive))"
        f"{total('growth_at_stake')}."
    )
