"""AWS's evaluation logic for IAM identities (``decide``), checked against a reference
written from the IAM user guide's tables, and the parts it is built of: identity
policies, principals of sessions, policy variables, denial messages."""

from __future__ import annotations

import fnmatch
import json
import re

import pytest
from hypothesis import given, settings, strategies as st

from eventyard.core.policies import (
    AccessRequest,
    PoliciesInForce,
    Principal,
    decide,
    denial_message,
    parse_policy,
)
from eventyard.core.policies import _wildcard

A, B = "111111111111", "222222222222"
QUEUE = f"arn:aws:sqs:us-east-1:{A}:orders"
USER = Principal(account=A, arn=f"arn:aws:iam::{A}:user/alice", kind="user", name="alice")
SESSION = Principal(account=A, arn=f"arn:aws:sts::{A}:assumed-role/worker/s1", kind="assumed-role",
                    role_arn=f"arn:aws:iam::{A}:role/worker")
USER_B = Principal(account=B, arn=f"arn:aws:iam::{B}:user/bob", kind="user", name="bob")
SESSION_B = Principal(account=B, arn=f"arn:aws:sts::{B}:assumed-role/builder/s1", kind="assumed-role",
                      role_arn=f"arn:aws:iam::{B}:role/builder")


def identity(*statements: dict) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def ask(who: Principal = USER, action: str = "sqs:SendMessage", resource: str = QUEUE, **context: str) -> AccessRequest:
    return AccessRequest(who, action, resource, context)


# -- a reference, from the user guide's words ----------------------------------------
# each policy slot is: absent, or a policy whose one statement allows or denies the
# request, or one that allows something else
SLOT = st.sampled_from(["absent", "allow", "deny", "other"])
NAMING = st.sampled_from(["self", "role", "account", "everyone", "someone-else"])


def _slot_policy(slot: str, *, resource_naming: str | None = None, who: Principal = USER) -> str | None:
    if slot == "absent":
        return None
    effect = "Deny" if slot == "deny" else "Allow"
    action = "sqs:SendMessage" if slot != "other" else "sns:Publish"
    statement: dict = {"Effect": effect, "Action": action, "Resource": QUEUE}
    if resource_naming is not None:
        statement["Principal"] = {
            "self": {"AWS": who.arn}, "role": {"AWS": who.role_arn or who.arn},
            "account": {"AWS": who.account}, "everyone": "*",
            "someone-else": {"AWS": f"arn:aws:iam::{who.account}:user/mallory"},
        }[resource_naming]
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def reference(who: Principal, owner: str, idents: list[str], boundary: str, session: str, resource: str,
              naming: str) -> bool:
    """AWS's rules, spelled out case by case."""
    if naming == "role" and who.kind == "user":
        naming = "self"  # a user has no role: the statement written for it names the user
    names_caller = naming != "someone-else"
    resource_allows = resource == "allow" and names_caller
    if "deny" in idents or boundary == "deny" or session == "deny" or (resource == "deny" and names_caller):
        return False
    boundary_ok = boundary in ("absent", "allow")
    session_ok = session in ("absent", "allow")
    identity_side = "allow" in idents and boundary_ok and session_ok
    if who.account == owner:
        if resource_allows and naming in ("self", "everyone"):
            return True  # the resource policy names the user or session itself
        if resource_allows and naming == "role":
            return boundary_ok and session_ok
        return identity_side
    return identity_side and resource_allows


@settings(max_examples=400, deadline=None)
@given(who=st.sampled_from([USER, SESSION, USER_B, SESSION_B]), idents=st.lists(SLOT, max_size=3),
       boundary=SLOT, session=SLOT, resource=SLOT, naming=NAMING)
def test_decide_agrees_with_the_reference(who, idents, boundary, session, resource, naming):
    if who.kind == "user":
        session = "absent"  # users carry no session policy
    in_force = PoliciesInForce(
        resource_owner=A,
        identity=tuple(parse_policy(p, identity=True) for p in (_slot_policy(s) for s in idents) if p),
        boundary=parse_policy(_slot_policy(boundary), identity=True) if boundary != "absent" else None,
        session=parse_policy(_slot_policy(session), identity=True) if session != "absent" else None,
        resource=parse_policy(_slot_policy(resource, resource_naming=naming, who=who)) if resource != "absent" else None,
    )
    expected = reference(who, A, idents, boundary, session, resource, naming)
    assert decide(ask(who), in_force).allowed is expected


@settings(max_examples=300, deadline=None)
@given(who=st.sampled_from([USER, SESSION, USER_B, SESSION_B]), idents=st.lists(SLOT, max_size=2),
       resource=SLOT, naming=NAMING, limit=SLOT)
