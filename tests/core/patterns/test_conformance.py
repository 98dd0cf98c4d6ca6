"""EventBridge conformance: every case in conformance.json, through parse_pattern, the
reference evaluator and the compiled matcher (in C and in pure Python).

Each case is a pattern (``pattern`` as JSON, or ``pattern_text`` when the raw text matters:
duplicate keys, syntax errors) with either an event and the expected outcome, or the exact
``Reason`` text EventBridge gives. ``src`` says where the fact comes from: ``D`` the
EventBridge user guide, ``V`` behaviour recorded against AWS, ``R`` event-ruler (README or
source), ``N`` the project's AWS notes, ``C`` a documented choice of ours.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from eventyard.core.patterns import reference
from eventyard.core.patterns.compiled import NATIVE, RuleMatcher
from eventyard.core.patterns.errors import InvalidEventPattern
from eventyard.core.patterns.event import flatten
from eventyard.core.patterns.parse import parse_pattern

IMPLEMENTATIONS = [True, False] if NATIVE else [False]
CASES: list[dict[str, Any]] = json.loads((Path(__file__).parent / "conformance.json").read_text(encoding="utf-8"))


def _text(case: dict[str, Any]) -> str:
    return case["pattern_text"] if "pattern_text" in case else json.dumps(case["pattern"])


def test_the_table_is_large_and_well_formed() -> None:
    assert len(CASES) >= 200
    assert len({c["id"] for c in CASES}) == len(CASES)
    for case in CASES:
        assert case["src"][:1] in "DVRNC", case["id"]
        assert ("error" in case) != ("match" in case), case["id"]


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_case(case: dict[str, Any]) -> None:
    text = _text(case)
    if "error" in case:
        with pytest.raises(InvalidEventPattern) as caught:
            parse_pattern(text)
        assert caught.value.reason == case["error"]
        # the message adds Jackson's location (test_error_locations) to the reason
        assert caught.value.message.startswith("Event pattern is not valid. Reason: " + case["error"])
        assert caught.value.code == "InvalidEventPatternException"
    else:
        pattern = parse_pattern(text)
        assert reference.matches(pattern, flatten(case["event"])) is case["match"]
        for native in IMPLEMENTATIONS:  # the compiled matcher, in C and in Python
            matcher = RuleMatcher(native=native)
            matcher.add("r", pattern)
            assert (matcher.match_event(case["event"]) == {"r"}) is case["match"], native
