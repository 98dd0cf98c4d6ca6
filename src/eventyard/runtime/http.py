"""Outbound HTTP of one node: the connection pool every HTTP deliverer shares (SNS HTTP/S
subscriptions, EventBridge API destinations and their OAuth tokens), and a pacer that
spaces the calls to each destination.

``OutboundHttp.client(verify=...)`` gives the node's ``httpx.AsyncClient``: one pool for
endpoints whose TLS certificate is checked (API destinations) and one for those whose is
not (SNS subscriptions, which AWS delivers to with self-signed certificates too). Both
ignore the server's proxy settings and never follow redirects; each caller passes its
own timeout per request. ``aclose()`` at shutdown; a client is opened again on demand.

``Pacer.reserve(destination, rate)`` spaces calls to one destination ``1/rate`` seconds
apart, across all deliveries of this node (with several nodes, each paces its own): it
reserves the destination's next free slot and returns how long to wait for it, or
``None`` (reserving nothing) when that is longer than ``max_wait``, so that a slow
destination holds only a bounded share of the node's delivery workers.
"""

from __future__ import annotations

import time
from typing import Callable

import httpx

__all__ = ["MAX_WAIT_SECONDS", "OutboundHttp", "Pacer"]

MAX_WAIT_SECONDS = 5.0
DEFAULT_TIMEOUT_SECONDS = 5.0
MAX_CONNECTIONS = 100
_FORGET_AFTER = 10_000  # destinations remembered before idle ones are dropped


class Pacer:
    def __init__(self, *, max_wait: float = MAX_WAIT_SECONDS, clock: Callable[[], float] = time.monotonic) -> None:
        self.max_wait = max_wait
        self._clock = clock
        self._next: dict[str, float] = {}  # destination -> first free slot

    def reserve(self, destination: str, rate: int, *, max_wait: float | None = None) -> float | None:
        """Seconds to wait before calling ``destination`` at most ``rate`` times a second;
        ``None`` when over ``max_wait`` (this pacer's unless given)."""
        limit = self.max_wait if max_wait is None else max_wait
        now = self._clock()
        start = max(now, self._next.get(destination, now))
        wait = start - now
        if wait > limit:
            return None
        self._next[destination] = start + 1.0 / max(1, rate)
        if len(self._next) > _FORGET_AFTER:
            self._next = {k: v for k, v in self._next.items() if v > now}
        return wait


class OutboundHttp:
    def __init__(self, *, max_connections: int = MAX_CONNECTIONS) -> None:
        self.pacer = Pacer()
        self._limits = httpx.Limits(max_connections=max_connections)
        self._clients: dict[bool, httpx.AsyncClient] = {}

    def client(self, *, verify: bool = True) -> httpx.AsyncClient:
        client = self._clients.get(verify)
        if client is None or client.is_closed:
            client = httpx.AsyncClient(trust_env=False, follow_redirects=False, verify=verify, limits=self._limits,
                                       timeout=httpx.Timeout(DEFAULT_TIMEOUT_SECONDS))
            self._clients[verify] = client
        return client

    async def aclose(self) -> None:
        clients, self._clients = list(self._clients.values()), {}
        for client in clients:
            await client.aclose()
