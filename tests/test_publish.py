"""kamlab.publish: saved tables, the workbook, the HTML document, the PDF, figures (no kernels)."""

import base64
import datetime as dt
import io
import re

import nbformat
import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook

from kamlab.publish import save_table
from kamlab.publish import workbook as wbk
from kamlab.publish.html import render_report
from kamlab.publish.notebook import figures
from kamlab.publish.pdf import write_pdf
from kamlab.publish.sanitize import sanitize_html
from kamlab.publish.tables import SavedTable, load_report_tables

XSS = "<script>alert(1)</script>"
FORMULA = '=HYPERLINK("http://x","y")'
EXTERNAL = re.compile(
    r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//|url\(\s*["']?\s*(?:https?:)?//|@import""", re.I
)
# a 1x1 PNG
PNG = base64.b64encode(
    bytes.fromhex(
        "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
        "0000000d49444154789c6360000002000001e221bc330000000049454e44ae426082"
    )
).decode()


# --------------------------------------------------------------------------- tables


def test_save_table_is_a_no_op_without_a_folder(tmp_path):
    save_table(pd.DataFrame({"a": [1]}), "t", None)
    assert not any(tmp_path.iterdir())


def test_saved_tables_come_back_in_order_with_titles_and_formats(tmp_path):
    folder = tmp_path / "tables" / "01_x"
    save_table(pd.DataFrame({"b": [2.5]}), "second_first", folder, title="B")
    save_table(pd.Series([1, 2], name="a"), "then_a", folder, formats={"a": "money"})
    tables = load_report_tables(tmp_path / "tables", ["01_x.ipynb"])
    assert [t.name for t in tables] == ["second_first", "then_a"]
    assert [t.title for t in tables] == ["B", "then a"]
    assert tables[1].formats == {"a": "money"} and tables[1].source == "01_x"
    pd.testing.assert_frame_equal(tables[1].frame, pd.DataFrame({"a": [1, 2]}))
    assert load_report_tables(tmp_path / "none", ["01_x.ipynb"]) == []


@pytest.mark.parametrize("name", ["", "a b", "../x", "x" * 65, "=x"])
def test_table_names_are_plain(tmp_path, name):
    with pytest.raises(ValueError, match="table name"):
        save_table(pd.DataFrame({"a": [1]}), name, tmp_path)


def test_a_table_name_is_saved_once_and_formats_are_known(tmp_path):
    save_table(pd.DataFrame({"a": [1]}), "t", tmp_path)
    with pytest.raises(ValueError, match="already saved"):
        save_table(pd.DataFrame({"a": [1]}), "t", tmp_path)
    with pytest.raises(ValueError, match="unknown formats"):
        save_table(pd.DataFrame({"a": [1]}), "u", tmp_path, formats={"a": "euros"})


# --------------------------------------------------------------------------- workbook


def _table(frame, name="t", **kw):
    return SavedTable(
        name, kw.pop("title", name), frame, kw.pop("formats", {}), kw.pop("source", "")
    )


def test_workbook_text_is_inert_and_awkward_values_are_written(tmp_path):
    frame = pd.DataFrame(
        {
            "account_name": [FORMULA, XSS, "@SUM(A1)", "+44 1234", "bad\x00name\x07", "#N/A"],
            "revenue": [1234.5, -10.0, np.nan, np.inf, 0.0, 1.0],
            "share": [0.5, 0.25, 0.1, 0.1, 0.05, 0.0],
            "orders": [1, 2, 3, 4, 5, 6],
            "first_purchase": pd.to_datetime(["2026-01-02"] * 5 + [None]).tz_localize("UTC"),
            "mixed": [1, "x", None, dt.date(2026, 1, 1), pd.NA, 2.5],
        },
        index=pd.Index(["=A1", "A2", "A3", "A4", "A5", "A6"], name="account_id"),
    )
    path = tmp_path / "s.xlsx"
    sheets = wbk.write_workbook([_table(frame, "accounts")], path, facts=[("Run date", "x")])
    assert sheets == ["Contents", "accounts"]
    ws = load_workbook(path)["accounts"]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0] == (
        "Account", "Account name", "Net revenue, last 12 months (GBP)", "Share", "Orders",
        "First purchase", "Mixed",
    )  # fmt: skip
    names = [r[1] for r in rows[1:]]
    assert names == ["'" + FORMULA, XSS, "'@SUM(A1)", "'+44 1234", "badname", "#N/A"]
    assert rows[1][0] == "'=A1"
    for cell in ws["B"][1:] + ws["A"][1:]:
        assert cell.data_type == "s"  # text, never a formula or an error value
    assert [r[2] for r in rows[1:]] == [1234.5, -10.0, None, None, 0.0, 1.0]
    assert rows[1][5] == dt.datetime(2026, 1, 2) and rows[6][5] is None
    assert [r[6] for r in rows[1:]] == [1, "x", None, dt.datetime(2026, 1, 1), None, 2.5]


