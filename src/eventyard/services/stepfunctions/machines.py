"""State machines, their versions and aliases, definition checks and tags."""

from __future__ import annotations

import uuid
from typing import Any

from eventyard.core import clock
from eventyard.core.errors import ServiceError
from eventyard.core.identity import RequestContext
from eventyard.core.states import DefinitionInvalid, validate_definition
from eventyard.services._pagination import Page
from eventyard.services.stepfunctions._base import (
    StatesArn,
    check_name,
    check_tags,
    compiled,
    epoch_seconds,
    invalid_arn,
    invalid_name,
    machine_arn,
    machine_not_found,
    owned,
    parse_arn,
    resource_not_found,
    tags_in,
    validation,
)
from eventyard.store import ConflictError, Session, Store
from eventyard.store.states import AliasRecord, MachineRecord, VersionRecord

DEFAULT_LOGGING = {"level": "OFF", "includeExecutionData": False}
DEFAULT_TRACING = {"enabled": False}
DEFAULT_ENCRYPTION = {"type": "AWS_OWNED_KEY"}
MAX_PAGE = 1000
DEFAULT_PAGE = 100


def invalid_token(token: str | None = None) -> ServiceError:
    return ServiceError("InvalidToken", f"Invalid Token: '{token}'" if token else "Invalid Token")


def page(params: dict[str, Any]) -> Page:
    size = params.get("maxResults") or DEFAULT_PAGE
    return Page(params.get("nextToken"), min(size, MAX_PAGE), error_code="InvalidToken",
                message=f"Invalid Token: '{params.get('nextToken')}'")


def check_definition(definition: str, machine_type: str) -> None:
    try:
        compiled(definition, machine_type)
    except DefinitionInvalid as refused:
        raise ServiceError("InvalidDefinition", refused.message) from None


def check_role(role_arn: str) -> None:
    parts = role_arn.split(":")
    if len(parts) < 6 or parts[0] != "arn" or parts[2] != "iam" or not parts[5].startswith("role/"):
        raise invalid_arn(role_arn, "ARN_MALFORMED" if len(parts) < 6 else None)


def check_logging(config: dict[str, Any] | None) -> dict[str, Any]:
    if config is None:
        return dict(DEFAULT_LOGGING)
    level = config.get("level", "OFF")
    destinations = config.get("destinations") or []
    if level != "OFF" and not destinations:
        raise ServiceError("InvalidLoggingConfiguration",
                           "Invalid Logging Configuration: Must specify exactly one Log Destination.")
    if len(destinations) > 1:
        raise ServiceError("InvalidLoggingConfiguration",
                           "Invalid Logging Configuration: Must specify exactly one Log Destination.")
    out: dict[str, Any] = {"level": level, "includeExecutionData": bool(config.get("includeExecutionData", False))}
    if destinations:
        out["destinations"] = destinations
    return out


