"""Terraform end to end: the ``hashicorp/aws`` provider, pointed at a real server with its
``endpoints`` settings, applies the configurations in ``tests/terraform/``, re-plans with
no changes, and destroys everything again (issue 14 §6).

Terraform and the provider come from the machine, never from a network: the binary on
``$PATH`` (or ``$EVENTYARD_TEST_TERRAFORM``) and a ``registry.terraform.io`` plugin tree in
``/opt/tf-plugins`` (or ``$EVENTYARD_TEST_TERRAFORM_PLUGINS``), Terraform's only source of
providers through a ``filesystem_mirror`` (like ``terraform init -plugin-dir``, but linked,
not copied: the provider is a 700 MB binary). Where either is missing the test FAILS and
says so; set ``EVENTYARD_TEST_NO_TERRAFORM=1`` to opt out explicitly. ``EVENTYARD_TEST_TF_LOG=DEBUG``
keeps the provider's wire log next to the configuration (its path is in the failure).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from _clients import client

CONFIGURATIONS = Path(__file__).with_name("terraform")
PLUGIN_DIR = Path(os.environ.get("EVENTYARD_TEST_TERRAFORM_PLUGINS", "/opt/tf-plugins"))
OPT_OUT = "EVENTYARD_TEST_NO_TERRAFORM"
ACCOUNT = "000000000000"
# Generous: the provider's own waiters poll for minutes before giving up, and a busy
# machine takes a while to start a 700 MB provider; a hang still ends, with the log.
COMMAND_TIMEOUT = 1200.0


def _terraform_binary() -> str:
    if os.environ.get(OPT_OUT) == "1":
        pytest.skip(f"{OPT_OUT}=1: the Terraform end-to-end test was explicitly opted out")
    found = os.environ.get("EVENTYARD_TEST_TERRAFORM") or shutil.which("terraform")
    if not found:
        pytest.fail(f"TERRAFORM IS NOT INSTALLED: no `terraform` on PATH (or $EVENTYARD_TEST_TERRAFORM); "
                    f"this test needs it. Install Terraform, or set {OPT_OUT}=1 to opt out explicitly.",
                    pytrace=False)
    providers = list(PLUGIN_DIR.glob("registry.terraform.io/hashicorp/aws/*/*/terraform-provider-aws*"))
    if not providers:
        pytest.fail(f"THE TERRAFORM AWS PROVIDER IS NOT INSTALLED: no registry.terraform.io/hashicorp/aws "
                    f"tree under {PLUGIN_DIR} (set $EVENTYARD_TEST_TERRAFORM_PLUGINS); this test needs it. "
                    f"Install it, or set {OPT_OUT}=1 to opt out explicitly.", pytrace=False)
    return found


@pytest.fixture(scope="session")
def terraform() -> str:
    """Terraform's binary, checked before any server starts (session scope comes first)."""
    return _terraform_binary()


@dataclass
class Workspace:
    """One Terraform working directory, with the environment its commands run in."""

    terraform: str
    directory: Path
    env: dict[str, str]
    timings: dict[str, float] = field(default_factory=dict)

    def run(self, *args: str, expect: tuple[int, ...] = (0,)) -> subprocess.CompletedProcess[str]:
        started = time.monotonic()
        try:
            done = subprocess.run([self.terraform, *args], cwd=self.directory, env=self.env,
                                  capture_output=True, text=True, timeout=COMMAND_TIMEOUT)
        except subprocess.TimeoutExpired as timeout:
            pytest.fail(f"terraform {' '.join(args)} did not finish in {COMMAND_TIMEOUT:.0f} s:\n"
                        f"{_tail(timeout.stdout)}\n{_tail(timeout.stderr)}{self._log_hint()}", pytrace=False)
        self.timings[args[0]] = self.timings.get(args[0], 0.0) + time.monotonic() - started
        if done.returncode not in expect:
            pytest.fail(f"terraform {' '.join(args)} exited {done.returncode} (expected {expect}):\n"
                        f"{_tail(done.stdout)}\n{_tail(done.stderr)}{self._log_hint()}", pytrace=False)
        return done

    def _log_hint(self) -> str:
        log = self.env.get("TF_LOG_PATH")
        return f"\n(provider log: {log})" if log else f"\n(EVENTYARD_TEST_TF_LOG=DEBUG keeps the provider's log)"


def _tail(text: str | bytes | None, lines: int = 80) -> str:
    if isinstance(text, bytes):
        text = text.decode(errors="replace")
    return "\n".join((text or "").splitlines()[-lines:])


