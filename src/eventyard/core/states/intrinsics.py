"""The intrinsic functions of the JSONPath query language (``States.Format(...)``).

    call = parse("States.Format('Hi {}', $.name)")      IntrinsicSyntaxError if not one
    value = call.evaluate(frame)                         StatesError when it fails

An argument is a string literal (``'...'`` with ``\\'``, ``\\{``, ``\\}``, ``\\\\``
escapes), a number, ``true``/``false``/``null``, a path (``$.x``, ``$$.x``, ``$var``)
or another call; calls nest up to 10 deep. A path argument that reaches nothing fails
the state with ``States.Runtime``; a function given arguments it cannot take fails with
``States.IntrinsicFailure``. Both causes read "The function '<call as written>' had the
following error: ...", the form AWS's recorded runs show.

Randomness comes from the caller: ``MathRandom`` without a seed and ``UUID`` draw from
``frame.rng`` (a ``random.Random`` the interpreter seeds per execution and step), so a
replay gives the same values.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import math
import random
import re
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from eventyard.core import jsondoc
from eventyard.core.states import errors
from eventyard.core.states.errors import StatesError
from eventyard.core.states.jsonpath import MISSING, Path, PathSyntaxError
from eventyard.core.states.jsonpath import parse as parse_path
from eventyard.core.states.jsonpath import select

__all__ = ["FUNCTIONS", "Call", "IntrinsicSyntaxError", "is_call", "parse"]

MAX_NESTING = 10
MAX_ARRAY_RANGE = 1000
MAX_BASE64_CHARS = 10_000
MAX_HASH_CHARS = 10_000


class Frame(Protocol):
    """What evaluation reads: the document ``$`` means, the context object, the
    variables in scope, and the random source."""

    @property
    def context(self) -> Mapping[str, Any]: ...
    @property
    def variables(self) -> Mapping[str, Any]: ...
    @property
    def rng(self) -> random.Random: ...


class IntrinsicSyntaxError(ValueError):
    """Not a well-formed intrinsic call (a definition error)."""


class _Failure(Exception):
    """A function refused its arguments; the call wraps it into a StatesError."""

    def __init__(self, error: str, message: str) -> None:
        super().__init__(message)
        self.error = error
        self.message = message


@dataclass(frozen=True)
class Literal:
    value: Any


@dataclass(frozen=True)
class PathArgument:
    path: Path


@dataclass(frozen=True)
class Call:
    name: str  # without the ``States.`` prefix
    arguments: tuple["Literal | PathArgument | Call", ...]
    text: str = field(compare=False)

    def evaluate(self, document: Any, frame: Frame) -> Any:
        """The call's value over ``document`` (what ``$`` means), or ``StatesError``."""
        try:
            return self._value(document, frame)
        except _Failure as failure:
            raise StatesError(failure.error,
                              f"The function '{self.text}' had the following error: {failure.message}") from None

    def _value(self, document: Any, frame: Frame) -> Any:
        values = [_argument(a, document, frame) for a in self.arguments]
        return FUNCTIONS[self.name](values, frame)


def _argument(argument: "Literal | PathArgument | Call", document: Any, frame: Frame) -> Any:
    if isinstance(argument, Literal):
        return argument.value
    if isinstance(argument, Call):
        return argument._value(document, frame)
    path = argument.path
    base = document if path.root == "input" else frame.context if path.root == "context" else (
        frame.variables.get(path.variable or "", MISSING))
    found = MISSING if base is MISSING else select(path, base, base)
    if found is MISSING or (found is None and path.steps and not _has_leaf(path, base)):
        raw = getattr(frame, "raw_input", None) if document is getattr(frame, "raw_of", None) else None
        raise _Failure(errors.RUNTIME,
                       f"The JsonPath argument for the field '{path.text}' could not be found in the input "
                       f"'{raw if raw is not None else _compact(document)}'")
    return found


