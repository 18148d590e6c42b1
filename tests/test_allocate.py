"""Allocating account-manager hours: what the optimiser must guarantee.

The response is g(h) = V (1 - exp(-h / s)); the optimum is exact (KKT), so every test
below can state the answer it expects rather than a tolerance on a search.
"""

from __future__ import annotations

import math
from types import SimpleNamespace

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402
from scipy.optimize import minimize  # noqa: E402

from kamlab.errors import ConfigError, InputError  # noqa: E402
from kamlab.plots.allocation import (  # noqa: E402
    allocation_chart,
    net_gain_chart,
    response_curves,
)
from kamlab.portfolio.allocate import (  # noqa: E402
    Allocation,
    allocate_hours,
    budget_curve,
    optimal_budget,
    response_gain,
)
from kamlab.presentation.portfolio import describe_allocation  # noqa: E402


def accounts(values, name="acct") -> pd.Series:
    return pd.Series(
        np.asarray(values, dtype=float),
        index=pd.Index([f"{name}{i}" for i in range(len(values))], name="account_id"),
    )


def random_case(n: int, seed: int):
    rng = np.random.default_rng(seed)
    value = accounts(rng.lognormal(8, 1.2, n))
    sat = pd.Series(rng.uniform(10, 80, n), index=value.index)
    return value, sat


# --------------------------------------------------------------------------- the response


def test_response_reaches_63_percent_of_value_at_saturation_hours():
    assert response_gain(0.0, 1000.0, 40.0) == 0.0
    assert response_gain(40.0, 1000.0, 40.0) == pytest.approx(1000 * (1 - math.exp(-1)))
    assert response_gain(1e6, 1000.0, 40.0) == pytest.approx(1000.0)
    hours = pd.Series([0.0, 40.0], index=["a", "b"])
    assert list(response_gain(hours, 10.0, 40.0).index) == ["a", "b"]


# --------------------------------------------------------------------------- known optima


def test_identical_accounts_get_equal_hours():
    result = allocate_hours(accounts([5000.0] * 7), 350.0, saturation_hours=30.0)
    np.testing.assert_allclose(result.table["hours"], 50.0, rtol=1e-12)
    assert result.totals["gain_over_equal"] == pytest.approx(0.0, abs=1e-6)


def test_zero_value_account_gets_no_hours():
    result = allocate_hours(accounts([4000.0, 0.0, 1000.0]), 500.0)
    assert result.table["hours"].iloc[1] == 0.0
    assert result.table["expected_gain"].iloc[1] == 0.0
    assert math.fsum(result.table["hours"]) == pytest.approx(500.0, rel=1e-12)


def test_two_accounts_match_the_closed_form_worked_by_hand():
    # V = 2000 and 1000, s = 40 h, B = 60 h. First-hour marginals V/s: 50 and 25.
    # Both active when B > s ln(50/25) = 27.7 h; then h1 - h2 = s ln 2 and h1 + h2 = B:
    # h1 = B/2 + (s/2) ln 2 = 43.86 h, h2 = 16.14 h, lam = 50 exp(-h1/s).
    result = allocate_hours(accounts([2000.0, 1000.0]), 60.0, saturation_hours=40.0)
    h1 = 30 + 20 * math.log(2)
    np.testing.assert_allclose(result.table["hours"], [h1, 60 - h1], rtol=1e-12)
    assert result.shadow_price == pytest.approx(50 * math.exp(-h1 / 40), rel=1e-12)
    assert result.totals["optimal_gain"] == pytest.approx(
        2000 * (1 - math.exp(-h1 / 40)) + 1000 * (1 - math.exp(-(60 - h1) / 40)), rel=1e-12
    )


def test_small_budget_goes_only_to_the_account_with_the_best_first_hour():
    # B = 20 h < 27.7 h: the second account's first hour (25) never beats the first's.
    result = allocate_hours(accounts([2000.0, 1000.0]), 20.0, saturation_hours=40.0)
    np.testing.assert_allclose(result.table["hours"], [20.0, 0.0], rtol=1e-12)
    assert result.shadow_price == pytest.approx(50 * math.exp(-0.5), rel=1e-12)


def test_zero_budget_gives_no_hours_and_prices_the_first_hour():
    result = allocate_hours(accounts([2000.0, 1000.0]), 0.0, saturation_hours=40.0)
    assert (result.table["hours"] == 0).all()
    assert result.hours_used == 0.0
    assert result.shadow_price == pytest.approx(50.0)


