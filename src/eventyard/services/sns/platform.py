"""Mobile push and SMS: platform applications and endpoints, SMS settings, opt-outs and the
SMS sandbox. All of it is stored and answered as AWS does; eventyard sends no push
notification and no text message (Publish to an endpoint or a phone number is accepted
and not delivered)."""

from __future__ import annotations

import re
import uuid
from typing import Any

from eventyard.core import arns, clock
from eventyard.core.errors import ServiceError
from eventyard.core.identity import RequestContext
from eventyard.services._pagination import Page
from eventyard.services.sns._common import INVALID_PARAMETER, check_owner, invalid, not_found
from eventyard.store import Session, Store
from eventyard.store.sns_platform import PlatformApplication, PlatformEndpoint

PLATFORMS = ("ADM", "APNS", "APNS_SANDBOX", "GCM", "BAIDU", "MPNS", "WNS", "APNS_VOIP", "APNS_VOIP_SANDBOX")
_APP_NAME = re.compile(r"[A-Za-z0-9_.-]{1,256}")
_PHONE = re.compile(r"\+?[1-9][0-9]{1,14}")
_OTP = re.compile(r"[0-9]{5,8}")
SMS_ATTRIBUTES = ("MonthlySpendLimit", "DeliveryStatusIAMRole", "DeliveryStatusSuccessSamplingRate",
                  "DefaultSenderID", "DefaultSMSType", "UsageReportS3Bucket")
_SECRET = ("PlatformCredential",)  # written, never shown again
PAGE = 100


def _page(token: str | None, size: int = PAGE) -> Page:
    return Page(token, size, error_code=INVALID_PARAMETER)


def check_phone(number: str, field: str = "PhoneNumber") -> str:
    if not _PHONE.fullmatch(number):
        raise invalid(f"{field} Reason: input incorrectly formatted")
    return number


