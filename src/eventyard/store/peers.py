"""Notifications between the worker processes of one ``eventyard serve --workers N``
group on SQLite: what PostgreSQL's LISTEN/NOTIFY is to nodes sharing a database.

Each worker binds a unix datagram socket named after the group and its index (in
Linux's abstract namespace, so nothing is left on disk when a worker is killed -9; in a
private temporary folder elsewhere). After a write transaction commits, the worker's
writer thread sends the notifications its units posted (``store.notifications.notify``)
to every other worker in one datagram each, without blocking: a peer that is restarting
or too busy to read misses it. Notifications are hints (a waiter re-checks the store at
its fallback period anyway), so a lost one only delays, never loses, work; and one
that is forged (an abstract socket has no file permissions: another local process may
send to it) only makes waiters look at the store again.
"""

from __future__ import annotations

import os
import socket
import sys
import tempfile
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import orjson

__all__ = ["PeerChannel", "PeerGroup"]

# a datagram holds at most this many notifications; a commit with more sends several
_PER_DATAGRAM = 256
_RECEIVE_BYTES = 1 << 20


@dataclass(frozen=True)
class PeerGroup:
    """This process's place among the workers serving one store: ``name`` identifies the
    group (the supervisor's pid and a random tag), ``index`` is this worker's slot in
    ``0 .. count-1`` (a restarted worker takes its predecessor's slot)."""

    name: str
    index: int
    count: int

    def address(self, index: int) -> str:
        if sys.platform == "linux":
            return f"\0eventyard-{self.name}-{index}"
        return os.path.join(tempfile.gettempdir(), f"eventyard-{self.name}", str(index))

    def peers(self) -> list[str]:
        return [self.address(i) for i in range(self.count) if i != self.index]


class PeerChannel:
    """This worker's socket: ``send`` to the others, and a thread that hands what they
    send to the callbacks ``listen`` registered, by channel."""

    def __init__(self, group: PeerGroup) -> None:
        self.group = group
        self._listeners: dict[str, list[Callable[[str], None]]] = {}
        self._lock = threading.Lock()
        self._inbox = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        own = group.address(group.index)
        if not own.startswith("\0"):
            os.makedirs(os.path.dirname(own), mode=0o700, exist_ok=True)
            try:
                os.unlink(own)  # left by this slot's previous worker
            except FileNotFoundError:
                pass
        self._inbox.bind(own)
        self._inbox.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, _RECEIVE_BYTES)
        self._outbox = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self._outbox.setblocking(False)
        self._peers = group.peers()
        self._closed = False
        self._reader = threading.Thread(target=self._read_loop, name="eventyard-peers", daemon=True)
        self._reader.start()

    def listen(self, channel: str, callback: Callable[[str], None]) -> None:
        with self._lock:
            self._listeners.setdefault(channel, []).append(callback)

    def send(self, notes: Iterable[tuple[str, str]]) -> None:
        """Tell every other worker; never blocks, never raises (see the module's note)."""
        unique = list(dict.fromkeys(notes))
        for start in range(0, len(unique), _PER_DATAGRAM):
            datagram = orjson.dumps(unique[start:start + _PER_DATAGRAM])
            for peer in self._peers:
                try:
                    self._outbox.sendto(datagram, peer)
                except OSError:
                    pass  # ECONNREFUSED/ENOENT: the peer is (re)starting; EAGAIN: its inbox is full

    def _read_loop(self) -> None:
        while not self._closed:
            try:
                datagram = self._inbox.recv(_RECEIVE_BYTES)
            except OSError:
                return  # closed
            if not datagram:
                continue
            try:
                notes = orjson.loads(datagram)
            except orjson.JSONDecodeError:
                continue
            with self._lock:
                listeners = {ch: list(cbs) for ch, cbs in self._listeners.items()}
            for channel, payload in notes:
                for callback in listeners.get(channel, ()):
                    try:
                        callback(payload)
                    except Exception:  # noqa: BLE001 - a listener's bug must not stop the others
                        pass

    def close(self) -> None:
        self._closed = True
        # shutdown wakes the reader's recv; closing alone may not
        try:
            self._inbox.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self._reader.join(timeout=2)
        self._inbox.close()
        self._outbox.close()
