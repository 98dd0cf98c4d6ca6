"""The cheap load client: AWS requests serialized once by botocore, replayed with only
their varying fields patched, over one keep-alive HTTP/1.1 connection per client.

boto3 costs 1.4 to 3.4 ms of client CPU per call, more than the servers under test spend
answering it; on a 2-core machine the clients, not the servers, then set the rates. This
client keeps what an SDK puts on the wire and drops the per-call cost:

* **Templates.** The first call of an operation with a given *shape* of parameters (the
  same keys, list lengths, numbers and flags; any strings) is serialized by a real
  botocore client (its serializer, its headers and its SigV4 signer) with every string
  replaced by a placeholder token, and captured just before it would be sent. The
  captured request is split at the tokens. Later calls of that shape only encode their
  strings (JSON-escaped, percent-encoded for the query protocol and URI paths, raw for a
  rest-json blob payload) into the gaps and set Content-Length. Message bodies, ids,
  deduplication ids and receipt handles are such strings.
* **No re-signing.** The Authorization, X-Amz-Date and amz-sdk-invocation-id headers
  are the template's. eventyard's default
  ``--auth none``, moto and ministack do not verify signatures; a server that does
  (``--auth sigv4``) would refuse the replays.
* **The wire.** One socket per client, HTTP/1.1 keep-alive, the request in one write,
  Content-Length or chunked answers; a connection the server closed while idle is
  reopened once, before any byte of the answer came.
* **Answers.** JSON protocols with orjson (the wire keys are boto3's keys for these
  protocols; timestamps stay numbers); rest-json's header-bound members from the headers
  and its blob payload as bytes; the query protocol (SNS) with a minimal reader over
  ElementTree shaped by the operation's output model. A failed call raises
  :class:`WireError`, shaped like botocore's ``ClientError`` (``.response["Error"]``), so
  ``clients.error_kind`` counts it the same way.

:func:`load_client` gives a workload's client processes either kind, by mode name
(``boto3`` or ``cheap``): same method names, same parameters, same result keys.
"""

from __future__ import annotations

import base64
import re
import socket
import xml.etree.ElementTree as ElementTree
from typing import Any
from urllib.parse import quote, urlsplit

import orjson

from .clients import REGION, make_client

CLIENT_MODES = ("cheap", "boto3")
_TOKEN = re.compile(rb"Yq(\d{6})qY")
_UNRESERVED = "-_.~"


def load_client(service: str, endpoint: str, mode: str = "cheap", *, timeout: float = 60.0) -> Any:
    """A client for a workload's hot loop: ``cheap`` (:class:`CheapClient`) or ``boto3``."""
    if mode == "boto3":
        return make_client(service, endpoint, timeout=timeout)
    if mode == "cheap":
        return CheapClient(service, endpoint, timeout=timeout)
    raise ValueError(f"client mode must be one of {', '.join(CLIENT_MODES)}, not {mode!r}")


class WireError(Exception):
    """A call the server answered with an error (or that got no answer), shaped like
    botocore's ClientError for :func:`benchmarks.clients.error_kind`."""

    def __init__(self, code: str, message: str, status: int = 0) -> None:
        super().__init__(f"{code} (HTTP {status}): {message}" if status else f"{code}: {message}")
        self.response = {"Error": {"Code": code, "Message": message},
                         "ResponseMetadata": {"HTTPStatusCode": status}}


class _Closed(ConnectionError):
    """The server closed the connection."""


