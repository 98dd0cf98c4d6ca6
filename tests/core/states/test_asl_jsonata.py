"""JSONata states: Arguments, Output, Condition, Items, Assign, $states, the functions
Step Functions adds, and the same workflow in both query languages giving one output.
Skipped where the JSONata library (jsonatapy) is not installed."""

from __future__ import annotations

import json
import random
from typing import Any

import pytest

pytest.importorskip("jsonatapy")

from eventyard.core.states import EndExecution, Execution, InvokeTask, TaskSucceeded, advance, parse_definition, start  # noqa: E402
from eventyard.core.states.jsonata import compile_expression, UNDEFINED  # noqa: E402

EXECUTION = Execution("arn:aws:states:us-east-1:000000000000:execution:sm:e", "e",
                      "arn:aws:states:us-east-1:000000000000:stateMachine:sm", "sm",
                      "arn:aws:iam::000000000000:role/r", "{}", "2024-01-01T00:00:00.000Z", "seed")
SQS = "arn:aws:states:::sqs:sendMessage"


def run(definition: dict[str, Any], value: Any, answer: Any = None) -> EndExecution:
    machine = parse_definition(json.dumps(definition))
    step = start(machine, Execution(**{**EXECUTION.__dict__, "input_text": json.dumps(value)}), 1000)
    for _ in range(50):
        ends = [e for e in step.effects if isinstance(e, EndExecution)]
        if ends:
            return ends[-1]
        task = [e for e in step.effects if isinstance(e, InvokeTask)][-1]
        step = advance(machine, step.state, TaskSucceeded(task.task_id, answer(task.parameters), 1000))
    raise AssertionError("no end")


def test_step_functions_functions() -> None:
    states = {"input": {"xs": [1, 2, 3, 4, 5]}}
    rng = random.Random(1)
    assert compile_expression("$partition($states.input.xs, 2)").evaluate(states, {}, rng) == [[1, 2], [3, 4], [5]]
    assert compile_expression("$range(1, 9, 2)").evaluate(states, {}, rng) == [1, 3, 5, 7, 9]
    assert compile_expression("$hash('input data', 'SHA-1')").evaluate(states, {}, rng) == \
        "aaff4a450a104cd177d28d18d74485e8cae074b7"
    assert compile_expression("$parse('{\"a\": [1]}')").evaluate(states, {}, rng) == {"a": [1]}
    value = compile_expression("$random()").evaluate(states, {}, random.Random(3))
    assert value == compile_expression("$random()").evaluate(states, {}, random.Random(3))
    assert 0 <= value < 1
    assert len(compile_expression("$uuid()").evaluate(states, {}, rng)) == 36
    assert compile_expression("$states.input.nope").evaluate(states, {}, rng) is UNDEFINED
    assert compile_expression("$v + 1").evaluate(states, {"v": 2}, rng) == 3


def test_arguments_output_assign_and_conditions() -> None:
    definition = {"QueryLanguage": "JSONata", "StartAt": "T", "States": {
        "T": {"Type": "Task", "Resource": SQS,
              "Arguments": {"QueueUrl": "q", "MessageBody": "{% $states.input.order %}"},
              "Assign": {"sent": "{% $states.result.MessageId %}"},
              "Output": {"order": "{% $states.input.order %}", "id": "{% $states.result.MessageId %}"},
              "Next": "C"},
        "C": {"Type": "Choice", "Choices": [
            {"Condition": "{% $states.input.order.total > 100 %}", "Next": "Big",
             "Output": {"size": "big", "sent": "{% $sent %}"}}], "Default": "Small"},
        "Big": {"Type": "Succeed"},
        "Small": {"Type": "Pass", "Output": {"size": "small"}, "End": True}}}
    end = run(definition, {"order": {"total": 150}}, lambda p: {"MessageId": "m-" + str(p["MessageBody"]["total"])})
    assert end == EndExecution("SUCCEEDED", output='{"size":"big","sent":"m-150"}')
    end = run(definition, {"order": {"total": 5}}, lambda p: {"MessageId": "m"})
    assert end == EndExecution("SUCCEEDED", output='{"size":"small"}')


def test_undefined_fails_with_query_evaluation_error() -> None:
    definition = {"QueryLanguage": "JSONata", "StartAt": "P", "States": {
        "P": {"Type": "Pass", "Output": {"v": "{% $states.input.absent %}"}, "End": True}}}
    end = run(definition, {})
    assert end.error == "States.QueryEvaluationError"
    assert end.cause == ("An error occurred while executing the state 'P' (entered at the event id #2). "
                         "The JSONata expression '$states.input.absent' specified for the field 'Output/v' returned "
                         "nothing (undefined).")


