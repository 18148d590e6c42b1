"""Plan against actual: each objective's actual, status and progress, and overdue actions.

Actuals (:func:`measure_actuals`) come from the portfolio table of the scorecard's
period (``Portfolio.table_``, 12 months to the period's end), so a revenue actual is
exactly ``kamlab portfolio``'s revenue for that account and period
(:data:`~kamlab.plans.document.MEASURES` says what each measure's actual is). An account
of a plan that is not in the table (it did not buy in the 12 months) has revenue,
contribution and retention 0 and no other actual.

Status of an objective (:func:`objective_status`), with progress = (actual - baseline) /
(target - baseline) and time elapsed = (period end - written) / (due - written), clipped
to 0..1 (compared at four decimals; money to the cent):

- **met**: the actual reaches the target (actual >= target; <= when the target is below
  the baseline; for stage, the stage reached is at least the target's);
- not met, due after the period's end: **on track** when progress >= time elapsed, else
  **behind**;
- not met, due on or before the period's end: **missed**;
- **no actual**: the measure has no value for the account (e.g. no share of wallet).
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from kamlab.plans.document import MEASURES, Plan, read_plans
from kamlab.vocabulary import STAGES

__all__ = [
    "ACTION_COLUMNS",
    "SCORECARD_COLUMNS",
    "STATUSES",
    "measure_actuals",
    "objective_status",
    "overdue_actions",
    "plan_against_actual",
    "plan_scorecard",
]

STATUSES: tuple[str, ...] = ("met", "on track", "behind", "missed", "no actual")
"""An objective's status, best first (module docstring)."""

SCORECARD_COLUMNS: dict[str, str] = {
    "account_id": "the account",
    "account_name": "its name",
    "plan_period": "the period the plan is for",
    "tier_now": "the account's tier in the scorecard's period ('not in the portfolio': no "
    "purchase in the 12 months)",
    "objective": "the objective's id",
    "measure": "what is measured (kamlab.plans.MEASURES)",
    "baseline": "the measure when the plan was written (a number; for stage the stage's "
    "rank, 1 Exploratory to 5 Integrated, 0 Declining)",
    "target": "the objective's target (a number; stage: its rank)",
    "actual": "the measure in the 12 months to the period's end (the portfolio table; "
    "stage: its rank)",
    "baseline_stage": "stage objectives: the baseline's stage name",
    "target_stage": "stage objectives: the target stage",
    "actual_stage": "stage objectives: the stage reached",
    "due": "the objective's due date",
    "status": "met, on track, behind, missed or no actual",
    "progress": "share of the way from baseline to target reached (1 = target)",
    "time_elapsed": "share of the time from the plan's written date to the due date gone",
    "carried_from": "the earlier plan's period when the objective was carried forward",
    "overdue_actions": "the account's open actions due on or before the period's end",
    "note": "the objective's note",
}
"""Columns of :func:`plan_scorecard`."""

ACTION_COLUMNS = (
    "account_id",
    "account_name",
    "action",
    "what",
    "owner",
    "due",
    "days_overdue",
    "objective",
    "carried_from",
)
"""Columns of :func:`overdue_actions`."""

_CODE = {stage: k for k, stage in enumerate(STAGES)}


