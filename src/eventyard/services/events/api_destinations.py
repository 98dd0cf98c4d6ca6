"""API destinations: CreateApiDestination, DescribeApiDestination, ListApiDestinations,
UpdateApiDestination, DeleteApiDestination.

An API destination is an HTTP endpoint (``*`` in it stands for path parameters that
targets fill in), a method, a connection that authorizes the calls, and a rate limit
(``InvocationRateLimitPerSecond``, 1 to 300, default 300). It is ``ACTIVE`` while its
connection is ``AUTHORIZED`` and ``INACTIVE`` otherwise, as recorded on AWS (an OAuth
connection still authorizing makes it ``INACTIVE``).

AWS accepts only ``https://`` endpoints; eventyard takes ``http://`` as well, because a
self-hosted bus mostly calls services on its own network. Delivery: ``_http``.
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from typing import Any

from eventyard.core import arns, clock
from eventyard.core.errors import ServiceError, ValidationError, Violation
from eventyard.core.identity import RequestContext
from eventyard.services._pagination import Page
from eventyard.services.events.connections import AUTHORIZED, is_http_url
from eventyard.store import ConflictError, Session, Store
from eventyard.store.api_destinations import ApiDestinationRecord

LIST_LIMIT = 100
DEFAULT_RATE = 300
MAX_RATE = 300  # AWS's quota: invocations per second per API destination


def api_destination_arn(ctx: RequestContext, name: str) -> str:
    return arns.build("events", ctx.region, ctx.account, f"api-destination/{name}/{uuid.uuid4()}")


def api_destination_not_found(name: str, action: str = "describe") -> ServiceError:
    return ServiceError("ResourceNotFoundException",
                        f"Failed to {action} the api-destination(s). An api-destination '{name}' does not exist.")


def _check_rate(rate: int | None) -> None:
    if rate is not None and rate > MAX_RATE:
        raise ValidationError([Violation("invocationRateLimitPerSecond", rate,
                                         f"Member must have value less than or equal to {MAX_RATE}", "range")])


def _check_endpoint(endpoint: str | None) -> None:
    if endpoint is not None and not is_http_url(endpoint):
        raise ServiceError("ValidationException",
                           f"Parameter InvocationEndpoint is not valid. Reason: {endpoint} is not an HTTPS URL.")


class ApiDestinationOperations:
    def __init__(self, store: Store) -> None:
        self.store = store

    def _destination(self, s: Session, ctx: RequestContext, name: str, action: str = "describe") -> ApiDestinationRecord:
        record = s.api_destinations.get(ctx.account, ctx.region, name)
        if record is None:
            raise api_destination_not_found(name, action)
        return record

    @staticmethod
    def _check_connection(s: Session, ctx: RequestContext, arn_text: str) -> None:
        arn = arns.parse(arn_text)
        found = s.connections.by_arn(arn_text) if arn is not None else None
        if found is None or found.account_id != ctx.account or found.region != ctx.region:
            name = arn.resource.split("/")[1] if arn is not None and arn.resource.count("/") >= 2 else arn_text
            raise ServiceError("ResourceNotFoundException", f"Connection '{name}' does not exist.")

    @staticmethod
    def _state(s: Session, record: ApiDestinationRecord) -> str:
        connection = s.connections.by_arn(record.connection_arn)
        return "ACTIVE" if connection is not None and connection.state == AUTHORIZED else "INACTIVE"

    @staticmethod
    def _summary(record: ApiDestinationRecord, state: str) -> dict[str, Any]:
        return {"ApiDestinationArn": record.arn, "ApiDestinationState": state,
                "CreationTime": record.created_at / 1000, "LastModifiedTime": record.modified_at / 1000}

    @staticmethod
    def _describe_destination(record: ApiDestinationRecord, state: str, *, listed: bool = False) -> dict[str, Any]:
        out: dict[str, Any] = {"ApiDestinationArn": record.arn, "Name": record.name}
        if record.description is not None and not listed:
            out["Description"] = record.description
        out.update(ApiDestinationState=state, ConnectionArn=record.connection_arn,
                   InvocationEndpoint=record.endpoint, HttpMethod=record.http_method,
                   InvocationRateLimitPerSecond=record.rate_limit, CreationTime=record.created_at / 1000,
                   LastModifiedTime=record.modified_at / 1000)
        return out

    # -- operations ------------------------------------------------------------------
    async def create_api_destination(self, ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
        name: str = req["Name"]
        rate = req.get("InvocationRateLimitPerSecond")
        _check_rate(rate)
        _check_endpoint(req["InvocationEndpoint"])
        now = clock.now_ms()
        record = ApiDestinationRecord(ctx.account, ctx.region, name, api_destination_arn(ctx, name),
                                      req.get("Description"), req["ConnectionArn"], req["InvocationEndpoint"],
                                      req["HttpMethod"], rate or DEFAULT_RATE, now, now)

        def create(s: Session) -> str:
            if s.api_destinations.get(ctx.account, ctx.region, name) is not None:
                raise ServiceError("ResourceAlreadyExistsException", f"An api-destination '{name}' already exists.")
            self._check_connection(s, ctx, record.connection_arn)
            s.api_destinations.insert(record)
            return self._state(s, record)

        try:
            state = await self.store.write(create)
        except ConflictError:
            raise ServiceError("ResourceAlreadyExistsException", f"An api-destination '{name}' already exists.") from None
        return self._summary(record, state)

    async def describe_api_destination(self, ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
        def read(s: Session) -> tuple[ApiDestinationRecord, str]:
            record = self._destination(s, ctx, req["Name"])
            return record, self._state(s, record)

        record, state = await self.store.read(read)
        return self._describe_destination(record, state)

    async def list_api_destinations(self, ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
        page = Page(req.get("NextToken"), req.get("Limit") or LIST_LIMIT)

        def read(s: Session) -> list[tuple[ApiDestinationRecord, str]]:
            found = s.api_destinations.list(ctx.account, ctx.region, prefix=req.get("NamePrefix"),
                                            connection_arn=req.get("ConnectionArn"), after=page.after,
                                            limit=page.read_limit)
            return [(r, self._state(s, r)) for r in found]

        shown, token = page.cut(await self.store.read(read), lambda item: item[0].name)
        out: dict[str, Any] = {"ApiDestinations": [self._describe_destination(r, st, listed=True) for r, st in shown]}
        if token is not None:
            out["NextToken"] = token
        return out

    async def update_api_destination(self, ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
        _check_rate(req.get("InvocationRateLimitPerSecond"))
        _check_endpoint(req.get("InvocationEndpoint"))
        now = clock.now_ms()

        def update(s: Session) -> tuple[ApiDestinationRecord, str]:
            current = self._destination(s, ctx, req["Name"], "update")
            if req.get("ConnectionArn") is not None:
                self._check_connection(s, ctx, req["ConnectionArn"])
            record = replace(
                current,
                description=req["Description"] if "Description" in req else current.description,
                connection_arn=req.get("ConnectionArn") or current.connection_arn,
                endpoint=req.get("InvocationEndpoint") or current.endpoint,
                http_method=req.get("HttpMethod") or current.http_method,
                rate_limit=req.get("InvocationRateLimitPerSecond") or current.rate_limit,
                modified_at=now,
            )
            s.api_destinations.replace(record)
            return record, self._state(s, record)

        record, state = await self.store.write(update)
        return self._summary(record, state)

    async def delete_api_destination(self, ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
        def delete(s: Session) -> None:
            self._destination(s, ctx, req["Name"], "delete")
            s.api_destinations.delete(ctx.account, ctx.region, req["Name"])

        await self.store.write(delete)
        return {}
