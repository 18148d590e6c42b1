"""The period report on CDNOW's full cohort: real consumer data with no order ids, no
products, no costs, no accounts file and a few purchases of no value."""

import re
from html import unescape

from kamlab.report import run_report


def test_the_1998q2_report_completes_on_the_cdnow_master_file(reference_data, tmp_path):
    source = reference_data / "cdnow" / "CDNOW_master.txt"
    folder = run_report(
        "1998Q2",
        source,
        columns={"account_id": "customer_id", "revenue": "dollar_value"},
        read_options={"keep_duplicates": True},  # two identical lines are two purchases
        out=tmp_path,
    )
    text = unescape(re.sub(r"<[^>]+>", " ", (folder / "index.html").read_text("utf-8")))
    text = re.sub(r"\s+", " ", text)
    assert "69,659 lines read, 69,659 accepted, 0 quarantined" in text
    # repeat purchases of $0 are left out of the spend model, not a failure
    assert "with repeat purchases of no value: left out of the Gamma-Gamma fit" in text
    # accounts without names are titled by their id alone
    assert not re.search(r"\b(\d{5}) \(\1\)", text)
