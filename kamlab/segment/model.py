"""The segmentation estimator: features -> transform -> scale -> cluster -> order -> name.

:class:`Segmenter` follows scikit-learn's contract (settings in ``__init__``, ``fit``
returns ``self``, learned values end in ``_``) and takes and returns pandas objects
indexed by account id.

**Features.** By default the *segmentation bases* of :func:`account_features`: how
often an account buys (``purchases_per_month``), how much per order
(``order_value``), how broad its basket (``lines_per_order``) and at what margin
(``margin_share``, when cost is known). These are traits of the relationship that
change slowly. Recency, tenure and growth are *states* that change every quarter: if
they drove the clustering, accounts would change segment whenever they paused, and
on the bundled sample adding them lowers the agreement with the true segments from
ARI ~0.9 to ~0.5. They are kept as descriptors: every segment is profiled on them
and named by them ("lapsing", "new", "declining") when they set it apart. Any other
account-by-feature table works too: then every numeric column is used, unless
``features`` names them.

**Transforms.** Money and counts are heavy-tailed: one account may buy a thousand
times more than the median. Those features are log-transformed (``sign(x) log(1 +
|x|)``, which also takes net revenue below zero), then every feature is
standardised (mean 0, sd 1) so that each weighs the same.

**Choosing k (the documented rule).** For each k in ``k_range`` (default 2-10) the
model is fitted and scored with the silhouette (Rousseeuw 1987; on a random sample
of ``silhouette_samples`` accounts when there are more), the Calinski-Harabasz
index (Calinski & Harabasz 1974) and, for the Gaussian mixture, the BIC (Schwarz
1978). The chosen k is:

- KMeans: the k with the **highest Calinski-Harabasz index**, the ratio of
  between-segment to within-segment dispersion, each divided by its degrees of
  freedom. It was the best of 30 stopping rules in Milligan & Cooper's (1985)
  comparison. Ties go to the smaller k.
- Gaussian mixture: the k with the **lowest BIC** (Fraley & Raftery 2002).
- When that score is best at the *largest* k tried, it has no peak in the range: it
  keeps improving as segments are added, which is what it does on data without
  cluster structure (Calinski-Harabasz grows with k on a uniform cloud). Then the k
  with the **highest silhouette** is taken instead, and ``rule_`` says so.

Otherwise the silhouette is reported, not used to choose: on customer data it often
peaks at k = 2 ("big and small"), which is true and useless. A chosen solution whose
silhouette is below 0.25 has no substantial structure (Kaufman & Rousseeuw 1990) and
gets a note. With more than ``max_samples`` accounts, k is chosen on a random sample
of that size and the final model is fitted on every account.

**Stability.** The chosen model is refitted on ``n_bootstrap`` bootstrap resamples and
each refit's segments are compared with the chosen ones on the same accounts with the
adjusted Rand index (ARI; Hubert & Arabie 1985): 1 is identical, 0 is chance. After
Hennig (2007): a mean of 0.85 or more is highly stable, 0.75 stable, 0.6-0.75
doubtful, below 0.6 unstable. Below ``stability_threshold`` (0.75) a
:class:`StabilityWarning` is raised.

**Labels.** Segments are numbered 1..k by the median of ``order_by`` (revenue per
year by default), largest first, so segment 1 is always the biggest spenders and the
numbers do not depend on the order in which the algorithm found the clusters.
:meth:`Segmenter.predict` assigns new accounts, or next quarter's accounts, to the
fitted segments with the fitted transform, so membership is comparable period to
period. Names come from the profiles (:mod:`kamlab.segment.naming`).
"""

from __future__ import annotations

import sys
import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator
from sklearn.cluster import KMeans
from sklearn.decomposition import PCA
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import adjusted_rand_score, calinski_harabasz_score
from sklearn.mixture import GaussianMixture
from sklearn.preprocessing import StandardScaler
from sklearn.utils.validation import check_is_fitted
from threadpoolctl import threadpool_limits

from kamlab.errors import ConfigError, InputError
from kamlab.segment.naming import (
    feature_label,
    name_segments,
    segment_percentiles,
    sets_apart,
)
from kamlab.segment.silhouette import mean_silhouettes

__all__ = [
    "DEFAULT_FEATURES",
    "LOG_FEATURES",
    "METHODS",
    "Segmenter",
    "StabilityWarning",
    "transitions",
]

