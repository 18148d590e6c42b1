"""The engine that runs the data path: DuckDB embedded by default, Spark or a database.

Every step from validated lines to per-account tables is one Ibis expression
(https://ibis-project.org), compiled for whichever engine holds the lines:

- ``"duckdb"`` (the default): in this process, spilling to disk when the data outgrow
  memory; reads Parquet and CSV files, folders and globs;
- ``"spark"``: a SparkSession, ``local[N]`` by default or the cluster named by the usual
  Spark settings (``SPARK_MASTER`` / ``spark-defaults.conf``); needs ``kamlab[spark]``;
- a database URL (``postgresql://user@host:5432/db``): its tables are sources; the
  password comes from the environment (``PGPASSWORD``) or the database's own files
  (``~/.pgpass``), never from the command line. Needs ``kamlab[postgres]``.

Every engine runs in UTC (:data:`TIME_ZONE`): a timestamp-with-time-zone column falls on
the same day whatever the machine's zone. Engines are imported when first used, so
``kamlab --help`` does not pay for them.
"""

from __future__ import annotations

import atexit
import os
import re
import shutil
import tempfile
import warnings
from functools import cache
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from kamlab.errors import ConfigError

TIME_ZONE = "UTC"
MEMORY_ENV = "KAMLAB_MEMORY_LIMIT"
"""Environment variable: DuckDB's memory limit (``"8GB"``); beyond it DuckDB spills to disk.
Default: a quarter of the machine's memory, at most 2 GB: a 100M-line summary then peaks
under 6 GB in all (with 4 GB it reached 7.1 GB), and 10M lines take 8% longer."""
SPILL_ENV = "KAMLAB_SPILL_DIR"
"""Environment variable: the folder in which DuckDB's spill folder is made (default: the
system's temporary folder). The spill folder is removed when the process ends; a report
run points its kernels, which are stopped without ending cleanly, into its own scratch
folder, removed with it."""
THREADS_ENV = "KAMLAB_THREADS"
"""Environment variable: DuckDB's threads (default: the machine's cores, at least
:data:`MIN_THREADS`)."""
MIN_THREADS = 4
"""DuckDB's threads by default: the machine's cores, at least this many. DuckDB splits a large
group-by into as many radix partitions as it has threads (at most 32; duckdb PR #6851),
so on a 2-core machine two threads aggregate 10M distinct rows in tables too large for the
cache: four threads there take 15% less CPU time, and 30% less wall time for the 10M-line
hash group-by of the duplicate rule, 15% for the summary."""
ENGINES = ("duckdb", "spark")
"""Engines by name; anything else must be a database URL (``scheme://...``)."""

_URL = re.compile(r"^[a-z][a-z0-9+.-]*://", re.IGNORECASE)


def is_url(source: object) -> bool:
    """True for a database URL such as ``postgresql://user@host/db``."""
    return isinstance(source, str) and bool(_URL.match(source)) and not source.startswith("file:")


def redact(url: str) -> str:
    """``url`` without its password, in the user part or as a ``password=`` query
    parameter (for messages, logs and the manifest)."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)]
    kept = [(k, v) for k, v in query if k.lower() != "password"]
    if parts.password is None and len(kept) == len(query):
        return url
    credentials, at, host = parts.netloc.rpartition("@")
    user = credentials.partition(":")[0]
    netloc = f"{user}@{host}" if at and user else host
    return urlunsplit((parts.scheme, netloc, parts.path, urlencode(kept), ""))


def refuse_password(url: str) -> str:
    """``url`` when it carries no password; a :class:`ConfigError` (showing it redacted)
    when it does: a password on a command line lands in the shell history, the process
    list and the report's parameters, so it comes from ``PGPASSWORD`` or ``~/.pgpass``."""
    if redact(url) != url:
        raise ConfigError(
            f"{redact(url)}: the URL carries a password; remove it and give it in the "
            "environment (PGPASSWORD) or ~/.pgpass instead"
        )
    return url


def connect(engine: str | None = None):
    """The Ibis backend for ``engine`` (``None``: the process's one DuckDB connection)."""
    engine = engine or "duckdb"
    if engine == "duckdb":
        return _duckdb()
    if engine == "spark":
        return _spark()
    if is_url(engine):
        return _database(engine)
    raise ConfigError(
        f"engine {engine!r}: expected duckdb, spark or a database URL such as "
        "postgresql://user@host:5432/db"
    )


@cache
def _duckdb():
    """One embedded DuckDB per process, in UTC, spilling to a temporary folder (removed
    when the process ends)."""
    import duckdb
    import ibis

    con = ibis.duckdb.connect()
    spill = tempfile.mkdtemp(prefix="kamlab-duckdb-", dir=os.environ.get(SPILL_ENV) or None)
    atexit.register(shutil.rmtree, spill, ignore_errors=True)  # not one folder left per run
    con.raw_sql(f"SET TimeZone = '{TIME_ZONE}'")
    con.raw_sql(f"SET temp_directory = '{spill}'")
    con.raw_sql(f"SET memory_limit = '{_memory_limit()}'")
    con.raw_sql("SET preserve_insertion_order = false")
    con.raw_sql(f"SET threads = {_threads()}")
    # hand freed memory back to the system as queries finish: after one summary of 1M
    # accounts (a 115 MB result) DuckDB's allocator otherwise keeps 0.9 GB, with it 0.4 GB
    con.raw_sql("SET allocator_background_threads = true")
    try:
        con.raw_sql("SET enable_progress_bar = false")
    except duckdb.InvalidInputException:  # a Jupyter kernel: DuckDB's bar is off there
        pass
    con.raw_sql("SET autoinstall_known_extensions = false")
    con.raw_sql("SET autoload_known_extensions = false")
    ibis.set_backend(con)  # in-memory tables (ibis.memtable) run here too
    return con


