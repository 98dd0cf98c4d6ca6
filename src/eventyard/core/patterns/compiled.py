"""All rules of a bus compiled into one matcher whose cost follows the event, not the rules.

A pattern is an OR of branches, a branch an AND of field conditions (``ast``). Identical
conditions (same path, same set of matchers) are one ``Condition`` object however many
rules use them. Every branch is filed under ONE of its conditions, its *anchor*: the one
expected to hold least often. Matching an event then takes three steps:

1. **Probe.** The paths that carry anchors form a prefix tree. The parsed event is walked
   along that tree only (keys no anchor mentions are skipped without a look inside), and
   each value found is looked up in its path's index (``_index.Node``): exact values of
   any JSON type in one dict, equals-ignore-case in a dict of casefolded text, prefixes
   and suffixes by text, probed once per distinct length; numeric ranges as sorted
   one-sided bounds and elementary segments (one bisection each); and what cannot be
   indexed (anything-but, ``exists: true``, wildcards without a literal end) in a short
   per-path list taken whenever the path has a value. Ten thousand rules on one value
   cost one dict lookup. The hits are *postings* (a condition and the branches on it).
2. **Confirm.** The other conditions of the branches on a hit posting are checked, each
   distinct condition at most once per event. An exact-value condition on a path that
   is walked anyway is indexed too, so it holds iff its posting was hit (a set lookup);
   the others are evaluated on the values of their path, fetched from the event on
   demand (``_index_conditions``; ``matchers.matches`` decides the uncommon kinds).
   Branches sharing an anchor are grouped by their next condition, so one failed check
   rules out a group; a posting reached through a prefilter (a wildcard's or a CIDR's
   literal prefix) is checked itself only once a branch on it passed everything else.
3. **No anchor.** Branches of only ``exists: false`` conditions (or of none) are
   evaluated for every event; they are rare, and they match most events anyway.

The work per event is its anchored fields plus the branches whose anchor holds, which
with selective anchors is close to the branches that match.

Choosing anchors: how often a condition holds is estimated from the rule set itself
(``Condition.frequency``): a value that many rules test on a path (``status: FAILED``)
is common in events too, one that one rule in thousands tests (a tenant id) is rare;
wide kinds (short prefixes, ranges, anything-but) get a floor. Estimates drift as rules
come and go, so each ``add`` also re-examines a few of the longest-unexamined branches
and moves those whose anchor has become a clearly worse choice. Changes are incremental:
adding or removing a rule touches the entries of its own conditions, plus that bounded
re-examination.

In C: with the ``_native`` extension built (``_native.c``), ``match_event`` is ONE call
into C per parsed event: the walk along the prefix tree (step 1, numeric ranges and bounds
included), the resolution of the hit postings (step 2) and the evaluation of the
conditions it needs, with the postings hit and the conditions evaluated kept in two small
C tables rather than a Python set and dict. Only rare cases call back into Python: keys
with a dot or not of type str (``_descend``), values of subclasses of the JSON types
(``_take``), matcher kinds or values the C side does not read (``_evaluate_event``), and
branches without an anchor (``_match_always``, after the C call). The Python functions
below (``_walk``, ``_resolve_hits``, ``Condition.holds``) are the same algorithm and the
fallback (see ``_accel``); the tests run every property against both.

From JSON text (``match_json``), the extension does not parse the event at all: its
``TextMatcher`` reads the text once, in place, along a tree of the anchored paths and of
every path a condition tests. Members on no such path are checked (so that malformed
text is refused as ``orjson.loads`` refuses it) but never built; a value on one becomes a
Python object only to be probed in its index node and kept for the conditions on its
path, which step 2 then evaluates on those values. Whatever the reader is not sure to
read as orjson does (duplicate or dotted keys where it walks, escaped keys, big
integers, surrogates, very deep nesting, any error) goes back to
``match_event(orjson.loads(text))``, which is also the pure-Python ``match_json``.

A ``RuleMatcher`` is not safe to change while another thread matches with it; the owner
serialises changes (or swaps in a new matcher).
"""

from __future__ import annotations

from collections import deque
from functools import partial
from collections.abc import Callable, Hashable, Iterator
from typing import Any, Generic, TypeVar, cast

import orjson

from eventyard.core.patterns._accel import native
from eventyard.core.patterns._index import BranchKey, Group, Node, Posting
from eventyard.core.patterns._index_conditions import (
    FALSE,
    NULL,
    TRUE,
    Condition,
    PathSpec,
    raw_of,
    raw_of_value,
)
from eventyard.core.patterns.ast import FieldCondition, Leaf, Path, Pattern

