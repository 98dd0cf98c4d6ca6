"""Policy documents as IAM checks them when they are stored, with AWS's reasons for
``MalformedPolicyDocument``.

Two kinds: identity policies (inline policies, managed policy versions, permissions
boundaries: no ``Principal``, every statement needs an action and a resource) and trust
policies (a role's AssumeRolePolicyDocument: a principal, STS actions, no resource).
"""

from __future__ import annotations

import json
import re
from typing import Any

from eventyard.services.iam._base import malformed

_TOP = frozenset({"Version", "Id", "Statement"})
_STATEMENT = frozenset({"Sid", "Effect", "Action", "NotAction", "Resource", "NotResource", "Condition",
                        "Principal", "NotPrincipal"})
_VERSIONS = ("2008-10-17", "2012-10-17")
_VENDOR = re.compile(r"^[a-zA-Z0-9\-.]+$|^\*$")
_TRUST_ACTIONS = frozenset({"sts:assumerole", "sts:assumerolewithsaml", "sts:assumerolewithwebidentity",
                            "sts:tagsession", "sts:setsourceidentity", "sts:setcontext"})
_ACCOUNT = re.compile(r"^\d{12}$")
_PRINCIPAL_ARN = re.compile(r"^arn:aws[\w-]*:(iam|sts)::(\d{12}|aws):.+$")
_SERVICE = re.compile(r"^[a-z0-9.-]+\.(amazonaws\.com|amazon\.com|aws\.internal)(\.cn)?$")

SYNTAX = "Syntax errors in policy."


def _load(text: str) -> dict[str, Any]:
    try:
        found = json.loads(text)
    except (ValueError, RecursionError):  # nested past the stack: no more a policy than bad syntax
        raise malformed(SYNTAX) from None
    if not isinstance(found, dict):
        raise malformed(SYNTAX)
    return found


def _statements(document: dict[str, Any]) -> list[dict[str, Any]]:
    if any(key not in _TOP for key in document):
        raise malformed(SYNTAX)
    version = document.get("Version")
    if version is not None and version not in _VERSIONS:
        raise malformed(SYNTAX)
    if "Id" in document and not isinstance(document["Id"], str):
        raise malformed(SYNTAX)
    raw = document.get("Statement")
    if raw is None:
        raise malformed(SYNTAX)
    statements = [raw] if isinstance(raw, dict) else raw
    if not isinstance(statements, list) or not statements:
        raise malformed(SYNTAX)
    for st in statements:
        if not isinstance(st, dict):
            raise malformed(SYNTAX)
    return statements


def _strings(value: Any) -> list[str] | None:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return value
    return None


def _check_statement_syntax(st: dict[str, Any]) -> None:
    if any(key not in _STATEMENT for key in st):
        raise malformed(SYNTAX)
    if ("Action" in st and "NotAction" in st) or ("Resource" in st and "NotResource" in st):
        raise malformed(SYNTAX)
    effect = st.get("Effect")
    if not isinstance(effect, str) or effect.lower() not in ("allow", "deny"):
        raise malformed(SYNTAX)
    for key in ("Action", "NotAction", "Resource", "NotResource"):
        if key in st and _strings(st[key]) is None:
            raise malformed(SYNTAX)
    if "Sid" in st and not isinstance(st["Sid"], str):
        raise malformed(SYNTAX)
    if "Condition" in st:
        condition = st["Condition"]
        if not isinstance(condition, dict):
            raise malformed(SYNTAX)
        for tests in condition.values():
            if not isinstance(tests, dict):
                raise malformed(SYNTAX)
            for values in tests.values():
                if not isinstance(values, (str, list, bool, int, float)):
                    raise malformed(SYNTAX)


def _check_effects_and_sids(statements: list[dict[str, Any]]) -> None:
    if any(st["Effect"] not in ("Allow", "Deny") for st in statements):  # the effect is case-sensitive here
        raise malformed("The policy failed legacy parsing")
    sids = [st["Sid"] for st in statements if st.get("Sid")]
    if len(sids) != len(set(sids)):
        raise malformed("Statement IDs (SID) in a single policy must be unique.")


