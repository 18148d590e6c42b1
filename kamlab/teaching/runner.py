"""Run the teaching notebooks for students and for the lecturer, and render them.

A student's copy is the notebook with every cell tagged ``solution`` removed, executed
with papermill for the student's seed and ``show_solutions=False``; the lecturer's copy
keeps the solution cells and runs with ``show_solutions=True``. Both are rendered to
HTML with the code shown: students learn from the code as much as from the prose.

Execution goes through the generic runner's
:func:`kamlab.publish.runner.execute_notebook` (papermill, kernel ``python3``, a per-cell
timeout, errors that name the notebook and the cell), with the kernel started in
``kamlab/notebooks/teaching/`` (the notebooks ship inside the package).
"""

from __future__ import annotations

import tempfile
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

import nbformat
from nbconvert import HTMLExporter

from kamlab.publish.runner import NotebookError, execute_notebook

__all__ = [
    "SOLUTION_TAG",
    "Run",
    "execute",
    "execute_in_place",
    "render_html_with_code",
    "run_all",
    "strip_solutions",
    "teaching_dir",
    "teaching_notebooks",
]

SOLUTION_TAG = "solution"
"""Cells with this tag hold the solutions; students' copies leave them out."""


def teaching_dir() -> Path:
    """The teaching notebooks, shipped inside the kamlab package
    (``kamlab/notebooks/teaching/``)."""
    return Path(__file__).resolve().parent.parent / "notebooks" / "teaching"


def teaching_notebooks() -> list[str]:
    """File names of the teaching notebooks, in order."""
    return sorted(p.name for p in teaching_dir().glob("[0-9][0-9]_*.ipynb"))


def strip_solutions(source: Path, target: Path) -> int:
    """Write ``source`` without its solution cells to ``target``; return how many went."""
    nb = nbformat.read(source, as_version=4)
    kept = [c for c in nb.cells if SOLUTION_TAG not in c.metadata.get("tags", [])]
    removed = len(nb.cells) - len(kept)
    nb.cells = kept
    nbformat.write(nb, target)
    return removed


def render_html_with_code(notebook_path: Path, html_path: Path) -> None:
    """Render an executed notebook to HTML with the code shown (prompts hidden).

    The report's pages hide the code, as a report should; a teaching notebook needs it
    shown."""
    exporter = HTMLExporter(exclude_input_prompt=True, exclude_output_prompt=True)
    body, _ = exporter.from_notebook_node(nbformat.read(notebook_path, as_version=4))
    html_path.write_text(body, encoding="utf-8")


@dataclass(frozen=True)
class Run:
    """One execution: ``notebook`` (file name in :func:`teaching_dir`) for ``seed``,
    as a lecturer's (``solutions``) or student's copy, written to ``target`` (.ipynb;
    the HTML beside it when ``html``)."""

    notebook: str
    seed: int
    solutions: bool
    target: Path
    html: bool = True


def execute(run: Run, source_dir: Path | None = None) -> Path:
    """Execute one :class:`Run`; return the executed notebook's path."""
    folder = Path(source_dir) if source_dir else teaching_dir()
    target = Path(run.target)
    target.parent.mkdir(parents=True, exist_ok=True)
    parameters = {"student_seed": int(run.seed), "show_solutions": bool(run.solutions)}
    with tempfile.TemporaryDirectory(prefix="kamlab-teach-") as tmp:
        source = folder / run.notebook
        if not run.solutions:
            strip_solutions(source, Path(tmp) / run.notebook)
            source = Path(tmp) / run.notebook
        try:
            execute_notebook(source, target, parameters, folder)
        except NotebookError as exc:
            who = "lecturer's copy" if run.solutions else "student's copy, without solution cells"
            raise NotebookError(f"{exc} (seed {run.seed}, {who})") from exc
    if run.html:
        render_html_with_code(target, target.with_suffix(".html"))
    return target


def run_all(runs: list[Run], *, jobs: int = 1, source_dir: Path | None = None, progress=None):
    """Execute ``runs``, ``jobs`` at a time (each notebook in its own kernel, as
    :mod:`kamlab.report` does), calling ``progress(run)`` after each; return the
    executed notebooks' paths in order. The first failure stops the batch."""
    if jobs <= 1 or len(runs) <= 1:
        out = []
        for run in runs:
            out.append(execute(run, source_dir))
            if progress:
                progress(run)
        return out
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        futures = {pool.submit(execute, run, source_dir): run for run in runs}
        try:
            for future in as_completed(futures):
                future.result()  # the first failure stops the batch
                if progress:
                    progress(futures[future])
        except BaseException:
            pool.shutdown(cancel_futures=True)
            raise
        return [future.result() for future in futures]


def execute_in_place(path: Path) -> None:
    """Execute a teaching notebook as committed: its own parameters (the default seed,
    ``show_solutions = False``), kernel in its folder, outputs written back into it, no
    timing metadata. For maintainers, after editing a notebook or its lesson module;
    ``pytest --nbval-lax`` then checks the ``# NBVAL_CHECK_OUTPUT`` cells against it."""
    from nbclient import NotebookClient

    path = Path(path)
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb,
        timeout=600,
        kernel_name="python3",
        record_timing=False,
        resources={"metadata": {"path": str(path.parent)}},
    )
    client.execute()
    nbformat.write(nb, path)
