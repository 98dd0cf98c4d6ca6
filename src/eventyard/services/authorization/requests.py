"""What each served operation asks IAM for: its action, the ARNs of the resources it acts
on, and the tags it sets (the request context AWS's policy evaluation reads).

    requested_access(service, operation, params, account, region) -> RequestedAccess | None

One table per service (``SQS``, ``SNS``, ``EVENTS``, ``IAM``, ``STS``, ``SECRETS``, ``STATES``,
``LAMBDA``): the
operation's IAM action and how its resources are found in its parameters. ``None``
from the lookup: the operation needs no permission (``sts:GetCallerIdentity``).
A test fails when a served operation has no row. Pure: no store, no I/O.

Where an action acts on no one resource, the resource is what AWS's denials name
(recorded): SQS ``arn:aws:sqs:REGION:ACCOUNT:`` (ListQueues), SNS
``arn:aws:sns:REGION:ACCOUNT:*`` (ListTopics), IAM's listings the type and path prefix
(``arn:aws:iam::ACCOUNT:user/`` for ListUsers), STS none at all (its denials name no
resource: ``""`` here); elsewhere the account's ``*``. A policy whose ``Resource`` is
``*`` or the account's ``*`` covers each; one naming a single queue does not.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, Mapping

import orjson

from eventyard.core import arns
from eventyard.core.errors import ServiceError


@dataclass(frozen=True)
class Where:
    """The caller's account and region: where names without an ARN live."""

    account: str
    region: str
    caller_user_arn: str | None = None  # IAM: a user acting on itself names no UserName


@dataclass(frozen=True)
class RequestedAccess:
    action: str  # "sqs:SendMessage", as IAM names it
    resources: tuple[str, ...]
    request_tags: Mapping[str, str] = field(default_factory=dict)  # aws:RequestTag/...
    tag_keys: tuple[str, ...] = ()  # aws:TagKeys
    condition_keys: Mapping[str, Any] = field(default_factory=dict)  # a service's own keys (lambda:FunctionUrlAuthType, states:HTTPMethod)


Resources = Callable[[dict[str, Any], Where], list[str]]
# an operation's row: (IAM action name without the prefix, its resources)
Row = tuple[str, Resources]


# -- resources -------------------------------------------------------------------------
def _account_wide(service: str) -> Resources:
    def resources(params: dict[str, Any], where: Where) -> list[str]:
        if service == "sts":
            return [""]
        if service == "sqs":
            return [f"arn:aws:sqs:{where.region}:{where.account}:"]
        region = "" if service == "iam" else where.region
        return [f"arn:aws:{service}:{region}:{where.account}:*"]
    return resources


def _queue_arn(text: str, where: Where) -> str:
    from eventyard.services.sqs.urls import parse_url  # a queue URL's parts, as SQS reads them

    try:
        ref = parse_url(text)
    except ServiceError:
        return f"arn:aws:sqs:{where.region}:{where.account}:{text}"
    return arns.build("sqs", ref.region or where.region, ref.account or where.account, ref.name)


def _queue_url(params: dict[str, Any], where: Where) -> list[str]:
    return [_queue_arn(str(params.get("QueueUrl") or ""), where)]


def _queue_name(params: dict[str, Any], where: Where) -> list[str]:
    owner = params.get("QueueOwnerAWSAccountId") or where.account
    return [arns.build("sqs", where.region, owner, str(params.get("QueueName") or ""))]


def _move_task_source(params: dict[str, Any], where: Where) -> list[str]:
    if params.get("SourceArn"):
        return [str(params["SourceArn"])]
    try:  # a task handle carries its source queue's ARN
        source = orjson.loads(base64.b64decode(str(params.get("TaskHandle") or ""), validate=True)).get("sourceArn")
    except (binascii.Error, ValueError, AttributeError, orjson.JSONDecodeError):
        source = None
    return [source] if isinstance(source, str) else _account_wide("sqs")(params, where)


def _param_arn(name: str, fallback: str) -> Resources:
    def resources(params: dict[str, Any], where: Where) -> list[str]:
        value = params.get(name)
        return [str(value)] if value else _account_wide(fallback)(params, where)
    return resources


def _topic_named(params: dict[str, Any], where: Where) -> list[str]:
    return [arns.build("sns", where.region, where.account, str(params.get("Name") or ""))]


