"""A report run shares the accepted lines once, as Parquet in the engine, not in every kernel.

The first notebook to read the inputs validates them and writes the accepted lines to the
run's cache folder; every other notebook opens that file with DuckDB as its lines. What is
pickled for them is the path, the quarantine and the counts: its size does not grow with
the lines.
"""

import pickle

import pandas as pd
import pyarrow.parquet as pq
import pytest

from kamlab.datasets import make_sample
from kamlab.io import Transactions, read_transactions
from kamlab.segment.features import account_features
from kamlab.summary import period_panel, summarize
from kamlab.value.pnl import customer_pnl
from kamlab.workflows import period_run
from kamlab.workflows.cache import CACHE_ENV, share_lines


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    return make_sample(60, seed=3).write(tmp_path_factory.mktemp("sample"))


@pytest.fixture
def in_a_run(tmp_path, monkeypatch):
    """A report run's cache folder (the environment variable run_report sets)."""
    folder = tmp_path / "cache"
    monkeypatch.setenv(CACHE_ENV, str(folder))
    return folder


def lines_of(tx) -> pd.DataFrame:
    """The accepted lines as pandas, in source order (for comparing, in the test only)."""
    frame = tx.lines.execute().sort_values("row", kind="stable").reset_index(drop=True)
    return frame.reindex(columns=sorted(frame.columns))


def run_of(paths):
    return period_run(paths["transactions"], paths["accounts"], paths["accounts_previous"])


def test_in_a_run_the_lines_are_written_once_as_parquet_in_the_cache(sample, in_a_run):
    first, second = run_of(sample), run_of(sample)
    files = sorted(in_a_run.glob("lines-*.parquet"))
    assert len(files) == 1
    assert first.transactions.lines_file == second.transactions.lines_file == str(files[0])


def test_the_shared_lines_are_the_lines_read(sample, in_a_run, monkeypatch):
    shared = run_of(sample).transactions
    monkeypatch.delenv(CACHE_ENV)
    read = read_transactions(sample["transactions"], accounts=run_of(sample).accounts)
    pd.testing.assert_frame_equal(lines_of(shared), lines_of(read), check_dtype=False)
    assert shared.counts() == read.counts()
    pd.testing.assert_frame_equal(shared.quarantine, read.quarantine)


def test_the_parquet_file_has_microsecond_timestamps_that_spark_can_read(sample, in_a_run):
    path = run_of(sample).transactions.lines_file
    date = pq.read_schema(path).field("date").type
    assert str(date).startswith("timestamp[us")


def test_a_pickled_run_input_carries_the_path_not_the_lines(sample, in_a_run, tmp_path):
    tx = run_of(sample).transactions
    small = len(pickle.dumps(tx))
    big = make_sample(600, seed=3).write(tmp_path / "big")
    bigger = len(pickle.dumps(run_of(big).transactions))
    assert bigger < small + 5_000  # ten times the lines, about the same pickle
    loaded = pickle.loads(pickle.dumps(tx))
    assert loaded.lines_file == tx.lines_file
    assert loaded.lines.count().execute() == tx.counts()["accepted"]


def test_outside_a_report_run_nothing_is_written_and_the_lines_stay_as_read(sample, monkeypatch):
    monkeypatch.delenv(CACHE_ENV, raising=False)
    tx = read_transactions(sample["transactions"])
    assert share_lines(tx) is tx
    assert getattr(run_of(sample).transactions, "lines_file", None) is None


def test_the_date_range_is_the_first_and_last_date_of_the_accepted_lines(sample, in_a_run):
    tx = run_of(sample).transactions
    dates = tx.lines.execute()["date"]
    assert tx.date_range() == (dates.min(), dates.max())
    assert isinstance(tx.date_range()[0], pd.Timestamp)


def test_a_notebook_of_a_report_run_never_loads_the_lines_into_pandas(
    sample, in_a_run, monkeypatch
):
    run_of(sample)  # the first notebook (the report itself) reads and shares them

    def refused(self):
        raise AssertionError("the lines were loaded into pandas")

    monkeypatch.setattr(Transactions, "data", property(refused))
    run = run_of(sample)  # another notebook: its lines are the file's, read by DuckDB
    assert run.transactions.lines_file and run.transactions.__getstate__()["_data"] is None
    run.portfolio, run.previous_table, run.history(2)
    summarize(run.transactions, until=run.end)
    period_panel(run.transactions, until=run.end)
    customer_pnl(run.transactions, run.accounts, until=run.end, window="12M")
    account_features(run.transactions, until=run.end)
    assert run.transactions.date_range()[1] <= pd.Timestamp(run.end)
