"""The request context of every served operation: its IAM action, the ARNs of the
resources it acts on, and the tags it sets (``services.authorization.requests``)."""

from __future__ import annotations

from typing import Iterator

import botocore.session
import pytest

from eventyard.runtime.delivery import DeliveryRuntime
from eventyard.services import ServiceRegistry
from eventyard.services.authorization.requests import Where, has_row, requested_access
from eventyard.store import open_store

A, B = "111111111111", "222222222222"
HERE = Where(A, "us-east-1")
QUEUE = f"arn:aws:sqs:us-east-1:{A}:orders"
TOPIC = f"arn:aws:sns:us-east-1:{A}:alerts"


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServiceRegistry]:
    store = open_store(f"sqlite:///{tmp_path_factory.mktemp('authz')}/yard.db")
    try:
        yield ServiceRegistry(store, DeliveryRuntime(store))
    finally:
        store.close()


def test_every_served_operation_has_a_row(registry: ServiceRegistry) -> None:
    """A new operation (or service) in the registry fails here until its row is written."""
    missing = [f"{service}:{op}" for service, table in registry.handlers.items() for op in table
               if not has_row(service, op)]
    assert missing == []


@pytest.mark.parametrize("service", ["iam", "sts", "secretsmanager"])
def test_every_operation_of_the_identity_services_has_a_row(service: str) -> None:
    """IAM, STS and Secrets Manager (served once their branches merge)."""
    names = botocore.session.get_session().get_service_model(service).operation_names
    missing = [op for op in names if not has_row(service, op)]
    assert missing == []


