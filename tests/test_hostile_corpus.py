"""The hostile corpus (tests/hostile/): every file gets its stated outcome, and the
invariants of issue 16 hold for every one of them.

(a) row accounting: accepted + quarantined = the data rows a strict ``csv`` reader sees,
    or the file is refused with a one-line error naming it;
(b) no value changed: every accepted row's account id, date and revenue are the source's;
(c) no live formula in any written CSV, and it re-reads to the rows written;
(d) never an "unexpected error" or a traceback; (e) every read ends within a time bound.

A case whose ``gap`` names a known gap is ``xfail(strict=True)`` until it is fixed
(none is open now): set ``gap=`` on its ``Case`` in ``make_corpus.py`` and regenerate.
"""

from __future__ import annotations

import csv
import json
import re
import signal
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

import pandas as pd
import pytest

from kamlab import read_transactions
from kamlab.errors import KamlabError
from kamlab.safe import write_csv

CORPUS = Path(__file__).parent / "hostile"
CASES = list(csv.DictReader((CORPUS / "expected.csv").open(encoding="utf-8", newline="")))
VALUES = json.loads((CORPUS / "expected_values.json").read_text(encoding="utf-8"))
TIME_LIMIT = 20  # seconds a read may take
LIVE_FORMULA = re.compile(r"^[=+\-@]")
PLAIN_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")


def params(kind: str | tuple[str, ...]):
    kinds = (kind,) if isinstance(kind, str) else kind
    out = []
    for case in CASES:
        if case["kind"] not in kinds:
            continue
        marks = [pytest.mark.xfail(strict=True, reason=case["gap"])] if case["gap"] else []
        out.append(pytest.param(case, id=case["file"], marks=marks))
    return out


@contextmanager
def time_limit(seconds: int):
    def _raise(signum, frame):
        raise TimeoutError(f"no answer within {seconds} s")

    old = signal.signal(signal.SIGALRM, _raise)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def reader_options(args: str) -> dict:
    """The CLI options of a case as read_transactions keywords."""
    words, options = args.split(), {}
    for i, word in enumerate(words):
        if word == "--encoding":
            options["encoding"] = words[i + 1]
        elif word == "--names":
            options["names"] = words[i + 1].split(",")
        elif word == "--dayfirst":
            options["dayfirst"] = True
    return options


def read_case(case: dict):
    """``(transactions, None)`` or ``(None, the KamlabError)``; anything else propagates."""
    with time_limit(TIME_LIMIT):
        try:
            return read_transactions(CORPUS / case["file"], **reader_options(case["args"])), None
        except KamlabError as exc:
            return None, exc


def assert_clear_refusal(case: dict, exc: Exception, phrase: str) -> None:
    message = str(exc)
    assert "\n" not in message.strip(), f"multi-line message: {message!r}"
    assert case["file"] in message, f"message does not name the file: {message!r}"
    assert phrase.lower() in message.lower(), f"{phrase!r} not in {message!r}"


def naive_utc(ts: pd.Timestamp) -> pd.Timestamp:
    """A time-zone-aware timestamp as UTC wall time; a naive one as it is."""
    return ts.tz_convert("UTC").tz_localize(None) if ts.tzinfo is not None else ts


def reasons_of(text: str) -> dict:
    return {k: int(v) for k, v in (p.split("=") for p in text.split(";") if p)}


def assert_no_live_formula(path: Path, n_records: int) -> None:
    """Every cell of a written CSV is inert, and the file re-reads to its records."""
    with path.open(encoding="utf-8", newline="") as fh:
        records = list(csv.reader(fh, strict=True))
    assert len(records) == n_records + 1, (
        f"{path.name}: {len(records) - 1} records, wrote {n_records}"
    )
    for record in records:
        for cell in record:
            stripped = cell.lstrip("".join(chr(c) for c in range(33)) + "\x7f\u00a0")
            assert not (LIVE_FORMULA.match(stripped) and not PLAIN_NUMBER.match(stripped)), (
                f"{path.name}: live formula {cell!r}"
            )


# ------------------------------------------------------------------------------- data