def _provider_block(url: str) -> str:
    endpoints = "\n".join(f"    {name} = \"{url}\"" for name in ("events", "sqs", "sns", "sts", "iam",
                                                                    "secretsmanager"))
    return f"""
terraform {{
  required_providers {{
    aws = {{ source = "hashicorp/aws" }}
  }}
}}

variable "suffix" {{
  type = string
}}

variable "account" {{
  type    = string
  default = "{ACCOUNT}"
}}

variable "revision" {{
  type    = number
  default = 1
}}

provider "aws" {{
  region     = "us-east-1"
  access_key = "{ACCOUNT}"
  secret_key = "test"
  endpoints {{
{endpoints}
  }}
}}
"""


def _environment(directory: Path) -> dict[str, str]:
    """The machine's environment without anything that would point Terraform or the AWS
    SDK elsewhere (profiles, a CLI config, credentials of a real account)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "TF_"))}
    cli_config = directory / "terraformrc"
    cli_config.write_text(f"""
provider_installation {{
  filesystem_mirror {{
    path    = "{PLUGIN_DIR}"
    include = ["registry.terraform.io/hashicorp/*"]
  }}
  direct {{
    exclude = ["registry.terraform.io/hashicorp/*"]
  }}
}}
""")
    env.update(TF_CLI_CONFIG_FILE=str(cli_config), TF_IN_AUTOMATION="1", TF_INPUT="0",
               CHECKPOINT_DISABLE="1", AWS_CONFIG_FILE=str(directory / "no-aws-config"),
               AWS_SHARED_CREDENTIALS_FILE=str(directory / "no-aws-credentials"))
    if level := os.environ.get("EVENTYARD_TEST_TF_LOG"):
        env.update(TF_LOG=level, TF_LOG_PATH=str(directory / "terraform.log"))
    return env


def _gone(call: Any, *codes: str) -> bool:
    try:
        call()
    except ClientError as err:
        return err.response["Error"]["Code"] in codes
    return False


# The provider's waiters and a cold 700 MB provider binary make this the suite's longest test
# (2.5 to 3.5 minutes per backend on a quiet 2-core machine, up to 7 when it is busy). Both
# backends by default: Terraform's parallel changes of one resource found lost updates that
# only PostgreSQL's concurrent transactions show. EVENTYARD_TEST_TERRAFORM_BACKENDS=sqlite
# narrows it to one.
TERRAFORM_BACKENDS = os.environ.get("EVENTYARD_TEST_TERRAFORM_BACKENDS", "sqlite,postgres").split(",")


@pytest.mark.timeout(3600)
@pytest.mark.parametrize("backend_url", [b for b in TERRAFORM_BACKENDS if b == "sqlite"], indirect=True,
                         scope="module")
def test_terraform_applies_replans_clean_and_destroys(terraform: str, server: Any, tmp_path: Path) -> None:
    check_terraform_end_to_end(terraform, server, tmp_path)


def check_terraform_end_to_end(terraform: str, server: Any, tmp_path: Path) -> None:
    """The whole run on one server (tests/test_terraform_postgres.py runs it on PostgreSQL,
    in a module of its own so that another worker runs it beside this one)."""
    url = server.url
    # no skip_* flags: the provider asks STS who it is, as against AWS
    files = ["core.tf", "identity.tf", "secrets.tf"]

    workspace = Workspace(terraform, tmp_path, _environment(tmp_path))
    (tmp_path / "provider.tf").write_text(_provider_block(url))
    for name in files:
        shutil.copy(CONFIGURATIONS / name, tmp_path / name)
    suffix = uuid.uuid4().hex[:8]
    workspace.run("init", "-no-color", "-input=false")

    # Revision 1 creates everything; revision 2 updates most of it (attributes, tags added
    # and removed, policies, patterns). After each apply, no drift: every attribute the
    # provider reads back is what it wrote.
    for revision in (1, 2):
        variables = (f"-var=suffix={suffix}", f"-var=revision={revision}")
        workspace.run("apply", "-no-color", "-input=false", "-auto-approve", *variables)
        if revision == 1:
            listed = workspace.run("state", "list").stdout.split()
            print(f"Terraform created {len(listed)} resources: {' '.join(listed)}")
        plan = workspace.run("plan", "-no-color", "-input=false", "-detailed-exitcode", *variables, expect=(0, 2))
        assert plan.returncode == 0, (
            f"the re-plan after applying revision {revision} wants changes (drift):\n{_tail(plan.stdout, 200)}")

    _assert_core_exists(url, suffix)
    _assert_core_read_back(url, suffix, json.loads(workspace.run("output", "-json", "seen").stdout))
    _assert_identity_exists(url, suffix)
    _assert_secrets_exist(url, suffix)

    workspace.run("destroy", "-no-color", "-input=false", "-auto-approve", *variables)
    assert workspace.run("state", "list").stdout.split() == []
    _assert_core_gone(url, suffix)
    if "identity.tf" in files:
        _assert_identity_gone(url, suffix)
    if "secrets.tf" in files:
        _assert_secrets_gone(url, suffix)
    print("Terraform timings (s): " + ", ".join(f"{k} {v:.1f}" for k, v in workspace.timings.items()))


# -- what the configurations made, seen through boto3 --------------------------------
def _assert_core_exists(url: str, suffix: str) -> None:
    sqs, sns, events = client("sqs", url), client("sns", url), client("events", url)

    orders_url = sqs.get_queue_url(QueueName=f"ty-orders-{suffix}")["QueueUrl"]
    orders = sqs.get_queue_attributes(QueueUrl=orders_url, AttributeNames=["All"])["Attributes"]
    dead_url = sqs.get_queue_url(QueueName=f"ty-dead-letters-{suffix}")["QueueUrl"]
    dead = sqs.get_queue_attributes(QueueUrl=dead_url, AttributeNames=["All"])["Attributes"]
    assert json.loads(orders["RedrivePolicy"]) == {"deadLetterTargetArn": dead["QueueArn"], "maxReceiveCount": 5}
    assert orders["VisibilityTimeout"] == "60"
    assert sqs.list_queue_tags(QueueUrl=orders_url)["Tags"] == {"team": "yard", "stage": "live"}
    assert dead["KmsMasterKeyId"] == "alias/aws/sqs" and dead["KmsDataKeyReusePeriodSeconds"] == "600"
    assert {s["Sid"] for s in json.loads(orders["Policy"])["Statement"]} == {"FromTopic", "FromRules"}
    assert {s["Sid"] for s in json.loads(dead["Policy"])["Statement"]} == {"FailedRuleDeliveries",
                                                                          "FailedTopicDeliveries"}
    assert json.loads(dead["RedriveAllowPolicy"]) == {"redrivePermission": "byQueue",
                                                      "sourceQueueArns": [orders["QueueArn"]]}
    assert sqs.list_queue_tags(QueueUrl=dead_url)["Tags"] == {"team": "yard", "purpose": "dead-letters"}
    ledger_url = sqs.get_queue_url(QueueName=f"ty-ledger-{suffix}.fifo")["QueueUrl"]
    ledger = sqs.get_queue_attributes(QueueUrl=ledger_url, AttributeNames=["All"])["Attributes"]
    assert ledger["FifoQueue"] == "true" and ledger["FifoThroughputLimit"] == "perMessageGroupId"

    topics = {t["TopicArn"].rsplit(":", 1)[1]: t["TopicArn"] for t in sns.list_topics()["Topics"]}
    orders_topic, ledger_topic = topics[f"ty-orders-{suffix}"], topics[f"ty-ledger-{suffix}.fifo"]
    attributes = sns.get_topic_attributes(TopicArn=orders_topic)["Attributes"]
    assert json.loads(attributes["Policy"])["Statement"][0]["Sid"] == "PublishFromRules"
    assert attributes["DisplayName"] == "Orders (live)" and attributes["SignatureVersion"] == "2"
    assert json.loads(attributes["DeliveryPolicy"])["http"]["defaultHealthyRetryPolicy"]["numRetries"] == 8
    assert {t["Key"]: t["Value"] for t in sns.list_tags_for_resource(ResourceArn=orders_topic)["Tags"]} == {
        "team": "yard", "stage": "live"}
    ledger_attributes = sns.get_topic_attributes(TopicArn=ledger_topic)["Attributes"]
    assert json.loads(ledger_attributes["ArchivePolicy"]) == {"MessageRetentionPeriod": 14}
    [subscription] = sns.list_subscriptions_by_topic(TopicArn=orders_topic)["Subscriptions"]
    subscribed = sns.get_subscription_attributes(SubscriptionArn=subscription["SubscriptionArn"])["Attributes"]
    assert subscribed["RawMessageDelivery"] == "true" and subscribed["FilterPolicyScope"] == "MessageBody"
    assert json.loads(subscribed["FilterPolicy"])["total"] == [{"numeric": [">", 250]}]
    assert json.loads(subscribed["RedrivePolicy"]) == {"deadLetterTargetArn": dead["QueueArn"]}
    assert len(sns.list_subscriptions_by_topic(TopicArn=ledger_topic)["Subscriptions"]) == 1

    bus = events.describe_event_bus(Name=f"ty-orders-{suffix}")
    [statement] = json.loads(bus["Policy"])["Statement"]
    assert statement["Sid"] == "PartnerPuts" and len(statement["Principal"]["AWS"]) == 2
    assert bus["Description"] == "Orders of the shop (live)" and bus["DeadLetterConfig"] == {"Arn": dead["QueueArn"]}
    assert {t["Key"]: t["Value"] for t in events.list_tags_for_resource(ResourceARN=bus["Arn"])["Tags"]} == {
        "team": "yard", "stage": "live"}
    rules = {r["Name"]: r for r in events.list_rules(EventBusName=bus["Name"])["Rules"]}
    assert set(rules) == {f"ty-placed-{suffix}", f"Events-Archive-ty-orders-{suffix}"}  # the archive's own
    assert json.loads(rules[f"ty-placed-{suffix}"]["EventPattern"])["detail-type"] == ["OrderPlaced", "OrderAmended"]
    targets = {t["Id"]: t for t in events.list_targets_by_rule(Rule=f"ty-placed-{suffix}",
                                                                EventBusName=bus["Name"])["Targets"]}
    assert set(targets) == {"orders-queue", "warehouse"}
    assert targets["orders-queue"]["DeadLetterConfig"] == {"Arn": dead["QueueArn"]}
    assert targets["orders-queue"]["RetryPolicy"] == {"MaximumRetryAttempts": 8, "MaximumEventAgeInSeconds": 3600}
    assert targets["warehouse"]["HttpParameters"]["QueryStringParameters"] == {"priority": "high"}
    nightly = events.describe_rule(Name=f"ty-nightly-{suffix}")
    assert nightly["ScheduleExpression"] == "cron(0 3 * * ? *)" and nightly["State"] == "ENABLED"
    assert events.describe_archive(ArchiveName=f"ty-orders-{suffix}")["RetentionDays"] == 14
    connection = events.describe_connection(Name=f"ty-partner-{suffix}")
    assert connection["AuthorizationType"] == "API_KEY" and connection["ConnectionState"] == "AUTHORIZED"
    destination = events.describe_api_destination(Name=f"ty-partner-{suffix}")
    assert destination["ConnectionArn"] == connection["ConnectionArn"]
    assert destination["InvocationRateLimitPerSecond"] == 50
    warehouse = events.describe_connection(Name=f"ty-warehouse-{suffix}")["AuthParameters"]
    assert warehouse["InvocationHttpParameters"]["BodyParameters"][0]["Value"] == "live"
    default_policy = json.loads(events.describe_event_bus()["Policy"])
    assert "PartnerOnDefault" in {s["Sid"] for s in default_policy["Statement"]}


def _assert_core_read_back(url: str, suffix: str, seen: dict[str, Any]) -> None:
    """What the configuration's data sources read equals what boto3 reads."""
    sqs, sns, events = client("sqs", url), client("sns", url), client("events", url)
    orders_url = sqs.get_queue_url(QueueName=f"ty-orders-{suffix}")["QueueUrl"]
    assert seen["queue_url"] == orders_url
    assert seen["queue_arn"] == sqs.get_queue_attributes(QueueUrl=orders_url, AttributeNames=["QueueArn"])[
        "Attributes"]["QueueArn"]
    assert seen["queue_tags"] == {"team": "yard", "stage": "live"}
    assert seen["queue_urls"] == sorted(sqs.list_queues(QueueNamePrefix="ty-")["QueueUrls"])
    assert len(seen["queue_urls"]) == 3
    assert seen["topic_arn"] == f"arn:aws:sns:us-east-1:{ACCOUNT}:ty-orders-{suffix}"
    bus = events.describe_event_bus(Name=f"ty-orders-{suffix}")
    assert (seen["bus_arn"], seen["bus_description"]) == (bus["Arn"], bus["Description"])
    assert seen["bus_names"] == [f"ty-orders-{suffix}"]
    connection = events.describe_connection(Name=f"ty-partner-{suffix}")
    assert seen["connection_arn"] == connection["ConnectionArn"] and seen["connection_type"] == "API_KEY"
    assert seen["connection_secret"] == connection["SecretArn"]
    assert sns.get_topic_attributes(TopicArn=seen["topic_arn"])["Attributes"]["TopicArn"] == seen["topic_arn"]


