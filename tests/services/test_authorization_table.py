"""The enforcement table (``tests/_iam_table.py``) at the core: each row's request goes
through its operation's request context (``services.authorization.requests``) and AWS's
evaluation logic (``core.policies.decide``), with the row's policies in force. The same
rows run through a real server in ``test_iam_enforcement.py``."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from _iam_table import A, DEFAULT_TOPIC_POLICY, REGION, ROWS, TOPIC, Row
from eventyard.core import policies
from eventyard.core.policies import PoliciesInForce, decide, denial_message, parse_policy
from eventyard.services.authorization.enforcer import POLICY_ADMIN
from eventyard.services.authorization.requests import Where, requested_access


def principal(row: Row) -> policies.Principal:
    who = row.who
    if who.kind == "user":
        return policies.Principal(account=who.account, arn=who.arn, kind="user", name=who.name, tags=who.tags)
    if who.kind == "role":
        return policies.Principal(account=who.account, arn=who.arn, kind="assumed-role", role_arn=who.role_arn,
                                  tags=who.tags)
    return policies.Principal.of_account(who.account)


def queue_url(name: str) -> str:
    return f"http://localhost:4566/queue/{REGION}/{A}/{name}"


def run(row: Row) -> tuple[bool, str | None]:
    """(allowed, the denial's message) for the row."""
    who = row.who
    params = row.call.params(queue_url(row.call.queue_name))
    access = requested_access(row.call.service, row.call.operation, params,
                              Where(who.account, REGION, who.arn if who.kind == "user" else None))
    if access is None:
        return True, None
    for arn in access.resources:
        resource_policy = row.resource
        if resource_policy is None and arn == TOPIC:
            resource_policy = DEFAULT_TOPIC_POLICY
        context: dict = {"aws:CurrentTime": "2026-12-07T12:00:00Z", "aws:EpochTime": "1796644800",
                         "aws:SecureTransport": "false", "aws:RequestedRegion": REGION}
        context.update({f"aws:RequestTag/{k}": v for k, v in access.request_tags.items()})
        if access.tag_keys:
            context["aws:TagKeys"] = list(access.tag_keys)
        context.update({f"aws:ResourceTag/{k}": v for k, v in row.resource_tags})
        context.update(dict(row.context))
        owner = arn.split(":")[4] or who.account
        in_force = PoliciesInForce(
            resource_owner=owner,
            identity=tuple(parse_policy(d, identity=True) for d in row.identity),
            resource=parse_policy(resource_policy) if resource_policy else None,
            boundary=parse_policy(row.boundary, identity=True) if row.boundary else None,
            session=parse_policy(row.session, identity=True) if row.session else None,
        )
        request = policies.AccessRequest(principal(row), access.action, arn, context)
        verdict = decide(request, in_force, policy_admin=access.action.lower() in POLICY_ADMIN)
        if not verdict.allowed:
            return False, denial_message(who.arn, access.action, arn, verdict)
    return True, None


@pytest.mark.parametrize("row", ROWS, ids=[r.id for r in ROWS])
def test_row(row: Row) -> None:
    allowed, message = run(row)
    assert allowed is (row.expect == "allow"), message
    if row.reason is not None:
        assert message is not None and row.reason in message, message


def test_the_table_is_big_enough_and_names_are_unique() -> None:
    assert len(ROWS) >= 150
    counts = Counter(r.id for r in ROWS)
    assert [name for name, n in counts.items() if n > 1] == []
    assert sum(1 for r in ROWS if r.aws_example) >= 20
    assert {r.expect for r in ROWS} == {"allow", "deny"}


def test_the_table_covers_every_rule() -> None:
    """Every kind of policy, every principal kind and every denial reason appears."""
    reasons = {r.reason for r in ROWS if r.reason}
    assert {"because no identity-based policy allows", "because no resource-based policy allows",
            "because no permissions boundary allows", "because no session policy allows",
            "with an explicit deny in an identity-based policy", "with an explicit deny in a resource-based policy",
            "with an explicit deny in a permissions boundary", "with an explicit deny in a session policy"} <= reasons
    assert {r.who.kind for r in ROWS} == {"user", "role", "root"}
    assert {r.call.service for r in ROWS} >= {"sqs", "sns", "events", "iam", "sts", "secretsmanager"}
    keys = json.dumps([r.identity for r in ROWS] + [r.resource for r in ROWS])
    for key in ("aws:SourceArn", "aws:SourceAccount", "aws:PrincipalArn", "aws:PrincipalAccount", "aws:SecureTransport",
                "aws:CurrentTime", "aws:EpochTime", "aws:username", "aws:userid", "aws:PrincipalType",
                "aws:RequestedRegion", "aws:ResourceTag/", "aws:RequestTag/", "aws:TagKeys", "${aws:username",
                "${aws:userid}", "${aws:PrincipalTag/", "${*}", "${?}", "${$}", "NotAction", "NotResource",
                "NotPrincipal"):
        assert key in keys, key
