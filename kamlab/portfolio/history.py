"""The portfolio at the end of each of the last few periods: box, tier and stage history.

Each period's portfolio is rebuilt from the data up to that period's end: the measures
(revenue, contribution, health, ...) move with the data. Judgement scores and stage
indicators come from an accounts table, and only an accounts table *of that time* makes
them history: pass the earlier accounts files as ``snapshots`` (period label -> table).
A past period without one is scored and staged with the accounts table given (today's),
and its ``accounts_as_of`` says so, for the pages to tell the reader.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import pandas as pd

from kamlab.errors import ConfigError
from kamlab.periods import parse_period
from kamlab.portfolio.measures import bought_in_window
from kamlab.portfolio.portfolio import build_portfolio

__all__ = ["ACCOUNTS_AS_OF", "HISTORY_COLUMNS", "period_ends", "portfolio_history"]

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

ACCOUNTS_AS_OF = {
    "current": "the period reported on, with the accounts table given (its own)",
    "snapshot": "a past period with its own accounts table (from snapshots)",
    "today's": "a past period without one: stage and judgement scores are today's",
    "none": "no accounts table at all: no judgement scores, no stages",
}
"""The values of ``accounts_as_of`` in :func:`portfolio_history`, with their meaning."""


def period_ends(period: str, count: int) -> list[tuple[str, str]]:
    """``(label, last day)`` of ``period`` and the ``count - 1`` periods before it, oldest
    first: ``period_ends("2026Q3", 3)`` -> 2026Q1, 2026Q2, 2026Q3."""
    when = parse_period(period)
    out = []
    for _ in range(count):
        out.append((when.label, str(when.end.date())))
        when = when.previous()
    return out[::-1]


def _kind(label: str) -> str:
    return "quarter" if "Q" in label else "month" if "-" in label else "year"


def _snapshots(snapshots: Mapping | None, period: str) -> dict:
    """``snapshots`` keyed by normalised period label ("2026-q2" -> "2026Q2"); a label of
    another kind of period than ``period`` (a month among quarters) is a ConfigError."""
    out = {}
    want = _kind(parse_period(period).label)
    for label, table in (snapshots or {}).items():
        parsed = parse_period(label).label
        if _kind(parsed) != want:
            raise ConfigError(
                f"snapshots: {label!r} is a {_kind(parsed)}, the history's periods are "
                f"{want}s like {period!r}; key each accounts snapshot by its {want}"
            )
        if table is not None:
            out[parsed] = table
    return out


def portfolio_history(
    transactions,
    accounts=None,
    *,
    period: str,
    count: int = 4,
    criteria=None,
    rates=None,
    health_value=None,
    snapshots: Mapping | None = None,
    built: Mapping[str, pd.DataFrame | Callable[[], pd.DataFrame]] | None = None,
) -> pd.DataFrame:
    """Long table ``account_id, period`` x :data:`HISTORY_COLUMNS` and ``accounts_as_of``
    for the ``count`` periods ending with ``period`` (accounts appear in the periods they
    were in the portfolio).

    ``accounts``: the accounts table of ``period`` (today's). ``snapshots``: earlier
    accounts tables by period label (``{"2026Q2": accounts_of_june}``; an
    :class:`~kamlab.io.Accounts` or a frame); a period with one is scored and staged with
    it, the others with ``accounts``. ``accounts_as_of`` (:data:`ACCOUNTS_AS_OF`) is
    ``"current"``, ``"snapshot"``, ``"today's"`` (a past period scored with today's table)
    or ``"none"``. Snapshots of periods outside the history are not used.
    ``health_value``: the run's ``CustomerValue``, whose purchase model gives each
    period's account health (and so the key tier's guard); without it health rests on
    recency. Periods whose 12 months hold no transactions (a short history) are left out;
    the period itself always has a row per account of its portfolio. ``built``: portfolio
    tables already built the same way for some periods (label -> table, e.g. a run's
    current and previous one, or a function giving it, called when that period's turn
    comes: the older periods are built first, without it in memory), used as they are when
    they end on that period's last day (``attrs["until"]``), instead of building them
    again."""
    given = _snapshots(snapshots, period)
    ends = period_ends(period, count)
    frames = []
    for label, end in ends:
        if label != ends[-1][0] and not bought_in_window(transactions, end):
            continue
        if label in given:
            table_of_time, as_of = given[label], "snapshot"
        elif accounts is None:
            table_of_time, as_of = None, "none"
        else:
            table_of_time, as_of = accounts, "current" if label == ends[-1][0] else "today's"
        table = (built or {}).get(label)
        table = table() if callable(table) else table
        if table is None or str(table.attrs.get("until")) != end:
            table = build_portfolio(
                transactions,
                table_of_time,
                until=end,
                criteria=criteria,
                rates=rates,
                health_value=health_value,
            ).table_
        part = table[[c for c in HISTORY_COLUMNS if c in table.columns]].copy()
        for column in ("box", "tier", "stage", "health"):
            if column in part:
                part[column] = part[column].astype("object")
        frames.append(part.assign(period=label, accounts_as_of=as_of).reset_index())
    return pd.concat(frames, ignore_index=True).set_index(["account_id", "period"])
