"""core/policies/statements: AddPermission-style edits of a policy document by Sid."""

from __future__ import annotations

from eventyard.core import policies


def test_allow_accounts_spells_one_value_alone_and_several_in_a_list() -> None:
    one = policies.allow_accounts("l", ["111122223333"], ["SQS:SendMessage"], "arn:q")
    assert one == {"Sid": "l", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
                   "Action": "SQS:SendMessage", "Resource": "arn:q"}
    many = policies.allow_accounts("l", ["111122223333", "444455556666"], ["SNS:Publish", "SNS:Subscribe"], "arn:t")
    assert many["Principal"] == {"AWS": ["arn:aws:iam::111122223333:root", "arn:aws:iam::444455556666:root"]}
    assert many["Action"] == ["SNS:Publish", "SNS:Subscribe"]
    parsed = policies.parse_policy({"Version": "2012-10-17", "Statement": [many]})
    request = policies.AccessRequest(policies.Principal.of_account("444455556666"), "SNS:Publish", "arn:t")
    assert policies.evaluate(parsed, request) is policies.Decision.ALLOW


def test_statements_of_takes_a_list_a_single_statement_or_none() -> None:
    st = {"Sid": "a", "Effect": "Allow"}
    assert policies.statements_of({"Statement": [st]}) == [st]
    assert policies.statements_of({"Statement": st}) == [st]
    assert policies.statements_of({}) == [] == policies.statements_of({"Statement": None})
    document = {"Statement": [st]}
    policies.statements_of(document).append({"Sid": "b"})
    assert document == {"Statement": [st]}  # a new list: the document is untouched


def test_statements_are_found_and_removed_by_sid() -> None:
    statements = [{"Sid": "a"}, {"Sid": "b"}, "not a statement"]
    assert policies.has_sid(statements, "b") and not policies.has_sid(statements, "c")
    assert policies.without_sid(statements, "a") == [{"Sid": "b"}, "not a statement"]
    assert policies.without_sid(statements, "c") == statements
