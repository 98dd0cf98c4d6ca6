"""Fields written in JSONata: a string ``"{% expr %}"`` is an expression, anything else
a literal; objects and arrays may hold expressions at any depth (Arguments, Output,
Assign). Evaluation failures are States.QueryEvaluationError with AWS's cause, naming
the field below the state (``Output``, ``Arguments/Input/x``, ``Assign/v``, ``Items[0]``):

    The JSONata expression '$states.input.x' specified for the field 'Output/v'
    returned nothing (undefined).
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Union

from eventyard.core.states import errors
from eventyard.core.states.errors import StatesError
from eventyard.core.states.jsonata import UNDEFINED, Expression, JsonataEvaluationError, compile_expression


def is_expression(value: Any) -> bool:
    return isinstance(value, str) and value.startswith("{%") and value.endswith("%}") and len(value) >= 4


@dataclass(frozen=True)
class _Literal:
    value: Any


@dataclass(frozen=True)
class _Expr:
    expression: Expression
    field: str


@dataclass(frozen=True)
class _Obj:
    entries: tuple[tuple[str, "_JNode"], ...]


@dataclass(frozen=True)
class _Arr:
    items: tuple["_JNode", ...]


_JNode = Union[_Literal, _Expr, _Obj, _Arr]


@dataclass(frozen=True)
class JsonataValue:
    """A compiled field (see module doc). ``JsonataSyntaxError`` while compiling."""

    root: _JNode

    @classmethod
    def compile(cls, value: Any, field: str) -> "JsonataValue":
        return cls(_compile(value, field))

    @property
    def is_literal(self) -> bool:
        return isinstance(self.root, _Literal)

    def evaluate(self, states: Mapping[str, Any], variables: Mapping[str, Any], rng: random.Random) -> Any:
        return _evaluate(self.root, states, variables, rng)


def _compile(value: Any, field: str) -> _JNode:
    if is_expression(value):
        return _Expr(compile_expression(value[2:-2].strip()), field)
    if isinstance(value, dict):
        entries = tuple((k, _compile(v, f"{field}/{k}")) for k, v in value.items())
        if all(isinstance(node, _Literal) for _, node in entries):
            return _Literal(value)
        return _Obj(entries)
    if isinstance(value, list):
        items = tuple(_compile(v, f"{field}[{i}]") for i, v in enumerate(value))
        if all(isinstance(node, _Literal) for node in items):
            return _Literal(value)
        return _Arr(items)
    return _Literal(value)


def _evaluate(node: _JNode, states: Mapping[str, Any], variables: Mapping[str, Any], rng: random.Random) -> Any:
    if isinstance(node, _Literal):
        return node.value
    if isinstance(node, _Obj):
        return {k: _evaluate(child, states, variables, rng) for k, child in node.entries}
    if isinstance(node, _Arr):
        return [_evaluate(child, states, variables, rng) for child in node.items]
    try:
        value = node.expression.evaluate(states, variables, rng)
    except JsonataEvaluationError as failure:
        raise StatesError(errors.QUERY_EVALUATION_ERROR,
                          f"The JSONata expression '{node.expression.text}' specified for the field "
                          f"'{node.field}' threw an error during evaluation. {_jsonata_message(str(failure))}") from None
    if value is UNDEFINED:
        raise StatesError(errors.QUERY_EVALUATION_ERROR,
                          f"The JSONata expression '{node.expression.text}' specified for the field "
                          f"'{node.field}' returned nothing (undefined).")
    if value == "" and node.expression.returns_function(states, variables, rng):
        # AWS refuses a function as a field's value (test_base_scenarios, recorded)
        raise StatesError(errors.QUERY_EVALUATION_ERROR,
                          f"The JSONata expression '{node.expression.text}' specified for the field "
                          f"'{node.field}' returned an unsupported result type.")
    return value


def _jsonata_message(message: str) -> str:
    """The library's message as JSONata words it ("T1006: Attempted to invoke a non-function",
    test_math_operations_jsonata, recorded): the library adds the callee's name to T1006."""
    if message.startswith("T1006: "):
        return "T1006: Attempted to invoke a non-function"
    return message
