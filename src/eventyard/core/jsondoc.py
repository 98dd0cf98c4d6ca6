"""JSON documents that users send inside requests: parsed within a nesting limit, and
written back out however deep they are.

Users put JSON inside string parameters (an EventBridge ``Detail`` or ``Event``, an SNS
``Message`` with ``MessageStructure=json``, a ``String.Array`` attribute, a message body
matched by a filter policy). Every such text is parsed here, so one limit holds for all:

- ``MAX_NESTING`` (1000) is what PutEvents documents ("will only process nested JSON up
  to 1000 levels deep") and what Jackson, the parser of AWS's Java services, enforces by
  default (``StreamReadConstraints.getMaxNestingDepth()``). A deeper document is refused
  with ``TooDeep`` before any parser or recursive walk sees it.
- orjson parses without Python recursion (up to 1024 levels), but writes only 254 levels:
  ``dumps`` falls back to an iterative writer for deeper values, so an accepted document
  can always be stored, archived and delivered.
- Walks that recurse per level (the stdlib's JSON, the rule matcher crushing nested
  arrays, in Python or C) need more than Python's default 1000 frames to reach the limit
  from inside a request; a server calls ``make_room_for_nesting`` once at start-up.
"""

from __future__ import annotations

import json
import re
import sys
from typing import Any

import orjson

MAX_NESTING = 1000

__all__ = ["MAX_NESTING", "TooDeep", "dumps", "loads", "make_room_for_nesting", "nesting", "too_deep"]

# Up to three frames per level (the matcher's array walk), plus the request's own stack.
# The C stack holds this easily: Python-to-Python calls do not use it (3.11+), and the C
# walkers take a few hundred bytes per level.
_RECURSION_NEEDED = 3 * MAX_NESTING + 1000


def make_room_for_nesting() -> None:
    """Raise Python's recursion limit so that accepted documents can be walked whole."""
    if sys.getrecursionlimit() < _RECURSION_NEEDED:
        sys.setrecursionlimit(_RECURSION_NEEDED)


class TooDeep(ValueError):
    """A JSON text nested deeper than the limit."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"JSON nested deeper than {limit} levels")
        self.limit = limit


_STRING = re.compile(r'"(?:[^"\\]|\\.)*"?', re.DOTALL)  # an unterminated one runs to the end
_BRACKET = re.compile(r"[\[\]{}]")
_SURROGATE = re.compile(r"\\u[dD][89a-fA-F]")


def nesting(text: str) -> int:
    """How deeply arrays and objects nest in ``text`` (brackets inside strings do not
    count)."""
    depth = deepest = 0
    for bracket in _BRACKET.findall(_STRING.sub("", text)):
        if bracket in "[{":
            depth += 1
            if depth > deepest:
                deepest = depth
        elif depth:
            depth -= 1
    return deepest


def too_deep(text: str, limit: int = MAX_NESTING) -> bool:
    if text.count("[") + text.count("{") <= limit:
        return False  # cannot nest deeper than it has brackets
    return nesting(text) > limit


def loads(text: str | bytes, limit: int = MAX_NESTING, *, huge_floats: bool = False) -> Any:
    """Strict JSON within ``limit`` levels. Raises ``TooDeep``, or ``ValueError`` for
    anything that is not JSON (NaN and Infinity included, as Jackson refuses them).
    ``huge_floats``: a number past a double's range (``1e400``) reads as infinity, as
    Jackson reads it, instead of being refused."""
    if isinstance(text, bytes):
        text = text.decode("utf-8")  # UnicodeDecodeError is a ValueError
    if too_deep(text, limit):
        raise TooDeep(limit)
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        pass
    # orjson refuses integers past 64 bits, which JSON allows; the stdlib decides those.
    # It would also take a lone surrogate (``"\\ud800"``) that no UTF-8 writer can carry.
    if _SURROGATE.search(text):
        raise ValueError("a lone surrogate is not JSON text")
    try:
        return json.loads(text, parse_constant=_refuse_constant, parse_float=float if huge_floats else _finite)
    except RecursionError:  # the stdlib recurses in C; near the limit the stack may end first
        raise TooDeep(limit) from None


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _finite(text: str) -> float:
    value = float(text)
    if value in (_INF, -_INF):  # 1e400: orjson refuses it too, and no writer could give it back
        raise ValueError(f"{text} is out of range")
    return value


_INF = float("inf")


def dumps(value: Any) -> str:
    """Compact JSON, non-ASCII as is, at any depth and with integers of any size."""
    try:
        return orjson.dumps(value).decode()
    except (TypeError, orjson.JSONEncodeError):
        return "".join(_chunks(value))


def _scalar(value: Any) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)  # orjson stops at 64 bits
    if isinstance(value, str):
        return _string(value)
    return orjson.dumps(value).decode()  # raises TypeError for what JSON cannot hold


def _string(value: str) -> str:
    try:
        return orjson.dumps(value).decode()
    except orjson.JSONEncodeError:  # a lone surrogate: written as the stdlib writes it
        return json.dumps(value, ensure_ascii=False)


def _chunks(value: Any) -> list[str]:
    """``value`` written without recursion: an explicit stack of open containers."""
    out: list[str] = []
    stack: list[Any] = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, _Literal):
            out.append(item.text)
        elif isinstance(item, dict):
            out.append("{")
            stack.append(_CLOSE_OBJECT)
            pairs = list(item.items())
            for i in range(len(pairs) - 1, -1, -1):
                key, member = pairs[i]
                if not isinstance(key, str):
                    raise TypeError("JSON object keys must be strings")
                stack.append(member)
                stack.append(_Literal(("," if i else "") + _string(key) + ":"))
        elif isinstance(item, (list, tuple)):
            out.append("[")
            stack.append(_CLOSE_ARRAY)
            for i in range(len(item) - 1, -1, -1):
                stack.append(item[i])
                if i:
                    stack.append(_COMMA)
        else:
            out.append(_scalar(item))
    return out


class _Literal:
    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text


_CLOSE_OBJECT, _CLOSE_ARRAY, _COMMA = _Literal("}"), _Literal("]"), _Literal(",")
