"""One account never reaches another's resources (``--auth sigv4``, accounts A and B).

The table has one row per AWS operation of every service eventyard serves, generated
from botocore's models: an operation missing from the table fails
``test_every_operation_is_classified``, so a new operation cannot skip its owner check.
Each row that names a resource (URL, ARN, receipt handle, task handle) runs three
times: as the owner (works), as another account without a grant (refused with AWS's
error), and as another account that the resource policy lets in (works where AWS lets
a policy grant the action; refused where it is owner-only).
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Callable

import pytest
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

from _clients import client
from eventyard.api import catalog

A, B = "111111111111", "222222222222"
KEYS = {A: ("AKIDACCOUNTA", "secret-a"), B: ("AKIDACCOUNTB", "secret-b")}
REGION = "us-east-1"


@pytest.fixture(scope="module")
def signed_server(make_server):
    keys = ",".join(f"{akid}:{secret}:{account}" for account, (akid, secret) in KEYS.items())
    return make_server(extra_args=["--auth", "sigv4", "--access-keys", keys])


def _client(server: Any, service: str, account: str) -> Any:
    akid, secret = KEYS[account]
    c = client(service, server.url, secret=secret)
    c._request_signer._credentials = Credentials(akid, secret)
    return c


class World:
    """A's resources, made on first use; ``a``/``b`` give each account's clients."""

    def __init__(self, server: Any) -> None:
        self.server = server
        self.tag = uuid.uuid4().hex[:10]
        self._clients: dict[tuple[str, str], Any] = {}

    def a(self, service: str) -> Any:
        return self.client(service, A)

    def client(self, service: str, account: str) -> Any:
        key = (service, account)
        if key not in self._clients:
            self._clients[key] = _client(self.server, service, account)
        return self._clients[key]

    # -- SQS -------------------------------------------------------------------------
    @cached_property
    def queue_url(self) -> str:
        return self.a("sqs").create_queue(QueueName=f"q-{self.tag}")["QueueUrl"]

    @cached_property
    def queue_arn(self) -> str:
        return f"arn:aws:sqs:{REGION}:{A}:q-{self.tag}"

    @cached_property
    def dlq_url(self) -> str:
        url = self.a("sqs").create_queue(QueueName=f"dlq-{self.tag}")["QueueUrl"]
        self.a("sqs").create_queue(QueueName=f"src-{self.tag}", Attributes={"RedrivePolicy": json.dumps(
            {"deadLetterTargetArn": self.dlq_arn, "maxReceiveCount": 3})})
        return url

    @cached_property
    def dlq_arn(self) -> str:
        return f"arn:aws:sqs:{REGION}:{A}:dlq-{self.tag}"

    def receipt(self) -> str:
        sqs = self.a("sqs")
        sqs.send_message(QueueUrl=self.queue_url, MessageBody="secret of A")
        return sqs.receive_message(QueueUrl=self.queue_url, WaitTimeSeconds=5)["Messages"][0]["ReceiptHandle"]

    def task_handle(self) -> str:
        _ = self.dlq_url
        return self.a("sqs").start_message_move_task(SourceArn=self.dlq_arn)["TaskHandle"]

    # -- SNS -------------------------------------------------------------------------
    @cached_property
    def topic_arn(self) -> str:
        return self.a("sns").create_topic(Name=f"t-{self.tag}")["TopicArn"]

    @cached_property
    def subscription_arn(self) -> str:
        queue_arn = self.queue_arn
        _ = self.queue_url
        return self.a("sns").subscribe(TopicArn=self.topic_arn, Protocol="sqs", Endpoint=queue_arn,
                                       ReturnSubscriptionArn=True)["SubscriptionArn"]

    @cached_property
    def application_arn(self) -> str:
        return self.a("sns").create_platform_application(
            Name=f"app-{self.tag}", Platform="GCM", Attributes={"PlatformCredential": "key"})["PlatformApplicationArn"]

    @cached_property
    def endpoint_arn(self) -> str:
        return self.a("sns").create_platform_endpoint(PlatformApplicationArn=self.application_arn,
                                                      Token=f"token-{self.tag}")["EndpointArn"]

    # -- EventBridge -----------------------------------------------------------------
    @cached_property
    def bus_arn(self) -> str:
        return self.a("events").create_event_bus(Name=f"bus-{self.tag}")["EventBusArn"]

    @cached_property
    def rule_arn(self) -> str:
        _ = self.bus_arn
        return self.a("events").put_rule(Name="r", EventBusName=f"bus-{self.tag}",
                                         EventPattern='{"source": ["x"]}')["RuleArn"]

    @cached_property
    def archive_arn(self) -> str:
        return self.a("events").create_archive(ArchiveName=f"ar-{self.tag}", EventSourceArn=self.bus_arn)["ArchiveArn"]

    @cached_property
    def connection_arn(self) -> str:
        return self.a("events").create_connection(
            Name=f"c-{self.tag}", AuthorizationType="API_KEY",
            AuthParameters={"ApiKeyAuthParameters": {"ApiKeyName": "k", "ApiKeyValue": "v"}})["ConnectionArn"]

    # -- Secrets Manager ---------------------------------------------------------------
    @cached_property
    def secret(self) -> dict[str, str]:
        return self.a("secretsmanager").create_secret(Name=f"s-{self.tag}", SecretString="secret of A")

    @property
    def secret_arn(self) -> str:
        return self.secret["ARN"]

    # -- Step Functions --------------------------------------------------------------
    @cached_property
    def activity_arn(self) -> str:
        return self.a("stepfunctions").create_activity(name=f"act-{self.tag}")["activityArn"]

    @cached_property
    def machine_arn(self) -> str:
        definition = {"StartAt": "Work", "States": {"Work": {"Type": "Task", "Resource": self.activity_arn,
                                                              "End": True}}}
        return self.a("stepfunctions").create_state_machine(
            name=f"sm-{self.tag}", definition=json.dumps(definition), roleArn=f"arn:aws:iam::{A}:role/r",
            publish=True)["stateMachineArn"]

    @cached_property
    def version_arn(self) -> str:
        return f"{self.machine_arn}:1"

    @cached_property
    def alias_arn(self) -> str:
        return self.a("stepfunctions").create_state_machine_alias(name="live", routingConfiguration=[
            {"stateMachineVersionArn": self.version_arn, "weight": 100}])["stateMachineAliasArn"]

    @cached_property
    def execution_arn(self) -> str:
        return self.a("stepfunctions").start_execution(stateMachineArn=self.machine_arn, input="{}")["executionArn"]

    @cached_property
    def task_token(self) -> str:
        _ = self.execution_arn
        return self.a("stepfunctions").get_activity_task(activityArn=self.activity_arn)["taskToken"]

    @cached_property
    def map_run_arn(self) -> str:
        return self.execution_arn.replace(":execution:", ":mapRun:") + "/map:1"

    # -- Lambda ----------------------------------------------------------------------
    @cached_property
    def function_arn(self) -> str:
        from services.functions._functions import ECHO

        lam = self.a("lambda")
        arn = lam.create_function(FunctionName=f"fn-{self.tag}", Runtime="python3.12", Handler="app.handler",
                                  Role=f"arn:aws:iam::{A}:role/r", Code={"ZipFile": ECHO})["FunctionArn"]
        lam.get_waiter("function_active_v2").wait(FunctionName=arn, WaiterConfig={"Delay": 0.2, "MaxAttempts": 300})
        return str(arn)

    @cached_property
    def function_alias(self) -> str:
        lam = self.a("lambda")
        version = lam.publish_version(FunctionName=self.function_arn)["Version"]
        lam.create_alias(FunctionName=self.function_arn, Name="live", FunctionVersion=version)
        return "live"

    @cached_property
    def mapping_uuid(self) -> str:
        _ = self.queue_url
        return str(self.a("lambda").create_event_source_mapping(
            EventSourceArn=self.queue_arn, FunctionName=self.function_arn, Enabled=False)["UUID"])

    @cached_property
    def layer_version_arn(self) -> str:
        from services.functions._functions import zipped

        return str(self.a("lambda").publish_layer_version(LayerName=f"l-{self.tag}", Content={
            "ZipFile": zipped({"python/x.py": ""})})["LayerVersionArn"])

    # -- grants ----------------------------------------------------------------------
    def grant(self, service: str) -> None:
        """A's resource policies let B do everything a policy can grant."""
        allow_b = {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{B}:root"}, "Action": "*", "Resource": "*"}
        policy = json.dumps({"Version": "2012-10-17", "Statement": [allow_b]})
        if service == "sqs":
            for url in (self.queue_url, self.dlq_url):
                self.a("sqs").set_queue_attributes(QueueUrl=url, Attributes={"Policy": policy})
        elif service == "sns":
            self.a("sns").set_topic_attributes(TopicArn=self.topic_arn, AttributeName="Policy", AttributeValue=policy)
        elif service == "secretsmanager":
            self.a("secretsmanager").put_resource_policy(SecretId=self.secret_arn, ResourcePolicy=policy)
        elif service == "lambda":
            self.a("lambda").add_permission(FunctionName=self.function_arn, StatementId="b", Action="lambda:*",
                                            Principal=B)
            _ = self.function_alias
            self.a("lambda").add_permission(FunctionName=self.function_arn, Qualifier="live", StatementId="b",
                                            Action="lambda:*", Principal=B)
        elif service == "events":
            _ = self.bus_arn
            self.a("events").put_permission(EventBusName=f"bus-{self.tag}", Action="events:PutEvents",
                                            Principal=B, StatementId="b")


@dataclass(frozen=True)
class Case:
    service: str
    operation: str
    call: Callable[[Any, World], Any]
    grantable: bool  # a resource policy can let another account do it
    denied: tuple[str, ...]  # the codes AWS refuses another account with
    owner_may_fail: tuple[str, ...] = field(default=())  # codes the owner's call may meet by design

    @property
    def id(self) -> str:
        return f"{self.service}.{self.operation}"


SQS_DENIED = ("AccessDenied",)
SNS_DENIED = ("AuthorizationError",)
EVENTS_NOT_FOUND = ("ResourceNotFoundException",)


def _entries(handle: str) -> list[dict[str, Any]]:
    return [{"Id": "1", "ReceiptHandle": handle}]


def _batch_ok(result: dict[str, Any]) -> dict[str, Any]:
    # a batch reports per entry; a refused handle would show there, never as success
    if result.get("Failed"):
        raise ClientError({"Error": {"Code": result["Failed"][0]["Code"], "Message": ""}}, "batch")
    return result


SQS_CASES = [
    Case("sqs", "AddPermission", lambda c, w: c.add_permission(
        QueueUrl=w.queue_url, Label="l", AWSAccountIds=[B], Actions=["SendMessage"]), False, SQS_DENIED),
    Case("sqs", "CancelMessageMoveTask", lambda c, w: c.cancel_message_move_task(TaskHandle=w.task_handle()),
         False, SQS_DENIED, owner_may_fail=("InvalidParameterValue",)),  # the task may have finished already
    Case("sqs", "ChangeMessageVisibility", lambda c, w: c.change_message_visibility(
        QueueUrl=w.queue_url, ReceiptHandle=w.receipt(), VisibilityTimeout=0), True, SQS_DENIED),
    Case("sqs", "ChangeMessageVisibilityBatch", lambda c, w: _batch_ok(c.change_message_visibility_batch(
        QueueUrl=w.queue_url, Entries=[{**e, "VisibilityTimeout": 0} for e in _entries(w.receipt())])),
        True, SQS_DENIED),
    Case("sqs", "DeleteMessage", lambda c, w: c.delete_message(QueueUrl=w.queue_url, ReceiptHandle=w.receipt()),
         True, SQS_DENIED),
    Case("sqs", "DeleteMessageBatch", lambda c, w: _batch_ok(c.delete_message_batch(
        QueueUrl=w.queue_url, Entries=_entries(w.receipt()))), True, SQS_DENIED),
    Case("sqs", "DeleteQueue", lambda c, w: c.delete_queue(QueueUrl=w.queue_url), False, SQS_DENIED),
    Case("sqs", "GetQueueAttributes", lambda c, w: c.get_queue_attributes(
        QueueUrl=w.queue_url, AttributeNames=["All"]), True, SQS_DENIED),
    Case("sqs", "GetQueueUrl", lambda c, w: (w.queue_url, c.get_queue_url(
        QueueName=f"q-{w.tag}", QueueOwnerAWSAccountId=A))[1], True, ("AWS.SimpleQueueService.NonExistentQueue",)),
    Case("sqs", "ListDeadLetterSourceQueues", lambda c, w: c.list_dead_letter_source_queues(QueueUrl=w.dlq_url),
         True, SQS_DENIED),
    Case("sqs", "ListMessageMoveTasks", lambda c, w: (w.dlq_url, c.list_message_move_tasks(SourceArn=w.dlq_arn))[1],
         False, SQS_DENIED),
    Case("sqs", "ListQueueTags", lambda c, w: c.list_queue_tags(QueueUrl=w.queue_url), False, SQS_DENIED),
    Case("sqs", "PurgeQueue", lambda c, w: c.purge_queue(QueueUrl=w.queue_url), True, SQS_DENIED),
    Case("sqs", "ReceiveMessage", lambda c, w: c.receive_message(QueueUrl=w.queue_url), True, SQS_DENIED),
    Case("sqs", "RemovePermission", lambda c, w: c.remove_permission(QueueUrl=w.queue_url, Label="l"), False,
         SQS_DENIED, owner_may_fail=("InvalidParameterValue",)),  # no such label
    Case("sqs", "SendMessage", lambda c, w: c.send_message(QueueUrl=w.queue_url, MessageBody="x"), True, SQS_DENIED),
    Case("sqs", "SendMessageBatch", lambda c, w: _batch_ok(c.send_message_batch(
        QueueUrl=w.queue_url, Entries=[{"Id": "1", "MessageBody": "x"}])), True, SQS_DENIED),
    Case("sqs", "SetQueueAttributes", lambda c, w: c.set_queue_attributes(
        QueueUrl=w.queue_url, Attributes={"DelaySeconds": "1"}), False, SQS_DENIED),
    Case("sqs", "StartMessageMoveTask", lambda c, w: (w.dlq_url, c.start_message_move_task(SourceArn=w.dlq_arn))[1],
         False, SQS_DENIED),
    Case("sqs", "TagQueue", lambda c, w: c.tag_queue(QueueUrl=w.queue_url, Tags={"k": "v"}), False, SQS_DENIED),
    Case("sqs", "UntagQueue", lambda c, w: c.untag_queue(QueueUrl=w.queue_url, TagKeys=["k"]), False, SQS_DENIED),
]

SNS_CASES = [
    Case("sns", "AddPermission", lambda c, w: c.add_permission(
        TopicArn=w.topic_arn, Label=f"l-{uuid.uuid4().hex[:6]}", AWSAccountId=[B], ActionName=["Publish"]),
        True, SNS_DENIED),
    Case("sns", "CreatePlatformEndpoint", lambda c, w: c.create_platform_endpoint(
        PlatformApplicationArn=w.application_arn, Token="t2"), False, SNS_DENIED),
    Case("sns", "DeleteEndpoint", lambda c, w: c.delete_endpoint(EndpointArn=w.endpoint_arn), False, SNS_DENIED),
    Case("sns", "DeletePlatformApplication", lambda c, w: c.delete_platform_application(
        PlatformApplicationArn=w.application_arn), False, SNS_DENIED),
    Case("sns", "DeleteTopic", lambda c, w: c.delete_topic(TopicArn=w.topic_arn), True, SNS_DENIED),
    Case("sns", "GetDataProtectionPolicy", lambda c, w: c.get_data_protection_policy(ResourceArn=w.topic_arn),
         True, SNS_DENIED),
    Case("sns", "GetEndpointAttributes", lambda c, w: c.get_endpoint_attributes(EndpointArn=w.endpoint_arn),
         False, SNS_DENIED),
    Case("sns", "GetPlatformApplicationAttributes", lambda c, w: c.get_platform_application_attributes(
        PlatformApplicationArn=w.application_arn), False, SNS_DENIED),
    Case("sns", "GetSubscriptionAttributes", lambda c, w: c.get_subscription_attributes(
        SubscriptionArn=w.subscription_arn), False, SNS_DENIED),
    Case("sns", "GetTopicAttributes", lambda c, w: c.get_topic_attributes(TopicArn=w.topic_arn), True, SNS_DENIED),
    Case("sns", "ListEndpointsByPlatformApplication", lambda c, w: c.list_endpoints_by_platform_application(
        PlatformApplicationArn=w.application_arn), False, SNS_DENIED),
    Case("sns", "ListSubscriptionsByTopic", lambda c, w: c.list_subscriptions_by_topic(TopicArn=w.topic_arn),
         True, SNS_DENIED),
    Case("sns", "ListTagsForResource", lambda c, w: c.list_tags_for_resource(ResourceArn=w.topic_arn),
         True, SNS_DENIED),
    Case("sns", "Publish", lambda c, w: c.publish(TopicArn=w.topic_arn, Message="x"), True, SNS_DENIED),
    Case("sns", "PublishBatch", lambda c, w: _batch_ok(c.publish_batch(
        TopicArn=w.topic_arn, PublishBatchRequestEntries=[{"Id": "1", "Message": "x"}])), True, SNS_DENIED),
    Case("sns", "PutDataProtectionPolicy", lambda c, w: c.put_data_protection_policy(
        ResourceArn=w.topic_arn, DataProtectionPolicy=""), True, SNS_DENIED),
    Case("sns", "RemovePermission", lambda c, w: c.remove_permission(TopicArn=w.topic_arn, Label="none"),
         True, SNS_DENIED),
    Case("sns", "SetEndpointAttributes", lambda c, w: c.set_endpoint_attributes(
        EndpointArn=w.endpoint_arn, Attributes={"CustomUserData": "x"}), False, SNS_DENIED),
    Case("sns", "SetPlatformApplicationAttributes", lambda c, w: c.set_platform_application_attributes(
        PlatformApplicationArn=w.application_arn, Attributes={"EventEndpointCreated": ""}), False, SNS_DENIED),
    Case("sns", "SetSubscriptionAttributes", lambda c, w: c.set_subscription_attributes(
        SubscriptionArn=w.subscription_arn, AttributeName="RawMessageDelivery", AttributeValue="true"),
        False, SNS_DENIED),
    Case("sns", "SetTopicAttributes", lambda c, w: c.set_topic_attributes(
        TopicArn=w.topic_arn, AttributeName="DisplayName", AttributeValue="x"), True, SNS_DENIED),
    Case("sns", "Subscribe", lambda c, w: c.subscribe(
        TopicArn=w.topic_arn, Protocol="email", Endpoint="a@example.com"), True, SNS_DENIED),
    Case("sns", "TagResource", lambda c, w: c.tag_resource(ResourceArn=w.topic_arn, Tags=[{"Key": "k", "Value": "v"}]),
         True, SNS_DENIED),
    Case("sns", "Unsubscribe", lambda c, w: c.unsubscribe(SubscriptionArn=w.subscription_arn), False, SNS_DENIED),
    Case("sns", "Publish(TargetArn)", lambda c, w: c.publish(TargetArn=w.endpoint_arn, Message="x"),
         False, SNS_DENIED),
    Case("sns", "UntagResource", lambda c, w: c.untag_resource(ResourceArn=w.topic_arn, TagKeys=["k"]),
         True, SNS_DENIED),
]

EVENTS_CASES = [
    Case("events", "PutEvents", lambda c, w: _put_events_ok(c.put_events(Entries=[
        {"Source": "x", "DetailType": "d", "Detail": "{}", "EventBusName": w.bus_arn}])),
        True, ("AccessDeniedException",)),
    Case("events", "DescribeEventBus", lambda c, w: c.describe_event_bus(Name=w.bus_arn), False, EVENTS_NOT_FOUND),
    Case("events", "DescribeRule", lambda c, w: c.describe_rule(Name="r", EventBusName=(w.rule_arn, w.bus_arn)[1]),
         False, EVENTS_NOT_FOUND),
    Case("events", "DeleteRule", lambda c, w: c.delete_rule(Name="r", EventBusName=(w.rule_arn, w.bus_arn)[1]),
         False, EVENTS_NOT_FOUND),
    Case("events", "DisableRule", lambda c, w: c.disable_rule(Name="r", EventBusName=(w.rule_arn, w.bus_arn)[1]),
         False, EVENTS_NOT_FOUND),
    Case("events", "EnableRule", lambda c, w: c.enable_rule(Name="r", EventBusName=(w.rule_arn, w.bus_arn)[1]),
         False, EVENTS_NOT_FOUND),
    Case("events", "ListRules", lambda c, w: c.list_rules(EventBusName=w.bus_arn), False, EVENTS_NOT_FOUND),
    Case("events", "ListTargetsByRule", lambda c, w: c.list_targets_by_rule(
        Rule="r", EventBusName=(w.rule_arn, w.bus_arn)[1]), False, EVENTS_NOT_FOUND),
    Case("events", "PutRule", lambda c, w: c.put_rule(Name="r2", EventBusName=w.bus_arn,
                                                       EventPattern='{"source": ["x"]}'), False, EVENTS_NOT_FOUND),
    Case("events", "PutTargets", lambda c, w: _put_events_ok(c.put_targets(
        Rule="r", EventBusName=(w.rule_arn, w.bus_arn)[1],
        Targets=[{"Id": "t", "Arn": f"arn:aws:sqs:{REGION}:{A}:nowhere"}])), False, EVENTS_NOT_FOUND),
    Case("events", "RemoveTargets", lambda c, w: _put_events_ok(c.remove_targets(
        Rule="r", EventBusName=(w.rule_arn, w.bus_arn)[1], Ids=["t"])), False, EVENTS_NOT_FOUND),
    Case("events", "TagResource", lambda c, w: c.tag_resource(ResourceARN=w.bus_arn, Tags=[{"Key": "k", "Value": "v"}]),
         False, EVENTS_NOT_FOUND),
    Case("events", "UntagResource", lambda c, w: c.untag_resource(ResourceARN=w.bus_arn, TagKeys=["k"]),
         False, EVENTS_NOT_FOUND),
    Case("events", "ListTagsForResource", lambda c, w: c.list_tags_for_resource(ResourceARN=w.rule_arn),
         False, EVENTS_NOT_FOUND),
    Case("events", "CreateArchive", lambda c, w: c.create_archive(
        ArchiveName=f"ar2-{w.tag}", EventSourceArn=w.bus_arn), False, EVENTS_NOT_FOUND),
    Case("events", "StartReplay", lambda c, w: c.start_replay(
        ReplayName=f"rp-{uuid.uuid4().hex[:6]}", EventSourceArn=w.archive_arn, EventStartTime=0, EventEndTime=1,
        Destination={"Arn": w.bus_arn}), False, ("ValidationException",)),
    Case("events", "ListRuleNamesByTarget", lambda c, w: c.list_rule_names_by_target(
        TargetArn=f"arn:aws:sqs:{REGION}:{A}:nowhere", EventBusName=w.bus_arn), False, EVENTS_NOT_FOUND),
    Case("events", "ListArchives", lambda c, w: _shows(
        w.archive_arn.rsplit("/", 1)[1], lambda: c.list_archives(EventSourceArn=w.bus_arn)["Archives"], "ArchiveName"),
        False, ("Hidden", "ResourceNotFoundException")),
    Case("events", "CreateApiDestination", lambda c, w: c.create_api_destination(
        Name=f"d-{uuid.uuid4().hex[:6]}", ConnectionArn=w.connection_arn, InvocationEndpoint="https://example.com",
        HttpMethod="POST"), False, EVENTS_NOT_FOUND),
]


SFN_DENIED = ("AccessDeniedException",)


def _without_host_prefix(c: Any) -> Any:
    """The same caller without botocore's "sync-" host prefix (an IP address cannot take one)."""
    import boto3
    from botocore.config import Config

    other = boto3.session.Session().client(
        "stepfunctions", endpoint_url=c.meta.endpoint_url, region_name=REGION, aws_access_key_id="x",
        aws_secret_access_key="x", config=Config(inject_host_prefix=False, retries={"max_attempts": 1}))
    other._request_signer._credentials = c._request_signer._credentials
    return other
_ROUTE = "stateMachineVersionArn"
STATES_CASES = [
    Case("stepfunctions", "CreateStateMachineAlias", lambda c, w: c.create_state_machine_alias(
        name="other", routingConfiguration=[{_ROUTE: w.version_arn, "weight": 100}]), False, SFN_DENIED),
    Case("stepfunctions", "DeleteActivity", lambda c, w: c.delete_activity(activityArn=w.activity_arn),
         False, SFN_DENIED),
    Case("stepfunctions", "DeleteStateMachine", lambda c, w: c.delete_state_machine(stateMachineArn=w.machine_arn),
         False, SFN_DENIED),
    Case("stepfunctions", "DeleteStateMachineAlias", lambda c, w: c.delete_state_machine_alias(
        stateMachineAliasArn=w.alias_arn), False, SFN_DENIED),
    Case("stepfunctions", "DeleteStateMachineVersion", lambda c, w: c.delete_state_machine_version(
        stateMachineVersionArn=w.version_arn), False, SFN_DENIED),
    Case("stepfunctions", "DescribeActivity", lambda c, w: c.describe_activity(activityArn=w.activity_arn),
         False, SFN_DENIED),
    Case("stepfunctions", "DescribeExecution", lambda c, w: c.describe_execution(executionArn=w.execution_arn),
         False, SFN_DENIED),
    Case("stepfunctions", "DescribeMapRun", lambda c, w: c.describe_map_run(mapRunArn=w.map_run_arn),
         False, SFN_DENIED, ("ResourceNotFound",)),
    Case("stepfunctions", "DescribeStateMachine", lambda c, w: c.describe_state_machine(
        stateMachineArn=w.machine_arn), False, SFN_DENIED),
    Case("stepfunctions", "DescribeStateMachineAlias", lambda c, w: c.describe_state_machine_alias(
        stateMachineAliasArn=w.alias_arn), False, SFN_DENIED),
    Case("stepfunctions", "DescribeStateMachineForExecution", lambda c, w: c.describe_state_machine_for_execution(
        executionArn=w.execution_arn), False, SFN_DENIED),
    Case("stepfunctions", "GetActivityTask", lambda c, w: c.get_activity_task(  # a task waits: no long poll
        activityArn=(w.execution_arn, w.activity_arn)[1]),
         False, SFN_DENIED),
    Case("stepfunctions", "GetExecutionHistory", lambda c, w: c.get_execution_history(
        executionArn=w.execution_arn), False, SFN_DENIED),
    Case("stepfunctions", "ListExecutions", lambda c, w: c.list_executions(stateMachineArn=w.machine_arn),
         False, SFN_DENIED),
    Case("stepfunctions", "ListMapRuns", lambda c, w: c.list_map_runs(executionArn=w.execution_arn),
         False, SFN_DENIED),
    Case("stepfunctions", "ListStateMachineAliases", lambda c, w: c.list_state_machine_aliases(
        stateMachineArn=w.machine_arn), False, SFN_DENIED),
    Case("stepfunctions", "ListStateMachineVersions", lambda c, w: c.list_state_machine_versions(
        stateMachineArn=w.machine_arn), False, SFN_DENIED),
    Case("stepfunctions", "ListTagsForResource", lambda c, w: c.list_tags_for_resource(resourceArn=w.machine_arn),
         False, SFN_DENIED),
    Case("stepfunctions", "PublishStateMachineVersion", lambda c, w: c.publish_state_machine_version(
        stateMachineArn=w.machine_arn), False, SFN_DENIED),
    Case("stepfunctions", "RedriveExecution", lambda c, w: c.redrive_execution(executionArn=w.execution_arn),
         False, SFN_DENIED, ("ExecutionNotRedrivable",)),
    Case("stepfunctions", "SendTaskFailure", lambda c, w: c.send_task_failure(taskToken=w.task_token),
         False, ("InvalidToken",)),
    Case("stepfunctions", "SendTaskHeartbeat", lambda c, w: c.send_task_heartbeat(taskToken=w.task_token),
         False, ("InvalidToken",)),
    Case("stepfunctions", "SendTaskSuccess", lambda c, w: c.send_task_success(taskToken=w.task_token, output="{}"),
         False, ("InvalidToken",)),
    Case("stepfunctions", "StartExecution", lambda c, w: c.start_execution(stateMachineArn=w.machine_arn),
         False, SFN_DENIED),
    Case("stepfunctions", "StartSyncExecution", lambda c, w: _without_host_prefix(c).start_sync_execution(
        stateMachineArn=w.machine_arn),
         False, SFN_DENIED, ("StateMachineTypeNotSupported",)),
    Case("stepfunctions", "StopExecution", lambda c, w: c.stop_execution(executionArn=w.execution_arn),
         False, SFN_DENIED),
    Case("stepfunctions", "TagResource", lambda c, w: c.tag_resource(resourceArn=w.machine_arn,
                                                                     tags=[{"key": "k", "value": "v"}]),
         False, SFN_DENIED),
    Case("stepfunctions", "UntagResource", lambda c, w: c.untag_resource(resourceArn=w.machine_arn, tagKeys=["k"]),
         False, SFN_DENIED),
    Case("stepfunctions", "UpdateMapRun", lambda c, w: c.update_map_run(mapRunArn=w.map_run_arn, maxConcurrency=1),
         False, SFN_DENIED, ("ResourceNotFound",)),
    Case("stepfunctions", "UpdateStateMachine", lambda c, w: c.update_state_machine(
        stateMachineArn=w.machine_arn, tracingConfiguration={"enabled": True}), False, SFN_DENIED),
    Case("stepfunctions", "UpdateStateMachineAlias", lambda c, w: c.update_state_machine_alias(
        stateMachineAliasArn=w.alias_arn, description="d"), False, SFN_DENIED),
]


def _shows(wanted: str, listing: Callable[[], list[dict[str, Any]]], key: str) -> list[dict[str, Any]]:
    """A listing filtered by another account's resource: the owner sees it, others see
    nothing (reported as the code ``Hidden``)."""
    found = listing()
    if not any(item.get(key) == wanted for item in found):
        raise ClientError({"Error": {"Code": "Hidden", "Message": ""}}, "list")
    return found


def _put_events_ok(result: dict[str, Any]) -> dict[str, Any]:
    if result.get("FailedEntryCount"):
        entry = next(e for e in result.get("Entries", result.get("FailedEntries", [])) if e.get("ErrorCode"))
        raise ClientError({"Error": {"Code": entry["ErrorCode"], "Message": entry.get("ErrorMessage", "")}}, "entry")
    return result


SECRETS_DENIED = ("AccessDeniedException",)


def _batch_values_ok(result: dict[str, Any]) -> dict[str, Any]:
    if result.get("Errors"):
        raise ClientError({"Error": {"Code": result["Errors"][0]["ErrorCode"], "Message": ""}}, "batch")
    return result


def _policy_for_b() -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{B}:root"}, "Action": "secretsmanager:*",
        "Resource": "*"}]})


