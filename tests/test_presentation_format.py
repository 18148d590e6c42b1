"""One way to write money, percentages and counts for people (kamlab.presentation.format)."""

from __future__ import annotations

import math

import pytest

from kamlab.presentation.format import count, money, percent, probability
from kamlab.presentation.labels import format_value
from kamlab.words import agreeing, counted


@pytest.mark.parametrize(
    ("value", "short", "text"),
    [
        (1234.4, False, "GBP 1,234"),
        (-950.0, False, "GBP -950"),
        (7_901_000.0, True, "GBP 7.9m"),
        (412_345.0, True, "GBP 412k"),
        (-12_345.0, True, "-GBP 12.3k"),
        (950.0, True, "GBP 950"),
        (math.nan, False, "n/a"),
        (math.inf, True, "GBP n/a"),
    ],
)
def test_money_whole_units_or_three_significant_figures(value, short, text):
    assert money(value, short=short) == text


def test_money_names_its_currency():
    assert money(2500, "EUR") == "EUR 2,500"


def test_percent_and_count():
    assert percent(0.275) == "28%"
    assert percent(0.275, 1, sign=True) == "+27.5%"
    assert percent(math.nan) == "n/a"
    assert count(12345) == "12,345"
    assert count(-3, sign=True) == "-3" and count(12, sign=True) == "+12"
    assert count(None) == "n/a"


def test_money_cells_keep_pence_only_where_there_are_pence():
    from kamlab.presentation.format import amount

    assert [amount(v) for v in (0.0, -0.0, 500.0, 12.5, 117_635.2)] == [
        "0",
        "0",
        "500",
        "12.50",
        "117,635",
    ]


def test_a_number_that_rounds_to_zero_has_no_sign():
    """A balance of -0.004 after matching is printed "0.00", never "-0.00"."""
    from kamlab.presentation.format import hours, number, points, score

    assert number(-0.004, sign=True) == "0.00" and number(-0.004) == "0.00"
    assert number(0.004, sign=True) == "0.00" and number(-0.02, sign=True) == "-0.02"
    assert percent(-0.004) == "0%" and percent(0.004, sign=True) == "0%"
    assert points(-0.0004) == "0.0 pp" and points(0.002) == "+0.2 pp"
    assert count(-0.4, sign=True) == "0" and score(-0.04) == "0.0"
    assert hours(-0.04, sign=True) == "0.0"


@pytest.mark.parametrize(
    ("p", "text"),
    [(0.0, "0%"), (0.003, "<1%"), (0.006, "1%"), (0.83, "83%"), (0.994, "99%"),
     (0.997, ">99%"), (1.0, "100%"), (math.nan, "n/a")],
)  # fmt: skip
def test_a_probability_near_0_or_1_is_not_shown_as_certain(p, text):
    assert probability(p) == text
    assert format_value(p, "probability") == (text if p == p else "-")


def test_weeks_read_with_one_decimal_always_so_a_column_lines_up():
    assert format_value(6.9, "weeks") == "6.9"
    assert format_value(92.857, "weeks") == "92.9"
    assert format_value(87.0, "weeks") == "87.0"
    assert format_value(1104.3, "weeks") == "1,104.3"


def test_a_count_of_things_says_one_thing_or_several_things():
    assert counted(1, "account") == "1 account"
    assert counted(2000, "account") == "2,000 accounts"
    assert counted(0, "key account") == "0 key accounts"
    assert counted(3, "company", "companies") == "3 companies"
    assert [agreeing(1), agreeing(0), agreeing(2, "was", "were")] == ["is", "are", "were"]
