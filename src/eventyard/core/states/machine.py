"""The interpreter as a pure step function (see the package docstring for the contract).

    step = start(definition, execution, now_ms)
    step = advance(definition, step.state, event)

An execution is a tree of *runs*: the top-level run ``"0"``, one child run per Parallel
branch (``"0.P.1"``) and per Map iteration (``"0.M.7"``). A run is either entering a
state, or waiting for something outside (a task's answer, a timer, its children).
``advance`` applies one event, then drives every run that can move without the outside
world until all of them wait; what the outside must do comes back as effects.
"""

from __future__ import annotations

import copy
import hashlib
from collections import deque
from collections.abc import Callable
import json
import random
import re
import uuid
from dataclasses import dataclass, field
from typing import Any, Union

import orjson

from eventyard.core.states import errors
from eventyard.core.states.choice import evaluate as evaluate_rule
from eventyard.core.states.definition import Assignment, Machine, State
from eventyard.core.states.errors import StatesError
from eventyard.core.states.history import details_key, text
from eventyard.core.states.jsonata_fields import JsonataValue
from eventyard.core.states.jsonpath import MISSING, select
from eventyard.core.states.payload import (
    UNSET,
    Scope,
    apply_input_path,
    apply_output_path,
    apply_result_path,
    check_payload_text,
    path_base,
)
from eventyard.core.states.timestamps import parse_timestamp

MAX_WAIT_SECONDS = 31_536_000 + 86_400  # a Standard execution lives at most a year (and a day of slack)


# --- what comes in ------------------------------------------------------------------

@dataclass(frozen=True)
class Execution:
    """What the service knows about the execution when it starts."""

    execution_arn: str
    name: str
    state_machine_arn: str
    state_machine_name: str
    role_arn: str
    input_text: str  # StartExecution's input, verbatim
    start_time: str  # ISO 8601, as $$.Execution.StartTime shows it
    seed: str  # fixed per execution, and secret: task tokens, UUID(), MathRandom() and $random() derive from it
    redrive_count: int = 0
    region: str = "us-east-1"


@dataclass(frozen=True)
class TaskSucceeded:
    task_id: str
    output: Any
    now_ms: int
    callback: bool = False  # SendTaskSuccess (not the call's own answer)


@dataclass(frozen=True)
class TaskFailed:
    task_id: str
    error: str
    cause: str
    now_ms: int
    callback: bool = False  # SendTaskFailure (not the call's own failure)


@dataclass(frozen=True)
class TaskSubmitted:
    """A ``.waitForTaskToken`` or ``.sync`` task's call succeeded: ``output`` is the
    service's own answer (SQS's SendMessage result, StartExecution's); the callback or
    the child's end answers the task later."""

    task_id: str
    output: Any
    now_ms: int


@dataclass(frozen=True)
class TaskStarted:
    """An activity worker took the task (GetActivityTask)."""

    task_id: str
    worker_name: str
    now_ms: int


@dataclass(frozen=True)
class TaskHeartbeat:
    task_id: str
    now_ms: int


@dataclass(frozen=True)
class TimerFired:
    timer_id: str
    now_ms: int


@dataclass(frozen=True)
class Stop:
    """StopExecution."""

    error: str | None
    cause: str | None
    now_ms: int


@dataclass(frozen=True)
class ItemsRead:
    """A distributed Map's ItemReader was read (``items``), or could not be (``error``)."""

    reader_id: str
    items: list[Any] | None
    now_ms: int
    error: str | None = None
    cause: str | None = None


@dataclass(frozen=True)
class MapRunEnded:
    """A distributed Map's child executions are over: ``output`` is the Map's result (the
    results in item order, or what the ResultWriter answered), or the run failed."""

    map_run_arn: str
    output: Any
    now_ms: int
    error: str | None = None
    cause: str | None = None


Event = Union[TaskSucceeded, TaskFailed, TaskSubmitted, TaskStarted, TaskHeartbeat, TimerFired, Stop, ItemsRead,
              MapRunEnded]


# --- what goes out ------------------------------------------------------------------

@dataclass(frozen=True)
class RecordEvent:
    """Append this history event (ids are already assigned)."""

    event: dict[str, Any]


@dataclass(frozen=True)
class InvokeTask:
    """Call the task's resource. ``pattern`` is ``request-response``, ``sync``,
    ``sync:2``, ``waitForTaskToken`` or ``activity``; answer with TaskSucceeded/TaskFailed
    naming ``task_id`` (for callbacks, the service maps ``task_token`` to it)."""

    task_id: str
    resource: str
    pattern: str
    parameters: Any
    task_token: str | None
    timeout_seconds: int | None
    heartbeat_seconds: int | None
    credentials: Any = None


@dataclass(frozen=True)
class CancelTask:
    """The task no longer matters (timed out, or its branch or execution ended):
    forget its token, stop polling for it."""

    task_id: str


@dataclass(frozen=True)
class StartTimer:
    timer_id: str
    due_ms: int
    purpose: str  # wait | retry | task-timeout | heartbeat-timeout | execution-timeout


@dataclass(frozen=True)
class CancelTimer:
    timer_id: str


@dataclass(frozen=True)
class EndExecution:
    status: str  # SUCCEEDED | FAILED | TIMED_OUT | ABORTED
    output: str | None = None  # JSON text
    error: str | None = None
    cause: str | None = None


@dataclass(frozen=True)
class ReadItems:
    """Read a distributed Map's items (``s3:getObject``/``s3:listObjectsV2`` with its
    ReaderConfig and evaluated Parameters); answer with ItemsRead."""

    reader_id: str
    resource: str
    reader_config: dict[str, Any]
    parameters: Any


@dataclass(frozen=True)
class StartMapRun:
    """Run a distributed Map: one child execution per input (already selected and
    batched) of the item processor at ``where`` (``processor_of(machine, where)``), at
    most ``max_concurrency`` at once (0: no limit); fail the run with
    States.ExceedToleratedFailureThreshold when ``tolerance_exceeded`` says so; write the
    results through ``result_writer`` if set; answer with MapRunEnded."""

    map_run_arn: str
    where: list[Any]
    inputs: list[Any]
    max_concurrency: int
    execution_type: str
    tolerated_failure_count: int | None = None
    tolerated_failure_percentage: float | None = None
    result_writer: dict[str, Any] | None = None
    label: str | None = None
    # RedriveExecution: the run that failed before goes on (its failed and unstarted
    # items run again, its succeeded ones keep their results), not a new run
    redrive: bool = False


Effect = Union[RecordEvent, InvokeTask, CancelTask, StartTimer, CancelTimer, EndExecution, ReadItems, StartMapRun]


@dataclass
class ExecutionState:
    """Everything needed to go on, as plain JSON (``to_json``/``from_json``)."""

    execution: dict[str, Any]
    status: str = "RUNNING"
    last_event_id: int = 0
    draws: int = 0  # how many random sources were handed out (keeps replays equal)
    runs: dict[str, dict[str, Any]] = field(default_factory=dict)
    output: Any = None
    error: str | None = None
    cause: str | None = None

    def to_json(self) -> str:
        return json.dumps(self.__dict__, separators=(",", ":"))

    @classmethod
    def from_json(cls, data: str) -> "ExecutionState":
        return cls(**json.loads(data))


@dataclass
class Step:
    state: ExecutionState
    effects: list[Effect]

    @property
    def events(self) -> list[dict[str, Any]]:
        return [e.event for e in self.effects if isinstance(e, RecordEvent)]


# --- the interpreter ----------------------------------------------------------------

HISTORY_QUOTA = 25_000  # AWS's hard limit of history events per execution
QUOTA_ERROR = "States.Runtime"
QUOTA_CAUSE = "The execution reached the maximum number of history events ({budget})."


def start(definition: Machine, execution: Execution, now_ms: int, *, budget: int | None = None) -> Step:
    """``budget``: the most history events the execution may have (``HISTORY_QUOTA`` as
    AWS); see ``_within_budget``. ``None``: no limit."""
    state = ExecutionState(execution=execution.__dict__.copy())
    run = _Interpreter(definition, state, now_ms, budget)
    return _within_budget(run, run.begin)


def advance(definition: Machine, state: ExecutionState, event: Event, *, in_place: bool = False,
            budget: int | None = None) -> Step:
    """Apply ``event`` to a copy of ``state`` (the input state is not changed), or, with
    ``in_place``, to ``state`` itself: a caller that keeps only the newest state (it stores
    ``step.state`` and drops the old one) saves copying a large Map's items every step."""
    working = state if in_place else ExecutionState(**copy.deepcopy(state.__dict__))
    run = _Interpreter(definition, working, event.now_ms, budget)
    return _within_budget(run, lambda: run.handle(event))


