"""The peers (moto, ministack) live in their own venv, ``benchmarks/.peers-venv``,
created on demand by :func:`ensure_peers_venv`; they are never eventyard dependencies."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from .progress import log

BENCH_DIR = Path(__file__).resolve().parent
PEERS_VENV = BENCH_DIR / ".peers-venv"
PEER_PACKAGES = ("moto[server]", "ministack")


class PeersInstallError(RuntimeError):
    pass


def peer_bin(name: str, venv: Path = PEERS_VENV) -> Path:
    return venv / "bin" / name


def ensure_peers_venv(venv: Path = PEERS_VENV) -> Path:
    """Create the peers venv and install moto[server] + ministack if missing.

    A separate venv keeps the peers (and their large dependency trees) out of
    eventyard's own environment.
    """
    wanted = [peer_bin("moto_server", venv), peer_bin("ministack", venv)]
    if all(p.exists() for p in wanted):
        return venv
    python3 = shutil.which("python3") or sys.executable
    if not peer_bin("python", venv).exists():
        log(f"[peers] creating venv {venv}")
        _checked([python3, "-m", "venv", str(venv)], "python3 -m venv")
    log(f"[peers] pip install {' '.join(PEER_PACKAGES)} (one-off, takes a minute)")
    _checked(
        [str(peer_bin("python", venv)), "-m", "pip", "install",
         "--disable-pip-version-check", "--quiet", *PEER_PACKAGES],
        "pip install",
    )
    missing = [str(p) for p in wanted if not p.exists()]
    if missing:
        raise PeersInstallError(f"installed, but still missing: {', '.join(missing)}")
    return venv


def _checked(cmd: Sequence[str], what: str) -> None:
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        tail = "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-15:])
        raise PeersInstallError(f"{what} failed (exit {proc.returncode}):\n{tail}")


def package_versions(python: Path, packages: Sequence[str]) -> dict[str, str]:
    """Versions of ``packages`` as seen by the interpreter ``python``."""
    code = (
        "import sys, importlib.metadata as m\n"
        "for p in sys.argv[1:]:\n"
        "    try: print(p, m.version(p))\n"
        "    except Exception: print(p, '?')\n"
    )
    try:
        out = subprocess.run([str(python), "-c", code, *packages], capture_output=True,
                             text=True, timeout=30).stdout
    except (OSError, subprocess.SubprocessError):
        return {}
    return dict(line.split(" ", 1) for line in out.splitlines() if " " in line)
