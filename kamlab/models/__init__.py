"""Customer-base models fitted by maximum likelihood (see README, "Models").

- :class:`BetaGeo` (BG/NBD) and :class:`ParetoNBD`: repeat purchases and dropout in a
  non-contractual setting (Fader, Hardie & Lee 2005; Schmittlein, Morrison & Colombo 1987);
- :class:`GammaGamma`: spend per purchase (Fader, Hardie & Lee 2005, JMR);
- :class:`ShiftedBetaGeometric`: renewals in a contractual setting (Fader & Hardie 2007).

Each is a scikit-learn estimator (:class:`sklearn.base.BaseEstimator`): configuration in
``__init__``, ``fit`` returns self, fitted values end in ``_`` (``params_``,
``standard_errors_``, ``covariance_``, ``log_likelihood_``, ``converged_``), use before
``fit`` raises scikit-learn's :class:`~sklearn.exceptions.NotFittedError` (re-exported
here), predictions take and return pandas objects indexed by account id.

The purchase models share one public protocol, :class:`PurchaseModel`
(:mod:`kamlab.models.base`): ``posterior``, ``expected_purchases_given_alive``,
``survival_given_alive``, ``retention``, ``raise_retention``, ``display_name`` and
``retention_definition``; the value code (:mod:`kamlab.value`) uses nothing else.
"""

from kamlab.lazy import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(
    __name__,
    {
        "kamlab.models._base": ["ConvergenceWarning", "NotFittedError"],
        "kamlab.models.budget": ["BUDGET_ENV", "REPORT_BUDGET_S", "search_budget"],
        "kamlab.models.base": ["PurchaseModel"],
        "kamlab.models.betageo": ["BetaGeo", "ModifiedBetaGeo"],
        "kamlab.models.gammagamma": ["GammaGamma"],
        "kamlab.models.holdout": ["ModelComparison", "compare_purchase_models"],
        "kamlab.models.pareto": ["ParetoNBD"],
        "kamlab.models.sbg": ["ShiftedBetaGeometric"],
    },
)