def redrive(definition: Machine, state: ExecutionState, now_ms: int, *, budget: int | None = None) -> Step:
    """RedriveExecution: a FAILED, TIMED_OUT or ABORTED execution goes on from the state
    that did not finish (a Parallel or Map starts again whole), keeping its variables;
    ``redrive_count`` grows by one and history gains ExecutionRedriven."""
    working = ExecutionState(**copy.deepcopy(state.__dict__))
    run = _Interpreter(definition, working, now_ms, budget)
    return _within_budget(run, run.redrive)


_NO_CONTEXT: dict[str, Any] = {}


def _reads_context(state: State) -> bool:
    """Whether anything in the state's definition may read the context object (``$$``);
    decided once per compiled state."""
    known = state.__dict__.get("_reads_context")
    if known is None:
        known = state.__dict__["_reads_context"] = "$$" in json.dumps(state.raw)
    return bool(known)


class _SeededOnUse(random.Random):
    """``random.Random(seed)``, seeded only when first drawn from: every state gets its
    own source, and most never draw (seeding costs more than the rest of a Pass state).
    It draws exactly what ``random.Random(seed)`` draws."""

    def __init__(self, seed: str) -> None:  # random.Random's own __init__ would seed now
        self._unseeded: str | None = seed
        self.gauss_next = None

    def _seeded(self) -> None:
        if self._unseeded is not None:
            seed, self._unseeded = self._unseeded, None
            super().seed(seed)

    def seed(self, a: Any = None, version: int = 2) -> None:
        self._unseeded = None
        super().seed(a, version)

    def random(self) -> float:
        self._seeded()
        return super().random()

    def getrandbits(self, k: int) -> int:
        self._seeded()
        return super().getrandbits(k)

    def randbytes(self, n: int) -> bytes:
        self._seeded()
        return super().randbytes(n)

    def getstate(self) -> Any:
        self._seeded()
        return super().getstate()

    def setstate(self, state: Any) -> None:
        self._unseeded = None
        super().setstate(state)


class _HistoryFull(Exception):
    pass


def _within_budget(interpreter: "_Interpreter", go: Callable[[], Step]) -> Step:
    """A machine that loops without waiting (a Choice back to itself) would never return
    from one step: the budget cuts it off from inside, as AWS's quota does. When an event
    would take the history to ``budget``, the step stops there: the history keeps the
    events it has and event number ``budget`` is ExecutionFailed (States.Runtime, AWS's
    cause); the stopped step's tasks, timers and map runs are dropped and whatever earlier
    steps left waiting is cancelled."""
    try:
        return go()
    except _HistoryFull:
        state = interpreter.s
        recorded = [e for e in interpreter.effects if isinstance(e, RecordEvent)]
        interpreter.effects = []
        interpreter.cancel_everything()
        cancels = interpreter.effects
        cause = QUOTA_CAUSE.format(budget=interpreter.budget)
        state.status, state.error, state.cause, state.output = "FAILED", QUOTA_ERROR, cause, None
        last = state.last_event_id
        state.last_event_id = last + 1
        failed = {"type": "ExecutionFailed", "id": last + 1, "previousEventId": last, "timestamp": interpreter.now,
                  "executionFailedEventDetails": {"error": QUOTA_ERROR, "cause": cause}}
        return Step(state, [*recorded, RecordEvent(failed), *cancels,
                            EndExecution("FAILED", error=QUOTA_ERROR, cause=cause)])


class _Fault(Exception):
    """A state failed; ``prefixed`` when the interpreter raised it (AWS then names the
    state and its entered event in the cause)."""

    def __init__(self, error: str, cause: str, prefixed: bool, *, reported_by_task: bool = False) -> None:
        super().__init__(error)
        self.error = error
        self.cause = cause
        self.prefixed = prefixed
        self.reported_by_task = reported_by_task
        self.state_failed = False  # record {Type}StateFailed even though no child ran
        self.causeless = False  # a timeout: AWS's TimedOut and ExecutionFailed carry no cause
        self.heartbeat = False  # a timeout because no heartbeat came: States.HeartbeatTimeout matches it


