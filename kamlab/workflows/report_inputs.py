"""The report's first step, run in a child process of its own: read and validate every
input into the run's cache (:func:`~kamlab.workflows.period.read_inputs`) and write the
quarantines. It lives apart from :mod:`kamlab.report` so that the child imports only the
reading side of kamlab, not papermill, nbformat and the publishing (seconds of imports).
"""

from __future__ import annotations

from pathlib import Path

from kamlab.errors import ConfigError, KamlabError, OutputError
from kamlab.periods import parse_period
from kamlab.plans import read_plans
from kamlab.safe import write_csv, writing
from kamlab.workflows.period import (
    covered_until,
    known_accounts,
    read_contacts_file,
    read_inputs,
)

__all__ = ["read_into_cache"]


def read_into_cache(
    paths: tuple,
    columns,
    read_options,
    quarantine: Path,
    where: str,
    extras: tuple,
    period: str | None = None,
):
    """Read, validate and cache the inputs; write the quarantines. Returns ``(rows, None)``
    (the row counts) or ``(None, (kind, message, path, errno))`` (kamlab's errors travel as text: not every one can be pickled). ``extras``:
    the plans folder and the contacts file (or None), checked here too: the plans' accounts
    must be in the data or the accounts file; the contacts' rejected rows are written
    beside the transactions' quarantine as ``contacts_quarantine.csv``. ``period``: the
    report's period, refused here when the data end before it begins; the last day the
    report covers (:func:`~kamlab.workflows.period.covered_until`) is ``rows["until"]``."""
    try:
        tx, acc, previous = read_inputs(*paths, columns=columns, read_options=read_options)
        rows = {"transactions": tx.counts(), **({"accounts": acc.counts()} if acc else {})}
        if period:
            rows["until"] = covered_until(tx, str(parse_period(period).end.date()), period)
        if previous is not None:
            rows["previous_accounts"] = previous.counts()
        plans, contacts_path = extras
        contacts = read_contacts_file(contacts_path, acc) if contacts_path else None
        if plans:
            rows["plans"] = len(read_plans(plans, known_accounts=known_accounts(tx, acc)))
        with writing(where):
            write_csv(tx.quarantine, quarantine, index=False)
            if contacts is not None:
                rows["contacts"] = contacts.counts()
                if len(contacts.quarantine):
                    where_to = quarantine.with_name("contacts_quarantine.csv")
                    write_csv(contacts.quarantine, where_to, index=False)
        return rows, None
    except KamlabError as exc:
        kind = (
            "output"
            if isinstance(exc, OutputError)
            else "config"
            if isinstance(exc, ConfigError)
            else "input"
        )
        return None, (kind, str(exc), getattr(exc, "path", ""), getattr(exc, "errno", None))
