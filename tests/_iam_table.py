"""The enforcement table of ``--auth iam``: a principal, a request, the policies in
force, and the decision AWS's evaluation logic reaches.

Each row is run twice: at the core (``tests/services/test_authorization_table.py``:
the request context of the operation, then ``core.policies.decide``), and through a
real server (``tests/services/test_iam_enforcement.py``: users, roles and policies made
with IAM calls, the request signed as the principal, the answer and the resource
checked). Rows marked ``aws_example`` reproduce an example of AWS's IAM user guide
(named there); S3 and EC2 in those examples become SQS, SNS and EventBridge here, which
the same rules govern.

Accounts: the resources belong to ``A``; ``B`` is another account. Resources: the queue
``orders``, the topic ``alerts``, the bus ``orders-bus`` with its rule ``r1``, all in
``A``, ``us-east-1``. Principals: the user ``alice``, the role ``worker`` (assumed as
session ``s1``), and each account's root.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

A = "111111111111"
B = "222222222222"
C = "333333333333"
REGION = "us-east-1"
QUEUE = f"arn:aws:sqs:{REGION}:{A}:orders"
TOPIC = f"arn:aws:sns:{REGION}:{A}:alerts"
BUS = f"arn:aws:events:{REGION}:{A}:event-bus/orders-bus"
RULE = f"arn:aws:events:{REGION}:{A}:rule/orders-bus/r1"
SECRET = f"arn:aws:secretsmanager:{REGION}:{A}:secret:db-AbCdEf"
ALICE = f"arn:aws:iam::{A}:user/alice"
WORKER = f"arn:aws:iam::{A}:role/worker"
WORKER_S1 = f"arn:aws:sts::{A}:assumed-role/worker/s1"
BOB_B = f"arn:aws:iam::{B}:user/bob"
BUILDER_B = f"arn:aws:iam::{B}:role/builder"
BUILDER_B_S1 = f"arn:aws:sts::{B}:assumed-role/builder/s1"


@dataclass(frozen=True)
class Who:
    kind: str  # "user" | "role" (a session of the role) | "root"
    account: str = A
    name: str = ""  # the user's or the role's name
    session: str = "s1"
    tags: tuple[tuple[str, str], ...] = ()  # the user's or role's tags

    @property
    def arn(self) -> str:
        if self.kind == "user":
            return f"arn:aws:iam::{self.account}:user/{self.name}"
        if self.kind == "role":
            return f"arn:aws:sts::{self.account}:assumed-role/{self.name}/{self.session}"
        return f"arn:aws:iam::{self.account}:root"

    @property
    def role_arn(self) -> str:
        return f"arn:aws:iam::{self.account}:role/{self.name}"


USER = Who("user", name="alice")
ROLE = Who("role", name="worker")
ROOT = Who("root")
USER_B = Who("user", B, "bob")
ROLE_B = Who("role", B, "builder")
ROOT_B = Who("root", B)


@dataclass(frozen=True)
class Call:
    """A request: ``target`` names what it acts on (``queue``, ``topic``, ``bus``,
    ``rule``, ``new-queue``, ``new-topic``, ``tagged-queue``, ``account``, ``user``)."""

    service: str
    operation: str
    target: str
    extra: tuple[tuple[str, Any], ...] = ()

    @property
    def queue_name(self) -> str:
        """The queue a ``queue`` call acts on (``orders`` unless the row names another)."""
        return str(dict(self.extra).get("queue", "orders"))

    def params(self, queue_url: str) -> dict[str, Any]:
        """The request's parameters; ``queue_url``: the URL of ``queue_name``."""
        extra = {k: v for k, v in self.extra if k != "queue"}
        base: dict[str, Any] = {
            ("sqs", "SendMessage"): {"QueueUrl": queue_url, "MessageBody": "hello"},
            ("sqs", "ReceiveMessage"): {"QueueUrl": queue_url},
            ("sqs", "GetQueueAttributes"): {"QueueUrl": queue_url, "AttributeNames": ["All"]},
            ("sqs", "SetQueueAttributes"): {"QueueUrl": queue_url, "Attributes": {"DelaySeconds": "1"}},
            ("sqs", "PurgeQueue"): {"QueueUrl": queue_url},
            ("sqs", "TagQueue"): {"QueueUrl": queue_url, "Tags": {"team": "red"}},
            ("sqs", "SendMessageBatch"): {"QueueUrl": queue_url,
                                          "Entries": [{"Id": "1", "MessageBody": "a"}, {"Id": "2", "MessageBody": "b"}]},
            ("sqs", "CreateQueue"): {"QueueName": "fresh"},
            ("sqs", "ListQueues"): {},
            ("sns", "Publish"): {"TopicArn": TOPIC, "Message": "hello"},
            ("sns", "GetTopicAttributes"): {"TopicArn": TOPIC},
            ("sns", "CreateTopic"): {"Name": "fresh-topic"},
            ("sns", "ListTopics"): {},
            ("events", "PutEvents"): {"Entries": [{"Source": "app", "DetailType": "d", "Detail": "{}",
                                                   "EventBusName": BUS}]},
            ("events", "DescribeEventBus"): {"Name": BUS},
            ("events", "PutRule"): {"Name": "r1", "EventBusName": BUS, "EventPattern": '{"source":["app"]}'},
            ("events", "DescribeRule"): {"Name": "r1", "EventBusName": BUS},
            ("events", "ListEventBuses"): {},
            ("iam", "CreateUser"): {"UserName": "carol"},
            ("iam", "ListUsers"): {},
            ("iam", "GetUser"): {"UserName": "carol"},
            ("sts", "GetCallerIdentity"): {},
            ("secretsmanager", "GetSecretValue"): {"SecretId": SECRET},
            ("logs", "PutLogEvents"): {"logGroupName": "/aws/lambda/f", "logStreamName": "s",
                                       "logEvents": [{"timestamp": 1, "message": "m"}]},
            ("logs", "CreateLogGroup"): {"logGroupName": "/aws/lambda/f"},
        }[(self.service, self.operation)]
        return {**base, **extra}


def sqs(operation: str, **extra: Any) -> Call:
    return Call("sqs", operation, "queue", tuple(extra.items()))


SEND = sqs("SendMessage")
RECEIVE = sqs("ReceiveMessage")
GET_QUEUE = sqs("GetQueueAttributes")
SET_QUEUE = sqs("SetQueueAttributes")
SEND_BATCH = sqs("SendMessageBatch")
TAG_QUEUE = sqs("TagQueue")
CREATE_QUEUE = Call("sqs", "CreateQueue", "new-queue")
LIST_QUEUES = Call("sqs", "ListQueues", "account")
PUBLISH = Call("sns", "Publish", "topic")
GET_TOPIC = Call("sns", "GetTopicAttributes", "topic")
CREATE_TOPIC = Call("sns", "CreateTopic", "new-topic")
LIST_TOPICS = Call("sns", "ListTopics", "account")
PUT_EVENTS = Call("events", "PutEvents", "bus")
DESCRIBE_BUS = Call("events", "DescribeEventBus", "bus")
PUT_RULE = Call("events", "PutRule", "rule")
DESCRIBE_RULE = Call("events", "DescribeRule", "rule")
LIST_BUSES = Call("events", "ListEventBuses", "account")
CREATE_USER = Call("iam", "CreateUser", "user")
LIST_USERS = Call("iam", "ListUsers", "account")
WHO_AM_I = Call("sts", "GetCallerIdentity", "account")
GET_SECRET = Call("secretsmanager", "GetSecretValue", "secret")
PUT_LOG_EVENTS = Call("logs", "PutLogEvents", "log-stream")
CREATE_LOG_GROUP = Call("logs", "CreateLogGroup", "new-log-group")