class _Interpreter:
    def __init__(self, definition: Machine, state: ExecutionState, now_ms: int, budget: int | None = None) -> None:
        self.definition = definition
        self.budget = budget
        # TestState's inspection data: set by ``single.py`` to note the data flow of one state
        self.inspected: str | None = None
        self.inspection: dict[str, Any] = {}
        self.initial_variables: dict[str, Any] = {}  # TestState's ``variables``
        self.retries_before = 0  # TestState's stateConfiguration.retrierRetryCount
        self.s = state
        self.now = now_ms
        self.effects: list[Effect] = []
        self.info = state.execution
        self._execution_input: Any = _UNPARSED
        self.ready: deque[str] = deque()
        # run id -> (a state's output, its history text): the next state's input is that same
        # object, unchanged (payloads are never changed in place), so its text is known
        self._input_texts: dict[str, tuple[Any, str]] = {}

    # events and effects
    def emit(self, event_type: str, previous: int, details: dict[str, Any] | None = None) -> int:
        if self.budget is not None and self.s.last_event_id >= self.budget - 1:
            raise _HistoryFull  # the last event the budget allows is the ExecutionFailed
        self.s.last_event_id += 1
        event: dict[str, Any] = {"type": event_type, "id": self.s.last_event_id, "previousEventId": previous,
                                 "timestamp": self.now}
        key = details_key(event_type)
        if key is not None and details is not None:
            event[key] = details
        self.effects.append(RecordEvent(event))
        return self.s.last_event_id

    def note(self, state: State, key: str, value: Any) -> None:
        if state.name == self.inspected:
            self.inspection[key] = copy.deepcopy(value)

    def rng(self) -> random.Random:
        self.s.draws += 1
        return _SeededOnUse(f"{self.info['seed']}/{self.s.draws}")

    def done(self) -> Step:
        return Step(self.s, self.effects)

    # the machine a run executes
    def machine_of(self, run: dict[str, Any]) -> Machine:
        machine = self.definition
        for state_name, branch in run["where"]:
            state = machine.states[state_name]
            if branch is None:
                assert state.processor is not None
                machine = state.processor
            else:
                machine = state.branches[branch]
        return machine

    def state_of(self, run: dict[str, Any]) -> State:
        return self.machine_of(run).states[run["state"]]

    # starting
    def begin(self) -> Step:
        info = self.info
        try:
            execution_input = _parsed_input(info["input_text"]) if info["input_text"].strip() else {}
        except ValueError:
            execution_input = {}
        self.emit("ExecutionStarted", 0, {"input": info["input_text"], "inputDetails": {"truncated": False},
                                          "roleArn": info["role_arn"]})
        if self.definition.timeout_seconds:
            self.effects.append(StartTimer("execution-timeout",
                                           self.now + self.definition.timeout_seconds * 1000, "execution-timeout"))
        self.s.runs["0"] = self.new_run(None, [], self.definition.start_at, execution_input, 0,
                                        dict(self.initial_variables))
        self.ready.append("0")
        self.s.runs["0"]["raw"] = info["input_text"]
        self.drive()
        return self.done()

    def redrive(self) -> Step:
        if self.s.status not in ("FAILED", "TIMED_OUT", "ABORTED") or "0" not in self.s.runs:
            return self.done()
        top = self.s.runs["0"]
        self.s.runs = {"0": top}
        count = int(self.info.get("redrive_count", 0)) + 1
        self.info["redrive_count"] = count
        self.s.status, self.s.error, self.s.cause, self.s.output = "RUNNING", None, None, None
        top.update(phase="enter", wait=None, children={}, previous=self.s.last_event_id)
        self.ready.append("0")
        self.emit("ExecutionRedriven", self.s.last_event_id, {"redriveCount": count})
        if self.definition.timeout_seconds:
            self.effects.append(StartTimer("execution-timeout", self.now + self.definition.timeout_seconds * 1000,
                                           "execution-timeout"))
        self.drive()
        return self.done()

    def new_run(self, parent: str | None, where: list[Any], start_at: str, value: Any, previous: int,
                variables: dict[str, Any], index: int | None = None) -> dict[str, Any]:
        return {"parent": parent, "where": where, "state": start_at, "phase": "enter", "input": value,
                "previous": previous, "variables": variables, "index": index, "retries": [],
                "entered_id": 0, "entered_ms": 0, "wait": None, "children": {}, "outcome": None}

    def handle(self, event: Event) -> Step:
        if self.s.status != "RUNNING":
            return self.done()
        if isinstance(event, Stop):
            self.cancel_everything()
            self.s.status, self.s.error, self.s.cause = "ABORTED", event.error, event.cause
            details = {k: v for k, v in (("error", event.error), ("cause", event.cause)) if v is not None}
            self.emit("ExecutionAborted", self.s.last_event_id, details)
            self.effects.append(EndExecution("ABORTED", error=event.error, cause=event.cause))
            return self.done()
        if isinstance(event, TimerFired) and event.timer_id == "execution-timeout":
            self.cancel_everything()
            self.s.status, self.s.error, self.s.cause = "TIMED_OUT", errors.TIMEOUT, None
            self.emit("ExecutionTimedOut", self.s.last_event_id, {"error": errors.TIMEOUT})
            self.effects.append(EndExecution("TIMED_OUT", error=errors.TIMEOUT))
            return self.done()
        found = self.find_waiting(event)
        if found is None:
            return self.done()  # stale: the run moved on (a late answer, a cancelled timer)
        run_id, run = found
        state = self.state_of(run)
        try:
            self.resume(run_id, run, state, event)
        except _Fault as fault:
            self.fail_state(run_id, run, state, fault)
        self.drive()
        return self.done()

    def find_waiting(self, event: Event) -> tuple[str, dict[str, Any]] | None:
        # Task, timer and reader ids start with their run's id: look there first, so an
        # answer costs the same however many iterations a Map has running.
        key = getattr(event, "task_id", None) or getattr(event, "timer_id", None) or getattr(event, "reader_id", None)
        if isinstance(key, str) and "/" in key:
            run_id = key.split("/", 1)[0]
            run = self.s.runs.get(run_id)
            if run is not None and run["wait"] and key in (run["wait"].get("task_id"), run["wait"].get("timer"),
                                                           run["wait"].get("timeout_timer"),
                                                           run["wait"].get("heartbeat_timer"),
                                                           run["wait"].get("reader")):
                return run_id, run
            return None
        return self.scan_waiting(event)

    def scan_waiting(self, event: Event) -> tuple[str, dict[str, Any]] | None:
        for run_id, run in self.s.runs.items():
            wait = run["wait"]
            if wait is None:
                continue
            if isinstance(event, TimerFired):
                if event.timer_id in (wait.get("timer"), wait.get("timeout_timer"), wait.get("heartbeat_timer")):
                    return run_id, run
            elif isinstance(event, ItemsRead):
                if wait.get("reader") == event.reader_id:
                    return run_id, run
            elif isinstance(event, MapRunEnded):
                if wait.get("map_run") == event.map_run_arn:
                    return run_id, run
            elif not isinstance(event, Stop) and wait.get("task_id") == event.task_id:
                return run_id, run
        return None

    def cancel_everything(self) -> None:
        for run in self.s.runs.values():
            self.cancel_wait(run)
        if self.definition.timeout_seconds:
            self.effects.append(CancelTimer("execution-timeout"))

    def cancel_wait(self, run: dict[str, Any], *, answered: bool = False) -> None:
        wait = run["wait"]
        if not wait:
            return
        if wait.get("task_id") and not answered:
            self.effects.append(CancelTask(wait["task_id"]))
        for key in ("timer", "timeout_timer", "heartbeat_timer"):
            if wait.get(key):
                self.effects.append(CancelTimer(wait[key]))
        run["wait"] = None

    # driving runs that can move
    def drive(self) -> None:
        """Enter every state that runs are ready to enter, in the order they became ready
        (runs only become ready inside a step, so the queue starts empty each step)."""
        while self.ready and self.s.status == "RUNNING":
            run_id = self.ready.popleft()
            run = self.s.runs.get(run_id)
            if run is not None and run["phase"] == "enter":
                self.enter(run_id, run)

    def context(self, run: dict[str, Any], state: State, extra: dict[str, Any] | None = None) -> dict[str, Any]:
        info = self.info
        context: dict[str, Any] = {
            "Execution": {"Id": info["execution_arn"], "Input": self.execution_input(),
                          "StartTime": info["start_time"], "Name": info["name"], "RoleArn": info["role_arn"],
                          "RedriveCount": info.get("redrive_count", 0)},
            "StateMachine": {"Id": info["state_machine_arn"], "Name": info["state_machine_name"]},
            "State": {"EnteredTime": _iso(run["entered_ms"]), "Name": state.name},
        }
        if state.type in ("Task", "Parallel", "Map"):
            # only states that can retry count retries: AWS's $$.State of a Pass state has
            # Name and EnteredTime alone (test_base::test_query_context_object_values)
            context["State"]["RetryCount"] = sum(run["retries"])
        if extra:
            context.update(extra)
        return context

    def execution_input(self) -> Any:
        if self._execution_input is _UNPARSED:  # parsed once per step, only if a state reads it
            self._execution_input = _loads(self.info["input_text"])
        return self._execution_input

    def scope(self, run: dict[str, Any], state: State, extra: dict[str, Any] | None = None) -> Scope:
        # Causes quote the input as AWS received it while it is still the execution's own text.
        # A state whose definition never names ``$$`` cannot read the context: it is not built.
        context = self.context(run, state, extra) if _reads_context(state) else _NO_CONTEXT
        return Scope(context, run["variables"], self.rng(), run.get("raw"), run["input"])

    def enter(self, run_id: str, run: dict[str, Any]) -> None:
        state = self.state_of(run)
        run["phase"] = "in-state"
        run.pop("exit_previous", None)
        run["retries"] = [self.retries_before if state.name == self.inspected else 0] * len(state.retry)
        run["entered_ms"] = self.now
        known = self._input_texts.pop(run_id, None)
        input_text = known[1] if known is not None and known[0] is run["input"] else text(run["input"])
        run["entered_id"] = self.emit(f"{state.type}StateEntered", run["previous"],
                                      {"name": state.name, "input": input_text,
                                       "inputDetails": {"truncated": False}})
        run["previous"] = run["entered_id"]
        try:
            getattr(self, "run_" + state.type.lower())(run_id, run, state)
        except _Fault as fault:
            self.fail_state(run_id, run, state, fault)

    def fault(self, failure: StatesError) -> _Fault:
        return _Fault(failure.error, failure.cause, True)

    # JSONata helpers
    def states_var(self, run: dict[str, Any], state: State, **more: Any) -> dict[str, Any]:
        value = {"input": run["input"], "context": self.context(run, state)}
        value.update(more)
        return value

    def jsonata(self, value: Any, run: dict[str, Any], state: State, **more: Any) -> Any:
        return value.evaluate(self.states_var(run, state, **more), run["variables"], self.rng())

    # one method per state type
    def run_pass(self, run_id: str, run: dict[str, Any], state: State) -> None:
        try:
            if state.jsonata:
                self.finish_state(run_id, run, state, run["input"], jsonata_default=run["input"])
                return
            scope = self.scope(run, state)
            effective = apply_input_path(state.input_path, run["input"], scope)
            self.note(state, "afterInputPath", effective)
            if state.parameters is not None:
                effective = state.parameters.evaluate(effective, scope)
            self.note(state, "afterParameters", effective)
            result = copy.deepcopy(state.result) if state.result is not UNSET else effective
            self.note(state, "result", result)
            self.note(state, "afterResultSelector", result)
            self.finish_state(run_id, run, state, result)
        except StatesError as failure:
            raise self.fault(failure) from None

    def run_succeed(self, run_id: str, run: dict[str, Any], state: State) -> None:
        self.run_pass(run_id, run, state)

    def run_fail(self, run_id: str, run: dict[str, Any], state: State) -> None:
        try:
            error, cause = state.error, state.cause
            if state.jsonata:
                if error is not None and not isinstance(error, str):
                    error = self.jsonata(error, run, state)
                if cause is not None and not isinstance(cause, str):
                    cause = self.jsonata(cause, run, state)
            else:
                scope = self.scope(run, state)
                if state.error_path is not None:
                    error = state.error_path.evaluate(run["input"], scope)["v"]
                if state.cause_path is not None:
                    cause = state.cause_path.evaluate(run["input"], scope)["v"]
        except StatesError as failure:
            raise self.fault(failure) from None
        self.end_run(run_id, run, failed=(error, cause))

    def run_choice(self, run_id: str, run: dict[str, Any], state: State) -> None:
        try:
            if state.jsonata:
                for i, branch in enumerate(state.choices):
                    assert branch.condition is not None
                    verdict = self.jsonata(branch.condition, run, state)
                    if not isinstance(verdict, bool):
                        raise StatesError(errors.QUERY_EVALUATION_ERROR,
                                          f"The JSONata expression specified for the field 'Choices[{i}]/Condition' "
                                          "returned a non-boolean value.")
                    if verdict:
                        self.finish_state(run_id, run, state, run["input"], jsonata_default=run["input"],
                                          output=branch.output, assign=branch.assign, next_state=branch.next)
                        return
            else:
                scope = self.scope(run, state)
                effective = apply_input_path(state.input_path, run["input"], scope)
                for branch in state.choices:
                    assert branch.rule is not None
                    if evaluate_rule(branch.rule, effective, scope):
                        self.finish_state(run_id, run, state, effective, assign=branch.assign, next_state=branch.next,
                                          result_is_output=True)
                        return
                if state.default is not None:
                    self.finish_state(run_id, run, state, effective, next_state=state.default, result_is_output=True)
                    return
            if state.jsonata and state.default is not None:
                self.finish_state(run_id, run, state, run["input"], jsonata_default=run["input"],
                                  next_state=state.default)
                return
        except StatesError as failure:
            raise self.fault(failure) from None
        raise _Fault(errors.NO_CHOICE_MATCHED, "No Matches!", True)

    def run_wait(self, run_id: str, run: dict[str, Any], state: State) -> None:
        try:
            due = self.wait_due(run, state)
        except StatesError as failure:
            raise self.fault(failure) from None
        timer = f"{run_id}/{run['entered_id']}/wait"
        run["wait"] = {"timer": timer}
        self.effects.append(StartTimer(timer, due, "wait"))

    def wait_due(self, run: dict[str, Any], state: State) -> int:
        seconds: Any = None
        stamp: Any = None
        if state.jsonata:
            if state.seconds is not None:
                seconds = state.seconds if isinstance(state.seconds, int) else self.jsonata(state.seconds, run, state)
            elif state.timestamp is not None:
                stamp = state.timestamp if isinstance(state.timestamp, str) else self.jsonata(state.timestamp, run,
                                                                                            state)
        else:
            scope = self.scope(run, state)
            effective = apply_input_path(state.input_path, run["input"], scope)
            if state.seconds is not None:
                seconds = state.seconds
            elif state.timestamp is not None:
                stamp = state.timestamp
            elif state.seconds_path is not None:
                seconds = self.path_value(state.seconds_path, effective, scope)
                if not (isinstance(seconds, int) and not isinstance(seconds, bool) and seconds >= 0):
                    raise StatesError(errors.RUNTIME,
                                      f"Invalid path '{state.seconds_path.text}' : The value must be a "
                                      "non-negative integer")
            elif state.timestamp_path is not None:
                stamp = self.path_value(state.timestamp_path, effective, scope)
        if seconds is not None:
            if not (isinstance(seconds, int) and not isinstance(seconds, bool) and seconds >= 0):
                raise StatesError(errors.QUERY_EVALUATION_ERROR,
                                  "The JSONata expression specified for the field 'Seconds' must return a "
                                  "non-negative integer.")
            if seconds > MAX_WAIT_SECONDS:
                raise StatesError(errors.RUNTIME, "Wait state delay is too long")
            return self.now + seconds * 1000
        instant = parse_timestamp(stamp)
        if instant is None:
            if not state.jsonata and state.timestamp_path is not None:
                # AWS's words for a TimestampPath value without a zone (test_wait, recorded)
                raise StatesError(errors.RUNTIME,
                                  "The TimestampPath parameter does not reference a valid ISO-8601 extended "
                                  f"offset date-time format string: {state.timestamp_path.text} == {stamp}")
            if state.jsonata:
                raise StatesError(errors.QUERY_EVALUATION_ERROR,
                                  "The Timestamp field cannot be parsed as an ISO-8601 extended offset date-time "
                                  f"format string: {stamp}")
            raise StatesError(errors.RUNTIME, f"The timestamp '{stamp}' is not a valid RFC3339 timestamp")
        due = int(instant.timestamp() * 1000)
        if due - self.now > MAX_WAIT_SECONDS * 1000:
            raise StatesError(errors.RUNTIME, "Wait state delay is too long")
        return max(due, self.now)

    def path_value(self, path: Any, document: Any, scope: Scope) -> Any:
        base = path_base(path, document, scope)
        value = MISSING if base is MISSING else select(path, base)
        if value is MISSING:
            raise StatesError(errors.RUNTIME, f"Invalid path '{path.text}' : No results for path: "
                                              f"{_jayway(path)}")
        return value

    def run_task(self, run_id: str, run: dict[str, Any], state: State) -> None:
        assert state.resource is not None
        attempt = sum(run["retries"])
        task_id = f"{run_id}/{run['entered_id']}/{attempt}"
        pattern = _pattern(state.resource)
        token = hashlib.sha256(f"{self.info['seed']}/{task_id}".encode()).hexdigest() if pattern in (
            "waitForTaskToken", "activity") else None
        extra = {"Task": {"Token": token}} if token else None
        try:
            if state.jsonata:
                context = self.context(run, state, extra)
                states = {"input": run["input"], "context": context}
                rng = self.rng()
                parameters = state.arguments.evaluate(states, run["variables"], rng) if state.arguments else run["input"]
                self.note(state, "afterArguments", parameters)
                timeout = self.number_field(state.timeout_seconds, states, run, rng)
                heartbeat = self.number_field(state.heartbeat_seconds, states, run, rng)
            else:
                scope = self.scope(run, state, extra)
                effective = apply_input_path(state.input_path, run["input"], scope)
                self.note(state, "afterInputPath", effective)
                parameters = state.parameters.evaluate(effective, scope) if state.parameters else effective
                self.note(state, "afterParameters", parameters)
                timeout = state.timeout_seconds
                heartbeat = state.heartbeat_seconds
                if state.timeout_seconds_path is not None:
                    timeout = self.positive(self.path_value(state.timeout_seconds_path, effective, scope),
                                            state.timeout_seconds_path.text)
                if state.heartbeat_seconds_path is not None:
                    heartbeat = self.positive(self.path_value(state.heartbeat_seconds_path, effective, scope),
                                              state.heartbeat_seconds_path.text)
            parameters_text = text(parameters)  # measured here, shown in history below
            check_payload_text(parameters_text, state.name)
            credentials = self.credentials(run, state, extra)
        except StatesError as failure:
            raise self.fault(failure) from None
        kind, resource = _resource_parts(state.resource)
        wait: dict[str, Any] = {"task_id": task_id, "kind": kind, "resource": resource, "pattern": pattern}
        if pattern == "activity":
            details: dict[str, Any] = {"resource": state.resource, "input": parameters_text,
                                       "inputDetails": {"truncated": False}}
            if timeout is not None:
                details["timeoutInSeconds"] = timeout
            if heartbeat is not None:
                details["heartbeatInSeconds"] = heartbeat
            run["previous"] = self.emit("ActivityScheduled", run["previous"], details)
        elif pattern == "function":
            details = {"resource": state.resource, "input": parameters_text, "inputDetails": {"truncated": False}}
            if timeout is not None:
                details["timeoutInSeconds"] = timeout
            run["previous"] = self.emit("LambdaFunctionScheduled", run["previous"], details)
            run["previous"] = self.emit("LambdaFunctionStarted", run["previous"], None)
        else:
            details = {"resourceType": kind, "resource": resource, "region": self.info.get("region", "us-east-1"),
                       "parameters": parameters_text}
            if timeout is not None:
                details["timeoutInSeconds"] = timeout
            if heartbeat is not None:
                details["heartbeatInSeconds"] = heartbeat
            if isinstance(credentials, dict) and isinstance(credentials.get("RoleArn"), str):
                details["taskCredentials"] = {"roleArn": credentials["RoleArn"]}
            run["previous"] = self.emit("TaskScheduled", run["previous"], details)
            run["previous"] = self.emit("TaskStarted", run["previous"], {"resourceType": kind, "resource": resource})
        if timeout is not None:
            wait["timeout_timer"] = f"{task_id}/timeout"
            self.effects.append(StartTimer(wait["timeout_timer"], self.now + timeout * 1000, "task-timeout"))
        if heartbeat is not None:
            wait["heartbeat_timer"] = f"{task_id}/heartbeat"
            wait["heartbeat_seconds"] = heartbeat
            self.effects.append(StartTimer(wait["heartbeat_timer"], self.now + heartbeat * 1000,
                                           "heartbeat-timeout"))
        run["wait"] = wait
        self.effects.append(InvokeTask(task_id, state.resource, pattern, parameters, token, timeout, heartbeat,
                                       credentials))

    def credentials(self, run: dict[str, Any], state: State, extra: dict[str, Any] | None) -> Any:
        """Credentials, with its paths and intrinsics (JSONPath) or expressions (JSONata) evaluated."""
        if state.credentials is None:
            return None
        if isinstance(state.credentials, JsonataValue):
            return state.credentials.evaluate({"input": run["input"], "context": self.context(run, state, extra)},
                                              run["variables"], self.rng())
        return state.credentials.evaluate(run["input"], self.scope(run, state, extra))

    def number_field(self, value: Any, states: dict[str, Any], run: dict[str, Any], rng: random.Random) -> Any:
        if value is None or isinstance(value, int):
            return value
        return self.positive(value.evaluate(states, run["variables"], rng), "TimeoutSeconds")

    def positive(self, value: Any, where: str) -> int:
        if not (isinstance(value, int) and not isinstance(value, bool) and value > 0):
            raise StatesError(errors.RUNTIME, f"Invalid path '{where}' : The value must be a positive integer")
        return value

    def resume(self, run_id: str, run: dict[str, Any], state: State, event: Event) -> None:
        wait = run["wait"]
        if isinstance(event, TimerFired):
            if event.timer_id == wait.get("timer"):
                run["wait"] = None
                if wait.get("retry"):
                    run["phase"] = "in-state"
                    self.run_task_or_again(run_id, run, state)
                    return
                self.after_wait(run_id, run, state)
                return
            # AWS records a heartbeat that ran out as States.Timeout too (test_heartbeats,
            # recorded 2024-04-18), while its docs let Retry and Catch name it
            # States.HeartbeatTimeout: both names match it.
            self.cancel_wait(run)
            self.emit_task_outcome(run, wait, "TimedOut", {"error": errors.TIMEOUT})
            fault = _Fault(errors.TIMEOUT, "", False)
            fault.causeless = True
            fault.heartbeat = event.timer_id != wait.get("timeout_timer")
            raise fault
        if isinstance(event, ItemsRead):
            run["wait"] = None
            if event.error is not None or event.items is None:
                raise _Fault(event.error or errors.ITEM_READER_FAILED, event.cause or "", False)
            self.start_map_run(run_id, run, state, event.items)
            return
        if isinstance(event, MapRunEnded):
            run["wait"] = None
            if event.error is not None:
                details = {k: v for k, v in (("error", event.error), ("cause", event.cause)) if v is not None}
                run["previous"] = self.emit("MapRunFailed", run["previous"], details)
                run["previous"] = self.emit("MapStateFailed", run["previous"], None)
                raise _Fault(event.error, event.cause or "", False)
            run["previous"] = self.emit("MapRunSucceeded", run["previous"], None)
            run["previous"] = self.emit("MapStateSucceeded", run["previous"], None)
            self.finish_with_result(run_id, run, state, event.output)
            return
        if isinstance(event, TaskHeartbeat):
            if wait.get("heartbeat_timer"):
                self.effects.append(CancelTimer(wait["heartbeat_timer"]))
                self.effects.append(StartTimer(wait["heartbeat_timer"], self.now + wait["heartbeat_seconds"] * 1000,
                                               "heartbeat-timeout"))
            return
        if isinstance(event, TaskSubmitted):
            # AWS records the call's own answer once, between TaskStarted and the callback
            # (test_callback, recorded); a repeated call (a crash before its commit) adds none
            if wait["pattern"] in _SUBMITTED_PATTERNS and not wait.get("submitted"):
                wait["submitted"] = True
                run["previous"] = self.emit("TaskSubmitted", run["previous"], {
                    "resourceType": wait["kind"], "resource": wait["resource"], "output": text(event.output),
                    "outputDetails": {"truncated": False}})
                early = wait.pop("early", None)
                if early is not None:
                    self.resume(run_id, run, state, _early_answer(early, event.now_ms))
            return
        if (isinstance(event, (TaskSucceeded, TaskFailed)) and event.callback
                and wait["pattern"] in _SUBMITTED_PATTERNS and not wait.get("submitted")):
            # a callback quicker than the commit of its task's call (the consumer got the
            # token before the task job recorded the answer): it applies right after
            # TaskSubmitted, in AWS's order; a failed call drops it with the wait
            wait["early"] = {k: v for k, v in event.__dict__.items() if k != "now_ms"}
            return
        if isinstance(event, TaskStarted):
            if wait["pattern"] == "activity":
                run["previous"] = self.emit("ActivityStarted", run["previous"], {"workerName": event.worker_name})
            return
        self.cancel_wait(run, answered=True)
        if isinstance(event, TaskFailed):
            details = {"error": event.error, "cause": event.cause}
            self.emit_task_outcome(run, wait, "Failed", {k: v for k, v in details.items() if v is not None})
            raise _Fault(event.error, event.cause, False, reported_by_task=True)
        assert isinstance(event, TaskSucceeded)
        output_text = text(event.output)
        try:
            # AWS names the integration ('lambda') or the function/activity ARN in this cause.
            check_payload_text(output_text, wait["kind"] if wait["pattern"] not in ("function", "activity")
                               else state.resource or "")
        except StatesError as failure:
            self.emit_task_outcome(run, wait, "Failed", {"error": failure.error, "cause": failure.cause})
            raise _Fault(failure.error, failure.cause, False, reported_by_task=True) from None
        self.note(state, "result", event.output)
        self.emit_task_outcome(run, wait, "Succeeded", {"output": output_text,
                                                        "outputDetails": {"truncated": False}})
        self.finish_with_result(run_id, run, state, event.output)

    def run_task_or_again(self, run_id: str, run: dict[str, Any], state: State) -> None:
        if state.type == "Task":
            self.run_task(run_id, run, state)
        elif state.type == "Parallel":
            self.run_parallel(run_id, run, state)
        else:
            self.run_map(run_id, run, state)

    def emit_task_outcome(self, run: dict[str, Any], wait: dict[str, Any], outcome: str,
                          details: dict[str, Any]) -> None:
        pattern = wait["pattern"]
        if pattern == "activity":
            run["previous"] = self.emit(f"Activity{outcome}", run["previous"], details)
        elif pattern == "function":
            run["previous"] = self.emit(f"LambdaFunction{outcome}", run["previous"], details)
        else:
            full = {"resourceType": wait["kind"], "resource": wait["resource"], **details}
            run["previous"] = self.emit(f"Task{outcome}", run["previous"], full)

    def after_wait(self, run_id: str, run: dict[str, Any], state: State) -> None:
        try:
            if state.jsonata:
                self.finish_state(run_id, run, state, run["input"], jsonata_default=run["input"])
            else:
                scope = self.scope(run, state)
                effective = apply_input_path(state.input_path, run["input"], scope)
                self.finish_state(run_id, run, state, effective, result_is_output=True)
        except StatesError as failure:
            raise self.fault(failure) from None

    def finish_with_result(self, run_id: str, run: dict[str, Any], state: State, result: Any) -> None:
        """A Task, Parallel or Map has its result: select, place, output, go on."""
        try:
            if state.jsonata:
                self.finish_state(run_id, run, state, result, jsonata_default=result, jsonata_result=result)
                return
            scope = self.scope(run, state)
            if state.result_selector is not None:
                result = state.result_selector.evaluate(result, scope)
            self.note(state, "afterResultSelector", result)
            self.finish_state(run_id, run, state, result)
        except StatesError as failure:
            raise self.fault(failure) from None

    def finish_state(self, run_id: str, run: dict[str, Any], state: State, result: Any, *,
                     jsonata_default: Any = UNSET, jsonata_result: Any = UNSET, output: Any = None,
                     assign: Assignment | None = None, next_state: str | None = None,
                     result_is_output: bool = False) -> None:
        """Exit the state with ``result``: JSONPath applies ResultPath and OutputPath
        (``result_is_output`` for states without them), JSONata evaluates Output; Assign
        is evaluated against the values before this state's assignments."""
        # A Choice's own Assign applies whichever rule matched, with the rule's on top (AWS's
        # Choice page); other states have only their own.
        blocks = [block for block in (state.assign, assign) if block is not None]
        if len(blocks) == 2 and blocks[0] is blocks[1]:
            blocks = blocks[:1]
        assigned: dict[str, Any] = {}
        if state.jsonata:
            more = {} if jsonata_result is UNSET else {"result": jsonata_result}
            template = output or state.output
            value = self.jsonata(template, run, state, **more) if template is not None else jsonata_default
            for block in blocks:
                if block.jsonata is not None:
                    assigned.update(self.jsonata(block.jsonata, run, state, **more))
        else:
            scope = self.scope(run, state)
            for block in blocks:
                if block.jsonpath is not None:
                    assigned.update(block.jsonpath.evaluate(result, scope))
            if result_is_output:
                value = result
            else:
                value = apply_result_path(state.result_path, run["input"], result)
                self.note(state, "afterResultPath", value)
            value = apply_output_path(state.output_path, value, scope)
        output_text = text(value)  # the history's text, and what the payload limit measures
        check_payload_text(output_text, state.name)
        if assigned:
            run["variables"] = {**run["variables"], **assigned}
        self.note(state, "variables", run["variables"])
        details: dict[str, Any] = {"name": state.name, "output": output_text, "outputDetails": {"truncated": False}}
        if assigned:
            details["assignedVariables"] = {k: text(v) for k, v in assigned.items()}
            details["assignedVariablesDetails"] = {"truncated": False}
        exit_previous = run.pop("exit_previous", run["previous"])
        if state.type == "Succeed" or (state.end and next_state is None):
            run["previous"] = self.emit(f"{state.type}StateExited", exit_previous, details)
            self.end_run(run_id, run, output=value, output_text=output_text)
            return
        run["previous"] = self.emit(f"{state.type}StateExited", exit_previous, details)
        run["state"] = next_state or state.next
        run["input"] = value
        self._input_texts[run_id] = (value, output_text)
        run["raw"] = None
        run["phase"] = "enter"
        self.ready.append(run_id)

    # errors: retry, catch, or the run fails
    def fail_state(self, run_id: str, run: dict[str, Any], state: State, fault: _Fault) -> None:
        """Retry, catch, or end the run. Event order follows AWS's histories: EvaluationFailed
        first; a Parallel or Map records its StateFailed only when it is not retried."""
        children_failed = state.type in ("Parallel", "Map") and bool(run["wait"]) and bool(
            run["wait"].get("children"))
        if children_failed:
            self.stop_children(run, state)
            run["wait"] = None
        cause = fault.cause
        # AWS words an oversized state result on its own ("The state/task 'X' returned a
        # result with a size exceeding ..."), without the state prefix (test_states_errors)
        if fault.prefixed and fault.error != errors.DATA_LIMIT_EXCEEDED:
            cause = (f"An error occurred while executing the state '{state.name}' (entered at the event id "
                     f"#{run['entered_id']}). {fault.cause}")
        if fault.prefixed and fault.error == errors.QUERY_EVALUATION_ERROR:
            details: dict[str, Any] = {"error": fault.error, "cause": cause}
            field_match = re.search(r"for the field '([^']*)'|^The (Timestamp) field", fault.cause)
            if field_match is not None:
                details["location"] = field_match.group(1) or field_match.group(2)
            details["state"] = state.name
            run["previous"] = self.emit("EvaluationFailed", run["previous"], details)
        self.note(state, "error", {"error": fault.error, "cause": cause})
        if fault.prefixed and fault.error in errors.UNCATCHABLE:
            # Nothing may handle it, at any depth: the execution fails from this state.
            self.fail_execution(run, fault.error, cause)
            return
        for i, retrier in enumerate(state.retry):
            if any(errors.matches(name, fault.error, reported_by_task=fault.reported_by_task,
                                  heartbeat=fault.heartbeat)
                   for name in retrier.error_equals):
                if run["retries"][i] < retrier.max_attempts:
                    delay = retrier.interval_seconds * retrier.backoff_rate ** run["retries"][i]
                    if retrier.max_delay_seconds is not None:
                        delay = min(delay, retrier.max_delay_seconds)
                    if retrier.jitter_strategy == "FULL":
                        delay = self.rng().uniform(0, delay)
                    run["retries"][i] += 1
                    self.note(state, "errorDetails", {"retryIndex": i, "retryBackoffIntervalSeconds": int(delay)})
                    timer = f"{run_id}/{run['entered_id']}/retry/{sum(run['retries'])}"
                    run["wait"] = {"timer": timer, "retry": True}
                    self.effects.append(StartTimer(timer, self.now + int(delay * 1000), "retry"))
                    return
                break  # the first retrier that matches decides, even when exhausted
        if children_failed or fault.state_failed:
            run["previous"] = self.emit(f"{state.type}StateFailed", run["previous"], None)
        for index, catcher in enumerate(state.catch):
            if any(errors.matches(name, fault.error, reported_by_task=fault.reported_by_task,
                                  heartbeat=fault.heartbeat)
                   for name in catcher.error_equals):
                self.note(state, "errorDetails", {"catchIndex": index})
                error_output = {"Error": fault.error, "Cause": cause}
                try:
                    self.catch(run_id, run, state, catcher, error_output)
                except StatesError as failure:
                    self.end_run(run_id, run, failed=(failure.error, failure.cause))
                return
        if run["parent"] is not None and state.type == "Task" and not fault.prefixed:
            # The task's failure ends its branch: the state never exits, it is aborted (the
            # parent's next event links past this one, to the failure itself).
            self.emit("TaskStateAborted", run["previous"], None)
        self.end_run(run_id, run, failed=(fault.error, None if fault.causeless else cause))

    def fail_execution(self, run: dict[str, Any], error: str, cause: str) -> None:
        top = self.s.runs["0"]
        top["previous"] = run["previous"]
        for other_id, other in list(self.s.runs.items()):
            if other_id != "0":
                self.cancel_wait(other)
                del self.s.runs[other_id]
        top["children"] = {}
        self.end_run("0", top, failed=(error, cause))

    def catch(self, run_id: str, run: dict[str, Any], state: State, catcher: Any, error_output: dict[str, Any]) -> None:
        assigned: dict[str, Any] = {}
        if state.jsonata:
            more = {"errorOutput": error_output}
            value = self.jsonata(catcher.output, run, state, **more) if catcher.output is not None else error_output
            if catcher.assign is not None and catcher.assign.jsonata is not None:
                assigned = self.jsonata(catcher.assign.jsonata, run, state, **more)
        else:
            scope = self.scope(run, state)
            if catcher.assign is not None and catcher.assign.jsonpath is not None:
                assigned = catcher.assign.jsonpath.evaluate(error_output, scope)
            value = apply_result_path(catcher.result_path, run["input"], error_output)
        if assigned:
            run["variables"] = {**run["variables"], **assigned}
        self.note(state, "variables", run["variables"])
        details: dict[str, Any] = {"name": state.name, "output": text(value), "outputDetails": {"truncated": False}}
        if assigned:
            details["assignedVariables"] = {k: text(v) for k, v in assigned.items()}
            details["assignedVariablesDetails"] = {"truncated": False}
        run["previous"] = self.emit(f"{state.type}StateExited", run["previous"], details)
        run["state"] = catcher.next
        run["input"] = value
        run["raw"] = None
        run["phase"] = "enter"
        self.ready.append(run_id)

    # a run ends: the execution, or a branch or an iteration of its parent
    def end_run(self, run_id: str, run: dict[str, Any], output: Any = None,
                failed: tuple[str | None, str | None] | None = None, output_text: str | None = None) -> None:
        run["phase"] = "done"
        run["wait"] = None
        parent_id = run["parent"]
        if parent_id is None:
            if failed is None:
                self.s.status = "SUCCEEDED"
                self.s.output = output
                shown = output_text if output_text is not None else text(output)
                self.emit("ExecutionSucceeded", run["previous"], {"output": shown,
                                                                   "outputDetails": {"truncated": False}})
                if self.definition.timeout_seconds:
                    self.effects.append(CancelTimer("execution-timeout"))
                self.effects.append(EndExecution("SUCCEEDED", output=shown))
            else:
                error, cause = failed
                self.s.status = "FAILED"
                self.s.error, self.s.cause = error, cause
                details = {k: v for k, v in (("error", error), ("cause", cause)) if v is not None}
                self.emit("ExecutionFailed", run["previous"], details)
                self.cancel_everything()
                self.effects.append(EndExecution("FAILED", error=error, cause=cause))
            return
        parent = self.s.runs[parent_id]
        run["outcome"] = {"output": output} if failed is None else {"error": failed[0], "cause": failed[1]}
        parent_state = self.state_of(parent)
        del self.s.runs[run_id]
        # AWS links the next iteration (and the Map's exit) to the last event of the child,
        # and the Map's StateSucceeded to its last MapIterationSucceeded (recorded histories).
        parent["previous"] = run["previous"]
        parent["last_done"] = run["previous"]
        if parent_state.type == "Map":
            outcome = "Succeeded" if failed is None else "Failed"
            parent["last_done"] = self.emit(f"MapIteration{outcome}", run["previous"],
                                            {"name": parent_state.name, "index": run["index"]})
        parent["results"][run["index"]] = run["outcome"]
        del parent["children"][run_id]
        try:
            if failed is not None:
                fault = _Fault(failed[0] or "", failed[1] or "", False)
                fault.causeless = failed[1] is None
                raise fault
            if parent_state.type == "Map":
                self.start_iterations(parent_id, parent, parent_state)
            if not parent["children"] and parent["next_item"] >= len(parent["items"]):
                self.children_done(parent_id, parent, parent_state)
        except _Fault as fault:
            self.fail_state(parent_id, parent, parent_state, fault)

    def stop_children(self, run: dict[str, Any], state: State | None = None) -> None:
        """A branch or iteration failed: the others stop where they are. Each state left
        waiting records its StateAborted (and a Map its MapIterationAborted)."""
        for child_id in list(run["children"]):
            child = self.s.runs.pop(child_id, None)
            if child is None:
                continue
            child_state = self.state_of_run(child)
            if child["children"]:
                self.stop_children(child, child_state)
            if child["wait"] and child_state is not None and child_state.type in ("Task", "Wait", "Parallel", "Map"):
                aborted = self.emit(f"{child_state.type}StateAborted", child["previous"], None)
                if state is not None and state.type == "Map":
                    self.emit("MapIterationAborted", aborted, {"name": state.name, "index": child["index"]})
            self.cancel_wait(child)
        run["children"] = {}
        run["next_item"] = len(run.get("items", ()))

    def state_of_run(self, run: dict[str, Any]) -> State | None:
        try:
            return self.state_of(run)
        except KeyError:
            return None

    def children_done(self, run_id: str, run: dict[str, Any], state: State) -> None:
        results = [outcome["output"] for outcome in run["results"]]
        last = run.pop("last_done", run["previous"])
        # The state's exit links past StateSucceeded to the last child event; a failure after
        # it (ResultSelector, OutputPath) links to StateSucceeded. As AWS's histories show.
        run["previous"] = self.emit(f"{state.type}StateSucceeded", last, None)
        run["exit_previous"] = last
        run["phase"] = "in-state"
        self.finish_with_result(run_id, run, state, results)

    def run_parallel(self, run_id: str, run: dict[str, Any], state: State) -> None:
        try:
            if state.jsonata:
                effective = self.jsonata(state.arguments, run, state) if state.arguments else run["input"]
            else:
                scope = self.scope(run, state)
                effective = apply_input_path(state.input_path, run["input"], scope)
                if state.parameters is not None:
                    effective = state.parameters.evaluate(effective, scope)
        except StatesError as failure:
            raise self.fault(failure) from None
        run["previous"] = self.emit("ParallelStateStarted", run["previous"], None)
        run["results"] = [None] * len(state.branches)
        run["items"] = []
        run["next_item"] = 0
        run["children"] = {}
        for i, branch in enumerate(state.branches):
            child_id = f"{run_id}.{state.name}.{run['entered_id']}.{i}"
            where = run["where"] + [[state.name, i]]
            self.s.runs[child_id] = self.new_run(run_id, where, branch.start_at, copy.deepcopy(effective),
                                                 run["previous"], dict(run["variables"]), index=i)
            self.ready.append(child_id)
            run["children"][child_id] = 1
        run["wait"] = {"children": True}

    def run_map(self, run_id: str, run: dict[str, Any], state: State) -> None:
        try:
            if state.jsonata:
                items = self.jsonata(state.items, run, state) if state.items else run["input"]
                limit = state.max_concurrency if isinstance(state.max_concurrency, int) else self.jsonata(
                    state.max_concurrency, run, state)
            else:
                scope = self.scope(run, state)
                effective = apply_input_path(state.input_path, run["input"], scope)
                run["effective"] = effective
                items = effective
                if state.items_path is not UNSET and state.item_reader is None:
                    items = self.path_value(state.items_path, effective, scope)
                limit = state.max_concurrency
                if state.max_concurrency_path is not None:
                    limit = self.path_value(state.max_concurrency_path, effective, scope)
                    if isinstance(limit, str) and limit.isdigit():
                        limit = int(limit)  # AWS takes the number as text too ("1", recorded)
            run["limit"] = limit if isinstance(limit, int) and limit > 0 else 0
            if state.distributed and state.item_reader is not None:
                self.read_items(run_id, run, state)
                return
            if not isinstance(items, list):
                if state.jsonata and state.items is not None:
                    raise StatesError(errors.QUERY_EVALUATION_ERROR, _not_an_array(state.items, items))
                if state.jsonata:
                    shown = json.dumps(items, separators=(",", ":"), ensure_ascii=False)
                    raise StatesError(errors.QUERY_EVALUATION_ERROR,
                                      f"Map state input must be an array but was: {shown}")
                raise StatesError(errors.RUNTIME, f"Invalid path '{getattr(state.items_path, 'text', '$')}' : "
                                                  "The value must be an array")
        except StatesError as failure:
            fault = self.fault(failure)
            # AWS records MapStateFailed after the EvaluationFailed of a JSONata Map that never
            # started (test_base_scenarios::test_map_state_items_variable_sampling)
            fault.state_failed = state.jsonata
            raise fault from None
        if state.distributed:
            self.start_map_run(run_id, run, state, items)
            return
        run["previous"] = self.emit("MapStateStarted", run["previous"], {"length": len(items)})
        run["items"] = items
        run["results"] = [None] * len(items)
        run["next_item"] = 0  # items start in order; the next one when a slot frees
        run["children"] = {}
        run["wait"] = {"children": True}
        self.start_iterations(run_id, run, state)
        if not items:
            self.children_done(run_id, run, state)

    def select_item(self, run: dict[str, Any], state: State, index: int, item: Any) -> Any:
        """ItemSelector (legacy Parameters) for one item, with $$.Map.Item in context."""
        map_context = {"Map": {"Item": {"Index": index, "Value": item}}}
        try:
            if state.jsonata:
                if state.item_selector_jsonata is None:
                    return item
                context = self.context(run, state, map_context)
                return state.item_selector_jsonata.evaluate({"input": run["input"], "context": context},
                                                            run["variables"], self.rng())
            if state.parameters is not None:
                return state.parameters.evaluate(run["effective"], self.scope(run, state, map_context))
            return item
        except StatesError as failure:
            raise self.fault(failure) from None

    def read_items(self, run_id: str, run: dict[str, Any], state: State) -> None:
        reader = state.item_reader or {}
        compiled = state.item_reader_parameters
        try:
            if compiled is None:
                parameters: Any = {}
            elif isinstance(compiled, JsonataValue):
                parameters = compiled.evaluate(self.states_var(run, state), run["variables"], self.rng())
            else:
                parameters = compiled.evaluate(run["effective"], self.scope(run, state))
        except StatesError as failure:
            raise self.fault(failure) from None
        reader_id = f"{run_id}/{run['entered_id']}/reader"
        run["wait"] = {"reader": reader_id}
        self.effects.append(ReadItems(reader_id, str(reader.get("Resource")), dict(reader.get("ReaderConfig") or {}),
                                      parameters))

    def start_map_run(self, run_id: str, run: dict[str, Any], state: State, items: Any) -> None:
        if not isinstance(items, list):
            raise _Fault(errors.RUNTIME, "The value for the Map's items must be an array", True)
        selected = [self.select_item(run, state, i, item) for i, item in enumerate(items)]
        if state.item_batcher is not None:
            batch_input = None
            try:
                if isinstance(state.batch_input, JsonataValue):
                    batch_input = state.batch_input.evaluate(self.states_var(run, state), run["variables"], self.rng())
                elif state.batch_input is not None:
                    batch_input = state.batch_input.evaluate(run["effective"], self.scope(run, state))
            except StatesError as failure:
                raise self.fault(failure) from None
            selected = batch_items(selected, state.item_batcher, batch_input)
        info = self.info
        arn_parts = info["execution_arn"].split(":")
        region, account = (arn_parts[3], arn_parts[4]) if len(arn_parts) > 4 else ("us-east-1", "000000000000")
        # a redriven execution redrives the map run this state started before (AWS: "redrive map
        # run"), wherever the state is: the run is remembered under the state's place, its
        # enclosing branches and iterations included, so a Parallel or inline Map that runs
        # again reaches the same run
        redrive_count = int(info.get("redrive_count", 0))
        started_runs: dict[str, Any] = info.setdefault("map_runs", {})
        key = self.place(run_id, state.name)
        earlier = started_runs.get(key)
        redrive = earlier is not None and earlier["redrive"] < redrive_count
        if earlier is not None and redrive:
            map_run_arn = earlier["arn"]
            run["previous"] = self.emit("MapRunRedriven", run["previous"],
                                        {"mapRunArn": map_run_arn, "redriveCount": redrive_count})
        else:
            run_uuid = str(uuid.UUID(int=self.rng().getrandbits(128), version=4))
            map_run_arn = (f"arn:aws:states:{region}:{account}:mapRun:{info['state_machine_name']}/"
                           f"{state.label or state.name}:{run_uuid}")
            run["previous"] = self.emit("MapRunStarted", run["previous"], {"mapRunArn": map_run_arn})
        started_runs[key] = {"arn": map_run_arn, "redrive": redrive_count}
        run["wait"] = {"map_run": map_run_arn}
        count = state.tolerated_failure_count if isinstance(state.tolerated_failure_count, int) else None
        percentage = state.tolerated_failure_percentage if isinstance(
            state.tolerated_failure_percentage, (int, float)) else None
        try:
            if state.jsonata:
                if state.tolerated_failure_count is not None and count is None:
                    count = self.jsonata(state.tolerated_failure_count_expression, run, state)
                if state.tolerated_failure_percentage is not None and percentage is None:
                    percentage = self.jsonata(state.tolerated_failure_percentage_expression, run, state)
            else:
                scope = self.scope(run, state)
                if state.tolerated_failure_count_path is not None:
                    count = self.path_value(state.tolerated_failure_count_path, run["effective"], scope)
                if state.tolerated_failure_percentage_path is not None:
                    percentage = self.path_value(state.tolerated_failure_percentage_path, run["effective"], scope)
        except StatesError as failure:
            raise self.fault(failure) from None
        self.effects.append(StartMapRun(map_run_arn, run["where"] + [[state.name, None]], selected, run["limit"],
                                        state.execution_type or "STANDARD", count, percentage,
                                        state.result_writer, state.label, redrive))

    def place(self, run_id: str, state_name: str) -> str:
        """Where a state is in the execution, stable across a redrive: its name, inside each
        enclosing branch (``Parallel#b``) or iteration (``Map[i]``) up to the top."""
        parts = [state_name]
        runs = self.s.runs
        run = runs.get(run_id)
        while run is not None and run["parent"] is not None:
            enclosing, branch = run["where"][-1]
            parts.append(f"{enclosing}#{branch}" if branch is not None else f"{enclosing}[{run['index']}]")
            run = runs.get(run["parent"])
        return "/".join(reversed(parts))  # a top-level state: its name alone

    def start_iterations(self, run_id: str, run: dict[str, Any], state: State) -> None:
        assert state.processor is not None
        while run["next_item"] < len(run["items"]) and (not run["limit"] or len(run["children"]) < run["limit"]):
            index = run["next_item"]
            run["next_item"] += 1
            value = self.select_item(run, state, index, run["items"][index])
            child_id = f"{run_id}.{state.name}.{run['entered_id']}.{index}"
            previous = self.emit("MapIterationStarted", run["previous"], {"name": state.name, "index": index})
            self.s.runs[child_id] = self.new_run(run_id, run["where"] + [[state.name, None]],
                                                 state.processor.start_at, value, previous,
                                                 dict(run["variables"]), index=index)
            self.ready.append(child_id)
            run["children"][child_id] = 1


