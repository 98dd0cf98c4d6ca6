"""rest-json: operations told apart by HTTP method and URI template (Lambda, Scheduler, Pipes)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import parse_qsl, unquote

import orjson
from botocore.model import OperationModel, ServiceModel, Shape

from eventyard.api import _values, json_protocol
from eventyard.api.errors import WireError
from eventyard.api.http import HttpRequest, HttpResponse

_LABEL = re.compile(r"\{([^}]+?)(\+?)\}")


@dataclass(frozen=True)
class Route:
    operation: OperationModel
    method: str
    pattern: re.Pattern[str]
    literal_query: tuple[str, ...]  # e.g. "/?tagging" requires a bare ``tagging`` key
    specificity: int  # literal characters: the most specific template wins


def _compile(operation: OperationModel) -> Route:
    http = operation.http
    uri = http["requestUri"]
    path, _, literal = uri.partition("?")
    regex, pos = "", 0
    for m in _LABEL.finditer(path):
        regex += re.escape(path[pos : m.start()])
        group = m.group(1)
        regex += f"(?P<{group}>.+)" if m.group(2) else f"(?P<{group}>[^/]+)"
        pos = m.end()
    regex += re.escape(path[pos:])
    literals = tuple(k for k, _ in parse_qsl(literal, keep_blank_values=True)) if literal else ()
    specificity = len(_LABEL.sub("", path))
    return Route(operation, http["method"], re.compile(f"^{regex}/?$"), literals, specificity)


@lru_cache(maxsize=None)
def routes(model: ServiceModel) -> list[Route]:
    found = [_compile(model.operation_model(name)) for name in model.operation_names]
    found.sort(key=lambda r: -r.specificity)
    return found


def match(model: ServiceModel, request: HttpRequest) -> tuple[OperationModel, dict[str, str]] | None:
    keys = {k for k, _ in request.query_params}
    path_matched = False
    for route in routes(model):
        m = route.pattern.match(request.path)
        if m is None:
            continue
        path_matched = True
        if route.method != request.method or not all(k in keys for k in route.literal_query):
            continue
        return route.operation, {k: unquote(v) for k, v in m.groupdict().items()}
    if path_matched:
        raise WireError("MethodNotAllowedException", f"{request.method} is not allowed on {request.path}.", 405)
    return None


def _scalar(text: str, shape: Shape, where: str) -> Any:
    kind = shape.type_name
    try:
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
        if kind == "string" and shape.serialization.get("jsonvalue"):
            # a JSON document carried in a header: base64 of its compact JSON text
            return orjson.loads(_values.b64decode(text))
    except _values.BadValue as exc:
        raise WireError("ValidationException", f"Value at '{where}' must be {exc}.") from None
    except orjson.JSONDecodeError:
        raise WireError("ValidationException", f"Value at '{where}' must be base64-encoded JSON.") from None
    return text


def _header_items(value: str, member: Shape) -> list[str]:
    """A list header's items: comma-separated, strings double-quoted when they hold ``,`` or ``"``."""
    if member.type_name == "timestamp" and member.serialization.get("timestampFormat", "rfc822") == "rfc822":
        # an HTTP date has its own comma: "Mon, 01 Jan 2024 00:00:00 GMT, Tue, ..."
        parts = [p.strip() for p in value.split(",")]
        return [f"{parts[i]}, {parts[i + 1]}" for i in range(0, len(parts) - 1, 2)]
    if member.type_name != "string" or '"' not in value:
        return [item.strip() for item in value.split(",")]
    items: list[str] = []
    i, n = 0, len(value)
    while i <= n:
        while i < n and value[i] in " \t":
            i += 1
        if i < n and value[i] == '"':
            i += 1
            chars: list[str] = []
            while i < n and value[i] != '"':
                if value.startswith('\\"', i):  # only quotes are escaped (botocore leaves '\' bare)
                    i += 1
                chars.append(value[i])
                i += 1
            items.append("".join(chars))
            end = value.find(",", i)
        else:
            end = value.find(",", i)
            items.append(value[i : n if end < 0 else end].strip())
        if end < 0:
            break
        i = end + 1
    return items


