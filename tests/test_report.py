"""The period report: papermill run, one HTML/PDF/workbook report, atomic publication.

One report is built for the whole module (it runs every notebook), on a tiny sample whose
two largest accounts have hostile names and with one quarantined line whose order id is
a formula; the tests then check its parts.
"""

import json
import re
import shutil
from html import unescape
from html.parser import HTMLParser

import nbformat
import pandas as pd
import pytest
import yaml
from openpyxl import load_workbook

import kamlab.report as report
from kamlab.datasets import make_sample
from kamlab.errors import InputError
from kamlab.publish.html import APPENDIX_TITLE
from kamlab.report import ReportError, run_report

XSS = "<script>alert(1)</script>"
FORMULA = '=HYPERLINK("http://x","y")'
EXTERNAL = re.compile(
    r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//|url\(\s*["']?\s*(?:https?:)?//|@import""", re.I
)
SHEETS = [
    "Contents",
    "headline",
    "key_accounts_at_risk",
    "summary_watch_list",
    "data_quality",
    "overview",
    "by_industry",
    "by_region",
    "accounts_by_revenue",
    "monthly_revenue",
    "segment_profiles",
    "segment_members",
    "segments_by_industry",
    "segment_moves",
    "pnl_statement",
    "pnl_by_account",
    "model_choice",
    "customer_value",
    "model_comparison",
    "uplift_by_horizon",
    "uplift_by_tier",
    "watch_list",
    "portfolio_by_box",
    "key_accounts",
    "health_by_tier",
    "stage_gaps",
    "declining",
    "buyer_scorecard",
    "exit_candidates",
    "allocation",
    "movers",
    "key_account_risks",
    "global_accounts",
    "global_entities",
    "global_spreads",
    "programme_return",
    "key_account_kpis",
]


def _declare(monkeypatch, folder, notebooks, needs=None, **settings):
    """Run the report on ``folder``'s notebooks, declared in its report.yaml."""
    entries = [
        {"name": n, **({"needs": needs[n]} if n in (needs or {}) else {})} for n in notebooks
    ]
    declared = {"notebooks": entries, "parameters": list(report.REPORT_PARAMETERS), **settings}
    (folder / report.SPEC_FILE).write_text(yaml.safe_dump(declared), encoding="utf-8")
    monkeypatch.setattr(report, "notebooks_dir", lambda: folder)


@pytest.fixture(scope="module")
def tiny_sample(tmp_path_factory):
    """150 accounts (enough for the value models to fit) and 4 prospects; the two biggest
    renamed to hostile names; one extra line with a formula as order id and no account (quarantined)."""
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
    frame = pd.read_csv(folder / "transactions.csv")
    frame.loc[len(frame)] = ["=cmd()", "", "2026-01-05", "P1", 1, 1.0, 0.5]
    frame.to_csv(folder / "transactions.csv", index=False)
    return folder


@pytest.fixture(scope="module")
def built(tiny_sample, tmp_path_factory):
    out = tmp_path_factory.mktemp("reports")
    criteria = tiny_sample / "criteria.yaml"
    criteria.write_text("tiers:\n  key_cap: 5\n", encoding="utf-8")
    path = run_report(
        "2026Q3",
        tiny_sample / "transactions.csv",
        accounts=tiny_sample / "accounts.csv",
        previous_accounts=tiny_sample / "accounts_previous.csv",
        criteria=criteria,
        out=out,
    )
    return out, path


@pytest.fixture(scope="module")
def html(built):
    return (built[1] / "index.html").read_text(encoding="utf-8")


