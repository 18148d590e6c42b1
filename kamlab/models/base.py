"""The public protocol of the purchase models (BG/NBD, MBG/NBD, Pareto/NBD).

:class:`PurchaseModel` owns what the models share, the way scikit-learn's ``_BaseKMeans``
owns what ``KMeans`` and ``MiniBatchKMeans`` share: the maximum-likelihood ``fit`` on a
per-account summary (``frequency``, ``recency``, ``T``), ``probability_alive``,
``conditional_expected_purchases`` and ``expected_purchases``. Each model supplies what
differs, through public methods that the value code (:mod:`kamlab.value`) calls:

- :meth:`~PurchaseModel.posterior`: each account's state given its history, a dict of
  arrays with at least ``index`` (account ids), ``p_alive`` and ``x`` (repeat purchases),
  plus the model's posterior parameters (BG/NBD: ``r, alpha, a, b``; Pareto/NBD:
  ``r, alpha, s, beta``);
- :meth:`~PurchaseModel.expected_purchases_given_alive` and
  :meth:`~PurchaseModel.survival_given_alive`: (accounts x times) matrices from a
  posterior;
- :meth:`~PurchaseModel.retention` and :meth:`~PurchaseModel.raise_retention`: what
  "retention" means for the model (:attr:`~PurchaseModel.retention_definition`) and a
  posterior with it raised, for what-if scenarios;
- :attr:`~PurchaseModel.display_name`: "BG/NBD", "MBG/NBD", "Pareto/NBD".

Every model accepts the same keywords (``year``, the length of a year in the summary's
time unit, is used by the models whose retention is annual and ignored by the others).
"""

from __future__ import annotations

from abc import ABCMeta, abstractmethod
from collections.abc import Callable

import numpy as np
import pandas as pd

from kamlab.models import _checks
from kamlab.models._base import LikelihoodModel, maximize_likelihood

__all__ = ["PurchaseModel"]


