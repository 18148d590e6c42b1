"""The data path in the engine: a Parquet file, a folder or glob of them, or an Ibis table
is validated by the same rules as a text file, and summarised to the same numbers."""

from __future__ import annotations

import os
import re
from pathlib import Path

import ibis
import pandas as pd
import pytest

import kamlab as kl
from kamlab.io.engine import connect, redact
from kamlab.summary import period_panel

TODAY = "2026-12-01"
LINES = pd.DataFrame(
    {
        "account_id": ["A1", "A1", "A1", "A2", "A2", None, "A3", "A3", "A4"],
        "order_id": ["O1", "O1", "O2", "O3", "O3", "O4", "O5", "C5", "O6"],
        "product_id": ["P1", "P1", "P2", "P1", "P3", "P1", "P2", "P2", "P1"],
        "date": pd.to_datetime(
            [
                "2026-01-05 10:00",
                "2026-01-05 10:00",
                "2026-03-01 00:00",
                "2026-02-02 00:00",
                "2026-02-02 00:00",
                "2026-02-03 00:00",
                "2026-04-04 00:00",
                "2026-04-05 00:00",
                "2027-01-01 00:00",
            ]
        ),
        "quantity": [2.0, 2.0, 1.0, 0.0, 3.0, 1.0, 4.0, -1.0, 1.0],
        "unit_price": [10.0, 10.0, 25.0, 5.0, -2.0, 7.0, 3.0, 3.0, 9.0],
    }
)
"""Nine lines: a repeated line, a zero quantity, a negative price, a missing id, a return
(order C5, negative quantity) and a date after TODAY."""
EXPECTED = {
    "duplicate_line": 1,
    "zero_quantity": 1,
    "negative_price": 1,
    "missing_account_id": 1,
    "date_in_future": 1,
}


@pytest.fixture
def as_csv(tmp_path):
    path = tmp_path / "lines.csv"
    LINES.to_csv(path, index=False)
    return path


@pytest.fixture
def as_parquet(tmp_path):
    path = tmp_path / "lines.parquet"
    LINES.to_parquet(path, index=False)
    return path


def test_parquet_is_validated_in_the_engine_with_the_same_reasons_as_text(as_csv, as_parquet):
    text = kl.read_transactions(as_csv, today=TODAY)
    typed = kl.read_transactions(as_parquet, today=TODAY)
    assert typed.counts() == text.counts()
    assert typed.counts()["by_reason"] == EXPECTED
    assert typed.notes == ["dates read as typed dates"]


def test_parquet_rows_keep_their_numbers_in_the_quarantine_and_the_lines(as_parquet):
    tx = kl.read_transactions(as_parquet, today=TODAY)
    reasons = dict(zip(tx.quarantine["row"], tx.quarantine["reason"], strict=True))
    assert reasons == {
        2: "duplicate_line",
        4: "zero_quantity",
        5: "negative_price",
        6: "missing_account_id",
        9: "date_in_future",
    }
    assert tx.data["row"].tolist() == [1, 3, 7, 8]
    assert tx.quarantine.loc[tx.quarantine["row"] == 5, "detail"].item() == "unit_price=-2.0"


def test_a_cancelled_order_is_a_return_netted_against_sales(as_parquet):
    tx = kl.read_transactions(as_parquet, today=TODAY)
    a3 = tx.data[tx.data["account_id"] == "A3"]
    assert a3["is_return"].tolist() == [False, True]
    assert a3["revenue"].tolist() == [12.0, -3.0]


def test_text_and_parquet_give_the_same_summary_and_panel(as_csv, as_parquet):
    text = kl.read_transactions(as_csv, today=TODAY)
    typed = kl.read_transactions(as_parquet, today=TODAY)
    pd.testing.assert_frame_equal(
        kl.summarize(typed, until="2026-06-30"), kl.summarize(text, until="2026-06-30")
    )
    pd.testing.assert_frame_equal(
        period_panel(typed, until="2026-06-30"), period_panel(text, until="2026-06-30")
    )


def test_the_window_ends_on_the_last_accepted_line_not_on_a_later_rejected_row(as_parquet):
    # the latest row (2027-01-01) is after TODAY: quarantined, so the window ends on the
    # last accepted line's day, as for a text file
    tx = kl.read_transactions(as_parquet, today=TODAY)
    assert tx.last_date is None
    assert kl.summarize(tx).attrs["until"] == "2026-04-05"


