"""Teaching notebooks: exercise checks, the notebooks run by papermill, ``kamlab teach``."""

from __future__ import annotations

import json
import re
from functools import cache, partial
from pathlib import Path

import nbformat
import numpy as np
import pandas as pd
import pytest

from kamlab import cli
from kamlab.errors import ConfigError
from kamlab.teaching import LESSONS, Exercise, Mistake, Rule, RuleExercise, Workbook
from kamlab.teaching import workbook_for as _workbook_for
from kamlab.teaching.packs import build_packs, choose_notebooks
from kamlab.teaching.runner import SOLUTION_TAG, Run, run_all, teaching_dir

NOTEBOOKS = list(LESSONS)
NOTEBOOK_8 = "08_key_account_plans_and_contact_maps.ipynb"
SEEDS = (2, 3)  # the committed notebooks run seed 1 (nbval); papermill runs two others


@cache
def workbook_for(notebook: str, seed: int) -> Workbook:
    """The student's workbook, built once per test session (checking records the latest
    result per exercise, which no test relies on across tests)."""
    return _workbook_for(notebook, seed)


# --------------------------------------------------------------------------- the checker


def share_exercise(**kw) -> Exercise:
    options = {
        "answer": 0.4,
        "kind": "share",
        "mistakes": [Mistake("revenue", 0.7, "You used revenue instead of profit.")],
        "hint": "Divide profit by total profit.",
    }
    return Exercise("1", "What share?", **(options | kw))


@pytest.mark.parametrize("answer", [0.4, 0.401, np.float64(0.4), "40%", " 0.4 ", [0.4]])
def test_a_right_answer_passes_in_any_reasonable_form(answer):
    result = share_exercise().evaluate(answer)
    assert result.passed and result.status == "correct"
    assert result.hint == ""


@pytest.mark.parametrize(
    ("answer", "mistake", "words"),
    [
        (0.7, "revenue", "revenue instead of profit"),
        (40, "percent instead of fraction", "divide your number by 100"),
        (0.004, "divided by 100", "100 times too small"),
        (-0.4, "wrong sign", "sign is the wrong way round"),
    ],
)
def test_typical_wrong_answers_get_their_own_hint(answer, mistake, words):
    result = share_exercise().evaluate(answer)
    assert not result.passed and result.status == "wrong"
    assert result.mistake == mistake
    assert words in result.hint


def test_other_wrong_answers_get_the_general_hint_and_a_direction():
    assert share_exercise().evaluate(0.3).hint == "Divide profit by total profit."
    assert "more than twice too large" in share_exercise().evaluate(0.95).hint
    assert "less than half" in share_exercise().evaluate(0.1).hint


@pytest.mark.parametrize("missing", [None, ...])
def test_no_answer_is_not_answered_yet_not_an_error(missing):
    result = share_exercise().evaluate(missing)
    assert result.status == "not answered" and not result.passed and not result.answered
    assert "answer_1 = None" in result.hint


@pytest.mark.parametrize(
    ("answer", "words"),
    [
        ("forty", "is not a number"),
        (pd.Series([0.1, 0.2, 0.3]), "You gave 3 values"),
        (pd.DataFrame({"a": [1, 2]}), "whole table"),
        (True, "True or False"),
        (float("nan"), "NaN"),
        (float("inf"), "infinite"),
        ({"a": 1}, "You gave a dict"),
    ],
)
def test_answers_of_the_wrong_type_say_what_is_expected(answer, words):
    result = share_exercise().evaluate(answer)
    assert result.status == "invalid" and not result.passed
    assert words in result.hint


def test_counts_ids_and_choices():
    count = Exercise("2", "How many?", 12, kind="count")
    assert count.evaluate(12).passed and count.evaluate(np.int64(12)).passed
    assert count.evaluate(12.0).passed and count.evaluate(pd.Series([True] * 12).sum()).passed
    assert "whole number" in count.evaluate(12.5).hint
    assert count.evaluate(13).status == "wrong"

    ident = Exercise("3", "Which?", "A0042", kind="id")
    assert ident.evaluate(" a0042 ").passed and ident.evaluate(pd.Index(["A0042"])).passed
    assert ".idxmax()" in ident.evaluate(pd.Series({"net_revenue": 1.0, "orders": 2})).hint
    assert ident.evaluate(42).status == "invalid"

    levels = ("strategic", "operational", "tactical")
    choice = Exercise(
        "4",
        "Which level?",
        "tactical",
        kind="choice",
        options=levels,
        mistakes=[Mistake("chose strategic", "strategic", "Strategic is long-term.")],
    )
    assert choice.evaluate("Tactical ").passed
    assert choice.evaluate("strategic").hint == "Strategic is long-term."
    assert "Choose one of: strategic, operational, tactical" in choice.evaluate("tactics").hint
    with pytest.raises(ValueError, match="not one of the options"):
        Exercise("5", "?", "other", kind="choice", options=levels)


