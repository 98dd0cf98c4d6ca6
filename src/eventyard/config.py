"""Server settings, from CLI flags or ``EVENTYARD_*`` environment variables."""

from __future__ import annotations

from dataclasses import dataclass, field

from eventyard.api.auth import AccessKey
from eventyard.services.sts.web_identity import WebIdentityIssuer
from eventyard.store.base import DEFAULT_URL


@dataclass(frozen=True)
class Settings:
    host: str = "127.0.0.1"
    port: int = 4566
    store_url: str = DEFAULT_URL
    auth: str = "none"  # none (dev: any credentials) | sigv4 | iam (sigv4 and IAM policies enforced)
    access_keys: tuple[AccessKey, ...] = field(default_factory=tuple)
    rules_per_bus: int = 300  # EventBridge's default quota
    # recent events kept per event bus for the console's live tail (0: none kept)
    event_history: int = 0
    # How long a claimed delivery stays hidden from other workers; after a crash, what the
    # dead node had claimed is delivered again once this runs out.
    delivery_lease_s: int = 120
    log_level: str = "info"
    # processes serving the port over the store (``eventyard serve --workers``)
    workers: int = 1
    # scheme://host[:port] clients reach this server at (queue URLs, SNS's URLs); None:
    # the request's validated Host header
    public_url: str | None = None
    # seconds a request may take to arrive whole (headers and body) before its
    # connection is closed
    request_timeout_s: float = 60.0
    # with auth sigv4: a bearer token that also opens /metrics (a signed request does too)
    metrics_token: str | None = None
    # OpenID Connect issuers whose tokens AssumeRoleWithWebIdentity accepts
    web_identity_issuers: tuple[WebIdentityIssuer, ...] = field(default_factory=tuple)
    # Secrets Manager's data key (32 bytes, base64); None: a key generated once and kept in the store
    secrets_key: str | None = None
