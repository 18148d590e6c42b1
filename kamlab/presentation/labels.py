"""What a column is called for a reader, and how its numbers are written.

:data:`LABELS` maps a code name (``value_at_stake``) to a :class:`Label`: the reader's
text, with its unit and time basis (``"Value at stake ({currency} a year)"``), and its
*kind*, which decides how a cell is written (:data:`KINDS`, :func:`format_value`):

============== ================================================ ==================
kind           what it holds                                    a cell reads
============== ================================================ ==================
money          an amount; the currency is in the label          ``203,098``, ``12.50``
share          a fraction of a whole, 0-1                       ``25.7%``
share_change   a difference of two shares                       ``+0.2 pp``
percent_change a growth fraction (-0.25 = down a quarter)       ``-25%``
count          a whole number of things                         ``1,300``
probability    a probability, 0-1                               ``83%``, ``<1%``
score          a 1-10 score                                     ``7.3``
hours          hours                                            ``12.5``, ``1,250``
weeks          a duration in weeks                              ``6.9``, ``104.0``
days           a number of days                                 ``45``
date           a day                                            ``2026-06-30``
number         a ratio or other plain number (alias: ratio)     ``1.23``
text           words (True/False read yes/no)                   as given
============== ================================================ ==================

To add a label: one line in :data:`LABELS`, ``"code_name": Label("Reader's text (unit,
basis)", "kind")``; ``{currency}`` in the text is filled in by :func:`label`. Names the
catalogue does not hold are still labelled: ``cts_<driver>`` as a cost to serve,
``median_<name>`` and ``share_of_<name>`` from the name they qualify, ``<name>_before``,
``<name>_after`` and ``<name>_change`` likewise, ``*_share``, ``*_days`` and ``*_hours``
by their unit, anything else humanised
(``value_at_risk`` -> ``Value at risk``), so a snake_case name never reaches a reader;
:func:`kind_of` falls back on the values' dtype.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from kamlab.presentation import format as fmt

__all__ = [
    "KINDS",
    "LABELS",
    "NUMBER_KINDS",
    "Label",
    "find_label",
    "format_value",
    "kind_of",
    "label",
]

KINDS = (
    "money",
    "share",
    "share_change",
    "percent_change",
    "count",
    "probability",
    "score",
    "hours",
    "weeks",
    "days",
    "date",
    "number",
    "text",
)
"""The kinds a column can be (``ratio`` is accepted as another name for ``number``)."""

NUMBER_KINDS = frozenset(KINDS) - {"text", "date"}
"""Kinds whose cells are numbers (right-aligned, never wrapped)."""

MISSING = "-"
"""What a missing value (NaN, None, NaT) reads in a table cell."""


@dataclass(frozen=True)
class Label:
    """A column's reader label (may hold ``{currency}``) and its kind (:data:`KINDS`)."""

    text: str
    kind: str = "text"