def test_mistakes_that_coincide_with_the_answer_or_each_other_are_dropped():
    exercise = share_exercise(
        mistakes=[
            Mistake("same as answer", 0.4, "never shown"),
            Mistake("first", 0.7, "first hint"),
            Mistake("repeat", 0.7001, "second hint"),
        ]
    )
    assert [m.name for m in exercise.mistakes] == ["first"]
    assert exercise.evaluate(0.7).hint == "first hint"


def test_accept_range_takes_either_end():
    exercise = Exercise("1", "Top 10%?", 1.5, kind="share", accept=(1.45, 1.56))
    assert exercise.evaluate(1.45).passed and exercise.evaluate(1.56).passed
    assert not exercise.evaluate(1.7).passed


def objective_exercise() -> RuleExercise:
    def read(answer):
        if not isinstance(answer, dict):
            raise ValueError("Write the objective as a dict.")
        return answer

    rules = [
        Rule(
            "wrong measure",
            lambda v: v["measure"] == "revenue",
            "Which measure?",
            {"measure": "x", "target": 120},
        ),
        Rule(
            "not beyond",
            lambda v: v["target"] > 100,
            "Beyond the baseline.",
            {"measure": "revenue", "target": 90},
        ),
        Rule("too far", lambda v: v["target"] <= 300, "Check the zeros."),
    ]
    return RuleExercise(
        "1", "An objective?", {"measure": "revenue", "target": 120}, rules=rules, read=read
    )


def test_a_rule_exercise_takes_any_answer_that_keeps_its_rules():
    exercise = objective_exercise()
    for target in (101, 120, 300):
        assert exercise.evaluate({"measure": "revenue", "target": target}).passed
    assert [m.name for m in exercise.mistakes] == ["wrong measure", "not beyond"]
    wrong = exercise.evaluate({"measure": "revenue", "target": 90})
    assert (wrong.status, wrong.mistake, wrong.hint) == (
        "wrong",
        "not beyond",
        "Beyond the baseline.",
    )
    far = exercise.evaluate({"measure": "revenue", "target": 1000})  # a rule with no example
    assert (far.mistake, far.hint) == ("too far", "Check the zeros.")
    first = exercise.evaluate({"measure": "x", "target": 1000})  # the first rule broken speaks
    assert first.mistake == "wrong measure"
    assert exercise.evaluate([1, 2]).status == "invalid"
    assert exercise.evaluate([1, 2]).hint == "Write the objective as a dict."
    assert exercise.evaluate(None).status == "not answered"
    assert exercise.secrets() == []
    assert "target" in exercise.evaluate(None, show_solutions=True).solution


def test_a_rule_exercise_refuses_an_answer_or_an_example_that_breaks_the_wrong_rule():
    rules = [Rule("positive", lambda v: v > 0, "Positive.", -1)]
    with pytest.raises(ValueError, match="the answer breaks rule 'positive'"):
        RuleExercise("1", "?", -5, rules=rules)
    bad = [
        Rule("positive", lambda v: v > 0, "Positive.", -1),
        Rule("small", lambda v: v < 10, "", -2),
    ]
    with pytest.raises(ValueError, match="the example of 'small' breaks another rule"):
        RuleExercise("1", "?", 5, rules=bad)


def test_the_answer_is_shown_only_in_the_lecturers_copy():
    exercise = share_exercise(answer=0.4321)
    for answer in (None, 0.4321, 0.7, 43.21, -0.4321, 0.3, "x"):
        student = exercise.evaluate(answer)
        assert student.solution is None
        for secret in exercise.secrets():
            assert secret not in student.text() and secret not in student.html()
    lecturer = exercise.evaluate(0.7, show_solutions=True)
    assert lecturer.solution == "0.4321 (43.2%)"
    assert "Solution (lecturer's copy): 0.4321 (43.2%)" in lecturer.text()


