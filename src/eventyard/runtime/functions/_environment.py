"""What a worker process is started with: its command line and its environment.

The environment is built from nothing but the function (never the server's own), as
Lambda builds it: the user's variables, then Lambda's reserved ones on top. Lambda lays
the function's layers out under ``/opt`` and its code under ``/var/task``; workers here
run the code where it is and cannot mount ``/opt``, so each layer directory goes on the
search path Lambda's ``/opt`` would be on: ``bin`` on ``PATH``, ``lib`` on
``LD_LIBRARY_PATH``, ``python`` and ``python/lib/pythonX.Y/site-packages`` on
``PYTHONPATH``, ``nodejs/node_modules`` and ``nodejs/nodeNN/node_modules`` on
``NODE_PATH``. Later layers come first, because in ``/opt`` a later layer's file
overwrites an earlier one's.
"""

from __future__ import annotations

import functools
import importlib.util
import shutil
import sys
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from eventyard.runtime.functions.types import FunctionCode

__all__ = ["Launch", "launch", "node_executable", "node_major", "runtime_family", "unsupported_reason"]

_SYSTEM_PATH = ("/usr/local/bin", "/usr/bin", "/bin")


@dataclass(frozen=True)
class Launch:
    argv: tuple[str, ...]
    env: dict[str, str]
    cwd: Path


def runtime_family(runtime: str) -> str:
    if runtime.startswith("python3"):
        return "python"
    if runtime.startswith("nodejs"):
        return "node"
    return ""


def node_executable() -> str | None:
    return shutil.which("node")


def node_major(node: str) -> int:
    """The major version of ``node`` (read once per pool), 0 if it does not say."""
    import subprocess

    try:
        out = subprocess.run([node, "--version"], capture_output=True, text=True, timeout=10).stdout
        return int(out.strip().lstrip("v").split(".")[0])
    except (OSError, ValueError, subprocess.SubprocessError):
        return 0


@functools.cache
def _awslambdaric_dir() -> Path | None:
    """Where the server's interpreter finds awslambdaric (Lambda's LAMBDA_RUNTIME_DIR)."""
    spec = importlib.util.find_spec("awslambdaric")
    if spec is None or spec.origin is None:
        return None
    return Path(spec.origin).parent.parent


def unsupported_reason(runtime: str) -> str | None:
    """None if this machine can run ``runtime``; else why not, for the user."""
    family = runtime_family(runtime)
    if family == "python":
        if _awslambdaric_dir() is None:
            return (f"The runtime {runtime} cannot run on this eventyard server: the Python package "
                    "awslambdaric (AWS's runtime interface client) is not installed.")
        return None
    if family == "node":
        if node_executable() is None:
            return (f"The runtime {runtime} cannot run on this eventyard server: no 'node' executable "
                    "was found on the server's PATH.")
        return None
    return (f"The runtime {runtime} cannot run on this eventyard server: functions run as local processes, "
            "and only Python (python3.x) and Node.js (nodejsNN.x, where node is installed) runtimes are supported.")


def _python_paths(layer: Path) -> list[str]:
    site = layer / "python" / "lib" / f"python{sys.version_info.major}.{sys.version_info.minor}" / "site-packages"
    return [str(site), str(layer / "python")]


def _node_paths(layer: Path, node_major: int) -> list[str]:
    return [str(layer / "nodejs" / f"node{node_major}" / "node_modules"), str(layer / "nodejs" / "node_modules")]


def launch(code: FunctionCode, *, runtime_api: str, log_stream: str, telemetry_fd: int, node: str | None = None,
           node_version: int = 0) -> Launch:
    layers = list(reversed(code.layer_dirs))
    task_root = str(code.code_dir)
    env: dict[str, str] = dict(code.environment)
    key_id, secret, token = code.credentials
    path = [*_SYSTEM_PATH, *(str(layer / "bin") for layer in layers)]
    family = runtime_family(code.runtime)
    if family == "python":
        runtime_dir = str(_awslambdaric_dir())
        path.insert(0, str(Path(sys.executable).parent))
        python_path = [task_root] + [p for layer in layers for p in _python_paths(layer)]
        argv: tuple[str, ...] = (sys.executable, "-m", "awslambdaric", code.handler)
    else:
        assert node is not None
        client = resources.files("eventyard.runtime.functions").joinpath("node_runtime.mjs")
        runtime_dir = str(Path(str(client)).parent)
        path.insert(0, str(Path(node).parent))
        # Lambda's Node bootstrap sizes V8's heap from the memory setting.
        old_space = max(16, int(code.memory_mb * 0.9))
        argv = (node, f"--max-old-space-size={old_space}", str(client), code.handler)
    env.update({
        "AWS_LAMBDA_FUNCTION_NAME": code.function_name,
        "AWS_LAMBDA_FUNCTION_VERSION": code.version,
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(code.memory_mb),
        "AWS_LAMBDA_LOG_GROUP_NAME": code.log_group or f"/aws/lambda/{code.function_name}",
        "AWS_LAMBDA_LOG_STREAM_NAME": log_stream,
        "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
        "AWS_LAMBDA_RUNTIME_API": runtime_api,
        "AWS_EXECUTION_ENV": f"AWS_Lambda_{code.runtime}",
        "AWS_REGION": code.region,
        "AWS_DEFAULT_REGION": code.region,
        "AWS_ACCESS_KEY_ID": key_id,
        "AWS_SECRET_ACCESS_KEY": secret,
        "_HANDLER": code.handler,
        "LAMBDA_TASK_ROOT": task_root,
        "LAMBDA_RUNTIME_DIR": runtime_dir,
        "TZ": ":UTC",
        "LANG": "en_US.UTF-8",
        "PATH": ":".join(path),
        "LD_LIBRARY_PATH": ":".join([task_root, str(code.code_dir / "lib"), *(str(layer / "lib") for layer in layers)]),
        "_LAMBDA_TELEMETRY_LOG_FD": str(telemetry_fd),
    })
    if token:
        env["AWS_SESSION_TOKEN"] = token
    else:
        env.pop("AWS_SESSION_TOKEN", None)
    if code.endpoint_url:
        env["AWS_ENDPOINT_URL"] = code.endpoint_url
    if code.log_format.upper() == "JSON":
        env["AWS_LAMBDA_LOG_FORMAT"] = "JSON"
    if family == "python":
        env["PYTHONPATH"] = ":".join(python_path)
    else:
        env["NODE_PATH"] = ":".join([*(p for layer in layers for p in _node_paths(layer, node_version)),
                                     runtime_dir, task_root])
    return Launch(argv, env, code.code_dir)

