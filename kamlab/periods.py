"""Reporting periods: ``2026Q3`` (quarter), ``2026-09`` (month) or ``2026`` (year)."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

from kamlab.errors import ConfigError

_QUARTER = re.compile(r"^(\d{4})-?Q([1-4])$", re.IGNORECASE)
_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
_YEAR = re.compile(r"^(\d{4})$")


@dataclass(frozen=True)
class ReportPeriod:
    """A named reporting period with its first and last day (both inclusive)."""

    label: str
    start: pd.Timestamp
    end: pd.Timestamp

    def previous(self) -> ReportPeriod:
        """The period of the same length just before this one."""
        return parse_period(str(self._pandas() - 1))

    def _pandas(self) -> pd.Period:
        freq = "Q" if "Q" in self.label else ("M" if "-" in self.label else "Y")
        return pd.Period(self.label, freq=freq)


def parse_period(text: str) -> ReportPeriod:
    """``"2026Q3"`` -> 2026-07-01 .. 2026-09-30; also ``"2026-09"`` and ``"2026"``."""
    text = str(text).strip()
    if m := _QUARTER.match(text):
        p = pd.Period(f"{m[1]}Q{m[2]}", freq="Q")
    elif m := _MONTH.match(text):
        p = pd.Period(text, freq="M")
    elif m := _YEAR.match(text):
        p = pd.Period(text, freq="Y")
    else:
        raise ConfigError(
            f"period {text!r}: expected a quarter (2026Q3), a month (2026-09) or a year (2026)"
        )
    return ReportPeriod(str(p), p.start_time.normalize(), p.end_time.normalize())


def period_of(date) -> ReportPeriod:
    """The quarter a date falls in."""
    return parse_period(str(pd.Timestamp(date).to_period("Q")))
