"""The rule compiler shared by EventBridge patterns and SNS filter policies.

It walks a pattern the way event-ruler's ``JsonRuleCompiler`` reads it, in document
order, so the first complaint and its words are event-ruler's. ``$or`` forks every
branch built so far (one branch per alternative, any depth), and a field written
again replaces the earlier value *in each branch*: duplicate keys and a key repeated
after a ``$or`` both end with the last one winning, exactly as event-ruler does.

Every refusal says where event-ruler's streaming parser stood (``RuleError.at``), so
that ``parse`` can end EventBridge's message with Jackson's location as AWS does.

SNS runs an older event-ruler: fewer match types, anything-but takes only a single
``prefix`` object, and numbers must lie within +-5e9. ``Dialect`` holds the difference.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from typing import Any, NoReturn

from eventyard.core.patterns._json import Num, Obj, Where
from eventyard.core.patterns._wildcard import syntax_error
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

ONLY_ONE_KEY = "Only one key allowed in match expression"
TOO_MANY_ELEMENTS = "Too many elements in numeric expression"
ANYTHING_BUT_TYPE = "Value of anything-but must be an array or single string/number value."
NUMBER_RANGE = "Value must be between -5.0E9 and 5.0E9, inclusive"
OR_KEY = "$or"
# event-ruler's Constants.RESERVED_FIELD_NAMES_IN_OR_RELATIONSHIP
RESERVED_IN_OR = frozenset({
    "exactly", "equals-ignore-case", "prefix", "suffix", "anything-but", "exists", "wildcard",
    "numeric", "cidr", "html", "=", "<", "<=", ">", ">=", "regex", "not-wildcard",
    "not-equals-ignore-case", "date-after", "date-on-or-after", "date-before",
    "date-on-or-before", "in-date-range", "ip-address-in-range", "ip-address-not-in-range",
})
_ANYTHING_BUT_SET_TYPE = {
    "equals-ignore-case": "Inside anything-but/equals-ignore-case list, number|start|null|boolean is not supported.",
    "prefix": "prefix/suffix match pattern must be a string",
    "suffix": "prefix/suffix match pattern must be a string",
    "wildcard": "wildcard match pattern must be a string",
}
_IPV4 = re.compile(r"[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+")
_IPV6 = re.compile(r"[0-9a-fA-F:]*:[0-9a-fA-F:]*")
_JAVA_INT = re.compile(r"[+-]?[0-9]+")
_END = object()  # past the end of an array: Jackson's END_ARRAY token


# Where event-ruler's parser stood when it refused: (array or object, index of the value,
# FIRST | LAST), or (array or object, -1, END). See ``offset_of``.
FIRST, LAST, END = "first", "last", "end"
At = tuple[Any, int, str]


class RuleError(ValueError):
    """``reason`` in event-ruler's words; ``at`` where its parser stood (``None``: event-ruler
    adds no location, e.g. for CIDR errors); ``doubled``: event-ruler re-wrapped the error,
    so AWS shows the location twice."""

    def __init__(self, reason: str, at: At | None = None, *, doubled: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.at = at
        self.doubled = doubled


@dataclass(frozen=True, slots=True)
class Dialect:
    match_types: frozenset[str]
    anything_but_ops: frozenset[str]  # operators allowed inside an anything-but object
    legacy_anything_but: bool  # SNS: one {"prefix": "..."} only, with the older messages
    nested_ignore_case: bool  # {"prefix": {"equals-ignore-case": ...}}
    number_limit: float | None  # SNS's ComparableNumber refuses numbers beyond +-5e9
    max_branches: int
    too_many_branches: str


@dataclass(frozen=True, slots=True)
class Field:
    """One field of one branch: its matchers, and where it sat in the JSON (for SNS limits)."""

    matchers: tuple[Matcher, ...]
    depth: int  # 1 for a top-level key, +1 per enclosing object (not counting $or)
    top_key: str  # the top-level key it hangs from


RawBranch = dict[Path, Field]


def compile_rule(root: Obj, dialect: Dialect) -> list[RawBranch]:
    """The branches (AND of fields) whose OR the rule means. Raises ``RuleError``."""
    return _Compiler(dialect).run(root)


def split_key(key: str) -> Path:
    return tuple(key.split("."))  # dotted keys are the same as nesting


def _text(token: Any) -> str:
    """What Jackson's ``getText()`` shows for a token."""
    if isinstance(token, Num):
        return token.text
    if isinstance(token, str):
        return token
    if token is True:
        return "true"
    if token is False:
        return "false"
    if token is None:
        return "null"
    if isinstance(token, Obj):
        return "{"
    if isinstance(token, list):
        return "["
    return "]"  # _END