def _subscription_topic(params: dict[str, Any], where: Where) -> list[str]:
    # a subscription is checked as its topic: its ARN is the topic's and an id
    arn = str(params.get("SubscriptionArn") or "")
    head, sep, _ = arn.rpartition(":")
    return [head if sep and head.count(":") >= 5 else arn]


def _publish_target(params: dict[str, Any], where: Where) -> list[str]:
    for name in ("TopicArn", "TargetArn"):
        if params.get(name):
            return [str(params[name])]
    return _account_wide("sns")(params, where)


def _bus_arn(name: str | None, where: Where) -> str:
    name = name or "default"
    if name.startswith("arn:"):
        return name
    return arns.build("events", where.region, where.account, f"event-bus/{name}")


def _bus(param: str) -> Resources:
    return lambda params, where: [_bus_arn(params.get(param), where)]


def _rule(param: str) -> Resources:
    def resources(params: dict[str, Any], where: Where) -> list[str]:
        bus = params.get("EventBusName") or "default"
        account = where.account
        if bus.startswith("arn:"):
            parsed = arns.parse(bus)
            account = parsed.account if parsed else account
            bus = parsed.resource.partition("/")[2] if parsed else bus
        rule = str(params.get(param) or "")
        path = f"rule/{rule}" if bus == "default" else f"rule/{bus}/{rule}"
        return [arns.build("events", where.region, account, path)]
    return resources


def _events_named(kind: str, param: str = "Name") -> Resources:
    return lambda params, where: [arns.build("events", where.region, where.account, f"{kind}/{params.get(param) or ''}")]


def _put_events(params: dict[str, Any], where: Where) -> list[str]:
    found: list[str] = []
    for entry in params.get("Entries") or []:
        arn = _bus_arn(entry.get("EventBusName") if isinstance(entry, dict) else None, where)
        if arn not in found:
            found.append(arn)
    return found or [_bus_arn(None, where)]


def _secret(param: str = "SecretId") -> Resources:
    def resources(params: dict[str, Any], where: Where) -> list[str]:
        value = str(params.get(param) or "")
        if value.startswith("arn:"):
            return [value]
        return [arns.build("secretsmanager", where.region, where.account, f"secret:{value}")]
    return resources


def _secrets_listed(params: dict[str, Any], where: Where) -> list[str]:
    ids = params.get("SecretIdList") or []
    if not ids:
        return _account_wide("secretsmanager")(params, where)
    return [_secret()({"SecretId": i}, where)[0] for i in ids]


# -- the tables ------------------------------------------------------------------------
_SQS_QUEUE_URL_OPERATIONS = (
    "AddPermission", "ChangeMessageVisibility", "DeleteMessage", "DeleteQueue", "GetQueueAttributes",
    "ListDeadLetterSourceQueues", "ListQueueTags", "PurgeQueue", "ReceiveMessage", "RemovePermission",
    "SendMessage", "SetQueueAttributes", "TagQueue", "UntagQueue",
)
SQS: dict[str, Row] = {
    **{op: (op, _queue_url) for op in _SQS_QUEUE_URL_OPERATIONS},
    # a batch needs its single form's permission
    "SendMessageBatch": ("SendMessage", _queue_url),
    "DeleteMessageBatch": ("DeleteMessage", _queue_url),
    "ChangeMessageVisibilityBatch": ("ChangeMessageVisibility", _queue_url),
    "CreateQueue": ("CreateQueue", _queue_name),
    "GetQueueUrl": ("GetQueueUrl", _queue_name),
    "ListQueues": ("ListQueues", _account_wide("sqs")),
    "StartMessageMoveTask": ("StartMessageMoveTask", _move_task_source),
    "CancelMessageMoveTask": ("CancelMessageMoveTask", _move_task_source),
    "ListMessageMoveTasks": ("ListMessageMoveTasks", _move_task_source),
}

