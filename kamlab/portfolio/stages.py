"""Relationship stages (Woodburn & McDonald 2011), assessed from CRM indicators.

A key relationship develops through five stages: Exploratory, Basic, Cooperative,
Interdependent and Integrated (primer section 4), and can decline from any of them.
:func:`assess_stages` places each account by a documented scoring a KAM team can apply
to its own CRM fields:

1. each indicator is mapped to a **stage-equivalent level** on the 0-4 scale
   (0 = Exploratory ... 4 = Integrated) by the thresholds below;
2. the **stage score** is the weighted mean of the levels the account has values for
   (every indicator weighs 1 except the yes/no executive sponsor, 0.5);
3. the **stage** is the nearest stage to the score, halves rounding up
   (1.5 -> Cooperative).

Where a value fits two adjacent stages equally well (one contact: the salesperson
courting the buyer, or the one-to-one "bow tie"), its level is the midpoint of the two.

=====================  ===========================  =====  ===========================
indicator (role)       value                        level  stage it points to
=====================  ===========================  =====  ===========================
contacts               0                            0      Exploratory
(people at the         1                            0.5    Exploratory / Basic
customer we deal       2                            1      Basic ("bow tie")
with regularly)        3-5                          2      Cooperative ("several")
                       6-11                         3      Interdependent ("diamond")
                       12 or more                   4      Integrated (teams)
functions_involved     0                            0      Exploratory
(customer functions    1 (buying only)              0.5    Exploratory / Basic
in contact with us)    2-3                          2      Cooperative
                       4-5                          3      Interdependent
                       6 or more                    4      Integrated
share_of_wallet        under 5%                     0      Exploratory ("none yet")
(0-1, our share of     5% to under 20%              1      Basic (transactional, trial)
the customer's spend   20% to under 50%             2      Cooperative (a preferred one)
in our category)       50% to under 75%             3      Interdependent (strategic)
                       75% or more                  4      Integrated (deeply embedded)
information_sharing    1 none                       0      Exploratory
(1-5, nearest whole    2 minimal                    1      Basic
point)                 3 limited                    2      Cooperative
                       4 extensive, trust           3      Interdependent
                       5 open, sensitive            4      Integrated
joint_planning         0 none                       0.5    Exploratory / Basic
(0-3, nearest whole    1 ad hoc, little             2      Cooperative
point)                 2 annual joint plan          3      Interdependent
                       3 joint strategic plan,      4      Integrated
                       shared goals
executive_sponsor      no                           1      Exploratory to Cooperative
(yes/no, weight 0.5)   yes                          3      Interdependent
=====================  ===========================  =====  ===========================

The executive sponsor is a yes/no, so it is coarse and weighs half: "no" fits any of
the first three stages (level 1, their middle); "yes" marks the senior, top-to-top
contact of the Interdependent "diamond" (level 3); what makes a relationship Integrated
(teams, embedded systems, shared goals) shows in the other indicators.

Real accounts tables name these fields differently: pass ``indicators={"contacts":
"No. of contacts", ...}`` (role -> column); roles left out keep their default column
(the role name) and a role mapped to ``None`` is not used.

**Missing data.** A role whose column is absent is left out with a warning; with none
present :class:`~kamlab.errors.MissingColumnError` is raised. A missing value scores the
account on the indicators it has (``indicators_used`` counts them); an account with
none gets no stage and the reason ``"no indicators"``.

**Declining.** Decline is a direction, not a sixth level, so ``stage`` keeps the five
ordered stages and ``declining`` says whether the relationship is falling. Given
``previous`` (the same table for an earlier period), an account is declining when, on
the indicators it has in both periods, its score fell by at least ``decline_threshold``
(half a stage by default) or at least ``decline_indicators`` (3) indicator levels fell.
``stage_label`` is the stage, or ``"Declining"`` for a declining account: the one column
to show a reader.

**Gaps.** :func:`stage_gaps` lists accounts whose stage does not fit their box of the
key customer portfolio (:data:`GAP_RULES`): Strategic and Star accounts still at
Exploratory or Basic are under-developed; Streamline accounts at Interdependent or
Integrated are over-invested. :func:`stage_crosstab` counts accounts by box and stage.

On :func:`kamlab.datasets.make_sample` portfolios of 2,000 accounts the assessed stage
equals the generator's true stage for 89.5-91% of accounts (against 35-39% for always
guessing the commonest stage) and is within one stage for all of them
(``tests/test_stages.py`` checks it). Most misses are true Exploratory accounts called
Basic (only ~40% of them are caught): one contact, buying only and no joint plans fit
both stages, so only a wallet share under 5% and no information sharing tell them apart.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from kamlab.errors import ConfigError, InputError, MissingColumnError
from kamlab.portfolio.criteria import BOXES  # Strategic, Star, Status, Streamline
from kamlab.vocabulary import INDICATOR_LEVELS, STAGE_INDICATORS, STAGES

__all__ = [
    "BOXES",
    "DECLINING",
    "DEFAULT_WEIGHTS",
    "GAP_RULES",
    "INDICATOR_LEVELS",
    "STAGES",
    "STAGE_INDICATORS",
    "assess_stages",
    "stage_crosstab",
    "stage_gaps",
    "stage_of",
    "trading_stages",
]

DECLINING = "Declining"
"""The ``stage_label`` of a relationship whose indicators fell since the previous period."""

DEFAULT_WEIGHTS: dict[str, float] = {role: 1.0 for role in STAGE_INDICATORS}
DEFAULT_WEIGHTS["executive_sponsor"] = 0.5

_RANGES: dict[str, tuple[float, float, str]] = {
    "contacts": (0, np.inf, "a count of people, 0 or more"),
    "functions_involved": (0, np.inf, "a count of customer functions, 0 or more"),
    "share_of_wallet": (0, 1, "a fraction 0-1 (30% is 0.3)"),
    "information_sharing": (1, 5, "a score 1 (none) to 5 (open, sensitive)"),
    "joint_planning": (0, 3, "0 none, 1 ad hoc, 2 annual joint plan, 3 joint strategic plan"),
}
_TRUE = frozenset({"true", "t", "yes", "y", "1", "1.0"})
_FALSE = frozenset({"false", "f", "no", "n", "0", "0.0"})
_PLANNING = ("no joint plans", "ad hoc joint planning", "annual joint plan", "joint strategic plan")

GAP_RULES: dict[tuple[str, str], str] = {
    ("Strategic", "Exploratory"): "under-developed",
    ("Strategic", "Basic"): "under-developed",
    ("Star", "Exploratory"): "under-developed",
    ("Star", "Basic"): "under-developed",
    ("Streamline", "Interdependent"): "over-invested",
    ("Streamline", "Integrated"): "over-invested",
}
"""(box, stage) -> gap kind: where the relationship does not fit the box's strategy."""

