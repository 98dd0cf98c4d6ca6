"""The store contract for SNS platform applications, endpoints and account settings,
on both backends."""

from __future__ import annotations

import pytest

from eventyard.store import ConflictError, Store
from eventyard.store.sns_platform import PlatformApplication, PlatformEndpoint

ACCOUNT, REGION = "000000000000", "us-east-1"
OTHER_ACCOUNT = "111111111111"
T0 = 1_700_000_000_000


def application(name: str, *, account: str = ACCOUNT, attributes: dict[str, str] | None = None) -> PlatformApplication:
    arn = f"arn:aws:sns:{REGION}:{account}:app/GCM/{name}"
    return PlatformApplication(arn, account, REGION, name, "GCM", attributes or {"Enabled": "true"})


def endpoint(app: PlatformApplication, n: int, *, token: str | None = None) -> PlatformEndpoint:
    arn = f"arn:aws:sns:{REGION}:{app.account_id}:endpoint/GCM/{app.name}/e{n:02}"
    return PlatformEndpoint(arn, app.arn, token or f"token-{n}", {"Enabled": "true", "CustomUserData": "caf\u00e9"})


# -- applications ------------------------------------------------------------------------
def test_application_add_get_and_add_again_replaces_attributes(store: Store) -> None:
    app = application("a")
    store.write_sync(lambda s: s.sns_platform.add_application(app, T0))
    assert store.read_sync(lambda s: s.sns_platform.application(app.arn)) == app
    assert store.read_sync(lambda s: s.sns_platform.application(app.arn + "x")) is None
    again = application("a", attributes={"Enabled": "false"})
    store.write_sync(lambda s: s.sns_platform.add_application(again, T0 + 1))
    assert store.read_sync(lambda s: s.sns_platform.application(app.arn)) == again
    store.write_sync(lambda s: s.sns_platform.set_application_attributes(app.arn, {"Enabled": "true", "X": "1"}))
    assert store.read_sync(lambda s: s.sns_platform.application(app.arn)).attributes == {"Enabled": "true", "X": "1"}  # type: ignore[union-attr]


def test_applications_page_by_arn_per_account(store: Store) -> None:
    apps = [application(n) for n in ["b", "a", "C"]]
    store.write_sync(lambda s: [s.sns_platform.add_application(a, T0) for a in [*apps, application("z", account=OTHER_ACCOUNT)]])
    arns = sorted(a.arn for a in apps)

    def page(after: str | None, limit: int = 100) -> list[str]:
        return [a.arn for a in store.read_sync(lambda s: s.sns_platform.applications(ACCOUNT, REGION, after=after,
                                                                                     limit=limit))]

    assert page(None) == arns
    assert page(None, 2) == arns[:2]
    assert page(arns[1]) == arns[2:]


def test_deleting_an_application_deletes_its_endpoints(store: Store) -> None:
    app, other = application("a"), application("b")
    store.write_sync(lambda s: [s.sns_platform.add_application(a, T0) for a in (app, other)])
    store.write_sync(lambda s: [s.sns_platform.add_endpoint(endpoint(app, 1), T0),
                                s.sns_platform.add_endpoint(endpoint(other, 2), T0)])
    store.write_sync(lambda s: s.sns_platform.delete_application(app.arn))
    assert store.read_sync(lambda s: s.sns_platform.application(app.arn)) is None
    assert store.read_sync(lambda s: s.sns_platform.endpoint(endpoint(app, 1).arn)) is None
    assert store.read_sync(lambda s: s.sns_platform.endpoint(endpoint(other, 2).arn)) == endpoint(other, 2)


