"""The lecturer's pack and the students' packs of the teaching notebooks (``kamlab teach``).

``DIR/lecturer/`` holds every notebook run with the solutions (one seed), as HTML and
notebook; ``DIR/students/seed-<s>/`` holds each student's notebooks, run on the
student's own data without the solution cells, as notebook (to work in) and HTML. The
packs are built in a temporary folder beside ``DIR`` and moved into place only when
every notebook ran, as :mod:`kamlab.report` does, so a failed run leaves the previous
packs untouched.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from kamlab.errors import ConfigError

if TYPE_CHECKING:
    from kamlab.teaching.runner import Run

__all__ = ["MANIFEST", "build_packs", "choose_notebooks"]

MANIFEST = "manifest.json"
_KIND = "kamlab teaching packs"


def choose_notebooks(wanted: list[str] | None, available: list[str] | None = None) -> list[str]:
    """The notebooks asked for: file names, names without ``.ipynb`` or their numbers
    (``1``, ``01``); all teaching notebooks when ``wanted`` is empty."""
    from kamlab.teaching.runner import teaching_notebooks

    available = teaching_notebooks() if available is None else available
    if not wanted:
        return list(available)
    chosen = []
    for item in wanted:
        key = item.removesuffix(".ipynb")
        match = [
            name
            for name in available
            if name.removesuffix(".ipynb") == key
            or (key.isdigit() and name.split("_", 1)[0].lstrip("0") == key.lstrip("0"))
        ]
        if not match:
            raise ConfigError(
                f"no teaching notebook {item!r}; choose from: {', '.join(available)} "
                "(or their numbers, e.g. --notebooks 1 5)"
            )
        chosen += [m for m in match if m not in chosen]
    return chosen


def _check_target(final: Path) -> None:
    """Refuse to replace a folder that is not a previous pack (it would be deleted)."""
    if not final.exists():
        return
    if not final.is_dir():
        raise ConfigError(f"--out {final} is a file; give a folder for the packs")
    manifest = final / MANIFEST
    known = False
    if manifest.is_file():
        try:
            known = json.loads(manifest.read_text(encoding="utf-8")).get("kind") == _KIND
        except (OSError, ValueError):
            known = False
    if any(final.iterdir()) and not known:
        raise ConfigError(
            f"--out {final} exists and is not a kamlab teaching pack; it would be replaced. "
            "Give a new folder (or the folder of earlier packs)"
        )


def build_packs(
    seeds: list[int],
    out: str | Path,
    *,
    notebooks: list[str] | None = None,
    lecturer_seed: int | None = None,
    jobs: int = 1,
    progress: bool | None = None,
) -> Path:
    """Build ``out/lecturer/`` and ``out/students/seed-<s>/`` for ``seeds``; return ``out``.

    The lecturer's copy runs on ``lecturer_seed`` (default: the first seed). ``jobs``
    notebooks run at once (each in its own kernel).
    """
    from tqdm.auto import tqdm

    from kamlab.publish.runner import publish_folder as _publish  # here: --help stays quick
    from kamlab.publish.runner import versions as _versions
    from kamlab.publish.scratch import make_locked_folder, release, remove_stale, unlock_file
    from kamlab.teaching.runner import Run, run_all, teaching_dir

    seeds = list(dict.fromkeys(int(s) for s in seeds))
    if not seeds:
        raise ConfigError("give at least one student seed, e.g. --seeds 1 2 3")
    if jobs < 1:
        raise ConfigError(f"--jobs must be at least 1, got {jobs}")
    names = choose_notebooks(notebooks)
    if not names:
        raise ConfigError(f"no teaching notebooks found in {teaching_dir()}")
    lecturer = seeds[0] if lecturer_seed is None else int(lecturer_seed)
    final = Path(out).resolve()
    _check_target(final)
    final.parent.mkdir(parents=True, exist_ok=True)
    prefix = f".{final.name}.partial-"
    remove_stale(final.parent, (prefix,))  # left by a killed run; live runs' folders stay
    build = make_locked_folder(final.parent, prefix)
    runs = [Run(n, lecturer, True, build / "lecturer" / n) for n in names]
    runs += [Run(n, s, False, build / "students" / f"seed-{s}" / n) for s in seeds for n in names]
    bar = tqdm(total=len(runs), desc="kamlab teach", unit="notebook", disable=progress is False)
    try:
        run_all(runs, jobs=jobs, progress=lambda run: _advance(bar, run))
        manifest = {
            "kind": _KIND,
            "run_date": str(pd.Timestamp.now().date()),
            "lecturer_seed": lecturer,
            "student_seeds": seeds,
            "notebooks": names,
            "versions": _versions(),
        }
        (build / MANIFEST).write_text(json.dumps(manifest, indent=2), encoding="utf-8")
        unlock_file(build)  # the published pack holds no lock file
        _publish(build, final)
    finally:
        bar.close()
        release(build)
    return final


def _advance(bar, run: Run) -> None:
    who = "lecturer" if run.solutions else f"seed {run.seed}"
    bar.set_postfix_str(f"{run.notebook.removesuffix('.ipynb')} ({who})")
    bar.update()
