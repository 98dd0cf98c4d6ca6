"""The per-path index of the compiled matcher: a prefix tree of event paths whose nodes
hold, for the indexed conditions on that path, one lookup structure per kind of test.

Every structure maps what it can see in a raw leaf value to ``Posting`` lists; a posting
is one condition together with the branches anchored on it (none, for a condition that
is indexed only so that its truth is known without evaluating it). Structures change
incrementally: adding or removing one condition touches only its own entries.
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right, insort
from collections.abc import Hashable
from typing import Any

from eventyard.core.patterns._accel import bases, slots
from eventyard.core.patterns._index_conditions import Condition, IndexKey, Raw
from eventyard.core.patterns.ast import Path

BranchKey = tuple[Hashable, int]


# The index classes' base is the C extension's type or none, chosen at import (_accel.bases):
# mypy cannot follow a computed base, hence their ignore[misc].
class Group(*bases("Group")):  # type: ignore[misc]
    """Branches that share their anchor and their next condition to check: ``direct``
    holds the rule ids of those with nothing else to check, ``checked`` the others with
    the rest of their conditions. One check of the shared condition rules out a group."""

    __slots__ = slots(("direct", "checked"), ())

    def __init__(self) -> None:
        self.direct: set[Hashable] = set()
        self.checked: dict[BranchKey, tuple[Hashable, tuple[Condition, ...]]] = {}


class Posting(*bases("Posting")):  # type: ignore[misc]
    """An indexed condition and the branches anchored on it.

    ``direct`` holds the rule ids of branches that are nothing but this condition;
    ``groups`` the others, by their next condition to check. ``confirm`` says that an
    index hit is only a candidate: the condition itself must be evaluated (wildcards and
    CIDRs reached through a literal prefix, anything-but).
    """

    __slots__ = slots(("cond", "confirm", "direct", "groups", "active"), ())

    def __init__(self, cond: Condition) -> None:
        self.cond = cond
        self.confirm = cond.confirm
        self.direct: set[Hashable] = set()
        self.groups: dict[Condition, Group] = {}
        #: ``bool(direct or groups)``, kept by the matcher: the C resolution skips a hit on
        #: a posting indexed only for its truth without reading its set and dict.
        self.active = False

    def __repr__(self) -> str:
        return f"Posting({self.cond!r}, direct={len(self.direct)}, groups={len(self.groups)})"


_FNV_OFFSET = 0xCBF29CE484222325
_FNV_PRIME = 0x100000001B3
_MASK64 = (1 << 64) - 1


def affix_hash(text: str, suffix: bool) -> int:
    """64-bit FNV-1a over the code points of ``text`` (from its end for a suffix), as
    ``_native.c`` computes it for every piece of a value, incrementally."""
    h = _FNV_OFFSET
    for ch in reversed(text) if suffix else text:
        h = ((h ^ ord(ch)) * _FNV_PRIME) & _MASK64
    return h


class Affixes(*bases("Affixes")):  # type: ignore[misc]
    """Prefixes (or suffixes) by text, and the distinct lengths present: a value is
    probed once per length, never once per pattern.

    ``filter`` is a bit per ``affix_hash`` bucket of the texts present (counted in
    ``bit_uses``): the C walk hashes the pieces of a value as it reads it and makes a
    piece into a string to look up only when its bit is set. It has at least 8 bits per
    text, so most pieces that are no indexed text are ruled out."""

    __slots__ = slots(("by_text", "lengths", "filter"), ("length_uses", "suffix", "bit_uses"))

    def __init__(self, suffix: bool = False) -> None:
        self.by_text: dict[str, list[Posting]] = {}
        self.lengths: list[int] = []  # ascending
        self.length_uses: dict[int, int] = {}
        self.suffix = suffix
        self.filter = bytearray(64)
        self.bit_uses: dict[int, int] = {}

    def _bit(self, text: str) -> int:
        h = affix_hash(text, self.suffix)
        return (h ^ (h >> 32)) & (len(self.filter) * 8 - 1)

    def _refilter(self, size: int) -> None:
        self.filter = bytearray(size)
        self.bit_uses = {}
        for text in self.by_text:
            self._mark(text)

    def _mark(self, text: str) -> None:
        bit = self._bit(text)
        self.bit_uses[bit] = self.bit_uses.get(bit, 0) + 1
        self.filter[bit >> 3] |= 1 << (bit & 7)

    def add(self, text: str, posting: Posting) -> None:
        found = self.by_text.get(text)
        if found is not None:
            found.append(posting)
            return
        self.by_text[text] = [posting]
        if len(self.by_text) > len(self.filter):  # fewer than 8 bits per text
            self._refilter(len(self.filter) * 4)
        else:
            self._mark(text)
        n = len(text)
        uses = self.length_uses.get(n, 0)
        if not uses:
            insort(self.lengths, n)
        self.length_uses[n] = uses + 1

    def discard(self, text: str, posting: Posting) -> None:
        found = self.by_text[text]
        found.remove(posting)
        if found:
            return
        del self.by_text[text]
        bit = self._bit(text)
        left = self.bit_uses[bit] - 1
        if left:
            self.bit_uses[bit] = left
        else:
            del self.bit_uses[bit]
            self.filter[bit >> 3] &= ~(1 << (bit & 7)) & 0xFF
        n = len(text)
        uses = self.length_uses[n] - 1
        if uses:
            self.length_uses[n] = uses
        else:
            del self.length_uses[n]
            self.lengths.remove(n)

    def __bool__(self) -> bool:
        return bool(self.by_text)


class Bounds(*bases("Bounds")):  # type: ignore[misc]
    """One-sided numeric ranges, sorted by their (inclusive) bound.

    Lower bounds: a number v satisfies every bound <= v, a prefix of the list.
    Upper bounds: every bound >= v, a suffix. Both are what actually holds, so the cost
    is that of the answer."""

    __slots__ = slots(("keys", "postings"), ())

    def __init__(self) -> None:
        self.keys: list[float] = []
        self.postings: list[Posting] = []

    def add(self, bound: float, posting: Posting) -> None:
        i = bisect_right(self.keys, bound)
        self.keys.insert(i, bound)
        self.postings.insert(i, posting)

    def discard(self, bound: float, posting: Posting) -> None:
        i = bisect_left(self.keys, bound)
        while self.postings[i] is not posting:
            i += 1
        del self.keys[i]
        del self.postings[i]

    def __bool__(self) -> bool:
        return bool(self.keys)


class Ranges(*bases("Ranges")):  # type: ignore[misc]
    """Two-sided numeric ranges as elementary segments: the sorted distinct boundaries
    cut the number line into pieces, each listing the ranges that cover it, so a number
    finds its ranges with one bisection.

    A closed range [lo, hi] is stored half-open, [lo, next double after hi).
    ``segments[k]`` covers [bounds[k], bounds[k + 1]).
    """

    __slots__ = slots(("bounds", "segments"), ("bound_uses",))

    def __init__(self) -> None:
        self.bounds: list[float] = []
        self.segments: list[list[Posting]] = []
        self.bound_uses: dict[float, int] = {}

    def _cut(self, x: float) -> int:
        bounds = self.bounds
        i = bisect_left(bounds, x)
        if i < len(bounds) and bounds[i] == x:
            self.bound_uses[x] += 1
            return i
        bounds.insert(i, x)
        self.segments.insert(i, list(self.segments[i - 1]) if i else [])
        self.bound_uses[x] = 1
        return i

    def _uncut(self, i: int) -> None:
        x = self.bounds[i]
        uses = self.bound_uses[x] - 1
        if uses:
            self.bound_uses[x] = uses
            return
        # Nothing starts or ends here any more, so the piece equals its left neighbour.
        del self.bound_uses[x]
        del self.bounds[i]
        del self.segments[i]

    def add(self, lo: float, hi: float, posting: Posting) -> None:
        end = math.nextafter(hi, math.inf)
        i = self._cut(lo)
        j = self._cut(end)
        for k in range(i, j):
            self.segments[k].append(posting)

    def discard(self, lo: float, hi: float, posting: Posting) -> None:
        end = math.nextafter(hi, math.inf)
        i = bisect_left(self.bounds, lo)
        j = bisect_left(self.bounds, end)
        for k in range(i, j):
            self.segments[k].remove(posting)
        self._uncut(j)
        self._uncut(i)

    def __bool__(self) -> bool:
        return bool(self.bounds)


class Node(*bases("Node")):  # type: ignore[misc]
    """One step of the prefix tree of anchor paths, and the index of the conditions on
    its path.

    Structures are ``None`` while empty. The walker looks up ``exact`` for strings
    itself (the common case) and calls ``on_string`` / ``on_value`` only when
    ``strings`` / ``others`` say there is more to look at. Those two are small functions
    generated for the structures present (no test for an absent structure, prefix
    lengths unrolled), regenerated lazily on the first probe after a change.
    """

    __slots__ = slots(
        ("children", "exact", "eic", "pre", "suf", "ipre", "isuf", "loose", "on_value",
         "lo", "hi", "ranges", "number", "strings", "others"),
        ("part", "parent", "path", "entries", "on_string"),
    )

    def __init__(self, part: str, parent: Node | None, path: Path) -> None:
        self.part = part
        self.parent = parent
        self.path = path
        self.children: dict[str, Node] = {}
        self.entries = 0  # (index key, posting) registrations here
        self.exact: dict[Raw, list[Posting]] | None = None
        self.eic: dict[str, list[Posting]] | None = None
        self.pre: Affixes | None = None
        self.suf: Affixes | None = None
        self.ipre: Affixes | None = None
        self.isuf: Affixes | None = None
        self.lo: Bounds | None = None
        self.hi: Bounds | None = None
        self.ranges: Ranges | None = None
        self.number: list[Posting] | None = None  # any number
        self.loose: list[Posting] | None = None  # any leaf
        self._refresh()

    def _refresh(self) -> None:
        self.strings = (self.eic is not None or self.ipre is not None or self.isuf is not None
                        or self.pre is not None or self.suf is not None or self.loose is not None)
        self.others = (self.lo is not None or self.hi is not None or self.ranges is not None
                       or self.number is not None or self.loose is not None
                       or self.exact is not None)
        self.on_string = self._compile_string_probe
        self.on_value = self._compile_value_probe

    # -- maintenance -------------------------------------------------------------------
    def add(self, key: IndexKey, posting: Posting) -> None:
        kind = key[0]
        if kind == "exact" or kind == "eic":
            table = getattr(self, kind)
            if table is None:
                table = {}
                setattr(self, kind, table)
            table.setdefault(key[1], []).append(posting)
        elif kind in ("pre", "suf", "ipre", "isuf"):
            affixes = getattr(self, kind)
            if affixes is None:
                affixes = Affixes(suffix=kind.endswith("suf"))
                setattr(self, kind, affixes)
            affixes.add(key[1], posting)
        elif kind == "lo" or kind == "hi":
            bounds = getattr(self, kind)
            if bounds is None:
                bounds = Bounds()
                setattr(self, kind, bounds)
            bounds.add(key[1], posting)
        elif kind == "range":
            if self.ranges is None:
                self.ranges = Ranges()
            self.ranges.add(key[1], key[2], posting)
        elif kind == "number" or kind == "loose":
            found = getattr(self, kind)
            if found is None:
                setattr(self, kind, [posting])
            else:
                found.append(posting)
        else:  # pragma: no cover - keys come from _index_conditions
            raise ValueError(f"unknown index key {key!r}")
        self.entries += 1
        self._refresh()

    def discard(self, key: IndexKey, posting: Posting) -> None:
        kind = key[0]
        if kind == "exact" or kind == "eic":
            table = getattr(self, kind)
            found = table[key[1]]
            found.remove(posting)
            if not found:
                del table[key[1]]
                if not table:
                    setattr(self, kind, None)
        elif kind in ("pre", "suf", "ipre", "isuf", "lo", "hi"):
            structure = getattr(self, kind)
            structure.discard(key[1], posting)
            if not structure:
                setattr(self, kind, None)
        elif kind == "range":
            assert self.ranges is not None
            self.ranges.discard(key[1], key[2], posting)
            if not self.ranges:
                self.ranges = None
        else:
            found = getattr(self, kind)
            found.remove(posting)
            if not found:
                setattr(self, kind, None)
        self.entries -= 1
        self._refresh()

    def is_empty(self) -> bool:
        return not self.entries and not self.children

    # -- matching ------------------------------------------------------------------------
    def probe(self, values: list[Raw], hits: set[Posting]) -> None:
        """Add to ``hits`` the postings whose index entry accepts one of ``values``."""
        exact = self.exact
        for v in values:
            if v.__class__ is str:
                if exact is not None:
                    found = exact.get(v)
                    if found is not None:
                        hits.update(found)
                if self.strings:
                    self.on_string(v, hits)
            elif self.others:
                self.on_value(v, hits)

    def _compile_string_probe(self, v: str, hits: set[Posting]) -> None:
        """Generate ``on_string`` (everything but the exact lookup), then run it."""
        env: dict[str, Any] = {}
        body: list[str] = []
        if self.loose is not None:
            env["loose"] = self.loose
            body.append("hits.update(loose)")
        if self.pre is not None or self.suf is not None:
            body.append("n = len(v)")
            body += _affix_lines(self.pre, "pre", "v[:{n}]", "n", env)
            body += _affix_lines(self.suf, "suf", "v[n - {n}:]", "n", env)
        if self.eic is not None or self.ipre is not None or self.isuf is not None:
            body.append("f = v.casefold()")
            if self.eic is not None:
                env["eic"] = self.eic.get
                body += ["found = eic(f)", "if found is not None: hits.update(found)"]
            if self.ipre is not None or self.isuf is not None:
                body.append("nf = len(f)")
                body += _affix_lines(self.ipre, "ipre", "f[:{n}]", "nf", env)
                body += _affix_lines(self.isuf, "isuf", "f[nf - {n}:]", "nf", env)
        self.on_string = _function("probe_string", body, env)
        self.on_string(v, hits)

    def _compile_value_probe(self, v: Raw, hits: set[Posting]) -> None:
        """Generate ``on_value`` (for a number, true, false or null), then run it."""
        env: dict[str, Any] = {"bisect_left": bisect_left, "bisect_right": bisect_right}
        body: list[str] = []
        if self.exact is not None:
            env["exact"] = self.exact.get
            body += ["found = exact(v)", "if found is not None: hits.update(found)"]
        if self.loose is not None:
            env["loose"] = self.loose
            body.append("hits.update(loose)")
        numbers: list[str] = []
        if self.number is not None:
            env["number"] = self.number
            numbers.append("hits.update(number)")
        if self.lo is not None:
            env["lo_keys"], env["lo_postings"] = self.lo.keys, self.lo.postings
            numbers += ["k = bisect_right(lo_keys, v)", "if k: hits.update(lo_postings[:k])"]
        if self.hi is not None:
            env["hi_keys"], env["hi_postings"] = self.hi.keys, self.hi.postings
            numbers += ["k = bisect_left(hi_keys, v)",
                        "if k < len(hi_keys): hits.update(hi_postings[k:])"]
        if self.ranges is not None:
            env["bounds"], env["segments"] = self.ranges.bounds, self.ranges.segments
            numbers += ["k = bisect_right(bounds, v)",
                        "if k and segments[k - 1]: hits.update(segments[k - 1])"]
        if numbers:
            env["float"] = float
            body.append("if v.__class__ is float:")
            body += ["    " + line for line in numbers]
        self.on_value = _function("probe_value", body, env)
        self.on_value(v, hits)

    def __repr__(self) -> str:
        return f"Node({self.path!r}, entries={self.entries})"


_UNROLL = 8  # up to this many distinct affix lengths are probed in straight-line code


def _affix_lines(affixes: Affixes | None, name: str, piece: str, size: str,
                 env: dict[str, Any]) -> list[str]:
    """Probe one ``Affixes`` with the slice ``piece`` of each indexed length."""
    if affixes is None:
        return []
    env[name] = affixes.by_text.get
    if len(affixes.lengths) > _UNROLL:
        env[name + "_lengths"] = affixes.lengths
        return [f"for size in {name}_lengths:",
                f"    if size > {size}: break",
                f"    found = {name}({piece.format(n='size')})",
                "    if found is not None: hits.update(found)"]
    lines = []
    for n in affixes.lengths:  # ascending; the int is the only thing spliced into code
        lines += [f"if {size} >= {int(n)}:",
                  f"    found = {name}({piece.format(n=int(n))})",
                  "    if found is not None: hits.update(found)"]
    return lines


def _function(name: str, body: list[str], env: dict[str, Any]) -> Any:
    source = f"def {name}(v, hits):\n" + "".join(f"    {line}\n" for line in body or ["pass"])
    namespace: dict[str, Any] = {}
    exec(compile(source, f"<eventyard index {name}>", "exec"), env, namespace)  # noqa: S102
    return namespace[name]
