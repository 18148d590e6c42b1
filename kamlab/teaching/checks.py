"""Exercises with automatic checks, for the teaching notebooks.

An :class:`Exercise` holds the expected answer, computed from the student's own data (so
answers differ from seed to seed and cannot be copied), a tolerance, and the *typical
wrong answers* (:class:`Mistake`), each with a hint aimed at that mistake ("you used
revenue instead of profit"). A :class:`Workbook` gathers a notebook's exercises; its
:meth:`Workbook.check` compares a student's answer and shows friendly feedback::

    answer_2 = None                  # the student replaces None with an answer
    book.check(2, answer_2)          # "not answered yet" / "correct" / "not yet: hint"

The expected value is never shown unless the workbook was built with
``show_solutions=True`` (the lecturer's copy). Feedback is HTML-escaped.

Answers are compared by ``kind``:

=========  =====================================================================
kind       what counts as right
=========  =====================================================================
number     within ``rel_tol`` (relative) or ``abs_tol`` of the answer, or inside
           ``accept`` (a low-high range) when given
share      a fraction (0.25 for 25%), as ``number``; a percent (25) gets the
           "percent vs fraction" hint, and a text such as ``"25%"`` is read as 0.25
count      the same whole number
id         the same text, ignoring case and surrounding blanks (an account id)
choice     one of ``options``, ignoring case and blanks
rules      any answer that keeps every :class:`Rule` of a :class:`RuleExercise`
           (many right answers, e.g. a measurable objective); the first rule
           broken gives its hint
=========  =====================================================================
"""

from __future__ import annotations

import html
import math
import numbers
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["KINDS", "CheckResult", "Exercise", "Mistake", "Rule", "RuleExercise", "Workbook"]

KINDS = ("number", "share", "count", "id", "choice", "rules")

_NOT_ANSWERED = "not answered"
_CORRECT = "correct"
_WRONG = "wrong"
_INVALID = "invalid"

_PERCENT_HINT = (
    "It looks like you gave a percent. Give the share as a fraction: 0.25 means 25%, "
    "so divide your number by 100."
)
_DIVIDED_TWICE_HINT = (
    "Your answer is 100 times too small: did you divide by 100 when the share was "
    "already a fraction? 0.25 means 25%."
)
_TIMES_100_HINT = (
    "Your answer is 100 times too large: did you multiply by 100? Give the plain number, "
    "not a percent."
)
_SIGN_HINT = (
    "The size looks right but the sign is the wrong way round: check which amount is "
    "taken away from which."
)


@dataclass(frozen=True)
class Mistake:
    """A typical wrong answer: its ``value`` (computed from the student's data the wrong
    way), a ``hint`` aimed at it, and a short ``name`` ("revenue instead of profit")."""

    name: str
    value: Any
    hint: str


