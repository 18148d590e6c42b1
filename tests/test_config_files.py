"""Configuration files cannot hang, crash or mislead kamlab (kamlab.yamlfile and the readers
of the criteria, the cost-to-serve rates, a columns file and report.yaml).

Every YAML file is read within limits (1 MB, 500 values through aliases, 32 levels of
nesting), every value is checked for its type and range, and every refusal is one line
naming the file (and the line where the YAML itself is wrong) and the fix.
"""

from __future__ import annotations

import copy
import math
import time
import tracemalloc
from importlib import resources

import numpy as np
import pandas as pd
import pytest
import yaml

import kamlab.cli as cli
from kamlab import report
from kamlab.datasets import make_sample
from kamlab.errors import ConfigError, InputError
from kamlab.io import load_mapping_file
from kamlab.portfolio import load_criteria
from kamlab.value import customer_pnl, load_cost_rates
from kamlab.yamlfile import MAX_ALIAS_VALUES, MAX_BYTES, MAX_DEPTH, MAX_VALUES, read_yaml


def alias_bomb(levels: int = 9, width: int = 9) -> str:
    """A "billion laughs": each level lists the one before ``width`` times (9^9 values)."""
    lines = ["a0: &a0 [" + ", ".join(["lol"] * width) + "]"]
    for k in range(1, levels):
        lines.append(f"a{k}: &a{k} [" + ", ".join([f"*a{k - 1}"] * width) + "]")
    return "\n".join(lines) + "\n"


def refused(call, *args, seconds: float | None = None) -> str:
    """The one-line ConfigError message of ``call(*args)`` (given within ``seconds``)."""
    start = time.perf_counter()
    with pytest.raises(ConfigError) as caught:
        call(*args)
    assert seconds is None or time.perf_counter() - start < seconds
    message = str(caught.value)
    assert "\n" not in message and "^" not in message, message
    return message


# --- the limits of the reader ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "loader", "section"),
    [
        ("criteria.yaml", load_criteria, "strength:\n  quality: {weight: *a8, judgement: q}\n"),
        ("rates.yaml", load_cost_rates, "transaction_drivers:\n  order: *a8\n"),
        ("columns.yaml", load_mapping_file, "account_id: *a8\n"),
    ],
)
def test_an_alias_bomb_is_refused_within_a_second_and_without_memory(write, name, loader, section):
    path = write(name, alias_bomb() + section)
    tracemalloc.start()
    try:
        message = refused(loader, path, seconds=1.0)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 5_000_000  # bytes: the 9^9 values are never built
    assert message.startswith(f"{path}, line 3: cannot read")
    assert f"more than {MAX_ALIAS_VALUES} values (an alias bomb?)" in message


def test_ordinary_aliases_and_merge_keys_still_work(write):
    text = (
        "base: &base {x: 1, y: 2}\n"
        "mine:\n  <<: *base\n  y: 3\n"
        "drivers: &d [kam_hours, service_calls]\n"
        "again: *d\n"
    )
    data = read_yaml(write("a.yaml", text), "a test")
    assert data["mine"] == {"x": 1, "y": 3} and data["again"] == ["kam_hours", "service_calls"]


