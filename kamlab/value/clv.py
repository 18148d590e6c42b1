"""Customer lifetime value per account, from the fitted purchase, spend and retention models.

**Non-contractual accounts** (:func:`customer_value`; BG/NBD, MBG/NBD or Pareto/NBD for
purchases, Gamma-Gamma for spend). The horizon of ``H`` months is cut into steps of one
month (or one week) ending at ``t_1 < ... < t_K = H``; with ``t`` in months,

    E_i(t)   = P_i(alive) * E[purchases of i in (T, T+t] | alive]        (model's eq.)
    CLV_i    = (m_i z_i - c_i) * sum_k [E_i(t_k) - E_i(t_{k-1})] (1+d)^(-t_k/12)
               - C_i * sum_k (t_k - t_{k-1})/12 * P_i(active at t_k) (1+d)^(-t_k/12)

where ``z_i`` is the expected spend per purchase (Gamma-Gamma, conditional on the
account's own purchases), ``m_i`` the gross-margin share of revenue, ``c_i`` the cost to
serve per purchase, ``C_i`` the cost to serve per year of being an active account and
``d`` the annual discount rate. Purchases within a step are discounted as if made at
its end (``(1+d)^(-t_k/12)``, conservative by at most half a step). ``P_i(active at t)``
is the chance that the account is still active ``t`` after the end of the window.

**Contractual accounts** (:func:`contract_value`; sBG): ``CLV_i = m_i DERL_i`` with the
Fader & Hardie (2010) discounted expected residual lifetime of an account that has
renewed ``n_i - 1`` times, payments of margin ``m_i`` at the start of each period (the
next one undiscounted, if it renews) and ``d`` the discount rate per period.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from kamlab.errors import ConfigError, InputError
from kamlab.models import GammaGamma, ShiftedBetaGeometric
from kamlab.summary import PERIOD_DAYS
from kamlab.value.pnl import TRANSACTION_DRIVERS, cost_lines
from kamlab.words import counted

__all__ = [
    "VALUE_COLUMNS",
    "CustomerValue",
    "clv_inputs",
    "contract_value",
    "customer_value",
    "discount_schedule",
    "usable_spend",
]

YEAR_DAYS = 365.25
STEP_DAYS = {"month": YEAR_DAYS / 12, "week": 7.0}

VALUE_COLUMNS = {
    "probability_alive": "P(the account is still active at the end of the window)",
    "expected_purchases": "expected purchases over the horizon (undiscounted)",
    "discounted_purchases": "expected purchases over the horizon, discounted",
    "expected_spend": "expected spend per purchase (Gamma-Gamma, conditional)",
    "margin_share": "gross margin as a share of revenue",
    "discounted_revenue": "discounted_purchases x expected_spend",
    "discounted_gross_margin": "discounted_revenue x margin_share",
    "discounted_cost_to_serve": "per-purchase and per-year cost to serve, discounted",
    "clv": "discounted_gross_margin - discounted_cost_to_serve",
}
"""Columns of :attr:`CustomerValue.table` for non-contractual accounts."""


def discount_schedule(horizon_months: float, discount: float, step: str = "month") -> pd.DataFrame:
    """The steps of the horizon: ``days`` (end of each step), ``years``, ``factor`` = (1+d)^-years.

    ``step`` is ``month`` (365.25/12 days) or ``week``; the last step ends at the horizon.
    """
    if step not in STEP_DAYS:
        raise ConfigError(f"step {step!r}: expected 'month' or 'week'")
    if not np.isfinite(horizon_months) or horizon_months <= 0:
        raise ConfigError(f"horizon_months must be > 0, got {horizon_months!r}")
    if not np.isfinite(discount) or discount < 0:
        raise ConfigError(f"discount (annual rate) must be >= 0, e.g. 0.10; got {discount!r}")
    horizon_days = horizon_months * YEAR_DAYS / 12
    k = int(np.ceil(horizon_days / STEP_DAYS[step] - 1e-9))
    days = np.minimum(np.arange(1, k + 1) * STEP_DAYS[step], horizon_days)
    years = days / YEAR_DAYS
    return pd.DataFrame({"days": days, "years": years, "factor": (1 + discount) ** -years})


def _per_account(value, index: pd.Index, name: str, *, default=None) -> np.ndarray:
    """A number or a Series by account id -> array aligned with ``index``."""
    if value is None:
        return np.full(len(index), default, dtype=float)
    if isinstance(value, pd.Series):
        aligned = value.reindex(index)
        missing = aligned.isna()
        if missing.any():
            ids = ", ".join(map(str, index[missing.to_numpy()][:3]))
            raise InputError(
                f"{name} has no value for {counted(int(missing.sum()), 'account')} (e.g. {ids}); give "
                "one for every account in the summary (0 if none)"
            )
        return aligned.to_numpy(dtype=float)
    arr = float(value)
    if not np.isfinite(arr):
        raise InputError(f"{name} must be a finite number or a Series by account id")
    return np.full(len(index), arr)


def _margin_share(summary: pd.DataFrame, margin) -> np.ndarray:
    if margin is not None:
        share = _per_account(margin, summary.index, "margin")
    else:
        if not {"gross_margin", "revenue"} <= set(summary.columns):
            raise ConfigError(
                "no margin given and the summary has no gross_margin and revenue columns: pass "
                "margin=0.3 (share of revenue) or a Series of shares by account id"
            )
        gm = pd.to_numeric(summary["gross_margin"], errors="coerce")
        rev = pd.to_numeric(summary["revenue"], errors="coerce")
        if gm.isna().any():
            raise InputError(
                f"gross_margin is missing (cost unknown) for {counted(int(gm.isna().sum()), 'account')}: "
                "pass margin= (a share of revenue, or a Series by account id)"
            )
        ok = rev > 0
        portfolio = gm[ok].sum() / rev[ok].sum() if ok.any() else np.nan
        share = np.where(ok, gm / rev.where(ok), portfolio)
    if np.any(~np.isfinite(share)) or np.any(np.abs(share) > 1):
        raise InputError("margin shares must be finite numbers between -1 and 1 (e.g. 0.3 = 30%)")
    return share


@dataclass
class CustomerValue:
    """Per-account value (``table``) and everything needed to recompute it under scenarios.

    ``table`` is indexed by account id with the columns in :data:`VALUE_COLUMNS`
    (contractual: ``renewals, retention, derl, margin_per_period, clv``); ``total`` is
    the portfolio value. Built by :func:`customer_value` or :func:`contract_value`.
    """

    table: pd.DataFrame
    model: object
    kind: str  # "noncontractual" or "contractual"
    discount: float
    inputs: dict = field(repr=False)
    horizon_months: float | None = None
    step: str | None = None
    time_unit: str | None = None

    @property
    def total(self) -> float:
        """Portfolio value: the sum of ``clv``."""
        return float(self.table["clv"].sum())

    def revalue(self, model=None, spend=None, scenario: dict | None = None, where=None):
        """CLV per account (array) with other model parameters and/or a retention scenario.

        ``model``/``spend``: refitted or drawn copies of the purchase (or sBG) and spend
        models; ``scenario``: ``{"points": x}`` or ``{"churn_reduction": c}`` applied to the
        accounts where ``where`` (boolean array) is True (all when None).
        """
        model = self.model if model is None else model
        if self.kind == "contractual":
            post = model.posterior(self.inputs["renewals"])
            if scenario:
                post = _apply(model, post, scenario, where, year=None)
            return self.inputs["margin"] * model.derl_posterior(post, self.discount)
        post = model.posterior(self.inputs["summary"])
        if scenario:
            post = _apply(model, post, scenario, where, year=self.inputs["year"])
        z = self.inputs["spend"] if spend is None else _spend(spend, self.inputs["summary"])
        return _noncontractual(model, post, z, self.inputs)["clv"]

    def with_horizon(self, horizon_months: float, *, cost_per_year=None) -> CustomerValue:
        """The same accounts, models, margins, costs and discount rate valued over
        ``horizon_months`` instead (e.g. 12: the next year's discounted profit, the basis
        of an annual plan); ``cost_per_year`` (a Series by account id) replaces the yearly
        cost to serve when given. Non-contractual values only: a contract value (sBG
        DERL) runs to the end of the relationship and has no horizon to change."""
        if self.kind == "contractual":
            raise ConfigError(
                "a contract value (sBG) has no horizon to change: its DERL runs to the end of "
                "the relationship; use a non-contractual value (BG/NBD, Pareto/NBD)"
            )
        inp = self.inputs
        index = inp["summary"].index
        spend = inp["spend_model"]
        return customer_value(
            inp["summary"],
            self.model,
            spend if spend is not None else pd.Series(inp["spend"], index=index),
            horizon_months=horizon_months,
            discount=self.discount,
            margin=pd.Series(inp["margin"], index=index),
            cost_per_purchase=pd.Series(inp["cost_per_purchase"], index=index),
            cost_per_year=(
                pd.Series(inp["cost_per_year"], index=index)
                if cost_per_year is None
                else cost_per_year
            ),
            step=self.step or "month",
            time_unit=self.time_unit,
        )


def _apply(model, post, scenario, where, *, year):
    new, _ = model.raise_retention(
        post, scenario.get("points"), scenario.get("churn_reduction"), year=year
    )
    if where is None:
        return new
    mixed = dict(post)
    for key, val in new.items():
        if isinstance(val, np.ndarray) and val.shape == np.shape(post[key]):
            mixed[key] = np.where(where, val, post[key])
    return mixed


def _spend(spend, summary: pd.DataFrame) -> np.ndarray:
    if isinstance(spend, GammaGamma):
        return spend.conditional_expected_spend(summary).to_numpy()
    return _per_account(spend, summary.index, "spend")


def _time_unit(model, summary: pd.DataFrame, time_unit: str | None) -> str:
    unit = time_unit or getattr(model, "time_unit_", None) or summary.attrs.get("period") or "week"
    if unit not in PERIOD_DAYS:
        raise ConfigError(f"time unit {unit!r}: expected one of {', '.join(PERIOD_DAYS)}")
    return unit


def _on_unique(fn, t, post: dict) -> np.ndarray:
    """``fn(t, post)`` computed once per distinct posterior (accounts sharing x and T)."""
    keys = [k for k, v in post.items() if k not in ("index", "p_alive", "x")]
    stacked = np.column_stack([post[k] for k in keys])
    uniq, inverse = _distinct_rows(stacked)
    if len(uniq) > 0.7 * len(stacked):
        return fn(t, post)
    reduced = {k: uniq[:, j] for j, k in enumerate(keys)}
    return fn(t, reduced)[inverse]


def _distinct_rows(stacked: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct rows of a 2-D array and, for each row, the index of its distinct row:
    a hash group-by (``np.unique(axis=0)`` sorts the rows: 6x slower at 100k rows)."""
    frame = pd.DataFrame(stacked)
    # sort=False numbers the groups in the order they first appear
    inverse = frame.groupby(list(frame.columns), sort=False, dropna=False).ngroup().to_numpy()
    first = pd.Series(inverse).drop_duplicates().index.to_numpy()  # row of group 0, 1, ...
    return stacked[first], inverse


