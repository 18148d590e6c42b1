"""The run context: inputs read once, the previous period, one model for the run, and a
cache that knows inputs by their content."""

import shutil
import threading

import pandas as pd
import pytest

import kamlab.value.pnl as pnl_module
import kamlab.workflows.period as period_module
from kamlab.datasets import make_sample
from kamlab.errors import ConfigError, InputError
from kamlab.presentation import notes
from kamlab.presentation.format import day_in_words
from kamlab.workflows import PeriodRun, period_run
from kamlab.workflows.cache import CACHE_ENV


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    return make_sample(80, seed=5).write(tmp_path_factory.mktemp("sample"))


@pytest.fixture
def reads(monkeypatch):
    """Counts the transactions files actually read (not loaded from the cache)."""
    calls = []
    original = period_module.read_transactions

    def counting(path, *args, **kwargs):
        calls.append(str(path))
        return original(path, *args, **kwargs)

    monkeypatch.setattr(period_module, "read_transactions", counting)
    return calls


def run_of(paths, **kw):
    return period_run(paths["transactions"], paths["accounts"], paths["accounts_previous"], **kw)


def test_the_period_sets_the_last_day_and_the_previous_period(sample):
    run = run_of(sample, period="2026Q3")
    assert run.until == "2026-09-30"
    assert (run.label, run.previous_period.label) == ("2026Q3", "2026Q2")
    assert run.previous_table.attrs["until"] == "2026-06-30"
    assert run.portfolio.table_.attrs["until"] == "2026-09-30"


def test_without_a_period_the_quarter_of_the_last_day_is_reported(sample):
    run = run_of(sample, until="2026-08-15")
    assert (run.label, run.previous_period.label) == ("2026Q3", "2026Q2")


def ending_on(sample, tmp_path, last_day):
    lines = pd.read_csv(sample["transactions"], dtype=str)
    path = tmp_path / "transactions.csv"
    lines[lines["date"] <= last_day].to_csv(path, index=False)
    return {**sample, "transactions": path}


def test_data_that_end_before_the_period_does_are_measured_to_their_last_day(sample, tmp_path):
    # counted to 30 September, every account would look quiet for 20 days the data lack
    short = ending_on(sample, tmp_path, "2026-09-10")
    last = pd.read_csv(short["transactions"])["date"].max()
    run = run_of(short, period="2026Q3")
    assert (run.until, run.asked_until) == (last, "2026-09-30")
    assert run.portfolio.table_.attrs["until"] == last
    assert (run.label, run.previous_table.attrs["until"]) == ("2026Q3", "2026-06-30")
    days = (pd.Timestamp("2026-09-30") - pd.Timestamp(last)).days
    assert notes.period_to_date(run.end, run.asked_until).startswith(
        f"The data end on {day_in_words(last)}, {days} days before the period does "
        "(30 September 2026): every figure is to"
    )
    assert run_of(sample, period="2026Q3").asked_until is None  # the data reach its end


def test_a_period_the_data_do_not_reach_is_refused_with_one_they_do(sample, tmp_path):
    with pytest.raises(InputError, match=r"end on 2026-06-\d\d, before 2026Q3 begins: .* 2026Q2"):
        run_of(ending_on(sample, tmp_path, "2026-06-30"), period="2026Q3")


def test_each_step_runs_once_per_run(sample):
    run = run_of(sample, period="2026Q3")
    assert run.portfolio is run.portfolio
    assert run.value("bgnbd") is run.value("bgnbd")
    assert run.model_comparison() is run.model_comparison()
    name, chosen, _, note = run.uplift_model()
    short = {"BG/NBD": "bgnbd", "MBG/NBD": "mbgnbd", "Pareto/NBD": "pareto-nbd"}[name]
    assert chosen is run.value(short) and chosen is run.value()
    assert name in note


def test_within_a_report_run_the_inputs_are_read_once(sample, reads, tmp_path, monkeypatch):
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "cache"))
    first = run_of(sample, period="2026Q3")
    second = run_of(sample, period="2026Q3")  # another notebook of the same run
    assert len(reads) == 1
    assert second.transactions.counts() == first.transactions.counts()


