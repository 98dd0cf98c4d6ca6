"""Choice rules: every comparator, AWS's type rules (a value of another type compares
false), Is* tests, StringMatches wildcards, combinators and missing paths."""

from __future__ import annotations

import json
from typing import Any

import pytest

from eventyard.core.states import parse_definition
from eventyard.core.states.choice import ALL_OPERATORS, compare, evaluate
from eventyard.core.states.errors import StatesError
from eventyard.core.states.payload import Scope

SAMPLES: list[Any] = [None, True, False, 0, 1, 1.5, -2, "", "a", "b", "2016-08-18T17:33:00Z",
                      "2016-08-18T17:33:00.500+02:00", [], [1], {}, {"a": 1}]


def rule(raw: dict[str, Any]) -> Any:
    machine = parse_definition(json.dumps({"StartAt": "C", "States": {
        "C": {"Type": "Choice", "Choices": [{**raw, "Next": "S"}]}, "S": {"Type": "Succeed"}}}))
    branch = machine.states["C"].choices[0]
    assert branch.rule is not None
    return branch.rule


def decide(raw: dict[str, Any], document: Any, variables: dict[str, Any] | None = None) -> bool:
    return evaluate(rule(raw), document, Scope(variables=variables or {}))


def test_every_operator_is_known() -> None:
    assert len(ALL_OPERATORS) == 39  # 17 comparators, 16 of them with a Path twin, 6 type tests
    assert {"StringEquals", "StringEqualsPath", "NumericLessThanEqualsPath", "TimestampGreaterThan", "BooleanEquals",
            "BooleanEqualsPath", "StringMatches", "IsTimestamp", "IsPresent"} <= ALL_OPERATORS
    assert "StringMatchesPath" not in ALL_OPERATORS


@pytest.mark.parametrize("value", SAMPLES)
def test_comparators_of_another_type_are_false_not_errors(value: Any) -> None:
    if not isinstance(value, str):
        for op in ("StringEquals", "StringLessThan", "StringGreaterThanEquals", "StringMatches"):
            assert compare(op, value, "a") is False
    if not (isinstance(value, (int, float)) and not isinstance(value, bool)):
        for op in ("NumericEquals", "NumericLessThan", "NumericGreaterThanEquals"):
            assert compare(op, value, 1) is False
    if not isinstance(value, bool):
        assert compare("BooleanEquals", value, True) is False
        assert compare("BooleanEquals", value, False) is False
    if value not in ("2016-08-18T17:33:00Z", "2016-08-18T17:33:00.500+02:00"):
        assert compare("TimestampEquals", value, "2016-08-18T17:33:00Z") is False


@pytest.mark.parametrize("op, value, operand, expected", [
    ("StringEquals", "a", "a", True), ("StringLessThan", "a", "b", True), ("StringGreaterThan", "a", "b", False),
    ("StringLessThanEquals", "b", "b", True), ("StringGreaterThanEquals", "a", "b", False),
    ("NumericEquals", 1, 1.0, True), ("NumericLessThan", 1, 1.5, True), ("NumericGreaterThan", -2, 0, False),
    ("NumericLessThanEquals", 2, 2, True), ("NumericGreaterThanEquals", 1.5, 1, True),
    ("BooleanEquals", False, False, True), ("BooleanEquals", True, False, False),
    ("TimestampEquals", "2016-08-18T17:33:00Z", "2016-08-18T19:33:00+02:00", True),
    ("TimestampLessThan", "2016-08-18T17:33:00Z", "2016-08-18T17:33:00.001Z", True),
    ("TimestampGreaterThanEquals", "2016-08-18T17:33:00Z", "2016-08-18T17:33:00Z", True),
    ("StringMatches", "log-2024.txt", "log-*.txt", True), ("StringMatches", "log-2024.txt", "log-*.csv", False),
    ("StringMatches", "a*b", "a\\*b", True), ("StringMatches", "axb", "a\\*b", False),
    ("StringMatches", "", "*", True),
])
def test_comparators(op: str, value: Any, operand: Any, expected: bool) -> None:
    assert compare(op, value, operand) is expected


