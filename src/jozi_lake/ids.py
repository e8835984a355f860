"""Run ids: one format for every run of anything (ingest, a job, a pipeline, a Step Functions execution).

``20260601T021500Z-a1b2c3``: sorts by start time (UTC), is unique enough for concurrent starts, and is
usable as an object-name part and as a Step Functions execution name, so one run id follows a night's
work from the ingest manifest through the job reports to the state machine's history.

Standard library only: the ingest Lambda imports this module.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets

from jozi_lake.errors import LakeError

RUN_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,79}$")


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def new_run_id(now: dt.datetime | None = None) -> str:
    """A fresh run id for a run starting at ``now`` (default: the current time)."""
    moment = (now or utc_now()).astimezone(dt.UTC)
    return f"{moment:%Y%m%dT%H%M%SZ}-{secrets.token_hex(3)}"


def check_run_id(run_id: str) -> str:
    """A given run id, checked: letters, digits, ``_.-`` only (it becomes part of object names)."""
    if not RUN_ID.match(run_id):
        raise LakeError(
            f"run id {run_id!r} is not usable in object names", "use letters, digits, '_', '.', '-'"
        )
    return run_id
