"""rest-json (Lambda, Scheduler, Pipes): eventyard agrees with botocore's RestJSON serializer and parser.

Request: random valid input -> botocore RestJSONSerializer (URI labels, query string,
JSON body) -> eventyard ``match`` must find the same operation and ``parse`` must give
the input back. Response: random valid output -> eventyard ``serialize`` -> botocore
RestJSONParser must give the output back.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.awsrequest import HeadersDict
from botocore.model import Shape
from botocore.parsers import create_parser
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import _shapes_strategies as shapes

from eventyard.api import rest_json_protocol
from eventyard.api.errors import WireError, render_rest_json

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

REQUESTS = [
    ("scheduler", "CreateSchedule"),
    ("scheduler", "GetSchedule"),
    ("scheduler", "UpdateSchedule"),
    ("scheduler", "DeleteSchedule"),
    ("scheduler", "ListSchedules"),
    ("scheduler", "ListScheduleGroups"),
    ("scheduler", "TagResource"),
    ("scheduler", "UntagResource"),
    ("scheduler", "ListTagsForResource"),
    ("pipes", "CreatePipe"),
    ("pipes", "DescribePipe"),
    ("pipes", "UpdatePipe"),
    ("pipes", "ListPipes"),
    ("pipes", "TagResource"),
    ("pipes", "UntagResource"),
    ("lambda", "CreateFunction"),
    ("lambda", "Invoke"),
    ("lambda", "GetFunction"),
    ("lambda", "ListFunctions"),
    ("lambda", "AddPermission"),
    ("lambda", "RemovePermission"),
    ("lambda", "UpdateAlias"),
    ("lambda", "PutFunctionConcurrency"),
    ("lambda", "GetFunctionConcurrency"),
    ("lambda", "ListTags"),
    ("lambda", "UntagResource"),
    ("lambda", "PublishLayerVersion"),
    ("lambda", "GetLayerVersion"),
    ("lambda", "GetLayerVersionByArn"),
]

RESPONSES = [
    ("scheduler", "CreateSchedule"),
    ("scheduler", "GetSchedule"),
    ("scheduler", "DeleteSchedule"),
    ("scheduler", "ListSchedules"),
    ("scheduler", "ListTagsForResource"),
    ("pipes", "CreatePipe"),
    ("pipes", "DescribePipe"),
    ("pipes", "ListPipes"),
    ("pipes", "ListTagsForResource"),
    # Invoke's answer (a status chosen by the service, a streamed payload): its wire tests
    ("lambda", "CreateFunction"),
    ("lambda", "GetFunction"),
    ("lambda", "ListFunctions"),
    ("lambda", "GetPolicy"),
    ("lambda", "GetAccountSettings"),
    ("lambda", "CreateFunctionUrlConfig"),
]


def _unsent(value: Any, shape: Shape) -> bool:
    # An empty list in the query string is no key at all (``?`` has no way to say []);
    # an empty raw payload (Lambda's Invoke) is no body at all.
    return (shape.serialization.get("location") == "querystring" and value == []) or \
        (shape.type_name == "blob" and value == b"")


@pytest.mark.parametrize(("service", "name"), REQUESTS, ids=[f"{s}.{n}" for s, n in REQUESTS])
@SETTINGS
@given(data=st.data())
def test_botocore_request_routes_and_parses_back(service: str, name: str, data: st.DataObject) -> None:
    op = shapes.operation(service, name)
    params = data.draw(shapes.values(op.input_shape), label="input")
    request = shapes.botocore_request("rest-json", op, params)
    found = rest_json_protocol.match(shapes.service_model(service), request)
    assert found is not None, f"{request.method} {request.path}?{request.query} matched nothing"
    matched, labels = found
    assert matched.name == name
    parsed = rest_json_protocol.parse(request, matched, labels)
    shapes.assert_same(parsed, params, op.input_shape, _unsent)


@pytest.mark.parametrize(("service", "name"), RESPONSES, ids=[f"{s}.{n}" for s, n in RESPONSES])
@SETTINGS
@given(data=st.data())
def test_response_parses_in_botocore(service: str, name: str, data: st.DataObject) -> None:
    op = shapes.operation(service, name)
    result = data.draw(shapes.values(op.output_shape), label="output")
    response = rest_json_protocol.serialize(result, op, "req-1")
    assert response.status == int(op.http.get("responseCode", 200))
    parsed = shapes.botocore_parse("rest-json", op.output_shape, response)
    shapes.assert_same(parsed, result, op.output_shape)


def test_labels_with_reserved_characters_route_to_the_same_operation() -> None:
    op = shapes.operation("scheduler", "TagResource")
    arn = "arn:aws:scheduler:us-east-1:000000000000:schedule-group/a.b-c_d"
    request = shapes.botocore_request("rest-json", op, {"ResourceArn": arn, "Tags": [{"Key": "k", "Value": "v"}]})
    assert "%2F" in request.path  # botocore escapes '/' inside a non-greedy label
    found = rest_json_protocol.match(shapes.service_model("scheduler"), request)
    assert found is not None
    assert found[1] == {"ResourceArn": arn}


@pytest.mark.parametrize(
    ("code", "status"),
    [("ValidationException", 400), ("ResourceNotFoundException", 404), ("InternalServerException", 500)],
)
def test_rest_json_error_code_and_message(code: str, status: int) -> None:
    op = shapes.operation("scheduler", "GetSchedule")
    response = render_rest_json(WireError(code, "Schedule s does not exist.", status), "req-7")
    headers = HeadersDict()
    for key, value in response.headers:
        headers[key] = value
    parsed = create_parser("rest-json").parse(
        {"status_code": response.status, "headers": headers, "body": response.body}, op.output_shape
    )
    assert response.status == status
    assert parsed["Error"]["Code"] == code
    assert parsed["Error"]["Message"] == "Schedule s does not exist."
    assert parsed["ResponseMetadata"]["RequestId"] == "req-7"


def test_lambda_throttling_error_carries_its_reason() -> None:
    op = shapes.operation("lambda", "Invoke")
    err = WireError("TooManyRequestsException", "Rate Exceeded.", 429,
                    fields={"Reason": "ReservedFunctionConcurrentInvocationLimitExceeded", "Type": "User"})
    response = render_rest_json(err, "req-8")
    headers = HeadersDict()
    for key, value in response.headers:
        headers[key] = value
    parsed = create_parser("rest-json").parse(
        {"status_code": response.status, "headers": headers, "body": response.body}, op.output_shape
    )
    assert parsed["Error"]["Code"] == "TooManyRequestsException" and parsed["Error"]["Message"] == "Rate Exceeded."
    # botocore's client adds the error shape's members from the body (the wire test reads them there)
    assert json.loads(response.body)["Reason"] == "ReservedFunctionConcurrentInvocationLimitExceeded"


def test_no_content_has_no_body() -> None:
    for name, result in (("DeleteAlias", None), ("DeleteFunction", {"StatusCode": 204})):
        response = rest_json_protocol.serialize(result, shapes.operation("lambda", name), "req-9")
        assert (response.status, response.body) == (204, b"")
