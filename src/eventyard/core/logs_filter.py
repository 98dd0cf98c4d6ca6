"""CloudWatch Logs filter patterns (FilterLogEvents' ``filterPattern``), compiled to a
predicate on an event's message. Pure.

Three forms, as AWS reads them:

- terms: ``ERROR``, ``"Internal Server Error"`` (a quoted phrase), ``-DEBUG`` (must not
  occur), ``?WARN ?ERROR`` (at least one of them); every plain term must occur. An
  unquoted term holds only letters, digits and ``_``; anything else must be quoted
  (AWS refuses it: "Invalid character(s) in term ':'"). Matching is case-sensitive.
  ``%regex%`` is a regular expression term.
- JSON: ``{ $.level = "ERROR" }``, ``{ $.n > 5 && ($.x = "y*" || $.ok IS TRUE) }``,
  ``{ $.gone NOT EXISTS }``, ``{ $.v IS NULL }``; selectors ``$.a.b``, ``$.list[0]``,
  ``$.list[*]``; ``*`` in a compared string is a wildcard. A message that is not JSON
  never matches.
- space-delimited: ``[ip, user, ..., status = 4*, bytes > 1000]``: the message split on
  spaces (a ``"quoted"`` or ``[bracketed]`` field is one field), fields named in order,
  ``...`` for any number of fields; conditions joined with ``&&`` and ``||``.

An empty pattern matches everything. A pattern AWS would refuse raises
``FilterPatternError`` with AWS's message.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

Matcher = Callable[[str], bool]

_PLAIN_TERM = re.compile(r"[A-Za-z0-9_]+")
_INVALID_RUN = re.compile(r"[^A-Za-z0-9_]+")
_NUMBER = re.compile(r"-?\d+(\.\d+)?([eE][-+]?\d+)?")
_MISSING = object()


class FilterPatternError(ValueError):
    """A pattern AWS refuses; ``str()`` is AWS's message."""


def _invalid(term: str) -> FilterPatternError:
    return FilterPatternError(f"Invalid character(s) in term '{term}'")


def compile_filter(pattern: str | None) -> Matcher:
    text = (pattern or "").strip()
    if not text:
        return lambda message: True
    if text.startswith("{"):
        return _JsonPattern(text).matcher()
    if text.startswith("["):
        return _DelimitedPattern(text).matcher()
    return _terms(text)


def compile_extractor(pattern: str | None) -> Callable[[str], dict[str, str]]:
    """The fields a space-delimited pattern names, as a matching message fills them
    (``{"$ip": "127.0.0.1", ...}``, what TestMetricFilter shows); {} for other forms."""
    text = (pattern or "").strip()
    if not text.startswith("["):
        compile_filter(text)  # refused as FilterLogEvents refuses it
        return lambda message: {}
    extract = _DelimitedPattern(text).extractor()
    return lambda message: extract(message) or {}


# -- terms --------------------------------------------------------------------------------
def _term_tokens(text: str) -> list[str]:
    """Split on spaces, keeping a quoted phrase (with its prefix) or a %regex% whole."""
    tokens: list[str] = []
    i, n = 0, len(text)
    while i < n:
        if text[i].isspace():
            i += 1
            continue
        start = i
        if text[i] in "?-" and i + 1 < n and text[i + 1] in "\"%":
            i += 1
        if text[i] in "\"%":
            close = text[i]
            i += 1
            while i < n and text[i] != close:
                i += 2 if text[i] == "\\" and close == "\"" else 1
            if i >= n:
                raise _invalid(text[start:])
            i += 1
        else:
            while i < n and not text[i].isspace():
                i += 1
        tokens.append(text[start:i])
    return tokens


def _term_test(body: str) -> Callable[[str], bool]:
    if body.startswith("%") and body.endswith("%") and len(body) >= 2:
        try:
            regex = re.compile(body[1:-1])
        except re.error:
            raise _invalid(body) from None
        return lambda message: regex.search(message) is not None
    if body.startswith("\""):
        phrase = body[1:-1].replace("\\\"", "\"")
        if not phrase:
            raise _invalid(body)
        return lambda message: phrase in message
    if not _PLAIN_TERM.fullmatch(body):
        bad = _INVALID_RUN.search(body)
        raise _invalid(bad.group(0) if bad else body)
    return lambda message: body in message


