"""Target input: PutTargets validation and delivery-time rendering, from AWS's recorded behaviour."""

from __future__ import annotations

import json
import re
from datetime import datetime, timezone
from typing import Any

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from eventyard.core.errors import ServiceError, ValidationError
from eventyard.core.transform import (
    InvalidTransformedInput,
    TargetInput,
    envelope,
    parse_path,
    render_target_input,
    validate_target_input,
)
from eventyard.core.transform._jsonpath import MISSING

RULE_ARN = "arn:aws:events:us-east-1:111111111111:rule/bus-1/rule-1"
RULE = {"rule_name": "rule-1", "rule_arn": RULE_ARN, "ingestion_time": datetime(2024, 5, 13, 12, 27, 31, 250_000, tzinfo=timezone.utc)}

# The event of LocalStack's AWS-validated snapshots (test_events_inputs), extended as in the notes.
EVENT: dict[str, Any] = {
    "version": "0",
    "id": "7bf73129-1428-4cd3-a780-95db273d1602",
    "detail-type": "core.update-account-command",
    "source": "core.update-account-command",
    "account": "111111111111",
    "time": "2024-05-13T12:27:30Z",
    "region": "us-east-1",
    "resources": [],
    "detail": {
        "command": "update-account",
        "payload": {"acc_id": "0a787ecb-4015", "sf_id": "baz"},
        "listsingle": ["HIGH"],
        "listmulti": ["ACTIVE", "INACTIVE"],
        "valid": True,
        "count": 3,
        "ratio": 0.5,
        "nothing": None,
        "quote": 'say "hi"',
        "items": [{"n": 1}, {"n": 2}, {"m": 3}],
        "path/with": {"slash": "ok"},
    },
}

PATHS = {
    "detail-type": "$.detail-type",
    "timestamp": "$.time",
    "command": "$.detail.command",
    "payload": "$.detail.payload",
    "listsingle": "$.detail.listsingle",
    "listmulti": "$.detail.listmulti",
    "valid": "$.detail.valid",
    "count": "$.detail.count",
    "ratio": "$.detail.ratio",
    "nothing": "$.detail.nothing",
    "quote": "$.detail.quote",
    "missing": "$.detail.notinmessage",
    "first": "$.detail.listmulti[0]",
    "outofrange": "$.detail.listmulti[7]",
    "ns": "$.detail.items[*].n",
    "allitems": "$.detail.items[*]",
    "nomatch": "$.detail.payload[*].x",
    "slash": "$.detail.path/with.slash",
}


def transformer(template: str, paths: dict[str, str] | None = None, target_id: str = "t1") -> dict[str, Any]:
    return {"Id": target_id, "Arn": "arn:aws:sqs:us-east-1:111111111111:q", "InputTransformer": {"InputPathsMap": PATHS if paths is None else paths, "InputTemplate": template}}


def render(target: dict[str, Any], event: dict[str, Any] = EVENT) -> str:
    return render_target_input(target, event, **RULE)


# ---- delivery: a table of template -> delivered text ----------------------------------------

