"""EventBridge bus permissions (PutPermission, RemovePermission, the policy DescribeEventBus
shows) through boto3 against a real server on both backends, enforced on PutEvents from
other accounts; and the policy evaluation itself."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

import httpx
import pytest
from botocore.exceptions import ClientError
from prometheus_client.parser import text_string_to_metric_families

from _clients import client
from _waiting import PATIENCE, wait_until
from eventyard.services.events._base import policy_allows


def _account() -> str:
    return str(uuid.uuid4().int)[:12].rjust(12, "1")


def _error(exc: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    err = exc.value.response["Error"]
    return err["Code"], err["Message"]


class Owner:
    """An account with a bus whose rule sends every event to a queue."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.account = _account()
        self.ev = client("events", url, account=self.account)
        self.sqs = client("sqs", url, account=self.account)
        self.bus_arn = self.ev.create_event_bus(Name="shared")["EventBusArn"]
        self.queue = self.sqs.create_queue(QueueName="inbox")["QueueUrl"]
        queue_arn = self.sqs.get_queue_attributes(QueueUrl=self.queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        self.ev.put_rule(Name="all", EventBusName="shared", EventPattern='{"source": [{"prefix": ""}]}')
        self.ev.put_targets(Rule="all", EventBusName="shared", Targets=[{"Id": "q", "Arn": queue_arn}])

    def policy(self) -> dict[str, Any] | None:
        text = self.ev.describe_event_bus(Name="shared").get("Policy")
        return None if text is None else json.loads(text)

    def send_from(self, account: str) -> str:
        """PutEvents on the shared bus from ``account``: the event id, or the error code."""
        other = client("events", self.url, account=account)
        try:
            out = other.put_events(Entries=[{"Source": f"from.{account}", "DetailType": "t", "Detail": "{}",
                                             "EventBusName": self.bus_arn}])
        except ClientError as exc:
            return str(exc.response["Error"]["Code"])
        assert out["FailedEntryCount"] == 0
        return str(out["Entries"][0]["EventId"])

    def received_sources(self, expect: int) -> list[str]:
        """The sources of what the queue got: once ``expect`` events arrived (or after a long
        wait), with whatever else is there by then."""
        sources: list[str] = []
        deadline = time.monotonic() + PATIENCE
        while True:
            waiting = len(sources) < expect and time.monotonic() < deadline
            out = self.sqs.receive_message(QueueUrl=self.queue, MaxNumberOfMessages=10,
                                           WaitTimeSeconds=1 if waiting else 0)
            for m in out.get("Messages", []):
                sources.append(json.loads(m["Body"])["source"])
                self.sqs.delete_message(QueueUrl=self.queue, ReceiptHandle=m["ReceiptHandle"])
            if not out.get("Messages") and not waiting:
                return sorted(sources)


@pytest.fixture
def owner(server) -> Owner:
    return Owner(server.url)


def test_put_permission_for_an_account(owner):
    friend, stranger = _account(), _account()
    assert owner.policy() is None
    assert owner.send_from(friend) == "AccessDeniedException"
    owner.ev.put_permission(EventBusName="shared", Action="events:PutEvents", Principal=friend, StatementId="friend")
    assert owner.policy() == {"Version": "2012-10-17", "Statement": [{
        "Sid": "friend", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{friend}:root"},
        "Action": "events:PutEvents", "Resource": owner.bus_arn}]}
    assert owner.send_from(friend) != "AccessDeniedException"
    assert owner.send_from(stranger) == "AccessDeniedException"
    assert owner.received_sources(1) == [f"from.{friend}"]
    # the same statement id again replaces the statement
    owner.ev.put_permission(EventBusName="shared", Action="events:PutEvents", Principal=stranger, StatementId="friend")
    statements = owner.policy()["Statement"]  # type: ignore[index]
    assert [s["Principal"] for s in statements] == [{"AWS": f"arn:aws:iam::{stranger}:root"}]
    assert owner.send_from(friend) == "AccessDeniedException"


def test_everyone_and_organization_conditions(owner):
    someone = _account()
    owner.ev.put_permission(EventBusName="shared", Action="events:PutEvents", Principal="*", StatementId="org",
                            Condition={"Type": "StringEquals", "Key": "aws:PrincipalOrgID", "Value": "o-1234567890"})
    statement = owner.policy()["Statement"][0]  # type: ignore[index]
    assert statement["Principal"] == "*"
    assert statement["Condition"] == {"StringEquals": {"aws:PrincipalOrgID": "o-1234567890"}}
    # the caller's organization is unknown: "*" limited to an organization lets no one in
    assert owner.send_from(someone) == "AccessDeniedException"
    owner.ev.put_permission(EventBusName="shared", Action="events:PutEvents", Principal="*", StatementId="all")
    assert owner.send_from(someone) != "AccessDeniedException"
    assert owner.received_sources(1) == [f"from.{someone}"]


def test_remove_permission(owner):
    a, b = _account(), _account()
    with pytest.raises(ClientError) as exc:
        owner.ev.remove_permission(EventBusName="shared", StatementId="nope")
    # AWS's recorded answer when the bus has no policy at all (localstack's
    # test_remove_permission_non_existing_sid[False-*]), not moto's "EventBus does not have a policy."
    assert _error(exc) == ("ResourceNotFoundException", "Statement with the provided id does not exist.")
    for sid, principal in (("a", a), ("b", b)):
        owner.ev.put_permission(EventBusName="shared", Action="events:PutEvents", Principal=principal, StatementId=sid)
    with pytest.raises(ClientError) as exc:
        owner.ev.remove_permission(EventBusName="shared", StatementId="nope")
    assert _error(exc) == ("ResourceNotFoundException", "Statement with the provided id does not exist.")
    owner.ev.remove_permission(EventBusName="shared", StatementId="a")
    assert [s["Sid"] for s in owner.policy()["Statement"]] == ["b"]  # type: ignore[index]
    assert owner.send_from(a) == "AccessDeniedException"
    assert owner.send_from(b) != "AccessDeniedException"
    owner.ev.remove_permission(EventBusName="shared", StatementId="b")
    assert owner.policy() is None  # the last statement gone, no policy is left
    owner.ev.put_permission(EventBusName="shared", Action="events:PutEvents", Principal=a, StatementId="a")
    owner.ev.remove_permission(EventBusName="shared", RemoveAllPermissions=True)
    assert owner.policy() is None
    assert owner.send_from(a) == "AccessDeniedException"


def test_full_policy(owner):
    a, b = _account(), _account()
    policy = {"Version": "2012-10-17", "Statement": [
        {"Sid": "everyone", "Effect": "Allow", "Principal": "*", "Action": "events:PutEvents", "Resource": owner.bus_arn},
        {"Sid": "not-b", "Effect": "Deny", "Principal": {"AWS": b}, "Action": "events:*", "Resource": owner.bus_arn},
    ]}
    text = json.dumps(policy)
    owner.ev.put_permission(EventBusName="shared", Policy=text)
    assert owner.ev.describe_event_bus(Name="shared")["Policy"] == text
    assert owner.send_from(a) != "AccessDeniedException"
    assert owner.send_from(b) == "AccessDeniedException"  # an explicit Deny wins
    # a policy for another resource lets no one in
    other = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*",
                        "Action": "events:PutEvents", "Resource": owner.bus_arn + "-other"}]})
    owner.ev.put_permission(EventBusName="shared", Policy=other)
    assert owner.send_from(a) == "AccessDeniedException"


