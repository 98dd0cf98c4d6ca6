"""The obviously correct evaluator: check every branch of every pattern, one by one.

Slow by design; the compiled matcher must agree with it on every pattern and event.
"""

from __future__ import annotations

from eventyard.core.patterns.ast import Leaf, Path, Pattern
from eventyard.core.patterns.matchers import field_holds


def matches(pattern: Pattern, flat_event: dict[Path, list[Leaf]]) -> bool:
    return any(
        all(field_holds(cond.matchers, flat_event.get(cond.path)) for cond in branch.conditions)
        for branch in pattern.branches
    )
