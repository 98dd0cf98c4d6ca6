"""The store contract for IAM (users, groups, roles, keys, policies, attachments,
instance profiles, the alias), on both backends. ``access_key``, ``role``,
``identity_policies`` and ``permissions_boundary`` are what STS and enforcement read."""

from __future__ import annotations

import json

import pytest

from eventyard.store import ConflictError, Store
from eventyard.store.iam import IamAccessKey, IamGroup, IamInstanceProfile, IamPolicy, IamRole, IamUser

A, B = "111111111111", "222222222222"
T0 = 1_700_000_000_000
ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess"


def doc(action: str) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": action, "Resource": "*"}]})


def user(store: Store, name: str, account: str = A, path: str = "/") -> IamUser:
    made = IamUser(account, name, f"AIDA-{account}-{name}", f"arn:aws:iam::{account}:user{path}{name}", path, None, T0)
    store.write_sync(lambda s: s.iam.insert_user(made))
    return made


def role(store: Store, name: str, account: str = A, path: str = "/") -> IamRole:
    made = IamRole(account, name, f"AROA-{account}-{name}", f"arn:aws:iam::{account}:role{path}{name}", path,
                   '{"Statement": []}', 3600, None, T0, "a role")
    store.write_sync(lambda s: s.iam.insert_role(made))
    return made


def group(store: Store, name: str, account: str = A) -> IamGroup:
    made = IamGroup(account, name, f"AGPA-{account}-{name}", f"arn:aws:iam::{account}:group/{name}", "/", T0)
    store.write_sync(lambda s: s.iam.insert_group(made))
    return made


def policy(store: Store, name: str, document: str, account: str = A) -> IamPolicy:
    made = IamPolicy(account, name, f"ANPA-{account}-{name}", f"arn:aws:iam::{account}:policy/{name}", "/", None,
                     "v1", T0, T0)
    store.write_sync(lambda s: s.iam.insert_policy(made, document))
    return made


# -- users, case-insensitive names -----------------------------------------------------
def test_users_round_trip_and_names_ignore_case(store: Store) -> None:
    bob = user(store, "Bob")
    assert store.read_sync(lambda s: s.iam.user(A, "bob")) == bob
    assert store.read_sync(lambda s: s.iam.user(B, "Bob")) is None
    with pytest.raises(ConflictError):
        user(store, "BOB")
    user(store, "Bob", account=B)  # another account may use the name
    user(store, "alice", path="/team/")
    names = store.read_sync(lambda s: [u.user_name for u in s.iam.users(A)])
    assert names == ["alice", "Bob"]
    assert store.read_sync(lambda s: [u.user_name for u in s.iam.users(A, path_prefix="/team/")]) == ["alice"]
    assert store.read_sync(lambda s: [u.user_name for u in s.iam.users(A, after="alice", limit=5)]) == ["Bob"]
    store.write_sync(lambda s: s.iam.update_user(bob.user_id, name="Robert", path="/x/", arn="arn:robert"))
    assert store.read_sync(lambda s: s.iam.user(A, "bob")) is None
    got = store.read_sync(lambda s: s.iam.user(A, "robert"))
    assert got is not None and (got.user_name, got.path, got.arn, got.user_id) == ("Robert", "/x/", "arn:robert", bob.user_id)
    store.write_sync(lambda s: s.iam.set_user_boundary(bob.user_id, ADMIN))
    assert store.read_sync(lambda s: s.iam.user_by_id(bob.user_id)).permissions_boundary_arn == ADMIN  # type: ignore[union-attr]
    store.write_sync(lambda s: s.iam.delete_user(bob.user_id))
    assert store.read_sync(lambda s: s.iam.user_by_id(bob.user_id)) is None


# -- access keys -----------------------------------------------------------------------
def test_access_keys_carry_their_user(store: Store) -> None:
    bob = user(store, "bob", path="/dev/")
    key = IamAccessKey("AKIAEXAMPLE000000001", "s" * 40, A, "", "", bob.user_id, "Active", T0)
    store.write_sync(lambda s: s.iam.insert_access_key(key))
    got = store.read_sync(lambda s: s.iam.access_key("AKIAEXAMPLE000000001"))
    assert got == IamAccessKey("AKIAEXAMPLE000000001", "s" * 40, A, "bob", bob.arn, bob.user_id, "Active", T0)
    assert store.read_sync(lambda s: s.iam.access_key("AKIAMISSING")) is None
    store.write_sync(lambda s: s.iam.set_access_key_status(key.access_key_id, "Inactive"))
    store.write_sync(lambda s: s.iam.note_access_key_used(key.access_key_id, T0 + 5, "sqs", "eu-west-1"))
    got = store.read_sync(lambda s: s.iam.access_key(key.access_key_id))
    assert got is not None and (got.status, got.last_used_ms, got.last_used_service, got.last_used_region) == (
        "Inactive", T0 + 5, "sqs", "eu-west-1")
    assert [k.access_key_id for k in store.read_sync(lambda s: s.iam.access_keys_of(bob.user_id))] == [key.access_key_id]
    store.write_sync(lambda s: s.iam.delete_access_key(key.access_key_id))
    assert store.read_sync(lambda s: s.iam.access_key(key.access_key_id)) is None


