"""AWS JSON 1.0 / 1.1: eventyard agrees with botocore's own serializer and parser.

Request: random valid input -> botocore JSONSerializer -> eventyard ``json_protocol.parse``
must give the input back. Response: random valid output -> eventyard
``json_protocol.serialize`` -> botocore JSONParser must give the output back.
"""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from botocore.awsrequest import HeadersDict
from botocore.parsers import create_parser
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import _shapes_strategies as shapes

from eventyard.api import catalog, json_protocol
from eventyard.api.errors import WireError, render_json
from eventyard.api.http import HttpResponse

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

REQUESTS = [
    ("events", "CreateEventBus"),
    ("events", "PutEvents"),
    ("events", "PutRule"),
    ("events", "PutTargets"),
    ("events", "ListEventBuses"),
    ("sqs", "SendMessage"),
    ("sqs", "SendMessageBatch"),
    ("sqs", "ReceiveMessage"),
    ("sqs", "SetQueueAttributes"),
    ("sqs", "TagQueue"),
    ("stepfunctions", "StartExecution"),
    ("stepfunctions", "CreateStateMachine"),
    ("stepfunctions", "UpdateMapRun"),  # the float members
]

RESPONSES = [
    ("events", "CreateEventBus"),
    ("events", "PutEvents"),
    ("events", "PutRule"),
    ("events", "PutTargets"),
    ("events", "ListEventBuses"),
    ("events", "DescribeEventBus"),
    ("sqs", "SendMessage"),
    ("sqs", "SendMessageBatch"),
    ("sqs", "ReceiveMessage"),
    ("sqs", "GetQueueAttributes"),
    ("sqs", "ListQueueTags"),
    ("stepfunctions", "StartExecution"),
    ("stepfunctions", "CreateStateMachine"),
    ("stepfunctions", "DescribeExecution"),
    ("stepfunctions", "DescribeMapRun"),  # float and long members
]


@pytest.mark.parametrize(("service", "name"), REQUESTS, ids=[f"{s}.{n}" for s, n in REQUESTS])
@SETTINGS
@given(data=st.data())
def test_botocore_request_parses_back(service: str, name: str, data: st.DataObject) -> None:
    op = shapes.operation(service, name)
    params = data.draw(shapes.values(op.input_shape), label="input")
    request = shapes.botocore_request("json", op, params)
    assert request.header("x-amz-target") == f"{op.service_model.metadata['targetPrefix']}.{name}"
    parsed = json_protocol.parse(request, op)
    shapes.assert_same(parsed, params, op.input_shape)


@pytest.mark.parametrize(("service", "name"), RESPONSES, ids=[f"{s}.{n}" for s, n in RESPONSES])
@SETTINGS
@given(data=st.data())
def test_response_parses_in_botocore(service: str, name: str, data: st.DataObject) -> None:
    op = shapes.operation(service, name)
    result = data.draw(shapes.values(op.output_shape), label="output")
    response = json_protocol.serialize(result, op, "req-1")
    assert response.status == 200
    parsed = shapes.botocore_parse("json", op.output_shape, response)
    shapes.assert_same(parsed, result, op.output_shape)


def test_response_without_output_shape_is_an_empty_object() -> None:
    op = shapes.operation("sqs", "SetQueueAttributes")
    response = json_protocol.serialize(None, op, "req-1")
    assert orjson.loads(response.body) == {}
    assert shapes.botocore_parse("json", op.output_shape, response) == {}


def test_json_versions_follow_the_model() -> None:
    events = shapes.operation("events", "PutEvents")
    sqs = shapes.operation("sqs", "SendMessage")
    assert dict(json_protocol.serialize({}, events, "r").headers)["Content-Type"] == "application/x-amz-json-1.1"
    assert dict(json_protocol.serialize({}, sqs, "r").headers)["Content-Type"] == "application/x-amz-json-1.0"


# -- errors ------------------------------------------------------------------------
def _parse_error(service: str, op_name: str, err: WireError) -> tuple[HttpResponse, dict[str, Any]]:
    """``err`` as eventyard renders it, and as botocore's JSON parser reads it."""
    spec = catalog.service(service)
    op = spec.operations[op_name]
    response = render_json(err, spec, "req-9", json_protocol.content_type(op))
    headers = HeadersDict()
    for key, value in response.headers:
        headers[key] = value
    return response, create_parser("json").parse(
        {"status_code": response.status, "headers": headers, "body": response.body}, op.output_shape
    )


def test_json_error_code_and_message() -> None:
    err = WireError("ResourceNotFoundException", "Event bus missing does not exist.")
    response, parsed = _parse_error("events", "DescribeEventBus", err)
    assert response.status == 400
    assert parsed["Error"]["Code"] == "ResourceNotFoundException"
    assert parsed["Error"]["Message"] == "Event bus missing does not exist."
    assert parsed["ResponseMetadata"]["RequestId"] == "req-9"


def test_sqs_json_error_reports_the_legacy_query_code() -> None:
    # SQS is awsQueryCompatible: boto3 reports the code from x-amzn-query-error.
    err = WireError(
        "QueueDoesNotExist",
        "The specified queue does not exist.",
        query_code="AWS.SimpleQueueService.NonExistentQueue",
    )
    response, parsed = _parse_error("sqs", "GetQueueUrl", err)
    assert dict(response.headers)["x-amzn-query-error"] == "AWS.SimpleQueueService.NonExistentQueue;Sender"
    assert parsed["Error"]["Code"] == "AWS.SimpleQueueService.NonExistentQueue"
    assert parsed["Error"]["QueryErrorCode"] == "QueueDoesNotExist"
    assert parsed["Error"]["Type"] == "Sender"
    assert parsed["Error"]["Message"] == "The specified queue does not exist."


def test_sqs_json_server_fault_is_receiver() -> None:
    err = WireError("InternalFailure", "boom", 500, sender_fault=False)
    response, parsed = _parse_error("sqs", "SendMessage", err)
    assert dict(response.headers)["x-amzn-query-error"] == "InternalFailure;Receiver"
    assert parsed["Error"]["Code"] == "InternalFailure"
    assert parsed["Error"]["Type"] == "Receiver"
