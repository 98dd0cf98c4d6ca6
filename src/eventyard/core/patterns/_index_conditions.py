"""One field condition, compiled for the matcher: how to evaluate it on raw leaf values,
how to index it, and how selective it is likely to be.

Leaf values reach the compiled matcher *raw*, not as ``Leaf`` objects (building one per
leaf would cost more than matching it): a string is a ``str``, a number a ``float``, and
``true``/``false``/``null`` are the three ``Atom`` sentinels below. The three kinds can
never compare equal to each other, so one dict lookup finds an exact value of any kind
(``True == 1.0`` in Python, ``TRUE == 1.0`` is false).

The per-kind tests here restate ``matchers.matches`` on raw values, for speed (no
``Leaf`` to build, wildcards matched piece by piece rather than by regex, IPv4 text read
by one regex rather than ``ipaddress``); IPv6 CIDRs and any matcher kind added later go
to ``matchers.matches`` itself. The property tests in
``tests/core/patterns/test_compiled.py`` hold both to the same answers.
"""

from __future__ import annotations

import ipaddress
import math
import re
from collections.abc import Callable, Hashable
from typing import Any, Union

from eventyard.core.patterns._accel import bases, slots
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
    Prefix,
    Suffix,
    Wildcard,
)
from eventyard.core.patterns.event import leaf as event_leaf
from eventyard.core.patterns.matchers import matches


class Atom:
    """``true``, ``false`` or ``null`` as a raw leaf value: hashed by identity."""

    __slots__ = ("leaf",)

    def __init__(self, leaf: Leaf) -> None:
        self.leaf = leaf

    def __repr__(self) -> str:
        return f"Atom({self.leaf.value!r})"


TRUE = Atom(Leaf("bool", True))
FALSE = Atom(Leaf("bool", False))
NULL = Atom(Leaf("null", None))

Raw = Union[str, float, Atom]
ValueTest = Callable[[Raw], bool]


def raw_of(leaf: Leaf) -> Raw:
    """A ``Leaf`` as the raw value the index works on."""
    kind = leaf.kind
    # the ignores: a Leaf's kind fixes its value's type, which mypy cannot follow (and a
    # check here would cost on the flat-event matching path for nothing)
    if kind == "string":
        return leaf.value  # type: ignore[return-value]
    if kind == "number":
        return float(leaf.value)  # type: ignore[arg-type]
    if kind == "null":
        return NULL
    return TRUE if leaf.value else FALSE


def raw_of_value(value: Any) -> Raw | None:
    """The raw value of a parsed JSON scalar (``None`` for objects, arrays and the like),
    as ``event.leaf`` sees it."""
    cls = value.__class__
    if cls is str:
        return value
    if cls is float or cls is int:
        return float(value)
    if value is None:
        return NULL
    if value is True:
        return TRUE
    if value is False:
        return FALSE
    found = event_leaf(value)  # subclasses of str, int, float
    if found is None:
        return None
    if found.kind == "string":
        return str.__str__(found.value)
    return raw_of(found)


def leaf_of(value: Raw) -> Leaf:
    """The ``Leaf`` of a raw value, for ``matchers.matches``."""
    if type(value) is str:
        return Leaf("string", value)
    if type(value) is float:
        return Leaf("number", value)
    assert isinstance(value, Atom)
    return value.leaf


def _fold(text: str) -> str:
    return text.casefold()


# Index keys: what a matcher registers in its path's index. ``hi`` and ``lo`` bounds are
# inclusive: an exclusive bound x becomes the next double past x, so every range is closed.
# ("exact", raw) | ("eic", folded) | ("pre"|"suf"|"ipre"|"isuf", text)
# ("lo", x): number >= x | ("hi", x): number <= x | ("range", lo, hi): lo <= number <= hi
# ("number",): any number | ("loose",): any leaf at all (checked by the condition itself)
IndexKey = tuple[Any, ...]

# Rough cost of a condition as an anchor: how often it is expected to hold. Lower is better.
_COST_EXACT = 1.0
_COST_AFFIX = 2.0
_COST_RANGE = 4.0
_COST_ONE_SIDED = 6.0
_COST_PREFILTER = 3.0  # wildcard / cidr through a literal prefix or suffix, then checked
_COST_LOOSE = 100.0  # holds for (almost) any leaf: exists, anything-but, bare wildcards


