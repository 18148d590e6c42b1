"""Integer keys of the accepted lines, made once when they are read.

Every summary of a log groups its lines by account and counts distinct orders and
products per account. Done on the text ids each time, those distinct counts cost
more than all the rest of the summary together (two hash tables of account x order
and account x product pairs over every line). So the keys are made once, when the
lines are validated, and every later summary (one per period, per window, per
notebook) reuses them:

- ``account_key``: the position of the line's account id in ``accounts`` (the
  distinct ids, sorted as text), so that grouping and sorting are on integers;
- ``first_order`` / ``first_product``: True on one purchase (non-return) line of
  each account x order (x product) pair, a line of its earliest day. The number of
  distinct orders an account placed up to a day is then the sum of ``first_order``
  over its lines up to that day, exactly: a pair has a line in the window if and
  only if its earliest line is in it.

The keys describe the frame they were made from: drop lines from it and a pair's
flagged line may be gone. :func:`keys_for` therefore makes new keys for any frame
that is not the one they were made from.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from kamlab.errors import InputError

FLAGS = {"order_id": "first_order", "product_id": "first_product"}
"""The id columns counted per account, and the name of their first-line flag."""


@dataclass(frozen=True)
class LineKeys:
    """``accounts``: the distinct account ids, sorted; ``lines``: one row per line of the
    frame, same index, with ``account_key`` (int32) and the flags of :data:`FLAGS` for the
    id columns the frame has."""

    accounts: pd.Index
    lines: pd.DataFrame

    def made_from(self, frame: pd.DataFrame) -> bool:
        """True when these keys were made from ``frame`` as it is now (same rows)."""
        return len(self.lines) == len(frame) and self.lines.index.equals(frame.index)


def line_keys(frame: pd.DataFrame) -> LineKeys:
    """The keys of ``frame`` (``account_id``, ``date``, ``is_return`` and optionally
    ``order_id``, ``product_id``); an error if an account id is missing."""
    codes, accounts = pd.factorize(frame["account_id"].astype("string"), sort=True)
    if (codes < 0).any():
        raise InputError(
            f"{int((codes < 0).sum()):,} lines have no account id; "
            "read the file with kamlab.read_transactions, which quarantines them"
        )
    lines = pd.DataFrame({"account_key": codes.astype(np.int32)}, index=frame.index)
    counted = [col for col in FLAGS if col in frame.columns]
    if counted:
        earliest_first = _date_order(frame["date"])
        buys = ~frame["is_return"].to_numpy(dtype=bool)
        for col in counted:
            id_codes = pd.factorize(frame[col])[0]
            lines[FLAGS[col]] = _first_of_pairs(codes, id_codes, buys, earliest_first)
    return LineKeys(pd.Index(accounts, dtype="string", name="account_id"), lines)


def keys_for(frame: pd.DataFrame, keys: LineKeys | None) -> LineKeys:
    """``keys`` when they were made from ``frame``, else new keys."""
    return keys if keys is not None and keys.made_from(frame) else line_keys(frame)


def _date_order(dates: pd.Series) -> np.ndarray | None:
    """Positions that sort the lines by date (stable), or None when they already are."""
    values = dates.to_numpy(dtype="datetime64[ns]").view("int64")
    return None if (np.diff(values) >= 0).all() else np.argsort(values, kind="stable")


def _first_of_pairs(
    account_codes: np.ndarray, id_codes: np.ndarray, buys: np.ndarray, order: np.ndarray | None
) -> np.ndarray:
    """True on the earliest purchase line of each (account, id) pair; False on returns
    and on lines without an id (code -1)."""
    id_codes = id_codes.astype(np.int64)
    pair = np.where(buys & (id_codes >= 0), account_codes.astype(np.int64) << 32 | id_codes, -1)
    in_order = pair if order is None else pair[order]
    first = ~pd.Series(in_order).duplicated().to_numpy() & (in_order >= 0)
    if order is None:
        return first
    out = np.empty_like(first)
    out[order] = first
    return out
