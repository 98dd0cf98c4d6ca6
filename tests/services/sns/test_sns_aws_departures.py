"""Where eventyard's SNS answered differently from AWS (issue 12, section 3), each case as
AWS answers it.

Facts: localstack's tests/aws/services/sns/test_sns.snapshot.json (recorded against AWS)
and the tests that produced it; moto's SNS tests (SMS endpoints, AddPermission actions,
subscribing to a deleted platform endpoint).
"""

from __future__ import annotations

import json
import re
from typing import Any

import httpx
import pytest
from botocore.exceptions import ClientError

from _clients import client
from _sns import body, clients, nothing_in, queue, receive

REDACTED = "REDACTED (`StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION` disabled)"


def error(exc: pytest.ExceptionInfo[ClientError]) -> tuple[int, str, str]:
    r = exc.value.response
    return r["ResponseMetadata"]["HTTPStatusCode"], r["Error"]["Code"], r["Error"]["Message"]


# -- the crash ---------------------------------------------------------------------------
def test_raw_delivery_to_a_deleted_queue_is_dead_lettered_with_its_attributes(server):
    sns, sqs, _ = clients(server)
    topic = sns.create_topic(Name="crash")["TopicArn"]
    dlq_url, dlq_arn = queue(sqs, "dlq")
    gone_url, gone_arn = queue(sqs, "gone")
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=gone_arn,
                  Attributes={"RawMessageDelivery": "true",
                              "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn})})
    sqs.delete_queue(QueueUrl=gone_url)
    out = sns.publish(TopicArn=topic, Message="to the dlq",
                      MessageAttributes={"attr1": {"DataType": "Number", "StringValue": "111"},
                                         "attr2": {"DataType": "Binary", "BinaryValue": b"\x02\x03\x04"}})
    assert out["ResponseMetadata"]["HTTPStatusCode"] == 200
    [m] = receive(sqs, dlq_url, 1, MessageAttributeNames=["All"])
    assert m["Body"] == "to the dlq"
    # the copy carries the published attributes and nothing else (no RequestID/ErrorCode)
    assert m["MessageAttributes"] == {"attr1": {"DataType": "Number", "StringValue": "111"},
                                      "attr2": {"DataType": "Binary", "BinaryValue": b"\x02\x03\x04"}}


def test_dead_letter_copy_of_an_envelope_has_no_added_attributes(server):
    sns, sqs, _ = clients(server)
    topic = sns.create_topic(Name="dlq-env")["TopicArn"]
    dlq_url, dlq_arn = queue(sqs, "dlq")
    gone_url, gone_arn = queue(sqs, "gone")
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=gone_arn,
                  Attributes={"RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn})})
    sqs.delete_queue(QueueUrl=gone_url)
    sns.publish(TopicArn=topic, Message="m", MessageAttributes={"a": {"DataType": "String", "StringValue": "v"}})
    [m] = receive(sqs, dlq_url, 1, MessageAttributeNames=["All"])
    assert "MessageAttributes" not in m
    assert body(m)["Message"] == "m" and body(m)["MessageAttributes"] == {"a": {"Type": "String", "Value": "v"}}


# -- subscriptions: ARNs, tokens, Unsubscribe -------------------------------------------
def test_unsubscribe_of_a_gone_subscription_succeeds_and_malformed_arns_are_refused(server):
    sns, sqs, account = clients(server)
    topic = sns.create_topic(Name="unsub")["TopicArn"]
    _, qarn = queue(sqs, "q")
    sub = sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=qarn)["SubscriptionArn"]
    assert sns.unsubscribe(SubscriptionArn=sub)["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert sns.unsubscribe(SubscriptionArn=sub)["ResponseMetadata"]["HTTPStatusCode"] == 200
    cases = {
        "randomstring": "Invalid parameter: SubscriptionArn Reason: An ARN must have at least 6 elements, not 1",
        "arn:aws:sns:us-east-1:random": "Invalid parameter: SubscriptionArn Reason: An ARN must have at least 6 "
                                        "elements, not 5",
        f"arn:aws:sns:us-east-1:{account}:random": "Invalid parameter: SubscriptionId",
    }
    for arn, message in cases.items():
        with pytest.raises(ClientError) as exc:
            sns.unsubscribe(SubscriptionArn=arn)
        assert error(exc) == (400, "InvalidParameter", message)
    with pytest.raises(ClientError) as exc:
        sns.get_subscription_attributes(
            SubscriptionArn=f"arn:aws:sqs:us-east-1:{account}:test-queue:66d97e76-31e5-444f-8fa7-b60b680d0d39")
    assert error(exc) == (400, "InvalidParameter", "Invalid parameter: SubscriptionId")
    with pytest.raises(ClientError) as exc:
        sns.get_subscription_attributes(SubscriptionArn=sub)
    assert error(exc) == (404, "NotFound", "Subscription does not exist")


def test_confirm_subscription_errors_are_aws_words(server):
    sns, _, _ = clients(server)
    topic = sns.create_topic(Name="confirm")["TopicArn"]
    token = "51b2ff3edb475b7d91550e0ab6edf0c1de2a34e6ebaf6c2262a001bcb7e051c4" * 4
    with pytest.raises(ClientError) as exc:
        sns.confirm_subscription(TopicArn=topic[:-1] + "i", Token=token)
    assert error(exc) == (400, "InvalidParameter", "Invalid parameter: Token")
    with pytest.raises(ClientError) as exc:
        sns.confirm_subscription(TopicArn=topic, Token="randomtoken")
    assert error(exc) == (400, "InvalidParameter", "Invalid token")
    with pytest.raises(ClientError) as exc:
        sns.confirm_subscription(TopicArn=topic, Token=token)
    assert error(exc) == (400, "InvalidParameter", "Invalid parameter: Token")
    with pytest.raises(ClientError) as exc:
        sns.confirm_subscription(TopicArn="not-an-arn", Token=token)
    assert error(exc) == (400, "InvalidParameter", "Invalid parameter: Topic")


def test_sns_error_bodies_have_no_detail_element(server):
    sns, _, account = clients(server)
    response = httpx.post(server.url, data={"Action": "GetTopicAttributes", "Version": "2010-03-31",
                                            "TopicArn": f"arn:aws:sns:us-east-1:{account}:missing"}, timeout=10)
    assert response.status_code == 404
    assert "<Code>NotFound</Code>" in response.text and "<Detail" not in response.text
    # SQS's keep theirs
    sqs_error = httpx.post(server.url, data={"Action": "GetQueueUrl", "Version": "2012-11-05",
                                             "QueueName": "missing"}, timeout=10)
    assert "<Detail/>" in sqs_error.text


def test_topics_are_regional(server):
    sns, sqs, account = clients(server)
    topic = sns.create_topic(Name="regional")["TopicArn"]
    west = client("sns", server.url, account=account, region="us-west-2")
    calls = [
        lambda: west.publish(TopicArn=topic, Message="m"),
        lambda: west.publish_batch(TopicArn=topic, PublishBatchRequestEntries=[{"Id": "1", "Message": "m"}]),
        lambda: west.get_topic_attributes(TopicArn=topic),
        lambda: west.set_topic_attributes(TopicArn=topic, AttributeName="DisplayName", AttributeValue="x"),
        lambda: west.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=f"arn:aws:sqs:us-west-2:{account}:q"),
        lambda: west.list_subscriptions_by_topic(TopicArn=topic),
        lambda: west.delete_topic(TopicArn=topic),
    ]
    for call in calls:
        with pytest.raises(ClientError) as exc:
            call()
        assert error(exc) == (400, "InvalidParameter", "Invalid parameter: TopicArn")
    assert sns.get_topic_attributes(TopicArn=topic)["Attributes"]["DisplayName"] == ""  # nothing changed


# -- validation words -------------------------------------------------------------------
def test_duplicate_tag_keys_and_unknown_permission_actions_are_refused(server):
    sns, _, account = clients(server)
    topic = sns.create_topic(Name="tags")["TopicArn"]
    with pytest.raises(ClientError) as exc:
        sns.tag_resource(ResourceArn=topic, Tags=[{"Key": "k1", "Value": "v1"}, {"Key": "k2", "Value": "v2"},
                                                  {"Key": "k2", "Value": "v2"}])
    assert error(exc) == (400, "InvalidParameter", "Invalid parameter: Duplicated keys are not allowed.")
    assert sns.list_tags_for_resource(ResourceArn=topic)["Tags"] == []
    with pytest.raises(ClientError) as exc:
        sns.add_permission(TopicArn=topic, Label="l", AWSAccountId=["123456789012"], ActionName=["NotAnAction"])
    assert error(exc) == (400, "InvalidParameter", "Invalid parameter: Policy statement action out of service scope!")
    with pytest.raises(ClientError) as exc:
        sns.set_topic_attributes(TopicArn=topic, AttributeName="FifoTopic", AttributeValue="false")
    assert error(exc) == (400, "InvalidParameter", "Invalid parameter: AttributeName")


@pytest.mark.parametrize("attributes, message", [
    ({"attr1": {"DataType": "String", "BinaryValue": b"123"}},
     "The message attribute 'attr1' with type 'String' must use field 'String'."),
    ({"attr1": {"DataType": "Number", "BinaryValue": b"123"}},
     "The message attribute 'attr1' with type 'Number' must use field 'String'."),
    ({"attr1": {"DataType": "Binary", "StringValue": "123"}},
     "The message attribute 'attr1' with type 'Binary' must use field 'Binary'."),
    ({"attr1": {"DataType": "String.", "StringValue": "x"}},
     "The message attribute 'attr1' has an invalid message attribute type, the set of supported type prefixes "
     "is Binary, Number, and String."),
    ({"a" * 257: {"DataType": "String", "StringValue": "123"}},
     "Length of message attribute name must be less than 256 bytes."),
    ({"a^*?": {"DataType": "String", "StringValue": "123"}},
     "Invalid non-alphanumeric character '#x5E' was found in the message attribute name. Can only include "
     "alphanumeric characters, hyphens, underscores, or dots."),
    ({".abc": {"DataType": "String", "StringValue": "123"}},
     "Invalid message attribute name starting with character '.' was found."),
    ({".a^": {"DataType": "String", "StringValue": "123"}},
     "Invalid message attribute name starting with character '.' was found."),
    ({"a..^": {"DataType": "String", "StringValue": "123"}},
     "Message attribute name can not have successive '.' character."),
    ({"abc.": {"DataType": "String", "StringValue": "123"}},
     "Invalid message attribute name ending with character '.' was found."),
    ({"a..bc": {"DataType": "String", "StringValue": "123"}},
     "Message attribute name can not have successive '.' character."),
])
def test_message_attribute_errors_are_aws_words(server, attributes, message):
    sns, _, _ = clients(server)
    topic = sns.create_topic(Name="attrs")["TopicArn"]
    with pytest.raises(ClientError) as exc:
        sns.publish(TopicArn=topic, Message="m", MessageAttributes=attributes)
    assert error(exc) == (400, "ParameterValueInvalid", message)


def test_custom_data_type_suffixes_are_accepted(server):
    sns, _, _ = clients(server)
    topic = sns.create_topic(Name="types")["TopicArn"]
    for kind in ("String.prefixed", "String.  prefixed."):
        sns.publish(TopicArn=topic, Message="m", MessageAttributes={"a": {"DataType": kind, "StringValue": "x"}})


def test_publish_batch_with_an_invalid_entry_fails_as_a_whole(server):
    sns, sqs, _ = clients(server)
    topic = sns.create_topic(Name="batch")["TopicArn"]
    url, qarn = queue(sqs, "q")
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=qarn)
    with pytest.raises(ClientError) as exc:
        sns.publish_batch(TopicArn=topic, PublishBatchRequestEntries=[
            {"Id": "1", "Message": "test-batch",
             "MessageAttributes": {"attr1": {"DataType": "String", "StringValue": ""}}},
            {"Id": "2", "Message": "valid-batch"}])
    assert error(exc) == (400, "ParameterValueInvalid", "The message attribute 'attr1' must contain non-empty "
                                                        "message attribute value for message attribute type 'String'.")
    fifo = sns.create_topic(Name="batch.fifo", Attributes={"FifoTopic": "true"})["TopicArn"]
    with pytest.raises(ClientError) as exc:
        sns.publish_batch(TopicArn=fifo, PublishBatchRequestEntries=[
            {"Id": "1", "Message": "a", "MessageGroupId": "g", "MessageDeduplicationId": "1"},
            {"Id": "2", "Message": "b", "MessageDeduplicationId": "2"}])
    assert error(exc) == (400, "InvalidParameter",
                          "Invalid parameter: The MessageGroupId parameter is required for FIFO topics")
    with pytest.raises(ClientError) as exc:
        sns.publish_batch(TopicArn=fifo, PublishBatchRequestEntries=[{"Id": "1", "Message": "a", "MessageGroupId": "g"}])
    assert error(exc) == (400, "InvalidParameter", "Invalid parameter: The topic should either have "
                          "ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly")
    assert nothing_in(sqs, url)


