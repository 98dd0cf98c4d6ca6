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


TEST_VENDOR = Path(__file__).parent / "vendor"


def test_the_test_only_axe_core_matches_its_manifest_and_is_not_served() -> None:
    manifest = json.loads((TEST_VENDOR / "MANIFEST.json").read_text())
    [entry] = manifest["files"]
    assert entry["file"] == "axe.min.js" and entry["licence"] == "MPL-2.0" and entry["version"]
    assert hashlib.sha256((TEST_VENDOR / entry["file"]).read_bytes()).hexdigest() == entry["sha256"]
    assert "Mozilla Public License" in (TEST_VENDOR / entry["licence_file"]).read_text()
    assert not (VENDOR / "axe.min.js").exists()  # a test tool, never shipped to viewers
