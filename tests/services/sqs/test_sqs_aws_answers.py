"""SQS where AWS's recorded answers (moto's and localstack's suites recorded against AWS)
differ from eventyard's earlier reading of the documentation: FIFO groups, delays and
deduplication, validation, permissions, and what ReceiveMessage returns, on both backends."""

from __future__ import annotations

import json

from _sqs import bodies, error, receive, sqs


def fifo(server, name="q.fifo", **attributes):
    c = sqs(server)
    url = c.create_queue(QueueName=name, Attributes={"FifoQueue": "true", **attributes})["QueueUrl"]
    return c, url


def send(c, url, body, group="g", dedup=None, **kw):
    return c.send_message(QueueUrl=url, MessageBody=body, MessageGroupId=group,
                          MessageDeduplicationId=dedup or body, **kw)


def count(c, url, name):
    return int(c.get_queue_attributes(QueueUrl=url, AttributeNames=[name])["Attributes"][name])


# -- FIFO ----------------------------------------------------------------------------------
def test_head_made_visible_again_frees_its_group(server):
    c, url = fifo(server)
    for i in range(3):
        send(c, url, f"m{i}")
    m0, m1 = receive(c, url, MaxNumberOfMessages=2, VisibilityTimeout=300)
    c.change_message_visibility(QueueUrl=url, ReceiptHandle=m0["ReceiptHandle"], VisibilityTimeout=0)
    # the group is receivable again; the receive stops at m1, still in flight
    assert bodies(receive(c, url, MaxNumberOfMessages=10)) == ["m0"]
    assert receive(c, url, MaxNumberOfMessages=10) == []


def test_per_message_delay_of_zero_takes_the_fifo_queues_delay(server):
    c, url = fifo(server, DelaySeconds="900")
    send(c, url, "later", DelaySeconds=0)
    assert receive(c, url) == []
    assert count(c, url, "ApproximateNumberOfMessagesDelayed") == 1


def test_purge_forgets_deduplication_ids(server):
    c, url = fifo(server)
    first = send(c, url, "m", dedup="d")
    c.purge_queue(QueueUrl=url)
    second = send(c, url, "m", dedup="d")
    assert second["MessageId"] != first["MessageId"]
    [m] = receive(c, url)
    assert m["MessageId"] == second["MessageId"]


def test_switching_to_high_throughput_keeps_deduplicating(server):
    c, url = fifo(server)
    first = send(c, url, "a", dedup="d")
    c.set_queue_attributes(QueueUrl=url, Attributes={"DeduplicationScope": "messageGroup",
                                                     "FifoThroughputLimit": "perMessageGroupId"})
    again = send(c, url, "b", dedup="d")
    assert again["MessageId"] == first["MessageId"]
    out = c.send_message_batch(QueueUrl=url, Entries=[
        {"Id": "x", "MessageBody": "c", "MessageGroupId": "g", "MessageDeduplicationId": "d"}])
    assert out["Successful"][0]["MessageId"] == first["MessageId"]
    assert bodies(receive(c, url, MaxNumberOfMessages=10)) == ["a"]


def test_fifo_batch_without_group_or_deduplication_id_fails_whole(server):
    c, url = fifo(server)
    whole = {"MessageBody": "ok", "MessageGroupId": "g", "MessageDeduplicationId": "d1"}
    err = error(c.send_message_batch, QueueUrl=url, Entries=[
        {"Id": "a", **whole}, {"Id": "b", "MessageBody": "x", "MessageDeduplicationId": "d2"}])
    assert (err["Code"], err["Status"]) == ("InvalidParameterValue", 400)
    assert err["Message"] == "The request must contain the parameter MessageGroupId."
    err = error(c.send_message_batch, QueueUrl=url, Entries=[
        {"Id": "a", **whole}, {"Id": "b", "MessageBody": "x", "MessageGroupId": "g"}])
    assert (err["Code"], err["Status"]) == ("InvalidParameterValue", 400)
    assert err["Message"] == ("The queue should either have ContentBasedDeduplication enabled or "
                              "MessageDeduplicationId provided explicitly")
    assert receive(c, url, MaxNumberOfMessages=10) == []