RENDERED = [
    # JSON templates ([V] unless noted)
    ('{"detailType": <detail-type>,  "time": <timestamp>, "command": <command>}',
     '{"detailType":"core.update-account-command","time":"2024-05-13T12:27:30Z","command":"update-account"}'),
    ('{"id": <command>}', '{"id":"update-account"}'),
    ('{"id": "<command>"}', '{"id":"update-account"}'),
    ('{"url": "https://x/users/<command>/p"}', '{"url":"https://x/users/update-account/p"}'),
    ('{"bod": <payload>}', '{"bod":{"acc_id":"0a787ecb-4015","sf_id":"baz"}}'),
    ('{"x": <listsingle>, "y": <listmulti>}', '{"x":["HIGH"],"y":["ACTIVE","INACTIVE"]}'),
    ('{"v": <valid>, "c": <count>, "r": <ratio>, "n": <nothing>}', '{"v":true,"c":3,"r":0.5,"n":null}'),
    ('{"s": "<valid>/<count>/<nothing>"}', '{"s":"true/3/null"}'),
    ('{"command": <missing>}', '{"command":""}'),
    ('{"command": "a<missing>b"}', '{"command":"ab"}'),
    ('{"f": <first>, "o": <outofrange>}', '{"f":"ACTIVE","o":""}'),
    ('{"ns": <ns>, "all": <allitems>, "none": <nomatch>}', '{"ns":[1,2],"all":[{"n":1},{"n":2},{"m":3}],"none":[]}'),
    ('{"s": <slash>}', '{"s":"ok"}'),
    ('{"quoted": <quote>}', '{"quoted":"say \\"hi\\""}'),
    ('{"state": [ 9, <command>, true ],\n  "Transformed" : "Yes"\n}', '{"state":[9,"update-account",true],"Transformed":"Yes"}'),
    ('  {"keep": "spaces  inside strings", "esc": "a\\"<command>\\"b"}',
     '{"keep":"spaces  inside strings","esc":"a\\"update-account\\"b"}'),
    ('{"ruleArn": <aws.events.rule-arn>, "ruleName": "<aws.events.rule-name>", "at": <aws.events.event.ingestion-time>}',
     '{"ruleArn":"' + RULE_ARN + '","ruleName":"rule-1","at":"2024-05-13T12:27:31Z"}'),
    # string templates: verbatim, quotes kept
    ('"Event of <detail-type> type, at time <timestamp>, info extracted from detail <command>"',
     '"Event of core.update-account-command type, at time 2024-05-13T12:27:30Z, info extracted from detail update-account"'),
    ('"Event of <detail-type> type, info extracted from detail <missing>"',
     '"Event of core.update-account-command type, info extracted from detail "'),
    ('"{[/Check with special starting characters for event of <detail-type> type"',
     '"{[/Check with special starting characters for event of core.update-account-command type"'),
    ('"Payload of <payload>"', '"Payload of {acc_id:0a787ecb-4015,sf_id:baz}"'),
    ('"<listsingle> <listmulti> <valid> <count> <nothing> <ns>"', '"[HIGH] [ACTIVE,INACTIVE] true 3 null [1,2]"'),
    ('"instance \\"<command>\\" is in <first>"', '"instance \\"update-account\\" is in ACTIVE"'),
    ('"Message containing all pre defined variables <aws.events.rule-arn> <aws.events.rule-name> <aws.events.event.ingestion-time>"',
     '"Message containing all pre defined variables ' + RULE_ARN + ' rule-1 2024-05-13T12:27:31Z"'),
    ("line one <command>\nline two", "line one update-account\nline two"),
    ("[<command>]", "[update-account]"),
    ("no placeholders at all", "no placeholders at all"),
]


@pytest.mark.parametrize(("template", "delivered"), RENDERED, ids=[r[0][:60] for r in RENDERED])
def test_template_rendering(template: str, delivered: str) -> None:
    assert render(transformer(template)) == delivered


NOT_DELIVERED = [
    '{"payload": "<payload>"}',  # [V] object inside quotes: invalid JSON, silently not delivered
    '{"x": "<listsingle>"}',  # [V]
    '{"quoted": "<quote>"}',  # raw interpolation of a value holding quotes
    '{"a": <command> <command>}',
    '{"unfinished": ',
    '{"n": NaN}',
]


@pytest.mark.parametrize("template", NOT_DELIVERED)
def test_transformations_that_produce_invalid_json_are_not_delivered(template: str) -> None:
    with pytest.raises(InvalidTransformedInput):
        render(transformer(template))


