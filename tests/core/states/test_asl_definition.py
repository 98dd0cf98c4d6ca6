"""Definition checks, with the diagnostics AWS recorded (LocalStack's
test_sfn_api_validation snapshots; errors quoted from CreateStateMachine)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from eventyard.core.states import DefinitionInvalid, parse_definition, validate_definition

PASS = {"StartAt": "Pass", "States": {"Pass": {"Type": "Pass", "End": True}}}


def diagnostics(definition: Any, machine_type: str = "STANDARD") -> list[dict[str, str]]:
    text = definition if isinstance(definition, str) else json.dumps(definition)
    return [d.as_api() for d in validate_definition(text, machine_type)]


# (source, definition, machine type, diagnostics) — recorded on AWS.
RECORDED: list[tuple[str, Any, str, list[dict[str, str]]]] = [
    ("not_a_definition[EMPTY_STRING]", "", "STANDARD",
     [{"code": "SCHEMA_VALIDATION_FAILED", "message": "Definition must be a valid JSON object", "severity": "ERROR"}]),
    ("not_a_definition[NOT_A_DEF]", "not a definition", "STANDARD",
     [{"code": "INVALID_JSON_DESCRIPTION", "location": "[Source: (String)\"not a definition\"; line: 1, column: 4]",
       "message": "Unrecognized token 'not': was expecting (JSON String, Number, Array, Object or token 'null', "
                  "'true' or 'false')\n at [Source: (String)\"not a definition\"; line: 1, column: 4]",
       "severity": "ERROR"}]),
    ("not_a_definition[EMPTY_DICT]", {}, "STANDARD",
     [{"code": "SCHEMA_VALIDATION_FAILED", "location": "/", "message": "These fields are required: [States, StartAt]",
       "severity": "ERROR"}]),
    ("type_standard[VALID_BASE_PASS]", PASS, "STANDARD", []),
    ("type_express[VALID_BASE_PASS]", PASS, "EXPRESS", []),
    ("type_standard[INVALID_BASE_NO_STARTAT]", {"States": PASS["States"]}, "STANDARD",
     [{"code": "SCHEMA_VALIDATION_FAILED", "location": "/", "message": "These fields are required: [StartAt]",
       "severity": "ERROR"}]),
    ("type_express[INVALID_BASE_NO_STARTAT]", {"States": PASS["States"]}, "EXPRESS",
     [{"code": "SCHEMA_VALIDATION_FAILED", "location": "/", "message": "These fields are required: [StartAt]",
       "severity": "ERROR"}]),
    ("type_express[ILLEGAL_WFTT]",
     {"StartAt": "SendMessageWithWait", "States": {"SendMessageWithWait": {
         "Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
         "Parameters": {"QueueUrl": "q", "MessageBody": {"Token.$": "$$.Task.Token"}}, "End": True}}}, "EXPRESS",
     [{"code": "SCHEMA_VALIDATION_FAILED", "location": "/States/SendMessageWithWait/Resource",
       "message": "Express state machine does not support '.waitForTaskToken' service integration ",
       "severity": "ERROR"}]),
    ("type_standard[VALID_QUERY_LANGUAGE_PASS]", {**PASS, "QueryLanguage": "JSONPath"}, "STANDARD", []),
    ("type_standard[INVALID_DOWNGRADE_QUERY_LANGUAGE]",
     {"QueryLanguage": "JSONata", "StartAt": "Pass",
      "States": {"Pass": {"Type": "Pass", "QueryLanguage": "JSONPath", "End": True}}}, "STANDARD",
     [{"code": "SCHEMA_VALIDATION_FAILED", "location": "/States/Pass",
       "message": "'QueryLanguage' can not be 'JSONPath' if set to 'JSONata' for whole state machine",
       "severity": "ERROR"}]),
    ("type_express[INVALID_DOWNGRADE_QUERY_LANGUAGE]",
     {"QueryLanguage": "JSONata", "StartAt": "Pass",
      "States": {"Pass": {"Type": "Pass", "QueryLanguage": "JSONPath", "End": True}}}, "EXPRESS",
     [{"code": "SCHEMA_VALIDATION_FAILED", "location": "/States/Pass",
       "message": "'QueryLanguage' can not be 'JSONPath' if set to 'JSONata' for whole state machine",
       "severity": "ERROR"}]),
]


@pytest.mark.parametrize("source, definition, machine_type, expected", RECORDED, ids=[c[0] for c in RECORDED])
def test_recorded_diagnostics(source: str, definition: Any, machine_type: str,
                              expected: list[dict[str, str]]) -> None:
    assert diagnostics(definition, machine_type) == expected


# CreateStateMachine's InvalidDefinition messages quoted from AWS in public material.
QUOTED: list[tuple[Any, str]] = [
    ({"StartAt": "A", "States": {"A": {"Type": "Pass", "End": True}, "ExistingButInvalidState": {"Type": "Nope"}}},
     "Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: The field 'Type' should have one of these "
     "values: [Task, Wait, Pass, Succeed, Fail, Choice, Parallel, Map] at /States/ExistingButInvalidState/Type'"),
    ({"StartAt": "Validate", "States": {"Validate": {"Type": "Pass", "Next": "Transform"},
                                       "Trasform": {"Type": "Pass", "End": True}}},
     "Invalid State Machine Definition: ''MISSING_TRANSITION_TARGET: Missing 'Next' target: Transform at "
     "/States/Validate/Next', 'MISSING_TRANSITION_TARGET: State \"Trasform\" is not reachable. at "
     "/States/Trasform''"),
    ({"StartAt": "A", "States": {"A": {"Type": "Task", "Resource": "arn:aws:states:::dynamodb:query", "End": True}}},
     "Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: The resource provided "
     "arn:aws:states:::dynamodb:query is not recognized. The value is not a valid resource ARN, or the resource is "
     "not available in this region. at /States/A/Resource'"),
    ({"StartAt": "S", "States": {"S": {"Type": "Parallel", "Branches": [], "End": True}}},
     "Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: Value cannot be empty at /States/S/Branches'"),
    ({"StartAt": "A", "States": {"A": {"Type": "Pass", "Parameters": {"x.$": "x"}, "End": True}}},
     "Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: The value for the field 'x.$' must be a valid "
     "JSONPath or a valid intrinsic function call at /States/A/Parameters'"),
]


@pytest.mark.parametrize("definition, message", QUOTED)
def test_quoted_create_state_machine_messages(definition: Any, message: str) -> None:
    with pytest.raises(DefinitionInvalid) as invalid:
        parse_definition(json.dumps(definition))
    assert invalid.value.message == message


def test_express_refuses_sync_and_activities() -> None:
    sync = {"StartAt": "A", "States": {"A": {"Type": "Task", "Resource": "arn:aws:states:::states:startExecution.sync",
                                             "Parameters": {"StateMachineArn": "x"}, "End": True}}}
    assert diagnostics(sync, "EXPRESS")[0]["message"] == "Express state machine does not support '.sync' service " \
                                                        "integration "
    assert diagnostics(sync, "STANDARD") == []


VALID = [
    PASS,
    {"StartAt": "T", "TimeoutSeconds": 10, "States": {
        "T": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:f", "TimeoutSeconds": 5,
              "HeartbeatSeconds": 2, "Retry": [{"ErrorEquals": ["States.Timeout"], "MaxAttempts": 0},
                                               {"ErrorEquals": ["States.ALL"], "JitterStrategy": "FULL",
                                                "MaxDelaySeconds": 10}],
              "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.e", "Next": "F"}], "Next": "C"},
        "C": {"Type": "Choice", "Choices": [
            {"Variable": "$.a", "NumericGreaterThan": 1, "Next": "W"},
            {"And": [{"Variable": "$.b", "IsPresent": True}, {"Not": {"Variable": "$.b", "StringMatches": "x*"}}],
             "Next": "W"}], "Default": "S"},
        "W": {"Type": "Wait", "SecondsPath": "$.s", "Next": "P"},
        "P": {"Type": "Parallel", "Branches": [{"StartAt": "X", "States": {"X": {"Type": "Succeed"}}}], "Next": "M"},
        "M": {"Type": "Map", "ItemsPath": "$.items", "ItemSelector": {"i.$": "$$.Map.Item.Value"}, "MaxConcurrency": 2,
              "ItemProcessor": {"ProcessorConfig": {"Mode": "INLINE"},
                                "StartAt": "Y", "States": {"Y": {"Type": "Pass", "End": True}}}, "Next": "D"},
        "D": {"Type": "Map", "ItemReader": {"Resource": "arn:aws:states:::s3:getObject",
                                            "ReaderConfig": {"InputType": "JSON"},
                                            "Parameters": {"Bucket": "b", "Key": "k"}},
              "ItemBatcher": {"MaxItemsPerBatch": 10}, "ResultWriter": {"Resource": "arn:aws:states:::s3:putObject",
                                                                      "Parameters": {"Bucket": "b", "Prefix": "p"}},
              "ToleratedFailurePercentage": 5, "Label": "dist",
              "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "EXPRESS"},
                                "StartAt": "Z", "States": {"Z": {"Type": "Pass", "End": True}}}, "Next": "S"},
        "S": {"Type": "Succeed"},
        "F": {"Type": "Fail", "ErrorPath": "$.e.Error", "CausePath": "States.Format('c {}', $.e.Cause)"}}},
]


@pytest.mark.parametrize("definition", VALID)
def test_valid_definitions(definition: Any) -> None:
    assert diagnostics(definition) == []
    machine = parse_definition(json.dumps(definition))
    assert machine.start_at == definition["StartAt"]


def test_distributed_map_fields_are_parsed() -> None:
    machine = parse_definition(json.dumps(VALID[1]))
    dist = machine.states["D"]
    assert dist.distributed and dist.execution_type == "EXPRESS"
    assert dist.item_reader is not None and dist.item_reader["ReaderConfig"] == {"InputType": "JSON"}
    assert dist.item_batcher == {"MaxItemsPerBatch": 10}
    assert dist.result_writer is not None and dist.tolerated_failure_percentage == 5 and dist.label == "dist"
    task = machine.states["T"]
    assert [r.max_attempts for r in task.retry] == [0, 3]
    assert task.retry[1].jitter_strategy == "FULL" and task.retry[1].max_delay_seconds == 10


INVALID: list[tuple[dict[str, Any], str, str]] = [
    ({"StartAt": "A", "States": {"A": {"Type": "Pass"}}}, "SCHEMA_VALIDATION_FAILED", "/States/A"),
    ({"StartAt": "A", "States": {"A": {"Type": "Pass", "End": True, "Next": "A"}}}, "SCHEMA_VALIDATION_FAILED",
     "/States/A"),
    ({"StartAt": "B", "States": {"A": {"Type": "Pass", "End": True}}}, "MISSING_TRANSITION_TARGET", "/StartAt"),
    ({"StartAt": "A", "States": {"A": {"Type": "Choice", "Choices": [
        {"Variable": "$.x", "StringEquals": 1, "Next": "A"}]}}}, "SCHEMA_VALIDATION_FAILED",
     "/States/A/Choices[0]/StringEquals"),
    ({"StartAt": "A", "States": {"A": {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage",
                                       "Retry": [{"ErrorEquals": ["States.ALL", "X"]}], "End": True}}},
     "SCHEMA_VALIDATION_FAILED", "/States/A/Retry[0]/ErrorEquals"),
    ({"StartAt": "A", "States": {"A": {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage",
                                       "Retry": [{"ErrorEquals": ["X"], "BackoffRate": 0.5}], "End": True}}},
     "SCHEMA_VALIDATION_FAILED", "/States/A/Retry[0]/BackoffRate"),
    ({"StartAt": "A", "States": {"A": {"Type": "Wait", "Timestamp": "2016-03-14 01:59:00Z", "End": True}}},
     "SCHEMA_VALIDATION_FAILED", "/States/A/Timestamp"),
    ({"StartAt": "A", "States": {"A": {"Type": "Wait", "Seconds": 1, "SecondsPath": "$.s", "End": True}}},
     "SCHEMA_VALIDATION_FAILED", "/States/A"),
    ({"StartAt": "A", "States": {"A": {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage",
                                       "TimeoutSeconds": 5, "HeartbeatSeconds": 5, "End": True}}},
     "SCHEMA_VALIDATION_FAILED", "/States/A/HeartbeatSeconds"),
    ({"StartAt": "A", "States": {"A": {"Type": "Pass", "ResultPath": "$.a[*]", "End": True}}},
     "SCHEMA_VALIDATION_FAILED", "/States/A/ResultPath"),
    ({"StartAt": "A", "States": {"A": {"Type": "Parallel", "Branches": [
        {"StartAt": "X", "States": {"X": {"Type": "Pass", "Next": "Y"}}}], "End": True}}},
     "MISSING_TRANSITION_TARGET", "/States/A/Branches[0]/States/X/Next"),
    ({"QueryLanguage": "JSONata", "StartAt": "A", "States": {"A": {"Type": "Pass", "InputPath": "$", "End": True}}},
     "SCHEMA_VALIDATION_FAILED", "/States/A/InputPath"),
    ({"StartAt": "A", "States": {"A": {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage",
                                       "Catch": [{"ErrorEquals": ["States.Bogus"], "Next": "A"}], "End": True}}},
     "SCHEMA_VALIDATION_FAILED", "/States/A/Catch[0]/ErrorEquals"),
    ({"StartAt": "A", "States": {"A": {"Type": "Map", "ItemProcessor": {
        "StartAt": "X", "States": {"X": {"Type": "Pass", "End": True}}}, "ItemReader": {"Resource": "x"},
        "End": True}}}, "SCHEMA_VALIDATION_FAILED", "/States/A/ItemReader/Resource"),
]


@pytest.mark.parametrize("definition, code, location", INVALID)
def test_invalid_definitions_name_the_field(definition: dict[str, Any], code: str, location: str) -> None:
    found = diagnostics(definition)
    assert (code, location) in [(d["code"], d.get("location")) for d in found], found


def _map(extra: dict[str, Any], top: dict[str, Any] | None = None) -> dict[str, Any]:
    return {**(top or {}), "StartAt": "M", "States": {"M": {"Type": "Map", "ItemProcessor": {
        "StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}, "End": True, **extra}}}


# Locations as floci's ValidateStateMachineDefinition tests pin them.
@pytest.mark.parametrize("definition, location", [
    (_map({"MaxConcurrency": 2, "MaxConcurrencyPath": "$.limit"}), "/States/M/MaxConcurrency"),
    (_map({"MaxConcurrency": -1}), "/States/M/MaxConcurrency"),
    (_map({"MaxConcurrencyPath": "$.limit"}, {"QueryLanguage": "JSONata"}), "/States/M/MaxConcurrencyPath"),
    (_map({"MaxConcurrencyPath": "$.limits[*]"}), "/States/M/MaxConcurrencyPath"),
    (_map({"ItemReader": {"Resource": "arn:aws:states:::s3:unknownOperation", "ReaderConfig": {"InputType": "JSON"}}}),
     "/States/M/ItemReader/Resource"),
    (_map({"ItemReader": {"Resource": "arn:aws:states:::s3:getObject", "ReaderConfig": {"InputType": "UNSUPPORTED"}}}),
     "/States/M/ItemReader/ReaderConfig/InputType"),
])
def test_map_field_locations(definition: dict[str, Any], location: str) -> None:
    assert [d.get("location") for d in diagnostics(definition)] == [location]


@pytest.mark.parametrize("definition", [
    _map({"MaxConcurrency": "{% $states.input.limit %}"}, {"QueryLanguage": "JSONata"}),
    _map({"MaxConcurrency": 9223372036854775807}),
    _map({"ItemReader": {"Resource": "arn:aws:states:::s3:getObject", "ReaderConfig": {"InputType": "JSON"},
                         "Parameters": {"Bucket": "b", "Key": "k"}}}),  # accepted without DISTRIBUTED mode
])
def test_map_definitions_aws_accepts(definition: dict[str, Any]) -> None:
    if "QueryLanguage" in definition:
        pytest.importorskip("jsonatapy")
    assert diagnostics(definition) == []


def test_a_jsonata_state_names_each_jsonpath_field() -> None:
    found = diagnostics({"QueryLanguage": "JSONata", "StartAt": "X", "States": {"X": {
        "Type": "Pass", "End": True, "InputPath": "$.a", "OutputPath": "$.b", "ResultPath": "$.c"}}})
    assert [d["location"] for d in found] == ["/States/X/InputPath", "/States/X/OutputPath", "/States/X/ResultPath"]


def _task(**fields: Any) -> dict[str, Any]:
    return {"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage",
                                             "Parameters": {"QueueUrl": "q", "MessageBody": "m"},
                                             "End": True, **fields}, "C": {"Type": "Pass", "End": True}}}


# Messages a public CDK lint rule set quotes from CreateStateMachine (cdk_preflight's sfn rules).
@pytest.mark.parametrize("fields, message, location", [
    ({"Retry": [{"MaxAttempts": 1}]}, "These fields are required: [ErrorEquals]", "/States/T/Retry[0]"),
    ({"Retry": [{"ErrorEquals": []}]}, "Value cannot be empty", "/States/T/Retry[0]/ErrorEquals"),
    ({"Retry": [{"ErrorEquals": ["States.ALL", "X"]}]}, "States.ALL must appear alone and at end of list",
     "/States/T/Retry[0]/ErrorEquals"),
    ({"Retry": [{"ErrorEquals": ["States.ALL"]}, {"ErrorEquals": ["X"]}]},
     "States.ALL must appear alone and at end of list", "/States/T/Retry[0]/ErrorEquals"),
    ({"Retry": [{"ErrorEquals": ["X"], "JitterStrategy": "HALF"}]}, "Value should be one of the following: [NONE, FULL]",
     "/States/T/Retry[0]/JitterStrategy"),
    ({"Catch": [{"ErrorEquals": ["X"]}]}, "These fields are required: [Next]", "/States/T/Catch[0]"),
])
def test_retry_and_catch_messages(fields: dict[str, Any], message: str, location: str) -> None:
    definition = _task(**fields)
    if "Catch" not in fields or not all("Next" in c for c in fields["Catch"]):
        definition["States"].pop("C")
    found = diagnostics(definition)
    assert {"code": "SCHEMA_VALIDATION_FAILED", "message": message, "location": location,
            "severity": "ERROR"} in found, found


# More messages the same CDK lint rule set quotes from CreateStateMachine.
@pytest.mark.parametrize("definition, message, location", [
    ({"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "A", "End": True}}},
     "There should only be one of the following fields: [Next, End]", "/States/A"),
    ({"StartAt": "A", "States": {"A": {"Type": "Wait", "Seconds": 1, "Timestamp": "2020-01-01T00:00:00Z",
                                       "End": True}}},
     "There should only be one of the following fields: [SecondsPath, Seconds, TimestampPath, Timestamp]",
     "/States/A"),
    ({"StartAt": "A", "States": {"A": {"Type": "Fail", "Error": "E", "ErrorPath": "$.e"}}},
     "There should only be one of the following fields: [Error, ErrorPath]", "/States/A/ErrorPath"),
    ({"StartAt": "A", "States": {"A": {"Type": "Wait", "Seconds": -1, "End": True}}}, "Minimum value is 0",
     "/States/A/Seconds"),
    (_task(TimeoutSeconds=0), "Minimum value is 1", "/States/T/TimeoutSeconds"),
    (_task(Retry=[{"ErrorEquals": ["X"], "BackoffRate": 0.5}]), "Minimum value is 1",
     "/States/T/Retry[0]/BackoffRate"),
    (_task(Resource="not-an-arn"), "Value is not a valid resource ARN", "/States/T/Resource"),
    (_task(Bogus=1), "Field 'Bogus' is not supported", "/States/T/Bogus"),
    (_map({"ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED"}, "StartAt": "P",
                             "States": {"P": {"Type": "Pass", "End": True}}}}),
     "These fields are required: [ExecutionType]", "/States/M/ItemProcessor/ProcessorConfig"),
])
def test_quoted_schema_messages(definition: dict[str, Any], message: str, location: str) -> None:
    found = [(d["message"], d.get("location")) for d in diagnostics(definition)]
    assert (message, location) in found, found


# Ranges the same rule set measured with ValidateStateMachineDefinition (2026-09-05).
@pytest.mark.parametrize("definition, found", [
    (_task(Retry=[{"ErrorEquals": ["X"], "IntervalSeconds": 0}]), []),
    ({**_task(), "TimeoutSeconds": 0}, []),
    (_task(HeartbeatSeconds=100_000_000), [("Maximum value is 99999999", "/States/T/HeartbeatSeconds")]),
    (_task(Retry=[{"ErrorEquals": ["X"], "MaxDelaySeconds": 31_622_401}]),
     [("Maximum value is 31622400", "/States/T/Retry[0]/MaxDelaySeconds")]),
    (_task(TimeoutSeconds="5"), [("Expected value of type Integer", "/States/T/TimeoutSeconds")]),
    (_map({"ToleratedFailurePercentage": 101}), [("Maximum value is 100", "/States/M/ToleratedFailurePercentage")]),
])
def test_measured_ranges(definition: dict[str, Any], found: list[tuple[str, str]]) -> None:
    definition["States"].pop("C", None)
    assert [(d["message"], d.get("location")) for d in diagnostics(definition)] == found


@pytest.mark.parametrize("definition, code, message, location", [
    (_task(InputPath="a"), "SCHEMA_VALIDATION_FAILED", "Value must be a valid JSONPath.", "/States/T/InputPath"),
    (_task(ResultPath="a"), "SCHEMA_VALIDATION_FAILED",
     "Value is not a Reference Path: Reference path didn't start with '$'", "/States/T/ResultPath"),
    (_task(ResultPath="$.a[*]"), "SCHEMA_VALIDATION_FAILED", "Value is not a Reference Path", "/States/T/ResultPath"),
    ({"StartAt": "C", "States": {"C": {"Type": "Choice", "Choices": [
        {"Variable": "a", "IsNull": True, "Next": "D"}]}, "D": {"Type": "Succeed"}}}, "SCHEMA_VALIDATION_FAILED",
     "Value is not a Reference Path: Reference path didn't start with '$'", "/States/C/Choices[0]/Variable"),
    ({"StartAt": "A", "States": {"A": {"Type": "Pass", "Assign": {"states": 1}, "End": True}}},
     "RESERVED_VARIABLE_NAME", "Cannot assign to reserved variable '$states'.", "/States/A/Assign/states"),
    ({"StartAt": "A", "States": {"A": {"Type": "Pass", "Assign": {"a-b": 1}, "End": True}}},
     "INVALID_VARIABLE_NAME", "Invalid variable name 'a-b': the variable name contains invalid characters.",
     "/States/A/Assign/a-b"),
])
def test_path_and_variable_messages(definition: dict[str, Any], code: str, message: str, location: str) -> None:
    definition["States"].pop("C", None) if "T" in definition["States"] else None
    found = diagnostics(definition)
    assert {"code": code, "message": message, "location": location, "severity": "ERROR"} in found, found


def test_a_workflow_without_a_terminal_state() -> None:
    found = diagnostics({"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "B"},
                                                    "B": {"Type": "Pass", "Next": "A"}}})
    assert ("MISSING_END_STATE", "Workflow has no terminal state") in [(d["code"], d["message"]) for d in found]


def test_every_missing_transition_is_called_next() -> None:
    found = diagnostics({"StartAt": "C", "States": {"C": {"Type": "Choice", "Choices": [
        {"Variable": "$.x", "IsNull": True, "Next": "S"}], "Default": "Nowhere"}, "S": {"Type": "Succeed"}}})
    assert [(d["message"], d["location"]) for d in found] == [("Missing 'Next' target: Nowhere", "/States/C/Default")]


@pytest.mark.parametrize("definition, message", [
    ({"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage", "End": True}}},
     "Parameters field is required for resource ARN: arn:aws:states:::sqs:sendMessage"),
    ({"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage",
                                       "Parameters": {"QueueUrl": "q"}, "End": True}}},
     "The field 'MessageBody' is required but was missing"),
    ({"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                                       "Parameters": {"Payload.$": "$"}, "End": True}}},
     "The field 'FunctionName' is required but was missing"),
])
def test_integrations_need_their_required_fields(definition: dict[str, Any], message: str) -> None:
    assert [(d["message"], d["location"]) for d in diagnostics(definition)] == [(message, "/States/T")]


def _reader(config: dict[str, Any], resource: str = "arn:aws:states:::s3:getObject") -> dict[str, Any]:
    return _map({"ItemReader": {"Resource": resource, "ReaderConfig": config,
                                "Parameters": {"Bucket": "b", "Key": "k"}},
                 "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                                   "StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}})


# Distributed Map messages quoted by the same public lint rule set.
@pytest.mark.parametrize("definition, message, location", [
    (_reader({"InputType": "JSON"}, "arn:aws:states:::s3:putObject"),
     "The field 'Resource' does not match any of the allowed values", "/States/M/ItemReader/Resource"),
    (_reader({"InputType": "CSV"}), "The field 'CSVHeaderLocation' is required", "/States/M/ItemReader/ReaderConfig"),
    (_reader({"InputType": "JSON", "CSVHeaderLocation": "FIRST_ROW"}), "Field 'CSVHeaderLocation' is not supported",
     "/States/M/ItemReader/ReaderConfig/CSVHeaderLocation"),
    (_reader({"InputType": "CSV", "CSVHeaderLocation": "GIVEN"}), "These fields are required: [CSVHeaders]",
     "/States/M/ItemReader/ReaderConfig"),
    (_map({"ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "LOCAL"}, "StartAt": "P",
                             "States": {"P": {"Type": "Pass", "End": True}}}}),
     "Value should be one of the following: [STANDARD, EXPRESS]",
     "/States/M/ItemProcessor/ProcessorConfig/ExecutionType"),
    (_map({"ItemProcessor": {"ProcessorConfig": {"Mode": "INLINE", "ExecutionType": "EXPRESS"}, "StartAt": "P",
                             "States": {"P": {"Type": "Pass", "End": True}}}}),
     "Field 'ExecutionType' is not supported", "/States/M/ItemProcessor/ProcessorConfig/ExecutionType"),
])
def test_distributed_map_messages(definition: dict[str, Any], message: str, location: str) -> None:
    assert [(d["message"], d["location"]) for d in diagnostics(definition)] == [(message, location)]