class PurchaseModel(LikelihoodModel, metaclass=ABCMeta):
    """Base class of the non-contractual purchase models (repeat purchases and dropout).

    Subclasses set ``display_name``, ``_param_names`` (the first two ``r, alpha`` of the
    purchase rate's Gamma), ``_time_scaled`` (the rate parameters whose log shifts when
    time is rescaled) and implement the abstract methods below plus the fitting hooks
    ``_start``, ``_objective`` (and optionally ``_search_edge``) and
    ``_population_expected``.

    Fitted attributes: ``params_``, ``standard_errors_``, ``covariance_`` (natural scale),
    ``log_covariance_`` (of the log-parameters), ``log_likelihood_``, ``converged_``,
    ``convergence_message_``, ``n_iter_``, ``n_evaluations_``, ``n_accounts_``,
    ``time_unit_`` (from ``summary.attrs["period"]``).
    """

    display_name = "purchase model"
    retention_definition: str
    """What "retention" means for this model, in one sentence (for reports); each model
    defines it."""
    _time_scaled: tuple[str, ...] = ("alpha",)
    _analytic_gradient = True

    # -- fitting hooks ------------------------------------------------------------------
    @abstractmethod
    def _start(self, rate: float) -> np.ndarray:
        """Starting log-parameters, given the mean purchase rate (time rescaled)."""

    @abstractmethod
    def _objective(self, xu, xinv, tx, T, w) -> Callable:
        """The mean negative log-likelihood of theta (and its gradient when analytic)."""

    def _search_edge(self, xu, xinv, T, w, scale) -> Callable | None:
        """An edge test for :func:`~kamlab.models._base.maximize_likelihood` (or None)."""
        return None

    @abstractmethod
    def _population_expected(self, t) -> np.ndarray | float:
        """E[X(t)] of a new customer, for a number or array ``t``."""

    def fit(self, summary: pd.DataFrame):
        """Fit by maximum likelihood to a per-account summary (frequency, recency, T);
        returns self. Time is rescaled so that the largest ``T`` is 10 while fitting."""
        self._validate_params()
        _, x, tx, T = _checks.rfm(summary, self.display_name, fitting=True)
        n = len(x)
        scale = 10.0 / T.max() if T.max() > 0 else 1.0  # time rescaled so that max T = 10
        (x_c, tx_c, T_c), w = _checks.compress(x, tx * scale, T * scale)
        xu, xinv = np.unique(x_c, return_inverse=True)
        rate = max((w @ x_c) / max(w @ T_c, 1e-12), 1e-6)
        opt = maximize_likelihood(
            self._objective(xu, xinv, tx_c, T_c, w),
            self._start(rate),
            list(self._param_names),
            analytic_gradient=self._analytic_gradient,
            n=n,
            max_iter=self.max_iter,
            ridges=self._ridge_index(),
            edge=self._search_edge(xu, xinv, T_c, w, scale),
        )
        self.n_accounts_ = n
        self.time_unit_ = summary.attrs.get("period")
        shift = [-np.log(scale) if p in self._time_scaled else 0.0 for p in self._param_names]
        self._store(
            opt,
            n,
            theta_shift=np.array(shift),
            log_likelihood_shift=x.sum() * np.log(scale),
        )
        return self

    # -- the protocol: what differs between models -----------------------------------------
    @abstractmethod
    def posterior(self, summary: pd.DataFrame) -> dict:
        """Each account's posterior given its history: a dict of arrays with ``index``,
        ``p_alive`` (P(alive) at the end of the window), ``x`` and the posterior
        parameters of the latent rates given alive."""

    @abstractmethod
    def expected_purchases_given_alive(self, t, post: dict) -> np.ndarray:
        """(accounts x len(t)) expected purchases in the next ``t``, given alive now."""

    @abstractmethod
    def survival_given_alive(self, t, post: dict) -> np.ndarray:
        """(accounts x len(t)) chance of still being active after ``t``, given alive now."""

    @abstractmethod
    def retention(self, post: dict, *, year: float | None = None) -> np.ndarray:
        """Each account's expected retention given alive (meaning: :attr:`retention_definition`).

        ``year``: a year in the summary's time unit (used when retention is annual)."""

    @abstractmethod
    def raise_retention(
        self,
        post: dict,
        points: float | None = None,
        churn_reduction: float | None = None,
        *,
        year: float | None = None,
    ) -> tuple[dict, np.ndarray]:
        """``(posterior, capped)``: the posterior with retention raised by ``points``/100
        (or churn cut by the share ``churn_reduction``), and which accounts hit the cap."""

    # -- shared per-account quantities -----------------------------------------------------
    def probability_alive(self, data: pd.DataFrame, t: float = 0.0) -> pd.Series:
        """P(active) at the end of the window (``t = 0``) or ``t`` time units after it:
        the posterior's ``p_alive`` times the chance of surviving the next ``t``."""
        post = self.posterior(data)
        p = post["p_alive"]
        if t:
            p = p * self.survival_given_alive(np.array([t]), post)[:, 0]
        return pd.Series(p, index=post["index"], name="probability_alive")

    def conditional_expected_purchases(self, t, data: pd.DataFrame):
        """E[purchases in (T, T+t] | history] = P(alive) E[purchases in t | alive], per account.

        A number ``t`` gives a Series; a list of times gives a DataFrame (one column per t).
        """
        post = self.posterior(data)
        ts = np.atleast_1d(np.asarray(t, dtype=float))
        values = post["p_alive"][:, None] * self.expected_purchases_given_alive(ts, post)
        if np.ndim(t) == 0:
            return pd.Series(values[:, 0], index=post["index"], name="expected_purchases")
        return pd.DataFrame(values, index=post["index"], columns=ts)

    def expected_purchases(self, t, data: pd.DataFrame | None = None):
        """E[X(t)]: expected repeat purchases of a new customer in its first ``t``.

        ``t`` a number or array (returns the same shape), or a Series by account (e.g.
        ``summary["T"]``, the model's expectation over each account's own window, to set
        against its observed frequency). With ``data``, a Series by account of E[X(t)].
        """
        self._check_fitted()
        values = self._population_expected(t)
        if isinstance(t, pd.Series):
            return pd.Series(values, index=t.index, name="expected_purchases")
        if data is not None:
            idx = _checks.rfm(data, self.display_name, fitting=False)[0]
            return pd.Series(
                np.broadcast_to(values, len(idx)), index=idx, name="expected_purchases"
            )
        return values if np.ndim(values) else float(values)
