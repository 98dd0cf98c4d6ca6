"""A stand-in FunctionRunner (replaced by the real worker pool at merge): each invocation
runs as one ``python -c`` process that imports the handler from the code folder, so the
functions service's wire tests have something real to run. No warm workers, no Runtime API."""

from __future__ import annotations

import asyncio
import json
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path

from eventyard.runtime.functions.types import FunctionCode, InvocationRequest, InvocationResult, LogLine

_SCRIPT = r"""
import os
os.closerange(3, 65536)  # the server's listening socket is inheritable (and uvloop passes it on)
import importlib, json, sys, time, traceback
code_dir, handler, request_id, out_path, deadline_ms = sys.argv[1:6]
sys.path[:0] = [code_dir] + sys.argv[6:]
class Context:
    aws_request_id = request_id
    def get_remaining_time_in_millis(self):
        return max(0, int(float(deadline_ms) - time.time() * 1000))
def finish(doc):
    with open(out_path, "w") as f:
        json.dump(doc, f)
module_name, _, function_name = handler.rpartition(".")
try:
    module = importlib.import_module(module_name.replace("/", "."))
except ImportError as exc:
    finish({"error": {"errorMessage": f"Unable to import module '{module_name}': {exc}",
                      "errorType": "Runtime.ImportModuleError", "requestId": "", "stackTrace": []}})
    sys.exit(0)
function = getattr(module, function_name, None)
if function is None:
    finish({"error": {"errorMessage": f"Handler '{function_name}' missing on module '{module_name}'",
                      "errorType": "Runtime.HandlerNotFound", "requestId": "", "stackTrace": []}})
    sys.exit(0)
try:
    finish({"result": function(json.loads(sys.stdin.read() or "null"), Context())})
except Exception as exc:
    traceback.print_exc()
    finish({"error": {"errorMessage": str(exc), "errorType": type(exc).__name__, "requestId": request_id,
                      "stackTrace": traceback.format_tb(exc.__traceback__)}})
"""


class WorkerPool:
    def __init__(self, state_dir: Path) -> None:
        self.state_dir = state_dir

    def supports(self, runtime: str) -> str | None:
        if runtime.startswith("python3"):
            return None
        return f"The runtime {runtime} cannot run on this machine: only Python runtimes are available."

    async def invoke(self, code: FunctionCode, request: InvocationRequest) -> InvocationResult:
        started = time.time()
        stream = time.strftime("%Y/%m/%d/", time.gmtime()) + f"[{code.version}]{uuid.uuid4().hex}"
        lines = [LogLine(int(started * 1000), f"START RequestId: {request.request_id} Version: {code.version}\n")]
        with tempfile.TemporaryDirectory() as scratch:
            out = Path(scratch) / "out.json"
            env = {**os.environ, **code.environment, "AWS_LAMBDA_FUNCTION_NAME": code.function_name,
                   "AWS_LAMBDA_FUNCTION_VERSION": code.version, "AWS_REGION": code.region,
                   "AWS_DEFAULT_REGION": code.region, "AWS_ENDPOINT_URL": code.endpoint_url,
                   "AWS_ACCESS_KEY_ID": code.credentials[0], "AWS_SECRET_ACCESS_KEY": code.credentials[1],
                   "_HANDLER": code.handler, "LAMBDA_TASK_ROOT": str(code.code_dir)}
            layers = [str(d / "python") for d in code.layer_dirs]
            proc = await asyncio.create_subprocess_exec(
                sys.executable, "-c", _SCRIPT, str(code.code_dir), code.handler, request.request_id, str(out),
                str((started + code.timeout_s) * 1000), *layers, cwd=str(code.code_dir), env=env,
                stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
            try:
                output, _ = await asyncio.wait_for(proc.communicate(request.payload), timeout=code.timeout_s)
                doc = json.loads(out.read_text()) if out.exists() else None
            except asyncio.TimeoutError:
                proc.kill()
                await proc.wait()
                output, doc = b"", {"error": {"errorType": "Sandbox.Timedout", "errorMessage":
                                             f"RequestId: {request.request_id} Error: Task timed out after "
                                             f"{code.timeout_s:.2f} seconds"}}
        now = int(time.time() * 1000)
        lines += [LogLine(now, line + "\n") for line in output.decode(errors="replace").splitlines()]
        if doc is None:
            doc = {"error": {"errorType": "Runtime.ExitError", "errorMessage":
                             f"RequestId: {request.request_id} Error: Runtime exited with error: exit status "
                             f"{proc.returncode}"}}
        duration = (time.time() - started) * 1000
        lines += [LogLine(now, f"END RequestId: {request.request_id}\n"),
                  LogLine(now, f"REPORT RequestId: {request.request_id}\tDuration: {duration:.2f} ms\t"
                               f"Billed Duration: {int(duration) + 1} ms\tMemory Size: {code.memory_mb} MB\t"
                               f"Max Memory Used: 40 MB\t\n")]
        failed = "error" in doc
        payload = json.dumps(doc["error"] if failed else doc["result"]).encode()
        return InvocationResult(payload, "Unhandled" if failed else None, duration, int(duration) + 1, 40, None,
                                stream, tuple(lines))

    async def retire(self, function_arn: str) -> None:
        return None

    async def close(self) -> None:
        return None
