"""ListSecrets' and BatchGetSecretValue's ``Filters``: every filter must match; within a
filter, any value. Name, tag keys and values, region and owning service match by prefix,
case-sensitively; description and ``all`` match words, ignoring case. A value starting
with ``!`` negates it."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Listed:
    """What a filter can see of a secret."""

    name: str
    description: str | None
    tags: Mapping[str, str]
    region: str
    owning_service: str | None


_WORD = re.compile(r"[A-Za-z0-9]+")


def _words(text: str) -> list[str]:
    return [w.lower() for w in _WORD.findall(text)]


def _word_match(wanted: str, texts: Sequence[str]) -> bool:
    pattern = _words(wanted)
    if not pattern:
        return False
    found = [w for t in texts for w in _words(t)]
    return all(any(w.startswith(p) for w in found) for p in pattern)


def _attributes(key: str, secret: Listed) -> tuple[list[str], bool]:
    """The texts a filter key looks at, and whether it matches words (else prefixes)."""
    if key == "name":
        return [secret.name], False
    if key == "description":
        return [secret.description] if secret.description else [], True
    if key == "tag-key":
        return list(secret.tags), False
    if key == "tag-value":
        return list(secret.tags.values()), False
    if key == "primary-region":
        return [secret.region], False
    if key == "owning-service":
        return [secret.owning_service] if secret.owning_service else [], False
    texts = [secret.name, *list(secret.tags), *secret.tags.values()]
    if secret.description:
        texts.append(secret.description)
    return texts, True


def _value_matches(value: str, texts: Sequence[str], words: bool) -> bool:
    if words:
        return _word_match(value, texts)
    return any(t.startswith(value) for t in texts)


def matches(secret: Listed, filters: Sequence[Mapping[str, Any]]) -> bool:
    for f in filters:
        texts, words = _attributes(f.get("Key") or "all", secret)
        hit = False
        for value in f.get("Values") or []:
            if value.startswith("!"):
                hit = hit or not _value_matches(value[1:], texts, words)
            else:
                hit = hit or _value_matches(value, texts, words)
        if not hit:
            return False
    return True