def test_report_writes_every_output_and_the_manifest_lists_them(built):
    out, path = built
    assert path == out / "2026Q3"
    names = {p.name for p in path.iterdir()}
    assert names == {
        *report.report_spec().notebooks,
        *(
            name.replace(".ipynb", ".html") for name in report.report_spec().notebooks
        ),  # a page each
        "index.html",
        "report.pdf",
        "summary.xlsx",
        "figures",
        "quarantine.csv",
        "manifest.json",
    }
    manifest = json.loads((path / "manifest.json").read_text())
    # the day the report ran: today, or yesterday when the build crossed midnight
    ran = pd.Timestamp.now().normalize() - pd.Timestamp(manifest["run_date"])
    assert pd.Timedelta(0) <= ran <= pd.Timedelta(days=1)
    assert manifest["period"] == {
        "label": "2026Q3",
        "start": "2026-07-01",
        "end": "2026-09-30",
        "data_until": "2026-09-30",  # the data reach the period's end
    }
    rows = manifest["rows"]["transactions"]
    assert rows["accepted"] + rows["quarantined"] == rows["read"]
    assert rows["by_reason"]["missing_account_id"] == 1
    assert manifest["rows"]["previous_accounts"]["accepted"] == 154  # 150 customers, 4 prospects
    assert manifest["parameters"]["previous_accounts_path"].endswith("accounts_previous.csv")
    assert all(len(v["sha256"]) == 64 for v in manifest["inputs"].values())
    files = {str(p.relative_to(path)) for p in path.rglob("*") if p.is_file()}
    assert set(manifest["outputs"]) == files - {"manifest.json"}
    assert manifest["workbook_sheets"] == SHEETS
    assert set(manifest["timings_s"]) >= {"validate", *report.report_spec().notebooks, "report.pdf"}
    executed = nbformat.read(path / "01_explore.ipynb", as_version=4)
    assert any("injected-parameters" in c.metadata.get("tags", []) for c in executed.cells)
    assert not list(out.glob(".*"))  # no build folder left behind


def _headings(markdown: str) -> list[str]:
    return [
        line.lstrip("#").strip().replace("*", "").replace("`", "")
        for line in markdown.splitlines()
        if re.match(r"^#{1,6} ", line)
    ]


def test_html_has_every_heading_of_every_notebook_in_order(built, html):
    shown = [
        " ".join(unescape(re.sub(r"<[^>]+>", "", text)).split())
        for text in re.findall(r"<h[1-6][^>]*>(.*?)</h[1-6]>", html, re.S)
    ]
    notebooks = [nbformat.read(built[1] / n, as_version=4) for n in report.report_spec().notebooks]

    def headings(nb, where):  # the headings of the cells shown in the body or the appendix
        for cell in nb.cells:
            tags = set(cell.metadata.get("tags", []))
            in_body = not tags & {"analyst", "appendix"}
            if cell.cell_type == "markdown" and (
                ("appendix" in tags) if where == "appendix" else in_body
            ):
                yield from _headings(cell.source)

    for where, position in (("body", 0), ("appendix", shown.index(APPENDIX_TITLE))):
        for name, nb in zip(report.report_spec().notebooks, notebooks, strict=True):
            for heading in headings(nb, where):
                assert heading in shown[position:], f"{name} ({where}): {heading!r}"
                position = shown.index(heading, position)
    assert "Key account portfolio report, 2026Q3" in html
    assert html.count('<section class="notebook"') == len(report.report_spec().notebooks)
    assert 'href="#01-explore-1-what-was-read-data-quality"' in html  # contents
    assert "About this report" in html and "quarantined" in html


def test_html_escapes_data_hides_code_and_loads_nothing(html):
    assert XSS not in html and "<script" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert FORMULA in html or FORMULA.replace('"', "&quot;") in html  # shown as text
    assert "read_transactions(" not in html  # code is hidden
    assert not EXTERNAL.search(html)
    assert "<link" not in html and "stderr" not in html
    assert html.count('<img src="data:image/png;base64,') >= 10


def test_each_section_page_is_as_safe_and_stands_alone(built):
    pages = {p.name: p.read_text(encoding="utf-8") for p in built[1].glob("0*.html")}
    assert set(pages) == {
        name.replace(".ipynb", ".html") for name in report.report_spec().notebooks
    }
    for name, page in pages.items():
        assert XSS not in page and "<script" not in page, name
        assert "read_transactions(" not in page and not EXTERNAL.search(page), name
    assert "Exploring a customer base" in pages["01_explore.html"]
    assert "Exploring a customer base" not in pages["04_portfolio.html"]
    assert all("About this report" in page and "sha256" in page for page in pages.values())