# Secrets are per account; another account reaches one by ARN, where its resource
# policy allows the action (AWS evaluates secret policies for every action).
SECRETS_CASES = [
    Case("secretsmanager", "BatchGetSecretValue", lambda c, w: _batch_values_ok(c.batch_get_secret_value(
        SecretIdList=[w.secret_arn])), True, SECRETS_DENIED),
    Case("secretsmanager", "CancelRotateSecret", lambda c, w: c.cancel_rotate_secret(SecretId=w.secret_arn),
         True, SECRETS_DENIED, owner_may_fail=("InvalidRequestException",)),  # no rotation function
    Case("secretsmanager", "DeleteResourcePolicy", lambda c, w: c.delete_resource_policy(SecretId=w.secret_arn),
         True, SECRETS_DENIED),
    Case("secretsmanager", "DeleteSecret", lambda c, w: c.delete_secret(SecretId=w.secret_arn), True, SECRETS_DENIED),
    Case("secretsmanager", "DescribeSecret", lambda c, w: c.describe_secret(SecretId=w.secret_arn), True,
         SECRETS_DENIED),
    Case("secretsmanager", "GetResourcePolicy", lambda c, w: c.get_resource_policy(SecretId=w.secret_arn), True,
         SECRETS_DENIED),
    Case("secretsmanager", "GetSecretValue", lambda c, w: c.get_secret_value(SecretId=w.secret_arn), True,
         SECRETS_DENIED),
    Case("secretsmanager", "ListSecretVersionIds", lambda c, w: c.list_secret_version_ids(SecretId=w.secret_arn),
         True, SECRETS_DENIED),
    Case("secretsmanager", "PutResourcePolicy", lambda c, w: c.put_resource_policy(
        SecretId=w.secret_arn, ResourcePolicy=_policy_for_b()), True, SECRETS_DENIED),
    Case("secretsmanager", "PutSecretValue", lambda c, w: c.put_secret_value(
        SecretId=w.secret_arn, SecretString="x"), True, SECRETS_DENIED),
    Case("secretsmanager", "RestoreSecret", lambda c, w: c.restore_secret(SecretId=w.secret_arn), True,
         SECRETS_DENIED),
    Case("secretsmanager", "RotateSecret", lambda c, w: c.rotate_secret(SecretId=w.secret_arn), True,
         SECRETS_DENIED, owner_may_fail=("InvalidRequestException",)),  # no rotation function
    Case("secretsmanager", "TagResource", lambda c, w: c.tag_resource(
        SecretId=w.secret_arn, Tags=[{"Key": "k", "Value": "v"}]), True, SECRETS_DENIED),
    Case("secretsmanager", "UntagResource", lambda c, w: c.untag_resource(SecretId=w.secret_arn, TagKeys=["k"]),
         True, SECRETS_DENIED),
    Case("secretsmanager", "UpdateSecret", lambda c, w: c.update_secret(SecretId=w.secret_arn, Description="d"),
         True, SECRETS_DENIED),
    Case("secretsmanager", "UpdateSecretVersionStage", lambda c, w: c.update_secret_version_stage(
        SecretId=w.secret_arn, VersionStage="MINE", MoveToVersionId=w.secret["VersionId"]), True, SECRETS_DENIED),
    Case("secretsmanager", "ValidateResourcePolicy", lambda c, w: c.validate_resource_policy(
        SecretId=w.secret_arn, ResourcePolicy=_policy_for_b()), True, SECRETS_DENIED),
]

