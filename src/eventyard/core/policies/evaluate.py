"""Evaluating a resource policy for one request.

    any matching Deny  -> EXPLICIT_DENY   (always wins)
    else any Allow     -> ALLOW
    else               -> IMPLICIT_DENY

A statement matches when its principal, action, resource and every condition match.
``authorize`` adds the owner's rule on top: the resource's own account needs no
``Allow`` (its identity is its root, which eventyard's callers all are), another
account needs one; an explicit ``Deny`` stops both.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field
from typing import Mapping, Sequence

from eventyard.core.policies import _wildcard
from eventyard.core.policies.conditions import ConditionContext, conditions_hold
from eventyard.core.policies.document import Policy, PrincipalSet, Statement

_ACCOUNT = re.compile(r"^\d{12}$")
_ROOT = re.compile(r"^arn:[\w-]+:iam::(\d{12}):root$")


class Decision(enum.Enum):
    EXPLICIT_DENY = "explicit-deny"
    ALLOW = "allow"
    IMPLICIT_DENY = "implicit-deny"


@dataclass(frozen=True)
class Principal:
    """Who asks: an AWS account's principal (``arn`` defaults to the account's root) or
    an AWS service acting for a resource (``service``, e.g. ``sns.amazonaws.com``).

    An IAM identity says more (``kind`` "user" or "assumed-role"): an assumed-role
    session's ``arn`` is the session's, ``role_arn`` its role's (with the role's path),
    which is what ``aws:PrincipalArn`` holds and what a policy may name."""

    account: str | None = None
    arn: str | None = None
    service: str | None = None
    kind: str = "account"  # account (its root) | user | assumed-role | service
    role_arn: str | None = None
    user_id: str | None = None  # aws:userid: AIDA... for a user, ROLEID:session for a session
    name: str | None = None  # a user's name (aws:username)
    tags: tuple[tuple[str, str], ...] = ()  # the user's or role's tags (aws:PrincipalTag/...)

    @classmethod
    def of_account(cls, account: str) -> "Principal":
        return cls(account=account, arn=root_arn(account))

    @classmethod
    def of_service(cls, service: str) -> "Principal":
        return cls(service=service, kind="service")

    @classmethod
    def of_arn(cls, account: str, arn: str | None) -> "Principal":
        """The principal an ARN names, as far as its text tells: the account's root, a
        user (``arn:aws:iam::A:user/PATH/NAME``), or an assumed-role session
        (``arn:aws:sts::A:assumed-role/ROLE/SESSION``; its role's ARN without a path)."""
        marker = f"::{account}:"
        resource = arn.partition(marker)[2] if arn and marker in arn else ""
        kind, _, rest = resource.partition("/")
        if kind == "user" and rest:
            return cls(account=account, arn=arn, kind="user", name=rest.rsplit("/", 1)[-1])
        if kind == "assumed-role" and "/" in rest:
            return cls(account=account, arn=arn, kind="assumed-role",
                       role_arn=f"arn:aws:iam::{account}:role/{rest.partition('/')[0]}")
        return cls.of_account(account)


def root_arn(account: str) -> str:
    return f"arn:aws:iam::{account}:root"


@dataclass(frozen=True)
class AccessRequest:
    principal: Principal
    action: str  # "sqs:SendMessage"
    resource: str  # the resource's ARN
    context: Mapping[str, str | Sequence[str]] = field(default_factory=dict)

    def condition_context(self) -> ConditionContext:
        """Condition keys, lower-cased, with the principal's own keys filled in."""
        found: dict[str, str | Sequence[str]] = {k.lower(): v for k, v in self.context.items()}
        who = self.principal
        if who.account is not None:
            found.setdefault("aws:principalaccount", who.account)
        if who.role_arn is not None or who.arn is not None:
            found.setdefault("aws:principalarn", who.role_arn or who.arn or "")
        if who.service is not None:
            found.setdefault("aws:principalservicename", who.service)
        found.setdefault("aws:principaltype", _PRINCIPAL_TYPES.get(who.kind, "AWSService" if who.service else "Account"))
        if who.kind == "user" and who.name is not None:
            found.setdefault("aws:username", who.name)
        if who.user_id is not None:
            found.setdefault("aws:userid", who.user_id)
        elif who.kind == "account" and who.account is not None:
            found.setdefault("aws:userid", who.account)
        for key, value in who.tags:
            found.setdefault(f"aws:principaltag/{key.lower()}", value)
        return found


_PRINCIPAL_TYPES = {"account": "Account", "user": "User", "assumed-role": "AssumedRole", "service": "AWSService"}


def principal_grant(names: PrincipalSet, who: Principal) -> str | None:
    """How a ``Principal`` element names ``who``, the most direct way first:
    "direct" (everyone, or ``who``'s own ARN: a user, an assumed-role session, a
    service), "role" (the role of ``who``'s session), "account" (``who``'s account, by
    its id or root ARN: a grant the account's own policies must pass on), or None."""
    if names.everyone or "*" in names.aws:
        return "direct"
    if who.arn is not None and who.arn in names.aws:
        return "direct"
    if who.service is not None and any(s.lower() == who.service.lower() for s in names.services):
        return "direct"
    if who.role_arn is not None and who.role_arn in names.aws:
        return "role"
    if who.account is not None:
        for name in names.aws:
            root = _ROOT.match(name)
            if (_ACCOUNT.match(name) and name == who.account) or (root and root.group(1) == who.account):
                return "direct" if who.kind == "account" else "account"
    return None


def _principal_matches(names: PrincipalSet, who: Principal) -> bool:
    return principal_grant(names, who) is not None


def _action_matches(patterns: Sequence[str], action: str) -> bool:
    # service prefixes and action names are case-insensitive ("SQS:SendMessage")
    return any(_wildcard.matches(p, action, ignore_case=True) for p in patterns)


def _resource_matches(patterns: Sequence[str], resource: str, lookup: _wildcard.Lookup | None) -> bool:
    if lookup is None:
        return any(_wildcard.matches(p, resource) for p in patterns)
    return any(_wildcard.matches_template(p, resource, lookup) for p in patterns)


def variables_of(context: ConditionContext) -> _wildcard.Lookup:
    """Policy variables read from a request's (lower-cased) condition keys."""
    def lookup(key: str) -> str | None:
        value = context.get(key)
        return value if isinstance(value, str) else None

    return lookup


def uses_variables(policy: Policy) -> bool:
    # policy variables came with version 2012-10-17; in older documents "${" is text
    return policy.version == "2012-10-17"


def statement_matches(st: Statement, request: AccessRequest, context: ConditionContext | None = None,
                      *, variables: bool = False) -> bool:
    if not st.usable:
        return False
    context = context if context is not None else request.condition_context()
    lookup = variables_of(context) if variables else None
    who = request.principal
    if st.principal is not None and not _principal_matches(st.principal, who):
        return False
    if st.not_principal is not None and _principal_matches(st.not_principal, who):
        return False
    if st.actions is not None and not _action_matches(st.actions, request.action):
        return False
    if st.not_actions is not None and _action_matches(st.not_actions, request.action):
        return False
    # a resource policy without Resource speaks of the resource it is attached to
    if st.resources is not None and not _resource_matches(st.resources, request.resource, lookup):
        return False
    if st.not_resources is not None and _resource_matches(st.not_resources, request.resource, lookup):
        return False
    return conditions_hold(st.conditions, context, lookup)


def evaluate(policy: Policy | None, request: AccessRequest) -> Decision:
    if policy is None:
        return Decision.IMPLICIT_DENY
    context = request.condition_context()
    variables = uses_variables(policy)
    allowed = False
    for st in policy.statements:
        if statement_matches(st, request, context, variables=variables):
            if st.effect == "Deny":
                return Decision.EXPLICIT_DENY
            allowed = True
    return Decision.ALLOW if allowed else Decision.IMPLICIT_DENY


def authorize(policy: Policy | None, request: AccessRequest, *, owner: str, policy_admin: bool = False) -> bool:
    """Whether ``request`` may act on a resource of account ``owner`` carrying ``policy``.

    ``policy_admin``: the action edits or reads the policy itself; an explicit Deny does
    not stop the owner there, so an account can never lock itself out of its own
    resource (the rule S3 applies to bucket policies for the account's root).
    """
    decision = evaluate(policy, request)
    is_owner = request.principal.account == owner and request.principal.service is None
    if decision is Decision.EXPLICIT_DENY:
        return is_owner and policy_admin
    return is_owner or decision is Decision.ALLOW
