"""Amazon EventBridge: buses, rules, targets, PutEvents and delivery."""

from __future__ import annotations

from prometheus_client import CollectorRegistry

from eventyard.runtime.delivery import DeliveryRuntime
from eventyard.runtime.http import OutboundHttp
from eventyard.runtime.timers import Timers
from eventyard.services.events import delivery
from eventyard.services.events._http import ApiDestinationDeliverer
from eventyard.services.events.api_destinations import ApiDestinationOperations
from eventyard.services.events.archives import SWEEP_SECONDS, ArchiveOperations
from eventyard.services.events.buses import BusOperations
from eventyard.services.events.connections import ConnectionOperations
from eventyard.services.events.metrics import EventMetrics
from eventyard.services.events.permissions import PermissionOperations
from eventyard.services.events.replays import REPLAY_TICK_SECONDS, ReplayOperations
from eventyard.services.events.scheduling import SchedulingOperations
from eventyard.services.sqs import SqsService
from eventyard.store import Store


class EventsService(BusOperations, ArchiveOperations, PermissionOperations, ReplayOperations,
                    SchedulingOperations, ConnectionOperations, ApiDestinationOperations):
    """One method per EventBridge operation (``put_rule`` for PutRule ...); one module per
    concern, sharing ``EventsBase``. Registers its delivery origin and the bus-target
    deliverer with the node's delivery runtime."""

    def __init__(self, store: Store, runtime: DeliveryRuntime, sqs: SqsService, timers: Timers,
                 metrics: CollectorRegistry | None = None, http: OutboundHttp | None = None) -> None:
        super().__init__(store, runtime, sqs)
        self._init_put_events()
        self.metrics = EventMetrics(metrics or CollectorRegistry())
        runtime.register_origin(delivery.ORIGIN, delivery.EventsOrigin(self))
        runtime.register_deliverer("events", delivery.BusDeliverer(self))
        self._init_connections(timers)
        self.api_destination_deliverer = ApiDestinationDeliverer(self, http)
        runtime.register_deliverer("api-destination", self.api_destination_deliverer)
        timers.every(1.0, "events-schedules", self.fire_due)
        timers.every(REPLAY_TICK_SECONDS, "events-replays", self.step_replays)
        timers.every(SWEEP_SECONDS, "events-archive-sweep", self.sweep_archives)
