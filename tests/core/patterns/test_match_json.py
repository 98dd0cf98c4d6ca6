"""``RuleMatcher.match_json(text)`` is ``match_event(orjson.loads(text))``: the same rule
ids for every JSON text, the same error for every text that is not JSON.

With the C extension the text is read in place (``_native.TextMatcher``): only values on
paths some condition names become Python objects, and whatever the reader is not sure of
goes back to ``orjson.loads``. These properties hold it to the parse on texts that stress
that cut: dotted and escaped keys, duplicates, numbers in every spelling, big integers,
surrogates, bytes that are not UTF-8, control characters, deep nesting, trailing content.
The pure-Python matcher's ``match_json`` is the parse itself: the reference.
"""

from __future__ import annotations

import json
import math
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from eventyard.core.patterns.ast import (
    AnythingBut,
    Branch,
    Exact,
    Exists,
    FieldCondition,
    Leaf,
    Numeric,
    Pattern,
    Prefix,
    Wildcard,
)
from eventyard.core.patterns.compiled import NATIVE, RuleMatcher
from test_compiled import KEYS, both, events, examples, expected, patterns

# The properties run on the text reader (C); the pure-Python match_json is the parse itself.
reader = pytest.mark.parametrize("native", [NATIVE], ids=lambda n: "c" if n else "python")


def loaded(matcher: RuleMatcher, text: str | bytes) -> Any:
    """What ``match_event(orjson.loads(text))`` gives: the rule ids, or the error's type."""
    try:
        event = orjson.loads(text)
    except orjson.JSONDecodeError:
        return orjson.JSONDecodeError
    return matcher.match_event(event)


def by_text(matcher: RuleMatcher, text: str | bytes) -> Any:
    try:
        return matcher.match_json(text)
    except orjson.JSONDecodeError:
        return orjson.JSONDecodeError


def agree(matcher: RuleMatcher, text: str | bytes) -> Any:
    """match_json agrees with the parse, on the text as bytes and as str."""
    want = loaded(matcher, text)
    assert by_text(matcher, text) == want, text
    if isinstance(text, str):
        other: str | bytes = text.encode("utf-8", "surrogatepass")
    else:
        try:
            other = text.decode()
        except UnicodeDecodeError:
            return want
    assert by_text(matcher, other) == loaded(matcher, other), other
    return want


def compiled(pattern_list: list[Pattern], native: bool) -> RuleMatcher:
    matcher = RuleMatcher(native=native)
    for rid, p in enumerate(pattern_list):
        matcher.add(rid, p)
    return matcher


def dumps(event: Any, style: int) -> str:
    if style == 0:
        return json.dumps(event)
    if style == 1:
        return json.dumps(event, separators=(",", ":"), ensure_ascii=False)
    return json.dumps(event, indent=2, ensure_ascii=True)


def field(path: tuple[str, ...], *matchers: Any) -> Pattern:
    return Pattern((Branch((FieldCondition(path, tuple(matchers)),)),))


def text_leaf(value: str) -> Exact:
    return Exact(Leaf("string", value))


def number_leaf(value: float) -> Exact:
    return Exact(Leaf("number", value))


@reader
@settings(max_examples=examples(200), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(patterns, min_size=1, max_size=20), st.lists(events, min_size=1, max_size=6),
       st.integers(0, 2))
def test_match_json_is_match_event_of_the_parse(native: bool, pattern_list: list[Pattern],
                                                event_list: list[Any], style: int) -> None:
    matcher = compiled(pattern_list, native)
    rules = dict(enumerate(pattern_list))
    for event in event_list:
        text = dumps(event, style)
        assert agree(matcher, text) == expected(rules, orjson.loads(text))


# Raw JSON members: what json.dumps never writes (duplicates, odd escapes) or writes one way.
raw_keys = st.sampled_from(KEYS + ["d\\u0065tail", "a\\u002ex", "\\u00e9t\\u00e9", "\u00e9t\u00e9",
                                   "\\ud83d\\ude00", "so\\\"urce", "sourc\\u0065", "a\\/b"]
                           ).map(lambda k: f'"{k}"')
