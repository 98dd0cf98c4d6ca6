"""JSONPath data flow: payload templates and the five path fields.

    InputPath -> Parameters (ItemSelector) -> the work -> ResultSelector -> ResultPath -> OutputPath

``Template.compile`` turns a ``Parameters``/``ResultSelector``/``ItemSelector``/``Assign``
value into a tree once (at definition time, where its mistakes are definition errors);
``Template.evaluate`` builds the payload. Keys ending in ``.$`` take a path (``$.x``,
``$$.x``, ``$var.x``) or an intrinsic call; the output keeps the definition's key order.

The failures carry AWS's words (States.Runtime unless said):

- a ``.$`` path that reaches nothing: "The JSONPath '$.x' specified for the field 'y.$'
  could not be found in the input '<input>'"
- InputPath/OutputPath that reach nothing: "Invalid path '$.x' : No results for path: $['x']"
- ResultPath that cannot be placed: States.ResultPathMatchFailure
- a payload over 256 KiB: States.DataLimitExceeded

The input inside a cause is written compactly (AWS quotes the text it received; for the
execution's first state that is the raw StartExecution input, which the caller passes).
"""

from __future__ import annotations

import copy
import json
import random
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final, Union

import orjson

from eventyard.core.states import errors
from eventyard.core.states.errors import StatesError
from eventyard.core.states.intrinsics import Call, IntrinsicSyntaxError, is_call
from eventyard.core.states.intrinsics import parse as parse_call
from eventyard.core.states.jsonpath import MISSING, Index, Key, Path, PathSyntaxError, is_reference, select
from eventyard.core.states.jsonpath import parse as parse_path

MAX_PAYLOAD_BYTES: Final = 256 * 1024


class _Unset:
    __slots__ = ()

    def __repr__(self) -> str:
        return "UNSET"


UNSET: Final = _Unset()
"""A path field that is not in the definition (as opposed to ``null``)."""


@dataclass
class Scope:
    """What evaluation reads besides the document: the context object ``$$``, the
    variables in scope, and the random source (``MathRandom``, ``UUID``, ``$random``)."""

    context: Mapping[str, Any] = field(default_factory=dict)
    variables: Mapping[str, Any] = field(default_factory=dict)
    rng: random.Random = field(default_factory=lambda: random.Random(0))
    raw_input: str | None = None  # the text the state received, quoted in causes if known ...
    raw_of: Any = None  # ... for this very document (the state's input, not what InputPath made of it)


class TemplateError(ValueError):
    """A template the definition may not hold; ``pointer`` is below the field."""

    def __init__(self, message: str, pointer: str) -> None:
        super().__init__(message)
        self.message = message
        self.pointer = pointer


# where orjson may write otherwise than the stdlib: non-finite floats (null there), and
# floats in exponent form or below 1e-4 (the stdlib's repr switches form at other bounds).
# Compact text has a value right after ``:``, ``[`` or ``,`` (or at the start); a string
# that happens to match only costs the slower path.
_MAY_DIFFER = re.compile(rb"(?:^|[:\[,])(?:null|-?\d+(?:\.\d+)?[eE]|-?0\.0000)")


def compact(value: Any) -> str:
    """Compact JSON text, non-ASCII as is, exactly as ``json.dumps`` writes it: orjson
    writes it (several times faster) unless its text could differ; then the stdlib."""
    try:
        out = orjson.dumps(value)
    except (TypeError, orjson.JSONEncodeError):  # past 64-bit integers, lone surrogates, other keys
        out = None
    if out is not None and _MAY_DIFFER.search(out) is None:
        return out.decode()
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def _quoted_input(document: Any, scope: Scope) -> str:
    if scope.raw_input is not None and document is scope.raw_of:
        return scope.raw_input
    return compact(document)


@dataclass(frozen=True)
class _Const:
    value: Any


@dataclass(frozen=True)
class _PathValue:
    path: Path
    field: str  # the key as written, ``name.$``


@dataclass(frozen=True)
class _CallValue:
    call: Call


@dataclass(frozen=True)
class _Object:
    entries: tuple[tuple[str, "_Node"], ...]


@dataclass(frozen=True)
class _Array:
    items: tuple["_Node", ...]


_Node = Union[_Const, _PathValue, _CallValue, _Object, _Array]


@dataclass(frozen=True)
class Template:
    root: _Node

    @classmethod
    def compile(cls, value: Any, *, allow_intrinsics: bool = True) -> "Template":
        return cls(_compile(value, "", allow_intrinsics))

    def evaluate(self, document: Any, scope: Scope) -> Any:
        return _evaluate(self.root, document, scope)


def _compile(value: Any, pointer: str, allow_intrinsics: bool) -> _Node:
    if isinstance(value, dict):
        entries: list[tuple[str, _Node]] = []
        dynamic = False
        for key, item in value.items():
            where = f"{pointer}/{key}"
            if key.endswith(".$"):
                dynamic = True
                if not isinstance(item, str):
                    raise TemplateError(
                        f"The value for the field '{key}' must be a valid JSONPath or a valid intrinsic function call",
                        pointer)
                entries.append((key[:-2], _dynamic(item, key, pointer, allow_intrinsics)))
            else:
                node = _compile(item, where, allow_intrinsics)
                dynamic = dynamic or not isinstance(node, _Const)
                entries.append((key, node))
        if not dynamic:
            return _Const(value)
        return _Object(tuple(entries))
    if isinstance(value, list):
        items = tuple(_compile(item, f"{pointer}[{i}]", allow_intrinsics) for i, item in enumerate(value))
        if all(isinstance(item, _Const) for item in items):
            return _Const(value)
        return _Array(items)
    return _Const(value)


