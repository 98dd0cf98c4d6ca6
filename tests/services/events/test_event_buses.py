"""EventBridge event buses through boto3 against a real server, on both backends."""

from __future__ import annotations

import json
import uuid

import pytest
from botocore.exceptions import ClientError

from _clients import client


def _events(server, **kw):
    return client("events", server.url, **kw)


def _account() -> str:
    # a fresh account per test keeps tests independent on a shared server
    return str(uuid.uuid4().int)[:12].rjust(12, "1")


def test_default_bus_exists_in_every_account_and_region(server):
    for region in ("us-east-1", "eu-west-3"):
        account = _account()
        ev = _events(server, account=account, region=region)
        bus = ev.describe_event_bus()
        assert bus["Name"] == "default"
        assert bus["Arn"] == f"arn:aws:events:{region}:{account}:event-bus/default"
        assert ev.describe_event_bus(Name="default")["Arn"] == bus["Arn"]
        assert [b["Name"] for b in ev.list_event_buses()["EventBuses"]] == ["default"]


def test_create_describe_list_delete(server):
    account = _account()
    ev = _events(server, account=account)
    created = ev.create_event_bus(Name="orders", Description="all orders",
                                  DeadLetterConfig={"Arn": f"arn:aws:sqs:us-east-1:{account}:dlq"},
                                  LogConfig={"IncludeDetail": "FULL", "Level": "INFO"})
    arn = f"arn:aws:events:us-east-1:{account}:event-bus/orders"
    assert created["EventBusArn"] == arn
    assert created["Description"] == "all orders"
    bus = ev.describe_event_bus(Name="orders")
    assert bus["Name"] == "orders" and bus["Arn"] == arn and bus["Description"] == "all orders"
    assert bus["DeadLetterConfig"] == {"Arn": f"arn:aws:sqs:us-east-1:{account}:dlq"}
    assert bus["LogConfig"] == {"IncludeDetail": "FULL", "Level": "INFO"}
    assert bus["CreationTime"] == bus["LastModifiedTime"]
    # by ARN too
    assert ev.describe_event_bus(Name=arn)["Name"] == "orders"
    names = [b["Name"] for b in ev.list_event_buses()["EventBuses"]]
    assert names == ["default", "orders"]
    ev.delete_event_bus(Name="orders")
    with pytest.raises(ClientError) as exc:
        ev.describe_event_bus(Name="orders")
    assert exc.value.response["Error"]["Code"] == "ResourceNotFoundException"
    assert exc.value.response["Error"]["Message"] == "Event bus orders does not exist."
    # deleting a missing bus succeeds, as on AWS
    ev.delete_event_bus(Name="orders")


def test_create_existing_bus_fails(server):
    ev = _events(server, account=_account())
    ev.create_event_bus(Name="dup")
    for name in ("dup", "default"):
        with pytest.raises(ClientError) as exc:
            ev.create_event_bus(Name=name)
        assert exc.value.response["Error"]["Code"] == "ResourceAlreadyExistsException"
        assert exc.value.response["Error"]["Message"] == f"Event bus {name} already exists."
        assert exc.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_update_event_bus(server):
    """UpdateEventBus (botocore's model has it; it answered 501): what is given replaces,
    the answer shows the bus's settings, DescribeEventBus shows them too."""
    account = _account()
    ev = _events(server, account=account)
    ev.create_event_bus(Name="orders", Description="first")
    dlq = f"arn:aws:sqs:us-east-1:{account}:orders-dlq"
    out = ev.update_event_bus(Name="orders", Description="second", DeadLetterConfig={"Arn": dlq})
    out.pop("ResponseMetadata")
    assert out == {"Arn": f"arn:aws:events:us-east-1:{account}:event-bus/orders", "Name": "orders",
                   "Description": "second", "DeadLetterConfig": {"Arn": dlq}}
    described = ev.describe_event_bus(Name="orders")
    assert described["Description"] == "second" and described["DeadLetterConfig"] == {"Arn": dlq}
    assert described["LastModifiedTime"] >= described["CreationTime"]
    assert ev.update_event_bus(Name="orders")["Description"] == "second"  # left out: kept
    assert ev.update_event_bus(Description="the default bus")["Name"] == "default"
    with pytest.raises(ClientError) as exc:
        ev.update_event_bus(Name="missing", Description="x")
    assert exc.value.response["Error"]["Code"] == "ResourceNotFoundException"
    assert exc.value.response["Error"]["Message"] == "Event bus missing does not exist."


