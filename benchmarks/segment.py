"""Benchmark: segmenting 100,000 accounts with k chosen automatically.

Run from the project root::

    .venv/bin/python benchmarks/segment.py                    # 100k accounts, the sample model
    .venv/bin/python benchmarks/segment.py --data log         # 100k accounts of the 1M-line log
    .venv/bin/python benchmarks/segment.py --accounts 20000 --method gmm --repeat 3

Data (``--data``):

- ``sample`` (default): ``kamlab.datasets.make_sample(accounts, seed)``, the generator
  of the bundled sample with its four latent segments (about 134 order lines per
  account: 13M lines at 100k). The lines are turned into the accepted-transactions
  frame directly (no CSV round trip), so the generation (~25 s, ~4 GB) is not
  timed. Its truth gives the adjusted Rand index of the segments found.
- ``log``: the generated order-line log of ``benchmarks/_common.generate_log`` with
  ten lines per account (1M lines for 100k accounts; no cost, so no margin), read
  with ``kamlab.read_transactions``; written to ``benchmarks/_data`` once and reused.

Each data set runs in its own child process, so peak memory is per data set. Steps:

- ``account_features``: ``kamlab.segment.account_features`` (summarize + growth);
- ``Segmenter.fit``: ``Segmenter(k="auto").fit``: k = 2..10 scored on a 20,000-account
  sample, the chosen k refitted on every account, 20 bootstrap refits for the
  stability, profiles and names;
- ``predict``: assigning every account to the fitted segments again.

Seconds are wall time (best of ``--repeat``); ``peak MB`` is the process's peak
resident memory during the step (it includes the interpreter and the data already in
memory), ``+MB`` what the step added. Target (from the issue): ``Segmenter.fit`` on
100k accounts under 60 s on the 2-core machine.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import ROOT, ensure_log, measure, parse_size  # noqa: E402

TARGET_SECONDS = 60.0


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def sample_transactions(n_accounts: int, seed: int):
    """The sample generator's lines as kamlab.io's accepted frame, and the truth."""
    import pandas as pd

    from kamlab.datasets import make_sample

    sample = make_sample(n_accounts, seed=seed)
    t = sample.transactions
    quantity = t["quantity"].to_numpy(dtype="float64")
    price = t["unit_price"].to_numpy(dtype="float64")
    cost = t["unit_cost"].to_numpy(dtype="float64")
    frame = pd.DataFrame(
        {
            "account_id": t["account_id"].astype("string"),
            "date": pd.to_datetime(t["date"]),
            "revenue": quantity * price,
            "is_return": quantity < 0,
            "order_id": t["order_id"],
            "product_id": t["product_id"],
            "gross_margin": quantity * (price - cost),
        }
    )
    truth = sample.truth.set_index("account_id")["segment"]
    del sample, t
    return frame, truth


def child(args) -> dict:
    """Run the steps on one data set, in this process; return the measurements."""
    from sklearn.metrics import adjusted_rand_score

    from kamlab.segment import Segmenter, account_features

    t0 = time.perf_counter()
    truth = None
    if args.data == "sample":
        log(f"[{args.data}] generating {args.accounts:,} accounts ...")
        frame, truth = sample_transactions(args.accounts, args.seed)
    else:
        from kamlab import read_transactions

        path = ensure_log(args.accounts * 10, seed=args.seed, log=log)
        log(f"[{args.data}] reading {path.name} ...")
        frame = read_transactions(path).data
    log(f"[{args.data}] {len(frame):,} lines ready in {time.perf_counter() - t0:.0f}s")

    steps = {}
    features, steps["account_features"] = measure(
        lambda: account_features(frame), repeat=args.repeat
    )
    frame = None  # free the lines before fitting
    log(f"[{args.data}] features: {len(features):,} accounts")

    def fit():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return Segmenter(k="auto", method=args.method, random_state=args.seed).fit(features)

    seg, steps["Segmenter.fit"] = measure(fit, repeat=args.repeat)
    _, steps["predict"] = measure(lambda: seg.predict(features), repeat=args.repeat)
    result = {
        "data": args.data,
        "accounts": len(features),
        "method": args.method,
        "k": seg.k_,
        "rule": seg.rule_,
        "features": seg.features_,
        "scores": seg.scores_.reset_index().to_dict(orient="records"),
        "stability": seg.stability_,
        "names": seg.names_.to_dict(),
        "steps": {name: step.as_dict() for name, step in steps.items()},
    }
    if truth is not None:
        result["ari_vs_truth"] = float(
            adjusted_rand_score(truth.loc[seg.labels_.index], seg.labels_)
        )
    return result


def run_child(data: str, args) -> dict:
    command = [
        sys.executable,
        __file__,
        "--child",
        "--data",
        data,
        "--accounts",
        str(args.accounts),
        "--seed",
        str(args.seed),
        "--method",
        args.method,
        "--repeat",
        str(args.repeat),
    ]
    done = subprocess.run(command, cwd=ROOT, stdout=subprocess.PIPE, text=True, check=False)
    if done.returncode != 0:
        return {"data": data, "error": f"child exited with {done.returncode}"}
    return json.loads(done.stdout.strip().splitlines()[-1])


def print_result(result: dict) -> None:
    if "error" in result:
        print(f"\n{result['data']}: {result['error']}")
        return
    print(
        f"\n{result['data']}: {result['accounts']:,} accounts, method {result['method']}, "
        f"features {', '.join(result['features'])}"
    )
    print(f"  {'step':<18} {'seconds':>8} {'peak MB':>9} {'+MB':>8}")
    for name, step in result["steps"].items():
        print(
            f"  {name:<18} {step['seconds']:>8.2f} {step['peak_mb']:>9,.0f} "
            f"{step['extra_mb']:>8,.0f}"
        )
    print(f"  k = {result['k']} ({result['rule']})")
    for row in result["scores"]:
        extra = f"bic {row['bic']:,.0f}" if "bic" in row else f"inertia {row['inertia']:,.0f}"
        mark = "  <- chosen" if row["chosen"] else ""
        print(
            f"    k={row['k']:<3} silhouette {row['silhouette']:.3f}  "
            f"Calinski-Harabasz {row['calinski_harabasz']:,.0f}  {extra}{mark}"
        )
    s = result["stability"]
    if s:
        print(
            f"  stability: mean bootstrap ARI {s['ari_mean']:.3f} (min {s['ari_min']:.3f}, "
            f"{s['resamples']} resamples): {s['verdict']}"
        )
    if "ari_vs_truth" in result:
        print(f"  adjusted Rand index against the true segments: {result['ari_vs_truth']:.3f}")
    for segment, name in result["names"].items():
        print(f"    {segment}: {name}")
    fit = result["steps"]["Segmenter.fit"]["seconds"]
    verdict = "PASS" if fit < TARGET_SECONDS else "FAIL"
    print(
        f"  {verdict}: Segmenter.fit on {result['accounts']:,} accounts in "
        f"{fit:.1f}s (target < {TARGET_SECONDS:.0f}s)"
    )


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--accounts", type=parse_size, default=100_000, help="default 100k")
    parser.add_argument("--data", choices=["sample", "log", "both"], default="sample")
    parser.add_argument("--method", choices=["kmeans", "gmm"], default="kmeans")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeat", type=int, default=1, help="best of N runs (default 1)")
    parser.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(child(args), default=float))
        return 0
    datasets = ["sample", "log"] if args.data == "both" else [args.data]
    results = [run_child(data, args) for data in datasets]
    for result in results:
        print_result(result)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2, default=float), encoding="utf-8")
    return 0 if all("error" not in r for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
