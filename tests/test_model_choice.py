"""One purchase model per run, chosen out of sample (issue 14, point 6).

:func:`kamlab.models.holdout.compare_purchase_models` fits BG/NBD, MBG/NBD and
Pareto/NBD on a calibration window and scores their holdout predictions; the run
(:class:`~kamlab.workflows.PeriodRun`), ``kamlab value`` and ``kamlab uplift`` use its
choice, and ``kamlab fit compare`` prints it.
"""

import json
import re
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from kamlab.cli import main
from kamlab.datasets import make_sample
from kamlab.io import read_transactions
from kamlab.models.holdout import (
    CHOICE_RULE,
    COMPARED,
    MIN_HOLDOUT_WEEKS,
    ModelComparison,
    compare_purchase_models,
)
from kamlab.workflows import PeriodRun, pick_uplift_run


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    """400 accounts over 2024-01 to 2026-09 (MBG/NBD is the true process)."""
    return make_sample(400, seed=21).write(tmp_path_factory.mktemp("choice"))


@pytest.fixture(scope="module")
def tx(sample):
    return read_transactions(sample["transactions"])


@pytest.fixture(scope="module")
def comparison(tx):
    return compare_purchase_models(tx, holdout_weeks=26)


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def direct_count(tx, calibration_end, end) -> pd.Series:
    """Purchase days (days with a non-return line) in (calibration_end, end] per account."""
    lines = tx.data.loc[~tx.data["is_return"]]
    day = lines["date"].dt.normalize()
    window = (day > pd.Timestamp(calibration_end)) & (day <= pd.Timestamp(end))
    return lines.loc[window].assign(day=day[window]).groupby("account_id")["day"].nunique()


def test_the_comparison_has_every_model_and_its_holdout_figures(comparison):
    t = comparison.table
    assert list(t.index) == list(COMPARED)
    assert list(t["model"]) == ["BG/NBD", "MBG/NBD", "Pareto/NBD"]
    assert comparison.fallback is None and comparison.holdout_weeks == 26
    assert comparison.end == "2026-09-30" and comparison.calibration_end == "2026-04-01"
    assert t["actual"].nunique() == 1  # the same accounts and holdout for every model
    assert (t["mae"] > 0).all() and (t["rmse"] >= t["mae"]).all()
    per = comparison.per_account
    for name in t.index:
        assert t.loc[name, "predicted"] == pytest.approx(per[name].sum())
        assert t.loc[name, "mae"] == pytest.approx((per[name] - per["actual"]).abs().mean())
        assert t.loc[name, "bias"] == pytest.approx((per[name] - per["actual"]).mean())


def test_actual_holdout_purchases_equal_a_direct_count(tx, comparison):
    actual = comparison.per_account["actual"]
    direct = direct_count(tx, comparison.calibration_end, comparison.end)
    # every account that bought by the calibration end, zero when it did not buy after
    calibration = tx.data.loc[
        ~tx.data["is_return"] & (tx.data["date"] <= pd.Timestamp(comparison.calibration_end)),
        "account_id",
    ].unique()
    assert sorted(actual.index) == sorted(calibration)
    expected = direct.reindex(actual.index, fill_value=0)
    assert (actual == expected).all()
    assert actual.sum() > 0


def test_the_models_predict_the_holdout_total_of_the_simulated_process(comparison):
    t = comparison.table
    converged = t[t["converged"]]
    assert len(converged) >= 1
    # the sample is simulated from MBG/NBD: a converged model predicts the total within 10%
    assert ((converged["predicted"] / converged["actual"] - 1).abs() < 0.10).all()


def test_a_model_is_chosen_by_the_stated_rule(comparison):
    t = comparison.table
    assert t["chosen"].sum() == 1 and t.loc[comparison.chosen, "chosen"]
    assert comparison.rule == "lowest_mae" and comparison.rule in CHOICE_RULE
    best = t[t["converged"]]["mae"].idxmin()
    assert comparison.chosen == best
    assert comparison.ranking[0] == best and sorted(comparison.ranking) == sorted(COMPARED)


def _made_up(mae, converged, log_likelihood=(-10.0, -11.0, -12.0), rule="lowest_mae"):
    table = pd.DataFrame(
        {
            "model": ["BG/NBD", "MBG/NBD", "Pareto/NBD"],
            "converged": converged,
            "log_likelihood": log_likelihood,
            "mae": mae,
        },
        index=list(COMPARED),
    )
    made_up = ModelComparison(table, "", rule, "2026-04-01", "2026-09-30", 26, 26, 143.0)
    made_up.chosen = made_up.ranking[0]
    return made_up


