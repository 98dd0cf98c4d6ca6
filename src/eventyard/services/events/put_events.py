"""PutEvents: validate each entry, match the bus's rules, and commit the events together
with one delivery per matched target (transactional outbox) before answering.

Targets that are queues on this store are written in the same transaction (the event is
on the queue when PutEvents returns); every other target gets an outbox row that the
delivery runtime invokes, retries and dead-letters (``delivery``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Callable, Protocol

import orjson

from eventyard.core import arns, clock, ids, jsondoc
from eventyard.core.errors import ServiceError
from eventyard.core.identity import RequestContext
from eventyard.runtime.delivery import DeliveryRuntime
from eventyard.services.events import _archive_rules, delivery, transforms
from eventyard.services.events._base import DEFAULT_BUS, BusDirectory
from eventyard.services.events.matching import BusRules, RuleCache
from eventyard.services.events.metrics import EventMetrics
from eventyard.services.events.targets import target_kind
from eventyard.services.sqs.inbound import QueueWriter
from eventyard.services.sqs.types import QueueMessage, ServiceSource
from eventyard.store import Session, Store
from eventyard.store.deliveries import NewDelivery
from eventyard.store.event_rules import RuleRecord, TargetRecord

MAX_REQUEST_BYTES = 256 * 1024


def event_time(value: datetime | None, now_ms: int) -> str:
    """Events carry their time to the second, in UTC, as AWS writes it."""
    moment = value.astimezone(timezone.utc) if value is not None else datetime.fromtimestamp(now_ms / 1000, timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def entry_size(entry: dict[str, Any]) -> int:
    """An entry's size as EventBridge counts it toward the 256 KB limit."""
    size = 14 if entry.get("Time") is not None else 0
    for key in ("Source", "DetailType", "Detail"):
        if entry.get(key) is not None:
            size += len(entry[key].encode("utf-8"))
    for resource in entry.get("Resources") or ():
        size += len(resource.encode("utf-8"))
    return size


HISTORY_TRIM_SECONDS = 5.0  # how often each bus's kept events are cut back to --event-history


@dataclass
class Ingest:
    """What one unit of work accepted: the events by bus, and what to do after commit."""

    ingested_at: int = 0  # epoch ms
    detail_bytes: dict[str, int] = field(default_factory=dict)  # event id -> its Detail's bytes as sent
    queues: list[int] = field(default_factory=list)
    outbox: int = 0
    accepted: dict[str, int] = field(default_factory=dict)  # events that entered each bus, by bus ARN
    matched_buses: list[str] = field(default_factory=list)  # a bus ARN per event that matched a rule
    triggered: list[str] = field(default_factory=list)  # a rule ARN per match
    failed_transforms: list[str] = field(default_factory=list)  # rule ARNs
    invoked: list[str] = field(default_factory=list)  # rule ARNs, one per target written at once
    after_commit: list[Callable[[], None]] = field(default_factory=list)  # unit targets' signals
    # queue targets, written together per queue at the end of the unit of work
    for_queues: dict[str, list[tuple[RuleRecord, TargetRecord, dict[str, Any], str]]] = field(default_factory=dict)


