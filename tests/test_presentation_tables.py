"""Tables for readers: every column labelled, every cell written by its kind
(kamlab.presentation.labels, kamlab.presentation.tables)."""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd
import pytest

from kamlab.presentation.labels import KINDS, LABELS, format_value, kind_of, label
from kamlab.presentation.tables import describe_for_reader, for_reader

SNAKE = re.compile(r"[a-z0-9]+_[a-z0-9_]+")


def test_every_catalogue_label_is_words_with_a_known_kind():
    for name, entry in LABELS.items():
        text = entry.text.replace("{currency}", "GBP")
        assert "_" not in text, name
        assert text[:1] == text[:1].upper() or text.startswith("P("), name
        assert entry.kind in KINDS, name


def test_money_labels_name_the_currency_and_cells_do_not():
    assert label("value_at_stake", currency="EUR") == "Value at stake (EUR a year)"
    assert label("contribution") == "Contribution, last 12 months (GBP)"
    assert label("probability_alive") == "P(alive)"
    assert label("days_since_last_purchase") == "Days since last purchase"
    assert format_value(203098.0, "money") == "203,098"


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("value_at_risk", "Value at risk (GBP)"),
        ("some_new_measure", "Some new measure"),
        ("cts_kam_hours", "Cost to serve: KAM hours (GBP)"),
        ("cts_service_calls", "Cost to serve: service calls (GBP)"),
        ("median_order_value", "Median order value (GBP)"),
        ("share_of_net_revenue", "Share of net revenue"),
        ("box_before", "Box, before"),
        ("tier_after", "Tier, after"),
        ("strength_change", "Change in relative strength (1-10)"),
        (("box", "tier"), "Box, Tier"),
        (3, "3"),
        (None, ""),
    ],
)
def test_a_name_outside_the_catalogue_is_derived_or_humanised(name, text):
    assert label(name) == text


@pytest.mark.parametrize(
    ("value", "kind", "text"),
    [
        (203098.0, "money", "203,098"),
        (-203098.4, "money", "-203,098"),
        (12.5, "money", "12.50"),
        (0.257, "share", "25.7%"),
        (0.002, "share_change", "+0.2 pp"),
        (-0.002, "share_change", "-0.2 pp"),
        (300.0, "count", "300"),
        (12345, "count", "12,345"),
        (-0.25, "percent_change", "-25%"),
        (0.12, "percent_change", "+12%"),
        (0.834, "probability", "83%"),
        (7.25, "score", "7.2"),
        (7.26, "score", "7.3"),
        (12.25, "hours", "12.2"),
        (40.0, "hours", "40"),
        (1250.4, "hours", "1,250"),
        (45.0, "days", "45"),
        (pd.Timestamp("2026-06-30 13:00"), "date", "2026-06-30"),
        ("2026-06-30", "date", "2026-06-30"),
        (1.23456, "number", "1.23"),
        (1.23456, "ratio", "1.23"),
        (24945944.3, "number", "24,945,944"),
        (True, "text", "yes"),
        ("Strategic", "text", "Strategic"),
    ],
)
def test_every_kind_formats_as_specified(value, kind, text):
    assert format_value(value, kind) == text


@pytest.mark.parametrize("missing", [math.nan, None, pd.NaT, np.inf, pd.NA])
@pytest.mark.parametrize("kind", ["money", "share", "count", "date", "text", "share_change"])
def test_a_missing_value_reads_a_dash(missing, kind):
    assert format_value(missing, kind) == "-"


def test_an_unknown_kind_is_refused_with_the_kinds():
    with pytest.raises(ValueError, match="money"):
        format_value(1.0, "currency")


def test_changes_carry_a_sign():
    assert format_value(1200.0, "money", sign=True) == "+1,200"
    assert format_value(-3.0, "count", sign=True) == "-3"


