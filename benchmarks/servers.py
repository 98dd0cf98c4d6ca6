"""The systems under test: :class:`Server` and one subclass per system (eventyard,
moto, ministack). Each one is started on a free port on 127.0.0.1 in its own process
group, polled until it answers HTTP, checked with ``ss -ltnp`` to listen on loopback
only, and stopped by the PID we started (SIGTERM, then SIGKILL)."""

from __future__ import annotations

import atexit
import os
import signal
import subprocess
import time
from pathlib import Path
from typing import ClassVar

from .peers import peer_bin
from .processes import (
    LOOPBACK, free_port, group_cpu_seconds, group_members, http_status, is_loopback, listening_addresses,
    signal_group,
)
from .progress import log

REPO_DIR = Path(__file__).resolve().parent.parent
EVENTYARD_BIN = REPO_DIR / ".venv" / "bin" / "eventyard"


class ServerError(RuntimeError):
    """A server did not start, did not get ready, or bound where it must not."""

    def __init__(self, message: str, log_tail: str = "", exited: bool = False) -> None:
        super().__init__(message)
        self.log_tail = log_tail
        self.exited = exited



_LIVE: set[Server] = set()


@atexit.register
def _stop_leftovers() -> None:
    for server in list(_LIVE):
        server.stop()


class Server:
    """One system under test, run as a child process on 127.0.0.1:<free port>.

    Subclasses give the command, environment and readiness probe. The child
    starts a new session, so the terminal's Ctrl-C reaches only the harness,
    which then stops the child itself; its process group id is its PID, which
    is how any helper processes it forks get stopped with it.
    """

    name: ClassVar[str]
    ready_path: ClassVar[str] = "/"
    ready_timeout: ClassVar[float] = 30.0
    stop_timeout: ClassVar[float] = 10.0

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.port: int | None = None
        self.proc: subprocess.Popen[bytes] | None = None
        self.log_path = workdir / f"{self.name}.log"
        self.started_at = 0.0

    # -- per-system ---------------------------------------------------------
    def command(self, port: int) -> list[str]:
        raise NotImplementedError

    def environment(self, port: int) -> dict[str, str]:
        env = dict(os.environ)
        env["TMPDIR"] = str(self.workdir)  # pid/log/scratch files stay in our workdir
        return env

    def is_ready(self, status: int) -> bool:
        """Any HTTP answer means the server is serving."""
        return True

    def check_installed(self) -> None:
        exe = Path(self.command(0)[0])
        if not exe.exists():
            raise ServerError(f"{exe} not found")

    # -- lifecycle ----------------------------------------------------------
    @property
    def endpoint(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    def start(self) -> None:
        self.check_installed()
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        cmd = self.command(self.port)
        with open(self.log_path, "ab") as out:
            out.write(("$ " + " ".join(cmd) + "\n").encode())
            out.flush()
            self.proc = subprocess.Popen(
                cmd, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                cwd=self.workdir, env=self.environment(self.port), start_new_session=True,
            )
        self.started_at = time.perf_counter()
        _LIVE.add(self)

    def wait_ready(self) -> float:
        """Poll until an HTTP request is answered; return seconds since start."""
        assert self.proc is not None and self.port is not None
        deadline = self.started_at + self.ready_timeout
        while True:
            rc = self.proc.poll()
            if rc is not None:
                raise ServerError(f"exited with code {rc} before getting ready", self.log_tail(),
                                  exited=True)
            status = http_status(LOOPBACK, self.port, self.ready_path)
            if status is not None and self.is_ready(status):
                return time.perf_counter() - self.started_at
            if time.perf_counter() > deadline:
                raise ServerError(f"not ready after {self.ready_timeout:.0f}s", self.log_tail())
            time.sleep(0.1)

    def launch(self, attempts: int = 2) -> float:
        """start() + wait_ready(), once more on a new port if the process died
        early (another process may have taken the free port in between)."""
        for attempt in range(1, attempts + 1):
            self.start()
            try:
                return self.wait_ready()
            except ServerError as exc:
                self.stop()
                if not exc.exited or attempt == attempts:
                    raise
                log(f"[{self.name}] exited early, retrying on a new port")
        raise AssertionError("unreachable")

    def check_loopback_only(self) -> list[str]:
        """Every socket our process group listens on must be loopback.

        Returns the listening addresses (for the log); raises ServerError on
        anything else (0.0.0.0, ::, a public address).
        """
        assert self.proc is not None
        listeners = listening_addresses(self.proc.pid)
        if listeners is None:
            return ["(ss unavailable: binding not verified)"]
        bad = [addr for addr in listeners if not is_loopback(addr)]
        if bad:
            raise ServerError(f"listens on non-loopback {', '.join(bad)}", self.log_tail())
        return listeners

    def stop(self) -> None:
        """SIGTERM the process group we started, SIGKILL it if it lingers."""
        proc = self.proc
        if proc is None:
            return
        _LIVE.discard(self)
        if proc.poll() is None:  # not reaped yet: proc.pid is still our group id
            signal_group(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=self.stop_timeout)
            except subprocess.TimeoutExpired:
                signal_group(proc.pid, signal.SIGKILL)
                proc.wait(timeout=self.stop_timeout)
        # Helpers that outlived the leader still carry its pgid: stop them by pid.
        for pid in group_members(proc.pid):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

    def cpu_seconds(self) -> float:
        """CPU time used so far by our process group (user + system, incl. reaped children)."""
        if self.proc is None:
            return 0.0
        return group_cpu_seconds(self.proc.pid)

    def log_tail(self, lines: int = 15) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.strip().splitlines()[-lines:])


