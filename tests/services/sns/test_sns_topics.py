"""SNS topics and subscriptions over the wire: create/describe/list/delete, attributes,
tags, data protection policy, permissions; every protocol stored and listed; AWS's
errors for bad input.

Facts: botocore's SNS model (operations, error codes), /work/shared/aws-notes/sqs-sns.md
section 3 (topics, subscriptions), the SNS developer guide (FIFO topic names, limits).
"""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError

from _sns import clients, queue


def error(exc: pytest.ExceptionInfo[ClientError]) -> tuple[str, str, int]:
    e = exc.value.response
    return e["Error"]["Code"], e["Error"]["Message"], e["ResponseMetadata"]["HTTPStatusCode"]


def test_create_topic_is_idempotent_and_names_the_arn(server):
    sns, _, account = clients(server)
    arn = sns.create_topic(Name="orders")["TopicArn"]
    assert arn == f"arn:aws:sns:us-east-1:{account}:orders"
    assert sns.create_topic(Name="orders")["TopicArn"] == arn
    with pytest.raises(ClientError) as exc:
        sns.create_topic(Name="orders", Attributes={"DisplayName": "other"})
    sns.set_topic_attributes(TopicArn=arn, AttributeName="DisplayName", AttributeValue="Orders")
    assert error(exc)[:1] == ("InvalidParameter",)
    assert [t["TopicArn"] for t in sns.list_topics()["Topics"]] == [arn]


@pytest.mark.parametrize("name", ["", "has space", "x" * 257, "dot.name"])
def test_bad_topic_names_are_refused(server, name):
    sns, _, _ = clients(server)
    with pytest.raises(ClientError) as exc:
        sns.create_topic(Name=name)
    code, message, status = error(exc)
    assert (code, status) == ("InvalidParameter", 400)
    assert message.startswith("Invalid parameter: ")


def test_fifo_topics_need_the_suffix_and_show_their_attributes(server):
    sns, _, _ = clients(server)
    with pytest.raises(ClientError) as exc:
        sns.create_topic(Name="plain", Attributes={"FifoTopic": "true"})
    assert error(exc)[0] == "InvalidParameter" and "must end with .fifo" in error(exc)[1]
    arn = sns.create_topic(Name="t.fifo", Attributes={"FifoTopic": "true", "ContentBasedDeduplication": "true"})["TopicArn"]
    attrs = sns.get_topic_attributes(TopicArn=arn)["Attributes"]
    assert attrs["FifoTopic"] == "true" and attrs["ContentBasedDeduplication"] == "true"
    assert attrs["FifoThroughputScope"] == "Topic"
    with pytest.raises(ClientError) as exc:
        sns.set_topic_attributes(TopicArn=arn, AttributeName="FifoThroughputScope", AttributeValue="Everything")
    assert error(exc)[0] == "InvalidParameter"
    sns.set_topic_attributes(TopicArn=arn, AttributeName="FifoThroughputScope", AttributeValue="MessageGroup")
    assert sns.get_topic_attributes(TopicArn=arn)["Attributes"]["FifoThroughputScope"] == "MessageGroup"
    standard = sns.create_topic(Name="std")["TopicArn"]
    with pytest.raises(ClientError) as exc:
        sns.set_topic_attributes(TopicArn=standard, AttributeName="ContentBasedDeduplication", AttributeValue="true")
    assert error(exc)[0] == "InvalidParameter"
    assert "FifoTopic" not in sns.get_topic_attributes(TopicArn=standard)["Attributes"]


