"""The value run: summary, purchase and spend models, P&L and customer value, once.

``kamlab value``, ``kamlab uplift``, ``kamlab allocate``, the value notebook and the
report's executive summary all need the same chain of steps; :func:`run_value` is that
chain, and :func:`fit_uplift_model` picks the purchase model that the whole run uses:
the one :func:`kamlab.models.holdout.compare_purchase_models` chooses out of sample
(BG/NBD, MBG/NBD or Pareto/NBD, the lowest mean absolute error per account over the
last 26 weeks), or the next by that rule when it does not converge on all the data.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from kamlab.errors import ConfigError

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "DEFAULT_DRAWS",
    "MODELS",
    "ValueRun",
    "choose_uplift_model",
    "evaluate_value",
    "fit_model",
    "fit_uplift_model",
    "hours_plan",
    "model_choice_note",
    "pick_uplift_run",
    "run_value",
]

MODELS = {"bgnbd": "BetaGeo", "mbgnbd": "ModifiedBetaGeo", "pareto-nbd": "ParetoNBD"}
"""Purchase models by their short name -> class in :mod:`kamlab.models`."""

DEFAULT_DRAWS = 200
"""Parameter draws behind the uplift's interval unless asked otherwise."""


@dataclass
class ValueRun:
    """What :func:`run_value` computed: the summary, the P&L over all history (the CLV's
    inputs), the fitted models and the :class:`~kamlab.value.clv.CustomerValue`."""

    summary: pd.DataFrame
    pnl: pd.DataFrame
    purchases: object
    spend: object
    value: object
    notes: list[str]
    spend_used: object = None
    """The spend that valued the accounts: ``spend``, or the observed mean spend where
    Gamma-Gamma's mean is infinite (:func:`~kamlab.value.clv.usable_spend`)."""


def fit_model(model, data, notes: list[str]):
    """``model.fit(data)``, with a failure to converge said in ``notes`` (not warned)."""
    from kamlab.models import ConvergenceWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # reported through notes
        model.fit(data)
    if not model.converged_:
        notes.append(
            f"the {model.display_name} fit did not converge ({model.convergence_message_}); "
            "its values are unreliable and it has no standard errors"
        )
    return model


def run_value(
    tx,
    accounts=None,
    *,
    until=None,
    model: str = "bgnbd",
    horizon_months: float = 36,
    discount: float = 0.10,
    rates=None,
    history_pnl: Callable[[str], pd.DataFrame] | None = None,
) -> ValueRun:
    """Summarise, fit ``model`` and Gamma-Gamma, build the P&L over all history and value
    every account that bought up to ``until`` (the steps of ``kamlab value``). A
    :class:`~kamlab.workflows.PeriodRun` keeps the result for the rest of the run.
    ``history_pnl(end)``: the P&L over all history to ``end`` where it is kept already
    (it does not depend on the model: one computation serves every model's run)."""
    import kamlab.models as models
    from kamlab.summary import summarize
    from kamlab.value.clv import spend_data

    if model not in MODELS:
        raise ConfigError(f"model {model!r}: expected one of {', '.join(MODELS)}")
    notes: list[str] = []
    summary = summarize(tx, until=until)
    purchases = fit_model(getattr(models, MODELS[model])(), summary, notes)
    fit_on, _ = spend_data(summary, notes)  # repeat purchases of no value left out
    spend = fit_model(models.GammaGamma(), fit_on, notes)
    pnl = history_pnl(summary.attrs["until"]) if history_pnl is not None else None
    return _valued(
        tx, accounts, summary, purchases, spend, notes, horizon_months, discount, rates, pnl=pnl
    )


def evaluate_value(
    fitted: ValueRun,
    tx,
    accounts=None,
    *,
    until=None,
    horizon_months: float = 36,
    discount: float = 0.10,
    rates=None,
) -> ValueRun:
    """``fitted``'s purchase and spend models, with the parameters fitted there, evaluated
    on the accounts of ``tx`` (the same lines rolled up to global accounts, say): the
    summary, P&L and customer value of :func:`run_value`, without fitting again. The
    parameters describe the population the models were fitted on; each account's values
    still rest on its own history."""
    from kamlab.summary import summarize

    notes = [
        f"{fitted.purchases.display_name} and Gamma-Gamma with the parameters fitted on the "
        "accounts before the roll-up, evaluated on these accounts without fitting again"
    ]
    summary = summarize(tx, until=until)
    return _valued(
        tx,
        accounts,
        summary,
        fitted.purchases,
        fitted.spend,
        notes,
        horizon_months,
        discount,
        rates,
    )