# -- validation ----------------------------------------------------------------------------
def test_fifo_queue_attribute_is_unknown_on_a_standard_queue(server):
    c = sqs(server)
    for name in ("plain", "named.fifo"):
        err = error(c.create_queue, QueueName=name, Attributes={"FifoQueue": "false"})
        assert (err["Code"], err["Message"]) == ("InvalidAttributeName", "Unknown Attribute FifoQueue.")
    assert c.list_queues().get("QueueUrls") is None


def test_accented_attribute_names_are_accepted_and_control_characters_refused(server):
    c = sqs(server)
    url = c.create_queue(QueueName="q")["QueueUrl"]
    attributes = {"Ñandú.größe": {"DataType": "String", "StringValue": "ok"}}
    c.send_message(QueueUrl=url, MessageBody="m", MessageAttributes=attributes)
    [m] = receive(c, url, MessageAttributeNames=["All"])
    assert m["MessageAttributes"] == attributes
    err = error(c.send_message, QueueUrl=url, MessageBody="m",
                MessageAttributes={"a": {"DataType": "String", "StringValue": "bell \x07"}})
    assert (err["Code"], err["Status"]) == ("InvalidParameterValue", 400)
    err = error(c.send_message, QueueUrl=url, MessageBody="m", MessageSystemAttributes={
        "AWSTraceHeader": {"DataType": "String", "StringValue": "Root=1-\x01"}})
    assert err["Code"] == "InvalidParameterValue"
    for bad in ("日本", "a b"):
        err = error(c.send_message, QueueUrl=url, MessageBody="m",
                    MessageAttributes={bad: {"DataType": "String", "StringValue": "x"}})
        assert err["Code"] == "InvalidParameterValue"


def test_empty_tag_lists_are_refused(server):
    c = sqs(server)
    url = c.create_queue(QueueName="q", tags={"kept": "1"})["QueueUrl"]
    err = error(c.tag_queue, QueueUrl=url, Tags={})
    assert (err["Code"], err["Message"]) == ("MissingParameter", "The request must contain the parameter Tags.")
    err = error(c.untag_queue, QueueUrl=url, TagKeys=[])
    assert err["Code"] == "InvalidParameterValue"
    assert err["Message"] == "Tag keys must be between 1 and 128 characters in length."
    assert c.list_queue_tags(QueueUrl=url)["Tags"] == {"kept": "1"}


def test_add_permission_writes_awss_policy_document(server):
    c = sqs(server)
    url = c.create_queue(QueueName="shared")["QueueUrl"]
    arn = c.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    c.add_permission(QueueUrl=url, Label="one", AWSAccountIds=["111122223333"], Actions=["ReceiveMessage"])
    c.add_permission(QueueUrl=url, Label="two", AWSAccountIds=["111122223333", "444455556666"],
                     Actions=["SendMessage", "DeleteMessage"])
    policy = json.loads(c.get_queue_attributes(QueueUrl=url, AttributeNames=["Policy"])["Attributes"]["Policy"])
    assert policy == {"Version": "2008-10-17", "Id": f"{arn}/SQSDefaultPolicy", "Statement": [
        {"Sid": "one", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
         "Action": "SQS:ReceiveMessage", "Resource": arn},
        {"Sid": "two", "Effect": "Allow",
         "Principal": {"AWS": ["arn:aws:iam::111122223333:root", "arn:aws:iam::444455556666:root"]},
         "Action": ["SQS:SendMessage", "SQS:DeleteMessage"], "Resource": arn},
    ]}
    err = error(c.add_permission, QueueUrl=url, Label="three", AWSAccountIds=["111122223333"],
                Actions=["SendMessage", "RemovePermission"])
    assert err["Code"] == "InvalidParameterValue"
    assert err["Message"] == ("Value SQS:RemovePermission for parameter ActionName is invalid. "
                              "Reason: Only the queue owner is allowed to invoke this action.")
    err = error(c.add_permission, QueueUrl=url, Label="three", AWSAccountIds=["111122223333"],
                Actions=["SendMessage"] * 8)
    assert (err["Code"], err["Status"]) == ("OverLimit", 403)
    assert err["Message"] == "8 Actions were found, maximum allowed is 7."
    err = error(c.remove_permission, QueueUrl=url, Label="three")
    assert err["Message"] == "Value three for parameter Label is invalid. Reason: can't find label."
    c.remove_permission(QueueUrl=url, Label="one")
    c.remove_permission(QueueUrl=url, Label="two")
    assert "Policy" not in c.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]