__all__ = ["RuleMatcher"]

NATIVE = native is not None  # the C extension is in use (see _accel)
# The extension caches which child an event key leads to: a change of the tree drops that.
_tree_changed: Callable[[], None] = native.changed if NATIVE else (lambda: None)
_TextMatcher: Any = native.TextMatcher if NATIVE else None  # match_json in C
_REVIEW_EXTRA = 1  # branches re-examined per add, beyond the ones it files
_MOVE_BELOW = 0.7  # move a branch when the best anchor is this much rarer than its own

RuleId = TypeVar("RuleId", bound=Hashable)  # what the owner names its rules by (an ARN, ...)


class _Branch(Generic[RuleId]):
    __slots__ = ("key", "rule_id", "conds", "positive", "anchor", "rest")

    def __init__(self, key: BranchKey, rule_id: RuleId, conds: tuple[Condition, ...]) -> None:
        self.key = key
        self.rule_id = rule_id
        self.conds = conds
        self.positive = tuple(c for c in conds if not c.negative)
        self.anchor: Condition | None = None
        self.rest: tuple[Condition, ...] = ()


class RuleMatcher(Generic[RuleId]):
    """The rules of one bus, compiled for matching.

    ``add(rule_id, pattern)`` (replacing a rule of that id) and ``remove(rule_id)`` are
    incremental; ``match(flat_event)`` takes ``event.flatten`` output and
    ``match_event(event)`` a parsed JSON event (string keys, as JSON has), and both
    return the ids of the rules whose pattern matches, as ``reference.matches`` decides.
    """

    def __init__(self, native: bool | None = None) -> None:
        if native and not NATIVE:
            raise RuntimeError("the C extension eventyard.core.patterns._native is not in use")
        #: whether events are walked and resolved by the C extension (``_accel``)
        self.native = NATIVE if native is None else native
        self._root = Node("", None, ())
        self._nodes: dict[Path, Node] = {}  # paths with anchors (unreachable ones included)
        self._specs: dict[Path, PathSpec] = {}  # paths any condition tests
        self._conds: dict[Hashable, Condition] = {}
        self._rules: dict[RuleId, tuple[_Branch[RuleId], ...]] = {}
        self._branches: dict[BranchKey, _Branch[RuleId]] = {}
        self._always: dict[BranchKey, _Branch[RuleId]] = {}  # no anchor: evaluated for every event
        self._review: deque[_Branch[RuleId]] = deque()
        # JSON text read in place (``match_json``): rebuilt lazily after each change
        self._text: Any = _TextMatcher(self._root, self._specs) if self.native else None
        self._bind()

    # -- rules ---------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self._rules)

    def __contains__(self, rule_id: object) -> bool:
        return rule_id in self._rules

    def __iter__(self) -> Iterator[RuleId]:
        return iter(self._rules)

    def add(self, rule_id: RuleId, pattern: Pattern) -> None:
        """File every branch of ``pattern`` under ``rule_id`` (replacing a rule of that id).

        A pattern the matcher cannot take (an unknown matcher kind) raises before
        anything changes."""
        interned = len(self._conds)
        found: list[list[Condition]] = []
        try:
            for branch in pattern.branches:
                conds: list[Condition] = []
                for field in branch.conditions:
                    cond = self._intern(field)
                    if cond not in conds:
                        conds.append(cond)
                found.append(conds)
        except Exception:
            if len(self._conds) != interned:
                for cond in [c for c in self._conds.values() if not c.uses]:
                    self._release(cond)
            raise
        branches: list[_Branch[RuleId]] = []
        seen: set[frozenset[Condition]] = set()
        for number, conds in enumerate(found):
            if frozenset(conds) in seen:
                continue  # the same branch twice in one rule
            seen.add(frozenset(conds))
            for cond in conds:
                cond.uses += 1  # held before the old rule goes, which may share them
            branches.append(_Branch((rule_id, number), rule_id, tuple(conds)))
        self.remove(rule_id)
        for cond in {c for b in branches for c in b.conds}:
            cond.spec.count(cond, 1)  # statistics count rules, not branches
        ranks = {c: _rank(c) for b in branches for c in b.conds}
        for b in branches:
            self._branches[b.key] = b
            if b.positive:
                self._file(b, min(b.positive, key=ranks.__getitem__), ranks)
                if len(b.positive) > 1:  # there is a choice of anchor to revisit
                    self._review.append(b)
            else:
                self._always[b.key] = b
        self._rules[rule_id] = tuple(branches)
        self._reexamine(len(branches) + _REVIEW_EXTRA)
        self._bind()

    def remove(self, rule_id: RuleId) -> None:
        """Forget ``rule_id``; unknown ids are ignored."""
        branches = self._rules.pop(rule_id, None)
        if branches is None:
            return
        for cond in {c for b in branches for c in b.conds}:
            cond.spec.count(cond, -1)
        for b in branches:
            del self._branches[b.key]
            if b.anchor is None:
                del self._always[b.key]
            else:
                self._unfile(b)
            for cond in b.conds:
                cond.uses -= 1
                if not cond.uses:
                    self._release(cond)
        self._bind()

    def _bind(self) -> None:
        """With the extension and no branch without an anchor, ``match_event`` and
        ``match_json`` are C functions themselves: no Python frame per event."""
        if self._text is not None:
            self._text.dirty = True  # the paths may have changed
        _tree_changed()  # and the postings' groups: their C plans are made again
        if self.native and not self._always:
            # an instance attribute shadows the method on purpose: mypy flags any such assignment
            self.match_event = partial(native.match, self._root)  # type: ignore[method-assign]
            self.match_json = self._text.match  # type: ignore[method-assign]
        else:
            self.__dict__.pop("match_event", None)  # the methods below
            self.__dict__.pop("match_json", None)

    def _intern(self, field: FieldCondition) -> Condition:
        key = (field.path, frozenset(field.matchers))  # OR within a field: order is moot
        cond = self._conds.get(key)
        if cond is None:
            spec = self._specs.get(field.path) or PathSpec(field.path)
            cond = Condition(key, field.matchers, spec)  # raises on an unknown matcher
            self._specs[field.path] = spec
            self._conds[key] = cond
            spec.members.add(cond)
            self._sync(cond)
        return cond

    def _release(self, cond: Condition) -> None:
        del self._conds[cond.key]
        spec = cond.spec
        spec.members.discard(cond)
        if cond.posting is not None:
            self._unregister(cond)
        if not spec.members:
            del self._specs[spec.path]

    def _file(self, b: _Branch[RuleId], anchor: Condition, ranks: dict[Condition, Any]) -> None:
        b.anchor = anchor
        b.rest = tuple(sorted((c for c in b.conds if c is not anchor), key=ranks.__getitem__))
        posting = anchor.posting
        if posting is None:
            posting = self._register(anchor)
        fresh = not (posting.direct or posting.groups)
        if b.rest:
            group = posting.groups.get(b.rest[0])
            if group is None:
                group = posting.groups[b.rest[0]] = Group()
            if len(b.rest) > 1:
                group.checked[b.key] = (b.rule_id, b.rest[1:])
            else:
                group.direct.add(b.rule_id)  # one per rule: identical branches are merged
        else:
            posting.direct.add(b.rule_id)
        posting.active = True
        if fresh:
            spec = anchor.spec
            spec.anchors += 1
            if spec.anchors == 1:  # the path is walked from now on: index the rest of it
                for cond in list(spec.members):
                    self._sync(cond)

    def _unfile(self, b: _Branch[RuleId]) -> None:
        anchor = b.anchor
        assert anchor is not None and anchor.posting is not None
        posting = anchor.posting
        if b.rest:
            group = posting.groups[b.rest[0]]
            if len(b.rest) > 1:
                del group.checked[b.key]
            else:
                group.direct.discard(b.rule_id)
            if not (group.direct or group.checked):
                del posting.groups[b.rest[0]]
        else:
            posting.direct.discard(b.rule_id)
        b.anchor = None
        posting.active = bool(posting.direct or posting.groups)
        if posting.active:
            return
        spec = anchor.spec
        spec.anchors -= 1
        if spec.anchors:
            self._sync(anchor)
        else:  # no anchor left on the path: it is not walked any more
            for cond in list(spec.members):
                self._sync(cond)

    def _sync(self, cond: Condition) -> None:
        """A condition is in the index while branches are anchored on it. An exact-value
        condition is also indexed while its path carries anchors at all (the walk probes
        that path anyway, and one dict lookup reports it): then whether it holds is simply
        whether its posting was hit, with no evaluation."""
        posting = cond.posting
        wanted = (posting is not None and bool(posting.direct or posting.groups)) or (
            cond.passive and cond.spec.anchors > 0)
        if wanted and posting is None:
            self._register(cond)
        elif not wanted and posting is not None:
            self._unregister(cond)

    def _register(self, cond: Condition) -> Posting:
        posting = cond.posting = Posting(cond)
        cond.truth = None if cond.confirm else posting
        if cond.index_keys:  # none: the condition holds for no value at all
            node = self._node(cond.spec)
            for index_key in cond.index_keys:
                node.add(index_key, posting)
        return posting

    def _unregister(self, cond: Condition) -> None:
        posting = cond.posting
        cond.posting = cond.truth = None
        if not cond.index_keys:
            return
        node = self._nodes[cond.path]
        for index_key in cond.index_keys:
            node.discard(index_key, posting)
        if node.entries:
            return
        del self._nodes[cond.path]
        while node.parent is not None and node.is_empty():
            del node.parent.children[node.part]
            _tree_changed()
            node = node.parent

    def _node(self, spec: PathSpec) -> Node:
        node = self._nodes.get(spec.path)
        if node is not None:
            return node
        if not spec.reachable:
            # Flattening splits dotted keys, so an event never has a value at such a path:
            # only ``match`` can see it, given a flat event that has it.
            node = Node("", None, spec.path)
        else:
            node = self._root
            for i, part in enumerate(spec.path):
                child = node.children.get(part)
                if child is None:
                    child = node.children[part] = Node(part, node, spec.path[: i + 1])
                    _tree_changed()
                node = child
        self._nodes[spec.path] = node
        return node

    def _reexamine(self, count: int) -> None:
        """Move branches whose anchor has become a clearly worse choice than another of
        their conditions (estimates change as rules come and go)."""
        review = self._review
        for _ in range(min(count, len(review))):
            b = review.popleft()
            if b.anchor is None or self._branches.get(b.key) is not b:
                continue  # removed or replaced since: drop it
            review.append(b)
            ranks = {c: _rank(c) for c in b.positive}
            best = min(b.positive, key=ranks.__getitem__)
            if best is not b.anchor and ranks[best][0] < _MOVE_BELOW * ranks[b.anchor][0]:
                self._unfile(b)
                ranks.update((c, _rank(c)) for c in b.conds if c.negative)
                self._file(b, best, ranks)

    # -- matching ------------------------------------------------------------------------
    def match(self, flat_event: dict[Path, list[Leaf]]) -> set[RuleId]:
        """The ids of the rules matching an event given as ``event.flatten`` output."""
        hits: set[Posting] = set()
        for path, node in self._nodes.items():
            leaves = flat_event.get(path)
            if leaves:
                node.probe([raw_of(lf) for lf in leaves], hits)
        return self._resolve(hits, _evaluate_flat, flat_event, False)

    def match_event(self, event: Any) -> set[RuleId]:
        """The ids of the rules matching a parsed JSON event."""
        if self.native:
            result: set[RuleId] = native.match(self._root, event)  # the whole match, in C
            if self._always:
                self._match_always(_evaluate_event, event, result)
            return result
        hits: set[Posting] = set()
        if event.__class__ is dict:
            _walk(self._root, event, hits)
        elif self._root.children:
            _take(self._root, event, hits)
        if not hits and not self._always:
            return set()
        return self._resolve(hits, _evaluate_event, event, True)

    def match_json(self, text: bytes | str) -> set[RuleId]:
        """The ids of the rules matching the JSON event ``text``: what
        ``match_event(orjson.loads(text))`` gives, ``orjson.JSONDecodeError`` included.

        With the extension (and every branch anchored) this is ``_native.TextMatcher``:
        the text is read in place, only the values on paths some condition names become
        Python objects, and anything it is not sure of goes back to ``orjson.loads``."""
        return self.match_event(orjson.loads(text))

    def _resolve(self, hits: set[Posting], evaluate: _Evaluate, subject: Any,
                 is_event: bool) -> set[RuleId]:
        if self.native:
            # on a parsed event, the extension evaluates conditions itself
            result: set[RuleId] = native.resolve(hits, evaluate, subject, is_event)
        else:
            # the index files the ids add() was given, untyped (it serves every RuleId)
            result = cast("set[RuleId]", _resolve_hits(hits, {}, evaluate, subject))
        if self._always:
            self._match_always(evaluate, subject, result)
        return result

    def _match_always(self, evaluate: _Evaluate, subject: Any, result: set[RuleId]) -> None:
        """Add to ``result`` the rules matched through branches without an anchor."""
        memo: dict[Condition, bool] = {}
        for b in self._always.values():
            if b.rule_id in result:
                continue
            for cond in b.conds:
                ok = memo.get(cond)
                if ok is None:
                    ok = memo[cond] = evaluate(cond, subject)
                if not ok:
                    break
            else:
                result.add(b.rule_id)


