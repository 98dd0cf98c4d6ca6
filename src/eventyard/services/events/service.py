"""Amazon EventBridge: buses, rules, targets, PutEvents and delivery."""

from __future__ import annotations

from prometheus_client import CollectorRegistry

from eventyard.runtime.delivery import DeliveryRuntime
from eventyard.runtime.http import OutboundHttp
from eventyard.runtime.timers import Timers
from eventyard.services import _operations
from eventyard.services._operations import Handler, OperationTable
from eventyard.services.events import delivery
from eventyard.services.events._base import BusDirectory
from eventyard.services.events._http import ApiDestinationDeliverer
from eventyard.services.events._http_auth import TokenCache
from eventyard.services.events.api_destinations import ApiDestinationOperations
from eventyard.services.events.archives import SWEEP_SECONDS, ArchiveOperations
from eventyard.services.events.buses import BusOperations
from eventyard.services.events.connections import ConnectionOperations
from eventyard.services.events.metrics import EventMetrics
from eventyard.services.events.permissions import PermissionOperations
from eventyard.services.events.put_events import HISTORY_TRIM_SECONDS, EventRouter, PutEventsOperations
from eventyard.services.events.replays import REPLAY_TICK_SECONDS, ReplayOperations
from eventyard.services.events.rules import RuleOperations
from eventyard.services.events.scheduling import SchedulingOperations
from eventyard.services.events.targets import TargetOperations
from eventyard.services.sqs import SqsService
from eventyard.store import Store


class EventsService:
    """Amazon EventBridge, made of its collaborators: the bus directory, the routing
    pipeline (``router``: rule cache, queue writes, outbox, metrics), one object per
    concern serving its operations (``OPERATIONS`` below names which), and what it
    registers with the node's runtime: its delivery origin, the bus-target and API
    destination deliverers, and its periodic jobs (schedules, replays, archive sweeps)."""

    def __init__(self, store: Store, runtime: DeliveryRuntime, sqs: SqsService, timers: Timers,
                 metrics: CollectorRegistry | None = None, http: OutboundHttp | None = None) -> None:
        self.metrics = EventMetrics(metrics or CollectorRegistry())
        self.buses = BusDirectory(store)
        self.router = EventRouter(store, runtime, self.buses, sqs.queue_writer, self.metrics)
        self.bus_operations = BusOperations(store, self.buses)
        self.rules = RuleOperations(store, self.buses)
        self.targets = TargetOperations(store, self.buses)
        self.put_events_operation = PutEventsOperations(self.buses, self.router)
        self.archives = ArchiveOperations(store, self.buses)
        self.permissions = PermissionOperations(store, self.buses)
        self.replays = ReplayOperations(store, self.buses, self.router)
        self.scheduling = SchedulingOperations(store, self.router)
        http = http or OutboundHttp()
        tokens = TokenCache()  # OAuth tokens of connections, shared by the two below
        self.connections = ConnectionOperations(store, timers, tokens, http)
        self.api_destinations = ApiDestinationOperations(store)
        self.api_destination_deliverer = ApiDestinationDeliverer(store, tokens, self.connections.connection_authorized,
                                                                 http, with_secrets=self.connections.with_secrets)
        runtime.register_origin(delivery.ORIGIN, delivery.EventsOrigin(sqs.queue_writer, self.metrics))
        runtime.register_deliverer("events", delivery.BusDeliverer(self.buses, self.router))
        runtime.register_deliverer("api-destination", self.api_destination_deliverer)
        timers.every(1.0, "events-schedules", self.scheduling.fire_due)
        timers.every(REPLAY_TICK_SECONDS, "events-replays", self.replays.step_replays)
        timers.every(SWEEP_SECONDS, "events-archive-sweep", self.archives.sweep_archives)
        timers.every(HISTORY_TRIM_SECONDS, "events-history-trim", self.router.trim_history)
        self._handlers = _operations.bind(
            OPERATIONS, self.bus_operations, self.rules, self.targets, self.put_events_operation, self.archives,
            self.permissions, self.replays, self.connections, self.api_destinations)
        _operations.expose(self, self._handlers)

    def operations(self) -> dict[str, Handler]:
        """Every operation served, by AWS's name, bound to its collaborator."""
        return self._handlers

    @property
    def rules_per_bus(self) -> int:
        """The quota of rules per bus (AWS's default unless the server is told otherwise)."""
        return self.rules.rules_per_bus

    @rules_per_bus.setter
    def rules_per_bus(self, limit: int) -> None:
        self.rules.rules_per_bus = limit

    async def fire_due(self) -> int:
        """``SchedulingOperations.fire_due``: every due tick of every scheduled rule."""
        return await self.scheduling.fire_due()


# Every EventBridge operation eventyard serves, and the collaborator's method serving
# it: nothing else of the service is reachable over the wire.
OPERATIONS: OperationTable = {
    "CancelReplay": ReplayOperations.cancel_replay,
    "CreateApiDestination": ApiDestinationOperations.create_api_destination,
    "CreateArchive": ArchiveOperations.create_archive,
    "CreateConnection": ConnectionOperations.create_connection,
    "CreateEventBus": BusOperations.create_event_bus,
    "DeauthorizeConnection": ConnectionOperations.deauthorize_connection,
    "DeleteApiDestination": ApiDestinationOperations.delete_api_destination,
    "DeleteArchive": ArchiveOperations.delete_archive,
    "DeleteConnection": ConnectionOperations.delete_connection,
    "DeleteEventBus": BusOperations.delete_event_bus,
    "DeleteRule": RuleOperations.delete_rule,
    "DescribeApiDestination": ApiDestinationOperations.describe_api_destination,
    "DescribeArchive": ArchiveOperations.describe_archive,
    "DescribeConnection": ConnectionOperations.describe_connection,
    "DescribeEventBus": BusOperations.describe_event_bus,
    "DescribeReplay": ReplayOperations.describe_replay,
    "DescribeRule": RuleOperations.describe_rule,
    "DisableRule": RuleOperations.disable_rule,
    "EnableRule": RuleOperations.enable_rule,
    "ListApiDestinations": ApiDestinationOperations.list_api_destinations,
    "ListArchives": ArchiveOperations.list_archives,
    "ListConnections": ConnectionOperations.list_connections,
    "ListEventBuses": BusOperations.list_event_buses,
    "ListReplays": ReplayOperations.list_replays,
    "ListRuleNamesByTarget": RuleOperations.list_rule_names_by_target,
    "ListRules": RuleOperations.list_rules,
    "ListTagsForResource": BusOperations.list_tags_for_resource,
    "ListTargetsByRule": TargetOperations.list_targets_by_rule,
    "PutEvents": PutEventsOperations.put_events,
    "PutPermission": PermissionOperations.put_permission,
    "PutRule": RuleOperations.put_rule,
    "PutTargets": TargetOperations.put_targets,
    "RemovePermission": PermissionOperations.remove_permission,
    "RemoveTargets": TargetOperations.remove_targets,
    "StartReplay": ReplayOperations.start_replay,
    "TagResource": BusOperations.tag_resource,
    "TestEventPattern": BusOperations.test_event_pattern,
    "UntagResource": BusOperations.untag_resource,
    "UpdateApiDestination": ApiDestinationOperations.update_api_destination,
    "UpdateArchive": ArchiveOperations.update_archive,
    "UpdateConnection": ConnectionOperations.update_connection,
    "UpdateEventBus": BusOperations.update_event_bus,
}
