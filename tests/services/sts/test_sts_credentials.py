"""Credentials eventyard issues are credentials eventyard accepts, on both backends.

The server runs in this process (``_sts.InProcessServer``) so that its clock can be
moved (no test waits for a session to expire) and IAM's store can be a stand-in
(``FakeIam``) until the IAM branch is merged; boto3 still talks to it over HTTP.
"""

from __future__ import annotations

import asyncio
import json
import time
from datetime import datetime, timezone

import httpx
import pytest
from botocore.exceptions import ClientError

from _sts import (
    ACCOUNT,
    OTHER_ACCOUNT,
    OTHER_KEY,
    OTHER_SECRET,
    ROOT_KEY,
    ROOT_SECRET,
    Clock,
    FakeIam,
    InProcessServer,
    hs256_jwt,
    signed,
    with_credentials,
)
from eventyard.core.errors import ServiceError
from eventyard.services.sts import StsService
from eventyard.services.sts.web_identity import WebIdentityIssuer

INVALID_TOKEN = "The security token included in the request is invalid."
EXPIRED = "The security token included in the request is expired"


def _error(exc: pytest.ExceptionInfo[ClientError]) -> tuple[str, int, str]:
    err = exc.value.response
    return err["Error"]["Code"], err["ResponseMetadata"]["HTTPStatusCode"], err["Error"]["Message"]


def _root(server: InProcessServer, service: str = "sts"):
    return signed(service, server.url, ROOT_KEY, ROOT_SECRET)


# -- temporary credentials: accepted until they expire, refused after --------------------
def test_session_credentials_work_until_they_expire_and_are_refused_after(store, monkeypatch):
    clock = Clock(monkeypatch)
    with InProcessServer(store) as server:
        answer = _root(server).get_session_token(DurationSeconds=900)
        creds = answer["Credentials"]
        expires = creds["Expiration"].timestamp()
        assert expires - datetime.now(timezone.utc).timestamp() == pytest.approx(900, abs=60)
        sts, sqs, events = (with_credentials(s, server.url, creds) for s in ("sts", "sqs", "events"))
        assert sts.get_caller_identity()["Arn"] == f"arn:aws:iam::{ACCOUNT}:root"
        sqs.create_queue(QueueName="made-with-a-session")
        assert sqs.list_queues()["QueueUrls"][0].endswith(f"/{ACCOUNT}/made-with-a-session")
        events.list_event_buses()

        clock.advance(expires - time.time() - 30)  # half a minute left
        assert sts.get_caller_identity()["Account"] == ACCOUNT
        clock.advance(30)
        with pytest.raises(ClientError) as exc:
            sts.get_caller_identity()
        assert _error(exc) == ("ExpiredToken", 403, EXPIRED)
        with pytest.raises(ClientError) as exc:
            sqs.list_queues()
        assert _error(exc)[0] in ("ExpiredToken", "ExpiredTokenException") and _error(exc)[2] == EXPIRED
        with pytest.raises(ClientError) as exc:
            events.list_event_buses()
        assert _error(exc) == ("ExpiredTokenException", 400, EXPIRED)


def test_the_account_root_gets_a_session_of_at_most_an_hour(store):
    with InProcessServer(store) as server:
        creds = _root(server).get_session_token(DurationSeconds=129600)["Credentials"]
        assert creds["Expiration"].timestamp() - datetime.now(timezone.utc).timestamp() == pytest.approx(3600, abs=60)


def test_session_credentials_cannot_ask_for_another_session(store):
    with InProcessServer(store) as server:
        creds = _root(server).get_session_token()["Credentials"]
        with pytest.raises(ClientError) as exc:
            with_credentials("sts", server.url, creds).get_session_token()
        assert _error(exc) == ("AccessDenied", 403, "Cannot call GetSessionToken with session credentials")


