"""Independent per-table work, several tables at a time, in one Spark application.

A table's step of a job is a handful of small Spark jobs with driver-side work between them (listing
files, building and optimising plans, re-planning between adaptive stages). Run one table after another
and the executors idle during every such gap; on a small daily batch that idle time is most of the
run. Spark schedules jobs submitted from several driver threads side by side, so running a few tables
at once fills the gaps. Task slots are shared, never multiplied: the number of concurrent tasks, and so
execution memory per task, is the same as with one table at a time.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, wait
from typing import TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")

# Tables in flight at once: on 2 cores a one-day silver run took 58 s with one, 44 s with two, 38-47 s
# with three and 44 s with five (docs/performance.md, "Third round").
DEFAULT_PARALLEL_TABLES = 3


def map_tables(
    work: Callable[[Item], Result], items: Sequence[Item], parallel: int = DEFAULT_PARALLEL_TABLES
) -> list[Result]:
    """``[work(item) for item in items]``, up to ``parallel`` at a time, results in ``items`` order.

    Every call runs to completion before this returns, so nothing is left running against a lake the
    caller is about to clean up; if any call raised, the first failure in ``items`` order is re-raised.
    """
    if parallel <= 1 or len(items) <= 1:
        return [work(item) for item in items]
    with ThreadPoolExecutor(max_workers=min(parallel, len(items)), thread_name_prefix="lake-table") as pool:
        futures = [pool.submit(work, item) for item in items]
        wait(futures)
    for future in futures:
        error = future.exception()
        if error is not None:
            raise error
    return [future.result() for future in futures]
