"""Bad input gives a clear error, a fit that cannot converge says why, and the numerics hold
up where closed forms are fragile."""

import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import integrate

from kamlab.errors import InputError
from kamlab.models import (
    BetaGeo,
    ConvergenceWarning,
    GammaGamma,
    ModifiedBetaGeo,
    NotFittedError,
    ParetoNBD,
    ShiftedBetaGeometric,
)
from kamlab.models._special import bg_expected, bg_expected_quad, bg_survival, bg_survival_quad
from kamlab.models.pareto import _log_i_quad, _log_terms
from kamlab.models.simulate import simulate_bgnbd, simulate_pareto_nbd

RFM_MODELS = [BetaGeo, ModifiedBetaGeo, ParetoNBD]


def summary(**columns) -> pd.DataFrame:
    base = {"frequency": [2, 0, 5], "recency": [10.0, 0.0, 20.0], "T": [30.0, 25.0, 30.0]}
    base.update(columns)
    return pd.DataFrame(base, index=pd.Index(["A", "B", "C"], name="account_id"))


# ------------------------------------------------------------------ bad input
@pytest.mark.parametrize("model", RFM_MODELS)
@pytest.mark.parametrize(
    ("data", "message"),
    [
        (summary(frequency=[0, 0, 0], recency=[0.0, 0.0, 0.0]), "every account has frequency 0"),
        (summary().iloc[:1], "a single account"),
        (summary(T=[5.0, 25.0, 30.0]), "T is less than recency"),
        (summary(recency=[np.nan, 0.0, 20.0]), "missing \\(NaN\\)"),
        (summary(T=[np.inf, 25.0, 30.0]), "infinite"),
        (summary().drop(columns="recency"), "missing recency"),
        (summary(frequency=[-1, 0, 5]), "frequency is negative"),
        (summary(frequency=[1.5, 0, 5]), "not a whole number"),
        (summary(recency=[10.0, 3.0, 20.0]), "frequency is 0 but recency > 0"),
        (summary(frequency=["2", "x", "5"]), "not numeric"),
        (summary().iloc[:0], "no rows"),
    ],
)
def test_bad_summaries_are_refused_with_a_reason(model, data, message):
    with pytest.raises(InputError, match=message):
        model().fit(data)


def test_errors_name_the_accounts_at_fault():
    with pytest.raises(InputError, match=r"1 account \(A\)"):
        BetaGeo().fit(summary(T=[5.0, 25.0, 30.0]))


def test_the_cdnow_column_names_get_a_hint():
    data = summary().rename(columns={"frequency": "x", "recency": "t_x"})
    with pytest.raises(InputError, match="rename x -> frequency"):
        BetaGeo().fit(data)


@pytest.mark.parametrize(
    ("spend", "message"),
    [
        ([20.0, 0.0, -5.0], "monetary_value is negative"),
        ([0.0, 0.0, 30.0], "monetary_value is 0 for 1 account"),
        ([np.nan, 0.0, 30.0], "missing \\(NaN\\)"),
    ],
)
def test_gamma_gamma_refuses_negative_zero_or_missing_spend(spend, message):
    with pytest.raises(InputError, match=message):
        GammaGamma().fit(summary(monetary_value=spend))


def test_gamma_gamma_needs_two_repeat_buyers():
    data = summary(frequency=[2, 0, 0], recency=[10.0, 0.0, 0.0], monetary_value=[5.0, 0.0, 0.0])
    with pytest.raises(InputError, match="at least two accounts with repeat purchases"):
        GammaGamma().fit(data)


@pytest.mark.parametrize(
    ("survivors", "message"),
    [
        ([1000, 600], "at least two periods"),
        ([1000, 600, 700], "must not increase"),
        ([1000, -1, -2], "whole numbers >= 0"),
        ([1000, np.nan, 500], "NaN"),
        ([0, 0, 0], "cohort size and must be > 0"),
        ([100, 100, 100], "nobody churned"),
    ],
)
def test_sbg_refuses_impossible_survivor_counts(survivors, message):
    with pytest.raises(InputError, match=message):
        ShiftedBetaGeometric().fit(survivors)