_GAP_ACTIONS = {
    "under-developed": "invest to deepen the relationship (more contacts, joint planning)",
    "over-invested": "review the resources spent; consider moving it to a lower tier",
}


# --------------------------------------------------------------------------- helpers


def _account_frame(accounts, what: str = "accounts table") -> pd.DataFrame:
    """The table indexed by account id as strings; ``account_id`` column or index."""
    frame = getattr(accounts, "data", accounts)  # kamlab.io.Accounts or a DataFrame
    if not isinstance(frame, pd.DataFrame):
        raise InputError(f"the {what} must be a pandas DataFrame, got {type(accounts).__name__}")
    if "account_id" in frame.columns:
        frame = frame.set_index("account_id")
    frame = frame.copy(deep=False)  # copy-on-write: the caller's frame stays as it is
    frame.index = pd.Index(frame.index.astype("string"), name="account_id")
    if frame.index.hasnans:
        raise InputError(f"the {what} has rows without an account id; drop or fill them")
    if frame.index.has_duplicates:
        repeated = frame.index[frame.index.duplicated()].unique()
        raise InputError(
            f"the {what} repeats account id(s) {_sample(repeated)}: one row per account"
        )
    return frame


def _sample(values: Iterable, n: int = 5) -> str:
    values = list(values)
    shown = ", ".join(map(str, values[:n]))
    return shown + (f" and {len(values) - n:,} more" if len(values) > n else "")


def _missing_columns(what: str, expected: list[str], found: list[str], hint: str):
    """A MissingColumnError whose hint fits the Python API (no CLI flag)."""
    return MissingColumnError(what, expected, found, hint=hint)


