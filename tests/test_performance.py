"""KAM performance (kamlab.portfolio.performance, kamlab performance): per-account KPIs
over two years, and the programme's return against matched non-key accounts."""

import json

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

import kamlab.cli as cli
import kamlab.portfolio.performance as performance
from kamlab.datasets import make_sample
from kamlab.io import read_accounts, read_transactions
from kamlab.plots import programme_before_after
from kamlab.portfolio.measures import year_on_year_growth
from kamlab.portfolio.performance import (
    EFFECT_COLUMNS,
    KPI_COLUMNS,
    MEASURES,
    account_kpis,
    performance_table,
    programme_return,
)
from kamlab.presentation.performance import (
    balance_table,
    describe_programme_return,
    programme_return_table,
)
from kamlab.value import customer_pnl

HOUR_COST = 65.0


def synthetic(
    effect: float, *, n: int = 2000, seed: int = 1, churn: float = 0.05, drift: float = 0.0
):
    """Per-account KPIs with a KNOWN programme effect: every account has a permanent size
    and a transient shock each year; the later year has a common 5% trend; key accounts
    are selected on the earlier year's revenue (bigger, and luckier, accounts are key) and
    their later revenue and contribution are raised by ``effect``; ``churn`` of all
    accounts stop buying (at random); ``drift``: the trend's change per standard deviation
    of log size (-0.05: bigger accounts grow 5 points slower). Returns the KPI frame
    and the true gain in revenue of the key accounts (money)."""
    rng = np.random.default_rng(seed)
    size = rng.lognormal(9, 1.2, n)
    before = size * rng.lognormal(0, 0.1, n)
    margin = rng.normal(0.15, 0.04, n)
    score = (np.log(before) - 9) / 1.2 + rng.normal(0, 1, n)
    key = score > np.quantile(score, 0.9)
    alive = rng.random(n) >= churn
    trend = 1.05 + drift * (np.log(size) - 9) / 1.2
    without = size * trend * rng.lognormal(0, 0.1, n) * alive
    after = without * np.where(key, 1 + effect, 1.0)
    wallet = rng.beta(3, 6, n)
    kpis = pd.DataFrame(
        {
            "revenue_before": before,
            "revenue": after,
            "contribution_before": before * margin - 100.0 * key,
            "contribution": after * margin - 100.0 * key,
            "kam_cost_before": 100.0 * key,  # charged in the P&L, added back for the gain
            "kam_cost": 100.0 * key,
            "share_of_wallet_before": wallet,
            "share_of_wallet": wallet,
            "bought": after > 0,
            "key": key,
            "kam_hours_before": np.where(key, 100.0, 0.0),
            "industry": rng.choice(["Retail", "Healthcare", "Automotive"], n),
        },
        index=pd.Index([f"A{i:05d}" for i in range(n)], name="account_id"),
    )
    kpis.attrs.update(currency="GBP", windows={"before_end": "2025-09-30", "end": "2026-09-30"})
    return kpis, float((after - without)[key].sum())


# --------------------------------------------------------------------- the estimator


def test_a_known_ten_percent_gain_is_recovered_within_its_interval():
    kpis, true_gain = synthetic(0.10)
    result = programme_return(kpis, hour_cost=HOUR_COST, seed=0)
    revenue = result.estimates.loc["revenue"]
    assert result.refused is None and not result.too_few
    assert revenue["total_low"] <= true_gain <= revenue["total_high"]
    assert revenue["relative_low"] <= 0.10 <= revenue["relative_high"]
    contribution = result.estimates.loc["contribution"]
    assert contribution["total_low"] <= true_contribution_gain(kpis, 0.10)
    assert true_contribution_gain(kpis, 0.10) <= contribution["total_high"]


def true_contribution_gain(kpis, effect: float) -> float:
    """The key accounts' contribution gained with ``effect`` on their later revenue (the
    synthetic margin is the same both years)."""
    k = kpis[kpis["key"]]
    margin = (k["contribution_before"] + k["kam_cost_before"]) / k["revenue_before"]
    return float((margin * k["revenue"] * effect / (1 + effect)).sum())


def test_without_random_churn_the_interval_tells_a_ten_percent_gain_from_none():
    """Churn of big accounts is most of the noise; without it the gain is found."""
    kpis, true_gain = synthetic(0.10, churn=0.0)
    estimates = programme_return(kpis, hour_cost=HOUR_COST).estimates
    revenue = estimates.loc["revenue"]
    assert 0 < revenue["relative_low"] <= 0.10 <= revenue["relative_high"]
    assert revenue["total_low"] <= true_gain <= revenue["total_high"]
    assert estimates.loc["contribution", "low"] > 0


