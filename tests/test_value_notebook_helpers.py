"""The helpers behind notebooks/03_value.ipynb (kamlab.presentation.value)."""

import warnings
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

import kamlab as kl
from kamlab.datasets import make_sample
from kamlab.errors import InputError
from kamlab.models import BetaGeo, GammaGamma, ParetoNBD, ShiftedBetaGeometric
from kamlab.presentation import value as rt
from kamlab.presentation.tables import for_reader
from kamlab.value.clv import clv_inputs, customer_value
from kamlab.value.uplift import retention_uplift

REGULAR = [1000, 631, 468, 382, 326, 289, 262, 241]  # Fader & Hardie (2007)


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def portfolio(tmp_path_factory):
    """A small generated portfolio with its summary, P&Ls, fitted models and values."""
    paths = make_sample(60, seed=0).write(tmp_path_factory.mktemp("sample"))
    accounts = kl.read_accounts(paths["accounts"])
    tx = kl.read_transactions(paths["transactions"], accounts=accounts.data)
    summary = kl.summarize(tx)
    end = summary.attrs["until"]
    pnl_all = kl.customer_pnl(tx, accounts, until=end)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the fixture must converge cleanly
        bg, gg, pnbd = BetaGeo().fit(summary), GammaGamma().fit(summary), ParetoNBD().fit(summary)
    inputs = clv_inputs(pnl_all, summary)
    value = customer_value(summary, bg, gg, horizon_months=36, discount=0.10, **inputs)
    value_pnbd = customer_value(summary, pnbd, gg, horizon_months=36, discount=0.10, **inputs)
    uplift = retention_uplift(value_pnbd, points=5, n_draws=20, seed=0)
    return {
        "summary": summary,
        "pnl": kl.customer_pnl(tx, accounts, until=end, window="12M"),
        "pnl_all": pnl_all,
        "names": pnl_all["account_name"],
        "bg": bg,
        "gg": gg,
        "pnbd": pnbd,
        "inputs": inputs,
        "value": value,
        "value_pnbd": value_pnbd,
        "uplift": uplift,
    }


def _pnl(**columns) -> pd.DataFrame:
    """A hand-made P&L frame (two accounts) with consistent totals."""
    base = {
        "years": [2.0, 1.0],
        "gross_sales": [1000.0, 500.0],
        "returns": [100.0, 0.0],
        "discounts": [0.0, 0.0],
        "cost_of_goods": [600.0, 450.0],
        "cts_orders": [30.0, 60.0],
        "cts_order_lines": [10.0, 20.0],
        "cts_kam_hours": [100.0, 40.0],
        "cts_financing": [5.0, 0.0],
    }
    base.update(columns)
    pnl = pd.DataFrame(base, index=pd.Index(["A", "B"], name="account_id"))
    pnl["net_revenue"] = pnl["gross_sales"] - pnl["returns"] - pnl["discounts"]
    pnl["gross_margin"] = pnl["net_revenue"] - pnl["cost_of_goods"]
    cts = [c for c in pnl.columns if c.startswith("cts_")]
    pnl["cost_to_serve"] = pnl[cts].sum(axis=1)
    pnl["contribution"] = pnl["gross_margin"] - pnl["cost_to_serve"]
    pnl.attrs["currency"] = "GBP"
    return pnl


# --------------------------------------------------------------------------- rounding


def test_round_significant_keeps_three_figures_and_missing_values():
    values = [0.9525992, 2.754, 3.8205206, 2946.68, -0.0123456, 0.0, np.nan, np.inf]
    out = rt.round_significant(values)
    assert out[:6].tolist() == [0.953, 2.75, 3.82, 2950.0, -0.0123, 0.0]
    assert np.isnan(out[6]) and np.isinf(out[7])
    assert rt.round_significant(123456.0, 2) == 120000.0
    frame = rt.round_significant(pd.DataFrame({"x": [1.23456], "y": [98765.0]}))
    assert frame.to_dict("list") == {"x": [1.23], "y": [98800.0]}


# --------------------------------------------------------------------------- P&L and whale


def test_pnl_statement_adds_up_from_gross_sales_to_contribution():
    pnl = _pnl()
    statement = rt.pnl_statement(pnl)
    amount = statement["amount"]
    assert amount["gross sales"] + amount["returns"] == amount["net revenue"] == 1400
    assert amount["net revenue"] + amount["cost of goods"] == amount["gross margin"] == 350
    lines = statement.index[statement.index.str.startswith("  cost to serve")]
    assert len(lines) == 4 and amount[lines].sum() == amount["cost to serve"] == -265
    assert amount["gross margin"] + amount["cost to serve"] == amount["contribution"] == 85
    assert statement.loc["net revenue", "share_of_net_revenue"] == 1.0
    assert "discounts" not in statement.index  # shown only when there are any


