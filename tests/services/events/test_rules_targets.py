"""EventBridge rules and targets through boto3 against a real server, on both backends:
PutRule / DescribeRule / ListRules / EnableRule / DisableRule / DeleteRule,
ListRuleNamesByTarget, PutTargets / RemoveTargets / ListTargetsByRule, with AWS's limits
and errors. A refused call changes nothing."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from botocore.exceptions import ClientError

from _clients import client


def _account() -> str:
    # a fresh account per test keeps tests independent on a shared server
    return str(uuid.uuid4().int)[:12].rjust(12, "1")


def _error(call: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
    """The ``Error`` of a call that must fail, plus its HTTP status as ``Status``."""
    with pytest.raises(ClientError) as exc:
        call(*args, **kwargs)
    return {**exc.value.response["Error"], "Status": exc.value.response["ResponseMetadata"]["HTTPStatusCode"]}


def _queue_arn(account: str, name: str, region: str = "us-east-1") -> str:
    return f"arn:aws:sqs:{region}:{account}:{name}"


PATTERN = json.dumps({"source": ["shop.orders"], "detail-type": ["Order Placed"]})


# -- rules -------------------------------------------------------------------------
def test_put_describe_rule_on_default_and_custom_bus(server):
    account = _account()
    ev = client("events", server.url, account=account)
    arn = ev.put_rule(Name="orders", EventPattern=PATTERN, Description="placed orders")["RuleArn"]
    assert arn == f"arn:aws:events:us-east-1:{account}:rule/orders"
    rule = ev.describe_rule(Name="orders")
    assert {k: v for k, v in rule.items() if k != "ResponseMetadata"} == {
        "Name": "orders", "Arn": arn, "EventPattern": PATTERN, "State": "ENABLED",
        "Description": "placed orders", "EventBusName": "default", "CreatedBy": account,
    }

    ev.create_event_bus(Name="shop")
    custom = ev.put_rule(Name="orders", EventBusName="shop", EventPattern=PATTERN, State="DISABLED")["RuleArn"]
    assert custom == f"arn:aws:events:us-east-1:{account}:rule/shop/orders"
    rule = ev.describe_rule(Name="orders", EventBusName="shop")
    assert rule["Arn"] == custom and rule["State"] == "DISABLED" and rule["EventBusName"] == "shop"
    # by the bus's ARN too
    by_arn = ev.describe_rule(Name="orders", EventBusName=f"arn:aws:events:us-east-1:{account}:event-bus/shop")
    assert by_arn["Arn"] == custom


def test_put_rule_updates_in_place(server):
    ev = client("events", server.url, account=_account())
    first = ev.put_rule(Name="r", EventPattern=PATTERN)["RuleArn"]
    changed = json.dumps({"source": ["shop.payments"]})
    assert ev.put_rule(Name="r", EventPattern=changed, Description="now payments")["RuleArn"] == first
    rule = ev.describe_rule(Name="r")
    assert rule["EventPattern"] == changed and rule["Description"] == "now payments"
    assert [r["Name"] for r in ev.list_rules()["Rules"]] == ["r"]


def test_put_rule_errors_change_nothing(server):
    ev = client("events", server.url, account=_account())
    err = _error(ev.put_rule, Name="r")
    assert (err["Code"], err["Status"]) == ("ValidationException", 400)
    assert err["Message"] == "Parameter(s) EventPattern or ScheduleExpression must be specified."
    err = _error(ev.put_rule, Name="r", EventPattern=json.dumps({"source": "not-a-list"}))
    assert err["Code"] == "InvalidEventPatternException"
    assert err["Message"].startswith("Event pattern is not valid. Reason: ")
    err = _error(ev.put_rule, Name="r", EventBusName="nope", EventPattern=PATTERN)
    assert (err["Code"], err["Message"]) == ("ResourceNotFoundException", "Event bus nope does not exist.")
    assert ev.list_rules()["Rules"] == []


def test_describe_missing_rule(server):
    ev = client("events", server.url, account=_account())
    err = _error(ev.describe_rule, Name="ghost")
    assert (err["Code"], err["Status"]) == ("ResourceNotFoundException", 400)
    assert err["Message"] == "Rule ghost does not exist on EventBus default."
    ev.create_event_bus(Name="shop")
    err = _error(ev.describe_rule, Name="ghost", EventBusName="shop")
    assert err["Message"] == "Rule ghost does not exist on EventBus shop."


def test_list_rules_prefix_and_pagination(server):
    ev = client("events", server.url, account=_account())
    ev.create_event_bus(Name="shop")
    names = [f"ord-{i:02d}" for i in range(7)] + ["pay-1", "ship-1"]
    for name in reversed(names):
        ev.put_rule(Name=name, EventBusName="shop", EventPattern=PATTERN)
    ev.put_rule(Name="ord-default-bus", EventPattern=PATTERN)  # another bus: never listed below

    everything = ev.list_rules(EventBusName="shop")
    assert [r["Name"] for r in everything["Rules"]] == sorted(names)
    assert "NextToken" not in everything
    listed = everything["Rules"][0]
    assert set(listed) == {"Name", "Arn", "EventPattern", "State", "EventBusName"}

    seen: list[str] = []
    token = None
    pages = 0
    while True:
        page = ev.list_rules(EventBusName="shop", NamePrefix="ord-", Limit=3, **({"NextToken": token} if token else {}))
        assert len(page["Rules"]) <= 3
        seen += [r["Name"] for r in page["Rules"]]
        pages += 1
        token = page.get("NextToken")
        if not token:
            break
    assert seen == [f"ord-{i:02d}" for i in range(7)]
    assert pages == 3
    assert ev.list_rules(EventBusName="shop", NamePrefix="zzz")["Rules"] == []


def test_enable_disable_rule(server):
    ev = client("events", server.url, account=_account())
    ev.put_rule(Name="r", EventPattern=PATTERN)
    ev.disable_rule(Name="r")
    assert ev.describe_rule(Name="r")["State"] == "DISABLED"
    ev.disable_rule(Name="r")  # already disabled: fine
    assert ev.describe_rule(Name="r")["State"] == "DISABLED"
    ev.enable_rule(Name="r")
    assert ev.describe_rule(Name="r")["State"] == "ENABLED"
    for call in (ev.enable_rule, ev.disable_rule):
        err = _error(call, Name="ghost")
        assert (err["Code"], err["Message"]) == ("ResourceNotFoundException", "Rule ghost does not exist on EventBus default.")


def test_delete_rule_refused_while_it_has_targets(server):
    account = _account()
    ev = client("events", server.url, account=account)
    ev.put_rule(Name="r", EventPattern=PATTERN)
    ev.put_targets(Rule="r", Targets=[{"Id": "q", "Arn": _queue_arn(account, "q")}])
    err = _error(ev.delete_rule, Name="r")
    assert (err["Code"], err["Status"]) == ("ValidationException", 400)
    assert err["Message"] == "Rule can't be deleted since it has targets."
    assert ev.describe_rule(Name="r")["Name"] == "r"
    assert [t["Id"] for t in ev.list_targets_by_rule(Rule="r")["Targets"]] == ["q"]

    ev.remove_targets(Rule="r", Ids=["q"])
    ev.delete_rule(Name="r")
    assert _error(ev.describe_rule, Name="r")["Code"] == "ResourceNotFoundException"
    ev.delete_rule(Name="r")  # deleting a missing rule succeeds, as on AWS


# -- targets -----------------------------------------------------------------------
def test_put_list_remove_targets(server):
    account = _account()
    ev = client("events", server.url, account=account)
    ev.put_rule(Name="r", EventPattern=PATTERN)
    targets = [
        {"Id": "plain", "Arn": _queue_arn(account, "a")},
        {"Id": "constant", "Arn": _queue_arn(account, "b"), "Input": '{"fixed": true}',
         "RetryPolicy": {"MaximumRetryAttempts": 3, "MaximumEventAgeInSeconds": 600},
         "DeadLetterConfig": {"Arn": _queue_arn(account, "dlq")}},
        {"Id": "fifo", "Arn": _queue_arn(account, "c.fifo"), "SqsParameters": {"MessageGroupId": "orders"}},
    ]
    out = ev.put_targets(Rule="r", Targets=targets)
    assert out["FailedEntryCount"] == 0 and out["FailedEntries"] == []
    assert ev.list_targets_by_rule(Rule="r")["Targets"] == targets

    # same id again: replaced in place
    ev.put_targets(Rule="r", Targets=[{"Id": "plain", "Arn": _queue_arn(account, "a2")}])
    listed = ev.list_targets_by_rule(Rule="r")["Targets"]
    assert [t["Id"] for t in listed] == ["plain", "constant", "fifo"]
    assert listed[0]["Arn"] == _queue_arn(account, "a2")

    # pages
    first = ev.list_targets_by_rule(Rule="r", Limit=2)
    assert [t["Id"] for t in first["Targets"]] == ["plain", "constant"]
    rest = ev.list_targets_by_rule(Rule="r", Limit=2, NextToken=first["NextToken"])
    assert [t["Id"] for t in rest["Targets"]] == ["fifo"] and "NextToken" not in rest

    removed = ev.remove_targets(Rule="r", Ids=["constant", "fifo"])
    assert removed["FailedEntryCount"] == 0
    assert [t["Id"] for t in ev.list_targets_by_rule(Rule="r")["Targets"]] == ["plain"]


def test_targets_on_a_custom_bus(server):
    account = _account()
    ev = client("events", server.url, account=account)
    ev.create_event_bus(Name="shop")
    ev.put_rule(Name="r", EventBusName="shop", EventPattern=PATTERN)
    ev.put_targets(Rule="r", EventBusName="shop", Targets=[{"Id": "q", "Arn": _queue_arn(account, "q")}])
    assert [t["Id"] for t in ev.list_targets_by_rule(Rule="r", EventBusName="shop")["Targets"]] == ["q"]
    # the same rule name on the default bus is another rule
    err = _error(ev.list_targets_by_rule, Rule="r")
    assert (err["Code"], err["Message"]) == ("ResourceNotFoundException", "Rule r does not exist on EventBus default.")


def test_put_targets_on_missing_rule(server):
    account = _account()
    ev = client("events", server.url, account=account)
    err = _error(ev.put_targets, Rule="ghost", Targets=[{"Id": "q", "Arn": _queue_arn(account, "q")}])
    assert (err["Code"], err["Message"]) == ("ResourceNotFoundException", "Rule ghost does not exist on EventBus default.")


def test_five_targets_per_rule(server):
    account = _account()
    ev = client("events", server.url, account=account)
    ev.put_rule(Name="r", EventPattern=PATTERN)
    six = [{"Id": f"t{i}", "Arn": _queue_arn(account, f"q{i}")} for i in range(6)]
    err = _error(ev.put_targets, Rule="r", Targets=six)
    assert (err["Code"], err["Status"]) == ("LimitExceededException", 400)
    assert err["Message"] == "The requested resource exceeds the maximum number allowed."
    assert ev.list_targets_by_rule(Rule="r")["Targets"] == []  # nothing of the call was kept

    ev.put_targets(Rule="r", Targets=six[:5])
    ev.put_targets(Rule="r", Targets=[{"Id": "t0", "Arn": _queue_arn(account, "other")}])  # a replacement is no sixth
    err = _error(ev.put_targets, Rule="r", Targets=[six[5]])
    assert err["Code"] == "LimitExceededException"
    assert [t["Id"] for t in ev.list_targets_by_rule(Rule="r")["Targets"]] == [f"t{i}" for i in range(5)]


@pytest.mark.parametrize("extra", [
    {"Input": "{}", "InputPath": "$.detail"},
    {"Input": "{}", "InputTransformer": {"InputTemplate": "\"x\""}},
    {"InputPath": "$.detail", "InputTransformer": {"InputTemplate": "\"x\""}},
])
def test_input_input_path_and_transformer_are_exclusive(server, extra):
    account = _account()
    ev = client("events", server.url, account=account)
    ev.put_rule(Name="r", EventPattern=PATTERN)
    err = _error(ev.put_targets, Rule="r", Targets=[{"Id": "both", "Arn": _queue_arn(account, "q"), **extra}])
    assert (err["Code"], err["Status"]) == ("ValidationException", 400)
    assert err["Message"] == "Only one of Input, InputPath, or InputTransformer must be provided for target both."
    assert ev.list_targets_by_rule(Rule="r")["Targets"] == []


def test_fifo_queue_target_needs_a_message_group(server):
    account = _account()
    ev = client("events", server.url, account=account)
    ev.put_rule(Name="r", EventPattern=PATTERN)
    for extra in ({}, {"SqsParameters": {}}):
        err = _error(ev.put_targets, Rule="r", Targets=[{"Id": "f", "Arn": _queue_arn(account, "q.fifo"), **extra}])
        assert (err["Code"], err["Status"]) == ("ValidationException", 400)
        assert err["Message"] == "Parameter(s) SqsParameters must be specified for target: f."
    assert ev.list_targets_by_rule(Rule="r")["Targets"] == []


def test_dead_letter_queue_must_be_sqs(server):
    account = _account()
    ev = client("events", server.url, account=account)
    ev.put_rule(Name="r", EventPattern=PATTERN)
    err = _error(ev.put_targets, Rule="r", Targets=[{
        "Id": "t", "Arn": _queue_arn(account, "q"),
        "DeadLetterConfig": {"Arn": f"arn:aws:sns:us-east-1:{account}:topic"}}])
    assert (err["Code"], err["Status"]) == ("ValidationException", 400)
    assert "DeadLetterConfig" in err["Message"]
    assert ev.list_targets_by_rule(Rule="r")["Targets"] == []
    # a FIFO queue is refused at once, as AWS refuses it (recorded in CloudTrail)
    err = _error(ev.put_targets, Rule="r", Targets=[{
        "Id": "t", "Arn": _queue_arn(account, "q"), "DeadLetterConfig": {"Arn": _queue_arn(account, "dlq.fifo")}}])
    assert (err["Code"], err["Message"]) == ("ValidationException", "SQS FIFO is not supported by Dead Letter Queues.")
    assert ev.list_targets_by_rule(Rule="r")["Targets"] == []


def test_retry_policy_limits(server):
    account = _account()
    raw = client("events", server.url, account=account, raw=True)  # past botocore's own range checks
    raw.put_rule(Name="r", EventPattern=PATTERN)
    err = _error(raw.put_targets, Rule="r", Targets=[{
        "Id": "t", "Arn": _queue_arn(account, "q"), "RetryPolicy": {"MaximumRetryAttempts": 186}}])
    assert err["Code"] == "ValidationException"
    assert "maximumRetryAttempts" in err["Message"] and "185" in err["Message"]
    err = _error(raw.put_targets, Rule="r", Targets=[{
        "Id": "t", "Arn": _queue_arn(account, "q"), "RetryPolicy": {"MaximumEventAgeInSeconds": 59}}])
    assert err["Code"] == "ValidationException"
    assert "maximumEventAgeInSeconds" in err["Message"] and "60" in err["Message"]
    assert raw.list_targets_by_rule(Rule="r")["Targets"] == []


def test_list_rule_names_by_target(server):
    account = _account()
    ev = client("events", server.url, account=account)
    shared, other = _queue_arn(account, "shared"), _queue_arn(account, "other")
    for name in ("c", "a", "b"):
        ev.put_rule(Name=name, EventPattern=PATTERN)
        ev.put_targets(Rule=name, Targets=[{"Id": "s", "Arn": shared}])
    ev.put_rule(Name="d", EventPattern=PATTERN)
    ev.put_targets(Rule="d", Targets=[{"Id": "o", "Arn": other}])

    assert ev.list_rule_names_by_target(TargetArn=shared)["RuleNames"] == ["a", "b", "c"]
    assert ev.list_rule_names_by_target(TargetArn=other)["RuleNames"] == ["d"]
    first = ev.list_rule_names_by_target(TargetArn=shared, Limit=2)
    assert first["RuleNames"] == ["a", "b"]
    rest = ev.list_rule_names_by_target(TargetArn=shared, Limit=2, NextToken=first["NextToken"])
    assert rest["RuleNames"] == ["c"] and "NextToken" not in rest

    ev.remove_targets(Rule="b", Ids=["s"])
    assert ev.list_rule_names_by_target(TargetArn=shared)["RuleNames"] == ["a", "c"]
    assert ev.list_rule_names_by_target(TargetArn=_queue_arn(account, "nobody"))["RuleNames"] == []
