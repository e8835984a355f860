"""Glue job runs: arguments, state following (moto and stubbed sequences), reports, concurrency."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from aws_fakes import BUCKET, FakeDeployment, cli
from botocore.stub import Stubber
from moto.moto_api import state_manager

from jozi_lake.aws import backend as aws_backend
from jozi_lake.aws import glue_jobs
from jozi_lake.aws.clients import open_session
from jozi_lake.config import env_config
from jozi_lake.errors import LakeError
from jozi_lake.jobs.report import JobReport, TableReport, write_report
from jozi_lake.storage import S3ObjectStore

RUN_ID = "20261126T120000Z-abc123"
GLUE_NAME = "jozi-pizza-dev-bronze_to_silver"


@pytest.fixture()
def fixed_run_id(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setattr(aws_backend, "new_run_id", lambda: RUN_ID)
    return RUN_ID


def runs_of(deployed: FakeDeployment, glue_name: str) -> list[dict]:
    return deployed.client("glue").get_job_runs(JobName=glue_name)["JobRuns"]


def test_run_job_passes_exactly_the_lake_arguments(deployed: FakeDeployment, fixed_run_id: str) -> None:
    """The code is the version Terraform deployed with the job: a run passes no code location."""
    report = JobReport(
        job="bronze_to_silver", run_id=RUN_ID, env="dev", started_at="2026-11-26T12:00:01+00:00"
    )
    report.tables.append(TableReport(table="orders", rows_read=120, rows_written=117, rows_quarantined=3))
    report.status = "succeeded"
    key = write_report(S3ObjectStore(BUCKET, client=deployed.client("s3")), report)
    assert key.startswith("silver/_reports/") and key.endswith(f"_{RUN_ID}.json")

    cli.run_job("bronze_to_silver", tables="orders,menu", env="dev")

    (run,) = runs_of(deployed, GLUE_NAME)
    assert run["JobRunState"] == "SUCCEEDED"
    assert run["Arguments"] == {
        "--lake_root": f"s3://{BUCKET}",
        "--tables": "orders,menu",
        "--run_id": RUN_ID,
        "--env": "dev",
    }
    printed = deployed.printed
    assert "SUCCEEDED" in printed
    assert "246" in printed  # DPU-seconds: moto's ExecutionTime 123 s x 2 G.1X workers
    assert "quarantined" in printed and "117" in printed  # the job's own per-table run report


def test_run_job_all_runs_silver_then_gold_with_one_run_id(
    deployed: FakeDeployment, fixed_run_id: str
) -> None:
    cli.run_job("all", env="dev")
    silver = runs_of(deployed, GLUE_NAME)
    gold = runs_of(deployed, "jozi-pizza-dev-silver_to_gold")
    assert [r["Arguments"]["--run_id"] for r in silver + gold] == [RUN_ID, RUN_ID]
    assert silver[0]["Arguments"]["--tables"] == "all"
    assert silver[0]["StartedOn"] <= gold[0]["StartedOn"]


@pytest.fixture()
def slow_job_runs() -> Iterator[None]:
    """moto job runs that advance one state per GetJobRun (STARTING -> RUNNING -> SUCCEEDED)."""
    state_manager.set_transition(model_name="glue::job_run", transition={"progression": "manual", "times": 1})
    yield
    state_manager.unset_transition(model_name="glue::job_run")


def test_moto_run_is_followed_through_its_states(deployed: FakeDeployment, slow_job_runs: None) -> None:
    aws = open_session(env_config("dev"))
    run_id = glue_jobs.start_job_run(aws, "bronze_to_silver", {"--run_id": "r1"})
    seen: list[str] = []
    outcome = glue_jobs.follow_job_run(aws, "bronze_to_silver", run_id, on_state=lambda s, _e: seen.append(s))
    assert seen == ["RUNNING", "SUCCEEDED"]  # GetJobRun itself advances moto's run once per call
    assert outcome.state == "SUCCEEDED" and outcome.run_id == run_id


def test_a_job_already_running_is_a_clear_error_naming_the_run(
    deployed: FakeDeployment, slow_job_runs: None
) -> None:
    running = deployed.client("glue").start_job_run(JobName=GLUE_NAME)["JobRunId"]
    with pytest.raises(LakeError) as caught:
        cli.run_job("bronze_to_silver", env="dev")
    assert caught.value.message == f"Glue job {GLUE_NAME} is already running (run {running})"
    assert f"--job-run-ids {running}" in (caught.value.hint or "")


def test_unknown_job_lists_the_choices(deployed: FakeDeployment) -> None:
    with pytest.raises(LakeError, match="unknown job 'bronze'") as caught:
        cli.run_job("bronze", env="dev")
    assert "bronze_to_silver, silver_to_gold, all" in (caught.value.hint or "")


def _job_run(state: str, **extra: object) -> dict:
    run = {
        "Id": "jr_1",
        "JobName": GLUE_NAME,
        "JobRunState": state,
        "StartedOn": datetime(2026, 1, 1, tzinfo=UTC),
    }
    run.update(extra)
    return {"JobRun": run}


@pytest.mark.parametrize(
    ("final_state", "error"),
    [
        ("FAILED", "AnalysisException: column x missing"),
        ("TIMEOUT", None),
        ("STOPPED", None),
        ("ERROR", "boom"),
    ],
)
def test_stubbed_run_ending_badly_names_the_log_location(
    deployed: FakeDeployment, final_state: str, error: str | None
) -> None:
    aws = open_session(env_config("dev"))
    glue = aws.client("glue")
    extra = {"ErrorMessage": error} if error else {}
    with Stubber(glue) as stub:
        expected = {"JobName": GLUE_NAME, "RunId": "jr_1"}
        stub.add_response("get_job_run", _job_run("STARTING"), expected)
        stub.add_response("get_job_run", _job_run("RUNNING"), expected)
        stub.add_response("get_job_run", _job_run("RUNNING"), expected)
        stub.add_response(
            "get_job_run",
            _job_run(final_state, ExecutionTime=600, WorkerType="G.1X", NumberOfWorkers=5, **extra),
            expected,
        )
        seen: list[str] = []
        outcome = glue_jobs.follow_job_run(
            aws, "bronze_to_silver", "jr_1", on_state=lambda s, _e: seen.append(s)
        )
        stub.assert_no_pending_responses()
    assert seen == ["STARTING", "RUNNING", "RUNNING", final_state]
    assert outcome.dpu_seconds == 3000
    with pytest.raises(LakeError) as caught:
        glue_jobs.raise_for_outcome(outcome)
    assert caught.value.message.startswith(f"Glue job {GLUE_NAME} run jr_1 ended {final_state}")
    if error:
        assert error in caught.value.message
    assert caught.value.hint == "read the driver log: CloudWatch log group /aws-glue/jobs/error, stream jr_1"


def test_flex_run_reports_dpu_seconds_from_glue_and_its_cost() -> None:
    run = {"DPUSeconds": 1800.0, "ExecutionTime": 900, "ExecutionClass": "FLEX", "WorkerType": "G.1X"}
    assert glue_jobs.dpu_seconds(run) == 1800.0
    assert glue_jobs.estimated_cost(run, 1800.0) == pytest.approx(0.5 * 0.29)
    # Runs under a minute are billed as one minute.
    short = {"ExecutionTime": 30, "WorkerType": "G.1X", "NumberOfWorkers": 2}
    assert glue_jobs.estimated_cost(short, glue_jobs.dpu_seconds(short)) == pytest.approx(120 / 3600 * 0.44)