@pytest.mark.parametrize(
    ("values", "kind"),
    [
        (pd.Series([1.0, 2.0]), "count"),
        (pd.Series([1, 2]), "count"),
        (pd.Series([1.5, 2.0]), "number"),
        (pd.Series(["a", "b"]), "text"),
        (pd.Series([True, False]), "text"),
        (pd.Series(pd.to_datetime(["2026-01-01"])), "date"),
    ],
)
def test_kind_falls_back_on_the_dtype(values, kind):
    assert kind_of("not_in_the_catalogue", values) == kind


def test_kind_comes_from_the_catalogue_first():
    assert kind_of("revenue", pd.Series([1, 2])) == "money"
    assert kind_of("share_of_accounts") == "share"
    assert kind_of("retention_change") == "share_change"


def _accounts() -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "account_name": ["<script>alert(1)</script>", "=cmd()"],
            "revenue": [203098.0, 12.5],
            "orders": [300.0, 2.0],
            "share_of_revenue": [0.257, np.nan],
            "last_purchase": pd.to_datetime(["2026-06-30", None]),
        },
        index=pd.Index(["A0001", "A0002"], name="account_id"),
    )
    return frame


def test_the_index_becomes_the_first_labelled_column():
    table = for_reader(_accounts())
    assert list(table.frame.columns[:2]) == ["Account", "Account name"]
    assert table.frame["Account"].tolist() == ["A0001", "A0002"]
    assert isinstance(table.frame.index, pd.RangeIndex)
    assert table.frame.columns.name is None


def test_index_false_drops_the_index_and_a_plain_index_is_not_shown():
    assert "Account" not in for_reader(_accounts(), index=False).frame.columns
    assert list(for_reader(_accounts().reset_index(drop=True)).frame.columns)[0] == "Account name"


def test_cells_are_strings_formatted_by_kind_and_headers_are_labels():
    table = for_reader(_accounts(), columns=["orders", "revenue", "share_of_revenue"])
    frame = table.frame
    assert list(frame.columns) == [
        "Account",
        "Orders",
        "Net revenue, last 12 months (GBP)",
        "Share of net revenue, last 12 months",
    ]
    assert frame.iloc[0].tolist() == ["A0001", "300", "203,098", "25.7%"]
    assert frame.iloc[1].tolist() == ["A0002", "2", "12", "-"]  # whole units, as 203,098
    assert table.kinds["Orders"] == "count"
    assert all(isinstance(v, str) for v in frame.to_numpy().ravel())
    assert not any(SNAKE.search(c) for c in frame.columns)


def test_an_unknown_column_is_refused_naming_it():
    with pytest.raises(KeyError, match="clv"):
        for_reader(_accounts(), columns=["clv"])


def test_overrides_of_label_and_kind():
    table = for_reader(
        _accounts(), columns=["revenue"], labels={"revenue": "Revenue, 33 months (GBP)"},
        kinds={"revenue": "count"},
    )  # fmt: skip
    assert table.frame["Revenue, 33 months (GBP)"].tolist() == ["203,098", "12"]


def test_html_is_escaped_classed_and_deterministic():
    table = for_reader(_accounts(), title="Top <accounts>")
    text = table._repr_html_()
    assert text == for_reader(_accounts(), title="Top <accounts>")._repr_html_()
    assert text.startswith('<table class="kamlab-table">')
    assert "<script>" not in text and "&lt;script&gt;" in text
    assert "=cmd()" in text and "Top &lt;accounts&gt;" in text
    assert '<td class="num">203,098</td>' in text
    assert '<td class="text">A0001</td>' in text
    assert '<td class="num">2026-06-30</td>' in text
    assert re.search(r"\bid=", text) is None and "style=" not in text
    assert text.count("<tr>") == 3  # one header row: no row holding the index name


def test_text_form_is_the_frame_without_index_and_deterministic():
    table = for_reader(_accounts())
    assert repr(table) == table.frame.to_string(index=False)
    assert repr(table) == repr(for_reader(_accounts()))
    assert repr(for_reader(_accounts(), title="T")).startswith("T\n")


