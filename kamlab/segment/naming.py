"""Segment profiles and names, in the words an account manager uses.

A segment is described relative to the whole base by where its typical (median)
account stands among all accounts: the **percentile** of the segment median in the
base, 0-100, 50 being the base median. Percentiles need no units and no transform
("the typical account of this segment buys more often than 88% of our accounts"), and
they are what the profile heatmap shows.

A segment's **name** is made of up to :data:`MAX_WORDS` words, one per trait, for the
traits on which its median is furthest from the base median, provided it is at least
:data:`DISTINCT_POINTS` percentile points away (at or above the 70th, or at or below
the 30th percentile). Distances are compared in steps of 5 points and ties go to the
trait that comes first in :data:`TRAITS`, so a fraction of a point does not change a
name from one quarter to the next. Traits that say the same thing (revenue per year, net revenue,
gross margin are all *size*) count once. The words are then put in a fixed order
(state before size, size before frequency ...), so the same profile always reads the
same: "large, frequent, high-margin", "lapsing, small, infrequent". A segment with no
such trait is "mid-range". Two segments with the same words get more words, then a
number.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = [
    "DISTINCT_POINTS",
    "MAX_WORDS",
    "TRAITS",
    "feature_label",
    "name_segments",
    "segment_percentiles",
    "sets_apart",
]

DISTINCT_POINTS = 20.0
"""A trait names a segment when its median is this many percentile points from 50."""

MAX_WORDS = 3

_BIN = 5.0  # distances are compared in bins of 5 points, then in the fixed order

# (trait, word when high, word when low (None: no word), features in the order they are tried)
TRAITS: tuple[tuple[str, str, str | None, tuple[str, ...]], ...] = (
    ("recency", "lapsing", None, ("days_since_last",)),
    ("tenure", "long-standing", "new", ("tenure_months", "T")),
    ("growth", "growing", "declining", ("growth",)),
    ("size", "large", "small", ("revenue_per_year", "revenue", "gross_margin")),
    ("frequency", "frequent", "infrequent", ("purchases_per_month", "frequency", "orders")),
    ("ticket", "big-ticket", "small-ticket", ("order_value", "monetary_value")),
    ("margin", "high-margin", "low-margin", ("margin_share",)),
    ("basket", "broad-basket", "narrow-basket", ("lines_per_order",)),
    ("range", "wide-range", "narrow-range", ("products",)),
    ("returns", "high-returns", None, ("returns_share",)),
)
"""The vocabulary: each trait, its words, and the features that measure it. A feature
not listed here is its own trait, named "high <feature>" / "low <feature>"."""

_LABELS = {
    "purchases_per_month": "purchases per month",
    "order_value": "order value",
    "lines_per_order": "lines per order",
    "margin_share": "margin share",
    "revenue_per_year": "revenue per year",
    "revenue": "net revenue",
    "gross_margin": "gross margin",
    "days_since_last": "days since last purchase",
    "tenure_months": "tenure (months)",
    "growth": "revenue growth",
    "products": "products bought",
    "returns_share": "share returned",
}


def feature_label(feature: str) -> str:
    """A feature's name in words: ``days_since_last`` -> ``days since last purchase``."""
    return _LABELS.get(feature, str(feature).replace("_", " "))


def _trait_of(feature: str) -> tuple[int, str, str, str | None]:
    for order, (trait, high, low, features) in enumerate(TRAITS):
        if feature in features:
            return order, trait, high, low
    label = feature_label(feature)
    return len(TRAITS), f"feature:{feature}", f"high {label}", f"low {label}"


def segment_percentiles(data: pd.DataFrame, labels: pd.Series, segments) -> pd.DataFrame:
    """Segment x feature: percentile (0-100) of the segment median among all accounts.

    Ties count half (mid-rank), so a segment whose median equals the base median is at
    50 even for discrete features. Missing values are left out of both.
    """
    out = pd.DataFrame(index=pd.Index(list(segments), name="segment"), dtype="float64")
    medians = data.groupby(labels.to_numpy()).median()
    for col in data.columns:
        base = np.sort(data[col].dropna().to_numpy(dtype="float64"))
        values = medians[col].reindex(out.index).to_numpy(dtype="float64")
        if base.size == 0:
            out[col] = np.nan
            continue
        below = np.searchsorted(base, values, side="left")
        upto = np.searchsorted(base, values, side="right")
        pct = 100.0 * (below + upto) / (2.0 * base.size)
        out[col] = np.where(np.isnan(values), np.nan, pct)
    return out


def _ranked_traits(row: pd.Series) -> list[tuple[float, int, str, str]]:
    """(distance, order, trait, word) for the distinct traits of one segment, most distinct
    first; a trait measured by several features counts once, by its most extreme one."""
    best: dict[str, tuple[float, int, str, str]] = {}
    for feature, pct in row.items():
        if pd.isna(pct):
            continue
        order, trait, high, low = _trait_of(str(feature))
        distance = abs(float(pct) - 50.0)
        word = high if pct > 50 else low
        if distance < DISTINCT_POINTS or word is None:
            continue
        if trait not in best or distance > best[trait][0]:
            best[trait] = (distance, order, trait, word)
    return sorted(best.values(), key=lambda t: (-(t[0] // _BIN), t[1], t[2]))


def name_segments(percentiles: pd.DataFrame) -> pd.Series:
    """A unique name per segment (index as ``percentiles``), built as the module says."""
    ranked = {seg: _ranked_traits(row) for seg, row in percentiles.iterrows()}

    def words(seg, n: int) -> str:
        chosen = sorted(ranked[seg][:n], key=lambda t: (t[1], t[2]))
        return ", ".join(t[3] for t in chosen) or "mid-range"

    names = {seg: words(seg, MAX_WORDS) for seg in percentiles.index}
    n = MAX_WORDS
    while len(set(names.values())) < len(names) and n < percentiles.shape[1]:
        n += 1
        seen = pd.Series(names).duplicated(keep=False)
        names = {seg: words(seg, n) if seen[seg] else name for seg, name in names.items()}
    counts = pd.Series(names).value_counts()
    return pd.Series(
        {seg: f"{name} ({seg})" if counts[name] > 1 else name for seg, name in names.items()},
        name="segment_name",
    ).rename_axis("segment")


def sets_apart(percentiles: pd.DataFrame, top: int = 3) -> pd.Series:
    """Per segment, the features on which it differs most from the base, in a sentence:
    ``revenue per year higher than 97% of accounts; order value higher than 91% ...``.

    One feature per trait (revenue per year and net revenue both say *size*), the most
    extreme; features closer than 10 points to the base median are not mentioned."""
    out = {}
    for seg, row in percentiles.iterrows():
        best: dict[str, tuple[float, str, float]] = {}
        for feature, pct in row.dropna().items():
            trait = _trait_of(str(feature))[1]
            distance = abs(float(pct) - 50.0)
            if distance >= DISTINCT_POINTS / 2 and (trait not in best or distance > best[trait][0]):
                best[trait] = (distance, str(feature), float(pct))
        parts = []
        for _, feature, pct in sorted(best.values(), key=lambda t: -t[0])[:top]:
            if pct > 50:
                parts.append(f"{feature_label(feature)} higher than {pct:.0f}% of accounts")
            else:
                parts.append(f"{feature_label(feature)} lower than {100 - pct:.0f}% of accounts")
        out[seg] = "; ".join(parts) or "close to the typical account on every feature"
    return pd.Series(out, name="sets_apart").rename_axis("segment")
