"""What a target receives: the event, or what Input / InputPath / InputTransformer make of it.

A thin seam between the target records and the pure transformation in ``core``.
"""

from __future__ import annotations

from typing import Any

import orjson

from eventyard.core.errors import ServiceError


class TransformFailed(Exception):
    """The transformation produced nothing deliverable (e.g. invalid JSON): the event is
    not delivered to this target and the invocation counts as failed."""


def validate_target(target: dict[str, Any]) -> None:
    given = [k for k in ("Input", "InputPath", "InputTransformer") if target.get(k) is not None]
    if len(given) > 1:
        raise ServiceError("ValidationException",
                           f"Only one of Input, InputPath, or InputTransformer must be provided for target {target['Id']}.")


def render(target: dict[str, Any], event: dict[str, Any], *, rule_arn: str, rule_name: str,
           ingestion_ms: int) -> str:
    if target.get("Input") is not None:
        return str(target["Input"])
    return orjson.dumps(event).decode()
