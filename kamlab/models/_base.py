"""Maximum likelihood machinery shared by the customer-base models.

Every model maximises its log-likelihood over the *logs* of its (positive) parameters,
``theta = log(params)``, with time rescaled so that the largest ``T`` is 10 (which only
shifts ``log(alpha)``, ``log(beta)``). The objective is the mean negative log-likelihood
per customer, so its size does not grow with the data. The fit is:

1. L-BFGS-B on ``theta`` within ``|theta| <= 25`` (``exp(25) ~ 7e10``), with the
   model's analytic gradient or else forward differences; BLAS is kept to one thread
   (L-BFGS-B's tiny products otherwise wait on idle BLAS threads). The search stops
   early when a mixing distribution degenerates (its shape and rate both above 30:
   a ridge to infinity) or a parameter passes ``1e-4``/``1e4``: the likelihood rises
   towards that edge without a maximum, and only slowly. A model may add its own edge
   test (``edge``), which stops the search with its message and skips steps 2-3;
2. Newton polishing: a numerical Hessian (central differences of the gradient, or of
   the values when there is no analytic gradient) and damped Newton steps until the
   step is below ``max(1e-6, 1e-3 se)`` in every log-parameter (relative precision
   1e-6, or a thousandth of a standard error);
3. convergence check: the Hessian positive definite, no parameter at a bound or edge,
   the final Newton step within tolerance. Otherwise ``converged_`` is False,
   ``convergence_message_`` says why (a ridge, a parameter running to 0 or infinity and
   what that means for the model, a flat or saddle Hessian, or the iteration limit), a
   :class:`ConvergenceWarning` is issued and the standard errors are NaN.

Standard errors: the observed information is ``n H`` (``H`` the Hessian of the mean
negative log-likelihood in ``theta``), so ``Cov(theta) = H^-1 / n`` and, by the delta
method, ``Cov(params) = D Cov(theta) D`` with ``D = diag(params)``. ``summary()`` gives
intervals symmetric in log space (``exp(theta +- z se_theta)``).
"""

from __future__ import annotations

import contextlib
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import optimize
from sklearn.base import BaseEstimator
from sklearn.exceptions import NotFittedError
from sklearn.utils.validation import check_is_fitted

from kamlab.errors import ConfigError
from kamlab.models.budget import search_budget

__all__ = ["ConvergenceWarning", "LikelihoodModel", "NotFittedError", "maximize_likelihood"]

LOG_BOUND = 25.0
"""Box bound on every log-parameter: parameters live in [exp(-25), exp(25)]."""

STEP_TOL = 1e-6
"""A fit has converged when the final Newton step is below max(STEP_TOL, 1e-3 se) in log space."""


class ConvergenceWarning(UserWarning):
    """A maximum-likelihood fit did not converge; ``converged_`` is False and the message says why."""


@dataclass
class Optimum:
    """Result of :func:`maximize_likelihood` (log-parameters, mean NLL, diagnostics)."""

    theta: np.ndarray
    nll: float  # mean negative log-likelihood at theta
    gradient: np.ndarray
    hessian: np.ndarray  # of the mean NLL, in theta
    converged: bool
    message: str
    n_iter: int
    n_evaluations: int


def _forward_gradient(fun: Callable[[np.ndarray], float], theta: np.ndarray, f0: float):
    h = 1e-7
    grad = np.empty_like(theta)
    for i in range(theta.size):
        e = np.zeros_like(theta)
        e[i] = h
        grad[i] = (fun(theta + e) - f0) / h
    return grad


def _central_gradient(fun: Callable[[np.ndarray], float], theta: np.ndarray, h: float = 1e-5):
    grad = np.empty_like(theta)
    for i in range(theta.size):
        e = np.zeros_like(theta)
        e[i] = h
        grad[i] = (fun(theta + e) - fun(theta - e)) / (2 * h)
    return grad


