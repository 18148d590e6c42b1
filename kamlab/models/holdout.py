"""Which purchase model fits a data set best, judged out of sample.

:func:`compare_purchase_models` splits the transactions at a calibration end: the last
``holdout_weeks`` weeks before the run's end are the holdout. It summarises the
calibration window (:func:`kamlab.summary.summarize` with ``until`` = calibration end),
fits BG/NBD, MBG/NBD and Pareto/NBD on it, predicts each calibration account's repeat
purchases in the holdout (``conditional_expected_purchases`` over the holdout's length in
the summary's time unit) and sets them against the purchase days the account actually
had there, counted as the summary counts them (days with a non-return line; the
difference of two summaries' purchase days, so the count is the summary's own).

The rule (:data:`CHOICE_RULE`): the lowest mean absolute error per account among the
models that converged; a tie goes to the earlier model of :data:`COMPARED`; when none
converged, the lowest error all the same, flagged (``rule`` "none_converged").

History shorter than twice the holdout (the calibration window must be at least as long
as the holdout) gets a shorter holdout, half the history in whole weeks, down to
:data:`MIN_HOLDOUT_WEEKS`; with less than that, or when no model can be fitted on the
calibration window, the comparison is in sample: the models are fitted on all the data
and the highest log-likelihood wins (all three have four parameters). ``fallback`` says
which happened. Every step is vectorised over accounts.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from kamlab.errors import ConfigError, InputError

__all__ = [
    "CHOICE_RULE",
    "COMPARED",
    "HOLDOUT_WEEKS",
    "MIN_HOLDOUT_WEEKS",
    "ModelComparison",
    "compare_purchase_models",
    "holdout_purchases",
]

COMPARED = {"bgnbd": "BetaGeo", "mbgnbd": "ModifiedBetaGeo", "pareto-nbd": "ParetoNBD"}
"""The purchase models compared, by short name -> class in :mod:`kamlab.models`, in the
order that breaks a tie."""

HOLDOUT_WEEKS = 26
"""The default holdout: the last 26 weeks (half a year, two quarters of a report)."""

MIN_HOLDOUT_WEEKS = 8
"""The shortest holdout worth comparing on; below it the comparison is in sample."""

CHOICE_RULE = {
    "lowest_mae": "lowest mean absolute error per account in the holdout among the models "
    "that converged (a tie goes to the earlier of BG/NBD, MBG/NBD, Pareto/NBD)",
    "none_converged": "no model converged on the calibration window: the lowest mean "
    "absolute error per account all the same",
    "in_sample": "no holdout: the highest log-likelihood on all the data among the models "
    "that converged (each has four parameters)",
}
"""Each rule a choice can be made by, by its code (``ModelComparison.rule``)."""


@dataclass
class ModelComparison:
    """What :func:`compare_purchase_models` found.

    ``table``: one row per model (index: short name) with ``model`` (display name),
    ``converged``, ``log_likelihood``, ``predicted`` and ``actual`` (holdout repeat
    purchases, totals over the calibration accounts), ``mae`` (mean absolute error per
    account), ``rmse``, ``bias`` (mean predicted - actual) and ``chosen`` (one True).
    ``per_account``: ``actual`` and one column of predictions per model.
    """

    table: pd.DataFrame
    chosen: str
    rule: str
    calibration_end: str
    end: str
    holdout_weeks: int
    requested_weeks: int
    history_weeks: float
    fallback: str | None = None
    """None, "shorter_holdout", "in_sample" (history too short) or
    "calibration_unfit" (no model could be fitted on the calibration window)."""
    per_account: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)
    messages: dict = field(default_factory=dict)
    """Why a model did not converge or could not be fitted, by short name."""

    @property
    def chosen_name(self) -> str:
        """The chosen model's display name ("MBG/NBD")."""
        return str(self.table.loc[self.chosen, "model"])

    @property
    def ranking(self) -> list[str]:
        """The models, best first by the rule (converged first, then by the criterion)."""
        t = self.table
        key = -t["log_likelihood"] if self.rule == "in_sample" else t["mae"]
        order = pd.DataFrame(
            {"failed": ~t["converged"], "key": key.fillna(np.inf), "pos": range(len(t))},
            index=t.index,
        )
        return list(order.sort_values(["failed", "key", "pos"]).index)

    def to_dict(self) -> dict:
        """The comparison as plain numbers (for JSON)."""

        def number(v):
            return None if v is None or not math.isfinite(float(v)) else float(v)

        models = []
        for name, row in self.table.iterrows():
            models.append(
                {
                    "name": name,
                    "model": row["model"],
                    "converged": bool(row["converged"]),
                    "log_likelihood": number(row["log_likelihood"]),
                    "predicted": number(row["predicted"]),
                    "actual": number(row["actual"]),
                    "mae": number(row["mae"]),
                    "rmse": number(row["rmse"]),
                    "bias": number(row["bias"]),
                    "chosen": bool(row["chosen"]),
                }
            )
        return {
            "models": models,
            "chosen": self.chosen,
            "chosen_model": self.chosen_name,
            "rule": self.rule,
            "rule_text": CHOICE_RULE[self.rule],
            "calibration_end": self.calibration_end,
            "end": self.end,
            "holdout_weeks": self.holdout_weeks,
            "requested_weeks": self.requested_weeks,
            "history_weeks": round(self.history_weeks, 1),
            "fallback": self.fallback,
            "accounts": int(len(self.per_account)),
        }


def holdout_purchases(transactions, calibration_end, end, *, calibration=None) -> pd.Series:
    """Purchase days in ``(calibration_end, end]`` of each account that bought up to
    ``calibration_end``: the summary's own count (days with a non-return line) to ``end``
    less the one to ``calibration_end`` (``calibration``: that summary, when at hand)."""
    from kamlab.summary import summarize

    before = summarize(transactions, until=calibration_end) if calibration is None else calibration
    after = summarize(transactions, until=end)
    days = after["frequency"].reindex(before.index) - before["frequency"]
    return days.astype("int64").rename("actual")


