"""The layers stay as DESIGN.md draws them, read from the source with ``ast``.

- ``core/`` is pure: no module under it imports I/O (sockets, databases, HTTP, event
  loops, processes, threads, files), nor a layer above it; every import counts,
  those inside functions included.
- ``store/`` is the only place with SQL: no string outside it holds a SQL statement.
- No import cycle anywhere in ``src/``: imports inside functions count. Imports under
  ``if TYPE_CHECKING:`` do not, because they never run (they name types for mypy).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parent.parent / "src"
PACKAGE = SRC / "eventyard"
CORE = PACKAGE / "core"
STORE = PACKAGE / "store"

# Modules (and their submodules) whose import means I/O, or a layer above core/.
CORE_DENIED = frozenset({
    "asyncio", "concurrent", "fcntl", "ftplib", "glob", "http", "mmap", "multiprocessing", "pathlib",
    "pty", "select", "selectors", "shutil", "signal", "smtplib", "socket", "socketserver", "sqlite3",
    "ssl", "subprocess", "tempfile", "urllib.request", "webbrowser",
    "botocore", "boto3", "httpx", "psycopg", "psycopg_pool", "requests", "starlette", "uvicorn", "urllib3",
    "eventyard.api", "eventyard.cli", "eventyard.config", "eventyard.logs", "eventyard.runtime",
    "eventyard.server", "eventyard.services", "eventyard.store", "eventyard.web",
})
# Modules core/ may use only for these names: entropy, configuration from the
# environment, thread-local state and locks, and reading the clock are not I/O;
# files, processes, threads and sleeping are.
CORE_RESTRICTED = {
    "io": frozenset({"BytesIO", "StringIO"}),
    "os": frozenset({"environ", "getenv", "getpid", "register_at_fork", "urandom"}),
    "threading": frozenset({"Lock", "RLock", "local"}),
    "time": frozenset({"gmtime", "localtime", "monotonic", "monotonic_ns", "perf_counter", "perf_counter_ns",
                       "strftime", "struct_time", "time", "time_ns", "timezone"}),
}
CORE_DENIED_BUILTINS = frozenset({"open", "input", "breakpoint"})

SQL_STATEMENT = re.compile(
    r"\bSELECT\b[\s\S]*\bFROM\b|\bINSERT\s+INTO\b|\bUPDATE\s+\w+\s+SET\b|\bDELETE\s+FROM\b"
    r"|\b(?:CREATE|ALTER|DROP)\s+(?:UNIQUE\s+)?(?:TABLE|INDEX|VIEW|TRIGGER|SEQUENCE)\b"
    r"|\bON\s+CONFLICT\b|\bFOR\s+UPDATE\s+SKIP\s+LOCKED\b"
)


@dataclass(frozen=True)
class Import:
    """One import statement's target module, where it is, and whether it ever runs."""

    module: str  # absolute dotted name of what is imported (``x.y`` for ``from x import y`` if x.y is a module)
    names: tuple[str, ...]  # the names taken by ``from module import ...``; () for ``import module``
    alias: str | None  # the local name bound by ``import module [as alias]``
    line: int
    type_checking_only: bool


def module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def source_modules() -> dict[str, Path]:
    return {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def _type_checking_nodes(tree: ast.AST) -> set[int]:
    """ids of the nodes inside ``if TYPE_CHECKING:`` blocks."""
    inside: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If):
            test = node.test
            name = test.id if isinstance(test, ast.Name) else test.attr if isinstance(test, ast.Attribute) else ""
            if name == "TYPE_CHECKING":
                for statement in node.body:
                    inside.update(id(sub) for sub in ast.walk(statement))
    return inside


def parse(path: Path) -> ast.Module:
    return ast.parse(path.read_text(), filename=str(path))