def numerical_hessian(
    fun_grad: Callable[[np.ndarray], tuple[float, np.ndarray]], theta: np.ndarray, h: float = 1e-4
) -> np.ndarray:
    """Hessian by central differences of the gradient, symmetrised."""
    k = theta.size
    hess = np.empty((k, k))
    for i in range(k):
        e = np.zeros(k)
        e[i] = h
        hess[i] = (fun_grad(theta + e)[1] - fun_grad(theta - e)[1]) / (2 * h)
    return (hess + hess.T) / 2


def hessian_from_values(fun: Callable[[np.ndarray], float], theta: np.ndarray, h: float = 1e-4):
    """Hessian by central second differences of function values (2k^2 + 1 evaluations)."""
    k = theta.size
    f0 = fun(theta)
    hess = np.empty((k, k))
    step = np.eye(k) * h
    for i in range(k):
        hess[i, i] = (fun(theta + step[i]) - 2 * f0 + fun(theta - step[i])) / h**2
        for j in range(i):
            hess[i, j] = hess[j, i] = (
                fun(theta + step[i] + step[j])
                - fun(theta + step[i] - step[j])
                - fun(theta - step[i] + step[j])
                + fun(theta - step[i] - step[j])
            ) / (4 * h**2)
    return hess


_BLAS_CONTROLLER = []  # a cached threadpoolctl controller (finding the libraries takes ms)


def _single_threaded_blas():
    """BLAS limited to one thread: L-BFGS-B's tiny matrix products otherwise wait on idle
    BLAS threads (100x slower on a busy machine)."""
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:  # pragma: no cover (threadpoolctl comes with scikit-learn)
        return contextlib.nullcontext()
    if not _BLAS_CONTROLLER:
        _BLAS_CONTROLLER.append(ThreadpoolController())
    return _BLAS_CONTROLLER[0].limit(limits=1, user_api="blas")


def maximize_likelihood(
    nll: Callable[[np.ndarray], float | tuple[float, np.ndarray]],
    theta0: np.ndarray,
    names: list[str],
    *,
    analytic_gradient: bool,
    n: float,
    max_iter: int = 1000,
    ridges: tuple[tuple[int, int], ...] = (),
    edge: Callable[[np.ndarray, float], str | None] | None = None,
) -> Optimum:
    """Minimise the mean negative log-likelihood ``nll(theta)`` over log-parameters (see
    :func:`_maximize`), with BLAS single-threaded."""
    with _single_threaded_blas():
        return _maximize(
            nll,
            theta0,
            names,
            analytic_gradient=analytic_gradient,
            n=n,
            max_iter=max_iter,
            ridges=ridges,
            edge=edge,
        )


