#!/usr/bin/env bash
# Make benchmarks/.lifetimes-venv with lifetimes, for benchmarks/summary.py only
# (lifetimes is never a kamlab dependency). Usage: bash benchmarks/setup_lifetimes.sh
# PYTHON=python3.11 picks the interpreter (default python3).
set -euo pipefail
cd "$(dirname "$0")"
PYTHON="${PYTHON:-python3}"
VENV=.lifetimes-venv
PIP="$VENV/bin/python -m pip install --quiet --disable-pip-version-check"

# The check: lifetimes' summary on three purchases must give the textbook answer.
smoke() {
    "$VENV/bin/python" -W ignore - <<'PY'
import pandas as pd
from lifetimes.utils import summary_data_from_transaction_data
import pyarrow  # noqa: F401  (the benchmark reads Parquet)

tx = pd.DataFrame({
    "account_id": ["a", "a", "a", "b"],
    "date": pd.to_datetime(["2024-01-01", "2024-01-01", "2024-01-11", "2024-01-05"]),
    "revenue": [1.0, 2.0, 10.0, 5.0],
})
s = summary_data_from_transaction_data(
    tx, "account_id", "date", monetary_value_col="revenue",
    observation_period_end=pd.Timestamp("2024-01-31"), freq="D")
assert s.loc["a"].tolist() == [1.0, 10.0, 30.0, 10.0], s
assert s.loc["b"].tolist() == [0.0, 0.0, 26.0, 0.0], s
PY
}

rm -rf "$VENV"
"$PYTHON" -m venv "$VENV"
$PIP --upgrade pip
if $PIP -r requirements-lifetimes.txt && smoke; then
    echo "lifetimes installed in benchmarks/$VENV (current pandas and numpy)"
    exit 0
fi
echo "lifetimes does not work with current pandas/numpy; trying older pins" >&2
$PIP "lifetimes==0.11.3" "pandas<2" "numpy<2" "scipy<1.14" "pyarrow<17" "setuptools<70"
smoke
echo "lifetimes installed in benchmarks/$VENV (pandas<2, numpy<2)"
