"""Retention-driven profit uplift: closed forms, per-account scenarios and intervals."""

import numpy as np
import pandas as pd
import pytest

from kamlab.errors import ConfigError, InputError
from kamlab.models import BetaGeo, GammaGamma, ParetoNBD, ShiftedBetaGeometric
from kamlab.models.simulate import simulate_bgnbd
from kamlab.presentation.value import compare_with_reichheld, reichheld_reasons, uplift_headline
from kamlab.value.clv import contract_value, customer_value
from kamlab.value.uplift import gupta_lehmann_clv, retention_uplift


def homogeneous_sbg(retention: float) -> ShiftedBetaGeometric:
    """sBG with (almost) no heterogeneity: every customer renews with probability ``retention``."""
    return ShiftedBetaGeometric().set_estimates(
        {"alpha": (1 - retention) * 1e7, "beta": retention * 1e7}
    )


@pytest.mark.parametrize(("r0", "lift"), [(0.80, 27.5), (0.90, 40.7)])
def test_five_points_of_constant_retention_match_gupta_lehmann(r0, lift):
    # CLV = m r / (1 + d - r): at d = 10%, 0.80 -> 0.85 is +27.5%, 0.90 -> 0.95 is +40.7%
    assert gupta_lehmann_clv(1.0, r0 + 0.05, 0.10) / gupta_lehmann_clv(
        1.0, r0, 0.10
    ) - 1 == pytest.approx(lift / 100, abs=5e-4)
    value = contract_value(
        homogeneous_sbg(r0), pd.Series([0, 5], index=["a", "b"]), 1.0, discount=0.10
    )
    # payments at the start of each period: DERL = (1 + d) x Gupta-Lehmann
    assert value.table["clv"].to_numpy() == pytest.approx(
        (1.1 * gupta_lehmann_clv(1.0, r0, 0.10)), rel=1e-5
    )

    uplift = retention_uplift(value, points=5, n_draws=0)

    assert uplift.total["uplift_pct"] == pytest.approx(lift, abs=0.05)
    assert uplift.table["retention_scenario"].to_numpy() == pytest.approx(r0 + 0.05)
    assert uplift_headline(uplift) == f"5 points more retention -> +{lift:.1f}% portfolio value"


@pytest.fixture(scope="module")
def value():
    ages = np.random.default_rng(0).uniform(26, 104, 300)
    data = simulate_bgnbd(300, 0.8, 6.0, 1.2, 6.0, T=ages, spend=(4.0, 8.0, 300.0), seed=0)
    bg, gg = BetaGeo().fit(data), GammaGamma().fit(data)
    return customer_value(data, bg, gg, horizon_months=36, discount=0.10, margin=0.3)


def test_bgnbd_retention_is_one_minus_p_and_rises_by_the_points_asked(value):
    uplift = retention_uplift(value, points=5, n_draws=0)
    table = uplift.table

    assert "1 - p" in uplift.definition
    rise = table["retention_scenario"] - table["retention"]
    assert rise[~table["capped"]].to_numpy() == pytest.approx(0.05)
    assert (rise[table["capped"]] < 0.05).all()  # dropout already below 5 points: capped
    assert table["capped"].any()
    capped = int(table["capped"].sum())
    assert f"capped for {capped:,} account{'s' if capped != 1 else ''} " in uplift_headline(uplift)
    assert (table["uplift"] > 0).all()
    assert uplift.total["uplift"] == pytest.approx(table["uplift"].sum())
    # convexity: the same points are worth more where retention is already high
    assert np.corrcoef(table["retention"], table["uplift_pct"])[0, 1] > 0.5


def test_a_chosen_set_of_accounts_changes_only_those(value):
    chosen = value.table.index[:20]

    uplift = retention_uplift(value, points=5, accounts=chosen, n_draws=0)

    table = uplift.table
    assert table.loc[chosen, "uplift"].gt(0).all()
    assert table.drop(chosen)["uplift"].abs().max() == 0
    assert "(on 20 of 300 accounts)" in uplift_headline(uplift)


def test_churn_reduction_scales_the_expected_dropout(value):
    uplift = retention_uplift(value, churn_reduction=0.2, n_draws=0)
    churn = 1 - uplift.table["retention"]
    churn_after = 1 - uplift.table["retention_scenario"]

    assert churn_after.to_numpy() == pytest.approx(0.8 * churn.to_numpy())
    assert uplift_headline(uplift).startswith("20% less churn -> +")


def test_the_interval_comes_from_seeded_parameter_draws(value):
    first = retention_uplift(value, points=5, n_draws=60, seed=1)
    again = retention_uplift(value, points=5, n_draws=60, seed=1)

    total = first.total
    assert total["uplift_pct_lower"] < total["uplift_pct"] < total["uplift_pct_upper"]
    assert total["uplift_lower"] < total["uplift"] < total["uplift_upper"]
    assert first.total.equals(again.total)
    assert len(first.draws) == 60
    assert (first.table["uplift_lower"] <= first.table["uplift_upper"]).all()
    assert "90% interval" in uplift_headline(first)


def test_pareto_nbd_retention_is_annual_retention(value):
    data = value.inputs["summary"]
    pareto = customer_value(data, ParetoNBD().fit(data), GammaGamma().fit(data), margin=0.3)

    uplift = retention_uplift(pareto, points=5, n_draws=0)

    assert "annual retention" in uplift.definition
    rise = uplift.table["retention_scenario"] - uplift.table["retention"]
    assert rise.to_numpy() == pytest.approx(0.05)
    assert uplift.total["uplift_pct"] > 0


