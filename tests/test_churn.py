"""The key-account watch list ranks accounts by the value their uncertain status puts at risk."""

import dataclasses

import numpy as np
import pandas as pd
import pytest

from kamlab.errors import ConfigError
from kamlab.models import BetaGeo, GammaGamma, ShiftedBetaGeometric
from kamlab.models.simulate import simulate_bgnbd
from kamlab.value.churn import WATCH_BANDS, watch_list, watch_lists
from kamlab.value.clv import contract_value, customer_value


@pytest.fixture(scope="module")
def value():
    ages = np.random.default_rng(0).uniform(26, 104, 300)
    data = simulate_bgnbd(300, 0.8, 6.0, 1.2, 6.0, T=ages, spend=(4.0, 8.0, 300.0), seed=0)
    return customer_value(data, BetaGeo().fit(data), GammaGamma().fit(data), margin=0.3)


def test_value_at_risk_is_the_value_lost_to_an_uncertain_status(value):
    watch = watch_list(value)

    p, clv = watch["probability_alive"], watch["clv"]
    assert watch["value_if_alive"].to_numpy() == pytest.approx((clv / p).to_numpy())
    assert watch["value_at_risk"].to_numpy() == pytest.approx(((1 - p) * clv / p).to_numpy())
    assert watch["value_lost_if_churns"].equals(watch["clv"])
    assert watch["value_at_risk"].is_monotonic_decreasing
    assert watch["rank"].tolist() == list(range(1, len(watch) + 1))
    assert set(watch.index) == set(value.table.index)


def test_status_bands_and_top(value):
    watch = watch_list(value, top=10, bands=(0.4, 0.9))

    assert len(watch) == 10
    full = watch_list(value, bands=(0.4, 0.9))
    p = full["probability_alive"]
    assert (full.loc[p >= 0.9, "status"] == "active").all()
    assert (full.loc[(p >= 0.4) & (p < 0.9), "status"] == "at risk").all()
    assert (full.loc[p < 0.4, "status"] == "likely lost").all()
    assert (full["time_since_last_purchase"] >= 0).all()
    with pytest.raises(ConfigError, match="bands"):
        watch_list(value, bands=(0.9, 0.4))


def test_contracts_are_at_risk_of_not_renewing():
    sbg = ShiftedBetaGeometric().fit([1000, 631, 468, 382, 326, 289, 262, 241])
    value = contract_value(sbg, pd.Series([0, 8], index=["new", "loyal"]), 100.0)

    watch = watch_list(value)

    assert watch.loc["new", "probability_alive"] < watch.loc["loyal", "probability_alive"]
    assert watch.index[0] == "new"  # most likely to leave, so most at risk


def test_watch_lists_split_the_accounts_to_call_from_those_to_win_back(value):
    lists = watch_lists(value)

    assert lists.band == WATCH_BANDS == (0.2, 0.8)
    low, high = lists.band
    call, win_back = lists.at_risk, lists.likely_lost
    assert len(call) > 0 and len(win_back) > 0
    p_call, p_lost = call["probability_alive"], win_back["probability_alive"]
    assert ((p_call >= low) & (p_call < high)).all() and (p_lost < low).all()
    assert (call["status"] == "at risk").all() and (win_back["status"] == "likely lost").all()
    for part in (call, win_back):
        assert (part["value_at_risk"] > 0).all()
        assert part["value_at_risk"].is_monotonic_decreasing  # the most money first
        assert part["rank"].tolist() == list(range(1, len(part) + 1))
    full = watch_list(value)
    worth = full["value_at_risk"] > 0
    below_active = full["probability_alive"] < high
    assert set(call.index) | set(win_back.index) == set(full.index[worth & below_active])


def test_watch_lists_leave_out_accounts_worth_less_than_nothing_and_take_a_band(value):
    table = value.table.copy()
    loser = watch_lists(value).at_risk.index[0]
    table.loc[loser, "clv"] = -500.0  # costs more to serve than it brings
    costly = dataclasses.replace(value, table=table)

    assert loser not in watch_lists(costly).at_risk.index
    narrow = watch_lists(value, band=(0.5, 0.7), top=3)
    assert len(narrow.at_risk) <= 3 and len(narrow.likely_lost) == 3
    assert narrow.at_risk["probability_alive"].between(0.5, 0.7, inclusive="left").all()
    assert (narrow.likely_lost["probability_alive"] < 0.5).all()
    for bad in [(0.8, 0.2), (0.2,), "low", (-0.1, 0.5)]:
        with pytest.raises(ConfigError, match="band"):
            watch_lists(value, band=bad)
