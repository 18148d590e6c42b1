"""The report's section on plans, relationships, global accounts and KAM performance
(notebook 06), for readers: the tables and sentences its cells show that the plans,
contacts and global-accounts modules do not already give.

Inputs: :func:`kamlab.plans.plan_against_actual` (scorecard, overdue actions),
:func:`kamlab.portfolio.contacts.contact_summary` (one row per account), the portfolio
table (``Portfolio.table_``) and :class:`kamlab.workflows.plans_performance.GlobalAccountsView`.
Nothing here computes a result.
"""

from __future__ import annotations

import pandas as pd

from kamlab.plans.scorecard import STATUSES
from kamlab.portfolio.contacts import SHAPES, shape_fits_stage
from kamlab.presentation.format import count, percent
from kamlab.presentation.tables import ReaderTable, for_reader
from kamlab.vocabulary import STAGES

__all__ = [
    "contacts_to_reach",
    "countries_side_by_side",
    "describe_contacts",
    "describe_shape_fit",
    "key_accounts_missing_roles",
    "overdue_actions_table",
    "plans_no_longer_key",
    "scorecard_by_account",
    "shape_by_stage",
    "single_threaded_accounts",
    "single_threaded_by_tier",
]


def _tier(table: pd.DataFrame, index: pd.Index) -> pd.Series:
    tier = table["tier"].astype("object") if "tier" in table else pd.Series(dtype="object")
    return tier.reindex(index).fillna("not in the portfolio")


def _names(summary: pd.DataFrame) -> pd.Series:
    """Each account's name, else its id."""
    ids = pd.Series(summary.index.astype(str), index=summary.index)
    if "account_name" not in summary:
        return ids
    return summary["account_name"].astype("object").where(summary["account_name"].notna(), ids)


# -- plans -------------------------------------------------------------------------------------


def overdue_actions_table(actions: pd.DataFrame, *, limit: int | None = None) -> ReaderTable:
    """The open actions due by the period's end (:func:`kamlab.plans.overdue_actions`),
    longest overdue first (the first ``limit``): account, action, owner, due date, days
    overdue, objective."""
    frame = actions.sort_values(
        ["days_overdue", "account_id"], ascending=[False, True], kind="stable"
    ).head(limit)
    frame = frame.assign(account_name=frame["account_name"].fillna(frame["account_id"]))
    return for_reader(
        frame,
        columns=["account_name", "what", "owner", "due", "days_overdue", "objective"],
        index=False,
        labels={
            "what": "Action",
            "owner": "Owner",
            "due": "Due",
            "days_overdue": "Days overdue",
            "objective": "For objective",
        },
        kinds={"due": "date", "days_overdue": "count"},
    )


def scorecard_by_account(card: pd.DataFrame) -> pd.DataFrame:
    """The scorecard in one row per planned account: per measure (columns in the order
    of :data:`~kamlab.presentation.plans.MEASURE_LABELS`, labelled), its objectives'
    status (several joined by ", "), and the account's overdue actions; accounts with the
    most objectives behind or missed first. Columns of measures no plan uses are left out."""
    from kamlab.presentation.plans import MEASURE_LABELS

    if card.empty:
        return pd.DataFrame(columns=["Account", "Overdue actions"])
    frame = card.assign(
        account=card["account_name"].fillna(card["account_id"]).astype(str),
        measure=pd.Categorical(card["measure"], categories=list(MEASURE_LABELS)),
    )
    wide = frame.pivot_table(
        index="account", columns="measure", values="status", aggfunc=", ".join, observed=True
    )
    wide = wide.rename(columns=MEASURE_LABELS).fillna("-")
    wide.columns = list(wide.columns)
    by = frame.groupby("account")
    trouble = by["status"].agg(lambda s: int(s.isin(["behind", "missed"]).sum()))
    wide["Overdue actions"] = by["overdue_actions"].first().map(count)
    wide = wide.loc[trouble.reindex(wide.index).sort_values(ascending=False, kind="stable").index]
    wide.index.name = "Account"
    return wide.reset_index()


