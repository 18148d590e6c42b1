"""Retention-driven profit uplift: what is X points more retention worth?

Reichheld & Sasser (1990) found that 5 points fewer defections raised profits by 25-85%.
Here the question is asked of the fitted models: raise retention for all accounts (or a
chosen set) and recompute each account's discounted value (:mod:`kamlab.value.clv`).

**What "retention" means** (the scenario changes it from now on; the past, and so the
chance that an account is still active today, is left as observed):

- BG/NBD and MBG/NBD: retention is ``1 - p``, the chance that an account stays active
  after a purchase. Given its history (and that it is active), an account's dropout
  probability is ``p ~ Beta(a, b + k)`` (``k`` dropout occasions survived). ``points = X``
  raises its expected retention ``E[1 - p]`` by ``X/100``: the posterior becomes
  ``Beta(a', b')`` with the same ``a' + b'`` (so the same uncertainty) and mean dropout
  ``E[p] - X/100``, capped at 99% of ``E[p]`` (flagged ``capped``) for accounts whose
  dropout is already below X points. ``churn_reduction = c`` instead scales ``E[p]``
  by ``1 - c``.
- Pareto/NBD: retention is *annual* retention, the chance that an account active now is
  still active a year later, ``E[exp(-mu Y) | history] = ((beta+T)/(beta+T+Y))^s``
  (``Y`` one year). ``points = X`` sets ``beta'`` so that it is ``X/100`` higher (capped
  at 99% of the way to 1); ``churn_reduction = c`` scales each account's dropout rate
  ``mu`` by ``1 - c`` (``beta' = (beta+T)/(1-c)``).
- sBG (contracts): retention is the chance of renewing at the next period, ``E[1 -
  theta]`` with ``theta ~ Beta(alpha, beta + n - 1)`` after ``n - 1`` renewals; shifted
  like BG/NBD's ``p``.

With constant retention ``r`` (no heterogeneity) and margin ``m`` per period, value is
Gupta & Lehmann's ``m r / (1 + d - r)`` (:func:`gupta_lehmann_clv`): at ``d = 10%``, ``r``
0.80 -> 0.85 lifts it by 27.5% and 0.90 -> 0.95 by 40.7%.

**Uncertainty.** The purchase (or sBG) and spend models' log-parameters are drawn from
their asymptotic normal ``N(log params_, log_covariance_)``; for each draw both the
baseline and the scenario are recomputed, and the interval is the percentile interval of
the draws (seeded: same ``seed``, same interval).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from kamlab.errors import ConfigError, InputError
from kamlab.models import search_budget
from kamlab.value.clv import CustomerValue
from kamlab.words import agreeing, counted

__all__ = [
    "RetentionUplift",
    "weakly_identified",
    "gupta_lehmann_clv",
    "retention_definition",
    "retention_uplift",
]


def gupta_lehmann_clv(margin: float, retention, discount: float):
    """CLV = m r / (1 + d - r): margin m each period survived, constant retention r
    (Gupta & Lehmann 2003, "Customers as assets", J. Interactive Marketing 17(1))."""
    retention = np.asarray(retention, dtype=float)
    return margin * retention / (1 + discount - retention)


def retention_definition(model) -> str:
    """What "retention" means for this model, in one sentence (see the module docstring):
    the model's own ``retention_definition``."""
    definition = getattr(model, "retention_definition", None)
    if not isinstance(definition, str):
        raise ConfigError(f"no retention scenario for {type(model).__name__}")
    return definition


@dataclass
class RetentionUplift:
    """Result of :func:`retention_uplift`.

    ``table`` (by account): ``clv``, ``clv_scenario``, ``uplift``, ``uplift_pct``,
    ``retention``, ``retention_scenario``, ``in_scenario``, ``capped`` and, when computed,
    ``uplift_lower``/``uplift_upper``. ``total``: ``value``, ``value_scenario``, ``uplift``,
    ``uplift_pct`` (of the portfolio value) with ``*_lower``/``*_upper`` interval bounds.
    ``draws``: one row per parameter draw. ``scenario``: ``{"points": X}`` or
    ``{"churn_reduction": c}``; ``level``: the interval's level; ``definition``: what
    retention means for the model. ``horizon_months`` (None: the customer's lifetime),
    ``discount`` and ``model`` (its display name): what the value counted. In Reichheld's
    terms: :func:`kamlab.presentation.value.uplift_headline` and
    :func:`kamlab.presentation.value.compare_with_reichheld`.
    """

    table: pd.DataFrame
    total: pd.Series
    scenario: dict
    level: float
    definition: str
    draws: pd.DataFrame = field(repr=False)
    horizon_months: float | None = None
    discount: float | None = None
    model: str = ""
    draws_requested: int = 0
    """Parameter draws asked for; ``len(draws)`` were used (fewer when some gave a
    non-finite value or the time budget ran out)."""
    draws_timed_out: bool = False
    """The draws stopped at the time budget (:func:`kamlab.models.search_budget`); with
    fewer than :data:`MIN_DRAWS` done there is no interval."""


