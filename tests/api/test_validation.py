"""Shape validation: every constraint kind, paths in Coral's lowerCamel form."""

from __future__ import annotations

import pytest

from eventyard.api import catalog
from eventyard.api.validation import compile_pattern, validate


def _input(service: str, operation: str):
    return catalog.service(service).operations[operation].input_shape


def _kinds(service, operation, params):
    return [(v.kind, v.path) for v in validate(params, _input(service, operation))]


def test_valid_input_has_no_violations():
    assert validate({"Name": "orders", "Tags": [{"Key": "a", "Value": "b"}]}, _input("events", "CreateEventBus")) == []


@pytest.mark.parametrize(
    "service,operation,params,expected",
    [
        ("events", "CreateEventBus", {}, [("required", "name")]),
        ("events", "CreateEventBus", {"Name": ""}, [("length", "name"), ("pattern", "name")]),
        ("events", "ListEventBuses", {"Limit": 500}, [("range", "limit")]),
        ("events", "PutRule", {"Name": "r", "State": "X"}, [("enum", "state")]),
        ("events", "PutEvents", {"Entries": []}, [("length", "entries")]),
        ("events", "TagResource", {"ResourceARN": "a", "Tags": [{"Key": "k"}]}, [("required", "tags.1.member.value")]),
        ("sqs", "SendMessage", {"QueueUrl": "q", "MessageBody": "b",
                                "MessageAttributes": {"a": {}}},
         [("required", "messageAttributes.a.dataType")]),
    ],
)
def test_violation_kinds_and_paths(service, operation, params, expected):
    assert _kinds(service, operation, params) == expected


def test_java_unicode_classes_are_translated():
    # Step Functions tag keys use \p{L}\p{Z}\p{N}
    pattern = compile_pattern(r"^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$")
    assert pattern is not None
    assert pattern.fullmatch("héllo wörld 123 ٣")
    assert pattern.fullmatch("bad!") is None
    ascii_only = compile_pattern(r"\p{ASCII}*")
    assert ascii_only.fullmatch("plain") and ascii_only.fullmatch("é") is None


def test_every_model_pattern_compiles():
    for spec in catalog.all_services():
        for name in spec.model.shape_names:
            pattern = spec.model.shape_for(name).metadata.get("pattern")
            if pattern:
                assert compile_pattern(pattern) is not None, (spec.name, name, pattern)


# -- the compiled check agrees with the tree walk ------------------------------------
import random  # noqa: E402

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from eventyard.api import validation  # noqa: E402

import _shapes_strategies as shapes  # noqa: E402

CHECKED = [("events", "PutEvents"), ("events", "PutTargets"), ("events", "PutRule"), ("events", "CreateConnection"),
           ("sqs", "SendMessageBatch"), ("sqs", "ReceiveMessage"), ("sqs", "SetQueueAttributes"),
           ("sns", "PublishBatch"), ("sns", "Subscribe"), ("stepfunctions", "CreateStateMachine")]


def _damage(value, rnd: random.Random):
    """The value with one random member, item or string broken (or left alone)."""
    if isinstance(value, dict) and value:
        key = rnd.choice(sorted(value, key=str))
        roll = rnd.random()
        if roll < 0.2:
            return {k: v for k, v in value.items() if k != key}  # a required member may go
        if roll < 0.3:
            return {**value, key: None}
        return {**value, key: _damage(value[key], rnd)}
    if isinstance(value, list):
        roll = rnd.random()
        if roll < 0.2:
            return []
        if roll < 0.4:
            return value * 30  # over a list's maximum
        if value:
            i = rnd.randrange(len(value))
            return value[:i] + [_damage(value[i], rnd)] + value[i + 1:]
        return value
    if isinstance(value, str):
        return rnd.choice(["", value * 300, value + "\u0000", "NOT_AN_ENUM", value[:1]])
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return rnd.choice([value, -(2**40), 2**40, 0])
    return value


@pytest.mark.parametrize(("service", "name"), CHECKED, ids=[f"{s}.{n}" for s, n in CHECKED])
@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), seed=st.integers(0, 2**32), enums=st.booleans())
def test_compiled_check_finds_a_violation_exactly_when_the_walk_does(service, name, data, seed, enums):
    shape = catalog.service(service).operations[name].input_shape
    value = _damage(data.draw(shapes.values(shape)), random.Random(seed))
    walked: list = []
    validation._check(value, shape, "", walked)
    if not enums:
        walked = [v for v in walked if v.kind != "enum"]
    assert [(v.kind, v.path) for v in validate(value, shape, check_enums=enums)] == \
        [(v.kind, v.path) for v in walked][:10]
