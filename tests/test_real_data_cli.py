"""The command line on the public reference data (Online Retail), as an outside checker
runs it: counts written for people, and growth left out where the data cannot measure it."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from kamlab import cli


@pytest.mark.reference
def test_online_retail_portfolio_counts_have_separators_and_growth_is_not_measured(
    reference_data, tmp_path, capsys
):
    source = reference_data / "online_retail" / "online_retail_2010_2011.parquet"
    argv = ["portfolio", str(source), "--period", "2011Q4", "--out", str(tmp_path / "p.csv")]
    assert cli.main(argv) == 0
    out, err = capsys.readouterr()
    printed = out + err
    boxes = re.search(r"^boxes: Strategic ([\d,]+), Star ([\d,]+), Status ([\d,]+)", out, re.M)
    assert boxes and any("," in n for n in boxes.groups())  # 4,295 accounts: thousands
    assert "growth not measured: the data begin on 2010-12-01" in printed
    # the data end on 9 December: the quarter is measured to date, not to 31 December
    assert "note: the data end on 2011-12-09, before 2011Q4 does" in err
    assert out.startswith("4,295 accounts, 12 months to 2011-12-09")
    assert "potential (annual margin headroom) by basis: portfolio peers 4,295" in printed
    # potential from portfolio peers alone is not scored: the key accounts are real accounts
    assert "potential left out" in printed
    table = pd.read_csv(tmp_path / "p.csv", dtype={"account_id": str})
    key = table[table["tier"] == "key"]
    assert key["revenue"].sum() > 0.1 * table["revenue"].sum()
    assert key["revenue"].median() > table["revenue"].quantile(0.9)
