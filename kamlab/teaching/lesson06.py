"""Teaching notebook 6, "Retention economics": numbers, tables and exercises.

Reichheld & Sasser (1990); Gupta & Lehmann's CLV = m r / (1 + d - r) and its convexity;
why a cohort's retention rises (heterogeneity); the shifted-beta-geometric model (Fader
& Hardie 2007) fitted to a cohort of the student's contract customers; the value of the
current customers (Fader & Hardie 2010) and what 5 points more retention adds.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd

from kamlab.models import ShiftedBetaGeometric
from kamlab.teaching.checks import Exercise, Mistake, Workbook
from kamlab.teaching.data import ContractBase, StudentPortfolio, contract_customers
from kamlab.value import contract_value, gupta_lehmann_clv, retention_uplift

__all__ = [
    "DISCOUNT",
    "HORIZON",
    "NOTEBOOK",
    "POINTS",
    "ContractAnalysis",
    "Scenario",
    "analyse_contracts",
    "mixture_retention",
    "scenario_for",
    "uplift_by_tenure",
    "workbook",
]

NOTEBOOK = "06_retention_economics.ipynb"
TITLE = "Retention economics"
DISCOUNT = 0.10
"""Annual discount rate used throughout the notebook (the cost of capital)."""
POINTS = 5
"""The retention scenario: this many percentage points more retention."""
HORIZON = 12
"""Exercise 4: the share of the cohort still a customer after this many years."""


@dataclass(frozen=True)
class Scenario:
    """The student's numbers for exercises 1 to 3 (drawn from the seed).

    ``margin``: yearly margin of the most profitable account (GBP, rounded), ``retention``
    for exercise 1; ``r0`` and ``discount2`` for exercise 2; ``year`` for exercise 3.
    """

    margin: float
    retention: float
    r0: float
    discount2: float
    year: int


def scenario_for(data: StudentPortfolio) -> Scenario:
    """Exercise inputs for this student: the margin comes from the student's P&L."""
    rng = np.random.default_rng([data.seed, 6, 1])
    margin = float(max(1000.0, round(data.pnl["contribution"].max(), -3)))
    return Scenario(
        margin=margin,
        retention=float(rng.choice([0.75, 0.80, 0.85, 0.90])),
        r0=float(rng.choice([0.72, 0.74, 0.76, 0.78, 0.82, 0.84, 0.86, 0.88])),
        discount2=float(rng.choice([0.08, 0.09, 0.11, 0.12])),
        year=int(rng.integers(2, 7)),
    )


def mixture_retention(retentions=(0.5, 0.95), shares=(0.5, 0.5), years: int = 8) -> pd.DataFrame:
    """A cohort made of customer types that never change: each type keeps its own
    retention, yet the cohort's retention rises year after year as the likely leavers
    leave first. One row per year: the share of each type still in the cohort and the
    cohort's retention that year."""
    r = np.asarray(retentions, dtype=float)
    w = np.asarray(shares, dtype=float) / np.sum(shares)
    t = np.arange(1, years + 1)
    alive_before = w[None, :] * r[None, :] ** (t[:, None] - 1)
    alive = alive_before * r[None, :]
    table = pd.DataFrame(
        {f"still here: type retaining {x:.0%}": alive[:, i] for i, x in enumerate(r)},
        index=pd.Index(t, name="year"),
    )
    table["cohort retention that year"] = alive.sum(axis=1) / alive_before.sum(axis=1)
    return table.round(3)


@dataclass
class ContractAnalysis:
    """The sBG fitted to the oldest cohort, the value of the current customers and the
    retention uplift (see :func:`analyse_contracts`)."""

    contracts: ContractBase
    model: ShiftedBetaGeometric
    value: object
    uplift: object