_Evaluate = Callable[[Condition, Any], bool]


def _evaluate_event(cond: Condition, event: Any) -> bool:
    spec = cond.spec
    return cond.holds(spec.fetch(event) if spec.reachable else None)


def _evaluate_flat(cond: Condition, flat: dict[Path, list[Leaf]]) -> bool:
    leaves = flat.get(cond.path)
    return cond.holds([raw_of(lf) for lf in leaves] if leaves else None)


def _resolve_hits(hits: set[Posting], memo: dict[Condition, bool], evaluate: _Evaluate,
                  subject: Any) -> set[Hashable]:
    """The rules matched through the postings hit (``_native.resolve`` in C)."""
    result: set[Hashable] = set()

    def holds(cond: Condition) -> bool:
        ok = memo.get(cond)
        if ok is None:
            ok = memo[cond] = evaluate(cond, subject)
        return ok

    for posting in hits:
        # A posting reached through a prefilter (``confirm``) is checked itself only
        # once some branch on it has passed everything else: that check is the dear one.
        confirm = posting.confirm
        if posting.direct:
            if confirm:
                if not holds(posting.cond):
                    continue
                confirm = False
            result |= posting.direct
        for first, group in posting.groups.items():
            truth = first.truth
            if truth is not None:
                if truth not in hits:
                    continue
            elif not holds(first):
                continue
            if group.direct:
                if confirm:
                    if not holds(posting.cond):
                        break
                    confirm = False
                result |= group.direct
            for rule_id, conds in group.checked.values():
                if rule_id in result:
                    continue
                for cond in conds:
                    truth = cond.truth
                    if truth is not None:
                        if truth not in hits:
                            break
                    elif not holds(cond):
                        break
                else:
                    if confirm:
                        if not holds(posting.cond):
                            break
                        confirm = False
                    result.add(rule_id)
            else:
                continue
            break  # the anchor itself failed its check: nothing more on this posting
    return result