def test_aws_events_event_is_the_envelope_without_detail() -> None:
    out = json.loads(render(transformer('{"originalEvent": <aws.events.event>, "originalEventJson": <aws.events.event.json>}', {})))
    # [V] keys in AWS's recorded order, detail dropped, detail-type renamed
    assert list(out["originalEvent"].items()) == [
        ("id", EVENT["id"]),
        ("account", "111111111111"),
        ("detailType", "core.update-account-command"),
        ("time", "2024-05-13T12:27:30Z"),
        ("source", "core.update-account-command"),
        ("region", "us-east-1"),
        ("resources", []),
        ("version", "0"),
    ]
    assert out["originalEventJson"] == EVENT
    assert list(out["originalEventJson"]) == list(EVENT)


def test_envelope_keeps_extra_top_level_fields_after_the_recorded_ones() -> None:
    event = {**EVENT, "replay-name": "r1"}
    assert list(envelope(event))[-1] == "replay-name"
    assert "detail" not in envelope(event)


def test_no_transformation_delivers_the_whole_event() -> None:
    out = render({"Id": "t1", "Arn": "a"})
    assert json.loads(out) == EVENT and list(json.loads(out)) == list(EVENT)


def test_input_is_delivered_as_given() -> None:
    text = '{"custom-value": "somecustominput",  "n": 1}'
    assert render({"Id": "t1", "Input": text}) == text


INPUT_PATHS = [
    ("$.detail", json.dumps(EVENT["detail"], separators=(",", ":"))),
    ("$.detail.payload", '{"acc_id":"0a787ecb-4015","sf_id":"baz"}'),
    ("$.detail.payload.sf_id", '"baz"'),  # [V] a string keeps its quotes
    ("$.detail.count", "3"),
    ("$.detail.listmulti[1]", '"INACTIVE"'),
    ("$.detail.items[*].n", "[1,2]"),
    ("$.detail.payload.*", '["0a787ecb-4015","baz"]'),
    ("$", json.dumps(EVENT, separators=(",", ":"))),
]


@pytest.mark.parametrize(("path", "delivered"), INPUT_PATHS)
def test_input_path_delivers_the_selected_node_as_json(path: str, delivered: str) -> None:
    assert render({"Id": "t1", "InputPath": path}) == delivered


def test_input_path_matching_nothing_is_not_delivered() -> None:
    with pytest.raises(InvalidTransformedInput):
        render({"Id": "t1", "InputPath": "$.detail.nope"})


def test_compiled_target_renders_many_events() -> None:
    compiled = TargetInput.compile(transformer('{"c": <command>}'))
    for command in ("a", "b"):
        event = {**EVENT, "detail": {**EVENT["detail"], "command": command}}
        assert compiled.render(event, **RULE) == '{"c":"%s"}' % command


# ---- PutTargets validation --------------------------------------------------------------------

