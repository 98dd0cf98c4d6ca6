"""parse_pattern: structure, DNF expansion, limits, errors; properties with hypothesis."""

from __future__ import annotations

import ipaddress
import itertools
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from eventyard.core.errors import ServiceError
from eventyard.core.patterns import _wildcard, reference
from eventyard.core.patterns._json import load
from eventyard.core.patterns._ruler import compile_rule
from eventyard.core.patterns.ast import (
    AnythingBut,
    AnythingButPrefix,
    Branch,
    Cidr,
    EqualsIgnoreCase,
    Exact,
    Exists,
    FieldCondition,
    Leaf,
    Numeric,
    Pattern,
    Prefix,
    Suffix,
    Wildcard,
)
from eventyard.core.patterns.errors import EventPatternTooLong, InvalidEventPattern
from eventyard.core.patterns.event import flatten
from eventyard.core.patterns.parse import EVENTBRIDGE, MAX_OR_COMBINATIONS, parse_pattern


def reason(text: str) -> str:
    with pytest.raises(InvalidEventPattern) as caught:
        parse_pattern(text)
    return caught.value.reason


def only_field(pattern: Pattern) -> FieldCondition:
    (branch,) = pattern.branches
    (cond,) = branch.conditions
    return cond


# -- errors ----------------------------------------------------------------------------------
def test_error_is_a_service_error_with_aws_wording() -> None:
    with pytest.raises(InvalidEventPattern) as caught:
        parse_pattern('{"a": []}')
    err = caught.value
    assert isinstance(err, ServiceError)
    assert err.code == "InvalidEventPatternException"
    assert err.reason == "Empty arrays are not allowed"
    assert err.message == ('Event pattern is not valid. Reason: Empty arrays are not allowed'
                           '\n at [Source: (String)"{"a": []}"; line: 1, column: 9]')


def test_length_limit_is_4096_characters() -> None:
    filler = "x" * (4096 - len('{"a": [""]}'))
    ok = '{"a": ["' + filler + '"]}'
    assert len(ok) == 4096
    parse_pattern(ok)
    too_long = '{"a": ["' + filler + 'y"]}'
    with pytest.raises(EventPatternTooLong) as caught:
        parse_pattern(too_long)
    assert caught.value.code == "ValidationException"
    assert caught.value.message.startswith("1 validation error detected: Value '{\"a\"")
    assert caught.value.message.endswith(
        "at 'eventPattern' failed to satisfy constraint: Member must have length less than or equal to 4096"
    )
    assert isinstance(caught.value, InvalidEventPattern)  # one except clause catches both


def test_top_level_empty_object_is_refused() -> None:
    # event-ruler refuses it (fieldsPresent check); moto and LocalStack match everything.
    assert reason("{}") == "Empty objects are not allowed"
    assert reason("  { }  ") == "Empty objects are not allowed"


def test_not_an_object_is_decided_by_the_first_token() -> None:
    for text in ("[", '["a",', '"unterminated', "12", "true", "", "   "):
        assert reason(text) == "Filter is not an object", text


def test_json_syntax_errors_read_like_jackson() -> None:
    expecting = "was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')"
    assert reason("nope") == f"Unrecognized token 'nope': {expecting}"
    assert reason('{"a": [tru]}') == f"Unrecognized token 'tru': {expecting}"
    assert reason('{"a": ["x"] ,}') == "Unexpected character ('}' (code 125)): was expecting double-quote to start field name"
    assert reason('{"a": ["x" "y"]}') == "Unexpected character ('\"' (code 34)): was expecting comma to separate Array entries"
    assert reason('{"a": ["\\q"]}') == "Unrecognized character escape 'q' (code 113)"
    assert reason('{"a": ["x\ny"]}').startswith("Illegal unquoted character ((CTRL-CHAR, code 10))")
    assert reason('{"a": [-]}').startswith("Unexpected character (']' (code 93)) in numeric value")
    assert reason('{"a": [1.]}').endswith("Decimal point not followed by a digit")
    assert reason('{"a": [Infinity]}').startswith("Non-standard token 'Infinity'")
    assert reason('{"a": /* c */ ["x"]}').startswith("Unexpected character ('/' (code 47)): maybe a (non-standard) comment?")
    assert reason('{"a": ["x"]').startswith("Unexpected end-of-input: expected close marker for OBJECT (start marker at")


def test_deep_nesting_is_an_error_not_a_crash() -> None:
    text = '{"a":' * 600 + '["x"]' + "}" * 600
    assert len(text) <= 4096
    try:
        parse_pattern(text)
    except InvalidEventPattern as err:
        assert "nesting depth" in err.reason


