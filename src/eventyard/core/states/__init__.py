"""The Amazon States Language, pure: definitions, data flow, and an interpreter that is
a step function. No I/O, no clock, no threads: time and entropy come in as arguments.

Definitions
-----------
    machine = parse_definition(text, machine_type="STANDARD")   # DefinitionInvalid
    diagnostics = validate_definition(text, machine_type)       # [] when valid

``DefinitionInvalid.message`` is CreateStateMachine's ``InvalidDefinition`` text
("Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: ... at /States/X/...'");
``Diagnostic.as_api()`` is a ValidateStateMachineDefinition ``diagnostics`` entry.
``Machine`` is compiled once and reused for every execution and step.

The interpreter contract (what the service builds on)
-----------------------------------------------------
    step = start(machine, execution, now_ms)         # ExecutionStarted and the first moves
    step = advance(machine, step.state, event)       # one event in, everything it causes out
    step = advance(machine, state, event, in_place=True)   # the same, reusing ``state``
    step = advance(..., budget=HISTORY_QUOTA)        # start/advance/redrive: at most this
                                                     # many history events (AWS: 25,000)

A ``budget`` bounds one step too: a machine that loops without waiting would otherwise
never return. When an event would take the history to ``budget`` events, the step stops;
event number ``budget`` is ExecutionFailed with ``States.Runtime`` "The execution reached
the maximum number of history events (25000)." as AWS records it; the stopped step's own
tasks and timers are dropped and what earlier steps left waiting is cancelled.

``advance`` is pure and deterministic: the same machine, state and event give the same
new state and effects (randomness is drawn from ``Execution.seed`` and a counter kept in
the state). The seed must be unguessable (``secrets.token_hex(16)``): task tokens are
derived from it. ``step.state`` is an ``ExecutionState``: plain JSON (``to_json`` /
``ExecutionState.from_json``) that the service stores in the same transaction as the
effects it commits, so a crash resumes from the last committed step.

Events (what happened outside), each with ``now_ms``:

    TaskSucceeded(task_id, output)        a task's answer (request-response, a callback's
    TaskFailed(task_id, error, cause)       SendTaskSuccess/Failure, a .sync job's end,
                                            an activity worker's answer)
    TaskSubmitted(task_id, output)        a .waitForTaskToken/.sync task's call succeeded
                                            (``output``: the service's answer; history
                                            gains TaskSubmitted, the task goes on waiting)
    TaskStarted(task_id, worker_name)     an activity worker took the task
    TaskHeartbeat(task_id)                SendTaskHeartbeat: the heartbeat timer restarts
    TimerFired(timer_id)                  a StartTimer came due
    Stop(error, cause)                    StopExecution
    ItemsRead(reader_id, items | error)   a distributed Map's ItemReader was read
    MapRunEnded(map_run_arn, output | error)   a distributed Map's child executions ended

Effects (what the service must do), in order:

    RecordEvent(event)                    append a history event; ``id``/``previousEventId``
                                          are assigned, ``timestamp`` is ``now_ms``
    InvokeTask(task_id, resource, pattern, parameters, task_token, timeout_seconds,
               heartbeat_seconds, credentials)
                                          call the resource; answer later with TaskSucceeded/
                                          TaskFailed for ``task_id`` (callbacks: map the
                                          token to the task_id; activities: queue it for
                                          GetActivityTask)
    CancelTask(task_id)                   the answer no longer matters: drop the token
    StartTimer(timer_id, due_ms, purpose) a durable timer (wait, retry, task-timeout,
                                          heartbeat-timeout, execution-timeout)
    CancelTimer(timer_id)                 it will be ignored if it fires anyway
    EndExecution(status, output, error, cause)   the execution is over
    ReadItems(reader_id, resource, reader_config, parameters)   read a distributed Map's items
    StartMapRun(map_run_arn, where, inputs, max_concurrency, execution_type, tolerated_*,
                result_writer, label)     run a distributed Map: one child execution per
                                          input of ``processor_of(machine, where)``, started
                                          with ``start``; ``tolerance_exceeded`` decides when
                                          failures fail the run (States.ExceedToleratedFailure-
                                          Threshold); ItemSelector and ItemBatcher are applied
                                          already (``batch_items``)

    step = redrive(machine, state, now_ms)   RedriveExecution: from the state that failed

Events for tasks or timers the execution no longer waits for are ignored (no effects),
so at-least-once delivery of events is safe. Parallel branches and Map iterations are
runs inside the same ``ExecutionState``; their tasks and timers are ordinary effects.
A distributed Map is the one place the service runs child executions: it gets
StartMapRun and answers MapRunEnded.

Evaluation order inside a state: InputPath, Parameters/Arguments, the work, ResultSelector,
then Assign (JSONPath: over the result; JSONata: with ``$states.result``) and
ResultPath/OutputPath/Output, which see the variables as they were before this state's
Assign. Parallel branches and Map iterations start with a copy of the outer variables;
what they assign stays inside them.

``ExecutionState.error``/``cause`` are set for every ending that has them (FAILED,
ABORTED with StopExecution's, TIMED_OUT with States.Timeout).

Left to the service: the 256 KiB limit on StartExecution's input, passing the history
quota as ``budget``, timestamps on the wire, Express executions'
history going to logs, and task tokens' own format if it wants one (``InvokeTask.task_token``
is deterministic per execution and attempt). JSONata states need the ``jsonatapy`` package.

Errors
------
    StatesError(error, cause)             a run-time failure (Retry/Catch match on .error)
    DefinitionInvalid(diagnostics)        a refused definition

Modules: ``jsonpath`` (the path dialect), ``intrinsics`` (``States.*`` functions),
``payload`` (InputPath -> Parameters -> ResultSelector -> ResultPath -> OutputPath),
``choice`` (rules), ``jsonata`` (the one door to the JSONata library), ``jsonata_fields``,
``definition``, ``machine``, ``history``, ``single`` (one state run on its own, for
TestState, with its data flow noted as TestState's inspectionData).
"""

from __future__ import annotations

from eventyard.core.states.definition import Machine, State, parse_definition, validate_definition
from eventyard.core.states.errors import DefinitionInvalid, Diagnostic, StatesError
from eventyard.core.states.machine import (
    HISTORY_QUOTA,
    CancelTask,
    CancelTimer,
    EndExecution,
    Event,
    Execution,
    ExecutionState,
    InvokeTask,
    ItemsRead,
    MapRunEnded,
    ReadItems,
    RecordEvent,
    StartMapRun,
    StartTimer,
    Step,
    Stop,
    TaskFailed,
    TaskHeartbeat,
    TaskStarted,
    TaskSubmitted,
    TaskSucceeded,
    TimerFired,
    advance,
    batch_items,
    processor_of,
    redrive,
    start,
    tolerance_exceeded,
)

__all__ = [
    "HISTORY_QUOTA",
    "CancelTask", "CancelTimer", "DefinitionInvalid", "Diagnostic", "EndExecution", "Event", "Execution",
    "ExecutionState", "InvokeTask", "Machine", "RecordEvent", "StartTimer", "State", "StatesError", "Step",
    "Stop", "TaskFailed", "TaskHeartbeat", "TaskStarted", "TaskSubmitted", "TaskSucceeded", "TimerFired",
    "advance",
    "parse_definition", "start", "validate_definition", "ItemsRead", "MapRunEnded", "ReadItems", "StartMapRun",
    "batch_items", "processor_of", "redrive", "tolerance_exceeded",
]
