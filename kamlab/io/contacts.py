"""The contacts file: one row per person at a customer, with who of ours holds the contact.

Columns (roles; other names are recognised as for the accounts file, see
:data:`CONTACT_ROLES`): ``account_id`` and ``person`` (required), ``role``, ``function``,
``seniority``, ``stance``, ``reports_to``, ``counterpart`` (our person who holds the
contact; empty: nobody of ours does), ``counterpart_function`` and ``last_contact`` (a
date; empty: never or unknown).

Vocabularies (compared case-insensitively, ``-``/``_`` read as spaces):

- **role** (primer section 12): decision maker, influencer, user, gatekeeper,
  executive sponsor (:data:`ROLES`; ``dm``, ``economic buyer``, ``sponsor``, ``end
  user``... are read as those); empty = not known.
- **stance** to us: champion, supporter, neutral, critic, blocker, or the score
  +2, +1, 0, -1, -2 (:data:`STANCES`); kept as ``stance`` and ``stance_score``; empty =
  not known.
- **seniority**: executive, senior, manager, staff (:data:`SENIORITY`; ``c-level``,
  ``vp``, ``director``, ``head``, ``specialist``... are read as those); empty = not known.
- **function**: free text, lower-cased and normalised (``procurement`` and ``buying`` ->
  purchasing, ``r&d`` and ``technical`` -> engineering, ``supply chain`` -> logistics,
  ``production`` -> operations, ``qa`` -> quality, ``board`` and ``management`` ->
  executive, ...); anything else is kept as written, lower-cased.

Rules, in order (a row gets the first that applies):

==================== ===========================================================
reason               rule
==================== ===========================================================
malformed_line       the line cannot be read as one row
oversized_field      an id, a name or a text longer than 10,000 characters
missing_account_id   the account id is empty
missing_person       the person is empty
unknown_role         a role not in the vocabulary above
unknown_stance       a stance not in the vocabulary above
unknown_seniority    a seniority not in the vocabulary above
bad_date             last_contact is not a date
future_date          last_contact lies after ``as_of`` (default: today)
duplicate_person     the person (case and spaces ignored) is on an earlier accepted
                     row of the same account (the first row is kept)
==================== ===========================================================

Accounts that are not in ``accounts`` (when given) are kept and named in ``notes``.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from kamlab.io.accounts import Accounts, accounts_by_id
from kamlab.io.files import read_table
from kamlab.io.mapping import TRANSACTION_ROLES, resolve_mapping
from kamlab.io.parse import is_blank, parse_dates, parse_ids
from kamlab.io.transactions import MAX_FIELD_CHARS
from kamlab.io.validated import Reasons, Validated, account_for
from kamlab.words import counted

__all__ = [
    "CONTACT_COLUMNS",
    "CONTACT_ROLES",
    "ROLES",
    "SENIORITY",
    "STANCES",
    "Contacts",
    "normalise_function",
    "read_contacts",
]

CONTACT_ROLES: dict[str, list[str]] = {
    "account_id": [a for a in TRANSACTION_ROLES["account_id"] if a != "id"],
    "person": ["person", "contact", "contact_name", "name", "full_name", "contact_person"],
    "role": ["role", "contact_role", "buying_role", "buying_centre_role"],
    "function": ["function", "department", "customer_function", "their_function"],
    "seniority": ["seniority", "level", "grade"],
    "stance": ["stance", "attitude", "sentiment", "disposition", "stance_to_us"],
    "reports_to": ["reports_to", "manager", "line_manager", "reports"],
    "counterpart": ["counterpart", "our_contact", "owner", "relationship_owner", "held_by"],
    "counterpart_function": ["counterpart_function", "our_function", "owner_function"],
    "last_contact": ["last_contact", "last_contact_date", "last_contacted", "last_meeting"],
}
"""Roles of a contacts file with the column names recognised for each, best first."""

CONTACT_COLUMNS = [
    "account_id",
    "person",
    "role",
    "function",
    "seniority",
    "stance",
    "stance_score",
    "reports_to",
    "counterpart",
    "counterpart_function",
    "last_contact",
    "row",
]
"""Columns of :attr:`Contacts.data` (text empty where not known; ``row`` is the file row)."""

ROLES: tuple[str, ...] = (
    "decision maker",
    "influencer",
    "user",
    "gatekeeper",
    "executive sponsor",
)
"""Buying-centre roles of a customer contact (primer section 12)."""

STANCES: dict[str, int] = {
    "champion": 2,
    "supporter": 1,
    "neutral": 0,
    "critic": -1,
    "blocker": -2,
}
"""Stance to us, with its score."""

SENIORITY: tuple[str, ...] = ("executive", "senior", "manager", "staff")
"""Seniority levels, most senior first."""

_ROLE_WORDS = {
    **{r: r for r in ROLES},
    "dm": "decision maker",
    "decider": "decision maker",
    "economic buyer": "decision maker",
    "approver": "decision maker",
    "recommender": "influencer",
    "technical buyer": "influencer",
    "end user": "user",
    "gate keeper": "gatekeeper",
    "sponsor": "executive sponsor",
    "exec sponsor": "executive sponsor",
}
_STANCE_WORDS = {
    **{s: s for s in STANCES},
    **{f"{v:+d}": s for s, v in STANCES.items()},
    **{str(v): s for s, v in STANCES.items()},
    "+0": "neutral",
    "-0": "neutral",
    "ally": "supporter",
    "positive": "supporter",
    "negative": "critic",
    "opponent": "blocker",
    "detractor": "critic",
}
_SENIORITY_WORDS = {
    **{s: s for s in SENIORITY},
    "c level": "executive",
    "c suite": "executive",
    "board": "executive",
    "vp": "executive",
    "vice president": "executive",
    "director": "senior",
    "head": "senior",
    "senior manager": "senior",
    "middle manager": "manager",
    "management": "manager",
    "specialist": "staff",
    "analyst": "staff",
    "officer": "staff",
    "junior": "staff",
    "operational": "staff",
}
_FUNCTION_WORDS = {
    "procurement": "purchasing",
    "buying": "purchasing",
    "sourcing": "purchasing",
    "purchase": "purchasing",
    "supply chain": "logistics",
    "distribution": "logistics",
    "warehouse": "logistics",
    "production": "operations",
    "manufacturing": "operations",
    "ops": "operations",
    "plant": "operations",
    "qa": "quality",
    "quality assurance": "quality",
    "r&d": "engineering",
    "r & d": "engineering",
    "research": "engineering",
    "technical": "engineering",
    "engineering/r&d": "engineering",
    "board": "executive",
    "management": "executive",
    "general management": "executive",
    "ceo": "executive",
    "accounts": "finance",
    "accounting": "finance",
    "marketing & sales": "marketing",
}


class Contacts(Validated):
    """Validated contacts: ``data`` has :data:`CONTACT_COLUMNS`, one row per person."""


def _words(values: pd.Series) -> pd.Series:
    """Lower-cased text with ``_`` and a ``-`` after a letter as spaces (``-1`` keeps its
    sign), runs of spaces as one, ``2.0`` as ``2``; NA when blank."""
    text = values.astype("string").str.lower().str.replace(r"(?<=\w)-|_", " ", regex=True)
    text = text.str.replace(r"^([+-]?\d+)\.0*$", r"\1", regex=True)  # 2.0 from a spreadsheet
    text = text.str.replace(r"\s+", " ", regex=True).str.strip()
    return text.mask(text.eq(""))


def _vocabulary(values: pd.Series, words: dict[str, str]) -> tuple[pd.Series, pd.Series]:
    """``(normalised, unknown)``: each value's vocabulary word (NA when blank), and True
    where a value is present but not in ``words``."""
    text = _words(values)
    mapped = text.map(words, na_action="ignore").astype("string")
    return mapped, text.notna() & mapped.isna()


def normalise_function(values: pd.Series) -> pd.Series:
    """Customer (or our) functions as lower-case words, synonyms read as one name."""
    text = _words(values)
    return text.map(lambda v: _FUNCTION_WORDS.get(v, v), na_action="ignore").astype("string")


def _text(values: pd.Series) -> pd.Series:
    text = values.astype("string").str.strip().str.replace(r"\s+", " ", regex=True)
    return text.mask(text.eq(""))


def read_contacts(
    path: str | Path,
    columns: dict[str, str] | None = None,
    *,
    accounts: Accounts | pd.DataFrame | None = None,
    as_of: str | pd.Timestamp | None = None,
    sep: str | None = None,
    encoding: str | None = None,
    dayfirst: bool = False,
) -> Contacts:
    """Read a contacts file (CSV, Parquet, Excel) and validate it (module docstring).

    ``accounts``: the accounts table; contacts of an account not in it are kept and named
    in ``notes``. ``as_of``: a last contact after this day is a ``future_date``
    (default: today).
    """
    raw = read_table(path, sep=sep, encoding=encoding, mapped=(columns or {}).values())
    frame = raw.frame
    mapping = resolve_mapping(
        list(frame.columns),
        columns,
        CONTACT_ROLES,
        required=["account_id", "person"],
        source=raw.source,
        hint="Name the contacts file's columns account_id and person (in Python: "
        "read_contacts(path, columns={'person': 'YOUR_COLUMN'})).",
    )
    cols = mapping.columns
    n = len(frame)
    reasons = Reasons(n)
    for role, col in cols.items():
        if role != "last_contact" and not pd.api.types.is_numeric_dtype(frame[col]):
            too_long = frame[col].astype("string").str.len().fillna(0) > MAX_FIELD_CHARS
            reasons.flag(too_long, "oversized_field", f"{col} longer than {MAX_FIELD_CHARS:,}")

    def column(role: str) -> pd.Series:
        if role in cols:
            return frame[cols[role]]
        return pd.Series(pd.NA, index=frame.index, dtype="string")

    account_id = parse_ids(column("account_id"), source=raw.source)
    person = _text(column("person"))
    reasons.flag(account_id.isna(), "missing_account_id", f"{cols['account_id']} is empty")
    reasons.flag(person.isna(), "missing_person", f"{cols['person']} is empty")
    out = pd.DataFrame({"account_id": account_id, "person": person}, index=frame.index)
    for role, words, reason in (
        ("role", _ROLE_WORDS, "unknown_role"),
        ("stance", _STANCE_WORDS, "unknown_stance"),
        ("seniority", _SENIORITY_WORDS, "unknown_seniority"),
    ):
        values, unknown = _vocabulary(column(role), words)
        reasons.flag(unknown, reason, cols.get(role, role), column(role))
        out[role] = values
    out["stance_score"] = out["stance"].map(STANCES, na_action="ignore").astype("Int64")
    out["function"] = normalise_function(column("function"))
    out["reports_to"] = _text(column("reports_to"))
    out["counterpart"] = _text(column("counterpart"))
    out["counterpart_function"] = normalise_function(column("counterpart_function"))
    out["last_contact"] = pd.Series(pd.NaT, index=frame.index, dtype="datetime64[ns]")
    if "last_contact" in cols:
        given = ~is_blank(frame[cols["last_contact"]])
        dates, _, outside = parse_dates(frame[cols["last_contact"]], dayfirst=dayfirst)
        reasons.flag(
            given & (dates.isna() | outside),
            "bad_date",
            cols["last_contact"],
            column("last_contact"),
        )
        limit = pd.Timestamp(as_of if as_of is not None else pd.Timestamp.today()).normalize()
        future = dates.notna() & (dates.dt.normalize() > limit)
        reasons.flag(
            future,
            "future_date",
            f"{cols['last_contact']} (after {limit.date()})",
            column("last_contact"),
        )
        out["last_contact"] = dates.dt.normalize()
    key = account_id.fillna("") + "\x00" + person.str.lower().fillna("")
    ok = pd.Series(reasons.ok, index=frame.index)
    repeated = key.where(ok).duplicated(keep="first") & ok
    reasons.flag(repeated, "duplicate_person", cols["person"], person)

    out["row"] = range(1, n + 1)
    data = out.loc[reasons.ok].reset_index(drop=True)[CONTACT_COLUMNS]
    notes = []
    known = accounts_by_id(accounts)
    if known is not None:
        strangers = pd.Index(data["account_id"].unique()).difference(known.index)
        if len(strangers):
            shown = ", ".join(map(str, strangers[:5])) + (", ..." if len(strangers) > 5 else "")
            notes.append(
                f"{counted(len(strangers), 'account')} of the contacts file not in the accounts "
                f"file ({shown}): their contacts are kept"
            )
    data, quarantine, n_read = account_for(raw, data, reasons.quarantine(frame))
    return Contacts(data, quarantine, mapping, raw.source, n_read, raw.notes + notes)