_UNPARSED: Any = object()
_SUBMITTED_PATTERNS = ("waitForTaskToken", "sync", "sync:2")


def _early_answer(early: dict[str, Any], now_ms: int) -> Event:
    """A callback kept until its task's TaskSubmitted (see ``resume``)."""
    if "error" in early:
        return TaskFailed(early["task_id"], early["error"], early["cause"], now_ms, callback=True)
    return TaskSucceeded(early["task_id"], early["output"], now_ms, callback=True)


_JSONATA_TYPES = ((bool, "boolean"), (str, "string"), (int, "number"), (float, "number"), (dict, "object"),
                  (list, "array"))


def _not_an_array(items: JsonataValue, value: Any) -> str:
    """AWS's words when a JSONata Map's Items is not an array (test_base_scenarios)."""
    expression = getattr(getattr(items, "root", None), "expression", None)
    text = getattr(expression, "text", "")
    kind = next((name for python_type, name in _JSONATA_TYPES if isinstance(value, python_type)), "null")
    shown = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    return (f"The JSONata expression '{text}' specified for the field 'Items' returned an unexpected result type. "
            f"Expected 'array', but was '{kind}' for value: {shown}")


def _parsed_input(text_value: str) -> Any:
    """orjson's reading where it reads (the same values); the stdlib where it refuses
    (integers past 64 bits, numbers past a double)."""
    try:
        return orjson.loads(text_value)
    except orjson.JSONDecodeError:
        return json.loads(text_value)


