"""State and helpers shared by the SNS operations."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from eventyard.core import arns
from eventyard.core.errors import ServiceError
from eventyard.runtime.delivery import DeliveryRuntime
from eventyard.services.sns.signing import Signer
from eventyard.services.sqs import SqsService
from eventyard.store import Session, Store
from eventyard.store.topics import SubscriptionRecord, TopicRecord

if TYPE_CHECKING:
    from eventyard.services.sns.matching import SubscriptionCache

MAX_TOPICS = 100_000  # AWS quota: standard topics per account
MAX_TAGS = 50
MAX_SUBJECT = 100
DEFAULT_MAX_MESSAGE_SIZE = 262_144
MAX_MESSAGE_SIZE = 1_048_576
DEDUP_WINDOW_MS = 5 * 60 * 1000


def invalid(message: str) -> ServiceError:
    return ServiceError("InvalidParameterException", f"Invalid parameter: {message}")


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


def policy_allows(policy_text: str | None, caller: str, action: str) -> bool:
    """An ``Allow`` statement without conditions for ``SNS:<action>`` whose principal is the
    caller's account, its root, or everyone. Conditions are not evaluated, so a statement
    with one (the default policy's ``AWS:SourceOwner``) lets no other account in."""
    if not policy_text:
        return False
    try:
        policy = json.loads(policy_text)
    except ValueError:
        return False
    statements = policy.get("Statement") or []
    if isinstance(statements, dict):
        statements = [statements]
    for st in statements:
        if not isinstance(st, dict) or st.get("Effect") != "Allow" or st.get("Condition"):
            continue
        actions = st.get("Action") or []
        actions = [actions] if isinstance(actions, str) else actions
        if not any(a.lower() in (f"sns:{action.lower()}", "sns:*", "*") for a in actions if isinstance(a, str)):
            continue
        principal = st.get("Principal")
        if principal == "*":
            return True
        if isinstance(principal, dict):
            aws = principal.get("AWS") or []
            aws = [aws] if isinstance(aws, str) else aws
            if any(p in ("*", caller, f"arn:aws:iam::{caller}:root") for p in aws):
                return True
    return False


def not_authorized(caller: str, action: str, arn: str) -> ServiceError:
    return ServiceError("AuthorizationErrorException",
                        f"User: arn:aws:iam::{caller}:root is not authorized to perform: SNS:{action} on resource: "
                        f"{arn} because no resource-based policy allows the SNS:{action} action")


class SnsBase:
    subscriptions: "SubscriptionCache"

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
        if caller is not None and caller != record.account_id and not policy_allows(
                record.attributes.get("Policy"), caller, action):
            raise not_authorized(caller, action, record.arn)
        return record

    @staticmethod
    def _topic_in(s: Session, topic_arn: str) -> TopicRecord:
        record = s.topics.get(topic_arn)
        if record is None:
            raise topic_not_found()
        return record

    async def _subscription(self, arn: str | None) -> SubscriptionRecord:
        if not arn:
            raise invalid("SubscriptionArn Reason: no value for required parameter")
        check_subscription_arn(arn)
        record = await self.store.read(lambda s: s.topics.subscription(arn))
        if record is None:
            raise not_found("Subscription does not exist")
        return record

    @staticmethod
    def _drop_none(out: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in out.items() if v is not None}