class Connection:
    """One keep-alive HTTP/1.1 connection over a plain socket."""

    def __init__(self, host: str, port: int, timeout: float = 60.0) -> None:
        self.host, self.port, self.timeout = host, port, timeout
        self.sock: socket.socket | None = None
        self.buffer = bytearray()

    def close(self) -> None:
        if self.sock is not None:
            self.sock.close()
            self.sock = None
        self.buffer.clear()

    def exchange(self, request: bytes) -> tuple[int, dict[str, str], bytes]:
        """Send one complete request; (status, lower-cased headers, body) of its answer."""
        for attempt in (1, 2):
            reused = self.sock is not None
            if self.sock is None:
                self.sock = socket.create_connection((self.host, self.port), timeout=self.timeout)
                self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            try:
                self.sock.sendall(request)
                return self._answer()
            except (_Closed, ConnectionResetError, BrokenPipeError):
                answered = bool(self.buffer)
                self.close()
                # a keep-alive connection the server dropped while idle: nothing was
                # answered, so the request is sent once more on a fresh one
                if not reused or answered or attempt == 2:
                    raise
            except OSError:
                self.close()
                raise
        raise AssertionError("unreachable")

    def _recv(self) -> None:
        assert self.sock is not None
        chunk = self.sock.recv(262144)
        if not chunk:
            raise _Closed("connection closed by the server")
        self.buffer += chunk

    def _answer(self) -> tuple[int, dict[str, str], bytes]:
        buffer = self.buffer
        while (end := buffer.find(b"\r\n\r\n")) < 0:
            self._recv()
        lines = bytes(buffer[:end]).decode("latin-1").split("\r\n")
        del buffer[:end + 4]
        status = int(lines[0].split(" ", 2)[1])
        headers: dict[str, str] = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        if "content-length" in headers:
            length = int(headers["content-length"])
            while len(buffer) < length:
                self._recv()
            body = bytes(buffer[:length])
            del buffer[:length]
        elif "chunked" in headers.get("transfer-encoding", "").lower():
            body = self._chunked()
        elif status in (204, 304) or 100 <= status < 200:
            body = b""
        else:  # the body runs to the end of the connection
            try:
                while True:
                    self._recv()
            except _Closed:
                pass
            body = bytes(buffer)
            self.close()
            return status, headers, body
        if headers.get("connection", "").lower() == "close":
            self.close()
        return status, headers, body

    def _chunked(self) -> bytes:
        buffer, parts = self.buffer, list[bytes]()
        while True:
            while (end := buffer.find(b"\r\n")) < 0:
                self._recv()
            size = int(bytes(buffer[:end]).split(b";", 1)[0], 16)
            del buffer[:end + 2]
            if size == 0:  # trailers, then the blank line
                while (end := buffer.find(b"\r\n")) != 0:
                    if end < 0:
                        self._recv()
                    else:
                        del buffer[:end + 2]
                del buffer[:2]
                return b"".join(parts)
            while len(buffer) < size + 2:
                self._recv()
            parts.append(bytes(buffer[:size]))
            del buffer[:size + 2]


# -- templates ------------------------------------------------------------------------
def _json_string(value: str) -> bytes:
    return orjson.dumps(value)[1:-1]


def _percent(value: str) -> bytes:
    return quote(value, safe=_UNRESERVED).encode()


def _raw(value: str | bytes) -> bytes:
    return value if isinstance(value, bytes) else value.encode()


def _json_blob(value: str | bytes) -> bytes:
    return base64.b64encode(_raw(value))


class _Captured(Exception):  # noqa: N818 - control flow, not an error
    """Raised from botocore's before-send hook: the request, fully prepared and signed."""

    def __init__(self, request: Any) -> None:
        super().__init__("captured")
        self.request = request


class Template:
    """One captured request split at its placeholders: fixed byte segments and, between
    them, the index of the parameter string that goes there and how it is encoded."""

    def __init__(self, head: bytes, body: bytes, encoders: dict[str, Any]) -> None:
        self.head = self._split(head, encoders["head"])
        self.body = self._split(body, encoders["body"])
        found = sorted(slot for part in (self.head, self.body) for slot, _ in part[1])
        if found != list(range(len(found))) or len(found) != encoders["slots"]:
            raise ValueError(f"placeholders not found once each in the serialized request: {found}")

    @staticmethod
    def _split(data: bytes, encoder_of: Any) -> tuple[list[bytes], list[tuple[int, Any]]]:
        segments, slots, start = [], [], 0
        for match in _TOKEN.finditer(data):
            segments.append(data[start:match.start()])
            slot = int(match.group(1))
            slots.append((slot, encoder_of(slot)))
            start = match.end()
        segments.append(data[start:])
        return segments, slots

    @staticmethod
    def _fill(part: tuple[list[bytes], list[tuple[int, Any]]], values: list[Any]) -> bytes:
        segments, slots = part
        if not slots:
            return segments[0]
        out = [segments[0]]
        for (slot, encode), segment in zip(slots, segments[1:]):
            out.append(encode(values[slot]))
            out.append(segment)
        return b"".join(out)

    def request(self, values: list[Any]) -> bytes:
        body = self._fill(self.body, values)
        return b"%sContent-Length: %d\r\n\r\n%s" % (self._fill(self.head, values), len(body), body)


class _Whole:
    """Marks a shape of call that cannot be templated."""


