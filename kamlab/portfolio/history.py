"""The portfolio at the end of each of the last few periods: box, tier and stage history.

Each period's portfolio is rebuilt from the data up to that period's end (the measures
move with the data; judgement scores and stage indicators come from the accounts table
given, usually today's, so they are held constant unless earlier tables are passed).
"""

from __future__ import annotations

import pandas as pd

from kamlab.periods import parse_period
from kamlab.portfolio.portfolio import build_portfolio

__all__ = ["HISTORY_COLUMNS", "period_ends", "portfolio_history"]

HISTORY_COLUMNS = (
    "attractiveness",
    "strength",
    "box",
    "tier",
    "stage",
    "revenue",
    "contribution",
    "health",
)


def period_ends(period: str, count: int) -> list[tuple[str, str]]:
    """``(label, last day)`` of ``period`` and the ``count - 1`` periods before it, oldest
    first: ``period_ends("2026Q3", 3)`` -> 2026Q1, 2026Q2, 2026Q3."""
    when = parse_period(period)
    out = []
    for _ in range(count):
        out.append((when.label, str(when.end.date())))
        when = when.previous()
    return out[::-1]


def portfolio_history(
    transactions,
    accounts=None,
    *,
    period: str,
    count: int = 4,
    criteria=None,
    rates=None,
    health_value=None,
) -> pd.DataFrame:
    """Long table ``account_id, period`` x :data:`HISTORY_COLUMNS` for the ``count``
    periods ending with ``period`` (accounts appear in the periods they were in the
    portfolio, i.e. bought in the 12 months to its end). ``health_value``: the run's
    ``CustomerValue``, whose purchase model gives each period's account health (and so
    the key tier's guard); without it health rests on recency."""
    frames = []
    for label, end in period_ends(period, count):
        table = build_portfolio(
            transactions,
            accounts,
            until=end,
            criteria=criteria,
            rates=rates,
            health_value=health_value,
        ).table_
        part = table[[c for c in HISTORY_COLUMNS if c in table.columns]].copy()
        for column in ("box", "tier", "stage", "health"):
            if column in part:
                part[column] = part[column].astype("object")
        frames.append(part.assign(period=label).reset_index())
    return pd.concat(frames, ignore_index=True).set_index(["account_id", "period"])
