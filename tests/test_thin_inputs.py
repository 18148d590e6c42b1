"""Thin inputs: the report and the commands degrade, never stop (issue 16, point 7).

An accounts file with only the id, a few months of history, a model that cannot converge:
each step leaves out what it cannot do and says why."""

import re
import time
from html import unescape

import numpy as np
import pandas as pd
import pytest

import kamlab.cli as cli
from kamlab.datasets import make_sample
from kamlab.errors import ConfigError
from kamlab.models import BUDGET_ENV, GammaGamma, search_budget


@pytest.fixture(scope="module")
def thin(tmp_path_factory) -> dict:
    """60 accounts over three months (July to September 2026), and an accounts file that
    holds only their ids."""
    folder = tmp_path_factory.mktemp("thin")
    paths = make_sample(
        60, seed=5, start="2026-07-01", end="2026-09-30", acquisition_months=1
    ).write(folder)
    ids = pd.read_csv(paths["accounts"], usecols=["account_id"])
    paths["ids_only"] = folder / "ids_only.csv"
    ids.to_csv(paths["ids_only"], index=False)
    return paths


@pytest.mark.parametrize(
    "command",
    [
        ["portfolio", "--period", "2026Q3"],
        ["allocate", "--period", "2026Q3", "--hours", "500"],
        ["value"],
        ["pnl"],
        ["segment"],
        ["summarize", "--until", "2026-09-30"],
    ],
    ids=lambda c: c[0],
)
def test_every_command_runs_on_an_accounts_file_with_only_the_id(command, thin, tmp_path, capsys):
    accounts = [] if command[0] in ("segment", "summarize") else ["--accounts", thin["ids_only"]]
    argv = [
        command[0],
        thin["transactions"],
        *command[1:],
        *accounts,
        "--out",
        tmp_path / "out.csv",
    ]
    assert cli.main([str(a) for a in argv]) == 0
    err = capsys.readouterr().err
    assert "kamlab: error" not in err and "unexpected error" not in err
    assert len(pd.read_csv(tmp_path / "out.csv")) > 0


def test_three_months_of_history_leave_out_the_comparisons_and_the_interval(thin):
    from kamlab.workflows import period_run

    run = period_run(thin["transactions"], thin["ids_only"], period="2026Q3")
    assert len(run.portfolio.table_) > 0
    before = run.previous_table  # the 12 months to 30 June hold no transaction
    assert before.empty and before.attrs["no_transactions"]
    from kamlab.presentation.executive import headline_table

    assert list(headline_table(run.portfolio.table_, before).columns) == ["this period"]  # no 0s
    assert set(run.history(4).index.get_level_values("period")) == {"2026Q3"}
    name, value_run, draws, note = run.uplift_model()
    assert draws == 0 and "without an interval" in note  # no model converged on 13 weeks
    plan, _ = run.hours_plan(budget_hours=None)
    assert len(plan.table) > 0


def test_a_fit_that_cannot_converge_stops_within_the_budget_and_says_so(monkeypatch):
    from kamlab.value.clv import usable_spend

    rng = np.random.default_rng(0)
    n = 4000
    summary = pd.DataFrame(
        {"frequency": rng.integers(1, 10, n), "monetary_value": rng.gamma(2.0, 50.0, n)},
        index=pd.Index([f"A{i}" for i in range(n)], name="account_id"),
    )
    monkeypatch.setenv(BUDGET_ENV, "0")  # out of time at the first check
    started = time.perf_counter()
    gg = GammaGamma().fit(summary)
    assert time.perf_counter() - started < 10
    assert not gg.converged_
    assert gg.convergence_message_.startswith("the search was stopped after 0 s")
    notes: list[str] = []
    spend = usable_spend(gg, summary, notes)  # what the value uses instead
    assert spend.equals(summary["monetary_value"])
    assert "did not converge" in notes[0] and "observed mean spend" in notes[0]


def test_the_budget_comes_from_the_environment_and_a_bad_one_is_refused(monkeypatch):
    monkeypatch.delenv(BUDGET_ENV, raising=False)
    assert search_budget() == 120.0
    monkeypatch.setenv(BUDGET_ENV, "15")
    assert search_budget() == 15.0
    monkeypatch.setenv(BUDGET_ENV, "soon")
    with pytest.raises(ConfigError, match="KAMLAB_FIT_BUDGET_S"):
        search_budget()


def test_parameter_draws_stop_at_the_budget_and_the_headline_says_why(monkeypatch, tmp_path):
    from kamlab.presentation.value import uplift_headline
    from kamlab.value.uplift import retention_uplift
    from kamlab.workflows import period_run

    s = make_sample(60, seed=2).write(tmp_path)
    value = period_run(s["transactions"], s["accounts"]).value("bgnbd").value
    monkeypatch.setenv(BUDGET_ENV, "0")  # one draw, then out of time
    uplift = retention_uplift(value, points=5, n_draws=50, seed=0)
    assert uplift.draws_timed_out and "uplift_pct_lower" not in uplift.total
    assert "No interval" in uplift_headline(uplift)


def test_a_report_on_three_months_and_an_id_only_accounts_file_completes_and_says_what_it_left_out(
    thin, tmp_path
):
    from kamlab.report import run_report

    folder = run_report("2026Q3", thin["transactions"], accounts=thin["ids_only"], out=tmp_path)
    text = unescape(re.sub(r"<[^>]+>", " ", (folder / "index.html").read_text("utf-8")))
    text = re.sub(r"\s+", " ", text)
    assert (
        "Industry is not in the accounts file, so accounts are not broken down by industry." in text
    )
    assert "Region is not in the accounts file" in text
    assert "The comparison with a quarter ago is left out" in text
    assert BUDGET_ENV not in __import__("os").environ  # restored after the run


def test_a_loosely_identified_fit_gets_no_interval_and_the_reader_is_told_why():
    from types import SimpleNamespace

    from kamlab.presentation.value import no_interval_note
    from kamlab.value.uplift import MAX_LOG_SE, weakly_identified

    def value_with(log_se):  # a fitted model's log-parameter covariance, nothing else
        names = ["r", "alpha", "a", "b"]
        cov = pd.DataFrame(np.diag(np.square(log_se)), index=names, columns=names)
        model = SimpleNamespace(display_name="BG/NBD", log_covariance_=cov)
        return SimpleNamespace(model=model, inputs={})

    three_months = value_with([0.16, 0.18, 7.0, 7.7])  # the sample cut to its last quarter
    assert weakly_identified(three_months) == ["BG/NBD a", "BG/NBD b"]
    assert "history is too short" in no_interval_note(three_months)
    two_years = value_with([0.09, 0.10, 0.60, MAX_LOG_SE * 0.5])
    assert weakly_identified(two_years) == [] and no_interval_note(two_years) == ""


def test_data_that_begin_inside_the_compared_windows_are_said_to_explain_the_change():
    from kamlab.presentation.notes import short_history

    # three months of data (Sep-Nov 2011) against a quarter ending 31 Dec 2011
    words = short_history("2011-09-01", "2011-11-30", "2011-12-31", "2011-09-30")
    assert "hold 3 months of sales" in words and "hold 1," in words
    assert "partly where the data begin" in words
    # two full years before the previous period: nothing to say
    assert short_history("2024-01-01", "2026-09-30", "2026-09-30", "2026-06-30") is None


def test_key_account_pages_say_why_they_show_fewer_quarters():
    from kamlab.presentation.notes import short_account_history

    words = short_account_history(1, 4, "2011-09-01")
    assert words.startswith("Each page shows 1 of the 4 quarters of history asked for")
    assert "the data begin on 1 September 2011" in words