def test_no_programme_effect_is_not_found_significant():
    kpis, true_gain = synthetic(0.0)
    assert true_gain == 0
    result = programme_return(kpis, hour_cost=HOUR_COST, seed=0)
    for measure in ("revenue", "contribution", "retention"):
        e = result.estimates.loc[measure]
        assert e["low"] <= 0 <= e["high"], measure
    assert result.estimates.loc["share_of_wallet", "effect"] == pytest.approx(0.0)


def test_matching_balances_what_selection_unbalanced():
    kpis, _ = synthetic(0.0)
    result = programme_return(kpis, hour_cost=HOUR_COST)
    b = result.balance
    assert b.loc["log_revenue_before", "smd_before"] > 1.0  # key accounts were the big ones
    assert abs(b.loc["log_revenue_before", "smd_after"]) < 0.1
    assert abs(b.loc["margin_before", "smd_after"]) < 0.1


def test_the_naive_comparison_is_biased_where_matching_is_not():
    """Bigger accounts grow more slowly and key accounts are the big ones: against all
    non-key accounts they seem to lose revenue; against matched ones they do not."""
    kpis, _ = synthetic(0.0, churn=0.0, drift=-0.05)
    growth = kpis["revenue"] / kpis["revenue_before"]
    naive = growth[kpis["key"]].mean() - growth[~kpis["key"]].mean()
    e = programme_return(kpis, hour_cost=HOUR_COST).estimates.loc["revenue"]
    assert naive < e["relative_low"] <= 0 <= e["relative_high"]


def test_return_on_kam_investment_is_the_contribution_gain_less_the_hours_cost():
    kpis, _ = synthetic(0.10)
    result = programme_return(kpis, hour_cost=HOUR_COST)
    hours = kpis.loc[result.effects.index, "kam_hours_before"].sum()
    assert result.kam_hours == pytest.approx(hours)
    assert result.kam_cost == pytest.approx(hours * HOUR_COST)
    gain = result.estimates.loc["contribution", "total"]
    assert result.contribution_gain == pytest.approx(gain)
    assert result.roi == pytest.approx((gain - result.kam_cost) / result.kam_cost)
    assert result.roi_low <= result.roi <= result.roi_high


def test_the_bootstrap_is_seeded():
    kpis, _ = synthetic(0.05, n=600)
    one = programme_return(kpis, hour_cost=HOUR_COST, seed=7, draws=300)
    two = programme_return(kpis, hour_cost=HOUR_COST, seed=7, draws=300)
    pd.testing.assert_frame_equal(one.estimates, two.estimates)


def test_the_bootstrap_does_not_depend_on_how_many_draws_are_computed_at_once(monkeypatch):
    kpis, _ = synthetic(0.05, n=600)
    monkeypatch.setattr(performance, "_CHUNK", 7)
    small = programme_return(kpis, hour_cost=HOUR_COST, seed=7, draws=300).estimates
    monkeypatch.setattr(performance, "_CHUNK", 1000)
    whole = programme_return(kpis, hour_cost=HOUR_COST, seed=7, draws=300).estimates
    pd.testing.assert_frame_equal(small, whole)
    other = programme_return(kpis, hour_cost=HOUR_COST, seed=8, draws=300).estimates
    assert other.loc["revenue", "low"] != whole.loc["revenue", "low"]


def test_the_bootstrap_resamples_key_accounts_and_poisson_weighs_comparison_accounts():
    keys, controls = performance._resample(np.random.default_rng(0), 50, 400, 2000)
    assert keys.shape == (50, 2000) and (keys.sum(axis=0) == 50).all()  # multinomial
    assert controls.shape == (400, 2000)
    assert controls.mean() == pytest.approx(1.0, abs=0.01)  # Poisson(1): mean = variance = 1
    assert controls.var() == pytest.approx(1.0, abs=0.02)
    assert (controls == 0).mean() == pytest.approx(np.exp(-1), abs=0.005)
    # independent across comparison accounts: a draw's total varies as Poisson(400) does
    assert controls.sum(axis=0).var() / 400 == pytest.approx(1.0, abs=0.15)