def _resolve(
    roles: tuple[str, ...], mapping: Mapping[str, str | None] | None, what: str
) -> dict[str, str | None]:
    """role -> column, defaults (the role name) overridden by ``mapping``."""
    mapping = dict(mapping or {})
    unknown = sorted(set(mapping) - set(roles))
    if unknown:
        raise ConfigError(
            f"unknown {what} role(s) {', '.join(map(str, unknown))}: the roles are "
            f"{', '.join(roles)} (map role -> your column name)"
        )
    return {role: mapping.get(role, role) for role in roles}


def _numeric(frame: pd.DataFrame, column: str) -> pd.Series:
    """The column as float64; text that is not a number is an InputError naming accounts."""
    raw = frame[column]
    if pd.api.types.is_bool_dtype(raw) or pd.api.types.is_numeric_dtype(raw):
        return raw.astype("float64")  # nothing to check: no text
    values = pd.to_numeric(raw, errors="coerce").astype("float64")
    text = raw.astype("string").str.strip()
    bad = values.isna() & raw.notna() & text.ne("")
    if bad.any():
        shown = _sample(f"{i} ({v!r})" for i, v in raw[bad].items())
        raise InputError(f"column {column!r}: not a number for account(s) {shown}")
    return values


def _boolean(frame: pd.DataFrame, column: str) -> pd.Series:
    """Yes/no as 1.0/0.0 (NaN when blank): bools, 0/1, true/false, yes/no, y/n."""
    raw = frame[column]
    if pd.api.types.is_bool_dtype(raw):
        return raw.astype("float64")
    if pd.api.types.is_numeric_dtype(raw):
        values = raw.astype("float64")
        bad = values.notna() & ~values.isin([0.0, 1.0])
    else:
        text = raw.astype("string").str.strip().str.lower()
        values = pd.Series(np.nan, index=raw.index)
        values[text.isin(_TRUE).fillna(False).to_numpy(dtype=bool)] = 1.0
        values[text.isin(_FALSE).fillna(False).to_numpy(dtype=bool)] = 0.0
        bad = values.isna() & text.notna() & text.ne("")
    if bad.any():
        shown = _sample(f"{i} ({v!r})" for i, v in raw[bad].items())
        raise InputError(
            f"column {column!r}: expected yes/no (True/False, 1/0, yes/no) for account(s) {shown}"
        )
    return values


def _values(frame: pd.DataFrame, role: str, column: str) -> pd.Series:
    """One indicator's raw values as float64, validated against its range."""
    if role == "executive_sponsor":
        return _boolean(frame, column)
    values = _numeric(frame, column)
    low, high, meaning = _RANGES[role]
    bad = values.notna() & ((values < low) | (values > high))
    if bad.any():
        shown = _sample(f"{i} ({v:g})" for i, v in values[bad].items())
        hint = ""
        if role == "share_of_wallet" and values.max() <= 100:
            hint = "; if it is in percent, divide by 100"
        raise InputError(
            f"column {column!r} ({role}) must be {meaning}; out of range for account(s) "
            f"{shown}{hint}"
        )
    return values


def _levels(role: str, values: pd.Series) -> pd.Series:
    """Stage-equivalent levels (0-4) of one indicator; NaN stays NaN."""
    edges, levels = INDICATOR_LEVELS[role]
    x = values.to_numpy(dtype="float64")
    k = np.searchsorted(np.asarray(edges, dtype="float64"), np.nan_to_num(x), side="right")
    out = np.asarray(levels, dtype="float64")[k]
    return pd.Series(np.where(np.isnan(x), np.nan, out), index=values.index)


def _indicator_table(
    frame: pd.DataFrame,
    columns: Mapping[str, str | None],
    what: str,
    *,
    warn: bool,
) -> dict[str, pd.Series]:
    """role -> validated raw values for the roles whose column is present."""
    wanted = {role: col for role, col in columns.items() if col is not None}
    if not wanted:
        raise ConfigError("every stage indicator is mapped to None: nothing to assess")
    present = {role: col for role, col in wanted.items() if col in frame.columns}
    absent = {role: col for role, col in wanted.items() if col not in frame.columns}
    if not present:
        raise _missing_columns(
            "stage indicator",
            [str(c) for c in wanted.values()],
            list(frame.columns),
            "Map yours with indicators={'contacts': 'Your column', ...}.",
        )
    if absent and warn:
        warnings.warn(
            f"{what}: no column for stage indicator(s) "
            f"{', '.join(f'{r} ({c!r})' for r, c in absent.items())}; stages are assessed on "
            f"the other {len(present)} ({', '.join(present)}). Map missing ones with "
            "indicators={role: column}.",
            UserWarning,
            stacklevel=3,
        )
    return {role: _values(frame, role, col) for role, col in present.items()}