def test_partner_bus_needs_its_event_source(server):
    """A partner bus is created for an existing partner event source; none exists here."""
    ev = _events(server, account=_account())
    name = "aws.partner/example.com/123/orders"
    with pytest.raises(ClientError) as exc:
        ev.create_event_bus(Name=name, EventSourceName=name)
    assert exc.value.response["Error"]["Code"] == "ResourceNotFoundException"
    assert exc.value.response["Error"]["Message"] == f"Event source {name} does not exist."
    assert [b["Name"] for b in ev.list_event_buses()["EventBuses"]] == ["default"]


def test_concurrent_creates_of_one_name_yield_one_bus(server):
    from concurrent.futures import ThreadPoolExecutor

    account = _account()

    def create(_: int) -> str:
        try:
            _events(server, account=account).create_event_bus(Name="race")
            return "created"
        except ClientError as exc:
            return exc.response["Error"]["Code"]

    with ThreadPoolExecutor(8) as pool:
        outcomes = list(pool.map(create, range(8)))
    assert outcomes.count("created") == 1
    assert set(outcomes) == {"created", "ResourceAlreadyExistsException"}


def test_default_bus_cannot_be_deleted(server):
    ev = _events(server, account=_account())
    with pytest.raises(ClientError) as exc:
        ev.delete_event_bus(Name="default")
    assert exc.value.response["Error"]["Code"] == "ValidationException"
    assert ev.describe_event_bus()["Name"] == "default"


def test_list_prefix_and_pagination(server):
    ev = _events(server, account=_account())
    names = [f"app-{i:02d}" for i in range(7)] + ["other"]
    for name in names:
        ev.create_event_bus(Name=name)
    assert [b["Name"] for b in ev.list_event_buses(NamePrefix="app-")["EventBuses"]] == names[:7]
    assert [b["Name"] for b in ev.list_event_buses(NamePrefix="zzz")["EventBuses"]] == []
    seen, token = [], None
    pages = 0
    while True:
        kwargs = {"NamePrefix": "app-", "Limit": 3}
        if token:
            kwargs["NextToken"] = token
        page = ev.list_event_buses(**kwargs)
        pages += 1
        assert len(page["EventBuses"]) <= 3
        seen += [b["Name"] for b in page["EventBuses"]]
        token = page.get("NextToken")
        if not token:
            break
    assert seen == names[:7] and pages == 3
    with pytest.raises(ClientError) as exc:
        ev.list_event_buses(NextToken="not-a-token")
    assert exc.value.response["Error"]["Code"] == "ValidationException"


def test_tags(server):
    account = _account()
    ev = _events(server, account=account)
    arn = ev.create_event_bus(Name="tagged", Tags=[{"Key": "team", "Value": "a"}])["EventBusArn"]
    assert ev.list_tags_for_resource(ResourceARN=arn)["Tags"] == [{"Key": "team", "Value": "a"}]
    ev.tag_resource(ResourceARN=arn, Tags=[{"Key": "team", "Value": "b"}, {"Key": "env", "Value": "prod"}])
    tags = {t["Key"]: t["Value"] for t in ev.list_tags_for_resource(ResourceARN=arn)["Tags"]}
    assert tags == {"team": "b", "env": "prod"}
    ev.untag_resource(ResourceARN=arn, TagKeys=["team", "absent"])
    assert ev.list_tags_for_resource(ResourceARN=arn)["Tags"] == [{"Key": "env", "Value": "prod"}]
    default_arn = ev.describe_event_bus()["Arn"]
    ev.tag_resource(ResourceARN=default_arn, Tags=[{"Key": "k", "Value": "v"}])
    assert ev.list_tags_for_resource(ResourceARN=default_arn)["Tags"] == [{"Key": "k", "Value": "v"}]
    missing = f"arn:aws:events:us-east-1:{account}:event-bus/missing"
    for call in (lambda: ev.list_tags_for_resource(ResourceARN=missing),
                 lambda: ev.tag_resource(ResourceARN=missing, Tags=[{"Key": "a", "Value": "b"}]),
                 lambda: ev.untag_resource(ResourceARN=missing, TagKeys=["a"])):
        with pytest.raises(ClientError) as exc:
            call()
        assert exc.value.response["Error"]["Code"] == "ResourceNotFoundException"
    # deleting the bus forgets its tags; a new bus of that name starts clean
    ev.delete_event_bus(Name="tagged")
    ev.create_event_bus(Name="tagged")
    assert ev.list_tags_for_resource(ResourceARN=arn)["Tags"] == []


