"""Child processes on Linux: free ports, process groups, what they listen on, and the
CPU time they used (from ``/proc``)."""

from __future__ import annotations

import http.client
import ipaddress
import os
import re
import shutil
import signal
import socket
import subprocess

LOOPBACK = "127.0.0.1"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((LOOPBACK, 0))
        return int(s.getsockname()[1])


def http_status(host: str, port: int, path: str) -> int | None:
    conn = http.client.HTTPConnection(host, port, timeout=2.0)
    try:
        conn.request("GET", path)
        return conn.getresponse().status
    except (OSError, http.client.HTTPException):
        return None
    finally:
        conn.close()


def signal_group(pgid: int, sig: signal.Signals) -> None:
    try:
        os.killpg(pgid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def stat_fields(pid: int) -> list[str] | None:
    """/proc/PID/stat from field 3 (state) on: index i is field i + 3."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            stat = f.read()
    except OSError:
        return None
    # the command name (field 2) may contain spaces and ')': split after the last one
    return stat.rsplit(")", 1)[1].split()


def pgid_of(pid: int) -> int | None:
    fields = stat_fields(pid)
    return int(fields[2]) if fields else None


def group_members(pgid: int) -> list[int]:
    """Live processes (zombies excluded) in group ``pgid``, other than its leader."""
    members = []
    for entry in os.listdir("/proc"):
        if entry.isdigit() and int(entry) != pgid:
            fields = stat_fields(int(entry))
            if fields and fields[0] != "Z" and int(fields[2]) == pgid:
                members.append(int(entry))
    return members


def listening_addresses(pgid: int) -> list[str] | None:
    """Local addresses of TCP listeners owned by processes in group ``pgid``."""
    if shutil.which("ss") is None:
        return None
    out = subprocess.run(["ss", "-ltnpH"], capture_output=True, text=True).stdout
    found = []
    for line in out.splitlines():
        parts = line.split()
        if len(parts) < 4:
            continue
        pids = {int(p) for p in re.findall(r"pid=(\d+)", line)}
        if any(p == pgid or pgid_of(p) == pgid for p in pids):
            found.append(parts[3])
    return found


def is_loopback(address: str) -> bool:
    host = address.rsplit(":", 1)[0].strip("[]").split("%", 1)[0]
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return False  # "*" and friends: every interface
    mapped = getattr(ip, "ipv4_mapped", None)
    return (mapped or ip).is_loopback


def group_cpu_seconds(pgid: int) -> float:
    """CPU time used so far by process group ``pgid`` and every live descendant of its
    leader (user + system, incl. reaped children): ``eventyard serve --workers N`` puts
    each worker in a process group of its own."""
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            fields = stat_fields(int(entry))
            if fields and fields[0] != "Z":
                parents[int(entry)] = int(fields[1])
    counted = {pgid, *group_members(pgid)}
    grew = True
    while grew:
        found = {pid for pid, parent in parents.items() if parent in counted and pid not in counted}
        counted |= found
        grew = bool(found)
    ticks = 0
    for pid in counted:
        fields = stat_fields(pid)
        if fields:
            ticks += sum(int(f) for f in fields[11:15])
    return ticks / os.sysconf("SC_CLK_TCK")
