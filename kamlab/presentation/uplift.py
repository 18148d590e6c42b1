"""The uplift table people read: one row per account and a last ``TOTAL`` row.

What ``kamlab uplift`` writes: the per-account uplift with names, in the order a reader
wants the columns, and the portfolio's total as the last row.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kamlab.presentation.value import names_for

__all__ = ["TOTAL_ROW", "uplift_table"]

TOTAL_ROW = "TOTAL"
"""account_id of the portfolio row that :func:`uplift_table` appends."""


def uplift_table(uplift, names: pd.Series | None, level: float) -> pd.DataFrame:
    """``uplift`` (a :class:`~kamlab.value.uplift.RetentionUplift`) as one row per account
    (account_name, clv, clv_scenario, uplift with its interval, uplift_pct, retention,
    retention_scenario, in_scenario, capped) and a last row, :data:`TOTAL_ROW`, for the
    portfolio (with uplift_pct_lower/upper); ``attrs["level"]`` is the interval level."""
    table = uplift.table.copy()
    table.insert(0, "account_name", names_for(table.index, names))
    order = ["account_name", "clv", "clv_scenario", "uplift", "uplift_lower", "uplift_upper"]
    order += ["uplift_pct", "retention", "retention_scenario", "in_scenario", "capped"]
    table = table[[c for c in order if c in table.columns]]
    t = uplift.total
    total = {
        "account_name": f"portfolio ({len(table):,} accounts)",
        "clv": t["value"],
        "clv_scenario": t["value_scenario"],
        "uplift": t["uplift"],
        "uplift_lower": t.get("uplift_lower", np.nan),
        "uplift_upper": t.get("uplift_upper", np.nan),
        "uplift_pct": t["uplift_pct"],
        "uplift_pct_lower": t.get("uplift_pct_lower", np.nan),
        "uplift_pct_upper": t.get("uplift_pct_upper", np.nan),
        "retention": table["retention"].mean(),
        "retention_scenario": table["retention_scenario"].mean(),
        "in_scenario": int(table["in_scenario"].sum()),
        "capped": int(table["capped"].sum()),
    }
    label = TOTAL_ROW if TOTAL_ROW not in table.index else f"{TOTAL_ROW} (portfolio)"
    row = pd.DataFrame([total], index=pd.Index([label], name="account_id"))
    out = pd.concat([table.astype({"in_scenario": "int64", "capped": "int64"}), row])
    out.index.name = "account_id"
    out.attrs["level"] = level
    return out
