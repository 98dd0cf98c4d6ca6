"""A parsed event pattern, in disjunctive normal form.

``$or`` is expanded at parse time, so a ``Pattern`` is an OR of ``Branch``es; a branch
is an AND of ``FieldCondition``s; a field condition is an OR of ``Matcher``s applied to
the leaf values found at one path of the event. Everything is immutable and hashable,
so compiled matchers can share and index these objects.

Leaf values are typed (``Leaf``) because JSON types are strict in EventBridge:
``true`` is not ``1`` and ``"300"`` is not ``300`` (while ``300`` equals ``300.0``).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Literal, Union

Path = tuple[str, ...]
LeafKind = Literal["string", "number", "bool", "null"]


@dataclass(frozen=True, slots=True)
class Leaf:
    """A scalar taken from an event. Numbers are floats (EventBridge compares doubles)."""

    kind: LeafKind
    value: str | float | bool | None


# -- matchers: each decides on one leaf, see ``matchers.matches`` ------------------------
@dataclass(frozen=True, slots=True)
class Exact:
    leaf: Leaf  # string, number, bool or null


@dataclass(frozen=True, slots=True)
class Prefix:
    value: str
    ignore_case: bool = False


@dataclass(frozen=True, slots=True)
class Suffix:
    value: str
    ignore_case: bool = False


@dataclass(frozen=True, slots=True)
class EqualsIgnoreCase:
    value: str


@dataclass(frozen=True, slots=True)
class Wildcard:
    value: str  # raw pattern text: '*' any run, '\\*' a star, '\\\\' a backslash


@dataclass(frozen=True, slots=True)
class Numeric:
    lower: float | None = None
    lower_inclusive: bool = False
    upper: float | None = None
    upper_inclusive: bool = False


@dataclass(frozen=True, slots=True)
class Cidr:
    network: ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True, slots=True)
class AnythingBut:
    """Matches a leaf unless it is excluded. A ``null`` leaf matches (AWS behaviour)."""

    strings: frozenset[str] = frozenset()
    numbers: frozenset[float] = frozenset()


@dataclass(frozen=True, slots=True)
class AnythingButPrefix:
    values: tuple[str, ...]  # non-string leaves match


@dataclass(frozen=True, slots=True)
class AnythingButSuffix:
    values: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class AnythingButIgnoreCase:
    values: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class AnythingButWildcard:
    values: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Exists:
    """``exists: true`` matches any leaf (``null`` included); ``false`` matches no leaf at all."""

    present: bool


Matcher = Union[
    Exact, Prefix, Suffix, EqualsIgnoreCase, Wildcard, Numeric, Cidr, AnythingBut,
    AnythingButPrefix, AnythingButSuffix, AnythingButIgnoreCase, AnythingButWildcard, Exists,
]


@dataclass(frozen=True, slots=True)
class FieldCondition:
    """True when any matcher accepts any leaf at ``path`` (``Exists(False)``: when none is there)."""

    path: Path
    matchers: tuple[Matcher, ...]


@dataclass(frozen=True, slots=True)
class Branch:
    conditions: tuple[FieldCondition, ...]  # all must hold


@dataclass(frozen=True, slots=True)
class Pattern:
    branches: tuple[Branch, ...]  # any may hold