def test_sms_numbers_are_checked_as_aws_checks_them(server):
    sns, _, _ = clients(server)
    topic = sns.create_topic(Name="sms")["TopicArn"]
    for number in ("+1a234", "NAA+15551234567"):
        with pytest.raises(ClientError) as exc:
            sns.publish(PhoneNumber=number, Message="m")
        assert error(exc) == (400, "InvalidParameter", f"Invalid parameter: PhoneNumber Reason: {number} is not "
                                                       "valid to publish to")
    for endpoint in ("NAA+15551234567", "invalid-number", "+15--551234567", "+1555123456-"):
        with pytest.raises(ClientError) as exc:
            sns.subscribe(TopicArn=topic, Protocol="sms", Endpoint=endpoint)
        assert error(exc) == (400, "InvalidParameter", f"Invalid SMS endpoint: {endpoint}")
    for endpoint in ("+123123123", "+15551234567", "+15/55-123.4567"):
        assert sns.subscribe(TopicArn=topic, Protocol="sms", Endpoint=endpoint)["SubscriptionArn"].startswith(topic)


def test_platform_endpoints_disabled_deleted_and_missing(server):
    sns, _, account = clients(server)
    app = sns.create_platform_application(Name="app", Platform="GCM",
                                          Attributes={"PlatformCredential": "k"})["PlatformApplicationArn"]
    endpoint = sns.create_platform_endpoint(PlatformApplicationArn=app, Token="tok",
                                            Attributes={"Enabled": "false"})["EndpointArn"]
    # the disabled endpoint is reported before the (bad) message structure is looked at
    with pytest.raises(ClientError) as exc:
        sns.publish(TargetArn=endpoint, Message="not json", MessageStructure="json")
    assert error(exc)[1] == "EndpointDisabled"
    # to an endpoint, a JSON structure needs only the platform's key
    enabled = sns.create_platform_endpoint(PlatformApplicationArn=app, Token="tok2")["EndpointArn"]
    sns.publish(TargetArn=enabled, MessageStructure="json", Message=json.dumps({"GCM": json.dumps({"data": {}})}))
    topic = sns.create_topic(Name="push")["TopicArn"]
    sns.subscribe(TopicArn=topic, Protocol="application", Endpoint=endpoint)
    sns.delete_endpoint(EndpointArn=endpoint)
    with pytest.raises(ClientError) as exc:
        sns.subscribe(TopicArn=topic, Protocol="application", Endpoint=endpoint)
    assert error(exc) == (400, "InvalidParameter",
                          f"Invalid parameter: Endpoint Reason: Endpoint does not exist for endpoint arn{endpoint}")
    with pytest.raises(ClientError) as exc:
        sns.publish(TargetArn=endpoint, Message="m")
    assert error(exc) == (400, "InvalidParameter",
                          "Invalid parameter: TargetArn Reason: No endpoint found for the target arn specified")


