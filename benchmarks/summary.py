"""Benchmark: kamlab's account summary against a bare DuckDB group-by and lifetimes.

Run from the project root (the first run writes the generated logs to
``benchmarks/_data/``, which later runs reuse)::

    .venv/bin/python benchmarks/summary.py                      # 1M, 10M, Online Retail
    .venv/bin/python benchmarks/summary.py --sizes 1M --repeat 3
    .venv/bin/python benchmarks/summary.py --skip-lifetimes

Data sets: generated order-line logs (``--sizes``, default ``1M,10M``: one account
per 10 lines, heavy-tailed lines per account, two years of dates, orders, products,
3% return orders; see ``_common.generate_log``) and the Online Retail file from
``../shared/data`` (or ``$KAMLAB_REFERENCE_DATA``), skipped with a message when absent.

Every measurement runs in a fresh child process, so each tool's peak memory is its
own. For each data set the table shows:

- ``kamlab read_transactions``: read the file and validate it (``kamlab.read_transactions``),
  which includes making the lines' integer keys (``kamlab.io.keys``) once;
- ``kamlab summarize``: ``kamlab.summarize`` on those validated transactions
  (``period="day"``), every column, reusing the keys;
- ``kamlab summarize, frame``: the same on the accepted lines as a plain frame
  (``tx.data``), for which summarize makes the keys itself: what one summary of lines
  that were not read by kamlab costs;
- ``kamlab end-to-end``: read_transactions + summarize (every column);
- ``duckdb group-by (frame)``: the bare group-by below on the same in-memory frame
  that kamlab summarises, registered the same way: this is the reference (1.00x);
- ``duckdb group-by (parquet)``: the same group-by straight from a Parquet file of
  the accepted lines;
- ``lifetimes era`` and ``lifetimes current``:
  ``lifetimes.utils.summary_data_from_transaction_data`` on the accepted purchase
  (non-return) lines, each in its own venv made by ``benchmarks/setup_lifetimes.sh``
  (which this script runs when a venv is missing). lifetimes 0.11.3 (2020) is its last
  release and predates pandas 2: the *era* venv (``benchmarks/.lifetimes-era-venv``)
  has pandas 1.5 and numpy 1.x, the world it was written for, and the issue's 5x target
  is judged against it; the *current* venv (``benchmarks/.lifetimes-venv``) has
  today's pandas and numpy, shown for information. lifetimes is never a kamlab
  dependency. A size whose run would take over ``--lifetimes-minutes`` is skipped.

The bare group-by::

    SELECT account_id, count(DISTINCT CAST(date AS DATE)) - 1 AS frequency,
           min(date), max(date), sum(revenue)
    FROM transactions GROUP BY account_id

Seconds are wall time, the best of ``--repeat`` runs (``cpu s``: CPU time of all
threads, best of the runs, steadier on a shared machine). ``peak MB`` is the child
process's peak resident memory during the step (Linux VmHWM, reset before the
step; it includes the interpreter and the input already in memory), ``+MB`` the
part of it added by the step. Targets (from the issue): kamlab summarize within
1.5x of the bare DuckDB group-by at each size, and lifetimes at least 5x slower
than kamlab summarize at 1M rows. The machine may be shared: rerun with
``--repeat 3`` or more for steadier numbers.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (  # noqa: E402  (the path above makes the helper importable)
    BENCH,
    DATA,
    ONLINE_RETAIL,
    ROOT,
    ensure_log,
    measure,
    parse_size,
    peak_mb,
    rss_mb,
    size_label,
)

BARE_SQL = (
    "SELECT account_id, count(DISTINCT CAST(date AS DATE)) - 1 AS frequency, "
    "min(date) AS first_date, max(date) AS last_date, sum(revenue) AS revenue "
    "FROM {source} GROUP BY account_id"
)
SETUP_LIFETIMES = BENCH / "setup_lifetimes.sh"
# (key, venv, environment variable naming another interpreter, what it is)
LIFETIMES_ENVS = [
    ("era", BENCH / ".lifetimes-era-venv", "KAMLAB_LIFETIMES_ERA_PYTHON", "pandas 1.5, numpy 1.x"),
    ("current", BENCH / ".lifetimes-venv", "KAMLAB_LIFETIMES_PYTHON", "current pandas, numpy"),
]
TARGET_ENV = "era"  # the 5x target is judged against lifetimes in the environment of its day
TOOLS = [
    ("read", "kamlab read_transactions"),
    ("summarize", "kamlab summarize"),
    ("summarize_frame", "kamlab summarize, frame"),
    ("end_to_end", "kamlab end-to-end"),
    ("duckdb_frame", "duckdb group-by (frame)"),
    ("duckdb_file", "duckdb group-by (parquet)"),
] + [(f"lifetimes_{key}", f"lifetimes {key}") for key, *_ in LIFETIMES_ENVS]
CHILD_OF = {
    "read": "kamlab",
    "summarize": "kamlab",
    "summarize_frame": "kamlab",
    "end_to_end": "kamlab",
}
TARGET_DUCKDB = 1.5
TARGET_LIFETIMES = 5.0


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# =========================================================================== children
# Each runs in a fresh process: ``summary.py --child TOOL --data PATH ...``; the last
# line it prints on stdout is ``RESULT {json}``.


def _checksums(frame, cols) -> dict:
    return {c: float(frame[c].astype("float64").sum()) for c in cols}


def child_prepare(args) -> dict:
    """Validate the data set once and write the accepted lines for the other tools."""
    import kamlab

    tx = kamlab.read_transactions(args.data)
    data = tx.data
    accepted = Path(args.accepted)
    data[["account_id", "date", "revenue", "is_return"]].to_parquet(
        accepted.with_suffix(".tmp"), index=False
    )
    accepted.with_suffix(".tmp").replace(accepted)
    meta = {
        "source": str(args.data),
        "source_mtime": os.path.getmtime(args.data),
        "read": tx.n_read,
        "accepted": len(data),
        "accounts": int(data["account_id"].nunique()),
        "purchase_lines": int((~data["is_return"]).sum()),
        "until": str(data["date"].max().date()),
    }
    Path(args.meta).write_text(json.dumps(meta, indent=1), encoding="utf-8")
    return meta


def child_kamlab(args) -> dict:
    """read_transactions, summarize (reusing the read's keys) and summarize of the plain
    frame (keys made in the call), ``repeat`` times; best time of each and of read +
    summarize."""
    import gc

    import kamlab

    base = rss_mb()
    reads, sums, frames, totals = [], [], [], []
    tx = out = None
    for _ in range(args.repeat):
        tx = out = None
        gc.collect()
        tx, read = measure(lambda: kamlab.read_transactions(args.data))
        out, summ = measure(lambda tx=tx: kamlab.summarize(tx, until=args.until, period="day"))
        _, plain = measure(lambda tx=tx: kamlab.summarize(tx.data, until=args.until, period="day"))
        reads.append(read)
        sums.append(summ)
        frames.append(plain)
        totals.append(read.seconds + summ.seconds)

    def best(steps):  # best time, largest memory
        return {
            "seconds": min(s.seconds for s in steps),
            "cpu": min(s.cpu for s in steps),
            "peak_mb": max(s.peak_mb for s in steps),
            "extra_mb": max(s.extra_mb for s in steps),
        }

    peak_read = max(s.peak_mb for s in reads)
    peak_sum = max(s.peak_mb for s in sums)
    return {
        "import_mb": base,
        "read": best(reads),
        "summarize": best(sums),
        "summarize_frame": best(frames),
        "end_to_end": {
            "seconds": min(totals),
            "cpu": min(r.cpu + s.cpu for r, s in zip(reads, sums, strict=True)),
            "peak_mb": max(peak_read, peak_sum),
            "extra_mb": max(peak_read, peak_sum) - base,
        },
        "accounts": len(out),
        "check": _checksums(out, ["frequency", "recency", "T", "monetary_value"]),
        "versions": {
            "kamlab": getattr(kamlab, "__version__", "?"),
            "duckdb": __import__("duckdb").__version__,
            "pandas": __import__("pandas").__version__,
        },
    }


def _bare_duckdb(source: str, frame=None):
    import duckdb

    con = duckdb.connect()
    try:
        if frame is not None:
            con.register("transactions", frame)
        return con.execute(BARE_SQL.format(source=source)).df()
    finally:
        con.close()


def child_duckdb_frame(args) -> dict:
    """The bare group-by on the frame kamlab summarises (read_transactions is not timed)."""
    import kamlab

    frame = kamlab.read_transactions(args.data).data
    out, step = measure(lambda: _bare_duckdb("transactions", frame), args.repeat)
    return {"duckdb_frame": step.as_dict(), "accounts": len(out)}


def child_duckdb_file(args) -> dict:
    """The bare group-by straight from the Parquet file of accepted lines."""
    import duckdb  # noqa: F401  (imported before the measurement, as in the other children;
    import pandas  # noqa: F401  .df() would import pandas inside the timed step)

    source = "read_parquet('" + str(args.accepted).replace("'", "''") + "')"
    out, step = measure(lambda: _bare_duckdb(source), args.repeat)
    return {"duckdb_file": step.as_dict(), "accounts": len(out)}


def child_lifetimes(args) -> dict:
    """lifetimes' summary on the accepted purchase lines (runs in lifetimes' own venv)."""
    import warnings

    warnings.filterwarnings("ignore")
    import pandas as pd
    from lifetimes.utils import summary_data_from_transaction_data

    lines = pd.read_parquet(args.accepted)
    lines = lines.loc[~lines["is_return"], ["account_id", "date", "revenue"]].reset_index(drop=True)
    until = pd.Timestamp(args.until)

    def run():
        return summary_data_from_transaction_data(
            lines,
            "account_id",
            "date",
            monetary_value_col="revenue",
            observation_period_end=until,
            freq="D",
        )

    budget = args.budget if args.budget > 0 else None
    out, step = measure(run, args.repeat, budget=budget)
    import lifetimes

    return {
        "lifetimes": step.as_dict(),
        "accounts": len(out),
        "check": _checksums(out, ["frequency", "recency", "T", "monetary_value"]),
        "versions": {
            "lifetimes": getattr(lifetimes, "__version__", "?"),
            "pandas": pd.__version__,
            "numpy": __import__("numpy").__version__,
            "python": sys.version.split()[0],
        },
    }


CHILDREN = {
    "prepare": child_prepare,
    "kamlab": child_kamlab,
    "duckdb_frame": child_duckdb_frame,
    "duckdb_file": child_duckdb_file,
    "lifetimes": child_lifetimes,
}


def run_child(argv) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--child", choices=CHILDREN, required=True)
    parser.add_argument("--data")
    parser.add_argument("--accepted")
    parser.add_argument("--meta")
    parser.add_argument("--until")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--budget", type=float, default=0.0)
    args = parser.parse_args(argv)
    result = CHILDREN[args.child](args)
    result["process_peak_mb"] = peak_mb()
    print("RESULT " + json.dumps(result), flush=True)
    return 0


# =========================================================================== parent


class ChildFailed(RuntimeError):
    pass


def call_child(tool: str, python: str | Path = sys.executable, timeout=None, **options) -> dict:
    argv = [str(python), str(Path(__file__).resolve()), "--child", tool]
    for key, value in options.items():
        argv += [f"--{key}", str(value)]
    try:
        proc = subprocess.run(
            argv, capture_output=True, text=True, timeout=timeout, cwd=ROOT, check=False
        )
    except subprocess.TimeoutExpired as exc:
        raise TimeoutError(f"{tool}: no result within {timeout:.0f}s") from exc
    for line in reversed(proc.stdout.splitlines()):
        if line.startswith("RESULT "):
            return json.loads(line[len("RESULT ") :])
    tail = "\n".join((proc.stderr or proc.stdout).strip().splitlines()[-15:])
    raise ChildFailed(f"{tool} failed (exit {proc.returncode}):\n{tail}")


def prepare(name: str, path: Path) -> dict:
    """Validate once; write ``<stem>.accepted.parquet`` and ``<stem>.meta.json`` (cached)."""
    DATA.mkdir(parents=True, exist_ok=True)
    stem = path.stem if path.parent == DATA else name
    accepted, meta_path = DATA / f"{stem}.accepted.parquet", DATA / f"{stem}.meta.json"
    if accepted.exists() and meta_path.exists():
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        if meta.get("source") == str(path) and meta.get("source_mtime") == os.path.getmtime(path):
            return {**meta, "accepted_path": str(accepted)}
    log(f"[{name}] validating once to write {accepted.relative_to(ROOT)} ...")
    meta = call_child("prepare", data=path, accepted=accepted, meta=meta_path)
    return {**meta, "accepted_path": str(accepted)}


def lifetimes_envs(skip: bool) -> list[dict]:
    """The lifetimes environments, each ``{key, python, ok, message}``. Runs
    setup_lifetimes.sh for a venv that is missing (unless another interpreter is named)."""
    envs = []
    for key, venv, variable, what in LIFETIMES_ENVS:
        python = Path(os.environ.get(variable, venv / "bin" / "python"))
        env = {"key": key, "python": python, "ok": False, "what": what}
        envs.append(env)
        if skip:
            env["message"] = f"lifetimes {key}: skipped (--skip-lifetimes)"
            continue
        if not python.exists() and variable not in os.environ:
            log(f"lifetimes {key}: making {venv.relative_to(ROOT)} with {SETUP_LIFETIMES.name} ...")
            proc = subprocess.run(
                ["bash", str(SETUP_LIFETIMES), key], capture_output=True, text=True, check=False
            )
            if proc.returncode != 0:
                lines = (proc.stderr + proc.stdout).strip().splitlines()
                reason = lines[-1] if lines else f"setup exited {proc.returncode}"
                env["message"] = f"lifetimes {key}: not installable here ({reason})"
                continue
        if not python.exists():
            env["message"] = f"lifetimes {key}: not installable here ({python} does not exist)"
            continue
        probe = subprocess.run(
            [str(python), "-W", "ignore", "-c", "import lifetimes.utils, pyarrow"],
            capture_output=True,
            text=True,
            check=False,
        )
        if probe.returncode != 0:
            reason = (probe.stderr.strip().splitlines() or ["import failed"])[-1]
            env["message"] = f"lifetimes {key}: not installable here ({reason})"
            continue
        where = python.relative_to(ROOT) if python.is_relative_to(ROOT) else python
        env["ok"] = True
        env["message"] = f"lifetimes {key} ({what}): run with {where}"
    return envs


def bench_lifetimes(row, env, args, rate) -> None:
    """lifetimes in one environment on one data set; fills ``row``."""
    name, meta, tool = row["name"], row["meta"], f"lifetimes_{env['key']}"
    budget = args.lifetimes_minutes * 60
    if not env["ok"]:
        row["notes"][tool] = "not run"
        return
    if rate and rate * meta["purchase_lines"] > budget:
        est = rate * meta["purchase_lines"] / 60
        row["notes"][tool] = (
            f"skipped (> {args.lifetimes_minutes:g} min: ~{est:.2g} min at its speed on a smaller set)"
        )
        return
    log(f"[{name}] lifetimes {env['key']} summary_data_from_transaction_data ...")
    t0 = time.perf_counter()
    try:
        result = call_child(
            "lifetimes",
            python=env["python"],
            timeout=budget + 120,
            repeat=args.repeat,
            budget=budget / 2,
            data=meta["source"],
            accepted=meta["accepted_path"],
            until=meta["until"],
        )
        row["results"][tool] = result["lifetimes"]
        row[tool] = result
    except TimeoutError:
        row["notes"][tool] = f"skipped (> {args.lifetimes_minutes:g} min)"
    except ChildFailed as exc:
        log(str(exc))
        row["notes"][tool] = "failed (see above)"
    log(f"  {time.perf_counter() - t0:.1f}s")


def bench_dataset(name, path, args, envs, rates) -> dict:
    meta = prepare(name, path)
    row = {"name": name, "meta": meta, "results": {}, "notes": {}}
    common = {"data": path, "accepted": meta["accepted_path"], "until": meta["until"]}
    steps = [
        ("kamlab", "kamlab read_transactions + summarize"),
        ("duckdb_frame", "bare DuckDB group-by on the frame"),
        ("duckdb_file", "bare DuckDB group-by on Parquet"),
    ]
    for tool, what in steps:
        log(f"[{name}] {what} (x{args.repeat}) ...")
        t0 = time.perf_counter()
        try:
            result = call_child(tool, repeat=args.repeat, **common)
        except ChildFailed as exc:
            log(str(exc))
            row["notes"][tool] = "failed (see above)"
            continue
        row["results"].update(
            {k: v for k, v in result.items() if isinstance(v, dict) and "seconds" in v}
        )
        row[tool] = result
        log(f"  {time.perf_counter() - t0:.1f}s")
    for env in envs:
        bench_lifetimes(row, env, args, rates.get(env["key"]))
    return row


def check_line(row, key) -> str | None:
    """Do kamlab and lifetimes agree on the BTYD columns? (same definitions, period=day)"""
    k, lt = row.get("kamlab"), row.get(f"lifetimes_{key}")
    if not k or not lt:
        return None
    diffs = []
    if k["accounts"] != lt["accounts"]:
        diffs.append(f"accounts {k['accounts']:,} vs {lt['accounts']:,}")
    for col, value in k["check"].items():
        other = lt["check"][col]
        if abs(value - other) > 1e-6 * max(1.0, abs(value)):
            diffs.append(f"sum({col}) {value:,.2f} vs {other:,.2f}")
    if diffs:
        return f"  check {row['name']}: kamlab and lifetimes {key} DIFFER: " + "; ".join(diffs)
    return (
        f"  check {row['name']}: kamlab and lifetimes {key} agree on frequency, recency, T "
        f"and monetary_value ({k['accounts']:,} accounts)"
    )


def fmt_ratio(x: float | None) -> str:
    return "" if x is None else f"{x:.2f}x"


def print_table(rows, envs, args) -> None:
    width = max(len(label) for _, label in TOOLS) + 2
    header = (
        f"{'dataset':<14}{'rows':>12}{'accounts':>11}  {'tool':<{width}}{'seconds':>9}"
        f"{'peak MB':>9}{'+MB':>8}{'vs duckdb':>11}{'cpu s':>9}{'cpu vs':>8}"
    )
    print()
    print(f"kamlab summary benchmark: best of {args.repeat}; reference = duckdb group-by (frame)")
    print(header)
    print("-" * len(header))
    for row in rows:
        meta, results = row["meta"], row["results"]
        ref = results.get("duckdb_frame", {}).get("seconds")
        ref_cpu = results.get("duckdb_frame", {}).get("cpu")
        first = True
        for key, label in TOOLS:
            ident = (
                f"{row['name']:<14}{meta['accepted']:>12,}{meta['accounts']:>11,}"
                if first
                else " " * 37
            )
            first = False
            if key in results:
                r = results[key]
                ratio = r["seconds"] / ref if ref else None
                cpu_ratio = r["cpu"] / ref_cpu if ref_cpu else None
                print(
                    f"{ident}  {label:<{width}}{r['seconds']:>9.3f}{r['peak_mb']:>9,.0f}"
                    f"{r['extra_mb']:>8,.0f}{fmt_ratio(ratio):>11}"
                    f"{r['cpu']:>9.3f}{fmt_ratio(cpu_ratio):>8}"
                )
            else:
                note = row["notes"].get(CHILD_OF.get(key, key), "n/a")
                print(f"{ident}  {label:<{width}}{note}")
    print()
    print("rows = accepted lines (after kamlab's validation); accounts = distinct accounts in them")
    print(
        "seconds = wall time; cpu s = CPU time of all the process's threads (DuckDB uses "
        f"{os.cpu_count()} cores here), steadier than wall time when the machine is shared"
    )
    print(
        "frame = kamlab.summarize(tx.data): the same summary of a plain frame, whose "
        "integer keys are made in the call"
    )
    kamlab_versions = next((r["kamlab"]["versions"] for r in rows if r.get("kamlab")), None)
    if kamlab_versions:
        print("kamlab: " + ", ".join(f"{k} {v}" for k, v in kamlab_versions.items()))
    for env in envs:
        print(env["message"])
        tool = f"lifetimes_{env['key']}"
        versions = next((r[tool]["versions"] for r in rows if r.get(tool)), None)
        if versions:
            print("  " + ", ".join(f"{k} {v}" for k, v in versions.items()))
        for row in rows:
            line = check_line(row, env["key"])
            if line:
                print(line)
    print()
    print(f"target 1: kamlab summarize / bare DuckDB group-by (same frame) <= {TARGET_DUCKDB}")
    for row in rows:
        res = row["results"]
        if "duckdb_frame" not in res:
            continue
        for key, what, tag in (
            ("summarize", "every column", ""),
            ("summarize_frame", "plain frame", "  (info)"),
        ):
            if key not in res:
                continue
            ratio = res[key]["seconds"] / res["duckdb_frame"]["seconds"]
            cpu = res[key]["cpu"] / res["duckdb_frame"]["cpu"]
            verdict = ("PASS" if ratio <= TARGET_DUCKDB else "FAIL") + tag
            print(
                f"  {row['name']:<14}{what:<14}{res[key]['seconds']:8.3f}s / "
                f"{res['duckdb_frame']['seconds']:.3f}s = {ratio:5.2f}x  {verdict}"
                f"   (CPU time: {cpu:.2f}x)"
            )
    print(
        f"target 2: lifetimes / kamlab summarize >= {TARGET_LIFETIMES:g} at 1M rows, "
        f"judged with lifetimes {TARGET_ENV}"
    )
    for row in rows:
        res = row["results"]
        for env in envs:
            tool = f"lifetimes_{env['key']}"
            tag = "" if row["name"] == "1M" and env["key"] == TARGET_ENV else "  (info)"
            label = f"{row['name']:<14}{env['key']:<8}"
            if "summarize" in res and tool in res:
                ratio = res[tool]["seconds"] / res["summarize"]["seconds"]
                verdict = ("PASS" if ratio >= TARGET_LIFETIMES else "FAIL") + tag
                cpu = res[tool]["cpu"] / res["summarize"]["cpu"]
                e2e = res[tool]["seconds"] / res["end_to_end"]["seconds"]
                print(
                    f"  {label}{res[tool]['seconds']:8.3f}s / "
                    f"{res['summarize']['seconds']:.3f}s = {ratio:5.1f}x  {verdict}"
                    f"   (CPU time: {cpu:.1f}x; vs kamlab end-to-end: {e2e:.2f}x)"
                )
            elif not tag:
                print(f"  {label}not measured: {row['notes'].get(tool, 'n/a')}")


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if "--child" in argv:
        return run_child(argv)
    parser = argparse.ArgumentParser(
        description="kamlab summarize vs bare DuckDB vs lifetimes (see the module docstring)"
    )
    parser.add_argument("--sizes", default="1M,10M", help="generated log sizes (default 1M,10M)")
    parser.add_argument("--repeat", type=int, default=1, help="best of N runs (default 1)")
    parser.add_argument("--skip-lifetimes", action="store_true", help="do not run lifetimes")
    parser.add_argument(
        "--no-online-retail", action="store_true", help="leave the Online Retail file out"
    )
    parser.add_argument(
        "--lifetimes-minutes",
        type=float,
        default=10.0,
        help="skip lifetimes where a run would take longer (default 10)",
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of the generated logs")
    parser.add_argument("--json", help="also write the raw results to this file")
    args = parser.parse_args(argv)

    sizes = sorted(parse_size(s) for s in args.sizes.split(",") if s.strip())
    datasets = [(size_label(n), ensure_log(n, args.seed, log=log)) for n in sizes]
    messages = []
    if not args.no_online_retail:
        if ONLINE_RETAIL.exists():
            datasets.append(("online_retail", ONLINE_RETAIL))
        else:
            messages.append(
                f"Online Retail: skipped, {ONLINE_RETAIL} not found (set KAMLAB_REFERENCE_DATA)"
            )
    envs = lifetimes_envs(args.skip_lifetimes)
    for env in envs:
        log(env["message"])

    rows, rates = [], {}  # rates: lifetimes' seconds per purchase line, per environment
    # smallest first, so lifetimes' speed on a small set can predict the larger ones
    order = sorted(datasets, key=lambda d: d[1].stat().st_size)
    for name, path in order:
        row = bench_dataset(name, path, args, envs, rates)
        for env in envs:
            tool = f"lifetimes_{env['key']}"
            if tool in row["results"]:
                per_line = row["results"][tool]["seconds"] / row["meta"]["purchase_lines"]
                rates[env["key"]] = max(rates.get(env["key"], 0.0), per_line)
        rows.append(row)
    rows.sort(key=lambda r: [n for n, _ in datasets].index(r["name"]))
    print_table(rows, envs, args)
    for message in messages:
        print(message)
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1, default=str), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
