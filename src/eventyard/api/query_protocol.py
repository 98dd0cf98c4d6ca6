"""The AWS query protocol: form-encoded ``Action=...&Version=...`` in, XML out."""

from __future__ import annotations

import copy
from functools import lru_cache
from typing import Any
from urllib.parse import parse_qsl
from xml.sax.saxutils import escape

from botocore.loaders import create_loader
from botocore.model import OperationModel, ServiceModel, Shape

from eventyard.api import _values
from eventyard.api.errors import WireError
from eventyard.api.http import HttpRequest, HttpResponse

class _Own:
    """The key under which a tree node keeps its own scalar value: not a string, so that
    no wire key can reach it (``Name..`` splits into empty parts, as ``""`` once did)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "<own value>"


_VALUE: Any = _Own()


def form_params(request: HttpRequest) -> list[tuple[str, str]]:
    """Query-string and form-body parameters together (GET and POST both allowed).

    Bytes that are not UTF-8, raw or percent-encoded, are refused rather than turned
    into U+FFFD: the value would not be the one the client sent (the JSON protocols
    refuse the same bytes)."""
    try:
        query = request.query.encode("latin-1").decode("utf-8")  # the raw bytes, as sent
        params = parse_qsl(query, keep_blank_values=True, errors="strict")
    except UnicodeDecodeError:
        raise WireError("MalformedQueryString", "The query string is not valid UTF-8.") from None
    if request.method == "POST" and request.body:
        try:
            text = request.body.decode("utf-8")
            params += parse_qsl(text, keep_blank_values=True, errors="strict")
        except UnicodeDecodeError:
            raise WireError("MalformedQueryString", "The request body is not valid UTF-8.") from None
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
    return _decode(node, (shape,), path, bad_code)


def _decode(node: dict[str, Any], views: tuple[Shape, ...], path: str, bad_code: str) -> Any:
    """Read ``node`` as one shape seen through several wire spellings (first match wins).

    ``views`` are the same shape from parallel models: for SQS the legacy query names
    old SDKs send, then the JSON model's names that botocore's QuerySerializer derives.
    """
    shape = views[0]
    kind = shape.type_name
    if kind == "structure":
        out: dict[str, Any] = {}
        for name, members, keys, list_keys in _structure_plan(views):
            child = None
            for key in keys:
                child = node.get(key)
                if child is not None:
                    break
            else:
                for key in list_keys:
                    child = node.get(key)
                    if child is not None:
                        break
            if child is not None:
                out[name] = _decode(child, members, f"{path}.{name}" if path else name, bad_code)
        return out
    if kind == "list":
        container = next((c for c in (_list_container(node, view) for view in views) if c), {})
        members = tuple(view.member for view in views)
        return [_decode(item, members, f"{path}.{i + 1}", bad_code) for i, item in enumerate(_numbered(container))]
    if kind == "map":
        container = next((c for c in (_map_container(node, view) for view in views) if c), {})
        key_names = [view.key.serialization.get("name", "key") for view in views]
        value_names = [view.value.serialization.get("name", "value") for view in views]
        values = tuple(view.value for view in views)
        out_map: dict[str, Any] = {}
        for entry in _numbered(container):
            key_node = next((entry[k] for k in key_names if k in entry), None)
            if key_node is None:
                raise WireError(bad_code, f"Value for parameter {path} is invalid. Reason: map entry without a key.")
            key = key_node.get(_VALUE, "")
            value_node = next((entry[v] for v in value_names if v in entry), {_VALUE: ""})
            out_map[key] = _decode(value_node, values, f"{path}.{key}", bad_code)
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


_MemberPlan = tuple[str, tuple[Shape, ...], tuple[str, ...], tuple[str, ...]]
_plans: dict[tuple[Shape, ...], list[_MemberPlan]] = {}


def _structure_plan(views: tuple[Shape, ...]) -> list[_MemberPlan]:
    """Per member of a structure seen through ``views``: (name, the member in each view,
    the wire keys to look for in order, then the keys an empty list may use), built once
    (looking the wire names up in botocore's shapes on every request showed in profiles)."""
    plan = _plans.get(views)
    if plan is None:
        plan = []
        for name in views[0].members:
            members = tuple(view.members[name] for view in views)
            keys = tuple(_member_key(name, member) for member in members)
            # An empty list goes as ``Name=`` under the member's own name, even when a flattened
            # list's entries are named after its member (``AttributeNames=`` vs ``AttributeName.1``).
            list_keys = tuple(member.serialization.get("name", name) for member in members if member.type_name == "list")
            plan.append((name, members, keys, list_keys))
        _plans[views] = plan  # the key keeps the shapes alive
    return plan


def _list_container(node: dict[str, Any], shape: Shape) -> dict[str, Any] | None:
    return node if _flattened(shape) else node.get(shape.member.serialization.get("name", "member"))


def _map_container(node: dict[str, Any], shape: Shape) -> dict[str, Any] | None:
    return node if _flattened(shape) else node.get("entry")


def parse(params: list[tuple[str, str]], operation: OperationModel, bad_code: str) -> dict[str, Any]:
    views = tuple(view.input_shape for view in _views(operation) if view.input_shape is not None)
    if not views:
        return {}
    tree = _tree([(k, v) for k, v in params if k not in ("Action", "Version")])
    result: dict[str, Any] = _decode(tree, views, "", bad_code)
    return result


# -- SQS's legacy query names -----------------------------------------------------------
# SQS moved from query to JSON in 2023 and its botocore model lost the query wire names
# that older SDKs still send and expect (``MessageAttribute.1.Name``, ``<Message>``,
# ``<Attribute><Name>``...). These are the traits of botocore's last query-protocol SQS
# model (1.29.x), re-applied to today's model (the one list added since is named by the
# same rule). Requests may use either spelling; responses use the legacy one, the only
# one an SQS XML reader knows.
_SQS_LIST_MEMBER_NAMES = {  # flattened list shape -> name of each entry
    "AWSAccountIdList": "AWSAccountId",
    "ActionNameList": "ActionName",
    "AttributeNameList": "AttributeName",
    "MessageAttributeNameList": "MessageAttributeName",
    "MessageSystemAttributeList": "MessageSystemAttributeName",  # newer than the query model
    "QueueUrlList": "QueueUrl",
    "TagKeyList": "TagKey",
    "StringList": "StringListValue",
    "BinaryList": "BinaryListValue",
    "MessageList": "Message",
    "BatchResultErrorEntryList": "BatchResultErrorEntry",
    "SendMessageBatchRequestEntryList": "SendMessageBatchRequestEntry",
    "SendMessageBatchResultEntryList": "SendMessageBatchResultEntry",
    "DeleteMessageBatchRequestEntryList": "DeleteMessageBatchRequestEntry",
    "DeleteMessageBatchResultEntryList": "DeleteMessageBatchResultEntry",
    "ChangeMessageVisibilityBatchRequestEntryList": "ChangeMessageVisibilityBatchRequestEntry",
    "ChangeMessageVisibilityBatchResultEntryList": "ChangeMessageVisibilityBatchResultEntry",
    "ListMessageMoveTasksResultEntryList": "ListMessageMoveTasksResultEntry",
}
_SQS_MAP_NAMES = {  # map shape -> (its own name or None, key name, value name)
    "QueueAttributeMap": ("Attribute", "Name", "Value"),
    "MessageSystemAttributeMap": ("Attribute", "Name", "Value"),
    "TagMap": ("Tag", "Key", "Value"),
    "MessageBodyAttributeMap": (None, "Name", "Value"),
    "MessageBodySystemAttributeMap": (None, "Name", "Value"),
}
_SQS_MEMBER_NAMES = {  # (structure, member) -> wire name
    ("CreateQueueRequest", "Attributes"): "Attribute",
    ("CreateQueueRequest", "tags"): "Tag",
    ("GetQueueAttributesResult", "Attributes"): "Attribute",
    ("ListQueueTagsResult", "Tags"): "Tag",
    ("Message", "Attributes"): "Attribute",
    ("Message", "MessageAttributes"): "MessageAttribute",
    ("MessageAttributeValue", "StringListValues"): "StringListValue",
    ("MessageAttributeValue", "BinaryListValues"): "BinaryListValue",
    ("MessageSystemAttributeValue", "StringListValues"): "StringListValue",
    ("MessageSystemAttributeValue", "BinaryListValues"): "BinaryListValue",
    ("SendMessageRequest", "MessageAttributes"): "MessageAttribute",
    ("SendMessageRequest", "MessageSystemAttributes"): "MessageSystemAttribute",
    ("SendMessageBatchRequestEntry", "MessageAttributes"): "MessageAttribute",
    ("SendMessageBatchRequestEntry", "MessageSystemAttributes"): "MessageSystemAttribute",
    ("SetQueueAttributesRequest", "Attributes"): "Attribute",
}
_SQS_XML_NAMESPACE = "http://queue.amazonaws.com/doc/2012-11-05/"


def _sqs_query_description(description: dict[str, Any]) -> dict[str, Any]:
    legacy = copy.deepcopy(description)
    legacy["metadata"].update(protocol="query", protocols=["query"], xmlNamespace=_SQS_XML_NAMESPACE)
    for name, op in legacy["operations"].items():
        if "output" in op:
            op["output"]["resultWrapper"] = f"{name}Result"
    shapes = legacy["shapes"]
    for name, member_name in _SQS_LIST_MEMBER_NAMES.items():
        if name in shapes:
            shapes[name]["member"]["locationName"] = member_name
    for name, (own, key, value) in _SQS_MAP_NAMES.items():
        if name in shapes:
            shapes[name]["key"]["locationName"] = key
            shapes[name]["value"]["locationName"] = value
            if own:
                shapes[name]["locationName"] = own
    for (structure, member), wire_name in _SQS_MEMBER_NAMES.items():
        if structure in shapes and member in shapes[structure]["members"]:
            shapes[structure]["members"][member].update(locationName=wire_name, flattened=True)
    return legacy


@lru_cache(maxsize=None)
def _legacy_model(service_name: str, api_version: str) -> ServiceModel | None:
    if service_name != "sqs":
        return None
    description = create_loader().load_service_model(service_name, "service-2", api_version)
    return ServiceModel(_sqs_query_description(description), service_name)


def wire_operation(operation: OperationModel) -> OperationModel:
    """``operation`` with the names its query wire format uses (SQS: the legacy ones)."""
    model = operation.service_model
    if model.protocol == "query":
        return operation
    legacy = _legacy_model(model.service_name, model.api_version)
    return legacy.operation_model(operation.name) if legacy is not None else operation


def _views(operation: OperationModel) -> tuple[OperationModel, ...]:
    wire = wire_operation(operation)
    return (wire,) if wire is operation else (wire, operation)


# -- XML out -------------------------------------------------------------------
# XML parsers turn a raw CR (and CRLF) into LF; only a character reference survives.
_XML_ENTITIES = {"\r": "&#xD;"}


def _scalar_text(value: Any, shape: Shape) -> str:
    kind = shape.type_name
    if kind == "boolean":
        return "true" if value else "false"
    if kind == "timestamp":
        return _values.iso8601(value)
    if kind == "blob":
        return _values.b64encode(value)
    if kind in ("float", "double"):
        return _values.float_text(value)
    return str(value)


def _xml(value: Any, shape: Shape, name: str, out: list[str]) -> None:
    kind = shape.type_name
    if kind == "structure":
        start = len(out)
        out.append(f"<{name}>")
        for member_name, member in shape.members.items():
            item = value.get(member_name)
            if item is not None:
                _xml_member(item, member, member.serialization.get("name", member_name), out)
        if len(out) == start + 1:
            out[start] = f"<{name}/>"  # an empty result, written as AWS writes it
        else:
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
        out.append(f"<{name}>{escape(_scalar_text(value, shape), _XML_ENTITIES)}</{name}>")


def _xml_member(value: Any, shape: Shape, name: str, out: list[str]) -> None:
    if shape.type_name == "list" and _flattened(shape):
        element = shape.member.serialization.get("name", name)
        for item in value:
            _xml(item, shape.member, element, out)
    else:
        _xml(value, shape, name, out)


def namespace(operation: OperationModel) -> str:
    return str(wire_operation(operation).service_model.metadata.get("xmlNamespace", ""))


def serialize(result: dict[str, Any] | None, operation: OperationModel, request_id: str) -> HttpResponse:
    name = operation.name
    out = [f'<{name}Response xmlns="{namespace(operation)}">']
    shape = wire_operation(operation).output_shape
    if shape is not None:
        wrapper = shape.serialization.get("resultWrapper", f"{name}Result")
        _xml(result or {}, shape, wrapper, out)
    out.append(f"<ResponseMetadata><RequestId>{request_id}</RequestId></ResponseMetadata></{name}Response>")
    return HttpResponse(200, "".join(out).encode(), [("Content-Type", "text/xml"), ("x-amzn-RequestId", request_id)])