_M = "money"
LABELS: dict[str, Label] = {
    # who and where: identifiers and groupings (usually the index)
    "account_id": Label("Account"),
    "account_name": Label("Account name"),
    "account": Label("Account"),
    "name": Label("Name"),
    "period": Label("Period"),
    "month": Label("Month"),
    "year": Label("Year"),
    "quarter": Label("Quarter"),
    "date": Label("Date", "date"),
    "headline": Label("Measure"),
    "box": Label("Box"),
    "tier": Label("Tier"),
    "stage": Label("Stage"),
    "segment": Label("Segment"),
    "segment_name": Label("Segment name"),
    "industry": Label("Industry"),
    "region": Label("Region"),
    "employees": Label("Employees", "count"),
    "group": Label("Group"),
    "heading": Label("Heading"),
    "criterion": Label("Criterion"),
    "factor": Label("Factor"),
    "model": Label("Model"),
    "parameter": Label("Parameter"),
    "estimate": Label("Estimate", "number"),
    "std_error": Label("Standard error", "number"),
    "source": Label("Source"),
    "row": Label("Row"),
    "rule": Label("Rule"),
    "reason": Label("Reason"),
    "detail": Label("Detail"),
    "meaning": Label("Meaning"),
    "outcome": Label("Outcome"),
    "action": Label("Action"),
    "risk": Label("Risk"),
    "line": Label("Line"),
    "value": Label("Value ({currency})", _M),
    "amount": Label("Amount ({currency})", _M),
    "change": Label("Change", "number"),
    "this period": Label("This period", "number"),
    "previous period": Label("Previous period", "number"),
    # the portfolio table (kamlab.portfolio.TABLE_COLUMNS)
    "attractiveness": Label("Attractiveness (1-10)", "score"),
    "strength": Label("Relative strength (1-10)", "score"),
    "strategy": Label("Strategy"),
    "key_rank": Label("Key rank", "count"),
    "tier_reason": Label("Why this tier"),
    "declining": Label("Relationship declining"),
    "stage_reason": Label("Stage indicators"),
    "revenue": Label("Net revenue, last 12 months ({currency})", _M),
    "growth": Label("Revenue growth, year on year", "percent_change"),
    "contribution": Label("Contribution, last 12 months ({currency})", _M),
    "potential": Label("Potential ({currency} a year)", _M),
    "potential_basis": Label("Potential based on"),
    "prospect": Label("Prospect"),
    "imputed": Label("Scored at the median for"),
    # global accounts (kamlab.portfolio.global_accounts)
    "entities": Label("Entities", "count"),
    "countries": Label("Countries"),
    "country": Label("Country"),
    "global_id": Label("Global account"),
    "global_name": Label("Global account name"),
    "gross_margin_pct": Label("Gross margin (% of net revenue)", "share"),
    "cost_to_serve_pct": Label("Cost to serve (% of net revenue)", "share"),
    "price_index": Label("Price index (1 = the customer's average)", "number"),
    "average_order_value": Label("Average order value ({currency})", _M),
    # exits (kamlab.portfolio.exits.EXIT_COLUMNS)
    "contribution_lower_tier": Label("Contribution on the next tier down ({currency})", _M),
    "contribution_lowest_tier": Label("Contribution on the lowest tier ({currency})", _M),
    "exit_recommendation": Label("Exit recommendation"),
    "exit_to_tier": Label("Exit to tier"),
    "exit_reasons": Label("Reasons"),
    "profit_at_stake": Label("Profit at stake ({currency})", _M),
    # health (kamlab.portfolio.health.HEALTH_COLUMNS)
    "health": Label("Health"),
    "last_purchase": Label("Last purchase", "date"),
    "first_purchase": Label("First purchase", "date"),
    "days_since_last_purchase": Label("Days since last purchase", "days"),
    "days_since_last": Label("Days since last purchase", "days"),
    "typical_gap_days": Label("Typical days between purchases", "days"),
    "interpurchase_days": Label("Days between purchases", "days"),
    "probability_alive": Label("P(alive)", "probability"),
    "expected_purchases_next_quarter": Label("Expected purchases, next quarter", "number"),
    "health_reason": Label("Why this health"),
    "health_action": Label("Action"),
    # the customer P&L (kamlab.value.PNL_COLUMNS)
    "years": Label("Years charged", "number"),
    "orders": Label("Orders", "count"),
    "order_lines": Label("Order lines", "count"),
    "lines": Label("Lines", "count"),
    "return_lines": Label("Return lines", "count"),
    "deliveries": Label("Deliveries", "count"),
    "kam_hours": Label("KAM hours a year", "hours"),
    "service_calls": Label("Service calls a year", "count"),
    "payment_days": Label("Payment days", "days"),
    "gross_sales": Label("Gross sales ({currency})", _M),
    "sales": Label("Sales ({currency})", _M),
    "returns": Label("Returns ({currency})", _M),
    "returns_value": Label("Returns ({currency})", _M),
    "discounts": Label("Discounts ({currency})", _M),
    "net_revenue": Label("Net revenue ({currency})", _M),
    "net": Label("Net revenue ({currency})", _M),
    "cost_of_goods": Label("Cost of goods ({currency})", _M),
    "cost_of_goods_basis": Label("Cost of goods from"),
    "gross_margin": Label("Gross margin ({currency})", _M),
    "cost_to_serve": Label("Cost to serve ({currency})", _M),
    "contribution_margin": Label("Contribution margin", "share"),
    # customer value (kamlab.value.clv.VALUE_COLUMNS) and the watch list
    "expected_purchases": Label("Expected purchases", "number"),
    "discounted_purchases": Label("Discounted purchases", "number"),
    "expected_spend": Label("Expected spend per purchase ({currency})", _M),
    "margin_share": Label("Margin share", "share"),
    "discounted_revenue": Label("Discounted revenue ({currency})", _M),
    "discounted_gross_margin": Label("Discounted gross margin ({currency})", _M),
    "discounted_cost_to_serve": Label("Discounted cost to serve ({currency})", _M),
    "clv": Label("Lifetime value ({currency})", _M),
    "clv_scenario": Label("Lifetime value, scenario ({currency})", _M),
    "rank": Label("Rank", "count"),
    "status": Label("Status"),
    "value_if_alive": Label("Value if still active ({currency})", _M),
    "value_at_risk": Label("Value at risk ({currency})", _M),
    "value_lost_if_churns": Label("Value lost if it leaves ({currency})", _M),
    "time_since_last_purchase": Label("Time since last purchase (weeks)", "weeks"),
    # the RFM summary (kamlab.summary.SUMMARY_COLUMNS) and segment features
    "frequency": Label("Repeat purchases", "count"),
    "recency": Label("Recency (weeks)", "weeks"),
    "T": Label("Weeks since first purchase", "weeks"),
    "monetary_value": Label("Mean repeat purchase ({currency})", _M),
    "products": Label("Products", "count"),
    "purchases_per_month": Label("Purchases a month", "number"),
    "order_value": Label("Order value ({currency})", _M),
    "lines_per_order": Label("Lines per order", "number"),
    "revenue_per_year": Label("Net revenue a year ({currency})", _M),
    "tenure_months": Label("Tenure (months)", "number"),
    "tenure": Label("Tenure (months)", "number"),
    "purchase_frequency": Label("Purchases a month", "number"),
    "returns_share": Label("Returns share", "share"),
    # segmentation
    "k": Label("Segments", "count"),
    "inertia": Label("Inertia", "number"),
    "silhouette": Label("Silhouette", "number"),
    "calinski_harabasz": Label("Calinski-Harabasz", "number"),
    "converged": Label("Converged"),
    "accounts": Label("Accounts", "count"),
    "accounts_scored": Label("Accounts scored", "count"),
    # allocation of hours (kamlab.portfolio.allocate)
    "value_at_stake": Label("Value at stake ({currency} a year)", _M),
    "retention_at_stake": Label("Retention at stake ({currency} a year)", _M),
    "growth_at_stake": Label("Growth at stake ({currency} a year)", _M),
    "saturation_hours": Label("Saturation hours a year", "hours"),
    "max_hours": Label("Most hours a year", "hours"),
    "hours": Label("Hours a year", "hours"),
    "expected_gain": Label("Expected gain ({currency} a year)", _M),
    "marginal_gain_per_hour": Label("Gain from the last hour ({currency})", _M),
    "equal_hours": Label("Hours a year, equal split", "hours"),
    "equal_gain": Label("Gain, equal split ({currency} a year)", _M),
    "current_hours": Label("Hours a year today", "hours"),
    "current_gain": Label("Gain today ({currency} a year)", _M),
    "optimal_budget_hours": Label("Hours a year, best budget", "hours"),
    "optimal_budget_gain": Label("Gain, best budget ({currency} a year)", _M),
    # KAM performance (kamlab.portfolio.performance: two 12-month years, key vs matched)
    "revenue_before": Label("Net revenue, year before ({currency})", _M),
    "revenue_growth": Label("Revenue growth, year on year", "percent_change"),
    "contribution_before": Label("Contribution, year before ({currency})", _M),
    "gross_margin_before": Label("Gross margin, year before ({currency})", _M),
    "gross_margin_share": Label("Gross margin share", "share"),
    "gross_margin_share_before": Label("Gross margin share, year before", "share"),
    "kam_cost": Label("KAM hours charged ({currency})", _M),
    "kam_cost_before": Label("KAM hours charged, year before ({currency})", _M),
    "share_of_wallet_before": Label("Share of wallet, previous period", "share"),
    "bought_before": Label("Bought in the year before"),
    "bought": Label("Bought in the year"),
    "retained": Label("Retained (bought in both years)"),
    "stage_before": Label("Stage, previous period"),
    "stage_change_steps": Label("Stage steps gained", "count"),
    "kam_hours_before": Label("KAM hours a year, previous period", "hours"),
    "key": Label("Key account (KAM hours at the start)"),
    "role": Label("Role"),
    "comparison_ids": Label("Matched non-key accounts"),
    "matched_to": Label("Matched to key accounts"),
    "revenue_effect": Label("Revenue gained vs matched ({currency})", _M),
    "contribution_effect": Label("Contribution gained vs matched ({currency})", _M),
    "retention_effect": Label("Retention vs matched", "share_change"),
    "share_of_wallet_effect": Label("Share of wallet vs matched", "share_change"),
    # retention uplift (kamlab.value.uplift)
    "retention": Label("Retention", "share"),
    "retention_after": Label("Retention after", "share"),
    "retention_scenario": Label("Retention, scenario", "share"),
    "observed_retention": Label("Observed retention", "share"),
    "fitted_retention": Label("Fitted retention", "share"),
    "survivors": Label("Survivors", "count"),
    "expected_active": Label("Expected active", "number"),
    "value_scenario": Label("Value, scenario ({currency})", _M),
    "uplift": Label("Uplift ({currency})", _M),
    "uplift_pct": Label("Uplift (%)", "number"),
    "clv_multiple": Label("Lifetime value multiple", "number"),
    "clv_multiple_after": Label("Lifetime value multiple after", "number"),
    "horizon_months": Label("Horizon (months)", "count"),
    "in_scenario": Label("In the scenario"),
    "capped": Label("Capped"),
    # which purchase model (kamlab.value model choice)
    "chosen": Label("Chosen"),
    "log_likelihood": Label("Log-likelihood", "number"),
    "rmse_per_account": Label("RMSE per account (purchases)", "number"),
    "mae_per_account": Label("MAE per account (purchases)", "number"),
    "bias_per_account": Label("Bias per account (purchases)", "number"),
    "holdout_actual": Label("Holdout purchases, actual", "number"),
    "holdout_predicted": Label("Holdout purchases, predicted", "number"),
    "rank_correlation": Label("Rank correlation", "number"),
    "lift": Label("Lift", "number"),
    # explore
    "read": Label("Rows read", "count"),
    "accepted": Label("Rows accepted", "count"),
    "quarantined": Label("Rows quarantined", "count"),
    "rows": Label("Rows", "count"),
    "share": Label("Share", "share"),
    "cum_share": Label("Cumulative share", "share"),
    "first_date": Label("First date", "date"),
    "last_date": Label("Last date", "date"),
    "months": Label("Months", "count"),
    "order_id": Label("Order"),
    "product_id": Label("Product"),
    "quantity": Label("Quantity", "number"),
    "unit_price": Label("Unit price ({currency})", _M),
    "unit_cost": Label("Unit cost ({currency})", _M),
    # movement in the matrix (kamlab.portfolio.movement)
    "moved": Label("Moved"),
    # the buyer's scorecard (kamlab.portfolio.buyer)
    "kam_question": Label("Question for the KAM"),
    "mean_score": Label("Mean score (1-10)", "score"),
    "weight": Label("Weight", "share"),
    "weight_used": Label("Weight used", "share"),
    "weakest_count": Label("Accounts where weakest", "count"),
    "weakest_share": Label("Share where weakest", "share"),
    # judgement scores and stage indicators of the accounts table (kamlab.vocabulary)
    "strategic_alignment": Label("Strategic alignment", "score"),
    "cultural_fit": Label("Cultural fit", "score"),
    "willingness_to_partner": Label("Willingness to partner", "score"),
    "technological_synergy": Label("Technological synergy", "score"),
    "price_competitiveness": Label("Price competitiveness", "score"),
    "quality": Label("Quality", "score"),
    "delivery_reliability": Label("Delivery reliability", "score"),
    "relationship": Label("Relationship", "score"),
    "technical_support": Label("Technical support", "score"),
    "contacts": Label("Contacts", "count"),
    "functions_involved": Label("Functions involved", "count"),
    "share_of_wallet": Label("Share of wallet", "share"),
    "information_sharing": Label("Information sharing"),
    "joint_planning": Label("Joint planning"),
    "executive_sponsor": Label("Executive sponsor"),
    "collaboration": Label("Collaboration", "score"),
    "consolidation": Label("Consolidation", "score"),
    "evaluation": Label("Evaluation", "score"),
    "risk_management": Label("Risk management", "score"),
    "innovation": Label("Innovation", "score"),
    "development": Label("Development", "score"),
    # other shares and amounts
    "revenue_share": Label("Share of net revenue", "share"),
    "margin": Label("Margin ({currency})", _M),
}
"""Code name -> :class:`Label`. ``{currency}`` is filled in by :func:`label`."""

