"""AWS's policy evaluation logic for one request of an IAM identity (``--auth iam``).

    decide(AccessRequest, PoliciesInForce) -> Verdict

The rules, as the IAM user guide states them ("Policy evaluation logic", "Cross-account
policy evaluation logic", "Permissions boundaries", "Session policies"):

1. An explicit ``Deny`` in any policy in force (identity-based, resource-based,
   permissions boundary, session policy) denies.
2. The account's root user may do anything to its own account's resources (it has no
   identity policies); only a resource policy's explicit ``Deny`` stops it, and not for
   the actions that edit that policy (``policy_admin``: no lock-out).
3. Within one account, an ``Allow`` in the resource-based policy that names the caller
   itself (a user's ARN, an assumed-role session's ARN, or everyone) allows on its own,
   whatever the identity policies, the permissions boundary and the session policy say.
   One that names the session's *role* ARN allows unless the permissions boundary or the
   session policy (where there is one) leaves the action out. One that names only the
   account (its id or root ARN) passes nothing on by itself: the account's identity
   policies must allow.
4. Otherwise an identity-based policy must allow, and the permissions boundary and the
   session policy (where there is one) must allow too: they only limit.
5. Across accounts both sides must allow: the caller's identity side (4) and the
   resource's policy, naming the caller, its role or its account.

Service principals (a topic delivering to a queue) are not decided here: the target's
resource policy alone decides those (``evaluate``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from eventyard.core.policies.document import Policy, Statement
from eventyard.core.policies.evaluate import (
    AccessRequest,
    principal_grant,
    statement_matches,
    uses_variables,
)

# the policy types, as AWS's denial messages name them
IDENTITY = "identity-based policy"
RESOURCE = "resource-based policy"
BOUNDARY = "permissions boundary"
SESSION = "session policy"


@dataclass(frozen=True)
class PoliciesInForce:
    """Every policy that applies to one request. ``resource_owner``: the account of the
    resource acted on; ``resource``: its policy, if it has one."""

    resource_owner: str
    identity: tuple[Policy, ...] = ()
    resource: Policy | None = None
    boundary: Policy | None = None
    session: Policy | None = None


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    # on a denial: which type of policy denied, and whether by an explicit Deny
    policy_type: str | None = None
    explicit: bool = False

    def reason(self, action: str) -> str:
        """The end of AWS's denial message."""
        if self.explicit:
            return f"with an explicit deny in {_article(self.policy_type or IDENTITY)} {self.policy_type}"
        return f"because no {self.policy_type} allows the {action} action"


ALLOWED = Verdict(True)


def _article(policy_type: str) -> str:
    return "an" if policy_type[0] in "aeiou" else "a"


@dataclass(frozen=True)
class _Outcome:
    denied: bool = False
    allowed: bool = False
    grant: str | None = None  # resource policies: how the best Allow named the caller


_ORDER = {"direct": 0, "role": 1, "account": 2}


def _outcome(policy: Policy | None, request: AccessRequest, context: dict[str, Any]) -> _Outcome:
    if policy is None:
        return _Outcome()
    variables = uses_variables(policy)
    denied = allowed = False
    grant: str | None = None
    for st in policy.statements:
        if not statement_matches(st, request, context, variables=variables):
            continue
        if st.effect == "Deny":
            denied = True
            continue
        allowed = True
        found = _how_named(st, request)
        if found is not None and (grant is None or _ORDER[found] < _ORDER[grant]):
            grant = found
    return _Outcome(denied, allowed, grant)


def _how_named(st: Statement, request: AccessRequest) -> str | None:
    if st.principal is not None:
        return principal_grant(st.principal, request.principal)
    if st.not_principal is not None:
        return "direct"  # everyone but those listed, and the caller is not listed
    return None  # an identity-based statement names no principal


def decide(request: AccessRequest, policies: PoliciesInForce, *, policy_admin: bool = False) -> Verdict:
    who = request.principal
    context = dict(request.condition_context())
    identity = [_outcome(p, request, context) for p in policies.identity]
    resource = _outcome(policies.resource, request, context)
    boundary = _outcome(policies.boundary, request, context)
    session = _outcome(policies.session, request, context)
    same_account = who.account == policies.resource_owner

    if who.kind == "account":  # an account's root user
        if resource.denied and not (same_account and policy_admin):
            return Verdict(False, RESOURCE, explicit=True)
        if same_account or resource.allowed:
            return ALLOWED
        return Verdict(False, RESOURCE)

    if any(o.denied for o in identity):
        return Verdict(False, IDENTITY, explicit=True)
    if resource.denied:
        return Verdict(False, RESOURCE, explicit=True)
    if boundary.denied:
        return Verdict(False, BOUNDARY, explicit=True)
    if session.denied:
        return Verdict(False, SESSION, explicit=True)

    within_limits = (policies.boundary is None or boundary.allowed) and (policies.session is None or session.allowed)
    if same_account and resource.allowed:
        if resource.grant == "direct":
            return ALLOWED
        if resource.grant == "role" and within_limits:
            return ALLOWED
    if not any(o.allowed for o in identity):
        return Verdict(False, IDENTITY)
    if policies.boundary is not None and not boundary.allowed:
        return Verdict(False, BOUNDARY)
    if policies.session is not None and not session.allowed:
        return Verdict(False, SESSION)
    if not same_account and not resource.allowed:
        return Verdict(False, RESOURCE)
    return ALLOWED


def denial_message(principal_arn: str, action: str, resource: str, verdict: Verdict) -> str:
    """AWS's words for a denial: "User: ARN is not authorized to perform: ACTION on
    resource: ARN because no identity-based policy allows the ACTION action" (without
    the resource for an action on none, as STS words it)."""
    on = f" on resource: {resource}" if resource else ""
    return f"User: {principal_arn} is not authorized to perform: {action}{on} {verdict.reason(action)}"
