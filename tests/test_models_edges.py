"""Pareto/NBD at the no-dropout edge (s -> 0): a search heading there stops early and says
why; a fit with a real optimum at small s is left alone.

As s -> 0 the Pareto/NBD likelihood tends to the NBD's whatever beta is; on data where the
NBD fits at least as well the search drifts along s -> 0, beta -> infinity, the likelihood
rising without a maximum and every evaluation getting slower (2F1 at z -> 1).
"""

import numpy as np
import pandas as pd
import pytest

from kamlab.models import ConvergenceWarning, ParetoNBD
from kamlab.models import pareto as pareto_module
from kamlab.models.simulate import simulate_bgnbd, simulate_pareto_nbd


def share_dropping_out(model, T_max):
    """The model's P(lifetime < T_max) = 1 - (beta / (beta + T_max))^s."""
    s, beta = model.params_["s"], model.params_["beta"]
    return 1 - (beta / (beta + T_max)) ** s


@pytest.fixture(scope="module")
def no_dropout():
    """2,000 accounts whose purchases are an NBD: BG/NBD with p ~ 1e-6, so nobody drops out."""
    ages = np.random.default_rng(0).uniform(26, 78, 2000)
    return simulate_bgnbd(2000, 1.0, 5.0, 0.001, 1000.0, T=ages, seed=0)


def test_a_search_towards_no_dropout_stops_early_and_says_why(no_dropout):
    with pytest.warns(ConvergenceWarning, match="almost no account seems to drop out"):
        model = ParetoNBD().fit(no_dropout)

    assert not model.converged_
    assert model.convergence_message_.startswith("s -> 0")
    assert "fits no better than with no dropout at all" in model.convergence_message_
    assert model.standard_errors_.isna().all()
    # stopped where the model lets fewer than 1 in 1,000 accounts drop out in the window
    assert share_dropping_out(model, no_dropout["T"].max()) < pareto_module.DROPOUT_EDGE
    # ... within a few iterations (a search left to run to beta = 1e4 takes ~25 and ~180
    # evaluations, and on 100,000 accounts each evaluation near the edge costs ~1 s)
    assert model.n_iter_ <= 20
    assert model.n_evaluations_ <= 100
    # the purchase process is still estimated: r and alpha of the generator
    assert model.params_["r"] == pytest.approx(1.0, rel=0.1)
    assert model.params_["alpha"] == pytest.approx(5.0, rel=0.15)


def test_the_early_stop_saves_most_of_the_search(no_dropout, monkeypatch):
    with pytest.warns(ConvergenceWarning):
        stopped = ParetoNBD().fit(no_dropout)
    monkeypatch.setattr(pareto_module, "DROPOUT_EDGE", 0.0)  # the edge test never fires
    with pytest.warns(ConvergenceWarning, match="beta -> infinity"):
        left_to_run = ParetoNBD().fit(no_dropout)

    assert stopped.n_evaluations_ < 0.6 * left_to_run.n_evaluations_
    # and gives up nothing that matters: the rest of the drift is no significant gain
    # (likelihood ratio below the 95% point of chi-square with 1 degree of freedom)
    assert 2 * (left_to_run.log_likelihood_ - stopped.log_likelihood_) < 3.84


@pytest.fixture(scope="module")
def small_s():
    """3,000 accounts from a Pareto/NBD with small but real s = 0.3 (CV of dropout 1.8)."""
    ages = np.random.default_rng(0).uniform(26, 78, 3000)
    return simulate_pareto_nbd(3000, 0.8, 6.0, 0.3, 10.0, T=ages, seed=0)


def test_a_real_small_s_still_converges_and_recovers_the_truth(small_s):
    model = ParetoNBD().fit(small_s)

    assert model.converged_
    truth = pd.Series({"r": 0.8, "alpha": 6.0, "s": 0.3, "beta": 10.0})
    z = (model.params_ - truth) / model.standard_errors_
    assert (z.abs() < 2).all()


def test_a_fit_the_edge_test_leaves_alone_is_unchanged_by_it(small_s, monkeypatch):
    with_test = ParetoNBD().fit(small_s)
    monkeypatch.setattr(pareto_module, "DROPOUT_EDGE", 0.0)
    without = ParetoNBD().fit(small_s)

    assert with_test.params_.equals(without.params_)
    assert with_test.n_evaluations_ == without.n_evaluations_


def test_an_optimum_at_very_small_s_is_not_mistaken_for_the_edge():
    """s = 0.05 on 20,000 accounts: the optimum is at s ~ 0.02, yet dropout shows (~3% of
    accounts in the window) and beats the NBD, so the search converges there."""
    ages = np.random.default_rng(2).uniform(26, 78, 20_000)
    data = simulate_pareto_nbd(20_000, 0.8, 6.0, 0.05, 100.0, T=ages, seed=2)

    model = ParetoNBD().fit(data)

    assert model.converged_
    assert model.params_["s"] < 0.05
    assert share_dropping_out(model, data["T"].max()) > 10 * pareto_module.DROPOUT_EDGE
    truth = pd.Series({"r": 0.8, "alpha": 6.0})
    z = (model.params_[["r", "alpha"]] - truth) / model.standard_errors_[["r", "alpha"]]
    assert (z.abs() < 2).all()


def test_bg_expected_where_the_beta_density_is_singular_matches_the_quadrature():
    """Parameter draws and raised retention put BG/NBD's Beta(a, b) near a -> 0 or b -> 0,
    where the closed form fails: the vectorised log-scale quadrature then agrees with the
    per-element adaptive one to 1e-9 (and is what bg_expected uses there)."""
    from kamlab.models._special import bg_expected, bg_expected_log_quadrature, bg_expected_quad

    rng = np.random.default_rng(5)
    n = 600
    t = rng.choice([1.0, 13.0, 52.0, 156.0], n)
    r = np.exp(rng.uniform(np.log(0.05), np.log(300), n))
    alpha = np.exp(rng.uniform(np.log(0.3), np.log(1000), n))
    small = np.exp(rng.uniform(np.log(1e-7), np.log(1.0), n))
    wide = np.exp(rng.uniform(np.log(1e-3), np.log(500), n))
    a, b = np.where(np.arange(n) % 2, small, wide), np.where(np.arange(n) % 2, wide, small)
    reference = bg_expected_quad(t, r, alpha, a, b)
    np.testing.assert_allclose(bg_expected_log_quadrature(t, r, alpha, a, b), reference, rtol=1e-9)
    np.testing.assert_allclose(bg_expected(t, r, alpha, a, b), reference, rtol=1e-9)
