"""Signed cookies: the sign-in session, and the CSRF token of the double-submit check.

Both are HMAC-SHA256 signed with a key derived from the store's server key, so every
node of one store accepts what another issued, and a restart keeps sessions.

CSRF: every page sets a random token in a cookie (``SameSite=Strict``) and puts the same
token in each form; a POST is taken only when the form's token equals the cookie's and
carries the server's signature (a token planted in a cookie by a sibling site cannot be
signed), compared in constant time.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import time

SESSION_COOKIE = "eventyard_console_session"
CSRF_COOKIE = "eventyard_console_csrf"
CSRF_FIELD = "csrf_token"
THEME_COOKIE = "eventyard_console_theme"
SESSION_SECONDS = 12 * 3600


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


class Signer:
    def __init__(self, key: bytes) -> None:
        self._key = key

    def _mac(self, purpose: str, text: str) -> str:
        return _b64(hmac.new(self._key, f"{purpose}\n{text}".encode(), hashlib.sha256).digest())

    def sign(self, purpose: str, text: str) -> str:
        return f"{text}.{self._mac(purpose, text)}"

    def unsign(self, purpose: str, signed: str | None) -> str | None:
        if not signed or "." not in signed:
            return None
        text, mac = signed.rsplit(".", 1)
        return text if hmac.compare_digest(mac, self._mac(purpose, text)) else None

    # -- CSRF -----------------------------------------------------------------------
    def new_csrf_token(self) -> str:
        return self.sign("csrf", _b64(os.urandom(18)))

    def csrf_holds(self, cookie: str | None, submitted: str | None) -> bool:
        if not cookie or not submitted or not hmac.compare_digest(cookie.encode(), submitted.encode()):
            return False
        return self.unsign("csrf", cookie) is not None

    # -- sign-in sessions -------------------------------------------------------------
    def session(self, access_key: str, region: str, now: float | None = None) -> str:
        issued = int(now if now is not None else time.time())
        return self.sign("session", f"{access_key}|{region}|{issued}")

    def open_session(self, cookie: str | None, now: float | None = None) -> tuple[str, str] | None:
        """(access key, region) of a session cookie still in date, else None."""
        text = self.unsign("session", cookie)
        if text is None:
            return None
        parts = text.split("|")
        if len(parts) != 3 or not parts[2].isdigit():
            return None
        if (now if now is not None else time.time()) - int(parts[2]) > SESSION_SECONDS:
            return None
        return parts[0], parts[1]
