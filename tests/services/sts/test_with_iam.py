"""STS with IAM's real store: users and roles made through IAM's own API."""

from __future__ import annotations

import json

import pytest
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

from _clients import client
from _sts import with_credentials


AKID, SECRET, ACCOUNT = "AKIDSTSWITHIAM00001", "with-iam-secret", "135792468024"
INVALID_TOKEN = "The security token included in the request is invalid."


@pytest.fixture(scope="module")
def signed_server(make_server):
    return make_server(extra_args=["--auth", "sigv4", "--access-keys", f"{AKID}:{SECRET}:{ACCOUNT}"])


def _root(server, service):
    c = client(service, server.url, secret=SECRET)
    c._request_signer._credentials = Credentials(AKID, SECRET)
    return c


def _keyed(server, service, key):
    c = client(service, server.url, secret=key["SecretAccessKey"])
    c._request_signer._credentials = Credentials(key["AccessKeyId"], key["SecretAccessKey"])
    return c


def test_an_iam_users_key_is_that_user_to_get_caller_identity(signed_server):
    iam = _root(signed_server, "iam")
    user = iam.create_user(UserName="sts-alice", Path="/team/")["User"]
    key = iam.create_access_key(UserName="sts-alice")["AccessKey"]
    who = _keyed(signed_server, "sts", key).get_caller_identity()
    assert who == {**who, "UserId": user["UserId"], "Account": ACCOUNT, "Arn": user["Arn"]}
    assert who["UserId"].startswith("AIDA")


def test_a_users_key_records_its_last_use(signed_server):
    iam = _root(signed_server, "iam")
    iam.create_user(UserName="sts-erin")
    key = iam.create_access_key(UserName="sts-erin")["AccessKey"]
    before = iam.get_access_key_last_used(AccessKeyId=key["AccessKeyId"])["AccessKeyLastUsed"]
    assert before == {"ServiceName": "N/A", "Region": "N/A"}
    _keyed(signed_server, "sqs", key).list_queues()
    used = iam.get_access_key_last_used(AccessKeyId=key["AccessKeyId"])
    assert used["UserName"] == "sts-erin"
    last = used["AccessKeyLastUsed"]
    assert last["ServiceName"] == "sqs" and last["Region"] == "us-east-1" and "LastUsedDate" in last


def test_a_deleted_or_inactive_key_is_refused(signed_server):
    iam = _root(signed_server, "iam")
    iam.create_user(UserName="sts-bob")
    key = iam.create_access_key(UserName="sts-bob")["AccessKey"]
    sts = _keyed(signed_server, "sts", key)
    sts.get_caller_identity()
    iam.update_access_key(UserName="sts-bob", AccessKeyId=key["AccessKeyId"], Status="Inactive")
    with pytest.raises(ClientError) as exc:
        sts.get_caller_identity()
    assert exc.value.response["Error"]["Code"] == "InvalidClientTokenId"
    iam.update_access_key(UserName="sts-bob", AccessKeyId=key["AccessKeyId"], Status="Active")
    sts.get_caller_identity()
    iam.delete_access_key(UserName="sts-bob", AccessKeyId=key["AccessKeyId"])
    with pytest.raises(ClientError) as exc:
        sts.get_caller_identity()
    assert (exc.value.response["Error"]["Code"], exc.value.response["Error"]["Message"]) == (
        "InvalidClientTokenId", INVALID_TOKEN)


def test_a_role_made_with_iam_is_assumed(signed_server):
    iam = _root(signed_server, "iam")
    trust = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, "Action": "sts:AssumeRole"}]}
    role = iam.create_role(RoleName="sts-deployer", AssumeRolePolicyDocument=json.dumps(trust),
                           MaxSessionDuration=7200)["Role"]
    iam.create_user(UserName="sts-dana")
    key = iam.create_access_key(UserName="sts-dana")["AccessKey"]
    answer = _keyed(signed_server, "sts", key).assume_role(RoleArn=role["Arn"], RoleSessionName="s1",
                                                           DurationSeconds=7200)
    assert answer["AssumedRoleUser"] == {"AssumedRoleId": f"{role['RoleId']}:s1",
                                         "Arn": f"arn:aws:sts::{ACCOUNT}:assumed-role/sts-deployer/s1"}
    who = with_credentials("sts", signed_server.url, answer["Credentials"]).get_caller_identity()
    assert who["Arn"] == answer["AssumedRoleUser"]["Arn"]
    with pytest.raises(ClientError) as exc:
        _keyed(signed_server, "sts", key).assume_role(RoleArn=role["Arn"], RoleSessionName="s2",
                                                      DurationSeconds=7201)
    assert exc.value.response["Error"]["Code"] == "ValidationError"
