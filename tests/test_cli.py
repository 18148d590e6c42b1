"""The kamlab command: help, exit codes, JSON counts, files written."""

import json

import pandas as pd
import pytest

from kamlab.cli import main

GOOD = "CustomerID,InvoiceDate,InvoiceNo,Quantity,UnitPrice\n1,2026-01-05,I1,2,3\n1,2026-02-05,I2,1,3\n,2026-01-05,I3,1,1\n"


@pytest.mark.parametrize("command", ["sample", "validate", "summarize", "report", "segment"])
def test_every_command_explains_itself_with_an_example(command, capsys):
    with pytest.raises(SystemExit) as exit_:
        main([command, "--help"])
    assert exit_.value.code == 0
    assert "example" in capsys.readouterr().out


def test_validate_json_counts_every_row(write, capsys):
    assert main(["validate", str(write("t.csv", GOOD)), "--json"]) == 0
    counts = json.loads(capsys.readouterr().out)
    assert counts == {
        "read": 3,
        "accepted": 2,
        "quarantined": 1,
        "by_reason": {"missing_account_id": 1},
    }


def test_validate_prints_the_recognised_mapping(write, capsys):
    main(["validate", str(write("t.csv", GOOD))])
    out = capsys.readouterr().out
    assert "account_id <- 'CustomerID' (recognised)" in out


SUPERSTORE = (  # the layout of a widely used retail sample: order lines with a profit
    "Row ID,Order ID,Order Date,Customer ID,Customer Name,Product ID,Sales,Quantity,Profit\n"
    "1,CA-2016-152156,11/8/2016,CG-12520,Claire Gute,FUR-BO-10001798,261.96,2,41.9136\n"
)


def test_a_line_profit_column_is_recognised_as_the_gross_margin(write, capsys):
    main(["validate", str(write("superstore.csv", SUPERSTORE))])
    out = capsys.readouterr().out
    for role, column in [
        ("account_id", "Customer ID"),
        ("date", "Order Date"),
        ("revenue", "Sales"),
        ("order_id", "Order ID"),
        ("gross_margin", "Profit"),
        ("account_name", "Customer Name"),
    ]:
        assert f"{role} <- '{column}' (recognised)" in out


def test_summarize_writes_summary_panel_and_quarantine(write, tmp_path):
    out = tmp_path / "s.csv"
    code = main(
        [
            "summarize",
            str(write("t.csv", GOOD)),
            "--until",
            "2026-03-01",
            "--out",
            str(out),
            "--panel",
            str(tmp_path / "p.csv"),
        ]
    )
    assert code == 0
    summary = pd.read_csv(out, index_col="account_id")
    assert summary.loc[1, "frequency"] == 1
    assert (tmp_path / "p.csv").exists()
    quarantine = pd.read_csv(tmp_path / "s_quarantine.csv")
    assert quarantine["reason"].tolist() == ["missing_account_id"]


def test_today_option_judges_future_dates_against_that_day(write, capsys):
    path = str(write("t.csv", GOOD))
    assert main(["validate", path, "--json", "--today", "2026-01-31"]) == 0
    counts = json.loads(capsys.readouterr().out)
    assert counts["by_reason"] == {"missing_account_id": 1, "date_in_future": 1}  # 2026-02-05
    assert counts["read"] == counts["accepted"] + counts["quarantined"]


def test_today_option_that_is_not_a_date_is_a_usage_error(write, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["validate", str(write("t.csv", GOOD)), "--today", "someday"])
    assert exit_.value.code == 2
    assert "'someday' is not a date such as 2026-09-30" in capsys.readouterr().err


def test_column_option_maps_a_renamed_column(write, capsys):
    path = write("t.csv", "Kunde,Datum,Betrag\nK1,2026-01-05,10\n")
    code = main(
        [
            "validate",
            str(path),
            "--column",
            "account_id=Kunde",
            "--column",
            "date=Datum",
            "--column",
            "revenue=Betrag",
            "--json",
        ]
    )
    assert code == 0 and json.loads(capsys.readouterr().out)["accepted"] == 1


@pytest.mark.parametrize(
    "args, message",
    [
        (["validate", "nope.csv"], "no such file"),
        (["summarize", "EMPTY", "--out", "x.csv"], "empty"),
        (["validate", "GOOD", "--column", "account_id"], "expected ROLE=COLUMN"),
        (["validate", "GOOD", "--column", "colour=x"], "unknown role 'colour'"),
        (["summarize", "GOOD", "--until", "someday", "--out", "x.csv"], "--until 'someday'"),
        (["sample", "--accounts", "0", "--out", "s"], "--accounts must be a positive integer"),
        (["sample", "--prospects", "1.5", "--out", "s"], "--prospects must be in [0, 1)"),
    ],
)
def test_bad_input_exits_2_with_a_one_line_reason(args, message, write, capsys):
    paths = {"EMPTY": str(write("e.csv", "")), "GOOD": str(write("g.csv", GOOD))}
    code = main([paths.get(a, a) for a in args])
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert message in err and "\n" not in err and "Traceback" not in err


def test_sample_writes_customers_then_prospects(tmp_path, capsys):
    code = main(["sample", "--accounts", "40", "--prospects", "0.1", "--out", str(tmp_path)])
    assert code == 0
    accounts = pd.read_csv(tmp_path / "accounts.csv")
    truth = pd.read_csv(tmp_path / "truth.csv")
    bought = pd.read_csv(tmp_path / "transactions.csv").account_id.unique()
    assert len(accounts) == 44 and list(truth.account_id[truth.prospect]) == [
        f"A{k:04d}" for k in range(41, 45)
    ]
    assert set(bought) == set(truth.account_id[~truth.prospect])


def _imports(path):
    """The modules a source file imports (``from kamlab import cli`` counts as kamlab.cli)."""
    import ast

    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            yield node.module
            yield from (f"{node.module}.{alias.name}" for alias in node.names)


def test_the_cli_is_a_leaf_nothing_else_imports_argparse_or_it():
    from pathlib import Path

    import kamlab

    package = Path(kamlab.__file__).parent
    offenders = [
        f"{path.relative_to(package.parent)}: {name}"
        for path in sorted(package.rglob("*.py"))
        if path.parent.relative_to(package).parts[:1] != ("cli",)
        and path != package / "__main__.py"  # python -m kamlab: the one way in from above
        for name in _imports(path)
        if name == "argparse"
        or name.startswith("argparse.")
        or name == "kamlab.cli"
        or name.startswith("kamlab.cli.")
    ]
    assert offenders == []


@pytest.mark.parametrize(
    "command, option",
    [("portfolio", "--config"), ("pnl", "--cost-rates"), ("allocate", "--cost-rates")],
)
def test_a_mistake_in_a_config_file_stops_the_run_before_the_data_is_read(
    command, option, tmp_path, capsys
):
    bad = tmp_path / "bad.yaml"
    bad.write_text("attractiveness: [1, 2]\n" if option == "--config" else "order: [1, 2]\n")
    never_read = tmp_path / "missing.csv"  # reading it first would be a different error
    argv = [command, str(never_read), option, str(bad), "--out", str(tmp_path / "o.csv")]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and str(bad) in err and "no such file" not in err
