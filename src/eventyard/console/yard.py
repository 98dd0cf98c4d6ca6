"""What the console reads and changes, always as the signed-in viewer.

AWS operations go through the in-process seam (``Invoker``: the same validation,
handlers and, with ``--auth iam``, the same policy checks as the wire). The few reads
AWS has no operation for (peek, counters, queue depths) come from the service objects,
authorized as the nearest AWS operation: peeking needs ``sqs:ReceiveMessage``.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, replace
from typing import Any

from prometheus_client import CollectorRegistry

from eventyard.api.auth import Authenticator
from eventyard.console.charts import QueueSamples, Sample
from eventyard.api.errors import WireError
from eventyard.api.invoke import Invoker
from eventyard.core import clock
from eventyard.core.errors import ServiceError
from eventyard.core.identity import DEFAULT_ACCOUNT, DEFAULT_REGION, Identity, RequestContext
from eventyard.services.events.history import RecentEvents
from eventyard.services.registry import ServiceRegistry
from eventyard.services.sqs.peek import PeekPage
from eventyard.services.stepfunctions.waiting import WaitingTasks
from eventyard.store.event_archives import ArchivedEvent
from eventyard.store.delivery_history import Attempt, PublishedMessage
from eventyard.store.event_history import KeptEvent
from eventyard.store import Session
from eventyard.store.queues import QueueDepth
from eventyard.store.resource_search import FoundResource
from eventyard.store.states import TaskRecord


class Refused(Exception):
    """An operation the console called was refused: its AWS error code and message."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Viewer:
    """Who looks through the console: a principal of one account, in one region."""

    identity: Identity
    region: str = DEFAULT_REGION
    access_key: str | None = None  # None with --auth none

    @property
    def account(self) -> str:
        return self.identity.account

    def context(self, base_url: str) -> RequestContext:
        return RequestContext(account=self.identity.account, region=self.region, access_key=self.access_key,
                              base_url=base_url, principal_arn=self.identity.arn,
                              principal_id=self.identity.principal_id, session_policy=self.identity.session_policy)


# the kinds the search box finds, and the operation that lets a viewer list each
SEARCHED = {"queue": ("sqs", "ListQueues"), "topic": ("sns", "ListTopics"), "event bus": ("events", "ListEventBuses"),
            "rule": ("events", "ListRules"), "state machine": ("stepfunctions", "ListStateMachines"),
            "function": ("lambda", "ListFunctions")}

HOME_DEPTHS_SECONDS = 5.0  # the home page's message totals are shared this long between pages and streams


@dataclass(frozen=True)
class HomeDepths:
    queues: int
    visible: int
    not_visible: int  # in flight or delayed
    dead_letter_queues: list[QueueDepth]

DEFAULT_VIEWER = Viewer(Identity.root(DEFAULT_ACCOUNT))

# the console's home counters: (shown name, metric sample, whose label carries an ARN)
COUNTERS = (
    ("events in", "eventyard_events_accepted_events_total"),
    ("events matched", "eventyard_events_matched_events_total"),
    ("target invocations", "eventyard_events_invocations_total"),
    ("failed invocations", "eventyard_events_failed_invocations_total"),
    ("SNS deliveries", "eventyard_sns_notifications_delivered_total"),
    ("SNS failures", "eventyard_sns_notifications_failed_total"),
    ("executions started", "eventyard_stepfunctions_executions_started_total"),
)
# the operation a viewer must be allowed for the home page to show a service's counts
LISTING: dict[str, tuple[str, dict[str, Any]]] = {"events": ("ListEventBuses", {}), "sqs": ("ListQueues", {}), "sns": ("ListTopics", {}),
           "stepfunctions": ("ListStateMachines", {})}
_SERVICE_OF_SAMPLE = {"eventyard_events": "events", "eventyard_sns": "sns", "eventyard_stepfunctions": "stepfunctions"}

# a rule's counters (CloudWatch's names), by the rule's ARN
RULE_COUNTERS = (
    ("matched (TriggeredRules)", "eventyard_events_triggered_rules_total"),
    ("invocations", "eventyard_events_invocations_total"),
    ("failed invocations", "eventyard_events_failed_invocations_total"),
    ("retries", "eventyard_events_retry_invocation_attempts_total"),
    ("sent to a dead-letter queue", "eventyard_events_dead_letter_invocations_total"),
)


def _service_of(sample: str) -> str:
    return next((service for prefix, service in _SERVICE_OF_SAMPLE.items() if sample.startswith(prefix + "_")), "")