def test_feedback_is_html_escaped():
    exercise = share_exercise(
        mistakes=[Mistake("x", 0.7, "Account <script>alert(1)</script> & co")]
    )
    html = exercise.evaluate(0.7).html()
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in html


def test_workbook_check_prints_outside_ipython_and_keeps_progress(capsys):
    book = Workbook("Demo", [share_exercise()], show_solutions=False)
    assert book.progress()["status"].tolist() == ["not checked"]
    result = book.check(1, 0.7)
    assert not result.passed and result.hint == "You used revenue instead of profit."
    assert (
        "Exercise 1: not yet.\nHint: You used revenue instead of profit." in capsys.readouterr().out
    )
    book.check("1", 0.4)
    assert book.progress()["status"].tolist() == ["correct"]
    with pytest.raises(KeyError, match="no exercise 9 in 'Demo'"):
        book.check(9, 1)


def test_a_result_shown_by_check_is_not_shown_twice(monkeypatch):
    shown = []
    monkeypatch.setattr("kamlab.teaching.checks._display", lambda r: shown.append(r) or True)
    result = Workbook("Demo", [share_exercise()]).check(1, 0.4)
    result._ipython_display_()  # IPython echoing the cell's value: suppressed once
    result._ipython_display_()  # shown again when asked for later
    assert len(shown) == 2


# --------------------------------------------------------------------------- lessons


@pytest.fixture(scope="module", params=[(n, s) for n in NOTEBOOKS for s in (1, *SEEDS)])
def book(request):
    notebook, seed = request.param
    return workbook_for(notebook, seed)


def test_each_notebook_has_at_least_three_exercises_and_every_right_answer_passes(book):
    assert len(book.exercises) >= 3
    for exercise in book.exercises.values():
        assert book.evaluate(exercise.id, exercise.answer).passed, exercise.id


def test_each_typical_wrong_answer_gets_its_hint_and_never_the_answer(book):
    for exercise in book.exercises.values():
        assert exercise.mistakes, f"exercise {exercise.id} has no typical mistakes"
        secrets = exercise.secrets()
        for mistake in exercise.mistakes:
            result = book.evaluate(exercise.id, mistake.value)
            assert not result.passed
            assert (result.mistake, result.hint) == (mistake.name, mistake.hint)
            assert not [s for s in secrets if s in result.text()]
        result = book.evaluate(exercise.id, None)
        assert result.status == "not answered"
        if exercise.kind == "share":
            assert book.evaluate(exercise.id, 100 * exercise.answer).mistake == (
                "percent instead of fraction"
            )


def test_answers_come_from_the_students_own_data():
    for notebook in NOTEBOOKS:
        books = [workbook_for(notebook, seed) for seed in SEEDS]
        answers = [{k: e.answer for k, e in b.exercises.items()} for b in books]
        differ = sum(answers[0][k] != answers[1][k] for k in answers[0])
        assert differ >= len(answers[0]) - 1, notebook  # a choice may repeat by chance


