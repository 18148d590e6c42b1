"""A generic notebook runner: execute notebooks with papermill, in the order their needs
allow, and publish the build folder atomically, with the manifest's checksums and versions.

The KAM report (:mod:`kamlab.report`) and the teaching packs (:mod:`kamlab.teaching`)
both run their notebooks through these public functions:

- :func:`execute_notebook`: one notebook, papermill, kernel ``python3``, a per-cell
  timeout; a failing cell raises :class:`NotebookError` naming the notebook and the cell
  (as numbered in the source notebook), a cell that runs too long or a dead kernel too;
- :func:`run_notebooks`: many notebooks, ``jobs`` at a time, each after the ones it
  needs, the longest first;
- :class:`WarmKernels` (from :mod:`kamlab.publish.kernels`): kernels kept from one
  notebook to the next (one per job), so that a report does not start a kernel and
  import pandas, matplotlib and kamlab for each;
- :func:`publish_folder`: swap a finished build folder into place (a failed run leaves
  the previous one untouched; :func:`recover_previous` puts it back after a kill);
- :func:`file_checksums`, :func:`versions`, :func:`previous_timings`,
  :func:`make_readable`: the manifest's parts.
"""

from __future__ import annotations

import functools
import json
import os
import platform
import shutil
import time
from collections.abc import Callable, Mapping
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from importlib import metadata
from pathlib import Path

from kamlab.errors import ConfigError, KamlabError
from kamlab.io.files import sha256
from kamlab.publish.kernels import DIED_AT_START, KERNEL_OPTIONS, KERNEL_STARTS, WarmKernels

__all__ = [
    "CELL_TIMEOUT_S",
    "NotebookError",
    "WarmKernels",
    "execute_notebook",
    "file_checksums",
    "make_readable",
    "previous_timings",
    "publish_folder",
    "recover_previous",
    "run_notebooks",
    "versions",
]

CELL_TIMEOUT_S = 600
"""Default seconds a cell may run."""
VERSIONED = (
    "kamlab", "pandas", "numpy", "scipy", "scikit-learn", "duckdb", "ibis-framework", "papermill",
    "weasyprint", "openpyxl",
)  # fmt: skip


class NotebookError(KamlabError):
    """A notebook (or a step of publishing it) failed; the message names the notebook,
    the cell and the error."""


ENGINE = "kamlab"
"""The papermill engine :func:`execute_notebook` runs with (:func:`_engine`)."""


@functools.cache
def _engine() -> str:
    """Register (once) and name papermill's nbclient engine with one change: the executed
    notebook is written once, when it ends (after a failure, a timeout or a dead kernel
    too, so that the cell that was running can be named), not before and after every cell
    as papermill does by default. The report's notebooks have some 250 cells: those writes
    took 2.4 s of the 100k-account report's 65 s."""
    from papermill.engines import NBClientEngine, NotebookExecutionManager, papermill_engines

    class SavedAtEnd(NotebookExecutionManager):
        def save(self, **kwargs):
            if self.end_time is not None:  # set by notebook_complete, in a finally
                super().save(**kwargs)

    class Engine(NBClientEngine):
        @classmethod
        def execute_notebook(cls, nb, kernel_name, output_path=None, progress_bar=True,
                             log_output=False, autosave_cell_every=30, **kwargs):  # fmt: skip
            # papermill's Engine.execute_notebook, with the manager above
            nb_man = SavedAtEnd(
                nb,
                output_path=output_path,
                progress_bar=progress_bar,
                log_output=log_output,
                autosave_cell_every=autosave_cell_every,
            )
            nb_man.notebook_start()
            try:
                cls.execute_managed_notebook(nb_man, kernel_name, log_output=log_output, **kwargs)
            finally:
                nb_man.cleanup_pbar()
                nb_man.notebook_complete()
            return nb_man.nb

    papermill_engines.register(ENGINE, Engine)
    return ENGINE


