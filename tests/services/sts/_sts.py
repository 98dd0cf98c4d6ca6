"""Helpers for STS tests: a server in this process (so that its clock and its IAM can be
swapped), a stand-in for IAM's store, clients signed with any credentials, JWTs."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import socket
import threading
import time
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone
from typing import Any

import boto3
import botocore.auth
import uvicorn

from _clients import NO_RETRY
from eventyard.api.auth import AccessKey
from eventyard.config import Settings
from eventyard.core import clock
from eventyard.core.access_keys import new_access_key_id, new_secret_access_key
from eventyard.server import build_app
from eventyard.services.sts.web_identity import WebIdentityIssuer
from eventyard.store import Store

ROOT_KEY, ROOT_SECRET, ACCOUNT = "AKIDROOTKEYEXAMPLE", "root-secret", "111122223333"
OTHER_KEY, OTHER_SECRET, OTHER_ACCOUNT = "AKIDOTHERROOTKEY", "other-secret", "444455556666"
TRUST_ALL_OF_ACCOUNT = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, "Action": "sts:AssumeRole"}]})


# -- a stand-in for store/iam.py (the IAM branch), per the contract in WAVE3.md ----------
@dataclass(frozen=True)
class FakeAccessKey:
    access_key_id: str
    secret_access_key: str
    account_id: str
    user_name: str
    user_arn: str
    user_id: str
    status: str = "Active"
    created_ms: int = 0


@dataclass(frozen=True)
class FakeRole:
    account_id: str
    role_name: str
    role_id: str
    arn: str
    path: str = "/"
    trust_policy: str = TRUST_ALL_OF_ACCOUNT
    max_session_duration: int = 3600
    permissions_boundary_arn: str | None = None
    created_ms: int = 0


@dataclass
class FakeIam:
    keys: dict[str, FakeAccessKey] = field(default_factory=dict)
    roles: dict[tuple[str, str], FakeRole] = field(default_factory=dict)
    uses: list[tuple[str, str, str]] = field(default_factory=list)

    async def note_used(self, access_key_id: str, service: str, region: str) -> None:
        self.uses.append((access_key_id, service, region))

    async def access_key(self, access_key_id: str) -> FakeAccessKey | None:
        return self.keys.get(access_key_id)

    async def role(self, account_id: str, role_name: str) -> FakeRole | None:
        return self.roles.get((account_id, role_name))

    def add_user_key(self, user_name: str, account: str = ACCOUNT) -> FakeAccessKey:
        key = FakeAccessKey(new_access_key_id(account), new_secret_access_key(), account, user_name,
                            f"arn:aws:iam::{account}:user/{user_name}", "AIDA" + user_name.upper().ljust(17, "X")[:17])
        self.keys[key.access_key_id] = key
        return key

    def deactivate(self, access_key_id: str) -> None:
        self.keys[access_key_id] = replace(self.keys[access_key_id], status="Inactive")

    def add_role(self, name: str, account: str = ACCOUNT, path: str = "/", **kwargs: Any) -> FakeRole:
        role = FakeRole(account, name, "AROA" + name.upper().ljust(17, "Y")[:17],
                        f"arn:aws:iam::{account}:role{path}{name}", path, **kwargs)
        self.roles[(account, name)] = role
        return role


# -- a whole server in this process --------------------------------------------------
class Clock:
    """Moves eventyard's clock and botocore's signing clock together (a client whose
    own clock is right signs with the server's now)."""

    def __init__(self, monkeypatch: Any) -> None:
        self.offset_s = 0.0
        real_epoch = time.time
        monkeypatch.setattr(clock, "epoch", lambda: real_epoch() + self.offset_s)

        def signing_now(remove_tzinfo: bool = True) -> datetime:
            now = datetime.now(timezone.utc) + timedelta(seconds=self.offset_s)
            return now.replace(tzinfo=None) if remove_tzinfo else now

        monkeypatch.setattr(botocore.auth, "get_current_datetime", signing_now)

    def advance(self, seconds: float) -> None:
        self.offset_s += seconds


class InProcessServer:
    """``eventyard serve`` on a thread of the test process, on ``store``, with IAM's
    store replaced by ``iam``."""

    def __init__(self, store: Store, *, auth: str = "sigv4", iam: FakeIam | None = None,
                 issuers: tuple[WebIdentityIssuer, ...] = ()) -> None:
        keys = (AccessKey(ROOT_KEY, ROOT_SECRET, ACCOUNT), AccessKey(OTHER_KEY, OTHER_SECRET, OTHER_ACCOUNT))
        settings = Settings(auth=auth, access_keys=keys, log_level="warning", web_identity_issuers=issuers)
        self.app = build_app(settings, store)
        self.iam = iam or FakeIam()
        sts = self.app.state.registry.sts
        sts.directory = self.iam
        sts.credentials.directory = self.iam
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.server = uvicorn.Server(uvicorn.Config(self.app, host="127.0.0.1", port=self.port, log_level="warning",
                                                    lifespan="on", access_log=False))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> "InProcessServer":
        self.thread.start()
        deadline = time.monotonic() + 60
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the in-process server did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=30)


def signed(service: str, url: str, key: str, secret: str, token: str | None = None, **kwargs: Any) -> Any:
    return boto3.session.Session().client(service, endpoint_url=url, region_name="us-east-1", aws_access_key_id=key,
                                          aws_secret_access_key=secret, aws_session_token=token, config=NO_RETRY,
                                          **kwargs)


def with_credentials(service: str, url: str, credentials: dict[str, Any]) -> Any:
    return signed(service, url, credentials["AccessKeyId"], credentials["SecretAccessKey"],
                  credentials["SessionToken"])


# -- web identity tokens ---------------------------------------------------------------
def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def hs256_jwt(claims: dict[str, Any], secret: str) -> str:
    head = _b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode()) + "." + _b64(json.dumps(claims).encode())
    return head + "." + _b64(hmac.new(secret.encode(), head.encode(), hashlib.sha256).digest())
