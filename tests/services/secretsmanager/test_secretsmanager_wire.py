"""Secrets Manager through boto3 against a real server, on both backends: every served
operation, its answers' shapes and its errors.

Facts as recorded on AWS (LocalStack's snapshot of AWS,
tests/aws/services/secretsmanager/test_secretsmanager.snapshot.json): ARNs end in
``-`` and six random characters; a missing secret is "Secrets Manager can't find the
specified secret."; a taken name "The operation failed because the secret NAME already
exists."; a name scheduled for deletion "You can't create this secret because a secret
with this name is already scheduled for deletion."; invalid names get a
ValidationException; PutSecretValue moves labels (the old AWSCURRENT becomes
AWSPREVIOUS, a version left without labels is deprecated and not listed); labels are
listed sorted; ListSecretVersionIds shows ``KmsKeyIds: ["DefaultEncryptionKey"]``.
"""

from __future__ import annotations

import json
import re
import uuid
from typing import Any

import pytest
from botocore.exceptions import ClientError

from _clients import client

ARN = re.compile(r"^arn:aws:secretsmanager:us-east-1:(\d{12}):secret:(.+)-[A-Za-z0-9]{6}$")
NOT_FOUND = "Secrets Manager can't find the specified secret."
MARKED = "You can't perform this operation on the secret because it was marked for deletion."


def _sm(server: Any, account: str | None = None, **kwargs: Any) -> Any:
    account = account or str(uuid.uuid4().int)[:12].rjust(12, "1")
    return client("secretsmanager", server.url, account=account, **kwargs)


def _error(call: Any, **kwargs: Any) -> dict[str, Any]:
    with pytest.raises(ClientError) as exc:
        call(**kwargs)
    assert exc.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    return dict(exc.value.response["Error"])


def test_create_get_describe_round_trip(server: Any) -> None:
    sm = _sm(server)
    created = sm.create_secret(Name="app/db-password", SecretString='{"password": "s3cr3t"}', Description="db",
                               KmsKeyId="alias/mine", Tags=[{"Key": "team", "Value": "core"}])
    match = ARN.match(created["ARN"])
    assert match and match.group(2) == "app/db-password"
    assert created["Name"] == "app/db-password" and len(created["VersionId"]) == 36
    for secret_id in ("app/db-password", created["ARN"], created["ARN"][:-7]):  # name, full ARN, partial ARN
        got = sm.get_secret_value(SecretId=secret_id)
        assert got["SecretString"] == '{"password": "s3cr3t"}'
        assert (got["ARN"], got["Name"], got["VersionId"], got["VersionStages"]) == (
            created["ARN"], "app/db-password", created["VersionId"], ["AWSCURRENT"])
        assert got["CreatedDate"].year >= 2024
    described = sm.describe_secret(SecretId=created["ARN"])
    assert described["Description"] == "db" and described["KmsKeyId"] == "alias/mine"
    assert described["RotationEnabled"] is False
    assert described["VersionIdsToStages"] == {created["VersionId"]: ["AWSCURRENT"]}
    assert described["Tags"] == [{"Key": "team", "Value": "core"}]
    assert "LastAccessedDate" in described and "LastChangedDate" in described and "CreatedDate" in described
    assert "DeletedDate" not in described and "OwningService" not in described


def test_binary_values_and_secrets_without_value(server: Any) -> None:
    sm = _sm(server)
    sm.create_secret(Name="bin", SecretBinary=b"\x00\x01\xffdata")
    got = sm.get_secret_value(SecretId="bin")
    assert got["SecretBinary"] == b"\x00\x01\xffdata" and "SecretString" not in got
    empty = sm.create_secret(Name="empty")
    assert "VersionId" not in empty
    assert "VersionIdsToStages" not in sm.describe_secret(SecretId="empty")
    err = _error(sm.get_secret_value, SecretId="empty")
    assert err == {"Code": "ResourceNotFoundException",
                   "Message": "Secrets Manager can't find the specified secret value for staging label: AWSCURRENT"}