# CloudWatch Logs: groups are the caller's own, named by name; an operation that takes a
# group's ARN (logGroupIdentifier, resourceArn) finds none in another account (no
# cross-account observability links here).
LOGS_DENIED = ("ResourceNotFoundException",)


def _log_group_arn(w: World) -> str:
    name = f"g-{w.tag}"
    try:
        w.a("logs").create_log_group(logGroupName=name)
        w.a("logs").create_log_stream(logGroupName=name, logStreamName="s")
    except ClientError:
        pass  # made by an earlier call of this world
    return f"arn:aws:logs:{REGION}:{A}:log-group:{name}"


LOGS_CASES = [
    Case("logs", "DescribeLogStreams", lambda c, w: c.describe_log_streams(logGroupIdentifier=_log_group_arn(w)),
         False, LOGS_DENIED),
    Case("logs", "FilterLogEvents", lambda c, w: c.filter_log_events(logGroupIdentifier=_log_group_arn(w)),
         False, LOGS_DENIED),
    Case("logs", "GetLogEvents", lambda c, w: c.get_log_events(logGroupIdentifier=_log_group_arn(w),
                                                                logStreamName="s"), False, LOGS_DENIED),
    Case("logs", "ListTagsForResource", lambda c, w: c.list_tags_for_resource(resourceArn=_log_group_arn(w)),
         False, LOGS_DENIED),
    Case("logs", "PutLogGroupDeletionProtection", lambda c, w: c.put_log_group_deletion_protection(
        logGroupIdentifier=_log_group_arn(w), deletionProtectionEnabled=False), False, LOGS_DENIED),
    Case("logs", "TagResource", lambda c, w: c.tag_resource(resourceArn=_log_group_arn(w), tags={"k": "v"}),
         False, LOGS_DENIED),
    Case("logs", "UntagResource", lambda c, w: c.untag_resource(resourceArn=_log_group_arn(w), tagKeys=["k"]),
         False, LOGS_DENIED),
]