# -- SNS to SQS ------------------------------------------------------------------------------
def test_fifo_topic_to_standard_queue_adds_no_group_and_sequence_numbers_are_the_queues_own(server):
    sns, sqs, _ = clients(server)
    topic = sns.create_topic(Name="seq.fifo", Attributes={"FifoTopic": "true"})["TopicArn"]
    fifo_url, fifo_arn = queue(sqs, "q.fifo", FifoQueue="true")
    std_url, std_arn = queue(sqs, "std")
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=fifo_arn)
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=std_arn)
    out = sns.publish(TopicArn=topic, Message="m", MessageGroupId="g", MessageDeduplicationId="d")
    assert re.fullmatch(r"\d{20}", out["SequenceNumber"])
    [std] = receive(sqs, std_url, 1, AttributeNames=["All"])
    assert "MessageGroupId" not in std["Attributes"] and "SequenceNumber" not in std["Attributes"]
    assert body(std)["SequenceNumber"] == out["SequenceNumber"]
    [fifo] = receive(sqs, fifo_url, 1, AttributeNames=["All"])
    assert fifo["Attributes"]["MessageGroupId"] == "g"
    assert body(fifo)["SequenceNumber"] == out["SequenceNumber"]
    assert fifo["Attributes"]["SequenceNumber"] != out["SequenceNumber"]  # the queue numbers its own


