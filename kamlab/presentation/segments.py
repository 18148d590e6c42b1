"""Segmentation for people: a fitted segmentation in a few printable lines."""

from __future__ import annotations

from sklearn.utils.validation import check_is_fitted

__all__ = ["describe_segments"]


def describe_segments(seg) -> str:
    """A fitted :class:`~kamlab.segment.Segmenter` in a few printable lines: k and how it
    was chosen, scores, stability, segments and notes."""
    check_is_fitted(seg, "labels_")
    how = seg.rule_ if seg.rule_ == "fixed" else f"chosen automatically: {seg.rule_}"
    logs = f" (log scale: {', '.join(seg.log_features_)})" if seg.log_features_ else ""
    lines = [
        f"segments: k = {seg.k_} ({how}), method {seg.method}, {len(seg.labels_):,} accounts",
        f"features: {', '.join(seg.features_)}{logs}",
        "scores:",
        seg.scores_.to_string(float_format=lambda v: f"{v:,.3f}"),
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
    lines += ["segments:", table.to_string(float_format=lambda v: f"{v:.1%}")]
    lines += [f"note: {note}" for note in seg.notes_]
    return "\n".join(lines)
