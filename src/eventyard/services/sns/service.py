"""Amazon SNS: topics, subscriptions, Publish and delivery."""

from __future__ import annotations

import asyncio

from prometheus_client import CollectorRegistry

from eventyard.core import clock
from eventyard.runtime.delivery import DeliveryRuntime
from eventyard.runtime.timers import Timers
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
    """One method per SNS operation (``create_topic`` for CreateTopic ...); one module per
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
        now = clock.now_ms()
        await self.store.write(lambda s: s.topics.forget_expired(now))

    async def signing_certificate(self, name: str) -> bytes | None:
        """The PEM served at ``SigningCertURL`` (``name`` is its file name), or None."""
        key = await self.signer.key()
        return key.certificate_pem if name == key.cert_name else None

    async def close(self) -> None:
        await self.http.close()