@pytest.mark.parametrize(
    ("notebook", "exercise", "mistake"),
    [
        ("01_what_is_a_key_account.ipynb", "2", "whole portfolio"),
        ("01_what_is_a_key_account.ipynb", "4", "share of accounts"),
        ("05_customer_profitability.ipynb", "1", "no financing"),
        ("05_customer_profitability.ipynb", "2", "gross margin"),
        ("05_customer_profitability.ipynb", "3", "share of revenue"),
        ("06_retention_economics.ipynb", "1", "no discounting"),
        ("06_retention_economics.ipynb", "2", "linear"),
        ("06_retention_economics.ipynb", "3", "churn"),
        ("06_retention_economics.ipynb", "4", "constant retention"),
        ("06_retention_economics.ipynb", "5", "linear"),
        ("02_selecting_key_accounts.ipynb", "1", "no 1 +"),
        ("02_selecting_key_accounts.ipynb", "2", "not divided by 100"),
        ("02_selecting_key_accounts.ipynb", "2", "plain mean"),
        ("02_selecting_key_accounts.ipynb", "3", "counted those that leave"),
        ("02_selecting_key_accounts.ipynb", "4", "the last newcomer"),
        ("03_key_customer_portfolio.ipynb", "2", "share of revenue"),
        ("03_key_customer_portfolio.ipynb", "3", "new and gone included"),
        ("03_key_customer_portfolio.ipynb", "4", "fell the most"),
        ("04_relationship_stages_and_exits.ipynb", "1", "rounded down"),
        ("04_relationship_stages_and_exits.ipynb", "2", "sponsor at full weight"),
        ("04_relationship_stages_and_exits.ipynb", "3", "all gaps"),
        ("04_relationship_stages_and_exits.ipynb", "4", "as a positive amount"),
        ("04_relationship_stages_and_exits.ipynb", "5", "exit completely"),
        ("07_buyers_perspective.ipynb", "2", "a count"),
        ("07_buyers_perspective.ipynb", "3", "strongest"),
        ("07_buyers_perspective.ipynb", "4", "the mean itself"),
        (NOTEBOOK_8, "1", "measure does not fit the aim"),
        (NOTEBOOK_8, "1", "target not beyond the baseline"),
        (NOTEBOOK_8, "1", "due beyond the plan's horizon"),
        (NOTEBOOK_8, "4", "single-threaded only"),
        (NOTEBOOK_8, "4", "every account"),
        (NOTEBOOK_8, "5", "largest key account"),
        (NOTEBOOK_8, "5", "smallest"),
    ],
)
def test_the_key_mistakes_are_recognised(notebook, exercise, mistake):
    for seed in (1, *SEEDS):
        names = [m.name for m in workbook_for(notebook, seed).exercise(exercise).mistakes]
        assert mistake in names, (seed, names)


def test_retention_lesson_reproduces_the_primers_convexity_numbers():
    from kamlab.teaching.lesson06 import _lift, mixture_retention

    assert _lift(0.80, 0.85, 0.10) == pytest.approx(0.275, abs=5e-4)
    assert _lift(0.90, 0.95, 0.10) == pytest.approx(0.407, abs=5e-4)
    cohort = mixture_retention((0.5, 0.95), (0.5, 0.5), years=8)["cohort retention that year"]
    assert cohort.iloc[0] == pytest.approx(0.725)
    assert cohort.is_monotonic_increasing


def test_the_exit_exercises_have_accounts_to_work_on():
    """Exercises 4 and 5 of notebook 4 add up the complete exits and pick the largest
    account under review: both sets must be non-empty for every seed the tests run
    (exits to a lower tier are rare on the default rules, so no exercise relies on them)."""
    from kamlab.teaching import student_key_portfolio

    for seed in (1, *SEEDS):
        action = student_key_portfolio(seed).table_["exit_recommendation"]
        assert (action == "exit completely").any() and (action == "review").any(), seed


def test_the_students_key_portfolio_is_the_one_build_portfolio_makes():
    from kamlab.portfolio import build_portfolio
    from kamlab.teaching import student_key_portfolio, student_portfolio

    data = student_portfolio(2)
    for until in ("2026-06-30", "2026-09-30"):
        mine = student_key_portfolio(2, until)
        assert student_key_portfolio(2, pd.Timestamp(until)) is mine  # cached, one build
        built = build_portfolio(
            data.transactions, data.accounts, until=until, prospects=False
        ).table_
        pd.testing.assert_frame_equal(mine.table_, built)


def test_selection_lesson_workings_add_up_and_weightings_are_valid():
    from kamlab.teaching import lesson02, student_key_portfolio, student_portfolio

    data = student_portfolio(2)
    portfolio = student_key_portfolio(2)
    chosen = lesson02.exercise_accounts(data)
    workings = lesson02.workings(portfolio, chosen.demo)
    total = workings.loc["total", "weight x score"] / 100
    assert total == pytest.approx(portfolio.table_.loc[chosen.demo, "attractiveness"], abs=0.01)
    assert portfolio.table_.loc[chosen.weighted, "tier"] != "key"  # never in the key table
    defaults = {f.name: f.weight for f in portfolio.criteria_.attractiveness}
    pd.testing.assert_frame_equal(lesson02.reweighted(2, defaults), portfolio.table_)
    for weighting in (*lesson02.WEIGHTINGS, lesson02.Weighting("demo", lesson02.DEMO_WEIGHTS)):
        assert set(weighting.weights) == set(defaults)
        assert sum(weighting.weights.values()) == pytest.approx(100)
    for seed in range(1, 9):  # the letters are shuffled; the right reply is always the first
        dilemma = lesson02.dilemma_for(seed)
        assert dilemma.options[dilemma.answer] == lesson02.RESPONSES[0][0]


