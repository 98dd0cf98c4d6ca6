"""Staging labels: which version is AWSCURRENT, AWSPREVIOUS, AWSPENDING (or any label
of the user's). A label is on one version at most; the version that loses AWSCURRENT
gets AWSPREVIOUS (which leaves wherever it was). Labels are kept sorted, as AWS lists
them. Versions without labels are deprecated. Pure: maps of version id -> labels in,
the whole new map out."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

CURRENT = "AWSCURRENT"
PREVIOUS = "AWSPREVIOUS"
PENDING = "AWSPENDING"

Labels = dict[str, tuple[str, ...]]


def holder(labels: Mapping[str, Sequence[str]], stage: str) -> str | None:
    """The version carrying ``stage``, if any."""
    return next((v for v, stages in labels.items() if stage in stages), None)


def _without(labels: Mapping[str, Sequence[str]], stages: Iterable[str], but: str | None = None) -> dict[str, set[str]]:
    gone = set(stages)
    return {v: (set(s) - gone if v != but else set(s)) for v, s in labels.items()}


def _sorted(found: Mapping[str, set[str]]) -> Labels:
    return {v: tuple(sorted(s)) for v, s in found.items()}


def _demote_current(found: dict[str, set[str]], old_current: str | None, new_current: str) -> None:
    if old_current is None or old_current == new_current:
        return
    for stages in found.values():
        stages.discard(PREVIOUS)
    found[old_current].add(PREVIOUS)


def attach_new(labels: Mapping[str, Sequence[str]], version_id: str, stages: Sequence[str]) -> Labels:
    """A new version ``version_id`` carrying exactly ``stages``, taken from other versions."""
    found = _without(labels, stages)
    found[version_id] = set(stages)
    if CURRENT in stages:
        _demote_current(found, holder(labels, CURRENT), version_id)
    return _sorted(found)


def move(labels: Mapping[str, Sequence[str]], stage: str, remove_from: str | None, move_to: str | None) -> Labels:
    """UpdateSecretVersionStage once checked: ``stage`` off ``remove_from``, onto ``move_to``."""
    found = {v: set(s) for v, s in labels.items()}
    if remove_from is not None:
        found[remove_from].discard(stage)
    if move_to is not None:
        found[move_to].add(stage)
        if stage == CURRENT:
            _demote_current(found, remove_from, move_to)
    return _sorted(found)