def _valued(
    tx, accounts, summary, purchases, spend, notes, horizon_months, discount, rates, pnl=None
):
    """The :class:`ValueRun` of fitted models on ``summary``: P&L over all history (``pnl``
    when given) and customer value."""
    from kamlab.value.clv import clv_inputs, customer_value, spend_data, usable_spend
    from kamlab.value.pnl import customer_pnl

    if pnl is None:
        pnl = customer_pnl(tx, accounts, until=summary.attrs["until"], rates=rates)
    _, summary = spend_data(summary, [])  # said in the notes when fitted
    used = usable_spend(spend, summary, notes)
    value = customer_value(
        summary,
        purchases,
        used,
        horizon_months=horizon_months,
        discount=discount,
        **clv_inputs(pnl, summary),
    )
    return ValueRun(summary, pnl, purchases, spend, value, notes, used)


def fit_uplift_model(
    transactions,
    accounts=None,
    *,
    until=None,
    horizon_months=36,
    discount=0.10,
    rates=None,
    holdout_weeks=None,
    comparison=None,
):
    """The run's purchase model (:func:`pick_uplift_run` over :func:`run_value`), chosen by
    ``comparison`` (default: :func:`~kamlab.models.holdout.compare_purchase_models` with
    ``holdout_weeks``, 26 unless given): ``(name, ValueRun, parameter draws it supports,
    note)``."""
    from kamlab.models.holdout import HOLDOUT_WEEKS, compare_purchase_models
    from kamlab.summary import summaries_kept

    kw = dict(until=until, horizon_months=horizon_months, discount=discount, rates=rates)
    with summaries_kept(transactions):  # the comparison and every fit summarise to one end
        if comparison is None:
            weeks = HOLDOUT_WEEKS if holdout_weeks is None else holdout_weeks
            comparison = compare_purchase_models(transactions, until=until, holdout_weeks=weeks)
        return pick_uplift_run(
            lambda model: run_value(transactions, accounts, model=model, **kw), comparison
        )


def pick_uplift_run(value_of: Callable[[str], ValueRun], comparison, *, n_draws=DEFAULT_DRAWS):
    """The model ``comparison`` (a :class:`~kamlab.models.holdout.ModelComparison`) chose,
    fitted on all the data with Gamma-Gamma spend; when that fit does not converge, the
    next model by the comparison's rule that does (none: the chosen one, with a caution).
    ``value_of(model)`` gives the :class:`ValueRun` of a model of :data:`MODELS`.

    Returns ``(name, ValueRun, parameter draws it supports, note)``: the model's display
    name, the draws (0 when the fit has no covariance, so no interval) and a note saying
    which model and why, citing the holdout's mean absolute error
    (:func:`model_choice_note`)."""
    from kamlab.value.uplift import weakly_identified, without_covariance

    ranking = comparison.ranking
    skipped = []
    for short in ranking:
        run = None  # a run passed over can go before the next one is computed or loaded
        run = value_of(short)
        if run.purchases.converged_:
            break
        skipped.append(run.purchases.display_name)
    else:
        run = value_of(ranking[0])
    name = run.purchases.display_name
    note = model_choice_note(comparison, used=name, skipped=skipped)
    converged = run.purchases.converged_
    draws = n_draws if converged and not without_covariance(run.value) else 0
    uncertain = weakly_identified(run.value) if draws else []
    if uncertain:  # draws would take minutes and the interval span orders of magnitude
        draws = 0
    if not converged:
        note += (
            " No purchase model converged on all the data; the values below use "
            f"{name} as fitted, without an interval: treat them with caution."
        )
    elif uncertain:
        note += (
            " No interval: these data pin the model's parameters down too loosely "
            f"({', '.join(uncertain)}), as a short history does."
        )
    elif not draws:
        note += " No interval: the fit has no covariance."
    return name, run, draws, note


def _mae(value) -> str:
    return "n/a" if value != value else f"{value:.3f}"