raw_scalars = st.sampled_from([
    '"a"', '"ab"', '"a\\u0062"', '"\\u0061b"', '"\\ud83d\\ude00"', '"\\ud800"', '"\\udc00x"',
    '"\u00df"', '"SS"', '"tab\\tx"', '"\\"q\\""', '"a\\\\b"', '"\\/"', '"\\u00e9"', '"\\u20ac"',
    '"\u20ac"', '"\U0001f600"', '"10.0.0.1"', '"10.0.1.7"', '"x*y"', '"\\x"', '"a\x01"', '"a\x7f"',
    "1", "-0", "0", "1.5", "1e3", "1E+3", "-2E-2", "100", "100.0", "1e2", "1.0e2", "10e1",
    "0.1e3", "2", "2.0", "5e-324", "1e-400", "-1e-400", "123456789012345678", "-123456789012345678",
    "1234567890123456789", "18446744073709551616", "100000000000000000000", "1e400", "-1e400",
    "1.7976931348623157e308", "0.30000000000000004", "true", "false", "null", "01", "1.", "-",
    "+1", ".5", "1e", "tru", "nul", "NaN", "Infinity", "[]", "{}", '"', "",
])


@st.composite
def raw_values(draw: st.DrawFn, depth: int = 0) -> str:
    if depth >= 3 or draw(st.booleans()):
        return draw(raw_scalars)
    if draw(st.booleans()):
        items = draw(st.lists(raw_values(depth + 1), max_size=3))
        return "[" + ",".join(items) + "]"
    members = draw(st.lists(st.tuples(raw_keys, raw_values(depth + 1)), max_size=4))
    space = draw(st.sampled_from(["", " ", "\n\t", "\r\n "]))
    return "{" + ",".join(f"{space}{k}{space}:{space}{v}" for k, v in members) + space + "}"


@reader
@settings(max_examples=examples(300), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(patterns, min_size=1, max_size=15), st.lists(raw_values(), min_size=1, max_size=6),
       st.sampled_from(["", " ", "\n", "x", ",", "}", "]", "\x00", " {}"]))
def test_odd_texts_agree_with_the_parse(native: bool, pattern_list: list[Pattern],
                                        texts: list[str], tail: str) -> None:
    matcher = compiled(pattern_list, native)
    for text in texts:
        agree(matcher, text)
        agree(matcher, text + tail)
        agree(matcher, " \t" + text)


number_texts = st.builds(
    lambda sign, whole, fraction, exponent: sign + whole + fraction + exponent,
    st.sampled_from(["", "-"]),
    st.sampled_from(["0"]) | st.from_regex(r"[1-9][0-9]{0,24}", fullmatch=True),
    st.sampled_from([""]) | st.from_regex(r"\.[0-9]{1,20}", fullmatch=True),
    st.sampled_from([""]) | st.from_regex(r"[eE][+-]?[0-9]{1,3}", fullmatch=True),
) | st.floats(allow_nan=False, allow_infinity=False).map(repr) | st.integers().map(str)


@reader
@settings(max_examples=examples(200), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(number_texts, min_size=1, max_size=6), st.data())
def test_numbers_in_every_spelling(native: bool, spellings: list[str], data: st.DataObject) -> None:
    """Exact numbers, ranges and anything-but on the values orjson reads, tested on every
    spelling: 1e2, 100 and 100.0 are one number."""
    values = []
    for spelling in spellings:
        try:
            value = orjson.loads(spelling)
        except orjson.JSONDecodeError:
            continue
        values.append(float(value))
    pattern_list: list[Pattern] = [field(("detail", "n"), Exists(True)), field(("n",), Exists(False))]
    for v in values:
        pattern_list += [
            field(("detail", "n"), number_leaf(v)),
            field(("detail", "n"), Numeric(v, True, None, False)),
            field(("detail", "n"), Numeric(None, False, v, False)),
            field(("detail", "n"), Numeric(math.nextafter(v, -math.inf), False, math.nextafter(v, math.inf), False)),
            field(("detail", "n"), AnythingBut(frozenset(), frozenset([v]))),
            field(("detail", "m", "n"), number_leaf(v)),
        ]
    matcher = compiled(pattern_list, native)
    for spelling in spellings:
        other = data.draw(st.sampled_from(spellings))
        agree(matcher, f'{{"detail": {{"n": {spelling}, "m": [{{"n": {other}}}]}}, "n": 1}}')
        agree(matcher, f'{{"detail": {{"n": [{spelling}, "x", null]}}}}')


