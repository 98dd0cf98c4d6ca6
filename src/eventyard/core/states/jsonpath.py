"""The JSONPath dialect of the States Language (Jayway JsonPath, which AWS runs).

A path starts at one of three roots: ``$`` the state's input (or whatever document the
field reads), ``$$`` the context object, ``$name`` a variable (Assign). Steps:

    .key  ['key']  ["key"]  ['a','b']     members (a list of names is a union)
    [n]  [-n]  [n,m]  [a:b]  [a:b:c]      elements, unions and slices
    .*  [*]                               every member or element
    ..key  ..*  ..[n]                     the step applied at every depth
    [?(@.x > 1 && @.y == 'a')]            elements (or members) the filter keeps

A *definite* path (members and single indexes only) reaches one node or nothing; any
other gives the list of every node it reaches (possibly empty), like Jayway. A
*reference path* (ResultPath, Choice's Variable, the ``*Path`` comparators) is a definite
path without negative indexes: ``is_reference``.

What a definite path that ends in an array index past the end gives is ``None`` (Jayway
returns null for a leaf index out of range; AWS's recorded runs agree); a member that is
not there gives ``MISSING`` and the caller words the failure.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Final, Union

__all__ = ["MISSING", "Path", "PathSyntaxError", "is_reference", "parse", "select"]


class _Missing:
    __slots__ = ()

    def __repr__(self) -> str:
        return "MISSING"

    def __bool__(self) -> bool:
        return False


MISSING: Final = _Missing()


class PathSyntaxError(ValueError):
    """The text is not a path of this dialect."""


@dataclass(frozen=True, slots=True)
class Key:
    name: str


@dataclass(frozen=True, slots=True)
class Index:
    index: int


@dataclass(frozen=True, slots=True)
class Slice:
    start: int | None
    stop: int | None
    step: int | None


@dataclass(frozen=True, slots=True)
class Union_:
    members: tuple[str | int, ...]


@dataclass(frozen=True, slots=True)
class Wildcard:
    pass


@dataclass(frozen=True, slots=True)
class Descend:
    step: "Step"


@dataclass(frozen=True, slots=True)
class Filter:
    text: str
    test: Callable[[Any, Any], bool]  # (node, root) -> keep


Step = Union[Key, Index, Slice, Union_, Wildcard, Descend, Filter]


@dataclass(frozen=True, slots=True)
class Path:
    text: str
    root: str  # "input" | "context" | "variable"
    variable: str | None
    steps: tuple[Step, ...]

    @property
    def definite(self) -> bool:
        return all(isinstance(step, (Key, Index)) for step in self.steps)


_NAME = re.compile(r"[^.\[\]()'\"*,?@=<>!&|\s](?:[^.\[\]()'\"*,?@=<>!&|]*[^.\[\]()'\"*,?@=<>!&|\s])?")
_VARIABLE = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")
_INT = re.compile(r"-?[0-9]+")
_SPACE = re.compile(r"\s*")


def parse(text: str) -> Path:
    """Parse ``text``; ``PathSyntaxError`` if it is not a path."""
    if not text.startswith("$"):
        raise PathSyntaxError(text)
    if text.startswith("$$"):
        root, variable, pos = "context", None, 2
    else:
        m = _VARIABLE.match(text)
        if m is not None:
            root, variable, pos = "variable", m.group(1), m.end()
        else:
            root, variable, pos = "input", None, 1
    steps, pos = _steps(text, pos)
    if pos != len(text):
        raise PathSyntaxError(text)
    return Path(text, root, variable, tuple(steps))


def is_reference(path: Path) -> bool:
    """A path that names one node: members and non-negative indexes only."""
    return all(isinstance(s, Key) or (isinstance(s, Index) and s.index >= 0) for s in path.steps)


def _steps(text: str, pos: int, stop: str = "") -> tuple[list[Step], int]:
    steps: list[Step] = []
    while pos < len(text) and text[pos] not in stop:
        if text.startswith("..", pos):
            pos += 2
            if pos < len(text) and text[pos] == "[":
                step, pos = _bracket(text, pos)
            elif text.startswith("*", pos):
                step, pos = Wildcard(), pos + 1
            else:
                m = _NAME.match(text, pos)
                if m is None:
                    raise PathSyntaxError(text)
                step, pos = Key(m.group()), m.end()
            steps.append(Descend(step))
        elif text[pos] == ".":
            pos += 1
            if text.startswith("*", pos):
                steps.append(Wildcard())
                pos += 1
                continue
            m = _NAME.match(text, pos)
            if m is None:
                raise PathSyntaxError(text)
            steps.append(Key(m.group()))
            pos = m.end()
        elif text[pos] == "[":
            step, pos = _bracket(text, pos)
            steps.append(step)
        else:
            break
    return steps, pos


def _quoted(text: str, pos: int) -> tuple[str, int]:
    quote = text[pos]
    out: list[str] = []
    pos += 1
    while pos < len(text):
        c = text[pos]
        if c == "\\" and pos + 1 < len(text):
            out.append(text[pos + 1])
            pos += 2
            continue
        if c == quote:
            return "".join(out), pos + 1
        out.append(c)
        pos += 1
    raise PathSyntaxError(text)


def _bracket(text: str, pos: int) -> tuple[Step, int]:
    pos = _SPACE.match(text, pos + 1).end()  # type: ignore[union-attr]
    if text.startswith("?(", pos) or text.startswith("?", pos):
        start = pos + (2 if text.startswith("?(", pos) else 1)
        if start == pos + 1:
            raise PathSyntaxError(text)
        depth, end = 1, start
        while end < len(text) and depth:
            c = text[end]
            if c in "'\"":
                _, end = _quoted(text, end)
                continue
            depth += c == "("
            depth -= c == ")"
            end += 1
        if depth:
            raise PathSyntaxError(text)
        body = text[start:end - 1]
        test = _FilterParser(body, text).parse()
        pos = _SPACE.match(text, end).end()  # type: ignore[union-attr]
        if not text.startswith("]", pos):
            raise PathSyntaxError(text)
        return Filter(body, test), pos + 1
    if text.startswith("*", pos):
        pos = _SPACE.match(text, pos + 1).end()  # type: ignore[union-attr]
        if not text.startswith("]", pos):
            raise PathSyntaxError(text)
        return Wildcard(), pos + 1
    members: list[str | int] = []
    slice_parts: list[int | None] | None = None
    while True:
        pos = _SPACE.match(text, pos).end()  # type: ignore[union-attr]
        if pos < len(text) and text[pos] in "'\"":
            name, pos = _quoted(text, pos)
            members.append(name)
        else:
            m = _INT.match(text, pos)
            if m is not None:
                members.append(int(m.group()))
                pos = m.end()
            elif not text.startswith(":", pos):
                raise PathSyntaxError(text)
            if text.startswith(":", pos):
                if slice_parts is not None or len(members) > 1:
                    raise PathSyntaxError(text)
                first = members.pop() if members else None
                if not (first is None or isinstance(first, int)):
                    raise PathSyntaxError(text)
                slice_parts = [first]
                while text.startswith(":", pos):
                    pos += 1
                    m = _INT.match(text, pos)
                    slice_parts.append(int(m.group()) if m else None)
                    pos = m.end() if m else pos
                if len(slice_parts) > 3:
                    raise PathSyntaxError(text)
        pos = _SPACE.match(text, pos).end()  # type: ignore[union-attr]
        if text.startswith(",", pos) and slice_parts is None:
            pos += 1
            continue
        if text.startswith("]", pos):
            pos += 1
            break
        raise PathSyntaxError(text)
    if slice_parts is not None:
        parts = slice_parts + [None] * (3 - len(slice_parts))
        return Slice(parts[0], parts[1], parts[2]), pos
    if len(members) == 1:
        only = members[0]
        return (Index(only) if isinstance(only, int) else Key(only)), pos
    return Union_(tuple(members)), pos


# --- evaluation ---------------------------------------------------------------------

def select(path: Path, document: Any, root: Any = None) -> Any:
    """The node a definite path reaches (``MISSING`` if none), or the list of nodes an
    indefinite one reaches. ``root`` is what ``$`` means inside filters (the document)."""
    if root is None:
        root = document
    if path.definite:
        node = document
        last = len(path.steps) - 1
        for i, step in enumerate(path.steps):
            if isinstance(step, Key):
                if not isinstance(node, dict) or step.name not in node:
                    return MISSING
                node = node[step.name]
            else:
                assert isinstance(step, Index)
                if not isinstance(node, list):
                    return MISSING
                index = step.index + len(node) if step.index < 0 else step.index
                if not 0 <= index < len(node):
                    return None if i == last and step.index >= 0 else MISSING
                node = node[index]
        return node
    nodes = [document]
    for step in path.steps:
        nodes = [reached for node in nodes for reached in _apply(step, node, root)]
    return nodes


def _children(node: Any) -> list[Any]:
    if isinstance(node, dict):
        return list(node.values())
    if isinstance(node, list):
        return list(node)
    return []


def _apply(step: Step, node: Any, root: Any) -> Iterator[Any]:
    if isinstance(step, Key):
        if isinstance(node, dict) and step.name in node:
            yield node[step.name]
    elif isinstance(step, Index):
        if isinstance(node, list):
            index = step.index + len(node) if step.index < 0 else step.index
            if 0 <= index < len(node):
                yield node[index]
    elif isinstance(step, Wildcard):
        yield from _children(node)
    elif isinstance(step, Union_):
        for member in step.members:
            yield from _apply(Index(member) if isinstance(member, int) else Key(member), node, root)
    elif isinstance(step, Slice):
        if isinstance(node, list):
            yield from node[slice(step.start, step.stop, step.step)]
    elif isinstance(step, Filter):
        for child in _children(node):
            if step.test(child, root):
                yield child
    else:
        assert isinstance(step, Descend)
        stack = [node]
        while stack:
            current = stack.pop(0)
            yield from _apply(step.step, current, root)
            stack[0:0] = [c for c in _children(current) if isinstance(c, (dict, list))]


# --- filters ------------------------------------------------------------------------

_TOKEN = re.compile(
    r"\s*(?:(?P<op>==|!=|<=|>=|<|>|&&|\|\||!|\(|\))"
    r"|(?P<num>-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?)"
    r"|(?P<str>'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\")"
    r"|(?P<word>true|false|null)"
    r"|(?P<path>[@$](?:\.\.?[^.\[\]()\s'\"=<>!&|]+|\[[^\]]*\]|\.\*)*))"
)

_Operand = Callable[[Any, Any], Any]


class _FilterParser:
    def __init__(self, body: str, whole: str) -> None:
        self.tokens: list[tuple[str, str]] = []
        self.whole = whole
        pos = 0
        while pos < len(body):
            if body[pos:].strip() == "":
                break
            m = _TOKEN.match(body, pos)
            if m is None or m.end() == pos:
                raise PathSyntaxError(whole)
            kind = m.lastgroup or ""
            self.tokens.append((kind, m.group(kind)))
            pos = m.end()
        self.at = 0

    def parse(self) -> Callable[[Any, Any], bool]:
        test = self._or()
        if self.at != len(self.tokens):
            raise PathSyntaxError(self.whole)
        return test

    def _peek(self) -> tuple[str, str] | None:
        return self.tokens[self.at] if self.at < len(self.tokens) else None

    def _take(self) -> tuple[str, str]:
        token = self._peek()
        if token is None:
            raise PathSyntaxError(self.whole)
        self.at += 1
        return token

    def _or(self) -> Callable[[Any, Any], bool]:
        left = self._and()
        while self._peek() == ("op", "||"):
            self.at += 1
            left = _either(left, self._and())
        return left

    def _and(self) -> Callable[[Any, Any], bool]:
        left = self._unary()
        while self._peek() == ("op", "&&"):
            self.at += 1
            left = _both(left, self._unary())
        return left

    def _unary(self) -> Callable[[Any, Any], bool]:
        if self._peek() == ("op", "!"):
            self.at += 1
            inner = self._unary()
            return lambda n, r: not inner(n, r)
        if self._peek() == ("op", "("):
            self.at += 1
            inner = self._or()
            if self._take() != ("op", ")"):
                raise PathSyntaxError(self.whole)
            return inner
        left = self._operand()
        token = self._peek()
        if token is not None and token[0] == "op" and token[1] in _COMPARE:
            self.at += 1
            right = self._operand()
            compare = _COMPARE[token[1]]
            return lambda n, r: compare(left(n, r), right(n, r))
        return lambda n, r: left(n, r) is not MISSING

    def _operand(self) -> _Operand:
        kind, text = self._take()
        if kind == "num":
            number: Any = float(text) if any(c in text for c in ".eE") else int(text)
            return lambda n, r: number
        if kind == "str":
            value = re.sub(r"\\(.)", r"\1", text[1:-1])
            return lambda n, r: value
        if kind == "word":
            constant = {"true": True, "false": False, "null": None}[text]
            return lambda n, r: constant
        if kind == "path":
            steps, end = _steps(text, 1)
            if end != len(text):
                raise PathSyntaxError(self.whole)
            sub = Path(text, "input", None, tuple(steps))
            if text.startswith("@"):
                return lambda n, r: select(sub, n, r) if sub.definite else select(sub, n, r)
            return lambda n, r: select(sub, r, r)
        raise PathSyntaxError(self.whole)


_Test = Callable[[Any, Any], bool]


def _either(a: _Test, b: _Test) -> _Test:
    return lambda n, r: a(n, r) or b(n, r)


def _both(a: _Test, b: _Test) -> _Test:
    return lambda n, r: a(n, r) and b(n, r)


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and not (
        isinstance(value, float) and math.isnan(value))


def _ordered(op: Callable[[Any, Any], bool]) -> Callable[[Any, Any], bool]:
    def compare(a: Any, b: Any) -> bool:
        if _number(a) and _number(b):
            return op(a, b)
        if isinstance(a, str) and isinstance(b, str):
            return op(a, b)
        return False
    return compare


def _equal(a: Any, b: Any) -> bool:
    if a is MISSING or b is MISSING:
        return False
    if _number(a) and _number(b):
        return bool(a == b)
    if type(a) is not type(b):
        return False
    return bool(a == b)


_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "==": _equal,
    "!=": lambda a, b: a is not MISSING and b is not MISSING and not _equal(a, b),
    "<": _ordered(lambda a, b: a < b),
    "<=": _ordered(lambda a, b: a <= b),
    ">": _ordered(lambda a, b: a > b),
    ">=": _ordered(lambda a, b: a >= b),
}
