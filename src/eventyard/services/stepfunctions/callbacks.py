"""Answers from outside: task tokens (SendTaskSuccess, SendTaskFailure,
SendTaskHeartbeat) and activities with their workers (GetActivityTask long-polls on a
keyed wake-up, woken when a task is queued on this node or, through the store, another)."""

from __future__ import annotations

import json
import os
import re
import time
from typing import TYPE_CHECKING, Any

from eventyard.core.states.definition import loads_within_nesting, parse_error_text
from eventyard.core import clock
from eventyard.core.errors import ServiceError
from eventyard.core.identity import RequestContext
from eventyard.core.states import TaskFailed, TaskHeartbeat, TaskStarted, TaskSucceeded
from eventyard.runtime.wakeups import fallback_seconds
from eventyard.services.stepfunctions._base import check_name, check_tags, epoch_seconds, owned, parse_arn, tags_in
from eventyard.services.stepfunctions.driver import ACTIVITY_WAKE, AfterCommit, Driver
from eventyard.services.stepfunctions.machines import page
from eventyard.store import Session, Store
from eventyard.store.states import ActivityRecord, TaskRecord

if TYPE_CHECKING:
    from eventyard.runtime.wakeups import Wakeups

POLL_SECONDS = 60.0  # GetActivityTask's long poll, as AWS holds it
_TOKEN = re.compile(r"^[0-9a-f]{64}$")


def poll_seconds() -> float:
    """How long GetActivityTask waits for a task (tests shorten it)."""
    raw = os.environ.get("EVENTYARD_SFN_ACTIVITY_POLL_SECONDS")
    try:
        return float(raw) if raw else POLL_SECONDS
    except ValueError:
        return POLL_SECONDS


def activity_not_found(arn: str) -> ServiceError:
    return ServiceError("ActivityDoesNotExist", f"Activity Does Not Exist: '{arn}'")


class CallbackOperations:
    store: Store
    driver: Driver
    wakeups: "Wakeups"

    # -- task tokens ---------------------------------------------------------------------
    def _open_task(self, s: Session, ctx: RequestContext, token: str) -> TaskRecord:
        task = s.states.task(token)
        if task is None or task.token.startswith("child:"):
            if not _TOKEN.match(token):
                raise ServiceError("InvalidToken", "Invalid Token: 'Invalid token'")
            raise ServiceError("TaskDoesNotExist", "Task Does Not Exist")
        parsed = parse_arn(task.execution_arn)
        if parsed.account != ctx.account:
            raise ServiceError("InvalidToken", "Invalid Token: 'Invalid token'")
        if task.status == "CLOSED":
            raise ServiceError("TaskTimedOut", "Task Timed Out")
        return task

    async def _answer(self, ctx: RequestContext, token: str, make: Any, *, close: bool) -> dict[str, Any]:
        after = AfterCommit()

        def answer(s: Session) -> None:
            task = self._open_task(s, ctx, token)
            if close:
                s.states.close_task(token)
            self.driver.deliver(s, task.execution_arn, make(task), after)

        await self.store.write(answer)
        self.driver.signal(after)
        return {}

    async def send_task_success(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        try:
            output = loads_within_nesting(params["output"])
        except ValueError as bad:
            raise ServiceError("InvalidOutput", f"Invalid Output: '{parse_error_text(bad)}'") from None
        return await self._answer(ctx, params["taskToken"],
                                  lambda t: TaskSucceeded(t.task_id, output, 0, callback=True), close=True)

    async def send_task_failure(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        error, cause = params.get("error") or "", params.get("cause") or ""
        return await self._answer(ctx, params["taskToken"],
                                  lambda t: TaskFailed(t.task_id, error, cause, 0, callback=True), close=True)

    async def send_task_heartbeat(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        return await self._answer(ctx, params["taskToken"], lambda t: TaskHeartbeat(t.task_id, 0), close=False)

    # -- activities ------------------------------------------------------------------------
    def _activity(self, s: Session, ctx: RequestContext, arn: str) -> ActivityRecord:
        parsed = parse_arn(arn, "activity")
        owned(ctx, parsed, arn)
        record = s.states.activity(arn)
        if record is None:
            raise activity_not_found(arn)
        return record

    async def create_activity(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        name = check_name(params["name"])
        arn = f"arn:aws:states:{ctx.region}:{ctx.account}:activity:{name}"
        tags = tags_in(params.get("tags"))
        check_tags(tags, arn)
        now = clock.now_ms()

        def create(s: Session) -> int:
            existing = s.states.activity(arn)
            if existing is not None:  # idempotent, as AWS answers the same create again
                return existing.created_at
            s.states.insert_activity(ActivityRecord(arn, ctx.account, ctx.region, name, now))
            if tags:
                s.tags.put(arn, tags)
            return now

        created = await self.store.write(create)
        return {"activityArn": arn, "creationDate": epoch_seconds(created)}

    async def describe_activity(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        record = await self.store.read(lambda s: self._activity(s, ctx, params["activityArn"]))
        return {"activityArn": record.arn, "name": record.name, "creationDate": epoch_seconds(record.created_at),
                "encryptionConfiguration": {"type": "AWS_OWNED_KEY"}}

    async def list_activities(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        p = page(params)
        found = await self.store.read(lambda s: s.states.activities(ctx.account, ctx.region, after=p.after,
                                                                     limit=p.read_limit))
        shown, token = p.cut(found, lambda a: a.arn)
        answer: dict[str, Any] = {"activities": [
            {"activityArn": a.arn, "name": a.name, "creationDate": epoch_seconds(a.created_at)} for a in shown]}
        if token:
            answer["nextToken"] = token
        return answer

    async def delete_activity(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        arn = params["activityArn"]
        parsed = parse_arn(arn, "activity")
        owned(ctx, parsed, arn)

        def delete(s: Session) -> None:
            if s.states.delete_activity(arn):
                s.tags.remove_all(arn)

        await self.store.write(delete)
        return {}

    async def get_activity_task(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        arn = params["activityArn"]
        worker = params.get("workerName")
        await self.store.read(lambda s: self._activity(s, ctx, arn))
        deadline = time.monotonic() + poll_seconds()
        key = f"{ACTIVITY_WAKE}:{arn}"
        while True:
            after = AfterCommit()

            def take(s: Session) -> TaskRecord | None:
                task = s.states.take_activity_task(arn, worker)
                if task is not None:
                    self.driver.deliver(s, task.execution_arn, TaskStarted(task.task_id, worker or "", 0), after)
                return task

            with self.wakeups.watch(key) as queued:
                task = await self.store.write(take)
                if task is not None:
                    self.driver.signal(after)
                    return {"taskToken": task.token, "input": task.input or "{}"}
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return {}
                await queued.wait(min(remaining, fallback_seconds()))
