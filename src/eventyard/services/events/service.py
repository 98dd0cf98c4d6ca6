"""Amazon EventBridge: buses, rules, targets, PutEvents and delivery."""

from __future__ import annotations

from prometheus_client import CollectorRegistry

from eventyard.runtime.delivery import DeliveryRuntime
from eventyard.runtime.http import OutboundHttp
from eventyard.runtime.timers import Timers
from eventyard.services._operations import OperationTable
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
    """One method per EventBridge operation (``put_rule`` for PutRule ..., declared in
    ``OPERATIONS`` below); one module per
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


# Every EventBridge operation eventyard serves, and the method serving it: nothing else
# of the service is reachable over the wire.
OPERATIONS: OperationTable = {
    "CancelReplay": EventsService.cancel_replay,
    "CreateApiDestination": EventsService.create_api_destination,
    "CreateArchive": EventsService.create_archive,
    "CreateConnection": EventsService.create_connection,
    "CreateEventBus": EventsService.create_event_bus,
    "DeauthorizeConnection": EventsService.deauthorize_connection,
    "DeleteApiDestination": EventsService.delete_api_destination,
    "DeleteArchive": EventsService.delete_archive,
    "DeleteConnection": EventsService.delete_connection,
    "DeleteEventBus": EventsService.delete_event_bus,
    "DeleteRule": EventsService.delete_rule,
    "DescribeApiDestination": EventsService.describe_api_destination,
    "DescribeArchive": EventsService.describe_archive,
    "DescribeConnection": EventsService.describe_connection,
    "DescribeEventBus": EventsService.describe_event_bus,
    "DescribeReplay": EventsService.describe_replay,
    "DescribeRule": EventsService.describe_rule,
    "DisableRule": EventsService.disable_rule,
    "EnableRule": EventsService.enable_rule,
    "ListApiDestinations": EventsService.list_api_destinations,
    "ListArchives": EventsService.list_archives,
    "ListConnections": EventsService.list_connections,
    "ListEventBuses": EventsService.list_event_buses,
    "ListReplays": EventsService.list_replays,
    "ListRuleNamesByTarget": EventsService.list_rule_names_by_target,
    "ListRules": EventsService.list_rules,
    "ListTagsForResource": EventsService.list_tags_for_resource,
    "ListTargetsByRule": EventsService.list_targets_by_rule,
    "PutEvents": EventsService.put_events,
    "PutPermission": EventsService.put_permission,
    "PutRule": EventsService.put_rule,
    "PutTargets": EventsService.put_targets,
    "RemovePermission": EventsService.remove_permission,
    "RemoveTargets": EventsService.remove_targets,
    "StartReplay": EventsService.start_replay,
    "TagResource": EventsService.tag_resource,
    "TestEventPattern": EventsService.test_event_pattern,
    "UntagResource": EventsService.untag_resource,
    "UpdateApiDestination": EventsService.update_api_destination,
    "UpdateArchive": EventsService.update_archive,
    "UpdateConnection": EventsService.update_connection,
    "UpdateEventBus": EventsService.update_event_bus,
}
