"""``GET /SimpleNotificationService-<key>.pem``: the certificate SNS names in each signed
message's ``SigningCertURL``, for subscribers that check signatures."""

from __future__ import annotations

from typing import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import Response

from eventyard.web.types import Endpoint


def certificate_endpoint(certificate: Callable[[str], Awaitable[bytes | None]]) -> Endpoint:
    """``certificate(file name)`` gives the PEM, or None if the name is not the current key's."""

    async def sns_certificate(request: Request) -> Response:
        pem = await certificate(request.url.path.lstrip("/"))
        if pem is None:
            return Response(b"Not Found", status_code=404)
        return Response(pem, media_type="application/x-pem-file")

    return sns_certificate
