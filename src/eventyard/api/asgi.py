"""The API as a bare ASGI app: the hot path skips any framework routing."""

from __future__ import annotations

from typing import TYPE_CHECKING

from eventyard.api.dispatch import Dispatcher
from eventyard.api.errors import WireError
from eventyard.api.http import HttpRequest

if TYPE_CHECKING:
    from starlette.types import Receive, Scope, Send

MAX_BODY = 8 * 1024 * 1024  # far above any AWS request limit eventyard serves


class ApiApp:
    def __init__(self, dispatcher: Dispatcher) -> None:
        self.dispatcher = dispatcher

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        chunks, size, more = [], 0, True
        raw_path = scope.get("raw_path") or scope["path"].encode()
        request = HttpRequest.from_raw(scope["method"], raw_path.decode("latin-1").split("?", 1)[0],
                                       scope.get("query_string", b"").decode("latin-1"), scope["headers"],
                                       scope.get("scheme", "http"))
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > MAX_BODY:
                refusal = self.dispatcher.refuse(request, WireError(
                    "RequestEntityTooLargeException",
                    f"Request entity too large: the body is over the limit of {MAX_BODY} bytes.", 413))
                await _send(send, refusal.status, refusal.body, refusal.headers)
                return
            chunks.append(chunk)
            more = message.get("more_body", False)
        request.body = b"".join(chunks)
        response = await self.dispatcher.handle(request)
        await _send(send, response.status, response.body, response.headers)


async def _send(send: Send, status: int, body: bytes, headers: list[tuple[str, str]]) -> None:
    raw = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers]
    raw.append((b"content-length", str(len(body)).encode()))
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})
