"""PutEvents through boto3 against a real server, on both backends: per-entry validation,
the event an SQS target receives, routing to every matched rule's every target, rule
changes applied to the very next call, FIFO order, bus-to-bus routing, dead letters and
the counters on ``/metrics``."""

from __future__ import annotations

import json
import re
import time
import uuid
from datetime import datetime, timezone
from typing import Any

import httpx
import pytest
from botocore.exceptions import ClientError
from prometheus_client.parser import text_string_to_metric_families

from _clients import client
from _waiting import PATIENCE

ENVELOPE = {"version", "id", "detail-type", "source", "account", "time", "region", "resources", "detail"}
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


@pytest.fixture(scope="module")
def server(make_server):
    # Retries after a failed invocation come within a fraction of a second, so dead
    # letters arrive while the test waits (the policy's bounds are what is tested).
    return make_server(env={"EVENTYARD_EVENTS_RETRY_BASE_MS": "100"})


def _account() -> str:
    return str(uuid.uuid4().int)[:12].rjust(12, "1")


class Yard:
    """One fresh account's EventBridge and SQS clients, with small helpers."""

    def __init__(self, server: Any) -> None:
        self.account = _account()
        self.ev = client("events", server.url, account=self.account)
        self.sqs = client("sqs", server.url, account=self.account)

    def queue(self, name: str, **attributes: str) -> tuple[str, str]:
        """(url, arn) of a new queue."""
        if name.endswith(".fifo"):
            attributes.setdefault("FifoQueue", "true")
        url = self.sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
        return url, f"arn:aws:sqs:us-east-1:{self.account}:{name}"

    def rule(self, name: str, pattern: dict[str, Any], targets: list[dict[str, Any]], bus: str = "default") -> str:
        arn = self.ev.put_rule(Name=name, EventBusName=bus, EventPattern=json.dumps(pattern))["RuleArn"]
        if targets:
            assert self.ev.put_targets(Rule=name, EventBusName=bus, Targets=targets)["FailedEntryCount"] == 0
        return arn

    def put(self, *entries: dict[str, Any]) -> list[str]:
        """PutEvents that must accept every entry; the event ids."""
        out = self.ev.put_events(Entries=list(entries))
        assert out["FailedEntryCount"] == 0, out["Entries"]
        return [e["EventId"] for e in out["Entries"]]

    def drain(self, url: str, *, expect: int | None = None, wait: float = PATIENCE,
              **receive: Any) -> list[dict[str, Any]]:
        """Receive and delete messages until ``expect`` arrived (or ``wait`` seconds
        passed), then until a receive comes back empty."""
        got: list[dict[str, Any]] = []
        deadline = time.monotonic() + wait
        while True:
            want_more = expect is not None and len(got) < expect and time.monotonic() < deadline
            batch = self.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10,
                                             WaitTimeSeconds=1 if want_more else 0, **receive).get("Messages", [])
            if not batch:
                if want_more:
                    continue
                return got
            got += batch
            self.sqs.delete_message_batch(QueueUrl=url, Entries=[
                {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(batch)])


def entry(source: str = "shop.orders", detail: dict[str, Any] | None = None, **kw: Any) -> dict[str, Any]:
    return {"Source": source, "DetailType": kw.pop("detail_type", "Order Placed"),
            "Detail": json.dumps(detail if detail is not None else {"n": 1}), **kw}


def bodies(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [json.loads(m["Body"]) for m in messages]


# -- validation -------------------------------------------------------------------
def test_at_most_ten_entries(server):
    yard = Yard(server)
    for ev in (yard.ev, client("events", server.url, account=yard.account, raw=True)):
        with pytest.raises(ClientError) as exc:
            ev.put_events(Entries=[entry() for _ in range(11)])
        err = exc.value.response["Error"]
        assert exc.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
        assert err["Code"] == "ValidationException"
        assert "'entries'" in err["Message"] and "less than or equal to 10" in err["Message"]


def test_too_many_entries_are_printed_as_aws_prints_them(server):
    """AWS's recorded answer (localstack test_put_events_exceed_limit_ten_entries): Java's
    toString of each PutEventsRequestEntry, every member in order, unset ones null."""
    ev = client("events", server.url)
    one = {"Source": "core.update-account-command", "DetailType": "core.update-account-command",
           "Detail": '{"command": "update-account"}', "EventBusName": "default"}
    with pytest.raises(ClientError) as exc:
        ev.put_events(Entries=[one] * 11)
    shown = ("PutEventsRequestEntry(time=null, source=core.update-account-command, resources=null, "
             'detailType=core.update-account-command, detail={"command": "update-account"}, eventBusName=default, '
             "traceHeader=null, kmsKeyIdentifier=null, internalMetadata=null)")
    assert exc.value.response["Error"]["Message"] == (
        f"1 validation error detected: Value '[{', '.join([shown] * 11)}]' at 'entries' failed to satisfy "
        "constraint: Member must have length less than or equal to 10")
    with pytest.raises(ClientError) as exc:
        ev.put_events(Entries=[{**one, "Resources": ["a", "b"]}] * 11)
    assert "resources=[a, b]" in exc.value.response["Error"]["Message"]


def test_per_entry_errors_and_failed_entry_count(server):
    yard = Yard(server)
    url, arn = yard.queue("all")
    yard.rule("everything", {"source": [{"prefix": ""}]}, [{"Id": "q", "Arn": arn}])
    out = yard.ev.put_events(Entries=[
        {"DetailType": "t", "Detail": "{}"},
        {"Source": "s", "Detail": "{}"},
        {"Source": "s", "DetailType": "t"},
        {"Source": "s", "DetailType": "t", "Detail": "{not json"},
        {"Source": "s", "DetailType": "t", "Detail": "[1, 2]"},
        entry(detail={"ok": True}),
    ])
    assert out["FailedEntryCount"] == 5
    results = out["Entries"]
    assert results[:5] == [
        {"ErrorCode": "InvalidArgument", "ErrorMessage": "Parameter Source is not valid. Reason: Source is a required argument."},
        {"ErrorCode": "InvalidArgument", "ErrorMessage": "Parameter DetailType is not valid. Reason: DetailType is a required argument."},
        {"ErrorCode": "InvalidArgument", "ErrorMessage": "Parameter Detail is not valid. Reason: Detail is a required argument."},
        {"ErrorCode": "MalformedDetail", "ErrorMessage": "Detail is malformed."},
        {"ErrorCode": "MalformedDetail", "ErrorMessage": "Detail is malformed."},
    ]
    assert set(results[5]) == {"EventId"} and UUID.match(results[5]["EventId"])
    # only the valid entry was routed
    delivered = bodies(yard.drain(url, expect=1))
    assert [e["id"] for e in delivered] == [results[5]["EventId"]]


def test_event_ids_are_unique(server):
    yard = Yard(server)
    ids = yard.put(*[entry(detail={"n": i}) for i in range(10)])
    assert len(set(ids)) == 10 and all(UUID.match(i) for i in ids)


# -- what a queue target receives -------------------------------------------------
def test_sqs_target_receives_the_event_json(server):
    yard = Yard(server)
    url, arn = yard.queue("orders")
    yard.rule("placed", {"source": ["shop.orders"]}, [{"Id": "q", "Arn": arn}])
    resources = ["arn:aws:s3:::bucket/key"]
    detail = {"orderId": "o-1", "items": [{"sku": "a", "qty": 2}], "total": 12.5, "gift": False, "note": None}
    before = datetime.now(timezone.utc).replace(microsecond=0)
    [event_id] = yard.put(entry(detail=detail, Resources=resources))
    after = datetime.now(timezone.utc)
    [event] = bodies(yard.drain(url, expect=1))
    assert set(event) == ENVELOPE
    assert event["version"] == "0"
    assert event["id"] == event_id
    assert event["detail-type"] == "Order Placed" and event["source"] == "shop.orders"
    assert event["account"] == yard.account and event["region"] == "us-east-1"
    assert event["resources"] == resources
    assert event["detail"] == detail
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", event["time"])
    stamped = datetime.strptime(event["time"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
    assert before <= stamped <= after

    # an entry's own Time is kept (to the second, in UTC)
    when = datetime(2024, 2, 29, 13, 14, 15, tzinfo=timezone.utc)
    yard.put(entry(Time=when))
    [event] = bodies(yard.drain(url, expect=1))
    assert event["time"] == "2024-02-29T13:14:15Z" and event["resources"] == []


def test_constant_input_replaces_the_event(server):
    yard = Yard(server)
    url, arn = yard.queue("constant")
    yard.rule("r", {"source": ["shop.orders"]}, [{"Id": "q", "Arn": arn, "Input": '{"wake": "up"}'}])
    yard.put(entry())
    assert [m["Body"] for m in yard.drain(url, expect=1)] == ['{"wake": "up"}']


def test_events_reach_every_target_of_every_matched_rule(server):
    yard = Yard(server)
    queues = {name: yard.queue(name) for name in ("a1", "a2", "b1", "c1")}
    yard.rule("all-orders", {"source": ["shop.orders"]},
              [{"Id": "1", "Arn": queues["a1"][1]}, {"Id": "2", "Arn": queues["a2"][1]}])
    yard.rule("big-orders", {"source": ["shop.orders"], "detail": {"total": [{"numeric": [">=", 100]}]}},
              [{"Id": "1", "Arn": queues["b1"][1]}])
    yard.rule("payments", {"source": ["shop.payments"]}, [{"Id": "1", "Arn": queues["c1"][1]}])

    small, big = yard.put(entry(detail={"total": 5}), entry(detail={"total": 500}))
    [other] = yard.put(entry(source="shop.inventory"))
    received = {name: sorted(e["id"] for e in bodies(yard.drain(url, expect=n)))
                for name, (url, _), n in zip(queues, queues.values(), (2, 2, 1, 0))}
    assert received == {"a1": sorted([small, big]), "a2": sorted([small, big]), "b1": [big], "c1": []}
    assert other not in {i for ids in received.values() for i in ids}


def test_custom_bus_events_match_only_that_bus_rules(server):
    yard = Yard(server)
    yard.ev.create_event_bus(Name="shop")
    on_default, default_arn = yard.queue("on-default")
    on_shop, shop_arn = yard.queue("on-shop")
    yard.rule("r", {"source": ["shop.orders"]}, [{"Id": "q", "Arn": default_arn}])
    yard.rule("r", {"source": ["shop.orders"]}, [{"Id": "q", "Arn": shop_arn}], bus="shop")
    [to_shop] = yard.put(entry(EventBusName="shop"))
    [to_shop_by_arn] = yard.put(entry(EventBusName=f"arn:aws:events:us-east-1:{yard.account}:event-bus/shop"))
    [to_default] = yard.put(entry())
    assert sorted(e["id"] for e in bodies(yard.drain(on_shop, expect=2))) == sorted([to_shop, to_shop_by_arn])
    assert [e["id"] for e in bodies(yard.drain(on_default, expect=1))] == [to_default]


def test_disabled_rules_do_not_match(server):
    yard = Yard(server)
    url, arn = yard.queue("q")
    yard.rule("r", {"source": ["shop.orders"]}, [{"Id": "q", "Arn": arn}])
    yard.ev.disable_rule(Name="r")
    yard.put(entry(detail={"phase": "disabled"}))
    yard.ev.enable_rule(Name="r")
    yard.put(entry(detail={"phase": "enabled"}))
    assert [e["detail"]["phase"] for e in bodies(yard.drain(url, expect=1))] == ["enabled"]


def test_a_rule_change_applies_to_the_very_next_put_events(server):
    yard = Yard(server)
    url, arn = yard.queue("q")
    other_url, other_arn = yard.queue("other")
    yard.rule("r", {"source": ["shop.orders"]}, [{"Id": "q", "Arn": arn}])
    yard.put(entry(detail={"step": 1}))  # matches, and warms the bus's compiled rules

    yard.ev.put_rule(Name="r", EventPattern=json.dumps({"source": ["shop.payments"]}))
    yard.put(entry(detail={"step": 2}), entry(source="shop.payments", detail={"step": 3}))

    yard.ev.put_targets(Rule="r", Targets=[{"Id": "q", "Arn": other_arn}])  # target replaced
    yard.put(entry(source="shop.payments", detail={"step": 4}))

    yard.ev.remove_targets(Rule="r", Ids=["q"])
    yard.put(entry(source="shop.payments", detail={"step": 5}))

    assert sorted(e["detail"]["step"] for e in bodies(yard.drain(url, expect=2))) == [1, 3]
    assert [e["detail"]["step"] for e in bodies(yard.drain(other_url, expect=1))] == [4]


def test_a_bus_made_again_under_its_old_name_routes_by_its_own_rules(server):
    yard = Yard(server)
    old_url, old_arn = yard.queue("old")
    new_url, new_arn = yard.queue("new")
    yard.ev.create_event_bus(Name="b")
    yard.rule("r", {"source": ["shop.orders"]}, [{"Id": "q", "Arn": old_arn}], bus="b")
    yard.put(entry(detail={"step": 1}, EventBusName="b"))  # warms the bus's compiled rules
    yard.ev.remove_targets(Rule="r", EventBusName="b", Ids=["q"])
    yard.ev.delete_rule(Name="r", EventBusName="b")
    yard.ev.delete_event_bus(Name="b")

    # the same number of rule changes as before, on a new bus of the same name
    yard.ev.create_event_bus(Name="b")
    yard.rule("r", {"source": ["shop.orders"]}, [{"Id": "q", "Arn": new_arn}], bus="b")
    yard.put(entry(detail={"step": 2}, EventBusName="b"))

    assert [e["detail"]["step"] for e in bodies(yard.drain(old_url, expect=1))] == [1]
    assert [e["detail"]["step"] for e in bodies(yard.drain(new_url, expect=1))] == [2]


def test_fifo_queue_target_keeps_order(server):
    yard = Yard(server)
    url, arn = yard.queue("ordered.fifo", ContentBasedDeduplication="true")
    yard.rule("r", {"source": ["shop.orders"]},
              [{"Id": "f", "Arn": arn, "SqsParameters": {"MessageGroupId": "orders"}}])
    sent = []
    for batch in range(4):
        sent += yard.put(*[entry(detail={"seq": batch * 10 + k}) for k in range(10)])
    messages = yard.drain(url, expect=40, AttributeNames=["MessageGroupId"])
    events = bodies(messages)
    assert [e["detail"]["seq"] for e in events] == list(range(40))
    assert [e["id"] for e in events] == sent
    assert {m["Attributes"]["MessageGroupId"] for m in messages} == {"orders"}


def test_fifo_queue_target_without_content_based_deduplication_fails_the_delivery(server):
    """EventBridge sends no MessageDeduplicationId, so on AWS such a queue refuses the event:
    the delivery fails and goes to the target's dead-letter queue."""
    yard = Yard(server)
    url, arn = yard.queue("no-dedup.fifo")
    dlq_url, dlq_arn = yard.queue("no-dedup-dlq")
    rule_arn = yard.rule("r", {"source": ["shop.orders"]}, [{
        "Id": "f", "Arn": arn, "SqsParameters": {"MessageGroupId": "orders"}, "DeadLetterConfig": {"Arn": dlq_arn},
        "RetryPolicy": {"MaximumRetryAttempts": 0, "MaximumEventAgeInSeconds": 60}}])
    [event_id] = yard.put(entry(detail={"orderId": "o-1"}))
    [message] = yard.drain(dlq_url, expect=1, wait=20, MessageAttributeNames=["All"])
    assert json.loads(message["Body"])["id"] == event_id
    attributes = {k: v["StringValue"] for k, v in message["MessageAttributes"].items()}
    assert attributes["RULE_ARN"] == rule_arn and attributes["TARGET_ARN"] == arn
    assert "ContentBasedDeduplication" in attributes["ERROR_MESSAGE"]
    assert yard.drain(url) == []


def test_bus_target_routes_through_that_bus_rules(server):
    yard = Yard(server)
    yard.ev.create_event_bus(Name="audit")
    audit_arn = f"arn:aws:events:us-east-1:{yard.account}:event-bus/audit"
    url, arn = yard.queue("audited")
    untouched, untouched_arn = yard.queue("audit-other")
    yard.rule("forward", {"source": ["shop.orders"]},
              [{"Id": "bus", "Arn": audit_arn, "RoleArn": f"arn:aws:iam::{yard.account}:role/forward"}])
    yard.rule("keep-big", {"detail": {"total": [{"numeric": [">", 100]}]}}, [{"Id": "q", "Arn": arn}], bus="audit")
    yard.rule("payments", {"source": ["shop.payments"]}, [{"Id": "q", "Arn": untouched_arn}], bus="audit")

    yard.put(entry(detail={"total": 500, "orderId": "big"}), entry(detail={"total": 1, "orderId": "small"}))
    events = bodies(yard.drain(url, expect=1))
    assert [e["detail"]["orderId"] for e in events] == ["big"]
    assert events[0]["source"] == "shop.orders" and events[0]["detail-type"] == "Order Placed"
    assert events[0]["account"] == yard.account
    assert yard.drain(untouched) == []


# -- dead letters -----------------------------------------------------------------
def test_missing_queue_target_ends_in_its_dead_letter_queue(server):
    yard = Yard(server)
    dlq_url, dlq_arn = yard.queue("dlq")
    missing = f"arn:aws:sqs:us-east-1:{yard.account}:never-created"
    rule_arn = yard.rule("r", {"source": ["shop.orders"]}, [{
        "Id": "gone", "Arn": missing, "DeadLetterConfig": {"Arn": dlq_arn},
        "RetryPolicy": {"MaximumRetryAttempts": 1, "MaximumEventAgeInSeconds": 60}}])
    [event_id] = yard.put(entry(detail={"orderId": "lost"}))

    [message] = yard.drain(dlq_url, expect=1, MessageAttributeNames=["All"])
    event = json.loads(message["Body"])
    assert set(event) == ENVELOPE and event["id"] == event_id and event["detail"] == {"orderId": "lost"}
    attributes = {k: v["StringValue"] for k, v in message["MessageAttributes"].items()}
    assert {k: v["DataType"] for k, v in message["MessageAttributes"].items()} == dict.fromkeys(attributes, "String")
    assert attributes["RULE_ARN"] == rule_arn
    assert attributes["TARGET_ARN"] == missing
    assert attributes["ERROR_CODE"] and attributes["ERROR_MESSAGE"]
    # never more retries than the policy allows (AWS does not retry a missing target at all)
    assert attributes["RETRY_ATTEMPTS"] in ("0", "1")
    assert set(attributes) <= {"RULE_ARN", "TARGET_ARN", "ERROR_CODE", "ERROR_MESSAGE", "EXHAUSTED_RETRY_CONDITION",
                               "RETRY_ATTEMPTS"}
    assert attributes.get("EXHAUSTED_RETRY_CONDITION", "MaximumRetryAttempts") == "MaximumRetryAttempts"

    metrics = _metrics(server)
    assert metrics[("eventyard_events_failed_invocations_total", rule_arn)] == 1
    assert metrics[("eventyard_events_dead_letter_invocations_total", rule_arn)] == 1
    assert ("eventyard_events_invocations_total", rule_arn) not in metrics


# -- metrics ----------------------------------------------------------------------
def _metrics(server: Any) -> dict[tuple[str, str], float]:
    """``/metrics`` samples by (name, rule or bus label)."""
    text = httpx.get(f"{server.url}/metrics", timeout=10).text
    out: dict[tuple[str, str], float] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            label = sample.labels.get("rule") or sample.labels.get("bus")
            if label is not None:
                out[(sample.name, label)] = sample.value
    return out


def test_metrics_count_matches_triggers_and_invocations(server):
    yard = Yard(server)
    (u1, a1), (u2, a2), (u3, a3) = yard.queue("m1"), yard.queue("m2"), yard.queue("m3")
    wide = yard.rule("wide", {"source": ["shop.orders"]}, [{"Id": "1", "Arn": a1}, {"Id": "2", "Arn": a2}])
    narrow = yard.rule("narrow", {"detail": {"big": [True]}}, [{"Id": "1", "Arn": a3}])
    idle = yard.rule("idle", {"source": ["nobody"]}, [{"Id": "1", "Arn": a3}])
    yard.put(entry(detail={"big": True}), entry(detail={"big": True}), entry(detail={"big": False}),
             entry(source="shop.unmatched"))
    for url, n in ((u1, 3), (u2, 3), (u3, 2)):
        assert len(yard.drain(url, expect=n)) == n

    metrics = _metrics(server)
    bus = f"arn:aws:events:us-east-1:{yard.account}:event-bus/default"
    assert metrics[("eventyard_events_matched_events_total", bus)] == 3
    assert metrics[("eventyard_events_triggered_rules_total", wide)] == 3
    assert metrics[("eventyard_events_triggered_rules_total", narrow)] == 2
    assert ("eventyard_events_triggered_rules_total", idle) not in metrics
    assert metrics[("eventyard_events_invocations_total", wide)] == 6
    assert metrics[("eventyard_events_invocations_total", narrow)] == 2
    assert ("eventyard_events_failed_invocations_total", wide) not in metrics
    assert metrics[("eventyard_events_ingestion_to_invocation_seconds_count", bus)] == 8