def wildcard_segments(pattern: str) -> list[str]:
    """The literal pieces between the unescaped ``*`` of a wildcard pattern, read as
    ``matchers.wildcard_regex`` reads it (``\\x`` is a literal x, a lone trailing
    backslash is literal): one piece more than there are stars."""
    pieces: list[str] = []
    current: list[str] = []
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\" and i + 1 < len(pattern):
            current.append(pattern[i + 1])
            i += 2
            continue
        if ch == "*":
            pieces.append("".join(current))
            current = []
        else:
            current.append(ch)
        i += 1
    pieces.append("".join(current))
    return pieces


def _glob(pieces: list[str]) -> ValueTest:
    """A full match of ``*``-separated literal pieces: the first and last anchor the
    ends, the middle ones are found left to right (leftmost is always safe)."""
    if len(pieces) == 1:
        literal = pieces[0]
        return lambda v: v == literal  # never equal to a number or an atom
    head, tail, middle = pieces[0], pieces[-1], tuple(pieces[1:-1])
    shortest = len(head) + len(tail)

    def test(v: Raw) -> bool:
        if v.__class__ is not str or len(v) < shortest:
            return False
        if not v.startswith(head) or not v.endswith(tail):
            return False
        start, end = len(head), len(v) - len(tail)
        for piece in middle:
            found = v.find(piece, start, end)
            if found < 0:
                return False
            start = found + len(piece)
        return True
    return test


def _cidr_prefix(network: ipaddress.IPv4Network | ipaddress.IPv6Network) -> str:
    """A string prefix every matching address text has: whole leading octets of an IPv4
    network (``10.1.0.0/16`` → ``"10.1."``). ``ipaddress`` only reads strict dotted-quad
    IPv4 text, so an address in the network cannot be spelled without that prefix."""
    if network.version != 4:
        return ""
    octets = network.prefixlen // 8
    if octets == 0:
        return ""
    parts = str(network.network_address).split(".")[:octets]
    return ".".join(parts) + "." if octets < 4 else ".".join(parts)


def _index_plan(matcher: Matcher) -> tuple[list[IndexKey], bool, float]:
    """Index keys of one matcher, whether a hit must be confirmed, and its cost."""
    if isinstance(matcher, Exact):
        return [("exact", raw_of(matcher.leaf))], False, _COST_EXACT
    if isinstance(matcher, EqualsIgnoreCase):
        return [("eic", _fold(matcher.value))], False, _COST_EXACT * 1.5
    if isinstance(matcher, (Prefix, Suffix)):
        kind = "pre" if isinstance(matcher, Prefix) else "suf"
        text = matcher.value
        if matcher.ignore_case:
            kind, text = "i" + kind, _fold(text)
        # a longer literal is more selective; "" holds for every string
        return [(kind, text)], False, _COST_AFFIX + 4.0 / (1 + len(text))
    if isinstance(matcher, Numeric):
        lo, hi = matcher.lower, matcher.upper
        if lo is not None and not matcher.lower_inclusive:
            lo = math.nextafter(lo, math.inf)
        if hi is not None and not matcher.upper_inclusive:
            hi = math.nextafter(hi, -math.inf)
        if lo is None and hi is None:
            return [("number",)], False, _COST_LOOSE / 2
        if lo is not None and hi is not None:
            if lo > hi:
                return [], False, 0.0  # matches nothing
            if lo == hi:
                return [("exact", lo)], False, _COST_EXACT
            return [("range", lo, hi)], False, _COST_RANGE
        if lo is not None:
            return [("lo", lo)], False, _COST_ONE_SIDED
        return [("hi", hi)], False, _COST_ONE_SIDED
    if isinstance(matcher, Wildcard):
        pieces = wildcard_segments(matcher.value)
        head, tail = pieces[0], pieces[-1]
        if len(pieces) == 1:  # no star: an exact string
            return [("exact", head)], False, _COST_EXACT
        if len(pieces) == 2 and not tail:  # "abc*": a prefix
            return [("pre", head)], False, _COST_AFFIX + 4.0 / (1 + len(head))
        if len(pieces) == 2 and not head:  # "*abc": a suffix
            return [("suf", tail)], False, _COST_AFFIX + 4.0 / (1 + len(tail))
        if head:  # found through the prefix, then checked
            return [("pre", head)], True, _COST_PREFILTER + 4.0 / (1 + len(head))
        if tail:
            return [("suf", tail)], True, _COST_PREFILTER + 4.0 / (1 + len(tail))
        return [("loose",)], True, _COST_LOOSE
    if isinstance(matcher, Cidr):
        head = _cidr_prefix(matcher.network)
        if head:
            return [("pre", head)], True, _COST_PREFILTER + 4.0 / (1 + len(head))
        return [("loose",)], True, _COST_LOOSE
    if isinstance(matcher, Exists):
        if matcher.present:
            return [("loose",)], False, _COST_LOOSE
        raise ValueError("exists:false conditions are never indexed")
    if isinstance(matcher, _ANYTHING_BUT):  # holds for nearly every leaf
        return [("loose",)], True, _COST_LOOSE
    raise TypeError(f"unknown matcher {matcher!r}")