def test_create_errors(server: Any) -> None:
    sm = _sm(server)
    sm.create_secret(Name="taken", SecretString="x")
    assert _error(sm.create_secret, Name="taken", SecretString="y") == {
        "Code": "ResourceExistsException", "Message": "The operation failed because the secret taken already exists."}
    for bad in ("Inv Name", "a*b", "semi;colon"):
        assert _error(sm.create_secret, Name=bad, SecretString="x") == {
            "Code": "ValidationException", "Message": "Invalid name. Must be a valid name containing alphanumeric "
                                                      "characters, or any of the following: -/_+=.@!"}
    err = _error(sm.create_secret, Name="both", SecretString="x", SecretBinary=b"y")
    assert err == {"Code": "InvalidParameterException", "Message":
                   "You can't specify both a binary secret value and a string secret value in the same secret."}
    big = "\u00e9" * 40_000  # 40,000 characters, 80,000 bytes
    err = _error(sm.create_secret, Name="big", SecretString=big)
    assert err["Code"] == "ValidationException" and "65536" in err["Message"] and big[:10] not in err["Message"]
    assert _error(sm.describe_secret, SecretId="big")["Code"] == "ResourceNotFoundException"  # nothing was made
    replicated = _error(sm.create_secret, Name="replicated", SecretString="x",
                        AddReplicaRegions=[{"Region": "eu-west-1"}])
    assert replicated["Code"] == "InvalidRequestException" and "Regions" in replicated["Message"]
    assert _error(sm.describe_secret, SecretId="replicated")["Code"] == "ResourceNotFoundException"
    longer = "z" * 70_000  # over the model's 65,536 characters: the value is never repeated in the message
    assert _error(sm.create_secret, Name="big", SecretString=longer) == {
        "Code": "ValidationException", "Message": "1 validation error detected: Value at 'secretString' failed to "
                                                  "satisfy constraint: Member must have length less than or equal to 65536"}


def test_client_request_token_is_the_version_and_idempotent(server: Any) -> None:
    sm = _sm(server)
    token = str(uuid.uuid4())
    first = sm.create_secret(Name="idem", SecretString="v1", ClientRequestToken=token)
    assert first["VersionId"] == token
    again = sm.create_secret(Name="idem", SecretString="v1", ClientRequestToken=token)  # a retry
    assert (again["ARN"], again["VersionId"]) == (first["ARN"], token)
    assert _error(sm.create_secret, Name="idem", SecretString="other", ClientRequestToken=token)["Code"] == \
        "ResourceExistsException"
    put_token = str(uuid.uuid4())
    sm.put_secret_value(SecretId="idem", SecretString="v2", ClientRequestToken=put_token)
    retried = sm.put_secret_value(SecretId="idem", SecretString="v2", ClientRequestToken=put_token)
    assert retried["VersionStages"] == ["AWSCURRENT"]
    assert _error(sm.put_secret_value, SecretId="idem", SecretString="v3", ClientRequestToken=put_token) == {
        "Code": "ResourceExistsException",
        "Message": "You can't modify an existing version, you can only create a new version."}
    assert len(sm.list_secret_version_ids(SecretId="idem")["Versions"]) == 2


def test_put_secret_value_moves_the_labels(server: Any) -> None:
    sm = _sm(server)
    v1 = sm.create_secret(Name="s", SecretString="one")["VersionId"]
    put = sm.put_secret_value(SecretId="s", SecretString="two")
    v2 = put["VersionId"]
    assert put["VersionStages"] == ["AWSCURRENT"]
    assert sm.describe_secret(SecretId="s")["VersionIdsToStages"] == {v1: ["AWSPREVIOUS"], v2: ["AWSCURRENT"]}
    assert sm.get_secret_value(SecretId="s", VersionStage="AWSPREVIOUS")["SecretString"] == "one"
    assert sm.get_secret_value(SecretId="s", VersionId=v1)["SecretString"] == "one"
    v3 = sm.put_secret_value(SecretId="s", SecretString="three")["VersionId"]
    stages = {v["VersionId"]: v["VersionStages"] for v in sm.list_secret_version_ids(SecretId="s")["Versions"]}
    assert stages == {v2: ["AWSPREVIOUS"], v3: ["AWSCURRENT"]}  # v1 is deprecated now
    everything = sm.list_secret_version_ids(SecretId="s", IncludeDeprecated=True)["Versions"]
    assert {v["VersionId"] for v in everything} == {v1, v2, v3}
    assert [v for v in everything if v["VersionId"] == v1][0].get("VersionStages") is None
    deprecated = sm.get_secret_value(SecretId="s", VersionId=v1)  # still readable by its id
    assert deprecated["SecretString"] == "one" and "VersionStages" not in deprecated
    pending = sm.put_secret_value(SecretId="s", SecretString="four", VersionStages=["PUT1", "AWSPENDING"])
    assert pending["VersionStages"] == ["AWSPENDING", "PUT1"]
    assert sm.get_secret_value(SecretId="s")["SecretString"] == "three"  # AWSCURRENT did not move
    assert sm.get_secret_value(SecretId="s", VersionStage="AWSPENDING")["SecretString"] == "four"
    err = _error(sm.get_secret_value, SecretId="s", VersionId=v3, VersionStage="AWSPENDING")
    assert err == {"Code": "InvalidRequestException",
                   "Message": "You provided a VersionStage that is not associated to the provided VersionId."}
    err = _error(sm.get_secret_value, SecretId="s", VersionId="0" * 32)
    assert err["Message"] == "Secrets Manager can't find the specified secret value for VersionId: " + "0" * 32
    assert _error(sm.put_secret_value, SecretId="s")["Code"] == "InvalidRequestException"