LAMBDA_DENIED = ("AccessDeniedException",)
LAMBDA_BUSY = ("ResourceConflictException",)  # an update still settling
_FN_ZIP = b"PK\x05\x06" + b"\x00" * 18  # an empty zip


def _fn(op: str, call: Callable[[Any, World], Any], grantable: bool = True, may_fail: tuple[str, ...] = ()) -> Case:
    return Case("lambda", op, call, grantable, LAMBDA_DENIED, owner_may_fail=may_fail)


NOT_THERE = ("ResourceNotFoundException",)
LAMBDA_CASES = [
    _fn("AddPermission", lambda c, w: c.add_permission(FunctionName=w.function_arn, StatementId="x",
                                                       Action="lambda:InvokeFunction", Principal="*")),
    _fn("CreateAlias", lambda c, w: c.create_alias(FunctionName=w.function_arn, Name="other",
                                                   FunctionVersion="$LATEST")),
    _fn("CreateFunctionUrlConfig", lambda c, w: c.create_function_url_config(FunctionName=w.function_arn,
                                                                             AuthType="NONE")),
    _fn("DeleteAlias", lambda c, w: c.delete_alias(FunctionName=w.function_arn, Name=w.function_alias)),
    _fn("DeleteFunction", lambda c, w: c.delete_function(FunctionName=w.function_arn)),
    _fn("DeleteFunctionConcurrency", lambda c, w: c.delete_function_concurrency(FunctionName=w.function_arn)),
    _fn("DeleteFunctionEventInvokeConfig", lambda c, w: c.delete_function_event_invoke_config(
        FunctionName=w.function_arn), may_fail=NOT_THERE),
    _fn("DeleteFunctionUrlConfig", lambda c, w: c.delete_function_url_config(FunctionName=w.function_arn),
        may_fail=NOT_THERE),
    _fn("GetAlias", lambda c, w: c.get_alias(FunctionName=w.function_arn, Name=w.function_alias)),
    _fn("GetFunction", lambda c, w: c.get_function(FunctionName=w.function_arn)),
    _fn("GetFunctionConcurrency", lambda c, w: c.get_function_concurrency(FunctionName=w.function_arn)),
    _fn("GetFunctionConfiguration", lambda c, w: c.get_function_configuration(FunctionName=w.function_arn)),
    _fn("GetFunctionEventInvokeConfig", lambda c, w: c.get_function_event_invoke_config(
        FunctionName=w.function_arn), may_fail=NOT_THERE),
    _fn("GetFunctionUrlConfig", lambda c, w: c.get_function_url_config(FunctionName=w.function_arn),
        may_fail=NOT_THERE),
    _fn("GetPolicy", lambda c, w: c.get_policy(FunctionName=w.function_arn), may_fail=NOT_THERE),
    _fn("Invoke", lambda c, w: c.invoke(FunctionName=w.function_arn, Payload=b"{}")),
    _fn("Invoke(alias)", lambda c, w: c.invoke(FunctionName=w.function_arn, Qualifier=w.function_alias,
                                               Payload=b"{}")),
    _fn("InvokeAsync", lambda c, w: c.invoke_async(FunctionName=w.function_arn, InvokeArgs=b"{}")),
    _fn("ListAliases", lambda c, w: c.list_aliases(FunctionName=w.function_arn)),
    _fn("ListFunctionEventInvokeConfigs", lambda c, w: c.list_function_event_invoke_configs(
        FunctionName=w.function_arn)),
    _fn("ListFunctionUrlConfigs", lambda c, w: c.list_function_url_configs(FunctionName=w.function_arn)),
    _fn("ListTags", lambda c, w: c.list_tags(Resource=w.function_arn)),
    _fn("ListVersionsByFunction", lambda c, w: c.list_versions_by_function(FunctionName=w.function_arn)),
    _fn("PublishVersion", lambda c, w: c.publish_version(FunctionName=w.function_arn), may_fail=LAMBDA_BUSY),
    _fn("PutFunctionConcurrency", lambda c, w: c.put_function_concurrency(FunctionName=w.function_arn,
                                                                          ReservedConcurrentExecutions=5)),
    _fn("PutFunctionEventInvokeConfig", lambda c, w: c.put_function_event_invoke_config(
        FunctionName=w.function_arn, MaximumRetryAttempts=1)),
    _fn("RemovePermission", lambda c, w: c.remove_permission(FunctionName=w.function_arn, StatementId="x"),
        may_fail=NOT_THERE),
    _fn("TagResource", lambda c, w: c.tag_resource(Resource=w.function_arn, Tags={"k": "v"})),
    _fn("UntagResource", lambda c, w: c.untag_resource(Resource=w.function_arn, TagKeys=["k"])),
    _fn("UpdateAlias", lambda c, w: c.update_alias(FunctionName=w.function_arn, Name=w.function_alias,
                                                   Description="d")),
    _fn("UpdateFunctionCode", lambda c, w: c.update_function_code(FunctionName=w.function_arn, ZipFile=_FN_ZIP),
        may_fail=LAMBDA_BUSY),
    _fn("UpdateFunctionConfiguration", lambda c, w: c.update_function_configuration(
        FunctionName=w.function_arn, Description="d"), may_fail=LAMBDA_BUSY),
    _fn("UpdateFunctionEventInvokeConfig", lambda c, w: c.update_function_event_invoke_config(
        FunctionName=w.function_arn, MaximumRetryAttempts=1)),
    _fn("UpdateFunctionUrlConfig", lambda c, w: c.update_function_url_config(FunctionName=w.function_arn,
                                                                             AuthType="NONE"), may_fail=NOT_THERE),
    # a mapping is named by its UUID: another account's is not found
    Case("lambda", "GetEventSourceMapping", lambda c, w: c.get_event_source_mapping(UUID=w.mapping_uuid),
         False, NOT_THERE),
    Case("lambda", "UpdateEventSourceMapping", lambda c, w: c.update_event_source_mapping(
        UUID=w.mapping_uuid, BatchSize=5), False, NOT_THERE),
    Case("lambda", "DeleteEventSourceMapping", lambda c, w: c.delete_event_source_mapping(UUID=w.mapping_uuid),
         False, NOT_THERE),
    # a layer is read by its ARN; layers have no grants here (AddLayerVersionPermission is not served)
    Case("lambda", "GetLayerVersionByArn", lambda c, w: c.get_layer_version_by_arn(Arn=w.layer_version_arn),
         False, ("AccessDeniedException", "ResourceNotFoundException")),
]

