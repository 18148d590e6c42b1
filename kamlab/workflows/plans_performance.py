"""What the report's "Plans, relationships, global accounts and KAM performance" section
(notebook 06) computes from a period's run, each part None with the reason when the
inputs cannot give it (no ``parent_id``, no ``kam_hours``, too short a history)::

    run = period_run(..., plans_path="plans/", contacts_path="contacts.csv")
    view, why = global_accounts_view(run)       # None, "..." without parent_id
    kpis, result, why = performance_view(run)   # None, None, "..." on a short history
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from kamlab.errors import InputError
from kamlab.portfolio.global_accounts import country_comparison, country_spreads
from kamlab.workflows.global_accounts import rolled_up
from kamlab.workflows.performance import kam_performance

__all__ = ["GlobalAccountsView", "global_accounts_view", "performance_view"]

ROLLED_COLUMNS = (
    "account_name",
    "entities",
    "countries",
    "revenue",
    "contribution",
    "box",
    "tier",
)
"""Columns of :attr:`GlobalAccountsView.table`."""


@dataclass
class GlobalAccountsView:
    """The global accounts of a run (accounts with a ``parent_id``)."""

    table: pd.DataFrame
    """One row per global account with two or more entities, from the portfolio rolled up
    to global accounts (:func:`~kamlab.workflows.global_accounts.rolled_up`; scores, box
    and tier recomputed on the roll-up): :data:`ROLLED_COLUMNS`, largest revenue first,
    indexed by the global id."""
    comparison: pd.DataFrame
    """The entities side by side by country
    (:func:`~kamlab.portfolio.global_accounts.country_comparison`)."""
    spreads: pd.DataFrame
    """Per global account, each measure's spread across its countries
    (:func:`~kamlab.portfolio.global_accounts.country_spreads`), in the table's order."""
    largest: list[str]
    """The global ids of the largest compared global accounts by rolled-up revenue."""


def _has_parents(run) -> bool:
    accounts = getattr(run.accounts, "data", run.accounts)
    return (
        accounts is not None
        and "parent_id" in accounts.columns
        and bool(accounts["parent_id"].notna().any())
    )


def global_accounts_view(run, *, largest: int = 3) -> tuple[GlobalAccountsView | None, str]:
    """``(view, "")`` for ``run``'s global accounts, or ``(None, why)`` when the accounts
    file names no parent (``parent_id``) or no global account has two entities buying in
    the 12 months. ``largest``: how many global accounts :attr:`GlobalAccountsView.largest`
    names (the largest by revenue among those compared country by country)."""
    if run.accounts is None:
        return None, "there is no accounts file, whose parent_id names each entity's global account"
    if not _has_parents(run):
        return None, "the accounts file has no parent_id naming the global account of an entity"
    table = _global_accounts_table(rolled_up(run))  # the roll-up goes before what follows
    end = table.attrs["until"]  # the run's end, without loading its portfolio
    comparison = country_comparison(run.transactions, run.accounts, until=end, rates=run.rates)
    if table.empty or comparison.empty:
        return None, "no global account has two or more entities buying in the 12 months"
    spreads = country_spreads(comparison)
    order = [g for g in table.index if g in spreads.index]  # largest first, as the table
    spreads = spreads.loc[order + [g for g in spreads.index if g not in order]]
    return GlobalAccountsView(table, comparison, spreads, order[:largest]), ""


def _global_accounts_table(rolled) -> pd.DataFrame:
    """:attr:`GlobalAccountsView.table` from the run rolled up to global accounts."""
    accounts = getattr(rolled.accounts, "data", rolled.accounts)
    entities = accounts["entities"] if "entities" in accounts else pd.Series(dtype="int64")
    table = rolled.portfolio.table_.copy()
    table["entities"] = entities.reindex(table.index).fillna(1).astype("int64")
    table["countries"] = accounts.get("countries", pd.Series(dtype="object")).reindex(table.index)
    table = table[table["entities"] > 1]
    table = table.sort_values("revenue", ascending=False, kind="stable")
    return table[[c for c in ROLLED_COLUMNS if c in table.columns]]


def performance_view(run, **options) -> tuple[pd.DataFrame | None, object | None, str]:
    """``(kpis, result, "")``: :func:`~kamlab.workflows.performance.kam_performance` of
    ``run`` (``options`` passed on), or ``(None, None, why)`` when it cannot be computed:
    no accounts file, no ``kam_hours`` in it, or data that do not reach back two years.
    A result whose ``refused`` is set (no key or no non-key account to compare) is
    returned as it is."""
    accounts = getattr(run.accounts, "data", run.accounts)
    if accounts is None:
        return None, None, "there is no accounts file, so no account is known to be key"
    if "kam_hours" not in accounts.columns:
        return None, None, "the accounts file has no kam_hours, so no account is known to be key"
    try:
        kpis, result = kam_performance(run, **options)
    except InputError as error:  # the data do not cover the two years compared
        return None, None, str(error)
    return kpis, result, ""
