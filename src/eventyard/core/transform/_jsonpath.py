"""The JSONPath subset EventBridge accepts in ``InputPath`` and ``InputPathsMap`` values.

``$`` followed by ``.key``, ``.*``, ``[n]`` or ``[*]`` steps. Evaluation follows Jayway
JsonPath (the Java library this dialect comes from): a *definite* path (no ``*``) gives
one node or nothing; an *indefinite* one gives the list of every node it reaches,
possibly empty, skipping branches where a step finds nothing.

What AWS refuses at PutTargets (third-party measurements, us-east-1): a path not starting
with ``$``, and quoted bracket notation (``$.detail['key']``); ``$`` alone and numeric
indices are accepted. Key characters beyond the documented alphanumerics, ``-``, ``_``
and ``/`` are accepted here [?] rather than refuse a path AWS might take.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Final


class _Missing:
    __slots__ = ()

    def __repr__(self) -> str:
        return "MISSING"


MISSING: Final = _Missing()
"""The path reached nothing (Jayway's PathNotFound for a definite path)."""

_STEP = re.compile(r"\.([^.\[\]\s'\"*]+)|\.(\*)|\[([0-9]+)\]|\[(\*)\]")

WILDCARD: Final = "*"


@dataclass(frozen=True, slots=True)
class JsonPath:
    text: str
    steps: tuple[str | int, ...]  # key, index, or WILDCARD

    @property
    def definite(self) -> bool:
        return WILDCARD not in self.steps

    def select(self, document: Any) -> Any:
        """The node (definite path) or the list of nodes (indefinite); ``MISSING`` if none."""
        nodes = [document]
        for step in self.steps:
            reached: list[Any] = []
            for node in nodes:
                if step == WILDCARD:
                    if isinstance(node, dict):
                        reached.extend(node.values())
                    elif isinstance(node, list):
                        reached.extend(node)
                elif isinstance(step, int):
                    if isinstance(node, list) and step < len(node):
                        reached.append(node[step])
                elif isinstance(node, dict) and step in node:
                    reached.append(node[step])
            nodes = reached
        if self.definite:
            return nodes[0] if nodes else MISSING
        return nodes


def parse_path(text: str) -> JsonPath | None:
    """The path, or ``None`` when it is outside the subset EventBridge supports."""
    if not text.startswith("$"):
        return None
    steps: list[str | int] = []
    pos = 1
    while pos < len(text):
        m = _STEP.match(text, pos)
        if m is None:
            return None
        key, _, index, _ = m.groups()
        if key is not None:
            steps.append(key)
        elif index is not None:
            steps.append(int(index))
        else:
            steps.append(WILDCARD)
        pos = m.end()
    return JsonPath(text, tuple(steps))
