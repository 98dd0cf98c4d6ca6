"""Intrinsic functions: the examples of AWS's intrinsic-functions page, LocalStack's
snapshots recorded on AWS (tests/aws/services/stepfunctions/v2/intrinsic_functions/*),
and the causes floci recorded on AWS (StepFunctionsIntrinsicMissingArgumentIntegrationTest)."""

from __future__ import annotations

import hashlib
import random
import re
from dataclasses import dataclass, field
from typing import Any

import pytest

from eventyard.core.states.errors import StatesError
from eventyard.core.states.intrinsics import IntrinsicSyntaxError, parse

DIGITS = [1, 2, 3, 4, 5, 6, 7, 8, 9]


@dataclass
class Frame:
    context: dict[str, Any] = field(default_factory=dict)
    variables: dict[str, Any] = field(default_factory=dict)
    rng: random.Random = field(default_factory=lambda: random.Random(7))


# (source, call, input, expected)
RECORDED: list[tuple[str, str, Any, Any]] = [
    ("aws-docs", "States.Format('Hello, my name is {}.', $.name)", {"name": "Arnav"}, "Hello, my name is Arnav."),
    ("aws-docs", "States.Format($.template, $.name)", {"name": "Arnav", "template": "Hello, my name is {}."},
     "Hello, my name is Arnav."),
    ("aws-docs", "States.StringToJson($.escapedJsonString)", {"escapedJsonString": "{\"foo\": \"bar\"}"},
     {"foo": "bar"}),
    ("aws-docs", "States.JsonToString($.unescapedJson)", {"unescapedJson": {"foo": "bar"}}, "{\"foo\":\"bar\"}"),
    ("aws-docs", "States.Array('Foo', 2020, $.someJson, null)", {"someJson": {"random": "abcdefg"}},
     ["Foo", 2020, {"random": "abcdefg"}, None]),
    ("aws-docs", "States.ArrayPartition($.inputArray,4)", {"inputArray": DIGITS}, [[1, 2, 3, 4], [5, 6, 7, 8], [9]]),
    ("aws-docs", "States.ArrayContains($.inputArray, $.lookingFor)", {"inputArray": DIGITS, "lookingFor": 5}, True),
    ("aws-docs", "States.ArrayRange(1, 9, 2)", {}, [1, 3, 5, 7, 9]),
    ("aws-docs", "States.ArrayGetItem($.inputArray, $.index)", {"inputArray": DIGITS, "index": 5}, 6),
    ("aws-docs", "States.ArrayLength($.inputArray)", {"inputArray": DIGITS}, 9),
    ("aws-docs", "States.ArrayUnique($.inputArray)", {"inputArray": [1, 2, 3, 3, 3, 3, 3, 3, 4]}, [1, 2, 3, 4]),
    ("aws-docs", "States.Base64Encode($.input)", {"input": "Data to encode"}, "RGF0YSB0byBlbmNvZGU="),
    ("aws-docs", "States.Base64Decode($.base64)", {"base64": "RGF0YSB0byBlbmNvZGU="}, "Data to encode"),
    ("aws-docs", "States.Hash($.Data, $.Algorithm)", {"Data": "input data", "Algorithm": "SHA-1"},
     "aaff4a450a104cd177d28d18d74485e8cae074b7"),
    ("aws-docs", "States.JsonMerge($.json1, $.json2, false)",
     {"json1": {"a": {"a1": 1, "a2": 2}, "b": 2}, "json2": {"a": {"a3": 1, "a4": 2}, "c": 3}},
     {"a": {"a3": 1, "a4": 2}, "b": 2, "c": 3}),
    ("aws-docs", "States.MathAdd($.value1, $.step)", {"value1": 111, "step": -1}, 110),
    ("aws-docs", "States.StringSplit($.inputString, $.splitter)", {"inputString": "1,2,3,4,5", "splitter": ","},
     ["1", "2", "3", "4", "5"]),
    ("aws-docs", "States.StringSplit($.inputString, $.splitter)",
     {"inputString": "This.is+a,test=string", "splitter": ".+,=" }, ["This", "is", "a", "test", "string"]),
    ("localstack test_array::test_array_get_item", "States.ArrayGetItem($.FunctionInput.fst, $.FunctionInput.snd)",
     {"FunctionInput": {"fst": DIGITS, "snd": 5}}, 6),
    ("localstack test_array::test_array_length", "States.ArrayLength($.FunctionInput)", {"FunctionInput": DIGITS}, 9),
    ("localstack test_array::test_array_0", "States.Array()", {"FunctionInput": "HelloWorld"}, []),
    ("localstack test_array::test_array_2", "States.Array($.FunctionInput.fst, $.FunctionInput.snd)",
     {"FunctionInput": {"fst": "", "snd": ""}}, ["", ""]),
    ("localstack test_array::test_array_2", "States.Array($.FunctionInput.fst, $.FunctionInput.snd)",
     {"FunctionInput": {"fst": " ", "snd": " "}}, [" ", " "]),
    ("floci recorded on AWS", "States.Format('{}', $.nul)", {"nul": None}, "null"),
    ("localstack test_generic::test_escape_sequence", "States.StringSplit('Hello\nWorld', '\n')", None,
     ["Hello", "World"]),
    ("localstack test_generic::test_nested_calls_2 (shape)",
     "States.ArrayGetItem(States.StringSplit($$.StateMachine.Name, '-'), "
     "States.MathAdd(States.ArrayLength(States.StringSplit($$.StateMachine.Name, '-')), -1))", None, "last"),
]
# localstack test_generic::test_format_1 and test_format_2 (recorded 09-02-2023)
FORMAT_INPUTS: list[tuple[Any, str]] = [
    ("", ""), (" ", " "), ("HelloWorld", "HelloWorld"), (None, "null"), (1, "1"), (1.1, "1.1"),
    ('{"Arg1": 1, "Arg2": []}', '{"Arg1": 1, "Arg2": []}'),
]
RECORDED += [("localstack test_generic::test_format_1", "States.Format('Formatting argument {}.', $.FunctionInput)",
              {"FunctionInput": value}, f"Formatting argument {text}.") for value, text in FORMAT_INPUTS]
