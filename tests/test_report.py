"""The period report: papermill run, HTML with code hidden, atomic publication."""

import json
import shutil

import nbformat
import pandas as pd
import pytest

import kamlab.report as report
from kamlab.datasets import make_sample
from kamlab.report import ReportError, run_report

XSS = "<script>alert(1)</script>"
FORMULA = '=HYPERLINK("http://x","y")'


@pytest.fixture(scope="module")
def tiny_sample(tmp_path_factory):
    """150 accounts (enough for the value models to fit); the two biggest renamed to hostile names."""
    folder = tmp_path_factory.mktemp("sample")
    sample = make_sample(150, seed=1)
    revenue = (
        sample.transactions.assign(v=lambda t: t.quantity * t.unit_price)
        .groupby("account_id")["v"]
        .sum()
    )
    top = revenue.sort_values(ascending=False).index[:2]
    names = sample.accounts.set_index("account_id")["account_name"]
    names.loc[top] = [XSS, FORMULA]
    sample.accounts["account_name"] = names.to_numpy()
    sample.write(folder)
    return folder


def test_report_writes_html_notebook_quarantine_and_manifest(tiny_sample, tmp_path):
    out = run_report(
        "2026Q3",
        tiny_sample / "transactions.csv",
        accounts=tiny_sample / "accounts.csv",
        out=tmp_path,
    )
    assert out == tmp_path / "2026Q3"
    assert {p.name for p in out.iterdir()} >= {
        "01_explore.ipynb",
        "01_explore.html",
        "quarantine.csv",
        "manifest.json",
    }
    html = (out / "01_explore.html").read_text(encoding="utf-8")
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "read_transactions(" not in html  # code is hidden
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["run_date"] == str(pd.Timestamp.now().date())
    assert manifest["period"] == {"label": "2026Q3", "start": "2026-07-01", "end": "2026-09-30"}
    rows = manifest["rows"]["transactions"]
    assert rows["accepted"] + rows["quarantined"] == rows["read"]
    assert all(len(v["sha256"]) == 64 for v in manifest["inputs"].values())
    executed = nbformat.read(out / "01_explore.ipynb", as_version=4)
    assert any("injected-parameters" in c.metadata.get("tags", []) for c in executed.cells)
    assert not list(tmp_path.glob(".*"))  # no build folder left behind


def test_a_failing_notebook_names_the_cell_and_keeps_the_previous_report(
    tiny_sample, tmp_path, monkeypatch
):
    previous = tmp_path / "reports" / "2026Q3"
    previous.mkdir(parents=True)
    (previous / "index.html").write_text("last good report")

    notebooks = tmp_path / "notebooks"
    shutil.copytree(report.notebooks_dir(), notebooks)
    broken = nbformat.v4.new_notebook()
    broken.cells = [
        nbformat.v4.new_code_cell("period = None", metadata={"tags": ["parameters"]}),
        nbformat.v4.new_code_cell("raise ValueError('accounts file is broken')"),
    ]
    broken.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nbformat.write(broken, notebooks / "99_broken.ipynb")
    monkeypatch.setattr(report, "notebooks_dir", lambda: notebooks)
    monkeypatch.setattr(report, "NOTEBOOKS", [*report.NOTEBOOKS, "99_broken.ipynb"])

    with pytest.raises(
        ReportError, match=r"99_broken.ipynb, cell 2: ValueError: accounts file is broken"
    ):
        run_report("2026Q3", tiny_sample / "transactions.csv", out=tmp_path / "reports")
    assert [p.name for p in (tmp_path / "reports").iterdir()] == ["2026Q3"]
    assert [p.name for p in previous.iterdir()] == ["index.html"]
    assert (previous / "index.html").read_text() == "last good report"


def test_bad_inputs_fail_before_anything_is_built(tmp_path, write):
    accounts = write("accounts.csv", "Name\nAlpha\n")
    transactions = write("t.csv", "account_id,date,revenue\nA,2026-01-01,5\n")
    with pytest.raises(Exception, match="account_id"):
        run_report("2026Q3", transactions, accounts=accounts, out=tmp_path / "reports")
    assert not (tmp_path / "reports").exists() or not any((tmp_path / "reports").iterdir())
    with pytest.raises(Exception, match="expected a quarter"):
        run_report("Q3", transactions, out=tmp_path / "reports")


def test_quarantine_csv_is_neutralised(tiny_sample, tmp_path):
    frame = pd.read_csv(tiny_sample / "transactions.csv")
    frame.loc[len(frame)] = ["=cmd()", "", "2026-01-05", "P1", 1, 1.0, 0.5]
    frame.to_csv(tmp_path / "t.csv", index=False)
    out = run_report("2026Q3", tmp_path / "t.csv", out=tmp_path / "reports")
    quarantine = pd.read_csv(out / "quarantine.csv", dtype=str)
    assert quarantine["order_id"].tolist() == ["'=cmd()"]
