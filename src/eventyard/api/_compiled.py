"""Per-shape functions built once from botocore shapes, for the hot path.

Walking a botocore ``Shape`` tree for every request costs attribute lookups and type
branches at every node. ``compile_shape`` turns a shape into a closure once (cached by
shape identity) and shares the work between the shapes of a model; recursive shapes
are tied through a late lookup. The closures only answer the common case: when they
meet anything unusual (a wrong type, a broken constraint) the caller runs the plain
tree walker, which words the error exactly.
"""

from __future__ import annotations

from typing import Any, Callable

from botocore.model import Shape

Builder = Callable[[Shape, Callable[[Shape], Any]], Any]

_PENDING = object()
_cache: dict[tuple[str, int], tuple[Shape, Any]] = {}


def compile_shape(kind: str, shape: Shape, build: Builder, nothing: Callable[[Any], Any]) -> Any:
    """``build(shape, sub)`` once per (kind, shape); ``sub(member)`` compiles a member.

    A builder returns ``None`` when a shape needs no work; ``nothing`` is what such a
    shape does when it is reached through recursion. Within one model, shapes of the
    same name are the same definition, so the work is shared by name; a shape that is
    still being built (recursion) is reached through a function that looks it up when
    first called.
    """
    key = (kind, id(shape))
    hit = _cache.get(key)
    if hit is not None and hit[0] is shape:
        return hit[1]
    by_name: dict[str, Any] = {}

    def sub(member: Shape) -> Any:
        name = member.name
        got = by_name.get(name)
        if got is _PENDING:
            return lambda value: (by_name[name] or nothing)(value)
        if got is not None or name in by_name:
            return got
        by_name[name] = _PENDING
        made = build(member, sub)
        by_name[name] = made
        return made

    made = sub(shape)
    _cache[key] = (shape, made)  # the shape is kept alive, so its id is not reused
    return made
