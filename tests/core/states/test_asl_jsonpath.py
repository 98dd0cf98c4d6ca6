"""The States Language's JSONPath dialect (Jayway semantics), and reference paths."""

from __future__ import annotations

from typing import Any

import pytest

from eventyard.core.states.jsonpath import MISSING, PathSyntaxError, is_reference, parse, select

STORE: dict[str, Any] = {
    "store": {
        "book": [
            {"category": "reference", "author": "Nigel Rees", "title": "Sayings of the Century", "price": 8.95},
            {"category": "fiction", "author": "Evelyn Waugh", "title": "Sword of Honour", "price": 12.99},
            {"category": "fiction", "author": "Herman Melville", "title": "Moby Dick", "isbn": "0-553-21311-3",
             "price": 8.99},
        ],
        "bicycle": {"color": "red", "price": 19.95},
    },
    "a b": 1,
}

# AWS's paths page: {"foo": 123, "bar": ["a", "b", "c"], "car": {"cdr": true}}
PATHS_PAGE = {"foo": 123, "bar": ["a", "b", "c"], "car": {"cdr": True}}


@pytest.mark.parametrize("path, expected", [
    ("$.foo", 123),
    ("$.bar", ["a", "b", "c"]),
    ("$.car.cdr", True),
    ("$", PATHS_PAGE),
    ("$.bar[0]", "a"),
    ("$.bar[-1]", "c"),
    ("$['car']['cdr']", True),
])
def test_definite_paths_from_the_paths_page(path: str, expected: Any) -> None:
    assert select(parse(path), PATHS_PAGE) == expected


@pytest.mark.parametrize("path, expected", [
    ("$.store.book[*].author", ["Nigel Rees", "Evelyn Waugh", "Herman Melville"]),
    ("$..author", ["Nigel Rees", "Evelyn Waugh", "Herman Melville"]),
    ("$.store.book[?(@.price < 10)].title", ["Sayings of the Century", "Moby Dick"]),
    ("$.store.book[?(@.isbn)].title", ["Moby Dick"]),
    ("$.store.book[?(@.category == 'fiction' && @.price > 10)].title", ["Sword of Honour"]),
    ("$.store.book[?(@.category == 'reference' || @.price > 12)].price", [8.95, 12.99]),
    ("$.store.book[0:2].price", [8.95, 12.99]),
    ("$.store.book[1:].price", [12.99, 8.99]),
    ("$.store.book[-1:].price", [8.99]),
    ("$.store.book[0,2].price", [8.95, 8.99]),
    ("$.store.book[0]['title','price']", ["Sayings of the Century", 8.95]),
    ("$.store.bicycle.*", ["red", 19.95]),
    ("$.store.missing[*]", []),
])
def test_indefinite_paths_give_every_node_they_reach(path: str, expected: Any) -> None:
    assert select(parse(path), STORE) == expected


def test_a_definite_path_that_reaches_nothing_is_missing() -> None:
    assert select(parse("$.store.nothing"), STORE) is MISSING
    assert select(parse("$.store.book.title"), STORE) is MISSING
    assert select(parse("$.a b"), STORE) == 1  # Jayway reads a dotted name up to the next '.' or '['
    assert select(parse("$['a b']"), STORE) == 1


def test_a_leaf_index_past_the_end_is_null_as_jayway_gives_it() -> None:
    # floci's recorded runs: "v.$": "$.items[5]" over {"items":[1,2]} succeeds with null.
    assert select(parse("$.items[5]"), {"items": [1, 2]}) is None
    assert select(parse("$.items[5].x"), {"items": [1, 2]}) is MISSING


@pytest.mark.parametrize("text, root, variable", [
    ("$.x", "input", None), ("$$.Execution.Id", "context", None), ("$myVar.x", "variable", "myVar"),
    ("$", "input", None), ("$$", "context", None), ("$v", "variable", "v"),
])
def test_roots(text: str, root: str, variable: str | None) -> None:
    path = parse(text)
    assert (path.root, path.variable) == (root, variable)


@pytest.mark.parametrize("text", ["", "x", "$.", "$[", "$[?(@.x ==]", "$.a[1:2:3:4]", "$..", "$['a"])
def test_not_paths(text: str) -> None:
    with pytest.raises(PathSyntaxError):
        parse(text)


@pytest.mark.parametrize("text, reference", [
    ("$", True), ("$.a.b", True), ("$.a[0].b", True), ("$['a']", True),
    ("$.a[*]", False), ("$..a", False), ("$.a[0:1]", False), ("$.a[?(@.x)]", False), ("$.a[-1]", False),
    ("$.a[0,1]", False),
])
def test_reference_paths(text: str, reference: bool) -> None:
    assert is_reference(parse(text)) is reference


def test_filters_compare_only_values_of_one_type() -> None:
    items = {"xs": [{"v": 1}, {"v": "1"}, {"v": True}, {"v": None}, {"v": 2.5}]}
    assert select(parse("$.xs[?(@.v == 1)]"), items) == [{"v": 1}]
    assert select(parse("$.xs[?(@.v == '1')]"), items) == [{"v": "1"}]
    assert select(parse("$.xs[?(@.v == true)]"), items) == [{"v": True}]
    assert select(parse("$.xs[?(@.v == null)]"), items) == [{"v": None}]
    assert select(parse("$.xs[?(@.v > 1)]"), items) == [{"v": 2.5}]
    assert select(parse("$.xs[?(!(@.v > 1))]"), items) == [{"v": 1}, {"v": "1"}, {"v": True}, {"v": None}]
