"""The key that signs notifications, and the certificate served at ``SigningCertURL``.

One RSA key per store (every node signs with it, so a subscriber verifies any node's
messages with the one certificate), made on first use and kept in the store. Signatures
are PKCS#1 v1.5 over the canonical string: SHA1 for ``SignatureVersion`` 1, SHA256 for 2.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import os
from dataclasses import dataclass
from functools import cached_property

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID

from eventyard.core import clock
from eventyard.store import Store
from eventyard.store.session import Session

# AWS's certificates hold 2048-bit keys; a smaller key signs faster (a signature costs
# about 0.4 ms at 2048 bits, 0.2 ms at 1024) where a deployment wants that
KEY_BITS = int(os.environ.get("EVENTYARD_SNS_KEY_BITS", "2048"))


@dataclass(frozen=True)
class SigningKey:
    key: rsa.RSAPrivateKey
    certificate_pem: bytes

    @cached_property
    def cert_name(self) -> str:
        """The certificate's file name, as AWS names them: changes with the key."""
        return "SimpleNotificationService-" + hashlib.sha256(self.certificate_pem).hexdigest()[:32] + ".pem"

    def sign(self, canonical: str, version: str) -> str:
        algorithm = hashes.SHA256() if version == "2" else hashes.SHA1()
        signature = self.key.sign(canonical.encode("utf-8"), padding.PKCS1v15(), algorithm)
        return base64.b64encode(signature).decode()

    def sign_all(self, canonicals: list[str], version: str) -> list[str]:
        """``sign`` for each; run off the event loop (cryptography releases the GIL while
        OpenSSL signs, so signatures proceed on other cores while requests are served)."""
        return [self.sign(canonical, version) for canonical in canonicals]


def _generate() -> tuple[str, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=KEY_BITS)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "sns.amazonaws.com"),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "eventyard")])
    now = clock.now()
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=3650)).sign(key, hashes.SHA256()))
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode()
    return key_pem, cert.public_bytes(serialization.Encoding.PEM).decode()


class Signer:
    def __init__(self, store: Store) -> None:
        self.store = store
        self._key: SigningKey | None = None

    @property
    def ready(self) -> SigningKey | None:
        return self._key

    async def key(self) -> SigningKey:
        if self._key is None:
            found = await self.store.read(lambda s: s.topics.signing_key())
            if found is None:
                key_pem, cert_pem = _generate()

                def store_once(s: Session) -> tuple[str, str] | None:
                    # two nodes may race: the first key stored wins, and both read it back
                    s.topics.put_signing_key(key_pem, cert_pem)
                    return s.topics.signing_key()

                found = await self.store.write(store_once)
            assert found is not None
            private = serialization.load_pem_private_key(found[0].encode(), password=None)
            assert isinstance(private, rsa.RSAPrivateKey)
            self._key = SigningKey(private, found[1].encode())
        return self._key
