"""Function and layer code: zip archives (checked, kept in the store by SHA-256, unpacked
once per node into a cache folder) and hot-reload folders (read live, never copied)."""

from __future__ import annotations

import base64
import hashlib
import io
import os
import shutil
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

from eventyard.core.errors import ServiceError

MAX_ZIPPED = 52_428_800
MAX_UNZIPPED = 262_144_000
HOT_RELOAD_BUCKET = "hot-reload"
HOT_RELOAD_SHA = "hot-reloading-hash-not-available"


@dataclass(frozen=True)
class Archive:
    data: bytes
    sha_hex: str
    unzipped_size: int

    @property
    def code_sha256(self) -> str:
        """Lambda's CodeSha256: base64 of the SHA-256 digest."""
        return base64.b64encode(bytes.fromhex(self.sha_hex)).decode()


def check_archive(data: bytes, what: str = "") -> Archive:
    if len(data) > MAX_ZIPPED:
        raise ServiceError("RequestEntityTooLargeException", f"Zipped size must be smaller than {MAX_ZIPPED} bytes")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            infos = z.infolist()
            if z.testzip() is not None:
                raise zipfile.BadZipFile
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError, NotImplementedError):
        raise ServiceError("InvalidParameterValueException",
                           "Could not unzip uploaded file. Please check your file, then try to upload again.") from None
    for info in infos:  # entries that would land outside the folder are refused, not skipped
        target = Path(info.filename)
        if target.is_absolute() or ".." in target.parts:
            raise ServiceError("InvalidParameterValueException",
                               "Could not unzip uploaded file. Please check your file, then try to upload again.")
    size = sum(i.file_size for i in infos)
    return Archive(data, hashlib.sha256(data).hexdigest(), size)


def check_unzipped_total(total: int) -> None:
    if total > MAX_UNZIPPED:
        raise ServiceError("InvalidParameterValueException",
                           f"Unzipped size must be smaller than {MAX_UNZIPPED} bytes")


def check_hot_reload_folder(key: str) -> Path:
    path = Path(key)
    if not path.is_absolute():
        raise ServiceError("InvalidParameterValueException",
                           "When using hot reloading, the archive key has to be an absolute path!")
    return path


# Filesystem timestamps tick coarsely (a few ms on Linux): two saves within one tick
# leave the same mtime, so a file changed this recently is told apart by its content.
RECENT_NS = 2_000_000_000


def folder_revision(folder: Path) -> str:
    """A digest of what is under ``folder`` (names, sizes, modification times, and the
    content of files changed in the last two seconds), so that any change gives the code a
    new revision (and the next invocation a fresh worker)."""
    digest = hashlib.sha256()
    recent = time.time_ns() - RECENT_NS
    try:
        digest.update(str(folder.stat().st_mtime_ns).encode())
        for root, dirs, files in os.walk(folder):
            dirs[:] = sorted(d for d in dirs if d != "__pycache__")
            for name in sorted(files):
                path = os.path.join(root, name)
                try:
                    stat = os.stat(path)
                    digest.update(f"{path}\0{stat.st_size}\0{stat.st_mtime_ns}\0".encode())
                    if stat.st_mtime_ns >= recent:
                        with open(path, "rb") as handle:
                            digest.update(hashlib.sha256(handle.read()).digest())
                except OSError:
                    continue
    except OSError:
        return "missing"
    return digest.hexdigest()[:32]


def unpacked(cache: Path, sha_hex: str, load: "bytes | None") -> Path:
    """The folder holding the archive ``sha_hex`` unpacked (made from ``load`` if missing:
    unpacked beside it and renamed into place, so a half-unpacked folder is never used)."""
    target = cache / sha_hex
    if target.is_dir():
        return target
    if load is None:
        raise FileNotFoundError(sha_hex)
    cache.mkdir(parents=True, exist_ok=True)
    scratch = cache / f".{sha_hex}.{os.getpid()}"
    shutil.rmtree(scratch, ignore_errors=True)
    with zipfile.ZipFile(io.BytesIO(load)) as z:
        z.extractall(scratch)
        for info in z.infolist():  # keep the executable bits a zip made on Unix carries
            mode = (info.external_attr >> 16) & 0o777
            if mode:
                os.chmod(scratch / info.filename, mode | 0o600)
    try:
        scratch.rename(target)
    except OSError:  # another worker of this node got there first
        shutil.rmtree(scratch, ignore_errors=True)
    return target