# -- roles -----------------------------------------------------------------------------
def test_roles_round_trip(store: Store) -> None:
    made = role(store, "Runner", path="/service-role/")
    assert store.read_sync(lambda s: s.iam.role(A, "runner")) == made
    assert store.read_sync(lambda s: s.iam.role(B, "Runner")) is None
    with pytest.raises(ConflictError):
        role(store, "RUNNER")
    store.write_sync(lambda s: s.iam.update_role(made.role_id, description=None, max_session_duration=7200))
    store.write_sync(lambda s: s.iam.set_trust_policy(made.role_id, '{"x": 1}'))
    store.write_sync(lambda s: s.iam.set_role_boundary(made.role_id, ADMIN))
    store.write_sync(lambda s: s.iam.note_role_used(made.role_id, T0 + 1, "us-west-2"))
    got = store.read_sync(lambda s: s.iam.role(A, "Runner"))
    assert got is not None
    assert (got.description, got.max_session_duration, got.trust_policy, got.permissions_boundary_arn) == (
        None, 7200, '{"x": 1}', ADMIN)
    assert (got.last_used_ms, got.last_used_region) == (T0 + 1, "us-west-2")
    assert [r.role_name for r in store.read_sync(lambda s: s.iam.roles(A, path_prefix="/service-role/"))] == ["Runner"]
    store.write_sync(lambda s: s.iam.delete_role(made.role_id))
    assert store.read_sync(lambda s: s.iam.role(A, "Runner")) is None


# -- managed policies and versions -----------------------------------------------------
def test_policy_versions(store: Store) -> None:
    p = policy(store, "P", doc("sqs:*"))
    assert store.read_sync(lambda s: s.iam.policy(p.arn)) == p
    assert store.read_sync(lambda s: s.iam.policy_named(A, "p")) == p
    with pytest.raises(ConflictError):
        policy(store, "p", doc("x:*"))
    v2 = store.write_sync(lambda s: s.iam.add_policy_version(p.arn, doc("sns:*"), T0 + 1, set_default=False))
    v3 = store.write_sync(lambda s: s.iam.add_policy_version(p.arn, doc("events:*"), T0 + 2, set_default=True))
    assert store.read_sync(lambda s: s.iam.policy(p.arn)).updated_ms == T0 + 2  # type: ignore[union-attr]
    assert (v2, v3) == ("v2", "v3")
    versions = store.read_sync(lambda s: s.iam.policy_versions(p.arn))
    assert [(v.version_id, v.is_default) for v in versions] == [("v3", True), ("v2", False), ("v1", False)]
    assert store.read_sync(lambda s: s.iam.default_document(p.arn)) == doc("events:*")
    store.write_sync(lambda s: s.iam.set_default_version(p.arn, "v1"))
    store.write_sync(lambda s: s.iam.delete_policy_version(p.arn, "v3"))
    assert store.read_sync(lambda s: s.iam.policy_version(p.arn, "v3")) is None
    v1 = store.read_sync(lambda s: s.iam.policy_version(p.arn, "v1"))
    assert v1 is not None and v1.is_default and v1.document == doc("sqs:*")
    # numbers are never reused
    assert store.write_sync(lambda s: s.iam.add_policy_version(p.arn, doc("a:b"), T0, set_default=False)) == "v4"
    got = store.read_sync(lambda s: s.iam.policy(p.arn))
    assert got is not None and got.default_version_id == "v1" and got.updated_ms == T0  # the newest version's time
    assert [x.policy_name for x in store.read_sync(lambda s: s.iam.policies(A))] == ["P"]
    store.write_sync(lambda s: s.iam.delete_policy(p.arn))
    assert store.read_sync(lambda s: s.iam.policy(p.arn)) is None
    assert store.read_sync(lambda s: s.iam.policy_versions(p.arn)) == []


def test_aws_managed_documents_resolve_by_arn(store: Store) -> None:
    document = store.read_sync(lambda s: s.iam.default_document(ADMIN))
    assert document is not None and json.loads(document)["Statement"][0]["Action"] == "*"
    assert store.read_sync(lambda s: s.iam.default_document("arn:aws:iam::aws:policy/Nope")) is None


