"""Numbered SQL migrations per dialect: ``migrations/<dialect>/NNNN_name.sql``, applied in
number order, each once."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str


def load(dialect: str) -> list[Migration]:
    folder = resources.files("eventyard.store") / "migrations" / dialect
    found = []
    for entry in folder.iterdir():
        if entry.name.endswith(".sql"):
            number, _, rest = entry.name.partition("_")
            found.append(Migration(int(number), rest[:-4], entry.read_text("utf-8")))
    found.sort(key=lambda m: m.version)
    versions = [m.version for m in found]
    # Numbers only need to be unique and increasing: work on separate branches reserves
    # its own range, so a gap is fine, but two files with one number are a mistake.
    if len(set(versions)) != len(versions):
        raise RuntimeError(f"{dialect} migrations share a number: {versions}")
    return found


def statements(sql: str) -> list[str]:
    """Split a migration on ';' at line ends (migrations hold no procedural bodies)."""
    parts, current = [], []
    for line in sql.splitlines():
        if line.strip().startswith("--"):
            continue
        current.append(line)
        if line.rstrip().endswith(";"):
            stmt = "\n".join(current).strip()
            if stmt.rstrip(";").strip():
                parts.append(stmt)
            current = []
    tail = "\n".join(current).strip()
    if tail:
        parts.append(tail)
    return parts