def test_portfolio_lesson_hints_name_the_misread_axis_not_the_answer():
    from kamlab.portfolio import BOXES
    from kamlab.teaching import lesson03

    assert list(lesson03.BOX_GUIDE.index) == list(BOXES)
    for right in BOXES:
        for chosen in BOXES:
            if chosen == right:
                continue
            hint = lesson03._strategy_hint(right, chosen)
            assert lesson03.MILLMAN_WILSON[right] not in hint and right not in hint
            assert lesson03.MILLMAN_WILSON[chosen] in hint


def test_stage_lesson_rounding_and_workings_agree_with_kamlab():
    """The lesson's scale is kamlab.vocabulary's (no copy); its stage rounding and
    workings give assess_stages' answers."""
    from kamlab.portfolio import assess_stages
    from kamlab.teaching import lesson04, student_portfolio

    stages = assess_stages(student_portfolio(3).accounts)
    mine = stages["stage_score"].map(lesson04.stage_of)
    assert (mine == stages["stage"].astype(str)).all()
    data = student_portfolio(3)
    chosen = lesson04.exercise_accounts(data, stages)
    workings = lesson04.workings(stages, data.accounts, chosen.demo)
    score = workings["weight x level"].sum() / workings["weight"].sum()
    assert score == pytest.approx(stages.loc[chosen.demo, "stage_score"])


def test_buyer_lesson_plans_cover_every_heading_and_the_plan_section_is_weakest_first():
    from kamlab.portfolio.buyer import HEADINGS
    from kamlab.teaching import lesson07, student_portfolio

    assert {plan.heading for plan in lesson07.PLANS} == set(HEADINGS)
    data = student_portfolio(2)
    card = lesson07.key_scorecard(data)
    assert 20 <= len(card) <= 25  # the cap, less likely-lost accounts moved out of key
    chosen = lesson07.plan_accounts(data, card)
    shown = card["mean_score"].sort_values(kind="stable").index[: lesson07.HEATMAP_ROWS]
    assert chosen.plan not in shown and chosen.plan != chosen.demo
    section = lesson07.plan_section(card, chosen.plan)
    assert section.index[0] == card.loc[chosen.plan, "weakest_heading"]
    assert section["score"].is_monotonic_increasing


def test_plan_lesson_objective_rules_take_many_right_answers_and_name_each_mistake():
    from kamlab.teaching import lesson08, student_portfolio

    for seed in (1, *SEEDS):
        data = student_portfolio(seed)
        exercise = workbook_for(NOTEBOOK_8, seed).exercise("1")
        chosen = lesson08.exercise_accounts(data)
        plan = lesson08.plan_for(data, chosen.objective)
        measure = lesson08.objective_aim(data, chosen.objective).measure
        drafted = next(o for o in plan.objectives if o.measure == measure)
        assert exercise.evaluate(
            {"Measure": measure, "target": drafted.target, "due": "2027-03-31"}
        ).passed
        if measure in ("revenue", "contribution"):  # any target a little beyond the baseline
            assert exercise.evaluate(
                {"measure": measure, "target": drafted.baseline + 1, "due": str(drafted.due)}
            ).passed
        assert (
            exercise.evaluate(
                {"measure": measure, "target": drafted.target, "due": "2028-06-30"}
            ).mistake
            == "due beyond the plan's horizon"
        )
        assert (
            exercise.evaluate(
                {"measure": measure, "target": drafted.baseline, "due": str(drafted.due)}
            ).mistake
            == "target not beyond the baseline"
        )
        assert "no due" in exercise.evaluate({"measure": measure, "target": 1}).hint
        assert exercise.evaluate("revenue up 10%").status == "invalid"


def test_plan_lesson_scenarios_take_each_status_and_agree_with_the_scorecard_rule():
    from kamlab.plans import objective_status
    from kamlab.teaching import lesson08, student_portfolio

    statuses = {}
    for seed in (1, 2, 3, 4):
        case = lesson08.scenario(student_portfolio(seed))
        fields = ["baseline", "target", "actual", "written", "due", "period_end"]
        assert objective_status("revenue", *[case[f] for f in fields])[0] == case["status"]
        assert workbook_for(NOTEBOOK_8, seed).exercise("2").answer == case["status"]
        statuses[seed] = case["status"]
    assert sorted(statuses.values()) == ["behind", "met", "missed", "on track"]


