"""Input validation against botocore shapes: required, lengths, ranges, enums, patterns.

Produces ``Violation``s with Coral's lowerCamel paths (``tags.1.member.key``); how they
are worded on the wire is decided per service in ``api.dispatch``.
"""

from __future__ import annotations

import re
import sys
import unicodedata
from functools import lru_cache, partial
from typing import Any, Callable

from botocore.model import Shape

from eventyard.api._compiled import compile_shape
from eventyard.core.errors import SENSITIVE, Structure, Violation

_MAX_VIOLATIONS = 10


def _camel(name: str) -> str:
    return name[:1].lower() + name[1:]


@lru_cache(maxsize=None)
def _category_class(prefix: str) -> str:
    """Ranges for a Unicode general category (``L``, ``N``, ``Z``), built once."""
    ranges: list[tuple[int, int]] = []
    start = prev = -2
    for cp in range(sys.maxunicode + 1):
        if unicodedata.category(chr(cp)).startswith(prefix):
            if cp == prev + 1:
                prev = cp
                continue
            if start >= 0:
                ranges.append((start, prev))
            start = prev = cp
    if start >= 0:
        ranges.append((start, prev))

    def esc(cp: int) -> str:
        return "\\U%08x" % cp

    return "".join(esc(a) if a == b else f"{esc(a)}-{esc(b)}" for a, b in ranges)


_JAVA_CLASSES = {"ASCII": lambda: "\\x00-\\x7f", "L": lambda: _category_class("L"),
                 "N": lambda: _category_class("N"), "Z": lambda: _category_class("Z")}
_P_ESCAPE = re.compile(r"\\p\{(\w+)\}")
# Java reads "-" after a class escape inside [...] as itself ([\w-_] in CloudWatch Logs' model)
_CLASS_THEN_DASH = re.compile(r"(\\[wdsWDS])-(?!\])")


@lru_cache(maxsize=None)
def compile_pattern(pattern: str) -> re.Pattern[str] | None:
    """Java regex (as in AWS models) -> Python; ``None`` if it cannot be translated."""

    def replace(m: re.Match[str]) -> str:
        make = _JAVA_CLASSES.get(m.group(1))
        if make is None:
            raise ValueError(m.group(1))
        inside = _inside_class(m.string, m.start())
        return make() if inside else f"[{make()}]"

    try:
        # ASCII: Java's \w, \d and \s are ASCII-only ("café" is not a [\w+=,.@-]+ IAM name)
        java = _CLASS_THEN_DASH.sub(lambda m: m.group(1) + "\\-", pattern)
        return re.compile(_P_ESCAPE.sub(replace, java), re.DOTALL | re.ASCII)
    except (re.error, ValueError):
        return None


def _inside_class(text: str, pos: int) -> bool:
    depth, i = 0, 0
    while i < pos:
        ch = text[i]
        if ch == "\\":
            i += 2
            continue
        if ch == "[":
            depth += 1
        elif ch == "]" and depth:
            depth -= 1
        i += 1
    return depth > 0


# Members AWS's own request classes have beyond botocore's model; they show in messages.
_HIDDEN_MEMBERS: dict[str, tuple[str, ...]] = {
    "PutEventsRequestEntry": ("kmsKeyIdentifier", "internalMetadata"),
}


def _as_aws_shows(value: Any, shape: Shape) -> Any:
    """A value with its structures as ``Structure``s, for messages that print it."""
    if value is None:
        return None
    if shape.type_name == "list" and isinstance(value, list):
        return [_as_aws_shows(item, shape.member) for item in value]
    if shape.type_name == "structure" and isinstance(value, dict):
        members = [(_camel(name), _as_aws_shows(value.get(name), member)) for name, member in shape.members.items()]
        members.extend((name, None) for name in _HIDDEN_MEMBERS.get(shape.name, ()))
        return Structure(shape.name, tuple(members))
    return value


def _fmt_number(n: float) -> str:
    return str(int(n)) if float(n).is_integer() else str(n)


def validate(value: Any, shape: Shape | None, *, check_enums: bool = True) -> list[Violation]:
    if shape is None:
        return []
    value = value if value is not None else {}
    ok = compile_shape("valid+enums" if check_enums else "valid", shape, _BUILDERS[check_enums], _always)
    if ok is None or ok(value):
        return []  # the common case: nothing to report, no paths built
    found: list[Violation] = []
    _check(value, shape, "", found)
    if not check_enums:
        found = [v for v in found if v.kind != "enum"]
    return found[:_MAX_VIOLATIONS]


