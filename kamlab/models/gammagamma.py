"""Gamma-Gamma model of spend per purchase.

Fader, Hardie & Lee (2005), "RFM and CLV: using iso-value curves for customer base
analysis", *Journal of Marketing Research* 42(4); Colombo & Jiang (1999). Each purchase of
a customer is ``z ~ Gamma(p, nu)`` (mean ``p / nu``), with ``nu ~ Gamma(q, gamma)`` across
customers. For a repeat buyer with ``x`` purchases of mean value ``m``:

    log L = log Gamma(px+q) - log Gamma(px) - log Gamma(q) + q log gamma
            + (px-1) log m + px log x - (px+q) log(gamma + x m)

(the density of the mean ``m``, since ``x m ~ Gamma(px, nu)``). Gradient analytic. Spend is
assumed independent of the purchase process (check ``corr(frequency, monetary_value)``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.special import digamma, gammaln

from kamlab.errors import InputError
from kamlab.models import _checks
from kamlab.models._base import LikelihoodModel, maximize_likelihood


def _gg_nll(theta, x, m, w):
    p, q, gamma = np.exp(theta)
    px = p * x
    gm = gamma + x * m
    ll = (
        gammaln(px + q)
        - gammaln(px)
        - gammaln(q)
        + q * np.log(gamma)
        + (px - 1) * np.log(m)
        + px * np.log(x)
        - (px + q) * np.log(gm)
    )
    dpq = digamma(px + q)
    g_p = x * (dpq - digamma(px) + np.log(m) + np.log(x) - np.log(gm))
    g_q = dpq - digamma(q) + np.log(gamma) - np.log(gm)
    g_gamma = q / gamma - (px + q) / gm
    wsum = w.sum()
    grad = -np.array([p * (w @ g_p), q * (w @ g_q), gamma * (w @ g_gamma)]) / wsum
    return -(w @ ll) / wsum, grad


class GammaGamma(LikelihoodModel):
    """Gamma-Gamma spend model; parameters ``p, q, gamma`` (Fader, Hardie & Lee 2005).

    ``fit(summary)`` uses the repeat buyers (``frequency > 0``) and their
    ``monetary_value`` (mean spend of the repeat purchases); ``n_accounts_`` is how many.
    """

    _param_names = ("p", "q", "gamma")
    _ridges = (("q", "gamma", "mean spend across accounts"),)
    _edge_hints = {
        ("p", "high"): "p -> infinity: spend hardly varies between an account's purchases",
        ("q", "high"): "q -> infinity: mean spend hardly varies between accounts",
    }
    display_name = "Gamma-Gamma"

    def fit(self, summary: pd.DataFrame) -> GammaGamma:
        """Fit by maximum likelihood on the accounts with repeat purchases; returns self."""
        self._validate_params()
        _, x, m = _checks.spend(summary, self.display_name, fitting=True)
        keep = x > 0
        x, m = x[keep], m[keep]
        n = len(x)
        scale = 1.0 / np.median(m)  # spend rescaled to a median of 1; only shifts log(gamma)
        (x_c, m_c), w = _checks.compress(x, m * scale)
        mean, var = m_c.mean(), m_c.var()
        p0 = max(mean**2 / max(var, 1e-12), 0.5)  # moment-style start
        theta0 = np.log([p0, 3.0, 2.0 * p0 / max(mean, 1e-12)])
        opt = maximize_likelihood(
            lambda th: _gg_nll(th, x_c, m_c, w),
            theta0,
            list(self._param_names),
            analytic_gradient=True,
            n=n,
            max_iter=self.max_iter,
            ridges=self._ridge_index(),
        )
        self.n_accounts_ = n
        self._store(
            opt,
            n,
            theta_shift=np.array([0.0, 0.0, -np.log(scale)]),
            log_likelihood_shift=float(np.sum(np.log(scale) * np.ones(n))),
        )
        return self

    def score_samples(self, data: pd.DataFrame) -> pd.Series:
        """Log-likelihood of each repeat buyer's mean spend (NaN for frequency 0)."""
        self._check_fitted()
        idx, x, m = _checks.spend(data, self.display_name, fitting=False)
        p, q, gamma = self.params_.to_numpy()
        keep = x > 0
        ll = np.full(len(x), np.nan)
        xs, ms = x[keep], m[keep]
        ll[keep] = (
            gammaln(p * xs + q)
            - gammaln(p * xs)
            - gammaln(q)
            + q * np.log(gamma)
            + (p * xs - 1) * np.log(ms)
            + p * xs * np.log(xs)
            - (p * xs + q) * np.log(gamma + xs * ms)
        )
        return pd.Series(ll, index=idx, name="log_likelihood")

    @property
    def mean_spend_(self) -> float:
        """Population mean spend per purchase, E[p / nu] = p gamma / (q - 1) (inf if q <= 1)."""
        p, q, gamma = self.params_.to_numpy()
        return p * gamma / (q - 1) if q > 1 else np.inf

    def conditional_expected_spend(self, data: pd.DataFrame) -> pd.Series:
        """E[spend per purchase | x, m] = (p (gamma + x m)) / (p x + q - 1), per account.

        A weighted average of the population mean ``p gamma/(q-1)`` and the account's own
        mean ``m``, with weight ``p x / (p x + q - 1)`` on ``m``; accounts without repeat
        purchases get the population mean. Needs ``q > 1``.
        """
        self._check_fitted()
        idx, x, m = _checks.spend(data, self.display_name, fitting=False)
        p, q, gamma = self.params_.to_numpy()
        if q <= 1:
            raise InputError(
                f"Gamma-Gamma q = {q:.3g} <= 1: the mean spend per purchase is infinite; the "
                "spend data are too heavy-tailed for this model"
            )
        x = np.where(x > 0, x, 0.0)
        value = p * (gamma + x * m) / (p * x + q - 1)
        return pd.Series(value, index=idx, name="expected_spend")
