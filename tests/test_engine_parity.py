"""Same numbers on every engine: DuckDB (the default) against Spark local[2] against a
throwaway PostgreSQL server (fixtures ``spark`` and ``postgres``, tests/engines.py).

On the bundled sample (typed as a warehouse holds it, written to Parquet with microsecond
timestamps) and on a generated log of order lines over two years with duplicates, zero
quantities, negative prices, missing ids, future dates and returns (a million lines for
PostgreSQL, 200,000 for Spark local[2], which takes over a minute for a million here):
identical counts by quarantine reason; the account summary and the account x quarter
panel with identical rows, integers, counts and dates, and floats within 1e-9 relative
(1e-9 absolute near zero, where returns net a sum to nothing). And the must-show: the
``kamlab summarize`` command writes the same summary on Spark and from a PostgreSQL table
as on the default engine. In CI none of this is skipped (tests/engines.py).
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from engines import TIMINGS, order_lines, write_parquet

from kamlab import read_accounts, read_transactions, summarize
from kamlab.cli import main
from kamlab.portfolio.global_accounts import roll_up
from kamlab.summary import period_panel

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "data" / "sample" / "transactions.csv"
TODAY = "2026-12-01"  # dates after it are quarantined (date_in_future)
UNTIL = "2026-09-30"
LINES = int(os.environ.get("KAMLAB_PARITY_LINES", 1_000_000))
"""Lines of the generated log (about one account for every ten lines)."""
SPARK_LINES = int(os.environ.get("KAMLAB_PARITY_SPARK_LINES", 200_000))
"""Lines of the generated log Spark local[2] checks: a million took it 70-80 s on this
2-core machine (DuckDB 7 s, PostgreSQL 20 s); the same rules and returns, fewer lines."""
OTHERS = ["spark", "postgres"]
GENERATED = {"postgres": LINES, "spark": SPARK_LINES}


def sample_as_warehouse_table() -> pd.DataFrame:
    """The bundled sample with a warehouse's types: ids as text (empty -> NULL), dates as
    timestamps (an unreadable date -> NULL), amounts as numbers."""
    raw = pd.read_csv(SAMPLE, dtype=str, keep_default_na=False)
    frame = raw.replace("", pd.NA).astype("string")
    frame["date"] = pd.to_datetime(raw["date"], format="%Y-%m-%d", errors="coerce").astype(
        "datetime64[us]"
    )
    for column in ("quantity", "unit_price", "unit_cost"):
        frame[column] = pd.to_numeric(raw[column], errors="coerce").astype("float64")
    return frame


@pytest.fixture(scope="module")
def datasets(tmp_path_factory) -> dict[str, tuple[pd.DataFrame, Path]]:
    """name -> (lines as a frame, the same as Parquet)."""
    folder = tmp_path_factory.mktemp("parity")
    frames = {"sample": sample_as_warehouse_table()}
    for n in sorted(set(GENERATED.values())):
        t0 = time.perf_counter()
        frames[f"{n:_} lines"] = order_lines(n, n // 10, seed=17)
        TIMINGS[f"generate {n:_} lines"] = time.perf_counter() - t0
    return {
        name: (frame, write_parquet(frame, folder / f"{name.replace(' ', '_')}.parquet"))
        for name, frame in frames.items()
    }


class Results:
    """Counts, summary and panel of each dataset on each engine, computed once."""

    def __init__(self, datasets, request):
        self.datasets, self.request, self.done = datasets, request, {}

    def source(self, dataset: str, engine: str) -> tuple[str, dict]:
        """What ``read_transactions`` takes to read ``dataset`` on ``engine``."""
        frame, parquet = self.datasets[dataset]
        if engine == "duckdb":
            return str(parquet), {}
        if engine == "spark":
            self.request.getfixturevalue("spark")
            return str(parquet), {"engine": "spark"}
        server = self.request.getfixturevalue("postgres")
        t0 = time.perf_counter()
        table = server.load(f"lines_{dataset.replace(' ', '_')}", frame)
        TIMINGS[f"{dataset}: load into postgres"] = time.perf_counter() - t0
        return server.url, {"table": table}

    def __call__(self, dataset: str, engine: str):
        if (dataset, engine) not in self.done:
            source, options = self.source(dataset, engine)
            t0 = time.perf_counter()
            tx = read_transactions(source, today=TODAY, **options)
            counts = tx.counts()
            summary = summarize(tx, until=UNTIL, period="week")
            panel = period_panel(tx, until=UNTIL, freq="quarter")
            TIMINGS[f"{dataset}: {engine}"] = time.perf_counter() - t0
            self.done[dataset, engine] = counts, summary, panel
        return self.done[dataset, engine]


@pytest.fixture(scope="module")
def results(datasets, request):
    return Results(datasets, request)


def assert_same_table(expected: pd.DataFrame, got: pd.DataFrame, keys: list[str]) -> None:
    """Same columns, types and rows (by ``keys``); integers, counts (float columns of whole
    numbers only), text and dates identical; other floats within 1e-9 relative (1e-9
    absolute near zero), NaN where NaN."""
    assert list(got.columns) == list(expected.columns)
    assert dict(got.dtypes) == dict(expected.dtypes)
    expected = expected.reset_index().sort_values(keys, ignore_index=True)
    got = got.reset_index().sort_values(keys, ignore_index=True)
    assert len(got) == len(expected)
    for column in expected.columns:
        want, have = expected[column], got[column]
        if pd.api.types.is_float_dtype(want):
            want, have = want.to_numpy(), have.to_numpy()
            assert np.array_equal(np.isnan(want), np.isnan(have)), column
            if np.all(np.isnan(want) | (want == np.round(want))):  # a count
                assert np.array_equal(want, have, equal_nan=True), column
            np.testing.assert_allclose(have, want, rtol=1e-9, atol=1e-9, err_msg=column)
        else:
            pd.testing.assert_series_equal(have, want, check_names=False, obj=column)


@pytest.mark.parametrize("dataset", ["sample", "generated"])
@pytest.mark.parametrize("engine", OTHERS)
def test_every_engine_gives_the_same_counts_summary_and_panel(results, dataset, engine):
    if dataset == "generated":
        dataset = f"{GENERATED[engine]:_} lines"
    counts, summary, panel = results(dataset, "duckdb")
    other_counts, other_summary, other_panel = results(dataset, engine)
    assert other_counts == counts
    assert_same_table(summary, other_summary, ["account_id"])
    assert_same_table(panel, other_panel, ["account_id", "period"])
    assert summary.attrs == other_summary.attrs


@pytest.mark.parametrize("engine", OTHERS)
def test_rolling_up_to_global_accounts_gives_the_same_numbers_on_every_engine(
    results, request, engine
):
    """The roll-up relabels lines in the engine (a join with the entity -> global pairs, the
    entity prefixed to each order id) and weighs entities by their revenue there: the
    global accounts' summary and rolled-up accounts are the same on every engine."""
    accounts = read_accounts(ROOT / "data" / "sample" / "accounts.csv")
    rolled = {}
    for name in ("duckdb", engine):
        source, options = results.source("sample", name)
        tx = read_transactions(source, today=TODAY, **options)
        lines, table = roll_up(tx, accounts, until=UNTIL)
        rolled[name] = summarize(lines, until=UNTIL, period="week"), table
    (summary, table), (other_summary, other_table) = rolled["duckdb"], rolled[engine]
    assert summary.index.str.startswith("G").any()  # the sample has global accounts
    assert_same_table(summary, other_summary, ["account_id"])
    pd.testing.assert_frame_equal(other_table, table, check_exact=False, rtol=1e-9)


