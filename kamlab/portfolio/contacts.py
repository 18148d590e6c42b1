"""Contact maps: who of ours knows whom at each customer, and the shape it makes.

From a contacts table (:func:`kamlab.io.read_contacts`: one row per customer person,
with ``counterpart``, the person of ours who holds the contact), :func:`contact_summary`
gives per account the people and functions on both sides, the links (person,
counterpart), the **shape** of the relationship and its flags.

**Shape** (Woodburn & McDonald 2011; primer sections 4 and 12). A *link* is a customer
contact held by one of our people; *top share* is the share of the links held by the
person of ours holding most. Rules, first that applies:

=============  ===================================================  =====================
shape          rule                                                 stages it fits
=============  ===================================================  =====================
no contacts    no contact, or no contact held by one of ours        (none yet)
bow tie        one customer contact, or one link, or one person of  Exploratory, Basic
               ours holds every link: all runs through one seller
               and one buyer
diamond        >= 3 of our people, >= 3 customer functions, and     Interdependent,
               top share <= 50% (no one of ours holds most links):  Integrated
               function to function
developing     the rest: several contacts, but one seller still     Cooperative
               holds most of them, or too few people or functions
               on one side for a diamond
=============  ===================================================  =====================

The thresholds are :data:`DIAMOND_OURS`, :data:`DIAMOND_FUNCTIONS` and
:data:`DIAMOND_TOP_SHARE`; :data:`SHAPE_STAGES` maps each shape to its stages.

**Flags.** ``single_threaded``: exactly one customer contact or exactly one link (one
person leaving ends the relationship); ``missing_executive_sponsor`` / ``missing_decision_maker``:
no contact in that role; ``stale``: contacts not reached in :data:`STALE_DAYS` days as
of ``as_of`` (or never: no last contact date); ``critics``: contacts whose stance is
critic or blocker, with their seniority.

:func:`contact_indicators` gives the stage indicators the accounts table has
(``contacts``, ``functions_involved``, ``executive_sponsor``) from the contacts, so
that :func:`~kamlab.portfolio.stages.assess_stages` can use a contacts file
(:func:`with_contact_indicators`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = [
    "DIAMOND_FUNCTIONS",
    "DIAMOND_OURS",
    "DIAMOND_TOP_SHARE",
    "SHAPES",
    "SHAPE_STAGES",
    "STALE_DAYS",
    "SUMMARY_COLUMNS",
    "account_contacts",
    "contact_indicators",
    "contact_summary",
    "shape_fits_stage",
    "with_contact_indicators",
]

SHAPES: tuple[str, ...] = ("no contacts", "bow tie", "developing", "diamond")
"""Relationship shapes, least to most developed."""
SHAPE_STAGES: dict[str, tuple[str, ...]] = {
    "no contacts": (),
    "bow tie": ("Exploratory", "Basic"),
    "developing": ("Cooperative",),
    "diamond": ("Interdependent", "Integrated"),
}
"""The relationship stages (Woodburn & McDonald) each shape fits."""
DIAMOND_OURS = 3
"""At least this many of our people hold links in a diamond."""
DIAMOND_FUNCTIONS = 3
"""At least this many customer functions are in contact in a diamond."""
DIAMOND_TOP_SHARE = 0.5
"""In a diamond no one of ours holds more than this share of the links."""
STALE_DAYS = 90
"""A contact not reached for more than this many days is stale."""

SUMMARY_COLUMNS: dict[str, str] = {
    "account_name": "the account's name (when an accounts table is given)",
    "contacts": "customer people on the map",
    "customer_functions": "customer functions in contact with us (count)",
    "customer_function_names": "those functions, commonest first",
    "our_people": "our people holding at least one contact",
    "our_functions": "our functions holding contacts (count)",
    "our_function_names": "those functions",
    "links": "customer contacts held by one of ours",
    "top_holder": "the person of ours holding most links",
    "top_share": "share of the links the top holder holds, 0-1",
    "shape": "no contacts, bow tie, developing or diamond",
    "shape_stages": "the relationship stages the shape fits",
    "single_threaded": "exactly one customer contact or one link",
    "executive_sponsor": "a contact in the role executive sponsor",
    "decision_maker": "a contact in the role decision maker",
    "missing_executive_sponsor": "no executive sponsor (only where there are contacts)",
    "missing_decision_maker": "no decision maker (only where there are contacts)",
    "stale": "contacts not reached within STALE_DAYS of as_of (or never)",
    "stale_names": "who they are",
    "critics": "contacts who are critics or blockers",
    "critic_names": "who they are, with stance and seniority",
    "last_contact": "the latest contact with anyone at the account",
}
"""Columns of :func:`contact_summary`."""


def _frame(contacts) -> pd.DataFrame:
    frame = getattr(contacts, "data", contacts)
    frame = frame.copy()
    frame["account_id"] = frame["account_id"].astype("string")
    for column in ("counterpart", "function", "counterpart_function", "role", "stance"):
        if column not in frame:
            frame[column] = pd.Series(pd.NA, index=frame.index, dtype="string")
    if "last_contact" not in frame:
        frame["last_contact"] = pd.NaT
    frame["last_contact"] = pd.to_datetime(frame["last_contact"])
    if "stance_score" not in frame:
        from kamlab.io.contacts import STANCES

        frame["stance_score"] = frame["stance"].map(STANCES)
    return frame


def account_contacts(contacts, account_id: str) -> pd.DataFrame:
    """The contacts of one account (for drawing its map)."""
    frame = _frame(contacts)
    return frame[frame["account_id"] == str(account_id)].reset_index(drop=True)


def _names(frame: pd.DataFrame, mask: pd.Series, text: pd.Series) -> pd.Series:
    """``"a, b"`` per account of ``text`` where ``mask``."""
    chosen = text[mask & text.notna()]
    return chosen.groupby(frame.loc[chosen.index, "account_id"]).agg(", ".join)


def contact_summary(
    contacts,
    *,
    accounts: pd.DataFrame | None = None,
    as_of: str | pd.Timestamp | None = None,
    stale_days: int = STALE_DAYS,
) -> pd.DataFrame:
    """Per account: people, functions and links on both sides, the shape and the flags
    (:data:`SUMMARY_COLUMNS`; rules in the module docstring).

    ``contacts``: :class:`~kamlab.io.contacts.Contacts` or its ``data``. ``accounts``
    (indexed by account id, or with an ``account_id`` column): every account of it gets
    a row (shape "no contacts" when it has none) and its ``account_name``. ``as_of``:
    the day staleness is measured to (default: the latest last contact in the file).
    """
    frame = _frame(contacts)
    as_of = pd.Timestamp(as_of) if as_of is not None else frame["last_contact"].max()
    by = frame.groupby("account_id")
    held = frame[frame["counterpart"].notna()]
    by_held = held.groupby("account_id")
    out = pd.DataFrame(
        {
            "contacts": by.size(),
            "customer_functions": by["function"].nunique(),
            "our_people": by_held["counterpart"].nunique(),
            "our_functions": by_held["counterpart_function"].nunique(),
            "links": by_held.size(),
        }
    )
    out["customer_function_names"] = by["function"].agg(
        lambda f: ", ".join(f.dropna().value_counts().index)
    )
    out["our_function_names"] = by_held["counterpart_function"].agg(
        lambda f: ", ".join(f.dropna().value_counts().index)
    )
    pairs = held.groupby(["account_id", "counterpart"]).size().rename("n").reset_index()
    pairs = pairs.sort_values(["account_id", "n", "counterpart"], ascending=[True, False, True])
    top = pairs.drop_duplicates("account_id").set_index("account_id")
    out["top_holder"] = top["counterpart"]
    out["top_share"] = top["n"] / out["links"]
    out["executive_sponsor"] = by["role"].agg(lambda r: r.eq("executive sponsor").any())
    out["decision_maker"] = by["role"].agg(lambda r: r.eq("decision maker").any())
    stale = frame["last_contact"].isna() | (
        frame["last_contact"] < as_of - pd.Timedelta(days=stale_days)
    )
    out["stale"] = stale.groupby(frame["account_id"]).sum()
    out["stale_names"] = _names(frame, stale, frame["person"].astype("string"))
    critic = frame["stance_score"].astype("Float64").lt(0).fillna(False)
    seniority = frame.get("seniority", pd.Series(pd.NA, index=frame.index)).astype("string")
    described = (
        frame["person"].astype("string")
        + " ("
        + frame["stance"].astype("string").fillna("")
        + (", " + seniority).fillna("")
        + ")"
    )
    out["critics"] = critic.groupby(frame["account_id"]).sum()
    out["critic_names"] = _names(frame, critic, described)
    out["last_contact"] = by["last_contact"].max()

    if accounts is not None:
        acc = accounts.set_index("account_id") if "account_id" in accounts.columns else accounts
        index = pd.Index(acc.index.astype("string"), name="account_id")
        out = out.reindex(index.union(out.index, sort=False))
        if "account_name" in acc:
            out.insert(0, "account_name", acc["account_name"].set_axis(index).reindex(out.index))
    out.index.name = "account_id"
    counts = ["contacts", "customer_functions", "our_people", "our_functions", "links"]
    out[counts + ["stale", "critics"]] = (
        out[counts + ["stale", "critics"]].fillna(0).astype("int64")
    )
    for column in ("executive_sponsor", "decision_maker"):
        out[column] = out[column].fillna(False).astype(bool)
    for column in ("customer_function_names", "our_function_names", "stale_names", "critic_names"):
        out[column] = out[column].fillna("")
    out["shape"] = _shapes(out)
    out["shape_stages"] = out["shape"].map(lambda s: ", ".join(SHAPE_STAGES[s]))
    out["single_threaded"] = (out["contacts"] == 1) | (out["links"] == 1)
    has = out["contacts"] > 0
    out["missing_executive_sponsor"] = has & ~out["executive_sponsor"]
    out["missing_decision_maker"] = has & ~out["decision_maker"]
    out.attrs["as_of"] = None if pd.isna(as_of) else str(pd.Timestamp(as_of).date())
    out.attrs["stale_days"] = stale_days
    return out[[c for c in SUMMARY_COLUMNS if c in out.columns]]


def _shapes(out: pd.DataFrame) -> pd.Categorical:
    """The shape rule of the module docstring, over all accounts at once."""
    none = (out["contacts"] == 0) | (out["links"] == 0)
    bow_tie = (out["contacts"] == 1) | (out["links"] == 1) | (out["our_people"] <= 1)
    diamond = (
        (out["our_people"] >= DIAMOND_OURS)
        & (out["customer_functions"] >= DIAMOND_FUNCTIONS)
        & (out["top_share"].fillna(1.0) <= DIAMOND_TOP_SHARE)
    )
    shape = np.select([none, bow_tie, diamond], list(SHAPES[:2]) + ["diamond"], "developing")
    return pd.Categorical(shape, categories=list(SHAPES), ordered=True)


def shape_fits_stage(shape: pd.Series, stage: pd.Series) -> pd.Series:
    """True where the stage is one the shape fits (:data:`SHAPE_STAGES`), NA where either is
    missing."""
    pairs = pd.DataFrame({"shape": shape, "stage": stage})
    fits = pairs.apply(
        lambda r: r["stage"] in SHAPE_STAGES.get(str(r["shape"]), ()), axis=1
    ).astype("boolean")
    return fits.mask(pairs["shape"].isna() | pairs["stage"].isna())


def contact_indicators(contacts, index: pd.Index | None = None) -> pd.DataFrame:
    """The stage indicators ``contacts`` (people on the map), ``functions_involved``
    (customer functions in contact with us) and ``executive_sponsor`` (a contact in that
    role) per account; accounts of ``index`` with no contact get 0, 0, False."""
    frame = _frame(contacts)
    by = frame.groupby("account_id")
    out = pd.DataFrame(
        {
            "contacts": by.size(),
            "functions_involved": by["function"].nunique(),
            "executive_sponsor": by["role"].agg(lambda r: r.eq("executive sponsor").any()),
        }
    )
    if index is not None:
        out = out.reindex(pd.Index(index.astype("string"), name="account_id"))
        out[["contacts", "functions_involved"]] = out[["contacts", "functions_involved"]].fillna(0)
        out["executive_sponsor"] = out["executive_sponsor"].fillna(False)
    out[["contacts", "functions_involved"]] = out[["contacts", "functions_involved"]].astype(
        "int64"
    )
    out["executive_sponsor"] = out["executive_sponsor"].astype(bool)
    out.index.name = "account_id"
    return out


def with_contact_indicators(accounts: pd.DataFrame, contacts) -> tuple[pd.DataFrame, str]:
    """``accounts`` (indexed by account id) with ``contacts``, ``functions_involved`` and
    ``executive_sponsor`` taken from the contacts file (:func:`contact_indicators`), and a
    note saying so."""
    indicators = contact_indicators(contacts, accounts.index)
    out = accounts.copy()
    for column in indicators.columns:
        out[column] = indicators[column].to_numpy()
    return out, (
        "stage indicators contacts, functions_involved and executive_sponsor come from the "
        "contacts file (accounts with no contact there: 0, 0, no), not the accounts table"
    )
