"""record_run: an execution that ended, however it ended, leaves its stage timings in ops/pipeline_stage_runs.

The state machines run for real inside moto (its Step Functions interpreter), so the history the Lambda
folds is the one Step Functions writes; the handler is lambda/ingest_handler.py as the zip ships it.
"""

from __future__ import annotations

import importlib.util
import json
import time
from datetime import UTC
from pathlib import Path
from typing import Any

import pytest
from aws_fakes import BUCKET, REGION, FakeDeployment, cli

from jozi_lake.config import load_config
from jozi_lake.errors import LakeError
from jozi_lake.layout import OPS, lake_layout
from jozi_lake.ops_tables import PIPELINE_STAGE_RUNS

REPO = Path(__file__).resolve().parents[2]

# Each state is named like the state machine's (a stage's plan state belongs to no stage).
FAILING_AT_THE_SILVER_JOB = {
    "StartAt": "ingest",
    "States": {
        "ingest": {"Type": "Pass", "Next": "bronze_to_silver_plan"},
        "bronze_to_silver_plan": {"Type": "Pass", "Next": "bronze_to_silver"},
        "bronze_to_silver": {"Type": "Pass", "Next": "bronze_to_silver_run"},
        "bronze_to_silver_run": {
            "Type": "Fail",
            "Error": "Glue.JobRunFailed",
            "Cause": "Glue job run FAILED: contract violated",
        },
    },
}
STILL_RUNNING = {"StartAt": "ingest", "States": {"ingest": {"Type": "Wait", "Seconds": 3600, "End": True}}}


