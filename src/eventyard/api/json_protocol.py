"""AWS JSON 1.0 / 1.1: ``POST /`` with ``X-Amz-Target: Prefix.Operation``."""

from __future__ import annotations

import math
from typing import Any, Callable

import orjson
from botocore.model import OperationModel, Shape

from eventyard.api import _values
from eventyard.api._compiled import compile_shape
from eventyard.api.errors import WireError
from eventyard.api.http import HttpRequest, HttpResponse

_NON_FINITE = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}


def _serialization_error(path: str, wanted: str) -> WireError:
    where = f" at '{path}'" if path else ""
    return WireError("SerializationException", f"Value{where} must be {wanted}.")


def decode(value: Any, shape: Shape, path: str = "") -> Any:
    """A JSON value -> Python, typed by ``shape`` (bytes for blobs, datetimes for timestamps)."""
    if value is None:
        return None
    kind = shape.type_name
    if kind == "structure":
        if not isinstance(value, dict):
            raise _serialization_error(path, "an object")
        out: dict[str, Any] = {}
        members = shape.members
        for key, item in value.items():
            member = members.get(key)
            if member is None or item is None:
                continue  # AWS ignores unknown members
            # Coral names members lowerCamel in error paths, e.g. 'entries.1.member.source'
            camel = key[:1].lower() + key[1:]
            out[key] = decode(item, member, f"{path}.{camel}" if path else camel)
        return out
    if kind == "list":
        if not isinstance(value, list):
            raise _serialization_error(path, "an array")
        return [_item(v, shape.member, f"{path}.{i + 1}.member") for i, v in enumerate(value)]
    if kind == "map":
        if not isinstance(value, dict):
            raise _serialization_error(path, "an object")
        return {k: _item(v, shape.value, f"{path}.{k}") for k, v in value.items()}
    if kind == "string":
        if not isinstance(value, str):
            raise _serialization_error(path, "a string")
        return value
    if kind in ("integer", "long"):
        if isinstance(value, bool) or not isinstance(value, int):
            raise _serialization_error(path, "an integer")
        return value
    if kind in ("float", "double"):
        if isinstance(value, str) and value in _NON_FINITE:
            return _NON_FINITE[value]  # JSON has no literal for these; AWS sends strings
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise _serialization_error(path, "a number")
        return float(value)
    if kind == "boolean":
        if not isinstance(value, bool):
            raise _serialization_error(path, "a boolean")
        return value
    try:
        if kind == "timestamp":
            return _values.parse_timestamp(value)
        if kind == "blob":
            return _values.b64decode(value)
    except _values.BadValue as exc:
        raise _serialization_error(path, str(exc)) from None
    return value


def _item(value: Any, shape: Shape, path: str) -> Any:
    """A list item or map value: unlike a member, null is no way to leave it out."""
    if value is None:
        raise _serialization_error(path, "a value, not null")
    return decode(value, shape, path)


def encode(value: Any, shape: Shape | None) -> Any:
    """Python -> JSON-ready value (epoch seconds for timestamps, base64 for blobs)."""
    if value is None or shape is None:
        return value
    kind = shape.type_name
    if kind == "structure":
        members = shape.members
        return {k: encode(v, members[k]) for k, v in value.items() if v is not None and k in members}
    if kind == "list":
        return [encode(v, shape.member) for v in value]
    if kind == "map":
        return {k: encode(v, shape.value) for k, v in value.items()}
    if kind == "timestamp":
        return _values.format_timestamp(value, shape.serialization.get("timestampFormat", "unixTimestamp"))
    if kind == "blob":
        return _values.b64encode(value)
    if kind in ("float", "double"):
        return _values.float_text(value) if not math.isfinite(value) else value
    return value


def loads(body: bytes) -> Any:
    if not body.strip():
        return {}
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError:
        raise WireError("SerializationException", "Request body is not valid JSON.") from None


