"""Dates, amounts and ids are read once per column by a stated rule, never silently
changed (issue 16): the README "Data contract" rules, one test each."""

import datetime as dt

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kamlab.errors import InputError
from kamlab.io.accounts import read_accounts
from kamlab.io.parse import numbers_if_all, parse_dates, parse_ids, parse_numbers
from kamlab.io.transactions import read_transactions

TODAY = "2026-12-31"


def read(write, lines, name="t.csv", header="account_id,date,revenue", **options):
    text = header + "\n" + "".join(line + "\n" for line in lines)
    tx = read_transactions(write(name, text), **{"today": TODAY, **options})
    counts = tx.counts()
    assert counts["accepted"] + counts["quarantined"] == counts["read"] == len(lines)
    return tx


def dates_of(tx):
    return tx.data["date"].dt.strftime("%Y-%m-%d %H:%M").str.removesuffix(" 00:00").tolist()


def date_note(tx):
    return next(note for note in tx.notes if note.startswith("dates read as"))


# --- date order: one per column ------------------------------------------------------


def test_a_day_first_two_digit_year_column_is_read_day_first_in_every_value(write):
    tx = read(write, ["A1,11.02.26,1", "A2,25.02.26,1", "A3,01.03.26,1", "A4,31.12.99,1"])
    assert dates_of(tx) == ["2026-02-11", "2026-02-25", "2026-03-01", "1999-12-31"]
    assert "day.month.two-digit year (31.12.26)" in date_note(tx)


def test_a_month_first_two_digit_year_column_is_read_month_first_in_every_value(write):
    lines = ["A1,02/11/26,1", "A2,02/25/26,1", "A3,03/01/68,1", "A4,03/01/69,1"]
    tx = read(write, lines, today="2100-01-01")
    # Python's %y: 00-68 are 2000-2068, 69-99 are 1969-1999
    assert dates_of(tx) == ["2026-02-11", "2026-02-25", "2068-03-01", "1969-03-01"]
    assert "month/day/two-digit year (12/31/26)" in date_note(tx)


@pytest.mark.parametrize(
    ("dayfirst", "expected", "words"),
    [
        (False, ["2026-01-02", "2026-03-04"], "read month-first"),
        (True, ["2026-02-01", "2026-04-03"], "read day-first"),
    ],
)
def test_an_ambiguous_column_follows_dayfirst_and_the_note_says_so(
    write, dayfirst, expected, words
):
    tx = read(write, ["A1,01/02/2026,1", "A2,03/04/2026,1"], dayfirst=dayfirst)
    assert dates_of(tx) == expected
    assert "ambiguous" in date_note(tx) and words in date_note(tx)


def test_an_empty_date_or_amount_is_said_to_be_empty(write, tmp_path):
    tx = read(write, ["A1,2026-01-02,5", "A2,,6", "A3,2026-01-03,", "A4,2026-01-04, "])
    assert tx.quarantine["detail"].tolist() == [
        "date is empty",
        "revenue is empty",
        "revenue is empty",
    ]
    typed = pd.DataFrame({"account_id": ["A1", "A2"], "date": pd.to_datetime(["2026-01-02", None])})
    typed["revenue"] = [5.0, 6.0]
    typed.to_parquet(tmp_path / "typed.parquet")
    quarantine = read_transactions(tmp_path / "typed.parquet", today=TODAY).quarantine
    assert quarantine[["reason", "detail"]].values.tolist() == [
        ["unparseable_date", "date is empty"]
    ]


def test_a_column_mixing_two_orders_sets_the_minority_aside_and_never_rereads_it(write):
    lines = ["A1,25/01/2026,1", "A2,26/01/2026,1", "A3,01/25/2026,1", "A4,05/01/2026,1"]
    tx = read(write, lines, dayfirst=False)
    assert dates_of(tx) == ["2026-01-25", "2026-01-26", "2026-01-05"]  # 05/01 day-first too
    assert tx.quarantine["detail"].tolist() == ["date=01/25/2026"]
    assert tx.quarantine["reason"].tolist() == ["unparseable_date"]
    assert "other order" in date_note(tx)


def test_a_value_with_another_separator_or_year_width_does_not_fit_the_column(write):
    tx = read(write, ["A1,31/12/2025,1", "A2,30/12/2025,1", "A3,29.12.2025,1", "A4,28/12/25,1"])
    assert dates_of(tx) == ["2025-12-31", "2025-12-30"]
    assert tx.counts()["by_reason"] == {"unparseable_date": 2}


