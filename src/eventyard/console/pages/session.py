"""Signing in with an access key pair (``--auth sigv4|iam``), signing out, the theme."""

from __future__ import annotations

from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from eventyard.console._pages import PREFIX, THEMES, Console, Frame
from eventyard.console._security import SESSION_COOKIE, THEME_COOKIE
from eventyard.core.identity import DEFAULT_REGION


def _local(path: str) -> str:
    """Only a path inside the console may follow a sign-in (no open redirect)."""
    if path.startswith(PREFIX + "/") and not path.startswith("//") and "\\" not in path:
        return path[len(PREFIX):]
    return "/"


def routes(console: Console) -> list[BaseRoute]:
    async def login_form(frame: Frame) -> Response:
        if not frame.yard.signs_in:
            return frame.redirect("/")
        return frame.render("login.html", title="Sign in", mode=frame.yard.auth.mode, next=frame.param("next"),
                            access_key="", region=DEFAULT_REGION)

    async def login(frame: Frame) -> Response:
        if not frame.yard.signs_in:
            return frame.redirect("/")
        access_key, secret = frame.field("access_key").strip(), frame.field("secret_key")
        region = frame.field("region").strip() or DEFAULT_REGION
        identity = await frame.yard.auth.principal_of_key(access_key, secret) if access_key and secret else None
        if identity is None or not region.replace("-", "").isalnum():
            return frame.render("login.html", status=401, title="Sign in", mode=frame.yard.auth.mode,
                                next=frame.field("next"), access_key=access_key, region=region,
                                problem="The access key id or the secret access key is not right.")
        frame.cookies[SESSION_COOKIE] = (await console.signer()).session(access_key, region)
        target = _local(frame.field("next"))
        path, _, query = target.partition("?")
        return frame.redirect(path) if not query else frame.redirect(path + "?" + query)

    async def logout(frame: Frame) -> Response:
        frame.cookies[SESSION_COOKIE] = ""
        return frame.redirect("/login" if frame.yard.signs_in else "/")

    async def theme(frame: Frame) -> Response:
        current = frame.request.cookies.get(THEME_COOKIE, "system")
        following = THEMES[(THEMES.index(current) + 1) % len(THEMES)] if current in THEMES else "dark"
        frame.cookies[THEME_COOKIE] = following
        return frame.redirect(_local(frame.field("back")))

    return [
        Route("/login", console.page(login_form, public=True), methods=["GET"]),
        Route("/login", console.page(login, public=True), methods=["POST"]),
        Route("/logout", console.page(logout, public=True), methods=["POST"]),
        Route("/theme", console.page(theme, public=True), methods=["POST"]),
    ]
