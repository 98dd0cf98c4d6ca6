"""services/_pagination: one page read one item past its size; the token resumes after
the last shown key; a token it cannot read is refused in the caller's own words."""

from __future__ import annotations

import pytest

from eventyard.core.errors import ServiceError
from eventyard.services._pagination import Page, encode_token


def test_a_page_reads_one_more_and_gives_a_token_only_when_there_is_more() -> None:
    page = Page(None, 2)
    assert (page.after, page.read_limit) == (None, 3)
    shown, token = page.cut(["a", "b", "c"], str)
    assert list(shown) == ["a", "b"]
    assert token is not None and Page(token, 2).after == "b"
    assert page.cut(["a", "b"], str) == (["a", "b"], None)


def test_resume_skips_past_the_token_key_and_yields_nothing_when_the_key_is_gone() -> None:
    items = [{"Id": "a"}, {"Id": "b"}, {"Id": "c"}]
    assert Page(encode_token("a"), 5).resume(items, lambda t: t["Id"]) == items[1:]
    assert Page(encode_token("z"), 5).resume(items, lambda t: t["Id"]) == []
    assert Page(None, 5).resume(items, lambda t: t["Id"]) == items


@pytest.mark.parametrize("token", ["not base64!", "bm90IGpzb24=", encode_token("a")[:-4]])
def test_an_unreadable_token_is_the_callers_error(token: str) -> None:
    with pytest.raises(ServiceError) as caught:
        Page(token, 10, error_code="InvalidParameterException")
    assert caught.value.code == "InvalidParameterException"
    assert caught.value.message == "The NextToken provided is invalid."
