"""Benchmark: the whole period report on 1M transactions of 100k accounts.

Run from the project root (the first run writes the data set to ``benchmarks/_data/``,
which later runs reuse)::

    .venv/bin/python benchmarks/report.py                  # 100k accounts, ~1M lines
    .venv/bin/python benchmarks/report.py --accounts 20k   # a smaller run
    .venv/bin/python benchmarks/report.py --json results.json

Data: :func:`kamlab.datasets.make_sample` with ``--accounts`` accounts (seed 0, the four
default segments with purchase rates divided by 21 (``--rate-divisor``), so that the
base has about ten order lines per account: 100k accounts give 995k lines, plus 1% faulty
lines that are quarantined, as in the bundled sample: 1.005M lines read), written as CSV like the bundled sample
(``transactions.csv`` with cost, ``accounts.csv`` with names, industries, scores). Two
account names are replaced by hostile ones (``<script>alert(1)</script>`` and
``=HYPERLINK("http://x","y")``) so the benchmark exercises the escaping too.

What is measured: :func:`kamlab.report.run_report` end to end (read and validate, every
notebook in its own kernel, tables, figures, ``index.html``, ``report.pdf``,
``summary.xlsx``, publish), in this process. Wall time is the whole call. Peak memory is
that of the whole process tree, kernels included: a thread samples every 0.1 s the
resident memory (RSS) of this process and all its descendants, sums it, and keeps the
maximum (RSS counts shared pages once per process, so the sum slightly overstates; the
proportional set size, PSS, which shares them out, is printed beside it). The per-step
times come from the report's manifest; CPU time (this process and its children) is
printed too, as it moves much less than wall time when the machine is shared. Targets (issue 17):
under 60 s wall and under 1.2 GB peak at 1M lines / 100k accounts, under 4 GB peak at 10M
lines / 1M accounts (``--accounts 1M``), on the 2-core reference machine: the notebooks
share the accepted lines once per run as Parquet opened in DuckDB
(:func:`kamlab.workflows.cache.share_lines`), so no kernel holds them in pandas.
``KAMLAB_REPORT_JOBS=1`` (or ``--jobs 1``) runs one notebook at a time, as the report
does by itself above 500k accepted lines (``kamlab.report.ONE_AT_A_TIME_LINES``), so at
both sizes.
``--input parquet`` reads ``transactions_v2.parquet``, the CSV's lines typed by DuckDB
(:func:`as_parquet`): the input for ``--accounts 1M``, as a warehouse-scale user has
Parquet or a database table, and the reader then types and validates in the engine.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import DATA, ROOT, parse_size, size_label  # noqa: E402

TARGET_SECONDS = 60.0
TARGET_MB = 1.2 * 1024
TARGET_MB_10M = 4.0 * 1024
"""Peak memory targets: 1.2 GB at 1M lines / 100k accounts, 4 GB at 10M lines / 1M accounts."""
RATE_DIVISOR = 21.0
"""Purchase rates of the default segments are divided by this: ~10 lines per account."""
FAULT_RATE = 0.01
DATA_VERSION = 3
HOSTILE = ("<script>alert(1)</script>", '=HYPERLINK("http://x","y")')


def ensure_data(n_accounts: int, seed: int = 0, divisor: float = RATE_DIVISOR) -> Path:
    """``benchmarks/_data/report_<n>_seed<seed>[_div<d>]_v<version>/``: transactions, accounts."""
    tag = "" if divisor == RATE_DIVISOR else f"_div{divisor:g}"
    folder = DATA / f"report_{size_label(n_accounts)}_seed{seed}{tag}_v{DATA_VERSION}"
    if (folder / "accounts.csv").exists():
        return folder
    import dataclasses

    from kamlab.datasets import DEFAULT_SEGMENTS, add_faults, make_sample

    print(f"generating {folder.relative_to(ROOT)} ...", flush=True)
    t0 = time.perf_counter()
    segments = [dataclasses.replace(s, alpha=s.alpha * divisor) for s in DEFAULT_SEGMENTS]
    sample = make_sample(n_accounts, seed=seed, segments=segments)
    revenue = (
        sample.transactions.assign(v=lambda t: t.quantity * t.unit_price)
        .groupby("account_id")["v"]
        .sum()
        .sort_values(ascending=False)
    )
    names = sample.accounts.set_index("account_id")["account_name"]
    names.loc[revenue.index[: len(HOSTILE)]] = list(HOSTILE)
    sample.accounts["account_name"] = names.to_numpy()
    tmp = folder.with_name(folder.name + ".tmp")
    tmp.mkdir(parents=True, exist_ok=True)
    transactions, _ = add_faults(sample.transactions, FAULT_RATE, seed=seed)
    transactions.to_csv(tmp / "transactions.csv", index=False)
    sample.accounts.to_csv(tmp / "accounts.csv", index=False)
    tmp.rename(folder)
    print(
        f"  {len(transactions):,} lines, {len(sample.accounts):,} accounts "
        f"in {time.perf_counter() - t0:.1f}s",
        flush=True,
    )
    return folder


def _data_files(n_accounts: int, seed: int, divisor: float, kind: str) -> tuple[Path, Path]:
    """The data folder and the transactions file to read (``kind``: csv or parquet)."""
    folder = ensure_data(n_accounts, seed, divisor)
    return folder, folder / "transactions.csv" if kind == "csv" else as_parquet(folder)


def _in_child(function, *args):
    """``function(*args)`` in a fresh process, its memory returned when it ends."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        return pool.submit(function, *args).result()


