"""EventBridge across processes: a rule changed on one node applies to the next event put
on another (the per-bus rules version), and the rules-per-bus quota is a server setting."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

import pytest
from botocore.exceptions import ClientError

from _clients import client
from _server import ServerProcess

ACCOUNT = "123412341234"


def _queue(sqs, name: str) -> tuple[str, str]:
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    return url, arn


def _bodies(sqs, url: str) -> list[dict]:
    out = []
    while True:
        got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1).get("Messages", [])
        if not got:
            return out
        out.extend(json.loads(m["Body"]) for m in got)
        sqs.delete_message_batch(QueueUrl=url, Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]}
                                                        for i, m in enumerate(got)])


def _put(events, source: str) -> str:
    out = events.put_events(Entries=[{"Source": source, "DetailType": "t", "Detail": "{}", "EventBusName": "orders"}])
    assert out["FailedEntryCount"] == 0
    return out["Entries"][0]["EventId"]


@pytest.fixture
def two_nodes(fresh_postgres_url, tmp_path):
    # several nodes share a store on PostgreSQL; a SQLite file serves one (tests/test_serve.py)
    nodes = [ServerProcess(fresh_postgres_url, log_path=tmp_path / f"node{i}.log") for i in range(2)]
    with ThreadPoolExecutor(2) as pool:
        list(pool.map(lambda n: n.start(), nodes))
    yield nodes
    for node in nodes:
        node.stop()


def test_a_rule_change_on_one_node_applies_at_once_on_another(two_nodes):
    a_events, b_events = (client("events", n.url, account=ACCOUNT) for n in two_nodes)
    sqs = client("sqs", two_nodes[0].url, account=ACCOUNT)
    url, arn = _queue(sqs, "routed")
    a_events.create_event_bus(Name="orders")
    a_events.put_rule(Name="r", EventBusName="orders", EventPattern=json.dumps({"source": ["one"]}))
    a_events.put_targets(Rule="r", EventBusName="orders", Targets=[{"Id": "q", "Arn": arn}])
    # node B compiles the bus's rules now ...
    first = _put(b_events, "one")
    assert [e["id"] for e in _bodies(sqs, url)] == [first]
    # ... and must see each later change on A with the very next event
    a_events.put_rule(Name="r", EventBusName="orders", EventPattern=json.dumps({"source": ["two"]}))
    _put(b_events, "one")
    second = _put(b_events, "two")
    assert [e["id"] for e in _bodies(sqs, url)] == [second]
    a_events.disable_rule(Name="r", EventBusName="orders")
    _put(b_events, "two")
    assert _bodies(sqs, url) == []
    a_events.enable_rule(Name="r", EventBusName="orders")
    a_events.remove_targets(Rule="r", EventBusName="orders", Ids=["q"])
    _put(b_events, "two")
    assert _bodies(sqs, url) == []


def test_the_rules_per_bus_quota_is_a_setting(make_server):
    server = make_server(extra_args=["--rules-per-bus", "2"])
    events = client("events", server.url, account="432143214321")
    for name in ("a", "b"):
        events.put_rule(Name=name, EventPattern=json.dumps({"source": [name]}))
    with pytest.raises(ClientError) as err:
        events.put_rule(Name="c", EventPattern=json.dumps({"source": ["c"]}))
    assert err.value.response["Error"]["Code"] == "LimitExceededException"
    # updating a rule that exists is not a new rule
    events.put_rule(Name="b", EventPattern=json.dumps({"source": ["bb"]}), State="DISABLED")
    assert [r["Name"] for r in events.list_rules()["Rules"]] == ["a", "b"]