def test_default_bus_permissions(server):
    ev = client("events", server.url, account=_account())
    friend = _account()
    ev.put_permission(Action="events:PutEvents", Principal=friend, StatementId="s1")
    policy = json.loads(ev.describe_event_bus()["Policy"])
    assert policy["Statement"][0]["Resource"].endswith(":event-bus/default")
    ev.remove_permission(StatementId="s1")
    assert "Policy" not in ev.describe_event_bus()


def test_put_permission_errors_change_nothing(owner):
    friend = _account()
    cases = [
        (dict(Action="events:PutRule", Principal=friend, StatementId="s"),
         ("ValidationException", "Provided value in parameter 'action' is not supported.")),
        (dict(Action="events:PutEvents", StatementId="s"),
         ("ValidationException", "Parameter Principal must be specified.")),
        (dict(Action="events:PutEvents", Principal=friend, StatementId="s",
              Condition={"Type": "StringEquals", "Key": "aws:PrincipalOrgID", "Value": "o-1"}),
         ("InvalidParameterValue", "Value of the parameter 'principal' must be '*' when the parameter 'condition' is set.")),
        (dict(Action="events:PutEvents", Principal=friend),
         ("InvalidParameterValue", r"StatementId must match ^[a-zA-Z0-9-_]{1,64}$")),
        (dict(Policy="{not json"), ("ValidationException", "This policy contains invalid Json")),
        (dict(Policy=json.dumps({"Statement": [{"Sid": "x" * 11000}]})), ("PolicyLengthExceededException", None)),
    ]
    for kwargs, (code, message) in cases:
        with pytest.raises(ClientError) as exc:
            owner.ev.put_permission(EventBusName="shared", **kwargs)
        got = _error(exc)
        assert got[0] == code, kwargs
        assert exc.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
        if message is not None:
            assert got[1] == message
    assert owner.policy() is None
    with pytest.raises(ClientError) as exc:
        owner.ev.put_permission(EventBusName="ghost", Action="events:PutEvents", Principal=friend, StatementId="s")
    assert _error(exc) == ("ResourceNotFoundException", "Event bus ghost does not exist.")
    with pytest.raises(ClientError) as exc:
        owner.ev.put_permission(EventBusName="shared", Action="events:PutEvents", Principal="12345", StatementId="s")
    assert _error(exc)[0] == "ValidationException"  # the model's pattern (\d{12}|\*)