# --------------------------------------------------------------------------- optimality


@pytest.mark.parametrize("budget", [1.0, 300.0, 2_000.0, 50_000.0])
def test_hours_sum_to_the_budget_and_never_exceed_it(budget):
    value, sat = random_case(200, seed=1)
    result = allocate_hours(value, budget, saturation_hours=sat)
    used = math.fsum(result.table["hours"])
    assert used <= budget
    assert used == pytest.approx(budget, rel=1e-9)
    assert result.hours_used == used
    assert (result.table["hours"] >= 0).all()


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_kkt_equal_marginal_gain_where_funded_and_no_better_first_hour_elsewhere(seed):
    value, sat = random_case(300, seed)
    value.iloc[:10] = 0.0
    result = allocate_hours(value, 1_500.0, saturation_hours=sat)
    table, lam = result.table, result.shadow_price
    funded = table["hours"] > 0
    assert 0 < funded.sum() < len(table)
    np.testing.assert_allclose(table.loc[funded, "marginal_gain_per_hour"], lam, rtol=1e-9)
    first_hour = table["value_at_stake"] / table["saturation_hours"]
    assert (first_hour[~funded] <= lam * (1 + 1e-9)).all()


def scipy_optimum(value, sat, budget, cap=None):
    """A general-purpose solver's answer (SLSQP with the analytic gradient, scaled)."""
    v, s = value.to_numpy() / value.sum(), sat.to_numpy()
    upper = np.full(len(v), budget) if cap is None else np.minimum(cap.to_numpy(), budget)
    best = minimize(
        lambda h: -np.sum(v * -np.expm1(-h / s)),
        np.minimum(upper, budget / len(v)),
        jac=lambda h: -v / s * np.exp(-h / s),
        method="SLSQP",
        bounds=list(zip(np.zeros(len(v)), upper, strict=True)),
        constraints=[{"type": "eq", "fun": lambda h: h.sum() - budget, "jac": np.ones_like}],
        options={"ftol": 1e-14, "maxiter": 1000},
    )
    assert best.success, best.message
    return best.x, -best.fun * value.sum()


def test_no_general_purpose_solver_finds_a_better_allocation():
    value, sat = random_case(8, seed=3)
    result = allocate_hours(value, 150.0, saturation_hours=sat)
    hours, gain = scipy_optimum(value, sat, 150.0)
    assert result.totals["optimal_gain"] >= gain - 1e-6
    np.testing.assert_allclose(result.table["hours"], hours, atol=1e-3)


def test_no_single_transfer_of_hours_improves_the_gain():
    value, sat = random_case(40, seed=4)
    result = allocate_hours(value, 800.0, saturation_hours=sat)
    hours = result.table["hours"].to_numpy()
    base = response_gain(hours, value, sat).sum()
    rng = np.random.default_rng(0)
    for _ in range(200):
        i, j = rng.choice(len(hours), 2, replace=False)
        moved = min(hours[i], rng.uniform(0, 5))
        trial = hours.copy()
        trial[i] -= moved
        trial[j] += moved
        assert response_gain(trial, value, sat).sum() <= base + 1e-9


def test_optimum_beats_equal_split_and_current_allocation():
    value, sat = random_case(25, seed=5)
    current = pd.Series(np.linspace(1, 40, 25), index=value.index)
    budget = math.fsum(current)
    result = allocate_hours(value, budget, saturation_hours=sat, current_hours=current)
    totals = result.totals
    assert totals["optimal_gain"] > totals["equal_gain"]
    assert totals["optimal_gain"] > totals["current_gain"]
    assert totals["gain_over_current"] == pytest.approx(
        totals["optimal_gain"] - totals["current_gain"]
    )
    np.testing.assert_allclose(result.table["equal_hours"], budget / 25)
    assert set(result.table.columns) >= {"current_hours", "current_gain"}


# --------------------------------------------------------------------------- caps


def test_caps_are_respected_and_capped_accounts_would_take_more():
    value, sat = random_case(100, seed=6)
    cap = pd.Series(np.where(np.arange(100) % 3 == 0, 10.0, np.inf), index=value.index)
    result = allocate_hours(value, 1_200.0, saturation_hours=sat, max_hours=cap)
    table, lam = result.table, result.shadow_price
    assert (table["hours"] <= cap + 1e-12).all()
    assert math.fsum(table["hours"]) == pytest.approx(1_200.0, rel=1e-9)
    at_cap = table["hours"] >= cap - 1e-9
    free = (table["hours"] > 0) & ~at_cap
    assert at_cap.any() and free.any()
    np.testing.assert_allclose(table.loc[free, "marginal_gain_per_hour"], lam, rtol=1e-9)
    assert (table.loc[at_cap, "marginal_gain_per_hour"] >= lam * (1 - 1e-9)).all()
    np.testing.assert_array_less(table["equal_hours"], cap + 1e-12)


