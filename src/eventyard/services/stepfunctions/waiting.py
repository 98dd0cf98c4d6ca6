"""The task tokens an execution waits on: what the console lists, with buttons that
answer them through SendTaskSuccess and SendTaskFailure. AWS has no operation that lists
them; the caller must own the execution."""

from __future__ import annotations

from eventyard.core.identity import RequestContext
from eventyard.services.stepfunctions._base import owned, parse_arn
from eventyard.store import Store
from eventyard.store.states import TaskRecord


class WaitingTasks:
    def __init__(self, store: Store) -> None:
        self.store = store

    async def of_execution(self, ctx: RequestContext, execution_arn: str) -> list[TaskRecord]:
        owned(ctx, parse_arn(execution_arn, "execution", "express"), execution_arn)
        return await self.store.read(lambda s: s.states.open_tasks_of(execution_arn))