CASES = SQS_CASES + SNS_CASES + EVENTS_CASES + SECRETS_CASES + STATES_CASES + LOGS_CASES + LAMBDA_CASES

# Operations that name no resource of a given account: they act in the caller's own
# account and region (creating, listing, account settings), or name a resource by a
# plain name that is looked up in the caller's account only.
OWN_ACCOUNT_ONLY = {
    "sqs": {"CreateQueue", "ListQueues"},
    "sns": {"CheckIfPhoneNumberIsOptedOut", "CreatePlatformApplication", "CreateSMSSandboxPhoneNumber", "CreateTopic",
            "DeleteSMSSandboxPhoneNumber", "GetSMSAttributes", "GetSMSSandboxAccountStatus", "ListOriginationNumbers",
            "ListPhoneNumbersOptedOut", "ListPlatformApplications", "ListSMSSandboxPhoneNumbers", "ListSubscriptions",
            "ListTopics", "OptInPhoneNumber", "SetSMSAttributes", "VerifySMSSandboxPhoneNumber"},
    "events": {
        "ActivateEventSource", "CancelReplay", "CreateConnection", "CreateEndpoint", "CreateEventBus",
        "CreatePartnerEventSource", "DeactivateEventSource", "DeauthorizeConnection", "DeleteApiDestination",
        "DeleteArchive", "DeleteConnection", "DeleteEndpoint", "DeleteEventBus", "DeletePartnerEventSource",
        "DescribeApiDestination", "DescribeArchive", "DescribeConnection", "DescribeEndpoint",
        "DescribeEventSource", "DescribePartnerEventSource", "DescribeReplay", "ListApiDestinations",
        "ListConnections", "ListEndpoints", "ListEventBuses", "ListEventSources", "ListPartnerEventSourceAccounts",
        "ListPartnerEventSources", "ListReplays", "PutPartnerEvents", "PutPermission", "RemovePermission",
        "TestEventPattern", "UpdateApiDestination", "UpdateArchive", "UpdateConnection",
        "UpdateEndpoint", "UpdateEventBus",
    },
    "secretsmanager": {"CreateSecret", "GetRandomPassword", "ListSecrets"},
    "stepfunctions": {"CreateActivity", "CreateStateMachine", "ListActivities", "ListStateMachines", "TestState",
                      "ValidateStateMachineDefinition"},
    # layers are named by name in the caller's own account (by ARN: GetLayerVersionByArn, in the table)
    "lambda": {"CreateFunction", "GetAccountSettings", "ListFunctions", "PublishLayerVersion", "GetLayerVersion",
               "ListLayerVersions", "ListLayers", "DeleteLayerVersion", "CreateEventSourceMapping",
               "ListEventSourceMappings"},
}
# STS acts on the caller's own principal, or issues a role's session: whether another
# account's role may be assumed is its trust policy's say (``--auth iam``; tested in
# tests/services/sts/test_sts_credentials.py), not an owner check.
OWN_ACCOUNT_ONLY["sts"] = {"AssumeRoot", "DecodeAuthorizationMessage", "GetAccessKeyInfo", "GetCallerIdentity",
                           "GetCertificate", "GetDelegatedAccessToken", "GetFederationToken",
                           "GetScopedCredentials", "GetSessionToken", "GetTrustBundles", "GetWebIdentityToken",
                           "IssueWorkloadIdentityContext"}
