"""TestState: one state run on its own (``core.states.single``), its tasks really called
through the in-process seam as AWS calls them, answered with the status, output, error,
cause and next state, and per inspection level the data flow (DEBUG and TRACE:
``inspectionData``). A ``mock`` answers the task instead of calling it; a Map or Parallel
runs only with one (as a Task standing in for it: its result processing, Retry and Catch
apply to the mocked result). A Wait's timer
comes due at once (nothing is kept: TestState runs no durable execution); a retry ends
the test as RETRIABLE, as AWS reports it."""

from __future__ import annotations

import json
import secrets
from typing import Any

from eventyard.core.states.definition import loads_within_nesting
from eventyard.core import clock
from eventyard.core.errors import ServiceError
from eventyard.core.identity import RequestContext
from eventyard.core.states import (
    DefinitionInvalid,
    Event,
    Execution,
    InvokeTask,
    StartTimer,
    Step,
    TaskFailed,
    TaskSucceeded,
    TimerFired,
)
from eventyard.core.states.single import SingleState
from eventyard.services.stepfunctions._base import validation
from eventyard.services.stepfunctions.driver import AfterCommit
from eventyard.services.stepfunctions.executions import _iso, check_input
from eventyard.services.stepfunctions.integrations import Integrations

# what TestState runs only with a mock (AWS's TestState page)
_NEEDS_MOCK_TYPES = ("Map", "Parallel")
_NEEDS_MOCK_PATTERNS = ("activity", "waitForTaskToken", "sync", "sync:2")
_DEBUG_FIELDS = ("afterInputPath", "afterParameters", "afterArguments", "result", "afterResultSelector",
                 "afterResultPath", "variables")
_MAX_STEPS = 100  # a state's own moves: a Wait, one task call, its answer


def _text(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


class TestStateOperations:
    integrations: Integrations

    async def test_state(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        input_text = check_input(params.get("input") or "{}")
        variables = self._variables(params.get("variables"))
        try:
            test = SingleState.parse(params["definition"], params.get("stateName"), mocked=bool(params.get("mock")))
        except DefinitionInvalid as refused:
            raise ServiceError("InvalidDefinition", refused.message) from None
        except ValueError as bad:
            raise ServiceError("InvalidDefinition", f"Invalid State Machine Definition: '{bad}'") from None
        mock = params.get("mock")
        if test.state_type in _NEEDS_MOCK_TYPES and not mock:
            raise validation(f"TestState runs a {test.state_type} state only with a mock.")
        now = clock.now_ms()
        name = f"test-{secrets.token_hex(8)}"
        execution = Execution(f"arn:aws:states:{ctx.region}:{ctx.account}:execution:TestStateMachine:{name}", name,
                              f"arn:aws:states:{ctx.region}:{ctx.account}:stateMachine:TestStateMachine",
                              "TestStateMachine", params.get("roleArn") or "", input_text,
                              _iso(now), secrets.token_hex(16), region=ctx.region)
        configuration = params.get("stateConfiguration") or {}
        step = test.begin(execution, variables, now, retries_before=int(configuration.get("retrierRetryCount") or 0))
        history = list(step.events)
        retrying = False
        level = params.get("inspectionLevel") or "INFO"
        # TRACE: an HTTP task's raw request and response (the connection's part only with revealSecrets)
        trace: dict[str, Any] | None = {} if level == "TRACE" else None
        for _ in range(_MAX_STEPS):
            if step.state.status != "RUNNING":
                break
            event = await self._next_event(ctx, step, mock, trace, bool(params.get("revealSecrets")))
            if event is None:
                retrying = any(isinstance(e, StartTimer) and e.purpose == "retry" for e in step.effects)
                break
            step = test.advance(step.state, event)
            history += step.events
        answer = test.outcome(step.state, history, retrying=retrying)
        if level in ("DEBUG", "TRACE"):
            data: dict[str, Any] = {"input": input_text}
            for key in _DEBUG_FIELDS:
                if key in test.inspection:
                    data[key] = _text(test.inspection[key])
            if "errorDetails" in test.inspection:
                data["errorDetails"] = test.inspection["errorDetails"]
            if trace:
                data.update(trace)
            answer["inspectionData"] = data
        return answer

    async def _next_event(self, ctx: RequestContext, step: Step, mock: dict[str, Any] | None,
                          trace: dict[str, Any] | None = None, reveal_secrets: bool = False) -> Event | None:
        now = clock.now_ms()
        for effect in step.effects:
            if isinstance(effect, InvokeTask):
                if mock:
                    return _mocked(effect.task_id, mock, now)
                if effect.pattern in _NEEDS_MOCK_PATTERNS:
                    raise validation(f"TestState supports the resource {effect.resource} only with a mock.")
                p = {"task": effect.task_id, "resource": effect.resource, "pattern": effect.pattern,
                     "parameters": effect.parameters, "token": effect.task_token, "account": ctx.account,
                     "region": ctx.region, "arn": "", "trace": trace, "reveal_secrets": reveal_secrets}
                answer = await self.integrations.call(p, AfterCommit())
                if answer is None:
                    return None
                # the interpreter takes the answer at the clock's time
                if isinstance(answer, TaskSucceeded):
                    return TaskSucceeded(answer.task_id, answer.output, now)
                assert isinstance(answer, TaskFailed)
                return TaskFailed(answer.task_id, answer.error, answer.cause, now)
            if isinstance(effect, StartTimer) and effect.purpose == "wait":
                return TimerFired(effect.timer_id, now)
        return None

    @staticmethod
    def _variables(text: str | None) -> dict[str, Any]:
        if not text:
            return {}
        try:
            value = loads_within_nesting(text)
        except ValueError:
            value = None
        if not isinstance(value, dict):
            raise validation("The field 'variables' must be a JSON object.")
        return value


def _mocked(task_id: str, mock: dict[str, Any], now: int) -> Event:
    failure = mock.get("errorOutput")
    if failure:
        return TaskFailed(task_id, str(failure.get("error") or ""), str(failure.get("cause") or ""), now)
    try:
        return TaskSucceeded(task_id, loads_within_nesting(mock.get("result") or "null"), now)
    except ValueError:
        raise validation("The field 'mock.result' must be JSON.") from None
