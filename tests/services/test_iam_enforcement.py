"""The enforcement table (``tests/_iam_table.py``) through a real server with ``--auth iam``.

For each row: the principal is made with IAM calls (a user with an access key, or a role
assumed with STS, with the row's inline policies, permissions boundary and session
policy), the resource gets the row's policy and tags (as its account's root), then the
request is signed as the principal. Allowed: the call works. Denied: the service's own
error shape (SQS ``AccessDenied`` 403, SNS ``AuthorizationError`` 403, EventBridge
``AccessDeniedException`` 400, IAM ``AccessDenied`` 403) with AWS's message, and the
resource as it was. Then ``/metrics`` counts the decisions and the log names each denial.

Principals and created resources get a per-row suffix (``alice`` becomes ``alice-r7``
in the row's names and policies alike); the queue, topic and bus are shared, their
policies and tags reset before each row.
"""

from __future__ import annotations

import json
import re
from typing import Any

import boto3
import httpx
import pytest
from botocore.exceptions import ClientError
from botocore import xform_name

from _clients import NO_RETRY
from _iam_table import A, B, DEFAULT_TOPIC_POLICY, REGION, ROWS, Row


ROOT_KEYS = {A: ("AKIAROOTAAAAAAAAAAAA", "root-secret-a"), B: ("AKIAROOTBBBBBBBBBBBB", "root-secret-b")}
METRICS_TOKEN = "enforcement-table"
WIRE_ROWS = [(n, r) for n, r in enumerate(ROWS) if r.wire]
# the shape of a denial, per service: (error code, HTTP status)
DENIAL = {"sqs": ("AccessDenied", 403), "sns": ("AuthorizationError", 403), "events": ("AccessDeniedException", 400),
          "iam": ("AccessDenied", 403), "sts": ("AccessDenied", 403), "secretsmanager": ("AccessDeniedException", 400)}
_LOCAL_NAMES = re.compile(r"alice|bob|worker|builder|carol|fresh", re.IGNORECASE)


@pytest.fixture(scope="module")
def iam_server(make_server: Any) -> Any:
    keys = ",".join(f"{akid}:{secret}:{account}" for account, (akid, secret) in ROOT_KEYS.items())
    return make_server(extra_args=["--auth", "iam", "--access-keys", keys, "--metrics-token", METRICS_TOKEN,
                                   "--log-level", "info"])


def localized(value: Any, n: int) -> Any:
    """``value`` with the row's own names (``alice`` -> ``alice-r7``, case kept)."""
    text = json.dumps(value)

    def rename(found: re.Match[str]) -> str:
        suffix = f"-r{n}"
        return found.group(0) + (suffix.upper() if found.group(0).isupper() else suffix)

    return json.loads(_LOCAL_NAMES.sub(rename, text))


def client(service: str, url: str, akid: str, secret: str, token: str | None = None) -> Any:
    return boto3.session.Session().client(service, endpoint_url=url, region_name=REGION, aws_access_key_id=akid,
                                          aws_secret_access_key=secret, aws_session_token=token, config=NO_RETRY)


def root(service: str, url: str, account: str = A) -> Any:
    return client(service, url, *ROOT_KEYS[account])


