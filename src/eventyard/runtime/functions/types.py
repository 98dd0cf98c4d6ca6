"""The seam between the functions service (``services/functions``, the Lambda API) and the
function workers (``runtime/functions``): what to run, one invocation, and its outcome.

The service owns the API, the store, versions, aliases, concurrency limits and retries;
the runner owns processes: it starts workers for a ``FunctionCode`` (cold start), reuses
warm ones, feeds them one invocation at a time through the Runtime API, kills a worker
whose invocation outlives its deadline, and reports what happened as an
``InvocationResult``. The runner never touches the store.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol


@dataclass(frozen=True)
class FunctionCode:
    """Everything a worker needs to run one version of one function."""

    function_arn: str  # unqualified: arn:aws:lambda:REGION:ACCOUNT:function:NAME
    version: str  # "$LATEST", "1", ...
    account_id: str
    region: str
    function_name: str
    runtime: str  # "python3.12", "nodejs20.x", ...
    handler: str  # "app.handler"
    code_dir: Path  # unpacked code, or the hot-reload folder itself (read live, never copied)
    layer_dirs: tuple[Path, ...] = ()  # unpacked layers in the function's order (laid out as /opt)
    environment: Mapping[str, str] = field(default_factory=dict)  # the user's variables only
    memory_mb: int = 128
    timeout_s: int = 3
    log_group: str = ""  # "/aws/lambda/NAME" unless LoggingConfig says otherwise
    log_format: str = "Text"  # "Text" | "JSON"
    # Changes whenever code or configuration changes: warm workers of another revision are
    # never reused (hot-reload folders: the service folds the folder's newest mtime in).
    revision: str = ""
    endpoint_url: str = ""  # eventyard's own URL, given to the worker as AWS_ENDPOINT_URL
    credentials: tuple[str, str, str | None] = ("test", "test", None)  # key id, secret, session token
    # code_dir is the user's own folder (hot reload), edited while it runs: compiled
    # modules must not be cached beside it (a save within the same second and of the same
    # size would otherwise run the stale bytecode)
    live_code: bool = False


@dataclass(frozen=True)
class InvocationRequest:
    request_id: str
    payload: bytes  # the event, JSON text
    client_context: str | None = None  # JSON text (already base64-decoded)
    trace_id: str | None = None
    invoked_arn: str = ""  # as the caller named it (qualified or not): Lambda-Runtime-Invoked-Function-Arn


@dataclass(frozen=True)
class LogLine:
    timestamp_ms: int
    message: str


@dataclass(frozen=True)
class InvocationResult:
    """One invocation's outcome. ``function_error`` is None on success, else "Unhandled"
    (every runtime error, timeouts and crashes included, as Lambda reports them); the
    payload is then the error document (``{"errorMessage", "errorType", ...}``)."""

    payload: bytes
    function_error: str | None
    duration_ms: float
    billed_duration_ms: int
    max_memory_used_mb: int
    init_duration_ms: float | None  # set on a cold start only
    log_stream: str  # "YYYY/MM/DD/[VERSION]<32 hex>", one per worker
    log_lines: tuple[LogLine, ...]  # START ... END, REPORT included, in order


class RuntimeNotSupported(Exception):
    """This machine cannot run the function's runtime; the message says why."""


class FunctionRunner(Protocol):
    def supports(self, runtime: str) -> str | None:
        """None if this machine can run ``runtime``; else the reason, for the user."""

    async def invoke(self, code: FunctionCode, request: InvocationRequest) -> InvocationResult: ...

    async def retire(self, function_arn: str) -> None:
        """Stop every worker of the function (code changed, function deleted)."""

    async def close(self) -> None: ...
