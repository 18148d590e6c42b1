"""One estimator contract for every kamlab estimator (scikit-learn's), checked once.

Every estimator: configuration in ``__init__`` (``get_params``/``set_params`` from
scikit-learn's ``BaseEstimator``, so :func:`sklearn.base.clone` round-trips it and an
unknown name is refused), ``fit`` returns ``self``, learned attributes end in ``_`` and
exist after ``fit``, and use before ``fit`` raises scikit-learn's ``NotFittedError``.

The purchase models also share one public protocol (:class:`kamlab.models.PurchaseModel`),
which the value code uses; its results are those of the code before the protocol existed
(numbers recorded from it on the same simulated data).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

from kamlab.models import (
    BetaGeo,
    GammaGamma,
    ModifiedBetaGeo,
    ParetoNBD,
    PurchaseModel,
    ShiftedBetaGeometric,
)
from kamlab.models import NotFittedError as KamlabNotFittedError
from kamlab.models.simulate import simulate_bgnbd
from kamlab.portfolio.portfolio import Portfolio
from kamlab.segment import Segmenter
from kamlab.value.clv import contract_value, customer_value
from kamlab.value.uplift import retention_uplift


def summary() -> pd.DataFrame:
    """150 simulated accounts with spend: small enough to fit every model in a second."""
    data = simulate_bgnbd(150, 0.8, 6.0, 1.2, 6.0, T=52, spend=(6.0, 4.0, 15.0), seed=3)
    data.attrs["period"] = "week"
    return data


def features() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    centre = np.repeat([[0.0, 0.0], [6.0, 0.0], [0.0, 6.0]], 20, axis=0)
    points = centre + rng.normal(size=centre.shape)
    ids = pd.Index([f"A{i:03d}" for i in range(len(points))], name="account_id")
    return pd.DataFrame({"spend": np.exp(points[:, 0] + 5), "visits": points[:, 1] + 10}, ids)


IDS = pd.Index(["A", "B", "C", "D"], name="account_id")
CRITERIA = {
    "attractiveness": {
        "revenue": {"weight": 60, "measure": "revenue", "rule": "linear", "low": 0, "high": 900},
        "fit": {"weight": 40, "judgement": "fit"},
    },
    "strength": {
        "quality": {"weight": 50, "judgement": "quality"},
        "delivery": {"weight": 50, "judgement": "delivery"},
    },
    "tiers": {"key_cap": 1},
    "exits": [],
}


def portfolio_data() -> tuple:
    measures = pd.DataFrame(
        {"revenue": (900, 450, 0, 900), "contribution": (10, 20, -5, 30)}, index=IDS, dtype=float
    )
    accounts = pd.DataFrame(
        {"fit": (10, 5, 1, 10), "quality": (8, 2, 9, 6), "delivery": (10, 4, 9, 6)}, index=IDS
    )
    return measures, accounts


@dataclass
class Case:
    make: Any  # () -> an unfitted estimator with non-default settings
    fit_args: Any  # () -> positional arguments of fit
    use: Any  # (estimator) -> something that needs a fitted estimator
    learned: tuple[str, ...]  # attributes fit must set


MODEL_LEARNED = (
    "params_",
    "standard_errors_",
    "covariance_",
    "log_covariance_",
    "log_likelihood_",
    "converged_",
    "convergence_message_",
    "n_iter_",
    "n_evaluations_",
)
PURCHASE_LEARNED = MODEL_LEARNED + ("n_accounts_", "time_unit_")

CASES = {
    "BetaGeo": Case(
        lambda: BetaGeo(max_iter=500),
        lambda: (summary(),),
        lambda m: m.probability_alive(summary()),
        PURCHASE_LEARNED,
    ),
    "ModifiedBetaGeo": Case(
        lambda: ModifiedBetaGeo(max_iter=500),
        lambda: (summary(),),
        lambda m: m.conditional_expected_purchases(52, summary()),
        PURCHASE_LEARNED,
    ),
    "ParetoNBD": Case(
        lambda: ParetoNBD(max_iter=500),
        lambda: (summary(),),
        lambda m: m.posterior(summary()),
        PURCHASE_LEARNED,
    ),
    "GammaGamma": Case(
        lambda: GammaGamma(max_iter=500),
        lambda: (summary(),),
        lambda m: m.conditional_expected_spend(summary()),
        MODEL_LEARNED + ("n_accounts_",),
    ),
    "ShiftedBetaGeometric": Case(
        lambda: ShiftedBetaGeometric(max_iter=500),
        lambda: ([1000, 631, 468, 382, 326, 289, 262, 241],),
        lambda m: m.survival(3),
        MODEL_LEARNED + ("cohort_size_", "survivors_", "n_periods_"),
    ),
    "Segmenter": Case(
        lambda: Segmenter(k=3, n_bootstrap=0, random_state=1),
        lambda: (features(),),
        lambda m: m.predict(features()),
        ("features_", "log_features_", "k_", "rule_", "scores_", "labels_", "names_")
        + ("profiles_", "percentiles_", "stability_", "notes_", "model_", "mapping_"),
    ),
    "Portfolio": Case(
        lambda: Portfolio(CRITERIA),
        portfolio_data,
        lambda m: m.summary(),
        ("criteria_", "scores_", "notes_", "table_"),
    ),
}


def fitted(case: Case):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # convergence/portfolio notes are not the point here
        estimator = case.make()
        return estimator, estimator.fit(*case.fit_args())


@pytest.fixture(params=list(CASES), ids=list(CASES))
def case(request) -> Case:
    return CASES[request.param]


def test_use_before_fit_raises_scikit_learns_not_fitted_error(case):
    with pytest.raises(NotFittedError, match="not fitted"):
        case.use(case.make())


def test_clone_round_trips_the_configuration(case):
    estimator = case.make()
    copy = clone(estimator)
    assert copy is not estimator and type(copy) is type(estimator)
    assert copy.get_params() == estimator.get_params()
    assert repr(copy) == repr(estimator)


def test_set_params_sets_known_names_and_refuses_unknown_ones(case):
    estimator = case.make()
    name, value = next(iter(estimator.get_params().items()))
    assert estimator.set_params(**{name: value}) is estimator
    with pytest.raises(ValueError, match="Invalid parameter 'no_such_setting'"):
        estimator.set_params(no_such_setting=1)


def test_fit_returns_self_and_learns_only_attributes_ending_in_underscore(case):
    estimator, result = fitted(case)
    assert result is estimator
    for name in case.learned:
        assert hasattr(estimator, name), name
    params = set(estimator.get_params())
    learned = [k for k in vars(estimator) if k not in params and not k.startswith("_")]
    assert learned and all(k.endswith("_") for k in learned), learned
    assert set(estimator.get_params()) == params  # fit changes no setting
    case.use(estimator)  # usable once fitted


def test_clone_of_a_fitted_estimator_is_unfitted(case):
    estimator, _ = fitted(case)
    with pytest.raises(NotFittedError):
        case.use(clone(estimator))


def test_kamlab_models_re_export_scikit_learns_not_fitted_error():
    assert KamlabNotFittedError is NotFittedError


# ------------------------------------------------------------------ the purchase-model protocol

PURCHASE_MODELS = (BetaGeo, ModifiedBetaGeo, ParetoNBD)
PROTOCOL = (
    "fit",
    "posterior",
    "expected_purchases_given_alive",
    "survival_given_alive",
    "retention",
    "raise_retention",
    "probability_alive",
    "conditional_expected_purchases",
    "expected_purchases",
)

# Recorded from the code before the protocol (same data, same fits): p_alive, E[purchases
# in the next 52 weeks] of the first three accounts, E[X(52)], CLV over 24 months and the
# value with 5 points more retention / 20% less churn, and the first account's retention
# before and after +5 points.
BEFORE = {
    "BetaGeo": (
        [0.22897922462712034, 0.062376313279346465, 0.7632848759877847],
        [0.33932937960787013, 0.17588593083810486, 1.131128746962874],
        3.606755380872247,
        3281.594038717519,
        4386.1562583435825,
        3553.258632429939,
        [0.8438161774456807, 0.8938161774456809],
    ),
    "ModifiedBetaGeo": (
        [0.23551834016632747, 0.06324400204666591, 0.8169543424850666],
        [0.4171277115686887, 0.18824048032947138, 1.4469119266730455],
        3.6105257144251697,
        2984.4394255479956,
        4069.8607333050704,
        3279.9098066023325,
        [0.8736833840986657, 0.9236833840986658],
    ),
    "ParetoNBD": (
        [0.16701131531389313, 0.07287754010445086, 0.8821752419159308],
        [0.27293213087515417, 0.2039747261822883, 1.4416626090806581],
        3.7743333384076774,
        3369.041700309088,
        3591.2185213519288,
        3620.652003613842,
        [0.5971797470528921, 0.6471797470528922],
    ),
}
DISPLAY = {"BetaGeo": "BG/NBD", "ModifiedBetaGeo": "MBG/NBD", "ParetoNBD": "Pareto/NBD"}


@pytest.fixture(scope="module")
def fits():
    data = summary()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        spend = GammaGamma().fit(data)
        models = {cls.__name__: cls().fit(data) for cls in PURCHASE_MODELS}
    return data, spend, models


@pytest.mark.parametrize("cls", PURCHASE_MODELS, ids=lambda c: c.__name__)
def test_purchase_models_share_one_public_protocol(cls):
    model = cls()
    assert isinstance(model, PurchaseModel)
    for name in PROTOCOL:
        assert callable(getattr(model, name)), name
    assert model.display_name == DISPLAY[cls.__name__]
    assert model._model_name == model.display_name  # the deprecated alias, for now
    assert isinstance(model.retention_definition, str) and model.display_name in (
        model.retention_definition
    )
    # what they share is written once, in the base class
    for name in ("fit", "probability_alive", "conditional_expected_purchases"):
        assert getattr(cls, name) is getattr(PurchaseModel, name), name


@pytest.mark.parametrize("name", list(BEFORE))
def test_the_protocol_agrees_with_the_results_before_it(fits, name):
    data, spend, models = fits
    model = models[name]
    p_alive, expected_52, new_52, clv, with_points, with_churn_cut, retention = BEFORE[name]
    year = 365.25 / 7

    post = model.posterior(data)
    assert set(post) >= {"index", "p_alive", "x"}
    assert post["p_alive"][:3] == pytest.approx(p_alive, rel=1e-6)
    assert model.probability_alive(data).to_numpy() == pytest.approx(post["p_alive"], rel=1e-12)
    assert model.conditional_expected_purchases(52, data).iloc[:3].tolist() == pytest.approx(
        expected_52, rel=1e-6
    )
    given_alive = model.expected_purchases_given_alive(np.array([52.0]), post)[:, 0]
    assert model.conditional_expected_purchases(52, data).to_numpy() == pytest.approx(
        post["p_alive"] * given_alive, rel=1e-12
    )
    survival = model.survival_given_alive(np.array([10.0]), post)[:, 0]
    assert model.probability_alive(data, t=10).to_numpy() == pytest.approx(
        post["p_alive"] * survival, rel=1e-12
    )
    assert model.expected_purchases(52) == pytest.approx(new_52, rel=1e-6)

    before = model.retention(post, year=year)
    raised, capped = model.raise_retention(post, points=5, year=year)
    assert [before[0], model.retention(raised, year=year)[0]] == pytest.approx(retention, rel=1e-6)
    assert capped.dtype == bool and capped.shape == before.shape

    value = customer_value(data, model, spend, horizon_months=24, margin=0.3, cost_per_year=5.0)
    assert value.total == pytest.approx(clv, rel=1e-6)
    uplift = retention_uplift(value, points=5, n_draws=0)
    assert uplift.total["value_scenario"] == pytest.approx(with_points, rel=1e-6)
    assert uplift.definition == model.retention_definition
    cut = retention_uplift(value, churn_reduction=0.2, n_draws=0)
    assert cut.total["value_scenario"] == pytest.approx(with_churn_cut, rel=1e-6)


def test_the_contract_model_offers_the_same_scenario_methods():
    sbg = ShiftedBetaGeometric().fit([1000, 631, 468, 382, 326, 289, 262, 241])
    renewals = pd.Series([0, 1, 2, 5, 9], index=list("ABCDE"))
    post = sbg.posterior(renewals.to_numpy())
    # the posterior retention of an account with n - 1 renewals is the cohort's r_n
    assert sbg.retention(post, year=None) == pytest.approx(sbg.retention(renewals + 1.0))
    raised, capped = sbg.raise_retention(post, points=5)
    assert sbg.retention(raised) == pytest.approx(sbg.retention(post) + 0.05)
    assert not capped.any()
    assert sbg.derl_posterior(post, 0.10) == pytest.approx(sbg.derl(0.10, renewals).to_numpy())

    value = contract_value(sbg, renewals, 100.0)
    assert value.table["clv"].tolist() == pytest.approx(
        [296.43992680568175, 410.31397725929475, 486.98046499886505, 626.4410088288855]
        + [727.8333568498103],
        rel=1e-6,
    )
    uplift = retention_uplift(value, points=5, n_draws=0)
    assert uplift.total["value_scenario"] == pytest.approx(3270.7685647550256, rel=1e-6)
    assert uplift.definition == sbg.retention_definition
