"""Global accounts for readers: the entities of a global customer side by side by country
(:func:`kamlab.portfolio.global_accounts.country_comparison`) and its summary in words."""

from __future__ import annotations

import pandas as pd

from kamlab.portfolio.global_accounts import (
    COMPARISON_MEASURES,
    MIN_ENTITY_SHARE,
    compared_entities,
)
from kamlab.presentation import format as fmt
from kamlab.presentation.tables import ReaderTable, for_reader

__all__ = [
    "LISTED",
    "country_table",
    "describe_countries",
    "describe_global_account",
    "listed_note",
    "spreads_table",
]

LISTED = 15
"""Global accounts a report's tables list, largest first; the workbook has them all."""

_SHOWN = ("global_name", "account_name", "country", *COMPARISON_MEASURES)
_RANGES = (  # measure, words, how a value reads
    ("price_index", "price index", lambda v: f"{v:.2f}"),
    ("gross_margin_pct", "gross margin", lambda v: fmt.percent(v, 1)),
    ("cost_to_serve_pct", "cost to serve", lambda v: fmt.percent(v, 1)),
)
_SPREAD_LABELS = {
    "revenue_spread": ("Net revenue spread ({currency})", "money"),
    "gross_margin_pct_spread": ("Gross margin spread (% points of revenue)", "share"),
    "cost_to_serve_pct_spread": ("Cost to serve spread (% points of revenue)", "share"),
    "contribution_spread": ("Contribution spread ({currency})", "money"),
    "price_index_spread": ("Price index spread", "number"),
    "orders_spread": ("Orders spread", "count"),
    "average_order_value_spread": ("Average order value spread ({currency})", "money"),
}


def country_table(comparison: pd.DataFrame, *, global_id: str | None = None) -> ReaderTable:
    """The entities side by side, labelled and formatted (one global account's when
    ``global_id`` is given)."""
    rows = comparison if global_id is None else comparison[comparison["global_id"] == global_id]
    currency = comparison.attrs.get("currency", "GBP")
    title = "Global accounts by country"
    if global_id is not None and len(rows):
        title = f"{rows['global_name'].iloc[0]}: entities by country"
    return for_reader(rows, columns=list(_SHOWN), currency=currency, index=False, title=title)


def listed_note(shown: int, total: int) -> str:
    """Under a table of the largest global accounts: how many of how many it lists (empty
    when it lists them all): "The 15 largest of 1,204 global accounts; the workbook lists
    them all." """
    if shown >= total:
        return ""
    return (
        f"The {shown:,} largest of {total:,} global accounts by net revenue; the workbook "
        "lists them all."
    )


def spreads_table(spreads: pd.DataFrame, *, currency: str = "GBP") -> ReaderTable:
    """Per global account, the spread (max - min) of each measure across its countries."""
    labels = {c: text.format(currency=currency) for c, (text, _) in _SPREAD_LABELS.items()}
    kinds = {c: kind for c, (_, kind) in _SPREAD_LABELS.items()}
    return for_reader(
        spreads,
        currency=currency,
        labels=labels,
        kinds=kinds,
        title="Differences between countries (max - min)",
    )


def describe_countries(
    comparison: pd.DataFrame, spreads: pd.DataFrame, *, among: int = LISTED
) -> str:
    """A few lines: the global accounts and entities compared, and the largest spreads in
    price index, gross margin and cost to serve, naming the customer and the countries:
    among the ``among`` largest global accounts by net revenue (the ones a report lists;
    among thousands the widest spread is a customer that barely buys)."""
    if comparison.empty:
        return "no global account with two or more entities buying in the window"
    window = f"{comparison.attrs.get('start')} to {comparison.attrs.get('until')}"
    countries = comparison["country"].nunique()
    lines = [
        f"{len(spreads):,} global accounts compared, {len(comparison):,} entities in "
        f"{countries:,} countries ({window})"
    ]
    compared = comparison[compared_entities(comparison)]
    if len(compared) < len(comparison):
        lines.append(
            "price index, gross margin and cost to serve: compared across the entities with "
            f"at least {fmt.percent(MIN_ENTITY_SHARE, 0)} of their customer's net revenue "
            f"({_entities(len(comparison) - len(compared))} not compared)"
        )
    revenue = comparison.groupby("global_id")["revenue"].sum()
    scope = f" among the {among:,} largest" if len(revenue) > among else ""
    largest = revenue.nlargest(among).index
    for measure, words, shown in _RANGES:
        spread = spreads.loc[spreads.index.isin(largest), f"{measure}_spread"].dropna()
        if spread.empty:
            lines.append(f"largest {words} spread{scope}: n/a")
            continue
        if measure == "price_index" and spread.max() < 0.005:
            lines.append(
                f"price index{scope}: every entity pays within 0.5% of its customer's average "
                "price for the products they share"
            )
            continue
        top = spread.idxmax()
        rows = compared[compared["global_id"] == top].dropna(subset=[measure])
        low, high = rows.loc[rows[measure].idxmin()], rows.loc[rows[measure].idxmax()]
        lines.append(
            f"largest {words} spread{scope}: {spreads.at[top, 'global_name']} ({top}), "
            f"{shown(low[measure])} in {low['country']} to {shown(high[measure])} in "
            f"{high['country']}"
        )
    return "\n".join(lines)


def _entities(n: int) -> str:
    return f"{n:,} smaller entit{'y' if n == 1 else 'ies'}"


def describe_global_account(comparison: pd.DataFrame, global_id: str) -> str:
    """One global account's countries in a short Markdown paragraph: its entities and
    countries, net revenue and contribution in total, and where price, gross margin and
    cost to serve are lowest and highest (for a key account page)."""
    rows = comparison[comparison["global_id"] == global_id]
    if rows.empty:
        return f"{global_id}: no two entities bought in the window; nothing to compare."
    compared = rows[compared_entities(rows)]
    currency = comparison.attrs.get("currency", "GBP")
    name = rows["global_name"].iloc[0]
    parts = [
        f"**{name}** buys through {len(rows)} entities in "
        f"{', '.join(dict.fromkeys(rows['country'].astype(str)))}: net revenue "
        f"{fmt.money(rows['revenue'].sum(), currency)}, contribution "
        f"{fmt.money(rows['contribution'].sum(), currency)}."
    ]
    for measure, words, shown in _RANGES:
        values = compared.dropna(subset=[measure])
        if len(values) < 2:
            continue
        low, high = values.loc[values[measure].idxmin()], values.loc[values[measure].idxmax()]
        if measure == "price_index" and high[measure] - low[measure] < 0.005:
            parts.append("Every entity pays within 0.5% of the customer's average prices.")
            continue
        parts.append(
            f"{words.capitalize()}: {shown(low[measure])} in {low['country']} to "
            f"{shown(high[measure])} in {high['country']}."
        )
    return " ".join(parts)
