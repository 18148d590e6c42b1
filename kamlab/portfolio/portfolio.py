"""The key account portfolio in one estimator: scores, box, tier, stage and exits.

    portfolio = Portfolio("criteria.yaml").fit(measures, accounts)
    portfolio.table_        # one row per account (columns: TABLE_COLUMNS)

``measures`` is :func:`~kamlab.portfolio.measures.portfolio_measures` (data measures per
account); ``accounts`` the accounts table (judgement scores, relationship-stage
indicators, buyer questionnaire). Without an accounts table the judgement factors fall
back as the criteria say, and stages are unknown.

Prospects (``prospect`` True: accounts of the accounts table that have never
bought) are staged Exploratory, are never key and never proposed for exit; a buying
account the indicators place at Exploratory is staged Basic (Exploratory is before
trading; :func:`~kamlab.portfolio.stages.trading_stages`).
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from pathlib import Path

import pandas as pd
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

from kamlab.errors import MissingColumnError
from kamlab.io import Accounts, accounts_by_id
from kamlab.portfolio.criteria import GROUPS, Criteria, load_criteria
from kamlab.portfolio.exits import EXIT_COLUMNS, recommend_exits
from kamlab.portfolio.frames import add_columns
from kamlab.portfolio.health import HEALTH_COLUMNS, classify_health, guard_tiers
from kamlab.portfolio.matrix import STRATEGIES, assign_boxes, assign_tiers
from kamlab.portfolio.measures import portfolio_measures
from kamlab.portfolio.scoring import PortfolioWarning, score_group
from kamlab.portfolio.stages import assess_stages, trading_stages
from kamlab.summary import summaries_kept

__all__ = ["TABLE_COLUMNS", "Portfolio", "build_portfolio"]

TABLE_COLUMNS: dict[str, str] = {
    "account_name": "the account's name (when known)",
    "attractiveness": "weighted attractiveness score, 1-10",
    "strength": "weighted relative-strength score, 1-10",
    "box": "Strategic, Star, Status or Streamline",
    "strategy": "the box's recommended strategy",
    "tier": "key, key development, maintain or transactional",
    "key_rank": "rank among Strategic accounts by attractiveness (1 = first)",
    "tier_reason": "why the account is in its tier (and why it left key when likely lost)",
    "stage": "relationship stage, Exploratory to Integrated",
    "declining": "True when the stage indicators fell since the previous accounts table",
    "stage_reason": "the indicators behind the stage",
    "cts_<driver>": "cost of an account-level driver (kam_hours, service_calls...), 12 months",
    **EXIT_COLUMNS,
    "revenue": "net revenue, last 12 months (0 for a prospect)",
    "growth": "revenue growth year on year, a fraction (-0.25 = down 25%; NaN: no revenue "
    "in the 12 months before)",
    "contribution": "profit after cost to serve, last 12 months",
    "potential": "annual margin headroom, money per year, >= 0 (kamlab.portfolio.potential)",
    "potential_basis": "share of wallet, industry peers, portfolio peers or unknown",
    "prospect": "True: in the accounts table, never bought (never key, no exit)",
    "imputed": "factors scored at the portfolio median for lack of a value",
    **HEALTH_COLUMNS,
}
"""Columns of :attr:`Portfolio.table_` (plus every other measure, e.g. ``clv``)."""


def _imputed_labels(imputed: pd.DataFrame) -> pd.Series:
    """ "fit, quality" per account: the factors imputed (columns of ``imputed`` that are
    True), "" when none; looping over the few factors, not the many accounts."""
    labels = pd.Series("", index=imputed.index, dtype="object")
    for column in imputed.columns[imputed.any()]:
        rows = imputed[column].to_numpy()
        labels[rows] = [f"{text}, {column}" if text else column for text in labels[rows]]
    return labels


class Portfolio(BaseEstimator):
    """Score, place and tier every account on explicit criteria (McDonald & Woodburn).

    A scikit-learn estimator: configuration in ``__init__``, :meth:`fit` returns ``self``,
    learned values end in ``_``; :meth:`summary` before :meth:`fit` raises
    :class:`~sklearn.exceptions.NotFittedError`.

    ``criteria``: a :class:`~kamlab.portfolio.criteria.Criteria`, a YAML path, a dict,
    or ``None`` for the shipped defaults (``kamlab/portfolio/criteria.yaml``).
    ``indicators``: the accounts table's column for each relationship-stage indicator,
    when it names them differently (:func:`~kamlab.portfolio.stages.assess_stages`).

    After :meth:`fit`: ``table_`` (one row per account), ``scores_`` (group ->
    :class:`~kamlab.portfolio.scoring.GroupScores`), ``criteria_`` and ``notes_``
    (what was assumed or dropped, in plain words).
    """

    def __init__(
        self,
        criteria: Criteria | str | Path | Mapping | None = None,
        *,
        indicators: Mapping[str, str] | None = None,
    ):
        self.criteria = criteria
        self.indicators = indicators

    @classmethod
    def from_yaml(cls, path: str | Path) -> Portfolio:
        return cls(load_criteria(path))

    def fit(
        self,
        measures: pd.DataFrame,
        accounts: Accounts | pd.DataFrame | None = None,
        *,
        previous_accounts: pd.DataFrame | None = None,
    ) -> Portfolio:
        """Fit on ``measures`` (one row per account) and the optional ``accounts`` table;
        ``previous_accounts`` (an earlier accounts table) lets stages show Declining.
        Returns ``self``. The criteria are loaded and checked here (the one place)."""
        crit = load_criteria(self.criteria)
        acc = accounts_by_id(accounts)
        notes = list(measures.attrs.get("notes", []))
        scores = {g: score_group(crit, g, measures, acc) for g in GROUPS}
        for g in GROUPS:
            notes += scores[g].notes

        table = pd.DataFrame(index=measures.index)
        if "account_name" in measures:
            table["account_name"] = measures["account_name"]
        elif acc is not None and "account_name" in acc:
            table["account_name"] = acc["account_name"].reindex(table.index)
        table["attractiveness"] = scores["attractiveness"].value
        table["strength"] = scores["strength"].value
        table["box"] = assign_boxes(
            table["attractiveness"],
            table["strength"],
            attractiveness_cutoff=crit.attractiveness_cutoff,
            strength_cutoff=crit.strength_cutoff,
        )
        table["strategy"] = table["box"].astype("object").map(STRATEGIES)
        for column in measures.columns.drop("account_name", errors="ignore"):
            table[column] = measures[column]
        table = add_columns(table, assign_tiers(table, crit.key_cap))
        if "days_since_last_purchase" in table:  # health, and its guard on the key tier
            table = add_columns(table, classify_health(table, crit.health))
            guarded = guard_tiers(table)
            table["tier"], table["tier_reason"] = guarded["tier"], guarded["tier_reason"]
            table["health_action"] = guarded["health_action"]
        else:
            notes.append("no purchase history in the measures: account health is unknown")
        table = add_columns(
            table,
            self._stages(acc, previous_accounts, self.indicators, table.index, notes),
        )
        table = add_columns(table, recommend_exits(table, crit.exits, crit.service))
        if "prospect" in table:  # staged by trading (recommend_exits skips prospects)
            prospect = table["prospect"].astype(bool)
            table[["stage", "stage_reason"]] = trading_stages(table, prospect)
        imputed = pd.concat([scores[g].imputed for g in GROUPS], axis=1)
        table["imputed"] = _imputed_labels(imputed)

        table.attrs.update(
            {k: measures.attrs.get(k) for k in ("until", "window", "cost_of_goods_assumed")}
        )
        self.criteria_ = crit
        self.scores_ = scores
        self.notes_ = notes
        self.table_ = table
        return self

    @staticmethod
    def _stages(acc, previous, indicators, index, notes) -> pd.DataFrame:
        empty = pd.DataFrame(
            {
                "stage": pd.Series(pd.NA, index=index, dtype="object"),
                "declining": False,
                "stage_reason": "",
            },
            index=index,
        )
        if acc is None:
            notes.append("no accounts table: relationship stages are unknown")
            return empty
        try:
            stages = assess_stages(acc, indicators=indicators, previous=previous, rows=index)
        except MissingColumnError as exc:
            try:  # without the previous table: a fault of that table leaves today's stages
                stages = assess_stages(acc, indicators=indicators, rows=index)
            except MissingColumnError as today:  # no indicator column at all
                notes.append(
                    "relationship stages are unknown: the accounts table has none of the "
                    f"stage indicator columns ({', '.join(today.expected)})"
                )
                return empty
            notes.append(f"the previous accounts table cannot show decline: {exc}")
        return stages[["stage", "declining", "stage_reason"]].reindex(index)

    def summary(self) -> pd.DataFrame:
        """Accounts, revenue and contribution per box, with the strategy."""
        check_is_fitted(
            self, "table_", msg="this %(name)s is not fitted yet: call fit(measures) first"
        )
        t = self.table_
        out = t.groupby("box", observed=False).agg(
            accounts=("attractiveness", "size"),
            revenue=("revenue", "sum"),
            contribution=("contribution", "sum"),
        )
        out["revenue_share"] = out["revenue"] / out["revenue"].sum()
        out["strategy"] = out.index.astype("object").map(STRATEGIES)
        return out


def build_portfolio(
    transactions,
    accounts=None,
    *,
    until=None,
    criteria=None,
    value=None,
    previous_accounts=None,
    rates=None,
    health_value=None,
    prospects: bool = True,
    contacts=None,
    pnl: pd.DataFrame | None = None,
) -> Portfolio:
    """Measures (:func:`~kamlab.portfolio.measures.portfolio_measures`) and the fitted
    :class:`Portfolio` in one call; what was assumed is in ``notes_`` (the warnings are not
    shown again).

    ``value`` (a :class:`~kamlab.value.clv.CustomerValue`) adds each account's ``clv``
    and gives account health its purchase model; ``health_value`` gives health the
    model without adding ``clv`` (the run context passes its one model this way).
    Neither: health rests on recency alone (said in ``notes_``). No model is fitted here.
    ``prospects``: include the accounts of ``accounts`` that did not buy in the 12 months
    (default), or only the buying accounts. ``contacts`` (a contacts file,
    :func:`kamlab.io.read_contacts`): the stage indicators contacts, functions_involved and
    executive_sponsor come from it, not the accounts table (said in ``notes_``). ``pnl``:
    the customer P&L of the 12 months to ``until`` when computed already (else computed
    here with ``rates``)."""

    crit = load_criteria(criteria)
    with summaries_kept(transactions):  # the features' summary serves health too
        measures = portfolio_measures(
            transactions,
            accounts,
            until=until,
            value=value,
            rates=rates,
            health_value=health_value,
            potential=crit.potential,
            prospects=prospects,
            pnl=pnl,
        )
    source_note = None
    if contacts is not None and accounts is not None:  # stage indicators from the contacts
        from kamlab.portfolio.contacts import with_contact_indicators

        accounts, source_note = with_contact_indicators(accounts_by_id(accounts), contacts)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PortfolioWarning)
        fitted = Portfolio(crit).fit(measures, accounts, previous_accounts=previous_accounts)
    fitted.notes_ += [source_note] if source_note else []
    return fitted