def test_year_first_dates_are_read_in_any_column_and_times_are_optional(write):
    lines = ["A1,2026-01-05,1", "A2,2026-01-06 14:30,1", "A3,20260107,1", "A4,2026/01/08,1"]
    tx = read(write, lines)
    assert dates_of(tx) == ["2026-01-05", "2026-01-06 14:30", "2026-01-07", "2026-01-08"]
    assert "ISO 8601 (2026-12-31)" in date_note(tx) and "YYYYMMDD" in date_note(tx)


def test_times_with_am_pm_are_read_on_the_24_hour_clock(write):
    tx = read(write, ["A1,1/5/2026 1:30:00 PM,1", "A2,1/25/2026 12:10:00 AM,1"])
    assert dates_of(tx) == ["2026-01-05 13:30", "2026-01-25 00:10"]


def test_the_date_note_is_printed_by_kamlab_summarize(write, tmp_path, capsys):
    from kamlab.cli import main

    path = write("t.csv", "account_id,date,revenue\nA1,11.02.26,1\nA2,25.02.26,1\n")
    main(["summarize", str(path), "--today", TODAY, "--out", str(tmp_path / "out")])
    assert "day.month.two-digit year (31.12.26)" in capsys.readouterr().err


# --- time zones -------------------------------------------------------------------------


def test_mixed_offsets_are_converted_to_utc_and_naive_times_are_taken_as_they_are(write):
    lines = [
        "A1,2026-01-05T10:00:00+01:00,1",
        "A2,2026-01-05T10:00:00-05:00,1",
        "A3,2026-01-05T10:00:00Z,1",
        "A4,2026-01-05T10:00:00,1",
        "A5,2026-01-05 10:00:00+0530,1",
        "A6,2026-01-05 10:00:00 UTC,1",
    ]
    tx = read(write, lines)
    assert dates_of(tx) == [
        "2026-01-05 09:00",
        "2026-01-05 15:00",
        "2026-01-05 10:00",
        "2026-01-05 10:00",
        "2026-01-05 04:30",
        "2026-01-05 10:00",
    ]
    assert "times with offsets converted to UTC" in date_note(tx)


def test_an_offset_that_takes_a_date_out_of_the_range_is_out_of_range(write):
    tx = read(write, ["A1,2199-12-31T23:00:00-05:00,1", "A2,2026-01-05,1"], today="2300-01-01")
    assert tx.counts()["by_reason"] == {"date_out_of_range": 1}


@pytest.mark.parametrize("date", ["2262-04-12", "2262-04-11T23:47:16.854775808", "3000-01-01"])
def test_dates_just_beyond_the_nanosecond_range_are_out_of_range_not_a_crash(write, date):
    tx = read(write, [f"A1,{date},1", "A2,2026-01-05,1"])
    assert tx.counts()["by_reason"] == {"date_out_of_range": 1}


@pytest.mark.parametrize("unit", ["s", "ms", "us", "ns"])
def test_typed_dates_of_every_unit_are_kept(tmp_path, unit):
    stamps = pa.array(
        [dt.datetime(2026, 1, 5), dt.datetime(2026, 1, 6, 10, 30)], pa.timestamp(unit)
    )
    path = tmp_path / "t.parquet"
    pq.write_table(
        pa.table({"account_id": ["A1", "A2"], "date": stamps, "revenue": [1.0, 2.0]}), path
    )
    tx = read_transactions(path, today=TODAY)
    assert dates_of(tx) == ["2026-01-05", "2026-01-06 10:30"]


def test_typed_dates_in_year_2999_are_out_of_range_not_a_crash(tmp_path):
    stamps = pa.array([dt.datetime(2026, 1, 5), dt.datetime(2999, 12, 31)], pa.timestamp("us"))
    path = tmp_path / "t.parquet"
    pq.write_table(
        pa.table({"account_id": ["A1", "A2"], "date": stamps, "revenue": [1.0, 2.0]}), path
    )
    tx = read_transactions(path, today=TODAY)
    assert tx.counts()["by_reason"] == {"date_out_of_range": 1}


