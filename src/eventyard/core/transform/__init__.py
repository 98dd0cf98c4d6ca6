"""EventBridge target input: ``Input``, ``InputPath`` and ``InputTransformer``.

    TargetInput.compile(target, index=1) -> TargetInput      PutTargets validation
    TargetInput.render(event, rule_name=, rule_arn=, ingestion_time=) -> str
    validate_target_input(target, index=1) -> None
    render_target_input(target, event, rule_name=, rule_arn=, ingestion_time=) -> str

Errors:

    ServiceError("ValidationException", ...)     PutTargets refuses the target (AWS's words)
     +-- ValidationError                          a shape limit (Coral's wording)
    InvalidTransformedInput                       delivery: nothing deliverable for this
                                                  event; counts as a failed invocation
"""

from __future__ import annotations

from eventyard.core.transform._jsonpath import JsonPath, parse_path
from eventyard.core.transform._template import InvalidTransformedInput
from eventyard.core.transform.target_input import (
    INPUT_PATHS_MAP_MAX_ENTRIES,
    PREDEFINED,
    TargetInput,
    envelope,
    render_target_input,
    validate_target_input,
)

__all__ = [
    "INPUT_PATHS_MAP_MAX_ENTRIES",
    "PREDEFINED",
    "InvalidTransformedInput",
    "JsonPath",
    "TargetInput",
    "envelope",
    "parse_path",
    "render_target_input",
    "validate_target_input",
]
