"""The Lambda Runtime API one worker talks to (runtime/functions/runtime_api.py), driven
with raw HTTP/1.1 over one keep-alive connection, as the runtime clients use it."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable

from eventyard.runtime.functions.runtime_api import MAX_RESPONSE_BYTES, Delivery, RuntimeApi

NEXT = "/2018-06-01/runtime/invocation/next"


class Client:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    @classmethod
    async def connect(cls, address: str) -> Client:
        host, port = address.split(":")
        return cls(*await asyncio.open_connection(host, int(port)))

    def send(self, method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None,
             chunked: bool = False) -> None:
        lines = [f"{method} {path} HTTP/1.1", "Host: runtime"]
        lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
        if chunked:
            lines.append("Transfer-Encoding: chunked")
            half = len(body) // 2
            chunks = b"".join(f"{len(part):x}\r\n".encode() + part + b"\r\n" for part in (body[:half], body[half:]) if part)
            self.writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + chunks + b"0\r\n\r\n")
        else:
            lines.append(f"Content-Length: {len(body)}")
            self.writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + body)

    async def answer(self) -> tuple[int, dict[str, str], bytes]:
        head = await self.reader.readuntil(b"\r\n\r\n")
        status_line, *header_lines = head.decode().split("\r\n")
        headers = {}
        for line in header_lines:
            if line:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
        body = await self.reader.readexactly(int(headers["content-length"]))
        return int(status_line.split(" ")[1]), headers, body

    async def call(self, method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None,
                   chunked: bool = False) -> tuple[int, dict[str, str], bytes]:
        self.send(method, path, body, headers, chunked)
        return await self.answer()


def run(test: Callable[[RuntimeApi, Client], Awaitable[None]]) -> None:
    async def main() -> None:
        api = RuntimeApi()
        client = await Client.connect(await api.start())
        try:
            await asyncio.wait_for(test(api, client), 60)
        finally:
            client.writer.close()
            api.close()
    asyncio.run(main())


def _delivery(request_id: str = "req-1", payload: bytes = b'{"k": 1}') -> Delivery:
    return Delivery(request_id=request_id, payload=payload, deadline_ms=1_700_000_000_000,
                    invoked_arn="arn:aws:lambda:us-east-1:000000000000:function:fn:live",
                    trace_id="Root=1-00000000-000000000000000000000000;Sampled=0", client_context='{"custom":{}}')


def test_next_waits_for_an_invocation_and_carries_lambdas_headers() -> None:
    async def scenario(api: RuntimeApi, client: Client) -> None:
        client.send("GET", NEXT)
        await api.ready  # the first /next ends the init phase
        outcome = api.deliver(_delivery())
        status, headers, body = await client.answer()
        assert status == 200 and body == b'{"k": 1}'
        assert headers["lambda-runtime-aws-request-id"] == "req-1"
        assert headers["lambda-runtime-deadline-ms"] == "1700000000000"
        assert headers["lambda-runtime-invoked-function-arn"] == "arn:aws:lambda:us-east-1:000000000000:function:fn:live"
        assert headers["lambda-runtime-trace-id"].startswith("Root=1-")
        assert headers["lambda-runtime-client-context"] == '{"custom":{}}'
        assert headers["content-type"] == "application/json"
        status, _, body = await client.call("POST", "/2018-06-01/runtime/invocation/req-1/response", b'"done"')
        assert status == 202 and json.loads(body) == {"status": "OK"}
        result = await outcome
        assert result.payload == b'"done"' and result.error_type is None
        api.finish()
        # Delivered before the next /next arrives: it is answered at once.
        second = api.deliver(_delivery("req-2"))
        status, headers, _ = await client.call("GET", NEXT)
        assert status == 200 and headers["lambda-runtime-aws-request-id"] == "req-2"
        status, _, _ = await client.call("POST", "/2018-06-01/runtime/invocation/req-2/error",
                                         b'{"errorMessage":"x","errorType":"ValueError"}',
                                         {"Lambda-Runtime-Function-Error-Type": "Runtime.Weird"}, chunked=True)
        assert status == 202
        error = await second
        assert error.error_type == "Runtime.Weird" and json.loads(error.payload)["errorType"] == "ValueError"
    run(scenario)


def test_wrong_request_id_wrong_state_and_oversized_response() -> None:
    async def scenario(api: RuntimeApi, client: Client) -> None:
        status, _, body = await client.call("POST", "/2018-06-01/runtime/invocation/nobody/response", b"{}")
        assert status == 403 and json.loads(body)["errorType"] == "InvalidStateTransition"
        outcome = api.deliver(_delivery())
        status, _, _ = await client.call("GET", NEXT)
        assert status == 200
        status, _, body = await client.call("POST", "/2018-06-01/runtime/invocation/other/response", b"{}")
        assert (status, json.loads(body)) == (400, {"errorMessage": "Invalid request ID", "errorType": "InvalidRequestID"})
        status, _, body = await client.call("POST", "/2018-06-01/runtime/invocation/req-1/response",
                                            b"x" * (MAX_RESPONSE_BYTES + 1))
        assert (status, json.loads(body)) == (413, {"errorMessage": "Exceeded maximum allowed payload size (6291556 bytes).",
                                                    "errorType": "RequestEntityTooLarge"})
        assert (await outcome).error_type == "RequestEntityTooLarge"
        # The outcome is in: a second answer for the same invocation is refused.
        status, _, body = await client.call("POST", "/2018-06-01/runtime/invocation/req-1/response", b"{}")
        assert status == 403 and json.loads(body)["errorType"] == "InvalidStateTransition"
        status, _, body = await client.call("POST", "/2018-06-01/runtime/init/error", b"{}")
        assert status == 403 and json.loads(body)["errorType"] == "InvalidStateTransition"
    run(scenario)


def test_init_error_once() -> None:
    async def scenario(api: RuntimeApi, client: Client) -> None:
        document = {"errorMessage": "Unable to import module 'x': No module named 'y'",
                    "errorType": "Runtime.ImportModuleError", "requestId": "", "stackTrace": []}
        status, _, _ = await client.call("POST", "/2018-06-01/runtime/init/error", json.dumps(document).encode(),
                                         {"Lambda-Runtime-Function-Error-Type": "Runtime.ImportModuleError"})
        assert status == 202
        error = await api.init_error
        assert error.error_type == "Runtime.ImportModuleError" and json.loads(error.payload) == document
        status, _, _ = await client.call("POST", "/2018-06-01/runtime/init/error", b"{}")
        assert status == 403
        status, _, _ = await client.call("GET", NEXT)
        assert status == 403
        status, _, _ = await client.call("GET", "/2018-06-01/elsewhere")
        assert status == 404
    run(scenario)