@lru_cache(maxsize=8)
def analyse_contracts(seed: int, n_draws: int = 0) -> ContractAnalysis:
    """Fit the sBG to the oldest cohort of the student's contract customers, value the
    customers under contract now (margin x DERL at :data:`DISCOUNT`) and compute what
    :data:`POINTS` more retention adds (``n_draws`` parameter draws for an interval;
    0 for the point estimate only). Cached by seed; treat the result as read-only."""
    contracts = contract_customers(seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a non-converged fit is reported by converged_
        model = ShiftedBetaGeometric().fit(contracts.survivors.to_numpy())
    value = contract_value(model, contracts.renewals, contracts.margin_per_year, discount=DISCOUNT)
    draws = n_draws if model.converged_ else 0
    uplift = retention_uplift(value, points=POINTS, n_draws=draws, seed=seed)
    return ContractAnalysis(contracts, model, value, uplift)


def uplift_by_tenure(analysis: ContractAnalysis) -> pd.DataFrame:
    """Per number of renewals so far: customers, retention now and in the scenario, value
    per customer and the uplift in percent of that value."""
    table = analysis.uplift.table.assign(renewals=analysis.value.table["renewals"].astype(int))
    grouped = table.groupby("renewals")
    out = pd.DataFrame(
        {
            "customers": grouped.size(),
            "retention": grouped["retention"].mean(),
            "retention_scenario": grouped["retention_scenario"].mean(),
            "value_per_customer": grouped["clv"].mean(),
            "uplift_pct": 100 * grouped["uplift"].sum() / grouped["clv"].sum(),
        }
    )
    return out.round(
        {"retention": 3, "retention_scenario": 3, "value_per_customer": 0, "uplift_pct": 1}
    )


def _lift(r0: float, r1: float, d: float) -> float:
    return float(gupta_lehmann_clv(1.0, r1, d) / gupta_lehmann_clv(1.0, r0, d) - 1)


def workbook(data: StudentPortfolio, *, show_solutions: bool = False) -> Workbook:
    """The exercises of notebook 6 on this student's data."""
    s = scenario_for(data)
    m, r, d = s.margin, s.retention, DISCOUNT
    r1 = s.r0 + POINTS / 100
    analysis = analyse_contracts(data.seed)
    survivors = analysis.contracts.survivors.to_numpy(dtype=float)
    k = s.year
    model = analysis.model
    first = float(model.retention(1))
    total = analysis.uplift.total
    mean_retention = float(analysis.uplift.table["retention"].mean())
    exercises = [
        Exercise(
            "1",
            "What is the customer lifetime value (CLV) for these m, r and d?",
            float(gupta_lehmann_clv(m, r, d)),
            unit="GBP",
            decimals=0,
            mistakes=[
                Mistake(
                    "no discounting",
                    m * r / (1 - r),
                    "You left out the discount rate d: money received next year is worth "
                    "less than money now. The denominator is 1 + d - r.",
                ),
                Mistake(
                    "no r on top",
                    m / (1 + d - r),
                    "The margin is earned only if the customer stays: multiply m by r on "
                    "the top of the fraction.",
                ),
                Mistake(
                    "margin now as well",
                    m * (1 + d) / (1 + d - r),
                    "You counted a margin paid today as well. In this formula the first "
                    "margin comes at the end of the first year, if the customer stays.",
                ),
                Mistake(
                    "d as a percent",
                    m * r / (1 + 100 * d - r),
                    "Write the discount rate as a fraction: 10% is 0.10, not 10.",
                ),
                Mistake(
                    "r as a percent",
                    m * 100 * r / (1 + d - 100 * r),
                    "Write retention as a fraction: 85% is 0.85, not 85.",
                ),
            ],
            hint="CLV = m x r / (1 + d - r), with r and d as fractions (0.85, 0.10).",
            explanation="The same formula, divided by m, gives CLV as a multiple of one "
            "year's margin.",
        ),
        Exercise(
            "2",
            "By what fraction does CLV rise when retention goes from r0 to r0 + 0.05?",
            _lift(s.r0, r1, s.discount2),
            kind="share",
            mistakes=[
                Mistake(
                    "linear",
                    POINTS / 100,
                    "5 points more retention do not simply add 5% to CLV. Compute CLV at "
                    "both retention rates with the formula and compare them.",
                ),
                Mistake(
                    "ratio",
                    1 + _lift(s.r0, r1, s.discount2),
                    "That is the ratio CLV after / CLV before. The rise is that ratio minus 1.",
                ),
                Mistake(
                    "rise in retention",
                    r1 / s.r0 - 1,
                    "That is how much retention itself rises, in relative terms. The "
                    "question asks how much CLV rises.",
                ),
                Mistake(
                    "no discounting",
                    _lift(s.r0, r1, 0.0),
                    "You left out the discount rate: use 1 + d - r in the denominator, "
                    "with your d.",
                ),
                Mistake(
                    "d of 10%",
                    _lift(s.r0, r1, DISCOUNT),
                    "You used d = 10%, the rate of the table. Use the discount rate given "
                    "in your exercise.",
                ),
            ],
            hint="Compute CLV (per unit of margin, m = 1) at r0 and at r0 + 0.05 with your "
            "d, then (after / before) - 1.",
            explanation="Compare it with the table: the higher retention already is, the "
            "more the same 5 points are worth.",
        ),
        Exercise(
            "3",
            f"What was the oldest cohort's retention rate in year {k}?",
            float(survivors[k] / survivors[k - 1]),
            kind="share",
            mistakes=[
                Mistake(
                    "share of the cohort",
                    float(survivors[k] / survivors[0]),
                    "That is the share of the original cohort still there after year "
                    f"{k}. Retention in a year compares the year's survivors with those at "
                    "the start of that year (the year before), not with year 0.",
                ),
                Mistake(
                    "churn",
                    float(1 - survivors[k] / survivors[k - 1]),
                    "That is the share who left (churn). Retention is the share who stayed.",
                ),
                Mistake(
                    "next year",
                    float(survivors[k + 1] / survivors[k]),
                    f"That is the retention of year {k + 1}. Use the survivors of year {k} "
                    f"and year {k - 1}.",
                ),
                Mistake(
                    "previous year",
                    float(survivors[k - 1] / survivors[k - 2]),
                    f"That is the retention of year {k - 1}. Use the survivors of year {k} "
                    f"and year {k - 1}.",
                ),
            ],
            hint=f"Retention in year {k} = customers still there at year {k} / customers "
            f"there at year {k - 1}.",
            explanation="Compare it with the first year's retention: the cohort's retention "
            "rises, although no customer changed.",
        ),
        Exercise(
            "4",
            f"What share of the cohort does the sBG expect to remain after {HORIZON} years?",
            float(model.survival(HORIZON)),
            kind="share",
            rel_tol=0.01,
            mistakes=[
                Mistake(
                    "retention, not survival",
                    float(model.retention(HORIZON)),
                    f"That is the retention rate of year {HORIZON} (of those there at the "
                    "start of that year, the share who stay). The question asks for the "
                    "share of the original cohort: multiply the retention rates of years 1 "
                    f"to {HORIZON}.",
                ),
                Mistake(
                    "constant retention",
                    first**HORIZON,
                    "You assumed every year keeps the first year's retention. The sBG's "
                    "retention rises year after year, because the likely leavers leave first.",
                ),
                Mistake(
                    "last observed",
                    float(survivors[-1] / survivors[0]),
                    f"That is the share after year {len(survivors) - 1}, already observed. "
                    f"Project to year {HORIZON} with the model.",
                ),
                Mistake(
                    "customers, not a share",
                    float(model.survival(HORIZON) * survivors[0]),
                    "That is a number of customers. Give the share of the original cohort "
                    "(divide by its size in year 0).",
                ),
            ],
            hint=f"Use the fitted model: sbg.survival({HORIZON}), or multiply its retention "
            f"rates sbg.retention(t) for t = 1 to {HORIZON}.",
            explanation="One retention rate for everyone would lose far more of the cohort: "
            "ignoring heterogeneity undervalues long-lived customers.",
        ),
        Exercise(
            "5",
            f"By what fraction does the value of today's customers rise with {POINTS} "
            "points more retention?",
            float(total["uplift"] / total["value"]),
            kind="share",
            rel_tol=0.01,
            mistakes=[
                Mistake(
                    "linear",
                    POINTS / 100,
                    "5 points of retention are not 5% of value: the extra years compound. "
                    "Use the uplift computed by retention_uplift.",
                ),
                Mistake(
                    "one retention for all",
                    _lift(mean_retention, mean_retention + POINTS / 100, DISCOUNT),
                    "That is the simple formula at the customers' average retention. The "
                    "customers differ: use the model's uplift, which raises each customer's "
                    "own retention.",
                ),
                Mistake(
                    "money, not a fraction",
                    float(total["uplift"]),
                    "That is the uplift in money. Divide it by the value before the change.",
                ),
            ],
            hint="Divide the uplift in value (value with more retention - value now) by the "
            "value now: uplift.total['uplift'] / uplift.total['value'].",
            explanation="Set it against Reichheld & Sasser's 25-85%: retention is worth most "
            "where it is already high.",
        ),
    ]
    return Workbook(TITLE, exercises, show_solutions=show_solutions)