@pytest.mark.parametrize("service, operation, params, action, resources", [
    ("stepfunctions", "StartExecution", {"stateMachineArn": f"arn:aws:states:us-east-1:{A}:stateMachine:orders"}, "states:StartExecution", [f"arn:aws:states:us-east-1:{A}:stateMachine:orders"]),
    ("stepfunctions", "CreateStateMachine", {"name": "orders", "definition": "{}"}, "states:CreateStateMachine",
     [f"arn:aws:states:us-east-1:{A}:stateMachine:orders"]),
    ("stepfunctions", "CreateStateMachineAlias", {"name": "live", "routingConfiguration": [
        {"stateMachineVersionArn": f"arn:aws:states:us-east-1:{A}:stateMachine:orders" + ":3", "weight": 100}]}, "states:CreateStateMachineAlias",
     [f"arn:aws:states:us-east-1:{A}:stateMachine:orders" + ":live"]),
    ("stepfunctions", "DescribeExecution", {"executionArn": f"arn:aws:states:us-east-1:{A}:execution:orders:x"},
     "states:DescribeExecution", [f"arn:aws:states:us-east-1:{A}:execution:orders:x"]),
    ("stepfunctions", "ListStateMachines", {}, "states:ListStateMachines", [f"arn:aws:states:us-east-1:{A}:*"]),
    ("logs", "CreateLogGroup", {"logGroupName": "/aws/lambda/f"}, "logs:CreateLogGroup",
     [f"arn:aws:logs:us-east-1:{A}:log-group:/aws/lambda/f:log-stream:"]),
    ("logs", "PutLogEvents", {"logGroupName": "g", "logStreamName": "s", "logEvents": []}, "logs:PutLogEvents",
     [f"arn:aws:logs:us-east-1:{A}:log-group:g:log-stream:s"]),
    ("logs", "FilterLogEvents", {"logGroupIdentifier": f"arn:aws:logs:us-east-1:{B}:log-group:g"},
     "logs:FilterLogEvents", [f"arn:aws:logs:us-east-1:{B}:log-group:g:log-stream:"]),
    ("logs", "TagResource", {"resourceArn": f"arn:aws:logs:us-east-1:{A}:log-group:g", "tags": {"k": "v"}},
     "logs:TagResource", [f"arn:aws:logs:us-east-1:{A}:log-group:g"]),
    ("logs", "DescribeLogGroups", {}, "logs:DescribeLogGroups", [f"arn:aws:logs:us-east-1:{A}:*"]),
    ("sqs", "SendMessage", {"QueueUrl": f"http://localhost:4566/queue/us-east-1/{A}/orders"}, "sqs:SendMessage",
     [QUEUE]),
    ("sqs", "SendMessageBatch", {"QueueUrl": f"https://sqs.eu-west-1.amazonaws.com/{B}/orders"}, "sqs:SendMessage",
     [f"arn:aws:sqs:eu-west-1:{B}:orders"]),
    ("sqs", "DeleteMessageBatch", {"QueueUrl": f"http://h/{A}/orders"}, "sqs:DeleteMessage", [QUEUE]),
    ("sqs", "CreateQueue", {"QueueName": "orders"}, "sqs:CreateQueue", [QUEUE]),
    ("sqs", "GetQueueUrl", {"QueueName": "orders", "QueueOwnerAWSAccountId": B}, "sqs:GetQueueUrl",
     [f"arn:aws:sqs:us-east-1:{B}:orders"]),
    ("sqs", "ListQueues", {}, "sqs:ListQueues", [f"arn:aws:sqs:us-east-1:{A}:"]),
    ("sqs", "StartMessageMoveTask", {"SourceArn": QUEUE}, "sqs:StartMessageMoveTask", [QUEUE]),
    ("sns", "Publish", {"TopicArn": TOPIC}, "sns:Publish", [TOPIC]),
    ("sns", "PublishBatch", {"TopicArn": TOPIC}, "sns:Publish", [TOPIC]),
    ("sns", "Publish", {"PhoneNumber": "+15555550100"}, "sns:Publish", [f"arn:aws:sns:us-east-1:{A}:*"]),
    ("sns", "CreateTopic", {"Name": "alerts"}, "sns:CreateTopic", [TOPIC]),
    ("sns", "Unsubscribe", {"SubscriptionArn": f"{TOPIC}:0c1d3a2e-1111-2222-3333-444455556666"}, "sns:Unsubscribe",
     [TOPIC]),
    ("sns", "ListTopics", {}, "sns:ListTopics", [f"arn:aws:sns:us-east-1:{A}:*"]),
    ("events", "PutEvents", {"Entries": [{"EventBusName": "orders"}, {},
                                         {"EventBusName": f"arn:aws:events:us-east-1:{B}:event-bus/x"}]},
     "events:PutEvents", [f"arn:aws:events:us-east-1:{A}:event-bus/orders", f"arn:aws:events:us-east-1:{A}:event-bus/default",
                          f"arn:aws:events:us-east-1:{B}:event-bus/x"]),
    ("events", "PutRule", {"Name": "r1"}, "events:PutRule", [f"arn:aws:events:us-east-1:{A}:rule/r1"]),
    ("events", "PutRule", {"Name": "r1", "EventBusName": "orders"}, "events:PutRule",
     [f"arn:aws:events:us-east-1:{A}:rule/orders/r1"]),
    ("events", "PutTargets", {"Rule": "r1", "EventBusName": f"arn:aws:events:us-east-1:{B}:event-bus/orders"},
     "events:PutTargets", [f"arn:aws:events:us-east-1:{B}:rule/orders/r1"]),
    ("events", "DescribeEventBus", {}, "events:DescribeEventBus", [f"arn:aws:events:us-east-1:{A}:event-bus/default"]),
    ("events", "CreateArchive", {"ArchiveName": "keep"}, "events:CreateArchive",
     [f"arn:aws:events:us-east-1:{A}:archive/keep"]),
    ("iam", "CreateUser", {"UserName": "carol"}, "iam:CreateUser", [f"arn:aws:iam::{A}:user/carol"]),
    ("iam", "AttachRolePolicy", {"RoleName": "worker", "PolicyArn": "arn:aws:iam::aws:policy/ReadOnlyAccess"},
     "iam:AttachRolePolicy", [f"arn:aws:iam::{A}:role/worker"]),
    ("iam", "GetPolicy", {"PolicyArn": f"arn:aws:iam::{A}:policy/p"}, "iam:GetPolicy", [f"arn:aws:iam::{A}:policy/p"]),
    ("iam", "ListUsers", {}, "iam:ListUsers", [f"arn:aws:iam::{A}:user/"]),
    ("iam", "ListRoles", {"PathPrefix": "/service-role/"}, "iam:ListRoles", [f"arn:aws:iam::{A}:role/service-role/"]),
    ("iam", "GetAccountSummary", {}, "iam:GetAccountSummary", [f"arn:aws:iam::{A}:*"]),
    ("sts", "GetAccessKeyInfo", {"AccessKeyId": "AKIA"}, "sts:GetAccessKeyInfo", [""]),
    ("sts", "AssumeRole", {"RoleArn": f"arn:aws:iam::{A}:role/worker"}, "sts:AssumeRole",
     [f"arn:aws:iam::{A}:role/worker"]),
    ("secretsmanager", "GetSecretValue", {"SecretId": "db"}, "secretsmanager:GetSecretValue",
     [f"arn:aws:secretsmanager:us-east-1:{A}:secret:db"]),
    ("secretsmanager", "BatchGetSecretValue", {"SecretIdList": ["a", "b"]}, "secretsmanager:GetSecretValue",
     [f"arn:aws:secretsmanager:us-east-1:{A}:secret:a", f"arn:aws:secretsmanager:us-east-1:{A}:secret:b"]),
])
def test_actions_and_resources(service, operation, params, action, resources) -> None:
    access = requested_access(service, operation, params, HERE)
    assert access is not None
    assert (access.action, list(access.resources)) == (action, resources)