def test_standard_topic_passes_the_group_id_to_a_standard_queue(server):
    sns, sqs, _ = clients(server)
    topic = sns.create_topic(Name="grp")["TopicArn"]
    url, qarn = queue(sqs, "std")
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=qarn)
    sns.publish(TopicArn=topic, Message="m", MessageGroupId="my-group-id-1")
    [m] = receive(sqs, url, 1, AttributeNames=["All"])
    assert m["Attributes"]["MessageGroupId"] == "my-group-id-1"


def test_message_structure_with_a_non_string_protocol_value_delivers_the_default(server):
    sns, sqs, _ = clients(server)
    topic = sns.create_topic(Name="structure")["TopicArn"]
    url, qarn = queue(sqs, "q")
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=qarn)
    sns.publish(TopicArn=topic, MessageStructure="json",
                Message=json.dumps({"default": "default field", "sqs": json.dumps({"field": "value"})}))
    sns.publish(TopicArn=topic, MessageStructure="json",
                Message=json.dumps({"default": "default field", "sqs": {"field": "value"}}))
    got = [body(m)["Message"] for m in receive(sqs, url, 2)]
    assert sorted(got) == ["default field", '{"field": "value"}']


# -- JSON parse errors -----------------------------------------------------------------------
def test_json_parse_errors_end_with_jacksons_location(server):
    sns, sqs, _ = clients(server)
    topic = sns.create_topic(Name="json")["TopicArn"]
    _, qarn = queue(sqs, "q")
    sub = sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=qarn)["SubscriptionArn"]
    for name in ("RedrivePolicy", "FilterPolicy"):
        with pytest.raises(ClientError) as exc:
            sns.set_subscription_attributes(SubscriptionArn=sub, AttributeName=name, AttributeValue="{invalidjson}")
        assert error(exc) == (400, "InvalidParameter", f"Invalid parameter: {name}: failed to parse JSON. Unexpected "
                              "character ('i' (code 105)): was expecting double-quote to start field name\n"
                              f" at [Source: {REDACTED}; line: 1, column: 2]")
    with pytest.raises(ClientError) as exc:
        sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=qarn, Attributes={"FilterPolicy": "invalid"})
    assert error(exc) == (400, "InvalidParameter", "Invalid parameter: Attributes Reason: FilterPolicy: failed to "
                          "parse JSON. Unrecognized token 'invalid': was expecting (JSON String, Number, Array, "
                          f"Object or token 'null', 'true' or 'false')\n at [Source: {REDACTED}; line: 1, column: 8]")