def test_update_secret_and_version_stages(server: Any) -> None:
    sm = _sm(server)
    v1 = sm.create_secret(Name="u", SecretString="S1")["VersionId"]
    only_description = sm.update_secret(SecretId="u", Description="new")
    assert "VersionId" not in only_description
    assert sm.describe_secret(SecretId="u")["Description"] == "new"
    v2 = sm.update_secret(SecretId="u", SecretString="S2", KmsKeyId="alias/other")["VersionId"]
    assert sm.get_secret_value(SecretId="u")["SecretString"] == "S2"
    versions = sm.list_secret_version_ids(SecretId="u")["Versions"]
    assert [v["KmsKeyIds"] for v in versions] == [["alias/other"], ["alias/other"]]
    v3 = sm.put_secret_value(SecretId="u", SecretString="S3", VersionStages=["AWSPENDING"])["VersionId"]
    answer = sm.update_secret_version_stage(SecretId="u", VersionStage="AWSCURRENT", RemoveFromVersionId=v2,
                                            MoveToVersionId=v3)
    assert set(answer) - {"ResponseMetadata"} == {"ARN", "Name"}
    stages = {v["VersionId"]: v["VersionStages"] for v in sm.list_secret_version_ids(SecretId="u")["Versions"]}
    assert stages == {v2: ["AWSPREVIOUS"], v3: ["AWSCURRENT", "AWSPENDING"]}
    assert v1 not in stages
    err = _error(sm.update_secret_version_stage, SecretId="u", VersionStage="AWSCURRENT", MoveToVersionId=v2)
    assert err["Code"] == "InvalidParameterException" and f"currently attached to version {v3}" in err["Message"]
    sm.update_secret_version_stage(SecretId="u", VersionStage="AWSPENDING", RemoveFromVersionId=v3)
    assert sm.get_secret_value(SecretId="u")["VersionStages"] == ["AWSCURRENT"]


def test_list_secrets_filters_sorting_and_pages(server: Any) -> None:
    sm = _sm(server)
    for i, name in enumerate(["prod/api", "prod/db", "dev/db"]):
        sm.create_secret(Name=name, SecretString="x", Description=f"the {name.split('/')[1]} secret",
                         Tags=[{"Key": "env", "Value": name.split("/")[0]}])
    names = [s["Name"] for s in sm.list_secrets()["SecretList"]]
    assert names == ["prod/api", "prod/db", "dev/db"]  # by creation
    assert [s["Name"] for s in sm.list_secrets(SortOrder="desc")["SecretList"]] == names[::-1]
    assert [s["Name"] for s in sm.list_secrets(SortBy="name")["SecretList"]] == sorted(names)

    def listed(filters: list[dict[str, Any]]) -> list[str]:
        return sorted(s["Name"] for s in sm.list_secrets(Filters=filters)["SecretList"])

    assert listed([{"Key": "name", "Values": ["prod/"]}]) == ["prod/api", "prod/db"]
    assert listed([{"Key": "tag-value", "Values": ["dev"]}]) == ["dev/db"]
    assert listed([{"Key": "tag-key", "Values": ["env"]}, {"Key": "name", "Values": ["!prod"]}]) == ["dev/db"]
    assert listed([{"Key": "description", "Values": ["DB"]}]) == ["dev/db", "prod/db"]
    assert listed([{"Key": "all", "Values": ["api"]}]) == ["prod/api"]
    entry = sm.list_secrets(Filters=[{"Key": "name", "Values": ["dev/db"]}])["SecretList"][0]
    assert "SecretVersionsToStages" in entry and "VersionIdsToStages" not in entry
    first = sm.list_secrets(MaxResults=2)
    assert len(first["SecretList"]) == 2 and first["NextToken"]
    rest = sm.list_secrets(MaxResults=2, NextToken=first["NextToken"])
    assert [s["Name"] for s in first["SecretList"] + rest["SecretList"]] == names and "NextToken" not in rest
    assert _error(sm.list_secrets, NextToken="not-a-token")["Code"] == "InvalidNextTokenException"
    paged = [s["Name"] for page in sm.get_paginator("list_secrets").paginate(PaginationConfig={"PageSize": 1})
             for s in page["SecretList"]]
    assert paged == names


