"""KAM performance of a period's run: the KPIs and the programme's return in one call.

What the report's "KAM performance and programme return" section starts from::

    run = period_run(transactions_path, accounts_path, previous_accounts_path, period="2026Q3")
    kpis, result = kam_performance(run)
    describe_programme_return(result)     # kamlab.presentation.performance
"""

from __future__ import annotations

__all__ = ["kam_performance"]


def kam_performance(
    run,
    *,
    hour_cost: float | None = None,
    neighbours: int = 3,
    caliper: float = 0.5,
    draws: int = 2000,
    seed: int = 0,
):
    """``(kpis, result)`` for ``run`` (a :class:`~kamlab.workflows.period.PeriodRun`): the
    per-account KPIs of the 12 months to the run's end against the 12 months before
    (:func:`~kamlab.portfolio.performance.account_kpis`, with the run's accounts, previous
    accounts and cost rates) and the programme's return
    (:func:`~kamlab.portfolio.performance.programme_return`), each hour at ``hour_cost``
    (default: the run's cost rates, :func:`~kamlab.portfolio.planning.loaded_hour_cost`).
    Computed once per run and parameters (about a second: two P&Ls in the engine)."""
    from kamlab.portfolio.performance import account_kpis, programme_return
    from kamlab.portfolio.planning import loaded_hour_cost

    cost = loaded_hour_cost(run.rates, hour_cost)

    def compute():
        kpis = account_kpis(
            run.transactions, run.accounts, run.previous_accounts, until=run.until, rates=run.rates
        )
        result = programme_return(
            kpis, hour_cost=cost, neighbours=neighbours, caliper=caliper, draws=draws, seed=seed
        )
        return kpis, result

    return run._memo(
        "kam_performance", (run.until, cost, neighbours, caliper, draws, seed), compute
    )