def test_the_rule_skips_models_that_did_not_converge_and_breaks_ties_in_order():
    assert _made_up([2.0, 1.0, 0.5], [True, True, False]).ranking == [
        "mbgnbd",
        "bgnbd",
        "pareto-nbd",
    ]
    assert _made_up([1.0, 1.0, 1.0], [True, True, True]).ranking[0] == "bgnbd"
    assert _made_up([2.0, 1.0, 0.5], [False, False, False]).ranking[0] == "pareto-nbd"
    in_sample = _made_up([np.nan] * 3, [True, True, True], (-12.0, -10.0, -11.0), "in_sample")
    assert in_sample.ranking[0] == "mbgnbd"


def test_the_run_falls_back_to_the_next_model_when_the_chosen_one_does_not_converge():
    comparison = _made_up([2.0, 1.0, 1.5], [True, True, True])
    comparison.table["predicted"] = comparison.table["actual"] = 100.0

    def value_of(name):
        model = SimpleNamespace(
            converged_=name != "mbgnbd",
            display_name=comparison.table.loc[name, "model"],
            log_covariance_=pd.DataFrame(np.eye(4)),
        )
        return SimpleNamespace(purchases=model, value=SimpleNamespace(model=model, inputs={}))

    name, run, draws, note = pick_uplift_run(value_of, comparison)
    assert name == "Pareto/NBD" and run.purchases.display_name == "Pareto/NBD" and draws == 200
    assert "MBG/NBD did not converge on all the data" in note
    assert note.startswith("Purchase model: Pareto/NBD. MBG/NBD was chosen out of sample")
    assert "1.000" in note