def _weighted_mean(levels: pd.DataFrame, weights: Mapping[str, float]) -> pd.Series:
    """Weighted mean of each row's non-missing levels (NaN where there are none)."""
    w = np.array([weights[c] for c in levels.columns], dtype="float64")
    x = levels.to_numpy(dtype="float64")
    have = ~np.isnan(x)
    total = (have * w).sum(axis=1)
    num = np.where(have, x, 0.0) @ w
    with np.errstate(invalid="ignore", divide="ignore"):
        score = np.where(total > 0, num / total, np.nan)
    return pd.Series(score, index=levels.index)


def _stage_codes(score: pd.Series) -> np.ndarray:
    """Nearest stage index, halves up; -1 where the score is missing."""
    s = score.to_numpy(dtype="float64")
    codes = np.floor(np.nan_to_num(s, nan=-1.0) + 0.5)
    return np.where(np.isnan(s), -1, np.clip(codes, 0, len(STAGES) - 1)).astype(np.int64)


def stage_of(score: float) -> str:
    """The stage nearest to a stage score (0-4), halves rounding up (1.5 -> Cooperative)."""
    return STAGES[int(_stage_codes(pd.Series([float(score)]))[0])]


def _number_text(values: pd.Series) -> pd.Series:
    """Whole numbers without decimals, others with one (vectorised: the whole ones written
    by Arrow, without a Python string per account)."""
    rounded = values.round()
    ints = pa.array(rounded.astype("Int64"), type=pa.int64())
    text = _strings(pc.cast(ints, pa.string()), values.index)
    fraction = (values != rounded) & values.notna()
    if fraction.any():
        text[fraction] = values[fraction].round(1).astype("string")
    return text


def _plural(values: pd.Series, one: str, many: str) -> pd.Series:
    return _number_text(values) + pd.Series(np.where(values == 1, one, many), index=values.index)


def _describe(role: str, v: pd.Series) -> pd.Series:
    """Short text of one indicator's value per account (NA where missing)."""
    if role == "contacts":
        text = _plural(v, " contact", " contacts")
    elif role == "functions_involved":
        text = _plural(v, " function", " functions")
    elif role == "share_of_wallet":
        pct = (v * 100).round().astype("Int64").astype("string")
        text = pct + "% of wallet"
    elif role == "information_sharing":
        text = "information sharing " + _number_text(v) + "/5"
    elif role == "joint_planning":
        named = pd.Series(np.array(_PLANNING)[np.clip(np.nan_to_num(v), 0, 3).astype(int)])
        named.index = v.index
        text = named.astype("string").where(v == v.round(), "joint planning " + _number_text(v))
    else:  # executive_sponsor
        text = pd.Series(np.where(v == 1, "executive sponsor", "no executive sponsor"), v.index)
        text = text.astype("string")
    return text.where(v.notna())


def _join(parts: list[pd.Series], index: pd.Index) -> pd.Series:
    """Comma-join the non-missing parts of each row ("" where all are missing)."""
    if not parts:
        return pd.Series("", index=index, dtype="string")
    # each part as ", part" (null stays null), joined with nulls as "", the first ", " cut
    # (not null_handling="skip": in pyarrow 26 it drops the rows whose parts are all null)
    pieces = [pc.binary_join_element_wise(", ", _arrow(part), "") for part in parts]
    joined = pc.binary_join_element_wise(*pieces, "", null_handling="replace")
    return _strings(pc.utf8_slice_codeunits(joined, 2), index)


def _arrow(text: pd.Series) -> pa.Array:
    """A text column as an Arrow string array (NA as null)."""
    return pa.array(text.astype("string"), type=pa.string())