def test_pdf_has_pages(built):
    from pypdf import PdfReader

    reader = PdfReader(built[1] / "report.pdf")
    manifest = json.loads((built[1] / "manifest.json").read_text())
    assert len(reader.pages) == manifest["pdf_pages"] > len(report.report_spec().notebooks)


class _Cells(HTMLParser):
    """The text of every ``<th>`` and ``<td>`` of a document, as (tag, text) pairs."""

    def __init__(self):
        super().__init__()
        self.cells, self._open = [], None

    def handle_starttag(self, tag, attrs):
        if tag in ("th", "td"):
            self._open = (tag, [])

    def handle_data(self, data):
        if self._open:
            self._open[1].append(data)

    def handle_endtag(self, tag):
        if tag in ("th", "td") and self._open:
            self.cells.append((tag, " ".join("".join(self._open[1]).split())))
            self._open = None


def _cells(html: str, tag: str) -> list[str]:
    parser = _Cells()
    parser.feed(html[: html.index('id="about-this-report"')])  # the facts are for auditors
    return [text for kind, text in parser.cells if kind == tag]


SNAKE_CASE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")
LONG_DECIMAL = re.compile(r"^[-+]?[\d,]*\.\d{3,}(?:e[-+]?\d+)?%?$")


def test_no_table_header_is_a_code_name(html):
    headers = _cells(html, "th")
    assert headers
    code_names = sorted({m for text in headers for m in SNAKE_CASE.findall(text)})
    assert not code_names, f"{len(code_names)} code names in table headers: {code_names[:20]}"


def test_no_table_cell_shows_more_than_two_decimals(html):
    cells = _cells(html, "td") + _cells(html, "th")
    long = [text for text in cells if LONG_DECIMAL.match(text)]
    assert not long, f"{len(long)} cells with more than two decimals, e.g. {long[:10]}"


def _prose(html: str) -> str:
    """The document's reading text: no tables, code, outputs in monospace or facts."""
    body = html[html.index("<main>") : html.index('id="about-this-report"')]
    for element in ("table", "pre", "code", "figure"):
        body = re.sub(rf"<{element}\b.*?</{element}>", " ", body, flags=re.S)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", body)).split())


def test_no_sentence_names_a_code_name_or_speaks_to_the_analyst(html):
    prose = _prose(html)
    code_names = sorted(set(SNAKE_CASE.findall(prose)))
    assert not code_names, f"{len(code_names)} code names in the prose: {code_names[:20]}"
    for instruction in ("parameters below", "change the parameters"):
        assert instruction not in prose.lower()


def test_the_table_checks_see_what_they_look_for():
    table = "<table><tr><th>value_at_stake</th><th>Value (GBP)</th></tr>"
    table += "<tr><td>0.257</td><td>1,234</td><td>12.5%</td><td>-0.1234%</td></tr></table>"
    html = table + '<section id="about-this-report"><td>3.14159</td></section>'
    assert SNAKE_CASE.findall(" ".join(_cells(html, "th"))) == ["value_at_stake"]
    assert [t for t in _cells(html, "td") if LONG_DECIMAL.match(t)] == ["0.257", "-0.1234%"]
    page = "<main><p>Set <code>horizon_months</code>; the value_at_risk.</p><pre>a_b</pre>"
    assert SNAKE_CASE.findall(_prose(page + html)) == ["value_at_risk"]


def test_every_pdf_page_keeps_its_text_inside_the_printable_area(built):
    from kamlab.publish.pdfcheck import text_outside

    outside = text_outside(built[1] / "report.pdf", margin_mm=5)
    where = [f"page {r.page}: {r.text[:40]!r} at {r.x0:.0f}-{r.x1:.0f} pt" for r in outside]
    assert not outside, f"{len(outside)} runs of text off the printable area: {where[:10]}"