def test_the_last_date_found_on_the_way_is_the_last_lines(tmp_path):
    path = tmp_path / "lines.parquet"
    LINES.iloc[:8].to_parquet(path, index=False)  # the latest row, 2026-04-05, is accepted
    tx = kl.read_transactions(path, today=TODAY)
    assert tx.last_date == pd.Timestamp("2026-04-05")
    assert tx.date_range()[1] == tx.last_date
    assert kl.summarize(tx).attrs["until"] == "2026-04-05"


def test_a_folder_or_glob_of_parquet_files_is_one_input(tmp_path):
    folder = tmp_path / "parts"
    folder.mkdir()
    LINES.iloc[:4].to_parquet(folder / "part-1.parquet", index=False)
    LINES.iloc[4:].to_parquet(folder / "part-2.parquet", index=False)
    whole = kl.read_transactions(folder, today=TODAY)
    globbed = kl.read_transactions(str(folder / "part-*.parquet"), today=TODAY)
    assert whole.counts() == globbed.counts()
    assert whole.counts()["read"] == len(LINES)
    assert whole.counts()["by_reason"] == EXPECTED
    assert set(whole.quarantine["filename"].str.rsplit("/", n=1).str[-1]) == {
        "part-1.parquet",
        "part-2.parquet",
    }


def test_a_line_repeated_in_a_later_file_is_the_only_duplicate_across_files(tmp_path):
    """Rows are numbered within their file: a repeat found at row 2 of the second file
    quarantines that row, not row 2 of every file; "earlier" is in file order."""
    folder = tmp_path / "parts"
    folder.mkdir()
    clean = LINES.iloc[[2, 6, 7]].reset_index(drop=True)  # three lines no rule refuses
    clean.to_parquet(folder / "a.parquet", index=False)
    again = pd.concat([LINES.iloc[[3, 4]], clean.iloc[[1]]], ignore_index=True)
    again.assign(quantity=again["quantity"].where(again.index != 0, 8.0)).to_parquet(
        folder / "b.parquet", index=False
    )  # b: row 1 new, row 2 new, row 3 repeats a's row 2
    tx = kl.read_transactions(folder, today=TODAY)
    bad = tx.quarantine[["row", "reason", "filename"]]
    assert bad["reason"].tolist() == ["negative_price", "duplicate_line"]
    assert bad["filename"].str.endswith("b.parquet").all()
    assert bad["row"].tolist() == [2, 3]
    assert tx.counts()["accepted"] == 4


def test_a_folder_or_glob_of_csv_files_is_one_input(tmp_path, as_csv):
    """Each file read by the rules of one file, stacked in name order: the same lines,
    reasons and summary as the whole file, each quarantined row named by its file and its
    row there; a file of another kind in the folder is left out with a note."""
    folder = tmp_path / "parts"
    folder.mkdir()
    LINES.iloc[:4].to_csv(folder / "part-1.csv", index=False)
    LINES.iloc[4:].to_csv(folder / "part-2.csv", index=False)
    (folder / "README.md").write_text("order lines, one file a month\n")
    whole = kl.read_transactions(as_csv, today=TODAY)
    for source in (folder, str(folder / "part-*.csv")):
        parts = kl.read_transactions(source, today=TODAY)
        assert parts.counts() == whole.counts()
        pd.testing.assert_frame_equal(kl.summarize(parts), kl.summarize(whole))
        bad = parts.quarantine
        assert bad["filename"].str.rsplit("/", n=1).str[-1].tolist() == [
            "part-1.csv", "part-1.csv", "part-2.csv", "part-2.csv", "part-2.csv"
        ]  # fmt: skip
        assert bad["row"].tolist() == [2, 4, 1, 2, 5]  # rows within each file
    assert any("README.md" in note for note in kl.read_transactions(folder, today=TODAY).notes)


