"""A throwaway PostgreSQL cluster for tests; stdlib only so ``scripts/pg-cluster`` can use it.

``Cluster.start()`` runs initdb + pg_ctl in a fresh temp dir (as the ``postgres`` OS user
when we are root, because initdb refuses root), listening on 127.0.0.1 only, with trust
auth and a ``eventyard`` database. ``Cluster.stop()`` stops it and removes the dir.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

DATABASE = "eventyard"
SUPERUSER = "postgres"


class ClusterError(RuntimeError):
    """The throwaway cluster could not be installed, started or stopped."""


def find_bindir() -> Path | None:
    """The newest PostgreSQL *server* bin dir (one holding initdb), or None."""
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=_version_key, reverse=True)
    # pg_config --bindir often names the client-only /usr/bin; keep it as a last resort.
    pg_config = shutil.which("pg_config")
    if pg_config:
        out = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True)
        if out.returncode == 0 and out.stdout.strip():
            candidates.append(out.stdout.strip())
    for candidate in candidates:
        bindir = Path(candidate)
        if (bindir / "initdb").is_file() and (bindir / "pg_ctl").is_file():
            return bindir
    return None


def _version_key(path: str) -> tuple[int, ...]:
    version = Path(path).parent.name
    return tuple(int(p) for p in version.split(".") if p.isdigit())


def ensure_installed() -> Path:
    """Return the server bin dir, installing Debian's ``postgresql`` when missing and root."""
    bindir = find_bindir()
    if bindir is not None:
        return bindir
    if os.geteuid() != 0:
        raise ClusterError("PostgreSQL server binaries (initdb) not found; install `postgresql` as root")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for cmd in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", "postgresql"]):
        if subprocess.run(cmd, env=env).returncode != 0:
            raise ClusterError(f"`{' '.join(cmd)}` failed")
    bindir = find_bindir()
    if bindir is None:
        raise ClusterError("installed `postgresql` but found no initdb under /usr/lib/postgresql/*/bin")
    return bindir


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Cluster:
    """One throwaway cluster. Use as a context manager or call start()/stop()."""

    def __init__(self, bindir: Path | None = None) -> None:
        self.bindir = bindir
        self.root: Path | None = None
        self.port = 0

    @property
    def datadir(self) -> Path:
        assert self.root is not None
        return self.root / "data"

    @property
    def url(self) -> str:
        return f"postgresql://{SUPERUSER}@127.0.0.1:{self.port}/{DATABASE}"

    def start(self) -> "Cluster":
        self.bindir = self.bindir or find_bindir()
        if self.bindir is None:
            raise ClusterError("PostgreSQL server binaries not found; run `scripts/pg-cluster ensure`")
        self.root = Path(tempfile.mkdtemp(prefix="eventyard-pg-"))
        try:
            self._chown(self.root)
            self._initdb()
            # A free port can be taken between probe and bind: try a few.
            for attempt in range(3):
                self.port = free_port()
                self._configure()
                if self._pg_ctl("start", "-w", "-t", "30", "-l", str(self.root / "server.log"), check=False) == 0:
                    break
                if attempt == 2:
                    raise ClusterError(f"pg_ctl start failed:\n{self.log()}")
            self._run([str(self.bindir / "createdb"), "-h", str(self.root), "-p", str(self.port),
                       "-U", SUPERUSER, DATABASE])
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        if self.root is None:
            return
        if (self.datadir / "postmaster.pid").exists():
            self._pg_ctl("stop", "-m", "fast", "-w", "-t", "30", check=False)
        shutil.rmtree(self.root, ignore_errors=True)
        self.root = None

    def log(self) -> str:
        try:
            return (self.root / "server.log").read_text(errors="replace")[-4000:] if self.root else ""
        except OSError:
            return ""

    @classmethod
    def attach(cls, root: Path) -> "Cluster":
        """A handle on a cluster started earlier (by another process) in ``root``."""
        cluster = cls(find_bindir())
        cluster.root = Path(root)
        conf = (cluster.datadir / "postgresql.auto.conf").read_text()
        cluster.port = int(next(l.split("=")[1] for l in conf.splitlines() if l.startswith("port")))
        return cluster

    def __enter__(self) -> "Cluster":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- steps -------------------------------------------------------------
    def _initdb(self) -> None:
        assert self.bindir is not None
        base = [str(self.bindir / "initdb"), "-D", str(self.datadir), "-U", SUPERUSER, "-A", "trust",
                "-E", "UTF8", "--no-sync"]  # --no-sync: initdb's own final flush only; the server keeps fsync on
        # An ICU en-US default collation sorts like production clusters (not bytewise),
        # so ordering that silently depends on the collation shows up in tests.
        icu = ["--locale-provider=icu", "--icu-locale=en-US", "--locale=C.UTF-8"]
        if self._run(base + icu, check=False) != 0:
            shutil.rmtree(self.datadir, ignore_errors=True)
            self._run(base + ["--locale=C.UTF-8"])

    def _configure(self) -> None:
        conf = self.datadir / "postgresql.auto.conf"
        conf.write_text(
            f"listen_addresses = '127.0.0.1'\n"
            f"port = {self.port}\n"
            f"unix_socket_directories = '{self.root}'\n"
            "max_connections = 200\n"
        )
        self._chown(conf)

    def _pg_ctl(self, *args: str, check: bool = True) -> int:
        assert self.bindir is not None
        return self._run([str(self.bindir / "pg_ctl"), "-D", str(self.datadir), *args], check=check)

    def _run(self, cmd: list[str], *, check: bool = True) -> int:
        if os.geteuid() == 0:
            cmd = ["runuser", "-u", SUPERUSER, "--", *cmd]
        # cwd inside our dir: the postgres user may not be able to enter the caller's cwd.
        out = subprocess.run(cmd, cwd=self.root, capture_output=True, text=True)
        if check and out.returncode != 0:
            raise ClusterError(f"`{' '.join(cmd)}` failed ({out.returncode}):\n{out.stdout}{out.stderr}")
        return out.returncode

    def _chown(self, path: Path) -> None:
        if os.geteuid() == 0:
            try:
                user = pwd.getpwnam(SUPERUSER)
            except KeyError:
                raise ClusterError(f"no `{SUPERUSER}` OS user to run PostgreSQL as (install `postgresql`)") from None
            os.chown(path, user.pw_uid, user.pw_gid)
