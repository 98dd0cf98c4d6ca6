"""Fixtures shared by the kill -9 tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

# What a killed server had claimed from the outbox runs again after this many seconds
# (``--delivery-lease``); short, so a drain after a restart does not wait the default 120 s.
DELIVERY_LEASE_SECONDS = 10


@pytest.fixture
def leased_server(store_url: str, tmp_path: Path) -> Iterator[Any]:
    """A restartable server on a fresh store whose outbox leases last ``DELIVERY_LEASE_SECONDS``.

    ``server.drain_seconds`` is how long a test may wait for deliveries after a restart:
    past the lease, with a minute to spare.
    """
    from _server import ServerProcess

    proc = ServerProcess(store_url, log_path=tmp_path / "server.log",
                         extra_args=["--delivery-lease", str(DELIVERY_LEASE_SECONDS)])
    proc.drain_seconds = DELIVERY_LEASE_SECONDS + 60
    proc.start()
    yield proc
    proc.stop()