def test_scenarios_are_checked(value):
    with pytest.raises(ConfigError, match="exactly one of"):
        retention_uplift(value, points=5, churn_reduction=0.1)
    with pytest.raises(ConfigError, match="exactly one of"):
        retention_uplift(value)
    with pytest.raises(ConfigError, match="points must be between 0 and 100"):
        retention_uplift(value, points=150)
    with pytest.raises(ConfigError, match="churn_reduction must be between 0 and 1"):
        retention_uplift(value, churn_reduction=1.5)
    with pytest.raises(InputError, match="not in the value table"):
        retention_uplift(value, points=5, accounts=["nobody"])


def test_no_interval_without_a_covariance():
    value = contract_value(homogeneous_sbg(0.8), pd.Series([0], index=["a"]), 1.0)
    with pytest.raises(InputError, match="no covariance"):
        retention_uplift(value, points=5)


# --------------------------------------------------------------------------- against Reichheld


def _reason(reasons: list[str], start: str) -> str | None:
    return next((r for r in reasons if r.startswith(start)), None)


def test_the_comparison_with_reichheld_places_the_total_and_lists_its_reasons(value):
    uplift = retention_uplift(value, points=5, n_draws=0)
    text = compare_with_reichheld(uplift)
    first, *reasons = text.splitlines()
    assert first.startswith("Reichheld & Sasser (1990): 5 points fewer defections raised")
    assert f"Here {uplift.total['uplift_pct']:+.1f}% of portfolio value, within that range" in first
    small = retention_uplift(value, points=1, n_draws=0)
    assert "below that range" in compare_with_reichheld(small).splitlines()[0]
    assert all(line.startswith("- ") for line in reasons)
    assert len(reasons) == len(reichheld_reasons(uplift))


def test_bgnbd_reasons_horizon_tenure_and_retention_per_purchase(value):
    uplift = retention_uplift(value, points=5, n_draws=0)
    reasons = reichheld_reasons(uplift)
    horizon = _reason(reasons, "the horizon:")
    assert "36 months of profit, discounted at 10% a year" in horizon
    assert _reason(reasons, "tenure effects are not modelled")
    per_purchase = _reason(reasons, "retention per purchase, not per year: BG/NBD's")
    capped = int(uplift.table["capped"].sum())
    assert f"for {capped:,} account{'s' if capped != 1 else ''} already within 5" in per_purchase
    # margin 30%, no cost to serve: no account is worth less than nothing
    assert _reason(reasons, "value-destroying") is None
    assert _reason(reasons, "the scenario:") is None  # 5 points: their scenario


def test_pareto_nbd_retention_is_reichhelds_so_it_is_no_reason(value):
    data = value.inputs["summary"]
    pareto = customer_value(data, ParetoNBD().fit(data), GammaGamma().fit(data), margin=0.3)
    reasons = reichheld_reasons(retention_uplift(pareto, points=5, n_draws=0))
    assert not any(r.startswith("retention per") for r in reasons)


def test_accounts_of_negative_value_are_a_reason_with_their_loss(value):
    summary = value.inputs["summary"]
    costly = pd.Series(0.0, index=summary.index)
    costly.iloc[:30] = 1e5  # a cost to serve no margin covers
    losing = customer_value(
        summary, value.model, value.inputs["spend_model"], margin=0.3, cost_per_year=costly
    )
    uplift = retention_uplift(losing, points=5, n_draws=0)
    negative = uplift.table["clv"] < 0
    assert negative.sum() == 30
    reason = _reason(reichheld_reasons(uplift), "value-destroying accounts: 30 of the 300")
    assert "keeping them longer loses GBP" in reason
    others = uplift.table[~negative]
    assert (
        f"(the others alone: {100 * others['uplift'].sum() / others['clv'].sum():+.1f}%)" in reason
    )


def test_a_churn_reduction_and_a_lifetime_contract_value_give_their_own_reasons(value):
    churn = reichheld_reasons(retention_uplift(value, churn_reduction=0.2, n_draws=0))
    assert _reason(churn, "the scenario: theirs is 5 points") == (
        "the scenario: theirs is 5 points fewer defections, this one 20% less churn."
    )
    contracts = contract_value(homogeneous_sbg(0.8), pd.Series([0, 5], index=["a", "b"]), 1.0)
    reasons = reichheld_reasons(retention_uplift(contracts, points=5, n_draws=0))
    assert _reason(reasons, "the horizon:") is None  # a lifetime value: no horizon
    assert _reason(reasons, "retention per contract period")


def test_no_comparison_when_the_portfolio_is_worth_nothing(value):
    uplift = retention_uplift(value, points=5, n_draws=0)
    uplift.total["value"] = -1.0
    assert "no comparison here" in compare_with_reichheld(uplift)


def test_accounts_whose_rise_was_capped_are_a_reason_when_retention_is_not_per_purchase():
    contracts = contract_value(homogeneous_sbg(0.97), pd.Series([0, 5], index=["a", "b"]), 1.0)
    uplift = retention_uplift(contracts, points=5, n_draws=0)
    assert uplift.table["capped"].all()
    assert _reason(reichheld_reasons(uplift), "the cap: 2 accounts were already within 5 points")