class PutEventsOperations:
    """PutEvents: entries checked here, routed by ``router``."""

    def __init__(self, buses: BusDirectory, router: EventRouter) -> None:
        self.buses = buses
        self.router = router

    # -- the operation ---------------------------------------------------------------
    async def put_events(self, ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
        entries: list[dict[str, Any]] = req["Entries"]
        total = sum(entry_size(e) for e in entries)
        if total > MAX_REQUEST_BYTES:
            raise ServiceError("ValidationException", "Total size of the entries in the request is over the limit.")
        now = clock.now_ms()
        results: list[dict[str, Any] | None] = [None] * len(entries)
        events: list[tuple[int, str, str, dict[str, Any]]] = []  # (entry index, bus account, bus, event)
        detail_bytes: dict[str, int] = {}  # archives count the detail as it was sent
        for i, entry in enumerate(entries):
            try:
                owner, bus, event = self._event_of(ctx, entry, now)
            except ServiceError as err:
                results[i] = {"ErrorCode": err.code, "ErrorMessage": err.message}
                continue
            events.append((i, owner, bus, event))
            detail_bytes[event["id"]] = len(entry["Detail"].encode("utf-8"))
        for owner, bus in {(o, b) for _, o, b, _ in events if o != ctx.account}:
            if not await self.buses.bus_allows(owner, ctx.region, bus, ctx.account, ctx.principal_arn):
                target = arns.build("events", ctx.region, owner, f"event-bus/{bus}")
                raise ServiceError(
                    "AccessDeniedException",
                    f"User: arn:aws:iam::{ctx.account}:root is not authorized to perform: events:PutEvents on resource: "
                    f"{target} because no resource-based policy allows the events:PutEvents action",
                )
        for owner in sorted({o for _, o, _, _ in events}):
            mine = [(i, bus, event) for i, o, bus, event in events if o == owner]
            if owner == ctx.account:
                await self.buses.ensure_default_for(ctx)
            # an event for a bus that does not exist is accepted and dropped, as on AWS
            await self.router.ingest(owner, ctx.region, [(bus, event) for _, bus, event in mine], now,
                                     detail_bytes=detail_bytes)
            for i, _, event in mine:
                results[i] = {"EventId": event["id"]}
        failed = sum(1 for r in results if r is not None and "ErrorCode" in r)
        return {"FailedEntryCount": failed, "Entries": results}

    def _event_of(self, ctx: RequestContext, entry: dict[str, Any], now: int) -> tuple[str, str, dict[str, Any]]:
        """One entry as (bus account, bus name, the event EventBridge routes), or the
        entry's ServiceError. A bus of another account is named by its ARN."""
        for key in ("Source", "DetailType", "Detail"):
            if not entry.get(key):
                raise ServiceError("InvalidArgument", f"Parameter {key} is not valid. Reason: {key} is a required argument.")
        try:
            detail = jsondoc.loads(entry["Detail"])  # deeper than AWS processes is malformed too
        except ValueError:
            detail = None
        if not isinstance(detail, dict):
            raise ServiceError("MalformedDetail", "Detail is malformed.")
        bus_ref = entry.get("EventBusName") or DEFAULT_BUS
        if bus_ref.startswith("arn:"):
            arn = arns.parse(bus_ref)
            if arn is None or arn.service != "events" or arn.resource_type != "event-bus":
                raise ServiceError("InvalidArgument", f"Parameter EventBusName is not valid. Reason: {bus_ref} is not a valid event bus.")
            if arn.region != ctx.region:
                raise ServiceError("InvalidArgument", f"Parameter EventBusName is not valid. Reason: {bus_ref} is in another region.")
            owner, bus = arn.account, arn.resource_id
        else:
            owner, bus = ctx.account, bus_ref
        event: dict[str, Any] = {
            "version": "0",
            "id": ids.event_id(),
            "detail-type": entry["DetailType"],
            "source": entry["Source"],
            "account": ctx.account,
            "time": event_time(entry.get("Time"), now),
            "region": ctx.region,
            "resources": list(entry.get("Resources") or []),
            "detail": detail,
        }
        return owner, bus, event


class UnitTarget(Protocol):
    """A kind of target whose service can invoke it inside the routing unit of work
    (e.g. starting a state machine's execution on this store): accepted and invoked
    commit together, with no outbox row and no delivery round trip."""

    def invoke_in_unit(self, s: Session, target_arn: str, body: str, now: int) -> Callable[[], None] | None:
        """Invoke the target with ``body``; what to do after the commit, or None when it
        cannot be done here (nothing written: the outbox delivers it, with its retries
        and dead letters)."""


class EventRouter:
    """The routing pipeline of every event that enters a bus (PutEvents, bus targets,
    replays, schedules): match the bus's rules (``rule_cache``, compiled per bus), render
    each matched target's input, and in the caller's unit of work write archives, queue
    targets on this store (``queue_writer``) and outbox rows for every other target;
    after the commit wake the queues and the ``runtime``, and count in ``metrics``."""

    def __init__(self, store: Store, runtime: DeliveryRuntime, buses: BusDirectory, queue_writer: QueueWriter,
                 metrics: EventMetrics) -> None:
        self.store = store
        self.runtime = runtime
        self.buses = buses
        self.queue_writer = queue_writer
        self.metrics = metrics
        self.rule_cache = RuleCache()
        # events kept per bus for the console (--event-history); 0 keeps none
        self.history_per_bus = 0
        self._history_written: set[str] = set()  # bus ARNs written since the last trim
        self.unit_targets: dict[str, UnitTarget] = {}  # target kind -> invoked in the unit of work

    async def ingest(self, account: str, region: str, events: list[tuple[str, dict[str, Any]]], now: int,
                     *, only_rules: set[str] | None = None, detail_bytes: dict[str, int] | None = None) -> set[str]:
        """Route ``events`` (bus name, event) through their buses' rules in one unit of
        work; the names of buses that do not exist (their events are not accepted).
        ``detail_bytes``: event id -> the size of its Detail as sent (for archives)."""
        missing: set[str] = set()
        if any(bus == DEFAULT_BUS for bus, _ in events):
            await self.buses.ensure_default_bus(account, region)

        keep = self.history_per_bus > 0

        def unit(s: Session) -> Ingest:
            missing.clear()
            kept: list[tuple[str, int, dict[str, Any], list[str]]] | None = [] if keep else None
            done = self.route_in_unit(s, account, region, events, now, only_rules=only_rules,
                                      detail_bytes=detail_bytes, missing=missing, kept=kept)
            if kept:  # the console's recent events, committed with them
                s.event_history.add(kept)
            return done

        done = await self.store.write(unit)
        if keep:
            self._history_written.update(done.accepted)
        self.after_ingest(done)
        return missing

    async def trim_history(self) -> None:
        """Keep the newest ``history_per_bus`` events of each bus this node wrote to."""
        buses, self._history_written = self._history_written, set()
        if buses and self.history_per_bus > 0:
            keep = self.history_per_bus
            await self.store.write(lambda s: [s.event_history.trim(bus, keep) for bus in sorted(buses)])

    def has_rules(self, s: Session, account: str, region: str, bus: str) -> bool:
        """Inside a unit of work: whether the bus exists and has a rule (or an archive) an
        event could match; a caller may skip building events nothing would take."""
        rules = self.rule_cache.get(s, account, region, bus)
        return rules is not None and bool(rules.rules)

    def route_in_unit(self, s: Session, account: str, region: str, events: list[tuple[str, dict[str, Any]]],
                      now: int, *, only_rules: set[str] | None = None, detail_bytes: dict[str, int] | None = None,
                      missing: set[str] | None = None,
                      kept: list[tuple[str, int, dict[str, Any], list[str]]] | None = None) -> Ingest:
        """``ingest``'s routing inside the caller's unit of work (``after_ingest(done)``
        once it commits); a bus that does not exist takes nothing (its name is added to
        ``missing``), the default bus included: a service's own events go nowhere then,
        as no rule can be on it. ``kept``: each routed event with the rules it matched is
        added to it (the console's recent events)."""
        done = Ingest(ingested_at=now, detail_bytes=detail_bytes or {})
        buses: dict[str, BusRules | None] = {}
        for bus, event in events:
            if bus not in buses:  # one version check per bus and unit of work
                buses[bus] = self.rule_cache.get(s, account, region, bus)
            rules = buses[bus]
            if rules is None:
                if missing is not None:
                    missing.add(bus)
                continue
            bus_arn = arns.build("events", region, account, f"event-bus/{bus}")
            done.accepted[bus_arn] = done.accepted.get(bus_arn, 0) + 1
            matched = self.match_and_route(s, done, rules, bus_arn, event, only_rules, now)
            if kept is not None:
                kept.append((bus_arn, now, event, [rule.name for rule in matched]))
        self.write_queues(s, done, now)
        return done

    def match_and_route(self, s: Session, done: Ingest, rules: BusRules, bus_arn: str, event: dict[str, Any],
                        only_rules: set[str] | None, now: int) -> list[RuleRecord]:
        """One event through its bus's rules (``only_rules`` of them, when given) to every
        target of every rule it matches, inside the unit of work; the rules it matched."""
        matched = rules.matches(event)
        if only_rules is not None:
            matched = [rule for rule in matched if rule.arn in only_rules]
        if matched:
            done.matched_buses.append(bus_arn)
        for rule in matched:
            done.triggered.append(rule.arn)
            for target in rules.targets.get(rule.arn, ()):
                self.route(s, done, rule, target, rules.inputs[(rule.arn, target.target_id)], event, now)
        return matched

    def after_ingest(self, done: Ingest) -> None:
        """After the commit: wake long polls and the outbox, count what happened."""
        if done.queues:
            self.queue_writer.signal(done.queues)
        if done.outbox:
            self.runtime.kick()
        for signal in done.after_commit:
            signal()
        self.metrics.ingested(done.matched_buses, done.triggered, done.failed_transforms, done.accepted)
        if done.invoked:  # written in the unit of work: invoked when it committed
            self.metrics.invoked_many(done.invoked, latency_ms=clock.now_ms() - done.ingested_at)

    def route(self, s: Session, done: Ingest, rule: RuleRecord, target: TargetRecord,
              compiled: transforms.TargetInput, event: dict[str, Any], now: int) -> None:
        archive = _archive_rules.archive_of(rule, target) if rule.managed_by is not None else None
        if archive is not None:  # an archive keeps the event in this unit of work
            size = _archive_rules.archived_size(event, done.detail_bytes.get(event.get("id", "")))
            s.event_archives.add_events([(archive, now, _archive_rules.event_time_ms(event, now), event)], [size])
            return
        try:
            body = transforms.render(compiled, event, rule_arn=rule.arn, rule_name=rule.name, ingestion_ms=now)
        except transforms.TransformFailed:
            done.failed_transforms.append(rule.arn)
            return
        kind = target_kind(target.target_arn)
        if kind == "sqs":
            done.for_queues.setdefault(target.target_arn, []).append((rule, target, event, body))
            return
        in_unit = self.unit_targets.get(kind)
        if in_unit is not None:
            signal = in_unit.invoke_in_unit(s, target.target_arn, body, now)
            if signal is not None:
                done.after_commit.append(signal)
                done.invoked.append(rule.arn)
                return
        self._to_outbox(s, done, rule, target, kind, event, body, now)

    def _to_outbox(self, s: Session, done: Ingest, rule: RuleRecord, target: TargetRecord, kind: str,
                   event: dict[str, Any], body: str, now: int) -> None:
        s.deliveries.add([NewDelivery(
            origin=delivery.ORIGIN, account_id=rule.account_id, region=rule.region, target_kind=kind,
            target=delivery.target_of(target, kind), payload=delivery.payload_of(rule, target, event, body, now),
            created_at=now, due_at=now,
        )])
        done.outbox += 1

    def write_queues(self, s: Session, done: Ingest, now: int) -> None:
        """Queue targets on this store are written in the unit of work itself, one batch
        per queue; what a queue refuses goes through the outbox (retries, dead letters)."""
        sources: dict[str, ServiceSource] = {}  # the rule is what another account's queue policy may name
        for queue_arn, items in done.for_queues.items():
            messages = []
            for rule, target, _, body in items:
                source = sources.get(rule.arn)
                if source is None:
                    source = sources[rule.arn] = ServiceSource("events.amazonaws.com", rule.arn)
                group = (target.spec.get("SqsParameters") or {}).get("MessageGroupId")
                messages.append(QueueMessage(body, group_id=group, via=source))
            write = self.queue_writer.write(s, queue_arn, messages, sender=items[0][0].account_id, now=now)
            if write.queue_id is not None:
                done.queues.append(write.queue_id)
            refused = set(write.refused)
            done.invoked.extend(rule.arn for i, (rule, _, _, _) in enumerate(items) if i not in refused)
            for i in write.refused:
                rule, target, event, body = items[i]
                self._to_outbox(s, done, rule, target, "sqs", event, body, now)
