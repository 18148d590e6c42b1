"""``kamlab value``, ``kamlab uplift`` and ``kamlab pnl`` (kamlab.cli.value)."""

import re

import numpy as np
import pandas as pd
import pytest

import kamlab.cli as cli
from kamlab.datasets import make_sample
from kamlab.io import read_ids
from kamlab.presentation.uplift import TOTAL_ROW


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> dict:
    """A generated portfolio of 60 accounts: transactions.csv, accounts.csv."""
    return make_sample(60, seed=0).write(tmp_path_factory.mktemp("sample"))


def run(capsys, *argv) -> tuple[int, str, str]:
    code = cli.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def base(sample, command: str) -> list:
    return [command, sample["transactions"], "--accounts", sample["accounts"]]


@pytest.mark.parametrize("command", ["value", "uplift", "pnl"])
def test_every_value_command_explains_itself_with_an_example(command, capsys):
    with pytest.raises(SystemExit) as exit_:
        cli.main([command, "--help"])
    assert exit_.value.code == 0
    assert "example" in capsys.readouterr().out


# --------------------------------------------------------------------------- pnl


def test_pnl_writes_one_row_per_account_and_prints_the_whale(sample, tmp_path, capsys):
    out = tmp_path / "pnl.csv"
    code, stdout, err = run(capsys, *base(sample, "pnl"), "--window", "12M", "--out", out)
    assert code == 0, err
    pnl = pd.read_csv(out, index_col="account_id")
    assert pnl.index.is_unique and len(pnl) > 0
    expected = pnl["gross_margin"] - pnl["cost_to_serve"]
    assert pnl["contribution"].to_numpy() == pytest.approx(expected.to_numpy())
    assert "most profitable 20% of accounts" in stdout
    assert "Cooper & Kaplan" in stdout
    assert f"pnl: {len(pnl)} accounts" in err


# --------------------------------------------------------------------------- value


def test_value_writes_pnl_and_clv_per_account(sample, tmp_path, capsys):
    out = tmp_path / "value.csv"
    code, stdout, err = run(capsys, *base(sample, "value"), "--out", out)
    assert code == 0, err
    table = pd.read_csv(out, index_col="account_id")
    assert table.index.is_unique and len(table) == 60
    for column in ("account_name", "contribution", "cost_to_serve", "probability_alive", "clv"):
        assert column in table.columns
    assert table["probability_alive"].between(0, 1).all()
    # the purchase model chosen out of sample, said and shown (kamlab fit compare)
    assert "Purchase model: " in stdout and "chosen out of sample" in stdout
    assert re.search(
        r"(BG|MBG|Pareto)/NBD \((bgnbd|mbgnbd|pareto-nbd)\) fitted on 60 accounts", stdout
    )
    assert "Gamma-Gamma (gamma-gamma) fitted on" in stdout
    assert "most profitable 20% of accounts" in stdout
    total = f"customer value GBP {table['clv'].sum():,.0f}"
    assert total in stdout


def test_value_with_pareto_nbd_and_a_pnl_window(sample, tmp_path, capsys):
    out = tmp_path / "value.csv"
    argv = [*base(sample, "value"), "--model", "pareto-nbd", "--window", "12M"]
    code, stdout, err = run(capsys, *argv, "--horizon-months", "24", "--out", out)
    assert code == 0, err
    table = pd.read_csv(out, index_col="account_id")
    assert "Pareto/NBD (pareto-nbd) fitted" in stdout
    assert "over 24 months" in stdout
    # accounts without a line in the last 12 months have a value but no P&L row
    quiet = table["net_revenue"].isna()
    assert table.loc[quiet, "clv"].notna().all()


def test_value_cost_rates_change_the_cost_to_serve(sample, tmp_path, capsys):
    rates = tmp_path / "rates.yaml"
    rates.write_text("account_drivers:\n  kam_hours: 0\n  service_calls: 0\n")
    cheap, dear = tmp_path / "cheap.csv", tmp_path / "dear.csv"
    assert run(capsys, *base(sample, "value"), "--cost-rates", rates, "--out", cheap)[0] == 0
    assert run(capsys, *base(sample, "value"), "--out", dear)[0] == 0
    cheap, dear = pd.read_csv(cheap), pd.read_csv(dear)
    assert (cheap["cts_kam_hours"] == 0).all()
    assert cheap["clv"].sum() > dear["clv"].sum()


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--discount", "-0.1"], "--discount"),
        (["--horizon-months", "0"], "--horizon-months"),
        (["--until", "not a date"], "--until"),
        (["--cost-rates", "no_such_rates.yaml"], "cost-to-serve rates"),
        (["--window", "twelve"], "window"),
    ],
)
def test_value_user_errors_exit_2_with_one_line(sample, tmp_path, capsys, options, message):
    code, _, err = run(capsys, *base(sample, "value"), *options, "--out", tmp_path / "v.csv")
    assert code == 2
    last = err.strip().splitlines()[-1]
    assert last.startswith("kamlab value: error:") and message in last


# --------------------------------------------------------------------------- uplift


