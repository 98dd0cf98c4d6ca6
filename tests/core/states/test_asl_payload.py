"""JSONPath data flow, from AWS's input/output pages (InputPath, Parameters, ResultPath,
OutputPath examples) and the causes AWS writes when a path reaches nothing."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from eventyard.core.states.errors import StatesError
from eventyard.core.states.jsonpath import parse
from eventyard.core.states.payload import compact
from eventyard.core.states.payload import (
    MAX_PAYLOAD_BYTES,
    UNSET,
    Scope,
    Template,
    TemplateError,
    apply_input_path,
    apply_result_path,
    check_payload,
    parse_reference,
)

# The ResultPath page's input and the "Hello, AWS Step Functions!" result.
RESULTPATH_INPUT = {"comment": "This is a test of the input and output of a Task state.",
                    "details": "Default example", "who": "AWS Step Functions"}
HELLO = "Hello, AWS Step Functions!"


def test_resultpath_page_examples() -> None:
    assert apply_result_path(UNSET, RESULTPATH_INPUT, HELLO) == HELLO
    assert apply_result_path(parse_reference("$"), RESULTPATH_INPUT, HELLO) == HELLO
    assert apply_result_path(None, RESULTPATH_INPUT, HELLO) == RESULTPATH_INPUT
    assert apply_result_path(parse_reference("$.taskresult"), RESULTPATH_INPUT, HELLO) == {
        **RESULTPATH_INPUT, "taskresult": HELLO}
    nested = {"comment": "An input comment.", "data": {"val1": 23, "val2": 17}, "extra": "foo",
              "lambda": {"who": "AWS Step Functions"}}
    assert apply_result_path(parse_reference("$.data.lambdaresult"), nested, HELLO) == {
        "comment": "An input comment.", "data": {"val1": 23, "val2": 17, "lambdaresult": HELLO}, "extra": "foo",
        "lambda": {"who": "AWS Step Functions"}}


def test_resultpath_keeps_key_order_and_replaces_in_place() -> None:
    result = apply_result_path(parse_reference("$.b"), {"a": 1, "b": 2, "c": 3}, 9)
    assert list(result.items()) == [("a", 1), ("b", 9), ("c", 3)]


def test_resultpath_into_a_non_object_fails_with_result_path_match_failure() -> None:
    with pytest.raises(StatesError) as failure:
        apply_result_path(parse_reference("$.x"), "a string", 1)
    assert failure.value.error == "States.ResultPathMatchFailure"


def test_inputpath_page_example() -> None:
    document = {"comment": "Example for InputPath.", "dataset1": {"val1": 1, "val2": 2, "val3": 3},
                "dataset2": {"val1": "a", "val2": "b", "val3": "c"}}
    assert apply_input_path(parse("$.dataset2"), document, Scope()) == {"val1": "a", "val2": "b", "val3": "c"}
    assert apply_input_path(None, document, Scope()) == {}
    assert apply_input_path(UNSET, document, Scope()) is document


def test_inputpath_that_reaches_nothing() -> None:
    with pytest.raises(StatesError) as failure:
        apply_input_path(parse("$.a.b[0]"), {}, Scope())
    assert failure.value == StatesError("States.Runtime", "Invalid path '$.a.b[0]' : No results for path: "
                                                          "$['a']['b'][0]")


def test_parameters_page_example() -> None:
    # Parameters: {"comment": "Selecting what I care about.", "MyDetails": {"size.$": "$.product.details.size",
    # "exists.$": "$.product.availability", "StaticValue": "foo"}}
    template = Template.compile({"comment": "Selecting what I care about.",
                                 "MyDetails": {"size.$": "$.product.details.size",
                                               "exists.$": "$.product.availability", "StaticValue": "foo"}})
    document = {"comment": "Example for Parameters.",
                "product": {"details": {"color": "blue", "size": "small", "material": "cotton"},
                            "availability": "in stock", "sku": "2317", "cost": "$23"}}
    assert template.evaluate(document, Scope()) == {"comment": "Selecting what I care about.",
                                                   "MyDetails": {"size": "small", "exists": "in stock",
                                                                 "StaticValue": "foo"}}


# Causes AWS wrote (execution histories quoted in public material).
MISSING_FIELD_CAUSES = [
    ({"JobName.$": "$.JobName"}, {},
     "The JSONPath '$.JobName' specified for the field 'JobName.$' could not be found in the input '{}'"),
    ({"address.$": "$.application.address"}, {"flagged": False},
     "The JSONPath '$.application.address' specified for the field 'address.$' could not be found in the input "
     "'{\"flagged\":false}'"),
    ({"m.$": "$.nope"}, {"x": "a"},
     "The JSONPath '$.nope' specified for the field 'm.$' could not be found in the input '{\"x\":\"a\"}'"),
]


@pytest.mark.parametrize("parameters, document, cause", MISSING_FIELD_CAUSES)
def test_a_missing_field_fails_with_aws_words(parameters: dict[str, Any], document: Any, cause: str) -> None:
    with pytest.raises(StatesError) as failure:
        Template.compile(parameters).evaluate(document, Scope())
    assert (failure.value.error, failure.value.cause) == ("States.Runtime", cause)


def test_the_raw_input_is_quoted_when_known() -> None:
    with pytest.raises(StatesError) as failure:
        document: dict[str, Any] = {"a": 1}
        Template.compile({"b.$": "$.value"}).evaluate(document, Scope(raw_input='{\n  "a": 1\n}', raw_of=document))
    assert failure.value.cause.endswith("could not be found in the input '{\n  \"a\": 1\n}'")


def test_template_output_follows_the_definition_order() -> None:
    template = Template.compile({"z": 1, "a.$": "$.a", "m": {"y.$": "$.a", "b": 2}, "c.$": "States.Array(1)"})
    value = template.evaluate({"a": 5}, Scope())
    assert list(value) == ["z", "a", "m", "c"]
    assert list(value["m"]) == ["y", "b"]


def test_template_reads_context_variables_and_indefinite_paths() -> None:
    scope = Scope(context={"Execution": {"Id": "arn:e"}}, variables={"v": [1, 2]})
    template = Template.compile({"id.$": "$$.Execution.Id", "v.$": "$v", "names.$": "$.xs[*].n",
                                 "list": [{"x.$": "$.xs[0].n"}]})
    assert template.evaluate({"xs": [{"n": "a"}, {"n": "b"}]}, scope) == {
        "id": "arn:e", "v": [1, 2], "names": ["a", "b"], "list": [{"x": "a"}]}


@pytest.mark.parametrize("template", [
    {"x.$": "nope"}, {"x.$": 1}, {"x.$": "States.Nope()"}, {"a": {"x.$": "$["}},
])
def test_invalid_templates(template: dict[str, Any]) -> None:
    with pytest.raises(TemplateError) as failure:
        Template.compile(template)
    key = next(k for k in str(template).split("'") if k.endswith(".$"))
    assert failure.value.message == (f"The value for the field '{key}' must be a valid JSONPath or a valid intrinsic "
                                     "function call")


def test_payload_limit() -> None:
    check_payload("x" * (MAX_PAYLOAD_BYTES - 2), "S")
    with pytest.raises(StatesError) as failure:
        check_payload("x" * (MAX_PAYLOAD_BYTES - 1), "S")
    assert failure.value.error == "States.DataLimitExceeded"


# -- compact: orjson's speed, the stdlib's text -------------------------------------------
_JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-2**80, max_value=2**80)
    | st.floats(allow_nan=True, allow_infinity=True) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=4),
    max_leaves=20)


@settings(max_examples=400, deadline=None)
@given(_JSON_VALUES)
def test_compact_writes_what_the_stdlib_writes(value: object) -> None:
    assert compact(value) == json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def test_compact_takes_the_slow_path_only_where_texts_could_differ() -> None:
    for value in ({"id": "3e4f-1e5"}, {"n": 1e-05, "big": [1e20, -0.00001]}, [float("inf"), None], 2**70):
        assert compact(value) == json.dumps(value, separators=(",", ":"), ensure_ascii=False)
