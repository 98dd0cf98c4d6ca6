"""Distributed Map runs: the interpreter's ``StartMapRun`` becomes a map run row and one
child execution per input (at most ``maxConcurrency`` running), each an ordinary durable
execution of the Map's item processor whose ``machine_arn`` is the map run's ARN (so
``ListExecutions(mapRunArn=...)`` lists them). Every step of the run is a ``sfn-map`` job
in a unit of its own: "pump" starts children, "child" counts one child's end; when all
have ended, or failures exceed the tolerated threshold, the parent gets ``MapRunEnded``
with the results in item order. Items come from the input only: eventyard serves no S3,
so an ItemReader fails the Map with States.ItemReaderFailed and a ResultWriter that
exports (``Resource``) fails the run with States.ResultWriterFailed, both with S3's
NoSuchBucket as cause; a ResultWriter with only ``WriterConfig`` shapes the output.
A redriven parent redrives its failed run (``_redrive``): only the items that did not
succeed run again (Standard children redriven in place)."""

from __future__ import annotations

import json
import secrets
import threading
import uuid
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from eventyard.core import clock
from eventyard.core.states import (
    EndExecution,
    Execution,
    ExecutionState,
    HISTORY_QUOTA,
    MapRunEnded,
    StartMapRun,
    Stop,
    redrive,
    start,
    tolerance_exceeded,
)
from eventyard.runtime.jobs import Finished
from eventyard.services.stepfunctions._base import budget_of
from eventyard.store import Session
from eventyard.store.jobs import JobRecord, NewJob
from eventyard.store.states import ExecutionRecord

if TYPE_CHECKING:
    from eventyard.services.stepfunctions.driver import AfterCommit, Driver

MAP = "sfn-map"
# AWS: a distributed Map with MaxConcurrency 0 runs up to 10,000 children at once
UNLIMITED = 10_000
PUMP_BATCH = 500  # children started in one unit of work at most (a long unit holds up every writer)
ENDED = ("SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED")
THRESHOLD_ERROR = "States.ExceedToleratedFailureThreshold"
THRESHOLD_CAUSE = "The specified tolerated failure threshold was exceeded"


ITEM_READER_FAILED = "States.ItemReaderFailed"
RESULT_WRITER_FAILED = "States.ResultWriterFailed"


def missing_bucket_cause() -> str:
    """eventyard serves no S3, so every bucket an ItemReader reads or a ResultWriter
    writes is missing: S3's NoSuchBucket, as AWS's SDK words it in a cause."""
    request_id = secrets.token_hex(8).upper()
    extended = secrets.token_urlsafe(48)
    return (f"The specified bucket does not exist (Service: S3, Status Code: 404, Request ID: {request_id}, "
            f"Extended Request ID: {extended})")


def is_child(record: ExecutionRecord) -> bool:
    return ":mapRun:" in record.machine_arn


def machine_arn_of(map_run_arn: str) -> str:
    """``...:mapRun:parent/label:uuid`` -> ``...:stateMachine:parent/label`` (the children's)."""
    return map_run_arn.replace(":mapRun:", ":stateMachine:", 1).rsplit(":", 1)[0]


def _processor_text(definition: str, where: list[Any]) -> str:
    """The item processor's own definition, with the query language it inherits."""
    machine = json.loads(definition)
    language = machine.get("QueryLanguage", "JSONPath")
    for state_name, branch in where:
        state = machine["States"][state_name]
        language = state.get("QueryLanguage", language)
        machine = state.get("ItemProcessor") or state.get("Iterator") if branch is None else state["Branches"][branch]
    own = {"QueryLanguage": language, "StartAt": machine["StartAt"], "States": machine["States"]}
    return json.dumps(own, separators=(",", ":"))


