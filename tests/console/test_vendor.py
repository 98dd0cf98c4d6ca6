"""The vendored front-end files are exactly those the manifest names (version, checksum, licence)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import eventyard.console

VENDOR = Path(eventyard.console.__file__).parent / "static" / "vendor"


def test_every_vendored_file_matches_its_manifest_entry() -> None:
    manifest = json.loads((VENDOR / "MANIFEST.json").read_text())
    listed = {entry["file"] for entry in manifest["files"]}
    assert listed == {p.name for p in VENDOR.glob("*.js")}
    for entry in manifest["files"]:
        assert hashlib.sha256((VENDOR / entry["file"]).read_bytes()).hexdigest() == entry["sha256"], entry["file"]
        assert entry["version"] and entry["licence"] == "0BSD"
        assert (VENDOR / entry["licence_file"]).read_text().strip()
