"""Editing a policy document the way AddPermission, RemovePermission and PutPermission
do: statements are found and replaced by their ``Sid``. Works on the JSON document (a
dict), since that is what services store and give back; each service keeps its own
answer to a duplicate or missing ``Sid``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from eventyard.core.policies.evaluate import root_arn


def one_or_many(values: Sequence[str]) -> str | list[str]:
    """AWS's own spelling in the statements it writes: one value alone, several in a list."""
    return values[0] if len(values) == 1 else list(values)


def allow_accounts(sid: str, accounts: Sequence[str], actions: Sequence[str], resource: str) -> dict[str, Any]:
    """The statement SQS's and SNS's AddPermission write: these accounts may do these
    actions on this resource."""
    return {
        "Sid": sid,
        "Effect": "Allow",
        "Principal": {"AWS": one_or_many([root_arn(a) for a in accounts])},
        "Action": one_or_many(actions),
        "Resource": resource,
    }


def statements_of(document: Mapping[str, Any]) -> list[Any]:
    """A document's statements as a new list: a single statement object counts as one,
    none as none."""
    found = document.get("Statement")
    if not found:
        return []
    return list(found) if isinstance(found, list) else [found]


def has_sid(statements: Sequence[Any], sid: str) -> bool:
    return any(isinstance(st, Mapping) and st.get("Sid") == sid for st in statements)


def without_sid(statements: Sequence[Any], sid: str | None) -> list[Any]:
    return [st for st in statements if not (isinstance(st, Mapping) and st.get("Sid") == sid)]