@pytest.mark.parametrize("suffix", ["csv", "parquet"])
def test_a_partitioned_folders_key_value_names_are_columns(tmp_path, suffix):
    """orders/month=.../region=.../part.csv: month and region are columns of every line,
    text or Parquet alike (values URL-decoded); the same line in two regions is two lines,
    and a date held only in the folder names is the lines' date."""
    root = tmp_path / "orders"
    lines = LINES.iloc[[2, 6]].drop(columns="date")  # two lines no rule refuses
    for month, region in [("2026-03-02", "EU"), ("2026-03-02", "North%20America")]:
        folder = root / f"month={month}" / f"region={region}"
        folder.mkdir(parents=True)
        write = lines.to_csv if suffix == "csv" else lines.to_parquet
        write(folder / f"part.{suffix}", index=False)
    tx = kl.read_transactions(root, columns={"date": "month"}, today=TODAY)
    assert tx.counts() == {"read": 4, "accepted": 4, "quarantined": 0, "by_reason": {}}
    lines_read = tx.data
    assert set(lines_read["date"]) == {pd.Timestamp("2026-03-02")}
    assert len(lines_read) == 4  # the same two lines in two regions: not duplicates


@pytest.mark.parametrize("suffix", ["csv", "parquet"])
@pytest.mark.parametrize(
    "folders, message",
    [
        (["region=EU", "."], r"partitioned differently .*part\.\w+ by nothing"),
        (["account_id=A1"], "has a column 'account_id' and sits in a account_id=... folder"),
    ],
)
def test_a_folder_partitioned_two_ways_or_by_its_own_column_is_refused(
    tmp_path, folders, message, suffix
):
    """A file beside the partition folders has no value to give; a folder named after a
    column of its files would give that column two values."""
    root = tmp_path / "orders"
    for folder in folders:
        (root / folder).mkdir(parents=True, exist_ok=True)
        write = LINES.iloc[:4].to_csv if suffix == "csv" else LINES.iloc[:4].to_parquet
        write(root / folder / f"part.{suffix}", index=False)
    with pytest.raises(kl.InputError, match=message):
        kl.read_transactions(root, today=TODAY)


def test_a_malformed_line_or_a_repeat_in_a_later_csv_file_is_named_with_its_file(tmp_path):
    folder = tmp_path / "parts"
    folder.mkdir()
    clean = LINES.iloc[[2, 6]]
    clean.to_csv(folder / "a.csv", index=False)
    text = clean.iloc[[1]].to_csv(index=False) + 'A9,"O9,P1,2026-01-01,1,1\n'
    (folder / "b.csv").write_text(text)  # row 1 repeats a.csv's row 2; row 2 a stray quote
    tx = kl.read_transactions(folder, today=TODAY)
    bad = tx.quarantine
    assert bad["reason"].tolist() == ["duplicate_line", "malformed_line"]
    assert bad["row"].tolist() == [1, 2]
    assert bad["filename"].str.endswith("b.csv").all()
    assert tx.counts() == {
        "read": 4, "accepted": 2, "quarantined": 2,
        "by_reason": {"duplicate_line": 1, "malformed_line": 1},
    }  # fmt: skip


@pytest.mark.parametrize(
    "second, message",
    [
        (
            "part-2.csv",
            "part-2.csv: its columns differ from part-1.csv's (extra: note; missing: none)",
        ),
        ("part-2.parquet", "holds both Parquet and text files"),
    ],
)
def test_files_that_cannot_be_one_input_are_named(tmp_path, second, message):
    folder = tmp_path / "parts"
    folder.mkdir()
    LINES.iloc[:4].to_csv(folder / "part-1.csv", index=False)
    rest = LINES.iloc[4:].assign(note="x")
    if second.endswith(".csv"):
        rest.to_csv(folder / second, index=False)
    else:
        LINES.iloc[4:].to_parquet(folder / second, index=False)
    with pytest.raises(kl.InputError, match=re.escape(message)):
        kl.read_transactions(folder, today=TODAY)


def test_an_ibis_table_is_a_source_with_columns_mapped_like_a_file():
    renamed = LINES.rename(columns={"account_id": "Customer", "date": "Invoice date"})
    tx = kl.read_transactions(
        ibis.memtable(renamed), {"account_id": "Customer", "date": "Invoice date"}, today=TODAY
    )
    assert tx.counts()["by_reason"] == EXPECTED
    assert tx.quarantine["row"].isna().all()  # a table has no line order
    assert sorted(tx.data["account_id"]) == ["A1", "A1", "A3", "A3"]


def test_summaries_run_in_the_engine_without_pandas_lines(as_parquet):
    tx = kl.read_transactions(as_parquet, today=TODAY)
    summary = kl.summarize(tx, until="2026-06-30", period="day")
    assert tx._data is None  # no frame of lines was made
    assert summary.loc["A1", "orders"] == 2 and summary.loc["A1", "frequency"] == 1
    assert summary.loc["A3", "revenue"] == 9.0 and summary.loc["A3", "returns_value"] == 3.0