def test_delete_window_restore_and_force(server: Any) -> None:
    sm = _sm(server)
    arn = sm.create_secret(Name="gone", SecretString="x")["ARN"]
    assert _error(sm.delete_secret, SecretId="gone", RecoveryWindowInDays=6) == {
        "Code": "InvalidParameterException",
        "Message": "The RecoveryWindowInDays value must be between 7 and 30 days (inclusive)."}
    assert _error(sm.delete_secret, SecretId="gone", RecoveryWindowInDays=7, ForceDeleteWithoutRecovery=True) == {
        "Code": "InvalidParameterException",
        "Message": "You can't use ForceDeleteWithoutRecovery in conjunction with RecoveryWindowInDays."}
    deleted = sm.delete_secret(SecretId="gone")
    assert deleted["ARN"] == arn and deleted["Name"] == "gone"
    described = sm.describe_secret(SecretId="gone")
    window = (described["DeletedDate"] - described["LastChangedDate"]).days
    assert 29 <= window <= 30 and deleted["DeletionDate"] == described["DeletedDate"]
    for call, kwargs in ((sm.get_secret_value, {}), (sm.put_secret_value, {"SecretString": "y"}),
                         (sm.update_secret, {"Description": "d"}), (sm.delete_secret, {})):
        assert _error(call, SecretId="gone", **kwargs) == {"Code": "InvalidRequestException", "Message": MARKED}
    assert _error(sm.create_secret, Name="gone", SecretString="x") == {
        "Code": "InvalidRequestException",
        "Message": "You can't create this secret because a secret with this name is already scheduled for deletion."}
    assert "gone" not in [s["Name"] for s in sm.list_secrets()["SecretList"]]
    planned = [s for s in sm.list_secrets(IncludePlannedDeletion=True)["SecretList"] if s["Name"] == "gone"]
    assert planned and "DeletedDate" in planned[0]
    assert sm.restore_secret(SecretId="gone")["ARN"] == arn
    assert sm.get_secret_value(SecretId="gone")["SecretString"] == "x"
    assert "DeletedDate" not in sm.describe_secret(SecretId="gone")

    sm.delete_secret(SecretId="gone", RecoveryWindowInDays=7)
    forced = sm.delete_secret(SecretId=arn, ForceDeleteWithoutRecovery=True)  # also while scheduled
    assert forced["ARN"] == arn
    assert _error(sm.describe_secret, SecretId=arn) == {"Code": "ResourceNotFoundException", "Message": NOT_FOUND}
    again = sm.create_secret(Name="gone", SecretString="new")
    assert again["ARN"] != arn and sm.get_secret_value(SecretId="gone")["SecretString"] == "new"


