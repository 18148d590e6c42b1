"""BG/NBD: the beta-geometric / negative binomial distribution model of repeat purchasing.

Fader, Hardie & Lee (2005), "Counting your customers the easy way: an alternative to the
Pareto/NBD model", *Marketing Science* 24(2), 275-284. While active, a customer buys as a
Poisson process with rate ``lambda ~ Gamma(r, alpha)``; after each repeat purchase they
drop out for good with probability ``p ~ Beta(a, b)``. For a customer with ``x`` repeat
purchases, the last at ``t_x``, observed for ``T`` since the first purchase:

    L = B(a, b+x)/B(a, b) * Gamma(r+x) alpha^r / Gamma(r)
        * [ (alpha+T)^-(r+x) + 1{x>0} a/(b+x-1) (alpha+t_x)^-(r+x) ]

computed in logs with ``gammaln``, ``betaln`` and ``logaddexp``; its gradient in the
log-parameters is analytic (digamma). Time is in the summary's unit (``week`` by default).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.special import betaln, digamma, expit, gammaln

from kamlab.models import _checks
from kamlab.models._special import bg_expected, bg_survival, raise_beta_retention
from kamlab.models.base import PurchaseModel

__all__ = ["BetaGeo", "ModifiedBetaGeo"]


def _bg_nll(theta, xu, xinv, tx, T, w, shift=0):
    """Mean negative log-likelihood and its gradient in theta = log(r, alpha, a, b).

    ``k = x + shift`` is the number of dropout occasions an active customer has survived
    (``shift`` 0 for BG/NBD, 1 for MBG/NBD); the likelihood is ``A1 [B(a, b+k)/B(a,b)
    (alpha+T)^-(r+x) + 1{k>0} B(a+1, b+k-1)/B(a,b) (alpha+t_x)^-(r+x)]``.
    """
    r, alpha, a, b = np.exp(theta)
    wsum = w.sum()
    ku = xu + shift
    # terms that depend on x only, on the unique x values
    lg = gammaln(r + xu) - gammaln(r) + betaln(a, b + ku) - betaln(a, b)
    dg_r = digamma(r + xu) - digamma(r)
    dg_ab = digamma(a + b) - digamma(a + b + ku)
    dg_b = digamma(b + ku) - digamma(b)
    x = xu[xinv]
    k = ku[xinv]
    pos = k > 0
    rx = r + x
    log_aT, log_atx = np.log(alpha + T), np.log(alpha + tx)
    u1 = -rx * log_aT
    bk1 = np.where(pos, b + k - 1.0, 1.0)
    u2 = np.where(pos, np.log(a) - np.log(bk1) - rx * log_atx, -np.inf)
    lse = np.logaddexp(u1, u2)
    ll = lg[xinv] + r * np.log(alpha) + lse
    w2 = np.exp(u2 - lse)  # share of the "dropped out at t_x" term; 0 when k = 0
    w1 = 1.0 - w2
    g_r = dg_r[xinv] + np.log(alpha) - w1 * log_aT - w2 * log_atx
    g_alpha = r / alpha - rx * (w1 / (alpha + T) + w2 / (alpha + tx))
    g_a = dg_ab[xinv] + w2 / a
    g_b = dg_b[xinv] + dg_ab[xinv] - w2 / bk1
    nll = -(w @ ll) / wsum
    grad = -np.array([r * (w @ g_r), alpha * (w @ g_alpha), a * (w @ g_a), b * (w @ g_b)]) / wsum
    return nll, grad


class BetaGeo(PurchaseModel):
    """BG/NBD model of repeat purchases and dropout (Fader, Hardie & Lee 2005).

    Parameters ``r, alpha`` (purchase rate ``lambda ~ Gamma(r, alpha)`` per time unit of
    the summary) and ``a, b`` (dropout after each purchase ``p ~ Beta(a, b)``).

    >>> bg = BetaGeo().fit(summary)          # columns frequency, recency, T
    >>> bg.params_, bg.standard_errors_, bg.converged_
    >>> bg.probability_alive(summary)        # Series by account id
    >>> bg.conditional_expected_purchases(52, summary)

    ``P(alive) = 1 / (1 + 1{x>0} a/(b+x-1) ((alpha+T)/(alpha+t_x))^(r+x))`` (Fader,
    Hardie & Lee 2008, note 021); E[purchases in (T, T+t] | history] is FHL 2005 eq. 10
    and E[X(t)] of a new customer eq. 9. Fitted attributes as in
    :class:`~kamlab.models.PurchaseModel`.
    """

    _param_names = ("r", "alpha", "a", "b")
    _ridges = (("r", "alpha", "purchase rates"), ("a", "b", "dropout probabilities"))
    _edge_hints = {
        ("a", "low"): "a -> 0: almost no account seems to drop out",
        ("b", "high"): "b -> infinity: almost no account seems to drop out",
        ("b", "low"): "b -> 0: almost every account seems to drop out at once",
    }
    display_name = "BG/NBD"
    _time_scaled = ("alpha",)
    _first_dropout = 0  # dropout occasions before the first repeat purchase (MBG/NBD: 1)

    @property
    def retention_definition(self) -> str:
        """What "retention" means for this model, in one sentence."""
        return (
            "retention = 1 - p, the chance that an account stays active after a purchase, "
            f"E[1 - p | history] ({self.display_name})"
        )

    # -- fitting hooks -------------------------------------------------------------------
    def _start(self, rate: float) -> np.ndarray:
        return np.log([1.0, 1.0 / rate, 1.0, 3.0])

    def _objective(self, xu, xinv, tx, T, w):
        return lambda th: _bg_nll(th, xu, xinv, tx, T, w, self._first_dropout)

    def _population_expected(self, t):
        r, alpha, a, b = self.params_.to_numpy()
        survive = b / (a + b) if self._first_dropout else 1.0  # MBG: may drop at once
        b_new = b + self._first_dropout
        return survive * bg_expected(np.asarray(t, dtype=float), r, alpha, a, b_new)

    # -- per-account quantities -------------------------------------------------------
    def score_samples(self, data: pd.DataFrame) -> pd.Series:
        """Log-likelihood of each account's (frequency, recency, T) under the fitted model."""
        self._check_fitted()
        idx, x, tx, T = _checks.rfm(data, self.display_name, fitting=False)
        xu, xinv = np.unique(x, return_inverse=True)
        r, alpha, a, b = self.params_.to_numpy()
        k = x + self._first_dropout
        rx = r + x
        u1 = -rx * np.log(alpha + T)
        with np.errstate(divide="ignore", invalid="ignore"):
            u2 = np.where(k > 0, np.log(a) - np.log(b + k - 1) - rx * np.log(alpha + tx), -np.inf)
        ku = xu + self._first_dropout
        lg = gammaln(r + xu) - gammaln(r) + betaln(a, b + ku) - betaln(a, b)
        ll = lg[xinv] + r * np.log(alpha) + np.logaddexp(u1, u2)
        return pd.Series(ll, index=idx, name="log_likelihood")

    def posterior(self, summary: pd.DataFrame) -> dict:
        """Each account's posterior given its history: P(alive) and the latents' Gamma/Beta.

        Given alive at T, ``lambda ~ Gamma(r+x, alpha+T)`` and ``p ~ Beta(a, b+k)``, with
        ``k = x`` dropout occasions survived (``x + 1`` for MBG/NBD).
        """
        self._check_fitted()
        idx, x, tx, T = _checks.rfm(summary, self.display_name, fitting=False)
        r, alpha, a, b = self.params_.to_numpy()
        k = x + self._first_dropout
        with np.errstate(divide="ignore", invalid="ignore"):
            log_div = (
                np.log(a)
                - np.log(np.maximum(b + k - 1, 1e-300))
                + (r + x) * (np.log(alpha + T) - np.log(alpha + tx))
            )
        p_alive = np.where(k > 0, expit(-log_div), 1.0)
        return {
            "index": idx,
            "p_alive": p_alive,
            "r": r + x,
            "alpha": alpha + T,
            "a": np.full_like(x, a),
            "b": b + k,
            "x": x,
        }

    def expected_purchases_given_alive(self, t, post: dict) -> np.ndarray:
        """(accounts x len(t)) expected purchases in the next t, given alive now."""
        col = (post[k][:, None] for k in ("r", "alpha", "a", "b"))
        return bg_expected(np.asarray(t, dtype=float)[None, :], *col)

    def survival_given_alive(self, t, post: dict) -> np.ndarray:
        """(accounts x len(t)) chance of still being active after t, given alive now."""
        col = (post[k][:, None] for k in ("r", "alpha", "a", "b"))
        return bg_survival(np.asarray(t, dtype=float)[None, :], *col)

    # -- scenarios ---------------------------------------------------------------------
    def retention(self, post: dict, *, year: float | None = None) -> np.ndarray:
        """Expected retention per purchase occasion, E[1 - p] = (b+x)/(a+b+x), given alive
        (``year`` is not used: this retention is per purchase, not per year)."""
        return post["b"] / (post["a"] + post["b"])

    def raise_retention(
        self,
        post: dict,
        points: float | None = None,
        churn_reduction: float | None = None,
        *,
        year: float | None = None,
    ) -> tuple[dict, np.ndarray]:
        """Posterior with E[1-p] raised by ``points``/100 (or E[p] cut by ``churn_reduction``).

        The posterior Beta(a', b') keeps its concentration a'+b' (uncertainty unchanged).
        A rise larger than 99% of an account's expected dropout is capped there.
        """
        return raise_beta_retention(post, points, churn_reduction)


class ModifiedBetaGeo(BetaGeo):
    """MBG/NBD (Batislam, Denizel & Filiztekinler 2007): BG/NBD where a customer may also
    drop out right after the first purchase, not only after repeat purchases.

    With ``k = x + 1`` dropout occasions survived by an active customer:
    ``L = A1 [B(a, b+x+1)/B(a,b) (alpha+T)^-(r+x) + B(a+1, b+x)/B(a,b) (alpha+t_x)^-(r+x)]``,
    ``P(alive) = 1 / (1 + a/(b+x) ((alpha+T)/(alpha+t_x))^(r+x))`` (below 1 even for
    ``x = 0``). This is the process :func:`kamlab.datasets.make_sample` simulates. Same
    interface as :class:`BetaGeo`.
    """

    display_name = "MBG/NBD"
    _first_dropout = 1