_SNS_TOPIC_OPERATIONS = (
    "AddPermission", "DeleteTopic", "GetTopicAttributes", "ListSubscriptionsByTopic", "RemovePermission",
    "SetTopicAttributes", "Subscribe", "ConfirmSubscription",
)
_SNS_ACCOUNT_OPERATIONS = (
    "CheckIfPhoneNumberIsOptedOut", "CreatePlatformApplication", "CreateSMSSandboxPhoneNumber",
    "DeleteSMSSandboxPhoneNumber", "GetSMSAttributes", "GetSMSSandboxAccountStatus", "ListOriginationNumbers",
    "ListPhoneNumbersOptedOut", "ListPlatformApplications", "ListSMSSandboxPhoneNumbers", "ListSubscriptions",
    "ListTopics", "OptInPhoneNumber", "SetSMSAttributes", "VerifySMSSandboxPhoneNumber",
)
SNS: dict[str, Row] = {
    **{op: (op, _param_arn("TopicArn", "sns")) for op in _SNS_TOPIC_OPERATIONS},
    **{op: (op, _account_wide("sns")) for op in _SNS_ACCOUNT_OPERATIONS},
    "CreateTopic": ("CreateTopic", _topic_named),
    "Publish": ("Publish", _publish_target),
    "PublishBatch": ("Publish", _param_arn("TopicArn", "sns")),
    "Unsubscribe": ("Unsubscribe", _subscription_topic),
    "GetSubscriptionAttributes": ("GetSubscriptionAttributes", _subscription_topic),
    "SetSubscriptionAttributes": ("SetSubscriptionAttributes", _subscription_topic),
    "ListTagsForResource": ("ListTagsForResource", _param_arn("ResourceArn", "sns")),
    "TagResource": ("TagResource", _param_arn("ResourceArn", "sns")),
    "UntagResource": ("UntagResource", _param_arn("ResourceArn", "sns")),
    "GetDataProtectionPolicy": ("GetDataProtectionPolicy", _param_arn("ResourceArn", "sns")),
    "PutDataProtectionPolicy": ("PutDataProtectionPolicy", _param_arn("ResourceArn", "sns")),
    "CreatePlatformEndpoint": ("CreatePlatformEndpoint", _param_arn("PlatformApplicationArn", "sns")),
    "DeletePlatformApplication": ("DeletePlatformApplication", _param_arn("PlatformApplicationArn", "sns")),
    "GetPlatformApplicationAttributes": ("GetPlatformApplicationAttributes",
                                         _param_arn("PlatformApplicationArn", "sns")),
    "SetPlatformApplicationAttributes": ("SetPlatformApplicationAttributes",
                                         _param_arn("PlatformApplicationArn", "sns")),
    "ListEndpointsByPlatformApplication": ("ListEndpointsByPlatformApplication",
                                           _param_arn("PlatformApplicationArn", "sns")),
    "DeleteEndpoint": ("DeleteEndpoint", _param_arn("EndpointArn", "sns")),
    "GetEndpointAttributes": ("GetEndpointAttributes", _param_arn("EndpointArn", "sns")),
    "SetEndpointAttributes": ("SetEndpointAttributes", _param_arn("EndpointArn", "sns")),
}

EVENTS: dict[str, Row] = {
    "PutEvents": ("PutEvents", _put_events),
    **{op: (op, _bus("Name")) for op in ("CreateEventBus", "DeleteEventBus", "DescribeEventBus", "UpdateEventBus")},
    "PutPermission": ("PutPermission", _bus("EventBusName")),
    "RemovePermission": ("RemovePermission", _bus("EventBusName")),
    **{op: (op, _rule("Name")) for op in ("PutRule", "DeleteRule", "DescribeRule", "EnableRule", "DisableRule")},
    **{op: (op, _rule("Rule")) for op in ("PutTargets", "RemoveTargets", "ListTargetsByRule")},
    **{op: (op, _events_named("archive", "ArchiveName"))
       for op in ("CreateArchive", "DeleteArchive", "DescribeArchive", "UpdateArchive")},
    **{op: (op, _events_named("replay", "ReplayName")) for op in ("StartReplay", "CancelReplay", "DescribeReplay")},
    **{op: (op, _events_named("connection"))
       for op in ("CreateConnection", "DeleteConnection", "DescribeConnection", "UpdateConnection",
                  "DeauthorizeConnection")},
    **{op: (op, _events_named("api-destination"))
       for op in ("CreateApiDestination", "DeleteApiDestination", "DescribeApiDestination", "UpdateApiDestination")},
    **{op: (op, _account_wide("events"))
       for op in ("ListApiDestinations", "ListArchives", "ListConnections", "ListEventBuses", "ListReplays",
                  "ListRuleNamesByTarget", "ListRules", "TestEventPattern")},
    **{op: (op, _param_arn("ResourceARN", "events")) for op in ("ListTagsForResource", "TagResource", "UntagResource")},
}