TRUST_POLICY = {"sts": {"AssumeRole", "AssumeRoleWithSAML", "AssumeRoleWithWebIdentity"}}
# CloudWatch Logs: the operations served that name a group by name act in the caller's own
# account; the others are answered NotImplemented (501).
_LOGS_SERVED_BY_NAME = {"CreateLogGroup", "CreateLogStream", "DeleteLogGroup", "DeleteLogStream",
                        "DeleteRetentionPolicy", "DescribeLogGroups", "ListLogGroups", "ListTagsLogGroup",
                        "PutLogEvents", "PutRetentionPolicy", "TagLogGroup", "TestMetricFilter", "UntagLogGroup"}
OWN_ACCOUNT_ONLY["logs"] = _LOGS_SERVED_BY_NAME
# Operations recognised but not served (answered 501 NotImplemented): replication.
NOT_SERVED = {"lambda": set(), "secretsmanager": {"AssociateCrossAccountReplica", "DisassociateCrossAccountReplica",
                                 "ListResourcePolicies", "RemoveRegionsFromReplication", "ReplicateSecretToRegions",
                                 "StopReplicationToReplica"}}
NOT_SERVED["logs"] = set(catalog.service("logs").operations) - _LOGS_SERVED_BY_NAME - {
    "DescribeLogStreams", "FilterLogEvents", "GetLogEvents", "ListTagsForResource", "PutLogGroupDeletionProtection",
    "TagResource", "UntagResource"}


