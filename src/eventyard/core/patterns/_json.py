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


class Obj(list):  # type: ignore[type-arg]
    """A JSON object as its ``(key, value)`` pairs, duplicates included, in order."""

    __slots__ = ()


@dataclass(frozen=True, slots=True)
class Num:
    """A JSON number: its text (for messages) and its double value (for matching)."""

    text: str
    value: float


class JsonSyntaxError(ValueError):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


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
    except _NonStandard as exc:
        raise JsonSyntaxError(
            f"Non-standard token '{exc}': enable `JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS` to allow"
        ) from None
    except RecursionError:
        raise JsonSyntaxError(TOO_DEEP) from None
    except ValueError as exc:
        raise JsonSyntaxError(_Scanner(text).error(start) or str(exc)) from None
    return value


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

    def error(self, start: int) -> str | None:
        try:
            self._value(start, None)
        except JsonSyntaxError as exc:
            return exc.reason
        except RecursionError:
            return TOO_DEEP
        return None

    # -- helpers ---------------------------------------------------------------------
    def _fail(self, reason: str) -> NoReturn:
        raise JsonSyntaxError(reason)

    def _location(self, i: int) -> str:
        shown = self.text if len(self.text) <= 500 else self.text[:500]
        extra = "" if len(self.text) <= 500 else f"[truncated {len(self.text) - 500} chars]"
        line = self.text.count("\n", 0, i) + 1
        column = i - (self.text.rfind("\n", 0, i) + 1) + 1
        return f'[Source: (String)"{shown}"{extra}; line: {line}, column: {column}]'

    def _eof(self, container: tuple[str, int] | None) -> NoReturn:
        if container is None:
            self._fail("Unexpected end-of-input")
        kind, at = container
        self._fail(f"Unexpected end-of-input: expected close marker for {kind} (start marker at {self._location(at)})")

    def _unexpected(self, i: int, what: str) -> NoReturn:
        ch = self.text[i]
        if ch == "/":
            self._fail(
                "Unexpected character ('/' (code 47)): maybe a (non-standard) comment? "
                "(not recognized as one since Feature 'ALLOW_COMMENTS' not enabled for parser)"
            )
        self._fail(f"Unexpected character ({_char(ch)}): {what}")

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
            self._fail(f"Non-standard token '{word}': enable `JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS` to allow")
        if word:
            self._fail(f"Unrecognized token '{word}': {_EXPECTED_VALUE}")
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
                            self._fail("Unexpected end-of-input within/between String entries")
                        if self.text[k] not in "0123456789abcdefABCDEF":
                            self._fail(
                                f"Unexpected character ({_char(self.text[k])}): "
                                "expected a hex-digit for character escape sequence"
                            )
                    i += 6
                    continue
                if esc not in '"\\/bfnrt':
                    self._fail(f"Unrecognized character escape {_char(esc)}")
                i += 2
                continue
            if ord(ch) < 32:
                self._fail(
                    f"Illegal unquoted character ({_char(ch)}): "
                    "has to be escaped using backslash to be included in "
                    + ("name" if field else "string value")
                )
            i += 1
        self._fail("Unexpected end-of-input in field name" if field else
                   "Unexpected end-of-input: was expecting closing quote for a string value")

    def _number(self, start: int) -> int:
        i = start
        if self.text[i] == "-":
            i += 1
            if i >= self.n or self.text[i] not in _DIGITS:
                if self.text.startswith("Infinity", i):
                    self._fail("Non-standard token '-Infinity': enable "
                               "`JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS` to allow")
                got = _char(self.text[i]) if i < self.n else "end-of-input"
                self._fail(f"Unexpected character ({got}) in numeric value: expected digit (0-9) to follow minus sign, "
                           "for valid numeric value")
        if self.text[i] == "0" and i + 1 < self.n and self.text[i + 1] in _DIGITS:
            self._fail("Invalid numeric value: Leading zeroes not allowed")
        while i < self.n and self.text[i] in _DIGITS:
            i += 1
        if i < self.n and self.text[i] == ".":
            i += 1
            if i >= self.n or self.text[i] not in _DIGITS:
                got = _char(self.text[i]) if i < self.n else "end-of-input"
                self._fail(f"Unexpected character ({got}) in numeric value: Decimal point not followed by a digit")
            while i < self.n and self.text[i] in _DIGITS:
                i += 1
        if i < self.n and self.text[i] in "eE":
            i += 1
            if i < self.n and self.text[i] in "+-":
                i += 1
            if i >= self.n or self.text[i] not in _DIGITS:
                got = _char(self.text[i]) if i < self.n else "end-of-input"
                self._fail(f"Unexpected character ({got}) in numeric value: Exponent indicator not followed by a digit")
            while i < self.n and self.text[i] in _DIGITS:
                i += 1
        return i
