"""State and helpers shared by the SNS operations."""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING, Any

from eventyard.core import arns, policies
from eventyard.core.errors import ServiceError
from eventyard.runtime.delivery import DeliveryRuntime
from eventyard.services.sns.signing import Signer
from eventyard.services.sqs import SqsService
from eventyard.store import Session, Store
from eventyard.store.topics import SubscriptionRecord, TopicRecord

if TYPE_CHECKING:
    from eventyard.services.sns.matching import SubscriptionCache
    from eventyard.services.sns.metrics import TopicMetrics

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


@lru_cache(maxsize=1024)
def _parsed(text: str) -> policies.Policy | None:
    try:
        return policies.parse_policy(text)
    except policies.PolicyError:
        return None


def topic_allows(topic: TopicRecord, caller: str, action: str) -> bool:
    """Whether ``caller``'s account may do ``SNS:<action>`` on ``topic``: the owner unless
    the topic policy denies it, another account where the policy allows it. The default
    policy's ``AWS:SourceOwner`` condition holds for no direct call of another account."""
    text = topic.attributes.get("Policy") or default_policy(topic.arn, topic.account_id)
    request = policies.AccessRequest(policies.Principal.of_account(caller), f"SNS:{action}", topic.arn)
    return policies.authorize(_parsed(text), request, owner=topic.account_id, policy_admin=action in _POLICY_ADMIN)


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


class SnsBase:
    subscriptions: "SubscriptionCache"
    metrics: "TopicMetrics"

    def __init__(self, store: Store, runtime: DeliveryRuntime, sqs: SqsService) -> None:
        self.store = store
        self.runtime = runtime
        self.sqs = sqs
        self.signer = Signer(store)
        # where clients reach this node, for the URLs in messages that no request carries
        # (an EventBridge rule publishing to a topic): the last SNS request's, or the default
        self.public_url = "http://localhost:4566"

    async def _topic(self, topic_arn: str | None, field: str = "TopicArn", *, caller: str | None = None,
                     action: str = "", region: str | None = None) -> TopicRecord:
        """The topic an ARN names; with ``caller``, one whose owner or policy lets the
        caller's account do ``action``; with ``region``, one of the caller's region."""
        if not topic_arn:
            raise invalid(f"{field} Reason: no value for required parameter")
        check_arn(topic_arn, field, region=region)
        record = await self.store.read(lambda s: s.topics.get(topic_arn))
        if record is None:
            raise topic_not_found()
        if caller is not None and not topic_allows(record, caller, action):
            raise not_authorized(caller, action, record.arn)
        return record

    @staticmethod
    def _topic_in(s: Session, topic_arn: str, *, for_update: bool = False) -> TopicRecord:
        record = s.topics.get(topic_arn, for_update=for_update)
        if record is None:
            raise topic_not_found()
        return record

    async def _subscription(self, arn: str | None, *, caller: str | None = None,
                            action: str = "") -> SubscriptionRecord:
        """The subscription an ARN names; with ``caller``, only for the subscription's
        owner or the topic's owner (subscriptions have no policy of their own)."""
        if not arn:
            raise invalid("SubscriptionArn Reason: no value for required parameter")
        check_subscription_arn(arn)
        record = await self.store.read(lambda s: s.topics.subscription(arn))
        if record is None:
            raise not_found("Subscription does not exist")
        if caller is not None and not subscription_allows(record, caller):
            raise not_authorized(caller, action, arn)
        return record

    @staticmethod
    def _drop_none(out: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in out.items() if v is not None}
