"""Publish and PublishBatch over the wire: the envelope as AWS writes it and its signature,
filter policies on both scopes, raw delivery, MessageStructure, FIFO topics (sequence
numbers, 5-minute deduplication, FIFO queues), redrive to a dead-letter queue, the
UnsubscribeURL, and AWS's errors.

Facts: /work/shared/aws-notes/sqs-sns.md section 3 (envelope, FIFO, DLQ attributes),
botocore's SNS model (PublishBatch errors), the SNS developer guide (message verification).
"""

from __future__ import annotations

import json
import re

import httpx
import pytest
from botocore.exceptions import ClientError

from _sns import body, clients, nothing_in, queue, receive, verify_signature


def error(exc: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    return exc.value.response["Error"]["Code"], exc.value.response["Error"]["Message"]


def test_envelope_is_delivered_to_sqs_signed_with_the_published_certificate(server):
    sns, sqs, account = clients(server)
    topic = sns.create_topic(Name="env")["TopicArn"]
    url, qarn = queue(sqs, "q")
    sub = sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=qarn)["SubscriptionArn"]
    out = sns.publish(TopicArn=topic, Message="hello ☃", Subject="Greeting",
                      MessageAttributes={"n": {"DataType": "Number", "StringValue": "7"},
                                         "b": {"DataType": "Binary", "BinaryValue": b"\x00\x01"}})
    [m] = receive(sqs, url, 1)
    assert m["Body"].startswith('{\n  "Type" : "Notification",\n  "MessageId" : ')
    env = body(m)
    assert list(env) == ["Type", "MessageId", "TopicArn", "Subject", "Message", "Timestamp", "SignatureVersion",
                         "Signature", "SigningCertURL", "UnsubscribeURL", "MessageAttributes"]
    assert env["MessageId"] == out["MessageId"] and env["TopicArn"] == topic
    assert (env["Subject"], env["Message"], env["SignatureVersion"]) == ("Greeting", "hello ☃", "1")
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", env["Timestamp"])
    assert env["MessageAttributes"] == {"b": {"Type": "Binary", "Value": "AAE="}, "n": {"Type": "Number", "Value": "7"}}
    assert env["SigningCertURL"].startswith(server.url + "/SimpleNotificationService-")
    verify_signature(env)
    tampered = dict(env, Message="hello?")
    with pytest.raises(Exception):
        verify_signature(tampered)
    # the UnsubscribeURL works, unsigned, like a link in a mail
    assert httpx.get(env["UnsubscribeURL"], timeout=10).status_code == 200
    assert sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"] == []
    with pytest.raises(ClientError):
        sns.get_subscription_attributes(SubscriptionArn=sub)


def test_signature_version_2_signs_with_sha256_and_no_subject_is_left_out(server):
    sns, sqs, _ = clients(server)
    topic = sns.create_topic(Name="v2", Attributes={"SignatureVersion": "2"})["TopicArn"]
    url, qarn = queue(sqs, "q")
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=qarn)
    sns.publish(TopicArn=topic, Message="m")
    env = body(receive(sqs, url, 1)[0])
    assert env["SignatureVersion"] == "2" and "Subject" not in env and "MessageAttributes" not in env
    verify_signature(env)


def test_filter_policies_route_on_attributes_and_on_the_body(server):
    sns, sqs, _ = clients(server)
    topic = sns.create_topic(Name="filters")["TopicArn"]
    queues = {}
    policies = {
        "all": None,
        "red": ({"color": ["red"]}, "MessageAttributes"),
        "big": ({"size": [{"numeric": [">", 10]}]}, "MessageAttributes"),
        "tags": ({"tags": ["urgent"]}, "MessageAttributes"),
        "body": ({"order": {"kind": [{"prefix": "gift"}]}}, "MessageBody"),
    }
    for name, policy in policies.items():
        url, qarn = queue(sqs, name)
        queues[name] = url
        attrs = {"RawMessageDelivery": "true"}
        if policy is not None:
            attrs.update(FilterPolicy=json.dumps(policy[0]), FilterPolicyScope=policy[1])
        sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=qarn, Attributes=attrs)
    s = lambda v: {"DataType": "String", "StringValue": v}  # noqa: E731
    sns.publish(TopicArn=topic, Message="m1", MessageAttributes={"color": s("red"), "size": {"DataType": "Number", "StringValue": "11"}})
    sns.publish(TopicArn=topic, Message="m2", MessageAttributes={"color": s("blue"), "size": {"DataType": "Number", "StringValue": "3"}})
    sns.publish(TopicArn=topic, Message="m3", MessageAttributes={"tags": {"DataType": "String.Array", "StringValue": '["low","urgent"]'}})
    sns.publish(TopicArn=topic, Message=json.dumps({"order": {"kind": "gift-card"}}))
    sns.publish(TopicArn=topic, Message=json.dumps({"order": {"kind": "book"}}))
    expected = {"all": 5, "red": 1, "big": 1, "tags": 1, "body": 1}
    got = {name: sorted(m["Body"] for m in receive(sqs, url, expected[name])) for name, url in queues.items()}
    assert got["red"] == ["m1"] and got["big"] == ["m1"] and got["tags"] == ["m3"]
    assert got["body"] == [json.dumps({"order": {"kind": "gift-card"}})]
    assert len(got["all"]) == 5
    assert all(nothing_in(sqs, url, 1.0) for url in queues.values())


