"""What each matcher accepts: the one place where leaf-level semantics live.

Both the reference evaluator and the compiled matcher rely on ``matches`` for the
final word on a (matcher, leaf) pair, so they cannot disagree on it.
"""

from __future__ import annotations

import ipaddress
import re
from functools import lru_cache

from eventyard.core.patterns.ast import (
    AnythingBut,
    AnythingButIgnoreCase,
    AnythingButPrefix,
    AnythingButSuffix,
    AnythingButWildcard,
    Cidr,
    EqualsIgnoreCase,
    Exact,
    Exists,
    Leaf,
    Matcher,
    Numeric,
    Prefix,
    Suffix,
    Wildcard,
)


@lru_cache(maxsize=65536)
def wildcard_regex(pattern: str) -> re.Pattern[str]:
    """``*`` is any run of characters (possibly empty); ``\\*`` and ``\\\\`` are literals."""
    parts: list[str] = []
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\" and i + 1 < len(pattern):
            parts.append(re.escape(pattern[i + 1]))
            i += 2
            continue
        parts.append(".*" if ch == "*" else re.escape(ch))
        i += 1
    return re.compile("".join(parts), re.DOTALL)


def _fold(text: str) -> str:
    return text.casefold()


def _ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def matches(matcher: Matcher, leaf: Leaf) -> bool:
    """Does ``matcher`` accept this one leaf? (``Exists`` is decided per field, not here.)"""
    kind, value = leaf.kind, leaf.value
    if isinstance(matcher, Exact):
        want = matcher.leaf
        return want.kind == kind and want.value == value
    if isinstance(matcher, Prefix):
        if kind != "string":
            return False
        assert isinstance(value, str)
        if matcher.ignore_case:
            return _fold(value).startswith(_fold(matcher.value))
        return value.startswith(matcher.value)
    if isinstance(matcher, Suffix):
        if kind != "string":
            return False
        assert isinstance(value, str)
        if matcher.ignore_case:
            return _fold(value).endswith(_fold(matcher.value))
        return value.endswith(matcher.value)
    if isinstance(matcher, EqualsIgnoreCase):
        if kind != "string":
            return False
        assert isinstance(value, str)
        return _fold(value) == _fold(matcher.value)
    if isinstance(matcher, Wildcard):
        if kind != "string":
            return False
        assert isinstance(value, str)
        return wildcard_regex(matcher.value).fullmatch(value) is not None
    if isinstance(matcher, Numeric):
        if kind != "number":
            return False
        assert isinstance(value, float)
        if matcher.lower is not None:
            if value < matcher.lower or (value == matcher.lower and not matcher.lower_inclusive):
                return False
        if matcher.upper is not None:
            if value > matcher.upper or (value == matcher.upper and not matcher.upper_inclusive):
                return False
        return True
    if isinstance(matcher, Cidr):
        if kind != "string":
            return False
        assert isinstance(value, str)
        ip = _ip(value)
        return ip is not None and ip.version == matcher.network.version and ip in matcher.network
    if isinstance(matcher, AnythingBut):
        if kind == "string":
            return value not in matcher.strings
        if kind == "number":
            return value not in matcher.numbers
        return True  # null and booleans are never excluded
    if isinstance(matcher, (AnythingButPrefix, AnythingButSuffix, AnythingButIgnoreCase, AnythingButWildcard)):
        if kind != "string":
            return True  # non-string leaves are never excluded
        assert isinstance(value, str)
        if isinstance(matcher, AnythingButPrefix):
            return not any(value.startswith(p) for p in matcher.values)
        if isinstance(matcher, AnythingButSuffix):
            return not any(value.endswith(s) for s in matcher.values)
        if isinstance(matcher, AnythingButIgnoreCase):
            return _fold(value) not in {_fold(v) for v in matcher.values}
        return not any(wildcard_regex(w).fullmatch(value) for w in matcher.values)
    if isinstance(matcher, Exists):
        return matcher.present
    raise TypeError(f"unknown matcher {matcher!r}")


def field_holds(matchers: tuple[Matcher, ...], leaves: list[Leaf] | None) -> bool:
    """A field condition: any matcher accepts any leaf; ``exists: false`` when there is none."""
    if not leaves:
        return any(isinstance(m, Exists) and not m.present for m in matchers)
    return any(matches(m, lf) for m in matchers if not (isinstance(m, Exists) and not m.present) for lf in leaves)