def _fail(reason: str, at: At | None = None) -> NoReturn:
    raise RuleError(reason, at)


def _first(container: Any, index: int) -> At:
    """Just after the ``nextToken()`` that read value ``index`` (or the array's end)."""
    if isinstance(container, list) and not isinstance(container, Obj) and index >= len(container):
        return (container, -1, END)
    return (container, index, FIRST)


def _last(container: Any, index: int) -> At:
    """Just after value ``index``'s text was read (a string: past its closing quote)."""
    return (container, index, LAST)


def _end(container: Any) -> At:
    return (container, -1, END)


def offset_of(root: Obj, positions: Where | None, at: At) -> int | None:
    """How many characters Jackson had read when event-ruler refused at ``at``."""
    if positions is None:
        return None
    found: dict[int, Where] = {}
    stack: list[tuple[Any, Where]] = [(root, positions)]
    while stack:
        value, where = stack.pop()
        if isinstance(value, list):
            found[id(value)] = where
            items = [v for _, v in value] if isinstance(value, Obj) else value
            stack.extend(zip(items, where.children))
    container, index, kind = at
    place = found.get(id(container))
    if place is None:
        return None
    if kind == END:
        return place.end
    if index >= len(place.children):
        return None
    child = place.children[index]
    return child.first if kind == FIRST else child.last


_NULL, _TRUE, _FALSE = Leaf("null", None), Leaf("bool", True), Leaf("bool", False)


