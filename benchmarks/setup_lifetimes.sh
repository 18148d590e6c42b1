#!/usr/bin/env bash
# Make the venvs in which benchmarks/summary.py runs lifetimes (lifetimes is never a
# kamlab dependency). lifetimes 0.11.3 (2020) is its last release and predates
# pandas 2, so it is measured in two environments:
#
#   era      benchmarks/.lifetimes-era-venv: pandas 1.5.3, numpy 1.26, scipy 1.13,
#            the pandas 1.x / numpy 1.x world lifetimes was written and tested for
#            (pandas 1.5 is the last 1.x release, and the first to install on
#            Python 3.11). The issue's 5x target is judged against this one.
#   current  benchmarks/.lifetimes-venv: today's pandas/numpy/scipy
#            (requirements-lifetimes.txt), kept only if the smoke test passes there.
#
# Usage: bash benchmarks/setup_lifetimes.sh [era|current|all]   (default all)
# PYTHON=python3.11 picks the interpreter (default python3). Exits non-zero when a
# requested environment cannot be made; its last line then says why.
set -euo pipefail
cd "$(dirname "$0")"
PYTHON="${PYTHON:-python3}"
WHICH="${1:-all}"
case "$WHICH" in
era | current | all) ;;
*)
    echo "usage: bash benchmarks/setup_lifetimes.sh [era|current|all]" >&2
    exit 2
    ;;
esac

ERA_PINS=(
    "lifetimes==0.11.3"
    "pandas==1.5.3"
    "numpy==1.26.4"
    "scipy==1.13.1"
    "pyarrow==16.1.0"
)

# The check: lifetimes' summary on three purchases must give the textbook answer.
smoke() {
    "$1/bin/python" -W ignore - <<'PY'
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

versions() {
    "$1/bin/python" -W ignore -c \
        "import sys, pandas, numpy; print(f'python {sys.version.split()[0]}, pandas {pandas.__version__}, numpy {numpy.__version__}')"
}

# make_venv VENV PIP-ARGS...: a fresh venv with those packages that passes the smoke test
make_venv() {
    local venv="$1"
    shift
    rm -rf "$venv"
    # (called in an `||` list, so set -e does not apply here: every step is checked)
    "$PYTHON" -m venv "$venv" || return 1
    echo '*' >"$venv/.gitignore" # git ignores the venv whatever .gitignore says
    local pip=("$venv/bin/python" -m pip install --quiet --disable-pip-version-check)
    if "${pip[@]}" --upgrade pip && "${pip[@]}" "$@" && smoke "$venv"; then
        echo "lifetimes installed in benchmarks/$venv ($(versions "$venv"))"
        return 0
    fi
    rm -rf "$venv"
    return 1
}

status=0
if [[ "$WHICH" == era || "$WHICH" == all ]]; then
    make_venv .lifetimes-era-venv "${ERA_PINS[@]}" || {
        echo "lifetimes era environment (${ERA_PINS[*]}) could not be made" >&2
        status=1
    }
fi
if [[ "$WHICH" == current || "$WHICH" == all ]]; then
    make_venv .lifetimes-venv -r requirements-lifetimes.txt || {
        echo "lifetimes does not install or pass its smoke test on current pandas/numpy" >&2
        status=1
    }
fi
exit "$status"
