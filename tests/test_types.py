"""``src/`` is mypy-clean, with the settings in pyproject.toml's ``[tool.mypy]``.

mypy runs as a subprocess from the repository's root, so it reads that configuration
and keeps its incremental cache in ``.mypy_cache/`` (gitignored): a run after a small
change rechecks only what the change reaches.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_src_is_mypy_clean() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "mypy", "--no-color-output"],
        cwd=ROOT, capture_output=True, text=True,
    )
    assert done.returncode == 0, f"mypy found type errors in src/:\n{done.stdout}{done.stderr}"
