"""``kamlab portfolio`` and ``kamlab allocate`` (kamlab.cli.portfolio)."""

import json

import pandas as pd
import pytest

import kamlab.cli as cli
from kamlab.datasets import make_sample

FORMULA = '=HYPERLINK("http://x","y")'


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> dict:
    """120 generated accounts; the largest account is renamed to a formula."""
    s = make_sample(120, seed=1)
    biggest = s.accounts["employees"].idxmax()
    s.accounts.loc[biggest, "account_name"] = FORMULA
    return s.write(tmp_path_factory.mktemp("sample"))


def run(capsys, *argv) -> tuple[int, str, str]:
    code = cli.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("command", ["portfolio", "allocate"])
def test_each_command_explains_itself_with_an_example(command, capsys):
    with pytest.raises(SystemExit) as exit_:
        cli.main([command, "--help"])
    assert exit_.value.code == 0
    assert "example" in capsys.readouterr().out


def test_portfolio_writes_one_row_per_account_with_the_promised_columns(sample, tmp_path, capsys):
    out, chart = tmp_path / "portfolio.csv", tmp_path / "matrix.png"
    code, stdout, err = run(
        capsys,
        "portfolio",
        sample["transactions"],
        "--accounts",
        sample["accounts"],
        "--period",
        "2026Q3",
        "--out",
        out,
        "--chart",
        chart,
    )
    assert code == 0, err
    table = pd.read_csv(out, dtype={"account_name": str})
    for column in (
        "account_id",
        "attractiveness",
        "strength",
        "box",
        "tier",
        "stage",
        "exit_recommendation",
    ):
        assert column in table.columns
    assert table["account_id"].is_unique
    assert set(table["box"]) <= {"Strategic", "Star", "Status", "Streamline"}
    assert table["attractiveness"].between(1, 10).all() and table["strength"].between(1, 10).all()
    assert "boxes: Strategic" in stdout and "tiers: key" in stdout
    assert chart.stat().st_size > 10_000
    # An account name that is a formula is written as inert text.
    assert "'" + FORMULA in set(table["account_name"])


def test_portfolio_without_accounts_falls_back_and_says_so(sample, tmp_path, capsys):
    out = tmp_path / "portfolio.csv"
    code, _, err = run(capsys, "portfolio", sample["transactions"], "--out", out)
    assert code == 0, err
    assert "falls back" in err and "stages are unknown" in err


def test_a_criteria_file_with_bad_weights_stops_with_a_one_line_reason(sample, tmp_path, capsys):
    config = tmp_path / "criteria.yaml"
    config.write_text("strength:\n  quality: {weight: 90, judgement: quality}\n", encoding="utf-8")
    code, _, err = run(
        capsys,
        "portfolio",
        sample["transactions"],
        "--config",
        config,
        "--out",
        tmp_path / "p.csv",
    )
    assert code == 2
    assert "strength weights sum to 90, not 100" in err


def test_allocate_moves_todays_hours_never_exceeds_them_and_prices_them_in_words(
    sample, tmp_path, capsys
):
    out = tmp_path / "hours.csv"
    code, stdout, err = run(
        capsys,
        "allocate",
        sample["transactions"],
        "--accounts",
        sample["accounts"],
        "--period",
        "2026Q3",
        "--out",
        out,
    )
    assert code == 0, err
    plan = pd.read_csv(out)
    assert plan["hours"].sum() <= plan["current_hours"].sum() * (1 + 1e-9)
    assert plan["expected_gain"].sum() >= plan["current_gain"].sum()
    assert set(plan["tier"]) <= {"key", "key development"}
    assert "Allocating" in stdout
    assert "hours a year; an hour costs GBP 65.00" in stdout
    assert "At GBP 65.00 an hour (the loaded rate)" in stdout and "a net gain of GBP" in stdout
    assert "The budget at which the last hour earns its cost is" in stdout
    assert "Today's" in stdout and "Value at stake is" in stdout


