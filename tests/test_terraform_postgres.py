"""The Terraform end-to-end test (tests/test_terraform.py) on PostgreSQL.

A module of its own: the suite's workers keep a module on one worker, and each backend's
run takes minutes, so the two run side by side instead of one after the other.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from test_terraform import TERRAFORM_BACKENDS, check_terraform_end_to_end, terraform  # noqa: F401 (a fixture)


@pytest.mark.timeout(3600)
@pytest.mark.parametrize("backend_url", [b for b in TERRAFORM_BACKENDS if b == "postgres"], indirect=True,
                         scope="module")
def test_terraform_applies_replans_clean_and_destroys_on_postgres(terraform: str, server: Any,
                                                                   tmp_path: Path) -> None:
    check_terraform_end_to_end(terraform, server, tmp_path)