def _strings(values: pa.Array, index: pd.Index) -> pd.Series:
    """An Arrow string array as a pandas ``string`` column, without a copy."""
    return pd.Series(pd.StringDtype().__from_arrow__(values), index=index)


# --------------------------------------------------------------------------- assess


def assess_stages(
    accounts: pd.DataFrame,
    *,
    indicators: Mapping[str, str | None] | None = None,
    previous: pd.DataFrame | None = None,
    decline_threshold: float = 0.5,
    decline_indicators: int = 3,
    weights: Mapping[str, float] | None = None,
    contacts=None,
    rows: pd.Index | None = None,
) -> pd.DataFrame:
    """Assess each account's relationship stage from its indicator columns.

    ``accounts`` has an ``account_id`` column or is indexed by account id (a
    :class:`kamlab.io.Accounts` works too). ``indicators`` maps roles
    (:data:`STAGE_INDICATORS`) to your column names; ``weights`` overrides
    :data:`DEFAULT_WEIGHTS` per role. ``previous`` is the same table for an earlier
    period: accounts whose score fell by ``decline_threshold`` or more, or with
    ``decline_indicators`` or more indicator levels lower, are declining. The scoring is
    in the module docstring. ``contacts`` (a contacts file, :func:`kamlab.io.read_contacts`)
    replaces the ``contacts``, ``functions_involved`` and ``executive_sponsor`` columns by
    the counts of its people, functions and executive sponsors
    (:func:`kamlab.portfolio.contacts.with_contact_indicators`). ``rows``: the accounts
    whose rows are returned (default all; the others' indicators are still checked): a
    portfolio of 470k buying accounts with an accounts file of 1M then words 470k reasons.

    Returns one row per account, indexed by ``account_id`` (string):

    - ``<role>_level``: each used indicator's stage-equivalent level, 0-4 (float);
    - ``stage_score``: their weighted mean, 0-4; ``indicators_used``: how many had a value;
    - ``stage``: ordered Categorical of :data:`STAGES` (NaN with no indicators);
    - ``previous_stage``, ``score_change`` (on the indicators present in both periods),
      ``indicators_fell``: NaN / 0 without ``previous`` or for accounts new to it;
    - ``declining`` (bool) and ``stage_label``: the stage, or ``"Declining"``;
    - ``stage_reason``: e.g. ``"4 contacts, 3 functions, 30% of wallet, ...: Cooperative
      (score 1.9)"``, ending with the decline when declining.

    Raises :class:`~kamlab.errors.MissingColumnError` when no indicator column is present
    (a warning names those missing when only some are), :class:`~kamlab.errors.InputError`
    for values out of range or not numbers, :class:`~kamlab.errors.ConfigError` for
    unknown roles or bad weights.
    """
    columns = _resolve(STAGE_INDICATORS, indicators, "stage indicator")
    _resolve(STAGE_INDICATORS, weights, "weight")  # unknown roles are a ConfigError
    w = {**DEFAULT_WEIGHTS, **(weights or {})}
    bad_w = [r for r, x in w.items() if not (np.isfinite(x) and x >= 0)]
    if bad_w:
        raise ConfigError(f"weights must be finite and >= 0; check {', '.join(bad_w)}")
    if not (np.isfinite(decline_threshold) and decline_threshold > 0):
        raise ConfigError(f"decline_threshold must be > 0 (stages), got {decline_threshold!r}")
    if int(decline_indicators) != decline_indicators or decline_indicators < 1:
        raise ConfigError(
            f"decline_indicators must be a whole number >= 1, got {decline_indicators!r}"
        )

    frame = _account_frame(accounts)
    if contacts is not None:  # the contacts file's indicators, under the default columns
        from kamlab.portfolio.contacts import with_contact_indicators

        frame = with_contact_indicators(frame, contacts)[0]
        columns.update({r: r for r in ("contacts", "functions_involved", "executive_sponsor")})
    raw = _indicator_table(frame, columns, "assess_stages", warn=True)
    levels = pd.DataFrame({role: _levels(role, v) for role, v in raw.items()}, index=frame.index)
    score = _weighted_mean(levels, w)
    codes = _stage_codes(score)
    stage = pd.Categorical.from_codes(codes, categories=list(STAGES), ordered=True)

    out = levels.add_suffix("_level")
    out["stage_score"] = score
    out["stage"] = stage
    out["indicators_used"] = levels.notna().sum(axis=1).astype("int64")

    change, fell, prev_stage = _decline(frame, levels, previous, columns, w)
    declining = (change <= -decline_threshold + 1e-9) | (fell >= decline_indicators)
    declining &= out["stage"].notna()
    out["previous_stage"] = prev_stage
    out["score_change"] = change
    out["indicators_fell"] = fell.astype("int64")
    out["declining"] = declining.astype(bool)
    out["stage_label"] = pd.Categorical.from_codes(
        np.where(declining.to_numpy(), len(STAGES), codes), categories=[*STAGES, DECLINING]
    )

    if rows is not None:  # every account is checked and scored above; these are worded
        # a hash lookup: Index.isin on Arrow ids builds a Python object per id
        keep = pd.Index(rows).unique().get_indexer(frame.index) >= 0
        out, score, change, fell, declining = (
            x[keep] for x in (out, score, change, fell, declining)
        )
        raw = {role: v[keep] for role, v in raw.items()}
    index = out.index
    # one Arrow pass per step: at 1M accounts, pandas' "+" held a column per operand
    described = _join([_describe(role, v) for role, v in raw.items()], index)
    reason = pc.binary_join_element_wise(
        _arrow(described), ": ", _arrow(out["stage"]), " (score ",
        _arrow(score.round(1).astype("string")), ")", "",
    )  # fmt: skip
    down = declining.to_numpy()
    if down.any():  # the fall's text, for the declining accounts only
        fall = pd.Series("", index=index, dtype="string")
        fall[down] = (
            "; declining (score "
            + change[down].round(1).astype("string")
            + " since the previous period, "
            + _plural(fell[down].astype("Int64"), " indicator lower)", " indicators lower)")
        )
        reason = pc.binary_join_element_wise(reason, _arrow(fall), "")
    reason = _strings(reason, index)
    out["stage_reason"] = reason.fillna("no indicators").astype("string")
    return out


