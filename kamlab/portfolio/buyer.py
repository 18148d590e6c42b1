"""The buyer's view: a scorecard under the six supplier-management headings.

Buyers manage suppliers through Supplier Performance / Relationship Management, and a
customer's plans under any of six headings can invalidate a key account plan (primer
section 8). A KAM team scores each key account 1-10 per heading: how favourable the
customer's supplier management under that heading is to our plan (1 = it works against
us, 10 = it works for us), e.g. from a questionnaire or the account review.

:func:`buyer_scorecard` gives, per account, the six scores, their mean, the **weakest
heading** and the KAM question to work on there (:data:`BUYER_QUESTIONS`);
:func:`portfolio_buyer_summary` gives, per heading, the portfolio mean and how often it
is the weakest. Charts: :func:`kamlab.plots.relationships.buyer_radar` and
:func:`kamlab.plots.relationships.buyer_heatmap`.

Rules:

- Columns: heading -> column via ``headings`` (default ``buyer_<heading>``, as in
  :data:`kamlab.vocabulary.BUYER_HEADINGS`). All six are required.
- Scores are numbers from 1 to 10 (fractions such as questionnaire averages are kept);
  anything else is an :class:`~kamlab.errors.InputError` naming accounts and column.
- A blank score means "not assessed": the mean and the weakest heading use the headings
  scored (``headings_scored`` counts them); an account with none has no weakest heading.
- Ties for the weakest score go to the heading listed first in :data:`HEADINGS`
  (the primer's order: collaboration, consolidation, evaluation, risk management,
  innovation, development); ``weakest_tied`` says how many headings share that score.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from kamlab.errors import InputError
from kamlab.portfolio.stages import _account_frame, _missing_columns, _numeric, _resolve, _sample
from kamlab.vocabulary import BUYER_HEADINGS
from kamlab.words import agreeing, counted

__all__ = [
    "BUYER_QUESTIONS",
    "HEADINGS",
    "HEADING_LABELS",
    "buyer_scorecard",
    "portfolio_buyer_summary",
]

HEADINGS: tuple[str, ...] = tuple(h.removeprefix("buyer_") for h in BUYER_HEADINGS)
"""The six headings, in the primer's order: collaboration ... development."""

HEADING_LABELS: dict[str, str] = {
    "collaboration": "Supplier collaboration",
    "consolidation": "Supplier consolidation",
    "evaluation": "Supplier evaluation",
    "risk_management": "Supplier risk management",
    "innovation": "Supplier innovation",
    "development": "Supplier development",
}
"""Display names of the headings."""

BUYER_QUESTIONS: dict[str, str] = {
    "collaboration": "How can you foster a collaborative approach?",
    "consolidation": (
        "Has your customer the right number of suppliers for your category "
        "(fewer, better suppliers is the trend)?"
    ),
    "evaluation": "How do you facilitate and shape your evaluation by the customer?",
    "risk_management": "How will you manage your buyer's risk?",
    "innovation": "How can you contribute to your customer's innovation?",
    "development": (
        "How can you make it in your customer's interest to share knowledge and skills with you?"
    ),
}
"""Heading -> the KAM question to work on when that heading is weak (primer section 8)."""

_LOW, _HIGH = 1.0, 10.0


