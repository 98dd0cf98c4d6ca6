"""Finding topics and subscriptions by ARN, with the caller's access checked."""

from __future__ import annotations

from eventyard.services.sns._common import (
    check_arn,
    check_subscription_arn,
    invalid,
    not_authorized,
    not_found,
    subscription_allows,
    topic_allows,
    topic_not_found,
)
from eventyard.store import Session, Store
from eventyard.store.topics import SubscriptionRecord, TopicRecord


class TopicDirectory:
    def __init__(self, store: Store) -> None:
        self.store = store

    async def topic(self, topic_arn: str | None, field: str = "TopicArn", *, caller: str | None = None,
                    action: str = "", region: str | None = None, principal_arn: str | None = None) -> TopicRecord:
        """The topic an ARN names; with ``caller``, one whose owner or policy lets the
        caller's account do ``action``; with ``region``, one of the caller's region."""
        if not topic_arn:
            raise invalid(f"{field} Reason: no value for required parameter")
        check_arn(topic_arn, field, region=region)
        record = await self.store.read(lambda s: s.topics.get(topic_arn))
        if record is None:
            raise topic_not_found()
        if caller is not None and not topic_allows(record, caller, action, principal_arn):
            raise not_authorized(caller, action, record.arn)
        return record

    async def subscription(self, arn: str | None, *, caller: str | None = None,
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


def topic_in(s: Session, topic_arn: str, *, for_update: bool = False) -> TopicRecord:
    """Inside a unit of work: the topic as committed now (``for_update``: locked, for a
    read-modify-write of its attributes)."""
    record = s.topics.get(topic_arn, for_update=for_update)
    if record is None:
        raise topic_not_found()
    return record
