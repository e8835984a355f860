"""map_tables: several tables at once, results in order, no call left running, first failure raised."""

from __future__ import annotations

import threading
import time

import pytest

from jozi_lake.jobs.concurrency import map_tables


def test_results_come_back_in_input_order_whatever_finishes_first() -> None:
    def work(n: int) -> int:
        time.sleep(0.02 * (5 - n))  # the first item finishes last
        return n * 10

    assert map_tables(work, [0, 1, 2, 3, 4], parallel=3) == [0, 10, 20, 30, 40]


def test_runs_at_most_parallel_items_at_once() -> None:
    lock, running, peak = threading.Lock(), [0], [0]

    def work(n: int) -> int:
        with lock:
            running[0] += 1
            peak[0] = max(peak[0], running[0])
        time.sleep(0.05)
        with lock:
            running[0] -= 1
        return n

    map_tables(work, list(range(8)), parallel=3)
    assert peak[0] == 3


def test_a_failure_waits_for_the_others_then_raises_the_first_in_item_order() -> None:
    finished: list[str] = []

    def work(name: str) -> str:
        if name == "b":
            raise ValueError("b broke")
        if name == "d":
            raise KeyError("d broke too")
        time.sleep(0.1)
        finished.append(name)
        return name

    with pytest.raises(ValueError, match="b broke"):
        map_tables(work, ["a", "b", "c", "d"], parallel=4)
    assert sorted(finished) == ["a", "c"]  # nothing was left running


def test_parallel_one_runs_in_the_calling_thread_and_stops_at_the_first_failure() -> None:
    seen: list[tuple[int, str]] = []

    def work(n: int) -> int:
        seen.append((n, threading.current_thread().name))
        if n == 1:
            raise RuntimeError("stop")
        return n

    with pytest.raises(RuntimeError):
        map_tables(work, [0, 1, 2], parallel=1)
    assert seen == [(0, threading.current_thread().name), (1, threading.current_thread().name)]
