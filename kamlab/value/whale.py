"""The whale curve: cumulative profit of accounts ranked from most to least profitable.

With contributions sorted descending, ``c_1 >= c_2 >= ... >= c_n`` and total
``P = sum c_i``, the curve joins ``(0, 0)`` and ``(k / n, sum_{i<=k} c_i / P)``. It
rises above 100% while accounts add profit, peaks where contributions turn negative
(the peak is the profit of the profitable accounts alone) and falls back to 100% as
the value-destroying tail gives some of it away: a whale's back.

Cooper & Kaplan (1991, "Profit priorities from activity-based costing", *Harvard
Business Review* 69(3)) reported that the most profitable 20% of customers earned
225% of total profit in the case they described, and that 150-300% is typical.
Kaplan & Narayanan (2001, "Measuring and managing customer profitability", *Journal
of Cost Management* 15(5)) give the usual shape, the top 20% earning 150-300%, the
middle 70% about breaking even and the bottom 10% losing 50-200%, and the remedies
for the tail: process improvement, activity-based pricing, relationship management.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from kamlab.errors import InputError

__all__ = ["whale_curve", "whale_summary"]

_ZERO = 1e-9
"""Total profit within this fraction of the gross profit and loss counts as 0."""


def _contributions(data: pd.DataFrame | pd.Series, column: str) -> pd.Series:
    values = data if isinstance(data, pd.Series) else data[column]
    values = values.astype("float64")
    if values.empty:
        raise InputError("no accounts: a whale curve needs at least one account")
    if values.isna().any():
        missing = ", ".join(map(str, values.index[values.isna()][:5]))
        raise InputError(f"{column} is missing for accounts {missing}; fill or drop them first")
    values.index.name = "account_id"
    return values


def _degenerate(total: float, values: pd.Series) -> bool:
    """True when total profit is <= 0 (or 0 up to rounding), so shares of it are undefined."""
    return total <= _ZERO * float(values.abs().sum())


def whale_curve(data: pd.DataFrame | pd.Series, column: str = "contribution") -> pd.DataFrame:
    """Accounts ranked by contribution, most profitable first, with cumulative profit.

    ``data`` is a :func:`~kamlab.value.customer_pnl` frame (or a Series of profit per
    account). One row per account, indexed by ``account_id``: ``rank`` (1 = most
    profitable), ``contribution``, ``cum_accounts_share`` = rank / n, ``cum_profit``
    (currency) and ``cum_profit_share`` = cum_profit / total profit, missing when total
    profit is <= 0 (then there is no "share of total" to speak of; plot ``cum_profit``).
    Ties are broken by account id, so the order is reproducible; the curve's values at
    the ends of a run of ties do not depend on it. ``attrs``: ``total_profit``,
    ``currency``.
    """
    values = _contributions(data, column).sort_index()
    values = values.sort_values(ascending=False, kind="stable")
    n, total = len(values), float(values.sum())
    cum = values.cumsum()
    curve = pd.DataFrame(
        {
            "rank": np.arange(1, n + 1),
            "contribution": values,
            "cum_accounts_share": np.arange(1, n + 1) / n,
            "cum_profit": cum,
            "cum_profit_share": np.nan if _degenerate(total, values) else cum / total,
        },
        index=values.index,
    )
    curve.attrs.update(total_profit=total, currency=data.attrs.get("currency", "GBP"))
    return curve


def whale_summary(data: pd.DataFrame | pd.Series, *, top_fraction: float = 0.2) -> dict:
    """Headline figures of the whale curve.

    ``data``: a :func:`whale_curve`, a P&L frame, or a Series of profit per account.
    Money in the P&L's currency; shares as fractions (1.5 = 150%). Keys:

    - ``accounts`` (n), ``total_profit`` (P), ``profitable`` (P > 0).
    - ``top_fraction`` (0.2), ``top_profit``: cumulative profit of the top
      ``top_fraction`` of accounts, read off the curve (linear between accounts, so
      exactly the top 20% when 0.2 n is whole); ``top_share`` = top_profit / P.
      Cooper & Kaplan (1991): typically 1.5-3.0, reported 2.25.
    - ``peak_profit``: the curve's maximum = the sum of the positive contributions;
      ``peak_share`` = peak_profit / P; ``peak_accounts``: accounts with contribution
      > 0 (the fewest that reach the peak), ``peak_accounts_share`` = that / n.
    - ``destroying_accounts``: accounts with contribution < 0,
      ``destroying_accounts_share`` (of n), ``value_destroyed`` = -(sum of the negative
      contributions) >= 0, ``value_destroyed_share`` = value_destroyed / P.
    - ``peak_given_back`` = value_destroyed / peak_profit: the share of the peak the
      loss-making tail gives back (P = peak_profit x (1 - peak_given_back)), defined
      whenever some account makes a profit, even when P <= 0 (then it is >= 1).
    - ``top_share_of_peak`` = top_profit / peak_profit: how much of what the profitable
      accounts earn together the top ``top_fraction`` earn (how concentrated profit is,
      whatever the tail does).
    - ``note``: why shares are missing (P <= 0) or other caveats; ``""`` otherwise.

    When P <= 0 every share of P is ``nan`` and ``note`` says so: dividing by a total
    near or below zero gives meaningless or sign-flipped percentages.
    """
    if not 0 < top_fraction <= 1:
        raise InputError(f"top_fraction must be in (0, 1], got {top_fraction!r}")
    curve = data if "cum_profit" in getattr(data, "columns", []) else whale_curve(data)
    values = curve["contribution"].astype("float64")
    n, total = len(values), float(values.sum())
    degenerate = _degenerate(total, values)
    x = np.concatenate([[0.0], curve["cum_accounts_share"].to_numpy(dtype="float64")])
    y = np.concatenate([[0.0], curve["cum_profit"].to_numpy(dtype="float64")])
    top_profit = float(np.interp(top_fraction, x, y))
    peak = float(values.clip(lower=0).sum())
    destroyed = float(-values.clip(upper=0).sum())

    def share(amount: float) -> float:
        return math.nan if degenerate else amount / total

    def of_peak(amount: float) -> float:
        return amount / peak if peak > 0 else math.nan

    notes = []
    if degenerate:
        notes.append(
            f"total profit is {total:,.0f} (<= 0): the portfolio as a whole does not make "
            "money, so shares of total profit are undefined; read the money figures"
        )
    if n == 1:
        notes.append("a single account: the curve is one straight segment")
    destroying = int((values < 0).sum())
    positive = int((values > 0).sum())
    return {
        "accounts": n,
        "total_profit": total,
        "profitable": not degenerate,
        "top_fraction": top_fraction,
        "top_profit": top_profit,
        "top_share": share(top_profit),
        "peak_profit": peak,
        "peak_share": share(peak),
        "peak_accounts": positive,
        "peak_accounts_share": positive / n,
        "destroying_accounts": destroying,
        "destroying_accounts_share": destroying / n,
        "value_destroyed": destroyed,
        "value_destroyed_share": share(destroyed),
        "peak_given_back": of_peak(destroyed),
        "top_share_of_peak": of_peak(top_profit),
        "note": "; ".join(notes),
    }