def test_caps_match_a_general_purpose_solver():
    value, sat = random_case(6, seed=7)
    cap = pd.Series([5.0, 50.0, 8.0, 100.0, 3.0, 30.0], index=value.index)
    result = allocate_hours(value, 90.0, saturation_hours=sat, max_hours=cap)
    hours, gain = scipy_optimum(value, sat, 90.0, cap)
    assert result.totals["optimal_gain"] >= gain - 1e-6
    np.testing.assert_allclose(result.table["hours"], hours, atol=1e-3)


def test_budget_beyond_the_caps_allocates_every_cap_and_reports_unused_hours():
    result = allocate_hours(accounts([3000.0, 1000.0, 0.0]), 500.0, max_hours=60.0)
    np.testing.assert_array_equal(result.table["hours"], [60.0, 60.0, 0.0])
    assert result.hours_used == 120.0
    assert result.totals["unused_hours"] == 380.0
    assert result.shadow_price == 0.0
    assert "380 hours are left unused" in describe_allocation(result)


def test_zero_cap_gives_no_hours():
    cap = pd.Series([0.0, np.inf], index=["big", "small"])
    value = pd.Series([9000.0, 100.0], index=["big", "small"])
    result = allocate_hours(value, 50.0, max_hours=cap)
    assert result.table["hours"].tolist() == pytest.approx([0.0, 50.0])


# --------------------------------------------------------------------------- inputs


def test_series_parameters_are_aligned_by_account_id_not_position():
    value = pd.Series([1000.0, 4000.0], index=["a", "b"])
    sat = pd.Series([80.0, 20.0], index=["b", "a"])
    result = allocate_hours(value, 30.0, saturation_hours=sat)
    assert result.table.loc["a", "saturation_hours"] == 20.0
    assert result.table.loc["b", "saturation_hours"] == 80.0


def test_large_portfolio_is_solved_whole():
    value, sat = random_case(100_000, seed=8)
    result = allocate_hours(value, 1e6, saturation_hours=sat)
    assert result.hours_used == pytest.approx(1e6, rel=1e-9)
    assert result.hours_used <= 1e6


def test_no_accounts_gives_an_empty_allocation():
    result = allocate_hours(pd.Series([], dtype="float64"), 100.0)
    assert isinstance(result, Allocation)
    assert result.table.empty
    assert result.totals["unused_hours"] == 100.0


VALUE = pd.Series([100.0, 200.0, 300.0], index=["north", "south", "east"])


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"value_at_stake": VALUE.set_axis(["n", "s", "n"])}, "duplicate account ids: n"),
        ({"value_at_stake": VALUE * [1, -1, 1]}, "negative for 1 account: south"),
        ({"value_at_stake": VALUE.where(VALUE != 300)}, "missing or not finite"),
        ({"budget_hours": -5.0}, "budget_hours must be a finite number >= 0"),
        ({"budget_hours": float("nan")}, "budget_hours must be a finite number >= 0"),
        ({"budget_hours": "lots"}, "budget_hours must be a number"),
        ({"saturation_hours": 0.0}, "saturation_hours is not > 0 for 3 accounts"),
        (
            {"saturation_hours": pd.Series([40.0, -1.0, 40.0], index=VALUE.index)},
            "saturation_hours is not > 0 for 1 account: south",
        ),
        (
            {"saturation_hours": pd.Series([40.0, 40.0], index=["north", "south"])},
            "saturation_hours has no value for 1 account: east",
        ),
        (
            {"max_hours": pd.Series([1.0, np.nan, -2.0], index=VALUE.index)},
            "max_hours is missing or not finite for 1 account: south",
        ),
        ({"max_hours": -1.0}, "max_hours is negative"),
        (
            {"current_hours": pd.Series([1.0, 2.0], index=["north", "south"])},
            "current_hours has no value for 1 account: east",
        ),
        (
            {"current_hours": pd.Series([1.0, 2.0, 3.0, 4.0], index=[*VALUE.index, "west"])},
            "not in value_at_stake: west",
        ),
        (
            {"current_hours": pd.Series([1.0, -2.0, 3.0], index=VALUE.index)},
            "current_hours is negative for 1 account: south",
        ),
    ],
)
def test_bad_inputs_raise_input_error_naming_the_accounts(kwargs, message):
    args = {"value_at_stake": VALUE, "budget_hours": 100.0} | kwargs
    with pytest.raises(InputError) as error:
        allocate_hours(**args)
    assert message in str(error.value)


