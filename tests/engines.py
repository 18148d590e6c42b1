"""The engines the parity tests run on: Spark local[2] and a throwaway PostgreSQL server.

:func:`spark_backend` is ``kamlab.io.engine.connect("spark")`` on ``local[2]`` (bound to
127.0.0.1). :class:`PostgresServer` starts a PostgreSQL server from the system's
binaries (``initdb`` into a temporary folder, ``pg_ctl start`` on 127.0.0.1 on a free
port, its unix socket in that folder) and :meth:`PostgresServer.stop` stops it and
removes the folder. ``initdb`` refuses to run as root: as root the server runs as the
``postgres`` user (the Debian package's), else ``nobody``, and the folder is theirs.

Neither is skipped in CI (``CI=true``): a missing Java or ``initdb`` fails there, with
the package to install (``.ci/run`` installs both); elsewhere the tests skip with the
reason. :func:`unavailable` says which.
"""

from __future__ import annotations

import gc
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

SPARK_MASTER = "local[2]"
TIMINGS: dict[str, float] = {}
"""Seconds the engine fixtures and the parity steps took (printed at the end of the run)."""


def in_ci() -> bool:
    """True on a CI runner (``CI`` set to anything but empty/false/0)."""
    return os.environ.get("CI", "").strip().lower() not in ("", "false", "0", "no")


def unavailable(reason: str) -> None:
    """Skip locally; fail in CI, where the engines must run."""
    if in_ci():
        pytest.fail(f"{reason} (CI must run the engine tests: see .ci/run)", pytrace=False)
    pytest.skip(reason)


# --------------------------------------------------------------------------- Spark


def spark_backend():
    """The Ibis backend of a SparkSession ``local[2]`` on 127.0.0.1, in UTC, and the
    seconds it took to start."""
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        unavailable("no Java runtime for Spark (apt-get install openjdk-17-jre-headless)")
    try:
        import pyspark  # noqa: F401
    except ImportError:
        unavailable("PySpark is not installed (pip install 'kamlab[spark]')")
    from kamlab.io import engine

    previous = os.environ.get("SPARK_MASTER")
    os.environ["SPARK_MASTER"] = SPARK_MASTER
    try:
        t0 = time.perf_counter()
        con = engine.connect("spark")
        seconds = time.perf_counter() - t0
    finally:
        if previous is None:
            os.environ.pop("SPARK_MASTER", None)
        else:
            os.environ["SPARK_MASTER"] = previous
    return con, seconds


# --------------------------------------------------------------------------- PostgreSQL