@pytest.mark.parametrize("case", params("data"))
def test_every_row_is_accounted_for_and_no_value_changes(case, tmp_path):
    tx, refusal = read_case(case)
    if case["outcome"] == "refused":
        assert tx is None, f"read {tx.counts()}; expected a refusal with {case['phrase']!r}"
        assert_clear_refusal(case, refusal, case["phrase"])
        return
    if case["outcome"] == "malformed":  # refused naming a line, or the bad lines quarantined
        if refusal is not None:
            assert_clear_refusal(case, refusal, "")
            assert re.search(r"\b(line|row)s? \d", str(refusal)), f"names no line: {refusal}"
            return
        text = (CORPUS / case["file"]).read_text(encoding=case["encoding"])
        lines = [ln for ln in text.splitlines() if ln.strip()][1:]
        assert tx.n_read == len(lines), f"{len(lines)} data lines, {tx.n_read} rows read"
        assert any("malformed" in r for r in tx.counts()["by_reason"]), tx.counts()
        return
    assert refusal is None, f"refused: {refusal}"
    c = tx.counts()
    assert c["accepted"] + c["quarantined"] == c["read"] == len(tx.data) + len(tx.quarantine)
    if case["rows"]:
        assert c["read"] == int(case["rows"]), "rows read differ from a strict csv reader's"
    if case["accepted"]:
        assert (c["accepted"], c["quarantined"]) == (
            int(case["accepted"]),
            int(case["quarantined"]),
        )
    expected = reasons_of(case["reasons"])
    if "*" in expected:
        assert sum(c["by_reason"].values()) == expected["*"]
    elif case["accepted"]:
        assert c["by_reason"] == expected
    accepted = tx.data.set_index("row")
    for row, account_id, date, revenue in VALUES.get(case["file"], []):
        assert row in accepted.index, f"row {row} ({account_id}, {date}) not accepted"
        got = accepted.loc[row]
        assert got["account_id"] == account_id, f"row {row}: id {got['account_id']!r}"
        assert naive_utc(got["date"]) == naive_utc(pd.Timestamp(date)), (
            f"row {row}: date {got['date']}"
        )
        assert got["revenue"] == pytest.approx(revenue, rel=1e-12), f"row {row}: revenue"
    _written_csvs_are_inert(tx, tmp_path)


def _written_csvs_are_inert(tx, tmp_path: Path) -> None:
    from kamlab.summary import summarize

    outputs = {"accepted.csv": tx.data, "quarantine.csv": tx.quarantine}
    if len(tx.data):
        outputs["summary.csv"] = summarize(tx).reset_index()
    for name, frame in outputs.items():
        path = write_csv(frame, tmp_path / name, index=False)
        assert_no_live_formula(path, len(frame))


CLI_SUBSET = re.compile(
    r"formula|quote|embedded|bare_cr|bom|html|bidi|zero_width|trailing|mixed_sep|mixed_time|nul|empty|ragged|encoding|2262|parquet_list|excel"
)


@pytest.mark.parametrize("case", [p for p in params("data") if CLI_SUBSET.search(p.id)])
def test_cli_summarize_ends_cleanly_and_writes_inert_csv(case, tmp_path, capsys):
    from kamlab.cli import main

    out = tmp_path / "summary.csv"
    argv = ["summarize", str(CORPUS / case["file"]), "--out", str(out), *case["args"].split()]
    with time_limit(TIME_LIMIT):
        code = main(argv)
    err = capsys.readouterr().err
    assert "unexpected error" not in err and "Traceback" not in err, err
    errors = [ln for ln in err.splitlines() if ": error: " in ln]
    if case["outcome"] == "ok":
        assert code == 0, err
        accounts = re.search(r"summary: ([\d,]+) accounts", err)
        assert_no_live_formula(out, int(accounts.group(1).replace(",", "")))
        quarantined = re.search(r"quarantine: ([\d,]+) rows", err)
        if quarantined:
            n = int(quarantined.group(1).replace(",", ""))
            assert_no_live_formula(out.with_name("summary_quarantine.csv"), n)
    elif case["outcome"] == "refused":
        assert code == 2 and len(errors) == 1, err
    else:  # malformed: refused, or the bad lines quarantined as such
        assert code == 2 or "malformed" in err, err


# ------------------------------------------------------------------------------- YAML

BOMBS = {"criteria_alias_bomb.yaml", "costs_alias_bomb.yaml"}


def load_config(case: dict):
    from kamlab.portfolio.criteria import load_criteria
    from kamlab.value.pnl import load_cost_rates

    load = load_criteria if case["kind"] == "criteria" else load_cost_rates
    return load(CORPUS / case["file"])


@pytest.mark.parametrize("case", [p for p in params(("criteria", "costs")) if p.id not in BOMBS])
def test_bad_yaml_is_refused_in_one_line_naming_the_file(case):
    with time_limit(TIME_LIMIT):
        with pytest.raises(KamlabError) as err:
            load_config(case)
    assert_clear_refusal(case, err.value, case["phrase"])


@pytest.mark.parametrize("case", [p for p in params(("criteria", "costs")) if p.id in BOMBS])
def test_a_yaml_alias_bomb_is_refused_fast_within_bounded_memory(case):
    """Run in a child with 1 GB of address space and a 10 s limit, so a bomb cannot hurt CI."""
    loader = (
        "from kamlab.portfolio.criteria import load_criteria as load"
        if case["kind"] == "criteria"
        else "from kamlab.value.pnl import load_cost_rates as load"
    )
    script = (
        "import resource, sys\n"
        "resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))\n"
        f"{loader}\n"
        "from kamlab.errors import KamlabError\n"
        "try:\n"
        f"    load({str(CORPUS / case['file'])!r})\n"
        "except KamlabError as exc:\n"
        "    print(exc); sys.exit(2)\n"
    )
    try:
        run = subprocess.run(
            [sys.executable, "-c", script], capture_output=True, text=True, timeout=10
        )
    except subprocess.TimeoutExpired:
        pytest.fail("no answer within 10 s")
    assert run.returncode == 2, run.stderr[-500:]
    assert_clear_refusal(case, RuntimeError(run.stdout.strip()), case["phrase"])
