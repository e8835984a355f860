"""The Step Functions pipeline: start, follow state by state, outcome as exit status; --no-wait."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from aws_fakes import FakeDeployment, cli

from jozi_lake import execution_history
from jozi_lake.errors import LakeError

FAILING_DEFINITION = {
    "StartAt": "ingest",
    "States": {
        "ingest": {"Type": "Pass", "Next": "crawl_bronze"},
        "crawl_bronze": {
            "Type": "Fail",
            "Error": "Glue.EntityNotFoundException",
            "Cause": "crawler not found",
        },
    },
}


def test_pipeline_is_followed_state_by_state_until_it_succeeds(deployed: FakeDeployment) -> None:
    cli.run_pipeline(env="dev")
    printed = deployed.printed
    assert "started pipeline execution arn:aws:states:" in printed
    # One line per lake.yaml stage as it ends, in order (the state machine's states mapped to stages).
    assert printed.index("✓ ingest") < printed.index("✓ bronze_to_silver")
    assert "Pipeline succeeded" in printed
    sfn = deployed.client("stepfunctions")
    (execution,) = sfn.list_executions(stateMachineArn=deployed.values["state_machine_arn"])["executions"]
    started_with = json.loads(sfn.describe_execution(executionArn=execution["executionArn"])["input"])
    assert started_with["env"] == "dev" and started_with["run_id"] == execution["name"]


def test_failed_pipeline_raises_naming_the_failed_state(deployed: FakeDeployment) -> None:
    sfn = deployed.client("stepfunctions")
    sfn.update_state_machine(
        stateMachineArn=deployed.values["state_machine_arn"], definition=json.dumps(FAILING_DEFINITION)
    )
    with pytest.raises(LakeError) as caught:
        cli.run_pipeline(env="dev")
    assert caught.value.message == (
        "pipeline execution FAILED at state crawl_bronze (Glue.EntityNotFoundException: crawler not found)"
    )
    assert "redrive-execution" in (caught.value.hint or "")


def test_no_wait_returns_after_the_start(deployed: FakeDeployment) -> None:
    cli.run_pipeline(env="dev", follow=False)
    assert "started pipeline execution arn:aws:states:" in deployed.printed
    assert "SUCCEEDED" not in deployed.printed


def test_history_events_fold_into_steps_with_durations() -> None:
    t0 = datetime(2026, 11, 26, 0, 30, tzinfo=UTC)
    events = [
        {"id": 1, "type": "ExecutionStarted", "timestamp": t0, "executionStartedEventDetails": {}},
        {
            "id": 2,
            "type": "TaskStateEntered",
            "timestamp": t0,
            "stateEnteredEventDetails": {"name": "bronze_to_silver"},
        },
        {
            "id": 3,
            "type": "TaskFailed",
            "timestamp": t0 + timedelta(minutes=4),
            "taskFailedEventDetails": {"error": "States.TaskFailed", "cause": "Glue job run FAILED"},
        },
        {
            "id": 4,
            "type": "TaskStateExited",
            "timestamp": t0 + timedelta(minutes=4),
            "stateExitedEventDetails": {"name": "bronze_to_silver"},
        },
        {
            "id": 5,
            "type": "ExecutionTimedOut",
            "timestamp": t0 + timedelta(minutes=5),
            "executionTimedOutEventDetails": {},
        },
    ]
    progress = execution_history.ExecutionProgress(execution_arn="arn:aws:states:af-south-1:1:execution:p:x")
    seen: list[tuple[str, str]] = []
    execution_history.apply_events(progress, events[:3], lambda kind, step: seen.append((kind, step.name)))
    execution_history.apply_events(
        progress, events, lambda kind, step: seen.append((kind, step.name))
    )  # re-read: no repeats
    assert seen == [("entered", "bronze_to_silver"), ("failed", "bronze_to_silver")]
    assert progress.steps[0].seconds == 240
    assert progress.failed_state == "bronze_to_silver"
    assert progress.steps[0].error == "States.TaskFailed: Glue job run FAILED"