def test_topic_attributes_defaults_and_changes(server):
    sns, _, account = clients(server)
    arn = sns.create_topic(Name="attrs")["TopicArn"]
    attrs = sns.get_topic_attributes(TopicArn=arn)["Attributes"]
    assert attrs["Owner"] == account and attrs["TopicArn"] == arn
    assert attrs["SubscriptionsConfirmed"] == attrs["SubscriptionsPending"] == "0"
    assert json.loads(attrs["Policy"])["Statement"][0]["Resource"] == arn
    assert json.loads(attrs["EffectiveDeliveryPolicy"])["http"]["defaultHealthyRetryPolicy"]["numRetries"] == 3
    sns.set_topic_attributes(TopicArn=arn, AttributeName="MaximumMessageSize", AttributeValue="2048")
    sns.set_topic_attributes(TopicArn=arn, AttributeName="SignatureVersion", AttributeValue="2")
    attrs = sns.get_topic_attributes(TopicArn=arn)["Attributes"]
    assert attrs["MaximumMessageSize"] == "2048" and attrs["SignatureVersion"] == "2"
    for name, value in [("MaximumMessageSize", "10"), ("MaximumMessageSize", "2000000"), ("SignatureVersion", "3"),
                        ("Policy", "not json"), ("NoSuchAttribute", "x"),
                        ("DeliveryPolicy", json.dumps({"http": {"defaultHealthyRetryPolicy": {"numRetries": 500}}}))]:
        with pytest.raises(ClientError) as exc:
            sns.set_topic_attributes(TopicArn=arn, AttributeName=name, AttributeValue=value)
        assert error(exc)[0] == "InvalidParameter", name
    assert sns.get_topic_attributes(TopicArn=arn)["Attributes"]["MaximumMessageSize"] == "2048"


def test_missing_topics_are_not_found(server):
    sns, _, account = clients(server)
    missing = f"arn:aws:sns:us-east-1:{account}:never"
    for call in (lambda: sns.get_topic_attributes(TopicArn=missing),
                 lambda: sns.publish(TopicArn=missing, Message="x"),
                 lambda: sns.subscribe(TopicArn=missing, Protocol="email", Endpoint="a@b.c"),
                 lambda: sns.list_subscriptions_by_topic(TopicArn=missing)):
        with pytest.raises(ClientError) as exc:
            call()
        assert error(exc) == ("NotFound", "Topic does not exist", 404)
    with pytest.raises(ClientError) as exc:
        sns.get_topic_attributes(TopicArn="not-an-arn")
    assert error(exc)[0] == "InvalidParameter"


def test_list_topics_pages_by_100(server):
    sns, _, _ = clients(server)
    made = sorted(sns.create_topic(Name=f"t{i:03d}")["TopicArn"] for i in range(105))
    first = sns.list_topics()
    assert len(first["Topics"]) == 100 and "NextToken" in first
    second = sns.list_topics(NextToken=first["NextToken"])
    assert "NextToken" not in second
    assert sorted(t["TopicArn"] for t in first["Topics"] + second["Topics"]) == made


def test_tags_and_data_protection_policy(server):
    sns, _, account = clients(server)
    policy = json.dumps({"Name": "p", "Version": "2021-06-01", "Statement": []})
    arn = sns.create_topic(Name="tagged", Tags=[{"Key": "team", "Value": "a"}], DataProtectionPolicy=policy)["TopicArn"]
    sns.tag_resource(ResourceArn=arn, Tags=[{"Key": "env", "Value": "dev"}])
    sns.untag_resource(ResourceArn=arn, TagKeys=["team"])
    assert sns.list_tags_for_resource(ResourceArn=arn)["Tags"] == [{"Key": "env", "Value": "dev"}]
    assert sns.get_data_protection_policy(ResourceArn=arn)["DataProtectionPolicy"] == policy
    sns.put_data_protection_policy(ResourceArn=arn, DataProtectionPolicy=json.dumps({"Name": "q"}))
    assert json.loads(sns.get_data_protection_policy(ResourceArn=arn)["DataProtectionPolicy"]) == {"Name": "q"}
    with pytest.raises(ClientError) as exc:
        sns.tag_resource(ResourceArn=arn, Tags=[{"Key": f"k{i}", "Value": "v"} for i in range(50)])
    assert error(exc)[0] == "TagLimitExceeded"
    with pytest.raises(ClientError) as exc:
        sns.list_tags_for_resource(ResourceArn=f"arn:aws:sns:us-east-1:{account}:nope")
    assert error(exc)[:1] == ("ResourceNotFound",)


