"""The key-account watch list: which valuable accounts may be slipping away.

From a :class:`~kamlab.value.clv.CustomerValue`, per account:

- ``probability_alive`` P: the model's chance that the account is still active (for
  contracts: the chance that it renews at the next period);
- ``value_if_alive`` = CLV / P: its expected value were it certainly active (every term of
  the CLV is proportional to P);
- ``value_at_risk`` = (1 - P) x ``value_if_alive``: the value its uncertain status costs in
  expectation, what winning it back (or confirming it) is worth;
- ``value_lost_if_churns`` = CLV: what the portfolio loses if it churns now;
- ``status``: ``active`` (P >= 0.8), ``at risk`` (0.5 <= P < 0.8), ``likely lost`` (P < 0.5),
  thresholds configurable.

Ranked by ``value_at_risk`` (or another column), largest first.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kamlab.errors import ConfigError
from kamlab.value.clv import CustomerValue

__all__ = ["WATCH_COLUMNS", "watch_list"]

WATCH_COLUMNS = {
    "rank": "1 = most value at risk",
    "status": "active / at risk / likely lost, from probability_alive",
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
    bands: tuple[float, float] = (0.5, 0.8),
) -> pd.DataFrame:
    """Accounts ranked by value at risk (columns in :data:`WATCH_COLUMNS`).

    ``top``: keep the first ``top`` rows; ``bands``: the P(alive) thresholds between
    ``likely lost``, ``at risk`` and ``active``.
    """
    lo, hi = bands
    if not 0 <= lo <= hi <= 1:
        raise ConfigError(f"bands must be two thresholds 0 <= low <= high <= 1, got {bands!r}")
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
