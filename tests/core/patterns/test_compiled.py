"""The compiled RuleMatcher agrees with the reference evaluator on every pattern and event,
walking events in C (the ``_native`` extension) and in pure Python alike: every test that
builds a matcher runs once per implementation (``native``).

Patterns are built as AST objects over a small vocabulary of paths and values, so that
rules collide on paths, values, prefixes and ranges, and events are JSON-like values over
the same vocabulary (arrays, nulls, objects where leaves are expected, dotted keys).
"""

from __future__ import annotations

import ipaddress
import math
import os
import subprocess
import sys
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from eventyard.core.patterns import reference
from eventyard.core.patterns._index_conditions import Condition, PathSpec, raw_of
from eventyard.core.patterns.ast import (
    AnythingBut,
    AnythingButIgnoreCase,
    AnythingButPrefix,
    AnythingButSuffix,
    AnythingButWildcard,
    Branch,
    Cidr,
    EqualsIgnoreCase,
    Exact,
    Exists,
    FieldCondition,
    Leaf,
    Matcher,
    Numeric,
    Pattern,
    Prefix,
    Suffix,
    Wildcard,
)
from eventyard.core.patterns.compiled import NATIVE, RuleMatcher
from eventyard.core.patterns.event import flatten
from eventyard.core.patterns.matchers import field_holds

# EVENTYARD_HYPOTHESIS_SCALE scales the number of generated examples (e.g. 0.1 for a run
# under valgrind memcheck, which is some 50 times slower).
_SCALE = float(os.environ.get("EVENTYARD_HYPOTHESIS_SCALE", "1"))


def examples(n: int) -> int:
    return max(5, round(n * _SCALE))


# Both implementations where the extension is built (test_native.py checks that it is).
IMPLEMENTATIONS = [True, False] if NATIVE else [False]
both = pytest.mark.parametrize("native", IMPLEMENTATIONS, ids=lambda n: "c" if n else "python")

# -- vocabulary -------------------------------------------------------------------------
PATHS = [
    ("source",), ("detail-type",), ("detail", "a"), ("detail", "b"), ("detail", "b", "c"),
    ("detail", "a", "x"), ("a",), ("a", "b"),
]
ODD_PATHS = [("a.b",), ("detail", "a.x"), ()]  # never produced by flattening
STRINGS = ["", "a", "ab", "abc", "b", "ba", "A", "AB", "Ab", "ß", "SS", "ss", "x*y", "a\\b",
           "10.0.0.1", "10.0.1.7", "10.1.2.3", "192.168.1.1", "2001:db8::1", "2001:0db8::1",
           "0.0.0.0", "null", "1", "true"]
NUMBERS = [0.0, -0.0, 1.0, 1.5, 2.0, -3.0, 100.0, 1e9, 5e-324, math.nextafter(1.0, 2.0)]
NETWORKS = ["10.0.0.0/8", "10.0.0.0/24", "10.0.0.1/32", "10.0.0.0/15", "0.0.0.0/0",
            "192.168.0.0/16", "2001:db8::/32", "::/0"]
WILDCARDS = ["*", "a*", "*b", "a*b", "*a*", "ab", "", "a\\*b", "x\\*y", "\\\\", "a\\\\b", "1*",
             "10.*", "*.1", "A*"]
KEYS = ["source", "detail-type", "detail", "a", "b", "c", "x", "a.x", "b.c", "a.b", "detail.a", ""]

strings = st.sampled_from(STRINGS)
wildcard_text = st.text(alphabet="ab*\\", max_size=6)
numbers = st.sampled_from(NUMBERS) | st.integers(-5, 5).map(float)
leaves = st.one_of(
    strings.map(lambda s: Leaf("string", s)),
    numbers.map(lambda n: Leaf("number", n)),
    st.sampled_from([Leaf("bool", True), Leaf("bool", False), Leaf("null", None)]),
)


@st.composite
def numeric(draw: st.DrawFn) -> Numeric:
    lower = draw(st.none() | numbers)
    upper = draw(st.none() | numbers)
    return Numeric(lower, draw(st.booleans()), upper, draw(st.booleans()))


