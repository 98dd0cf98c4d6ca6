"""Identifiers in AWS's shapes."""

from __future__ import annotations

import uuid


def request_id() -> str:
    return str(uuid.uuid4())


def event_id() -> str:
    return str(uuid.uuid4())
