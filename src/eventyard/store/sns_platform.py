"""SNS mobile push applications and endpoints, and account-level SMS settings."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import orjson

from eventyard.store._sql import key_page

if TYPE_CHECKING:
    from eventyard.store.session import Session


@dataclass(frozen=True)
class PlatformApplication:
    arn: str
    account_id: str
    region: str
    name: str
    platform: str
    attributes: dict[str, str]

    @classmethod
    def from_row(cls, row: tuple[Any, ...]) -> "PlatformApplication":
        return cls(row[0], row[1], row[2], row[3], row[4], orjson.loads(row[5]))


@dataclass(frozen=True)
class PlatformEndpoint:
    arn: str
    application_arn: str
    token: str
    attributes: dict[str, str]


class SnsPlatform:
    def __init__(self, session: "Session") -> None:
        self._s = session

    # -- applications ----------------------------------------------------------------
    def add_application(self, app: PlatformApplication, now: int) -> None:
        self._s.execute(
            "INSERT INTO sns_platform_applications (arn, account_id, region, name, platform, attributes, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (arn) DO UPDATE SET attributes = excluded.attributes",
            (app.arn, app.account_id, app.region, app.name, app.platform, orjson.dumps(app.attributes).decode(), now))

    def application(self, arn: str) -> PlatformApplication | None:
        row = self._s.one("SELECT arn, account_id, region, name, platform, attributes FROM sns_platform_applications"
                          " WHERE arn = ?", (arn,))
        return PlatformApplication.from_row(row) if row else None

    def applications(self, account_id: str, region: str, *, after: str | None, limit: int) -> list[PlatformApplication]:
        sql = ("SELECT arn, account_id, region, name, platform, attributes FROM sns_platform_applications"
               " WHERE account_id = ? AND region = ?")
        params: list[Any] = [account_id, region]
        sql, params = key_page(sql, params, key="arn", after=after, limit=limit)
        return [PlatformApplication.from_row(r) for r in self._s.all(sql, params)]

    def set_application_attributes(self, arn: str, attributes: dict[str, str]) -> None:
        self._s.execute("UPDATE sns_platform_applications SET attributes = ? WHERE arn = ?",
                        (orjson.dumps(attributes).decode(), arn))

    def delete_application(self, arn: str) -> None:
        self._s.execute("DELETE FROM sns_platform_endpoints WHERE application_arn = ?", (arn,))
        self._s.execute("DELETE FROM sns_platform_applications WHERE arn = ?", (arn,))

    # -- endpoints -------------------------------------------------------------------
    def add_endpoint(self, endpoint: PlatformEndpoint, now: int) -> None:
        self._s.execute(
            "INSERT INTO sns_platform_endpoints (arn, application_arn, token, attributes, created_at)"
            " VALUES (?, ?, ?, ?, ?)",
            (endpoint.arn, endpoint.application_arn, endpoint.token, orjson.dumps(endpoint.attributes).decode(), now))

    def endpoint(self, arn: str) -> PlatformEndpoint | None:
        row = self._s.one("SELECT arn, application_arn, token, attributes FROM sns_platform_endpoints WHERE arn = ?",
                          (arn,))
        return PlatformEndpoint(row[0], row[1], row[2], orjson.loads(row[3])) if row else None

    def endpoint_by_token(self, application_arn: str, token: str) -> PlatformEndpoint | None:
        row = self._s.one("SELECT arn, application_arn, token, attributes FROM sns_platform_endpoints"
                          " WHERE application_arn = ? AND token = ?", (application_arn, token))
        return PlatformEndpoint(row[0], row[1], row[2], orjson.loads(row[3])) if row else None

    def endpoints(self, application_arn: str, *, after: str | None, limit: int) -> list[PlatformEndpoint]:
        sql = "SELECT arn, application_arn, token, attributes FROM sns_platform_endpoints WHERE application_arn = ?"
        params: list[Any] = [application_arn]
        sql, params = key_page(sql, params, key="arn", after=after, limit=limit)
        return [PlatformEndpoint(r[0], r[1], r[2], orjson.loads(r[3])) for r in self._s.all(sql, params)]

    def set_endpoint(self, arn: str, token: str, attributes: dict[str, str]) -> None:
        self._s.execute("UPDATE sns_platform_endpoints SET token = ?, attributes = ? WHERE arn = ?",
                        (token, orjson.dumps(attributes).decode(), arn))

    def delete_endpoint(self, arn: str) -> None:
        self._s.execute("DELETE FROM sns_platform_endpoints WHERE arn = ?", (arn,))

    # -- account settings ('sms' attributes, 'opted_out' and 'sandbox' numbers) ---------
    def settings(self, account_id: str, region: str, kind: str, *, after: str | None = None,
                 limit: int | None = None) -> dict[str, str]:
        sql = "SELECT key, value FROM sns_account_settings WHERE account_id = ? AND region = ? AND kind = ?"
        params: list[Any] = [account_id, region, kind]
        sql, params = key_page(sql, params, key="key", after=after, limit=limit)
        return {k: v for k, v in self._s.all(sql, params)}

    def put_settings(self, account_id: str, region: str, kind: str, values: dict[str, str]) -> None:
        self._s.executemany(
            "INSERT INTO sns_account_settings (account_id, region, kind, key, value) VALUES (?, ?, ?, ?, ?)"
            " ON CONFLICT (account_id, region, kind, key) DO UPDATE SET value = excluded.value",
            [(account_id, region, kind, k, v) for k, v in values.items()])

    def remove_setting(self, account_id: str, region: str, kind: str, key: str) -> bool:
        cur = self._s.execute("DELETE FROM sns_account_settings WHERE account_id = ? AND region = ? AND kind = ?"
                              " AND key = ?", (account_id, region, kind, key))
        return bool(cur.rowcount)
