"""What every console page shares: who the viewer is, templates, CSRF, headers.

A page handler is ``async (Frame) -> Response``; ``Console.page`` wraps it so that it
only runs for a signed-in viewer (``--auth sigv4|iam``) and, for a POST, only with a
form whose CSRF token holds.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Awaitable, Callable
from urllib.parse import parse_qsl, quote, urlencode

import jinja2
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from eventyard import __version__
from eventyard.console._security import (
    CSRF_COOKIE,
    CSRF_FIELD,
    SESSION_COOKIE,
    THEME_COOKIE,
    Signer,
)
from eventyard.console.yard import DEFAULT_VIEWER, Viewer, Yard
from eventyard.core.identity import DEFAULT_REGION

TEMPLATES = Path(__file__).parent / "templates"
PREFIX = "/console"
THEMES = ("system", "dark", "light")
SIGNER_PURPOSE = "console-cookies"

# No inline script or style anywhere: the pages run with a strict policy.
SECURITY_HEADERS = {
    "content-security-policy": "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                               "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "x-frame-options": "DENY",
    "cache-control": "no-store",
}


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters["q"] = lambda value: quote(str(value), safe="")
    env.filters["ms"] = _when
    env.filters["age"] = _age
    env.globals["urlencode"] = urlencode
    return env


def _when(ms: Any) -> str:
    import datetime

    if ms in (None, ""):
        return ""
    if isinstance(ms, datetime.datetime):
        return ms.astimezone(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
    try:
        value = float(ms) / 1000 if float(ms) > 1e11 else float(ms)  # epoch ms, or seconds (as services answer)
    except (TypeError, ValueError):
        return str(ms)
    return datetime.datetime.fromtimestamp(value, datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")


def _age(seconds: Any) -> str:
    s = int(float(seconds or 0))
    if s < 120:
        return f"{s} s"
    if s < 7200:
        return f"{s // 60} min"
    if s < 172800:
        return f"{s // 3600} h"
    return f"{s // 86400} d"


@dataclass
class Frame:
    """One request to a page: the viewer, the form (POST), and what to render with."""

    request: Request
    viewer: Viewer
    console: "Console"
    form: dict[str, str] | None = None
    csrf_token: str = ""
    cookies: dict[str, str] = field(default_factory=dict)  # to set on the response

    @property
    def yard(self) -> Yard:
        return self.console.yard

    @property
    def base_url(self) -> str:
        return str(self.request.base_url).rstrip("/")

    def param(self, name: str, default: str = "") -> str:
        return self.request.query_params.get(name, default)

    def field(self, name: str, default: str = "") -> str:
        return self.form.get(name, default) if self.form is not None else default

    async def call(self, service: str, operation: str, params: dict[str, Any]) -> dict[str, Any]:
        return await self.yard.call(self.viewer, service, operation, params, self.base_url)

    def render(self, template: str, status: int = 200, **values: Any) -> Response:
        theme = self.request.cookies.get(THEME_COOKIE, "system")
        body = self.console.templates.get_template(template).render(
            viewer=self.viewer, signs_in=self.yard.signs_in, csrf_field=CSRF_FIELD, csrf_token=self.csrf_token,
            theme=theme if theme in THEMES else "system", version=__version__, prefix=PREFIX,
            here=self.request.url.path, here_query=self.request.url.query, **values)
        return self.console.finish(HTMLResponse(body, status), self)

    def redirect(self, path: str, **query: str) -> Response:
        target = PREFIX + path + (("?" + urlencode(query)) if query else "")
        return self.console.finish(RedirectResponse(target, status_code=303), self)


Handler = Callable[[Frame], Awaitable[Response]]
MAX_FORM_BYTES = 1024 * 1024  # an SQS message or an event with room to spare


async def _form(request: Request) -> dict[str, str] | None:
    """A URL-encoded form (every console form is one), or None if it is not one or too big."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind not in ("application/x-www-form-urlencoded", ""):
        return None
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM_BYTES:
            return None
    try:
        return dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True, max_num_fields=500))
    except ValueError:  # too many fields
        return None


class Console:
    def __init__(self, yard: Yard) -> None:
        self.yard = yard
        self.templates = _environment()
        self._signer: Signer | None = None
        self._lock = asyncio.Lock()

    async def signer(self) -> Signer:
        if self._signer is None:
            async with self._lock:
                if self._signer is None:
                    self._signer = Signer(await self.yard.registry.sts.server_key.for_purpose(SIGNER_PURPOSE))
        return self._signer

    async def viewer_of(self, request: Request) -> Viewer | None:
        """The signed-in viewer (``--auth sigv4|iam``), or the default account's root."""
        if not self.yard.signs_in:
            return DEFAULT_VIEWER
        opened = (await self.signer()).open_session(request.cookies.get(SESSION_COOKIE))
        if opened is None:
            return None
        access_key, region = opened
        identity = await self.yard.auth.principal_of_key(access_key)  # still an active key?
        return None if identity is None else Viewer(identity, region or DEFAULT_REGION, access_key)

    def page(self, handler: Handler, *, public: bool = False) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            signer = await self.signer()
            viewer = await self.viewer_of(request)
            csrf = request.cookies.get(CSRF_COOKIE)
            frame = Frame(request, viewer or DEFAULT_VIEWER, self)
            if signer.unsign("csrf", csrf) is None:
                csrf = signer.new_csrf_token()
                frame.cookies[CSRF_COOKIE] = csrf
            frame.csrf_token = csrf or ""
            if viewer is None and not public:
                if request.method != "GET":
                    return self.refuse(frame, 401, "Sign in first.")
                return frame.redirect("/login", next=str(request.url.path) + (
                    "?" + request.url.query if request.url.query else ""))
            if request.method == "POST":
                frame.form = await _form(request)
                if frame.form is None:
                    return self.refuse(frame, 413, f"Forms are URL-encoded, of at most {MAX_FORM_BYTES} bytes.")
                if not signer.csrf_holds(request.cookies.get(CSRF_COOKIE), frame.form.get(CSRF_FIELD)):
                    return self.refuse(frame, 403, "This form has expired or did not come from this console "
                                                   "(its CSRF token is missing or wrong). Reload the page and try again.")
            return await handler(frame)

        return endpoint

    def refuse(self, frame: Frame, status: int, message: str) -> Response:
        return frame.render("error.html", status=status, title="Refused", message=message)

    def finish(self, response: Response, frame: Frame) -> Response:
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        for name, value in frame.cookies.items():
            if value:
                response.set_cookie(name, value, httponly=True, samesite="strict" if name == CSRF_COOKIE else "lax",
                                    path=PREFIX, max_age=None if name != THEME_COOKIE else 400 * 86400)
            else:
                response.delete_cookie(name, path=PREFIX)
        return response