def imports(tree: ast.Module, path: Path, known: dict[str, Path]) -> Iterator[Import]:
    """Every import in ``tree`` (the module at ``path``), at any depth (functions, branches)."""
    package = module_name(path).split(".")
    if path.name != "__init__.py":
        package.pop()
    type_checking = _type_checking_nodes(tree)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield Import(alias.name, (), alias.asname or alias.name.split(".")[0], node.lineno,
                             id(node) in type_checking)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            names = tuple(alias.name for alias in node.names)
            submodules = [f"{target}.{name}" for name in names if f"{target}.{name}" in known]
            for submodule in submodules:
                yield Import(submodule, (), None, node.lineno, id(node) in type_checking)
            if len(submodules) < len(names):
                yield Import(target, names, None, node.lineno, id(node) in type_checking)


def _within(module: str, prefixes: frozenset[str]) -> bool:
    return any(module == prefix or module.startswith(prefix + ".") for prefix in prefixes)


# -- core/ is pure -------------------------------------------------------------------
def core_violations(tree: ast.Module, path: Path, known: dict[str, Path]) -> list[str]:
    found: list[str] = []
    restricted_aliases: dict[str, str] = {}
    for imp in imports(tree, path, known):
        if _within(imp.module, CORE_DENIED):
            found.append(f"line {imp.line}: imports {imp.module}")
            continue
        denied_names = [name for name in imp.names if _within(f"{imp.module}.{name}", CORE_DENIED)]
        for name in denied_names:  # ``from urllib import request``
            found.append(f"line {imp.line}: imports {imp.module}.{name}")
        if denied_names:
            continue
        allowed = CORE_RESTRICTED.get(imp.module)
        if allowed is None:
            continue
        if imp.names:
            for name in set(imp.names) - allowed:
                found.append(f"line {imp.line}: imports {name} from {imp.module}")
        elif imp.alias:
            restricted_aliases[imp.alias] = imp.module
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            module = restricted_aliases.get(node.value.id)
            if module and node.attr not in CORE_RESTRICTED[module]:
                found.append(f"line {node.lineno}: uses {module}.{node.attr}")
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in CORE_DENIED_BUILTINS:
            found.append(f"line {node.lineno}: calls {node.func.id}()")
    return found


def test_core_imports_no_io() -> None:
    known = source_modules()
    core = sorted(CORE.rglob("*.py"))
    assert core, CORE
    problems = {str(path.relative_to(SRC)): core_violations(parse(path), path, known) for path in core}
    assert {name: found for name, found in problems.items() if found} == {}


@pytest.mark.parametrize("source, problem", [
    ("import socket\n", "imports socket"),
    ("def f():\n    import sqlite3\n", "imports sqlite3"),
    ("from concurrent.futures import ThreadPoolExecutor\n", "imports concurrent.futures"),
    ("import urllib.request\n", "imports urllib.request"),
    ("from urllib import request\n", "imports urllib.request"),
    ("from eventyard import services\n", "imports eventyard.services"),
    ("import io\nio.open('x')\n", "uses io.open"),
    ("from eventyard.store import Session\n", "imports eventyard.store"),
    ("from os import listdir\n", "imports listdir from os"),
    ("import os\nos.system('true')\n", "uses os.system"),
    ("import threading as t\nt.Thread(target=print)\n", "uses threading.Thread"),
    ("import time\ntime.sleep(1)\n", "uses time.sleep"),
    ("open('x')\n", "calls open()"),
])
def test_core_check_catches(source: str, problem: str) -> None:
    """The check itself: each of these would be reported in a core/ module."""
    found = core_violations(ast.parse(source), CORE / "_probe.py", source_modules())
    assert any(problem in line for line in found), found


def test_core_check_allows_what_core_uses() -> None:
    """Entropy, the environment, thread-local state and the clock stay allowed."""
    source = "import os, threading, time\nos.urandom(8)\nos.environ.get('X')\nthreading.local()\ntime.time()\n"
    assert core_violations(ast.parse(source), CORE / "_probe.py", source_modules()) == []


