"""AWS Secrets Manager: one method per operation (declared in ``OPERATIONS`` below).

A secret is named by its name (in the caller's account and region), its full ARN, or
a partial ARN; another account's secret is reached by ARN only, and only where the
secret's resource policy allows the action. Values are sealed (``sealing.py``) before
they reach the store. ``DeleteSecret`` schedules the deletion: the secret is "marked for
deletion" (refused by value operations, still described and listed on request) until
``RestoreSecret`` or the purge job, a durable job due at the end of the recovery window.
Secrets other services keep here (an EventBridge connection's) carry ``OwningService``
and are changed only through their service.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any, NoReturn, TypeVar

from eventyard.core import clock, policies
from eventyard.core.errors import ServiceError
from eventyard.core.identity import RequestContext
from eventyard.runtime.jobs import Finished, JobRuntime
from eventyard.services import _tagging
from eventyard.services._operations import OperationTable
from eventyard.services._pagination import Page
from eventyard.services.secretsmanager import filters, names, staging
from eventyard.services.secretsmanager.passwords import DEFAULT_LENGTH, random_password
from eventyard.services.secretsmanager.vault import KeyRing, Value, add_version, labels_of, open_value, restage
from eventyard.store import ConflictError, Session, Store
from eventyard.store.jobs import JobRecord, NewJob
from eventyard.store.secrets import SecretRecord, SecretVersionRecord

T = TypeVar("T")

PURGE_JOB = "secretsmanager-purge"
DAY_MS = 86_400_000
DEFAULT_RECOVERY_DAYS = 30
MAX_VALUE_BYTES = 65_536
LIST_LIMIT = 100
DEFAULT_KMS_KEY = "DefaultEncryptionKey"  # what version listings show without a KmsKeyId

NOT_FOUND = "Secrets Manager can't find the specified secret."
MARKED_FOR_DELETION = "You can't perform this operation on the secret because it was marked for deletion."
BOTH_VALUES = "You can't specify both a binary secret value and a string secret value in the same secret."
NO_TOKEN = "You must provide a ClientRequestToken value. We recommend a UUID-type value."
VERSION_EXISTS = "You can't modify an existing version, you can only create a new version."
INVALID_TOKEN = "The NextToken value is invalid."
NO_ROTATION_FUNCTION = ("You tried to enable rotation on a secret that doesn't already have a Lambda function ARN "
                        "configured and you didn't include such an ARN as a parameter in this call.")

# Operations a secret "marked for deletion" still answers
_WHILE_DELETED = frozenset({"DescribeSecret", "ListSecretVersionIds", "RestoreSecret", "GetResourcePolicy",
                            "ValidateResourcePolicy", "DeleteSecret"})
# What only the owning service may do to the secrets it keeps here
_OWNER_SERVICE_ONLY = frozenset({"DeleteSecret", "PutSecretValue", "UpdateSecret", "UpdateSecretVersionStage",
                                 "RotateSecret", "CancelRotateSecret"})
# The policy itself stays open to its own account whatever the policy says (no lock-out)
_POLICY_ADMIN = frozenset({"GetResourcePolicy", "PutResourcePolicy", "DeleteResourcePolicy",
                           "ValidateResourcePolicy"})


def not_found() -> ServiceError:
    return ServiceError("ResourceNotFoundException", NOT_FOUND)


def _seconds(ms: int | None) -> float | None:
    return None if ms is None else ms / 1000



def _principal_arn(ctx: RequestContext) -> str:
    return getattr(ctx, "principal_arn", None) or policies.root_arn(ctx.account)


def _value_of(req: dict[str, Any]) -> Value | None:
    """The SecretString or SecretBinary of a request (refused when both), checked
    against the 65,536-byte limit (botocore's model counts characters)."""
    text, binary = req.get("SecretString"), req.get("SecretBinary")
    if text is not None and binary is not None:
        raise ServiceError("InvalidParameterException", BOTH_VALUES)
    value: Value | None = text if text is not None else binary
    if value is None:
        return None
    size = len(value.encode()) if isinstance(value, str) else len(value)
    if size > MAX_VALUE_BYTES:
        member = "secretString" if isinstance(value, str) else "secretBinary"
        # the value is sensitive: AWS's message leaves it out
        raise ServiceError("ValidationException", f"1 validation error detected: Value at '{member}' failed to satisfy"
                                                  f" constraint: Member must have length less than or equal to"
                                                  f" {MAX_VALUE_BYTES}")
    return value


def _value_members(value: Value) -> dict[str, Any]:
    return {"SecretString": value} if isinstance(value, str) else {"SecretBinary": value}


def _token(req: dict[str, Any]) -> str:
    token = req.get("ClientRequestToken")
    if not token:
        raise ServiceError("InvalidRequestException", NO_TOKEN)
    return str(token)


def _visible(versions: Sequence[SecretVersionRecord]) -> list[SecretVersionRecord]:
    """Versions with labels (the others are deprecated)."""
    return [v for v in versions if v.stages]


class SecretPurge:
    """The job that deletes a secret once its recovery window has passed (unless it was
    restored meanwhile: then the job was cancelled, or finds nothing to do)."""

    def __init__(self, store: Store) -> None:
        self.store = store

    async def run(self, job: JobRecord) -> Finished:
        arn = str(job.payload["arn"])

        def purge(s: Session) -> None:
            s.secrets.lock(arn)  # a RestoreSecret in flight finishes first, or waits for this
            record = s.secrets.by_arn(arn)
            if record is not None and record.deleted_ms is not None and record.deleted_ms <= clock.now_ms():
                s.secrets.delete(arn)
                s.tags.remove_all(arn)

        return Finished(purge)


class SecretsManagerService:
    def __init__(self, store: Store, jobs: JobRuntime, *, data_key: bytes | None = None) -> None:
        self.store = store
        self.jobs = jobs
        self.keys = KeyRing(store, data_key)
        jobs.register(PURGE_JOB, SecretPurge(store))

    # -- finding a secret ----------------------------------------------------------------
    def _secret(self, s: Session, ctx: RequestContext, secret_id: str, *, operation: str) -> SecretRecord:
        """The secret ``secret_id`` names, if the caller may do ``operation`` on it."""
        ref = names.parse_secret_id(secret_id, ctx.account, ctx.region)
        if ref is None or ref.region != ctx.region:
            raise not_found()
        record = s.secrets.by_arn(ref.arn) if ref.arn is not None else None
        if record is None:
            record = s.secrets.get(ref.account, ref.region, ref.name)
        if record is None:
            raise not_found()
        self._check_access(ctx, record, operation)
        if record.deleted_ms is not None and operation not in _WHILE_DELETED:
            raise ServiceError("InvalidRequestException", MARKED_FOR_DELETION)
        if record.owning_service is not None and operation in _OWNER_SERVICE_ONLY:
            raise ServiceError("InvalidRequestException",
                               f"You can't perform this operation on secret {record.name} because it is managed by"
                               f" {record.owning_service}.amazonaws.com. Use the {record.owning_service} service to"
                               f" change it.")
        return record

    def _check_access(self, ctx: RequestContext, record: SecretRecord, operation: str) -> None:
        if ctx.account == record.account_id and not record.policy:
            return
        action = f"secretsmanager:{operation}"
        principal = policies.Principal(account=ctx.account, arn=_principal_arn(ctx))
        request = policies.AccessRequest(principal, action, record.arn)
        parsed = policies.stored_policy(record.policy) if record.policy else None
        if policies.authorize(parsed, request, owner=record.account_id, policy_admin=operation in _POLICY_ADMIN):
            return
        explicit = parsed is not None and policies.evaluate(parsed, request) is policies.Decision.EXPLICIT_DENY
        why = "with an explicit deny in a resource-based policy" if explicit else \
            f"because no resource-based policy allows the {action} action"
        raise ServiceError("AccessDeniedException",
                           f"User: {_principal_arn(ctx)} is not authorized to perform: {action} on resource:"
                           f" {record.arn} {why}")

    async def _read(self, fn: Callable[[Session], T]) -> T:
        return await self.store.read(fn)

    async def _write(self, fn: Callable[[Session], T]) -> T:
        return await self.store.write(fn)

    # -- describing ----------------------------------------------------------------------
    def _description(self, s: Session, record: SecretRecord, *, listing: bool) -> dict[str, Any]:
        out: dict[str, Any] = {"ARN": record.arn, "Name": record.name}
        if record.description is not None:
            out["Description"] = record.description
        if record.kms_key_id:
            out["KmsKeyId"] = record.kms_key_id
        out["RotationEnabled"] = False
        out["LastChangedDate"] = _seconds(record.changed_ms)
        if record.accessed_ms is not None:
            out["LastAccessedDate"] = _seconds(record.accessed_ms)
        if record.deleted_ms is not None:
            out["DeletedDate"] = _seconds(record.deleted_ms)
        tags = s.tags.get(record.arn)
        if tags:
            out["Tags"] = _tagging.as_list(tags)
        stages = {v.version_id: list(v.stages) for v in _visible(s.secrets.versions(record.arn))}
        if stages:
            out["SecretVersionsToStages" if listing else "VersionIdsToStages"] = stages
        if record.owning_service is not None:
            out["OwningService"] = record.owning_service
        out["CreatedDate"] = _seconds(record.created_ms)
        return out

    # -- operations ----------------------------------------------------------------------
    async def create_secret(self, ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
        name: str = req["Name"]
        names.check_name(name)
        value = _value_of(req)
        token = _token(req) if value is not None else None
        if req.get("AddReplicaRegions"):
            raise ServiceError("InvalidRequestException",
                               "Replicating secrets to other Regions is not supported by this Secrets Manager.")
        if req.get("CrossAccountPrimaryARN"):
            raise ServiceError("InvalidRequestException",
                               "Cross-account replica secrets are not supported by this Secrets Manager.")
        _refuse_external_type(req)
        tags = _tags_of(req.get("Tags") or [])
        now = clock.now_ms()

        def create(s: Session) -> dict[str, Any]:
            existing = s.secrets.get(ctx.account, ctx.region, name)
            if existing is not None:
                return self._create_again(s, existing, token, value)
            record = SecretRecord(ctx.account, ctx.region, name, names.secret_arn(ctx.region, ctx.account, name),
                                  req.get("Description"), req.get("KmsKeyId") or None, None, None, now, now,
                                  None, None)
            s.secrets.insert(record)
            if tags:
                s.tags.put(record.arn, tags)
            out: dict[str, Any] = {"ARN": record.arn, "Name": name}
            if value is not None and token is not None:
                add_version(s, self.keys, record, token, value, [staging.CURRENT], now)
                out["VersionId"] = token
            return out

        try:
            return await self._write(create)
        except ConflictError:  # another request created it meanwhile
            raise _exists(name) from None

    def _create_again(self, s: Session, existing: SecretRecord, token: str | None, value: Value | None) -> dict[str, Any]:
        """CreateSecret of a name taken: a retry (same token, same value) answers as the
        first call did; anything else is refused."""
        if existing.deleted_ms is not None:
            raise ServiceError("InvalidRequestException",
                               "You can't create this secret because a secret with this name is already scheduled"
                               " for deletion.")
        if token is not None and value is not None:
            version = s.secrets.version(existing.arn, token)
            if version is not None and open_value(self.keys, version) == value:
                return {"ARN": existing.arn, "Name": existing.name, "VersionId": token}
        raise _exists(existing.name)

    async def get_secret_value(self, ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
        now = clock.now_ms()
        found = await self._read(lambda s: self._value(s, ctx, req["SecretId"], req.get("VersionId"),
                                                       req.get("VersionStage"), "GetSecretValue"))
        record, version, value = found
        await self._mark_accessed(record, version, now)
        return self._value_answer(record, version, value)

    def _value(self, s: Session, ctx: RequestContext, secret_id: str, version_id: str | None, stage: str | None,
               operation: str) -> tuple[SecretRecord, SecretVersionRecord, Value]:
        record = self._secret(s, ctx, secret_id, operation=operation)
        found: SecretVersionRecord | None
        if version_id is not None:
            found = s.secrets.version(record.arn, version_id)
            if found is None:
                raise ServiceError("ResourceNotFoundException",
                                   f"Secrets Manager can't find the specified secret value for VersionId: {version_id}")
            if stage is not None and stage not in found.stages:
                raise ServiceError("InvalidRequestException",
                                   "You provided a VersionStage that is not associated to the provided VersionId.")
        else:
            wanted = stage or staging.CURRENT
            found = next((v for v in s.secrets.versions(record.arn) if wanted in v.stages), None)
            if found is None:
                raise ServiceError("ResourceNotFoundException",
                                   f"Secrets Manager can't find the specified secret value for staging label: {wanted}")
        return record, found, open_value(self.keys, found)

    def _current_value(self, ctx: RequestContext, secret_id: str
                       ) -> Callable[[Session], tuple[SecretRecord, SecretVersionRecord, Value]]:
        return lambda s: self._value(s, ctx, secret_id, None, None, "GetSecretValue")

    @staticmethod
    def _value_answer(record: SecretRecord, version: SecretVersionRecord, value: Value) -> dict[str, Any]:
        out = {"ARN": record.arn, "Name": record.name, "VersionId": version.version_id, **_value_members(value)}
        if version.stages:  # a deprecated version has none
            out["VersionStages"] = list(version.stages)
        out["CreatedDate"] = _seconds(version.created_ms)
        return out

    async def _mark_accessed(self, record: SecretRecord, version: SecretVersionRecord, now: int) -> None:
        """AWS keeps the day of the last access; written once a day at most."""
        day = now - now % DAY_MS
        if version.accessed_ms != day or record.accessed_ms != day:
            await self._write(lambda s: s.secrets.mark_accessed(record.arn, version.version_id, day))

    async def batch_get_secret_value(self, ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
        ids: list[str] | None = req.get("SecretIdList")
        given_filters: list[dict[str, Any]] | None = req.get("Filters")
        if ids and given_filters:
            raise ServiceError("InvalidParameterException",
                               "Either 'SecretIdList' or 'Filters' must be provided, but not both.")
        if req.get("MaxResults") is not None and not given_filters:
            raise ServiceError("InvalidParameterException",
                               "'Filters' not specified. 'Filters' must also be specified when 'MaxResults' is provided.")
        now = clock.now_ms()
        token: str | None = None
        if not ids:
            page = Page(req.get("NextToken"), req.get("MaxResults") or 20, error_code="InvalidNextTokenException",
                        message=INVALID_TOKEN)
            listed = await self._read(lambda s: self._listed(s, ctx, given_filters or [], deleted=False))
            shown, token = page.cut(page.resume(listed, lambda r: r.arn), lambda r: r.arn)
            ids = [r.arn for r in shown]
        values: list[dict[str, Any]] = []
        errors: list[dict[str, Any]] = []
        for secret_id in ids:
            try:
                record, version, value = await self._read(self._current_value(ctx, secret_id))
            except ServiceError as err:
                errors.append({"SecretId": secret_id, "ErrorCode": err.code, "Message": err.message})
                continue
            await self._mark_accessed(record, version, now)
            values.append(self._value_answer(record, version, value))
        out: dict[str, Any] = {"SecretValues": values, "Errors": errors}
        if token is not None:
            out["NextToken"] = token
        return out

    async def put_secret_value(self, ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
        value = _value_of(req)
        if value is None:
            raise ServiceError("InvalidRequestException", "You must provide either SecretString or SecretBinary.")
        token = _token(req)
        stages = sorted(set(req.get("VersionStages") or [staging.CURRENT]))
        now = clock.now_ms()

        def put(s: Session) -> dict[str, Any]:
            record = self._secret(s, ctx, req["SecretId"], operation="PutSecretValue")
            s.secrets.lock(record.arn)  # a concurrent retry of this token waits, then finds the version
            existing = s.secrets.version(record.arn, token)
            if existing is not None:
                if open_value(self.keys, existing) != value:
                    raise ServiceError("ResourceExistsException", VERSION_EXISTS)
                version = existing  # a retry: nothing changes
            else:
                version = add_version(s, self.keys, record, token, value, stages, now)
            return {"ARN": record.arn, "Name": record.name, "VersionId": token, "VersionStages": list(version.stages)}

        return await self._write(put)

    async def update_secret(self, ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
        _refuse_external_type(req)
        value = _value_of(req)
        token = _token(req) if value is not None else None
        now = clock.now_ms()

        def update(s: Session) -> dict[str, Any]:
            record = self._secret(s, ctx, req["SecretId"], operation="UpdateSecret")
            changed = replace(record, changed_ms=now,
                              description=req["Description"] if "Description" in req else record.description,
                              kms_key_id=(req["KmsKeyId"] or None) if "KmsKeyId" in req else record.kms_key_id)
            s.secrets.replace(changed)
            out: dict[str, Any] = {"ARN": record.arn, "Name": record.name}
            if value is not None and token is not None:
                s.secrets.lock(record.arn)
                existing = s.secrets.version(record.arn, token)
                if existing is not None:
                    if open_value(self.keys, existing) != value:
                        raise ServiceError("ResourceExistsException", VERSION_EXISTS)
                else:
                    add_version(s, self.keys, changed, token, value, [staging.CURRENT], now)
                out["VersionId"] = token
            return out

        return await self._write(update)

    async def update_secret_version_stage(self, ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
        stage: str = req["VersionStage"]
        remove_from: str | None = req.get("RemoveFromVersionId")
        move_to: str | None = req.get("MoveToVersionId")
        now = clock.now_ms()

        def update(s: Session) -> dict[str, Any]:
            record = self._secret(s, ctx, req["SecretId"], operation="UpdateSecretVersionStage")
            s.secrets.lock(record.arn)
            before = labels_of(s.secrets.versions(record.arn))
            for version_id in (remove_from, move_to):
                if version_id is not None and version_id not in before:
                    raise ServiceError("InvalidParameterException", f"Not a valid version: {version_id}")
            if remove_from is not None and stage not in before[remove_from]:
                raise ServiceError("InvalidParameterException", f"Version stage {stage} not found in version {remove_from}")
            current = staging.holder(before, stage)
            if move_to is not None and current is not None and current != move_to and current != remove_from:
                raise ServiceError("InvalidParameterException",
                                   f"The parameter RemoveFromVersionId can't be empty. Staging label {stage} is"
                                   f" currently attached to version {current}, so you must explicitly reference that"
                                   f" version in RemoveFromVersionId.")
            if stage == staging.CURRENT and move_to is None:
                raise ServiceError("InvalidParameterException",
                                   "You can't remove the staging label AWSCURRENT from a version without moving it"
                                   " to another version.")
            after = staging.move(before, stage, remove_from, move_to)
            restage(s, record.arn, before, after)
            s.secrets.replace(replace(record, changed_ms=now))
            return {"ARN": record.arn, "Name": record.name}

        return await self._write(update)

    async def describe_secret(self, ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
        def describe(s: Session) -> dict[str, Any]:
            record = self._secret(s, ctx, req["SecretId"], operation="DescribeSecret")
            return self._description(s, record, listing=False)

        return await self._read(describe)

    def _listed(self, s: Session, ctx: RequestContext, given_filters: list[dict[str, Any]], *,
                deleted: bool) -> list[SecretRecord]:
        found = []
        for record in s.secrets.in_region(ctx.account, ctx.region):
            if record.deleted_ms is not None and not deleted:
                continue
            seen = filters.Listed(record.name, record.description, s.tags.get(record.arn), record.region,
                                  record.owning_service)
            if filters.matches(seen, given_filters):
                found.append(record)
        return found

    async def list_secrets(self, ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
        page = Page(req.get("NextToken"), req.get("MaxResults") or LIST_LIMIT, error_code="InvalidNextTokenException",
                    message=INVALID_TOKEN)
        sort_by = req.get("SortBy") or "created-date"
        descending = (req.get("SortOrder") or "asc") == "desc"

        def sort_key(record: SecretRecord) -> tuple[Any, ...]:
            key: Any = {"name": record.name, "last-changed-date": record.changed_ms,
                        "last-accessed-date": record.accessed_ms or 0}.get(sort_by, record.created_ms)
            return (key, record.name, record.arn)

        def listing(s: Session) -> tuple[list[dict[str, Any]], str | None]:
            found = self._listed(s, ctx, req.get("Filters") or [], deleted=bool(req.get("IncludePlannedDeletion")))
            found.sort(key=sort_key, reverse=descending)
            shown, token = page.cut(page.resume(found, lambda r: r.arn), lambda r: r.arn)
            return [self._description(s, r, listing=True) for r in shown], token

        listed, token = await self._read(listing)
        out: dict[str, Any] = {"SecretList": listed}
        if token is not None:
            out["NextToken"] = token
        return out

    async def list_secret_version_ids(self, ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
        page = Page(req.get("NextToken"), req.get("MaxResults") or LIST_LIMIT, error_code="InvalidNextTokenException",
                    message=INVALID_TOKEN)

        def listing(s: Session) -> dict[str, Any]:
            record = self._secret(s, ctx, req["SecretId"], operation="ListSecretVersionIds")
            versions = s.secrets.versions(record.arn)
            if not req.get("IncludeDeprecated"):
                versions = _visible(versions)
            shown, token = page.cut(page.resume(versions, lambda v: v.version_id), lambda v: v.version_id)
            items = []
            for v in shown:
                item: dict[str, Any] = {"VersionId": v.version_id}
                if v.stages:
                    item["VersionStages"] = list(v.stages)
                if v.accessed_ms is not None:
                    item["LastAccessedDate"] = _seconds(v.accessed_ms)
                item["CreatedDate"] = _seconds(v.created_ms)
                item["KmsKeyIds"] = [record.kms_key_id or DEFAULT_KMS_KEY]
                items.append(item)
            out: dict[str, Any] = {"Versions": items}
            if token is not None:
                out["NextToken"] = token
            out.update(ARN=record.arn, Name=record.name)
            return out

        return await self._read(listing)

    async def delete_secret(self, ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
        days = req.get("RecoveryWindowInDays")
        force = bool(req.get("ForceDeleteWithoutRecovery"))
        if days is not None and not 7 <= days <= 30:
            raise ServiceError("InvalidParameterException",
                               "The RecoveryWindowInDays value must be between 7 and 30 days (inclusive).")
        if days is not None and force:
            raise ServiceError("InvalidParameterException",
                               "You can't use ForceDeleteWithoutRecovery in conjunction with RecoveryWindowInDays.")
        now = clock.now_ms()

        def delete(s: Session) -> tuple[dict[str, Any], bool]:
            record = self._secret(s, ctx, req["SecretId"], operation="DeleteSecret")
            if force:
                self.purge(s, record.arn)
                return {"ARN": record.arn, "Name": record.name, "DeletionDate": _seconds(now)}, False
            if record.deleted_ms is not None:
                raise ServiceError("InvalidRequestException", MARKED_FOR_DELETION)
            due = now + (days or DEFAULT_RECOVERY_DAYS) * DAY_MS
            s.secrets.replace(replace(record, deleted_ms=due))
            s.jobs.add(NewJob(PURGE_JOB, {"arn": record.arn}, now, due, key=record.arn))
            return {"ARN": record.arn, "Name": record.name, "DeletionDate": _seconds(due)}, True

        out, scheduled = await self._write(delete)
        if scheduled:
            self.jobs.kick()  # the job loop learns of the new due time
        return out

    @staticmethod
    def purge(s: Session, arn: str) -> None:
        """Delete a secret now, inside the caller's unit of work."""
        s.secrets.delete(arn)
        s.tags.remove_all(arn)
        s.jobs.cancel(PURGE_JOB, arn)

    async def restore_secret(self, ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
        def restore(s: Session) -> dict[str, Any]:
            record = self._secret(s, ctx, req["SecretId"], operation="RestoreSecret")
            s.secrets.lock(record.arn)  # against the purge job deleting it meanwhile
            record = s.secrets.by_arn(record.arn) or _raise(not_found())
            if record.deleted_ms is not None:
                s.secrets.replace(replace(record, deleted_ms=None))
                s.jobs.cancel(PURGE_JOB, record.arn)
            return {"ARN": record.arn, "Name": record.name}

        return await self._write(restore)

    async def tag_resource(self, ctx: RequestContext, req: dict[str, Any]) -> None:
        tags = _tags_of(req["Tags"])

        def tag(s: Session) -> None:
            record = self._secret(s, ctx, req["SecretId"], operation="TagResource")
            _tagging.add(s, record.arn, tags, _too_many_tags)

        await self._write(tag)

    async def untag_resource(self, ctx: RequestContext, req: dict[str, Any]) -> None:
        def untag(s: Session) -> None:
            record = self._secret(s, ctx, req["SecretId"], operation="UntagResource")
            _tagging.remove(s, record.arn, req["TagKeys"])

        await self._write(untag)

    # -- resource policies -----------------------------------------------------------------
    async def get_resource_policy(self, ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
        _check_policy_name(req)

        def get(s: Session) -> dict[str, Any]:
            record = self._secret(s, ctx, req["SecretId"], operation="GetResourcePolicy")
            out: dict[str, Any] = {"ARN": record.arn, "Name": record.name}
            if record.policy is not None:
                out["ResourcePolicy"] = record.policy
            return out

        return await self._read(get)

    async def put_resource_policy(self, ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
        _check_policy_name(req)
        text: str = req["ResourcePolicy"]
        parsed = _checked_policy(text)
        if req.get("BlockPublicPolicy") and _is_public(parsed):
            raise ServiceError("PublicPolicyException",
                               "This resource policy will grant public access to the secret. Use BlockPublicPolicy"
                               " to reject such policies, or remove the public access.")
        now = clock.now_ms()

        def put(s: Session) -> dict[str, Any]:
            record = self._secret(s, ctx, req["SecretId"], operation="PutResourcePolicy")
            s.secrets.replace(replace(record, policy=text, changed_ms=now))
            return {"ARN": record.arn, "Name": record.name}

        return await self._write(put)

    async def delete_resource_policy(self, ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
        _check_policy_name(req)
        now = clock.now_ms()

        def delete(s: Session) -> dict[str, Any]:
            record = self._secret(s, ctx, req["SecretId"], operation="DeleteResourcePolicy")
            s.secrets.replace(replace(record, policy=None, changed_ms=now))
            return {"ARN": record.arn, "Name": record.name}

        return await self._write(delete)

    async def validate_resource_policy(self, ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
        if req.get("SecretId"):
            await self._read(lambda s: self._secret(s, ctx, req["SecretId"], operation="ValidateResourcePolicy"))
        parsed = _checked_policy(req["ResourcePolicy"])
        # AWS's checks: syntax, and no broad access (a wildcard principal); the check names are eventyard's
        errors = [{"CheckName": "SYNTAX_CHECK", "ErrorMessage": p} for p in parsed.problems]
        if not parsed.statements and not errors:
            errors.append({"CheckName": "SYNTAX_CHECK", "ErrorMessage": "The policy has no statement."})
        if _is_public(parsed):
            errors.append({"CheckName": "BROAD_ACCESS_CHECK",
                           "ErrorMessage": "The policy grants access to every principal (\"*\") without a condition."})
        return {"PolicyValidationPassed": not errors, "ValidationErrors": errors}

    # -- passwords and rotation -------------------------------------------------------------
    async def get_random_password(self, ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
        password = random_password(
            length=req.get("PasswordLength") or DEFAULT_LENGTH, exclude=req.get("ExcludeCharacters") or "",
            exclude_numbers=bool(req.get("ExcludeNumbers")), exclude_punctuation=bool(req.get("ExcludePunctuation")),
            exclude_uppercase=bool(req.get("ExcludeUppercase")), exclude_lowercase=bool(req.get("ExcludeLowercase")),
            include_space=bool(req.get("IncludeSpace")),
            require_each_included_type=req.get("RequireEachIncludedType", True) is not False)
        return {"RandomPassword": password}

    async def rotate_secret(self, ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
        await self._read(lambda s: self._secret(s, ctx, req["SecretId"], operation="RotateSecret"))
        if not req.get("RotationLambdaARN"):
            raise ServiceError("InvalidRequestException", NO_ROTATION_FUNCTION)
        # eventyard runs no rotation functions: AWS's answer when it cannot invoke one
        raise ServiceError("AccessDeniedException",
                           "Secrets Manager cannot invoke the specified Lambda function. Ensure that the function"
                           " policy grants access to the principal secretsmanager.amazonaws.com.")

    async def cancel_rotate_secret(self, ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
        await self._read(lambda s: self._secret(s, ctx, req["SecretId"], operation="CancelRotateSecret"))
        raise ServiceError("InvalidRequestException", NO_ROTATION_FUNCTION)


def _refuse_external_type(req: dict[str, Any]) -> None:
    if req.get("Type"):
        raise ServiceError("InvalidRequestException",
                           "Managed external secrets (Type) are not supported by this Secrets Manager.")


def _raise(err: ServiceError) -> NoReturn:
    raise err


def _exists(name: str) -> ServiceError:
    return ServiceError("ResourceExistsException", f"The operation failed because the secret {name} already exists.")


def _too_many_tags() -> ServiceError:
    return ServiceError("InvalidParameterException",
                        f"The request would attach more than {_tagging.MAX_TAGS} tags to the secret.")


def _tags_of(given: list[dict[str, Any]]) -> dict[str, str]:
    """Tags as a mapping, checked (Secrets Manager's model leaves Key and Value optional)."""
    for tag in given:
        if tag.get("Key") is None or tag.get("Value") is None:
            raise ServiceError("InvalidParameterException", "Every tag needs both a Key and a Value.")
    tags = _tagging.from_list(given)
    _tagging.check_count(tags, _too_many_tags)
    _tagging.check_keys_and_values(
        tags,
        bad_key=lambda k: ServiceError("InvalidParameterException", f"The tag key {k!r} is not valid."),
        bad_value=lambda v: ServiceError("InvalidParameterException", f"The tag value {v!r} is not valid."),
        reserved_key=lambda k: ServiceError("InvalidParameterException",
                                            f"The tag key {k} uses the reserved prefix aws:."))
    return tags


def _check_policy_name(req: dict[str, Any]) -> None:
    """A secret has one resource policy, named ``default``."""
    name = req.get("PolicyName")
    if name is not None and name != "default":
        raise ServiceError("InvalidParameterException",
                           f"The policy name {name} is not valid: a secret has only the policy named default.")


def _checked_policy(text: str) -> policies.Policy:
    try:
        return policies.parse_policy(text)
    except policies.PolicyError:
        raise ServiceError("MalformedPolicyDocumentException",
                           "This resource policy contains an unsupported operation.") from None


def _is_public(policy: policies.Policy) -> bool:
    """An Allow to everyone (``*``) without a condition narrowing it."""
    for st in policy.statements:
        who = st.principal
        if st.effect == "Allow" and who is not None and (who.everyone or "*" in who.aws) and not st.conditions:
            return True
    return False


# Every Secrets Manager operation eventyard serves, and the method serving it.
OPERATIONS: OperationTable = {
    "BatchGetSecretValue": SecretsManagerService.batch_get_secret_value,
    "CancelRotateSecret": SecretsManagerService.cancel_rotate_secret,
    "CreateSecret": SecretsManagerService.create_secret,
    "DeleteResourcePolicy": SecretsManagerService.delete_resource_policy,
    "DeleteSecret": SecretsManagerService.delete_secret,
    "DescribeSecret": SecretsManagerService.describe_secret,
    "GetRandomPassword": SecretsManagerService.get_random_password,
    "GetResourcePolicy": SecretsManagerService.get_resource_policy,
    "GetSecretValue": SecretsManagerService.get_secret_value,
    "ListSecretVersionIds": SecretsManagerService.list_secret_version_ids,
    "ListSecrets": SecretsManagerService.list_secrets,
    "PutResourcePolicy": SecretsManagerService.put_resource_policy,
    "PutSecretValue": SecretsManagerService.put_secret_value,
    "RestoreSecret": SecretsManagerService.restore_secret,
    "RotateSecret": SecretsManagerService.rotate_secret,
    "TagResource": SecretsManagerService.tag_resource,
    "UntagResource": SecretsManagerService.untag_resource,
    "UpdateSecret": SecretsManagerService.update_secret,
    "UpdateSecretVersionStage": SecretsManagerService.update_secret_version_stage,
    "ValidateResourcePolicy": SecretsManagerService.validate_resource_policy,
}
