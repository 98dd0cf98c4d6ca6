"""OpenID Connect tokens: the issuer's keys (JWKS: RS256, ES256; or an HS256 secret),
``iss``, ``aud`` and ``exp`` decide, as STS's AssumeRoleWithWebIdentity checks them."""

from __future__ import annotations

import base64
import json

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from _sts import hs256_jwt
from eventyard.core.errors import ServiceError
from eventyard.services.sts.web_identity import NOT_VALIDATED, parse_issuer, verify

ISSUER = "https://idp.example.com"
NOW = 1_700_000_000
CLAIMS = {"iss": ISSUER, "aud": "app", "sub": "someone", "exp": NOW + 60}


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _int(value: int) -> str:
    return _b64(value.to_bytes((value.bit_length() + 7) // 8, "big"))


def _jwt(header: dict, claims: dict, sign) -> str:
    head = _b64(json.dumps(header).encode()) + "." + _b64(json.dumps(claims).encode())
    return head + "." + _b64(sign(head.encode()))


@pytest.fixture(scope="module")
def rsa_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def ec_key():
    return ec.generate_private_key(ec.SECP256R1())


@pytest.fixture
def issuers(tmp_path, rsa_key, ec_key):
    numbers = rsa_key.public_key().public_numbers()
    point = ec_key.public_key().public_numbers()
    jwks = {"keys": [{"kty": "RSA", "kid": "r1", "n": _int(numbers.n), "e": _int(numbers.e)},
                     {"kty": "EC", "kid": "e1", "crv": "P-256", "x": _b64(point.x.to_bytes(32, "big")),
                      "y": _b64(point.y.to_bytes(32, "big"))}]}
    path = tmp_path / "jwks.json"
    path.write_text(json.dumps(jwks))
    issuer = parse_issuer(f"{ISSUER}|{path}|app,other-app")
    return {issuer.issuer: issuer}


def _rs256(key):
    return lambda data: key.sign(data, padding.PKCS1v15(), hashes.SHA256())


def _es256(key):
    def sign(data: bytes) -> bytes:
        r, s = decode_dss_signature(key.sign(data, ec.ECDSA(hashes.SHA256())))
        return r.to_bytes(32, "big") + s.to_bytes(32, "big")
    return sign


def test_rs256_and_es256_tokens_of_the_jwks_are_accepted(issuers, rsa_key, ec_key):
    for header, sign in (({"alg": "RS256", "kid": "r1"}, _rs256(rsa_key)), ({"alg": "ES256", "kid": "e1"}, _es256(ec_key))):
        token = verify(_jwt(header, CLAIMS, sign), issuers, NOW)
        assert (token.subject, token.audience, token.issuer.host_path) == ("someone", "app", "idp.example.com")


def test_a_token_signed_by_another_key_is_refused(issuers):
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    with pytest.raises(ServiceError) as exc:
        verify(_jwt({"alg": "RS256", "kid": "r1"}, CLAIMS, _rs256(stranger)), issuers, NOW)
    assert (exc.value.code, exc.value.message) == ("InvalidIdentityTokenException", NOT_VALIDATED)
    with pytest.raises(ServiceError):  # alg none never passes
        verify(_jwt({"alg": "none"}, CLAIMS, lambda data: b""), issuers, NOW)


@pytest.mark.parametrize("change,code,message", [
    ({"aud": "someone-else"}, "InvalidIdentityTokenException", "Incorrect token audience"),
    ({"aud": ["x", "other-app"]}, None, None),
    ({"exp": NOW}, "ExpiredTokenException", f"Token expired: current date/time {NOW} must be before the expiration "
                                            f"date/time {NOW}"),
    ({"exp": None}, "InvalidIdentityTokenException", "Missing a required claim: exp"),
    ({"aud": None}, "InvalidIdentityTokenException", "Missing a required claim: aud"),
])
def test_claims_are_checked(issuers, rsa_key, change, code, message):
    claims = {k: v for k, v in {**CLAIMS, **change}.items() if v is not None}
    token = _jwt({"alg": "RS256", "kid": "r1"}, claims, _rs256(rsa_key))
    if code is None:
        assert verify(token, issuers, NOW).audience == "x"
        return
    with pytest.raises(ServiceError) as exc:
        verify(token, issuers, NOW)
    assert (exc.value.code, exc.value.message) == (code, message)


def test_an_hs256_issuer_and_malformed_tokens():
    issuer = parse_issuer(f"{ISSUER}|hs256:s3cret")
    issuers = {issuer.issuer: issuer}
    assert verify(hs256_jwt(CLAIMS, "s3cret"), issuers, NOW).subject == "someone"  # any audience without a list
    for garbage in ("a.b", "x.y.z", "....", hs256_jwt(CLAIMS, "s3cret").replace(".", "!", 1)):
        with pytest.raises(ServiceError) as exc:
            verify(garbage, issuers, NOW)
        assert exc.value.code == "InvalidIdentityTokenException"


@pytest.mark.parametrize("text", ["", "https://x", "https://x|", "|hs256:s", "https://x|hs256:", "a|b|c|d"])
def test_malformed_issuer_settings_are_refused(text):
    with pytest.raises(ValueError):
        parse_issuer(text)
