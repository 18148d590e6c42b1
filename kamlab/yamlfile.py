"""Reading YAML configuration safely: bounded in size and effort, one-line errors.

Every YAML file kamlab reads (the criteria, the cost-to-serve rates, a columns file,
``report.yaml``) goes through :func:`read_yaml`, which holds these limits:

- **size**: at most :data:`MAX_BYTES` (1 MB) is read; a larger file is refused before it
  is parsed (a configuration file is a few KB);
- **aliases**: the values reached through aliases (``*name``), nested ones counted in
  full, are at most :data:`MAX_ALIAS_VALUES` (500); a "billion laughs" alias bomb is
  refused after reading a few hundred events, in milliseconds and without memory growth.
  An alias inside the value it names (a recursive structure) is refused;
- **nesting**: at most :data:`MAX_DEPTH` (32) levels of lists and mappings;
- **values**: at most :data:`MAX_VALUES` (10,000) values (texts, numbers, lists,
  mappings and aliases; keys included) in the file, so any file is read in well under a
  second (with libyaml; about 1.5 s at worst with PyYAML's pure-Python parser);
- **plain YAML only**: ``yaml.SafeLoader`` (its C version when libyaml is there): tags
  such as ``!!python/object`` are refused, nothing runs;
- **no silent surprises**: a key given twice in one mapping is refused (YAML readers
  keep the last silently); a value YAML cannot build (``2026-02-30``, an integer of
  thousands of digits) is refused with its line;
- **text**: UTF-8 (a byte-order mark is allowed); the top level must be ``key: value``
  lines; an empty file (or one of comments only) is refused.

Every refusal is a :class:`~kamlab.errors.ConfigError` of one line,
``FILE, line N: cannot read WHAT: PROBLEM; FIX``. :func:`number` and :func:`text` check
the values read, the same way for every file.
"""

from __future__ import annotations

import math
import re
import reprlib
from importlib.resources.abc import Traversable
from pathlib import Path

import yaml
from yaml.constructor import ConstructorError

from kamlab.errors import ConfigError

__all__ = [
    "MAX_ALIAS_VALUES",
    "MAX_BYTES",
    "MAX_DEPTH",
    "MAX_VALUES",
    "number",
    "read_yaml",
    "shown",
    "text",
]

MAX_BYTES = 1_000_000
"""The largest YAML file read (1 MB); configuration files are a few KB."""
MAX_ALIAS_VALUES = 500
"""The most values an alias may stand for, over the whole file (nested aliases counted
in full): ordinary reuse (``<<: *defaults``) needs tens; an alias bomb needs billions."""
MAX_DEPTH = 32
"""The deepest nesting of lists and mappings; kamlab's files need five levels at most."""
MAX_VALUES = 10_000
"""The most values a file may hold; kamlab's shipped criteria hold about 300."""

_SAFE = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_MERGE = "tag:yaml.org,2002:merge"
_SYNTAX_FIX = "check the indentation, quotes, brackets and colons on that line or the one before"


class _Loader(_SAFE):  # type: ignore[misc, valid-type]
    """The safe loader, refusing a key given twice and turning a value YAML cannot build
    (``ValueError`` and friends) into a marked error."""

    def construct_object(self, node, deep=False):
        try:
            return super().construct_object(node, deep)
        except (ValueError, TypeError, OverflowError) as exc:
            raise ConstructorError(
                None,
                None,
                f"the value {shown(node.value)} is not valid ({_one_line(str(exc)).split(';')[0]})",
                node.start_mark,
            ) from exc

    def construct_mapping(self, node, deep=False):
        seen = set()
        for key_node, _ in node.value if isinstance(node, yaml.MappingNode) else ():
            if key_node.tag == _MERGE:
                continue
            key = self.construct_object(key_node, deep=True)
            try:
                duplicate = key in seen
                seen.add(key)
            except TypeError:  # unhashable: the loader says so below
                continue
            if duplicate:
                raise ConstructorError(
                    None, None, f"the key {shown(key)} is given twice", key_node.start_mark
                )
        return super().construct_mapping(node, deep)


class _Refused(Exception):
    def __init__(self, mark, problem: str, fix: str):
        super().__init__(problem)
        self.mark, self.problem, self.fix = mark, problem, fix


