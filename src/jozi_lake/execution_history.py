"""A Step Functions execution's history folded into lake.yaml's stages: one home for both readers.

Two readers need the same fold. ``lake run-pipeline`` on AWS follows an execution while it runs and
prints a line per stage (:mod:`jozi_lake.aws.pipeline`); the lake Lambda's ``record_run`` action, started
by EventBridge when any execution ends (the schedule's, a landing file's, the CLI's), writes the finished
execution's stage timings to ``ops/pipeline_stage_runs`` (:func:`record_execution`), the table the local
pipeline writes at the end of its runs. Both read the history incrementally through
:func:`apply_events` and map states to stages with :class:`StageFollower`, so a stage means the same
thing in the console, in the CLI and in the ops table.

Standard library, the object store and a boto3 Step Functions client passed in: the Lambda imports this.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from jozi_lake.backend import (
    FAILED,
    RUNNING,
    SKIPPED,
    SUCCEEDED,
    PipelineEvents,
    QuietEvents,
    StageResult,
)
from jozi_lake.config import StageConfig
from jozi_lake.errors import LakeError
from jozi_lake.storage import ObjectStore

OnStep = Callable[[str, "StateStep"], None]


class StepFunctionsClient(Protocol):
    """The two reads of a boto3 ``stepfunctions`` client this module makes."""

    def describe_execution(self, **kwargs: Any) -> Any: ...

    def get_execution_history(self, **kwargs: Any) -> Any: ...


@dataclass
class StateStep:
    name: str
    entered: datetime
    exited: datetime | None = None
    failed: bool = False
    error: str | None = None

    @property
    def seconds(self) -> float | None:
        return (self.exited - self.entered).total_seconds() if self.exited else None


@dataclass
class ExecutionProgress:
    execution_arn: str
    status: str = RUNNING
    steps: list[StateStep] = field(default_factory=list)
    last_event_id: int = 0
    error: str | None = None
    cause: str | None = None
    failed_state: str | None = None

    def current(self, name: str) -> StateStep | None:
        return next((s for s in reversed(self.steps) if s.name == name and s.exited is None), None)

    def failure(self) -> str:
        """Why a run that did not succeed ended: ``<STATUS> at state <state> (<error>: <cause>)``."""
        where = f" at state {self.failed_state}" if self.failed_state else ""
        reason = ": ".join(p for p in (self.error, (self.cause or "")[:300]) if p)
        return f"{self.status}{where}" + (f" ({reason})" if reason else "")


def _details(event: dict[str, Any]) -> dict[str, Any]:
    for key, value in event.items():
        if key.endswith("EventDetails") and isinstance(value, dict):
            return value
    return {}


def apply_events(
    progress: ExecutionProgress, events: list[dict[str, Any]], on_step: OnStep | None = None
) -> None:
    """Fold new history events into ``progress``; ``on_step(kind, step)`` for 'entered'/'exited'/'failed'."""
    for event in events:
        event_id = int(event.get("id", 0))
        if event_id <= progress.last_event_id:
            continue
        progress.last_event_id = event_id
        kind = str(event.get("type", ""))
        details = _details(event)
        when: Any = event.get("timestamp")  # a datetime from boto3
        if kind.endswith("StateEntered") and details.get("name"):
            entered = StateStep(name=str(details["name"]), entered=when)
            progress.steps.append(entered)
            if on_step:
                on_step("entered", entered)
        elif kind.endswith("StateExited") and details.get("name"):
            current = progress.current(str(details["name"]))
            if current is not None:
                current.exited = when
                if on_step:
                    on_step("failed" if current.failed else "exited", current)
        elif kind.endswith("Failed") or kind.endswith("TimedOut") or kind.endswith("Aborted"):
            error = details.get("error")
            cause = details.get("cause")
            open_steps = [s for s in progress.steps if s.exited is None]
            if open_steps and not kind.startswith("Execution"):
                open_steps[-1].failed = True
                open_steps[-1].error = ": ".join(str(p) for p in (error, cause) if p) or kind
                progress.failed_state = open_steps[-1].name
            if kind.startswith("Execution"):
                progress.error = str(error) if error else progress.error
                progress.cause = str(cause) if cause else progress.cause
                if open_steps and progress.failed_state is None:
                    progress.failed_state = open_steps[-1].name


def read_new_events(sfn: StepFunctionsClient, progress: ExecutionProgress) -> list[dict[str, Any]]:
    """Every history event of the execution, all pages (:func:`apply_events` skips those already seen)."""
    events: list[dict[str, Any]] = []
    kwargs: dict[str, Any] = {"executionArn": progress.execution_arn, "maxResults": 1000}
    while True:
        page = sfn.get_execution_history(**kwargs)
        events += page.get("events", [])
        if not page.get("nextToken"):
            return events
        kwargs["nextToken"] = page["nextToken"]


class StageFollower:
    """Turns the state machine's states into lake.yaml's stages as the execution is followed.

    Terraform generates a stage's states from its name (``crawl_silver``, ``crawl_silver_wait``,
    ``crawl_silver_poll`` ...), so a state belongs to the stage whose name it starts with (the longest
    such name). A stage has started when its first state is entered and has finished when a state of
    another stage (or a notice) is entered; stages never entered were skipped by the execution.
    """

    def __init__(self, stages: list[StageConfig], events: PipelineEvents) -> None:
        self.stages = stages
        self.events = events
        self.steps: dict[str, list[StateStep]] = {s.name: [] for s in stages}
        self.current: str | None = None

    # A planned stage's plan states (``<stage>_plan``, ``<stage>_has_work`` ...) run whether or not the stage
    # does: they belong to no stage, so a stage the plan skipped reports SKIPPED.
    PLAN_SUFFIXES = ("_plan", "_has_work", "_plan_failed", "_plan_broken")

    def stage_of(self, state: str) -> str | None:
        if any(state == f"{s.name}{suffix}" for s in self.stages for suffix in self.PLAN_SUFFIXES):
            return None
        owners = [s.name for s in self.stages if state == s.name or state.startswith(f"{s.name}_")]
        return max(owners, key=len) if owners else None

    def on_step(self, kind: str, step: StateStep) -> None:
        stage = self.stage_of(step.name)
        if kind == "entered" and stage != self.current:
            self._close_current()
            if stage is not None:
                self.current = stage
                self.events.stage_started(stage)
        if stage is not None and kind == "entered":
            self.steps[stage].append(step)

    def _result(self, name: str, failed_state: str | None = None, reason: str = "") -> StageResult:
        stage = next(s for s in self.stages if s.name == name)
        steps = self.steps[name]
        if not steps:
            return StageResult(
                name,
                stage.kind,
                SKIPPED,
                summary="not run: no work (the plan skipped it) or the run ended before it",
            )
        started_at = steps[0].entered.isoformat()
        ends = [s.exited for s in steps if s.exited]
        seconds = (max(ends) - steps[0].entered).total_seconds() if ends else 0.0
        failed = next((s for s in steps if s.failed), None)
        if failed is None and failed_state is not None and self.stage_of(failed_state) == name:
            failed = steps[-1]
        if failed is not None:
            return StageResult(
                name,
                stage.kind,
                FAILED,
                round(seconds, 3),
                summary=failed.error or reason or "failed",
                started_at=started_at,
            )
        return StageResult(name, stage.kind, SUCCEEDED, round(seconds, 3), started_at=started_at)

    def _close_current(self, failed_state: str | None = None, reason: str = "") -> None:
        if self.current is not None:
            self.events.stage_finished(self._result(self.current, failed_state, reason))
            self.current = None

    def finish(self, progress: ExecutionProgress) -> list[StageResult]:
        """Close the last stage and return every stage's result, in lake.yaml order.

        A stage that failed through the execution (a Fail state, a timeout, an abort) rather than through
        a task of its own carries the execution's error and cause as its summary.
        """
        reason = ": ".join(p for p in (progress.error, progress.cause) if p)
        self._close_current(progress.failed_state, reason)
        return [self._result(s.name, progress.failed_state, reason) for s in self.stages]


def _iso(moment: Any) -> str | None:
    return moment.isoformat() if isinstance(moment, datetime) else (str(moment) if moment else None)


def read_finished(
    sfn: StepFunctionsClient, execution_arn: str, description: dict[str, Any], stages: list[StageConfig]
) -> tuple[ExecutionProgress, list[StageResult]]:
    """A finished execution (and its ``describe_execution``) read whole: how it ended, each stage."""
    progress = ExecutionProgress(execution_arn=execution_arn, status=str(description.get("status")))
    follower = StageFollower(stages, QuietEvents())
    apply_events(progress, read_new_events(sfn, progress), follower.on_step)
    progress.error = progress.error or description.get("error")
    progress.cause = progress.cause or description.get("cause")
    return progress, follower.finish(progress)


def record_execution(
    store: ObjectStore, sfn: StepFunctionsClient, execution_arn: str, *, env: str, stages: list[StageConfig]
) -> dict[str, Any]:
    """Write a finished execution's stage timings to ``ops/pipeline_stage_runs``; returns what was written.

    The run id is the execution's name (the CLI and the state machine name executions by run id); the
    status is the execution's own (SUCCEEDED, FAILED, TIMED_OUT, ABORTED). Writing again (EventBridge
    retries, a redriven execution ending again) replaces the run's rows. A running execution is refused:
    its timings are not known yet, and EventBridge sends the event again when it ends.
    """
    from jozi_lake.ops_tables import StageTiming, write_pipeline_run

    description = sfn.describe_execution(executionArn=execution_arn)
    status = str(description.get("status"))
    if status == RUNNING:
        name = execution_arn.rsplit(":", 1)[-1]
        raise LakeError(
            f"execution {name} is still running, so its stage timings are not known yet",
            "they are recorded when it ends (the state machine's end-of-execution event invokes record_run)",
        )
    _, results = read_finished(sfn, execution_arn, description, stages)
    run_id = str(description.get("name") or execution_arn.rsplit(":", 1)[-1])
    started_at = _iso(description.get("startDate"))
    if started_at is None:
        raise LakeError(f"execution {run_id} has no start date", "describe-execution should return startDate")
    key = write_pipeline_run(
        store,
        run_id=run_id,
        env=env,
        status=status,
        started_at=started_at,
        finished_at=_iso(description.get("stopDate")),
        stages=[StageTiming.of(result) for result in results],
    )
    return {"run_id": run_id, "pipeline_status": status, "stages": len(results), "key": key}