_ALIASES = {"ratio": "number"}
_QUALIFIERS: tuple[tuple[str, str], ...] = (
    ("_before", "{}, before"),
    ("_after", "{}, after"),
    ("_change", "Change in {}"),
)
_UNIT_SUFFIXES = {"_share": "share", "_days": "days", "_hours": "hours"}
"""A name the catalogue lacks still has a kind when its last word says the unit."""
_CHANGE_KINDS = {"share": "share_change", "probability": "share_change"}


def _lower_first(text: str) -> str:
    """Lower-case the first letter unless the first word is an acronym (``P(alive)``, ``KAM``)."""
    first = text.split(" ", 1)[0]
    if len(first) > 1 and (first[1].isupper() or "(" in first):
        return text
    return text[:1].lower() + text[1:]


def _humanised(name: str) -> str:
    text = " ".join(name.replace("_", " ").split())
    return text[:1].upper() + text[1:] if text else text


def _lookup(name: str) -> Label | None:
    """The catalogue's label for ``name``, or one derived from a name it qualifies."""
    if name in LABELS:
        return LABELS[name]
    if name.startswith("buyer_") and name[6:] in LABELS:
        return LABELS[name[6:]]
    if name.startswith("cts_"):
        driver = _humanised(name[4:]).lower().replace("kam ", "KAM ")
        return Label(f"Cost to serve: {driver} ({{currency}})", "money")
    if name.startswith("median_") and (inner := _lookup(name[7:])):
        return Label("Median " + _lower_first(inner.text), inner.kind)
    if name.startswith("share_of_") and (inner := _lookup(name[9:])):
        return Label("Share of " + _lower_first(_strip_unit(inner.text)), "share")
    for suffix, kind in _UNIT_SUFFIXES.items():
        if name.endswith(suffix) and len(name) > len(suffix):
            return Label(_humanised(name), kind)
    for suffix, pattern in _QUALIFIERS:
        if name.endswith(suffix) and (inner := _lookup(name[: -len(suffix)])):
            if suffix == "_change":
                kind = _CHANGE_KINDS.get(inner.kind, inner.kind)
                return Label(pattern.format(_lower_first(inner.text)), kind)
            return Label(pattern.format(inner.text), inner.kind)
    return None


