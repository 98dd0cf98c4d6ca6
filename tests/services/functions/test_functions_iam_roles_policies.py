"""Lambda's own authorization under ``--auth iam``, on both backends:

- a function's AWS calls run as its execution role: the worker gets a session of the
  role from eventyard's STS, so the role's policies decide; an SQS mapping wants a role
  that may read the queue;
- the function's resource policy (AddPermission) decides, Conditions included, whether
  an EventBridge rule or another account may invoke it;
- an ``AWS_IAM`` function URL wants a valid signature of someone allowed to
  ``lambda:InvokeFunctionUrl``."""

from __future__ import annotations

import json
import time
from typing import Any

import boto3
import httpx
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

from _clients import NO_RETRY
from services.functions._functions import ECHO, zipped

A = "111111111111"
B = "222222222222"
ROOT = ("AKIAROOTLAMBDAROLEAA", "root-secret")
OTHER = ("AKIAROOTLAMBDAOTHERB", "other-secret")
SENDER = zipped({"app.py": """
import boto3
def handler(event, context):
    who = boto3.client("sts").get_caller_identity()["Arn"]
    try:
        boto3.client("sqs").send_message(QueueUrl=event["queue"], MessageBody="from " + context.function_name)
    except Exception as exc:
        return {"who": who, "error": getattr(exc, "response", {}).get("Error", {}).get("Code", repr(exc))}
    return {"who": who, "sent": True}
"""})
TRUST = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]})


def _client(service: str, url: str, key: tuple[str, str] = ROOT) -> Any:
    return boto3.session.Session().client(service, endpoint_url=url, region_name="us-east-1",
                                          aws_access_key_id=key[0], aws_secret_access_key=key[1], config=NO_RETRY)


@pytest.fixture(scope="module")
def iam_server(make_server: Any) -> Any:
    return make_server(extra_args=["--auth", "iam", "--access-keys", f"{ROOT[0]}:{ROOT[1]}:{A},{OTHER[0]}:{OTHER[1]}:{B}"])


def test_the_execution_roles_policies_decide_what_a_function_may_call(iam_server: Any) -> None:
    sqs, iam, lam = (_client(s, iam_server.url) for s in ("sqs", "iam", "lambda"))
    queue = sqs.create_queue(QueueName="from-functions")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    roles = {}
    for name in ("may-send", "may-not-send"):
        roles[name] = iam.create_role(RoleName=name, AssumeRolePolicyDocument=TRUST)["Role"]["Arn"]
    iam.put_role_policy(RoleName="may-send", PolicyName="send", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": queue_arn}]}))
    answers = {}
    for name, role in roles.items():
        lam.create_function(FunctionName=name, Runtime="python3.12", Handler="app.handler", Role=role,
                            Code={"ZipFile": SENDER}, Timeout=30)
        lam.get_waiter("function_active_v2").wait(FunctionName=name, WaiterConfig={"Delay": 0.2, "MaxAttempts": 300})
        out = lam.invoke(FunctionName=name, Payload=json.dumps({"queue": queue}).encode())
        answers[name] = json.loads(out["Payload"].read())
    assert answers["may-send"] == {"who": f"arn:aws:sts::{A}:assumed-role/may-send/may-send", "sent": True}
    assert answers["may-not-send"] == {"who": f"arn:aws:sts::{A}:assumed-role/may-not-send/may-not-send",
                                       "error": "AccessDenied"}
    got = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10, WaitTimeSeconds=1).get("Messages", [])
    assert [m["Body"] for m in got] == ["from may-send"]


def _sender(lam: Any, iam: Any, name: str, queue_arn: str) -> str:
    """A function whose role may send to ``queue_arn`` (it forwards its event there)."""
    role = iam.create_role(RoleName=name, AssumeRolePolicyDocument=TRUST)["Role"]["Arn"]
    iam.put_role_policy(RoleName=name, PolicyName="send", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": queue_arn}]}))
    arn: str = lam.create_function(FunctionName=name, Runtime="python3.12", Handler="app.handler", Role=role,
                                   Code={"ZipFile": FORWARDER}, Timeout=30)["FunctionArn"]
    lam.get_waiter("function_active_v2").wait(FunctionName=name, WaiterConfig={"Delay": 0.2, "MaxAttempts": 300})
    return arn


FORWARDER = zipped({"app.py": """
import boto3, json
def handler(event, context):
    boto3.client("sqs").send_message(QueueUrl=event["queue"], MessageBody=json.dumps(event))
    return event
"""})


def _queue(sqs: Any, name: str) -> tuple[str, str]:
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    return url, sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]