def test_batch_results_leave_failed_out_when_nothing_failed(server):
    c = sqs(server)
    url = c.create_queue(QueueName="q")["QueueUrl"]
    out = c.send_message_batch(QueueUrl=url, Entries=[{"Id": "a", "MessageBody": "x"}])
    assert "Failed" not in out and [e["Id"] for e in out["Successful"]] == ["a"]
    [m] = receive(c, url)
    entry = [{"Id": "a", "ReceiptHandle": m["ReceiptHandle"]}]
    assert "Failed" not in c.change_message_visibility_batch(
        QueueUrl=url, Entries=[{**entry[0], "VisibilityTimeout": 0}])
    assert "Failed" not in c.delete_message_batch(QueueUrl=url, Entries=entry)
    out = c.delete_message_batch(QueueUrl=url, Entries=[{"Id": "b", "ReceiptHandle": "garbage"}])
    assert [e["Id"] for e in out["Failed"]] == ["b"]


def test_a_kms_key_turns_sqs_managed_encryption_off(server):
    c = sqs(server)
    names = ["SqsManagedSseEnabled", "KmsMasterKeyId", "KmsDataKeyReusePeriodSeconds"]
    url = c.create_queue(QueueName="q", Attributes={"KmsMasterKeyId": "alias/mine"})["QueueUrl"]
    assert c.get_queue_attributes(QueueUrl=url, AttributeNames=names)["Attributes"] == {
        "SqsManagedSseEnabled": "false", "KmsMasterKeyId": "alias/mine", "KmsDataKeyReusePeriodSeconds": "300"}
    c.set_queue_attributes(QueueUrl=url, Attributes={"SqsManagedSseEnabled": "true"})
    assert c.get_queue_attributes(QueueUrl=url, AttributeNames=names)["Attributes"] == {"SqsManagedSseEnabled": "true"}
    err = error(c.set_queue_attributes, QueueUrl=url,
                Attributes={"SqsManagedSseEnabled": "true", "KmsMasterKeyId": "alias/mine"})
    assert err["Code"] == "InvalidAttributeName"
    assert err["Message"] == ("You can use one type of server-side encryption (SSE) at one time. "
                              "You can either enable KMS SSE or SQS SSE.")


def test_aws_trace_header_is_carried(server):
    c = sqs(server)
    url = c.create_queue(QueueName="q")["QueueUrl"]
    trace = {"AWSTraceHeader": {"DataType": "String", "StringValue": "Root=1-5759e988-bd862e3fe1be46a994272793"}}
    sent = c.send_message(QueueUrl=url, MessageBody="m", MessageSystemAttributes=trace)
    assert sent["MD5OfMessageSystemAttributes"]
    out = c.send_message_batch(QueueUrl=url, Entries=[{"Id": "a", "MessageBody": "n", "MessageSystemAttributes": trace}])
    assert out["Successful"][0]["MD5OfMessageSystemAttributes"] == sent["MD5OfMessageSystemAttributes"]
    for kw in ({"MessageSystemAttributeNames": ["AWSTraceHeader"]}, {"AttributeNames": ["AWSTraceHeader"]},
               {"MessageSystemAttributeNames": ["All"]}):
        [m] = receive(c, url, VisibilityTimeout=0, **kw)
        assert m["Attributes"]["AWSTraceHeader"] == trace["AWSTraceHeader"]["StringValue"]


# -- ReceiveMessage: MessageAttributeNames ---------------------------------------------------
def test_message_attribute_names_select_as_aws_does(server):
    from test_sqs_messages import _md5_of_attributes

    c = sqs(server)
    url = c.create_queue(QueueName="q")["QueueUrl"]
    attributes = {name: {"DataType": "String", "StringValue": value}
                  for name, value in (("Help.Me", "Me"), ("Hello", "There"), ("General", "Kenobi"))}
    c.send_message(QueueUrl=url, MessageBody="msg", MessageAttributes=attributes)

    def selected(names):
        [m] = receive(c, url, VisibilityTimeout=0, MessageAttributeNames=names)
        got = m.get("MessageAttributes", {})
        if got:
            assert m["MD5OfMessageAttributes"] == _md5_of_attributes(got)
        else:  # AWS's JSON answer leaves empty collections out, and there is no digest of nothing
            assert "MessageAttributes" not in m and "MD5OfMessageAttributes" not in m
        return sorted(got)

    assert selected([]) == []
    for every in (["All"], ["*"], [".*"]):
        assert selected(every) == ["General", "Hello", "Help.Me"]
    assert selected(["Foo", "Help"]) == []
    assert selected(["Hello", "General"]) == ["General", "Hello"]
    assert selected(["Foo", "Hello"]) == ["Hello"]
    assert selected(["Hel.*"]) == ["Hello", "Help.Me"]
    assert selected(["AWS."]) == [] and selected(["..foo"]) == []


