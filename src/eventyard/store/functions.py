"""Lambda: functions (one JSON document each), code archives by SHA-256, layer versions.

The document's shape is the functions service's (``services/functions``); this module
only keeps it. ``get(..., for_update=True)`` locks the row on PostgreSQL so that two
read-modify-writes of one function (two ``UpdateAlias`` calls) do not lose one. Every
write of a function wakes ``changed_key`` on the other nodes when it commits (nodes keep
the documents they invoke with until then).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import orjson

from eventyard.store.notifications import wake, wake_key

if TYPE_CHECKING:
    from eventyard.store.session import Session

__all__ = ["Functions", "changed_key"]

_CHANGED = "lambda-function"


def changed_key(account_id: str, region: str, name: str) -> str:
    """The wake-up key of a change to one function."""
    return wake_key(_CHANGED, f"{account_id}:{region}:{name}")


class Functions:
    def __init__(self, session: "Session") -> None:
        self._s = session

    # -- functions ---------------------------------------------------------------------
    def get(self, account_id: str, region: str, name: str, *, for_update: bool = False) -> dict[str, Any] | None:
        lock = " FOR UPDATE" if for_update and self._s.dialect == "postgres" else ""
        row = self._s.one("SELECT doc FROM lambda_functions WHERE account_id = ? AND region = ? AND name = ?" + lock,
                          (account_id, region, name))
        return None if row is None else dict(orjson.loads(row[0]))

    def insert(self, account_id: str, region: str, name: str, doc: dict[str, Any], now: int) -> None:
        """Add a function; ``ConflictError`` when the name is taken."""
        self._s.execute("INSERT INTO lambda_functions (account_id, region, name, doc, changed_ms) VALUES (?, ?, ?, ?, ?)",
                        (account_id, region, name, orjson.dumps(doc).decode(), now))
        self._changed(account_id, region, name)

    def replace(self, account_id: str, region: str, name: str, doc: dict[str, Any], now: int) -> bool:
        cur = self._s.execute("UPDATE lambda_functions SET doc = ?, changed_ms = ? WHERE account_id = ? AND region = ?"
                              " AND name = ?", (orjson.dumps(doc).decode(), now, account_id, region, name))
        changed = bool(cur.rowcount)
        if changed:
            self._changed(account_id, region, name)
        return changed

    def delete(self, account_id: str, region: str, name: str) -> bool:
        cur = self._s.execute("DELETE FROM lambda_functions WHERE account_id = ? AND region = ? AND name = ?",
                              (account_id, region, name))
        changed = bool(cur.rowcount)
        if changed:
            self._changed(account_id, region, name)
        return changed

    def _changed(self, account_id: str, region: str, name: str) -> None:
        wake(self._s, _CHANGED, f"{account_id}:{region}:{name}")

    def page(self, account_id: str, region: str, *, after: str | None, limit: int) -> list[dict[str, Any]]:
        sql = "SELECT doc FROM lambda_functions WHERE account_id = ? AND region = ?"
        params: list[Any] = [account_id, region]
        if after is not None:
            sql += " AND name > ?"
            params.append(after)
        sql += " ORDER BY name LIMIT ?"
        params.append(limit)
        return [dict(orjson.loads(row[0])) for row in self._s.all(sql, params)]

    def all_in_account(self, account_id: str, region: str) -> list[dict[str, Any]]:
        rows = self._s.all("SELECT doc FROM lambda_functions WHERE account_id = ? AND region = ?", (account_id, region))
        return [dict(orjson.loads(row[0])) for row in rows]

    # -- code archives -----------------------------------------------------------------
    def put_archive(self, sha256: str, archive: bytes) -> None:
        self._s.execute("INSERT INTO lambda_code (sha256, archive) VALUES (?, ?) ON CONFLICT (sha256) DO NOTHING",
                        (sha256, archive))

    def archive(self, sha256: str) -> bytes | None:
        row = self._s.one("SELECT archive FROM lambda_code WHERE sha256 = ?", (sha256,))
        return None if row is None else bytes(row[0])

    # -- function URLs -----------------------------------------------------------------
    def put_url(self, url_id: str, account_id: str, region: str, name: str, qualifier: str) -> None:
        self._s.execute("INSERT INTO lambda_urls (url_id, account_id, region, name, qualifier) VALUES (?, ?, ?, ?, ?)",
                        (url_id, account_id, region, name, qualifier))

    def url_owner(self, url_id: str) -> tuple[str, str, str, str] | None:
        """(account, region, function name, qualifier or '') of a function URL."""
        row = self._s.one("SELECT account_id, region, name, qualifier FROM lambda_urls WHERE url_id = ?", (url_id,))
        return None if row is None else (row[0], row[1], row[2], row[3])

    def delete_urls(self, account_id: str, region: str, name: str, qualifier: str | None = None) -> None:
        """Drop the function's URL of ``qualifier`` ('' unqualified), or all its URLs."""
        sql = "DELETE FROM lambda_urls WHERE account_id = ? AND region = ? AND name = ?"
        params: list[Any] = [account_id, region, name]
        if qualifier is not None:
            sql += " AND qualifier = ?"
            params.append(qualifier)
        self._s.execute(sql, params)

    # -- event source mappings ---------------------------------------------------------
    def put_mapping(self, uuid: str, account_id: str, region: str, doc: dict[str, Any]) -> None:
        self._s.execute("INSERT INTO lambda_event_source_mappings (uuid, account_id, region, doc) VALUES (?, ?, ?, ?)"
                        " ON CONFLICT (uuid) DO UPDATE SET doc = excluded.doc",
                        (uuid, account_id, region, orjson.dumps(doc).decode()))

    def mapping(self, uuid: str, *, for_update: bool = False) -> tuple[str, str, dict[str, Any]] | None:
        lock = " FOR UPDATE" if for_update and self._s.dialect == "postgres" else ""
        row = self._s.one("SELECT account_id, region, doc FROM lambda_event_source_mappings WHERE uuid = ?" + lock,
                          (uuid,))
        return None if row is None else (row[0], row[1], dict(orjson.loads(row[2])))

    def mappings(self, account_id: str | None = None, region: str | None = None) -> list[dict[str, Any]]:
        """Every mapping (the pollers' view), or those of one account and region, by UUID."""
        if account_id is None:
            rows = self._s.all("SELECT doc FROM lambda_event_source_mappings ORDER BY uuid")
        else:
            rows = self._s.all("SELECT doc FROM lambda_event_source_mappings WHERE account_id = ? AND region = ?"
                               " ORDER BY uuid", (account_id, region))
        return [dict(orjson.loads(row[0])) for row in rows]

    def delete_mapping(self, uuid: str) -> None:
        self._s.execute("DELETE FROM lambda_event_source_mappings WHERE uuid = ?", (uuid,))

    # -- layers ------------------------------------------------------------------------
    def add_layer_version(self, account_id: str, region: str, name: str, doc: dict[str, Any]) -> int:
        """The layer's next version number, with ``doc``. A deleted version stays as a
        tombstone (``{"Deleted": true}``) so that its number is never given again."""
        latest = self._s.scalar("SELECT MAX(version) FROM lambda_layers WHERE account_id = ? AND region = ? AND name = ?",
                                (account_id, region, name))
        version = int(latest or 0) + 1
        doc = {**doc, "Version": version}
        self._s.execute("INSERT INTO lambda_layers (account_id, region, name, version, doc) VALUES (?, ?, ?, ?, ?)",
                        (account_id, region, name, version, orjson.dumps(doc).decode()))
        return version

    def layer_version(self, account_id: str, region: str, name: str, version: int) -> dict[str, Any] | None:
        row = self._s.one("SELECT doc FROM lambda_layers WHERE account_id = ? AND region = ? AND name = ? AND version = ?",
                          (account_id, region, name, version))
        return None if row is None else dict(orjson.loads(row[0]))

    def layer_versions(self, account_id: str, region: str, name: str | None = None) -> list[dict[str, Any]]:
        sql = "SELECT doc FROM lambda_layers WHERE account_id = ? AND region = ?"
        params: list[Any] = [account_id, region]
        if name is not None:
            sql += " AND name = ?"
            params.append(name)
        sql += " ORDER BY name, version DESC"
        return [dict(orjson.loads(row[0])) for row in self._s.all(sql, params)]

    def delete_layer_version(self, account_id: str, region: str, name: str, version: int) -> None:
        self._s.execute("UPDATE lambda_layers SET doc = ? WHERE account_id = ? AND region = ? AND name = ?"
                        " AND version = ?", ('{"Deleted":true}', account_id, region, name, version))

    # -- concurrency leases (limits that hold across processes and nodes) ---------------
    def lease_slots(self, scope: str, holder: str, want: int, limit: int, now: int, expires_at: int) -> int:
        """Up to ``want`` more slots of ``scope`` for ``holder``, as many as the unexpired
        leases of every holder leave free under ``limit``; the holder's lease then runs
        to ``expires_at``. Returns how many were granted (0: none free)."""
        if self._s.dialect == "postgres":  # one granter per scope at a time, rows or not
            self._s.execute("SELECT pg_advisory_xact_lock(1279741261, hashtext(?))", (scope,))
        self._s.execute("DELETE FROM lambda_concurrency_leases WHERE scope = ? AND expires_at <= ?", (scope, now))
        row = self._s.one("SELECT COALESCE(SUM(slots), 0) FROM lambda_concurrency_leases WHERE scope = ?", (scope,))
        granted = max(0, min(want, limit - int(row[0] if row else 0)))
        self._s.execute("INSERT INTO lambda_concurrency_leases (scope, holder, slots, expires_at) VALUES (?, ?, ?, ?)"
                        " ON CONFLICT (scope, holder) DO UPDATE SET slots = lambda_concurrency_leases.slots"
                        " + excluded.slots, expires_at = excluded.expires_at", (scope, holder, granted, expires_at))
        return granted

    def keep_slots(self, scope: str, holder: str, slots: int) -> None:
        """``holder`` gives back all but ``slots`` of its lease on ``scope``."""
        if slots <= 0:
            self._s.execute("DELETE FROM lambda_concurrency_leases WHERE scope = ? AND holder = ?", (scope, holder))
        else:
            self._s.execute("UPDATE lambda_concurrency_leases SET slots = ? WHERE scope = ? AND holder = ?",
                            (slots, scope, holder))

    def renew_slots(self, holder: str, held: dict[str, int], expires_at: int) -> None:
        """The leases of a live ``holder`` (scope -> slots it holds) run on to
        ``expires_at``, put back as they are if a stall let them expire meanwhile."""
        self._s.execute("DELETE FROM lambda_concurrency_leases WHERE holder = ?", (holder,))
        rows = [(scope, holder, slots, expires_at) for scope, slots in held.items() if slots > 0]
        if rows:
            self._s.executemany("INSERT INTO lambda_concurrency_leases (scope, holder, slots, expires_at)"
                                " VALUES (?, ?, ?, ?)", rows)