def _dynamic(text: str, key: str, pointer: str, allow_intrinsics: bool) -> _Node:
    invalid = f"The value for the field '{key}' must be a valid JSONPath or a valid intrinsic function call"
    if is_call(text):
        if not allow_intrinsics:
            raise TemplateError(invalid, pointer)
        try:
            return _CallValue(parse_call(text.strip()))
        except IntrinsicSyntaxError:
            raise TemplateError(invalid, pointer) from None
    try:
        return _PathValue(parse_path(text), key)
    except PathSyntaxError:
        raise TemplateError(invalid, pointer) from None


def _evaluate(node: _Node, document: Any, scope: Scope) -> Any:
    if isinstance(node, _Const):
        return copy.deepcopy(node.value) if isinstance(node.value, (dict, list)) else node.value
    if isinstance(node, _Object):
        return {key: _evaluate(child, document, scope) for key, child in node.entries}
    if isinstance(node, _Array):
        return [_evaluate(child, document, scope) for child in node.items]
    if isinstance(node, _CallValue):
        return node.call.evaluate(document, scope)
    return resolve_path(node.path, document, scope, node.field)


def path_base(path: Path, document: Any, scope: Scope) -> Any:
    """The document a path starts from: the input, the context object or a variable."""
    if path.root == "input":
        return document
    if path.root == "context":
        return scope.context
    return scope.variables.get(path.variable or "", MISSING)


def resolve_path(path: Path, document: Any, scope: Scope, field_name: str) -> Any:
    """A ``.$`` path's value (a list for an indefinite path), or AWS's failure."""
    base = path_base(path, document, scope)
    found = MISSING if base is MISSING else select(path, base)
    if found is MISSING:
        raise StatesError(errors.RUNTIME,
                          f"The JSONPath '{path.text}' specified for the field '{field_name}' could not be found "
                          f"in the input '{_quoted_input(document, scope)}'")
    return copy.deepcopy(found) if isinstance(found, (dict, list)) else found


def jayway_path(path: Path) -> str:
    """A path the way Jayway prints it in "No results for path: $['a'][0]"."""
    parts = ["$"]
    for step in path.steps:
        if isinstance(step, Key):
            parts.append(f"['{step.name}']")
        elif isinstance(step, Index):
            parts.append(f"[{step.index}]")
    return "".join(parts)


def parse_reference(text: str) -> Path:
    """ResultPath's (and Choice's) kind of path; ``PathSyntaxError`` otherwise."""
    path = parse_path(text)
    if path.root != "input" or not is_reference(path):
        raise PathSyntaxError(text)
    return path


def apply_input_path(path: Path | None | _Unset, document: Any, scope: Scope) -> Any:
    """InputPath (and OutputPath): absent keeps the document, null gives ``{}``."""
    if isinstance(path, _Unset):
        return document
    if path is None:
        return {}
    base = path_base(path, document, scope)
    found = MISSING if base is MISSING else select(path, base)
    if found is MISSING:
        raise StatesError(errors.RUNTIME, f"Invalid path '{path.text}' : No results for path: {jayway_path(path)}")
    return copy.deepcopy(found) if isinstance(found, (dict, list)) else found


apply_output_path = apply_input_path


def apply_result_path(path: Path | None | _Unset, state_input: Any, result: Any) -> Any:
    """ResultPath: absent or ``$`` gives the result, null keeps the input, a reference
    path places the result inside a copy of the input (creating objects on the way)."""
    if isinstance(path, _Unset) or (path is not None and not path.steps):
        return result
    if path is None:
        return state_input
    if not isinstance(state_input, (dict, list)):
        raise _result_path_failure(path, state_input)
    combined = copy.deepcopy(state_input)
    node: Any = combined
    steps = path.steps
    for i, step in enumerate(steps):
        last = i == len(steps) - 1
        if isinstance(step, Key):
            if not isinstance(node, dict):
                raise _result_path_failure(path, state_input)
            if last:
                node[step.name] = result
            else:
                if step.name not in node or not isinstance(node[step.name], (dict, list)):
                    node[step.name] = {}
                node = node[step.name]
        else:
            assert isinstance(step, Index)
            if not isinstance(node, list) or not 0 <= step.index < len(node):
                raise _result_path_failure(path, state_input)
            if last:
                node[step.index] = result
            else:
                node = node[step.index]
    return combined


def _result_path_failure(path: Path, state_input: Any) -> StatesError:
    return StatesError(errors.RESULT_PATH_MATCH_FAILURE,
                       f"Unable to apply ResultPath '{path.text}' to the state input '{compact(state_input)}'")


def payload_size(value: Any) -> int:
    return len(compact(value).encode())


def check_payload(value: Any, owner: str) -> None:
    """States.DataLimitExceeded if ``value`` is over 256 KiB as JSON text."""
    check_payload_text(compact(value), owner)


def check_payload_text(text: str, owner: str) -> None:
    """``check_payload`` of a value already written as compact JSON text."""
    # a character is at most 4 bytes: short texts need no encoding to be measured
    if len(text) * 4 > MAX_PAYLOAD_BYTES and len(text.encode()) > MAX_PAYLOAD_BYTES:
        raise StatesError(errors.DATA_LIMIT_EXCEEDED,
                          f"The state/task '{owner}' returned a result with a size exceeding the maximum "
                          "number of bytes service limit.")
