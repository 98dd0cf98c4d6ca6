"""``--auth iam`` through a real server with each account's root keys: the owner's root
is let in, another account's root only where the resource's policy lets it, denials
answer in each service's own shape with AWS's words, /metrics counts the decisions
and the log names each denial. (Users and roles: ``tests/services/test_iam_enforcement.py``.)"""

from __future__ import annotations

import json
import re
from typing import Any

import httpx
import pytest
from botocore.exceptions import ClientError

from _clients import client

A, B = "111111111111", "222222222222"
KEYS = {A: ("AKIAROOTOFAAAAAAAAAA", "secret-a"), B: ("AKIAROOTOFBBBBBBBBBB", "secret-b")}
TOKEN = "iam-mode"


@pytest.fixture(scope="module")
def iam_server(make_server: Any) -> Any:
    keys = ",".join(f"{akid}:{secret}:{account}" for account, (akid, secret) in KEYS.items())
    return make_server(extra_args=["--auth", "iam", "--access-keys", keys, "--metrics-token", TOKEN,
                                   "--log-level", "info"])


def root(service: str, server: Any, account: str) -> Any:
    c = client(service, server.url)
    from botocore.credentials import Credentials

    c._request_signer._credentials = Credentials(*KEYS[account])
    return c


def refusal(call: Any) -> tuple[str, int, str]:
    with pytest.raises(ClientError) as denied:
        call()
    error = denied.value.response["Error"]
    return error["Code"], denied.value.response["ResponseMetadata"]["HTTPStatusCode"], error["Message"]


def test_sqs_owner_in_other_account_out_until_the_queue_policy_says_so(iam_server: Any) -> None:
    owner, other = root("sqs", iam_server, A), root("sqs", iam_server, B)
    url = owner.create_queue(QueueName="orders")["QueueUrl"]
    arn = f"arn:aws:sqs:us-east-1:{A}:orders"
    owner.send_message(QueueUrl=url, MessageBody="mine")
    code, status, message = refusal(lambda: other.send_message(QueueUrl=url, MessageBody="theirs"))
    assert (code, status) == ("AccessDenied", 403)
    assert message == (f"User: arn:aws:iam::{B}:root is not authorized to perform: sqs:sendmessage on resource: "
                       f"{arn} because no resource-based policy allows the sqs:sendmessage action")
    depth = owner.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])
    assert depth["Attributes"]["ApproximateNumberOfMessages"] == "1"  # nothing changed
    policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": B},
                                                      "Action": "sqs:SendMessage", "Resource": arn}]}
    owner.set_queue_attributes(QueueUrl=url, Attributes={"Policy": json.dumps(policy)})
    other.send_message(QueueUrl=url, MessageBody="theirs")
    depth = owner.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])
    assert depth["Attributes"]["ApproximateNumberOfMessages"] == "2"


def test_an_explicit_deny_in_the_queue_policy_stops_the_owner_but_not_from_editing_it(iam_server: Any) -> None:
    owner = root("sqs", iam_server, A)
    url = owner.create_queue(QueueName="locked")["QueueUrl"]
    arn = f"arn:aws:sqs:us-east-1:{A}:locked"
    policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Principal": "*", "Action": "sqs:*",
                                                      "Resource": arn}]}
    owner.set_queue_attributes(QueueUrl=url, Attributes={"Policy": json.dumps(policy)})
    code, _, message = refusal(lambda: owner.send_message(QueueUrl=url, MessageBody="x"))
    assert code == "AccessDenied" and message.endswith("with an explicit deny in a resource-based policy")
    owner.set_queue_attributes(QueueUrl=url, Attributes={"Policy": ""})
    owner.send_message(QueueUrl=url, MessageBody="x")


def test_sns_and_eventbridge_answer_in_their_own_shapes(iam_server: Any) -> None:
    topic = root("sns", iam_server, A).create_topic(Name="alerts")["TopicArn"]
    code, status, message = refusal(lambda: root("sns", iam_server, B).publish(TopicArn=topic, Message="m"))
    assert (code, status) == ("AuthorizationError", 403)
    assert message == (f"User: arn:aws:iam::{B}:root is not authorized to perform: SNS:Publish on resource: {topic} "
                       "because no resource-based policy allows the SNS:Publish action")
    root("events", iam_server, A).create_event_bus(Name="orders-bus")
    bus = f"arn:aws:events:us-east-1:{A}:event-bus/orders-bus"
    entry = {"Source": "app", "DetailType": "d", "Detail": "{}", "EventBusName": bus}
    code, status, message = refusal(lambda: root("events", iam_server, B).put_events(Entries=[entry]))
    assert (code, status) == ("AccessDeniedException", 400)
    assert message.startswith(f"User: arn:aws:iam::{B}:root is not authorized to perform: events:PutEvents")


def test_decisions_are_counted_and_denials_logged(iam_server: Any) -> None:
    owner, other = root("sqs", iam_server, A), root("sqs", iam_server, B)
    url = owner.create_queue(QueueName="counted")["QueueUrl"]
    refusal(lambda: other.send_message(QueueUrl=url, MessageBody="x"))
    text = httpx.get(f"{iam_server.url}/metrics", headers={"Authorization": f"Bearer {TOKEN}"}).text
    assert re.search(r'eventyard_authorization_decisions_total\{decision="allow",service="sqs"\} [1-9]', text)
    assert re.search(r'eventyard_authorization_decisions_total\{decision="deny",service="sqs"\} [1-9]', text)
    lines = [json.loads(line) for line in iam_server.log_path.read_text().splitlines()
             if line.startswith("{") and '"access denied"' in line]
    assert any(line["principal"] == f"arn:aws:iam::{B}:root" and line["action"] == "sqs:SendMessage"
               and line["resource"] == f"arn:aws:sqs:us-east-1:{A}:counted" for line in lines)