class _Compiler:
    def __init__(self, dialect: Dialect) -> None:
        self.d = dialect

    def run(self, root: Obj) -> list[RawBranch]:
        rules: list[RawBranch] = []
        self._object(rules, (), root, False, 1, None)
        return rules

    # -- structure -------------------------------------------------------------------
    def _object(self, rules: list[RawBranch], path: Path, obj: Obj, in_or: bool, depth: int,
                top: str | None) -> None:
        if not obj:
            _fail("Empty objects are not allowed", _end(obj))
        for index, (key, value) in enumerate(obj):
            if key == OR_KEY:
                self._or(rules, path, obj, index, depth, top)
                continue
            if in_or and key in RESERVED_IN_OR:
                _fail(f"{key} is Ruler reserved fieldName which cannot be used inside $or.", _first(obj, index))
            here = key if top is None else top
            if isinstance(value, Obj):
                self._object(rules, path + split_key(key), value, in_or, depth + 1, here)
            elif isinstance(value, list):
                self._write(rules, path + split_key(key), value, depth, here)
            else:
                _fail(f'"{key}" must be an object or an array', _first(obj, index))

    def _or(self, rules: list[RawBranch], path: Path, parent: Obj, index: int, depth: int, top: str | None) -> None:
        value = parent[index][1]
        before = [dict(rule) for rule in rules]
        rules.clear()
        if not isinstance(value, list) or isinstance(value, Obj):
            _fail("It must be an Array followed with $or.", _first(parent, index))
        for position, item in enumerate(value):
            if not isinstance(item, Obj):
                _fail("Only JSON object is allowed in array of $or relationship.", _first(value, position))
            forked = [dict(rule) for rule in before] or [{}]
            self._object(forked, path, item, True, depth, top)
            rules.extend(forked)
            if len(rules) > self.d.max_branches:
                _fail(self.d.too_many_branches)
        if len(value) < 2:
            _fail("There must have at least 2 Objects in $or relationship.", _end(value))

    def _write(self, rules: list[RawBranch], path: Path, values: list[Any], depth: int, top: str) -> None:
        matchers = tuple([self._element(values, i) for i in range(len(values))])
        if not matchers:
            _fail("Empty arrays are not allowed", _end(values))
        field = Field(matchers, depth, top)
        if not rules:
            rules.append({})
        for rule in rules:
            rule[path] = field  # a later write of the same path wins, per branch

    def _element(self, values: list[Any], index: int) -> Matcher:
        value = values[index]
        if isinstance(value, Obj):
            return self._expression(value)
        if isinstance(value, str):
            return Exact(Leaf("string", value))
        if isinstance(value, Num):
            return Exact(Leaf("number", value.value))
        if value is None:
            return Exact(_NULL)
        if value is True:
            return Exact(_TRUE)
        if value is False:
            return Exact(_FALSE)
        _fail("Match value must be String, number, true, false, or null", _first(values, index))

    # -- match expressions -------------------------------------------------------------
    def _expression(self, obj: Obj) -> Matcher:
        if not obj:
            _fail("Match expression name not found", _end(obj))
        name, value = obj[0]
        extra = len(obj) > 1
        here = _first(obj, 0)
        matcher: Matcher
        if name not in self.d.match_types:
            _fail(f"Unrecognized match type {name}", here)
        if name == "numeric":
            if not isinstance(value, list) or isinstance(value, Obj):
                _fail("Value of numeric must be an array.", here)
            matcher = self._numeric(value)
            if extra:
                _fail(TOO_MANY_ELEMENTS, _first(obj, 1))
            return matcher
        if name == "anything-but":
            return self._anything_but(obj)
        if name == "exists":
            if value is not True and value is not False:
                _fail("exists match pattern must be either true or false.", here)
            matcher = Exists(value)
        elif name in ("prefix", "suffix"):
            matcher = self._affix(name, obj)
        elif name == "cidr":
            if not isinstance(value, str):
                _fail("prefix match pattern must be a string", here)  # sic: event-ruler's text
            matcher = _cidr(value)
        elif name == "equals-ignore-case":
            if not isinstance(value, str):
                _fail("equals-ignore-case match pattern must be a string", here)
            matcher = EqualsIgnoreCase(value)
        elif name == "wildcard":
            if not isinstance(value, str):
                _fail("wildcard match pattern must be a string", here)
            problem = syntax_error(value)
            if problem:
                _fail(problem, _last(obj, 0))
            matcher = Wildcard(value)
        else:  # exactly
            if not isinstance(value, str):
                _fail("exact match pattern must be a string", here)
            matcher = Exact(Leaf("string", value))
        if extra:
            _fail(ONLY_ONE_KEY, _first(obj, 1))
        return matcher

    def _affix(self, name: str, obj: Obj) -> Matcher:
        value = obj[0][1]
        kind = Prefix if name == "prefix" else Suffix
        if isinstance(value, Obj) and self.d.nested_ignore_case:
            label = name.capitalize()
            if not value:
                _fail(f"{label} expression name not found", _end(value))
            op, inner = value[0]
            if op != "equals-ignore-case":
                _fail(f"Unsupported {name} pattern: {op}", _first(value, 0))
            if not isinstance(inner, str):
                _fail("equals-ignore-case match pattern must be a string", _first(value, 0))
            if len(value) > 1:
                _fail(ONLY_ONE_KEY, _first(value, 1))
            return kind(inner, ignore_case=True)
        if not isinstance(value, str):
            _fail(f"{name} match pattern must be a string", _first(obj, 0))
        return kind(value)

    def _number(self, items: list[Any], index: int, operator: str) -> float:
        token = items[index] if index < len(items) else _END
        if not isinstance(token, Num):
            _fail(f"Value of {operator} must be numeric", _first(items, index))
        return self._in_range(token.value)

    def _in_range(self, value: float) -> float:
        limit = self.d.number_limit
        if limit is not None and not -limit <= value <= limit:
            _fail(NUMBER_RANGE)
        return value

    def _numeric(self, items: list[Any]) -> Matcher:
        def at(i: int) -> Any:
            return items[i] if i < len(items) else _END

        operator = at(0)
        if not isinstance(operator, str):
            _fail(f"Invalid member in numeric match: {_text(operator)}", _first(items, 0))
        if operator == "=":
            value = self._number(items, 1, "equals")
            if at(2) is not _END:
                _fail(TOO_MANY_ELEMENTS, _first(items, 2))
            return Exact(Leaf("number", value))
        if operator in (">", ">="):
            bottom = at(1)
            if not isinstance(bottom, Num):
                _fail(f"Value of {operator} must be numeric", _first(items, 1))
            if at(2) is _END:
                return self._range(bottom.value, operator == ">", None, False, _end(items))
            return self._two_sided(items, bottom.value, operator == ">")
        if operator in ("<", "<="):
            top = at(1)
            if not isinstance(top, Num):
                _fail(f"Value of {operator} must be numeric", _first(items, 1))
            if at(2) is not _END:
                _fail(TOO_MANY_ELEMENTS, _first(items, 2))
            return self._range(None, False, top.value, operator == "<", _end(items))
        _fail(f"Unrecognized numeric range operator: {operator}", _first(items, 1))

    def _two_sided(self, items: list[Any], bottom: float, open_bottom: bool) -> Matcher:
        operator = items[2]
        if not isinstance(operator, str):
            _fail(f"Bad value in numeric range: {_text(operator)}", _first(items, 2))
        if operator not in ("<", "<="):
            _fail(f"Bad numeric range operator: {operator}", _last(items, 2))
        top = items[3] if len(items) > 3 else _END
        if not isinstance(top, Num):
            _fail(f"Value of {operator} must be numeric", _first(items, 3))
        if len(items) > 4:
            _fail("Too many terms in numeric range expression", _first(items, 4))
        return self._range(bottom, open_bottom, top.value, operator == "<", _end(items))

    def _range(self, bottom: float | None, open_bottom: bool, top: float | None, open_top: bool,
               at: At | None = None) -> Numeric:
        limit = self.d.number_limit
        # Old event-ruler closes one-sided ranges at +-5e9, so the order check comes first.
        low = bottom if bottom is not None else (-limit if limit is not None else None)
        high = top if top is not None else (limit if limit is not None else None)
        if low is not None and high is not None and low >= high:
            _fail("Bottom must be less than top", at)
        if bottom is not None:
            self._in_range(bottom)
        if top is not None:
            self._in_range(top)
        return Numeric(bottom, bottom is not None and not open_bottom, top, top is not None and not open_top)

    def _anything_but(self, obj: Obj) -> Matcher:
        value = obj[0][1]
        extra = len(obj) > 1
        op: str | None = None
        inner_extra = False
        holder, index = obj, 0  # the object holding the excluded value(s), and their index
        if isinstance(value, Obj):
            if self.d.legacy_anything_but:
                return self._legacy_anything_but(value, extra)
            if not value:
                _fail("Anything-But expression name not found", _end(value))
            inner_extra = len(value) > 1
            holder = value
            op, value = value[0]
            if op not in self.d.anything_but_ops:
                _fail(f"Unsupported anything-but pattern: {op}", _first(holder, 0))
        if isinstance(value, Obj) or not isinstance(value, (list, str, Num)):
            _fail(ANYTHING_BUT_TYPE, _first(holder, index))
        if isinstance(value, list):
            try:
                matcher = self._excluded(value, value) if op is None else self._excluded_set(value, op, value)
            except RuleError as exc:  # event-ruler wraps errors from a list once more
                exc.doubled = exc.at is not None and exc.at[2] != END
                raise
        else:
            matcher = self._excluded([value], None) if op is None else self._excluded_set([value], op, None, holder)
        if inner_extra:  # the inner object is closed first, then the expression
            _fail(TOO_MANY_ELEMENTS, _first(holder, 1))
        if extra:
            _fail(TOO_MANY_ELEMENTS, _first(obj, 1))
        return matcher

    def _excluded(self, items: list[Any], listed: list[Any] | None) -> Matcher:
        strings: list[str] = []
        numbers: list[float] = []
        for i, item in enumerate(items):
            if isinstance(item, str):
                strings.append(item)
            elif isinstance(item, Num):
                numbers.append(self._in_range(item.value))
            else:
                _fail("Inside anything but list, start|null|boolean is not supported.",
                      _first(listed, i) if listed is not None else None)
        if listed is not None and bool(strings) == bool(numbers):
            _fail("Inside anything but list, either all values are number or string, mixed type is not supported",
                  _end(listed))
        return AnythingBut(strings=frozenset(strings), numbers=frozenset(numbers))

    def _excluded_set(self, items: list[Any], op: str, listed: list[Any] | None, holder: Obj | None = None) -> Matcher:
        def first(i: int) -> At | None:
            return _first(listed, i) if listed is not None else (_first(holder, 0) if holder is not None else None)

        def last(i: int) -> At | None:
            return _last(listed, i) if listed is not None else (_last(holder, 0) if holder is not None else None)

        values: list[str] = []
        for i, item in enumerate(items):
            if not isinstance(item, str):
                _fail(_ANYTHING_BUT_SET_TYPE[op], first(i))
            if item == "" and op in ("prefix", "suffix"):
                _fail("Null prefix/suffix not allowed", last(i))
            if op == "wildcard":
                problem = syntax_error(item)
                if problem:
                    _fail(problem, last(i))
            values.append(item)
        unique = tuple(dict.fromkeys(values))
        if op == "wildcard":
            return AnythingButWildcard(unique)
        if op == "prefix":
            return AnythingButPrefix(unique)
        if op == "suffix":
            return AnythingButSuffix(unique)
        return AnythingButIgnoreCase(unique)

    def _legacy_anything_but(self, value: Obj, extra: bool) -> Matcher:
        if not value:
            _fail("Anything-But expression name not found")
        op, inner = value[0]
        if op != "prefix":
            _fail(f"Unsupported anything-but pattern: {op}")
        if not isinstance(inner, str):
            _fail("prefix match pattern must be a string")
        if inner == "":
            _fail("Null prefix/suffix not allowed")
        if len(value) > 1 or extra:
            _fail(ONLY_ONE_KEY)
        return AnythingButPrefix((inner,))