BLOCK_CELLS = 2_000_000
"""Accounts are valued in blocks of at most this many accounts x steps (16 MB a matrix):
the horizon's matrices of 100k accounts x 120 months would otherwise take ~0.4 GB."""

_MIN_BLOCK = 1_000  # accounts: fewer per block would only add Python overhead
_PER_ACCOUNT_INPUTS = ("margin", "cost_per_purchase", "cost_per_year")


def _noncontractual(model, post: dict, z: np.ndarray, inp: dict) -> dict:
    """:func:`_noncontractual_block` over blocks of accounts (:data:`BLOCK_CELLS`)."""
    n, steps = len(post["p_alive"]), len(inp["t_model"])
    size = max(_MIN_BLOCK, BLOCK_CELLS // max(steps, 1))
    if n <= size:
        return _noncontractual_block(model, post, z, inp)

    def rows(value, part: slice):
        is_column = isinstance(value, np.ndarray) and value.ndim >= 1 and len(value) == n
        return value[part] if is_column else value

    blocks = []
    for start in range(0, n, size):
        part = slice(start, start + size)
        block_post = {k: rows(v, part) for k, v in post.items()}
        block_inp = {k: rows(v, part) if k in _PER_ACCOUNT_INPUTS else v for k, v in inp.items()}
        blocks.append(_noncontractual_block(model, block_post, rows(z, part), block_inp))
    return {key: np.concatenate([block[key] for block in blocks]) for key in blocks[0]}


def _noncontractual_block(model, post: dict, z: np.ndarray, inp: dict) -> dict:
    t = inp["t_model"]
    factor, dt_years = inp["factor"], inp["dt_years"]
    p_alive = post["p_alive"]
    cum = _on_unique(model.expected_purchases_given_alive, t, post)  # accounts x steps, given alive
    increments = np.diff(cum, axis=1, prepend=0.0)
    disc_purchases = p_alive * (increments @ factor)
    out = {
        "probability_alive": p_alive,
        "expected_purchases": p_alive * cum[:, -1],
        "discounted_purchases": disc_purchases,
        "expected_spend": z,
    }
    revenue = disc_purchases * z
    gm = revenue * inp["margin"]
    cost = disc_purchases * inp["cost_per_purchase"]
    if np.any(inp["cost_per_year"] != 0):
        active = _on_unique(model.survival_given_alive, t, post)
        cost = cost + inp["cost_per_year"] * p_alive * (active @ (dt_years * factor))
    out.update(
        margin_share=inp["margin"],
        discounted_revenue=revenue,
        discounted_gross_margin=gm,
        discounted_cost_to_serve=cost,
        clv=gm - cost,
    )
    return out


def customer_value(
    summary: pd.DataFrame,
    purchases,
    spend,
    *,
    horizon_months: float = 36,
    discount: float = 0.10,
    margin=None,
    cost_per_purchase=None,
    cost_per_year=None,
    step: str = "month",
    time_unit: str | None = None,
) -> CustomerValue:
    """Discounted customer lifetime value per account over ``horizon_months``.

    ``purchases``: a fitted :class:`~kamlab.models.PurchaseModel` (``BetaGeo``,
    ``ModifiedBetaGeo``, ``ParetoNBD``), used through its public protocol; ``spend``: a fitted
    :class:`~kamlab.models.GammaGamma` (or a number / Series of spend per purchase).
    ``discount`` is the annual rate; ``margin`` the gross-margin share of revenue (a
    number or a Series by account; default: the summary's ``gross_margin / revenue``,
    the portfolio share for accounts with revenue <= 0). ``cost_per_purchase`` and
    ``cost_per_year``: optional cost to serve (numbers or Series by account id).
    ``time_unit`` of the summary's recency and T: default the model's (from
    ``summary.attrs``), else ``week``. Formula in the module docstring.
    """
    index = summary.index
    unit = _time_unit(purchases, summary, time_unit)
    sched = discount_schedule(horizon_months, discount, step)
    inputs = {
        "summary": summary,
        "t_model": sched["days"].to_numpy() / PERIOD_DAYS[unit],
        "factor": sched["factor"].to_numpy(),
        "dt_years": np.diff(sched["years"].to_numpy(), prepend=0.0),
        "year": YEAR_DAYS / PERIOD_DAYS[unit],
        "margin": _margin_share(summary, margin),
        "cost_per_purchase": _per_account(
            cost_per_purchase, index, "cost_per_purchase", default=0.0
        ),
        "cost_per_year": _per_account(cost_per_year, index, "cost_per_year", default=0.0),
    }
    inputs["spend"] = _spend(spend, summary)
    inputs["spend_model"] = spend if isinstance(spend, GammaGamma) else None
    post = purchases.posterior(summary)
    table = pd.DataFrame(_noncontractual(purchases, post, inputs["spend"], inputs), index=index)
    table.attrs.update(horizon_months=horizon_months, discount=discount, time_unit=unit)
    return CustomerValue(
        table=table,
        model=purchases,
        kind="noncontractual",
        discount=discount,
        inputs=inputs,
        horizon_months=horizon_months,
        step=step,
        time_unit=unit,
    )


def contract_value(
    model: ShiftedBetaGeometric, renewals, margin, *, discount: float = 0.10
) -> CustomerValue:
    """Value of contractual accounts: ``margin x DERL`` (Fader & Hardie 2010).

    ``renewals``: a Series by account id of renewals made so far (``n - 1``; 0 for an
    account in its first period); ``margin``: margin per period (number or Series);
    ``discount``: rate per model period (annual when the periods are years).
    """
    if not isinstance(renewals, pd.Series):
        raise InputError("renewals must be a Series of renewal counts indexed by account id")
    ren = pd.to_numeric(renewals, errors="coerce")
    if ren.isna().any() or (ren < 0).any() or (ren != ren.round()).any():
        raise InputError("renewals must be whole numbers >= 0 (renewals made so far), no NaN")
    if not np.isfinite(discount) or discount <= 0:
        raise ConfigError(f"discount (rate per period) must be > 0, got {discount!r}")
    ren_arr = ren.to_numpy(dtype=float)
    m = _per_account(margin, renewals.index, "margin")
    post = model.posterior(ren_arr)
    derl = model.derl_posterior(post, discount)
    table = pd.DataFrame(
        {
            "renewals": ren_arr,
            "retention": model.retention(post),
            "derl": derl,
            "margin_per_period": m,
            "clv": m * derl,
        },
        index=renewals.index,
    )
    return CustomerValue(
        table=table,
        model=model,
        kind="contractual",
        discount=discount,
        inputs={"renewals": ren_arr, "margin": m},
    )


ZERO_SPEND = 1e-9
"""The spend per purchase given to accounts whose repeat purchases were of no value."""


def spend_data(summary: pd.DataFrame, notes: list[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(fit_on, summary)``: the accounts to fit Gamma-Gamma on, and the summary to value.

    Gamma-Gamma needs positive spend: accounts whose repeat purchases were of no value
    (free goods, fully discounted orders) are left out of the fit, and valued at
    :data:`ZERO_SPEND` per purchase (said in the notes)."""
    zero = (summary["frequency"] > 0) & (summary["monetary_value"] <= 0)
    if not zero.any():
        return summary, summary
    notes.append(
        f"{counted(int(zero.sum()), 'account')} with repeat purchases of no value: left out of the "
        "Gamma-Gamma fit"
    )
    valued = summary.assign(monetary_value=summary["monetary_value"].where(~zero, ZERO_SPEND))
    return valued[~zero], valued


def usable_spend(spend: GammaGamma, summary: pd.DataFrame, notes: list[str]):
    """The Gamma-Gamma model, or, when its fit did not converge (e.g. stopped by the
    search's time budget) or its q <= 1 (infinite mean spend: spend too
    heavy-tailed for the model), each account's observed mean spend per repeat purchase
    (the portfolio's mean for accounts without repeat purchases), said in the notes."""
    converged = getattr(spend, "converged_", True)
    if converged and spend.params_["q"] > 1:
        return spend
    repeat = summary["frequency"] > 0
    mean = float(summary.loc[repeat, "monetary_value"].mean()) if repeat.any() else 0.0
    why = (
        f"Gamma-Gamma q = {spend.params_['q']:.3g} <= 1 (spend too heavy-tailed for the model)"
        if converged
        else "Gamma-Gamma did not converge (in the time allowed or at all)"
    )
    notes.append(
        f"{why}: each account's observed mean spend is used instead, and the uplift interval "
        "reflects the purchase model's uncertainty only"
    )
    return summary["monetary_value"].where(repeat, mean)


# --------------------------------------------------------------------------- inputs


def _transaction_lines(pnl: pd.DataFrame) -> list[str]:
    driven = {f"cts_{c}" for c in TRANSACTION_DRIVERS.values()} | {"cts_financing"}
    return [c for c in cost_lines(pnl) if c in driven]


def clv_inputs(pnl: pd.DataFrame, summary: pd.DataFrame) -> pd.DataFrame:
    """The per-account inputs of :func:`kamlab.value.customer_value` taken from the P&L.

    ``pnl`` should cover the same window as ``summary`` (``customer_pnl(tx, ...,
    until=summary.attrs["until"])``, all history). One row per account of the summary:

    - ``margin``: gross margin / net revenue (the portfolio's share where net revenue
      <= 0), clipped to [-1, 1];
    - ``cost_per_purchase``: the transaction-driven cost to serve (orders, lines,
      returns, deliveries) and financing, per purchase day (``frequency + 1``): the
      purchases the models count;
    - ``cost_per_year``: the account-driven cost to serve (service calls, KAM hours,
      ...) per year the account was charged for.

    Raises :class:`~kamlab.errors.InputError` when accounts of the summary have no P&L row.
    """
    missing = summary.index.difference(pnl.index)
    if len(missing):
        raise InputError(
            f"the P&L has no row for {counted(len(missing), 'account')} of the summary (e.g. "
            f"{', '.join(map(str, missing[:3]))}); build both over the same window"
        )
    p = pnl.reindex(summary.index)
    net = p["net_revenue"].astype(float)
    gm = p["gross_margin"].astype(float)
    positive = net > 0
    portfolio = gm[positive].sum() / net[positive].sum() if positive.any() else 0.0
    margin = (gm / net.where(positive)).fillna(portfolio).clip(-1.0, 1.0)
    purchase_days = summary["frequency"].astype(float) + 1.0
    by_tx = _transaction_lines(p)
    by_account = [c for c in cost_lines(p) if c not in by_tx]
    per_purchase = p[by_tx].sum(axis=1) / purchase_days
    years = p["years"].astype(float).where(p["years"] > 0)
    per_year = (p[by_account].sum(axis=1) / years).fillna(0.0)
    return pd.DataFrame(
        {"margin": margin, "cost_per_purchase": per_purchase, "cost_per_year": per_year},
        index=summary.index,
    )
