"""Named points where a test may kill the process, to prove that a killed run, rerun, leaves the same lake.

The fault-injection suite (tests/faults/) runs the real CLI in a child process with
``LAKE_KILL_AT=<point>[:<n>]``; when the process reaches that point (the n-th time, default the first)
it sends itself SIGKILL — no exception, no cleanup, as when a container is stopped or a machine dies.
Unset (every normal run), :func:`checkpoint` is one dictionary lookup.

Standard library only: the points sit in runtime code (ingest, the jobs' publish steps, the crawler).
"""

from __future__ import annotations

import os
import signal

KILL_AT_ENV_VAR = "LAKE_KILL_AT"
_seen: dict[str, int] = {}


def checkpoint(point: str) -> None:
    """Die here if the environment says so (``LAKE_KILL_AT=point`` or ``point:n``)."""
    wanted = os.environ.get(KILL_AT_ENV_VAR)
    if not wanted:
        return
    name, _, count = wanted.partition(":")
    if name != point:
        return
    _seen[point] = _seen.get(point, 0) + 1
    if _seen[point] >= int(count or 1):
        os.kill(os.getpid(), signal.SIGKILL)