def test_workbook_sheets_are_formatted(tmp_path):
    frame = pd.DataFrame(
        {
            "segment_name": ["a", "b"],
            "revenue": [1000.4, 2.0],
            "share_of_revenue": [0.6, 0.4],
            "uplift_pct": [5.0, 6.0],
            "orders": [10, 20000],
            "probability_alive": [0.93, 0.2],
            "day": pd.to_datetime(["2026-01-01", "2026-01-02"]),
            "ratio": [0.123, 0.456],
        }
    )
    path = tmp_path / "s.xlsx"
    wbk.write_workbook([_table(frame, "profiles", formats={"ratio": "number"})], path)
    ws = load_workbook(path)["profiles"]
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == "A1:H3"
    assert all(c.font.b for c in ws[1])
    formats = {ws.cell(1, c).value: ws.cell(2, c).number_format for c in range(1, 9)}
    assert formats == {
        "Segment name": "General",
        "Net revenue, last 12 months (GBP)": wbk.NUMBER_FORMATS["money"],
        "Share of net revenue, last 12 months": "0.0%",
        "Uplift (%)": "#,##0.00",  # already in percent units
        "Orders": "#,##0",
        "P(alive)": "0.0%",
        "Day": "yyyy-mm-dd",
        "Ratio": "#,##0.00",
    }
    assert ws.column_dimensions["A"].width == len("Segment name") + 2
    assert ws.column_dimensions["B"].width == wbk.HEADER_WIDTH + 2  # a long header wraps


def test_sheet_names_are_valid_and_unique():
    used = {"contents"}
    names = [
        wbk.sheet_name(n, used)
        for n in ["watch_list", "watch_list", "a" * 40, "a" * 40, "x[1]:y/z?", "History", "'q'"]
    ]
    assert names[:2] == ["watch_list", "watch_list~2"]
    assert names[2] == "a" * 31 and names[3] == "a" * 29 + "~2"
    assert names[4] == "x_1__y_z_" and names[5] == "history_" and names[6] == "q"
    assert all(len(n) <= 31 for n in names)


def test_long_tables_are_cut_and_the_contents_say_so(tmp_path, monkeypatch):
    monkeypatch.setattr(wbk, "MAX_ROWS", 5)
    frame = pd.DataFrame({"revenue": np.arange(12.0)})
    path = tmp_path / "s.xlsx"
    wbk.write_workbook(
        [_table(frame, "big", title="Big one", source="03_value")],
        path,
        sections={"03_value": "What are our customers worth?"},
    )
    wb = load_workbook(path)
    assert wb["big"].max_row == 6
    contents = list(wb["Contents"].iter_rows(values_only=True))
    assert ("big", "Big one", "What are our customers worth?", 5, 12) in contents


def test_multiindex_and_duplicate_labels_are_flattened(tmp_path):
    frame = pd.DataFrame(
        [[1, 2, 3]], columns=pd.MultiIndex.from_tuples([("a", "x"), ("a", "y"), ("b", "")])
    )
    frame.index = pd.Index(["r"], name="a / x")
    path = tmp_path / "s.xlsx"
    wbk.write_workbook([_table(frame)], path)
    header = next(load_workbook(path)["t"].iter_rows(values_only=True))
    assert header == ("A / x", "A, X", "A, Y", "B")


# --------------------------------------------------------------------------- HTML


def test_sanitizer_keeps_tables_and_drops_everything_active():
    dirty = (
        '<style>.x{}</style><table border="1" class="dataframe" onclick="x()">'
        '<tr style="text-align: right;"><th>a</th><td colspan="2" style="background:url(http://e)">'
        "&lt;script&gt;alert(1)&lt;/script&gt;</td></tr></table>"
        "<script>alert(2)</script><a href='http://e'>link</a><img src='http://e/x.png'>"
        f'<img src="data:image/png;base64,{PNG}"><iframe src="http://e"></iframe><b>ok'
    )
    clean = sanitize_html(dirty)
    assert "<script" not in clean and "alert(2)" not in clean and ".x{}" not in clean
    assert "onclick" not in clean and "url(" not in clean and "iframe" not in clean
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in clean
    assert '<tr style="text-align: right;">' in clean and '<td colspan="2">' in clean
    assert "<a" not in clean and "link" in clean
    assert clean.count("<img") == 1 and not EXTERNAL.search(clean)
    assert clean.endswith("<b>ok</b>")
    wide = sanitize_html("<table><tr>" + "<td>1</td>" * 12 + "</tr></table>")
    assert wide.startswith('<table data-wide="">')


