"""Contact maps in words: one Markdown block per key account, and the portfolio's summary.

Takes :func:`kamlab.portfolio.contacts.contact_summary`'s table (one row per account);
nothing here computes a result.
"""

from __future__ import annotations

import pandas as pd

from kamlab.presentation.format import count, day_in_words, listed, percent
from kamlab.presentation.tables import ReaderTable, for_reader

__all__ = [
    "NO_CONTACTS_FILE",
    "SHAPE_MEANINGS",
    "contact_block",
    "contact_blocks",
    "contact_flags",
    "contacts_sentence",
    "contacts_overview",
    "contacts_table",
]

SHAPE_MEANINGS: dict[str, str] = {
    "no contacts": "no one of ours holds a contact there",
    "bow tie": "everything runs through one seller and one buyer",
    "developing": "several contacts, but one of ours still holds most of them",
    "diamond": "function to function across both organisations",
}
"""What each shape means, in words."""


def _people(n: int, one: str, many: str) -> str:
    return f"{count(n)} {one if n == 1 else many}"


def contact_flags(row: pd.Series, stale_days: int = 90) -> list[str]:
    """The flags of one account (a row of the summary) as sentences."""
    if row["contacts"] == 0:
        return ["No contact at the account is on the map."]
    flags = []
    if row["single_threaded"]:
        flags.append(
            "Single-threaded: the relationship hangs on one "
            + ("contact." if row["contacts"] == 1 else "link.")
        )
    if row["missing_executive_sponsor"]:
        flags.append("No executive sponsor on the customer's side.")
    if row["missing_decision_maker"]:
        flags.append("No decision maker among the contacts.")
    if row["stale"]:
        flags.append(
            f"{_people(row['stale'], 'contact', 'contacts')} not reached in {stale_days} days: "
            f"{row['stale_names']}."
        )
    if row["critics"]:
        flags.append(f"Critics or blockers: {row['critic_names']}.")
    return flags


def _title(heading: str | None) -> str:
    return f"{heading} Contact map" if heading else "**Contact map**"


NO_CONTACTS = "No contacts are recorded for this account."

NO_CONTACTS_FILE = (
    "No contacts file was given: with one (one row per person at a customer and who of "
    "ours holds the contact; kamlab contacts checks it), kamlab report --contacts draws "
    "each key account's contact map."
)
"""The sentence of a report run without a contacts file."""


def contact_block(row: pd.Series, *, stale_days: int = 90, heading: str | None = "###") -> str:
    """A key account page's contact-map block in Markdown: the shape, the functions
    covered on both sides and the flags as sentences. ``heading``: the Markdown heading's
    level (``None``: a bold line instead, for a page that must not break there)."""
    shape = str(row["shape"])
    lines = [_title(heading), ""]
    if row["contacts"] == 0:
        return "\n".join([*lines, NO_CONTACTS])
    stages = row.get("shape_stages") or ""
    lines.append(
        f"**Shape: {shape}** ({SHAPE_MEANINGS.get(shape, '')}"
        + (f"; fits the {stages} stages" if "," in stages else f"; fits the {stages} stage")
        + ")."
    )
    lines.append("")
    lines.append(
        f"- Their side: {_people(row['contacts'], 'person', 'people')} in "
        f"{_people(row['customer_functions'], 'function', 'functions')} "
        f"({row['customer_function_names'] or 'functions not recorded'})."
    )
    ours = row["our_function_names"] or "functions not recorded"
    lines.append(
        f"- Our side: {_people(row['our_people'], 'person', 'people')} ({ours}) holding "
        f"{_people(row['links'], 'link', 'links')}"
        + (
            f"; {row['top_holder']} holds {percent(row['top_share'])} of them."
            if pd.notna(row.get("top_holder"))
            else "."
        )
    )
    if pd.notna(row.get("last_contact")):
        lines.append(f"- Last contact with anyone there: {day_in_words(row['last_contact'])}.")
    flags = contact_flags(row, stale_days)
    if flags:
        lines += ["", "**Flags**", ""] + [f"- {flag}" for flag in flags]
    return "\n".join(lines)


def contact_blocks(
    summary: pd.DataFrame, accounts, *, heading: str | None = "###"
) -> dict[str, str]:
    """:func:`contact_block` for each of ``accounts`` (ids; e.g. the key accounts), by id;
    an account missing from ``summary`` reads "No contacts are recorded"."""
    stale_days = summary.attrs.get("stale_days", 90)
    empty = f"{_title(heading)}\n\n{NO_CONTACTS}"
    return {
        str(a): contact_block(summary.loc[a], stale_days=stale_days, heading=heading)
        if a in summary.index
        else empty
        for a in accounts
    }


