"""Framework-free request and response values (easy to build in tests)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from urllib.parse import parse_qsl, urlsplit

# host[:port]: a DNS name or IPv4 address, or a bracketed IPv6 address; nothing else may
# reach the URLs the server hands out (queue URLs, SNS's SigningCertURL/UnsubscribeURL)
_HOST = re.compile(r"^(?:[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,62})(?:\.[A-Za-z0-9_-]{1,63})*\.?|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$")


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

    def header(self, name: str, default: str | None = None) -> str | None:
        return self.header_map.get(name.lower(), default)

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
