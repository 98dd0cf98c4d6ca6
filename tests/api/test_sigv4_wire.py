"""SigV4 through a real server started with ``--auth sigv4``, per protocol."""

from __future__ import annotations

import datetime as dt
from unittest import mock

import botocore.auth
import httpx
import pytest
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

from _clients import client

AKID, SECRET, ACCOUNT = "AKIDEXAMPLE123", "s3cr3t/key", "111122223333"


@pytest.fixture(scope="module")
def signed_server(make_server):
    return make_server(extra_args=["--auth", "sigv4", "--access-keys", f"{AKID}:{SECRET}:{ACCOUNT},OTHER:pw"])


def _events(server, akid=AKID, secret=SECRET):
    c = client("events", server.url, secret=secret)
    c._request_signer._credentials = Credentials(akid, secret)
    return c


def test_good_signature_is_accepted_and_names_the_account(signed_server):
    ev = client("events", signed_server.url)
    ev._request_signer._credentials = Credentials(AKID, SECRET)
    assert ev.describe_event_bus()["Arn"] == f"arn:aws:events:us-east-1:{ACCOUNT}:event-bus/default"
    other = client("events", signed_server.url)
    other._request_signer._credentials = Credentials("OTHER", "pw")
    assert other.describe_event_bus()["Arn"] == "arn:aws:events:us-east-1:000000000000:event-bus/default"


@pytest.mark.parametrize(
    "service,call,akid,secret,code,status",
    [
        ("events", lambda c: c.list_event_buses(), AKID, "wrong", "InvalidSignatureException", 400),
        ("events", lambda c: c.list_event_buses(), "NOPE", SECRET, "UnrecognizedClientException", 400),
        ("sns", lambda c: c.list_topics(), AKID, "wrong", "SignatureDoesNotMatch", 403),
        ("sns", lambda c: c.list_topics(), "NOPE", SECRET, "InvalidClientTokenId", 403),
        ("scheduler", lambda c: c.list_schedules(), AKID, "wrong", "InvalidSignatureException", 403),
        ("stepfunctions", lambda c: c.list_state_machines(), AKID, "wrong", "InvalidSignatureException", 400),
    ],
)
def test_bad_credentials_are_refused(signed_server, service, call, akid, secret, code, status):
    c = client(service, signed_server.url)
    c._request_signer._credentials = Credentials(akid, secret)
    with pytest.raises(ClientError) as exc:
        call(c)
    assert exc.value.response["Error"]["Code"] == code
    assert exc.value.response["ResponseMetadata"]["HTTPStatusCode"] == status


def _signed(url: str, body: bytes, *, when: dt.datetime | None = None, service="events",
            target="AWSEvents.ListEventBuses") -> AWSRequest:
    req = AWSRequest(method="POST", url=url + "/", data=body,
                     headers={"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": target})
    signer = botocore.auth.SigV4Auth(Credentials(AKID, SECRET), service, "us-east-1")
    if when is None:
        signer.add_auth(req)
    else:
        with mock.patch("botocore.auth.get_current_datetime", return_value=when):
            signer.add_auth(req)
    return req


def _send(req: AWSRequest, body: bytes | None = None, drop: str | None = None) -> httpx.Response:
    headers = {k: v for k, v in req.headers.items() if k.lower() != (drop or "").lower()}
    return httpx.post(req.url, headers=headers, content=req.body if body is None else body, timeout=10)


def test_signed_raw_request_is_accepted(signed_server):
    r = _send(_signed(signed_server.url, b"{}"))
    assert r.status_code == 200, r.text
    assert r.json()["EventBuses"][0]["Name"] == "default"


def test_tampered_body_is_refused(signed_server):
    r = _send(_signed(signed_server.url, b'{"Limit": 1}'), body=b'{"Limit": 2}')
    assert r.status_code == 400
    assert r.json()["__type"] == "InvalidSignatureException"
    assert "The request signature we calculated does not match" in r.json()["message"]


def test_expired_signature_is_refused(signed_server):
    old = dt.datetime.utcnow() - dt.timedelta(minutes=20)
    r = _send(_signed(signed_server.url, b"{}", when=old))
    assert r.status_code == 400
    assert r.json()["__type"] == "InvalidSignatureException"
    assert r.json()["message"].startswith("Signature expired:")


def test_missing_signed_header_is_refused(signed_server):
    r = _send(_signed(signed_server.url, b"{}"), drop="X-Amz-Date")
    assert r.status_code in (400, 403)
    assert r.json()["__type"] in ("IncompleteSignatureException", "InvalidSignatureException")


def test_unsigned_request_is_refused(signed_server):
    r = httpx.post(signed_server.url + "/", content=b"{}", timeout=10,
                   headers={"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": "AWSEvents.ListEventBuses"})
    assert r.status_code == 400
    assert r.json()["__type"] == "MissingAuthenticationTokenException"


def test_unsigned_query_request_is_refused(signed_server):
    r = httpx.post(signed_server.url + "/", content=b"Action=ListTopics&Version=2010-03-31", timeout=10,
                   headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert r.status_code == 403
    assert "<Code>MissingAuthenticationToken</Code>" in r.text


def test_presigned_url_is_accepted(signed_server):
    req = AWSRequest(method="GET", url=signed_server.url + "/?Action=ListTopics&Version=2010-03-31")
    botocore.auth.SigV4QueryAuth(Credentials(AKID, SECRET), "sns", "us-east-1", expires=60).add_auth(req)
    r = httpx.get(req.url, timeout=10)
    assert r.status_code != 403, r.text
    assert "<ListTopicsResponse" in r.text  # authenticated, and answered by SNS