def test_add_and_remove_permission_edit_the_policy(server):
    sns, _, _ = clients(server)
    arn = sns.create_topic(Name="perm")["TopicArn"]
    sns.add_permission(TopicArn=arn, Label="pub", AWSAccountId=["111122223333"], ActionName=["Publish"])
    statements = json.loads(sns.get_topic_attributes(TopicArn=arn)["Attributes"]["Policy"])["Statement"]
    added = [s for s in statements if s["Sid"] == "pub"]
    assert added and added[0]["Action"] == "SNS:Publish"
    sns.remove_permission(TopicArn=arn, Label="pub")
    statements = json.loads(sns.get_topic_attributes(TopicArn=arn)["Attributes"]["Policy"])["Statement"]
    assert not [s for s in statements if s["Sid"] == "pub"]


def test_every_protocol_is_stored_and_listed(server):
    sns, sqs, account = clients(server)
    arn = sns.create_topic(Name="all")["TopicArn"]
    _, qarn = queue(sqs, "q")
    app = sns.create_platform_application(Name="app", Platform="GCM",
                                          Attributes={"PlatformCredential": "k"})["PlatformApplicationArn"]
    device = sns.create_platform_endpoint(PlatformApplicationArn=app, Token="device")["EndpointArn"]
    endpoints = {"sqs": qarn, "email": "me@example.com", "email-json": "me@example.com", "sms": "+15555550100",
                 "lambda": f"arn:aws:lambda:us-east-1:{account}:function:f", "application": device}
    answers = {p: sns.subscribe(TopicArn=arn, Protocol=p, Endpoint=e)["SubscriptionArn"] for p, e in endpoints.items()}
    assert answers["email"] == answers["email-json"] == "pending confirmation"
    assert answers["sqs"].startswith(arn + ":")
    listed = {s["Protocol"]: s for s in sns.list_subscriptions_by_topic(TopicArn=arn)["Subscriptions"]}
    assert set(listed) == set(endpoints)
    assert listed["email"]["SubscriptionArn"] == "PendingConfirmation"
    assert listed["sqs"]["SubscriptionArn"] == answers["sqs"] and listed["sqs"]["Owner"] == account
    assert {s["Endpoint"] for s in sns.list_subscriptions()["Subscriptions"]} == set(endpoints.values())
    attrs = sns.get_topic_attributes(TopicArn=arn)["Attributes"]
    assert (attrs["SubscriptionsConfirmed"], attrs["SubscriptionsPending"]) == ("4", "2")
    # Subscribe is idempotent for the same endpoint
    assert sns.subscribe(TopicArn=arn, Protocol="sqs", Endpoint=qarn)["SubscriptionArn"] == answers["sqs"]


@pytest.mark.parametrize(("protocol", "endpoint", "reason"), [
    ("carrier-pigeon", "x", "Amazon SNS does not support this protocol string: carrier-pigeon"),
    ("sqs", "not-an-arn", "SQS endpoint ARN"),
    ("http", "https://example.com/", "Endpoint must match the specified protocol"),
    ("email", "nobody", "Email address"),
])
def test_bad_subscriptions_are_refused(server, protocol, endpoint, reason):
    sns, _, _ = clients(server)
    arn = sns.create_topic(Name="bad")["TopicArn"]
    with pytest.raises(ClientError) as exc:
        sns.subscribe(TopicArn=arn, Protocol=protocol, Endpoint=endpoint)
    assert error(exc) == ("InvalidParameter", f"Invalid parameter: {reason}", 400)
    assert sns.list_subscriptions_by_topic(TopicArn=arn)["Subscriptions"] == []


