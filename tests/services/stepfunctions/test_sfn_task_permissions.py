"""What tasks need of their roles under ``--auth iam``, beyond the service call itself
(both backends):

- the HTTP task: ``states:InvokeHTTPEndpoint`` on the state machine (its
  ``states:HTTPMethod`` / ``states:HTTPEndpoint`` condition keys honoured; a refusal is
  ``States.Permissions``), then ``events:RetrieveConnectionCredentials`` on the
  connection (a refusal is ``Events.ConnectionResource.AccessDenied``, as AWS names it);
- ``Credentials.RoleArn``: the task runs as that role, which the execution role must be
  allowed to assume (its trust policy); otherwise the task fails, nothing is called;
  ``TaskScheduled`` shows ``taskCredentials``;
- ``states:startExecution.sync``: CreateStateMachine refuses a role that may not manage
  the EventBridge rule AWS follows children with ("... is not authorized to create
  managed-rule."), and the task needs ``states:DescribeExecution`` on the child.
"""

from __future__ import annotations

import json
import time
import uuid
from typing import Any, Iterator

import boto3
import pytest
from botocore.exceptions import ClientError

from _clients import NO_RETRY
from services.events._http_endpoint import Answer, Endpoint

ACCOUNT = "111122223333"
ROOT = ("AKIASFNPERMSROOTAAAA", "sfn-perms-root-secret")
REGION = "us-east-1"
STATES_TRUST = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "states.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
HTTP = "arn:aws:states:::http:invoke"
RULE = f"arn:aws:events:{REGION}:{ACCOUNT}:rule/StepFunctionsGetEventsForStepFunctionsExecutionRule"


@pytest.fixture(scope="module")
def iam_server(make_server: Any) -> Any:
    return make_server(extra_args=["--auth", "iam", "--access-keys", f"{ROOT[0]}:{ROOT[1]}:{ACCOUNT}"])


@pytest.fixture(scope="module")
def endpoint() -> Iterator[Endpoint]:
    served = Endpoint()
    yield served
    served.close()


def root(service: str, url: str) -> Any:
    return boto3.session.Session().client(service, endpoint_url=url, region_name=REGION, aws_access_key_id=ROOT[0],
                                          aws_secret_access_key=ROOT[1], config=NO_RETRY)


def allow(*statements: tuple[Any, Any] | tuple[Any, Any, dict[str, Any]]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": st[0], "Resource": st[1], **({"Condition": st[2]} if len(st) > 2 else {})}
        for st in statements]}


class World:
    def __init__(self, url: str) -> None:
        self.iam, self.sqs, self.sfn, self.ev = (root(s, url) for s in ("iam", "sqs", "stepfunctions", "events"))
        self.queue = self.sqs.create_queue(QueueName="perm-orders")["QueueUrl"]
        self.queue_arn = self.sqs.get_queue_attributes(QueueUrl=self.queue, AttributeNames=["QueueArn"])[
            "Attributes"]["QueueArn"]

    def role(self, name: str, policy: dict[str, Any] | None, trust: dict[str, Any] = STATES_TRUST) -> str:
        arn = str(self.iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"])
        if policy is not None:
            self.iam.put_role_policy(RoleName=name, PolicyName="p", PolicyDocument=json.dumps(policy))
        return arn

    def machine(self, role: str, definition: dict[str, Any]) -> str:
        return str(self.sfn.create_state_machine(name=f"m-{uuid.uuid4().hex[:8]}", roleArn=role,
                                                 definition=json.dumps(definition))["stateMachineArn"])

    def run(self, role: str, state: dict[str, Any], given: Any = None) -> dict[str, Any]:
        arn = self.machine(role, {"StartAt": "T", "States": {
            "T": {**state, "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.failed", "Next": "Caught"}],
                  "End": True},
            "Caught": {"Type": "Pass", "End": True}}})
        return self.ended(self.sfn.start_execution(stateMachineArn=arn, input=json.dumps(given or {}))["executionArn"])

    def ended(self, execution: str) -> dict[str, Any]:
        deadline = time.monotonic() + 60
        while True:
            described = self.sfn.describe_execution(executionArn=execution)
            if described["status"] != "RUNNING" or time.monotonic() > deadline:
                return dict(described)
            time.sleep(0.05)

    def drained(self) -> list[str]:
        bodies = []
        while got := self.sqs.receive_message(QueueUrl=self.queue, MaxNumberOfMessages=10).get("Messages", []):
            for message in got:
                bodies.append(message["Body"])
                self.sqs.delete_message(QueueUrl=self.queue, ReceiptHandle=message["ReceiptHandle"])
        return bodies


@pytest.fixture(scope="module")
def world(iam_server: Any) -> World:
    return World(iam_server.url)


def failure(out: dict[str, Any]) -> dict[str, str]:
    assert out["status"] == "SUCCEEDED", out
    return dict(json.loads(out["output"])["failed"])