def execute_notebook(
    source: Path,
    target: Path,
    parameters: Mapping,
    cwd: Path,
    *,
    only_declared: bool = False,
    timeout_s: float = CELL_TIMEOUT_S,
    kernels: WarmKernels | None = None,
) -> None:
    """Run ``source`` into ``target`` with papermill, the kernel started in ``cwd``; a
    failing cell raises :class:`NotebookError`.

    ``only_declared``: pass only the parameters the notebook's ``parameters`` cell
    declares (papermill warns about the others), when it has one. ``kernels``: run in one
    of these kept kernels (:class:`WarmKernels`, started in their own ``cwd``) instead of a
    new one.
    """
    import papermill as pm
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    source, target = Path(source), Path(target)
    parameters = dict(parameters)
    if only_declared and (declared := pm.inspect_notebook(str(source))):
        parameters = {k: v for k, v in parameters.items() if k in declared}
    km = kernels.kernel() if kernels is not None else None
    done = False
    try:
        for attempt in range(1, KERNEL_STARTS + 1):
            try:
                pm.execute_notebook(
                    str(source),
                    str(target),
                    parameters=parameters,
                    kernel_name="python3",
                    engine_name=_engine(),
                    # papermill starts a kernel in cwd by changing this whole process's
                    # directory for the run; with the report's two threads that raced and
                    # could leave the process in the notebooks' folder. A kept kernel
                    # already runs in its own folder, so the process stays where it is.
                    cwd=None if km is not None else str(cwd),
                    progress_bar=False,
                    execution_timeout=timeout_s,
                    extra_arguments=KERNEL_OPTIONS,
                    **({"km": km} if km is not None else {}),
                )
                done = True
                break
            except RuntimeError as exc:  # the kernel died at start, before any cell ran
                if not str(exc).startswith(DIED_AT_START) or attempt == KERNEL_STARTS:
                    raise
    except pm.PapermillExecutionError as exc:
        raise NotebookError(
            f"{source.name}, cell {_source_cell(target, exc.cell_index)}: {exc.ename}: {exc.evalue}"
        ) from exc
    except (CellTimeoutError, DeadKernelError) as exc:  # not a PapermillExecutionError
        index = _running_cell(target)
        where = f"cell {_source_cell(target, index)}" if index is not None else "a cell"
        what = (
            f"did not finish within {timeout_s:g} s"
            if isinstance(exc, CellTimeoutError)
            else f"the kernel died ({str(exc).splitlines()[0] if str(exc) else 'no reason given'})"
        )
        raise NotebookError(f"{source.name}, {where}: {type(exc).__name__}: {what}") from exc
    finally:
        if km is not None:
            kernels.release(km, reuse=done)


def _read_cells(executed: Path) -> list | None:
    import nbformat

    try:
        return nbformat.read(executed, as_version=4).cells
    except (OSError, ValueError):
        return None


def _running_cell(executed: Path) -> int | None:
    """Index of the last cell papermill started in the (partly) executed notebook."""
    cells = _read_cells(executed)
    if cells is None:
        return None
    started = [i for i, c in enumerate(cells) if c.metadata.get("papermill", {}).get("start_time")]
    return started[-1] if started else None


def _source_cell(executed: Path, index: int) -> int:
    """1-based number, in the source notebook, of cell ``index`` of the executed one
    (papermill inserts an ``injected-parameters`` cell, and error banners on failure)."""
    cells = _read_cells(executed)
    if cells is None:
        return index + 1
    tags = [c.metadata.get("tags", []) for c in cells]
    tags = [t for t in tags if "papermill-error-cell-tag" not in t][:index]
    injected = sum("injected-parameters" in t for t in tags)
    return index + 1 - injected


