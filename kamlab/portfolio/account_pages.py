"""The risks of each key account, for its page (:func:`kamlab.presentation.portfolio.account_page`).

Risks flagged (:data:`RISK_RULES`, each a plain sentence on the page):

- revenue falling: ``growth`` (year on year) below -0.3: the last 12 months' revenue more
  than 30% below the 12 before's;
- loses money: ``contribution`` below 0 after cost to serve;
- relationship declining: the stage indicators fell (``declining``);
- under-developed: a Strategic or Star account still at Exploratory or Basic;
- moved down: a worse box than in the previous period (saying so when that period was
  scored with today's accounts file, :func:`~kamlab.portfolio.history.portfolio_history`);
- the buyer's plans work against ours: a buyer heading scored 3 or less;
- low share of wallet: below 20% of the customer's spend (when known);
- lapsing / likely lost: the account's ``health`` (the criteria's health rule,
  :mod:`kamlab.portfolio.health`), with its last purchase date, the days since, its
  typical gap and P(alive); a lapsing key account is to be called this period.
"""

from __future__ import annotations

import pandas as pd

from kamlab.portfolio.buyer import HEADING_LABELS
from kamlab.portfolio.criteria import BOXES

__all__ = ["RISK_RULES", "account_risks"]

RISK_RULES = {
    "falling_growth": -0.3,
    "buyer_score": 3,
    "share_of_wallet": 0.2,
}
"""Thresholds of the risks in the module docstring."""

_RANK = {box: k for k, box in enumerate(BOXES)}  # Strategic 0 (best) ... Streamline 3


def account_risks(
    table: pd.DataFrame,
    history: pd.DataFrame | None = None,
    scorecard: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The risks of the accounts of ``table`` (``Portfolio.table_``), one row per risk:
    ``account_id``, ``risk`` (its kind, for counting) and ``detail`` (the sentence for the
    page). ``history`` (:func:`portfolio_history`) adds box moves, ``scorecard``
    (:func:`~kamlab.portfolio.buyer.buyer_scorecard`) the buyer's low scores."""
    parts = []

    def add(risk: str, mask, details) -> None:
        mask = pd.Series(mask, index=table.index).fillna(False).astype(bool)
        ids = table.index[mask.to_numpy()]
        parts.append(pd.DataFrame({"account_id": ids, "risk": risk, "detail": list(details)}))

    growth = table["growth"] if "growth" in table else pd.Series(float("nan"), index=table.index)
    falling = growth < RISK_RULES["falling_growth"]
    add(
        "revenue falling",
        falling,
        (f"revenue falling ({g:+.0%} on the previous 12 months)" for g in growth[falling]),
    )
    losing = table["contribution"] < 0
    add(
        "loses money",
        losing,
        (f"loses {-c:,.0f} a year after cost to serve" for c in table.loc[losing, "contribution"]),
    )
    if "declining" in table:
        declining = table["declining"].fillna(False).astype(bool)
        add(
            "relationship declining",
            declining,
            ["relationship indicators falling"] * int(declining.sum()),
        )
    box, stage = table["box"].astype("object"), table["stage"].astype("object")
    early = box.isin(["Strategic", "Star"]) & stage.isin(["Exploratory", "Basic"])
    add(
        "relationship under-developed",
        early,
        (
            f"relationship still {s}: under-developed for a {b} account"
            for b, s in zip(box[early], stage[early], strict=True)
        ),
    )
    if history is not None and history.index.get_level_values("period").nunique() > 1:
        last = sorted(history.index.get_level_values("period").unique())[-2]
        earlier = history.xs(last, level="period")
        before = earlier["box"].reindex(table.index)
        worse = before.map(_RANK) < box.map(_RANK)
        as_of = earlier.get("accounts_as_of", pd.Series(dtype=object)).reindex(table.index)
        today = (as_of == "today's").fillna(False)
        add(
            "moved to a worse box",
            worse,
            (
                f"moved down from {b} to {a} since {last}"
                + (" (its box there scored with today's judgement)" if t else "")
                for b, a, t in zip(before[worse], box[worse], today[worse], strict=True)
            ),
        )
    if scorecard is not None and len(scorecard):
        card = scorecard.reindex(table.index)
        low = card["weakest_score"] <= RISK_RULES["buyer_score"]
        add(
            "buyer's plans against ours",
            low,
            (
                f"the buyer's {HEADING_LABELS[h].lower()} works against our plan ({v:g}/10)"
                for h, v in zip(
                    card.loc[low, "weakest_heading"], card.loc[low, "weakest_score"], strict=True
                )
            ),
        )
    if "share_of_wallet" in table:
        wallet = table["share_of_wallet"]
        thin = wallet < RISK_RULES["share_of_wallet"]
        add("low share of wallet", thin, (f"low share of wallet ({w:.0%})" for w in wallet[thin]))
    if "health" in table:
        health = table["health"].astype("object")
        for level in ("lapsing", "likely lost"):
            hit = health == level
            add(level, hit, (_health_detail(level, row) for _, row in table[hit].iterrows()))
    return pd.concat(parts, ignore_index=True)


def _health_detail(level: str, row: pd.Series) -> str:
    last = row.get("last_purchase")
    when = f"last purchase {pd.Timestamp(last).date()}" if pd.notna(last) else "no purchase"
    days = row.get("days_since_last_purchase")
    gap = row.get("typical_gap_days")
    alive = row.get("probability_alive")
    detail = f"{level}: {when}, {days:.0f} days ago"
    detail += f" (typically every {gap:.0f} days)" if pd.notna(gap) else " (one purchase day)"
    detail += f", P(alive) {alive:.2f}" if pd.notna(alive) else ", P(alive) unknown"
    action = row.get("health_action", "")
    if action == "call":
        detail += "; call the account this period"
    elif action == "review":
        detail += "; moved out of key: win it back or let it go"
    return detail