matchers: st.SearchStrategy[Matcher] = st.one_of(
    leaves.map(Exact),
    st.builds(Prefix, strings, st.booleans()),
    st.builds(Suffix, strings, st.booleans()),
    strings.map(EqualsIgnoreCase),
    (st.sampled_from(WILDCARDS) | wildcard_text).map(Wildcard),
    numeric(),
    st.sampled_from(NETWORKS).map(lambda n: Cidr(ipaddress.ip_network(n))),
    st.builds(AnythingBut, st.frozensets(strings, max_size=3), st.frozensets(numbers, max_size=2)),
    st.lists(strings, min_size=1, max_size=2).map(lambda v: AnythingButPrefix(tuple(v))),
    st.lists(strings, min_size=1, max_size=2).map(lambda v: AnythingButSuffix(tuple(v))),
    st.lists(strings, min_size=1, max_size=2).map(lambda v: AnythingButIgnoreCase(tuple(v))),
    st.lists(st.sampled_from(WILDCARDS), min_size=1, max_size=2).map(
        lambda v: AnythingButWildcard(tuple(v))),
    st.booleans().map(Exists),
)
paths = st.sampled_from(PATHS) | st.sampled_from(ODD_PATHS).filter(lambda _: True)
conditions = st.builds(
    FieldCondition,
    st.one_of(st.sampled_from(PATHS), st.sampled_from(PATHS), st.sampled_from(ODD_PATHS)),
    st.lists(matchers, min_size=1, max_size=3).map(tuple),
)
branches = st.lists(conditions, min_size=0, max_size=3).map(lambda cs: Branch(tuple(cs)))
patterns = st.lists(branches, min_size=1, max_size=3).map(lambda bs: Pattern(tuple(bs))) | \
    st.just(Pattern(()))

json_scalars = st.one_of(
    strings, numbers, st.integers(-5, 5), st.sampled_from([True, False, None, 10**20, 2**53 + 1]),
)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(KEYS), inner, max_size=4),
    max_leaves=12,
)
events = st.dictionaries(st.sampled_from(KEYS), json_values, max_size=6)


def expected(rules: dict[Any, Pattern], event: Any) -> set[Any]:
    flat = flatten(event)
    return {rid for rid, p in rules.items() if reference.matches(p, flat)}


def check(matcher: RuleMatcher, rules: dict[Any, Pattern], event: Any) -> None:
    want = expected(rules, event)
    assert matcher.match_event(event) == want
    assert matcher.match(flatten(event)) == want


def assert_empty(matcher: RuleMatcher) -> None:
    assert len(matcher) == 0
    assert not matcher._nodes and not matcher._conds and not matcher._always
    assert not matcher._specs and not matcher._branches and not matcher._root.children


# -- properties ---------------------------------------------------------------------------
@both
@settings(max_examples=examples(300), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(patterns, min_size=1, max_size=25), st.lists(events, min_size=1, max_size=6))
def test_many_rules_agree_with_reference(native: bool, pattern_list: list[Pattern], event_list: list[Any]) -> None:
    rules = dict(enumerate(pattern_list))
    matcher = RuleMatcher(native=native)
    for rid, p in rules.items():
        matcher.add(rid, p)
    assert len(matcher) == len(rules)
    for event in event_list:
        check(matcher, rules, event)


@settings(max_examples=examples(150), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.tuples(st.sampled_from(["add", "add", "remove"]), st.integers(0, 7), patterns),
        min_size=1, max_size=30,
    ),
    st.lists(events, min_size=1, max_size=3),
)
@both
def test_add_remove_replace_sequences(native: bool, ops: list[tuple[str, int, Pattern]], event_list: list[Any]) -> None:
    matcher = RuleMatcher(native=native)
    rules: dict[int, Pattern] = {}
    for i, (op, rid, pattern) in enumerate(ops):
        if op == "add":
            matcher.add(rid, pattern)
            rules[rid] = pattern
        else:
            matcher.remove(rid)
            rules.pop(rid, None)
        assert len(matcher) == len(rules)
        if i % 5 == 4:
            for event in event_list:
                check(matcher, rules, event)
    for event in event_list:
        check(matcher, rules, event)
    for rid in list(rules):
        matcher.remove(rid)
    assert_empty(matcher)