@dataclass
class CheckResult:
    """The outcome of checking one answer.

    ``status``: ``"correct"``, ``"wrong"``, ``"not answered"`` or ``"invalid"`` (an
    answer of the wrong type). ``passed`` is True only when correct. ``hint`` is the
    advice shown (empty when correct); ``mistake`` names the typical mistake recognised,
    if any. ``solution`` is the expected answer as text, only in the lecturer's copy.
    """

    exercise_id: str
    status: str
    hint: str = ""
    mistake: str | None = None
    solution: str | None = None
    explanation: str = ""
    question: str = ""
    _shown: bool = field(default=False, repr=False, compare=False)

    @property
    def passed(self) -> bool:
        return self.status == _CORRECT

    @property
    def answered(self) -> bool:
        return self.status != _NOT_ANSWERED

    def headline(self) -> str:
        name = f"Exercise {self.exercise_id}"
        return {
            _CORRECT: f"{name}: correct. Well done!",
            _WRONG: f"{name}: not yet.",
            _NOT_ANSWERED: f"{name}: not answered yet.",
            _INVALID: f"{name}: this answer cannot be checked yet.",
        }[self.status]

    def lines(self) -> list[str]:
        """The feedback as plain-text lines (headline, hint, explanation, solution)."""
        out = [self.headline()]
        if self.hint:
            out.append(("Hint: " if self.status == _WRONG else "") + self.hint)
        if self.passed and self.explanation:
            out.append(self.explanation)
        if self.solution is not None:
            out.append(f"Solution (lecturer's copy): {self.solution}")
        return out

    def text(self) -> str:
        return "\n".join(self.lines())

    def html(self) -> str:
        colour = {
            _CORRECT: "#2e7d32",
            _WRONG: "#c62828",
            _NOT_ANSWERED: "#757575",
            _INVALID: "#ef6c00",
        }[self.status]
        mark = {_CORRECT: "&#10004; ", _WRONG: "&#10008; "}.get(self.status, "")
        parts = [f"<strong>{mark}{html.escape(self.headline())}</strong>"]
        if self.hint:
            label = "<em>Hint:</em> " if self.status == _WRONG else ""
            parts.append(f"{label}{html.escape(self.hint)}")
        if self.passed and self.explanation:
            parts.append(html.escape(self.explanation))
        if self.solution is not None:
            parts.append(f"<em>Solution (lecturer's copy):</em> {html.escape(self.solution)}")
        body = "<br>".join(parts)
        return (
            f'<div class="kamlab-check" style="border-left: 4px solid {colour}; '
            f'padding: 0.4em 0.8em; margin: 0.3em 0;">{body}</div>'
        )

    def _repr_html_(self) -> str:
        return self.html()

    def __str__(self) -> str:
        return self.text()

    def _ipython_display_(self) -> None:
        # Workbook.check has just shown this result; when it is also the cell's last
        # value, IPython asks again: show it once only.
        if self._shown:
            self._shown = False
            return
        _display(self)


def _display(result: CheckResult) -> bool:
    """Show ``result`` in IPython (HTML with a plain-text fallback); False outside IPython."""
    try:
        from IPython import get_ipython
        from IPython.display import display
    except ImportError:  # pragma: no cover - IPython comes with ipykernel
        return False
    if get_ipython() is None:
        return False
    display({"text/html": result.html(), "text/plain": result.text()}, raw=True)
    return True


# --------------------------------------------------------------------------- answers


class _Invalid(Exception):
    """An answer of the wrong type; the message is the hint."""


def _is_missing(answer) -> bool:
    return answer is None or answer is Ellipsis


def _single(answer, what: str):
    """One value out of a scalar, a one-element list / array / Series / Index."""
    if isinstance(answer, pd.DataFrame):
        raise _Invalid(
            f"You gave a whole table ({answer.shape[0]} rows x {answer.shape[1]} columns). "
            f"The answer is {what}: pick it out of the table, e.g. with .loc[...] or a column "
            "and .sum()."
        )
    if isinstance(answer, pd.Series | pd.Index | np.ndarray | list | tuple | set):
        values = list(answer)
        if len(values) == 1:
            return values[0]
        raise _Invalid(
            f"You gave {len(values)} values (a whole column or list?). The answer is {what}: "
            "reduce it to one, e.g. with .sum(), .mean(), len(...) or .idxmax()."
        )
    return answer


def _as_number(answer, *, share: bool) -> float:
    value = _single(answer, "one number")
    if isinstance(value, bool | np.bool_):
        raise _Invalid("You gave True or False. The answer is a number.")
    if isinstance(value, str):
        text = value.strip().replace(",", "").replace("£", "").replace("GBP", "").strip()
        percent = text.endswith("%")
        try:
            number = float(text.rstrip("%").strip())
        except ValueError:
            raise _Invalid(
                f"{value!r} is not a number. Write the number itself, e.g. 0.25 or 1234.5, "
                "without quotes."
            ) from None
        value = number / 100 if (percent and share) else number
    if not isinstance(value, numbers.Real):
        raise _Invalid(
            f"You gave a {type(value).__name__}. The answer is a number, e.g. 0.25 or 1234.5."
        )
    value = float(value)
    if math.isnan(value):
        raise _Invalid(
            "Your answer is NaN ('not a number'): something in the calculation is missing, "
            "e.g. an empty selection or a division by zero. Check each step."
        )
    if math.isinf(value):
        raise _Invalid("Your answer is infinite: check for a division by zero.")
    return value


