"""Step Functions conformance cases recorded on AWS, and how to run one through the pure
interpreter.

The cases live in ``tests/services/stepfunctions/conformance/*.json``: each file names its
source (an AWS-recorded snapshot or an AWS documentation page), shared definitions, and
cases with the input and what AWS answered (status, output or error and cause, and the
history's event types where recorded). Task answers a case needs (what a Lambda function
returned, or how it failed) are given in ``tasks``, in the order the tasks are scheduled.

``KNOWN_DIFFERENCES`` lists the cases eventyard does not pass, each with the reason and
what eventyard answers instead; the tests fail when a listed case starts passing or its
answer changes, so the list stays honest.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from eventyard.core.states import (
    DefinitionInvalid,
    EndExecution,
    Execution,
    InvokeTask,
    StartTimer,
    TaskFailed,
    TaskSubmitted,
    TaskSucceeded,
    TimerFired,
    advance,
    parse_definition,
    start,
)
from eventyard.core.states.machine import RecordEvent

CASES_DIR = Path(__file__).parent / "services" / "stepfunctions" / "conformance"
EXECUTION = Execution(
    execution_arn="arn:aws:states:us-east-1:111111111111:execution:conformance:run-1", name="run-1",
    state_machine_arn="arn:aws:states:us-east-1:111111111111:stateMachine:conformance",
    state_machine_name="conformance", role_arn="arn:aws:iam::111111111111:role/sfn", input_text="{}",
    start_time="2025-01-01T00:00:00.000Z", seed="conformance-seed")
NOW_MS = 1_735_689_600_000  # 2025-01-01T00:00:00Z: after the timestamps the recorded cases wait for


@dataclass(frozen=True)
class Case:
    id: str
    source: str
    definition: dict[str, Any]
    input: Any
    status: str
    output: Any = None
    error: str | None = None
    cause: str | None = None
    events: list[str] | None = None
    assigned: list[Any] | None = None  # [state name, {variable: value}] per exit that assigned
    tasks: list[dict[str, Any]] = field(default_factory=list)
    invalid_definition: str | None = None  # CreateStateMachine's InvalidDefinition message
    wire: bool = True  # can run end to end (no task answers a real server cannot give)

    def expected(self) -> dict[str, Any]:
        answer: dict[str, Any] = {"status": self.status}
        if self.status == "INVALID_DEFINITION":
            answer["message"] = self.invalid_definition
        elif self.status == "SUCCEEDED":
            answer["output"] = canonical(self.output)
        else:
            answer["error"], answer["cause"] = self.error, self.cause
        if self.events is not None:
            answer["events"] = self.events
        if self.assigned is not None:
            answer["assigned"] = [[name, canonical(values)] for name, values in self.assigned]
        return answer


def canonical(value: Any) -> str:
    """JSON text to compare by: keys sorted (AWS's snapshots sort them), 1 and 1.0 and
    true kept apart (Python's == would not)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


def expand(value: Any) -> Any:
    """``{"$repeat": [text, n]}`` stands for ``text * n`` (a payload over 256 KiB without a
    file that size)."""
    if isinstance(value, dict):
        if set(value) == {"$repeat"}:
            text, times = value["$repeat"]
            return text * times
        return {key: expand(item) for key, item in value.items()}
    if isinstance(value, list):
        return [expand(item) for item in value]
    return value


def load_cases() -> list[Case]:
    cases: list[Case] = []
    for path in sorted(CASES_DIR.glob("*.json")):
        data = expand(json.loads(path.read_text()))
        definitions = data.get("definitions", {})
        for raw in data["cases"]:
            definition = raw["definition"]
            if isinstance(definition, str):
                definition = definitions[definition]
            status = raw.get("status", "INVALID_DEFINITION" if "invalid_definition" in raw
                             else "FAILED" if "error" in raw else "SUCCEEDED")
            events = raw.get("events", data.get("events") if status == "SUCCEEDED" else None)
            cases.append(Case(
                id=f"{path.stem}.{raw['id']}", source=raw.get("source", data["source"]), definition=definition,
                input=raw.get("input", {}), status=status, output=raw.get("output"), error=raw.get("error"),
                cause=raw.get("cause"), events=events, assigned=raw.get("assigned"), tasks=raw.get("tasks", []),
                invalid_definition=raw.get("invalid_definition"),
                wire=raw.get("wire", not raw.get("tasks"))))
    ids = [case.id for case in cases]
    assert len(ids) == len(set(ids)), "case ids must be unique"
    return cases


def run_pure(case: Case) -> dict[str, Any]:
    """Runs the case through the interpreter: tasks answered from the case's script in
    the order they are scheduled, timers fired when due. Returns the answer in the shape
    of ``Case.expected``."""
    try:
        machine = parse_definition(json.dumps(case.definition))
    except DefinitionInvalid as refused:
        return {"status": "INVALID_DEFINITION", "message": refused.message}
    text = case.input if isinstance(case.input, str) else json.dumps(case.input, separators=(",", ":"))
    step = start(machine, Execution(**{**EXECUTION.__dict__, "input_text": text}), NOW_MS)
    state = step.state
    events: list[dict[str, Any]] = []
    script = list(case.tasks)
    queue: list[Any] = []  # events to deliver, earliest first
    timers: dict[str, int] = {}  # every timer started: id -> due time
    now = NOW_MS
    end: EndExecution | None = None
    for _ in range(10_000):
        for effect in step.effects:
            if isinstance(effect, RecordEvent):
                events.append(effect.event)
            elif isinstance(effect, EndExecution):
                end = effect
            elif isinstance(effect, InvokeTask):
                assert script, f"{case.id}: a task was scheduled that the case gives no answer for"
                scripted = script.pop(0)
                if effect.pattern in ("waitForTaskToken", "sync", "sync:2"):
                    # the call itself succeeded before whatever answers the task (AWS: TaskSubmitted)
                    queue.append(TaskSubmitted(effect.task_id, scripted.get("submitted", {}), now))
                if scripted.get("timeout"):  # never answers: its task-timeout timer fires
                    timer_id = f"{effect.task_id}/timeout"
                    queue.append(TimerFired(timer_id, timers[timer_id]))
                elif scripted.get("heartbeat_timeout"):  # never answers nor beats: its heartbeat timer fires
                    timer_id = f"{effect.task_id}/heartbeat"
                    queue.append(TimerFired(timer_id, timers[timer_id]))
                elif scripted.get("echo"):  # the Lambda identity function: returns what it was given
                    queue.append(TaskSucceeded(effect.task_id, effect.parameters, now))
                elif "error" in scripted:
                    queue.append(TaskFailed(effect.task_id, scripted["error"], scripted.get("cause", ""), now))
                else:
                    queue.append(TaskSucceeded(effect.task_id, scripted.get("output"), now))
            elif isinstance(effect, StartTimer):
                timers[effect.timer_id] = effect.due_ms
                if effect.purpose in ("wait", "retry"):
                    queue.append(TimerFired(effect.timer_id, effect.due_ms))
        if end is not None or not queue:
            break
        queue.sort(key=lambda event: event.now_ms)
        event = queue.pop(0)
        now = max(now, event.now_ms)
        step = advance(machine, state, event)
        state = step.state
    assert end is not None, f"{case.id}: the execution did not end"
    answer: dict[str, Any] = {"status": end.status}
    if end.status == "SUCCEEDED":
        answer["output"] = canonical(json.loads(end.output or "null"))
    else:
        answer["error"], answer["cause"] = end.error, end.cause
    if case.events is not None:
        answer["events"] = [event["type"] for event in events]
    if case.assigned is not None:
        answer["assigned"] = assigned_variables(events)
    return answer


def assigned_variables(events: list[dict[str, Any]]) -> list[list[str]]:
    """[state name, canonical {variable: value}] for each state exit that assigned variables
    (the history carries each value as JSON text)."""
    found = []
    for event in events:
        details = event.get("stateExitedEventDetails") or {}
        if "assignedVariables" in details:
            values = {name: json.loads(text) for name, text in details["assignedVariables"].items()}
            found.append([details["name"], canonical(values)])
    return found


# case id -> (why eventyard differs, what eventyard answers instead: the fields that differ).
KNOWN_DIFFERENCES: dict[str, tuple[str, dict[str, Any]]] = {}