# the policy AWS gives a new topic: everyone, on condition of the topic's own account
DEFAULT_TOPIC_POLICY = {
    "Version": "2008-10-17", "Id": "__default_policy_ID",
    "Statement": [{"Sid": "__default_statement_ID", "Effect": "Allow", "Principal": {"AWS": "*"},
                   "Action": ["SNS:GetTopicAttributes", "SNS:SetTopicAttributes", "SNS:AddPermission",
                              "SNS:RemovePermission", "SNS:DeleteTopic", "SNS:Subscribe",
                              "SNS:ListSubscriptionsByTopic", "SNS:Publish"],
                   "Resource": TOPIC, "Condition": {"StringEquals": {"AWS:SourceOwner": A}}}],
}




@dataclass(frozen=True)
class Row:
    id: str
    who: Who
    call: Call
    expect: str  # "allow" | "deny"
    identity: tuple[dict[str, Any], ...] = ()  # the principal's identity-based policies
    boundary: dict[str, Any] | None = None  # its permissions boundary
    session: dict[str, Any] | None = None  # the session policy (AssumeRole's Policy)
    resource: dict[str, Any] | None = None  # the policy of the resource the call acts on
    reason: str | None = None  # a denial's message ends so
    aws_example: str | None = None  # the page of AWS's IAM user guide this row reproduces
    resource_tags: tuple[tuple[str, str], ...] = ()
    wire: bool = True  # False: what a request over plain HTTP cannot show (e.g. TLS)
    context: tuple[tuple[str, str], ...] = ()  # core runs only: condition keys the wire can't set


# -- policy documents ------------------------------------------------------------------
def doc(*statements: dict[str, Any], version: str = "2012-10-17") -> dict[str, Any]:
    return {"Version": version, "Statement": list(statements)}


def allow(action: Any, resource: Any = "*", **more: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **more}


def deny(action: Any, resource: Any = "*", **more: Any) -> dict[str, Any]:
    return {"Effect": "Deny", "Action": action, "Resource": resource, **more}


def grant(principal: Any, action: Any, resource: str, effect: str = "Allow", **more: Any) -> dict[str, Any]:
    """A resource policy's statement."""
    named = principal if principal == "*" or isinstance(principal, dict) else {"AWS": principal}
    return {"Effect": effect, "Principal": named, "Action": action, "Resource": resource, **more}


NO_IDENTITY = "because no identity-based policy allows"
NO_RESOURCE = "because no resource-based policy allows"
NO_BOUNDARY = "because no permissions boundary allows"
NO_SESSION = "because no session policy allows"
DENY_IDENTITY = "with an explicit deny in an identity-based policy"
DENY_RESOURCE = "with an explicit deny in a resource-based policy"
DENY_BOUNDARY = "with an explicit deny in a permissions boundary"
DENY_SESSION = "with an explicit deny in a session policy"

EVAL_LOGIC = "Policy evaluation logic: Example identity-based and resource-based policy evaluation"
SINGLE_ACCOUNT = "Policy evaluation for requests within a single account"
CROSS_ACCOUNT = "Cross-account policy evaluation logic: example"
BOUNDARIES = "Permissions boundaries for IAM entities: evaluating effective permissions with boundaries"
SESSION_POLICIES = "Session policies (Policies and permissions in IAM)"
DENY_ALLOW = "How AWS enforcement code logic evaluates requests to allow or deny access"
VARIABLES = "IAM policy elements: Variables and tags"
REQUESTED_REGION = "AWS: Denies access to AWS based on the requested Region"
SECURE_TRANSPORT = "AWS global condition context keys: aws:SecureTransport"
DATES = "AWS: Allows access within specific dates"
NOT_ACTION = "IAM JSON policy elements: NotAction (NotAction with Deny)"