def _receive_until(sqs: Any, url: str, count: int) -> list[dict[str, Any]]:
    got: list[dict[str, Any]] = []
    deadline = time.monotonic() + 60
    while len(got) < count and time.monotonic() < deadline:
        got += sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1,
                                   MessageAttributeNames=["All"]).get("Messages", [])
    return got


def test_a_rule_invokes_a_function_only_where_the_permissions_source_arn_names_it(iam_server: Any) -> None:
    sqs, iam, lam, events = (_client(s, iam_server.url) for s in ("sqs", "iam", "lambda", "events"))
    out, out_arn = _queue(sqs, "rule-forwarded")
    dead, dead_arn = _queue(sqs, "rule-dead-letters")
    _sender(lam, iam, "forwarder", out_arn)
    rules = {}
    for name in ("permitted", "not-permitted"):
        rules[name] = events.put_rule(Name=name, EventPattern=json.dumps({"source": ["app.orders"]}))["RuleArn"]
        events.put_targets(Rule=name, Targets=[{
            "Id": "f", "Arn": lam.get_function(FunctionName="forwarder")["Configuration"]["FunctionArn"],
            "Input": json.dumps({"queue": out, "rule": name}), "DeadLetterConfig": {"Arn": dead_arn}}])
    lam.add_permission(FunctionName="forwarder", StatementId="from-permitted", Action="lambda:InvokeFunction",
                       Principal="events.amazonaws.com", SourceArn=rules["permitted"], SourceAccount=A)
    condition = json.loads(lam.get_policy(FunctionName="forwarder")["Policy"])["Statement"][0]["Condition"]
    assert condition == {"StringEquals": {"AWS:SourceAccount": A}, "ArnLike": {"AWS:SourceArn": rules["permitted"]}}
    events.put_events(Entries=[{"Source": "app.orders", "DetailType": "placed", "Detail": "{}"}])
    [forwarded] = _receive_until(sqs, out, 1)
    assert json.loads(forwarded["Body"])["rule"] == "permitted"
    [refused] = _receive_until(sqs, dead, 1)
    attributes = {k: v["StringValue"] for k, v in refused["MessageAttributes"].items()}
    assert attributes["RULE_ARN"] == rules["not-permitted"]
    assert attributes["ERROR_CODE"] == "NO_PERMISSIONS"
    assert sqs.receive_message(QueueUrl=out, WaitTimeSeconds=1).get("Messages", []) == []


def test_another_account_invokes_only_where_the_statements_conditions_hold(iam_server: Any) -> None:
    lam = _client("lambda", iam_server.url)
    arn = lam.create_function(FunctionName="shared", Runtime="python3.12", Handler="app.handler",
                              Role=f"arn:aws:iam::{A}:role/none", Code={"ZipFile": ECHO})["FunctionArn"]
    lam.get_waiter("function_active_v2").wait(FunctionName="shared", WaiterConfig={"Delay": 0.2, "MaxAttempts": 300})
    other = _client("lambda", iam_server.url, OTHER)
    # a statement naming account B, but only within an organization B is not in
    lam.add_permission(FunctionName="shared", StatementId="org-only", Action="lambda:InvokeFunction",
                       Principal=B, PrincipalOrgID="o-abcdefghij")
    with pytest.raises(ClientError) as exc:
        other.invoke(FunctionName=arn, Payload=b"{}")
    assert exc.value.response["Error"]["Code"] == "AccessDeniedException"
    lam.add_permission(FunctionName="shared", StatementId="b", Action="lambda:InvokeFunction", Principal=B)
    assert json.loads(other.invoke(FunctionName=arn, Payload=b'{"x": 1}')["Payload"].read()) == {"got": {"x": 1}}


def _url_call(url: str, key: tuple[str, str] | None, method: str = "GET") -> httpx.Response:
    """A request to a function URL, SigV4-signed for ``lambda`` with ``key`` when given."""
    headers: dict[str, str] = {}
    if key is not None:
        signed = AWSRequest(method=method, url=url, data=b"")
        SigV4Auth(Credentials(*key), "lambda", "us-east-1").add_auth(signed)
        headers = dict(signed.headers.items())
    return httpx.request(method, url, headers=headers, timeout=30)


