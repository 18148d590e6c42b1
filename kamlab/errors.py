"""Exceptions a user can meet. Each message says what was wrong, where, and how to fix it."""

from __future__ import annotations


class KamlabError(Exception):
    """Base class: an error caused by input or configuration, not by a bug in kamlab."""


class InputError(KamlabError):
    """A data file cannot be read as asked (empty, binary, unreadable, malformed)."""


class MissingColumnError(InputError):
    """A required role (e.g. ``account_id``) has no column in the file."""

    def __init__(
        self,
        role: str,
        expected: list[str],
        found: list[str],
        source: str = "",
        *,
        hint: str | None = None,
    ):
        self.role, self.expected, self.found = role, expected, found
        where = f" in {source}" if source else ""
        hint = hint or f"Name yours with --column {role}=YOUR_COLUMN."
        super().__init__(
            f"no column for required role '{role}'{where}: expected one of "
            f"{', '.join(expected[:8])}{', ...' if len(expected) > 8 else ''}; "
            f"found columns {', '.join(map(str, found))}. {hint}"
        )


class ConfigError(KamlabError):
    """A configuration file or option is invalid."""


class OutputError(KamlabError):
    """An output cannot be written where asked (no permission, read-only or full disk,
    a file in the way, too long a name); ``path`` is where, ``errno`` the system's code."""

    def __init__(self, message: str, path: str = "", errno: int | None = None):
        self.path, self.errno = path, errno
        super().__init__(message)
