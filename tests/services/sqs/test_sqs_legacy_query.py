"""SQS over the legacy query protocol, as SDKs from before November 2023 speak it.

Requests are written by hand in the spelling of AWS's query API reference
(``Attribute.1.Name``, ``MessageAttribute.1.Value.StringValue``,
``SendMessageBatchRequestEntry.1.Id`` ...), signed with SigV4, and the XML answers are
read by element name, the way those SDKs' unmarshallers read them. The expected names
come from the API reference, not from eventyard's own model mapping.
"""

from __future__ import annotations

import hashlib
import xml.etree.ElementTree as ET
from typing import Any
from urllib.parse import urlencode

import httpx
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from _sqs import account

NS = {"q": "http://queue.amazonaws.com/doc/2012-11-05/"}


class LegacyClient:
    def __init__(self, server: Any, acct: str) -> None:
        self.server = server
        self.credentials = Credentials(acct, "secret")

    def call(self, action: str, params: dict[str, str] | None = None, *, path: str = "/") -> tuple[int, ET.Element]:
        body = urlencode({"Action": action, "Version": "2012-11-05", **(params or {})})
        request = AWSRequest(method="POST", url=self.server.url + path, data=body,
                             headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
        SigV4Auth(self.credentials, "sqs", "us-east-1").add_auth(request)
        response = httpx.post(self.server.url + path, content=body, headers=dict(request.headers.items()), timeout=30)
        assert response.headers["content-type"].startswith("text/xml")
        return response.status_code, ET.fromstring(response.content)

    def ok(self, action: str, params: dict[str, str] | None = None, **kw: Any) -> ET.Element:
        status, root = self.call(action, params, **kw)
        assert status == 200, ET.tostring(root)
        assert root.tag == f"{{{NS['q']}}}{action}Response"
        assert root.find("q:ResponseMetadata/q:RequestId", NS) is not None
        return root


def text(node: ET.Element, path: str) -> str:
    found = node.find(path, NS)
    assert found is not None, f"{path} missing in {ET.tostring(node)!r}"
    return found.text or ""


def name_values(node: ET.Element, element: str) -> dict[str, str]:
    return {text(a, "q:Name"): text(a, "q:Value") for a in node.findall(element, NS)}


def test_queue_and_message_operations(server):
    acct = account()
    c = LegacyClient(server, acct)
    root = c.ok("CreateQueue", {"QueueName": "legacy", "Attribute.1.Name": "VisibilityTimeout",
                                "Attribute.1.Value": "40", "Tag.1.Key": "team", "Tag.1.Value": "core"})
    url = text(root, "q:CreateQueueResult/q:QueueUrl")
    assert url == f"{server.url}/{acct}/legacy"
    assert text(c.ok("GetQueueUrl", {"QueueName": "legacy"}), "q:GetQueueUrlResult/q:QueueUrl") == url
    assert [q.text for q in c.ok("ListQueues").findall("q:ListQueuesResult/q:QueueUrl", NS)] == [url]

    root = c.ok("GetQueueAttributes", {"QueueUrl": url, "AttributeName.1": "All"})
    attrs = name_values(root, "q:GetQueueAttributesResult/q:Attribute")
    assert attrs["VisibilityTimeout"] == "40" and attrs["QueueArn"] == f"arn:aws:sqs:us-east-1:{acct}:legacy"
    tags = {text(t, "q:Key"): text(t, "q:Value") for t in c.ok("ListQueueTags", {"QueueUrl": url}).findall(
        "q:ListQueueTagsResult/q:Tag", NS)}
    assert tags == {"team": "core"}

    root = c.ok("SendMessage", {
        "QueueUrl": url, "MessageBody": "hello <&> \r\n world",
        "MessageAttribute.1.Name": "color", "MessageAttribute.1.Value.DataType": "String",
        "MessageAttribute.1.Value.StringValue": "blue",
        "MessageAttribute.2.Name": "raw", "MessageAttribute.2.Value.DataType": "Binary",
        "MessageAttribute.2.Value.BinaryValue": "AAH/",
    })
    result = root.find("q:SendMessageResult", NS)
    assert result is not None
    assert text(result, "q:MD5OfMessageBody") == hashlib.md5("hello <&> \r\n world".encode()).hexdigest()
    assert len(text(result, "q:MD5OfMessageAttributes")) == 32
    message_id = text(result, "q:MessageId")

    root = c.ok("SendMessageBatch", {
        "QueueUrl": url,
        "SendMessageBatchRequestEntry.1.Id": "a", "SendMessageBatchRequestEntry.1.MessageBody": "batch-a",
        "SendMessageBatchRequestEntry.2.Id": "b", "SendMessageBatchRequestEntry.2.MessageBody": "batch-b",
        "SendMessageBatchRequestEntry.2.DelaySeconds": "901",
    })
    ok = root.findall("q:SendMessageBatchResult/q:SendMessageBatchResultEntry", NS)
    failed = root.findall("q:SendMessageBatchResult/q:BatchResultErrorEntry", NS)
    assert [text(e, "q:Id") for e in ok] == ["a"]
    assert [(text(e, "q:Id"), text(e, "q:Code"), text(e, "q:SenderFault")) for e in failed] == [
        ("b", "InvalidParameterValue", "true")]

    root = c.ok("ReceiveMessage", {"QueueUrl": url, "MaxNumberOfMessages": "10", "AttributeName.1": "All",
                                   "MessageAttributeName.1": "All"})
    messages = root.findall("q:ReceiveMessageResult/q:Message", NS)
    assert [text(m, "q:Body") for m in messages] == ["hello <&> \r\n world", "batch-a"]
    first = messages[0]
    assert text(first, "q:MessageId") == message_id
    assert text(first, "q:MD5OfBody") == hashlib.md5("hello <&> \r\n world".encode()).hexdigest()
    assert name_values(first, "q:Attribute")["ApproximateReceiveCount"] == "1"
    user = {text(a, "q:Name"): (text(a, "q:Value/q:DataType"), a.find("q:Value/q:StringValue", NS),
                                a.find("q:Value/q:BinaryValue", NS))
            for a in first.findall("q:MessageAttribute", NS)}
    assert user["color"][0] == "String" and user["color"][1].text == "blue"  # type: ignore[union-attr]
    assert user["raw"][0] == "Binary" and user["raw"][2].text == "AAH/"  # type: ignore[union-attr]

    root = c.ok("DeleteMessageBatch", {
        "QueueUrl": url,
        "DeleteMessageBatchRequestEntry.1.Id": "x", "DeleteMessageBatchRequestEntry.1.ReceiptHandle": text(first, "q:ReceiptHandle"),
        "DeleteMessageBatchRequestEntry.2.Id": "y", "DeleteMessageBatchRequestEntry.2.ReceiptHandle": "garbage",
    })
    assert [text(e, "q:Id") for e in root.findall("q:DeleteMessageBatchResult/q:DeleteMessageBatchResultEntry", NS)] == ["x"]
    assert [text(e, "q:Code") for e in root.findall("q:DeleteMessageBatchResult/q:BatchResultErrorEntry", NS)] == [
        "ReceiptHandleIsInvalid"]
    c.ok("ChangeMessageVisibility", {"QueueUrl": url, "ReceiptHandle": text(messages[1], "q:ReceiptHandle"),
                                     "VisibilityTimeout": "0"})
    root = c.ok("ReceiveMessage", {"QueueUrl": url, "WaitTimeSeconds": "1"})
    assert [text(m, "q:Body") for m in root.findall("q:ReceiveMessageResult/q:Message", NS)] == ["batch-a"]
    c.ok("DeleteQueue", {"QueueUrl": url})


def test_requests_posted_to_the_queue_url(server):
    """Java SDK v1 and other old clients post to the queue URL and leave QueueUrl out."""
    acct = account()
    c = LegacyClient(server, acct)
    c.ok("CreateQueue", {"QueueName": "by-path"})
    c.ok("SendMessage", {"MessageBody": "via path"}, path=f"/{acct}/by-path")
    root = c.ok("ReceiveMessage", {}, path=f"/{acct}/by-path")
    assert text(root, "q:ReceiveMessageResult/q:Message/q:Body") == "via path"


def test_errors_in_xml(server):
    c = LegacyClient(server, account())
    status, root = c.call("GetQueueUrl", {"QueueName": "missing"})
    assert status == 400 and root.tag == f"{{{NS['q']}}}ErrorResponse"
    assert text(root, "q:Error/q:Code") == "AWS.SimpleQueueService.NonExistentQueue"
    assert text(root, "q:Error/q:Type") == "Sender"
    assert text(root, "q:Error/q:Message") == "The specified queue does not exist for this wsdl version."
    assert text(root, "q:RequestId")
    url = text(c.ok("CreateQueue", {"QueueName": "p"}), "q:CreateQueueResult/q:QueueUrl")
    c.ok("PurgeQueue", {"QueueUrl": url})
    status, root = c.call("PurgeQueue", {"QueueUrl": url})
    assert status == 403 and text(root, "q:Error/q:Code") == "AWS.SimpleQueueService.PurgeQueueInProgress"
    status, root = c.call("CreateQueue", {"QueueName": "p", "Attribute.1.Name": "DelaySeconds", "Attribute.1.Value": "9"})
    assert status == 400 and text(root, "q:Error/q:Code") == "QueueAlreadyExists"
    status, root = c.call("SendMessage", {"QueueUrl": url})
    assert status == 400 and text(root, "q:Error/q:Code") == "MissingParameter"
    status, root = c.call("ReceiveMessage", {"QueueUrl": url, "MaxNumberOfMessages": "11"})
    assert status == 400 and text(root, "q:Error/q:Code") == "InvalidParameterValue"
    status, root = c.call("GetQueueAttributes", {"QueueUrl": url, "AttributeName.1": "Nope"})
    assert status == 400 and text(root, "q:Error/q:Code") == "InvalidAttributeName"
