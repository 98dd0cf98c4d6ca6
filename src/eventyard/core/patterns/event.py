"""Events seen as EventBridge sees them: leaf values by dotted path.

Objects nest paths; arrays (also arrays of objects) are "crushed" into their parent
path, so every element's leaves count at that path; an empty array is no value at all.
Dotted keys are the same as nesting. Object values are never leaves.

Crushing means that one pattern can be satisfied by fields of *different* elements of one
array of objects: ``{"d": {"a": [1], "b": [2]}}`` matches ``{"d": [{"a": 1}, {"b": 2}]}``.
event-ruler's ``rulesForJSONEvent`` is "array-consistent" and would not match (its README
deprecates the name/value API because that one is not). Whether EventBridge itself runs
that check is not recorded anywhere we could find: the EventBridge user guide only says
an array matches when any element does, no recorded AWS response covers two fields from
two elements, and LocalStack crushes as we do (we found no AWS snapshot of theirs for
this case either). Until a recorded AWS answer says otherwise, we keep crushing: it never drops an event
a rule could have wanted, where the other choice would.
"""

from __future__ import annotations

from typing import Any

from eventyard.core.patterns.ast import Leaf, Path

_NULL = Leaf("null", None)
_TRUE = Leaf("bool", True)
_FALSE = Leaf("bool", False)


def leaf(value: Any) -> Leaf | None:
    """The typed leaf of a scalar JSON value; ``None`` for objects and arrays."""
    if value is None:
        return _NULL
    if value is True:
        return _TRUE
    if value is False:
        return _FALSE
    if isinstance(value, str):
        return Leaf("string", value)
    if isinstance(value, (int, float)):
        return Leaf("number", float(value))
    return None


def flatten(event: Any) -> dict[Path, list[Leaf]]:
    """All leaves of a parsed JSON event, keyed by path (dotted keys split into parts)."""
    out: dict[Path, list[Leaf]] = {}
    # An explicit stack, in document order: events nest up to 1000 levels (core.jsondoc),
    # deeper than Python's recursion goes.
    stack: list[tuple[Any, Path]] = [(event, ())]
    while stack:
        value, path = stack.pop()
        if isinstance(value, dict):
            stack.extend((item, path + tuple(str(key).split("."))) for key, item in reversed(value.items()))
        elif isinstance(value, list):
            stack.extend((item, path) for item in reversed(value))
        else:
            found = leaf(value)
            if found is not None and path:
                out.setdefault(path, []).append(found)
    return out
