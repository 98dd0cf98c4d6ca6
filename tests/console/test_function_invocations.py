"""A function's invocations read from its log lines (text and JSON log formats)."""

from __future__ import annotations

import json

from eventyard.console.pages.functions import invocations_of


def _line(stream: str, at: int, message: str) -> dict[str, object]:
    return {"logStreamName": stream, "timestamp": at, "message": message}


def test_invocations_from_start_end_report_lines_newest_first() -> None:
    lines = [
        _line("s1", 1, "START RequestId: ok-1 Version: $LATEST\n"),
        _line("s2", 2, "START RequestId: bad-1 Version: $LATEST\n"),
        _line("s1", 3, "hello\n"),
        _line("s2", 4, "[ERROR] ValueError: asked to fail\nTraceback (most recent call last): ...\n"),
        _line("s1", 5, "END RequestId: ok-1\n"),
        _line("s1", 6, "REPORT RequestId: ok-1\tDuration: 3.20 ms\tBilled Duration: 4 ms\tMemory Size: 128 MB\t"
                       "Max Memory Used: 30 MB\t\n"),
        _line("s2", 7, "END RequestId: bad-1\n"),
        _line("s2", 8, "REPORT RequestId: bad-1\tDuration: 1.00 ms\tBilled Duration: 1 ms\tMemory Size: 128 MB\t"
                       "Max Memory Used: 31 MB\t\n"),
        _line("s1", 9, "START RequestId: slow-1 Version: $LATEST\n"),
        _line("s1", 10, "END RequestId: slow-1\n"),
        _line("s1", 11, "REPORT RequestId: slow-1\tDuration: 3000.00 ms\tBilled Duration: 3000 ms\t"
                        "Memory Size: 128 MB\tMax Memory Used: 30 MB\tStatus: timeout\t\n"),
        _line("s3", 12, "START RequestId: now-1 Version: $LATEST\n"),
    ]
    found = invocations_of(lines)
    assert [(i.request_id, i.status) for i in found] == [
        ("now-1", "running"), ("slow-1", "timeout"), ("bad-1", "failed"), ("ok-1", "succeeded")]
    ok, bad = found[3], found[2]
    assert (ok.duration, ok.billed, ok.memory_used, ok.error) == ("3.20 ms", "4 ms", "30 MB", "")
    assert bad.error.startswith("[ERROR] ValueError: asked to fail")


def test_invocations_from_json_platform_records() -> None:
    def record(kind: str, at: int, **fields: object) -> dict[str, object]:
        return _line("s", at, json.dumps({"time": "t", "type": kind, "record": fields}))

    lines = [record("platform.start", 1, requestId="r1", version="$LATEST"),
             record("platform.runtimeDone", 2, requestId="r1", status="success"),
             record("platform.report", 3, requestId="r1", status="error", errorType="Runtime.ExitError",
                    metrics={"durationMs": 2.5, "billedDurationMs": 3, "memorySizeMB": 128, "maxMemoryUsedMB": 40})]
    [only] = invocations_of(lines)
    assert (only.request_id, only.status, only.error, only.duration) == ("r1", "error", "Runtime.ExitError", "2.5 ms")