def test_the_cache_knows_a_file_by_its_content_not_its_name(sample, reads, tmp_path, monkeypatch):
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "cache"))
    copy = dict(sample, transactions=tmp_path / "copy.csv")
    shutil.copy(sample["transactions"], copy["transactions"])
    run_of(sample)
    run_of(copy)
    assert len(reads) == 1  # same bytes elsewhere: loaded, not read again

    text = copy["transactions"].read_text().splitlines()
    text[1] += "1"  # one unit cost changed (22.98 -> 22.981): the same number of rows
    copy["transactions"].write_text("\n".join(text) + "\n")
    changed = run_of(copy)
    assert len(reads) == 2
    assert len(changed.transactions.data) == len(run_of(sample).transactions.data)


def test_a_run_built_from_frames_has_a_key_too(sample):
    run = run_of(sample)
    again = PeriodRun(run.transactions, run.accounts, run.previous_accounts)
    assert again.key == PeriodRun(run.transactions, run.accounts, run.previous_accounts).key


def test_an_unknown_tier_is_refused_before_any_model_is_fitted(sample, monkeypatch):
    run = run_of(sample, period="2026Q3")
    _ = run.portfolio
    monkeypatch.setattr(run, "uplift_model", lambda **_: pytest.fail("fitted first"))
    with pytest.raises(ConfigError, match="unknown tier 'gold'"):
        run.hours_plan(tiers=["gold"])


def test_the_previous_accounts_file_scores_the_previous_period_and_says_so(sample):
    run = run_of(sample, period="2026Q3")
    assert run.previous_table.attrs["accounts_as_of"] == "snapshot"
    history = run.history(2)
    as_of = history["accounts_as_of"].groupby(level="period").unique().map(list).to_dict()
    assert as_of == {"2026Q2": ["snapshot"], "2026Q3": ["current"]}
    q2 = history.xs("2026Q2", level="period")["stage"]
    assert q2.to_dict() == run.previous_table["stage"].astype(object).reindex(q2.index).to_dict()


@pytest.fixture
def history_builds(monkeypatch):
    """The period ends the history itself builds a portfolio for."""
    import kamlab.portfolio.history as history_module

    built = []
    real = history_module.build_portfolio

    def counted(*args, until, **kwargs):
        built.append(until)
        return real(*args, until=until, **kwargs)

    monkeypatch.setattr(history_module, "build_portfolio", counted)
    return built


def test_the_history_reuses_the_runs_current_and_previous_portfolios(sample, history_builds):
    run = run_of(sample, period="2026Q3")
    current, previous = run.portfolio.table_, run.previous_table
    history = run.history(3)
    assert history_builds == ["2026-03-31"]  # only the period the run has no table for
    q3 = history.xs("2026Q3", level="period")
    assert q3["revenue"].to_dict() == current["revenue"].reindex(q3.index).to_dict()
    q2 = history.xs("2026Q2", level="period")
    assert q2["box"].to_dict() == previous["box"].astype(object).reindex(q2.index).to_dict()


def test_in_a_report_run_the_history_uses_the_previous_table_without_keeping_it(
    sample, history_builds, monkeypatch, tmp_path
):
    """Notebook 05 needs the history, not the previous period's table: in a report run
    the table is built into the run's cache (where notebook 04 finds it), read when its
    period's turn comes and let go (350 MB at 1M accounts), not built twice."""
    monkeypatch.setenv(CACHE_ENV, str(tmp_path))
    run = run_of(sample, period="2026Q3")
    history = run.history(3)
    assert history_builds == ["2026-03-31"]  # the previous period's table came from the run
    assert "previous_table" not in run.__dict__
    assert not any(name == "previous_portfolio" for name, _ in run._results)
    again = run_of(sample, period="2026Q3").previous_table  # another notebook: from cache
    q2 = history.xs("2026Q2", level="period")
    assert q2["box"].to_dict() == again["box"].astype(object).reindex(q2.index).to_dict()
    assert len(list(tmp_path.glob("previous_portfolio-*.pkl"))) == 1