MIN_DRAWS = 20
"""Fewer parameter draws than this give no interval (its tails would rest on one or two)."""


def _selection(accounts, index: pd.Index) -> np.ndarray:
    if accounts is None:
        return np.ones(len(index), dtype=bool)
    if isinstance(accounts, pd.Series) and accounts.dtype == bool:
        return accounts.reindex(index, fill_value=False).to_numpy()
    wanted = pd.Index(list(accounts) if not isinstance(accounts, pd.Index) else accounts)
    unknown = wanted.difference(index)
    if len(unknown):
        shown = ", ".join(map(str, unknown[:3]))
        raise InputError(
            f"{counted(len(unknown), 'chosen account')} {agreeing(len(unknown))} "
            f"not in the value table: {shown}"
        )
    mask = index.isin(wanted)
    if not mask.any():
        raise InputError("no accounts chosen for the scenario")
    return mask


def _scenario(points, churn_reduction) -> dict:
    if (points is None) == (churn_reduction is None):
        raise ConfigError("give exactly one of points= (e.g. 5) or churn_reduction= (e.g. 0.2)")
    if points is not None:
        if not np.isfinite(points) or not 0 < points < 100:
            raise ConfigError(f"points must be between 0 and 100 (e.g. 5), got {points!r}")
        return {"points": float(points)}
    if not np.isfinite(churn_reduction) or not 0 < churn_reduction < 1:
        raise ConfigError(
            f"churn_reduction must be between 0 and 1 (e.g. 0.2 = 20% less churn), got "
            f"{churn_reduction!r}"
        )
    return {"churn_reduction": float(churn_reduction)}


def _retention_columns(value: CustomerValue, scenario: dict, where: np.ndarray):
    model = value.model
    if value.kind == "contractual":
        post = model.posterior(value.inputs["renewals"])
    else:
        post = model.posterior(value.inputs["summary"])
    year = value.inputs.get("year")  # used by the models whose retention is annual
    new, capped = model.raise_retention(
        post, scenario.get("points"), scenario.get("churn_reduction"), year=year
    )
    before = model.retention(post, year=year)
    after = np.where(where, model.retention(new, year=year), before)
    return before, after, capped & where


def retention_uplift(
    value: CustomerValue,
    *,
    points: float | None = None,
    churn_reduction: float | None = None,
    accounts=None,
    n_draws: int = 200,
    level: float = 0.90,
    seed=0,
    account_intervals: bool | None = None,
    progress: bool | None = None,
) -> RetentionUplift:
    """Change in discounted value when retention improves, per account and in total.

    ``points``: retention rises by this many percentage points (``5`` = +0.05), or
    ``churn_reduction``: churn falls by this share (``0.2`` = 20% less); applied to
    ``accounts`` (ids or a boolean Series; all when None). ``n_draws`` parameter draws
    give a ``level`` percentile interval (0: point estimate only); ``account_intervals``
    (default: when accounts x draws <= 2e7) adds per-account bounds. The meaning of
    retention for each model is in the module docstring and in ``definition``.
    """
    scenario = _scenario(points, churn_reduction)
    index = value.table.index
    where = _selection(accounts, index)
    if not 0 < level < 1:
        raise ConfigError(f"level must be between 0 and 1 (e.g. 0.90), got {level!r}")

    base = value.table["clv"].to_numpy()
    scen = value.revalue(scenario=scenario, where=where)
    before, after, capped = _retention_columns(value, scenario, where)
    table = pd.DataFrame(
        {
            "clv": base,
            "clv_scenario": scen,
            "uplift": scen - base,
            "uplift_pct": np.where(base != 0, 100 * (scen - base) / np.abs(base), np.nan),
            "retention": before,
            "retention_scenario": after,
            "in_scenario": where,
            "capped": capped,
        },
        index=index,
    )
    total = {
        "value": base.sum(),
        "value_scenario": scen.sum(),
        "uplift": scen.sum() - base.sum(),
        "uplift_pct": 100 * (scen.sum() - base.sum()) / abs(base.sum()),
    }
    draws = _draws(value, scenario, where, n_draws, seed, account_intervals, progress)
    timed_out = bool(draws is not None and draws[2])
    if draws is not None and timed_out and len(draws[0]) < MIN_DRAWS:
        draws = None  # too few draws in the time allowed for an interval
    if draws is not None:
        frame, per_account, _ = draws
        lo, hi = 50 * (1 - level), 50 * (1 + level)
        for col in ("value", "value_scenario", "uplift", "uplift_pct"):
            total[f"{col}_lower"], total[f"{col}_upper"] = np.percentile(frame[col], [lo, hi])
        if per_account is not None:
            table["uplift_lower"], table["uplift_upper"] = np.percentile(per_account, [lo, hi], 0)
    else:
        frame = pd.DataFrame(columns=["value", "value_scenario", "uplift", "uplift_pct"])
    total = pd.Series(total, name="total")
    return RetentionUplift(
        table=table,
        total=total,
        scenario=scenario,
        level=level,
        definition=retention_definition(value.model),
        draws=frame,
        horizon_months=value.horizon_months,
        discount=value.discount,
        model=getattr(value.model, "display_name", type(value.model).__name__),
        draws_requested=int(n_draws or 0),
        draws_timed_out=timed_out,
    )


