"""Wall time and peak memory of one benchmark stage, for this process and every process it started.

Why not ``resource.getrusage``: the Spark driver is a JVM child that lives for the whole benchmark, so
``RUSAGE_CHILDREN`` only reports it after it exits, and only as one number for the whole run.

Two figures are combined, both from ``/proc``:

* the largest single process: Linux keeps a per-process high-water mark (``VmHWM``) that is reset by
  writing ``5`` to ``/proc/<pid>/clear_refs`` at the start of the stage, so the JVM's own peak is exact;
* the whole tree at once: a polling thread sums the *proportional* set size (``Pss`` from
  ``smaps_rollup``) of every live process in the tree. PSS splits pages shared between processes (the
  forked PySpark Python workers share most of theirs) so the sum does not count them twice.

The poller must not slow down what it measures: reading ``smaps_rollup`` walks the process's page
tables (about 30 ms for a Spark driver with a few GiB of heap on the benchmark machine, while holding
the lock the JVM needs for its own page faults), so polling every 0.2 s took about 15 % of a core from
a 2-core run. The interval therefore adapts: at least 0.5 s and at least 50 times the last sample's
cost (under 2 % of one core). The JVM's own peak is exact either way, through ``VmHWM``.

The stage's peak is the larger of the two. Summing per-process high-water marks instead would
overcount badly: short-lived forked workers that never coexisted would all be added up.
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
MIN_POLL_SECONDS = 0.5
POLL_COST_FACTOR = 50  # wait this many times the last sample's duration before the next sample


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


def _read_pss_kb(pid: int) -> int | None:
    """Proportional set size: shared pages divided among the processes sharing them."""
    try:
        text = (PROC / str(pid) / "smaps_rollup").read_text()
    except OSError:
        return None
    for line in text.splitlines():
        if line.startswith("Pss:"):
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
    """Polls the process tree: the largest simultaneous PSS sum, and the largest single ``VmHWM``."""

    def __init__(self) -> None:
        self.pids_seen: set[int] = set()
        self.max_tree_kb = 0
        self.max_single_hwm_kb = 0
        self._interval = MIN_POLL_SECONDS
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="bench-rss", daemon=True)

    def start(self) -> None:
        for pid in process_tree():
            _reset_high_water_mark(pid)
        self._sample()
        self._thread.start()

    def _sample(self) -> None:
        started = time.perf_counter()
        tree_kb = 0
        for pid in process_tree():
            self.pids_seen.add(pid)
            hwm = _read_status_kb(pid, "VmHWM")
            if hwm is not None:
                self.max_single_hwm_kb = max(self.max_single_hwm_kb, hwm)
            pss = _read_pss_kb(pid)
            tree_kb += pss if pss is not None else (_read_status_kb(pid, "VmRSS") or 0)
        self.max_tree_kb = max(self.max_tree_kb, tree_kb)
        self._interval = max(MIN_POLL_SECONDS, POLL_COST_FACTOR * (time.perf_counter() - started))

    def _loop(self) -> None:
        while not self._stop.wait(self._interval):
            self._sample()

    def stop(self) -> float:
        self._stop.set()
        self._thread.join()
        self._sample()
        return max(self.max_tree_kb, self.max_single_hwm_kb) / 1024.0


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
            result.processes = len(tracker.pids_seen)
        print(f"    {name}: {result.wall_s:,.1f} s", file=sys.stderr, flush=True)
