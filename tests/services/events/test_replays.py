"""EventBridge replays through boto3 against a real server, on both backends: events go
back to the bus's rules (or the chosen ones) with ``replay-name``, in durable steps that
survive a kill -9 of the server."""

from __future__ import annotations

import json
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import httpx
import pytest
from botocore.exceptions import ClientError

from _clients import client
from _server import ServerProcess

# small steps, so that a replay spans many transactions and can be cancelled or killed mid-way
REPLAY_ENV = {
    "EVENTYARD_EVENTS_REPLAY_BATCH": "2",
    "EVENTYARD_EVENTS_REPLAY_TICK_SECONDS": "0.2",
    "EVENTYARD_EVENTS_REPLAY_BATCHES_PER_TICK": "1",
}


def _account() -> str:
    return str(uuid.uuid4().int)[:12].rjust(12, "1")


def _error(exc: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    err = exc.value.response["Error"]
    return err["Code"], err["Message"]


@pytest.fixture(scope="module")
def replay_server(make_server: Any) -> Any:
    return make_server(env=REPLAY_ENV)


class Setup:
    """An account with a bus, an archive of it, and rules sending to queues."""

    def __init__(self, url: str, account: str | None = None, bus: str = "orders") -> None:
        self.account = account or _account()
        self.ev = client("events", url, account=self.account)
        self.sqs = client("sqs", url, account=self.account)
        self.bus = bus
        self.bus_arn = self.ev.create_event_bus(Name=bus)["EventBusArn"]
        self.archive_arn = self.ev.create_archive(ArchiveName=f"{bus}-archive", EventSourceArn=self.bus_arn)["ArchiveArn"]
        self.queues: dict[str, str] = {}

    def rule_to_queue(self, rule: str, pattern: dict[str, Any]) -> str:
        url = self.sqs.create_queue(QueueName=rule)["QueueUrl"]
        self.queues[rule] = url
        arn = self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        rule_arn = self.ev.put_rule(Name=rule, EventBusName=self.bus, EventPattern=json.dumps(pattern))["RuleArn"]
        self.ev.put_targets(Rule=rule, EventBusName=self.bus, Targets=[{"Id": "q", "Arn": arn}])
        return rule_arn

    def put(self, n: int, source: str = "shop") -> list[str]:
        ids = []
        for start in range(0, n, 10):
            entries = [{"Source": source, "DetailType": "order", "Detail": json.dumps({"n": i}), "EventBusName": self.bus}
                       for i in range(start, min(n, start + 10))]
            out = self.ev.put_events(Entries=entries)
            assert out["FailedEntryCount"] == 0
            ids += [e["EventId"] for e in out["Entries"]]
        return ids

    def drain(self, rule: str, expected: int, timeout: float = 60.0) -> list[dict[str, Any]]:
        """Receive and delete messages until ``expected`` arrived (or the timeout)."""
        got: list[dict[str, Any]] = []
        deadline = time.monotonic() + timeout
        while len(got) < expected and time.monotonic() < deadline:
            out = self.sqs.receive_message(QueueUrl=self.queues[rule], MaxNumberOfMessages=10, WaitTimeSeconds=1)
            for m in out.get("Messages", []):
                got.append(json.loads(m["Body"]))
                self.sqs.delete_message(QueueUrl=self.queues[rule], ReceiptHandle=m["ReceiptHandle"])
        return got

    def nothing_more(self, rule: str) -> bool:
        out = self.sqs.receive_message(QueueUrl=self.queues[rule], MaxNumberOfMessages=10, WaitTimeSeconds=1)
        return not out.get("Messages")

    def wait_state(self, name: str, states: set[str], timeout: float = 60.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            replay = self.ev.describe_replay(ReplayName=name)
            if replay["State"] in states or time.monotonic() > deadline:
                return replay
            time.sleep(0.1)


def _window() -> tuple[datetime, datetime]:
    now = datetime.now(timezone.utc)
    return now - timedelta(minutes=5), now + timedelta(minutes=5)


def test_replay_goes_to_the_bus_rules_with_replay_name(replay_server):
    st = Setup(replay_server.url)
    st.rule_to_queue("all-orders", {"source": ["shop"]})
    st.rule_to_queue("live-only", {"source": ["shop"], "replay-name": [{"exists": False}]})
    st.rule_to_queue("replays-only", {"replay-name": [{"exists": True}]})
    ids = st.put(5)
    assert sorted(e["id"] for e in st.drain("all-orders", 5)) == sorted(ids)
    assert len(st.drain("live-only", 5)) == 5
    assert st.ev.describe_archive(ArchiveName="orders-archive")["EventCount"] == 5

    start, end = _window()
    started = st.ev.start_replay(ReplayName="again", Description="once more", EventSourceArn=st.archive_arn,
                                 EventStartTime=start, EventEndTime=end, Destination={"Arn": st.bus_arn})
    assert started["ReplayArn"] == f"arn:aws:events:us-east-1:{st.account}:replay/again"
    assert started["State"] == "STARTING"
    replay = st.wait_state("again", {"COMPLETED", "FAILED", "CANCELLED"})
    assert replay["State"] == "COMPLETED"
    assert replay["ReplayName"] == "again" and replay["Description"] == "once more"
    assert replay["EventSourceArn"] == st.archive_arn
    assert replay["Destination"] == {"Arn": st.bus_arn}
    assert replay["EventStartTime"] == start.replace(microsecond=0)  # to the second
    assert replay["EventEndTime"] == end.replace(microsecond=0)
    assert replay["ReplayStartTime"] == started["ReplayStartTime"]
    assert replay["ReplayEndTime"] >= replay["ReplayStartTime"]
    assert start <= replay["EventLastReplayedTime"] <= end

    replayed = st.drain("all-orders", 5)
    assert sorted(e["id"] for e in replayed) == sorted(ids)  # the same events, same ids
    assert {e["replay-name"] for e in replayed} == {"again"}
    assert {e["source"] for e in replayed} == {"shop"} and sorted(e["detail"]["n"] for e in replayed) == list(range(5))
    assert len(st.drain("replays-only", 5)) == 5
    assert st.nothing_more("live-only")
    # replayed events are not archived again
    assert st.ev.describe_archive(ArchiveName="orders-archive")["EventCount"] == 5


def test_filter_arns_limit_the_rules(replay_server):
    st = Setup(replay_server.url)
    chosen = st.rule_to_queue("chosen", {"source": ["shop"]})
    st.rule_to_queue("left-out", {"source": ["shop"]})
    st.put(3)
    st.drain("chosen", 3)
    st.drain("left-out", 3)
    start, end = _window()
    st.ev.start_replay(ReplayName="filtered", EventSourceArn=st.archive_arn, EventStartTime=start, EventEndTime=end,
                       Destination={"Arn": st.bus_arn, "FilterArns": [chosen]})
    assert st.wait_state("filtered", {"COMPLETED", "FAILED"})["State"] == "COMPLETED"
    assert st.ev.describe_replay(ReplayName="filtered")["Destination"] == {"Arn": st.bus_arn, "FilterArns": [chosen]}
    assert len(st.drain("chosen", 3)) == 3
    assert st.nothing_more("left-out")


def test_window_selects_by_event_time_in_time_order(replay_server):
    st = Setup(replay_server.url)
    st.rule_to_queue("r", {"source": ["shop"]})
    yesterday = datetime.now(timezone.utc).replace(microsecond=0) - timedelta(days=1)
    # archived now, but with their own times: yesterday (newest first) and now
    for minutes in (30, 20, 10):
        st.ev.put_events(Entries=[{"Source": "shop", "DetailType": "old", "Detail": json.dumps({"m": minutes}),
                                   "EventBusName": st.bus, "Time": yesterday + timedelta(minutes=minutes)}])
    st.put(2)
    st.drain("r", 5)
    st.ev.start_replay(ReplayName="yesterday", EventSourceArn=st.archive_arn, EventStartTime=yesterday,
                       EventEndTime=yesterday + timedelta(minutes=30), Destination={"Arn": st.bus_arn})
    replay = st.wait_state("yesterday", {"COMPLETED", "FAILED"})
    assert replay["State"] == "COMPLETED"
    # the end is exclusive; the last replayed event's time is reported
    assert replay["EventLastReplayedTime"] == yesterday + timedelta(minutes=20)
    replayed = st.drain("r", 2)
    assert sorted(e["detail"]["m"] for e in replayed) == [10, 20]  # (time order: EventLastReplayedTime above)
    assert st.nothing_more("r")
    past = yesterday - timedelta(days=1)
    st.ev.start_replay(ReplayName="empty", EventSourceArn=st.archive_arn, EventStartTime=past - timedelta(hours=1),
                       EventEndTime=past, Destination={"Arn": st.bus_arn})
    replay = st.wait_state("empty", {"COMPLETED", "FAILED"})
    assert replay["State"] == "COMPLETED"
    assert "EventLastReplayedTime" not in replay
    assert st.nothing_more("r")


def test_cancel_replay(replay_server):
    st = Setup(replay_server.url)
    st.rule_to_queue("r", {"source": ["shop"]})
    st.put(60)
    st.drain("r", 60)
    start, end = _window()
    st.ev.start_replay(ReplayName="long", EventSourceArn=st.archive_arn, EventStartTime=start, EventEndTime=end,
                       Destination={"Arn": st.bus_arn})
    cancelled = st.ev.cancel_replay(ReplayName="long")
    assert cancelled == {"ReplayArn": f"arn:aws:events:us-east-1:{st.account}:replay/long", "State": "CANCELLING",
                         "ResponseMetadata": cancelled["ResponseMetadata"]}
    replay = st.wait_state("long", {"CANCELLED", "COMPLETED"})
    assert replay["State"] == "CANCELLED"
    assert "ReplayEndTime" in replay
    with pytest.raises(ClientError) as exc:
        st.ev.cancel_replay(ReplayName="long")
    assert _error(exc) == ("IllegalStatusException", "Replay long is not in a valid state for this operation.")
    replayed = st.drain("r", 60, timeout=3)
    assert len(replayed) < 60  # it stopped before the end (60 events take 30 steps of 0.2 s)


def test_list_replays(replay_server):
    st = Setup(replay_server.url)
    start, end = _window()
    for name in ("r-1", "r-2", "s-1"):
        st.ev.start_replay(ReplayName=name, EventSourceArn=st.archive_arn, EventStartTime=start, EventEndTime=end,
                           Destination={"Arn": st.bus_arn})
    for name in ("r-1", "r-2", "s-1"):
        st.wait_state(name, {"COMPLETED"})
    names = lambda out: [r["ReplayName"] for r in out["Replays"]]  # noqa: E731
    assert names(st.ev.list_replays()) == ["r-1", "r-2", "s-1"]
    assert names(st.ev.list_replays(NamePrefix="r-")) == ["r-1", "r-2"]
    assert names(st.ev.list_replays(State="COMPLETED")) == ["r-1", "r-2", "s-1"]
    assert names(st.ev.list_replays(State="RUNNING")) == []
    assert names(st.ev.list_replays(EventSourceArn=st.archive_arn)) == ["r-1", "r-2", "s-1"]
    page = st.ev.list_replays(Limit=2)
    assert names(page) == ["r-1", "r-2"]
    assert names(st.ev.list_replays(Limit=2, NextToken=page["NextToken"])) == ["s-1"]
    listed = st.ev.list_replays(NamePrefix="s")["Replays"][0]
    assert listed["EventSourceArn"] == st.archive_arn and listed["State"] == "COMPLETED"
    assert "Destination" not in listed and "ReplayArn" not in listed
    with pytest.raises(ClientError) as exc:
        st.ev.list_replays(NamePrefix="r", State="COMPLETED")
    assert _error(exc) == ("ValidationException",
                           "At most one filter is allowed for ListReplays. Use either : State, EventSourceArn, or NamePrefix.")


def test_start_replay_errors_change_nothing(replay_server):
    st = Setup(replay_server.url)
    other_bus = st.ev.create_event_bus(Name="other")["EventBusArn"]
    other_rule = st.ev.put_rule(Name="elsewhere", EventBusName="other", EventPattern='{"source": ["x"]}')["RuleArn"]
    start, end = _window()
    acct = st.account
    base = dict(EventSourceArn=st.archive_arn, EventStartTime=start, EventEndTime=end, Destination={"Arn": st.bus_arn})
    cases = [
        (dict(base, EventStartTime=end, EventEndTime=start),
         ("ValidationException", "Parameter EventEndTime is not valid. Reason: EventStartTime must be before EventEndTime.")),
        (dict(base, EventEndTime=start),
         ("ValidationException", "Parameter EventEndTime is not valid. Reason: EventStartTime must be before EventEndTime.")),
        (dict(base, EventSourceArn=f"arn:aws:events:us-east-1:{acct}:archive/ghost"),
         ("ValidationException", "Parameter EventSourceArn is not valid. Reason: Archive ghost does not exist.")),
        (dict(base, EventSourceArn=st.bus_arn),
         ("ValidationException", "Parameter EventSourceArn is not valid. Reason: Must contain an archive ARN.")),
        (dict(base, Destination={"Arn": other_bus}),
         ("ValidationException", "Parameter Destination.Arn is not valid. Reason: Cross event bus replay is not permitted.")),
        (dict(base, Destination={"Arn": f"arn:aws:events:us-east-1:{acct}:event-bus/ghost"}),
         ("ResourceNotFoundException", "Event bus ghost does not exist.")),
        (dict(base, Destination={"Arn": st.bus_arn, "FilterArns": [other_rule]}),
         ("ValidationException", "Parameter Destination.FilterArns is not valid. Reason: Rule must be on the destination event bus.")),
        (dict(base, Destination={"Arn": st.bus_arn, "FilterArns": [f"arn:aws:events:us-east-1:{acct}:rule/orders/ghost"]}),
         ("ResourceNotFoundException", "Rule ghost does not exist on EventBus orders.")),
    ]
    for kwargs, expected in cases:
        with pytest.raises(ClientError) as exc:
            st.ev.start_replay(ReplayName="bad", **kwargs)
        assert _error(exc) == expected, kwargs
    assert st.ev.list_replays()["Replays"] == []
    st.ev.start_replay(ReplayName="once", **base)
    with pytest.raises(ClientError) as exc:
        st.ev.start_replay(ReplayName="once", **base)
    assert _error(exc) == ("ResourceAlreadyExistsException", "Replay once already exists.")
    for call in (st.ev.describe_replay, st.ev.cancel_replay):
        with pytest.raises(ClientError) as exc:
            call(ReplayName="ghost")
        assert _error(exc) == ("ResourceNotFoundException", "Replay ghost does not exist.")


def test_replay_of_a_deleted_bus_is_refused(replay_server):
    st = Setup(replay_server.url, bus="gone")
    st.ev.delete_event_bus(Name="gone")
    start, end = _window()
    with pytest.raises(ClientError) as exc:
        st.ev.start_replay(ReplayName="x", EventSourceArn=st.archive_arn, EventStartTime=start, EventEndTime=end,
                           Destination={"Arn": st.bus_arn})
    assert _error(exc) == ("ResourceNotFoundException", "Event bus gone does not exist.")


def test_replay_resumes_after_kill(store_url: str, tmp_path: Path):
    proc = ServerProcess(store_url, log_path=tmp_path / "server.log", env=REPLAY_ENV).start()
    try:
        st = Setup(proc.url)
        st.rule_to_queue("r", {"source": ["shop"]})
        ids = st.put(40)
        st.drain("r", 40)
        start, end = _window()
        st.ev.start_replay(ReplayName="survivor", EventSourceArn=st.archive_arn, EventStartTime=start,
                           EventEndTime=end, Destination={"Arn": st.bus_arn})
        running = st.wait_state("survivor", {"RUNNING", "COMPLETED"})
        assert running["State"] == "RUNNING"  # mid-way: 40 events take 20 steps of 0.2 s
        proc.kill()
        proc.start()
        done = st.wait_state("survivor", {"COMPLETED", "FAILED", "CANCELLED"})
        assert done["State"] == "COMPLETED"
        replayed = st.drain("r", 40)
        assert {e["id"] for e in replayed} == set(ids)  # every event at least once
        assert {e["replay-name"] for e in replayed} == {"survivor"}
    finally:
        proc.stop()


def test_two_nodes_replay_each_event_once(fresh_postgres_url: str, tmp_path: Path):
    """Both nodes run the replayer on one store (PostgreSQL: a SQLite file serves one
    node); each step is one transaction over a locked replay, so no event goes out twice."""
    nodes = [ServerProcess(fresh_postgres_url, log_path=tmp_path / f"node{i}.log", env=REPLAY_ENV) for i in range(2)]
    try:
        for node in nodes:
            node.start()
        _replay_once_across(*nodes)
    finally:
        for node in nodes:
            node.stop()


def _replay_once_across(replay_server: ServerProcess, second: ServerProcess) -> None:
    st = Setup(replay_server.url)
    st.rule_to_queue("r", {"source": ["shop"]})
    ids = st.put(30)
    st.drain("r", 30)
    start, end = _window()
    client("events", second.url, account=st.account).start_replay(
        ReplayName="shared", EventSourceArn=st.archive_arn, EventStartTime=start, EventEndTime=end,
        Destination={"Arn": st.bus_arn})
    assert st.wait_state("shared", {"COMPLETED", "FAILED"})["State"] == "COMPLETED"
    replayed = st.drain("r", 31, timeout=5)
    assert sorted(e["id"] for e in replayed) == sorted(ids)


def test_replayed_events_count_their_latency_from_the_replay_not_the_epoch(replay_server):
    from prometheus_client.parser import text_string_to_metric_families

    def latency() -> tuple[float, float]:
        """(count, sum) of the bus's ingestion-to-invocation histogram."""
        found = {s.name: s.value for f in text_string_to_metric_families(httpx.get(f"{replay_server.url}/metrics").text)
                 for s in f.samples if s.labels.get("bus") == st.bus_arn}
        return (found.get("eventyard_events_ingestion_to_invocation_seconds_count", 0.0),
                found.get("eventyard_events_ingestion_to_invocation_seconds_sum", 0.0))

    st = Setup(replay_server.url)
    st.rule_to_queue("timed", {"source": ["shop"]})
    st.put(2)
    st.drain("timed", 2)
    count, total = latency()
    start, end = _window()
    st.ev.start_replay(ReplayName="timed", EventSourceArn=st.archive_arn, EventStartTime=start, EventEndTime=end,
                       Destination={"Arn": st.bus_arn})
    assert st.wait_state("timed", {"COMPLETED", "FAILED"})["State"] == "COMPLETED"
    assert len(st.drain("timed", 2)) == 2
    replayed_count, replayed_total = latency()
    assert replayed_count == count + 2
    # measured from the replay: far below an hour each (from the epoch it was ~56 years)
    assert replayed_total - total < 2 * 3600
