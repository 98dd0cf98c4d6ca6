"""The interpreter as a step function: history events, tasks, timers, retries, catches,
Parallel, Map, variables, stops and timeouts, all without a clock or I/O."""

from __future__ import annotations

import json
from typing import Any

import pytest

from eventyard.core.states import (
    CancelTask,
    EndExecution,
    Execution,
    ExecutionState,
    InvokeTask,
    Machine,
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
    parse_definition,
    start,
)

EXECUTION = Execution(
    execution_arn="arn:aws:states:us-east-1:000000000000:execution:sm:run-1", name="run-1",
    state_machine_arn="arn:aws:states:us-east-1:000000000000:stateMachine:sm", state_machine_name="sm",
    role_arn="arn:aws:iam::000000000000:role/r", input_text='{"other":1}', start_time="2024-01-01T00:00:00.000Z",
    seed="seed-1")
SQS = "arn:aws:states:::sqs:sendMessage"
SDK = "arn:aws:states:::aws-sdk:sqs:sendMessage"  # takes any request: for tests about data flow
NOW = 1_893_000_000_000  # 2029-12-26T...Z


class Run:
    """Drives one execution and keeps every effect."""

    def __init__(self, definition: dict[str, Any], input_value: Any = None, now: int = NOW) -> None:
        self.machine: Machine = parse_definition(json.dumps(definition))
        text = json.dumps(input_value if input_value is not None else {"other": 1}, separators=(",", ":"))
        self.now = now
        step = start(self.machine, Execution(**{**EXECUTION.__dict__, "input_text": text}), now)
        self.state = step.state
        self.effects = list(step.effects)
        self.last = step

    def apply(self, event: Any) -> Step:
        step = advance(self.machine, self.state, event)
        self.state = step.state
        self.effects.extend(step.effects)
        self.last = step
        return step

    @property
    def events(self) -> list[dict[str, Any]]:
        return [e.event for e in self.effects if hasattr(e, "event")]

    @property
    def types(self) -> list[str]:
        return [e["type"] for e in self.events]

    def open_tasks(self) -> list[InvokeTask]:
        cancelled = {e.task_id for e in self.effects if isinstance(e, CancelTask)}
        answered = self._answered
        return [e for e in self.effects if isinstance(e, InvokeTask) and e.task_id not in cancelled | answered]

    _answered: set[str] = set()

    def succeed(self, task: InvokeTask, output: Any, at: int | None = None) -> Step:
        self._answered = self._answered | {task.task_id}
        return self.apply(TaskSucceeded(task.task_id, output, at or self.now))

    def fail(self, task: InvokeTask, error: str, cause: str = "", at: int | None = None) -> Step:
        self._answered = self._answered | {task.task_id}
        return self.apply(TaskFailed(task.task_id, error, cause, at or self.now))

    def timers(self) -> list[StartTimer]:
        return [e for e in self.effects if isinstance(e, StartTimer)]

    def fire(self, timer: StartTimer) -> Step:
        return self.apply(TimerFired(timer.timer_id, timer.due_ms))

    @property
    def end(self) -> EndExecution | None:
        ends = [e for e in self.effects if isinstance(e, EndExecution)]
        return ends[-1] if ends else None


def test_a_pass_state_gives_aws_event_ids() -> None:
    run = Run({"StartAt": "State_0", "States": {"State_0": {
        "Type": "Pass", "Parameters": {"FunctionResult.$": "States.ArrayGetItem($.FunctionInput.fst, "
                                                           "$.FunctionInput.snd)"}, "End": True}}},
              {"FunctionInput": {"fst": [1, 2, 3, 4, 5, 6, 7, 8, 9], "snd": 5}})
    # LocalStack's test_array::test_array_get_item snapshot, recorded on AWS.
    assert [(e["type"], e["id"], e["previousEventId"]) for e in run.events] == [
        ("ExecutionStarted", 1, 0), ("PassStateEntered", 2, 0), ("PassStateExited", 3, 2),
        ("ExecutionSucceeded", 4, 3)]
    assert run.events[2]["stateExitedEventDetails"] == {"name": "State_0", "output": '{"FunctionResult":6}',
                                                        "outputDetails": {"truncated": False}}
    assert run.events[0]["executionStartedEventDetails"]["roleArn"] == EXECUTION.role_arn
    assert run.end == EndExecution("SUCCEEDED", output='{"FunctionResult":6}')


def test_a_missing_parameter_fails_with_the_state_named_in_the_cause() -> None:
    run = Run({"StartAt": "Pick", "States": {"Pick": {"Type": "Pass", "Parameters": {"v.$": "States.Format('{}', "
                                                                                              "$.nope)"},
                                                      "End": True}}})
    assert run.end is not None and run.end.error == "States.Runtime"
    assert run.end.cause == ("An error occurred while executing the state 'Pick' (entered at the event id #2). "
                             "The function 'States.Format('{}', $.nope)' had the following error: The JsonPath "
                             "argument for the field '$.nope' could not be found in the input '{\"other\":1}'")
    assert run.types == ["ExecutionStarted", "PassStateEntered", "ExecutionFailed"]


def task_machine(**task: Any) -> dict[str, Any]:
    states: dict[str, Any] = {
        "T": {"Type": "Task", "Resource": SQS, "Parameters": {"QueueUrl": "q", "MessageBody.$": "$"}, "Next": "Done",
              **task},
        "Done": {"Type": "Succeed"}}
    if "Catch" in task:
        states["Caught"] = {"Type": "Pass", "End": True}
    return {"StartAt": "T", "States": states}


def test_a_task_runs_through_the_five_fields() -> None:
    run = Run(task_machine(InputPath="$.in", ResultSelector={"id.$": "$.MessageId"}, ResultPath="$.sent",
                           OutputPath="$.sent"), {"in": {"a": 1}})
    [task] = run.open_tasks()
    assert (task.resource, task.pattern, task.parameters) == (SQS, "request-response",
                                                              {"QueueUrl": "q", "MessageBody": {"a": 1}})
    assert run.types[-2:] == ["TaskScheduled", "TaskStarted"]
    scheduled = run.events[-2]["taskScheduledEventDetails"]
    assert scheduled == {"resourceType": "sqs", "resource": "sendMessage", "region": "us-east-1",
                         "parameters": '{"QueueUrl":"q","MessageBody":{"a":1}}'}
    run.succeed(task, {"MessageId": "m-1", "MD5OfMessageBody": "x"})
    assert run.types[-5:] == ["TaskSucceeded", "TaskStateExited", "SucceedStateEntered", "SucceedStateExited",
                              "ExecutionSucceeded"]
    assert run.end == EndExecution("SUCCEEDED", output='{"id":"m-1"}')


