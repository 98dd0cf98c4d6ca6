"""EventBridge archives through boto3 against a real server, on both backends; the
retention sweep against the store."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from types import SimpleNamespace

import pytest
from botocore.exceptions import ClientError

from _clients import client
from eventyard.services.events.archives import DAY_MS, ArchiveOperations
from eventyard.store.event_archives import ArchiveRecord


def _account() -> str:
    return str(uuid.uuid4().int)[:12].rjust(12, "1")


def _error(exc: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    err = exc.value.response["Error"]
    return err["Code"], err["Message"]


def _put(ev, bus: str, source: str, n: int = 1, detail: dict | None = None) -> None:
    entries = [{"Source": source, "DetailType": "t", "Detail": json.dumps(detail or {"n": i}), "EventBusName": bus}
               for i in range(n)]
    out = ev.put_events(Entries=entries)
    assert out["FailedEntryCount"] == 0


@pytest.fixture
def ev(server):
    return client("events", server.url, account=_account())


def _bus_arn(ev, name: str = "default") -> str:
    return ev.describe_event_bus(Name=name)["Arn"]


def test_create_describe_list_update_delete(ev):
    ev.create_event_bus(Name="orders")
    bus = _bus_arn(ev, "orders")
    account = bus.split(":")[4]
    before = time.time()
    created = ev.create_archive(ArchiveName="orders-archive", EventSourceArn=bus, Description="all orders",
                                EventPattern='{"source": ["shop"]}', RetentionDays=7)
    after = time.time()
    arn = f"arn:aws:events:us-east-1:{account}:archive/orders-archive"
    assert created["ArchiveArn"] == arn
    assert created["State"] == "ENABLED"
    assert before - 1 <= created["CreationTime"].timestamp() <= after + 1  # (to the second, maybe)
    described = ev.describe_archive(ArchiveName="orders-archive")
    assert described["ArchiveArn"] == arn and described["ArchiveName"] == "orders-archive"
    assert described["EventSourceArn"] == bus
    assert described["Description"] == "all orders"
    assert json.loads(described["EventPattern"]) == {"source": ["shop"]}
    assert described["State"] == "ENABLED"
    assert described["RetentionDays"] == 7
    assert described["EventCount"] == 0 and described["SizeBytes"] == 0
    assert described["CreationTime"] == created["CreationTime"]
    listed = ev.list_archives()["Archives"]
    assert [a["ArchiveName"] for a in listed] == ["orders-archive"]
    assert listed[0]["EventSourceArn"] == bus and listed[0]["State"] == "ENABLED"
    assert listed[0]["RetentionDays"] == 7 and listed[0]["EventCount"] == 0
    assert "ArchiveArn" not in listed[0] and "EventPattern" not in listed[0]

    updated = ev.update_archive(ArchiveName="orders-archive", RetentionDays=0, EventPattern='{"source": ["other"]}')
    assert updated["ArchiveArn"] == arn and updated["State"] == "ENABLED"
    described = ev.describe_archive(ArchiveName="orders-archive")
    assert described["RetentionDays"] == 0
    assert described["Description"] == "all orders"  # left out: unchanged
    assert json.loads(described["EventPattern"]) == {"source": ["other"]}

    ev.delete_archive(ArchiveName="orders-archive")
    with pytest.raises(ClientError) as exc:
        ev.describe_archive(ArchiveName="orders-archive")
    assert _error(exc) == ("ResourceNotFoundException", "Archive orders-archive does not exist.")
    assert ev.list_archives()["Archives"] == []
    # its managed rule went with it
    assert [r["Name"] for r in ev.list_rules(EventBusName="orders")["Rules"]] == []


def test_size_bytes_counts_as_aws_counts(ev):
    """AWS's recorded answer (localstack test_list_archive_with_events): ten events of this
    source, detail-type and detail (sent as json.dumps writes it) make 1590 bytes."""
    ev.create_event_bus(Name="sized")
    ev.create_archive(ArchiveName="sized", EventSourceArn=_bus_arn(ev, "sized"), RetentionDays=1)
    detail = json.dumps({"command": "update-account", "payload": {"acc_id": "0a787ecb-4015", "sf_id": "baz"}})
    entries = [{"Source": "core.update-account-command", "DetailType": "core.update-account-command",
                "Detail": detail, "EventBusName": "sized"}] * 10
    assert ev.put_events(Entries=entries)["FailedEntryCount"] == 0
    described = ev.describe_archive(ArchiveName="sized")
    assert (described["EventCount"], described["SizeBytes"]) == (10, 1590)


def test_accepted_events_matching_the_pattern_are_archived(ev):
    bus = _bus_arn(ev)
    ev.create_archive(ArchiveName="shop", EventSourceArn=bus, EventPattern='{"source": ["shop"]}')
    ev.create_archive(ArchiveName="everything", EventSourceArn=bus)
    _put(ev, "default", "shop", 3)
    _put(ev, "default", "elsewhere", 2)
    shop = ev.describe_archive(ArchiveName="shop")
    everything = ev.describe_archive(ArchiveName="everything")
    assert shop["EventCount"] == 3
    assert everything["EventCount"] == 5
    assert 0 < shop["SizeBytes"] < everything["SizeBytes"]
    listed = {a["ArchiveName"]: a for a in ev.list_archives()["Archives"]}
    assert listed["shop"]["EventCount"] == 3 and listed["everything"]["SizeBytes"] == everything["SizeBytes"]
    # after an update of the pattern, only what the new pattern matches is added
    ev.update_archive(ArchiveName="shop", EventPattern='{"source": ["elsewhere"]}')
    _put(ev, "default", "shop", 1)
    _put(ev, "default", "elsewhere", 1)
    assert ev.describe_archive(ArchiveName="shop")["EventCount"] == 4


def test_archive_is_fed_by_a_managed_rule(ev):
    bus = _bus_arn(ev)
    ev.create_archive(ArchiveName="a1", EventSourceArn=bus, EventPattern='{"source": ["shop"]}')
    rules = ev.list_rules()["Rules"]
    assert [r["Name"] for r in rules] == ["Events-Archive-a1"]
    rule = ev.describe_rule(Name="Events-Archive-a1")
    assert rule["ManagedBy"] == "prod.vhs.events.aws.internal"
    assert rule["State"] == "ENABLED"
    assert json.loads(rule["EventPattern"]) == {"source": ["shop"], "replay-name": [{"exists": False}]}
    with pytest.raises(ClientError) as exc:
        ev.delete_rule(Name="Events-Archive-a1")
    assert _error(exc)[0] == "ManagedRuleException"
    # its target, as EventBridge shows it: the service itself, with the archive in the input
    [target] = ev.list_targets_by_rule(Rule="Events-Archive-a1")["Targets"]
    assert target["Id"] == "Events-Archive-a1"
    assert target["Arn"] == "arn:aws:events:us-east-1:::"
    template = target["InputTransformer"]["InputTemplate"]
    assert f'"archive-arn": "{bus.replace("event-bus/default", "archive/a1")}:' in template
    assert "<aws.events.event.json>" in template and target["InputTransformer"]["InputPathsMap"] == {}
    # replayed events are not archived again
    assert ev.test_event_pattern(EventPattern=rule["EventPattern"], Event=json.dumps({
        "id": "1", "account": "1", "source": "shop", "time": "2024-01-01T00:00:00Z", "region": "us-east-1",
        "detail-type": "t", "detail": {}, "replay-name": "r"}))["Result"] is False


def test_archive_survives_its_bus(ev):
    ev.create_event_bus(Name="short-lived")
    bus = _bus_arn(ev, "short-lived")
    ev.create_archive(ArchiveName="kept", EventSourceArn=bus)
    _put(ev, "short-lived", "shop", 2)
    ev.delete_event_bus(Name="short-lived")
    described = ev.describe_archive(ArchiveName="kept")
    assert described["EventSourceArn"] == bus and described["EventCount"] == 2
    assert [a["ArchiveName"] for a in ev.list_archives(NamePrefix="kept")["Archives"]] == ["kept"]
    # a new bus of that name does not feed the old archive (its managed rule went with the bus)
    ev.create_event_bus(Name="short-lived")
    _put(ev, "short-lived", "shop", 1)
    assert ev.describe_archive(ArchiveName="kept")["EventCount"] == 2
    ev.delete_archive(ArchiveName="kept")


def test_create_errors_change_nothing(ev):
    bus = _bus_arn(ev)
    account = bus.split(":")[4]
    cases = [
        (dict(ArchiveName="x", EventSourceArn=f"arn:aws:events:us-east-1:{account}:event-bus/missing"),
         ("ResourceNotFoundException", "Event bus missing does not exist.")),
        (dict(ArchiveName="x", EventSourceArn=bus, EventPattern='{"source": "shop"}'),
         ("InvalidEventPatternException", None)),
        (dict(ArchiveName="x", EventSourceArn=bus, EventPattern="not json"), ("InvalidEventPatternException", None)),
        (dict(ArchiveName="x" * 49, EventSourceArn=bus), ("ValidationException", None)),
        (dict(ArchiveName="bad name", EventSourceArn=bus), ("ValidationException", None)),
        (dict(ArchiveName="x", EventSourceArn=bus, RetentionDays=-1), ("ValidationException", None)),
    ]
    raw = client("events", ev.meta.endpoint_url, account=account, raw=True)
    for kwargs, (code, message) in cases:
        with pytest.raises(ClientError) as exc:
            raw.create_archive(**kwargs)
        got = _error(exc)
        assert got[0] == code, (kwargs, got)
        assert exc.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
        if message is not None:
            assert got[1] == message
    assert ev.list_archives()["Archives"] == []
    assert ev.list_rules()["Rules"] == []
    ev.create_archive(ArchiveName="dup", EventSourceArn=bus)
    with pytest.raises(ClientError) as exc:
        ev.create_archive(ArchiveName="dup", EventSourceArn=bus)
    assert _error(exc) == ("ResourceAlreadyExistsException", "Archive dup already exists.")
    assert [r["Name"] for r in ev.list_rules()["Rules"]] == ["Events-Archive-dup"]
    # a rule of the managed rule's name is in the way
    ev.put_rule(Name="Events-Archive-taken", EventPattern='{"source": ["x"]}')
    with pytest.raises(ClientError) as exc:
        ev.create_archive(ArchiveName="taken", EventSourceArn=bus)
    assert _error(exc) == ("ResourceAlreadyExistsException", "Rule Events-Archive-taken already exists.")
    assert [a["ArchiveName"] for a in ev.list_archives()["Archives"]] == ["dup"]


def test_update_and_delete_errors(ev):
    for call in (lambda: ev.update_archive(ArchiveName="nope", RetentionDays=1),
                 lambda: ev.delete_archive(ArchiveName="nope")):
        with pytest.raises(ClientError) as exc:
            call()
        assert _error(exc) == ("ResourceNotFoundException", "Archive nope does not exist.")
    ev.create_archive(ArchiveName="p", EventSourceArn=_bus_arn(ev), EventPattern='{"source": ["a"]}')
    with pytest.raises(ClientError) as exc:
        ev.update_archive(ArchiveName="p", EventPattern='{"source": [{"prefix": 1}]}')
    assert _error(exc)[0] == "InvalidEventPatternException"
    assert json.loads(ev.describe_archive(ArchiveName="p")["EventPattern"]) == {"source": ["a"]}


def test_list_filters_and_pages(ev):
    ev.create_event_bus(Name="other")
    default, other = _bus_arn(ev), _bus_arn(ev, "other")
    for name in ("a-1", "a-2", "a-3", "b-1"):
        ev.create_archive(ArchiveName=name, EventSourceArn=default)
    ev.create_archive(ArchiveName="c-1", EventSourceArn=other)
    names = lambda out: [a["ArchiveName"] for a in out["Archives"]]  # noqa: E731
    assert names(ev.list_archives(NamePrefix="a-")) == ["a-1", "a-2", "a-3"]
    assert names(ev.list_archives(EventSourceArn=other)) == ["c-1"]
    assert names(ev.list_archives(State="ENABLED")) == ["a-1", "a-2", "a-3", "b-1", "c-1"]
    assert names(ev.list_archives(State="DISABLED")) == []
    first = ev.list_archives(Limit=2)
    assert names(first) == ["a-1", "a-2"] and "NextToken" in first
    second = ev.list_archives(Limit=2, NextToken=first["NextToken"])
    assert names(second) == ["a-3", "b-1"]
    third = ev.list_archives(Limit=2, NextToken=second["NextToken"])
    assert names(third) == ["c-1"] and "NextToken" not in third
    with pytest.raises(ClientError) as exc:
        ev.list_archives(NamePrefix="a", State="ENABLED")
    assert _error(exc) == ("ValidationException",
                           "At most one filter is allowed for ListArchives. Use either : State, EventSourceArn, or NamePrefix.")
    account = default.split(":")[4]
    with pytest.raises(ClientError) as exc:
        ev.list_archives(EventSourceArn=f"arn:aws:events:us-east-1:{account}:event-bus/missing")
    assert _error(exc) == ("ResourceNotFoundException", "Event bus missing does not exist.")


def test_archives_are_not_taggable(ev):
    arn = ev.create_archive(ArchiveName="t", EventSourceArn=_bus_arn(ev))["ArchiveArn"]
    with pytest.raises(ClientError) as exc:
        ev.tag_resource(ResourceARN=arn, Tags=[{"Key": "k", "Value": "v"}])
    assert _error(exc)[0] in ("ResourceNotFoundException", "ValidationException")


# -- retention (store, both backends) -------------------------------------------------
def test_sweep_drops_events_past_retention_only(store):
    now = int(time.time() * 1000)

    def archive(name: str, days: int) -> ArchiveRecord:
        return ArchiveRecord("000000000000", "us-east-1", name, f"arn:aws:events:us-east-1:000000000000:archive/{name}",
                             "arn:aws:events:us-east-1:000000000000:event-bus/default", None, None, days, None,
                             "ENABLED", None, time.time())

    week, forever = archive("week", 7), archive("forever", 0)

    def seed(s):
        s.event_archives.insert(week)
        s.event_archives.insert(forever)
        rows = []
        for a in (week, forever):
            rows += [(a.arn, now - 8 * DAY_MS, now, {"n": "old"}), (a.arn, now - 6 * DAY_MS, now, {"n": "recent"}),
                     (a.arn, now, now, {"n": "new"})]
        s.event_archives.add_events(rows)

    store.write_sync(seed)
    dropped = asyncio.run(ArchiveOperations.sweep_archives(SimpleNamespace(store=store)))  # type: ignore[arg-type]
    assert dropped == 1
    stats = store.read_sync(lambda s: s.event_archives.stats([week.arn, forever.arn]))
    assert stats[week.arn][0] == 2 and stats[forever.arn][0] == 3
    left = store.read_sync(lambda s: s.event_archives.events_after(week.arn, (-1, 0), start=0, end=now + 1, limit=10))
    assert [e.event["n"] for e in left] == ["recent", "new"]
