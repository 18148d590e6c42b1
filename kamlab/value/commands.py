"""The value run behind ``kamlab value``, ``kamlab uplift`` and ``kamlab pnl`` (their
command line is :mod:`kamlab.cli.value`), the same steps as ``notebooks/03_value.ipynb``:

- ``pnl``: :func:`kamlab.value.customer_pnl` over a window, and the whale headline;
- ``value``: the P&L, a purchase model (BG/NBD or Pareto/NBD) and Gamma-Gamma fitted on
  :func:`kamlab.summarize`, and :func:`kamlab.value.clv.customer_value` with margin and
  cost to serve taken from each account's P&L (:func:`~kamlab.value.report_tables.clv_inputs`);
- ``uplift``: the value, then :func:`kamlab.value.uplift.retention_uplift` with an
  interval from parameter draws.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import pandas as pd

from kamlab.errors import ConfigError

__all__ = ["DEFAULT_DRAWS", "MODELS", "ValueRun", "fit_uplift_model", "run_value"]

MODELS = {"bgnbd": "BetaGeo", "pareto-nbd": "ParetoNBD"}
"""``--model`` choices -> class in :mod:`kamlab.models`."""

# --------------------------------------------------------------------------- the steps


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


def _fit(model, data, notes: list[str]):
    from kamlab.models import ConvergenceWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # reported through notes
        model.fit(data)
    if not model.converged_:
        notes.append(
            f"the {model._model_name} fit did not converge ({model.convergence_message_}); "
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
) -> ValueRun:
    """Summarise, fit ``model`` and Gamma-Gamma, build the P&L over all history and value
    every account that bought up to ``until`` (the steps of ``kamlab value``). Within a
    report run the result is shared between notebooks (:mod:`kamlab.cache`)."""
    from kamlab.cache import fingerprint, memo
    from kamlab.io import accounts_by_id

    key = (
        len(getattr(tx, "data", tx)),
        fingerprint(accounts_by_id(accounts)),
        until,
        model,
        horizon_months,
        discount,
        repr(rates),
    )
    return memo(
        "value",
        key,
        lambda: _run_value(tx, accounts, until, model, horizon_months, discount, rates),
    )


def _run_value(tx, accounts, until, model, horizon_months, discount, rates) -> ValueRun:
    import kamlab.models as models
    from kamlab.summary import summarize
    from kamlab.value.clv import customer_value, spend_data, usable_spend
    from kamlab.value.pnl import customer_pnl
    from kamlab.value.report_tables import clv_inputs

    if model not in MODELS:
        raise ConfigError(f"model {model!r}: expected one of {', '.join(MODELS)}")
    notes: list[str] = []
    summary = summarize(tx, until=until)
    pnl = customer_pnl(tx, accounts, until=summary.attrs["until"], rates=rates)
    purchases = _fit(getattr(models, MODELS[model])(), summary, notes)

    fit_on, summary = spend_data(summary, notes)  # repeat purchases of no value left out
    spend = _fit(models.GammaGamma(), fit_on, notes)
    value = customer_value(
        summary,
        purchases,
        usable_spend(spend, summary, notes),
        horizon_months=horizon_months,
        discount=discount,
        **clv_inputs(pnl, summary),
    )
    return ValueRun(summary, pnl, purchases, spend, value, notes)


def fit_uplift_model(
    transactions, accounts=None, *, until=None, horizon_months=36, discount=0.10, rates=None
):
    """The value model for the retention headline, chosen as the value notebook chooses it:
    Pareto/NBD (annual retention) when it converges, else BG/NBD (both with Gamma-Gamma
    spend). Returns ``(name, ValueRun, parameter draws it supports, note)``, the note
    saying which model and why (:func:`kamlab.value.report_tables.choose_uplift_model`)."""
    from kamlab.value.report_tables import choose_uplift_model

    kw = dict(until=until, horizon_months=horizon_months, discount=discount, rates=rates)
    runs = {"Pareto/NBD": run_value(transactions, accounts, model="pareto-nbd", **kw)}
    if not runs["Pareto/NBD"].purchases.converged_:
        runs["BG/NBD"] = run_value(transactions, accounts, model="bgnbd", **kw)
    name, _, draws, note = choose_uplift_model({k: r.value for k, r in runs.items()})
    return name, runs[name], draws, note


DEFAULT_DRAWS = 200
"""Parameter draws behind ``kamlab uplift``'s interval when ``--draws`` is not given."""
