"""What a target receives: the event, or what Input / InputPath / InputTransformer make of
it; a seam between target records and the pure transformation in ``core.transform``."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from eventyard.core.transform import (
    InvalidTransformedInput,
    TargetInput,
    validate_target_input,
)

__all__ = ["TargetInput", "TransformFailed", "compile_input", "render", "validate_target"]

TransformFailed = InvalidTransformedInput


def validate_target(target: dict[str, Any], *, index: int = 1) -> None:
    validate_target_input(target, index=index)


def compile_input(target: dict[str, Any]) -> TargetInput:
    return TargetInput.compile(target)


def render(compiled: TargetInput, event: dict[str, Any], *, rule_arn: str, rule_name: str, ingestion_ms: int) -> str:
    return compiled.render(event, rule_name=rule_name, rule_arn=rule_arn,
                           ingestion_time=datetime.fromtimestamp(ingestion_ms / 1000, timezone.utc))