def test_a_short_history_gets_a_shorter_holdout_with_a_note(tmp_path):
    paths = make_sample(200, seed=5, start="2026-01-01", end="2026-09-30", acquisition_months=3)
    tx = read_transactions(paths.write(tmp_path)["transactions"])
    c = compare_purchase_models(tx, holdout_weeks=26)
    assert c.fallback == "shorter_holdout" and c.requested_weeks == 26
    assert MIN_HOLDOUT_WEEKS <= c.holdout_weeks == int(c.history_weeks // 2) < 26
    assert c.table["chosen"].sum() == 1
    from kamlab.presentation.value import describe_model_choice

    text = describe_model_choice(c)
    assert f"so the holdout is its last {c.holdout_weeks} weeks" in text


def test_a_very_short_history_is_compared_in_sample_with_a_note(tmp_path):
    paths = make_sample(200, seed=5, start="2026-07-01", end="2026-09-30", acquisition_months=1)
    tx = read_transactions(paths.write(tmp_path)["transactions"])
    c = compare_purchase_models(tx)
    assert c.fallback == "in_sample" and c.rule == "in_sample" and c.holdout_weeks == 0
    assert c.table["mae"].isna().all() and c.table["chosen"].sum() == 1
    from kamlab.presentation.value import describe_model_choice

    text = describe_model_choice(c)
    assert "chosen in sample" in text and "not tested out of sample" in text


def test_holdout_weeks_must_be_whole_and_positive(tx):
    from kamlab.errors import ConfigError

    for bad in (0, -3, 2.5):
        with pytest.raises(ConfigError, match="holdout weeks"):
            compare_purchase_models(tx, holdout_weeks=bad)


def test_the_period_run_compares_once_and_uses_the_choice_everywhere(tx, comparison):
    run = PeriodRun(tx)
    first = run.model_comparison()
    assert run.model_comparison() is first
    assert first.chosen == comparison.chosen
    name, chosen_run, draws, note = run.uplift_model()
    assert name == first.chosen_name and chosen_run is run.value(first.chosen)
    assert run.value() is chosen_run  # the run's default value is the chosen model's
    assert "chosen out of sample" in note and "mean absolute error" in note
    assert f"{first.table.loc[first.chosen, 'mae']:.3f}" in note


def test_a_report_run_keeps_only_the_chosen_models_run_in_memory(tx, monkeypatch, tmp_path):
    import kamlab.workflows.period as period
    from kamlab.workflows.cache import CACHE_ENV

    comparison = _made_up([2.0, 1.0, 1.5], [True, True, True])  # MBG/NBD first
    comparison.table["predicted"] = comparison.table["actual"] = 100.0

    def fitted(transactions, accounts=None, *, model, **options):
        kind = SimpleNamespace(
            converged_=model != "mbgnbd",  # the first choice fails on all the data
            display_name=comparison.table.loc[model, "model"],
            log_covariance_=pd.DataFrame(np.eye(4)),
        )
        return SimpleNamespace(purchases=kind, value=SimpleNamespace(model=kind, inputs={}))

    monkeypatch.setenv(CACHE_ENV, str(tmp_path))
    monkeypatch.setattr(period, "run_value", fitted)
    run = PeriodRun(tx)
    monkeypatch.setattr(run, "model_comparison", lambda: comparison)
    name, chosen, _, _ = run.uplift_model()
    assert name == "Pareto/NBD" and run.uplift_model()[1] is chosen
    kept = [key[1][1] for key in run._results if key[0] == "value"]
    assert kept == ["pareto-nbd"]  # MBG/NBD, passed over, only in the cache on disk
    assert run.value("mbgnbd").purchases.converged_ is False  # loaded again when asked


def test_fit_compare_json_lists_three_models_and_one_chosen(sample, capsys):
    code, out, err = run(capsys, "fit", "compare", sample["transactions"], "--json")
    assert code == 0, err
    result = json.loads(out)
    assert [m["name"] for m in result["models"]] == list(COMPARED)
    assert sum(m["chosen"] for m in result["models"]) == 1
    chosen = next(m for m in result["models"] if m["chosen"])
    assert result["chosen"] == chosen["name"] and result["chosen_model"] == chosen["model"]
    for m in result["models"]:
        assert {"converged", "log_likelihood", "predicted", "actual", "mae"} <= set(m)
        assert m["actual"] == result["models"][0]["actual"] > 0
    assert result["holdout_weeks"] == 26 and result["fallback"] is None
    assert "mean absolute error" in result["note"]


def test_fit_compare_prints_the_table_and_why(sample, capsys):
    code, out, err = run(capsys, "fit", "compare", sample["transactions"], "--holdout-weeks", 13)
    assert code == 0, err
    for model in ("BG/NBD", "MBG/NBD", "Pareto/NBD"):
        assert model in out
    assert "holdout the 13 weeks to 2026-09-30" in out
    assert re.search(r"^chosen: (BG|MBG|Pareto)/NBD", out, re.M)
    assert "Rule: lowest mean absolute error" in out
    # the table speaks the reader's words, not the code's column names
    assert "Log-likelihood" in out and "MAE per account (purchases)" in out
    for code_name in ("log_likelihood", "mae_per_account", "holdout_predicted"):
        assert code_name not in out


def test_fit_compare_explains_itself_with_an_example(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["fit", "compare", "--help"])
    assert exit_.value.code == 0
    assert "kamlab fit compare" in capsys.readouterr().out


def test_value_and_uplift_name_the_same_model_as_fit_compare(sample, tmp_path, capsys):
    code, out, _ = run(capsys, "fit", "compare", sample["transactions"], "--json")
    chosen = json.loads(out)["chosen_model"]
    named = {}
    for command in ("value", "uplift"):
        argv = [command, sample["transactions"], "--accounts", sample["accounts"]]
        argv += ["--draws", "0"] if command == "uplift" else []
        code, out, err = run(capsys, *argv, "--out", tmp_path / f"{command}.csv")
        assert code == 0, err
        named[command] = re.search(r"^Purchase model: ([\w/]+)", out, re.M).group(1)
    assert named["value"] == named["uplift"] == chosen


def test_model_overrides_the_choice_and_says_so(sample, tmp_path, capsys):
    argv = ["value", sample["transactions"], "--model", "mbgnbd", "--out", tmp_path / "v.csv"]
    code, out, err = run(capsys, *argv)
    assert code == 0, err
    assert "Purchase model: MBG/NBD (--model mbgnbd)." in out
    assert "MBG/NBD (mbgnbd) fitted on 400 accounts" in out


def test_the_note_says_when_the_holdout_barely_tells_the_models_apart():
    from kamlab.workflows import model_choice_note

    close = _made_up([1.0, 1.01, 1.015], [True, True, True])
    apart = _made_up([1.0, 1.5, 2.0], [True, True, True])
    for c in (close, apart):
        c.table["predicted"] = c.table["actual"] = 100.0
    assert "barely tells them apart" in model_choice_note(close)
    assert "barely" not in model_choice_note(apart)
    assert model_choice_note(apart).startswith("Purchase model: BG/NBD, chosen out of sample")