RECORDED += [("localstack test_generic::test_format_2",
              "States.Format('Formatting arguments fst={} and snd={}.', $.FunctionInput.fst, $.FunctionInput.snd)",
              {"FunctionInput": {"fst": value, "snd": value}}, f"Formatting arguments fst={text} and snd={text}.")
             for value, text in FORMAT_INPUTS]


@pytest.mark.parametrize("source, call, document, expected", RECORDED)
def test_recorded_results(source: str, call: str, document: Any, expected: Any) -> None:
    frame = Frame(context={"StateMachine": {"Name": "nested-calls-last"}})
    assert parse(call).evaluate(document, frame) == expected


def test_the_docs_sha1_is_the_sha1() -> None:
    assert hashlib.sha1(b"input data").hexdigest() == "aaff4a450a104cd177d28d18d74485e8cae074b7"


FLOCI_MISSING = [
    ("States.Format('{}', $.nope)", {"other": 1},
     "The function 'States.Format('{}', $.nope)' had the following error: The JsonPath argument for the field "
     "'$.nope' could not be found in the input '{\"other\":1}'"),
    ("States.Format('{}', States.Format('{}', $.nope))", {"other": 1},
     "The function 'States.Format('{}', States.Format('{}', $.nope))' had the following error: The JsonPath "
     "argument for the field '$.nope' could not be found in the input '{\"other\":1}'"),
    ("States.Format('{}', $.items[5])", {"items": [1, 2]},
     "The function 'States.Format('{}', $.items[5])' had the following error: The JsonPath argument for the field "
     "'$.items[5]' could not be found in the input '{\"items\":[1,2]}'"),
]


@pytest.mark.parametrize("call, document, cause", FLOCI_MISSING)
def test_a_missing_argument_fails_with_the_recorded_cause(call: str, document: Any, cause: str) -> None:
    with pytest.raises(StatesError) as failure:
        parse(call).evaluate(document, Frame())
    assert (failure.value.error, failure.value.cause) == ("States.Runtime", cause)