class EventyardServer(Server):
    """One server process (``--workers 1``); ``eventyard-w2`` is the same with two."""

    name = "eventyard"
    workers = 1

    @property
    def store_url(self) -> str:
        return f"sqlite:///{self.workdir / 'yard.db'}"  # absolute path -> sqlite:////...

    def command(self, port: int) -> list[str]:
        return [str(EVENTYARD_BIN), "serve", "--host", LOOPBACK, "--port", str(port),
                "--store", self.store_url, "--log-level", "warning", "--workers", str(self.workers)]


class EventyardTwoWorkers(EventyardServer):
    name = "eventyard-w2"
    workers = 2


class MotoServer(Server):
    name = "moto"
    ready_path = "/moto-api/"

    def command(self, port: int) -> list[str]:
        return [str(peer_bin("moto_server")), "-H", LOOPBACK, "-p", str(port)]


class MinistackServer(Server):
    """ministack's console script runs hypercorn in the foreground.

    It takes no CLI flags for address or port, only environment variables.
    """

    name = "ministack"
    ready_path = "/_ministack/ready"
    ready_timeout = 60.0

    def command(self, port: int) -> list[str]:
        return [str(peer_bin("ministack"))]

    def environment(self, port: int) -> dict[str, str]:
        env = super().environment(port)
        env.update(
            GATEWAY_PORT=str(port),
            BIND_HOST=LOOPBACK,      # default is 0.0.0.0
            # The IoT mTLS listener binds 0.0.0.0:8883 whatever BIND_HOST says,
            # and the SFTP one would open another port: neither is wanted here.
            IOT_MTLS_ENABLED="0",
            SFTP_ENABLED="0",
            PERSIST_STATE="0",
            LOG_LEVEL="WARNING",
            # Never talk to a Docker daemon (ministack reaps containers it
            # believes are its own at boot).
            DOCKER_HOST="unix:///nonexistent/docker.sock",
        )
        return env

    def is_ready(self, status: int) -> bool:
        return status == 200


SERVERS: dict[str, type[Server]] = {
    cls.name: cls for cls in (EventyardServer, EventyardTwoWorkers, MotoServer, MinistackServer)
}
PEERS = ("moto", "ministack")