class MachineOperations:
    store: Store

    # -- resolving -----------------------------------------------------------------------
    def _machine(self, s: Session, ctx: RequestContext, arn: str) -> MachineRecord:
        parsed = parse_arn(arn, "stateMachine")
        owned(ctx, parsed, arn)
        if len(parsed.parts) != 1:
            raise invalid_arn(arn)
        record = s.states.get(arn)
        if record is None:
            raise machine_not_found(arn)
        return record

    def _target(self, s: Session, ctx: RequestContext, arn: str) -> tuple[MachineRecord, VersionRecord | None,
                                                                           AliasRecord | None, StatesArn]:
        """A state machine, one of its versions, or one of its aliases."""
        parsed = parse_arn(arn, "stateMachine")
        owned(ctx, parsed, arn)
        base = machine_arn(parsed.region, parsed.account, parsed.parts[0])
        machine = s.states.get(base)
        if len(parsed.parts) == 1:
            if machine is None:
                raise machine_not_found(arn)
            return machine, None, None, parsed
        if len(parsed.parts) != 2:
            raise invalid_arn(arn)
        if machine is None:
            raise machine_not_found(arn)
        if parsed.parts[1].isdigit():
            version = s.states.version(arn)
            if version is None:
                raise machine_not_found(arn)
            return machine, version, None, parsed
        alias = s.states.alias(arn)
        if alias is None:
            raise resource_not_found(arn)
        return machine, None, alias, parsed

    # -- state machines ------------------------------------------------------------------
    async def create_state_machine(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        name = check_name(params["name"])
        machine_type = params.get("type", "STANDARD")
        definition = params["definition"]
        check_role(params["roleArn"])
        check_definition(definition, machine_type)
        await self._check_managed_rules(ctx, definition, params["roleArn"])
        logging = check_logging(params.get("loggingConfiguration"))
        tracing = params.get("tracingConfiguration") or dict(DEFAULT_TRACING)
        tags = tags_in(params.get("tags"))
        arn = machine_arn(ctx.region, ctx.account, name)
        check_tags(tags, arn)
        publish = bool(params.get("publish"))
        if params.get("versionDescription") is not None and not publish:
            raise validation("Version description can only be set when publish is true")
        config = {"loggingConfiguration": logging, "tracingConfiguration": {"enabled": bool(tracing.get("enabled"))},
                  "encryptionConfiguration": params.get("encryptionConfiguration") or dict(DEFAULT_ENCRYPTION)}
        now = clock.now_ms()

        def create(s: Session) -> dict[str, Any]:
            existing = s.states.get(arn)
            digest = s.states.keep_definition(definition)
            if existing is not None:
                # the same create again is answered as the first was (AWS: idempotent)
                if (existing.definition_hash, existing.role_arn, existing.machine_type) == (
                        digest, params["roleArn"], machine_type) and existing.config == config:
                    answer = {"stateMachineArn": arn, "creationDate": epoch_seconds(existing.created_at)}
                    return answer
                raise ServiceError("StateMachineAlreadyExists", f"State Machine Already Exists: '{arn}'")
            record = MachineRecord(arn, ctx.account, ctx.region, name, machine_type, digest, params["roleArn"], None,
                                   config, str(uuid.uuid4()), 1, now, now)
            s.states.insert(record)
            if tags:
                s.tags.put(arn, tags)
            answer = {"stateMachineArn": arn, "creationDate": epoch_seconds(now)}
            if publish:
                answer["stateMachineVersionArn"] = self._publish(s, record, params.get("versionDescription"), now)
            return answer

        try:
            return await self.store.write(create)
        except ConflictError:
            raise ServiceError("StateMachineAlreadyExists", f"State Machine Already Exists: '{arn}'") from None

    async def _check_managed_rules(self, ctx: RequestContext, definition: str, role_arn: str) -> None:
        integrations = getattr(self, "integrations", None)  # the service's (ExecutionOperations)
        if integrations is not None:
            await integrations.check_managed_rules(definition, role_arn, ctx.account, ctx.region)

    def _publish(self, s: Session, record: MachineRecord, description: str | None, now: int) -> str:
        latest = s.states.versions(record.arn)
        if latest and (latest[0].revision_id == record.revision_id):
            return latest[0].arn  # nothing changed since: the same version (AWS does not publish twice)
        number = record.next_version
        arn = f"{record.arn}:{number}"
        s.states.insert_version(VersionRecord(arn, record.arn, number, record.definition_hash, record.role_arn,
                                              description, record.config, record.revision_id, now))
        s.states.update(MachineRecord(**{**record.__dict__, "next_version": number + 1}))
        return arn

    async def describe_state_machine(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        arn = params["stateMachineArn"]

        def read(s: Session) -> dict[str, Any]:
            machine, version, alias, _ = self._target(s, ctx, arn)
            if alias is not None:
                raise invalid_arn(arn)
            if version is not None:
                body = s.states.definition(version.definition_hash)
                answer = self._machine_described(machine, body or "", version.role_arn, version.config, version.created_at)
                answer.update(stateMachineArn=version.arn, revisionId=version.revision_id)
                if version.description is not None:
                    answer["description"] = version.description
                return answer
            body = s.states.definition(machine.definition_hash)
            answer = self._machine_described(machine, body or "", machine.role_arn, machine.config, machine.created_at)
            answer["revisionId"] = machine.revision_id
            return answer

        return await self.store.read(read)

    @staticmethod
    def _machine_described(machine: MachineRecord, body: str, role: str, config: dict[str, Any], created: int
                   ) -> dict[str, Any]:
        return {"stateMachineArn": machine.arn, "name": machine.name, "status": "ACTIVE", "definition": body,
                "roleArn": role, "type": machine.machine_type, "creationDate": epoch_seconds(created),
                "loggingConfiguration": config["loggingConfiguration"],
                "tracingConfiguration": config["tracingConfiguration"],
                "encryptionConfiguration": config.get("encryptionConfiguration", DEFAULT_ENCRYPTION)}

    async def update_state_machine(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        arn = params["stateMachineArn"]
        changes = ("definition", "roleArn", "loggingConfiguration", "tracingConfiguration", "encryptionConfiguration")
        publish = bool(params.get("publish"))
        if not any(params.get(k) is not None for k in changes) and not publish:
            raise ServiceError("MissingRequiredParameter", "Either the definition, the role ARN, the "
                               "LoggingConfiguration, the EncryptionConfiguration or the TracingConfiguration "
                               "must be specified")
        if params.get("versionDescription") is not None and not publish:
            raise validation("Version description can only be set when publish is true")
        if params.get("roleArn") is not None:
            check_role(params["roleArn"])
        logging = check_logging(params["loggingConfiguration"]) if params.get("loggingConfiguration") else None
        if (params.get("definition") is not None or params.get("roleArn") is not None) and getattr(
                getattr(self, "integrations", None), "enforcer", None) is not None:
            def current(s: Session) -> tuple[str, str] | None:
                machine = s.states.get(arn)
                return None if machine is None else (s.states.definition(machine.definition_hash) or "",
                                                     machine.role_arn)

            found = await self.store.read(current)
            if found is not None:
                await self._check_managed_rules(ctx, params.get("definition") or found[0],
                                                params.get("roleArn") or found[1])
        now = clock.now_ms()

        def update(s: Session) -> dict[str, Any]:
            machine = self._machine(s, ctx, arn)
            if params.get("definition") is not None:
                check_definition(params["definition"], machine.machine_type)
            config = dict(machine.config)
            if logging is not None:
                config["loggingConfiguration"] = logging
            if params.get("tracingConfiguration") is not None:
                config["tracingConfiguration"] = {"enabled": bool(params["tracingConfiguration"].get("enabled"))}
            if params.get("encryptionConfiguration") is not None:
                config["encryptionConfiguration"] = params["encryptionConfiguration"]
            digest = (s.states.keep_definition(params["definition"]) if params.get("definition") is not None
                      else machine.definition_hash)
            role = params.get("roleArn") or machine.role_arn
            changed = (digest, role, config) != (machine.definition_hash, machine.role_arn, machine.config)
            revision = str(uuid.uuid4()) if changed else machine.revision_id
            record = MachineRecord(**{**machine.__dict__, "definition_hash": digest, "role_arn": role,
                                      "config": config, "revision_id": revision, "updated_at": now})
            s.states.update(record)
            answer: dict[str, Any] = {"updateDate": epoch_seconds(now), "revisionId": revision}
            if publish:
                answer["stateMachineVersionArn"] = self._publish(s, record, params.get("versionDescription"), now)
            return answer

        return await self.store.write(update)

    async def delete_state_machine(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        arn = params["stateMachineArn"]
        parsed = parse_arn(arn, "stateMachine")
        owned(ctx, parsed, arn)

        def delete(s: Session) -> None:
            if len(parsed.parts) == 2 and parsed.parts[1].isdigit():
                s.states.delete_version(arn)
                return
            if len(parsed.parts) != 1:
                raise invalid_arn(arn)
            if s.states.delete(arn):
                s.tags.remove_all(arn)

        await self.store.write(delete)
        return {}

    async def list_state_machines(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        p = page(params)
        found = await self.store.read(lambda s: s.states.list(ctx.account, ctx.region, after=p.after,
                                                               limit=p.read_limit))
        shown, token = p.cut(found, lambda m: m.arn)
        answer: dict[str, Any] = {"stateMachines": [
            {"stateMachineArn": m.arn, "name": m.name, "type": m.machine_type,
             "creationDate": epoch_seconds(m.created_at)} for m in shown]}
        if token:
            answer["nextToken"] = token
        return answer

    async def validate_state_machine_definition(self, ctx: RequestContext, params: dict[str, Any]
                                                ) -> dict[str, Any]:
        diagnostics = validate_definition(params["definition"], params.get("type", "STANDARD"))
        severity = params.get("severity", "ERROR")
        if severity == "ERROR":
            diagnostics = [d for d in diagnostics if d.severity == "ERROR"]
        limit = params.get("maxResults") or 100
        shown = diagnostics[:limit]
        result = "FAIL" if any(d.severity == "ERROR" for d in diagnostics) else "OK"
        return {"result": result, "diagnostics": [d.as_api() for d in shown], "truncated": len(diagnostics) > limit}

    # -- versions ----------------------------------------------------------------------
    async def publish_state_machine_version(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        arn = params["stateMachineArn"]
        now = clock.now_ms()

        def publish(s: Session) -> dict[str, Any]:
            machine = self._machine(s, ctx, arn)
            if params.get("revisionId") is not None and params["revisionId"] != machine.revision_id:
                raise ServiceError("ConflictException",
                                   f"Failed to publish the State Machine version for revision {params['revisionId']}."
                                   f" The current State Machine revision is {machine.revision_id}.")
            version_arn = self._publish(s, machine, params.get("description"), now)
            version = s.states.version(version_arn)
            assert version is not None
            return {"creationDate": epoch_seconds(version.created_at), "stateMachineVersionArn": version_arn}

        return await self.store.write(publish)

    async def list_state_machine_versions(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        arn = params["stateMachineArn"]
        p = page(params)

        def read(s: Session) -> list[VersionRecord]:
            parsed = parse_arn(arn, "stateMachine")
            owned(ctx, parsed, arn)
            return s.states.versions(arn)

        versions = p.resume(await self.store.read(read), lambda v: v.arn)
        shown, token = p.cut(list(versions), lambda v: v.arn)
        answer: dict[str, Any] = {"stateMachineVersions": [
            {"stateMachineVersionArn": v.arn, "creationDate": epoch_seconds(v.created_at)} for v in shown]}
        if token:
            answer["nextToken"] = token
        return answer

    async def delete_state_machine_version(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        arn = params["stateMachineVersionArn"]
        parsed = parse_arn(arn, "stateMachine")
        owned(ctx, parsed, arn)
        if len(parsed.parts) != 2 or not parsed.parts[1].isdigit():
            raise invalid_arn(arn)

        def delete(s: Session) -> None:
            base = machine_arn(parsed.region, parsed.account, parsed.parts[0])
            for alias in s.states.aliases(base):
                if any(r["stateMachineVersionArn"] == arn for r in alias.routing):
                    raise ServiceError("ConflictException",
                                       f"Version to be deleted must not be referenced by an alias. Current list of "
                                       f"aliases referencing this version: [{alias.arn}]")
            s.states.delete_version(arn)

        await self.store.write(delete)
        return {}

    # -- aliases -------------------------------------------------------------------------
    def _routing(self, s: Session, ctx: RequestContext, routing: list[dict[str, Any]]) -> str:
        """The routing's versions exist and belong to one state machine; that machine."""
        machines = set()
        for route in routing:
            version_arn = route["stateMachineVersionArn"]
            parsed = parse_arn(version_arn, "stateMachine")
            owned(ctx, parsed, version_arn)
            if len(parsed.parts) != 2 or not parsed.parts[1].isdigit():
                raise invalid_arn(version_arn)
            if s.states.version(version_arn) is None:
                raise resource_not_found(version_arn)
            machines.add(machine_arn(parsed.region, parsed.account, parsed.parts[0]))
        if len(machines) != 1:
            raise validation("Routing configuration must contain distinct state machine versions of the same "
                             "state machine")
        if len({r["stateMachineVersionArn"] for r in routing}) != len(routing):
            raise validation("Routing configuration must contain distinct state machine versions")
        if sum(int(r["weight"]) for r in routing) != 100:
            raise validation("Sum of routing configuration weights must be equal to 100")
        return machines.pop()

    async def create_state_machine_alias(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        name = check_name(params["name"])
        if name.isdigit():
            raise invalid_name(name)
        routing = params["routingConfiguration"]
        now = clock.now_ms()

        def create(s: Session) -> dict[str, Any]:
            machine = self._routing(s, ctx, routing)
            if s.states.get(machine) is None:
                raise resource_not_found(machine)
            arn = f"{machine}:{name}"
            existing = s.states.alias(arn)
            if existing is not None:
                if existing.routing == routing and existing.description == params.get("description"):
                    return {"stateMachineAliasArn": arn, "creationDate": epoch_seconds(existing.created_at)}
                raise ServiceError("ConflictException", f"Failed to create alias because an alias with the same "
                                   f"name and a different routing configuration already exists.")
            s.states.put_alias(AliasRecord(arn, machine, name, params.get("description"), routing, now, now))
            return {"stateMachineAliasArn": arn, "creationDate": epoch_seconds(now)}

        return await self.store.write(create)

    async def describe_state_machine_alias(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        arn = params["stateMachineAliasArn"]

        def read(s: Session) -> dict[str, Any]:
            _, _, alias, _ = self._target(s, ctx, arn)
            if alias is None:
                raise invalid_arn(arn)
            answer: dict[str, Any] = {"stateMachineAliasArn": alias.arn, "name": alias.name,
                                      "routingConfiguration": alias.routing,
                                      "creationDate": epoch_seconds(alias.created_at),
                                      "updateDate": epoch_seconds(alias.updated_at)}
            if alias.description is not None:
                answer["description"] = alias.description
            return answer

        return await self.store.read(read)

    async def update_state_machine_alias(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        arn = params["stateMachineAliasArn"]
        if params.get("description") is None and params.get("routingConfiguration") is None:
            raise validation("Either the description or the RoutingConfiguration must be specified")
        now = clock.now_ms()

        def update(s: Session) -> dict[str, Any]:
            _, _, alias, _ = self._target(s, ctx, arn)
            if alias is None:
                raise invalid_arn(arn)
            routing = params.get("routingConfiguration") or alias.routing
            if params.get("routingConfiguration") is not None and self._routing(s, ctx, routing) != alias.machine_arn:
                raise validation("Routing configuration must contain state machine versions of the alias's "
                                 "state machine")
            description = params["description"] if params.get("description") is not None else alias.description
            s.states.put_alias(AliasRecord(alias.arn, alias.machine_arn, alias.name, description, routing,
                                           alias.created_at, now))
            return {"updateDate": epoch_seconds(now)}

        return await self.store.write(update)

    async def delete_state_machine_alias(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        arn = params["stateMachineAliasArn"]
        parsed = parse_arn(arn, "stateMachine")
        owned(ctx, parsed, arn)
        if len(parsed.parts) != 2 or parsed.parts[1].isdigit():
            raise invalid_arn(arn)
        await self.store.write(lambda s: s.states.delete_alias(arn))
        return {}

    async def list_state_machine_aliases(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        arn = params["stateMachineArn"]
        p = page(params)

        def read(s: Session) -> list[AliasRecord]:
            self._machine(s, ctx, arn)
            return s.states.aliases(arn)

        aliases = p.resume(await self.store.read(read), lambda a: a.arn)
        shown, token = p.cut(list(aliases), lambda a: a.arn)
        answer: dict[str, Any] = {"stateMachineAliases": [
            {"stateMachineAliasArn": a.arn, "creationDate": epoch_seconds(a.created_at)} for a in shown]}
        if token:
            answer["nextToken"] = token
        return answer

    # -- tags ------------------------------------------------------------------------------
    def _taggable(self, s: Session, ctx: RequestContext, arn: str) -> None:
        parsed = parse_arn(arn, "stateMachine", "activity")
        owned(ctx, parsed, arn)
        exists = s.states.get(arn) if parsed.kind == "stateMachine" else s.states.activity(arn)
        if exists is None or len(parsed.parts) != 1:
            raise resource_not_found(arn)

    async def tag_resource(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        arn = params["resourceArn"]
        tags = tags_in(params["tags"])

        def tag(s: Session) -> None:
            self._taggable(s, ctx, arn)
            check_tags({**s.tags.get(arn), **tags}, arn)
            s.tags.put(arn, tags)

        await self.store.write(tag)
        return {}

    async def untag_resource(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        arn = params["resourceArn"]

        def untag(s: Session) -> None:
            self._taggable(s, ctx, arn)
            s.tags.remove(arn, list(params["tagKeys"]))

        await self.store.write(untag)
        return {}

    async def list_tags_for_resource(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        arn = params["resourceArn"]

        def read(s: Session) -> dict[str, str]:
            self._taggable(s, ctx, arn)
            return s.tags.get(arn)

        tags = await self.store.read(read)
        return {"tags": [{"key": k, "value": v} for k, v in tags.items()]}

