"""Customer segmentation: segments people can name and act on, stable across runs and periods.

:func:`account_features` builds one row of features per account from transactions;
:class:`Segmenter` chooses the number of segments, fits them, numbers them by revenue,
names them from their profiles and measures their stability (``kamlab segment`` runs
it from the command line). The rules (features, transforms, how k
is chosen, stability, names) are in the docstrings of :mod:`kamlab.segment.model` and
:mod:`kamlab.segment.naming`.

    features = account_features(tx, until="2026-09-30")
    seg = Segmenter(k="auto", random_state=0).fit(features)
    seg.k_, seg.scores_, seg.stability_, seg.profiles_
    next_quarter = seg.predict(account_features(tx, until="2026-12-31"))
"""

from kamlab.lazy import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(
    __name__,
    {
        "kamlab.segment.features": ["FEATURE_COLUMNS", "account_features"],
        "kamlab.segment.model": [
            "DEFAULT_FEATURES",
            "LOG_FEATURES",
            "Segmenter",
            "StabilityWarning",
            "transitions",
        ],
        "kamlab.segment.naming": ["feature_label"],
    },
)
