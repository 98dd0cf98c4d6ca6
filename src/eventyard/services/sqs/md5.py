"""MD5OfMessageBody and MD5OfMessageAttributes, exactly as SQS computes them.

The Java, .NET, Go and Kotlin SDKs recompute these digests and reject a response
whose digests differ, so the encoding must match AWS's byte for byte: attributes
sorted by name; for each, the name, the data type and the value, each preceded by its
length as a 4-byte big-endian integer, with one transport byte before the value
(1 for String and Number, 2 for Binary).
"""

from __future__ import annotations

import hashlib
from typing import Any, Mapping

_STRING, _BINARY = b"\x01", b"\x02"


def of_body(body: str) -> str:
    return hashlib.md5(body.encode("utf-8")).hexdigest()


def _field(digest: Any, data: bytes) -> None:
    digest.update(len(data).to_bytes(4, "big"))
    digest.update(data)


def of_attributes(attributes: Mapping[str, Mapping[str, Any]]) -> str | None:
    """The digest of message (or message system) attributes; None when there are none.

    Values are as on the wire after decoding: ``StringValue`` text or ``BinaryValue`` bytes.
    """
    if not attributes:
        return None
    digest = hashlib.md5()
    for name in sorted(attributes):
        value = attributes[name]
        data_type = value["DataType"]
        _field(digest, name.encode("utf-8"))
        _field(digest, data_type.encode("utf-8"))
        if data_type.startswith("Binary"):
            digest.update(_BINARY)
            _field(digest, bytes(value["BinaryValue"]))
        else:
            digest.update(_STRING)
            _field(digest, value["StringValue"].encode("utf-8"))
    return digest.hexdigest()