def test_value_at_stake_must_be_a_series():
    with pytest.raises(InputError, match="pandas Series"):
        allocate_hours([1.0, 2.0], 10.0)


# --------------------------------------------------------------------------- what hours cost


def net_gain_at(value, sat, budget, cost, cap=None):
    """The net gain of the best split of ``budget``: gain - budget x cost."""
    result = allocate_hours(value, budget, saturation_hours=sat, max_hours=cap)
    return result.totals["optimal_gain"] - result.hours_used * cost


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_optimal_budget_beats_every_budget_of_a_brute_force_scan(seed):
    value, sat = random_case(30, seed)
    cost = 65.0
    best = optimal_budget(value, cost, saturation_hours=sat)
    budget = best.sum()
    assert 0 < budget
    scan = np.linspace(0.0, 2.5 * budget, 501)
    net = np.array([net_gain_at(value, sat, b, cost) for b in scan])
    peak = scan[net.argmax()]
    assert abs(peak - budget) <= scan[1]  # the scan's best budget is the closed form's
    assert net_gain_at(value, sat, budget, cost) >= net.max() - 1e-6


def test_closed_form_hours_are_the_budget_split_with_the_last_hour_earning_its_cost():
    value, sat = random_case(50, seed=7)
    cost = 65.0
    best = optimal_budget(value, cost, saturation_hours=sat)
    # h* = s ln(V / (s c)) where the first hour earns more than it costs, else 0
    first_hour = value / sat
    expected = np.where(first_hour > cost, sat * np.log(value / (sat * cost)), 0.0)
    np.testing.assert_allclose(best, expected, rtol=1e-12)
    result = allocate_hours(value, best.sum(), saturation_hours=sat, hour_cost=cost)
    assert result.shadow_price == pytest.approx(cost, rel=1e-9)
    np.testing.assert_allclose(result.table["hours"], best, atol=1e-7)
    np.testing.assert_allclose(result.table["optimal_budget_hours"], best)
    assert result.totals["net_gain"] == pytest.approx(result.totals["optimal_budget_net_gain"])


def test_optimal_budget_respects_caps_and_matches_a_scan():
    value, sat = random_case(20, seed=8)
    cap = pd.Series(np.linspace(0, 60, 20), index=value.index)
    cost = 40.0
    best = optimal_budget(value, cost, saturation_hours=sat, max_hours=cap)
    assert (best <= cap).all() and best.iloc[0] == 0
    scan = np.linspace(0.0, cap.sum(), 401)
    net = np.array([net_gain_at(value, sat, b, cost, cap) for b in scan])
    assert net_gain_at(value, sat, best.sum(), cost, cap) >= net.max() - 1e-6


def test_the_plan_is_priced_at_the_hour_cost_and_today_too():
    value, sat = random_case(25, seed=5)
    current = pd.Series(30.0, index=value.index)
    result = allocate_hours(value, 500.0, saturation_hours=sat, current_hours=current, hour_cost=65)
    t = result.totals
    assert result.hour_cost == t["hour_cost"] == 65.0
    assert t["gain"] == t["optimal_gain"]
    assert t["hours_cost"] == pytest.approx(500.0 * 65)
    assert t["net_gain"] == pytest.approx(t["optimal_gain"] - 500.0 * 65)
    assert t["current_cost"] == pytest.approx(750.0 * 65)
    assert t["current_net_gain"] == pytest.approx(t["current_gain"] - 750.0 * 65)
    assert t["optimal_budget_cost"] == pytest.approx(t["optimal_budget_hours"] * 65)
    # the optimal budget has the largest net gain of the three
    assert t["optimal_budget_net_gain"] >= max(t["net_gain"], t["current_net_gain"])


