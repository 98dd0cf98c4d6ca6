"""AWS STS: who the caller is, and temporary credentials (AssumeRole, GetSessionToken,
AssumeRoleWithWebIdentity) that every node of the store accepts until they expire."""

from __future__ import annotations

import json
import math
import re
import zlib
from typing import Any

from eventyard.core import clock, sealed
from eventyard.core.access_keys import TEMPORARY_PREFIX, account_of_access_key_id
from eventyard.core.errors import ServiceError
from eventyard.core.identity import DEFAULT_ACCOUNT, Identity, RequestContext, account_for_access_key, root_arn
from eventyard.services._operations import OperationTable
from eventyard.services.sts import trust
from eventyard.services.sts.credentials import (
    AUTHORIZATION_MESSAGE,
    IamDirectory,
    IssuedCredentials,
    ServerKey,
    SessionCredentials,
    SessionTokens,
    StoreIamDirectory,
)
from eventyard.services.sts.web_identity import WebIdentityIssuer, verify
from eventyard.store import Store
from eventyard.store.iam import IamRole

_ROLE_ARN = re.compile(r"^arn:aws[\w-]*:iam::(\d{12}):role/(?:[\x21-\x7e]*/)?([\w+=,.@-]{1,64})$")
_ASSUMED_ROLE_ARN = re.compile(r"^arn:aws[\w-]*:sts::(\d{12}):assumed-role/([\w+=,.@-]+)/")
DEFAULT_ROLE_SESSION_S = 3600
DEFAULT_SESSION_TOKEN_S = 43200
ROOT_SESSION_TOKEN_MAX_S = 3600  # the account's root gets at most an hour, silently
ROLE_CHAINING_MAX_S = 3600
SESSION_POLICY_MAX_CHARS = 2048
PACKED_POLICY_LIMIT = 1024  # bytes of compressed session policy and tags that make 100 %


def _access_denied(message: str) -> ServiceError:
    return ServiceError("AccessDenied", message)


def _validation(message: str) -> ServiceError:
    return ServiceError("ValidationError", message)


