"""TestEventPattern over the wire: matching, pattern errors, event validation."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError

from _clients import client

EVENT = {
    "id": "7bf73129-1428-4cd3-a780-95db273d1602",
    "detail-type": "EC2 Instance State-change Notification",
    "source": "aws.ec2",
    "account": "123456789012",
    "time": "2015-11-11T21:29:54Z",
    "region": "us-east-1",
    "resources": ["arn:aws:ec2:us-east-1:123456789012:instance/i-abcd1111"],
    "detail": {"instance-id": "i-abcd1111", "state": "pending", "c-count": 5, "flag": True, "note": None},
}


@pytest.mark.parametrize(
    "pattern,result",
    [
        ({"source": ["aws.ec2"]}, True),
        ({"source": ["aws.s3"]}, False),
        ({"detail": {"state": [{"prefix": "pen"}]}}, True),
        ({"detail": {"c-count": [{"numeric": [">", 4, "<=", 5]}]}}, True),
        ({"detail": {"c-count": ["5"]}}, False),  # "5" is not 5
        ({"detail": {"flag": [1]}}, False),  # true is not 1
        ({"detail": {"note": [{"exists": True}]}}, True),  # a null leaf exists
        ({"detail": {"missing": [{"exists": False}]}}, True),
        ({"detail": {"missing": [{"anything-but": "x"}]}}, False),  # missing field: no match
        ({"detail": {"note": [{"anything-but": "x"}]}}, True),  # null value: match
        ({"$or": [{"source": ["nope"]}, {"detail": {"state": ["pending"]}}]}, True),
        ({"resources": [{"wildcard": "arn:aws:ec2:*:instance/i-*"}]}, True),
        ({"detail.state": ["pending"]}, True),  # dotted keys are nesting
    ],
)
def test_matching(server, pattern, result):
    ev = client("events", server.url)
    out = ev.test_event_pattern(EventPattern=json.dumps(pattern), Event=json.dumps(EVENT))
    assert out["Result"] is result


def test_pattern_errors_carry_jacksons_location_as_on_aws(server):
    """AWS's recorded answers (localstack test_events_patterns.snapshot.json) end with the
    parser's position; CIDR errors carry none."""
    ev = client("events", server.url)
    recorded = [
        ('{"int": 42}', '"int" must be an object or an array\n at [Source: (String)"{"int": 42}"; line: 1, column: 11]'),
        ("{'bad': 'quotation'}", "Unexpected character (''' (code 39)): was expecting double-quote to start field "
                                 "name\n at [Source: (String)\"{'bad': 'quotation'}\"; line: 1, column: 2]"),
        ('{"a": [{"cidr": "10.0.0.0"}]}', "Malformed CIDR, one '/' required"),
    ]
    for pattern, reason in recorded:
        for call in (lambda: ev.test_event_pattern(EventPattern=pattern, Event=json.dumps(EVENT)),
                     lambda: ev.put_rule(Name="located", EventPattern=pattern)):
            with pytest.raises(ClientError) as exc:
                call()
            assert exc.value.response["Error"]["Message"] == "Event pattern is not valid. Reason: " + reason


@pytest.mark.parametrize(
    "pattern,reason",
    [
        ('{"source": "aws.ec2"}', '"source" must be an object or an array'),
        ('{"source": []}', "Empty arrays are not allowed"),
        ('{"a": [{"EXISTS": true}]}', "Unrecognized match type EXISTS"),
        ('{"a": [{"prefix": 1}]}', "prefix match pattern must be a string"),
        ('{"a": [{"numeric": [">"]}]}', "Value of > must be numeric"),
        ('{"a": [{"cidr": "10.0.0.0"}]}', "Malformed CIDR, one '/' required"),
    ],
)
def test_invalid_patterns(server, pattern, reason):
    ev = client("events", server.url)
    with pytest.raises(ClientError) as exc:
        ev.test_event_pattern(EventPattern=pattern, Event=json.dumps(EVENT))
    error = exc.value.response["Error"]
    assert error["Code"] == "InvalidEventPatternException"
    assert error["Message"].startswith("Event pattern is not valid. Reason: " + reason)


@pytest.mark.parametrize(
    "event",
    ['"just a string"', "[1, 2]", "{not json", json.dumps({k: v for k, v in EVENT.items() if k != "region"}),
     json.dumps({k: v for k, v in EVENT.items() if k != "detail-type"})],
)
def test_invalid_events(server, event):
    ev = client("events", server.url)
    with pytest.raises(ClientError) as exc:
        ev.test_event_pattern(EventPattern='{"source": ["aws.ec2"]}', Event=event)
    assert exc.value.response["Error"]["Code"] == "ValidationException"
    assert exc.value.response["Error"]["Message"] == "Parameter Event is not valid."


def test_resources_is_not_required(server):
    event = {k: v for k, v in EVENT.items() if k != "resources"}
    ev = client("events", server.url)
    assert ev.test_event_pattern(EventPattern='{"source": ["aws.ec2"]}', Event=json.dumps(event))["Result"] is True


def test_pattern_longer_than_4096_is_refused(server):
    ev = client("events", server.url, raw=True)
    pattern = json.dumps({"source": ["x" * 4100]})
    with pytest.raises(ClientError) as exc:
        ev.test_event_pattern(EventPattern=pattern, Event=json.dumps(EVENT))
    assert exc.value.response["Error"]["Code"] == "ValidationException"
    assert "Member must have length less than or equal to 4096" in exc.value.response["Error"]["Message"]
