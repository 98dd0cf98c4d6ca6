"""The results table: :class:`Result` and :func:`format_table`, one row per system,
the standard columns plus any extra columns a workload reports."""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .load import LoadStats


@dataclass
class Result:
    """One row of the table. ``extra`` holds a workload's own columns;
    ``note`` is a short remark shown in the row, ``details`` go below the table."""

    system: str
    ops_per_s: float | None = None
    p50_ms: float | None = None
    p99_ms: float | None = None
    errors: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    note: str = ""
    details: list[str] = field(default_factory=list)

    @classmethod
    def from_stats(cls, system: str, stats: LoadStats, **kwargs: Any) -> Result:
        result = cls(system, ops_per_s=stats.ops_per_s, p50_ms=stats.percentile_ms(50),
                     p99_ms=stats.percentile_ms(99), errors=stats.errors, **kwargs)
        if stats.error_kinds:
            kinds = ", ".join(f"{k} x{n}" for k, n in stats.error_kinds.most_common())
            result.details.append(f"errors: {kinds}")
            for kind, sample in stats.error_samples.items():
                result.details.append(f"  {kind}: {sample}")
        if stats.warmup_errors:
            result.details.append(f"{stats.warmup_errors} error(s) during warm-up (not counted)")
        result.details.append(
            f"{stats.ops} ok calls in {stats.elapsed:.2f}s measured, "
            f"{stats.warmup_ops} warm-up calls, {stats.threads} threads"
        )
        return result


def combine_runs(runs: list[list[Result]], extra_columns: Sequence[str]) -> list[Result]:
    """One row per row name over repeated runs of one system: the median of every rate
    and time (floats), the sum of every count (ints: errors, lost, duplicates...), each
    run's row as a line below the table. A row missing from a run (a failed start) is
    combined from the runs that have it, and the missing runs are said."""
    names: list[str] = []
    for run_rows in runs:
        names += [r.system for r in run_rows if r.system not in names]
    combined = []
    for name in names:
        rows = [next((r for r in run if r.system == name), None) for run in runs]
        present = [r for r in rows if r is not None]
        merged = Result(f"{name} (x{len(present)})" if len(present) > 1 else name,
                        note="; ".join(sorted({r.note for r in present if r.note})))
        for attr in ("ops_per_s", "p50_ms", "p99_ms", "errors"):
            setattr(merged, attr, _combine([getattr(r, attr) for r in present]))
        for column in extra_columns:
            merged.extra[column] = _combine([r.extra.get(column) for r in present])
        for i, row in enumerate(rows, 1):
            if row is None:
                merged.details.append(f"run {i}: no such row")
                continue
            cells = [f"ops/s {_cell(row.ops_per_s)}", f"p50 {_cell(row.p50_ms)}", f"p99 {_cell(row.p99_ms)}",
                     *(f"{c} {_cell(row.extra.get(c))}" for c in extra_columns)]
            merged.details.append(f"run {i}: " + ", ".join(cells) + (f" [{row.note}]" if row.note else ""))
        merged.details += present[-1].details  # the last run's own notes (CPU, counts)
        combined.append(merged)
    return combined


def _combine(values: list[Any]) -> Any:
    numbers = [v for v in values if isinstance(v, (int, float)) and not isinstance(v, bool)]
    if not numbers:
        return next((v for v in values if v is not None), None)
    if all(isinstance(v, int) for v in numbers):
        return sum(numbers)
    return statistics.median(float(v) for v in numbers)


STANDARD_COLUMNS = ("system", "ops/s", "p50 ms", "p99 ms", "errors")
NOTE_WIDTH = 60


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.1f}" if abs(value) >= 100 else f"{value:.2f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def is_cpu_column(column: str) -> bool:
    """Server CPU per operation columns (``CPU us/msg``, ``EB CPU us/tr``...)."""
    return "CPU us/" in column


def _row_kind(system: str) -> tuple[str, str]:
    """(system, kind) of a row name: ``moto fifo (x3)`` -> (``moto``, ``fifo``)."""
    name = system.split(" (x", 1)[0]
    head, _, kind = name.partition(" ")
    return head, kind


def cpu_ratios(results: Sequence[Result], columns: Sequence[str], peers: Sequence[str]) -> dict[tuple[int, str], float]:
    """For each row and server-CPU column: the row's value over the best (lowest) peer's
    value in the same column, among rows of the same kind (e.g. ``standard``, ``fifo``)."""
    ratios: dict[tuple[int, str], float] = {}
    for column in columns:
        if not is_cpu_column(column):
            continue
        best: dict[str, float] = {}
        for r in results:
            system, kind = _row_kind(r.system)
            value = r.extra.get(column)
            if system in peers and isinstance(value, (int, float)) and value > 0:
                best[kind] = min(best.get(kind, value), float(value))
        for i, r in enumerate(results):
            value = r.extra.get(column)
            kind = _row_kind(r.system)[1]
            if isinstance(value, (int, float)) and kind in best:
                ratios[(i, column)] = float(value) / best[kind]
    return ratios


def format_table(header: str, results: Sequence[Result], extra_columns: Sequence[str] = (),
                 peers: Sequence[str] = ()) -> str:
    """The header line, one row per system, then per-system details. A server-CPU cell
    also shows its ratio to the best peer's (``52 (0.33x)``) when a peer has one."""
    columns = list(STANDARD_COLUMNS) + list(extra_columns)
    ratios = cpu_ratios(results, extra_columns, peers)
    show_note = any(r.note for r in results)
    if show_note:
        columns.append("note")
    rows = []
    for i, r in enumerate(results):
        row = [r.system, _cell(r.ops_per_s), _cell(r.p50_ms), _cell(r.p99_ms), _cell(r.errors)]
        row += [_cell(r.extra.get(col)) + (f" ({ratios[(i, col)]:.2f}x)" if (i, col) in ratios else "")
                for col in extra_columns]
        if show_note:
            note = r.note.splitlines()[0] if r.note else ""
            row.append(note if len(note) <= NOTE_WIDTH else note[: NOTE_WIDTH - 3] + "...")
        rows.append(row)
    widths = [max(len(col), *(len(row[i]) for row in rows)) if rows else len(col)
              for i, col in enumerate(columns)]

    def line(cells: Sequence[str]) -> str:
        out = []
        for i, (cell, width) in enumerate(zip(cells, widths, strict=True)):
            left = i == 0 or (show_note and i == len(columns) - 1)
            out.append(cell.ljust(width) if left else cell.rjust(width))
        return "  ".join(out).rstrip()

    lines = [header, line(columns), line(["-" * w for w in widths])]
    lines += [line(row) for row in rows]
    details = [(r.system, d) for r in results for d in r.details]
    details += [(r.system, r.note) for r in results if r.note and "\n" in r.note]
    if details:
        lines.append("")
        lines += [f"[{system}] {d}" for system, d in details]
    return "\n".join(lines)


def format_config(config: Mapping[str, Any]) -> str:
    return " ".join(f"{k}={v}" for k, v in config.items())