@pytest.mark.parametrize("lines", sorted(set(GENERATED.values())))
def test_the_generated_log_exercises_the_rules(results, lines):
    """The parity above is worth something only if the rules and returns have work to do."""
    counts, summary, _ = results(f"{lines:_} lines", "duckdb")
    reasons = counts["by_reason"]
    for reason in ("duplicate_line", "zero_quantity", "negative_price", "missing_account_id"):
        assert reasons.get(reason, 0) >= lines // 1000, reason
    assert reasons.get("date_in_future", 0) >= lines // 1000
    assert (summary["return_lines"] > 0).sum() > len(summary) // 10
    assert len(summary) > lines // 20


@pytest.mark.parametrize("engine", ["duckdb", *OTHERS])
def test_a_timestamp_with_time_zone_falls_on_the_same_day_everywhere(engine, request, tmp_path):
    """23:30 in New York is the next day in UTC, the zone every engine runs in: the same
    first and last purchase days on every engine, whatever the machine's zone."""
    local = pd.to_datetime(["2026-03-01 23:30", "2026-06-30 21:00", "2026-06-30 09:00"])
    lines = pd.DataFrame(
        {
            "account_id": pd.array(["A", "A", "B"], dtype="string"),
            "date": local.tz_localize("America/New_York").astype(
                "datetime64[us, America/New_York]"
            ),
            "revenue": [10.0, 20.0, 30.0],
        }
    )
    if engine == "postgres":
        server = request.getfixturevalue("postgres")
        source, options = server.url, {"table": server.load("zoned_lines", lines)}
    else:
        if engine == "spark":
            request.getfixturevalue("spark")
        source = str(write_parquet(lines, tmp_path / "zoned.parquet"))
        options = {"engine": engine} if engine != "duckdb" else {}
    summary = summarize(read_transactions(source, today=TODAY, **options), until="2026-07-31")
    assert summary.loc["A", "first_purchase"] == pd.Timestamp("2026-03-02")
    assert summary.loc["A", "last_purchase"] == pd.Timestamp("2026-07-01")
    assert summary.loc["B", "last_purchase"] == pd.Timestamp("2026-06-30")


