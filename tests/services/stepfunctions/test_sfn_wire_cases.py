"""Issue 15's named wire cases not covered elsewhere, through boto3 on both backends: a
``Map`` of 1,000 items under ``MaxConcurrency``, and one workflow written in JSONPath and
in JSONata giving the same output through StartExecution. (The EventBridge rule starting
executions is ``test_sfn_executions.test_an_eventbridge_rule_starts_executions``.)"""

from __future__ import annotations

import json
from typing import Any

import pytest

from _clients import client
from test_sfn_executions import ended, history, machine, new_account


@pytest.fixture
def sfn(server: Any) -> Any:
    return client("stepfunctions", server.url, account=new_account())


def test_a_map_of_1000_items_with_max_concurrency(sfn: Any) -> None:
    arn = machine(sfn, {"StartAt": "Each", "States": {
        "Each": {"Type": "Map", "ItemsPath": "$.items", "MaxConcurrency": 10,
                 "ItemSelector": {"n.$": "$$.Map.Item.Value", "at.$": "$$.Map.Item.Index"},
                 "ItemProcessor": {"ProcessorConfig": {"Mode": "INLINE"}, "StartAt": "Tag", "States": {
                     "Tag": {"Type": "Pass", "Parameters": {"sum.$": "States.MathAdd($.n, $.at)"}, "Next": "Out"},
                     "Out": {"Type": "Pass", "OutputPath": "$.sum", "End": True}}},
                 "End": True}}})
    started = sfn.start_execution(stateMachineArn=arn, input=json.dumps({"items": list(range(1000))}))
    out = ended(sfn, started["executionArn"], timeout=300)
    assert out["status"] == "SUCCEEDED", out
    assert json.loads(out["output"]) == [2 * n for n in range(1000)]
    events = sfn.get_execution_history(executionArn=started["executionArn"], reverseOrder=True, maxResults=3)
    assert events["events"][0]["type"] == "ExecutionSucceeded"
    first = [e["type"] for e in history(sfn, started["executionArn"])]
    assert first[:4] == ["ExecutionStarted", "MapStateEntered", "MapStateStarted", "MapIterationStarted"]
    # MaxConcurrency 10: the first iterations started before any succeeded are at most 10
    before_first_end = first[:first.index("MapIterationSucceeded")]
    assert 1 <= before_first_end.count("MapIterationStarted") <= 10


JSONPATH_ORDER = {
    "StartAt": "Price",
    "States": {
        "Price": {"Type": "Pass", "Parameters": {"lines.$": "$.lines", "customer.$": "$.customer"},
                  "Next": "Lines"},
        "Lines": {"Type": "Map", "ItemsPath": "$.lines", "ResultPath": "$.totals",
                  "ItemProcessor": {"StartAt": "Line", "States": {
                      "Line": {"Type": "Pass", "Parameters": {"sku.$": "$.sku",
                                                              "total.$": "States.MathAdd($.price, $.price)"},
                               "End": True}}},
                  "Next": "Big"},
        "Big": {"Type": "Choice", "Choices": [
            {"Variable": "$.customer.vip", "BooleanEquals": True, "Next": "Vip"}], "Default": "Plain"},
        "Vip": {"Type": "Pass", "Parameters": {"who.$": "$.customer.name", "totals.$": "$.totals",
                                               "tier": "vip"}, "End": True},
        "Plain": {"Type": "Pass", "Parameters": {"who.$": "$.customer.name", "totals.$": "$.totals",
                                                 "tier": "plain"}, "End": True},
    },
}

JSONATA_ORDER = {
    "QueryLanguage": "JSONata",
    "StartAt": "Price",
    "States": {
        "Price": {"Type": "Pass", "Output": {"lines": "{% $states.input.lines %}",
                                             "customer": "{% $states.input.customer %}"}, "Next": "Lines"},
        "Lines": {"Type": "Map", "Items": "{% $states.input.lines %}",
                  "Output": "{% $merge([$states.input, {'totals': $states.result}]) %}",
                  "ItemProcessor": {"StartAt": "Line", "States": {
                      "Line": {"Type": "Pass", "Output": {"sku": "{% $states.input.sku %}",
                                                         "total": "{% $states.input.price * 2 %}"},
                               "End": True}}},
                  "Next": "Big"},
        "Big": {"Type": "Choice", "Choices": [
            {"Condition": "{% $states.input.customer.vip = true %}", "Next": "Vip"}], "Default": "Plain"},
        "Vip": {"Type": "Pass", "Output": {"who": "{% $states.input.customer.name %}",
                                           "totals": "{% $states.input.totals %}", "tier": "vip"}, "End": True},
        "Plain": {"Type": "Pass", "Output": {"who": "{% $states.input.customer.name %}",
                                             "totals": "{% $states.input.totals %}", "tier": "plain"}, "End": True},
    },
}


@pytest.mark.parametrize("vip", [True, False])
def test_the_same_workflow_in_jsonpath_and_jsonata_gives_the_same_output(sfn: Any, vip: bool) -> None:
    order = {"customer": {"name": "ada", "vip": vip}, "lines": [{"sku": "a", "price": 3}, {"sku": "b", "price": 5}]}
    outputs = []
    for definition in (JSONPATH_ORDER, JSONATA_ORDER):
        arn = machine(sfn, definition)
        out = ended(sfn, sfn.start_execution(stateMachineArn=arn, input=json.dumps(order))["executionArn"])
        assert out["status"] == "SUCCEEDED", out
        outputs.append(out["output"])
    assert json.loads(outputs[0]) == {"who": "ada", "totals": [{"sku": "a", "total": 6}, {"sku": "b", "total": 10}],
                                      "tier": "vip" if vip else "plain"}
    assert outputs[0] == outputs[1]  # the same text, key order included