@reader
@settings(max_examples=examples(200), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.text(max_size=8), min_size=1, max_size=5), st.data())
def test_unicode_and_escapes(native: bool, words: list[str], data: st.DataObject) -> None:
    """Any text, written with or without escapes, is the same value to every matcher kind."""
    pattern_list = []
    for w in words:
        pattern_list += [field(("detail", "s"), text_leaf(w)), field(("detail", "s"), Prefix(w[:2], False)),
                         field(("detail", "s"), Prefix(w[:1], True)), field(("s",), Wildcard(w[:1] + "*"))]
    matcher = compiled(pattern_list, native)
    for w in words:
        ascii_only = data.draw(st.booleans())
        body = json.dumps(w, ensure_ascii=ascii_only)
        agree(matcher, f'{{"detail": {{"s": {body}}}, "s": {body}}}')
        escaped = "".join(f"\\u{ord(c):04x}" if ord(c) < 0x10000 else c for c in w)
        if all(not 0xD800 <= ord(c) <= 0xDFFF for c in w):
            agree(matcher, f'{{"detail": {{"s": "{escaped}"}}}}')


@both
def test_duplicates_dots_escapes_and_errors(native: bool) -> None:
    on_a = field(("detail", "a"), text_leaf("x"))
    exists_b = field(("detail", "b"), Exists(True))
    prefix = field(("source",), Prefix("ab", False))
    missing = field(("detail", "c"), Exists(False), )
    number = field(("detail", "n"), number_leaf(100.0))
    matcher = compiled([on_a, exists_b, prefix, Pattern((Branch((
        FieldCondition(("source",), (Prefix("a", False),)),
        FieldCondition(("detail", "c"), (Exists(False),)))),)), number], native)
    assert missing  # (the Exists(False) pattern above needs an anchor beside it)
    cases: dict[str, Any] = {
        '{"detail": {"a": "x"}}': {0},
        '{"detail": {"a": "x"}, "detail": 5}': set(),  # the later duplicate wins
        '{"detail": 5, "detail": {"a": "x"}}': {0},
        '{"detail": {"a": "x", "a": "y"}}': set(),
        '{"detail": {"a": "y", "a": "x"}}': {0},
        '{"detail.a": "x"}': {0},  # a dotted key is a path
        '{"detail": {"\\u0061": "x"}}': {0},
        '{"d\\u0065tail": {"a": "x"}}': {0},
        '{"detail": {"a": "\\u0078"}}': {0},
        '{"source": "abc", "detail": {"c": 1}}': {2},
        '{"source": "abc"}': {2, 3},
        '{"source": "a\\u0062c"}': {2, 3},
        '{"detail": {"n": 1e2}}': {4},
        '{"detail": {"n": 100}}': {4},
        '{"detail": {"n": 100.0}}': {4},
        '{"detail": {"n": 1E+2}}': {4},
        '{"detail": {"n": 10000e-2}}': {4},
        '{"detail": {"n": [1, 100]}}': {4},
        '{"detail": {"n": "100"}}': set(),
        '{"detail": {"b": null}}': {1},
        '{"detail": {"b": {}}}': set(),  # an object is no value
        '{"detail": {"b": []}}': set(),
        '{"detail": [{"a": "x"}, {"b": 1}]}': {0, 1},
        '[{"detail": {"a": "x"}}]': {0},  # a top-level array is crushed too
        '"text"': set(),
        '{"detail": {"a": "x"}': orjson.JSONDecodeError,
        '{"detail": {"a": "x"}} x': orjson.JSONDecodeError,
        '{"detail": {"a": "x"},}': orjson.JSONDecodeError,
        '{"detail": {"n": 1e400}}': orjson.JSONDecodeError,
        '{"x": 1e400, "detail": {"a": "x"}}': orjson.JSONDecodeError,
        '{"x": "\\ud800", "detail": {"a": "x"}}': orjson.JSONDecodeError,
        '{"x": "a\tb", "detail": {"a": "x"}}': orjson.JSONDecodeError,
        '{"x": 01}': orjson.JSONDecodeError,
        '{"x": NaN}': orjson.JSONDecodeError,
        '': orjson.JSONDecodeError,
        '   ': orjson.JSONDecodeError,
    }
    for text, want in cases.items():
        assert agree(matcher, text) == want, text
    # bytes that are no UTF-8, anywhere, are refused as the parse refuses them
    for raw in [b'{"x": "\xff", "detail": {"a": "x"}}', b'{"x": "\xed\xa0\x80"}', b'{"x": "\xc0\xaf"}',
                b'{"x": "\xf4\x90\x80\x80"}', b'\xef\xbb\xbf{}', b'{"detail": {"a": "x\xe2\x82"}}']:
        assert agree(matcher, raw) is orjson.JSONDecodeError, raw
    assert agree(matcher, '{"x": "\u00e9\u20ac\U0001f600", "detail": {"a": "x"}}'.encode()) == {0}
    # lone surrogates in a str: the parse's error
    assert by_text(matcher, '{"detail": {"a": "\ud800"}}') == loaded(matcher, '{"detail": {"a": "\ud800"}}')