def test_uplift_per_account_and_total_with_interval(sample, tmp_path, capsys):
    out = tmp_path / "uplift.csv"
    argv = [*base(sample, "uplift"), "--retention-points", "5", "--draws", "20", "--seed", "3"]
    argv += ["--model", "pareto-nbd"]
    code, stdout, err = run(capsys, *argv, "--out", out)
    assert code == 0, err
    table = pd.read_csv(out, index_col="account_id")
    assert table.index[-1] == TOTAL_ROW and len(table) == 61
    accounts, total = table.iloc[:-1], table.loc[TOTAL_ROW]
    assert total["uplift"] == pytest.approx(accounts["uplift"].sum())
    assert total["clv"] == pytest.approx(accounts["clv"].sum())
    assert total["uplift_lower"] <= total["uplift_upper"]
    assert total["uplift_pct_lower"] <= total["uplift_pct_upper"]
    assert accounts["in_scenario"].eq(1).all()
    assert "5 points more retention -> " in stdout and "90% interval" in stdout
    assert "annual retention" in stdout  # pareto-nbd, as asked
    assert "Reichheld & Sasser" in stdout and "- the horizon: the value counts 36 months" in stdout
    # the same seed gives the same interval (to rounding: BLAS sums are not bit-exact)
    again = tmp_path / "again.csv"
    assert run(capsys, *argv, "--out", again)[0] == 0
    repeat = pd.read_csv(again, index_col="account_id").loc[TOTAL_ROW]
    for column in ("uplift", "uplift_lower", "uplift_upper"):
        assert repeat[column] == pytest.approx(total[column], rel=1e-9)


def test_uplift_on_key_accounts_only(sample, tmp_path, capsys):
    value = tmp_path / "value.csv"
    assert run(capsys, *base(sample, "value"), "--out", value)[0] == 0
    ids = pd.read_csv(value, index_col="account_id")["clv"].nlargest(3).index.tolist()
    ids_file = tmp_path / "ids.txt"
    ids_file.write_text("account_id\n" + "\n".join(ids) + "\n")
    for option in (["--key-accounts", ",".join(ids)], ["--accounts-only", ids_file]):
        out = tmp_path / "uplift.csv"
        argv = [*base(sample, "uplift"), *option, "--draws", "0", "--out", out]
        code, stdout, err = run(capsys, *argv)
        assert code == 0, err
        table = pd.read_csv(out, index_col="account_id").drop(TOTAL_ROW)
        assert sorted(table.index[table["in_scenario"] == 1]) == sorted(ids)
        assert (table.loc[table["in_scenario"] == 0, "uplift"] == 0).all()
        assert "(on 3 of 60 accounts)" in stdout
        assert "interval" not in stdout  # --draws 0: the estimate only


def test_uplift_bgnbd_says_when_the_rise_is_capped(sample, tmp_path, capsys):
    argv = [*base(sample, "uplift"), "--model", "bgnbd", "--draws", "0"]
    code, stdout, err = run(capsys, *argv, "--out", tmp_path / "u.csv")
    assert code == 0, err
    assert "1 - p" in stdout
    assert "capped at 99% of their dropout" in err


def test_uplift_churn_reduction(sample, tmp_path, capsys):
    argv = [*base(sample, "uplift"), "--churn-reduction", "0.2", "--draws", "0"]
    code, stdout, err = run(capsys, *argv, "--out", tmp_path / "u.csv")
    assert code == 0, err
    assert "20% less churn -> +" in stdout


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--key-accounts", "NOPE,A0001"], "not among the accounts"),
        (["--retention-points", "150"], "points must be between 0 and 100"),
        (["--draws", "-1"], "--draws"),
        (["--level", "2"], "level"),
    ],
)
def test_uplift_user_errors_exit_2_with_one_line(sample, tmp_path, capsys, options, message):
    draws = [] if "--draws" in options else ["--draws", "0"]
    code, _, err = run(
        capsys, *base(sample, "uplift"), *options, *draws, "--out", tmp_path / "u.csv"
    )
    assert code == 2
    last = err.strip().splitlines()[-1]
    assert last.startswith("kamlab uplift: error:") and message in last


def test_uplift_scenarios_are_exclusive(sample, tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_:
        cli.main(
            [*map(str, base(sample, "uplift")), "--retention-points", "5"]
            + ["--churn-reduction", "0.2", "--out", str(tmp_path / "u.csv")]
        )
    assert exit_.value.code == 2
    assert "not allowed with argument" in capsys.readouterr().err


def test_uplift_without_a_converged_model_asks_for_draws_0(tmp_path, capsys):
    # seed 2: the Pareto/NBD dropout distribution collapses (no heterogeneity to see)
    paths = make_sample(60, seed=2).write(tmp_path / "s2")
    argv = ["uplift", paths["transactions"], "--model", "pareto-nbd", "--draws", "10"]
    argv += ["--out", tmp_path / "u.csv"]
    code, _, err = run(capsys, *argv)
    assert code == 2
    assert "did not converge" in err
    assert err.strip().splitlines()[-1].endswith("use --draws 0")


def test_uplift_by_default_gives_the_estimate_alone_when_there_is_no_interval(tmp_path, capsys):
    paths = make_sample(60, seed=2).write(tmp_path / "s2")
    argv = ["uplift", paths["transactions"], "--model", "pareto-nbd", "--out", tmp_path / "u.csv"]
    code, out, _ = run(capsys, *argv)
    assert code == 0
    assert "0 parameter draws" in out
    assert "note: no interval: the fit has no covariance (Pareto/NBD: " in out
    total = pd.read_csv(tmp_path / "u.csv").set_index("account_id").loc["TOTAL"]
    assert np.isfinite(total["uplift"]) and np.isnan(total["uplift_lower"])


# --------------------------------------------------------------------------- ids


def test_read_ids_from_lines_and_csv(tmp_path):
    plain = tmp_path / "ids.txt"
    plain.write_text("A1\n\n A2 \nA1\n")
    assert read_ids(plain) == ["A1", "A2"]
    table = tmp_path / "ids.csv"
    table.write_text("name,account_id\nx,A3\ny,A4\n")
    assert read_ids(table) == ["A3", "A4"]
    empty = tmp_path / "empty.txt"
    empty.write_text("account_id\n")
    with pytest.raises(Exception, match="no account ids"):
        read_ids(empty)