def test_raw_delivery_carries_message_attributes_as_sqs_attributes(server):
    sns, sqs, _ = clients(server)
    topic = sns.create_topic(Name="raw")["TopicArn"]
    url, qarn = queue(sqs, "q")
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=qarn, Attributes={"RawMessageDelivery": "true"})
    sns.publish(TopicArn=topic, Message="plain text", MessageAttributes={"a": {"DataType": "String", "StringValue": "x"}})
    [m] = receive(sqs, url, 1, MessageAttributeNames=["All"])
    assert m["Body"] == "plain text"
    assert m["MessageAttributes"] == {"a": {"StringValue": "x", "DataType": "String"}}


def test_message_structure_json_picks_the_protocol_entry(server):
    sns, sqs, _ = clients(server)
    topic = sns.create_topic(Name="structured")["TopicArn"]
    url, qarn = queue(sqs, "q")
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=qarn)
    sns.publish(TopicArn=topic, MessageStructure="json", Message=json.dumps({"default": "d", "sqs": "for queues"}))
    assert body(receive(sqs, url, 1)[0])["Message"] == "for queues"
    for message, reason in [("not json", "Message Structure - JSON message body failed to parse"),
                            (json.dumps({"sqs": "x"}), "Message Structure - No default entry in JSON message body")]:
        with pytest.raises(ClientError) as exc:
            sns.publish(TopicArn=topic, MessageStructure="json", Message=message)
        assert error(exc) == ("InvalidParameter", f"Invalid parameter: {reason}")


def test_publish_errors(server):
    sns, sqs, _ = clients(server)
    topic = sns.create_topic(Name="errs", Attributes={"MaximumMessageSize": "1024"})["TopicArn"]
    url, qarn = queue(sqs, "q")
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=qarn)
    cases = [
        (dict(Message=""), ("InvalidParameter", "Invalid parameter: Empty message")),
        (dict(Message="x" * 1025), ("InvalidParameter", "Invalid parameter: Message too long")),
        (dict(Message="x", Subject="a\nb"), ("InvalidParameter", "Invalid parameter: Subject")),
        (dict(Message="x", MessageAttributes={"a": {"DataType": "Weird", "StringValue": "1"}}),
         ("ParameterValueInvalid", "The message attribute 'a' has an invalid message attribute type, the set of "
                                   "supported type prefixes is Binary, Number, and String.")),
        (dict(Message="x", MessageAttributes={"a": {"DataType": "Number", "StringValue": "one"}}),
         ("ParameterValueInvalid", "Could not cast message attribute 'a' value to number.")),
        (dict(Message="x", MessageDeduplicationId="d"),
         ("InvalidParameter", "Invalid parameter: MessageDeduplicationId Reason: The request includes "
                              "MessageDeduplicationId parameter that is not valid for this topic type")),
    ]
    for kwargs, expected in cases:
        with pytest.raises(ClientError) as exc:
            sns.publish(TopicArn=topic, **kwargs)
        assert error(exc) == expected, kwargs
    assert nothing_in(sqs, url, 1.0)  # nothing refused was delivered
    sns.publish(TopicArn=topic, Message="x" * 1024)
    assert len(receive(sqs, url, 1)) == 1