def test_a_series_and_a_multiindex_are_shown():
    series = pd.Series([0.5, 0.25], index=pd.Index(["Star", "Status"], name="box"), name="share")
    table = for_reader(series)
    assert table.frame.to_dict("list") == {"Box": ["Star", "Status"], "Share": ["50.0%", "25.0%"]}
    frame = pd.DataFrame({"accounts": [3, 4]}, index=pd.MultiIndex.from_tuples(
        [("key", "active"), ("key", "lapsing")], names=["tier", "health"]))  # fmt: skip
    assert list(for_reader(frame).frame.columns) == ["Tier", "Health", "Accounts"]


def test_rows_of_different_kinds_and_a_change_in_points():
    headline = pd.DataFrame(
        {"this period": [231.0, 9_980_000.0, 0.646], "previous period": [228.0, 9e6, 0.648]},
        index=pd.Index(["accounts", "net revenue", "key share"], name="headline"),
    )
    headline["change"] = headline["this period"] - headline["previous period"]
    table = for_reader(
        headline, row_kinds={"accounts": "count", "net revenue": "money", "key share": "share"}
    )
    assert table.frame.columns.tolist() == ["Measure", "This period", "Previous period", "Change"]
    assert table.frame["This period"].tolist() == ["231", "9,980,000", "64.6%"]
    assert table.frame["Change"].tolist() == ["+3", "+980,000", "-0.2 pp"]


def test_describe_for_reader_counts_whole_and_money_as_money():
    frame = pd.DataFrame({"revenue": [203098.0, 1000.0, 50.0], "orders": [3.0, 4.0, 5.0]})
    table = describe_for_reader(frame)
    assert table.frame.columns.tolist() == ["", "Net revenue, last 12 months (GBP)", "Orders"]
    rows = table.frame.set_index("")
    assert rows.loc["Accounts"].tolist() == ["3", "3"]
    assert rows.loc["Highest", "Net revenue, last 12 months (GBP)"] == "203,098"
    assert rows.loc["Median", "Orders"] == "4.00"
    assert not any("." in v and len(v.split(".")[1]) > 2 for v in rows.to_numpy().ravel())


def test_a_table_whose_rows_are_measures_reads_row_by_row():
    overview = pd.Series(
        {"accounts": 300, "first_date": "2024-01-03", "lines": 12000, "orders": pd.NA,
         "sales": 24945944.3, "returns": 12.5, "returns_share": 0.0234, "new_thing": 3.14159}
    ).to_frame()  # fmt: skip
    table = for_reader(overview, by_row=True)
    assert table.frame.columns.tolist() == ["", "Value"]
    assert table.frame.to_numpy().tolist() == [
        ["Accounts", "300"],
        ["First date", "2024-01-03"],
        ["Lines", "12,000"],
        ["Orders", "-"],
        ["Sales (GBP)", "24,945,944"],
        ["Returns (GBP)", "12.50"],
        ["Returns share", "2.3%"],
        ["New thing", "3.14"],
    ]


def test_the_headline_table_says_how_its_rows_read():
    from kamlab.presentation.executive import headline_table

    table = pd.DataFrame(
        {
            "tier": ["key", "maintain"],
            "box": ["Strategic", "Status"],
            "revenue": [900.0, 100.0],
            "contribution": [200.0, -50.0],
            "prospect": [False, False],
            "exit_recommendation": ["", "exit completely"],
        }
    )
    shown = for_reader(headline_table(table, table)).frame.set_index("Measure")
    assert shown.loc["Key accounts' share of revenue"].tolist() == ["90.0%", "90.0%", "0.0 pp"]
    assert shown.loc["Net revenue, last 12 months"].tolist() == [
        "1,000",
        "1,000",
        "0",
    ]  # no change: a whole 0, not 0.00
    assert shown.loc["Key accounts", "This period"] == "1"


@pytest.mark.parametrize(
    ("value", "kind", "text"),
    [(-0.001, "percent_change", "0%"), (0.0, "share_change", "0.0 pp"), (0.0, "count", "0")],
)
def test_no_change_has_no_sign(value, kind, text):
    assert format_value(value, kind, sign=True) == text


