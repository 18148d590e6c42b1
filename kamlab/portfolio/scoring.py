"""Scores 1-10 per factor, and the weighted attractiveness and strength.

For each account and group (attractiveness, strength)::

    group score = sum over factors (weight x score) / 100        (weights sum to 100)

Scores come from a data measure by a rule, or from a judgement column scored by people:

- ``percentile`` (the default): ``score = 1 + 9 (rank - 1) / (n - 1)``, ``rank`` the
  account's rank from the smallest value with ties averaged, ``n`` the accounts with a
  value (a single account scores 5.5): continuous, so the order is kept at the top where
  the key accounts are chosen (deciles give the top tenth one score).
- ``deciles``: ``score = 1 + floor(10 (rank - 1) / n)``, ``rank`` the account's rank
  from the smallest value (ties share the lowest rank), ``n`` the accounts with a value:
  the bottom tenth scores 1, the top tenth 10.
- ``linear``: ``score = 1 + 9 (x - low) / (high - low)``, clipped to 1-10; ``low`` and
  ``high`` default to the portfolio's 5th and 95th percentiles.
- judgement: the value as given; it must lie in 1-10 (anything else is an error naming
  the accounts).

Missing values: an account without a value for a factor is scored at the median score of
the other accounts on it and flagged in ``imputed``; the accounts are listed in a
:class:`PortfolioWarning`. A factor with no value at all (column or measure absent) is
dropped and the group's other weights are scaled to sum to 100. A group with no usable
factor uses its ``fallback`` factors. Each of these is said in the notes.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from kamlab.errors import ConfigError, InputError
from kamlab.portfolio.criteria import SCALE, Criteria, Factor
from kamlab.portfolio.potential import peers_only_potential
from kamlab.words import agreeing, counted

__all__ = ["GroupScores", "PortfolioWarning", "score_factor", "score_group"]


class PortfolioWarning(UserWarning):
    """Something in the portfolio was assumed (imputed scores, dropped factors)."""


def listed(ids, limit: int = 8) -> str:
    """``"A1, A2, A3"`` or ``"A1, ... (and 12 more)"``: account ids for a message."""
    ids = [str(i) for i in ids]
    more = f" (and {len(ids) - limit} more)" if len(ids) > limit else ""
    return ", ".join(ids[:limit]) + more


SIGNIFICANT_DIGITS = 12
"""Values are ranked at this precision, relative to the largest of them: an engine that sums
in parallel adds in a varying order, so two accounts with the same revenue (or one whose
returns cancel its purchases, a revenue of 0) may differ in the last bits from one run to
the next; rounded to a 10^-12 part of the largest value they tie every time, and a rerun
gives the same scores."""


def _steady(values: pd.Series) -> pd.Series:
    """``values`` rounded to a multiple of ``10^(e - 11)``, ``e`` the decimal exponent of the
    largest finite magnitude (:data:`SIGNIFICANT_DIGITS`), for ranking."""
    finite = values[np.isfinite(values)].abs()
    top = finite.max() if len(finite) else 0.0
    if not top > 0:
        return values
    quantum = 10.0 ** (np.floor(np.log10(top)) - (SIGNIFICANT_DIGITS - 1))
    return (values / quantum).round() * quantum


# Ranks are taken over the known values with the unknown kept in place (NaN ranks NaN),
# not over a subset reindexed back: at 1M accounts each reindex is a hash of every id.
def _percentile(values: pd.Series) -> pd.Series:
    known = int(values.notna().sum())
    if known < 2:
        return values.where(values.isna(), (SCALE[0] + SCALE[1]) / 2)
    rank = _steady(values).rank(method="average")
    return 1 + 9 * (rank - 1) / (known - 1)


def _deciles(values: pd.Series) -> pd.Series:
    rank = _steady(values).rank(method="min")
    return 1 + np.floor(10 * (rank - 1) / max(int(values.notna().sum()), 1))


def _linear(values: pd.Series, low: float | None, high: float | None) -> pd.Series:
    low = values.quantile(0.05) if low is None else low
    high = values.quantile(0.95) if high is None else high
    if not high > low:  # every account alike: all sit in the middle
        return values.where(values.isna(), (SCALE[0] + SCALE[1]) / 2)
    return (1 + 9 * (values - low) / (high - low)).clip(*SCALE)


def _judgement(values: pd.Series, factor: Factor) -> pd.Series:
    numbers = pd.to_numeric(values, errors="coerce").astype("float64")
    bad = values.notna() & (numbers.isna() | (numbers < SCALE[0]) | (numbers > SCALE[1]))
    if bad.any():
        raise InputError(
            f"judgement column {factor.judgement!r} ({factor.name}) must hold scores from 1 to "
            f"10; accounts {listed(values.index[bad])} have "
            f"{listed(values[bad].astype(str).unique(), 4)}"
        )
    return numbers


def score_factor(factor: Factor, measures: pd.DataFrame, accounts: pd.DataFrame | None):
    """Scores 1-10 of one factor for the accounts of ``measures`` (NaN where unknown),
    or ``None`` when its column or measure is absent."""
    if factor.judgement is not None:
        if accounts is None or factor.judgement not in accounts.columns:
            return None
        return _judgement(accounts[factor.judgement].reindex(measures.index), factor)
    if factor.measure not in measures.columns:
        return None
    if factor.measure == "potential" and peers_only_potential(measures):
        return None  # the quartile less the revenue: no measure of potential at all
    values = pd.to_numeric(measures[factor.measure], errors="coerce").astype("float64")
    if factor.rule == "percentile":
        return _percentile(values)
    if factor.rule == "deciles":
        return _deciles(values)
    return _linear(values, factor.low, factor.high)


@dataclass
class GroupScores:
    """One group's result: ``scores`` (account x factor, 1-10, imputed filled in),
    ``imputed`` (same shape, True where imputed), ``factors`` scored and their
    ``weights`` (scaled to sum to 100), ``value`` (the weighted group score per account)
    and ``notes``."""

    scores: pd.DataFrame
    imputed: pd.DataFrame
    factors: tuple[Factor, ...]
    weights: dict[str, float]
    value: pd.Series
    notes: list[str]


def _available(factors, measures, accounts):
    scored, missing = {}, []
    for f in factors:
        s = score_factor(f, measures, accounts)
        if s is None or s.isna().all():
            missing.append(f)
        else:
            scored[f.name] = s
    return scored, missing


def score_group(
    criteria: Criteria, group: str, measures: pd.DataFrame, accounts: pd.DataFrame | None
) -> GroupScores:
    """Score every factor of ``group`` and combine them by weight (see the module doc)."""
    factors = criteria.factors(group)
    notes: list[str] = []
    if accounts is not None:  # the judgement columns lined up with the accounts once
        judged = {f.judgement for f in (*factors, *criteria.fallback.get(group, ()))}
        accounts = accounts[[c for c in accounts.columns if c in judged]].reindex(measures.index)
    if any(f.measure == "potential" for f in factors) and peers_only_potential(measures):
        notes.append(
            f"{group}: potential left out: with no share of wallet or industry in the "
            "accounts file, each account's potential is the portfolio's upper quartile less "
            "its own revenue, which would rank the smallest accounts first"
        )
    scored, missing = _available(factors, measures, accounts)
    if not scored:
        fallback = criteria.fallback.get(group)
        if not fallback:
            raise ConfigError(
                f"no {group} factor can be scored ({', '.join(f.source for f in missing)} "
                f"missing) and the criteria give no fallback.{group}"
            )
        notes.append(
            f"{group}: none of its factors could be scored ({', '.join(f.source for f in missing)}"
            f" missing), so it falls back to {', '.join(f.name for f in fallback)}"
        )
        factors = fallback
        scored, missing = _available(factors, measures, accounts)
        if not scored:
            raise ConfigError(f"{group}: the fallback factors cannot be scored either")
    elif missing:
        notes.append(
            f"{group}: dropped {', '.join(f'{f.name} ({f.source})' for f in missing)}, which "
            f"the data do not have; the other weights are scaled to sum to 100"
        )
    used = [f for f in factors if f.name in scored]
    total = sum(f.weight for f in used)
    weights = {f.name: 100 * f.weight / total for f in used}

    scores = pd.DataFrame(scored, index=measures.index)[list(weights)]
    imputed = scores.isna()
    if imputed.any().any():
        for name in scores.columns[imputed.any()]:
            ids = scores.index[imputed[name]]
            median = float(scores[name].median())
            notes.append(
                f"{group}.{name}: {counted(len(ids), 'account')} without a score "
                f"{agreeing(len(ids), 'was', 'were')} given the portfolio median "
                f"{median:.3g}: {listed(ids)}"
            )
            scores[name] = scores[name].fillna(median)
    for note in notes:
        warnings.warn(note, PortfolioWarning, stacklevel=3)
    value = scores.to_numpy() @ np.array(list(weights.values())) / 100
    value = pd.Series(value, index=scores.index)
    return GroupScores(scores, imputed, tuple(used), weights, value, notes)