def test_map_items_and_catch_error_output() -> None:
    definition = {"QueryLanguage": "JSONata", "StartAt": "M", "States": {
        "M": {"Type": "Map", "Items": "{% $states.input.xs %}",
              "ItemSelector": {"v": "{% $states.context.Map.Item.Value * 10 %}"},
              "ItemProcessor": {"StartAt": "F", "States": {
                  "F": {"Type": "Pass", "Output": "{% $states.input.v + 1 %}", "End": True}}},
              "Next": "Boom"},
        "Boom": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:sqs:sendMessage",
                 "Arguments": {"x": "{% $states.input %}"},
                 "Catch": [{"ErrorEquals": ["States.ALL"], "Output": {"err": "{% $states.errorOutput.Error %}",
                                                                       "was": "{% $states.input %}"},
                            "Next": "Done"}], "End": True},
        "Done": {"Type": "Succeed"}}}
    machine = parse_definition(json.dumps(definition))
    step = start(machine, Execution(**{**EXECUTION.__dict__, "input_text": '{"xs":[1,2]}'}), 1000)
    task = [e for e in step.effects if isinstance(e, InvokeTask)][-1]
    assert task.parameters == {"x": [11, 21]}
    from eventyard.core.states import TaskFailed
    step = advance(machine, step.state, TaskFailed(task.task_id, "Oops", "c", 2000))
    assert [e for e in step.effects if isinstance(e, EndExecution)] == [
        EndExecution("SUCCEEDED", output='{"err":"Oops","was":[11,21]}')]


JSONPATH_WORKFLOW = {"StartAt": "Prepare", "States": {
    "Prepare": {"Type": "Pass", "Parameters": {"id.$": "$.order.id", "items.$": "$.order.items"}, "Next": "Each"},
    "Each": {"Type": "Map", "ItemsPath": "$.items", "ItemProcessor": {"StartAt": "Price", "States": {
        "Price": {"Type": "Pass", "Parameters": {"sku.$": "$.sku", "total.$": "States.MathAdd($.price, $.tax)"},
                  "End": True}}}, "ResultPath": "$.priced", "Next": "Pick"},
    "Pick": {"Type": "Choice", "Choices": [{"Variable": "$.id", "StringMatches": "vip-*", "Next": "Vip"}],
             "Default": "Plain"},
    "Vip": {"Type": "Pass", "Parameters": {"id.$": "$.id", "priced.$": "$.priced", "vip": True}, "End": True},
    "Plain": {"Type": "Pass", "Parameters": {"id.$": "$.id", "priced.$": "$.priced", "vip": False}, "End": True}}}

JSONATA_WORKFLOW = {"QueryLanguage": "JSONata", "StartAt": "Prepare", "States": {
    "Prepare": {"Type": "Pass", "Output": {"id": "{% $states.input.order.id %}",
                                           "items": "{% $states.input.order.items %}"}, "Next": "Each"},
    "Each": {"Type": "Map", "Items": "{% $states.input.items %}", "ItemProcessor": {"StartAt": "Price", "States": {
        "Price": {"Type": "Pass", "Output": {"sku": "{% $states.input.sku %}",
                                             "total": "{% $states.input.price + $states.input.tax %}"},
                  "End": True}}},
             "Output": "{% $merge([$states.input, {'priced': $states.result}]) %}", "Next": "Pick"},
    "Pick": {"Type": "Choice", "Choices": [{"Condition": "{% $contains($states.input.id, /^vip-/) %}",
                                            "Next": "Vip"}], "Default": "Plain"},
    "Vip": {"Type": "Pass", "Output": {"id": "{% $states.input.id %}", "priced": "{% $states.input.priced %}",
                                       "vip": True}, "End": True},
    "Plain": {"Type": "Pass", "Output": {"id": "{% $states.input.id %}", "priced": "{% $states.input.priced %}",
                                         "vip": False}, "End": True}}}


@pytest.mark.parametrize("order_id", ["vip-1", "o-2"])
def test_one_workflow_in_both_query_languages_gives_one_output(order_id: str) -> None:
    value = {"order": {"id": order_id, "items": [{"sku": "a", "price": 3, "tax": 1}, {"sku": "b", "price": 5,
                                                                                      "tax": 2}]}}
    assert run(JSONPATH_WORKFLOW, value) == run(JSONATA_WORKFLOW, value)
    assert json.loads(run(JSONATA_WORKFLOW, value).output or "") == {
        "id": order_id, "priced": [{"sku": "a", "total": 4}, {"sku": "b", "total": 7}],
        "vip": order_id.startswith("vip")}


def test_jsonata_syntax_errors_are_definition_errors() -> None:
    from eventyard.core.states import validate_definition
    found = validate_definition(json.dumps({"QueryLanguage": "JSONata", "StartAt": "P", "States": {
        "P": {"Type": "Pass", "Output": "{% ( %}", "End": True}}}))
    assert [(d.code, d.location) for d in found] == [("SCHEMA_VALIDATION_FAILED", "/States/P/Output")]


def test_a_query_error_records_an_evaluation_failed_event() -> None:
    machine = parse_definition(json.dumps({"QueryLanguage": "JSONata", "StartAt": "P", "States": {
        "P": {"Type": "Pass", "Output": {"v": "{% $states.input.absent %}"}, "End": True}}}))
    step = start(machine, EXECUTION, 1000)
    failed = [e for e in step.events if e["type"] == "EvaluationFailed"]
    assert failed and failed[0]["evaluationFailedEventDetails"]["state"] == "P"
    assert failed[0]["evaluationFailedEventDetails"]["location"] == "Output/v"