STS: dict[str, Row | None] = {
    # AWS: no permission is needed to ask who one is, or for a session token
    "GetCallerIdentity": None,
    "GetSessionToken": None,
    # unsigned: the role's trust policy alone decides (the STS service checks it)
    "AssumeRoleWithWebIdentity": None,
    "AssumeRoleWithSAML": None,
    "AssumeRole": ("AssumeRole", _param_arn("RoleArn", "sts")),
    "GetFederationToken": ("GetFederationToken", lambda params, where: [
        f"arn:aws:sts::{where.account}:federated-user/{params.get('Name') or ''}"]),
    # the rest act on no resource (STS's denials name none)
    **{op: (op, _account_wide("sts"))
       for op in ("AssumeRoot", "DecodeAuthorizationMessage", "GetAccessKeyInfo", "GetCertificate",
                  "GetDelegatedAccessToken", "GetScopedCredentials", "GetTrustBundles", "GetWebIdentityToken",
                  "IssueWorkloadIdentityContext")},
}

_SECRET_OPERATIONS = (
    "CancelRotateSecret", "DeleteResourcePolicy", "DeleteSecret", "DescribeSecret", "GetResourcePolicy",
    "GetSecretValue", "ListSecretVersionIds", "PutResourcePolicy", "PutSecretValue", "RemoveRegionsFromReplication",
    "ReplicateSecretToRegions", "RestoreSecret", "RotateSecret", "StopReplicationToReplica", "TagResource",
    "UntagResource", "UpdateSecret", "UpdateSecretVersionStage", "ValidateResourcePolicy",
)
SECRETS: dict[str, Row] = {
    **{op: (op, _secret()) for op in ("AssociateCrossAccountReplica", "DisassociateCrossAccountReplica")},
    **{op: (op, _secret()) for op in _SECRET_OPERATIONS},
    "CreateSecret": ("CreateSecret", _secret("Name")),
    "BatchGetSecretValue": ("GetSecretValue", _secrets_listed),
    **{op: (op, _account_wide("secretsmanager"))
       for op in ("GetRandomPassword", "ListSecrets", "ListResourcePolicies")},
}

# IAM: the action is the operation's name; the resource the first entity its parameters
# name (AttachUserPolicy acts on the user, the policy is a condition key there)
_IAM_ENTITIES: tuple[tuple[str, str], ...] = (
    ("UserName", "user/"), ("RoleName", "role/"), ("GroupName", "group/"),
    ("InstanceProfileName", "instance-profile/"), ("ServerCertificateName", "server-certificate/"),
    ("VirtualMFADeviceName", "mfa/"),
)
_IAM_ARNS = ("PolicyArn", "OpenIDConnectProviderArn", "SAMLProviderArn", "PolicySourceArn", "Arn", "SerialNumber")


_ABOUT_ONESELF = ("AccessKey", "SigningCertificate", "SSHPublicKey", "MFADevice", "ServiceSpecificCredential",
                  "LoginProfile")


# IAM's listings act on a type and path prefix: ListUsers on arn:aws:iam::ACCOUNT:user/
_IAM_LISTINGS = {"ListUsers": "user/", "ListRoles": "role/", "ListGroups": "group/", "ListPolicies": "policy/",
                 "ListInstanceProfiles": "instance-profile/"}


def _iam_resources(operation: str) -> Resources:
    about_oneself = operation in ("GetUser", "ChangePassword") or any(w in operation for w in _ABOUT_ONESELF)
    listing = _IAM_LISTINGS.get(operation)

    def resources(params: dict[str, Any], where: Where) -> list[str]:
        if listing is not None:
            prefix = str(params.get("PathPrefix") or "/").lstrip("/")
            return [f"arn:aws:iam::{where.account}:{listing}{prefix}"]
        for param, kind in _IAM_ENTITIES:
            if params.get(param):
                return [f"arn:aws:iam::{where.account}:{kind}{params[param]}"]
        for param in _IAM_ARNS:
            value = params.get(param)
            if isinstance(value, str) and value.startswith("arn:"):
                return [value]
        if about_oneself and where.caller_user_arn:
            return [where.caller_user_arn]  # a user's own keys, certificates, MFA devices
        return _account_wide("iam")(params, where)
    return resources