def _as_count(answer) -> int:
    value = _single(answer, "one whole number")
    if isinstance(value, bool | np.bool_):
        raise _Invalid(
            "You gave True or False. The answer is a count: add up the True values with "
            ".sum() to count them."
        )
    if isinstance(value, str):
        try:
            value = float(value.strip().replace(",", ""))
        except ValueError:
            raise _Invalid(f"{value!r} is not a number. Write the count, e.g. 12.") from None
    if not isinstance(value, numbers.Real) or math.isnan(float(value)):
        raise _Invalid("The answer is a count, a whole number such as 12.")
    if float(value) != round(float(value)):
        raise _Invalid(
            f"A count is a whole number, and you gave {float(value):g}. Count the accounts "
            "(e.g. with .sum() on a True/False column, or len(...))."
        )
    return int(round(float(value)))


def _as_text(answer, what: str) -> str:
    if isinstance(answer, pd.Series) and len(answer) > 1:  # e.g. a row of the P&L
        raise _Invalid(
            f"You gave a whole row or column ({len(answer)} values). The answer is {what}: "
            "for the id of the row with the largest value of a column, use .idxmax()."
        )
    value = _single(answer, what)
    if not isinstance(value, str):
        raise _Invalid(f"You gave a {type(value).__name__}. The answer is {what}, in quotes.")
    return " ".join(value.split()).casefold()


# --------------------------------------------------------------------------- exercises