def contacts_sentence(summary: pd.DataFrame, key: pd.Series) -> str:
    """The executive summary's sentence on the key accounts' relationships: how many are
    single-threaded (bow tie) and how many have no executive sponsor, by name; how many
    have no contact on the map. ``key``: today's key accounts, their names by id."""
    names = key.fillna(pd.Series(key.index, index=key.index)).astype(str)
    rows = summary.reindex(names.index)
    mapped = rows["contacts"].fillna(0) > 0
    parts = []
    for flag, what in (
        ("single_threaded", "single-threaded (a bow tie: one seller, one buyer)"),
        ("missing_executive_sponsor", "without an executive sponsor"),
    ):
        hit = rows[flag].fillna(False).astype(bool) & mapped
        n = int(hit.sum())
        parts.append(f"{count(n)} {what}" + (f": {listed(list(names[hit]))}" if n else ""))
    text = (
        f"Relationships at the {_people(len(names), 'key account', 'key accounts')}: "
        + "; ".join(parts)
        + "."
    )
    unmapped = int((~mapped).sum())
    if unmapped:
        text += (
            f" {_people(unmapped, 'key account has', 'key accounts have')} no contact on the "
            f"map ({listed(list(names[~mapped]))})."
        )
    return text


def contacts_overview(summary: pd.DataFrame, *, key: pd.Series | None = None) -> list[str]:
    """The printed summary: shapes by count, single-threaded accounts (every one, by id
    and name), missing sponsors and decision makers, stale contacts. ``key`` (a boolean
    Series by account) adds how many of each are key accounts."""
    lines = []
    shapes = summary["shape"].value_counts().reindex(summary["shape"].cat.categories, fill_value=0)
    lines.append(
        f"{count(len(summary))} accounts; shapes: "
        + ", ".join(f"{shape} {count(n)}" for shape, n in shapes.items())
    )
    if key is not None:
        key = key.reindex(summary.index, fill_value=False).astype(bool)
        key_shapes = summary.loc[key, "shape"].value_counts()
        lines.append(
            f"key accounts {count(int(key.sum()))}: "
            + ", ".join(
                f"{s} {count(key_shapes.get(s, 0))}" for s in shapes.index if s in key_shapes
            )
        )
    single = summary[summary["single_threaded"]]
    named = (
        single.index.astype(str)
        + (" " + single["account_name"].astype("string").fillna("")).fillna("")
        if "account_name" in single
        else single.index.astype(str)
    )
    marks = (
        [" (key)" if k else "" for k in key.reindex(single.index)]
        if key is not None
        else [""] * len(single)
    )
    lines.append(f"single-threaded accounts: {count(len(single))}")
    lines += [f"  {name}{mark}" for name, mark in zip(named, marks, strict=True)]
    for column, what in (
        ("missing_executive_sponsor", "no executive sponsor"),
        ("missing_decision_maker", "no decision maker"),
    ):
        n = int(summary[column].sum())
        extra = f" ({count(int((summary[column] & key).sum()))} key)" if key is not None else ""
        lines.append(f"{what}: {count(n)} accounts{extra}")
    stale_days = summary.attrs.get("stale_days", 90)
    as_of = summary.attrs.get("as_of")
    lines.append(
        f"contacts not reached in {stale_days} days"
        + (f" to {as_of}" if as_of else "")
        + f": {count(int(summary['stale'].sum()))} of {count(int(summary['contacts'].sum()))}, "
        f"at {count(int((summary['stale'] > 0).sum()))} accounts"
    )
    lines.append(
        f"critics or blockers: {count(int(summary['critics'].sum()))} "
        f"at {count(int((summary['critics'] > 0).sum()))} accounts"
    )
    return lines


_TABLE = {
    "account_name": ("Account name", "text"),
    "shape": ("Shape", "text"),
    "contacts": ("Contacts", "count"),
    "customer_functions": ("Their functions", "count"),
    "our_people": ("Our people", "count"),
    "links": ("Links", "count"),
    "top_share": ("Top holder's share", "share"),
    "single_threaded": ("Single-threaded", "text"),
    "executive_sponsor": ("Executive sponsor", "text"),
    "decision_maker": ("Decision maker", "text"),
    "stale": ("Not reached in 90 days", "count"),
    "critics": ("Critics", "count"),
}


def contacts_table(summary: pd.DataFrame, *, title: str | None = None) -> ReaderTable:
    """The portfolio's contact summary for readers: one row per account, labelled and
    formatted (yes/no for the flags)."""
    columns = [c for c in _TABLE if c in summary.columns]
    frame = summary[columns].copy()
    for column in ("single_threaded", "executive_sponsor", "decision_maker"):
        frame[column] = frame[column].map({True: "yes", False: "no"})
    frame["shape"] = frame["shape"].astype("string")
    return for_reader(
        frame,
        title=title,
        labels={c: _TABLE[c][0] for c in columns},
        kinds={c: _TABLE[c][1] for c in columns},
    )
