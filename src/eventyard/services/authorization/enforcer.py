"""``--auth iam``: every request of every served operation is authorized before its
handler runs, by AWS's policy evaluation logic (``core.policies.decide``).

    Enforcer.authorize(service, operation, params, ctx)   -> None, or raises the denial
    Enforcer.authorize_in(session, ...)                     the same inside a unit of work

For one request it gathers, in one store read: who the caller is and its identity-based
policies and permissions boundary (``session.iam``, through an ``IdentitySource`` that
tests replace), the session policy (from the request context), and each resource's
owner, policy and tags; then ``decide``s per resource. A denial is the service's own
error (SQS ``AccessDenied`` 403, SNS ``AuthorizationError`` 403, EventBridge and Secrets
Manager ``AccessDeniedException`` 400, IAM and STS ``AccessDenied`` 403) in AWS's words,
logged with principal, action and resource, and counted on ``/metrics``.

Service-to-service deliveries (a rule or a topic writing to a queue) never come through
here: the target's resource policy decides those, in the services, as on AWS.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, Callable

import structlog

from eventyard.core import clock, policies
from eventyard.core.errors import ServiceError
from eventyard.core.identity import RequestContext
from eventyard.core.policies.decision import PoliciesInForce, Verdict, decide, denial_message
from eventyard.services.authorization.metrics import DecisionMetrics
from eventyard.services.authorization.requests import RequestedAccess, Where, requested_access
from eventyard.services.authorization.resources import ResourceFacts, resource_facts

if TYPE_CHECKING:
    from eventyard.store import Store
    from eventyard.store.session import Session

log = structlog.get_logger("eventyard.authz")


@dataclass(frozen=True)
class Caller:
    """Who signed, as far as the request says: account, principal ARN, access key."""

    account: str
    principal_arn: str
    access_key: str | None = None
    principal_id: str | None = None  # aws:userid, where the request context carries it


@dataclass(frozen=True)
class Identity:
    """A caller with the policies it carries."""

    principal: policies.Principal
    identity_policies: tuple[str, ...] = ()
    boundary: str | None = None


# (session, caller) -> its identity; runs inside store.read
IdentitySource = Callable[["Session", Caller], Identity]


def store_identity(s: "Session", caller: Caller) -> Identity:
    """The caller's identity from the IAM store (``session.iam``, the contract the IAM
    service implements): its policies, boundary, ids and tags (IAM keeps an entity's
    tags under its id)."""
    principal = policies.Principal.of_arn(caller.account, caller.principal_arn)
    iam = getattr(s, "iam", None)
    if iam is None or principal.kind == "account":
        return Identity(principal)
    if principal.kind == "user":
        name = principal.name or ""
        user = iam.user(caller.account, name) if hasattr(iam, "user") else None
        user_id = user.user_id if user is not None else caller.principal_id
        principal = policies.Principal(account=principal.account, arn=principal.arn, kind="user", name=name,
                                       user_id=user_id, tags=tuple(s.tags.get(user_id).items()) if user_id else ())
        return Identity(principal, tuple(iam.identity_policies(caller.account, "user", name)),
                        iam.permissions_boundary(caller.account, "user", name))
    role_name = (principal.role_arn or "").rsplit("/", 1)[-1]
    session_name = (principal.arn or "").rsplit("/", 1)[-1]
    role = iam.role(caller.account, role_name)
    principal = policies.Principal(
        account=principal.account, arn=principal.arn, kind="assumed-role",
        role_arn=role.arn if role is not None else principal.role_arn,
        user_id=f"{role.role_id}:{session_name}" if role is not None else caller.principal_id,
        tags=tuple(s.tags.get(role.role_id).items()) if role is not None else ())
    return Identity(principal, tuple(iam.identity_policies(caller.account, "role", role_name)),
                    iam.permissions_boundary(caller.account, "role", role_name))


# the actions that edit or read a resource's own policy: its account's root is never
# locked out of them by that policy (as today in the sigv4 mode)
POLICY_ADMIN = frozenset({
    "sqs:setqueueattributes", "sqs:addpermission", "sqs:removepermission",
    "sns:settopicattributes", "sns:addpermission", "sns:removepermission",
    "events:putpermission", "events:removepermission",
})

# service -> (error shape, how the action is written in the message)
_DENIALS: dict[str, tuple[str, Callable[[str], str]]] = {
    "sqs": ("AccessDeniedException", str.lower),  # SQS writes "sqs:sendmessage"
    "sns": ("AuthorizationErrorException", lambda a: "SNS:" + a.partition(":")[2]),
    "events": ("AccessDeniedException", str),
    "secretsmanager": ("AccessDeniedException", str),
    "iam": ("AccessDenied", str),
    "sts": ("AccessDenied", str),
}



def _policies(texts: tuple[str, ...] | list[str]) -> tuple[policies.Policy, ...]:
    return tuple(p for p in (policies.stored_policy(t, True) for t in texts) if p is not None)


class Enforcer:
    def __init__(self, store: "Store", metrics: DecisionMetrics | None = None,
                 identities: IdentitySource = store_identity) -> None:
        self.store = store
        self.metrics = metrics
        self.identities = identities

    async def authorize(self, service: str, operation: str, params: dict[str, Any], ctx: RequestContext) -> None:
        """Return when the caller in ``ctx`` may call ``operation``; else raise the
        service's denial. Raises nothing for operations that need no permission."""
        asked = self._asked(service, operation, params, ctx)
        if asked is None:
            return
        caller, access = asked
        facts = await self.store.read(lambda s: self._gather(s, caller, access))
        self._judge(service, ctx, caller, access, *facts)

    def authorize_in(self, s: "Session", service: str, operation: str, params: dict[str, Any],
                     ctx: RequestContext) -> None:
        """``authorize`` inside the caller's unit of work (a call made there, e.g. a Step
        Functions task's SendMessage committed with its transition)."""
        asked = self._asked(service, operation, params, ctx)
        if asked is not None:
            caller, access = asked
            self._judge(service, ctx, caller, access, *self._gather(s, caller, access))

    async def authorize_action(self, service: str, access: RequestedAccess, ctx: RequestContext) -> None:
        """``authorize`` for an action no API operation names: what a service does on the
        caller's behalf (Step Functions' ``states:InvokeHTTPEndpoint``, the managed rules
        of ``.sync`` tasks), with that action's own condition keys."""
        caller = self._caller(ctx)
        facts = await self.store.read(lambda s: self._gather(s, caller, access))
        self._judge(service, ctx, caller, access, *facts)

    @staticmethod
    def _caller(ctx: RequestContext) -> Caller:
        return Caller(ctx.account, getattr(ctx, "principal_arn", None) or policies.root_arn(ctx.account),
                      ctx.access_key, getattr(ctx, "principal_id", None))

    @classmethod
    def _asked(cls, service: str, operation: str, params: dict[str, Any],
               ctx: RequestContext) -> tuple[Caller, RequestedAccess] | None:
        caller = cls._caller(ctx)
        guess = policies.Principal.of_arn(caller.account, caller.principal_arn)
        where = Where(ctx.account, ctx.region, caller.principal_arn if guess.kind == "user" else None)
        access = requested_access(service, operation, params, where)
        return None if access is None else (caller, access)

    def _gather(self, s: "Session", caller: Caller, access: RequestedAccess) -> tuple[Identity, list[ResourceFacts]]:
        return self.identities(s, caller), [resource_facts(s, access.action, arn) for arn in access.resources]

    def _judge(self, service: str, ctx: RequestContext, caller: Caller, access: RequestedAccess, identity: Identity,
               resources: list[ResourceFacts]) -> None:
        session_text = getattr(ctx, "session_policy", None)
        in_force_identity = _policies(identity.identity_policies)
        boundary = policies.stored_policy(identity.boundary, True) if identity.boundary else None
        session = policies.stored_policy(session_text, True) if session_text else None
        for facts in resources:
            request = policies.AccessRequest(identity.principal, access.action, facts.arn,
                                             request_context(ctx, access, facts))
            in_force = PoliciesInForce(
                resource_owner=facts.owner or ctx.account, identity=in_force_identity,
                resource=policies.stored_policy(facts.policy) if facts.policy else None,
                boundary=boundary, session=session)
            verdict = decide(request, in_force, policy_admin=access.action.lower() in POLICY_ADMIN)
            if not verdict.allowed:
                self._count(service, "deny")
                raise self._denial(service, ctx, caller.principal_arn, access.action, facts.arn, verdict)
        self._count(service, "allow")

    def _count(self, service: str, decision: str) -> None:
        if self.metrics is not None:
            self.metrics.count(service, decision)

    @staticmethod
    def _denial(service: str, ctx: RequestContext, principal_arn: str, action: str, resource: str,
                verdict: Verdict) -> ServiceError:
        code, spelled = _DENIALS.get(service, ("AccessDeniedException", str))
        shown = spelled(action)
        log.info("access denied", principal=principal_arn, action=action, resource=resource,
                 policy_type=verdict.policy_type, explicit=verdict.explicit, request_id=ctx.request_id)
        return ServiceError(code, denial_message(principal_arn, shown, resource, verdict))


def request_context(ctx: RequestContext, access: RequestedAccess, facts: ResourceFacts) -> dict[str, Any]:
    """The global condition keys a request carries, beside the principal's own."""
    seconds = clock.epoch()
    found: dict[str, Any] = {
        "aws:CurrentTime": datetime.fromtimestamp(seconds, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "aws:EpochTime": str(int(seconds)),
        "aws:SecureTransport": "true" if ctx.base_url.startswith("https:") else "false",
        "aws:RequestedRegion": ctx.region,
    }
    for key, value in access.request_tags.items():
        found[f"aws:RequestTag/{key}"] = value
    if access.tag_keys:
        found["aws:TagKeys"] = list(access.tag_keys)
    for key, value in facts.tags.items():
        found[f"aws:ResourceTag/{key}"] = value
    found.update(access.condition_keys)
    return found