class _IamRows(Mapping[str, Row]):
    """IAM's table is a rule: every operation's action is its own name, its resource
    the entity it names; so every operation IAM serves has its row."""

    def __getitem__(self, operation: str) -> Row:
        if not operation[:1].isupper():
            raise KeyError(operation)
        return (operation, _iam_resources(operation))

    def __contains__(self, operation: object) -> bool:
        return isinstance(operation, str) and operation[:1].isupper()

    def __iter__(self) -> Iterator[str]:
        return iter(())

    def __len__(self) -> int:
        return 0


IAM: Mapping[str, Row] = _IamRows()


# Step Functions: the action is the operation's name (states:StartExecution), the resource
# the state machine, version, alias, execution, activity or map run its parameters name;
# a create names what it makes; listings, definitions checks and task answers (the token
# names no resource) act on the account.
_STATES_ARNS = ("stateMachineAliasArn", "stateMachineVersionArn", "stateMachineArn", "executionArn", "mapRunArn",
                "activityArn", "resourceArn")
_STATES_CREATES = {"CreateStateMachine": "stateMachine", "CreateActivity": "activity"}


def _states_resources(operation: str) -> Resources:
    made = _STATES_CREATES.get(operation)

    def resources(params: dict[str, Any], where: Where) -> list[str]:
        if made is not None and params.get("name"):
            return [f"arn:aws:states:{where.region}:{where.account}:{made}:{params['name']}"]
        if operation == "CreateStateMachineAlias" and params.get("name"):
            routes = params.get("routingConfiguration") or []
            version = routes[0].get("stateMachineVersionArn", "") if routes and isinstance(routes[0], dict) else ""
            if isinstance(version, str) and version.count(":") >= 7:
                return [version.rsplit(":", 1)[0] + ":" + str(params["name"])]
        for param in _STATES_ARNS:
            value = params.get(param)
            if isinstance(value, str) and value.startswith("arn:"):
                return [value]
        return _account_wide("states")(params, where)
    return resources


class _RuleRows(Mapping[str, Row]):
    """A table that is a rule: every operation's action is its own name, its resources
    found by ``resources(operation)``; so every operation the service serves has its row."""

    def __init__(self, resources: Callable[[str], Resources]) -> None:
        self._resources = resources

    def __getitem__(self, operation: str) -> Row:
        if not operation[:1].isupper():
            raise KeyError(operation)
        return (operation, self._resources(operation))

    def __contains__(self, operation: object) -> bool:
        return isinstance(operation, str) and operation[:1].isupper()

    def __iter__(self) -> Iterator[str]:
        return iter(())

    def __len__(self) -> int:
        return 0


STATES: Mapping[str, Row] = _RuleRows(_states_resources)


# CloudWatch Logs: the action is the operation's name (logs:PutLogEvents); the resource is
# the stream an operation names (``log-group:G:log-stream:S``), else its group as AWS's
# denials name it (``log-group:G:log-stream:``, recorded), an ARN given as such, or the
# account's ``*`` for listings. Both forms fall under a policy's ``log-group:G:*``.
def _logs_resources(operation: str) -> Resources:
    def resources(params: dict[str, Any], where: Where) -> list[str]:
        arn = params.get("resourceArn")
        if isinstance(arn, str) and arn.startswith("arn:"):
            return [arn]
        group = params.get("logGroupName")
        identifier = params.get("logGroupIdentifier")
        base = f"arn:aws:logs:{where.region}:{where.account}:log-group:"
        if isinstance(identifier, str) and identifier.startswith("arn:") and ":log-group:" in identifier:
            prefix, _, rest = identifier.partition(":log-group:")
            base, group = prefix + ":log-group:", rest.removesuffix(":*")
        elif isinstance(identifier, str):
            group = identifier
        if not isinstance(group, str):
            return _account_wide("logs")(params, where)
        stream = params.get("logStreamName")
        return [f"{base}{group}:log-stream:{stream if isinstance(stream, str) else ''}"]
    return resources


LOGS: Mapping[str, Row] = _RuleRows(_logs_resources)


