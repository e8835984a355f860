"""Wall time and peak memory of one benchmark stage, for this process and every process it started.

Why not ``resource.getrusage``: the Spark driver is a JVM child that lives for the whole benchmark, so
``RUSAGE_CHILDREN`` only reports it after it exits, and only as one number for the whole run. Linux
keeps a per-process high-water mark (``VmHWM`` in ``/proc/<pid>/status``) that can be reset by writing
``5`` to ``/proc/<pid>/clear_refs``. A stage therefore resets the mark of every process in the tree,
runs, and then reads the marks again; a small polling thread also records the mark of processes that
start and exit inside the stage (Python workers), which would otherwise be missed.

The stage's peak is the **sum of the per-process peaks**: an upper bound of the tree's simultaneous
peak, tight here because the JVM dominates and holds its heap once grown.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

PROC = Path("/proc")
POLL_SECONDS = 0.2


def _read_status_kb(pid: int, field_name: str) -> int | None:
    """A ``kB`` field of ``/proc/<pid>/status`` (None when the process is gone or the field is absent)."""
    try:
        text = (PROC / str(pid) / "status").read_text()
    except OSError:
        return None
    for line in text.splitlines():
        if line.startswith(field_name + ":"):
            return int(line.split()[1])
    return None


def _children(pid: int) -> list[int]:
    kids: list[int] = []
    try:
        tasks = list((PROC / str(pid) / "task").iterdir())
    except OSError:
        return kids
    for task in tasks:
        try:
            kids.extend(int(k) for k in (task / "children").read_text().split())
        except OSError:
            continue
    return kids


def process_tree(root: int | None = None) -> list[int]:
    """``root`` (default: this process) and all its descendants, from ``/proc/<pid>/task/*/children``."""
    root = os.getpid() if root is None else root
    seen: list[int] = []
    stack = [root]
    while stack:
        pid = stack.pop()
        if pid in seen:
            continue
        seen.append(pid)
        stack.extend(_children(pid))
    return seen


def _reset_high_water_mark(pid: int) -> None:
    # Not ours or already gone: its mark then covers more than the stage, never less.
    with contextlib.suppress(OSError):
        (PROC / str(pid) / "clear_refs").write_text("5")


def memory_supported() -> bool:
    return (PROC / "self" / "status").is_file()


@dataclass
class StageMeasurement:
    """One timed stage. ``rows`` is what the stage processed, so rows/second can be derived."""

    name: str
    wall_s: float = 0.0
    peak_rss_mb: float | None = None
    rows: int | None = None
    processes: int = 0
    extra: dict[str, object] = field(default_factory=dict)

    @property
    def rows_per_s(self) -> float | None:
        if not self.rows or self.wall_s <= 0:
            return None
        return self.rows / self.wall_s

    def to_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "wall_s": round(self.wall_s, 3),
            "peak_rss_mb": None if self.peak_rss_mb is None else round(self.peak_rss_mb, 1),
            "rows": self.rows,
            "rows_per_s": None if self.rows_per_s is None else round(self.rows_per_s, 1),
            "processes": self.processes,
            **({"extra": self.extra} if self.extra else {}),
        }


class _PeakTracker:
    """Polls the process tree and keeps the highest ``VmHWM`` seen per pid."""

    def __init__(self) -> None:
        self.peaks_kb: dict[int, int] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="bench-rss", daemon=True)

    def start(self) -> None:
        for pid in process_tree():
            _reset_high_water_mark(pid)
        self._sample()
        self._thread.start()

    def _sample(self) -> None:
        for pid in process_tree():
            hwm = _read_status_kb(pid, "VmHWM")
            if hwm is not None and hwm > self.peaks_kb.get(pid, 0):
                self.peaks_kb[pid] = hwm

    def _loop(self) -> None:
        while not self._stop.wait(POLL_SECONDS):
            self._sample()

    def stop(self) -> float:
        self._stop.set()
        self._thread.join()
        self._sample()
        return sum(self.peaks_kb.values()) / 1024.0


@contextmanager
def measure(name: str, rows: int | None = None) -> Iterator[StageMeasurement]:
    """Time a block and record the process tree's peak RSS; set ``.rows`` inside the block if unknown."""
    result = StageMeasurement(name=name, rows=rows)
    # Long stages (minutes at 1M orders) should not look like a hang.
    print(f"    {name} ...", file=sys.stderr, flush=True)
    tracker = _PeakTracker() if memory_supported() else None
    if tracker:
        tracker.start()
    started = time.perf_counter()
    try:
        yield result
    finally:
        result.wall_s = time.perf_counter() - started
        if tracker:
            result.peak_rss_mb = tracker.stop()
            result.processes = len(tracker.peaks_kb)
        print(f"    {name}: {result.wall_s:,.1f} s", file=sys.stderr, flush=True)
