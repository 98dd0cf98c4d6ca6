"""IAM's wildcards: ``*`` is any run of characters (also none), ``?`` exactly one.

Policy variables (``${aws:username}``, ``${aws:PrincipalTag/team, 'none'}``, and the
escapes ``${*}``, ``${?}``, ``${$}``) are replaced by what the request says before a
pattern is matched; what a variable brings in is taken literally, never as a wildcard.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Callable

# key -> its value in the request, None when the request has none
Lookup = Callable[[str], "str | None"]

_VARIABLE = re.compile(r"\$\{([^}]*)\}")
_ESCAPES = {"*": "*", "?": "?", "$": "$"}
_DEFAULT = re.compile(r"^\s*([^,]+?)\s*,\s*'([^']*)'\s*$")


@lru_cache(maxsize=4096)
def _compiled(pattern: str, ignore_case: bool) -> re.Pattern[str]:
    return re.compile(_regex(pattern), re.DOTALL | (re.IGNORECASE if ignore_case else 0))


def _regex(pattern: str) -> str:
    return "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)


def matches(pattern: str, value: str, *, ignore_case: bool = False) -> bool:
    """Whether ``value`` is matched by ``pattern`` as a whole."""
    if "*" not in pattern and "?" not in pattern:
        return pattern.lower() == value.lower() if ignore_case else pattern == value
    return _compiled(pattern, ignore_case).fullmatch(value) is not None


def arn_matches(pattern: str, value: str) -> bool:
    """ArnLike/ArnEquals: each of the six colon-separated parts is matched on its own,
    so ``*`` never reaches across a colon of the first five."""
    wanted, actual = pattern.split(":", 5), value.split(":", 5)
    if len(wanted) != 6 or len(actual) != 6:
        return False
    return all(matches(w, a) for w, a in zip(wanted, actual))


def has_variables(pattern: str) -> bool:
    return "${" in pattern


def _pieces(pattern: str, lookup: Lookup) -> list[tuple[str, bool]] | None:
    """The pattern as (text, literal) pieces with its variables replaced; None when a
    variable has no value and no default (the pattern then matches nothing)."""
    pieces: list[tuple[str, bool]] = []
    at = 0
    for found in _VARIABLE.finditer(pattern):
        pieces.append((pattern[at:found.start()], False))
        inner = found.group(1)
        if inner in _ESCAPES:
            pieces.append((_ESCAPES[inner], True))
        else:
            default = _DEFAULT.match(inner)
            key, fallback = (default.group(1), default.group(2)) if default else (inner.strip(), None)
            value = lookup(key.lower())
            if value is None:
                value = fallback
            if value is None:
                return None
            pieces.append((value, True))
        at = found.end()
    pieces.append((pattern[at:], False))
    return pieces


def substituted(pattern: str, lookup: Lookup) -> str | None:
    """The pattern's text with its variables replaced (for exact comparisons)."""
    pieces = _pieces(pattern, lookup)
    return None if pieces is None else "".join(text for text, _ in pieces)


def matches_template(pattern: str, value: str, lookup: Lookup, *, ignore_case: bool = False) -> bool:
    """``matches`` for a pattern that may hold policy variables."""
    if not has_variables(pattern):
        return matches(pattern, value, ignore_case=ignore_case)
    pieces = _pieces(pattern, lookup)
    if pieces is None:
        return False
    regex = "".join(re.escape(text) if literal else _regex(text) for text, literal in pieces)
    return re.fullmatch(regex, value, re.DOTALL | (re.IGNORECASE if ignore_case else 0)) is not None
