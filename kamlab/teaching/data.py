"""Each student's own data: a small portfolio from the sample generator, and a contract base.

Everything is a function of the student's seed, so two students get different numbers
(and different answers) while the lecturer can regenerate any student's data exactly.

- :func:`student_portfolio`: :func:`kamlab.datasets.make_sample` with ``seed``, read
  back through :func:`kamlab.read_transactions` (and its contacts through
  :func:`kamlab.io.read_contacts`) as real data would be, summarised
  (:func:`kamlab.summarize`) and costed (:func:`kamlab.customer_pnl`, last 12 months).
- :func:`student_measures` and :func:`student_key_portfolio`: the student's key account
  portfolio (:mod:`kamlab.portfolio`, kamlab's default criteria) at a quarter end.
- :func:`contract_customers`: yearly service contracts signed by a cohort of customers
  each year, each customer cancelling at the end of a year with its own probability
  ``theta ~ Beta(alpha, beta)`` (the shifted-beta-geometric story of Fader & Hardie
  2007), so that renewals, cohorts and cancellations are observed exactly.
"""

from __future__ import annotations

import tempfile
import warnings
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd

from kamlab.datasets import make_sample
from kamlab.io import (
    Accounts,
    Contacts,
    Transactions,
    read_accounts,
    read_contacts,
    read_transactions,
)
from kamlab.portfolio import Portfolio, PortfolioWarning, portfolio_measures
from kamlab.summary import summarize
from kamlab.value import customer_pnl

__all__ = [
    "STUDENT_ACCOUNTS",
    "ContractBase",
    "StudentPortfolio",
    "contract_customers",
    "student_key_portfolio",
    "student_measures",
    "student_portfolio",
]

STUDENT_ACCOUNTS = 200
"""Accounts in a student's portfolio: enough for the whale curve and the models, small
enough that a notebook runs in seconds."""

SAMPLE_END = "2026-09-30"
"""The last day of the generated data (the sample generator's default ``end``)."""


@dataclass
class StudentPortfolio:
    """One student's portfolio.

    ``transactions`` and ``accounts`` as :func:`kamlab.read_transactions` and
    :func:`kamlab.read_accounts` return them; ``summary`` per account (time unit week);
    ``pnl`` the customer P&L of the last 12 months (accounts that bought in them);
    ``truth`` the generator's hidden truth (segments, dropout), for the lecturer;
    ``contacts`` the contact map (one row per customer person, who of ours holds the
    contact) as :func:`kamlab.io.read_contacts` returns it.
    """

    seed: int
    transactions: Transactions
    accounts: Accounts
    summary: pd.DataFrame
    pnl: pd.DataFrame
    truth: pd.DataFrame
    contacts: Contacts | None = None

    @property
    def until(self) -> str:
        return str(self.summary.attrs["until"])


@lru_cache(maxsize=8)
def student_portfolio(seed: int, n_accounts: int = STUDENT_ACCOUNTS) -> StudentPortfolio:
    """The portfolio of the student with ``seed`` (deterministic; cached).

    Treat the returned frames as read-only: the cache hands the same objects to every
    caller with the same seed.
    """
    sample = make_sample(n_accounts, seed=int(seed))
    with tempfile.TemporaryDirectory(prefix="kamlab-student-") as folder:
        paths = sample.write(folder)
        accounts = read_accounts(paths["accounts"])
        tx = read_transactions(paths["transactions"], accounts=accounts.data, today=SAMPLE_END)
        contacts = read_contacts(paths["contacts"], accounts=accounts, as_of=SAMPLE_END)
    summary = summarize(tx, until=SAMPLE_END)
    pnl = customer_pnl(tx, accounts, until=SAMPLE_END, window="12M")
    return StudentPortfolio(int(seed), tx, accounts, summary, pnl, sample.truth, contacts)


def student_measures(seed: int, until: str = SAMPLE_END) -> pd.DataFrame:
    """The data measures of the student's key account portfolio at ``until`` (the accounts
    that bought in the 12 months to it): :func:`kamlab.portfolio.portfolio_measures`.
    Cached; treat it as read-only."""
    return _measures(int(seed), str(pd.Timestamp(until).date()))


