"""Closed-form expectations of the purchase models, evaluated stably (vectorised).

All functions broadcast over their arguments and take *posterior* (or prior) parameters,
so the same code serves new accounts, accounts with a history, and scenarios.
"""

from __future__ import annotations

import numpy as np
from scipy import integrate
from scipy.special import hyp2f1

_NEAR_ONE = 1e-4  # |a - 1| below this: interpolate across the removable singularity at a = 1


def _quad_beta(fun, a: float, b: float) -> float:
    """E[fun(p)] for p ~ Beta(a, b), by adaptive quadrature with the algebraic weight."""
    from scipy.special import beta as beta_fn

    val, _ = integrate.quad(fun, 0.0, 1.0, weight="alg", wvar=(a - 1.0, b - 1.0), limit=200)
    return val / beta_fn(a, b)


def bg_expected_quad(t, r, alpha, a, b) -> np.ndarray:
    """:func:`bg_expected` by numerical integration over p (reference and fallback)."""
    t, r, alpha, a, b = np.broadcast_arrays(*map(np.asarray, (t, r, alpha, a, b)))
    out = np.empty(t.shape)
    for i in np.ndindex(t.shape):
        ti, ri, ali = float(t[i]), float(r[i]), float(alpha[i])

        def h(p, ti=ti, ri=ri, ali=ali):
            return -np.expm1(-ri * np.log1p(p * ti / ali)) / p if p > 0 else ri * ti / ali

        out[i] = _quad_beta(h, float(a[i]), float(b[i]))
    return out


def bg_expected(t, r, alpha, a, b) -> np.ndarray:
    """E[(1 - exp(-lambda p t)) / p] for lambda ~ Gamma(r, alpha), p ~ Beta(a, b).

    The expected number of purchases in the next ``t`` of a BG/NBD customer who is active
    now (Fader, Hardie & Lee 2005, eq. 9; with posterior parameters their eq. 10 over
    P(alive)). Their form ``(a+b-1)/(a-1) [1 - (alpha/(alpha+t))^r 2F1(r, b; a+b-1; z)]``,
    ``z = t/(alpha+t)``, is evaluated after Euler's transformation,

        (a+b-1)/(a-1) [1 - (alpha/(alpha+t))^(a-1) 2F1(a+b-1-r, a-1; a+b-1; z)],

    whose hypergeometric stays of order one when ``r`` and ``b`` are large (accounts
    with many purchases). The removable singularity at ``a = 1`` is bridged by linear
    interpolation in ``a`` over ``1 +- 1e-4``; ``a + b - 1 <= 0.05`` and any non-finite
    value fall back to numerical integration over ``p``.
    """
    t, r, alpha, a, b = np.broadcast_arrays(
        *(np.asarray(v, dtype=float) for v in (t, r, alpha, a, b))
    )
    near = np.abs(a - 1.0) < _NEAR_ONE
    with np.errstate(all="ignore"):
        if near.any():
            lo = _bg_expected_euler(t, r, alpha, np.where(near, 1 - _NEAR_ONE, a), b)
            hi = _bg_expected_euler(t, r, alpha, np.where(near, 1 + _NEAR_ONE, a), b)
            w = (a - (1 - _NEAR_ONE)) / (2 * _NEAR_ONE)
            out = np.where(near, lo + w * (hi - lo), hi)
        else:
            out = _bg_expected_euler(t, r, alpha, a, b)
    out = np.where(t == 0, 0.0, out)
    bad = ~np.isfinite(out) | (a + b - 1 <= 0.05) | (out < 0)
    if bad.any():
        out = np.array(out, dtype=float)
        smooth = bad & ((a <= 1) | (b <= 1))  # e.g. parameter draws with b ~ 0.1
        out[smooth] = bg_expected_log_quadrature(
            t[smooth], r[smooth], alpha[smooth], a[smooth], b[smooth]
        )
        rest = bad & ~smooth
        out[rest] = bg_expected_quad(t[rest], r[rest], alpha[rest], a[rest], b[rest])
    return out