class StsService:
    def __init__(self, store: Store, directory: IamDirectory | None = None) -> None:
        self.store = store
        self.directory: IamDirectory = directory or StoreIamDirectory(store)
        self.server_key = ServerKey(store)
        self.tokens = SessionTokens(self.server_key)
        self.credentials = IssuedCredentials(self.directory, self.tokens)
        # --auth iam: trust policies decide who may assume a role
        self.enforce_trust = False
        # the command line's keys (key id -> account), for GetAccessKeyInfo
        self.root_keys: dict[str, str] = {}
        self.web_identity_issuers: dict[str, WebIdentityIssuer] = {}

    # -- who is calling --------------------------------------------------------------
    def caller(self, ctx: RequestContext) -> Identity:
        """The calling principal as far as STS needs it (in-process calls act as root)."""
        arn = ctx.principal_arn
        if arn is None or arn == root_arn(ctx.account):
            return Identity.root(ctx.account)
        principal_id = ctx.principal_id or ctx.account
        assumed = _ASSUMED_ROLE_ARN.match(arn)
        if assumed:
            session = arn[assumed.end():]
            return Identity(ctx.account, "assumed-role", arn, principal_id, name=assumed.group(2), session_name=session)
        return Identity(ctx.account, "user", arn, principal_id, name=arn.rsplit("/", 1)[-1])

    async def get_caller_identity(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        me = self.caller(ctx)
        return {"UserId": me.principal_id, "Account": me.account, "Arn": me.arn}

    async def get_access_key_info(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        key_id = params["AccessKeyId"]
        account = self.root_keys.get(key_id)
        if account is None:
            found = await self.directory.access_key(key_id)
            account = found.account_id if found is not None else None
        if account is None:
            account = account_of_access_key_id(key_id)
        if account is None:
            account = account_for_access_key(key_id) if key_id.isdigit() else DEFAULT_ACCOUNT
        return {"Account": account}

    # -- temporary credentials ---------------------------------------------------------
    async def get_session_token(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        if _uses_session(ctx):
            raise _access_denied("Cannot call GetSessionToken with session credentials")
        me = self.caller(ctx)
        duration = params.get("DurationSeconds", DEFAULT_SESSION_TOKEN_S)
        if me.kind == "root":
            duration = min(duration, ROOT_SESSION_TOKEN_MAX_S)
        issued = await self.tokens.issue(me, duration, "GetSessionToken")
        return {"Credentials": issued.as_wire()}

    async def assume_role(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        me = self.caller(ctx)
        role_arn, session_name = params["RoleArn"], params["RoleSessionName"]
        policy = _session_policy(params)
        not_authorized = f"User: {me.arn} is not authorized to perform: sts:AssumeRole on resource: {role_arn}"
        if self.enforce_trust and me.kind == "root":
            raise _access_denied("Roles may not be assumed by root accounts.")
        role = await self._role(role_arn)
        if role is None:
            raise _access_denied(not_authorized)
        if self.enforce_trust:
            if me.kind == "assumed-role" and me.role_arn is None and me.name:
                me = await self._with_role_arn(me)
            context: dict[str, Any] = {"sts:RoleSessionName": session_name}
            if "ExternalId" in params:
                context["sts:ExternalId"] = params["ExternalId"]
            if "SourceIdentity" in params:
                context["sts:SourceIdentity"] = params["SourceIdentity"]
            for tag in params.get("Tags", []):
                context[f"aws:RequestTag/{tag['Key']}"] = tag["Value"]
            if params.get("Tags"):
                context["aws:TagKeys"] = [tag["Key"] for tag in params["Tags"]]
            if not trust.trusts(role.trust_policy, me, "sts:AssumeRole", role.arn, context):
                raise _access_denied(not_authorized)
        duration = params.get("DurationSeconds", DEFAULT_ROLE_SESSION_S)
        if me.kind == "assumed-role" and duration > ROLE_CHAINING_MAX_S:
            raise _validation("The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by "
                              "role chaining.")
        answer = await self._role_session(role, session_name, policy, duration, "AssumeRole", params)
        if "SourceIdentity" in params:
            answer["SourceIdentity"] = params["SourceIdentity"]
        return answer

    async def assume_role_with_web_identity(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        token = verify(params["WebIdentityToken"], self.web_identity_issuers, int(clock.epoch()))
        policy = _session_policy(params)
        role_arn, session_name = params["RoleArn"], params["RoleSessionName"]
        role = await self._role(role_arn)
        denied = _access_denied("Not authorized to perform sts:AssumeRoleWithWebIdentity")
        if role is None:
            raise denied
        if self.enforce_trust:
            provider = token.issuer.host_path
            names = (f"arn:aws:iam::{role.account_id}:oidc-provider/{provider}", provider)
            context: dict[str, Any] = {f"{provider}:aud": token.audience, f"{provider}:sub": token.subject,
                                       "sts:RoleSessionName": session_name}
            amr = token.claims.get("amr")
            if isinstance(amr, list):
                context[f"{provider}:amr"] = [str(a) for a in amr]
            if not trust.trusts_federated(role.trust_policy, names, "sts:AssumeRoleWithWebIdentity", role.arn, context):
                raise denied
        duration = params.get("DurationSeconds", DEFAULT_ROLE_SESSION_S)
        answer = await self._role_session(role, session_name, policy, duration, "AssumeRoleWithWebIdentity", params)
        answer.update(SubjectFromWebIdentityToken=token.subject, Provider=str(token.claims.get("iss")),
                      Audience=token.audience)
        return answer

    async def session_for_role(self, role_arn: str, session_name: str,
                               duration_s: int = DEFAULT_ROLE_SESSION_S) -> SessionCredentials:
        """A session of a role for eventyard's own use (a function runs with its execution
        role's credentials, as Lambda hands them over): no caller, no trust policy; the
        role must exist. Raises AccessDenied as AssumeRole would for a missing role."""
        role = await self._role(role_arn)
        if role is None:
            raise _access_denied(f"Not authorized to perform sts:AssumeRole on resource: {role_arn}")
        arn = f"arn:aws:sts::{role.account_id}:assumed-role/{role.role_name}/{session_name}"
        identity = Identity(role.account_id, "assumed-role", arn, f"{role.role_id}:{session_name}",
                            name=role.role_name, role_arn=role.arn, session_name=session_name)
        return await self.tokens.issue(identity, min(duration_s, role.max_session_duration), "AssumeRole")

    async def _role(self, role_arn: str) -> IamRole | None:
        parsed = _ROLE_ARN.match(role_arn)
        if parsed is None:
            raise _validation("Request ARN is invalid")  # AWS, recorded
        role = await self.directory.role(parsed.group(1), parsed.group(2))
        # the ARN must name the role with its path, as IAM made it
        return role if role is not None and role.arn == role_arn else None

    async def _with_role_arn(self, me: Identity) -> Identity:
        role = await self.directory.role(me.account, me.name or "")
        if role is None:
            return me
        return Identity(me.account, me.kind, me.arn, me.principal_id, me.name, role.arn, me.session_name,
                        me.session_policy, me.session_tags)

    async def _role_session(self, role: IamRole, session_name: str, policy: str | None, duration: int,
                            issued_by: str, params: dict[str, Any]) -> dict[str, Any]:
        if duration > role.max_session_duration:
            raise _validation("The requested DurationSeconds exceeds the MaxSessionDuration set for this role.")
        packed = _packed_policy_size(policy, params.get("PolicyArns", []), params.get("Tags", []))
        if packed is not None and packed > 100:
            raise ServiceError("PackedPolicyTooLargeException",
                               f"Packed policy consumes {packed}% of allotted space, please use smaller policy.")
        arn = f"arn:aws:sts::{role.account_id}:assumed-role/{role.role_name}/{session_name}"
        assumed_id = f"{role.role_id}:{session_name}"
        tags = tuple((tag["Key"], tag["Value"]) for tag in params.get("Tags", []))
        identity = Identity(role.account_id, "assumed-role", arn, assumed_id, name=role.role_name, role_arn=role.arn,
                            session_name=session_name, session_policy=policy, session_tags=tags)
        issued = await self.tokens.issue(identity, duration, issued_by)
        answer: dict[str, Any] = {"Credentials": issued.as_wire(),
                                  "AssumedRoleUser": {"AssumedRoleId": assumed_id, "Arn": arn}}
        if packed is not None:
            answer["PackedPolicySize"] = packed
        return answer

    # -- encoded authorization messages -----------------------------------------------
    async def encode_authorization_message(self, decision: dict[str, Any]) -> str:
        """An opaque, signed blob of a denial's decision context (AWS's ``allowed``,
        ``explicitDeny``, ``matchedStatements``, ``failures``, ``context`` ...), which
        ``DecodeAuthorizationMessage`` turns back into its JSON on any node of the store."""
        return sealed.seal(decision, await self.server_key.for_purpose(AUTHORIZATION_MESSAGE), AUTHORIZATION_MESSAGE)

    async def decode_authorization_message(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        key = await self.server_key.for_purpose(AUTHORIZATION_MESSAGE)
        decision = sealed.unseal(params["EncodedMessage"], key, AUTHORIZATION_MESSAGE)
        if decision is None:
            raise ServiceError("InvalidAuthorizationMessageException", "The encoded message provided is invalid.")
        return {"DecodedMessage": json.dumps(decision, separators=(",", ":"))}


def _uses_session(ctx: RequestContext) -> bool:
    """Whether the caller signed with temporary credentials: their key ids are ASIA...,
    and with signatures checked no other key id of that kind gets in."""
    return bool(ctx.access_key and ctx.access_key.startswith(TEMPORARY_PREFIX))


def _session_policy(params: dict[str, Any]) -> str | None:
    policy = params.get("Policy")
    if policy is None:
        return None
    if len(policy) > SESSION_POLICY_MAX_CHARS:
        raise _validation("1 validation error detected: Value at 'policy' failed to satisfy constraint: Member must "
                          f"have length less than or equal to {SESSION_POLICY_MAX_CHARS}")
    try:
        document = json.loads(policy)
    except (ValueError, RecursionError):
        raise ServiceError("MalformedPolicyDocumentException", "The policy is not in the valid JSON format.") from None
    if not isinstance(document, dict):
        raise ServiceError("MalformedPolicyDocumentException", "The policy is not in the valid JSON format.")
    return policy


def _packed_policy_size(policy: str | None, policy_arns: list[dict[str, Any]],
                        tags: list[dict[str, Any]]) -> int | None:
    """AWS's percentage of the packed (compressed) room for session policies and tags;
    None when the request carries neither."""
    if policy is None and not policy_arns and not tags:
        return None
    parts = [json.dumps(json.loads(policy), separators=(",", ":")) if policy else ""]
    parts += [str(p.get("arn", "")) for p in policy_arns]
    parts += [f"{t['Key']}={t['Value']}" for t in tags]
    packed = len(zlib.compress("\n".join(parts).encode(), 9))
    return max(1, math.ceil(packed * 100 / PACKED_POLICY_LIMIT))


# Every STS operation eventyard serves, and the method serving it.
OPERATIONS: OperationTable = {
    "AssumeRole": StsService.assume_role,
    "AssumeRoleWithWebIdentity": StsService.assume_role_with_web_identity,
    "DecodeAuthorizationMessage": StsService.decode_authorization_message,
    "GetAccessKeyInfo": StsService.get_access_key_info,
    "GetCallerIdentity": StsService.get_caller_identity,
    "GetSessionToken": StsService.get_session_token,
}