PARQUET_NAME = "transactions_v2.parquet"
"""The typed copy of ``transactions.csv`` (v2: v1 lost the lines whose date did not parse)."""


def as_parquet(folder: Path) -> Path:
    """``transactions_v2.parquet`` beside ``transactions.csv``: the same lines typed as a
    warehouse would hold them (dates as timestamps in microseconds, amounts as doubles, ids
    as text; a value that is not one becomes null and is quarantined), written once by
    DuckDB. The reader then types and validates them in the engine, not in pandas.

    Every line of the CSV is kept (checked): the casts are ``TRY_CAST(NULLIF(x, ''))``, not
    plain ``TRY_CAST``, because DuckDB 2.0 pushes a bare ``TRY_CAST`` over ``read_csv``
    into the reader as a hard cast and drops the lines that fail it (duckdb/duckdb#23818).
    """
    path = folder / PARQUET_NAME
    if not path.exists():
        import duckdb

        tmp = path.with_suffix(".parquet.part")
        csv = folder / "transactions.csv"

        def typed(column: str, kind: str) -> str:
            return f"TRY_CAST(NULLIF({column}, '') AS {kind}) AS {column}"

        columns = ", ".join(
            [
                "order_id",
                "account_id",
                typed("date", "TIMESTAMP"),
                "product_id",
                *(typed(c, "DOUBLE") for c in ("quantity", "unit_price", "unit_cost")),
            ]
        )
        source = f"read_csv('{csv}', all_varchar = true)"
        con = duckdb.connect()
        try:
            con.execute("SET enable_progress_bar = false")
            con.execute(f"COPY (SELECT {columns} FROM {source}) TO '{tmp}' (FORMAT parquet)")
            lines = con.execute(f"SELECT count(*) FROM {source}").fetchone()[0]
            written = con.execute(f"SELECT count(*) FROM read_parquet('{tmp}')").fetchone()[0]
        finally:
            con.close()
        if written != lines:
            raise RuntimeError(f"{tmp}: {written:,} lines written of the CSV's {lines:,}")
        tmp.rename(path)
    return path