def test_allocate_needs_an_hour_cost_when_the_rates_charge_none(sample, tmp_path, capsys):
    rates = tmp_path / "rates.yaml"
    rates.write_text("account_drivers:\n  kam_hours: 0\n", encoding="utf-8")
    argv = ["allocate", sample["transactions"], "--accounts", sample["accounts"]]
    argv += ["--period", "2026Q3", "--cost-rates", rates, "--out", tmp_path / "h.csv"]
    code, _, err = run(capsys, *argv)
    assert code == 2 and "--hour-cost" in err and "kam_hours" in err
    code, out, err = run(capsys, *argv, "--hour-cost", "50", "--json")
    assert code == 0, err
    assert json.loads(out)["hour_cost"] == 50.0


@pytest.fixture(scope="module")
def sample_600(tmp_path_factory) -> dict:
    return make_sample(600, seed=11).write(tmp_path_factory.mktemp("sample600"))


def test_at_the_optimal_budget_the_last_hour_earns_its_cost(sample_600, tmp_path, capsys):
    """Issue 14's must-show: --json gives hour_cost, optimal_budget_hours, gain, net_gain;
    run again with --hours at the optimal budget, the last funded hour earns its cost."""

    def allocate(*extra) -> dict:
        code, out, err = run(
            capsys,
            "allocate",
            sample_600["transactions"],
            "--accounts",
            sample_600["accounts"],
            "--period",
            "2026Q3",
            "--out",
            tmp_path / "hours.csv",
            "--json",
            *extra,
        )
        assert code == 0, err
        return json.loads(out)

    today = allocate()
    for key in ("hour_cost", "optimal_budget_hours", "gain", "net_gain", "budget_hours"):
        assert isinstance(today[key], float)
    for key in ("hours_used", "marginal_gain_last_hour", "current_hours", "current_net_gain"):
        assert isinstance(today[key], float)
    assert today["model"] in {"BG/NBD", "MBG/NBD", "Pareto/NBD"} and today["currency"] == "GBP"
    assert today["hour_cost"] == 65.0  # kamlab/cost_to_serve.yaml
    assert today["net_gain"] == pytest.approx(today["gain"] - today["hours_used"] * 65.0)
    assert today["optimal_budget_hours"] > 0

    best = allocate("--hours", repr(today["optimal_budget_hours"]))
    assert best["budget_hours"] == pytest.approx(today["optimal_budget_hours"])
    assert best["marginal_gain_last_hour"] == pytest.approx(best["hour_cost"], rel=0.05)
    assert best["net_gain"] == pytest.approx(today["optimal_budget_net_gain"], rel=1e-6)
    assert best["net_gain"] >= today["net_gain"] and best["net_gain"] >= today["current_net_gain"]
    plan = pd.read_csv(tmp_path / "hours.csv")
    assert plan["hours"].sum() == pytest.approx(best["budget_hours"])


def test_a_period_the_data_end_before_is_measured_to_their_last_day_as_in_the_report(
    sample, tmp_path, capsys
):
    lines = pd.read_csv(sample["transactions"], dtype=str)
    short = tmp_path / "to_10_september.csv"
    lines[lines["date"] <= "2026-09-10"].to_csv(short, index=False)
    last = lines.loc[lines["date"] <= "2026-09-10", "date"].max()
    out = tmp_path / "portfolio.csv"
    code, stdout, err = run(capsys, "portfolio", short, "--period", "2026Q3", "--out", out)
    assert code == 0, err
    assert f"note: the data end on {last}, before 2026Q3 does: figures are to {last}" in err
    assert f"12 months to {last}" in stdout
    code, _, err = run(capsys, "portfolio", short, "--period", "2026Q4", "--out", out)
    assert code == 2 and err.strip().endswith(
        f"the transactions end on {last}, before 2026Q4 begins: report a period the data "
        "reach, such as 2026Q3 (--period)"
    )


def test_a_wrong_period_stops_the_command_before_the_transactions_are_read(
    sample, tmp_path, capsys, monkeypatch
):
    import kamlab.cli.options as options

    monkeypatch.setattr(options, "read_input", lambda args: pytest.fail("read before checking"))
    argv = ["portfolio", sample["transactions"], "--period", "2026Q5", "--out", tmp_path / "p.csv"]
    code, _, err = run(capsys, *argv)
    assert code == 2 and len(err.strip().splitlines()) == 1