def _maximize(
    nll: Callable[[np.ndarray], float | tuple[float, np.ndarray]],
    theta0: np.ndarray,
    names: list[str],
    *,
    analytic_gradient: bool,
    n: float,
    max_iter: int,
    ridges: tuple[tuple[int, int], ...],
    edge: Callable[[np.ndarray, float], str | None] | None = None,
) -> Optimum:
    """Minimise the mean negative log-likelihood ``nll(theta)`` over log-parameters.

    ``nll`` returns ``(value, gradient)`` when ``analytic_gradient``, else the value.
    ``n`` is the number of customers (for the standard-error tolerance). ``ridges``:
    index pairs (shape, rate) of mixing distributions; when both run above ``RIDGE_LOG``,
    or any log-parameter beyond ``+-EDGE_LOG``, the search stops early (the likelihood
    rises only slowly towards the edge, without a maximum); the end point is diagnosed.
    ``edge(theta, value)``, called after every iteration of the search, is a model's own
    test for a search running off to an edge of its parameter space: when it returns a
    message the fit ends there, not converged, with that message (no polishing, no
    Hessian: near such edges an evaluation can cost a hundred times more than inside).
    """
    evaluations = 0

    def value(theta):
        nonlocal evaluations
        evaluations += 1
        with np.errstate(all="ignore"):
            out = nll(theta)
        return out[0] if analytic_gradient else out

    def fun_grad(theta):
        nonlocal evaluations
        if analytic_gradient:
            evaluations += 1
            with np.errstate(all="ignore"):
                f, g = nll(theta)
        else:
            f = value(theta)
            g = _central_gradient(value, theta)
        return float(f), np.asarray(g, dtype=float)

    def search_fun_grad(theta):  # forward differences are enough to search
        if analytic_gradient:
            return fun_grad(theta)
        f = value(theta)
        return float(f), _forward_gradient(value, theta, f)

    def safe_fun_grad(theta):
        f, g = search_fun_grad(theta)
        if not np.isfinite(f) or not np.all(np.isfinite(g)):
            return 1e300, np.zeros_like(theta)  # a wall the line search backs away from
        return f, g

    bounds = [(-LOG_BOUND, LOG_BOUND)] * len(theta0)
    theta = np.clip(np.asarray(theta0, dtype=float), -LOG_BOUND + 1, LOG_BOUND - 1)
    f0 = value(theta)
    if not np.isfinite(f0):
        raise FloatingPointError(
            "the log-likelihood is not finite at the starting values: the data may hold "
            "values the model cannot explain"
        )

    started, timed_out, halted, edge_message = time.perf_counter(), False, False, None
    budget = search_budget()

    def on_ridge(intermediate_result) -> None:  # stop once the search runs off to an edge
        nonlocal timed_out, halted, edge_message
        xk = intermediate_result.x
        if edge is not None:
            edge_message = edge(np.array(xk, dtype=float), float(intermediate_result.fun))
        halted = bool(
            edge_message
            or any(xk[i] > RIDGE_LOG and xk[j] > RIDGE_LOG for i, j in ridges)
            or np.any(np.abs(xk) > EDGE_LOG)
        )
        if not halted and time.perf_counter() - started > budget:
            timed_out = halted = True  # an unattended run must end
        if halted:
            raise StopIteration

    res = optimize.minimize(
        safe_fun_grad,
        theta,
        jac=True,
        method="L-BFGS-B",
        bounds=bounds,
        callback=on_ridge,
        options={"maxiter": max_iter, "ftol": 1e-12, "gtol": 1e-8, "maxcor": 20},
    )
    theta = np.asarray(res.x, dtype=float)
    n_iter = int(res.nit)
    if edge_message:  # the model recognised an edge: report it as it stands
        nan = np.full((theta.size, theta.size), np.nan)
        grad = np.asarray(res.jac, dtype=float)
        return Optimum(theta, float(res.fun), grad, nan, False, edge_message, n_iter, evaluations)

    # Newton polishing with a numerical Hessian.
    def hessian(theta):
        if analytic_gradient:
            return numerical_hessian(fun_grad, theta)
        return hessian_from_values(value, theta)

    f, g = fun_grad(theta)
    hess = hessian(theta)
    stopped_on_ridge = halted  # our own flag, not scipy's message text
    fresh = True  # is hess evaluated at theta? (steps reuse it: a chord method, cheaper)
    for _ in range(0 if stopped_on_ridge else 50):  # on a ridge, Newton would walk out along it
        step, pd_ok = _newton_step(hess, g)
        if not pd_ok or np.all(np.abs(step) <= _step_tolerance(hess, n) * 1e-2):
            if fresh:
                break
            hess, fresh = hessian(theta), True
            continue
        t, improved = 1.0, False
        while t > 1e-10:
            trial = np.clip(theta + t * step, -LOG_BOUND, LOG_BOUND)
            ft = value(trial)
            if np.isfinite(ft) and ft <= f + 1e-4 * t * float(g @ step) + 1e-15 * abs(f):
                improved = True
                break
            t /= 2
        if not improved:
            if fresh:
                break
            hess, fresh = hessian(theta), True
            continue
        theta = trial
        n_iter += 1
        f, g = fun_grad(theta)
        fresh = False
        if t < 1:  # the quadratic model was poor: refresh it
            hess, fresh = hessian(theta), True
    if not fresh:
        hess = hessian(theta)

    converged, message = _diagnose(theta, f, g, hess, names, n, res)
    if timed_out and not converged:
        message = f"the search was stopped after {budget:.0f} s; {message}"
    return Optimum(theta, f, g, hess, converged, message, n_iter, evaluations)