class TreeMemory:
    """Samples the summed RSS (and PSS) of this process and its descendants in a thread."""

    def __init__(self, interval: float = 0.1, watch: float = 0.0):
        import psutil

        self.watch = watch  # seconds between "peak so far" lines on stderr (0: none)

        self._psutil = psutil
        self.interval = interval
        self.peak_rss = 0.0
        self.peak_pss = 0.0
        self.peak_processes = 0
        self.at_peak: list[tuple[str, float]] = []  # (process, RSS MB) at the peak
        self.step = "start"  # what the report is doing (set by :meth:`log`)
        self.step_peaks: dict[str, float] = {}  # step -> the tree's peak RSS MB during it
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _sample(self) -> None:
        me = self._psutil.Process()
        rss = pss = 0
        procs = [me, *me.children(recursive=True)]
        each = []
        for proc in procs:
            try:
                info = proc.memory_full_info()
                label = "this process" if proc.pid == me.pid else _label(proc.cmdline())
            except (self._psutil.NoSuchProcess, self._psutil.AccessDenied):
                continue
            rss += info.rss
            pss += getattr(info, "pss", info.rss)
            each.append((label, info.rss / 2**20))
        if rss / 2**20 > self.peak_rss:
            self.at_peak = sorted(each, key=lambda e: -e[1])
        self.peak_rss = max(self.peak_rss, rss / 2**20)
        self.step_peaks[self.step] = max(self.step_peaks.get(self.step, 0.0), rss / 2**20)
        self.peak_pss = max(self.peak_pss, pss / 2**20)
        self.peak_processes = max(self.peak_processes, len(procs))

    def _run(self) -> None:
        t0 = last = time.perf_counter()
        while not self._stop.is_set():
            self._sample()
            if self.watch and time.perf_counter() - last >= self.watch:
                last = time.perf_counter()
                at_peak = ", ".join(f"{n} {mb:.0f}" for n, mb in self.at_peak)
                print(
                    f"[{last - t0:6.0f} s] peak so far {self.peak_rss:.0f} MB ({at_peak})",
                    file=sys.stderr,
                    flush=True,
                )
            self._stop.wait(self.interval)

    def log(self, line: str) -> None:
        """The report's progress line, printed; a step starting becomes the current one (with
        one notebook at a time, each notebook's peak is its own)."""
        print(line, file=sys.stderr, flush=True)
        text = line.strip()
        if text.endswith("... started"):
            self.step = text.removesuffix("... started").strip()
        elif text.startswith("publishing"):
            self.step = "publishing"

    def __enter__(self) -> TreeMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self._sample()


def _label(cmdline: list[str]) -> str:
    """A short name for a child process: a notebook kernel, or its program."""
    text = " ".join(cmdline)
    if "ipykernel" in text:
        return "notebook kernel"
    return Path(cmdline[0]).name if cmdline else "?"