def buyer_scorecard(
    accounts: pd.DataFrame,
    *,
    headings: Mapping[str, str] | None = None,
    accounts_subset: Iterable | None = None,
) -> pd.DataFrame:
    """Per account: the six heading scores, their mean and the weakest heading's question.

    ``accounts`` has an ``account_id`` column or is indexed by account id.
    ``headings`` maps heading (:data:`HEADINGS`) -> column, defaults ``buyer_<heading>``.
    ``accounts_subset`` (account ids, e.g. the key accounts) keeps those, in that order.

    Returns, indexed by ``account_id``: ``account_name`` (when the table has it), the six
    scores (columns named by heading), ``headings_scored``, ``mean_score``,
    ``weakest_heading``, ``weakest_score``, ``weakest_tied`` (headings sharing the
    lowest score; the first in :data:`HEADINGS` order is named) and ``kam_question``.

    Raises :class:`~kamlab.errors.MissingColumnError` when heading columns are missing,
    :class:`~kamlab.errors.InputError` for scores that are not numbers from 1 to 10 or
    subset ids not in the table.
    """
    columns = _resolve(
        HEADINGS, {h: f"buyer_{h}" for h in HEADINGS} | dict(headings or {}), "buyer heading"
    )
    frame = _account_frame(accounts)
    absent = {h: c for h, c in columns.items() if c is None or c not in frame.columns}
    if absent:
        raise _missing_columns(
            "buyer heading",
            [str(c) for c in columns.values()],
            list(frame.columns),
            f"Missing: {', '.join(f'{h} ({c!r})' for h, c in absent.items())}; map yours "
            "with headings={'collaboration': 'Your column', ...}.",
        )
    if accounts_subset is not None:
        wanted = pd.Index(pd.Series(list(accounts_subset), dtype="string"), name="account_id")
        unknown = wanted.difference(frame.index)
        if len(unknown):
            raise InputError(
                f"{counted(len(unknown), 'account')} of accounts_subset "
                f"{agreeing(len(unknown))} not in the accounts "
                f"table: {_sample(unknown)}"
            )
        frame = frame.loc[wanted.drop_duplicates()]

    scores = pd.DataFrame({h: _numeric(frame, c) for h, c in columns.items()}, index=frame.index)
    bad = scores.notna() & ((scores < _LOW) | (scores > _HIGH))
    if bad.to_numpy().any():
        problems = [
            f"{columns[h]!r} for account(s) "
            + _sample(f"{i} ({v:g})" for i, v in scores.loc[bad[h], h].items())
            for h in HEADINGS
            if bad[h].any()
        ]
        raise InputError(
            "buyer scores must be from 1 (works against our plan) to 10 (works for it); "
            "out of range: " + "; ".join(problems)
        )

    values = scores.to_numpy(dtype="float64")
    scored = ~np.isnan(values)
    n_scored = scored.sum(axis=1)
    filled = np.where(scored, values, np.inf)
    first = filled.argmin(axis=1)  # argmin returns the first of tied minima
    lowest = filled.min(axis=1)
    none = n_scored == 0
    weakest = pd.Series(np.array(HEADINGS, dtype=object)[first], index=frame.index)
    weakest = weakest.astype("string").mask(none)

    out = pd.DataFrame(index=frame.index)
    if "account_name" in frame.columns:
        out["account_name"] = frame["account_name"].astype("string")
    out[list(HEADINGS)] = scores
    out["headings_scored"] = n_scored.astype("int64")
    with np.errstate(invalid="ignore"):
        out["mean_score"] = np.where(none, np.nan, np.nansum(values, axis=1) / n_scored)
    out["weakest_heading"] = weakest
    out["weakest_score"] = np.where(none, np.nan, lowest)
    out["weakest_tied"] = np.where(none, 0, (filled == lowest[:, None]).sum(axis=1))
    out["kam_question"] = weakest.map(BUYER_QUESTIONS).astype("string")
    return out


def portfolio_buyer_summary(scorecard: pd.DataFrame) -> pd.DataFrame:
    """Per heading: portfolio mean score and how often it is the accounts' weakest.

    ``scorecard`` is :func:`buyer_scorecard` output. Returns one row per heading (in
    :data:`HEADINGS` order, index ``heading``): ``label``, ``mean_score``,
    ``accounts_scored``, ``weakest_count`` (accounts where the heading has the lowest
    score, ties included), ``weakest_share`` (share of accounts with any score where it
    is the weakest; a tie of k headings gives each 1/k, so the shares sum to 1) and
    ``kam_question``.
    """
    missing = [c for c in HEADINGS if c not in scorecard.columns]
    if missing:
        raise InputError(
            f"not a buyer scorecard: no column(s) {', '.join(missing)}; build it with "
            "buyer_scorecard()"
        )
    scores = scorecard[list(HEADINGS)].astype("float64")
    values = scores.to_numpy()
    lowest = np.where(np.isnan(values), np.inf, values).min(axis=1, initial=np.inf)
    tied = values == lowest[:, None]  # NaN never equals, rows without scores tie nowhere
    n_tied = tied.sum(axis=1)
    have = n_tied > 0
    share = (tied[have] / n_tied[have, None]).sum(axis=0) / have.sum() if have.any() else np.nan
    out = pd.DataFrame(
        {
            "label": pd.Series(HEADING_LABELS, dtype="string"),
            "mean_score": scores.mean(),
            "accounts_scored": scores.notna().sum().astype("int64"),
            "weakest_count": pd.Series(tied.sum(axis=0), index=list(HEADINGS), dtype="int64"),
            "weakest_share": pd.Series(share, index=list(HEADINGS), dtype="float64"),
            "kam_question": pd.Series(BUYER_QUESTIONS, dtype="string"),
        },
        index=pd.Index(list(HEADINGS), name="heading"),
    )
    return out
