"""kill -9 the server in the middle of a write load; nothing acknowledged may be lost."""

from __future__ import annotations

from functools import partial

import pytest

from _clients import client
from _scaffold import SERVER_GONE, Load
from _waiting import PATIENCE

# a start and a restart, a load that may take a while to build up, and a drain
pytestmark = [pytest.mark.crash, pytest.mark.timeout(420)]

WRITERS = 4


def test_acknowledged_buses_survive_kill9(restartable_server):
    server = restartable_server
    account = "123456789012"
    acknowledged: list[str] = []
    load = Load()

    def writer(n: int) -> None:
        ev = client("events", server.url, account=account)
        i = 0
        while not load.stop.is_set() and i < 24:  # 4 x 24 + default stays under the 100-bus quota
            name = f"w{n}-{i}"
            try:
                ev.create_event_bus(Name=name, Tags=[{"Key": "writer", "Value": str(n)}])
            except SERVER_GONE:
                return  # the server died under us: this one was never acknowledged
            with load.lock:
                acknowledged.append(name)
            i += 1

    for n in range(WRITERS):
        load.start(partial(writer, n))
    # let some writes land, then crash mid-load
    load.kill9_when(server, lambda: len(acknowledged) >= 30, within=PATIENCE)
    assert len(acknowledged) >= 30, server.log()

    server.start()
    ev = client("events", server.url, account=account)
    found = set()
    token = None
    while True:
        page = ev.list_event_buses(**({"NextToken": token} if token else {}))
        found |= {b["Name"] for b in page["EventBuses"]}
        token = page.get("NextToken")
        if not token:
            break
    missing = set(acknowledged) - found
    assert not missing, f"lost {len(missing)} acknowledged buses: {sorted(missing)[:10]}"
    # their tags were committed in the same transaction
    sample = acknowledged[-1]
    arn = ev.describe_event_bus(Name=sample)["Arn"]
    assert ev.list_tags_for_resource(ResourceARN=arn)["Tags"] == [{"Key": "writer", "Value": sample[1]}]