def find_label(name: object) -> Label | None:
    """The catalogue's :class:`Label` for ``name`` (or one derived from a name it
    qualifies: ``cts_*``, ``median_*``, ``share_of_*``, ``*_before/_after/_change``);
    None when the name is unknown (then :func:`label` humanises it)."""
    return None if isinstance(name, tuple) or name is None else _lookup(str(name))


def _strip_unit(text: str) -> str:
    """``Net revenue ({currency})`` -> ``Net revenue``: a share has no currency."""
    return text.split(" (", 1)[0] if text.endswith(")") and " (" in text else text


def label(name: object, currency: str = "GBP") -> str:
    """The reader's label for column or index name ``name``: from :data:`LABELS` (or
    derived from a name it qualifies), else the name humanised (``value_at_risk`` ->
    ``Value at risk``). ``{currency}`` becomes ``currency``. A tuple (from a MultiIndex)
    is labelled part by part and joined with ``", "``; None reads ``""``."""
    if name is None:
        return ""
    if isinstance(name, tuple):
        return ", ".join(p for p in (label(n, currency) for n in name) if p)
    text = str(name)
    found = _lookup(text)
    return (found.text if found else _humanised(text)).replace("{currency}", currency)


def kind_of(name: object, values: pd.Series | pd.Index | None = None) -> str:
    """The kind (:data:`KINDS`) of column ``name``: from :data:`LABELS` (or a name it
    qualifies), else from ``values``' dtype: dates -> ``date``, booleans and text ->
    ``text``, whole numbers -> ``count``, other numbers -> ``number``."""
    found = _lookup(str(name)) if not isinstance(name, tuple) else None
    if found is not None:
        return found.kind
    if values is None:
        return "text"
    if pd.api.types.is_bool_dtype(values):
        return "text"
    if pd.api.types.is_datetime64_any_dtype(values):
        return "date"
    values = pd.Series(values)
    if values.dtype == object:  # numbers held as objects (e.g. beside pd.NA) are numbers
        present = values.dropna()
        numbers = pd.to_numeric(present, errors="coerce")
        if present.empty or numbers.isna().any() or present.map(type).eq(bool).any():
            return "text"
        values = numbers
    if pd.api.types.is_numeric_dtype(values):
        floats = pd.to_numeric(values, errors="coerce").astype("float64")
        finite = floats[np.isfinite(floats)]
        whole = pd.api.types.is_integer_dtype(values) or bool((finite == finite.round()).all())
        return "count" if whole and len(finite) else "number"
    return "text"