def test_filter_policy_numbers_compare_at_five_decimal_digits(server):
    sns, sqs, _ = clients(server)
    topic = sns.create_topic(Name="precision")["TopicArn"]
    attrs_url, attrs_arn = queue(sqs, "attrs")
    body_url, body_arn = queue(sqs, "body")
    policy = json.dumps({"price": [{"numeric": ["=", 1.000001]}]})
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=attrs_arn, Attributes={"FilterPolicy": policy})
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=body_arn,
                  Attributes={"FilterPolicy": policy, "FilterPolicyScope": "MessageBody"})
    for value in ("1.000004", "1.00002"):
        sns.publish(TopicArn=topic, Message=json.dumps({"price": float(value), "v": value}),
                    MessageAttributes={"price": {"DataType": "Number", "StringValue": value}})
    assert [json.loads(body(m)["Message"])["v"] for m in receive(sqs, attrs_url, 1)] == ["1.000004"]
    assert [json.loads(body(m)["Message"])["v"] for m in receive(sqs, body_url, 1)] == ["1.000004"]
    assert nothing_in(sqs, attrs_url) and nothing_in(sqs, body_url)


def test_message_attribute_without_a_data_type_is_a_coral_validation_error(server):
    _, _, account = clients(server)
    sns = client("sns", server.url, account=account, raw=True)  # boto3 itself would refuse to send it
    topic = sns.create_topic(Name="nodatatype")["TopicArn"]
    with pytest.raises(ClientError) as exc:
        sns.publish(TopicArn=topic, Message="m", MessageAttributes={"attr1": {"StringValue": "v"}})
    assert error(exc) == (400, "ValidationError", "1 validation error detected: Value null at "
                          "'messageAttributes.attr1.member.dataType' failed to satisfy constraint: Member must not be null")
    with pytest.raises(ClientError) as exc:
        sns.publish_batch(TopicArn=topic, PublishBatchRequestEntries=[
            {"Id": "1", "Message": "m", "MessageAttributes": {"attr1": {"StringValue": "v"}}}])
    assert error(exc) == (400, "ValidationError", "1 validation error detected: Value null at "
                          "'publishBatchRequestEntries.1.member.messageAttributes.attr1.member.dataType' failed to "
                          "satisfy constraint: Member must not be null")