def test_without_a_previous_accounts_file_past_periods_say_they_use_todays(sample):
    run = period_run(sample["transactions"], sample["accounts"], period="2026Q3")
    assert run.previous_table.attrs["accounts_as_of"] == "today's"
    history = run.history(3, snapshots={"2026Q1": run.accounts})
    as_of = history["accounts_as_of"].groupby(level="period").unique().map(list).to_dict()
    assert as_of == {"2026Q1": ["snapshot"], "2026Q2": ["today's"], "2026Q3": ["current"]}


def test_an_hours_plan_needs_an_hour_cost_before_any_model_is_fitted(sample, monkeypatch):
    run = run_of(sample, period="2026Q3")
    _ = run.portfolio
    monkeypatch.setattr(run, "uplift_model", lambda **_: pytest.fail("fitted first"))
    run.rates = {"account_drivers": {"kam_hours": 0}}
    with pytest.raises(ConfigError, match="hour-cost"):
        run.hours_plan()


def test_the_hours_plan_is_a_year_priced_at_the_cost_rates_hour(sample):
    run = run_of(sample, period="2026Q3")
    plan, notes = run.hours_plan()
    assert plan.hour_cost == 65.0 and plan.basis["horizon_months"] == 12
    assert "net_gain" in plan.totals and "optimal_budget_hours" in plan.totals
    assert "Purchase model" in notes[0]
    plan, _ = run.hours_plan(budget_hours=100, hour_cost=40.0, growth_capture=0.1)
    assert plan.hour_cost == 40.0 and plan.basis["growth_capture"] == 0.1


def test_a_rolled_up_run_evaluates_the_fits_without_this_runs_per_account_tables(
    sample, monkeypatch, tmp_path
):
    """Notebook 06 rolls the run up to global accounts: it needs this run's fitted models,
    not its summary, P&L and values (450 MB at 1M accounts). The choice's fits go into the
    report's cache when the model is chosen; another notebook loads only them."""
    monkeypatch.setenv(CACHE_ENV, str(tmp_path))
    name, full, draws, _ = run_of(sample, period="2026Q3").uplift_model()
    again = run_of(sample, period="2026Q3")  # another notebook of the report

    def refit(*args, **kwargs):
        raise AssertionError("the fits come from the cache: nothing is chosen or fitted")

    monkeypatch.setattr(period_module, "pick_uplift_run", refit)
    fits_name, fits, fits_draws, _ = again.uplift_fits()
    assert (fits_name, fits_draws) == (name, draws)
    assert fits.summary is None and fits.pnl is None and fits.value is None
    assert fits.purchases.params_.equals(full.purchases.params_)
    assert not any(step in ("value", "uplift_model") for step, _ in again._results)


def test_in_a_report_run_the_portfolio_needs_only_the_chosen_models_values(
    sample, monkeypatch, tmp_path
):
    """Notebooks 05 and 06 build or load the portfolio, whose account health is the chosen
    model's per-account value: they load that value (100 MB at 1M accounts), not the
    model's whole run with its summary and P&L (450 MB)."""
    monkeypatch.setenv(CACHE_ENV, str(tmp_path))
    name, full, _, _ = run_of(sample, period="2026Q3").uplift_model()  # notebook 03 chooses
    again = run_of(sample, period="2026Q3")  # notebook 05
    monkeypatch.setattr(
        period_module, "pick_uplift_run", lambda *a, **k: pytest.fail("chosen again")
    )
    table = again.portfolio.table_
    history = again.history(2)
    assert not any(step in ("value", "uplift_model") for step, _ in again._results)
    assert again.uplift_value().table.equals(full.value.table)
    assert set(history.index.get_level_values("period")) == {"2026Q2", "2026Q3"}
    monkeypatch.undo()  # outside a report run: the same table
    pd.testing.assert_frame_equal(table, run_of(sample, period="2026Q3").portfolio.table_)


