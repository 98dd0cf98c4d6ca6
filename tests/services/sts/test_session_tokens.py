"""Session tokens carry the whole session, open on any node of the store, and give the
authenticator the caller's principal (what authorization reads)."""

from __future__ import annotations

import asyncio

import botocore.auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from _sts import ACCOUNT, FakeIam
from eventyard.api.auth import Authenticator
from eventyard.api.http import HttpRequest
from eventyard.core.identity import Identity
from eventyard.services.sts.credentials import IssuedCredentials, ServerKey, SessionTokens

SESSION = Identity(ACCOUNT, "assumed-role", f"arn:aws:sts::{ACCOUNT}:assumed-role/r/s", "AROAEXAMPLE:s", name="r",
                   role_arn=f"arn:aws:iam::{ACCOUNT}:role/team/r", session_name="s",
                   session_policy='{"Version":"2012-10-17","Statement":[]}', session_tags=(("team", "blue"),))


def _signed(creds, service: str = "sqs") -> HttpRequest:
    req = AWSRequest(method="POST", url="http://localhost:4566/", data=b"{}",
                     headers={"Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": "AmazonSQS.ListQueues"})
    botocore.auth.SigV4Auth(Credentials(creds.access_key_id, creds.secret_access_key, creds.session_token),
                            service, "eu-west-1").add_auth(req)
    return HttpRequest("POST", "/", "", [("host", "localhost:4566"), *req.headers.items()], req.body)


def test_a_token_holds_the_whole_session_and_any_node_opens_it(store):
    async def scenario() -> None:
        issued = await SessionTokens(ServerKey(store)).issue(SESSION, 900, "AssumeRole")
        assert issued.access_key_id.startswith("ASIA") and issued.expiration_ms - issued.issued_ms <= 900_000
        elsewhere = SessionTokens(ServerKey(store))  # another node: its own key object, the same stored key
        opened = await elsewhere.open(issued.session_token)
        assert opened == issued
        assert await elsewhere.open(issued.session_token + "x") is None

        auth = Authenticator(mode="sigv4", issued=IssuedCredentials(FakeIam(), elsewhere))
        caller = await auth.identify(_signed(issued), "json", service="sqs")
        assert (caller.account, caller.region, caller.principal_arn, caller.principal_kind, caller.principal_name,
                caller.principal_id, caller.role_arn, caller.session_name, caller.session_policy,
                caller.session_tags, caller.session_expiration_ms) == (
            ACCOUNT, "eu-west-1", SESSION.arn, "assumed-role", "r", "AROAEXAMPLE:s", SESSION.role_arn, "s",
            SESSION.session_policy, (("team", "blue"),), issued.expiration_ms)

    asyncio.run(scenario())


def test_a_root_caller_has_the_root_principal():
    caller = Authenticator().identify
    got = asyncio.run(caller(HttpRequest("POST", "/", headers=[("authorization",
        "AWS4-HMAC-SHA256 Credential=123456789012/20240101/us-east-1/sqs/aws4_request, SignedHeaders=host, "
        "Signature=0")]), "json"))
    assert (got.principal_arn, got.principal_kind, got.principal_id) == ("arn:aws:iam::123456789012:root", "root",
                                                                         "123456789012")