@settings(max_examples=examples(300), deadline=None)
@given(st.lists(matchers, min_size=1, max_size=3), st.lists(leaves, max_size=3))
def test_condition_holds_is_field_holds(ms: list[Matcher], leaf_list: list[Leaf]) -> None:
    cond = Condition(None, tuple(ms), PathSpec(("p",)))
    assert cond.holds([raw_of(lf) for lf in leaf_list]) == field_holds(tuple(ms), leaf_list)


@both
@settings(max_examples=examples(300), deadline=None)
@given(st.lists(wildcard_text, min_size=1, max_size=2), st.lists(wildcard_text | strings, max_size=3))
def test_wildcards_like_the_regex(native: bool, patterns_: list[str], texts: list[str]) -> None:
    # wildcards are matched piece by piece, not with matchers' regex: same answers
    leaf_list = [Leaf("string", t) for t in texts]
    for ms in ((Wildcard(patterns_[0]),), (AnythingButWildcard(tuple(patterns_)),)):
        cond = Condition(None, ms, PathSpec(("p",)))
        assert cond.holds([raw_of(lf) for lf in leaf_list]) == field_holds(ms, leaf_list)
    # ... and so does the matcher, which evaluates them in C when native
    rules = {"w": pat(("p",), Wildcard(patterns_[0])),
             "abw": pat(("p",), AnythingButWildcard(tuple(patterns_))),
             "both": conj((("p",), (Wildcard(patterns_[-1]),)), (("q",), (Exists(True),)))}
    matcher = compiled(rules, native)
    check(matcher, rules, {"p": texts, "q": 1})
    for text in texts:
        check(matcher, rules, {"p": text, "q": [text]})


@both
@settings(max_examples=examples(200), deadline=None)
@given(st.lists(st.sampled_from(NETWORKS), min_size=1, max_size=4),
       st.lists(st.integers(0, 2**32 - 1).map(lambda n: str(ipaddress.IPv4Address(n))) |
                st.sampled_from(["10.0.0.1", "10.0.0.255", "10.1.0.0", "11.0.0.0", "10.0.0.01",
                                 "2001:db8::5", "::ffff:10.0.0.1", " 10.0.0.1", "10.0.0.1 "]),
                min_size=1, max_size=4))
def test_cidr_prefix_prefilter(native: bool, nets: list[str], addresses: list[str]) -> None:
    # The index looks CIDRs up by their leading octets: it must never miss an address.
    rules = {i: pat(("ip",), Cidr(ipaddress.ip_network(n))) for i, n in enumerate(nets)}
    matcher = RuleMatcher(native=native)
    for rid, p in rules.items():
        matcher.add(rid, p)
    for address in addresses:
        check(matcher, rules, {"ip": address})


# -- examples -------------------------------------------------------------------------------
def pat(path: tuple[str, ...], *ms: Matcher) -> Pattern:
    return Pattern((Branch((FieldCondition(path, ms),)),))


def conj(*conds: tuple[tuple[str, ...], tuple[Matcher, ...]]) -> Pattern:
    return Pattern((Branch(tuple(FieldCondition(p, ms) for p, ms in conds)),))


def s(v: str) -> Exact:
    return Exact(Leaf("string", v))


def n(v: float) -> Exact:
    return Exact(Leaf("number", float(v)))


def compiled(rules: dict[Any, Pattern], native: bool) -> RuleMatcher:
    matcher = RuleMatcher(native=native)
    for rid, p in rules.items():
        matcher.add(rid, p)
    return matcher


@both
def test_exact_values_keep_json_types(native: bool) -> None:
    rules = {
        "str1": pat(("v",), s("1")), "num1": pat(("v",), n(1)), "true": pat(("v",), Exact(Leaf("bool", True))),
        "null": pat(("v",), Exact(Leaf("null", None))), "strnull": pat(("v",), s("null")),
        "zero": pat(("v",), n(0)), "false": pat(("v",), Exact(Leaf("bool", False))),
    }
    m = compiled(rules, native)
    assert m.match_event({"v": 1}) == {"num1"}
    assert m.match_event({"v": 1.0}) == {"num1"}
    assert m.match_event({"v": True}) == {"true"}
    assert m.match_event({"v": "1"}) == {"str1"}
    assert m.match_event({"v": None}) == {"null"}
    assert m.match_event({"v": "null"}) == {"strnull"}
    assert m.match_event({"v": False}) == {"false"}
    assert m.match_event({"v": -0.0}) == {"zero"}
    assert m.match_event({"v": [1, "1", True]}) == {"num1", "str1", "true"}
    assert m.match_event({"v": []}) == set()
    assert m.match_event({"v": {"w": 1}}) == set()
    assert m.match_event({}) == set()


