"""``eventyard serve --workers N``: one port served by N worker processes over one store.

The parent binds the listening socket, checks (and migrates) the store, then forks the
workers; each builds its own app (store connections, background runtime, function
workers) and serves the *same* listening socket with uvicorn: the kernel hands each new
connection to whichever worker accepts it first, so an idle worker takes the next one.
The parent only supervises: a worker that dies is started again in its slot (after a
short, growing pause when it keeps dying at once), and SIGTERM or SIGINT stops every
worker gracefully. Workers die with the parent (``PR_SET_PDEATHSIG`` on Linux): a
kill -9 of the parent is a crash of the whole group, never a half-dead server.

How the workers share the store:

- **PostgreSQL**: each worker is a node, exactly as separate servers sharing a database
  are (leases, ``SKIP LOCKED``, LISTEN/NOTIFY wake-ups, version-checked caches).
- **SQLite**: each worker is a node too. Each has its own writer thread that groups the
  units of work waiting in that process into one transaction; the processes take turns
  at SQLite's own write lock (WAL mode: readers never wait). A unit's notifications
  (wake-ups of long polls, activity workers, the job loops) reach the other workers
  through ``store.peers`` after its commit, like PostgreSQL's NOTIFY. Every cache is
  already correct across nodes: rule matchers and subscription filters are checked
  against a version read inside the unit's own transaction, and queue records are
  trusted for at most a second (as AWS's propagation delay allows). Jobs that must
  happen once are claimed by a row moved in the claiming transaction, so every worker
  runs the periodic jobs and exactly one does each unit of them. The parent holds the
  store's lock file (``<store>.lock``) for the whole group: a second server on the
  same file is still refused.

Each worker runs its own Lambda function workers and Runtime API ports (ephemeral ports
of its own), and counts function concurrency (reserved and per account) for itself, as
each node does; ``/metrics`` answers with the counters of the worker that took the
scrape (queue depths are read from the store).
"""

from __future__ import annotations

import ctypes
import os
import secrets
import signal
import socket
import sys
import time
from collections.abc import Callable
from types import FrameType

import structlog

from eventyard.store.peers import PeerGroup

log = structlog.get_logger("eventyard.supervisor")

__all__ = ["Supervisor", "default_workers"]

_PR_SET_PDEATHSIG = 1
_STOP_GRACE_S = 75.0  # stopping workers finish their requests (GetActivityTask waits up to 60 s), then are killed
_QUICK_DEATH_S = 10.0  # a worker that dies sooner than this after starting is crashing at start
_MAX_PAUSE_S = 5.0
_STOP_SIGNALS = {signal.SIGTERM, signal.SIGINT}


def default_workers() -> int:
    """The machine's cores that this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


class _Stop(Exception):
    """Raised by the signal handler to leave a blocking wait."""


class Supervisor:
    """Forks ``count`` workers, each running ``serve(listener, group)`` (which returns the
    worker's exit code), and keeps them running until told to stop."""

    def __init__(self, count: int, listener: socket.socket,
                 serve: Callable[[socket.socket, PeerGroup], int]) -> None:
        self.count = count
        self.listener = listener
        self.serve = serve
        self.name = f"{os.getpid()}-{secrets.token_hex(4)}"
        self._workers: dict[int, tuple[int, float]] = {}  # pid -> (slot, started at)
        self._quick_deaths = [0] * count
        self._stopping = False

    def run(self) -> int:
        """Start the workers and supervise them; returns the exit code of the command."""
        previous = {sig: signal.signal(sig, self._on_stop_signal) for sig in _STOP_SIGNALS}
        try:
            for slot in range(self.count):
                self._start(slot)
            while not self._stopping:
                try:
                    pid, status = os.waitpid(-1, 0)
                except ChildProcessError:
                    return 1  # no worker left (should not happen: dead ones are replaced)
                slot_started = self._workers.pop(pid, None)
                if slot_started is None:
                    continue
                self._replace(slot_started, status)
        except _Stop:
            pass
        finally:
            for sig in _STOP_SIGNALS:  # a second signal must not cut the stop short
                signal.signal(sig, signal.SIG_IGN)
        self._stop_all()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        return 0

    def _on_stop_signal(self, signum: int, frame: FrameType | None) -> None:
        if not self._stopping:
            self._stopping = True
            raise _Stop()

    def _replace(self, slot_started: tuple[int, float], status: int) -> None:
        slot, started = slot_started
        lived = time.monotonic() - started
        log.warning("worker_died", slot=slot, status=_describe(status), lived_s=round(lived, 1))
        if lived < _QUICK_DEATH_S:
            self._quick_deaths[slot] += 1
            pause = min(0.1 * 2 ** (self._quick_deaths[slot] - 1), _MAX_PAUSE_S)
            time.sleep(pause)  # a stop signal interrupts it (_Stop)
        else:
            self._quick_deaths[slot] = 0
        self._start(slot)

    def _start(self, slot: int) -> None:
        parent = os.getpid()
        # no stop signal between the fork and the bookkeeping of either side
        signal.pthread_sigmask(signal.SIG_BLOCK, _STOP_SIGNALS)
        pid = os.fork()
        if pid:
            self._workers[pid] = (slot, time.monotonic())
            signal.pthread_sigmask(signal.SIG_UNBLOCK, _STOP_SIGNALS)
            return
        code = 1
        try:
            _die_with(parent)
            for sig in _STOP_SIGNALS:
                signal.signal(sig, signal.SIG_DFL)
            signal.pthread_sigmask(signal.SIG_UNBLOCK, _STOP_SIGNALS)
            # Ctrl-C reaches the whole foreground process group: only the parent should
            # get it (and stop the workers once, gracefully)
            os.setpgid(0, 0)
            code = self.serve(self.listener, PeerGroup(self.name, slot, self.count))
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        except BaseException:  # noqa: BLE001 - a worker must never return into the parent's loop
            import traceback

            traceback.print_exc()
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)

    def _stop_all(self) -> None:
        """SIGTERM every worker, wait for them to finish gracefully, kill the stragglers."""
        for pid in self._workers:
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + _STOP_GRACE_S
        while self._workers and time.monotonic() < deadline:
            for pid in list(self._workers):
                try:
                    done, _ = os.waitpid(pid, os.WNOHANG)
                except ChildProcessError:
                    done = pid
                if done:
                    del self._workers[pid]
            if self._workers:
                time.sleep(0.05)
        for pid in self._workers:
            try:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
            except (ProcessLookupError, ChildProcessError):
                pass


def _die_with(parent: int) -> None:
    """Linux: this worker gets SIGKILL when the supervisor dies, however it dies."""
    if sys.platform != "linux":
        return
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        return
    if os.getppid() != parent:  # the parent died before the prctl
        os._exit(1)


def _describe(status: int) -> str:
    if os.WIFSIGNALED(status):
        return f"killed by {signal.Signals(os.WTERMSIG(status)).name}"
    return f"exit {os.waitstatus_to_exitcode(status)}"