class PlatformOperations:
    """Mobile push (applications and endpoints, stored, not delivered) and SMS settings."""

    def __init__(self, store: Store) -> None:
        self.store = store

    # -- platform applications -------------------------------------------------------
    async def create_platform_application(self, ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
        name, platform = req["Name"], req["Platform"]
        if not _APP_NAME.fullmatch(name):
            raise invalid("Invalid platform application name")
        if platform not in PLATFORMS:
            raise invalid(f"Platform Reason: {platform} is not supported")
        arn = arns.build("sns", ctx.region, ctx.account, f"app/{platform}/{name}")
        attributes = {"Enabled": "true", **(req.get("Attributes") or {})}
        app = PlatformApplication(arn, ctx.account, ctx.region, name, platform, attributes)
        now = clock.now_ms()
        await self.store.write(lambda s: s.sns_platform.add_application(app, now))
        return {"PlatformApplicationArn": arn}

    async def _application(self, arn: str, ctx: RequestContext | None = None) -> PlatformApplication:
        if ctx is not None:
            check_owner(ctx.account, ctx.operation or "", arn)
        app = await self.store.read(lambda s: s.sns_platform.application(arn))
        if app is None:
            raise not_found("PlatformApplication does not exist")
        return app

    async def get_platform_application_attributes(self, ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
        app = await self._application(req["PlatformApplicationArn"], ctx)
        return {"Attributes": {k: v for k, v in app.attributes.items() if k not in _SECRET}}

    async def set_platform_application_attributes(self, ctx: RequestContext, req: dict[str, Any]) -> None:
        app = await self._application(req["PlatformApplicationArn"], ctx)
        attributes = {**app.attributes, **(req.get("Attributes") or {})}
        await self.store.write(lambda s: s.sns_platform.set_application_attributes(app.arn, attributes))

    async def list_platform_applications(self, ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
        page = _page(req.get("NextToken"))
        found = await self.store.read(lambda s: s.sns_platform.applications(
            ctx.account, ctx.region, after=page.after, limit=page.read_limit))
        shown, token = page.cut(found, lambda a: a.arn)
        out: dict[str, Any] = {"PlatformApplications": [
            {"PlatformApplicationArn": a.arn, "Attributes": {k: v for k, v in a.attributes.items() if k not in _SECRET}}
            for a in shown]}
        if token is not None:
            out["NextToken"] = token
        return out

    async def delete_platform_application(self, ctx: RequestContext, req: dict[str, Any]) -> None:
        arn = req["PlatformApplicationArn"]
        check_owner(ctx.account, "DeletePlatformApplication", arn)
        await self.store.write(lambda s: s.sns_platform.delete_application(arn))

    # -- endpoints -------------------------------------------------------------------
    async def create_platform_endpoint(self, ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
        app = await self._application(req["PlatformApplicationArn"], ctx)
        token = req["Token"]
        if not token:
            raise invalid("Token Reason: cannot be empty")
        attributes = {"Enabled": "true", "Token": token, **(req.get("Attributes") or {})}
        if req.get("CustomUserData") is not None:
            attributes["CustomUserData"] = req["CustomUserData"]
        arn = arns.build("sns", app.region, app.account_id, f"endpoint/{app.platform}/{app.name}/{uuid.uuid4()}")
        now = clock.now_ms()

        def unit(s: Session) -> str:
            existing = s.sns_platform.endpoint_by_token(app.arn, token)
            if existing is not None:  # the same token: the same endpoint, if nothing differs
                if any(existing.attributes.get(k) != v for k, v in attributes.items()):
                    raise invalid(f"Token Reason: Endpoint {existing.arn} already exists with the same Token, "
                                  "but different attributes.")
                return existing.arn
            s.sns_platform.add_endpoint(PlatformEndpoint(arn, app.arn, token, attributes), now)
            return arn

        return {"EndpointArn": await self.store.write(unit)}

    async def _endpoint(self, arn: str, ctx: RequestContext | None = None) -> PlatformEndpoint:
        if ctx is not None:
            check_owner(ctx.account, ctx.operation or "", arn)
        endpoint = await self.store.read(lambda s: s.sns_platform.endpoint(arn))
        if endpoint is None:
            raise not_found("Endpoint does not exist")
        return endpoint

    async def get_endpoint_attributes(self, ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
        return {"Attributes": dict((await self._endpoint(req["EndpointArn"], ctx)).attributes)}

    async def set_endpoint_attributes(self, ctx: RequestContext, req: dict[str, Any]) -> None:
        endpoint = await self._endpoint(req["EndpointArn"], ctx)
        attributes = {**endpoint.attributes, **(req.get("Attributes") or {})}
        if "Enabled" in attributes and attributes["Enabled"].lower() not in ("true", "false"):
            raise invalid("Attributes Reason: Enabled must be true or false")
        await self.store.write(lambda s: s.sns_platform.set_endpoint(endpoint.arn, attributes["Token"], attributes))

    async def delete_endpoint(self, ctx: RequestContext, req: dict[str, Any]) -> None:
        arn = req["EndpointArn"]
        check_owner(ctx.account, "DeleteEndpoint", arn)
        await self.store.write(lambda s: s.sns_platform.delete_endpoint(arn))  # idempotent, as on AWS

    async def list_endpoints_by_platform_application(self, ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
        app = await self._application(req["PlatformApplicationArn"], ctx)
        page = _page(req.get("NextToken"))
        found = await self.store.read(lambda s: s.sns_platform.endpoints(
            app.arn, after=page.after, limit=page.read_limit))
        shown, token = page.cut(found, lambda e: e.arn)
        out: dict[str, Any] = {"Endpoints": [{"EndpointArn": e.arn, "Attributes": e.attributes} for e in shown]}
        if token is not None:
            out["NextToken"] = token
        return out

    async def check_endpoint_publishable(self, arn: str, ctx: RequestContext | None = None) -> None:
        """Publish with a TargetArn that names an endpoint: accepted (not delivered) while
        the endpoint exists and is enabled (and is the caller's)."""
        if ctx is not None:
            check_owner(ctx.account, ctx.operation or "", arn)
        endpoint = await self.store.read(lambda s: s.sns_platform.endpoint(arn))
        if endpoint is None:
            raise invalid("TargetArn Reason: No endpoint found for the target arn specified")
        if endpoint.attributes.get("Enabled", "true").lower() != "true":
            raise ServiceError("EndpointDisabledException", "Endpoint is disabled")

    # -- SMS -------------------------------------------------------------------------
    async def set_sms_attributes(self, ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
        values = dict(req["attributes"])
        for key, value in values.items():
            if key not in SMS_ATTRIBUTES:
                raise invalid(f"{key}")
            if key == "DefaultSMSType" and value not in ("Promotional", "Transactional"):
                raise invalid("DefaultSMSType Reason: must be Promotional or Transactional")
        await self.store.write(lambda s: s.sns_platform.put_settings(ctx.account, ctx.region, "sms", values))
        return {}

    async def get_sms_attributes(self, ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
        stored = await self.store.read(lambda s: s.sns_platform.settings(ctx.account, ctx.region, "sms"))
        wanted = req.get("attributes")
        if wanted:
            stored = {k: v for k, v in stored.items() if k in wanted}
        return {"attributes": stored}

    async def check_if_phone_number_is_opted_out(self, ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
        number = check_phone(req["phoneNumber"], "phoneNumber")
        opted = await self.store.read(lambda s: s.sns_platform.settings(ctx.account, ctx.region, "opted_out"))
        return {"isOptedOut": number in opted}

    async def list_phone_numbers_opted_out(self, ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
        page = _page(req.get("nextToken"))
        found = await self.store.read(lambda s: s.sns_platform.settings(
            ctx.account, ctx.region, "opted_out", after=page.after, limit=page.read_limit))
        shown, token = page.cut(list(found), str)
        out: dict[str, Any] = {"phoneNumbers": list(shown)}
        if token is not None:
            out["nextToken"] = token
        return out

    async def opt_in_phone_number(self, ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
        number = check_phone(req["phoneNumber"], "phoneNumber")
        await self.store.write(lambda s: s.sns_platform.remove_setting(ctx.account, ctx.region, "opted_out", number))
        return {}

    async def get_sms_sandbox_account_status(self, ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
        return {"IsInSandbox": False}  # nothing is sent, so there is nothing to keep in a sandbox

    async def create_sms_sandbox_phone_number(self, ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
        number = check_phone(req["PhoneNumber"])
        await self.store.write(lambda s: s.sns_platform.put_settings(ctx.account, ctx.region, "sandbox",
                                                                     {number: "Pending"}))
        return {}

    async def verify_sms_sandbox_phone_number(self, ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
        number = check_phone(req["PhoneNumber"])
        if not _OTP.fullmatch(req["OneTimePassword"]):
            raise ServiceError("VerificationException", "Invalid one-time password")

        def unit(s: Session) -> None:
            if number not in s.sns_platform.settings(ctx.account, ctx.region, "sandbox"):
                raise ServiceError("ResourceNotFoundException", "Phone number does not exist")
            s.sns_platform.put_settings(ctx.account, ctx.region, "sandbox", {number: "Verified"})

        await self.store.write(unit)
        return {}

    async def delete_sms_sandbox_phone_number(self, ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
        number = check_phone(req["PhoneNumber"])
        removed = await self.store.write(lambda s: s.sns_platform.remove_setting(ctx.account, ctx.region, "sandbox", number))
        if not removed:
            raise ServiceError("ResourceNotFoundException", "Phone number does not exist")
        return {}

    async def list_sms_sandbox_phone_numbers(self, ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
        page = _page(req.get("NextToken"), req.get("MaxResults") or PAGE)
        found = await self.store.read(lambda s: s.sns_platform.settings(
            ctx.account, ctx.region, "sandbox", after=page.after, limit=page.read_limit))
        shown, token = page.cut(list(found.items()), lambda item: item[0])
        out: dict[str, Any] = {"PhoneNumbers": [{"PhoneNumber": n, "Status": st} for n, st in shown]}
        if token is not None:
            out["NextToken"] = token
        return out

    async def list_origination_numbers(self, ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
        return {"PhoneNumbers": []}  # eventyard owns no phone numbers