def read_yaml(
    path: str | Path | Traversable,
    what: str,
    *,
    name: str | None = None,
    template: str | None = None,
    fix: str | None = None,
) -> dict:
    """The ``key: value`` mapping of the YAML file ``path``, read within the limits above.

    ``what`` names the content in messages (``"the criteria"``), ``name`` the file
    (default: ``path``); ``template`` is the shipped file to copy, named in the fix for
    an empty file or a wrong top level (or ``fix`` says what to write). Raises
    :class:`~kamlab.errors.ConfigError` with a one-line message.
    """
    where = name or str(path)
    start = f"cannot read {what}"
    copy = fix or (f"copy {template} and change what you need" if template else "see its docs")
    content = _text_of(path if isinstance(path, Traversable) else Path(path), where, start)
    try:
        _check_events(content)
        data = yaml.load(content, Loader=_Loader)  # noqa: S506 - _Loader is a SafeLoader
    except _Refused as exc:
        raise ConfigError(_line(where, exc.mark, f"{start}: {exc.problem}; {exc.fix}")) from None
    except yaml.MarkedYAMLError as exc:
        raise ConfigError(_marked(where, start, exc)) from None
    except yaml.reader.ReaderError as exc:
        line = content.count("\n", 0, max(exc.position, 0)) + 1
        raise ConfigError(
            f"{where}, line {line}: {start}: it holds a control character (#x{exc.character:x}) "
            "YAML does not allow; remove it"
        ) from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{where}: {start}: {_one_line(str(exc))}; {_SYNTAX_FIX}") from None
    if data is None:
        raise ConfigError(f"{where}: {start}: the file is empty (or only comments); {copy}")
    if not isinstance(data, dict):
        raise ConfigError(
            f"{where}: {start}: expected 'key: value' lines at the top level, got "
            f"{_kind(data)}; {copy}"
        )
    return data


def _text_of(path: Path | Traversable, where: str, start: str) -> str:
    """The file's text: at most MAX_BYTES read (a pipe or ``/dev/zero`` cannot hang it)."""
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_BYTES + 1)
    except FileNotFoundError:
        raise ConfigError(f"{where}: {start}: no such file; check the path") from None
    except IsADirectoryError:
        raise ConfigError(f"{where}: {start}: this is a folder; give the YAML file in it") from None
    except PermissionError:
        raise ConfigError(f"{where}: {start}: permission denied; make it readable") from None
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise ConfigError(f"{where}: {start}: {reason}; check the path") from None
    if len(raw) > MAX_BYTES:
        raise ConfigError(
            f"{where}: {start}: the file is larger than {MAX_BYTES // 1_000_000} MB, the limit "
            "for a configuration file; check it is the right file"
        )
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise ConfigError(
            f"{where}, line {line}: {start}: not UTF-8 text (byte 0x{raw[exc.start]:02x}); "
            "save the file as UTF-8"
        ) from None


def _check_events(content: str) -> None:
    """Walk the file's events once, before anything is built: refuse more than
    MAX_VALUES values, nesting beyond MAX_DEPTH, an alias inside the value it names, and
    aliases standing for more than MAX_ALIAS_VALUES values in all (each alias counts
    every value under its anchor)."""
    sizes: dict[str, int] = {}  # anchor -> values under it, aliases expanded
    open_: list[list] = []  # [anchor, values so far] of each open list or mapping
    expanded = written = 0
    for event in yaml.parse(content, Loader=_SAFE):
        if isinstance(event, yaml.NodeEvent):  # a text, number, list, mapping or alias
            written += 1
            if written > MAX_VALUES:
                raise _Refused(
                    event.start_mark,
                    f"the file holds more than {MAX_VALUES:,} values (keys included)",
                    "a configuration file holds a few hundred; check it is the right file",
                )
        if isinstance(event, yaml.CollectionStartEvent):
            if len(open_) >= MAX_DEPTH:
                raise _Refused(
                    event.start_mark,
                    f"lists and mappings are nested more than {MAX_DEPTH} levels deep",
                    "a configuration file needs a few levels; check the file",
                )
            open_.append([event.anchor, 1])
            continue
        if isinstance(event, yaml.CollectionEndEvent):
            anchor, size = open_.pop()
        elif isinstance(event, yaml.ScalarEvent):
            anchor, size = event.anchor, 1
        elif isinstance(event, yaml.AliasEvent):
            if any(event.anchor == a for a, _ in open_):
                raise _Refused(
                    event.start_mark,
                    f"the alias *{event.anchor} is inside the value it names",
                    "write the value out",
                )
            anchor, size = None, sizes.get(event.anchor, 1)
            expanded += size
            if expanded > MAX_ALIAS_VALUES:
                raise _Refused(
                    event.start_mark,
                    f"the aliases stand for more than {MAX_ALIAS_VALUES} values (an alias bomb?)",
                    "write the values out, or use fewer aliases",
                )
        else:
            continue
        if anchor is not None:
            sizes[anchor] = size
        if open_:
            open_[-1][1] += size


