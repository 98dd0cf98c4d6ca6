"""Amazon SNS: topics, subscriptions, Publish and delivery."""

from __future__ import annotations

from prometheus_client import CollectorRegistry

from eventyard.core import clock
from eventyard.runtime.delivery import DeliveryRuntime
from eventyard.runtime.http import OutboundHttp
from eventyard.runtime.timers import Timers
from eventyard.services import _operations
from eventyard.services._operations import Handler, OperationTable
from eventyard.services.sns import delivery
from eventyard.services.sns.directory import TopicDirectory
from eventyard.services.sns.matching import SubscriptionCache
from eventyard.services.sns.metrics import TopicMetrics
from eventyard.services.sns.platform import PlatformOperations
from eventyard.services.sns.publish import PublishOperations
from eventyard.services.sns.signing import Signer
from eventyard.services.sns.subscriptions import SubscriptionOperations
from eventyard.services.sns.topics import TopicOperations
from eventyard.services.sqs import SqsService
from eventyard.store import Store


class SnsService:
    """Amazon SNS, made of its collaborators: the topic directory, the signing key, the
    subscription cache and metrics, one object per concern serving its operations
    (``OPERATIONS`` below names which), and the deliverers it registers with the node's
    delivery runtime (origin ``sns``: HTTP/S endpoints, and topics as another service's
    targets). Queue subscriptions are written through SQS's ``queue_writer``."""

    def __init__(self, store: Store, runtime: DeliveryRuntime, sqs: SqsService, timers: Timers | None = None,
                 metrics: CollectorRegistry | None = None, http: OutboundHttp | None = None) -> None:
        self.store = store
        self.signer = Signer(store)
        self.metrics = TopicMetrics(metrics or CollectorRegistry())
        self.subscriptions = SubscriptionCache()
        directory = TopicDirectory(store)
        self.topics = TopicOperations(store, directory, self.subscriptions)
        self.subscribing = SubscriptionOperations(store, runtime, directory, self.signer)
        self.platform = PlatformOperations(store)
        self.publishing = PublishOperations(store, runtime, directory, self.signer, self.subscriptions, self.metrics,
                                            sqs.queue_writer, self.platform)
        self.http = delivery.HttpDeliverer(http)
        runtime.register_origin(delivery.ORIGIN, delivery.SnsOrigin(sqs.queue_writer, self.metrics))
        runtime.register_deliverer("http", self.http)
        runtime.register_deliverer("https", self.http)
        runtime.register_deliverer("sns", delivery.TopicDeliverer(self.publishing))
        if timers is not None:
            timers.every(60.0, "sns-dedup-expiry", self.forget_expired_dedup)
            timers.at_start("sns-signing-key", self.signer.key)  # made or loaded now, not in the first Publish
        self._handlers = _operations.bind(OPERATIONS, self.topics, self.subscribing, self.platform, self.publishing)
        _operations.expose(self, self._handlers)

    def operations(self) -> dict[str, Handler]:
        """Every operation served, by AWS's name, bound to its collaborator."""
        return self._handlers

    @property
    def public_url(self) -> str:
        """Where clients reach this node, for URLs in messages no request carries."""
        return self.publishing.public_url

    @public_url.setter
    def public_url(self, url: str) -> None:
        self.publishing.public_url = url

    async def publish_on_behalf(self, publisher: str, region: str, topic_arn: str, message: str, *,
                                group_id: str | None = None, dedup_id: str | None = None) -> str:
        """``PublishOperations.publish_on_behalf``: a publish from inside eventyard."""
        return await self.publishing.publish_on_behalf(publisher, region, topic_arn, message,
                                                       group_id=group_id, dedup_id=dedup_id)

    async def forget_expired_dedup(self) -> None:
        """FIFO deduplication ids older than the 5-minute window."""
        now = clock.now_ms()
        await self.store.write(lambda s: s.topics.forget_expired(now))

    async def signing_certificate(self, name: str) -> bytes | None:
        """The PEM served at ``SigningCertURL`` (``name`` is its file name), or None."""
        key = await self.signer.key()
        return key.certificate_pem if name == key.cert_name else None


# Every SNS operation eventyard serves, and the collaborator's method serving it:
# nothing else of the service is reachable over the wire.
OPERATIONS: OperationTable = {
    "AddPermission": TopicOperations.add_permission,
    "CheckIfPhoneNumberIsOptedOut": PlatformOperations.check_if_phone_number_is_opted_out,
    "ConfirmSubscription": SubscriptionOperations.confirm_subscription,
    "CreatePlatformApplication": PlatformOperations.create_platform_application,
    "CreatePlatformEndpoint": PlatformOperations.create_platform_endpoint,
    "CreateSMSSandboxPhoneNumber": PlatformOperations.create_sms_sandbox_phone_number,
    "CreateTopic": TopicOperations.create_topic,
    "DeleteEndpoint": PlatformOperations.delete_endpoint,
    "DeletePlatformApplication": PlatformOperations.delete_platform_application,
    "DeleteSMSSandboxPhoneNumber": PlatformOperations.delete_sms_sandbox_phone_number,
    "DeleteTopic": TopicOperations.delete_topic,
    "GetDataProtectionPolicy": TopicOperations.get_data_protection_policy,
    "GetEndpointAttributes": PlatformOperations.get_endpoint_attributes,
    "GetPlatformApplicationAttributes": PlatformOperations.get_platform_application_attributes,
    "GetSMSAttributes": PlatformOperations.get_sms_attributes,
    "GetSMSSandboxAccountStatus": PlatformOperations.get_sms_sandbox_account_status,
    "GetSubscriptionAttributes": SubscriptionOperations.get_subscription_attributes,
    "GetTopicAttributes": TopicOperations.get_topic_attributes,
    "ListEndpointsByPlatformApplication": PlatformOperations.list_endpoints_by_platform_application,
    "ListOriginationNumbers": PlatformOperations.list_origination_numbers,
    "ListPhoneNumbersOptedOut": PlatformOperations.list_phone_numbers_opted_out,
    "ListPlatformApplications": PlatformOperations.list_platform_applications,
    "ListSMSSandboxPhoneNumbers": PlatformOperations.list_sms_sandbox_phone_numbers,
    "ListSubscriptions": SubscriptionOperations.list_subscriptions,
    "ListSubscriptionsByTopic": SubscriptionOperations.list_subscriptions_by_topic,
    "ListTagsForResource": TopicOperations.list_tags_for_resource,
    "ListTopics": TopicOperations.list_topics,
    "OptInPhoneNumber": PlatformOperations.opt_in_phone_number,
    "Publish": PublishOperations.publish,
    "PublishBatch": PublishOperations.publish_batch,
    "PutDataProtectionPolicy": TopicOperations.put_data_protection_policy,
    "RemovePermission": TopicOperations.remove_permission,
    "SetEndpointAttributes": PlatformOperations.set_endpoint_attributes,
    "SetPlatformApplicationAttributes": PlatformOperations.set_platform_application_attributes,
    "SetSMSAttributes": PlatformOperations.set_sms_attributes,
    "SetSubscriptionAttributes": SubscriptionOperations.set_subscription_attributes,
    "SetTopicAttributes": TopicOperations.set_topic_attributes,
    "Subscribe": SubscriptionOperations.subscribe,
    "TagResource": TopicOperations.tag_resource,
    "Unsubscribe": SubscriptionOperations.unsubscribe,
    "UntagResource": TopicOperations.untag_resource,
    "VerifySMSSandboxPhoneNumber": PlatformOperations.verify_sms_sandbox_phone_number,
}