def test_retries_back_off_up_to_max_delay_then_catch() -> None:
    run = Run(task_machine(Retry=[{"ErrorEquals": ["Boom"], "IntervalSeconds": 2, "BackoffRate": 3,
                                   "MaxAttempts": 3, "MaxDelaySeconds": 10}],
                           Catch=[{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Caught"}]))
    delays = []
    for _ in range(3):
        [task] = run.open_tasks()
        at = run.now
        run.fail(task, "Boom", "bang", at)
        timer = run.timers()[-1]
        assert timer.purpose == "retry"
        delays.append(timer.due_ms - at)
        run.fire(timer)
    assert delays == [2000, 6000, 10000]
    [task] = run.open_tasks()
    run.fail(task, "Boom", "bang")
    assert run.types.count("TaskScheduled") == 4
    assert run.end is not None and run.end.status == "SUCCEEDED"
    assert json.loads(run.end.output or "") == {"other": 1, "error": {"Error": "Boom", "Cause": "bang"}}


def test_full_jitter_draws_the_delay_from_the_seeded_source() -> None:
    definition = task_machine(Retry=[{"ErrorEquals": ["States.ALL"], "IntervalSeconds": 100,
                                      "JitterStrategy": "FULL"}])
    delays = set()
    for _ in range(2):
        run = Run(definition)
        [task] = run.open_tasks()
        run.fail(task, "X")
        delays.add(run.timers()[-1].due_ms - run.now)
    [delay] = delays  # the same execution retries after the same delay, however often it is replayed
    assert 0 <= delay <= 100_000


def test_max_attempts_zero_never_retries() -> None:
    run = Run(task_machine(Retry=[{"ErrorEquals": ["X"], "MaxAttempts": 0}, {"ErrorEquals": ["States.ALL"]}]))
    [task] = run.open_tasks()
    run.fail(task, "X", "no")
    # the first retrier that matches decides, even with no attempts: no later retrier is tried
    assert run.end == EndExecution("FAILED", error="X", cause="no")
    assert not run.timers()


def test_states_all_does_not_catch_runtime_errors() -> None:
    run = Run(task_machine(Parameters={"QueueUrl": "q", "MessageBody.$": "$.missing"},
                           Catch=[{"ErrorEquals": ["States.ALL"], "Next": "Caught"}]))
    assert run.end is not None and run.end.error == "States.Runtime"
    assert "The JSONPath '$.missing' specified for the field 'MessageBody.$' could not be found" in (run.end.cause or "")


@pytest.mark.parametrize("resource, failed_event, owner", [
    ("arn:aws:states:::lambda:invoke", "TaskFailed", "lambda"),
    ("arn:aws:lambda:us-east-1:111111111111:function:f", "LambdaFunctionFailed",
     "arn:aws:lambda:us-east-1:111111111111:function:f"),
])
@pytest.mark.parametrize("catch", ["States.DataLimitExceeded", "States.ALL"])
def test_an_oversized_task_result_is_a_catchable_task_failure(resource: str, failed_event: str, owner: str,
                                                             catch: str) -> None:
    # LocalStack's test_states_errors snapshots, recorded on AWS (21-03-2024): the task fails with
    # States.DataLimitExceeded, and a Catch of that name or of States.ALL takes it.
    run = Run(task_machine(Resource=resource, Parameters={"FunctionName": "f", "Payload": None},
                           Catch=[{"ErrorEquals": [catch], "Next": "Caught"}]))
    [task] = run.open_tasks()
    run.succeed(task, {"Payload": "\u00e9" * (200 * 1024)})  # under 256 Ki characters, over 256 KiB
    cause = (f"The state/task '{owner}' returned a result with a size exceeding the maximum number of bytes service "
             "limit.")
    failed = run.events[-5]
    assert failed["type"] == failed_event
    assert {k: v for k, v in failed[next(k for k in failed if k.endswith("Details"))].items()
            if k in ("error", "cause")} == {"error": "States.DataLimitExceeded", "cause": cause}
    assert run.types[-4:] == ["TaskStateExited", "PassStateEntered", "PassStateExited", "ExecutionSucceeded"]
    assert run.end is not None and json.loads(run.end.output or "") == {"Error": "States.DataLimitExceeded",
                                                                        "Cause": cause}


def test_an_oversized_state_output_is_not_caught() -> None:
    run = Run({"StartAt": "P", "States": {"P": {"Type": "Parallel", "Branches": [
        {"StartAt": "A", "States": {"A": {"Type": "Pass", "Result": "x" * 200_000, "End": True}}},
        {"StartAt": "B", "States": {"B": {"Type": "Pass", "Result": "x" * 200_000, "End": True}}}],
        "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Caught"}], "End": True},
        "Caught": {"Type": "Pass", "End": True}}})
    assert run.end is not None and run.end.error == "States.DataLimitExceeded"


def test_task_failed_matches_all_but_timeouts() -> None:
    definition = task_machine(TimeoutSeconds=5, Catch=[{"ErrorEquals": ["States.TaskFailed"], "Next": "Caught"}])
    run = Run(definition)
    [task] = run.open_tasks()
    run.fail(task, "Custom.Error", "c")
    assert run.end is not None and run.end.status == "SUCCEEDED"
    run = Run(definition)
    [timeout] = [t for t in run.timers() if t.purpose == "task-timeout"]
    assert timeout.due_ms == run.now + 5000
    run.fire(timeout)
    assert "TaskTimedOut" in run.types
    assert run.end is not None and run.end.error == "States.Timeout"
    assert any(isinstance(e, CancelTask) for e in run.effects)


def test_heartbeats_restart_the_heartbeat_timer() -> None:
    run = Run(task_machine(Resource=SQS + ".waitForTaskToken", HeartbeatSeconds=10, TimeoutSeconds=100,
                           Parameters={"QueueUrl": "q", "MessageBody": {"token.$": "$$.Task.Token"}},
                           Catch=[{"ErrorEquals": ["States.HeartbeatTimeout"], "Next": "Caught"}]))
    [task] = run.open_tasks()
    assert task.pattern == "waitForTaskToken" and task.task_token
    assert task.parameters == {"QueueUrl": "q", "MessageBody": {"token": task.task_token}}
    run.apply(TaskHeartbeat(task.task_id, run.now + 5000))
    heartbeat = [t for t in run.timers() if t.purpose == "heartbeat-timeout"][-1]
    assert heartbeat.due_ms == run.now + 15_000
    run.fire(heartbeat)
    assert run.end is not None and run.end.status == "SUCCEEDED"
    # AWS records the heartbeat's timeout as States.Timeout; a HeartbeatTimeout catcher catches it
    assert json.loads(run.end.output or "") == {"Error": "States.Timeout", "Cause": ""}


def test_a_callback_task_records_its_call_as_task_submitted() -> None:
    run = Run(task_machine(Resource=SQS + ".waitForTaskToken",
                           Parameters={"QueueUrl": "q", "MessageBody": {"token.$": "$$.Task.Token"}}))
    [task] = run.open_tasks()
    run.apply(TaskSubmitted(task.task_id, {"MessageId": "m-1", "MD5OfMessageBody": "x"}, run.now))
    run.apply(TaskSubmitted(task.task_id, {"MessageId": "m-2"}, run.now))  # a repeated call adds nothing
    run.apply(TaskSucceeded(task.task_id, {"ok": True}, run.now, callback=True))
    assert run.types[2:7] == ["TaskScheduled", "TaskStarted", "TaskSubmitted", "TaskSucceeded", "TaskStateExited"]
    submitted = run.events[4]
    assert submitted["previousEventId"] == run.events[3]["id"]
    # the shape AWS records (test_callback::test_sqs_wait_for_task_token)
    assert submitted["taskSubmittedEventDetails"] == {
        "resourceType": "sqs", "resource": "sendMessage.waitForTaskToken",
        "output": '{"MessageId":"m-1","MD5OfMessageBody":"x"}', "outputDetails": {"truncated": False}}


def test_a_request_response_task_records_no_submission() -> None:
    run = Run(task_machine())
    [task] = run.open_tasks()
    run.apply(TaskSubmitted(task.task_id, {"MessageId": "m-1"}, run.now))
    run.succeed(task, {"MessageId": "m-1"})
    assert "TaskSubmitted" not in run.types and run.end is not None


def test_a_callback_before_its_submission_applies_after_it() -> None:
    run = Run(task_machine(Resource=SQS + ".waitForTaskToken",
                           Parameters={"QueueUrl": "q", "MessageBody": {"token.$": "$$.Task.Token"}}))
    [task] = run.open_tasks()
    run.apply(TaskFailed(task.task_id, "Rejected", "no", run.now, callback=True))
    assert run.types[-1] == "TaskStarted" and run.end is None
    run.apply(TaskSubmitted(task.task_id, {"MessageId": "m-1"}, run.now))
    assert run.types[2:6] == ["TaskScheduled", "TaskStarted", "TaskSubmitted", "TaskFailed"]
    assert run.end is not None and run.end.error == "Rejected"


def test_activities_record_activity_events() -> None:
    run = Run(task_machine(Resource="arn:aws:states:us-east-1:000000000000:activity:act", Parameters={"a": 1}))
    [task] = run.open_tasks()
    assert task.pattern == "activity" and task.task_token
    run.apply(TaskStarted(task.task_id, "worker-1", run.now))
    run.succeed(task, {"ok": True})
    assert run.types[2:6] == ["ActivityScheduled", "ActivityStarted", "ActivitySucceeded", "TaskStateExited"]


@pytest.mark.parametrize("wait, due", [
    ({"Seconds": 30}, NOW + 30_000),
    ({"SecondsPath": "$.s"}, NOW + 7_000),
    ({"Timestamp": "2030-01-01T00:00:00Z"}, 1_893_456_000_000),
    ({"TimestampPath": "$.t"}, 1_893_456_000_000 + 1_500),
])
def test_wait_starts_a_timer(wait: dict[str, Any], due: int) -> None:
    run = Run({"StartAt": "W", "States": {"W": {"Type": "Wait", **wait, "End": True}}},
              {"s": 7, "t": "2030-01-01T01:00:01.5+01:00"})
    [timer] = run.timers()
    assert (timer.purpose, timer.due_ms) == ("wait", due)
    assert run.end is None
    run.fire(timer)
    assert run.types == ["ExecutionStarted", "WaitStateEntered", "WaitStateExited", "ExecutionSucceeded"]


def test_a_wait_too_long_fails_at_run_time() -> None:
    run = Run({"StartAt": "W", "States": {"W": {"Type": "Wait", "SecondsPath": "$.s", "End": True}}},
              {"s": 99_999_999})
    assert run.end == EndExecution("FAILED", error="States.Runtime", cause=(
        "An error occurred while executing the state 'W' (entered at the event id #2). Wait state delay is too long"))


def choice_machine(default: bool = True) -> dict[str, Any]:
    choice: dict[str, Any] = {"Type": "Choice", "Choices": [
        {"Variable": "$.n", "NumericGreaterThan": 10, "Next": "Big"}], **({"Default": "Small"} if default else {})}
    states = {"C": choice, "Big": {"Type": "Pass", "Result": "big", "End": True}}
    if default:
        states["Small"] = {"Type": "Pass", "Result": "small", "End": True}
    return {"StartAt": "C", "States": states}


def test_choice_goes_to_the_first_match_or_the_default() -> None:
    assert Run(choice_machine(), {"n": 11}).end == EndExecution("SUCCEEDED", output='"big"')
    assert Run(choice_machine(), {"n": 1}).end == EndExecution("SUCCEEDED", output='"small"')
    no_match = Run(choice_machine(default=False), {"n": 1})
    assert no_match.end is not None and no_match.end.error == "States.NoChoiceMatched"
    assert Run(choice_machine(), {"n": 11}).types[1:3] == ["ChoiceStateEntered", "ChoiceStateExited"]


def test_fail_state_with_error_and_cause_paths() -> None:
    run = Run({"StartAt": "F", "States": {"F": {"Type": "Fail", "ErrorPath": "$.e",
                                                "CausePath": "States.Format('because {}', $.c)"}}},
              {"e": "MyError", "c": "reasons"})
    assert run.end == EndExecution("FAILED", error="MyError", cause="because reasons")
    assert run.types == ["ExecutionStarted", "FailStateEntered", "ExecutionFailed"]


def test_parallel_gives_results_in_branch_order() -> None:
    run = Run({"StartAt": "P", "States": {"P": {"Type": "Parallel", "Branches": [
        {"StartAt": "A", "States": {"A": {"Type": "Task", "Resource": SDK, "Parameters": {"b": 0}, "End": True}}},
        {"StartAt": "B", "States": {"B": {"Type": "Pass", "Result": "second", "End": True}}}],
        "ResultPath": "$.results", "End": True}}})
    [task] = run.open_tasks()
    assert run.end is None
    run.succeed(task, "first")
    assert run.end is not None and json.loads(run.end.output or "") == {"other": 1, "results": ["first", "second"]}
    assert run.types[:4] == ["ExecutionStarted", "ParallelStateEntered", "ParallelStateStarted", "TaskStateEntered"]
    assert run.types[-3:] == ["ParallelStateSucceeded", "ParallelStateExited", "ExecutionSucceeded"]


def test_a_failed_branch_fails_the_parallel_with_its_error_and_stops_the_others() -> None:
    run = Run({"StartAt": "P", "States": {
        "P": {"Type": "Parallel", "Branches": [
            {"StartAt": "A", "States": {"A": {"Type": "Task", "Resource": SDK, "End": True}}},
            {"StartAt": "B", "States": {"B": {"Type": "Fail", "Error": "Branch.Error", "Cause": "c"}}}],
            "Catch": [{"ErrorEquals": ["Branch.Error"], "Next": "Caught"}], "End": True},
        "Caught": {"Type": "Pass", "End": True}}})
    assert "ParallelStateFailed" in run.types
    assert any(isinstance(e, CancelTask) for e in run.effects)
    assert run.end is not None and json.loads(run.end.output or "") == {"Error": "Branch.Error", "Cause": "c"}


def test_map_keeps_max_concurrency_and_item_order() -> None:
    run = Run({"StartAt": "M", "States": {"M": {
        "Type": "Map", "ItemsPath": "$.items", "MaxConcurrency": 2,
        "ItemSelector": {"value.$": "$$.Map.Item.Value", "index.$": "$$.Map.Item.Index"},
        "ItemProcessor": {"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": SDK, "End": True}}},
        "End": True}}}, {"items": ["a", "b", "c", "d", "e"]})
    assert run.events[2]["mapStateStartedEventDetails"] == {"length": 5}
    seen = []
    while run.end is None:
        open_tasks = run.open_tasks()
        assert 1 <= len(open_tasks) <= 2
        task = open_tasks[-1]
        seen.append(task.parameters["index"])
        run.succeed(task, task.parameters["value"].upper())
    assert sorted(seen) == [0, 1, 2, 3, 4]
    assert json.loads(run.end.output or "") == ["A", "B", "C", "D", "E"]
    assert run.types.count("MapIterationStarted") == 5 and run.types.count("MapIterationSucceeded") == 5
    assert run.types[-3:] == ["MapStateSucceeded", "MapStateExited", "ExecutionSucceeded"]


