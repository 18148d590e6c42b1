"""A period's run rolled up to global accounts: every step of :class:`PeriodRun` (the
portfolio, the previous period's, the value models) on one row per global account.

    run = period_run("transactions.csv", "accounts.csv", period="2026Q3")
    rolled = rolled_up(run)
    rolled.portfolio.table_          # one row per global account, scores recomputed
"""

from __future__ import annotations

import dataclasses

from kamlab.portfolio.global_accounts import roll_up_with_previous
from kamlab.workflows.period import PeriodRun

__all__ = ["rolled_up"]


def rolled_up(run: PeriodRun) -> PeriodRun:
    """``run`` with its lines relabelled to their global accounts and its accounts tables
    (today's and the previous one, with today's parents and weights) rolled up
    (:func:`kamlab.portfolio.global_accounts.roll_up_with_previous`: the weights and the
    account drivers' years are those of the 12 months to the run's end). Its results are
    kept apart from the entity-level run's (its reading options carry ``roll_up``). Its
    account health and value use ``run``'s purchase and spend models as fitted on the
    entities (:attr:`PeriodRun.fitted`): refitting them on global accounts would give
    almost the same parameters, most accounts being alone in their global account, and
    takes minutes at 100k accounts. An accounts file without ``parent_id`` is an
    :class:`~kamlab.errors.InputError`."""
    tx, accounts, previous = roll_up_with_previous(
        run.transactions, run.accounts, run.previous_accounts, until=run.until, rates=run.rates
    )
    sources = run.sources
    if sources:
        paths, columns, options = sources
        sources = (paths, columns, {**options, "roll_up": True})
    return dataclasses.replace(
        run,
        transactions=tx,
        accounts=accounts,
        previous_accounts=previous,
        sources=sources,
        fitted=run,
    )