def trading_stages(table: pd.DataFrame, prospect: pd.Series) -> pd.DataFrame:
    """``stage`` and ``stage_reason`` of ``table`` corrected by trading: Exploratory is
    the stage before trading begins, so a ``prospect`` (never bought) is Exploratory whatever its indicators say, and a buying account the
    indicators place at Exploratory is Basic; each reason says so. An account without
    a stage (no indicators) that buys keeps none."""
    stage = pd.Series(
        pd.Categorical(table["stage"].astype("object"), categories=list(STAGES), ordered=True),
        index=table.index,
    )
    reason = table["stage_reason"].astype("object").fillna("")
    prospect = prospect.reindex(table.index).fillna(False).astype(bool)
    raised = ~prospect & (stage == STAGES[0])
    lowered = prospect & stage.notna() & (stage != STAGES[0])
    stage[prospect] = STAGES[0]
    stage[raised] = STAGES[1]
    reason[raised] = reason[raised] + "; buying, so Basic (Exploratory is before trading)"
    reason[prospect] = "prospect: no purchase yet, so Exploratory" + np.where(
        lowered[prospect], " (indicators: " + reason[prospect] + ")", ""
    ).astype(object)
    return pd.DataFrame({"stage": stage, "stage_reason": reason}, index=table.index)


def _decline(
    frame: pd.DataFrame,
    levels: pd.DataFrame,
    previous: pd.DataFrame | None,
    columns: Mapping[str, str | None],
    weights: Mapping[str, float],
) -> tuple[pd.Series, pd.Series, pd.Categorical]:
    """Score change and number of indicator levels that fell, against ``previous``."""
    index = frame.index
    empty = pd.Categorical.from_codes(
        np.full(len(index), -1), categories=list(STAGES), ordered=True
    )
    if previous is None:
        return pd.Series(np.nan, index=index), pd.Series(0, index=index), empty
    before = _account_frame(previous, "previous accounts table")
    common_roles = {r: c for r, c in columns.items() if r in levels.columns and c in before.columns}
    if not common_roles:
        raise _missing_columns(
            "stage indicator",
            [str(c) for r, c in columns.items() if r in levels.columns],
            list(before.columns),
            "previous must have the same indicator columns as accounts.",
        )
    raw = {r: _values(before, r, c) for r, c in common_roles.items()}
    prev = pd.DataFrame({r: _levels(r, v) for r, v in raw.items()}, index=before.index)
    prev_score = _weighted_mean(prev, weights).reindex(index)
    prev_stage = pd.Categorical.from_codes(
        _stage_codes(prev_score), categories=list(STAGES), ordered=True
    )
    prev = prev.reindex(index)
    now = levels[prev.columns]
    both = now.notna() & prev.notna()
    diff = (now - prev).where(both)
    change = _weighted_mean(diff, weights)
    fell = (diff < 0).sum(axis=1)
    return change, fell, prev_stage