def test_errors_are_not_cached_as_results() -> None:
    for _ in range(2):
        assert reason('{"a": 1}') == '"a" must be an object or an array'


# -- structure -------------------------------------------------------------------------------
def test_every_matcher_kind_is_built() -> None:
    pattern = parse_pattern(json.dumps({
        "s": ["x", 3, 3.5, True, False, None],
        "p": [{"prefix": "a"}, {"prefix": {"equals-ignore-case": "B"}}],
        "q": [{"suffix": "z"}, {"suffix": {"equals-ignore-case": "Y"}}],
        "e": [{"equals-ignore-case": "Mixed"}, {"exactly": "1.2.3.4"}],
        "w": [{"wildcard": "a*b"}],
        "n": [{"numeric": [">", 1, "<=", 2]}, {"numeric": ["=", 7]}, {"numeric": ["<", 0]}],
        "c": [{"cidr": "10.1.2.3/16"}],
        "x": [{"exists": True}],
        "ab": [{"anything-but": ["a", "b"]}, {"anything-but": 5}, {"anything-but": {"prefix": "p"}}],
    }))
    conds = {c.path: c.matchers for c in pattern.branches[0].conditions}
    assert conds[("s",)] == (
        Exact(Leaf("string", "x")), Exact(Leaf("number", 3.0)), Exact(Leaf("number", 3.5)),
        Exact(Leaf("bool", True)), Exact(Leaf("bool", False)), Exact(Leaf("null", None)),
    )
    assert conds[("p",)] == (Prefix("a"), Prefix("B", ignore_case=True))
    assert conds[("q",)] == (Suffix("z"), Suffix("Y", ignore_case=True))
    assert conds[("e",)] == (EqualsIgnoreCase("Mixed"), Exact(Leaf("string", "1.2.3.4")))
    assert conds[("w",)] == (Wildcard("a*b"),)
    assert conds[("n",)] == (Numeric(1.0, False, 2.0, True), Exact(Leaf("number", 7.0)), Numeric(None, False, 0.0, False))
    assert conds[("c",)] == (Cidr(ipaddress.ip_network("10.1.0.0/16")),)
    assert conds[("x",)] == (Exists(True),)
    assert conds[("ab",)] == (AnythingBut(strings=frozenset({"a", "b"})), AnythingBut(numbers=frozenset({5.0})),
                              AnythingButPrefix(("p",)))


def test_conditions_are_sorted_and_duplicates_dropped() -> None:
    pattern = parse_pattern('{"b": ["x", "x"], "a": {"c": ["y"]}}')
    (branch,) = pattern.branches
    assert [c.path for c in branch.conditions] == [("a", "c"), ("b",)]
    assert branch.conditions[1].matchers == (Exact(Leaf("string", "x")),)


def test_same_text_gives_an_equal_pattern_whatever_the_formatting() -> None:
    compact = '{"source":["a"],"detail":{"n":[{"numeric":[">",1]}]}}'
    spaced = json.dumps(json.loads(compact), indent=2)
    assert parse_pattern(compact) == parse_pattern(spaced)
    assert hash(parse_pattern(compact)) == hash(parse_pattern(spaced))


def test_300_and_300_point_0_are_the_same_value() -> None:
    assert parse_pattern('{"n": [300]}') == parse_pattern('{"n": [300.0]}') == parse_pattern('{"n": [3e2]}')


def test_or_expands_to_dnf() -> None:
    pattern = parse_pattern('{"s": ["x"], "$or": [{"a": ["1"]}, {"b": ["2"], "$or": [{"c": ["3"]}, {"d": ["4"]}]}]}')
    shapes = sorted(tuple(c.path[0] for c in b.conditions) for b in pattern.branches)
    assert shapes == [("a", "s"), ("b", "c", "s"), ("b", "d", "s")]


def test_key_repeated_inside_or_follows_document_order() -> None:
    # event-ruler writes each field into every branch; the later write wins (moto would AND them).
    before = parse_pattern('{"k": ["outer"], "$or": [{"k": ["inner"]}, {"z": ["1"]}]}')
    values = sorted(str(c.matchers) for b in before.branches for c in b.conditions if c.path == ("k",))
    assert values == sorted([str((Exact(Leaf("string", "inner")),)), str((Exact(Leaf("string", "outer")),))])
    after = parse_pattern('{"$or": [{"k": ["inner"]}, {"z": ["1"]}], "k": ["outer"]}')
    assert all(
        c.matchers == (Exact(Leaf("string", "outer")),) for b in after.branches for c in b.conditions if c.path == ("k",)
    )


