"""flatten: events as EventBridge sees them (leaves by path, arrays crushed, dotted keys split)."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from eventyard.core.patterns.ast import Leaf
from eventyard.core.patterns.event import flatten, leaf


def test_leaves_are_typed() -> None:
    assert leaf("x") == Leaf("string", "x")
    assert leaf(3) == Leaf("number", 3.0)
    assert leaf(3.5) == Leaf("number", 3.5)
    assert leaf(True) == Leaf("bool", True)  # not the number 1
    assert leaf(False) == Leaf("bool", False)
    assert leaf(None) == Leaf("null", None)
    assert leaf({}) is None and leaf([]) is None


def test_int_and_float_are_one_number() -> None:
    assert flatten({"n": 300}) == flatten({"n": 300.0})


def test_nested_objects_become_paths() -> None:
    assert flatten({"detail": {"state": "running", "x": {"y": 1}}}) == {
        ("detail", "state"): [Leaf("string", "running")],
        ("detail", "x", "y"): [Leaf("number", 1.0)],
    }


def test_arrays_are_crushed_into_their_parent_path() -> None:
    event = {"a": [1, [2, [3]]], "b": [{"c": "x"}, {"c": "y", "d": None}]}
    assert flatten(event) == {
        ("a",): [Leaf("number", 1.0), Leaf("number", 2.0), Leaf("number", 3.0)],
        ("b", "c"): [Leaf("string", "x"), Leaf("string", "y")],
        ("b", "d"): [Leaf("null", None)],
    }


def test_empty_arrays_and_objects_are_no_value() -> None:
    assert flatten({"a": [], "b": {}, "c": [[]]}) == {}


def test_null_is_a_value() -> None:
    assert flatten({"a": None}) == {("a",): [Leaf("null", None)]}


def test_dotted_keys_are_nesting() -> None:
    assert flatten({"a.b": 1}) == flatten({"a": {"b": 1}})
    assert flatten({"a": {"b.c": 1}}) == {("a", "b", "c"): [Leaf("number", 1.0)]}


def test_a_json_string_is_not_parsed() -> None:
    assert flatten({"detail": '{"a": 1}'}) == {("detail",): [Leaf("string", '{"a": 1}')]}


def test_scalar_root_has_no_paths() -> None:
    assert flatten("x") == {} and flatten([1, 2]) == {}


_json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-10**6, 10**6) | st.text(max_size=5)
    | st.floats(allow_nan=False, allow_infinity=False),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text("abc", min_size=1, max_size=3), inner, max_size=3),
    max_leaves=20,
)


@settings(deadline=None)  # a shared, loaded machine: no per-example deadline
@given(st.dictionaries(st.text("abc", min_size=1, max_size=3), _json_values, max_size=4))
def test_every_scalar_lands_under_some_path(event: dict) -> None:
    flat = flatten(event)
    scalars: list[object] = []

    def walk(v: object) -> None:
        if isinstance(v, dict):
            for x in v.values():
                walk(x)
        elif isinstance(v, list):
            for x in v:
                walk(x)
        else:
            scalars.append(v)

    walk(event)
    assert sum(len(v) for v in flat.values()) == len(scalars)
    assert all(leaves for leaves in flat.values())  # no path without a value
    assert flatten(json.loads(json.dumps(event))) == flat
