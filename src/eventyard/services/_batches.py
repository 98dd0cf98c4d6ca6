"""Batch requests' entries, checked the same way on every service: at least one entry,
at most ten, each ``Id`` 1-80 characters of ``[A-Za-z0-9_-]`` and distinct.

The services differ in their error codes and messages (SQS's ``EmptyBatchRequest``
against SNS's ``EmptyBatchRequestException``...) and in one order: SQS refuses the first
entry that is wrong, by id or by repetition, while SNS first checks that every id is
well formed and only then that they are distinct. `BatchRules` carries both.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from eventyard.core.errors import ServiceError

MAX_ENTRIES = 10
Entries = TypeVar("Entries", bound=Sequence[dict[str, Any]])
_ENTRY_ID = re.compile(r"[A-Za-z0-9_-]{1,80}")


@dataclass(frozen=True, slots=True)
class BatchRules:
    """A service's wording for refused batches (each factory is called only on refusal)."""

    empty: Callable[[], ServiceError]
    too_many: Callable[[int], ServiceError]  # given how many entries were sent
    bad_id: Callable[[str], ServiceError]
    repeated_id: Callable[[str], ServiceError]
    ids_before_repeats: bool = False  # SNS: every id well formed before any repetition counts


def check_entries(entries: Entries | None, rules: BatchRules, max_entries: int = MAX_ENTRIES) -> Entries:
    if not entries:
        raise rules.empty()
    if len(entries) > max_entries:
        raise rules.too_many(len(entries))
    seen: set[str] = set()
    repeated: str | None = None
    well_formed = _ENTRY_ID.fullmatch
    for entry in entries:
        entry_id = entry.get("Id") or ""
        if not well_formed(entry_id):
            raise rules.bad_id(entry_id)
        if entry_id in seen and repeated is None:
            if not rules.ids_before_repeats:
                raise rules.repeated_id(entry_id)
            repeated = entry_id
        seen.add(entry_id)
    if repeated is not None:
        raise rules.repeated_id(repeated)
    return entries
