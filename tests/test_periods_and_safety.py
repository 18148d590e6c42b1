"""Report periods, formula neutralising and atomic writes."""

import pandas as pd
import pytest

from kamlab import ConfigError
from kamlab.periods import parse_period, period_of
from kamlab.safe import atomic_path, neutralise_frame, neutralise_text


@pytest.mark.parametrize(
    "text, start, end",
    [
        ("2026Q3", "2026-07-01", "2026-09-30"),
        ("2026-q1", "2026-01-01", "2026-03-31"),
        ("2026-09", "2026-09-01", "2026-09-30"),
        ("2024-02", "2024-02-01", "2024-02-29"),
        ("2026", "2026-01-01", "2026-12-31"),
    ],
)
def test_periods(text, start, end):
    p = parse_period(text)
    assert (str(p.start.date()), str(p.end.date())) == (start, end)


def test_previous_period_and_quarter_of_a_date():
    assert parse_period("2026Q1").previous().label == "2025Q4"
    assert parse_period("2026-01").previous().label == "2025-12"
    assert period_of("2026-08-15").label == "2026Q3"


@pytest.mark.parametrize("bad", ["2026Q5", "Q3 2026", "26Q3", "2026-13", ""])
def test_bad_periods_say_what_is_expected(bad):
    with pytest.raises(ConfigError, match="expected a quarter"):
        parse_period(bad)


@pytest.mark.parametrize(
    "value, expected",
    [
        ('=HYPERLINK("http://x","y")', '\'=HYPERLINK("http://x","y")'),
        ("+1+2", "'+1+2"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("-12.5", "-12.5"),  # a plain number is not a formula
        ("Acme Ltd", "Acme Ltd"),
        (42, 42),
    ],
)
def test_formula_cells_are_neutralised(value, expected):
    assert neutralise_text(value) == expected


def test_neutralise_frame_leaves_numbers_and_dates_alone():
    frame = pd.DataFrame({"name": ["=1+1", "ok"], "amount": [-1.0, 2.0]}, index=["@a", "b"])
    out = neutralise_frame(frame)
    assert out["name"].tolist() == ["'=1+1", "ok"]
    assert out["amount"].tolist() == [-1.0, 2.0]
    assert list(out.index) == ["'@a", "b"]


def test_atomic_path_leaves_the_old_file_when_writing_fails(tmp_path):
    target = tmp_path / "out.csv"
    target.write_text("old")
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_text("half")
        raise RuntimeError("boom")
    assert target.read_text() == "old"
    assert list(tmp_path.iterdir()) == [target]


@pytest.mark.parametrize("value", [" =cmd()", "\x00@SUM(A1)", "\n+1+1", "  -2+3*cmd"])
def test_a_formula_behind_leading_whitespace_or_control_characters_is_neutralised(value):
    assert neutralise_text(value) == "'" + value


def test_a_carriage_return_in_a_name_cannot_break_a_csv_line(tmp_path):
    import csv

    from kamlab.safe import write_csv

    frame = pd.DataFrame({"account_name": ["\r=1+1+X", "plain"], "revenue": [1.5, 2.0]})
    path = write_csv(frame, tmp_path / "out.csv", index=False)
    with open(path, newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    assert rows == [["account_name", "revenue"], ["'\r=1+1+X", "1.5"], ["plain", "2.0"]]
    assert pd.read_csv(path)["revenue"].tolist() == [1.5, 2.0]


def test_written_files_follow_the_users_umask(tmp_path):
    import os

    from kamlab.safe import write_csv

    old = os.umask(0o022)
    try:
        path = write_csv(pd.DataFrame({"a": [1]}), tmp_path / "out.csv")
    finally:
        os.umask(old)
    assert path.stat().st_mode & 0o777 == 0o644