def test_typed_dates_with_a_time_zone_are_converted_to_utc(tmp_path):
    berlin = pd.Series(pd.to_datetime(["2026-01-05 10:00", "2026-07-05 10:00"])).dt.tz_localize(
        "Europe/Berlin"
    )
    path = tmp_path / "t.parquet"
    pd.DataFrame({"account_id": ["A1", "A2"], "date": berlin, "revenue": [1.0, 2.0]}).to_parquet(
        path
    )
    tx = read_transactions(path, today=TODAY)
    assert dates_of(tx) == ["2026-01-05 09:00", "2026-07-05 08:00"]
    assert "converted to UTC" in date_note(tx)


# --- amounts ----------------------------------------------------------------------------


@pytest.mark.parametrize("amount", ["inf", "-inf", "nan", "NaN", "1e400", "-1e400", "Infinity"])
def test_non_finite_amounts_are_non_numeric(write, amount):
    tx = read(write, [f"A1,2026-01-05,{amount}", "A2,2026-01-05,10"])
    assert tx.counts()["by_reason"] == {"non_numeric_amount": 1}
    assert np.isfinite(tx.data["revenue"]).all()


def test_non_finite_typed_amounts_are_non_numeric(tmp_path):
    path = tmp_path / "t.parquet"
    revenue = [np.inf, -np.inf, np.nan, 1e308 * 10, 10.0]
    frame = pd.DataFrame(
        {"account_id": list("ABCDE"), "date": ["2026-01-05"] * 5, "revenue": revenue}
    )
    frame.to_parquet(path)
    tx = read_transactions(path, today=TODAY)
    assert tx.counts()["by_reason"] == {"non_numeric_amount": 4}
    assert tx.data["revenue"].tolist() == [10.0]


def test_amounts_beyond_the_bound_are_out_of_range_so_sums_stay_finite(write):
    lines = [
        "A1,2026-01-05,1e300",
        "A4,2026-01-05,1e300",
        "A2,2026-01-05,-2e15",
        "A3,2026-01-05,1e15",
    ]
    tx = read(write, lines)
    assert tx.counts()["by_reason"] == {"amount_out_of_range": 3}
    assert tx.data["revenue"].tolist() == [1e15]


def test_quantity_times_price_beyond_the_bound_is_out_of_range(write):
    header = "account_id,date,quantity,unit_price"
    tx = read(write, ["A1,2026-01-05,1e10,1e10", "A2,2026-01-05,2,5"], header=header)
    assert tx.counts()["by_reason"] == {"amount_out_of_range": 1}
    assert tx.data["revenue"].tolist() == [10.0]


def test_thousands_commas_are_named_in_the_notes(write):
    tx = read(write, ['A1,2026-01-05,"6,522"', "A2,2026-01-05,12.50"])
    assert tx.data["revenue"].tolist() == [6522.0, 12.5]
    assert "revenue: thousands separated by commas" in tx.notes


# --- ids ----------------------------------------------------------------------------------


def parquet_ids(tmp_path, ids):
    path = tmp_path / "ids.parquet"
    n = len(ids)
    table = pa.table({"Customer ID": ids, "date": ["2026-01-05"] * n, "revenue": [1.0] * n})
    pq.write_table(table, path)
    return path


def test_whole_float_ids_up_to_2_53_become_their_integer_text(tmp_path):
    path = parquet_ids(tmp_path, pa.array([17850.0, 2.0**53, None], pa.float64()))
    tx = read_transactions(path, today=TODAY)
    assert tx.data["account_id"].tolist() == ["17850", "9007199254740992"]
    assert tx.counts()["by_reason"] == {"missing_account_id": 1}  # an empty cell


def test_ids_written_as_whole_floats_read_as_integers_with_missing_ids_among_them(write):
    # a CSV written from a float column (pandas with gaps): 17850.0, and empty where missing
    tx = read(write, ["17850.0,2026-01-05,10", ",2026-01-05,10", " 13047.0 ,2026-01-06,10"])
    assert tx.data["account_id"].tolist() == ["17850", "13047"]
    assert tx.counts()["by_reason"] == {"missing_account_id": 1}


def test_ids_are_left_as_written_when_any_is_not_a_whole_float(write):
    tx = read(write, ["17850.0,2026-01-05,10", "17850.5,2026-01-05,10", "A1,2026-01-06,10"])
    assert tx.data["account_id"].tolist() == ["17850.0", "17850.5", "A1"]


