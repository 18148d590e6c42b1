"""The command line's engines and database sources: --engine, --table, URLs and passwords.

The end-to-end runs on Spark and PostgreSQL (same summary as the default engine) are in
test_engine_parity.py; here: the checks that stop a run before anything is read.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from kamlab.cli import build_parser, main
from kamlab.cli.options import reading_options, source_options
from kamlab.errors import ConfigError
from kamlab.io.engine import redact, refuse_password
from kamlab.publish.build import report_facts
from kamlab.report import run_report

SECRET = "s3cr3t-Pa55"
URL = "postgresql://analyst@127.0.0.1:5432/sales"
READERS = ["validate", "summarize", "segment", "portfolio", "value", "pnl", "uplift"]


def run(argv, capsys) -> tuple[int, str]:
    code = main(argv)
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def test_help_imports_no_engine_and_no_pandas():
    """``kamlab --help`` and a command's help stay fast: no engine is imported to show them."""
    code = (
        "import sys\n"
        "from kamlab.cli import main\n"
        "for argv in (['--help'], ['summarize', '--help']):\n"
        "    try:\n"
        "        main(argv)\n"
        "    except SystemExit:\n"
        "        pass\n"
        "heavy = ('ibis', 'pyspark', 'duckdb', 'psycopg', 'sqlglot', 'pandas', 'numpy')\n"
        "print('IMPORTED', [m for m in heavy if m in sys.modules])\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert "IMPORTED []" in out
    assert "--engine {duckdb,spark}" in out and "--table SCHEMA.NAME" in out


def test_the_report_process_imports_no_estimator_library():
    """``kamlab report``'s own process schedules kernels and publishes; the models are fitted
    in the kernels, so it does not pay scikit-learn's import (0.4 s) or its memory."""
    code = "import sys, kamlab.report\nprint('IMPORTED', [m for m in ('sklearn', 'scipy.optimize') if m in sys.modules])"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "IMPORTED []" in out.stdout


def test_python_dash_m_kamlab_is_the_command_line():
    out = subprocess.run(
        [sys.executable, "-m", "kamlab", "--help"], capture_output=True, text=True, check=True
    ).stdout
    assert out.startswith("usage: kamlab ") and "summarize" in out


@pytest.mark.parametrize("command", READERS)
def test_every_command_that_reads_transactions_takes_engine_and_table(command):
    parser = build_parser()
    out = ["--quarantine" if command == "validate" else "--out", "o.csv"]
    args = parser.parse_args([command, "x.csv", "--engine", "spark", *out])
    assert args.engine == "spark" and args.table is None
    args = parser.parse_args([command, URL, "--table", "public.order_lines", *out])
    assert args.table == "public.order_lines" and args.engine == "duckdb"


def test_report_takes_a_database_url_and_table():
    args = build_parser().parse_args(
        ["report", "--period", "2026Q3", "--transactions", URL, "--table", "public.lines"]
    )
    assert (args.input, args.table) == (URL, "public.lines")


def test_the_engine_and_table_are_named_only_when_given():
    parser = build_parser()
    assert source_options(parser.parse_args(["validate", "x.csv"])) == {}
    args = parser.parse_args(["validate", "x.csv", "--engine", "spark"])
    assert source_options(args) == {"engine": "spark"}
    assert "engine" not in reading_options(args)[1]  # a feature table is read by pandas
    args = parser.parse_args(["validate", URL, "--table", "s.t"])
    assert source_options(args) == {"table": "s.t"}


@pytest.mark.parametrize(
    "url",
    [
        f"postgresql://analyst:{SECRET}@127.0.0.1:5432/sales",
        f"postgresql://analyst@127.0.0.1:5432/sales?sslmode=require&password={SECRET}",
    ],
)
@pytest.mark.parametrize("command", ["validate", "summarize", "report"])
def test_a_url_with_a_password_is_refused_without_showing_it(command, url, tmp_path, capsys):
    source = ["--transactions", url, "--period", "2026Q3"] if command == "report" else [url]
    out = ["--quarantine" if command == "validate" else "--out", str(tmp_path / "o")]
    argv = [command, *source, "--table", "public.order_lines", *out]
    code, said = run(argv, capsys)
    assert code == 2
    assert SECRET not in said
    assert "PGPASSWORD" in said and "~/.pgpass" in said
    assert len(said.strip().splitlines()) == 1
    assert not list(tmp_path.iterdir())


def test_the_report_refuses_a_password_in_python_too(tmp_path):
    """The URL would be written into every executed notebook's parameters and the manifest."""
    with pytest.raises(ConfigError, match="PGPASSWORD") as caught:
        run_report("2026Q3", f"postgresql://a:{SECRET}@h/db", out=tmp_path)
    assert SECRET not in str(caught.value)
    assert not list(tmp_path.iterdir())


def test_redact_removes_the_password_wherever_it_is_given():
    assert redact(f"postgresql://a:{SECRET}@h:5432/db") == "postgresql://a@h:5432/db"
    assert redact(f"postgresql://:{SECRET}@[::1]:5432/db") == "postgresql://[::1]:5432/db"
    assert redact(f"postgresql://a@h/db?sslmode=require&password={SECRET}") == (
        "postgresql://a@h/db?sslmode=require"
    )
    assert redact(URL) == URL
    assert refuse_password(URL) == URL


@pytest.mark.parametrize(
    "extra, expected",
    [
        ([], "needs --table SCHEMA.NAME"),
        (["--table", "public."], "expected NAME or SCHEMA.NAME"),
        (["--table", "a.b.c.d"], "expected NAME or SCHEMA.NAME"),
        (["--table", "public.lines", "--engine", "spark"], "leave --engine out"),
    ],
)
def test_a_database_source_is_checked_before_anything_is_read(extra, expected, tmp_path, capsys):
    code, said = run(["summarize", URL, *extra, "--out", str(tmp_path / "s.csv")], capsys)
    assert code == 2
    assert expected in said
    assert not list(tmp_path.iterdir())


def test_a_table_without_a_database_url_is_refused(tmp_path, capsys):
    code, said = run(
        ["validate", "data/sample/transactions.csv", "--table", "public.order_lines"], capsys
    )
    assert code == 2
    assert "--table public.order_lines: only with a database URL" in said


def test_an_unreachable_database_is_a_one_line_error(capsys):
    """Nothing listens on port 1: a clean exit 2 naming the URL, not a traceback."""
    pytest.importorskip("psycopg")
    code, said = run(["validate", "postgresql://nobody@127.0.0.1:1/db", "--table", "t"], capsys)
    assert code == 2
    assert "postgresql://nobody@127.0.0.1:1/db" in said
    assert len(said.strip().splitlines()) == 1


def test_the_report_facts_name_a_table_and_a_folder_of_files():
    """The manifest records a table (not a checksum) and a folder's files; the report's
    facts say so."""
    manifest = {
        "period": {"label": "2026Q3", "start": "2026-07-01", "end": "2026-09-30"},
        "run_date": "2026-10-01",
        "inputs": {
            URL: {"table": "public.order_lines", "engine": "database"},
            "/data/lines": {"files": 3, "bytes": 4096},
        },
    }
    facts = dict(report_facts(manifest))
    assert facts["Input table"] == f"public.order_lines in {URL}"
    assert facts["Input files"] == "/data/lines: 3 files, 4,096 bytes"


def test_a_database_without_its_driver_is_a_one_line_error_naming_the_install(capsys):
    pytest.importorskip("ibis")
    try:
        import MySQLdb  # noqa: F401
    except ImportError:
        pass
    else:
        pytest.skip("the MySQL driver is installed here")
    code, said = run(["validate", "mysql://analyst@127.0.0.1/sales", "--table", "t"], capsys)
    assert code == 2
    assert "pip install 'ibis-framework[mysql]'" in said
    assert len(said.strip().splitlines()) == 1


def test_a_folder_of_csv_files_is_summarised_as_one_file_would_be(tmp_path, capsys):
    """``kamlab summarize FOLDER``: the sample cut into three files gives the same accounts
    and reasons; the quarantine names each row's file. A file whose columns differ stops
    the run in one line naming it (exit 2)."""
    import pandas as pd

    sample = Path(__file__).resolve().parent.parent / "data" / "sample" / "transactions.csv"
    lines = sample.read_text(encoding="utf-8").splitlines(True)
    header, body = lines[0], lines[1:]
    folder = tmp_path / "months"
    folder.mkdir()
    for i in range(3):
        (folder / f"part-{i}.csv").write_text(header + "".join(body[i::3]), encoding="utf-8")
    code, said = run(["summarize", str(folder), "--out", str(tmp_path / "parts.csv")], capsys)
    assert code == 0, said
    code, _ = run(["summarize", str(sample), "--out", str(tmp_path / "whole.csv")], capsys)
    parts = pd.read_csv(tmp_path / "parts.csv", index_col=0)
    whole = pd.read_csv(tmp_path / "whole.csv", index_col=0)
    pd.testing.assert_frame_equal(parts, whole, rtol=1e-9)
    bad = pd.read_csv(tmp_path / "parts_quarantine.csv")
    assert set(bad["filename"].str.rsplit("/", n=1).str[-1]) == {
        "part-0.csv",
        "part-1.csv",
        "part-2.csv",
    }
    assert len(bad) == len(pd.read_csv(tmp_path / "whole_quarantine.csv"))

    (folder / "part-3.csv").write_text("account_id,date,amount\nA1,2026-01-01,5\n")
    code, said = run(["summarize", str(folder), "--out", str(tmp_path / "again.csv")], capsys)
    assert code == 2
    assert "part-3.csv: its columns differ from part-0.csv's" in said
    assert len(said.strip().splitlines()) == 1
