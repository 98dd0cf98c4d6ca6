"""Policy documents as IAM checks them when storing them: AWS's first complaint, in its
words (texts recorded against AWS in moto's and localstack's test suites)."""

from __future__ import annotations

import json

import pytest

from eventyard.core.errors import ServiceError
from eventyard.services.iam.documents import check_identity_policy, check_trust_policy, named_principals


def _doc(**statement: object) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", **statement}]})


@pytest.mark.parametrize("document, reason", [
    (_doc(Action="s3:a:b", Resource="*"), "Actions/Condition can contain only one colon."),
    (_doc(Action="s 3:Get", Resource="*"), "Vendor s 3 is not valid"),
    (_doc(Action="iam:GetUser", Resource="arn:aws:iam:us-east-1:123456789012:user/x"),
     "IAM resource arn:aws:iam:us-east-1:123456789012:user/x cannot contain region information."),
    (json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "allow", "Action": "s3:*", "Resource": "*"}]}),
     "The policy failed legacy parsing"),
    (json.dumps({"Version": "2012-10-17", "Statement": []}), "Syntax errors in policy."),
    (json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*",
                                                          "Extra": 1}]}), "Syntax errors in policy."),
    (json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "NotAction": "x:*",
                                                          "Resource": "*"}]}), "Syntax errors in policy."),
    (json.dumps({"Version": "2008-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}),
     "Policy document must be version 2012-10-17 or greater."),
    (_doc(NotPrincipal={"AWS": "*"}, Action="s3:*", Resource="*"), "Policy document should not specify a principal."),
    ("[]", "Syntax errors in policy."),
])
def test_identity_policy_reasons(document, reason):
    with pytest.raises(ServiceError) as exc:
        check_identity_policy(document)
    assert (exc.value.code, exc.value.message) == ("MalformedPolicyDocumentException", reason)


def test_identity_policies_that_pass():
    check_identity_policy(_doc(Action=["sqs:*", "sns:Publish"], Resource=["arn:aws:sqs:*:*:q", "*"],
                               Condition={"StringEquals": {"aws:username": "${aws:username}"}}))
    check_identity_policy(_doc(NotAction="iam:*", NotResource="arn:aws:iam::*:role/x"))
    check_identity_policy(json.dumps({"Version": "2012-10-17", "Statement": {"Effect": "Deny", "Action": "*",
                                                                             "Resource": "*"}}))


@pytest.mark.parametrize("document, reason", [
    (_doc(Principal={"Service": "lambda"}, Action="sts:AssumeRole"), 'Invalid principal in policy: "SERVICE":"lambda"'),
    (_doc(Principal={"AWS": "arn:aws:s3:::bucket"}, Action="sts:AssumeRole"),
     'Invalid principal in policy: "AWS":"arn:aws:s3:::bucket"'),
    (_doc(Principal={"AWS": "*"}, Action="sts:AssumeRole", NotResource="*"), "Has prohibited field Resource"),
    (_doc(Principal="*"), "Policy statement must contain actions."),
])
def test_trust_policy_reasons(document, reason):
    with pytest.raises(ServiceError) as exc:
        check_trust_policy(document)
    assert exc.value.message == reason


def test_trust_policies_that_pass_and_the_principals_they_name():
    document = check_trust_policy(json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": ["123456789012", "arn:aws:iam::123456789012:role/a/b",
                                                  "arn:aws:iam::123456789012:root"]},
         "Action": ["sts:AssumeRole", "sts:TagSession"]},
        {"Effect": "Allow", "Principal": {"Federated": "cognito-identity.amazonaws.com"},
         "Action": "sts:AssumeRoleWithWebIdentity"}]}))
    assert named_principals(document) == ["arn:aws:iam::123456789012:role/a/b"]
