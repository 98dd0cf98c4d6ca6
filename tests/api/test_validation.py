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
