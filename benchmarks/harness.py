"""Side-by-side benchmark harness, used by ``benchmarks.run`` and by the workloads.

One module per concern; this one gathers what the workloads and ``run`` use:

* **Servers** (``servers``) — :class:`Server` and one subclass per system (eventyard,
  moto, ministack), started on a free port on 127.0.0.1 in their own process group,
  checked to listen on loopback only, stopped by the PID we started. Process groups,
  ``/proc`` and ``ss`` are in ``processes``.
* **Peers** (``peers``) — moto and ministack in their own venv
  (``benchmarks/.peers-venv``), created on demand; never eventyard dependencies.
* **Load runner** (``load``) — :func:`run_load`: N threads, each with its own boto3
  client (``clients``), call a workload's ``op`` for a duration (or an op count) after
  a warm-up; every call is timed with ``time.perf_counter``. Also in forked processes.
* **Table** (``tables``) — :class:`Result` and :func:`format_table`: one row per
  system, the standard columns plus any extra columns a workload reports.
"""

from __future__ import annotations

from .clients import REGION, error_kind, make_client
from .load import LoadStats, Op, percentile, run_load, run_load_in_processes, start_forked
from .peers import PEER_PACKAGES, PEERS_VENV, PeersInstallError, ensure_peers_venv, package_versions, peer_bin
from .processes import LOOPBACK, free_port, listening_addresses
from .progress import log
from .servers import (
    EVENTYARD_BIN, PEERS, SERVERS, EventyardServer, MinistackServer, MotoServer, Server, ServerError,
)
from .tables import STANDARD_COLUMNS, Result, combine_runs, format_config, format_table

__all__ = [
    "EVENTYARD_BIN", "LOOPBACK", "PEERS", "PEERS_VENV", "PEER_PACKAGES", "REGION", "SERVERS", "STANDARD_COLUMNS",
    "EventyardServer", "LoadStats", "MinistackServer", "MotoServer", "Op", "PeersInstallError", "Result", "Server",
    "ServerError", "combine_runs", "ensure_peers_venv", "error_kind", "format_config", "format_table", "free_port",
    "listening_addresses", "log", "make_client", "package_versions", "peer_bin", "percentile", "run_load",
    "run_load_in_processes", "start_forked",
]