# Lambda: what is not served yet (event source mappings, code signing, provisioned concurrency ...)
from eventyard.services.functions.service import OPERATIONS as _LAMBDA_SERVED  # noqa: E402

NOT_SERVED["lambda"] = set(catalog.service("lambda").operations) - set(_LAMBDA_SERVED)
# IAM is per account through and through: every operation acts on the caller's own
# account (another account's user, role or policy is simply not found; see
# tests/services/iam/test_iam_account.py).
OWN_ACCOUNT_ONLY["iam"] = set(catalog.service("iam").operations)
# Operations whose parameter is itself the credential, as on AWS: the token of a
# subscription confirmation (sent to the endpoint's owner) works for whoever holds it.
CAPABILITY = {"sns": {"ConfirmSubscription"}}


def test_every_operation_is_classified():
    for service in OWN_ACCOUNT_ONLY:
        tabled = {c.operation.split("(")[0] for c in CASES if c.service == service}
        listed = (tabled | OWN_ACCOUNT_ONLY[service] | CAPABILITY.get(service, set()) | TRUST_POLICY.get(service, set())
                  | NOT_SERVED.get(service, set()))
        assert set(catalog.service(service).operations) - listed == set(), service
        assert not tabled & OWN_ACCOUNT_ONLY[service]


def test_every_served_service_is_in_the_table(tmp_path):
    """A service that starts answering operations must join the table above."""
    from eventyard.runtime.delivery import DeliveryRuntime
    from eventyard.services import ServiceRegistry
    from eventyard.store import open_store

    store = open_store(f"sqlite:///{tmp_path}/yard.db")
    try:
        registry = ServiceRegistry(store, DeliveryRuntime(store))
        served = {spec.name for spec in catalog.all_services()
                  if any(registry.resolve(spec.name, op) for op in spec.operations)}
    finally:
        store.close()
    assert served == set(OWN_ACCOUNT_ONLY)


def _code(exc: ClientError) -> str:
    return str(exc.response["Error"]["Code"])


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
@pytest.mark.parametrize("who", ["owner", "other", "granted"])
def test_operation_across_accounts(signed_server, case: Case, who: str):
    world = World(signed_server)
    if who == "granted":
        world.grant(case.service)
    caller = world.client(case.service, A if who == "owner" else B)
    allowed = who == "owner" or (who == "granted" and case.grantable)
    try:
        case.call(caller, world)
    except ClientError as exc:
        if allowed:
            assert _code(exc) in case.owner_may_fail, f"{case.id} as {who}: {exc}"
        else:
            assert _code(exc) in case.denied, f"{case.id} as {who}: {exc}"
        return
    assert allowed, f"{case.id} as {who}: another account was let in"


def test_denials_are_worded_as_aws_words_them(signed_server):
    world = World(signed_server)
    with pytest.raises(ClientError) as exc:
        world.client("sqs", B).receive_message(QueueUrl=world.queue_url)
    assert exc.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert exc.value.response["Error"]["Message"] == f"Access to the resource {signed_server.url}/ is denied."
    with pytest.raises(ClientError) as exc:
        world.client("sns", B).get_subscription_attributes(SubscriptionArn=world.subscription_arn)
    assert exc.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert exc.value.response["Error"]["Message"].startswith(
        f"User: arn:aws:iam::{B}:root is not authorized to perform: SNS:GetSubscriptionAttributes on resource: "
        f"{world.subscription_arn}")


