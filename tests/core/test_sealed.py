"""Sealed blobs open only with their key and purpose, and never when altered."""

from __future__ import annotations

import os

from hypothesis import given
from hypothesis import strategies as st

from eventyard.core.sealed import derive_key, seal, unseal

KEY = derive_key(os.urandom(32), "test")
payloads = st.dictionaries(st.text(max_size=8), st.one_of(st.none(), st.booleans(), st.integers(-2**53, 2**53),
                                                          st.text(max_size=40)), max_size=6)


@given(payloads)
def test_what_is_sealed_opens_again(payload: dict) -> None:
    blob = seal(payload, KEY, "session-token")
    assert blob.isascii() and "=" not in blob and "+" not in blob and "/" not in blob
    assert unseal(blob, KEY, "session-token") == payload


@given(payloads, st.data())
def test_an_altered_blob_does_not_open(payload: dict, data: st.DataObject) -> None:
    blob = seal(payload, KEY, "p")
    at = data.draw(st.integers(0, len(blob) - 1))
    replacement = data.draw(st.sampled_from("ABCDEFabcdef0123-_").filter(lambda c: c != blob[at]))
    altered = blob[:at] + replacement + blob[at + 1:]
    # the last character may only carry padding bits; anything else must be caught
    assert unseal(altered, KEY, "p") is None or at == len(blob) - 1


def test_another_key_or_purpose_or_garbage_does_not_open() -> None:
    blob = seal({"a": 1}, KEY, "session-token")
    assert unseal(blob, derive_key(os.urandom(32), "test"), "session-token") is None
    assert unseal(blob, KEY, "authorization-message") is None
    for garbage in ("", "x", "!!!!", blob[:10], "A" * 100):
        assert unseal(garbage, KEY, "session-token") is None
    assert derive_key(b"k" * 32, "a") != derive_key(b"k" * 32, "b")