def test_pnl_statement_rounded_for_display():
    pnl = _pnl(discounts=[10.4, 0.0])
    statement = rt.pnl_statement(pnl, rounded=True)
    assert statement["amount"].dtype == "int64"
    assert statement.loc["discounts", "amount"] == -10
    assert statement.loc["contribution", "share_of_net_revenue"] == round(74.6 / 1389.6, 3)


def _whale(*profits: float) -> dict:
    return kl.whale_summary(pd.Series(profits, index=[f"A{i}" for i in range(len(profits))]))


@pytest.mark.parametrize(
    ("profits", "words"),
    [
        # top 20% = 300 of 300 (100%), tail 100 = 33%: shallow tail
        ((300.0, 100.0, -20.0, -80.0, 0.0), "below the 150-300%"),
        ((225.0, 25.0, 0.0, -50.0, -100.0), "within the 150-300%"),  # 225%
        ((400.0, 0.0, 0.0, -50.0, -250.0), "above the 150-300%"),  # 400%
    ],
)
def test_whale_verdict_places_the_top_share_against_cooper_and_kaplan(profits, words):
    assert words in rt.whale_verdict(_whale(*profits))


def test_whale_verdict_without_profit():
    assert "no share of total profit" in rt.whale_verdict(_whale(50.0, -80.0, -20.0))
    assert "No account makes a profit" in rt.whale_verdict(_whale(-5.0, -1.0))


def test_whale_headline_is_describe_whale_plus_verdict():
    pnl = pd.DataFrame({"contribution": [300.0, 100.0, -20.0, -80.0, 0.0]}, index=list("ABCDE"))
    text = rt.whale_headline(pnl)
    assert text.startswith("5 accounts; total contribution GBP 300.")
    assert "earn 100% of total profit" in text  # top 20% = account A = 300 of 300
    assert text.endswith("the top 20% earn 75% of the peak.")  # 300 of 400


# --------------------------------------------------------------------------- retention economics


def test_convexity_table_reproduces_the_primers_numbers():
    table = rt.convexity_table((0.80, 0.90), discount=0.10, points=5)
    assert table.loc[0.80, "lift"] == pytest.approx(0.275, abs=5e-4)
    assert table.loc[0.90, "lift"] == pytest.approx(0.407, abs=5e-4)
    assert table.loc[0.80, "clv_multiple"] == pytest.approx(0.8 / 0.3)
    assert table["lift"].is_monotonic_increasing  # convex in r


def test_convexity_table_caps_retention_at_one():
    table = rt.convexity_table((0.98,), points=5)
    assert table.loc[0.98, "retention_after"] == 1.0
    assert table.loc[0.98, "clv_multiple_after"] == pytest.approx(10.0)


def test_cohort_curves_and_retention_on_the_fader_hardie_cohort():
    sbg = ShiftedBetaGeometric().fit(REGULAR)
    assert rt.round_significant(sbg.params_).tolist() == [0.704, 1.18]  # published 0.704, 1.182
    observed, fitted, projected = rt.cohort_curves(sbg, REGULAR, periods=12)
    assert observed.tolist() == REGULAR and observed.index.name == "year"
    assert fitted.index.tolist() == list(range(8)) and fitted.iloc[0] == 1000
    assert projected.index.tolist() == list(range(7, 13))
    assert projected.iloc[0] == fitted.iloc[-1]
    assert np.all(np.diff(projected) < 0)
    table = rt.retention_by_period(sbg, REGULAR)
    assert table.loc[1, "observed_retention"] == 0.631
    assert table["fitted_retention"].is_monotonic_increasing  # heterogeneity
    assert (table["observed_retention"] - table["fitted_retention"]).abs().max() < 0.02


def test_describe_heterogeneity_compares_del_with_one_retention_rate():
    sbg = ShiftedBetaGeometric().set_estimates({"alpha": 0.704, "beta": 1.182})
    text = rt.describe_heterogeneity(sbg, discount=0.10, renewals=(1, 7))
    r1 = 1.182 / (0.704 + 1.182)
    assert f"{sbg.del_(0.10):.2f} payments" in text
    assert f"it would be {1.1 / (1.1 - r1):.2f}" in text
    assert "after 1 renewal," in text and "after 7 renewals." in text


# --------------------------------------------------------------------------- models


