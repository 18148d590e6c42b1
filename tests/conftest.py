"""Shared fixtures. Reference data live in ../shared/data (or $KAMLAB_REFERENCE_DATA)."""

import os
import sys
from pathlib import Path

import matplotlib
import pytest

matplotlib.use("Agg")

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = Path(os.environ.get("KAMLAB_REFERENCE_DATA", ROOT.parent / "shared" / "data"))


@pytest.fixture(scope="session")
def reference_data() -> Path:
    """The public reference data sets; tests that need them skip when they are absent."""
    if not (REFERENCE / "README.md").exists():
        pytest.skip(f"reference data not found at {REFERENCE} (set KAMLAB_REFERENCE_DATA)")
    return REFERENCE


@pytest.fixture
def write(tmp_path):
    """write(name, text_or_bytes, encoding="utf-8") -> path of a file in a temporary folder."""

    def _write(name: str, content, encoding: str = "utf-8") -> Path:
        path = tmp_path / name
        path.write_bytes(content if isinstance(content, bytes) else content.encode(encoding))
        return path

    return _write


# --------------------------------------------------------------------------- engines
# Spark local[2] and a throwaway PostgreSQL server, once per session (tests/engines.py);
# skipped with a reason when missing, except in CI (CI=true), where they must run.


@pytest.fixture(scope="session")
def spark():
    """The Ibis backend of a SparkSession local[2] on 127.0.0.1 (kamlab.io.engine)."""
    from engines import TIMINGS, spark_backend

    con, seconds = spark_backend()
    TIMINGS["start spark local[2]"] = seconds
    return con


@pytest.fixture(scope="session")
def postgres():
    """A PostgreSQL server of its own on 127.0.0.1 (``.url``, ``.connect()``), stopped and
    removed at the end of the session."""
    from engines import TIMINGS, PostgresServer

    server = PostgresServer()
    try:
        server.start()
        TIMINGS["start postgresql"] = server.start_s
        yield server
    finally:
        server.stop()


def pytest_terminal_summary(terminalreporter):
    """The engines' start and parity times, when this run used them."""
    engines = sys.modules.get("engines")
    if engines is not None and engines.TIMINGS:
        shown = ", ".join(f"{name} {s:.1f} s" for name, s in engines.TIMINGS.items())
        terminalreporter.write_line(f"engine timings: {shown}")