def model_choice_note(comparison, *, used: str | None = None, skipped=()) -> str:
    """Which purchase model the run uses and why, in a sentence or two: the holdout, each
    model's mean absolute error per account (or log-likelihood in sample), any fallback,
    and (``used``, ``skipped``) a chosen model that did not converge on all the data."""
    from kamlab.models.holdout import MIN_HOLDOUT_WEEKS

    t = comparison.table
    chosen = comparison.chosen_name
    others = [
        f"{row['model']} {_mae(row['mae'])}" + ("" if row["converged"] else ", not converged")
        for short, row in t.iterrows()
        if short != comparison.chosen
    ]
    if comparison.rule == "in_sample":
        lls = ", ".join(
            f"{row['model']} {row['log_likelihood']:,.1f}"
            for _, row in t.iterrows()
            if row["log_likelihood"] == row["log_likelihood"]
        )
        why = {
            "in_sample": f"the history ({comparison.history_weeks:.0f} weeks) is too short "
            f"for a holdout of {comparison.requested_weeks} weeks, or of the shortest, "
            f"{MIN_HOLDOUT_WEEKS} weeks, with a calibration window as long",
            "calibration_unfit": "no model could be fitted on the data before a "
            f"{comparison.requested_weeks}-week holdout",
        }[comparison.fallback]
        note = (
            f"Purchase model: {chosen}, chosen in sample because {why}: the highest "
            f"log-likelihood on all the data among the models that converged ({lls}); "
            "not tested out of sample."
        )
    else:
        row = t.loc[comparison.chosen]
        note = (
            f"Purchase model: {chosen}, chosen out of sample: "
            + (
                "the lowest mean absolute error per account"
                if comparison.rule == "lowest_mae"
                else "no model converged on the calibration window; the lowest mean "
                "absolute error per account all the same"
            )
            + f" in the {comparison.holdout_weeks} weeks to {comparison.end} "
            f"({_mae(row['mae'])} repeat purchases; {'; '.join(others)}), each fitted on "
            f"the data to {comparison.calibration_end} ({row['predicted']:,.0f} repeat purchases "
            f"predicted, {row['actual']:,.0f} made)."
        )
        errors = t.loc[t["converged"], "mae"].dropna()
        if len(errors) > 1 and errors.max() <= 1.02 * errors.min():
            note += (
                " The converged models' errors are within 2% of each other: the holdout "
                "barely tells them apart."
            )
        if comparison.fallback == "shorter_holdout":
            note += (
                f" The history ({comparison.history_weeks:.0f} weeks) is shorter than twice "
                f"the {comparison.requested_weeks}-week holdout asked for, so the holdout is "
                f"its last {comparison.holdout_weeks} weeks."
            )
    if used is not None and used != chosen:  # name the model the run uses first
        note = note.replace(
            f"Purchase model: {chosen}, chosen", f"Purchase model: {used}. {chosen} was chosen", 1
        )
        note += (
            f" {', '.join(skipped)} did not converge on all the data, so the run uses {used}, "
            "the next by the same rule."
        )
    return note


def choose_uplift_model(
    values: dict, *, n_draws: int = DEFAULT_DRAWS
) -> tuple[str, object, int, str]:
    """The first of ``values`` (name -> CustomerValue, in order of preference) whose
    purchase model converged, the number of parameter draws it supports (0 when it has
    no covariance, so no interval), and a sentence saying which and why.

    An unattended report must not stop because one model does not fit a data set (e.g.
    Pareto/NBD with almost no visible dropout): it falls back and says so.
    """
    from kamlab.value.uplift import without_covariance

    for position, (name, value) in enumerate(values.items()):
        if getattr(value.model, "converged_", False):
            draws = 0 if without_covariance(value) else n_draws
            note = f"Retention uplift with {name}" + (
                "" if draws else " (no interval: no covariance)"
            )
            skipped = list(values)[:position]
            if skipped:
                note += f"; {', '.join(skipped)} did not converge on these data"
            return name, value, draws, note + "."
    name, value = next(iter(values.items()))
    return (
        name,
        value,
        0,
        (
            f"No purchase model converged on these data; the uplift below uses {name} as fitted, "
            "without an interval: treat it with caution."
        ),
    )


def hours_plan(transactions, accounts, table, *, until=None, rates=None, choice=None, **options):
    """Account-manager hours for the accounts of ``table`` (``Portfolio.table_``), valued by
    the run's uplift model, then :func:`kamlab.portfolio.planning.plan_hours` with
    ``options`` (e.g. ``budget_hours``, ``growth_capture``, ``hour_cost``); each hour costs
    the cost rates' (``rates``) ``account_drivers.kam_hours`` unless ``hour_cost`` is given.
    ``choice()`` gives the model (default :func:`fit_uplift_model`). Returns the
    allocation and notes (which model, and why, first)."""
    from kamlab.portfolio.planning import KAM_TIERS, check_tiers, loaded_hour_cost, plan_hours

    check_tiers(table, options.get("tiers", KAM_TIERS))  # before the models are fitted
    loaded_hour_cost(rates, options.get("hour_cost"), options.get("hours_column", "kam_hours"))

    def fitted():
        return fit_uplift_model(transactions, accounts, until=until, rates=rates)

    _, run, _, note = (choice or fitted)()
    plan, notes = plan_hours(run, accounts, table, rates=rates, **options)
    return plan, [note, *notes]
