"""Every data row of a file is accounted for, and files that cannot be read get one clear line.

Each file is written by the test itself (README "Data contract", kamlab.io.lines).
"""

import csv
import io

import pandas as pd
import pytest

from kamlab import InputError, read_transactions

TODAY = "2026-11-01"
HEADER = "account_id,date,product,revenue"


def sixty_rows() -> list[str]:
    return [f"A{i},2026-03-{1 + i % 28:02d},Widget {i},{10 + i}.5" for i in range(1, 61)]


def accounted(tx, n_rows: int) -> None:
    """accepted + quarantined = the data rows, and the row numbers are 1..n with none missing."""
    c = tx.counts()
    assert c["read"] == n_rows
    assert c["accepted"] + c["quarantined"] == n_rows
    rows = sorted(tx.data["row"].tolist() + tx.quarantine["row"].tolist())
    assert rows == list(range(1, n_rows + 1))


def test_a_stray_quote_sets_its_line_aside_and_swallows_no_other_row(write):
    lines = sixty_rows()
    lines[6] = 'A7,2026-03-08,"Widget 7,17.5'  # the quote is never closed
    tx = read_transactions(write("stray.csv", "\n".join([HEADER, *lines]) + "\n"), today=TODAY)
    accounted(tx, 60)
    assert tx.counts()["by_reason"] == {"malformed_line": 1}
    bad = tx.quarantine.iloc[0]
    assert bad["row"] == 7 and bad["detail"].startswith("line 8: a quote opened")
    expected = [float(f"{10 + i}.5") for i in range(1, 61) if i != 7]
    assert tx.data["revenue"].tolist() == expected
    assert tx.data["product_id"].tolist() == [f"Widget {i}" for i in range(1, 61) if i != 7]
    assert any("malformed_line" in note for note in tx.notes)


def test_a_quote_left_open_to_the_end_of_the_file_is_malformed(write):
    text = 'account_id,date,revenue\nA1,2026-01-01,1\nA2,2026-01-02,2\nA3,"2026-01-03,3\n'
    tx = read_transactions(write("eof.csv", text), today=TODAY)
    accounted(tx, 3)
    assert tx.quarantine["detail"].tolist() == [
        "line 4: a quote opened in this line is never closed before the end of the file"
    ]
    assert tx.data["revenue"].tolist() == [1.0, 2.0]


def test_a_properly_quoted_field_may_span_lines(write):
    text = (
        "account_id,date,address,revenue\n"
        'A1,2026-01-01,"12 Main St\nSpringfield",100\n'
        "A2,2026-01-02,Elm St,5\n"
    )
    tx = read_transactions(write("address.csv", text), today=TODAY)
    accounted(tx, 2)
    assert tx.counts()["quarantined"] == 0
    assert tx.data["revenue"].tolist() == [100.0, 5.0]


def test_a_trailing_separator_on_every_line_is_recognised_not_a_shift(write):
    text = "account_id,date,revenue\nA1,2026-01-01,10,\nA2,2026-01-02,20,\n"
    tx = read_transactions(write("trailing.csv", text), today=TODAY)
    accounted(tx, 2)
    assert tx.data["account_id"].tolist() == ["A1", "A2"]
    assert tx.data["revenue"].tolist() == [10.0, 20.0]
    assert any("trailing separator" in note for note in tx.notes)


def test_a_header_with_a_trailing_separator_loses_only_its_empty_name(write):
    text = "account_id,date,revenue,\nA1,2026-01-01,10\nA2,2026-01-02,20\n"
    tx = read_transactions(write("header_trailing.csv", text), today=TODAY)
    accounted(tx, 2)
    assert tx.data["revenue"].tolist() == [10.0, 20.0]


@pytest.mark.parametrize(
    ("line", "detail"),
    [
        ("A2,2026-01-02,2,x,y", "line 3: 5 fields, the header has 3"),
        ("A2,2026-01-02", "line 3: 2 fields, the header has 3"),
    ],
)
def test_a_ragged_line_is_malformed_naming_its_line_and_field_count(write, line, detail):
    text = f"account_id,date,revenue\nA1,2026-01-01,1\n{line}\nA3,2026-01-03,3\n"
    tx = read_transactions(write("ragged.csv", text), today=TODAY)
    accounted(tx, 3)
    assert tx.quarantine["reason"].tolist() == ["malformed_line"]
    assert tx.quarantine["detail"].tolist() == [detail]
    assert tx.data["revenue"].tolist() == [1.0, 3.0]


