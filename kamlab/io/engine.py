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

import os
import re
import tempfile
from functools import cache
from urllib.parse import urlsplit, urlunsplit

from kamlab.errors import ConfigError

TIME_ZONE = "UTC"
MEMORY_ENV = "KAMLAB_MEMORY_LIMIT"
"""Environment variable: DuckDB's memory limit (``"8GB"``); beyond it DuckDB spills to disk.
Default: a quarter of the machine's memory, at most 4 GB (several report notebooks each
hold an engine, and the limit keeps a 100M-line summary within a few GB)."""
ENGINES = ("duckdb", "spark")
"""Engines by name; anything else must be a database URL (``scheme://...``)."""

_URL = re.compile(r"^[a-z][a-z0-9+.-]*://", re.IGNORECASE)


def is_url(source: object) -> bool:
    """True for a database URL such as ``postgresql://user@host/db``."""
    return isinstance(source, str) and bool(_URL.match(source)) and not source.startswith("file:")


def redact(url: str) -> str:
    """``url`` without its password (for messages, logs and the manifest)."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    user = f"{parts.username}@" if parts.username else ""
    port = f":{parts.port}" if parts.port else ""
    return urlunsplit((parts.scheme, f"{user}{host}{port}", parts.path, parts.query, ""))


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
    """One embedded DuckDB per process, in UTC, spilling to a temporary folder."""
    import ibis

    con = ibis.duckdb.connect()
    spill = tempfile.mkdtemp(prefix="kamlab-duckdb-")
    con.raw_sql(f"SET TimeZone = '{TIME_ZONE}'")
    con.raw_sql(f"SET temp_directory = '{spill}'")
    con.raw_sql(f"SET memory_limit = '{_memory_limit()}'")
    con.raw_sql("SET preserve_insertion_order = false")
    # off in a terminal; in Jupyter it is off already and setting it fails (no ipywidgets)
    if con.raw_sql("SELECT current_setting('enable_progress_bar')").fetchone()[0]:
        con.raw_sql("SET enable_progress_bar = false")
    con.raw_sql("SET autoinstall_known_extensions = false")
    con.raw_sql("SET autoload_known_extensions = false")
    ibis.set_backend(con)  # in-memory tables (ibis.memtable) run here too
    return con


def _memory_limit() -> str:
    given = os.environ.get(MEMORY_ENV, "").strip()
    if given:
        if not re.fullmatch(r"\d+(\.\d+)?\s*[KMGT]i?B", given, re.IGNORECASE):
            raise ConfigError(f"{MEMORY_ENV}={given!r}: expected a size such as 8GB or 512MB")
        return given
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return "4GB"
    return f"{max(1, min(4096, total // 4 // 2**20))}MB"


@cache
def _spark():
    """A SparkSession through Ibis: ``local[N]`` (N = the machine's cores) unless Spark's own
    settings name a master; bound to 127.0.0.1 when local; UTC."""
    try:
        import ibis
        from pyspark.sql import SparkSession
    except ImportError as exc:
        raise ConfigError(
            f"--engine spark needs PySpark ({exc}); install it with: pip install 'kamlab[spark]'"
        ) from exc
    builder = SparkSession.builder.appName("kamlab")
    master = os.environ.get("SPARK_MASTER")
    if master:
        builder = builder.master(master)
    elif not os.environ.get("SPARK_CONF_DIR"):
        builder = builder.master(f"local[{os.cpu_count() or 2}]")
        builder = builder.config("spark.driver.host", "127.0.0.1")
        builder = builder.config("spark.driver.bindAddress", "127.0.0.1")
    builder = builder.config("spark.sql.session.timeZone", TIME_ZONE)
    builder = builder.config("spark.ui.enabled", "false")
    builder = builder.config("spark.sql.shuffle.partitions", str(2 * (os.cpu_count() or 2)))
    return ibis.pyspark.connect(builder.getOrCreate())


def _database(url: str):
    """A database through Ibis, by URL (credentials from the environment, not the URL)."""
    import ibis

    try:
        con = ibis.connect(url)
    except ImportError as exc:
        raise ConfigError(
            f"{redact(url)}: the driver is not installed ({exc}); "
            "for PostgreSQL: pip install 'kamlab[postgres]'"
        ) from exc
    except Exception as exc:  # the driver's own error: one line, no password
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ConfigError(f"{redact(url)}: cannot connect ({first})") from exc
    if urlsplit(url).scheme.startswith("postgres"):
        con.raw_sql(f"SET TIME ZONE '{TIME_ZONE}'")
    return con
