"""Event-driven landing on AWS: which landed files start a pipeline run, and when a start is one too many.

S3 sends an "Object Created" event to EventBridge for every new object of the lake bucket; a rule passes
those under ``landing/<source>/`` (each source of lake.yaml) to an encrypted SQS queue, and the landing
trigger Lambda (``lambda/landing_trigger.py``, modules/landing-trigger) takes them in batches (a batching
window, so a burst of files is one invocation, or a few). For each batch :func:`trigger` decides:

* **Ignore** what is not a drop of a declared source in this bucket (:meth:`Layout.landing_drop`, the rule
  ingestion lands by) or not an S3 event at all: acknowledged, never retried.
* **Covered**: a file is covered once an execution of the pipeline started after the file existed and
  really ran (its ingest lists ``landing/`` after it starts, so it lands the file, or sets it aside). Such
  messages are acknowledged: a duplicate delivery, or a file of a burst another invocation started a run
  for, starts nothing new. Any outcome counts, a failed run too (the failure alarm is a person's business; a
  trigger that retried a failing pipeline per file would loop). An execution that spent its whole life
  waiting for the lease while an older one held the lake (the Succeed state ``lake_busy``) ran nothing, so
  it covers nothing: :func:`shadowed`.
* **Deferred** while any execution is RUNNING: nothing is started, and the batch's messages are reported as
  failures (``ReportBatchItemFailures``), so SQS delivers them again after the visibility timeout and a run
  after the current one takes them. Nothing is lost: the queue's ``maxReceiveCount`` x visibility timeout
  outlasts the longest run (modules/lake sizes both from the state machine's timeout), and a message that
  still runs out lands in the dead-letter queue, which alarms.
* **Start** otherwise: one ``StartExecution`` with input ``{"trigger": "landing", ...}`` under a name fixed
  per time slot (:func:`slot_name`), so two invocations racing past the RUNNING check cannot start two
  runs: the second gets ``ExecutionAlreadyExists`` and defers. A redelivered batch sends the same input
  (its digest of message ids), which Step Functions answers with the execution it already started.

The lease in the state machine stays the hard guarantee that two runs never overlap; this only keeps a
burst from queueing up runs. ``ListExecutions`` is eventually consistent, which is why the slot name and
the lease are there: at worst a burst split across a slot boundary right after a start gives a second run,
which waits for the lease and finds little or nothing to do.

Standard library only (the Step Functions client is passed in): the landing trigger Lambda imports this
module, and reaches nothing that touches the bucket, so its role has no S3 grant at all.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from jozi_lake.errors import LakeError
from jozi_lake.layout import Layout

TRIGGER = "landing"
# S3's event time has whole seconds and is taken when the request arrived: an execution counts as having
# seen a file only when it started this long after the event (a miss costs a deferral, never a lost file).
COVER_MARGIN_SECONDS = 5.0
# The newest executions considered for cover (one page); older ones started before any queued message.
RECENT_EXECUTIONS = 100
# At most this many of a start's keys go into its execution input (the count is always there).
INPUT_KEYS = 20

RUNNING = "RUNNING"
IGNORED, COVERED, DEFERRED, STARTED = "ignored", "covered", "deferred", "started"


@dataclass(frozen=True)
class TriggerSettings:
    """The landing trigger's environment (set by modules/landing-trigger)."""

    env: str
    bucket: str
    state_machine_arn: str
    slot_seconds: int  # modules/landing-trigger start_slot_seconds

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] = os.environ) -> TriggerSettings:
        names = ("LAKE_ENV", "LAKE_BUCKET", "LAKE_STATE_MACHINE_ARN", "LAKE_LANDING_SLOT_SECONDS")
        missing = [name for name in names if not environ.get(name)]
        if missing:
            raise LakeError(
                f"the landing trigger lacks {', '.join(missing)} in its environment",
                "modules/landing-trigger sets them; re-apply Terraform",
            )
        slot = environ["LAKE_LANDING_SLOT_SECONDS"]
        if not slot.isdigit() or int(slot) < 1:
            raise LakeError(f"LAKE_LANDING_SLOT_SECONDS must be a whole number of seconds, got {slot!r}")
        return cls(
            env=environ["LAKE_ENV"],
            bucket=environ["LAKE_BUCKET"],
            state_machine_arn=environ["LAKE_STATE_MACHINE_ARN"],
            slot_seconds=int(slot),
        )


