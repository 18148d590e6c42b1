"""Run every file of a folder (default: the hostile corpus) through the kamlab CLI and
print a table: file, command, exit code, first stderr error line, rows read / accepted /
quarantined, verdict.

    python scripts/hostile_check.py [FOLDER] [--timeout 20] [--commands summarize,portfolio]

Data files go through ``kamlab summarize FILE --out ...`` and ``kamlab portfolio FILE
--out ...``; YAML files through ``kamlab portfolio`` on the corpus's clean.csv as
``--config`` (names starting ``criteria``) or ``--cost-rates`` (the others). Options of a
corpus file (``args`` in expected.csv) are passed on. Verdict: ``ok`` (exit 0),
``refused`` (exit 2 with one error line), ``LIVE FORMULA`` (a written CSV holds a
cell a spreadsheet would run, or does not re-read as strict CSV), ``BUG`` (exit 1 "unexpected error", a
traceback, or a multi-line error), ``HANG`` (no end within the timeout). Exit status 1
when any run is a BUG, HANG or LIVE FORMULA.
"""

from __future__ import annotations

import argparse
import csv
import os
import re
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "tests" / "hostile"
SKIP = {"make_corpus.py", "expected.csv", "expected_values.json"}
LIVE = re.compile(r"^[=+\-@]")
NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")
COUNTS = re.compile(r"read ([\d,]+) rows, accepted ([\d,]+), quarantined ([\d,]+)")


def corpus_args(folder: Path) -> dict[str, list[str]]:
    expected = folder / "expected.csv"
    if not expected.exists():
        return {}
    with expected.open(encoding="utf-8", newline="") as fh:
        return {r["file"]: r["args"].split() for r in csv.DictReader(fh)}


def command_for(path: Path, command: str, out: Path, extra: list[str], clean: Path) -> list[str]:
    if path.suffix in (".yaml", ".yml"):
        flag = "--config" if path.name.startswith("criteria") else "--cost-rates"
        return ["portfolio", str(clean), flag, str(path), "--out", str(out / "p.csv")]
    return [command, str(path), "--out", str(out / f"{command}.csv"), *extra]


def run(argv: list[str], timeout: float) -> dict:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    start = time.monotonic()
    try:
        done = subprocess.run(
            [sys.executable, "-m", "kamlab.cli", *argv],
            capture_output=True,
            text=True,
            timeout=timeout,
            env=env,
            preexec_fn=_limit_memory,
        )
    except subprocess.TimeoutExpired:
        return {"code": None, "err": "", "seconds": timeout}
    return {"code": done.returncode, "err": done.stderr, "seconds": time.monotonic() - start}


def _limit_memory() -> None:
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (4 << 30, 4 << 30))  # an alias bomb cannot take the box


def verdict(result: dict) -> tuple[str, str]:
    err, code = result["err"], result["code"]
    errors = [ln for ln in err.splitlines() if "error:" in ln]
    first = errors[0] if errors else ""
    if code is None:
        return "HANG", first
    if code == 1 or "unexpected error" in err or "Traceback" in err:
        last = err.strip().splitlines()[-1] if err.strip() else f"exit {code}"
        return "BUG", first or last
    if code == 2:
        tail = err.split("error:", 1)[-1].strip()
        return ("refused" if "\n" not in tail else "BUG (multi-line)"), first
    return ("ok" if code == 0 else f"exit {code}"), first


def live_formulas(folder: Path) -> str:
    """The first live formula cell of a CSV written into ``folder`` ('' when none): a cell
    that starts with = + - @ after leading whitespace/control characters and is not a
    plain number, or a file that does not re-read with a strict csv reader."""
    for path in sorted(folder.glob("*.csv")):
        try:
            with path.open(encoding="utf-8", newline="") as fh:
                records = list(csv.reader(fh, strict=True))
        except (csv.Error, UnicodeDecodeError) as exc:
            return f"{path.name}: not strict CSV ({exc})"
        for record in records:
            for cell in record:
                stripped = cell.lstrip("".join(chr(c) for c in range(33)) + "\x7f\u00a0")
                if LIVE.match(stripped) and not NUMBER.match(stripped):
                    return f"{path.name}: {cell[:40]!r}"
    return ""


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("folder", nargs="?", default=str(CORPUS))
    p.add_argument("--timeout", type=float, default=20.0)
    p.add_argument("--commands", default="summarize,portfolio")
    p.add_argument("--jobs", type=int, default=1, help="runs at a time (default 1)")
    p.add_argument("--match", default="", help="only files whose name matches this regex")
    args = p.parse_args(argv)
    folder = Path(args.folder)
    options = corpus_args(folder)
    clean = CORPUS / "clean.csv"
    files = sorted(
        f
        for f in folder.iterdir()
        if f.is_file() and f.name not in SKIP and re.search(args.match, f.name)
    )
    jobs = [
        (path, command)
        for path in files
        for command in (
            ["portfolio"] if path.suffix in (".yaml", ".yml") else args.commands.split(",")
        )
    ]
    with tempfile.TemporaryDirectory() as tmp:

        def one(job):
            path, command = job
            out = Path(tmp) / f"{path.name}.{command}"
            out.mkdir()
            argv_ = command_for(path, command, out, options.get(path.name, []), clean)
            result = run(argv_, args.timeout)
            what, first = verdict(result)
            if what == "ok" and (live := live_formulas(out)):
                what, first = "LIVE FORMULA", live
            m = COUNTS.search(result["err"])
            counts = "/".join(m.groups()) if m else ""
            first = first.replace(str(folder) + "/", "")
            return [
                path.name,
                command,
                str(result["code"]),
                first[:110],
                counts,
                what,
                f"{result['seconds']:.1f}",
            ]

        with ThreadPoolExecutor(args.jobs) as pool:
            rows = list(pool.map(one, jobs))
    bad = sum(r[5].startswith(("BUG", "HANG", "LIVE")) for r in rows)
    header = ["file", "command", "exit", "first error line", "read/acc/quar", "verdict", "s"]
    widths = [max(len(r[i]) for r in rows + [header]) for i in range(len(header))]
    print(" | ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)))
    print("-|-".join("-" * w for w in widths))
    for r in rows:
        print(" | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)))
    print(f"\n{len(rows)} runs, {bad} BUG/HANG/LIVE FORMULA")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