def postgres_binaries() -> Path | None:
    """The folder of the newest PostgreSQL server binaries (``initdb``, ``pg_ctl``)."""
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0,
    )
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def free_port() -> int:
    """A TCP port free on 127.0.0.1 now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PostgresServer:
    """A PostgreSQL server of its own in a temporary folder (:meth:`start`, :meth:`stop`).

    ``url`` connects as the superuser ``kamlab`` (trust authentication on 127.0.0.1:
    no password anywhere) to the database ``postgres``.
    """

    user = "kamlab"
    database = "postgres"

    def __init__(self) -> None:
        self.bin = postgres_binaries()
        self.folder: Path | None = None
        self.port: int | None = None
        self.start_s: float | None = None

    @property
    def url(self) -> str:
        return f"postgresql://{self.user}@127.0.0.1:{self.port}/{self.database}"

    def _owner(self) -> pwd.struct_passwd | None:
        """The user the server runs as when we are root (initdb refuses root)."""
        if os.geteuid() != 0:
            return None
        for name in ("postgres", "nobody"):
            try:
                return pwd.getpwnam(name)
            except KeyError:
                continue
        unavailable("running as root and neither a 'postgres' nor a 'nobody' user exists")

    def _run(self, *args: str, owner) -> subprocess.CompletedProcess:
        command = [str(self.bin / args[0]), *args[1:]]
        if owner is not None:
            command = ["runuser", "-u", owner.pw_name, "--", *command]
        result = subprocess.run(command, capture_output=True, text=True, cwd=self.folder)
        if result.returncode != 0:
            log = self.folder / "server.log"
            tail = log.read_text()[-2000:] if log.exists() else ""
            raise RuntimeError(f"{' '.join(command)} failed:\n{result.stderr}{result.stdout}{tail}")
        return result

    def start(self) -> PostgresServer:
        if self.bin is None:
            unavailable("no PostgreSQL server binaries (apt-get install postgresql)")
        t0 = time.perf_counter()
        owner = self._owner()
        self.folder = Path(tempfile.mkdtemp(prefix="kamlab-pg-"))
        if owner is not None:
            os.chown(self.folder, owner.pw_uid, owner.pw_gid)
        data = self.folder / "data"
        self._run(
            "initdb", "-D", str(data), "-U", self.user, "--auth=trust", "-E", "UTF8",
            "--no-locale", "--no-sync", owner=owner,
        )  # fmt: skip
        self.port = free_port()
        options = (
            f"-h 127.0.0.1 -p {self.port} -k {self.folder} "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
            "-c timezone=UTC -c shared_buffers=128MB -c max_wal_size=1GB"
        )
        log = self.folder / "server.log"
        self._run("pg_ctl", "-D", str(data), "-l", str(log), "-o", options, "-w", "start",
                  owner=owner)  # fmt: skip
        self.start_s = time.perf_counter() - t0
        return self

    def stop(self) -> None:
        """Stop the server (immediately: it holds nothing to keep) and remove its folder."""
        if self.folder is None:
            return
        gc.collect()  # Ibis drops the temporary tables of lines no longer used, while it can
        try:
            if (self.folder / "data" / "postmaster.pid").exists():
                self._run("pg_ctl", "-D", str(self.folder / "data"), "-m", "immediate", "-w",
                          "stop", owner=self._owner())  # fmt: skip
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)
            self.folder = None

    def connect(self):
        """An Ibis connection to the server (through ``kamlab.io.engine``: UTC)."""
        from kamlab.io import engine

        return engine.connect(self.url)

    def load(self, name: str, frame) -> str:
        """``frame`` as the table ``public.<name>`` (replaced), its types from Ibis, its rows
        by ``COPY`` of Arrow's CSV (Ibis' ``create_table(name, frame)`` inserts a million
        lines in ~50 s, this in a few), then ``ANALYZE``d as autovacuum would; returns
        ``"public.<name>"``."""
        import io

        import ibis
        import pyarrow as pa
        import pyarrow.csv as pacsv

        con = self.connect()
        con.create_table(name, schema=ibis.memtable(frame.head(0)).schema(), overwrite=True)
        text = io.BytesIO()  # nulls unquoted (NULL), empty strings quoted (''), offsets kept
        table = pa.Table.from_pandas(frame, preserve_index=False)
        pacsv.write_csv(table, text, pacsv.WriteOptions(include_header=False))
        columns = ", ".join(f'"{c}"' for c in frame.columns)
        with con.con.cursor() as cursor:
            with cursor.copy(f'COPY public."{name}" ({columns}) FROM STDIN (FORMAT csv)') as copy:
                copy.write(text.getvalue())
            cursor.execute(f'ANALYZE public."{name}"')  # a warehouse table has statistics
        con.con.commit()
        con.disconnect()
        return f"public.{name}"


# --------------------------------------------------------------------------- data


def order_lines(n_lines: int, n_accounts: int, *, seed: int = 0, faults: float = 0.002):
    """A generated log of order lines over two years (2024-10-01 to 2026-09-30), with the
    columns of a warehouse table: ``order_id, account_id, date`` (a timestamp with a time
    of day), ``product_id, quantity, unit_price, unit_cost``.

    About 4 lines an order, accounts drawn with a long tail (a few big, many small), 3%
    of lines returns (negative quantity); then ``faults`` of the lines each, appended:
    exact duplicates of earlier lines, zero quantities, negative prices, missing account
    ids and dates after 2026-12-01 (use ``today="2026-12-01"``), so that every engine's
    quarantine has every one of those reasons.
    """
    import numpy as np
    import pandas as pd
    import pyarrow as pa
    import pyarrow.compute as pc

    rng = np.random.default_rng(seed)
    n_orders = max(1, n_lines // 4)
    weights = 1.0 / np.arange(1, n_accounts + 1) ** 0.8
    order_account = rng.choice(n_accounts, size=n_orders, p=weights / weights.sum())
    start = pd.Timestamp("2024-10-01").value // 1000  # microseconds
    span = 730 * 86_400_000_000
    order_time = start + rng.integers(0, span, size=n_orders) // 1_000_000 * 1_000_000
    order = np.sort(rng.integers(0, n_orders, size=n_lines))
    quantity = rng.integers(1, 60, size=n_lines).astype("float64")
    quantity[rng.random(n_lines) < 0.03] *= -1  # returns
    price = np.round(rng.lognormal(3.0, 0.8, size=n_lines), 2) + 0.01

    def ids(prefix, numbers):  # "A123": Arrow's string kernels, 5x faster than .map
        text = pc.binary_join_element_wise(prefix, pc.cast(pa.array(numbers), pa.string()), "")
        return pd.array(text, dtype="string")

    frame = pd.DataFrame(
        {
            "order_id": ids("O", order),
            "account_id": ids("A", order_account[order]),
            "date": pd.to_datetime(order_time[order], unit="us").astype("datetime64[us]"),
            "product_id": ids("P", rng.integers(0, 5_000, size=n_lines)),
            "quantity": quantity,
            "unit_price": price,
            "unit_cost": np.round(price * rng.uniform(0.5, 0.9, size=n_lines), 2),
        }
    )
    k = max(1, int(faults * n_lines))

    def faulty(column, value):
        rows = frame.iloc[rng.choice(n_lines, size=k, replace=False)].copy()
        if column is not None:
            rows[column] = value
        return rows

    extra = [
        faulty(None, None),  # exact duplicates
        faulty("quantity", 0.0),
        faulty("unit_price", -1.5),
        faulty("account_id", pd.NA),
        faulty("date", pd.Timestamp("2027-03-01 12:00")),
    ]
    lines = pd.concat([frame, *extra], ignore_index=True)
    return lines.astype({"account_id": "string"})


def write_parquet(frame, path):
    """``frame`` as Parquet with microsecond timestamps (Spark cannot read nanoseconds)."""
    frame.to_parquet(path, index=False, coerce_timestamps="us", allow_truncated_timestamps=True)
    return path