WHO = zipped({"app.py": "def handler(event, context):\n"
                        "    return event['requestContext'].get('authorizer', {}).get('iam', {}).get('userArn')\n"})
FORBIDDEN = {"Message": "Forbidden. For troubleshooting Function URL authorization issues, see: "
                        "https://docs.aws.amazon.com/lambda/latest/dg/urls-auth.html"}


def test_an_aws_iam_function_url_wants_a_valid_signature_of_someone_allowed_to_invoke_it(iam_server: Any) -> None:
    lam, iam = _client("lambda", iam_server.url), _client("iam", iam_server.url)
    urls = {}
    for name, auth_type in (("private-page", "AWS_IAM"), ("public-page", "NONE")):
        lam.create_function(FunctionName=name, Runtime="python3.12", Handler="app.handler",
                            Role=f"arn:aws:iam::{A}:role/none", Code={"ZipFile": WHO})
        lam.get_waiter("function_active_v2").wait(FunctionName=name, WaiterConfig={"Delay": 0.2, "MaxAttempts": 300})
        urls[name] = lam.create_function_url_config(FunctionName=name, AuthType=auth_type)["FunctionUrl"] + "x"
    assert _url_call(urls["public-page"], None).status_code == 200  # NONE stays open
    for key in (None, (ROOT[0], "not-the-secret"), OTHER):
        refused = _url_call(urls["private-page"], key)
        assert (refused.status_code, refused.json()) == (403, FORBIDDEN), key
        assert refused.headers["x-amzn-ErrorType"] == "AccessDeniedException"
    assert _url_call(urls["private-page"], ROOT).json() == f"arn:aws:iam::{A}:root"
    # an IAM user of the account: its own policy decides
    iam.create_user(UserName="browser")
    user = iam.create_access_key(UserName="browser")["AccessKey"]
    user_key = (user["AccessKeyId"], user["SecretAccessKey"])
    assert _url_call(urls["private-page"], user_key).status_code == 403
    function_arn = lam.get_function(FunctionName="private-page")["Configuration"]["FunctionArn"]
    iam.put_user_policy(UserName="browser", PolicyName="url", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "lambda:InvokeFunctionUrl", "Resource": function_arn}]}))
    assert _url_call(urls["private-page"], user_key).json() == f"arn:aws:iam::{A}:user/browser"
    # another account: the function's resource policy decides, its FunctionUrlAuthType condition included
    lam.add_permission(FunctionName="private-page", StatementId="b-none", Action="lambda:InvokeFunctionUrl",
                       Principal=B, FunctionUrlAuthType="NONE")
    assert _url_call(urls["private-page"], OTHER).status_code == 403
    lam.add_permission(FunctionName="private-page", StatementId="b-iam", Action="lambda:InvokeFunctionUrl",
                       Principal=B, FunctionUrlAuthType="AWS_IAM")
    assert _url_call(urls["private-page"], OTHER).json() == f"arn:aws:iam::{B}:root"


def test_a_mapping_wants_an_execution_role_that_may_read_the_queue(iam_server: Any) -> None:
    sqs, iam, lam = (_client(s, iam_server.url) for s in ("sqs", "iam", "lambda"))
    _, queue_arn = _queue(sqs, "mapped")
    role = iam.create_role(RoleName="mapping-reader", AssumeRolePolicyDocument=TRUST)["Role"]["Arn"]
    lam.create_function(FunctionName="mapped", Runtime="python3.12", Handler="app.handler", Role=role,
                        Code={"ZipFile": ECHO})
    lam.get_waiter("function_active_v2").wait(FunctionName="mapped", WaiterConfig={"Delay": 0.2, "MaxAttempts": 300})
    with pytest.raises(ClientError) as exc:
        lam.create_event_source_mapping(EventSourceArn=queue_arn, FunctionName="mapped")
    assert exc.value.response["Error"]["Code"] == "InvalidParameterValueException"
    assert exc.value.response["Error"]["Message"] == ("The function execution role does not have permissions to call "
                                                      "ReceiveMessage on SQS")
    iam.put_role_policy(RoleName="mapping-reader", PolicyName="read", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Resource": queue_arn, "Action": [
            "sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"]}]}))
    assert lam.create_event_source_mapping(EventSourceArn=queue_arn, FunctionName="mapped")["State"] == "Creating"