REFUSED = [
    ({"Id": "t1", "InputPath": "$.detail", "InputTransformer": {"InputTemplate": '"x"'}},
     "Only one of Input, InputPath, or InputTransformer must be provided for target t1."),
    ({"Id": "t1", "Input": "{}", "InputPath": "$.detail"},
     "Only one of Input, InputPath, or InputTransformer must be provided for target t1."),
    ({"Id": "t1", "Input": "{}", "InputTransformer": {"InputTemplate": '"x"'}},
     "Only one of Input, InputPath, or InputTransformer must be provided for target t1."),
    ({"Id": "t1", "Input": "{not json"}, "Input for target t1 is not a valid JSON text."),
    ({"Id": "t1", "Input": ""}, "Input for target t1 is not a valid JSON text."),
    ({"Id": "t1", "Input": "NaN"}, "Input for target t1 is not a valid JSON text."),
    ({"Id": "t1", "InputPath": "detail.x"}, "InputPath for target t1 is invalid."),
    ({"Id": "t1", "InputPath": "$.detail['key']"}, "InputPath for target t1 is invalid."),
    ({"Id": "t1", "InputPath": "$..detail"}, "InputPath for target t1 is invalid."),
    ({"Id": "t1", "InputPath": "$.detail."}, "InputPath for target t1 is invalid."),
    ({"Id": "t1", "InputPath": "$.detail[a]"}, "InputPath for target t1 is invalid."),
    ({"Id": "t1", "InputPath": "$.detail[?(@.x)]"}, "InputPath for target t1 is invalid."),
    (transformer('"<a>"', {"a": "detail.x"}), "InputPath for target t1 is invalid."),
    (transformer('"<a>"', {"a": '$.detail["x"]'}), "InputPath for target t1 is invalid."),
    # [V]
    (transformer('"Event of <detail-type> type, with not defined key <notdefinedkey>"', {"detail-type": "$.detail-type"}),
     "InputTemplate for target t1 contains invalid placeholder notdefinedkey."),
    (transformer('{"a": <aws.events.rule>}', {}), "InputTemplate for target t1 contains invalid placeholder aws.events.rule."),
    (transformer('"<a b>"', {"a": "$.x"}), "InputTemplate for target t1 contains invalid placeholder a b."),
    # [M] the unescaped event placeholders only in a JSON (object) template
    (transformer('"<aws.events.event.json>"', {}),
     "InputTemplate for target t1 contains placeholder aws.events.event.json valid only for JSON template."),
    (transformer("[<aws.events.event.json>]", {}),
     "InputTemplate for target t1 contains placeholder aws.events.event.json valid only for JSON template."),
    (transformer('"event <aws.events.event>"', {}),
     "InputTemplate for target t1 contains placeholder aws.events.event valid only for JSON template."),
    # [?] reserved or malformed keys
    (transformer('"<AWSx>"', {"AWSx": "$.x"}), "InputPathsMap for target t1 contains invalid key AWSx."),
    (transformer('"<a.b>"', {"a.b": "$.x"}), "InputPathsMap for target t1 contains invalid key a.b."),
]


@pytest.mark.parametrize(("target", "message"), REFUSED, ids=[m for _, m in REFUSED])
def test_put_targets_validation(target: dict[str, Any], message: str) -> None:
    with pytest.raises(ServiceError) as caught:
        validate_target_input(target)
    assert (caught.value.code, caught.value.message) == ("ValidationException", message)


ACCEPTED = [
    {"Id": "t1"},
    {"Id": "t1", "Input": '"just a string"'},
    {"Id": "t1", "Input": "[1, 2]"},
    {"Id": "t1", "InputPath": "$"},
    {"Id": "t1", "InputPath": "$.detail.a[0].b"},
    {"Id": "t1", "InputPath": "$.detail.*"},
    {"Id": "t1", "InputPath": "$.detail.some-key_1/x"},
    {"Id": "t1", "Input": None, "InputPath": "$.detail"},
    transformer('{"e": <aws.events.event.json>, "f": <aws.events.event>}', {}),
    transformer('"<aws.events.rule-arn> <aws.events.rule-name> <aws.events.event.ingestion-time>"', {}),
    transformer('"uses nothing"', {"unused": "$.detail"}),
    transformer("<a>", {"a": "$.detail"}),
    transformer('"<aws-key>"', {"aws-key": "$.x", "awsRegion": "$.region"}),
]


@pytest.mark.parametrize("target", ACCEPTED)
def test_put_targets_accepts(target: dict[str, Any]) -> None:
    validate_target_input(target)


def test_too_many_paths_is_a_shape_error_naming_the_target() -> None:
    paths = {f"k{i}": "$.detail" for i in range(101)}
    with pytest.raises(ValidationError) as caught:
        validate_target_input(transformer('"x"', paths), index=3)
    assert "at 'targets.3.member.inputTransformer.inputPathsMap'" in caught.value.message
    assert caught.value.message.endswith("Member must have length less than or equal to 100")
    validate_target_input(transformer('"x"', {f"k{i}": "$.detail" for i in range(100)}))


def test_missing_template_is_a_shape_error() -> None:
    with pytest.raises(ValidationError):
        validate_target_input({"Id": "t1", "InputTransformer": {"InputPathsMap": {}}})


# ---- properties ---------------------------------------------------------------------------------