def _check(value: Any, shape: Shape, path: str, found: list[Violation]) -> None:
    meta = shape.metadata
    kind = shape.type_name
    if kind == "structure":
        for name in getattr(shape, "required_members", []):
            if value.get(name) is None:
                found.append(Violation(_join(path, name), None, "Member must not be null", "required"))
        for name, member in shape.members.items():
            item = value.get(name)
            if item is not None:
                _check(item, member, _join(path, name), found)
        return
    # a secret's value or a password is checked like any other, never shown in the message
    hidden = bool(meta.get("sensitive"))
    if kind in ("string", "blob", "list", "map"):
        size = len(value)
        shown = SENSITIVE if hidden else _as_aws_shows(value, shape) if kind == "list" else value
        if "min" in meta and size < meta["min"]:
            found.append(Violation(path, shown, f"Member must have length greater than or equal to {meta['min']}", "length"))
        elif "max" in meta and size > meta["max"]:
            found.append(Violation(path, shown, f"Member must have length less than or equal to {meta['max']}", "length"))
    if kind in ("integer", "long", "float", "double"):
        if "min" in meta and value < meta["min"]:
            found.append(Violation(path, value, f"Member must have value greater than or equal to {_fmt_number(meta['min'])}", "range"))
        elif "max" in meta and value > meta["max"]:
            found.append(Violation(path, value, f"Member must have value less than or equal to {_fmt_number(meta['max'])}", "range"))
    if kind == "string":
        enum = shape.enum
        if enum and value not in enum:
            found.append(Violation(path, SENSITIVE if hidden else value,
                                   f"Member must satisfy enum value set: [{', '.join(enum)}]", "enum"))
        pattern = meta.get("pattern")
        if pattern:
            compiled = compile_pattern(pattern)
            if compiled is not None and compiled.fullmatch(value) is None:
                found.append(Violation(path, SENSITIVE if hidden else value,
                                       f"Member must satisfy regular expression pattern: {pattern}", "pattern"))
    elif kind == "list":
        for i, item in enumerate(value):
            if item is not None:
                _check(item, shape.member, f"{path}.{i + 1}.member", found)
    elif kind == "map":
        for key, item in value.items():
            _check(key, shape.key, path, found)
            if item is not None:
                _check(item, shape.value, f"{path}.{key}", found)


def _join(path: str, name: str) -> str:
    return f"{path}.{_camel(name)}" if path else _camel(name)


# -- the compiled check: True when ``_check`` would find nothing ----------------------
Check = Callable[[Any], bool]


def _always(value: Any) -> bool:
    return True


def _build(shape: Shape, sub: Callable[[Shape], Check | None], enums: bool) -> Check | None:
    """What ``_check`` checks at this shape, as one function; ``None`` if nothing."""
    meta = shape.metadata
    kind = shape.type_name
    if kind == "structure":
        required = tuple(getattr(shape, "required_members", []))
        members = tuple((name, check) for name, member in shape.members.items()
                        if (check := sub(member)) is not None)
        if not required and not members:
            return None

        def structure(value: Any) -> bool:
            get = value.get
            for name in required:
                if get(name) is None:
                    return False
            for name, check in members:
                item = get(name)
                if item is not None and not check(item):
                    return False
            return True
        return structure
    low, high = meta.get("min"), meta.get("max")
    if kind in ("integer", "long", "float", "double"):
        if low is None and high is None:
            return None
        lo = float("-inf") if low is None else low
        hi = float("inf") if high is None else high
        return lambda value: lo <= value <= hi
    if kind not in ("string", "blob", "list", "map"):
        return None
    lo = 0 if low is None else low
    hi = float("inf") if high is None else high
    sized = low is not None or high is not None
    if kind == "string":
        enum = frozenset(shape.enum) if enums and shape.enum else None
        pattern = compile_pattern(meta["pattern"]) if meta.get("pattern") else None
        fullmatch = pattern.fullmatch if pattern is not None else None
        if not sized and enum is None and fullmatch is None:
            return None

        def string(value: Any) -> bool:
            if not lo <= len(value) <= hi:
                return False
            if enum is not None and value not in enum:
                return False
            return fullmatch is None or fullmatch(value) is not None
        return string
    if kind == "blob":
        return (lambda value: lo <= len(value) <= hi) if sized else None
    if kind == "list":
        item_check = sub(shape.member)
        if item_check is None:
            return (lambda value: lo <= len(value) <= hi) if sized else None

        def items(value: Any) -> bool:
            if not lo <= len(value) <= hi:
                return False
            for item in value:
                if item is not None and not item_check(item):
                    return False
            return True
        return items
    key_check, value_check = sub(shape.key), sub(shape.value)
    if key_check is None and value_check is None:
        return (lambda value: lo <= len(value) <= hi) if sized else None

    def mapping(value: Any) -> bool:
        if not lo <= len(value) <= hi:
            return False
        for key, item in value.items():
            if key_check is not None and not key_check(key):
                return False
            if item is not None and value_check is not None and not value_check(item):
                return False
        return True
    return mapping


_BUILDERS = {enums: partial(_build, enums=enums) for enums in (True, False)}
