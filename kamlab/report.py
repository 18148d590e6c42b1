"""The period report: run the analysis notebooks with papermill, render them, publish atomically.

``reports/<period>/`` is built in a temporary folder beside it and moved into place
only when every step succeeded, so a failed run leaves the previous report for
that period untouched.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import shutil
import tempfile
from importlib import metadata
from pathlib import Path

import nbformat
import pandas as pd
import papermill as pm
from nbconvert import HTMLExporter
from tqdm.auto import tqdm

from kamlab.errors import KamlabError
from kamlab.io import read_accounts, read_transactions
from kamlab.periods import parse_period
from kamlab.safe import write_csv

NOTEBOOKS = ["01_explore.ipynb", "02_segments.ipynb", "03_value.ipynb"]
"""The notebooks a report runs, in order (later issues add segments, value, portfolio)."""

CELL_TIMEOUT_S = 600


class ReportError(KamlabError):
    """A report step failed; the message names the notebook, the cell and the error."""


def notebooks_dir() -> Path:
    """``notebooks/`` of the kamlab checkout (kamlab is installed from its repository)."""
    here = Path(__file__).resolve().parent.parent / "notebooks"
    return here if here.is_dir() else Path.cwd() / "notebooks"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _versions() -> dict[str, str]:
    names = ["kamlab", "pandas", "numpy", "scipy", "scikit-learn", "duckdb", "papermill"]
    out = {"python": platform.python_version()}
    for name in names:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def render_html(notebook_path: Path, html_path: Path) -> None:
    """Render an executed notebook to HTML with the code hidden."""
    exporter = HTMLExporter(
        exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True
    )
    body, _ = exporter.from_notebook_node(nbformat.read(notebook_path, as_version=4))
    html_path.write_text(body, encoding="utf-8")


def _execute(source: Path, target: Path, parameters: dict, cwd: Path) -> None:
    try:
        pm.execute_notebook(
            str(source),
            str(target),
            parameters=parameters,
            kernel_name="python3",
            cwd=str(cwd),
            progress_bar=False,
            execution_timeout=CELL_TIMEOUT_S,
        )
    except pm.PapermillExecutionError as exc:
        raise ReportError(
            f"{source.name}, cell {_source_cell(target, exc.cell_index)}: {exc.ename}: {exc.evalue}"
        ) from exc


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


def run_report(
    period: str,
    transactions: str | Path,
    *,
    accounts: str | Path | None = None,
    columns: dict[str, str] | None = None,
    out: str | Path = "reports",
    read_options: dict | None = None,
) -> Path:
    """Build ``<out>/<period>/`` for the given data; return its path.

    Data after the period's last day are ignored (the period end is the summary's
    ``until``); earlier history is used in full.
    """
    when = parse_period(period)
    transactions = Path(transactions).resolve()
    accounts = Path(accounts).resolve() if accounts else None
    read_options = dict(read_options or {})
    steps = ["validate", *NOTEBOOKS, "publish"]
    bar = tqdm(total=len(steps), desc=f"report {when.label}", unit="step", disable=None)

    bar.set_postfix_str("validate")
    acc = read_accounts(accounts) if accounts else None
    tx = read_transactions(
        transactions, columns, accounts=acc.data if acc else None, **read_options
    )
    bar.update()

    out = Path(out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    build = Path(tempfile.mkdtemp(prefix=f".{when.label}.partial-", dir=out))
    try:
        write_csv(tx.quarantine, build / "quarantine.csv", index=False)
        parameters = {
            "transactions_path": str(transactions),
            "accounts_path": str(accounts) if accounts else None,
            "columns": dict(columns or {}),
            "read_options": read_options,
            "until": str(when.end.date()),
            "period": when.label,
        }
        for name in NOTEBOOKS:
            bar.set_postfix_str(name)
            executed = build / name
            _execute(notebooks_dir() / name, executed, parameters, notebooks_dir())
            render_html(executed, executed.with_suffix(".html"))
            bar.update()
        manifest = {
            "run_date": str(pd.Timestamp.now().date()),  # dates after it were quarantined
            "period": {
                "label": when.label,
                "start": str(when.start.date()),
                "end": str(when.end.date()),
            },
            "inputs": {
                str(p): {"sha256": _sha256(p), "bytes": p.stat().st_size}
                for p in [transactions, accounts]
                if p is not None
            },
            "parameters": parameters,
            "rows": {"transactions": tx.counts(), **({"accounts": acc.counts()} if acc else {})},
            "notebooks": NOTEBOOKS,
            "versions": _versions(),
        }
        (build / "manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
        bar.set_postfix_str("publish")
        final = out / when.label
        _publish(build, final)
        bar.update()
    finally:
        bar.close()
        if build.exists():
            shutil.rmtree(build, ignore_errors=True)
    return final
