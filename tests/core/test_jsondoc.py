"""core.jsondoc: one nesting limit for JSON inside parameters, and output at any depth."""

from __future__ import annotations

import json

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from eventyard.core import jsondoc

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.floats(allow_nan=False, allow_infinity=False), st.text(),
)
values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=5), inner, max_size=4)), max_leaves=30)


def depth(value: object) -> int:
    """Reference: how deeply containers nest in a parsed value."""
    if isinstance(value, dict):
        return 1 + max((depth(v) for v in value.values()), default=0)
    if isinstance(value, list):
        return 1 + max((depth(v) for v in value), default=0)
    return 0


@settings(max_examples=300, deadline=None)
@given(values)
def test_nesting_and_output_agree_with_the_reference(value):
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    assert jsondoc.nesting(text) == depth(value)
    assert json.loads(jsondoc.dumps(value)) == value
    forced = "".join(jsondoc._chunks(value))  # the path for values deeper than orjson writes
    assert json.loads(forced) == value
    assert forced == orjson.dumps(value).decode()  # the same text, byte for byte
    assert jsondoc.loads(text) == value


def test_brackets_inside_strings_do_not_count():
    text = json.dumps({"a": "[[[{{{" * 1000, "b": ['\\"[[', "]]"]})
    assert jsondoc.nesting(text) == 2
    assert not jsondoc.too_deep(text)


@pytest.mark.parametrize("opening,closing", [("[", "]"), ('{"k":', "}")])
def test_the_limit_is_1000_levels(opening, closing):
    at_limit = opening * 1000 + "1" + closing * 1000
    value = jsondoc.loads(at_limit)
    assert jsondoc.dumps(value) == at_limit  # past orjson's 254 levels
    with pytest.raises(jsondoc.TooDeep):
        jsondoc.loads(opening * 1001 + "1" + closing * 1001)
    with pytest.raises(ValueError):  # unclosed, and deep: refused either way, never RecursionError
        jsondoc.loads(opening * 100_000)


@pytest.mark.parametrize("text", ["NaN", "[Infinity]", '"\\ud800"', "[1,]", "", "{'a':1}", b"\xff"])
def test_not_json_is_a_value_error(text):
    with pytest.raises(ValueError):
        jsondoc.loads(text)


def test_integers_past_64_bits_are_read_and_written():
    assert jsondoc.loads("[18446744073709551616]") == [2**64]
    assert jsondoc.dumps({"n": [2**64]}) == '{"n":[18446744073709551616]}'
    assert orjson.loads(jsondoc.dumps({"ok": "é"})) == {"ok": "é"}