_ANYTHING_BUT = (AnythingBut, AnythingButPrefix, AnythingButSuffix, AnythingButIgnoreCase,
                 AnythingButWildcard)


def _estimate_plan(key: IndexKey) -> tuple[IndexKey, int, str, float]:
    """How ``Condition.frequency`` estimates one index key: the key, how to count it
    (see ``PathSpec.share``), its casefolded text, and the least it can be."""
    kind = key[0]
    if kind == "eic" or (kind == "exact" and key[1].__class__ is str):
        return key, 1, _fold(key[1]), 0.0
    if kind in ("pre", "suf", "ipre", "isuf"):
        # "" holds for every string, one character for a good share of them; long
        # literals are rare unless many rules test them, which the share term sees.
        return key, 2 if kind.endswith("pre") else 3, _fold(key[1]), 1.0 / (1 + len(key[1])) ** 3
    floor = {"range": 0.15, "lo": 0.3, "hi": 0.3, "number": 0.5, "loose": 1.0}.get(kind, 0.0)
    return key, 0, "", floor


_SCAN_VALUES = 32
_MISSING = object()


def _bump(counts: dict[Any, int], key: Any, delta: int) -> None:
    left = counts.get(key, 0) + delta
    if left:
        counts[key] = left
    else:
        del counts[key]