def test_at_most_30_pages_come_before_the_key_account_pages(built):
    from kamlab.publish.pdfcheck import section_pages

    nb = nbformat.read(built[1] / "05_key_accounts.ipynb", as_version=4)
    title = next(h for c in nb.cells if c.cell_type == "markdown" for h in _headings(c.source))
    starts = section_pages(built[1] / "report.pdf")
    before = starts[title] - 1
    print(f"\nreport.pdf: {before} pages before the key account pages ({title!r}); {starts}")
    assert starts["Executive summary"] < starts[title] < starts["About this report"]
    assert before <= 30  # issue 15's target for the bundled sample; this sample is smaller


def test_figures_are_pngs_named_by_notebook(built):
    figures = sorted(p.name for p in (built[1] / "figures").iterdir())
    assert "01_explore-1.png" in figures and "03_value-1.png" in figures
    assert all(re.fullmatch(r"0\d_[a-z_]+-\d+\.png", name) for name in figures)
    assert (built[1] / "figures" / figures[0]).read_bytes().startswith(b"\x89PNG")


def test_workbook_has_the_tables_and_hostile_names_are_inert_text(built):
    wb = load_workbook(built[1] / "summary.xlsx")
    assert wb.sheetnames == SHEETS
    ws = wb["accounts_by_revenue"]
    header = [c.value for c in ws[1]]
    assert header[:3] == ["Account", "Rank", "Account name"]  # the reader's labels
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref
    names = {c.value: c for c in ws["C"][1:]}
    assert names[XSS].data_type == "s"
    assert "'" + FORMULA in names and names["'" + FORMULA].data_type == "s"
    assert FORMULA not in names
    for sheet in wb.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"{sheet.title}!{cell.coordinate} is a formula"


def test_quarantine_csv_is_neutralised(built):
    quarantine = pd.read_csv(built[1] / "quarantine.csv", dtype=str)
    assert quarantine["order_id"].tolist() == ["'=cmd()"]


