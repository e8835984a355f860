"""Starting the pipeline's Step Functions execution and following it state by state.

The execution history is read incrementally (events after the last one seen), so each state is reported
once as it is entered and as it ends, with its duration; a failure reports the failing state with the
error and cause Step Functions recorded. The outcome is SUCCEEDED or a LakeError (non-zero exit).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from jozi_lake.aws.clients import AwsSession, aws_errors
from jozi_lake.aws.waiting import Poller
from jozi_lake.backend import FAILED, SKIPPED, PipelineEvents, StageResult
from jozi_lake.config import StageConfig
from jozi_lake.errors import LakeError

RUNNING = "RUNNING"
SUCCEEDED = "SUCCEEDED"


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


def start_execution(aws: AwsSession, run_id: str) -> str:
    arn = aws.lake.require_state_machine()
    sfn = aws.client("stepfunctions")
    payload = {"run_id": run_id, "env": aws.env.name, "started_by": "lake run-pipeline"}
    with aws_errors(aws, f"starting the pipeline state machine {arn.rsplit(':', 1)[-1]}"):
        response = sfn.start_execution(stateMachineArn=arn, name=run_id, input=json.dumps(payload))
    return str(response["executionArn"])


def _details(event: dict[str, Any]) -> dict[str, Any]:
    for key, value in event.items():
        if key.endswith("EventDetails") and isinstance(value, dict):
            return value
    return {}


def apply_events(progress: ExecutionProgress, events: list[dict[str, Any]], on_step: Any = None) -> None:
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


def _read_new_events(aws: AwsSession, progress: ExecutionProgress) -> list[dict[str, Any]]:
    sfn = aws.client("stepfunctions")
    events: list[dict[str, Any]] = []
    kwargs: dict[str, Any] = {"executionArn": progress.execution_arn, "maxResults": 1000}
    while True:
        page = sfn.get_execution_history(**kwargs)
        events += page.get("events", [])
        if not page.get("nextToken"):
            return events
        kwargs["nextToken"] = page["nextToken"]


def follow_execution(aws: AwsSession, execution_arn: str, on_step: Any = None) -> ExecutionProgress:
    """Poll until the execution ends; the returned progress has the status and every state's timing."""
    sfn = aws.client("stepfunctions")
    progress = ExecutionProgress(execution_arn=execution_arn)
    poller = Poller(
        what=f"pipeline execution {execution_arn.rsplit(':', 1)[-1]}",
        interval_seconds=10.0,
        timeout_seconds=6 * 3600.0,
        hint=f"aws stepfunctions describe-execution --execution-arn {execution_arn}",
    )
    while True:
        with aws_errors(aws, "reading the pipeline execution"):
            description = sfn.describe_execution(executionArn=execution_arn)
            apply_events(progress, _read_new_events(aws, progress), on_step)
        progress.status = str(description.get("status"))
        if progress.status != RUNNING:
            progress.error = progress.error or description.get("error")
            progress.cause = progress.cause or description.get("cause")
            return progress
        poller.wait()


def raise_for_progress(aws: AwsSession, progress: ExecutionProgress) -> None:
    if progress.status == SUCCEEDED:
        return
    where = f" at state {progress.failed_state}" if progress.failed_state else ""
    reason = ": ".join(p for p in (progress.error, (progress.cause or "")[:300]) if p)
    raise LakeError(
        f"pipeline execution {progress.status}{where}" + (f" ({reason})" if reason else ""),
        f"see the execution in the Step Functions console ({progress.execution_arn}); after fixing, "
        f"'aws stepfunctions redrive-execution --execution-arn {progress.execution_arn}' resumes it",
    )


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

    def _result(self, name: str, failed_state: str | None = None) -> StageResult:
        stage = next(s for s in self.stages if s.name == name)
        steps = self.steps[name]
        if not steps:
            return StageResult(
                name,
                stage.kind,
                SKIPPED,
                summary="not run: no work (the plan skipped it) or the run ended before it",
            )
        ends = [s.exited for s in steps if s.exited]
        seconds = (max(ends) - steps[0].entered).total_seconds() if ends else 0.0
        failed = next((s for s in steps if s.failed), None)
        if failed is None and failed_state is not None and self.stage_of(failed_state) == name:
            failed = steps[-1]
        if failed is not None:
            return StageResult(name, stage.kind, FAILED, round(seconds, 3), summary=failed.error or "failed")
        return StageResult(name, stage.kind, "SUCCEEDED", round(seconds, 3))

    def _close_current(self, failed_state: str | None = None) -> None:
        if self.current is not None:
            self.events.stage_finished(self._result(self.current, failed_state))
            self.current = None

    def finish(self, progress: ExecutionProgress) -> list[StageResult]:
        """Close the last stage and return every stage's result, in lake.yaml order."""
        self._close_current(progress.failed_state)
        return [self._result(s.name, progress.failed_state) for s in self.stages]
