"""The function documents the invoke path keeps between invocations (``FunctionDocs``):
read once, used until the function changes (on this node at once, on another node through
its wake-up, else after the fallback interval); never kept while the function settles.
And through the service: a change made through the API is seen by the very next invoke."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from eventyard.core import clock
from eventyard.core.errors import ServiceError
from eventyard.core.identity import RequestContext
from eventyard.runtime import wakeups as wakeups_module
from eventyard.runtime.wakeups import Wakeups
from eventyard.services.functions.docs import FunctionDocs
from eventyard.store import Store
from eventyard.store.functions import changed_key
from services.functions._functions import ECHO, ROLE
from services.functions.test_functions_in_process import ACCOUNT, _service

REGION = "us-east-1"


def _doc(marker: str, *, state: str = "Active", update: str = "Successful") -> dict[str, Any]:
    return {"latest": {"State": state, "LastUpdateStatus": update, "Marker": marker}, "versions": {}, "aliases": {},
            "policies": {}, "event_invoke": {}, "urls": {}, "reserved": None}


def _put(store: Store, marker: str, **kwargs: Any) -> None:
    """Change the row behind the cache's back (no local ``forget``): as another node would."""
    def put(s: Any) -> None:
        if s.functions.get(ACCOUNT, REGION, "f") is None:
            s.functions.insert(ACCOUNT, REGION, "f", _doc(marker, **kwargs), clock.now_ms())
        else:
            s.functions.replace(ACCOUNT, REGION, "f", _doc(marker, **kwargs), clock.now_ms())
    store.write_sync(put)


async def _marker(docs: FunctionDocs) -> str | None:
    doc = await docs.get(ACCOUNT, REGION, "f")
    return None if doc is None else str(doc["latest"]["Marker"])


def test_a_document_is_kept_until_the_function_changes(store: Store) -> None:
    wakeups = Wakeups()
    docs = FunctionDocs(store, wakeups)

    async def scenario() -> list[str | None]:
        seen = [await _marker(docs)]  # not there: not remembered
        _put(store, "one")
        seen.append(await _marker(docs))
        _put(store, "two")
        seen.append(await _marker(docs))  # kept: nobody said it changed
        docs.forget(ACCOUNT, REGION, "f")  # this node's change
        seen.append(await _marker(docs))
        _put(store, "three")
        wakeups.signal(changed_key(ACCOUNT, REGION, "f"))  # another node's change, as its wake-up arrives
        seen.append(await _marker(docs))
        return seen

    assert asyncio.run(scenario()) == [None, "one", "one", "two", "three"]


def test_a_document_is_read_again_after_the_fallback_interval(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("eventyard.services.functions.docs.fallback_seconds", lambda: 0.0)
    assert wakeups_module.fallback_seconds() > 0  # only the cache's interval is shortened
    docs = FunctionDocs(store)

    async def scenario() -> list[str | None]:
        _put(store, "one")
        first = await _marker(docs)
        _put(store, "two")  # a change whose wake-up was lost
        return [first, await _marker(docs)]

    assert asyncio.run(scenario()) == ["one", "two"]


def test_a_settling_function_is_not_kept(store: Store) -> None:
    docs = FunctionDocs(store)

    async def scenario() -> list[str | None]:
        _put(store, "pending", state="Pending")
        seen = [await _marker(docs)]
        _put(store, "updating", update="InProgress")  # the settle job may run on another node
        seen.append(await _marker(docs))
        _put(store, "settled")
        seen.append(await _marker(docs))
        return seen

    assert asyncio.run(scenario()) == ["pending", "updating", "settled"]


def test_changes_through_the_api_reach_the_next_invoke(store: Store, tmp_path: Path) -> None:
    service, runner = _service(store, tmp_path)
    ctx = RequestContext(account=ACCOUNT, operation="Invoke")

    async def settled() -> None:
        await service.jobs.run_due()

    async def scenario() -> None:
        await service.create_function(ctx, {"FunctionName": "f", "Runtime": "python3.12", "Role": ROLE,
                                            "Handler": "app.handler", "Code": {"ZipFile": ECHO}})
        await settled()
        await service.invoke(ctx, {"FunctionName": "f", "Payload": b"{}"})
        await service.update_function_configuration(ctx, {"FunctionName": "f",
                                                          "Environment": {"Variables": {"COLOR": "blue"}}})
        await settled()
        await service.invoke(ctx, {"FunctionName": "f", "Payload": b"{}"})
        await service.put_function_concurrency(ctx, {"FunctionName": "f", "ReservedConcurrentExecutions": 0})
        with pytest.raises(ServiceError) as throttled:
            await service.invoke(ctx, {"FunctionName": "f", "Payload": b"{}"})
        assert throttled.value.code == "TooManyRequestsException"
        await service.delete_function(ctx, {"FunctionName": "f"})
        with pytest.raises(ServiceError) as gone:
            await service.invoke(ctx, {"FunctionName": "f", "Payload": b"{}"})
        assert gone.value.code == "ResourceNotFoundException"

    asyncio.run(scenario())
    assert [code.environment for code, _ in runner.seen] == [{}, {"COLOR": "blue"}]
