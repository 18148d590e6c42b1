"""The command line on the public reference data (Online Retail), as an outside checker
runs it: counts written for people, and growth left out where the data cannot measure it."""

from __future__ import annotations

import re

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
    assert re.search(r"^boxes: Strategic \d+, Star \d,\d{3}, Status \d,\d{3}", out, re.M)
    assert re.search(r"^tiers: key \d+, key development \d,\d{3}", out, re.M)
    assert "growth not measured: the data begin on 2010-12-01" in printed
    assert "potential (annual margin headroom) by basis: portfolio peers 4,243" in printed