class PathSpec:
    """One path some condition tests: how to fetch its values from a parsed event on
    demand, and how many rules test each index key there (see ``Condition.frequency``).

    ``steps[i]`` lists the keys that continue the path from part ``i``: the part itself,
    and the dotted joins of it with the following parts (an event key ``"a.b"`` is the
    same as ``{"a": {"b": ...}}``), each with the part index it leads to.
    """

    __slots__ = ("path", "steps", "joins", "reachable", "members", "anchors", "key_uses",
                 "folded_uses", "total_uses", "fetch")

    def __init__(self, path: Path) -> None:
        self.path = path
        # Flattening splits dotted keys, so nothing is ever found at a dotted part.
        self.reachable = bool(path) and not any("." in part for part in path)
        self.steps = tuple(
            tuple((".".join(path[i:j]), j) for j in range(i + 1, len(path) + 1))
            for i in range(len(path))
        )
        self.joins = tuple(frozenset(key for key, _ in step[1:]) for step in self.steps)
        self.members: set[Condition] = set()  # the conditions on this path
        self.anchors = 0  # how many of them have branches anchored on them
        self.key_uses: dict[IndexKey, int] = {}
        self.folded_uses: dict[str, int] = {}  # exact and equals-ignore-case text, casefolded
        self.total_uses = 0
        self.fetch: Callable[[Any], list[Raw] | None] = self._compile_fetch

    def gather(self, value: Any, i: int, out: list[Raw]) -> None:
        """The values under ``value``, found at part ``i`` of the path, as
        ``event.flatten`` sees them: arrays crushed, dotted keys split."""
        cls = value.__class__
        if cls is dict:
            steps = self.steps
            if i < len(steps):  # an object at the end of the path is not a value
                for key, j in steps[i]:
                    item = value.get(key, _MISSING)
                    if item is not _MISSING:
                        self.gather(item, j, out)
        elif cls is list:
            for item in value:
                self.gather(item, i, out)
        elif isinstance(value, dict):
            self.gather(dict(value), i, out)
        elif isinstance(value, list):
            self.gather(list(value), i, out)
        elif i == len(self.steps):
            raw = raw_of_value(value)
            if raw is not None:
                out.append(raw)

    def _gather_from(self, value: Any, i: int) -> list[Raw]:
        out: list[Raw] = []
        self.gather(value, i, out)
        return out

    def _compile_fetch(self, event: Any) -> list[Raw] | None:
        """Generate ``fetch(event)``, the values of this path in a parsed event: straight
        down plain nested objects (the common case), ``gather`` once an array or a dotted
        key is in the way. Then run it."""
        env: dict[str, Any] = {"MISSING": _MISSING, "slow": self._gather_from,
                               "raw_of_value": raw_of_value, "dict": dict, "str": str}
        body = ["v = event"]
        for i, part in enumerate(self.path):
            env[f"k{i}"] = part
            body.append("if v.__class__ is not dict: return slow(v, %d)" % i)
            if self.joins[i]:
                env[f"j{i}"] = self.joins[i]
                body.append("if not j%d.isdisjoint(v): return slow(v, %d)" % (i, i))
            body += ["v = v.get(k%d, MISSING)" % i, "if v is MISSING: return None"]
        body += ["if v.__class__ is str: return [v]",
                 "raw = raw_of_value(v)",
                 "if raw is None: return slow(v, %d)" % len(self.path),
                 "return [raw]"]
        source = "def fetch(event):\n" + "".join(f"    {line}\n" for line in body)
        namespace: dict[str, Any] = {}
        exec(compile(source, "<eventyard path fetch>", "exec"), env, namespace)  # noqa: S102
        self.fetch = namespace["fetch"]
        return self.fetch(event)

    def count(self, cond: Condition, delta: int) -> None:
        """Account ``delta`` more (or fewer) rules using ``cond``."""
        for key in cond.index_keys:
            _bump(self.key_uses, key, delta)
            if key[0] == "eic" or (key[0] == "exact" and key[1].__class__ is str):
                _bump(self.folded_uses, _fold(key[1]), delta)
            self.total_uses += delta

    def share(self, key: IndexKey, how: int, text: str) -> float:
        """The share of this path's tests that ``key`` stands for. Text is compared
        casefolded (``how`` 1: ``"Order"`` and ``{"equals-ignore-case": "order"}`` test one
        value); a prefix (``how`` 2) or suffix (3) also stands for the exact values it
        covers, when there are few enough to look at."""
        total = self.total_uses or 1
        if how == 1:
            return self.folded_uses.get(text, 0) / total
        uses = self.key_uses.get(key, 0)
        if how and len(self.folded_uses) <= _SCAN_VALUES:
            if how == 2:
                uses += sum(n for v, n in self.folded_uses.items() if v.startswith(text))
            else:
                uses += sum(n for v, n in self.folded_uses.items() if v.endswith(text))
        return uses / total

    def __repr__(self) -> str:
        return f"PathSpec({self.path!r})"


_OCTET = "(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
_IPV4 = re.compile(r"\.".join([_OCTET] * 4))


def _ipv4(text: str) -> int | None:
    """``ipaddress.IPv4Address(text)`` as an int, or None where it would refuse the text:
    four dot-separated ASCII decimal octets, no leading zeros, none above 255."""
    found = _IPV4.fullmatch(text)
    if found is None:
        return None
    a, b, c, d = found.groups()
    return int(a) << 24 | int(b) << 16 | int(c) << 8 | int(d)