DEFAULT_FEATURES: tuple[str, ...] = (
    "purchases_per_month",
    "order_value",
    "lines_per_order",
    "margin_share",
)
"""Segmentation bases used when ``features`` is not given and the table has the first
three (it comes from :func:`~kamlab.segment.account_features`); ``margin_share`` is
left out, with a note, when cost is unknown."""

LOG_FEATURES: frozenset[str] = frozenset(
    {
        "purchases_per_month",
        "order_value",
        "lines_per_order",
        "revenue_per_year",
        "revenue",
        "gross_margin",
        "products",
        "frequency",
        "monetary_value",
        "orders",
        "order_lines",
        "returns_value",
        "return_lines",
        "sales",
    }
)
"""Money and count columns always log-transformed by ``log_features="auto"``; any other
column is log-transformed when it has no negative value and a skewness above
:data:`SKEWED`."""

SKEWED = 2.0
METHODS = ("kmeans", "gmm")
COVARIANCE_TYPES = ("full", "tied", "diag", "spherical")
STABILITY_LEVELS = ((0.85, "highly stable"), (0.75, "stable"), (0.6, "doubtful"))
WEAK_SILHOUETTE = 0.25
_ORDER_BY = ("revenue_per_year", "revenue", "monetary_value", "order_value")
_TRUE = {"true", "yes", "y", "t"}
_FALSE = {"false", "no", "n", "f"}


class StabilityWarning(UserWarning):
    """The chosen segments change too much when the accounts are resampled."""


def signed_log1p(values: np.ndarray) -> np.ndarray:
    """``sign(x) * log(1 + |x|)``: log1p that also takes values below zero."""
    return np.sign(values) * np.log1p(np.abs(values))