def test_filter_policy_scope_shows_only_with_a_policy(server):
    sns, sqs, _ = clients(server)
    topic = sns.create_topic(Name="scope")["TopicArn"]
    _, qarn = queue(sqs, "q")
    sub = sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=qarn)["SubscriptionArn"]

    def attributes() -> dict[str, str]:
        return sns.get_subscription_attributes(SubscriptionArn=sub)["Attributes"]

    assert "FilterPolicyScope" not in attributes() and "FilterPolicy" not in attributes()
    sns.set_subscription_attributes(SubscriptionArn=sub, AttributeName="FilterPolicyScope", AttributeValue="MessageBody")
    assert "FilterPolicyScope" not in attributes()  # kept, not shown
    sns.set_subscription_attributes(SubscriptionArn=sub, AttributeName="FilterPolicy",
                                    AttributeValue=json.dumps({"object": {"key": [{"prefix": "auto-"}]}}))
    assert attributes()["FilterPolicyScope"] == "MessageBody"
    sns.set_subscription_attributes(SubscriptionArn=sub, AttributeName="FilterPolicy", AttributeValue="")
    assert "FilterPolicyScope" not in attributes() and "FilterPolicy" not in attributes()
    _, other = queue(sqs, "other")
    empty = sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=other, Attributes={"FilterPolicy": ""})
    shown = sns.get_subscription_attributes(SubscriptionArn=empty["SubscriptionArn"])["Attributes"]
    assert "FilterPolicy" not in shown and "FilterPolicyScope" not in shown


def test_publish_to_an_empty_topic_arn_is_a_malformed_arn(server):
    sns, _, _ = clients(server)
    for arn, count in (("", 1), ("randomstring", 1), ("randomstring:1", 2)):
        with pytest.raises(ClientError) as exc:
            sns.publish(TopicArn=arn, Message="Good news everyone!")
        assert error(exc) == (400, "InvalidParameter", "Invalid parameter: TopicArn Reason: An ARN must have at "
                                                       f"least 6 elements, not {count}")


def test_redrive_policy_with_an_unknown_attribute_is_refused(server):
    sns, sqs, _ = clients(server)
    topic = sns.create_topic(Name="redrive-keys")["TopicArn"]
    _, qarn = queue(sqs, "q")
    _, dlq_arn = queue(sqs, "dlq")
    policy = json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 5})
    with pytest.raises(ClientError) as exc:
        sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=qarn, Attributes={"RedrivePolicy": policy})
    assert error(exc) == (400, "InvalidParameter", "Invalid parameter: Attributes Reason: RedrivePolicy: invalid "
                                                   "JSON. Attribute maxReceiveCount is unknown.")
    assert sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"] == []


def test_the_publishers_xray_header_reaches_sqs_as_aws_trace_header(server):
    sns, sqs, _ = clients(server)
    trace = "Root=1-3152b799-8954dae64eda91bc9a23a7e8;Parent=7fa8c0f79203be72;Sampled=1"

    def add_xray_header(request: Any, **_: Any) -> None:
        request.headers["X-Amzn-Trace-Id"] = trace

    sns.meta.events.register("before-send.sns.Publish", add_xray_header)
    topic = sns.create_topic(Name="xray")["TopicArn"]
    url, qarn = queue(sqs, "q")
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=qarn)
    sns.publish(TargetArn=topic, Message="X-Ray propagation test msg")
    [m] = receive(sqs, url, 1, AttributeNames=["SentTimestamp", "AWSTraceHeader"])
    assert m["Attributes"]["AWSTraceHeader"] == trace


def test_a_body_number_beyond_a_double_is_matched_not_a_500(server):
    sns, sqs, _ = clients(server)
    topic = sns.create_topic(Name="huge")["TopicArn"]
    url, qarn = queue(sqs, "q")
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=qarn, Attributes={
        "FilterPolicyScope": "MessageBody", "FilterPolicy": json.dumps({"price": [{"numeric": ["=", 2]}]})})
    sns.publish(TopicArn=topic, Message='{"price": ' + "9" * 400 + "}")
    sns.publish(TopicArn=topic, Message='{"price": 2}')
    assert [json.loads(body(m)["Message"]) for m in receive(sqs, url, 1)] == [{"price": 2}]
    assert nothing_in(sqs, url)
