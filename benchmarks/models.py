"""Benchmark: kamlab's model fits against lifetimes (time, parameters, convergence).

Run from the project root (data sets are built once into ``benchmarks/_data/``)::

    .venv/bin/python benchmarks/models.py                       # all data sets, all models
    .venv/bin/python benchmarks/models.py --datasets cdnow-sample,cdnow-master
    .venv/bin/python benchmarks/models.py --models bgnbd,gamma-gamma --lifetimes-minutes 5

Data sets:

- ``cdnow-sample``: Fader & Hardie's 2,357-customer CDNOW summary (39 weeks), with the
  mean repeat spend (``cdnow_customers_summary_with_transactions.csv``);
- ``cdnow-master``: all 23,570 CDNOW customers (``CDNOW_master.txt``), read and
  summarised with kamlab (``read_transactions`` with customer_id, dollar_value and
  ``keep_duplicates=True``; ``summarize(until="1997-09-30", period="week")``);
- ``b2b-sample-20k``: :func:`kamlab.datasets.make_sample` (20,000 accounts, seed 1, the
  four default B2B segments), summarised in weeks;
- ``light+heavy-50k``: 50,000 CDNOW-like BG/NBD accounts plus 500 heavy buyers (a
  purchase a day, up to 1,230 repeat purchases: the "extreme customers" of lifetimes'
  issue tracker);
- ``generated-1M``: a million BG/NBD accounts drawn with
  :func:`kamlab.models.simulate.simulate_bgnbd` at the CDNOW estimates (r 0.243, alpha
  4.414, a 0.793, b 2.426; Gamma-Gamma spend p 6.25, q 3.74, gamma 15.44), first
  purchases spread over 12 weeks before a 39-week window, times rounded to whole days.

Each fit runs in a fresh child process (kamlab in ``.venv``, lifetimes in
``benchmarks/.lifetimes-venv``, made by ``benchmarks/setup_lifetimes.sh``); only the fit
is timed, not reading the data. lifetimes: ``BetaGeoFitter`` (BFGS with autograd),
``ParetoNBDFitter`` (Nelder-Mead, its default) and ``GammaGammaFitter``, no penalizer; a
fit that raises (lifetimes' "did not converge", e.g. BFGS "precision loss") is reported as
failed, one that runs longer than ``--lifetimes-minutes`` as timed out. The table gives
seconds, the ratio lifetimes/kamlab, kamlab's convergence verdict and the largest
relative difference between the two sets of parameters where both finished, and ``dLL``,
kamlab's log-likelihood minus that of lifetimes' parameters (both computed by kamlab):
a positive ``dLL`` means lifetimes stopped short of the maximum ("stopped short" when
above 0.01). Targets:
kamlab no slower than lifetimes, same parameters to 1e-3 relative, and converging where
lifetimes does not.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
DATA = BENCH / "_data"
REFERENCE = Path(os.environ.get("KAMLAB_REFERENCE_DATA", ROOT.parent / "shared" / "data"))
KAMLAB_PYTHON = ROOT / ".venv" / "bin" / "python"
LIFETIMES_PYTHON = Path(
    os.environ.get("KAMLAB_LIFETIMES_PYTHON", BENCH / ".lifetimes-venv" / "bin" / "python")
)
DATASETS = ("cdnow-sample", "cdnow-master", "b2b-sample-20k", "light+heavy-50k", "generated-1M")
MODELS = ("bgnbd", "pareto-nbd", "gamma-gamma")
PARAMS = {
    "bgnbd": ["r", "alpha", "a", "b"],
    "pareto-nbd": ["r", "alpha", "s", "beta"],
    "gamma-gamma": ["p", "q", "gamma"],
}
VERSION = 1  # bump when a data set's construction changes


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# ============================================================================ data sets


def dataset_path(name: str) -> Path:
    return DATA / f"models_{name}_v{VERSION}.parquet"


def build_dataset(name: str) -> Path:
    """Write the data set (columns frequency, recency, T, monetary_value) once."""
    import numpy as np
    import pandas as pd

    path = dataset_path(name)
    if path.exists():
        return path
    DATA.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    if name == "cdnow-sample":
        src = REFERENCE / "cdnow" / "cdnow_customers_summary_with_transactions.csv"
        frame = pd.read_csv(src, index_col="ID").rename(
            columns={"x": "frequency", "t_x": "recency", "zbar": "monetary_value"}
        )
    elif name == "cdnow-master":
        import kamlab

        tx = kamlab.read_transactions(
            REFERENCE / "cdnow" / "CDNOW_master.txt",
            columns={"account_id": "customer_id", "revenue": "dollar_value", "date": "date"},
            keep_duplicates=True,
        )
        frame = kamlab.summarize(tx, until="1997-09-30", period="week")
        frame = frame[["frequency", "recency", "T", "monetary_value"]]
    elif name == "b2b-sample-20k":
        import kamlab
        from kamlab.datasets import make_sample

        sample = make_sample(20_000, seed=1)
        tx = sample.transactions.assign(
            revenue=lambda d: d.quantity * d.unit_price,
            is_return=lambda d: d.quantity < 0,
            date=lambda d: pd.to_datetime(d.date),
        )
        frame = kamlab.summarize(tx, until="2026-09-30", period="week")
        frame = frame[["frequency", "recency", "T", "monetary_value"]]
    elif name == "light+heavy-50k":
        from kamlab.models.simulate import simulate_bgnbd

        rng = np.random.default_rng(0)
        light = simulate_bgnbd(
            50_000, 0.243, 4.414, 0.793, 2.426, T=rng.integers(189, 274, 50_000) / 7,
            spend=(6.25, 3.74, 15.44), seed=1,
        )  # fmt: skip
        heavy = simulate_bgnbd(
            500, 20.0, 1.0, 1.0, 2000.0, T=rng.integers(189, 274, 500) / 7,
            spend=(6.25, 3.74, 15.44), seed=2,
        )  # fmt: skip
        heavy.index = "H" + heavy.index
        frame = pd.concat([light, heavy])
        frame["recency"] = np.floor(frame["recency"] * 7) / 7
        frame = frame[["frequency", "recency", "T", "monetary_value"]]
    elif name == "generated-1M":
        from kamlab.models.simulate import simulate_bgnbd

        rng = np.random.default_rng(20240601)
        n = 1_000_000
        t_days = 273 - rng.integers(0, 84, n)  # first purchase in the first 12 weeks
        frame = simulate_bgnbd(
            n, 0.243, 4.414, 0.793, 2.426, T=t_days / 7, spend=(6.25, 3.74, 15.44), seed=7
        )
        frame["recency"] = np.floor(frame["recency"] * 7) / 7  # whole days
        frame = frame[["frequency", "recency", "T", "monetary_value"]]
    else:
        raise ValueError(name)
    frame = frame.astype({"frequency": "int64"})
    frame.index = frame.index.astype(str)
    frame.index.name = "account_id"
    frame.to_parquet(path)
    log(
        f"built {path.relative_to(ROOT)} ({len(frame):,} accounts) in {time.perf_counter() - t0:.1f}s"
    )
    return path


# ============================================================================ children
# ``models.py --child TOOL --model M --data PATH``; the last stdout line is RESULT {json}.
# The lifetimes child imports only lifetimes, pandas and numpy.


def _spend_rows(frame):
    """Repeat buyers with positive spend (CDNOW master has one with $0 repeat purchases,
    which kamlab refuses with an InputError and lifetimes cannot take the log of)."""
    return frame[(frame["frequency"] > 0) & (frame["monetary_value"] > 0)]


def child_kamlab(model: str, data: str) -> dict:
    import warnings

    import pandas as pd

    import kamlab.models as km

    frame = _spend_rows(pd.read_parquet(data)) if model == "gamma-gamma" else pd.read_parquet(data)
    cls = {"bgnbd": km.BetaGeo, "pareto-nbd": km.ParetoNBD, "gamma-gamma": km.GammaGamma}[model]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t0 = time.perf_counter()
        fitted = cls().fit(frame)
        seconds = time.perf_counter() - t0
    return {
        "seconds": seconds,
        "params": {k: float(v) for k, v in fitted.params_.items()},
        "status": "converged" if fitted.converged_ else "not converged",
        "message": fitted.convergence_message_,
        "log_likelihood": fitted.log_likelihood_,
    }


def child_lifetimes(model: str, data: str) -> dict:
    import warnings

    import pandas as pd

    warnings.simplefilter("ignore")
    import lifetimes

    frame = pd.read_parquet(data)
    t0 = time.perf_counter()
    try:
        if model == "bgnbd":
            f = lifetimes.BetaGeoFitter().fit(frame["frequency"], frame["recency"], frame["T"])
            params = {k: float(f.params_[k]) for k in PARAMS[model]}
        elif model == "pareto-nbd":
            f = lifetimes.ParetoNBDFitter().fit(frame["frequency"], frame["recency"], frame["T"])
            params = {k: float(f.params_[k]) for k in PARAMS[model]}
        else:
            rep = _spend_rows(frame)
            f = lifetimes.GammaGammaFitter().fit(rep["frequency"], rep["monetary_value"])
            params = {"p": float(f.params_["p"]), "q": float(f.params_["q"]),
                      "gamma": float(f.params_["v"])}  # fmt: skip
        status = "finished" if model == "pareto-nbd" else "converged"
        message = "Nelder-Mead, convergence not checked" if model == "pareto-nbd" else ""
    except Exception as exc:  # noqa: BLE001 (lifetimes raises ConvergenceError and others)
        params, status = None, "failed"
        message = f"{type(exc).__name__}: {' '.join(str(exc).split())[:120]}"
    return {
        "seconds": time.perf_counter() - t0,
        "params": params,
        "status": status,
        "message": message,
    }


def run_child(python: Path, tool: str, model: str, data: Path, timeout: float | None) -> dict:
    cmd = [str(python), str(Path(__file__).resolve()), "--child", tool, "--model", model]
    cmd += ["--data", str(data)]
    try:
        proc = subprocess.run(
            cmd, capture_output=True, text=True, timeout=timeout, cwd=ROOT, check=False
        )
    except subprocess.TimeoutExpired:
        return {"seconds": timeout, "params": None, "status": "timed out", "message": ""}
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT ")]
    if proc.returncode or not lines:
        tail = " ".join(proc.stderr.strip().splitlines()[-1:])[:160]
        return {"seconds": None, "params": None, "status": "error", "message": tail}
    return json.loads(lines[-1][len("RESULT ") :])


def log_likelihood_gap(model: str, data: Path, ours: dict, theirs: dict) -> float:
    """kamlab's log-likelihood at its own estimates minus at lifetimes' (kamlab's formula)."""
    import pandas as pd

    import kamlab.models as km

    frame = pd.read_parquet(data)
    if model == "gamma-gamma":
        frame = _spend_rows(frame)
    cls = {"bgnbd": km.BetaGeo, "pareto-nbd": km.ParetoNBD, "gamma-gamma": km.GammaGamma}[model]
    ll = [cls().set_estimates(p).score_samples(frame).sum() for p in (ours, theirs)]
    return float(ll[0] - ll[1])


# ============================================================================ main


def _fmt_s(v) -> str:
    return "-" if v is None else f"{v:.2f}"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--datasets", default=",".join(DATASETS))
    ap.add_argument("--models", default=",".join(MODELS))
    ap.add_argument("--lifetimes-minutes", type=float, default=10.0)
    ap.add_argument("--skip-lifetimes", action="store_true")
    ap.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--model", help=argparse.SUPPRESS)
    ap.add_argument("--data", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)

    if args.child:
        fn = {"kamlab": child_kamlab, "lifetimes": child_lifetimes}[args.child]
        print("RESULT " + json.dumps(fn(args.model, args.data)))
        return 0

    datasets = [d for d in args.datasets.split(",") if d]
    models = [m for m in args.models.split(",") if m]
    have_lifetimes = LIFETIMES_PYTHON.exists() and not args.skip_lifetimes
    if not have_lifetimes and not args.skip_lifetimes:
        log(f"lifetimes: no interpreter at {LIFETIMES_PYTHON} (bash benchmarks/setup_lifetimes.sh)")
    results = []
    for name in datasets:
        if name.startswith("cdnow") and not (REFERENCE / "cdnow").exists():
            log(f"{name}: reference data not found at {REFERENCE}, skipped")
            continue
        path = build_dataset(name)
        import pandas as pd

        n = len(pd.read_parquet(path, columns=["frequency"]))
        for model in models:
            log(f"{name} ({n:,}) {model}: kamlab ...")
            k = run_child(KAMLAB_PYTHON, "kamlab", model, path, None)
            if have_lifetimes:
                log(f"{name} ({n:,}) {model}: lifetimes ...")
                lt = run_child(
                    LIFETIMES_PYTHON, "lifetimes", model, path, args.lifetimes_minutes * 60
                )
            else:
                lt = {"seconds": None, "params": None, "status": "skipped", "message": ""}
            diff = gap = None
            if k.get("params") and lt.get("params"):
                diff = max(
                    abs(k["params"][p] - lt["params"][p]) / abs(lt["params"][p])
                    for p in PARAMS[model]
                )
                gap = log_likelihood_gap(model, path, k["params"], lt["params"])
                if gap > 0.01 and k["status"] == "converged":
                    lt["status"] = "stopped short"
            results.append(
                {
                    "dataset": name,
                    "accounts": n,
                    "model": model,
                    "kamlab": k,
                    "lifetimes": lt,
                    "max_rel_diff": diff,
                    "ll_gap": gap,
                }
            )

    header = (
        f"{'data set':<16} {'accounts':>9} {'model':<12} {'kamlab s':>9} {'lifetimes s':>12} "
        f"{'speed-up':>9}  {'kamlab':<14} {'lifetimes':<14} {'max rel diff':>12} {'dLL':>9}"
    )
    print(header)
    print("-" * len(header))
    for r in results:
        k, lt = r["kamlab"], r["lifetimes"]
        ratio = (
            f"{lt['seconds'] / k['seconds']:.1f}x"
            if k.get("seconds") and lt.get("seconds") and lt["status"] != "error"
            else "-"
        )
        if lt["status"] == "timed out":
            ratio = f">{lt['seconds'] / k['seconds']:.0f}x"
        diff = "-" if r["max_rel_diff"] is None else f"{r['max_rel_diff']:.1e}"
        gap = "-" if r["ll_gap"] is None else f"{r['ll_gap']:.3f}"
        print(
            f"{r['dataset']:<16} {r['accounts']:>9,} {r['model']:<12} {_fmt_s(k['seconds']):>9} "
            f"{_fmt_s(lt['seconds']):>12} {ratio:>9}  {k['status']:<14} {lt['status']:<14} "
            f"{diff:>12} {gap:>9}"
        )
    print()
    for r in results:
        for tool in ("kamlab", "lifetimes"):
            res = r[tool]
            if res.get("params"):
                vals = ", ".join(f"{p}={res['params'][p]:.6g}" for p in PARAMS[r["model"]])
                print(f"{r['dataset']} {r['model']} {tool}: {vals}")
            if res.get("message") and res["status"] not in ("converged",):
                print(f"{r['dataset']} {r['model']} {tool}: {res['status']}: {res['message']}")
    print()
    both = [
        r
        for r in results
        if r["max_rel_diff"] is not None and r["lifetimes"]["status"] != "stopped short"
    ]
    slower = [
        r
        for r in results
        if r["lifetimes"].get("seconds") and r["kamlab"]["seconds"] > r["lifetimes"]["seconds"]
        and r["lifetimes"]["status"] in ("converged", "finished")
    ]  # fmt: skip
    rescued = [
        r
        for r in results
        if r["lifetimes"]["status"] in ("failed", "timed out", "stopped short")
        and r["kamlab"]["status"] == "converged"
    ]
    agree = all(r["max_rel_diff"] <= 1e-3 for r in both)
    print(f"{'PASS' if not slower else 'FAIL'}: kamlab no slower than lifetimes "
          f"({len(slower)} slower)")  # fmt: skip
    print(f"{'PASS' if agree else 'FAIL'}: same parameters to 1e-3 relative where both reach "
          f"the maximum ({len(both)} fits)")  # fmt: skip
    print(
        f"kamlab converged where lifetimes failed, timed out or stopped short: {len(rescued)} "
        "fit(s): " + ", ".join(f"{r['dataset']} {r['model']}" for r in rescued)
    )
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
