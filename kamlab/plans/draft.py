"""Draft plans from a period's portfolio table, and carry open items forward.

:func:`draft_plans` writes one :class:`~kamlab.plans.document.Plan` per key account
(``tier == "key"``) of a portfolio table (``Portfolio.table_``): the position as of the
table's end, a SWOT whose weaknesses and threats are the account's risks
(:func:`kamlab.portfolio.account_pages.account_risks`), prompts for the analyses, and
objectives derived from the data (:data:`TARGET_RULES`):

- ``revenue``: today's 12-month revenue + 20% of the revenue headroom (``potential``, the
  annual margin headroom, divided by the gross-margin share), at least +5%, due in 12 months;
- ``contribution``: 0 (break even) for a loss-maker, else +5%, due in 12 months;
- ``stage``: one stage up (none at Integrated), due in 12 months;
- ``share_of_wallet``: +5 points (at most 100%) when known, due in 12 months;
- ``retention``: still buying (1) at the end of the plan's period (the next period).

:func:`carry_forward` moves the open items of earlier plans into new ones (rule in its
docstring).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import numpy as np
import pandas as pd

from kamlab.periods import parse_period
from kamlab.plans.document import Action, Objective, Plan
from kamlab.plans.scorecard import measure_actuals, objective_status
from kamlab.portfolio.account_pages import account_risks
from kamlab.vocabulary import STAGES

__all__ = [
    "KAM_FUNCTIONS",
    "PLACEHOLDER_OWNER",
    "TARGET_RULES",
    "account_teams",
    "carry_forward",
    "draft_plans",
    "next_period",
]

PLACEHOLDER_OWNER = "Account manager"
"""The team's pre-filled member, whom the user renames (when no contacts file names our
people on the account)."""

KAM_FUNCTIONS = ("sales", "key account management", "account management", "key accounts")
"""Our functions (a contacts file's ``counterpart_function``) a key account manager is in."""

TARGET_RULES = {
    "growth_capture": 0.2,
    "minimum_growth": 0.05,
    "contribution_growth": 0.05,
    "wallet_points": 0.05,
    "horizon_months": 12,
}
"""The pre-filled objectives' parameters (module docstring)."""

_EXTERNAL = {
    "business": "What does the customer sell, to whom, and how does it make money?",
    "markets": "Which of its markets grow or shrink, and why?",
    "competitors": "Who are its competitors, and how does it win against them?",
    "pressures": "What pressures does it face (costs, regulation, technology, its customers)?",
    "drivers": "What drives its buying from us (price, quality, service, innovation, risk)?",
}
_INTERNAL = {
    "our_offer": "What do we sell it, and what could we sell it we do not yet?",
    "competitors_in_account": "Which suppliers share the account with us, and on what terms?",
    "relationship": "Who knows whom (contacts, functions, sponsor, decision maker)?",
    "buyer_view": "How does its buyer see us (the weakest heading and its question below)?",
}


def next_period(label: str) -> str:
    """The period after ``label``, of the same length: ``2026Q3`` -> ``2026Q4``."""
    label = parse_period(label).label
    freq = "Q" if "Q" in label else ("M" if "-" in label else "Y")
    return str(pd.Period(label, freq=freq) + 1)


def _in_months(day: pd.Timestamp, months: int) -> dt.date:
    """The last day of the month ``months`` after ``day``'s."""
    return (
        day + pd.offsets.MonthEnd(0) + pd.DateOffset(months=months) + pd.offsets.MonthEnd(0)
    ).date()


def _nice(x: float, *, up: bool = False) -> float:
    """``x`` to three significant figures (rounded up when ``up``): 187,512 -> 188,000."""
    if not np.isfinite(x) or x == 0:
        return 0.0
    step = 10.0 ** (np.floor(np.log10(abs(x))) - 2)
    return float((np.ceil if up else np.round)(x / step) * step)


def account_teams(contacts) -> pd.Series:
    """Our people on each account of a contacts file (:func:`kamlab.io.read_contacts`:
    its ``counterpart`` column), by account id: the key account manager first, then the
    others by the contacts they hold (most first; then by name).

    The key account manager is the counterpart in a selling function
    (:data:`KAM_FUNCTIONS`) holding most contacts there; without one, the person of ours
    holding most. Accounts where no one of ours holds a contact are not in the result."""
    frame = getattr(contacts, "data", contacts)
    if "counterpart" not in frame:
        return pd.Series(dtype="object")
    function = (
        frame["counterpart_function"]
        if "counterpart_function" in frame
        else pd.Series(pd.NA, index=frame.index)
    )
    held = pd.DataFrame(
        {
            "account_id": frame["account_id"].astype("string"),
            "person": frame["counterpart"].astype("string").str.strip(),
            "seller": function.astype("string").str.lower().isin(KAM_FUNCTIONS).fillna(False),
        }
    )
    held = held[held["person"].notna() & held["person"].ne("")]
    links = held.groupby(["account_id", "person"]).agg(
        links=("seller", "size"), seller=("seller", "any")
    )
    links = links.reset_index().sort_values(
        ["account_id", "seller", "links", "person"], ascending=[True, False, False, True]
    )
    kam = links.drop_duplicates("account_id").set_index("account_id")["person"]
    links["is_kam"] = links["person"].eq(links["account_id"].map(kam))
    links = links.sort_values(
        ["account_id", "is_kam", "links", "person"], ascending=[True, False, False, True]
    )
    return links.groupby("account_id", sort=True)["person"].agg(list)


def draft_plans(
    table: pd.DataFrame,
    *,
    period: str,
    pnl: pd.DataFrame | None = None,
    buyer: pd.DataFrame | None = None,
    teams: pd.Series | None = None,
) -> list[Plan]:
    """One drafted plan per key account of ``table`` (``Portfolio.table_`` of ``period``,
    the 12 months to its end), for the period after it, written as of its end.

    ``pnl`` (:func:`kamlab.value.customer_pnl` of the same 12 months) adds gross margin and
    cost to serve to the position; ``buyer`` (:func:`kamlab.portfolio.buyer_scorecard`)
    the buyer's weakest heading and its KAM question; ``teams`` (:func:`account_teams`:
    our people by account id, the key account manager first) the team, the key account
    manager owning the pre-filled actions (without it, or for an account not in it, the
    placeholder :data:`PLACEHOLDER_OWNER`).
    """
    end = parse_period(period).end
    plan_period = next_period(parse_period(period).label)
    plan_end = parse_period(plan_period).end.date()
    due_year = _in_months(end, TARGET_RULES["horizon_months"])
    key = table[table["tier"].astype("object") == "key"]
    risks = account_risks(key, scorecard=buyer) if len(key) else None
    actuals = measure_actuals(key, pnl=pnl)
    plans = []
    for account_id, row in key.iterrows():  # a handful of key accounts
        base = actuals.loc[account_id]
        mine = risks[risks["account_id"] == account_id] if risks is not None else risks
        card = buyer.loc[account_id] if buyer is not None and account_id in buyer.index else None
        objectives = _objectives(row, base, due_year, plan_end)
        team = _team(teams, account_id)
        plans.append(
            Plan(
                account_id=str(account_id),
                account_name=str(row.get("account_name") or account_id),
                period=plan_period,
                written=end.date(),
                team=team,
                position=_position(row, base, pnl, card, end),
                external_analysis=dict(_EXTERNAL),
                internal_analysis=dict(_INTERNAL),
                swot=_swot(row, mine),
                objectives=objectives,
                strategies=[_strategy(row)],
                actions=_actions(row, objectives, _action_dues(end, plan_end), card, owner=team[0]),
                forecast=_forecast(base, objectives, end),
            )
        )
    return plans


def _team(teams: pd.Series | None, account_id) -> list[str]:
    people = None if teams is None else teams.get(str(account_id))
    return list(people) if people else [PLACEHOLDER_OWNER]


def _position(row, base, pnl, card, end) -> dict:
    position = {
        "as_of": end.date(),
        "source": "kamlab portfolio, 12 months to as_of (pre-filled; do not edit)",
        "revenue": row["revenue"],
        "contribution": row["contribution"],
    }
    if pnl is not None and row.name in pnl.index:
        position["cost_to_serve"] = pnl.loc[row.name, "cost_to_serve"]
    position["gross_margin"] = base["gross_margin"]
    for column in ("growth", "probability_alive", "potential", "share_of_wallet"):
        if column in row.index:
            position[column] = row[column]
    for column in ("health", "box", "tier", "stage"):  # categories as plain text
        if column in row.index:
            position[column] = str(row[column]) if pd.notna(row[column]) else None
    if card is not None and pd.notna(card.get("weakest_heading")):
        position["buyer_weakest_heading"] = str(card["weakest_heading"])
        position["buyer_kam_question"] = str(card["kam_question"])
    return position


def _swot(row, risks) -> dict:
    strengths, opportunities = [], []
    if row["contribution"] > 0:
        strengths.append(
            f"(data) we make money on the account: contribution {row['contribution']:,.0f} a year"
        )
    if str(row.get("stage")) in STAGES[2:]:
        strengths.append(f"(data) relationship at the {row['stage']} stage")
    if pd.notna(row.get("potential")) and row.get("potential", 0) > 0:
        opportunities.append(
            f"(data) margin headroom of {row['potential']:,.0f} a year ({row.get('potential_basis', '')})"
        )
    weak = [] if risks is None else [f"(data) {d}" for d in risks["detail"]]
    threat_kinds = {"revenue falling", "lapsing", "likely lost", "buyer's plans against ours"}
    threats = (
        []
        if risks is None
        else [
            f"(data) {d}"
            for d, r in zip(risks["detail"], risks["risk"], strict=True)
            if r in threat_kinds
        ]
    )
    weaknesses = [w for w in weak if w not in threats]
    return {
        "strengths": strengths or ["What does the customer value in us?"],
        "weaknesses": weaknesses or ["Where do we fall short in the customer's eyes?"],
        "opportunities": opportunities or ["Where could we help the customer more?"],
        "threats": threats or ["What could make the customer buy less from us?"],
    }


def _objectives(row, base, due_year: dt.date, plan_end: dt.date) -> list[Objective]:
    rules = TARGET_RULES
    out = []
    revenue = float(row["revenue"])
    margin = base["gross_margin"]
    headroom = row.get("potential", np.nan)
    if pd.notna(headroom) and pd.notna(margin) and margin > 0:
        grow = rules["growth_capture"] * headroom / margin
    else:
        grow = 0.0
    target = _nice(max(revenue * (1 + rules["minimum_growth"]), revenue + grow), up=True)
    out.append(
        Objective(
            "revenue",
            "revenue",
            target,
            due_year,
            round(revenue, 2),
            "20% of the revenue headroom (potential / gross margin), at least +5%",
        )
    )
    contribution = float(row["contribution"])
    if contribution < 0:
        out.append(
            Objective(
                "contribution", "contribution", 0.0, due_year, round(contribution, 2), "break even"
            )
        )
    else:
        out.append(
            Objective(
                "contribution",
                "contribution",
                _nice(contribution * (1 + rules["contribution_growth"]), up=True),
                due_year,
                round(contribution, 2),
                "5% up",
            )
        )
    stage = str(row.get("stage"))
    if stage in STAGES and stage != STAGES[-1]:
        up = STAGES[STAGES.index(stage) + 1]
        out.append(Objective("stage", "stage", up, due_year, stage, "one stage up"))
    wallet = base["share_of_wallet"]
    if pd.notna(wallet) and wallet < 1:
        out.append(
            Objective(
                "share_of_wallet",
                "share_of_wallet",
                round(min(1.0, wallet + rules["wallet_points"]), 3),
                due_year,
                round(float(wallet), 3),
                "5 points up",
            )
        )
    out.append(
        Objective("retention", "retention", 1.0, plan_end, float(base["retention"]), "still buying")
    )
    return out


def _strategy(row) -> str:
    strategy = row.get("strategy")
    text = f"{row.get('box')}: {strategy}" if isinstance(strategy, str) else ""
    return text or "How will we reach the objectives?"


def _action_dues(written: pd.Timestamp, plan_end: dt.date) -> tuple[dt.date, dt.date, dt.date]:
    """When the pre-filled actions fall due: early (the end of the plan period's first
    month: agreeing the objectives, calling a lapsing account), midway (its second month:
    a new contact, the buyer's question) and at the period's end (the cost review); none
    after the period's end, so a monthly plan has them all on its last day."""
    early, midway = (min(_in_months(written, months), plan_end) for months in (1, 2))
    return early, midway, plan_end


def _actions(
    row, objectives, dues: tuple[dt.date, dt.date, dt.date], card, owner: str = PLACEHOLDER_OWNER
) -> list[Action]:
    early, midway, end = dues
    ids = {o.id for o in objectives}
    actions = [
        Action(
            "a1",
            "Agree the plan's objectives with the customer",
            owner,
            early,
            "open",
            "revenue",
        ),
    ]
    if "stage" in ids:
        actions.append(
            Action(
                "a2",
                "Meet a new function of the customer with a colleague of the same function",
                owner,
                midway,
                "open",
                "stage",
            )
        )
    if row["contribution"] < 0:
        actions.append(
            Action(
                "a3",
                "Review the cost to serve and the terms with the customer",
                owner,
                end,
                "open",
                "contribution",
            )
        )
    if str(row.get("health")) in ("lapsing", "likely lost"):
        actions.append(
            Action(
                "a4",
                "Call the account in the plan's first month",
                owner,
                early,
                "open",
                "retention",
            )
        )
    if card is not None and pd.notna(card.get("kam_question")):
        actions.append(
            Action(
                "a5",
                f"Answer the buyer's question: {card['kam_question']}",
                owner,
                midway,
                "open",
            )
        )
    for k, action in enumerate(actions, start=1):
        action.id = f"a{k}"
    return actions


def _forecast(base, objectives, end: pd.Timestamp) -> list[dict]:
    """Four quarters on a straight path from today's quarterly run rate to the 12-month
    targets of revenue and contribution."""
    targets = {
        o.measure: float(o.target) for o in objectives if o.measure in ("revenue", "contribution")
    }
    rows = []
    quarter = end.to_period("Q")
    for k in range(1, 5):
        row = {"period": str(quarter + k)}
        for measure in ("revenue", "contribution"):
            now = float(base[measure]) / 4
            goal = targets.get(measure, float(base[measure])) / 4
            row[measure] = _nice(now + (goal - now) * k / 4)
        rows.append(row)
    return rows


def carry_forward(
    plans: list[Plan],
    previous: Iterable[Plan],
    table: pd.DataFrame,
    *,
    pnl: pd.DataFrame | None = None,
) -> tuple[list[Plan], dict]:
    """Carry the open items of ``previous`` plans into ``plans`` (same account), scored on
    ``table`` (the new period's portfolio table, as of the new plans' written date).

    Rule: an objective is carried when it is not met; one still due after the new plans'
    written date keeps its target and due date; a missed one (due on or before it) is
    carried re-dated to the new default due date for its measure, its note saying so
    (delete it if no longer wanted). Either way its baseline is re-taken (today's actual)
    and ``carried_from`` names the earlier plan's period. A carried objective replaces the
    drafted objective of the same id. Every ``open`` action is carried as it is (an overdue
    one stays overdue), with ``carried_from``, replacing a drafted action of the same text;
    its owner joins the team. Returns the plans
    and counts: objectives and actions carried, previous plans without a new plan (the
    account is no longer key)."""
    by_account = {p.account_id: p for p in plans}
    counts = {"objectives": 0, "actions": 0, "not_key": 0}
    actuals = measure_actuals(table, pnl=pnl)
    for old in previous:
        new = by_account.get(old.account_id)
        if new is None:
            counts["not_key"] += 1
            continue
        now = pd.Timestamp(new.written)
        drafted = {o.id: o for o in new.objectives}
        carried = []
        for o in old.objectives:
            actual = (
                actuals[o.measure].get(old.account_id, np.nan)
                if old.account_id in actuals.index
                else np.nan
            )
            status, _ = objective_status(
                o.measure, o.baseline, o.target, actual, old.written, o.due, now
            )
            if status == "met":
                continue
            due, note = o.due, o.note
            if pd.Timestamp(o.due) <= now:
                due = (
                    drafted[o.id].due
                    if o.id in drafted
                    else _in_months(now, TARGET_RULES["horizon_months"])
                )
                note = f"missed by {o.due} (target {o.target}); re-dated: delete it if no longer wanted"
            carried.append(
                Objective(
                    o.id, o.measure, o.target, due, _baseline(o.measure, actual), note, old.period
                )
            )
        ids = {o.id for o in carried}
        new.objectives = carried + [o for o in new.objectives if o.id not in ids]
        valid = {o.id for o in new.objectives}
        taken = {a.id for a in new.actions}
        kept = []
        for a in old.actions:
            if a.status != "open":
                continue
            name = a.id if a.id not in taken else f"{a.id}-{old.period}"
            objective = a.objective if a.objective in valid else None
            kept.append(Action(name, a.what, a.owner, a.due, "open", objective, old.period))
            if a.owner not in new.team:
                new.team.append(a.owner)
        repeated = {a.what for a in kept}  # a drafted action the carried one already is
        new.actions = kept + [a for a in new.actions if a.what not in repeated]
        counts["objectives"] += len(carried)
        counts["actions"] += len(kept)
    return plans, counts


def _baseline(measure: str, actual):
    if measure == "stage":
        return actual if actual in STAGES else None
    return None if pd.isna(actual) else round(float(actual), 4)
