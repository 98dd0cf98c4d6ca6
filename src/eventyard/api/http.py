"""Framework-free request and response values (easy to build in tests)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from typing import Iterable
from urllib.parse import parse_qsl, urlsplit

# host[:port]: a DNS name or IPv4 address, or a bracketed IPv6 address; nothing else may
# reach the URLs the server hands out (queue URLs, SNS's SigningCertURL/UnsubscribeURL)
_HOST = re.compile(r"^(?:[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,62})(?:\.[A-Za-z0-9_-]{1,63})*\.?|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$")


@lru_cache(maxsize=256)  # a client sends the same Host on every request
def valid_host(host: str) -> bool:
    return len(host) <= 260 and _HOST.match(host) is not None


def normalized_public_url(text: str) -> str:
    """``scheme://host[:port]`` without a trailing slash, or ValueError."""
    parts = urlsplit(text.strip())
    if parts.scheme not in ("http", "https") or not valid_host(parts.netloc) or parts.path.strip("/") \
            or parts.query or parts.fragment:
        raise ValueError(f"{text!r} is not scheme://host[:port] (http or https, no path)")
    return f"{parts.scheme}://{parts.netloc}"


@dataclass
class HttpRequest:
    method: str
    path: str  # raw, percent-encoded, without the query
    query: str = ""  # raw, without '?'
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    scheme: str = "http"

    @cached_property
    def header_map(self) -> dict[str, str]:
        """Lower-cased names; repeated headers comma-joined as HTTP allows."""
        merged: dict[str, str] = {}
        for name, value in self.headers:
            key = name.lower()
            merged[key] = f"{merged[key]},{value}" if key in merged else value
        return merged

    @classmethod
    def from_raw(cls, method: str, path: str, query: str, raw_headers: Iterable[tuple[bytes, bytes]],
                 scheme: str = "http") -> HttpRequest:
        """From an ASGI scope's parts: the headers decoded and mapped in one pass."""
        headers = [(name.decode("latin-1"), value.decode("latin-1")) for name, value in raw_headers]
        merged = {name.lower(): value for name, value in headers}
        if len(merged) != len(headers):  # a repeated header: joined as ``header_map`` joins them
            merged = {}
            for name, value in headers:
                key = name.lower()
                merged[key] = f"{merged[key]},{value}" if key in merged else value
        request = cls(method, path, query, headers, scheme=scheme)
        request.__dict__["header_map"] = merged  # what ``header_map`` would make, made already
        return request

    def header(self, name: str, default: str | None = None) -> str | None:
        found = self.header_map.get(name)  # callers mostly name headers in lower case already
        if found is None and not name.islower():
            found = self.header_map.get(name.lower())
        return default if found is None else found

    @cached_property
    def query_params(self) -> list[tuple[str, str]]:
        return parse_qsl(self.query, keep_blank_values=True)

    @property
    def content_type(self) -> str:
        return (self.header("content-type") or "").split(";", 1)[0].strip().lower()

    @property
    def base_url(self) -> str:
        """scheme://host the client used; ValueError when the Host header is not a host."""
        host = self.header("host") or "localhost"
        if not valid_host(host):
            raise ValueError("Host")
        return f"{self.scheme}://{host}"


@dataclass
class HttpResponse:
    status: int
    body: bytes = b""
    headers: list[tuple[str, str]] = field(default_factory=list)