def _notebook():
    nb = nbformat.v4.new_notebook()
    out = nbformat.v4.new_output
    nb.cells = [
        nbformat.v4.new_markdown_cell("# The notebook\n\nIntro with *emphasis*."),
        nbformat.v4.new_code_cell("x = 1", metadata={"tags": ["parameters"]}, outputs=[]),
        nbformat.v4.new_code_cell(
            "print(name)",
            outputs=[
                out("stream", name="stdout", text=f"top account: {XSS}\n"),
                out("stream", name="stderr", text="UserWarning: /tmp/tmpabc123/kernel.json\n"),
                out(
                    "execute_result",
                    data={"text/html": pd.DataFrame({"n": [XSS]}).to_html(), "text/plain": "x"},
                    execution_count=1,
                ),
            ],
        ),
        nbformat.v4.new_markdown_cell("## 1. First section\n\ntext"),
        nbformat.v4.new_code_cell(
            "plot()", outputs=[out("display_data", data={"image/png": PNG, "text/plain": "F"})]
        ),
        nbformat.v4.new_code_cell(
            "secret()",
            metadata={"tags": ["remove-cell"]},
            outputs=[out("stream", name="stdout", text="hidden output\n")],
        ),
        nbformat.v4.new_markdown_cell("## 2. Pages"),
        nbformat.v4.new_code_cell(
            "pages()",
            metadata={"tags": ["page-break"]},
            outputs=[
                out("display_data", data={"text/markdown": f"### {name}\n\nbody"})
                for name in ("Alpha &amp; Co", XSS)
            ]
            + [out("display_data", data={"image/png": PNG})],
        ),
    ]
    return nb


def test_an_output_displayed_with_page_break_metadata_starts_a_page_without_a_heading():
    out = nbformat.v4.new_output
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell("# A"),
        nbformat.v4.new_code_cell(
            "pages()",
            outputs=[
                out("display_data", data={"text/markdown": "first page"}),
                out(
                    "display_data",
                    data={"text/markdown": "**second page**"},
                    metadata={"page-break": True},
                ),
            ],
        ),
    ]
    html = render_report([("01_a", nb)], title="R")
    assert '<div class="output"><p>first page</p>' in html
    assert '<div class="output page-break"><p><strong>second page</strong>' in html
    assert "second page" not in html[: html.index("</nav>")]  # not in the contents


def test_report_html_has_sections_contents_and_escaped_data():
    nb = _notebook()
    html = render_report(
        [("01_a", nb), ("02_b", nb)],
        title="Report <2026Q3>",
        facts=[("Input", "<b>file</b>.csv")],
    )
    assert html.startswith("<!DOCTYPE html>")
    assert "<title>Report &lt;2026Q3&gt;</title>" in html
    assert "<script" not in html  # neither ours nor the data's
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;b&gt;file&lt;/b&gt;.csv" in html
    assert "Alpha &amp; Co" in html and "&amp;amp;" not in html  # escaped once, not twice
    assert "UserWarning" not in html and "/tmp/tmpabc123" not in html  # stderr left out
    assert "hidden output" not in html and "print(name)" not in html  # removed cell, code
    assert not EXTERNAL.search(html)
    ids = re.findall(r'id="([^"]+)"', html)
    assert len(ids) == len(set(ids))
    for anchor in ("01-a", "02-b", "01-a-1-first-section", "02-b-1-first-section"):
        assert f'href="#{anchor}"' in html and f'id="{anchor}"' in html
    assert 'href="#01-a-alpha-co"' in html  # a page heading is in the contents
    breaks = re.findall(r'class="(?:output )?page-break"', html)
    assert len(breaks) == 2 * 3  # the cell (its first output), and each page heading
    assert html.index('id="01-a"') < html.index('id="02-b"') < html.index("About this report</h1>")


def test_figures_are_named_by_notebook_and_number():
    files = list(figures(_notebook(), "03_value"))
    assert [name for name, _ in files] == ["03_value-1.png", "03_value-2.png"]
    assert all(data.startswith(b"\x89PNG") for _, data in files)


def test_pdf_has_pages_and_fetches_nothing(tmp_path):
    from pypdf import PdfReader

    html = render_report([("01_a", _notebook())], title="Report").replace(
        "</main>", '<img src="http://192.0.2.1/x.png"></main>'
    )
    pages = write_pdf(html, tmp_path / "r.pdf")
    reader = PdfReader(io.BytesIO((tmp_path / "r.pdf").read_bytes()))
    assert pages == len(reader.pages) >= 3  # cover + contents, the section, about


# --------------------------------------------------------------------------- report mode


