"""The Lambda Runtime API (``/2018-06-01/runtime/...``) as one worker sees it.

Each worker gets its own ``RuntimeApi``: a listening socket on loopback (port chosen by
the kernel) whose only client is that worker, so a worker only ever sees its own
invocations. (A path prefix per worker on one shared port does not work: awslambdaric
posts init errors with ``http.client``, which takes ``AWS_LAMBDA_RUNTIME_API`` as
``host:port`` and nothing else.) It sits on the hot path of every invoke, so it is a
small HTTP/1.1 server on asyncio's protocol API rather than an ASGI stack: the runtime
clients keep one connection open and send plain ``Content-Length`` (or chunked) requests.

The state machine follows AWS's runtime interface emulator:

- ``GET  /2018-06-01/runtime/invocation/next``: the first one ends the init phase
  (``ready``); each waits until ``deliver()`` hands it an invocation, answered 200 with
  the event as body and ``Lambda-Runtime-*`` headers.
- ``POST /2018-06-01/runtime/invocation/{id}/response`` and ``.../{id}/error``: 202
  ``{"status":"OK"}``; an unknown id 400 ``InvalidRequestID``; no invocation in flight
  403 ``InvalidStateTransition``; a response over 6,291,556 bytes 413
  ``RequestEntityTooLarge`` (and the invoker gets ``Function.ResponseSizeTooLarge``).
- ``POST /2018-06-01/runtime/init/error``: 202 during init, else 403.

The outcome of init and of each invocation arrives through futures the worker awaits.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import cast

import orjson

__all__ = ["MAX_RESPONSE_BYTES", "Delivery", "RuntimeApi", "RuntimeOutcome"]

PREFIX = b"/2018-06-01/runtime/"
MAX_RESPONSE_BYTES = 6_291_556
_MAX_HEADER_BYTES = 1024 * 1024 + 65536  # awslambdaric's X-Ray fault header may be up to 1 MiB
_ERROR_TYPE_HEADER = b"lambda-runtime-function-error-type"
_ACCEPTED = b'{"status":"OK"}\n'
_STATUS_TEXT = {200: b"OK", 202: b"Accepted", 400: b"Bad Request", 403: b"Forbidden", 404: b"Not Found",
                413: b"Request Entity Too Large", 500: b"Internal Server Error"}


@dataclass(frozen=True)
class Delivery:
    """One invocation as the worker receives it from ``/invocation/next``."""

    request_id: str
    payload: bytes
    deadline_ms: int  # epoch milliseconds
    invoked_arn: str
    trace_id: str
    client_context: str | None = None


@dataclass(frozen=True)
class RuntimeOutcome:
    """What the worker posted: a response (``error_type`` None) or an error document."""

    payload: bytes
    error_type: str | None  # Lambda-Runtime-Function-Error-Type, or RequestEntityTooLarge
    finished: float  # time.perf_counter() when it arrived


def _error_body(error_type: str, message: str) -> bytes:
    return orjson.dumps({"errorMessage": message, "errorType": error_type})


def _transition_error(current: str, target: str) -> bytes:
    return _error_body("InvalidStateTransition",
                       f"State transition from {current} to {target} failed for runtime. "
                       "Error: State transition is not allowed")


class RuntimeApi:
    """The Runtime API of one worker: ``await start()`` gives its ``host:port``."""

    def __init__(self) -> None:
        loop = asyncio.get_running_loop()
        self._loop = loop
        self.ready: asyncio.Future[float] = loop.create_future()  # perf_counter of the first /next
        self.init_error: asyncio.Future[RuntimeOutcome] = loop.create_future()
        self._server: asyncio.AbstractServer | None = None
        self._parked: _Connection | None = None  # a /next waiting for an invocation
        self._queued: Delivery | None = None  # an invocation waiting for a /next
        self._current: Delivery | None = None  # handed to the worker, no outcome yet
        self._outcome: asyncio.Future[RuntimeOutcome] | None = None
        self.delivered_at = 0.0  # perf_counter when the current invocation reached the worker
        self._state = "Init"  # emulator's names: Init, Ready, Invoking, InitError

    async def start(self) -> str:
        self._server = await self._loop.create_server(lambda: _Connection(self), "127.0.0.1", 0, backlog=8)
        port = self._server.sockets[0].getsockname()[1]
        return f"127.0.0.1:{port}"

    def close(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None
        if self._parked is not None:
            self._parked.close()
            self._parked = None
        for future in (self.ready, self.init_error):
            if not future.done():
                future.cancel()
        if self._outcome is not None and not self._outcome.done():
            self._outcome.cancel()

    def deliver(self, delivery: Delivery) -> asyncio.Future[RuntimeOutcome]:
        """Hand one invocation to the worker; the future resolves with what it posts."""
        self._outcome = self._loop.create_future()
        self._current = delivery
        parked, self._parked = self._parked, None
        if parked is not None and not parked.closed:
            self._send_delivery(parked, delivery)
        else:
            self._queued = delivery
        return self._outcome

    def finish(self) -> None:
        """The invocation is over for the invoker (answered, timed out, or the worker died)."""
        self._current = None
        self._queued = None
        self._outcome = None

    # -- requests ---------------------------------------------------------------------

    def _send_delivery(self, connection: _Connection, delivery: Delivery) -> None:
        self._state = "Invoking"
        headers = [
            b"Lambda-Runtime-Aws-Request-Id: ", delivery.request_id.encode(), b"\r\n",
            b"Lambda-Runtime-Deadline-Ms: ", str(delivery.deadline_ms).encode(), b"\r\n",
            b"Lambda-Runtime-Invoked-Function-Arn: ", delivery.invoked_arn.encode(), b"\r\n",
            b"Lambda-Runtime-Trace-Id: ", delivery.trace_id.encode(), b"\r\n",
        ]
        if delivery.client_context:
            headers += [b"Lambda-Runtime-Client-Context: ", delivery.client_context.encode(), b"\r\n"]
        self.delivered_at = time.perf_counter()
        connection.respond(200, delivery.payload, b"".join(headers))

    def handle(self, connection: _Connection, method: bytes, path: bytes, headers: dict[bytes, bytes],
               body: bytes, oversized: bool) -> None:
        if not path.startswith(PREFIX):
            connection.respond(404, _error_body("NotFound", "Not Found"))
            return
        route = path[len(PREFIX):]
        if method == b"GET" and route == b"invocation/next":
            self._next(connection)
        elif method == b"POST" and route.startswith(b"invocation/"):
            request_id, _, action = route[len(b"invocation/"):].partition(b"/")
            if action not in (b"response", b"error"):
                connection.respond(404, _error_body("NotFound", "Not Found"))
                return
            self._invocation_outcome(connection, request_id.decode(errors="replace"), action, headers, body, oversized)
        elif method == b"POST" and route == b"init/error":
            self._init_error(connection, headers, body)
        else:
            connection.respond(404, _error_body("NotFound", "Not Found"))

    def _next(self, connection: _Connection) -> None:
        if self._state == "InitError":
            connection.respond(403, _transition_error(self._state, "Ready"))
            return
        if not self.ready.done():
            self.ready.set_result(time.perf_counter())
        if self._state == "Invoking" and self._current is not None and self._outcome is not None \
                and not self._outcome.done():
            # /next while an invocation is in flight: the emulator refuses it.
            connection.respond(403, _transition_error("Invoking", "Ready"))
            return
        self._state = "Ready"
        queued, self._queued = self._queued, None
        if queued is not None:
            self._send_delivery(connection, queued)
        else:
            self._parked = connection

    def _invocation_outcome(self, connection: _Connection, request_id: str, action: bytes,
                            headers: dict[bytes, bytes], body: bytes, oversized: bool) -> None:
        current, outcome = self._current, self._outcome
        if current is None or outcome is None or outcome.done() or self._state != "Invoking":
            target = "InvocationResponse" if action == b"response" else "InvocationErrorResponse"
            connection.respond(403, _transition_error(self._state, target))
            return
        if request_id != current.request_id:
            connection.respond(400, _error_body("InvalidRequestID", "Invalid request ID"))
            return
        now = time.perf_counter()
        if oversized:
            connection.respond(413, _error_body("RequestEntityTooLarge",
                                                f"Exceeded maximum allowed payload size ({MAX_RESPONSE_BYTES} bytes)."))
            outcome.set_result(RuntimeOutcome(b"", "RequestEntityTooLarge", now))
        elif action == b"response":
            connection.respond(202, _ACCEPTED)
            outcome.set_result(RuntimeOutcome(body, None, now))
        else:
            connection.respond(202, _ACCEPTED)
            outcome.set_result(RuntimeOutcome(body, _error_type(headers), now))
        self._state = "Ready"

    def _init_error(self, connection: _Connection, headers: dict[bytes, bytes], body: bytes) -> None:
        if self._state != "Init":
            connection.respond(403, _transition_error(self._state, "InitError"))
            return
        self._state = "InitError"
        connection.respond(202, _ACCEPTED)
        if not self.init_error.done():
            self.init_error.set_result(RuntimeOutcome(body, _error_type(headers), time.perf_counter()))


def _error_type(headers: dict[bytes, bytes]) -> str:
    """The emulator keeps ``Runtime.X``/``Function.X`` error types and calls the rest Unknown."""
    value = headers.get(_ERROR_TYPE_HEADER, b"").decode(errors="replace")
    family, dot, name = value.partition(".")
    if dot and family in ("Runtime", "Function") and name[:1].isupper():
        return value
    return "Runtime.Unknown"


class _Connection(asyncio.Protocol):
    """One keep-alive HTTP/1.1 connection from the worker's runtime client."""

    def __init__(self, api: RuntimeApi) -> None:
        self._api = api
        self._transport: asyncio.Transport | None = None
        self._buffer = bytearray()
        self.closed = False
        # A request whose headers are parsed and whose body is still arriving.
        self._pending: tuple[bytes, bytes, dict[bytes, bytes]] | None = None
        self._body_left = 0
        self._chunked = False
        self._discarding = False  # an oversized body: count it, keep none of it
        self._body = bytearray()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports are not asyncio.Transport subclasses: no isinstance check here.
        self._transport = cast(asyncio.Transport, transport)

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if self._api._parked is self:
            self._api._parked = None

    def close(self) -> None:
        if self._transport is not None and not self.closed:
            self._transport.close()
        self.closed = True

    def respond(self, status: int, body: bytes, extra_headers: bytes = b"") -> None:
        if self._transport is None or self.closed:
            return
        self._transport.write(b"".join((
            b"HTTP/1.1 ", str(status).encode(), b" ", _STATUS_TEXT.get(status, b"OK"),
            b"\r\nContent-Type: application/json\r\n", extra_headers,
            b"Content-Length: ", str(len(body)).encode(), b"\r\n\r\n", body)))

    def data_received(self, data: bytes) -> None:
        self._buffer += data
        try:
            while self._step():
                pass
        except _BadRequest:
            self.respond(400, _error_body("BadRequest", "Malformed HTTP request"))
            self.close()

    def _step(self) -> bool:
        """Parse as far as the buffer allows; True if another step may make progress."""
        buffer = self._buffer
        if self._pending is None:
            end = buffer.find(b"\r\n\r\n")
            if end < 0:
                if len(buffer) > _MAX_HEADER_BYTES:
                    raise _BadRequest
                return False
            head = bytes(buffer[:end])
            del buffer[:end + 4]
            lines = head.split(b"\r\n")
            parts = lines[0].split(b" ")
            if len(parts) != 3:
                raise _BadRequest
            headers: dict[bytes, bytes] = {}
            for line in lines[1:]:
                name, colon, value = line.partition(b":")
                if not colon:
                    raise _BadRequest
                headers[name.strip().lower()] = value.strip()
            self._pending = (parts[0], parts[1].split(b"?", 1)[0], headers)
            self._chunked = headers.get(b"transfer-encoding", b"").lower() == b"chunked"
            try:
                self._body_left = 0 if self._chunked else int(headers.get(b"content-length", b"0"))
            except ValueError:
                raise _BadRequest from None
            self._discarding = self._body_left > MAX_RESPONSE_BYTES
            self._body = bytearray()
        if self._chunked:
            if not self._read_chunks():
                return False
        else:
            if self._body_left:
                take = min(self._body_left, len(buffer))
                if not self._discarding:
                    self._body += buffer[:take]
                del buffer[:take]
                self._body_left -= take
                if self._body_left:
                    return False
        method, path, headers = self._pending
        body, oversized = bytes(self._body), self._discarding
        self._pending, self._body, self._discarding = None, bytearray(), False
        self._api.handle(self, method, path, headers, body, oversized)
        return bool(buffer)

    def _read_chunks(self) -> bool:
        """Consume chunked-encoding chunks; True once the last chunk has arrived."""
        buffer = self._buffer
        while True:
            line_end = buffer.find(b"\r\n")
            if line_end < 0:
                return False
            try:
                size = int(bytes(buffer[:line_end]).split(b";", 1)[0], 16)
            except ValueError:
                raise _BadRequest from None
            if size == 0:
                trailer_end = buffer.find(b"\r\n\r\n", line_end)
                if trailer_end == line_end:  # no trailers
                    del buffer[:line_end + 4]
                    return True
                if trailer_end < 0:
                    return False
                del buffer[:trailer_end + 4]
                return True
            if len(buffer) < line_end + 2 + size + 2:
                return False
            if not self._discarding:
                self._body += buffer[line_end + 2:line_end + 2 + size]
                if len(self._body) > MAX_RESPONSE_BYTES:
                    self._discarding = True
                    self._body = bytearray()
            del buffer[:line_end + 2 + size + 2]


class _BadRequest(Exception):
    pass