def test_a_text_file_keeps_its_lines_in_the_engine_and_brings_back_only_rejected_rows(
    as_csv, tmp_path
):
    tx = kl.read_transactions(as_csv, today=TODAY)
    assert tx._data is None  # the accepted lines were not pulled back into pandas
    assert tx.lines.count().execute() == tx.counts()["accepted"] == 4
    assert tx.counts()["by_reason"] == EXPECTED
    shared = tx.with_lines_file(_parquet_of(tx.lines, tmp_path / "lines.parquet"))
    assert tx._data is None and shared._data is None  # sharing the lines made no frame
    assert shared.data["row"].tolist() == tx.data["row"].tolist() == sorted(tx.data["row"])


def test_a_copy_and_a_roll_up_of_transactions_build_no_frame_of_lines():
    """Copying transactions (a roll-up relabels a copy) keeps the lines in the engine:
    pickling's state, which copy.copy would use, holds every line as pandas."""
    import copy

    from kamlab import read_accounts, read_transactions
    from kamlab.portfolio.global_accounts import global_ids, relabel

    sample = Path(__file__).resolve().parent.parent / "data" / "sample"
    tx = read_transactions(sample / "transactions.csv")
    twin = copy.copy(tx)
    assert twin.lines is tx.lines and twin.n_read == tx.n_read
    rolled = relabel(tx, global_ids(read_accounts(sample / "accounts.csv")))
    assert tx._data is None and twin._data is None and rolled._data is None
    assert rolled.lines.count().execute() == tx.counts()["accepted"]


def _parquet_of(lines, path):
    lines.to_parquet(path)
    return path


def test_a_database_url_and_its_password_are_never_shown():
    assert redact("postgresql://kam:secret@db.example:5432/sales") == (
        "postgresql://kam@db.example:5432/sales"
    )
    assert redact("postgresql://kam@db/sales") == "postgresql://kam@db/sales"


def test_duckdb_holds_at_most_2_gb_unless_told_and_a_bad_limit_is_one_line(monkeypatch):
    from kamlab.errors import ConfigError
    from kamlab.io import engine

    monkeypatch.delenv(engine.MEMORY_ENV, raising=False)
    assert int(engine._memory_limit().removesuffix("MB")) <= 2048
    monkeypatch.setenv(engine.MEMORY_ENV, "8GB")
    assert engine._memory_limit() == "8GB"
    monkeypatch.setenv(engine.MEMORY_ENV, "lots")
    with pytest.raises(ConfigError, match="KAMLAB_MEMORY_LIMIT='lots': expected a size"):
        engine._memory_limit()


def test_duckdb_runs_on_at_least_four_threads_unless_told_and_a_bad_count_is_one_line(
    monkeypatch,
):
    from kamlab.errors import ConfigError
    from kamlab.io import engine

    monkeypatch.delenv(engine.THREADS_ENV, raising=False)
    assert engine._threads() == max(4, os.cpu_count() or 1)
    monkeypatch.setenv(engine.THREADS_ENV, "2")
    assert engine._threads() == 2
    monkeypatch.setenv(engine.THREADS_ENV, "all")
    with pytest.raises(ConfigError, match="KAMLAB_THREADS='all': expected a whole number"):
        engine._threads()


def test_the_embedded_engine_runs_in_utc_spills_to_disk_and_hands_memory_back():
    from kamlab.io import engine

    def setting(name):
        return connect().raw_sql(f"SELECT current_setting('{name}')").fetchall()[0][0]

    assert setting("TimeZone") == "UTC"
    assert Path(setting("temp_directory")).name.startswith("kamlab-duckdb-")
    assert setting("allocator_background_threads") is True
    assert setting("threads") == engine._threads()


def test_the_engines_spill_folder_is_removed_when_the_process_ends(tmp_path):
    import subprocess
    import sys

    code = (
        "from kamlab.io.engine import connect; con = connect(); "
        "print(con.raw_sql(\"SELECT current_setting('temp_directory')\").fetchall()[0][0])"
    )

    def spill_folder(**env):
        done = subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, **env},
        )
        return Path(done.stdout.strip())

    spill = spill_folder()
    assert spill.name.startswith("kamlab-duckdb-") and not spill.exists()
    assert spill_folder(KAMLAB_SPILL_DIR=str(tmp_path)).parent == tmp_path  # a report's scratch
