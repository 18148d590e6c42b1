"""Teaching notebooks: each student's own data, exercises with automatic checks, packs.

The notebooks in ``kamlab/notebooks/teaching/`` teach one concept each, on a portfolio
generated from the student's seed (:func:`student_portfolio`). Each has a ``parameters``
cell with ``student_seed`` and ``show_solutions`` and follows the same pattern::

    data = student_portfolio(student_seed)
    book = lesson05.workbook(data, show_solutions=show_solutions)
    ...
    answer_1 = None                        # the student's answer (a cell of its own)
    if show_solutions:                     # a cell tagged "solution": removed from
        answer_1 = ...                     #   the students' copies by `kamlab teach`
    book.check(1, answer_1)                # feedback; never the answer for students

A lesson module (``lesson01`` to ``lesson08``) has ``NOTEBOOK`` (its file
name), ``workbook(data, *, show_solutions)`` and the tables its notebook shows;
:data:`LESSONS` lists them. Notebooks 2, 3, 4 and 7 work on the student's key account
portfolio, :func:`student_key_portfolio` (built once per seed and quarter end, shared by
the notebook and its workbook); notebook 8 adds the key account plans drafted from it and
the student's contact maps. :mod:`kamlab.teaching.runner` executes and renders the
notebooks, :mod:`kamlab.teaching.packs` builds the packs of ``kamlab teach``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from kamlab.lazy import lazy_exports

if TYPE_CHECKING:
    from kamlab.teaching.checks import Workbook

__getattr__, __dir__, _exports = lazy_exports(
    __name__,
    {
        "kamlab.teaching.checks": [
            "CheckResult",
            "Exercise",
            "Mistake",
            "Rule",
            "RuleExercise",
            "Workbook",
        ],
        "kamlab.teaching.data": [
            "STUDENT_ACCOUNTS",
            "ContractBase",
            "StudentPortfolio",
            "contract_customers",
            "student_key_portfolio",
            "student_measures",
            "student_portfolio",
        ],
    },
)
__all__ = sorted([*_exports, "LESSONS", "lesson_for", "workbook_for"])

LESSONS: dict[str, str] = {
    "01_what_is_a_key_account.ipynb": "kamlab.teaching.lesson01",
    "02_selecting_key_accounts.ipynb": "kamlab.teaching.lesson02",
    "03_key_customer_portfolio.ipynb": "kamlab.teaching.lesson03",
    "04_relationship_stages_and_exits.ipynb": "kamlab.teaching.lesson04",
    "05_customer_profitability.ipynb": "kamlab.teaching.lesson05",
    "06_retention_economics.ipynb": "kamlab.teaching.lesson06",
    "07_buyers_perspective.ipynb": "kamlab.teaching.lesson07",
    "08_key_account_plans_and_contact_maps.ipynb": "kamlab.teaching.lesson08",
}
"""Teaching notebook (file name in ``kamlab/notebooks/teaching/``) -> its lesson module."""


def lesson_for(notebook: str):
    """The lesson module of a teaching notebook (file name, with or without .ipynb)."""
    name = notebook if notebook.endswith(".ipynb") else f"{notebook}.ipynb"
    if name not in LESSONS:
        raise KeyError(f"no lesson for {notebook!r}; teaching notebooks: {', '.join(LESSONS)}")
    return importlib.import_module(LESSONS[name])


def workbook_for(notebook: str, seed: int, *, show_solutions: bool = False) -> Workbook:
    """The exercises of ``notebook`` for the student with ``seed``, as the notebook builds
    them (for tests, and for a lecturer checking one student's answers)."""
    from kamlab.teaching.data import student_portfolio

    return lesson_for(notebook).workbook(student_portfolio(seed), show_solutions=show_solutions)
