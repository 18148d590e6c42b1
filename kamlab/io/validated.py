"""What every validated input has: accepted rows, quarantined rows, and the accounting between them."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from kamlab.io.files import FILE_COLUMN
from kamlab.io.mapping import ColumnMapping


@dataclass
class Validated:
    """Accepted rows (``data``) and rejected rows with reasons (``quarantine``).

    Invariant: ``len(data) + len(quarantine) == n_read``.
    """

    data: pd.DataFrame
    quarantine: pd.DataFrame
    mapping: ColumnMapping
    source: str
    n_read: int
    notes: list[str] = field(default_factory=list)

    def accepted_count(self) -> int:
        """How many rows were accepted."""
        return len(self.data)

    def counts(self) -> dict:
        """``{"read", "accepted", "quarantined", "by_reason"}``; accepted + quarantined = read."""
        by_reason = self.quarantine["reason"].value_counts().sort_index(kind="stable")
        by_reason = by_reason.sort_values(ascending=False, kind="stable")
        return {
            "read": self.n_read,
            "accepted": self.accepted_count(),
            "quarantined": len(self.quarantine),
            "by_reason": {str(r): int(n) for r, n in by_reason.items()},
        }

    def report(self) -> str:
        """A short, printable account of the read: counts, reasons, mapping and notes."""
        c = self.counts()
        lines = [
            f"{self.source}: read {c['read']:,} rows, accepted {c['accepted']:,}, "
            f"quarantined {c['quarantined']:,}"
        ]
        lines += [f"  {reason:<20} {n:>10,}" for reason, n in c["by_reason"].items()]
        lines += ["columns: " + "; ".join(self.mapping.describe())]
        lines += [f"note: {n}" for n in self.notes]
        return "\n".join(lines)

    def __repr__(self) -> str:
        c = self.counts()
        return (
            f"<{type(self).__name__} {self.source}: {c['accepted']:,} accepted, "
            f"{c['quarantined']:,} quarantined>"
        )


def account_for(raw, data: pd.DataFrame, quarantine: pd.DataFrame):
    """Bring a raw table's malformed rows into the quarantine (reason ``malformed_line``).

    ``raw`` is a :class:`kamlab.io.files.RawTable`. ``row`` in ``data`` and in the
    quarantine becomes the number of the row among all the file's data rows, malformed
    ones included, so that accepted and quarantined rows together number 1 to
    ``n_read`` with none missing. Several files read as one (``raw.files``) number their
    rows each on its own, and the quarantine gains :data:`~kamlab.io.files.FILE_COLUMN`,
    in file and row order. Returns ``(data, quarantine, n_read)``.
    """
    several = raw.files is not None  # each row's file, rows numbered within it
    if several:
        at = quarantine["row"].to_numpy(dtype=int) - 1
        quarantine[FILE_COLUMN] = pd.array(raw.files[at], dtype="string")
    malformed = raw.malformed is not None and len(raw.malformed) > 0
    if raw.rows is not None:
        if "row" in data.columns:
            data["row"] = raw.rows[data["row"].to_numpy(dtype=int) - 1]
        quarantine["row"] = raw.rows[quarantine["row"].to_numpy(dtype=int) - 1]
    if malformed:
        bad = raw.malformed.drop(columns="line")
        bad.insert(1, "reason", "malformed_line")
        bad = bad.reindex(columns=quarantine.columns)
        parts = [p for p in (quarantine, bad) if len(p)]
        quarantine = pd.concat(parts, ignore_index=True) if len(parts) > 1 else bad
    if several or malformed:
        order = [FILE_COLUMN, "row"] if several else ["row"]
        quarantine = quarantine.sort_values(order, kind="stable").reset_index(drop=True)
    return data, quarantine, raw.n_rows


class Reasons:
    """Per-row rejection reasons; a row keeps the first reason it is given."""

    def __init__(self, n_rows: int):
        self.reason = np.full(n_rows, None, dtype=object)
        self.detail = np.full(n_rows, None, dtype=object)

    @property
    def ok(self) -> np.ndarray:
        """True for rows with no reason (yet)."""
        return pd.isna(self.reason)

    def flag(self, mask, why: str, what: str, values: pd.Series | None = None) -> None:
        """Give reason ``why`` to rows in ``mask`` that have none, with detail ``what``,
        or ``what=<value>`` per row when ``values`` is given (built only for flagged rows,
        cut to 80 characters)."""
        mask = np.asarray(mask, dtype=bool) & self.ok
        if not mask.any():
            return
        self.reason[mask] = why
        if values is None:
            self.detail[mask] = what
        else:
            shown = values[mask].astype("string").fillna("").str.slice(0, 80)
            self.detail[mask] = (what + "=" + shown).to_numpy(dtype=object)

    def quarantine(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Rows of ``frame`` with a reason, as text, led by ``row`` (1-based), ``reason``, ``detail``."""
        bad = ~self.ok
        out = frame.loc[bad].astype("string")
        out.insert(0, "detail", self.detail[bad])
        out.insert(0, "reason", self.reason[bad])
        out.insert(0, "row", np.flatnonzero(bad) + 1)
        return out.reset_index(drop=True)
