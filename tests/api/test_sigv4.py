"""SigV4 verifier, with botocore's own signers as the oracle."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from email.utils import formatdate
from typing import Any
from unittest import mock
from urllib.parse import quote, urlsplit

import boto3
import pytest
from botocore.auth import SigV4Auth, SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials
from botocore.utils import percent_encode_sequence
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from eventyard.api.sigv4 import (
    KINDS,
    PROTOCOLS,
    Signature,
    SignedRequest,
    SigV4Error,
    parse_signature,
    verify,
    wire_error,
)

AK = "AKIDEXAMPLE"
SK = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
NOW = datetime(2026, 11, 22, 4, 0, 0, tzinfo=timezone.utc)
BASE = "http://localhost:4566"


def secret_for(access_key: str) -> str | None:
    return {AK: SK}.get(access_key)


@contextmanager
def frozen(when: datetime) -> Iterator[None]:
    # botocore reads the clock through this one function when signing.
    with mock.patch("botocore.auth.get_current_datetime", return_value=when.replace(tzinfo=None)):
        yield


def to_signed(request: AWSRequest) -> SignedRequest:
    """What a server would see for a botocore request after signing."""
    prepared = request.prepare()
    parts = urlsplit(prepared.url)
    # The unprepared headers keep repeats (prepared ones are a plain dict).
    headers = list(request.headers.items())
    if not any(name.lower() == "host" for name, _ in headers):
        headers.append(("Host", parts.netloc))  # added by the HTTP client
    body = prepared.body or b""
    if isinstance(body, str):
        body = body.encode("utf-8")
    return SignedRequest(prepared.method, parts.path, parts.query, headers, body)


def sign(
    method: str,
    url: str,
    *,
    headers: list[tuple[str, str]] | None = None,
    body: bytes | dict[str, str] = b"",
    params: Any = None,
    service: str = "events",
    region: str = "us-east-1",
    token: str | None = None,
    secret: str = SK,
    when: datetime = NOW,
    presign_expires: int | None = None,
) -> SignedRequest:
    request = AWSRequest(method=method, url=url, data=body, params=params or {})
    for name, value in headers or []:
        request.headers[name] = value  # HTTPHeaders: setting twice keeps both
    credentials = Credentials(AK, secret, token)
    signer: SigV4Auth
    if presign_expires is not None:
        signer = SigV4QueryAuth(credentials, service, region, expires=presign_expires)
    else:
        signer = SigV4Auth(credentials, service, region)
    with frozen(when):
        signer.add_auth(request)
    return to_signed(request)


def check(req: SignedRequest, now: datetime = NOW) -> Signature:
    sig = parse_signature(req)
    assert sig is not None
    verify(req, sig, secret_for, now)
    return sig


def refused(req: SignedRequest, kind: str, now: datetime = NOW) -> SigV4Error:
    with pytest.raises(SigV4Error) as info:
        sig = parse_signature(req)
        assert sig is not None
        verify(req, sig, secret_for, now)
    assert info.value.kind == kind, info.value
    return info.value


def replace_header(req: SignedRequest, name: str, value: str | None) -> SignedRequest:
    headers = [(n, v) for n, v in req.headers if n.lower() != name.lower()]
    if value is not None:
        headers.append((name, value))
    return dataclasses.replace(req, headers=headers)


JSON_HEADERS = [
    ("Content-Type", "application/x-amz-json-1.1"),
    ("X-Amz-Target", "AWSEvents.PutEvents"),
]
JSON_BODY = json.dumps({"Entries": [{"Source": "app", "DetailType": "t", "Detail": "{\"a\": 1}"}]}).encode()


def json_request(**kwargs: Any) -> SignedRequest:
    return sign("POST", f"{BASE}/", headers=JSON_HEADERS, body=JSON_BODY, **kwargs)


# --------------------------------------------------------------------------- accepted


def test_post_json_body() -> None:
    sig = check(json_request())
    assert (sig.access_key, sig.date, sig.region, sig.service) == (AK, "20261122", "us-east-1", "events")
    assert sig.amz_date == "20261122T040000Z"
    assert not sig.presigned and sig.expires is None and sig.security_token is None
    assert "host" in sig.signed_headers and "x-amz-date" in sig.signed_headers


def test_post_form_body() -> None:
    req = sign(
        "POST",
        f"{BASE}/",
        headers=[("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")],
        body={"Action": "Publish", "Message": "héllo wörld & more=1", "TopicArn": "arn:aws:sns:us-east-1:0:t"},
        service="sns",
        region="eu-west-1",
    )
    assert b"Action=Publish" in req.body
    sig = check(req)
    assert (sig.service, sig.region) == ("sns", "eu-west-1")


def test_get_query_reserved_chars_and_repeated_keys() -> None:
    pairs = [
        ("b", "2"),
        ("a", "z z"),
        ("a", "x/y:z"),
        ("a", "é+&=?#"),
        ("empty", ""),
        ("tilde~", "-_.~!*'()"),
    ]
    # Exactly how botocore's client builds URLs (prepare_request_dict).
    check(sign("GET", f"{BASE}/things?{percent_encode_sequence(pairs)}", service="scheduler"))


def test_get_query_hand_built_url_signed_verbatim() -> None:
    # botocore signs a hand-built URL's query as-is, unencoded ':' and '/' included.
    check(sign("GET", f"{BASE}/p?b=x:y/z&a=1&a=0&flag", service="scheduler"))


def test_get_query_from_params_plus_encoded() -> None:
    # AWSRequest(params=...) signs %20 but sends '+' (urlencode): still accepted.
    req = sign("GET", f"{BASE}/p", params=[("q", "a b+c"), ("q", "d"), ("r", "ü")], service="scheduler")
    assert "+" in req.query
    check(req)


@pytest.mark.parametrize(
    "segments",
    [
        ["schedules", "my schedule"],
        ["schedules", "日本語", "ünïcode"],
        ["groups", "a%2Fb", "100%"],
        ["x", "a/b"],
        ["~user", "!$&'()*+,;=:@"],
        [""],
    ],
)
def test_paths_are_double_encoded(segments: list[str]) -> None:
    path = "/" + "/".join(quote(s, safe="") for s in segments)
    check(sign("GET", f"{BASE}{path}", service="scheduler"))


def test_path_with_dot_segments_and_double_slashes() -> None:
    req = sign("PUT", f"{BASE}/a/./b/../c//d/", service="pipes", body=b"{}")
    assert req.path == "/a/./b/../c//d/"
    check(req)


def test_session_token_header_is_signed() -> None:
    req = json_request(token="FQoGZXIvYXdzEJr//////////wEaDA+token==")
    sig = check(req)
    assert sig.security_token == "FQoGZXIvYXdzEJr//////////wEaDA+token=="
    assert "x-amz-security-token" in sig.signed_headers
    refused(replace_header(req, "X-Amz-Security-Token", "other"), "mismatch")


def test_repeated_headers_and_messy_whitespace() -> None:
    headers = JSON_HEADERS + [("X-Custom", "  a   b  "), ("x-custom", "c\t\td"), ("X-Other", "")]
    sig = check(sign("POST", f"{BASE}/", headers=headers, body=JSON_BODY))
    assert "x-custom" in sig.signed_headers


def test_date_header_instead_of_x_amz_date() -> None:
    date = formatdate((NOW - datetime(1970, 1, 1, tzinfo=timezone.utc)).total_seconds(), usegmt=True)
    req = sign("POST", f"{BASE}/", headers=JSON_HEADERS + [("Date", date)], body=JSON_BODY)
    assert not any(n.lower() == "x-amz-date" for n, _ in req.headers)
    assert check(req).amz_date == "20261122T040000Z"


def test_explicit_content_sha256_header() -> None:
    import hashlib

    digest = hashlib.sha256(JSON_BODY).hexdigest()
    req = sign("POST", f"{BASE}/", headers=JSON_HEADERS + [("X-Amz-Content-SHA256", digest)], body=JSON_BODY)
    check(req)
    # The header is trusted only if the body really hashes to it.
    refused(dataclasses.replace(req, body=JSON_BODY + b" "), "mismatch")


def test_unsigned_payload_when_client_opts_out() -> None:
    req = sign("POST", f"{BASE}/", headers=JSON_HEADERS + [("X-Amz-Content-SHA256", "UNSIGNED-PAYLOAD")], body=b"{}")
    check(req)


def test_presigned_url() -> None:
    req = sign(
        "GET",
        f"{BASE}/",
        params={"Action": "ListQueues", "QueueNamePrefix": "a b/c"},
        service="sqs",
        presign_expires=3600,
    )
    assert "X-Amz-Signature=" in req.query and not any(n.lower() == "authorization" for n, _ in req.headers)
    sig = check(req, NOW + timedelta(minutes=59))
    assert sig.presigned and sig.expires == 3600 and sig.signed_headers == ["host"]


def test_presigned_url_with_session_token_and_body_moved_to_query() -> None:
    req = sign(
        "POST",
        f"{BASE}/",
        body={"Action": "Publish", "Message": "hi there"},
        service="sns",
        token="session/token+=",
        presign_expires=60,
    )
    assert req.body == b""
    sig = check(req)
    assert sig.security_token == "session/token+="


# --------------------------------------------------------------------------- real clients


class _Captured(Exception):
    def __init__(self, request: Any) -> None:
        self.request = request


def _text(value: str | bytes) -> str:
    return value.decode("latin-1") if isinstance(value, bytes) else value


def _client_request(service: str, call: str, **kwargs: Any) -> SignedRequest:
    client = boto3.client(
        service,
        endpoint_url=BASE,
        region_name="us-west-2",
        aws_access_key_id=AK,
        aws_secret_access_key=SK,
        config=Config(retries={"max_attempts": 0}),
    )

    def capture(request: Any, **_: Any) -> None:
        raise _Captured(request)

    client.meta.events.register("before-send", capture)
    with frozen(NOW), pytest.raises(_Captured) as info:
        getattr(client, call)(**kwargs)
    prepared = info.value.request
    parts = urlsplit(prepared.url)
    # The client sends these as bytes; a server decodes them latin-1.
    headers = [(_text(n), _text(v)) for n, v in prepared.headers.items()] + [("Host", parts.netloc)]
    body = prepared.body or b""
    if isinstance(body, str):
        body = body.encode()
    return SignedRequest(prepared.method, parts.path, parts.query, headers, body)


@pytest.mark.parametrize(
    ("service", "call", "kwargs"),
    [
        ("events", "put_events", {"Entries": [{"Source": "s", "DetailType": "d", "Detail": "{}"}]}),
        ("stepfunctions", "list_state_machines", {}),
        ("sqs", "send_message", {"QueueUrl": f"{BASE}/000000000000/q", "MessageBody": "x y"}),
        ("sns", "publish", {"TopicArn": "arn:aws:sns:us-west-2:000000000000:t", "Message": "hé & ="}),
        ("scheduler", "get_schedule", {"Name": "my sched.é", "GroupName": "g/1"}),
        ("scheduler", "list_schedules", {"NamePrefix": "a b", "MaxResults": 5}),
        ("pipes", "describe_pipe", {"Name": "p-1"}),
    ],
)
def test_real_boto3_clients(service: str, call: str, kwargs: dict[str, Any]) -> None:
    sig = check(_client_request(service, call, **kwargs))
    assert sig.region == "us-west-2"


# --------------------------------------------------------------------------- refused


def test_wrong_secret() -> None:
    refused(json_request(secret="not-the-secret"), "mismatch")


def test_tampered_body() -> None:
    req = json_request()
    refused(dataclasses.replace(req, body=req.body.replace(b"app", b"apq")), "mismatch")


def test_tampered_signed_header() -> None:
    refused(replace_header(json_request(), "X-Amz-Target", "AWSEvents.DeleteRule"), "mismatch")


def test_tampered_method_path_query() -> None:
    req = sign("GET", f"{BASE}/a?x=1", service="scheduler")
    refused(dataclasses.replace(req, method="DELETE"), "mismatch")
    refused(dataclasses.replace(req, path="/b"), "mismatch")
    refused(dataclasses.replace(req, query="x=2"), "mismatch")


def test_unsigned_header_may_change() -> None:
    # Headers botocore never signs (User-Agent) are free to differ.
    req = sign("POST", f"{BASE}/", headers=JSON_HEADERS, body=JSON_BODY)
    check(replace_header(req, "User-Agent", "something/else"))


def test_unknown_key() -> None:
    req = json_request()
    sig = parse_signature(req)
    assert sig is not None
    with pytest.raises(SigV4Error) as info:
        verify(req, sig, lambda _key: None, NOW)
    assert info.value.kind == "unknown_key"


def test_expired_header_signature() -> None:
    err = refused(json_request(), "expired", NOW + timedelta(minutes=10))
    assert err.message == (
        "Signature expired: 20261122T040000Z is now earlier than 20261122T040500Z (20261122T041000Z - 5 min.)"
    )
    assert err.wire("json") == ("InvalidSignatureException", 400, err.message)


def test_within_skew_is_fine() -> None:
    check(json_request(), NOW + timedelta(minutes=4, seconds=59))
    check(json_request(), NOW - timedelta(minutes=4, seconds=59))


def test_signature_from_the_future() -> None:
    err = refused(json_request(), "expired", NOW - timedelta(minutes=10))
    assert err.message == (
        "Signature not yet current: 20261122T040000Z is still later than 20261122T035500Z (20261122T035000Z + 5 min.)"
    )


def test_presigned_past_expiry() -> None:
    req = sign("GET", f"{BASE}/", params={"Action": "ListQueues"}, service="sqs", presign_expires=300)
    check(req, NOW + timedelta(seconds=300))
    err = refused(req, "expired", NOW + timedelta(seconds=301))
    assert "Signature expired: 20261122T040000Z" in err.message


def test_presigned_tampered_query() -> None:
    req = sign("GET", f"{BASE}/", params={"Action": "ListQueues"}, service="sqs", presign_expires=300)
    refused(dataclasses.replace(req, query=req.query.replace("ListQueues", "DeleteQueue")), "mismatch")


def test_signed_header_missing_from_request() -> None:
    refused(replace_header(json_request(), "X-Amz-Target", None), "missing_header")


def test_host_must_be_signed() -> None:
    req = json_request()
    sig = parse_signature(req)
    assert sig is not None
    unsigned_host = dataclasses.replace(sig, signed_headers=[h for h in sig.signed_headers if h != "host"])
    with pytest.raises(SigV4Error) as info:
        verify(req, unsigned_host, secret_for, NOW)
    assert info.value.kind == "missing_header"
    assert "'Host'" in info.value.message


def test_x_amz_date_must_be_signed() -> None:
    req = json_request()
    sig = parse_signature(req)
    assert sig is not None
    no_date = dataclasses.replace(sig, signed_headers=[h for h in sig.signed_headers if h != "x-amz-date"])
    with pytest.raises(SigV4Error) as info:
        verify(req, no_date, secret_for, NOW)
    assert info.value.kind == "missing_header"


def _with_auth(value: str, *, date: bool = True) -> SignedRequest:
    headers = [("Host", "localhost:4566"), ("Authorization", value)]
    if date:
        headers.append(("X-Amz-Date", "20261122T040000Z"))
    return SignedRequest("POST", "/", "", headers, b"{}")


GOOD_CRED = f"Credential={AK}/20261122/us-east-1/events/aws4_request"


@pytest.mark.parametrize(
    ("authorization", "date", "fragment"),
    [
        (f"AWS4-HMAC-SHA256 {GOOD_CRED}, SignedHeaders=host;x-amz-date", True, "requires 'Signature' parameter"),
        ("AWS4-HMAC-SHA256 SignedHeaders=host, Signature=abc", True, "requires 'Credential' parameter"),
        (f"AWS4-HMAC-SHA256 {GOOD_CRED}, Signature=abc", True, "requires 'SignedHeaders' parameter"),
        (f"AWS4-HMAC-SHA256 {GOOD_CRED}, SignedHeaders=host, Signature=abc", False, "'X-Amz-Date' or a 'Date'"),
        (f"AWS4-HMAC-SHA256 Credential={AK}/20261122/events, SignedHeaders=host, Signature=a", True, "5 slash"),
        ("AWS4-HMAC-SHA256 Credential AKID, SignedHeaders=host, Signature=a", True, "missing equal-sign"),
        (f"AWS4-HMAC-SHA512 {GOOD_CRED}, SignedHeaders=host, Signature=abc", True, "Unsupported AWS 'algorithm'"),
        ("Bearer abc.def", True, "missing equal-sign"),
        ("", True, "requires 'Credential' parameter"),
    ],
)
def test_malformed_authorization(authorization: str, date: bool, fragment: str) -> None:
    with pytest.raises(SigV4Error) as info:
        parse_signature(_with_auth(authorization, date=date))
    assert info.value.kind == "incomplete"
    assert fragment in info.value.message


def test_missing_params_are_all_listed() -> None:
    with pytest.raises(SigV4Error) as info:
        parse_signature(_with_auth("AWS4-HMAC-SHA256", date=False))
    assert info.value.message == (
        "Authorization header requires 'Credential' parameter. "
        "Authorization header requires 'Signature' parameter. "
        "Authorization header requires 'SignedHeaders' parameter. "
        "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. "
        "Authorization=AWS4-HMAC-SHA256"
    )


def test_bad_x_amz_date() -> None:
    req = replace_header(json_request(), "X-Amz-Date", "2026-11-22T04:00:00Z")
    with pytest.raises(SigV4Error) as info:
        parse_signature(req)
    assert info.value.kind == "incomplete" and "ISO-8601" in info.value.message


def test_scope_terminator_and_date_are_checked() -> None:
    bad = f"AWS4-HMAC-SHA256 Credential={AK}/20261121/us-east-1/events/aws5_request, SignedHeaders=host, Signature=a"
    with pytest.raises(SigV4Error) as info:
        parse_signature(_with_auth(bad))
    assert info.value.kind == "mismatch"
    assert "valid terminator: 'aws4_request', not 'aws5_request'" in info.value.message
    assert "'20261121' != '20261122'" in info.value.message


def test_malformed_presigned_params() -> None:
    req = sign("GET", f"{BASE}/", params={"Action": "ListQueues"}, service="sqs", presign_expires=60)
    without_signature = "&".join(p for p in req.query.split("&") if not p.startswith("X-Amz-Signature="))
    with pytest.raises(SigV4Error) as info:
        parse_signature(dataclasses.replace(req, query=without_signature))
    assert info.value.kind == "incomplete" and "X-Amz-Signature" in info.value.message
    for old, new in [("X-Amz-Expires=60", "X-Amz-Expires=soon"), ("X-Amz-Expires=60", "X-Amz-Expires=604801")]:
        with pytest.raises(SigV4Error) as info:
            parse_signature(dataclasses.replace(req, query=req.query.replace(old, new)))
        assert info.value.kind == "incomplete"


def test_no_auth_at_all() -> None:
    req = SignedRequest("POST", "/", "Action=ListQueues", [("Host", "localhost")], b"")
    assert parse_signature(req) is None


# --------------------------------------------------------------------------- wire errors


@pytest.mark.parametrize("protocol", PROTOCOLS)
@pytest.mark.parametrize("kind", KINDS)
def test_wire_error_table(kind: str, protocol: str) -> None:
    code, status, message = wire_error(kind, protocol)
    assert code and message
    assert status in (400, 403)
    if protocol == "query":
        assert not code.endswith("Exception")
    else:
        assert code.endswith("Exception")
    if protocol == "rest-json":
        assert status == 403
    # A request-specific message replaces the default (except "missing", worded per family).
    custom = wire_error(kind, protocol, "specific words")
    assert custom[:2] == (code, status)
    assert custom[2] == (message if kind == "missing" else "specific words")


def test_wire_error_known_entries() -> None:
    assert wire_error("mismatch", "json")[:2] == ("InvalidSignatureException", 400)
    assert wire_error("mismatch", "query")[:2] == ("SignatureDoesNotMatch", 403)
    assert wire_error("unknown_key", "json") == (
        "UnrecognizedClientException",
        400,
        "The security token included in the request is invalid.",
    )
    assert wire_error("unknown_key", "query")[:2] == ("InvalidClientTokenId", 403)
    assert wire_error("incomplete", "query")[:2] == ("IncompleteSignature", 400)
    assert wire_error("missing", "json")[::2] == ("MissingAuthenticationTokenException", "Missing Authentication Token")
    assert wire_error("missing", "query") == (
        "MissingAuthenticationToken",
        403,
        "Request is missing Authentication Token",
    )
    assert wire_error("expired", "query")[0] == "SignatureDoesNotMatch"
    assert wire_error("mismatch", "json")[2].startswith("The request signature we calculated does not match")
    with pytest.raises(ValueError):
        wire_error("nope", "json")
    with pytest.raises(ValueError):
        wire_error("mismatch", "xml")


def test_error_object() -> None:
    err = SigV4Error("missing")
    assert err.message == "Missing Authentication Token"
    assert err.wire("query")[2] == "Request is missing Authentication Token"
    assert SigV4Error("mismatch").wire("rest-json")[:2] == ("InvalidSignatureException", 403)
    with pytest.raises(ValueError):
        SigV4Error("bogus")


# --------------------------------------------------------------------------- properties

# Reserved and special characters often, any other code point sometimes.
_URL_CHAR = st.one_of(
    st.sampled_from(list(" +%/=&~?#:;,@!$*'()[].-_aZ9é日")),
    st.characters(exclude_categories=("Cs",)),
)
_SEGMENT = st.text(alphabet=_URL_CHAR, max_size=6)
_QUERY_TEXT = st.text(alphabet=_URL_CHAR, max_size=6)
# Header values travel as latin-1; keep to what an HTTP server hands us.
_HEADER_VALUE = st.text(alphabet=st.sampled_from([chr(c) for c in range(0x20, 0x7F)] + ["\t", "é", "ü", "\xa0"]), max_size=12)
_HEADER_NAME = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-", min_size=1, max_size=5).map(lambda s: "x-h-" + s)


@st.composite
def signed_requests(draw: st.DrawFn, *, min_body: int = 0) -> SignedRequest:
    method = draw(st.sampled_from(["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD"]))
    safe = draw(st.sampled_from(["", "~", "!$&'()*+,;=:@~"]))
    segments = draw(st.lists(_SEGMENT, max_size=4))
    path = "/" + "/".join(quote(s, safe=safe) for s in segments)
    pairs = draw(st.lists(st.tuples(_QUERY_TEXT, _QUERY_TEXT), max_size=5))
    via_params = draw(st.booleans())
    url = f"{BASE}{path}"
    params: Any = None
    if pairs and via_params:
        params = pairs
    elif pairs:
        url += "?" + percent_encode_sequence(pairs)
    headers = draw(st.lists(st.tuples(_HEADER_NAME, _HEADER_VALUE), max_size=5))
    headers = [(draw(st.sampled_from([n, n.upper(), n.title()])), v) for n, v in headers]
    body = draw(st.binary(min_size=min_body, max_size=48))
    service = draw(st.sampled_from(["events", "sqs", "sns", "states", "scheduler", "pipes"]))
    region = draw(st.sampled_from(["us-east-1", "eu-central-1", "ap-southeast-2"]))
    token = draw(st.none() | st.text(alphabet="abcXYZ019+/=", min_size=1, max_size=20))
    return sign(method, url, headers=headers, body=body, params=params, service=service, region=region, token=token)


_PROPERTY = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@_PROPERTY
@given(signed_requests())
def test_property_botocore_signatures_verify(req: SignedRequest) -> None:
    check(req)


@_PROPERTY
@given(signed_requests(min_body=1), st.data())
def test_property_any_body_flip_fails(req: SignedRequest, data: st.DataObject) -> None:
    index = data.draw(st.integers(0, len(req.body) - 1))
    mask = data.draw(st.integers(1, 255))
    body = bytearray(req.body)
    body[index] ^= mask
    refused(dataclasses.replace(req, body=bytes(body)), "mismatch")


@_PROPERTY
@given(
    st.lists(st.tuples(_QUERY_TEXT, _QUERY_TEXT), max_size=4, unique_by=lambda p: p[0]),
    st.lists(_SEGMENT, max_size=3),
    st.integers(1, 604800),
)
def test_property_presigned_verify(pairs: list[tuple[str, str]], segments: list[str], expires: int) -> None:
    path = "/" + "/".join(quote(s, safe="") for s in segments)
    # SigV4QueryAuth folds query params into a dict, so keys are unique here.
    req = sign("GET", f"{BASE}{path}", params=dict(pairs), service="sqs", presign_expires=expires)
    check(req, NOW + timedelta(seconds=expires))
    refused(req, "expired", NOW + timedelta(seconds=expires + 1))