class CheapClient:
    """A botocore client's methods (``send_message_batch(QueueUrl=..., Entries=[...])``)
    answered from templates over one keep-alive connection. Not thread-safe: one per
    thread, like the connection it owns."""

    def __init__(self, service: str, endpoint: str, *, timeout: float = 60.0) -> None:
        import botocore.session
        from botocore.config import Config

        session = botocore.session.get_session()
        # the SDK that serializes and signs the templates; it never sends anything
        self._sdk = session.create_client(
            service, region_name=REGION, endpoint_url=endpoint, aws_access_key_id="testing",
            aws_secret_access_key="testing",
            config=Config(retries={"mode": "standard", "total_max_attempts": 1}, inject_host_prefix=False),
        )
        self._sdk.meta.events.register_first("before-send", self._capture)
        self.meta = self._sdk.meta
        self._model = self._sdk.meta.service_model
        self.protocol = self._model.protocol
        parts = urlsplit(endpoint)
        self._host_header = parts.netloc
        self.connection = Connection(parts.hostname or "127.0.0.1", parts.port or 80, timeout)
        self._templates: dict[tuple[str, tuple[Any, ...]], Template | _Whole] = {}
        self._api_names = self._sdk.meta.method_to_api_mapping

    def __getattr__(self, name: str) -> Any:
        api = self.__dict__.get("_api_names", {}).get(name)
        if api is None:
            raise AttributeError(name)

        def call(**params: Any) -> dict[str, Any]:
            return self.call(api, params)

        call.__name__ = name
        return call

    def close(self) -> None:
        self.connection.close()

    # -- one call ---------------------------------------------------------------------
    def call(self, operation: str, params: dict[str, Any]) -> dict[str, Any]:
        shape_key: list[Any] = []
        values: list[Any] = []
        model = self._model.operation_model(operation)
        try:
            if model.input_shape is not None:
                _walk(model.input_shape, params, shape_key, values)
        except (KeyError, AttributeError, TypeError):
            # not the model's shape: botocore says what is wrong (ParamValidationError), as boto3 would
            self._build(operation, model, params, tokenize=False)
            raise
        key = (operation, tuple(shape_key))
        template = self._templates.get(key)
        if template is None:
            try:
                template = self._templates[key] = self._build(operation, model, params)
            except ValueError:
                # a string the serializer transforms (a blob base64-encoded into JSON): this
                # shape of call is serialized in full every time (set-up calls, not the load)
                template = self._templates[key] = _Whole()
        if isinstance(template, _Whole):
            template, values = self._build(operation, model, params, tokenize=False), []
        status, headers, body = self.connection.exchange(template.request(values))
        if status >= 300:
            raise self._error(status, headers, body)
        return self._parse(model, status, headers, body)

    # -- building a template --------------------------------------------------------
    @staticmethod
    def _capture(request: Any, **_: Any) -> None:
        raise _Captured(request)

    def _build(self, operation: str, model: Any, params: dict[str, Any], tokenize: bool = True) -> Template:
        tokens: list[str] = []
        placeholders = params
        if tokenize and model.input_shape is not None:
            placeholders = _tokenize(model.input_shape, params, tokens)
        method = getattr(self._sdk, _method_name(self._api_names, operation))
        try:
            method(**placeholders)
        except _Captured as captured:
            request = captured.request
        else:  # pragma: no cover - before-send always raises
            raise RuntimeError("botocore sent the request instead of handing it over")
        url = urlsplit(request.url)
        target = url.path + (f"?{url.query}" if url.query else "")
        lines = [f"{request.method} {target} HTTP/1.1", f"Host: {self._host_header}"]
        for name, value in request.headers.items():
            if name.lower() in ("content-length", "host"):
                continue
            lines.append(f"{name}: {value.decode() if isinstance(value, bytes) else value}")
        head = ("\r\n".join(lines) + "\r\n").encode()
        body = request.body or b""
        if hasattr(body, "read"):
            body = body.read()
        if isinstance(body, str):
            body = body.encode()
        in_body = self._body_encoder(tokens, body)
        return Template(head, body, {"head": lambda slot: _percent, "body": in_body, "slots": len(tokens)})

    def _body_encoder(self, tokens: list[Any], body: bytes) -> Any:
        protocol = self.protocol
        if protocol == "query" or protocol == "ec2":
            return lambda slot: _percent
        if protocol in ("rest-json", "rest-xml") and _TOKEN.fullmatch(body):
            return lambda slot: _raw  # the payload member is the body itself
        if protocol in ("json", "rest-json"):
            return lambda slot: _json_blob if isinstance(tokens[slot], bytes) else _json_string
        raise NotImplementedError(f"protocol {protocol}")

    # -- answers --------------------------------------------------------------------------
    def _parse(self, model: Any, status: int, headers: dict[str, str], body: bytes) -> dict[str, Any]:
        shape = model.output_shape
        result: dict[str, Any] = {}
        if self.protocol == "json":
            result = orjson.loads(body) if body else {}
        elif self.protocol == "query":
            if shape is not None:
                root = ElementTree.fromstring(body)
                wrapper = _child(root, model.output_shape.serialization.get("resultWrapper") or
                                 f"{model.name}Result")
                result = _from_xml(shape, wrapper) if wrapper is not None else {}
        elif self.protocol == "rest-json":
            payload = shape.serialization.get("payload") if shape is not None else None
            if shape is not None:
                for name, member in shape.members.items():
                    where = member.serialization.get("location")
                    if where == "header":
                        value = headers.get(member.serialization.get("name", name).lower())
                        if value is not None:
                            result[name] = value
                    elif where == "statusCode":
                        result[name] = status
                if payload:
                    result[payload] = body if shape.members[payload].type_name == "blob" else orjson.loads(body or b"{}")
                elif body:
                    result.update(orjson.loads(body))
        else:
            raise NotImplementedError(f"protocol {self.protocol}")
        result["ResponseMetadata"] = {"HTTPStatusCode": status}
        return result

    def _error(self, status: int, headers: dict[str, str], body: bytes) -> WireError:
        code, message = "", ""
        if self.protocol == "query":
            found = re.search(rb"<Code>([^<]*)</Code>", body)
            said = re.search(rb"<Message>([^<]*)</Message>", body)
            code = found.group(1).decode() if found else ""
            message = said.group(1).decode() if said else body[:200].decode(errors="replace")
        else:
            try:
                parsed = orjson.loads(body) if body else {}
            except orjson.JSONDecodeError:
                parsed = {}
            if not isinstance(parsed, dict):
                parsed = {}
            code = str(parsed.get("__type") or parsed.get("code") or parsed.get("Code") or parsed.get("Type") or "")
            message = str(parsed.get("message") or parsed.get("Message") or body[:200].decode(errors="replace"))
            # SQS over JSON names its query-era code here, as botocore reads it
            query_code = headers.get("x-amzn-query-error", "").split(";", 1)[0]
            code = query_code or code or headers.get("x-amzn-errortype", "").split(":", 1)[0]
            code = code.rsplit("#", 1)[-1]
        return WireError(code or f"HTTP {status}", " ".join(message.split())[:300], status)


