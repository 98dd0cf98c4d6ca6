"""SQS queue operations through boto3 against a real server, on both backends."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

import pytest

from _sqs import account, error, sqs
from _clients import client


def test_create_get_url_and_the_host_the_client_used(server):
    acct = account()
    c = sqs(server, account=acct)
    url = c.create_queue(QueueName="orders")["QueueUrl"]
    assert url == f"{server.url}/{acct}/orders"
    assert c.get_queue_url(QueueName="orders")["QueueUrl"] == url
    assert c.get_queue_url(QueueName="orders", QueueOwnerAWSAccountId=acct)["QueueUrl"] == url
    # any host in an incoming QueueUrl; URLs without a region (AWS's carry it in the host)
    for other in (f"https://sqs.us-east-1.amazonaws.com/{acct}/orders", f"http://localhost:4566/{acct}/orders"):
        c.send_message(QueueUrl=other, MessageBody="x")
    localhost = client("sqs", server.url.replace("127.0.0.1", "localhost"), account=acct)
    assert localhost.get_queue_url(QueueName="orders")["QueueUrl"] == url.replace("127.0.0.1", "localhost")
    attrs = c.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn", "ApproximateNumberOfMessages"])["Attributes"]
    assert attrs == {"QueueArn": f"arn:aws:sqs:us-east-1:{acct}:orders", "ApproximateNumberOfMessages": "2"}


def test_missing_queue_errors_carry_the_legacy_code(server):
    c = sqs(server)
    err = error(c.get_queue_url, QueueName="missing")
    assert err["Code"] == "AWS.SimpleQueueService.NonExistentQueue"
    assert err["QueryErrorCode"] == "QueueDoesNotExist"
    assert err["Message"] == "The specified queue does not exist."
    assert err["Status"] == 400
    with pytest.raises(c.exceptions.QueueDoesNotExist):
        c.send_message(QueueUrl=f"{server.url}/{account()}/missing", MessageBody="x")


def test_create_is_idempotent_with_the_same_attributes(server):
    c = sqs(server)
    url = c.create_queue(QueueName="q", Attributes={"VisibilityTimeout": "60"})["QueueUrl"]
    assert c.create_queue(QueueName="q", Attributes={"VisibilityTimeout": "60"})["QueueUrl"] == url
    assert c.create_queue(QueueName="q")["QueueUrl"] == url  # no attributes: nothing differs
    err = error(c.create_queue, QueueName="q", Attributes={"VisibilityTimeout": "61"})
    assert err["Code"] == "QueueAlreadyExists" and err["QueryErrorCode"] == "QueueNameExists"
    assert "VisibilityTimeout" in err["Message"]
    err = error(c.create_queue, QueueName="q", Attributes={"DelaySeconds": "5"})
    assert err["Code"] == "QueueAlreadyExists"


def test_concurrent_creates_make_one_queue(server):
    acct = account()

    def create(_: int) -> str:
        return sqs(server, account=acct).create_queue(QueueName="race")["QueueUrl"]

    with ThreadPoolExecutor(6) as pool:
        assert len(set(pool.map(create, range(6)))) == 1


@pytest.mark.parametrize("name,attributes", [
    ("", {}), ("has space", {}), ("x" * 81, {}), ("dot.name", {}), ("plain.fifo", {}),
    ("x" * 76 + ".fifo", {"FifoQueue": "true"}), ("not-fifo", {"FifoQueue": "true"}),
])
def test_queue_name_rules(server, name, attributes):
    err = error(sqs(server, raw=True).create_queue, QueueName=name, Attributes=attributes)
    assert err["Code"] in ("InvalidParameterValue", "MissingParameter")
    assert err["Status"] == 400


def test_longest_names_are_accepted(server):
    c = sqs(server)
    c.create_queue(QueueName="x" * 80)
    c.create_queue(QueueName="y" * 75 + ".fifo", Attributes={"FifoQueue": "true"})
    url = c.get_queue_url(QueueName="y" * 75 + ".fifo")["QueueUrl"]
    assert c.get_queue_attributes(QueueUrl=url, AttributeNames=["FifoQueue"])["Attributes"] == {"FifoQueue": "true"}


def test_default_attributes(server):
    c = sqs(server)
    url = c.create_queue(QueueName="defaults")["QueueUrl"]
    attrs = c.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    created = attrs.pop("CreatedTimestamp")
    assert attrs.pop("LastModifiedTimestamp") == created
    assert attrs.pop("QueueArn").endswith(":defaults")
    assert attrs == {
        "ApproximateNumberOfMessages": "0",
        "ApproximateNumberOfMessagesDelayed": "0",
        "ApproximateNumberOfMessagesNotVisible": "0",
        "DelaySeconds": "0",
        "MaximumMessageSize": "1048576",
        "MessageRetentionPeriod": "345600",
        "ReceiveMessageWaitTimeSeconds": "0",
        "SqsManagedSseEnabled": "true",
        "VisibilityTimeout": "30",
    }
    fifo = c.create_queue(QueueName="defaults.fifo", Attributes={"FifoQueue": "true"})["QueueUrl"]
    attrs = c.get_queue_attributes(QueueUrl=fifo, AttributeNames=["All"])["Attributes"]
    assert {k: attrs[k] for k in ("FifoQueue", "ContentBasedDeduplication", "DeduplicationScope", "FifoThroughputLimit")} == {
        "FifoQueue": "true", "ContentBasedDeduplication": "false", "DeduplicationScope": "queue",
        "FifoThroughputLimit": "perQueue"}
    # no names asked for: no attributes
    assert "Attributes" not in c.get_queue_attributes(QueueUrl=url)


def test_set_and_get_attributes(server):
    c = sqs(server)
    url = c.create_queue(QueueName="q")["QueueUrl"]
    policy = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*",
                                                                  "Action": "sqs:SendMessage", "Resource": "*"}]})
    c.set_queue_attributes(QueueUrl=url, Attributes={
        "VisibilityTimeout": "45", "DelaySeconds": "900", "MaximumMessageSize": "1024",
        "MessageRetentionPeriod": "60", "ReceiveMessageWaitTimeSeconds": "20", "Policy": policy,
        "KmsMasterKeyId": "alias/aws/sqs",
    })
    attrs = c.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert (attrs["VisibilityTimeout"], attrs["DelaySeconds"], attrs["MaximumMessageSize"]) == ("45", "900", "1024")
    assert (attrs["MessageRetentionPeriod"], attrs["ReceiveMessageWaitTimeSeconds"]) == ("60", "20")
    assert json.loads(attrs["Policy"]) == json.loads(policy)
    assert attrs["KmsMasterKeyId"] == "alias/aws/sqs" and attrs["KmsDataKeyReusePeriodSeconds"] == "300"
    c.set_queue_attributes(QueueUrl=url, Attributes={"Policy": ""})  # empty removes
    assert "Policy" not in c.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert c.get_queue_attributes(QueueUrl=url, AttributeNames=["VisibilityTimeout"])["Attributes"] == {
        "VisibilityTimeout": "45"}


@pytest.mark.parametrize("name,value", [
    ("VisibilityTimeout", "43201"), ("VisibilityTimeout", "-1"), ("VisibilityTimeout", "ten"),
    ("DelaySeconds", "901"), ("MaximumMessageSize", "1023"), ("MaximumMessageSize", "1048577"),
    ("MessageRetentionPeriod", "59"), ("MessageRetentionPeriod", "1209601"),
    ("ReceiveMessageWaitTimeSeconds", "21"), ("KmsDataKeyReusePeriodSeconds", "59"),
    ("SqsManagedSseEnabled", "yes"), ("Policy", "not json"),
])
def test_bad_attribute_values_change_nothing(server, name, value):
    c = sqs(server)
    url = c.create_queue(QueueName="q")["QueueUrl"]
    before = c.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    err = error(c.set_queue_attributes, QueueUrl=url, Attributes={"VisibilityTimeout": "99", name: value})
    assert err["Code"] == "InvalidAttributeValue" and name in err["Message"]
    assert c.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"] == before
    err = error(c.create_queue, QueueName="other", Attributes={name: value})
    assert err["Code"] == "InvalidAttributeValue"


def test_unknown_and_misplaced_attributes(server):
    c = sqs(server, raw=True)
    url = c.create_queue(QueueName="std")["QueueUrl"]
    for attrs in ({"Bogus": "1"}, {"ContentBasedDeduplication": "true"}, {"QueueArn": "x"},
                  {"ApproximateNumberOfMessages": "1"}):
        err = error(c.set_queue_attributes, QueueUrl=url, Attributes=attrs)
        assert err["Code"] == "InvalidAttributeName"
        assert err["Message"] == f"Unknown Attribute {next(iter(attrs))}."
    assert error(c.get_queue_attributes, QueueUrl=url, AttributeNames=["Bogus"])["Code"] == "InvalidAttributeName"
    err = error(c.create_queue, QueueName="std2", Attributes={"ContentBasedDeduplication": "true"})
    assert err["Message"] == "Unknown Attribute ContentBasedDeduplication."
    fifo = c.create_queue(QueueName="f.fifo", Attributes={"FifoQueue": "true"})["QueueUrl"]
    assert error(c.set_queue_attributes, QueueUrl=fifo, Attributes={"FifoQueue": "false"})["Code"] == "InvalidAttributeValue"
    err = error(c.set_queue_attributes, QueueUrl=fifo, Attributes={"FifoThroughputLimit": "perMessageGroupId"})
    assert err["Code"] == "InvalidAttributeValue"  # needs DeduplicationScope messageGroup
    c.set_queue_attributes(QueueUrl=fifo, Attributes={"DeduplicationScope": "messageGroup",
                                                      "FifoThroughputLimit": "perMessageGroupId"})


def test_list_queues_with_prefix_and_pagination(server):
    acct = account()
    c = sqs(server, account=acct)
    names = [f"app-{i:02d}" for i in range(7)] + ["other"]
    for name in names:
        c.create_queue(QueueName=name)
    sqs(server).create_queue(QueueName="app-other-account")
    urls = c.list_queues()["QueueUrls"]
    assert urls == [f"{server.url}/{acct}/{n}" for n in names]
    assert "NextToken" not in c.list_queues()
    assert [u.rsplit("/", 1)[1] for u in c.list_queues(QueueNamePrefix="app-")["QueueUrls"]] == names[:7]
    assert "QueueUrls" not in c.list_queues(QueueNamePrefix="zzz")
    seen, token, pages = [], None, 0
    while True:
        page = c.list_queues(QueueNamePrefix="app-", MaxResults=3, **({"NextToken": token} if token else {}))
        pages += 1
        seen += page["QueueUrls"]
        token = page.get("NextToken")
        if not token:
            break
    assert [u.rsplit("/", 1)[1] for u in seen] == names[:7] and pages == 3
    assert error(c.list_queues, MaxResults=1001)["Code"] == "InvalidParameterValue"
    assert error(c.list_queues, MaxResults=1, NextToken="garbage")["Code"] == "InvalidParameterValue"


def test_delete_queue_and_deleted_recently(server):
    c = sqs(server)
    url = c.create_queue(QueueName="short-lived")["QueueUrl"]
    c.send_message(QueueUrl=url, MessageBody="lost with the queue")
    c.delete_queue(QueueUrl=url)
    assert error(c.get_queue_url, QueueName="short-lived")["Code"] == "AWS.SimpleQueueService.NonExistentQueue"
    assert error(c.send_message, QueueUrl=url, MessageBody="x")["Code"] == "AWS.SimpleQueueService.NonExistentQueue"
    err = error(c.create_queue, QueueName="short-lived")
    assert err["Code"] == "AWS.SimpleQueueService.QueueDeletedRecently"
    assert err["QueryErrorCode"] == "QueueDeletedRecently"
    assert "60 seconds" in err["Message"]
    assert error(c.delete_queue, QueueUrl=url)["Code"] == "AWS.SimpleQueueService.NonExistentQueue"


def test_purge(server):
    c = sqs(server)
    url = c.create_queue(QueueName="p")["QueueUrl"]
    c.send_message_batch(QueueUrl=url, Entries=[{"Id": str(i), "MessageBody": f"m{i}"} for i in range(5)])
    c.purge_queue(QueueUrl=url)
    assert c.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages") is None
    assert c.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])["Attributes"] == {
        "ApproximateNumberOfMessages": "0"}
    err = error(c.purge_queue, QueueUrl=url)
    assert err["Code"] == "AWS.SimpleQueueService.PurgeQueueInProgress" and err["Status"] == 403
    assert err["Message"] == "Only one PurgeQueue operation on p is allowed every 60 seconds."
    c.send_message(QueueUrl=url, MessageBody="after")
    assert [m["Body"] for m in c.receive_message(QueueUrl=url)["Messages"]] == ["after"]


def test_tags(server):
    c = sqs(server)
    url = c.create_queue(QueueName="t", tags={"team": "a"})["QueueUrl"]
    assert c.list_queue_tags(QueueUrl=url)["Tags"] == {"team": "a"}
    c.tag_queue(QueueUrl=url, Tags={"team": "b", "env": "prod"})
    assert c.list_queue_tags(QueueUrl=url)["Tags"] == {"env": "prod", "team": "b"}
    c.untag_queue(QueueUrl=url, TagKeys=["team", "absent"])
    assert c.list_queue_tags(QueueUrl=url)["Tags"] == {"env": "prod"}
    c.untag_queue(QueueUrl=url, TagKeys=["env"])
    assert "Tags" not in c.list_queue_tags(QueueUrl=url)
    c.tag_queue(QueueUrl=url, Tags={f"k{i}": "v" for i in range(50)})
    assert error(c.tag_queue, QueueUrl=url, Tags={"one-more": "v"})["Code"] == "InvalidParameterValue"
    assert len(c.list_queue_tags(QueueUrl=url)["Tags"]) == 50


def test_permissions_edit_the_policy(server):
    acct = account()
    c = sqs(server, account=acct)
    url = c.create_queue(QueueName="shared")["QueueUrl"]
    c.add_permission(QueueUrl=url, Label="senders", AWSAccountIds=["111122223333"], Actions=["SendMessage"])
    policy = json.loads(c.get_queue_attributes(QueueUrl=url, AttributeNames=["Policy"])["Attributes"]["Policy"])
    assert policy["Statement"] == [{
        "Sid": "senders", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
        "Action": "SQS:SendMessage", "Resource": f"arn:aws:sqs:us-east-1:{acct}:shared",
    }]
    assert error(c.add_permission, QueueUrl=url, Label="senders", AWSAccountIds=["1"], Actions=["*"])["Code"] == "InvalidParameterValue"
    c.remove_permission(QueueUrl=url, Label="senders")
    assert "Policy" not in c.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert error(c.remove_permission, QueueUrl=url, Label="senders")["Code"] == "InvalidParameterValue"


def test_accounts_and_regions_are_isolated(server):
    acct = account()
    c = sqs(server, account=acct)
    c.create_queue(QueueName="mine")
    assert error(sqs(server, account=acct, region="eu-west-1").get_queue_url, QueueName="mine")["Code"] == (
        "AWS.SimpleQueueService.NonExistentQueue")
    assert error(sqs(server).get_queue_url, QueueName="mine")["Code"] == "AWS.SimpleQueueService.NonExistentQueue"
    eu = sqs(server, account=acct, region="eu-west-1")
    eu.create_queue(QueueName="mine", Attributes={"DelaySeconds": "3"})
    assert eu.get_queue_attributes(QueueUrl=eu.get_queue_url(QueueName="mine")["QueueUrl"],
                                   AttributeNames=["QueueArn"])["Attributes"]["QueueArn"].startswith("arn:aws:sqs:eu-west-1:")


def test_concurrent_attribute_changes_of_one_queue_are_all_kept(server):
    # Terraform's queue policy and redrive allow policy are two resources on one queue,
    # destroyed at once: each SetQueueAttributes removes its own attribute. A change read
    # and rewritten without the row locked lost the other's on PostgreSQL, and the
    # provider waited forever for its attribute to go.
    from concurrent.futures import ThreadPoolExecutor

    acct = account()
    c = sqs(server, account=acct)
    policy = '{"Version":"2012-10-17","Statement":[]}'
    allow = '{"redrivePermission":"denyAll"}'
    urls = [c.create_queue(QueueName=f"both-{i}", Attributes={"Policy": policy, "RedriveAllowPolicy": allow})[
        "QueueUrl"] for i in range(24)]
    clients = [sqs(server, account=acct) for _ in range(4)]  # boto3 clients are not shared across threads
    changes = [(url, name) for url in urls for name in ("Policy", "RedriveAllowPolicy")]
    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(lambda i: clients[i % 4].set_queue_attributes(
            QueueUrl=changes[i][0], Attributes={changes[i][1]: ""}), range(len(changes))))
    left = {url: set(c.get_queue_attributes(QueueUrl=url, AttributeNames=["Policy", "RedriveAllowPolicy"]).get(
        "Attributes", {})) for url in urls}
    assert left == {url: set() for url in urls}
