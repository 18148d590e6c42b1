"""Tables of the portfolio for people to read: criteria, key accounts, exit candidates."""

from __future__ import annotations

import pandas as pd

from kamlab.portfolio.criteria import GROUPS, Criteria

__all__ = ["criteria_table", "exit_candidates", "key_accounts"]


def criteria_table(criteria: Criteria, scores: dict | None = None) -> pd.DataFrame:
    """One row per factor: group, weight as configured, weight used (``Portfolio.scores_``:
    after dropping what the data lack, or the fallback factors), source and rule."""
    rows = []
    for group in GROUPS:
        used = scores[group].weights if scores else {}
        factors = list(criteria.factors(group))
        if scores:  # fallback factors, when the group fell back
            factors += [f for f in scores[group].factors if f not in factors]
        for f in factors:
            rows.append(
                {
                    "group": group,
                    "factor": f.name,
                    "weight": f.weight,
                    "weight_used": round(used.get(f.name, 0.0), 1) if scores else f.weight,
                    "source": f.source,
                    "rule": "scored 1-10 by people" if f.judgement else f.rule,
                }
            )
    return pd.DataFrame(rows)


_SHOW = ["account_name", "box", "attractiveness", "strength", "revenue", "contribution", "stage"]


def key_accounts(table: pd.DataFrame) -> pd.DataFrame:
    """The key tier, most attractive first, with the columns a reader needs."""
    key = table[table["tier"].astype("object") == "key"].sort_values("key_rank")
    return key[[c for c in ["key_rank", *_SHOW] if c in key.columns]]


def exit_candidates(table: pd.DataFrame) -> pd.DataFrame:
    """Accounts with an exit recommendation, "exit completely" first, then by profit at
    stake (most negative first), with their reasons."""
    out = table[table["exit_recommendation"] != ""]
    out = out.assign(_order=(out["exit_recommendation"] != "exit completely").astype(int))
    out = out.sort_values(["_order", "profit_at_stake"], kind="stable")
    columns = [
        "account_name",
        "box",
        "tier",
        "revenue",
        "contribution",
        "growth",
        "profit_at_stake",
        "exit_recommendation",
        "exit_reasons",
    ]
    return out[[c for c in columns if c in out.columns]]