def _has_leaf(path: Path, base: Any) -> bool:
    """Whether a definite path's null is a real null (an index past the end also gives
    None, and to an intrinsic that is a miss)."""
    if not path.definite:
        return True
    node = base
    for step in path.steps:
        key = getattr(step, "name", None)
        if key is not None:
            node = node[key]
        else:
            index = getattr(step, "index")
            if index >= len(node):
                return False
            node = node[index]
    return True


def _compact(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def is_call(text: str) -> bool:
    """Whether a ``.$`` value is meant as an intrinsic call (rather than a path)."""
    return text.lstrip().startswith("States.")


def parse(text: str) -> Call:
    parser = _Parser(text)
    call = parser.call(0)
    parser.space()
    if parser.pos != len(text):
        raise IntrinsicSyntaxError(text)
    return call


_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")
_NAME = re.compile(r"States\.([A-Za-z0-9]+)\s*\(")


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def space(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos].isspace():
            self.pos += 1

    def call(self, depth: int) -> Call:
        if depth >= MAX_NESTING:
            raise IntrinsicSyntaxError(self.text)
        self.space()
        start = self.pos
        m = _NAME.match(self.text, self.pos)
        if m is None or m.group(1) not in FUNCTIONS:
            raise IntrinsicSyntaxError(self.text)
        self.pos = m.end()
        arguments: list[Literal | PathArgument | Call] = []
        self.space()
        if self.text.startswith(")", self.pos):
            self.pos += 1
        else:
            while True:
                arguments.append(self.argument(depth))
                self.space()
                if self.text.startswith(",", self.pos):
                    self.pos += 1
                    continue
                if self.text.startswith(")", self.pos):
                    self.pos += 1
                    break
                raise IntrinsicSyntaxError(self.text)
        call = Call(m.group(1), tuple(arguments), self.text[start:self.pos])
        _check_arity(call)
        return call

    def argument(self, depth: int) -> "Literal | PathArgument | Call":
        self.space()
        text, pos = self.text, self.pos
        if text.startswith("'", pos):
            out: list[str] = []
            pos += 1
            while pos < len(text):
                c = text[pos]
                if c == "\\" and pos + 1 < len(text):
                    nxt = text[pos + 1]
                    # \{ and \} stay escaped until Format sees them: they are not placeholders.
                    out.append("\\" + nxt if nxt in "{}" else nxt)
                    pos += 2
                    continue
                if c == "'":
                    self.pos = pos + 1
                    return Literal("".join(out))
                out.append(c)
                pos += 1
            raise IntrinsicSyntaxError(text)
        if text.startswith("States.", pos):
            return self.call(depth + 1)
        if text.startswith("$", pos):
            end, depth_brackets, quote = pos, 0, ""
            while end < len(text):
                c = text[end]
                if quote:
                    if c == quote:
                        quote = ""
                elif c in "'\"":
                    quote = c
                elif c == "[":
                    depth_brackets += 1
                elif c == "]":
                    depth_brackets -= 1
                elif depth_brackets == 0 and (c in ",)" or c.isspace()):
                    break
                end += 1
            try:
                path = parse_path(text[pos:end])
            except PathSyntaxError:
                raise IntrinsicSyntaxError(text) from None
            self.pos = end
            return PathArgument(path)
        for word, value in (("true", True), ("false", False), ("null", None)):
            if text.startswith(word, pos):
                self.pos = pos + len(word)
                return Literal(value)
        m = _NUMBER.match(text, pos)
        if m is not None:
            self.pos = m.end()
            number = m.group()
            return Literal(float(number) if any(c in number for c in ".eE") else int(number))
        raise IntrinsicSyntaxError(text)


_ARITY: dict[str, tuple[int, int | None]] = {
    "Format": (1, None), "StringToJson": (1, 1), "JsonToString": (1, 1), "Array": (0, None),
    "ArrayPartition": (2, 2), "ArrayContains": (2, 2), "ArrayRange": (3, 3), "ArrayGetItem": (2, 2),
    "ArrayLength": (1, 1), "ArrayUnique": (1, 1), "Base64Encode": (1, 1), "Base64Decode": (1, 1),
    "Hash": (2, 2), "JsonMerge": (3, 3), "MathRandom": (2, 3), "MathAdd": (2, 2), "StringSplit": (2, 2),
    "UUID": (0, 0),
}


def _check_arity(call: Call) -> None:
    low, high = _ARITY[call.name]
    if len(call.arguments) < low or (high is not None and len(call.arguments) > high):
        raise IntrinsicSyntaxError(call.text)


# --- the functions ------------------------------------------------------------------

def _fail(message: str) -> _Failure:
    return _Failure(errors.INTRINSIC_FAILURE, message)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _integer(value: Any, what: str) -> int:
    """A whole number; AWS rounds a fractional one half up, as Java's Math.round does."""
    if not _is_number(value):
        raise _fail(f"The value of {what} must be an integer")
    if isinstance(value, float):
        if not math.isfinite(value):
            raise _fail(f"The value of {what} must be an integer")
        return math.floor(value + 0.5)
    return int(value)


def _array(value: Any, what: str) -> list[Any]:
    if not isinstance(value, list):
        raise _fail(f"The value of {what} must be an array")
    return value


def _string(value: Any, what: str) -> str:
    if not isinstance(value, str):
        raise _fail(f"The value of {what} must be a string")
    return value


def _format_value(value: Any) -> str:
    """How Format writes an argument: strings as they are, objects and arrays as Java
    prints a map or a list (``{a=1, b=[x, y]}``), other values as JSON."""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return "[" + ", ".join(_format_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}={_format_value(v)}" for k, v in value.items()) + "}"
    return json.dumps(value)