def test_parameter_table_rounds_and_explains(portfolio):
    table = rt.parameter_table(portfolio["bg"])
    assert table.index.tolist() == ["r", "alpha", "a", "b"]
    assert list(table.columns) == ["estimate", "std_error", "meaning"]
    assert table["meaning"].str.len().gt(10).all()
    assert table["estimate"].tolist() == rt.round_significant(portfolio["bg"].params_).tolist()
    assert rt.parameter_table(portfolio["gg"])["meaning"].str.len().gt(10).all()
    assert rt.parameter_table(portfolio["pnbd"]).index.tolist() == ["r", "alpha", "s", "beta"]


def test_describe_purchase_model_in_a_years_terms():
    bg = BetaGeo().set_estimates({"r": 1.0, "alpha": 4.0, "a": 0.1, "b": 3.9})
    text = rt.describe_purchase_model(bg)
    assert f"{0.25 * 365.25 / 7:.3g} times a year" in text
    assert "probability 2.50%" in text
    assert "coefficient of variation of 1.00" in text
    pnbd = ParetoNBD().set_estimates({"r": 1.0, "alpha": 4.0, "s": 0.5, "beta": 50.0})
    assert f"rate of {0.01 * 365.25 / 7:.3g} a year" in rt.describe_purchase_model(pnbd)


def test_describe_spend_check_flags_correlated_spend():
    frequency = np.arange(1, 41)
    rng = np.random.default_rng(0)
    related = pd.DataFrame({"frequency": frequency, "monetary_value": 10.0 * frequency})
    unrelated = pd.DataFrame({"frequency": frequency, "monetary_value": rng.permutation(frequency)})
    assert "Larger than the model assumes" in rt.describe_spend_check(related)
    text = rt.describe_spend_check(unrelated.assign(monetary_value=[5.0, 6.0] * 20))
    assert "Small enough" in text


def test_alive_grid_is_the_models_probability_on_a_grid():
    bg = BetaGeo().set_estimates({"r": 1.0, "alpha": 4.0, "a": 0.5, "b": 3.0})
    grid = rt.alive_grid(bg, 100.0, frequencies=(0, 1, 5, 20), n_recency=5)
    assert grid.shape == (5, 4)
    assert grid.index.tolist() == [0, 25, 50, 75, 100]
    assert grid.iloc[0, 0] == 1.0 and grid.iloc[1:, 0].isna().all()  # impossible cells
    assert (grid.iloc[:, 1:].diff().iloc[1:] >= 0).all().all()  # later last purchase: more alive
    one = pd.DataFrame({"frequency": [5.0], "recency": [50.0], "T": [100.0]})
    assert grid.loc[50, 5] == pytest.approx(bg.probability_alive(one).iloc[0])


# --------------------------------------------------------------------------- value


def test_clv_inputs_from_the_pnl():
    pnl = _pnl(net_revenue=None)
    summary = pd.DataFrame({"frequency": [9, 4]}, index=pd.Index(["A", "B"], name="account_id"))
    inputs = clv_inputs(pnl, summary)
    # per purchase day: orders, lines, financing (A: 45 / 10, B: 80 / 5)
    assert inputs["cost_per_purchase"].tolist() == [4.5, 16.0]
    assert inputs["cost_per_year"].tolist() == [50.0, 40.0]  # KAM hours per year
    assert inputs["margin"].tolist() == pytest.approx([300 / 900, 50 / 500])


def test_clv_inputs_portfolio_margin_for_accounts_without_revenue_and_missing_accounts():
    pnl = _pnl(gross_sales=[1000.0, 0.0], cost_of_goods=[600.0, 0.0])
    summary = pd.DataFrame({"frequency": [1, 1]}, index=pd.Index(["A", "B"]))
    assert clv_inputs(pnl, summary)["margin"].tolist() == pytest.approx([300 / 900] * 2)
    with pytest.raises(InputError, match="no row for 1 account"):
        clv_inputs(pnl, pd.DataFrame({"frequency": [1]}, index=pd.Index(["Z"])))


def test_clv_inputs_cover_every_account_of_a_real_summary(portfolio):
    inputs = portfolio["inputs"]
    assert inputs.index.equals(portfolio["summary"].index)
    assert inputs.notna().all().all() and (inputs["cost_per_purchase"] > 0).all()
    assert inputs["margin"].between(-1, 1).all()


def test_value_table_joins_pnl_and_value(portfolio):
    table = rt.value_table(portfolio["pnl"], portfolio["value"])
    assert table.index.name == "account_id"
    assert len(table) == len(portfolio["pnl"].index.union(portfolio["summary"].index))
    assert {"contribution", "clv", "probability_alive"} <= set(table.columns)
    assert table["clv"].sum() == pytest.approx(portfolio["value"].total)
    assert table.attrs["horizon_months"] == 36