@both
def test_prefix_suffix_and_ignore_case(native: bool) -> None:
    rules = {
        "pre": pat(("v",), Prefix("ab")), "pre-empty": pat(("v",), Prefix("")),
        "ipre": pat(("v",), Prefix("AB", True)), "suf": pat(("v",), Suffix("yz")),
        "isuf": pat(("v",), Suffix("YZ", True)), "eic": pat(("v",), EqualsIgnoreCase("Straße")),
    }
    m = compiled(rules, native)
    assert m.match_event({"v": "abc"}) == {"pre", "pre-empty", "ipre"}
    assert m.match_event({"v": "ABc"}) == {"pre-empty", "ipre"}
    assert m.match_event({"v": "xyz"}) == {"pre-empty", "suf", "isuf"}
    assert m.match_event({"v": "xYz"}) == {"pre-empty", "isuf"}
    assert m.match_event({"v": "STRASSE"}) == {"pre-empty", "eic"}  # casefold, like matchers
    assert m.match_event({"v": ""}) == {"pre-empty"}
    assert m.match_event({"v": 12}) == set()  # strings only


@both
def test_many_affix_lengths_on_one_path(native: bool) -> None:
    # more distinct lengths than the generated probes unroll
    text = "abcdefghijklmn"
    rules: dict[Any, Pattern] = {}
    for n in range(13):
        rules[("pre", n)] = pat(("v",), Prefix(text[:n]))
        rules[("suf", n)] = pat(("v",), Suffix(text[-n:] if n else ""))
        rules[("ipre", n)] = pat(("v",), Prefix(text[:n].upper(), True))
        rules[("isuf", n)] = pat(("v",), Suffix((text[-n:] if n else "").upper(), True))
    m = compiled(rules, native)
    for value in (text, text[:5], text[-7:], text.upper(), "x", ""):
        check(m, rules, {"v": value})


@both
def test_numeric_ranges(native: bool) -> None:
    rules = {
        "gt0": pat(("v",), Numeric(0, False)), "ge0": pat(("v",), Numeric(0, True)),
        "lt10": pat(("v",), Numeric(None, False, 10, False)),
        "le10": pat(("v",), Numeric(None, False, 10, True)),
        "0-10": pat(("v",), Numeric(0, True, 10, False)),
        "eq5": pat(("v",), Numeric(5, True, 5, True)),
        "empty": pat(("v",), Numeric(5, False, 5, True)),
        "any": pat(("v",), Numeric()),
    }
    m = compiled(rules, native)
    assert m.match_event({"v": 0}) == {"ge0", "lt10", "le10", "0-10", "any"}
    assert m.match_event({"v": 5}) == {"gt0", "ge0", "lt10", "le10", "0-10", "eq5", "any"}
    assert m.match_event({"v": 10}) == {"gt0", "ge0", "le10", "any"}
    assert m.match_event({"v": -1e300}) == {"lt10", "le10", "any"}
    assert m.match_event({"v": "5"}) == set()
    assert m.match_event({"v": None}) == set()


@both
def test_wildcard_and_cidr(native: bool) -> None:
    rules = {
        "arn": pat(("v",), Wildcard("arn:aws:s3:::bucket-*")), "mid": pat(("v",), Wildcard("*:*")),
        "star": pat(("v",), Wildcard("a\\*b")), "ten": pat(("v",), Cidr(ipaddress.ip_network("10.0.0.0/8"))),
        "v6": pat(("v",), Cidr(ipaddress.ip_network("2001:db8::/32"))),
    }
    m = compiled(rules, native)
    assert m.match_event({"v": "arn:aws:s3:::bucket-1"}) == {"arn", "mid"}
    assert m.match_event({"v": "a*b"}) == {"star"}
    assert m.match_event({"v": "axb"}) == set()
    assert m.match_event({"v": "10.20.30.40"}) == {"ten"}
    assert m.match_event({"v": "10.20.30"}) == set()
    assert m.match_event({"v": "2001:0db8:0000::1"}) == {"v6", "mid"}