def small_outcomes():
    """Six key accounts with two matches each among five comparison accounts; a match
    without a value, and a key account without its own change, in one measure."""
    rng = np.random.default_rng(3)
    m, n = 6, 5
    slot, which, weight = np.repeat(np.arange(m), 2), rng.integers(0, n, 2 * m), np.full(12, 0.5)
    revenue_values, revenue_change = rng.normal(size=12), rng.normal(size=m)
    revenue_values[3] = np.nan
    revenue_change[4] = np.nan
    outcomes = {
        "revenue": (revenue_change, rng.uniform(1, 2, m), revenue_values),
        "retention": (rng.normal(size=m), np.ones(m), rng.normal(size=12)),
    }
    return outcomes, slot, which, weight, m, n


def test_each_key_accounts_effect_is_its_change_less_the_weighted_mean_of_its_matches():
    outcomes, slot, which, weight, m, n = small_outcomes()
    matrix, blocks = performance._pair_sums(outcomes, slot, which, weight, m, n)
    reweight = np.random.default_rng(1).poisson(1.0, size=(n, 3)).astype(float)
    effects = performance._effects(outcomes, matrix, blocks, reweight)
    for name, (dy, scale, values) in outcomes.items():
        for i in range(m):
            for d in range(3):
                w = weight * reweight[which, d] * (slot == i) * np.isfinite(values)
                mean = (w * np.nan_to_num(values)).sum() / w.sum() if w.sum() else np.nan
                assert effects[name][i, d] == pytest.approx(dy[i] - scale[i] * mean, nan_ok=True)
    assert np.isnan(effects["revenue"][4]).all()


def test_each_bootstrap_draw_is_the_mean_effect_of_its_resampled_key_accounts():
    outcomes, slot, which, weight, m, n = small_outcomes()
    matrix, blocks = performance._pair_sums(outcomes, slot, which, weight, m, n)
    revenue = np.full(m, 10.0)
    means, ratios = performance._bootstrap(outcomes, matrix, blocks, revenue, n, 40, seed=1)
    keys, controls = performance._resample(np.random.default_rng(1), m, n, 40)
    effects = performance._effects(outcomes, matrix, blocks, controls)
    for name, b in effects.items():
        counts = np.where(np.isfinite(b), keys, 0.0)  # a draw weighs the key accounts with one
        gain = (counts * np.nan_to_num(b)).sum(axis=0)
        with np.errstate(invalid="ignore"):  # a draw may weigh none: NaN
            np.testing.assert_allclose(means[name], gain / counts.sum(axis=0))
            if name == "revenue":
                without = (counts * np.nan_to_num(revenue[:, None] - b)).sum(axis=0)
                np.testing.assert_allclose(ratios, gain / without)


def test_every_match_is_a_non_key_account_within_the_caliper():
    kpis, _ = synthetic(0.0, n=800)
    result = programme_return(kpis, hour_cost=HOUR_COST, neighbours=3, caliper=0.3)
    m = result.matches
    assert not kpis.loc[m["comparison_id"], "key"].any()
    assert kpis.loc[m["account_id"], "key"].all()
    assert (m["distance"] <= 0.3).all()
    assert m.groupby("account_id").size().max() <= 3
    assert m.groupby("account_id")["weight"].sum().to_numpy() == pytest.approx(1.0)
    # the unmatched are the key accounts without a match, and are said
    key = set(kpis.index[kpis["key"]])
    assert set(result.unmatched) == key - set(m["account_id"])


def test_without_non_key_accounts_it_refuses_with_a_note():
    kpis, _ = synthetic(0.0, n=300)
    kpis["key"] = True
    result = programme_return(kpis, hour_cost=HOUR_COST)
    assert result.refused and "no non-key accounts" in result.refused
    assert result.estimates.empty
    text = describe_programme_return(result)
    assert "No programme return" in text and "no non-key accounts" in text


def test_a_handful_of_comparable_accounts_is_flagged_as_too_few():
    kpis, _ = synthetic(0.0, n=60, seed=3)
    result = programme_return(kpis, hour_cost=HOUR_COST)
    assert result.too_few
    assert "too few" in describe_programme_return(result)


def test_the_reader_sees_the_caveat_the_measures_and_the_return():
    kpis, _ = synthetic(0.10)
    result = programme_return(kpis, hour_cost=HOUR_COST)
    text = describe_programme_return(result)
    assert "association, not proof" in text
    assert "Return on KAM investment" in text and "GBP 65.00 an hour" in text
    table = programme_return_table(result)
    assert list(table["Measure"])[:2] == ["Net revenue", "Contribution before KAM time"]
    assert "Difference after matching (SMD)" in balance_table(result).columns
    fig, ax = plt.subplots()
    assert programme_before_after(result, "revenue", ax=ax) is ax
    plt.close(fig)