# -- groups ----------------------------------------------------------------------------
def test_groups_and_members(store: Store) -> None:
    g, bob = group(store, "Devs"), user(store, "bob")
    store.write_sync(lambda s: s.iam.add_member(g.group_id, bob.user_id))
    store.write_sync(lambda s: s.iam.add_member(g.group_id, bob.user_id))  # again: no change
    assert store.read_sync(lambda s: s.iam.members(g.group_id)) == [bob]
    assert store.read_sync(lambda s: s.iam.groups_of_user(bob.user_id)) == [g]
    assert store.read_sync(lambda s: s.iam.group(A, "devs")) == g
    assert store.read_sync(lambda s: s.iam.groups(A)) == [g]
    store.write_sync(lambda s: s.iam.update_group(g.group_id, name="Ops", path="/o/", arn="arn:ops"))
    assert store.read_sync(lambda s: s.iam.group(A, "ops")).arn == "arn:ops"  # type: ignore[union-attr]
    assert store.write_sync(lambda s: s.iam.remove_member(g.group_id, bob.user_id)) is True
    assert store.write_sync(lambda s: s.iam.remove_member(g.group_id, bob.user_id)) is False
    store.write_sync(lambda s: s.iam.delete_group(g.group_id))
    assert store.read_sync(lambda s: s.iam.group(A, "ops")) is None


# -- what is in force ------------------------------------------------------------------
def test_identity_policies_of_a_user_include_its_groups_and_managed_versions(store: Store) -> None:
    bob, g = user(store, "bob"), group(store, "devs")
    p = policy(store, "P", doc("sqs:SendMessage"))
    store.write_sync(lambda s: s.iam.add_member(g.group_id, bob.user_id))
    store.write_sync(lambda s: s.iam.put_inline_policy(bob.user_id, "own", doc("sns:Publish")))
    store.write_sync(lambda s: s.iam.put_inline_policy(g.group_id, "team", doc("events:PutEvents")))
    store.write_sync(lambda s: s.iam.attach(A, "group", g.group_id, p.arn))
    store.write_sync(lambda s: s.iam.attach(A, "user", bob.user_id, ADMIN))
    found = store.read_sync(lambda s: s.iam.identity_policies(A, "user", "BOB"))
    admin = store.read_sync(lambda s: s.iam.default_document(ADMIN))
    assert sorted(found) == sorted([doc("sns:Publish"), admin, doc("events:PutEvents"), doc("sqs:SendMessage")])
    store.write_sync(lambda s: s.iam.add_policy_version(p.arn, doc("sqs:*"), T0, set_default=True))
    assert doc("sqs:*") in store.read_sync(lambda s: s.iam.identity_policies(A, "user", "bob"))
    assert store.read_sync(lambda s: s.iam.identity_policies(B, "user", "bob")) == []
    assert store.read_sync(lambda s: s.iam.identity_policies(A, "user", "nobody")) == []


def test_identity_policies_of_a_role_and_boundaries(store: Store) -> None:
    r = role(store, "runner")
    p = policy(store, "Boundary", doc("sqs:*"))
    store.write_sync(lambda s: s.iam.put_inline_policy(r.role_id, "inline", doc("sns:*")))
    store.write_sync(lambda s: s.iam.attach(A, "role", r.role_id, p.arn))
    assert sorted(store.read_sync(lambda s: s.iam.identity_policies(A, "role", "Runner"))) == sorted(
        [doc("sns:*"), doc("sqs:*")])
    assert store.read_sync(lambda s: s.iam.permissions_boundary(A, "role", "runner")) is None
    store.write_sync(lambda s: s.iam.set_role_boundary(r.role_id, p.arn))
    assert store.read_sync(lambda s: s.iam.permissions_boundary(A, "role", "runner")) == doc("sqs:*")
    bob = user(store, "bob")
    store.write_sync(lambda s: s.iam.set_user_boundary(bob.user_id, ADMIN))
    assert store.read_sync(lambda s: s.iam.permissions_boundary(A, "user", "bob")) == \
        store.read_sync(lambda s: s.iam.default_document(ADMIN))
    assert store.read_sync(lambda s: s.iam.permissions_boundary(A, "user", "nobody")) is None
    holders = store.read_sync(lambda s: s.iam.boundary_holders(A, p.arn))
    assert [(h.kind, h.principal_name) for h in holders] == [("role", "runner")]
    assert [h.principal_name for h in store.read_sync(lambda s: s.iam.boundary_holders(A, ADMIN))] == ["bob"]
    assert store.read_sync(lambda s: s.iam.boundary_holders(B, ADMIN)) == []