def _check_actions(statements: list[dict[str, Any]]) -> None:
    for st in statements:
        actions = _strings(st.get("Action", st.get("NotAction")))
        if not actions:
            raise malformed("Policy statement must contain actions.")
    for st in statements:
        for action in _strings(st.get("Action", st.get("NotAction"))) or []:
            parts = action.split(":")
            if len(parts) == 1 and action != "*":
                raise malformed("Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.")
            if len(parts) > 2:
                raise malformed("Actions/Condition can contain only one colon.")
            if not _VENDOR.match(parts[0]):
                raise malformed(f"Vendor {parts[0]} is not valid")


def _check_resource(resource: str) -> None:
    if resource == "*":
        return
    if ":" not in resource:
        raise malformed(f'Resource {resource} must be in ARN format or "*".')
    parts = resource.split(":", 5)
    if parts[0] != "arn" and not parts[0].startswith("arn"):
        raise malformed(f'Resource {resource} must be in ARN format or "*".')
    if len(parts) > 2 and parts[2] == "iam" and len(parts) > 3 and parts[3] not in ("", "*"):
        raise malformed(f"IAM resource {resource} cannot contain region information.")


def check_identity_policy(text: str) -> dict[str, Any]:
    """An inline policy, a managed policy's version or a boundary; AWS's first complaint."""
    document = _load(text)
    statements = _statements(document)
    for st in statements:
        if "Principal" in st or "NotPrincipal" in st:
            raise malformed("Policy document should not specify a principal.")
        _check_statement_syntax(st)
    if document.get("Version") != "2012-10-17":  # AWS refuses the 2008 grammar (and none) here
        raise malformed("Policy document must be version 2012-10-17 or greater.")
    _check_effects_and_sids(statements)
    _check_actions(statements)
    for st in statements:
        resources = _strings(st.get("Resource", st.get("NotResource")))
        if not resources:
            raise malformed("Policy statement must contain resources.")
        for resource in resources:
            _check_resource(resource)
    return document


def check_trust_policy(text: str) -> dict[str, Any]:
    """A role's AssumeRolePolicyDocument; AWS's first complaint."""
    document = _load(text)
    statements = _statements(document)
    for st in statements:
        _check_statement_syntax(st)
    _check_effects_and_sids(statements)
    for st in statements:
        if "Resource" in st or "NotResource" in st:
            raise malformed("Has prohibited field Resource")
    for st in statements:
        if "Principal" not in st and "NotPrincipal" not in st:
            raise malformed("Missing required field Principal")
        if "NotPrincipal" in st and st["Effect"] == "Allow":
            raise malformed("AssumeRole policy contains an invalid principal element.")
        _check_principal(st.get("Principal", st.get("NotPrincipal")))
    _check_actions(statements)
    for st in statements:
        for action in _strings(st.get("Action", st.get("NotAction"))) or []:
            lowered = action.lower()
            if lowered not in _TRUST_ACTIONS and lowered not in ("sts:*", "*"):
                raise malformed("AssumeRole policy may only specify STS AssumeRole actions.")
    return document


def named_principals(document: dict[str, Any]) -> list[str]:
    """The IAM user and role ARNs a trust policy names (AWS checks that they exist)."""
    raw = document.get("Statement")
    found: list[str] = []
    for st in [raw] if isinstance(raw, dict) else raw or []:
        principal = st.get("Principal", st.get("NotPrincipal"))
        if isinstance(principal, dict):
            for name in _strings(principal.get("AWS", [])) or []:
                parts = name.split(":", 5)
                if len(parts) == 6 and parts[2] == "iam" and parts[5].startswith(("user/", "role/")):
                    found.append(name)
    return found


def invalid_principal(arn: str) -> Exception:
    return malformed(f'Invalid principal in policy: "AWS":"{arn}"')


def _check_principal(principal: Any) -> None:
    if principal == "*":
        return
    if not isinstance(principal, dict) or not principal:
        raise malformed(SYNTAX)
    for kind, names in principal.items():
        listed = _strings(names)
        if listed is None or kind not in ("AWS", "Service", "Federated", "CanonicalUser"):
            raise malformed(SYNTAX)
        for name in listed:
            if kind == "AWS" and not (name == "*" or _ACCOUNT.match(name) or _PRINCIPAL_ARN.match(name)):
                raise malformed(f'Invalid principal in policy: "AWS":"{name}"')
            if kind == "Service" and not (name == "*" or _SERVICE.match(name)):
                raise malformed(f'Invalid principal in policy: "SERVICE":"{name}"')
