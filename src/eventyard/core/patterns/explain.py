"""Why a pattern did or did not match an event: the first field whose condition failed.

The answer comes from the same leaf-level semantics as the matchers (``field_holds``),
so it agrees with them on every pattern and event (a property test checks it against
the compiled matcher). A pattern with several branches (``$or``) matches when any
branch does; when none does, the branch reported is the nearest miss (the fewest
failing conditions), ties going to the earliest branch. Conditions are checked in the
pattern's canonical order (sorted by path); the first failing one is reported.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from eventyard.core.patterns.ast import (
    AnythingBut,
    AnythingButIgnoreCase,
    AnythingButPrefix,
    AnythingButSuffix,
    AnythingButWildcard,
    Cidr,
    EqualsIgnoreCase,
    Exact,
    Exists,
    Leaf,
    Matcher,
    Numeric,
    Path,
    Pattern,
    Prefix,
    Suffix,
    Wildcard,
)
from eventyard.core.patterns.matchers import field_holds

__all__ = ["Explanation", "Miss", "describe_leaf", "describe_matcher", "explain"]


@dataclass(frozen=True)
class Miss:
    """The first condition of a branch that the event failed."""

    branch: int  # index of the branch ($or alternative) it belongs to
    position: int  # index of the condition in its branch
    failing: int  # how many of the branch's conditions fail (this one and any later)
    path: Path
    matchers: tuple[Matcher, ...]  # what the condition accepts (any of them)
    found: tuple[Leaf, ...]  # the event's values at the path; () when the field is absent

    @property
    def field(self) -> str:
        return ".".join(self.path)

    @property
    def wanted(self) -> str:
        return " or ".join(describe_matcher(m) for m in self.matchers)

    @property
    def got(self) -> str:
        if not self.found:
            return "no such field"
        return ", ".join(describe_leaf(leaf) for leaf in self.found)

    def sentence(self) -> str:
        return f"{self.field}: wanted {self.wanted}; the event has {self.got}"


@dataclass(frozen=True)
class Explanation:
    matched: bool
    matched_branch: int | None  # the first branch that held, when matched
    miss: Miss | None  # when not matched: the failing condition (None for a pattern of no branches)


def explain(pattern: Pattern, flat_event: dict[Path, list[Leaf]]) -> Explanation:
    """Whether ``pattern`` matches the flattened event (``event.flatten``), and if not, why."""
    best: Miss | None = None
    for index, branch in enumerate(pattern.branches):
        failed = [position for position, condition in enumerate(branch.conditions)
                  if not field_holds(condition.matchers, flat_event.get(condition.path))]
        if not failed:
            return Explanation(True, index, None)
        if best is None or len(failed) < best.failing:
            condition = branch.conditions[failed[0]]
            best = Miss(index, failed[0], len(failed), condition.path, condition.matchers,
                        tuple(flat_event.get(condition.path) or ()))
    return Explanation(False, None, best)


def describe_leaf(leaf: Leaf) -> str:
    """A leaf as JSON text (numbers without a needless ``.0``)."""
    value = leaf.value
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e16:
        return str(int(value))
    return json.dumps(value)


def _texts(values: tuple[str, ...] | frozenset[str]) -> str:
    return ", ".join(json.dumps(v) for v in sorted(values))


def describe_matcher(m: Matcher) -> str:
    """A matcher in words close to the pattern syntax it came from."""
    if isinstance(m, Exact):
        return describe_leaf(m.leaf)
    if isinstance(m, Prefix):
        return f"prefix {json.dumps(m.value)}" + (" (ignoring case)" if m.ignore_case else "")
    if isinstance(m, Suffix):
        return f"suffix {json.dumps(m.value)}" + (" (ignoring case)" if m.ignore_case else "")
    if isinstance(m, EqualsIgnoreCase):
        return f"equals-ignore-case {json.dumps(m.value)}"
    if isinstance(m, Wildcard):
        return f"wildcard {json.dumps(m.value)}"
    if isinstance(m, Numeric):
        parts = []
        if m.lower is not None:
            parts.append(f"{'>=' if m.lower_inclusive else '>'} {describe_leaf(Leaf('number', m.lower))}")
        if m.upper is not None:
            parts.append(f"{'<=' if m.upper_inclusive else '<'} {describe_leaf(Leaf('number', m.upper))}")
        return "numeric " + (" and ".join(parts) if parts else "(any number)")
    if isinstance(m, Cidr):
        return f"cidr {m.network}"
    if isinstance(m, AnythingBut):
        excluded = [json.dumps(s) for s in sorted(m.strings)]
        excluded += [describe_leaf(Leaf("number", n)) for n in sorted(m.numbers)]
        return f"anything-but [{', '.join(excluded)}]"
    if isinstance(m, AnythingButPrefix):
        return f"anything-but prefix [{_texts(m.values)}]"
    if isinstance(m, AnythingButSuffix):
        return f"anything-but suffix [{_texts(m.values)}]"
    if isinstance(m, AnythingButIgnoreCase):
        return f"anything-but equals-ignore-case [{_texts(m.values)}]"
    if isinstance(m, AnythingButWildcard):
        return f"anything-but wildcard [{_texts(m.values)}]"
    if isinstance(m, Exists):
        return "exists: true" if m.present else "exists: false"
    raise TypeError(f"unknown matcher {m!r}")