def _format(args: list[Any], frame: Frame) -> str:
    template = _string(args[0], "the first argument")
    values = args[1:]
    pieces: list[str] = []
    used = 0
    i = 0
    while i < len(template):
        if template.startswith("\\{", i) or template.startswith("\\}", i):
            pieces.append(template[i + 1])
            i += 2
        elif template.startswith("{}", i):
            if used >= len(values):
                raise _fail("Number of arguments does not match number of placeholders")
            pieces.append(_format_value(values[used]))
            used += 1
            i += 2
        else:
            pieces.append(template[i])
            i += 1
    if used != len(values):
        raise _fail("Number of arguments does not match number of placeholders")
    return "".join(pieces)


def _string_to_json(args: list[Any], frame: Frame) -> Any:
    text = _string(args[0], "the argument")
    if not text.strip():
        return None
    try:
        if jsondoc.too_deep(text):  # before the stdlib's recursion runs out
            raise ValueError(text)
        return json.loads(text)
    except ValueError:
        raise _fail(f"The argument '{text}' is not a valid JSON string") from None


def _json_to_string(args: list[Any], frame: Frame) -> str:
    return _compact(args[0])


def _array_partition(args: list[Any], frame: Frame) -> list[Any]:
    items = _array(args[0], "the first argument")
    size = _integer(args[1], "the chunk size")
    if size <= 0:
        raise _fail("The chunk size must be a positive integer")
    return [items[i:i + size] for i in range(0, len(items), size)]


def _array_contains(args: list[Any], frame: Frame) -> bool:
    items = _array(args[0], "the first argument")
    return any(_same(item, args[1]) for item in items)