def test_plan_lesson_contacts_and_accounts():
    """The student's contacts are the sample's, read as a file would be; exercise 3's shape
    is contact_summary's; exercise 5's account (an id answer) is never one the notebook shows."""
    from kamlab.datasets import make_sample
    from kamlab.portfolio.contacts import contact_summary
    from kamlab.teaching import STUDENT_ACCOUNTS, lesson08, student_key_portfolio, student_portfolio

    for seed in (1, *SEEDS):
        data = student_portfolio(seed)
        assert len(data.contacts.data) == len(make_sample(STUDENT_ACCOUNTS, seed=seed).contacts)
        chosen = lesson08.exercise_accounts(data)
        summary = contact_summary(data.contacts, as_of=lesson08.AS_OF)
        book = workbook_for(NOTEBOOK_8, seed)
        assert book.exercise("3").answer == summary.loc[chosen.shape, "shape"]
        shown = {
            chosen.plan,
            chosen.objective,
            chosen.status,
            chosen.bow_tie,
            chosen.diamond,
            chosen.shape,
        }
        assert chosen.fragile not in shown and book.exercise("5").answer == chosen.fragile
        assert summary.loc[chosen.fragile, ["single_threaded", "missing_executive_sponsor"]].any()
        table = student_key_portfolio(seed).table_
        card = lesson08.student_scorecard(data)  # plan against actual: the portfolio's revenue
        revenue = card[card["measure"] == "revenue"].set_index("account_id")["actual"]
        pd.testing.assert_series_equal(
            revenue,
            table["revenue"].reindex(revenue.index).fillna(0.0).astype(float),
            check_names=False,
        )


# --------------------------------------------------------------------------- notebooks


def _cells(path: Path) -> list:
    return nbformat.read(path, as_version=4).cells


@pytest.mark.parametrize("notebook", NOTEBOOKS)
def test_notebooks_follow_the_house_style(notebook):
    cells = _cells(teaching_dir() / notebook)
    text = "\n".join(c.source for c in cells if c.cell_type == "markdown")
    assert "**What you will learn.**" in cells[0].source
    assert "## Summary" in text and "## References" in text
    parameters = [c for c in cells if "parameters" in c.metadata.get("tags", [])]
    assert len(parameters) == 1
    assert "student_seed = 1" in parameters[0].source
    assert "show_solutions = False" in parameters[0].source
    code = [c for c in cells if c.cell_type == "code"]
    assert max(len(c.source.splitlines()) for c in code) <= 15
    n = len(workbook_for(notebook, 1).exercises)
    for i in range(1, n + 1):
        assert any(c.source.startswith(f"answer_{i} = None") for c in code), i
        assert any(f"book.check({i}, answer_{i})" in c.source for c in code), i
        solutions = [c for c in code if SOLUTION_TAG in c.metadata.get("tags", [])]
        assert any(f"answer_{i} =" in c.source for c in solutions), i
    for c in code:
        if "book.check(" in c.source:
            assert "# NBVAL_CHECK_OUTPUT" in c.source
        if SOLUTION_TAG in c.metadata.get("tags", []):
            assert "if show_solutions:" in c.source and not c.outputs
    # committed executed as a student's copy: outputs in place, nothing answered
    assert all(c.outputs for c in code if "book.check(" in c.source)
    assert all(
        "not answered yet" in c.outputs[0]["data"]["text/plain"]
        for c in code
        if "book.check(" in c.source
    )


def test_notebook_1_defines_its_words_before_using_them():
    cells = [c.source for c in _cells(teaching_dir() / NOTEBOOKS[0]) if c.cell_type == "markdown"]

    def first(pattern: str, start: int = 0) -> int:
        return next(i for i, s in enumerate(cells) if i >= start and re.search(pattern, s))

    defined = {
        r"\bKAM\b": r"key account management \(KAM\)",
        r"\bP&L\b": r"\| P&L \| a \*profit and loss\*",
        r"\bportfolio\b": r"\| portfolio \|",
        r"\baccount\b": r"\*\*account\*\*",
        r"\bTier 1\b": r"\*\*Tier 1",
        r"\bOEM\b": r"\*OEM\* \(original equipment manufacturer",
        r"\bcost to serve\b": r"\*\*cost to serve\*\*",
        r"\bkey account manager\b": r"\*\*key account manager\*\*",
    }
    for term, definition in defined.items():  # the title and objectives name what is taught
        assert first(definition) <= first(term, start=1), term