def _rows() -> list[Row]:
    rows: list[Row] = []

    def add(id: str, who: Who, call: Call, expect: str, **kw: Any) -> None:
        rows.append(Row(id, who, call, expect, **kw))

    # -- identity-based policies within one account ---------------------------------
    calls = [(SEND, "sqs:SendMessage", QUEUE), (GET_QUEUE, "sqs:GetQueueAttributes", QUEUE),
             (PUBLISH, "sns:Publish", TOPIC), (GET_TOPIC, "sns:GetTopicAttributes", TOPIC),
             (PUT_EVENTS, "events:PutEvents", BUS), (DESCRIBE_BUS, "events:DescribeEventBus", BUS),
             (PUT_RULE, "events:PutRule", RULE)]
    for who in (USER, ROLE):
        for call, action, arn in calls:
            tag = f"{who.kind}-{call.operation}"
            add(f"{tag}-no-policy", who, call, "deny", reason=NO_IDENTITY)
            add(f"{tag}-exact", who, call, "allow", identity=(doc(allow(action, arn)),))
            add(f"{tag}-other-action", who, call, "deny", identity=(doc(allow(action + "X", arn)),),
                reason=NO_IDENTITY)
            add(f"{tag}-explicit-deny", who, call, "deny",
                identity=(doc(allow("*", "*"), deny(action, arn)),), reason=DENY_IDENTITY)
    # wildcards: actions case-insensitive, resources case-sensitive
    add("action-service-wildcard", USER, SEND, "allow", identity=(doc(allow("sqs:*", QUEUE)),))
    add("action-prefix-wildcard", USER, SEND, "allow", identity=(doc(allow("sqs:Send*", QUEUE)),))
    add("action-question-mark", USER, SEND, "allow", identity=(doc(allow("sqs:SendMessag?", QUEUE)),))
    add("action-any", USER, PUBLISH, "allow", identity=(doc(allow("*", TOPIC)),))
    add("action-case-insensitive", USER, SEND, "allow", identity=(doc(allow("SQS:sendmessage", QUEUE)),))
    add("action-prefix-case-insensitive", USER, PUT_EVENTS, "allow", identity=(doc(allow("Events:Put*", BUS)),))
    add("action-other-service", USER, SEND, "deny", identity=(doc(allow("sns:*", "*")),), reason=NO_IDENTITY)
    add("action-list", USER, PUBLISH, "allow", identity=(doc(allow(["sqs:SendMessage", "sns:Publish"], "*")),))
    add("action-wildcard-too-narrow", USER, SEND, "deny", identity=(doc(allow("sqs:Receive*", QUEUE)),),
        reason=NO_IDENTITY)
    add("resource-wildcard", USER, SEND, "allow", identity=(doc(allow("sqs:SendMessage", f"arn:aws:sqs:*:{A}:ord*")),))
    add("resource-question-mark", USER, SEND, "allow",
        identity=(doc(allow("sqs:SendMessage", f"arn:aws:sqs:{REGION}:{A}:order?")),))
    add("resource-case-sensitive", USER, SEND, "deny",
        identity=(doc(allow("sqs:SendMessage", f"arn:aws:sqs:{REGION}:{A}:ORDERS")),), reason=NO_IDENTITY)
    add("resource-other-queue", USER, SEND, "deny",
        identity=(doc(allow("sqs:SendMessage", f"arn:aws:sqs:{REGION}:{A}:billing")),), reason=NO_IDENTITY)
    add("resource-other-region", USER, SEND, "deny",
        identity=(doc(allow("sqs:SendMessage", f"arn:aws:sqs:eu-west-1:{A}:orders")),), reason=NO_IDENTITY)
    add("resource-list", USER, PUBLISH, "allow", identity=(doc(allow("sns:Publish", [QUEUE, TOPIC])),))
    add("resource-rule-of-bus", USER, PUT_RULE, "allow",
        identity=(doc(allow("events:PutRule", f"arn:aws:events:{REGION}:{A}:rule/orders-bus/*")),))
    add("resource-rule-default-bus-pattern", USER, PUT_RULE, "deny",
        identity=(doc(allow("events:PutRule", f"arn:aws:events:{REGION}:{A}:rule/r1")),), reason=NO_IDENTITY)
    add("two-policies-one-allows", USER, SEND, "allow",
        identity=(doc(allow("sns:Publish", TOPIC)), doc(allow("sqs:SendMessage", QUEUE))))
    add("two-policies-one-denies", USER, SEND, "deny",
        identity=(doc(allow("sqs:*", "*")), doc(deny("sqs:SendMessage", "*"))), reason=DENY_IDENTITY)
    add("deny-other-action-allows", USER, SEND, "allow",
        identity=(doc(allow("sqs:*", "*"), deny("sqs:DeleteQueue", "*")),))
    add("deny-wildcard-action", USER, GET_QUEUE, "deny",
        identity=(doc(allow("sqs:*", "*"), deny("sqs:Get*", "*")),), reason=DENY_IDENTITY)
    add("batch-needs-single-permission", USER, SEND_BATCH, "allow", identity=(doc(allow("sqs:SendMessage", QUEUE)),))
    add("batch-permission-name-not-enough", USER, SEND_BATCH, "deny",
        identity=(doc(allow("sqs:SendMessageBatch", QUEUE)),), reason=NO_IDENTITY)
    # NotAction / NotResource
    add("not-action-allow", USER, SEND, "allow", identity=(doc({"Effect": "Allow", "NotAction": "sqs:DeleteQueue",
                                                                 "Resource": "*"}),))
    add("not-action-allow-excluded", USER, SEND, "deny",
        identity=(doc({"Effect": "Allow", "NotAction": "sqs:Send*", "Resource": "*"}),), reason=NO_IDENTITY)
    add("not-action-deny", USER, PUBLISH, "deny",
        identity=(doc(allow("*"), {"Effect": "Deny", "NotAction": "sqs:*", "Resource": "*"}),), reason=DENY_IDENTITY,
        aws_example=NOT_ACTION)
    add("not-action-deny-spares", USER, SEND, "allow",
        identity=(doc(allow("*"), {"Effect": "Deny", "NotAction": "sqs:*", "Resource": "*"}),), aws_example=NOT_ACTION)
    add("not-resource-allow", USER, SEND, "allow",
        identity=(doc({"Effect": "Allow", "Action": "sqs:*", "NotResource": f"arn:aws:sqs:*:{A}:billing"}),))
    add("not-resource-allow-excluded", USER, SEND, "deny",
        identity=(doc({"Effect": "Allow", "Action": "sqs:*", "NotResource": QUEUE}),), reason=NO_IDENTITY)
    add("not-resource-deny", USER, SEND, "deny",
        identity=(doc(allow("sqs:*"), {"Effect": "Deny", "Action": "sqs:*", "NotResource": f"arn:aws:sqs:*:{A}:billing"}),),
        reason=DENY_IDENTITY)
    add("not-resource-deny-spares", USER, SEND, "allow",
        identity=(doc(allow("sqs:*"), {"Effect": "Deny", "Action": "sqs:*", "NotResource": QUEUE}),))
    add("statement-with-action-and-not-action-is-void", USER, SEND, "deny",
        identity=(doc({"Effect": "Allow", "Action": "sqs:*", "NotAction": "sns:*", "Resource": "*"}),),
        reason=NO_IDENTITY, wire=False)
    # account-wide actions need a resource that covers the account
    add("list-queues-star", USER, LIST_QUEUES, "allow", identity=(doc(allow("sqs:ListQueues", "*")),))
    add("list-queues-account-wildcard", USER, LIST_QUEUES, "allow",
        identity=(doc(allow("sqs:ListQueues", f"arn:aws:sqs:{REGION}:{A}:*")),))
    add("list-queues-one-queue", USER, LIST_QUEUES, "deny", identity=(doc(allow("sqs:ListQueues", QUEUE)),),
        reason=NO_IDENTITY)
    add("list-topics", ROLE, LIST_TOPICS, "allow", identity=(doc(allow("sns:ListTopics", "*")),))
    add("list-topics-none", ROLE, LIST_TOPICS, "deny", reason=NO_IDENTITY)
    add("list-buses", USER, LIST_BUSES, "allow", identity=(doc(allow("events:List*", "*")),))
    add("create-queue-named", USER, CREATE_QUEUE, "allow",
        identity=(doc(allow("sqs:CreateQueue", f"arn:aws:sqs:{REGION}:{A}:fresh")),))
    add("create-queue-other-name", USER, CREATE_QUEUE, "deny",
        identity=(doc(allow("sqs:CreateQueue", f"arn:aws:sqs:{REGION}:{A}:stale*")),), reason=NO_IDENTITY)
    add("create-topic", ROLE, CREATE_TOPIC, "allow", identity=(doc(allow("sns:CreateTopic", "*")),))
    add("create-topic-none", ROLE, CREATE_TOPIC, "deny", reason=NO_IDENTITY)
    # IAM and STS
    add("iam-create-user", USER, CREATE_USER, "allow", identity=(doc(allow("iam:CreateUser", f"arn:aws:iam::{A}:user/*")),))
    add("iam-create-user-none", USER, CREATE_USER, "deny", reason=NO_IDENTITY)
    add("iam-create-user-other-path", USER, CREATE_USER, "deny",
        identity=(doc(allow("iam:CreateUser", f"arn:aws:iam::{A}:user/admins/*")),), reason=NO_IDENTITY)
    add("iam-list-users", ROLE, LIST_USERS, "allow", identity=(doc(allow("iam:ListUsers", "*")),))
    add("iam-list-users-none", ROLE, LIST_USERS, "deny", reason=NO_IDENTITY)
    add("sts-who-am-i-needs-nothing-user", USER, WHO_AM_I, "allow")
    add("sts-who-am-i-needs-nothing-role", ROLE, WHO_AM_I, "allow")
    add("sts-who-am-i-despite-deny", USER, WHO_AM_I, "allow", identity=(doc(deny("*")),))

    # Secrets Manager (core only until its service is served with IAM): a secret's ARN
    # carries a random suffix, which is why policies name secrets with a trailing *
    secrets_only = {"wire": False}
    add("secret-identity", USER, GET_SECRET, "allow",
        identity=(doc(allow("secretsmanager:GetSecretValue", f"arn:aws:secretsmanager:*:{A}:secret:db-*")),),
        **secrets_only)
    add("secret-no-policy", ROLE, GET_SECRET, "deny", reason=NO_IDENTITY, **secrets_only)
    add("secret-resource-policy-names-user", USER, GET_SECRET, "allow",
        resource=doc(grant(ALICE, "secretsmanager:GetSecretValue", "*")), **secrets_only)
    add("secret-cross-account", USER_B, GET_SECRET, "allow", identity=(doc(allow("secretsmanager:*")),),
        resource=doc(grant(B, "secretsmanager:GetSecretValue", "*")), **secrets_only)
    add("secret-cross-account-no-resource-policy", USER_B, GET_SECRET, "deny",
        identity=(doc(allow("secretsmanager:*")),), reason=NO_RESOURCE, **secrets_only)

    # CloudWatch Logs (core only): the policy AWS's AWSLambdaBasicExecutionRole gives a
    # function (the group on the account, streams and events on its own group's ``:*``)
    basic_execution = doc(allow("logs:CreateLogGroup", f"arn:aws:logs:{REGION}:{A}:*"),
                          allow(["logs:CreateLogStream", "logs:PutLogEvents"],
                                f"arn:aws:logs:{REGION}:{A}:log-group:/aws/lambda/f:*"))
    add("logs-basic-execution-put", ROLE, PUT_LOG_EVENTS, "allow", identity=(basic_execution,), wire=False)
    add("logs-basic-execution-create-group", ROLE, CREATE_LOG_GROUP, "allow", identity=(basic_execution,),
        wire=False)
    add("logs-other-function-group", ROLE, PUT_LOG_EVENTS, "deny", reason=NO_IDENTITY, wire=False, identity=(doc(
        allow("logs:PutLogEvents", f"arn:aws:logs:{REGION}:{A}:log-group:/aws/lambda/g:*")),))

    # -- the account's root -----------------------------------------------------------
    add("root-owner-no-policy", ROOT, SEND, "allow")
    add("root-owner-topic", ROOT, PUBLISH, "allow")
    add("root-owner-bus", ROOT, PUT_EVENTS, "allow")
    add("root-owner-iam", ROOT, CREATE_USER, "allow")
    add("root-owner-resource-deny", ROOT, SEND, "deny", resource=doc(grant("*", "sqs:SendMessage", QUEUE, "Deny")),
        reason=DENY_RESOURCE)
    add("root-owner-can-edit-policy-despite-deny", ROOT, SET_QUEUE, "allow",
        resource=doc(grant("*", "sqs:*", QUEUE, "Deny")))
    add("root-other-account-no-policy", ROOT_B, SEND, "deny", reason=NO_RESOURCE)
    add("root-other-account-granted", ROOT_B, SEND, "allow", resource=doc(grant(B, "sqs:SendMessage", QUEUE)))
    add("root-other-account-granted-root-arn", ROOT_B, PUBLISH, "allow",
        resource=doc(grant(f"arn:aws:iam::{B}:root", "sns:Publish", TOPIC)))
    add("root-other-account-other-grantee", ROOT_B, SEND, "deny", resource=doc(grant(C, "sqs:SendMessage", QUEUE)),
        reason=NO_RESOURCE)
    add("root-other-account-bus", ROOT_B, PUT_EVENTS, "allow", resource=doc(grant(B, "events:PutEvents", BUS)))
    add("root-other-account-topic-default-policy", ROOT_B, PUBLISH, "deny", reason=NO_RESOURCE)

    # -- resource-based policies within one account ---------------------------------
    add("resource-names-user", USER, SEND, "allow", resource=doc(grant(ALICE, "sqs:SendMessage", QUEUE)),
        aws_example=EVAL_LOGIC)
    add("resource-names-user-topic", USER, PUBLISH, "allow", resource=doc(grant(ALICE, "sns:Publish", TOPIC)))
    add("resource-names-user-bus", USER, PUT_EVENTS, "allow", resource=doc(grant(ALICE, "events:PutEvents", BUS)))
    add("resource-names-everyone", USER, SEND, "allow", resource=doc(grant("*", "sqs:SendMessage", QUEUE)))
    add("resource-names-everyone-aws", ROLE, SEND, "allow", resource=doc(grant({"AWS": "*"}, "sqs:SendMessage", QUEUE)))
    add("resource-names-other-user", USER, SEND, "deny",
        resource=doc(grant(f"arn:aws:iam::{A}:user/mallory", "sqs:SendMessage", QUEUE)), reason=NO_IDENTITY)
    add("resource-names-account-only", USER, SEND, "deny", resource=doc(grant(A, "sqs:SendMessage", QUEUE)),
        reason=NO_IDENTITY)
    add("resource-names-account-and-identity", USER, SEND, "allow", resource=doc(grant(A, "sqs:SendMessage", QUEUE)),
        identity=(doc(allow("sqs:SendMessage", QUEUE)),))
    add("resource-names-root-arn-only", ROLE, PUBLISH, "deny",
        resource=doc(grant(f"arn:aws:iam::{A}:root", "sns:Publish", TOPIC)), reason=NO_IDENTITY)
    add("resource-other-action", USER, SEND, "deny", resource=doc(grant(ALICE, "sqs:ReceiveMessage", QUEUE)),
        reason=NO_IDENTITY)
    add("resource-or-identity-identity", USER, SEND, "allow", identity=(doc(allow("sqs:SendMessage", QUEUE)),),
        resource=doc(grant(ALICE, "sqs:ReceiveMessage", QUEUE)), aws_example=EVAL_LOGIC)
    add("resource-deny-beats-identity", USER, SEND, "deny", identity=(doc(allow("sqs:*", "*")),),
        resource=doc(grant(ALICE, "sqs:SendMessage", QUEUE, "Deny")), reason=DENY_RESOURCE, aws_example=DENY_ALLOW)
    add("resource-deny-everyone-beats-identity", ROLE, PUBLISH, "deny", identity=(doc(allow("sns:*", "*")),),
        resource=doc(grant("*", "sns:Publish", TOPIC, "Deny")), reason=DENY_RESOURCE)
    add("resource-deny-other-user-spares", USER, SEND, "allow", identity=(doc(allow("sqs:*", "*")),),
        resource=doc(grant(f"arn:aws:iam::{A}:user/mallory", "sqs:SendMessage", QUEUE, "Deny")))
    add("identity-deny-beats-resource-allow", USER, SEND, "deny", identity=(doc(deny("sqs:SendMessage", "*")),),
        resource=doc(grant(ALICE, "sqs:SendMessage", QUEUE)), reason=DENY_IDENTITY)
    add("resource-not-principal-deny", USER, SEND, "deny", identity=(doc(allow("sqs:*", "*")),),
        resource=doc({"Effect": "Deny", "NotPrincipal": {"AWS": f"arn:aws:iam::{A}:user/mallory"},
                      "Action": "sqs:SendMessage", "Resource": QUEUE}), reason=DENY_RESOURCE)
    add("resource-not-principal-deny-spares-named", USER, SEND, "allow", identity=(doc(allow("sqs:*", "*")),),
        resource=doc({"Effect": "Deny", "NotPrincipal": {"AWS": ALICE}, "Action": "sqs:SendMessage", "Resource": QUEUE}))
    add("resource-names-role-session-allowed", ROLE, SEND, "allow", resource=doc(grant(WORKER, "sqs:SendMessage", QUEUE)),
        aws_example=SINGLE_ACCOUNT)
    add("resource-names-session", ROLE, SEND, "allow", resource=doc(grant(WORKER_S1, "sqs:SendMessage", QUEUE)),
        aws_example=SINGLE_ACCOUNT)
    add("resource-names-other-session", ROLE, SEND, "deny",
        resource=doc(grant(f"arn:aws:sts::{A}:assumed-role/worker/s2", "sqs:SendMessage", QUEUE)), reason=NO_IDENTITY)
    add("resource-names-other-role", ROLE, PUT_EVENTS, "deny",
        resource=doc(grant(f"arn:aws:iam::{A}:role/other", "events:PutEvents", BUS)), reason=NO_IDENTITY)
    add("resource-names-role-topic", ROLE, PUBLISH, "allow", resource=doc(grant(WORKER, "sns:Publish", TOPIC)))
    add("resource-default-topic-policy-grants-no-user", USER, PUBLISH, "deny", reason=NO_IDENTITY)
    add("resource-default-topic-policy-grants-no-role", ROLE, GET_TOPIC, "deny", reason=NO_IDENTITY)
    add("resource-condition-principal-arn", ROLE, SEND, "allow",
        resource=doc(grant("*", "sqs:SendMessage", QUEUE, Condition={"ArnEquals": {"aws:PrincipalArn": WORKER}})))
    add("resource-condition-principal-arn-other", ROLE, SEND, "deny",
        resource=doc(grant("*", "sqs:SendMessage", QUEUE, Condition={"ArnEquals": {"aws:PrincipalArn": ALICE}})),
        reason=NO_IDENTITY)
    add("resource-condition-source-arn-absent", USER, SEND, "deny",
        resource=doc(grant("*", "sqs:SendMessage", QUEUE, Condition={"ArnEquals": {"aws:SourceArn": TOPIC}})),
        reason=NO_IDENTITY)
    add("resource-condition-source-account-if-exists", USER, SEND, "allow",
        resource=doc(grant("*", "sqs:SendMessage", QUEUE,
                           Condition={"StringEqualsIfExists": {"aws:SourceAccount": A}})))

    # -- permissions boundaries -------------------------------------------------------
    sqs_and_sns = doc(allow(["sqs:*", "sns:*"], "*"))
    add("boundary-and-identity-allow", USER, SEND, "allow", identity=(doc(allow("sqs:*", "*")),), boundary=sqs_and_sns,
        aws_example=BOUNDARIES)
    add("boundary-allows-identity-not", USER, PUBLISH, "deny", identity=(doc(allow("sqs:*", "*")),),
        boundary=sqs_and_sns, reason=NO_IDENTITY, aws_example=BOUNDARIES)
    add("boundary-leaves-out", USER, PUT_EVENTS, "deny", identity=(doc(allow("*", "*")),), boundary=sqs_and_sns,
        reason=NO_BOUNDARY, aws_example=BOUNDARIES)
    add("boundary-leaves-out-role", ROLE, PUT_RULE, "deny", identity=(doc(allow("*", "*")),), boundary=sqs_and_sns,
        reason=NO_BOUNDARY)
    add("boundary-allows-role", ROLE, PUBLISH, "allow", identity=(doc(allow("*", "*")),), boundary=sqs_and_sns)
    add("boundary-explicit-deny", USER, SEND, "deny", identity=(doc(allow("*", "*")),),
        boundary=doc(allow("*"), deny("sqs:SendMessage")), reason=DENY_BOUNDARY)
    add("boundary-resource-scoped", USER, SEND, "deny", identity=(doc(allow("sqs:*", "*")),),
        boundary=doc(allow("sqs:*", f"arn:aws:sqs:*:{A}:billing")), reason=NO_BOUNDARY)
    add("boundary-alone-grants-nothing", USER, SEND, "deny", boundary=doc(allow("*")), reason=NO_IDENTITY,
        aws_example=BOUNDARIES)
    add("boundary-user-named-by-resource", USER, SEND, "allow", boundary=doc(allow("sns:*")),
        resource=doc(grant(ALICE, "sqs:SendMessage", QUEUE)), aws_example=BOUNDARIES)
    add("boundary-session-named-by-resource", ROLE, SEND, "allow", boundary=doc(allow("sns:*")),
        resource=doc(grant(WORKER_S1, "sqs:SendMessage", QUEUE)), aws_example=BOUNDARIES)
    add("boundary-role-named-by-resource", ROLE, SEND, "deny", boundary=doc(allow("sns:*")),
        resource=doc(grant(WORKER, "sqs:SendMessage", QUEUE)), reason=NO_IDENTITY, aws_example=BOUNDARIES)
    add("boundary-role-named-by-resource-within", ROLE, SEND, "allow", boundary=doc(allow("sqs:*")),
        resource=doc(grant(WORKER, "sqs:SendMessage", QUEUE)), aws_example=BOUNDARIES)
    add("boundary-account-named-by-resource", USER, SEND, "deny", identity=(doc(allow("sqs:*")),),
        boundary=doc(allow("sns:*")), resource=doc(grant(A, "sqs:SendMessage", QUEUE)), reason=NO_BOUNDARY)
    add("boundary-deny-beats-resource", USER, SEND, "deny", boundary=doc(allow("*"), deny("sqs:*")),
        resource=doc(grant(ALICE, "sqs:SendMessage", QUEUE)), reason=DENY_BOUNDARY)
    add("boundary-not-action", USER, SEND, "allow", identity=(doc(allow("*")),),
        boundary=doc({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}))
    add("boundary-not-action-iam", USER, CREATE_USER, "deny", identity=(doc(allow("*")),),
        boundary=doc({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}), reason=NO_BOUNDARY)

    # -- session policies -------------------------------------------------------------
    add("session-and-identity-allow", ROLE, SEND, "allow", identity=(doc(allow("*")),),
        session=doc(allow("sqs:SendMessage", QUEUE)), aws_example=SESSION_POLICIES)
    add("session-leaves-out", ROLE, PUBLISH, "deny", identity=(doc(allow("*")),),
        session=doc(allow("sqs:*")), reason=NO_SESSION, aws_example=SESSION_POLICIES)
    add("session-cannot-widen", ROLE, PUBLISH, "deny", identity=(doc(allow("sqs:*")),),
        session=doc(allow("*")), reason=NO_IDENTITY, aws_example=SESSION_POLICIES)
    add("session-explicit-deny", ROLE, SEND, "deny", identity=(doc(allow("*")),),
        session=doc(allow("*"), deny("sqs:SendMessage")), reason=DENY_SESSION)
    add("session-resource-scoped", ROLE, SEND, "deny", identity=(doc(allow("*")),),
        session=doc(allow("sqs:*", f"arn:aws:sqs:*:{A}:billing")), reason=NO_SESSION)
    add("session-named-by-resource", ROLE, SEND, "allow", session=doc(allow("sns:*")),
        resource=doc(grant(WORKER_S1, "sqs:SendMessage", QUEUE)), aws_example=SESSION_POLICIES)
    add("session-role-named-by-resource", ROLE, SEND, "deny", session=doc(allow("sns:*")),
        resource=doc(grant(WORKER, "sqs:SendMessage", QUEUE)), reason=NO_IDENTITY, aws_example=SESSION_POLICIES)
    add("session-role-named-by-resource-within", ROLE, SEND, "allow", session=doc(allow("sqs:*")),
        resource=doc(grant(WORKER, "sqs:SendMessage", QUEUE)), aws_example=SESSION_POLICIES)
    add("session-and-boundary-both-needed", ROLE, SEND, "deny", identity=(doc(allow("*")),),
        boundary=doc(allow("sqs:*")), session=doc(allow("sns:*")), reason=NO_SESSION)
    add("session-and-boundary-both-allow", ROLE, SEND, "allow", identity=(doc(allow("*")),),
        boundary=doc(allow("sqs:*")), session=doc(allow("sqs:SendMessage")))
    add("session-deny-beats-resource", ROLE, SEND, "deny", session=doc(allow("*"), deny("sqs:*")),
        resource=doc(grant(WORKER_S1, "sqs:SendMessage", QUEUE)), reason=DENY_SESSION)

    # -- across accounts --------------------------------------------------------------
    add("cross-both-allow-account", USER_B, SEND, "allow", identity=(doc(allow("sqs:SendMessage", QUEUE)),),
        resource=doc(grant(B, "sqs:SendMessage", QUEUE)), aws_example=CROSS_ACCOUNT)
    add("cross-identity-only", USER_B, SEND, "deny", identity=(doc(allow("sqs:SendMessage", QUEUE)),),
        reason=NO_RESOURCE, aws_example=CROSS_ACCOUNT)
    add("cross-resource-only-account", USER_B, SEND, "deny", resource=doc(grant(B, "sqs:SendMessage", QUEUE)),
        reason=NO_IDENTITY, aws_example=CROSS_ACCOUNT)
    add("cross-resource-only-user", USER_B, SEND, "deny", resource=doc(grant(BOB_B, "sqs:SendMessage", QUEUE)),
        reason=NO_IDENTITY, aws_example=CROSS_ACCOUNT)
    add("cross-both-allow-user", USER_B, SEND, "allow", identity=(doc(allow("sqs:*", "*")),),
        resource=doc(grant(BOB_B, "sqs:SendMessage", QUEUE)))
    add("cross-resource-everyone", USER_B, SEND, "allow", identity=(doc(allow("sqs:*", "*")),),
        resource=doc(grant("*", "sqs:SendMessage", QUEUE)))
    add("cross-resource-other-account", USER_B, SEND, "deny", identity=(doc(allow("sqs:*", "*")),),
        resource=doc(grant(C, "sqs:SendMessage", QUEUE)), reason=NO_RESOURCE)
    add("cross-resource-deny", USER_B, SEND, "deny", identity=(doc(allow("sqs:*", "*")),),
        resource=doc(grant(B, "sqs:SendMessage", QUEUE), grant(BOB_B, "sqs:SendMessage", QUEUE, "Deny")),
        reason=DENY_RESOURCE)
    add("cross-identity-deny", USER_B, SEND, "deny", identity=(doc(allow("sqs:*"), deny("sqs:SendMessage")),),
        resource=doc(grant(B, "sqs:SendMessage", QUEUE)), reason=DENY_IDENTITY)
    add("cross-role-session", ROLE_B, SEND, "allow", identity=(doc(allow("sqs:SendMessage", "*")),),
        resource=doc(grant(BUILDER_B, "sqs:SendMessage", QUEUE)))
    add("cross-role-session-arn", ROLE_B, SEND, "allow", identity=(doc(allow("sqs:SendMessage", "*")),),
        resource=doc(grant(BUILDER_B_S1, "sqs:SendMessage", QUEUE)))
    add("cross-role-no-identity", ROLE_B, SEND, "deny", resource=doc(grant(BUILDER_B_S1, "sqs:SendMessage", QUEUE)),
        reason=NO_IDENTITY)
    add("cross-boundary", USER_B, SEND, "deny", identity=(doc(allow("sqs:*")),), boundary=doc(allow("sns:*")),
        resource=doc(grant(B, "sqs:SendMessage", QUEUE)), reason=NO_BOUNDARY)
    add("cross-session-policy", ROLE_B, SEND, "deny", identity=(doc(allow("sqs:*")),), session=doc(allow("sns:*")),
        resource=doc(grant(B, "sqs:SendMessage", QUEUE)), reason=NO_SESSION)
    add("cross-topic-both", USER_B, PUBLISH, "allow", identity=(doc(allow("sns:Publish", TOPIC)),),
        resource=doc(grant(B, "sns:Publish", TOPIC)), aws_example=CROSS_ACCOUNT)
    add("cross-topic-names-user", USER_B, PUBLISH, "allow", identity=(doc(allow("sns:Publish", TOPIC)),),
        resource=doc(grant(BOB_B, "sns:Publish", TOPIC)))
    add("cross-topic-names-other-user", USER_B, PUBLISH, "deny", identity=(doc(allow("sns:Publish", TOPIC)),),
        resource=doc(grant(f"arn:aws:iam::{B}:user/mallory", "sns:Publish", TOPIC)), reason=NO_RESOURCE)
    add("cross-topic-default-policy", USER_B, PUBLISH, "deny", identity=(doc(allow("sns:Publish", TOPIC)),),
        reason=NO_RESOURCE)
    add("cross-topic-no-identity", USER_B, GET_TOPIC, "deny", resource=doc(grant(B, "sns:GetTopicAttributes", TOPIC)),
        reason=NO_IDENTITY)
    add("cross-bus-names-user", USER_B, PUT_EVENTS, "allow", identity=(doc(allow("events:PutEvents", BUS)),),
        resource=doc(grant(BOB_B, "events:PutEvents", BUS)))
    add("cross-bus-both", USER_B, PUT_EVENTS, "allow", identity=(doc(allow("events:PutEvents", BUS)),),
        resource=doc(grant(B, "events:PutEvents", BUS)), aws_example=CROSS_ACCOUNT)
    add("cross-bus-no-policy", USER_B, PUT_EVENTS, "deny", identity=(doc(allow("events:PutEvents", BUS)),),
        reason=NO_RESOURCE)
    add("cross-bus-no-identity", ROLE_B, PUT_EVENTS, "deny", resource=doc(grant(B, "events:PutEvents", BUS)),
        reason=NO_IDENTITY)
    add("cross-bus-condition-principal-account", USER_B, PUT_EVENTS, "allow", identity=(doc(allow("events:*")),),
        resource=doc(grant("*", "events:PutEvents", BUS, Condition={"StringEquals": {"aws:PrincipalAccount": B}})))
    add("cross-bus-condition-principal-account-other", USER_B, PUT_EVENTS, "deny", identity=(doc(allow("events:*")),),
        resource=doc(grant("*", "events:PutEvents", BUS, Condition={"StringEquals": {"aws:PrincipalAccount": C}})),
        reason=NO_RESOURCE)

    # -- conditions -------------------------------------------------------------------
    def cond(who: Who, call: Call, action: str, condition: dict[str, Any], expect: str, id: str, **kw: Any) -> None:
        add(id, who, call, expect, identity=(doc(allow(action, "*", Condition=condition)),),
            **({"reason": NO_IDENTITY} if expect == "deny" else {}), **kw)

    cond(USER, SEND, "sqs:*", {"StringEquals": {"aws:username": "alice"}}, "allow", "cond-username")
    cond(USER, SEND, "sqs:*", {"StringEquals": {"aws:username": "bob"}}, "deny", "cond-username-other")
    cond(ROLE, SEND, "sqs:*", {"StringEquals": {"aws:username": "worker"}}, "deny", "cond-username-absent-for-role")
    cond(USER, SEND, "sqs:*", {"StringEquals": {"aws:PrincipalType": "User"}}, "allow", "cond-principal-type-user")
    cond(ROLE, SEND, "sqs:*", {"StringEquals": {"aws:PrincipalType": "AssumedRole"}}, "allow", "cond-principal-type-role")
    cond(ROLE, SEND, "sqs:*", {"StringEquals": {"aws:PrincipalType": "User"}}, "deny", "cond-principal-type-mismatch")
    cond(ROLE, SEND, "sqs:*", {"ArnEquals": {"aws:PrincipalArn": WORKER}}, "allow", "cond-principal-arn-role")
    cond(ROLE, SEND, "sqs:*", {"ArnLike": {"aws:PrincipalArn": f"arn:aws:iam::{A}:role/work*"}}, "allow",
         "cond-principal-arn-like")
    cond(USER, SEND, "sqs:*", {"ArnNotLike": {"aws:PrincipalArn": f"arn:aws:iam::{A}:role/*"}}, "allow",
         "cond-principal-arn-not-like")
    cond(USER, SEND, "sqs:*", {"StringLike": {"aws:PrincipalArn": "*:user/ali*"}}, "allow", "cond-string-like")
    cond(USER, SEND, "sqs:*", {"StringNotEquals": {"aws:PrincipalAccount": B}}, "allow", "cond-string-not-equals")
    cond(USER, SEND, "sqs:*", {"StringEquals": {"aws:PrincipalAccount": [B, A]}}, "allow", "cond-values-or")
    cond(USER, SEND, "sqs:*", {"StringEquals": {"aws:PrincipalAccount": A, "aws:username": "bob"}}, "deny",
         "cond-keys-and")
    cond(USER, SEND, "sqs:*", {"StringEqualsIgnoreCase": {"aws:username": "ALICE"}}, "allow", "cond-ignore-case")
    cond(USER, SEND, "sqs:*", {"StringEquals": {"aws:username": "ALICE"}}, "deny", "cond-case-sensitive-value")
    cond(USER, SEND, "sqs:*", {"stringequals": {"AWS:USERNAME": "alice"}}, "deny", "cond-operator-case-sensitive",
         wire=False)
    cond(USER, SEND, "sqs:*", {"StringEquals": {"AWS:UserName": "alice"}}, "allow", "cond-key-case-insensitive")
    cond(USER, SEND, "sqs:*", {"StringEquals": {"aws:RequestedRegion": REGION}}, "allow", "cond-region")
    cond(USER, SEND, "sqs:*", {"StringEquals": {"aws:RequestedRegion": "eu-west-1"}}, "deny", "cond-region-other")
    add("region-deny-not-action", USER, SEND, "deny",
        identity=(doc(allow("*"), {"Effect": "Deny", "NotAction": ["iam:*", "sts:*"], "Resource": "*",
                                   "Condition": {"StringNotEquals": {"aws:RequestedRegion": ["eu-central-1",
                                                                                              "eu-west-1"]}}}),),
        reason=DENY_IDENTITY, aws_example=REQUESTED_REGION)
    add("region-deny-not-action-spares-iam", USER, CREATE_USER, "allow",
        identity=(doc(allow("*"), {"Effect": "Deny", "NotAction": ["iam:*", "sts:*"], "Resource": "*",
                                   "Condition": {"StringNotEquals": {"aws:RequestedRegion": ["eu-central-1",
                                                                                              "eu-west-1"]}}}),),
        aws_example=REQUESTED_REGION)
    add("secure-transport-deny", USER, SEND, "deny",
        identity=(doc(allow("sqs:*"), deny("sqs:*", Condition={"Bool": {"aws:SecureTransport": "false"}})),),
        reason=DENY_IDENTITY, aws_example=SECURE_TRANSPORT)
    cond(USER, SEND, "sqs:*", {"Bool": {"aws:SecureTransport": "true"}}, "deny", "secure-transport-required")
    cond(USER, SEND, "sqs:*", {"Bool": {"aws:SecureTransport": "true"}}, "allow", "secure-transport-over-tls",
         wire=False, context=(("aws:SecureTransport", "true"),))
    cond(USER, SEND, "sqs:*", {"DateGreaterThan": {"aws:CurrentTime": "2020-01-01T00:00:00Z"}}, "allow",
         "cond-current-time-after")
    cond(USER, SEND, "sqs:*", {"DateLessThan": {"aws:CurrentTime": "2020-01-01T00:00:00Z"}}, "deny",
         "cond-current-time-before")
    cond(USER, SEND, "sqs:*", {"DateGreaterThan": {"aws:CurrentTime": "2020-04-01T00:00:00Z"},
                               "DateLessThan": {"aws:CurrentTime": "2020-06-30T23:59:59Z"}}, "deny",
         "cond-current-time-window-past", aws_example=DATES)
    cond(USER, SEND, "sqs:*", {"DateGreaterThan": {"aws:CurrentTime": "2020-04-01T00:00:00Z"},
                               "DateLessThan": {"aws:CurrentTime": "2999-06-30T23:59:59Z"}}, "allow",
         "cond-current-time-window-now", aws_example=DATES)
    cond(USER, SEND, "sqs:*", {"NumericGreaterThan": {"aws:EpochTime": "1577836800"}}, "allow", "cond-epoch-time")
    cond(USER, SEND, "sqs:*", {"NumericLessThan": {"aws:EpochTime": "1577836800"}}, "deny", "cond-epoch-time-past")
    cond(USER, SEND, "sqs:*", {"DateGreaterThan": {"aws:EpochTime": "1577836800"}}, "allow", "cond-epoch-as-date")
    cond(USER, SEND, "sqs:*", {"Null": {"aws:SourceArn": "true"}}, "allow", "cond-null-absent")
    cond(USER, SEND, "sqs:*", {"Null": {"aws:username": "false"}}, "allow", "cond-null-present")
    cond(ROLE, SEND, "sqs:*", {"Null": {"aws:username": "false"}}, "deny", "cond-null-present-role")
    cond(USER, SEND, "sqs:*", {"ArnEquals": {"aws:SourceArn": TOPIC}}, "deny", "cond-source-arn-absent")
    cond(USER, SEND, "sqs:*", {"ArnEqualsIfExists": {"aws:SourceArn": TOPIC}}, "allow", "cond-source-arn-if-exists")
    cond(USER, SEND, "sqs:*", {"StringEquals": {"aws:SourceAccount": A}}, "deny", "cond-source-account-absent")
    cond(USER, SEND, "sqs:*", {"StringNotEquals": {"aws:SourceAccount": A}}, "allow", "cond-source-account-negated")
    cond(USER, SEND, "sqs:*", {"NumericLessThanEquals": {"aws:MultiFactorAuthAge": "3600"}}, "deny", "cond-mfa-age")
    add("mfa-deny-not-action", USER, SEND, "deny",
        identity=(doc(allow("*"), {"Effect": "Deny", "NotAction": "iam:*", "Resource": "*",
                                   "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}}),),
        reason=DENY_IDENTITY, aws_example=NOT_ACTION)
    cond(USER, SEND, "sqs:*", {"StringEquals": {"aws:userid": "AIDAEXAMPLE"}}, "allow", "cond-userid", wire=False,
         context=(("aws:userid", "AIDAEXAMPLE"),))
    cond(USER, SEND, "sqs:*", {"StringLike": {"aws:userid": "AIDA*"}}, "deny", "cond-userid-other", wire=False,
         context=(("aws:userid", "AROAEXAMPLE:s1"),))
    cond(USER, SEND, "sqs:*", {"BogusOperator": {"aws:username": "alice"}}, "deny", "cond-unknown-operator",
         wire=False)
    add("cond-unknown-operator-deny-denies-nothing", USER, SEND, "allow",
        identity=(doc(allow("*"), deny("*", Condition={"BogusOperator": {"aws:username": "alice"}})),), wire=False)
    # resource tags, request tags and tag keys
    cond(USER, SEND, "sqs:*", {"StringEquals": {"aws:ResourceTag/team": "red"}}, "allow", "cond-resource-tag",
         resource_tags=(("team", "red"),))
    cond(USER, SEND, "sqs:*", {"StringEquals": {"aws:ResourceTag/team": "red"}}, "deny", "cond-resource-tag-other",
         resource_tags=(("team", "blue"),))
    cond(USER, SEND, "sqs:*", {"StringEquals": {"aws:ResourceTag/team": "red"}}, "deny", "cond-resource-tag-absent")
    add("cond-resource-tag-deny", USER, SEND, "deny",
        identity=(doc(allow("sqs:*"), deny("sqs:*", Condition={"StringEquals": {"aws:ResourceTag/locked": "yes"}})),),
        resource_tags=(("locked", "yes"),), reason=DENY_IDENTITY)
    create_tagged = Call("sqs", "CreateQueue", "new-queue", (("tags", {"team": "red"}),))
    create_untagged = CREATE_QUEUE
    cond(USER, create_tagged, "sqs:CreateQueue", {"StringEquals": {"aws:RequestTag/team": "red"}}, "allow",
         "cond-request-tag")
    cond(USER, create_untagged, "sqs:CreateQueue", {"StringEquals": {"aws:RequestTag/team": "red"}}, "deny",
         "cond-request-tag-absent")
    cond(USER, create_tagged, "sqs:CreateQueue", {"ForAllValues:StringEquals": {"aws:TagKeys": ["team", "env"]}},
         "allow", "cond-tag-keys-all")
    cond(USER, create_untagged, "sqs:CreateQueue", {"ForAllValues:StringEquals": {"aws:TagKeys": ["env"]}}, "allow",
         "cond-tag-keys-all-vacuous")
    cond(USER, create_tagged, "sqs:CreateQueue", {"ForAllValues:StringEquals": {"aws:TagKeys": ["env"]}}, "deny",
         "cond-tag-keys-all-extra")
    cond(USER, create_tagged, "sqs:CreateQueue", {"ForAnyValue:StringEquals": {"aws:TagKeys": ["team"]}}, "allow",
         "cond-tag-keys-any")
    cond(USER, create_untagged, "sqs:CreateQueue", {"ForAnyValue:StringEquals": {"aws:TagKeys": ["team"]}}, "deny",
         "cond-tag-keys-any-empty")
    cond(USER, TAG_QUEUE, "sqs:TagQueue", {"StringEquals": {"aws:RequestTag/team": "red"}}, "allow",
         "cond-request-tag-tag-queue")
    cond(USER, TAG_QUEUE, "sqs:TagQueue", {"StringEquals": {"aws:RequestTag/team": "blue"}}, "deny",
         "cond-request-tag-tag-queue-other")
    create_topic_tagged = Call("sns", "CreateTopic", "new-topic", (("Tags", [{"Key": "team", "Value": "red"}]),))
    cond(ROLE, create_topic_tagged, "sns:CreateTopic", {"StringEquals": {"aws:RequestTag/team": "red"}}, "allow",
         "cond-request-tag-topic")
    cond(ROLE, CREATE_TOPIC, "sns:CreateTopic", {"StringEquals": {"aws:RequestTag/team": "red"}}, "deny",
         "cond-request-tag-topic-absent")

    # -- policy variables -------------------------------------------------------------
    own = f"arn:aws:sqs:{REGION}:{A}:${{aws:username}}-*"
    own_queue = Call("sqs", "SendMessage", "queue", (("queue", "alice-inbox"),))
    add("var-username-resource", USER, own_queue, "allow", identity=(doc(allow("sqs:SendMessage", own)),),
        aws_example=VARIABLES)
    add("var-username-resource-other", USER, SEND, "deny", identity=(doc(allow("sqs:SendMessage", own)),),
        reason=NO_IDENTITY, aws_example=VARIABLES)
    add("var-username-role-has-none", ROLE, own_queue, "deny", identity=(doc(allow("sqs:SendMessage", own)),),
        reason=NO_IDENTITY)
    add("var-default-value", ROLE, own_queue, "allow",
        identity=(doc(allow("sqs:SendMessage", f"arn:aws:sqs:{REGION}:{A}:${{aws:username, 'alice'}}-*")),))
    # core only: IAM takes no identity policy of the 2008 grammar (a queue policy may be one)
    add("var-old-version-literal", USER, own_queue, "deny",
        identity=(doc(allow("sqs:SendMessage", own), version="2008-10-17"),), reason=NO_IDENTITY, wire=False)
    add("var-old-version-literal-resource-policy", USER, own_queue, "deny",
        resource=doc(grant("*", "sqs:SendMessage", f"arn:aws:sqs:{REGION}:{A}:${{aws:username}}-*"),
                     version="2008-10-17"), reason=NO_IDENTITY)
    add("var-resource-policy", USER, own_queue, "allow",
        resource=doc(grant("*", "sqs:SendMessage", f"arn:aws:sqs:{REGION}:{A}:${{aws:username}}-*")))
    add("var-star-is-literal", USER, SEND, "deny",
        identity=(doc(allow("sqs:SendMessage", f"arn:aws:sqs:{REGION}:{A}:${{*}}")),), reason=NO_IDENTITY)
    star_queue = Call("sqs", "GetQueueAttributes", "queue", (("queue", "odd*name"),))
    add("var-star-matches-star", USER, star_queue, "allow",
        identity=(doc(allow("sqs:GetQueueAttributes", f"arn:aws:sqs:{REGION}:{A}:odd${{*}}name")),), wire=False)
    add("var-question-is-literal", USER, SEND, "deny",
        identity=(doc(allow("sqs:SendMessage", f"arn:aws:sqs:{REGION}:{A}:order${{?}}")),), reason=NO_IDENTITY)
    dollar_queue = Call("sqs", "GetQueueAttributes", "queue", (("queue", "cost$"),))
    add("var-dollar", USER, dollar_queue, "allow",
        identity=(doc(allow("sqs:GetQueueAttributes", f"arn:aws:sqs:{REGION}:{A}:cost${{$}}")),), wire=False)
    add("var-in-condition", USER, SEND, "allow",
        identity=(doc(allow("sqs:*", Condition={"StringLike": {"aws:PrincipalArn": "*:user/${aws:username}"}})),))
    add("var-in-condition-role", ROLE, SEND, "deny",
        identity=(doc(allow("sqs:*", Condition={"StringLike": {"aws:PrincipalArn": "*:user/${aws:username}"}})),),
        reason=NO_IDENTITY)
    add("var-userid", USER, SEND, "allow",
        identity=(doc(allow("sqs:*", Condition={"StringEquals": {"aws:userid": "${aws:userid}"}})),), wire=False,
        context=(("aws:userid", "AIDAEXAMPLE"),))
    tagged_user = Who("user", name="alice", tags=(("team", "red"),))
    team_queue = Call("sqs", "SendMessage", "queue", (("queue", "red-jobs"),))
    add("var-principal-tag", tagged_user, team_queue, "allow",
        identity=(doc(allow("sqs:SendMessage", f"arn:aws:sqs:{REGION}:{A}:${{aws:PrincipalTag/team}}-*")),),
        wire=False, aws_example=VARIABLES)
    add("var-principal-tag-other", tagged_user, SEND, "deny",
        identity=(doc(allow("sqs:SendMessage", f"arn:aws:sqs:{REGION}:{A}:${{aws:PrincipalTag/team}}-*")),),
        reason=NO_IDENTITY, wire=False)
    add("var-principal-tag-missing", USER, team_queue, "deny",
        identity=(doc(allow("sqs:SendMessage", f"arn:aws:sqs:{REGION}:{A}:${{aws:PrincipalTag/team}}-*")),),
        reason=NO_IDENTITY, wire=False)
    add("principal-tag-condition", tagged_user, SEND, "allow",
        identity=(doc(allow("sqs:*", Condition={"StringEquals": {"aws:PrincipalTag/team": "red"}})),), wire=False)
    add("var-resource-tag-matches-principal-tag", tagged_user, SEND, "allow",
        identity=(doc(allow("sqs:*", Condition={"StringEquals": {"aws:ResourceTag/team": "${aws:PrincipalTag/team}"}})),),
        resource_tags=(("team", "red"),), wire=False, aws_example=VARIABLES)
    return rows


ROWS: list[Row] = _rows()
