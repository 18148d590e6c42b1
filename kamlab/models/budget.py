"""How long a model fit's search may take: a budget in seconds, set by the environment.

Kept apart from the estimators (:mod:`kamlab.models._base`) so that what only needs the
budget's names (``kamlab report`` setting it for its notebooks) does not import
scikit-learn and SciPy.
"""

from __future__ import annotations

import math
import os

from kamlab.errors import ConfigError

SEARCH_BUDGET_S = 120.0
"""The quasi-Newton search stops after this many seconds (checked between iterations): near
the edge of the parameter space some likelihoods (Pareto/NBD with s -> 0, beta -> infinity)
get slower to evaluate at every step, and an unattended report must end. The end point is
then diagnosed as usual; a fit stopped short is reported as not converged, saying why.
Override it with the environment variable ``KAMLAB_FIT_BUDGET_S`` (:func:`search_budget`);
``kamlab report`` sets :data:`REPORT_BUDGET_S` unless it is set already."""

BUDGET_ENV = "KAMLAB_FIT_BUDGET_S"
"""Environment variable: seconds one fit's search may take (default :data:`SEARCH_BUDGET_S`)."""

REPORT_BUDGET_S = 15.0
"""The search budget inside ``kamlab report``: a sample-sized fit that converges takes well
under a second, so a fit still searching after 15 s is running off to an edge; the report
says it did not converge in the time allowed and what it used instead."""


def search_budget() -> float:
    """Seconds a fit's quasi-Newton search may take: ``$KAMLAB_FIT_BUDGET_S`` when set (a
    positive number), else :data:`SEARCH_BUDGET_S`."""
    raw = os.environ.get(BUDGET_ENV, "").strip()
    if not raw:
        return SEARCH_BUDGET_S
    try:
        seconds = float(raw)
    except ValueError:
        seconds = float("nan")
    if not (math.isfinite(seconds) and seconds >= 0):
        raise ConfigError(
            f"{BUDGET_ENV}={raw!r}: expected a number of seconds (0 or more), e.g. {BUDGET_ENV}=15"
        )
    return seconds
