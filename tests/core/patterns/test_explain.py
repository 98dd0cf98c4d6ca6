"""The explaining matcher: says which condition failed, and agrees with the real matcher
(the compiled ``RuleMatcher`` that ``services/events/matching.py`` builds per bus) on
every pattern and event."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from eventyard.core.patterns.compiled import RuleMatcher
from eventyard.core.patterns.event import flatten
from eventyard.core.patterns.explain import describe_matcher, explain
from eventyard.core.patterns.parse import parse_pattern
from eventyard.core.patterns.matchers import field_holds
from test_compiled import events, examples, patterns


def why(pattern_text: str, event: dict[str, Any]) -> str | None:
    found = explain(parse_pattern(pattern_text), flatten(event))
    return None if found.matched else (found.miss.sentence() if found.miss else "no branch")


EVENT = {"source": "shop.orders", "detail-type": "OrderPlaced", "detail": {"total": 120, "state": "paid"}}


def test_a_match_says_which_branch() -> None:
    found = explain(parse_pattern('{"source": ["shop.orders"]}'), flatten(EVENT))
    assert found.matched and found.matched_branch == 0 and found.miss is None


def test_a_near_miss_names_the_field_the_wanted_values_and_the_event_value() -> None:
    text = '{"source": ["shop.orders"], "detail": {"total": [{"numeric": [">", 200]}]}}'
    assert why(text, EVENT) == 'detail.total: wanted numeric > 200; the event has 120'


def test_an_absent_field() -> None:
    assert why('{"detail": {"customer": [{"prefix": "vip-"}]}}', EVENT) == (
        'detail.customer: wanted prefix "vip-"; the event has no such field')


def test_or_reports_the_nearest_miss() -> None:
    text = ('{"$or": [{"source": ["other"], "detail-type": ["Nope"]},'
            ' {"source": ["shop.orders"], "detail": {"state": ["refunded", "void"]}}]}')
    found = explain(parse_pattern(text), flatten(EVENT))
    assert not found.matched and found.miss is not None
    assert found.miss.branch == 1 and found.miss.failing == 1
    assert found.miss.sentence() == 'detail.state: wanted "refunded" or "void"; the event has "paid"'


def test_matchers_in_words() -> None:
    described = [describe_matcher(m) for b in parse_pattern(
        '{"a": [{"anything-but": ["y", "x"]}, {"exists": false}, {"cidr": "10.0.0.0/8"},'
        ' {"wildcard": "a*"}, {"equals-ignore-case": "Q"}, {"suffix": {"equals-ignore-case": ".PNG"}}]}'
    ).branches for c in b.conditions for m in c.matchers]
    assert described == ['anything-but ["x", "y"]', "exists: false", "cidr 10.0.0.0/8", 'wildcard "a*"',
                         'equals-ignore-case "Q"', 'suffix ".PNG" (ignoring case)']


@settings(max_examples=examples(300))
@given(st.lists(patterns, min_size=1, max_size=12), st.lists(events, min_size=1, max_size=4))
def test_agrees_with_the_rule_matcher(pattern_list: list[Any], event_list: list[Any]) -> None:
    matcher: RuleMatcher[int] = RuleMatcher()
    for rid, p in enumerate(pattern_list):
        matcher.add(rid, p)
    for event in event_list:
        flat = flatten(event)
        matched = matcher.match_event(event)
        for rid, p in enumerate(pattern_list):
            found = explain(p, flat)
            assert found.matched == (rid in matched)
            if not found.matched and p.branches:
                # the reported condition really fails, and every one before it in its branch holds
                assert found.miss is not None
                branch = p.branches[found.miss.branch]
                first = next(i for i, c in enumerate(branch.conditions) if not field_holds(c.matchers, flat.get(c.path)))
                assert first == found.miss.position and branch.conditions[first].path == found.miss.path