# -- SQL only in store/ --------------------------------------------------------------
def sql_strings(tree: ast.Module) -> list[str]:
    """Lines of a module holding a string that reads as a SQL statement."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and SQL_STATEMENT.search(node.value):
            found.append(f"line {node.lineno}: {node.value.strip()[:60]!r}")
        elif isinstance(node, ast.JoinedStr):
            text = "".join(part.value for part in node.values
                           if isinstance(part, ast.Constant) and isinstance(part.value, str))
            if SQL_STATEMENT.search(text):
                found.append(f"line {node.lineno}: f-string {text.strip()[:60]!r}")
    return found


def test_sql_only_in_store() -> None:
    outside = [path for path in sorted(PACKAGE.rglob("*.py")) if STORE not in path.parents]
    assert outside
    problems = {str(path.relative_to(SRC)): sql_strings(parse(path)) for path in outside}
    assert {name: found for name, found in problems.items() if found} == {}
    stray_sql_files = [str(path) for path in PACKAGE.rglob("*.sql") if STORE not in path.parents]
    assert stray_sql_files == []


@pytest.mark.parametrize("statement", [
    "SELECT id FROM queues WHERE name = ?",
    "select-free text, then INSERT INTO messages (id) VALUES (?)",
    "UPDATE queues SET attributes = ?",
    "DELETE FROM resource_tags WHERE arn = ?",
    "CREATE TABLE t (id INTEGER)",
    "CREATE UNIQUE INDEX i ON t (id)",
    "SELECT pg_notify(?, ?) FROM x",
])
def test_sql_check_catches(statement: str) -> None:
    assert SQL_STATEMENT.search(statement)


@pytest.mark.parametrize("prose", [
    "Select the rule, then read from the cache.",
    "The queue to update; set by the caller.",
    "Deletes the message from the queue.",
])
def test_sql_check_ignores_prose(prose: str) -> None:
    assert not SQL_STATEMENT.search(prose)


# -- no import cycles ------------------------------------------------------------------
def import_graph() -> dict[str, set[str]]:
    """module -> the modules of src/ it imports (at any depth, not TYPE_CHECKING-only)."""
    known = source_modules()
    graph: dict[str, set[str]] = {}
    for name, path in known.items():
        targets = {imp.module for imp in imports(parse(path), path, known) if not imp.type_checking_only and imp.module in known}
        targets.discard(name)
        graph[name] = targets
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan), each as
    one cycle through it, for the message."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []

    def visit(start: str) -> None:
        # Iterative: deep import chains must not hit the recursion limit.
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, successors = work[-1]
            advanced = False
            for successor in successors:
                if successor not in index:
                    index[successor] = low[successor] = len(index)
                    stack.append(successor)
                    on_stack.add(successor)
                    work.append((successor, iter(sorted(graph[successor]))))
                    advanced = True
                    break
                if successor in on_stack:
                    low[node] = min(low[node], index[successor])
            if advanced:
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    components.append(_one_cycle(graph, set(component)))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return components


def _one_cycle(graph: dict[str, set[str]], component: set[str]) -> list[str]:
    """A path ``a -> b -> ... -> a`` inside one strongly connected component."""
    start = min(component)
    paths = {start: [start]}
    frontier = [start]
    while frontier:
        nxt = []
        for node in frontier:
            for successor in sorted(graph[node] & component):
                if successor == start:
                    return paths[node] + [start]
                if successor not in paths:
                    paths[successor] = paths[node] + [successor]
                    nxt.append(successor)
        frontier = nxt
    return sorted(component)


def test_no_import_cycles() -> None:
    found = cycles(import_graph())
    assert [" -> ".join(cycle) for cycle in found] == []


def test_cycle_check_catches() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": set()}
    assert cycles(graph) == [["a", "b", "c", "a"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_graph_counts_deferred_imports() -> None:
    """A function-level import is an edge; the store factory's backend imports show it."""
    graph = import_graph()
    assert "eventyard.store.sqlite" in graph["eventyard.store.factory"]
    assert "eventyard.store.postgres" in graph["eventyard.store.factory"]
