"""Event source mappings from SQS queues: the API (Create/Get/Update/Delete/List) and the
poller that feeds each enabled mapping's function batches of the queue's messages.

The poller calls SQS through the in-process seam, as the function's execution role
would: ``ReceiveMessage`` (visibility timeout of the queue), then one synchronous
invocation per batch (``{"Records": [...]}``). A batch that succeeds is deleted; with
``ReportBatchItemFailures`` only the messages not named in ``batchItemFailures`` are; a
function error, a timeout or a malformed answer deletes none, so the messages come back
after their visibility timeout and the queue's redrive policy applies. Messages that no
``FilterCriteria`` pattern matches are deleted without an invocation, as Lambda does.
"""

from __future__ import annotations

import asyncio
import hashlib
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
from eventyard.services.functions.invocation import Invocations, Throttled, pick
from eventyard.store import Session

log = structlog.get_logger("eventyard.functions.mappings")

Call = Callable[[str, str, dict[str, Any], RequestContext], Awaitable[dict[str, Any]]]
MAX_BATCH = 10_000
MAX_FILTERS = 5
MAX_ROUNDS = 100  # a busy queue yields to the timer between this many rounds
POLL_SECONDS = 0.5  # how often an idle node looks at its mappings' queues


def _invalid(message: str) -> ServiceError:
    return ServiceError("InvalidParameterValueException", message)


def _not_found(uuid: str) -> ServiceError:
    return ServiceError("ResourceNotFoundException", "The resource you requested does not exist.")


class EventSourceMappings:
    def __init__(self, invocations: Invocations, call: Call) -> None:
        self.invocations = invocations
        self.store = invocations.store
        self.call = call

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
            "State": "Enabled" if req.get("Enabled", True) else "Disabled", "StateTransitionReason": "USER_INITIATED",
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
            s.functions.put_mapping(uuid, ctx.account, ctx.region, mapping)

        await self.store.write(create)
        return {**_shown(mapping), "State": "Creating"}

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
        if "Enabled" in req:
            mapping["State"] = "Enabled" if req["Enabled"] else "Disabled"
        mapping.update(BatchSize=batch, MaximumBatchingWindowInSeconds=window, LastModified=clock.epoch())
        await self.store.write(lambda s: s.functions.put_mapping(req["UUID"], ctx.account, ctx.region, mapping))
        return {**_shown(mapping), "State": "Updating"}

    async def delete_event_source_mapping(self, ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
        mapping = await self._mapping(ctx, req["UUID"])
        await self.store.write(lambda s: s.functions.delete_mapping(req["UUID"]))
        return {**_shown(mapping), "State": "Deleting"}

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

    # -- the poller ----------------------------------------------------------------------
    async def poll(self) -> int:
        """Rounds over every enabled mapping while they find messages (at most
        ``MAX_ROUNDS``): how many messages were handled."""
        total = 0
        for _ in range(MAX_ROUNDS):
            handled = await self.poll_once()
            total += handled
            if not handled:
                break
        return total

    async def poll_once(self) -> int:
        """One round over every enabled mapping: each takes up to its batch size of
        messages and hands them to its function. How many messages were handled."""
        mappings = await self.store.read(lambda s: s.functions.mappings())
        enabled = [m for m in mappings if m.get("State") == "Enabled"]
        done = await asyncio.gather(*(self._poll_one(m) for m in enabled), return_exceptions=True)
        handled = 0
        for mapping, outcome in zip(enabled, done):
            if isinstance(outcome, BaseException):
                log.warning("functions.mapping_poll_failed", mapping=mapping["UUID"], error=str(outcome))
            else:
                handled += outcome
        return handled

    async def _poll_one(self, mapping: dict[str, Any]) -> int:
        source = mapping["EventSourceArn"]
        region = source.split(":")[3]
        ctx = RequestContext(account=mapping["_account"], region=region, operation="ReceiveMessage")
        messages: list[dict[str, Any]] = []
        while len(messages) < int(mapping["BatchSize"]):
            want = min(10, int(mapping["BatchSize"]) - len(messages))
            got = (await self.call("sqs", "ReceiveMessage", {
                "QueueUrl": mapping["_queue_url"], "MaxNumberOfMessages": want,
                "MessageSystemAttributeNames": ["All"], "MessageAttributeNames": ["All"]}, ctx)).get("Messages") or []
            messages += got
            if len(got) < want:
                break
        if not messages:
            return 0
        records = [_record(m, source, region) for m in messages]
        patterns = [parse_pattern(f["Pattern"]) for f in (mapping.get("FilterCriteria") or {}).get("Filters") or []]
        if patterns:
            kept = [r for r in records if any(reference.matches(p, flatten(_filterable(r))) for p in patterns)]
            dropped = [r for r in records if r not in kept]
            await self._delete(ctx, mapping, dropped)
            records = kept
        if not records:
            return len(messages)
        ref = names.resolve(ctx, mapping["FunctionArn"])
        try:
            doc = await self.store.read(lambda s: s.functions.get(ref.account, ref.region, ref.name))
            target = pick(doc, ref)
            result = await self.invocations.run(ref, target, orjson.dumps({"Records": records}), ids.uuid4(),
                                                self.invocations.base_url)
        except (Throttled, ServiceError) as exc:
            log.info("functions.mapping_invoke_failed", mapping=mapping["UUID"], error=str(exc))
            return len(messages)
        if result.function_error:
            return len(messages)  # nothing deleted: back after the visibility timeout
        failed = _batch_item_failures(result.payload, records, mapping)
        if failed is None:
            return len(messages)
        await self._delete(ctx, mapping, [r for r in records if r["messageId"] not in failed])
        return len(messages)

    async def _delete(self, ctx: RequestContext, mapping: dict[str, Any], records: list[dict[str, Any]]) -> None:
        for start in range(0, len(records), 10):
            entries = [{"Id": str(i), "ReceiptHandle": r["receiptHandle"]}
                       for i, r in enumerate(records[start:start + 10])]
            await self.call("sqs", "DeleteMessageBatch", {"QueueUrl": mapping["_queue_url"], "Entries": entries}, ctx)


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
    attributes = {k: str(v) for k, v in (message.get("Attributes") or {}).items()}
    message_attributes = {
        name: {"stringValue": a.get("StringValue"), "stringListValues": [], "binaryListValues": [],
               "dataType": a.get("DataType")}
        for name, a in (message.get("MessageAttributes") or {}).items()}
    return {"messageId": message["MessageId"], "receiptHandle": message["ReceiptHandle"], "body": message["Body"],
            "attributes": attributes, "messageAttributes": message_attributes,
            "md5OfMessageAttributes": message.get("MD5OfMessageAttributes"),
            "md5OfBody": message.get("MD5OfBody") or hashlib.md5(message["Body"].encode()).hexdigest(),
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