# -- parameters: their shape and their strings ------------------------------------------
def _walk(shape: Any, value: Any, key: list[Any], values: list[Any]) -> None:
    """The call's shape into ``key`` (member names, list lengths, non-string leaves) and its
    string and blob leaves, in order, into ``values``."""
    kind = shape.type_name
    if kind == "structure":
        members = shape.members
        key.append("{")
        for name, item in value.items():
            key.append(name)
            _walk(members[name], item, key, values)
        key.append("}")
    elif kind == "list":
        key.append(len(value))
        member = shape.member
        for item in value:
            _walk(member, item, key, values)
    elif kind == "map":
        key.append("[")
        member = shape.value
        for name, item in value.items():
            key.append(name)
            _walk(member, item, key, values)
        key.append("]")
    elif kind == "string" or kind == "blob":
        key.append(kind)
        values.append(value)
    else:
        key.append(value)


def _tokenize(shape: Any, value: Any, tokens: list[Any]) -> Any:
    """The call's parameters with each string or blob leaf replaced by a numbered token,
    in :func:`_walk`'s order (``tokens`` gets the token of each)."""
    kind = shape.type_name
    if kind == "structure":
        return {name: _tokenize(shape.members[name], item, tokens) for name, item in value.items()}
    if kind == "list":
        return [_tokenize(shape.member, item, tokens) for item in value]
    if kind == "map":
        return {name: _tokenize(shape.value, item, tokens) for name, item in value.items()}
    if kind == "string" or kind == "blob":
        text = f"Yq{len(tokens):06d}qY"
        token: str | bytes = text.encode() if kind == "blob" else text
        tokens.append(token)
        return token
    return value


def _method_name(mapping: dict[str, str], operation: str) -> str:
    for method, api in mapping.items():
        if api == operation:
            return method
    raise AttributeError(operation)


# -- the minimal XML reader (query protocol answers) ----------------------------------
def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _child(element: Any, name: str) -> Any:
    for child in element:
        if _local(child.tag) == name:
            return child
    return None


def _from_xml(shape: Any, element: Any) -> Any:
    kind = shape.type_name
    if kind == "structure":
        out: dict[str, Any] = {}
        for name, member in shape.members.items():
            child = _child(element, member.serialization.get("name", name))
            if child is not None:
                out[name] = _from_xml(member, child)
        return out
    if kind == "list":
        member_name = shape.member.serialization.get("name", "member")
        return [_from_xml(shape.member, child) for child in element if _local(child.tag) == member_name]
    if kind == "map":
        entries: dict[str, Any] = {}
        for entry in element:
            k, v = _child(entry, "key"), _child(entry, "value")
            if k is not None and v is not None:
                entries[k.text or ""] = _from_xml(shape.value, v)
        return entries
    text = element.text or ""
    if kind in ("integer", "long"):
        return int(text)
    if kind == "boolean":
        return text == "true"
    if kind in ("double", "float"):
        return float(text)
    return text