def measure_actuals(table: pd.DataFrame, *, pnl: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per account of ``table`` (``Portfolio.table_``), the actual of every measure of
    :data:`MEASURES`: revenue and contribution as in the table; gross_margin from ``pnl``
    (:func:`kamlab.value.customer_pnl` of the same 12 months: gross_margin / net_revenue;
    NaN without it); share_of_wallet as in the table; stage (a stage name, "Declining"
    when the indicators fell); retention 1 for a buying account not 'likely lost'."""
    out = pd.DataFrame(index=table.index)
    out["revenue"] = table["revenue"].astype("float64")
    out["contribution"] = table["contribution"].astype("float64")
    if pnl is not None:
        gm = pnl["gross_margin"] / pnl["net_revenue"].where(pnl["net_revenue"] != 0)
        out["gross_margin"] = gm.reindex(table.index).astype("float64")
    else:
        out["gross_margin"] = np.nan
    out["share_of_wallet"] = (
        table["share_of_wallet"].astype("float64") if "share_of_wallet" in table else np.nan
    )
    out["stage"] = table["stage"].astype("object") if "stage" in table else None
    buying = ~table["prospect"].fillna(False).astype(bool) if "prospect" in table else True
    lost = (table["health"].astype("object") == "likely lost") if "health" in table else False
    out["retention"] = (buying & ~lost).astype("float64")
    return out[list(MEASURES)]


def _numeric(measure: str, values: pd.Series) -> pd.Series:
    """Values of ``measure`` as numbers: stage names as their order (Declining -1)."""
    if measure == "stage":
        return values.map(lambda s: _CODE.get(s, -1.0 if s == "Declining" else np.nan)).astype(
            "float64"
        )
    return pd.to_numeric(values, errors="coerce").astype("float64")


def _status(measure, baseline, target, actual, written, due, end):
    """Vectorised status and progress (Series aligned on one index); module docstring."""
    b, t, a = (
        _numeric(m, v) for m, v in ((measure, baseline), (measure, target), (measure, actual))
    )
    upward = (t >= b) | b.isna()
    close = (a - t).abs() <= 0.005  # a target met to the cent
    met = (np.where(upward, a >= t, a <= t) | close) & a.notna()
    span = t - b
    moved = (a - b).mask((a - b).abs() <= 0.005, 0.0)  # baselines are written to the cent
    progress = pd.Series(
        np.where(span != 0, moved / span.where(span != 0), np.where(met, 1.0, 0.0)), index=a.index
    )
    written, due = pd.to_datetime(written), pd.to_datetime(due)
    end = pd.Timestamp(end)
    total = (due - written).dt.days.astype("float64")
    gone = (end - written).dt.days.astype("float64")
    elapsed = pd.Series(
        np.where(total > 0, gone / total.where(total > 0), 1.0), index=a.index
    ).clip(0, 1)
    ahead = progress.fillna(0.0).round(4) >= elapsed.round(4)
    running = np.where(ahead, "on track", "behind")
    status = np.where(
        a.isna(), "no actual", np.where(met, "met", np.where(due > end, running, "missed"))
    )
    return pd.Series(status, index=a.index), progress, elapsed


def objective_status(
    measure: str, baseline, target, actual, written, due, end
) -> tuple[str, float]:
    """One objective's status (met, on track, behind, missed, no actual) and progress, by
    the rule of the module docstring."""
    one = pd.Index([0])
    status, progress, _ = _status(
        measure,
        pd.Series([baseline], index=one, dtype="object"),
        pd.Series([target], index=one, dtype="object"),
        pd.Series([actual], index=one, dtype="object"),
        pd.Series([pd.Timestamp(written)], index=one),
        pd.Series([pd.Timestamp(due)], index=one),
        end,
    )
    return str(status.iloc[0]), float(progress.iloc[0])


def plan_scorecard(
    plans: Iterable[Plan],
    table: pd.DataFrame,
    *,
    end,
    pnl: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """One row per objective of ``plans``, read against ``table`` (``Portfolio.table_`` of
    the period ending ``end``): columns :data:`SCORECARD_COLUMNS`. Plans for accounts no
    longer key, or not in the table, are kept (``tier_now`` says which)."""
    plans = list(plans)
    end = pd.Timestamp(end)
    rows = [
        {
            "account_id": p.account_id,
            "account_name": p.account_name,
            "plan_period": p.period,
            "objective": o.id,
            "measure": o.measure,
            "baseline": o.baseline,
            "target": o.target,
            "due": pd.Timestamp(o.due),
            "written": pd.Timestamp(p.written),
            "carried_from": o.carried_from or "",
            "note": o.note,
        }
        for p in plans
        for o in p.objectives
    ]
    frame = pd.DataFrame(rows, columns=[*rows[0]] if rows else ["account_id", "measure"])
    if frame.empty:
        return pd.DataFrame(columns=list(SCORECARD_COLUMNS))
    actuals = measure_actuals(table, pnl=pnl)
    absent = ~frame["account_id"].isin(table.index)
    stacked = actuals.reindex(frame["account_id"])
    actual = pd.Series(
        [stacked[m].iloc[k] for k, m in enumerate(frame["measure"])],
        index=frame.index,
        dtype="object",
    )
    gone = absent & frame["measure"].isin(["revenue", "contribution", "retention"])
    actual[gone] = 0.0
    frame["actual"] = actual
    frame["tier_now"] = (
        table["tier"]
        .astype("object")
        .reindex(frame["account_id"])
        .fillna("not in the portfolio")
        .to_numpy()
    )
    parts = []
    for measure, group in frame.groupby("measure", sort=False):
        status, progress, elapsed = _status(
            measure,
            group["baseline"],
            group["target"],
            group["actual"],
            group["written"],
            group["due"],
            end,
        )
        parts.append(
            pd.DataFrame({"status": status, "progress": progress, "time_elapsed": elapsed})
        )
    frame = frame.join(pd.concat(parts))
    overdue = overdue_actions(plans, end=end)["account_id"].value_counts()
    frame["overdue_actions"] = frame["account_id"].map(overdue).fillna(0).astype("int64")
    frame[["progress", "time_elapsed"]] = frame[["progress", "time_elapsed"]].round(4)
    stage = frame["measure"] == "stage"
    for column in ("baseline", "target", "actual"):  # numbers; stage names beside them
        frame[f"{column}_stage"] = frame[column].where(stage, "").fillna("").astype(str)
        ranks = _numeric("stage", frame.loc[stage, column]) + 1
        numbers = _numeric("revenue", frame[column].where(~stage))
        frame[column] = numbers.where(~stage, ranks)
    frame["due"] = frame["due"].dt.date
    return frame[list(SCORECARD_COLUMNS)].reset_index(drop=True)


def overdue_actions(plans: Iterable[Plan], *, end) -> pd.DataFrame:
    """The open actions of ``plans`` due on or before ``end`` (the period's last day), with
    the days they are overdue at ``end``; columns :data:`ACTION_COLUMNS`."""
    end = pd.Timestamp(end)
    rows = [
        {
            "account_id": p.account_id,
            "account_name": p.account_name,
            "action": a.id,
            "what": a.what,
            "owner": a.owner,
            "due": a.due,
            "days_overdue": (end - pd.Timestamp(a.due)).days,
            "objective": a.objective or "",
            "carried_from": a.carried_from or "",
        }
        for p in plans
        for a in p.actions
        if a.status == "open" and pd.Timestamp(a.due) <= end
    ]
    return pd.DataFrame(rows, columns=list(ACTION_COLUMNS))


def plan_against_actual(
    folder,
    table: pd.DataFrame,
    *,
    end,
    pnl: pd.DataFrame | None = None,
    known_accounts: Iterable[str] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(scorecard, overdue actions)`` of the plans in ``folder`` read against ``table``
    (``Portfolio.table_`` of the period ending ``end``): :func:`plan_scorecard` and
    :func:`overdue_actions` of :func:`~kamlab.plans.read_plans`. Plans may name the
    accounts of ``table`` and ``known_accounts`` (e.g. the accounts file's ids)."""
    known = set(table.index.astype(str)) | {str(a) for a in (known_accounts or ())}
    plans = read_plans(folder, known_accounts=known)
    return plan_scorecard(plans, table, end=end, pnl=pnl), overdue_actions(plans, end=end)
