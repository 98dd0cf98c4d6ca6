"""Amazon SNS: topics, subscriptions, Publish and delivery."""

from __future__ import annotations

from prometheus_client import CollectorRegistry

from eventyard.core import clock
from eventyard.core.errors import ServiceError
from eventyard.core.identity import RequestContext
from eventyard.runtime.delivery import DeliveryRuntime
from eventyard.runtime.http import OutboundHttp
from eventyard.runtime.timers import Timers
from eventyard.services._operations import OperationTable
from eventyard.services.sns import delivery
from eventyard.services.sns.matching import SubscriptionCache
from eventyard.services.sns.metrics import TopicMetrics
from eventyard.services.sns.platform import PlatformOperations
from eventyard.services.sns.publish import PublishOperations, check_entry
from eventyard.services.sns.subscriptions import SubscriptionOperations
from eventyard.services.sns.topics import TopicOperations
from eventyard.services.sqs import SqsService
from eventyard.store import Store


class SnsService(TopicOperations, SubscriptionOperations, PublishOperations, PlatformOperations):
    """One method per SNS operation (``create_topic`` for CreateTopic ..., declared in
    ``OPERATIONS`` below); one module per
    concern, sharing ``SnsBase``. Registers the ``sns`` delivery origin and the HTTP/S
    deliverer with the node's delivery runtime."""

    def __init__(self, store: Store, runtime: DeliveryRuntime, sqs: SqsService, timers: Timers | None = None,
                 metrics: CollectorRegistry | None = None, http: OutboundHttp | None = None) -> None:
        super().__init__(store, runtime, sqs)
        self.metrics = TopicMetrics(metrics or CollectorRegistry())
        self.subscriptions = SubscriptionCache()
        self.http = delivery.HttpDeliverer(http)
        runtime.register_origin(delivery.ORIGIN, delivery.SnsOrigin(self))
        runtime.register_deliverer("http", self.http)
        runtime.register_deliverer("https", self.http)
        runtime.register_deliverer("sns", delivery.TopicDeliverer(self))
        if timers is not None:
            timers.every(60.0, "sns-dedup-expiry", self.forget_expired_dedup)
            timers.at_start("sns-signing-key", self.signer.key)  # made or loaded now, not in the first Publish

    async def publish_on_behalf(self, publisher: str, region: str, topic_arn: str, message: str, *,
                                group_id: str | None = None, dedup_id: str | None = None) -> str:
        """Publish ``message`` to a topic from inside eventyard (an EventBridge rule's target,
        next a state machine's task) for the ``publisher`` account: checked as Publish
        checks a message, and against the topic's policy when the topic is another
        account's. Returns the MessageId; raises the ServiceError Publish would answer.
        ``dedup_id`` counts on FIFO topics only."""
        request: dict[str, str] = {"Message": message}
        if group_id is not None:
            request["MessageGroupId"] = group_id
        if dedup_id is not None and topic_arn.endswith(".fifo"):
            request["MessageDeduplicationId"] = dedup_id
        entry = check_entry(request)
        if topic_arn.split(":")[4:5] != [publisher]:
            await self._topic(topic_arn, caller=publisher, action="Publish")
        context = RequestContext(account=publisher, region=region, base_url=self.public_url)
        [result] = await self._publish(context, topic_arn, [entry])
        if isinstance(result, ServiceError):
            raise result
        return str(result["MessageId"])

    async def forget_expired_dedup(self) -> None:
        """FIFO deduplication ids older than the 5-minute window."""
        now = clock.now_ms()
        await self.store.write(lambda s: s.topics.forget_expired(now))

    async def signing_certificate(self, name: str) -> bytes | None:
        """The PEM served at ``SigningCertURL`` (``name`` is its file name), or None."""
        key = await self.signer.key()
        return key.certificate_pem if name == key.cert_name else None


# Every SNS operation eventyard serves, and the method serving it: nothing else
# of the service is reachable over the wire.
OPERATIONS: OperationTable = {
    "AddPermission": SnsService.add_permission,
    "CheckIfPhoneNumberIsOptedOut": SnsService.check_if_phone_number_is_opted_out,
    "ConfirmSubscription": SnsService.confirm_subscription,
    "CreatePlatformApplication": SnsService.create_platform_application,
    "CreatePlatformEndpoint": SnsService.create_platform_endpoint,
    "CreateSMSSandboxPhoneNumber": SnsService.create_sms_sandbox_phone_number,
    "CreateTopic": SnsService.create_topic,
    "DeleteEndpoint": SnsService.delete_endpoint,
    "DeletePlatformApplication": SnsService.delete_platform_application,
    "DeleteSMSSandboxPhoneNumber": SnsService.delete_sms_sandbox_phone_number,
    "DeleteTopic": SnsService.delete_topic,
    "GetDataProtectionPolicy": SnsService.get_data_protection_policy,
    "GetEndpointAttributes": SnsService.get_endpoint_attributes,
    "GetPlatformApplicationAttributes": SnsService.get_platform_application_attributes,
    "GetSMSAttributes": SnsService.get_sms_attributes,
    "GetSMSSandboxAccountStatus": SnsService.get_sms_sandbox_account_status,
    "GetSubscriptionAttributes": SnsService.get_subscription_attributes,
    "GetTopicAttributes": SnsService.get_topic_attributes,
    "ListEndpointsByPlatformApplication": SnsService.list_endpoints_by_platform_application,
    "ListOriginationNumbers": SnsService.list_origination_numbers,
    "ListPhoneNumbersOptedOut": SnsService.list_phone_numbers_opted_out,
    "ListPlatformApplications": SnsService.list_platform_applications,
    "ListSMSSandboxPhoneNumbers": SnsService.list_sms_sandbox_phone_numbers,
    "ListSubscriptions": SnsService.list_subscriptions,
    "ListSubscriptionsByTopic": SnsService.list_subscriptions_by_topic,
    "ListTagsForResource": SnsService.list_tags_for_resource,
    "ListTopics": SnsService.list_topics,
    "OptInPhoneNumber": SnsService.opt_in_phone_number,
    "Publish": SnsService.publish,
    "PublishBatch": SnsService.publish_batch,
    "PutDataProtectionPolicy": SnsService.put_data_protection_policy,
    "RemovePermission": SnsService.remove_permission,
    "SetEndpointAttributes": SnsService.set_endpoint_attributes,
    "SetPlatformApplicationAttributes": SnsService.set_platform_application_attributes,
    "SetSMSAttributes": SnsService.set_sms_attributes,
    "SetSubscriptionAttributes": SnsService.set_subscription_attributes,
    "SetTopicAttributes": SnsService.set_topic_attributes,
    "Subscribe": SnsService.subscribe,
    "TagResource": SnsService.tag_resource,
    "Unsubscribe": SnsService.unsubscribe,
    "UntagResource": SnsService.untag_resource,
    "VerifySMSSandboxPhoneNumber": SnsService.verify_sms_sandbox_phone_number,
}
