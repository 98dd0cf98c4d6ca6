"""The worker pool runs real handlers in real processes through the Lambda Runtime API and
reports each outcome as Lambda does (runtime/functions/workers.py)."""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
from pathlib import Path

import pytest

from eventyard.runtime.functions.types import InvocationResult, RuntimeNotSupported

from .conftest import ARN, PoolDriver, function_code, request, write_code

APP = """
    import json, os, sys, time, logging
    logger = logging.getLogger()
    logger.setLevel(logging.INFO)
    print("init output")

    def handler(event, context):
        print("hello", json.dumps(event))
        logger.info("a record\\nover two lines")
        return {"pid": os.getpid(), "request_id": context.aws_request_id, "event": event,
                "remaining_ok": 0 < context.get_remaining_time_in_millis() <= 3000}

    def fails(event, context):
        raise ValueError("Handler fails")

    def sleeps(event, context):
        if event.get("sleep"):
            time.sleep(600)
        return os.getpid()

    def exits(event, context):
        print("about to exit")
        sys.stdout.flush()
        os._exit(3)

    def allocates(event, context):
        block = bytearray(event["mb"] * 1024 * 1024)
        for i in range(0, len(block), 4096):
            block[i] = 1
        return len(block)

    def environment(event, context):
        import layered
        return {"env": dict(os.environ), "cwd": os.getcwd(), "sys_path": sys.path, "layered": layered.WHERE}
"""

REPORT = re.compile(r"REPORT RequestId: (?P<id>[0-9a-f-]{36})\tDuration: \d+\.\d\d ms\tBilled Duration: \d+ ms\t"
                    r"Memory Size: (?P<size>\d+) MB\tMax Memory Used: (?P<used>\d+) MB\t"
                    r"(?:Init Duration: \d+\.\d\d ms\t)?(?P<status>Status: \w+\t(?:Error Type: [\w.]+\t)?)?\n\Z")


def _messages(result: InvocationResult) -> list[str]:
    return [line.message for line in result.log_lines]


def _document(result: InvocationResult) -> dict[str, object]:
    document = json.loads(result.payload)
    assert isinstance(document, dict)
    return document


@pytest.fixture
def app(tmp_path: Path) -> Path:
    return write_code(tmp_path / "code", {"app.py": APP, "broken.py": "import nosuchmodule\n"})


def test_success_cold_then_warm_with_aws_log_lines(driver: PoolDriver, app: Path) -> None:
    code = function_code(app)
    first_request = request(b'{"n": 1}')
    first = driver.invoke(code, first_request)
    assert first.function_error is None
    body = json.loads(first.payload)
    assert body["request_id"] == first_request.request_id and body["event"] == {"n": 1} and body["remaining_ok"]
    assert first.init_duration_ms is not None and first.init_duration_ms > 0
    assert first.max_memory_used_mb >= 1 and first.billed_duration_ms >= 1
    assert re.fullmatch(r"\d{4}/\d\d/\d\d/\[\$LATEST\][0-9a-f]{32}", first.log_stream)
    rid = first_request.request_id
    messages = _messages(first)
    start = messages.index(f"START RequestId: {rid} Version: $LATEST\n")
    assert "init output\n" in messages[:start]  # the cold start's init output comes before START
    # stdout and the runtime's framed records are two streams (as on Lambda): no order between them
    printed, logged = sorted(messages[start + 1:start + 3], key=lambda m: m.startswith("[INFO]"))
    assert printed == 'hello {"n": 1}\n'
    assert re.fullmatch(rf"\[INFO\]\t\d{{4}}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{{3}}Z\t{rid}\ta record\nover two lines\n",
                        logged)
    assert messages[-2] == f"END RequestId: {rid}\n"
    report = REPORT.fullmatch(messages[-1])
    assert report and report["id"] == rid and report["size"] == "128" and report["status"] is None
    assert "\tInit Duration: " in messages[-1]

    second_request = request()
    second = driver.invoke(code, second_request)
    assert json.loads(second.payload)["pid"] == body["pid"]  # the warm worker again
    assert second.log_stream == first.log_stream
    assert second.init_duration_ms is None
    assert _messages(second)[0] == f"START RequestId: {second_request.request_id} Version: $LATEST\n"
    assert "Init Duration" not in _messages(second)[-1] and REPORT.fullmatch(_messages(second)[-1])


