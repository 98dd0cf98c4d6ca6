"""Tests, scripts and benchmarks import by name: none of them edits ``sys.path``.

pytest puts each test module's directory on the import path (no packages in tests/),
which is how ``_clients``, ``_server`` and the like are found; ``scripts/pg-cluster``
loads ``tests/_postgres.py`` from its file.
"""

from __future__ import annotations

import ast
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def python_files() -> list[Path]:
    files = [*REPO.joinpath("tests").rglob("*.py"), *REPO.joinpath("benchmarks").rglob("*.py")]
    # not the peers' venv (benchmarks/.peers-venv, created by the first benchmark run): not our code
    files = [f for f in files if not any(part.startswith(".") for part in f.relative_to(REPO).parts)]
    for script in REPO.joinpath("scripts").iterdir():
        if script.is_file() and script.read_text(errors="replace").startswith("#!/usr/bin/env python"):
            files.append(script)
    return sorted(files)


def sys_path_edits(tree: ast.AST) -> list[int]:
    """Lines that change ``sys.path``: a call of one of its methods, or an assignment to it."""
    def is_sys_path(node: ast.AST) -> bool:
        return (isinstance(node, ast.Attribute) and node.attr == "path" and isinstance(node.value, ast.Name)
                and node.value.id == "sys")

    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and is_sys_path(node.func.value):
            lines.append(node.lineno)
        elif isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if is_sys_path(target) or (isinstance(target, ast.Subscript) and is_sys_path(target.value)):
                    lines.append(node.lineno)
    return sorted(lines)


def test_nothing_edits_sys_path() -> None:
    files = python_files()
    assert any(path.name == "pg-cluster" for path in files)
    found = {str(path.relative_to(REPO)): sys_path_edits(ast.parse(path.read_text(), filename=str(path)))
             for path in files}
    assert {name: lines for name, lines in found.items() if lines} == {}


def test_the_check_sees_edits() -> None:
    source = "import sys\nsys.path.insert(0, 'x')\nsys.path.append('y')\nsys.path[:0] = ['z']\nsys.path += ['w']\n"
    assert sys_path_edits(ast.parse(source)) == [2, 3, 4, 5]