def _assert_core_gone(url: str, suffix: str) -> None:
    sqs, sns, events = client("sqs", url), client("sns", url), client("events", url)
    for queue in (f"ty-orders-{suffix}", f"ty-dead-letters-{suffix}", f"ty-ledger-{suffix}.fifo"):
        assert _gone(lambda: sqs.get_queue_url(QueueName=queue),
                     "AWS.SimpleQueueService.NonExistentQueue"), queue
    names = {t["TopicArn"].rsplit(":", 1)[1] for t in sns.list_topics()["Topics"]}
    assert not {f"ty-orders-{suffix}", f"ty-ledger-{suffix}.fifo"} & names
    assert sns.list_subscriptions()["Subscriptions"] == []
    missing = "ResourceNotFoundException"
    assert _gone(lambda: events.describe_event_bus(Name=f"ty-orders-{suffix}"), missing)
    assert _gone(lambda: events.describe_rule(Name=f"ty-nightly-{suffix}"), missing)
    assert _gone(lambda: events.describe_archive(ArchiveName=f"ty-orders-{suffix}"), missing)
    for name in (f"ty-partner-{suffix}", f"ty-warehouse-{suffix}"):
        assert _gone(lambda: events.describe_connection(Name=name), missing)
        assert _gone(lambda: events.describe_api_destination(Name=name), missing)
    assert "Policy" not in events.describe_event_bus()


