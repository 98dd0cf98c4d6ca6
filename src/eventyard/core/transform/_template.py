"""``InputTemplate``: find the placeholders once, substitute them per event as EventBridge does.

Behaviour recorded on AWS (shared/aws-notes/eventbridge.md section 2, LocalStack's
validated snapshots) unless marked [?]:

A template whose first non-blank character is ``{`` is a JSON template; anything else
is a string template, delivered verbatim (surrounding quotes included) after
substitution. Every ``<name>`` is a placeholder: ``<`` and ``>`` cannot be escaped.

| value found     | JSON template, unquoted | JSON template, inside "..." | string template        |
|-----------------|-------------------------|-----------------------------|------------------------|
| string          | auto-quoted JSON string | raw, not escaped            | raw                    |
| object / array  | JSON                    | JSON (breaks the string)    | JSON, every " removed  |
| number/bool/null| JSON literal            | its JSON text               | its JSON text          |
| path missing    | ``""``                  | empty                       | empty                  |

A JSON template must still be JSON after substitution; if not, the event is not
delivered (``InvalidTransformedInput``). What is delivered is that JSON minified [D].
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

import orjson

from eventyard.core import jsondoc
from eventyard.core.transform._jsonpath import MISSING

_PLACEHOLDER = re.compile(r"<([^<>]*)>")
_JSON_BLANKS = re.compile(r'("(?:[^"\\]|\\.)*")|[ \t\n\r]+')


class InvalidTransformedInput(Exception):
    """The transformation did not produce deliverable input: not delivered, a failed invocation."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Placeholder:
    name: str
    in_string: bool  # inside a JSON string literal of a JSON template


@dataclass(frozen=True, slots=True)
class Template:
    text: str
    is_json: bool
    parts: tuple[str | Placeholder, ...]
    names: frozenset[str]  # every placeholder name used

    @property
    def placeholders(self) -> list[Placeholder]:
        return [p for p in self.parts if isinstance(p, Placeholder)]

    def render(self, values: dict[str, Any]) -> str:
        """Substitute ``values`` (name -> value or ``MISSING``)."""
        out: list[str] = []
        for part in self.parts:
            if isinstance(part, str):
                out.append(part)
            elif self.is_json:
                out.append(_in_json(values[part.name], part.in_string))
            else:
                out.append(_in_text(values[part.name]))
        text = "".join(out)
        if not self.is_json:
            return text
        try:
            load_json(text)
        except ValueError as e:
            raise InvalidTransformedInput(f"the transformed input is not valid JSON: {e}") from None
        return _JSON_BLANKS.sub(lambda m: m.group(1) or "", text)


def parse_template(text: str) -> Template:
    is_json = text.lstrip(" \t\r\n").startswith("{")
    parts: list[str | Placeholder] = []
    in_string = escaped = False
    pos = 0
    for m in _PLACEHOLDER.finditer(text):
        literal = text[pos : m.start()]
        if literal:
            parts.append(literal)
        if is_json:
            # Whether the placeholder sits inside a JSON string depends on the template alone.
            for ch in literal:
                if escaped:
                    escaped = False
                elif in_string and ch == "\\":
                    escaped = True
                elif ch == '"':
                    in_string = not in_string
            escaped = False  # a pending escape applies to the substituted text, not past it
        parts.append(Placeholder(m.group(1), in_string))
        pos = m.end()
    if pos < len(text):
        parts.append(text[pos:])
    names = frozenset(p.name for p in parts if isinstance(p, Placeholder))
    return Template(text, is_json, tuple(parts), names)


def dumps(value: Any) -> str:
    """Compact JSON, non-ASCII as is."""
    return jsondoc.dumps(value)  # past 64-bit integers and orjson's 254 levels too


def load_json(text: str) -> Any:
    """Strict JSON (no NaN/Infinity); raises ``ValueError``."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        # orjson refuses integers past 64 bits, which JSON allows: the slow, strict path decides.
        return json.loads(text, parse_constant=_refuse_constant)


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _in_json(value: Any, in_string: bool) -> str:
    if value is MISSING:
        return "" if in_string else '""'
    if in_string and isinstance(value, str):
        return value
    return dumps(value)


def _in_text(value: Any) -> str:
    if value is MISSING:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, (dict, list)):
        return dumps(value).replace('"', "")
    return dumps(value)