class Yard:
    def __init__(self, invoker: Invoker, registry: ServiceRegistry, auth: Authenticator,
                 metrics: CollectorRegistry) -> None:
        self.invoker = invoker
        self.registry = registry
        self.auth = auth
        self.metrics = metrics
        self.waiting = WaitingTasks(registry.store)
        self.recent_events = RecentEvents(registry.store, registry.events.router)
        self._home: dict[tuple[str, str], tuple[int, HomeDepths]] = {}  # (account, region) -> (read at ms, totals)
        self._home_counting: set[tuple[str, str]] = set()  # accounts whose totals are being counted
        self.samples = QueueSamples()

    @property
    def signs_in(self) -> bool:
        """Whether viewers must sign in with an access key pair (``--auth sigv4|iam``)."""
        return self.auth.mode != "none"

    async def call(self, viewer: Viewer, service: str, operation: str, params: dict[str, Any],
                   base_url: str = "http://localhost:4566") -> dict[str, Any]:
        try:
            return await self.invoker.invoke(service, operation, params, viewer.context(base_url))
        except (ServiceError, WireError) as exc:
            raise Refused(exc.code, exc.message) from None

    async def may(self, viewer: Viewer, service: str, operation: str, params: dict[str, Any]) -> bool:
        """Whether the viewer may call ``operation`` (always, unless ``--auth iam`` says no)."""
        if self.invoker.authorize is None:
            return True
        try:
            context = replace(viewer.context("http://localhost"), operation=operation)
            await self.invoker.authorize(service, operation, params, context)
        except (ServiceError, WireError):
            return False
        return True

    async def peek(self, viewer: Viewer, queue_url: str, *, containing: str | None, after: int,
                   limit: int) -> PeekPage:
        if not await self.may(viewer, "sqs", "ReceiveMessage", {"QueueUrl": queue_url}):
            raise Refused("AccessDenied", "You may not receive messages from this queue, so you may not peek at them.")
        try:
            return await self.registry.sqs.peek.messages(viewer.context("http://localhost"), queue_url,
                                                         containing=containing, after=after, limit=limit)
        except ServiceError as exc:
            raise Refused(exc.code, exc.message) from None

    async def waiting_tasks(self, viewer: Viewer, execution_arn: str) -> list[TaskRecord]:
        """The task tokens an execution waits on, for a viewer who may describe it."""
        if not await self.may(viewer, "stepfunctions", "DescribeExecution", {"executionArn": execution_arn}):
            return []
        try:
            return await self.waiting.of_execution(viewer.context("http://localhost"), execution_arn)
        except ServiceError:
            return []

    async def kept_events(self, viewer: Viewer, bus: str, *, after: int = 0, before: int | None = None,
                          limit: int = 50) -> list[KeptEvent]:
        """The newest events kept on one of the viewer's buses (a viewer who may describe it)."""
        if not await self.may(viewer, "events", "DescribeEventBus", {"Name": bus}):
            raise Refused("AccessDenied", "You may not describe this event bus, so you may not see its events.")
        return await self.recent_events.recent(viewer.context("http://localhost"), bus, after=after, before=before,
                                               limit=limit)

    async def find_kept_events(self, viewer: Viewer, event_id: str) -> list[KeptEvent]:
        """The viewer's kept events with this id, on buses the viewer may describe."""
        found = await self.recent_events.find(viewer.context("http://localhost"), event_id)
        return [e for e in found if await self.may(viewer, "events", "DescribeEventBus",
                                                    {"Name": e.bus_arn.split("event-bus/", 1)[-1]})]

    async def kept_event(self, viewer: Viewer, bus: str, row_id: int) -> KeptEvent | None:
        if not await self.may(viewer, "events", "DescribeEventBus", {"Name": bus}):
            raise Refused("AccessDenied", "You may not describe this event bus, so you may not see its events.")
        return await self.recent_events.get(viewer.context("http://localhost"), bus, row_id)

    async def search_resources(self, viewer: Viewer, text: str, limit: int = 200) -> list[FoundResource]:
        """The viewer's resources whose name or ARN contains ``text``, of the kinds the
        viewer may list (``--auth iam``), read from the store in one go."""
        kinds = {kind for kind, (service, operation) in SEARCHED.items()
                 if await self.may(viewer, service, operation, {})}
        if not kinds:
            return []
        return await self.registry.store.read(
            lambda s: s.resource_search.containing(viewer.account, viewer.region, text, kinds=kinds, limit=limit))

    async def next_fire(self, rule_arn: str) -> int | None:
        """When a scheduled rule fires next (the caller has described the rule)."""
        return await self.registry.store.read(lambda s: s.event_rules.next_fire(rule_arn))

    async def attempts(self, message_id: str) -> list[Attempt]:
        """Every kept delivery attempt of an event or message (the caller has checked
        that the viewer may see the event or message)."""
        return await self.registry.store.read(lambda s: s.delivery_history.attempts(message_id))

    async def published(self, viewer: Viewer, topic_arn: str, *, before: int | None = None,
                        limit: int = 50) -> list[PublishedMessage]:
        """A topic's kept messages, newest first, for a viewer who may read its attributes."""
        if not await self.may(viewer, "sns", "GetTopicAttributes", {"TopicArn": topic_arn}):
            raise Refused("AccessDenied", "You may not read this topic, so you may not see its messages.")
        return await self.registry.store.read(
            lambda s: s.delivery_history.published(topic_arn, before_id=before, limit=limit))

    async def published_message(self, viewer: Viewer, topic_arn: str, message_id: str) -> PublishedMessage | None:
        if not await self.may(viewer, "sns", "GetTopicAttributes", {"TopicArn": topic_arn}):
            raise Refused("AccessDenied", "You may not read this topic, so you may not see its messages.")
        return await self.registry.store.read(lambda s: s.delivery_history.message(topic_arn, message_id))

    @property
    def history_kept(self) -> int:
        """How many events or messages each bus or topic keeps (0: the history is off)."""
        return self.registry.delivery_history.keep

    async def archived_events(self, viewer: Viewer, archive: str, *, containing: str | None, before: int | None,
                              limit: int) -> tuple[list[ArchivedEvent], int | None]:
        """An archive's events, newest first, for a viewer who may describe the archive."""
        if not await self.may(viewer, "events", "DescribeArchive", {"ArchiveName": archive}):
            raise Refused("AccessDenied", "You may not describe this archive, so you may not see its events.")
        try:
            return await self.registry.events.archives.browse_events(
                viewer.context("http://localhost"), archive, containing=containing, before=before, limit=limit)
        except ServiceError as exc:
            raise Refused(exc.code, exc.message) from None

    async def depths_of(self, viewer: Viewer, names: list[str], cap: int | None = None) -> list[QueueDepth]:
        """The depths of some of the viewer's queues (a page's worth), each through the
        queue's own index range: never a scan of every message; each count stops at
        ``cap`` when given."""
        arns = [f"arn:aws:sqs:{viewer.region}:{viewer.account}:{name}" for name in names]
        now = clock.now_ms()
        return await self.registry.store.read(lambda s: s.queues.depths_of(arns, now, cap=cap))

    def queue_samples(self, depth: QueueDepth) -> list[Sample]:
        """Add a sample of a queue's depth to its live chart; the chart's samples."""
        return self.samples.add(depth, clock.now_ms())

    async def home_depths(self, viewer: Viewer) -> HomeDepths:
        """The viewer's account's message totals and dead-letter queues: counted in the
        queues' ready index, not by reading messages, at most every ``HOME_DEPTHS_SECONDS``
        and in the background: a page gets the latest count at once (only the first
        page of an account waits for one)."""
        key = (viewer.account, viewer.region)
        now = clock.now_ms()
        cached = self._home.get(key)
        if cached is None:
            return await self._count_home(viewer, key)
        if now - cached[0] >= HOME_DEPTHS_SECONDS * 1000 and key not in self._home_counting:
            self._home_counting.add(key)
            task = asyncio.ensure_future(self._count_home(viewer, key))
            task.add_done_callback(lambda done: self._counted(key, done))
        return cached[1]

    def _counted(self, key: tuple[str, str], done: "asyncio.Future[HomeDepths]") -> None:
        self._home_counting.discard(key)
        if not done.cancelled() and done.exception() is not None:  # the next page counts again
            self._home.pop(key, None)

    async def _count_home(self, viewer: Viewer, key: tuple[str, str]) -> HomeDepths:
        now = clock.now_ms()

        def read(s: Session) -> HomeDepths:
            queues, visible, hidden = s.queues.message_totals(viewer.account, viewer.region, now)
            dead = s.queues.depths_of(s.queues.dead_letter_arns(viewer.account, viewer.region), now)
            return HomeDepths(queues, visible, hidden, dead)

        found = await self.registry.store.read(read)
        if len(self._home) > 1000:
            self._home.clear()
        self._home[key] = (now, found)
        return found

    def rule_counters(self, rule_arn: str) -> dict[str, float]:
        """This node's counters of one rule (its ARN names the account: only its owner asks)."""
        wanted = {sample: name for name, sample in RULE_COUNTERS}
        totals = {name: 0.0 for name, _ in RULE_COUNTERS}
        for family in self.metrics.collect():
            for sample in family.samples:
                name = wanted.get(sample.name)
                if name is not None and sample.labels.get("rule") == rule_arn:
                    totals[name] += sample.value
        return totals

    async def listable(self, viewer: Viewer) -> frozenset[str]:
        """The services whose resources the viewer may list (all of them unless ``--auth
        iam`` says otherwise): the home page shows counts of those only."""
        return frozenset([service for service, (operation, params) in LISTING.items()
                          if await self.may(viewer, service, operation, params)])

    def counters(self, viewer: Viewer, services: frozenset[str] = frozenset(LISTING)) -> dict[str, float]:
        """Totals of the node's counters for resources of the viewer's account and region,
        of ``services`` only."""
        mark = f":{viewer.region}:{viewer.account}:"
        wanted = {sample: name for name, sample in COUNTERS if _service_of(sample) in services}
        totals = {name: 0.0 for name in wanted.values()}
        for family in self.metrics.collect():
            for sample in family.samples:
                name = wanted.get(sample.name)
                if name is not None and any(mark in value for value in sample.labels.values()):
                    totals[name] += sample.value
        return totals