def _newton_step(hess: np.ndarray, grad: np.ndarray) -> tuple[np.ndarray, bool]:
    try:
        chol = np.linalg.cholesky(hess)
    except np.linalg.LinAlgError:
        return np.zeros_like(grad), False
    y = np.linalg.solve(chol, -grad)
    return np.linalg.solve(chol.T, y), True


def _step_tolerance(hess: np.ndarray, n: float) -> np.ndarray:
    try:
        se = np.sqrt(np.clip(np.diag(np.linalg.inv(hess)) / n, 0, None))
    except np.linalg.LinAlgError:
        se = np.zeros(hess.shape[0])
    return np.maximum(STEP_TOL, 1e-3 * se)


RIDGE_LOG = np.log(30.0)
"""Both parameters of a mixing distribution above exp(RIDGE_LOG) = 30 (time rescaled so that
max T = 10): it is degenerating into a point mass."""


def _ridge_message(theta_fit, theta, names, ridges) -> str | None:
    """Explain a non-convergence where a mixing distribution's shape and rate both run off.

    ``theta_fit`` are the log-parameters as optimised (time rescaled), ``theta`` in the
    data's units; ``ridges`` are (shape, rate, what varies) triples.
    """
    fit = dict(zip(names, theta_fit, strict=True))
    values = dict(zip(names, np.exp(theta), strict=True))
    for shape, rate, what in ridges:
        if fit[shape] > RIDGE_LOG and fit[rate] > RIDGE_LOG:
            return (
                f"{shape} and {rate} grow together without limit ({shape} = "
                f"{values[shape]:.3g}, {rate} = {values[rate]:.3g}): the data show no heterogeneity in {what}, so the mixing "
                "distribution collapses to a single value and the likelihood has no finite "
                "maximum. Predictions along this ridge are stable, standard errors are not; "
                "a model with a common rate (or more data) is the remedy"
            )
    return None


EDGE_LOG = np.log(1e4)
"""A log-parameter beyond +-EDGE_LOG (as optimised, time rescaled so that max T = 10) is
running off to 0 or infinity: the search stops there and the fit is diagnosed."""


def _edge_message(theta_fit, theta, names, hints) -> str | None:
    """Explain a non-convergence where parameters run off towards 0 or infinity."""
    parts, why = [], []
    for name, th_fit, th in zip(names, theta_fit, theta, strict=True):
        if abs(th_fit) > EDGE_LOG:
            side = "high" if th_fit > 0 else "low"
            parts.append(
                f"{name} -> {'infinity' if side == 'high' else '0'} ({name} = {np.exp(th):.3g})"
            )
            if (name, side) in hints:
                why.append(hints[(name, side)])
    if not parts:
        return None
    reason = f" ({'; '.join(why)})" if why else ""
    return (
        f"{', '.join(parts)}: the likelihood keeps rising towards the edge of the parameter "
        f"space, so these data do not identify the model{reason}"
    )


def _diagnose(theta, f, g, hess, names, n, res) -> tuple[bool, str]:
    if not np.isfinite(f) or not np.all(np.isfinite(g)) or not np.all(np.isfinite(hess)):
        return False, "the log-likelihood or its gradient is not finite at the end point"
    at_bound = [nm for nm, th in zip(names, theta, strict=True) if abs(th) >= LOG_BOUND - 1e-3]
    if at_bound:
        sides = ", ".join(
            f"{nm} -> {'infinity' if th > 0 else '0'} (log {nm} = {th:+.0f})"
            for nm, th in zip(names, theta, strict=True)
            if nm in at_bound
        )
        return False, (
            f"{sides}: the likelihood keeps rising towards the edge of the parameter space, so "
            "the data do not identify the model (for example no visible dropout, or too few "
            "customers with repeat purchases)"
        )
    step, pd_ok = _newton_step(hess, g)
    if not pd_ok:
        eigval, eigvec = np.linalg.eigh(hess)
        worst = eigvec[:, 0]
        involved = [nm for nm, w in zip(names, worst, strict=True) if abs(w) > 0.3]
        return False, (
            "the Hessian of the log-likelihood is not positive definite at the end point "
            f"(smallest eigenvalue {eigval[0]:.2g}): the data do not pin down "
            f"{', '.join(involved)} jointly; the fit is a saddle or a flat ridge"
        )
    tol = _step_tolerance(hess, n)
    if np.any(np.abs(step) > tol):
        worst = int(np.argmax(np.abs(step) / tol))
        return False, (
            f"stopped {abs(step[worst]):.2g} (in log {names[worst]}) short of the optimum after "
            f"{res.nit} iterations ({res.message}); the likelihood is too flat or too rough here"
        )
    return True, "converged: gradient ~ 0, Hessian positive definite, Newton step below tolerance"


