"""AWS Lambda's API: one method per operation (declared in ``OPERATIONS`` below).

A function is one document in the store (``store/functions.py``): $LATEST's configuration,
its published versions, aliases, resource policies, event invoke configs, URL configs and
reserved concurrency. CreateFunction and the Update* operations leave the function
``Pending`` / ``InProgress`` and add a durable ``lambda-settle`` job that makes it
``Active`` / ``Successful`` (a crash in between only delays it), so boto3's waiters see the
states AWS reports. Invocations are ``invocation.py``'s.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from typing import Any, TypeVar

import orjson

from eventyard.core import clock, ids
from eventyard.core.errors import ServiceError
from eventyard.core.identity import RequestContext
from eventyard.runtime.functions.types import FunctionRunner
from eventyard.runtime.jobs import Finished, JobRuntime
from eventyard.services import _tagging
from eventyard.services._operations import OperationTable
from eventyard.services._pagination import decode_token, encode_token
from eventyard.services.functions import code, configuration, names
from eventyard.services.functions.access import check_access
from eventyard.services.functions.invocation import Invocations
from eventyard.services.functions.mappings import EventSourceMappings
from eventyard.services.functions.names import LATEST, FunctionRef
from eventyard.store import ConflictError, Session, Store
from eventyard.store.jobs import JobRecord, NewJob

T = TypeVar("T")

SETTLE_JOB = "lambda-settle"
ACCOUNT_CONCURRENCY = 1000
MIN_UNRESERVED = 100
TOTAL_CODE_SIZE = 80_530_636_800
_STATEMENT_ID = re.compile(r"^[a-zA-Z0-9_-]+$")
_PRINCIPAL = re.compile(r"^(\*|\d{12}|arn:aws[a-zA-Z-]*:iam::\d{12}:[^\s]+|[a-z0-9.-]+\.amazonaws\.com(\.cn)?)$")
REVISION_MISMATCH = ("The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias "
                     "API to retrieve the latest Revision Id")


def _invalid(message: str) -> ServiceError:
    return ServiceError("InvalidParameterValueException", message)


def _conflict(message: str) -> ServiceError:
    return ServiceError("ResourceConflictException", message)


def _precondition() -> ServiceError:
    return ServiceError("PreconditionFailedException", REVISION_MISMATCH)


class SettleFunction:
    """The ``lambda-settle`` job: Pending -> Active, InProgress -> Successful."""

    async def run(self, job: JobRecord) -> Finished:
        p = job.payload

        def settle(s: Session) -> None:
            doc = s.functions.get(p["account"], p["region"], p["name"], for_update=True)
            if doc is None or doc["latest"]["RevisionId"] != p["revision"]:
                return  # deleted, or changed again (a newer job settles it)
            latest = doc["latest"]
            if latest.get("State") == "Pending":
                latest.update(State="Active")
                latest.pop("StateReason", None)
                latest.pop("StateReasonCode", None)
            if latest.get("LastUpdateStatus") != "Successful":
                latest["LastUpdateStatus"] = "Successful"
                latest.pop("LastUpdateStatusReason", None)
                latest.pop("LastUpdateStatusReasonCode", None)
            s.functions.replace(p["account"], p["region"], p["name"], doc, clock.now_ms())

        return Finished(settle)


class FunctionsService:
    def __init__(self, store: Store, jobs: JobRuntime, runner: FunctionRunner, invocations: Invocations) -> None:
        self.store = store
        self.jobs = jobs
        self.runner = runner
        self.invocations = invocations
        jobs.register(SETTLE_JOB, SettleFunction())

    # -- helpers -----------------------------------------------------------------------
    async def _read(self, ctx: RequestContext, ref: FunctionRef) -> dict[str, Any]:
        doc = await self.store.read(lambda s: s.functions.get(ref.account, ref.region, ref.name))
        if doc is None:
            raise names.not_found(ref, None)
        check_access(ctx, ref, doc)
        return doc

    async def _change(self, ctx: RequestContext, ref: FunctionRef, change: Callable[[Session, dict[str, Any]], T], *,
                      settle: bool = False) -> T:
        """Read-modify-write of one function in one unit of work; with ``settle``, the
        settle job for $LATEST's new revision is added beside it."""

        def unit(s: Session) -> T:
            doc = s.functions.get(ref.account, ref.region, ref.name, for_update=True)
            if doc is None:
                raise names.not_found(ref, None)
            check_access(ctx, ref, doc)
            result = change(s, doc)
            now = clock.now_ms()
            s.functions.replace(ref.account, ref.region, ref.name, doc, now)
            if settle:
                self._add_settle(s, ref, doc, now)
            return result

        try:
            result = await self.store.write(unit)
        finally:
            self.invocations.docs.forget(ref.account, ref.region, ref.name)
        if settle:
            self.jobs.kick()
        return result

    @staticmethod
    def _add_settle(s: Session, ref: FunctionRef, doc: dict[str, Any], now: int) -> None:
        s.jobs.add(NewJob(SETTLE_JOB, {"account": ref.account, "region": ref.region, "name": ref.name,
                                       "revision": doc["latest"]["RevisionId"]}, now, now,
                          key=f"{ref.account}:{ref.region}:{ref.name}"))

    @staticmethod
    def _ref(ctx: RequestContext, req: dict[str, Any], *, qualified: bool = True) -> FunctionRef:
        return names.resolve(ctx, req["FunctionName"], req.get("Qualifier") if qualified else None)

    @staticmethod
    def _version_config(doc: dict[str, Any], ref: FunctionRef, qualifier: str | None) -> dict[str, Any]:
        """The configuration a qualifier names: $LATEST, a version, or an alias's version."""
        if qualifier in (None, LATEST):
            return dict(doc["latest"])
        if qualifier in doc["versions"]:
            return dict(doc["versions"][qualifier])
        alias = doc["aliases"].get(qualifier)
        if alias is not None:
            return dict(doc["versions"].get(alias["FunctionVersion"]) or doc["latest"])
        raise names.not_found(ref, qualifier)

    async def _code_from(self, req_code: dict[str, Any], ctx: RequestContext) -> tuple[dict[str, Any], code.Archive | None]:
        """(the ``_code`` entry, the archive to keep) from a Code / UpdateFunctionCode request."""
        if req_code.get("ZipFile") is not None:
            archive = code.check_archive(req_code["ZipFile"])
            code.check_unzipped_total(archive.unzipped_size)
            return {"kind": "zip", "sha": archive.sha_hex, "size": len(archive.data),
                    "unzipped": archive.unzipped_size}, archive
        if req_code.get("S3Bucket") == code.HOT_RELOAD_BUCKET and req_code.get("S3Key"):
            folder = code.check_hot_reload_folder(req_code["S3Key"])
            return {"kind": "folder", "path": str(folder)}, None
        if req_code.get("S3Bucket") or req_code.get("ImageUri"):
            raise _invalid("eventyard takes code as Code.ZipFile, or from a local folder with "
                           "S3Bucket \"hot-reload\" and S3Key set to the folder's absolute path.")
        raise _invalid("Please provide a source for function code.")

    @staticmethod
    def _set_code(config: dict[str, Any], entry: dict[str, Any], archive: code.Archive | None) -> None:
        config["_code"] = entry
        if archive is not None:
            config["CodeSha256"] = archive.code_sha256
            config["CodeSize"] = len(archive.data)
        else:
            config["CodeSha256"] = code.HOT_RELOAD_SHA
            config["CodeSize"] = 0

    def _check_runtime(self, runtime: str | None) -> None:
        if runtime is None:
            return
        reason = self.runner.supports(runtime)
        if reason is not None:
            raise _invalid(f"The runtime {runtime} is not supported by this eventyard server: {reason}")

    @staticmethod
    def _layers(s: Session, ref: FunctionRef, given: list[str], unzipped: int) -> list[dict[str, Any]]:
        found = []
        total = unzipped
        for arn in given:
            parts = arn.split(":")
            doc = None
            if len(parts) == 8 and parts[5] == "layer" and parts[7].isdigit():
                doc = s.functions.layer_version(parts[4], parts[3], parts[6], int(parts[7]))
            if doc is None or doc.get("Deleted"):
                raise _invalid(f"Layer version {arn} does not exist.")
            total += int(doc.get("_unzipped", 0))
            found.append({"Arn": arn, "CodeSize": doc["Content"]["CodeSize"], "_sha": doc["_sha"]})
        code.check_unzipped_total(total)
        return found

    # -- functions ---------------------------------------------------------------------
    async def create_function(self, ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
        ref = self._ref(ctx, req, qualified=False)
        if ref.qualifier is not None or not names.NAME.match(ref.name):
            raise ServiceError("ValidationException", f"1 validation error detected: Value '{req['FunctionName']}' "
                               "at 'functionName' failed to satisfy constraint: Member must satisfy regular "
                               "expression pattern: [a-zA-Z0-9-_]+")
        configuration.check(req, creating=True)
        self._check_runtime(req.get("Runtime"))
        entry, archive = await self._code_from(req["Code"], ctx)
        now = clock.now_ms()
        config = configuration.new_configuration(req, ref.name, ref.arn, ref.region, names.last_modified(now))
        self._set_code(config, entry, archive)
        tags = dict(req.get("Tags") or {})

        def create(s: Session) -> dict[str, Any]:
            if req.get("Layers"):
                config["Layers"] = self._layers(s, ref, req["Layers"], int(entry.get("unzipped", 0)))
            if archive is not None:
                s.functions.put_archive(archive.sha_hex, archive.data)
            doc: dict[str, Any] = {"latest": config, "versions": {}, "last_version": 0, "aliases": {},
                                   "policies": {}, "event_invoke": {}, "urls": {}, "reserved": None,
                                   "created_ms": now}
            published = self._publish(doc, ref, None, now) if req.get("Publish") else None
            try:
                s.functions.insert(ref.account, ref.region, ref.name, doc, now)
            except ConflictError:
                raise _conflict(f"Function already exist: {ref.name}") from None
            if tags:
                s.tags.put(ref.arn, tags)
            self._add_settle(s, ref, doc, now)
            return published or config

        try:
            shown = await self.store.write(create)
        finally:
            self.invocations.docs.forget(ref.account, ref.region, ref.name)
        self.jobs.kick()
        return _shown(shown)

    async def get_function(self, ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
        ref = self._ref(ctx, req)
        doc = await self._read(ctx, ref)
        config = self._version_config(doc, ref, ref.qualifier)
        tags = await self.store.read(lambda s: s.tags.get(ref.arn))
        entry = config.get("_code", {})
        if entry.get("kind") == "folder":
            location = entry["path"]
        else:
            location = f"{ctx.base_url}/_eventyard/lambda/code/{entry.get('sha', '')}"
        answer: dict[str, Any] = {"Configuration": _shown(config),
                                  "Code": {"RepositoryType": "S3", "Location": location}}
        if tags:
            answer["Tags"] = tags
        if doc.get("reserved") is not None:
            answer["Concurrency"] = {"ReservedConcurrentExecutions": doc["reserved"]}
        return answer

    async def get_function_configuration(self, ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
        ref = self._ref(ctx, req)
        doc = await self._read(ctx, ref)
        return _shown(self._version_config(doc, ref, ref.qualifier))

    async def list_functions(self, ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
        size = int(req.get("MaxItems") or 50)
        if not 1 <= size <= 10000:
            raise _invalid(f"MaxItems must be between 1 and 10000, found {size}.")
        after = decode_token(req["Marker"], error_code="InvalidParameterValueException",
                             message="Invalid marker.") if req.get("Marker") else None
        docs = await self.store.read(lambda s: s.functions.page(ctx.account, ctx.region, after=after,
                                                                 limit=size + 1))
        every = req.get("FunctionVersion") == "ALL"
        shown = docs[:size]
        functions: list[dict[str, Any]] = []
        for doc in shown:
            functions.append(_shown(doc["latest"]))
            if every:
                functions += [_shown(v) for _, v in sorted(doc["versions"].items(), key=lambda kv: int(kv[0]))]
        answer: dict[str, Any] = {"Functions": functions}
        if len(docs) > size:
            answer["NextMarker"] = encode_token(shown[-1]["latest"]["FunctionName"])
        return answer

    async def delete_function(self, ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
        ref = self._ref(ctx, req)
        qualifier = ref.qualifier
        if qualifier == LATEST:
            raise _invalid("$LATEST version cannot be deleted without deleting the function.")

        def delete(s: Session) -> None:
            doc = s.functions.get(ref.account, ref.region, ref.name, for_update=True)
            if doc is None:
                raise names.not_found(ref, None)
            check_access(ctx, ref, doc)
            if qualifier is None:
                s.functions.delete(ref.account, ref.region, ref.name)
                s.functions.delete_urls(ref.account, ref.region, ref.name)
                s.tags.remove_all(ref.arn)
                return
            if qualifier not in doc["versions"]:
                if qualifier in doc["aliases"] or not qualifier.isdigit():
                    raise _invalid("Deletion of aliases is not supported by DeleteFunction; use DeleteAlias.")
                return  # an unknown version: nothing to do (AWS answers 204)
            using = sorted(name for name, alias in doc["aliases"].items()
                           if alias["FunctionVersion"] == qualifier
                           or qualifier in ((alias.get("RoutingConfig") or {}).get("AdditionalVersionWeights") or {}))
            if using:
                raise _conflict(f"Unable to delete version because the following aliases reference it: {using}")
            del doc["versions"][qualifier]
            s.functions.replace(ref.account, ref.region, ref.name, doc, clock.now_ms())

        try:
            await self.store.write(delete)
        finally:
            self.invocations.docs.forget(ref.account, ref.region, ref.name)
        if qualifier is None:
            await self.runner.retire(ref.arn)
        return {"StatusCode": 204}

    def _check_updatable(self, doc: dict[str, Any], ref: FunctionRef, revision: str | None) -> None:
        latest = doc["latest"]
        if latest.get("LastUpdateStatus") == "InProgress" or latest.get("State") == "Pending":
            raise _conflict("The operation cannot be performed at this time. An update is in progress for resource: "
                            f"{ref.arn}")
        if revision is not None and revision != latest["RevisionId"]:
            raise _precondition()

    @staticmethod
    def _mark_updating(config: dict[str, Any], now: int) -> None:
        config.update(LastModified=names.last_modified(now), RevisionId=ids.uuid4(), LastUpdateStatus="InProgress",
                      LastUpdateStatusReason="The function is being created.",
                      LastUpdateStatusReasonCode="Creating")

    async def update_function_code(self, ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
        ref = self._ref(ctx, req, qualified=False)
        entry, archive = await self._code_from(req, ctx)
        if req.get("DryRun"):
            doc = await self._read(ctx, ref)
            config = dict(doc["latest"])
            self._set_code(config, entry, archive)
            return _shown(config)

        def change(s: Session, doc: dict[str, Any]) -> dict[str, Any]:
            self._check_updatable(doc, ref, req.get("RevisionId"))
            config = doc["latest"]
            if archive is not None:
                s.functions.put_archive(archive.sha_hex, archive.data)
            self._set_code(config, entry, archive)
            if req.get("Architectures"):
                config["Architectures"] = req["Architectures"]
            now = clock.now_ms()
            self._mark_updating(config, now)
            if req.get("Publish"):
                return self._publish(doc, ref, None, now)
            return dict(config)

        shown = await self._change(ctx, ref, change, settle=True)
        await self.runner.retire(ref.arn)
        return _shown(shown)

    async def update_function_configuration(self, ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
        ref = self._ref(ctx, req, qualified=False)
        configuration.check(req, creating=False)
        if "Runtime" in req:
            self._check_runtime(req["Runtime"])

        def change(s: Session, doc: dict[str, Any]) -> dict[str, Any]:
            self._check_updatable(doc, ref, req.get("RevisionId"))
            config = configuration.apply_update(doc["latest"], req)
            if "Layers" in req:
                config["Layers"] = self._layers(s, ref, req["Layers"], int(config["_code"].get("unzipped", 0)))
                if not config["Layers"]:
                    del config["Layers"]
            self._mark_updating(config, clock.now_ms())
            doc["latest"] = config
            return dict(config)

        shown = await self._change(ctx, ref, change, settle=True)
        await self.runner.retire(ref.arn)
        return _shown(shown)

    # -- versions ----------------------------------------------------------------------
    @staticmethod
    def _publish(doc: dict[str, Any], ref: FunctionRef, description: str | None, now: int) -> dict[str, Any]:
        latest = doc["latest"]
        if doc["versions"]:
            newest = doc["versions"][str(doc["last_version"])] if str(doc["last_version"]) in doc["versions"] else None
            if newest is not None and configuration.fingerprint(newest) == configuration.fingerprint(latest) \
                    and description in (None, newest.get("Description")):
                return dict(newest)
        number = str(int(doc["last_version"]) + 1)
        version = dict(latest)
        version.update(Version=number, FunctionArn=f"{ref.arn}:{number}", RevisionId=ids.uuid4(), State="Active",
                       LastUpdateStatus="Successful", LastModified=names.last_modified(now))
        for transient in ("StateReason", "StateReasonCode", "LastUpdateStatusReason", "LastUpdateStatusReasonCode"):
            version.pop(transient, None)
        if description is not None:
            version["Description"] = description
        doc["versions"][number] = version
        doc["last_version"] = int(number)
        return dict(version)

    async def publish_version(self, ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
        ref = self._ref(ctx, req, qualified=False)

        def change(s: Session, doc: dict[str, Any]) -> dict[str, Any]:
            self._check_updatable(doc, ref, req.get("RevisionId"))
            sha = req.get("CodeSha256")
            if sha is not None and sha != doc["latest"].get("CodeSha256"):
                raise _invalid(f"CodeSHA256 ({sha}) is different from current CodeSHA256 in $LATEST "
                               f"({doc['latest'].get('CodeSha256')}). Please try again with the CodeSHA256 in $LATEST.")
            return self._publish(doc, ref, req.get("Description"), clock.now_ms())

        return _shown(await self._change(ctx, ref, change))

    async def list_versions_by_function(self, ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
        ref = self._ref(ctx, req, qualified=False)
        doc = await self._read(ctx, ref)
        every = [_shown(doc["latest"])] + [_shown(v) for _, v in sorted(doc["versions"].items(),
                                                                          key=lambda kv: int(kv[0]))]
        return _paged(every, req, "Versions", lambda c: str(c["Version"]))

    # -- aliases -----------------------------------------------------------------------
    @staticmethod
    def _check_routing(doc: dict[str, Any], version: str, routing: dict[str, Any] | None) -> None:
        if version != LATEST and version not in doc["versions"]:
            raise ServiceError("ResourceNotFoundException", f"Function not found: {doc['latest']['FunctionArn']}:{version}")
        weights = (routing or {}).get("AdditionalVersionWeights") or {}
        if len(weights) > 1:
            raise _invalid("Number of items in AdditionalVersionWeights cannot be greater than 1")
        for extra, weight in weights.items():
            if version == LATEST or extra == LATEST:
                raise _invalid("$LATEST is not supported for an alias pointing to more than 1 version")
            if extra == version:
                raise _invalid(f"Invalid function version {extra}. Function version {extra} is already included in "
                               "routing configuration.")
            if extra not in doc["versions"]:
                raise ServiceError("ResourceNotFoundException",
                                   f"Function not found: {doc['latest']['FunctionArn']}:{extra}")
            if not 0.0 <= float(weight) <= 1.0:
                raise _invalid("Invalid weight. Weight must be between 0.0 and 1.0.")

    async def create_alias(self, ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
        ref = self._ref(ctx, req, qualified=False)
        name = req["Name"]
        if not names.ALIAS.match(name):
            raise ServiceError("ValidationException", f"1 validation error detected: Value '{name}' at 'name' failed "
                               "to satisfy constraint: Member must satisfy regular expression pattern: "
                               "(?!^[0-9]+$)([a-zA-Z0-9-_]+)")

        def change(s: Session, doc: dict[str, Any]) -> dict[str, Any]:
            arn = f"{ref.arn}:{name}"
            if name in doc["aliases"]:
                raise _conflict(f"Alias already exists: {arn}")
            self._check_routing(doc, req["FunctionVersion"], req.get("RoutingConfig"))
            alias = {"AliasArn": arn, "Name": name, "FunctionVersion": req["FunctionVersion"],
                     "Description": req.get("Description", ""), "RevisionId": ids.uuid4()}
            if req.get("RoutingConfig"):
                alias["RoutingConfig"] = req["RoutingConfig"]
            doc["aliases"][name] = alias
            return alias

        return await self._change(ctx, ref, change)

    def _alias_of(self, doc: dict[str, Any], ref: FunctionRef, name: str) -> dict[str, Any]:
        alias = doc["aliases"].get(name)
        if alias is None:
            raise ServiceError("ResourceNotFoundException", f"Cannot find alias arn: {ref.arn}:{name}")
        return dict(alias)

    async def get_alias(self, ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
        ref = self._ref(ctx, req, qualified=False)
        return self._alias_of(await self._read(ctx, ref), ref, req["Name"])

    async def update_alias(self, ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
        ref = self._ref(ctx, req, qualified=False)

        def change(s: Session, doc: dict[str, Any]) -> dict[str, Any]:
            alias = self._alias_of(doc, ref, req["Name"])
            if req.get("RevisionId") is not None and req["RevisionId"] != alias["RevisionId"]:
                raise _precondition()
            version = req.get("FunctionVersion", alias["FunctionVersion"])
            routing = req["RoutingConfig"] if "RoutingConfig" in req else alias.get("RoutingConfig")
            self._check_routing(doc, version, routing)
            alias.update(FunctionVersion=version, RevisionId=ids.uuid4())
            if "Description" in req:
                alias["Description"] = req["Description"]
            if routing:
                alias["RoutingConfig"] = routing
            else:
                alias.pop("RoutingConfig", None)
            doc["aliases"][req["Name"]] = alias
            return alias

        return await self._change(ctx, ref, change)

    async def delete_alias(self, ctx: RequestContext, req: dict[str, Any]) -> None:
        ref = self._ref(ctx, req, qualified=False)

        def change(s: Session, doc: dict[str, Any]) -> None:
            doc["aliases"].pop(req["Name"], None)
            if doc["urls"].pop(req["Name"], None) is not None:
                s.functions.delete_urls(ref.account, ref.region, ref.name, req["Name"])
            doc["event_invoke"].pop(req["Name"], None)

        await self._change(ctx, ref, change)

    async def list_aliases(self, ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
        ref = self._ref(ctx, req, qualified=False)
        doc = await self._read(ctx, ref)
        aliases = [a for _, a in sorted(doc["aliases"].items())
                   if req.get("FunctionVersion") in (None, a["FunctionVersion"])]
        return _paged(aliases, req, "Aliases", lambda a: str(a["Name"]))

    # -- permissions -------------------------------------------------------------------
    def _policy_key(self, doc: dict[str, Any], ref: FunctionRef) -> str:
        q = ref.qualifier
        if q is None:
            return ""
        if q == LATEST:
            raise _invalid("We currently do not support adding policies for $LATEST.")
        if q not in doc["versions"] and q not in doc["aliases"]:
            raise names.not_found(ref, q)
        return q

    async def add_permission(self, ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
        ref = self._ref(ctx, req)
        sid = req["StatementId"]
        if not _STATEMENT_ID.match(sid):
            raise ServiceError("ValidationException", f"1 validation error detected: Value '{sid}' at 'statementId' "
                               "failed to satisfy constraint: Member must satisfy regular expression pattern: "
                               "([a-zA-Z0-9-_]+)")
        principal = req["Principal"]
        if not _PRINCIPAL.match(principal):
            raise _invalid("The provided principal was invalid. Please check the principal and try again.")

        def change(s: Session, doc: dict[str, Any]) -> str:
            key = self._policy_key(doc, ref)
            policy = doc["policies"].setdefault(key, {"statements": [], "revision": doc["latest"]["RevisionId"]})
            if req.get("RevisionId") is not None and req["RevisionId"] != policy["revision"]:
                raise _precondition()
            if any(st["Sid"] == sid for st in policy["statements"]):
                raise _conflict(f"The statement id ({sid}) provided already exists. Please provide a new statement "
                                "id, or remove the existing statement.")
            statement = _statement(req, ref.qualified_arn)
            policy["statements"].append(statement)
            policy["revision"] = ids.uuid4()
            return orjson.dumps(statement).decode()

        return {"Statement": await self._change(ctx, ref, change)}

    async def remove_permission(self, ctx: RequestContext, req: dict[str, Any]) -> None:
        ref = self._ref(ctx, req)

        def change(s: Session, doc: dict[str, Any]) -> None:
            key = self._policy_key(doc, ref)
            policy = doc["policies"].get(key)
            if not policy or not policy["statements"]:
                raise ServiceError("ResourceNotFoundException", "No policy is associated with the given resource.")
            if req.get("RevisionId") is not None and req["RevisionId"] != policy["revision"]:
                raise _precondition()
            kept = [st for st in policy["statements"] if st["Sid"] != req["StatementId"]]
            if len(kept) == len(policy["statements"]):
                raise ServiceError("ResourceNotFoundException",
                                   f"Statement {req['StatementId']} is not found in resource policy.")
            policy["statements"] = kept
            policy["revision"] = ids.uuid4()

        await self._change(ctx, ref, change)

    async def get_policy(self, ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
        ref = self._ref(ctx, req)
        doc = await self._read(ctx, ref)
        policy = doc["policies"].get(self._policy_key(doc, ref))
        if not policy or not policy["statements"]:
            raise ServiceError("ResourceNotFoundException", "The resource you requested does not exist.")
        text = orjson.dumps({"Version": "2012-10-17", "Id": "default", "Statement": policy["statements"]}).decode()
        return {"Policy": text, "RevisionId": policy["revision"]}

    # -- tags --------------------------------------------------------------------------
    async def _tagged_function(self, ctx: RequestContext, arn: str) -> FunctionRef:
        ref = names.resolve(ctx, arn)
        if not arn.startswith("arn:"):
            raise ServiceError("ValidationException", f"1 validation error detected: Value '{arn}' at 'resource' "
                                                      "failed to satisfy constraint: Member must be a function ARN")
        await self._read(ctx, ref)
        return ref

    async def tag_resource(self, ctx: RequestContext, req: dict[str, Any]) -> None:
        ref = await self._tagged_function(ctx, req["Resource"])
        tags = _tagging.check_keys_and_values(
            req["Tags"], bad_key=lambda k: _invalid(f"Tag key {k} is not valid."),
            bad_value=lambda v: _invalid(f"Tag value {v} is not valid."),
            reserved_key=lambda k: _invalid("aws: prefixed tag key names are not allowed for user."))
        await self.store.write(lambda s: _tagging.add(
            s, ref.arn, tags, lambda: _invalid("Number of tags exceeds resource tag limit.")))

    async def untag_resource(self, ctx: RequestContext, req: dict[str, Any]) -> None:
        ref = await self._tagged_function(ctx, req["Resource"])
        await self.store.write(lambda s: s.tags.remove(ref.arn, req["TagKeys"]))

    async def list_tags(self, ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
        ref = await self._tagged_function(ctx, req["Resource"])
        return {"Tags": await self.store.read(lambda s: s.tags.get(ref.arn))}

    # -- account and concurrency -------------------------------------------------------
    async def get_account_settings(self, ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
        docs = await self.store.read(lambda s: s.functions.all_in_account(ctx.account, ctx.region))
        reserved = sum(int(d["reserved"]) for d in docs if d.get("reserved") is not None)
        size = sum(int(d["latest"].get("CodeSize", 0)) + sum(int(v.get("CodeSize", 0)) for v in d["versions"].values())
                   for d in docs)
        return {"AccountLimit": {"TotalCodeSize": TOTAL_CODE_SIZE, "CodeSizeUnzipped": code.MAX_UNZIPPED,
                                 "CodeSizeZipped": code.MAX_ZIPPED, "ConcurrentExecutions": ACCOUNT_CONCURRENCY,
                                 "UnreservedConcurrentExecutions": ACCOUNT_CONCURRENCY - reserved},
                "AccountUsage": {"TotalCodeSize": size, "FunctionCount": len(docs)}}

    async def put_function_concurrency(self, ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
        ref = self._ref(ctx, req, qualified=False)
        wanted = int(req["ReservedConcurrentExecutions"])

        def change(s: Session, doc: dict[str, Any]) -> None:
            others = sum(int(d["reserved"]) for d in s.functions.all_in_account(ref.account, ref.region)
                         if d.get("reserved") is not None and d["latest"]["FunctionName"] != ref.name)
            if ACCOUNT_CONCURRENCY - others - wanted < MIN_UNRESERVED:
                raise _invalid("Specified ReservedConcurrentExecutions for function decreases account's "
                               f"UnreservedConcurrentExecution below its minimum value of [{MIN_UNRESERVED}].")
            doc["reserved"] = wanted

        await self._change(ctx, ref, change)
        return {"ReservedConcurrentExecutions": wanted}

    async def get_function_concurrency(self, ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
        ref = self._ref(ctx, req, qualified=False)
        doc = await self._read(ctx, ref)
        return {} if doc.get("reserved") is None else {"ReservedConcurrentExecutions": doc["reserved"]}

    async def delete_function_concurrency(self, ctx: RequestContext, req: dict[str, Any]) -> None:
        ref = self._ref(ctx, req, qualified=False)

        def change(s: Session, doc: dict[str, Any]) -> None:
            doc["reserved"] = None

        await self._change(ctx, ref, change)

    # -- event invoke configs ----------------------------------------------------------
    def _invoke_config_key(self, doc: dict[str, Any], ref: FunctionRef) -> str:
        q = ref.qualifier or LATEST
        if q != LATEST and q not in doc["versions"] and q not in doc["aliases"]:
            raise names.not_found(ref, q)
        return q

    @staticmethod
    def _check_invoke_config(req: dict[str, Any], ref: FunctionRef) -> None:
        if "MaximumRetryAttempts" not in req and "MaximumEventAgeInSeconds" not in req \
                and not req.get("DestinationConfig"):
            raise _invalid("You must specify at least one of error handling or destination setting.")
        retries = req.get("MaximumRetryAttempts")
        if retries is not None and not 0 <= retries <= 2:
            raise _range_error("maximumRetryAttempts", retries, 0, 2)
        age = req.get("MaximumEventAgeInSeconds")
        if age is not None and not 60 <= age <= 21600:
            raise _range_error("maximumEventAgeInSeconds", age, 60, 21600)
        for where in ("OnSuccess", "OnFailure"):
            target = ((req.get("DestinationConfig") or {}).get(where) or {}).get("Destination")
            if target is not None and target.split(":")[:7] == ref.arn.split(":")[:7] and target.split(":")[6:7] == [ref.name]:
                raise _invalid("You can't specify the function as a destination for itself.")

    async def put_function_event_invoke_config(self, ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
        return await self._put_invoke_config(ctx, req, merge=False)

    async def update_function_event_invoke_config(self, ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
        return await self._put_invoke_config(ctx, req, merge=True)

    async def _put_invoke_config(self, ctx: RequestContext, req: dict[str, Any], *, merge: bool) -> dict[str, Any]:
        ref = self._ref(ctx, req)
        self._check_invoke_config(req, ref)

        def change(s: Session, doc: dict[str, Any]) -> dict[str, Any]:
            key = self._invoke_config_key(doc, ref)
            before = doc["event_invoke"].get(key, {}) if merge else {}
            config = {**before, "FunctionArn": ref.qualified_arn if ref.qualifier else f"{ref.arn}:{LATEST}",
                      "LastModified": clock.epoch()}
            for member in ("MaximumRetryAttempts", "MaximumEventAgeInSeconds"):
                if member in req:
                    config[member] = req[member]
            config["DestinationConfig"] = req.get("DestinationConfig") or before.get("DestinationConfig") or {
                "OnSuccess": {}, "OnFailure": {}}
            doc["event_invoke"][key] = config
            return config

        return await self._change(ctx, ref, change)

    async def get_function_event_invoke_config(self, ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
        ref = self._ref(ctx, req)
        doc = await self._read(ctx, ref)
        config = doc["event_invoke"].get(self._invoke_config_key(doc, ref))
        if config is None:
            raise ServiceError("ResourceNotFoundException",
                               f"The function {ref.qualified_arn} doesn't have an EventInvokeConfig")
        return dict(config)

    async def delete_function_event_invoke_config(self, ctx: RequestContext, req: dict[str, Any]) -> None:
        ref = self._ref(ctx, req)

        def change(s: Session, doc: dict[str, Any]) -> None:
            if doc["event_invoke"].pop(self._invoke_config_key(doc, ref), None) is None:
                raise ServiceError("ResourceNotFoundException",
                                   f"The function {ref.qualified_arn} doesn't have an EventInvokeConfig")

        await self._change(ctx, ref, change)

    async def list_function_event_invoke_configs(self, ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
        ref = self._ref(ctx, req, qualified=False)
        doc = await self._read(ctx, ref)
        configs = [c for _, c in sorted(doc["event_invoke"].items())]
        return _paged(configs, req, "FunctionEventInvokeConfigs", lambda c: str(c["FunctionArn"]))

    # -- function URLs -----------------------------------------------------------------
    def _url_key(self, doc: dict[str, Any], ref: FunctionRef) -> str:
        q = ref.qualifier
        if q is None:
            return ""
        if q == LATEST or q.isdigit():
            raise _invalid("Function URLs can be created on unqualified functions or aliases only.")
        if q not in doc["aliases"]:
            raise names.not_found(ref, q)
        return q

    async def create_function_url_config(self, ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
        ref = self._ref(ctx, req)

        def change(s: Session, doc: dict[str, Any]) -> dict[str, Any]:
            key = self._url_key(doc, ref)
            if key in doc["urls"]:
                raise _conflict(f"Failed to create function url config for [functionArn = {ref.qualified_arn}]. "
                                "Error message:  FunctionUrlConfig exists for this Lambda function")
            url_id = "".join(secrets.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(32))
            now = names.last_modified(clock.now_ms())
            config = {"FunctionUrl": f"{ctx.base_url}/_eventyard/lambda-url/{url_id}/", "UrlId": url_id,
                      "FunctionArn": ref.qualified_arn, "AuthType": req["AuthType"],
                      "InvokeMode": req.get("InvokeMode", "BUFFERED"), "CreationTime": now,
                      "LastModifiedTime": now}
            if req.get("Cors"):
                config["Cors"] = req["Cors"]
            doc["urls"][key] = config
            s.functions.put_url(url_id, ref.account, ref.region, ref.name, key)
            return config

        return await self._change(ctx, ref, change)

    async def get_function_url_config(self, ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
        ref = self._ref(ctx, req)
        doc = await self._read(ctx, ref)
        config = doc["urls"].get(self._url_key(doc, ref))
        if config is None:
            raise ServiceError("ResourceNotFoundException", "The resource you requested does not exist.")
        return dict(config)

    async def update_function_url_config(self, ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
        ref = self._ref(ctx, req)

        def change(s: Session, doc: dict[str, Any]) -> dict[str, Any]:
            key = self._url_key(doc, ref)
            config = doc["urls"].get(key)
            if config is None:
                raise ServiceError("ResourceNotFoundException", "The resource you requested does not exist.")
            for member in ("AuthType", "Cors", "InvokeMode"):
                if member in req:
                    config[member] = req[member]
            config["LastModifiedTime"] = names.last_modified(clock.now_ms())
            return dict(config)

        return await self._change(ctx, ref, change)

    async def delete_function_url_config(self, ctx: RequestContext, req: dict[str, Any]) -> None:
        ref = self._ref(ctx, req)

        def change(s: Session, doc: dict[str, Any]) -> None:
            key = self._url_key(doc, ref)
            if doc["urls"].pop(key, None) is None:
                raise ServiceError("ResourceNotFoundException", "The resource you requested does not exist.")
            s.functions.delete_urls(ref.account, ref.region, ref.name, key)

        await self._change(ctx, ref, change)

    async def list_function_url_configs(self, ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
        ref = self._ref(ctx, req, qualified=False)
        doc = await self._read(ctx, ref)
        configs = [c for _, c in sorted(doc["urls"].items())]
        return _paged(configs, req, "FunctionUrlConfigs", lambda c: str(c["FunctionArn"]))

    # -- layers ------------------------------------------------------------------------
    async def publish_layer_version(self, ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
        name = req["LayerName"]
        content = req["Content"]
        if content.get("ZipFile") is None:
            raise _invalid("eventyard takes layer content as Content.ZipFile.")
        archive = code.check_archive(content["ZipFile"])
        layer = names.layer_arn(ctx.region, ctx.account, name)
        created = names.last_modified(clock.now_ms())
        doc: dict[str, Any] = {
            "LayerArn": layer, "Description": req.get("Description", ""), "CreatedDate": created,
            "Content": {"Location": f"{ctx.base_url}/_eventyard/lambda/code/{archive.sha_hex}",
                        "CodeSha256": archive.code_sha256, "CodeSize": len(archive.data)},
            "_sha": archive.sha_hex, "_unzipped": archive.unzipped_size}
        for member in ("CompatibleRuntimes", "CompatibleArchitectures", "LicenseInfo"):
            if req.get(member) is not None:
                doc[member] = req[member]

        def publish(s: Session) -> int:
            s.functions.put_archive(archive.sha_hex, archive.data)
            return s.functions.add_layer_version(ctx.account, ctx.region, name, doc)

        version = await self.store.write(publish)
        return {**configuration.public(doc), "Version": version, "LayerVersionArn": f"{layer}:{version}"}

    async def _layer_version(self, ctx: RequestContext, name: str, version: int) -> dict[str, Any]:
        doc = await self.store.read(lambda s: s.functions.layer_version(ctx.account, ctx.region, name, version))
        if doc is None or doc.get("Deleted"):
            raise ServiceError("ResourceNotFoundException", "The resource you requested does not exist.")
        return {**configuration.public(doc), "LayerVersionArn": f"{doc['LayerArn']}:{version}"}

    async def get_layer_version(self, ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
        return await self._layer_version(ctx, req["LayerName"], int(req["VersionNumber"]))

    async def get_layer_version_by_arn(self, ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
        parts = req["Arn"].split(":")
        if len(parts) != 8 or not parts[7].isdigit():
            raise ServiceError("ResourceNotFoundException", "The resource you requested does not exist.")
        return await self._layer_version(ctx, parts[6], int(parts[7]))

    async def list_layer_versions(self, ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
        docs = await self.store.read(lambda s: s.functions.layer_versions(ctx.account, ctx.region, req["LayerName"]))
        shown = [_layer_item(d) for d in docs if not d.get("Deleted") and _compatible(d, req)]
        return _paged(shown, req, "LayerVersions", lambda d: f"{int(d['Version']):012d}")

    async def list_layers(self, ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
        docs = await self.store.read(lambda s: s.functions.layer_versions(ctx.account, ctx.region))
        newest: dict[str, dict[str, Any]] = {}
        for d in docs:  # ordered by name, newest version first
            if not d.get("Deleted") and _compatible(d, req) and d["LayerArn"] not in newest:
                newest[d["LayerArn"]] = d
        layers = [{"LayerName": arn.rsplit(":", 1)[1], "LayerArn": arn, "LatestMatchingVersion": _layer_item(d)}
                  for arn, d in newest.items()]
        return _paged(layers, req, "Layers", lambda d: str(d["LayerName"]))

    async def delete_layer_version(self, ctx: RequestContext, req: dict[str, Any]) -> None:
        await self.store.write(lambda s: s.functions.delete_layer_version(ctx.account, ctx.region, req["LayerName"],
                                                                          int(req["VersionNumber"])))

    # -- invocation (invocation.py does the work) --------------------------------------
    async def invoke(self, ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
        ref = self._ref(ctx, req)
        return await self.invocations.invoke(ctx, ref, req)

    async def invoke_async(self, ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
        ref = self._ref(ctx, req)
        await self.invocations.invoke(ctx, ref, {"InvocationType": "Event", "Payload": req.get("InvokeArgs") or b""})
        return {"Status": 202}


def _range_error(field: str, value: int, low: int, high: int) -> ServiceError:
    bound = f"greater than or equal to {low}" if value < low else f"less than or equal to {high}"
    return ServiceError("ValidationException", f"1 validation error detected: Value '{value}' at '{field}' failed to "
                                               f"satisfy constraint: Member must have value {bound}")


def _shown(config: dict[str, Any]) -> dict[str, Any]:
    shown = configuration.public(config)
    if "Layers" in shown:
        shown["Layers"] = [{k: v for k, v in layer.items() if not k.startswith("_")} for layer in shown["Layers"]]
    return shown


def _statement(req: dict[str, Any], resource: str) -> dict[str, Any]:
    principal = req["Principal"]
    shown: Any
    if principal == "*":
        shown = "*"
    elif principal.isdigit():
        shown = {"AWS": f"arn:aws:iam::{principal}:root"}
    elif principal.startswith("arn:"):
        shown = {"AWS": principal}
    else:
        shown = {"Service": principal}
    statement: dict[str, Any] = {"Sid": req["StatementId"], "Effect": "Allow", "Principal": shown,
                                 "Action": req["Action"], "Resource": resource}
    condition: dict[str, dict[str, str]] = {}
    if req.get("SourceAccount"):
        condition.setdefault("StringEquals", {})["AWS:SourceAccount"] = req["SourceAccount"]
    if req.get("PrincipalOrgID"):
        condition.setdefault("StringEquals", {})["aws:PrincipalOrgID"] = req["PrincipalOrgID"]
    if req.get("FunctionUrlAuthType"):
        condition.setdefault("StringEquals", {})["lambda:FunctionUrlAuthType"] = req["FunctionUrlAuthType"]
    if req.get("EventSourceToken"):
        condition.setdefault("StringEquals", {})["lambda:EventSourceToken"] = req["EventSourceToken"]
    if req.get("SourceArn"):
        condition["ArnLike"] = {"AWS:SourceArn": req["SourceArn"]}
    if condition:
        statement["Condition"] = condition
    return statement


def _compatible(doc: dict[str, Any], req: dict[str, Any]) -> bool:
    runtime, arch = req.get("CompatibleRuntime"), req.get("CompatibleArchitecture")
    return (runtime is None or runtime in doc.get("CompatibleRuntimes", [])) and \
        (arch is None or arch in doc.get("CompatibleArchitectures", []))


def _layer_item(doc: dict[str, Any]) -> dict[str, Any]:
    item = {k: v for k, v in configuration.public(doc).items() if k not in ("Content", "LayerArn")}
    item["LayerVersionArn"] = f"{doc['LayerArn']}:{doc['Version']}"
    return item


def _paged(items: list[dict[str, Any]], req: dict[str, Any], member: str,
           key: Callable[[dict[str, Any]], str]) -> dict[str, Any]:
    """A Marker/MaxItems page over a list the service holds whole."""
    size = int(req.get("MaxItems") or 50)
    if not 1 <= size <= 10000:
        raise _invalid(f"MaxItems must be between 1 and 10000, found {size}.")
    start = 0
    if req.get("Marker"):
        after = decode_token(req["Marker"], error_code="InvalidParameterValueException", message="Invalid marker.")
        start = next((i + 1 for i, item in enumerate(items) if key(item) == after), len(items))
    page = items[start:start + size]
    answer: dict[str, Any] = {member: page}
    if start + size < len(items):
        answer["NextMarker"] = encode_token(key(page[-1]))
    return answer


OPERATIONS: OperationTable = {
    "CreateFunction": FunctionsService.create_function,
    "GetFunction": FunctionsService.get_function,
    "GetFunctionConfiguration": FunctionsService.get_function_configuration,
    "ListFunctions": FunctionsService.list_functions,
    "DeleteFunction": FunctionsService.delete_function,
    "UpdateFunctionCode": FunctionsService.update_function_code,
    "UpdateFunctionConfiguration": FunctionsService.update_function_configuration,
    "PublishVersion": FunctionsService.publish_version,
    "ListVersionsByFunction": FunctionsService.list_versions_by_function,
    "CreateAlias": FunctionsService.create_alias,
    "GetAlias": FunctionsService.get_alias,
    "UpdateAlias": FunctionsService.update_alias,
    "DeleteAlias": FunctionsService.delete_alias,
    "ListAliases": FunctionsService.list_aliases,
    "AddPermission": FunctionsService.add_permission,
    "RemovePermission": FunctionsService.remove_permission,
    "GetPolicy": FunctionsService.get_policy,
    "TagResource": FunctionsService.tag_resource,
    "UntagResource": FunctionsService.untag_resource,
    "ListTags": FunctionsService.list_tags,
    "GetAccountSettings": FunctionsService.get_account_settings,
    "PutFunctionConcurrency": FunctionsService.put_function_concurrency,
    "GetFunctionConcurrency": FunctionsService.get_function_concurrency,
    "DeleteFunctionConcurrency": FunctionsService.delete_function_concurrency,
    "PutFunctionEventInvokeConfig": FunctionsService.put_function_event_invoke_config,
    "UpdateFunctionEventInvokeConfig": FunctionsService.update_function_event_invoke_config,
    "GetFunctionEventInvokeConfig": FunctionsService.get_function_event_invoke_config,
    "DeleteFunctionEventInvokeConfig": FunctionsService.delete_function_event_invoke_config,
    "ListFunctionEventInvokeConfigs": FunctionsService.list_function_event_invoke_configs,
    "CreateFunctionUrlConfig": FunctionsService.create_function_url_config,
    "GetFunctionUrlConfig": FunctionsService.get_function_url_config,
    "UpdateFunctionUrlConfig": FunctionsService.update_function_url_config,
    "DeleteFunctionUrlConfig": FunctionsService.delete_function_url_config,
    "ListFunctionUrlConfigs": FunctionsService.list_function_url_configs,
    "PublishLayerVersion": FunctionsService.publish_layer_version,
    "GetLayerVersion": FunctionsService.get_layer_version,
    "GetLayerVersionByArn": FunctionsService.get_layer_version_by_arn,
    "ListLayerVersions": FunctionsService.list_layer_versions,
    "ListLayers": FunctionsService.list_layers,
    "DeleteLayerVersion": FunctionsService.delete_layer_version,
    "Invoke": FunctionsService.invoke,
    "InvokeAsync": FunctionsService.invoke_async,
    "CreateEventSourceMapping": EventSourceMappings.create_event_source_mapping,
    "GetEventSourceMapping": EventSourceMappings.get_event_source_mapping,
    "UpdateEventSourceMapping": EventSourceMappings.update_event_source_mapping,
    "DeleteEventSourceMapping": EventSourceMappings.delete_event_source_mapping,
    "ListEventSourceMappings": EventSourceMappings.list_event_source_mappings,
}

__all__ = ["FunctionsService", "OPERATIONS", "SETTLE_JOB"]