def _loads(text_value: str) -> Any:
    try:
        return json.loads(text_value) if text_value.strip() else {}
    except ValueError:
        return text_value


def _iso(ms: int) -> str:
    from datetime import datetime, timezone
    return datetime.fromtimestamp(ms / 1000, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"


def _jayway(path: Any) -> str:
    from eventyard.core.states.payload import jayway_path
    return jayway_path(path)


def _pattern(resource: str) -> str:
    if resource.endswith(".waitForTaskToken"):
        return "waitForTaskToken"
    if resource.endswith(".sync:2"):
        return "sync:2"
    if resource.endswith(".sync"):
        return "sync"
    if ":activity:" in resource:
        return "activity"
    if ":lambda:" in resource and ":function:" in resource:
        return "function"
    return "request-response"


def _resource_parts(resource: str) -> tuple[str, str]:
    """History's ``resourceType`` and ``resource``: ``arn:aws:states:::sqs:sendMessage``
    gives ("sqs", "sendMessage"); ``...:aws-sdk:s3:getObject`` gives ("aws-sdk:s3", "getObject")."""
    if resource.startswith("arn:") and ":states:::" in resource:
        rest = resource.split(":states:::", 1)[1]
        if rest.startswith("aws-sdk:"):
            _, service, action = rest.split(":", 2)
            return f"aws-sdk:{service}", action
        service, _, action = rest.partition(":")
        return service, action
    if ":lambda:" in resource:
        return "lambda", resource
    return "activity", resource


def processor_of(machine: Machine, where: list[Any]) -> Machine:
    """The item processor a StartMapRun names (run it with ``start`` per child)."""
    for state_name, branch in where:
        state = machine.states[state_name]
        if branch is None:
            assert state.processor is not None
            machine = state.processor
        else:
            machine = state.branches[branch]
    return machine


def tolerance_exceeded(failed: int, total: int, count: int | None, percentage: float | None) -> bool:
    """Whether a map run's failures are over its ToleratedFailureCount/Percentage (with
    neither set, one failure is too many)."""
    if count is None and percentage is None:
        return failed > 0
    if count is not None and failed > count:
        return True
    return percentage is not None and total > 0 and failed * 100 > percentage * total


def batch_items(values: list[Any], batcher: dict[str, Any], batch_input: Any = None) -> list[Any]:
    """ItemBatcher: ``{"Items": [...]}`` (with ``BatchInput`` if given) of at most
    MaxItemsPerBatch items and MaxInputBytesPerBatch bytes each."""
    max_items = batcher.get("MaxItemsPerBatch")
    max_bytes = batcher.get("MaxInputBytesPerBatch")

    def wrap(items: list[Any]) -> dict[str, Any]:
        return {"BatchInput": batch_input, "Items": items} if batch_input is not None else {"Items": items}

    batches: list[list[Any]] = []
    current: list[Any] = []
    for value in values:
        candidate = current + [value]
        too_many = isinstance(max_items, int) and max_items > 0 and len(candidate) > max_items
        too_big = isinstance(max_bytes, int) and max_bytes > 0 and len(text(wrap(candidate)).encode()) > max_bytes
        if current and (too_many or too_big):
            batches.append(current)
            current = [value]
        else:
            current = candidate
    if current:
        batches.append(current)
    return [wrap(b) for b in batches]
