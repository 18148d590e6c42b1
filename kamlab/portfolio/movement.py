"""Movement between two periods: boxes, tiers and stages; new and lost key accounts.

Given the portfolio tables of an earlier and a later period (one row per account), the
transition tables count accounts by their category before (rows) and after (columns):
the diagonal stayed, ``"new"`` rows entered the portfolio, ``"gone"`` columns left it.
Rows and columns are in the categories' natural order (boxes, tiers, stages), all shown.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from kamlab.portfolio.criteria import BOXES
from kamlab.portfolio.matrix import TIERS
from kamlab.segment import transitions
from kamlab.vocabulary import STAGES

__all__ = ["Movement", "portfolio_movement"]


@dataclass
class Movement:
    """``transitions`` (column -> before x after table), ``new_key`` / ``lost_key``
    (accounts that became / stopped being key), ``movers`` (one row per account in both
    periods, largest moves first), ``accounts_as_of``: which accounts table scored and
    staged the earlier period (``before.attrs["accounts_as_of"]``: ``"snapshot"``, or
    ``"today's"`` when its judgement and stages are today's; None when not known)."""

    transitions: dict[str, pd.DataFrame]
    new_key: pd.Index
    lost_key: pd.Index
    movers: pd.DataFrame
    accounts_as_of: str | None = None


def _key(table: pd.DataFrame) -> pd.Index:
    return table.index[table["tier"].astype("object") == "key"]


def portfolio_movement(before: pd.DataFrame, after: pd.DataFrame) -> Movement:
    """Compare two portfolio tables (as ``Portfolio.table_``)."""
    tables = {}
    for column, order in (("box", BOXES), ("tier", TIERS), ("stage", STAGES)):
        if column in before and column in after:
            t = transitions(before[column].astype("object"), after[column].astype("object"))
            t = t.reindex(index=[*order, "new"], columns=[*order, "gone"], fill_value=0)
            tables[column] = t.rename_axis(index=f"{column} before", columns=f"{column} after")
    both = before.index.intersection(after.index)
    movers = pd.DataFrame(index=both)
    for column in ("box", "tier", "stage"):
        if column in before and column in after:
            movers[f"{column}_before"] = before.loc[both, column].astype("object")
            movers[f"{column}_after"] = after.loc[both, column].astype("object")
    for column in ("attractiveness", "strength", "contribution", "revenue"):
        if column in before and column in after:
            movers[f"{column}_change"] = after.loc[both, column] - before.loc[both, column]
    distance = np.hypot(
        movers.get("attractiveness_change", 0.0), movers.get("strength_change", 0.0)
    )
    movers["moved"] = distance
    if "account_name" in after:
        movers.insert(0, "account_name", after.loc[both, "account_name"])
    movers = movers.sort_values("moved", ascending=False, kind="stable")
    new_key = _key(after).difference(_key(before))
    lost_key = _key(before).difference(_key(after))
    return Movement(tables, new_key, lost_key, movers, before.attrs.get("accounts_as_of"))
