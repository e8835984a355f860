"""One run at a time: a lease in the lake that a schedule, an event-driven start and a person share.

The lease is one small object (``state/leases/pipeline.json``) created with a conditional write, so of
two starts at the same moment exactly one gets it; the other is told who holds it and since when (or
waits, with ``wait_seconds``). It says who holds it (``holder``: a process on a host, or a state machine
execution), for which run, and until when it is valid; the holder renews it between stages.

A lease whose holder died must not block the lake for long, so it can be taken over when either

* it has expired (its holder stopped renewing it: ``ttl_seconds`` after the last renewal), or
* its holder is known to be gone: a local process that no longer runs on this host, or a state machine
  execution that is no longer RUNNING (the caller passes ``is_alive`` for the holders it can check).

Take-over replaces the object only if it is still the version read (``replace_if``), so two starts that
both see a dead holder cannot both win; the new :class:`Lease` says whose lease it took and why
(``taken_over``, ``takeover_reason``), so the taker can close the dead run's record. Release deletes the
lease only if it is still ours.

Standard library and storage only: the Lambda takes the same lease for the state machine.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import socket
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass

from jozi_lake import faults
from jozi_lake.errors import LakeError
from jozi_lake.storage import ObjectStore

DEFAULT_TTL_SECONDS = 2 * 3600.0
POLL_SECONDS = 5.0


class LeaseHeld(LakeError):
    """Another run holds the lease; ``current`` says who and since when."""

    def __init__(self, current: LeaseRecord, hint: str) -> None:
        who = f"{current.holder}, run {current.run_id}, since {current.acquired_at}"
        super().__init__(f"another run holds the lake ({who})", hint)
        self.current = current


@dataclass(frozen=True)
class LeaseRecord:
    holder: str  # "local:<host>:<pid>" or "sfn:<execution arn>"
    run_id: str
    acquired_at: str  # ISO-8601 UTC
    renewed_at: str
    expires_at: str
    trigger: str = ""  # cli, schedule, event, ...

    def to_bytes(self) -> bytes:
        return (json.dumps(asdict(self), indent=1) + "\n").encode("utf-8")

    @classmethod
    def from_bytes(cls, data: bytes) -> LeaseRecord:
        raw = json.loads(data)
        return cls(**{k: str(v) for k, v in raw.items() if k in cls.__dataclass_fields__})

    def expired(self, now: dt.datetime) -> bool:
        return dt.datetime.fromisoformat(self.expires_at) <= now


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat(timespec="seconds")


def local_holder() -> str:
    """This process as a lease holder: ``local:<host>:<pid>``."""
    return f"local:{socket.gethostname()}:{os.getpid()}"


def local_process_alive(holder: str) -> bool | None:
    """For ``local:<host>:<pid>`` holders on this host: whether the process still runs; else unknown."""
    parts = holder.split(":")
    if len(parts) != 3 or parts[0] != "local" or parts[1] != socket.gethostname():
        return None
    try:
        os.kill(int(parts[2]), 0)
    except ProcessLookupError:
        return False
    except (PermissionError, ValueError):
        return True  # it exists (another user's process), or the pid is not ours to judge
    return True


Liveness = Callable[[str], bool | None]

SFN_PREFIX = "sfn:"


def sfn_holder(execution_arn: str) -> str:
    """A state machine execution as a lease holder: ``sfn:<execution arn>``."""
    return SFN_PREFIX + execution_arn


def sfn_execution_alive(describe_status: Callable[[str], str | None]) -> Liveness:
    """Liveness of ``sfn:`` holders: RUNNING or not, by ``describe_status(arn)`` (DescribeExecution).

    An execution that timed out or was aborted runs no Catch, so it never released its lease: asking Step
    Functions lets the next start take it over at once instead of waiting for the expiry. Other holders
    (a person's CLI run) are judged by :func:`local_process_alive`.
    """

    def alive(holder: str) -> bool | None:
        if not holder.startswith(SFN_PREFIX):
            return local_process_alive(holder)
        status = describe_status(holder[len(SFN_PREFIX) :])
        return None if status is None else status == "RUNNING"

    return alive


def takeover_reason(current: LeaseRecord | None, now: dt.datetime, is_alive: Liveness) -> str | None:
    """Why the lease ``current`` may be taken over now (its holder is gone), or None while it holds."""
    if current is None:
        return "the lease object was damaged"
    if current.expired(now):  # first: no need to ask about the holder (a DescribeExecution on AWS)
        return f"it expired at {current.expires_at} without being renewed"
    if is_alive(current.holder) is False:
        return f"its holder {current.holder} no longer runs"
    return None


@dataclass
class Lease:
    """A held lease; renew it while the run goes on, release it at the end (or let it expire)."""

    store: ObjectStore
    key: str
    record: LeaseRecord
    version: str
    ttl_seconds: float
    # Set when this lease was taken from a dead or expired holder: that holder's record, and why.
    taken_over: LeaseRecord | None = None
    takeover_reason: str = ""

    def renew(self, now: dt.datetime | None = None) -> None:
        """Push the expiry out; a LakeError if the lease was taken over meanwhile (we stop working)."""
        moment = now or dt.datetime.now(dt.UTC)
        renewed = LeaseRecord(
            **{
                **asdict(self.record),
                "renewed_at": _iso(moment),
                "expires_at": _iso(moment + dt.timedelta(seconds=self.ttl_seconds)),
            }
        )
        if not self.store.replace_if(self.key, renewed.to_bytes(), self.version):
            raise LakeError(
                f"the lease of run {self.record.run_id} was taken over by another run",
                "this run stopped; see 'lake status' for the run that holds the lake now",
            )
        _, self.version = self.store.read_versioned(self.key)
        self.record = renewed

    def release(self) -> None:
        """Give the lease up, if it is still ours (a taken-over lease belongs to its new holder)."""
        try:
            data, version = self.store.read_versioned(self.key)
        except KeyError:
            return
        if version == self.version and LeaseRecord.from_bytes(data).holder == self.record.holder:
            self.store.delete(self.key)


def release_holder(store: ObjectStore, key: str, holder: str) -> bool:
    """Release the lease if ``holder`` holds it; for holders that keep no :class:`Lease` between calls
    (a state machine execution releases in a later Lambda invocation than the one that acquired)."""
    try:
        data, version = store.read_versioned(key)
        current = LeaseRecord.from_bytes(data)
    except KeyError:
        return False
    except (ValueError, TypeError):
        return False  # damaged: the next acquire takes it over
    if current.holder != holder:
        return False
    Lease(store, key, current, version, 0.0).release()
    return True


def acquire(
    store: ObjectStore,
    key: str,
    *,
    holder: str,
    run_id: str,
    trigger: str = "",
    ttl_seconds: float = DEFAULT_TTL_SECONDS,
    wait_seconds: float = 0.0,
    is_alive: Liveness = local_process_alive,
    hint: str = "wait for it to end, or start again with --wait",
    now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
    sleep: Callable[[float], None] = time.sleep,
) -> Lease:
    """Take the lease, waiting up to ``wait_seconds`` for the holder; LeaseHeld if it stays taken."""
    deadline = time.monotonic() + wait_seconds
    while True:
        moment = now()
        record = LeaseRecord(
            holder=holder,
            run_id=run_id,
            acquired_at=_iso(moment),
            renewed_at=_iso(moment),
            expires_at=_iso(moment + dt.timedelta(seconds=ttl_seconds)),
            trigger=trigger,
        )
        if store.create(key, record.to_bytes()):
            _, version = store.read_versioned(key)
            return Lease(store, key, record, version, ttl_seconds)
        try:
            data, version = store.read_versioned(key)
        except KeyError:
            continue  # released between our create and our read: try again at once
        try:
            current = LeaseRecord.from_bytes(data)
        except (ValueError, TypeError):
            current = None  # a damaged lease object protects nothing: take it over
        if current is not None and current.holder == holder and current.run_id == run_id:
            # Ours already: a retried acquire (a Lambda invocation whose answer was lost) is not a second run.
            return Lease(store, key, current, version, ttl_seconds)
        reason = takeover_reason(current, moment, is_alive)
        if reason is not None:
            if store.replace_if(key, record.to_bytes(), version):
                _, version = store.read_versioned(key)
                return Lease(store, key, record, version, ttl_seconds, current, reason)
            continue  # someone else took it over first: look again
        assert current is not None  # a damaged lease always has a reason to be taken over
        if time.monotonic() >= deadline:
            raise LeaseHeld(current, hint)
        faults.checkpoint("lease.waiting")
        sleep(min(POLL_SECONDS, max(0.1, deadline - time.monotonic())))