def test_on_spark_several_parquet_files_quarantine_each_row_with_its_file_and_line(spark, tmp_path):
    """Spark reads each row's file and position in it (its hidden ``_metadata`` column):
    the quarantine names where a rejected row is, as on DuckDB."""
    folder = tmp_path / "order lines"  # a space: Spark's file paths are URL-encoded
    folder.mkdir()
    day = pd.Timestamp("2026-03-02")
    parts = [
        [("A1", day, 10.0), ("A2", day, 5.0), ("A2", day, 5.0), (None, day, 7.0)],
        [("B1", pd.Timestamp("2027-01-05"), 3.0), ("B2", day, float("nan")), ("B3", day, 4.0)],
    ]
    for number, rows in enumerate(parts):
        lines = pd.DataFrame(rows, columns=["account_id", "date", "revenue"])
        lines["account_id"] = lines["account_id"].astype("string")
        write_parquet(lines, folder / f"part-{number}.parquet")
    shown = ["filename", "row", "reason"]
    on_duckdb = read_transactions(str(folder), today=TODAY).quarantine[shown]
    on_spark = read_transactions(str(folder), today=TODAY, engine="spark").quarantine[shown]
    pd.testing.assert_frame_equal(on_spark, on_duckdb, check_dtype=False)
    assert [(Path(f).name, row, reason) for f, row, reason in on_spark.itertuples(index=False)] == [
        ("part-0.parquet", 3, "duplicate_line"),
        ("part-0.parquet", 4, "missing_account_id"),
        ("part-1.parquet", 1, "date_in_future"),
        ("part-1.parquet", 2, "non_numeric_amount"),
    ]


def _partitioned(folder: Path, parts: dict[str, list[tuple]], columns: list[str]) -> Path:
    """Parquet files in ``key=value`` folders (a Hive-partitioned dataset) under a folder
    whose own name is one too (it must not become a column)."""
    root = folder / "region=all" / "order lines"
    for name, rows in parts.items():
        lines = pd.DataFrame(rows, columns=columns)
        lines["account_id"] = lines["account_id"].astype("string")
        (root / name).mkdir(parents=True)
        write_parquet(lines, root / name / "part-0.parquet")
    return root


def test_a_partitioned_folder_reads_its_partition_columns_alike_on_both_engines(spark, tmp_path):
    """The folder names below the folder read (shard=1/...) are a column on DuckDB and on
    Spark: the same line in two shards is two lines on both, and a date held only in the
    folder names is the lines' date."""
    day = pd.Timestamp("2026-03-02")
    root = _partitioned(
        tmp_path,
        {"shard=0": [("A1", day, 10.0), ("A2", day, 5.0)], "shard=1": [("A1", day, 10.0)]},
        ["account_id", "date", "revenue"],
    )
    for source in (root, root / "*" / "*.parquet"):
        on_duckdb = read_transactions(str(source), today=TODAY)
        on_spark = read_transactions(str(source), today=TODAY, engine="spark")
        for tx in (on_duckdb, on_spark):
            assert tx.counts()["quarantined"] == 0  # not a duplicate: another shard
            assert list(tx.quarantine.columns)[-2:] == ["shard", "filename"]
        pd.testing.assert_frame_equal(summarize(on_spark), summarize(on_duckdb))
    by_day = _partitioned(
        tmp_path / "by day",
        {"date=2026-03-02": [("A1", 10.0), ("A2", 5.0)], "date=2026-05-04": [("A1", 7.0)]},
        ["account_id", "revenue"],
    )
    on_duckdb, on_spark = (
        summarize(read_transactions(str(by_day), today=TODAY, engine=e), period="day")
        for e in ("duckdb", "spark")
    )
    pd.testing.assert_frame_equal(on_spark, on_duckdb)
    assert on_duckdb.loc["A1", ["frequency", "recency"]].tolist() == [1, 63.0]