@pytest.mark.parametrize("bad", [1e20, 2.0**64, 2.0**53 + 2, 17850.5, float("inf"), float("-inf")])
def test_float_ids_that_cannot_be_exact_refuse_the_file_in_one_line(tmp_path, bad):
    path = parquet_ids(tmp_path, pa.array([17850.0, bad], pa.float64()))
    with pytest.raises(InputError) as error:
        read_transactions(path, today=TODAY)
    message = str(error.value)
    assert "\n" not in message and str(path) in message
    assert "Customer ID: ids stored as floating-point numbers" in message
    assert "store the ids as text or integers" in message


def test_huge_float_ids_are_refused_in_the_accounts_file_too(tmp_path):
    path = tmp_path / "accounts.parquet"
    pq.write_table(pa.table({"account_id": pa.array([1e20], pa.float64())}), path)
    with pytest.raises(InputError, match="above 2\\^53"):
        read_accounts(path)


def test_typed_integer_ids_keep_every_digit(tmp_path):
    ids = pa.array([2**64 - 1, 2**63, 1], pa.uint64())
    tx = read_transactions(parquet_ids(tmp_path, ids), today=TODAY)
    assert tx.data["account_id"].tolist() == ["18446744073709551615", "9223372036854775808", "1"]
    ids = pa.array([-(2**63), 2**63 - 1], pa.int64())
    tx = read_transactions(parquet_ids(tmp_path, ids), today=TODAY)
    assert tx.data["account_id"].tolist() == ["-9223372036854775808", "9223372036854775807"]


@pytest.mark.parametrize(
    ("ids", "words"),
    [
        (pa.array([True, False]), "true/false values, not ids"),
        (pa.array([dt.datetime(2026, 1, 5)] * 2, pa.timestamp("us")), "dates, not ids"),
    ],
)
def test_true_false_or_date_columns_as_ids_are_refused(tmp_path, ids, words):
    with pytest.raises(InputError, match=words):
        read_transactions(parquet_ids(tmp_path, ids), today=TODAY)


def test_huge_float_order_ids_are_refused_too(tmp_path):
    path = tmp_path / "orders.parquet"
    table = pa.table(
        {
            "account_id": ["A1"],
            "order_id": pa.array([1e20]),
            "date": ["2026-01-05"],
            "revenue": [1.0],
        }
    )
    pq.write_table(table, path)
    with pytest.raises(InputError, match="order_id: ids stored as floating-point"):
        read_transactions(path, today=TODAY)


def test_an_offset_beyond_14_hours_is_no_offset_and_the_date_unparseable(write):
    tx = read(write, ["A1,2026-01-05T10:00+99:99,1", "A2,2026-01-05T10:00+14:00,1"])
    assert dates_of(tx) == ["2026-01-04 20:00"]
    assert tx.counts()["by_reason"] == {"unparseable_date": 1}


# --- property: any column of dates written in one format reads back exactly -----------

FORMATS = [
    "%Y-%m-%d",
    "%Y-%m-%dT%H:%M:%S",
    "%Y%m%d",
    "%d.%m.%y",
    "%d/%m/%Y %H:%M",
    "%m/%d/%Y",
    "%m-%d-%y",
    "%d %b %Y",
]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.datetimes(dt.datetime(1969, 1, 1), dt.datetime(2068, 12, 31)).map(
            lambda d: d.replace(microsecond=0)
        ),
        min_size=1,
        max_size=20,
    ),
    st.sampled_from(FORMATS),
    st.booleans(),
)
def test_dates_written_in_one_format_read_back_exactly(stamps, fmt, dayfirst):
    text = pd.Series([s.strftime(fmt) for s in stamps])
    dates, words, outside = parse_dates(text, dayfirst=dayfirst)
    expected = pd.Series(pd.to_datetime([s.strftime(fmt) for s in stamps], format=fmt))
    # a column whose every day and month is 12 or less is ambiguous: dayfirst decides
    ambiguous = "ambiguous" in words
    first_is_day = fmt.startswith("%d")
    if ambiguous and first_is_day != (dayfirst or fmt.startswith("%d.")):
        return
    assert dates.tolist() == expected.tolist()
    assert not outside.any()