@pytest.fixture()
def record_run(deployed: FakeDeployment, monkeypatch: pytest.MonkeyPatch) -> Any:
    """The lake Lambda's handler, configured as Terraform configures it, called with record_run."""
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("LAKE_ENV", "dev")
    monkeypatch.setenv("LAKE_BUCKET", BUCKET)
    spec = importlib.util.spec_from_file_location("ingest_handler", REPO / "lambda" / "ingest_handler.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return lambda arn: module.handler({"action": "record_run", "execution_arn": arn})


def _refused(record_run: Any, arn: str | None) -> LakeError:
    """record_run raises (EventBridge invokes it asynchronously: a failure must reach the DLQ)."""
    with pytest.raises(LakeError) as refused:
        record_run(arn)
    return refused.value


def _execution(deployed: FakeDeployment, definition: dict[str, Any] | None, name: str) -> str:
    sfn = deployed.client("stepfunctions")
    machine = deployed.values["state_machine_arn"]
    if definition is not None:
        sfn.update_state_machine(stateMachineArn=machine, definition=json.dumps(definition))
    arn = str(sfn.start_execution(stateMachineArn=machine, name=name, input="{}")["executionArn"])
    for _ in range(100):  # the interpreter runs the execution in a thread
        if sfn.describe_execution(executionArn=arn)["status"] != "RUNNING" or definition is STILL_RUNNING:
            return arn
        time.sleep(0.05)
    raise AssertionError(f"{name} did not end")


def _rows(deployed: FakeDeployment, key: str) -> list[dict[str, Any]]:
    body = deployed.client("s3").get_object(Bucket=BUCKET, Key=key)["Body"].read()
    return [json.loads(line) for line in body.decode().splitlines()]


def test_a_pipeline_run_is_recorded_stage_by_stage_and_a_rerecord_replaces_it(
    deployed: FakeDeployment, record_run: Any
) -> None:
    cli.run_pipeline(env="dev")
    sfn = deployed.client("stepfunctions")
    (execution,) = sfn.list_executions(stateMachineArn=deployed.values["state_machine_arn"])["executions"]
    day = execution["startDate"].astimezone(UTC).date().isoformat()

    result = record_run(execution["executionArn"])

    key = lake_layout().ops_file(PIPELINE_STAGE_RUNS, day, f"{execution['name']}.json")
    assert result == {"run_id": execution["name"], "pipeline_status": "SUCCEEDED", "stages": 9, "key": key}
    rows = _rows(deployed, key)
    assert [r["stage"] for r in rows] == [s.name for s in load_config().pipeline]
    by_stage = {r["stage"]: r for r in rows}
    for ran in ("ingest", "bronze_to_silver"):
        assert by_stage[ran]["status"] == "SUCCEEDED" and by_stage[ran]["started_at"].startswith(day)
    assert {r["status"] for s, r in by_stage.items() if s not in ("ingest", "bronze_to_silver")} == {
        "SKIPPED"
    }
    assert {r["pipeline_status"] for r in rows} == {"SUCCEEDED"} and {r["env"] for r in rows} == {"dev"}
    assert rows[0]["pipeline_finished_at"] >= rows[0]["pipeline_started_at"] != ""
    # The first file of its day is a new partition: ops is marked changed, so the next plan crawls it.
    change = json.loads(
        deployed.client("s3").get_object(Bucket=BUCKET, Key=lake_layout().layer_change(OPS))["Body"].read()
    )
    assert change["run_id"] == execution["name"]

    before = deployed.client("s3").get_object(Bucket=BUCKET, Key=key)["Body"].read()
    assert record_run(execution["executionArn"]) == result  # EventBridge delivers at least once
    assert deployed.client("s3").get_object(Bucket=BUCKET, Key=key)["Body"].read() == before
    listed = deployed.client("s3").list_objects_v2(
        Bucket=BUCKET, Prefix=lake_layout().ops_table(PIPELINE_STAGE_RUNS)
    )
    assert [o["Key"] for o in listed["Contents"]] == [key]


def test_a_failed_execution_names_the_stage_that_failed(deployed: FakeDeployment, record_run: Any) -> None:
    arn = _execution(deployed, FAILING_AT_THE_SILVER_JOB, "run-failed")

    result = record_run(arn)

    assert result["pipeline_status"] == "FAILED"
    by_stage = {r["stage"]: r for r in _rows(deployed, result["key"])}
    assert by_stage["ingest"]["status"] == "SUCCEEDED"
    assert by_stage["bronze_to_silver"]["status"] == "FAILED"
    failed = by_stage["bronze_to_silver"]["summary"]
    assert failed == "Glue.JobRunFailed: Glue job run FAILED: contract violated"
    assert by_stage["silver_to_gold"]["status"] == "SKIPPED"


def test_a_running_execution_is_refused_and_nothing_is_written(
    deployed: FakeDeployment, record_run: Any
) -> None:
    arn = _execution(deployed, STILL_RUNNING, "run-still-going")

    refused = _refused(record_run, arn)

    assert "still running" in refused.message and "recorded when it ends" in (refused.hint or "")
    listed = deployed.client("s3").list_objects_v2(
        Bucket=BUCKET, Prefix=lake_layout().ops_table(PIPELINE_STAGE_RUNS)
    )
    assert listed["KeyCount"] == 0


def test_an_event_without_the_execution_says_so(deployed: FakeDeployment, record_run: Any) -> None:
    assert "execution_arn" in _refused(record_run, None).message


def test_status_says_where_and_why_the_last_failed_run_stopped(deployed: FakeDeployment) -> None:
    """Listing executions gives only FAILED: status reads that run's history for the state and the cause."""
    _execution(deployed, FAILING_AT_THE_SILVER_JOB, "night-failed")
    deployed.buffer.truncate(0)
    deployed.buffer.seek(0)
    cli.status(env="dev")
    printed = " ".join(deployed.printed.split())
    assert (
        "last failure (night-failed): FAILED at state bronze_to_silver_run "
        "(Glue.JobRunFailed: Glue job run FAILED: contract violated)"
    ) in printed
    # Its stages, as far as it got: ingest ran, the silver job failed, the rest never started.
    assert "✓ingest –crawl_bronze ✗bronze_to_silver –crawl_silver" in printed, printed