@dataclass(frozen=True)
class Landed:
    """One SQS message of the queue: an S3 object event, as far as it could be read."""

    message_id: str
    bucket: str = ""
    key: str = ""
    event_time: dt.datetime | None = None
    problem: str = ""  # why the message is not an S3 "Object Created" event (then it is ignored)


@dataclass(frozen=True)
class Execution:
    """An execution of the pipeline as ListExecutions lists it."""

    arn: str
    name: str
    status: str
    start: dt.datetime
    stop: dt.datetime | None = None


@dataclass
class Outcome:
    """What one invocation decided, message by message; ``failures`` go back to the queue."""

    verdicts: dict[str, str] = field(default_factory=dict)  # message id -> ignored|covered|deferred|started
    reason: str = ""
    execution_arn: str | None = None
    execution_name: str | None = None

    @property
    def failures(self) -> list[str]:
        return [message for message, verdict in self.verdicts.items() if verdict == DEFERRED]

    def response(self) -> dict[str, Any]:
        """The answer to the event source mapping (its function_response_types: ReportBatchItemFailures)."""
        return {"batchItemFailures": [{"itemIdentifier": message} for message in self.failures]}

    def log_record(self) -> dict[str, Any]:
        counts: dict[str, int] = {}
        for verdict in self.verdicts.values():
            counts[verdict] = counts.get(verdict, 0) + 1
        return {
            "landing_trigger": counts,
            "reason": self.reason,
            "execution": self.execution_arn,
        }


