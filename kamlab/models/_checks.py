"""Input checks for the models: clear :class:`~kamlab.errors.InputError` messages, never nonsense."""

from __future__ import annotations

import numpy as np
import pandas as pd

from kamlab.errors import InputError
from kamlab.words import counted

RFM_COLUMNS = ("frequency", "recency", "T")


def _examples(index: pd.Index, mask: np.ndarray, k: int = 3) -> str:
    ids = index[np.asarray(mask)]
    shown = ", ".join(map(str, ids[:k]))
    more = f" and {len(ids) - k:,} more" if len(ids) > k else ""
    return f"{counted(len(ids), 'account')} ({shown}{more})"


def _frame(data, model: str) -> pd.DataFrame:
    if isinstance(data, pd.Series):
        data = data.to_frame().T
    if not isinstance(data, pd.DataFrame):
        raise InputError(
            f"{model}: expected a DataFrame (one row per account, as from kamlab.summarize), "
            f"got {type(data).__name__}"
        )
    if data.empty:
        raise InputError(f"{model}: the summary has no rows")
    return data


def numeric_columns(data, columns: tuple[str, ...], model: str) -> dict[str, np.ndarray]:
    """The ``columns`` of ``data`` as float arrays, after checking presence, type and finiteness."""
    data = _frame(data, model)
    missing = [c for c in columns if c not in data.columns]
    if missing:
        hint = ""
        if {"x", "t_x"} & set(data.columns):
            hint = " (rename x -> frequency, t_x -> recency, zbar -> monetary_value)"
        raise InputError(
            f"{model} needs columns {', '.join(columns)}; missing {', '.join(missing)}. "
            f"Found: {', '.join(map(str, data.columns))}{hint}. Build the summary with "
            "kamlab.summarize (or `kamlab summarize`)."
        )
    out = {}
    for col in columns:
        values = pd.to_numeric(data[col], errors="coerce")
        bad_type = values.isna() & data[col].notna()
        if bad_type.any():
            raise InputError(
                f"{model}: column {col!r} is not numeric for {_examples(data.index, bad_type)}"
            )
        arr = values.to_numpy(dtype=float, na_value=np.nan)
        bad = ~np.isfinite(arr)
        if bad.any():
            raise InputError(
                f"{model}: column {col!r} is missing (NaN) or infinite for "
                f"{_examples(data.index, bad)}; drop or fill those accounts first"
            )
        out[col] = arr
    return out


def rfm(data, model: str, *, fitting: bool) -> tuple[pd.Index, np.ndarray, np.ndarray, np.ndarray]:
    """Checked ``(index, frequency, recency, T)`` of a per-account summary.

    Rules: frequency a whole number >= 0; 0 <= recency <= T; recency 0 when frequency is 0.
    For fitting also: at least two accounts and at least one repeat purchase.
    """
    data = _frame(data, model)
    cols = numeric_columns(data, RFM_COLUMNS, model)
    x, tx, T = cols["frequency"], cols["recency"], cols["T"]
    idx = data.index
    rules = [
        (x < 0, "frequency is negative"),
        (x != np.round(x), "frequency is not a whole number (it counts repeat purchases)"),
        (tx < 0, "recency is negative"),
        (T < tx, "T is less than recency (the last purchase cannot come after the window end)"),
        (
            (x == 0) & (tx > 0),
            "frequency is 0 but recency > 0 (recency is 0 without repeat purchases)",
        ),
    ]
    for mask, what in rules:
        if mask.any():
            raise InputError(f"{model}: {what} for {_examples(idx, mask)}")
    if fitting:
        if len(x) < 2:
            raise InputError(
                f"{model}: a single account cannot be fitted; the model describes a population "
                "(hundreds of accounts in practice)"
            )
        if not (x > 0).any():
            raise InputError(
                f"{model}: every account has frequency 0 (no repeat purchases), so the purchase "
                "rate and the dropout process cannot be estimated; use a longer window"
            )
    return idx, x, tx, T


def spend(data, model: str, *, fitting: bool) -> tuple[pd.Index, np.ndarray, np.ndarray]:
    """Checked ``(index, frequency, monetary_value)``; repeat buyers need monetary_value > 0."""
    data = _frame(data, model)
    cols = numeric_columns(data, ("frequency", "monetary_value"), model)
    x, m = cols["frequency"], cols["monetary_value"]
    idx = data.index
    if (x < 0).any() or (x != np.round(x)).any():
        raise InputError(
            f"{model}: frequency must be a whole number >= 0; not so for "
            f"{_examples(idx, (x < 0) | (x != np.round(x)))}"
        )
    if (m < 0).any():
        raise InputError(
            f"{model}: monetary_value is negative for {_examples(idx, m < 0)}; spend per purchase "
            "must be positive (net returns out of the summary or drop those accounts)"
        )
    zero = (x > 0) & (m == 0)
    if zero.any():
        raise InputError(
            f"{model}: monetary_value is 0 for {_examples(idx, zero)} with repeat purchases; the "
            "Gamma-Gamma model needs positive spend (drop them: summary[summary.monetary_value > 0])"
        )
    if fitting and (x > 0).sum() < 2:
        raise InputError(
            f"{model}: needs at least two accounts with repeat purchases (frequency > 0) and "
            f"their monetary_value; found {(x > 0).sum()}"
        )
    return idx, x, m


def compress(*columns: np.ndarray) -> tuple[list[np.ndarray], np.ndarray]:
    """Unique rows of ``columns`` and their counts (the likelihood is a weighted sum over them)."""
    frame = pd.DataFrame({i: c for i, c in enumerate(columns)})
    counts = frame.groupby(list(frame.columns), sort=False).size()
    if len(counts) > 0.8 * len(frame):
        return list(columns), np.ones(len(frame))
    keys = counts.index.to_frame(index=False)
    return [keys[i].to_numpy(dtype=float) for i in range(len(columns))], counts.to_numpy(float)
