"""The McDonald & Woodburn key customer portfolio: four boxes, and the tiers built on them.

Attractiveness (vertical) and our relative strength (horizontal) are each split at a
cut-off (default 5.5, the midpoint of 1-10; an account exactly at the cut-off counts as
high)::

                     strength low     strength high
    attractive high   Star             Strategic
    attractive low    Streamline       Status

Tiers (programmes run 15-35 key accounts; above ~50 "key" loses meaning, McDonald &
Woodburn 2007): Strategic accounts ranked by attractiveness (then strength, then revenue)
are ``key`` up to ``key_cap``; the Strategic accounts beyond the cap and all Star
accounts are ``key development``; Status accounts ``maintain``; Streamline
``transactional``. A prospect (``prospect`` True: never bought) is never
``key``: a Strategic prospect is ``key development``, takes no key rank and leaves the
key places to buying accounts.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kamlab.portfolio.criteria import BOXES, TIERS

__all__ = ["STRATEGIES", "TIERS", "assign_boxes", "assign_tiers"]

STRATEGIES: dict[str, str] = {
    "Strategic": "invest; deepen the relationship; ensure it is profitable",
    "Star": "invest selectively to build strength; need not be profitable yet",
    "Status": "maintain; serve efficiently; protect profit",
    "Streamline": "manage for cash; cut cost to serve; candidate to exit to a lower tier",
}
"""The recommended strategy per box (McDonald & Woodburn; Millman & Wilson's "invest for
growth / invest selectively / maintain / manage for cash")."""


def assign_boxes(
    attractiveness: pd.Series,
    strength: pd.Series,
    *,
    attractiveness_cutoff=5.5,
    strength_cutoff=5.5,
) -> pd.Series:
    """The box of each account, as an ordered Categorical of :data:`BOXES`."""
    high_a = (attractiveness >= attractiveness_cutoff).to_numpy()
    high_s = (strength.reindex(attractiveness.index) >= strength_cutoff).to_numpy()
    box = np.select(
        [high_a & high_s, high_a, high_s], ["Strategic", "Star", "Status"], "Streamline"
    )
    return pd.Series(
        pd.Categorical(box, categories=BOXES, ordered=True), index=attractiveness.index
    )


def assign_tiers(table: pd.DataFrame, key_cap: int = 25) -> pd.DataFrame:
    """``tier`` (ordered Categorical of :data:`TIERS`), ``key_rank`` (rank among Strategic
    accounts, 1 = most attractive) and ``tier_reason`` for a table with ``box``,
    ``attractiveness``, ``strength`` and optionally ``revenue`` and ``prospect`` columns."""
    box = table["box"].astype("object")
    revenue = table["revenue"] if "revenue" in table else pd.Series(0.0, index=table.index)
    prospect = (
        table["prospect"].fillna(False).astype(bool)
        if "prospect" in table
        else pd.Series(False, index=table.index)
    )
    strategic = table.loc[(box == "Strategic") & ~prospect].assign(_revenue=revenue)
    order = strategic.sort_values(
        ["attractiveness", "strength", "_revenue"], ascending=False, kind="stable"
    ).index
    rank = pd.Series(np.arange(1, len(order) + 1), index=order).reindex(table.index)
    n = len(order)

    tier = box.map(
        {
            "Strategic": "key",
            "Star": "key development",
            "Status": "maintain",
            "Streamline": "transactional",
        }
    )
    beyond = rank > key_cap
    tier[beyond] = "key development"
    reason = box.map(
        {
            "Star": "Star: attractive, our position still weak; develop it",
            "Status": "Status: less attractive, we are strong; maintain efficiently",
            "Streamline": "Streamline: less attractive, we are weak; serve at lowest cost",
        }
    )
    in_cap = rank.notna() & ~beyond
    reason[in_cap] = [f"Strategic, rank {int(r)} of {n} by attractiveness" for r in rank[in_cap]]
    reason[beyond] = [
        f"Strategic, rank {int(r)} of {n}: beyond the cap of {key_cap} key accounts"
        for r in rank[beyond]
    ]
    waiting = prospect & (box == "Strategic")
    tier[waiting] = "key development"
    reason[waiting] = "Strategic, but a prospect (never bought): never key"
    others = prospect & ~waiting
    reason[others] = reason[others] + "; a prospect (never bought)"
    return pd.DataFrame(
        {
            "tier": pd.Categorical(tier, categories=TIERS, ordered=True),
            "key_rank": rank.astype("Int64"),
            "tier_reason": reason.astype("object"),
        },
        index=table.index,
    )
