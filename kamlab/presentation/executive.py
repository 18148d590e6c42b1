"""The executive summary: the portfolio's headline numbers, this period against the last."""

from __future__ import annotations

import pandas as pd

from kamlab.portfolio.criteria import BOXES
from kamlab.presentation.format import count, money, percent

__all__ = ["declining_sentence", "headline_table", "key_accounts_at_risk", "plan_sentence"]


def _headline(table: pd.DataFrame) -> dict[str, float]:
    key = table["tier"].astype("object") == "key"
    revenue, contribution = table["revenue"].sum(), table["contribution"].sum()
    prospect = (
        table["prospect"].fillna(False).astype(bool)
        if "prospect" in table
        else pd.Series(False, index=table.index)
    )
    out = {
        "Accounts (bought in the last 12 months)": int((~prospect).sum()),
        "Prospects (in the accounts file, never bought)": int(prospect.sum()),
        "Net revenue, last 12 months": revenue,
        "Contribution after cost to serve, last 12 months": contribution,
        "Key accounts": int(key.sum()),
        "Key accounts' share of revenue": table.loc[key, "revenue"].sum() / revenue,
        "Key accounts' share of contribution": table.loc[key, "contribution"].sum() / contribution
        if contribution
        else float("nan"),
    }
    for box in BOXES:
        out[f"{box} accounts"] = int((table["box"].astype("object") == box).sum())
    exits = ("exit completely", "exit to a lower tier")  # not "review"
    out["Exit proposals"] = int(table["exit_recommendation"].isin(exits).sum())
    return out


def _row_kind(name: str) -> str:
    """How a headline row reads: a share, money or a count."""
    name = name.lower()
    if "share" in name:
        return "share"
    return "money" if "revenue" in name or "contribution" in name else "count"


def headline_table(
    table: pd.DataFrame, previous: pd.DataFrame | None = None, *, formatted: bool = False
) -> pd.DataFrame:
    """One row per headline number (``Portfolio.table_``): ``this period`` and, given the
    previous period's table, ``previous period`` and ``change`` (not for a previous table
    marked ``attrs["no_transactions"]``: a history too short to have one); ``rounded``: shares to
    3 decimals, everything else to whole units. ``attrs["row_kinds"]`` says how each row
    reads (share, money or count) for :func:`kamlab.presentation.tables.for_reader` and
    the workbook."""
    out = pd.DataFrame({"this period": pd.Series(_headline(table))}, dtype="float64")
    if previous is not None and not previous.attrs.get("no_transactions"):  # short history
        out["previous period"] = pd.Series(_headline(previous), dtype="float64")
        out["change"] = out["this period"] - out["previous period"]
    out.index.name = "headline"
    out.attrs["row_kinds"] = {name: _row_kind(name) for name in out.index}
    if formatted:
        share = out.index.str.lower().str.contains("share")
        for column in out.columns:
            sign = column == "change"
            out[column] = [
                "" if pd.isna(v) else percent(v, 1, sign=sign) if is_share else count(v, sign=sign)
                for v, is_share in zip(out[column], share, strict=True)
            ]
    return out


def declining_sentence(table: pd.DataFrame, *, previous_accounts_given: bool) -> str:
    """One sentence on the relationships declining since the previous period's accounts
    file (``Portfolio.table_``'s ``declining``), naming the key accounts among them."""
    if not previous_accounts_given:
        return "Declining relationships cannot be seen without the previous period's accounts file."
    declining = table[table["declining"].astype(bool)]
    key = declining[declining["tier"].astype("object") == "key"]
    names = key["account_name"] if "account_name" in key.columns else key.index.to_series()
    sentence = f"{len(declining)} relationships declining since the previous accounts file"
    if key.empty:
        return sentence + "; no key account among them."
    return sentence + f"; key accounts among them: {', '.join(names.astype(str))}."


_AT_RISK = [
    "account_name",
    "tier",
    "health",
    "health_action",
    "last_purchase",
    "days_since_last_purchase",
    "typical_gap_days",
    "probability_alive",
    "expected_purchases_next_quarter",
    "revenue",
    "health_reason",
]


def key_accounts_at_risk(table: pd.DataFrame) -> pd.DataFrame:
    """The key accounts whose health is not ``active`` (``Portfolio.table_``): lapsing key
    accounts (to call) and likely-lost accounts moved out of key (to win back or let
    go), likely lost first, then by revenue; ``last_purchase`` as YYYY-MM-DD. Empty when
    the table has no health."""
    if "health_action" not in table:
        return pd.DataFrame(columns=_AT_RISK)
    risky = table[table["health_action"] != ""]
    risky = risky.assign(_lost=(risky["health"].astype("object") != "likely lost").astype(int))
    risky = risky.sort_values(["_lost", "revenue"], ascending=[True, False], kind="stable")
    out = risky[[c for c in _AT_RISK if c in risky.columns]].copy()
    if "last_purchase" in out:  # a day, not a timestamp
        out["last_purchase"] = pd.to_datetime(out["last_purchase"]).dt.strftime("%Y-%m-%d")
    return out


def plan_sentence(allocation) -> str:
    """The account-manager hours plan (:class:`~kamlab.portfolio.allocate.Allocation`) in
    one sentence for the executive summary: hours, accounts funded, the profit it adds
    and, when today's hours are known, how much more than today's allocation;
    :func:`kamlab.presentation.portfolio.describe_allocation` says it in full."""
    a, t = allocation, allocation.totals
    funded = int((a.table["hours"] > 0).sum())
    per = " a year" if a.basis else ""
    if a.budget_hours == 0 and t.get("optimal_budget_hours") == 0:  # not one hour pays
        return (
            f"Hours: no account-manager hour pays for itself at {money(a.hour_cost, a.currency)} "
            f"an hour, so the plan gives none: better retention and growth could add at most "
            f"{money(a.table['value_at_stake'].sum(), a.currency)}{per} across the "
            f"{len(a.table):,} accounts considered."
        )
    text = (
        f"Hours: the plan gives {count(a.hours_used)} account-manager hours{per} to "
        f"{funded:,} of {len(a.table):,} accounts and is expected to add "
        f"{money(t['optimal_gain'], a.currency)} of profit"
    )
    if "current_gain" in t:
        diff = t["gain_over_current"]
        more = "more" if diff >= 0 else "less"
        text += f", {money(abs(diff), a.currency)} {more} than today's allocation"
    if "net_gain" in t and "optimal_budget_hours" in t:
        if t["optimal_budget_hours"] > 0:
            text += (
                f"; after the hours' cost, {money(t['net_gain'], a.currency)}. The last hour "
                f"pays for itself up to {count(t['optimal_budget_hours'])} hours{per}"
            )
        else:  # not one hour earns its cost: say so, not "up to 0 hours"
            text += (
                f". No hour pays for itself at {money(t['hour_cost'], a.currency)} an hour: "
                f"the {count(a.hours_used)} hours would lose "
                f"{money(-t['net_gain'], a.currency)}{per} after their cost"
            )
    return text + "."