def test_too_many_tags(server):
    ev = _events(server, account=_account())
    arn = ev.create_event_bus(Name="t", Tags=[{"Key": f"k{i}", "Value": "v"} for i in range(50)])["EventBusArn"]
    with pytest.raises(ClientError) as exc:
        ev.tag_resource(ResourceARN=arn, Tags=[{"Key": "one-more", "Value": "v"}])
    assert exc.value.response["Error"]["Code"] == "ValidationException"
    assert len(ev.list_tags_for_resource(ResourceARN=arn)["Tags"]) == 50


def test_accounts_and_regions_are_isolated(server):
    a, b = _account(), _account()
    ev_a = _events(server, account=a)
    ev_b = _events(server, account=b)
    ev_a_eu = _events(server, account=a, region="eu-central-1")
    ev_a.create_event_bus(Name="private")
    for other in (ev_b, ev_a_eu):
        assert "private" not in [x["Name"] for x in other.list_event_buses()["EventBuses"]]
        with pytest.raises(ClientError):
            other.describe_event_bus(Name="private")
    # an ARN of another account is not found, not leaked
    arn = ev_a.describe_event_bus(Name="private")["Arn"]
    with pytest.raises(ClientError) as exc:
        ev_b.describe_event_bus(Name=arn)
    assert exc.value.response["Error"]["Code"] == "ResourceNotFoundException"
    # the same name can exist in both
    ev_b.create_event_bus(Name="private")
    assert ev_b.describe_event_bus(Name="private")["Arn"].split(":")[4] == b


def test_bus_limit(server):
    ev = _events(server, account=_account())
    for i in range(99):  # plus default = 100
        ev.create_event_bus(Name=f"b{i:03d}")
    with pytest.raises(ClientError) as exc:
        ev.create_event_bus(Name="one-too-many")
    assert exc.value.response["Error"]["Code"] == "LimitExceededException"


def test_buses_survive_restart(restartable_server):
    server = restartable_server
    account = _account()
    ev = _events(server, account=account)
    ev.create_event_bus(Name="durable", Description="kept", Tags=[{"Key": "a", "Value": "1"}])
    before = ev.describe_event_bus(Name="durable")
    server.stop()
    server.start()
    ev = _events(server, account=account)
    after = ev.describe_event_bus(Name="durable")
    assert {k: v for k, v in after.items() if k != "ResponseMetadata"} == {
        k: v for k, v in before.items() if k != "ResponseMetadata"
    }
    assert ev.list_tags_for_resource(ResourceARN=after["Arn"])["Tags"] == [{"Key": "a", "Value": "1"}]


def test_a_bus_with_rules_cannot_be_deleted(server):
    account = str(uuid.uuid4().int)[:12].rjust(12, "1")
    ev = client("events", server.url, account=account)
    ev.create_event_bus(Name="busy")
    ev.put_rule(Name="r", EventBusName="busy", EventPattern=json.dumps({"source": ["x"]}))
    with pytest.raises(ClientError) as exc:
        ev.delete_event_bus(Name="busy")
    assert exc.value.response["Error"]["Code"] == "ValidationException"
    assert exc.value.response["Error"]["Message"] == "EventBus can't be deleted since it has rules."
    assert ev.describe_event_bus(Name="busy")["Name"] == "busy"  # nothing changed
    assert [r["Name"] for r in ev.list_rules(EventBusName="busy")["Rules"]] == ["r"]
    ev.delete_rule(Name="r", EventBusName="busy")
    ev.delete_event_bus(Name="busy")
    assert "busy" not in [b["Name"] for b in ev.list_event_buses()["EventBuses"]]
