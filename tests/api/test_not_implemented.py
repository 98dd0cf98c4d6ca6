"""Services (and operations) whose models eventyard knows but does not run yet (Lambda's
code signing, EventBridge Scheduler, Pipes) all answer the same way: the request is recognised and
validated, then answered 501 ``NotImplemented`` in the client's protocol."""

from __future__ import annotations

from typing import Any, Callable

import pytest
from botocore.exceptions import ClientError

from _clients import client

CALLS: list[tuple[str, str, Callable[[Any], Any]]] = [
    ("lambda", "ListCodeSigningConfigs", lambda c: c.list_code_signing_configs()),
    ("scheduler", "ListSchedules", lambda c: c.list_schedules()),
    ("pipes", "ListPipes", lambda c: c.list_pipes()),
]


@pytest.mark.parametrize(("service", "operation", "call"), CALLS, ids=[f"{s}-{o}" for s, o, _ in CALLS])
def test_known_services_not_yet_run_answer_not_implemented(server, service, operation, call):
    with pytest.raises(ClientError) as exc:
        call(client(service, server.url))
    assert exc.value.response["ResponseMetadata"]["HTTPStatusCode"] == 501
    assert exc.value.response["Error"]["Code"] == "NotImplemented"
    assert exc.value.response["Error"]["Message"] == f"{service} {operation} is not implemented by eventyard yet."


def test_a_not_implemented_service_still_validates_its_input(server):
    with pytest.raises(ClientError) as exc:
        client("lambda", server.url, raw=True).list_functions(MaxItems=100_000)  # at most 10,000
    assert exc.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert exc.value.response["Error"]["Code"] == "ValidationException"