def without_covariance(value: CustomerValue) -> list:
    """The models behind ``value`` (purchases, spend) with no covariance to draw from: a
    fit that did not converge. An interval needs this list to be empty."""
    models = (value.model, value.inputs.get("spend_model"))
    return [
        m for m in models if m is not None and not np.all(np.isfinite(m.log_covariance_.to_numpy()))
    ]


MAX_LOG_SE = 2.0
"""A log-parameter whose standard error exceeds this (the parameter uncertain by a factor
of e^2, about 7, either way at one standard error) is not identified well enough for
parameter draws: some draws then lie where valuing takes minutes, and the interval would
span orders of magnitude. A short history (a few months) typically gives such a fit."""


def weakly_identified(value: CustomerValue) -> list[str]:
    """The parameters (``"BG/NBD a"``) of the models behind ``value`` whose log-scale
    standard error exceeds :data:`MAX_LOG_SE`: an interval needs this list to be empty."""
    out = []
    for m in (value.model, value.inputs.get("spend_model")):
        if m is None:
            continue
        cov = m.log_covariance_
        se = np.sqrt(np.clip(np.diag(cov.to_numpy()), 0, None))
        out += [
            f"{m.display_name} {p}" for p, e in zip(cov.index, se, strict=True) if e > MAX_LOG_SE
        ]
    return out


def _draws(value, scenario, where, n_draws, seed, account_intervals, progress):
    if not n_draws:
        return None
    model = value.model
    spend = value.inputs.get("spend_model")
    broken = without_covariance(value)
    if broken:
        m = broken[0]
        raise InputError(
            f"{m.display_name} has no covariance (its fit did not converge: "
            f"{m.convergence_message_}); no interval possible; use n_draws=0"
        )
    rng = np.random.default_rng(seed)
    purchase_draws = model.sample_params(n_draws, rng)
    spend_draws = spend.sample_params(n_draws, rng) if spend is not None else None
    n = len(value.table)
    keep_accounts = account_intervals if account_intervals is not None else n * n_draws <= 2e7
    per_account = np.empty((n_draws, n)) if keep_accounts else None
    rows = []
    from tqdm.auto import tqdm

    show = progress if progress is not None else n * n_draws > 2e6
    # a weakly identified fit (a short history) draws parameters where valuing is slow:
    # the draws share one fit's time budget, and stop there
    budget, started, timed_out = search_budget(), time.perf_counter(), False
    for i in tqdm(range(n_draws), desc="parameter draws", disable=not show):
        if i and time.perf_counter() - started > budget:
            timed_out = True
            rows.extend([(np.nan, np.nan)] * (n_draws - i))
            if per_account is not None:
                per_account[i:] = np.nan
            break
        m_i = model.with_params(purchase_draws.iloc[i])
        s_i = spend.with_params(spend_draws.iloc[i]) if spend is not None else None
        if s_i is not None and s_i.params_.get("q", np.inf) <= 1:
            # a draw with infinite mean spend lies outside the model: dropped (as non-finite)
            rows.append((np.nan, np.nan))
            if per_account is not None:
                per_account[i] = np.nan
            continue
        with np.errstate(all="ignore"):
            base = value.revalue(model=m_i, spend=s_i)
            scen = value.revalue(model=m_i, spend=s_i, scenario=scenario, where=where)
        if per_account is not None:
            per_account[i] = scen - base
        rows.append((base.sum(), scen.sum()))
    frame = pd.DataFrame(rows, columns=["value", "value_scenario"])
    frame["uplift"] = frame["value_scenario"] - frame["value"]
    frame["uplift_pct"] = 100 * frame["uplift"] / frame["value"].abs()
    finite = np.isfinite(frame).all(axis=1).to_numpy()
    if not finite.all():
        frame = frame[finite]
        per_account = per_account[finite] if per_account is not None else None
    if frame.empty and not timed_out:
        raise InputError("every parameter draw gave a non-finite value: no interval possible")
    return frame.reset_index(drop=True), per_account, timed_out