def test_a_ragged_first_data_line_does_not_shift_the_columns(write):
    text = "account_id,date,revenue\nA1,2026-01-01,1,9\nA2,2026-01-02,2\n"
    tx = read_transactions(write("first_ragged.csv", text), today=TODAY)
    accounted(tx, 2)
    assert tx.data["account_id"].tolist() == ["A2"]
    assert tx.quarantine["detail"].tolist() == ["line 2: 4 fields, the header has 3"]


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-be-bom", "utf-32"])
@pytest.mark.parametrize("given", [None, "utf-16"])
def test_utf16_and_utf32_with_a_byte_order_mark_are_text(write, codec, given):
    text = "account_id,date,revenue\nÄ1,2026-01-01,1\n"
    data = (
        b"\xfe\xff" + text.encode("utf-16-be") if codec == "utf-16-be-bom" else text.encode(codec)
    )
    tx = read_transactions(write("wide.csv", data), encoding=given, today=TODAY)
    assert tx.data["account_id"].tolist() == ["Ä1"]


def test_nul_bytes_without_a_byte_order_mark_are_binary(write):
    with pytest.raises(InputError, match="binary"):
        read_transactions(write("nul.csv", b"\x00\x01\x02" * 100))


def test_an_unknown_encoding_is_one_line_with_the_usual_ones(write):
    with pytest.raises(InputError) as err:
        read_transactions(
            write("t.csv", "account_id,date,revenue\nA1,2026-01-01,1\n"), encoding="nope"
        )
    assert "unknown encoding 'nope'; use e.g. utf-8, latin-1, cp1252, utf-16" in str(err.value)
    assert "t.csv" in str(err.value) and "\n" not in str(err.value)


def test_a_parquet_list_column_in_a_role_is_one_line_naming_it(tmp_path):
    frame = pd.DataFrame(
        {"account_id": [[1, 2], [3]], "date": ["2026-01-01"] * 2, "revenue": [1, 2]}
    )
    frame.to_parquet(tmp_path / "lists.parquet")
    with pytest.raises(InputError) as err:
        read_transactions(tmp_path / "lists.parquet", today=TODAY)
    assert "'account_id' holds list" in str(err.value) and "\n" not in str(err.value)


def test_a_parquet_list_column_outside_the_roles_is_left_out_with_a_note(tmp_path):
    frame = pd.DataFrame(
        {
            "account_id": ["A1", "A2"],
            "date": ["2026-01-01"] * 2,
            "revenue": [1, 2],
            "tags": [[1], []],
        }
    )
    frame.to_parquet(tmp_path / "tags.parquet")
    tx = read_transactions(tmp_path / "tags.parquet", today=TODAY)
    accounted(tx, 2)
    assert any("'tags'" in note for note in tx.notes)