def test_a_user_acting_on_itself_names_its_own_arn() -> None:
    me = f"arn:aws:iam::{A}:user/team/alice"
    access = requested_access("iam", "CreateAccessKey", {}, Where(A, "us-east-1", me))
    assert access is not None and access.resources == (me,)


@pytest.mark.parametrize("operation", ["GetCallerIdentity", "GetSessionToken"])
def test_what_needs_no_permission(operation: str) -> None:
    assert requested_access("sts", operation, {}, HERE) is None


@pytest.mark.parametrize("service, operation, params, tags, keys", [
    ("sqs", "CreateQueue", {"QueueName": "q", "tags": {"team": "red"}}, {"team": "red"}, ("team",)),
    ("sqs", "TagQueue", {"QueueUrl": "q", "Tags": {"a": "1", "b": "2"}}, {"a": "1", "b": "2"}, ("a", "b")),
    ("sqs", "UntagQueue", {"QueueUrl": "q", "TagKeys": ["a"]}, {}, ("a",)),
    ("sns", "CreateTopic", {"Name": "t", "Tags": [{"Key": "team", "Value": "red"}]}, {"team": "red"}, ("team",)),
    ("events", "PutRule", {"Name": "r", "Tags": [{"Key": "k", "Value": "v"}]}, {"k": "v"}, ("k",)),
    ("events", "UntagResource", {"ResourceARN": "arn:aws:events:us-east-1:1:rule/r", "TagKeys": ["k"]}, {}, ("k",)),
])
def test_request_tags(service, operation, params, tags, keys) -> None:
    access = requested_access(service, operation, params, HERE)
    assert access is not None and dict(access.request_tags) == tags and access.tag_keys == keys


def test_an_operation_without_a_row_asks_for_its_name_on_the_account() -> None:
    """Enforcement fails closed: only a policy that allows the action on the account's
    resources (or ``*``) lets such a call through."""
    access = requested_access("pipes", "ListPipes", {}, HERE)
    assert access is not None
    assert (access.action, access.resources) == ("pipes:ListPipes", (f"arn:aws:pipes:us-east-1:{A}:*",))