@both
def test_exists_false_and_missing_fields(native: bool) -> None:
    rules = {
        "absent": pat(("detail", "x"), Exists(False)),
        "present": pat(("detail", "x"), Exists(True)),
        "absent-or-a": pat(("detail", "x"), Exists(False), s("a")),
        "src-and-absent": conj((("source",), (s("s"),)), (("detail", "x"), (Exists(False),))),
        "match-all": Pattern((Branch(()),)),
        "never": Pattern(()),
    }
    m = compiled(rules, native)
    always = {"absent", "absent-or-a", "match-all"}
    assert m.match_event({}) == always
    assert m.match_event({"source": "s"}) == always | {"src-and-absent"}
    assert m.match_event({"detail": {"x": None}}) == {"present", "match-all"}
    assert m.match_event({"detail": {"x": "a"}, "source": "s"}) == {"present", "absent-or-a", "match-all"}
    assert m.match_event({"detail": {"x": []}}) == always  # an empty array is no value
    assert m.match_event({"detail": {"x": {"y": 1}}}) == always  # an object is not a leaf
    assert m.match_event({"detail": "x"}) == always
    assert m.match_event({"detail.x": 1}) == {"present", "match-all"}


@both
def test_anything_but_needs_the_field(native: bool) -> None:
    rules = {
        "ab": pat(("v",), AnythingBut(frozenset({"a"}), frozenset({1.0}))),
        "abp": pat(("v",), AnythingButPrefix(("a",))),
        "abs": pat(("v",), AnythingButSuffix(("z",))),
        "abi": pat(("v",), AnythingButIgnoreCase(("A",))),
        "abw": pat(("v",), AnythingButWildcard(("a*",))),
    }
    m = compiled(rules, native)
    assert m.match_event({}) == set()
    assert m.match_event({"v": []}) == set()
    assert m.match_event({"v": "a"}) == {"abs"}
    assert m.match_event({"v": "az"}) == {"ab", "abi"}
    assert m.match_event({"v": ["a", "b"]}) == set(rules)  # any element not excluded
    assert m.match_event({"v": None}) == set(rules)
    assert m.match_event({"v": 1}) == {"abp", "abs", "abi", "abw"}


@both
def test_or_branches_and_conjunctions(native: bool) -> None:
    p = Pattern((
        Branch((FieldCondition(("source",), (s("a"),)), FieldCondition(("n",), (Numeric(0, False),)))),
        Branch((FieldCondition(("source",), (s("b"),)),)),
    ))
    m = compiled({"r": p}, native)
    assert m.match_event({"source": "a", "n": 1}) == {"r"}
    assert m.match_event({"source": "a", "n": 0}) == set()
    assert m.match_event({"source": "b"}) == {"r"}
    assert m.match_event({"source": ["a", "b"]}) == {"r"}


@both
def test_dotted_keys_and_arrays_of_objects(native: bool) -> None:
    m = compiled({"r": pat(("detail", "b", "c"), s("x")), "odd": pat(("a.b",), s("x"))}, native)
    assert m.match_event({"detail.b.c": "x"}) == {"r"}
    assert m.match_event({"detail": {"b.c": "x"}}) == {"r"}
    assert m.match_event({"detail": [{"b": [{"c": "y"}, {"c": ["x"]}]}]}) == {"r"}
    assert m.match_event({"a.b": "x"}) == set()  # a dotted pattern key never sees a value
    assert m.match({("a.b",): [Leaf("string", "x")]}) == {"odd"}  # ... unless handed one