def _terms(text: str) -> Matcher:
    required: list[Callable[[str], bool]] = []
    excluded: list[Callable[[str], bool]] = []
    any_of: list[Callable[[str], bool]] = []
    for token in _term_tokens(text):
        if token[0] in "?-" and len(token) > 1:
            (any_of if token[0] == "?" else excluded).append(_term_test(token[1:]))
        else:
            required.append(_term_test(token))

    def matches(message: str) -> bool:
        return (all(t(message) for t in required) and not any(t(message) for t in excluded)
                and (not any_of or any(t(message) for t in any_of)))
    return matches


# -- values shared by the JSON and the space-delimited forms ------------------------------
@dataclass(frozen=True)
class _Value:
    text: str
    quoted: bool

    @property
    def number(self) -> float | None:
        return float(self.text) if not self.quoted and _NUMBER.fullmatch(self.text) else None


def _wildcard(text: str) -> re.Pattern[str]:
    return re.compile(".*".join(re.escape(part) for part in text.split("*")), re.DOTALL)


def _compare(found: Any, op: str, value: _Value) -> bool:
    """One field's value against the pattern's value."""
    if found is _MISSING:
        return False
    number = value.number
    if op in ("<", ">", "<=", ">="):
        if number is None or isinstance(found, bool):
            return False
        try:
            have = float(found)
        except (TypeError, ValueError):
            return False
        return {"<": have < number, ">": have > number, "<=": have <= number, ">=": have >= number}[op]
    if number is not None and isinstance(found, (int, float)) and not isinstance(found, bool):
        equal = float(found) == number
    elif number is not None and isinstance(found, str) and _NUMBER.fullmatch(found):
        equal = float(found) == number
    elif isinstance(found, (dict, list)) or found is None or isinstance(found, bool):
        equal = False
    else:
        equal = _wildcard(value.text).fullmatch(str(found)) is not None
    return equal if op == "=" else not equal


# -- a small tokenizer for the structured forms -------------------------------------------
_TOKEN = re.compile(r"""\s*(?:(?P<str>"(?:[^"\\]|\\.)*")|(?P<op>&&|\|\||!=|<=|>=|=|<|>|\(|\)|,|\.\.\.)|"""
                    r"""(?P<word>[^\s"&|!=<>(),]+))""")


def _tokens(text: str) -> list[str]:
    found: list[str] = []
    pos = 0
    text = text.rstrip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None or m.end() == pos:
            rest = text[pos:].strip()
            raise _invalid(rest.split()[0] if rest else text)
        found.append(m.group(m.lastgroup or "word"))
        pos = m.end()
    return found


def _value_of(token: str) -> _Value:
    if token.startswith("\""):
        return _Value(json.loads(token) if "\\" in token else token[1:-1], True)
    return _Value(token, False)


class _Parser:
    def __init__(self, tokens: list[str], whole: str) -> None:
        self.tokens = tokens
        self.pos = 0
        self.whole = whole

    def peek(self) -> str | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self) -> str:
        token = self.peek()
        if token is None:
            raise _invalid(self.whole)
        self.pos += 1
        return token

    def expect(self, token: str) -> None:
        got = self.take()
        if got != token:
            raise _invalid(got)


Predicate = Callable[[Any], bool]


def _boolean(parser: _Parser, comparison: Callable[[_Parser], Predicate], stop: Sequence[str]) -> Predicate:
    """``a && b || c`` with parentheses: && binds tighter than ||."""
    def unary() -> Predicate:
        if parser.peek() == "(":
            parser.take()
            inner = either()
            parser.expect(")")
            return inner
        return comparison(parser)

    def both() -> Predicate:
        parts = [unary()]
        while parser.peek() == "&&":
            parser.take()
            parts.append(unary())
        return parts[0] if len(parts) == 1 else (lambda doc: all(p(doc) for p in parts))

    def either() -> Predicate:
        parts = [both()]
        while parser.peek() == "||":
            parser.take()
            parts.append(both())
        return parts[0] if len(parts) == 1 else (lambda doc: any(p(doc) for p in parts))

    found = either()
    if parser.peek() is not None and parser.peek() not in stop:
        raise _invalid(parser.peek() or "")
    return found


# -- JSON ---------------------------------------------------------------------------------
_SELECTOR = re.compile(r"\$((\.[A-Za-z0-9_@$-]+|\.\*|\[\d+\]|\[\*\])*)")
_STEP = re.compile(r"\.([A-Za-z0-9_@$-]+)|\.(\*)|\[(\d+)\]|\[(\*)\]")


