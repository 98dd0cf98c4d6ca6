"""``FunctionDocs``: the function documents the invoke path reads, kept on this node
between invocations (a store read per invoke costs more than a no-op handler runs).

A document read here stays in use until the function changes: a change on this node
forgets it at once (``forget``, called by every unit of work that writes a function, after
it commits); a change on another node wakes this one through the store's notifications
(``store/functions.py`` sends one with every write, ``runtime.wakeups`` hears it). A
notification can be lost while the store's listener reconnects, so a document is read
again after ``fallback_seconds()`` whatever happens. A function that is not there is not
remembered, nor one whose $LATEST is ``Pending`` or ``InProgress`` (its settle job is about
to change it, on whichever node): the next invoke looks again.

Callers share the documents: they read them, never change them.
"""

from __future__ import annotations

import time
from typing import Any

from eventyard.runtime.wakeups import Wakeups, Watch, fallback_seconds
from eventyard.store import Store
from eventyard.store.functions import changed_key

__all__ = ["FunctionDocs"]

_MAX_KEPT = 10_000


class FunctionDocs:
    def __init__(self, store: Store, wakeups: Wakeups | None = None) -> None:
        self.store = store
        self.wakeups = wakeups if wakeups is not None else Wakeups()
        self._kept: dict[tuple[str, str, str], tuple[float, Watch, dict[str, Any]]] = {}

    async def get(self, account: str, region: str, name: str) -> dict[str, Any] | None:
        key = (account, region, name)
        kept = self._kept.get(key)
        if kept is not None:
            until, kept_watch, kept_doc = kept
            if not kept_watch.fired and time.monotonic() < until:
                return kept_doc
            kept_watch.close()
            del self._kept[key]
        # watched before the read: a change committed while it runs is not missed
        watch = self.wakeups.watch(changed_key(account, region, name))
        doc = await self.store.read(lambda s: s.functions.get(account, region, name))
        if doc is None or watch.fired or _settling(doc):
            watch.close()
            return doc
        if len(self._kept) >= _MAX_KEPT:
            self.clear()
        previous = self._kept.get(key)
        if previous is not None:
            previous[1].close()
        self._kept[key] = (time.monotonic() + fallback_seconds(), watch, doc)
        return doc

    def forget(self, account: str, region: str, name: str) -> None:
        """The function changed on this node (its unit of work has committed)."""
        self.wakeups.signal(changed_key(account, region, name))

    def clear(self) -> None:
        for _, watch, _ in self._kept.values():
            watch.close()
        self._kept.clear()


def _settling(doc: dict[str, Any]) -> bool:
    latest = doc.get("latest") or {}
    return latest.get("State") == "Pending" or latest.get("LastUpdateStatus") == "InProgress"
