"""The AWS query protocol: form-encoded ``Action=...&Version=...`` in, XML out."""

from __future__ import annotations

from typing import Any
from xml.sax.saxutils import escape

from botocore.model import OperationModel, Shape

from eventyard.api import _values
from eventyard.api.errors import WireError
from eventyard.api.http import HttpRequest, HttpResponse

_VALUE = ""  # key under which a tree node keeps its own scalar value


def form_params(request: HttpRequest) -> list[tuple[str, str]]:
    """Query-string and form-body parameters together (GET and POST both allowed)."""
    params = list(request.query_params)
    if request.method == "POST" and request.body:
        from urllib.parse import parse_qsl

        try:
            text = request.body.decode("utf-8")
        except UnicodeDecodeError:
            raise WireError("MalformedQueryString", "The request body is not valid UTF-8.") from None
        params += parse_qsl(text, keep_blank_values=True)
    return params


def _tree(params: list[tuple[str, str]]) -> dict[str, Any]:
    root: dict[str, Any] = {}
    for key, value in params:
        node = root
        for part in key.split("."):
            node = node.setdefault(part, {})
        node[_VALUE] = value
    return root


def _flattened(shape: Shape) -> bool:
    return bool(shape.serialization.get("flattened"))


def _member_key(name: str, shape: Shape) -> str:
    if shape.type_name == "list" and _flattened(shape) and shape.member.serialization.get("name"):
        return shape.member.serialization["name"]
    return shape.serialization.get("name", name)


def _bad(path: str, wanted: str, code: str) -> WireError:
    return WireError(code, f"Value for parameter {path} is invalid. Reason: must be {wanted}.")


def _numbered(node: dict[str, Any]) -> list[dict[str, Any]]:
    items = [(k, v) for k, v in node.items() if k != _VALUE]
    try:
        items.sort(key=lambda kv: int(kv[0]))
    except ValueError:
        raise WireError("MalformedQueryString", "List and map entries must be numbered 1..N.") from None
    return [v for _, v in items]


def decode(node: dict[str, Any], shape: Shape, path: str, bad_code: str) -> Any:
    kind = shape.type_name
    if kind == "structure":
        out: dict[str, Any] = {}
        for name, member in shape.members.items():
            child = node.get(_member_key(name, member))
            if child is not None:
                out[name] = decode(child, member, f"{path}.{name}" if path else name, bad_code)
        return out
    if kind == "list":
        container = node if _flattened(shape) else node.get(shape.member.serialization.get("name", "member"), {})
        return [decode(item, shape.member, f"{path}.{i + 1}", bad_code) for i, item in enumerate(_numbered(container))]
    if kind == "map":
        container = node if _flattened(shape) else node.get("entry", {})
        key_name = shape.key.serialization.get("name", "key")
        value_name = shape.value.serialization.get("name", "value")
        out_map: dict[str, Any] = {}
        for entry in _numbered(container):
            if key_name not in entry:
                raise WireError(bad_code, f"Value for parameter {path} is invalid. Reason: map entry without a key.")
            key = entry[key_name].get(_VALUE, "")
            out_map[key] = decode(entry.get(value_name, {_VALUE: ""}), shape.value, f"{path}.{key}", bad_code)
        return out_map
    text = node.get(_VALUE)
    if text is None:
        raise WireError(bad_code, f"Value for parameter {path} is invalid. Reason: must be a single value.")
    try:
        if kind == "string":
            return text
        if kind in ("integer", "long"):
            return _values.parse_int_text(text)
        if kind in ("float", "double"):
            return _values.parse_float_text(text)
        if kind == "boolean":
            return _values.parse_bool_text(text)
        if kind == "timestamp":
            return _values.parse_timestamp(text)
        if kind == "blob":
            return _values.b64decode(text)
    except _values.BadValue as exc:
        raise _bad(path, str(exc), bad_code) from None
    return text


def parse(params: list[tuple[str, str]], operation: OperationModel, bad_code: str) -> dict[str, Any]:
    shape = operation.input_shape
    if shape is None:
        return {}
    tree = _tree([(k, v) for k, v in params if k not in ("Action", "Version")])
    return decode(tree, shape, "", bad_code)


# -- XML out -------------------------------------------------------------------
def _scalar_text(value: Any, shape: Shape) -> str:
    kind = shape.type_name
    if kind == "boolean":
        return "true" if value else "false"
    if kind == "timestamp":
        return _values.iso8601(value)
    if kind == "blob":
        return _values.b64encode(value)
    return str(value)


def _xml(value: Any, shape: Shape, name: str, out: list[str]) -> None:
    kind = shape.type_name
    if kind == "structure":
        out.append(f"<{name}>")
        for member_name, member in shape.members.items():
            item = value.get(member_name)
            if item is not None:
                _xml_member(item, member, member.serialization.get("name", member_name), out)
        out.append(f"</{name}>")
    elif kind == "list":
        if _flattened(shape):
            for item in value:
                _xml(item, shape.member, name, out)
        else:
            element = shape.member.serialization.get("name", "member")
            out.append(f"<{name}>")
            for item in value:
                _xml(item, shape.member, element, out)
            out.append(f"</{name}>")
    elif kind == "map":
        key_name = shape.key.serialization.get("name", "key")
        value_name = shape.value.serialization.get("name", "value")
        if not _flattened(shape):
            out.append(f"<{name}>")
        for key, item in value.items():
            out.append("<entry>" if not _flattened(shape) else f"<{name}>")
            _xml(key, shape.key, key_name, out)
            _xml(item, shape.value, value_name, out)
            out.append("</entry>" if not _flattened(shape) else f"</{name}>")
        if not _flattened(shape):
            out.append(f"</{name}>")
    else:
        out.append(f"<{name}>{escape(_scalar_text(value, shape))}</{name}>")


def _xml_member(value: Any, shape: Shape, name: str, out: list[str]) -> None:
    if shape.type_name == "list" and _flattened(shape):
        element = shape.member.serialization.get("name", name)
        for item in value:
            _xml(item, shape.member, element, out)
    else:
        _xml(value, shape, name, out)


def namespace(operation: OperationModel) -> str:
    ns = operation.service_model.metadata.get("xmlNamespace")
    if not ns and operation.service_model.service_name == "sqs":
        ns = "http://queue.amazonaws.com/doc/2012-11-05/"
    return ns or ""


def serialize(result: dict[str, Any] | None, operation: OperationModel, request_id: str) -> HttpResponse:
    name = operation.name
    out = [f'<{name}Response xmlns="{namespace(operation)}">']
    shape = operation.output_shape
    if shape is not None:
        wrapper = shape.serialization.get("resultWrapper", f"{name}Result")
        _xml(result or {}, shape, wrapper, out)
    out.append(f"<ResponseMetadata><RequestId>{request_id}</RequestId></ResponseMetadata></{name}Response>")
    return HttpResponse(200, "".join(out).encode(), [("Content-Type", "text/xml"), ("x-amzn-RequestId", request_id)])
