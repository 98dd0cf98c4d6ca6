"""The interpreter's ``start``, ``advance`` and ``redrive``, held to AWS's quota of 25,000
history events per execution.

``core.states`` leaves the quota to the service, but a state machine that loops without
waiting (a ``Choice`` back to itself) never returns from one ``advance``: the quota must
cut it off from inside, or one execution holds the store's writer forever. So the
interpreter runs here with ``emit`` counted: when an event would take the history to
the quota, the step stops, the history keeps the 24,999 events it has, and event 25,000
is ``ExecutionFailed`` with AWS's ``States.Runtime`` "The execution reached the maximum
number of history events (25000)." (as AWS records it). The stopped step's other effects
are dropped: the execution is over.
"""

from __future__ import annotations

import copy
from typing import Any

from eventyard.core.states import EndExecution, Event, Execution, ExecutionState, Machine, RecordEvent, Step
from eventyard.core.states.machine import _Interpreter

MAX_HISTORY_EVENTS = 25_000
QUOTA_ERROR = "States.Runtime"
QUOTA_CAUSE = f"The execution reached the maximum number of history events ({MAX_HISTORY_EVENTS})."


class _HistoryFull(Exception):
    pass


class _Bounded(_Interpreter):
    limit = MAX_HISTORY_EVENTS

    def emit(self, event_type: str, previous: int, details: dict[str, Any] | None = None) -> int:
        if self.s.last_event_id >= self.limit - 1:
            raise _HistoryFull
        return int(super().emit(event_type, previous, details))


def _run(interpreter: _Bounded, go: Any) -> Step:
    try:
        step: Step = go()
        return step
    except _HistoryFull:
        state = interpreter.s
        kept = [e for e in interpreter.effects if isinstance(e, RecordEvent)]
        last = state.last_event_id
        state.last_event_id = last + 1
        state.status, state.error, state.cause, state.output = "FAILED", QUOTA_ERROR, QUOTA_CAUSE, None
        failed = {"type": "ExecutionFailed", "id": last + 1, "previousEventId": last, "timestamp": interpreter.now,
                  "executionFailedEventDetails": {"error": QUOTA_ERROR, "cause": QUOTA_CAUSE}}
        return Step(state, [*kept, RecordEvent(failed), EndExecution("FAILED", error=QUOTA_ERROR, cause=QUOTA_CAUSE)])


def start(definition: Machine, execution: Execution, now_ms: int, *, limit: int = MAX_HISTORY_EVENTS) -> Step:
    interpreter = _Bounded(definition, ExecutionState(execution=execution.__dict__.copy()), now_ms)
    interpreter.limit = limit
    return _run(interpreter, interpreter.begin)


def advance(definition: Machine, state: ExecutionState, event: Event, *, limit: int = MAX_HISTORY_EVENTS) -> Step:
    """``core.states.advance(..., in_place=True)``, bounded."""
    interpreter = _Bounded(definition, state, event.now_ms)
    interpreter.limit = limit
    return _run(interpreter, lambda: interpreter.handle(event))


def redrive(definition: Machine, state: ExecutionState, now_ms: int, *, limit: int = MAX_HISTORY_EVENTS) -> Step:
    interpreter = _Bounded(definition, ExecutionState(**copy.deepcopy(state.__dict__)), now_ms)
    interpreter.limit = limit
    return _run(interpreter, interpreter.redrive)