def test_handler_exception_is_the_error_document(driver: PoolDriver, app: Path) -> None:
    invocation = request()
    result = driver.invoke(function_code(app, "app.fails"), invocation)
    assert result.function_error == "Unhandled"
    document = _document(result)
    assert document["errorMessage"] == "Handler fails" and document["errorType"] == "ValueError"
    assert document["requestId"] == invocation.request_id
    stack = document["stackTrace"]
    assert isinstance(stack, list) and 'raise ValueError("Handler fails")' in stack[-1]
    assert any(message.startswith("[ERROR] ValueError: Handler fails\nTraceback (most recent call last):")
               for message in _messages(result))
    again = driver.invoke(function_code(app, "app.fails"))
    assert again.log_stream == result.log_stream  # a handled failure keeps the worker


def test_import_error(driver: PoolDriver, app: Path) -> None:
    result = driver.invoke(function_code(app, "broken.handler"))
    assert result.function_error == "Unhandled"
    assert _document(result) == {"errorMessage": "Unable to import module 'broken': No module named 'nosuchmodule'",
                                 "errorType": "Runtime.ImportModuleError", "requestId": "", "stackTrace": []}
    messages = _messages(result)
    assert any(m.startswith("[ERROR] Runtime.ImportModuleError: Unable to import module 'broken'") for m in messages)
    assert any(m.startswith("INIT_REPORT Init Duration: ") and m.endswith(
        "\tPhase: init\tStatus: error\tError Type: Runtime.ImportModuleError\n") for m in messages)
    report = REPORT.fullmatch(messages[-1])
    assert report and report["status"] == "Status: error\tError Type: Runtime.ImportModuleError\t"


def test_handler_not_found(driver: PoolDriver, app: Path) -> None:
    result = driver.invoke(function_code(app, "app.missing"))
    assert result.function_error == "Unhandled"
    document = _document(result)
    assert document["errorType"] == "Runtime.HandlerNotFound"
    assert document["errorMessage"] == "Handler 'missing' missing on module 'app'"


def test_timeout_kills_the_worker_and_the_next_invoke_is_cold(driver: PoolDriver, app: Path) -> None:
    code = function_code(app, "app.sleeps", timeout_s=1)
    warm = driver.invoke(code, request(b"{}"))
    invocation = request(b'{"sleep": true}')
    result = driver.invoke(code, invocation)
    assert result.function_error == "Unhandled"
    assert _document(result) == {"errorType": "Sandbox.Timedout", "errorMessage":
                                 f"RequestId: {invocation.request_id} Error: Task timed out after 1.00 seconds"}
    messages = _messages(result)
    assert any(m.endswith(f" {invocation.request_id} Task timed out after 1.00 seconds\n\n") for m in messages)
    report = REPORT.fullmatch(messages[-1])
    assert report and report["status"] == "Status: timeout\t"
    with pytest.raises(ProcessLookupError):
        os.kill(json.loads(warm.payload), 0)  # killed (and reaped)
    after = driver.invoke(code, request(b"{}"))
    assert after.function_error is None and after.init_duration_ms is not None
    assert after.log_stream != result.log_stream


def test_crash_is_runtime_exit_error(driver: PoolDriver, app: Path) -> None:
    invocation = request()
    result = driver.invoke(function_code(app, "app.exits"), invocation)
    assert result.function_error == "Unhandled"
    message = f"RequestId: {invocation.request_id} Error: Runtime exited with error: exit status 3"
    assert _document(result) == {"errorType": "Runtime.ExitError", "errorMessage": message}
    messages = _messages(result)
    assert "about to exit\n" in messages and f"{message}\nRuntime.ExitError\n" in messages
    report = REPORT.fullmatch(messages[-1])
    assert report and report["status"] == "Status: error\tError Type: Runtime.ExitError\t"
    assert driver.invoke(function_code(app, "app.handler")).init_duration_ms is not None


