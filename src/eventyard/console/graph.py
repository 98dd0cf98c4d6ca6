"""A state machine's graph, laid out on the server and drawn as SVG by a template.

Layered: a state's row is its breadth-first distance from ``StartAt`` (unreachable
states go last), in the order they were found; transitions are ``Next``, ``Default``,
each choice's ``Next`` and each catcher's ``Next``. A transition to an earlier or the
same row (a loop) is drawn as a curve on the right. States inside ``Parallel`` branches
and ``Map`` iterators are not drawn: their parent is one node. Each state carries how
far an execution got with it (from its history), shown by a word as well as a colour.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Any

NODE_W, NODE_H, GAP_X, GAP_Y, MARGIN = 190, 42, 36, 46, 16
START, END = "\x00start", "\x00end"  # the pseudo-states drawn as Start and End


@dataclass(frozen=True)
class Node:
    name: str
    label: str
    kind: str  # the state's Type, or start / end
    x: int
    y: int
    status: str  # "" | succeeded | running | failed | stopped

    @property
    def cx(self) -> int:
        return self.x + NODE_W // 2


@dataclass(frozen=True)
class Edge:
    path: str  # SVG path data
    label: str


@dataclass(frozen=True)
class Graph:
    nodes: list[Node]
    edges: list[Edge]
    width: int
    height: int
    node_w: int = NODE_W
    node_h: int = NODE_H


def transitions(state: dict[str, Any]) -> list[tuple[str, str]]:
    """(target, label) of every way out of a state; END for an end."""
    found: list[tuple[str, str]] = []
    for choice in state.get("Choices") or []:
        if isinstance(choice, dict) and isinstance(choice.get("Next"), str):
            found.append((choice["Next"], "choice"))
    if isinstance(state.get("Default"), str):
        found.append((state["Default"], "default"))
    if isinstance(state.get("Next"), str):
        found.append((state["Next"], ""))
    for catcher in state.get("Catch") or []:
        if isinstance(catcher, dict) and isinstance(catcher.get("Next"), str):
            found.append((catcher["Next"], "catch"))
    if state.get("End") is True or state.get("Type") in ("Succeed", "Fail"):
        found.append((END, ""))
    return found


def statuses(events: list[dict[str, Any]], execution_status: str) -> dict[str, str]:
    """How far the execution got with each top-level state, from its history events."""
    entered: list[str] = []
    exited: set[str] = set()
    for event in events:
        entered_details = event.get("stateEnteredEventDetails")
        if isinstance(entered_details, dict) and "name" in entered_details:
            entered.append(entered_details["name"])
        exited_details = event.get("stateExitedEventDetails")
        if isinstance(exited_details, dict) and "name" in exited_details:
            exited.add(exited_details["name"])
    ended = {"FAILED": "failed", "TIMED_OUT": "failed", "ABORTED": "stopped"}.get(execution_status)
    found: dict[str, str] = {}
    for name in entered:
        if name in exited:
            found[name] = "succeeded"
        else:
            found[name] = ended or ("running" if execution_status == "RUNNING" else "succeeded")
    return found


def layout(definition: dict[str, Any], status: dict[str, str] | None = None) -> Graph:
    status = status or {}
    states: dict[str, Any] = definition.get("States") if isinstance(definition.get("States"), dict) else {}  # type: ignore[assignment]
    rank: dict[str, int] = {START: 0}
    order: list[str] = [START]
    queue: deque[str] = deque()
    first = definition.get("StartAt")
    if isinstance(first, str) and first in states:
        rank[first] = 1
        order.append(first)
        queue.append(first)
    while queue:
        name = queue.popleft()
        for target, _ in transitions(states.get(name) or {}):
            if target != END and target in states and target not in rank:
                rank[target] = rank[name] + 1
                order.append(target)
                queue.append(target)
    last = max(rank.values())
    for name in states:
        if name not in rank:
            last += 1
            rank[name] = last
            order.append(name)
    rank[END] = max(rank.values()) + 1
    order.append(END)
    rows: dict[int, list[str]] = {}
    for name in order:
        rows.setdefault(rank[name], []).append(name)
    widest = max(len(r) for r in rows.values())
    width = MARGIN * 2 + widest * NODE_W + (widest - 1) * GAP_X + 80  # room on the right for loops
    nodes: dict[str, Node] = {}
    for row, names in rows.items():
        span = len(names) * NODE_W + (len(names) - 1) * GAP_X
        left = (width - 80 - span) // 2
        for i, name in enumerate(names):
            kind = "start" if name == START else "end" if name == END else str((states.get(name) or {}).get("Type", ""))
            label = "Start" if name == START else "End" if name == END else name
            nodes[name] = Node(name, label, kind, left + i * (NODE_W + GAP_X), MARGIN + row * (NODE_H + GAP_Y),
                               status.get(name, ""))
    edges: list[Edge] = []
    if isinstance(first, str) and first in nodes:
        edges.append(_edge(nodes[START], nodes[first], ""))
    for name in states:
        for target, label in transitions(states.get(name) or {}):
            if target in nodes:
                edges.append(_edge(nodes[name], nodes[target], label))
    height = MARGIN * 2 + (rank[END] + 1) * NODE_H + rank[END] * GAP_Y
    return Graph(list(nodes.values()), edges, width, height)


def _edge(source: Node, target: Node, label: str) -> Edge:
    if target.y > source.y:
        x1, y1, x2, y2 = source.cx, source.y + NODE_H, target.cx, target.y
        return Edge(f"M{x1},{y1} C{x1},{y1 + GAP_Y // 2} {x2},{y2 - GAP_Y // 2} {x2},{y2}", label)
    # a loop back up (or sideways): around the right of both nodes
    x1, y1 = source.x + NODE_W, source.y + NODE_H // 2
    x2, y2 = target.x + NODE_W, target.y + NODE_H // 2
    bend = max(x1, x2) + 60
    return Edge(f"M{x1},{y1} C{bend},{y1} {bend},{y2} {x2},{y2}", label)
