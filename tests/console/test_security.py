"""Signed cookies: CSRF tokens of the double-submit check, and sign-in sessions."""

from __future__ import annotations

from eventyard.console._security import SESSION_SECONDS, Signer


def test_a_csrf_token_holds_only_signed_and_submitted_as_set() -> None:
    signer = Signer(b"k" * 32)
    token = signer.new_csrf_token()
    assert signer.csrf_holds(token, token)
    assert not signer.csrf_holds(token, signer.new_csrf_token())  # another page's token
    assert not signer.csrf_holds(token, None) and not signer.csrf_holds(None, token)
    forged = "made-up.token"
    assert not signer.csrf_holds(forged, forged)  # planted in the cookie by another site: not signed
    assert not Signer(b"x" * 32).csrf_holds(token, token)  # another store's key


def test_a_session_names_its_key_and_region_and_expires() -> None:
    signer = Signer(b"k" * 32)
    cookie = signer.session("AKIDEXAMPLE", "eu-west-1", now=1000.0)
    assert signer.open_session(cookie, now=1000.0 + 60) == ("AKIDEXAMPLE", "eu-west-1")
    assert signer.open_session(cookie, now=1000.0 + SESSION_SECONDS + 1) is None
    assert signer.open_session(cookie.replace("AKIDEXAMPLE", "AKIDOTHER"), now=1001.0) is None
    assert signer.open_session(None) is None and signer.open_session("garbage") is None
    assert signer.unsign("csrf", signer.sign("session", "x")) is None  # purposes do not mix