# --------------------------------------------------------------------- on the sample


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> dict:
    return make_sample(200, seed=5).write(tmp_path_factory.mktemp("sample"))


@pytest.fixture(scope="module")
def kpis(sample):
    accounts = read_accounts(sample["accounts"])
    tx = read_transactions(sample["transactions"], accounts=accounts.data)
    previous = read_accounts(sample["accounts_previous"])
    return tx, account_kpis(tx, accounts, previous, until="2026-09-30")


def test_kpis_are_the_portfolio_year_against_the_year_before(kpis):
    tx, k = kpis
    assert list(k.columns) == [c for c in KPI_COLUMNS if c in k.columns] + ["industry"]
    assert set(KPI_COLUMNS) <= set(k.columns)
    assert k.attrs["windows"] == {
        "before_start": "2024-10-01",
        "before_end": "2025-09-30",
        "start": "2025-10-01",
        "end": "2026-09-30",
    }
    now = customer_pnl(tx, until="2026-09-30", window="12M")
    pd.testing.assert_series_equal(
        k.loc[now.index, "revenue"], now["net_revenue"], check_names=False
    )
    before = customer_pnl(tx, until="2025-09-30", window="12M")
    assert k.loc[before.index, "revenue_before"].to_numpy() == pytest.approx(
        before["net_revenue"].to_numpy()
    )
    growth = year_on_year_growth(tx, k.index, "2026-09-30")
    pd.testing.assert_series_equal(k["revenue_growth"], growth, check_names=False)
    assert (k["retained"] == (k["bought_before"] & k["bought"])).all()
    assert k["key"].sum() == (k["kam_hours_before"] > 0).sum() > 0
    steps = k["stage_change_steps"].dropna()
    assert steps.between(-4, 4).all() and (steps != 0).any()


def test_the_output_table_holds_key_accounts_and_their_matches(kpis):
    _, k = kpis
    result = programme_return(k, hour_cost=HOUR_COST)
    table = performance_table(k, result)
    assert list(table.columns[: len(EFFECT_COLUMNS)]) == list(EFFECT_COLUMNS)
    assert set(table.index[table["role"] == "key"]) == set(k.index[k["key"]])
    comparison = table[table["role"] == "comparison"]
    assert set(comparison.index) == set(result.matches["comparison_id"])
    assert not comparison["key"].any()


# --------------------------------------------------------------------- the command


def run(capsys, *argv) -> tuple[int, str, str]:
    code = cli.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_performance_explains_itself_with_an_example(capsys):
    with pytest.raises(SystemExit) as exit_:
        cli.main(["performance", "--help"])
    assert exit_.value.code == 0
    assert "example" in capsys.readouterr().out


def test_performance_writes_the_table_and_prints_the_return(sample, tmp_path, capsys):
    out = tmp_path / "performance.csv"
    code, stdout, err = run(
        capsys,
        "performance",
        sample["transactions"],
        "--accounts",
        sample["accounts"],
        "--previous-accounts",
        sample["accounts_previous"],
        "--period",
        "2026Q3",
        "--out",
        out,
        "--json",
    )
    assert code == 0, err
    summary = json.loads(stdout)
    table = pd.read_csv(out, dtype={"account_id": str})
    assert {"account_id", *EFFECT_COLUMNS, *KPI_COLUMNS} <= set(table.columns)
    assert summary["n_key"] == (table["role"] == "key").sum() > 0
    assert 0 < summary["n_matched"] <= summary["n_key"]
    assert summary["hour_cost"] == HOUR_COST
    assert summary["kam_cost"] == pytest.approx(summary["kam_hours"] * HOUR_COST)
    assert set(summary["estimates"]) == set(MEASURES)
    revenue = summary["estimates"]["revenue"]
    assert revenue["low"] <= revenue["effect"] <= revenue["high"]
    assert summary["roi"] == pytest.approx(
        (summary["contribution_gain"] - summary["kam_cost"]) / summary["kam_cost"]
    )
    assert (table["revenue"] >= 0).all() and table["kam_hours_before"].notna().all()


def test_performance_prints_a_summary_for_people(sample, tmp_path, capsys):
    code, stdout, _ = run(
        capsys,
        "performance",
        sample["transactions"],
        "--accounts",
        sample["accounts"],
        "--until",
        "2026-09-30",
        "--out",
        tmp_path / "p.csv",
        "--hour-cost",
        "80",
    )
    assert code == 0
    assert "return on KAM investment" in stdout and "GBP 80.00" in stdout
    assert "caveat: " in stdout and "association, not proof" in stdout


