"""``kamlab portfolio`` and ``kamlab allocate`` (kamlab.cli.portfolio)."""

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


def test_allocate_moves_todays_hours_and_never_exceeds_them(sample, tmp_path, capsys):
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
