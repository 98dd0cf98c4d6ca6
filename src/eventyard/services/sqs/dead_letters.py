"""Dead-letter queue operations: ListDeadLetterSourceQueues and message move tasks
(StartMessageMoveTask, CancelMessageMoveTask, ListMessageMoveTasks). The tasks run in
``upkeep``."""

from __future__ import annotations

import base64
import binascii
import uuid
from typing import Any

import orjson

from eventyard.core import clock
from eventyard.core.identity import RequestContext
from eventyard.services._pagination import Page
from eventyard.services.sqs import access, errors, urls
from eventyard.services.sqs.directory import QueueDirectory, queue_url
from eventyard.services.sqs.upkeep import Upkeep
from eventyard.store import Session, Store
from eventyard.store.queues import MoveTaskRecord, QueueRecord

MAX_MOVE_RATE = 500
MAX_LIST_TASKS = 10
MAX_LIST_SOURCES = 1000


def _task_handle(source_arn: str) -> str:
    return base64.b64encode(orjson.dumps({"taskId": str(uuid.uuid4()), "sourceArn": source_arn})).decode()


def _handle_source(handle: str) -> str | None:
    """The source ARN a task handle names, or None when it is no task handle at all."""
    try:
        data = orjson.loads(base64.b64decode(handle, validate=True))
    except (binascii.Error, ValueError, orjson.JSONDecodeError):
        return None
    if not isinstance(data, dict) or "taskId" not in data:
        return None
    source = data.get("sourceArn")
    return source if isinstance(source, str) else ""


class DeadLetterOperations:
    """ListDeadLetterSourceQueues and message move tasks; ``upkeep`` runs the tasks."""

    def __init__(self, store: Store, directory: QueueDirectory, upkeep: Upkeep) -> None:
        self.store = store
        self.directory = directory
        self.upkeep = upkeep

    async def list_dead_letter_source_queues(self, ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
        record = await self.directory.find(ctx, req["QueueUrl"])
        limit = req.get("MaxResults")
        if limit is not None and not 1 <= limit <= MAX_LIST_SOURCES:
            raise errors.invalid_value("MaxResults", limit, f"MaxResults must be an integer between 1 and {MAX_LIST_SOURCES}.")
        page = Page(req.get("NextToken"), limit or MAX_LIST_SOURCES, error_code=errors.INVALID_PARAMETER)
        found = await self.store.read(
            lambda s: s.queues.dead_letter_sources(record.arn, after=page.after, limit=page.read_limit))
        shown, token = page.cut(found, lambda q: q.name)
        out: dict[str, Any] = {"queueUrls": [queue_url(ctx, q) for q in shown]}
        if limit is not None and token is not None:  # AWS paginates only when asked to
            out["NextToken"] = token
        return out

    async def start_message_move_task(self, ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
        source_arn: str = req["SourceArn"]
        destination_arn: str | None = req.get("DestinationArn")
        rate = req.get("MaxNumberOfMessagesPerSecond")
        if rate is not None and not 1 <= rate <= MAX_MOVE_RATE:
            raise errors.invalid_value("MaxNumberOfMessagesPerSecond", rate, f"Must be between 1 and {MAX_MOVE_RATE}.")

        def start(s: Session) -> str:
            source = self._by_arn(s, ctx, source_arn, "SourceArn")
            if not s.queues.is_dead_letter_target(source.arn):
                raise errors.invalid("Source queue must be configured as a Dead Letter Queue.")
            if destination_arn is not None:
                destination = self._by_arn(s, ctx, destination_arn, "DestinationArn")
                if destination.id == source.id:
                    raise errors.invalid("Source queue and destination queue must be different.")
            if any(t.status == "RUNNING" for t in s.queues.move_tasks(source.arn, 10)):
                raise errors.invalid(
                    "There is already a task running. Only one active task is allowed for a source queue arn "
                    "at a given time."
                )
            upto = s.messages.last_id()
            handle = _task_handle(source.arn)
            s.queues.add_move_task(MoveTaskRecord(
                task_handle=handle, source_queue_id=source.id, source_arn=source.arn, destination_arn=destination_arn,
                max_per_second=rate, status="RUNNING", started_at=clock.now_ms(), upto=upto, moved=0,
                to_move=s.messages.count_upto(source.id, after_id=source.purged_upto, upto=upto),
            ))
            return handle

        handle = await self.store.write(start)
        self.upkeep.kick()
        return {"TaskHandle": handle}

    async def cancel_message_move_task(self, ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
        handle: str = req["TaskHandle"]
        source_arn = _handle_source(handle)
        if source_arn is None:  # AWS's wording, without the value
            raise errors.invalid("Value for parameter TaskHandle is invalid.")

        def cancel(s: Session) -> int:
            self._by_arn(s, ctx, source_arn, "SourceArn")
            task = s.queues.move_task(handle)
            if task is None or task.source_arn != source_arn:
                raise errors.resource_not_found("Task does not exist.")
            if task.status != "RUNNING":
                raise errors.invalid("Only active tasks can be cancelled.")
            s.queues.update_move_task(handle, status="CANCELLED")
            return task.moved

        return {"ApproximateNumberOfMessagesMoved": await self.store.write(cancel)}

    async def list_message_move_tasks(self, ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
        limit = req.get("MaxResults")
        if limit is not None and not 1 <= limit <= MAX_LIST_TASKS:
            raise errors.invalid_value("MaxResults", limit, f"Must be between 1 and {MAX_LIST_TASKS}.")
        source_arn: str = req["SourceArn"]

        def list_tasks(s: Session) -> list[MoveTaskRecord]:
            source = self._by_arn(s, ctx, source_arn, "SourceArn")
            return s.queues.move_tasks(source.arn, limit or 1)

        results = []
        for task in await self.store.read(list_tasks):
            entry: dict[str, Any] = {
                "Status": task.status,
                "SourceArn": task.source_arn,
                "ApproximateNumberOfMessagesMoved": task.moved,
                "ApproximateNumberOfMessagesToMove": task.to_move,
                "StartedTimestamp": task.started_at,
            }
            if task.status == "RUNNING":
                entry["TaskHandle"] = task.task_handle
            if task.destination_arn:
                entry["DestinationArn"] = task.destination_arn
            if task.max_per_second is not None:
                entry["MaxNumberOfMessagesPerSecond"] = task.max_per_second
            if task.failure_reason:
                entry["FailureReason"] = task.failure_reason
            results.append(entry)
        return {"Results": results}

    @staticmethod
    def _by_arn(s: Session, ctx: RequestContext, arn: str, parameter: str) -> QueueRecord:
        record = s.queues.get_by_arn(arn) if urls.parse_arn(arn) else None
        if record is None:
            raise errors.resource_not_found(f"The resource that you specified for the {parameter} parameter doesn't exist.")
        access.check(ctx, record)
        return record