def _fit_all(summary: pd.DataFrame) -> tuple[dict, dict]:
    import kamlab.models as models

    fitted, messages = {}, {}
    for name, cls in COMPARED.items():
        model = getattr(models, cls)()
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", models.ConvergenceWarning)  # kept in converged_
                model.fit(summary)
        except InputError as exc:
            messages[name] = str(exc)
            fitted[name] = None
            continue
        if not model.converged_:
            messages[name] = model.convergence_message_
        fitted[name] = model
    return fitted, messages


def _row(model, name: str) -> dict:
    import kamlab.models as models

    display = getattr(models, COMPARED[name]).display_name
    if model is None:
        return {"model": display, "converged": False, "log_likelihood": np.nan}
    return {
        "model": display,
        "converged": bool(model.converged_),
        "log_likelihood": float(model.log_likelihood_),
    }


def compare_purchase_models(
    transactions, *, until=None, holdout_weeks: int = HOLDOUT_WEEKS
) -> ModelComparison:
    """Fit BG/NBD, MBG/NBD and Pareto/NBD on the data to ``until`` less the last
    ``holdout_weeks`` weeks, predict those weeks and choose by :data:`CHOICE_RULE` (see
    the module's docstring for the fallbacks)."""
    from kamlab.summary import PERIOD_DAYS, lines_table, summarize

    if int(holdout_weeks) != holdout_weeks or holdout_weeks < 1:
        raise ConfigError(f"holdout weeks {holdout_weeks!r}: expected a whole number of weeks >= 1")
    requested = int(holdout_weeks)
    lines = lines_table(transactions)
    span = lines.aggregate(last=lines.date.max(), first=lines.date.min(where=~lines.is_return))
    last, first = span.to_pandas().iloc[0]
    if pd.isna(last):
        raise InputError("no accepted transactions: every row was quarantined, no model to choose")
    end = pd.Timestamp(until).normalize() if until is not None else pd.Timestamp(last).normalize()
    first = pd.Timestamp(first).normalize() if pd.notna(first) else end
    history = max((end - first).days, 0) / 7
    weeks, fallback = requested, None
    if history < 2 * requested:
        weeks = int(history // 2)
        fallback = "shorter_holdout" if weeks >= MIN_HOLDOUT_WEEKS else "in_sample"

    if fallback != "in_sample":
        calibration_end = end - pd.Timedelta(days=7 * weeks)
        calibration = summarize(transactions, until=calibration_end)
        fitted, messages = _fit_all(calibration)
        if all(m is None for m in fitted.values()):
            fallback = "calibration_unfit"
    if fallback in ("in_sample", "calibration_unfit"):
        return _in_sample(transactions, end, requested, history, fallback)

    actual = holdout_purchases(transactions, calibration_end, end, calibration=calibration)
    t = 7 * weeks / PERIOD_DAYS[calibration.attrs["period"]]
    per_account = pd.DataFrame({"actual": actual})
    rows = {}
    for name, model in fitted.items():
        row = _row(model, name)
        if model is not None:
            predicted = model.conditional_expected_purchases(t, calibration).reindex(actual.index)
            per_account[name] = predicted
            error = predicted - actual
            row.update(
                predicted=float(predicted.sum()),
                actual=float(actual.sum()),
                mae=float(error.abs().mean()),
                rmse=float(np.sqrt((error**2).mean())),
                bias=float(error.mean()),
            )
        else:
            row.update(predicted=np.nan, actual=float(actual.sum()), mae=np.nan)
        rows[name] = row
    table = pd.DataFrame.from_dict(rows, orient="index")
    table["mae"] = table["mae"].astype(float)
    for col in ("rmse", "bias"):
        table[col] = table.get(col, np.nan)
    rule = "lowest_mae" if table["converged"].any() else "none_converged"
    return _finish(
        table,
        rule,
        calibration_end=str(calibration_end.date()),
        end=str(end.date()),
        holdout_weeks=weeks,
        requested_weeks=requested,
        history_weeks=history,
        fallback=fallback,
        per_account=per_account,
        messages=messages,
    )


def _in_sample(transactions, end, requested, history, fallback) -> ModelComparison:
    from kamlab.summary import summarize

    summary = summarize(transactions, until=end)
    fitted, messages = _fit_all(summary)
    if all(m is None for m in fitted.values()):
        raise InputError(
            "no purchase model could be fitted on these data: "
            + "; ".join(f"{k}: {v}" for k, v in messages.items())
        )
    rows = {name: _row(model, name) for name, model in fitted.items()}
    table = pd.DataFrame.from_dict(rows, orient="index")
    for col in ("predicted", "actual", "mae", "rmse", "bias"):
        table[col] = np.nan
    return _finish(
        table,
        "in_sample",
        calibration_end=str(end.date()),
        end=str(end.date()),
        holdout_weeks=0,
        requested_weeks=requested,
        history_weeks=history,
        fallback=fallback,
        per_account=pd.DataFrame(index=summary.index),
        messages=messages,
    )


def _finish(table: pd.DataFrame, rule: str, **fields) -> ModelComparison:
    table = table[
        ["model", "converged", "log_likelihood", "predicted", "actual", "mae", "rmse", "bias"]
    ]
    table = table.astype({"converged": bool})
    table["chosen"] = False
    comparison = ModelComparison(table, "", rule, **fields)
    comparison.chosen = comparison.ranking[0]
    table.loc[comparison.chosen, "chosen"] = True
    return comparison
