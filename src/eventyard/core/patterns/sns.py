"""SNS subscription filter policies, on the event-pattern engine.

A filter policy is an event pattern with SNS's own rules: an older event-ruler (no
``wildcard``, ``exactly`` or prefix/suffix ``equals-ignore-case``; anything-but takes a
single ``{"prefix": ...}`` object; numbers within +-5e9), SNS's limits, and errors as
``InvalidParameter``: ``Invalid parameter: FilterPolicy: <reason>`` from
SetSubscriptionAttributes, ``Invalid parameter: Attributes Reason: FilterPolicy: <reason>``
from Subscribe.

Limits (SNS developer guide, "Filter policy constraints"):
- at most 5 keys: every key under ``MessageAttributes`` (which allows no nesting), only
  the top-level keys under ``MessageBody``;
- at most 150 combinations: summed over the ``$or`` branches, the product over each
  branch's fields of (number of values x nesting depth) (the guide's 3 x 4 x 2 x 3 = 72);
- at most 256 KB of policy text.

Matching: ``message_attributes_event`` turns message attributes into the JSON object the
engine matches; ``MessageBody`` policies match the parsed message (``message_body_event``).
An empty policy (``""`` or ``{}``) filters nothing.
"""

from __future__ import annotations

import math
from decimal import Decimal
import re
from collections.abc import Mapping
from typing import Any, Literal

from eventyard.core import jsondoc
from eventyard.core.patterns import json_syntax
from eventyard.core.patterns import _json
from eventyard.core.patterns._ruler import Dialect, RawBranch, RuleError, compile_rule
from eventyard.core.patterns.ast import AnythingBut, Branch, Exact, FieldCondition, Leaf, Matcher, Numeric, Pattern
from eventyard.core.patterns.errors import InvalidFilterPolicy
from eventyard.core.patterns.parse import build_pattern

__all__ = [
    "FilterPolicyScope",
    "MATCH_ALL",
    "message_attributes_event",
    "message_body_event",
    "comparable",
    "parse_filter_policy",
]

FilterPolicyScope = Literal["MessageAttributes", "MessageBody"]
MAX_KEYS = 5
MAX_COMBINATIONS = 150
MAX_POLICY_BYTES = 256 * 1024
TOO_COMPLEX = "Filter policy is too complex"
MATCH_ALL = Pattern((Branch(()),))  # no policy: every message passes

SNS = Dialect(
    match_types=frozenset({"prefix", "suffix", "equals-ignore-case", "anything-but", "numeric", "exists", "cidr"}),
    anything_but_ops=frozenset({"prefix"}),
    legacy_anything_but=True,
    nested_ignore_case=False,
    number_limit=5e9,
    max_branches=MAX_COMBINATIONS,  # each branch adds at least one combination
    too_many_branches=TOO_COMPLEX,
)
_JSON_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")


def parse_filter_policy(
    text: str, scope: str = "MessageAttributes", *, subscribe: bool = False
) -> Pattern:
    """Parse and validate a filter policy. Raises ``InvalidFilterPolicy``.

    ``scope`` is the subscription's FilterPolicyScope as the caller gave it: a name that
    is not a ``FilterPolicyScope`` is refused as AWS refuses it.

    ``subscribe=True`` phrases errors as the Subscribe call does (``Attributes Reason:``).
    """
    prefix = "Invalid parameter: Attributes Reason: " if subscribe else "Invalid parameter: "

    def refuse(reason: str, *, bare: bool = False) -> InvalidFilterPolicy:
        return InvalidFilterPolicy(prefix + ("" if bare else "FilterPolicy: ") + reason)

    if scope not in ("MessageAttributes", "MessageBody"):
        raise InvalidFilterPolicy(
            f"Invalid parameter: FilterPolicyScope: Invalid value [{scope}]. "
            "Please use either MessageBody or MessageAttributes"
        )
    if len(text.encode("utf-8")) > MAX_POLICY_BYTES:
        raise refuse("Filter policy is too long")
    if not text.strip(" \t\r\n"):
        return MATCH_ALL
    try:
        if not text.lstrip(" \t\r\n").startswith("{") and _json.first_token_is_value(text):
            raise RuleError("Filter is not an object")
        try:
            root = _json.load(text)
        except _json.JsonSyntaxError as exc:
            located = json_syntax.syntax_error(text)  # SNS ends the reason with Jackson's location
            raise refuse("failed to parse JSON. " + (str(located) if located else exc.reason)) from None
        if not isinstance(root, _json.Obj):
            raise RuleError("Filter is not an object")
        if not root:
            return MATCH_ALL
        branches = compile_rule(root, SNS)
    except RuleError as exc:
        raise refuse(exc.reason) from None
    except RecursionError:
        raise refuse("failed to parse JSON. " + _json.TOO_DEEP) from None
    if scope == "MessageAttributes" and any(f.depth > 1 for b in branches for f in b.values()):
        raise refuse("Filter policy scope MessageAttributes does not support nested filter policy", bare=True)
    if len({f.top_key for b in branches for f in b.values()}) > MAX_KEYS:
        raise refuse("Filter policy can not have more than 5 keys")
    if combinations(branches) > MAX_COMBINATIONS:
        raise refuse(TOO_COMPLEX)
    return _with_comparable_numbers(build_pattern(branches))


