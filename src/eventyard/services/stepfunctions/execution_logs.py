"""Execution history to CloudWatch Logs, as a state machine's ``loggingConfiguration``
asks (the only place an Express execution's history goes).

Written in the unit of work that commits the events to the history, so the log holds
exactly what the history holds, crash or not. Each event becomes one log event, a JSON
object with AWS's fields (``id``, ``type``, ``details``, ``previous_event_id``,
``event_timestamp``, ``execution_arn``, ``redrive_count``); ``includeExecutionData:
false`` leaves inputs and outputs out; longer than 248 KB, they are cut and flagged
``truncated``. Level ``ALL`` logs every event, ``ERROR`` the
failures of states, tasks and the execution, ``FATAL`` only the execution's own failure
(AWS's log levels). The group must exist, as on AWS (Step Functions makes the stream, not
the group): events for a missing group are dropped. The stream is AWS's
``states/<machine>/<YYYY-MM-DD-HH-MM>/<id>``, one per execution here.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

import orjson

from eventyard.core import clock
from eventyard.services.logs import ingest
from eventyard.services.logs.names import parse_group_arn
from eventyard.store import Session
from eventyard.store.states import ExecutionRecord

MAX_DATA_BYTES = 248 * 1024  # an input or output longer than this is truncated in the log
CONFIG_TTL_SECONDS = 1.0  # how long a machine's logging configuration is trusted without a read

FATAL_TYPES = frozenset({"ExecutionAborted", "ExecutionFailed", "ExecutionTimedOut"})
ERROR_TYPES = FATAL_TYPES | frozenset({
    "FailStateEntered", "LambdaFunctionFailed", "LambdaFunctionScheduleFailed", "LambdaFunctionStartFailed",
    "LambdaFunctionTimedOut", "MapStateAborted", "MapStateFailed", "MapIterationAborted", "MapIterationFailed",
    "MapRunAborted", "MapRunFailed", "ParallelStateAborted", "ParallelStateFailed", "TaskFailed",
    "TaskStartFailed", "TaskStateAborted", "TaskSubmitFailed", "TaskTimedOut", "WaitStateAborted",
    "ActivityFailed", "ActivityScheduleFailed", "ActivityTimedOut", "EvaluationFailed"})
_DATA = frozenset({"input", "output", "parameters", "inputDetails", "outputDetails"})


@dataclass(frozen=True)
class LogTarget:
    level: str
    include_data: bool
    account: str
    region: str
    group: str

    def wants(self, event_type: str) -> bool:
        if self.level == "ALL":
            return True
        return event_type in (ERROR_TYPES if self.level == "ERROR" else FATAL_TYPES)


def target_of(config: dict[str, Any]) -> LogTarget | None:
    """Where a machine's ``loggingConfiguration`` sends its executions' history, if anywhere."""
    logging = config.get("loggingConfiguration") or {}
    level = logging.get("level", "OFF")
    destinations = logging.get("destinations") or []
    if level not in ("ALL", "ERROR", "FATAL") or not destinations:
        return None
    arn = ((destinations[0] or {}).get("cloudWatchLogsLogGroup") or {}).get("logGroupArn")
    ref = parse_group_arn(arn) if isinstance(arn, str) else None
    if ref is None:
        return None
    return LogTarget(level, bool(logging.get("includeExecutionData")), ref.account, ref.region, ref.name)


def stream_name(record: ExecutionRecord) -> str:
    machine = record.machine_arn.rsplit(":", 1)[-1]
    started = datetime.fromtimestamp(record.start_date / 1000, timezone.utc).strftime("%Y-%m-%d-%H-%M")
    return f"states/{machine}/{started}/{hashlib.sha256(record.arn.encode()).hexdigest()[:8]}"


def _truncated(details: dict[str, Any]) -> dict[str, Any]:
    """Inputs and outputs cut to what a log event takes, flagged ``truncated`` (AWS: 248 KB)."""
    out = dict(details)
    for data, flags in (("input", "inputDetails"), ("output", "outputDetails")):
        value = out.get(data)
        if isinstance(value, str) and len(value.encode()) > MAX_DATA_BYTES:
            out[data] = value.encode()[:MAX_DATA_BYTES].decode(errors="ignore")
            out[flags] = {**(out.get(flags) or {}), "truncated": True}
    return out


def log_message(record: ExecutionRecord, event: dict[str, Any], include_data: bool) -> str:
    details: dict[str, Any] = {}
    for key, value in event.items():
        if key.endswith("EventDetails") and isinstance(value, dict):
            details = _truncated(value) if include_data else {k: v for k, v in value.items() if k not in _DATA}
    body = {"id": str(event["id"]), "type": event["type"], "details": details,
            "previous_event_id": str(event.get("previousEventId", 0)),
            "event_timestamp": str(event["timestamp"]), "execution_arn": record.arn,
            "redrive_count": str(record.redrive_count)}
    return orjson.dumps(body).decode()


class ExecutionLogs:
    """The driver's hook (``Driver.history_logged``): called with each step's events in
    the unit of work that appends them to the history."""

    def __init__(self) -> None:
        self._targets: dict[str, tuple[float, LogTarget | None]] = {}

    def _target(self, s: Session, machine_arn: str) -> LogTarget | None:
        cached = self._targets.get(machine_arn)
        now = time.monotonic()
        if cached is not None and now - cached[0] < CONFIG_TTL_SECONDS:
            return cached[1]
        machine = s.states.get(machine_arn)
        target = None if machine is None else target_of(machine.config)
        if len(self._targets) > 10_000:
            self._targets.clear()
        self._targets[machine_arn] = (now, target)
        return target

    def __call__(self, s: Session, record: ExecutionRecord, events: Sequence[dict[str, Any]]) -> None:
        if not events or ":stateMachine:" not in record.machine_arn:
            return  # a map run's children log nowhere of their own
        target = self._target(s, record.machine_arn)
        if target is None or (target.account, target.region) != (record.account_id, record.region):
            return  # no logging, or a group elsewhere that this execution cannot write to
        lines = [(int(e["timestamp"]), log_message(record, e, target.include_data)) for e in events
                 if target.wants(str(e["type"]))]
        if lines:
            ingest.write(s, target.account, target.region, target.group, stream_name(record), lines,
                         clock.now_ms(), create_group=False)
