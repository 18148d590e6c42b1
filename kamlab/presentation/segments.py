"""Segmentation for people: a fitted segmentation in a few printable lines."""

from __future__ import annotations

from sklearn.utils.validation import check_is_fitted

from kamlab.presentation.labels import label
from kamlab.segment.features import FEATURE_COLUMNS

__all__ = ["describe_segments"]


def describe_segments(seg) -> str:
    """A fitted :class:`~kamlab.segment.Segmenter` in a few printable lines: k and how it
    was chosen, scores, stability, segments and notes."""
    check_is_fitted(seg, "labels_")
    how = seg.rule_ if seg.rule_ == "fixed" else f"chosen automatically: {seg.rule_}"
    named = ", ".join(map(_lower, seg.log_features_))
    logs = f" (log scale: {named})" if seg.log_features_ else ""
    scores = seg.scores_.copy()
    if "chosen" in scores:
        scores["chosen"] = scores["chosen"].map({True: "chosen", False: ""})
    lines = [
        f"segments: k = {seg.k_} ({how}), method {seg.method}, {len(seg.labels_):,} accounts",
        f"features: {', '.join(map(_lower, seg.features_))}{logs}",
        "scores:",
        _labelled(scores).to_string(float_format=lambda v: f"{v:,.3f}"),
    ]
    if seg.stability_ is not None:
        s = seg.stability_
        lines.append(
            f"stability: mean bootstrap ARI {s['ari_mean']:.3f} (min {s['ari_min']:.3f}, "
            f"5th percentile {s['ari_p05']:.3f}, {s['resamples']} resamples): {s['verdict']}"
        )
    table = seg.profiles_[["segment_name", "accounts", "share_of_accounts"]].copy()
    for col in ("share_of_revenue", "share_of_margin"):
        if col in seg.profiles_.columns:
            table[col] = seg.profiles_[col]
    lines += ["segments:", _labelled(table).to_string(float_format=lambda v: f"{v:.1%}")]
    lines += [f"note: {note}" for note in seg.notes_]
    return "\n".join(lines)


def _lower(name: str) -> str:
    """A feature's reader label in running text: ``order_value`` -> ``order value (GBP)``."""
    if name not in FEATURE_COLUMNS:  # a column of the user's own table keeps its name
        return str(name)
    text = label(name)
    return text[:1].lower() + text[1:] if text[1:2].islower() else text


# segments cover every account's whole history, not the portfolio's 12 months
_LABELS = {"share_of_revenue": "Share of net revenue", "k": "Segments (k)"}


def _labelled(table):
    """``table`` with the reader's labels on its columns and index name."""
    out = table.rename(columns=lambda c: _LABELS.get(c) or label(c))
    name = table.index.name
    out.index.name = (_LABELS.get(name) or label(name)) if name else None
    return out