def _marked(where: str, start: str, exc: yaml.MarkedYAMLError) -> str:
    """PyYAML's multi-line message as one line: the file, the line, the problem, a fix."""
    mark = exc.problem_mark or exc.context_mark
    problem = _one_line(exc.problem or exc.context or "not valid YAML")
    if isinstance(exc, ConstructorError):
        if "constructor for the tag" in problem:
            tag = re.sub(r".*tag '?([^']*)'?.*", r"\1", problem).replace("tag:yaml.org,2002:", "!!")
            problem, fix = (
                f"the tag {tag} is not plain YAML",
                "remove the tag (kamlab runs nothing)",
            )
        elif "given twice" in problem:
            fix = "keep one of them"
        else:
            fix = "correct the value (quote it to keep it as text)"
    else:
        if exc.context and exc.problem and exc.context not in problem:
            problem = f"{problem} ({_one_line(exc.context)})"
        fix = _SYNTAX_FIX
    return _line(where, mark, f"{start}: {problem}; {fix}")


def _line(where: str, mark, message: str) -> str:
    return (
        f"{where}, line {mark.line + 1}: {message}" if mark is not None else f"{where}: {message}"
    )


def _one_line(message: str) -> str:
    return re.sub(r"\s+", " ", message).strip()


# --- checking the values read ---------------------------------------------------------------

_SHORT = reprlib.Repr()
_SHORT.maxlevel, _SHORT.maxlist, _SHORT.maxdict, _SHORT.maxstring, _SHORT.maxother = 2, 4, 4, 40, 40


def shown(value: object) -> str:
    """``value`` for a one-line message: short (a long or deeply nested value is cut) and
    with its line breaks escaped."""
    return _one_line(_SHORT.repr(value))


def _kind(value: object) -> str:
    if isinstance(value, list):
        return f"a list {shown(value)}"
    if isinstance(value, dict):
        return f"a mapping {shown(value)}"
    return shown(value)


def _bound(low: float | None, high: float | None, above: bool, below: bool) -> str:
    """``between 0 and 1`` (both included), else ``> 0``, ``<= 10``, ``> 1 and <= 10``."""
    if low is not None and high is not None and not above and not below:
        return f"between {low:g} and {high:g}"
    lo = None if low is None else f"{'>' if above else '>='} {low:g}"
    hi = None if high is None else f"{'<' if below else '<='} {high:g}"
    return " and ".join(part for part in (lo, hi) if part)


def number(
    value: object,
    where: str,
    key: str,
    *,
    low: float | None = 0.0,
    high: float | None = None,
    above: bool = False,
    below: bool = False,
    whole: bool = False,
    meaning: str = "",
) -> float:
    """``value`` as a finite float (an int when ``whole``) within ``low`` / ``high``
    (``above`` / ``below``: strictly); else a :class:`ConfigError` naming ``where`` and
    ``key``, the range, the value and the fix. Booleans are not numbers (YAML reads
    ``yes``/``no``/``on``/``off`` as true/false), nor are lists, mappings or text."""
    bound = _bound(low, high, above, below)
    kind = "a whole number" if whole else "a number" if bound else "a finite number"
    rule = f"{key} must be {kind} {bound}".rstrip() + (f" ({meaning})" if meaning else "")
    fix = _number_fix(value)
    if fix is None:
        x = float(value)  # type: ignore[arg-type]
        ok = (
            (low is None or (x > low if above else x >= low))
            and (high is None or (x < high if below else x <= high))
            and (not whole or x.is_integer())
        )
        if ok:
            return int(x) if whole else x
        fix = "give a value in that range"
    raise ConfigError(f"{where}: {rule}, got {_kind(value)}; {fix}")


def _number_fix(value: object) -> str | None:
    """Why ``value`` is not a finite number, as the fix to make; ``None`` when it is one."""
    if isinstance(value, bool):
        return "YAML reads yes/no/on/off/true/false as a yes-or-no value: write a number"
    if isinstance(value, list | tuple | dict | set):
        return "give one number"
    if isinstance(value, int | float):
        try:
            finite = math.isfinite(value)
        except OverflowError:  # an int too large for a float
            finite = False
        return None if finite else "give a finite number"
    if isinstance(value, str):
        try:
            float(value)
        except ValueError:
            return "write a number such as 12.5"
        return "YAML reads this as text: write it as a plain number such as 1000 or 1.0e+3"
    return "write a number such as 12.5"


def text(value: object, where: str, key: str, *, example: str, numbers: bool = False) -> str:
    """``value`` as non-empty text, stripped (a whole number taken as its text when
    ``numbers``: a column may be named ``2024``); else a :class:`ConfigError` naming
    ``key`` with ``example`` as the fix. ``yes``/``no``/``on``/``off`` are not text in
    YAML (they are true/false): quote them."""
    if isinstance(value, str) and value.strip():
        return value.strip()
    if numbers and isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    fix = (
        "quote it: YAML reads yes/no/on/off/true/false as a yes-or-no value"
        if isinstance(value, bool)
        else f"write text such as {example}"
    )
    what = "text or a whole number" if numbers else "text"
    raise ConfigError(f"{where}: {key} must be {what}, got {_kind(value)}; {fix}")
