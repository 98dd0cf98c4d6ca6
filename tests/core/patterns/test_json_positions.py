"""Where Jackson stands around each value (``_json.where_of_values``), checked against
any JSON document: strings open after their quote and end past the closing one,
containers open past their bracket and end past the closing one."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from eventyard.core.patterns import _json

_SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**6),
                     st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=8))
_VALUES = st.recursive(_SCALARS, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=5), inner, max_size=4)), max_leaves=20)


def _check(value: Any, where: _json.Where, text: str) -> None:
    if isinstance(value, _json.Obj) or isinstance(value, list):
        assert text[where.first - 1] in "{["
        assert text[where.end - 1] in "}]"
        items = [v for _, v in value] if isinstance(value, _json.Obj) else value
        assert len(items) == len(where.children)
        for item, child in zip(items, where.children):
            _check(item, child, text)
    elif isinstance(value, str):
        assert text[where.first - 1] == '"' and text[where.last - 1] == '"'
    else:
        assert where.first == where.last and text[where.first - 1] not in " \t\r\n,]}"


@settings(max_examples=300, deadline=None)
@given(_VALUES, st.sampled_from([(",", ":"), (", ", ": "), (" ,\n", " :\t")]))
def test_positions_follow_the_document(value: Any, separators: tuple[str, str]) -> None:
    text = json.dumps(value, separators=separators, ensure_ascii=False)
    where = _json.where_of_values(text)
    assert where is not None
    _check(_json.load(text), where, text)
