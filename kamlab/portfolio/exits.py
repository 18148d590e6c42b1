"""Customer exits: which accounts to move to a lower tier, or out of the portfolio.

An unmanageable portfolio drains resources (primer section 5). Each rule of the criteria
(``exits`` in ``criteria.yaml``) names an action, the conditions that must all hold
(``box`` in a list; a column ``below`` or ``above`` a value) and why. Rules are checked
in order and the first that holds gives the account's ``exit_recommendation``; every rule
that holds is listed in ``exit_reasons``. A condition on a column the table lacks (e.g.
``clv`` without a value model) never holds, so that rule proposes nothing.

``profit_at_stake`` is what leaves with the account: its contribution in the last 12
months plus, when known, its lifetime value (``clv``). Negative means exiting saves money.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kamlab.portfolio.criteria import ExitRule

__all__ = ["recommend_exits"]


def _holds(rule: ExitRule, table: pd.DataFrame) -> np.ndarray:
    ok = np.ones(len(table), dtype=bool)
    if rule.boxes is not None:
        ok &= table["box"].astype("object").isin(rule.boxes).to_numpy()
    for column, side, value in rule.bounds:
        if column not in table.columns:
            return np.zeros(len(table), dtype=bool)
        x = pd.to_numeric(table[column], errors="coerce").to_numpy(dtype="float64")
        with np.errstate(invalid="ignore"):
            ok &= (x < value) if side == "below" else (x > value)
    return ok


def recommend_exits(table: pd.DataFrame, rules: tuple[ExitRule, ...]) -> pd.DataFrame:
    """``exit_recommendation`` ("exit completely", "exit to a lower tier" or ""),
    ``exit_reasons`` and ``profit_at_stake`` per account of ``table``."""
    recommendation = np.full(len(table), "", dtype=object)
    reasons = [[] for _ in range(len(table))]
    for rule in rules:
        hold = _holds(rule, table)
        recommendation[hold & (recommendation == "")] = rule.action
        for k in np.flatnonzero(hold):
            reasons[k].append(rule.why)
    stake = table["contribution"].astype("float64") if "contribution" in table else 0.0
    if "clv" in table:
        stake = stake + table["clv"].astype("float64").fillna(0.0)
    return pd.DataFrame(
        {
            "exit_recommendation": recommendation,
            "exit_reasons": ["; ".join(r) for r in reasons],
            "profit_at_stake": stake,
        },
        index=table.index,
    )
