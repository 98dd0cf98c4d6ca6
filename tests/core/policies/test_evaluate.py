"""The resource-policy evaluator: principals, actions, resources, conditions, and the
decision rules (explicit Deny wins; the owner needs no Allow)."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, strategies as st

from eventyard.core.policies import (
    AccessRequest,
    Decision,
    Principal,
    PolicyError,
    authorize,
    evaluate,
    parse_policy,
)

A, B, C = "111111111111", "222222222222", "333333333333"
QUEUE = f"arn:aws:sqs:us-east-1:{A}:orders"
TOPIC = f"arn:aws:sns:us-east-1:{A}:alerts"


def policy(*statements: dict) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def ask(account: str = B, action: str = "sqs:SendMessage", resource: str = QUEUE, **context) -> AccessRequest:
    return AccessRequest(Principal.of_account(account), action, resource, context)


def allow(**extra) -> dict:
    return {"Effect": "Allow", "Principal": {"AWS": B}, "Action": "sqs:SendMessage", "Resource": QUEUE, **extra}


def decide(doc: str, request: AccessRequest) -> Decision:
    return evaluate(parse_policy(doc), request)


# -- principals --------------------------------------------------------------------------
@pytest.mark.parametrize("principal, matches", [
    ("*", True),
    ({"AWS": "*"}, True),
    ({"AWS": B}, True),
    ({"AWS": f"arn:aws:iam::{B}:root"}, True),
    ({"AWS": [C, B]}, True),
    ({"AWS": C}, False),
    ({"AWS": f"arn:aws:iam::{C}:root"}, False),
    ({"AWS": f"arn:aws:iam::{B}:user/alice"}, False),  # a user of B is not B's root
    ({"Service": "sns.amazonaws.com"}, False),
    ({"Federated": "cognito-identity.amazonaws.com"}, False),
])
def test_principal_of_an_account(principal, matches):
    doc = policy(allow(Principal=principal))
    assert decide(doc, ask()) is (Decision.ALLOW if matches else Decision.IMPLICIT_DENY)


def test_principal_arn_and_service():
    doc = policy(allow(Principal={"AWS": f"arn:aws:iam::{B}:role/worker", "Service": "SNS.amazonaws.com"}))
    role = AccessRequest(Principal(B, f"arn:aws:iam::{B}:role/worker"), "sqs:SendMessage", QUEUE)
    assert decide(doc, role) is Decision.ALLOW
    assert decide(doc, AccessRequest(Principal.of_service("sns.amazonaws.com"), "sqs:SendMessage", QUEUE)) is Decision.ALLOW
    assert decide(doc, AccessRequest(Principal.of_service("events.amazonaws.com"), "sqs:SendMessage", QUEUE)) \
        is Decision.IMPLICIT_DENY


def test_not_principal():
    doc = policy({"Effect": "Deny", "NotPrincipal": {"AWS": A}, "Action": "sqs:*", "Resource": QUEUE},
                 allow(Principal="*"))
    assert decide(doc, ask(B)) is Decision.EXPLICIT_DENY
    assert decide(doc, ask(A)) is Decision.ALLOW


# -- actions and resources ---------------------------------------------------------------
@pytest.mark.parametrize("action, matches", [
    ("sqs:SendMessage", True), ("SQS:SendMessage", True), ("sqs:sendmessage", True), ("sqs:*", True),
    ("*", True), ("sqs:Send*", True), ("sqs:SendMessag?", True), (["sqs:ReceiveMessage", "sqs:Send*"], True),
    ("sqs:ReceiveMessage", False), ("sns:SendMessage", False), ("sqs:Send", False), ("sq*:SendMessage", True),
])
def test_actions(action, matches):
    assert decide(policy(allow(Action=action)), ask()) is (Decision.ALLOW if matches else Decision.IMPLICIT_DENY)


def test_not_action():
    doc = policy({k: v for k, v in allow().items() if k != "Action"} | {"NotAction": "sqs:Delete*"})
    assert decide(doc, ask()) is Decision.ALLOW
    assert decide(doc, ask(action="sqs:DeleteMessage")) is Decision.IMPLICIT_DENY


@pytest.mark.parametrize("resource, matches", [
    (QUEUE, True), ("*", True), (f"arn:aws:sqs:*:{A}:*", True), (f"arn:aws:sqs:us-east-1:{A}:ord?rs", True),
    (f"arn:aws:sqs:us-east-1:{A}:Orders", False), (f"arn:aws:sqs:us-east-1:{A}:other", False),
])
def test_resources(resource, matches):
    assert decide(policy(allow(Resource=resource)), ask()) is (Decision.ALLOW if matches else Decision.IMPLICIT_DENY)


def test_no_resource_means_the_resource_itself_and_not_resource_excludes():
    doc = policy({k: v for k, v in allow().items() if k != "Resource"})
    assert decide(doc, ask()) is Decision.ALLOW
    nr = {k: v for k, v in allow().items() if k != "Resource"} | {"NotResource": QUEUE}
    assert decide(policy(nr), ask()) is Decision.IMPLICIT_DENY


# -- conditions --------------------------------------------------------------------------
SOURCE = f"arn:aws:sns:us-east-1:{B}:news"


@pytest.mark.parametrize("condition, context, holds", [
    ({"ArnEquals": {"aws:SourceArn": SOURCE}}, {"aws:SourceArn": SOURCE}, True),
    ({"ArnEquals": {"aws:SourceArn": SOURCE}}, {"aws:SourceArn": SOURCE + "x"}, False),
    ({"ArnEquals": {"aws:SourceArn": SOURCE}}, {}, False),
    ({"ArnLike": {"aws:SourceArn": f"arn:aws:sns:*:{B}:*"}}, {"aws:SourceArn": SOURCE}, True),
    ({"ArnLike": {"aws:SourceArn": "arn:aws:sns:*"}}, {"aws:SourceArn": SOURCE}, False),  # parts are matched one by one
    ({"ArnNotLike": {"aws:SourceArn": SOURCE}}, {}, True),  # negated: an absent key satisfies
    ({"StringEquals": {"AWS:SourceAccount": B}}, {"aws:sourceaccount": B}, True),  # keys are case-insensitive
    ({"StringEquals": {"aws:SourceAccount": [C, B]}}, {"aws:SourceAccount": B}, True),
    ({"StringEquals": {"aws:SourceAccount": C}}, {"aws:SourceAccount": B}, False),
    ({"StringNotEquals": {"aws:SourceAccount": C}}, {"aws:SourceAccount": B}, True),
    ({"StringNotEquals": {"aws:SourceAccount": [C, B]}}, {"aws:SourceAccount": B}, False),
    ({"StringEqualsIgnoreCase": {"k": "AbC"}}, {"k": "aBc"}, True),
    ({"StringLike": {"k": "a*c"}}, {"k": "abbc"}, True),
    ({"StringLike": {"k": "a*c"}}, {"k": "abbC"}, False),
    ({"StringNotLike": {"k": "a*"}}, {"k": "b"}, True),
    ({"StringEqualsIfExists": {"k": "a"}}, {}, True),
    ({"StringEqualsIfExists": {"k": "a"}}, {"k": "b"}, False),
    ({"StringEquals": {"aws:PrincipalAccount": B}}, {}, True),  # filled in from the principal
    ({"ArnEquals": {"aws:PrincipalArn": f"arn:aws:iam::{B}:root"}}, {}, True),
    ({"NumericLessThan": {"n": "10"}}, {"n": "9.5"}, True),
    ({"NumericLessThan": {"n": 10}}, {"n": "10"}, False),
    ({"NumericGreaterThanEquals": {"n": "10"}}, {"n": "10"}, True),
    ({"NumericEquals": {"n": "10"}}, {"n": "ten"}, False),
    ({"NumericNotEquals": {"n": "10"}}, {"n": "11"}, True),
    ({"DateLessThan": {"aws:CurrentTime": "2030-01-01T00:00:00Z"}}, {"aws:CurrentTime": "2029-12-31T23:59:59Z"}, True),
    ({"DateGreaterThan": {"aws:CurrentTime": "2030-01-01T00:00:00Z"}}, {"aws:CurrentTime": "2029-12-31T23:59:59Z"}, False),
    ({"DateEquals": {"t": "1700000000"}}, {"t": "2023-11-14T22:13:20Z"}, True),
    ({"Bool": {"aws:SecureTransport": "true"}}, {"aws:SecureTransport": "True"}, True),
    ({"Bool": {"aws:SecureTransport": True}}, {"aws:SecureTransport": "false"}, False),
    ({"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}, {"aws:SourceIp": "10.1.2.3"}, True),
    ({"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}, {"aws:SourceIp": "11.1.2.3"}, False),
    ({"NotIpAddress": {"aws:SourceIp": "10.0.0.0/8"}}, {"aws:SourceIp": "11.1.2.3"}, True),
    ({"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}, {"aws:SourceIp": "nonsense"}, False),
    ({"Null": {"aws:SourceArn": "true"}}, {}, True),
    ({"Null": {"aws:SourceArn": "true"}}, {"aws:SourceArn": SOURCE}, False),
    ({"Null": {"aws:SourceArn": "false"}}, {"aws:SourceArn": SOURCE}, True),
    ({"ForAnyValue:StringEquals": {"tags": ["x", "y"]}}, {"tags": ["a", "y"]}, True),
    ({"ForAnyValue:StringEquals": {"tags": ["x", "y"]}}, {"tags": ["a", "b"]}, False),
    ({"ForAnyValue:StringEquals": {"tags": ["x"]}}, {}, False),
    ({"ForAllValues:StringEquals": {"tags": ["x", "y"]}}, {"tags": ["x", "y"]}, True),
    ({"ForAllValues:StringEquals": {"tags": ["x", "y"]}}, {"tags": ["x", "z"]}, False),
    ({"ForAllValues:StringEquals": {"tags": ["x"]}}, {}, True),  # vacuously true
    ({"ForAllValues:StringNotEquals": {"tags": ["x"]}}, {"tags": ["y", "z"]}, True),
    ({"StringEquals": {"a": "1"}, "StringLike": {"b": "2*"}}, {"a": "1", "b": "23"}, True),  # AND across operators
    ({"StringEquals": {"a": "1", "b": "2"}}, {"a": "1", "b": "3"}, False),  # AND across keys
    ({"MadeUpOperator": {"a": "1"}}, {"a": "1"}, False),
    ({"Sometimes:StringEquals": {"a": "1"}}, {"a": "1"}, False),
])
def test_conditions(condition, context, holds):
    doc = policy(allow(Condition=condition))
    request = AccessRequest(Principal.of_account(B), "sqs:SendMessage", QUEUE, context)
    assert decide(doc, request) is (Decision.ALLOW if holds else Decision.IMPLICIT_DENY)


# -- decisions ---------------------------------------------------------------------------
def test_explicit_deny_wins_in_any_order():
    deny = allow(Effect="Deny")
    for doc in (policy(allow(), deny), policy(deny, allow())):
        assert decide(doc, ask()) is Decision.EXPLICIT_DENY


def test_authorize_owner_other_account_and_deny():
    grant = parse_policy(policy(allow()))
    deny_all = parse_policy(policy({"Effect": "Deny", "Principal": "*", "Action": "sqs:*", "Resource": QUEUE}))
    assert authorize(None, ask(A), owner=A)
    assert not authorize(None, ask(B), owner=A)
    assert authorize(grant, ask(B), owner=A)
    assert not authorize(grant, ask(C), owner=A)
    assert not authorize(grant, ask(B, action="sqs:ReceiveMessage"), owner=A)
    assert not authorize(deny_all, ask(A), owner=A)  # a Deny names the owner too
    assert authorize(deny_all, ask(A, action="sqs:SetQueueAttributes"), owner=A, policy_admin=True)
    assert not authorize(deny_all, ask(B, action="sqs:SetQueueAttributes"), owner=A, policy_admin=True)


def test_a_service_is_never_the_owner():
    request = AccessRequest(Principal.of_service("sns.amazonaws.com"), "sqs:SendMessage", QUEUE)
    assert not authorize(None, request, owner=A)


# -- parsing -----------------------------------------------------------------------------
def test_parsing_is_lenient_but_reports_problems():
    doc = parse_policy({"Statement": [{"Effect": "Perhaps", "Principal": "*", "Action": "sqs:*"},
                                      {"Effect": "Allow", "Action": "sqs:*"},
                                      {"Effect": "Allow", "Principal": "*", "Action": 3},
                                      {"Effect": "Allow", "Principal": "*", "Action": "a", "NotAction": "b"},
                                      "nonsense"]})
    assert not any(s.usable for s in doc.statements)
    assert len(doc.problems) == 5
    assert evaluate(doc, ask()) is Decision.IMPLICIT_DENY
    single = parse_policy('{"Statement": {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sqs:*"}}')
    assert single.statements[0].usable and not single.problems
    for bad in ("{", "[]", '"x"'):
        with pytest.raises(PolicyError):
            parse_policy(bad)


# -- properties against simple references ------------------------------------------------
def _reference_glob(pattern: str, value: str) -> bool:
    """Plain recursion: the obviously right (slow) wildcard matcher."""
    if not pattern:
        return not value
    head, rest = pattern[0], pattern[1:]
    if head == "*":
        return any(_reference_glob(rest, value[i:]) for i in range(len(value) + 1))
    return bool(value) and (head == "?" or head == value[0]) and _reference_glob(rest, value[1:])


@given(st.text(alphabet="ab*?.[", max_size=8), st.text(alphabet="ab.[", max_size=8))
def test_wildcards_agree_with_reference(pattern, value):
    from eventyard.core.policies import _wildcard

    assert _wildcard.matches(pattern, value) == _reference_glob(pattern, value)


_statement = st.fixed_dictionaries({
    "Effect": st.sampled_from(["Allow", "Deny"]),
    "Principal": st.sampled_from(["*", {"AWS": A}, {"AWS": B}, {"AWS": f"arn:aws:iam::{B}:root"}]),
    "Action": st.sampled_from(["sqs:*", "sqs:SendMessage", "sqs:ReceiveMessage", "*"]),
})


@given(st.lists(_statement, max_size=6), st.sampled_from([A, B]), st.sampled_from(["sqs:SendMessage", "sqs:ReceiveMessage"]))
def test_decision_agrees_with_reference(statements, account, action):
    def applies(s: dict) -> bool:
        p = s["Principal"]
        who = p == "*" or p["AWS"] in (account, f"arn:aws:iam::{account}:root")
        return who and s["Action"] in ("*", "sqs:*", action)

    effects = {s["Effect"] for s in statements if applies(s)}
    expected = Decision.EXPLICIT_DENY if "Deny" in effects else Decision.ALLOW if effects else Decision.IMPLICIT_DENY
    request = ask(account, action)
    assert evaluate(parse_policy({"Statement": statements}), request) is expected
    assert authorize(parse_policy({"Statement": statements}), request, owner=A) == (
        expected is Decision.ALLOW or (expected is Decision.IMPLICIT_DENY and account == A))