@pytest.mark.parametrize("test, value, expected", [
    ("IsNull", None, True), ("IsNull", 0, False), ("IsNumeric", 1.5, True), ("IsNumeric", True, False),
    ("IsNumeric", "1", False), ("IsString", "", True), ("IsString", None, False), ("IsBoolean", False, True),
    ("IsBoolean", 0, False), ("IsTimestamp", "2016-08-18T17:33:00Z", True), ("IsTimestamp", "2016-08-18", False),
    ("IsTimestamp", "2016-08-18 17:33:00Z", False),
])
def test_type_tests(test: str, value: Any, expected: bool) -> None:
    assert decide({"Variable": "$.v", test: True}, {"v": value}) is expected
    assert decide({"Variable": "$.v", test: False}, {"v": value}) is (not expected)


def test_is_present_may_look_at_a_missing_path() -> None:
    assert decide({"Variable": "$.nope", "IsPresent": False}, {}) is True
    assert decide({"Variable": "$.v", "IsPresent": True}, {"v": None}) is True


def test_a_missing_variable_fails_the_state() -> None:
    with pytest.raises(StatesError) as failure:
        decide({"Variable": "$.jobs[0].done", "BooleanEquals": True}, {"jobs": [{}]})
    assert failure.value == StatesError(
        "States.Runtime", "Invalid path '$.jobs[0].done': The choice state's condition path references an invalid "
                          "value.")


def test_path_comparators_read_the_operand_from_the_input() -> None:
    document = {"a": 3, "b": 3, "s": "x", "t": "2020-01-01T00:00:00Z", "f": True}
    assert decide({"Variable": "$.a", "NumericEqualsPath": "$.b"}, document)
    assert decide({"Variable": "$.s", "StringEqualsPath": "$.s"}, document)
    assert decide({"Variable": "$.t", "TimestampLessThanEqualsPath": "$.t"}, document)
    assert decide({"Variable": "$.f", "BooleanEqualsPath": "$.f"}, document)
    assert not decide({"Variable": "$.a", "StringEqualsPath": "$.s"}, document)
    with pytest.raises(StatesError):
        decide({"Variable": "$.a", "NumericEqualsPath": "$.nope"}, document)


def test_combinators_and_variables() -> None:
    raw = {"Or": [{"And": [{"Variable": "$.a", "NumericGreaterThan": 1}, {"Variable": "$.b", "IsNull": False}]},
                  {"Not": {"Variable": "$x", "StringEquals": "go"}}]}
    assert decide(raw, {"a": 2, "b": 0}, {"x": "go"})
    assert not decide(raw, {"a": 0, "b": 0}, {"x": "go"})
    assert decide(raw, {"a": 0, "b": 0}, {"x": "stop"})


# --- LocalStack's choice_operators snapshots, recorded on AWS (22-06-2023) ------------------
# Each case runs a machine: Choice on $.Variable with the operator (a literal, or "$.Value"
# for *Path operators), then a Pass whose Result is {"TestResult.$": "ConditionTrue"} or
# "ConditionFalse" (a Pass Result is literal: its ".$" key is not evaluated, as recorded).

