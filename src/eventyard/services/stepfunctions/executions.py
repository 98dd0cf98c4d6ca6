"""Executions: start (also synchronously for Express), describe, list, stop, redrive,
and their history."""

from __future__ import annotations

import json
import random
import secrets
import uuid
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from eventyard.core import clock
from eventyard.core.errors import ServiceError
from eventyard.core.identity import RequestContext
from eventyard.core.states.definition import loads_within_nesting, parse_error_text
from eventyard.core.states import HISTORY_QUOTA, Execution, ExecutionState, Stop, redrive, start
from eventyard.services._pagination import decode_token, encode_token
from eventyard.services.stepfunctions._base import (
    MAX_INPUT_BYTES,
    budget_of,
    check_name,
    epoch_seconds,
    execution_not_found,
    iso_second,
    owned,
    parse_arn,
    validation,
)
from eventyard.services.stepfunctions.maprun import described as described_map_run
from eventyard.services.stepfunctions.maprun import is_child, machine_arn_of
from eventyard.services.stepfunctions.driver import EXECUTION_WAKE, TERMINAL, AfterCommit, Driver
from eventyard.services.stepfunctions.machines import DEFAULT_PAGE, MAX_PAGE, MachineOperations, invalid_token
from eventyard.store import Session
from eventyard.store.states import ExecutionRecord

if TYPE_CHECKING:
    from eventyard.runtime.wakeups import Wakeups
    from eventyard.services.stepfunctions.integrations import Integrations

SYNC_LIMIT_SECONDS = 300.0  # an Express execution runs at most five minutes
_DETAIL_DATA = ("input", "output", "parameters", "inputDetails", "outputDetails")


def _iso(ms: int) -> str:
    return f"{iso_second(ms // 1000)}.{ms % 1000:03d}Z"


def check_input(text: str) -> str:
    if len(text.encode()) > MAX_INPUT_BYTES:
        raise ServiceError("InvalidExecutionInput",
                           f"Invalid State Machine Execution Input: 'Input size exceeds the maximum allowed "
                           f"{MAX_INPUT_BYTES} bytes'")
    try:
        loads_within_nesting(text)
    except ValueError as bad:
        raise ServiceError("InvalidExecutionInput", f"Invalid State Machine Execution Input: '{parse_error_text(bad)}'") from None
    return text


def redrive_status(record: ExecutionRecord) -> tuple[str, str | None]:
    if record.machine_type == "EXPRESS":
        return "NOT_REDRIVABLE", "Execution is of type EXPRESS and cannot be redriven"
    if record.status in ("FAILED", "TIMED_OUT", "ABORTED"):
        if ":mapRun:" in record.machine_arn:  # a map run's child: redriven with its run, by its parent
            return "REDRIVABLE_BY_MAP_RUN", None
        return "REDRIVABLE", None
    return "NOT_REDRIVABLE", f"Execution is {record.status} and cannot be redriven"