# -- inline policies and attachments ---------------------------------------------------
def test_inline_policies_and_attachments(store: Store) -> None:
    bob, r = user(store, "bob"), role(store, "r")
    store.write_sync(lambda s: s.iam.put_inline_policy(bob.user_id, "b", doc("a:b")))
    store.write_sync(lambda s: s.iam.put_inline_policy(bob.user_id, "a", doc("a:a")))
    store.write_sync(lambda s: s.iam.put_inline_policy(bob.user_id, "a", doc("a:c")))  # replaced
    assert store.read_sync(lambda s: s.iam.inline_policy_names(bob.user_id)) == ["a", "b"]
    assert store.read_sync(lambda s: s.iam.inline_policy(bob.user_id, "a")) == doc("a:c")
    assert store.write_sync(lambda s: s.iam.delete_inline_policy(bob.user_id, "a")) is True
    assert store.write_sync(lambda s: s.iam.delete_inline_policy(bob.user_id, "a")) is False
    store.write_sync(lambda s: s.iam.delete_inline_policies(bob.user_id))
    assert store.read_sync(lambda s: s.iam.inline_policy(bob.user_id, "b")) is None

    store.write_sync(lambda s: s.iam.attach(A, "user", bob.user_id, ADMIN))
    store.write_sync(lambda s: s.iam.attach(A, "role", r.role_id, ADMIN))
    store.write_sync(lambda s: s.iam.attach(A, "role", r.role_id, ADMIN))  # again: no change
    assert store.read_sync(lambda s: s.iam.attached(r.role_id)) == [ADMIN]
    assert store.read_sync(lambda s: s.iam.attachment_count(A, ADMIN)) == 2
    assert store.read_sync(lambda s: s.iam.attachment_count(B, ADMIN)) == 0
    assert store.read_sync(lambda s: s.iam.attached_arns(A)) == {ADMIN}
    found = store.read_sync(lambda s: s.iam.attachments_of(A, ADMIN))
    assert {(x.kind, x.principal_name) for x in found} == {("user", "bob"), ("role", "r")}
    assert store.write_sync(lambda s: s.iam.detach(r.role_id, ADMIN)) is True
    assert store.write_sync(lambda s: s.iam.detach(r.role_id, ADMIN)) is False


# -- instance profiles -----------------------------------------------------------------
def test_instance_profiles_hold_roles(store: Store) -> None:
    r = role(store, "r")
    made = IamInstanceProfile(A, "Web", "AIPA-web", f"arn:aws:iam::{A}:instance-profile/Web", "/", T0)
    store.write_sync(lambda s: s.iam.insert_instance_profile(made))
    with pytest.raises(ConflictError):
        store.write_sync(lambda s: s.iam.insert_instance_profile(
            IamInstanceProfile(A, "WEB", "AIPA-2", "arn:x", "/", T0)))
    assert store.read_sync(lambda s: s.iam.instance_profile(A, "web")) == made
    store.write_sync(lambda s: s.iam.add_profile_role(made.profile_id, r.role_id))
    assert store.read_sync(lambda s: s.iam.profile_roles(made.profile_id)) == [r]
    assert store.read_sync(lambda s: s.iam.profiles_of_role(r.role_id)) == [made]
    assert store.read_sync(lambda s: s.iam.instance_profiles(A)) == [made]
    assert store.write_sync(lambda s: s.iam.remove_profile_role(made.profile_id, r.role_id)) is True
    store.write_sync(lambda s: s.iam.delete_instance_profile(made.profile_id))
    assert store.read_sync(lambda s: s.iam.instance_profile(A, "web")) is None


# -- the account -----------------------------------------------------------------------
def test_account_alias_is_unique_across_accounts(store: Store) -> None:
    store.write_sync(lambda s: s.iam.set_account_alias(A, "acme"))
    store.write_sync(lambda s: s.iam.set_account_alias(A, "acme-2"))  # replaces A's own
    assert store.read_sync(lambda s: s.iam.account_alias(A)) == "acme-2"
    with pytest.raises(ConflictError):
        store.write_sync(lambda s: s.iam.set_account_alias(B, "acme-2"))
    assert store.read_sync(lambda s: s.iam.account_alias(B)) is None
    store.write_sync(lambda s: s.iam.delete_account_alias(A))
    assert store.read_sync(lambda s: s.iam.account_alias(A)) is None


def test_counts(store: Store) -> None:
    bob = user(store, "bob")
    role(store, "r")
    store.write_sync(lambda s: s.iam.attach(A, "user", bob.user_id, ADMIN))
    counts = store.read_sync(lambda s: s.iam.counts(A))
    assert (counts["Users"], counts["Roles"], counts["Groups"], counts["AttachedPolicies"]) == (1, 1, 0, 1)


def test_lock_holds_an_entity_for_the_transaction(store: Store) -> None:
    bob = user(store, "bob")
    p = policy(store, "P", doc("sqs:*"))

    def locked(s):  # type: ignore[no-untyped-def]
        s.iam.lock("user", bob.user_id)
        s.iam.lock("policy", p.arn)
        s.iam.lock("role", "AROA-missing")  # nothing to hold: no error
        return s.iam.access_keys_of(bob.user_id)

    assert store.write_sync(locked) == []
