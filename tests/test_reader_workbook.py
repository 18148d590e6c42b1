"""The report's tables for readers in the workbook and the HTML: the same labels, real
Excel number formats per kind, numbers that never break (kamlab.publish)."""

from __future__ import annotations

import pandas as pd
from openpyxl import load_workbook

from kamlab.presentation.executive import headline_table
from kamlab.presentation.tables import for_reader
from kamlab.publish.sanitize import sanitize_html
from kamlab.publish.style import CSS
from kamlab.publish.tables import load_report_tables, save_table
from kamlab.publish.workbook import write_workbook


def _build(tmp_path, save) -> dict:
    """Save tables as notebook ``01_x`` would, write the workbook, return its sheets."""
    save(tmp_path / "tables" / "01_x")
    tables = load_report_tables(tmp_path / "tables", ["01_x.ipynb"])
    write_workbook(tables, tmp_path / "summary.xlsx")
    wb = load_workbook(tmp_path / "summary.xlsx")
    return {ws.title: ws for ws in wb.worksheets}


def _formats(ws) -> dict[str, str]:
    return {ws.cell(1, c).value: ws.cell(2, c).number_format for c in range(1, ws.max_column + 1)}


def test_saved_tables_have_labels_and_integer_and_percent_formats(tmp_path):
    accounts = pd.DataFrame(
        {
            "revenue": [203098.4, 12.5],
            "orders": [300.0, 2.0],
            "share_of_revenue": [0.257, 0.001],
            "probability_alive": [0.83, 0.1],
            "attractiveness": [7.25, 3.0],
            "days_since_last_purchase": [12.0, 400.0],
            "growth": [-0.25, 0.1],
            "retention_change": [0.002, -0.01],
            "last_purchase": pd.to_datetime(["2026-06-30", "2025-05-01"]),
        },
        index=pd.Index(["A1", "A2"], name="account_id"),
    )
    sheets = _build(tmp_path, lambda d: save_table(accounts, "accounts", d, currency="EUR"))
    ws = sheets["accounts"]
    assert _formats(ws) == {
        "Account": "General",
        "Net revenue, last 12 months (EUR)": "#,##0;[Red]-#,##0",
        "Orders": "#,##0",
        "Share of net revenue, last 12 months": "0.0%",
        "P(alive)": "0.0%",
        "Attractiveness (1-10)": "0.0",
        "Days since last purchase": "#,##0",
        "Revenue growth, year on year": "+0%;-0%;0%",
        "Change in retention": '+0.0" pp";-0.0" pp";0.0" pp"',  # points, written x 100
        "Last purchase": "yyyy-mm-dd",
    }
    assert ws.cell(2, 2).value == 203098.4  # values stay numbers
    assert ws.cell(2, 4).value == 0.257
    assert ws.cell(2, 9).value == 0.2  # a change of shares of 0.002: 0.2 points


def test_the_overview_is_labelled_by_row_and_its_first_header_is_not_index(tmp_path):
    overview = pd.Series(
        {"accounts": 300, "first_date": "2024-01-03", "net_revenue": 2.5e7, "returns_share": 0.02}
    ).to_frame()
    sheets = _build(tmp_path, lambda d: save_table(overview, "overview", d, by_row=True))
    rows = list(sheets["overview"].iter_rows())
    assert rows[0][0].value in ("", None)
    assert [r[0].value for r in rows[1:]] == [
        "Accounts", "First date", "Net revenue (GBP)", "Returns share",
    ]  # fmt: skip
    assert [r[1].number_format for r in rows[1:]] == ["#,##0", "General", "#,##0;[Red]-#,##0",
                                                      "0.0%"]  # fmt: skip
    assert rows[1][1].value == 300


def test_the_headline_sheet_formats_each_row_by_its_kind(tmp_path):
    table = pd.DataFrame(
        {
            "tier": ["key", "maintain"],
            "box": ["Strategic", "Status"],
            "revenue": [900.0, 100.0],
            "contribution": [200.0, -50.0],
            "prospect": [False, False],
            "exit_recommendation": ["", "exit completely"],
        }
    )
    headline = headline_table(table, table)
    sheets = _build(tmp_path, lambda d: save_table(headline, "headline", d))
    ws = sheets["headline"]
    assert [c.value for c in ws[1]] == ["Measure", "This period", "Previous period", "Change"]
    by_row = {r[0].value: r[1].number_format for r in ws.iter_rows(min_row=2)}
    assert by_row["Key accounts"] == "#,##0"
    assert by_row["Key accounts' share of revenue"] == "0.0%"
    assert by_row["Net revenue, last 12 months"] == "#,##0;[Red]-#,##0"
    change = {r[0].value: (r[3].value, r[3].number_format) for r in ws.iter_rows(min_row=2)}
    assert change["Key accounts' share of revenue"] == (0.0, '+0.0" pp";-0.0" pp";0.0" pp"')
    assert change["Key accounts"] == (0, "#,##0")


def test_a_reader_table_survives_the_report_sanitiser_with_its_classes():
    frame = pd.DataFrame({"account_name": ["<b>x</b>"], "revenue": [1234.0]})
    clean = sanitize_html(for_reader(frame)._repr_html_())
    assert '<table class="kamlab-table">' in clean
    assert '<td class="num">1,234</td>' in clean and '<td class="text">&lt;b&gt;x' in clean


def test_the_stylesheet_keeps_numbers_whole_and_words_unbroken():
    assert "table.kamlab-table .num { text-align: right; }" in CSS
    assert "table.kamlab-table td.num { white-space: nowrap; }" in CSS  # headers may wrap
    assert "table.kamlab-table .text { text-align: left; }" in CSS
    rules = [line for line in CSS.splitlines() if "kamlab-table" in line or "hyphens" in line]
    kamlab_rules = "".join(r for r in rules if "kamlab-table" in r)
    assert "hyphens: auto" not in kamlab_rules and "anywhere" not in kamlab_rules
    assert "break-all" not in CSS


def test_a_landscape_table_has_a_landscape_page():
    assert "@page landscape { size: A4 landscape; }" in CSS
    assert "table.kamlab-table.landscape { page: landscape; }" in CSS


def test_save_table_takes_a_kind_as_a_format(tmp_path):
    frame = pd.DataFrame({"x": [0.25], "y": [7.0]})
    sheets = _build(tmp_path, lambda d: save_table(frame, "t", d, formats={"x": "share",
                                                                            "y": "score"}))  # fmt: skip
    assert _formats(sheets["t"]) == {"X": "0.0%", "Y": "0.0"}