# -- numbers at SNS's precision --------------------------------------------------------------
# SNS compares numbers with five digits after the decimal point (the developer guide's
# "Filter policy constraints"): both sides are mapped to the same grid before matching,
# so 1.000001 equals 1.000004 and is not greater than 1. The grid is counted from -5e9
# (SNS's lowest number) to keep it monotonic; its values stay exact in a double.
PRECISION = 10**5
_OFFSET = 5 * 10**9


def comparable(value: float) -> float:
    """A number as SNS compares it. Scaled as the decimal the number was written as (its
    shortest repr), so that 1.00001 is on the grid line it names."""
    if not math.isfinite(value):
        return value
    return float(math.floor(Decimal(repr(value)) * PRECISION) + _OFFSET * PRECISION)


def _matcher_at_precision(matcher: Matcher) -> Matcher:
    if isinstance(matcher, Exact) and matcher.leaf.kind == "number" and isinstance(matcher.leaf.value, float):
        return Exact(Leaf("number", comparable(matcher.leaf.value)))
    if isinstance(matcher, Numeric):
        return Numeric(None if matcher.lower is None else comparable(matcher.lower), matcher.lower_inclusive,
                       None if matcher.upper is None else comparable(matcher.upper), matcher.upper_inclusive)
    if isinstance(matcher, AnythingBut) and matcher.numbers:
        return AnythingBut(strings=matcher.strings, numbers=frozenset(comparable(n) for n in matcher.numbers))
    return matcher


def _with_comparable_numbers(pattern: Pattern) -> Pattern:
    return Pattern(tuple(
        Branch(tuple(FieldCondition(c.path, tuple(_matcher_at_precision(m) for m in c.matchers))
                     for c in branch.conditions))
        for branch in pattern.branches))


def _number_at_precision(value: Any) -> Any:
    if not _is_number(value):
        return value
    try:
        return comparable(float(value))
    except OverflowError:  # an integer beyond any double: as far as a double goes (no policy reaches it)
        return math.inf if value > 0 else -math.inf


def _body_at_precision(value: Any) -> Any:
    """A parsed message body with its numbers on SNS's grid (iteratively: bodies may nest deep)."""
    if not isinstance(value, (dict, list)):
        return _number_at_precision(value)
    root: Any = {} if isinstance(value, dict) else []
    stack: list[tuple[Any, Any]] = [(value, root)]
    while stack:
        source, target = stack.pop()
        items = source.items() if isinstance(source, dict) else enumerate(source)
        for key, item in items:
            if isinstance(item, (dict, list)):
                child: Any = {} if isinstance(item, dict) else []
                stack.append((item, child))
            else:
                child = _number_at_precision(item)
            if isinstance(target, dict):
                target[key] = child
            else:
                target.append(child)
    return root


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def combinations(branches: list[RawBranch]) -> int:
    """SNS's complexity count: sum over branches of the product of (values x depth)."""
    return sum(math.prod(len(f.matchers) * f.depth for f in b.values()) for b in branches)


def message_attributes_event(attrs: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """The JSON object a ``MessageAttributes`` policy is matched against.

    Accepts the Publish form (``DataType``/``StringValue``) and the notification form
    (``Type``/``Value``). ``String.Array`` values are JSON arrays, ``Number`` values are
    numbers (all numbers as ``comparable`` puts them), ``Binary`` attributes are ignored
    (SNS never filters on them).
    """
    event: dict[str, Any] = {}
    for name, attr in attrs.items():
        kind = attr.get("DataType", attr.get("Type"))
        value = attr.get("StringValue", attr.get("Value"))
        if not isinstance(kind, str) or not isinstance(value, str):
            continue
        base = kind.split(".", 1)[0]
        if kind == "String.Array":
            try:
                parsed = jsondoc.loads(value)
            except ValueError:
                parsed = value  # Publish refuses these; keep the text rather than guess
            event[name] = _body_at_precision(parsed) if isinstance(parsed, list) else value
        elif base == "String":
            event[name] = value
        elif base == "Number":
            if _JSON_NUMBER.fullmatch(value.strip()):
                event[name] = comparable(float(value))
    return event


def message_body_event(message: str) -> dict[str, Any] | None:
    """The parsed message for ``MessageBody`` policies; None when it is not a JSON object
    (such a message matches no body policy)."""
    try:
        parsed = jsondoc.loads(message, huge_floats=True)
    except ValueError:  # not JSON, or nested past what AWS parses
        return None
    return _body_at_precision(parsed) if isinstance(parsed, dict) else None
