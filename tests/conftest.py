"""Shared fixtures. Reference data live in ../shared/data (or $KAMLAB_REFERENCE_DATA)."""

import os
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
