"""The domain's vocabulary: relationship stages, stage indicators and their levels, the
buyer's headings, the portfolio criteria.

One definition, imported by the sample generator (:mod:`kamlab.datasets`), the
portfolio (:mod:`kamlab.portfolio.stages`, ``movement``, ``buyer``) and teaching
(:mod:`kamlab.teaching.lesson04`). This module imports nothing from kamlab: it is the
bottom layer, beside :mod:`kamlab.periods`, :mod:`kamlab.errors` and :mod:`kamlab.safe`.
"""

from __future__ import annotations

from typing import NamedTuple

__all__ = [
    "ATTRACTIVENESS_CRITERIA",
    "BUYER_HEADINGS",
    "INDICATOR_LEVELS",
    "INDICATOR_MEANINGS",
    "INDICATOR_SCALE",
    "STAGES",
    "STAGE_INDICATORS",
    "STRENGTH_CRITERIA",
    "IndicatorLevel",
]

STAGES: tuple[str, ...] = ("Exploratory", "Basic", "Cooperative", "Interdependent", "Integrated")
"""Relationship stages (Woodburn & McDonald 2011), from least to most developed."""

ATTRACTIVENESS_CRITERIA: tuple[str, ...] = (
    "strategic_alignment",
    "cultural_fit",
    "willingness_to_partner",
    "technological_synergy",
)
"""Judgement scores of a customer's attractiveness (the accounts table's columns)."""

STRENGTH_CRITERIA: tuple[str, ...] = (
    "price_competitiveness",
    "quality",
    "delivery_reliability",
    "relationship",
    "technical_support",
)
"""Judgement scores of the supplier's strength with a customer."""

STAGE_INDICATORS: tuple[str, ...] = (
    "contacts",
    "functions_involved",
    "share_of_wallet",
    "information_sharing",
    "joint_planning",
    "executive_sponsor",
)
"""The CRM indicators a relationship stage is assessed from (roles; default columns)."""

BUYER_HEADINGS: tuple[str, ...] = (
    "buyer_collaboration",
    "buyer_consolidation",
    "buyer_evaluation",
    "buyer_risk_management",
    "buyer_innovation",
    "buyer_development",
)
"""The buyer's scorecard headings (accounts table columns, scores 1-10)."""

INDICATOR_MEANINGS: dict[str, str] = {
    "contacts": "people at the customer we deal with regularly",
    "functions_involved": "customer functions in contact with us (buying, production, ...)",
    "share_of_wallet": "our share of the customer's spend in our category (0-1)",
    "information_sharing": "1 none, 2 minimal, 3 limited, 4 extensive, 5 open and sensitive",
    "joint_planning": "0 none, 1 ad hoc, 2 annual joint plan, 3 joint strategic plan",
    "executive_sponsor": "a senior executive of ours sponsors the relationship (yes/no)",
}
"""The stage indicators, in plain words."""


class IndicatorLevel(NamedTuple):
    """One step of an indicator's scale: values from ``lower`` up (``None``: from the
    bottom) give the stage-equivalent ``level`` (0 Exploratory ... 4 Integrated);
    ``values`` says which values in words, ``example`` is one of them."""

    level: float
    lower: float | None
    values: str
    example: float


_L = IndicatorLevel
INDICATOR_SCALE: dict[str, tuple[IndicatorLevel, ...]] = {
    "contacts": (
        _L(0, None, "0", 0),
        _L(0.5, 1, "1", 1),
        _L(1, 2, "2", 2),
        _L(2, 3, "3 to 5", 4),
        _L(3, 6, "6 to 11", 8),
        _L(4, 12, "12 or more", 15),
    ),
    "functions_involved": (
        _L(0, None, "0", 0),
        _L(0.5, 1, "1 (buying only)", 1),
        _L(2, 2, "2 or 3", 2),
        _L(3, 4, "4 or 5", 4),
        _L(4, 6, "6 or more", 7),
    ),
    "share_of_wallet": (
        _L(0, None, "under 5%", 0.03),
        _L(1, 0.05, "5% to under 20%", 0.12),
        _L(2, 0.20, "20% to under 50%", 0.3),
        _L(3, 0.50, "50% to under 75%", 0.6),
        _L(4, 0.75, "75% or more", 0.85),
    ),
    "information_sharing": (  # a 1-5 score, to the nearest whole point
        _L(0, None, "1 (none)", 1),
        _L(1, 1.5, "2 (minimal)", 2),
        _L(2, 2.5, "3 (limited)", 3),
        _L(3, 3.5, "4 (extensive)", 4),
        _L(4, 4.5, "5 (open)", 5),
    ),
    "joint_planning": (  # 0-3, to the nearest whole point
        _L(0.5, None, "0 (none)", 0),
        _L(2, 0.5, "1 (ad hoc)", 1),
        _L(3, 1.5, "2 (annual joint plan)", 2),
        _L(4, 2.5, "3 (joint strategic plan)", 3),
    ),
    "executive_sponsor": (  # no -> 1, yes -> 3
        _L(1, None, "no", 0),
        _L(3, 0.5, "yes", 1),
    ),
}
"""Per stage indicator, the values that give each stage-equivalent level (the table in
:mod:`kamlab.portfolio.stages`'s docstring)."""
del _L

INDICATOR_LEVELS: dict[str, tuple[tuple[float, ...], tuple[float, ...]]] = {
    role: (
        tuple(step.lower for step in scale if step.lower is not None),
        tuple(step.level for step in scale),
    )
    for role, scale in INDICATOR_SCALE.items()
}
""":data:`INDICATOR_SCALE` as ``role: (edges, levels)``: a value v gets ``levels[k]``,
k = the number of edges <= v."""
