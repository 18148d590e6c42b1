"""The key-account watch list: which valuable accounts may be slipping away.

From a :class:`~kamlab.value.clv.CustomerValue`, per account:

- ``probability_alive`` P: the model's chance that the account is still active (for
  contracts: the chance that it renews at the next period);
- ``value_if_alive`` = CLV / P: its expected value were it certainly active (every term of
  the CLV is proportional to P);
- ``value_at_risk`` = (1 - P) x ``value_if_alive``: the value its uncertain status costs in
  expectation, what winning it back (or confirming it) is worth;
- ``value_lost_if_churns`` = CLV: what the portfolio loses if it churns now;
- ``status``: ``active`` (P >= 0.8), ``at risk`` (0.2 <= P < 0.8), ``likely lost`` (P < 0.2),
  thresholds configurable (:data:`WATCH_BANDS`; the lower one is the health rule's
  ``likely_lost.p_alive_below`` in ``criteria.yaml``).

Ranked by ``value_at_risk`` (or another column), largest first.

:func:`watch_lists` splits it into the two lists to act on: **at risk** (a call can still
save: P in the middle band) and **likely lost** (a win-back: P below it), each holding
only accounts with a positive value at risk (an account with a negative CLV costs more
to serve than it brings; losing it is no loss) and ranked by value at risk in money.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from kamlab.errors import ConfigError
from kamlab.value.clv import CustomerValue

__all__ = ["WATCH_BANDS", "WATCH_COLUMNS", "WatchLists", "watch_list", "watch_lists"]

WATCH_BANDS = (0.2, 0.8)
"""P(alive) thresholds: below the first ``likely lost``, from the second ``active``, between
them ``at risk``."""

WATCH_COLUMNS = {
    "rank": "1 = most value at risk",
    "status": "active / at risk / likely lost, from probability_alive (WATCH_BANDS)",
    "probability_alive": "P(still active) (contracts: P(renews at the next period))",
    "clv": "expected discounted value (kamlab.value.clv)",
    "value_if_alive": "clv / probability_alive",
    "value_at_risk": "(1 - probability_alive) x value_if_alive",
    "value_lost_if_churns": "clv",
    "time_since_last_purchase": "T - recency, in the summary's time unit (non-contractual)",
}


def watch_list(
    value: CustomerValue,
    *,
    top: int | None = None,
    sort_by: str = "value_at_risk",
    bands: tuple[float, float] = WATCH_BANDS,
) -> pd.DataFrame:
    """Accounts ranked by value at risk (columns in :data:`WATCH_COLUMNS`).

    ``top``: keep the first ``top`` rows; ``bands``: the P(alive) thresholds between
    ``likely lost``, ``at risk`` and ``active``.
    """
    lo, hi = _checked(bands, "bands")
    table = value.table
    if value.kind == "contractual":
        p = table["retention"].to_numpy()
    else:
        p = table["probability_alive"].to_numpy()
    clv = table["clv"].to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        if_alive = np.where(p > 0, clv / p, np.nan)
    out = pd.DataFrame(
        {
            "status": np.where(p >= hi, "active", np.where(p >= lo, "at risk", "likely lost")),
            "probability_alive": p,
            "clv": clv,
            "value_if_alive": if_alive,
            "value_at_risk": (1 - p) * if_alive,
            "value_lost_if_churns": clv,
        },
        index=table.index,
    )
    if value.kind == "noncontractual":
        summary = value.inputs["summary"]
        out["time_since_last_purchase"] = (summary["T"] - summary["recency"]).to_numpy(dtype=float)
    if sort_by not in out.columns:
        raise ConfigError(f"sort_by {sort_by!r}: expected one of {', '.join(out.columns)}")
    out = out.sort_values(sort_by, ascending=False, kind="stable", na_position="last")
    out.insert(0, "rank", np.arange(1, len(out) + 1))
    return out.head(top) if top is not None else out


def _checked(bands, name: str) -> tuple[float, float]:
    try:
        lo, hi = (float(b) for b in bands)
    except (TypeError, ValueError):
        lo = hi = float("nan")
    if not 0 <= lo <= hi <= 1:
        raise ConfigError(
            f"{name} must be two P(alive) thresholds 0 <= low <= high <= 1, got {bands!r}; "
            f"e.g. {WATCH_BANDS}"
        )
    return lo, hi


@dataclass(frozen=True)
class WatchLists:
    """The watch list split for action (:func:`watch_lists`).

    ``at_risk``: low <= P(alive) < high and a positive value at risk: a call can still save
    them. ``likely_lost``: P(alive) < low and a positive value at risk: a win-back call.
    Both have :func:`watch_list`'s columns, ``rank`` renumbered 1.. within the list,
    largest value at risk first. ``band``: (low, high).
    """

    at_risk: pd.DataFrame
    likely_lost: pd.DataFrame
    band: tuple[float, float]


def watch_lists(
    value: CustomerValue, *, band: tuple[float, float] = WATCH_BANDS, top: int | None = None
) -> WatchLists:
    """The accounts to call (``at risk``: P(alive) in ``band``) and to win back (``likely
    lost``: P(alive) below it), each with a positive value at risk, ranked by it; the first
    ``top`` of each when given."""
    band = _checked(band, "band")
    full = watch_list(value, bands=band)
    worth = full["value_at_risk"] > 0

    def one(status: str) -> pd.DataFrame:
        part = full[(full["status"] == status) & worth].head(top).copy()
        part["rank"] = np.arange(1, len(part) + 1)
        return part

    return WatchLists(one("at risk"), one("likely lost"), band)
