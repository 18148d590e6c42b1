"""A run's temporary folders, locked while the run lives, cleaned once it is dead.

A report run works in temporary folders beside its result (``reports/.2026Q3.partial-*``
for the build, ``reports/.2026Q3.cache-*`` for what its notebooks share) and removes
them when it ends. A run killed outright (``kill -9``, a power cut, the out-of-memory
killer) cannot: its folders stay. So each run holds an exclusive lock
(``fcntl.flock``) on a file inside each of its folders, :data:`LOCK_NAME`, for as long
as the folder is in use; the system drops the lock when the process dies, however it
dies. :func:`remove_stale` removes the folders whose lock it can take: their owner is
dead. A folder whose lock is held (another run, live, in the same output folder) is
left alone, so two runs into one folder both work.

A folder without a lock file (left by an earlier kamlab, or caught between creation and
locking, or just published: each a matter of microseconds) counts as stale only when it has not changed for
:data:`GRACE_S` seconds.

The locks are advisory and local: they protect runs on one machine. On a network file
system without working ``flock``, run one report per output folder at a time.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from pathlib import Path

__all__ = [
    "GRACE_S",
    "LOCK_NAME",
    "make_locked_folder",
    "release",
    "remove_stale",
    "unlock_file",
]

LOCK_NAME = ".kamlab-run.lock"
"""The lock file inside a run's temporary folder."""
GRACE_S = 30.0
"""Seconds an unlocked folder without a lock file is left alone (it may be being made)."""

_HELD: dict[Path, int] = {}  # this process's locked folders -> the lock's descriptor


def make_locked_folder(parent: str | os.PathLike, prefix: str) -> Path:
    """A new folder ``<parent>/<prefix><random>``, locked by this process until
    :func:`release` (or until the process ends)."""
    folder = Path(tempfile.mkdtemp(prefix=prefix, dir=parent))
    fd = os.open(folder / LOCK_NAME, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        _flock(fd, blocking=True)
        os.write(fd, f"{os.getpid()}\n".encode())
    except BaseException:
        os.close(fd)
        raise
    _HELD[folder] = fd
    return folder


def release(folder: str | os.PathLike, *, remove: bool = True) -> None:
    """Remove ``folder`` (unless ``remove`` is False, e.g. once it has been published
    under another name) and drop its lock."""
    folder = Path(folder)
    if remove:
        shutil.rmtree(folder, ignore_errors=True)
    fd = _HELD.pop(folder, None)
    if fd is not None:
        os.close(fd)


def unlock_file(folder: str | os.PathLike) -> None:
    """Delete the lock file of ``folder`` while keeping the lock (just before the folder is
    published: the published folder holds no lock file; :data:`GRACE_S` covers the
    instant before it is renamed)."""
    (Path(folder) / LOCK_NAME).unlink(missing_ok=True)


def remove_stale(parent: str | os.PathLike, prefixes: tuple[str, ...]) -> list[Path]:
    """Remove the folders in ``parent`` named ``<prefix>*`` whose owner is dead (their lock
    can be taken); return them. Folders of live runs, this one's included, stay."""
    parent = Path(parent)
    try:
        entries = list(os.scandir(parent))
    except OSError:
        return []
    removed = []
    for entry in entries:
        if entry.name.startswith(prefixes) and entry.is_dir(follow_symlinks=False):
            folder = Path(entry.path)
            if folder not in _HELD and _remove_if_dead(folder):
                removed.append(folder)
    return removed


def _remove_if_dead(folder: Path) -> bool:
    try:
        fd = os.open(folder / LOCK_NAME, os.O_RDWR | os.O_CLOEXEC)
    except FileNotFoundError:
        if _unchanged_for(folder) < GRACE_S:
            return False
        shutil.rmtree(folder, ignore_errors=True)
        return True
    except OSError:
        return False
    try:
        if not _flock(fd, blocking=False):
            return False  # a live run holds it
        shutil.rmtree(folder, ignore_errors=True)
        return True
    finally:
        os.close(fd)


def _unchanged_for(folder: Path) -> float:
    try:
        return time.time() - folder.stat().st_mtime
    except OSError:
        return 0.0


def _flock(fd: int, *, blocking: bool) -> bool:
    """Take the exclusive lock on ``fd``; False if another holds it (non-blocking)."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover (Windows: no locks, folders are never stale)
        return blocking
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | (0 if blocking else fcntl.LOCK_NB))
    except BlockingIOError:
        return False
    return True