class ExecutionOperations(MachineOperations):
    driver: Driver
    wakeups: "Wakeups"
    integrations: "Integrations"

    def _execution(self, s: Session, ctx: RequestContext, arn: str) -> ExecutionRecord:
        parsed = parse_arn(arn, "execution", "express")
        owned(ctx, parsed, arn)
        record = s.states.execution(arn)
        if record is None:
            raise execution_not_found(arn)
        return record

    async def start_execution(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        record = await self._start(ctx, params, sync=False)
        return {"executionArn": record.arn, "startDate": epoch_seconds(record.start_date)}

    async def _start(self, ctx: RequestContext, params: dict[str, Any], *, sync: bool) -> ExecutionRecord:
        target = params["stateMachineArn"]
        self.integrations.public_url = ctx.base_url
        name = check_name(params.get("name") or str(uuid.uuid4()))
        given = params.get("input")
        text = check_input(given if isinstance(given, str) else "{}")
        after = AfterCommit()
        now = clock.now_ms()
        record = await self.store.write(
            lambda s: self.begin_execution(s, ctx, target, name, text, params.get("traceHeader"), now, after,
                                           sync=sync))
        self.driver.signal(after)
        return record

    def begin_execution(self, s: Session, ctx: RequestContext, target: str, name: str, text: str,
                        trace_header: str | None, now: int, after: AfterCommit, *, sync: bool = False
                        ) -> ExecutionRecord:
        """Inside a unit of work: start an execution of ``target`` (a machine, version or
        alias) and take it as far as it goes without waiting, in this same unit. A
        refusal (ServiceError) is raised before anything is written."""
        machine, version, alias, parsed = self._target(s, ctx, target)
        if alias is not None:
            version = self._route(s, alias.routing)
        if sync and machine.machine_type != "EXPRESS":
            raise ServiceError("StateMachineTypeNotSupported",
                               "This operation is not supported by this type of state machine")
        digest = version.definition_hash if version else machine.definition_hash
        role = version.role_arn if version else machine.role_arn
        if machine.machine_type == "EXPRESS":
            arn = f"arn:aws:states:{machine.region}:{machine.account_id}:express:{machine.name}:{name}:{uuid.uuid4()}"
        else:
            arn = f"arn:aws:states:{machine.region}:{machine.account_id}:execution:{machine.name}:{name}"
        definition = self.driver.machine_of(s, digest, machine.machine_type)
        execution = Execution(arn, name, version.arn if version else machine.arn, machine.name, role, text,
                              _iso(now), secrets.token_hex(16), 0, machine.region)
        step = start(definition, execution, now, budget=budget_of(machine.machine_type))  # pure: nothing written
        record = ExecutionRecord(arn, machine.account_id, machine.region, machine.arn,
                                 version.arn if version else None, alias.arn if alias else None, name,
                                 machine.machine_type, digest, role, "RUNNING", text, None, None, None,
                                 trace_header, 0, 0, None, now, None)
        # its state is saved at the end of commit_step, below
        if not s.states.insert_new_execution(record, ""):
            existing = s.states.execution(arn)
            assert existing is not None
            # StartExecution is idempotent for the same name and input while it runs
            if existing.status == "RUNNING" and existing.input == text:
                return existing
            raise ServiceError("ExecutionAlreadyExists", f"Execution Already Exists: '{arn}'")
        after.started.append(record)
        self.driver.commit_step(s, record, step, now, after)
        return record

    @staticmethod
    def _route(s: Session, routing: list[dict[str, Any]]) -> Any:
        """An alias picks one of its versions by weight."""
        draw = random.randrange(100)
        for route in routing:
            draw -= int(route["weight"])
            if draw < 0:
                return s.states.version(route["stateMachineVersionArn"])
        return s.states.version(routing[-1]["stateMachineVersionArn"])

    async def start_sync_execution(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        started = await self._start(ctx, params, sync=True)
        key = f"{EXECUTION_WAKE}:{started.arn}"
        deadline = clock.now_ms() + SYNC_LIMIT_SECONDS * 1000
        while True:
            with self.wakeups.watch(key) as ended:
                record = await self.store.read(lambda s: s.states.execution(started.arn))
                assert record is not None
                if record.status in TERMINAL or clock.now_ms() >= deadline:
                    break
                await ended.wait(1.0)
        answer = self._described(record, params.get("includedData") != "METADATA_ONLY")
        answer["billingDetails"] = {"billedMemoryUsedInMB": 64,
                                    "billedDurationInMilliseconds": max(100, (record.stop_date or clock.now_ms())
                                                                        - record.start_date)}
        for key_name in ("mapRunArn", "redriveCount", "redriveStatus", "redriveStatusReason", "redriveDate",
                         "stateMachineVersionArn", "stateMachineAliasArn"):
            answer.pop(key_name, None)
        return answer

    @staticmethod
    def _described(record: ExecutionRecord, with_data: bool = True) -> dict[str, Any]:
        answer: dict[str, Any] = {
            "executionArn": record.arn, "stateMachineArn": record.machine_arn, "name": record.name,
            "status": record.status, "startDate": epoch_seconds(record.start_date),
            "inputDetails": {"included": with_data}, "redriveCount": record.redrive_count,
        }
        if is_child(record):  # a map run's child: its machine is the run's item processor
            answer["stateMachineArn"], answer["mapRunArn"] = machine_arn_of(record.machine_arn), record.machine_arn
        if with_data:
            answer["input"] = record.input
        if record.stop_date is not None and record.status != "RUNNING":
            answer["stopDate"] = epoch_seconds(record.stop_date)
        if record.output is not None:
            if with_data:
                answer["output"] = record.output
            answer["outputDetails"] = {"included": with_data}
        if record.error is not None:
            answer["error"] = record.error
        if record.cause is not None:
            answer["cause"] = record.cause
        if record.trace_header is not None:
            answer["traceHeader"] = record.trace_header
        if record.version_arn is not None:
            answer["stateMachineVersionArn"] = record.version_arn
        if record.alias_arn is not None:
            answer["stateMachineAliasArn"] = record.alias_arn
        if record.redrive_date is not None:
            answer["redriveDate"] = epoch_seconds(record.redrive_date)
        status, reason = redrive_status(record)
        answer["redriveStatus"] = status
        if reason is not None:
            answer["redriveStatusReason"] = reason
        return answer

    async def describe_execution(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        record = await self.store.read(lambda s: self._execution(s, ctx, params["executionArn"]))
        return self._described(record, params.get("includedData") != "METADATA_ONLY")

    async def describe_state_machine_for_execution(self, ctx: RequestContext, params: dict[str, Any]
                                                   ) -> dict[str, Any]:
        def read(s: Session) -> dict[str, Any]:
            record = self._execution(s, ctx, params["executionArn"])
            machine = s.states.get(record.machine_arn)
            body = s.states.definition(record.definition_hash) or ""
            answer: dict[str, Any] = {
                "stateMachineArn": record.version_arn or record.machine_arn,
                "name": record.machine_arn.rsplit(":", 1)[1], "definition": body, "roleArn": record.role_arn,
                "updateDate": epoch_seconds(machine.updated_at if machine else record.start_date)}
            if machine is not None:
                answer["loggingConfiguration"] = machine.config["loggingConfiguration"]
                answer["tracingConfiguration"] = machine.config["tracingConfiguration"]
                answer["revisionId"] = machine.revision_id
            return answer

        return await self.store.read(read)

    async def list_executions(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        if params.get("mapRunArn") is not None and params.get("stateMachineArn") is not None:
            raise validation("Must provide either a StateMachine ARN or MapRun ARN, not both")
        if params.get("mapRunArn") is None and params.get("stateMachineArn") is None:
            raise validation("Must provide a StateMachine ARN or MapRun ARN")
        target = params.get("stateMachineArn") or params["mapRunArn"]
        size = min(params.get("maxResults") or DEFAULT_PAGE, MAX_PAGE)
        token = params.get("nextToken")
        after: tuple[int, str] | None = None
        if token:
            try:
                start_date, _, arn = decode_token(token, error_code="InvalidToken",
                                                  message=f"Invalid Token: '{token}'").partition("|")
                after = (int(start_date), arn)
            except ValueError:
                raise invalid_token(token) from None

        def read(s: Session) -> list[ExecutionRecord]:
            if params.get("mapRunArn") is not None:
                self._map_run(s, ctx, target)
                return s.states.executions(target, status=params.get("statusFilter"), after=after, limit=size + 1)
            machine, version, alias, _ = self._target(s, ctx, target)
            if machine.machine_type == "EXPRESS":
                raise ServiceError("StateMachineTypeNotSupported",
                                   "This operation is not supported by this type of state machine")
            return s.states.executions(machine.arn, status=params.get("statusFilter"),
                                       version_arn=version.arn if version else None,
                                       alias_arn=alias.arn if alias else None, after=after, limit=size + 1)

        found = await self.store.read(read)
        if params.get("redriveFilter") == "REDRIVEN":
            found = [e for e in found if e.redrive_count > 0]
        elif params.get("redriveFilter") == "NOT_REDRIVEN":
            found = [e for e in found if e.redrive_count == 0]
        shown = found[:size]
        answer: dict[str, Any] = {"executions": [self._listed(e) for e in shown]}
        if len(found) > size:
            last = shown[-1]
            answer["nextToken"] = encode_token(f"{last.start_date}|{last.arn}")
        return answer

    @staticmethod
    def _listed(e: ExecutionRecord) -> dict[str, Any]:
        item: dict[str, Any] = {"executionArn": e.arn, "stateMachineArn": e.machine_arn, "name": e.name,
                                "status": e.status, "startDate": epoch_seconds(e.start_date),
                                "redriveCount": e.redrive_count}
        if is_child(e):
            item["stateMachineArn"], item["mapRunArn"] = machine_arn_of(e.machine_arn), e.machine_arn
        if e.stop_date is not None and e.status != "RUNNING":
            item["stopDate"] = epoch_seconds(e.stop_date)
        if e.version_arn is not None:
            item["stateMachineVersionArn"] = e.version_arn
        if e.alias_arn is not None:
            item["stateMachineAliasArn"] = e.alias_arn
        if e.redrive_date is not None:
            item["redriveDate"] = epoch_seconds(e.redrive_date)
        return item

    async def stop_execution(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        arn = params["executionArn"]
        after = AfterCommit()

        def stop(s: Session) -> int:
            record = self._execution(s, ctx, arn)
            if record.status == "RUNNING":
                self.driver.deliver(s, arn, Stop(params.get("error"), params.get("cause"), 0), after)
                record = s.states.execution(arn) or record
            return record.stop_date or clock.now_ms()

        stopped = await self.store.write(stop)
        self.driver.signal(after)
        return {"stopDate": epoch_seconds(stopped)}

    async def redrive_execution(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        arn = params["executionArn"]
        after = AfterCommit()
        now = clock.now_ms()

        def again(s: Session) -> int:
            self._execution(s, ctx, arn)
            locked = s.states.lock_execution(arn)
            assert locked is not None
            record, state_text = locked
            status, reason = redrive_status(record)
            if status != "REDRIVABLE":
                raise ServiceError("ExecutionNotRedrivable", reason or "Execution cannot be redriven")
            machine = self.driver.machine(s, record)
            step = redrive(machine, ExecutionState.from_json(state_text), now, budget=HISTORY_QUOTA)
            s.states.save_execution(arn, state=state_text, status="RUNNING", event_count=record.event_count,
                                    redrive_count=record.redrive_count + 1, redrive_date=now)
            running = replace(record, status="RUNNING", redrive_count=record.redrive_count + 1, redrive_date=now,
                              stop_date=None, output=None, error=None, cause=None)
            self.driver.commit_step(s, running, step, now, after)
            return now

        redriven = await self.store.write(again)
        self.driver.signal(after)
        return {"redriveDate": epoch_seconds(redriven)}

    async def get_execution_history(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        arn = params["executionArn"]
        size = min(params.get("maxResults") or DEFAULT_PAGE, MAX_PAGE)
        reverse = bool(params.get("reverseOrder"))
        token = params.get("nextToken")
        after: int | None = None
        if token:
            try:
                after = int(decode_token(token, error_code="InvalidToken", message=f"Invalid Token: '{token}'"))
            except ValueError:
                raise invalid_token(token) from None

        if parse_arn(arn, "execution", "express").kind == "express":  # its history is in CloudWatch Logs only
            raise ServiceError("InvalidArn", "Invalid Arn: 'Resource type not valid in this context: express'")

        def read(s: Session) -> list[dict[str, Any]]:
            self._execution(s, ctx, arn)
            return s.states.history(arn, after=after, reverse=reverse, limit=size + 1)

        found = await self.store.read(read)
        shown = found[:size]
        with_data = params.get("includeExecutionData", True)
        answer: dict[str, Any] = {"events": [self._event(e, with_data) for e in shown]}
        if len(found) > size:
            answer["nextToken"] = encode_token(str(shown[-1]["id"]))
        return answer

    # -- map runs: a distributed Map's child executions (``maprun``) ---------------------
    def _map_run(self, s: Session, ctx: RequestContext, arn: str) -> dict[str, Any]:
        owned(ctx, parse_arn(arn, "mapRun"), arn)
        run = s.states.map_run(arn)
        if run is None:
            raise ServiceError("ResourceNotFound", f"Resource not found: '{arn}'")
        return run

    async def list_map_runs(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        def read(s: Session) -> list[tuple[str, dict[str, Any]]]:
            self._execution(s, ctx, params["executionArn"])
            return s.states.map_runs(params["executionArn"])

        runs = await self.store.read(read)
        listed = []
        for arn, run in runs:
            item = {"executionArn": run["executionArn"], "mapRunArn": arn, "stateMachineArn": run["machineArn"],
                    "startDate": epoch_seconds(run["startDate"])}
            if run["stopDate"] is not None:
                item["stopDate"] = epoch_seconds(run["stopDate"])
            listed.append(item)
        return {"mapRuns": listed}

    async def describe_map_run(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        arn = params["mapRunArn"]
        answer = described_map_run(arn, await self.store.read(lambda s: self._map_run(s, ctx, arn)))
        answer["startDate"] = epoch_seconds(answer["startDate"])
        if "stopDate" in answer:
            answer["stopDate"] = epoch_seconds(answer["stopDate"])
        if "redriveDate" in answer:
            answer["redriveDate"] = epoch_seconds(answer["redriveDate"])
        return answer

    async def update_map_run(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        arn = params["mapRunArn"]
        if all(params.get(k) is None for k in ("maxConcurrency", "toleratedFailurePercentage",
                                               "toleratedFailureCount")):
            raise validation("At least one of the parameters 'maxConcurrency', 'toleratedFailurePercentage' or "
                             "'toleratedFailureCount' must be specified")
        after = AfterCommit()

        def update(s: Session) -> None:
            owned(ctx, parse_arn(arn, "mapRun"), arn)
            run = s.states.map_run(arn, lock=True)
            if run is None:
                raise ServiceError("ResourceNotFound", f"Resource not found: '{arn}'")
            for key in ("maxConcurrency", "toleratedFailurePercentage", "toleratedFailureCount"):
                if params.get(key) is not None:
                    run[key] = params[key]
            s.states.save_map_run(arn, run)
            if run["status"] == "RUNNING":  # more room, or a new threshold: look again
                self.driver.map_runs.schedule(s, arn, None, clock.now_ms(), after)

        await self.store.write(update)
        self.driver.signal(after)
        return {}

    @staticmethod
    def _event(event: dict[str, Any], with_data: bool) -> dict[str, Any]:
        out = dict(event)
        out["timestamp"] = epoch_seconds(int(event["timestamp"]))
        if not with_data:
            for key, details in event.items():
                if key.endswith("EventDetails") and isinstance(details, dict):
                    out[key] = {k: v for k, v in details.items() if k not in _DETAIL_DATA}
        return out

