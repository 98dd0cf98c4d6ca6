"""The event budget (``start/advance/redrive(..., budget=N)``) cuts off an execution that
loops without waiting, with the history AWS records at its 25,000-event quota: 24,999
events, then ExecutionFailed as event 25,000. And the execution state keeps the error and
cause of every ending (ABORTED, TIMED_OUT too)."""

from __future__ import annotations

import json

from eventyard.core.states import (
    HISTORY_QUOTA,
    CancelTask,
    EndExecution,
    Execution,
    InvokeTask,
    Stop,
    TaskSucceeded,
    TimerFired,
    advance,
    parse_definition,
    start,
)

SPIN = parse_definition(json.dumps({"StartAt": "Loop", "States": {
    "Loop": {"Type": "Choice", "Choices": [{"Variable": "$.spin", "BooleanEquals": True, "Next": "Loop"}],
             "Default": "Done"},
    "Done": {"Type": "Succeed"}}}))
EXECUTION = Execution("arn:aws:states:us-east-1:000000000000:execution:m:e", "e",
                      "arn:aws:states:us-east-1:000000000000:stateMachine:m", "m", "role", '{"spin": true}',
                      "2026-01-01T00:00:00.000Z", "0" * 32)
TASK_THEN_SPIN = parse_definition(json.dumps({"StartAt": "T", "States": {
    "T": {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage",
          "Parameters": {"QueueUrl": "u", "MessageBody": "b"}, "Next": "Loop"},
    "Loop": {"Type": "Choice", "Choices": [{"Variable": "$.spin", "BooleanEquals": True, "Next": "Loop"}],
             "Default": "Done"},
    "Done": {"Type": "Succeed"}}}))


def test_a_loop_without_waits_ends_at_the_quota() -> None:
    step = start(SPIN, EXECUTION, 1000, budget=HISTORY_QUOTA)
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
    assert isinstance(end, EndExecution) and (end.status, end.error) == ("FAILED", "States.Runtime")


def test_a_short_run_is_untouched() -> None:
    done = start(SPIN, Execution(**{**EXECUTION.__dict__, "input_text": '{"spin": false}'}), 1000,
                 budget=HISTORY_QUOTA)
    assert done.state.status == "SUCCEEDED"
    assert done.events[-1]["type"] == "ExecutionSucceeded"


def test_the_budget_counts_across_steps() -> None:
    first = start(TASK_THEN_SPIN, EXECUTION, 1000, budget=50)
    assert first.state.status == "RUNNING"
    [invoke] = [e for e in first.effects if isinstance(e, InvokeTask)]
    second = advance(TASK_THEN_SPIN, first.state, TaskSucceeded(invoke.task_id, {"spin": True}, 2000), budget=50)
    assert second.events[-1]["id"] == 50 and second.events[-1]["type"] == "ExecutionFailed"
    assert second.state.last_event_id == 50


def test_what_an_earlier_step_left_waiting_is_cancelled() -> None:
    first = start(TASK_THEN_SPIN, EXECUTION, 1000)
    [invoke] = [e for e in first.effects if isinstance(e, InvokeTask)]
    used = first.state.last_event_id
    # a budget that the next event already reaches: the waiting task is dropped
    over = advance(TASK_THEN_SPIN, first.state, TaskSucceeded("no-such-task", {}, 2000), budget=used + 1)
    assert over.effects == []  # a stale event records nothing, so nothing is cut off
    stopped = advance(TASK_THEN_SPIN, first.state, TaskSucceeded(invoke.task_id, {"spin": True}, 2000),
                      budget=used + 1)
    assert [e["type"] for e in stopped.events] == ["ExecutionFailed"]
    assert not any(isinstance(e, InvokeTask) for e in stopped.effects)


def test_a_budget_cut_cancels_a_pending_task() -> None:
    # Parallel: one branch waits on a task while the other spins
    machine = parse_definition(json.dumps({"StartAt": "P", "States": {"P": {"Type": "Parallel", "End": True,
        "Branches": [
            {"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage",
                                              "Parameters": {"QueueUrl": "u", "MessageBody": "b"}, "End": True}}},
            {"StartAt": "Loop", "States": {"Loop": {"Type": "Choice", "Choices": [
                {"Variable": "$.spin", "BooleanEquals": True, "Next": "Loop"}], "Default": "Done"},
                "Done": {"Type": "Succeed"}}}]}}}))
    step = start(machine, EXECUTION, 1000, budget=100)
    assert step.state.status == "FAILED" and step.events[-1]["id"] == 100
    invoked = {e.task_id for e in step.effects if isinstance(e, InvokeTask)}
    assert invoked == set()  # the task the stopped step would have invoked is dropped...
    assert any(isinstance(e, CancelTask) for e in step.effects)  # ...and its wait cancelled


def test_aborted_and_timed_out_executions_keep_their_error_and_cause() -> None:
    waiting = start(TASK_THEN_SPIN, EXECUTION, 1000)
    aborted = advance(TASK_THEN_SPIN, waiting.state, Stop("Halt", "by hand", 2000))
    assert (aborted.state.status, aborted.state.error, aborted.state.cause) == ("ABORTED", "Halt", "by hand")
    timed = parse_definition(json.dumps({**json.loads(json.dumps({"StartAt": "W", "States": {
        "W": {"Type": "Wait", "Seconds": 100, "End": True}}})), "TimeoutSeconds": 5}))
    running = start(timed, EXECUTION, 1000)
    out = advance(timed, running.state, TimerFired("execution-timeout", 6000))
    assert (out.state.status, out.state.error, out.state.cause) == ("TIMED_OUT", "States.Timeout", None)