@both
def test_many_rules_share_one_value(native: bool) -> None:
    shared = pat(("source",), s("aws.ec2"))
    m = RuleMatcher(native=native)
    for i in range(10_000):
        m.add(i, shared)
    m.add("other", conj((("source",), (s("aws.ec2"),)), (("detail", "id"), (s("i-1"),))))
    assert len(m._conds) == 2  # one condition object per distinct (path, matchers)
    assert len(m.match_event({"source": "aws.ec2"})) == 10_000
    assert len(m.match_event({"source": "aws.ec2", "detail": {"id": "i-1"}})) == 10_001
    assert m.match_event({"source": "aws.s3"}) == set()
    # the rare condition anchors the conjunction
    assert m._conds[(("detail", "id"), frozenset({s("i-1")}))].posting is not None


@both
def test_anchors_follow_the_statistics(native: bool) -> None:
    # The first rule cannot know that "source" will be common: it is re-examined as
    # rules arrive, and moves to its rare condition. Answers never change on the way.
    m = RuleMatcher(native=native)
    first = conj((("source",), (s("aws.ec2"),)), (("detail", "id"), (s("i-0"),)))
    m.add("first", first)
    rules: dict[Any, Pattern] = {"first": first}
    for i in range(1, 200):
        rules[i] = conj((("source",), (s("aws.ec2"),)), (("detail", "id"), (s(f"i-{i}"),)))
        m.add(i, rules[i])
        if i % 50 == 0:
            for event in ({"source": "aws.ec2", "detail": {"id": "i-0"}}, {"source": "aws.ec2"},
                          {"detail": {"id": ["i-0", f"i-{i}"]}, "source": ["x", "aws.ec2"]}):
                check(m, rules, event)
    assert all(b.anchor is not None and b.anchor.path == ("detail", "id")
               for b in m._branches.values())
    # "source" carries no anchor any more, so it is not even walked
    assert ("source",) not in m._nodes
    for rid in list(rules):
        m.remove(rid)
    assert_empty(m)


@both
@settings(max_examples=examples(25), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(patterns, min_size=60, max_size=150), st.lists(events, min_size=3, max_size=6),
       st.randoms(use_true_random=False))