def test_duplicate_keys_last_wins_but_every_value_is_validated() -> None:
    assert only_field(parse_pattern('{"a": ["1"], "a": ["2"]}')).matchers == (Exact(Leaf("string", "2")),)
    assert reason('{"a": [], "a": ["2"]}') == "Empty arrays are not allowed"  # streamed, so the first is checked too


def test_or_limit_is_counted_on_branches() -> None:
    def chain(k: str, width: int) -> dict[str, Any]:
        return {"$or": [{f"{k}{i}": ["x"]} for i in range(width)]}

    ok = parse_pattern(json.dumps({"a": chain("a", 10), "b": chain("b", 10), "c": chain("c", 10)}))
    assert len(ok.branches) == MAX_OR_COMBINATIONS
    assert reason(json.dumps({"a": chain("a", 10), "b": chain("b", 10), "c": chain("c", 10), "d": chain("d", 2)})) == (
        "Rule is too complex - the $or expressions expand to more than 1000 combinations"
    )


def test_trailing_text_after_the_pattern_is_ignored() -> None:
    assert parse_pattern('{"a": ["x"]} }}} garbage') == parse_pattern('{"a": ["x"]}')


def test_cidr_ignores_host_bits() -> None:
    cond = only_field(parse_pattern('{"ip": [{"cidr": "10.0.0.5/24"}]}'))
    assert cond.matchers == (Cidr(ipaddress.ip_network("10.0.0.0/24")),)
    pattern = Pattern((Branch((cond,)),))
    assert reference.matches(pattern, flatten({"ip": "10.0.0.4"}))
    assert not reference.matches(pattern, flatten({"ip": "10.0.1.0"}))


def test_cidr_accepts_java_style_addresses() -> None:
    assert only_field(parse_pattern('{"ip": [{"cidr": "010.0.0.0/8"}]}')).matchers == (
        Cidr(ipaddress.ip_network("10.0.0.0/8")),
    )
    assert only_field(parse_pattern('{"ip": [{"cidr": "10.0.0.0/+8"}]}')).matchers == (
        Cidr(ipaddress.ip_network("10.0.0.0/8")),
    )


# -- wildcard complexity -------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (["abc"], 1),  # no wildcard at all
        (["*aa"], 3),  # event-ruler's own test value (it stores the quoted form; same count here)
        (["a*bb"], 3),
        (["*a*a*a*a*a*a*a*a*"], 17),
        (["/Users/*/dir/dir/dir/dir/dir/doc.txt"], 7),
        (["*:*:*:*:*:event-bus/*"], 11),
        (["*.bif", "*.tiff", "*.tif", "*.svs"], 8),
        (["*/datasync/*.bif", "*/datasync/*.tif", "*/datasync/*.tiff", "*/datasync/*.svs"], 16),
    ],
)
def test_complexity_counts_matching_prefixes(values: list[str], expected: int) -> None:
    assert _wildcard.complexity(values, cap=100) == expected


def test_complexity_is_per_field_and_counts_anything_but_wildcards() -> None:
    four = [{"wildcard": f"*/datasync/*.{e}"} for e in ("bif", "tif")]
    parse_pattern(json.dumps({"a": four, "b": four}))  # 8 per field: fine
    assert reason(json.dumps({"a": four + [{"anything-but": {"wildcard": ["*/datasync/*.x", "*/datasync/*.y"]}}]})) == (
        _wildcard.TOO_COMPLEX
    )


# -- properties ----------------------------------------------------------------------------------
_names = itertools.count()


def _key() -> str:
    return f"k{next(_names)}"  # unique keys: no overriding, so branch counts are exact


_string = st.text(st.characters(blacklist_categories=("Cs",)), max_size=6)
_number = st.integers(-10**9, 10**9) | st.floats(-1e9, 1e9, allow_nan=False, allow_infinity=False)
_value = st.one_of(
    _string, _number, st.booleans(), st.none(),
    st.builds(lambda s: {"prefix": s}, _string),
    st.builds(lambda s: {"suffix": s}, _string),
    st.builds(lambda s: {"prefix": {"equals-ignore-case": s}}, _string),
    st.builds(lambda s: {"equals-ignore-case": s}, _string),
    st.builds(lambda s: {"wildcard": s.replace("\\", "").replace("*", "") + "*"}, _string),
    st.builds(lambda s: {"anything-but": s}, _string | _number),
    st.builds(lambda v: {"anything-but": v},
              st.lists(_string, min_size=1, max_size=3) | st.lists(_number, min_size=1, max_size=3)),
    st.builds(lambda s: {"anything-but": {"prefix": s + "x"}}, _string),
    st.builds(lambda s: {"anything-but": {"equals-ignore-case": [s]}}, _string),
    st.builds(lambda a, b: {"numeric": [">=", min(a, b), "<", max(a, b) + 1]}, _number, _number),
    st.builds(lambda a: {"numeric": ["<=", a]}, _number),
    st.builds(lambda b: {"exists": b}, st.booleans()),
    st.builds(lambda n, bits: {"cidr": f"10.{n}.0.0/{bits}"}, st.integers(0, 255), st.integers(8, 31)),
)