def test_a_session_key_needs_its_own_token(store):
    with InProcessServer(store) as server:
        one = _root(server).get_session_token()["Credentials"]
        two = _root(server).get_session_token()["Credentials"]
        cases = [
            signed("sts", server.url, one["AccessKeyId"], one["SecretAccessKey"]),  # no token at all
            signed("sts", server.url, one["AccessKeyId"], one["SecretAccessKey"], two["SessionToken"]),  # another's
            signed("sts", server.url, one["AccessKeyId"], one["SecretAccessKey"], one["SessionToken"][:-4] + "AAAA"),
            signed("sts", server.url, ROOT_KEY, ROOT_SECRET, one["SessionToken"]),  # a long-term key with a token
        ]
        for sts in cases:
            with pytest.raises(ClientError) as exc:
                sts.get_caller_identity()
            assert _error(exc) == ("InvalidClientTokenId", 403, INVALID_TOKEN)
        with pytest.raises(ClientError) as exc:
            signed("sts", server.url, one["AccessKeyId"], "wrong", one["SessionToken"]).get_caller_identity()
        assert _error(exc)[:2] == ("SignatureDoesNotMatch", 403)


def test_a_presigned_url_carries_the_session_token(store):
    with InProcessServer(store) as server:
        creds = _root(server).get_session_token()["Credentials"]
        url = with_credentials("sts", server.url, creds).generate_presigned_url(
            "get_caller_identity", ExpiresIn=60, HttpMethod="GET")  # as `aws eks get-token` makes it
        assert "X-Amz-Security-Token=" in url
        r = httpx.get(url, timeout=10)
        assert r.status_code == 200 and f"<Arn>arn:aws:iam::{ACCOUNT}:root</Arn>" in r.text


def test_every_node_of_the_store_accepts_a_session_another_issued(store):
    with InProcessServer(store) as first, InProcessServer(store) as second:
        creds = _root(first).get_session_token()["Credentials"]
        assert with_credentials("sts", second.url, creds).get_caller_identity()["Account"] == ACCOUNT


# -- IAM users' access keys -------------------------------------------------------------
def test_an_iam_users_key_signs_requests_as_that_user(store):
    iam = FakeIam()
    key = iam.add_user_key("alice")
    with InProcessServer(store, iam=iam) as server:
        sts = signed("sts", server.url, key.access_key_id, key.secret_access_key)
        who = sts.get_caller_identity()
        assert (who["UserId"], who["Account"], who["Arn"]) == (key.user_id, ACCOUNT,
                                                               f"arn:aws:iam::{ACCOUNT}:user/alice")
        creds = sts.get_session_token()["Credentials"]
        who = with_credentials("sts", server.url, creds).get_caller_identity()
        assert (who["Arn"], who["UserId"]) == (f"arn:aws:iam::{ACCOUNT}:user/alice", key.user_id)
        assert _root(server).get_access_key_info(AccessKeyId=key.access_key_id)["Account"] == ACCOUNT


@pytest.mark.parametrize("how", ["deactivated", "deleted"])
def test_an_inactive_or_deleted_key_is_refused_at_once(store, how):
    iam = FakeIam()
    key = iam.add_user_key("bob")
    with InProcessServer(store, iam=iam) as server:
        clients = {s: signed(s, server.url, key.access_key_id, key.secret_access_key) for s in ("sts", "events")}
        clients["sts"].get_caller_identity()
        clients["events"].list_event_buses()
        if how == "deleted":
            del iam.keys[key.access_key_id]
        else:
            iam.deactivate(key.access_key_id)
        with pytest.raises(ClientError) as exc:
            clients["sts"].get_caller_identity()
        assert _error(exc) == ("InvalidClientTokenId", 403, INVALID_TOKEN)
        with pytest.raises(ClientError) as exc:
            clients["events"].list_event_buses()
        assert _error(exc) == ("UnrecognizedClientException", 400, INVALID_TOKEN)


