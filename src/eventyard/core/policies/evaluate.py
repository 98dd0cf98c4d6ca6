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
    an AWS service acting for a resource (``service``, e.g. ``sns.amazonaws.com``)."""

    account: str | None = None
    arn: str | None = None
    service: str | None = None

    @classmethod
    def of_account(cls, account: str) -> "Principal":
        return cls(account=account, arn=root_arn(account))

    @classmethod
    def of_service(cls, service: str) -> "Principal":
        return cls(service=service)


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
        if self.principal.account is not None:
            found.setdefault("aws:principalaccount", self.principal.account)
        if self.principal.arn is not None:
            found.setdefault("aws:principalarn", self.principal.arn)
        if self.principal.service is not None:
            found.setdefault("aws:principalservicename", self.principal.service)
        found.setdefault("aws:principaltype", "AWSService" if self.principal.service else "Account")
        return found


def _principal_matches(names: PrincipalSet, who: Principal) -> bool:
    if names.everyone:
        return True
    for name in names.aws:
        if name == "*":
            return True
        if who.account is not None:
            root = _ROOT.match(name)
            if (_ACCOUNT.match(name) and name == who.account) or (root and root.group(1) == who.account):
                return True
        if who.arn is not None and name == who.arn:
            return True
    if who.service is not None and any(s.lower() == who.service.lower() for s in names.services):
        return True
    return False


def _action_matches(patterns: Sequence[str], action: str) -> bool:
    # service prefixes and action names are case-insensitive ("SQS:SendMessage")
    return any(_wildcard.matches(p, action, ignore_case=True) for p in patterns)


def _resource_matches(patterns: Sequence[str], resource: str) -> bool:
    return any(_wildcard.matches(p, resource) for p in patterns)


def statement_matches(st: Statement, request: AccessRequest, context: ConditionContext | None = None) -> bool:
    if not st.usable:
        return False
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
    if st.resources is not None and not _resource_matches(st.resources, request.resource):
        return False
    if st.not_resources is not None and _resource_matches(st.not_resources, request.resource):
        return False
    return conditions_hold(st.conditions, context if context is not None else request.condition_context())


def evaluate(policy: Policy | None, request: AccessRequest) -> Decision:
    if policy is None:
        return Decision.IMPLICIT_DENY
    context = request.condition_context()
    allowed = False
    for st in policy.statements:
        if statement_matches(st, request, context):
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