json_leaf = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**53), 2**53), st.floats(allow_nan=False, allow_infinity=False),
    st.text(st.characters(blacklist_characters="<>"), max_size=12),
)
json_values = st.recursive(
    json_leaf,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(st.characters(blacklist_characters="<>"), max_size=6), inner, max_size=4),
    max_leaves=12,
)


@given(st.dictionaries(st.text(st.characters(blacklist_characters="<>"), max_size=6), json_values, max_size=5),
       st.integers(0, 4), st.sampled_from([" ", "\n", "\t", "  \n "]))
def test_json_template_without_placeholders_is_delivered_unchanged_but_minified(
    doc: dict[str, Any], indent: int, blank: str
) -> None:
    template = json.dumps(doc, indent=indent or None, ensure_ascii=False).replace("\n", "\n" + blank)
    out = render(transformer(blank + template, {}))
    assert json.loads(out) == json.loads(template)
    # minified: no blanks outside string literals
    assert not re.search(r"[ \t\n\r]", re.sub(r'"(?:[^"\\]|\\.)*"', "", out))


@given(json_values)
def test_unquoted_placeholder_delivers_the_value_as_json(value: Any) -> None:
    event = {**EVENT, "detail": {"v": value}}
    out = render(transformer('{"v": <v>}', {"v": "$.detail.v"}), event)
    assert json.loads(out) == {"v": value}


@given(st.text(st.characters(blacklist_characters='<>"\\', blacklist_categories=("Cc", "Cs")), max_size=20))
def test_values_inside_json_strings_are_interpolated_raw(value: str) -> None:
    event = {**EVENT, "detail": {"v": value}}
    out = render(transformer('{"s": "[<v>]"}', {"v": "$.detail.v"}), event)
    assert json.loads(out) == {"s": f"[{value}]"}


@given(st.lists(st.text(st.characters(blacklist_characters="<>{"), max_size=8), min_size=1, max_size=4),
       st.lists(st.text(st.characters(blacklist_characters="<>"), max_size=8), min_size=1, max_size=4))
def test_string_templates_are_plain_substitution(literals: list[str], values: list[str]) -> None:
    names = [f"k{i}" for i in range(len(values))]
    template = "".join(lit + f"<{names[i % len(names)]}>" for i, lit in enumerate(literals))
    event = {**EVENT, "detail": dict(zip(names, values, strict=True))}
    paths = {n: f"$.detail.{n}" for n in names}
    expected = "".join(lit + values[i % len(values)] for i, lit in enumerate(literals))
    assume(not template.lstrip(" \t\r\n").startswith("{"))  # that would be a JSON template
    assert render(transformer(template, paths), event) == expected


# JSONPath against a reference walk: pick a random route into a random document.
@st.composite
def document_and_route(draw: st.DrawFn) -> tuple[Any, list[str | int], Any]:
    doc = draw(st.dictionaries(st.from_regex(r"[A-Za-z0-9_\-]{1,5}", fullmatch=True), json_values, min_size=1, max_size=4))
    route: list[str | int] = []
    node: Any = doc
    while True:
        if isinstance(node, dict) and node and draw(st.booleans()):
            key = draw(st.sampled_from(sorted(node)))
            if not re.fullmatch(r"[A-Za-z0-9_\-]+", key):
                break
            route.append(key)
            node = node[key]
        elif isinstance(node, list) and node and draw(st.booleans()):
            i = draw(st.integers(0, len(node) - 1))
            route.append(i)
            node = node[i]
        else:
            break
    return doc, route, node


@given(document_and_route())
def test_jsonpath_selects_the_node_at_the_route(case: tuple[Any, list[str | int], Any]) -> None:
    doc, route, node = case
    text = "$" + "".join(f"[{s}]" if isinstance(s, int) else f".{s}" for s in route)
    path = parse_path(text)
    assert path is not None and path.definite
    assert path.select(doc) == node
    # one more step that does not exist reaches nothing
    assert parse_path(text + ".definitely-not-there").select(doc) is MISSING  # type: ignore[union-attr]