@reader
def test_deep_nesting(native: bool) -> None:
    matcher = compiled([field(("a", "a", "a"), Exists(True)), field(("b",), text_leaf("x"))], native)
    for depth in (1, 3, 150, 199, 200, 201, 300, 1023, 1024, 1025, 2000):
        agree(matcher, '{"a": ' * depth + "1" + "}" * depth)
        agree(matcher, '{"b": "x", "c": ' + "[" * depth + "]" * depth + "}")


@both
def test_rules_changed_between_texts(native: bool) -> None:
    matcher = RuleMatcher(native=native)
    text = b'{"source": "s", "detail": {"a": "x", "n": 5, "tags": ["p", "q"]}}'
    assert matcher.match_json(text) == set()
    matcher.add("r1", field(("source",), text_leaf("s")))
    assert matcher.match_json(text) == {"r1"}
    matcher.add("r2", field(("detail", "tags"), text_leaf("q")))
    matcher.add("r3", field(("detail", "n"), Numeric(4.0, False, None, False)))
    assert matcher.match_json(text) == {"r1", "r2", "r3"}
    matcher.remove("r1")
    assert matcher.match_json(text) == {"r2", "r3"}
    matcher.add("r2", field(("detail", "tags"), text_leaf("z")))  # replaced
    assert matcher.match_json(text) == {"r3"}
    matcher.add("always", field(("detail", "missing"), Exists(False)))  # no anchor at all
    assert matcher.match_json(text) == {"r3", "always"} == matcher.match_event(orjson.loads(text))
    matcher.remove("always")
    matcher.remove("r3")
    matcher.remove("r2")
    assert matcher.match_json(text) == set()


@reader
def test_the_benchmark_corpus(native: bool) -> None:
    from benchmarks.workloads.patterns import Corpus, build_ast

    corpus = Corpus(300, 7)
    matcher = RuleMatcher(native=native)
    for rid, text in enumerate(corpus.rules):
        matcher.add(rid, build_ast(text))
    for text in corpus.events[:300]:
        assert matcher.match_json(text) == matcher.match_event(orjson.loads(text))