def test_http_task_needs_invoke_http_endpoint_and_the_connection(world: World, endpoint: Endpoint) -> None:
    path = f"/{uuid.uuid4().hex}"
    endpoint.script(path, *([Answer(200, b'{"ok": true}', {"Content-Type": "application/json"})] * 5))
    connection = world.ev.create_connection(Name=f"c{uuid.uuid4().hex[:8]}", AuthorizationType="API_KEY",
                                            AuthParameters={"ApiKeyAuthParameters": {
                                                "ApiKeyName": "x-api-key", "ApiKeyValue": "k"}})["ConnectionArn"]
    credentials = ("events:RetrieveConnectionCredentials", connection)
    secrets = (["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"], "*")
    invoke_get = ("states:InvokeHTTPEndpoint", "*", {"StringEquals": {"states:HTTPMethod": "GET"},
                                                       "StringLike": {"states:HTTPEndpoint": endpoint.url + "/*"}})
    full = world.role("http-full", allow(invoke_get, credentials, secrets))
    no_invoke = world.role("http-no-invoke", allow(credentials, secrets))
    no_credentials = world.role("http-no-credentials", allow(invoke_get, secrets))

    def state(method: str) -> dict[str, Any]:
        return {"Type": "Task", "Resource": HTTP, "Parameters": {
            "ApiEndpoint": endpoint.url + path, "Method": method, "Authentication": {"ConnectionArn": connection}}}

    out = world.run(full, state("GET"))
    assert out["status"] == "SUCCEEDED" and json.loads(out["output"])["ResponseBody"] == {"ok": True}, out
    assert len(endpoint.seen(path)) == 1

    refused = failure(world.run(full, state("POST")))  # the policy's condition allows GET only
    assert refused["Error"] == "States.Permissions"
    assert "/http-full/" in refused["Cause"]
    assert "is not authorized to perform: states:InvokeHTTPEndpoint on resource: arn:aws:states:" in refused["Cause"]
    refused = failure(world.run(no_invoke, state("GET")))
    assert refused["Error"] == "States.Permissions"
    refused = failure(world.run(no_credentials, state("GET")))
    assert refused["Error"] == "Events.ConnectionResource.AccessDenied"
    assert f"is not authorized to perform: events:RetrieveConnectionCredentials on resource: {connection}" in (
        refused["Cause"])
    assert len(endpoint.seen(path)) == 1  # no refused task called out


def test_a_task_runs_as_the_role_its_credentials_name(world: World) -> None:
    runner = world.role("cred-runner", None)  # may do nothing itself
    send = ("sqs:SendMessage", world.queue_arn)
    trusts_runner = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": runner}, "Action": "sts:AssumeRole"}]}
    sender = world.role("cred-sender", allow(send), trust=trusts_runner)
    closed = world.role("cred-closed", allow(send))  # trusts only the service
    state = {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage",
             "Parameters": {"QueueUrl": world.queue, "MessageBody": "as-sender"}}

    out = world.run(runner, {**state, "Credentials": {"RoleArn": sender}})
    assert out["status"] == "SUCCEEDED" and "failed" not in json.loads(out["output"]), out
    assert world.drained() == ["as-sender"]
    scheduled = [e for e in world.sfn.get_execution_history(executionArn=out["executionArn"])["events"]
                 if e["type"] == "TaskScheduled"]
    assert scheduled[0]["taskScheduledEventDetails"]["taskCredentials"] == {"roleArn": sender}

    out = world.run(runner, {**state, "Credentials": {"RoleArn.$": "$.role"}}, {"role": sender})
    assert "failed" not in json.loads(out["output"]), out
    assert world.drained() == ["as-sender"]

    refused = failure(world.run(runner, state))  # without Credentials: the runner's own rights
    assert refused["Error"] == "SQS.AmazonSQSException"

    refused = failure(world.run(runner, {**state, "Credentials": {"RoleArn": closed}}))
    assert refused["Error"] == "States.Permissions"
    assert f"is not authorized to perform: sts:AssumeRole on resource: {closed}" in refused["Cause"]
    assert "(Service: AWSSecurityTokenService; Status Code: 403; Error Code: AccessDenied;" in refused["Cause"]
    assert world.drained() == []


def test_start_execution_sync_needs_the_managed_rule_and_describe_execution(world: World) -> None:
    child_role = world.role("sync-child", None)
    child = world.machine(child_role, {"StartAt": "P", "States": {"P": {"Type": "Pass", "Result": 7, "End": True}}})
    child_executions = child.replace(":stateMachine:", ":execution:") + ":*"
    start = ("states:StartExecution", child)
    rule = (["events:PutTargets", "events:PutRule", "events:DescribeRule"], RULE,
            {"StringEquals": {"events:ManagedBy": "states.amazonaws.com"}})
    no_rule = world.role("sync-no-rule", allow(start, ("states:DescribeExecution", child_executions)))
    no_describe = world.role("sync-no-describe", allow(start, rule))
    full = world.role("sync-full", allow(start, rule, ("states:DescribeExecution", child_executions)))
    state = {"Type": "Task", "Resource": "arn:aws:states:::states:startExecution.sync:2",
             "Parameters": {"StateMachineArn": child, "Input": {}}}
    definition = {"StartAt": "T", "States": {"T": {**state, "End": True}}}

    with pytest.raises(ClientError) as refused:
        world.machine(no_rule, definition)
    assert refused.value.response["Error"]["Code"] == "AccessDeniedException"
    assert refused.value.response["Error"]["Message"] == f"'{no_rule}' is not authorized to create managed-rule."
    plain = world.machine(no_rule, {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}})
    with pytest.raises(ClientError) as refused:  # an update that adds the .sync task is refused too
        world.sfn.update_state_machine(stateMachineArn=plain, definition=json.dumps(definition))
    assert refused.value.response["Error"]["Code"] == "AccessDeniedException"

    out = world.run(full, state)
    assert out["status"] == "SUCCEEDED" and json.loads(out["output"])["Output"] == 7, out
    denial = failure(world.run(no_describe, state))
    assert denial["Error"] == "StepFunctions.AWSStepFunctionsException"
    assert "is not authorized to perform: states:DescribeExecution on resource: " in denial["Cause"]
