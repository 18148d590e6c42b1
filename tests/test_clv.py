"""Customer lifetime value: the documented discounted sum, vectorised over accounts."""

import numpy as np
import pandas as pd
import pytest

from kamlab.errors import ConfigError, InputError
from kamlab.models import BetaGeo, GammaGamma, ParetoNBD, ShiftedBetaGeometric
from kamlab.models.simulate import simulate_bgnbd
from kamlab.value import clv
from kamlab.value.clv import contract_value, customer_value, discount_schedule

WEEKS_PER_MONTH = 365.25 / 12 / 7


@pytest.fixture(scope="module")
def portfolio():
    ages = np.random.default_rng(0).uniform(26, 104, 400)
    data = simulate_bgnbd(400, 0.8, 6.0, 1.2, 6.0, T=ages, spend=(4.0, 8.0, 300.0), seed=0)
    data["revenue"] = data["monetary_value"] * (data["frequency"] + 1)
    data["gross_margin"] = 0.3 * data["revenue"]
    data.attrs["period"] = "week"
    return data, BetaGeo().fit(data), GammaGamma().fit(data)


def test_discount_schedule_steps_monthly_to_the_horizon():
    sched = discount_schedule(18, 0.10)

    assert len(sched) == 18
    assert sched["years"].iloc[-1] == pytest.approx(1.5)
    assert sched["factor"].iloc[11] == pytest.approx(1 / 1.10)  # end of month 12
    assert len(discount_schedule(1, 0.1, step="week")) == 5  # 30.4 days: 4 weeks + 2.4 days


def test_clv_is_the_discounted_sum_of_monthly_expected_purchases(portfolio):
    data, bg, gg = portfolio
    value = customer_value(data, bg, gg, horizon_months=24, discount=0.12, margin=0.3)

    months = np.arange(1, 25)
    cum = bg.conditional_expected_purchases(months * WEEKS_PER_MONTH, data).to_numpy()
    increments = np.diff(cum, axis=1, prepend=0.0)
    by_hand = increments @ (1.12 ** (-months / 12))
    spend = gg.conditional_expected_spend(data).to_numpy()

    table = value.table
    assert table["discounted_purchases"].to_numpy() == pytest.approx(by_hand, rel=1e-10)
    assert table["clv"].to_numpy() == pytest.approx(0.3 * spend * by_hand, rel=1e-10)
    assert table["expected_purchases"].to_numpy() == pytest.approx(cum[:, -1], rel=1e-10)
    assert list(table.index) == list(data.index)
    assert value.total == pytest.approx(table["clv"].sum())


def test_without_discounting_the_discounted_purchases_are_the_expected_purchases(portfolio):
    data, bg, gg = portfolio
    table = customer_value(data, bg, gg, horizon_months=36, discount=0.0, margin=0.3).table

    assert table["discounted_purchases"].to_numpy() == pytest.approx(
        table["expected_purchases"].to_numpy(), rel=1e-12
    )


def test_value_grows_with_the_horizon_and_falls_with_the_discount_rate(portfolio):
    data, bg, gg = portfolio

    def total(h, d):
        return customer_value(data, bg, gg, horizon_months=h, discount=d, margin=0.3).total

    assert total(12, 0.1) < total(36, 0.1) < total(120, 0.1)
    assert total(36, 0.2) < total(36, 0.1) < total(36, 0.0)


def test_weekly_steps_discount_a_little_less_than_monthly_ones(portfolio):
    data, bg, gg = portfolio
    monthly = customer_value(data, bg, gg, margin=0.3).total
    weekly = customer_value(data, bg, gg, margin=0.3, step="week").total

    assert monthly < weekly < monthly * 1.01


def test_the_time_unit_of_the_summary_does_not_change_the_value(portfolio):
    data, bg, gg = portfolio
    in_days = data.copy()
    in_days[["recency", "T"]] *= 7
    in_days.attrs["period"] = "day"

    weeks = customer_value(data, bg, gg, margin=0.3)
    days = customer_value(in_days, BetaGeo().fit(in_days), gg, margin=0.3)

    assert days.time_unit == "day" and weeks.time_unit == "week"
    assert days.table["clv"].to_numpy() == pytest.approx(weeks.table["clv"].to_numpy(), rel=1e-5)


def test_cost_to_serve_per_purchase_and_per_year(portfolio):
    data, bg, gg = portfolio
    base = customer_value(data, bg, gg, margin=0.3).table
    per_purchase = pd.Series(2.0, index=data.index)

    with_cost = customer_value(data, bg, gg, margin=0.3, cost_per_purchase=per_purchase).table

    assert with_cost["clv"].to_numpy() == pytest.approx(
        base["clv"].to_numpy() - 2.0 * base["discounted_purchases"].to_numpy()
    )
    yearly = customer_value(data, bg, gg, margin=0.3, cost_per_year=100.0).table
    assert (yearly["clv"] < base["clv"]).all()
    # at most an annuity of 100 a year for 3 years, discounted, for an account sure to stay
    annuity = sum(100 / 12 * 1.1 ** (-k / 12) for k in range(1, 37))
    assert yearly["discounted_cost_to_serve"].max() <= annuity


