"""EventBridge event patterns: JSON text in, validated ``Pattern`` (DNF) out.

``parse_pattern`` refuses exactly what EventBridge refuses, with its reason texts
(``InvalidEventPattern``). Choices where AWS is silent or unverified:

- A top-level ``{}`` is refused ("Empty objects are not allowed"), as event-ruler does.
- ``$or`` may expand to at most 1000 branches; beyond, ``TOO_MANY_COMBINATIONS`` (wording ours).
- A key repeated in the same object, or set both outside and inside a ``$or``, follows
  event-ruler: per branch, the value written last (in document order) wins.
- Trailing text after the pattern object is ignored, as event-ruler's streaming parser does.
- Numbers are doubles: ``300`` and ``300.0`` are one value, the full double range is accepted
  (event-ruler >= 1.8); no 6-decimal or +-5e9 limit.
- ``{"exactly": "..."}`` (event-ruler's literal match) is accepted, though the guide omits it.
- Wildcards are refused as too complex above event-ruler-style complexity 10 (see ``_wildcard``).
- JSON syntax errors are reported in Jackson's words as closely as we can phrase them.
- Errors end with Jackson's location (``\n at [Source: (String)"..."; line: 1, column: N]``)
  where AWS's do: N is where event-ruler's streaming parser stood (recorded answers in
  ``tests/core/patterns/test_error_locations.py``). CIDR errors and "too complex" carry
  none, as on AWS; errors from a list inside anything-but carry it twice, as on AWS.
  One difference is left: Jackson reads lazily, so AWS reports a rule error that comes
  before a JSON syntax error later in the text; we report the syntax error.
"""

from __future__ import annotations

from functools import lru_cache

from eventyard.core.json_errors import jackson_suffix
from eventyard.core.patterns import _json, _wildcard
from eventyard.core.patterns._ruler import Dialect, RawBranch, RuleError, compile_rule, offset_of
from eventyard.core.patterns.ast import (
    AnythingButWildcard,
    Branch,
    FieldCondition,
    Matcher,
    Path,
    Pattern,
    Wildcard,
)
from eventyard.core.patterns.errors import (
    EVENT_PATTERN_MAX_LENGTH,
    EventPatternTooLong,
    InvalidEventPattern,
)

__all__ = ["EVENTBRIDGE", "MAX_OR_COMBINATIONS", "TOO_MANY_COMBINATIONS", "build_pattern", "load_object", "parse_pattern"]

MAX_OR_COMBINATIONS = 1000
TOO_MANY_COMBINATIONS = (
    f"Rule is too complex - the $or expressions expand to more than {MAX_OR_COMBINATIONS} combinations"
)
NOT_AN_OBJECT = "Filter is not an object"

EVENTBRIDGE = Dialect(
    match_types=frozenset({
        "exactly", "prefix", "suffix", "equals-ignore-case", "wildcard", "anything-but",
        "numeric", "exists", "cidr",
    }),
    anything_but_ops=frozenset({"equals-ignore-case", "prefix", "suffix", "wildcard"}),
    legacy_anything_but=False,
    nested_ignore_case=True,
    number_limit=None,
    max_branches=MAX_OR_COMBINATIONS,
    too_many_branches=TOO_MANY_COMBINATIONS,
)


def parse_pattern(text: str) -> Pattern:
    """Parse and validate an EventBridge event pattern. Raises ``InvalidEventPattern``."""
    if len(text) > EVENT_PATTERN_MAX_LENGTH:
        raise EventPatternTooLong(text)
    return _parse(text)


@lru_cache(maxsize=4096)  # patterns are immutable; PutRule and bus reloads repeat texts
def _parse(text: str) -> Pattern:
    try:
        root = load_object(text)
    except _json.JsonSyntaxError as exc:
        raise InvalidEventPattern(exc.reason, _location(text, exc.offset)) from None
    except RecursionError:
        raise InvalidEventPattern(_json.TOO_DEEP) from None
    try:
        branches = compile_rule(root, EVENTBRIDGE)
    except RuleError as exc:
        offset = None if exc.at is None else offset_of(root, _json.where_of_values(text), exc.at)
        location = _location(text, offset)
        raise InvalidEventPattern(exc.reason, location * 2 if exc.doubled else location) from None
    except RecursionError:
        raise InvalidEventPattern(_json.TOO_DEEP) from None
    pattern = build_pattern(branches)
    if "wildcard" in text or "\\u" in text:  # cheap guard: no wildcard, nothing to evaluate
        _check_complexity(pattern)
    return pattern


def load_object(text: str) -> _json.Obj:
    """The pattern's top object; anything else is 'not an object' (or a JSON syntax error)."""
    if not text.lstrip(" \t\r\n").startswith("{") and _json.first_token_is_value(text):
        # Jackson's first token is already wrong
        raise _json.JsonSyntaxError(NOT_AN_OBJECT, _json.first_token_end(text))
    root = _json.load(text)
    if not isinstance(root, _json.Obj):
        raise _json.JsonSyntaxError(NOT_AN_OBJECT, _json.first_token_end(text))
    return root


def _location(text: str, offset: int | None) -> str:
    return "" if offset is None else jackson_suffix(text, offset)


def build_pattern(branches: list[RawBranch]) -> Pattern:
    """Canonical DNF: conditions sorted by path, duplicate matchers and branches dropped."""
    built: list[Branch] = []
    for raw in branches:
        conditions = []
        for path in sorted(raw):
            matchers = raw[path].matchers
            if len(matchers) > 1:
                matchers = tuple(dict.fromkeys(matchers))
            conditions.append(FieldCondition(path, matchers))
        built.append(Branch(tuple(conditions)))
    return Pattern(tuple(dict.fromkeys(built)) if len(built) > 1 else tuple(built))


def _check_complexity(pattern: Pattern) -> None:
    per_path: dict[Path, list[str]] = {}
    for branch in pattern.branches:
        for cond in branch.conditions:
            for matcher in cond.matchers:
                values = _wildcards(matcher)
                if values:
                    per_path.setdefault(cond.path, []).extend(values)
    for found in per_path.values():
        if _wildcard.complexity(found) > _wildcard.MAX_COMPLEXITY:
            raise InvalidEventPattern(_wildcard.TOO_COMPLEX)


def _wildcards(matcher: Matcher) -> tuple[str, ...]:
    if isinstance(matcher, Wildcard):
        return (matcher.value,)
    if isinstance(matcher, AnythingButWildcard):
        return matcher.values
    return ()