def _text(value: object) -> str:
    """A text cell: booleans as yes/no, a fraction among words with two decimals at most."""
    if isinstance(value, bool | np.bool_):
        return "yes" if value else "no"
    if isinstance(value, float | np.floating):
        return fmt.number(float(value))
    return str(value)


_FORMATTERS: dict[str, Callable[..., str]] = {
    "money": fmt.amount,
    "share": lambda v, sign=False: fmt.percent(v, 1, sign=sign),
    "share_change": lambda v, sign=True: fmt.points(v),
    "percent_change": lambda v, sign=True: fmt.percent(v, 0, sign=True),
    "count": fmt.count,
    "probability": fmt.probability,
    "score": fmt.score,
    "hours": fmt.hours,
    "weeks": fmt.weeks,
    "days": fmt.count,
    "number": fmt.number,
}


def format_value(value: object, kind: str, *, sign: bool = False) -> str:
    """``value`` written as a cell of ``kind`` (:data:`KINDS`); ``sign``: a ``+`` in front
    of positive numbers (changes; share changes and growth always carry one). Missing
    values read :data:`MISSING`; a value that is not a number in a number column is
    written as text."""
    kind = _ALIASES.get(kind, kind)
    if kind not in KINDS:
        raise ValueError(f"kind {kind!r}: use one of {', '.join(KINDS)}")
    if value is None or value is pd.NA or value is pd.NaT:
        return MISSING
    if isinstance(value, float | np.floating) and not math.isfinite(value):
        return MISSING
    if kind == "text":
        return _text(value)
    if kind == "date":
        return MISSING if pd.isna(value) else fmt.day(value)
    if isinstance(value, bool | np.bool_) or not isinstance(value, int | float | np.number):
        return _text(value)
    return _FORMATTERS[kind](float(value), sign=sign)  # what rounds to zero has no sign