def test_an_account_whose_first_hour_earns_less_than_it_costs_gets_none_at_the_optimum():
    value = accounts([6_500.0, 2_600.0, 2_500.0])  # first hour earns V / 40: 162.5, 65, 62.5
    best = optimal_budget(value, 65.0, saturation_hours=40.0)
    assert best.iloc[0] == pytest.approx(40 * math.log(2.5))
    assert best.iloc[1] == 0 and best.iloc[2] == 0


def test_without_an_hour_cost_there_are_no_cost_figures():
    result = allocate_hours(accounts([100.0, 200.0]), 10.0)
    assert result.hour_cost is None
    assert "net_gain" not in result.totals and "optimal_budget_hours" not in result.table


@pytest.mark.parametrize("cost", [0.0, -5.0, np.nan, np.inf, "a lot"])
def test_hour_cost_must_be_a_positive_amount(cost):
    with pytest.raises(InputError, match="hour_cost"):
        allocate_hours(accounts([100.0]), 10.0, hour_cost=cost)
    with pytest.raises(InputError, match="hour_cost"):
        optimal_budget(accounts([100.0]), cost)


def test_the_headline_figures_are_plain_json():
    import json

    value, sat = random_case(10, seed=2)
    current = pd.Series(5.0, index=value.index)
    result = allocate_hours(value, 80.0, saturation_hours=sat, current_hours=current, hour_cost=65)
    out = json.loads(json.dumps(result.to_dict(), allow_nan=False))
    for key in ("hour_cost", "optimal_budget_hours", "gain", "net_gain", "budget_hours"):
        assert isinstance(out[key], float)
    assert out["marginal_gain_last_hour"] == pytest.approx(result.shadow_price)
    assert out["hours_used"] == pytest.approx(80.0)
    assert out["current_net_gain"] == pytest.approx(result.totals["current_net_gain"])
    assert out["currency"] == "GBP" and out["accounts"] == 10


def test_the_budget_curve_peaks_at_the_optimal_budget():
    value, sat = random_case(40, seed=6)
    current = pd.Series(25.0, index=value.index)
    result = allocate_hours(
        value, 1_000.0, saturation_hours=sat, current_hours=current, hour_cost=65
    )
    curve = budget_curve(result, points=401)
    best = result.totals["optimal_budget_hours"]
    assert curve["budget_hours"].iloc[-1] == pytest.approx(2 * max(1_000.0, best))
    peak = curve.loc[curve["net_gain"].idxmax()]
    assert abs(peak["budget_hours"] - best) <= curve["budget_hours"].diff().max()
    assert curve["net_gain"].max() <= result.totals["optimal_budget_net_gain"] + 1e-6
    # the last hour pays below the optimum and loses money beyond it
    assert (curve.loc[curve["budget_hours"] < 0.99 * best, "marginal_gain"] > 65).all()
    assert (curve.loc[curve["budget_hours"] > 1.01 * best, "marginal_gain"] < 65).all()
    with pytest.raises(InputError, match="hour cost"):
        budget_curve(allocate_hours(value, 10.0))


# --------------------------------------------------------------------------- a year's value at stake


@pytest.fixture(scope="module")
def fitted():
    """A BG/NBD + Gamma-Gamma value over 36 months, with a yearly cost to serve."""
    from kamlab.models import BetaGeo, GammaGamma
    from kamlab.models.simulate import simulate_bgnbd
    from kamlab.value.clv import customer_value

    ages = np.random.default_rng(0).uniform(26, 104, 300)
    data = simulate_bgnbd(300, 0.8, 6.0, 1.2, 6.0, T=ages, spend=(4.0, 8.0, 300.0), seed=0)
    bg, gg = BetaGeo().fit(data), GammaGamma().fit(data)
    kw = dict(discount=0.10, margin=0.3, cost_per_year=50.0)
    return data, bg, gg, kw, customer_value(data, bg, gg, horizon_months=36, **kw)


def test_value_at_stake_is_the_uplift_over_the_next_12_months_not_the_clv_horizon(fitted):
    from kamlab.portfolio.allocate import value_at_stake
    from kamlab.value.clv import customer_value
    from kamlab.value.uplift import retention_uplift

    data, bg, gg, kw, value36 = fitted
    year = customer_value(data, bg, gg, horizon_months=12, **kw)
    stake = value_at_stake(value36, points=5)
    expected = retention_uplift(year, points=5, n_draws=0).table["uplift"].clip(lower=0)
    np.testing.assert_allclose(stake, expected, rtol=1e-12)
    three_years = retention_uplift(value36, points=5, n_draws=0).table["uplift"].clip(lower=0)
    assert stake.sum() < three_years.sum()


