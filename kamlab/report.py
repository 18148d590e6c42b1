"""The period report: run the analysis notebooks with papermill, publish them as one report.

``reports/<period>/`` holds ``index.html`` (the notebooks in :data:`NOTEBOOKS` order as
one self-contained document, code hidden; each notebook's section is also a page of its
own, e.g. ``01_explore.html``), ``report.pdf`` (the same on A4),
``summary.xlsx`` (the tables the notebooks saved), ``figures/*.png``, the executed
notebooks, ``quarantine.csv`` and ``manifest.json`` (inputs with checksums,
parameters, row counts, versions, outputs, timings).

It is built in a temporary folder beside it and moved into place only when every step
succeeded, so a failed run leaves the previous report for that period untouched.

Adding a notebook to the report is adding its file name to :data:`NOTEBOOKS`: its
section comes in list order, its headings from its own Markdown, its tables from its
:func:`kamlab.publish.save_table` calls (it gets a ``tables_dir`` parameter). The
notebooks run in parallel, :func:`default_jobs` at a time, each in its own kernel; a
notebook that needs the tables of others names them in its metadata,
``{"kamlab": {"needs": ["03_value.ipynb"]}}`` (or ``"needs": "all"``), and then runs
after them and can read their tables with :func:`kamlab.publish.load_tables`
(``Path(tables_dir).parent / "03_value"``).
"""

from __future__ import annotations

import ctypes
import gc
import hashlib
import json
import os
import platform
import shutil
import tempfile
import time
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from importlib import metadata
from pathlib import Path

import nbformat
import pandas as pd
import papermill as pm
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from tqdm.auto import tqdm

from kamlab.cache import CACHE_ENV
from kamlab.errors import ConfigError, KamlabError
from kamlab.io import read_accounts, read_transactions
from kamlab.periods import parse_period
from kamlab.portfolio.criteria import load_criteria
from kamlab.publish.build import TABLES, publish_report, report_facts
from kamlab.safe import write_csv
from kamlab.value.pnl import load_cost_rates

NOTEBOOKS = [
    "00_summary.ipynb",
    "01_explore.ipynb",
    "02_segments.ipynb",
    "03_value.ipynb",
    "04_portfolio.ipynb",
    "05_key_accounts.ipynb",
]
"""The notebooks a report runs, in the order their sections appear."""

CELL_TIMEOUT_S = 600
JOBS_ENV = "KAMLAB_REPORT_JOBS"
PUBLISH_STEPS = ["figures", "index.html", "report.pdf", "summary.xlsx"]
KERNEL_OPTIONS = ["--IPKernelApp.log_level=CRITICAL"]  # no TCP/shutdown chatter on the terminal


class ReportError(KamlabError):
    """A report step failed; the message names the notebook, the cell and the error."""


def notebooks_dir() -> Path:
    """``notebooks/`` of the kamlab checkout (kamlab is installed from its repository)."""
    here = Path(__file__).resolve().parent.parent / "notebooks"
    return here if here.is_dir() else Path.cwd() / "notebooks"