def test_describe_value_and_top_accounts(portfolio):
    value = portfolio["value"]
    text = rt.describe_value(value)
    assert text.startswith(f"Customer value of {len(value.table)} accounts over 36 months")
    assert "Expected active accounts now" in text
    top = rt.top_value_accounts(value, portfolio["names"], n=5)
    assert len(top) == 5 and top["clv"].is_monotonic_decreasing
    assert top["account_name"].notna().all()
    assert top.index[0] == value.table["clv"].idxmax()


def test_describe_value_says_why_the_top_fifth_holds_more_than_all_of_it():
    """Online Retail: many accounts of negative value, so the top 20% hold 125% of the
    total; the sentence says why instead of leaving a share over 100% unexplained."""
    clv = pd.Series([100.0, 30.0, 10.0, -40.0, -40.0], index=list("abcde"))  # total 60
    value = SimpleNamespace(
        table=pd.DataFrame({"clv": clv}),
        total=float(clv.sum()),
        horizon_months=36,
        discount=0.1,
        model=SimpleNamespace(display_name="BG/NBD"),
    )
    text = rt.describe_value(value)
    assert (
        "The 1 most valuable accounts (20%) hold 167% of it, more than the whole: "
        "the accounts of negative value take GBP 80 off the total." in text
    )


def test_compare_models_agree_on_the_order(portfolio):
    table = rt.compare_models({"BG/NBD": portfolio["value"], "Pareto/NBD": portfolio["value_pnbd"]})
    assert table.index.tolist() == ["BG/NBD", "Pareto/NBD"]
    assert table.loc["BG/NBD", "rank_correlation"] == 1.0
    assert table.loc["Pareto/NBD", "rank_correlation"] > 0.9
    assert table.loc["BG/NBD", "value"] == round(portfolio["value"].total, -3)


# --------------------------------------------------------------------------- uplift and watch list


def test_uplift_chart_data_feeds_the_chart(portfolio):
    data = rt.uplift_chart_data(portfolio["uplift"], portfolio["names"])
    assert list(data.columns) == ["account_name", "delta_value", "lower", "upper"]
    assert (data["lower"] <= data["upper"]).all()
    no_interval = retention_uplift(portfolio["value_pnbd"], points=5, n_draws=0)
    plain = rt.uplift_chart_data(no_interval)
    assert (plain["lower"] == plain["delta_value"]).all()
    assert plain["account_name"].tolist() == plain.index.tolist()  # ids without names


def test_uplift_by_tier_shares_add_up(portfolio):
    table = rt.uplift_by_tier(portfolio["uplift"])
    assert table.index.tolist() == ["top 20%", "next 30%", "bottom 50%"]
    assert table["accounts"].sum() == len(portfolio["uplift"].table)
    assert table["accounts"].tolist() == [12, 18, 30]
    assert table["share_of_value"].sum() == pytest.approx(1.0)
    assert table["share_of_uplift"].sum() == pytest.approx(1.0)
    assert (table["retention_scenario"] > table["retention"]).all()


def test_describe_convexity_and_uplift(portfolio):
    text = rt.describe_convexity(portfolio["uplift"])
    assert text.startswith("The quarter of accounts with the lowest retention")
    total = portfolio["uplift"].total
    assert f"({total['uplift_pct']:+.1f}%)" in rt.describe_uplift(portfolio["uplift"])
    assert "worth less than nothing" not in rt.describe_uplift(portfolio["uplift"])


def test_a_portfolio_worth_less_than_nothing_is_explained(portfolio):
    uplift = portfolio["uplift"]
    losing = SimpleNamespace(total=uplift.total.mul(-1).rename("total"))
    text = rt.describe_uplift(losing)
    assert "The portfolio is worth less than nothing here" in text
    assert "fix the cost to serve before paying for retention" in text


def test_uplift_by_horizon_grows_with_the_horizon(portfolio):
    p = portfolio
    table = rt.uplift_by_horizon(
        p["summary"], p["pnbd"], p["gg"], horizons=(12, 36), points=5, **p["inputs"]
    )
    assert table.index.tolist() == [12, 36]
    assert table.loc[36, "value"] == round(p["value_pnbd"].total, -3)
    assert table.loc[36, "uplift_pct"] == round(p["uplift"].total["uplift_pct"], 1)
    assert table.loc[36, "uplift_pct"] > table.loc[12, "uplift_pct"]


