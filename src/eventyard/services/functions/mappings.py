"""Event source mappings from SQS queues: the API (Create/Get/Update/Delete/List) and the
pollers that feed each enabled mapping's function batches of the queue's messages.

The pollers call SQS through the in-process seam, as the function's execution role
would: ``ReceiveMessage`` long-polled (visibility timeout of the queue; with
``MaximumBatchingWindowInSeconds``, more receives until ``BatchSize`` or the window's
end), then one synchronous invocation per batch (``{"Records": [...]}``), several batches
in flight per mapping (``_MappingRun``: five at first, more while the queue stays full, at
most ``ScalingConfig.MaximumConcurrency``). A batch that succeeds is deleted; with
``ReportBatchItemFailures`` only the messages not named in ``batchItemFailures`` are; a
function error, a timeout or a malformed answer deletes none, so the messages come back
after their visibility timeout and the queue's redrive policy applies. Messages that no
``FilterCriteria`` pattern matches are deleted without an invocation, as Lambda does.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import time
from collections.abc import Awaitable, Callable
from typing import Any

import orjson
import structlog

from eventyard.core import clock, ids
from eventyard.core.errors import ServiceError
from eventyard.core.identity import RequestContext
from eventyard.core.patterns import reference
from eventyard.core.patterns.event import flatten
from eventyard.core.patterns.parse import parse_pattern
from eventyard.services.functions import names
from eventyard.services.functions.access import check_access
from eventyard.services.functions.names import FunctionRef
from eventyard.services.functions.invocation import ACCOUNT_CONCURRENCY, Invocations, Throttled, pick
from eventyard.runtime.jobs import Finished, JobRuntime
from eventyard.store import Session
from eventyard.store.jobs import JobRecord, NewJob

log = structlog.get_logger("eventyard.functions.mappings")

Call = Callable[[str, str, dict[str, Any], RequestContext], Awaitable[dict[str, Any]]]
MAX_BATCH = 10_000
MAX_FILTERS = 5
POLL_SECONDS = 0.5  # how often a node re-reads the mappings (its own changes apply at once)
LONG_POLL_SECONDS = 20.0  # a poller's ReceiveMessage wait, as Lambda long-polls
FIRST_POLLERS = 5  # Lambda starts five batches at a time per SQS mapping
SCALE_STEP = 5  # then adds up to 300 a minute while messages remain
SCALE_SECONDS = 1.0
SETTLE_JOB = "lambda-mapping-settle"


def _invalid(message: str) -> ServiceError:
    return ServiceError("InvalidParameterValueException", message)


def _not_found(uuid: str) -> ServiceError:
    return ServiceError("ResourceNotFoundException", "The resource you requested does not exist.")


class EventSourceMappings:
    def __init__(self, invocations: Invocations, call: Call, jobs: JobRuntime | None = None) -> None:
        self.invocations = invocations
        self.store = invocations.store
        self.call = call
        self.jobs = jobs
        if jobs is not None:
            jobs.register(SETTLE_JOB, _SettleMapping(self))
        self._changed = asyncio.Event()  # this node changed a mapping: the pollers follow at once
        # --auth iam: (service, operation, params, ctx) -> None or raises; the execution role must
        # be allowed to read the queue, as Lambda checks when a mapping is created
        self.authorize: Callable[[str, str, dict[str, Any], RequestContext], Awaitable[None]] | None = None
        self._stopping: set[_MappingRun] = set()  # runs of changed mappings, finishing their batches

    # -- the API -----------------------------------------------------------------------
    async def create_event_source_mapping(self, ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
        source = req.get("EventSourceArn") or ""
        parts = source.split(":")
        if len(parts) != 6 or parts[2] != "sqs":
            raise _invalid("eventyard maps SQS queues only: EventSourceArn must be a queue ARN.")
        ref = names.resolve(ctx, req["FunctionName"])
        doc = await self.store.read(lambda s: s.functions.get(ref.account, ref.region, ref.name))
        if doc is None:
            raise names.not_found(ref)
        check_access(ctx, ref, doc)
        fifo = source.endswith(".fifo")
        batch = int(req.get("BatchSize") or 10)
        window = int(req.get("MaximumBatchingWindowInSeconds") or 0)
        _check_batching(batch, window, fifo)
        filters = _check_filters(req.get("FilterCriteria"))
        queue_url = await self._queue_url(ctx, source)
        await self._check_role(ref, doc, queue_url)
        attributes = (await self.call("sqs", "GetQueueAttributes", {"QueueUrl": queue_url,
                                                                    "AttributeNames": ["VisibilityTimeout"]},
                                      _as_caller(ctx, "GetQueueAttributes")))["Attributes"]
        visibility = int(attributes["VisibilityTimeout"])
        timeout = int(doc["latest"]["Timeout"])
        if timeout > visibility:
            raise _invalid(f"Queue visibility timeout: {visibility} seconds is less than Function timeout: "
                           f"{timeout} seconds")
        uuid = ids.uuid4()
        function_arn = ref.qualified_arn
        mapping: dict[str, Any] = {
            "UUID": uuid, "EventSourceMappingArn": f"arn:aws:lambda:{ctx.region}:{ctx.account}:"
                                                   f"event-source-mapping:{uuid}",
            "BatchSize": batch, "MaximumBatchingWindowInSeconds": window, "EventSourceArn": source,
            "FunctionArn": function_arn, "LastModified": clock.epoch(),
            "State": "Creating", "StateTransitionReason": "USER_INITIATED", "_enabled": bool(req.get("Enabled", True)),
            "FunctionResponseTypes": req.get("FunctionResponseTypes") or [], "_queue_url": queue_url,
            "_account": ctx.account,  # the queue is read as the mapping's account (SQS's policy decides)
        }
        if filters:
            mapping["FilterCriteria"] = req["FilterCriteria"]
        if req.get("ScalingConfig"):
            mapping["ScalingConfig"] = req["ScalingConfig"]

        def create(s: Session) -> None:
            for other in s.functions.mappings(ctx.account, ctx.region):
                if other["EventSourceArn"] == source and other["FunctionArn"] == function_arn:
                    raise ServiceError("ResourceConflictException", f"An event source mapping with SQS arn (\" "
                                       f"{source} \") and function (\" {ref.name} \") already exists. Please update "
                                       f"or delete the existing mapping with UUID {other['UUID']}")
            self._in_transition(s, uuid, ctx.account, ctx.region, mapping)

        await self.store.write(create)
        self._settling()
        return _shown(mapping)

    async def _mapping(self, ctx: RequestContext, uuid: str) -> dict[str, Any]:
        found = await self.store.read(lambda s: s.functions.mapping(uuid))
        if found is None or (found[0], found[1]) != (ctx.account, ctx.region):
            raise _not_found(uuid)
        return found[2]

    async def get_event_source_mapping(self, ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
        return _shown(await self._mapping(ctx, req["UUID"]))

    async def update_event_source_mapping(self, ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
        mapping = await self._mapping(ctx, req["UUID"])
        batch = int(req.get("BatchSize") or mapping["BatchSize"])
        window = int(req["MaximumBatchingWindowInSeconds"] if "MaximumBatchingWindowInSeconds" in req
                     else mapping["MaximumBatchingWindowInSeconds"])
        _check_batching(batch, window, mapping["EventSourceArn"].endswith(".fifo"))
        if "FilterCriteria" in req:
            if _check_filters(req["FilterCriteria"]):
                mapping["FilterCriteria"] = req["FilterCriteria"]
            else:
                mapping.pop("FilterCriteria", None)
        if "FunctionName" in req:
            mapping["FunctionArn"] = names.resolve(ctx, req["FunctionName"]).qualified_arn
        for member in ("FunctionResponseTypes", "ScalingConfig"):
            if member in req:
                mapping[member] = req[member]
        # as Lambda shows it: turning the mapping on or off is Enabling / Disabling, else Updating
        state = "Updating"
        if "Enabled" in req:
            was = bool(mapping.get("_enabled", mapping.get("State") != "Disabled"))
            mapping["_enabled"] = bool(req["Enabled"])
            if mapping["_enabled"] != was:
                state = "Enabling" if mapping["_enabled"] else "Disabling"
        mapping.update(BatchSize=batch, MaximumBatchingWindowInSeconds=window, LastModified=clock.epoch(),
                       State=state)
        await self.store.write(lambda s: self._in_transition(s, req["UUID"], ctx.account, ctx.region, mapping))
        self._settling()
        return _shown(mapping)

    async def delete_event_source_mapping(self, ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
        mapping = await self._mapping(ctx, req["UUID"])
        mapping["State"] = "Deleting"
        await self.store.write(lambda s: self._in_transition(s, req["UUID"], ctx.account, ctx.region, mapping))
        self._settling()
        return _shown(mapping)

    async def _check_role(self, ref: FunctionRef, doc: dict[str, Any], queue_url: str) -> None:
        """Under ``--auth iam``: the function's execution role must be allowed what the
        pollers do with the queue (Lambda's InvalidParameterValueException otherwise)."""
        if self.authorize is None:
            return
        role = str(doc["latest"].get("Role") or "")
        role_account, _, role_path = role.partition(":iam::")[2].partition(":role/")
        session = RequestContext(account=role_account or ref.account, region=ref.region,
                                 principal_arn=f"arn:aws:sts::{role_account}:assumed-role/"
                                               f"{role_path.rsplit('/', 1)[-1]}/{ref.name}")
        for operation in ("ReceiveMessage", "DeleteMessage", "GetQueueAttributes"):
            try:
                await self.authorize("sqs", operation, {"QueueUrl": queue_url}, session)
            except ServiceError:
                raise _invalid(f"The function execution role does not have permissions to call {operation} on "
                               "SQS") from None

    # -- the states ------------------------------------------------------------------------
    def _in_transition(self, s: Session, uuid: str, account: str, region: str, mapping: dict[str, Any]) -> None:
        """``mapping`` stored in its transitional state (Creating, Updating, Enabling,
        Disabling, Deleting), with
        the durable job that settles it, in one unit of work (a crash only delays it)."""
        mapping["_settle"] = ids.uuid4()
        s.functions.put_mapping(uuid, account, region, mapping)
        if self.jobs is None:  # no job runtime (a bare service): settled at once
            _settle(s, uuid, mapping["_settle"])
            return
        now = clock.now_ms()
        s.jobs.add(NewJob(SETTLE_JOB, {"uuid": uuid, "settle": mapping["_settle"]}, now, now, key=f"mapping:{uuid}"))

    def _settling(self) -> None:
        if self.jobs is not None:
            self.jobs.kick()
        self._changed.set()

    async def list_event_source_mappings(self, ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
        found = await self.store.read(lambda s: s.functions.mappings(ctx.account, ctx.region))
        if req.get("EventSourceArn"):
            found = [m for m in found if m["EventSourceArn"] == req["EventSourceArn"]]
        if req.get("FunctionName"):
            ref = names.resolve(ctx, req["FunctionName"])
            found = [m for m in found if m["FunctionArn"] in (ref.arn, ref.qualified_arn)]
        return {"EventSourceMappings": [_shown(m) for m in found]}

    async def _queue_url(self, ctx: RequestContext, source: str) -> str:
        _, _, _, region, account, name = source.split(":")
        try:
            answer = await self.call("sqs", "GetQueueUrl", {"QueueName": name, "QueueOwnerAWSAccountId": account},
                                     _as_caller(ctx, "GetQueueUrl"))
        except Exception:
            raise _invalid("Error occurred while ReceiveMessage. SQS Error Code: "
                           "AWS.SimpleQueueService.NonExistentQueue. SQS Error Message: The specified queue does "
                           "not exist or you do not have access to it.") from None
        return str(answer["QueueUrl"])

    # -- the pollers --------------------------------------------------------------------
    async def poll(self) -> None:
        """The node's timer job, running for the life of the node: one ``_MappingRun`` per
        enabled mapping, started, restarted (a changed mapping) and stopped as the store's
        mappings say, re-read every ``POLL_SECONDS`` and at once when this node changed one
        (other nodes' changes arrive within ``POLL_SECONDS``)."""
        runs: dict[str, _MappingRun] = {}
        try:
            while True:
                self._changed.clear()
                try:
                    mappings = await self.store.read(lambda s: s.functions.mappings())
                except Exception as exc:  # the store is away: keep what runs, look again later
                    log.warning("functions.mappings_read_failed", error=str(exc))
                else:
                    wanted = {m["UUID"]: m for m in mappings if m.get("State") == "Enabled"}
                    for uuid, run in list(runs.items()):
                        if wanted.get(uuid) != run.mapping:
                            run.stop()  # its batches in flight finish; no new receive starts
                            del runs[uuid]
                            self._stopping.add(run)
                    for uuid, mapping in wanted.items():
                        if uuid not in runs:
                            try:
                                run = _MappingRun(self, mapping)
                            except Exception as exc:  # one broken mapping stops no other
                                log.warning("functions.mapping_start_failed", mapping=uuid, error=str(exc))
                                continue
                            runs[uuid] = run
                            run.start()
                    self._stopping = {run for run in self._stopping if run.tasks}
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(POLL_SECONDS):
                        await self._changed.wait()
        finally:
            every = list(runs.values()) + list(self._stopping)
            for run in every:
                run.cancel()
            await asyncio.gather(*(t for run in every for t in run.tasks), return_exceptions=True)

    async def _receive(self, run: "_MappingRun") -> list[dict[str, Any]]:
        """A batch: one long poll for the first messages, then, with a batching window,
        more receives until ``BatchSize`` messages or the window's end (from the first
        message), as Lambda gathers a batch."""
        want = run.batch_size
        messages = await self._receive_some(run, min(10, want), LONG_POLL_SECONDS)
        if not messages or run.window <= 0:
            return messages
        deadline = time.monotonic() + run.window
        while len(messages) < want:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            # a fractional wait: the in-process seam takes it, and the window ends on time
            messages += await self._receive_some(run, min(10, want - len(messages)), min(remaining, 20.0))
        return messages

    async def _receive_some(self, run: "_MappingRun", count: int, wait: float) -> list[dict[str, Any]]:
        answer = await self.call("sqs", "ReceiveMessage", {
            "QueueUrl": run.mapping["_queue_url"], "MaxNumberOfMessages": count, "WaitTimeSeconds": wait,
            "MessageSystemAttributeNames": ["All"], "MessageAttributeNames": ["All"]}, run.ctx)
        return list(answer.get("Messages") or [])

    async def _handle(self, run: "_MappingRun", messages: list[dict[str, Any]]) -> None:
        """One batch: filtered, handed to the function, and what is done with deleted in
        one ``DeleteMessageBatch`` per ten messages."""
        now = clock.now_ms()
        if self.invocations.metrics is not None:
            sent = [int(m.get("Attributes", {}).get("SentTimestamp") or now) for m in messages]
            self.invocations.metrics.count_batch(run.arn, len(messages), now - min(sent))
        records = [_record(m, run.source, run.region) for m in messages]
        done: list[dict[str, Any]] = []
        if run.patterns:
            kept = [r for r in records if any(reference.matches(p, flatten(_filterable(r))) for p in run.patterns)]
            done = [r for r in records if r not in kept]  # no pattern matched: deleted, as Lambda does
            records = kept
        if records:
            done += await self._invoke(run, records)
        await self._delete(run, done)

    async def _invoke(self, run: "_MappingRun", records: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The records the function handled (to delete): all on success, those not named in
        ``batchItemFailures`` with ``ReportBatchItemFailures``, none on an error."""
        ref = run.ref
        try:
            doc = await self.invocations.docs.get(ref.account, ref.region, ref.name)
            target = pick(doc, ref)
            run.limit_to(target.reserved)
            result = await self.invocations.run(ref, target, orjson.dumps({"Records": records}), ids.uuid4(),
                                                self.invocations.base_url)
        except (Throttled, ServiceError) as exc:
            log.info("functions.mapping_invoke_failed", mapping=run.uuid, error=str(exc))
            return []
        if result.function_error:
            return []  # nothing deleted: back after the visibility timeout
        failed = _batch_item_failures(result.payload, records, run.mapping)
        if failed is None:
            return []
        return [r for r in records if r["messageId"] not in failed]

    async def _delete(self, run: "_MappingRun", records: list[dict[str, Any]]) -> None:
        for start in range(0, len(records), 10):
            entries = [{"Id": str(i), "ReceiptHandle": r["receiptHandle"]}
                       for i, r in enumerate(records[start:start + 10])]
            await self.call("sqs", "DeleteMessageBatch", {"QueueUrl": run.mapping["_queue_url"], "Entries": entries},
                            run.ctx)


class _MappingRun:
    """One enabled mapping's pollers on this node. Each poller receives a batch, invokes
    the function and deletes what it handled, then receives again; several batches are so
    in flight at once, each on a warm worker of its own. As on Lambda, a mapping starts
    with ``FIRST_POLLERS`` and, while the batches come back full, adds ``SCALE_STEP``
    pollers per ``SCALE_SECONDS`` (300 a minute), up to ``ScalingConfig.MaximumConcurrency``
    or else the function's reserved concurrency (else the account's); it stops adding
    when the last step moved no more messages (the machine, not the queue, is the limit
    then). A long poll that comes back empty ends a poller above ``FIRST_POLLERS``."""

    def __init__(self, owner: EventSourceMappings, mapping: dict[str, Any]) -> None:
        self.owner = owner
        self.mapping = mapping
        self.uuid: str = mapping["UUID"]
        self.arn: str = mapping["EventSourceMappingArn"]
        self.source: str = mapping["EventSourceArn"]
        self.region = self.source.split(":")[3]
        self.ctx = RequestContext(account=mapping["_account"], region=self.region, operation="ReceiveMessage")
        self.ref = names.resolve(self.ctx, mapping["FunctionArn"])
        self.patterns = [parse_pattern(f["Pattern"])
                         for f in (mapping.get("FilterCriteria") or {}).get("Filters") or []]
        self.batch_size = int(mapping["BatchSize"])
        self.window = int(mapping.get("MaximumBatchingWindowInSeconds") or 0)
        self.most = int((mapping.get("ScalingConfig") or {}).get("MaximumConcurrency") or ACCOUNT_CONCURRENCY)
        self.tasks: set[asyncio.Task[None]] = set()
        self.receiving: set[asyncio.Task[None]] = set()
        self.pollers = 0  # counted as they start and end, before their tasks are done
        self.stopping = False
        self._measured_at = time.monotonic()
        self._moved = 0
        self._all_full = True
        self._last_rate: float | None = None

    @property
    def floor(self) -> int:
        return min(FIRST_POLLERS, self.most)

    def start(self) -> None:
        for _ in range(self.floor):
            self._spawn()

    def limit_to(self, reserved: int | None) -> None:
        """A function's reserved concurrency bounds its mapping's pollers too."""
        if reserved is not None:
            self.most = max(1, min(self.most, reserved))

    def stop(self) -> None:
        """No new batches: pollers waiting on the queue stop now, the others after their batch."""
        self.stopping = True
        for task in list(self.receiving):
            task.cancel()

    def cancel(self) -> None:
        self.stopping = True
        for task in list(self.tasks):
            task.cancel()

    def _spawn(self) -> None:
        self.pollers += 1
        task = asyncio.ensure_future(self._poller())
        task.set_name(f"eventyard-mapping-{self.uuid}")
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def _poller(self) -> None:
        try:
            await self._poll()
        finally:
            self.pollers -= 1

    async def _poll(self) -> None:
        me = asyncio.current_task()
        assert me is not None
        while not self.stopping and self.pollers <= self.most:
            self.receiving.add(me)
            try:
                messages = await self.owner._receive(self)
            except Exception as exc:  # e.g. the queue was deleted: look again later, without spinning
                log.warning("functions.mapping_receive_failed", mapping=self.uuid, error=str(exc))
                await asyncio.sleep(POLL_SECONDS)
                continue
            finally:
                self.receiving.discard(me)
            if not messages:
                if self.pollers > self.floor:
                    return  # little traffic: fewer pollers
                continue
            try:
                await self.owner._handle(self, messages)
            except Exception as exc:  # the messages come back after their visibility timeout
                log.warning("functions.mapping_batch_failed", mapping=self.uuid, error=str(exc))
                await asyncio.sleep(POLL_SECONDS)
            self._scale(len(messages))

    def _scale(self, received: int) -> None:
        self._moved += received
        self._all_full = self._all_full and received >= min(10, self.batch_size)
        now = time.monotonic()
        elapsed = now - self._measured_at
        if elapsed < SCALE_SECONDS:
            return
        rate = self._moved / elapsed
        if not self._all_full:
            self._last_rate = None  # the queue ran short: a later backlog scales afresh
        elif self.pollers < self.most and not self.stopping and (
                self._last_rate is None or rate > self._last_rate * 1.1):
            self._last_rate = rate
            for _ in range(min(SCALE_STEP, self.most - self.pollers)):
                self._spawn()
        self._measured_at, self._moved, self._all_full = now, 0, True


class _SettleMapping:
    """The ``lambda-mapping-settle`` job: Creating / Updating -> Enabled or Disabled,
    Deleting -> gone; then this node's pollers follow at once."""

    def __init__(self, mappings: EventSourceMappings) -> None:
        self.mappings = mappings

    async def run(self, job: JobRecord) -> Finished:
        p = job.payload
        await self.mappings.store.write(lambda s: _settle(s, p["uuid"], p["settle"]))
        self.mappings._changed.set()
        return Finished()


def _settle(s: Session, uuid: str, settle: str) -> None:
    found = s.functions.mapping(uuid, for_update=True)
    if found is None:
        return
    account, region, doc = found
    if doc.get("_settle") != settle:
        return  # changed again meanwhile: a newer job settles it
    if doc.get("State") == "Deleting":
        s.functions.delete_mapping(uuid)
        return
    doc["State"] = "Enabled" if doc.get("_enabled", doc.get("State") != "Disabled") else "Disabled"
    s.functions.put_mapping(uuid, account, region, doc)


def _check_batching(batch: int, window: int, fifo: bool) -> None:
    if not 1 <= batch <= (10 if fifo else MAX_BATCH):
        raise _invalid(f"BatchSize must be between 1 and {10 if fifo else MAX_BATCH}.")
    if not 0 <= window <= 300:
        raise _invalid("MaximumBatchingWindowInSeconds must be between 0 and 300.")
    if batch > 10 and window < 1:
        raise _invalid("Maximum batch window in seconds must be greater than 0 if maximum batch size is greater "
                       "than 10")


def _check_filters(criteria: dict[str, Any] | None) -> list[Any]:
    filters = (criteria or {}).get("Filters") or []
    if len(filters) > MAX_FILTERS:
        raise _invalid(f"The number of filters exceeds the limit of {MAX_FILTERS}.")
    for f in filters:
        try:
            parse_pattern(f.get("Pattern") or "")
        except Exception:
            raise _invalid("Invalid filter pattern definition.") from None
    return list(filters)


def _as_caller(ctx: RequestContext, operation: str) -> RequestContext:
    return RequestContext(account=ctx.account, region=ctx.region, base_url=ctx.base_url, operation=operation,
                          principal_arn=ctx.principal_arn, principal_id=ctx.principal_id)


def _shown(mapping: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in mapping.items() if not k.startswith("_")}


def _record(message: dict[str, Any], source: str, region: str) -> dict[str, Any]:
    # SQS's system attributes are strings already; only message attributes need a new shape
    given = message.get("MessageAttributes")
    message_attributes = {
        name: {"stringValue": a.get("StringValue"), "stringListValues": [], "binaryListValues": [],
               "dataType": a.get("DataType")}
        for name, a in given.items()} if given else {}
    body = message["Body"]
    return {"messageId": message["MessageId"], "receiptHandle": message["ReceiptHandle"], "body": body,
            "attributes": message.get("Attributes") or {}, "messageAttributes": message_attributes,
            "md5OfMessageAttributes": message.get("MD5OfMessageAttributes"),
            "md5OfBody": message.get("MD5OfBody") or hashlib.md5(body.encode()).hexdigest(),
            "eventSource": "aws:sqs", "eventSourceARN": source, "awsRegion": region}


def _filterable(record: dict[str, Any]) -> dict[str, Any]:
    """A record as filters see it: a JSON body as its object, any other body as its text."""
    try:
        body = orjson.loads(record["body"])
    except orjson.JSONDecodeError:
        body = record["body"]
    return {**record, "body": body}


def _batch_item_failures(payload: bytes, records: list[dict[str, Any]], mapping: dict[str, Any]) -> set[str] | None:
    """The message ids to keep, or None when the answer fails the whole batch."""
    if "ReportBatchItemFailures" not in (mapping.get("FunctionResponseTypes") or []):
        return set()
    try:
        answer = orjson.loads(payload)
    except orjson.JSONDecodeError:
        return None
    if answer is None or answer == {} or not isinstance(answer, dict):
        return set()
    items = answer.get("batchItemFailures")
    if items is None or items == []:
        return set()
    known = {r["messageId"] for r in records}
    if not isinstance(items, list):
        return None
    failed: set[str] = set()
    for item in items:
        ident = item.get("itemIdentifier") if isinstance(item, dict) else None
        if not isinstance(ident, str) or ident not in known:
            return None  # a malformed or unknown identifier fails the whole batch
        failed.add(ident)
    return failed
