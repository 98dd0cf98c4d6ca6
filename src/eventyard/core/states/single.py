"""One state run on its own, for TestState: the state (or a named state of a whole
definition) becomes a machine of its own whose every target is a ``Succeed`` stand-in, so
the ordinary interpreter runs it and the history says where it went.

    test = SingleState.parse(definition_text, state_name)     DefinitionInvalid, ValueError
    step = test.begin(execution, variables, now_ms)            the state's first moves
    step = test.advance(step.state, event)                     a task's answer, a timer
    test.outcome(step.state, history)                          status, output, error, cause, nextState
    test.inspection                                            the data flow, as TestState shows it

``inspection`` holds values (not text) under TestState's names: afterInputPath,
afterParameters, afterArguments, result, afterResultSelector, afterResultPath, variables,
errorDetails (catchIndex | retryIndex, retryBackoffIntervalSeconds).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from eventyard.core.states.definition import Machine, loads_within_nesting, parse_definition
from eventyard.core.states.history import details_key
from eventyard.core.states.machine import Event, Execution, ExecutionState, Step, _Interpreter, _within_budget

# the name a lone state runs under (what $$.State.Name shows)
LONE_STATE_NAME = "TestState"
# a state that loops back to itself runs at most this many events before it is cut off
_BUDGET = 1000


# a mocked Map or Parallel runs as a Task the mock answers: its own work is what is mocked,
# its input and result processing, Retry and Catch stay
_STAND_IN_RESOURCE = "arn:aws:states:us-east-1:000000000000:activity:TestState"
_KEPT_BY_STAND_IN = {"Type", "Comment", "QueryLanguage", "InputPath", "OutputPath", "ResultPath", "ResultSelector",
                     "Output", "Assign", "Retry", "Catch", "Next", "End"}


def _stand_in(state: dict[str, Any]) -> dict[str, Any]:
    task = {k: v for k, v in state.items() if k in _KEPT_BY_STAND_IN}
    task.update(Type="Task", Resource=_STAND_IN_RESOURCE)
    return task


def _targets(state: dict[str, Any]) -> set[str]:
    found = {state.get("Next"), state.get("Default")}
    found |= {c.get("Next") for c in state.get("Choices", []) if isinstance(c, dict)}
    found |= {c.get("Next") for c in state.get("Catch", []) if isinstance(c, dict)}
    return {t for t in found if isinstance(t, str)}


@dataclass
class SingleState:
    machine: Machine
    name: str
    state_type: str
    inspection: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def parse(cls, definition: str, state_name: str | None = None, *, mocked: bool = False) -> "SingleState":
        """``mocked``: a mock answers the state's work (a Map or Parallel then runs as a
        Task standing in for it)."""
        try:
            document = loads_within_nesting(definition)
        except ValueError:
            parse_definition(definition)  # raises AWS's refusal of text that is not JSON
            raise
        if not isinstance(document, dict):
            parse_definition(definition)
            raise ValueError("The definition must be a JSON object")
        language = document.get("QueryLanguage")
        if state_name is not None:
            states = document.get("States")
            if not isinstance(states, dict) or state_name not in states:
                raise ValueError(f"State '{state_name}' is not in the definition's States")
            parse_definition(document)  # the whole machine must be valid
            state = states[state_name]
            name = state_name
        else:
            state = document
            name = LONE_STATE_NAME
            language = None
        if not isinstance(state, dict):
            raise ValueError("A state must be a JSON object")
        state_type = str(state.get("Type"))
        if mocked and state_type in ("Map", "Parallel"):
            parse_definition({"StartAt": name, "States": {name: state, **{
                target: {"Type": "Succeed"} for target in _targets(state) if target != name}},
                **({"QueryLanguage": language} if language else {})})  # the real state must be valid
            state = _stand_in(state)
        stubs = {target: {"Type": "Succeed"} for target in _targets(state) if target != name}
        machine_document: dict[str, Any] = {"StartAt": name, "States": {name: state, **stubs}}
        if language is not None:
            machine_document["QueryLanguage"] = language
        return cls(parse_definition(machine_document), name, state_type)

    def _interpreter(self, state: ExecutionState, now_ms: int) -> _Interpreter:
        interpreter = _Interpreter(self.machine, state, now_ms, _BUDGET)
        interpreter.inspected = self.name
        interpreter.inspection = self.inspection
        return interpreter

    def begin(self, execution: Execution, variables: dict[str, Any], now_ms: int, *, retries_before: int = 0) -> Step:
        """``retries_before``: the retries already made (the tested state's retriers start there)."""
        interpreter = self._interpreter(ExecutionState(execution=execution.__dict__.copy()), now_ms)
        interpreter.initial_variables = dict(variables)
        interpreter.retries_before = retries_before
        return _within_budget(interpreter, interpreter.begin)

    def advance(self, state: ExecutionState, event: Event) -> Step:
        interpreter = self._interpreter(state, event.now_ms)
        return _within_budget(interpreter, lambda: interpreter.handle(event))

    def outcome(self, state: ExecutionState, history: list[dict[str, Any]], *, retrying: bool) -> dict[str, Any]:
        """TestState's status, output, error, cause and nextState from the history so far."""
        answer: dict[str, Any] = {}
        failure = self.inspection.get("error")
        exited_at = next((i for i, e in enumerate(history)
                          if e["type"].endswith("StateExited") and e.get(_details(e), {}).get("name") == self.name),
                         None)
        if retrying:
            answer["status"] = "RETRIABLE"
        elif exited_at is None:
            answer["status"] = "FAILED"
            answer["error"], answer["cause"] = state.error, state.cause
            return {k: v for k, v in answer.items() if v is not None}
        else:
            exited = history[exited_at]
            answer["output"] = exited[_details(exited)]["output"]
            answer["status"] = "CAUGHT_ERROR" if failure is not None else "SUCCEEDED"
            entered = next((e for e in history[exited_at + 1:] if e["type"].endswith("StateEntered")), None)
            if entered is not None and self.state_type not in ("Succeed",):
                answer["nextState"] = entered[_details(entered)]["name"]
        if failure is not None:
            answer["error"], answer["cause"] = failure["error"], failure["cause"]
        return {k: v for k, v in answer.items() if v is not None}


def _details(event: dict[str, Any]) -> str:
    return details_key(event["type"]) or ""


__all__ = ["LONE_STATE_NAME", "SingleState"]
