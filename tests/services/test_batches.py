"""services/_batches: one checker for batch entries, each service's wording and order."""

from __future__ import annotations

from typing import Any

import pytest

from eventyard.core.errors import ServiceError
from eventyard.services import _batches
from eventyard.services.sns.publish import BATCH_RULES as SNS
from eventyard.services.sqs import validation as sqs


def entries(*ids: str) -> list[dict[str, Any]]:
    return [{"Id": i} for i in ids]


def sqs_code(batch: list[dict[str, Any]] | None) -> str:
    with pytest.raises(ServiceError) as caught:
        sqs.batch_entries(batch, "SendMessageBatchRequestEntry")
    return caught.value.code


def sns_code(batch: list[dict[str, Any]] | None) -> str:
    with pytest.raises(ServiceError) as caught:
        _batches.check_entries(batch, SNS)
    return caught.value.code


def test_a_good_batch_passes_as_it_came() -> None:
    batch = entries(*(f"id-{n}_X" for n in range(10)))
    assert sqs.batch_entries(batch, "SendMessageBatchRequestEntry") is batch
    assert _batches.check_entries(batch, SNS) is batch


def test_each_service_refuses_in_its_own_words() -> None:
    assert (sqs_code(None), sns_code(None)) == ("EmptyBatchRequest", "EmptyBatchRequestException")
    assert (sqs_code(entries(*"abcdefghijk")), sns_code(entries(*"abcdefghijk"))) == (
        "TooManyEntriesInBatchRequest", "TooManyEntriesInBatchRequestException")
    for bad in ("", "a.b", "x" * 81, "a\n"):  # an id ends where its text ends, newline included
        assert (sqs_code(entries("ok", bad)), sns_code(entries("ok", bad))) == (
            "InvalidBatchEntryId", "InvalidBatchEntryIdException")
    assert (sqs_code(entries("a", "a")), sns_code(entries("a", "a"))) == (
        "BatchEntryIdsNotDistinct", "BatchEntryIdsNotDistinctException")


def test_sqs_refuses_the_first_wrong_entry_sns_checks_every_id_first() -> None:
    assert sqs_code(entries("a", "a", "b!")) == "BatchEntryIdsNotDistinct"
    assert sns_code(entries("a", "a", "b!")) == "InvalidBatchEntryIdException"
    with pytest.raises(ServiceError, match="Id a repeated."):
        sqs.batch_entries(entries("a", "b", "a"), "DeleteMessageBatchRequestEntry")
