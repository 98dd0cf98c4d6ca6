"""Talking to one chosen worker of an ``eventyard serve --workers N`` group.

A keep-alive connection stays with the worker that accepted it; ``pin_workers`` opens
connections until it holds one to each of ``n`` different workers (told apart by the
``process`` their health answer reports), and ``Pinned.call`` sends signed AWS
JSON-protocol requests over one of them.
"""

from __future__ import annotations

import http.client
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import orjson
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from _waiting import PATIENCE

# JSON protocol of each service: (X-Amz-Target prefix, content type, signing name)
PROTOCOLS = {
    "sqs": ("AmazonSQS", "application/x-amz-json-1.0", "sqs"),
    "events": ("AWSEvents", "application/x-amz-json-1.1", "events"),
    "stepfunctions": ("AWSStepFunctions", "application/x-amz-json-1.0", "states"),
}


class Pinned:
    """One keep-alive connection, and the worker process that serves it."""

    def __init__(self, url: str) -> None:
        self.url = url
        parts = urlsplit(url)
        # beyond GetActivityTask's 60 s wait
        self.conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=2 * PATIENCE)
        self.process = int(self.get("/_eventyard/health")["process"])

    def get(self, path: str) -> Any:
        self.conn.request("GET", path)
        response = self.conn.getresponse()
        body = response.read()
        assert response.status == 200, body
        return orjson.loads(body)

    def send(self, service: str, operation: str, params: dict[str, Any], *, account: str) -> None:
        """Send a request without waiting for its answer (``answer`` reads it)."""
        prefix, content_type, signing_name = PROTOCOLS[service]
        body = orjson.dumps(params)
        request = AWSRequest(method="POST", url=self.url + "/", data=body, headers={
            "Content-Type": content_type, "X-Amz-Target": f"{prefix}.{operation}"})
        SigV4Auth(Credentials(account, "test"), signing_name, "us-east-1").add_auth(request)
        self.conn.request("POST", "/", body=body, headers=dict(request.headers.items()))

    def answer(self) -> dict[str, Any]:
        response = self.conn.getresponse()
        body = response.read()
        assert response.status == 200, body
        return orjson.loads(body) if body else {}

    def call(self, service: str, operation: str, params: dict[str, Any], *, account: str) -> dict[str, Any]:
        self.send(service, operation, params, account=account)
        return self.answer()

    def close(self) -> None:
        self.conn.close()


def pin_workers(url: str, n: int = 2) -> list[Pinned]:
    """A connection to each of ``n`` different workers (others opened meanwhile are closed)."""
    found: dict[int, Pinned] = {}
    spare: list[Pinned] = []
    deadline = time.monotonic() + PATIENCE
    try:
        while True:
            while len(found) < n:
                assert time.monotonic() < deadline, f"saw only workers {sorted(found)} on {url}"
                pinned = Pinned(url)
                if pinned.process in found:
                    spare.append(pinned)  # held open: the next connection may go elsewhere
                else:
                    found[pinned.process] = pinned
            # a worker still starting may have taken long enough for the first connections
            # to be closed as idle (uvicorn's 5 s): those are opened again
            for process, pinned in list(found.items()):
                try:
                    pinned.get("/_eventyard/health")
                except (OSError, http.client.HTTPException):
                    pinned.close()
                    del found[process]
            if len(found) == n:
                break
    finally:
        for extra in spare:
            extra.close()
    return list(found.values())


def worker_pids(supervisor_pid: int) -> set[int]:
    """The supervisor's live children (Linux)."""
    children: set[int] = set()
    for task in Path(f"/proc/{supervisor_pid}/task").iterdir():
        try:
            children |= {int(pid) for pid in (task / "children").read_text().split()}
        except OSError:
            pass
    return children
