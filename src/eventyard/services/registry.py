"""The services of one server, and how an operation finds its method: through each
service's declared operation table, never by the method's name."""

from __future__ import annotations

from prometheus_client import CollectorRegistry

from eventyard.runtime.delivery import DeliveryRuntime
from eventyard.runtime.timers import Timers
from eventyard.services import _operations
from eventyard.services._operations import Handler
from eventyard.services.events import EventsService
from eventyard.services.events import service as events_service
from eventyard.services.sns import SnsService
from eventyard.services.sns import service as sns_service
from eventyard.services.sqs import SqsService
from eventyard.services.sqs import service as sqs_service
from eventyard.services.sqs.inbound import QueueDeliverer
from eventyard.services.sqs.metrics import QueueDepths
from eventyard.store import Store


class ServiceRegistry:
    def __init__(self, store: Store, runtime: DeliveryRuntime, metrics: CollectorRegistry | None = None) -> None:
        self.store = store
        self.runtime = runtime
        sqs = SqsService(store)
        runtime.register_deliverer("sqs", QueueDeliverer(sqs))
        self.timers = Timers()
        self.events = EventsService(store, runtime, sqs, self.timers, metrics)
        self.sqs = sqs
        self.sns = SnsService(store, runtime, sqs, self.timers, metrics)
        self.queue_depths = QueueDepths(store, metrics or CollectorRegistry())
        self.handlers: dict[str, dict[str, Handler]] = {
            "events": _operations.bind(events_service.OPERATIONS, self.events),
            "sqs": _operations.bind(sqs_service.OPERATIONS, sqs),
            "sns": _operations.bind(sns_service.OPERATIONS, self.sns),
        }

    def start(self) -> None:
        """Background work of this node: the delivery outbox and SQS's upkeep (expiry,
        purges, message moves). Outbox rows left by a crash or another node are picked up
        from here on, before any request arrives."""
        self.runtime.start()
        self.timers.start()
        self.sqs.upkeep.ensure_running()
        self.sns.start()

    async def stop(self) -> None:
        await self.timers.stop()
        await self.runtime.stop()
        await self.events.api_destination_deliverer.aclose()
        await self.sns.close()

    def resolve(self, service: str, operation: str) -> Handler | None:
        """The handler of ``operation`` (AWS's name) in ``service``'s table, or None."""
        table = self.handlers.get(service)
        return None if table is None else table.get(operation)
