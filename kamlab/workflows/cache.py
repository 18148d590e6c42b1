"""The one cache: the notebooks of a report run share what one of them computed.

``kamlab report`` runs every notebook in its own kernel on the same inputs. Without a
cache each would read and validate the same files and fit the same models again. When
the environment variable :data:`CACHE_ENV` names a folder (``run_report`` sets it to a
folder inside the report's temporary build, removed with it), :func:`memo` keeps each
result there as a pickle, under a key made of the step's name and what it was computed
from: the *content* of the input files (their SHA-256, the checksums the report's
manifest records) and the parameters. The first notebook to need a result computes it,
the others load it (a notebook that needs a result another is computing waits for it).
Outside a report run (the variable unset) :func:`memo` just calls the function, and the
key is never computed.

The transactions' accepted lines are shared once per run *in the engine*, not pickled
into every kernel: :func:`share_lines` writes them once as Parquet in the cache folder
(microsecond timestamps, which every engine reads) and the cached
:class:`~kamlab.io.Transactions` carries only that file's path, its quarantine and its
counts; each notebook opens the file with DuckDB as the transactions' ``lines`` and
never loads it into pandas.

Only the workflows layer caches (:class:`kamlab.workflows.PeriodRun`); the domain's
functions are plain.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import pandas as pd

from kamlab.io.files import content_sha256, files_of

__all__ = [
    "CACHE_ENV",
    "content_key",
    "fingerprint",
    "in_report_run",
    "memo",
    "share_lines",
    "store",
    "write_parquet",
]

CACHE_ENV = "KAMLAB_RUN_CACHE"

T = TypeVar("T")


def fingerprint(frame: pd.DataFrame | None) -> str:
    """A short digest of a frame's contents (index included), for keys; ``"none"``."""
    if frame is None:
        return "none"
    digest = pd.util.hash_pandas_object(frame, index=True).to_numpy().tobytes()
    return hashlib.sha256(digest + repr(list(frame.columns)).encode()).hexdigest()[:16]


def content_key(*paths: str | Path | None) -> tuple[str, ...]:
    """The SHA-256 of each file, folder or glob (:func:`~kamlab.io.files.content_sha256`;
    ``"none"`` for a path not given): equal content, equal key, whatever the file's name,
    place or modification time. A database URL stands for
    itself (password left out): its table is read once per run, not known by content."""
    from kamlab.io.engine import is_url, redact

    def key(path) -> str:
        if path is None:
            return "none"
        return redact(path) if is_url(path) else _content_digest(path)

    return tuple(key(p) for p in paths)


def _content_digest(path: str | Path) -> str:
    """:func:`~kamlab.io.files.content_sha256` of ``path``; within a report run read once
    and kept in the run's cache under the files' paths, sizes and modification times, not
    read again by every notebook (the 1M-line sample's 60 MB, 0.1 s in each kernel)."""
    if not in_report_run():
        return content_sha256(path)
    stats = [(str(f.resolve()), f.stat()) for f in files_of(path)]
    seen = tuple((name, st.st_size, st.st_mtime_ns) for name, st in stats)
    return memo("digest", seen, lambda: content_sha256(path))


def in_report_run() -> bool:
    """True within a report run: :func:`memo` keeps results in the run's cache folder."""
    return bool(os.environ.get(CACHE_ENV))


def memo(name: str, key: object | Callable[[], object], compute: Callable[[], T]) -> T:
    """``compute()``, kept in the run's cache under ``name`` and ``repr(key)`` (``key`` may
    be a function giving the key: it is called only within a report run)."""
    folder = os.environ.get(CACHE_ENV)
    if not folder:
        return compute()
    path = _entry(folder, name, key() if callable(key) else key)
    with _locked(path.with_suffix(".lock")):  # a second notebook waits, then loads
        if path.exists():
            with path.open("rb") as f:
                return pickle.load(f)
        result = compute()
        _write(result, path)
    return result


def store(name: str, key: object, value: object) -> None:
    """Within a report run, put ``value`` in the run's cache as :func:`memo` would have
    computed it, unless it is there already (then nothing is loaded)."""
    folder = os.environ.get(CACHE_ENV)
    if not folder:
        return
    path = _entry(folder, name, key)
    with _locked(path.with_suffix(".lock")):
        if not path.exists():
            _write(value, path)


def _entry(folder: str, name: str, key: object) -> Path:
    """The cache file of ``name`` and ``repr(key)``."""
    digest = hashlib.sha256(repr(key).encode()).hexdigest()[:24]
    path = Path(folder) / f"{name}-{digest}.pkl"
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def _write(value: object, path: Path) -> None:
    """Pickle ``value`` to ``path`` atomically: a notebook never loads a half-written one."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".part")
    with os.fdopen(fd, "wb") as f:
        pickle.dump(value, f, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(tmp, path)


def share_lines(transactions):
    """Within a report run, ``transactions`` with its accepted lines written once as Parquet
    in the run's cache folder and read from there (:meth:`Transactions.with_lines_file
    <kamlab.io.Transactions.with_lines_file>`): pickled for the other notebooks, it carries
    the file's path, not the lines. Outside a report run, ``transactions`` unchanged."""
    folder = os.environ.get(CACHE_ENV)
    if not folder:
        return transactions
    Path(folder).mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=folder, prefix="lines-", suffix=".parquet")
    os.close(fd)
    write_parquet(transactions.lines, Path(name))
    return transactions.with_lines_file(name)


def write_parquet(table, path: Path) -> Path:
    """Write the Ibis ``table`` to the one Parquet file ``path`` (atomically), timestamps in
    microseconds (Spark cannot read pandas' nanoseconds). DuckDB writes it itself; any
    other engine streams record batches, so the lines never sit in memory at once."""
    tmp = path.with_name(path.name + ".part")
    backend = table.get_backend()  # a memtable's: Ibis' DuckDB
    if backend.name == "duckdb":
        backend.to_parquet(table, tmp)
    else:
        import pyarrow.parquet as pq

        batches = table.to_pyarrow_batches()
        with pq.ParquetWriter(
            tmp,
            batches.schema,
            coerce_timestamps="us",
            allow_truncated_timestamps=True,
        ) as writer:
            for batch in batches:
                writer.write_batch(batch)
    os.replace(tmp, path)
    return path


@contextlib.contextmanager
def _locked(lock: Path):
    """Hold an exclusive lock on the file ``lock`` (POSIX ``flock``; no lock where there is
    none): two notebooks that need the same result at once compute it once, not twice on
    the same cores."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover (Windows)
        yield
        return
    with lock.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