def default_jobs() -> int:
    """Notebooks run at once: ``$KAMLAB_REPORT_JOBS``, else 2 (or 1 on a one-core machine).

    Each running notebook holds its own copy of the data (about 0.9 GB per million
    transaction lines at its peak), so more jobs need more memory, not only more cores.
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
    return max(1, min(2, os.cpu_count() or 1))


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _versions() -> dict[str, str]:
    names = [
        "kamlab", "pandas", "numpy", "scipy", "scikit-learn", "duckdb", "papermill",
        "weasyprint", "openpyxl",
    ]  # fmt: skip
    out = {"python": platform.python_version()}
    for name in names:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def _execute(
    source: Path, target: Path, parameters: dict, cwd: Path, *, only_declared: bool = False
) -> None:
    """Run ``source`` into ``target`` with papermill; a failing cell raises :class:`ReportError`.

    ``only_declared``: pass only the parameters the notebook's ``parameters`` cell
    declares (papermill warns about the others), when it has one.
    """
    if only_declared and (declared := pm.inspect_notebook(str(source))):
        parameters = {k: v for k, v in parameters.items() if k in declared}
    try:
        pm.execute_notebook(
            str(source),
            str(target),
            parameters=parameters,
            kernel_name="python3",
            cwd=str(cwd),
            progress_bar=False,
            execution_timeout=CELL_TIMEOUT_S,
            extra_arguments=KERNEL_OPTIONS,
        )
    except pm.PapermillExecutionError as exc:
        raise ReportError(
            f"{source.name}, cell {_source_cell(target, exc.cell_index)}: {exc.ename}: {exc.evalue}"
        ) from exc
    except (CellTimeoutError, DeadKernelError) as exc:  # not a PapermillExecutionError
        index = _running_cell(target)
        where = f"cell {_source_cell(target, index)}" if index is not None else "a cell"
        what = (
            f"did not finish within {CELL_TIMEOUT_S} s"
            if isinstance(exc, CellTimeoutError)
            else f"the kernel died ({str(exc).splitlines()[0] if str(exc) else 'no reason given'})"
        )
        raise ReportError(f"{source.name}, {where}: {type(exc).__name__}: {what}") from exc


def _running_cell(executed: Path) -> int | None:
    """Index of the last cell papermill started in the (partly) executed notebook."""
    try:
        cells = nbformat.read(executed, as_version=4).cells
    except (OSError, ValueError):
        return None
    started = [i for i, c in enumerate(cells) if c.metadata.get("papermill", {}).get("start_time")]
    return started[-1] if started else None


def _source_cell(executed: Path, index: int) -> int:
    """1-based number, in the source notebook, of cell ``index`` of the executed one
    (papermill inserts an ``injected-parameters`` cell, and error banners on failure)."""
    try:
        cells = nbformat.read(executed, as_version=4).cells
    except (OSError, ValueError):
        return index + 1
    tags = [c.metadata.get("tags", []) for c in cells]
    tags = [t for t in tags if "papermill-error-cell-tag" not in t][:index]
    injected = sum("injected-parameters" in t for t in tags)
    return index + 1 - injected


def _needs(path: Path, names: list[str]) -> set[str]:
    """The notebooks of ``names`` that notebook ``path`` must run after (its metadata)."""
    needs = nbformat.read(path, as_version=4).metadata.get("kamlab", {}).get("needs", [])
    if needs == "all":
        return {n for n in names if n != path.name}
    unknown = set(needs) - set(names)
    if unknown:
        raise ConfigError(
            f"{path.name} needs {', '.join(sorted(unknown))}, which the report does not run; "
            "add them to kamlab.report.NOTEBOOKS or remove them from the notebook's "
            "metadata (kamlab.needs)"
        )
    return set(needs)


def _previous_timings(final: Path) -> dict[str, float]:
    try:
        return json.loads((final / "manifest.json").read_text(encoding="utf-8"))["timings_s"]
    except (OSError, ValueError, KeyError, TypeError):
        return {}


def _run_notebooks(
    names: list[str], build: Path, parameters: dict, jobs: int, bar, expected: dict
) -> dict[str, float]:
    """Execute ``names`` into ``build``, up to ``jobs`` at once; return seconds per notebook.

    The longest first (by the previous report's timings, else by file size), so that
    the short ones fill in beside it. On a failure no further notebook starts, those
    running finish, and the first failure is raised.
    """
    source = notebooks_dir()
    needs = {name: _needs(source / name, names) for name in names}

    def cost(name: str) -> float:
        return expected.get(name, (source / name).stat().st_size / 1e5)

    pending = sorted(names, key=cost, reverse=True)
    done: dict[str, float] = {}
    running: dict = {}
    failure: Exception | None = None

    def run(name: str) -> float:
        t0 = time.perf_counter()
        stem_parameters = {**parameters, "tables_dir": str(build / TABLES / Path(name).stem)}
        _execute(source / name, build / name, stem_parameters, source, only_declared=True)
        return time.perf_counter() - t0

    with ThreadPoolExecutor(max_workers=max(1, jobs), thread_name_prefix="notebook") as pool:
        while pending or running:
            while failure is None and len(running) < jobs:
                ready = next((n for n in pending if needs[n] <= done.keys()), None)
                if ready is None:
                    break
                pending.remove(ready)
                running[pool.submit(run, ready)] = ready
            if not running:
                if failure is None and pending:
                    raise ConfigError(f"notebooks wait for each other: {', '.join(pending)}")
                break
            bar.set_postfix_str(", ".join(sorted(running.values())))
            finished, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in finished:
                name = running.pop(future)
                try:
                    done[name] = future.result()
                except Exception as exc:
                    failure = failure or exc
                bar.update()
    if failure is not None:
        raise failure
    return {name: done[name] for name in names}


def _release_memory() -> None:
    """Give the validated data's memory back before the kernels start (Linux glibc, Arrow)."""
    gc.collect()
    try:
        import pyarrow

        pyarrow.default_memory_pool().release_unused()
    except (ImportError, AttributeError):
        pass
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


def _publish(build: Path, final: Path) -> None:
    """Swap ``build`` into ``final``; the old report is removed only after the swap."""
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


def _outputs(build: Path) -> dict[str, dict]:
    return {
        str(p.relative_to(build)): {"bytes": p.stat().st_size, "sha256": _sha256(p)}
        for p in sorted(build.rglob("*"))
        if p.is_file() and p.name != "manifest.json"
    }


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
) -> Path:
    """Build ``<out>/<period>/`` for the given data; return its path.

    Data after the period's last day are ignored (the period end is the summary's
    ``until``); earlier history is used in full. ``previous_accounts`` is the accounts
    table of the previous period (stages that fell show as Declining; the movement since
    then uses its judgement scores). ``criteria`` and ``cost_rates`` are YAML
    files (the portfolio's selection criteria, the cost-to-serve rates) handed to the
    notebooks that take them. ``jobs`` notebooks run at once (default
    :func:`default_jobs`).
    """
    when = parse_period(period)
    jobs = jobs or default_jobs()
    transactions = Path(transactions).resolve()
    accounts = Path(accounts).resolve() if accounts else None
    previous_accounts = Path(previous_accounts).resolve() if previous_accounts else None
    read_options = dict(read_options or {})
    steps = ["validate", *NOTEBOOKS, *PUBLISH_STEPS, "publish"]
    bar = tqdm(total=len(steps), desc=f"report {when.label}", unit="step", disable=None)
    timings: dict[str, float] = {}

    out = Path(out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    final = out / when.label
    # The notebooks share what one of them read or fitted through this run's cache.
    cache = Path(tempfile.mkdtemp(prefix=f".{when.label}.cache-", dir=out))
    previous_cache = os.environ.get(CACHE_ENV)
    os.environ[CACHE_ENV] = str(cache)
    build = Path(tempfile.mkdtemp(prefix=f".{when.label}.partial-", dir=out))
    try:
        t0 = time.perf_counter()
        bar.set_postfix_str("validate")
        acc = read_accounts(accounts) if accounts else None
        tx = read_transactions(
            transactions, columns, accounts=acc.data if acc else None, **read_options
        )
        rows = {"transactions": tx.counts(), **({"accounts": acc.counts()} if acc else {})}
        if previous_accounts:
            rows["previous_accounts"] = read_accounts(previous_accounts).counts()
        bar.update()
        write_csv(tx.quarantine, build / "quarantine.csv", index=False)
        del tx, acc
        _release_memory()
        timings["validate"] = time.perf_counter() - t0
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
        }
        timings.update(
            _run_notebooks(NOTEBOOKS, build, parameters, jobs, bar, _previous_timings(final))
        )
        manifest = {
            "run_date": str(pd.Timestamp.now().date()),
            # dates after this day were quarantined (date_in_future): --today, else the run date
            "today": str(pd.Timestamp(read_options.get("today") or pd.Timestamp.now()).date()),
            "period": {
                "label": when.label,
                "start": str(when.start.date()),
                "end": str(when.end.date()),
            },
            "inputs": {
                str(p): {"sha256": _sha256(p), "bytes": p.stat().st_size}
                for p in [transactions, accounts, previous_accounts]
                if p is not None
            },
            "parameters": parameters,
            "rows": rows,
            "notebooks": NOTEBOOKS,
            "versions": _versions(),
        }

        current = [PUBLISH_STEPS[0]]

        def on_step(name: str) -> None:
            if name != PUBLISH_STEPS[0]:
                bar.update()
            bar.set_postfix_str(name)
            current[0] = name

        try:
            published = publish_report(
                build,
                NOTEBOOKS,
                title=f"Key account portfolio report, {when.label}",
                subtitle=f"{when.start:%d %B %Y} to {when.end:%d %B %Y}",
                facts=report_facts(manifest),
                on_step=on_step,
            )
        except Exception as exc:
            raise ReportError(f"writing {current[0]}: {type(exc).__name__}: {exc}") from exc
        bar.update()
        timings.update(published.timings_s)
        manifest["outputs"] = _outputs(build)
        manifest["pdf_pages"] = published.pages
        manifest["workbook_sheets"] = published.sheets
        manifest["timings_s"] = {k: round(v, 2) for k, v in timings.items()}
        (build / "manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
        _readable(build)
        bar.set_postfix_str("publish")
        _publish(build, final)
        bar.update()
    finally:
        bar.close()
        if previous_cache is None:
            os.environ.pop(CACHE_ENV, None)
        else:
            os.environ[CACHE_ENV] = previous_cache
        shutil.rmtree(cache, ignore_errors=True)
        if build.exists():
            shutil.rmtree(build, ignore_errors=True)
    return final


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


def _readable(build: Path) -> None:
    """Modes as for any new file (the temporary folder and files were private: 0700/0600)."""
    mask = os.umask(0)
    os.umask(mask)
    for path in [build, *build.rglob("*")]:
        path.chmod((0o777 if path.is_dir() else 0o666) & ~mask)