def test_excel_id_cells_are_held_to_the_same_rules_cell_by_cell(tmp_path):
    import openpyxl

    def workbook(*ids):
        book = openpyxl.Workbook()
        sheet = book.active
        sheet.append(["account_id", "date", "revenue"])
        for i in ids:
            sheet.append([i, "2026-01-05", 1])
        path = tmp_path / "ids.xlsx"
        book.save(path)
        return path

    tx = read_transactions(workbook(17850, "A1", 17851.0), today=TODAY)
    assert tx.data["account_id"].tolist() == ["17850", "A1", "17851"]
    with pytest.raises(InputError, match="such as 17850.5"):
        read_transactions(workbook("A1", 17850.5), today=TODAY)
    with pytest.raises(InputError, match="true/false"):
        read_transactions(workbook("A1", True), today=TODAY)


def test_a_date_format_no_value_was_read_in_is_not_named_in_the_note():
    from kamlab.io.parse import parse_dates

    _, words, _ = parse_dates(pd.Series(["2026-01-05", "31/02/2025", "n/a"]))
    assert words == "ISO 8601 (2026-12-31)"  # 31/02/2025 is no date in any order
    _, words, _ = parse_dates(pd.Series(["2026-01-05", "13/02/2025"]))
    assert "day/month/four-digit year" in words


def _numbers_by_pandas(values: pd.Series) -> pd.Series | None:
    """The accounts reader's rule as pandas states it: a text column becomes numbers when
    every non-blank value parses and one does."""
    numbers = pd.to_numeric(values, errors="coerce")
    written = values.astype("string").str.strip().ne("").sum()
    return numbers if numbers.notna().sum() == written and numbers.notna().any() else None


_ACCOUNT_CELLS = st.one_of(
    st.none(),
    st.integers(-(10**16), 10**16).map(str),
    st.decimals(allow_nan=False, allow_infinity=False, places=4).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.sampled_from(["", " 5", "+5", "1e3", "0x10", "1,000", "Yes", ".5", "5.", "-0"]),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_ACCOUNT_CELLS, min_size=1, max_size=8), st.sampled_from(["str", "string", object]))
def test_an_accounts_column_becomes_numbers_exactly_as_pandas_reads_it(cells, dtype):
    """numbers_if_all casts plain numbers with Arrow and leaves the rest to pandas: the
    same numbers, the same dtype and the same columns left as text as pandas alone."""
    values = pd.Series(cells, dtype=dtype, name="score")
    expected, got = _numbers_by_pandas(values), numbers_if_all(values)
    if expected is None:
        assert got is None
    else:
        pd.testing.assert_series_equal(got, expected, check_exact=True)


_PLAIN_AMOUNTS = st.one_of(
    st.none(),
    st.integers(-(10**14), 10**14).map(str),
    st.floats(-1e9, 1e9, allow_nan=False).map(lambda x: f"{x:.4f}"),
    st.floats(-1e5, 1e5, allow_nan=False).map(repr),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_PLAIN_AMOUNTS, min_size=1, max_size=8) | st.lists(_ACCOUNT_CELLS, max_size=8))
def test_amounts_that_pandas_reads_are_read_as_pandas_reads_them(cells):
    """parse_numbers casts a column of plain numbers with Arrow: wherever pandas'
    ``to_numeric`` reads a finite number, the same number, bit for bit."""
    text = pd.Series(cells, dtype=object).astype("string").str.strip()
    by_pandas = pd.to_numeric(text, errors="coerce").astype("float64")
    read = by_pandas.notna() & np.isfinite(by_pandas)
    got = parse_numbers(pd.Series(cells, dtype=object))
    pd.testing.assert_series_equal(got[read], by_pandas[read], check_exact=True)


def test_clean_ids_are_the_text_as_read_not_a_copy_and_others_are_stripped_and_emptied():
    """A 10M-line file's three id columns are 0.4 GB: ids with nothing to strip and no
    empty value are handed on as read (the same Arrow buffer), not copied."""
    clean = pd.Series(["A1", "B2", None, "C3"], dtype="string")
    ids = parse_ids(clean)
    assert ids.tolist() == ["A1", "B2", pd.NA, "C3"]

    def characters(series):
        return series.array._pa_array.chunk(0).buffers()[2].address

    assert characters(ids) == characters(clean)
    padded = pd.Series([" A1", "B2\u00a0", "", "C3"], dtype="string")
    assert parse_ids(padded).tolist() == ["A1", "B2", pd.NA, "C3"]