@pytest.mark.parametrize(
    "engine, source", [("spark", "parquet"), ("spark", "csv"), ("postgres", "table")]
)
def test_kamlab_summarize_writes_the_same_summary_on_spark_and_from_postgres(
    engine, source, datasets, request, tmp_path, capsys
):
    """The must-show: ``kamlab summarize --engine spark FILE`` (Parquet, typed by the
    engine, or the bundled CSV, typed in pandas then judged in Spark) and ``kamlab summarize
    postgresql://... --table ...`` write the summary, and quarantine the same number of
    lines for each reason, as the default engine on the same lines."""
    frame, parquet = datasets["sample"]
    file = str(SAMPLE if source == "csv" else parquet)
    common = ["--until", UNTIL, "--today", TODAY]
    assert main(["summarize", file, *common, "--out", str(tmp_path / "duckdb.csv")]) == 0
    if engine == "spark":
        request.getfixturevalue("spark")
        args = [file, "--engine", "spark"]
    else:
        server = request.getfixturevalue("postgres")
        args = [server.url, "--table", server.load("cli_lines", frame)]
    out = tmp_path / f"{engine}.csv"
    assert main(["summarize", *args, *common, "--out", str(out)]) == 0, capsys.readouterr().err
    expected = pd.read_csv(tmp_path / "duckdb.csv", index_col=0)
    got = pd.read_csv(out, index_col=0)
    assert out.read_text().splitlines()[0] == (tmp_path / "duckdb.csv").read_text().splitlines()[0]
    assert_same_table(expected, got, ["account_id"])
    reasons = [
        pd.read_csv(tmp_path / f"{name}_quarantine.csv")["reason"].value_counts().to_dict()
        for name in ("duckdb", engine)
    ]
    assert reasons[0] == reasons[1] and sum(reasons[0].values()) > 0


def test_a_report_from_a_database_table_records_the_table_not_a_checksum(
    postgres, datasets, results, tmp_path, monkeypatch
):
    """The manifest names the URL (no password: one is refused) and the table; a URL is
    not a file to checksum. The notebooks get the URL and the table as given."""
    import nbformat
    import yaml

    from kamlab import report

    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.cells = [
        nbformat.v4.new_markdown_cell("# Read from the table"),
        nbformat.v4.new_code_cell(
            "transactions_path = read_options = None", metadata={"tags": ["parameters"]}
        ),
        nbformat.v4.new_code_cell(
            "import kamlab\n"
            "tx = kamlab.read_transactions(transactions_path, **read_options)\n"
            "print(tx.counts()['accepted'], 'lines')"
        ),
    ]
    nbformat.write(nb, notebooks / "01_table.ipynb")
    declared = {
        "notebooks": ["01_table.ipynb"],
        "parameters": ["transactions_path", "read_options"],
    }
    (notebooks / report.SPEC_FILE).write_text(yaml.safe_dump(declared), encoding="utf-8")
    monkeypatch.setattr(report, "notebooks_dir", lambda: notebooks)
    frame, _ = datasets["sample"]
    table = postgres.load("report_lines", frame)
    built = report.run_report(
        "2026Q3",
        postgres.url,
        read_options={"table": table, "today": TODAY},
        out=tmp_path / "reports",
        log=lambda line: None,
    )
    manifest = json.loads((built / "manifest.json").read_text())
    assert manifest["inputs"] == {postgres.url: {"table": table, "engine": "database"}}
    assert manifest["parameters"]["transactions_path"] == postgres.url
    assert manifest["rows"]["transactions"] == results("sample", "duckdb")[0]
    assert "lines" in (built / "01_table.html").read_text()


def test_the_spark_fixture_runs_local_2_on_the_loopback_in_utc(spark):
    conf = spark._session.sparkContext.getConf()
    assert conf.get("spark.master") == "local[2]"
    assert conf.get("spark.driver.host") == "127.0.0.1"
    assert spark._session.conf.get("spark.sql.session.timeZone") == "UTC"


def test_the_postgres_fixture_is_a_server_of_its_own_in_utc(postgres):
    con = postgres.connect()
    assert con.raw_sql("SHOW TimeZone").fetchone()[0] == "UTC"
    assert con.raw_sql("SHOW listen_addresses").fetchone()[0] == "127.0.0.1"
    assert Path(postgres.folder, "data", "PG_VERSION").exists()


@pytest.mark.parametrize(
    "ci, outcome", [("true", pytest.fail.Exception), ("", pytest.skip.Exception)]
)
def test_a_missing_engine_fails_in_ci_and_skips_elsewhere(ci, outcome, monkeypatch):
    from engines import unavailable

    monkeypatch.setenv("CI", ci)
    with pytest.raises(outcome, match="no Java"):
        unavailable("no Java runtime for Spark")
