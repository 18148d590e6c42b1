"""The hours plan from data: value at stake per account, today's hours, the budget.

The steps of ``kamlab allocate`` and of the portfolio notebook's allocation section:
fit the value model (Pareto/NBD, else BG/NBD, with Gamma-Gamma:
:func:`kamlab.workflows.value.fit_uplift_model`), take each chosen
account's retention-driven uplift as its value at stake
(:func:`~kamlab.portfolio.allocate.value_at_stake`), read today's hours from the accounts
table's ``kam_hours`` and solve :func:`~kamlab.portfolio.allocate.allocate_hours`.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from kamlab.errors import ConfigError
from kamlab.io import accounts_by_id
from kamlab.portfolio.allocate import Allocation, allocate_hours, value_at_stake

__all__ = ["KAM_TIERS", "plan_hours"]

KAM_TIERS = ("key", "key development")
"""The tiers that get account-manager hours by default."""


def plan_hours(
    transactions,
    accounts,
    table: pd.DataFrame,
    *,
    until=None,
    budget_hours: float | None = None,
    tiers: Sequence[str] = KAM_TIERS,
    saturation_hours: float = 40.0,
    retention_points: float = 5.0,
    hours_column: str = "kam_hours",
    default_hours_per_account: float = 20.0,
    rates=None,
) -> tuple[Allocation, list[str]]:
    """Allocate ``budget_hours`` across the accounts of ``table`` (``Portfolio.table_``) in
    ``tiers``; with no budget, today's hours of those accounts in total (so the plan moves
    today's hours), or ``default_hours_per_account`` each when the accounts table has no
    ``hours_column`` (said in the notes). Returns the allocation and notes."""
    from kamlab.workflows.value import fit_uplift_model

    unknown = [t for t in tiers if t not in table["tier"].cat.categories]
    if unknown:
        raise ConfigError(
            f"unknown tier {unknown[0]!r}; tiers: {', '.join(table['tier'].cat.categories)}"
        )
    chosen = table.index[table["tier"].astype("object").isin(list(tiers))]
    _, run, _, note = fit_uplift_model(transactions, accounts, until=until, rates=rates)
    stake = value_at_stake(run.value, points=retention_points).reindex(chosen, fill_value=0.0)
    acc = accounts_by_id(accounts)
    current = None
    if acc is not None and hours_column in acc.columns:
        current = pd.to_numeric(acc[hours_column], errors="coerce").reindex(chosen).fillna(0.0)
    notes = [note, *run.notes]
    if budget_hours is None and current is not None:
        budget_hours = float(current.sum())
    elif budget_hours is None:
        budget_hours = default_hours_per_account * len(chosen)
        notes.append(
            f"no hours budget given and no {hours_column} in the accounts: "
            f"{default_hours_per_account:g} hours per account assumed"
        )
    plan = allocate_hours(
        stake,
        budget_hours,
        saturation_hours=saturation_hours,
        current_hours=current,
        currency=run.pnl.attrs["currency"],
    )
    return plan, notes