def plans_no_longer_key(card: pd.DataFrame) -> pd.DataFrame:
    """One row per plan whose account is no longer key this period (``tier_now``): the
    plan's period, the tier now, its objectives and how many are met. Empty when every
    planned account is still key."""
    gone = card[card["tier_now"].astype("object") != "key"]
    columns = ["account_name", "plan_period", "tier_now", "objectives", "met"]
    if gone.empty:
        return pd.DataFrame(columns=columns, index=pd.Index([], name="account_id"))
    by = gone.groupby("account_id", sort=True)
    return pd.DataFrame(
        {
            "account_name": by["account_name"].first(),
            "plan_period": by["plan_period"].first(),
            "tier_now": by["tier_now"].first(),
            "objectives": by.size(),
            "met": by["status"].agg(lambda s: int((s == STATUSES[0]).sum())),
        }
    )[columns]


# -- relationships -----------------------------------------------------------------------------


def describe_contacts(summary: pd.DataFrame, table: pd.DataFrame) -> str:
    """The contact maps in a few sentences: people and accounts mapped, shapes across the
    accounts and the key accounts, single-threaded accounts, stale contacts and critics."""
    in_portfolio = summary.index.isin(table.index)
    mapped = summary[summary["contacts"] > 0]
    outside = int((~in_portfolio & (summary["contacts"] > 0)).sum())
    shapes = mapped["shape"].astype("object").value_counts()
    key = _tier(table, mapped.index) == "key"
    key_shapes = mapped.loc[key, "shape"].astype("object").value_counts()

    def listed(counts: pd.Series) -> str:
        return ", ".join(f"{count(counts[s])} {s}" for s in SHAPES if counts.get(s, 0))

    text = [
        f"The contacts file maps {count(mapped['contacts'].sum())} people at "
        f"{count(len(mapped))} accounts"
        + (f" ({count(outside)} of them did not buy in the 12 months)." if outside else ".")
        + f" Shapes: {listed(shapes)}"
        + (f"; of the {count(key.sum())} key accounts, {listed(key_shapes)}." if key.any() else ".")
    ]
    single = mapped["single_threaded"]
    text.append(
        f"{count(single.sum())} accounts are single-threaded ({count((single & key).sum())} "
        "of them key)."
    )
    days, as_of = summary.attrs.get("stale_days", 90), summary.attrs.get("as_of")
    text.append(
        f"{count(mapped['stale'].sum())} contacts at {count((mapped['stale'] > 0).sum())} "
        f"accounts were not reached in the {days} days to {as_of}; "
        f"{count(mapped['critics'].sum())} contacts at {count((mapped['critics'] > 0).sum())} "
        "accounts are critics or blockers."
    )
    return " ".join(text)


def shape_by_stage(summary: pd.DataFrame, table: pd.DataFrame) -> pd.DataFrame:
    """Accounts of the portfolio by relationship stage (rows, Exploratory first) and
    contact-map shape (columns, bow tie to diamond), with ``fits``: the share of the
    row whose shape fits its stage (:func:`~kamlab.portfolio.contacts.shape_fits_stage`)."""
    stage = table["stage"].astype("object").dropna() if "stage" in table else pd.Series()
    shape = summary["shape"].astype("object").reindex(stage.index)
    rows = [s for s in (*STAGES, "Declining") if (stage == s).any()]
    cross = pd.crosstab(stage, shape).reindex(
        index=rows, columns=[s for s in SHAPES if (shape == s).any()], fill_value=0
    )
    fits = shape_fits_stage(shape, stage).astype("float64")
    cross["fits"] = fits.groupby(stage).mean().reindex(rows)
    cross.index.name = "stage"
    cross.columns.name = None
    return cross


def describe_shape_fit(summary: pd.DataFrame, table: pd.DataFrame) -> str:
    """How many accounts, and how many key accounts, have a contact map whose shape fits
    their relationship stage."""
    stage = table["stage"].astype("object").dropna() if "stage" in table else pd.Series()
    fits = shape_fits_stage(summary["shape"].astype("object").reindex(stage.index), stage)
    fits = fits.dropna()
    if fits.empty:
        return "No account has both a contact map and a relationship stage to compare."
    key = _tier(table, fits.index) == "key"
    text = (
        f"The shape fits the stage for {count(fits.sum())} of {count(len(fits))} accounts "
        f"({percent(fits.mean())})"
    )
    if key.any():
        text += (
            f", and for {count(fits[key].sum())} of the {count(key.sum())} key accounts "
            f"({percent(fits[key].mean())})"
        )
    return text + "."