def test_an_empty_map_succeeds_at_once() -> None:
    run = Run({"StartAt": "M", "States": {"M": {"Type": "Map", "Iterator": {
        "StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}, "End": True}}}, [])
    assert run.end == EndExecution("SUCCEEDED", output="[]")


def test_variables_assign_after_the_result_and_stay_in_their_scope() -> None:
    run = Run({"StartAt": "A", "States": {
        "A": {"Type": "Pass", "Result": {"n": 1}, "Assign": {"seen.$": "$.n", "const": "c"}, "Next": "M"},
        "M": {"Type": "Map", "ItemsPath": "$$.Execution.Input.items", "ItemProcessor": {"StartAt": "I", "States": {
            "I": {"Type": "Pass", "Assign": {"seen": "inner"}, "Parameters": {"outer.$": "$seen"}, "End": True}}},
              "ResultPath": "$.inner", "Next": "B"},
        "B": {"Type": "Pass", "Parameters": {"seen.$": "$seen", "const.$": "$const", "inner.$": "$.inner"},
              "End": True}}}, {"items": [1, 2]})
    assert run.end is not None
    assert json.loads(run.end.output or "") == {"seen": 1, "const": "c",
                                                 "inner": [{"outer": 1}, {"outer": 1}]}
    exited = next(e for e in run.events if e["type"] == "PassStateExited")
    assert exited["stateExitedEventDetails"]["assignedVariables"] == {"seen": "1", "const": '"c"'}
    assert exited["stateExitedEventDetails"]["output"] == '{"n":1}'


def test_context_object() -> None:
    run = Run({"StartAt": "A", "States": {"A": {"Type": "Pass", "Parameters": {
        "id.$": "$$.Execution.Id", "name.$": "$$.State.Name", "input.$": "$$.Execution.Input",
        "machine.$": "$$.StateMachine.Name", "state.$": "$$.State"}, "End": True}}})
    assert run.end is not None
    output = json.loads(run.end.output or "")
    # a Pass state cannot retry: AWS's $$.State has no RetryCount there (test_base's recorded context)
    assert sorted(output.pop("state")) == ["EnteredTime", "Name"]
    assert output == {"id": EXECUTION.execution_arn, "name": "A", "input": {"other": 1}, "machine": "sm"}


def test_stop_aborts_and_later_answers_are_ignored() -> None:
    run = Run(task_machine())
    [task] = run.open_tasks()
    run.apply(Stop("User.Stop", "enough", run.now))
    assert run.end == EndExecution("ABORTED", error="User.Stop", cause="enough")
    assert run.types[-1] == "ExecutionAborted"
    late = run.succeed(task, {})
    assert late.effects == []


def test_execution_timeout() -> None:
    definition = {**task_machine(), "TimeoutSeconds": 60}
    run = Run(definition)
    [timer] = [t for t in run.timers() if t.purpose == "execution-timeout"]
    assert timer.due_ms == run.now + 60_000
    run.fire(timer)
    assert run.end == EndExecution("TIMED_OUT", error="States.Timeout")
    assert run.types[-1] == "ExecutionTimedOut"


def test_advance_is_pure_and_the_state_is_json() -> None:
    run = Run(task_machine(Retry=[{"ErrorEquals": ["States.ALL"], "JitterStrategy": "FULL"}]))
    [task] = run.open_tasks()
    before = run.state.to_json()
    event = TaskFailed(task.task_id, "X", "y", run.now)
    first = advance(run.machine, run.state, event)
    second = advance(run.machine, ExecutionState.from_json(before), event)
    assert run.state.to_json() == before  # the input state is left alone
    assert first.effects == second.effects
    assert first.state.to_json() == second.state.to_json()


DISTRIBUTED = {"StartAt": "D", "States": {"D": {
    "Type": "Map", "ItemsPath": "$.items", "ItemSelector": {"v.$": "$$.Map.Item.Value", "i.$": "$$.Map.Item.Index"},
    "ItemBatcher": {"MaxItemsPerBatch": 2, "BatchInput": {"job.$": "$.job"}}, "MaxConcurrency": 3,
    "ToleratedFailureCount": 1, "Label": "chunks",
    "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "EXPRESS"},
                      "StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}},
    "ResultPath": "$.out", "End": True}}}


def test_a_distributed_map_hands_its_selected_batches_to_the_service() -> None:
    from eventyard.core.states import MapRunEnded, StartMapRun, processor_of
    run = Run(DISTRIBUTED, {"job": "j1", "items": ["a", "b", "c"]})
    [map_run] = [e for e in run.effects if isinstance(e, StartMapRun)]
    assert map_run.inputs == [{"BatchInput": {"job": "j1"}, "Items": [{"v": "a", "i": 0}, {"v": "b", "i": 1}]},
                              {"BatchInput": {"job": "j1"}, "Items": [{"v": "c", "i": 2}]}]
    assert (map_run.max_concurrency, map_run.execution_type, map_run.tolerated_failure_count) == (3, "EXPRESS", 1)
    assert map_run.map_run_arn.startswith("arn:aws:states:us-east-1:000000000000:mapRun:sm/chunks:")
    assert processor_of(run.machine, map_run.where).start_at == "P"
    assert run.types[-2:] == ["MapStateEntered", "MapRunStarted"]
    run.apply(MapRunEnded(map_run.map_run_arn, [1, 2], run.now))
    assert run.end is not None and json.loads(run.end.output or "")["out"] == [1, 2]
    assert run.types[-4:] == ["MapRunSucceeded", "MapStateSucceeded", "MapStateExited", "ExecutionSucceeded"]


def test_a_failed_map_run_fails_the_state() -> None:
    from eventyard.core.states import MapRunEnded, StartMapRun
    run = Run(DISTRIBUTED, {"job": "j1", "items": ["a"]})
    [map_run] = [e for e in run.effects if isinstance(e, StartMapRun)]
    run.apply(MapRunEnded(map_run.map_run_arn, None, run.now, "States.ExceedToleratedFailureThreshold", "too many"))
    assert run.end == EndExecution("FAILED", error="States.ExceedToleratedFailureThreshold", cause="too many")
    assert "MapRunFailed" in run.types


def test_an_item_reader_is_read_by_the_service_first() -> None:
    from eventyard.core.states import ItemsRead, ReadItems, StartMapRun
    definition = {"StartAt": "D", "States": {"D": {
        "Type": "Map", "ItemReader": {"Resource": "arn:aws:states:::s3:getObject",
                                      "ReaderConfig": {"InputType": "JSON"},
                                      "Parameters": {"Bucket.$": "$.bucket", "Key": "items.json"}},
        "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                          "StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}, "End": True}}}
    run = Run(definition, {"bucket": "b"})
    [read] = [e for e in run.effects if isinstance(e, ReadItems)]
    assert (read.resource, read.reader_config, read.parameters) == (
        "arn:aws:states:::s3:getObject", {"InputType": "JSON"}, {"Bucket": "b", "Key": "items.json"})
    run.apply(ItemsRead(read.reader_id, [{"x": 1}, {"x": 2}], run.now))
    [map_run] = [e for e in run.effects if isinstance(e, StartMapRun)]
    assert map_run.inputs == [{"x": 1}, {"x": 2}]
    failing = Run(definition, {"bucket": "b"})
    [read] = [e for e in failing.effects if isinstance(e, ReadItems)]
    failing.apply(ItemsRead(read.reader_id, None, failing.now, "States.ItemReaderFailed", "no such key"))
    assert failing.end == EndExecution("FAILED", error="States.ItemReaderFailed", cause="no such key")


@pytest.mark.parametrize("failed, total, count, percentage, exceeded", [
    (0, 10, None, None, False), (1, 10, None, None, True), (1, 10, 1, None, False), (2, 10, 1, None, True),
    (1, 10, None, 10, False), (2, 10, None, 10, True), (0, 0, None, 0, False),
])
def test_tolerance(failed: int, total: int, count: int | None, percentage: float | None, exceeded: bool) -> None:
    from eventyard.core.states import tolerance_exceeded
    assert tolerance_exceeded(failed, total, count, percentage) is exceeded


def test_batches_respect_the_byte_limit() -> None:
    from eventyard.core.states import batch_items
    batches = batch_items(["x" * 10] * 5, {"MaxInputBytesPerBatch": 40})
    assert [len(b["Items"]) for b in batches] == [2, 2, 1]


def test_redrive_goes_on_from_the_failed_state() -> None:
    from eventyard.core.states import redrive
    run = Run({"StartAt": "A", "States": {
        "A": {"Type": "Pass", "Result": {"step": "a"}, "Assign": {"x": 1}, "Next": "T"},
        "T": {"Type": "Task", "Resource": SDK, "Parameters": {"x.$": "$x"}, "End": True}}})
    [task] = run.open_tasks()
    run.fail(task, "Boom", "first try")
    assert run.end == EndExecution("FAILED", error="Boom", cause="first try")
    step = redrive(run.machine, run.state, run.now + 10)
    run.state = step.state
    run.effects.extend(step.effects)
    assert run.types[-4:] == ["ExecutionRedriven", "TaskStateEntered", "TaskScheduled", "TaskStarted"]
    assert run.events[-4]["executionRedrivenEventDetails"] == {"redriveCount": 1}
    [task] = run.open_tasks()
    assert task.parameters == {"x": 1}  # variables survive the redrive
    run.succeed(task, "ok")
    assert run.end == EndExecution("SUCCEEDED", output='"ok"')


def test_the_first_state_quotes_the_execution_input_verbatim() -> None:
    machine = parse_definition(json.dumps({"StartAt": "Sample01Job", "States": {"Sample01Job": {
        "Type": "Pass", "Parameters": {"jobOption.$": "$.jobOption"}, "Next": "Two"},
        "Two": {"Type": "Pass", "Parameters": {"x.$": "$.nope"}, "End": True}}}))
    raw = '{\n    "Comment": "Insert your JSON here"\n}'
    step = start(machine, Execution(**{**EXECUTION.__dict__, "input_text": raw}), NOW)
    [end] = [e for e in step.effects if isinstance(e, EndExecution)]
    # An execution AWS failed (quoted in public material), input as the caller wrote it:
    assert end.cause == ("An error occurred while executing the state 'Sample01Job' (entered at the event id #2). "
                         "The JSONPath '$.jobOption' specified for the field 'jobOption.$' could not be found in the "
                         "input '{\n    \"Comment\": \"Insert your JSON here\"\n}'")


# LocalStack's test_assign_reference_variables::test_reference_assign[BASE_REFERENCE_IN_ITERATOR_OUTER_SCOPE],
# recorded on AWS (13-11-2024): nested inline Maps reading outer variables; (type, id, previousEventId).
OUTER_SCOPE = {"StartAt": "Input", "States": {
    "Input": {"Type": "Pass", "Result": [[9, 44, 6], [82, 25, 76], [18, 42, 2]], "Assign": {"bias": 4.3},
              "Next": "IterateLevels"},
    "IterateLevels": {"Type": "Map", "MaxConcurrency": 1, "ItemProcessor": {
        "ProcessorConfig": {"Mode": "INLINE"}, "StartAt": "AssignCurrentVector", "States": {
            "AssignCurrentVector": {"Type": "Pass", "Assign": {"xCurrent.$": "$[0]", "yCurrent.$": "$[1]",
                                                               "zCurrent.$": "$[2]"}, "Next": "Calculate"},
            "Calculate": {"Type": "Map", "MaxConcurrency": 1, "ItemProcessor": {
                "ProcessorConfig": {"Mode": "INLINE"}, "StartAt": "Summate", "States": {
                    "Summate": {"Type": "Pass", "Assign": {"Sum.$": "States.MathAdd(States.MathAdd(States.MathAdd("
                                                                    "$yCurrent, $xCurrent), $zCurrent), $bias)"},
                                "End": True}}}, "End": True}}}, "End": True}}}


def _outer_scope_expected() -> list[tuple[str, int, int]]:
    events = [("ExecutionStarted", 1, 0), ("PassStateEntered", 2, 0), ("PassStateExited", 3, 2),
              ("MapStateEntered", 4, 3), ("MapStateStarted", 5, 4)]
    last = 5
    for _ in range(3):
        n = events[-1][1]
        events += [("MapIterationStarted", n + 1, last), ("PassStateEntered", n + 2, n + 1),
                   ("PassStateExited", n + 3, n + 2), ("MapStateEntered", n + 4, n + 3),
                   ("MapStateStarted", n + 5, n + 4)]
        inner_last = n + 5
        for _ in range(3):
            m = events[-1][1]
            events += [("MapIterationStarted", m + 1, inner_last), ("PassStateEntered", m + 2, m + 1),
                       ("PassStateExited", m + 3, m + 2), ("MapIterationSucceeded", m + 4, m + 3)]
            inner_last = m + 3
        m = events[-1][1]
        events += [("MapStateSucceeded", m + 1, m), ("MapStateExited", m + 2, m),
                   ("MapIterationSucceeded", m + 3, m + 2)]
        last = m + 2
    return events


def test_nested_maps_link_events_as_aws_recorded() -> None:
    run = Run(OUTER_SCOPE, {})
    recorded = _outer_scope_expected()[:64]  # the 64 events read from the snapshot
    assert [(e["type"], e["id"], e["previousEventId"]) for e in run.events][:64] == recorded
    sums = [e["stateExitedEventDetails"]["assignedVariables"]["Sum"] for e in run.events
            if e["type"] == "PassStateExited" and "Sum" in e["stateExitedEventDetails"].get("assignedVariables", {})]
    assert sums == ["63"] * 3 + ["187"] * 3 + ["66"] * 3
    assert run.events[2]["stateExitedEventDetails"]["assignedVariables"] == {"bias": "4.3"}
    assert run.end is not None and run.end.status == "SUCCEEDED"


# LocalStack's assign templates BASE_EVALUATION_ORDER_PASS_STATE: InputPath and OutputPath read
# "$answer" before the state's own Assign changes it.
def test_assign_is_not_seen_by_its_own_state() -> None:
    run = Run({"StartAt": "State0", "States": {
        "State0": {"Type": "Pass", "Result": {"theQuestion": "What is the answer to life the universe and "
                                                             "everything?"},
                   "Assign": {"question.$": "$.theQuestion", "answer": 42}, "Next": "State1"},
        "State1": {"Type": "Pass", "InputPath": "$answer", "ResultPath": "$.theAnswer", "OutputPath": "$answer",
                   "Assign": {"answer": "<omitted>"}, "End": True}}}, {})
    assert run.end == EndExecution("SUCCEEDED", output="42")
    exited = [e for e in run.events if e["type"] == "PassStateExited"]
    assert exited[0]["stateExitedEventDetails"]["assignedVariables"] == {
        "question": '"What is the answer to life the universe and everything?"', "answer": "42"}
    assert exited[1]["stateExitedEventDetails"]["assignedVariables"] == {"answer": '"<omitted>"'}


# LocalStack's BASE_SCOPE_MAP / BASE_SCOPE_PARALLEL templates: branches read outer variables.
def test_branches_and_iterations_read_outer_variables() -> None:
    run = Run({"StartAt": "State0", "States": {
        "State0": {"Type": "Pass", "Assign": {"x": 42, "items": [1, 2, 3]}, "Next": "State1"},
        "State1": {"Type": "Map", "ItemsPath": "$items", "MaxConcurrency": 1, "ItemProcessor": {
            "ProcessorConfig": {"Mode": "INLINE"}, "StartAt": "Inner", "States": {
                "Inner": {"Type": "Pass", "Assign": {"innerX.$": "$x"}, "End": True}}}, "Next": "State2"},
        "State2": {"Type": "Pass", "Assign": {"final.$": "$x"}, "End": True}}}, {})
    inner = [e["stateExitedEventDetails"].get("assignedVariables") for e in run.events
             if e["type"] == "PassStateExited"]
    assert inner == [{"x": "42", "items": "[1,2,3]"}, {"innerX": "42"}, {"innerX": "42"}, {"innerX": "42"},
                     {"final": "42"}]
    assert run.end == EndExecution("SUCCEEDED", output="[1,2,3]")


# Event chains for Parallel and Map as floci's interpreter tests pin them (their causes are
# stated to be copied from AWS, us-east-1): (types, previousEventIds).
PARALLEL_CHAINS: list[tuple[str, dict[str, Any], Any, list[str], list[int]]] = [
    ("runtime error in a branch fails the execution from the branch state",
     {"StartAt": "P", "States": {"P": {"Type": "Parallel", "Branches": [
         {"StartAt": "Fast", "States": {"Fast": {"Type": "Pass", "Parameters": {"m.$": "$.nope"}, "End": True}}}],
         "End": True}}}, {"x": "a"},
     ["ExecutionStarted", "ParallelStateEntered", "ParallelStateStarted", "PassStateEntered", "ExecutionFailed"],
     [0, 0, 2, 3, 4]),
    ("a Fail state in a branch leaves ParallelStateFailed",
     {"StartAt": "P", "States": {"P": {"Type": "Parallel", "Branches": [
         {"StartAt": "Boom", "States": {"Boom": {"Type": "Fail", "Error": "MyError", "Cause": "my cause"}}}],
         "End": True}}}, {"x": "a"},
     ["ExecutionStarted", "ParallelStateEntered", "ParallelStateStarted", "FailStateEntered", "ParallelStateFailed",
      "ExecutionFailed"], [0, 0, 2, 3, 4, 5]),
    ("a retried Parallel starts again and records ParallelStateFailed once",
     {"StartAt": "P", "States": {"P": {"Type": "Parallel", "Branches": [
         {"StartAt": "Boom", "States": {"Boom": {"Type": "Fail", "Error": "MyError", "Cause": "my cause"}}}],
         "Retry": [{"ErrorEquals": ["States.ALL"], "MaxAttempts": 1, "IntervalSeconds": 1}], "End": True}}},
     {"x": "a"},
     ["ExecutionStarted", "ParallelStateEntered", "ParallelStateStarted", "FailStateEntered", "ParallelStateStarted",
      "FailStateEntered", "ParallelStateFailed", "ExecutionFailed"], [0, 0, 2, 3, 4, 5, 6, 7]),
    ("the Parallel's own failure after its branches links to ParallelStateSucceeded",
     {"StartAt": "P", "States": {"P": {"Type": "Parallel", "Branches": [
         {"StartAt": "Ok", "States": {"Ok": {"Type": "Pass", "End": True}}}],
         "ResultSelector": {"m.$": "$.nope"}, "End": True}}}, {"x": "a"},
     ["ExecutionStarted", "ParallelStateEntered", "ParallelStateStarted", "PassStateEntered", "PassStateExited",
      "ParallelStateSucceeded", "ExecutionFailed"], [0, 0, 2, 3, 4, 5, 6]),
    ("a runtime error in a branch task leaves no other event",
     {"StartAt": "P", "States": {"P": {"Type": "Parallel", "Branches": [
         {"StartAt": "Send", "States": {"Send": {"Type": "Task", "Resource": SQS,
                                                 "Parameters": {"QueueUrl.$": "$.nope", "MessageBody": "hi"},
                                                 "End": True}}}], "End": True}}}, {"x": "a"},
     ["ExecutionStarted", "ParallelStateEntered", "ParallelStateStarted", "TaskStateEntered", "ExecutionFailed"],
     [0, 0, 2, 3, 4]),
    ("a Map over no items exits from its started event",
     {"StartAt": "M", "States": {"M": {"Type": "Map", "ItemsPath": "$.items", "ItemProcessor": {
         "StartAt": "I", "States": {"I": {"Type": "Pass", "End": True}}}, "End": True}}}, {"items": []},
     ["ExecutionStarted", "MapStateEntered", "MapStateStarted", "MapStateSucceeded", "MapStateExited",
      "ExecutionSucceeded"], [0, 0, 2, 3, 3, 5]),
]


@pytest.mark.parametrize("name, definition, value, types, previous", PARALLEL_CHAINS,
                         ids=[c[0] for c in PARALLEL_CHAINS])
def test_parallel_and_map_event_chains(name: str, definition: dict[str, Any], value: Any, types: list[str],
                                       previous: list[int]) -> None:
    run = Run(definition, value)
    for timer in [t for t in run.timers() if t.purpose == "retry"]:
        run.fire(timer)
    assert run.types == types
    assert [e["previousEventId"] for e in run.events] == previous


def test_a_runtime_error_in_a_branch_names_the_branch_state() -> None:
    run = Run(PARALLEL_CHAINS[0][1], {"x": "a"})
    assert run.end == EndExecution("FAILED", error="States.Runtime", cause=(
        "An error occurred while executing the state 'Fast' (entered at the event id #4). The JSONPath '$.nope' "
        "specified for the field 'm.$' could not be found in the input '{\"x\":\"a\"}'"))
    own = Run(PARALLEL_CHAINS[3][1], {"x": "a"})
    assert own.end is not None and own.end.cause == (
        "An error occurred while executing the state 'P' (entered at the event id #2). The JSONPath '$.nope' "
        "specified for the field 'm.$' could not be found in the input '[{\"x\":\"a\"}]'")


def test_parallel_branches_chain_on_their_own() -> None:
    run = Run({"StartAt": "P", "States": {
        "P": {"Type": "Parallel", "Branches": [
            {"StartAt": "A1", "States": {"A1": {"Type": "Pass", "Next": "A2"}, "A2": {"Type": "Pass", "End": True}}},
            {"StartAt": "B1", "States": {"B1": {"Type": "Pass", "Next": "B2"}, "B2": {"Type": "Pass", "End": True}}}],
              "Next": "After"},
        "After": {"Type": "Pass", "End": True}}}, {"x": "a"})
    events = run.events
    assert len(events) == 16 and [e["id"] for e in events] == list(range(1, 17))
    assert run.types[-5:] == ["ParallelStateSucceeded", "ParallelStateExited", "PassStateEntered", "PassStateExited",
                              "ExecutionSucceeded"]
    by_name = {(e["type"], e.get("stateEnteredEventDetails", e.get("stateExitedEventDetails", {})).get("name")): e
               for e in events}
    started = next(e for e in events if e["type"] == "ParallelStateStarted")
    for branch in "AB":
        first_in, first_out = by_name[("PassStateEntered", f"{branch}1")], by_name[("PassStateExited", f"{branch}1")]
        second_in = by_name[("PassStateEntered", f"{branch}2")]
        assert first_in["previousEventId"] == started["id"]
        assert first_out["previousEventId"] == first_in["id"] and second_in["previousEventId"] == first_out["id"]
    succeeded, exited = events[11], events[12]
    assert succeeded["previousEventId"] == events[10]["id"] == exited["previousEventId"]
    assert exited["stateExitedEventDetails"]["output"] == '[{"x":"a"},{"x":"a"}]'


def test_credentials_are_evaluated_and_need_a_role() -> None:
    run = Run(task_machine(Credentials={"RoleArn.$": "States.Format('arn:aws:iam::{}:role/r', $.account)"}),
              {"account": "111111111111"})
    [task] = run.open_tasks()
    assert task.credentials == {"RoleArn": "arn:aws:iam::111111111111:role/r"}
    from eventyard.core.states import validate_definition
    found = validate_definition(json.dumps(task_machine(Credentials={"Role": "x"})))
    assert [(d.message, d.location) for d in found] == [("The field 'RoleArn' is required but was missing",
                                                          "/States/T/Credentials")]


def test_advance_in_place_gives_the_same_step() -> None:
    run = Run(task_machine())
    [task] = run.open_tasks()
    event = TaskSucceeded(task.task_id, {"MessageId": "m"}, run.now)
    copied = advance(run.machine, run.state, event)
    in_place = advance(run.machine, ExecutionState.from_json(run.state.to_json()), event, in_place=True)
    assert copied.effects == in_place.effects and copied.state.to_json() == in_place.state.to_json()


def test_lambda_function_resources_record_lambda_events_without_invented_timeouts() -> None:
    # LocalStack's test_states_errors snapshots (recorded on AWS): no timeoutInSeconds when none is set.
    run = Run(task_machine(Resource="arn:aws:lambda:us-east-1:111111111111:function:f",
                           Parameters={"FunctionName": "f", "Payload": None}))
    scheduled = run.events[-2]
    assert scheduled["type"] == "LambdaFunctionScheduled"
    assert scheduled["lambdaFunctionScheduledEventDetails"] == {
        "resource": "arn:aws:lambda:us-east-1:111111111111:function:f",
        "input": '{"FunctionName":"f","Payload":null}', "inputDetails": {"truncated": False}}
    assert run.types[-1] == "LambdaFunctionStarted" and "lambdaFunctionStartedEventDetails" not in run.events[-1]
    assert not run.timers()


def test_timeout_and_heartbeat_paths() -> None:
    run = Run(task_machine(TimeoutSecondsPath="$.t", HeartbeatSecondsPath="$.h"), {"t": 30, "h": 10})
    purposes = {t.purpose: t.due_ms - run.now for t in run.timers()}
    assert purposes == {"task-timeout": 30_000, "heartbeat-timeout": 10_000}
    [task] = run.open_tasks()
    assert (task.timeout_seconds, task.heartbeat_seconds) == (30, 10)
    scheduled = next(e for e in run.events if e["type"] == "TaskScheduled")["taskScheduledEventDetails"]
    assert (scheduled["timeoutInSeconds"], scheduled["heartbeatInSeconds"]) == (30, 10)
    bad = Run(task_machine(TimeoutSecondsPath="$.t"), {"t": "soon"})
    assert bad.end is not None and bad.end.error == "States.Runtime"


def test_a_map_of_a_thousand_tasks_answers_each_by_its_own_run() -> None:
    run = Run({"StartAt": "M", "States": {"M": {"Type": "Map", "ItemsPath": "$.items", "ItemProcessor": {
        "StartAt": "T", "States": {"T": {"Type": "Task", "Resource": SDK, "End": True}}}, "End": True}}},
        {"items": list(range(1000))})
    tasks = [e for e in run.effects if isinstance(e, InvokeTask)]
    assert len(tasks) == 1000
    state = run.state
    for task in reversed(tasks):  # answers in any order; results keep item order
        step = advance(run.machine, state, TaskSucceeded(task.task_id, task.parameters * 2, run.now), in_place=True)
        state = step.state
    assert [e for e in step.effects if isinstance(e, EndExecution)] == [
        EndExecution("SUCCEEDED", output=json.dumps([i * 2 for i in range(1000)], separators=(",", ":")))]


def test_a_task_failure_ending_a_branch_is_aborted_and_caught_by_the_parallel() -> None:
    # floci's AslExecutorBranchHistoryEventsTest: TaskStateAborted, and ParallelStateFailed linking past it.
    run = Run({"StartAt": "P", "States": {
        "P": {"Type": "Parallel", "Branches": [{"StartAt": "Send", "States": {"Send": {
            "Type": "Task", "Resource": SQS, "Parameters": {"QueueUrl": "q", "MessageBody": "hi"}, "End": True}}}],
              "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Handled"}], "End": True},
        "Handled": {"Type": "Pass", "End": True}}}, {"x": "a"})
    [task] = run.open_tasks()
    run.fail(task, "SQS.QueueDoesNotExistException", "The specified queue does not exist.")
    assert run.types == ["ExecutionStarted", "ParallelStateEntered", "ParallelStateStarted", "TaskStateEntered",
                         "TaskScheduled", "TaskStarted", "TaskFailed", "TaskStateAborted", "ParallelStateFailed",
                         "ParallelStateExited", "PassStateEntered", "PassStateExited", "ExecutionSucceeded"]
    assert [e["previousEventId"] for e in run.events] == [0, 0, 2, 3, 4, 5, 6, 7, 7, 9, 10, 11, 12]
    assert run.events[9]["stateExitedEventDetails"]["output"] == (
        '{"Error":"SQS.QueueDoesNotExistException","Cause":"The specified queue does not exist."}')


def test_siblings_still_running_are_aborted() -> None:
    run = Run({"StartAt": "M", "States": {"M": {"Type": "Map", "ItemsPath": "$.items", "ItemProcessor": {
        "StartAt": "T", "States": {"T": {"Type": "Task", "Resource": SDK, "End": True}}}, "End": True}}},
        {"items": [1, 2, 3]})
    first, *_ = run.open_tasks()
    run.fail(first, "Boom", "x")
    assert run.types.count("TaskStateAborted") == 3  # the failed one, and the two still waiting
    assert run.types.count("MapIterationAborted") == 2
    assert run.types[-2:] == ["MapStateFailed", "ExecutionFailed"]
    assert sum(isinstance(e, CancelTask) for e in run.effects) == 2


def test_a_choice_assigns_its_own_block_and_the_matched_rule_s() -> None:
    run = Run({"StartAt": "C", "States": {
        "C": {"Type": "Choice", "Assign": {"always": 1, "which": "state"},
              "Choices": [{"Variable": "$.n", "NumericEquals": 1, "Assign": {"which": "rule"}, "Next": "D"}],
              "Default": "D"},
        "D": {"Type": "Pass", "Parameters": {"always.$": "$always", "which.$": "$which"}, "End": True}}}, {"n": 1})
    assert run.end == EndExecution("SUCCEEDED", output='{"always":1,"which":"rule"}')
    run = Run({"StartAt": "C", "States": {
        "C": {"Type": "Choice", "Assign": {"always": 1, "which": "state"},
              "Choices": [{"Variable": "$.n", "NumericEquals": 1, "Assign": {"which": "rule"}, "Next": "D"}],
              "Default": "D"},
        "D": {"Type": "Pass", "Parameters": {"always.$": "$always", "which.$": "$which"}, "End": True}}}, {"n": 2})
    assert run.end == EndExecution("SUCCEEDED", output='{"always":1,"which":"state"}')