# -- AssumeRole (IAM's roles from the stand-in) -------------------------------------------
def test_assume_role_gives_a_session_of_the_role(store):
    iam = FakeIam()
    role = iam.add_role("deployer", path="/ci/", max_session_duration=7200)
    user = iam.add_user_key("carol")
    with InProcessServer(store, iam=iam) as server:
        sts = signed("sts", server.url, user.access_key_id, user.secret_access_key)
        answer = sts.assume_role(RoleArn=role.arn, RoleSessionName="build-42", DurationSeconds=7200)
        creds, assumed = answer["Credentials"], answer["AssumedRoleUser"]
        assert creds["AccessKeyId"].startswith("ASIA")
        assert assumed == {"AssumedRoleId": f"{role.role_id}:build-42",
                           "Arn": f"arn:aws:sts::{ACCOUNT}:assumed-role/deployer/build-42"}
        assert "PackedPolicySize" not in answer
        assert creds["Expiration"].timestamp() - datetime.now(timezone.utc).timestamp() == pytest.approx(7200, abs=60)
        who = with_credentials("sts", server.url, creds).get_caller_identity()
        assert who == {**who, "UserId": f"{role.role_id}:build-42", "Account": ACCOUNT, "Arn": assumed["Arn"]}
        with_credentials("sqs", server.url, creds).list_queues()


def test_assume_role_checks_duration_policy_and_the_roles_existence(store):
    iam = FakeIam()
    role = iam.add_role("short")
    user = iam.add_user_key("dave")
    with InProcessServer(store, iam=iam) as server:
        sts = signed("sts", server.url, user.access_key_id, user.secret_access_key)
        with pytest.raises(ClientError) as exc:
            sts.assume_role(RoleArn=role.arn, RoleSessionName="s1", DurationSeconds=3601)
        assert _error(exc) == ("ValidationError", 400,
                               "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.")
        with pytest.raises(ClientError) as exc:
            sts.assume_role(RoleArn=role.arn, RoleSessionName="s1", Policy="{not json")
        assert _error(exc)[:2] == ("MalformedPolicyDocument", 400)
        missing = f"arn:aws:iam::{ACCOUNT}:role/missing"
        for arn in (missing, f"arn:aws:iam::{ACCOUNT}:role/other-path/short"):
            with pytest.raises(ClientError) as exc:
                sts.assume_role(RoleArn=arn, RoleSessionName="s1")
            assert _error(exc) == ("AccessDenied", 403, f"User: arn:aws:iam::{ACCOUNT}:user/dave is not authorized to "
                                                        f"perform: sts:AssumeRole on resource: {arn}")
        policy = json.dumps({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "sqs:*", "Resource": "*"}]})
        answer = sts.assume_role(RoleArn=role.arn, RoleSessionName="s2", Policy=policy,
                                 Tags=[{"Key": "team", "Value": "blue"}])
        assert 1 <= answer["PackedPolicySize"] <= 100


def test_role_chaining_is_limited_to_an_hour(store):
    iam = FakeIam()
    first = iam.add_role("first", max_session_duration=43200)
    second = iam.add_role("second", max_session_duration=43200)
    user = iam.add_user_key("erin")
    with InProcessServer(store, iam=iam) as server:
        sts = signed("sts", server.url, user.access_key_id, user.secret_access_key)
        creds = sts.assume_role(RoleArn=first.arn, RoleSessionName="one")["Credentials"]
        chained = with_credentials("sts", server.url, creds)
        with pytest.raises(ClientError) as exc:
            chained.assume_role(RoleArn=second.arn, RoleSessionName="two", DurationSeconds=3601)
        assert _error(exc) == ("ValidationError", 400, "The requested DurationSeconds exceeds the 1 hour session limit "
                                                       "for roles assumed by role chaining.")
        again = chained.assume_role(RoleArn=second.arn, RoleSessionName="two")
        assert with_credentials("sts", server.url, again["Credentials"]).get_caller_identity()["Arn"] == (
            f"arn:aws:sts::{ACCOUNT}:assumed-role/second/two")


