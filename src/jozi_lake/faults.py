"""Named points where a test may kill (or freeze) the process, to prove that a killed run, rerun, leaves
the same lake as a run that was never interrupted.

The fault-injection suite (tests/faults/) runs the real CLI in a child process with
``LAKE_KILL_AT=<point>[:<n>]``; when the process reaches that point (the n-th time, default the first)
it sends itself SIGKILL — no exception, no cleanup, as when a container is stopped or a machine dies.
``LAKE_STOP_AT=<point>[:<n>]`` sends SIGSTOP instead: the process freezes there, holding whatever it
holds, until the test sends SIGCONT — how the suite makes two runs overlap deterministically instead of
sleeping and hoping. Unset (every normal run), :func:`checkpoint` is two dictionary lookups.

The points, in the order a pipeline run passes them:

===========================================  ==========================================================
point                                        where (what a kill there leaves behind)
===========================================  ==========================================================
``lease.held``                               local pipeline, right after the lease is taken (a lease
                                             whose holder is dead; the next run must take it over)
``lease.waiting``                            :func:`jozi_lake.lease.acquire`, when another run holds
                                             the lease and this one is about to wait (``--wait``)
``ingest.page_written``                      http ingest, after a bronze page is written and before
                                             the open window's state records it
``pipeline.after.<stage>``                   local pipeline, after stage ``<stage>`` of lake.yaml's
                                             list ran (not reached when the stage is skipped)
``crawl.table_written.<table>``              local crawler, after ``<table>``'s catalog entry is
                                             written, before the layer's next table (a layer crawled
                                             half-way and not marked crawled)
``silver.publish.rows_written.<table>``      silver job, inside ``<table>``'s publish: quarantine,
                                             change log and silver rows written; the processed-batch
                                             record not yet
``silver.table_published.<table>``           silver job, after ``<table>``'s publish, while others may
                                             still be publishing (staging not cleaned up)
``gold.publish.rows_written.<table>``        gold job, inside ``<table>``'s publish: the table
                                             replaced, its quarantine not yet
``gold.before_changes_consumed``             gold job, every model published, the silver change log
                                             not yet consumed (the next run recomputes the same
                                             partitions)
===========================================  ==========================================================

Points inside per-table work carry the table's name: the jobs publish several tables at once (driver
threads), so "the n-th table" would be whichever got there first; a name picks the same table, and so
the same fault, on every run. ``:n`` still counts passes (``ingest.page_written:3`` is the third page
of the run, in lake.yaml's source order).

Standard library only: the points sit in runtime code (ingest, the jobs' publish steps, the crawler),
which ships in the Glue bundle and the Lambda zip.
"""

from __future__ import annotations

import os
import signal

KILL_AT_ENV_VAR = "LAKE_KILL_AT"
STOP_AT_ENV_VAR = "LAKE_STOP_AT"
_seen: dict[tuple[str, str], int] = {}


def _reached(variable: str, point: str) -> bool:
    """Whether ``point`` is the one ``variable`` names and this is the n-th time it is passed."""
    wanted = os.environ.get(variable)
    if not wanted:
        return False
    name, _, count = wanted.partition(":")
    if name != point:
        return False
    passes = _seen[(variable, point)] = _seen.get((variable, point), 0) + 1
    return passes == int(count or 1)


def checkpoint(point: str) -> None:
    """Die (``LAKE_KILL_AT``) or freeze (``LAKE_STOP_AT``) here if the environment names this point."""
    if _reached(STOP_AT_ENV_VAR, point):
        os.kill(os.getpid(), signal.SIGSTOP)  # resumes here on SIGCONT
    if _reached(KILL_AT_ENV_VAR, point):
        os.kill(os.getpid(), signal.SIGKILL)
