"""What a resource brings to a request's evaluation: its owner, its resource-based policy
(SQS queue policy, SNS topic policy, EventBridge bus policy, a secret's resource
policy, an IAM role's trust policy for ``sts:AssumeRole``, a function's AddPermission
statements) and its tags (``aws:ResourceTag/...``).

    resource_facts(session, action, arn) -> ResourceFacts

One small lookup per service, keyed by the ARN's service; a service without one (or a
resource type without a policy: rules, users ...) contributes its owner and tags only.
Runs inside ``store.read``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable

from eventyard.core import arns

if TYPE_CHECKING:
    from eventyard.store.session import Session


@dataclass(frozen=True)
class ResourceFacts:
    arn: str
    owner: str  # the account the resource belongs to
    policy: str | None = None  # its resource-based policy (JSON text)
    tags: dict[str, str] = field(default_factory=dict)


# service (from the ARN) -> (session, action, parsed ARN) -> (policy text, tags) of the resource
Lookup = Callable[["Session", str, arns.Arn], "tuple[str | None, dict[str, str]]"]


def _queue(s: "Session", action: str, arn: arns.Arn) -> tuple[str | None, dict[str, str]]:
    queue = s.queues.get_by_arn(str(arn))
    if queue is None:
        return None, {}
    return queue.attributes.get("Policy") or None, s.tags.get(queue.arn)


def _topic(s: "Session", action: str, arn: arns.Arn) -> tuple[str | None, dict[str, str]]:
    # A topic without a Policy attribute has AWS's default policy, whose one statement
    # (everyone, on condition of AWS:SourceOwner) holds for no direct call: as if none.
    if arn.resource.count(":"):  # a subscription or platform resource: no policy of its own
        return None, s.tags.get(str(arn))
    topic = s.topics.get(str(arn))
    if topic is None:
        return None, {}
    return topic.attributes.get("Policy") or None, s.tags.get(topic.arn)


def _event_bus(s: "Session", action: str, arn: arns.Arn) -> tuple[str | None, dict[str, str]]:
    kind, _, name = arn.resource.partition("/")
    if kind != "event-bus":
        return None, s.tags.get(str(arn))
    bus = s.event_buses.get(arn.account, arn.region, name)
    if bus is None:
        return None, {}
    return bus.policy or None, s.tags.get(str(arn))


def _role(s: "Session", action: str, arn: arns.Arn) -> tuple[str | None, dict[str, str]]:
    """A role's trust policy is the resource policy of ``sts:AssumeRole``."""
    kind, _, rest = arn.resource.partition("/")
    iam = getattr(s, "iam", None)  # the IAM store (the iam branch)
    if kind != "role" or iam is None or not action.lower().startswith("sts:assumerole"):
        return None, {}
    role = iam.role(arn.account, rest.rsplit("/", 1)[-1])
    return (role.trust_policy, {}) if role is not None else (None, {})


def _secret(s: "Session", action: str, arn: arns.Arn) -> tuple[str | None, dict[str, str]]:
    record = _secret_record(s, arn)
    return (record.policy or None, s.tags.get(record.arn)) if record is not None else (None, {})


def _secret_record(s: "Session", arn: arns.Arn) -> Any:
    """A secret named by its ARN, its partial ARN (no random suffix) or its name."""
    secrets = getattr(s, "secrets", None)  # the Secrets Manager store (the secrets branch)
    if secrets is None or not arn.resource.startswith("secret:"):
        return None
    return secrets.by_arn(str(arn)) or secrets.get(arn.account, arn.region, arn.resource[len("secret:"):])


def _function(s: "Session", action: str, arn: arns.Arn) -> tuple[str | None, dict[str, str]]:
    """A function's policy: its AddPermission statements, the qualifier's beside its own."""
    kind, _, rest = arn.resource.partition(":")
    functions = getattr(s, "functions", None)
    if kind != "function" or functions is None:
        return None, {}
    name, _, qualifier = rest.partition(":")
    doc = functions.get(arn.account, arn.region, name)
    if doc is None:
        return None, {}
    from eventyard.services.functions.policy import policy_text  # the one reading of Lambda's statements

    return policy_text(doc, qualifier or None), s.tags.get(f"arn:aws:lambda:{arn.region}:{arn.account}:function:{name}")


LOOKUPS: dict[str, Lookup] = {"sqs": _queue, "sns": _topic, "events": _event_bus, "iam": _role,
                              "secretsmanager": _secret, "lambda": _function}


def _actual_arn(s: "Session", parsed: arns.Arn, arn: str) -> str:
    """The ARN a policy sees: a secret's full ARN (with its suffix) when it was named
    by its name or partial ARN."""
    if parsed.service == "secretsmanager":
        record = _secret_record(s, parsed)
        if record is not None:
            return str(record.arn)
    return arn


def resource_facts(s: "Session", action: str, arn: str) -> ResourceFacts:
    parsed = arns.parse(arn)
    if parsed is None:
        return ResourceFacts(arn, "")
    lookup = LOOKUPS.get(parsed.service)
    policy, tags = lookup(s, action, parsed) if lookup is not None else (None, {})
    return ResourceFacts(_actual_arn(s, parsed, arn), parsed.account, policy, tags)
