"""AWS's own managed policies (``arn:aws:iam::aws:policy/...``): read-only, attachable in
every account, never deletable. Their documents are written here from AWS's published
policy reference (the statements that matter to the services eventyard serves; AWS's
full documents also name services eventyard does not have).

Pure data: the store resolves an attached AWS policy's document through ``by_arn``.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

ARN_PREFIX = "arn:aws:iam::aws:policy"


@dataclass(frozen=True)
class AwsManagedPolicy:
    name: str
    path: str  # "/" or "/service-role/"
    description: str
    document: str  # JSON text of the default version
    version_id: str
    created: str  # ISO 8601, as AWS shows it
    updated: str

    @property
    def arn(self) -> str:
        return f"{ARN_PREFIX}{self.path}{self.name}"

    @property
    def policy_id(self) -> str:
        # AWS's ids of its own policies are fixed; a stable one derived from the ARN
        # keeps ours fixed across restarts and nodes
        digest = hashlib.sha256(self.arn.encode()).digest()
        alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
        return "ANPA" + "".join(alphabet[b % 32] for b in digest[:17])


def _doc(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)}, indent=4)


def _allow(actions: list[str] | str, resource: str | list[str] = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": actions, "Resource": resource, **extra}


_POLICIES = [
    AwsManagedPolicy("AdministratorAccess", "/", "Provides full access to AWS services and resources.",
                     _doc(_allow("*")), "v1", "2015-02-06T18:39:46Z", "2015-02-06T18:39:46Z"),
    AwsManagedPolicy(
        "PowerUserAccess", "/",
        "Provides full access to AWS services and resources, but does not allow management of Users and groups.",
        _doc({"Effect": "Allow", "NotAction": ["iam:*", "organizations:*", "account:*"], "Resource": "*"},
             _allow(["iam:CreateServiceLinkedRole", "iam:DeleteServiceLinkedRole", "iam:ListRoles",
                     "organizations:DescribeOrganization", "account:ListRegions", "account:GetAccountInformation"])),
        "v5", "2015-02-06T18:39:47Z", "2023-07-06T22:04:19Z"),
    AwsManagedPolicy(
        "ReadOnlyAccess", "/", "Provides read-only access to AWS services and resources.",
        _doc(_allow(["events:Describe*", "events:List*", "events:TestEventPattern", "schemas:Describe*",
                     "schemas:Get*", "schemas:List*", "scheduler:Get*", "scheduler:List*", "pipes:Describe*",
                     "pipes:List*", "sqs:Get*", "sqs:List*", "sns:Check*", "sns:Get*", "sns:List*",
                     "states:Describe*", "states:GetExecutionHistory", "states:List*", "lambda:Get*",
                     "lambda:List*", "logs:Describe*", "logs:FilterLogEvents", "logs:Get*", "logs:List*",
                     "logs:StartQuery", "logs:StopQuery", "logs:TestMetricFilter", "iam:Generate*", "iam:Get*",
                     "iam:List*", "iam:Simulate*", "secretsmanager:DescribeSecret", "secretsmanager:GetResourcePolicy",
                     "secretsmanager:ListSecrets", "secretsmanager:ListSecretVersionIds", "sts:GetCallerIdentity",
                     "cloudwatch:Describe*", "cloudwatch:Get*", "cloudwatch:List*", "s3:Get*", "s3:List*",
                     "dynamodb:Describe*", "dynamodb:Get*", "dynamodb:List*", "dynamodb:Query", "dynamodb:Scan",
                     "kms:Describe*", "kms:Get*", "kms:List*", "tag:Get*"])),
        "v120", "2015-02-06T18:39:48Z", "2024-11-14T17:11:08Z"),
    AwsManagedPolicy(
        "AWSLambdaBasicExecutionRole", "/service-role/", "Provides write permissions to CloudWatch Logs.",
        _doc(_allow(["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"])),
        "v1", "2015-04-09T15:03:43Z", "2015-04-09T15:03:43Z"),
    AwsManagedPolicy(
        "AWSLambdaSQSQueueExecutionRole", "/service-role/",
        "Provides receive message, delete message, and read attribute access to SQS queues, and write "
        "permissions to CloudWatch logs.",
        _doc(_allow(["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes", "logs:CreateLogGroup",
                     "logs:CreateLogStream", "logs:PutLogEvents"])),
        "v2", "2016-06-14T21:27:15Z", "2023-10-06T19:36:44Z"),
    AwsManagedPolicy(
        "AWSLambdaVPCAccessExecutionRole", "/service-role/",
        "Provides minimum permissions for a Lambda function to execute while accessing a resource within a VPC.",
        _doc(_allow(["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents",
                     "ec2:CreateNetworkInterface", "ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets",
                     "ec2:DeleteNetworkInterface", "ec2:AssignPrivateIpAddresses", "ec2:UnassignPrivateIpAddresses"])),
        "v3", "2016-02-11T23:15:26Z", "2024-01-05T22:37:09Z"),
    AwsManagedPolicy(
        "AWSLambdaRole", "/service-role/", "Default policy for AWS Lambda service role.",
        _doc(_allow(["lambda:InvokeFunction"])), "v1", "2015-02-06T18:41:28Z", "2015-02-06T18:41:28Z"),
    AwsManagedPolicy(
        "AmazonSQSFullAccess", "/", "Provides full access to Amazon SQS via the AWS Management Console.",
        _doc(_allow(["sqs:*"])), "v2", "2015-02-06T18:41:07Z", "2024-01-17T17:58:18Z"),
    AwsManagedPolicy(
        "AmazonSQSReadOnlyAccess", "/", "Provides read only access to Amazon SQS via the AWS Management Console.",
        _doc(_allow(["sqs:GetQueueAttributes", "sqs:GetQueueUrl", "sqs:ListDeadLetterSourceQueues",
                     "sqs:ListQueues", "sqs:ListMessageMoveTasks", "sqs:ListQueueTags"])),
        "v3", "2015-02-06T18:41:08Z", "2024-01-17T18:01:11Z"),
    AwsManagedPolicy(
        "AmazonSNSFullAccess", "/", "Provides full access to Amazon SNS via the AWS Management Console.",
        _doc(_allow(["sns:*"])), "v2", "2015-02-06T18:41:05Z", "2023-09-26T21:55:10Z"),
    AwsManagedPolicy(
        "AmazonSNSReadOnlyAccess", "/", "Provides read only access to Amazon SNS via the AWS Management Console.",
        _doc(_allow(["sns:GetTopicAttributes", "sns:List*", "sns:CheckIfPhoneNumberIsOptedOut",
                     "sns:GetEndpointAttributes", "sns:GetDataProtectionPolicy", "sns:GetPlatformApplicationAttributes",
                     "sns:GetSMSAttributes", "sns:GetSMSSandboxAccountStatus", "sns:GetSubscriptionAttributes"])),
        "v2", "2015-02-06T18:41:06Z", "2023-09-26T21:55:10Z"),
    AwsManagedPolicy(
        "AmazonEventBridgeFullAccess", "/", "Provides full access to Amazon EventBridge.",
        _doc(_allow(["events:*", "schemas:*", "scheduler:*", "pipes:*"]),
             {"Sid": "IAMCreateServiceLinkedRoleForApiDestinations", "Effect": "Allow",
              "Action": "iam:CreateServiceLinkedRole",
              "Resource": "arn:aws:iam::*:role/aws-service-role/AmazonEventBridgeApiDestinationsServiceRolePolicy",
              "Condition": {"StringEquals": {"iam:AWSServiceName": "apidestinations.events.amazonaws.com"}}},
             {"Sid": "SecretsManagerAccessForApiDestinations", "Effect": "Allow",
              "Action": ["secretsmanager:CreateSecret", "secretsmanager:UpdateSecret", "secretsmanager:DeleteSecret",
                         "secretsmanager:GetSecretValue", "secretsmanager:PutSecretValue"],
              "Resource": "arn:aws:secretsmanager:*:*:secret:events!*"},
             {"Sid": "IAMPassRoleAccessForEventBridge", "Effect": "Allow", "Action": "iam:PassRole",
              "Resource": "arn:aws:iam::*:role/*",
              "Condition": {"StringLike": {"iam:PassedToService": "events.amazonaws.com"}}},
             {"Sid": "IAMPassRoleAccessForScheduler", "Effect": "Allow", "Action": "iam:PassRole",
              "Resource": "arn:aws:iam::*:role/*",
              "Condition": {"StringLike": {"iam:PassedToService": "scheduler.amazonaws.com"}}},
             {"Sid": "IAMPassRoleAccessForPipes", "Effect": "Allow", "Action": "iam:PassRole",
              "Resource": "arn:aws:iam::*:role/*",
              "Condition": {"StringLike": {"iam:PassedToService": "pipes.amazonaws.com"}}}),
        "v2", "2021-01-27T19:27:03Z", "2023-03-14T17:45:40Z"),
    AwsManagedPolicy(
        "AmazonEventBridgeReadOnlyAccess", "/", "Provides read only access to Amazon EventBridge.",
        _doc(_allow(["events:DescribeRule", "events:DescribeEventBus", "events:DescribeEventSource",
                     "events:ListEventBuses", "events:ListEventSources", "events:ListRuleNamesByTarget",
                     "events:ListRules", "events:ListTargetsByRule", "events:TestEventPattern",
                     "events:DescribeArchive", "events:ListArchives", "events:DescribeReplay", "events:ListReplays",
                     "events:DescribeConnection", "events:ListConnections", "events:DescribeApiDestination",
                     "events:ListApiDestinations", "events:DescribeEndpoint", "events:ListEndpoints",
                     "events:ListTagsForResource", "schemas:Describe*", "schemas:Get*", "schemas:List*",
                     "scheduler:Get*", "scheduler:List*", "pipes:Describe*", "pipes:List*"])),
        "v1", "2021-01-27T19:33:22Z", "2021-01-27T19:33:22Z"),
    AwsManagedPolicy(
        "AWSStepFunctionsFullAccess", "/", "Access to all Step Functions actions",
        _doc(_allow("states:*"), _allow("iam:PassRole", "arn:aws:iam::*:role/service-role/StatesExecutionRole*"),
             _allow(["lambda:ListFunctions"])),
        "v3", "2017-01-11T21:51:32Z", "2023-05-24T17:30:26Z"),
    AwsManagedPolicy(
        "AWSLambda_FullAccess", "/", "Grants full access to AWS Lambda service, AWS Lambda console features, and "
        "other related AWS services.",
        _doc(_allow(["cloudformation:DescribeStacks", "cloudformation:ListStackResources", "cloudwatch:ListMetrics",
                     "cloudwatch:GetMetricData", "ec2:DescribeSecurityGroups", "ec2:DescribeSubnets",
                     "ec2:DescribeVpcs", "kms:ListAliases", "iam:GetPolicy", "iam:GetPolicyVersion", "iam:GetRole",
                     "iam:GetRolePolicy", "iam:ListAttachedRolePolicies", "iam:ListRolePolicies", "iam:ListRoles",
                     "lambda:*", "logs:DescribeLogGroups", "states:DescribeStateMachine", "states:ListStateMachines",
                     "tag:GetResources", "xray:GetTraceSummaries", "xray:BatchGetTraces"]),
             {"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*",
              "Condition": {"StringEquals": {"iam:PassedToService": "lambda.amazonaws.com"}}},
             _allow(["logs:DescribeLogStreams", "logs:GetLogEvents", "logs:FilterLogEvents", "logs:StartLiveTail",
                     "logs:StopLiveTail"], "arn:aws:logs:*:*:log-group:/aws/lambda/*")),
        "v2", "2020-11-23T19:51:50Z", "2024-01-12T17:24:08Z"),
    AwsManagedPolicy(
        "AWSLambda_ReadOnlyAccess", "/", "Grants read-only access to AWS Lambda service, AWS Lambda console "
        "features, and other related AWS services.",
        _doc(_allow(["lambda:Get*", "lambda:List*", "iam:GetPolicy", "iam:GetPolicyVersion", "iam:GetRole",
                     "iam:GetRolePolicy", "iam:ListAttachedRolePolicies", "iam:ListRolePolicies", "iam:ListRoles",
                     "logs:DescribeLogGroups", "states:DescribeStateMachine", "states:ListStateMachines",
                     "tag:GetResources"])),
        "v1", "2020-11-23T19:45:02Z", "2020-11-23T19:45:02Z"),
    AwsManagedPolicy(
        "SecretsManagerReadWrite", "/",
        "Provides read/write access to AWS Secrets Manager via the AWS Management Console.",
        _doc({"Sid": "BasePermissions", "Effect": "Allow",
              "Action": ["secretsmanager:*", "cloudformation:CreateChangeSet", "cloudformation:DescribeChangeSet",
                         "cloudformation:DescribeStackResource", "cloudformation:DescribeStacks",
                         "cloudformation:ExecuteChangeSet", "ec2:DescribeSecurityGroups", "ec2:DescribeSubnets",
                         "ec2:DescribeVpcs", "kms:DescribeKey", "kms:ListAliases", "kms:ListKeys",
                         "lambda:ListFunctions", "rds:DescribeDBClusters", "rds:DescribeDBInstances",
                         "redshift:DescribeClusters", "tag:GetResources"],
              "Resource": "*"},
             {"Sid": "LambdaPermissions", "Effect": "Allow",
              "Action": ["lambda:AddPermission", "lambda:CreateFunction", "lambda:GetFunction",
                         "lambda:InvokeFunction", "lambda:UpdateFunctionConfiguration"],
              "Resource": "arn:aws:lambda:*:*:function:SecretsManager*"},
             {"Sid": "SARPermissions", "Effect": "Allow",
              "Action": ["serverlessrepo:CreateCloudFormationChangeSet", "serverlessrepo:GetApplication"],
              "Resource": "arn:aws:serverlessrepo:*:*:applications/SecretsManager*"},
             {"Sid": "S3Permissions", "Effect": "Allow", "Action": ["s3:GetObject"],
              "Resource": ["arn:aws:s3:::awsserverlessrepo-changesets*", "arn:aws:s3:::secrets-manager-rotation-apps-*/*"]}),
        "v5", "2016-04-04T18:05:29Z", "2024-03-12T18:52:15Z"),
    AwsManagedPolicy(
        "CloudWatchLogsFullAccess", "/", "Provides full access to CloudWatch Logs",
        _doc({"Sid": "CloudWatchLogsFullAccess", "Effect": "Allow", "Action": ["logs:*", "cloudwatch:GenerateQuery"],
              "Resource": "*"}),
        "v2", "2015-02-06T18:40:02Z", "2023-11-27T23:29:15Z"),
    AwsManagedPolicy(
        "CloudWatchLogsReadOnlyAccess", "/", "Provides read only access to CloudWatch Logs",
        _doc(_allow(["logs:Describe*", "logs:Get*", "logs:List*", "logs:StartQuery", "logs:StopQuery",
                     "logs:TestMetricFilter", "logs:FilterLogEvents", "logs:StartLiveTail", "logs:StopLiveTail",
                     "cloudwatch:GenerateQuery"])),
        "v8", "2015-02-06T18:40:03Z", "2024-05-20T18:01:43Z"),
    AwsManagedPolicy(
        "IAMFullAccess", "/", "Provides full access to IAM via the AWS Management Console.",
        _doc(_allow(["iam:*", "organizations:DescribeAccount", "organizations:DescribeOrganization",
                     "organizations:DescribeOrganizationalUnit", "organizations:DescribePolicy",
                     "organizations:ListChildren", "organizations:ListParents",
                     "organizations:ListPoliciesForTarget", "organizations:ListRoots", "organizations:ListPolicies",
                     "organizations:ListTargetsForPolicy"])),
        "v2", "2015-02-06T18:40:38Z", "2019-06-21T19:40:00Z"),
    AwsManagedPolicy(
        "IAMReadOnlyAccess", "/", "Provides read only access to IAM via the AWS Management Console.",
        _doc(_allow(["iam:GenerateCredentialReport", "iam:GenerateServiceLastAccessedDetails", "iam:Get*",
                     "iam:List*", "iam:SimulateCustomPolicy", "iam:SimulatePrincipalPolicy"])),
        "v4", "2015-02-06T18:40:39Z", "2018-01-25T19:11:27Z"),
    AwsManagedPolicy(
        "AmazonS3FullAccess", "/", "Provides full access to all buckets via the AWS Management Console.",
        _doc(_allow(["s3:*", "s3-object-lambda:*"])), "v2", "2015-02-06T18:40:58Z", "2021-09-27T20:16:37Z"),
    AwsManagedPolicy(
        "AmazonS3ReadOnlyAccess", "/", "Provides read only access to all buckets via the AWS Management Console.",
        _doc(_allow(["s3:Get*", "s3:List*", "s3:Describe*", "s3-object-lambda:Get*", "s3-object-lambda:List*"])),
        "v3", "2015-02-06T18:40:59Z", "2023-08-10T21:31:39Z"),
    AwsManagedPolicy(
        "AmazonDynamoDBFullAccess", "/", "Provides full access to Amazon DynamoDB via the AWS Management Console.",
        _doc(_allow(["dynamodb:*", "dax:*", "application-autoscaling:*", "cloudwatch:GetMetricStatistics",
                     "cloudwatch:ListMetrics", "sns:ListSubscriptionsByTopic", "sns:ListTopics", "lambda:ListFunctions",
                     "iam:GetRole", "iam:ListRoles", "kms:DescribeKey", "kms:ListAliases", "tag:GetResources"])),
        "v5", "2015-02-06T18:40:11Z", "2019-05-08T21:20:48Z"),
    AwsManagedPolicy(
        "AWSXRayDaemonWriteAccess", "/", "Allow the AWS X-Ray Daemon to relay raw trace segments data to the "
        "service's API and retrieve sampling data (rules, targets, etc.) to be used by the X-Ray SDK.",
        _doc(_allow(["xray:PutTraceSegments", "xray:PutTelemetryRecords", "xray:GetSamplingRules",
                     "xray:GetSamplingTargets", "xray:GetSamplingStatisticSummaries"])),
        "v1", "2018-08-28T23:00:33Z", "2018-08-28T23:00:33Z"),
]


@lru_cache(maxsize=1)
def _by_arn() -> dict[str, AwsManagedPolicy]:
    return {p.arn: p for p in _POLICIES}


def by_arn(arn: str) -> AwsManagedPolicy | None:
    return _by_arn().get(arn)


def all_policies() -> list[AwsManagedPolicy]:
    return sorted(_POLICIES, key=lambda p: p.name.lower())


def is_aws_managed(arn: str) -> bool:
    return arn.startswith(ARN_PREFIX + "/")