def _bg_expected_euler(t, r, alpha, a, b):
    c = a + b - 1.0
    z = t / (alpha + t)
    log1mz = -np.log1p(t / alpha)  # log(1 - z)
    hyp = hyp2f1(c - r, a - 1.0, c, z)
    return c / (a - 1.0) * -np.expm1((a - 1.0) * log1mz + np.log(hyp))


_LOG_MIN = -45.0
"""Where :func:`bg_expected_log_quadrature` starts: log p (and log(1 - p)) = -45."""
_x, _w = np.polynomial.legendre.leggauss(256)
_HALF = np.log(0.5)
_LOG_NODES = _LOG_MIN + (_HALF - _LOG_MIN) * (_x + 1) / 2  # on [-45, log 1/2]
_LOG_WEIGHTS = (_HALF - _LOG_MIN) / 2 * _w
_CHUNK = 8_192


def bg_expected_log_quadrature(t, r, alpha, a, b) -> np.ndarray:
    """:func:`bg_expected` where ``a <= 1`` or ``b <= 1`` (a Beta density that is singular
    at 0 or 1), vectorised. With ``h(p) = (1 - (1 + p t/alpha)^-r) / p``, ``h(0) = r t /
    alpha`` and ``g = h - h(0)``::

        E[h(p)] = h(0) P(p <= 1/2) + [int_0^1/2 g(p) + int_1/2^1 h(p)] p^(a-1) (1-p)^(b-1) dp / B(a, b),

    (``g`` where ``p`` is small, so that nothing cancels), the first half in ``s = log p``
    (``p^(a-1) dp = e^(a s) ds``), the second in ``s = log(1 - p)`` (``(1-p)^(b-1) dp =
    e^(b s) ds``), each by 256-point Gauss-Legendre over ``[-45, log 1/2]``, where the
    integrands are smooth; beyond ``1 - p = e^-45``, where ``h = h(1)``, the mass is added
    in closed form (a ``b`` near 0 puts much of it there). Within 1e-9 (relative) of
    :func:`bg_expected_quad` on random cases of that region, and some hundred times
    faster: the uplift's parameter draws on Online Retail (``b`` down to 0.07) called the
    per-element quadrature 1.7 million times."""
    from scipy.special import betainc, betaln

    t, r, alpha, a, b = (np.asarray(v, dtype=float).ravel() for v in (t, r, alpha, a, b))
    out = np.empty(t.shape)
    near = np.exp(_LOG_NODES)[None, :]  # p in the first half, 1 - p in the second
    far = -np.expm1(_LOG_NODES)[None, :]  # 1 - p in the first half, p in the second
    log_far = np.log(far)
    for lo in range(0, len(t), _CHUNK):
        part = slice(lo, lo + _CHUNK)
        rc, ac, bc = r[part, None], a[part, None], b[part, None]
        u = t[part, None] / alpha[part, None]

        def g(p, rc=rc, u=u):
            return -np.expm1(-rc * np.log1p(p * u)) / p - rc * u

        norm = betaln(ac, bc)
        low = g(near) * np.exp(ac * _LOG_NODES + (bc - 1) * log_far - norm)
        high = (g(far) + rc * u) * np.exp(bc * _LOG_NODES + (ac - 1) * log_far - norm)
        first_half = betainc(ac, bc, 0.5)  # P(p <= 1/2), where h(0) is added back
        # 1 - p below e^-45: p = 1 there, h(1) = 1 - (1 + u)^-r; the mass e^(-45 b) / b / B
        tail = -np.expm1(-rc * np.log1p(u)) * np.exp(bc * _LOG_MIN - np.log(bc) - norm)
        out[part] = (rc * u * first_half + tail)[:, 0] + (low + high) @ _LOG_WEIGHTS
    return out