class LikelihoodModel(BaseEstimator):
    """Base class of the maximum-likelihood models: scikit-learn's estimator contract
    (``get_params``/``set_params``/``repr`` from :class:`~sklearn.base.BaseEstimator`,
    :class:`~sklearn.exceptions.NotFittedError` before ``fit``), the fitted attributes
    (``params_``, ``standard_errors_``, ...) and their summaries."""

    display_name: str = "model"
    """The model's name for people (e.g. "BG/NBD"), used in messages and reports."""
    _param_names: tuple[str, ...] = ()
    _ridges: tuple[tuple[str, str, str], ...] = ()
    """(shape, rate, what varies) of each mixing distribution, for non-convergence messages."""
    _edge_hints: dict[tuple[str, str], str] = {}
    """(parameter, "high"/"low") -> what it means when a failed fit runs off that way."""

    def __init__(self, max_iter: int = 1000):
        """``max_iter``: the most quasi-Newton iterations of the likelihood search."""
        self.max_iter = max_iter

    def _validate_params(self) -> None:
        """Check the configuration given to ``__init__`` (called by ``fit``)."""
        max_iter = self.max_iter
        if isinstance(max_iter, bool) or not isinstance(max_iter, int | np.integer) or max_iter < 1:
            raise ConfigError(
                f"{type(self).__name__}: max_iter must be a whole number >= 1, got {max_iter!r}"
            )

    @classmethod
    def _ridge_index(cls) -> tuple[tuple[int, int], ...]:
        names = list(cls._param_names)
        return tuple((names.index(a), names.index(b)) for a, b, _ in cls._ridges)

    # -- fitted state ---------------------------------------------------------------------
    def _check_fitted(self) -> None:
        check_is_fitted(
            self,
            "params_",
            msg="this %(name)s is not fitted yet: call fit(...) first, or set_estimates(...) "
            "with known parameters",
        )

    def _store(
        self,
        opt: Optimum,
        n: float,
        theta_shift: np.ndarray | None = None,
        log_likelihood_shift: float = 0.0,
    ) -> None:
        """Set the fitted attributes from an optimum in (possibly time-rescaled) log space.

        ``theta_shift`` is added to ``opt.theta`` to get the log-parameters in the data's
        own units (a time rescaling only shifts ``log(alpha)``, ``log(beta)``, ``log(gamma)``);
        ``log_likelihood_shift`` is what the rescaling took off the log-likelihood (the
        density of purchase times scales as ``scale^x``).
        """
        names = list(self._param_names)
        theta = opt.theta + (0 if theta_shift is None else theta_shift)
        cov_log = np.full((len(names), len(names)), np.nan)  # no standard errors unless converged
        if opt.converged:
            cov_log = np.linalg.inv(opt.hessian) / n
        self._set_theta(theta, cov_log)
        self.log_likelihood_ = float(-opt.nll * n + log_likelihood_shift)
        self.converged_ = bool(opt.converged)
        self.convergence_message_ = opt.message
        self.n_iter_ = opt.n_iter
        self.n_evaluations_ = opt.n_evaluations
        if not opt.converged:
            self.convergence_message_ = (
                _ridge_message(opt.theta, theta, names, self._ridges)
                or _edge_message(opt.theta, theta, names, self._edge_hints)
                or opt.message
            )
            warnings.warn(
                f"{self.display_name} fit did not converge: {self.convergence_message_}",
                ConvergenceWarning,
                stacklevel=3,
            )

    def _set_theta(self, theta: np.ndarray, cov_log: np.ndarray) -> None:
        names = list(self._param_names)
        params = np.exp(theta)
        self.params_ = pd.Series(params, index=names, name="estimate")
        self.log_covariance_ = pd.DataFrame(cov_log, index=names, columns=names)
        jac = np.diag(params)
        self.covariance_ = pd.DataFrame(jac @ cov_log @ jac, index=names, columns=names)
        with np.errstate(invalid="ignore"):
            self.standard_errors_ = pd.Series(
                np.sqrt(np.diag(self.covariance_.to_numpy())), index=names, name="std_error"
            )

    def set_estimates(self, params: dict | pd.Series, covariance=None):
        """Use known parameters (e.g. from a paper) instead of fitting; returns self.

        ``covariance`` (natural scale) is optional; without it the standard errors are NaN.
        """
        names = list(self._param_names)
        params = pd.Series(params, dtype=float)
        missing = [n for n in names if n not in params.index]
        if missing or (params.reindex(names) <= 0).any():
            raise ValueError(f"{self.display_name} needs positive {', '.join(names)}")
        values = params.reindex(names).to_numpy()
        if covariance is None:
            cov_log = np.full((len(names), len(names)), np.nan)
        else:
            cov = np.asarray(covariance, dtype=float)
            cov_log = cov / np.outer(values, values)
        self._set_theta(np.log(values), cov_log)
        self.log_likelihood_ = np.nan
        self.converged_ = True
        self.convergence_message_ = "parameters set, not fitted"
        return self

    def _theta(self) -> np.ndarray:
        self._check_fitted()
        return np.log(self.params_.to_numpy())

    def with_params(self, params: dict | pd.Series | np.ndarray):
        """A copy of this fitted model with other parameter values (for scenarios and draws)."""
        self._check_fitted()
        new = type(self)(**self.get_params())
        new.__dict__.update(self.__dict__)
        values = np.asarray(pd.Series(params).reindex(self._param_names), dtype=float)
        new.params_ = pd.Series(values, index=list(self._param_names), name="estimate")
        return new

    def sample_params(self, n_draws: int, random_state=None) -> pd.DataFrame:
        """Draws from the asymptotic normal of the log-parameters, returned on the natural scale.

        ``log(params) ~ N(log(params_), log_covariance_)``; one row per draw.
        """
        self._check_fitted()
        cov = self.log_covariance_.to_numpy()
        if not np.all(np.isfinite(cov)):
            raise ValueError(
                f"{self.display_name} has no covariance (not converged or set without one): "
                "cannot draw parameters"
            )
        rng = np.random.default_rng(random_state)
        try:  # Cholesky is unique, so seeded draws are the same on any LAPACK build
            np.linalg.cholesky(cov)
            method = "cholesky"
        except np.linalg.LinAlgError:
            method = "eigh"
        draws = rng.multivariate_normal(self._theta(), cov, size=n_draws, method=method)
        return pd.DataFrame(np.exp(draws), columns=list(self._param_names))

    def summary(self, level: float = 0.95) -> pd.DataFrame:
        """One row per parameter: estimate, standard error and a ``level`` interval.

        The interval is symmetric in log space, ``exp(log(estimate) +- z se_log)``, so it
        stays positive.
        """
        from scipy.stats import norm

        self._check_fitted()
        z = norm.ppf(0.5 + level / 2)
        se_log = np.sqrt(np.diag(self.log_covariance_.to_numpy()))
        est = self.params_.to_numpy()
        pct = f"{level:.0%}"
        return pd.DataFrame(
            {
                "estimate": est,
                "std_error": self.standard_errors_.to_numpy(),
                f"lower {pct}": est * np.exp(-z * se_log),
                f"upper {pct}": est * np.exp(z * se_log),
            },
            index=pd.Index(list(self._param_names), name="parameter"),
        )