def _iso(ms: int) -> str:
    from datetime import datetime, timezone

    return datetime.fromtimestamp(ms / 1000, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"


class MapRuns:
    def __init__(self, driver: "Driver") -> None:
        self.driver = driver
        self._pumping = threading.local()  # the run a unit of work is starting children of

    # -- inside the parent's unit of work ---------------------------------------------
    def begin(self, s: Session, parent: ExecutionRecord, effect: StartMapRun, now: int, after: "AfterCommit") -> None:
        if effect.redrive and self._redrive(s, effect.map_run_arn, now, after):
            return
        body = s.states.definition(parent.definition_hash)
        assert body is not None
        digest = s.states.keep_definition(_processor_text(body, effect.where))
        total = len(effect.inputs)
        run = {
            "executionArn": parent.arn, "machineArn": machine_arn_of(effect.map_run_arn),
            "roleArn": parent.role_arn, "account": parent.account_id, "region": parent.region,
            "definitionHash": digest, "executionType": effect.execution_type, "status": "RUNNING",
            "maxConcurrency": effect.max_concurrency,
            "toleratedFailureCount": effect.tolerated_failure_count,
            "toleratedFailurePercentage": effect.tolerated_failure_percentage,
            "inputs": effect.inputs, "next": 0, "running": 0, "children": {}, "ended": {},
            "results": [None] * total, "counts": {status: 0 for status in ENDED},
            "startDate": now, "stopDate": None, "resultWriter": effect.result_writer,
        }
        s.states.insert_map_run(effect.map_run_arn, parent.arn, run, now)
        self.schedule(s, effect.map_run_arn, None, now, after)

    def _redrive(self, s: Session, arn: str, now: int, after: "AfterCommit") -> bool:
        """The parent was redriven: its run goes on. Standard children that did not
        succeed (failed, timed out, aborted, or stopped with the run) are redriven
        themselves (AWS: their ``redriveCount`` grows); Express ones, and items never
        started, run as new children; succeeded children keep their results. A run that
        had succeeded answers with its results at once. False when there is no such run."""
        run = s.states.map_run(arn, lock=True)
        if run is None:
            return False
        if run["status"] == "SUCCEEDED":
            self.driver.post(s, run["executionArn"], MapRunEnded(arn, run["results"], now), after)
            return True
        again: list[int | str] = []  # an item's index (a new child) or a child's ARN (redriven)
        kept: dict[str, int] = {}
        counts = {status: 0 for status in ENDED}
        for child_arn, index in run["children"].items():
            status = run["ended"].get(child_arn)
            child = s.states.execution(child_arn)
            if status is None:  # stopped with the run: how it ended (or ends) is the child's row
                status = child.status if child is not None else "ABORTED"
                if status == "SUCCEEDED" and child is not None:
                    run["results"][index] = json.loads(child.output) if child.output else None
            if status == "SUCCEEDED":
                kept[child_arn] = index
                counts["SUCCEEDED"] += 1
            elif child is not None and child.machine_type == "STANDARD" and child.status in ENDED:
                kept[child_arn] = index
                again.append(child_arn)
            else:
                again.append(index)
        again.extend(range(run["next"], len(run["inputs"])))
        ended = {child: "SUCCEEDED" for child in kept if child not in again}
        run.update(status="RUNNING", stopDate=None, next=len(run["inputs"]), running=0, queue=again,
                   children=kept, ended=ended, counts=counts,
                   redriveCount=int(run.get("redriveCount", 0)) + 1, redriveDate=now)
        s.states.save_map_run(arn, run)
        self.schedule(s, arn, None, now, after)
        return True

    def _redrive_child(self, s: Session, child_arn: str, now: int, after: "AfterCommit") -> None:
        """A Standard child goes on from where it failed, as RedriveExecution would."""
        locked = s.states.lock_execution(child_arn)
        if locked is None:
            return
        record, state_text = locked
        step = redrive(self.driver.machine(s, record), ExecutionState.from_json(state_text), now,
                       budget=HISTORY_QUOTA)
        count = record.redrive_count + 1
        s.states.save_execution(child_arn, state=state_text, status="RUNNING", event_count=record.event_count,
                                redrive_count=count, redrive_date=now)
        running = replace(record, status="RUNNING", redrive_count=count, redrive_date=now, stop_date=None,
                          output=None, error=None, cause=None)
        self.driver.commit_step(s, running, step, now, after)

    def schedule(self, s: Session, map_run_arn: str, child_arn: str | None, now: int, after: "AfterCommit") -> None:
        key = f"{map_run_arn}|{child_arn or 'pump'}"
        s.jobs.add(NewJob(MAP, {"run": map_run_arn, "child": child_arn}, now, now, key=key))
        after.kick = True

    def child_ended(self, s: Session, child: ExecutionRecord, end: EndExecution, now: int,
                    after: "AfterCommit") -> None:
        """A child ended: counted at once when it ended inside the unit of work that pumps
        its run (a child that never waits), else by a ``child`` step of its own."""
        pumping = getattr(self._pumping, "runs", None)
        if pumping is not None and child.machine_arn in pumping:
            _count(pumping[child.machine_arn], child.arn, end.status, end.output, end.error, end.cause)
            return
        self.schedule(s, child.machine_arn, child.arn, now, after)

    def parent_ended(self, s: Session, parent: ExecutionRecord, now: int, after: "AfterCommit") -> None:
        """The parent is over (stopped, failed elsewhere, timed out): its runs are aborted."""
        for arn, run in s.states.map_runs(parent.arn):
            if run["status"] == "RUNNING":
                self._end(s, arn, run, "ABORTED", now, after, answer=False)
                s.states.save_map_run(arn, run)

    # -- the sfn-map job -----------------------------------------------------------------
    async def run_job(self, job: JobRecord) -> Finished:
        after = self.driver.after_commit()
        await self.driver.integrations.store.write(
            lambda s: self.step(s, job.payload["run"], job.payload.get("child"), after))
        self.driver.signal(after)
        return Finished()

    def step(self, s: Session, arn: str, child_arn: str | None, after: "AfterCommit") -> None:
        run = s.states.map_run(arn, lock=True)
        if run is None or run["status"] != "RUNNING":
            return
        now = clock.now_ms()
        if child_arn is not None and child_arn in run["children"] and child_arn not in run["ended"]:
            child = s.states.execution(child_arn)
            if child is not None and child.status in ENDED:
                _count(run, child_arn, child.status, child.output, child.error, child.cause)
        self._pumping.runs = {arn: run}
        try:
            self._go_on(s, arn, run, now, after)
        finally:
            self._pumping.runs = None
        s.states.save_map_run(arn, run)

    def _go_on(self, s: Session, arn: str, run: dict[str, Any], now: int, after: "AfterCommit") -> None:
        """End the run, or start children up to its concurrency (at most ``PUMP_BATCH`` in
        this unit of work: a ``pump`` step goes on in another)."""
        total = len(run["inputs"])
        limit = run["maxConcurrency"] or UNLIMITED
        started = 0
        while True:
            failed = run["counts"]["FAILED"] + run["counts"]["TIMED_OUT"] + run["counts"]["ABORTED"]
            if failed and tolerance_exceeded(failed, total, run["toleratedFailureCount"],
                                             run["toleratedFailurePercentage"]):
                self._end(s, arn, run, "FAILED", now, after)
                return
            queue: list[int | str] = run.get("queue") or []  # a redriven run's items and children to run again
            if run["next"] >= total and not queue and run["running"] == 0:
                self._end(s, arn, run, "SUCCEEDED", now, after)
                return
            if run["running"] >= limit or (run["next"] >= total and not queue):
                return
            if started >= PUMP_BATCH:
                self.schedule(s, arn, None, now, after)
                return
            run["running"] += 1  # before the start: a child that never waits is counted ended in it
            if queue:
                item = queue.pop(0)
                if isinstance(item, str):
                    self._redrive_child(s, item, now, after)
                else:
                    self._start_child(s, arn, run, item, now, after)
            else:
                index = run["next"]
                run["next"] += 1
                self._start_child(s, arn, run, index, now, after)
            started += 1

    def _start_child(self, s: Session, map_run_arn: str, run: dict[str, Any], index: int, now: int,
                     after: "AfterCommit") -> None:
        name = str(uuid.uuid4())
        machine_name = run["machineArn"].split(":stateMachine:", 1)[1]
        arn = f"arn:aws:states:{run['region']}:{run['account']}:execution:{machine_name}:{name}"
        text = json.dumps(run["inputs"][index], separators=(",", ":"), ensure_ascii=False)
        execution = Execution(arn, name, run["machineArn"], machine_name, run["roleArn"], text, _iso(now),
                              secrets.token_hex(16), 0, run["region"])
        step = start(self.driver.machine_of(s, run["definitionHash"], "STANDARD"), execution, now,
                     budget=budget_of(run["executionType"]))
        record = ExecutionRecord(arn, run["account"], run["region"], map_run_arn, None, None, name,
                                 run["executionType"], run["definitionHash"], run["roleArn"], "RUNNING", text, None,
                                 None, None, None, 0, 0, None, now, None)
        s.states.insert_execution(record, "")  # its state is saved at the end of commit_step, below
        run["children"][arn] = index
        after.started.append(record)
        self.driver.commit_step(s, record, step, now, after)

    def _end(self, s: Session, arn: str, run: dict[str, Any], status: str, now: int, after: "AfterCommit", *,
             answer: bool = True) -> None:
        run["status"] = status
        run["stopDate"] = now
        for child_arn in run["children"]:
            if child_arn not in run["ended"]:
                self.driver.post(s, child_arn, Stop(None, None, now), after)
        if not answer:
            return
        writer = run.get("resultWriter")
        if status == "SUCCEEDED" and writer and writer.get("Resource"):
            # the results go to S3, which eventyard does not serve: the write fails
            run["status"] = "FAILED"
            self.driver.post(s, run["executionArn"], MapRunEnded(arn, None, now, error=RESULT_WRITER_FAILED,
                                                                 cause=missing_bucket_cause()), after)
        elif status == "SUCCEEDED":
            results = written(s, run, (writer or {}).get("WriterConfig") or {})
            self.driver.post(s, run["executionArn"], MapRunEnded(arn, results, now), after)
        else:
            self.driver.post(s, run["executionArn"],
                             MapRunEnded(arn, None, now, error=THRESHOLD_ERROR, cause=THRESHOLD_CAUSE), after)


def written(s: Session, run: dict[str, Any], config: dict[str, Any]) -> list[Any]:
    """The results a ResultWriter with only ``WriterConfig`` returns in the state's output
    (AWS: "preview the formatted output without saving it"): ``COMPACT`` (the default)
    the children's outputs; ``FLATTEN`` the same with array outputs spliced in; ``NONE``
    each child execution's description with its output. Under FLATTEN a failed child
    keeps its NONE form, as AWS documents."""
    transformation = config.get("Transformation", "COMPACT")
    if transformation == "COMPACT":
        return list(run["results"])
    described_children: list[Any] = [None] * len(run["inputs"])
    for child_arn, index in run["children"].items():
        child = s.states.execution(child_arn)
        if child is not None:
            described_children[index] = _child_description(child)
    if transformation == "NONE":
        return described_children
    flat: list[Any] = []
    for index, result in enumerate(run["results"]):
        child = described_children[index]
        if child is not None and child["Status"] != "SUCCEEDED":
            flat.append(child)
        elif isinstance(result, list):
            flat.extend(result)
        else:
            flat.append(result)
    return flat


def _child_description(child: ExecutionRecord) -> dict[str, Any]:
    answer: dict[str, Any] = {
        "ExecutionArn": child.arn, "Input": json.loads(child.input), "InputDetails": {"Included": True},
        "Name": child.name}
    if child.output is not None:
        answer["Output"] = json.loads(child.output)
        answer["OutputDetails"] = {"Included": True}
    if child.error is not None:
        answer["Error"] = child.error
    if child.cause is not None:
        answer["Cause"] = child.cause
    answer.update({"RedriveCount": child.redrive_count, "RedriveStatus": "NOT_REDRIVABLE",
                   "RedriveStatusReason": f"Execution is {child.status} and cannot be redriven",
                   "StartDate": _iso(child.start_date), "StateMachineArn": machine_arn_of(child.machine_arn),
                   "Status": child.status})
    if child.stop_date is not None:
        answer["StopDate"] = _iso(child.stop_date)
    return answer


def _count(run: dict[str, Any], child_arn: str, status: str, output: str | None, error: str | None,
           cause: str | None) -> None:
    """A child's end in its run: its result (its output, or its error) in item order."""
    run["ended"][child_arn] = status
    run["running"] -= 1
    run["counts"][status] += 1
    index = run["children"][child_arn]
    run["results"][index] = (json.loads(output) if status == "SUCCEEDED" and output
                             else {"Error": error, "Cause": cause})


def described(arn: str, run: dict[str, Any]) -> dict[str, Any]:
    """DescribeMapRun's answer (``startDate``/``stopDate`` as epoch ms: the caller converts)."""
    counts = run["counts"]
    total = len(run["inputs"])
    running = run["running"]
    pending = total - run["next"] + len(run.get("queue") or []) if run["status"] == "RUNNING" else 0
    tally = {"pending": pending, "running": running, "succeeded": counts["SUCCEEDED"], "failed": counts["FAILED"],
             "timedOut": counts["TIMED_OUT"], "aborted": counts["ABORTED"] + (
                 total - sum(counts.values()) - running - pending),
             "total": total, "resultsWritten": counts["SUCCEEDED"], "failuresNotRedrivable": 0, "pendingRedrive": 0}
    answer: dict[str, Any] = {
        "mapRunArn": arn, "executionArn": run["executionArn"], "status": run["status"], "startDate": run["startDate"],
        "maxConcurrency": run["maxConcurrency"],
        "toleratedFailurePercentage": float(run["toleratedFailurePercentage"] or 0),
        "toleratedFailureCount": int(run["toleratedFailureCount"] or 0),
        "itemCounts": tally, "executionCounts": dict(tally), "redriveCount": int(run.get("redriveCount", 0)),
    }
    if run.get("redriveDate") is not None:
        answer["redriveDate"] = run["redriveDate"]
    if run["stopDate"] is not None:
        answer["stopDate"] = run["stopDate"]
    return answer
