"""The period report: run the analysis notebooks with papermill, publish them as one report.

``reports/<period>/`` holds ``index.html`` (the notebooks in ``report.yaml``'s order as
one self-contained document, code hidden; each notebook's section is also a page of its
own, e.g. ``01_explore.html``), ``report.pdf`` (the same on A4),
``summary.xlsx`` (the tables the notebooks saved), ``figures/*.png``, the executed
notebooks, ``quarantine.csv`` and ``manifest.json`` (inputs with checksums, or a
database table's URL and name, parameters, row counts, versions, outputs, timings).

It is built in a temporary folder beside it and moved into place only when every step
succeeded, so a failed run leaves the previous report for that period untouched. A run
killed outright leaves its temporary folders (``.<period>.partial-*``,
``.<period>.cache-*``); the next run of that period into the same folder removes them,
and only them: each run holds a lock on its own while it lives
(:mod:`kamlab.publish.scratch`), so two runs into one folder do not disturb each other.
An output folder that cannot be written (no permission, read-only or full disk, a file
in the way) stops the run with an :class:`~kamlab.errors.OutputError` naming it.

The notebooks, their order, what each needs and the shared parameters are declared
in one file beside them, ``kamlab/notebooks/report.yaml`` (:func:`report_spec`).
Adding a notebook to the report is adding it there: its section comes in list order,
its headings from its own Markdown, its tables from its
:func:`kamlab.publish.save_table` calls (it gets a ``tables_dir`` parameter). The
notebooks run in parallel, :func:`default_jobs` at a time, each in its own kernel,
through the generic runner :mod:`kamlab.publish.runner`; a notebook that ``needs``
others runs after them. What the notebooks share (the inputs read once, the portfolio,
the fitted models) comes from the run context, :func:`kamlab.workflows.period_run`,
through the run's cache. The accepted transaction lines are validated once, here, and
written to the cache as one Parquet file that each notebook opens in its engine
(:func:`kamlab.workflows.cache.share_lines`): no kernel holds its own copy of the lines.

While it runs, it prints its progress, a line at a time, on stderr (or to ``log``):
the inputs checked, each notebook starting and finishing with its time (they run in
parallel, so in the order that happens), then each publishing step with its time.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from kamlab.errors import ConfigError, InputError, OutputError
from kamlab.io.engine import MEMORY_ENV, SPILL_ENV, is_url, refuse_password
from kamlab.io.files import files_of, sha256
from kamlab.models import BUDGET_ENV, REPORT_BUDGET_S
from kamlab.periods import parse_period
from kamlab.portfolio.criteria import load_criteria
from kamlab.presentation.format import day_in_words
from kamlab.publish.build import TABLES, publish_report, report_facts
from kamlab.publish.runner import (
    NotebookError,
    WarmKernels,
    execute_notebook,
    file_checksums,
    make_readable,
    previous_timings,
    publish_folder,
    recover_previous,
    run_notebooks,
    versions,
)
from kamlab.publish.scratch import (
    LOCK_NAME,
    make_locked_folder,
    release,
    remove_stale,
    unlock_file,
)
from kamlab.safe import writing
from kamlab.value.pnl import load_cost_rates
from kamlab.workflows.cache import CACHE_ENV
from kamlab.workflows.report_inputs import read_into_cache
from kamlab.yamlfile import number, read_yaml, shown

SPEC_FILE = "report.yaml"
"""The file beside the notebooks that declares the report (:func:`report_spec`)."""
JOBS_ENV = "KAMLAB_REPORT_JOBS"
READ_MEMORY = "2GB"
"""DuckDB's memory limit while the inputs are read and validated (one process at that
time), unless ``$KAMLAB_MEMORY_LIMIT`` sets one: beyond it the engine spills to disk."""
NOTEBOOK_MEMORY = "1GB"
"""DuckDB's memory limit in each notebook's kernel (several run at once; each asks the
engine only for aggregates of the shared lines), unless ``$KAMLAB_MEMORY_LIMIT`` sets one."""
PUBLISH_STEPS = ["figures", "index.html", "report.pdf", "summary.xlsx"]
KERNEL_PRELOAD = (
    "pandas",
    "matplotlib.pyplot",
    "kamlab.workflows.period",
    "kamlab.presentation.tables",
    "kamlab.plots.portfolio",
    "kamlab.publish.tables",
)
"""What the report's kernels import as they start, while the inputs are read: what nearly
every notebook imports first."""

KERNEL_ALLOCATOR = {"ARROW_DEFAULT_MEMORY_POOL": "system"}
"""The kernels' Arrow memory pool, unless the environment names one: the system's malloc,
which hands a freed table back (Arrow's default pool keeps what it freed, for reuse). The
report at 100k accounts with one job: a kernel peak of 0.85 GB instead of 0.94 GB, no
slower. (glibc's ``MALLOC_MMAP_THRESHOLD_`` as well saved a little more memory but made
the notebooks 10% slower.)"""


def kernel_env(engine_memory: str | None, scratch: Path | None = None) -> dict[str, str]:
    """What the report's kernels have in their environment beyond this process's: DuckDB's
    :data:`NOTEBOOK_MEMORY` unless the user set a limit (``engine_memory``),
    :data:`KERNEL_ALLOCATOR` where the environment does not choose otherwise, and DuckDB's
    spill folder inside ``scratch`` (removed after the run: the kernels are stopped without
    ending cleanly, so they cannot remove it themselves)."""
    env = {MEMORY_ENV: NOTEBOOK_MEMORY} if engine_memory is None else {}
    env |= {SPILL_ENV: str(scratch)} if scratch is not None else {}
    return env | {k: v for k, v in KERNEL_ALLOCATOR.items() if k not in os.environ}


REPORT_PARAMETERS = (
    "transactions_path", "accounts_path", "previous_accounts_path", "columns",
    "read_options", "until", "period", "criteria_path", "cost_rates_path", "tables_dir",
    "plans_path", "contacts_path",
)  # fmt: skip
"""The parameters :func:`run_report` can hand the notebooks (``report.yaml`` picks)."""

ReportError = NotebookError
"""A report step failed; the message names the notebook, the cell and the error (the
runner's :class:`~kamlab.publish.runner.NotebookError`)."""


def notebooks_dir() -> Path:
    """The report's notebooks, shipped inside the kamlab package (``kamlab/notebooks/``)."""
    return Path(__file__).resolve().parent / "notebooks"


@dataclass(frozen=True)
class ReportSpec:
    """The report as ``report.yaml`` declares it: ``notebooks`` in section order (files
    in ``folder``), ``needs`` (notebook -> the notebooks it runs after),
    ``cell_timeout_s`` and the shared ``parameters`` names."""

    folder: Path
    notebooks: list[str]
    needs: dict[str, set[str]] = field(default_factory=dict)
    cell_timeout_s: float = 600
    parameters: list[str] = field(default_factory=list)


def report_spec(folder: Path | None = None) -> ReportSpec:
    """Read ``report.yaml`` in ``folder`` (default :func:`notebooks_dir`); a mistake in it
    is a :class:`~kamlab.errors.ConfigError` naming the file."""
    folder = Path(folder or notebooks_dir())
    path = folder / SPEC_FILE
    raw = read_yaml(path, "the report declaration")
    if not isinstance(raw.get("notebooks"), list):
        raise ConfigError(f"report declaration {path}: expected a 'notebooks:' list")
    names: list[str] = []
    declared_needs: dict[str, object] = {}
    for entry in raw["notebooks"]:
        entry = {"name": entry} if isinstance(entry, str) else entry
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
            raise ConfigError(f"report declaration {path}: {shown(entry)} is not a notebook")
        names.append(entry["name"])
        declared_needs[entry["name"]] = entry.get("needs") or []
    if len(set(names)) != len(names):
        raise ConfigError(f"report declaration {path}: a notebook is listed twice")
    needs: dict[str, set[str]] = {}
    for name, wanted in declared_needs.items():
        wanted = [n for n in names if n != name] if wanted == "all" else wanted
        if not isinstance(wanted, list) or not all(isinstance(n, str) for n in wanted):
            raise ConfigError(
                f"{path}: the needs of {name} must be a list of notebooks or 'all', "
                f"got {shown(wanted)}"
            )
        if unknown := set(wanted) - set(names):
            raise ConfigError(
                f"{path}: {name} needs {', '.join(sorted(unknown))}, which the report does "
                "not run; add them to its notebooks or remove them from its needs"
            )
        needs[name] = set(wanted)
    parameters = raw.get("parameters") or []
    if not isinstance(parameters, list) or not all(isinstance(p, str) for p in parameters):
        raise ConfigError(
            f"{path}: parameters must be a list of names such as [until, period], "
            f"got {shown(parameters)}"
        )
    unknown = set(parameters) - set(REPORT_PARAMETERS)
    if unknown:
        raise ConfigError(
            f"{path}: unknown parameter(s) {', '.join(sorted(unknown))}; the report hands "
            f"the notebooks {', '.join(REPORT_PARAMETERS)}"
        )
    timeout = number(
        raw.get("cell_timeout_s", 600),
        str(path),
        "cell_timeout_s",
        low=0,
        above=True,
        high=86_400,  # a day
        meaning="seconds",
    )
    return ReportSpec(
        folder=folder,
        notebooks=names,
        needs=needs,
        cell_timeout_s=timeout,
        parameters=list(raw.get("parameters") or REPORT_PARAMETERS),
    )


ONE_AT_A_TIME_LINES = 500_000
"""Above this many accepted lines the report runs one notebook at a time unless jobs are
given (``jobs``, ``--jobs`` or ``$KAMLAB_REPORT_JOBS``): each kernel then holds per-account
tables of hundreds of megabytes or more, and two at once cost more memory than the time
they save is worth (at 1M lines / 100k accounts, 2026-12-05: one at a time 57 s and
1.05 GB for the whole run, two at once about 50 s and 1.58 GB; at 10M lines / 1M accounts
one kernel peaks at 3.4 GiB, two at once took 8.2 GB)."""


def default_jobs(lines: int | None = None) -> int:
    """Notebooks run at once: ``$KAMLAB_REPORT_JOBS``, else 2 (or 1 on a one-core machine),
    and 1 for more than :data:`ONE_AT_A_TIME_LINES` accepted ``lines``.

    Each running notebook holds its per-account tables and models (the lines stay in the
    run's Parquet file, read by the engine), so more jobs need more memory, not only more
    cores.
    """
    value = os.environ.get(JOBS_ENV)
    if value:
        try:
            jobs = int(value)
        except ValueError:
            jobs = 0
        if jobs < 1:
            raise ConfigError(f"{JOBS_ENV}={value!r}: expected a whole number >= 1")
        return jobs
    if lines is not None and lines > ONE_AT_A_TIME_LINES:
        return 1
    return max(1, min(2, os.cpu_count() or 1))


def _stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


class _Progress:
    """The report's progress as lines for a person watching the terminal."""

    def __init__(self, log: Callable[[str], None] | None):
        self.log = log or _stderr
        self.t0 = self.step_t0 = time.perf_counter()
        self.step = ""

    def started(self, name: str) -> None:
        self.log(f"  {name.removesuffix('.ipynb')} ... started")

    def finished(self, name: str, seconds: float | None) -> None:
        done = "failed" if seconds is None else f"done in {seconds:.1f} s"
        self.log(f"  {name.removesuffix('.ipynb')} ... {done}")

    def publishing(self, step: str) -> None:
        """A publishing step starts: the previous one (if any) is done."""
        now = time.perf_counter()
        if self.step:
            self.finished(self.step, now - self.step_t0)
        else:
            self.log("publishing HTML / PDF / workbook")
        self.step, self.step_t0 = step, now


def _run_notebooks(
    spec: ReportSpec,
    build: Path,
    parameters: dict,
    jobs: int,
    progress: _Progress,
    expected: dict,
    kernels: WarmKernels,
) -> dict[str, float]:
    """Execute the report's notebooks into ``build`` (the generic runner, by ``needs``),
    in ``kernels`` kept from one notebook to the next."""
    source = spec.folder

    def run(name: str) -> None:
        stem = {"tables_dir": str(build / TABLES / Path(name).stem)}
        shared = {k: v for k, v in {**parameters, **stem}.items() if k in spec.parameters}
        execute_notebook(
            source / name,
            build / name,
            shared,
            source,
            only_declared=True,
            timeout_s=spec.cell_timeout_s,
            kernels=kernels,
        )

    def cost(name: str) -> float:
        return expected.get(name, (source / name).stat().st_size / 1e5)

    return run_notebooks(
        spec.notebooks,
        run,
        needs=spec.needs,
        jobs=jobs,
        cost=cost,
        on_start=progress.started,
        on_finish=progress.finished,
    )


def _read_apart(
    paths: tuple,
    columns,
    read_options,
    quarantine: Path,
    where: str,
    extras: tuple = (None, None),
    period: str | None = None,
) -> dict:
    """Read and validate the inputs into the run's cache
    (:func:`~kamlab.workflows.report_inputs.read_into_cache`: the accepted lines as
    Parquet, the rest pickled) and write the quarantine, in a child process that imports
    only the reading side of kamlab: the memory that reading takes goes back to the system
    when it ends, instead of staying with this process while the notebooks run. Returns the
    row counts; an input, configuration or output error is raised here with the child's
    message."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    spawn = multiprocessing.get_context("spawn")  # a fresh interpreter: no inherited engine
    with ProcessPoolExecutor(1, mp_context=spawn) as pool:
        rows, error = pool.submit(
            read_into_cache, paths, columns, read_options, quarantine, where, extras, period
        ).result()
    if error:
        kind, message, path, errno = error
        if kind == "output":
            raise OutputError(message, path, errno)
        raise (ConfigError if kind == "config" else InputError)(message)
    return rows


def _subtitle(when, covered: str) -> str:
    """The report's dates: the period's, and where the data end before it, to that day."""
    dates = f"{day_in_words(when.start)} to {day_in_words(when.end)}"
    if pd.Timestamp(covered) < when.end:
        return f"{dates}, to date: the data end on {day_in_words(covered)}"
    return dates


def run_report(
    period: str,
    transactions: str | Path,
    *,
    accounts: str | Path | None = None,
    previous_accounts: str | Path | None = None,
    columns: dict[str, str] | None = None,
    out: str | Path = "reports",
    read_options: dict | None = None,
    criteria: str | Path | None = None,
    cost_rates: str | Path | None = None,
    jobs: int | None = None,
    plans: str | Path | None = None,
    contacts: str | Path | None = None,
    spec: ReportSpec | None = None,
    log: Callable[[str], None] | None = None,
) -> Path:
    """Build ``<out>/<period>/`` for the given data; return its path.

    Data after the period's last day are ignored (the period end is the summary's
    ``until``); earlier history is used in full. ``previous_accounts`` is the accounts
    table of the previous period (stages that fell show as Declining; the movement since
    then uses its judgement scores). ``criteria`` and ``cost_rates`` are YAML
    files (the portfolio's selection criteria, the cost-to-serve rates) handed to the
    notebooks that take them. ``plans`` is a folder of key account plans (``kamlab plans
    init``): the report reads them against the period (plan against actual); ``contacts``
    a contacts file (``kamlab contacts``): the contact map of every key account. ``jobs``
    notebooks run at once (default :func:`default_jobs` of the accepted lines: 2, and 1
    above :data:`ONE_AT_A_TIME_LINES`). ``spec``: the notebooks to run (default :func:`report_spec`,
    ``kamlab/notebooks/report.yaml``). ``log``: where the progress lines go (default:
    printed on stderr; ``lambda line: None`` for none).
    """
    when = parse_period(period)
    given_jobs = jobs
    jobs = jobs or default_jobs()  # a wrong $KAMLAB_REPORT_JOBS stops the run here
    transactions = _source(transactions)
    accounts = Path(accounts).resolve() if accounts else None
    previous_accounts = Path(previous_accounts).resolve() if previous_accounts else None
    plans = _checked_folder(plans, "plans")
    contacts = Path(contacts).resolve() if contacts else None
    read_options = dict(read_options or {})
    spec = spec or report_spec()
    progress = _Progress(log)
    progress.log(
        f"kamlab report {when.label} ({when.start:%Y-%m-%d} to {when.end:%Y-%m-%d}): "
        "reading and checking the inputs"
    )
    timings: dict[str, float] = {}

    out = Path(out).resolve()
    final = out / when.label
    where = f"{out}{os.sep}"  # an output fault names the folder the user chose
    cache = build = kernels = None
    previous_cache = os.environ.get(CACHE_ENV)
    # a fit that cannot converge stops after REPORT_BUDGET_S, not 120 s (unless set already)
    previous_budget = os.environ.get(BUDGET_ENV)
    os.environ.setdefault(BUDGET_ENV, f"{REPORT_BUDGET_S:g}")
    engine_memory = os.environ.get(MEMORY_ENV)  # the user's limit, if any, holds throughout
    if engine_memory is None:
        os.environ[MEMORY_ENV] = READ_MEMORY
    try:
        with writing(where):
            out.mkdir(parents=True, exist_ok=True)
            _remove_stale(out, when.label, progress)
            # The notebooks share what one of them read or fitted through this run's cache.
            cache = make_locked_folder(out, f".{when.label}.cache-")
            build = make_locked_folder(out, f".{when.label}.partial-")
        os.environ[CACHE_ENV] = str(cache)
        # the first kernel starts (and imports) while the inputs are read
        env = kernel_env(engine_memory, scratch=cache)
        kernels = WarmKernels(spec.folder, preload=KERNEL_PRELOAD, env=env)
        kernels.start()
        t0 = time.perf_counter()
        # read once, in a child process; the notebooks load it from the run's cache
        rows = _read_apart(
            (transactions, accounts, previous_accounts),
            columns,
            read_options,
            build / "quarantine.csv",
            where,
            (plans, contacts),
            when.label,
        )
        covered = rows.pop("until", None) or str(when.end.date())  # the data may end earlier
        accepted = rows["transactions"]
        progress.log(
            f"  inputs checked in {time.perf_counter() - t0:.1f} s: "
            f"{accepted['accepted']:,} transaction lines accepted, "
            f"{accepted['quarantined']:,} quarantined"
        )
        timings["validate"] = time.perf_counter() - t0
        if engine_memory is None:
            os.environ[MEMORY_ENV] = NOTEBOOK_MEMORY
        parameters = {
            "transactions_path": str(transactions),
            "accounts_path": str(accounts) if accounts else None,
            "previous_accounts_path": str(previous_accounts) if previous_accounts else None,
            "columns": dict(columns or {}),
            "read_options": read_options,
            "until": str(when.end.date()),
            "period": when.label,
            "criteria_path": _checked_file(criteria, "criteria"),
            "cost_rates_path": _checked_file(cost_rates, "cost rates"),
            "plans_path": str(plans) if plans else None,
            "contacts_path": str(contacts) if contacts else None,
        }
        n = len(spec.notebooks)
        jobs = given_jobs or default_jobs(accepted["accepted"])  # 1 for large data
        progress.log(f"running {n} notebook{'s' if n != 1 else ''}, {min(jobs, n)} at a time")
        with writing(where):  # papermill writes the executed notebooks into the build
            timings.update(
                _run_notebooks(
                    spec, build, parameters, jobs, progress, previous_timings(final), kernels
                )
            )
        kernels.close()  # their memory goes back before the PDF is laid out
        manifest = {
            "run_date": str(pd.Timestamp.now().date()),
            # dates after this day were quarantined (date_in_future): --today, else the run date
            "today": str(pd.Timestamp(read_options.get("today") or pd.Timestamp.now()).date()),
            "period": {
                "label": when.label,
                "start": str(when.start.date()),
                "end": str(when.end.date()),
                "data_until": covered,
            },
            "inputs": {
                str(p): _input_record(p, read_options)
                for p in [transactions, accounts, previous_accounts, contacts, plans]
                if p is not None
            },
            "parameters": parameters,
            "rows": rows,
            "notebooks": spec.notebooks,
            "versions": versions(),
        }

        current = [PUBLISH_STEPS[0]]

        def on_step(name: str) -> None:
            progress.publishing(name)
            current[0] = name

        try:
            with writing(where):
                published = publish_report(
                    build,
                    spec.notebooks,
                    title=f"Key account portfolio report, {when.label}",
                    subtitle=_subtitle(when, covered),
                    facts=report_facts(manifest),
                    on_step=on_step,
                )
        except OutputError:
            raise
        except Exception as exc:
            raise ReportError(f"writing {current[0]}: {type(exc).__name__}: {exc}") from exc
        timings.update(published.timings_s)
        manifest["outputs"] = file_checksums(build, skip=("manifest.json", LOCK_NAME))
        manifest["pdf_pages"] = published.pages
        manifest["workbook_sheets"] = published.sheets
        manifest["timings_s"] = {k: round(v, 2) for k, v in timings.items()}
        with writing(where):
            (build / "manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
            unlock_file(build)  # the lock stays held; the published folder has no lock file
            make_readable(build)
            publish_folder(build, final)
        progress.finished(current[0], published.timings_s.get(current[0]))
        progress.log(f"report {when.label} ready in {time.perf_counter() - progress.t0:.1f} s")
    finally:
        if kernels is not None:
            kernels.close()
        if previous_cache is None:
            os.environ.pop(CACHE_ENV, None)
        else:
            os.environ[CACHE_ENV] = previous_cache
        if previous_budget is None:
            os.environ.pop(BUDGET_ENV, None)
        if engine_memory is None:
            os.environ.pop(MEMORY_ENV, None)
        for folder in (cache, build):
            if folder is not None:
                release(folder)
        _remove_stale(out, when.label, progress)
    return final


def _source(transactions: str | Path) -> str | Path:
    """A file's absolute path (the kernels run elsewhere), or a database URL as given: one
    with a password is refused (the notebooks' parameters and the manifest would keep it)."""
    if is_url(str(transactions)):
        return refuse_password(str(transactions))
    return Path(transactions).resolve()


def _input_record(source: str | Path, read_options: dict) -> dict:
    """What the manifest records of an input: a file's SHA-256 and size; a folder's or
    glob's file count and bytes; a database table's name and engine (a URL is not a file
    to checksum, and its password never gets here: :func:`_source`)."""
    if isinstance(source, str):
        return {"table": read_options.get("table"), "engine": "database"}
    if source.is_file():
        return {"sha256": sha256(source), "bytes": source.stat().st_size}
    files = files_of(source)
    return {"files": len(files), "bytes": sum(f.stat().st_size for f in files)}


def _remove_stale(out: Path, label: str, progress: _Progress) -> None:
    """Remove the temporary folders of ``label`` left in ``out`` by runs that were killed
    (:func:`kamlab.publish.scratch.remove_stale`: only those no live process holds)."""
    prefixes = (f".{label}.partial-", f".{label}.cache-")
    for folder in remove_stale(out, prefixes) + recover_previous(out / label):
        progress.log(f"  removed {folder.name}, left by a run that was killed")


def _checked_folder(path: str | Path | None, what: str) -> Path | None:
    """The absolute path of an input folder, or None; a :class:`~kamlab.errors.ConfigError`
    when it is not a folder."""
    if path is None:
        return None
    path = Path(path).resolve()
    if not path.is_dir():
        raise ConfigError(
            f"{what} folder {path} not found: give the folder kamlab plans init wrote"
        )
    return path


def _checked_file(path: str | Path | None, what: str) -> str | None:
    """The absolute path of a configuration file (the kernels run elsewhere), or None."""
    if path is None:
        return None
    path = Path(path).resolve()
    if not path.is_file():
        raise ConfigError(f"{what} file {path} not found")
    load = load_criteria if what == "criteria" else load_cost_rates
    load(path)  # a mistake in it stops the run now, with the file's own error
    return str(path)