def test_memory_size_limits_the_worker(driver: PoolDriver, app: Path) -> None:
    code = function_code(app, "app.allocates", memory_mb=128)
    fits = driver.invoke(code, request(b'{"mb": 48}'))
    assert fits.function_error is None and fits.max_memory_used_mb >= 48
    invocation = request(b'{"mb": 256}')
    result = driver.invoke(code, invocation)
    assert result.function_error == "Unhandled"
    assert _document(result) == {"errorType": "Runtime.OutOfMemory", "errorMessage":
                                 f"RequestId: {invocation.request_id} Error: Runtime exited with error: signal: killed"}
    report = REPORT.fullmatch(_messages(result)[-1])
    assert report and report["status"] == "Status: error\tError Type: Runtime.OutOfMemory\t"
    bigger = driver.invoke(function_code(app, "app.allocates", memory_mb=512, revision="r2"), request(b'{"mb": 256}'))
    assert bigger.function_error is None, bigger.payload


def test_environment_is_lambdas(driver: PoolDriver, app: Path, tmp_path: Path) -> None:
    first = write_code(tmp_path / "layer1", {"python/layered.py": "WHERE = 'layer1'\n", "bin/tool1": ""})
    second = write_code(tmp_path / "layer2", {"python/layered.py": "WHERE = 'layer2'\n"})
    code = function_code(app, "app.environment", layer_dirs=(first, second), environment={"MY_SETTING": "on"},
                         credentials=("AKIDEXAMPLE", "secret", "token"), memory_mb=256, timeout_s=7)
    result = driver.invoke(code)
    assert result.function_error is None, result.payload
    answer = json.loads(result.payload)
    env = answer["env"]
    expected = {
        "MY_SETTING": "on",
        "AWS_LAMBDA_FUNCTION_NAME": "fn", "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "256", "AWS_LAMBDA_LOG_GROUP_NAME": "/aws/lambda/fn",
        "AWS_LAMBDA_LOG_STREAM_NAME": result.log_stream, "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
        "AWS_EXECUTION_ENV": "AWS_Lambda_python3.12", "AWS_REGION": "us-east-1", "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY": "secret", "AWS_SESSION_TOKEN": "token",
        "_HANDLER": "app.environment", "LAMBDA_TASK_ROOT": str(app), "TZ": ":UTC",
        "AWS_ENDPOINT_URL": "http://127.0.0.1:4566",
    }
    assert {name: env.get(name) for name in expected} == expected
    assert re.fullmatch(r"127\.0\.0\.1:\d+", env["AWS_LAMBDA_RUNTIME_API"])
    assert env["_X_AMZN_TRACE_ID"].startswith("Root=1-")
    assert "_LAMBDA_TELEMETRY_LOG_FD" not in env  # the runtime client takes it for itself
    assert answer["cwd"] == str(app)
    assert answer["layered"] == "layer2"  # as in /opt, the later layer's file wins
    assert answer["sys_path"].index(str(second / "python")) < answer["sys_path"].index(str(first / "python"))
    assert str(first / "bin") in env["PATH"].split(":")
    assert env["LD_LIBRARY_PATH"].split(":")[:2] == [str(app), str(app / "lib")]
    assert str(first / "lib") in env["LD_LIBRARY_PATH"].split(":")


def test_warm_reuse_per_revision_and_retire(driver: PoolDriver, app: Path) -> None:
    code = function_code(app, "app.sleeps")
    pid = json.loads(driver.invoke(code).payload)
    assert json.loads(driver.invoke(code).payload) == pid
    newer = function_code(app, "app.sleeps", revision="r2")
    new_pid = json.loads(driver.invoke(newer).payload)
    assert new_pid != pid
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)  # the old revision's idle worker is stopped
    driver.run(lambda: driver.pool.retire(ARN))
    after = driver.invoke(newer)
    assert json.loads(after.payload) != new_pid and after.init_duration_ms is not None