def test_repeated_parquet_column_names_are_one_line_naming_them(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.table([["A1"], ["2026-01-01"], [1.0]], names=["account_id", "date", "date"])
    pq.write_table(table, tmp_path / "dupes.parquet")
    with pytest.raises(InputError) as err:
        read_transactions(tmp_path / "dupes.parquet", today=TODAY)
    assert "'date' appear more than once" in str(err.value) and "\n" not in str(err.value)


def test_a_file_without_header_whose_lines_end_with_a_separator_keeps_its_columns(write):
    path = write("no_header.csv", "A1,2026-01-01,1,\nA2,2026-01-02,2,\n")
    tx = read_transactions(path, names=["account_id", "date", "revenue"], today=TODAY)
    accounted(tx, 2)
    assert tx.data["revenue"].tolist() == [1.0, 2.0]


def test_windows_line_ends_and_a_stray_quote_lose_no_row(write):
    text = 'account_id,date,revenue\r\nA1,"2026-01-01,1\r\nA2,2026-01-02,2\r\nA3,2026-01-03,3\r\n'
    tx = read_transactions(write("crlf.csv", text), today=TODAY)
    accounted(tx, 3)
    assert tx.data["account_id"].tolist() == ["A2", "A3"]


def test_accounts_files_account_for_malformed_lines_too(write):
    from kamlab import read_accounts

    accounts = read_accounts(write("acc.csv", "account_id,account_name\nA1,Alpha\nA2,Beta,extra\n"))
    assert accounts.counts()["read"] == 2
    assert accounts.counts()["by_reason"] == {"malformed_line": 1}
    assert accounts.data.index.tolist() == ["A1"]


def test_a_long_line_offset_by_a_short_one_is_not_taken_for_trailing_separators(write):
    text = "account_id,date,revenue\nA1,2026-01-01,1,x,\nA2,2026-01-02,\n"
    tx = read_transactions(write("offset.csv", text), today=TODAY)
    accounted(tx, 2)
    assert tx.quarantine["detail"].tolist()[0] == "line 2: 5 fields, the header has 3"


def csv_module_text(rows: list[list[str]], **options) -> str:
    """``rows`` as Python's csv module writes them (proper quoting), header first."""
    out = io.StringIO()
    csv.writer(out, lineterminator="\n", **options).writerows(
        [["account_id", "date", "revenue", "account_name"], *rows]
    )
    return out.getvalue()


@pytest.mark.parametrize("value", ["\n", "\r\n", "\n\n"])
def test_a_quoted_value_that_is_a_line_break_is_one_row_not_a_stray_quote(write, value):
    """The csv module writes the id "\n" as a quote, a line break and a closing quote: one row."""
    text = csv_module_text([[value, "2026-01-01", "5", ""], ["A2", "2026-01-02", "6", "B"]])
    tx = read_transactions(write("newline_id.csv", text), today=TODAY)
    accounted(tx, 2)
    assert tx.counts()["by_reason"] == {"missing_account_id": 1}  # the id is blank, not malformed
    assert tx.data["revenue"].tolist() == [6.0]


def test_a_quoted_name_spanning_lines_that_look_like_rows_is_one_row_when_quotes_close_it(write):
    text = csv_module_text(
        [["A1", "2026-01-01", "5", 'x\n,a,b,"c"\n'], ["A2", "2026-01-02", "6", "B"]]
    )
    tx = read_transactions(write("newline_name.csv", text), today=TODAY)
    accounted(tx, 2)
    assert tx.counts()["quarantined"] == 0
    assert tx.data["revenue"].tolist() == [5.0, 6.0]


def test_a_stray_quote_closed_by_another_stray_quote_lines_later_swallows_no_row(write):
    lines = sixty_rows()
    lines[6] = 'A7,2026-03-08,"Widget 7,17.5'  # line 8: opened ...
    lines[13] = 'A14,2026-03-15,Widget 14",24.5'  # line 15: ... and "closed" by a stray quote
    tx = read_transactions(write("two_strays.csv", "\n".join([HEADER, *lines]) + "\n"), today=TODAY)
    accounted(tx, 60)
    assert tx.counts()["by_reason"] == {"malformed_line": 1}
    assert (
        tx.quarantine["detail"]
        .iloc[0]
        .startswith("line 8: a quote opened in this line is never closed")
    )
    assert [f"A{i}" for i in range(8, 14)] == tx.data["account_id"].tolist()[6:12]  # lines 9-14
    assert tx.data["product_id"].iloc[12] == 'Widget 14"'  # a quote inside a field is text


@pytest.mark.parametrize("lines", [1, 1000])
def test_text_after_a_closing_quote_is_a_malformed_line_never_a_joined_value(write, lines):
    """pandas and a lenient csv reader read `"x" y` as `x y`; a strict reader refuses it."""
    good = [f'A{i},2026-01-0{1 + i % 9},"p{i}",{i}' for i in range(1, lines + 1)]
    text = "\n".join(["account_id,date,product,revenue", *good, 'B1,2026-01-05,"x" y,5']) + "\n"
    tx = read_transactions(write("after_quote.csv", text), today=TODAY, keep_duplicates=True)
    accounted(tx, lines + 1)
    assert tx.quarantine["reason"].tolist() == ["malformed_line"]
    assert tx.quarantine["detail"].tolist() == [f"line {lines + 2}: text after a closing quote"]
    assert tx.data["product_id"].tolist() == [f"p{i}" for i in range(1, lines + 1)]


def test_text_after_a_closing_quote_is_malformed_in_the_exact_reader_too(write):
    """A ragged line sends the file to the exact reader, which reads each record strictly."""
    text = 'account_id,date,revenue\nA1,2026-01-01,1,x\nA2,"2026"-01-02,2\nA3,2026-01-03,3\n'
    tx = read_transactions(write("exact.csv", text), today=TODAY)
    accounted(tx, 3)
    assert tx.quarantine["detail"].tolist() == [
        "line 2: 4 fields, the header has 3",
        "line 3: text after a closing quote",
    ]
    assert tx.data["account_id"].tolist() == ["A3"]


def test_a_field_closed_on_a_later_line_with_text_after_its_quote_is_malformed(write):
    text = 'account_id,date,revenue\nA1,2026-01-01,"1\n2" x,9\nA2,2026-01-02,2\n'
    tx = read_transactions(write("later.csv", text), today=TODAY)
    accounted(tx, 3)
    assert tx.quarantine["reason"].tolist() == ["malformed_line"] * 2
    assert tx.quarantine["detail"].tolist() == [
        "line 2: a quote opened in this line is closed on line 3 with text after the "
        "closing quote (line 3 on is read as rows of their own)",
        "line 3: 2 fields, the header has 3",
    ]
    assert tx.data["account_id"].tolist() == ["A2"]


def test_doubled_quotes_inside_a_quoted_field_read_as_one_quote(write):
    text = 'account_id,date,product,revenue\nA1,2026-01-01,"say ""hi""",1\nA2,2026-01-02,"a,b",2\n'
    tx = read_transactions(write("doubled.csv", text), today=TODAY)
    accounted(tx, 2)
    assert tx.counts()["quarantined"] == 0
    assert tx.data["product_id"].tolist() == ['say "hi"', "a,b"]


def test_whitespace_separated_text_after_a_closing_quote_is_malformed_too(write):
    text = 'account_id date product revenue\nA1 2026-01-01 "x-y" 5\nA2 2026-01-02 "x"y 6\n'
    tx = read_transactions(write("spaces.txt", text), today=TODAY)
    accounted(tx, 2)
    assert tx.data["product_id"].tolist() == ["x-y"]
    assert tx.quarantine["detail"].tolist() == ["line 3: text after a closing quote"]


def test_two_columns_of_the_same_name_are_refused_naming_it(write):
    path = write("dup.csv", "account_id,date,revenue,revenue\nA1,2026-01-05,5,50\n")
    with pytest.raises(
        InputError, match=r"dup.csv: column name\(s\) 'revenue' appear more than once"
    ):
        read_transactions(path, today=TODAY)


def test_a_utf8_file_with_one_latin1_line_keeps_its_utf8_lines_and_names_the_other(tmp_path):
    path = tmp_path / "pasted.csv"
    path.write_bytes(
        "account_id,date,revenue,account_name\nMüller,2026-01-05,5,Köln GmbH\n".encode()
        + b"A7,2026-01-06,8.5,caf\xe9\n"  # one line pasted from a latin-1 export
    )
    tx = read_transactions(path, today=TODAY)
    assert tx.data["account_id"].tolist() == ["Müller", "A7"]  # not MÃ¼ller
    assert tx.data["account_name"].tolist() == ["Köln GmbH", "café"]
    assert any("latin-1 on the 1 line that is not UTF-8 (line 3)" in n for n in tx.notes)


def test_a_workbook_naming_a_column_twice_is_refused_as_a_csv_is(tmp_path):
    path = tmp_path / "dup.xlsx"
    frame = pd.DataFrame([["A1", "2026-01-05", 5, 50]])
    frame.to_excel(path, index=False, header=["account_id", "date", "revenue", "revenue"])
    with pytest.raises(
        InputError, match=r"dup.xlsx: column name\(s\) 'revenue' appear more than once"
    ):
        read_transactions(path, today=TODAY)


def test_a_short_line_among_quoted_lines_ending_in_an_empty_field_is_still_malformed(write):
    lines = [f'A{i},2026-03-{1 + i % 28:02d},"Widget, {i}",{10 + i}.5,' for i in range(1, 61)]
    lines[9] = 'A10,2026-03-11,"Widget, 10",20.5'  # one field short: pandas would pad it
    header = HEADER + ",note"
    tx = read_transactions(write("short.csv", "\n".join([header, *lines]) + "\n"), today=TODAY)
    accounted(tx, 60)
    assert tx.counts()["by_reason"] == {"malformed_line": 1}
    assert tx.quarantine.iloc[0]["row"] == 10


def test_quoted_lines_ending_in_an_empty_field_are_read_at_once_not_line_by_line(write):
    from kamlab.io.files import read_table

    lines = [f'A{i},2026-03-{1 + i % 28:02d},"Widget, {i}",{10 + i}.5,' for i in range(1, 61)]
    lines[3] = 'A4,2026-03-05,"Widget, 4",14.5,"said ""hi"""'
    raw = read_table(write("empty_last.csv", "\n".join([HEADER + ",note", *lines]) + "\n"))
    assert raw.rows is None and raw.malformed is None  # the fast reading, every row kept
    assert raw.frame["note"].tolist() == [""] * 3 + ['said "hi"'] + [""] * 56
    assert raw.frame["product"].iloc[0] == "Widget, 1"
