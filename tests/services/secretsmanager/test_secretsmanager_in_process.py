"""Secrets Manager in process, on both backends, with a controlled clock: the purge job
deletes a secret when its recovery window ends (and not after a restore), values are
sealed at rest (the raw table holds no plaintext, and a value does not open under
another secret or key), the connection secret's value shape, staging and passwords."""

from __future__ import annotations

import asyncio
import base64
import string
from typing import Any

import pytest

from eventyard.core import clock
from eventyard.core.errors import ServiceError
from eventyard.core.identity import RequestContext
from eventyard.runtime.jobs import JobRuntime
from eventyard.services.secretsmanager import staging
from eventyard.services.secretsmanager.managed import ServiceSecrets, connection_secret_value
from eventyard.services.secretsmanager.passwords import PUNCTUATION, random_password
from eventyard.services.secretsmanager.sealing import Sealer, SealingError, parse_key
from eventyard.services.secretsmanager.service import DAY_MS, PURGE_JOB, SecretsManagerService
from eventyard.store import Store

T0 = 1_700_000_000_000
CTX = RequestContext(account="123456789012", region="us-east-1")
TOKEN = "a" * 32


@pytest.fixture
def now(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    current = [T0]
    monkeypatch.setattr(clock, "epoch", lambda: current[0] / 1000)
    return current


def _service(store: Store, key: bytes | None = None) -> tuple[SecretsManagerService, JobRuntime]:
    jobs = JobRuntime(store)
    return SecretsManagerService(store, jobs, data_key=key), jobs


def _call(coro: Any) -> Any:
    return asyncio.run(coro)


def test_the_purge_job_deletes_the_secret_when_its_window_ends(store: Store, now: list[int]) -> None:
    service, jobs = _service(store)
    _call(service.create_secret(CTX, {"Name": "db", "SecretString": "pw", "ClientRequestToken": TOKEN,
                                      "Tags": [{"Key": "k", "Value": "v"}]}))
    deleted = _call(service.delete_secret(CTX, {"SecretId": "db", "RecoveryWindowInDays": 7}))
    assert deleted["DeletionDate"] == (T0 + 7 * DAY_MS) / 1000
    with pytest.raises(ServiceError) as exc:
        _call(service.get_secret_value(CTX, {"SecretId": "db"}))
    assert (exc.value.code, exc.value.message) == (
        "InvalidRequestException", "You can't perform this operation on the secret because it was marked for deletion.")

    now[0] = T0 + 7 * DAY_MS - 1
    assert _call(jobs.run_due()) == 0  # not due yet
    now[0] = T0 + 7 * DAY_MS
    assert _call(jobs.run_due()) == 1
    with pytest.raises(ServiceError) as exc:
        _call(service.describe_secret(CTX, {"SecretId": "db"}))
    assert exc.value.code == "ResourceNotFoundException"
    assert store.read_sync(lambda s: s.secrets.get(CTX.account, CTX.region, "db")) is None
    assert store.read_sync(lambda s: s.jobs.pending(PURGE_JOB)) == 0
    # the name is free again, the tags went with the old secret
    created = _call(service.create_secret(CTX, {"Name": "db"}))
    assert "Tags" not in _call(service.describe_secret(CTX, {"SecretId": created["ARN"]}))


def test_a_restored_secret_is_not_purged(store: Store, now: list[int]) -> None:
    service, jobs = _service(store)
    _call(service.create_secret(CTX, {"Name": "db", "SecretString": "pw", "ClientRequestToken": TOKEN}))
    _call(service.delete_secret(CTX, {"SecretId": "db"}))
    _call(service.restore_secret(CTX, {"SecretId": "db"}))
    assert store.read_sync(lambda s: s.jobs.pending(PURGE_JOB)) == 0
    now[0] = T0 + 31 * DAY_MS
    _call(jobs.run_due())
    assert _call(service.get_secret_value(CTX, {"SecretId": "db"}))["SecretString"] == "pw"


def test_a_purge_job_that_meets_a_restored_secret_does_nothing(store: Store, now: list[int]) -> None:
    service, jobs = _service(store)
    _call(service.create_secret(CTX, {"Name": "db", "SecretString": "pw", "ClientRequestToken": TOKEN}))
    arn = _call(service.delete_secret(CTX, {"SecretId": "db"}))["ARN"]
    claimed = store.write_sync(lambda s: s.jobs.claim([PURGE_JOB], now=T0 + 31 * DAY_MS, lease_until=T0 + 32 * DAY_MS,
                                                      limit=1))
    _call(service.restore_secret(CTX, {"SecretId": arn}))
    now[0] = T0 + 31 * DAY_MS
    outcome = _call(service.jobs.handlers[PURGE_JOB].run(claimed[0]))
    store.write_sync(lambda s: outcome.apply(s))
    assert _call(service.describe_secret(CTX, {"SecretId": "db"}))["Name"] == "db"


def test_values_are_sealed_at_rest(store: Store, now: list[int]) -> None:
    service, _ = _service(store)
    plaintext = "correct horse battery staple \u00e9"
    _call(service.create_secret(CTX, {"Name": "s", "SecretString": plaintext, "ClientRequestToken": TOKEN}))
    _call(service.put_secret_value(CTX, {"SecretId": "s", "SecretBinary": b"\x00binary-plain\xff",
                                         "ClientRequestToken": "b" * 32}))
    rows = store.read_sync(lambda s: s.all("SELECT * FROM secret_versions"))
    raw = repr(rows).encode() + b"".join(str(c).encode() for r in rows for c in r)
    for needle in (plaintext.encode(), b"horse", b"binary-plain", base64.b64encode(plaintext.encode())):
        assert needle not in raw
    # a sealed value is bound to its secret and version, and to the key
    version = store.read_sync(lambda s: s.secrets.version(
        s.secrets.get(CTX.account, CTX.region, "s").arn, TOKEN))  # type: ignore[union-attr]
    with pytest.raises(SealingError):
        service.keys.sealer.open(version.sealed, version.secret_arn + "x", version.version_id)
    with pytest.raises(SealingError):
        Sealer(b"k" * 32).open(version.sealed, version.secret_arn, version.version_id)
    assert service.keys.sealer.open(version.sealed, version.secret_arn, version.version_id) == plaintext.encode()


def test_the_store_key_is_kept_and_an_operator_key_is_used_instead(store: Store, now: list[int]) -> None:
    first, _ = _service(store)
    _call(first.create_secret(CTX, {"Name": "s", "SecretString": "v", "ClientRequestToken": TOKEN}))
    again, _ = _service(store)  # a restart, or another node: the same key from the store
    assert _call(again.get_secret_value(CTX, {"SecretId": "s"}))["SecretString"] == "v"
    operator_key = parse_key(base64.b64encode(b"o" * 32).decode())
    with_key, _ = _service(store, operator_key)
    with pytest.raises(ServiceError) as exc:  # the store's values were not sealed with the operator's key
        _call(with_key.get_secret_value(CTX, {"SecretId": "s"}))
    assert exc.value.code == "DecryptionFailure"
    _call(with_key.create_secret(CTX, {"Name": "t", "SecretString": "w", "ClientRequestToken": TOKEN}))
    assert _call(with_key.get_secret_value(CTX, {"SecretId": "t"}))["SecretString"] == "w"
    with pytest.raises(ValueError):
        parse_key("c2hvcnQ=")


def test_connection_secret_values_in_aws_shape() -> None:
    assert connection_secret_value("API_KEY", {"ApiKeyAuthParameters": {"ApiKeyName": "x-key", "ApiKeyValue": "v"}}) \
        == {"api_key_name": "x-key", "api_key_value": "v"}
    assert connection_secret_value("BASIC", {
        "BasicAuthParameters": {"Username": "u", "Password": "p"},
        "InvocationHttpParameters": {"HeaderParameters": [{"Key": "h", "Value": "1", "IsValueSecret": True}]}}) == {
        "username": "u", "password": "p",
        "invocation_http_parameters": {"header_parameters": [{"key": "h", "value": "1", "is_value_secret": True}]}}
    oauth = connection_secret_value("OAUTH_CLIENT_CREDENTIALS", {"OAuthParameters": {
        "ClientParameters": {"ClientID": "id", "ClientSecret": "sec"}, "AuthorizationEndpoint": "https://a/t",
        "HttpMethod": "POST", "OAuthHttpParameters": {"BodyParameters": [{"Key": "grant_type", "Value": "cc"}]}}})
    assert oauth == {"client_id": "id", "client_secret": "sec", "authorization_endpoint": "https://a/t",
                     "http_method": "POST", "oauth_http_parameters": {
                         "body_parameters": [{"key": "grant_type", "value": "cc", "is_value_secret": False}]}}


def test_staging_moves_labels_as_aws_does() -> None:
    labels = {"v1": ("AWSCURRENT",), "v0": ("AWSPREVIOUS",)}
    assert staging.attach_new(labels, "v2", ["AWSCURRENT"]) == {
        "v0": (), "v1": ("AWSPREVIOUS",), "v2": ("AWSCURRENT",)}
    assert staging.attach_new({"v1": ("AWSCURRENT",), "v2": ("one", "three", "two")}, "v3", ["four", "one", "two"]) == {
        "v1": ("AWSCURRENT",), "v2": ("three",), "v3": ("four", "one", "two")}
    assert staging.move({"v1": ("AWSCURRENT",), "v2": ("AWSPENDING",)}, "AWSCURRENT", "v1", "v2") == {
        "v1": ("AWSPREVIOUS",), "v2": ("AWSCURRENT", "AWSPENDING")}


def test_passwords_follow_the_options() -> None:
    default = random_password()
    assert len(default) == 32
    assert any(c in string.ascii_lowercase for c in default) and any(c in string.ascii_uppercase for c in default)
    assert any(c in string.digits for c in default) and any(c in PUNCTUATION for c in default)
    assert " " not in default
    only_digits = random_password(length=50, exclude_lowercase=True, exclude_uppercase=True, exclude_punctuation=True)
    assert set(only_digits) <= set(string.digits)
    assert not set(random_password(length=200, exclude="abc123!")) & set("abc123!")
    spaced = random_password(length=10, include_space=True, require_each_included_type=True)
    assert " " in spaced
    with pytest.raises(ServiceError) as exc:
        random_password(length=3)
    assert exc.value.message == "Password length is too short based on the required types."
    assert len(random_password(length=1, require_each_included_type=False)) == 1


def test_a_service_keeps_its_secret_in_its_own_unit_of_work(store: Store, now: list[int]) -> None:
    service, _ = _service(store)
    kept = ServiceSecrets(service.keys)
    arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:events!connection/c/0b1c-AbC123"
    store.write_sync(lambda s: kept.put(s, arn=arn, owning_service="events", value='{"a": 1}'))
    store.write_sync(lambda s: kept.put(s, arn=arn, owning_service="events", value='{"a": 2}'))
    assert store.read_sync(lambda s: kept.value(s, arn)) == '{"a": 2}'
    described = _call(service.describe_secret(CTX, {"SecretId": arn}))
    assert described["Name"] == "events!connection/c/0b1c" and described["OwningService"] == "events"
    assert sorted(described["VersionIdsToStages"].values()) == [["AWSCURRENT"], ["AWSPREVIOUS"]]

    def fails(s: Any) -> None:  # the service's unit of work fails: its secret's change goes too
        kept.put(s, arn=arn, owning_service="events", value='{"a": 3}')
        raise RuntimeError("the connection change failed")

    with pytest.raises(RuntimeError):
        store.write_sync(fails)
    assert store.read_sync(lambda s: kept.value(s, arn)) == '{"a": 2}'
    store.write_sync(lambda s: kept.remove(s, arn))
    assert store.read_sync(lambda s: kept.value(s, arn)) is None
    assert store.read_sync(lambda s: s.secrets.by_arn(arn)) is None


AUTHS = [
    ("API_KEY", {"ApiKeyAuthParameters": {"ApiKeyName": "x-key", "ApiKeyValue": "k3y"},
                 "InvocationHttpParameters": {"HeaderParameters": [{"Key": "open", "Value": "o"},
                                                                   {"Key": "h", "Value": "hid", "IsValueSecret": True}],
                                              "QueryStringParameters": [{"Key": "q", "Value": "qv", "IsValueSecret": True}]}}),
    ("BASIC", {"BasicAuthParameters": {"Username": "u", "Password": "pw"}}),
    ("OAUTH_CLIENT_CREDENTIALS", {"OAuthParameters": {
        "ClientParameters": {"ClientID": "id", "ClientSecret": "cs"}, "AuthorizationEndpoint": "https://a/t",
        "HttpMethod": "POST", "OAuthHttpParameters": {"BodyParameters": [{"Key": "b", "Value": "bv", "IsValueSecret": True}]}}}),
]


@pytest.mark.parametrize("auth_type,auth", AUTHS, ids=[a[0] for a in AUTHS])
def test_a_connection_is_stored_without_secrets_and_completed_from_its_secret(auth_type: str, auth: dict[str, Any]) -> None:
    from eventyard.services.events.connections import _without_secrets
    from eventyard.services.secretsmanager.managed import fill_auth

    assert fill_auth(auth_type, _without_secrets(auth), connection_secret_value(auth_type, auth)) == auth


def test_the_connections_table_holds_no_secret_value(store: Store, now: list[int]) -> None:
    from eventyard.runtime.delivery import DeliveryRuntime
    from eventyard.services import ServiceRegistry

    events = ServiceRegistry(store, DeliveryRuntime(store)).events
    auth = AUTHS[0][1]
    _call(events.create_connection(CTX, {"Name": "c", "AuthorizationType": "API_KEY", "AuthParameters": auth}))
    _call(events.update_connection(CTX, {"Name": "c", "AuthParameters": {"ApiKeyAuthParameters": {"ApiKeyName": "y"}}}))
    raw = repr(store.read_sync(lambda s: s.all("SELECT * FROM event_connections")))
    for secret_value in ("k3y", "hid", "qv"):
        assert secret_value not in raw
    stored = store.read_sync(lambda s: s.connections.get(CTX.account, CTX.region, "c"))
    assert stored.auth["ApiKeyAuthParameters"] == {"ApiKeyName": "y"}  # what is not secret stays in the clear
    record = store.read_sync(lambda s: events.connections.with_secrets(s, s.connections.get(CTX.account, CTX.region, "c")))
    assert record.auth["ApiKeyAuthParameters"] == {"ApiKeyName": "y", "ApiKeyValue": "k3y"}
    assert record.auth["InvocationHttpParameters"] == auth["InvocationHttpParameters"]
