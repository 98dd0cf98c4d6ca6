"""IAM's wildcards: ``*`` is any run of characters (also none), ``?`` exactly one."""

from __future__ import annotations

import re
from functools import lru_cache


@lru_cache(maxsize=4096)
def _compiled(pattern: str, ignore_case: bool) -> re.Pattern[str]:
    parts = (".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile("".join(parts), re.DOTALL | (re.IGNORECASE if ignore_case else 0))


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