def test_large_portfolios_are_valued_in_blocks_with_the_same_result(portfolio, monkeypatch):
    data, bg, gg = portfolio
    costs = {"cost_per_purchase": 2.0, "cost_per_year": 50.0}
    whole = customer_value(data, bg, gg, horizon_months=120, **costs).table
    monkeypatch.setattr(clv, "BLOCK_CELLS", 120 * 150)  # 120 months: blocks of 150 accounts
    monkeypatch.setattr(clv, "_MIN_BLOCK", 150)  # 400 accounts: 150, 150 and 100
    blocked = customer_value(data, bg, gg, horizon_months=120, **costs)
    pd.testing.assert_frame_equal(blocked.table, whole, rtol=1e-12)
    scenario = {"points": 5}
    np.testing.assert_allclose(
        blocked.revalue(scenario=scenario),
        customer_value(data, bg, gg, horizon_months=120, **costs).revalue(scenario=scenario),
        rtol=1e-12,
    )


def test_a_yearly_cost_for_accounts_that_never_leave_is_a_discounted_annuity():
    data = pd.DataFrame(
        {
            "frequency": [3, 10],
            "recency": [20.0, 50.0],
            "T": [52.0, 52.0],
            "monetary_value": [10.0, 12.0],
        },
        index=["a", "b"],
    )
    no_dropout = ParetoNBD().set_estimates({"r": 1.0, "alpha": 5.0, "s": 1e-9, "beta": 10.0})

    table = customer_value(data, no_dropout, 10.0, margin=0.5, cost_per_year=120.0).table

    annuity = sum(10.0 * 1.1 ** (-k / 12) for k in range(1, 37))
    assert table["probability_alive"].to_numpy() == pytest.approx(1.0, abs=1e-6)
    assert table["discounted_cost_to_serve"].to_numpy() == pytest.approx(annuity, rel=1e-6)


def test_the_margin_defaults_to_the_summarys_gross_margin_share(portfolio):
    data, bg, gg = portfolio
    table = customer_value(data, bg, gg).table
    assert table["margin_share"].to_numpy() == pytest.approx(0.3)

    with pytest.raises(ConfigError, match="pass margin="):
        customer_value(data.drop(columns="gross_margin"), bg, gg)


def test_per_account_inputs_must_cover_every_account(portfolio):
    data, bg, gg = portfolio
    partial = pd.Series(1.0, index=data.index[:10])

    with pytest.raises(InputError, match="cost_per_purchase has no value for 390 account"):
        customer_value(data, bg, gg, margin=0.3, cost_per_purchase=partial)
    with pytest.raises(InputError, match="margin shares must be"):
        customer_value(data, bg, gg, margin=30)
    with pytest.raises(ConfigError, match="horizon_months"):
        customer_value(data, bg, gg, margin=0.3, horizon_months=0)


def test_pareto_nbd_values_accounts_too(portfolio):
    data, _, gg = portfolio
    table = customer_value(data, ParetoNBD().fit(data), gg, margin=0.3).table

    assert (table["clv"] > 0).all()
    assert table["probability_alive"].between(0, 1).all()


def test_contract_value_is_margin_times_derl():
    sbg = ShiftedBetaGeometric().fit([1000, 631, 468, 382, 326, 289, 262, 241])
    renewals = pd.Series([0, 2, 6], index=["new", "mid", "loyal"])

    value = contract_value(
        sbg, renewals, margin=pd.Series([100.0, 100.0, 50.0], index=renewals.index), discount=0.1
    )

    derl = sbg.derl(0.1, renewals)
    assert value.table["clv"].to_numpy() == pytest.approx([100, 100, 50] * derl.to_numpy())
    assert value.table["retention"].to_numpy() == pytest.approx(
        sbg.retention(renewals.to_numpy() + 1)
    )
    with pytest.raises(InputError, match="whole numbers"):
        contract_value(sbg, pd.Series([-1]), 1.0)


def test_accounts_with_the_same_posterior_are_valued_once_and_get_it_back():
    """The distinct rows behind _on_unique: each row is its distinct row, none repeats
    (a missing value is a value like any other)."""
    from kamlab.value.clv import _distinct_rows

    rows = np.array([[1.0, 2.0], [3.0, np.nan], [1.0, 2.0], [3.0, np.nan], [1.0, 2.5]])
    distinct, inverse = _distinct_rows(rows)
    assert len(distinct) == 3
    np.testing.assert_array_equal(distinct[inverse], rows)
