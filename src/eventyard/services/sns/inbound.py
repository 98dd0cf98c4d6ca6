"""Messages other services publish to a topic (EventBridge rules with a topic target).

The delivery runtime's deliverer for kind ``sns``: ``target`` is ``arn`` (the topic),
optional ``group_id``; ``payload`` is ``body``, optional ``dedup_id`` (used on FIFO
topics). The publish is a normal one, as if the target's account had called ``Publish``:
it fans out to the topic's subscriptions in its own unit of work.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from eventyard.core.errors import ServiceError
from eventyard.core.identity import RequestContext
from eventyard.runtime.delivery import Failure
from eventyard.services.sns.publish import check_entry
from eventyard.store.deliveries import DeliveryRecord

if TYPE_CHECKING:
    from eventyard.services.sns.service import SnsService

# SNS's refusals that a retry cannot cure go to the dead-letter queue at once, with
# EventBridge's ERROR_CODE values
_NOT_RETRIED = {"NotFoundException": "NO_RESOURCE", "NotFound": "NO_RESOURCE"}


class TopicDeliverer:
    def __init__(self, sns: "SnsService") -> None:
        self.sns = sns

    async def deliver(self, record: DeliveryRecord) -> Failure | None:
        target, payload = record.target, record.payload
        topic_arn = target["arn"]
        region = topic_arn.split(":")[3] if topic_arn.count(":") >= 5 else record.region
        request: dict[str, object] = {"Message": payload["body"]}
        if target.get("group_id") is not None:
            request["MessageGroupId"] = target["group_id"]
        try:
            entry = check_entry(request)
            if target.get("group_id") is not None and payload.get("dedup_id") is not None:
                entry.dedup_id = payload["dedup_id"]
            ctx = RequestContext(account=record.account_id, region=region)
            outcome = (await self.sns._publish(ctx, topic_arn, [entry]))[0]
        except ServiceError as err:
            outcome = err
        if isinstance(outcome, ServiceError):
            code = _NOT_RETRIED.get(outcome.code, "INVALID_PARAMETER")
            return Failure(code, outcome.message, retryable=False)
        return None
