"""Hostile input files: each gets its documented result, and no row is lost.

Every file here is written by the test itself, so each case reads as a small
specification of one rule in kamlab.io (README "Data contract").
"""

import pandas as pd
import pytest

from kamlab import InputError, MissingColumnError, read_transactions
from kamlab.safe import write_csv

TODAY = "2026-11-01"
GOOD = "account_id,date,revenue\nA1,2026-01-05,100\nA2,2026-01-06,50.5\n"


def accounted(tx, n_rows: int) -> None:
    """Every data row of the file is either accepted or quarantined."""
    c = tx.counts()
    assert c["read"] == n_rows
    assert c["accepted"] + c["quarantined"] == c["read"]
    assert sum(c["by_reason"].values()) == c["quarantined"]


def test_missing_required_column_names_the_role_and_the_columns_found(write):
    path = write("no_date.csv", "account_id,revenue\nA1,10\n")
    with pytest.raises(MissingColumnError) as err:
        read_transactions(path)
    message = str(err.value)
    assert "'date'" in message and "account_id, revenue" in message and "--column date=" in message


def test_amount_column_missing_asks_for_revenue_or_quantity_and_price(write):
    path = write("no_amount.csv", "account_id,date,quantity\nA1,2026-01-05,3\n")
    with pytest.raises(MissingColumnError, match="unit_price"):
        read_transactions(path)


def test_renamed_columns_fail_until_mapped_then_read_in_full(write):
    path = write("renamed.csv", "Kunde,Datum,Betrag\nK1,2026-01-05,10\nK2,2026-02-05,20\n")
    with pytest.raises(MissingColumnError, match="account_id"):
        read_transactions(path)
    tx = read_transactions(
        path, {"account_id": "Kunde", "date": "Datum", "revenue": "Betrag"}, today=TODAY
    )
    accounted(tx, 2)
    assert tx.counts()["accepted"] == 2
    assert tx.data["revenue"].tolist() == [10.0, 20.0]


def test_a_mapped_column_that_does_not_exist_is_a_clear_error(write):
    path = write("t.csv", GOOD)
    with pytest.raises(Exception, match="'Customer' given for role 'account_id' is not in"):
        read_transactions(path, {"account_id": "Customer"})


def test_bad_dates_are_quarantined_with_the_value(write):
    path = write("bad_dates.csv", GOOD + "A3,2026-13-45,10\nA4,yesterday,10\nA5,,10\n")
    tx = read_transactions(path, today=TODAY)
    accounted(tx, 5)
    assert tx.counts()["by_reason"] == {"unparseable_date": 3}
    assert set(tx.quarantine["row"]) == {3, 4, 5}
    assert "date=yesterday" in tx.quarantine["detail"].tolist()


def test_text_in_amounts_is_quarantined(write):
    path = write(
        "text_amounts.csv", GOOD + "A3,2026-01-07,abc\nA4,2026-01-07,12.5.3\nA5,2026-01-07,1e999\n"
    )
    tx = read_transactions(path, today=TODAY)
    accounted(tx, 5)
    assert tx.counts()["by_reason"] == {"non_numeric_amount": 3}


def test_thousands_separators_and_currency_signs_are_numbers(write):
    path = write(
        "money.csv", 'account_id,date,revenue\nA1,2026-01-05,"1,234.50"\nA2,2026-01-05,£20\n'
    )
    tx = read_transactions(path, today=TODAY)
    assert tx.data["revenue"].tolist() == [1234.5, 20.0]


def test_empty_file_is_an_error(write):
    with pytest.raises(InputError, match="empty"):
        read_transactions(write("empty.csv", ""))


def test_header_only_file_is_an_error_naming_the_header(write):
    with pytest.raises(InputError, match="no data rows"):
        read_transactions(write("header_only.csv", "account_id,date,revenue\n"))


def test_latin1_file_is_read_and_the_run_says_so(write):
    text = "account_id,date,revenue,account_name\nA1,2026-01-05,10,Société Générale\n"
    tx = read_transactions(write("latin1.csv", text, encoding="latin-1"), today=TODAY)
    accounted(tx, 1)
    assert tx.data["account_name"].iloc[0] == "Société Générale"
    assert any("latin-1" in note for note in tx.notes)


def test_utf8_with_bom_is_read(write):
    tx = read_transactions(write("bom.csv", "\ufeff" + GOOD), today=TODAY)
    assert tx.mapping.columns["account_id"] == "account_id"


def test_semicolon_separated_with_decimal_commas(write):
    path = write(
        "semicolon.csv", "Kunde;Datum;Umsatz\nK1;05.01.2026;12,50\nK2;06.01.2026;1.234,00\n"
    )
    tx = read_transactions(
        path, {"account_id": "Kunde", "date": "Datum", "revenue": "Umsatz"}, today=TODAY
    )
    accounted(tx, 2)
    assert tx.data["revenue"].tolist() == [12.5, 1234.0]
    assert tx.data["date"].dt.strftime("%Y-%m-%d").tolist() == ["2026-01-05", "2026-01-06"]