def _visible_text(path: Path) -> str:
    """Sources and text outputs of a notebook, or an HTML page without embedded images."""
    if path.suffix == ".html":
        return re.sub(r"data:image/[a-z+]+;base64,[A-Za-z0-9+/=\s]+", "", path.read_text())
    parts = []
    for cell in _cells(path):
        parts.append(cell.source)
        for output in cell.get("outputs", []):
            parts.append(output.get("text", ""))
            data = output.get("data", {})
            parts += [v for k, v in data.items() if k.startswith("text/")]
    return "\n".join(parts)


def _leaks(text: str, secrets: dict[str, list[str]]) -> list[tuple[str, str]]:
    found = []
    for exercise, values in secrets.items():
        for value in values:
            if re.search(rf"(?<![\w,.]){re.escape(value)}(?![\w]|[.,]\d)", text):
                found.append((exercise, value))
    return found


JOBS = 3  # kernels at a time; CI has two cores, but each kernel waits part of the time
# (starting, exchanging messages), so a third keeps both busy (~10% faster than two)


@pytest.fixture(scope="session")
def executed(tmp_path_factory):
    """Every teaching notebook run by papermill for two seeds, with and without the
    solutions, :data:`JOBS` kernels at a time; the students' copies rendered to HTML (what the
    leak scan reads; the lecturer's HTML is checked by the ``kamlab teach`` test).

    papermill normally rewrites the output notebook after every cell, so that a long run
    can be watched; the tests read only the finished notebook, so that is switched off
    here (about a third of a second of the test process's time per run)."""
    import papermill

    out = tmp_path_factory.mktemp("teaching")
    runs = [
        Run(
            n,
            s,
            solutions,
            out / ("lecturer" if solutions else "student") / str(s) / n,
            html=not solutions,
        )
        for n in NOTEBOOKS
        for s in SEEDS
        for solutions in (False, True)
    ]
    execute = partial(papermill.execute_notebook, request_save_on_cell_execute=False)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(papermill, "execute_notebook", execute)
        run_all(runs, jobs=JOBS)
    return {(r.notebook, r.seed, r.solutions): Path(r.target) for r in runs}


def _check_outputs(path: Path) -> list[str]:
    return [
        c.outputs[0]["data"]["text/plain"]
        for c in _cells(path)
        if c.cell_type == "code" and "book.check(" in c.source
    ]


@pytest.mark.parametrize("notebook", NOTEBOOKS)
@pytest.mark.parametrize("seed", SEEDS)
def test_lecturers_copy_runs_and_every_solution_passes(executed, notebook, seed):
    path = executed[(notebook, seed, True)]
    feedback = _check_outputs(path)
    assert len(feedback) == len(workbook_for(notebook, seed).exercises)
    assert all("correct. Well done!" in f and "Solution (lecturer's copy)" in f for f in feedback)


@pytest.mark.parametrize("notebook", NOTEBOOKS)
@pytest.mark.parametrize("seed", SEEDS)
def test_students_copy_runs_without_solutions_and_gives_nothing_away(executed, notebook, seed):
    path = executed[(notebook, seed, False)]
    cells = _cells(path)
    assert not [c for c in cells if SOLUTION_TAG in c.metadata.get("tags", [])]
    assert all("not answered yet" in f for f in _check_outputs(path))
    injected = next(c for c in cells if "injected-parameters" in c.metadata.get("tags", []))
    assert f"student_seed = {seed}" in injected.source
    secrets = workbook_for(notebook, seed).secrets()
    html = path.with_suffix(".html")
    for copy in (path, html):
        text = _visible_text(copy)
        assert "Solution (lecturer's copy)" not in text
        assert not _leaks(text, secrets), (copy.name, _leaks(text, secrets))
    assert html.read_text().count("jp-InputArea") > 10  # students see the code


def test_the_leak_scan_would_find_an_answer():
    assert _leaks("value 0.4321 here", {"1": ["0.4321"]}) == [("1", "0.4321")]
    assert not _leaks("value 10.43210 here", {"1": ["0.4321"]})
    assert not _leaks("GBP 12,420", {"1": ["2,420"]})


# --------------------------------------------------------------------------- kamlab teach