def _error(capsys, *argv) -> str:
    code, _, err = run(capsys, "performance", *argv)
    assert code == 2
    lines = err.strip().splitlines()
    assert lines[-1].startswith("kamlab performance: error: ")
    return lines[-1]


def test_accounts_without_kam_hours_are_refused_naming_the_file(sample, tmp_path, capsys):
    accounts = pd.read_csv(sample["accounts"]).drop(columns="kam_hours")
    path = tmp_path / "accounts.csv"
    accounts.to_csv(path, index=False)
    line = _error(capsys, sample["transactions"], "--accounts", path, "--out", tmp_path / "p.csv")
    assert str(path) in line and "kam_hours" in line


def test_an_hour_that_cannot_be_priced_is_refused(sample, tmp_path, capsys):
    rates = tmp_path / "rates.yaml"
    rates.write_text("account_drivers:\n  kam_hours: 0\n")
    line = _error(
        capsys,
        sample["transactions"],
        "--accounts",
        sample["accounts"],
        "--cost-rates",
        rates,
        "--out",
        tmp_path / "p.csv",
    )
    assert "--hour-cost" in line


@pytest.mark.parametrize(
    ("options", "words"),
    [
        (["--period", "2024Q4"], "must reach back"),
        (["--neighbours", "0"], "--neighbours"),
        (["--caliper", "-1"], "--caliper"),
    ],
)
def test_other_bad_input_is_one_line(sample, tmp_path, capsys, options, words):
    line = _error(
        capsys,
        sample["transactions"],
        "--accounts",
        sample["accounts"],
        "--out",
        tmp_path / "p.csv",
        *options,
    )
    assert words in line


def test_without_accounts_it_says_what_is_needed(sample, tmp_path, capsys):
    line = _error(capsys, sample["transactions"], "--out", tmp_path / "p.csv")
    assert "--accounts" in line


def test_a_period_run_gives_the_same_kpis_and_return(sample, kpis):
    from kamlab.workflows.performance import kam_performance
    from kamlab.workflows.period import period_run

    run = period_run(
        sample["transactions"], sample["accounts"], sample["accounts_previous"], period="2026Q3"
    )
    got, result = kam_performance(run, draws=200)
    pd.testing.assert_frame_equal(got, kpis[1])
    assert result.n_key == got["key"].sum() and result.hour_cost == HOUR_COST
    assert kam_performance(run, draws=200)[1] is result  # once per run


def _strict(text: str) -> dict:
    def refuse(name):
        raise ValueError(f"{name} in the JSON")

    return json.loads(text, parse_constant=refuse)


def test_no_key_accounts_is_said_not_estimated(sample, tmp_path, capsys):
    accounts = pd.read_csv(sample["accounts"]).assign(kam_hours=0.0)
    path = tmp_path / "accounts.csv"
    accounts.to_csv(path, index=False)
    code, stdout, err = run(
        capsys,
        "performance",
        sample["transactions"],
        "--accounts",
        path,
        "--out",
        tmp_path / "p.csv",
        "--json",
    )
    assert code == 0, err
    summary = _strict(stdout)
    assert summary["n_key"] == 0 and "no key accounts" in summary["refused"]
    assert summary["estimates"] == {} and summary["roi"] is None


def test_the_chart_is_drawn_and_the_json_holds_no_nan(sample, tmp_path, capsys):
    chart = tmp_path / "return.png"
    code, stdout, err = run(
        capsys,
        "performance",
        sample["transactions"],
        "--accounts",
        sample["accounts"],
        "--out",
        tmp_path / "p.csv",
        "--chart",
        chart,
        "--draws",
        "200",
        "--json",
    )
    assert code == 0, err
    assert chart.stat().st_size > 10_000
    summary = _strict(stdout)
    assert summary["estimates"]["share_of_wallet"]["n"] == 0  # no previous accounts file
    assert any("no previous accounts file" in n for n in summary["notes"])


def test_key_accounts_that_never_stop_buying_are_flagged():
    """Hours withdrawn from accounts that stopped buying before the start's file was
    written make every key account a buyer: the retention gain is then partly built in."""
    kpis, _ = synthetic(0.0, n=800)
    assert not programme_return(kpis, hour_cost=HOUR_COST).all_key_still_buy
    kpis.loc[kpis["key"], "bought"] = True
    kpis.loc[kpis["key"], "revenue"] = kpis["revenue"].clip(lower=1.0)
    result = programme_return(kpis, hour_cost=HOUR_COST)
    assert result.all_key_still_buy
    assert "built in" in describe_programme_return(result)
