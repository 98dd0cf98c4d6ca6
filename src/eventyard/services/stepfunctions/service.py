"""AWS Step Functions: state machines (versions, aliases), durable executions run by
``core.states`` through ``driver.Driver``, task integrations, callbacks and activities."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, Protocol

import structlog
from prometheus_client import CollectorRegistry

from eventyard.core import clock
from eventyard.core.ids import event_id
from eventyard.core.states import EndExecution
from eventyard.runtime.jobs import JobRuntime
from eventyard.runtime.wakeups import Wakeups
from eventyard.services._operations import OperationTable
from eventyard.services.stepfunctions._base import Invoke, iso_second
from eventyard.services.stepfunctions.callbacks import CallbackOperations
from eventyard.services.stepfunctions.driver import ADVANCE, TASK, TIMER, AfterCommit, Driver
from eventyard.services.stepfunctions.execution_logs import ExecutionLogs
from eventyard.services.stepfunctions.executions import ExecutionOperations
from eventyard.services.stepfunctions.integrations import Integrations
from eventyard.services.stepfunctions.maprun import MAP, is_child, machine_arn_of
from eventyard.services.stepfunctions.metrics import StateMachineMetrics
from eventyard.services.stepfunctions.teststate import TestStateOperations
from eventyard.store import Session, Store
from eventyard.store.states import ExecutionRecord

if TYPE_CHECKING:
    from eventyard.services.sqs.inbound import QueueWriter

log = structlog.get_logger("eventyard.stepfunctions")

class StatusRouter(Protocol):
    """EventBridge's routing, inside a unit of work (``EventRouter``): the execution
    status change events are put on the default bus in the unit that ends the execution."""

    def route_in_unit(self, s: Session, account: str, region: str, events: list[tuple[str, dict[str, Any]]],
                      now: int) -> Any: ...

    def after_ingest(self, done: Any) -> None: ...

    def has_rules(self, s: Session, account: str, region: str, bus: str) -> bool: ...


class StepFunctionsService(ExecutionOperations, CallbackOperations, TestStateOperations):
    """One method per Step Functions operation (``OPERATIONS`` below). Registers the
    driver's job kinds with the node's job runtime: ``sfn-advance`` (apply an
    execution's inbox), ``sfn-timer`` (Wait, retry backoff, timeouts), ``sfn-task``
    (call a task's resource) and ``sfn-map`` (a distributed Map's run: ``maprun``)."""

    def __init__(self, store: Store, jobs: JobRuntime, wakeups: Wakeups, invoke: Invoke | None = None,
                 router: StatusRouter | None = None, metrics: CollectorRegistry | None = None,
                 queue_writer: "QueueWriter | None" = None) -> None:
        self.store = store
        self.jobs = jobs
        self.wakeups = wakeups
        self.integrations = Integrations(store, invoke, queue_writer)
        self.driver = Driver(self.integrations)
        self.driver.signal = self._signal
        self.driver.history_logged = ExecutionLogs()  # loggingConfiguration: history to CloudWatch Logs
        self.router = router
        if router is not None:
            self.driver.on_end = self._status_changed
        self.metrics = StateMachineMetrics(metrics or CollectorRegistry())
        jobs.register(ADVANCE, _Handler(self.driver.run_advance))
        jobs.register(TIMER, _Handler(self.driver.run_timer))
        jobs.register(TASK, _Handler(self.driver.run_task))
        jobs.register(MAP, _Handler(self.driver.map_runs.run_job))

    def _signal(self, after: AfterCommit) -> None:
        for key in after.keys:
            self.wakeups.signal(key)
        if after.queues and self.integrations.queue_writer is not None:
            self.integrations.queue_writer.signal(after.queues)
        if after.kick:
            self.jobs.kick()
        for record in after.started:
            self.metrics.count_started(record.machine_arn)
        for record, end, now in after.ended:
            self.metrics.count_ended(record.machine_arn, end.status, (now - record.start_date) / 1000)
            log.info("execution.ended", execution=record.arn, status=end.status, error=end.error,
                     ms=now - record.start_date)
        if after.routed and self.router is not None:
            for done in after.routed:
                self.router.after_ingest(done)

    def _status_changed(self, s: Session, record: ExecutionRecord, end: EndExecution, now: int,
                        after: AfterCommit) -> None:
        """AWS's "Step Functions Execution Status Change" event on the default bus, routed
        in the unit of work that ends the execution (so it is put exactly once)."""
        assert self.router is not None
        if not self.router.has_rules(s, record.account_id, record.region, "default"):
            return  # no rule and no archive on the default bus: nothing would take it
        machine_arn = machine_arn_of(record.machine_arn) if is_child(record) else record.machine_arn
        detail = {"executionArn": record.arn, "stateMachineArn": machine_arn, "name": record.name,
                  "status": end.status, "startDate": record.start_date, "stopDate": now,
                  "input": record.input, "output": end.output, "inputDetails": {"included": True},
                  "outputDetails": {"included": True} if end.output is not None else None,
                  "error": end.error, "cause": end.cause}
        event = {"version": "0", "id": event_id(), "detail-type": "Step Functions Execution Status Change",
                 "source": "aws.states", "account": record.account_id, "time": _iso_seconds(now),
                 "region": record.region, "resources": [record.arn], "detail": detail}
        after.routed.append(self.router.route_in_unit(s, record.account_id, record.region, [("default", event)],
                                                      now))


def _iso_seconds(ms: int) -> str:
    return iso_second(ms // 1000) + "Z"


class _Handler:
    def __init__(self, run: Callable[[Any], Awaitable[Any]]) -> None:
        self.run = run


OPERATIONS: OperationTable = {
    "CreateActivity": StepFunctionsService.create_activity,
    "CreateStateMachine": StepFunctionsService.create_state_machine,
    "CreateStateMachineAlias": StepFunctionsService.create_state_machine_alias,
    "DeleteActivity": StepFunctionsService.delete_activity,
    "DeleteStateMachine": StepFunctionsService.delete_state_machine,
    "DeleteStateMachineAlias": StepFunctionsService.delete_state_machine_alias,
    "DeleteStateMachineVersion": StepFunctionsService.delete_state_machine_version,
    "DescribeActivity": StepFunctionsService.describe_activity,
    "DescribeExecution": StepFunctionsService.describe_execution,
    "DescribeMapRun": StepFunctionsService.describe_map_run,
    "DescribeStateMachine": StepFunctionsService.describe_state_machine,
    "DescribeStateMachineAlias": StepFunctionsService.describe_state_machine_alias,
    "DescribeStateMachineForExecution": StepFunctionsService.describe_state_machine_for_execution,
    "GetActivityTask": StepFunctionsService.get_activity_task,
    "GetExecutionHistory": StepFunctionsService.get_execution_history,
    "ListActivities": StepFunctionsService.list_activities,
    "ListExecutions": StepFunctionsService.list_executions,
    "ListMapRuns": StepFunctionsService.list_map_runs,
    "ListStateMachineAliases": StepFunctionsService.list_state_machine_aliases,
    "ListStateMachineVersions": StepFunctionsService.list_state_machine_versions,
    "ListStateMachines": StepFunctionsService.list_state_machines,
    "ListTagsForResource": StepFunctionsService.list_tags_for_resource,
    "PublishStateMachineVersion": StepFunctionsService.publish_state_machine_version,
    "RedriveExecution": StepFunctionsService.redrive_execution,
    "SendTaskFailure": StepFunctionsService.send_task_failure,
    "SendTaskHeartbeat": StepFunctionsService.send_task_heartbeat,
    "SendTaskSuccess": StepFunctionsService.send_task_success,
    "StartExecution": StepFunctionsService.start_execution,
    "StartSyncExecution": StepFunctionsService.start_sync_execution,
    "StopExecution": StepFunctionsService.stop_execution,
    "TagResource": StepFunctionsService.tag_resource,
    "TestState": StepFunctionsService.test_state,
    "UntagResource": StepFunctionsService.untag_resource,
    "UpdateMapRun": StepFunctionsService.update_map_run,
    "UpdateStateMachine": StepFunctionsService.update_state_machine,
    "UpdateStateMachineAlias": StepFunctionsService.update_state_machine_alias,
    "ValidateStateMachineDefinition": StepFunctionsService.validate_state_machine_definition,
}

__all__ = ["OPERATIONS", "StepFunctionsService"]