def single_threaded_accounts(summary: pd.DataFrame, table: pd.DataFrame) -> pd.DataFrame:
    """Every single-threaded account (one contact, or one link): its name, tier, whether
    it is key, net revenue, contacts and who of ours holds them; key accounts first, then
    by revenue."""
    single = summary[summary["single_threaded"]]
    revenue = table["revenue"] if "revenue" in table else pd.Series(dtype="float64")
    out = pd.DataFrame(
        {
            "account_name": _names(single),
            "tier": _tier(table, single.index),
            "revenue": revenue.reindex(single.index).astype("float64"),
            "contacts": single["contacts"],
            "top_holder": single["top_holder"],
        },
        index=single.index,
    )
    out.insert(2, "key", out["tier"] == "key")
    order = out.assign(_rank=~out["key"], _revenue=-out["revenue"].fillna(0))
    return out.loc[order.sort_values(["_rank", "_revenue"], kind="stable").index]


def single_threaded_by_tier(single: pd.DataFrame) -> pd.DataFrame:
    """:func:`single_threaded_accounts` in a few lines: per tier (key first), how many
    accounts and all their names, largest revenue first."""
    if single.empty:
        return pd.DataFrame(columns=["accounts", "names"])
    tiers = list(dict.fromkeys(["key", *single["tier"]]))
    by = single.groupby("tier", sort=False)
    out = pd.DataFrame(
        {"accounts": by.size(), "names": by["account_name"].agg(lambda n: ", ".join(map(str, n)))}
    )
    out = out.reindex([t for t in tiers if t in out.index])
    out.index.name = "tier"
    return out


def key_accounts_missing_roles(summary: pd.DataFrame, table: pd.DataFrame) -> pd.DataFrame:
    """The key accounts with no executive sponsor or no decision maker among their
    contacts: name, shape, executive sponsor and decision maker (yes/no)."""
    key = table.index[_tier(table, table.index) == "key"]
    rows = summary.reindex(key)
    rows = rows[
        rows["missing_executive_sponsor"].fillna(True) | rows["missing_decision_maker"].fillna(True)
    ]
    yes = {True: "yes", False: "no"}
    return pd.DataFrame(
        {
            "account_name": table["account_name"].reindex(rows.index)
            if "account_name" in table
            else pd.Series(rows.index, index=rows.index),
            "shape": rows["shape"].astype("object").fillna("no contacts"),
            "executive_sponsor": rows["executive_sponsor"].fillna(False).astype(bool).map(yes),
            "decision_maker": rows["decision_maker"].fillna(False).astype(bool).map(yes),
        },
        index=rows.index,
    )


def contacts_to_reach(summary: pd.DataFrame, table: pd.DataFrame) -> pd.DataFrame:
    """The key accounts with contacts not reached within the stale days, or with critics
    or blockers: who they are (names, and the critics' stance and seniority)."""
    key = table.index[_tier(table, table.index) == "key"]
    rows = summary.reindex(key).dropna(subset=["contacts"])
    rows = rows[(rows["stale"] > 0) | (rows["critics"] > 0)]
    return pd.DataFrame(
        {
            "account_name": _names(rows),
            "stale_names": rows["stale_names"].replace("", "-"),
            "critic_names": rows["critic_names"].replace("", "-"),
        },
        index=rows.index,
    )


# -- global accounts ---------------------------------------------------------------------------


def countries_side_by_side(comparison: pd.DataFrame, global_ids) -> pd.DataFrame:
    """The entities of ``global_ids`` (in that order), one row per country: the global
    account, the country, net revenue, price index, gross margin % and cost to serve % of
    net revenue."""
    rows = comparison[comparison["global_id"].isin(list(global_ids))]
    order = {g: k for k, g in enumerate(global_ids)}
    rows = rows.assign(_order=rows["global_id"].map(order)).sort_values(
        ["_order", "revenue"], ascending=[True, False], kind="stable"
    )
    columns = ["global_name", "country", "revenue", "price_index", "gross_margin_pct",
               "cost_to_serve_pct"]  # fmt: skip
    return rows[columns].reset_index(drop=True)
