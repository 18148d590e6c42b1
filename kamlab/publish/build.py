"""From executed notebooks to the published files, inside the report's build folder.

:func:`publish_report` writes, beside the executed notebooks in ``build``:

- ``figures/<notebook>-<n>.png``: every figure the report shows, numbered in order;
- ``index.html``: the notebooks as one self-contained document (:mod:`.html`);
- ``report.pdf``: the same document on A4 (:mod:`.pdf`);
- ``summary.xlsx``: the tables the notebooks saved with :func:`~kamlab.publish.save_table`
  (:mod:`.workbook`); the private ``tables/`` folder they were saved in is removed.

Any failure raises, and the caller (:func:`kamlab.report.run_report`) then publishes
nothing.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path

import nbformat

from kamlab.publish.html import render_report
from kamlab.publish.notebook import figures
from kamlab.publish.pdf import write_pdf
from kamlab.publish.tables import load_report_tables
from kamlab.publish.workbook import write_workbook

TABLES = "tables"
FIGURES = "figures"
WORKBOOK = "summary.xlsx"


@dataclass
class Published:
    """What :func:`publish_report` wrote (paths relative to the build folder)."""

    html: str = "index.html"
    pdf: str = "report.pdf"
    workbook: str = WORKBOOK
    pages: int = 0
    sheets: list[str] = field(default_factory=list)
    figures: list[str] = field(default_factory=list)
    notebook_pages: list[str] = field(default_factory=list)
    timings_s: dict[str, float] = field(default_factory=dict)


def report_facts(manifest: dict) -> list[tuple[str, str]]:
    """The key facts of a report's manifest, as (label, value) lines for people."""
    period = manifest["period"]
    facts = [
        ("Period", f"{period['label']} ({period['start']} to {period['end']})"),
        ("Run date", manifest["run_date"]),
    ]
    if period.get("data_until", period["end"]) < period["end"]:
        facts.append(("Data to", f"{period['data_until']} (the period to date)"))
    if manifest.get("today", manifest["run_date"]) != manifest["run_date"]:
        facts.append(("Dates in the future from", f"after {manifest['today']} (--today)"))
    for path, info in manifest.get("inputs", {}).items():
        facts.append(_input_fact(path, info))
    for what, rows in manifest.get("rows", {}).items():
        if not isinstance(rows, dict):  # a count (the key account plans read)
            facts.append((f"{what.replace('_', ' ').capitalize()} read", f"{rows:,}"))
            continue
        facts.append(
            (
                f"Rows of {what.replace('_', ' ')}",
                f"{rows['read']:,} read, {rows['accepted']:,} accepted, "
                f"{rows['quarantined']:,} quarantined",
            )
        )
        for reason, n in rows.get("by_reason", {}).items():
            facts.append((f"  quarantined: {reason.replace('_', ' ')}", f"{n:,}"))
    facts.append(("Notebooks", ", ".join(manifest.get("notebooks", []))))
    versions = manifest.get("versions", {})
    facts.append(("Versions", ", ".join(f"{k} {v}" for k, v in versions.items())))
    return facts


def _input_fact(path: str, info: dict) -> tuple[str, str]:
    """An input as the manifest records it (kamlab.report): a file, the files of a folder
    or glob, or a database table (``path`` is then the URL, without a password)."""
    if "table" in info:
        return ("Input table", f"{info['table']} in {path}")
    if "files" in info:
        return ("Input files", f"{path}: {info['files']:,} files, {info['bytes']:,} bytes")
    return ("Input file", f"{Path(path).name}: {info['bytes']:,} bytes, sha256 {info['sha256']}")


def publish_report(
    build: str | Path,
    notebooks: list[str],
    *,
    title: str,
    subtitle: str = "",
    facts: list[tuple[str, object]] = (),
    on_step: Callable[[str], None] | None = None,
) -> Published:
    """Write figures, ``index.html`` (and each notebook's section as ``<stem>.html``),
    ``report.pdf`` and ``summary.xlsx`` into ``build``.

    ``notebooks`` are the executed notebooks' file names in ``build``, in report order.
    """
    build = Path(build)
    done = Published()

    def step(name: str) -> float:
        if on_step:
            on_step(name)
        return time.perf_counter()

    t0 = step("figures")
    executed = [(Path(n).stem, nbformat.read(build / n, as_version=4)) for n in notebooks]
    figures_dir = build / FIGURES
    for stem, nb in executed:
        for name, data in figures(nb, stem):
            figures_dir.mkdir(exist_ok=True)
            (figures_dir / name).write_bytes(data)
            done.figures.append(f"{FIGURES}/{name}")
    done.timings_s["figures"] = time.perf_counter() - t0

    t0 = step("index.html")
    html = render_report(executed, title=title, subtitle=subtitle, facts=list(facts))
    (build / done.html).write_text(html, encoding="utf-8")
    for stem, nb in executed:  # each section also as a page of its own (to send alone)
        page = f"{stem}.html"
        heading = f"{title}: {_title(nb, stem)}"
        (build / page).write_text(
            render_report([(stem, nb)], title=heading, subtitle=subtitle, facts=list(facts)),
            encoding="utf-8",
        )
        done.notebook_pages.append(page)
    done.timings_s["index.html"] = time.perf_counter() - t0

    # The workbook is written in a second process while this one lays out the PDF: both
    # are CPU-bound Python, and the machine has a core for each.
    sections = {stem: _title(nb, stem) for stem, nb in executed}
    job = (str(build), list(notebooks), list(facts), sections)
    with ProcessPoolExecutor(max_workers=1, mp_context=get_context("spawn")) as pool:
        workbook = pool.submit(_workbook_job, *job)
        t0 = step("report.pdf")
        done.pages = write_pdf(html, build / done.pdf)
        done.timings_s["report.pdf"] = time.perf_counter() - t0
        step("summary.xlsx")
        try:
            done.sheets, done.timings_s["summary.xlsx"] = workbook.result()
        except BrokenProcessPool:  # the helper process could not run: write it here
            done.sheets, done.timings_s["summary.xlsx"] = _workbook_job(*job)
    shutil.rmtree(build / TABLES, ignore_errors=True)
    return done


def _workbook_job(
    build: str, notebooks: list[str], facts: list, sections: dict
) -> tuple[list[str], float]:
    """Write ``summary.xlsx`` from the saved tables; return its sheets and the seconds taken."""
    t0 = time.perf_counter()
    tables = load_report_tables(Path(build) / TABLES, notebooks)
    sheets = write_workbook(tables, Path(build) / WORKBOOK, facts=facts, sections=sections)
    return sheets, time.perf_counter() - t0


def _title(nb, stem: str) -> str:
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return stem