def test_a_file_larger_than_the_limit_is_refused_before_it_is_parsed(write):
    path = write("criteria.yaml", "# padding\n" * (MAX_BYTES // 10 + 1))
    assert refused(load_criteria, path, seconds=1.0) == (
        f"{path}: cannot read the criteria: the file is larger than 1 MB, the limit for a "
        "configuration file; check it is the right file"
    )


def test_a_file_of_more_values_than_the_limit_is_refused_and_one_within_it_is_read_fast(write):
    rows = [f"k{i}: {{a: [1, 2, 3], b: text}}" for i in range(MAX_VALUES // 9 + 1)]
    message = refused(read_yaml, write("many.yaml", "\n".join(rows)), "a test", seconds=1.0)
    assert f"the file holds more than {MAX_VALUES:,} values (keys included)" in message
    start = time.perf_counter()
    assert len(read_yaml(write("ok.yaml", "\n".join(rows[:-2])), "a test")) == len(rows) - 2
    assert time.perf_counter() - start < 2.0  # 0.2 s with libyaml, 1.4 s without


def test_nesting_deeper_than_the_limit_is_refused_with_its_line(write):
    text = "".join("  " * k + f"k{k}:\n" for k in range(MAX_DEPTH + 5)) + "  " * 40 + "x: 1\n"
    message = refused(load_criteria, write("deep.yaml", text), seconds=1.0)
    assert f", line {MAX_DEPTH + 1}: " in message
    assert f"nested more than {MAX_DEPTH} levels deep" in message
    flow = "a: " + "[" * 100_000 + "\n"  # a flow bomb, also refused in one line
    refused(load_criteria, write("flow.yaml", flow), seconds=1.0)


def test_a_yaml_syntax_error_names_the_file_and_line_in_one_line(write):
    path = write("criteria.yaml", "matrix:\n  strength_cutoff: 5\n   attractiveness_cutoff: 6\n")
    message = refused(load_criteria, path)
    assert message.startswith(f"{path}, line 3: cannot read the criteria: ")
    assert message.endswith(
        "; check the indentation, quotes, brackets and colons on that line or the one before"
    )


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "the file is empty (or only comments); copy kamlab/portfolio/criteria.yaml"),
        (b"# nothing but a comment\n", "the file is empty"),
        (b"- a list\n", "expected 'key: value' lines at the top level, got a list ['a list']"),
        (b"just words\n", "expected 'key: value' lines at the top level, got 'just words'"),
        (b"matrix:\n  strength_cutoff: 5\xff\n", "line 2: cannot read the criteria: not UTF-8"),
        (
            b"tiers:\n  key_cap: 5\n  key_cap: 50\n",
            "line 3: cannot read the criteria: the key 'key_cap' is given twice; keep one of them",
        ),
        (
            b"matrix: !!python/object/apply:os.system [echo hi]\n",
            "line 1: cannot read the "
            "criteria: the tag !!python/object/apply:os.system is not plain YAML; remove the tag",
        ),
        (b"health: &h {lapsing: *h}\n", "the alias *h is inside the value it names"),
        (
            b"matrix:\n  since: 2026-02-30\n",
            "line 2: cannot read the criteria: the value "
            "'2026-02-30' is not valid (day is out of range for month)",
        ),
        (
            b"tiers:\n  key_cap: 1" + b"0" * 5000 + b"\n",
            "line 2: cannot read the criteria: the value '1000",
        ),
        (
            b"matrix:\n  a: \x07\n",
            "line 2: cannot read the criteria: it holds a control character (#x7)",
        ),
    ],
)
def test_every_unreadable_file_gets_one_line_naming_it(write, content, expected):
    path = write("criteria.yaml", content)
    message = refused(load_criteria, path)
    assert message.startswith(str(path)) and expected in message


def test_a_missing_file_a_folder_and_a_device_are_one_line_each(tmp_path):
    assert refused(load_criteria, tmp_path / "nope.yaml").endswith(": no such file; check the path")
    assert refused(load_criteria, tmp_path).endswith("this is a folder; give the YAML file in it")
    assert "larger than 1 MB" in refused(
        load_criteria, "/dev/zero", seconds=1.0
    )  # endless: not read to the end


def test_a_byte_order_mark_is_allowed(write):
    path = write("criteria.yaml", b"\xef\xbb\xbftiers:\n  key_cap: 7\n")
    assert load_criteria(path).key_cap == 7


# --- cost-to-serve rates --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "transaction_drivers:\n  order: 1.0e+308\n",
            "transaction_drivers.order must be a number between 0 and 1e+09 (GBP per order), "
            "got 1e+308; give a value in that range",
        ),
        (
            "account_drivers:\n  kam_hours: yes\n",
            "account_drivers.kam_hours must be a number between 0 and 1e+09 (GBP per unit), got "
            "True; YAML reads yes/no/on/off/true/false as a yes-or-no value: write a number",
        ),
        (
            "transaction_drivers:\n  delivery: [25, 30]\n",
            "transaction_drivers.delivery must be a number between 0 and 1e+09 (GBP per "
            "delivery), got a list [25, 30]; give one number",
        ),
        ("transaction_drivers:\n  order: .inf\n", "got inf; give a finite number"),
        ("transaction_drivers:\n  order: -15\n", "got -15; give a value in that range"),
        ("transaction_drivers:\n  order: 1e3\n", "got '1e3'; YAML reads this as text"),
        (
            "financing:\n  payment_days: 100000\n",
            "payment_days must be a number between 0 and 3650",
        ),
        ("currency: [GBP]\n", "currency must be text, got a list ['GBP']"),
    ],
)
def test_a_rate_must_be_a_sane_finite_number(write, text, expected):
    path = write("rates.yaml", text)
    message = refused(load_cost_rates, path)
    assert message.startswith(f"{path}: ") and expected in message


# --- criteria -------------------------------------------------------------------------------


def test_weights_must_be_single_numbers_above_zero(write):
    path = write("c.yaml", "strength:\n  quality: {weight: [60, 40], judgement: quality}\n")
    assert refused(load_criteria, path) == (
        f"{path}: strength.quality.weight must be a number between 0 and 100, got a list "
        "[60, 40]; give one number"
    )
    text = (
        "strength:\n  quality: {weight: -50, judgement: q}\n  price: {weight: 150, judgement: p}\n"
    )
    assert "strength.quality.weight must be a number between 0 and 100, got -50" in refused(
        load_criteria, write("n.yaml", text)
    )
    text = "strength:\n  quality: {weight: 0, judgement: q}\n  price: {weight: 0, judgement: p}\n"
    assert "strength.quality: weight must be above 0, got 0" in refused(
        load_criteria, write("z.yaml", text)
    )