def _utc(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _time(text: Any) -> dt.datetime | None:
    if not isinstance(text, str) or not text:
        return None
    try:
        return _utc(dt.datetime.fromisoformat(text.replace("Z", "+00:00")))
    except ValueError:
        return None


def _field(detail: dict[str, Any], part: str, name: str) -> Any:
    inner = detail.get(part)
    return inner.get(name) if isinstance(inner, dict) else None


def parse_record(record: Mapping[str, Any]) -> Landed:
    """An SQS record of the landing queue: its body is the EventBridge event S3 sent."""
    message_id = str(record.get("messageId") or "")
    try:
        event = json.loads(record.get("body") or "")
    except (TypeError, ValueError):
        return Landed(message_id, problem="the message body is not JSON")
    if not isinstance(event, dict) or event.get("source") != "aws.s3":
        return Landed(message_id, problem="not an S3 event")
    if event.get("detail-type") != "Object Created":
        return Landed(message_id, problem=f"not an Object Created event ({event.get('detail-type')!r})")
    detail = event.get("detail")
    detail = detail if isinstance(detail, dict) else {}
    bucket = _field(detail, "bucket", "name")
    key = _field(detail, "object", "key")
    moment = _time(event.get("time"))
    if not isinstance(bucket, str) or not isinstance(key, str) or moment is None:
        return Landed(message_id, problem="the event lacks bucket.name, object.key or time")
    return Landed(message_id, bucket=bucket, key=key, event_time=moment)


def shadowed(execution: Execution, executions: Iterable[Execution]) -> bool:
    """True when an older execution held the lake for all of ``execution``'s life (or still does while it
    runs): it could only wait for the lease and end ``lake_busy``, so it has not run an ingest (yet)."""
    for other in executions:
        if other.arn == execution.arn or other.start >= execution.start:
            continue
        if other.stop is None or (execution.stop is not None and other.stop >= execution.stop):
            return True
    return False


def covering_start(executions: Sequence[Execution]) -> dt.datetime | None:
    """The latest start of an execution that ran (was not :func:`shadowed`): a file whose event came at
    least :data:`COVER_MARGIN_SECONDS` before it was seen by that execution's ingest."""
    starts = [e.start for e in executions if not shadowed(e, executions)]
    return max(starts) if starts else None


def is_covered(landed: Landed, covering: dt.datetime | None) -> bool:
    if covering is None or landed.event_time is None:
        return False
    return landed.event_time + dt.timedelta(seconds=COVER_MARGIN_SECONDS) <= covering


def slot_name(now: dt.datetime, slot_seconds: int) -> str:
    """The execution name of every landing start in the slot holding ``now``: a run id of the slot's start
    (``20260601T023000Z-landing``, :mod:`jozi_lake.ids`), so a second start in the same slot is refused."""
    epoch = int(_utc(now).timestamp())
    start = dt.datetime.fromtimestamp(epoch - epoch % slot_seconds, dt.UTC)
    return f"{start:%Y%m%dT%H%M%SZ}-{TRIGGER}"


def execution_input(pending: Sequence[Landed]) -> str:
    """The input of a landing start; the same messages give the same bytes (so a redelivered batch is the
    same start to Step Functions), and a different batch a different input (refused under the same name)."""
    ids = sorted(landed.message_id for landed in pending)
    keys = sorted({landed.key for landed in pending})
    return json.dumps(
        {
            "trigger": TRIGGER,
            "files": len(keys),
            "keys": keys[:INPUT_KEYS],
            "batch": hashlib.sha256("\n".join(ids).encode("utf-8")).hexdigest()[:32],
        },
        sort_keys=True,
    )


def _executions(sfn: Any, state_machine_arn: str) -> list[Execution]:
    """The newest executions and every RUNNING one (an old long run must not be missed)."""
    found: dict[str, Execution] = {}
    for request in (
        {"maxResults": RECENT_EXECUTIONS},
        {"statusFilter": RUNNING, "maxResults": RECENT_EXECUTIONS},
    ):
        page = sfn.list_executions(stateMachineArn=state_machine_arn, **request)
        for item in page.get("executions", []):
            stop = item.get("stopDate")
            found[item["executionArn"]] = Execution(
                arn=item["executionArn"],
                name=item.get("name", ""),
                status=item.get("status", ""),
                start=_utc(item["startDate"]),
                stop=_utc(stop) if stop else None,
            )
    return list(found.values())


def trigger(
    records: Sequence[Mapping[str, Any]],
    settings: TriggerSettings,
    sfn: Any,
    *,
    layout: Layout,
    sources: Iterable[str],
    now: dt.datetime,
) -> Outcome:
    """Decide a batch of landing-queue messages (see the module docstring) and start a run if one is due."""
    outcome = Outcome()
    declared = set(sources)
    relevant: list[Landed] = []
    for record in records:
        landed = parse_record(record)
        ours = not landed.problem and landed.bucket == settings.bucket
        if not ours or not layout.landing_drop(landed.key, declared):
            outcome.verdicts[landed.message_id] = IGNORED
        else:
            relevant.append(landed)
    if not relevant:
        outcome.reason = "no landed file of a declared source"
        return outcome
    executions = _executions(sfn, settings.state_machine_arn)
    covering = covering_start(executions)
    pending = []
    for landed in relevant:
        if is_covered(landed, covering):
            outcome.verdicts[landed.message_id] = COVERED
        else:
            pending.append(landed)
    if not pending:
        outcome.reason = "every file was there when a run started"
        return outcome
    running = [e for e in executions if e.status == RUNNING]
    if running:
        newest = max(running, key=lambda e: e.start)
        outcome.reason = f"run {newest.name} is in progress: the files wait for the next run"
        outcome.verdicts.update({landed.message_id: DEFERRED for landed in pending})
        return outcome
    name = slot_name(now, settings.slot_seconds)
    try:
        started = sfn.start_execution(
            stateMachineArn=settings.state_machine_arn, name=name, input=execution_input(pending)
        )
    except sfn.exceptions.ExecutionAlreadyExists:
        outcome.reason = f"run {name} of this slot was started for other files: these wait for the next slot"
        outcome.verdicts.update({landed.message_id: DEFERRED for landed in pending})
        return outcome
    outcome.execution_arn = str(started["executionArn"])
    outcome.execution_name = name
    outcome.reason = f"started run {name} for {len(pending)} file(s)"
    outcome.verdicts.update({landed.message_id: STARTED for landed in pending})
    return outcome
