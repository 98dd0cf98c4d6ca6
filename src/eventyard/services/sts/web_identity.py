"""OpenID Connect tokens for ``AssumeRoleWithWebIdentity``: which issuers are trusted,
and whether a token is really theirs.

An issuer is configured on the command line (``--web-identity``) as
``ISSUER|KEYS[|AUDIENCE,...]``: KEYS is ``hs256:SECRET`` or the path of a JWKS file
(RS256/RS384/RS512 and ES256 keys); the audiences, when given, are the client ids
the issuer's tokens must be for (IAM's OIDC provider's client id list). A token is
accepted when its signature holds, ``iss`` is a configured issuer, ``aud`` is one of
its audiences, and ``exp`` has not passed.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from eventyard.core.errors import ServiceError

_RSA_HASHES: dict[str, hashes.HashAlgorithm] = {"RS256": hashes.SHA256(), "RS384": hashes.SHA384(),
                                                "RS512": hashes.SHA512()}
# AWS's words (recorded answers of STS)
NOT_A_JWT = "The ID Token provided is not a valid JWT. (You may see this error if you sent an Access Token)"
NOT_VALIDATED = ("The web identity token that was passed could not be validated by AWS. Get a new identity token "
                 "from the identity provider and then retry the request.")


@dataclass(frozen=True)
class WebIdentityIssuer:
    issuer: str  # the ``iss`` its tokens carry, e.g. https://token.example.com
    hs256_secret: bytes | None = None
    jwks: tuple[dict[str, Any], ...] = ()
    audiences: tuple[str, ...] = field(default=())

    @property
    def host_path(self) -> str:
        """The issuer without its scheme: IAM names the provider and its condition keys so."""
        return self.issuer.split("://", 1)[-1].rstrip("/")


def parse_issuer(text: str) -> WebIdentityIssuer:
    """``ISSUER|KEYS[|AUDIENCE,...]`` (see the module's docstring); ValueError if malformed."""
    parts = text.split("|")
    if len(parts) not in (2, 3) or not parts[0] or not parts[1]:
        raise ValueError(f"web identity issuer {text!r} is not ISSUER|KEYS[|AUDIENCE,...]")
    issuer, keys = parts[0], parts[1]
    audiences = tuple(a for a in parts[2].split(",") if a) if len(parts) == 3 else ()
    if keys.startswith("hs256:"):
        secret = keys[len("hs256:"):]
        if not secret:
            raise ValueError("an hs256 secret must not be empty")
        return WebIdentityIssuer(issuer, hs256_secret=secret.encode(), audiences=audiences)
    try:
        document = json.loads(Path(keys).read_text())
    except (OSError, ValueError) as exc:
        raise ValueError(f"cannot read the JWKS file {keys!r}: {exc}") from None
    found = document.get("keys") if isinstance(document, dict) else None
    if not isinstance(found, list) or not found:
        raise ValueError(f"the JWKS file {keys!r} holds no keys")
    return WebIdentityIssuer(issuer, jwks=tuple(k for k in found if isinstance(k, dict)), audiences=audiences)


@dataclass(frozen=True)
class VerifiedToken:
    issuer: WebIdentityIssuer
    claims: dict[str, Any]

    @property
    def subject(self) -> str:
        return str(self.claims.get("sub", ""))

    @property
    def audience(self) -> str:
        aud = self.claims.get("aud")
        return str(aud[0] if isinstance(aud, list) and aud else aud or "")


def _b64(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def _int(part: str) -> int:
    return int.from_bytes(_b64(part), "big")


def _invalid(message: str) -> ServiceError:
    return ServiceError("InvalidIdentityTokenException", message)


def verify(token: str, issuers: dict[str, WebIdentityIssuer], now_s: int) -> VerifiedToken:
    """The token's claims once every check holds; raises STS's ServiceError otherwise."""
    pieces = token.split(".")
    try:
        if len(pieces) != 3:
            raise ValueError
        header = json.loads(_b64(pieces[0]))
        claims = json.loads(_b64(pieces[1]))
        signature = _b64(pieces[2])
        if not isinstance(header, dict) or not isinstance(claims, dict):
            raise ValueError
    except (ValueError, RecursionError, binascii.Error, UnicodeDecodeError):
        raise _invalid(NOT_A_JWT) from None
    issuer = issuers.get(str(claims.get("iss", "")))
    if issuer is None:
        raise _invalid(f"No OpenIDConnect provider found in your account for {claims.get('iss', '')}")
    signed = f"{pieces[0]}.{pieces[1]}".encode()
    if not _signature_holds(issuer, header, signed, signature):
        raise _invalid(NOT_VALIDATED)
    exp = claims.get("exp")
    if not isinstance(exp, (int, float)) or isinstance(exp, bool):
        raise _invalid("Missing a required claim: exp")
    if now_s >= exp:
        raise ServiceError("ExpiredTokenException",
                           f"Token expired: current date/time {now_s} must be before the expiration date/time {int(exp)}")
    aud = claims.get("aud")
    if aud is None:
        raise _invalid("Missing a required claim: aud")
    audiences = aud if isinstance(aud, list) else [aud]
    if issuer.audiences and not any(a in issuer.audiences for a in audiences):
        raise _invalid("Incorrect token audience")
    return VerifiedToken(issuer, claims)


def _signature_holds(issuer: WebIdentityIssuer, header: dict[str, Any], signed: bytes, signature: bytes) -> bool:
    alg = header.get("alg")
    if alg == "HS256" and issuer.hs256_secret is not None:
        expected = hmac.new(issuer.hs256_secret, signed, hashlib.sha256).digest()
        return hmac.compare_digest(expected, signature)
    kid = header.get("kid")
    for jwk in issuer.jwks:
        if kid is not None and jwk.get("kid") not in (None, kid):
            continue
        try:
            if alg in _RSA_HASHES and jwk.get("kty") == "RSA":
                public = rsa.RSAPublicNumbers(_int(jwk["e"]), _int(jwk["n"])).public_key()
                public.verify(signature, signed, padding.PKCS1v15(), _RSA_HASHES[alg])
                return True
            if alg == "ES256" and jwk.get("kty") == "EC" and jwk.get("crv") == "P-256" and len(signature) == 64:
                point = ec.EllipticCurvePublicNumbers(_int(jwk["x"]), _int(jwk["y"]), ec.SECP256R1()).public_key()
                der = encode_dss_signature(int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big"))
                point.verify(der, signed, ec.ECDSA(hashes.SHA256()))
                return True
        except (InvalidSignature, KeyError, ValueError, binascii.Error):
            continue
    return False