def test_tab_and_whitespace_separated_files(write):
    tab = read_transactions(write("t.tsv", GOOD.replace(",", "\t")), today=TODAY)
    ws = read_transactions(
        write("w.txt", " A1  20260105   10.0\n A2  20260106  5.5\n"),
        names=["account_id", "date", "revenue"],
        today=TODAY,
    )
    assert tab.counts()["accepted"] == 2 and ws.counts()["accepted"] == 2
    assert ws.data["date"].dt.day.tolist() == [5, 6]


def test_exact_duplicate_lines_are_quarantined_but_the_first_is_kept(write):
    path = write("dups.csv", GOOD + "A1,2026-01-05,100\nA1,2026-01-05,100\n")
    tx = read_transactions(path, today=TODAY)
    accounted(tx, 4)
    assert tx.counts()["by_reason"] == {"duplicate_line": 2}
    assert tx.quarantine["row"].tolist() == [3, 4]
    assert read_transactions(path, keep_duplicates=True, today=TODAY).counts()["accepted"] == 4


def test_zero_and_negative_prices_and_zero_quantities(write):
    text = (
        "order_id,account_id,date,quantity,unit_price\n"
        "O1,A1,2026-01-05,2,10\n"
        "O2,A1,2026-01-05,3,0\n"
        "O3,A1,2026-01-05,1,-11062.06\n"
        "O4,A1,2026-01-05,0,5\n"
        "C1,A1,2026-01-09,-1,10\n"
    )
    tx = read_transactions(write("prices.csv", text), today=TODAY)
    accounted(tx, 5)
    assert tx.counts()["by_reason"] == {"zero_price": 1, "negative_price": 1, "zero_quantity": 1}
    assert tx.data["revenue"].tolist() == [20.0, -10.0]
    assert tx.data["is_return"].tolist() == [False, True]


def test_cancellation_order_ids_are_returns_even_with_positive_quantity(write):
    text = (
        "order_id,account_id,date,quantity,unit_price\n"
        "O1,A1,2026-01-05,2,10\nO2,A1,2026-01-05,1,10\nC1,A1,2026-01-06,2,10\n"
    )
    tx = read_transactions(write("cancel.csv", text), today=TODAY)
    assert tx.data["revenue"].sum() == 10
    assert tx.data["is_return"].tolist() == [False, False, True]


def test_future_dates_are_quarantined_against_the_run_date(write):
    path = write("future.csv", GOOD + "A3,2027-01-01,10\n")
    tx = read_transactions(path, today=TODAY)
    accounted(tx, 3)
    assert tx.counts()["by_reason"] == {"date_in_future": 1}


@pytest.mark.parametrize(
    "date", ["2999-12-31", "9999-12-31", "2300-01-01", "1650-01-01", "0000-01-01", "1899-12-31"]
)
def test_dates_outside_the_supported_range_are_quarantined_never_wrapped_round(write, date):
    path = write("far.csv", GOOD + f"A3,{date},10\n")
    tx = read_transactions(path, today=TODAY)
    accounted(tx, 3)
    assert tx.counts()["by_reason"] == {"date_out_of_range": 1}
    assert tx.data["date"].between("1900-01-01", "2199-12-31").all()


@pytest.mark.parametrize("word", ["today", "now", "Yesterday"])
def test_words_are_not_dates(write, word):
    tx = read_transactions(write("word.csv", GOOD + f"A3,{word},10\n"), today=TODAY)
    accounted(tx, 3)
    assert tx.counts()["by_reason"] == {"unparseable_date": 1}


def test_the_edges_of_the_supported_range_are_dates(write):
    text = "account_id,date,revenue\nA1,1900-01-01,1\nA2,2199-12-31,1\n"
    tx = read_transactions(write("edges.csv", text), today="2200-01-01")
    accounted(tx, 2)
    assert tx.data["date"].dt.year.tolist() == [1900, 2199]


def test_one_decimal_comma_among_thousands_commas_is_quarantined_not_reread(write):
    text = 'account_id,date,revenue\nA1,2026-01-05,"6,522"\nA2,2026-01-06,"1,234"\n'
    text += 'A3,2026-01-07,"12,50"\nA4,2026-01-08,"7,000"\n'
    tx = read_transactions(write("thousands.csv", text), today=TODAY)
    accounted(tx, 4)
    assert tx.data["revenue"].tolist() == [6522.0, 1234.0, 7000.0]
    assert tx.counts()["by_reason"] == {"non_numeric_amount": 1}


def test_a_decimal_comma_column_is_read_as_one(write):
    text = 'account_id,date,revenue\nA1,2026-01-05,"12,50"\nA2,2026-01-06,"1.234,50"\n'
    tx = read_transactions(write("comma.csv", text), today=TODAY)
    accounted(tx, 2)
    assert tx.data["revenue"].tolist() == [12.5, 1234.5]
    assert any("decimal comma" in note for note in tx.notes)