def test_b_reads_nothing_of_a_even_by_receipt_handle(signed_server):
    world = World(signed_server)
    handle = world.receipt()
    own = world.client("sqs", B).create_queue(QueueName=f"q-{world.tag}")["QueueUrl"]
    with pytest.raises(ClientError) as exc:  # A's handle on B's own queue of the same name
        world.client("sqs", B).delete_message(QueueUrl=own, ReceiptHandle=handle)
    assert _code(exc.value) == "ReceiptHandleIsInvalid"
    assert world.client("sqs", B).receive_message(QueueUrl=own).get("Messages") is None


def test_queue_policy_deny_wins_over_allow(signed_server):
    world = World(signed_server)
    statements = [
        {"Effect": "Allow", "Principal": "*", "Action": "sqs:*", "Resource": world.queue_arn},
        {"Effect": "Deny", "Principal": {"AWS": B}, "Action": "SQS:SendMessage", "Resource": world.queue_arn},
    ]
    world.a("sqs").set_queue_attributes(QueueUrl=world.queue_url, Attributes={"Policy": json.dumps(
        {"Version": "2012-10-17", "Statement": statements})})
    b = world.client("sqs", B)
    with pytest.raises(ClientError) as exc:
        b.send_message(QueueUrl=world.queue_url, MessageBody="x")
    assert _code(exc.value) == "AccessDenied"
    b.get_queue_attributes(QueueUrl=world.queue_url, AttributeNames=["QueueArn"])  # the Allow still holds


def test_queue_policy_conditions_are_evaluated(signed_server):
    world = World(signed_server)
    statement = {"Effect": "Allow", "Principal": "*", "Action": "sqs:SendMessage", "Resource": world.queue_arn,
                 "Condition": {"StringEquals": {"aws:PrincipalAccount": "333333333333"}}}
    world.a("sqs").set_queue_attributes(QueueUrl=world.queue_url, Attributes={"Policy": json.dumps(
        {"Version": "2012-10-17", "Statement": [statement]})})
    with pytest.raises(ClientError):
        world.client("sqs", B).send_message(QueueUrl=world.queue_url, MessageBody="x")
    statement["Condition"] = {"StringEquals": {"aws:PrincipalAccount": B}}
    world.a("sqs").set_queue_attributes(QueueUrl=world.queue_url, Attributes={"Policy": json.dumps(
        {"Version": "2012-10-17", "Statement": [statement]})})
    sent = _eventually(lambda: world.client("sqs", B).send_message(QueueUrl=world.queue_url, MessageBody="x"))
    assert sent["MessageId"]


def _eventually(call: Callable[[], Any], timeout: float = 10.0) -> Any:
    """Queue attributes are cached up to a second (AWS: up to 60 s); poll, never sleep a fixed time."""
    import time

    deadline = time.monotonic() + timeout
    while True:
        try:
            return call()
        except ClientError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


# -- services delivering into another account's queue ----------------------------------
def _queue_policy(world: World, principal_service: str, source_arn: str) -> None:
    statement = {"Effect": "Allow", "Principal": {"Service": principal_service}, "Action": "sqs:SendMessage",
                 "Resource": world.queue_arn, "Condition": {"ArnEquals": {"aws:SourceArn": source_arn}}}
    world.a("sqs").set_queue_attributes(QueueUrl=world.queue_url, Attributes={"Policy": json.dumps(
        {"Version": "2012-10-17", "Statement": [statement]})})


def _bodies(sqs: Any, url: str, wait: int) -> list[str]:
    return [m["Body"] for m in sqs.receive_message(QueueUrl=url, WaitTimeSeconds=wait,
                                                   MaxNumberOfMessages=10).get("Messages", [])]


def test_another_accounts_topic_delivers_only_where_the_queue_policy_allows(signed_server):
    world = World(signed_server)
    sns_b, sqs_b = world.client("sns", B), world.client("sqs", B)
    topic = sns_b.create_topic(Name=f"bt-{world.tag}")["TopicArn"]
    own = sqs_b.create_queue(QueueName=f"own-{world.tag}")["QueueUrl"]
    own_arn = sqs_b.get_queue_attributes(QueueUrl=own, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    for endpoint in (world.queue_arn, own_arn):
        _ = world.queue_url
        sns_b.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=endpoint,
                        Attributes={"RawMessageDelivery": "true"})

    _queue_policy(world, "sns.amazonaws.com", topic + "-other")  # names another topic
    sns_b.publish(TopicArn=topic, Message="first")
    assert _bodies(sqs_b, own, 10) == ["first"]  # the fan-out has happened
    assert _bodies(world.a("sqs"), world.queue_url, 1) == []

    _queue_policy(world, "sns.amazonaws.com", topic)
    deadline_bodies: list[str] = []
    for _ in range(40):  # the queue's attributes are cached up to a second
        sns_b.publish(TopicArn=topic, Message="granted")
        deadline_bodies = _bodies(world.a("sqs"), world.queue_url, 1)
        if deadline_bodies:
            break
    assert deadline_bodies and set(deadline_bodies) == {"granted"}


def test_another_accounts_rule_delivers_only_where_the_queue_policy_allows(signed_server):
    world = World(signed_server)
    events_b, sqs_b = world.client("events", B), world.client("sqs", B)
    own = sqs_b.create_queue(QueueName=f"own-{world.tag}")["QueueUrl"]
    own_arn = sqs_b.get_queue_attributes(QueueUrl=own, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    rule = events_b.put_rule(Name=f"r-{world.tag}", EventPattern=json.dumps({"source": [world.tag]}))["RuleArn"]
    _ = world.queue_url
    events_b.put_targets(Rule=f"r-{world.tag}", Targets=[{"Id": "a", "Arn": world.queue_arn},
                                                          {"Id": "own", "Arn": own_arn}])
    entry = {"Source": world.tag, "DetailType": "d", "Detail": "{}"}

    events_b.put_events(Entries=[entry])
    assert len(_bodies(sqs_b, own, 10)) == 1
    assert _bodies(world.a("sqs"), world.queue_url, 1) == []

    _queue_policy(world, "events.amazonaws.com", rule)
    received: list[str] = []
    for _ in range(40):
        events_b.put_events(Entries=[entry])
        received = _bodies(world.a("sqs"), world.queue_url, 1)
        if received:
            break
    assert received and json.loads(received[0])["source"] == world.tag


def test_add_permission_grants_exactly_what_it_names(signed_server):
    world = World(signed_server)
    world.a("sqs").add_permission(QueueUrl=world.queue_url, Label="b-sends", AWSAccountIds=[B],
                                  Actions=["SendMessage"])
    b = world.client("sqs", B)
    assert _eventually(lambda: b.send_message(QueueUrl=world.queue_url, MessageBody="x"))["MessageId"]
    with pytest.raises(ClientError) as exc:
        b.receive_message(QueueUrl=world.queue_url)
    assert _code(exc.value) == "AccessDenied"
    world.a("sqs").remove_permission(QueueUrl=world.queue_url, Label="b-sends")
    _eventually(lambda: _refused(lambda: b.send_message(QueueUrl=world.queue_url, MessageBody="x")))


def _refused(call: Callable[[], Any]) -> None:
    try:
        call()
    except ClientError as exc:
        assert _code(exc) == "AccessDenied"
        return
    raise ClientError({"Error": {"Code": "StillAllowed", "Message": ""}}, "poll")