def _threads() -> int:
    given = os.environ.get(THREADS_ENV, "").strip()
    if given:
        if not given.isdigit() or int(given) < 1:
            raise ConfigError(
                f"{THREADS_ENV}={given!r}: expected a whole number of threads, such as 4"
            )
        return int(given)
    return max(MIN_THREADS, os.cpu_count() or 1)


def _memory_limit() -> str:
    given = os.environ.get(MEMORY_ENV, "").strip()
    if given:
        if not re.fullmatch(r"\d+(\.\d+)?\s*[KMGT]i?B", given, re.IGNORECASE):
            raise ConfigError(f"{MEMORY_ENV}={given!r}: expected a size such as 8GB or 512MB")
        return given
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return "2GB"
    return f"{max(1, min(2048, total // 4 // 2**20))}MB"


@cache
def _spark():
    """A SparkSession through Ibis: ``local[N]`` (N = the machine's cores) unless Spark's own
    settings name a master (``SPARK_MASTER``, else ``SPARK_CONF_DIR``); a local master binds
    to 127.0.0.1; UTC; Spark's own chatter (progress bars, warnings) kept off the terminal."""
    try:
        import ibis
        from pyspark.sql import SparkSession
    except ImportError as exc:
        raise ConfigError(
            f"--engine spark needs PySpark ({exc}); install it with: pip install 'kamlab[spark]'"
        ) from exc
    # PySpark 4.x warns on every conversion that pandas 3 is newer than it has tested
    warnings.filterwarnings("ignore", "PySpark does not yet fully support pandas", FutureWarning)
    builder = SparkSession.builder.appName("kamlab")
    master = os.environ.get("SPARK_MASTER")
    if not master and not os.environ.get("SPARK_CONF_DIR"):
        master = f"local[{os.cpu_count() or 2}]"
    if master:
        builder = builder.master(master)
    if master and master.startswith("local"):
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
        builder = builder.config("spark.driver.host", "127.0.0.1")
        builder = builder.config("spark.driver.bindAddress", "127.0.0.1")
        # tables Spark writes go to a temporary folder, not spark-warehouse/ in the cwd
        warehouse = tempfile.mkdtemp(prefix="kamlab-spark-")
        builder = builder.config("spark.sql.warehouse.dir", warehouse)
    builder = builder.config("spark.sql.session.timeZone", TIME_ZONE)
    builder = builder.config("spark.driver.extraJavaOptions", f"-Duser.timezone={TIME_ZONE}")
    builder = builder.config("spark.executor.extraJavaOptions", f"-Duser.timezone={TIME_ZONE}")
    builder = builder.config("spark.ui.enabled", "false")
    builder = builder.config("spark.ui.showConsoleProgress", "false")
    builder = builder.config("spark.sql.shuffle.partitions", str(2 * (os.cpu_count() or 2)))
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    return ibis.pyspark.connect(session)


def _database(url: str):
    """A database through Ibis, by URL (credentials from the environment, not the URL)."""
    import ibis

    scheme = urlsplit(url).scheme.lower()
    try:
        con = ibis.connect(url)
    except ImportError as exc:
        extra = (
            "'kamlab[postgres]'" if scheme.startswith("postgres") else f"'ibis-framework[{scheme}]'"
        )
        raise ConfigError(
            f"{redact(url)}: the {scheme} driver is not installed ({_first_line(exc)}); "
            f"install it with: pip install {extra}"
        ) from exc
    except Exception as exc:  # the driver's own error: one line, no password
        raise ConfigError(f"{redact(url)}: cannot connect ({_first_line(exc)})") from exc
    if scheme.startswith("postgres"):
        con.raw_sql(f"SET TIME ZONE '{TIME_ZONE}'").close()
    return con


def _first_line(exc: BaseException) -> str:
    """An exception's first line (a driver's messages run to several), or its type."""
    text = str(exc).strip()
    return text.splitlines()[0].rstrip(".") if text else type(exc).__name__


def keep(table):
    """``table`` computed once and kept in its engine (Ibis' ``Table.cache``: a temporary
    table in DuckDB and PostgreSQL, a persisted frame in Spark).

    On PostgreSQL the kept table is also ``ANALYZE``d: autovacuum never analyses a
    temporary table, and without statistics the planner joins per-account aggregates by
    nested loops (a summary of 300k lines took 36 s instead of 1.6 s).
    """
    kept = table.cache()
    backend = kept._find_backend()
    if backend.name == "postgres":
        backend.raw_sql(f'ANALYZE "{kept.get_name()}"').close()
    return kept