def test_publish_batch_reports_each_entry(server):
    sns, sqs, _ = clients(server)
    topic = sns.create_topic(Name="batch")["TopicArn"]
    url, qarn = queue(sqs, "q")
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=qarn, Attributes={"RawMessageDelivery": "true"})
    out = sns.publish_batch(TopicArn=topic, PublishBatchRequestEntries=[
        {"Id": "ok1", "Message": "one"}, {"Id": "ok2", "Message": "two"}])
    assert [e["Id"] for e in out["Successful"]] == ["ok1", "ok2"] and out["Failed"] == []
    assert sorted(m["Body"] for m in receive(sqs, url, 2)) == ["one", "two"]
    # an invalid entry fails the whole request, as on AWS (its recorded PublishBatch tests)
    with pytest.raises(ClientError) as exc:
        sns.publish_batch(TopicArn=topic, PublishBatchRequestEntries=[
            {"Id": "ok1", "Message": "one"}, {"Id": "empty", "Message": ""}])
    assert error(exc) == ("InvalidParameter", "Invalid parameter: Empty message")
    for entries, code in [([{"Id": str(i), "Message": "m"} for i in range(11)], "TooManyEntriesInBatchRequest"),
                          ([{"Id": "a", "Message": "m"}, {"Id": "a", "Message": "n"}], "BatchEntryIdsNotDistinct"),
                          ([{"Id": "bad id!", "Message": "m"}], "InvalidBatchEntryId"),
                          ([], "EmptyBatchRequest"),
                          ([{"Id": "a", "Message": "x" * 200_000}, {"Id": "b", "Message": "y" * 200_000}], "BatchRequestTooLong")]:
        with pytest.raises(ClientError) as exc:
            sns.publish_batch(TopicArn=topic, PublishBatchRequestEntries=entries)
        assert error(exc)[0] == code
    assert nothing_in(sqs, url, 1.0)


def test_fifo_topic_to_fifo_queue_keeps_order_sequence_and_dedups(server):
    sns, sqs, _ = clients(server)
    topic = sns.create_topic(Name="t.fifo", Attributes={"FifoTopic": "true", "ContentBasedDeduplication": "true"})["TopicArn"]
    url, qarn = queue(sqs, "q.fifo", FifoQueue="true")
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=qarn)
    first = sns.publish(TopicArn=topic, Message="a", MessageGroupId="g")
    again = sns.publish(TopicArn=topic, Message="a", MessageGroupId="g")  # same content: a duplicate
    assert again["MessageId"] == first["MessageId"] and again["SequenceNumber"] == first["SequenceNumber"]
    out = sns.publish_batch(TopicArn=topic, PublishBatchRequestEntries=[
        {"Id": str(i), "Message": f"m{i}", "MessageGroupId": "g", "MessageDeduplicationId": f"d{i}"} for i in range(5)])
    seqs = [int(e["SequenceNumber"]) for e in out["Successful"]]
    assert seqs == sorted(seqs) and seqs[0] > int(first["SequenceNumber"]) and len(first["SequenceNumber"]) == 20
    got = receive(sqs, url, 6)
    envs = [body(m) for m in got]
    assert [e["Message"] for e in envs] == ["a", "m0", "m1", "m2", "m3", "m4"]
    assert "Signature" not in envs[0] and envs[0]["SequenceNumber"] == first["SequenceNumber"]
    assert nothing_in(sqs, url, 1.0)
    for kwargs, reason in [(dict(Message="x"), "The MessageGroupId parameter is required for FIFO topics")]:
        with pytest.raises(ClientError) as exc:
            sns.publish(TopicArn=topic, **kwargs)
        assert error(exc) == ("InvalidParameter", f"Invalid parameter: {reason}")
    plain = sns.create_topic(Name="p.fifo", Attributes={"FifoTopic": "true"})["TopicArn"]
    with pytest.raises(ClientError) as exc:
        sns.publish(TopicArn=plain, Message="x", MessageGroupId="g")
    assert "ContentBasedDeduplication" in error(exc)[1]


def test_failed_sqs_delivery_goes_to_the_redrive_queue_as_it_was_published(server):
    sns, sqs, account = clients(server)
    topic = sns.create_topic(Name="redrive")["TopicArn"]
    dlq_url, dlq_arn = queue(sqs, "dlq")
    missing = f"arn:aws:sqs:us-east-1:{account}:never-created"
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=missing,
                  Attributes={"RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn})})
    out = sns.publish(TopicArn=topic, Message="lost?")
    [m] = receive(sqs, dlq_url, 1, MessageAttributeNames=["All"])
    assert body(m)["MessageId"] == out["MessageId"] and body(m)["Message"] == "lost?"
    assert "MessageAttributes" not in m  # nothing added (AWS's recorded redrive tests)
