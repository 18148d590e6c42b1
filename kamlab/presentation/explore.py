"""The first look at a customer base in sentences (``notebooks/01_explore.ipynb``)."""

from __future__ import annotations

from collections.abc import Mapping

__all__ = ["describe_concentration"]


def describe_concentration(concentration: Mapping) -> str:
    """The numbers of :func:`kamlab.explore.revenue_concentration` as sentences a manager can read."""
    c = concentration
    lines = [
        f"{c['accounts']:,} accounts bought in the window.",
        f"The top {c['top_fraction']:.0%} of accounts (about {c['top_accounts']:,}) bring "
        f"{c['top_share']:.0%} of net revenue.",
        f"The {min(c['top_n'], c['accounts'])} largest accounts alone bring "
        f"{c['top_n_share']:.0%}.",
        f"{c['target_share']:.0%} of net revenue comes from {c['accounts_for_target']:,} "
        f"accounts ({c['accounts_for_target_fraction']:.0%} of them).",
        f"Gini coefficient: {c['gini']:.2f} (0 = every account buys the same, "
        "1 = one account buys everything).",
    ]
    if c.get("nonpositive_accounts"):
        n = c["nonpositive_accounts"]
        lines.append(
            f"{n:,} {'account' if n == 1 else 'accounts'} returned as much as "
            f"{'it' if n == 1 else 'they'} bought or more, counted as 0."
        )
    return "\n".join(lines)
