"""Amazon SNS: topics, subscriptions, Publish and delivery."""

from __future__ import annotations

import asyncio

from prometheus_client import CollectorRegistry

from eventyard.core import clock
from eventyard.runtime.delivery import DeliveryRuntime
from eventyard.runtime.timers import Timers
from eventyard.services._operations import OperationTable
from eventyard.services.sns import delivery
from eventyard.services.sns.matching import SubscriptionCache
from eventyard.services.sns.metrics import TopicMetrics
from eventyard.services.sns.platform import PlatformOperations
from eventyard.services.sns.publish import PublishOperations
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
                 metrics: CollectorRegistry | None = None) -> None:
        super().__init__(store, runtime, sqs)
        self.metrics = TopicMetrics(metrics or CollectorRegistry())
        self.subscriptions = SubscriptionCache()
        self.http = delivery.HttpDeliverer()
        runtime.register_origin(delivery.ORIGIN, delivery.SnsOrigin(self))
        runtime.register_deliverer("http", self.http)
        runtime.register_deliverer("https", self.http)
        runtime.register_deliverer("sns", delivery.TopicDeliverer(self))
        if timers is not None:
            timers.every(60.0, "sns-dedup-expiry", self.forget_expired_dedup)

    def start(self) -> None:
        """Make or load the signing key now, not in the first Publish."""
        self._warming = asyncio.ensure_future(self.signer.key())

    async def forget_expired_dedup(self) -> None:
        """FIFO deduplication ids older than the 5-minute window."""
        now = int(clock.epoch() * 1000)
        await self.store.write(lambda s: s.topics.forget_expired(now))

    async def signing_certificate(self, name: str) -> bytes | None:
        """The PEM served at ``SigningCertURL`` (``name`` is its file name), or None."""
        key = await self.signer.key()
        return key.certificate_pem if name == key.cert_name else None

    async def close(self) -> None:
        await self.http.close()


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