def _leaves(value, path=()):
    """Every scalar of a parsed YAML document, with its path of keys and list positions."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _leaves(item, (*path, key))
    elif isinstance(value, list):
        for k, item in enumerate(value):
            yield from _leaves(item, (*path, k))
    else:
        yield path


def _shipped(package: str, name: str) -> dict:
    return yaml.safe_load(resources.files(package).joinpath(name).read_text(encoding="utf-8"))


def _replaced(data: dict, path: tuple, value) -> dict:
    out = copy.deepcopy(data)
    node = out
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return out


def _named(path: tuple) -> str:
    """The last key name on ``path`` (a list position is named by the key above it)."""
    return next(str(p) for p in reversed(path) if isinstance(p, str))


CRITERIA = _shipped("kamlab.portfolio", "criteria.yaml")
RATES = _shipped("kamlab", "cost_to_serve.yaml")
HOSTILE = {"a list": [1, 2], "a yes": True, "infinity": math.inf, "a mapping": {"a": 1}}


@pytest.mark.parametrize("path", list(_leaves(CRITERIA)), ids=lambda p: ".".join(map(str, p)))
@pytest.mark.parametrize("hostile", list(HOSTILE), ids=str)
def test_every_value_of_criteria_yaml_is_checked_for_its_type(path, hostile):
    message = refused(load_criteria, _replaced(CRITERIA, path, HOSTILE[hostile]))
    assert _named(path) in message


@pytest.mark.parametrize("path", list(_leaves(RATES)), ids=lambda p: ".".join(map(str, p)))
@pytest.mark.parametrize("hostile", list(HOSTILE), ids=str)
def test_every_value_of_cost_to_serve_yaml_is_checked_for_its_type(path, hostile):
    message = refused(load_cost_rates, _replaced(RATES, path, HOSTILE[hostile]))
    assert _named(path) in message


@pytest.mark.parametrize(
    ("section", "expected"),
    [
        ({"matrix": {"strength_cutoff": 11}}, "strength_cutoff must be above 1 and at most 10"),
        ({"matrix": {"cutoff": 5}}, "unknown key 'cutoff' in matrix; known: attractiveness_"),
        ({"tiers": {"key_cap": 10**100}}, "tiers.key_cap must be a whole number between 1 and "),
        ({"tiers": {"key_cap": 2.5}}, "tiers.key_cap must be a whole number"),
        ({"potential": {"min_peers": 1e300}}, "potential.min_peers must be a whole number between"),
        ({"fallback": {"loyalty": {}}}, "unknown key 'loyalty' in fallback; known: attractiveness"),
        ({"exits": [{"action": "review", "whence": {}}]}, "unknown key 'whence' in exit rule 1"),
        (
            {"exits": [{"action": "review", "when": {"growth": {"below": "-0.5"}}}]},
            "exit rule 1 growth.below must be a finite number, got '-0.5'; YAML reads this as text",
        ),
    ],
)
def test_cutoffs_caps_and_sections_are_in_range_and_known(section, expected):
    assert expected in refused(load_criteria, section)


# --- a columns file and report.yaml ---------------------------------------------------------


def test_an_unknown_role_in_a_columns_file_names_the_file_and_the_roles(write):
    path = write("columns.yaml", "account_id: Kunde\ncolour: Farbe\n")
    message = refused(load_mapping_file, path)
    assert message.startswith(f"{path}: unknown role 'colour'; known roles: account_id, date, ")
    assert message.endswith("write 'ROLE: YOUR_COLUMN' with one of them")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("account_id: [Kunde, Kundin]\n", "account_id must be text or a whole number, got a list"),
        ("region: NO\n", "unknown role 'region'"),  # an accounts role, not a transactions one
        ("account_id: no\n", "account_id must be text or a whole number, got False; quote it"),
        ("columns: [account_id]\n", "columns must be 'role: column' lines"),
    ],
)
def test_a_columns_file_holds_text_or_whole_numbers_for_known_roles(write, text, expected):
    assert expected in refused(load_mapping_file, write("columns.yaml", text))


def test_a_columns_file_keeps_its_column_names_as_written(write):
    path = write("columns.yaml", "columns:\n  account_id: ' Customer ID'\n  date: 2024\n")
    assert load_mapping_file(path) == {"account_id": " Customer ID", "date": "2024"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            alias_bomb() + "notebooks: *a8\n",
            "line 3: cannot read the report declaration: the "
            "aliases stand for more than 500 values",
        ),
        ("notebooks: [a.ipynb\n", "line 2: cannot read the report declaration: "),
        ("notebooks: [a.ipynb]\nparameters: [[until]]\n", "parameters must be a list of names"),
        (
            "notebooks:\n  - {name: a.ipynb, needs: [[b]]}\n",
            "the needs of a.ipynb must be a list of notebooks or 'all'",
        ),
        (
            "notebooks: [a.ipynb]\ncell_timeout_s: .inf\n",
            "cell_timeout_s must be a number > 0 and <= 86400 (seconds), got inf",
        ),
    ],
)
def test_report_yaml_errors_are_one_line(tmp_path, text, expected):
    (tmp_path / report.SPEC_FILE).write_text(text, encoding="utf-8")
    assert expected in refused(report.report_spec, tmp_path)


# --- the P&L backstop -----------------------------------------------------------------------


def test_a_pnl_never_holds_infinity_even_from_extreme_valid_inputs():
    tx = pd.DataFrame(
        {
            "account_id": pd.array(["a", "b"], dtype="string"),
            "date": pd.to_datetime(["2025-03-01", "2025-06-01"]),
            "order_id": ["O1", "O2"],
            "revenue": [100.0, 200.0],
            "is_return": [False, False],
        }
    )
    accounts = pd.DataFrame(
        {"kam_hours": [1e300, 2.0]}, index=pd.Index(["a", "b"], name="account_id")
    )
    rates = {"account_drivers": {"kam_hours": 1e9}}  # both within their bounds
    with pytest.raises(InputError, match=r"cts_kam_hours for account a is too large to compute"):
        customer_pnl(tx, accounts, until="2025-12-31", rates=rates)
    accounts["kam_hours"] = [np.inf, 2.0]
    with pytest.raises(InputError, match=r"accounts column 'kam_hours' must hold counts per year"):
        customer_pnl(tx, accounts, until="2025-12-31", rates=rates)
    accounts["kam_hours"] = [3.0, 2.0]
    assert (
        np.isfinite(
            customer_pnl(tx, accounts, until="2025-12-31", rates=rates)
            .select_dtypes("number")
            .fillna(0)
        )
        .all()
        .all()
    )


# --- through the command line: exit 2, one line on stderr -----------------------------------


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> dict:
    return make_sample(40, seed=2).write(tmp_path_factory.mktemp("sample"))


@pytest.mark.parametrize(
    ("command", "option", "text", "expected"),
    [
        ("portfolio", "--config", alias_bomb() + "matrix: *a8\n", "(an alias bomb?)"),
        ("pnl", "--cost-rates", alias_bomb() + "financing: *a8\n", "(an alias bomb?)"),
        ("portfolio", "--config", "# empty\n", "the file is empty"),
        ("portfolio", "--config", "matrix:\n  a: 1\n b: 2\n", "line 3: cannot read the criteria"),
        (
            "portfolio",
            "--config",
            "strength:\n  q: {weight: [100], judgement: q}\n",
            "strength.q.weight must be a number between 0 and 100, got a list [100]",
        ),
        (
            "portfolio",
            "--config",
            "strength:\n  q: {weight: -100, judgement: q}\n",
            "strength.q.weight must be a number between 0 and 100, got -100",
        ),
        (
            "portfolio",
            "--config",
            "strength:\n  q: {weight: 100, measure: [revenue]}\n",
            "strength.q.measure must be text, got a list ['revenue']",
        ),
        (
            "pnl",
            "--cost-rates",
            "transaction_drivers:\n  order: 1.0e+308\n",
            "transaction_drivers.order must be a number between 0 and 1e+09",
        ),
        ("pnl", "--cost-rates", "transaction_drivers:\n  order: yes\n", "got True; YAML reads yes"),
        ("pnl", "--cost-rates", "transaction_drivers:\n  order: [1, 2]\n", "got a list [1, 2]"),
        ("validate", "--columns-file", "colour: Farbe\n", "unknown role 'colour'; known roles"),
        ("validate", "--columns-file", alias_bomb() + "account_id: *a8\n", "(an alias bomb?)"),
    ],
)
def test_the_command_line_stops_with_exit_2_and_one_line(
    sample, tmp_path, capsys, command, option, text, expected
):
    config = tmp_path / "config.yaml"
    config.write_text(text, encoding="utf-8")
    argv = [command, str(sample["transactions"]), option, str(config)]
    if command in ("portfolio", "pnl"):
        argv += ["--until", "2026-09-30", "--out", str(tmp_path / "out.csv")]
    start = time.perf_counter()
    code = cli.main(argv)
    err = capsys.readouterr().err.strip().splitlines()  # progress lines, then the error
    assert time.perf_counter() - start < 30
    assert code == 2
    assert [line for line in err if "error" in line] == err[-1:]
    assert err[-1].startswith(f"kamlab {command}: error: {config}") and expected in err[-1]
    assert not (tmp_path / "out.csv").exists()