def test_the_hours_charge_is_left_out_of_the_value_since_the_plan_prices_the_hours(fitted):
    from kamlab.portfolio.allocate import value_at_stake
    from kamlab.value.clv import customer_value

    data, bg, gg, kw, value36 = fitted  # a yearly cost to serve of 50, all of it hours
    charge = pd.Series(50.0, index=value36.table.index)
    stake = value_at_stake(value36, hours_charge=charge)
    free = customer_value(data, bg, gg, horizon_months=36, **{**kw, "cost_per_year": 0.0})
    np.testing.assert_allclose(stake, value_at_stake(free), rtol=1e-12)
    assert stake.sum() > value_at_stake(value36).sum()  # serving a kept account costs less


def test_a_value_re_valued_over_another_horizon_keeps_its_models_and_inputs(fitted):
    from kamlab.value.clv import customer_value

    data, bg, gg, kw, value36 = fitted
    np.testing.assert_allclose(value36.with_horizon(36).table["clv"], value36.table["clv"])
    year = value36.with_horizon(12)
    assert year.horizon_months == 12 and year.model is bg
    direct = customer_value(data, bg, gg, horizon_months=12, **kw).table
    pd.testing.assert_frame_equal(year.table, direct)


def test_with_no_discount_and_no_cost_a_years_value_is_a_years_expected_margin():
    from kamlab.models import BetaGeo
    from kamlab.models.simulate import simulate_bgnbd
    from kamlab.value.clv import customer_value

    data = simulate_bgnbd(200, 0.8, 6.0, 1.2, 6.0, T=80.0, seed=1)
    bg = BetaGeo().fit(data)
    year = customer_value(data, bg, 100.0, horizon_months=36, discount=0.0, margin=0.3)
    year = year.with_horizon(12)
    weeks = 365.25 / 7
    purchases = bg.conditional_expected_purchases(weeks, data)
    np.testing.assert_allclose(year.table["clv"], 0.3 * 100.0 * purchases, rtol=1e-6)


def plan_of(fitted, table_columns: dict, **options):
    from kamlab.portfolio.planning import plan_hours

    _, _, _, _, value36 = fitted
    index = value36.table.index
    table = pd.DataFrame(
        {"tier": pd.Categorical(["key"] * len(index), categories=["key", "key development"])},
        index=index,
    )
    table = table.assign(**table_columns)
    pnl = pd.DataFrame(index=index)
    pnl.attrs["currency"] = "GBP"
    run = SimpleNamespace(value=value36, pnl=pnl, notes=[])
    return plan_hours(run, None, table, **{"budget_hours": 500.0, **options})


def test_value_at_stake_is_retention_part_plus_growth_capture_times_potential(fitted):
    _, _, _, _, value36 = fitted
    potential = pd.Series(np.linspace(0, 20_000, len(value36.table)), index=value36.table.index)
    plan, notes = plan_of(fitted, {"potential": potential}, growth_capture=0.25)
    t = plan.table
    np.testing.assert_allclose(t["growth_at_stake"], 0.25 * potential)
    np.testing.assert_allclose(t["value_at_stake"], t["retention_at_stake"] + t["growth_at_stake"])
    assert plan.basis == {
        "horizon_months": 12,
        "retention_points": 5.0,
        "growth_capture": 0.25,
        "potential": True,
    }
    assert plan.hour_cost == 65.0  # kamlab/cost_to_serve.yaml's account_drivers.kam_hours
    assert any(
        "value at stake a year = retention part" in n and "25% of potential" in n for n in notes
    )
    text = describe_allocation(plan)
    assert "plus the growth part, 25% of its potential, the annual margin headroom" in text
    assert "hours a year" in text


def test_the_growth_part_counts_potential_only_as_far_as_the_account_is_still_buying(fitted):
    _, _, _, _, value36 = fitted
    index = value36.table.index
    potential = pd.Series(10_000.0, index=index)
    alive = pd.Series(np.linspace(0.0, 1.0, len(index)), index=index)
    plan, _ = plan_of(
        fitted, {"potential": potential, "probability_alive": alive}, growth_capture=0.2
    )
    np.testing.assert_allclose(plan.table["growth_at_stake"], 0.2 * 10_000.0 * alive)
    assert plan.table["growth_at_stake"].iloc[0] == 0  # a lost account's headroom is no plan


