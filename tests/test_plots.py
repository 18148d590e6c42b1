"""kamlab.plots: every chart returns its Axes, titled and labelled, on tiny data (Agg)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402

from kamlab import explore, plots  # noqa: E402

TX = pd.DataFrame(
    {
        "account_id": ["a", "a", "a", "b", "c", "c"],
        "date": pd.to_datetime(
            ["2026-01-01", "2026-01-09", "2026-03-02", "2026-02-14", "2026-02-01", "2026-02-20"]
        ),
        "revenue": [10.0, 20.0, -5.0, 7.0, 30.0, 4.0],
    }
)
TX["is_return"] = TX["revenue"] < 0
SUMMARY = pd.DataFrame(
    {"revenue": [25.0, 7.0, 34.0]}, index=pd.Index(["a", "b", "c"], name="account_id")
)
ACCOUNTS = pd.DataFrame(
    {"industry": ["Retail", "Energy", "Retail"], "region": ["North", "North", "South"]},
    index=pd.Index(["a", "b", "c"], name="account_id"),
)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _check(ax):
    assert isinstance(ax, Axes)
    assert ax.get_title()
    assert ax.get_xlabel()
    assert ax.get_ylabel()
    return ax


CASES = {
    "quarantine_reasons": lambda ax: plots.quarantine_reasons(
        {
            "read": 10,
            "accepted": 7,
            "quarantined": 3,
            "by_reason": {"duplicate_line": 2, "zero_price": 1},
        },
        ax=ax,
    ),
    "concentration_curve": lambda ax: plots.concentration_curve(
        explore.concentration_curve(SUMMARY), ax=ax
    ),
    "monthly_revenue": lambda ax: plots.monthly_revenue(explore.monthly_revenue(TX), ax=ax),
    "interpurchase_histogram": lambda ax: plots.interpurchase_histogram(
        explore.interpurchase_days(TX), ax=ax
    ),
    "accounts_by_frame": lambda ax: plots.accounts_by(ACCOUNTS, "industry", ax=ax),
    "accounts_by_breakdown": lambda ax: plots.accounts_by(
        explore.breakdown(ACCOUNTS, "region", SUMMARY), "region", ax=ax
    ),
}


@pytest.mark.parametrize("name", list(CASES))
def test_plot_draws_on_given_axes(name):
    fig, ax = plt.subplots()
    assert _check(CASES[name](ax)) is ax
    assert ax.has_data()
    fig.canvas.draw()  # renders under Agg without error


@pytest.mark.parametrize("name", list(CASES))
def test_plot_uses_current_axes_by_default(name):
    plt.figure()
    current = plt.gca()
    assert CASES[name](None) is current


def test_plots_do_not_show_or_open_figures():
    before = plt.get_fignums()
    fig, ax = plt.subplots()
    plots.monthly_revenue(explore.monthly_revenue(TX), ax=ax)
    assert plt.get_fignums() == before + [fig.number]


def test_units_in_labels():
    fig, ax = plt.subplots()
    plots.monthly_revenue(explore.monthly_revenue(TX), ax=ax, currency="GBP")
    assert "GBP" in ax.get_ylabel()
    ax = plots.concentration_curve(explore.concentration_curve(SUMMARY), ax=plt.subplots()[1])
    assert "%" in ax.get_xlabel() and "%" in ax.get_ylabel()
    ax = plots.interpurchase_histogram(pd.Series([3, 10, 29]), ax=plt.subplots()[1])
    assert "days" in ax.get_xlabel()


def test_concentration_curve_marks_top_20_percent():
    curve = explore.concentration_curve(
        pd.Series([50.0, 20.0, 10.0, 10.0, 10.0], index=list("abcde"))
    )
    ax = plots.concentration_curve(curve, ax=plt.subplots()[1])
    texts = [t.get_text() for t in ax.texts]
    assert any("top 20% of accounts" in t and "50% of revenue" in t for t in texts)
    # the diagonal of equality is drawn
    assert any(list(line.get_xdata()) == [0, 100] for line in ax.get_lines())


def test_quarantine_reasons_accepts_every_form():
    table = explore.data_quality_table(
        {
            "read": 10,
            "accepted": 7,
            "quarantined": 3,
            "by_reason": {"duplicate_line": 2, "zero_price": 1},
        }
    )
    for data in (table, {"duplicate_line": 2, "zero_price": 1}, pd.Series({"zero_price": 1})):
        ax = plots.quarantine_reasons(data, ax=plt.subplots()[1])
        assert [t.get_text() for t in ax.get_yticklabels()][-1] in {"duplicate line", "zero price"}


def test_quarantine_reasons_largest_on_top_ties_by_rule():
    ax = plots.quarantine_reasons(
        {"zero_price": 2, "unparseable_date": 2, "duplicate_line": 5}, ax=plt.subplots()[1]
    )
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == ["zero price", "unparseable date", "duplicate line"]  # bottom to top


def test_empty_inputs_still_give_a_titled_chart():
    _check(plots.quarantine_reasons({}, ax=plt.subplots()[1]))
    _check(plots.interpurchase_histogram(pd.Series([], dtype="int64"), ax=plt.subplots()[1]))


def test_interpurchase_histogram_reports_hidden_long_gaps():
    ax = plots.interpurchase_histogram(pd.Series([1, 2, 3, 400]), ax=plt.subplots()[1], max_days=30)
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert any("1 gap over 30 days not shown" in label for label in labels)


def test_accounts_by_groups_the_tail_as_other():
    counts = pd.Series({f"g{i}": 20 - i for i in range(20)})
    ax = plots.accounts_by(counts, "industry", ax=plt.subplots()[1], top=5)
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert len(labels) == 6 and labels[0] == "other"
    with pytest.raises(ValueError, match="no column"):
        plots.accounts_by(ACCOUNTS, "country")