def test_concurrent_invokes_get_their_own_workers(driver: PoolDriver, tmp_path: Path) -> None:
    # Each handler waits until both have started: one worker for both would time out.
    code_dir = write_code(tmp_path / "code", {"app.py": f"""
        import os, time
        def handler(event, context):
            open(os.path.join({str(tmp_path)!r}, event["me"]), "w").close()
            while not all(os.path.exists(os.path.join({str(tmp_path)!r}, n)) for n in ("a", "b")):
                time.sleep(0.01)
            return os.getpid()
    """})
    code = function_code(code_dir, timeout_s=60)

    async def both() -> list[InvocationResult]:
        return list(await asyncio.gather(driver.pool.invoke(code, request(b'{"me": "a"}')),
                                         driver.pool.invoke(code, request(b'{"me": "b"}'))))

    results = driver.run(both)
    assert [r.function_error for r in results] == [None, None]
    assert len({r.payload for r in results}) == 2 and len({r.log_stream for r in results}) == 2


def test_node_handler_or_refusal(driver: PoolDriver, tmp_path: Path) -> None:
    if shutil.which("node") is None:
        reason = driver.pool.supports("nodejs20.x")
        assert reason and "node" in reason
        return
    assert driver.pool.supports("nodejs20.x") is None
    code_dir = write_code(tmp_path / "node", {"index.js": """
        console.log("init node");
        exports.handler = async (event, context) => {
          console.log("got", event.n);
          return { n: event.n, id: context.awsRequestId, env: process.env.AWS_EXECUTION_ENV };
        };
        exports.fails = async () => { throw new TypeError("bad thing"); };
        exports.layered = async () => require("greeting").word;
    """})
    layer = write_code(tmp_path / "layer", {"nodejs/node_modules/greeting/index.js": "exports.word = 'hi';\n"})
    code = function_code(code_dir, "index.handler", runtime="nodejs20.x")
    invocation = request(b'{"n": 5}')
    result = driver.invoke(code, invocation)
    assert result.function_error is None, result.payload
    assert json.loads(result.payload) == {"n": 5, "id": invocation.request_id, "env": "AWS_Lambda_nodejs20.x"}
    messages = _messages(result)
    assert re.fullmatch(rf"\d{{4}}-\d\d-\d\dT[\d:.]+Z\t{invocation.request_id}\tINFO\tgot 5\n",
                        messages[messages.index(f"START RequestId: {invocation.request_id} Version: $LATEST\n") + 1])
    failed = driver.invoke(function_code(code_dir, "index.fails", runtime="nodejs20.x", revision="r2"))
    document = _document(failed)
    assert failed.function_error == "Unhandled"
    assert document["errorType"] == "TypeError" and document["errorMessage"] == "bad thing"
    assert isinstance(document["trace"], list) and document["trace"][0] == "TypeError: bad thing"
    missing = driver.invoke(function_code(code_dir, "index.nope", runtime="nodejs20.x", revision="r3"))
    assert _document(missing)["errorType"] == "Runtime.HandlerNotFound"
    layered = driver.invoke(function_code(code_dir, "index.layered", runtime="nodejs20.x", revision="r4",
                                          layer_dirs=(layer,)))
    assert json.loads(layered.payload) == "hi"  # a layer's nodejs/node_modules is on NODE_PATH, as /opt's is


def test_unsupported_runtime_is_refused(driver: PoolDriver, app: Path) -> None:
    reason = driver.pool.supports("java21")
    assert reason and "java21" in reason and "Python" in reason
    assert driver.pool.supports("python3.13") is None
    with pytest.raises(RuntimeNotSupported, match="java21"):
        driver.invoke(function_code(app, runtime="java21"))


