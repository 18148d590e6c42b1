"""The real, messy Online Retail data: every line accounted for, columns recognised."""

import json

import pandas as pd
import pytest

from kamlab.cli import main


@pytest.fixture(scope="module")
def online_retail(reference_data):
    return reference_data / "online_retail" / "online_retail_2010_2011.parquet"


def test_validate_accounts_for_all_541909_lines(online_retail, capsys):
    assert main(["validate", str(online_retail), "--json"]) == 0
    counts = json.loads(capsys.readouterr().out)
    assert counts["read"] == 541_909
    assert counts["accepted"] + counts["quarantined"] == 541_909
    assert counts["by_reason"]["missing_account_id"] == 135_080
    assert sum(counts["by_reason"].values()) == counts["quarantined"]


def test_summarize_with_recognised_columns(online_retail, tmp_path, capsys):
    out = tmp_path / "summary.csv"
    assert main(["summarize", str(online_retail), "--until", "2011-12-09", "--out", str(out)]) == 0
    err = capsys.readouterr().err
    assert "account_id <- 'CustomerID' (recognised)" in err
    summary = pd.read_csv(out, index_col="account_id")
    assert 4_000 < len(summary) < 4_400
    assert (summary["frequency"] >= 0).all() and (summary["recency"] <= summary["T"]).all()
    # cancellations are netted, not dropped
    assert summary["returns_value"].sum() > 0
    assert (tmp_path / "summary_quarantine.csv").exists()


def test_the_2011q3_report_completes_without_an_accounts_file_and_says_what_fell_back(
    online_retail, tmp_path
):
    import re
    from html import unescape

    from kamlab.report import run_report

    folder = run_report("2011Q3", online_retail, out=tmp_path)
    assert {"index.html", "report.pdf", "summary.xlsx"} <= {p.name for p in folder.iterdir()}
    text = unescape(re.sub(r"<[^>]+>", " ", (folder / "index.html").read_text("utf-8")))
    text = re.sub(r"\s+", " ", text)
    assert "strength: none of its factors could be scored" in text  # judgement fallback
    assert "falls back to tenure, purchase frequency" in text
    assert "No accounts file: no buyer's view." in text
    assert "12 months to 2011-09-30" in text