def test_format_writes_objects_and_arrays_as_java_prints_them() -> None:
    # LocalStack's test_generic snapshots (recorded on AWS): {Arg1=1, Arg2=[]}
    call = parse("States.Format('{}', $.x)")
    assert call.evaluate({"x": {"Arg1": 1, "Arg2": []}}, Frame()) == "{Arg1=1, Arg2=[]}"
    assert call.evaluate({"x": [1, "a", True]}, Frame()) == "[1, a, true]"
    assert parse("States.Format('\\{\\} {}', 'x')").evaluate({}, Frame()) == "{} x"


def test_context_and_variables() -> None:
    frame = Frame(context={"Execution": {"Id": "arn:x"}}, variables={"v": {"n": 2}})
    assert parse("States.Array($$.Execution.Id, $v.n)").evaluate({}, frame) == ["arn:x", 2]


@pytest.mark.parametrize("call, document", [
    ("States.ArrayRange(1, 2000, 1)", {}),
    ("States.ArrayRange(1, 9, 0)", {}),
    ("States.ArrayPartition($.a, 0)", {"a": [1]}),
    ("States.ArrayGetItem($.a, 3)", {"a": [1]}),
    ("States.ArrayLength($.a)", {"a": "x"}),
    ("States.Base64Encode($.a)", {"a": "x" * 10_001}),
    ("States.Base64Decode('%%%')", {}),
    ("States.Hash('x', 'SHA-3')", {}),
    ("States.JsonMerge($.a, $.a, true)", {"a": {}}),
    ("States.StringToJson('{')", {}),
    ("States.Format('{} {}', 'x')", {}),
    ("States.Format('{}', 'x', 'y')", {}),
    ("States.MathAdd('a', 1)", {}),
    ("States.MathRandom(5, 5)", {}),
])
def test_functions_refuse_what_they_cannot_take(call: str, document: Any) -> None:
    with pytest.raises(StatesError) as failure:
        parse(call).evaluate(document, Frame())
    assert failure.value.error == "States.IntrinsicFailure"
    assert failure.value.cause.startswith(f"The function '{call}' had the following error: ")


def test_array_range_holds_up_to_1000_items() -> None:
    assert len(parse("States.ArrayRange(1, 1000, 1)").evaluate({}, Frame())) == 1000
    assert parse("States.ArrayRange(9, 1, -4)").evaluate({}, Frame()) == [9, 5, 1]


def test_math_add_rounds_half_up_like_java() -> None:
    assert parse("States.MathAdd(1.5, 0)").evaluate({}, Frame()) == 2
    assert parse("States.MathAdd(-1.5, 0)").evaluate({}, Frame()) == -1


def test_randomness_comes_from_the_caller() -> None:
    seeded = parse("States.MathRandom(1, 999, 42)")
    assert seeded.evaluate({}, Frame()) == seeded.evaluate({}, Frame(rng=random.Random(1)))
    unseeded = parse("States.MathRandom(1, 999)")
    assert unseeded.evaluate({}, Frame(rng=random.Random(3))) == unseeded.evaluate({}, Frame(rng=random.Random(3)))
    assert all(1 <= unseeded.evaluate({}, Frame(rng=random.Random(i))) < 999 for i in range(50))
    uuid = parse("States.UUID()").evaluate({}, Frame(rng=random.Random(5)))
    assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", uuid)
    assert uuid == parse("States.UUID()").evaluate({}, Frame(rng=random.Random(5)))


def test_array_unique_and_contains_use_json_equality() -> None:
    values = [None, None, True, True, False, 1, 1, 1.0, "1", [], [], {"a": 1}, {"a": 1}, 0, False]
    assert parse("States.ArrayUnique($)").evaluate(values, Frame()) == [None, True, False, 1, "1", [], {"a": 1}, 0]
    assert parse("States.ArrayContains($, 1)").evaluate([True], Frame()) is False


@pytest.mark.parametrize("text", [
    "States.Nope()", "States.Format(", "States.Format('x') extra", "States.ArrayLength()", "States.UUID(1)",
    "States.Format('x", "States.Array(" * 11 + ")" * 11,
])
def test_malformed_calls(text: str) -> None:
    with pytest.raises(IntrinsicSyntaxError):
        parse(text)


def test_nesting_up_to_ten() -> None:
    text = "States.Array(" * 10 + ")" * 10
    assert parse(text).evaluate({}, Frame()) == [[[[[[[[[[]]]]]]]]]]
