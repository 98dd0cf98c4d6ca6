"""Zips and clients for the functions tests."""

from __future__ import annotations

import io
import uuid
import zipfile
from typing import Any

from _clients import client

ROLE = "arn:aws:iam::000000000000:role/lambda-role"


def zipped(files: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        for name, text in files.items():
            z.writestr(name, text)
    return buffer.getvalue()


ECHO = zipped({"app.py": "def handler(event, context):\n    return {'got': event}\n"})


def new_account() -> str:
    return str(uuid.uuid4().int)[:12].rjust(12, "1")


def lam(server: Any, account: str, **kwargs: Any) -> Any:
    return client("lambda", server.url, account=account, **kwargs)


def create(c: Any, name: str, archive: bytes = ECHO, *, wait: bool = True, **extra: Any) -> dict[str, Any]:
    created: dict[str, Any] = c.create_function(FunctionName=name, Runtime="python3.12", Role=ROLE,
                                                Handler=extra.pop("Handler", "app.handler"),
                                                Code=extra.pop("Code", {"ZipFile": archive}), **extra)
    if wait:
        c.get_waiter("function_active_v2").wait(FunctionName=name, WaiterConfig={"Delay": 0.2, "MaxAttempts": 300})
    return created