@dataclass
class Exercise:
    """One exercise: its expected ``answer`` (from the student's data), how answers are
    compared (``kind``, ``rel_tol``, ``abs_tol``, ``accept``), the typical ``mistakes``
    with their hints, a general ``hint`` for other wrong answers and an ``explanation``
    shown once the answer is right.

    Mistakes whose value would pass as the right answer (they can coincide on some
    students' data: the most profitable account may also be the largest) are dropped,
    as are repeats of an earlier mistake, so every remaining mistake gets its own hint.
    """

    id: str
    question: str
    answer: Any
    kind: str = "number"
    mistakes: Sequence[Mistake] = ()
    hint: str = "Re-read the question and check each step of your calculation."
    explanation: str = ""
    rel_tol: float = 0.005
    abs_tol: float = 0.0
    accept: tuple[float, float] | None = None
    options: Sequence[str] = ()
    decimals: int | None = None
    unit: str = ""

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}, got {self.kind!r}")
        self.id = str(self.id)
        if self.kind == "choice":
            if not self.options:
                raise ValueError(f"exercise {self.id}: a choice needs options")
            self.options = tuple(self.options)
            if self._key(self.answer) not in [self._key(o) for o in self.options]:
                raise ValueError(f"exercise {self.id}: the answer is not one of the options")
        kept: list[Mistake] = []
        for mistake in self.mistakes:
            if self._matches(mistake.value):
                continue
            if any(self._same(mistake.value, k.value) for k in kept):
                continue
            kept.append(mistake)
        self.mistakes = tuple(kept)

    # comparison ------------------------------------------------------------------

    def _key(self, value):
        """The comparable form of a (valid) answer."""
        if self.kind in ("number", "share"):
            return _as_number(value, share=self.kind == "share")
        if self.kind == "count":
            return _as_count(value)
        what = "one of: " + ", ".join(self.options) if self.kind == "choice" else "an id"
        return _as_text(value, what)

    def _close(self, a: float, b: float) -> bool:
        return math.isclose(a, b, rel_tol=self.rel_tol, abs_tol=self.abs_tol)

    def _matches(self, answer) -> bool:
        """True when the (valid) ``answer`` is right."""
        key = self._key(answer)
        if self.kind in ("number", "share"):
            if self.accept is not None:
                low, high = sorted(self.accept)
                slack = self.rel_tol * max(abs(low), abs(high)) + self.abs_tol
                if low - slack <= key <= high + slack:
                    return True
            return self._close(key, float(self.answer))
        return key == self._key(self.answer)

    def _same(self, a, b) -> bool:
        ka, kb = self._key(a), self._key(b)
        if self.kind in ("number", "share"):
            return self._close(ka, kb)
        return ka == kb

    def _generic_hint(self, key) -> tuple[str | None, str]:
        """(mistake name, hint) for the mistakes any number can have: percent vs
        fraction, a factor of 100, the wrong sign."""
        expected = float(self.answer)
        if self.kind not in ("number", "share") or expected == 0:
            return None, self.hint
        if self.kind == "share" and self._close(key, 100 * expected):
            return "percent instead of fraction", _PERCENT_HINT
        if self._close(key, expected / 100):
            return "divided by 100", _DIVIDED_TWICE_HINT
        if self.kind == "number" and self._close(key, 100 * expected):
            return "multiplied by 100", _TIMES_100_HINT
        if self._close(key, -expected):
            return "wrong sign", _SIGN_HINT
        ratio = key / expected
        if ratio > 2:
            return None, f"{self.hint} (Your number is more than twice too large.)"
        if 0 < ratio < 0.5:
            return None, f"{self.hint} (Your number is less than half what it should be.)"
        return None, self.hint

    def evaluate(self, answer, *, show_solutions: bool = False) -> CheckResult:
        """Check ``answer``; the result carries the feedback (see :class:`CheckResult`)."""
        solution = self.format(self.answer) if show_solutions else None
        common = {
            "exercise_id": self.id,
            "solution": solution,
            "explanation": self.explanation,
            "question": self.question,
        }
        if _is_missing(answer):
            hint = (
                f"Replace None in the cell `answer_{self.id} = None` with your answer, "
                "run that cell, then run this one again."
            )
            return CheckResult(status=_NOT_ANSWERED, hint=hint, **common)
        try:
            key = self._key(answer)
            if self.kind == "choice" and key not in [self._key(o) for o in self.options]:
                raise _Invalid(f"Choose one of: {', '.join(self.options)}.")
            if self._matches(answer):
                return CheckResult(status=_CORRECT, **common)
        except _Invalid as exc:
            return CheckResult(status=_INVALID, hint=str(exc), **common)
        for mistake in self.mistakes:
            if self._same(answer, mistake.value):
                return CheckResult(status=_WRONG, hint=mistake.hint, mistake=mistake.name, **common)
        name, hint = self._generic_hint(key)
        return CheckResult(status=_WRONG, hint=hint, mistake=name, **common)

    # showing ---------------------------------------------------------------------

    def format(self, value) -> str:
        """``value`` as the lecturer's copy shows it."""
        if self.kind == "share":
            v = float(value)
            return f"{v:.4g} ({100 * v:.1f}%)"
        if self.kind == "number":
            v = float(value)
            text = f"{v:,.{self.decimals}f}" if self.decimals is not None else f"{v:,.6g}"
            return f"{text} {self.unit}".strip()
        if self.kind == "count":
            return f"{int(value):,}"
        return str(value)

    def secrets(self) -> list[str]:
        """Texts that would give the answer away, for tests of the students' copies:
        the answer as the lecturer's copy writes it and in common number formats.
        Empty for choices (every option is in the prose) and small counts (a number
        such as 12 appears everywhere)."""
        if self.kind == "choice":
            return []
        if self.kind == "count":
            return [f"{int(self.answer):,}"] if abs(int(self.answer)) >= 1000 else []
        if self.kind == "id":
            return [str(self.answer)]
        v = float(self.answer)
        out = {self.format(v)}
        if self.kind == "share":
            out |= {f"{v:.4f}", f"{100 * v:.1f}%", f"{100 * v:.2f}%"}
        else:
            out |= {f"{v:,.2f}", f"{v:.2f}"}
            if abs(v) >= 1000:
                out |= {f"{v:,.0f}", f"{v:.0f}"}
        return sorted(out)


@dataclass(frozen=True)
class Rule:
    """A rule an answer of a :class:`RuleExercise` must keep: ``keeps(value)`` is True
    when it does (``value`` as the exercise's ``read`` returns it); ``hint`` says what to
    fix when it does not; ``example``, when given, is an answer that keeps the rules
    before this one and breaks this one: a typical mistake."""

    name: str
    keeps: Callable[[Any], bool]
    hint: str
    example: Any = None