def parse(request: HttpRequest, operation: OperationModel) -> dict[str, Any]:
    data = loads(request.body)
    shape = operation.input_shape
    if shape is None:
        return {}
    if not isinstance(data, dict):
        raise WireError("SerializationException", "Request body must be a JSON object.")
    fast = compile_shape("json-decode", shape, _build_decoder, _same)
    try:
        return fast(data) if fast is not None else data
    except _Unusual:
        return decode(data, shape)  # words the error with its path


def encoded(value: Any, shape: Shape | None) -> Any:
    """``encode`` through a function built once per shape."""
    if value is None or shape is None:
        return value
    fast = compile_shape("json-encode", shape, _build_encoder, _same)
    return value if fast is None else fast(value)


def content_type(operation: OperationModel) -> str:
    version = operation.metadata.get("jsonVersion", "1.0")
    return f"application/x-amz-json-{version}"


def serialize(result: dict[str, Any] | None, operation: OperationModel, request_id: str) -> HttpResponse:
    body = orjson.dumps(encoded(result or {}, operation.output_shape) or {})
    return HttpResponse(
        200, body, [("Content-Type", content_type(operation)), ("x-amzn-RequestId", request_id)]
    )


# -- built once per shape (see ``api._compiled``) ----------------------------------
class _Unusual(Exception):
    """A value the built decoder does not take as it is: ``decode`` words the error."""


def _same(value: Any) -> Any:
    return value


def _build_decoder(shape: Shape, sub: Callable[[Shape], Any]) -> Callable[[Any], Any] | None:
    """``decode`` for this shape, raising ``_Unusual`` where ``decode`` would raise;
    ``None`` where ``decode`` returns the value as it is."""
    kind = shape.type_name
    if kind == "structure":
        members = {name: sub(member) or _same for name, member in shape.members.items()}

        def structure(value: Any) -> Any:
            if not isinstance(value, dict):
                raise _Unusual
            out = {}
            for key, item in value.items():
                member = members.get(key)
                if member is not None and item is not None:
                    out[key] = member(item)
            return out
        return structure
    if kind in ("list", "map"):
        inner = sub(shape.member if kind == "list" else shape.value) or _same
        if kind == "list":
            def items(value: Any) -> Any:
                if not isinstance(value, list) or None in value:
                    raise _Unusual
                return [inner(item) for item in value]
            return items

        def mapping(value: Any) -> Any:
            if not isinstance(value, dict):
                raise _Unusual
            out = {key: inner(item) for key, item in value.items() if item is not None}
            if len(out) != len(value):
                raise _Unusual
            return out
        return mapping
    if kind == "string":
        def string(value: Any) -> Any:
            if not isinstance(value, str):
                raise _Unusual
            return value
        return string
    if kind in ("integer", "long"):
        def integer(value: Any) -> Any:
            if isinstance(value, bool) or not isinstance(value, int):
                raise _Unusual
            return value
        return integer
    if kind == "boolean":
        def boolean(value: Any) -> Any:
            if value is not True and value is not False:
                raise _Unusual
            return value
        return boolean
    if kind in ("float", "double", "timestamp", "blob"):
        def converted(value: Any) -> Any:
            try:
                return decode(value, shape)
            except WireError:
                raise _Unusual from None
        return converted
    return None


def _build_encoder(shape: Shape, sub: Callable[[Shape], Any]) -> Callable[[Any], Any] | None:
    """``encode`` for this shape; ``None`` where ``encode`` gives the value back as it is."""
    kind = shape.type_name
    if kind == "structure":
        members = {name: sub(member) or _same for name, member in shape.members.items()}

        def structure(value: Any) -> Any:
            return {key: members[key](item) for key, item in value.items() if item is not None and key in members}
        return structure
    if kind in ("list", "map"):
        inner = sub(shape.member if kind == "list" else shape.value)
        if inner is None:
            return list if kind == "list" else dict  # a copy, as ``encode`` makes
        if kind == "list":
            return lambda value: [None if item is None else inner(item) for item in value]
        return lambda value: {key: None if item is None else inner(item) for key, item in value.items()}
    if kind in ("timestamp", "blob", "float", "double"):
        return lambda value: encode(value, shape)
    return None
