"""Every wire feature the protocols support, on small made-up services.

The real models leave parts of each protocol unused (non-finite doubles, timestamp
formats, flattened and renamed query members, rest-json headers, query-string maps,
payloads, status codes). The same botocore round trips as the per-service tests run here
on one synthetic service per protocol, so those code paths are held to botocore too.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest
from botocore.model import OperationModel, ServiceModel, Shape
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import _shapes_strategies as shapes

from eventyard.api import json_protocol, query_protocol, rest_json_protocol

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

_HEADER_TEXT = "[!-~]([ -~]*[!-~])?"  # what an HTTP header value can carry unchanged

_COMMON: dict[str, Any] = {
    "Str": {"type": "string"},
    "Int": {"type": "integer"},
    "Long": {"type": "long"},
    "Flt": {"type": "float"},
    "Dbl": {"type": "double"},
    "Bool": {"type": "boolean"},
    "Ts": {"type": "timestamp"},
    "TsIso": {"type": "timestamp", "timestampFormat": "iso8601"},
    "TsEpoch": {"type": "timestamp", "timestampFormat": "unixTimestamp"},
    "Blob": {"type": "blob"},
    "Kind": {"type": "string", "enum": ["ONE", "TWO"]},
    "StrList": {"type": "list", "member": {"shape": "Str"}},
    "StrMap": {"type": "map", "key": {"shape": "Str"}, "value": {"shape": "Str"}},
    "ListMap": {"type": "map", "key": {"shape": "Str"}, "value": {"shape": "StrList"}},
    "InnerList": {"type": "list", "member": {"shape": "Inner"}},
    "Inner": {
        "type": "structure",
        "required": ["Name"],
        "members": {
            "Name": {"shape": "Str"},
            "Nested": {"shape": "Inner"},
            "Values": {"shape": "StrList"},
            "When": {"shape": "Ts"},
            "Size": {"shape": "Long"},
        },
    },
    "Everything": {
        "type": "structure",
        "members": {
            "Str": {"shape": "Str"},
            "Int": {"shape": "Int"},
            "Long": {"shape": "Long"},
            "Flt": {"shape": "Flt"},
            "Dbl": {"shape": "Dbl"},
            "Bool": {"shape": "Bool"},
            "Ts": {"shape": "Ts"},
            "TsIso": {"shape": "TsIso"},
            "TsEpoch": {"shape": "TsEpoch"},
            "Blob": {"shape": "Blob"},
            "Kind": {"shape": "Kind"},
            "StrList": {"shape": "StrList"},
            "StrMap": {"shape": "StrMap"},
            "ListMap": {"shape": "ListMap"},
            "Inners": {"shape": "InnerList"},
            "Inner": {"shape": "Inner"},
        },
    },
}


def _model(name: str, metadata: dict[str, Any], operations: dict[str, Any], extra: dict[str, Any]) -> ServiceModel:
    return ServiceModel(
        {
            "version": "2.0",
            "metadata": {"apiVersion": "2020-01-01", "endpointPrefix": name, "signatureVersion": "v4", **metadata},
            "operations": {
                op_name: {"name": op_name, "http": {"method": "POST", "requestUri": "/"}, **op}
                for op_name, op in operations.items()
            },
            "shapes": {**copy.deepcopy(_COMMON), **extra},
        },
        name,
    )


JSON_MODEL = _model(
    "kitchen",
    {"protocol": "json", "jsonVersion": "1.1", "targetPrefix": "Kitchen_20200101"},
    {"Cook": {"input": {"shape": "Everything"}, "output": {"shape": "Everything"}}},
    {},
)

_STOCK_MEMBERS: dict[str, Any] = {
    **_COMMON["Everything"]["members"],
    "Flat": {"shape": "FlatList"},
    "FlatMap": {"shape": "FlatMap", "locationName": "Pair"},
    "Named": {"shape": "NamedMap", "locationName": "Attribute"},
    "Entries": {"shape": "NamedList"},
    "Renamed": {"shape": "Str", "locationName": "OtherName"},
}

QUERY_MODEL = _model(
    "pantry",
    {"protocol": "query", "xmlNamespace": "https://pantry.example/doc/2020-01-01/"},
    {"Stock": {"input": {"shape": "StockInput"}, "output": {"shape": "StockOutput", "resultWrapper": "StockResult"}}},
    {
        "FlatList": {"type": "list", "member": {"shape": "Str", "locationName": "Item"}, "flattened": True},
        "FlatMap": {
            "type": "map",
            "key": {"shape": "Str", "locationName": "K"},
            "value": {"shape": "Inner", "locationName": "V"},
            "flattened": True,
        },
        "NamedMap": {
            "type": "map",
            "key": {"shape": "Str", "locationName": "Name"},
            "value": {"shape": "Str", "locationName": "Value"},
        },
        "NamedList": {"type": "list", "member": {"shape": "Inner", "locationName": "Entry"}},
        "StockInput": {"type": "structure", "members": copy.deepcopy(_STOCK_MEMBERS)},
        "StockOutput": {"type": "structure", "members": copy.deepcopy(_STOCK_MEMBERS)},
    },
)


def _rest(method: str, uri: str, code: int = 200, **op: Any) -> dict[str, Any]:
    return {"http": {"method": method, "requestUri": uri, "responseCode": code}, **op}


REST_MODEL = _model(
    "cellar",
    {"protocol": "rest-json"},
    {
        "PutThing": _rest("POST", "/things/{Name}/{Path+}", input={"shape": "PutThingInput"}),
        "GetThing": _rest("GET", "/things/{Name}", input={"shape": "GetThingInput"}, output={"shape": "ThingOutput"}),
        "ListThings": _rest("GET", "/things", input={"shape": "ListThingsInput"}, output={"shape": "ListThingsOutput"}),
        "PutBlob": _rest("PUT", "/blobs/{Name}", 201, input={"shape": "BlobInput"}, output={"shape": "BlobOutput"}),
        "PutDoc": _rest("PUT", "/docs/{Name}?replace", input={"shape": "DocInput"}, output={"shape": "DocOutput"}),
    },
    {
        "HeaderText": {"type": "string", "pattern": _HEADER_TEXT},
        "HeaderList": {"type": "list", "member": {"shape": "HeaderText"}},
        "TsList": {"type": "list", "member": {"shape": "Ts"}},
        # botocore's parser splits list headers on every comma and never unquotes, so what
        # it reads back holds neither commas nor quotes (eventyard quotes them, as Smithy says)
        "PlainHeaderText": {"type": "string", "pattern": "[!#-+\\--~]([ !#-+\\--~]*[!#-+\\--~])?"},
        "PlainHeaderList": {"type": "list", "member": {"shape": "PlainHeaderText"}},
        "JsonText": {"type": "string", "jsonvalue": True},
        "MetaKey": {"type": "string", "pattern": "[a-z][a-z0-9-]{0,8}"},
        "MetaMap": {"type": "map", "key": {"shape": "MetaKey"}, "value": {"shape": "HeaderText"}},
        "ParamKey": {"type": "string", "pattern": "p[a-z]{1,5}"},
        "ParamMap": {"type": "map", "key": {"shape": "ParamKey"}, "value": {"shape": "Str"}},
        "Label": {"type": "string", "min": 1},
        "Status": {"type": "integer", "min": 200, "max": 299},
        "PutThingInput": {
            "type": "structure",
            "required": ["Name", "Path"],
            "members": {
                "Name": {"shape": "Label", "location": "uri", "locationName": "Name"},
                "Path": {"shape": "Label", "location": "uri", "locationName": "Path"},
                "QStr": {"shape": "Str", "location": "querystring", "locationName": "q-str"},
                "QInt": {"shape": "Int", "location": "querystring", "locationName": "q-int"},
                "QDbl": {"shape": "Dbl", "location": "querystring", "locationName": "q-dbl"},
                "QBool": {"shape": "Bool", "location": "querystring", "locationName": "q-bool"},
                "QTs": {"shape": "Ts", "location": "querystring", "locationName": "q-ts"},
                "QTsEpoch": {"shape": "TsEpoch", "location": "querystring", "locationName": "q-ts-epoch"},
                "QList": {"shape": "StrList", "location": "querystring", "locationName": "q-list"},
                "QMap": {"shape": "ParamMap", "location": "querystring"},
                "HStr": {"shape": "HeaderText", "location": "header", "locationName": "x-h-str"},
                "HInt": {"shape": "Int", "location": "header", "locationName": "x-h-int"},
                "HBool": {"shape": "Bool", "location": "header", "locationName": "x-h-bool"},
                "HTs": {"shape": "Ts", "location": "header", "locationName": "x-h-ts"},
                "HTsIso": {"shape": "TsIso", "location": "header", "locationName": "x-h-ts-iso"},
                "HList": {"shape": "HeaderList", "location": "header", "locationName": "x-h-list"},
                "HTsList": {"shape": "TsList", "location": "header", "locationName": "x-h-ts-list"},
                "HJson": {"shape": "JsonText", "location": "header", "locationName": "x-h-json"},
                "HMap": {"shape": "MetaMap", "location": "headers", "locationName": "x-meta-"},
                **copy.deepcopy(_COMMON["Everything"]["members"]),
            },
        },
        "GetThingInput": {
            "type": "structure",
            "required": ["Name"],
            "members": {
                "Name": {"shape": "Label", "location": "uri", "locationName": "Name"},
                "Version": {"shape": "Long", "location": "querystring", "locationName": "version"},
            },
        },
        "ThingOutput": {
            "type": "structure",
            "members": {
                "Status": {"shape": "Status", "location": "statusCode"},
                "HStr": {"shape": "HeaderText", "location": "header", "locationName": "x-h-str"},
                "HInt": {"shape": "Int", "location": "header", "locationName": "x-h-int"},
                "HLong": {"shape": "Long", "location": "header", "locationName": "x-h-long"},
                "HDbl": {"shape": "Dbl", "location": "header", "locationName": "x-h-dbl"},
                "HBool": {"shape": "Bool", "location": "header", "locationName": "x-h-bool"},
                "HTs": {"shape": "Ts", "location": "header", "locationName": "x-h-ts"},
                "HList": {"shape": "PlainHeaderList", "location": "header", "locationName": "x-h-list"},
                "HJson": {"shape": "JsonText", "location": "header", "locationName": "x-h-json"},
                "HMap": {"shape": "MetaMap", "location": "headers", "locationName": "x-meta-"},
                **copy.deepcopy(_COMMON["Everything"]["members"]),
            },
        },
        "ListThingsInput": {
            "type": "structure",
            "members": {
                "Prefix": {"shape": "Str", "location": "querystring", "locationName": "prefix"},
                "Kinds": {"shape": "StrList", "location": "querystring", "locationName": "kind"},
                "Since": {"shape": "TsIso", "location": "querystring", "locationName": "since"},
            },
        },
        "ListThingsOutput": {
            "type": "structure",
            "members": {"Things": {"shape": "InnerList"}, "NextToken": {"shape": "Str"}},
        },
        "Payload": {"type": "blob"},
        "BlobInput": {
            "type": "structure",
            "required": ["Name"],
            "members": {
                "Name": {"shape": "Label", "location": "uri", "locationName": "Name"},
                "Data": {"shape": "Payload"},
            },
            "payload": "Data",
        },
        "BlobOutput": {
            "type": "structure",
            "required": ["Data"],  # botocore reads a payload member from any body, even none
            "members": {
                "Data": {"shape": "Payload", "streaming": True},
                "Etag": {"shape": "HeaderText", "location": "header", "locationName": "ETag"},
            },
            "payload": "Data",
        },
        "DocInput": {
            "type": "structure",
            "required": ["Name"],
            "members": {
                "Name": {"shape": "Label", "location": "uri", "locationName": "Name"},
                "Doc": {"shape": "Inner"},
            },
            "payload": "Doc",
        },
        "DocOutput": {
            "type": "structure",
            "required": ["Doc"],  # as for BlobOutput: botocore fills in a payload structure from no body
            "members": {"Doc": {"shape": "Inner"}},
            "payload": "Doc",
        },
    },
)


def _query_unsent(value: Any, shape: Shape) -> bool:
    return shape.type_name in ("map", "structure") and value == {}


def _xml_unsent(value: Any, shape: Shape) -> bool:
    return shape.type_name in ("list", "map") and not value and bool(shape.serialization.get("flattened"))


def _rest_unsent(value: Any, shape: Shape) -> bool:
    # No key at all for an empty query-string list or map, no header for an empty list,
    # and an empty blob payload is an empty body: the same as none.
    location = shape.serialization.get("location")
    if location in ("querystring", "header", "headers") and value in ([], {}):
        return True
    return shape.name == "Payload" and value == b""


def _op(model: ServiceModel, name: str) -> OperationModel:
    return model.operation_model(name)


# -- JSON ------------------------------------------------------------------------------
@SETTINGS
@given(data=st.data())
def test_json_request(data: st.DataObject) -> None:
    op = _op(JSON_MODEL, "Cook")
    params = data.draw(shapes.values(op.input_shape))
    parsed = json_protocol.parse(shapes.botocore_request("json", op, params), op)
    shapes.assert_same(parsed, params, op.input_shape)


@SETTINGS
@given(data=st.data())
def test_json_response(data: st.DataObject) -> None:
    op = _op(JSON_MODEL, "Cook")
    result = data.draw(shapes.values(op.output_shape))
    parsed = shapes.botocore_parse("json", op.output_shape, json_protocol.serialize(result, op, "r"))
    shapes.assert_same(parsed, result, op.output_shape)


# -- query -----------------------------------------------------------------------------
@SETTINGS
@given(data=st.data())
def test_query_request(data: st.DataObject) -> None:
    op = _op(QUERY_MODEL, "Stock")
    params = data.draw(shapes.values(op.input_shape))
    request = shapes.botocore_request("query", op, params)
    parsed = query_protocol.parse(query_protocol.form_params(request), op, "InvalidParameterValue")
    shapes.assert_same(parsed, params, op.input_shape, _query_unsent)


@SETTINGS
@given(data=st.data())
def test_query_response(data: st.DataObject) -> None:
    op = _op(QUERY_MODEL, "Stock")
    result = data.draw(shapes.values(op.output_shape))
    parsed = shapes.botocore_parse("query", op.output_shape, query_protocol.serialize(result, op, "r"))
    shapes.assert_same(parsed, result, op.output_shape, _xml_unsent)


# -- rest-json ---------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["PutThing", "GetThing", "ListThings", "PutBlob", "PutDoc"])
@SETTINGS
@given(data=st.data())
def test_rest_json_request(name: str, data: st.DataObject) -> None:
    op = _op(REST_MODEL, name)
    params = data.draw(shapes.values(op.input_shape))
    request = shapes.botocore_request("rest-json", op, params)
    found = rest_json_protocol.match(REST_MODEL, request)
    assert found is not None and found[0].name == name, (request.method, request.path, request.query)
    parsed = rest_json_protocol.parse(request, found[0], found[1])
    shapes.assert_same(parsed, params, op.input_shape, _rest_unsent)


@pytest.mark.parametrize("name", ["GetThing", "ListThings", "PutBlob", "PutDoc"])
@SETTINGS
@given(data=st.data())
def test_rest_json_response(name: str, data: st.DataObject) -> None:
    op = _op(REST_MODEL, name)
    result = data.draw(shapes.values(op.output_shape))
    response = rest_json_protocol.serialize(result, op, "r")
    parsed = shapes.botocore_parse("rest-json", op.output_shape, response)
    if "Status" not in result and "Status" in op.output_shape.members:
        assert parsed.pop("Status") == int(op.http["responseCode"])
    shapes.assert_same(parsed, result, op.output_shape, _rest_unsent)


# -- what botocore is too lenient to check -------------------------------------------------
def test_json_timestamps_follow_the_members_timestamp_format() -> None:
    # botocore reads any format back; SDKs that trust the model (Java, Go) do not.
    from datetime import datetime, timezone

    when = datetime(2024, 5, 6, 7, 8, 9, 123000, tzinfo=timezone.utc)
    shape = _op(JSON_MODEL, "Cook").output_shape
    encoded = json_protocol.encode({"Ts": when, "TsIso": when, "TsEpoch": when}, shape)
    assert encoded == {"Ts": 1714979289.123, "TsIso": "2024-05-06T07:08:09.123Z", "TsEpoch": 1714979289.123}


def test_non_finite_numbers_are_spelled_out() -> None:
    shape = _op(JSON_MODEL, "Cook").output_shape
    assert json_protocol.encode({"Dbl": float("inf"), "Flt": float("-inf")}, shape) == {
        "Dbl": "Infinity",
        "Flt": "-Infinity",
    }
    body = query_protocol.serialize({"Dbl": float("nan")}, _op(QUERY_MODEL, "Stock"), "r").body
    assert b"<Dbl>NaN</Dbl>" in body


def test_rest_json_header_lists_quote_what_needs_it() -> None:
    op = _op(REST_MODEL, "GetThing")
    response = rest_json_protocol.serialize({"HList": ["a", "b,c", 'd"e'], "HBool": True}, op, "r")
    headers = dict(response.headers)
    assert headers["x-h-list"] == 'a,"b,c","d\\"e"'
    assert headers["x-h-bool"] == "true"