def _tagged_notebook():
    """A notebook with cells for the analyst, for the appendix and for the reader."""
    nb = nbformat.v4.new_notebook()
    out = nbformat.v4.new_output
    md, code = nbformat.v4.new_markdown_cell, nbformat.v4.new_code_cell
    nb.cells = [
        md("# Value\n\nThe finding comes first."),
        md(
            "Change the parameters below to run it on your own data.",
            metadata={"tags": ["analyst"]},
        ),
        code(
            "debug()",
            metadata={"tags": ["analyst"]},
            outputs=[out("stream", name="stdout", text="dtypes for the analyst\n")],
        ),
        md("## The sBG model\n\nFader and Hardie (2007).", metadata={"tags": ["appendix"]}),
        code(
            "table()",
            metadata={"tags": ["hide-input"]},
            outputs=[out("stream", name="stdout", text="the value table\n")],
        ),
        code(
            "cohort()",
            metadata={"tags": ["appendix"]},
            outputs=[out("display_data", data={"image/png": PNG})],
        ),
        md("More background, in order.", metadata={"tags": ["appendix"]}),
        md("## Next steps\n\nCall them."),
    ]
    return nb


def test_analyst_cells_are_left_out_of_the_report_and_kept_in_the_notebook():
    nb = _tagged_notebook()
    html = render_report([("03_value", nb)], title="Report")
    assert "Change the parameters" not in html and "dtypes for the analyst" not in html
    assert "debug()" not in html and "table()" not in html  # code is never shown
    assert "the value table" in html  # hide-input: the output stays
    assert any("Change the parameters" in c.source for c in nb.cells)  # the notebook keeps it


def test_appendix_cells_move_to_the_end_under_their_notebooks_title_in_order():
    html = render_report(
        [("03_value", _tagged_notebook()), ("05_key_accounts", _notebook())], title="Report"
    )
    main = html.index('id="03-value"')
    appendix = html.index("Appendix: methods and background</h1>")
    # after every notebook's section (the key account pages included), before the facts
    assert (
        main < html.index('id="05-key-accounts"') < appendix < html.index("About this report</h1>")
    )
    tail = html[appendix:]
    assert tail.index(">Value</h2>") < tail.index("The sBG model</h3>")  # one level down
    assert tail.index("The sBG model") < tail.index("<img") < tail.index("More background")
    assert "Fader and Hardie" not in html[:appendix]  # moved, not copied
    assert html[main:appendix].index("The finding") < html[main:appendix].index("Next steps")
    assert 'href="#appendix"' in html and 'href="#appendix-03-value"' in html  # contents
    ids = re.findall(r'id="([^"]+)"', html)
    assert len(ids) == len(set(ids))


def test_no_appendix_section_without_appendix_cells_and_figures_keep_their_numbers():
    html = render_report([("01_a", _notebook())], title="Report")
    assert "Appendix" not in html
    names = [name for name, _ in figures(_tagged_notebook(), "03_value")]
    assert names == ["03_value-1.png"]  # an appendix figure is still a report figure
    assert 'alt="Figure 03_value-1.png"' in render_report(
        [("03_value", _tagged_notebook())], title="Report"
    )


def test_pdf_text_is_found_where_it_is_drawn_and_off_the_page_when_cut(tmp_path):
    from kamlab.publish.pdfcheck import MM, section_pages, text_outside, text_runs

    fits = render_report([("01_a", _notebook())], title="Report")
    write_pdf(fits, tmp_path / "fits.pdf")
    runs = text_runs(tmp_path / "fits.pdf")
    title = next(r for r in runs if r.text == "Report")
    assert title.page == 1 and title.x0 == pytest.approx(14 * MM, abs=1)  # the left margin
    assert title.y > title.height / 2  # near the top: y is from the bottom edge
    assert not text_outside(tmp_path / "fits.pdf")
    assert section_pages(tmp_path / "fits.pdf")["The notebook"] == 2

    wide = pd.DataFrame([["x" * 30] * 6], columns=[f"column_{i}" * 3 for i in range(6)])
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell("# Wide"),
        nbformat.v4.new_code_cell(
            "t",
            outputs=[nbformat.v4.new_output("display_data", data={"text/html": wide.to_html()})],
        ),
    ]
    cut = render_report([("01_wide", nb)], title="Report").replace("overflow-wrap: anywhere", "")
    write_pdf(cut, tmp_path / "cut.pdf")
    outside = text_outside(tmp_path / "cut.pdf")
    assert outside and all(r.x1 > r.width - 5 * MM for r in outside)


def test_the_screenshot_script_needs_a_built_report_and_no_browser_to_say_so(tmp_path):
    import subprocess
    import sys
    from pathlib import Path

    script = Path(__file__).resolve().parent.parent / "scripts" / "screenshots.py"
    shown = subprocess.run([sys.executable, script, "--help"], capture_output=True, text=True)
    assert shown.returncode == 0 and "--readme" in shown.stdout
    empty = subprocess.run([sys.executable, script, tmp_path], capture_output=True, text=True)
    assert empty.returncode != 0 and "holds no built report" in empty.stderr
