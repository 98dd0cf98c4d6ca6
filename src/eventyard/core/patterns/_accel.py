"""Whether the compiled matcher's hot path runs in C (``_native``, built by
``pip install -e .`` from ``_native.c``) or in pure Python.

The C extension is an accelerator, never a requirement: when it is missing, or
``EVENTYARD_PURE_PYTHON=1`` is set (read once, at import), every class here derives from
``object`` and the matcher walks events in Python, with the same answers. When it is
present, the index classes derive from its base types (plain C fields the walk reads
directly) and a ``RuleMatcher`` can still be asked to walk in Python
(``RuleMatcher(native=False)``), which is how the tests hold both to the reference.
"""

from __future__ import annotations

import importlib
import os
from types import ModuleType
from typing import Any


def _load() -> ModuleType | None:
    if os.environ.get("EVENTYARD_PURE_PYTHON", "") not in ("", "0"):
        return None
    try:
        # imported by name: a C extension without a stub, which mypy cannot see
        return importlib.import_module("eventyard.core.patterns._native")
    except ImportError:
        return None


native: Any = _load()


def bases(name: str) -> tuple[type, ...]:
    """The base classes of index class ``name``: the C base type, or none."""
    return (getattr(native, name + "Base"),) if native is not None else ()


def slots(native_fields: tuple[str, ...], python_fields: tuple[str, ...]) -> tuple[str, ...]:
    """``__slots__`` of an index class: the C base type holds ``native_fields`` itself."""
    return python_fields if native is not None else native_fields + python_fields