def _as_numbers(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """``(numbers, bad)``: the column as float (missing where blank or infinite) and the
    values that are not numbers (text that is neither a number nor true/false)."""
    if pd.api.types.is_bool_dtype(values):
        return values.astype("float64"), values.iloc[:0]
    if pd.api.types.is_numeric_dtype(values):
        numbers = values.astype("float64")
        return numbers.where(np.isfinite(numbers)), values.iloc[:0]
    text = values.astype("string").str.strip()
    blank = text.isna() | text.eq("")
    lower = text.str.lower()
    if lower[~blank].isin(_TRUE | _FALSE).all() and (~blank).any():
        numbers = pd.Series(np.where(lower.isin(_TRUE), 1.0, 0.0), index=values.index)
        return numbers.where(~blank), values.iloc[:0]
    numbers = pd.to_numeric(text.str.replace(",", "", regex=False), errors="coerce")
    numbers = numbers.astype("float64")
    numbers = numbers.where(np.isfinite(numbers))
    bad = values[~blank & numbers.isna() & ~lower.isin(["inf", "-inf", "nan"])]
    return numbers, bad


def _ids(index: pd.Index, n: int = 3) -> str:
    shown = ", ".join(str(i) for i in index[:n])
    return shown + (", ..." if len(index) > n else "")


class Segmenter(BaseEstimator):
    """Segment accounts into ``k`` named, ordered, reproducible segments.

    Parameters
    ----------
    k : ``"auto"`` or int
        Number of segments; ``"auto"`` chooses it in ``k_range`` by the rule in the
        module docstring.
    features : list of column names, optional
        Segmentation features. Default: :data:`DEFAULT_FEATURES` for an
        :func:`~kamlab.segment.account_features` table, else every numeric column.
    method : ``"kmeans"`` or ``"gmm"``
        KMeans (k-means++ starts) or a Gaussian mixture (EM from KMeans starts).
    k_range : (low, high)
        The k tried by ``k="auto"``, inclusive (default 2-10).
    log_features : ``"auto"``, list or None
        Features to log-transform; ``"auto"``: :data:`LOG_FEATURES` and skewed
        non-negative columns; None: none.
    profile_features : list, optional
        Columns the profiles and names describe; default every numeric column.
    order_by : str, optional
        Column whose segment median numbers the segments, largest first; default the
        first of revenue_per_year, revenue, monetary_value, order_value present.
    n_init : int, optional
        Starts per fit: default 10 for KMeans, 3 for the mixture.
    n_bootstrap : int
        Bootstrap resamples for the stability (0 to skip).
    max_samples : int
        Above this many accounts, k is chosen, and each resample drawn, on this many.
    silhouette_samples : int
        Accounts the silhouette is computed on (a random sample when there are more).
    stability_threshold : float
        Mean bootstrap ARI below which a :class:`StabilityWarning` is raised.
    covariance_type, reg_covar
        Gaussian mixture settings; ``reg_covar`` (added to the variances of the
        standardised features) keeps a component from collapsing on a spike of
        identical values, such as accounts with exactly one line per order.
    random_state : int or None
        Seed of every random choice: the same data and seed give the same segments.
    n_threads : int or None
        Threads for the numerical libraries while fitting (None: their default). 1 by
        default: KMeans' OpenMP threads spin-wait, and on small tables or a busy machine
        they cost far more than they save (measured on a shared 2-core machine: 500
        accounts 60x and 100,000 accounts 9x slower with 2 threads than with 1).
    progress : bool or None
        Show progress bars (None: only in a terminal).

    Attributes
    ----------
    features_, log_features_ : list of str
    k_ : int
    rule_ : str
        How k was chosen, in words ("fixed" when ``k`` was given).
    scores_ : DataFrame
        One row per k tried: ``silhouette``, ``calinski_harabasz``, ``inertia`` (KMeans)
        or ``bic`` (mixture), ``chosen``.
    labels_ : Series
        Segment (1..k) of each account fitted.
    names_ : Series
        Segment name, indexed by segment.
    profiles_ : DataFrame
        Per segment: name, accounts, shares of accounts, revenue and margin, median of
        each profile feature, and what sets it apart.
    percentiles_ : DataFrame
        Segment x feature: percentile of the segment median among all accounts.
    stability_ : dict
        ``ari_mean``, ``ari_min``, ``ari_p05``, ``resamples``, ``verdict`` (None when
        ``n_bootstrap=0``); the per-resample ARIs are in ``stability_scores_``.
    notes_ : list of str
        What was left out or worth knowing about the fit.
    """

    def __init__(
        self,
        k: int | str = "auto",
        *,
        features: Sequence[str] | None = None,
        method: str = "kmeans",
        k_range: tuple[int, int] = (2, 10),
        log_features: str | Sequence[str] | None = "auto",
        profile_features: Sequence[str] | None = None,
        order_by: str | None = None,
        n_init: int | None = None,
        n_bootstrap: int = 20,
        max_samples: int = 20_000,
        silhouette_samples: int = 5_000,
        stability_threshold: float = 0.75,
        covariance_type: str = "full",
        reg_covar: float = 0.05,
        random_state: int | None = 0,
        n_threads: int | None = 1,
        progress: bool | None = False,
    ):
        self.k = k
        self.features = features
        self.method = method
        self.k_range = k_range
        self.log_features = log_features
        self.profile_features = profile_features
        self.order_by = order_by
        self.n_init = n_init
        self.n_bootstrap = n_bootstrap
        self.max_samples = max_samples
        self.silhouette_samples = silhouette_samples
        self.stability_threshold = stability_threshold
        self.covariance_type = covariance_type
        self.reg_covar = reg_covar
        self.random_state = random_state
        self.n_threads = n_threads
        self.progress = progress

    # ------------------------------------------------------------------ settings

    def _check_settings(self) -> None:
        """Every check of the settings given to ``__init__``, in one place (called by
        ``fit``); the ones that need the table (features, order_by) are checked with it."""
        if self.method not in METHODS:
            raise ConfigError(f"method {self.method!r}: expected one of {', '.join(METHODS)}")
        if not (isinstance(self.k, str) and self.k == "auto"):
            if isinstance(self.k, bool) or not isinstance(self.k, int | np.integer) or self.k < 2:
                raise ConfigError(f"k={self.k!r}: expected 'auto' or a whole number >= 2")
        low, high = self.k_range
        if not (2 <= int(low) <= int(high)):
            raise ConfigError(
                f"k_range={self.k_range!r}: expected (low, high) with 2 <= low <= high"
            )
        if self.n_init is not None and int(self.n_init) < 1:
            raise ConfigError(f"n_init={self.n_init!r}: expected a whole number >= 1")
        if int(self.n_bootstrap) < 0 or int(self.max_samples) < 10:
            raise ConfigError("n_bootstrap must be >= 0 and max_samples >= 10")
        if int(self.silhouette_samples) < 2:
            raise ConfigError(f"silhouette_samples={self.silhouette_samples!r}: expected >= 2")
        if not 0 <= float(self.stability_threshold) <= 1:
            raise ConfigError(
                f"stability_threshold={self.stability_threshold!r}: expected an ARI between 0 and 1"
            )
        if self.method == "gmm" and self.covariance_type not in COVARIANCE_TYPES:
            raise ConfigError(
                f"covariance_type {self.covariance_type!r}: expected one of "
                f"{', '.join(COVARIANCE_TYPES)}"
            )
        if self.method == "gmm" and not float(self.reg_covar) >= 0:
            raise ConfigError(f"reg_covar={self.reg_covar!r}: expected a number >= 0")

    def _n_init(self) -> int:
        if self.n_init is not None:
            return int(self.n_init)
        return 10 if self.method == "kmeans" else 3

    def _bar(self, iterable, desc: str, total: int):
        if self.progress is False:
            return iterable
        from tqdm.auto import tqdm  # only when asked: it warns in kernels without widgets

        disable = None if self.progress is None else not self.progress
        return tqdm(iterable, desc=desc, total=total, file=sys.stderr, disable=disable, leave=False)

    # ------------------------------------------------------------------ data

    @staticmethod
    def _frame(X) -> pd.DataFrame:
        if not isinstance(X, pd.DataFrame):
            raise InputError(
                "expected a table with one row per account (a pandas DataFrame indexed by "
                f"account id), got {type(X).__name__}"
            )
        if X.empty or X.shape[1] == 0:
            raise InputError("the feature table is empty: no accounts to segment")
        if X.index.has_duplicates:
            dup = X.index[X.index.duplicated()].unique()
            raise InputError(
                f"{len(dup)} account ids appear more than once ({_ids(dup)}); "
                "give one row per account"
            )
        return X

    def _select(self, data: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
        """The segmentation features as floats, and notes on the columns left out."""
        notes: list[str] = []
        if self.features is not None:
            if isinstance(self.features, str):
                raise ConfigError(
                    f"features={self.features!r}: expected a list of column names, not a string"
                )
            names = [str(f) for f in self.features]
            if not names:
                raise ConfigError("features is empty: name at least one column")
            unknown = [f for f in names if f not in data.columns]
            if unknown:
                raise ConfigError(
                    f"unknown feature(s) {', '.join(map(repr, unknown))}; the table has "
                    f"{', '.join(map(str, data.columns))}"
                )
            values = pd.DataFrame({f: self._column(data, f, explicit=True) for f in names})
            for f in names:
                if values[f].nunique() < 2:
                    raise InputError(
                        f"feature {f!r} has the same value ({values[f].iloc[0]:g}) for every "
                        "account, so it cannot separate segments; leave it out"
                    )
            return values, notes
        core = set(DEFAULT_FEATURES[:3])
        candidates = (
            [f for f in DEFAULT_FEATURES if f in data.columns]
            if core <= set(data.columns)
            else list(data.columns)
        )
        kept = {}
        for f in candidates:
            numbers = self._column(data, f, explicit=False)
            shown = feature_label(f) if f in DEFAULT_FEATURES else repr(f)  # a column: as named
            if numbers is None:
                notes.append(f"{shown} is text, not a number: left out")
            elif numbers.isna().all():
                notes.append(f"{shown} is unknown for every account: left out")
            elif numbers.nunique() < 2:
                notes.append(f"{shown} is the same for every account: left out")
            else:
                self._no_missing(f, numbers)
                kept[f] = numbers
        if not kept:
            raise InputError(
                "no column can be used as a segmentation feature"
                + (f" ({'; '.join(notes)})" if notes else "")
                + ": give a table with at least one numeric column that varies across accounts"
            )
        return pd.DataFrame(kept), notes

    @staticmethod
    def _no_missing(feature: str, numbers: pd.Series) -> None:
        missing = numbers.index[numbers.isna()]
        if len(missing):
            raise InputError(
                f"feature {feature!r} is missing for {len(missing):,} of {len(numbers):,} "
                f"accounts ({_ids(missing)}); fill the gaps, or leave the feature out "
                "(features=[...] / --features)"
            )

    def _column(self, data: pd.DataFrame, feature: str, *, explicit: bool) -> pd.Series | None:
        numbers, bad = _as_numbers(data[feature])
        if len(bad):
            mostly_numbers = numbers.notna().sum() >= 0.5 * data[feature].notna().sum()
            if explicit or mostly_numbers:
                raise InputError(
                    f"feature {feature!r} is not numeric: {len(bad):,} values such as "
                    f"{bad.iloc[0]!r} (account {bad.index[0]}); give numbers, or leave it out "
                    "(features=[...] / --features)"
                )
            return None
        if explicit:
            self._no_missing(feature, numbers)
        return numbers

    def _log_set(self, values: pd.DataFrame) -> list[str]:
        if self.log_features is None:
            return []
        if isinstance(self.log_features, str) and self.log_features != "auto":
            raise ConfigError(
                f"log_features={self.log_features!r}: expected 'auto', None or a list of "
                "feature names"
            )
        elif isinstance(self.log_features, str):
            chosen = []
            for f in values.columns:
                col = values[f]
                if f in LOG_FEATURES or (col.min() >= 0 and col.skew() > SKEWED):
                    chosen.append(f)
            return chosen
        else:
            names = [str(f) for f in self.log_features]
        unknown = [f for f in names if f not in values.columns]
        if unknown:
            raise ConfigError(f"log_features {unknown} are not segmentation features")
        return names

    def _transform(self, values: pd.DataFrame) -> np.ndarray:
        out = values[self.features_].to_numpy(dtype="float64", copy=True)
        for j, f in enumerate(self.features_):
            if f in self.log_features_:
                out[:, j] = signed_log1p(out[:, j])
        return out

    # ------------------------------------------------------------------ models

    def _model(self, k: int, seed: int):
        if self.method == "kmeans":
            return KMeans(n_clusters=k, n_init=self._n_init(), random_state=seed)
        return GaussianMixture(
            n_components=k,
            covariance_type=self.covariance_type,
            reg_covar=self.reg_covar,
            n_init=self._n_init(),
            random_state=seed,
        )

    def _fit_model(self, k: int, seed: int, Z: np.ndarray):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", ConvergenceWarning)
            model = self._model(k, seed).fit(Z)
        if any(issubclass(w.category, ConvergenceWarning) for w in caught):
            note = f"the {self.method} fit with k={k} did not converge"
            if note not in self._fit_notes:
                self._fit_notes.append(note)
        return model

    def _scores(self, k: int, model, Z: np.ndarray, labels: np.ndarray) -> dict:
        """The row of :attr:`scores_` for ``k`` but its silhouette (:meth:`_silhouettes`)."""
        row = {"k": k, "silhouette": np.nan, "calinski_harabasz": np.nan}
        if 2 <= len(np.unique(labels)) <= len(Z) - 1:
            row["calinski_harabasz"] = float(calinski_harabasz_score(Z, labels))
        if self.method == "kmeans":
            row["inertia"] = float(model.inertia_)
        else:
            row["bic"] = float(model.bic(Z))
        return row

    def _silhouettes(self, Z, labellings, table: pd.DataFrame, seed: int) -> np.ndarray:
        """Each k's mean silhouette, on a sample of :attr:`silhouette_samples` accounts when
        there are more (NaN where the k has no Calinski-Harabasz index either: one cluster
        found, or as many as accounts)."""
        sample = self.silhouette_samples if len(Z) > self.silhouette_samples else None
        found = mean_silhouettes(Z, labellings, sample_size=sample, seed=seed)
        return np.where(table["calinski_harabasz"].notna(), found, np.nan)

    def _choose(self, table: pd.DataFrame) -> tuple[int, str]:
        """The k the rule picks, and the rule in words."""
        ks = table["k"].to_numpy()
        if self.method == "kmeans":
            score, name = (
                table["calinski_harabasz"].fillna(-np.inf).to_numpy(),
                "highest Calinski-Harabasz index",
            )
        else:
            score, name = -table["bic"].fillna(np.inf).to_numpy(), "lowest BIC"
        best = int(np.argmax(score))  # the first of ties: the smaller k
        rule = f"{name} over k = {ks[0]}..{ks[-1]}"
        silhouette = table["silhouette"].fillna(-np.inf).to_numpy()
        if len(ks) >= 3 and best == len(ks) - 1 and np.isfinite(silhouette).any():
            best = int(np.argmax(silhouette))
            rule = (
                f"{name} is at the largest k tried ({ks[-1]}): no peak in {ks[0]}..{ks[-1]}, "
                "so the highest silhouette instead"
            )
        return int(ks[best]), rule

    # ------------------------------------------------------------------ fit

    def fit(self, X: pd.DataFrame, y=None) -> Segmenter:
        """Choose k (or take it), fit, number, name and profile the segments of ``X``
        (one row per account, indexed by account id); returns ``self``."""
        with threadpool_limits(self.n_threads):
            return self._fit(X)

    def _fit(self, X: pd.DataFrame) -> Segmenter:
        self._check_settings()
        data = self._frame(X)
        n = len(data)
        if n < 3:
            raise InputError(
                f"only {n} account{'s' if n != 1 else ''} to segment: segmentation needs at "
                "least 3 accounts"
            )
        values, notes = self._select(data)
        self._fit_notes: list[str] = []
        self.features_ = list(values.columns)
        self.log_features_ = self._log_set(values)
        self.scaler_ = StandardScaler().fit(self._transform(values))
        Z = self.scaler_.transform(self._transform(values))
        distinct = len(np.unique(np.round(Z, 12), axis=0))
        rng = np.random.default_rng(self.random_state)
        seed = int(rng.integers(2**31 - 1))
        fixed = not (isinstance(self.k, str) and self.k == "auto")
        if fixed:
            ks = [int(self.k)]
            if distinct <= ks[0]:
                raise InputError(
                    f"k={ks[0]} needs more than {ks[0]} accounts with different feature "
                    f"values; got {n:,} accounts ({distinct:,} distinct)"
                )
        else:
            low, high = int(self.k_range[0]), min(int(self.k_range[1]), distinct, n - 1)
            if high < low:
                raise InputError(
                    f"k is chosen among {self.k_range[0]}..{self.k_range[1]}, but only "
                    f"{distinct:,} of the {n:,} accounts have different feature values; "
                    f"need at least {low + 1}"
                )
            ks = list(range(low, high + 1))
            if high < int(self.k_range[1]):
                notes.append(f"k tried only up to {high}: there are {n:,} accounts")
        sampled = n > self.max_samples
        scan = np.sort(rng.choice(n, self.max_samples, replace=False)) if sampled else None
        Zs = Z[scan] if sampled else Z
        rows, models, labellings = [], {}, []
        for k in self._bar(ks, "choosing k", len(ks)):
            model = self._fit_model(k, seed, Zs)
            labellings.append(model.predict(Zs))
            rows.append(self._scores(k, model, Zs, labellings[-1]))
            models[k] = model
        table = pd.DataFrame(rows)
        table["silhouette"] = self._silhouettes(Zs, labellings, table, seed)
        self.k_, self.rule_ = self._choose(table) if not fixed else (ks[0], "fixed")
        table["chosen"] = table["k"] == self.k_
        self.scores_ = table.set_index("k")
        self.model_ = self._fit_model(self.k_, seed, Z) if sampled else models[self.k_]
        if sampled:
            notes.append(f"k chosen on a random sample of {self.max_samples:,} of {n:,} accounts")

        clusters = self.model_.predict(Z)
        self.mapping_ = self._order(data, values, clusters)
        labels = self.mapping_[clusters]
        self.labels_ = pd.Series(labels, index=values.index, name="segment")
        self._profile(data, values)
        self.stability_, self.stability_scores_ = self._stability(Z, scan, seed, rng)
        self.projection_ = PCA(n_components=min(2, Z.shape[1])).fit(Z)
        self._Z = Z

        empty = self.profiles_.index[self.profiles_["accounts"] == 0]
        if len(empty):
            notes.append(
                f"segment(s) {', '.join(map(str, empty))} hold no account (an empty mixture "
                "component); try a smaller k"
            )
        chosen = self.scores_.loc[self.k_]
        if chosen["silhouette"] < WEAK_SILHOUETTE:
            notes.append(
                f"silhouette {chosen['silhouette']:.2f} at k={self.k_}: the segments overlap "
                "(below 0.25 there is no substantial cluster structure; Kaufman & Rousseeuw "
                "1990); read them as a convenient partition, not natural groups"
            )
        self.notes_ = notes + self._fit_notes
        if self.stability_ is not None and self.stability_["ari_mean"] < self.stability_threshold:
            message = (
                f"segments are {self.stability_['verdict']}: mean bootstrap ARI "
                f"{self.stability_['ari_mean']:.2f} < {self.stability_threshold}; try another "
                "k, fewer or other features"
            )
            self.notes_.append(message)
            warnings.warn(message, StabilityWarning, stacklevel=3)
        return self

    def _order(self, data: pd.DataFrame, values: pd.DataFrame, clusters: np.ndarray) -> np.ndarray:
        """cluster index -> segment number 1..k, by the median of ``order_by``, largest first."""
        key = self.order_by
        if key is None:
            key = next((c for c in _ORDER_BY if c in data.columns), self.features_[0])
        if key not in data.columns:
            raise ConfigError(f"order_by {key!r} is not a column of the table")
        numbers, _ = _as_numbers(data[key])
        self.order_by_ = key
        k = int(getattr(self.model_, "n_clusters", getattr(self.model_, "n_components", 0)))
        frame = pd.DataFrame({"cluster": clusters, "key": numbers.to_numpy()})
        medians = frame.groupby("cluster")["key"].median().reindex(range(k))
        sizes = np.bincount(clusters, minlength=k)
        order = sorted(
            range(k),
            key=lambda c: (
                -medians[c] if pd.notna(medians[c]) else np.inf,
                -sizes[c],
                tuple(np.round(self._centre(c), 9)),
            ),
        )
        mapping = np.empty(k, dtype=np.int64)
        mapping[order] = np.arange(1, k + 1)
        return mapping

    def _centre(self, cluster: int) -> np.ndarray:
        model = self.model_
        centres = model.cluster_centers_ if hasattr(model, "cluster_centers_") else model.means_
        return centres[cluster]

    def _profile(self, data: pd.DataFrame, values: pd.DataFrame) -> None:
        columns = (
            list(self.profile_features) if self.profile_features is not None else list(data.columns)
        )
        described = {}
        for col in columns:
            if col not in data.columns:
                raise ConfigError(f"profile feature {col!r} is not a column of the table")
            numbers, bad = _as_numbers(data[col])
            if len(bad) or numbers.isna().all() or numbers.nunique() < 2:
                continue
            described[col] = numbers
        for f in self.features_:
            described.setdefault(f, values[f])
        profile = pd.DataFrame(described)
        segments = range(1, len(self.mapping_) + 1)
        labels = self.labels_
        self.percentiles_ = segment_percentiles(profile, labels, segments)
        self.names_ = name_segments(self.percentiles_)
        counts = labels.value_counts().reindex(segments, fill_value=0)
        out = pd.DataFrame(index=pd.Index(segments, name="segment"))
        out["segment_name"] = self.names_
        out["accounts"] = counts.astype("int64")
        out["share_of_accounts"] = counts / counts.sum()
        for col, share in (("revenue", "share_of_revenue"), ("gross_margin", "share_of_margin")):
            if col in profile.columns:
                sums = profile[col].groupby(labels.to_numpy()).sum().reindex(segments, fill_value=0)
                total = profile[col].sum()
                out[col] = sums
                out[share] = sums / total if total > 0 else np.nan
        medians = profile.groupby(labels.to_numpy()).median().reindex(segments)
        for col in profile.columns:
            out[f"median_{col}"] = medians[col]
        out["sets_apart"] = sets_apart(self.percentiles_)
        self.profiles_ = out

    def _stability(self, Z: np.ndarray, scan, seed: int, rng: np.random.Generator):
        if int(self.n_bootstrap) == 0:
            return None, np.array([])
        n = len(Z)
        evaluate = Z[scan] if scan is not None else Z
        reference = self.model_.predict(evaluate)
        size = min(n, int(self.max_samples))
        scores = []
        for _ in self._bar(range(int(self.n_bootstrap)), "stability", int(self.n_bootstrap)):
            idx = rng.integers(0, n, size=size)
            model = self._fit_model(self.k_, int(rng.integers(2**31 - 1)), Z[idx])
            scores.append(adjusted_rand_score(reference, model.predict(evaluate)))
        scores = np.asarray(scores)
        mean = float(scores.mean())
        verdict = next((word for cut, word in STABILITY_LEVELS if mean >= cut), "unstable")
        stats = {
            "ari_mean": mean,
            "ari_min": float(scores.min()),
            "ari_p05": float(np.quantile(scores, 0.05)),
            "resamples": len(scores),
            "verdict": verdict,
        }
        return stats, scores

    # ------------------------------------------------------------------ use

    def _check_fitted(self) -> None:
        check_is_fitted(
            self, "model_", msg="this %(name)s is not fitted yet: call fit(features) first"
        )

    def _values(self, X: pd.DataFrame) -> pd.DataFrame:
        self._check_fitted()
        data = self._frame(X)
        missing = [f for f in self.features_ if f not in data.columns]
        if missing:
            raise InputError(
                f"the table lacks the segmentation feature(s) {', '.join(missing)} the "
                "segments were fitted on"
            )
        return pd.DataFrame({f: self._column(data, f, explicit=True) for f in self.features_})

    def predict(self, X: pd.DataFrame) -> pd.Series:
        """Segment number (1..k) of each account of ``X``, with the fitted transform and
        model: new accounts, or another period's accounts, land in the fitted segments."""
        values = self._values(X)
        Z = self.scaler_.transform(self._transform(values))
        with threadpool_limits(self.n_threads):
            clusters = self.model_.predict(Z)
        return pd.Series(self.mapping_[clusters], index=values.index, name="segment")

    def fit_predict(self, X: pd.DataFrame, y=None) -> pd.Series:
        """:meth:`fit`, then the segment of each account fitted (``labels_``)."""
        return self.fit(X).labels_

    def label(self, X: pd.DataFrame | None = None) -> pd.DataFrame:
        """``segment`` and ``segment_name`` per account (of ``X``, or of the accounts fitted)."""
        self._check_fitted()
        segment = self.labels_ if X is None else self.predict(X)
        names = self.names_.reindex(segment.to_numpy()).to_numpy()
        return pd.DataFrame({"segment": segment, "segment_name": names}, index=segment.index)

    def project(self, X: pd.DataFrame | None = None) -> pd.DataFrame:
        """The accounts on the first two principal components of the scaled features, with
        their segment: ``component_1, component_2, segment, segment_name``.

        ``attrs["explained"]`` holds each component's share of the variance and
        ``attrs["loadings"]`` the features that weigh most on it, for axis labels."""
        self._check_fitted()
        if X is None:
            Z, labels = self._Z, self.labels_
        else:
            values = self._values(X)
            Z = self.scaler_.transform(self._transform(values))
            labels = pd.Series(self.mapping_[self.model_.predict(Z)], index=values.index)
        coords = self.projection_.transform(Z)
        if coords.shape[1] == 1:
            coords = np.column_stack([coords, np.zeros(len(coords))])
        out = pd.DataFrame(
            {
                "component_1": coords[:, 0],
                "component_2": coords[:, 1],
                "segment": labels.to_numpy(),
                "segment_name": self.names_.reindex(labels.to_numpy()).to_numpy(),
            },
            index=labels.index,
        )
        pca = self.projection_
        explained = list(pca.explained_variance_ratio_) + [0.0] * (2 - pca.n_components_)
        loadings = []
        for comp in pca.components_:
            top = np.argsort(-np.abs(comp), kind="stable")[:2]
            loadings.append(", ".join(self.features_[j] for j in top))
        out.attrs.update(explained=explained, loadings=loadings + [""] * (2 - len(loadings)))
        return out


def transitions(before: pd.Series, after: pd.Series) -> pd.DataFrame:
    """Accounts by segment in one period (rows) and the next (columns).

    ``before`` and ``after`` are segments per account (``Segmenter.predict`` of two
    periods' features, with the same fitted segmenter). The diagonal holds the accounts
    that stayed; an account only in ``after`` is counted in row ``"new"``, one only in
    ``before`` in column ``"gone"``.
    """
    ids = before.index.union(after.index)
    rows = pd.Series("new", index=ids, dtype="object")
    rows.loc[before.index] = before.to_numpy(dtype="object")
    cols = pd.Series("gone", index=ids, dtype="object")
    cols.loc[after.index] = after.to_numpy(dtype="object")
    table = pd.crosstab(rows.to_numpy(), cols.to_numpy())

    def order(labels) -> list:
        return sorted(
            labels, key=lambda v: (isinstance(v, str), str(v) if isinstance(v, str) else v)
        )

    table = table.reindex(index=order(table.index), columns=order(table.columns), fill_value=0)
    return table.rename_axis(index="segment before", columns="segment after")