def _value_test(m: Matcher) -> ValueTest:
    """One matcher of the rarer kinds as a test on a raw value, as ``matchers.matches``
    decides it."""
    if isinstance(m, Wildcard):
        return _glob(wildcard_segments(m.value))
    if isinstance(m, Cidr) and m.network.version == 4:
        base, size = int(m.network.network_address), m.network.num_addresses

        def in_network(v: Raw) -> bool:
            if v.__class__ is not str:
                return False
            number = _ipv4(v)
            return number is not None and 0 <= number - base < size
        return in_network
    if isinstance(m, AnythingBut):
        # strings hold only str and numbers only float, which never equal each other
        excluded = m.strings | m.numbers
        return lambda v: v not in excluded
    if isinstance(m, AnythingButPrefix):
        prefixes = tuple(m.values)
        return lambda v: v.__class__ is not str or not v.startswith(prefixes)
    if isinstance(m, AnythingButSuffix):
        suffixes = tuple(m.values)
        return lambda v: v.__class__ is not str or not v.endswith(suffixes)
    if isinstance(m, AnythingButIgnoreCase):
        folded = frozenset(_fold(x) for x in m.values)
        return lambda v: v.__class__ is not str or v.casefold() not in folded
    if isinstance(m, AnythingButWildcard):
        globs = tuple(_glob(wildcard_segments(w)) for w in m.values)
        return lambda v: v.__class__ is not str or not any(g(v) for g in globs)
    return lambda v: matches(m, leaf_of(v))  # IPv6 CIDRs and anything new


def _test_spec(m: Matcher) -> tuple[str, Any] | None:
    """What ``_value_test(m)`` tests, as data the C extension reads (``value_test`` in
    ``_native.c``); ``None`` where it calls the Python test instead."""
    if isinstance(m, Wildcard):
        return "glob", tuple(wildcard_segments(m.value))
    if isinstance(m, Cidr) and m.network.version == 4:
        return "ipv4", (int(m.network.network_address), m.network.num_addresses)
    if isinstance(m, AnythingBut):
        return "not_in", m.strings | m.numbers
    if isinstance(m, AnythingButPrefix):
        return "not_prefix", tuple(m.values)
    if isinstance(m, AnythingButSuffix):
        return "not_suffix", tuple(m.values)
    if isinstance(m, AnythingButIgnoreCase):
        return "not_folded", frozenset(_fold(x) for x in m.values)
    if isinstance(m, AnythingButWildcard):
        return "not_glob", tuple(tuple(wildcard_segments(w)) for w in m.values)
    return None