# --------------------------------------------------------------------------- gaps


def _box_stage(table: pd.DataFrame, box_column: str, stage_column: str) -> pd.DataFrame:
    frame = _account_frame(table, "table")
    missing = [c for c in (box_column, stage_column) if c not in frame.columns]
    if missing:
        raise _missing_columns(
            " and ".join(missing),
            [box_column, stage_column],
            list(frame.columns),
            "Join the portfolio boxes and assess_stages() output on account id, or name "
            "the columns with box_column= / stage_column=.",
        )
    stage = frame[stage_column]
    if isinstance(stage.dtype, pd.CategoricalDtype):
        stage = stage.astype("string")
    stage = stage.astype("string")
    unknown = sorted(set(stage.dropna()) - set(STAGES))
    if unknown:
        raise InputError(
            f"column {stage_column!r} has values {', '.join(unknown)}; stages are "
            f"{', '.join(STAGES)} (use 'stage', not 'stage_label')"
        )
    return pd.DataFrame(
        {
            "box": frame[box_column].astype("string"),
            "stage": pd.Categorical(stage, categories=list(STAGES), ordered=True),
        },
        index=frame.index,
    )


def stage_crosstab(
    table: pd.DataFrame, box_column: str = "box", stage_column: str = "stage"
) -> pd.DataFrame:
    """Number of accounts by box (rows) and stage (columns), every stage shown.

    Boxes are in :data:`BOXES` order (those with no accounts included), then any other
    box labels in order of appearance. Accounts without a box or stage are not counted.
    """
    pairs = _box_stage(table, box_column, stage_column).dropna()
    others = [b for b in pairs["box"].unique() if b not in BOXES]
    rows = pd.Index([*BOXES, *others], name="box")
    counts = pd.crosstab(pairs["box"], pairs["stage"], dropna=False)
    counts = counts.reindex(index=rows, columns=list(STAGES), fill_value=0).astype("int64")
    counts.columns = pd.CategoricalIndex(
        list(STAGES), categories=list(STAGES), ordered=True, name="stage"
    )
    return counts


def stage_gaps(
    table: pd.DataFrame,
    box_column: str = "box",
    stage_column: str = "stage",
    *,
    rules: Mapping[tuple[str, str], str] | None = None,
) -> pd.DataFrame:
    """Accounts whose relationship stage does not fit their portfolio box.

    ``table`` has a box column (e.g. the portfolio matrix's ``box``) and a stage column
    (:func:`assess_stages`' ``stage``), with ``account_id`` as a column or the index.
    ``rules`` maps (box, stage) to a gap kind, :data:`GAP_RULES` by default:
    Strategic/Star at Exploratory/Basic are ``"under-developed"`` (the box says invest,
    the relationship is still transactional); Streamline at Interdependent/Integrated
    are ``"over-invested"`` (a deep relationship where the box says manage for cash).

    Returns one row per gap account, indexed by ``account_id``, in table order: ``box``,
    ``stage``, ``gap`` and ``action`` (what the box's strategy suggests). Empty when
    there are no gaps.
    """
    rules = dict(GAP_RULES if rules is None else rules)
    pairs = _box_stage(table, box_column, stage_column)
    key = pairs["box"].fillna("") + "|" + pairs["stage"].astype("string").fillna("")
    lookup = pd.Series({f"{b}|{s}": kind for (b, s), kind in rules.items()}, dtype="string")
    gap = key.map(lookup)
    flagged = pairs.loc[gap.notna().to_numpy()].copy()
    flagged["gap"] = gap[gap.notna()].astype("string")
    flagged["action"] = flagged["gap"].map(_GAP_ACTIONS).astype("string")
    return flagged