def test_the_x_ray_header_of_a_send_becomes_its_aws_trace_header(server):
    c = sqs(server)
    url = c.create_queue(QueueName="q")["QueueUrl"]
    header = "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1"

    def with_trace_id(request, **_):
        request.headers["X-Amzn-Trace-Id"] = header

    c.meta.events.register("before-sign.sqs.SendMessage", with_trace_id)
    c.meta.events.register("before-sign.sqs.SendMessageBatch", with_trace_id)
    c.send_message(QueueUrl=url, MessageBody="m")
    c.send_message_batch(QueueUrl=url, Entries=[{"Id": "a", "MessageBody": "n"}])
    messages = receive(c, url, MaxNumberOfMessages=10, MessageSystemAttributeNames=["AWSTraceHeader"])
    assert [m["Attributes"]["AWSTraceHeader"] for m in messages] == [header, header]


# -- queue URLs ----------------------------------------------------------------------------
def test_the_same_name_in_two_regions_is_two_queues(server):
    from _sqs import account

    acct = account()
    west, north = sqs(server, account=acct, region="us-west-1"), sqs(server, account=acct, region="eu-north-1")
    west_url = west.create_queue(QueueName="orders")["QueueUrl"]
    north_url = north.create_queue(QueueName="orders")["QueueUrl"]
    # AWS's path, /account/name (Terraform's provider refuses any other), names the queue
    # of the region the client signs for: each client's URL round-trips to its own queue.
    assert west_url == north_url == f"{server.url}/{acct}/orders"
    assert north.get_queue_url(QueueName="orders")["QueueUrl"] == north_url
    assert north.list_queues()["QueueUrls"] == [north_url]
    west.send_message(QueueUrl=west_url, MessageBody="west")
    assert receive(north, north_url) == []
    assert bodies(receive(west, west_url)) == ["west"]
    # a region in the URL names that region's queue, whichever region the client signs
    # for: eventyard's /queue/<region>/ form, and AWS's own regional hosts
    north.send_message(QueueUrl=f"{server.url}/queue/us-west-1/{acct}/orders", MessageBody="to the west")
    assert receive(north, north_url) == []
    assert bodies(receive(west, west_url, VisibilityTimeout=0, MaxNumberOfMessages=10)) == ["to the west"]
    west.send_message(QueueUrl=f"https://sqs.eu-north-1.amazonaws.com/{acct}/orders", MessageBody="n")
    assert bodies(receive(north, north_url, MaxNumberOfMessages=10)) == ["n"]


def test_a_bare_queue_name_is_a_queue_url(server):
    c = sqs(server)
    url = c.create_queue(QueueName="plain")["QueueUrl"]
    c.send_message(QueueUrl="plain", MessageBody="by name")
    assert c.get_queue_attributes(QueueUrl="plain", AttributeNames=["QueueArn"])["Attributes"]["QueueArn"].endswith(":plain")
    assert bodies(receive(c, url)) == ["by name"]
    assert error(c.send_message, QueueUrl="missing", MessageBody="x")["Code"] == "AWS.SimpleQueueService.NonExistentQueue"


# -- the query API on a queue's URL --------------------------------------------------------
def _get(url: str, params: dict[str, str] | None = None, region: str = "us-east-1"):
    """A signed GET, as the query API allows on a queue's URL."""
    from urllib.parse import urlencode

    import httpx
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    full = f"{url}?{urlencode(params)}" if params else url
    request = AWSRequest(method="GET", url=full)
    SigV4Auth(Credentials(url.split("/")[-2], "secret"), "sqs", region).add_auth(request)
    return httpx.get(full, headers=dict(request.headers.items()), timeout=30)