def test_choose_notebooks_by_name_or_number():
    available = NOTEBOOKS
    assert choose_notebooks(None, available) == available
    assert choose_notebooks(["1", "05"], available) == [
        "01_what_is_a_key_account.ipynb",
        "05_customer_profitability.ipynb",
    ]
    assert choose_notebooks(["06_retention_economics"], available) == [
        "06_retention_economics.ipynb"
    ]
    assert [n[:2] for n in available] == ["01", "02", "03", "04", "05", "06", "07", "08"]
    with pytest.raises(ConfigError, match="no teaching notebook '9'"):
        choose_notebooks(["9"], available)


def test_kamlab_teach_builds_lecturer_and_student_packs(tmp_path, capsys):
    out = tmp_path / "packs"
    argv = ["teach", "--seeds", "4", "--notebooks", "1", "--out", str(out), "--jobs", "2"]
    assert cli.main(argv) == 0
    assert "lecturer's pack" in capsys.readouterr().out
    notebook = NOTEBOOKS[0]
    stem = notebook.removesuffix(".ipynb")
    lecturer, student = out / "lecturer", out / "students" / "seed-4"
    assert {p.name for p in lecturer.iterdir()} == {notebook, f"{stem}.html"}
    assert {p.name for p in student.iterdir()} == {notebook, f"{stem}.html"}
    assert "Solution (lecturer's copy)" in (lecturer / f"{stem}.html").read_text()
    secrets = workbook_for(notebook, 4).secrets()
    for copy in (student / notebook, student / f"{stem}.html"):
        assert "Solution (lecturer's copy)" not in _visible_text(copy)
        assert not _leaks(_visible_text(copy), secrets)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["student_seeds"] == [4] and manifest["lecturer_seed"] == 4
    assert manifest["notebooks"] == [notebook]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no build left


def test_kamlab_teach_refuses_to_replace_a_folder_that_is_not_a_pack(tmp_path):
    precious = tmp_path / "thesis"
    precious.mkdir()
    (precious / "chapter1.tex").write_text("keep me")
    with pytest.raises(ConfigError, match="not a kamlab teaching pack"):
        build_packs([1], precious, notebooks=["1"], progress=False)
    assert (precious / "chapter1.tex").read_text() == "keep me"
    with pytest.raises(ConfigError, match="at least one student seed"):
        build_packs([], tmp_path / "new", progress=False)


def test_a_failing_notebook_leaves_the_previous_packs_in_place(tmp_path, monkeypatch):
    from kamlab import teaching
    from kamlab.publish.runner import NotebookError as ReportError

    source = tmp_path / "notebooks"
    source.mkdir()
    broken = nbformat.v4.new_notebook()
    broken.cells = [
        nbformat.v4.new_code_cell(
            "student_seed = 1\nshow_solutions = False", metadata={"tags": ["parameters"]}
        ),
        nbformat.v4.new_code_cell("raise ValueError('exercise data missing')"),
    ]
    broken.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nbformat.write(broken, source / "01_broken.ipynb")
    monkeypatch.setattr(teaching.runner, "teaching_dir", lambda: source)
    packs = tmp_path / "packs"
    packs.mkdir()
    (packs / "manifest.json").write_text(json.dumps({"kind": "kamlab teaching packs"}))
    (packs / "lecturer").mkdir()
    (packs / "lecturer" / "old.html").write_text("last term's pack")
    killed = tmp_path / ".packs.partial-killed"  # left by a run killed outright: lock not held
    killed.mkdir()
    (killed / ".kamlab-run.lock").write_text("12345\n")

    with pytest.raises(
        ReportError, match=r"01_broken.ipynb, cell 2: ValueError.*\(seed 1, lecturer's copy\)"
    ):
        build_packs([1], packs, progress=False)
    assert (packs / "lecturer" / "old.html").read_text() == "last term's pack"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_execute_in_place_writes_the_outputs_into_the_notebook(tmp_path):
    from kamlab.teaching.runner import execute_in_place

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("from pathlib import Path\nprint(Path.cwd().name)")]
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    folder = tmp_path / "lesson"
    folder.mkdir()
    nbformat.write(nb, folder / "01_x.ipynb")
    execute_in_place(folder / "01_x.ipynb")
    cell = nbformat.read(folder / "01_x.ipynb", as_version=4).cells[0]
    assert cell.outputs[0]["text"] == "lesson\n"  # the kernel ran in the notebook's folder
    assert "execution" not in cell.metadata