def bg_survival_quad(t, r, alpha, a, b) -> np.ndarray:
    """:func:`bg_survival` by numerical integration over p (reference and fallback)."""
    t, r, alpha, a, b = np.broadcast_arrays(*map(np.asarray, (t, r, alpha, a, b)))
    out = np.empty(t.shape)
    for i in np.ndindex(t.shape):
        ti, ri, ali = float(t[i]), float(r[i]), float(alpha[i])
        out[i] = _quad_beta(
            lambda p, ti=ti, ri=ri, ali=ali: np.exp(-ri * np.log1p(p * ti / ali)),
            float(a[i]),
            float(b[i]),
        )
    return out


def bg_survival(t, r, alpha, a, b) -> np.ndarray:
    """E[exp(-lambda p t)]: the chance that a BG/NBD customer active now still is after ``t``.

    With ``u = t / alpha``: ``E_p[(1 + p u)^-r] = (1+u)^-a 2F1(a+b-r, a; a+b; u/(1+u))``
    (Euler's integral, then Pfaff's transformation). Non-finite values fall back to
    numerical integration.
    """
    t, r, alpha, a, b = np.broadcast_arrays(
        *(np.asarray(v, dtype=float) for v in (t, r, alpha, a, b))
    )
    with np.errstate(all="ignore"):
        u = t / alpha
        out = np.exp(-a * np.log1p(u)) * hyp2f1(a + b - r, a, a + b, u / (1 + u))
    bad = ~np.isfinite(out) | (out < 0) | (out > 1 + 1e-9)
    if bad.any():
        out = np.array(out, dtype=float)
        out[bad] = bg_survival_quad(t[bad], r[bad], alpha[bad], a[bad], b[bad])
    return np.clip(out, 0.0, 1.0)


def expm1_ratio(c, length):
    """``(1 - exp(-c L)) / c``, continuous at ``c = 0`` (where it is ``L``)."""
    c, length = np.broadcast_arrays(np.asarray(c, dtype=float), np.asarray(length, dtype=float))
    small = np.abs(c * length) < 1e-8
    with np.errstate(all="ignore"):
        exact = -np.expm1(-c * length) / c
    return np.where(small, length * (1 - c * length / 2), exact)


def pnbd_expected(t, r, alpha, s, beta) -> np.ndarray:
    """E[lambda (1 - exp(-mu t)) / mu], lambda ~ Gamma(r, alpha), mu ~ Gamma(s, beta).

    Pareto/NBD expected purchases in the next ``t`` for a customer active now
    (Schmittlein, Morrison & Colombo 1987): ``r beta / (alpha (s-1)) [1 - (beta/(beta+t))^(s-1)]``,
    written with ``expm1``/``log1p`` so that ``s = 1`` gives ``(r beta / alpha) log(1 + t/beta)``.
    """
    t, r, alpha, s, beta = np.broadcast_arrays(
        *(np.asarray(v, dtype=float) for v in (t, r, alpha, s, beta))
    )
    return r / alpha * beta * expm1_ratio(s - 1.0, np.log1p(t / beta))


def pnbd_survival(t, s, beta) -> np.ndarray:
    """E[exp(-mu t)] = (beta / (beta + t))^s: still active after ``t`` given active now."""
    t, s, beta = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (t, s, beta)))
    return np.exp(-s * np.log1p(t / beta))


def raise_beta_retention(post: dict, points, churn_reduction) -> tuple[dict, np.ndarray]:
    """A Beta(a, b) dropout posterior with E[1-p] raised by ``points``/100 (or E[p] cut by
    ``churn_reduction``), concentration ``a + b`` kept, the rise capped at 99% of E[p]."""
    a, b = post["a"], post["b"]
    mean_p = a / (a + b)
    if churn_reduction is not None:
        cut = churn_reduction * mean_p
        capped = np.zeros(a.shape, dtype=bool)
    else:
        cut = np.minimum(points / 100.0, 0.99 * mean_p)
        capped = points / 100.0 > 0.99 * mean_p
    new = dict(post)
    new["a"] = (mean_p - cut) * (a + b)
    new["b"] = (1 - mean_p + cut) * (a + b)
    return new, capped
