"""Simulate per-account summaries straight from the models (for tests, benchmarks, checks).

:func:`kamlab.datasets.make_sample` simulates whole transaction logs; here the summary
``frequency, recency, T, monetary_value`` is drawn exactly and fast (a million accounts
in about a second), with the latent truth alongside.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def simulate_bgnbd(
    n: int,
    r: float,
    alpha: float,
    a: float,
    b: float,
    *,
    T=52.0,
    spend: tuple[float, float, float] | None = None,
    dropout_at_first_purchase: bool = False,
    seed=None,
) -> pd.DataFrame:
    """Summaries of ``n`` accounts drawn from BG/NBD (Fader, Hardie & Lee 2005).

    ``lambda ~ Gamma(r, alpha)``, ``p ~ Beta(a, b)``; repeat purchases form a Poisson
    process on ``(0, T]`` and after each the account drops out with probability ``p``
    (also after the first purchase when ``dropout_at_first_purchase``: the MBG/NBD
    variant of Batislam, Denizel & Filiztekinler 2007, which ``kamlab.datasets`` uses).
    ``T`` is a number or an array of ``n`` ages. With ``spend = (p, q, gamma)`` each
    purchase is ``Gamma(p, nu)``, ``nu ~ Gamma(q, gamma)``, and ``monetary_value`` is the
    mean of the repeat purchases (0 without). Columns: frequency, recency, T,
    monetary_value, and the truth ``alive``, ``lambda``, ``p`` (index ``account_id``).
    """
    rng = np.random.default_rng(seed)
    T = np.broadcast_to(np.asarray(T, dtype=float), (n,)).copy()
    lam = rng.gamma(r, 1.0 / alpha, n)
    p = rng.beta(a, b, n)
    n_window = rng.poisson(lam * T)  # repeat purchases in (0, T] were it never to drop out
    # the repeat purchase at which it drops out (1, 2, ...), or 0 = right after the first
    last = rng.geometric(np.clip(p, 1e-300, 1.0)) - (1 if dropout_at_first_purchase else 0)
    x = np.minimum(n_window, last)
    alive = last > n_window
    # given n_window events, the x-th is the x-th order statistic of uniforms on (0, T]
    rec = np.zeros(n)
    pos = x > 0
    rec[pos] = T[pos] * rng.beta(x[pos], n_window[pos] - x[pos] + 1)
    out = pd.DataFrame(
        {"frequency": x.astype(np.int64), "recency": rec, "T": T},
        index=pd.Index([f"A{i:07d}" for i in range(n)], name="account_id"),
    )
    out["monetary_value"] = 0.0
    if spend is not None:
        gp, gq, gg = spend
        nu = rng.gamma(gq, 1.0 / gg, n)
        total = rng.gamma(gp * np.maximum(x, 1), 1.0 / nu)  # sum of x Gamma(p, nu) purchases
        out["monetary_value"] = np.where(pos, total / np.maximum(x, 1), 0.0)
    out["alive"] = alive
    out["lambda"] = lam
    out["p"] = p
    return out


def simulate_pareto_nbd(
    n: int, r: float, alpha: float, s: float, beta: float, *, T=52.0, seed=None
) -> pd.DataFrame:
    """Summaries of ``n`` accounts drawn from Pareto/NBD (Schmittlein, Morrison & Colombo 1987).

    ``lambda ~ Gamma(r, alpha)``, ``mu ~ Gamma(s, beta)``, lifetime ``tau ~ Exp(mu)``;
    repeat purchases are a Poisson process on ``(0, min(tau, T)]``. Columns frequency,
    recency, T and the truth ``alive`` (``tau > T``), ``lambda``, ``mu``.
    """
    rng = np.random.default_rng(seed)
    T = np.broadcast_to(np.asarray(T, dtype=float), (n,)).copy()
    lam = rng.gamma(r, 1.0 / alpha, n)
    mu = rng.gamma(s, 1.0 / beta, n)
    tau = rng.exponential(1.0 / mu)
    active = np.minimum(tau, T)
    x = rng.poisson(lam * active)
    rec = np.zeros(n)
    pos = x > 0
    rec[pos] = active[pos] * rng.random(pos.sum()) ** (1.0 / x[pos])  # max of x uniforms
    return pd.DataFrame(
        {
            "frequency": x.astype(np.int64),
            "recency": rec,
            "T": T,
            "alive": tau > T,
            "lambda": lam,
            "mu": mu,
        },  # fmt: skip
        index=pd.Index([f"A{i:07d}" for i in range(n)], name="account_id"),
    )