def _java_split(text: str, sep: str) -> list[str]:
    """Java's ``String.split``: trailing empty strings are dropped."""
    if sep not in text:
        return [text]
    parts = text.split(sep)
    while parts and parts[-1] == "":
        parts.pop()
    return parts


def _ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    """event-ruler's ``CIDR.ipToBytes``: regex first (no DNS), then the JDK's parser."""
    if _IPV4.fullmatch(text):
        octets = [int(part) for part in text.split(".")]
        if all(o <= 255 for o in octets):  # the JDK takes leading zeros as decimal
            return ipaddress.IPv4Address(bytes(octets))
        _fail(f"Invalid IP address: {text}")
    if _IPV6.fullmatch(text):
        try:
            address = ipaddress.IPv6Address(text)
        except ValueError:
            _fail(f"Invalid IP address: {text}")
        mapped = address.ipv4_mapped
        return mapped if mapped is not None else address  # the JDK hands these back as IPv4
    _fail(f"Nonstandard IP address: {text}")


def _cidr(text: str) -> Cidr:
    parts = _java_split(text, "/")
    if len(parts) != 2:
        _fail("Malformed CIDR, one '/' required")
    if not _JAVA_INT.fullmatch(parts[1]) or not -(2**31) <= int(parts[1]) < 2**31:
        _fail("Malformed CIDR, mask bits must be an integer")
    bits = int(parts[1])
    if bits < 0:
        _fail("Malformed CIDR, mask bits must not be negative")
    address = _ip(parts[0])
    if address.version == 4 and bits > 31:
        _fail("IPv4 mask bits must be < 32")
    if address.version == 6 and bits > 127:
        _fail("IPv6 mask bits must be < 128")
    # Host bits are ignored: "10.0.0.5/24" is 10.0.0.0/24 (event-ruler's computeBottomBytes).
    return Cidr(ipaddress.ip_network((address, bits), strict=False))
