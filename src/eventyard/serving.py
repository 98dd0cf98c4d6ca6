"""The HTTP connection protocol ``eventyard serve`` runs: uvicorn's, plus a deadline for
receiving each request.

uvicorn closes a keep-alive connection left idle after a response, but not one that
connects and sends nothing, nor one that sends part of its headers or body and then
stalls: each such connection is held open for ever, so a few hundred of them exhaust a
server that faces the public ("slowloris"). Here every request must arrive whole, headers
and body, within ``seconds`` of its first byte (or of the connection, for the first
one); else the connection is closed. Time spent answering is not counted: a long poll
(ReceiveMessage's WaitTimeSeconds) is not cut short.
"""

from __future__ import annotations

import asyncio
from typing import Any

DEFAULT_REQUEST_TIMEOUT_S = 60.0


class _ReadDeadline:
    """The deadline's timer, shared by both protocol classes (``seconds`` is set on the
    class built for the server; ``loop`` and ``transport`` are uvicorn's)."""

    seconds: float
    loop: asyncio.AbstractEventLoop
    transport: Any
    _deadline: asyncio.TimerHandle | None = None

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)  # type: ignore[misc]  # uvicorn's protocol follows in the MRO

    def _arm(self) -> None:
        self._disarm()
        self._deadline = self.loop.call_later(self.seconds, self._expired)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _expired(self) -> None:
        self._deadline = None
        if not self.transport.is_closing():
            self.transport.close()


def protocol_with_read_timeout(seconds: float) -> type[asyncio.Protocol]:
    """A uvicorn HTTP protocol class (for ``uvicorn.run(http=...)``) with the deadline."""
    try:
        from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol as Base
    except ImportError:  # httptools is optional for uvicorn: h11 then
        return _h11_protocol(seconds)

    class ReadDeadlineProtocol(_ReadDeadline, Base):

        def connection_made(self, transport: Any) -> None:
            super().connection_made(transport)
            self._arm()

        def data_received(self, data: bytes) -> None:
            if self._deadline is None and (self.cycle is None or self.cycle.response_complete):
                self._arm()  # the first byte of the next request
            super().data_received(data)

        def on_message_complete(self) -> None:
            self._disarm()
            super().on_message_complete()
    ReadDeadlineProtocol.seconds = seconds
    return ReadDeadlineProtocol


def _h11_protocol(seconds: float) -> type[asyncio.Protocol]:
    import h11
    from uvicorn.protocols.http.h11_impl import H11Protocol

    class ReadDeadlineH11Protocol(_ReadDeadline, H11Protocol):

        def connection_made(self, transport: Any) -> None:
            super().connection_made(transport)
            self._arm()

        def data_received(self, data: bytes) -> None:
            if self._deadline is None and self.conn.their_state is h11.IDLE:
                self._arm()
            super().data_received(data)
            if self.conn.their_state in (h11.DONE, h11.MUST_CLOSE, h11.CLOSED):
                self._disarm()

    ReadDeadlineH11Protocol.seconds = seconds
    return ReadDeadlineH11Protocol