def test_bus_target_in_another_account_follows_the_policy(owner):
    """A rule of another account whose target is the shared bus: delivered only while the
    shared bus's policy lets that account in."""
    sender = _account()
    ev = client("events", owner.url, account=sender)
    rule = ev.put_rule(Name="forward", EventPattern='{"source": [{"prefix": "fwd."}]}')["RuleArn"]
    ev.put_targets(Rule="forward", Targets=[{"Id": "bus", "Arn": owner.bus_arn}])

    def forward(tag: str) -> None:
        out = ev.put_events(Entries=[{"Source": f"fwd.{tag}", "DetailType": "t", "Detail": "{}"}])
        assert out["FailedEntryCount"] == 0

    forward("refused")
    # the refused delivery is over (given up, not waiting for a retry) before the policy changes
    wait_until(lambda: _failed_invocations(owner.url, rule) == 1, what="the refused delivery to fail")
    assert owner.received_sources(0) == []
    owner.ev.put_permission(EventBusName="shared", Action="events:PutEvents", Principal=sender, StatementId="fwd")
    forward("allowed")
    assert owner.received_sources(1) == ["fwd.allowed"]


def _failed_invocations(url: str, rule_arn: str) -> float:
    """The rule's failed target invocations, as the server's ``/metrics`` counts them."""
    for family in text_string_to_metric_families(httpx.get(f"{url}/metrics", timeout=10).text):
        for sample in family.samples:
            if sample.name == "eventyard_events_failed_invocations_total" and sample.labels.get("rule") == rule_arn:
                return sample.value
    return 0.0


# -- the evaluation itself -------------------------------------------------------------
BUS = "arn:aws:events:us-east-1:111111111111:event-bus/shared"


def _policy(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def _allow(**extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": "events:PutEvents", "Principal": "*", "Resource": BUS, **extra}


def test_policy_evaluation():
    org = {"StringEquals": {"aws:PrincipalOrgID": "o-abc"}}
    assert policy_allows(_policy(_allow()), "222222222222", BUS)
    assert not policy_allows(_policy(_allow(Condition=org)), "222222222222", BUS)  # organization unknown
    assert not policy_allows(_policy(_allow(Condition=org)), "222222222222", BUS, org_id="o-other")
    assert policy_allows(_policy(_allow(Condition=org)), "222222222222", BUS, org_id="o-abc")
    assert not policy_allows(_policy(_allow(Condition={"ArnLike": {"aws:SourceArn": "x"}})), "222222222222", BUS)
    assert policy_allows(_policy(_allow(Condition={"StringEquals": {"aws:PrincipalAccount": "222222222222"}})),
                         "222222222222", BUS)
    assert policy_allows(_policy(_allow(Principal={"AWS": "arn:aws:iam::222222222222:root"})), "222222222222", BUS)
    assert policy_allows(_policy(_allow(Principal={"AWS": ["333333333333", "222222222222"]})), "222222222222", BUS)
    assert not policy_allows(_policy(_allow(Principal={"AWS": "333333333333"})), "222222222222", BUS)
    assert not policy_allows(_policy(_allow(Action="events:PutRule")), "222222222222", BUS)
    assert policy_allows(_policy(_allow(Action=["events:*"])), "222222222222", BUS)
    assert policy_allows(_policy(_allow(Resource="arn:aws:events:us-east-1:111111111111:event-bus/*")), "222222222222", BUS)
    assert not policy_allows(_policy(_allow(Resource=BUS + "x")), "222222222222", BUS)
    assert not policy_allows(_policy(_allow(), _allow(Effect="Deny")), "222222222222", BUS)
    assert not policy_allows(_policy(), "222222222222", BUS)


def test_concurrent_permissions_on_one_bus_are_all_kept(server):
    # Terraform creates several aws_cloudwatch_event_permission resources of one bus at
    # once; each PutPermission rewrites the bus's policy. Read without the bus's row
    # locked, one of two concurrent statements was lost on PostgreSQL.
    from concurrent.futures import ThreadPoolExecutor

    account = f"{uuid.uuid4().int % 10**12:012d}"
    clients = [client("events", server.url, account=account) for _ in range(4)]
    clients[0].create_event_bus(Name="shared")
    sids = [f"Partner{i}" for i in range(16)]
    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(lambda i: clients[i % 4].put_permission(
            EventBusName="shared", Action="events:PutEvents", Principal=f"{111122220000 + i:012d}",
            StatementId=sids[i]), range(len(sids))))
    policy = json.loads(clients[0].describe_event_bus(Name="shared")["Policy"])
    assert sorted(s["Sid"] for s in policy["Statement"]) == sorted(sids)