def run_notebooks(
    names: list[str],
    run: Callable[[str], object],
    *,
    needs: Mapping[str, set[str]] | None = None,
    jobs: int = 1,
    cost: Callable[[str], float] | None = None,
    progress=None,
    on_start: Callable[[str], None] | None = None,
    on_finish: Callable[[str, float | None], None] | None = None,
) -> dict[str, float]:
    """Call ``run(name)`` for every name, up to ``jobs`` at once, each after the names
    it ``needs``; return the seconds each took, in ``names`` order.

    The most costly first (``cost(name)``, e.g. the previous run's timings), so that the
    short ones fill in beside it. On a failure no further notebook starts, those
    running finish, and the first failure is raised. ``progress`` is a tqdm-like bar
    (``set_postfix_str``, ``update``) or None. ``on_start(name)`` is called as a name
    starts, ``on_finish(name, seconds)`` as it finishes (``seconds`` None when it
    failed), in this thread, in the order they happen.
    """
    needs = {name: set((needs or {}).get(name, ())) for name in names}
    for name, wanted in needs.items():
        if unknown := wanted - set(names):
            raise ConfigError(f"{name} needs {', '.join(sorted(unknown))}, which is not run")
    pending = sorted(names, key=cost, reverse=True) if cost else list(names)
    done: dict[str, float] = {}
    running: dict = {}
    failure: Exception | None = None

    def timed(name: str) -> float:
        t0 = time.perf_counter()
        run(name)
        return time.perf_counter() - t0

    with ThreadPoolExecutor(max_workers=max(1, jobs), thread_name_prefix="notebook") as pool:
        while pending or running:
            while failure is None and len(running) < max(1, jobs):
                ready = next((n for n in pending if needs[n] <= done.keys()), None)
                if ready is None:
                    break
                pending.remove(ready)
                running[pool.submit(timed, ready)] = ready
                if on_start is not None:
                    on_start(ready)
            if not running:
                if failure is None and pending:
                    raise ConfigError(f"notebooks wait for each other: {', '.join(pending)}")
                break
            if progress is not None:
                progress.set_postfix_str(", ".join(sorted(running.values())))
            finished, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in finished:
                name = running.pop(future)
                try:
                    done[name] = future.result()
                except Exception as exc:
                    failure = failure or exc
                if on_finish is not None:
                    on_finish(name, done.get(name))
                if progress is not None:
                    progress.update()
    if failure is not None:
        raise failure
    return {name: done[name] for name in names}


def publish_folder(build: Path, final: Path) -> None:
    """Swap ``build`` into ``final`` (same file system); the old ``final`` is removed only
    after the swap, and restored if the swap fails (or, if this process is killed between
    the two renames, by :func:`recover_previous` in the next run).

    ``build`` (a temporary folder, private) gets the mode the user's umask gives new
    folders."""
    build, final = Path(build), Path(final)
    mask = os.umask(0)
    os.umask(mask)
    build.chmod(0o777 & ~mask)
    old = None
    if final.exists():
        old = final.with_name(f".{final.name}.old-{os.getpid()}")
        final.rename(old)
    try:
        build.rename(final)
    except OSError:
        if old is not None:
            old.rename(final)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def recover_previous(final: Path) -> list[Path]:
    """Deal with what a run killed inside :func:`publish_folder` left beside ``final``:
    ``.<name>.old-<pid>`` folders of dead processes are the previous ``final``, put back
    if ``final`` is missing, removed otherwise. Return the folders removed."""
    final = Path(final)
    removed = []
    for old in sorted(final.parent.glob(f".{final.name}.old-*")):
        pid = old.name.rsplit("-", 1)[-1]
        if not pid.isdigit() or _alive(int(pid)):
            continue
        if not final.exists():
            try:
                old.rename(final)
                continue
            except OSError:
                pass
        shutil.rmtree(old, ignore_errors=True)
        removed.append(old)
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # e.g. another user's process
        return True
    return True


def file_checksums(folder: Path, *, skip: tuple[str, ...] = ("manifest.json",)) -> dict[str, dict]:
    """``{relative path: {"bytes", "sha256"}}`` of every file under ``folder`` (sorted),
    leaving out files named in ``skip``."""
    folder = Path(folder)
    return {
        str(p.relative_to(folder)): {"bytes": p.stat().st_size, "sha256": sha256(p)}
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name not in skip
    }


def versions(names: tuple[str, ...] = VERSIONED) -> dict[str, str]:
    """Python's version and the installed versions of ``names`` (``"not installed"``)."""
    out = {"python": platform.python_version()}
    for name in names:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def previous_timings(final: Path) -> dict[str, float]:
    """``timings_s`` of the manifest in ``final`` (a previous run), or {}."""
    try:
        return json.loads((Path(final) / "manifest.json").read_text(encoding="utf-8"))["timings_s"]
    except (OSError, ValueError, KeyError, TypeError):
        return {}


def make_readable(build: Path) -> None:
    """Modes as for any new file (a temporary folder and its files are private: 0700/0600)."""
    mask = os.umask(0)
    os.umask(mask)
    for path in [Path(build), *Path(build).rglob("*")]:
        path.chmod((0o777 if path.is_dir() else 0o666) & ~mask)
