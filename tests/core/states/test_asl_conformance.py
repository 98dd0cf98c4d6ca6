"""Every conformance case recorded on AWS, through the pure interpreter: the status, the
output (or error and cause, word for word) and, where recorded, the history's event types.
The cases and where each was recorded: ``tests/services/stepfunctions/conformance``;
the runner and the known differences: ``tests/_sfn_conformance.py``."""

from __future__ import annotations

from typing import Any

import pytest

from _sfn_conformance import KNOWN_DIFFERENCES, Case, load_cases, run_pure

CASES = load_cases()


def _differences(expected: dict[str, Any], actual: dict[str, Any]) -> dict[str, Any]:
    return {key: actual.get(key) for key in sorted(set(expected) | set(actual)) if expected.get(key) != actual.get(key)}


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_the_interpreter_answers_as_aws_recorded(case: Case) -> None:
    actual = run_pure(case)
    if case.id in KNOWN_DIFFERENCES:
        reason, observed = KNOWN_DIFFERENCES[case.id]
        # a listed difference must still be exactly what it was: remove it from the list once fixed
        assert _differences(case.expected(), actual) == observed, reason
    else:
        assert actual == case.expected()


def test_the_table_is_large_and_its_known_differences_are_real_cases() -> None:
    ids = {case.id for case in CASES}
    assert set(KNOWN_DIFFERENCES) <= ids
    assert len(CASES) >= 150