# -- endpoints -----------------------------------------------------------------------------
def test_endpoint_add_get_by_token_update_delete(store: Store) -> None:
    app = application("a")
    e = endpoint(app, 1, token="device-1")
    store.write_sync(lambda s: s.sns_platform.add_endpoint(e, T0))
    assert store.read_sync(lambda s: s.sns_platform.endpoint(e.arn)) == e
    assert store.read_sync(lambda s: s.sns_platform.endpoint_by_token(app.arn, "device-1")) == e
    assert store.read_sync(lambda s: s.sns_platform.endpoint_by_token(application("b").arn, "device-1")) is None
    with pytest.raises(ConflictError):
        store.write_sync(lambda s: s.sns_platform.add_endpoint(endpoint(app, 1, token="device-2"), T0))
    store.write_sync(lambda s: s.sns_platform.set_endpoint(e.arn, "device-3", {"Enabled": "false"}))
    assert store.read_sync(lambda s: s.sns_platform.endpoint(e.arn)) == PlatformEndpoint(
        e.arn, app.arn, "device-3", {"Enabled": "false"})
    assert store.read_sync(lambda s: s.sns_platform.endpoint_by_token(app.arn, "device-1")) is None
    store.write_sync(lambda s: s.sns_platform.delete_endpoint(e.arn))
    assert store.read_sync(lambda s: s.sns_platform.endpoint(e.arn)) is None
    store.write_sync(lambda s: s.sns_platform.delete_endpoint(e.arn))  # again: no error


def test_endpoints_page_by_arn_per_application(store: Store) -> None:
    app, other = application("a"), application("b")
    mine = [endpoint(app, n) for n in (3, 1, 2)]
    store.write_sync(lambda s: [s.sns_platform.add_endpoint(e, T0) for e in [*mine, endpoint(other, 4)]])
    arns = sorted(e.arn for e in mine)

    def page(after: str | None, limit: int = 100) -> list[str]:
        return [e.arn for e in store.read_sync(lambda s: s.sns_platform.endpoints(app.arn, after=after, limit=limit))]

    assert page(None) == arns
    assert page(None, 1) == arns[:1]
    assert page(arns[0], 1) == arns[1:2]
    assert page(arns[-1]) == []


# -- account settings ------------------------------------------------------------------------
def test_settings_per_account_region_and_kind(store: Store) -> None:
    def settings(kind: str, account: str = ACCOUNT, **page: object) -> dict[str, str]:
        return store.read_sync(lambda s: s.sns_platform.settings(account, REGION, kind, **page))  # type: ignore[arg-type]

    assert settings("sms") == {}
    store.write_sync(lambda s: s.sns_platform.put_settings(ACCOUNT, REGION, "sms", {"DefaultSMSType": "Promotional",
                                                                                    "MonthlySpendLimit": "1"}))
    store.write_sync(lambda s: s.sns_platform.put_settings(ACCOUNT, REGION, "sms", {"MonthlySpendLimit": "5"}))
    store.write_sync(lambda s: s.sns_platform.put_settings(ACCOUNT, REGION, "opted_out", {"+15550001": "",
                                                                                          "+15550003": "",
                                                                                          "+15550002": ""}))
    store.write_sync(lambda s: s.sns_platform.put_settings(OTHER_ACCOUNT, REGION, "sms", {"DefaultSMSType": "X"}))
    assert settings("sms") == {"DefaultSMSType": "Promotional", "MonthlySpendLimit": "5"}
    assert settings("sms", OTHER_ACCOUNT) == {"DefaultSMSType": "X"}
    assert list(settings("opted_out")) == ["+15550001", "+15550002", "+15550003"]  # ordered by key
    assert list(settings("opted_out", limit=2)) == ["+15550001", "+15550002"]
    assert list(settings("opted_out", after="+15550001")) == ["+15550002", "+15550003"]
    assert store.write_sync(lambda s: s.sns_platform.remove_setting(ACCOUNT, REGION, "opted_out", "+15550002")) is True
    assert store.write_sync(lambda s: s.sns_platform.remove_setting(ACCOUNT, REGION, "opted_out", "+15550002")) is False
    assert list(settings("opted_out")) == ["+15550001", "+15550003"]
    assert settings("sandbox") == {}
