"""What the SNS operations share: their errors, ARN checks, and the topic policy."""

from __future__ import annotations

from typing import Any

from eventyard.core import arns, policies
from eventyard.core.errors import ServiceError
from eventyard.store.topics import SubscriptionRecord, TopicRecord

MAX_TOPICS = 100_000  # AWS quota: standard topics per account
MAX_SUBJECT = 100
DEFAULT_MAX_MESSAGE_SIZE = 262_144
MAX_MESSAGE_SIZE = 1_048_576
DEDUP_WINDOW_MS = 5 * 60 * 1000
INVALID_PARAMETER = "InvalidParameterException"


def invalid(message: str) -> ServiceError:
    return ServiceError(INVALID_PARAMETER, f"Invalid parameter: {message}")


def too_many_tags() -> ServiceError:
    return ServiceError("TagLimitExceededException", "Could not complete request: tag quota of per resource exceeded")


def not_found(message: str) -> ServiceError:
    return ServiceError("NotFoundException", message)


def topic_not_found() -> ServiceError:
    return not_found("Topic does not exist")


def check_arn(value: str, field: str, *, region: str | None = None) -> arns.Arn:
    """An SNS ARN, or AWS's complaint about it. With ``region`` (the caller's), an ARN of
    another region is refused: topics are regional, and AWS names only the field."""
    parsed = arns.parse(value)
    if parsed is None:
        count = len(value.split(":"))
        raise invalid(f"{field} Reason: An ARN must have at least 6 elements, not {count}")
    if parsed.service != "sns":
        raise invalid(f"{field} Reason: Incorrect service name {parsed.service}")
    if region is not None and parsed.region != region:
        raise invalid(field)
    return parsed


def check_subscription_arn(value: str) -> arns.Arn:
    """A subscription ARN (``<topic ARN>:<id>``), or AWS's complaint about it: too few
    elements, or no subscription id where one belongs (another service's ARN included)."""
    parsed = arns.parse(value)
    if parsed is None:
        raise invalid(f"SubscriptionArn Reason: An ARN must have at least 6 elements, not {len(value.split(':'))}")
    topic, _, sub_id = parsed.resource.partition(":")
    if parsed.service != "sns" or not topic or not sub_id:
        raise invalid("SubscriptionId")
    return parsed


def default_policy(topic_arn: str, account: str) -> str:
    """The access policy AWS gives a new topic."""
    return (
        '{"Version":"2008-10-17","Id":"__default_policy_ID","Statement":[{"Sid":"__default_statement_ID",'
        '"Effect":"Allow","Principal":{"AWS":"*"},"Action":["SNS:GetTopicAttributes","SNS:SetTopicAttributes",'
        '"SNS:AddPermission","SNS:RemovePermission","SNS:DeleteTopic","SNS:Subscribe","SNS:ListSubscriptionsByTopic",'
        f'"SNS:Publish"],"Resource":"{topic_arn}","Condition":{{"StringEquals":{{"AWS:SourceOwner":"{account}"}}}}}}]}}'
    )


# editing the topic policy stays open to the owner whatever it says (no lock-out)
_POLICY_ADMIN = frozenset({"SetTopicAttributes", "AddPermission", "RemovePermission"})



def topic_allows(topic: TopicRecord, caller: str, action: str, principal_arn: str | None = None) -> bool:
    """Whether ``caller``'s account (``principal_arn``: the user or role session that
    signed, if known) may do ``SNS:<action>`` on ``topic``: the owner unless the topic
    policy denies it, another account where the policy allows it (a statement may name
    the account or the principal itself). The default policy's ``AWS:SourceOwner``
    condition holds for no direct call of another account."""
    text = topic.attributes.get("Policy") or default_policy(topic.arn, topic.account_id)
    request = policies.AccessRequest(policies.Principal.of_arn(caller, principal_arn), f"SNS:{action}", topic.arn)
    return policies.authorize(policies.stored_policy(text), request, owner=topic.account_id,
                              policy_admin=action in _POLICY_ADMIN)


def check_owner(caller: str, action: str, arn: str) -> None:
    """Resources without a resource policy (platform applications and endpoints): only
    the account in their ARN may touch them."""
    parsed = arns.parse(arn)
    if parsed is not None and parsed.service == "sns" and parsed.account != caller:
        raise not_authorized(caller, action, arn)


def not_authorized(caller: str, action: str, arn: str) -> ServiceError:
    return ServiceError("AuthorizationErrorException",
                        f"User: arn:aws:iam::{caller}:root is not authorized to perform: SNS:{action} on resource: "
                        f"{arn} because no resource-based policy allows the SNS:{action} action")


def subscription_allows(sub: SubscriptionRecord, caller: str) -> bool:
    topic = arns.parse(sub.topic_arn)
    return caller == sub.account_id or (topic is not None and caller == topic.account)


def drop_none(out: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in out.items() if v is not None}
