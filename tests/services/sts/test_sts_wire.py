"""STS through a real ``eventyard serve`` process: boto3, raw XML and the AWS CLI, in
dev mode and with signatures checked (credentials from the command line)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import botocore.auth
import httpx
import pytest
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

from _clients import client
from _sts import hs256_jwt, with_credentials

AKID, SECRET, ACCOUNT = "AKIDSTSWIREEXAMPLE", "wire-secret", "210987654321"
NS = "{https://sts.amazonaws.com/doc/2011-06-15/}"
AWS_CLI = str(Path(sys.executable).with_name("aws"))


@pytest.fixture(scope="module")
def signed_server(make_server):
    return make_server(extra_args=["--auth", "sigv4", "--access-keys", f"{AKID}:{SECRET}:{ACCOUNT}",
                                   "--web-identity", "https://issuer.example.com|hs256:jwt-secret|my-app"])


def _signed_sts(server, akid=AKID, secret=SECRET, raw=False):
    c = client("sts", server.url, secret=secret, raw=raw)
    c._request_signer._credentials = Credentials(akid, secret)
    return c


def _code(exc: pytest.ExceptionInfo[ClientError]) -> tuple[str, int, str]:
    err = exc.value.response
    return err["Error"]["Code"], err["ResponseMetadata"]["HTTPStatusCode"], err["Error"]["Message"]


# -- GetCallerIdentity --------------------------------------------------------------
def test_dev_mode_caller_is_the_root_of_the_keys_account(server):
    who = client("sts", server.url, account="123456789012").get_caller_identity()
    assert (who["Account"], who["UserId"], who["Arn"]) == ("123456789012", "123456789012",
                                                           "arn:aws:iam::123456789012:root")
    anyone = client("sts", server.url, account="not-an-account").get_caller_identity()
    assert anyone["Arn"] == "arn:aws:iam::000000000000:root"


def test_signed_caller_is_the_root_of_its_keys_account(signed_server):
    who = _signed_sts(signed_server).get_caller_identity()
    assert (who["Account"], who["UserId"], who["Arn"]) == (ACCOUNT, ACCOUNT, f"arn:aws:iam::{ACCOUNT}:root")


def test_signed_caller_with_a_wrong_secret_or_unknown_key_is_refused(signed_server):
    with pytest.raises(ClientError) as exc:
        _signed_sts(signed_server, secret="wrong").get_caller_identity()
    assert _code(exc)[:2] == ("SignatureDoesNotMatch", 403)
    with pytest.raises(ClientError) as exc:
        _signed_sts(signed_server, akid="AKIAY34FZKBOKMUTVV7A").get_caller_identity()
    assert _code(exc) == ("InvalidClientTokenId", 403, "The security token included in the request is invalid.")


def test_get_caller_identity_answers_xml_as_aws_writes_it(signed_server):
    req = AWSRequest(method="POST", url=signed_server.url + "/", data="Action=GetCallerIdentity&Version=2011-06-15",
                     headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
    botocore.auth.SigV4Auth(Credentials(AKID, SECRET), "sts", "us-east-1").add_auth(req)
    r = httpx.post(req.url, headers=dict(req.headers), content=req.body, timeout=10)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/xml")
    root = ET.fromstring(r.text)
    assert root.tag == f"{NS}GetCallerIdentityResponse"
    result = root.find(f"{NS}GetCallerIdentityResult")
    assert result is not None
    assert [child.tag[len(NS):] for child in result] == ["UserId", "Account", "Arn"]
    assert result.findtext(f"{NS}Arn") == f"arn:aws:iam::{ACCOUNT}:root"
    assert root.findtext(f"{NS}ResponseMetadata/{NS}RequestId")


def test_the_aws_cli_reads_get_caller_identity(signed_server, tmp_path):
    env = {**os.environ, "AWS_ACCESS_KEY_ID": AKID, "AWS_SECRET_ACCESS_KEY": SECRET, "AWS_DEFAULT_REGION": "us-east-1",
           "AWS_CONFIG_FILE": str(tmp_path / "config"), "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "creds")}
    env.pop("AWS_SESSION_TOKEN", None)
    out = subprocess.run([AWS_CLI, "sts", "get-caller-identity", "--endpoint-url", signed_server.url, "--output",
                          "json"], env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == {"UserId": ACCOUNT, "Account": ACCOUNT, "Arn": f"arn:aws:iam::{ACCOUNT}:root"}


# -- GetSessionToken (the credentials' life is tested in test_sts_credentials.py) -------
def test_get_session_token_credentials_name_the_same_caller(signed_server):
    sts = _signed_sts(signed_server)
    creds = sts.get_session_token()["Credentials"]
    assert creds["AccessKeyId"].startswith("ASIA") and len(creds["AccessKeyId"]) == 20
    assert len(creds["SecretAccessKey"]) == 40 and creds["SessionToken"]
    temp = with_credentials("sts", signed_server.url, creds)
    assert temp.get_caller_identity()["Arn"] == f"arn:aws:iam::{ACCOUNT}:root"
    assert sts.get_access_key_info(AccessKeyId=creds["AccessKeyId"])["Account"] == ACCOUNT


@pytest.mark.parametrize("seconds,constraint", [
    (899, "Member must have value greater than or equal to 900"),
    (129601, "Member must have value less than or equal to 129600"),
])
def test_get_session_token_duration_is_bounded(signed_server, seconds, constraint):
    with pytest.raises(ClientError) as exc:
        _signed_sts(signed_server, raw=True).get_session_token(DurationSeconds=seconds)
    assert _code(exc) == ("ValidationError", 400, f"1 validation error detected: Value '{seconds}' at "
                                                  f"'durationSeconds' failed to satisfy constraint: {constraint}")


# -- AssumeRole without IAM: the role does not exist ------------------------------------
def test_assume_role_of_a_missing_role_is_denied_as_aws_words_it(signed_server):
    arn = f"arn:aws:iam::{ACCOUNT}:role/nobody"
    with pytest.raises(ClientError) as exc:
        _signed_sts(signed_server).assume_role(RoleArn=arn, RoleSessionName="s1")
    assert _code(exc) == ("AccessDenied", 403, f"User: arn:aws:iam::{ACCOUNT}:root is not authorized to perform: "
                                               f"sts:AssumeRole on resource: {arn}")


@pytest.mark.parametrize("name,constraint", [
    ("a", "Member must have length greater than or equal to 2"),
    ("x" * 65, "Member must have length less than or equal to 64"),
    ("has space", r"Member must satisfy regular expression pattern: [\w+=,.@-]*"),
])
def test_role_session_name_is_checked(signed_server, name, constraint):
    with pytest.raises(ClientError) as exc:
        _signed_sts(signed_server, raw=True).assume_role(RoleArn=f"arn:aws:iam::{ACCOUNT}:role/r",
                                                               RoleSessionName=name)
    assert _code(exc) == ("ValidationError", 400, f"1 validation error detected: Value '{name}' at "
                                                  f"'roleSessionName' failed to satisfy constraint: {constraint}")


def test_assume_role_duration_below_fifteen_minutes_is_refused(signed_server):
    with pytest.raises(ClientError) as exc:
        _signed_sts(signed_server, raw=True).assume_role(
            RoleArn=f"arn:aws:iam::{ACCOUNT}:role/r", RoleSessionName="s1", DurationSeconds=60)
    assert _code(exc)[:2] == ("ValidationError", 400)
    assert "Member must have value greater than or equal to 900" in _code(exc)[2]


# -- AssumeRoleWithWebIdentity: unsigned, checked against the configured issuer ------------
def _unsigned_sts(server):
    from botocore import UNSIGNED
    from botocore.config import Config
    import boto3

    return boto3.session.Session().client("sts", endpoint_url=server.url, region_name="us-east-1",
                                          config=Config(signature_version=UNSIGNED, retries={"max_attempts": 1}))


def test_web_identity_of_an_unknown_issuer_is_refused(signed_server):
    token = hs256_jwt({"iss": "https://elsewhere.example", "aud": "my-app", "sub": "u", "exp": 4102444800}, "x")
    with pytest.raises(ClientError) as exc:
        _unsigned_sts(signed_server).assume_role_with_web_identity(
            RoleArn=f"arn:aws:iam::{ACCOUNT}:role/web", RoleSessionName="web", WebIdentityToken=token)
    assert _code(exc) == ("InvalidIdentityToken", 400,
                          "No OpenIDConnect provider found in your account for https://elsewhere.example")


@pytest.mark.parametrize("claims,secret,code,message", [
    ({"aud": "my-app", "exp": 4102444800}, "wrong-secret", "InvalidIdentityToken",
     "The web identity token that was passed could not be validated by AWS. Get a new identity token from the "
     "identity provider and then retry the request."),
    ({"aud": "other-app", "exp": 4102444800}, "jwt-secret", "InvalidIdentityToken", "Incorrect token audience"),
    ({"aud": "my-app", "exp": 1000}, "jwt-secret", "ExpiredTokenException", "Token expired: current date/time "),
])
def test_web_identity_tokens_are_verified(signed_server, claims, secret, code, message):
    token = hs256_jwt({"iss": "https://issuer.example.com", "sub": "u", **claims}, secret)
    with pytest.raises(ClientError) as exc:
        _unsigned_sts(signed_server).assume_role_with_web_identity(
            RoleArn=f"arn:aws:iam::{ACCOUNT}:role/web", RoleSessionName="web", WebIdentityToken=token)
    got_code, status, got_message = _code(exc)
    assert (got_code, status) == (code, 400) and got_message.startswith(message)


def test_web_identity_for_a_missing_role_is_denied(signed_server):
    token = hs256_jwt({"iss": "https://issuer.example.com", "aud": "my-app", "sub": "u", "exp": 4102444800},
                      "jwt-secret")
    with pytest.raises(ClientError) as exc:
        _unsigned_sts(signed_server).assume_role_with_web_identity(
            RoleArn=f"arn:aws:iam::{ACCOUNT}:role/web", RoleSessionName="web", WebIdentityToken=token)
    assert _code(exc) == ("AccessDenied", 403, "Not authorized to perform sts:AssumeRoleWithWebIdentity")


def test_a_garbage_web_identity_token_is_not_a_jwt(server):
    with pytest.raises(ClientError) as exc:
        _unsigned_sts(server).assume_role_with_web_identity(
            RoleArn=f"arn:aws:iam::{ACCOUNT}:role/web", RoleSessionName="web", WebIdentityToken="not-a-jwt")
    assert _code(exc)[:2] == ("InvalidIdentityToken", 400)


# -- the rest of STS ------------------------------------------------------------------
@pytest.mark.parametrize("key_id,account", [
    (AKID, ACCOUNT),
    ("ASIAY34FZKBOKMUTVV7A", "609629065308"),  # AWS's encoding of the account in the key id
    ("NOTANAWSKEYATALL1", "000000000000"),
])
def test_get_access_key_info(signed_server, key_id, account):
    assert _signed_sts(signed_server).get_access_key_info(AccessKeyId=key_id)["Account"] == account


def test_decode_authorization_message_refuses_what_eventyard_did_not_encode(signed_server):
    with pytest.raises(ClientError) as exc:
        _signed_sts(signed_server).decode_authorization_message(EncodedMessage="bm90IGEgbWVzc2FnZQ")
    assert _code(exc)[:2] == ("InvalidAuthorizationMessageException", 400)


def test_an_sts_operation_eventyard_lacks_answers_in_xml(signed_server):
    with pytest.raises(ClientError) as exc:
        _signed_sts(signed_server).get_federation_token(Name="fed-user")
    assert _code(exc)[:2] == ("NotImplemented", 501)


def test_an_unknown_sts_action_answers_in_xml(signed_server):
    req = AWSRequest(method="POST", url=signed_server.url + "/", data="Action=NoSuchThing&Version=2011-06-15",
                     headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
    botocore.auth.SigV4Auth(Credentials(AKID, SECRET), "sts", "us-east-1").add_auth(req)
    r = httpx.post(req.url, headers=dict(req.headers), content=req.body, timeout=10)
    assert r.status_code == 400 and r.headers["content-type"].startswith("text/xml")
    assert ET.fromstring(r.text).findtext(f"{NS}Error/{NS}Code") == "InvalidAction"


def test_a_service_eventyard_lacks_answers_its_query_client_in_xml(server):
    # IAM speaks query/XML like STS; botocore must be able to read the refusal
    with pytest.raises(ClientError) as exc:
        client("cloudsearch", server.url).describe_domains()
    assert _code(exc)[:2] == ("InvalidAction", 400)


def test_a_role_arn_that_is_no_role_arn_is_refused(signed_server):
    with pytest.raises(ClientError) as exc:
        _signed_sts(signed_server).assume_role(RoleArn=f"arn:aws:iam::{ACCOUNT}:user/not-a-role", RoleSessionName="s1")
    assert _code(exc) == ("ValidationError", 400, "Request ARN is invalid")


def test_sts_errors_are_xml_without_a_detail_element(signed_server):
    req = AWSRequest(method="POST", url=signed_server.url + "/",
                     data=f"Action=AssumeRole&Version=2011-06-15&RoleArn=arn:aws:iam::{ACCOUNT}:role/x&RoleSessionName=s1",
                     headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
    botocore.auth.SigV4Auth(Credentials(AKID, SECRET), "sts", "us-east-1").add_auth(req)
    r = httpx.post(req.url, headers=dict(req.headers), content=req.body, timeout=10)
    assert r.status_code == 403
    root = ET.fromstring(r.text)
    assert root.tag == f"{NS}ErrorResponse"
    assert [child.tag[len(NS):] for child in root.find(f"{NS}Error")] == ["Type", "Code", "Message"]
    assert root.findtext(f"{NS}Error/{NS}Type") == "Sender" and root.findtext(f"{NS}RequestId")


def test_a_session_issued_by_one_node_works_on_another(fresh_postgres_url, tmp_path):
    """Two server processes on one PostgreSQL store: each opens the other's session tokens."""
    from _server import ServerProcess

    args = ["--auth", "sigv4", "--access-keys", f"{AKID}:{SECRET}:{ACCOUNT}"]
    nodes = [ServerProcess(fresh_postgres_url, log_path=tmp_path / f"node{i}.log", extra_args=args) for i in (1, 2)]
    try:
        for node in nodes:
            node.start()
        one, two = nodes
        creds = _signed_sts(one).get_session_token(DurationSeconds=900)["Credentials"]
        assert with_credentials("sts", two.url, creds).get_caller_identity()["Arn"] == f"arn:aws:iam::{ACCOUNT}:root"
        back = _signed_sts(two).get_session_token()["Credentials"]
        assert with_credentials("sts", one.url, back).get_caller_identity()["Account"] == ACCOUNT
    finally:
        for node in nodes:
            node.stop()
