"""Distributed Map over items from the input, through boto3 on both backends: the run's
children are executions (ListExecutions(mapRunArn=...)), MaxConcurrency bounds them,
DescribeMapRun / ListMapRuns answer in AWS's shapes, UpdateMapRun changes the bound while
it runs, tolerated failures, and a stopped parent aborts its run."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

from _clients import client
from test_sfn_executions import ended, machine, new_account


@pytest.fixture
def sfn(server: Any) -> Any:
    return client("stepfunctions", server.url, account=new_account())


def distributed(processor_states: dict[str, Any], start_at: str, **fields: Any) -> dict[str, Any]:
    return {"StartAt": "Each", "States": {"Each": {
        "Type": "Map", "ItemsPath": "$.items", "Label": "each", "End": True,
        "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                          "StartAt": start_at, "States": processor_states}, **fields}}}


def until(check: Callable[[], Any], timeout: float = 60.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.05)


def test_a_distributed_map_runs_children_in_order(sfn: Any) -> None:
    arn = machine(sfn, distributed({"Double": {"Type": "Pass", "Parameters": {"v.$": "States.MathAdd($.n, $.n)"},
                                               "OutputPath": "$.v", "End": True}}, "Double",
                                   MaxConcurrency=5, ItemSelector={"n.$": "$$.Map.Item.Value"}))
    execution = sfn.start_execution(stateMachineArn=arn, input=json.dumps({"items": list(range(30))}))["executionArn"]
    out = ended(sfn, execution, timeout=120)
    assert out["status"] == "SUCCEEDED", out
    assert json.loads(out["output"]) == [2 * n for n in range(30)]
    [run] = sfn.list_map_runs(executionArn=execution)["mapRuns"]
    assert run["executionArn"] == execution and ":mapRun:" in run["mapRunArn"] and "stopDate" in run
    assert run["stateMachineArn"].endswith(":stateMachine:" + arn.rsplit(":", 1)[1] + "/each")
    described = sfn.describe_map_run(mapRunArn=run["mapRunArn"])
    assert (described["status"], described["maxConcurrency"]) == ("SUCCEEDED", 5)
    assert described["itemCounts"]["succeeded"] == described["itemCounts"]["total"] == 30
    assert described["executionCounts"]["running"] == 0
    assert (described["toleratedFailureCount"], described["toleratedFailurePercentage"]) == (0, 0.0)
    children = sfn.list_executions(mapRunArn=run["mapRunArn"], maxResults=100)["executions"]
    assert len(children) == 30 and all(c["status"] == "SUCCEEDED" for c in children)
    child = sfn.describe_execution(executionArn=children[0]["executionArn"])
    assert child["mapRunArn"] == run["mapRunArn"] and child["stateMachineArn"] == run["stateMachineArn"]
    types = [e["type"] for e in sfn.get_execution_history(executionArn=execution)["events"]]
    assert "MapRunStarted" in types and "MapRunSucceeded" in types


ODD_FAILS = {"Odd": {"Type": "Choice", "Choices": [{"Variable": "$.odd", "BooleanEquals": True, "Next": "Bad"}],
                     "Default": "Good"},
             "Bad": {"Type": "Fail", "Error": "Odd", "Cause": "odd item"},
             "Good": {"Type": "Pass", "End": True}}


def test_tolerated_failures(sfn: Any) -> None:
    items = [{"odd": n % 2 == 1} for n in range(6)]  # three fail
    strict = machine(sfn, distributed(ODD_FAILS, "Odd", ToleratedFailureCount=1))
    out = ended(sfn, sfn.start_execution(stateMachineArn=strict, input=json.dumps({"items": items}))["executionArn"],
                timeout=120)
    assert (out["status"], out["error"]) == ("FAILED", "States.ExceedToleratedFailureThreshold")
    lenient = machine(sfn, distributed(ODD_FAILS, "Odd", ToleratedFailurePercentage=50))
    run = sfn.start_execution(stateMachineArn=lenient, input=json.dumps({"items": items}))["executionArn"]
    out = ended(sfn, run, timeout=120)
    assert out["status"] == "SUCCEEDED", out
    results = json.loads(out["output"])
    assert results[0] == {"odd": False} and results[1] == {"Error": "Odd", "Cause": "odd item"}
    [listed] = sfn.list_map_runs(executionArn=run)["mapRuns"]
    counts = sfn.describe_map_run(mapRunArn=listed["mapRunArn"])["itemCounts"]
    assert (counts["succeeded"], counts["failed"]) == (3, 3)
    failed = sfn.list_executions(mapRunArn=listed["mapRunArn"], statusFilter="FAILED")["executions"]
    assert len(failed) == 3


def test_update_map_run_and_a_stopped_parent(sfn: Any) -> None:
    arn = machine(sfn, distributed({"Hold": {"Type": "Wait", "Seconds": 3600, "End": True}}, "Hold",
                                   MaxConcurrency=2))
    execution = sfn.start_execution(stateMachineArn=arn, input=json.dumps({"items": list(range(10))}))["executionArn"]
    runs = until(lambda: sfn.list_map_runs(executionArn=execution)["mapRuns"])
    run_arn = runs[0]["mapRunArn"]
    assert until(lambda: sfn.describe_map_run(mapRunArn=run_arn)["itemCounts"]["running"] == 2)
    assert sfn.describe_map_run(mapRunArn=run_arn)["itemCounts"]["pending"] == 8
    sfn.update_map_run(mapRunArn=run_arn, maxConcurrency=4, toleratedFailureCount=3)
    assert until(lambda: sfn.describe_map_run(mapRunArn=run_arn)["itemCounts"]["running"] == 4)
    described = sfn.describe_map_run(mapRunArn=run_arn)
    assert (described["maxConcurrency"], described["toleratedFailureCount"]) == (4, 3)
    with pytest.raises(sfn.exceptions.ResourceNotFound):
        sfn.describe_map_run(mapRunArn=run_arn[:-4] + "0000")
    sfn.stop_execution(executionArn=execution)
    assert until(lambda: sfn.describe_map_run(mapRunArn=run_arn)["status"] == "ABORTED")
    assert until(lambda: all(c["status"] == "ABORTED" for c in
                             sfn.list_executions(mapRunArn=run_arn)["executions"]))


def test_redrive_reruns_only_the_children_that_did_not_succeed(server: Any, sfn: Any) -> None:
    # odd items need a queue that does not exist yet: they fail until it is created
    gate = f"gate-{new_account()}"
    processor = {
        "Odd": {"Type": "Choice", "Choices": [{"Variable": "$.odd", "BooleanEquals": True, "Next": "Open"}],
                "Default": "Done"},
        "Open": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:sqs:getQueueUrl",
                 "Parameters": {"QueueName": gate}, "ResultPath": None, "End": True},
        "Done": {"Type": "Pass", "End": True}}
    arn = machine(sfn, distributed(processor, "Odd", MaxConcurrency=2))
    sqs = client("sqs", server.url, account=arn.split(":")[4])
    items = [{"n": n, "odd": n % 2 == 1} for n in range(6)]
    execution = sfn.start_execution(stateMachineArn=arn, input=json.dumps({"items": items}))["executionArn"]
    out = ended(sfn, execution, timeout=120)
    assert (out["status"], out["error"]) == ("FAILED", "States.ExceedToleratedFailureThreshold")
    [run] = sfn.list_map_runs(executionArn=execution)["mapRuns"]
    map_run = run["mapRunArn"]
    assert until(lambda: all(c["status"] != "RUNNING" for c in
                             sfn.list_executions(mapRunArn=map_run)["executions"]))
    first = sfn.list_executions(mapRunArn=map_run, maxResults=100)["executions"]
    succeeded_before = {c["executionArn"] for c in first if c["status"] == "SUCCEEDED"}
    assert 0 < len(first) < 6 or any(c["status"] != "SUCCEEDED" for c in first)
    assert sfn.describe_map_run(mapRunArn=map_run)["redriveCount"] == 0
    failed_child = next(c["executionArn"] for c in first if c["status"] == "FAILED")
    assert sfn.describe_execution(executionArn=failed_child)["redriveStatus"] == "REDRIVABLE_BY_MAP_RUN"
    with pytest.raises(ClientError) as refused:  # only its run redrives it
        sfn.redrive_execution(executionArn=failed_child)
    assert refused.value.response["Error"]["Code"] == "ExecutionNotRedrivable"

    sqs.create_queue(QueueName=gate)
    sfn.redrive_execution(executionArn=execution)
    out = ended(sfn, execution, timeout=120)
    assert out["status"] == "SUCCEEDED", out
    assert json.loads(out["output"]) == items
    assert out["redriveCount"] == 1
    assert sfn.list_map_runs(executionArn=execution)["mapRuns"][0]["mapRunArn"] == map_run  # the same run
    described = sfn.describe_map_run(mapRunArn=map_run)
    assert (described["status"], described["redriveCount"]) == ("SUCCEEDED", 1)
    assert "redriveDate" in described
    assert described["itemCounts"]["succeeded"] == described["itemCounts"]["total"] == 6
    after = sfn.list_executions(mapRunArn=map_run, maxResults=100)["executions"]
    # the children that failed were redriven themselves, those that succeeded not run again,
    # and the items never started have children of their own now: 6 successes in all
    assert {c["executionArn"] for c in first} <= {c["executionArn"] for c in after}
    assert len(after) == 6 and all(c["status"] == "SUCCEEDED" for c in after)
    failed_before = {c["executionArn"] for c in first} - succeeded_before
    redriven = sfn.list_executions(mapRunArn=map_run, redriveFilter="REDRIVEN")["executions"]
    assert {c["executionArn"] for c in redriven} == failed_before
    for arn in failed_before:
        assert sfn.describe_execution(executionArn=arn)["redriveCount"] == 1
    types = [e["type"] for e in sfn.get_execution_history(executionArn=execution, maxResults=1000)["events"]]
    assert "ExecutionRedriven" in types and "MapRunRedriven" in types


# -- ItemReader / ResultWriter: eventyard serves no S3, so every bucket is missing ------------
S3_MISSING = "The specified bucket does not exist (Service: S3, Status Code: 404, Request ID: "


def test_an_item_reader_fails_the_map_as_a_missing_bucket_does_and_catch_sees_it(sfn: Any) -> None:
    definition = distributed({"Echo": {"Type": "Pass", "End": True}}, "Echo", ItemReader={
        "Resource": "arn:aws:states:::s3:getObject", "ReaderConfig": {"InputType": "JSON"},
        "Parameters": {"Bucket": "no-such-bucket", "Key": "items.json"}})
    out = ended(sfn, sfn.start_execution(stateMachineArn=machine(sfn, definition), input="{}")["executionArn"])
    assert (out["status"], out["error"]) == ("FAILED", "States.ItemReaderFailed")
    assert out["cause"].startswith(S3_MISSING)
    assert sfn.list_map_runs(executionArn=out["executionArn"])["mapRuns"] == []  # no run, no children

    definition["States"]["Each"]["Catch"] = [{"ErrorEquals": ["States.ItemReaderFailed"], "Next": "Handled"}]
    definition["States"]["Handled"] = {"Type": "Pass", "End": True}
    out = ended(sfn, sfn.start_execution(stateMachineArn=machine(sfn, definition), input="{}")["executionArn"])
    assert out["status"] == "SUCCEEDED"
    assert json.loads(out["output"])["Error"] == "States.ItemReaderFailed"


def test_a_result_writer_that_exports_fails_the_run(sfn: Any) -> None:
    definition = distributed({"Echo": {"Type": "Pass", "End": True}}, "Echo", ResultWriter={
        "Resource": "arn:aws:states:::s3:putObject", "Parameters": {"Bucket": "no-such-bucket", "Prefix": "out"}})
    execution = sfn.start_execution(stateMachineArn=machine(sfn, definition),
                                    input=json.dumps({"items": [1, 2]}))["executionArn"]
    out = ended(sfn, execution, timeout=120)
    assert (out["status"], out["error"]) == ("FAILED", "States.ResultWriterFailed")
    assert out["cause"].startswith(S3_MISSING)
    [run] = sfn.list_map_runs(executionArn=execution)["mapRuns"]
    assert sfn.describe_map_run(mapRunArn=run["mapRunArn"])["status"] == "FAILED"


@pytest.mark.parametrize("transformation", ["COMPACT", "FLATTEN", "NONE"])
def test_a_result_writer_with_only_writer_config_shapes_the_output(sfn: Any, transformation: str) -> None:
    processor = {"Odd": {"Type": "Choice", "Choices": [{"Variable": "$.odd", "BooleanEquals": True, "Next": "Bad"}],
                         "Default": "Pair"},
                 "Bad": {"Type": "Fail", "Error": "Odd", "Cause": "odd item"},
                 "Pair": {"Type": "Pass", "OutputPath": "$.pair", "End": True}}
    # each even item's output is a two-element array; the odd one fails (tolerated)
    items = [{"n": 0, "odd": False, "pair": ["x0", "y0"]}, {"n": 1, "odd": True},
             {"n": 2, "odd": False, "pair": ["x2", "y2"]}]
    definition = distributed(processor, "Odd", ToleratedFailureCount=1, ResultWriter={
        "WriterConfig": {"Transformation": transformation, "OutputType": "JSON"}})
    out = ended(sfn, sfn.start_execution(stateMachineArn=machine(sfn, definition),
                                         input=json.dumps({"items": items}))["executionArn"], timeout=120)
    assert out["status"] == "SUCCEEDED", out
    output = json.loads(out["output"])
    if transformation == "COMPACT":
        assert output == [["x0", "y0"], {"Error": "Odd", "Cause": "odd item"}, ["x2", "y2"]]
    elif transformation == "FLATTEN":
        assert output[:2] == ["x0", "y0"] and output[3:] == ["x2", "y2"]
        assert (output[2]["Status"], output[2]["Error"]) == ("FAILED", "Odd")
    else:
        assert [o["Status"] for o in output] == ["SUCCEEDED", "FAILED", "SUCCEEDED"]
        assert output[0]["Output"] == ["x0", "y0"] and output[0]["Input"] == items[0]
        assert ":execution:" in output[0]["ExecutionArn"] and output[0]["StateMachineArn"].endswith("/each")


# -- redrive at every level: a run inside a run's child, inside a Parallel, inside an inline Map -----
def _gated(gate: str) -> dict[str, Any]:
    """An item processor whose odd items fail until the queue ``gate`` exists."""
    return {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"}, "StartAt": "Odd", "States": {
        "Odd": {"Type": "Choice", "Choices": [{"Variable": "$.odd", "BooleanEquals": True, "Next": "Open"}],
                "Default": "Done"},
        "Open": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:sqs:getQueueUrl",
                 "Parameters": {"QueueName": gate}, "ResultPath": None, "End": True},
        "Done": {"Type": "Pass", "End": True}}}


def _items(*numbers: int) -> list[dict[str, Any]]:
    return [{"n": n, "odd": n % 2 == 1} for n in numbers]


def _runs(sfn: Any, execution: str) -> list[str]:
    return [r["mapRunArn"] for r in sfn.list_map_runs(executionArn=execution)["mapRuns"]]


def _children(sfn: Any, map_run: str) -> dict[str, str]:
    assert until(lambda: all(c["status"] != "RUNNING" for c in
                             sfn.list_executions(mapRunArn=map_run)["executions"]))
    return {c["executionArn"]: c["status"] for c in sfn.list_executions(mapRunArn=map_run, maxResults=100)[
        "executions"]}


def _redriven_after_the_gate_opens(server: Any, sfn: Any, gate: str, execution: str) -> dict[str, Any]:
    client("sqs", server.url, account=execution.split(":")[4]).create_queue(QueueName=gate)
    sfn.redrive_execution(executionArn=execution)
    return ended(sfn, execution, timeout=120)


def test_redrive_reaches_the_runs_inside_a_run_s_children(server: Any, sfn: Any) -> None:
    gate = f"gate-{new_account()}"
    arn = machine(sfn, {"StartAt": "Groups", "States": {"Groups": {
        "Type": "Map", "ItemsPath": "$.groups", "End": True, "ItemProcessor": {
            "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"}, "StartAt": "Inner",
            "States": {"Inner": {"Type": "Map", "ItemsPath": "$.items", "End": True, "ItemProcessor": _gated(gate)}}}}}})
    groups = [{"items": _items(0, 1)}, {"items": _items(2, 4)}, {"items": _items(3, 5)}]
    execution = sfn.start_execution(stateMachineArn=arn, input=json.dumps({"groups": groups}))["executionArn"]
    assert ended(sfn, execution, timeout=120)["status"] == "FAILED"
    [outer] = _runs(sfn, execution)
    outer_children = _children(sfn, outer)
    inner_runs = {child: _runs(sfn, child) for child in outer_children}
    failed_grandchildren = {grandchild for runs in inner_runs.values() for run in runs
                            for grandchild, status in _children(sfn, run).items() if status == "FAILED"}
    assert failed_grandchildren

    out = _redriven_after_the_gate_opens(server, sfn, gate, execution)
    assert out["status"] == "SUCCEEDED", out
    assert json.loads(out["output"]) == [g["items"] for g in groups]
    assert _runs(sfn, execution) == [outer]
    assert set(_children(sfn, outer)) == set(outer_children)
    for child, runs in inner_runs.items():
        assert _runs(sfn, child) == runs  # each child redrove its own run, none started anew
        if outer_children[child] == "FAILED":
            assert sfn.describe_map_run(mapRunArn=runs[0])["redriveCount"] == 1
    for grandchild in failed_grandchildren:
        described = sfn.describe_execution(executionArn=grandchild)
        assert (described["status"], described["redriveCount"]) == ("SUCCEEDED", 1)


@pytest.mark.parametrize("around", ["parallel", "inline-map"])
def test_redrive_reaches_a_run_inside_a_parallel_or_an_inline_map(server: Any, sfn: Any, around: str) -> None:
    gate = f"gate-{new_account()}"
    distributed_map = {"Type": "Map", "ItemsPath": "$.items", "End": True, "ItemProcessor": _gated(gate)}
    if around == "parallel":
        state = {"Type": "Parallel", "End": True, "Branches": [
            {"StartAt": "Each", "States": {"Each": distributed_map}},
            {"StartAt": "Other", "States": {"Other": {"Type": "Pass", "Result": "other", "End": True}}}]}
        given: dict[str, Any] = {"items": _items(0, 1, 2, 3)}
        expected: Any = [given["items"], "other"]
    else:
        state = {"Type": "Map", "ItemsPath": "$.groups", "End": True,
                 "ItemProcessor": {"StartAt": "Each", "States": {"Each": distributed_map}}}
        given = {"groups": [{"items": _items(0, 2)}, {"items": _items(1, 4)}]}
        expected = [g["items"] for g in given["groups"]]
    arn = machine(sfn, {"StartAt": "Around", "States": {"Around": state}})
    execution = sfn.start_execution(stateMachineArn=arn, input=json.dumps(given))["executionArn"]
    assert ended(sfn, execution, timeout=120)["status"] == "FAILED"
    runs = _runs(sfn, execution)
    before = {run: _children(sfn, run) for run in runs}
    failed = {child for children in before.values() for child, status in children.items() if status == "FAILED"}
    assert failed

    out = _redriven_after_the_gate_opens(server, sfn, gate, execution)
    assert out["status"] == "SUCCEEDED", out
    assert json.loads(out["output"]) == expected
    assert sorted(_runs(sfn, execution)) == sorted(runs)  # the same runs, redriven; none started anew
    for run, children in before.items():
        assert set(_children(sfn, run)) == set(children)
    for child in failed:
        described = sfn.describe_execution(executionArn=child)
        assert (described["status"], described["redriveCount"]) == ("SUCCEEDED", 1)
