"""Several ``eventyard serve`` processes sharing one PostgreSQL database act as one."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from botocore.exceptions import ClientError

from _clients import client
from _server import ServerProcess


def test_two_nodes_share_state(fresh_postgres_url, tmp_path):
    # both start together: migrations must be applied once, under the advisory lock
    nodes = [ServerProcess(fresh_postgres_url, log_path=tmp_path / f"node{i}.log") for i in range(2)]
    with ThreadPoolExecutor(2) as pool:
        list(pool.map(lambda n: n.start(), nodes))
    try:
        a = client("events", nodes[0].url, account="999988887777")
        b = client("events", nodes[1].url, account="999988887777")
        a.create_event_bus(Name="shared", Tags=[{"Key": "k", "Value": "v"}])
        assert b.describe_event_bus(Name="shared")["Arn"].endswith(":event-bus/shared")
        try:
            b.create_event_bus(Name="shared")
            raise AssertionError("a second node created a bus that exists")
        except ClientError as exc:
            assert exc.response["Error"]["Code"] == "ResourceAlreadyExistsException"
        b.delete_event_bus(Name="shared")
        assert [x["Name"] for x in a.list_event_buses()["EventBuses"]] == ["default"]
        # the default bus materialized by both nodes is one bus
        assert a.describe_event_bus()["CreationTime"] == b.describe_event_bus()["CreationTime"]
    finally:
        for node in nodes:
            node.stop()