def test_large_rule_sets_with_churn(native: bool, pattern_list: list[Pattern], event_list: list[Any], rnd: Any) -> None:
    # Enough rules for anchors to move and paths to gain and lose their index.
    matcher = RuleMatcher(native=native)
    rules: dict[int, Pattern] = {}
    for i, p in enumerate(pattern_list):
        matcher.add(i, p)
        rules[i] = p
    for event in event_list:
        check(matcher, rules, event)
    for rid in rnd.sample(sorted(rules), len(rules) // 2):
        matcher.remove(rid)
        del rules[rid]
    for i, p in enumerate(rnd.sample(pattern_list, len(pattern_list) // 3)):
        matcher.add(1000 + i, p)
        rules[1000 + i] = p
    for event in event_list:
        check(matcher, rules, event)
    for rid in list(rules):
        matcher.remove(rid)
    assert_empty(matcher)


@both
def test_remove_and_replace(native: bool) -> None:
    m = RuleMatcher(native=native)
    m.add("r", pat(("v",), Prefix("ab")))
    m.add("q", pat(("v",), Numeric(0, True, 10, True)))
    assert m.match_event({"v": "abc"}) == {"r"}
    m.add("r", pat(("v",), s("x")))  # replace
    assert len(m) == 2
    assert m.match_event({"v": "abc"}) == set()
    assert m.match_event({"v": "x"}) == {"r"}
    m.remove("r")
    m.remove("r")  # unknown ids are ignored
    assert m.match_event({"v": "x"}) == set()
    assert m.match_event({"v": 3}) == {"q"}
    m.remove("q")
    assert_empty(m)
    # a condition no value can satisfy is the best anchor of all, and has no index entry
    never = Numeric(0, False, 0, False)
    m.add("x", Pattern((Branch((FieldCondition(("v",), (s("a"),)),)),
                        Branch((FieldCondition(("v",), (s("a"),)), FieldCondition(("v",), (never,)))))))
    assert m.match_event({"v": "a"}) == {"x"}
    m.remove("x")
    assert_empty(m)


@both
def test_a_pattern_it_cannot_take_changes_nothing(native: bool) -> None:
    m = compiled({"r": pat(("v",), s("a"))}, native)
    nonsense: Any = "nonsense"
    bad = Pattern((Branch((FieldCondition(("w",), (s("b"),)), FieldCondition(("v",), (nonsense,)))),))
    try:
        m.add("r", bad)
    except TypeError:
        pass
    else:  # pragma: no cover
        raise AssertionError("an unknown matcher was accepted")
    assert m.match_event({"v": "a"}) == {"r"}
    assert len(m._conds) == 1 and set(m._specs) == {("v",)}
    m.remove("r")
    assert_empty(m)


@both
def test_unusual_python_values(native: bool) -> None:
    class Text(str):
        pass

    m = compiled({"r": pat(("v",), s("a")), "n": pat(("w",), n(3))}, native)
    assert m.match_event({"v": Text("a")}) == {"r"}
    assert m.match_event({"v": ("a",)}) == set()  # not a JSON array
    assert m.match_event({1: {"v": "a"}}) == set()
    assert m.match_event({"w": 3, "v": b"a"}) == {"n"}
    assert m.match_event([{"v": "a"}]) == {"r"}
    assert m.match_event("a") == set()


# -- the C extension: built, used, and safe on hostile input -------------------------------
def test_the_c_extension_is_built_and_used() -> None:
    # CI builds it with ``pip install -e .``; a silently missing build must fail here.
    from eventyard.core.patterns import _accel

    if os.environ.get("EVENTYARD_PURE_PYTHON", "") not in ("", "0"):
        assert _accel.native is None and not RuleMatcher().native
        return
    assert _accel.native is not None, "eventyard.core.patterns._native is not built"
    matcher = RuleMatcher()
    assert matcher.native
    assert isinstance(matcher._root, _accel.native.NodeBase)
    assert RuleMatcher(native=False).native is False


def test_pure_python_fallback_in_a_fresh_interpreter() -> None:
    # EVENTYARD_PURE_PYTHON=1: no class derives from the extension, answers are the same.
    script = """if True:
        from eventyard.core.patterns import _accel
        from eventyard.core.patterns.compiled import RuleMatcher
        from eventyard.core.patterns.parse import parse_pattern
        assert _accel.native is None
        m = RuleMatcher()
        assert not m.native and type(m._root).__mro__[1] is object
        try:
            RuleMatcher(native=True)
        except RuntimeError:
            pass
        else:
            raise AssertionError("native=True without the extension")
        m.add("a", parse_pattern('{"detail": {"n": [{"numeric": [">", 1]}], "s": [{"prefix": "x"}]}}'))
        m.add("b", parse_pattern('{"source": ["s"], "detail": {"ip": [{"cidr": "10.0.0.0/8"}]}}'))
        assert m.match_event({"detail": {"n": 2, "s": "xy"}}) == {"a"}
        assert m.match_event({"source": "s", "detail": {"ip": ["1.1.1.1", "10.2.3.4"]}}) == {"b"}
        print("ok")
    """
    env = {**os.environ, "EVENTYARD_PURE_PYTHON": "1"}
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"


@both
def test_tree_changes_between_events_with_the_same_key_objects(native: bool) -> None:
    # The extension remembers which child an event key object leads to; adding and
    # removing paths must be seen by the next event, even with the very same key objects
    # (a JSON parser reuses them), and with more keys than that memory holds.
    m = RuleMatcher(native=native)
    m.add("z", pat(("zz",), s("z")))  # the root has a child: events are walked from now on
    for extra in ({}, {f"k{i}": "v" for i in range(300)}):
        event = {"a": {"b": "x", **extra}, "c": "y", "a.d": "z", **extra}
        assert m.match_event(event) == set()
        m.add("r", pat(("a", "b"), s("x")))
        assert m.match_event(event) == {"r"}
        m.add("t", pat(("c",), s("y")))
        assert m.match_event(event) == {"r", "t"}
        m.add("d", pat(("a", "d"), s("z")))
        assert m.match_event(event) == {"r", "t", "d"}
        m.remove("r")
        assert m.match_event(event) == {"t", "d"}
        m.remove("t")
        assert m.match_event(event) == {"d"}
        m.remove("d")
        assert m.match_event(event) == set()
        m.add("r", pat(("a", "b"), s("x")))
        assert m.match_event(event) == {"r"}
        other = RuleMatcher(native=native)  # another matcher's changes do not confuse this one
        other.add("c", pat(("c",), s("y")))
        assert m.match_event(event) == {"r"} and other.match_event(event) == {"c"}
        m.remove("r")


@both
def test_thousands_of_affixes_on_one_path_come_and_go(native: bool) -> None:
    # The C walk skips pieces of a value by a hash filter of the indexed texts; it grows
    # with the texts and forgets removed ones.
    rules: dict[Any, Pattern] = {}
    for i in range(2000):
        rules[("pre", i)] = pat(("v",), Prefix(f"p{i}-"))
        rules[("suf", i)] = pat(("v",), Suffix(f"-{i}s"))
        rules[("ipre", i)] = pat(("v",), Prefix(f"Ü{i}-", True))
    m = compiled(rules, native)
    values = ["p7-x-12s", "p1999-", "-0s", "ü42-a", "Ü1999-", "p2000-", "x", "p12-y-1999s"]
    for value in values:
        check(m, rules, {"v": [value, value.upper()]})
    for i in range(0, 2000, 2):
        for kind in ("pre", "suf", "ipre"):
            m.remove((kind, i))
            del rules[(kind, i)]
    for value in values + ["p8-", "-1998s", "ü2-"]:
        check(m, rules, {"v": [value, value.upper()]})


@both
def test_numbers_at_indexed_paths(native: bool) -> None:
    # Numeric ranges, one-sided bounds, exact numbers and any-number anchors probed in C.
    rules = {
        "ge5": pat(("v",), Numeric(5.0, True, None, False)),
        "gt5": pat(("v",), Numeric(5.0, False, None, False)),
        "le5": pat(("v",), Numeric(None, False, 5.0, True)),
        "lt5": pat(("v",), Numeric(None, False, 5.0, False)),
        "r": pat(("v",), Numeric(1.0, False, 9.0, True)),
        "eq7": pat(("v",), Numeric(7.0, True, 7.0, True)),
        "any": conj((("v",), (Numeric(None, False, None, False),)), (("w",), (s("x"),))),
        "seven": pat(("v",), n(7)),
    }
    m = compiled(rules, native)
    for value in [-1e308, 0, 1, 1.0000001, 4.999, 5, 5.0, 5.0000001, 7, 9, 9.5, 10**20, True, None, "7"]:
        for event in ({"v": value, "w": "x"}, {"v": [value, "a"], "w": ["x"]}, {"v": {"v": value}}):
            check(m, rules, event)


@both
def test_deep_nesting_raises_instead_of_crashing(native: bool) -> None:
    m = compiled({"r": pat(("a", "b"), s("x")), "t": pat(("a", "c"), Prefix("y"))}, native)
    deep: Any = "x"
    for _ in range(100_000):
        deep = [deep]
    with pytest.raises(RecursionError):
        m.match_event({"a": {"b": deep}})
    with pytest.raises(RecursionError):
        m.match_event({"a": {"c": deep}, "b": 1})  # the tested path's values, fetched
    shallow: Any = "x"
    for _ in range(50):
        shallow = [shallow, {"b": ["y"]}]
    assert m.match_event({"a": {"b": shallow}}) == {"r"}
    assert m.match_event({"a": shallow}) == set()  # no "b" key under "a" directly: y is under a.b


@both
def test_huge_arrays_and_odd_text(native: bool) -> None:
    rules = {"r": pat(("a",), s("needle")), "ip": pat(("ip",), Cidr(ipaddress.ip_network("10.0.0.0/8"))),
             "w": conj((("a",), (Wildcard("n*e"),)), (("ip",), (Exists(True),))),
             "abi": pat(("ip",), AnythingButIgnoreCase(("X",)))}
    m = compiled(rules, native)
    haystack = ["hay"] * 200_000 + ["needle"]
    assert m.match_event({"a": haystack}) == {"r"}
    for text in ["\ud800", "10.0.0.\ud800", "\x00", "10.0.0.1\x00", "１０.0.0.1", "10.0.0.1", "ｘ"]:
        check(m, rules, {"a": [text, "needle"], "ip": text})
