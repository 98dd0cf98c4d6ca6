"""What a rule target receives: ``Input``, ``InputPath``, ``InputTransformer``, or the event.

``TargetInput.compile(target)`` validates a PutTargets ``Target`` once, in AWS's words;
``render(...)`` then produces the text delivered for each matched event. Compile at
PutTargets, keep (or recompile) the result for delivery: rendering never re-validates.

Messages: [V] recorded on AWS, [M] third-party measurement against PutTargets, [?] our
best guess at AWS's wording.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from eventyard.core.errors import ServiceError, ValidationError, Violation
from eventyard.core.transform._jsonpath import MISSING, JsonPath, parse_path
from eventyard.core.transform._template import (
    InvalidTransformedInput,
    Template,
    dumps,
    load_json,
    parse_template,
)

INPUT_PATHS_MAP_MAX_ENTRIES = 100
_PATH_KEY = re.compile(r"[A-Za-z0-9_\-]+\Z")

RULE_ARN = "aws.events.rule-arn"
RULE_NAME = "aws.events.rule-name"
INGESTION_TIME = "aws.events.event.ingestion-time"
EVENT = "aws.events.event"
EVENT_JSON = "aws.events.event.json"
PREDEFINED = frozenset({RULE_ARN, RULE_NAME, INGESTION_TIME, EVENT, EVENT_JSON})
# Their content is not escaped, so they are only allowed as a value in a JSON template.
JSON_ONLY = frozenset({EVENT, EVENT_JSON})

# Key order of <aws.events.event> as recorded on AWS (detail dropped, detail-type renamed).
_ENVELOPE_ORDER = ("id", "account", "detail-type", "time", "source", "region", "resources", "version")


def _invalid(message: str) -> ServiceError:
    return ServiceError("ValidationException", message)


@dataclass(frozen=True, slots=True)
class TargetInput:
    """A target's input settings, validated; ``kind`` is event | constant | path | template."""

    kind: str
    constant: str | None = None
    path: JsonPath | None = None
    paths: tuple[tuple[str, JsonPath], ...] = ()
    template: Template | None = None

    @classmethod
    def compile(cls, target: Mapping[str, Any], *, index: int = 1) -> TargetInput:
        """Validate ``target`` as PutTargets does; ``index`` (1-based) names it in Coral messages."""
        target_id = target.get("Id")
        given = [k for k in ("Input", "InputPath", "InputTransformer") if target.get(k) is not None]
        if len(given) > 1:  # [V]
            raise _invalid(f"Only one of Input, InputPath, or InputTransformer must be provided for target {target_id}.")
        if not given:
            return cls("event")
        if given[0] == "Input":
            text = target["Input"]
            try:
                load_json(text)
            except ValueError:  # [M] AWS's reply, relayed by CloudFormation
                raise _invalid(f"Input for target {target_id} is not a valid JSON text.") from None
            return cls("constant", constant=text)
        if given[0] == "InputPath":
            path = parse_path(target["InputPath"])
            if path is None:  # [M]
                raise _invalid(f"InputPath for target {target_id} is invalid.")
            return cls("path", path=path)
        return cls._transformer(target_id, target["InputTransformer"], index)

    @classmethod
    def _transformer(cls, target_id: Any, transformer: Mapping[str, Any], index: int) -> TargetInput:
        paths_map: Mapping[str, str] = transformer.get("InputPathsMap") or {}
        if len(paths_map) > INPUT_PATHS_MAP_MAX_ENTRIES:  # the API's shape limit, Coral's wording
            where = f"targets.{index}.member.inputTransformer.inputPathsMap"
            constraint = f"Member must have length less than or equal to {INPUT_PATHS_MAP_MAX_ENTRIES}"
            raise ValidationError([Violation(where, paths_map, constraint, "length")])
        paths: list[tuple[str, JsonPath]] = []
        for key, path_text in paths_map.items():
            # The docs say keys can't start with "AWS"; the wording of the refusal is [?].
            if not _PATH_KEY.match(key) or key.startswith("AWS"):
                raise _invalid(f"InputPathsMap for target {target_id} contains invalid key {key}.")
            path = parse_path(path_text)
            if path is None:  # [M] the same check and message as InputPath
                raise _invalid(f"InputPath for target {target_id} is invalid.")
            paths.append((key, path))

        template_text = transformer.get("InputTemplate")
        if not isinstance(template_text, str) or not template_text:
            # botocore requires it (min length 1); this guards callers that bypass the API.
            where = f"targets.{index}.member.inputTransformer.inputTemplate"
            raise ValidationError([Violation(where, template_text, "Member must have length greater than or equal to 1", "length")])
        template = parse_template(template_text)
        defined = {key for key, _ in paths}
        for placeholder in template.placeholders:
            name = placeholder.name
            if name not in defined and name not in PREDEFINED:  # [V]
                raise _invalid(f"InputTemplate for target {target_id} contains invalid placeholder {name}.")
            if name in JSON_ONLY and not template.is_json:  # [M] for aws.events.event.json
                raise _invalid(
                    f"InputTemplate for target {target_id} contains placeholder {name} valid only for JSON template."
                )
        return cls("template", paths=tuple(paths), template=template)

    def render(
        self, event: Mapping[str, Any], *, rule_name: str, rule_arn: str, ingestion_time: datetime
    ) -> str:
        """The payload text for ``event``; raises ``InvalidTransformedInput`` when there is none."""
        if self.kind == "event":
            return dumps(dict(event))
        if self.kind == "constant":
            assert self.constant is not None
            return self.constant
        if self.kind == "path":
            assert self.path is not None
            selected = self.path.select(event)
            if selected is MISSING:
                # [?] AWS's behaviour for an InputPath that matches nothing is unrecorded.
                raise InvalidTransformedInput(f"InputPath {self.path.text} matched nothing in the event")
            return dumps(selected)
        assert self.template is not None
        values: dict[str, Any] = {key: path.select(event) for key, path in self.paths}
        names = self.template.names
        if RULE_ARN in names:
            values[RULE_ARN] = rule_arn
        if RULE_NAME in names:
            values[RULE_NAME] = rule_name
        if INGESTION_TIME in names:
            values[INGESTION_TIME] = _iso(ingestion_time)
        if EVENT in names:
            values[EVENT] = envelope(event)
        if EVENT_JSON in names:
            values[EVENT_JSON] = dict(event)
        return self.template.render(values)


def envelope(event: Mapping[str, Any]) -> dict[str, Any]:
    """``<aws.events.event>``: the event without ``detail``, ``detail-type`` as ``detailType``."""
    out: dict[str, Any] = {}
    for key in (*_ENVELOPE_ORDER, *event):
        if key == "detail" or key not in event:
            continue
        name = "detailType" if key == "detail-type" else key
        if name not in out:
            out[name] = event[key]
    return out


def _iso(moment: datetime) -> str:
    moment = moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def validate_target_input(target: Mapping[str, Any], *, index: int = 1) -> None:
    """PutTargets validation alone (``TargetInput.compile`` without keeping the result)."""
    TargetInput.compile(target, index=index)


def render_target_input(
    target: Mapping[str, Any],
    event: Mapping[str, Any],
    *,
    rule_name: str,
    rule_arn: str,
    ingestion_time: datetime,
) -> str:
    """Compile and render in one call, for callers that do not cache the compiled form."""
    return TargetInput.compile(target).render(
        event, rule_name=rule_name, rule_arn=rule_arn, ingestion_time=ingestion_time
    )
