"""Shifted-beta-geometric (sBG) model of contract renewals.

Fader & Hardie (2007), "How to project customer retention", *Journal of Interactive
Marketing* 21(1); Fader & Hardie (2010), "Customer-base valuation in a contractual
setting: the perils of ignoring heterogeneity", *Marketing Science* 29(1).

Each customer of a cohort renews at the end of every period until it churns; its churn
probability ``theta ~ Beta(alpha, beta)`` is constant over time, so the cohort's
retention rises as the likely leavers leave first:

    P(T = t) = B(alpha+1, beta+t-1) / B(alpha, beta)     (churn in period t = 1, 2, ...)
    S(t)     = B(alpha, beta+t) / B(alpha, beta)         (still a customer after t periods)
    r_t      = S(t) / S(t-1) = (beta+t-1) / (alpha+beta+t-1)

Fitted to survivor counts ``n_0, ..., n_k`` (``n_0`` the cohort size):
``LL = sum_t (n_{t-1} - n_t) log P(T=t) + n_k log S(k)``, gradient analytic.

Discounted expected residual lifetime of a customer who has made ``n - 1`` renewals,
with payments at the start of each period (the next one, if renewed, undiscounted):

    DERL(d | alpha, beta, n-1) = sum_{k>=0} S(n+k)/S(n-1) (1+d)^-k
                               = (beta+n-1)/(alpha+beta+n-1) 2F1(1, beta+n; alpha+beta+n; 1/(1+d))

and for a customer about to make its first payment ``DEL(d) = 2F1(1, beta; alpha+beta; 1/(1+d))``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.special import betaln, digamma, hyp2f1

from kamlab.errors import InputError
from kamlab.models._base import LikelihoodModel, maximize_likelihood
from kamlab.models._special import raise_beta_retention


def _sbg_nll(theta, died, alive_end, n0):
    alpha, beta = np.exp(theta)
    k = len(died)
    t = np.arange(1, k + 1, dtype=float)
    lp = betaln(alpha + 1, beta + t - 1) - betaln(alpha, beta)
    ls = betaln(alpha, beta + k) - betaln(alpha, beta)
    dab = digamma(alpha + beta)
    ga_p = digamma(alpha + 1) - digamma(alpha + beta + t) - digamma(alpha) + dab
    gb_p = digamma(beta + t - 1) - digamma(alpha + beta + t) - digamma(beta) + dab
    ga_s = dab - digamma(alpha + beta + k)
    gb_s = digamma(beta + k) - digamma(alpha + beta + k) - digamma(beta) + dab
    ll = died @ lp + alive_end * ls
    grad = np.array(
        [alpha * (died @ ga_p + alive_end * ga_s), beta * (died @ gb_p + alive_end * gb_s)]
    )
    return -ll / n0, -grad / n0


def derl_closed_form(alpha, beta, discount, renewals):
    """DERL(d | alpha, beta, n-1 = renewals) by the Fader & Hardie (2010) closed form."""
    alpha, beta, discount, renewals = np.broadcast_arrays(
        *(np.asarray(v, dtype=float) for v in (alpha, beta, discount, renewals))
    )
    n = renewals + 1.0
    z = 1.0 / (1.0 + discount)
    return (beta + n - 1) / (alpha + beta + n - 1) * hyp2f1(1.0, beta + n, alpha + beta + n, z)


def _derl_series(a, b, discount) -> np.ndarray:
    """sum_k prod_{j<=k} (b+j)/(a+b+j) (1+d)^-k, summed until the terms are below 1e-17."""
    z = 1.0 / (1.0 + discount)
    terms = int(min(np.ceil(-40.0 / np.log(z)), 200_000))
    j = np.arange(terms, dtype=float)
    out = np.empty(a.shape)
    for i in np.ndindex(a.shape):
        log_terms = np.cumsum(np.log(b[i] + j) - np.log(a[i] + b[i] + j)) + j * np.log(z)
        out[i] = np.exp(log_terms).sum()
    return out


def derl_posterior(a, b, discount) -> np.ndarray:
    """DERL of a customer whose churn probability is ``theta ~ Beta(a, b)`` now:
    ``b/(a+b) 2F1(1, b+1; a+b+1; 1/(1+d))``; where scipy's 2F1 is not finite (large
    ``a + b``) the series is summed directly."""
    a, b = np.broadcast_arrays(np.asarray(a, dtype=float), np.asarray(b, dtype=float))
    with np.errstate(all="ignore"):
        out = b / (a + b) * hyp2f1(1.0, b + 1.0, a + b + 1.0, 1.0 / (1.0 + discount))
    bad = ~np.isfinite(out) | (out < 0)
    if bad.any():
        out = np.array(out, dtype=float)
        out[bad] = _derl_series(a[bad], b[bad], discount)
    return out


def derl_sum(alpha, beta, discount, renewals, terms: int = 100_000) -> float:
    """DERL by direct summation of ``S(n+k)/S(n-1) (1+d)^-k`` (the check of the closed form)."""
    n = renewals + 1
    k = np.arange(terms, dtype=float)
    log_ratio = betaln(alpha, beta + n + k) - betaln(alpha, beta + n - 1)
    return float(np.sum(np.exp(log_ratio - k * np.log1p(discount))))


class ShiftedBetaGeometric(LikelihoodModel):
    """sBG model of a contractual cohort's renewals; parameters ``alpha, beta``.

    >>> sbg = ShiftedBetaGeometric().fit([1000, 631, 468, 382, 326, 289, 262, 241])
    >>> sbg.params_                    # alpha 0.704, beta 1.182 (Fader & Hardie 2007)
    >>> sbg.project(12)                # expected survivors, periods 0..12
    >>> sbg.derl(0.10, renewals=3)     # discounted expected residual lifetime
    """

    _param_names = ("alpha", "beta")
    _ridges = (("alpha", "beta", "churn probabilities"),)
    display_name = "sBG"
    retention_definition = (
        "retention = the chance of renewing at the next period, E[1 - theta | renewals so "
        "far] (sBG)"
    )
    """What "retention" means for this model, in one sentence (for reports)."""

    def fit(self, survivors) -> ShiftedBetaGeometric:
        """Fit to survivor counts by period, starting with the cohort size at period 0."""
        self._validate_params()
        counts = self._check_survivors(survivors)
        died = -np.diff(counts)
        n0 = counts[0]
        opt = maximize_likelihood(
            lambda th: _sbg_nll(th, died, counts[-1], n0),
            np.zeros(2),
            list(self._param_names),
            analytic_gradient=True,
            n=n0,
            max_iter=self.max_iter,
            ridges=self._ridge_index(),
        )
        self.cohort_size_ = float(n0)
        self.survivors_ = counts
        self.n_periods_ = len(counts) - 1
        self._store(opt, n0)
        return self

    @staticmethod
    def _check_survivors(survivors) -> np.ndarray:
        try:
            counts = np.asarray(survivors, dtype=float).ravel()
        except (TypeError, ValueError) as exc:
            raise InputError(f"sBG: survivors must be numbers, got {survivors!r}") from exc
        if counts.size < 3:
            raise InputError(
                "sBG: give the cohort size and at least two periods of survivors "
                f"(e.g. 1000,631,468); got {counts.size} number(s)"
            )
        if not np.all(np.isfinite(counts)):
            raise InputError("sBG: survivors contain NaN or infinite values")
        if np.any(counts < 0) or np.any(counts != np.round(counts)):
            raise InputError("sBG: survivors must be whole numbers >= 0")
        if counts[0] <= 0:
            raise InputError("sBG: the first number is the cohort size and must be > 0")
        rising = np.flatnonzero(np.diff(counts) > 0)
        if rising.size:
            t = int(rising[0]) + 1
            raise InputError(
                f"sBG: survivors must not increase, but period {t} has {counts[t]:.0f} after "
                f"{counts[t - 1]:.0f} (a cohort only loses customers)"
            )
        if counts[-1] == counts[0]:
            raise InputError("sBG: nobody churned, so the churn distribution cannot be estimated")
        return counts

    def survival(self, t) -> np.ndarray | float:
        """S(t) = B(alpha, beta+t) / B(alpha, beta): share of the cohort left after t periods."""
        self._check_fitted()
        alpha, beta = self.params_.to_numpy()
        t = np.asarray(t, dtype=float)
        out = np.exp(betaln(alpha, beta + t) - betaln(alpha, beta))
        return out if out.ndim else float(out)

    def retention(self, t, *, year: float | None = None) -> np.ndarray | float:
        """r_t = (beta+t-1)/(alpha+beta+t-1): chance that a customer of t-1 periods renews at t.

        Given a posterior (a dict from :meth:`posterior`) instead of ``t``: each account's
        expected renewal probability at its next period, ``E[1 - theta] = b / (a + b)``
        (the same quantity, ``t - 1`` being the account's renewals so far). ``year`` is
        accepted for the purchase models' protocol and not used.
        """
        if isinstance(t, dict):
            return t["b"] / (t["a"] + t["b"])
        self._check_fitted()
        alpha, beta = self.params_.to_numpy()
        t = np.asarray(t, dtype=float)
        out = (beta + t - 1) / (alpha + beta + t - 1)
        return out if out.ndim else float(out)

    def project(self, periods: int, cohort_size: float | None = None) -> pd.Series:
        """Expected survivors ``n_0 S(t)`` for ``t = 0..periods`` (n_0 the fitted cohort size)."""
        self._check_fitted()
        n0 = self.cohort_size_ if cohort_size is None else cohort_size
        t = np.arange(int(periods) + 1)
        return pd.Series(
            n0 * np.atleast_1d(self.survival(t)),
            index=pd.Index(t, name="period"),
            name="expected_survivors",
        )

    def del_(self, discount: float) -> float:
        """DEL(d) = 2F1(1, beta; alpha+beta; 1/(1+d)): discounted expected lifetime (in
        payments) of a customer about to make its first payment (Fader & Hardie 2010),
        computed as ``1 + DERL(d | alpha, beta, 0) / (1+d)``."""
        self._check_fitted()
        alpha, beta = self.params_.to_numpy()
        _check_discount(discount)
        return float(1.0 + derl_posterior(alpha, beta, discount) / (1.0 + discount))

    def derl(self, discount: float, renewals=0):
        """DERL(d | alpha, beta, n-1 = ``renewals``) (Fader & Hardie 2010, closed form).

        ``renewals`` a number, array or Series (by account): returns the same shape.
        """
        self._check_fitted()
        _check_discount(discount)
        alpha, beta = self.params_.to_numpy()
        ren = renewals.to_numpy(dtype=float) if isinstance(renewals, pd.Series) else renewals
        if np.any(np.asarray(ren) < 0):
            raise InputError("sBG: renewals must be >= 0")
        out = derl_posterior(alpha, beta + np.asarray(ren, dtype=float), discount)
        if isinstance(renewals, pd.Series):
            return pd.Series(out, index=renewals.index, name="derl")
        return out if np.ndim(out) else float(out)

    # -- per-account posteriors for value and scenarios --------------------------------
    def posterior(self, renewals) -> dict:
        """Each account's churn posterior after ``n-1`` renewals (an array of renewal
        counts): ``theta ~ Beta(a, b)`` with ``a = alpha``, ``b = beta + n - 1``."""
        self._check_fitted()
        alpha, beta = self.params_.to_numpy()
        renewals = np.asarray(renewals, dtype=float)
        return {"a": np.full(renewals.shape, alpha), "b": beta + renewals}

    def derl_posterior(self, post: dict, discount: float) -> np.ndarray:
        """DERL with the posterior Beta(a, b): b/(a+b) 2F1(1, b+1; a+b+1; 1/(1+d))."""
        return derl_posterior(post["a"], post["b"], discount)

    def raise_retention(
        self,
        post: dict,
        points: float | None = None,
        churn_reduction: float | None = None,
        *,
        year: float | None = None,
    ) -> tuple[dict, np.ndarray]:
        """Posterior Beta with E[1-theta] raised by ``points``/100 (or E[theta] cut by
        ``churn_reduction``), concentration a+b kept; capped at 99% of the churn.
        ``year`` is accepted for the purchase models' protocol and not used."""
        return raise_beta_retention(post, points, churn_reduction)


def _check_discount(discount: float) -> None:
    if not np.isfinite(discount) or discount <= 0:
        raise InputError(f"discount rate must be > 0 (e.g. 0.10), got {discount!r}")
