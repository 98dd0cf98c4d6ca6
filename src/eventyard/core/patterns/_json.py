"""JSON as event-ruler reads it: every key kept in order, numbers with their text.

EventBridge parses patterns with Jackson's streaming parser, so it sees duplicate keys
one after the other, reads only the first value of the document, and reports syntax
errors in Jackson's words. ``load`` keeps the pairs of each object (``Obj``) and the
text of each number (``Num``); the C decoder does the work, and only when it fails do
we scan again to phrase the error the way Jackson would (a close approximation).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, NoReturn

from eventyard.core.json_errors import jackson_location


class Obj(list[tuple[str, Any]]):
    """A JSON object as its ``(key, value)`` pairs, duplicates included, in order."""

    __slots__ = ()


@dataclass(frozen=True, slots=True)
class Num:
    """A JSON number: its text (for messages) and its double value (for matching)."""

    text: str
    value: float


class JsonSyntaxError(ValueError):
    """``reason`` in Jackson's words; ``offset``: characters Jackson had read (``None``: unknown)."""

    def __init__(self, reason: str, offset: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.offset = offset


class _NonStandard(ValueError):
    pass


def _num(text: str) -> Num:
    return Num(text, float(text))


def _constant(name: str) -> Any:
    raise _NonStandard(name)  # Jackson refuses NaN and Infinity by default


_DECODER = json.JSONDecoder(object_pairs_hook=Obj, parse_float=_num, parse_int=_num, parse_constant=_constant)
_WS = " \t\n\r"
_DIGITS = "0123456789"
TOO_DEEP = "Document nesting depth exceeds the maximum allowed (1000, from `StreamReadConstraints.getMaxNestingDepth()`)"
NOTHING = object()  # an empty document: Jackson's first token is null


def load(text: str) -> Any:
    """The first JSON value in ``text`` (trailing content is ignored, as event-ruler does)."""
    start = _skip(text, 0)
    if start == len(text):
        return NOTHING
    try:
        value, _end = _DECODER.raw_decode(text, start)
    except RecursionError:
        raise JsonSyntaxError(TOO_DEEP) from None
    except ValueError as exc:  # _NonStandard included: the scanner words it and finds where
        found = _Scanner(text).error(start)
        raise (found or JsonSyntaxError(str(exc))) from None
    return value


def first_token_end(text: str) -> int:
    """How far Jackson has read after its first ``nextToken()``: past a bracket or an
    opening quote (strings are read lazily), or past a whole number or literal."""
    i = _skip(text, 0)
    if i >= len(text):
        return i
    ch = text[i]
    if ch in '{["':
        return i + 1
    if ch == "-" or ch in _DIGITS:
        j = i + 1
        while j < len(text) and (text[j] in _DIGITS or text[j] in ".eE+-"):
            j += 1
        return j
    return i + max(1, len(_word(text, i)))


class Where:
    """Where Jackson stands around one value: ``first`` after the ``nextToken()`` that
    returned it, ``last`` after its text was read (strings: past the closing quote), and
    for arrays and objects ``end`` past the closing bracket and ``children`` (object
    values in order)."""

    __slots__ = ("children", "end", "first", "last")

    def __init__(self, first: int, last: int, end: int = -1, children: list[Where] | None = None) -> None:
        self.first, self.last, self.end, self.children = first, last, end, children or []


def where_of_values(text: str) -> Where | None:
    """The ``Where`` tree of the first value of a document the decoder accepted."""
    try:
        return _Positions(text).value(_skip(text, 0))[0]
    except (RecursionError, IndexError, ValueError):
        return None


class _Positions:
    def __init__(self, text: str) -> None:
        self.text = text

    def value(self, i: int) -> tuple[Where, int]:
        """(the value at ``i`` (no white space before it), the index after it)."""
        text = self.text
        ch = text[i]
        if ch == "{" or ch == "[":
            node = Where(i + 1, i + 1)
            close = "}" if ch == "{" else "]"
            j = _skip(text, i + 1)
            while text[j] != close:
                if ch == "{":
                    j = _skip(text, self._string_end(j))
                    j = _skip(text, j + 1)  # the colon
                child, j = self.value(j)
                node.children.append(child)
                j = _skip(text, j)
                if text[j] == ",":
                    j = _skip(text, j + 1)
            node.end = j + 1
            return node, j + 1
        if ch == '"':
            end = self._string_end(i)
            return Where(i + 1, end), end
        j = i + 1
        while j < len(text) and text[j] not in _WS and text[j] not in ",]}":
            j += 1
        return Where(j, j), j

    def _string_end(self, i: int) -> int:
        j = i + 1
        while self.text[j] != '"':
            j += 2 if self.text[j] == "\\" else 1
        return j + 1


def first_token_is_value(text: str) -> bool:
    """Would Jackson's first token be a value (so that 'not an object' is the complaint)?"""
    start = _skip(text, 0)
    if start == len(text):
        return True
    ch = text[start]
    if ch in '"[-' or ch in _DIGITS:
        return True
    word = _word(text, start)
    return word in ("true", "false", "null")


def _skip(text: str, i: int) -> int:
    n = len(text)
    while i < n and text[i] in _WS:
        i += 1
    return i


def _word(text: str, i: int) -> str:
    j = i
    while j < len(text) and (text[j].isalnum() or text[j] in "_$"):
        j += 1
    return text[i:j]


def _char(ch: str) -> str:
    if ord(ch) < 32:
        return f"(CTRL-CHAR, code {ord(ch)})"
    return f"'{ch}' (code {ord(ch)})"


_EXPECTED_VALUE = "was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')"


class _Scanner:
    """Re-reads a document the decoder refused and names the first problem as Jackson does."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.n = len(text)

    def error(self, start: int) -> JsonSyntaxError | None:
        try:
            self._value(start, None)
        except JsonSyntaxError as exc:
            return exc
        except RecursionError:
            return JsonSyntaxError(TOO_DEEP)
        return None

    # -- helpers ---------------------------------------------------------------------
    def _fail(self, reason: str, offset: int | None = None) -> NoReturn:
        raise JsonSyntaxError(reason, offset)

    def _location(self, i: int) -> str:
        return jackson_location(self.text, i)

    def _eof(self, container: tuple[str, int] | None) -> NoReturn:
        if container is None:
            self._fail("Unexpected end-of-input", self.n)
        kind, at = container
        self._fail(f"Unexpected end-of-input: expected close marker for {kind} (start marker at {self._location(at)})",
                   self.n)

    def _unexpected(self, i: int, what: str) -> NoReturn:
        # AWS's recorded answers place these at the character itself (column i + 1)
        ch = self.text[i]
        if ch == "/":
            self._fail(
                "Unexpected character ('/' (code 47)): maybe a (non-standard) comment? "
                "(not recognized as one since Feature 'ALLOW_COMMENTS' not enabled for parser)", i
            )
        self._fail(f"Unexpected character ({_char(ch)}): {what}", i)

    # -- grammar ---------------------------------------------------------------------
    def _value(self, i: int, container: tuple[str, int] | None) -> int:
        i = _skip(self.text, i)
        if i >= self.n:
            self._eof(container)
        ch = self.text[i]
        if ch == "{":
            return self._object(i)
        if ch == "[":
            return self._array(i)
        if ch == '"':
            return self._string(i)
        if ch == "-" or ch in _DIGITS:
            return self._number(i)
        word = _word(self.text, i)
        if word in ("true", "false", "null"):
            return i + len(word)
        if word in ("NaN", "Infinity"):
            self._fail(f"Non-standard token '{word}': enable `JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS` to allow",
                       i + len(word))
        if word:
            self._fail(f"Unrecognized token '{word}': {_EXPECTED_VALUE}", i + len(word))
        if ch in "]},":
            self._unexpected(i, "expected a value")
        self._unexpected(i, "expected a valid value (JSON String, Number, Array, Object or token 'null', 'true' or 'false')")

    def _object(self, start: int) -> int:
        me = ("OBJECT", start)
        i = _skip(self.text, start + 1)
        if i < self.n and self.text[i] == "}":
            return i + 1
        while True:
            i = _skip(self.text, i)
            if i >= self.n:
                self._eof(me)
            if self.text[i] != '"':
                self._unexpected(i, "was expecting double-quote to start field name")
            i = self._string(i, field=True)
            i = _skip(self.text, i)
            if i >= self.n:
                self._eof(me)
            if self.text[i] != ":":
                self._unexpected(i, "was expecting a colon to separate field name and value")
            i = self._value(i + 1, me)
            i = _skip(self.text, i)
            if i >= self.n:
                self._eof(me)
            if self.text[i] == "}":
                return i + 1
            if self.text[i] != ",":
                self._unexpected(i, "was expecting comma to separate Object entries")
            i += 1

    def _array(self, start: int) -> int:
        me = ("ARRAY", start)
        i = _skip(self.text, start + 1)
        if i < self.n and self.text[i] == "]":
            return i + 1
        while True:
            i = self._value(i, me)
            i = _skip(self.text, i)
            if i >= self.n:
                self._eof(me)
            if self.text[i] == "]":
                return i + 1
            if self.text[i] != ",":
                self._unexpected(i, "was expecting comma to separate Array entries")
            i += 1

    def _string(self, start: int, field: bool = False) -> int:
        i = start + 1
        while i < self.n:
            ch = self.text[i]
            if ch == '"':
                return i + 1
            if ch == "\\":
                if i + 1 >= self.n:
                    break
                esc = self.text[i + 1]
                if esc == "u":
                    for k in range(i + 2, i + 6):
                        if k >= self.n:
                            self._fail("Unexpected end-of-input within/between String entries", self.n)
                        if self.text[k] not in "0123456789abcdefABCDEF":
                            self._fail(
                                f"Unexpected character ({_char(self.text[k])}): "
                                "expected a hex-digit for character escape sequence", k + 1
                            )
                    i += 6
                    continue
                if esc not in '"\\/bfnrt':
                    self._fail(f"Unrecognized character escape {_char(esc)}", i + 2)
                i += 2
                continue
            if ord(ch) < 32:
                self._fail(
                    f"Illegal unquoted character ({_char(ch)}): "
                    "has to be escaped using backslash to be included in "
                    + ("name" if field else "string value"), i + 1
                )
            i += 1
        self._fail("Unexpected end-of-input in field name" if field else
                   "Unexpected end-of-input: was expecting closing quote for a string value", self.n)

    def _number(self, start: int) -> int:
        i = start
        if self.text[i] == "-":
            i += 1
            if i >= self.n or self.text[i] not in _DIGITS:
                if self.text.startswith("Infinity", i):
                    self._fail("Non-standard token '-Infinity': enable "
                               "`JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS` to allow", i + 8)
                got = _char(self.text[i]) if i < self.n else "end-of-input"
                self._fail(f"Unexpected character ({got}) in numeric value: expected digit (0-9) to follow minus sign, "
                           "for valid numeric value", min(i + 1, self.n))
        if self.text[i] == "0" and i + 1 < self.n and self.text[i + 1] in _DIGITS:
            self._fail("Invalid numeric value: Leading zeroes not allowed", i + 1)
        while i < self.n and self.text[i] in _DIGITS:
            i += 1
        if i < self.n and self.text[i] == ".":
            i += 1
            if i >= self.n or self.text[i] not in _DIGITS:
                got = _char(self.text[i]) if i < self.n else "end-of-input"
                self._fail(f"Unexpected character ({got}) in numeric value: Decimal point not followed by a digit",
                           min(i + 1, self.n))
            while i < self.n and self.text[i] in _DIGITS:
                i += 1
        if i < self.n and self.text[i] in "eE":
            i += 1
            if i < self.n and self.text[i] in "+-":
                i += 1
            if i >= self.n or self.text[i] not in _DIGITS:
                got = _char(self.text[i]) if i < self.n else "end-of-input"
                self._fail(f"Unexpected character ({got}) in numeric value: Exponent indicator not followed by a digit",
                           min(i + 1, self.n))
            while i < self.n and self.text[i] in _DIGITS:
                i += 1
        return i
