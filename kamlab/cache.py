"""A cache for one report run: the notebooks share what one of them computed.

``kamlab report`` runs every notebook in its own kernel on the same inputs. Without a
cache each would read and validate the same file and fit the same models again. When
the environment variable :data:`CACHE_ENV` names a folder (``run_report`` sets it to a
folder inside the report's temporary build, removed with it), :func:`memo` keeps each
result there as a pickle, under a key made of the function's name and the arguments
that vary within a run; the first notebook to need a result computes it, the others
load it (a notebook that needs a result another is computing waits for it). Outside a
report run (the variable unset) :func:`memo` just calls the function.

The key leaves out what is fixed within a run (the transactions a notebook was given),
so the cache must never outlive its run: it lives and dies with the build folder.
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

__all__ = ["CACHE_ENV", "file_key", "fingerprint", "memo"]

CACHE_ENV = "KAMLAB_RUN_CACHE"

T = TypeVar("T")


def fingerprint(frame: pd.DataFrame | None) -> str:
    """A short digest of a frame's contents (index included), for keys; ``"none"``."""
    if frame is None:
        return "none"
    digest = pd.util.hash_pandas_object(frame, index=True).to_numpy().tobytes()
    return hashlib.sha256(digest + repr(list(frame.columns)).encode()).hexdigest()[:16]


def memo(name: str, key: object, compute: Callable[[], T]) -> T:
    """``compute()``, kept in the run's cache under ``name`` and ``repr(key)``."""
    folder = os.environ.get(CACHE_ENV)
    if not folder:
        return compute()
    digest = hashlib.sha256(repr(key).encode()).hexdigest()[:24]
    path = Path(folder) / f"{name}-{digest}.pkl"
    path.parent.mkdir(parents=True, exist_ok=True)
    with _locked(path.with_suffix(".lock")):  # a second notebook waits, then loads
        if path.exists():
            with path.open("rb") as f:
                return pickle.load(f)
        result = compute()
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".part")
        with os.fdopen(fd, "wb") as f:
            pickle.dump(result, f, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)  # atomic: a notebook never loads a half-written result
    return result


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


def file_key(path) -> tuple:
    """A file's identity for a key: resolved path, size and modification time (the path
    alone when it cannot be read: the reader then raises its own error)."""
    path = Path(path)
    try:
        stat = path.stat()
    except OSError:
        return (str(path),)
    return (str(path.resolve()), stat.st_size, stat.st_mtime_ns)