def test_boundaries_and_session_policies_only_ever_take_away(who, idents, resource, naming, limit):
    base = dict(resource_owner=A,
                identity=tuple(parse_policy(p, identity=True) for p in (_slot_policy(s) for s in idents) if p),
                resource=parse_policy(_slot_policy(resource, resource_naming=naming, who=who))
                if resource != "absent" else None)
    limit_policy = parse_policy(_slot_policy(limit), identity=True) if limit != "absent" else None
    without = decide(ask(who), PoliciesInForce(**base)).allowed
    assert not decide(ask(who), PoliciesInForce(**base, boundary=limit_policy)).allowed or without
    assert not decide(ask(who), PoliciesInForce(**base, session=limit_policy)).allowed or without


# -- wildcards against fnmatch ----------------------------------------------------------
PATTERN = st.text(alphabet="ab:/*?", max_size=8)
VALUE = st.text(alphabet="ab:/", max_size=8)


@given(PATTERN, VALUE)
def test_wildcards_match_as_fnmatch_does(pattern, value):
    assert _wildcard.matches(pattern, value) is fnmatch.fnmatchcase(value, pattern)


@given(st.text(alphabet="ab*?", max_size=5), VALUE)
def test_a_variable_brings_its_value_literally(name, value):
    """``${aws:username}`` matches exactly the user's name, wildcard characters included."""
    pattern = "q-${aws:username}"
    expected = value == f"q-{name}"
    assert _wildcard.matches_template(pattern, value, lambda k: name if k == "aws:username" else None) is expected


# -- parsing identity policies ----------------------------------------------------------
def test_an_identity_policy_names_no_principal():
    parsed = parse_policy(identity({"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}), identity=True)
    assert parsed.problems and not parsed.statements[0].usable
    parsed = parse_policy(identity({"Effect": "Allow", "Action": "*"}), identity=True)
    assert "Statement has no Resource" in parsed.problems


# -- principals of sessions -------------------------------------------------------------
def test_a_session_is_named_by_its_arn_or_its_role():
    for named in (SESSION.arn, SESSION.role_arn):
        policy = parse_policy(json.dumps({"Statement": [{"Effect": "Allow", "Principal": {"AWS": named},
                                                         "Action": "sqs:*", "Resource": "*"}]}))
        assert decide(ask(SESSION), PoliciesInForce(A, resource=policy)).allowed


def test_condition_keys_of_identities():
    user = ask(USER).condition_context()
    assert user["aws:principaltype"] == "User" and user["aws:username"] == "alice"
    assert user["aws:principalarn"] == USER.arn
    session = ask(SESSION).condition_context()
    assert session["aws:principaltype"] == "AssumedRole" and "aws:username" not in session
    assert session["aws:principalarn"] == SESSION.role_arn  # the role's ARN, not the session's
    root = ask(Principal.of_account(A)).condition_context()
    assert root["aws:principaltype"] == "Account" and root["aws:userid"] == A


@pytest.mark.parametrize("arn, kind, role", [
    (f"arn:aws:iam::{A}:root", "account", None),
    (f"arn:aws:iam::{A}:user/alice", "user", None),
    (f"arn:aws:iam::{A}:user/team/alice", "user", None),
    (f"arn:aws:sts::{A}:assumed-role/worker/s1", "assumed-role", f"arn:aws:iam::{A}:role/worker"),
    (None, "account", None),
])
def test_a_principal_from_its_arn(arn, kind, role):
    found = Principal.of_arn(A, arn)
    assert found.kind == kind and found.role_arn == role and found.account == A
    if kind == "user":
        assert found.name == "alice"


# -- the root and the owner's rule --------------------------------------------------------
def test_the_root_owns_its_account_but_not_others():
    root_b = Principal.of_account(B)
    assert decide(ask(Principal.of_account(A)), PoliciesInForce(A)).allowed
    assert not decide(ask(root_b), PoliciesInForce(A)).allowed
    grant = parse_policy(json.dumps({"Statement": [{"Effect": "Allow", "Principal": {"AWS": B},
                                                    "Action": "sqs:*", "Resource": "*"}]}))
    assert decide(ask(root_b), PoliciesInForce(A, resource=grant)).allowed


# -- denial messages ----------------------------------------------------------------------
def test_denial_messages_are_aws_words():
    verdict = decide(ask(USER), PoliciesInForce(A))
    assert denial_message(USER.arn, "sqs:sendmessage", QUEUE, verdict) == (
        f"User: {USER.arn} is not authorized to perform: sqs:sendmessage on resource: {QUEUE} "
        "because no identity-based policy allows the sqs:sendmessage action")
    deny = parse_policy(identity({"Effect": "Deny", "Action": "*", "Resource": "*"}), identity=True)
    verdict = decide(ask(USER), PoliciesInForce(A, identity=(deny,)))
    assert denial_message(USER.arn, "sqs:SendMessage", QUEUE, verdict).endswith(
        "with an explicit deny in an identity-based policy")
    assert re.search(r"a permissions boundary$", decide(ask(USER), PoliciesInForce(
        A, identity=(parse_policy(identity({"Effect": "Allow", "Action": "*", "Resource": "*"}), identity=True),),
        boundary=deny)).reason("x"))