def parse(request: HttpRequest, operation: OperationModel, labels: dict[str, str]) -> dict[str, Any]:
    shape = operation.input_shape
    if shape is None:
        return {}
    out: dict[str, Any] = {}
    query: dict[str, list[str]] = {}
    for k, v in request.query_params:
        query.setdefault(k, []).append(v)
    body_members = {}
    # a query-string map takes only the parameters no other member (or the URI) claims
    claimed = {
        m.serialization.get("name", n)
        for n, m in shape.members.items()
        if m.serialization.get("location") == "querystring"
    }
    claimed.update(k for k, _ in parse_qsl(operation.http["requestUri"].partition("?")[2], keep_blank_values=True))
    for name, member in shape.members.items():
        location = member.serialization.get("location")
        wire_name = member.serialization.get("name", name)
        if location == "uri":
            if wire_name in labels:
                out[name] = _scalar(labels[wire_name], member, name)
        elif location == "querystring":
            if member.type_name == "map":
                free = {k: v for k, v in query.items() if k not in claimed}
                if free:
                    value_shape = member.value
                    if value_shape.type_name == "list":
                        out[name] = {k: [_scalar(x, value_shape.member, name) for x in v] for k, v in free.items()}
                    else:
                        out[name] = {k: _scalar(v[-1], value_shape, name) for k, v in free.items()}
            elif wire_name in query:
                values = query[wire_name]
                if member.type_name == "list":
                    out[name] = [_scalar(v, member.member, name) for v in values]
                else:
                    out[name] = _scalar(values[-1], member, name)
        elif location == "header":
            value = request.header(wire_name)
            if value is not None:
                if member.type_name == "list":
                    out[name] = [_scalar(v, member.member, name) for v in _header_items(value, member.member)]
                else:
                    out[name] = _scalar(value, member, name)
        elif location == "headers":
            prefix = wire_name.lower()
            found = {k[len(prefix):]: v for k, v in request.header_map.items() if k.startswith(prefix)}
            if found:
                out[name] = found
        else:
            body_members[name] = member
    payload = shape.serialization.get("payload")
    if payload:
        member = shape.members[payload]
        if member.type_name in ("blob", "string"):
            if request.body:
                out[payload] = request.body if member.type_name == "blob" else request.body.decode()
        else:
            data = json_protocol.loads(request.body)
            if data:
                out[payload] = json_protocol.decode(data, member, payload)
    elif body_members:
        data = json_protocol.loads(request.body)
        if not isinstance(data, dict):
            raise WireError("SerializationException", "Request body must be a JSON object.")
        for key, item in data.items():
            member = body_members.get(key)
            if member is not None and item is not None:
                out[key] = json_protocol.decode(item, member, key)
    return out


def _header_text(value: Any, shape: Shape) -> str:
    kind = shape.type_name
    if kind == "timestamp":
        return str(_values.format_timestamp(value, shape.serialization.get("timestampFormat", "rfc822")))
    if kind == "boolean":
        return "true" if value else "false"
    if kind in ("float", "double"):
        return _values.float_text(value)
    if kind == "blob":
        return _values.b64encode(value)
    if kind == "list":
        items = [_header_text(v, shape.member) for v in value]
        if shape.member.type_name == "string":
            items = [_quoted(v) for v in items]
        return ",".join(items)
    if kind == "string" and shape.serialization.get("jsonvalue"):
        return _values.b64encode(orjson.dumps(value))
    return str(value)


def _quoted(item: str) -> str:
    """A list header item, double-quoted when it holds a comma or a quote (RFC 7230)."""
    if "," not in item and '"' not in item:
        return item
    escaped = item.replace('"', '\\"')
    return f'"{escaped}"'


def serialize(result: dict[str, Any] | None, operation: OperationModel, request_id: str) -> HttpResponse:
    result = result or {}
    status = int(operation.http.get("responseCode", 200))
    headers = [("Content-Type", "application/json"), ("x-amzn-RequestId", request_id)]
    shape = operation.output_shape
    body: dict[str, Any] = {}
    if shape is not None:
        for name, member in shape.members.items():
            if name not in result or result[name] is None:
                continue
            location = member.serialization.get("location")
            wire_name = member.serialization.get("name", name)
            value = result[name]
            if location == "header":
                if member.type_name != "list" or value:  # an empty list is no header at all
                    headers.append((wire_name, _header_text(value, member)))
            elif location == "headers":
                headers += [(wire_name + k, str(v)) for k, v in value.items()]
            elif location == "statusCode":
                status = int(value)
            else:
                body[name] = json_protocol.encode(value, member)
        payload = shape.serialization.get("payload")
        if payload:
            value = result.get(payload)
            member = shape.members[payload]
            if member.type_name == "blob":
                return HttpResponse(status, value or b"", headers)
            return HttpResponse(status, orjson.dumps(json_protocol.encode(value, member) or {}), headers)
    if status == 204:  # No Content: no body at all (Lambda's deletes)
        return HttpResponse(status, b"", headers)
    return HttpResponse(status, orjson.dumps(body), headers)
