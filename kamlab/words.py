"""How kamlab writes a count of things in the lines a person reads: ``1 account``,
``2,000 accounts``, never ``account(s)``. The bottom layer: every other layer's notes and
messages use it, and :mod:`kamlab.presentation.format` hands it on to the pages."""

from __future__ import annotations

__all__ = ["agreeing", "counted"]


def counted(n: int, noun: str, plural: str | None = None) -> str:
    """``n`` with thousands separators and the noun, singular for one: ``counted(1,
    "account")`` -> ``1 account``, ``counted(2000, "line")`` -> ``2,000 lines``;
    ``plural`` where adding an s is wrong."""
    return f"{n:,} {noun if n == 1 else plural or noun + 's'}"


def agreeing(n: int, one: str = "is", more: str = "are") -> str:
    """The verb that agrees with a count of ``n``, for the words after :func:`counted`:
    ``agreeing(1)`` -> ``is``, ``agreeing(3)`` -> ``are``; ``agreeing(n, "was", "were")``."""
    return one if n == 1 else more
