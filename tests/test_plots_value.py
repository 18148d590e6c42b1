"""kamlab.plots.value: every chart returns its Axes, titled and labelled with units (Agg)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402
from matplotlib.container import ErrorbarContainer  # noqa: E402

from kamlab.plots import value as plots  # noqa: E402
from kamlab.value import customer_pnl, whale_curve  # noqa: E402

TX = pd.DataFrame(
    {
        "account_id": ["a", "a", "a", "b", "c", "c", "c"],
        "date": pd.to_datetime(
            [
                "2026-01-05",
                "2026-02-01",
                "2026-02-20",
                "2026-03-01",
                "2026-01-10",
                "2026-01-20",
                "2026-02-10",
            ]
        ),
        "order_id": ["1", "2", "C2", "3", "4", "5", "C5"],
        "revenue": [5000.0, 3000.0, -200.0, 80.0, 40.0, 30.0, -30.0],
        "cost": [3000.0, 1800.0, -120.0, 50.0, 30.0, 20.0, -20.0],
    }
)
TX["is_return"] = TX["revenue"] < 0
ACCOUNTS = pd.DataFrame(
    {
        "account_name": ["Alpha Ltd", "Beta plc", "Gamma Group"],
        "kam_hours": [20.0, 4.0, 6.0],
        "tier": ["key", "other", "other"],
    },
    index=pd.Index(["a", "b", "c"], name="account_id"),
)
PNL = customer_pnl(TX, ACCOUNTS)
PNL["tier"] = ACCOUNTS["tier"]
PERIODS = pd.Index(range(6), name="year")
OBSERVED = pd.Series([1.0, 0.82, 0.7, 0.61, 0.55, 0.5], index=PERIODS)
FITTED = pd.Series([1.0, 0.8, 0.69, 0.62, 0.56, 0.51], index=PERIODS)
PROJECTED = pd.Series([0.51, 0.47, 0.44], index=pd.Index([5, 6, 7], name="year"))
P_ALIVE = pd.DataFrame(
    [[0.1, 0.3], [0.5, 0.9]],
    index=pd.Index(["0-10", "10-20"], name="recency (weeks)"),
    columns=pd.Index(["0", "1-5"], name="frequency"),
)
UPLIFT = pd.DataFrame(
    {
        "account_id": ["a", "b", "c"],
        "account_name": ["Alpha Ltd", "Beta plc", "Gamma Group"],
        "delta_value": [1200.0, 50.0, -10.0],
        "lower": [900.0, 10.0, -40.0],
        "upper": [1500.0, 90.0, 20.0],
    }
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
    "whale_curve": lambda ax: plots.whale_curve(whale_curve(PNL), ax=ax),
    "pnl_waterfall": lambda ax: plots.pnl_waterfall(PNL, "a", ax=ax),
    "pnl_waterfall_row": lambda ax: plots.pnl_waterfall(PNL.loc["c"], ax=ax),
    "pnl_waterfall_portfolio": lambda ax: plots.pnl_waterfall(PNL, ax=ax),
    "contribution_by_account": lambda ax: plots.contribution_by_account(PNL, ax=ax),
    "cost_to_serve_breakdown": lambda ax: plots.cost_to_serve_breakdown(PNL, ax=ax),
    "cost_to_serve_by_tier": lambda ax: plots.cost_to_serve_breakdown(PNL, "tier", ax=ax),
    "retention_curve": lambda ax: plots.retention_curve(OBSERVED, FITTED, PROJECTED, ax=ax),
    "probability_alive_heatmap": lambda ax: plots.probability_alive_heatmap(P_ALIVE, ax=ax),
    "uplift_by_account": lambda ax: plots.uplift_by_account(UPLIFT, ax=ax),
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


def test_plots_do_not_open_other_figures():
    before = plt.get_fignums()
    fig, ax = plt.subplots()
    for case in CASES.values():
        ax.clear()
        case(ax)
    assert plt.get_fignums() == before + [fig.number]


def test_money_axes_name_the_currency():
    for draw, axis in [
        (lambda ax: plots.pnl_waterfall(PNL, "a", ax=ax), "y"),
        (lambda ax: plots.contribution_by_account(PNL, ax=ax), "x"),
        (lambda ax: plots.uplift_by_account(UPLIFT, ax=ax, currency="EUR"), "x"),
    ]:
        ax = draw(plt.subplots()[1])
        label = ax.get_ylabel() if axis == "y" else ax.get_xlabel()
        assert "GBP" in label or "EUR" in label


def test_whale_curve_marks_100_percent_peak_and_top_20():
    profits = pd.Series([100.0, 50.0, 0.0, -30.0, -20.0], index=list("abcde"))
    ax = plots.whale_curve(whale_curve(profits), ax=plt.subplots()[1])
    texts = " | ".join(t.get_text() for t in ax.texts)
    assert "peak: 150% of profit\nat 40% of accounts" in texts
    assert "top 20% of accounts:\n100% of profit" in texts
    assert any(list(line.get_ydata()) == [100, 100] for line in ax.get_lines())
    assert "%" in ax.get_xlabel() and "%" in ax.get_ylabel()


def test_whale_curve_with_no_total_profit_is_drawn_in_money():
    profits = pd.Series([50.0, -80.0], index=list("ab"))
    ax = plots.whale_curve(whale_curve(profits), ax=plt.subplots()[1])
    assert "<= 0" in ax.get_title()
    assert "GBP" in ax.get_ylabel()


def test_pnl_waterfall_steps_from_gross_sales_to_contribution():
    ax = plots.pnl_waterfall(PNL, "a", ax=plt.subplots()[1])
    labels = [t.get_text() for t in ax.get_xticklabels()]
    assert labels[0] == "gross sales" and labels[-1] == "contribution"
    assert labels[:6] == [
        "gross sales",
        "returns",
        "net revenue",
        "cost of goods",
        "gross margin",
        "orders",
    ]
    assert "KAM hours" in labels and "payment-term financing" in labels
    assert "Alpha Ltd" in ax.get_title()
    bars = ax.patches
    assert bars[-1].get_height() == pytest.approx(PNL.loc["a", "contribution"])


def test_pnl_waterfall_shows_discounts_and_assumed_cost():
    tx = TX.drop(columns=["cost"]).assign(discount=[100.0, 0, 0, 0, 0, 0, 0])
    pnl = customer_pnl(tx)
    labels = [t.get_text() for t in plots.pnl_waterfall(pnl, "a").get_xticklabels()]
    assert "discounts" in labels and "cost of goods (assumed)" in labels
    with pytest.raises(KeyError, match="'zz'"):
        plots.pnl_waterfall(pnl, "zz")


def test_contribution_by_account_top_and_bottom():
    pnl = pd.DataFrame(
        {"contribution": np.arange(30.0) - 10}, index=[f"A{i:02d}" for i in range(30)]
    )
    ax = plots.contribution_by_account(pnl, ax=plt.subplots()[1], n=5)
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert len(labels) == 10 and labels[-1] == "A29" and labels[0] == "A00"
    assert "top and bottom 5 of 30" in ax.get_title()


def test_cost_to_serve_breakdown_shares_sum_to_100():
    ax = plots.cost_to_serve_breakdown(PNL, ACCOUNTS["tier"], ax=plt.subplots()[1])
    widths = {}
    for bar in ax.patches:
        y = round(bar.get_y() + bar.get_height() / 2)
        widths[y] = widths.get(y, 0) + bar.get_width()
    assert list(widths.values()) == pytest.approx([100.0, 100.0])
    assert "tier" in ax.get_title() and "%" in ax.get_xlabel()


def test_retention_curve_shares_in_percent_or_counts():
    ax = plots.retention_curve(OBSERVED, FITTED, ax=plt.subplots()[1])
    assert "%" in ax.get_ylabel() and ax.get_xlabel() == "year"
    assert max(ax.get_lines()[0].get_ydata()) == pytest.approx(100.0)
    ax = plots.retention_curve(OBSERVED * 1000, FITTED * 1000, ax=plt.subplots()[1])
    assert "count" in ax.get_ylabel()
    styles = {
        line.get_label(): line.get_linestyle()
        for line in plots.retention_curve(OBSERVED, FITTED, PROJECTED).get_lines()
    }
    assert styles["projected"] == "--" and styles["fitted"] == "-"


def test_heatmap_writes_probabilities_on_small_tables():
    ax = plots.probability_alive_heatmap(P_ALIVE, ax=plt.subplots()[1])
    assert {t.get_text() for t in ax.texts} == {"10%", "30%", "50%", "90%"}
    assert ax.get_xlabel() == "frequency" and ax.get_ylabel() == "recency (weeks)"


def test_uplift_by_account_largest_first_with_whiskers():
    ax = plots.uplift_by_account(UPLIFT.set_index("account_id"), ax=plt.subplots()[1], n=2)
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == ["Beta plc", "Alpha Ltd"]  # bottom to top
    whiskers = [c for c in ax.containers if isinstance(c, ErrorbarContainer)]
    assert len(whiskers) == 1
    assert "top 2 accounts" in ax.get_title()


def test_empty_inputs_still_give_a_titled_chart():
    empty = PNL.iloc[:0]
    _check(plots.contribution_by_account(empty, ax=plt.subplots()[1]))
    _check(plots.uplift_by_account(UPLIFT.iloc[:0], ax=plt.subplots()[1]))
    _check(plots.probability_alive_heatmap(pd.DataFrame(), ax=plt.subplots()[1]))
