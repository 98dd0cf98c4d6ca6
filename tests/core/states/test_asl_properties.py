"""Properties of the JSONPath data flow against simple reference walks (hypothesis)."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from eventyard.core.states.jsonpath import MISSING, parse, select
from eventyard.core.states.payload import apply_result_path, parse_reference

KEYS = st.text(alphabet="abcxyz_", min_size=1, max_size=4)
JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 5) | st.text(max_size=3),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(KEYS, inner, max_size=3),
    max_leaves=12,
)


def reference_walk(document: Any, steps: list[str | int]) -> Any:
    node = document
    for step in steps:
        if isinstance(step, str):
            if not isinstance(node, dict) or step not in node:
                return MISSING
            node = node[step]
        else:
            if not isinstance(node, list) or step >= len(node):
                return MISSING
            node = node[step]
    return node


def render(steps: list[str | int]) -> str:
    return "$" + "".join(f".{s}" if isinstance(s, str) else f"[{s}]" for s in steps)


STEPS = st.lists(KEYS | st.integers(0, 3), max_size=4)


@given(JSON, STEPS)
def test_definite_paths_walk_like_the_reference(document: Any, steps: list[str | int]) -> None:
    expected = reference_walk(document, steps)
    found = select(parse(render(steps)), document)
    if expected is MISSING and steps and isinstance(steps[-1], int):
        # a leaf index past the end is null (Jayway), anything else missing is missing
        assert found is None or found is MISSING
    else:
        assert found == expected if expected is not MISSING else found is MISSING


@given(st.dictionaries(KEYS, JSON, max_size=4), st.lists(KEYS, min_size=1, max_size=3), JSON)
def test_result_path_places_the_result_where_the_path_reads_it(document: dict[str, Any], keys: list[str],
                                                               result: Any) -> None:
    path = parse_reference(render(list(keys)))
    try:
        combined = apply_result_path(path, document, result)
    except Exception as failure:  # only a non-object on the way may refuse
        assert type(failure).__name__ == "StatesError"
        return
    assert select(path, combined) == result
    # keys the path does not touch keep their values and their order
    assert [k for k in combined if k != keys[0]] == [k for k in document if k != keys[0]]
