"""CloudWatch Logs through boto3 against a real server, on both backends: groups,
streams, PutLogEvents' limits and rejections, GetLogEvents' tokens, FilterLogEvents with
patterns and pages, retention, tags, and AWS's errors."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

import pytest
from botocore.exceptions import ClientError

from _clients import client

DAY_MS = 86_400_000


@pytest.fixture
def account() -> str:
    return f"{uuid.uuid4().int % 10**12:012d}"


@pytest.fixture
def logs(server, account):
    return client("logs", server.url, account=account)


def now_ms() -> int:
    return int(time.time() * 1000)


def error(exc: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    return exc.value.response["Error"]["Code"], exc.value.response["Error"]["Message"]


def stream_with(logs: Any, group: str, stream: str, messages: list[str], start: int | None = None) -> int:
    logs.create_log_group(logGroupName=group)
    logs.create_log_stream(logGroupName=group, logStreamName=stream)
    base = start if start is not None else now_ms() - 60_000
    logs.put_log_events(logGroupName=group, logStreamName=stream,
                        logEvents=[{"timestamp": base + i, "message": m} for i, m in enumerate(messages)])
    return base


def test_groups_created_described_and_deleted(logs, account):
    logs.create_log_group(logGroupName="/app/one", tags={"team": "core"})
    logs.create_log_group(logGroupName="/app/two", logGroupClass="INFREQUENT_ACCESS")
    logs.create_log_group(logGroupName="/other")
    with pytest.raises(ClientError) as exc:
        logs.create_log_group(logGroupName="/app/one")
    assert error(exc) == ("ResourceAlreadyExistsException", "The specified log group already exists")
    groups = logs.describe_log_groups(logGroupNamePrefix="/app/")["logGroups"]
    assert [g["logGroupName"] for g in groups] == ["/app/one", "/app/two"]
    one = groups[0]
    assert one["arn"] == f"arn:aws:logs:us-east-1:{account}:log-group:/app/one:*"
    assert one["logGroupArn"] == f"arn:aws:logs:us-east-1:{account}:log-group:/app/one"
    assert (one["storedBytes"], one["metricFilterCount"], one["logGroupClass"]) == (0, 0, "STANDARD")
    assert groups[1]["logGroupClass"] == "INFREQUENT_ACCESS"
    assert [g["logGroupName"] for g in logs.describe_log_groups(logGroupNamePattern="two")["logGroups"]] == ["/app/two"]
    with pytest.raises(ClientError) as exc:
        logs.describe_log_groups(logGroupNamePrefix="/a", logGroupNamePattern="b")
    assert error(exc) == ("InvalidParameterException",
                          "LogGroup name prefix and LogGroup name pattern are mutually exclusive parameters.")
    first = logs.describe_log_groups(limit=2)
    assert len(first["logGroups"]) == 2 and "nextToken" in first
    rest = logs.describe_log_groups(limit=2, nextToken=first["nextToken"])
    assert [g["logGroupName"] for g in first["logGroups"] + rest["logGroups"]] == ["/app/one", "/app/two", "/other"]
    assert "nextToken" not in rest
    pages = logs.get_paginator("describe_log_groups").paginate(PaginationConfig={"PageSize": 1})
    assert [g["logGroupName"] for p in pages for g in p["logGroups"]] == ["/app/one", "/app/two", "/other"]
    logs.delete_log_group(logGroupName="/app/one")
    with pytest.raises(ClientError) as exc:
        logs.delete_log_group(logGroupName="/app/one")
    assert error(exc) == ("ResourceNotFoundException", "The specified log group does not exist.")
    assert logs.list_log_groups()["logGroups"][0]["logGroupName"] == "/app/two"


def test_group_names_are_checked_as_aws_checks_them(logs):
    with pytest.raises(ClientError) as exc:
        logs.create_log_group(logGroupName="a" * 513)
    assert error(exc) == ("InvalidParameterException",
                          "Invalid LogGroup or LogStream, both must have length less than or equal to 512.")
    with pytest.raises(ClientError) as exc:
        logs.create_log_group(logGroupName="bad:name")
    code, message = error(exc)
    assert code == "InvalidParameterException" and "'logGroupName'" in message and "pattern" in message
    with pytest.raises(ClientError) as exc:
        logs.get_log_events(logGroupName="g", logStreamName="s", limit=10001)
    assert error(exc) == ("InvalidParameterException", "1 validation error detected: Value '10001' at 'limit' failed"
                                                       " to satisfy constraint: Member must have value less than or"
                                                       " equal to 10000")


def test_streams_ordered_by_name_or_last_event(logs, account):
    logs.create_log_group(logGroupName="g")
    for name in ("b", "a", "c"):
        logs.create_log_stream(logGroupName="g", logStreamName=name)
    with pytest.raises(ClientError) as exc:
        logs.create_log_stream(logGroupName="g", logStreamName="a")
    assert error(exc) == ("ResourceAlreadyExistsException", "The specified log stream already exists")
    with pytest.raises(ClientError) as exc:
        logs.create_log_stream(logGroupName="nope", logStreamName="a")
    assert error(exc) == ("ResourceNotFoundException", "The specified log group does not exist.")
    base = now_ms() - 10_000
    logs.put_log_events(logGroupName="g", logStreamName="c", logEvents=[{"timestamp": base, "message": "old"}])
    logs.put_log_events(logGroupName="g", logStreamName="a", logEvents=[{"timestamp": base + 5, "message": "x"},
                                                                        {"timestamp": base + 9, "message": "y"}])
    streams = logs.describe_log_streams(logGroupName="g")["logStreams"]
    assert [s["logStreamName"] for s in streams] == ["a", "b", "c"]
    a = streams[0]
    assert (a["firstEventTimestamp"], a["lastEventTimestamp"], a["storedBytes"]) == (base + 5, base + 9, 0)
    assert a["arn"] == f"arn:aws:logs:us-east-1:{account}:log-group:g:log-stream:a"
    assert "lastIngestionTime" in a and "firstEventTimestamp" not in streams[1]
    latest = logs.describe_log_streams(logGroupName="g", orderBy="LastEventTime", descending=True)["logStreams"]
    assert [s["logStreamName"] for s in latest] == ["a", "c", "b"]
    by_arn = logs.describe_log_streams(logGroupIdentifier=f"arn:aws:logs:us-east-1:{account}:log-group:g",
                                       logStreamNamePrefix="b")["logStreams"]
    assert [s["logStreamName"] for s in by_arn] == ["b"]
    with pytest.raises(ClientError) as exc:
        logs.describe_log_streams(logGroupName="g", logGroupIdentifier="g")
    assert error(exc) == ("ValidationException", "LogGroup name and LogGroup ARN are mutually exclusive parameters.")
    with pytest.raises(ClientError) as exc:
        logs.describe_log_streams(logGroupName="g", orderBy="LastEventTime", logStreamNamePrefix="a")
    assert error(exc)[0] == "InvalidParameterException"
    page = logs.describe_log_streams(logGroupName="g", limit=2)
    assert len(page["logStreams"]) == 2
    assert [s["logStreamName"] for s in logs.describe_log_streams(logGroupName="g", nextToken=page["nextToken"])[
        "logStreams"]] == ["c"]
    logs.delete_log_stream(logGroupName="g", logStreamName="a")
    with pytest.raises(ClientError) as exc:
        logs.delete_log_stream(logGroupName="g", logStreamName="a")
    assert error(exc) == ("ResourceNotFoundException", "The specified log stream does not exist.")


def test_put_log_events_limits_and_rejections(logs):
    logs.create_log_group(logGroupName="g")
    logs.create_log_stream(logGroupName="g", logStreamName="s")
    now = now_ms()
    with pytest.raises(ClientError) as exc:
        logs.put_log_events(logGroupName="g", logStreamName="s", logEvents=[
            {"timestamp": now, "message": "b"}, {"timestamp": now - 1, "message": "a"}])
    assert error(exc) == ("InvalidParameterException",
                          "Log events in a single PutLogEvents request must be in chronological order.")
    with pytest.raises(ClientError) as exc:
        logs.put_log_events(logGroupName="g", logStreamName="s", logEvents=[
            {"timestamp": now - DAY_MS - 1, "message": "a"}, {"timestamp": now, "message": "b"}])
    assert error(exc)[0] == "InvalidParameterException" and "24 hours" in error(exc)[1]
    big = "x" * 200_000
    with pytest.raises(ClientError) as exc:
        logs.put_log_events(logGroupName="g", logStreamName="s",
                            logEvents=[{"timestamp": now, "message": big} for _ in range(6)])
    assert error(exc) == ("InvalidParameterException",
                          f"Upload too large: {6 * (200_000 + 26)} bytes exceeds limit of 1048576")
    with pytest.raises(ClientError) as exc:
        logs.put_log_events(logGroupName="g", logStreamName="nope", logEvents=[{"timestamp": now, "message": "a"}])
    assert error(exc) == ("ResourceNotFoundException", "The specified log stream does not exist.")
    with pytest.raises(ClientError) as exc:
        logs.put_log_events(logGroupName="nope", logStreamName="s", logEvents=[{"timestamp": now, "message": "a"}])
    assert error(exc) == ("ResourceNotFoundException", "The specified log group does not exist.")
    assert logs.get_log_events(logGroupName="g", logStreamName="s")["events"] == []  # nothing was kept
    old = now - 15 * DAY_MS
    answer = logs.put_log_events(logGroupName="g", logStreamName="s", sequenceToken="ignored", logEvents=[
        {"timestamp": old, "message": "too old"}, {"timestamp": old + 1, "message": "too old too"}])
    assert answer["rejectedLogEventsInfo"] == {"tooOldLogEventEndIndex": 1}
    answer = logs.put_log_events(logGroupName="g", logStreamName="s", logEvents=[
        {"timestamp": now, "message": "kept"}, {"timestamp": now + 3 * 3_600_000, "message": "too new"}])
    assert answer["rejectedLogEventsInfo"] == {"tooNewLogEventStartIndex": 1}
    assert answer["nextSequenceToken"]
    assert [e["message"] for e in logs.get_log_events(logGroupName="g", logStreamName="s")["events"]] == ["kept"]
    logs.put_retention_policy(logGroupName="g", retentionInDays=1)
    answer = logs.put_log_events(logGroupName="g", logStreamName="s", logEvents=[
        {"timestamp": now - 25 * 3_600_000, "message": "expired"}, {"timestamp": now - 7_200_000, "message": "fine"}])
    assert answer["rejectedLogEventsInfo"] == {"expiredLogEventEndIndex": 0}


def test_get_log_events_pages_forwards_and_backwards(logs):
    base = stream_with(logs, "g", "s", [f"m{i}" for i in range(10)])
    newest = logs.get_log_events(logGroupName="g", logStreamName="s", limit=3)
    assert [e["message"] for e in newest["events"]] == ["m7", "m8", "m9"]
    assert newest["nextForwardToken"].startswith("f/") and newest["nextBackwardToken"].startswith("b/")
    before = logs.get_log_events(logGroupName="g", logStreamName="s", limit=3, nextToken=newest["nextBackwardToken"])
    assert [e["message"] for e in before["events"]] == ["m4", "m5", "m6"]
    at_end = logs.get_log_events(logGroupName="g", logStreamName="s", nextToken=newest["nextForwardToken"])
    assert at_end["events"] == [] and at_end["nextForwardToken"] == newest["nextForwardToken"]
    seen, token = [], None
    while True:  # how clients read a stream from its start: until the token comes back unchanged
        kwargs = {"nextToken": token} if token else {}
        page = logs.get_log_events(logGroupName="g", logStreamName="s", startFromHead=True, limit=4, **kwargs)
        seen += [e["message"] for e in page["events"]]
        if page["nextForwardToken"] == token:
            break
        token = page["nextForwardToken"]
    assert seen == [f"m{i}" for i in range(10)]
    window = logs.get_log_events(logGroupName="g", logStreamName="s", startFromHead=True, startTime=base + 2,
                                 endTime=base + 5)
    assert [e["message"] for e in window["events"]] == ["m2", "m3", "m4"]
    event = window["events"][0]
    assert event["timestamp"] == base + 2 and event["ingestionTime"] >= base
    with pytest.raises(ClientError) as exc:
        logs.get_log_events(logGroupName="g", logStreamName="s", nextToken="garbage")
    assert error(exc) == ("InvalidParameterException", "The specified nextToken is invalid.")
    with pytest.raises(ClientError) as exc:
        logs.get_log_events(logGroupName="g", logStreamName="nope")
    assert error(exc) == ("ResourceNotFoundException", "The specified log stream does not exist.")


def test_filter_log_events_across_streams(logs):
    logs.create_log_group(logGroupName="g")
    base = now_ms() - 60_000
    for stream, offset in (("web-1", 0), ("web-2", 1), ("worker", 2)):
        logs.create_log_stream(logGroupName="g", logStreamName=stream)
        logs.put_log_events(logGroupName="g", logStreamName=stream, logEvents=[
            {"timestamp": base + offset + 10 * i, "message": f"{stream} {level} {i}"}
            for i, level in enumerate(("INFO", "ERROR", "WARN"))])
    everything = logs.filter_log_events(logGroupName="g", interleaved=True)
    assert [e["message"] for e in everything["events"]][:3] == ["web-1 INFO 0", "web-2 INFO 0", "worker INFO 0"]
    assert len(everything["events"]) == 9 and "nextToken" not in everything
    assert {s["logStreamName"] for s in everything["searchedLogStreams"]} == {"web-1", "web-2", "worker"}
    assert len({e["eventId"] for e in everything["events"]}) == 9
    errors = logs.filter_log_events(logGroupName="g", filterPattern="ERROR")["events"]
    assert [(e["logStreamName"], e["message"]) for e in errors] == [
        ("web-1", "web-1 ERROR 1"), ("web-2", "web-2 ERROR 1"), ("worker", "worker ERROR 1")]
    some = logs.filter_log_events(logGroupName="g", logStreamNamePrefix="web", filterPattern="?ERROR ?WARN -web")
    assert some["events"] == []
    named = logs.filter_log_events(logGroupName="g", logStreamNames=["worker"], filterPattern="?ERROR ?WARN")
    assert [e["message"] for e in named["events"]] == ["worker ERROR 1", "worker WARN 2"]
    timed = logs.filter_log_events(logGroupName="g", startTime=base + 10, endTime=base + 20)
    assert [e["message"] for e in timed["events"]] == ["web-1 ERROR 1", "web-2 ERROR 1", "worker ERROR 1"]
    first = logs.filter_log_events(logGroupName="g", limit=4)
    assert len(first["events"]) == 4
    second = logs.filter_log_events(logGroupName="g", limit=10, nextToken=first["nextToken"])
    assert [e["eventId"] for e in first["events"] + second["events"]] == [e["eventId"] for e in everything["events"]]
    paged = logs.get_paginator("filter_log_events").paginate(logGroupName="g", PaginationConfig={"PageSize": 2})
    assert len([e for p in paged for e in p["events"]]) == 9
    with pytest.raises(ClientError) as exc:
        logs.filter_log_events(logGroupName="g", logStreamNames=["a"], logStreamNamePrefix="b")
    assert error(exc)[0] == "InvalidParameterException"
    with pytest.raises(ClientError) as exc:
        logs.filter_log_events(logGroupName="g", filterPattern="Status: timeout")
    assert error(exc) == ("InvalidParameterException", "Invalid character(s) in term ':'")
    with pytest.raises(ClientError) as exc:
        logs.filter_log_events(logGroupName="g", nextToken="garbage")
    assert error(exc) == ("InvalidParameterException", "The specified nextToken is invalid.")


def test_filter_json_and_space_delimited_patterns(logs):
    stream_with(logs, "g", "s", [json.dumps({"level": "ERROR", "n": 9, "x": "y"}),
                                 json.dumps({"level": "INFO", "n": 1}),
                                 "10.0.0.1 GET /index.html 404 1534", "plain text"])
    def found(pattern: str) -> list[str]:
        return [e["message"] for e in logs.filter_log_events(logGroupName="g", filterPattern=pattern)["events"]]
    assert found('{ $.level = "ERROR" }') == [json.dumps({"level": "ERROR", "n": 9, "x": "y"})]
    assert found('{ $.n > 5 && $.x = "y" }') == [json.dumps({"level": "ERROR", "n": 9, "x": "y"})]
    assert found("{ $.n < 5 }") == [json.dumps({"level": "INFO", "n": 1})]
    assert found("[ip, method, path, status = 4*, bytes > 1000]") == ["10.0.0.1 GET /index.html 404 1534"]


def test_retention_hides_old_events(logs, server):
    now = now_ms()
    logs.create_log_group(logGroupName="g")
    logs.create_log_stream(logGroupName="g", logStreamName="s")
    logs.put_log_events(logGroupName="g", logStreamName="s", logEvents=[{"timestamp": now - 3 * DAY_MS, "message": "old"}])
    logs.put_log_events(logGroupName="g", logStreamName="s", logEvents=[{"timestamp": now - 60_000, "message": "new"}])
    assert len(logs.filter_log_events(logGroupName="g")["events"]) == 2
    with pytest.raises(ClientError) as exc:
        logs.put_retention_policy(logGroupName="g", retentionInDays=2)
    assert error(exc) == ("InvalidParameterException",
                          "1 validation error detected: Value '2' at 'retentionInDays' failed to satisfy constraint:"
                          " Member must satisfy enum value set: [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400,"
                          " 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653]")
    with pytest.raises(ClientError) as exc:
        logs.put_retention_policy(logGroupName="nope", retentionInDays=1)
    assert error(exc)[0] == "ResourceNotFoundException"
    logs.put_retention_policy(logGroupName="g", retentionInDays=1)
    assert logs.describe_log_groups(logGroupNamePrefix="g")["logGroups"][0]["retentionInDays"] == 1
    assert [e["message"] for e in logs.filter_log_events(logGroupName="g")["events"]] == ["new"]
    assert [e["message"] for e in logs.get_log_events(logGroupName="g", logStreamName="s",
                                                      startFromHead=True)["events"]] == ["new"]
    logs.delete_retention_policy(logGroupName="g")
    assert "retentionInDays" not in logs.describe_log_groups(logGroupNamePrefix="g")["logGroups"][0]


def test_tags_by_name_and_by_arn(logs, account):
    arn = f"arn:aws:logs:us-east-1:{account}:log-group:g"
    logs.create_log_group(logGroupName="g", tags={"env": "testing1"})
    logs.tag_resource(resourceArn=arn, tags={"test1": "val1", "test2": "val2"})
    assert logs.list_tags_log_group(logGroupName="g")["tags"] == {"env": "testing1", "test1": "val1", "test2": "val2"}
    logs.tag_log_group(logGroupName="g", tags={"test3": "val3"})
    assert logs.list_tags_for_resource(resourceArn=arn)["tags"] == {
        "env": "testing1", "test1": "val1", "test2": "val2", "test3": "val3"}
    logs.untag_log_group(logGroupName="g", tags=["test3"])
    logs.untag_resource(resourceArn=arn, tagKeys=["env", "test1"])
    assert logs.list_tags_for_resource(resourceArn=arn)["tags"] == {"test2": "val2"}
    with pytest.raises(ClientError) as exc:
        logs.list_tags_for_resource(resourceArn=f"arn:aws:logs:us-east-1:{account}:log-group:nope")
    assert error(exc)[0] == "ResourceNotFoundException"
    with pytest.raises(ClientError) as exc:
        logs.list_tags_log_group(logGroupName="nope")
    assert error(exc) == ("ResourceNotFoundException", "The specified log group does not exist.")


def test_another_account_sees_none_of_its_groups(server, logs):
    logs.create_log_group(logGroupName="mine")
    other = client("logs", server.url, account="999999999999")
    assert "mine" not in [g["logGroupName"] for g in other.describe_log_groups()["logGroups"]]
    with pytest.raises(ClientError) as exc:
        other.describe_log_streams(logGroupName="mine")
    assert error(exc)[0] == "ResourceNotFoundException"


def test_nul_characters_never_break_the_store(logs):
    logs.create_log_group(logGroupName="g")
    with pytest.raises(ClientError) as exc:
        logs.create_log_stream(logGroupName="g", logStreamName="a\x00b")
    assert error(exc)[0] == "InvalidParameterException"
    logs.create_log_stream(logGroupName="g", logStreamName="s")
    logs.put_log_events(logGroupName="g", logStreamName="s", logEvents=[{"timestamp": now_ms(), "message": "a\x00b"}])
    assert logs.get_log_events(logGroupName="g", logStreamName="s")["events"][0]["message"] in ("a\x00b", "a\ufffdb")
    with pytest.raises(ClientError) as exc:
        logs.get_log_events(logGroupName="g", logStreamName="x\x00")
    assert error(exc)[0] == "ResourceNotFoundException"


def test_test_metric_filter_shows_matches_and_fields(logs):
    answer = logs.test_metric_filter(filterPattern="[ip, user, status = 4*, bytes]", logEventMessages=[
        "10.0.0.1 alice 404 12", "10.0.0.2 bob 200 7", "10.0.0.3 carol 403 99"])
    assert answer["matches"] == [
        {"eventNumber": 1, "eventMessage": "10.0.0.1 alice 404 12",
         "extractedValues": {"$ip": "10.0.0.1", "$user": "alice", "$status": "404", "$bytes": "12"}},
        {"eventNumber": 3, "eventMessage": "10.0.0.3 carol 403 99",
         "extractedValues": {"$ip": "10.0.0.3", "$user": "carol", "$status": "403", "$bytes": "99"}}]
    assert [m["eventNumber"] for m in logs.test_metric_filter(
        filterPattern="ERROR", logEventMessages=["ERROR a", "ok"])["matches"]] == [1]
    with pytest.raises(ClientError) as exc:
        logs.test_metric_filter(filterPattern="a:b", logEventMessages=["x"])
    assert error(exc) == ("InvalidParameterException", "Invalid character(s) in term ':'")


def test_deletion_protection_blocks_deleting_a_group(logs, account):
    logs.create_log_group(logGroupName="kept", deletionProtectionEnabled=True)
    assert logs.describe_log_groups(logGroupNamePrefix="kept")["logGroups"][0]["deletionProtectionEnabled"] is True
    with pytest.raises(ClientError) as exc:
        logs.delete_log_group(logGroupName="kept")
    assert error(exc)[0] == "ValidationException"
    logs.put_log_group_deletion_protection(logGroupIdentifier=f"arn:aws:logs:us-east-1:{account}:log-group:kept",
                                           deletionProtectionEnabled=False)
    logs.delete_log_group(logGroupName="kept")
    with pytest.raises(ClientError) as exc:
        logs.put_log_group_deletion_protection(logGroupIdentifier="kept", deletionProtectionEnabled=True)
    assert error(exc)[0] == "ResourceNotFoundException"