def test_not_found_everywhere(server: Any) -> None:
    sm = _sm(server)
    for call, kwargs in ((sm.get_secret_value, {}), (sm.describe_secret, {}), (sm.list_secret_version_ids, {}),
                         (sm.put_secret_value, {"SecretString": "x"}), (sm.update_secret, {"Description": "d"}),
                         (sm.delete_secret, {}), (sm.restore_secret, {}), (sm.tag_resource, {"Tags": []}),
                         (sm.untag_resource, {"TagKeys": ["k"]}), (sm.get_resource_policy, {}),
                         (sm.put_resource_policy, {"ResourcePolicy": "{}"}), (sm.delete_resource_policy, {})):
        assert _error(call, SecretId="nope", **kwargs) == {"Code": "ResourceNotFoundException", "Message": NOT_FOUND}
    other_arn = "arn:aws:secretsmanager:us-east-1:999999999999:secret:nope-AbCdEf"
    assert _error(sm.describe_secret, SecretId=other_arn)["Code"] == "ResourceNotFoundException"


def test_tags(server: Any) -> None:
    sm = _sm(server)
    sm.create_secret(Name="t", SecretString="x", Tags=[{"Key": "a", "Value": "1"}])
    sm.tag_resource(SecretId="t", Tags=[{"Key": "b", "Value": "2"}, {"Key": "a", "Value": "3"}])
    assert sm.describe_secret(SecretId="t")["Tags"] == [{"Key": "a", "Value": "3"}, {"Key": "b", "Value": "2"}]
    sm.untag_resource(SecretId="t", TagKeys=["a", "missing"])
    assert sm.describe_secret(SecretId="t")["Tags"] == [{"Key": "b", "Value": "2"}]
    too_many = [{"Key": f"k{i}", "Value": "v"} for i in range(50)]
    assert _error(sm.tag_resource, SecretId="t", Tags=too_many)["Code"] == "InvalidParameterException"
    assert sm.describe_secret(SecretId="t")["Tags"] == [{"Key": "b", "Value": "2"}]  # nothing changed
    assert _error(sm.tag_resource, SecretId="t", Tags=[{"Key": "no-value"}])["Code"] == "InvalidParameterException"
    assert _error(sm.create_secret, Name="t2", Tags=[{"Value": "no-key"}])["Code"] == "InvalidParameterException"


def test_resource_policies(server: Any) -> None:
    sm = _sm(server)
    arn = sm.create_secret(Name="p", SecretString="x")["ARN"]
    assert "ResourcePolicy" not in sm.get_resource_policy(SecretId="p")
    policy = json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::222222222222:root"},
        "Action": "secretsmanager:GetSecretValue", "Resource": "*"}]})
    put = sm.put_resource_policy(SecretId="p", ResourcePolicy=policy)
    assert (put["ARN"], put["Name"]) == (arn, "p")
    got = sm.get_resource_policy(SecretId=arn)
    assert json.loads(got["ResourcePolicy"]) == json.loads(policy) and got["Name"] == "p"
    public = json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": "*", "Action": "secretsmanager:*", "Resource": "*"}]})
    assert _error(sm.put_resource_policy, SecretId="p", ResourcePolicy=public, BlockPublicPolicy=True)["Code"] == \
        "PublicPolicyException"
    assert _error(sm.put_resource_policy, SecretId="p", ResourcePolicy="{not json")["Code"] == \
        "MalformedPolicyDocumentException"
    assert sm.validate_resource_policy(ResourcePolicy=policy)["PolicyValidationPassed"] is True
    broad = sm.validate_resource_policy(ResourcePolicy=public)
    assert broad["PolicyValidationPassed"] is False and broad["ValidationErrors"][0]["CheckName"] == "BROAD_ACCESS_CHECK"
    checked = sm.validate_resource_policy(SecretId="p", ResourcePolicy=json.dumps({"Statement": [{"Effect": "Maybe"}]}))
    assert checked["PolicyValidationPassed"] is False and checked["ValidationErrors"]
    assert _error(sm.put_resource_policy, SecretId="p", ResourcePolicy=policy, PolicyName="other")["Code"] == \
        "InvalidParameterException"
    assert sm.get_resource_policy(SecretId="p", PolicyName="default")["ResourcePolicy"]
    deleted = sm.delete_resource_policy(SecretId="p")
    assert deleted["Name"] == "p" and "ResourcePolicy" not in sm.get_resource_policy(SecretId="p")