@dataclass
class RuleExercise(Exercise):
    """An exercise with many right answers, checked against ``rules`` in order: the first
    rule broken gives its hint (e.g. "the target does not go beyond the baseline").

    ``read`` turns the student's answer into the value the rules test, and raises
    ``ValueError`` with a message for an answer of the wrong form (shown as the hint);
    ``answer`` is one right answer (the lecturer's copy shows it, ``describe`` writes
    it). Each rule with an ``example`` becomes a typical mistake. Nothing here gives an
    answer away: there is no single one.
    """

    kind: str = "rules"
    rules: Sequence[Rule] = ()
    read: Callable[[Any], Any] = lambda answer: answer  # noqa: E731
    describe: Callable[[Any], str] = str

    def __post_init__(self) -> None:
        self.id = str(self.id)
        self.kind = "rules"
        self.rules = tuple(self.rules)
        broken = self._broken(self.answer)
        if broken is not None:
            raise ValueError(f"exercise {self.id}: the answer breaks rule {broken.name!r}")
        mistakes = []
        for rule in self.rules:
            if rule.example is None:
                continue
            if self._broken(rule.example) is not rule:
                raise ValueError(
                    f"exercise {self.id}: the example of {rule.name!r} breaks another rule"
                )
            mistakes.append(Mistake(rule.name, rule.example, rule.hint))
        self.mistakes = tuple(mistakes)

    def _key(self, value):
        try:
            return self.read(value)
        except (ValueError, TypeError) as exc:
            raise _Invalid(str(exc)) from None

    def _broken(self, answer) -> Rule | None:
        """The first rule ``answer`` breaks (None: it keeps them all)."""
        value = self._key(answer)
        return next((rule for rule in self.rules if not rule.keeps(value)), None)

    def _matches(self, answer) -> bool:
        return self._broken(answer) is None

    def _same(self, a, b) -> bool:
        return self._broken(a) is self._broken(b)

    def _generic_hint(self, key) -> tuple[str | None, str]:
        rule = next((r for r in self.rules if not r.keeps(key)), None)
        return (rule.name, rule.hint) if rule is not None else (None, self.hint)

    def format(self, value) -> str:
        return self.describe(value)

    def secrets(self) -> list[str]:
        return []


class Workbook:
    """A notebook's exercises, checked against the student's data.

    ``show_solutions`` (the lecturer's copy) adds the expected answer to every
    feedback message; without it the answer is never shown. :meth:`check` records the
    latest result per exercise, so :meth:`progress` can sum up at the end.
    """

    def __init__(self, title: str, exercises: Iterable[Exercise], *, show_solutions=False):
        self.title = title
        self.exercises = {e.id: e for e in exercises}
        self.show_solutions = bool(show_solutions)
        self.results: dict[str, CheckResult] = {}

    def __repr__(self) -> str:
        mode = "lecturer's copy" if self.show_solutions else "student copy"
        return f"Workbook({self.title!r}, {len(self.exercises)} exercises, {mode})"

    def exercise(self, exercise_id) -> Exercise:
        key = str(exercise_id)
        if key not in self.exercises:
            known = ", ".join(self.exercises)
            raise KeyError(f"no exercise {exercise_id!r} in {self.title!r} (exercises: {known})")
        return self.exercises[key]

    def evaluate(self, exercise_id, answer) -> CheckResult:
        """Check ``answer`` without showing anything (for tests and scripts)."""
        result = self.exercise(exercise_id).evaluate(answer, show_solutions=self.show_solutions)
        self.results[result.exercise_id] = result
        return result

    def check(self, exercise_id, answer) -> CheckResult:
        """Check ``answer`` to exercise ``exercise_id`` and show the feedback (HTML in
        Jupyter, text elsewhere); return the :class:`CheckResult`."""
        result = self.evaluate(exercise_id, answer)
        if _display(result):
            result._shown = True
        else:
            print(result.text())
        return result

    def progress(self) -> pd.DataFrame:
        """One row per exercise: its question and the status of the latest check."""
        rows = [
            {
                "exercise": e.id,
                "question": e.question,
                "status": self.results[e.id].status if e.id in self.results else "not checked",
            }
            for e in self.exercises.values()
        ]
        return pd.DataFrame(rows).set_index("exercise")

    def secrets(self) -> dict[str, list[str]]:
        """Per exercise, the texts that must not appear in a student's copy."""
        return {k: e.secrets() for k, e in self.exercises.items()}