def _object(depth: int) -> st.SearchStrategy[dict[str, Any]]:
    leaf = st.lists(_value, min_size=1, max_size=3)
    if depth == 0:
        member = leaf
    else:
        member = st.one_of(leaf, st.deferred(lambda: _object(depth - 1)), st.deferred(lambda: _or(depth - 1)))
    return st.lists(member, min_size=1, max_size=3).map(lambda ms: {_or_key(m): m for m in ms})


def _or(depth: int) -> st.SearchStrategy[list[dict[str, Any]]]:
    return st.lists(_object(depth), min_size=2, max_size=3)


def _or_key(member: Any) -> str:
    is_or = isinstance(member, list) and member and all(isinstance(m, dict) and not _is_matcher(m) for m in member)
    return "$or" if is_or else _key()


def _is_matcher(obj: dict[str, Any]) -> bool:
    return len(obj) == 1 and next(iter(obj)) in EVENTBRIDGE.match_types


def _expected_branches(obj: dict[str, Any]) -> int:
    total = 1
    for key, value in obj.items():
        if key == "$or":
            total *= sum(_expected_branches(item) for item in value)
        elif isinstance(value, dict):
            total *= _expected_branches(value)
    return total


patterns = _object(2)


@settings(max_examples=150, deadline=None)
@given(patterns)
def test_generated_valid_patterns_parse(pattern: dict[str, Any]) -> None:
    text = json.dumps(pattern)
    if len(text) > 4096 or _expected_branches(pattern) > MAX_OR_COMBINATIONS:
        return
    parsed = parse_pattern(text)
    assert parsed.branches and all(b.conditions for b in parsed.branches)


@settings(max_examples=150, deadline=None)
@given(patterns)
def test_dnf_branch_count_is_the_product_of_or_sums(pattern: dict[str, Any]) -> None:
    expected = _expected_branches(pattern)
    if expected > MAX_OR_COMBINATIONS:
        return
    raw = compile_rule(load(json.dumps(pattern)), EVENTBRIDGE)
    assert len(raw) == expected
    assert len(parse_pattern(json.dumps(pattern)).branches) == expected  # unique keys: no two branches alike


_scalars = st.none() | st.booleans() | st.integers(-1000, 1000) | st.text(max_size=4)
_events = st.dictionaries(
    st.text("abc", min_size=1, max_size=2),
    st.recursive(
        _scalars,
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text("xyz", min_size=1, max_size=2), inner, max_size=2),
        max_leaves=8,
    ),
    min_size=1, max_size=4,
)


def _pattern_of(flat: dict[tuple[str, ...], list[Any]]) -> str:
    """Dotted keys say the same as nesting, and let a path and its parent both be fields."""
    return json.dumps({".".join(path): values for path, values in flat.items()})


@settings(max_examples=150, deadline=None)
@given(_events)
def test_a_pattern_of_an_events_own_values_matches_it(event: dict[str, Any]) -> None:
    flat = flatten(event)
    if not flat:
        return
    exact = parse_pattern(_pattern_of({p: [lf.value for lf in leaves] for p, leaves in flat.items()}))
    assert reference.matches(exact, flat)
    exists = parse_pattern(_pattern_of({p: [{"exists": True}] for p in flat}))
    assert reference.matches(exists, flat)
    absent = parse_pattern(_pattern_of({p + ("__absent__",): [{"exists": False}] for p in flat}))
    assert reference.matches(absent, flat)


@settings(max_examples=100, deadline=None)
@given(_events, _events)
def test_matching_is_an_and_of_fields(a: dict[str, Any], b: dict[str, Any]) -> None:
    fa, fb = flatten(a), flatten(b)
    if not fb:
        return
    pattern = parse_pattern(_pattern_of({p: [lf.value for lf in leaves] for p, leaves in fb.items()}))
    expected = all(any(lf in fa.get(path, []) for lf in leaves) for path, leaves in fb.items())
    assert reference.matches(pattern, fa) == expected
