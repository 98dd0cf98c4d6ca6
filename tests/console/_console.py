"""Helpers of the console's tests: a browser-less client that holds the console's
cookies and fills in the CSRF token as a page's forms would."""

from __future__ import annotations

import re
from typing import Any

import httpx

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


class ConsoleClient:
    def __init__(self, base_url: str) -> None:
        self.http = httpx.Client(base_url=base_url, follow_redirects=False, timeout=30)
        self.token = ""

    def get(self, path: str, **params: Any) -> httpx.Response:
        response = self.http.get(path, params=params or None)
        found = TOKEN.search(response.text)
        if found:
            self.token = found.group(1)
        return response

    def post(self, path: str, data: dict[str, str], *, token: str | None = None) -> httpx.Response:
        if not self.token:
            self.get("/console/")
        return self.http.post(path, data={"csrf_token": self.token if token is None else token, **data})

    def close(self) -> None:
        self.http.close()