# -- --auth iam: the role's trust policy decides -----------------------------------------------
def _trust(*statements: dict) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def test_in_iam_mode_the_trust_policy_decides(store):
    iam = FakeIam()
    user = iam.add_user_key("frank")
    other_user = iam.add_user_key("grace", account=OTHER_ACCOUNT)
    open_role = iam.add_role("open")
    by_external_id = iam.add_role("vendor", trust_policy=_trust(
        {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{OTHER_ACCOUNT}:root"}, "Action": "sts:AssumeRole",
         "Condition": {"StringEquals": {"sts:ExternalId": "agreed-id"}}}))
    only_frank = iam.add_role("frank-only", trust_policy=_trust(
        {"Effect": "Allow", "Principal": {"AWS": user.user_arn}, "Action": "sts:AssumeRole"},
        {"Effect": "Deny", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole",
         "Condition": {"StringEquals": {"sts:RoleSessionName": "forbidden"}}}))
    with InProcessServer(store, auth="iam", iam=iam) as server:
        with pytest.raises(ClientError) as exc:
            _root(server).assume_role(RoleArn=open_role.arn, RoleSessionName="root")
        assert _error(exc) == ("AccessDenied", 403, "Roles may not be assumed by root accounts.")

        frank = signed("sts", server.url, user.access_key_id, user.secret_access_key)
        grace = signed("sts", server.url, other_user.access_key_id, other_user.secret_access_key)
        # Only refusals here: in iam mode the request is also authorized by the enforcer,
        # which reads roles and identity policies from the real IAM store, not from this
        # stand-in; the allowed cases run against real IAM in test_with_iam.py.
        denied = [(frank, open_role.arn, {"RoleSessionName": "ok"}),
                  (frank, only_frank.arn, {"RoleSessionName": "forbidden"}),
                  (grace, only_frank.arn, {"RoleSessionName": "ok"}),
                  (grace, open_role.arn, {"RoleSessionName": "ok"}),
                  (grace, by_external_id.arn, {"RoleSessionName": "ok"}),
                  (grace, by_external_id.arn, {"RoleSessionName": "ok", "ExternalId": "wrong-id"}),
                  (grace, by_external_id.arn, {"RoleSessionName": "ok", "ExternalId": "agreed-id"}),
                  (frank, by_external_id.arn, {"RoleSessionName": "ok", "ExternalId": "agreed-id"})]
        for sts, arn, params in denied:
            with pytest.raises(ClientError) as exc:
                sts.assume_role(RoleArn=arn, **params)
            code, status, message = _error(exc)
            assert (code, status) == ("AccessDenied", 403) and (
                f"is not authorized to perform: sts:AssumeRole on resource: {arn}" in message), (arn, params)

def test_outside_iam_mode_any_existing_role_may_be_assumed(store):
    iam = FakeIam()
    role = iam.add_role("closed", trust_policy=_trust(
        {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}))
    with InProcessServer(store, iam=iam) as server:
        answer = signed("sts", server.url, OTHER_KEY, OTHER_SECRET).assume_role(RoleArn=role.arn,
                                                                               RoleSessionName="dev")
        assert answer["AssumedRoleUser"]["Arn"] == f"arn:aws:sts::{ACCOUNT}:assumed-role/closed/dev"


# -- AssumeRoleWithWebIdentity ----------------------------------------------------------------
ISSUER = WebIdentityIssuer("https://oidc.example.com/tenant", hs256_secret=b"oidc-secret", audiences=("client-1",))


def test_web_identity_federation_gives_a_session_of_the_role(store, monkeypatch):
    clock = Clock(monkeypatch)
    iam = FakeIam()
    role = iam.add_role("web", trust_policy=_trust(
        {"Effect": "Allow", "Principal": {"Federated": f"arn:aws:iam::{ACCOUNT}:oidc-provider/oidc.example.com/tenant"},
         "Action": "sts:AssumeRoleWithWebIdentity",
         "Condition": {"StringEquals": {"oidc.example.com/tenant:sub": "user-7"}}}))
    now = int(datetime.now(timezone.utc).timestamp())
    claims = {"iss": ISSUER.issuer, "aud": "client-1", "sub": "user-7", "exp": now + 600}
    with InProcessServer(store, auth="iam", iam=iam, issuers=(ISSUER,)) as server:
        anonymous = signed("sts", server.url, "unused", "unused")  # the operation is sent unsigned
        answer = anonymous.assume_role_with_web_identity(RoleArn=role.arn, RoleSessionName="web-7",
                                                         WebIdentityToken=hs256_jwt(claims, "oidc-secret"))
        assert (answer["SubjectFromWebIdentityToken"], answer["Provider"], answer["Audience"]) == (
            "user-7", ISSUER.issuer, "client-1")
        who = with_credentials("sts", server.url, answer["Credentials"]).get_caller_identity()
        assert who["Arn"] == f"arn:aws:sts::{ACCOUNT}:assumed-role/web/web-7"
        with pytest.raises(ClientError) as exc:  # the trust policy names another subject
            anonymous.assume_role_with_web_identity(RoleArn=role.arn, RoleSessionName="web-8",
                                                    WebIdentityToken=hs256_jwt({**claims, "sub": "user-8"},
                                                                               "oidc-secret"))
        assert _error(exc) == ("AccessDenied", 403, "Not authorized to perform sts:AssumeRoleWithWebIdentity")
        clock.advance(601)
        with pytest.raises(ClientError) as exc:
            anonymous.assume_role_with_web_identity(RoleArn=role.arn, RoleSessionName="web-7",
                                                    WebIdentityToken=hs256_jwt(claims, "oidc-secret"))
        assert _error(exc)[:2] == ("ExpiredTokenException", 400)