def test_fifo_queues_only_on_fifo_topics_and_fifo_topics_only_deliver_to_sqs(server):
    sns, sqs, _ = clients(server)
    standard = sns.create_topic(Name="std")["TopicArn"]
    fifo = sns.create_topic(Name="f.fifo", Attributes={"FifoTopic": "true"})["TopicArn"]
    _, fifo_queue = queue(sqs, "q.fifo", FifoQueue="true")
    with pytest.raises(ClientError) as exc:
        sns.subscribe(TopicArn=standard, Protocol="sqs", Endpoint=fifo_queue)
    assert "FIFO SQS Queues can not be subscribed to standard SNS topics" in error(exc)[1]
    with pytest.raises(ClientError) as exc:
        sns.subscribe(TopicArn=fifo, Protocol="email", Endpoint="a@example.com")
    assert error(exc)[0] == "InvalidParameter"
    assert sns.subscribe(TopicArn=fifo, Protocol="sqs", Endpoint=fifo_queue)["SubscriptionArn"].startswith(fifo)


def test_subscription_attributes(server):
    sns, sqs, account = clients(server)
    arn = sns.create_topic(Name="subattrs")["TopicArn"]
    _, qarn = queue(sqs, "q")
    sub = sns.subscribe(TopicArn=arn, Protocol="sqs", Endpoint=qarn,
                        Attributes={"RawMessageDelivery": "true", "FilterPolicy": json.dumps({"k": ["v"]})})["SubscriptionArn"]
    attrs = sns.get_subscription_attributes(SubscriptionArn=sub)["Attributes"]
    assert attrs["RawMessageDelivery"] == "true" and attrs["FilterPolicyScope"] == "MessageAttributes"
    assert json.loads(attrs["FilterPolicy"]) == {"k": ["v"]}
    assert (attrs["Protocol"], attrs["Endpoint"], attrs["TopicArn"], attrs["Owner"]) == ("sqs", qarn, arn, account)
    assert attrs["PendingConfirmation"] == "false"
    sns.set_subscription_attributes(SubscriptionArn=sub, AttributeName="FilterPolicyScope", AttributeValue="MessageBody")
    sns.set_subscription_attributes(SubscriptionArn=sub, AttributeName="RedrivePolicy",
                                    AttributeValue=json.dumps({"deadLetterTargetArn": qarn}))
    attrs = sns.get_subscription_attributes(SubscriptionArn=sub)["Attributes"]
    assert attrs["FilterPolicyScope"] == "MessageBody" and json.loads(attrs["RedrivePolicy"]) == {"deadLetterTargetArn": qarn}
    with pytest.raises(ClientError) as exc:
        sns.set_subscription_attributes(SubscriptionArn=sub, AttributeName="FilterPolicy",
                                        AttributeValue=json.dumps({"k": [{"wrong-operator": True}]}))
    assert error(exc) == ("InvalidParameter", "Invalid parameter: FilterPolicy: Unrecognized match type wrong-operator", 400)
    with pytest.raises(ClientError) as exc:
        sns.set_subscription_attributes(SubscriptionArn=sub, AttributeName="FilterPolicy",
                                        AttributeValue=json.dumps({f"k{i}": ["v"] for i in range(6)}))
    assert "Filter policy can not have more than 5 keys" in error(exc)[1]
    with pytest.raises(ClientError) as exc:
        sns.subscribe(TopicArn=arn, Protocol="email", Endpoint="a@example.com",
                      Attributes={"RawMessageDelivery": "true"})
    assert error(exc)[0] == "InvalidParameter"
    with pytest.raises(ClientError) as exc:
        sns.set_subscription_attributes(SubscriptionArn=sub, AttributeName="RedrivePolicy",
                                        AttributeValue=json.dumps({"deadLetterTargetArn": "nope"}))
    assert error(exc)[0] == "InvalidParameter"


def test_unsubscribe_and_delete_topic(server):
    sns, sqs, _ = clients(server)
    arn = sns.create_topic(Name="gone")["TopicArn"]
    _, qarn = queue(sqs, "q")
    sub = sns.subscribe(TopicArn=arn, Protocol="sqs", Endpoint=qarn)["SubscriptionArn"]
    sns.unsubscribe(SubscriptionArn=sub)
    with pytest.raises(ClientError) as exc:
        sns.get_subscription_attributes(SubscriptionArn=sub)
    assert error(exc)[:1] == ("NotFound",)
    sub = sns.subscribe(TopicArn=arn, Protocol="sqs", Endpoint=qarn)["SubscriptionArn"]
    sns.delete_topic(TopicArn=arn)
    sns.delete_topic(TopicArn=arn)  # deleting again succeeds
    assert sns.list_topics()["Topics"] == []
    assert sns.list_subscriptions()["Subscriptions"] == []