def _select(doc: Any, path: str) -> list[Any]:
    current = [doc]
    for m in _STEP.finditer(path):
        key, star, index, all_items = m.groups()
        following: list[Any] = []
        for node in current:
            if key is not None and isinstance(node, dict) and key in node:
                following.append(node[key])
            elif star is not None and isinstance(node, dict):
                following.extend(node.values())
            elif index is not None and isinstance(node, list) and int(index) < len(node):
                following.append(node[int(index)])
            elif all_items is not None and isinstance(node, list):
                following.extend(node)
        current = following
    return current


class _JsonPattern:
    def __init__(self, text: str) -> None:
        if not text.endswith("}"):
            raise _invalid(text)
        self.text = text

    def matcher(self) -> Matcher:
        parser = _Parser(_tokens(self.text[1:-1]), self.text)
        if parser.peek() is None:
            raise _invalid(self.text)
        predicate = _boolean(parser, self._comparison, ())

        def matches(message: str) -> bool:
            try:
                doc = json.loads(message)
            except ValueError:
                return False
            return isinstance(doc, (dict, list)) and predicate(doc)
        return matches

    @staticmethod
    def _comparison(parser: _Parser) -> Predicate:
        selector = parser.take()
        m = _SELECTOR.fullmatch(selector)
        if m is None:
            bad = selector[:3] if selector.startswith("$") else selector
            raise _invalid(bad)
        path = m.group(1)
        op = parser.take()
        if op.upper() == "IS":
            what = parser.take().upper()
            wanted = {"TRUE": True, "FALSE": False, "NULL": None}
            if what not in wanted:
                raise _invalid(what)
            expected = wanted[what]
            return lambda doc: any(v is expected for v in _select(doc, path))
        if op.upper() == "NOT":
            if parser.take().upper() != "EXISTS":
                raise _invalid(op)
            return lambda doc: not _select(doc, path)
        if op not in ("=", "!=", "<", ">", "<=", ">="):
            raise _invalid(op)
        value = _value_of(parser.take())
        if op in ("<", ">", "<=", ">=") and value.number is None:
            raise _invalid(f"\"{value.text}\"" if value.quoted else value.text)
        return lambda doc: any(_compare(v, op, value) for v in _select(doc, path))


# -- space-delimited ----------------------------------------------------------------------
_FIELD = re.compile(r"\"([^\"]*)\"|\[([^\]]*)\]|(\S+)")


def _fields(message: str) -> list[str]:
    return [next(g for g in m.groups() if g is not None) for m in _FIELD.finditer(message)]


class _DelimitedPattern:
    def __init__(self, text: str) -> None:
        if not text.endswith("]"):
            raise _invalid(text)
        self.text = text

    def matcher(self) -> Matcher:
        extract = self.extractor()
        return lambda message: extract(message) is not None

    def extractor(self) -> Callable[[str], dict[str, str] | None]:
        """The named fields of a matching message; None if it does not match."""
        parser = _Parser(_tokens(self.text[1:-1]), self.text)
        names: list[str | None] = []  # None: an ellipsis
        conditions: list[Predicate] = []
        while parser.peek() is not None:
            if parser.peek() == "...":
                parser.take()
                names.append(None)
            else:
                name = parser.peek() or ""
                if not _PLAIN_TERM.fullmatch(name):
                    raise _invalid(name)
                names.append(name)
                if parser.pos + 1 < len(parser.tokens) and parser.tokens[parser.pos + 1] != ",":
                    conditions.append(_boolean(parser, self._comparison, (",",)))
                else:
                    parser.take()
            if parser.peek() == ",":
                parser.take()
                if parser.peek() is None:
                    raise _invalid(",")
            elif parser.peek() is not None:
                raise _invalid(parser.peek() or "")
        if not names:
            return lambda message: {}

        def extract(message: str) -> dict[str, str] | None:
            for values in _assign(names, _fields(message)):
                if all(c(values) for c in conditions):
                    return {f"${name}": value for name, value in values.items()}
            return None
        return extract

    @staticmethod
    def _comparison(parser: _Parser) -> Predicate:
        name = parser.take()
        op = parser.take()
        if op not in ("=", "!=", "<", ">", "<=", ">="):
            raise _invalid(op)
        value = _value_of(parser.take())
        return lambda values: _compare(values.get(name, _MISSING), op, value)


def _assign(names: Sequence[str | None], fields: Sequence[str]) -> Iterator[dict[str, Any]]:
    """Every way the fields fit the pattern's names (``...`` taking any number of them)."""
    if not names:
        if not fields:
            yield {}
        return
    head = names[0]
    if head is None:
        for skip in range(len(fields) + 1):
            yield from _assign(names[1:], fields[skip:])
        return
    if fields:
        for rest in _assign(names[1:], fields[1:]):
            yield {head: fields[0], **rest}
