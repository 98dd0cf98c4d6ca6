"""A worker's log output, as CloudWatch Logs receives it from Lambda.

Two pipes per worker: its stdout and stderr together (one pipe keeps their order; each
line is one log event, as Lambda splits them) and the telemetry pipe that the runtime
clients write framed records to (``_LAMBDA_TELEMETRY_LOG_FD``: 4-byte type, 4-byte
length, 8-byte timestamp in microseconds, message; a multi-line record, a traceback,
stays one event). Both are read as data arrives; ``drain()`` reads what is left
synchronously, so output written before the worker posted its response always belongs
to that invocation (the write happened before the POST reached us).

The platform lines (``START``/``END``/``REPORT`` and the rest) are formatted here,
as Lambda prints them, in Text or JSON log format.
"""

from __future__ import annotations

import asyncio
import os
import time
from datetime import datetime, timezone

import orjson

from eventyard.runtime.functions.types import LogLine

__all__ = ["LogCapture", "PlatformLines"]

_FRAME_HEADER = 16
_MAX_FRAME = 16 * 1024 * 1024  # a longer "frame" means the stream is not framed: give up on it
_PARTIAL_FLUSH = 256 * 1024  # a line this long without a newline is an event of its own


def _now_ms() -> int:
    return time.time_ns() // 1_000_000


