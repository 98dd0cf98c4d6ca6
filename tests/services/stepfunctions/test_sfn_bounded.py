"""The 25,000-event history quota cuts off an execution that loops without waiting,
with the history AWS records: 24,999 events, then ExecutionFailed as event 25,000."""

from __future__ import annotations

import json

from eventyard.core.states import Execution, TaskSucceeded, parse_definition
from eventyard.services.stepfunctions import bounded

SPIN = parse_definition(json.dumps({"StartAt": "Loop", "States": {
    "Loop": {"Type": "Choice", "Choices": [{"Variable": "$.spin", "BooleanEquals": True, "Next": "Loop"}],
             "Default": "Done"},
    "Done": {"Type": "Succeed"}}}))
EXECUTION = Execution("arn:aws:states:us-east-1:000000000000:execution:m:e", "e",
                      "arn:aws:states:us-east-1:000000000000:stateMachine:m", "m", "role", '{"spin": true}',
                      "2026-01-01T00:00:00.000Z", "0" * 32)


def test_a_loop_without_waits_ends_at_the_quota() -> None:
    step = bounded.start(SPIN, EXECUTION, 1000)
    events = step.events
    assert len(events) == 25_000
    assert [e["id"] for e in events] == list(range(1, 25_001))
    assert events[-2]["type"] == "ChoiceStateExited"
    last = events[-1]
    assert (last["type"], last["previousEventId"]) == ("ExecutionFailed", 24_999)
    assert last["executionFailedEventDetails"] == {
        "error": "States.Runtime", "cause": "The execution reached the maximum number of history events (25000)."}
    assert (step.state.status, step.state.error) == ("FAILED", "States.Runtime")
    end = step.effects[-1]
    assert (end.status, end.error) == ("FAILED", "States.Runtime")  # type: ignore[union-attr]


def test_a_short_run_is_untouched() -> None:
    done = bounded.start(SPIN, Execution(**{**EXECUTION.__dict__, "input_text": '{"spin": false}'}), 1000)
    assert done.state.status == "SUCCEEDED"
    assert done.events[-1]["type"] == "ExecutionSucceeded"


def test_the_quota_counts_across_steps() -> None:
    task = parse_definition(json.dumps({"StartAt": "T", "States": {
        "T": {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage",
              "Parameters": {"QueueUrl": "u", "MessageBody": "b"}, "Next": "Loop"},
        "Loop": {"Type": "Choice", "Choices": [{"Variable": "$.spin", "BooleanEquals": True, "Next": "Loop"}],
                 "Default": "Done"},
        "Done": {"Type": "Succeed"}}}))
    first = bounded.start(task, EXECUTION, 1000, limit=50)
    assert first.state.status == "RUNNING"
    [invoke] = [e for e in first.effects if type(e).__name__ == "InvokeTask"]
    second = bounded.advance(task, first.state, TaskSucceeded(invoke.task_id, {"spin": True}, 2000), limit=50)  # type: ignore[attr-defined]
    assert second.events[-1]["id"] == 50 and second.events[-1]["type"] == "ExecutionFailed"