# -- DecodeAuthorizationMessage -------------------------------------------------------------
def test_an_encoded_denial_is_decoded_on_any_node(store):
    decision = {"allowed": False, "explicitDeny": True, "matchedStatements": {"items": []},
                "failures": {"items": []}, "context": {"principal": {"arn": f"arn:aws:iam::{ACCOUNT}:user/x"},
                                                       "action": "sqs:SendMessage", "resource": "arn:aws:sqs:q"}}
    encoded = asyncio.run(StsService(store).encode_authorization_message(decision))
    with InProcessServer(store) as server:
        decoded = _root(server).decode_authorization_message(EncodedMessage=encoded)["DecodedMessage"]
        assert json.loads(decoded) == decision
        with pytest.raises(ClientError) as exc:
            _root(server).decode_authorization_message(EncodedMessage=encoded[:-3] + "xyz")
        assert _error(exc)[:2] == ("InvalidAuthorizationMessageException", 400)


# -- dev mode (--auth none): signatures unchecked, eventyard's own keys still name their principal --
def test_dev_mode_names_the_principal_of_keys_eventyard_issued(store):
    iam = FakeIam()
    role = iam.add_role("dev-role")
    user = iam.add_user_key("henry")
    with InProcessServer(store, auth="none", iam=iam) as server:
        as_user = signed("sts", server.url, user.access_key_id, "any secret will do")
        assert as_user.get_caller_identity()["Arn"] == user.user_arn
        creds = as_user.assume_role(RoleArn=role.arn, RoleSessionName="dev")["Credentials"]
        session = signed("sts", server.url, creds["AccessKeyId"], "unchecked", creds["SessionToken"])
        assert session.get_caller_identity()["Arn"] == f"arn:aws:sts::{ACCOUNT}:assumed-role/dev-role/dev"
        anyone = signed("sts", server.url, "123456789012", "x")
        assert anyone.get_caller_identity()["Arn"] == "arn:aws:iam::123456789012:root"


def test_eventyard_can_hand_a_function_its_roles_session(store):
    iam = FakeIam()
    role = iam.add_role("function-role", max_session_duration=3600)
    sts = StsService(store, directory=iam)
    session = asyncio.run(sts.session_for_role(role.arn, "my-function", duration_s=43200))
    assert session.identity.arn == f"arn:aws:sts::{ACCOUNT}:assumed-role/function-role/my-function"
    assert session.expiration_ms - session.issued_ms <= 3600 * 1000
    with InProcessServer(store, iam=iam) as server:
        creds = {"AccessKeyId": session.access_key_id, "SecretAccessKey": session.secret_access_key,
                 "SessionToken": session.session_token}
        assert with_credentials("sts", server.url, creds).get_caller_identity()["Arn"] == session.identity.arn
    with pytest.raises(ServiceError) as exc:
        asyncio.run(sts.session_for_role(f"arn:aws:iam::{ACCOUNT}:role/missing", "f"))
    assert exc.value.code == "AccessDenied"
