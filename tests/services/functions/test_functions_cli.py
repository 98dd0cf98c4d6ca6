"""Lambda through the AWS CLI against a real server, on both backends: the commands a user
types to deploy, invoke (the payload written to the outfile) and read a function."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from services.functions._functions import ROLE, new_account, zipped


def _aws(server: Any, account: str, *args: str, ok: bool = True) -> Any:
    env = {**os.environ, "AWS_ACCESS_KEY_ID": account, "AWS_SECRET_ACCESS_KEY": "test",
           "AWS_DEFAULT_REGION": "us-east-1", "AWS_CONFIG_FILE": os.devnull, "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
           "AWS_PAGER": ""}
    done = subprocess.run([sys.executable, "-m", "awscli", "--endpoint-url", server.url, "--output", "json",
                           "lambda", *args], env=env,
                          capture_output=True, text=True, timeout=120)
    if not ok:
        assert done.returncode != 0, done.stdout
        return done.stderr
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout) if done.stdout.strip() else None


def test_deploy_invoke_and_read_a_function(server: Any, tmp_path: Path) -> None:
    account = new_account()
    archive = tmp_path / "fn.zip"
    archive.write_bytes(zipped({"app.py": "def handler(event, context):\n    print('hi from the cli')\n"
                                          "    return {'sum': event['a'] + event['b']}\n"}))
    created = _aws(server, account, "create-function", "--function-name", "cli-fn", "--runtime", "python3.12",
                   "--handler", "app.handler", "--role", ROLE, "--zip-file", f"fileb://{archive}")
    assert created["FunctionName"] == "cli-fn" and created["State"] == "Pending"
    _aws(server, account, "wait", "function-active-v2", "--function-name", "cli-fn")
    out = tmp_path / "out.json"
    answer = _aws(server, account, "invoke", "--function-name", "cli-fn", "--payload", '{"a": 2, "b": 3}',
                  "--log-type", "Tail", str(out))
    assert answer["StatusCode"] == 200 and answer["ExecutedVersion"] == "$LATEST"
    assert json.loads(out.read_text()) == {"sum": 5}
    assert "hi from the cli" in base64.b64decode(answer["LogResult"]).decode()
    listed = _aws(server, account, "list-functions")["Functions"]
    assert [f["FunctionName"] for f in listed] == ["cli-fn"]
    _aws(server, account, "delete-function", "--function-name", "cli-fn")
    err = _aws(server, account, "get-function", "--function-name", "cli-fn", ok=False)
    assert "(ResourceNotFoundException)" in err and "Function not found" in err