def test_without_potential_value_at_stake_is_retention_only_and_a_note_says_so(fitted):
    plan, notes = plan_of(fitted, {})
    assert (plan.table["growth_at_stake"] == 0).all()
    np.testing.assert_allclose(plan.table["value_at_stake"], plan.table["retention_at_stake"])
    assert any("no potential column" in n and "retention part only" in n for n in notes)
    assert "the retention part only" in describe_allocation(plan)


def test_without_a_budget_or_todays_hours_the_plan_is_the_budget_where_the_last_hour_pays(
    fitted,
):
    potential = pd.Series(50_000.0, index=fitted[4].table.index)
    plan, notes = plan_of(fitted, {"potential": potential}, budget_hours=None)
    best = optimal_budget(plan.table["value_at_stake"], 65.0).sum()
    assert best > 0 and plan.budget_hours == pytest.approx(best)
    assert plan.shadow_price == pytest.approx(65.0, rel=1e-6)  # the last hour earns its cost
    assert any(f"the last hour earns its cost, {best:,.0f} hours a year" in n for n in notes)


def test_when_not_one_hour_pays_the_plan_gives_none_and_says_so(fitted):
    plan, _ = plan_of(fitted, {}, budget_hours=None, hour_cost=1e9)
    assert plan.budget_hours == 0 and (plan.table["hours"] == 0).all()
    text = describe_allocation(plan)
    assert text.startswith("No account-manager hour pays for itself here, so the plan gives none")
    assert "the first hour at the account with most at stake would earn GBP" in text
    from kamlab.presentation.executive import plan_sentence

    assert plan_sentence(plan).startswith(
        "Hours: no account-manager hour pays for itself at GBP 1,000,000,000 an hour, so the "
        "plan gives none: better retention and growth could add at most GBP"
    )


def test_the_hour_cost_comes_from_the_cost_rates_or_must_be_given(fitted):
    plan, _ = plan_of(fitted, {}, rates={"account_drivers": {"kam_hours": 80}})
    assert plan.hour_cost == 80.0
    plan, _ = plan_of(fitted, {}, rates={"account_drivers": {"kam_hours": 80}}, hour_cost=50)
    assert plan.hour_cost == 50.0
    with pytest.raises(ConfigError, match="kam_hours.*--hour-cost"):
        plan_of(fitted, {}, rates={"account_drivers": {"kam_hours": 0}})
    with pytest.raises(ConfigError, match="growth capture"):
        plan_of(fitted, {}, growth_capture=1.5)


# --------------------------------------------------------------------------- describe


def test_describe_gives_the_numbers_in_a_sentence():
    value = pd.Series([6000.0, 2000.0, 0.0], index=["a", "b", "c"])
    value.attrs["currency"] = "EUR"
    current = pd.Series([10.0, 10.0, 10.0], index=value.index)
    result = allocate_hours(value, 60.0, current_hours=current)
    text = describe_allocation(result)
    assert text.startswith("Allocating 60 of 60 account-manager hours to 2 of 3 accounts")
    assert f"EUR {result.totals['optimal_gain']:,.0f}" in text
    assert "more than an equal split (20.0 h each)" in text
    assert "more than the current allocation" in text
    assert "which uses 30 hours, not the 60 budgeted" in text
    assert f"EUR {result.shadow_price:,.2f}" in text


def test_describe_says_what_the_hours_cost_and_where_the_optimum_is():
    value = pd.Series([60_000.0, 20_000.0, 1_000.0], index=["a", "b", "c"])
    current = pd.Series([100.0, 100.0, 100.0], index=value.index)
    best = optimal_budget(value, 65.0).sum()
    beyond = describe_allocation(
        allocate_hours(value, 3 * best, current_hours=current, hour_cost=65)
    )
    assert "At GBP 65.00 an hour (the loaded rate)" in beyond
    assert "net gain of GBP" in beyond
    assert "less than the GBP 65.00 it costs" in beyond and "lose money at the margin" in beyond
    assert f"The budget at which the last hour earns its cost is {best:,.0f} hours" in beyond
    assert "Today's 300 hours gain GBP" in beyond
    below = describe_allocation(allocate_hours(value, best / 2, hour_cost=65))
    assert "more than the GBP 65.00 it costs: more hours would pay" in below
    at = describe_allocation(allocate_hours(value, best, hour_cost=65))
    assert "what it costs (GBP 65.00): this budget is the optimum" in at


# --------------------------------------------------------------------------- charts