class LogCapture:
    """Collects one worker's log events into the current invocation's list."""

    def __init__(self, loop: asyncio.AbstractEventLoop, output_fd: int, telemetry_fd: int) -> None:
        self._loop = loop
        self._output_fd = output_fd
        self._telemetry_fd = telemetry_fd
        self._partial = bytearray()  # stdout/stderr bytes after the last newline
        self._frames = bytearray()
        self.lines: list[LogLine] = []
        for fd in (output_fd, telemetry_fd):
            os.set_blocking(fd, False)
        loop.add_reader(output_fd, self._read_output)
        loop.add_reader(telemetry_fd, self._read_telemetry)
        self._open = True

    def take(self) -> list[LogLine]:
        """The events collected so far (read to the end of what is in the pipes)."""
        self.drain()
        if self._partial:
            self._add_output_line(bytes(self._partial))
            self._partial.clear()
        lines, self.lines = self.lines, []
        return lines

    def drain(self) -> None:
        if self._open:
            self._read_output()
            self._read_telemetry()

    def close(self) -> None:
        if not self._open:
            return
        self.drain()
        self._open = False
        for fd in (self._output_fd, self._telemetry_fd):
            self._loop.remove_reader(fd)
            os.close(fd)

    def _read(self, fd: int) -> bytes:
        chunks = []
        while True:
            try:
                chunk = os.read(fd, 65536)
            except BlockingIOError:
                break
            except OSError:
                break
            if not chunk:
                self._loop.remove_reader(fd)  # the worker has gone; its end is closed
                break
            chunks.append(chunk)
        return b"".join(chunks)

    def _read_output(self) -> None:
        data = self._read(self._output_fd)
        if not data:
            return
        self._partial += data
        start = 0
        while True:
            end = self._partial.find(b"\n", start)
            if end < 0:
                break
            self._add_output_line(bytes(self._partial[start:end + 1]))
            start = end + 1
        del self._partial[:start]
        if len(self._partial) > _PARTIAL_FLUSH:
            self._add_output_line(bytes(self._partial))
            self._partial.clear()

    def _add_output_line(self, raw: bytes) -> None:
        self.lines.append(LogLine(_now_ms(), raw.decode("utf-8", errors="replace")))

    def _read_telemetry(self) -> None:
        data = self._read(self._telemetry_fd)
        if not data:
            return
        frames = self._frames
        frames += data
        start = 0
        while len(frames) - start >= _FRAME_HEADER:
            length = int.from_bytes(frames[start + 4:start + 8], "big")
            if length > _MAX_FRAME:
                frames.clear()
                return
            end = start + _FRAME_HEADER + length
            if len(frames) < end:
                break
            timestamp_us = int.from_bytes(frames[start + 8:start + 16], "big")
            message = bytes(frames[start + _FRAME_HEADER:end]).decode("utf-8", errors="replace")
            self.lines.append(LogLine(timestamp_us // 1000, message))
            start = end
        del frames[:start]


def _iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"


class PlatformLines:
    """Lambda's own log lines for one function, in its log format."""

    def __init__(self, log_format: str) -> None:
        self.json = log_format.upper() == "JSON"

    def _record(self, kind: str, record: dict[str, object]) -> LogLine:
        now = _now_ms()
        return LogLine(now, orjson.dumps({"time": _iso(now), "type": kind, "record": record}).decode())

    def start(self, request_id: str, version: str) -> LogLine:
        if self.json:
            return self._record("platform.start", {"requestId": request_id, "version": version})
        return LogLine(_now_ms(), f"START RequestId: {request_id} Version: {version}\n")

    def end(self, request_id: str) -> LogLine:
        if self.json:
            return self._record("platform.runtimeDone", {"requestId": request_id, "status": "success"})
        return LogLine(_now_ms(), f"END RequestId: {request_id}\n")

    def report(self, request_id: str, duration_ms: float, billed_ms: int, memory_mb: int, max_used_mb: int,
               init_ms: float | None, status: str | None = None, error_type: str | None = None) -> LogLine:
        if self.json:
            metrics: dict[str, object] = {"durationMs": round(duration_ms, 2), "billedDurationMs": billed_ms,
                                          "memorySizeMB": memory_mb, "maxMemoryUsedMB": max_used_mb}
            if init_ms is not None:
                metrics["initDurationMs"] = round(init_ms, 2)
            record: dict[str, object] = {"requestId": request_id, "metrics": metrics,
                                         "status": status or "success"}
            if error_type:
                record["errorType"] = error_type
            return self._record("platform.report", record)
        text = (f"REPORT RequestId: {request_id}\tDuration: {duration_ms:.2f} ms\tBilled Duration: {billed_ms} ms\t"
                f"Memory Size: {memory_mb} MB\tMax Memory Used: {max_used_mb} MB\t")
        if init_ms is not None:
            text += f"Init Duration: {init_ms:.2f} ms\t"
        if status:
            text += f"Status: {status}\t"
        if error_type:
            text += f"Error Type: {error_type}\t"
        return LogLine(_now_ms(), text + "\n")

    def init_report(self, init_ms: float, error_type: str) -> LogLine:
        if self.json:
            return self._record("platform.initReport", {
                "initializationType": "on-demand", "phase": "init", "status": "error", "errorType": error_type,
                "metrics": {"durationMs": round(init_ms, 2)}})
        return LogLine(_now_ms(), f"INIT_REPORT Init Duration: {init_ms:.2f} ms\tPhase: init\tStatus: error\t"
                                  f"Error Type: {error_type}\n")

    def timed_out(self, request_id: str, timeout_s: float) -> LogLine:
        now = _now_ms()
        if self.json:
            return LogLine(now, orjson.dumps({"timestamp": _iso(now), "level": "ERROR", "requestId": request_id,
                                              "message": f"Task timed out after {timeout_s:.2f} seconds"}).decode())
        return LogLine(now, f"{_iso(now)} {request_id} Task timed out after {timeout_s:.2f} seconds\n\n")

    def runtime_error(self, message: str, error_type: str) -> LogLine:
        """Lambda's line when the runtime died: "RequestId: ... Error: ..." then the type."""
        now = _now_ms()
        if self.json:
            return LogLine(now, orjson.dumps({"timestamp": _iso(now), "level": "ERROR",
                                              "message": message, "errorType": error_type}).decode())
        return LogLine(now, f"{message}\n{error_type}\n")
