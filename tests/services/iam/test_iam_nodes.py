"""IAM's limits hold when requests race, also across nodes sharing one PostgreSQL."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

from botocore.exceptions import ClientError

from _clients import client
from _iam import iam_client, policy_document


def _outcomes(calls: list[Any]) -> list[str]:
    def run(call: Any) -> str:
        try:
            call()
            return "ok"
        except ClientError as exc:
            return str(exc.response["Error"]["Code"])

    with ThreadPoolExecutor(len(calls)) as pool:
        return sorted(pool.map(run, calls))


def test_racing_creates_keep_the_limits(make_server, server):
    iam, account = iam_client(server)
    other = make_server()  # on PostgreSQL a second node of the same store; on SQLite a store of its own
    shared = server.store_url == other.store_url
    iams = [iam, client("iam", other.url, account=account) if shared else iam]
    iam.create_user(UserName="u")
    arn = iam.create_policy(PolicyName="p", PolicyDocument=policy_document("sqs:*"))["Policy"]["Arn"]
    keys = _outcomes([lambda c=iams[n % 2]: c.create_access_key(UserName="u") for n in range(6)])
    assert keys == ["LimitExceeded"] * 4 + ["ok"] * 2
    assert len(iam.list_access_keys(UserName="u")["AccessKeyMetadata"]) == 2
    versions = _outcomes([lambda c=iams[n % 2]: c.create_policy_version(
        PolicyArn=arn, PolicyDocument=policy_document("sns:*")) for n in range(8)])
    assert versions == ["LimitExceeded"] * 4 + ["ok"] * 4
    assert len(iam.list_policy_versions(PolicyArn=arn)["Versions"]) == 5
    users = _outcomes([lambda c=iams[n % 2]: c.create_user(UserName="Same") for n in range(4)])
    assert users == ["EntityAlreadyExists"] * 3 + ["ok"]