def test_predictions_check_their_input_too():
    bg = BetaGeo().set_estimates({"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426})
    with pytest.raises(InputError, match="T is less than recency"):
        bg.probability_alive(summary(T=[5.0, 25.0, 30.0]))
    assert bg.probability_alive(summary().iloc[:1]).index.tolist() == ["A"]  # one is fine here


def test_using_a_model_before_fit_says_so():
    with pytest.raises(NotFittedError, match="call fit"):
        BetaGeo().probability_alive(summary())


# ------------------------------------------------------------------ convergence reporting
def test_no_visible_dropout_is_reported_not_hidden():
    data = simulate_bgnbd(2000, 1.0, 5.0, 0.001, 1000.0, T=52, seed=0)  # p ~ 1e-6

    with pytest.warns(ConvergenceWarning, match="almost no account seems to drop out"):
        bg = BetaGeo().fit(data)

    assert not bg.converged_
    assert "a -> 0" in bg.convergence_message_
    assert bg.standard_errors_.isna().all()  # no standard errors from a non-optimum


def test_homogeneous_dropout_rates_explain_a_pareto_nbd_ridge():
    ages = np.random.default_rng(2).uniform(26, 78, 800)
    data = simulate_pareto_nbd(800, 1.0, 5.0, 1e4, 1e4 / 0.02, T=ages, seed=2)

    with pytest.warns(ConvergenceWarning, match="no heterogeneity in dropout rates"):
        model = ParetoNBD().fit(data)

    assert not model.converged_
    # along the ridge the mean dropout rate s/beta is still estimated well
    assert model.params_["s"] / model.params_["beta"] == pytest.approx(0.02, rel=0.15)


def test_a_large_data_set_converges_to_the_truth():
    ages = np.random.default_rng(0).integers(189, 274, 300_000) / 7
    data = simulate_bgnbd(300_000, 0.243, 4.414, 0.793, 2.426, T=ages, seed=0)

    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        bg = BetaGeo().fit(data)

    assert bg.converged_
    truth = pd.Series({"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426})
    assert ((bg.params_ - truth).abs() < 2.5 * bg.standard_errors_).all()


# ------------------------------------------------------------------ estimator protocol
def test_models_follow_the_scikit_learn_estimator_contract():
    bg = BetaGeo(max_iter=50)
    assert bg.get_params() == {"max_iter": 50}
    assert bg.set_params(max_iter=200) is bg and bg.max_iter == 200
    assert repr(bg) == "BetaGeo(max_iter=200)"
    with pytest.raises(ValueError, match="Invalid parameter 'tol'"):  # scikit-learn's message
        bg.set_params(tol=1)


def test_fitted_attributes_and_parameter_draws():
    data = simulate_bgnbd(1000, 0.8, 6.0, 1.2, 6.0, T=52, seed=3)
    bg = BetaGeo().fit(data)

    assert list(bg.params_.index) == ["r", "alpha", "a", "b"]
    assert bg.covariance_.shape == (4, 4)
    assert np.allclose(np.sqrt(np.diag(bg.covariance_)), bg.standard_errors_)
    draws = bg.sample_params(2000, random_state=0)
    assert draws.equals(bg.sample_params(2000, random_state=0))  # seeded
    assert np.log(draws).std().to_numpy() == pytest.approx(
        np.sqrt(np.diag(bg.log_covariance_)), rel=0.1
    )
    table = bg.summary()
    assert list(table.columns) == ["estimate", "std_error", "lower 95%", "upper 95%"]
    assert (table["lower 95%"] < table["estimate"]).all()


# ------------------------------------------------------------------ numerics
@pytest.mark.parametrize(
    "args",
    [
        (39.0, 0.243, 4.414, 0.793, 2.426),  # CDNOW, a < 1
        (52.0, 101.0, 110.0, 0.5, 400.0),  # a heavy buyer's posterior
        (156.0, 158.0, 148.0, 1.0, 650.0),  # a = 1 exactly: the removable singularity
        (156.0, 158.0, 148.0, 1.00003, 650.0),
        (10.0, 0.3, 0.01, 0.2, 0.5),  # a + b < 1: the hypergeometric form does not apply
        (1000.0, 50.0, 10.0, 0.9, 0.2),
    ],
)
def test_bg_expectations_match_numerical_integration(args):
    assert bg_expected(*args) == pytest.approx(bg_expected_quad(*args), rel=1e-8)
    assert bg_survival(*args) == pytest.approx(bg_survival_quad(*args), rel=1e-8)


def test_pareto_nbd_likelihood_matches_quadrature_across_extremes():
    rng = np.random.default_rng(2)
    worst = 0.0
    for _ in range(300):
        r, s = np.exp(rng.uniform(-3, 3, 2))
        alpha, beta = np.exp(rng.uniform(-4, 6, 2))
        T = rng.uniform(0.5, 100)
        x = float(rng.choice([0, 1, 3, 10, 50, 300, 3000]))
        tx = 0.0 if x == 0 else rng.uniform(0, T)
        args = (r, alpha, s, beta, np.array([x]), np.array([tx]), np.array([T]))
        u1, log_si = _log_terms(*args)
        reference = np.log(s) + _log_i_quad(r, alpha, s, beta, x, tx, T)
        if np.isfinite(reference):  # quad itself underflows in a few extreme cases
            worst = max(worst, abs(np.logaddexp(u1[0], log_si[0]) - np.logaddexp(u1[0], reference)))
    assert worst < 1e-7


def test_pareto_nbd_expectation_is_continuous_at_s_equal_one():
    model = ParetoNBD()
    near = [
        model.set_estimates({"r": 1, "alpha": 5, "s": s, "beta": 10}).expected_purchases(52)
        for s in (1 - 1e-9, 1.0, 1 + 1e-9)
    ]
    assert near[1] == pytest.approx(near[0], rel=1e-7) == pytest.approx(near[2], rel=1e-7)
    exact = integrate.quad(lambda t: (1 / 5) * (10 / (10 + t)) ** 1, 0, 52)[0]  # E[lambda] S(t)
    assert near[1] == pytest.approx(exact, rel=1e-8)


def test_a_search_that_runs_out_of_time_stops_and_says_so(monkeypatch):
    """An unattended report must end: the quasi-Newton search has a time budget."""
    import kamlab.models.budget as budget
    from kamlab.models import BetaGeo

    rng = np.random.default_rng(0)
    n = 500
    T = rng.uniform(20, 40, n)
    x = rng.poisson(3, n).astype(float)
    tx = np.where(x > 0, T * rng.uniform(0.2, 1, n), 0.0)
    data = pd.DataFrame({"frequency": x, "recency": tx, "T": T})
    monkeypatch.setattr(budget, "SEARCH_BUDGET_S", 0.0)  # out of time at the first check
    model = BetaGeo().fit(data)
    assert not model.converged_
    assert model.convergence_message_.startswith("the search was stopped after 0 s; stopped")
    assert model.params_.notna().all()