def _cpu_seconds() -> float:
    """User + system CPU time of this process and its finished children (kernels, helpers)."""
    import resource

    total = 0.0
    for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN):
        usage = resource.getrusage(who)
        total += usage.ru_utime + usage.ru_stime
    return total


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--accounts", default="100k", help="accounts to generate (default 100k)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--period", default="2026Q3")
    parser.add_argument(
        "--rate-divisor",
        type=float,
        default=RATE_DIVISOR,
        help=f"divide the segments' purchase rates by this (default {RATE_DIVISOR:g})",
    )
    parser.add_argument("--out", help="report folder (default: a temporary folder, removed)")
    parser.add_argument("--json", help="also write the results to this JSON file")
    parser.add_argument(
        "--notebooks",
        help="comma-separated notebooks to run instead of all in kamlab/notebooks/report.yaml "
        "(e.g. 00_summary.ipynb,01_explore.ipynb,...)",
    )
    parser.add_argument("--jobs", type=int, help="notebooks at once (default: the report's)")
    parser.add_argument(
        "--watch", type=float, default=0.0, help="print the peak so far every this many seconds"
    )
    parser.add_argument(
        "--input",
        choices=("csv", "parquet"),
        default="csv",
        help="read the transactions from the CSV (default) or from the same lines as Parquet "
        "(written once beside it, microsecond timestamps): the reader then types and "
        "validates them in the engine",
    )
    args = parser.parse_args(argv)

    n_accounts = parse_size(args.accounts)
    # the data are written (once) by a child process: generating 1M accounts takes 2.7 GB,
    # which would otherwise stay with this process and count in the report's peak
    folder, source = _in_child(_data_files, n_accounts, args.seed, args.rate_divisor, args.input)
    large = n_accounts >= 1_000_000  # 10M lines: the memory target only
    target_mb = TARGET_MB_10M if large else TARGET_MB
    import kamlab.report as report

    spec = report.report_spec()
    if args.notebooks:
        chosen = [n.strip() for n in args.notebooks.split(",") if n.strip()]
        needs = {n: spec.needs.get(n, set()) & set(chosen) for n in chosen}
        spec = dataclasses.replace(spec, notebooks=chosen, needs=needs)
    jobs = (
        args.jobs
        or f"the report's ({report.default_jobs()}, 1 above {report.ONE_AT_A_TIME_LINES:,} lines)"
    )
    print(f"notebooks: {', '.join(spec.notebooks)}; jobs: {jobs}")
    with tempfile.TemporaryDirectory(prefix="kamlab-report-bench-") as tmp:
        out = Path(args.out) if args.out else Path(tmp)
        t0, cpu0 = time.perf_counter(), _cpu_seconds()
        with TreeMemory(watch=args.watch) as memory:
            path = report.run_report(
                args.period,
                source,
                accounts=folder / "accounts.csv",
                out=out,
                jobs=args.jobs,
                spec=spec,
                log=memory.log,
            )
        wall, cpu = time.perf_counter() - t0, _cpu_seconds() - cpu0
        manifest = json.loads((path / "manifest.json").read_text(encoding="utf-8"))

    rows = manifest["rows"]["transactions"]
    steps = manifest.get("timings_s", {})
    print()
    print(f"data: {folder.relative_to(ROOT)}")
    print(
        f"transactions: {rows['read']:,} read, {rows['accepted']:,} accepted, "
        f"{rows['quarantined']:,} quarantined; "
        f"accounts: {manifest['rows'].get('accounts', {}).get('accepted', 0):,}"
    )
    if steps:
        print()
        print(f"{'step':<28}{'seconds':>9}")
        for name, seconds in steps.items():
            print(f"{name:<28}{seconds:>9.1f}")
    print()
    aim = "no target" if large else f"target < {TARGET_SECONDS:.0f} s"
    print(f"wall time        {wall:7.1f} s   ({aim})")
    print(f"CPU time         {cpu:7.1f} s   (this process and its children, all cores)")
    print(
        f"peak memory      {memory.peak_rss:7.0f} MB  (RSS of the process tree, target < "
        f"{target_mb:.0f} MB; PSS {memory.peak_pss:.0f} MB, up to "
        f"{memory.peak_processes} processes)"
    )
    print("  at the peak: " + ", ".join(f"{name} {mb:.0f} MB" for name, mb in memory.at_peak))
    steps_mb = ", ".join(f"{step} {mb:.0f}" for step, mb in memory.step_peaks.items())
    print(f"  peak MB while each step ran (several at once with jobs > 1): {steps_mb}")
    ok_time, ok_mem = large or wall < TARGET_SECONDS, memory.peak_rss < target_mb
    if not large:
        print(f"{'PASS' if ok_time else 'FAIL'}: report in under {TARGET_SECONDS:.0f} s")
    print(f"{'PASS' if ok_mem else 'FAIL'}: peak memory under {target_mb / 1024:.1f} GB")
    if args.json:
        result = {
            "data": str(folder),
            "rows": manifest["rows"],
            "wall_s": wall,
            "cpu_s": cpu,
            "peak_rss_mb": memory.peak_rss,
            "peak_pss_mb": memory.peak_pss,
            "step_peaks_mb": memory.step_peaks,
            "steps_s": steps,
        }
        Path(args.json).write_text(json.dumps(result, indent=2), encoding="utf-8")
    return 0 if ok_time and ok_mem else 1


if __name__ == "__main__":
    sys.exit(main())
