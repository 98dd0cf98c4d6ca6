"""Condition operators: ``String*``, ``Arn*``, ``Numeric*``, ``Date*``, ``Bool``,
``BinaryEquals``, ``IpAddress``/``NotIpAddress`` and ``Null``, each optionally with the
``IfExists`` suffix and the ``ForAnyValue:``/``ForAllValues:`` set qualifiers.

The rules, as IAM states them:
- the values listed for one key are OR-ed; keys and operators are AND-ed;
- a key absent from the request fails a positive operator and satisfies a negated one
  (``StringNotEquals``, ``ArnNotLike`` ...); ``...IfExists`` makes an absent key pass;
- ``ForAllValues`` holds when every value in the request matches (so also when the key
  is absent or empty), ``ForAnyValue`` when at least one does;
- an operator this module does not know makes the condition false, so an unknown
  condition never widens an ``Allow`` (and never narrows a ``Deny`` into allowing);
- policy variables (``${aws:username}``) in the values of ``String*`` and ``Arn*``
  operators are replaced when a ``lookup`` is given (policies of version 2012-10-17);
  a variable without a value makes that value match nothing.
"""

from __future__ import annotations

import ipaddress
from datetime import datetime, timezone
from typing import Callable, Mapping, Sequence

from eventyard.core.policies import _wildcard
from eventyard.core.policies.document import ConditionClause

# A request's condition context: lower-cased key -> its value(s); a missing key is absent.
ConditionContext = Mapping[str, "str | Sequence[str]"]
Match = Callable[[str, str], bool]  # (value in the request, value in the policy)


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def _date(text: str) -> float | None:
    """Epoch seconds from an ISO 8601 date-time or a number of epoch seconds."""
    number = _number(text)
    if number is not None:
        return number
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.timestamp()


def _compare(parse: Callable[[str], float | None], test: Callable[[float, float], bool]) -> Match:
    def match(actual: str, wanted: str) -> bool:
        a, w = parse(actual), parse(wanted)
        return a is not None and w is not None and test(a, w)

    return match


def _in_network(actual: str, wanted: str) -> bool:
    try:
        return ipaddress.ip_address(actual) in ipaddress.ip_network(wanted, strict=False)
    except ValueError:
        return False


# operator -> (match, negated)
_OPERATORS: dict[str, tuple[Match, bool]] = {
    "StringEquals": (lambda a, w: a == w, False),
    "StringNotEquals": (lambda a, w: a == w, True),
    "StringEqualsIgnoreCase": (lambda a, w: a.lower() == w.lower(), False),
    "StringNotEqualsIgnoreCase": (lambda a, w: a.lower() == w.lower(), True),
    "StringLike": (lambda a, w: _wildcard.matches(w, a), False),
    "StringNotLike": (lambda a, w: _wildcard.matches(w, a), True),
    "ArnEquals": (lambda a, w: _wildcard.arn_matches(w, a), False),
    "ArnLike": (lambda a, w: _wildcard.arn_matches(w, a), False),
    "ArnNotEquals": (lambda a, w: _wildcard.arn_matches(w, a), True),
    "ArnNotLike": (lambda a, w: _wildcard.arn_matches(w, a), True),
    "NumericEquals": (_compare(_number, lambda a, w: a == w), False),
    "NumericNotEquals": (_compare(_number, lambda a, w: a == w), True),
    "NumericLessThan": (_compare(_number, lambda a, w: a < w), False),
    "NumericLessThanEquals": (_compare(_number, lambda a, w: a <= w), False),
    "NumericGreaterThan": (_compare(_number, lambda a, w: a > w), False),
    "NumericGreaterThanEquals": (_compare(_number, lambda a, w: a >= w), False),
    "DateEquals": (_compare(_date, lambda a, w: a == w), False),
    "DateNotEquals": (_compare(_date, lambda a, w: a == w), True),
    "DateLessThan": (_compare(_date, lambda a, w: a < w), False),
    "DateLessThanEquals": (_compare(_date, lambda a, w: a <= w), False),
    "DateGreaterThan": (_compare(_date, lambda a, w: a > w), False),
    "DateGreaterThanEquals": (_compare(_date, lambda a, w: a >= w), False),
    "Bool": (lambda a, w: a.lower() == w.lower(), False),
    "BinaryEquals": (lambda a, w: a == w, False),
    "IpAddress": (_in_network, False),
    "NotIpAddress": (_in_network, True),
}


def known_operator(operator: str) -> bool:
    _, _, base = operator.rpartition(":")
    base = base.removesuffix("IfExists")
    return base in _OPERATORS or base == "Null"


def _with_variables(operator: str, match: Match, lookup: _wildcard.Lookup) -> Match:
    """``match`` with the policy's value read through the request's variables."""
    if operator.startswith(("StringLike", "StringNotLike")):
        return lambda a, w: _wildcard.matches_template(w, a, lookup)

    def substituted(actual: str, wanted: str) -> bool:
        if not _wildcard.has_variables(wanted):
            return match(actual, wanted)
        text = _wildcard.substituted(wanted, lookup)
        return text is not None and match(actual, text)

    return substituted


def clause_holds(clause: ConditionClause, context: ConditionContext,
                 lookup: _wildcard.Lookup | None = None) -> bool:
    qualifier, _, operator = clause.operator.rpartition(":")
    if qualifier not in ("", "ForAnyValue", "ForAllValues"):
        return False
    raw = context.get(clause.key)
    present: tuple[str, ...] | None = None if raw is None else (raw,) if isinstance(raw, str) else tuple(raw)
    if operator == "Null":
        # "true": the key must be absent; "false": present
        wants_absent = {v.lower() for v in clause.values}
        absent = present is None or (qualifier != "" and not present)
        return ("true" in wants_absent and absent) or ("false" in wants_absent and not absent)
    if_exists = operator.endswith("IfExists")
    found = _OPERATORS.get(operator.removesuffix("IfExists"))
    if found is None:
        return False
    match, negated = found
    if lookup is not None and operator.startswith(("String", "Arn")):
        match = _with_variables(operator, match, lookup)

    def holds_for(actual: str) -> bool:
        hit = any(match(actual, wanted) for wanted in clause.values)
        return not hit if negated else hit

    if qualifier == "ForAllValues":
        return all(holds_for(v) for v in present or ())
    if present is None or (qualifier == "ForAnyValue" and not present):
        return if_exists or (negated and qualifier == "")
    if qualifier == "ForAnyValue":
        return any(holds_for(v) for v in present)
    # a single-valued key: a negated operator needs every value to miss, a positive one any hit
    return all(holds_for(v) for v in present) if negated else any(holds_for(v) for v in present)


def conditions_hold(clauses: Sequence[ConditionClause], context: ConditionContext,
                    lookup: _wildcard.Lookup | None = None) -> bool:
    return all(clause_holds(c, context, lookup) for c in clauses)