def test_long_text_gets_room_and_a_wide_table_may_go_landscape():
    frame = pd.DataFrame({"exit_reasons": ["loses money even on the lowest tier's service model"],
                          "tier": ["maintain"]})  # fmt: skip
    text = for_reader(frame, landscape=True)._repr_html_()
    assert text.startswith('<table class="kamlab-table landscape">')
    assert '<td class="text long">loses money' in text and '<td class="text">maintain' in text
    assert for_reader(frame).to_html().startswith('<table class="kamlab-table">')


def test_describe_for_reader_transposed_has_a_row_per_measure():
    frame = pd.DataFrame({"order_value": [1200.0, 95.5], "margin_share": [0.25, 0.3]})
    table = describe_for_reader(frame, transpose=True)
    assert table.frame.columns.tolist()[:3] == ["", "Accounts", "Mean"]
    assert table.frame[""].tolist() == ["Order value (GBP)", "Margin share"]
    assert table.frame["Highest"].tolist() == ["1,200", "30.0%"]
    assert table.kinds["Mean"] == "number" and table.kinds[""] == "text"


def test_describe_for_reader_of_an_unnamed_series_and_of_nothing():
    table = describe_for_reader(pd.Series([3.0, 5.0]), count_label="Gaps")
    assert table.frame.columns.tolist() == ["", "Value"]
    assert table.frame.iloc[0].tolist() == ["Gaps", "2"]
    assert describe_for_reader(pd.DataFrame({"a": ["x"]})).frame.empty


def test_a_unit_in_the_name_gives_the_kind():
    assert kind_of("repeat_share", pd.Series([1.0])) == "share"
    assert kind_of("lead_days", pd.Series([1.5])) == "days"
    assert kind_of("plan_hours", pd.Series([1.5])) == "hours"
    assert label("repeat_share") == "Repeat share"


def test_numbers_held_as_objects_are_numbers_and_text_never_shows_a_long_fraction():
    assert kind_of("x", pd.Series([1, 2.5, pd.NA], dtype=object)) == "number"
    assert kind_of("x", pd.Series([1, "a"], dtype=object)) == "text"
    assert kind_of("x", pd.Series([True, None], dtype=object)) == "text"
    assert format_value(0.123456, "text") == "0.12" and format_value(2026, "text") == "2026"


def test_a_money_column_of_thousands_shows_no_pence_in_any_cell():
    frame = pd.DataFrame(
        {"contribution": [24215.4, 53.11, -7.5, np.nan], "revenue": [53.11, 12.5, 0.0, 9.0]}
    )
    table = for_reader(frame, index=False).frame
    assert table.iloc[:, 0].tolist() == ["24,215", "53", "-8", "-"]
    assert table.iloc[:, 1].tolist() == ["53.11", "12.50", "0", "9"]  # all small: pence


def test_an_empty_table_says_none_instead_of_showing_bare_headers():
    """Online Retail's watch list had no likely-lost account: the report showed the list's
    title over column headers and no rows. An empty table reads "None." under its headers,
    in HTML and in text."""
    empty = pd.DataFrame({"account_name": pd.Series([], dtype="string"), "clv": []})
    table = for_reader(empty, title="Likely lost: for a win-back call")
    html_text = table.to_html()
    assert '<td class="text" colspan="2">None.</td>' in html_text
    assert "Likely lost: for a win-back call" in html_text
    assert repr(table).endswith("None.")


def test_an_account_without_a_name_is_shown_by_its_id():
    """Online Retail has no names: the plan's "ten accounts with the most hours" showed
    "-" in every row, with the ids dropped (index=False): a list of nobody."""
    frame = pd.DataFrame(
        {"account_name": [None, "Acme Ltd"], "hours": [12.0, 8.0]},
        index=pd.Index(["14911", "A2"], name="account_id"),
    )
    table = for_reader(frame, columns=["account_name", "hours"], index=False)
    assert table.frame.iloc[:, 0].tolist() == ["14911", "Acme Ltd"]
