"""Polling cadence for long-running AWS work (job runs, crawls, queries, pipeline executions).

AWS has no push channel the CLI could listen on, so every follower polls. Intervals are per kind of work
(an Athena query finishes in seconds, a Glue job in minutes) and every wait has a deadline, so a stuck
resource ends in a clear error instead of a hung terminal. ``LAKE_AWS_POLL_SECONDS`` overrides every
interval (tests set it to 0; an operator on a slow link may raise it).
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field

from jozi_lake.errors import LakeError

POLL_ENV_VAR = "LAKE_AWS_POLL_SECONDS"


def _override() -> float | None:
    raw = os.environ.get(POLL_ENV_VAR)
    if raw is None or raw == "":
        return None
    try:
        return max(0.0, float(raw))
    except ValueError:
        raise LakeError(
            f"{POLL_ENV_VAR}={raw!r} is not a number of seconds", f"unset {POLL_ENV_VAR}"
        ) from None


def pause(seconds: float) -> None:
    """One poll pause; a module-level function so a test can hook the moment between two polls."""
    time.sleep(seconds)


@dataclass
class Poller:
    """Interval + deadline for one wait; ``what`` names the thing waited for in the timeout error."""

    what: str
    interval_seconds: float
    timeout_seconds: float
    hint: str = "check it in the AWS console, or with 'lake status'"
    started: float = field(default_factory=time.monotonic)

    def __post_init__(self) -> None:
        override = _override()
        if override is not None:
            self.interval_seconds = override

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def wait(self) -> None:
        """Sleep one interval, or raise a LakeError once the deadline has passed."""
        if self.elapsed > self.timeout_seconds:
            raise LakeError(f"gave up waiting for {self.what} after {self.elapsed:.0f} s", self.hint)
        pause(self.interval_seconds)