TYPE_COMPARISONS: list[tuple[Any, bool]] = [
    (None, True), (None, False), (0, True), (0, False), (0.0, True), (0.0, False), (1, True), (1, False),
    (1.1, True), (1.1, False), ("", True), ("", False), (" ", True), (" ", False), ("HelloWorld", True),
    ("HelloWorld", False), ("2012-10-09T19:00:55", True), ("2012-10-09T19:00:55", False),
    ("2012-10-09T19:00:55Z", True), ("2012-10-09T19:00:55Z", False), ("2012-10-09T19:00:55+01:00", True),
    ("2012-10-09T19:00:55+01:00", False), ("2023-02-24", True), ("2023-02-24", False), ([], True), ([], False),
    ([""], True), ([""], False), ({}, True), ({}, False), ({"A": 0}, True), ({"A": 0}, False), (True, True),
    (False, True), (False, True), (False, False),
]
IS_RECORDED = {  # test_is_operators.snapshot.json, one letter per TYPE_COMPARISONS case
    "IsBoolean": "FT" * 16 + "TTTF",
    "IsNull": "TF" + "FT" * 15 + "FFFT",
    "IsNumeric": "FT" + "TF" * 4 + "FT" * 11 + "FFFT",
    "IsPresent": "TF" * 16 + "TTTF",
    "IsString": "FT" * 5 + "TF" * 7 + "FT" * 4 + "FFFT",
}
T0, T1 = "2012-10-09T19:00:55Z", "2012-10-09T19:00:56Z"
TIMESTAMP_TYPES: list[Any] = [None, 0, 0.0, 1, 1.1, "", " ", "2023-02-24 12:15:56.832957", [], [""], {}, {"A": 0},
                              False, True]
BASE = [(T0, T0), (T0, T1), (T1, T0)]
TIMESTAMP_RECORDED: list[tuple[str, list[tuple[Any, Any]], str]] = [  # test_timestamp_operators.snapshot.json
    ("TimestampEquals", [(v, T0) for v in TIMESTAMP_TYPES] + BASE, "F" * 14 + "TFF"),
    ("TimestampEqualsPath", BASE, "TFF"),
    ("TimestampGreaterThan", BASE, "FFT"),
    ("TimestampGreaterThanPath", [(T0, T1)], "F"),
    ("TimestampGreaterThanEquals", BASE, "TFT"),
    ("TimestampGreaterThanEqualsPath", [(T0, T1)], "F"),
    ("TimestampLessThan", BASE, "FTF"),
    ("TimestampLessThanPath", [(T1, T0)], "F"),
    ("TimestampLessThanEquals", BASE, "TTF"),
    ("TimestampLessThanEqualsPath", [(T1, T0)], "F"),
]


def recorded_cases() -> list[tuple[str, Any, Any, bool]]:
    cases = []
    for operator, letters in IS_RECORDED.items():
        for (variable, value), letter in zip(TYPE_COMPARISONS, letters, strict=True):
            cases.append((operator, variable, value, letter == "T"))
    for operator, comparisons, letters in TIMESTAMP_RECORDED:
        for (variable, value), letter in zip(comparisons, letters, strict=True):
            cases.append((operator, variable, value, letter == "T"))
    return cases


RECORDED_CASES = recorded_cases()


def test_the_recorded_table_is_whole() -> None:
    assert len(RECORDED_CASES) == 5 * 36 + 17 + 3 + 3 + 1 + 3 + 1 + 3 + 1 + 3 + 1


@pytest.mark.parametrize("operator, variable, value, expected", RECORDED_CASES)
def test_recorded_choice_outcomes(operator: str, variable: Any, value: Any, expected: bool) -> None:
    from eventyard.core.states import EndExecution, Execution, start
    operand: Any = "$.Value" if operator.endswith("Path") else value
    machine = parse_definition(json.dumps({"StartAt": "CheckValue", "States": {
        "CheckValue": {"Type": "Choice", "Choices": [{"Variable": "$.Variable", operator: operand,
                                                      "Next": "ConditionTrue"}], "Default": "ConditionFalse"},
        "ConditionTrue": {"Type": "Pass", "Result": {"TestResult.$": "ConditionTrue"}, "End": True},
        "ConditionFalse": {"Type": "Pass", "Result": {"TestResult.$": "ConditionFalse"}, "End": True}}}))
    execution = Execution("arn:e", "e", "arn:sm", "sm", "arn:role", json.dumps({"Variable": variable, "Value": value}),
                          "2023-06-22T13:08:16.000Z", "seed")
    step = start(machine, execution, 0)
    [end] = [e for e in step.effects if isinstance(e, EndExecution)]
    outcome = "ConditionTrue" if expected else "ConditionFalse"
    assert end == EndExecution("SUCCEEDED", output=json.dumps({"TestResult.$": outcome}, separators=(",", ":")))
