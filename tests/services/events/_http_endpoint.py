"""A real local HTTP server for API destination tests: records every request it gets and
answers from a per-path script (a list of statuses, the last one repeated), or from a
function of the request. Bound to 127.0.0.1 on a free port; stopped by the fixture."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable
from urllib.parse import parse_qsl, urlsplit

from _waiting import PATIENCE


@dataclass
class Seen:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]  # lower-cased names
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Answer:
    status: int = 200
    body: bytes = b"{}"
    headers: dict[str, str] = field(default_factory=dict)


class Endpoint:
    def __init__(self) -> None:
        self.requests: list[Seen] = []
        self._scripts: dict[str, list[Answer]] = {}
        self._handlers: dict[str, Callable[[Seen], Answer]] = {}
        self._lock = threading.Lock()
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                parts = urlsplit(self.path)
                seen = Seen(self.command, parts.path, dict(parse_qsl(parts.query, keep_blank_values=True)),
                            {k.lower(): v for k, v in self.headers.items()}, body)
                answer = endpoint._answer(seen)
                self.send_response(answer.status)
                for key, value in answer.headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(answer.body)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(answer.body)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _serve

            def log_message(self, *args: Any) -> None:  # keep test output quiet
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def script(self, path: str, *statuses: int | Answer) -> None:
        """Answer requests to ``path`` with these statuses in turn, the last one for ever."""
        with self._lock:
            self._scripts[path] = [s if isinstance(s, Answer) else Answer(s) for s in statuses]

    def handle(self, path: str, fn: Callable[[Seen], Answer]) -> None:
        with self._lock:
            self._handlers[path] = fn

    def _answer(self, seen: Seen) -> Answer:
        with self._lock:
            self.requests.append(seen)
            if seen.path in self._handlers:
                fn = self._handlers[seen.path]
            else:
                script = self._scripts.get(seen.path)
                if not script:
                    return Answer(200)
                return script.pop(0) if len(script) > 1 else script[0]
        return fn(seen)

    def seen(self, path: str) -> list[Seen]:
        with self._lock:
            return [r for r in self.requests if r.path == path]

    def wait_for(self, path: str, count: int, timeout: float = PATIENCE) -> list[Seen]:
        """The requests to ``path`` once there are at least ``count`` (or what came)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            got = self.seen(path)
            if len(got) >= count:
                return got
            time.sleep(0.05)
        return self.seen(path)

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