def test_mixed_date_formats_are_each_read(write):
    text = "account_id,date,revenue\nA1,2026-01-05,1\nA2,01/06/2026,1\nA3,Jan 7 2026,1\nA4,20260108,1\n"
    tx = read_transactions(write("mixed.csv", text), today=TODAY)
    accounted(tx, 4)
    assert tx.data["date"].dt.strftime("%m-%d").tolist() == ["01-05", "01-06", "01-07", "01-08"]
    note = " ".join(tx.notes)  # each format the column holds is named
    assert all(
        f in note for f in ["ISO 8601", "YYYYMMDD", "month/day/four-digit year", "month name"]
    )


def test_dayfirst_decides_ambiguous_dates(write):
    path = write("uk.csv", "account_id,date,revenue\nA1,01/02/2026,1\nA2,25/02/2026,1\n")
    assert read_transactions(path, dayfirst=True, today=TODAY).data["date"].dt.month.tolist() == [
        2,
        2,
    ]


def test_rows_without_account_id_are_quarantined(write):
    path = write("no_id.csv", GOOD + " ,2026-01-07,10\n,2026-01-07,10\n")
    tx = read_transactions(path, today=TODAY)
    accounted(tx, 4)
    assert tx.counts()["by_reason"] == {"missing_account_id": 2}


def test_unknown_account_ids_are_quarantined_when_accounts_are_given(write):
    tx = read_transactions(write("t.csv", GOOD), accounts=["A1"], today=TODAY)
    accounted(tx, 2)
    assert tx.counts()["by_reason"] == {"unknown_account": 1}


def test_script_account_name_is_kept_as_plain_text_and_escaped_in_html(write):
    name = "<script>alert(1)</script>"
    tx = read_transactions(
        write(
            "xss.csv",
            GOOD.replace("revenue\n", "revenue,account_name\n")
            .replace("100\n", f"100,{name}\n")
            .replace("50.5\n", "50.5,B\n"),
        ),
        today=TODAY,
    )
    assert tx.data["account_name"].iloc[0] == name
    html = tx.data.to_html()
    assert name not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_formula_account_name_is_neutralised_in_csv_output(write, tmp_path):
    name = '=HYPERLINK("http://x","y")'
    path = write(
        "formula.csv",
        f'account_id,date,revenue,account_name\nA1,2026-01-05,10,"{name.replace(chr(34), chr(34) * 2)}"\n',
    )
    tx = read_transactions(path, today=TODAY)
    assert tx.data["account_name"].iloc[0] == name
    out = write_csv(tx.data, tmp_path / "out.csv", index=False)
    written = pd.read_csv(out)
    assert written["account_name"].iloc[0] == "'" + name
    assert written["revenue"].iloc[0] == 10


def test_a_10_mb_field_is_quarantined_as_oversized_and_the_rest_is_read(write):
    big = "x" * 10_000_000
    tx = read_transactions(
        write("big.csv", GOOD + f"A3,2026-01-07,10\n{big},2026-01-07,10\n"), today=TODAY
    )
    accounted(tx, 4)
    assert tx.counts()["by_reason"] == {"oversized_field": 1}
    assert len(tx.quarantine["detail"].iloc[0]) < 100


def test_binary_file_is_refused_with_a_hint(write):
    with pytest.raises(InputError, match="binary"):
        read_transactions(write("data.csv", b"PAR1\x00\x01\x02garbage"))


def test_a_ragged_row_is_quarantined_naming_the_line(write):
    tx = read_transactions(
        write("ragged.csv", GOOD + "A3,2026-01-07,10,extra,fields\n"), today=TODAY
    )
    accounted(tx, 3)
    assert tx.quarantine["detail"].tolist() == ["line 4: 5 fields, the header has 3"]


def test_excel_and_parquet_are_read_like_csv(tmp_path):
    frame = pd.DataFrame(
        {
            "Customer ID": [1.0, 2.0],
            "InvoiceDate": pd.to_datetime(["2026-01-05", "2026-01-06"]),
            "Quantity": [2, 3],
            "Price": [1.5, 2.0],
        }
    )
    frame.to_parquet(tmp_path / "t.parquet")
    frame.to_excel(tmp_path / "t.xlsx", index=False)
    for name in ("t.parquet", "t.xlsx"):
        tx = read_transactions(tmp_path / name, today=TODAY)
        assert tx.data["account_id"].tolist() == ["1", "2"]
        assert tx.data["revenue"].tolist() == [3.0, 6.0]


def test_order_ids_that_all_start_with_c_are_not_cancellations(write):
    text = "order_id,account_id,date,quantity,unit_price\nCO-1,A1,2026-01-05,2,10\nCO-2,A1,2026-01-06,1,10\n"
    tx = read_transactions(write("c_orders.csv", text), today=TODAY)
    assert not tx.data["is_return"].any()
    assert tx.data["revenue"].tolist() == [20.0, 10.0]


def test_accounts_may_be_passed_as_read(write):
    from kamlab import read_accounts

    accounts = read_accounts(write("acc.csv", "account_id,name\nA1,Alpha\n"))
    tx = read_transactions(write("t.csv", GOOD), accounts=accounts, today=TODAY)
    assert tx.counts()["by_reason"] == {"unknown_account": 1}
