"""Choice rules of the JSONPath query language, and how they decide.

A rule is a comparison (``Variable`` + one comparator), or ``And``/``Or``/``Not`` over
rules. AWS's type rules: a comparator applied to a value of another type is false, not
an error (``StringEquals`` on a number, ``NumericEquals`` on ``true``, a
``Timestamp*`` comparator on a string that is no timestamp); ``Is*`` tests say what a
value is, and ``IsPresent`` is the only test that may look at a missing path. Any other
comparison of a missing ``Variable`` fails the state with States.Runtime: "Invalid path
'$.x': The choice state's condition path references an invalid value." A ``*Path``
comparator whose path reaches nothing fails the same way.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any, Callable, Union

from eventyard.core.states import errors
from eventyard.core.states.errors import StatesError
from eventyard.core.states.jsonpath import MISSING, Path, select
from eventyard.core.states.payload import Scope, path_base
from eventyard.core.states.timestamps import parse_timestamp

KINDS = ("String", "Numeric", "Boolean", "Timestamp")
ORDERINGS = ("Equals", "LessThan", "GreaterThan", "LessThanEquals", "GreaterThanEquals")

COMPARATORS: frozenset[str] = frozenset(
    [f"{kind}{op}" for kind in ("String", "Numeric", "Timestamp") for op in ORDERINGS]
    + ["BooleanEquals", "StringMatches"]
)
PATH_COMPARATORS: frozenset[str] = frozenset(
    f"{name}Path" for name in COMPARATORS if name != "StringMatches")
TYPE_TESTS: frozenset[str] = frozenset({"IsNull", "IsPresent", "IsNumeric", "IsString", "IsBoolean", "IsTimestamp"})
ALL_OPERATORS: frozenset[str] = COMPARATORS | PATH_COMPARATORS | TYPE_TESTS


@dataclass(frozen=True)
class Comparison:
    variable: Path
    operator: str  # one of ALL_OPERATORS
    operand: Any  # a literal, or a Path for the *Path comparators


@dataclass(frozen=True)
class Not:
    rule: "Rule"


@dataclass(frozen=True)
class And:
    rules: tuple["Rule", ...]


@dataclass(frozen=True)
class Or:
    rules: tuple["Rule", ...]


Rule = Union[Comparison, Not, And, Or]


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _invalid_path(path: Path) -> StatesError:
    return StatesError(errors.RUNTIME,
                       f"Invalid path '{path.text}': The choice state's condition path references an invalid value.")


def evaluate(rule: Rule, document: Any, scope: Scope) -> bool:
    if isinstance(rule, Not):
        return not evaluate(rule.rule, document, scope)
    if isinstance(rule, And):
        return all(evaluate(r, document, scope) for r in rule.rules)
    if isinstance(rule, Or):
        return any(evaluate(r, document, scope) for r in rule.rules)
    base = path_base(rule.variable, document, scope)
    value = MISSING if base is MISSING else select(rule.variable, base)
    operator = rule.operator
    if operator == "IsPresent":
        return (value is not MISSING) == bool(rule.operand)
    if value is MISSING:
        raise _invalid_path(rule.variable)
    if operator in TYPE_TESTS:
        return _type_test(operator, value) == bool(rule.operand)
    operand = rule.operand
    if operator.endswith("Path"):
        operator = operator[:-4]
        other_base = path_base(operand, document, scope)
        operand = MISSING if other_base is MISSING else select(operand, other_base)
        if operand is MISSING:
            raise _invalid_path(rule.operand)
    return compare(operator, value, operand)


def _type_test(operator: str, value: Any) -> bool:
    if operator == "IsNull":
        return value is None
    if operator == "IsNumeric":
        return _number(value)
    if operator == "IsString":
        return isinstance(value, str)
    if operator == "IsBoolean":
        return isinstance(value, bool)
    return parse_timestamp(value) is not None  # IsTimestamp


_ORDER: dict[str, Callable[[Any, Any], bool]] = {
    "Equals": lambda a, b: bool(a == b),
    "LessThan": lambda a, b: bool(a < b),
    "GreaterThan": lambda a, b: bool(a > b),
    "LessThanEquals": lambda a, b: bool(a <= b),
    "GreaterThanEquals": lambda a, b: bool(a >= b),
}


def compare(operator: str, value: Any, operand: Any) -> bool:
    """A comparator over two values; false when either is not of the comparator's type."""
    if operator == "BooleanEquals":
        return isinstance(value, bool) and isinstance(operand, bool) and value == operand
    if operator == "StringMatches":
        return isinstance(value, str) and isinstance(operand, str) and wildcard(operand).fullmatch(value) is not None
    for kind in ("String", "Numeric", "Timestamp"):
        if operator.startswith(kind):
            order = _ORDER[operator[len(kind):]]
            if kind == "String":
                return isinstance(value, str) and isinstance(operand, str) and order(value, operand)
            if kind == "Numeric":
                if not (_number(value) and _number(operand)):
                    return False
                if any(isinstance(v, float) and math.isnan(v) for v in (value, operand)):
                    return False
                return order(value, operand)
            a, b = parse_timestamp(value), parse_timestamp(operand)
            return a is not None and b is not None and order(a, b)
    raise ValueError(operator)


_WILDCARDS: dict[str, re.Pattern[str]] = {}


def wildcard(pattern: str) -> re.Pattern[str]:
    """StringMatches' pattern: ``*`` matches any run of characters, ``\\*`` a star,
    ``\\\\`` a backslash."""
    compiled = _WILDCARDS.get(pattern)
    if compiled is None:
        out: list[str] = []
        i = 0
        while i < len(pattern):
            c = pattern[i]
            if c == "\\" and i + 1 < len(pattern):
                out.append(re.escape(pattern[i + 1]))
                i += 2
                continue
            out.append(".*" if c == "*" else re.escape(c))
            i += 1
        compiled = re.compile("".join(out), re.DOTALL)
        if len(_WILDCARDS) < 4096:
            _WILDCARDS[pattern] = compiled
    return compiled