# Lambda: the action is the operation's name but for the few IAM names apart; the resource
# is the function (qualified when the request names a version or alias), the tagged
# function, or the layer version; creating names the new function; the rest the account.
_LAMBDA_ACTIONS = {"Invoke": "InvokeFunction", "InvokeAsync": "InvokeFunction",
                   "GetLayerVersionByArn": "GetLayerVersion"}


def _lambda_resources(operation: str) -> Resources:
    def resources(params: dict[str, Any], where: Where) -> list[str]:
        name = params.get("FunctionName")
        if isinstance(name, str) and name:
            if name.startswith("arn:"):
                arn = name
            else:
                parts = name.split(":")
                if len(parts) >= 3 and parts[1] == "function":  # ACCOUNT:function:NAME[:QUALIFIER]
                    arn = f"arn:aws:lambda:{where.region}:{name}"
                else:
                    arn = f"arn:aws:lambda:{where.region}:{where.account}:function:{name}"
            qualifier = params.get("Qualifier")
            if isinstance(qualifier, str) and qualifier and arn.count(":") == 6:
                arn += f":{qualifier}"
            return [arn]
        for param in ("Resource", "Arn"):
            value = params.get(param)
            if isinstance(value, str) and value.startswith("arn:"):
                return [value]
        layer = params.get("LayerName")
        if isinstance(layer, str) and layer:
            arn = layer if layer.startswith("arn:") else f"arn:aws:lambda:{where.region}:{where.account}:layer:{layer}"
            version = params.get("VersionNumber")
            return [arn if version is None else f"{arn}:{version}"]
        return _account_wide("lambda")(params, where)
    return resources


class _LambdaRows(_RuleRows):
    def __getitem__(self, operation: str) -> Row:
        _, resources = super().__getitem__(operation)
        return (_LAMBDA_ACTIONS.get(operation, operation), resources)


LAMBDA: Mapping[str, Row] = _LambdaRows(_lambda_resources)


_TABLES: dict[str, Mapping[str, Row | None]] = {
    "sqs": SQS, "sns": SNS, "events": EVENTS, "sts": STS, "secretsmanager": SECRETS, "iam": IAM,
    "stepfunctions": STATES, "logs": LOGS, "lambda": LAMBDA,
}


# the IAM prefix of each service's actions
PREFIXES = {"sqs": "sqs", "sns": "sns", "events": "events", "sts": "sts", "secretsmanager": "secretsmanager",
            "iam": "iam", "stepfunctions": "states", "logs": "logs", "lambda": "lambda"}


def has_row(service: str, operation: str) -> bool:
    return operation in _TABLES.get(service, {})


def requested_access(service: str, operation: str, params: dict[str, Any], where: Where) -> RequestedAccess | None:
    """The operation's request context. An operation without a row (a bug the table
    test catches) still asks for its own name on the account: enforcement fails closed."""
    table = _TABLES.get(service, {})
    row = table[operation] if operation in table else (operation, _account_wide(service))
    if row is None:
        return None
    action, resources = row
    tags = _request_tags(params)
    keys = tuple(tags) or _tag_keys(params)
    own = {"lambda:FunctionUrlAuthType": str(params["FunctionUrlAuthType"])} \
        if service == "lambda" and "FunctionUrlAuthType" in params else {}
    return RequestedAccess(f"{PREFIXES.get(service, service)}:{action}", tuple(resources(params, where)), tags, keys,
                           own)


def _request_tags(params: dict[str, Any]) -> dict[str, str]:
    """The tags a request sets: SQS's ``tags``/``Tags`` maps, or a ``Tags`` list of
    Key/Value pairs (SNS, EventBridge, IAM, Secrets Manager)."""
    for name in ("Tags", "tags"):
        value = params.get(name)
        if isinstance(value, dict):
            return {str(k): str(v) for k, v in value.items()}
        if isinstance(value, list):
            return {str(t.get("Key")): str(t.get("Value", "")) for t in value if isinstance(t, dict) and "Key" in t}
    return {}


def _tag_keys(params: dict[str, Any]) -> tuple[str, ...]:
    """Untagging names only keys (SQS ``TagKeys``, SNS/EventBridge ``TagKeys``)."""
    value = params.get("TagKeys")
    return tuple(str(k) for k in value) if isinstance(value, list) else ()