def test_idle_workers_are_stopped(tmp_path: Path, app: Path) -> None:
    pool_driver = PoolDriver(tmp_path / "state", idle_seconds=0.05)
    try:
        code = function_code(app, "app.sleeps")
        pid = json.loads(pool_driver.invoke(code).payload)

        async def wait_until_idle_stopped() -> bool:
            for _ in range(6000):  # polls for up to a minute: only a failure waits that long
                try:
                    os.kill(pid, 0)
                except ProcessLookupError:
                    return True
                await asyncio.sleep(0.01)
            return False

        assert pool_driver.run(wait_until_idle_stopped)
        assert pool_driver.invoke(code).init_duration_ms is not None
    finally:
        pool_driver.close()


def test_json_log_format(driver: PoolDriver, app: Path) -> None:
    invocation = request()
    result = driver.invoke(function_code(app, log_format="JSON"), invocation)
    records = [json.loads(m) for m in _messages(result) if m.startswith("{")]
    kinds = [record.get("type") for record in records]
    assert kinds[:1] == ["platform.start"] and kinds[-2:] == ["platform.runtimeDone", "platform.report"]
    report = records[-1]["record"]
    assert report["requestId"] == invocation.request_id and report["status"] == "success"
    assert set(report["metrics"]) == {"durationMs", "billedDurationMs", "memorySizeMB", "maxMemoryUsedMB",
                                      "initDurationMs"}
    [app_record] = [record for record in records if record.get("level") == "INFO"]
    assert app_record["message"] == "a record\nover two lines" and app_record["requestId"] == invocation.request_id


def test_missing_code_directory_is_an_error_result(driver: PoolDriver, tmp_path: Path) -> None:
    invocation = request()
    result = driver.invoke(function_code(tmp_path / "gone"), invocation)
    assert result.function_error == "Unhandled"
    assert _document(result)["errorType"] == "Runtime.InvalidWorkingDirectory"


def test_runs_on_uvloop_as_the_server_does(tmp_path: Path, app: Path) -> None:
    import uvloop  # uvicorn's default loop where installed, as it is with eventyard

    pool_driver = PoolDriver(tmp_path / "state", loop=uvloop.new_event_loop())
    try:
        first = pool_driver.invoke(function_code(app))
        assert first.function_error is None, first.payload
        assert json.loads(pool_driver.invoke(function_code(app)).payload)["pid"] == json.loads(first.payload)["pid"]
        crashed = pool_driver.invoke(function_code(app, "app.exits", revision="r2"))
        assert _document(crashed)["errorType"] == "Runtime.ExitError"
        timed_out = pool_driver.invoke(function_code(app, "app.sleeps", timeout_s=1, revision="r3"),
                                       request(b'{"sleep": true}'))
        assert _document(timed_out)["errorType"] == "Sandbox.Timedout"
    finally:
        pool_driver.close()


def test_a_cancelled_invoke_never_leaves_its_worker_to_the_next(driver: PoolDriver, app: Path) -> None:
    code = function_code(app, "app.sleeps", timeout_s=60)
    pid = json.loads(driver.invoke(code).payload)

    async def cancel_while_running() -> None:
        task = asyncio.ensure_future(driver.pool.invoke(code, request(b'{"sleep": true}')))
        await asyncio.sleep(0)  # let the invocation reach the worker
        while not driver.pool._busy:
            await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    driver.run(cancel_while_running)
    after = driver.invoke(code)
    assert after.function_error is None and json.loads(after.payload) != pid


def test_close_stops_every_worker_and_clears_their_tmp(tmp_path: Path, app: Path) -> None:
    pool_driver = PoolDriver(tmp_path / "state")
    try:
        results = [pool_driver.invoke(function_code(app, "app.sleeps", function_arn=f"{ARN}{n}")) for n in range(2)]
        assert len(list((tmp_path / "state" / "tmp").iterdir())) == 2  # each worker has its own TMPDIR
    finally:
        pool_driver.close()
    for result in results:
        with pytest.raises(ProcessLookupError):
            os.kill(json.loads(result.payload), 0)
    assert list((tmp_path / "state" / "tmp").iterdir()) == []