def _parsed(response, operation: str):
    """The response as botocore's query parser reads it."""
    from botocore.parsers import QueryParser

    from eventyard.api.query_protocol import wire_operation
    from eventyard.api import catalog

    model = wire_operation(catalog.service("sqs").operations[operation])
    return QueryParser().parse({"status_code": response.status_code, "headers": dict(response.headers),
                                "body": response.content}, model.output_shape)


def test_query_api_on_a_queue_url(server):
    c = sqs(server)
    url = c.create_queue(QueueName="q")["QueueUrl"]
    # no action: 404 and AWS's bare XML element, whatever the client accepts
    r = _get(url)
    assert (r.status_code, r.text) == (404, "<UnknownOperationException/>")
    assert r.headers["content-type"].startswith("text/xml")
    # actions that do not act on a queue are refused there
    for action in ("CreateQueue", "ListQueues"):
        r = _get(url, {"Action": action, "QueueName": "other"})
        assert r.status_code == 400 and "<Code>InvalidAction</Code>" in r.text
        assert f"<Message>The action {action} is not valid for this endpoint.</Message>" in r.text
    assert "QueueUrls" not in c.list_queues() or c.list_queues()["QueueUrls"] == [url]
    r = _get(url, {"Action": "FooBar", "Version": "2012-11-05"})
    assert r.status_code == 400 and "<Message>The action FooBar is not valid for this endpoint.</Message>" in r.text
    # GetQueueUrl is fine there, and an empty receive is an empty element
    r = _get(url, {"Action": "GetQueueUrl", "QueueName": "q"})
    assert r.status_code == 200 and _parsed(r, "GetQueueUrl")["QueueUrl"] == url
    r = _get(url, {"Action": "ReceiveMessage"})
    assert r.status_code == 200 and "<ReceiveMessageResult/>" in r.text
    assert "Messages" not in _parsed(r, "ReceiveMessage")
    r = _get(url, {"Action": "SendMessage", "MessageBody": "hi"})
    assert r.status_code == 200 and _parsed(r, "SendMessage")["MessageId"]
    r = _get(url, {"Action": "SendMessage"})
    assert r.status_code == 400 and "<Code>MissingParameter</Code>" in r.text
    assert "<Message>The request must contain the parameter MessageBody.</Message>" in r.text
    other = c.create_queue(QueueName="other")["QueueUrl"]
    r = _get(url, {"Action": "GetQueueAttributes", "QueueUrl": other, "AttributeName.1": "QueueArn"})
    assert _parsed(r, "GetQueueAttributes")["Attributes"]["QueueArn"].endswith(":other")
    r = _get(url, {"Action": "GetQueueAttributes", "AttributeName.1": "Foobar"})
    assert "<Code>InvalidAttributeName</Code>" in r.text and "<Message>Unknown Attribute Foobar.</Message>" in r.text
    c.delete_queue(QueueUrl=url)
    r = _get(url, {"Action": "GetQueueAttributes", "AttributeName.1": "QueueArn"})
    assert r.status_code == 400 and "<Code>AWS.SimpleQueueService.NonExistentQueue</Code>" in r.text
    assert "<Message>The specified queue does not exist for this wsdl version.</Message>" in r.text


# -- message move tasks --------------------------------------------------------------------
def test_cancelling_unknown_move_tasks_answers_as_aws(server):
    import base64

    c = sqs(server)
    dlq = c.create_queue(QueueName="dlq")["QueueUrl"]
    dlq_arn = c.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]

    def handle(data):
        return base64.b64encode(json.dumps(data).encode()).decode()

    err = error(c.cancel_message_move_task, TaskHandle="not-a-handle")
    assert (err["Code"], err["Message"]) == ("InvalidParameterValue", "Value for parameter TaskHandle is invalid.")
    err = error(c.cancel_message_move_task, TaskHandle=handle({"taskId": "t", "sourceArn": dlq_arn + "-gone"}))
    assert (err["Code"], err["Status"]) == ("ResourceNotFoundException", 404)
    assert err["Message"] == "The resource that you specified for the SourceArn parameter doesn't exist."
    err = error(c.cancel_message_move_task, TaskHandle=handle({"taskId": "t", "sourceArn": dlq_arn}))
    assert (err["Code"], err["Message"], err["Status"]) == ("ResourceNotFoundException", "Task does not exist.", 404)