def _same(a: Any, b: Any) -> bool:
    """JSON equality: 1 equals 1.0, true does not equal 1."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    return bool(a == b) and (_is_number(a) == _is_number(b))


def _array_range(args: list[Any], frame: Frame) -> list[int]:
    first = _integer(args[0], "the first argument")
    last = _integer(args[1], "the second argument")
    step = _integer(args[2], "the third argument")
    if step == 0:
        raise _fail("The step value cannot be zero")
    count = max(0, (last - first) // step + 1)
    if count > MAX_ARRAY_RANGE:
        raise _fail(f"The array cannot contain more than {MAX_ARRAY_RANGE} items")
    return list(range(first, last + (1 if step > 0 else -1), step))


def _array_get_item(args: list[Any], frame: Frame) -> Any:
    items = _array(args[0], "the first argument")
    index = _integer(args[1], "the index")
    if not 0 <= index < len(items):
        raise _fail(f"The index {index} is out of bounds for an array of length {len(items)}")
    return items[index]


def _array_length(args: list[Any], frame: Frame) -> int:
    return len(_array(args[0], "the argument"))


def _array_unique(args: list[Any], frame: Frame) -> list[Any]:
    unique: list[Any] = []
    for item in _array(args[0], "the argument"):
        if not any(_same(item, seen) for seen in unique):
            unique.append(item)
    return unique


def _base64_encode(args: list[Any], frame: Frame) -> str:
    text = _string(args[0], "the argument")
    if len(text) > MAX_BASE64_CHARS:
        raise _fail(f"The input string cannot be longer than {MAX_BASE64_CHARS} characters")
    return base64.b64encode(text.encode()).decode()


def _base64_decode(args: list[Any], frame: Frame) -> str:
    text = _string(args[0], "the argument")
    if len(text) > MAX_BASE64_CHARS:
        raise _fail(f"The input string cannot be longer than {MAX_BASE64_CHARS} characters")
    try:
        return base64.b64decode(text, validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        raise _fail("The input string is not a valid Base64 encoded string") from None


_HASHES: dict[str, Callable[[bytes], Any]] = {
    "MD5": hashlib.md5, "SHA-1": hashlib.sha1, "SHA-256": hashlib.sha256,
    "SHA-384": hashlib.sha384, "SHA-512": hashlib.sha512,
}


def _hash(args: list[Any], frame: Frame) -> str:
    data, algorithm = args
    text = data if isinstance(data, str) else _compact(data)
    if len(text) > MAX_HASH_CHARS:
        raise _fail(f"The input data cannot be longer than {MAX_HASH_CHARS} characters")
    if algorithm not in _HASHES:
        raise _fail(f"The hash algorithm '{algorithm}' is not supported; "
                    "use one of MD5, SHA-1, SHA-256, SHA-384, SHA-512")
    return str(_HASHES[algorithm](text.encode()).hexdigest())


def _json_merge(args: list[Any], frame: Frame) -> dict[str, Any]:
    left, right, deep = args
    if not isinstance(left, dict) or not isinstance(right, dict):
        raise _fail("The values to merge must be JSON objects")
    if deep is not False:
        raise _fail("The deep merge argument must be false: only a shallow merge is supported")
    return {**left, **right}


def _math_random(args: list[Any], frame: Frame) -> int:
    start = _integer(args[0], "the start")
    end = _integer(args[1], "the end")
    if end <= start:
        raise _fail("The end number must be greater than the start number")
    rng = random.Random(_integer(args[2], "the seed")) if len(args) == 3 else frame.rng
    return rng.randrange(start, end)  # the end is exclusive (AWS's page)


def _math_add(args: list[Any], frame: Frame) -> int:
    return _integer(args[0], "the first argument") + _integer(args[1], "the second argument")


def _string_split(args: list[Any], frame: Frame) -> list[str]:
    text = _string(args[0], "the first argument")
    delimiters = _string(args[1], "the second argument")
    if not delimiters:
        return [text] if text else []
    parts = re.split("|".join(re.escape(c) for c in delimiters), text)
    return [part for part in parts if part]  # empty pieces are dropped, like a Java StringTokenizer


def _uuid(args: list[Any], frame: Frame) -> str:
    return str(uuid.UUID(int=frame.rng.getrandbits(128), version=4))


def _array_fn(args: list[Any], frame: Frame) -> list[Any]:
    return list(args)


FUNCTIONS: dict[str, Callable[[list[Any], Frame], Any]] = {
    "Format": _format, "StringToJson": _string_to_json, "JsonToString": _json_to_string,
    "Array": _array_fn, "ArrayPartition": _array_partition, "ArrayContains": _array_contains,
    "ArrayRange": _array_range, "ArrayGetItem": _array_get_item, "ArrayLength": _array_length,
    "ArrayUnique": _array_unique, "Base64Encode": _base64_encode, "Base64Decode": _base64_decode,
    "Hash": _hash, "JsonMerge": _json_merge, "MathRandom": _math_random, "MathAdd": _math_add,
    "StringSplit": _string_split, "UUID": _uuid,
}