def test_batch_get_secret_value(server: Any) -> None:
    sm = _sm(server)
    sm.create_secret(Name="b1", SecretString="one")
    sm.create_secret(Name="b2", SecretString="two")
    got = sm.batch_get_secret_value(SecretIdList=["b1", "b2", "missing"])
    assert sorted(v["SecretString"] for v in got["SecretValues"]) == ["one", "two"]
    assert got["Errors"] == [{"SecretId": "missing", "ErrorCode": "ResourceNotFoundException", "Message": NOT_FOUND}]
    filtered = sm.batch_get_secret_value(Filters=[{"Key": "name", "Values": ["b2"]}])
    assert [v["Name"] for v in filtered["SecretValues"]] == ["b2"]
    assert _error(sm.batch_get_secret_value, SecretIdList=["b1"], Filters=[{"Key": "name", "Values": ["b"]}])[
        "Code"] == "InvalidParameterException"


def test_get_random_password(server: Any) -> None:
    sm = _sm(server)
    password = sm.get_random_password()["RandomPassword"]
    assert len(password) == 32 and " " not in password
    digits = sm.get_random_password(PasswordLength=12, ExcludeLowercase=True, ExcludeUppercase=True,
                                    ExcludePunctuation=True)["RandomPassword"]
    assert len(digits) == 12 and digits.isdigit()
    assert _error(sm.get_random_password, PasswordLength=3) == {
        "Code": "InvalidParameterException", "Message": "Password length is too short based on the required types."}
    assert _error(sm.get_random_password, PasswordLength=4097)["Code"] == "ValidationException"


def test_rotation_without_a_function_is_refused(server: Any) -> None:
    sm = _sm(server)
    sm.create_secret(Name="r", SecretString="x")
    err = _error(sm.rotate_secret, SecretId="r")
    assert err["Code"] == "InvalidRequestException" and "Lambda function ARN" in err["Message"]
    err = _error(sm.rotate_secret, SecretId="r", RotationLambdaARN="arn:aws:lambda:us-east-1:123456789012:function:f")
    assert err["Code"] == "AccessDeniedException"
    assert _error(sm.cancel_rotate_secret, SecretId="r")["Code"] == "InvalidRequestException"
    assert sm.describe_secret(SecretId="r")["RotationEnabled"] is False


def test_another_account_reaches_a_secret_only_through_its_policy(server: Any) -> None:
    owner, other = "333333333333", "444444444444"
    sm_a, sm_b = _sm(server, owner), _sm(server, other)
    arn = sm_a.create_secret(Name=f"shared-{uuid.uuid4().hex[:6]}", SecretString="for b")["ARN"]
    err = _error(sm_b.get_secret_value, SecretId=arn)
    assert err["Code"] == "AccessDeniedException"
    assert err["Message"] == (f"User: arn:aws:iam::{other}:root is not authorized to perform: "
                              f"secretsmanager:GetSecretValue on resource: {arn} because no resource-based policy "
                              f"allows the secretsmanager:GetSecretValue action")
    assert _error(sm_b.get_secret_value, SecretId=ARN.match(arn).group(2))["Code"] == "ResourceNotFoundException"  # type: ignore[union-attr]
    sm_a.put_resource_policy(SecretId=arn, ResourcePolicy=json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{other}:root"},
        "Action": "secretsmanager:GetSecretValue", "Resource": "*"}]}))
    assert sm_b.get_secret_value(SecretId=arn)["SecretString"] == "for b"
    assert _error(sm_b.put_secret_value, SecretId=arn, SecretString="no")["Code"] == "AccessDeniedException"
    assert sm_a.get_secret_value(SecretId=arn)["SecretString"] == "for b"


def test_concurrent_puts_leave_one_current_and_one_previous(server: Any) -> None:
    from concurrent.futures import ThreadPoolExecutor

    account = str(uuid.uuid4().int)[:12].rjust(12, "1")
    _sm(server, account).create_secret(Name="busy", SecretString="v0")

    def put(i: int) -> str:
        return str(_sm(server, account).put_secret_value(SecretId="busy", SecretString=f"v{i}")["VersionId"])

    with ThreadPoolExecutor(8) as pool:
        made = list(pool.map(put, range(1, 17)))
    versions = _sm(server, account).list_secret_version_ids(SecretId="busy", IncludeDeprecated=True)["Versions"]
    labels = [stage for v in versions for stage in v.get("VersionStages", [])]
    assert sorted(labels) == ["AWSCURRENT", "AWSPREVIOUS"]
    current = _sm(server, account).get_secret_value(SecretId="busy")
    assert current["VersionId"] in made