def _assert_identity_exists(url: str, suffix: str) -> None:
    iam = client("iam", url)
    role = iam.get_role(RoleName=f"ty-worker-{suffix}")["Role"]
    assert role["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {"Service": "lambda.amazonaws.com"}
    assert role["Description"] == "Runs the order workers (live)" and role["MaxSessionDuration"] == 7200
    assert {t["Key"]: t["Value"] for t in role["Tags"]} == {"team": "yard", "stage": "live"}
    policy = iam.get_policy(PolicyArn=f"arn:aws:iam::{ACCOUNT}:policy/ty-publish-{suffix}")["Policy"]
    assert policy["DefaultVersionId"] == "v2"  # revision 2 changed its document
    attached = {p["PolicyName"] for p in iam.list_attached_role_policies(RoleName=role["RoleName"])["AttachedPolicies"]}
    assert attached == {f"ty-publish-{suffix}"}
    assert iam.list_role_policies(RoleName=role["RoleName"])["PolicyNames"] == ["read-queues"]
    user = iam.get_user(UserName=f"ty-deployer-{suffix}")["User"]
    assert len(iam.list_access_keys(UserName=user["UserName"])["AccessKeyMetadata"]) == 1
    members = iam.get_group(GroupName=f"ty-deployers-{suffix}")["Users"]
    assert [m["UserName"] for m in members] == [user["UserName"]]


def _assert_identity_gone(url: str, suffix: str) -> None:
    iam = client("iam", url)
    for call in (lambda: iam.get_role(RoleName=f"ty-worker-{suffix}"),
                 lambda: iam.get_user(UserName=f"ty-deployer-{suffix}"),
                 lambda: iam.get_group(GroupName=f"ty-deployers-{suffix}"),
                 lambda: iam.get_policy(PolicyArn=f"arn:aws:iam::{ACCOUNT}:policy/ty-publish-{suffix}")):
        assert _gone(call, "NoSuchEntity")


def _assert_secrets_exist(url: str, suffix: str) -> None:
    secrets = client("secretsmanager", url)
    value = secrets.get_secret_value(SecretId=f"ty/partner-{suffix}")
    assert json.loads(value["SecretString"]) == {"user": "yard", "token": "another-fake-token"}
    assert "AWSCURRENT" in value["VersionStages"]
    described = secrets.describe_secret(SecretId=f"ty/partner-{suffix}")
    assert described["Description"] == "Partner API credentials (live)"
    assert {t["Key"]: t["Value"] for t in described["Tags"]} == {"team": "yard", "stage": "live"}
    stages = sorted(stage for stages in described["VersionIdsToStages"].values() for stage in stages)
    assert stages == ["AWSCURRENT", "AWSPREVIOUS"]


def _assert_secrets_gone(url: str, suffix: str) -> None:
    secrets = client("secretsmanager", url)
    assert _gone(lambda: secrets.describe_secret(SecretId=f"ty/partner-{suffix}"),
                 "ResourceNotFoundException")
