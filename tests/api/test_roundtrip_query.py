"""The query protocol (+XML): eventyard agrees with botocore's QuerySerializer and QueryParser.

SNS speaks query natively. SQS left query for JSON in 2023, but old SDKs still send it
forms and read its XML; botocore's current SQS model has lost the query wire names, so
the legacy names come from ``query_protocol.wire_operation`` (the traits of botocore's
last query-protocol SQS model), and eventyard must read both spellings.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl

import pytest
from botocore.model import Shape
from botocore.parsers import create_parser
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import _shapes_strategies as shapes

from eventyard.api import catalog, query_protocol
from eventyard.api.errors import WireError, render_query

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

SNS_REQUESTS = ["Publish", "PublishBatch", "SetSubscriptionAttributes", "CreateTopic", "Subscribe", "TagResource"]
SNS_RESPONSES = [
    "Publish",
    "PublishBatch",
    "CreateTopic",
    "Subscribe",
    "GetTopicAttributes",
    "GetSubscriptionAttributes",
    "ListTopics",
    "ListSubscriptionsByTopic",
    "ListTagsForResource",
]
SQS_REQUESTS = [
    "SendMessage",
    "SendMessageBatch",
    "ReceiveMessage",
    "SetQueueAttributes",
    "GetQueueAttributes",
    "CreateQueue",
    "TagQueue",
    "UntagQueue",
    "DeleteMessageBatch",
    "ChangeMessageVisibilityBatch",
]
SQS_RESPONSES = [
    "ReceiveMessage",
    "GetQueueAttributes",
    "SendMessage",
    "SendMessageBatch",
    "DeleteMessageBatch",
    "CreateQueue",
    "ListQueues",
    "ListQueueTags",
]


def _form_unsent(value: Any, shape: Shape) -> bool:
    # QuerySerializer writes no key for an empty map, so neither can come back.
    return shape.type_name in ("map", "structure") and value == {}


def _xml_unsent(value: Any, shape: Shape) -> bool:
    # A flattened list or map has no wrapper element: empty, it leaves no trace.
    return shape.type_name in ("list", "map") and not value and bool(shape.serialization.get("flattened"))


def _parse_form(protocol_op: Any, op: Any, params: dict[str, Any]) -> dict[str, Any]:
    """botocore's form for ``protocol_op``'s wire names, read by eventyard as ``op``."""
    request = shapes.botocore_request("query", protocol_op, params)
    assert request.method == "POST"
    assert request.content_type == "application/x-www-form-urlencoded"
    form = query_protocol.form_params(request)
    fields = dict(form)
    assert fields["Action"] == op.name
    assert fields["Version"] == op.service_model.api_version
    return query_protocol.parse(form, op, "InvalidParameter")


# -- SNS -----------------------------------------------------------------------------
@pytest.mark.parametrize("name", SNS_REQUESTS)
@SETTINGS
@given(data=st.data())
def test_sns_form_parses_back(name: str, data: st.DataObject) -> None:
    op = shapes.operation("sns", name)
    params = data.draw(shapes.values(op.input_shape), label="input")
    parsed = _parse_form(op, op, params)
    shapes.assert_same(parsed, params, op.input_shape, _form_unsent)


@pytest.mark.parametrize("name", SNS_RESPONSES)
@SETTINGS
@given(data=st.data())
def test_sns_xml_parses_in_botocore(name: str, data: st.DataObject) -> None:
    op = shapes.operation("sns", name)
    result = data.draw(shapes.values(op.output_shape), label="output")
    response = query_protocol.serialize(result, op, "req-1")
    assert response.status == 200
    parsed = shapes.botocore_parse("query", op.output_shape, response)
    shapes.assert_same(parsed, result, op.output_shape, _xml_unsent)


# -- SQS over query --------------------------------------------------------------------
@pytest.mark.parametrize("name", SQS_REQUESTS)
@SETTINGS
@given(data=st.data())
def test_sqs_legacy_form_parses_back(name: str, data: st.DataObject) -> None:
    """What old SDKs send: ``MessageAttribute.1.Name``, ``SendMessageBatchRequestEntry.1.Id``..."""
    op = shapes.operation("sqs", name)
    params = data.draw(shapes.values(op.input_shape), label="input")
    parsed = _parse_form(query_protocol.wire_operation(op), op, params)
    shapes.assert_same(parsed, params, op.input_shape, _form_unsent)


@pytest.mark.parametrize("name", SQS_REQUESTS)
@SETTINGS
@given(data=st.data())
def test_sqs_form_from_json_model_parses_back(name: str, data: st.DataObject) -> None:
    """What botocore's QuerySerializer makes of today's SQS model: ``MessageAttributes.1.key``..."""
    op = shapes.operation("sqs", name)
    params = data.draw(shapes.values(op.input_shape), label="input")
    parsed = _parse_form(op, op, params)
    shapes.assert_same(parsed, params, op.input_shape, _form_unsent)


@pytest.mark.parametrize("name", SQS_RESPONSES)
@SETTINGS
@given(data=st.data())
def test_sqs_xml_parses_in_botocore(name: str, data: st.DataObject) -> None:
    op = shapes.operation("sqs", name)
    wire = query_protocol.wire_operation(op)
    result = data.draw(shapes.values(op.output_shape), label="output")
    response = query_protocol.serialize(result, op, "req-1")
    parsed = shapes.botocore_parse("query", wire.output_shape, response)
    shapes.assert_same(parsed, result, op.output_shape, _xml_unsent)


# -- the legacy SQS wire names, spelled out ----------------------------------------------
def _form(op_name: str, params: dict[str, Any]) -> dict[str, str]:
    op = query_protocol.wire_operation(shapes.operation("sqs", op_name))
    request = shapes.botocore_request("query", op, params)
    return dict(parse_qsl(request.body.decode(), keep_blank_values=True))


def test_sqs_legacy_send_message_batch_names() -> None:
    form = _form(
        "SendMessageBatch",
        {
            "QueueUrl": "http://q",
            "Entries": [
                {
                    "Id": "a",
                    "MessageBody": "hi",
                    "MessageAttributes": {
                        "n": {"DataType": "String", "StringValue": "v"},
                        "b": {"DataType": "Binary", "BinaryValue": b"\x00\xff"},
                    },
                }
            ],
        },
    )
    assert form["SendMessageBatchRequestEntry.1.Id"] == "a"
    assert form["SendMessageBatchRequestEntry.1.MessageBody"] == "hi"
    assert form["SendMessageBatchRequestEntry.1.MessageAttribute.1.Name"] == "n"
    assert form["SendMessageBatchRequestEntry.1.MessageAttribute.1.Value.DataType"] == "String"
    assert form["SendMessageBatchRequestEntry.1.MessageAttribute.1.Value.StringValue"] == "v"
    assert form["SendMessageBatchRequestEntry.1.MessageAttribute.2.Value.BinaryValue"] == "AP8="


def test_sqs_legacy_attribute_and_tag_names() -> None:
    form = _form("CreateQueue", {"QueueName": "q", "Attributes": {"DelaySeconds": "5"}, "tags": {"k": "v"}})
    assert form == {
        "Action": "CreateQueue",
        "Version": "2012-11-05",
        "QueueName": "q",
        "Attribute.1.Name": "DelaySeconds",
        "Attribute.1.Value": "5",
        "Tag.1.Key": "k",
        "Tag.1.Value": "v",
    }
    form = _form("ReceiveMessage", {"QueueUrl": "u", "AttributeNames": ["All"], "MessageAttributeNames": ["x"]})
    assert form["AttributeName.1"] == "All"
    assert form["MessageAttributeName.1"] == "x"
    assert _form("UntagQueue", {"QueueUrl": "u", "TagKeys": ["k"]})["TagKey.1"] == "k"


def test_sqs_receive_message_xml_is_the_legacy_shape() -> None:
    op = shapes.operation("sqs", "ReceiveMessage")
    result = {
        "Messages": [
            {
                "MessageId": "m1",
                "Body": "a<b",
                "Attributes": {"SenderId": "x"},
                "MessageAttributes": {"k": {"DataType": "String", "StringValue": "v"}},
            }
        ]
    }
    body = query_protocol.serialize(result, op, "rid").body.decode()
    assert body.startswith('<ReceiveMessageResponse xmlns="http://queue.amazonaws.com/doc/2012-11-05/">')
    assert (
        "<ReceiveMessageResult><Message><MessageId>m1</MessageId><Body>a&lt;b</Body>"
        "<Attribute><Name>SenderId</Name><Value>x</Value></Attribute>"
        "<MessageAttribute><Name>k</Name><Value><StringValue>v</StringValue><DataType>String</DataType></Value>"
        "</MessageAttribute></Message></ReceiveMessageResult>"
    ) in body
    assert body.endswith("<ResponseMetadata><RequestId>rid</RequestId></ResponseMetadata></ReceiveMessageResponse>")


def test_xml_carriage_returns_survive() -> None:
    # An XML reader folds a raw CR (and CRLF) into LF; only a character reference keeps it.
    op = shapes.operation("sns", "CreateTopic")
    response = query_protocol.serialize({"TopicArn": "a\r\nb"}, op, "r")
    assert b"<TopicArn>a&#xD;\nb</TopicArn>" in response.body
    assert shapes.botocore_parse("query", op.output_shape, response) == {"TopicArn": "a\r\nb"}


# -- errors ------------------------------------------------------------------------------
def _error(service: str, op_name: str, err: WireError) -> tuple[Any, dict[str, Any]]:
    spec = catalog.service(service)
    response = render_query(err, spec, "req-5")
    op = query_protocol.wire_operation(spec.operations[op_name])
    return response, create_parser("query").parse(
        {"status_code": response.status, "headers": {}, "body": response.body}, op.output_shape
    )


def test_sns_query_error_code_and_message() -> None:
    err = WireError("NotFoundException", "Topic does not exist", 404, query_code="NotFound")
    response, parsed = _error("sns", "GetTopicAttributes", err)
    assert response.status == 404
    assert parsed["Error"]["Code"] == "NotFound"
    assert parsed["Error"]["Type"] == "Sender"
    assert parsed["Error"]["Message"] == "Topic does not exist"
    assert parsed["ResponseMetadata"]["RequestId"] == "req-5"


def test_sqs_query_error_uses_the_legacy_code() -> None:
    err = WireError(
        "QueueDoesNotExist",
        "The specified queue does not exist for this wsdl version & <that>.",
        query_code="AWS.SimpleQueueService.NonExistentQueue",
    )
    response, parsed = _error("sqs", "GetQueueUrl", err)
    assert b'xmlns="http://queue.amazonaws.com/doc/2012-11-05/"' in response.body
    assert parsed["Error"]["Code"] == "AWS.SimpleQueueService.NonExistentQueue"
    assert parsed["Error"]["Message"] == "The specified queue does not exist for this wsdl version & <that>."


def test_query_server_fault_is_receiver() -> None:
    response, parsed = _error("sns", "Publish", WireError("InternalError", "boom", 500, sender_fault=False))
    assert response.status == 500
    assert parsed["Error"]["Type"] == "Receiver"
    assert parsed["Error"]["Code"] == "InternalError"
    assert parsed["Error"]["Message"] == "boom"
