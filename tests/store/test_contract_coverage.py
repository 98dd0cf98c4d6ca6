"""Every repository a ``Session`` offers is exercised by the store contract suites."""

from __future__ import annotations

import re
from functools import cached_property
from pathlib import Path

from eventyard.store import Session

CONTRACT_SUITES = sorted(Path(__file__).parent.glob("test_*contract.py"))


def repositories() -> list[str]:
    return sorted(name for name, value in vars(Session).items() if isinstance(value, cached_property))


def test_every_repository_has_contract_tests() -> None:
    assert len(repositories()) >= 13
    text = "\n".join(path.read_text() for path in CONTRACT_SUITES)
    untested = [name for name in repositories() if not re.search(rf"\bs\.{name}\.\w+\(", text)]
    assert untested == []