def test_watch_table_names_and_status(portfolio):
    table = rt.watch_table(portfolio["value"], portfolio["names"], top=5)
    assert len(table) == 5 and table["rank"].tolist() == [1, 2, 3, 4, 5]
    assert table.columns[:3].tolist() == ["rank", "account_name", "status"]
    assert "value_lost_if_churns" not in table.columns
    assert table["value_at_risk"].is_monotonic_decreasing
    for status in ("active", "at risk", "likely lost"):
        part = rt.watch_table(portfolio["value"], portfolio["names"], top=3, status=status)
        assert (part["status"] == status).all()


def test_uplift_model_choice_falls_back_when_the_preferred_model_did_not_converge():
    from types import SimpleNamespace

    import numpy as np
    import pandas as pd

    from kamlab.workflows.value import choose_uplift_model

    def value(converged, covariance):
        model = SimpleNamespace(converged_=converged, log_covariance_=pd.DataFrame(covariance))
        return SimpleNamespace(model=model, inputs={"spend_model": None})

    good = value(True, np.eye(2))
    stuck = value(False, np.full((2, 2), np.nan))
    no_cov = value(True, np.full((2, 2), np.nan))

    name, chosen, draws, note = choose_uplift_model({"Pareto/NBD": stuck, "BG/NBD": good})
    assert (name, chosen, draws) == ("BG/NBD", good, 200)
    assert "Pareto/NBD did not converge" in note
    assert choose_uplift_model({"Pareto/NBD": no_cov})[2] == 0
    name, _, draws, note = choose_uplift_model({"Pareto/NBD": stuck, "BG/NBD": stuck})
    assert (name, draws) == ("Pareto/NBD", 0) and "No purchase model converged" in note


def test_watch_tables_to_call_and_to_win_back_are_named_and_rounded(portfolio):
    tables = rt.watch_tables(portfolio["value"], portfolio["names"], top=5)
    for table in (tables.at_risk, tables.likely_lost):
        assert table.columns.tolist() == rt.WATCH_TABLE_COLUMNS
        assert len(table) <= 5 and table["value_at_risk"].is_monotonic_decreasing
        assert (table["value_at_risk"] > 0).all()
        assert table["account_name"].isin(portfolio["names"]).all()
        assert (table["value_at_risk"] == table["value_at_risk"].round(0)).all()
    assert tables.at_risk["probability_alive"].between(0.2, 0.8).all()
    assert (tables.likely_lost["probability_alive"] < 0.2).all()


def test_a_tiny_p_alive_in_a_watch_list_reads_below_one_percent_not_zero(portfolio):
    """Rounded before formatting, P(alive) 0.003 would read 0%: a certainty no purchase
    model gives."""
    tables = rt.watch_tables(portfolio["value"], portfolio["names"], top=50)
    lost = tables.likely_lost
    tiny = lost[lost["probability_alive"] < 0.005]
    assert len(tiny) and (tiny["probability_alive"] > 0).all()
    shown = for_reader(tiny, columns=["probability_alive"], index=False).frame
    assert set(shown["P(alive)"]) == {"<1%"}


def test_describe_watch_lists_counts_every_account_of_each_list(portfolio):
    from kamlab.value.churn import watch_lists

    full = watch_lists(portfolio["value"])
    text = rt.describe_watch_lists(portfolio["value"], portfolio["names"])
    for table, what in ((full.at_risk, "at risk"), (full.likely_lost, "likely lost")):
        if len(table) > 1:
            assert f"{len(table)} accounts are {what}" in text
        largest = portfolio["names"][table.index[0]] if len(table) else None
        assert largest is None or largest in text
    assert (
        "a call can still save them" in text or "No account with value at risk is at risk" in text
    )
    assert "_" not in text  # no code names


def test_no_watch_list_when_the_purchase_model_did_not_settle_and_sees_no_dropout(portfolio):
    """A model stuck at the no-dropout edge (a -> 0, as on a short history) puts P(alive)
    near 1 for everyone: the text says it cannot tell who is going quiet and points to
    account health, instead of reporting that no account is at risk."""
    import copy

    stuck = copy.deepcopy(portfolio["bg"])
    stuck.params_ = stuck.params_.copy()
    stuck.params_["a"] = 1e-9  # no account drops out
    summary = portfolio["summary"]
    settled_text = rt.describe_watch_lists(
        customer_value(summary, stuck, portfolio["gg"], **portfolio["inputs"]),
        portfolio["names"],
    )
    assert "No account with value at risk is at risk" in settled_text  # the model's word
    stuck.converged_ = False
    text = rt.describe_watch_lists(
        customer_value(summary, stuck, portfolio["gg"], **portfolio["inputs"]),
        portfolio["names"],
    )
    assert text.startswith("No watch list: the purchase model did not settle")
    assert "Account health" in text and "No account with value at risk" not in text
