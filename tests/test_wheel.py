"""The package runs outside its checkout: a wheel built from the repository, installed in
a fresh virtual environment, runs ``kamlab sample``, ``kamlab report`` and ``kamlab teach``
from an empty folder, with the notebooks it ships.

Nothing is downloaded: the wheel is built with this environment's setuptools
(``--no-build-isolation``) and installed with ``--no-deps``; the fresh environment sees
this one's dependencies through a ``.pth`` file (and their Jupyter data files through
``JUPYTER_PATH``), which comes after its own site-packages, so the wheel's kamlab is
the one imported (checked), not the checkout's.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.slow


def _run(cmd, cwd, env, timeout=300) -> str:
    done = subprocess.run(
        [str(c) for c in cmd], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout
    )
    assert done.returncode == 0, f"{cmd}:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done.stdout


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """(the fresh environment's bin folder, an environment for subprocesses)."""
    tmp = tmp_path_factory.mktemp("wheel")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    env["PYTHONNOUSERSITE"] = "1"
    env["MPLBACKEND"] = "Agg"
    # the dependencies' data files (nbconvert's HTML templates) are in this environment's
    # share/jupyter, where a real install would put them in the fresh one's
    env["JUPYTER_PATH"] = str(Path(sys.prefix) / "share" / "jupyter")

    # build from a copy: an in-tree build would leave build/ and *.egg-info in the checkout
    source = tmp / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, source / name)
    shutil.copytree(
        ROOT / "kamlab",
        source / "kamlab",
        ignore=shutil.ignore_patterns("__pycache__", "*.pyc", ".ipynb_checkpoints"),
    )
    dist = tmp / "dist"
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check"]
    _run([*pip, "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", dist, source], tmp, env)
    (wheel,) = dist.glob("kamlab-*.whl")

    fresh = tmp / "venv"
    venv.EnvBuilder(with_pip=False).create(fresh)
    python = fresh / "bin" / "python"
    purelib = _run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], tmp, env
    ).strip()
    Path(purelib, "_kamlab_dev_dependencies.pth").write_text(
        sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8"
    )
    _run([*pip, "--python", python, "install", "--no-deps", "-q", wheel], tmp, env)

    where = _run([python, "-c", "import kamlab; print(kamlab.__file__)"], tmp, env).strip()
    assert Path(where).is_relative_to(fresh), where
    return fresh / "bin", env


def test_the_wheel_ships_the_notebooks_and_the_report_declaration(installed):
    bin_dir, env = installed
    code = (
        "import kamlab.report as r, kamlab.teaching.runner as t\n"
        "s = r.report_spec()\n"
        "assert all((s.folder / n).is_file() for n in s.notebooks), s\n"
        "print(r.notebooks_dir()); print(len(t.teaching_notebooks()))"
    )
    folder, teaching = _run([bin_dir / "python", "-c", code], bin_dir, env).split()
    assert Path(folder).is_relative_to(bin_dir.parent) and int(teaching) == 8


def test_kamlab_sample_and_report_run_from_an_empty_folder(installed, tmp_path):
    bin_dir, env = installed
    work = tmp_path / "empty"
    work.mkdir()
    kamlab = bin_dir / "kamlab"
    _run([kamlab, "sample", "--seed", "3", "--accounts", "120", "--out", "s"], work, env)
    _run(
        [
            kamlab, "report", "--period", "2026Q3", "--transactions", "s/transactions.csv",
            "--accounts", "s/accounts.csv", "--out", "reports",
        ],
        work,
        env,
        timeout=600,
    )  # fmt: skip
    built = work / "reports" / "2026Q3"
    assert (built / "index.html").is_file()
    manifest = json.loads((built / "manifest.json").read_text(encoding="utf-8"))
    for name in manifest["notebooks"]:
        ran = nbformat.read(built / name, as_version=4).metadata["papermill"]["input_path"]
        assert Path(ran).is_relative_to(bin_dir.parent), ran  # the installed notebooks


def test_kamlab_teach_runs_from_the_wheel(installed, tmp_path):
    bin_dir, env = installed
    work = tmp_path / "empty"
    work.mkdir()
    _run(
        [bin_dir / "kamlab", "teach", "--seeds", "1", "--notebooks", "1", "--out", "packs"],
        work,
        env,
    )
    assert (work / "packs" / "lecturer").is_dir()
    assert list((work / "packs" / "students" / "seed-1").glob("*.html"))