def test_other_accounts_need_the_topic_policy(server):
    sns, sqs, owner = clients(server)
    other, _, other_account = clients(server)
    arn = sns.create_topic(Name="shared")["TopicArn"]
    for call in (lambda: other.publish(TopicArn=arn, Message="x"),
                 lambda: other.publish_batch(TopicArn=arn, PublishBatchRequestEntries=[{"Id": "a", "Message": "x"}]),
                 lambda: other.get_topic_attributes(TopicArn=arn),
                 lambda: other.delete_topic(TopicArn=arn)):
        with pytest.raises(ClientError) as exc:
            call()
        code, message, status = error(exc)
        assert (code, status) == ("AuthorizationError", 403)
        assert message.startswith(f"User: arn:aws:iam::{other_account}:root is not authorized to perform: SNS:")
    sns.add_permission(TopicArn=arn, Label="let-them", AWSAccountId=[other_account], ActionName=["Publish"])
    assert other.publish(TopicArn=arn, Message="x")["MessageId"]
    with pytest.raises(ClientError) as exc:
        other.subscribe(TopicArn=arn, Protocol="email", Endpoint="a@example.com")
    assert error(exc)[0] == "AuthorizationError"
    assert sns.list_topics()["Topics"] == [{"TopicArn": arn}]


def test_concurrent_attribute_changes_of_one_topic_are_all_kept(server):
    # Terraform's topic, topic policy and data protection policy of one topic are changed
    # at once; each SetTopicAttributes rewrites the topic's attributes. Read without the
    # topic's row locked, one of two concurrent changes was lost on PostgreSQL.
    from concurrent.futures import ThreadPoolExecutor

    from _clients import client

    sns, _, account = clients(server)
    workers = [client("sns", server.url, account=account) for _ in range(4)]
    arns = [sns.create_topic(Name=f"both-{i}")["TopicArn"] for i in range(16)]
    changes = [(arn, name, value) for arn in arns
               for name, value in (("DisplayName", "shown"), ("SignatureVersion", "2"))]
    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(lambda i: workers[i % 4].set_topic_attributes(
            TopicArn=changes[i][0], AttributeName=changes[i][1], AttributeValue=changes[i][2]),
            range(len(changes))))
    for arn in arns:
        attributes = sns.get_topic_attributes(TopicArn=arn)["Attributes"]
        assert (attributes["DisplayName"], attributes.get("SignatureVersion")) == ("shown", "2"), arn


def test_concurrent_attribute_changes_of_one_subscription_are_all_kept(server):
    # Each SetSubscriptionAttributes rewrites the subscription's attributes: read without
    # the row locked, one of two concurrent changes could be lost on PostgreSQL.
    from concurrent.futures import ThreadPoolExecutor

    from _clients import client

    sns, sqs, account = clients(server)
    workers = [client("sns", server.url, account=account) for _ in range(4)]
    topic = sns.create_topic(Name="subs-both")["TopicArn"]
    subs = [sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue(sqs, f"subs-both-{i}")[1],
                          ReturnSubscriptionArn=True)["SubscriptionArn"] for i in range(12)]
    changes = [(arn, name, value) for arn in subs
               for name, value in (("RawMessageDelivery", "true"), ("FilterPolicy", '{"kind": ["a"]}'))]
    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(lambda i: workers[i % 4].set_subscription_attributes(
            SubscriptionArn=changes[i][0], AttributeName=changes[i][1], AttributeValue=changes[i][2]),
            range(len(changes))))
    for arn in subs:
        attributes = sns.get_subscription_attributes(SubscriptionArn=arn)["Attributes"]
        assert (attributes["RawMessageDelivery"], attributes.get("FilterPolicy")) == ("true", '{"kind": ["a"]}'), arn
