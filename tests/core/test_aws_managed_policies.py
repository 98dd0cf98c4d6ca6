"""AWS's own managed policies as eventyard ships them: each a valid identity policy,
named and identified as AWS names and identifies them."""

from __future__ import annotations

import re

import pytest

from eventyard.core import aws_managed_policies
from eventyard.services.iam.documents import check_identity_policy

REQUIRED = [
    "AdministratorAccess", "ReadOnlyAccess", "PowerUserAccess", "service-role/AWSLambdaBasicExecutionRole",
    "service-role/AWSLambdaSQSQueueExecutionRole", "AmazonSQSFullAccess", "AmazonSNSFullAccess",
    "AmazonEventBridgeFullAccess", "AWSStepFunctionsFullAccess", "AWSLambda_FullAccess",
    "SecretsManagerReadWrite", "CloudWatchLogsFullAccess",
]


@pytest.mark.parametrize("policy", aws_managed_policies.all_policies(), ids=lambda p: p.name)
def test_every_document_is_a_valid_identity_policy(policy):
    check_identity_policy(policy.document)
    assert re.fullmatch(r"ANPA[A-Z2-7]{17}", policy.policy_id)
    assert re.fullmatch(r"v[1-9][0-9]*", policy.version_id)
    assert policy.arn == f"arn:aws:iam::aws:policy{policy.path}{policy.name}"
    assert aws_managed_policies.by_arn(policy.arn) is policy
    assert aws_managed_policies.is_aws_managed(policy.arn)


def test_the_policies_tools_attach_are_there():
    for name in REQUIRED:
        assert aws_managed_policies.by_arn(f"arn:aws:iam::aws:policy/{name}") is not None, name
    ids = [p.policy_id for p in aws_managed_policies.all_policies()]
    assert len(set(ids)) == len(ids)
    assert not aws_managed_policies.is_aws_managed("arn:aws:iam::123456789012:policy/AdministratorAccess")