def test_in_a_report_run_the_first_to_need_the_model_chooses_it_and_shares_its_parts(
    sample, monkeypatch, tmp_path
):
    """Whichever notebook first needs the purchase model chooses it, here through the
    portfolio (the model's name and values): the parts others need alone go into the
    cache, without the run waiting on a cache entry it holds itself, and the run keeps
    only the part it needs, not the model's whole run."""
    monkeypatch.setenv(CACHE_ENV, str(tmp_path))
    run = run_of(sample, period="2026Q3")
    worker = threading.Thread(target=lambda: run.portfolio, daemon=True)
    worker.start()
    worker.join(timeout=300)
    assert not worker.is_alive(), "the run waits for itself"
    cached = {path.name.split("-")[0] for path in tmp_path.glob("*.pkl")}
    assert {"uplift_fits", "uplift_value", "portfolio"} <= cached
    assert not any(step in ("value", "uplift_model") for step, _ in run._results)


def test_in_a_report_run_a_notebook_holds_one_copy_of_the_models_values(
    sample, monkeypatch, tmp_path
):
    """Notebook 00 loads the portfolio (with the model's values from the cache), then the
    model's whole run: the values it holds are then the run's, not a second copy."""
    monkeypatch.setenv(CACHE_ENV, str(tmp_path))
    run_of(sample, period="2026Q3").uplift_model()  # notebook 03 chooses
    again = run_of(sample, period="2026Q3")
    _ = again.portfolio
    _, full, _, _ = again.uplift_model()
    assert again.uplift_value() is full.value


def test_the_portfolio_and_the_runs_pnl_share_one_twelve_month_pnl(sample, monkeypatch):
    run = run_of(sample, period="2026Q3")
    _ = run.portfolio
    monkeypatch.setattr(pnl_module, "customer_pnl", lambda *a, **k: pytest.fail("computed again"))
    shared = run.pnl("12M")
    monkeypatch.undo()
    fresh = pnl_module.customer_pnl(
        run.transactions, run.accounts, until=run.end, window="12M", rates=run.rates
    )
    pd.testing.assert_frame_equal(shared, fresh)
    assert (
        shared["net_revenue"]
        .reindex(run.portfolio.table_.index)
        .fillna(0.0)
        .equals(run.portfolio.table_["revenue"])
    )


@pytest.mark.parametrize("report_run", [False, True])
def test_every_models_value_run_shares_one_pnl_over_all_history(
    sample, monkeypatch, tmp_path, report_run
):
    """The P&L over all history does not depend on the purchase model: the value runs of
    the three models compute it once, and it is the run's own ``pnl(None)``."""
    if report_run:
        monkeypatch.setenv(CACHE_ENV, str(tmp_path))
    calls = []
    original = pnl_module.customer_pnl

    def counted(*args, **kwargs):
        calls.append(kwargs.get("window"))
        return original(*args, **kwargs)

    run = run_of(sample, period="2026Q3")
    with monkeypatch.context() as patched:
        patched.setattr(pnl_module, "customer_pnl", counted)
        runs = [run.value(model) for model in ("bgnbd", "mbgnbd", "pareto-nbd")]
    assert calls == [None]
    for other in runs[1:]:
        pd.testing.assert_frame_equal(other.pnl, runs[0].pnl)
    fresh = original(
        run.transactions, run.accounts, until=runs[0].summary.attrs["until"], rates=run.rates
    )
    pd.testing.assert_frame_equal(runs[0].pnl, fresh)
    _ = run.portfolio  # its end, which run.pnl keys on (and its 12-month P&L)
    monkeypatch.setattr(pnl_module, "customer_pnl", lambda *a, **k: pytest.fail("computed again"))
    pd.testing.assert_frame_equal(run.pnl(None), fresh)  # the same entry


def test_the_portfolio_table_counts_the_accounts_whose_cost_of_goods_was_assumed(sample):
    run = run_of(sample, period="2026Q3")
    pnl = run.pnl("12M")
    assumed = run.portfolio.table_.attrs["cost_of_goods_assumed"]
    assert assumed == pnl.attrs["cost_of_goods_assumed"]
    assert assumed["accounts"] == int(pnl["cost_of_goods_basis"].astype(object).ne("data").sum())
    assert (assumed["of"], assumed["margin_share"]) == (len(pnl), 0.25)