@pytest.fixture
def allocation():
    value, sat = random_case(30, seed=9)
    current = pd.Series(20.0, index=value.index)
    return allocate_hours(value, 600.0, saturation_hours=sat, current_hours=current)


def test_allocation_chart_compares_optimal_with_current_hours(allocation):
    fig, ax = plt.subplots()
    best = allocation.table["value_at_stake"].idxmax()
    out = allocation_chart(allocation, top=10, names=pd.Series({best: "Smith $ Sons $ Ltd"}), ax=ax)
    assert out is ax and isinstance(out, Axes)
    assert "optimal vs current" in ax.get_title()
    assert "top 10 of 30" in ax.get_title()
    assert ax.get_xlabel() and ax.get_ylabel()
    assert len(ax.patches) == 20
    top_label = ax.get_yticklabels()[-1]  # largest value at stake at the top, as plain text
    assert top_label.get_text() == "Smith $ Sons $ Ltd" and not top_label.get_parse_math()
    fig.canvas.draw()
    plt.close(fig)


def test_allocation_chart_falls_back_to_equal_split_and_handles_no_accounts():
    fig, (left, right) = plt.subplots(1, 2)
    allocation_chart(allocate_hours(accounts([10.0, 20.0]), 10.0), ax=left)
    assert "optimal vs equal split" in left.get_title()
    allocation_chart(allocate_hours(pd.Series([], dtype="float64"), 10.0), ax=right)
    assert right.get_title()
    plt.close(fig)


def test_net_gain_chart_marks_the_optimal_budget_and_todays_hours():
    value, sat = random_case(30, seed=9)
    current = pd.Series(20.0, index=value.index)
    result = allocate_hours(value, 900.0, saturation_hours=sat, current_hours=current, hour_cost=65)
    fig, ax = plt.subplots()
    out = net_gain_chart(result, ax=ax)
    assert out is ax and "GBP 65 an hour" in ax.get_title()
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "net gain" in labels
    assert f"optimal budget: {result.totals['optimal_budget_hours']:,.0f} h" in labels
    assert "today's hours: 600 h" in labels and "budget: 900 h" in labels
    fig.canvas.draw()
    plt.close(fig)


def test_response_curves_mark_the_chosen_hours(allocation):
    fig, ax = plt.subplots()
    out = response_curves(allocation, n=3, ax=ax)
    assert out is ax
    assert "Diminishing returns" in ax.get_title()
    assert "GBP" in ax.get_ylabel() and "hours" in ax.get_xlabel()
    top = allocation.table["value_at_stake"].nlargest(3).index
    curves = [line for line in ax.get_lines() if len(line.get_xdata()) == 200]
    assert len(curves) == 3
    dots = [line for line in ax.get_lines() if len(line.get_xdata()) == 1]
    chosen = allocation.table.loc[top, "hours"].to_numpy()
    assert np.isin(chosen, [d.get_xdata()[0] for d in dots]).all()
    fig.canvas.draw()
    plt.close(fig)


def test_response_curves_for_named_accounts():
    fig, ax = plt.subplots()
    result = allocate_hours(accounts([500.0, 900.0, 0.0]), 40.0)
    response_curves(result, accounts=["acct2", "acct0"], names=pd.Series({"acct0": "$A$"}), ax=ax)
    texts = ax.get_legend().get_texts()
    assert texts[1].get_text() == "$A$" and not texts[1].get_parse_math()
    with pytest.raises(KeyError, match="nope"):
        response_curves(result, accounts=["nope"], ax=ax)
    plt.close(fig)


def test_a_budget_that_loses_money_and_an_optimum_of_no_hours_are_said_plainly():
    """Online Retail: 51,600 hours (20 an account, no KAM hours in the data) add GBP 67k
    and cost GBP 3.35m. 'a net gain of GBP -3,286,599' and 'the budget at which the last
    hour earns its cost is 0 hours ... net gain GBP 0' read as arithmetic, not advice."""
    ids = pd.Index(["A1", "A2"], name="account_id")
    plan = allocate_hours(pd.Series([50.0, 20.0], index=ids), 40.0, hour_cost=65.0)
    text = describe_allocation(plan)
    loss = -plan.totals["net_gain"]
    assert f"a net loss of GBP {loss:,.0f}" in text and "net gain of GBP -" not in text
    assert "is 0 hours" not in text
    assert "No hour earns its cost at GBP 65.00 an hour: the best budget is none" in text