class Condition(*bases("Condition")):  # type: ignore[misc]  # a base chosen at import: see _accel
    """A distinct (path, matchers) pair, shared by every branch that uses it.

    ``holds(values)`` is ``matchers.field_holds`` on raw values (a method picked for the
    matcher kinds present). Instances are interned by the matcher, so identity is
    equality and they can key per-event memos cheaply.
    """

    __slots__ = slots(
        ("truth", "steps", "exact", "folded", "prefixes", "suffixes", "iprefixes", "isuffixes",
         "ranges", "tests", "test_specs", "negative", "any_leaf", "folds"),
        ("key", "path", "spec", "matchers", "index_keys", "estimate", "confirm", "passive",
         "cost", "uses", "posting", "holds"),
    )

    def __init__(self, key: Hashable, matchers: tuple[Matcher, ...], spec: PathSpec) -> None:
        self.key = key
        self.path = spec.path
        self.spec = spec
        self.matchers = matchers
        self.uses = 0  # branch references; the condition is dropped at zero
        self.posting: Any = None  # its posting, while it is in the index
        self.truth: Any = None  # the posting, when being hit is the same as holding
        self.negative = any(isinstance(m, Exists) and not m.present for m in matchers)
        self.any_leaf = any(isinstance(m, Exists) and m.present for m in matchers)
        exact: set[Raw] = set()
        folded: set[str] = set()
        prefixes: list[str] = []
        suffixes: list[str] = []
        iprefixes: list[str] = []
        isuffixes: list[str] = []
        ranges: list[tuple[float, float]] = []
        others: list[Matcher] = []
        for m in matchers:
            if isinstance(m, Exact):
                exact.add(raw_of(m.leaf))
            elif isinstance(m, EqualsIgnoreCase):
                folded.add(_fold(m.value))
            elif isinstance(m, Prefix):
                (iprefixes if m.ignore_case else prefixes).append(_fold(m.value) if m.ignore_case else m.value)
            elif isinstance(m, Suffix):
                (isuffixes if m.ignore_case else suffixes).append(_fold(m.value) if m.ignore_case else m.value)
            elif isinstance(m, Numeric):
                lo = -math.inf if m.lower is None else m.lower
                hi = math.inf if m.upper is None else m.upper
                if m.lower is not None and not m.lower_inclusive:
                    lo = math.nextafter(lo, math.inf)
                if m.upper is not None and not m.upper_inclusive:
                    hi = math.nextafter(hi, -math.inf)
                ranges.append((lo, hi))
            elif isinstance(m, Exists):
                pass
            else:
                others.append(m)
        self.exact = frozenset(exact)
        self.folded = frozenset(folded)
        self.prefixes = tuple(prefixes)
        self.suffixes = tuple(suffixes)
        self.iprefixes = tuple(iprefixes)
        self.isuffixes = tuple(isuffixes)
        self.folds = bool(folded or iprefixes or isuffixes)
        self.ranges = tuple(ranges)
        self.tests = tuple(_value_test(m) for m in others)
        # what the C extension reads to evaluate the condition itself (see _native.c)
        self.steps = spec.steps if spec.reachable else None
        self.test_specs = tuple(_test_spec(m) for m in others)
        # ``holds(values)`` is ``matchers.field_holds`` on raw values
        if self.any_leaf:
            self.holds = self._holds_any
        elif not (self.folds or prefixes or suffixes or ranges or others):
            self.holds = self._holds_exact
        else:
            self.holds = self._holds
        # how the condition is found in the index when it is an anchor
        keys: list[IndexKey] = []
        confirm = False
        cost = 0.0
        if self.negative:
            cost = math.inf  # never an anchor: it holds when its field is missing
        elif self.any_leaf:
            keys, cost = [("loose",)], _COST_LOOSE
        else:
            for m in matchers:
                m_keys, m_confirm, m_cost = _index_plan(m)
                keys += [k for k in m_keys if k not in keys]
                confirm = confirm or m_confirm
                cost += m_cost
            if ("loose",) in keys:
                keys = [("loose",)]
                confirm = True
        self.index_keys = tuple(keys)
        self.estimate = tuple(_estimate_plan(key) for key in keys)
        self.confirm = confirm
        self.cost = cost
        # Worth indexing for its truth alone (see RuleMatcher._sync): an exact lookup
        # reports it only when it holds, and it seldom holds.
        self.passive = not self.negative and not confirm and bool(keys) and all(
            key[0] in ("exact", "eic") for key in keys)

    def frequency(self) -> float:
        """How often the condition is expected to hold, from the rule set itself: values
        that many branches test are common in events too; a value only one branch of
        thousands tests is rare. Kinds that hold for wide ranges of values get a floor."""
        if self.negative:
            return math.inf
        share = self.spec.share
        estimate = 0.0
        for key, how, text, floor in self.estimate:
            part = share(key, how, text)
            estimate += part if part > floor else floor
        return estimate if estimate < 1.0 else 1.0

    def _holds_any(self, values: list[Raw] | None) -> bool:
        return bool(values) or self.negative

    def _holds_exact(self, values: list[Raw] | None) -> bool:
        if not values:
            return self.negative
        return not self.exact.isdisjoint(values)

    def _holds(self, values: list[Raw] | None) -> bool:
        if not values:
            return self.negative
        exact = self.exact
        for v in values:
            if v in exact:
                return True
            if v.__class__ is str:
                if self.prefixes and v.startswith(self.prefixes):
                    return True
                if self.suffixes and v.endswith(self.suffixes):
                    return True
                if self.folds:
                    f = v.casefold()
                    if f in self.folded:
                        return True
                    if self.iprefixes and f.startswith(self.iprefixes):
                        return True
                    if self.isuffixes and f.endswith(self.isuffixes):
                        return True
            elif v.__class__ is float:
                for lo, hi in self.ranges:
                    if lo <= v <= hi:
                        return True
            for test in self.tests:
                if test(v):
                    return True
        return False

    def __repr__(self) -> str:
        return f"Condition({self.path!r}, {self.matchers!r})"


__all__ = ["Atom", "Condition", "FALSE", "NULL", "PathSpec", "TRUE", "Raw", "leaf_of", "raw_of", "raw_of_value"]