class World:
    """The shared resources of account A, as its root sees them."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.sqs, self.sns, self.events = root("sqs", url), root("sns", url), root("events", url)
        self.queue_urls: dict[str, str] = {}
        self.topic = self.sns.create_topic(Name="alerts")["TopicArn"]
        self.events.create_event_bus(Name="orders-bus")

    def queue_url(self, name: str) -> str:
        if name not in self.queue_urls:
            self.queue_urls[name] = self.sqs.create_queue(QueueName=name)["QueueUrl"]
        return self.queue_urls[name]

    def reset(self, row: Row, n: int, queue_url: str) -> None:
        """The shared resources as the row wants them: its policy, its tags, nothing else."""
        self.sqs.set_queue_attributes(QueueUrl=queue_url, Attributes={"Policy": "", "DelaySeconds": "0"})
        self.sqs.untag_queue(QueueUrl=queue_url, TagKeys=["team", "locked"])
        if row.resource_tags:
            self.sqs.tag_queue(QueueUrl=queue_url, Tags=dict(row.resource_tags))
        self.sns.set_topic_attributes(TopicArn=self.topic, AttributeName="Policy",
                                      AttributeValue=json.dumps(DEFAULT_TOPIC_POLICY))
        try:
            self.events.remove_permission(EventBusName="orders-bus", RemoveAllPermissions=True)
        except ClientError:
            pass  # no policy yet
        try:
            self.events.delete_rule(Name="r1", EventBusName="orders-bus")
        except ClientError:
            pass
        if row.resource is not None:
            policy = json.dumps(localized(row.resource, n))  # it names the row's own principals
            target = row.call.target
            if target == "queue":
                self.sqs.set_queue_attributes(QueueUrl=queue_url, Attributes={"Policy": policy})
            elif target == "topic":
                self.sns.set_topic_attributes(TopicArn=self.topic, AttributeName="Policy", AttributeValue=policy)
            elif target == "bus":
                self.events.put_permission(EventBusName="orders-bus", Policy=policy)

    def snapshot(self, row: Row, n: int, queue_url: str) -> Any:
        """What the call would change, read as the root (None: nothing to read)."""
        op = row.call.operation
        if op in ("SendMessage", "SendMessageBatch"):
            # every message, whichever state it moves to meanwhile (a visibility timeout may end)
            attrs = self.sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["All"])["Attributes"]
            return sum(int(attrs[k]) for k in ("ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible",
                                               "ApproximateNumberOfMessagesDelayed"))
        if op == "SetQueueAttributes":
            return self.sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["DelaySeconds"])["Attributes"]
        if op == "TagQueue":
            return self.sqs.list_queue_tags(QueueUrl=queue_url).get("Tags")
        if op == "CreateQueue":
            return sorted(self.sqs.list_queues(QueueNamePrefix=localized("fresh", n)).get("QueueUrls", []))
        if op == "CreateTopic":
            return sorted(t["TopicArn"] for t in self.sns.list_topics()["Topics"])
        if op == "PutRule":
            return [r["Name"] for r in self.events.list_rules(EventBusName="orders-bus")["Rules"]]
        if op == "CreateUser":
            return sorted(u["UserName"] for u in root("iam", self.url).list_users()["Users"])
        return None


@pytest.fixture(scope="module")
def world(iam_server: Any) -> World:
    return World(iam_server.url)


def principal_client(row: Row, n: int, url: str, service: str) -> tuple[Any, str]:
    """A client signed as the row's principal, made for it; and the principal's ARN."""
    who = row.who
    if who.kind == "root":
        return root(service, url, who.account), who.arn
    iam = root("iam", url, who.account)
    name = localized(who.name, n)
    boundary_arn = None
    if row.boundary is not None:
        made = iam.create_policy(PolicyName=f"boundary-r{n}", PolicyDocument=json.dumps(localized(row.boundary, n)))
        boundary_arn = made["Policy"]["Arn"]
    if who.kind == "user":
        iam.create_user(UserName=name)
        for i, policy in enumerate(row.identity):
            iam.put_user_policy(UserName=name, PolicyName=f"p{i}", PolicyDocument=json.dumps(localized(policy, n)))
        if boundary_arn:
            iam.put_user_permissions_boundary(UserName=name, PermissionsBoundary=boundary_arn)
        key = iam.create_access_key(UserName=name)["AccessKey"]
        return client(service, url, key["AccessKeyId"], key["SecretAccessKey"]), localized(who.arn, n)
    # roots may not assume roles (AWS): a user of the account does, named by the trust policy
    assumer = f"assumer-r{n}"
    iam.create_user(UserName=assumer)
    iam.put_user_policy(UserName=assumer, PolicyName="assume", PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}]}))
    assumer_key = iam.create_access_key(UserName=assumer)["AccessKey"]
    trust = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Action": "sts:AssumeRole",
        "Principal": {"AWS": f"arn:aws:iam::{who.account}:user/{assumer}"}}]}
    iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))
    for i, policy in enumerate(row.identity):
        iam.put_role_policy(RoleName=name, PolicyName=f"p{i}", PolicyDocument=json.dumps(localized(policy, n)))
    if boundary_arn:
        iam.put_role_permissions_boundary(RoleName=name, PermissionsBoundary=boundary_arn)
    assume: dict[str, Any] = {"RoleArn": localized(who.role_arn, n), "RoleSessionName": who.session}
    if row.session is not None:
        assume["Policy"] = json.dumps(localized(row.session, n))
    sts = client("sts", url, assumer_key["AccessKeyId"], assumer_key["SecretAccessKey"])
    creds = sts.assume_role(**assume)["Credentials"]
    return (client(service, url, creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"]),
            localized(who.arn, n))


@pytest.mark.parametrize("n, row", WIRE_ROWS, ids=[r.id for _, r in WIRE_ROWS])
def test_row_over_the_wire(iam_server: Any, world: World, n: int, row: Row) -> None:
    call = row.call
    queue_url = world.queue_url(localized(call.queue_name, n))
    world.reset(row, n, queue_url)
    caller, principal_arn = principal_client(row, n, iam_server.url, call.service)
    before = world.snapshot(row, n, queue_url) if row.expect == "deny" else None
    params = localized(call.params("<queue-url>"), n)  # the URL holds the row's names already
    if params.get("QueueUrl") == "<queue-url>":
        params["QueueUrl"] = queue_url
    method = getattr(caller, xform_name(call.operation))
    if row.expect == "allow":
        method(**params)
        return
    with pytest.raises(ClientError) as denied:
        method(**params)
    error = denied.value.response["Error"]
    code, status = DENIAL[call.service]
    assert (error["Code"], denied.value.response["ResponseMetadata"]["HTTPStatusCode"]) == (code, status), error
    assert error["Message"].startswith(f"User: {principal_arn} is not authorized to perform: "), error["Message"]
    if row.reason is not None:
        assert row.reason in error["Message"], error["Message"]
    assert world.snapshot(row, n, queue_url) == before  # nothing changed


def test_decisions_are_counted_and_denials_logged(iam_server: Any, world: World) -> None:
    """After at least one allowed and one denied call: /metrics counts both, and the log
    has a line per denial with principal, action and resource."""
    url = iam_server.url
    root("sqs", url).list_queues()
    outsider = root("sqs", url, B)
    with pytest.raises(ClientError):
        outsider.send_message(QueueUrl=world.queue_url("orders"), MessageBody="x")
    text = httpx.get(f"{url}/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"}).text
    assert re.search(r'eventyard_authorization_decisions_total\{decision="allow",service="sqs"\} [1-9]', text)
    assert re.search(r'eventyard_authorization_decisions_total\{decision="deny",service="sqs"\} [1-9]', text)
    lines = [json.loads(line) for line in iam_server.log_path.read_text().splitlines()
             if line.startswith("{") and '"access denied"' in line]
    assert any(line["principal"] == f"arn:aws:iam::{B}:root" and line["action"] == "sqs:SendMessage"
               and line["resource"].endswith(":orders") for line in lines)
