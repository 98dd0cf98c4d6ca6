"""A real ``eventyard serve`` process for wire and crash tests."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

EVENTYARD = str(Path(sys.executable).with_name("eventyard"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class ServerProcess:
    """Starts, kills (-9) and restarts one server on a fixed port and store."""

    def __init__(self, store_url: str, *, log_path: Path, extra_args: list[str] | None = None,
                 env: dict[str, str] | None = None) -> None:
        self.store_url = store_url
        self.port = free_port()
        self.log_path = log_path
        self.extra_args = extra_args or []
        self.env = env or {}
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60.0) -> "ServerProcess":
        """Start the server and wait until it answers its health check (a busy machine
        may take a while to load every service model)."""
        log = open(self.log_path, "ab")
        cmd = [EVENTYARD, "serve", "--host", "127.0.0.1", "--port", str(self.port),
               "--store", self.store_url, "--log-level", "warning", *self.extra_args]
        # one worker process unless a test asks for more (EVENTYARD_TEST_WORKERS runs the
        # whole suite against worker groups)
        workers = {"EVENTYARD_WORKERS": os.environ.get("EVENTYARD_TEST_WORKERS", "1")}
        self.proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT,
                                     env={**os.environ, **workers, **self.env})
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}:\n{self.log()}")
            try:
                if httpx.get(f"{self.url}/_eventyard/health", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
        self.kill()
        raise RuntimeError(f"server did not become ready:\n{self.log()}")

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-4000:]
        except OSError:
            return ""

    def kill(self) -> None:
        """SIGKILL: no shutdown hook runs, exactly like a crash."""
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()