def student_key_portfolio(seed: int, until: str = SAMPLE_END) -> Portfolio:
    """The student's key account portfolio at ``until`` on kamlab's default criteria
    (``kamlab/portfolio/criteria.yaml``): a :class:`kamlab.portfolio.Portfolio` fitted to
    :func:`student_measures` and the accounts table, as
    :func:`kamlab.portfolio.build_portfolio` builds it. Cached (a notebook and its
    workbook share one); treat it as read-only."""
    return _key_portfolio(int(seed), str(pd.Timestamp(until).date()))


@lru_cache(maxsize=16)
def _measures(seed: int, until: str) -> pd.DataFrame:
    data = student_portfolio(seed)
    pnl = data.pnl if until == SAMPLE_END else None  # the same 12 months: reuse it
    # the buying accounts only: the lessons' portfolio is "the accounts that bought"
    return portfolio_measures(
        data.transactions, data.accounts, until=until, pnl=pnl, prospects=False
    )


@lru_cache(maxsize=16)
def _key_portfolio(seed: int, until: str) -> Portfolio:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PortfolioWarning)  # what was assumed is in notes_
        return Portfolio().fit(_measures(seed, until), student_portfolio(seed).accounts)


@dataclass
class ContractBase:
    """Yearly service contracts (see :func:`contract_customers`).

    ``cohorts``: one row per signing year, the customers still under contract after
    0, 1, 2, ... years (columns ``year_0``, ``year_1``, ...; missing where the cohort is
    not that old yet). ``survivors``: the oldest cohort's row as a Series indexed by
    year (0 = the signing year), the data an sBG is fitted to. ``renewals``: the
    customers under contract now, indexed by customer id, with the renewals each has
    made. ``margin_per_year``: the margin of one contract-year. ``alpha``, ``beta``:
    the true (hidden) Beta parameters of the cancellation probabilities.
    """

    cohorts: pd.DataFrame
    survivors: pd.Series
    renewals: pd.Series
    margin_per_year: float
    alpha: float
    beta: float


def contract_customers(
    seed: int, *, first_year: int = 2019, last_year: int = 2026, cohort_size: int = 1000
) -> ContractBase:
    """Service-contract customers signed each year from ``first_year`` to ``last_year``.

    Each year about ``cohort_size`` customers sign a yearly contract. Customer *i*
    cancels at the end of each contract year with probability ``theta_i ~ Beta(alpha,
    beta)``, its own and constant: the shifted-beta-geometric process (Fader & Hardie
    2007). ``alpha`` in 0.6-1.6 and ``beta`` in 1.5-4.0 are drawn from ``seed``, so
    mean first-year cancellation is 15-50%, with customers far apart (some almost
    never stay, some almost never leave). Observed at the start of ``last_year``: a
    cohort signed in year ``y`` has been observed for ``last_year - y`` renewals.
    """
    rng = np.random.default_rng([int(seed), 6])
    alpha, beta = rng.uniform(0.6, 1.6), rng.uniform(1.5, 4.0)
    years = np.arange(first_year, last_year + 1)
    max_age = last_year - first_year
    rows, current = {}, []
    for year in years:
        size = int(rng.integers(int(0.8 * cohort_size), int(1.2 * cohort_size) + 1))
        theta = rng.beta(alpha, beta, size)
        lifetime = rng.geometric(np.clip(theta, 1e-9, 1.0))  # contract years paid, 1, 2, ...
        age = last_year - year
        rows[int(year)] = [
            int((lifetime > t).sum()) if t <= age else np.nan for t in range(max_age + 1)
        ]
        staying = np.flatnonzero(lifetime > age)
        current.append(
            pd.Series(age, index=[f"C{year}-{i + 1:04d}" for i in staying], dtype="int64")
        )
    cohorts = pd.DataFrame.from_dict(
        rows, orient="index", columns=[f"year_{t}" for t in range(max_age + 1)]
    )
    cohorts.index.name = "signed"
    survivors = pd.Series(
        cohorts.iloc[0].to_numpy(dtype="int64"), index=pd.RangeIndex(max_age + 1, name="year")
    )
    renewals = pd.concat(current).rename("renewals")
    renewals.index.name = "customer_id"
    margin = float(np.round(rng.uniform(800, 2500), -1))
    return ContractBase(cohorts, survivors.rename("survivors"), renewals, margin, alpha, beta)