def test_a_failing_notebook_names_the_cell_and_keeps_the_previous_report(
    tiny_sample, tmp_path, monkeypatch, capsys
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
    _declare(monkeypatch, notebooks, ["01_explore.ipynb", "99_broken.ipynb"])

    with pytest.raises(
        ReportError, match=r"99_broken.ipynb, cell 2: ValueError: accounts file is broken"
    ):
        run_report("2026Q3", tiny_sample / "transactions.csv", out=tmp_path / "reports")
    assert [p.name for p in (tmp_path / "reports").iterdir()] == ["2026Q3"]
    assert [p.name for p in previous.iterdir()] == ["index.html"]
    assert (previous / "index.html").read_text() == "last good report"
    assert "  99_broken ... failed" in capsys.readouterr().err.splitlines()


def test_a_period_the_data_end_before_is_refused_before_any_notebook_runs(
    tiny_sample, tmp_path, capsys
):
    with pytest.raises(InputError, match=r"end on 2026-09-30, before 2027Q1 begins: .* 2026Q3"):
        run_report("2027Q1", tiny_sample / "transactions.csv", out=tmp_path / "reports")
    assert "running" not in capsys.readouterr().err
    assert not (tmp_path / "reports" / "2027Q1").exists()


def test_a_report_on_the_period_to_date_says_so_under_its_title_and_in_its_facts():
    from kamlab.periods import parse_period
    from kamlab.publish.build import report_facts

    when = parse_period("2011Q4")
    assert report._subtitle(when, "2011-12-31") == "1 October 2011 to 31 December 2011"
    assert report._subtitle(when, "2011-12-09") == (
        "1 October 2011 to 31 December 2011, to date: the data end on 9 December 2011"
    )
    period = {"label": "2011Q4", "start": "2011-10-01", "end": "2011-12-31"}
    facts = dict(report_facts({"period": {**period, "data_until": "2011-12-09"}, "run_date": "x"}))
    assert facts["Data to"] == "2011-12-09 (the period to date)"
    assert "Data to" not in dict(report_facts({"period": period, "run_date": "x"}))


def test_a_failing_publish_step_is_named_and_keeps_the_previous_report(
    tiny_sample, tmp_path, monkeypatch
):
    import kamlab.publish.build as build

    previous = tmp_path / "reports" / "2026Q3"
    previous.mkdir(parents=True)
    (previous / "index.html").write_text("last good report")
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# Tiny"), nbformat.v4.new_code_cell("print(1)")]
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nbformat.write(nb, notebooks / "01_tiny.ipynb")
    _declare(monkeypatch, notebooks, ["01_tiny.ipynb"])

    def broken_pdf(html, path):
        raise OSError("no fonts")

    monkeypatch.setattr(build, "write_pdf", broken_pdf)
    with pytest.raises(ReportError, match=r"writing report.pdf: OSError: no fonts"):
        run_report("2026Q3", tiny_sample / "transactions.csv", out=tmp_path / "reports")
    assert [p.name for p in (tmp_path / "reports").iterdir()] == ["2026Q3"]
    assert (previous / "index.html").read_text() == "last good report"


def test_a_cell_that_runs_too_long_is_named(tiny_sample, tmp_path, monkeypatch):
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    slow = nbformat.v4.new_notebook()
    slow.cells = [
        nbformat.v4.new_code_cell("period = None", metadata={"tags": ["parameters"]}),
        nbformat.v4.new_code_cell("x = 1"),
        nbformat.v4.new_code_cell("import time\ntime.sleep(30)"),
        nbformat.v4.new_code_cell("y = 2"),
    ]
    slow.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nbformat.write(slow, notebooks / "98_slow.ipynb")
    _declare(monkeypatch, notebooks, ["98_slow.ipynb"], cell_timeout_s=2)
    with pytest.raises(
        ReportError, match=r"98_slow.ipynb, cell 3: CellTimeoutError: did not finish within 2 s"
    ):
        run_report("2026Q3", tiny_sample / "transactions.csv", out=tmp_path / "reports")
    assert not (tmp_path / "reports" / "2026Q3").exists()


def test_a_notebook_waits_for_the_notebooks_it_needs(tiny_sample, tmp_path, monkeypatch, capsys):
    """A notebook naming others in its ``needs`` (report.yaml) runs after them; its section
    still comes where report.yaml lists it. The terminal shows the progress as it goes."""
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    code = nbformat.v4.new_code_cell
    first = nbformat.v4.new_notebook()
    first.cells = [
        nbformat.v4.new_markdown_cell("# Summary first"),
        code("tables_dir = None", metadata={"tags": ["parameters"]}),
        code(
            "from pathlib import Path\n"
            "ran = (Path(tables_dir).parent / '02_detail' / 'detail.pkl').exists()\n"
            "print('detail ran first:', ran)"
        ),
    ]
    second = nbformat.v4.new_notebook()
    second.cells = [
        nbformat.v4.new_markdown_cell("# The detail"),
        code("tables_dir = None", metadata={"tags": ["parameters"]}),
        code(
            "import pandas as pd\nfrom kamlab.publish import save_table\n"
            "save_table(pd.DataFrame({'n': [40, 2]}), 'detail', tables_dir)"
        ),
    ]
    for nb, name in ((first, "01_summary.ipynb"), (second, "02_detail.ipynb")):
        nb.metadata["kernelspec"] = {
            "name": "python3",
            "display_name": "Python 3",
            "language": "python",
        }
        nbformat.write(nb, notebooks / name)
    _declare(
        monkeypatch,
        notebooks,
        ["01_summary.ipynb", "02_detail.ipynb"],
        needs={"01_summary.ipynb": ["02_detail.ipynb"]},
    )
    path = run_report("2026Q3", tiny_sample / "transactions.csv", out=tmp_path / "reports")
    html = (path / "index.html").read_text()
    assert "detail ran first: True" in html
    assert html.index("Summary first") < html.index("The detail")
    assert load_workbook(path / "summary.xlsx").sheetnames == ["Contents", "detail"]
    lines = capsys.readouterr().err.splitlines()
    assert lines[0].startswith("kamlab report 2026Q3 (2026-07-01 to 2026-09-30)")
    assert lines[1].startswith("  inputs checked in ")
    progress = [line for line in lines if line.startswith("  0")]
    done = r" \.\.\. done in \d+\.\d s"
    assert progress[0] == "  02_detail ... started"
    assert re.fullmatch("  02_detail" + done, progress[1])
    assert progress[2] == "  01_summary ... started"  # after what it needs
    assert re.fullmatch("  01_summary" + done, progress[3])
    publishing = lines.index("publishing HTML / PDF / workbook")
    assert lines.index(progress[3]) < publishing
    for step in ("figures", "index.html", "report.pdf", "summary.xlsx"):
        assert any(re.fullmatch(f"  {re.escape(step)}" + done, line) for line in lines)
    assert lines[-1].startswith("report 2026Q3 ready in ")


def test_the_criteria_file_reaches_the_portfolio_notebooks(built, html):
    manifest = json.loads((built[1] / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["parameters"]["criteria_path"].endswith("criteria.yaml")
    assert "key-account cap: 5" in html


def test_a_bad_criteria_file_stops_the_run_before_any_notebook(tiny_sample, tmp_path):
    criteria = tmp_path / "criteria.yaml"
    criteria.write_text("strength:\n  quality: {weight: 90, judgement: quality}\n", "utf-8")
    with pytest.raises(Exception, match="strength weights sum to 90, not 100"):
        run_report(
            "2026Q3", tiny_sample / "transactions.csv", criteria=criteria, out=tmp_path / "r"
        )
    assert not any((tmp_path / "r").iterdir())


def test_bad_inputs_fail_before_anything_is_built(tmp_path, write):
    accounts = write("accounts.csv", "Name\nAlpha\n")
    transactions = write("t.csv", "account_id,date,revenue\nA,2026-01-01,5\n")
    with pytest.raises(Exception, match="account_id"):
        run_report("2026Q3", transactions, accounts=accounts, out=tmp_path / "reports")
    assert not (tmp_path / "reports").exists() or not any((tmp_path / "reports").iterdir())
    with pytest.raises(Exception, match="expected a quarter"):
        run_report("Q3", transactions, out=tmp_path / "reports")


def test_declining_relationships_are_shown_given_the_previous_accounts(html):
    assert re.search(r"\d+ relationships declining since the previous accounts file", html)


def test_without_plans_or_contacts_the_summary_and_pages_say_how_to_add_them(built):
    from kamlab.presentation.contacts import NO_CONTACTS_FILE
    from kamlab.presentation.plans import NO_PLANS

    summary = unescape((built[1] / "00_summary.html").read_text(encoding="utf-8"))
    pages = unescape((built[1] / "05_key_accounts.html").read_text(encoding="utf-8"))
    for page in (summary, pages):
        assert NO_PLANS in page and NO_CONTACTS_FILE in page
    assert "kamlab plans init" in NO_PLANS and "--contacts" in NO_CONTACTS_FILE
    # no account's page has a plan or a map (the appendix still explains both)
    assert "Plan against actual" not in pages and "Contact map" not in pages


def test_large_data_run_one_notebook_at_a_time_unless_jobs_are_given(monkeypatch):
    monkeypatch.delenv(report.JOBS_ENV, raising=False)
    monkeypatch.setattr(report.os, "cpu_count", lambda: 2)
    assert report.default_jobs() == 2
    assert report.default_jobs(report.ONE_AT_A_TIME_LINES) == 2  # the sample: two at once
    assert report.default_jobs(1_000_000) == 1  # 1M lines: one, within 1.2 GB
    monkeypatch.setenv(report.JOBS_ENV, "2")
    assert report.default_jobs(10 * report.ONE_AT_A_TIME_LINES) == 2  # asked for: kept
