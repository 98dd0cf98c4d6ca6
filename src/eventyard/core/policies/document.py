"""A policy document (resource-based, or identity-based with ``identity=True``):
parsed once, then evaluated as often as needed.

Parsing is lenient by design: the document was accepted (and worded back to the user)
by its service when it was set, so here a statement this module cannot make sense of
is kept as *unusable*: it never allows, and a ``Deny`` that cannot be understood still
denies nothing. ``problems`` lists what a strict validator would refuse, for the
services that validate with it.
"""

from __future__ import annotations

import json
from functools import lru_cache
from dataclasses import dataclass, field
from typing import Any, Mapping

EFFECTS = ("Allow", "Deny")


class PolicyError(ValueError):
    """The text is not a policy document at all (not JSON, not an object)."""


@dataclass(frozen=True)
class PrincipalSet:
    """``Principal`` or ``NotPrincipal``: everyone, or named AWS principals and services."""

    everyone: bool = False
    aws: tuple[str, ...] = ()  # "*", account ids, IAM ARNs
    services: tuple[str, ...] = ()  # "sns.amazonaws.com", ...
    other: tuple[str, ...] = ()  # Federated / CanonicalUser values: never match here


@dataclass(frozen=True)
class ConditionClause:
    """One operator-key pair of a ``Condition`` block with its listed values."""

    operator: str  # as written, e.g. "ForAnyValue:StringLikeIfExists"
    key: str  # lower-cased: condition keys are case-insensitive
    values: tuple[str, ...]


@dataclass(frozen=True)
class Statement:
    effect: str
    sid: str | None = None
    principal: PrincipalSet | None = None
    not_principal: PrincipalSet | None = None
    actions: tuple[str, ...] | None = None
    not_actions: tuple[str, ...] | None = None
    resources: tuple[str, ...] | None = None
    not_resources: tuple[str, ...] | None = None
    conditions: tuple[ConditionClause, ...] = ()
    usable: bool = True


@dataclass(frozen=True)
class Policy:
    statements: tuple[Statement, ...] = ()
    version: str | None = None
    id: str | None = None
    problems: tuple[str, ...] = field(default=(), compare=False)


def parse_policy(source: str | Mapping[str, Any], *, identity: bool = False) -> Policy:
    """A policy from its JSON text or an already decoded object. ``identity``: an
    identity-based policy (also a permissions boundary or a session policy), whose
    statements name no principal and must name their resources."""
    if isinstance(source, str):
        try:
            source = json.loads(source)
        except (ValueError, RecursionError):  # nested past the stack: not a policy either
            raise PolicyError("The policy is not valid JSON.") from None
    if not isinstance(source, Mapping):
        raise PolicyError("The policy is not a JSON object.")
    problems: list[str] = []
    raw = source.get("Statement")
    if raw is None:
        problems.append("Missing required field Statement")
        raw = []
    raw_statements = [raw] if isinstance(raw, Mapping) else raw if isinstance(raw, list) else []
    statements = tuple(_statement(item, problems, identity) for item in raw_statements)
    version = source.get("Version")
    ident = source.get("Id")
    return Policy(statements, version if isinstance(version, str) else None,
                  ident if isinstance(ident, str) else None, tuple(problems))


def _strings(value: Any) -> tuple[str, ...] | None:
    """A string or a list of strings; ``None`` when it is anything else."""
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    return None


def _principals(value: Any) -> PrincipalSet | None:
    if value == "*":
        return PrincipalSet(everyone=True)
    if not isinstance(value, Mapping) or not value:
        return None
    aws: list[str] = []
    services: list[str] = []
    other: list[str] = []
    for kind, names in value.items():
        listed = _strings(names)
        if listed is None:
            return None
        if kind == "AWS":
            aws.extend(listed)
        elif kind == "Service":
            services.extend(listed)
        else:
            other.extend(listed)
    return PrincipalSet(aws=tuple(aws), services=tuple(services), other=tuple(other))


def _conditions(value: Any) -> tuple[ConditionClause, ...] | None:
    if not isinstance(value, Mapping):
        return None
    clauses: list[ConditionClause] = []
    for operator, tests in value.items():
        if not isinstance(operator, str) or not isinstance(tests, Mapping):
            return None
        for key, expected in tests.items():
            values = [expected] if not isinstance(expected, list) else expected
            if not isinstance(key, str) or not all(isinstance(v, (str, int, float, bool)) for v in values):
                return None
            shown = tuple(("true" if v else "false") if isinstance(v, bool) else str(v) for v in values)
            clauses.append(ConditionClause(operator, key.lower(), shown))
    return tuple(clauses)


def _statement(item: Any, problems: list[str], identity: bool = False) -> Statement:
    if not isinstance(item, Mapping):
        problems.append("Statement is not an object")
        return Statement("Deny", usable=False)
    usable = True
    effect = item.get("Effect")
    sid = item.get("Sid") if isinstance(item.get("Sid"), str) else None
    if effect not in EFFECTS:
        problems.append(f"Invalid effect: {effect}")
        effect, usable = "Deny", False

    def pair(name: str, negated: str, parse: Any) -> tuple[Any, Any]:
        nonlocal usable
        has, has_not = name in item, negated in item
        if has and has_not:
            problems.append(f"Statement has both {name} and {negated}")
            usable = False
        found = parse(item[name]) if has else None
        found_not = parse(item[negated]) if has_not else None
        if (has and found is None) or (has_not and found_not is None):
            problems.append(f"Invalid {name if has else negated}")
            usable = False
        return found, found_not

    principal, not_principal = pair("Principal", "NotPrincipal", _principals)
    actions, not_actions = pair("Action", "NotAction", _strings)
    resources, not_resources = pair("Resource", "NotResource", _strings)
    if "Action" not in item and "NotAction" not in item:
        problems.append("Statement has no Action")
        usable = False
    names_principal = "Principal" in item or "NotPrincipal" in item
    if identity and names_principal:
        problems.append("Has prohibited field Principal")
        usable = False
    elif not identity and not names_principal:
        problems.append("Statement has no Principal")
        usable = False
    if identity and "Resource" not in item and "NotResource" not in item:
        problems.append("Statement has no Resource")
        usable = False
    conditions: tuple[ConditionClause, ...] = ()
    if "Condition" in item:
        parsed = _conditions(item["Condition"])
        if parsed is None:
            problems.append("Invalid Condition")
            usable = False
        else:
            conditions = parsed
    return Statement(effect, sid, principal, not_principal, actions, not_actions, resources, not_resources,
                     conditions, usable)


@lru_cache(maxsize=4096)
def stored_policy(text: str, identity: bool = False) -> Policy | None:
    """A policy kept by a service (a queue's, a topic's, a function's...), parsed once per
    text; ``None`` where the text is not a policy (such a policy grants nothing)."""
    try:
        return parse_policy(text, identity=identity)
    except PolicyError:
        return None
