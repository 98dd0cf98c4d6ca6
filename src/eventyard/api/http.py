"""Framework-free request and response values (easy to build in tests)."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from urllib.parse import parse_qsl


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
        host = self.header("host") or "localhost"
        return f"{self.scheme}://{host}"


@dataclass
class HttpResponse:
    status: int
    body: bytes = b""
    headers: list[tuple[str, str]] = field(default_factory=list)
