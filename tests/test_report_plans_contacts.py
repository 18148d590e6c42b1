"""The report with key account plans and a contacts file (issue 18's must-show): plan
against actual and the contact map on every key account's page, the plans in the
executive summary; a bad plan stops the report before any notebook runs.

One report is built (the executive summary and the key account pages only) on a small
sample with plans drafted at the end of the previous quarter; the report without plans
and contacts is checked in tests/test_report.py (its sentences saying how to add them).
"""

from __future__ import annotations

import re
from html import unescape

import pytest
from openpyxl import load_workbook

from kamlab.cli import main
from kamlab.datasets import make_sample
from kamlab.errors import ConfigError
from kamlab.report import ReportSpec, report_spec, run_report

NOTEBOOKS = ["00_summary.ipynb", "05_key_accounts.ipynb"]
PAGE = re.compile(r'<h3 id="[^"]+" class="page-break">\d+\. ')


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    """150 accounts with contacts; the key account plans drafted at 2026Q2 for 2026Q3."""
    paths = make_sample(150, seed=3).write(tmp_path_factory.mktemp("sample"))
    plans = paths["transactions"].parent / "plans"
    assert main(["plans", "init", str(paths["transactions"]), "--accounts",
                 str(paths["accounts_previous"]), "--period", "2026Q2",
                 "--out", str(plans)]) == 0  # fmt: skip
    return {**paths, "plans": plans}


def _spec() -> ReportSpec:
    spec = report_spec()
    return ReportSpec(spec.folder, NOTEBOOKS, {}, spec.cell_timeout_s, spec.parameters)


@pytest.fixture(scope="module")
def built(sample, tmp_path_factory):
    return run_report(
        "2026Q3",
        sample["transactions"],
        accounts=sample["accounts"],
        previous_accounts=sample["accounts_previous"],
        plans=sample["plans"],
        contacts=sample["contacts"],
        out=tmp_path_factory.mktemp("reports"),
        jobs=1,
        spec=_spec(),
    )


def _pages(built) -> tuple[int, list[str]]:
    """The number of key accounts the pages announce, and each account's page (HTML)."""
    html = (built / "05_key_accounts.html").read_text(encoding="utf-8")
    announced = int(re.search(r"(\d+) key accounts; each page covers", html).group(1))
    starts = [m.start() for m in PAGE.finditer(html)]
    return announced, [html[a:b] for a, b in zip(starts, [*starts[1:], len(html)], strict=True)]


def test_every_key_account_page_shows_its_plan_against_actual_and_its_contact_map(built):
    key, pages = _pages(built)
    assert key >= 5 and len(pages) == key
    for page in pages:
        name = unescape(re.sub(r"<[^>]+>", "", page[: page.index("</h3>")]))
        plan = page.index("<strong>Plan against actual</strong>")
        assert "<th>objective</th>" in page or "No key account plan for this account" in page
        contacts = page.index("<strong>Contact map</strong>")
        # the account's trend, then (on a page of its own) its plan, contacts and map
        images = [m.start() for m in re.finditer(r"<img ", page)]
        assert len(images) == 2, name
        assert images[0] < plan < contacts < images[1], name
        assert 'class="output page-break"' in page[:plan]  # the plan starts a PDF page


def test_accounts_key_now_but_not_then_say_they_have_no_plan_and_how_to_write_one(built):
    _, pages = _pages(built)
    with_plan = [p for p in pages if "<th>objective</th>" in p]
    without = [p for p in pages if "No key account plan for this account" in p]
    assert with_plan and len(with_plan) + len(without) == len(pages)
    assert all("kamlab plans init" in p for p in without)


def test_the_executive_summary_reads_the_plans_and_the_relationships(built):
    html = unescape((built / "00_summary.html").read_text(encoding="utf-8"))
    assert "Plans against actual</h2>" in html
    assert re.search(r"\d+ key account plans? read against this period; \d+ objectives: ", html)
    assert re.search(r"Relationships at the \d+ key accounts: \d+ single-threaded", html)
    assert "No key account plans were given" not in html
    sheets = load_workbook(built / "summary.xlsx", read_only=True).sheetnames
    assert "plan_scorecard" in sheets


def test_a_bad_plan_stops_the_report_before_any_notebook_with_its_file_and_line(sample, tmp_path):
    bad = tmp_path / "plans"
    bad.mkdir()
    plan = sorted(sample["plans"].glob("*.yaml"))[0]
    text = plan.read_text(encoding="utf-8").replace("measure: revenue", "measure: revnue", 1)
    (bad / plan.name).write_text(text, encoding="utf-8")
    out = tmp_path / "reports"
    with pytest.raises(ConfigError, match=rf"{re.escape(str(bad / plan.name))}, line \d+: "):
        run_report(
            "2026Q3",
            sample["transactions"],
            accounts=sample["accounts"],
            plans=bad,
            out=out,
            jobs=1,
            spec=_spec(),
        )
    assert not (out / "2026Q3").exists()
    assert not list(out.glob(".2026Q3.partial-*"))  # no notebook ran; nothing left behind
    assert main(["report", "--period", "2026Q3", "--transactions", str(sample["transactions"]),
                 "--accounts", str(sample["accounts"]), "--plans", str(bad),
                 "--out", str(out)]) == 2  # fmt: skip


def test_the_pages_read_as_the_rest_of_the_report_no_code_names_no_long_decimals(built):
    import test_report as checks  # the whole report's reader checks, on this one

    html = (built / "index.html").read_text(encoding="utf-8")
    checks.test_no_table_header_is_a_code_name(html)
    checks.test_no_table_cell_shows_more_than_two_decimals(html)
    checks.test_no_sentence_names_a_code_name_or_speaks_to_the_analyst(html)
    assert re.search(r"<th>Plans read</th><td>\d+</td>", html)  # About this report
    assert re.search(r"<th>Rows of contacts</th><td>[\d,]+ read, ", html)
