"""Access key ids carry their account the way AWS's do."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from eventyard.core.access_keys import (
    TEMPORARY_PREFIX,
    account_of_access_key_id,
    new_access_key_id,
    new_secret_access_key,
)


@given(st.integers(min_value=0, max_value=10**12 - 1), st.sampled_from(["AKIA", "ASIA"]))
def test_a_new_key_id_names_its_account(account: int, prefix: str) -> None:
    key_id = new_access_key_id(f"{account:012d}", prefix)
    assert len(key_id) == 20 and key_id.startswith(prefix) and key_id.isalnum() and key_id.upper() == key_id
    assert account_of_access_key_id(key_id) == f"{account:012d}"


def test_awss_own_key_ids_decode_to_their_account() -> None:
    # a key id AWS issued, with the account it belongs to (as GetAccessKeyInfo answers)
    assert account_of_access_key_id("ASIAY34FZKBOKMUTVV7A") == "609629065308"


def test_ids_of_other_shapes_name_no_account() -> None:
    for key_id in ("AKID", "test", "123456789012", "AKIA0000000000000000", "XXXXY34FZKBOKMUTVV7A", "ASIAy34fzkbokmutvv7a"):
        assert account_of_access_key_id(key_id) is None


def test_key_ids_and_secrets_are_fresh() -> None:
    ids = {new_access_key_id("123456789012", TEMPORARY_PREFIX) for _ in range(200)}
    assert len(ids) == 200
    secret = new_secret_access_key()
    assert len(secret) == 40 and secret != new_secret_access_key()