def _rank(cond: Condition) -> tuple[float, int, float]:
    # On equal estimates, the condition fewer branches share: it spreads the checks.
    return cond.frequency(), cond.uses, cond.cost


# -- the event walk: along the prefix tree of anchored paths, probing as it goes ------------
def _walk(node: Node, obj: dict[Any, Any], hits: set[Posting]) -> None:
    children = node.children
    for key, item in obj.items():
        child = children.get(key)
        if child is None:
            if key.__class__ is str and "." not in key:
                continue  # no anchor below this key
            child = _descend(node, key)  # "a.b" is the same as {"a": {"b": ...}}
            if child is None:
                continue
        cls = item.__class__
        if cls is str:
            exact = child.exact
            if exact is not None:
                found = exact.get(item)
                if found is not None:
                    hits.update(found)
            if child.strings:
                child.on_string(item, hits)
        elif cls is dict:
            if child.children:
                _walk(child, item, hits)
        elif cls is list:
            _walk_array(child, item, hits)
        elif cls is int or cls is float:
            if child.others:
                child.on_value(float(item), hits)
        else:
            _take(child, item, hits)


def _walk_array(node: Node, items: list[Any], hits: set[Posting]) -> None:
    # Arrays, arrays of objects included, are crushed into their parent path.
    for item in items:
        cls = item.__class__
        if cls is str:
            exact = node.exact
            if exact is not None:
                found = exact.get(item)
                if found is not None:
                    hits.update(found)
            if node.strings:
                node.on_string(item, hits)
        elif cls is dict:
            if node.children:
                _walk(node, item, hits)
        else:
            _take(node, item, hits)


def _take(node: Node, item: Any, hits: set[Posting]) -> None:
    """Any value but a plain ``str`` or ``dict``."""
    if item.__class__ is list or isinstance(item, list):
        _walk_array(node, item, hits)
    elif isinstance(item, dict):
        if node.children:
            _walk(node, item, hits)
    elif node.others or node.strings:
        value = raw_of_value(item)
        if value is not None:
            node.probe([value], hits)


def _descend(node: Node, key: Any) -> Node | None:
    for part in str(key).split("."):
        child = node.children.get(part)
        if child is None:
            return None
        node = child
    return node


if native is not None:
    native.configure(_take, _descend, _evaluate_event, TRUE, FALSE, NULL, orjson.loads)
