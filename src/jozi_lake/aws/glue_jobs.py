"""Starting a Glue job run and following it to its end.

The run gets the lake.yaml job arguments (``--lake_root``, ``--tables``, ``--run_id``, ``--env``) like a
local run; the code is the version Terraform deployed with the job, the same the nightly run uses.
States are followed with ``GetJobRun``: STARTING/RUNNING/STOPPING/WAITING are in flight; SUCCEEDED ends
well; FAILED, TIMEOUT, STOPPED, ERROR and EXPIRED end with a LakeError naming the run's CloudWatch log
location.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from jozi_lake.aws.clients import AwsSession, aws_errors, error_code
from jozi_lake.aws.waiting import Poller, format_duration
from jozi_lake.config import load_config
from jozi_lake.errors import LakeError
from jozi_lake.jobs import registry
from jozi_lake.layout import lake_layout

IN_FLIGHT_STATES = frozenset({"STARTING", "RUNNING", "STOPPING", "WAITING"})
FAILED_STATES = frozenset({"FAILED", "TIMEOUT", "STOPPED", "ERROR", "EXPIRED"})
SUCCEEDED = "SUCCEEDED"
# DPUs per worker by worker type (AWS Glue worker types; Standard is the legacy 1 DPU worker).
DPU_PER_WORKER = {
    "Standard": 1.0,
    "G.025X": 0.25,
    "G.1X": 1.0,
    "G.2X": 2.0,
    "G.4X": 4.0,
    "G.8X": 8.0,
    "Z.2X": 2.0,
}
# Glue ETL list prices per DPU-hour (us-east-1; most regions are close). FLEX runs on spare capacity.
PRICE_PER_DPU_HOUR = {"STANDARD": 0.44, "FLEX": 0.29}
DEFAULT_LOG_GROUP = "/aws-glue/jobs"


@dataclass(frozen=True)
class JobRunOutcome:
    job: str
    glue_name: str
    run_id: str
    state: str
    execution_seconds: float | None
    dpu_seconds: float | None
    estimated_cost_usd: float | None
    error: str | None
    log_group: str
    arguments: dict[str, str]

    @property
    def error_log_location(self) -> str:
        return f"CloudWatch log group {self.log_group}/error, stream {self.run_id}"


def job_arguments(aws: AwsSession, run_id: str, tables: list[str] | None) -> dict[str, str]:
    """``--name value`` arguments for a run; names come from lake.yaml ``job_arguments``."""
    values = {
        "lake_root": aws.lake.lake_root,
        "tables": ",".join(tables) if tables else "all",
        "run_id": run_id,
        "env": aws.env.name,
    }
    names = load_config().job_arguments
    unknown = [name for name in names if name not in values]
    if unknown:
        raise LakeError(
            f"lake.yaml job_arguments has {', '.join(unknown)}, which the AWS runner cannot fill",
            "add it to jozi_lake.aws.glue_jobs.job_arguments",
        )
    return {f"--{name}": values[name] for name in names}


def _running_run_id(glue: Any, glue_name: str) -> str | None:
    runs = glue.get_job_runs(JobName=glue_name, MaxResults=10).get("JobRuns", [])
    for run in runs:
        if run.get("JobRunState") in IN_FLIGHT_STATES:
            return str(run["Id"])
    return None


def start_job_run(aws: AwsSession, job: str, arguments: dict[str, str]) -> str:
    """StartJobRun; a job that is already running is a LakeError naming the running run."""
    glue = aws.client("glue")
    glue_name = aws.lake.job_name(job)
    with aws_errors(aws, f"starting Glue job {glue_name}"):
        try:
            return str(glue.start_job_run(JobName=glue_name, Arguments=arguments)["JobRunId"])
        except ClientError as err:
            if error_code(err) != "ConcurrentRunsExceededException":
                raise
            running = _running_run_id(glue, glue_name)
            which = f" (run {running})" if running else ""
            raise LakeError(
                f"Glue job {glue_name} is already running{which}",
                f"wait for it ('lake status --env {aws.env.name}') or stop it: aws glue batch-stop-job-run "
                f"--job-name {glue_name} --job-run-ids {running or '<run id>'}",
            ) from None


def dpu_seconds(run: dict[str, Any]) -> float | None:
    """Billed capacity of a run: ``DPUSeconds`` (FLEX/auto-scaling) or ExecutionTime × capacity."""
    if run.get("DPUSeconds") is not None:
        return float(run["DPUSeconds"])
    execution = run.get("ExecutionTime")
    if execution is None:
        return None
    if run.get("WorkerType") in DPU_PER_WORKER and run.get("NumberOfWorkers"):
        capacity = DPU_PER_WORKER[run["WorkerType"]] * float(run["NumberOfWorkers"])
    elif run.get("MaxCapacity"):
        capacity = float(run["MaxCapacity"])
    else:
        return None
    return float(execution) * capacity


def estimated_cost(run: dict[str, Any], dpu_secs: float | None) -> float | None:
    """List-price estimate with Glue's 1-minute minimum per run."""
    if dpu_secs is None:
        return None
    price = PRICE_PER_DPU_HOUR.get(
        str(run.get("ExecutionClass", "STANDARD")).upper(), PRICE_PER_DPU_HOUR["STANDARD"]
    )
    execution = float(run.get("ExecutionTime") or 0)
    billed = dpu_secs * (60.0 / execution) if 0 < execution < 60 else dpu_secs
    return billed / 3600.0 * price


def follow_job_run(
    aws: AwsSession, job: str, run_id: str, on_state: Any = None, timeout_minutes: float | None = None
) -> JobRunOutcome:
    """Poll GetJobRun until the run ends; ``on_state(state, elapsed)`` drives the progress display."""
    glue = aws.client("glue")
    glue_name = aws.lake.job_name(job)
    configured = load_config().jobs.get(job, {}).get("timeout_minutes", 60)
    poller = Poller(
        what=f"Glue job run {run_id}",
        interval_seconds=10.0,
        # The job's own timeout plus start-up and queueing slack; Glue ends the run itself at its timeout.
        timeout_seconds=60.0 * float(timeout_minutes or configured) + 900.0,
        hint=f"the run may still be going: aws glue get-job-run --job-name {glue_name} --run-id {run_id}",
    )
    while True:
        with aws_errors(aws, f"reading Glue job run {run_id}"):
            run = glue.get_job_run(JobName=glue_name, RunId=run_id)["JobRun"]
        state = str(run.get("JobRunState"))
        if on_state is not None:
            on_state(state, poller.elapsed)
        if state not in IN_FLIGHT_STATES:
            break
        poller.wait()
    if state != SUCCEEDED and state not in FAILED_STATES:
        raise LakeError(
            f"Glue job run {run_id} ended in unknown state {state}", "check it in the Glue console"
        )
    dpu = dpu_seconds(run)
    return JobRunOutcome(
        job=job,
        glue_name=glue_name,
        run_id=run_id,
        state=state,
        execution_seconds=float(run["ExecutionTime"]) if run.get("ExecutionTime") is not None else None,
        dpu_seconds=dpu,
        estimated_cost_usd=estimated_cost(run, dpu),
        error=run.get("ErrorMessage"),
        log_group=str(run.get("LogGroupName") or DEFAULT_LOG_GROUP),
        arguments=dict(run.get("Arguments") or {}),
    )


def raise_for_outcome(outcome: JobRunOutcome) -> None:
    if outcome.state == SUCCEEDED:
        return
    reason = f": {outcome.error}" if outcome.error else ""
    raise LakeError(
        f"Glue job {outcome.glue_name} run {outcome.run_id} ended {outcome.state}{reason}",
        f"read the driver log: {outcome.error_log_location}",
    )


def find_run_report(aws: AwsSession, job: str, run_id: str) -> tuple[str, dict[str, Any]] | None:
    """The JSON run report the job wrote to the lake for ``run_id``: (key, report), or None.

    The jobs write ``<layer>/_reports/<started>_<job>_<run_id>.json`` (:mod:`jozi_lake.jobs.report`), on
    Glue exactly as locally; the newest matching key wins.
    """
    s3 = aws.client("s3")
    prefix = lake_layout().reports(registry.job(job).writes)
    with aws_errors(aws, f"looking for the run report of {run_id}"):
        keys: list[str] = []
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=aws.lake.bucket, Prefix=prefix):
            keys += [o["Key"] for o in page.get("Contents", []) if o["Key"].endswith(f"_{run_id}.json")]
        for key in sorted(keys, reverse=True):
            body = s3.get_object(Bucket=aws.lake.bucket, Key=key)["Body"].read()
            try:
                report = json.loads(body)
            except json.JSONDecodeError:
                continue
            if isinstance(report, dict):
                return key, report
    return None


def describe_outcome(outcome: JobRunOutcome) -> list[tuple[str, str]]:
    """Rows for the printed summary of a run."""
    rows = [
        ("job", f"{outcome.job} ({outcome.glue_name})"),
        ("run", outcome.run_id),
        ("state", outcome.state),
        ("execution time", format_duration(outcome.execution_seconds)),
        ("DPU-seconds", f"{outcome.dpu_seconds:,.0f}" if outcome.dpu_seconds is not None else "-"),
        (
            "estimated cost",
            f"${outcome.estimated_cost_usd:,.4f}" if outcome.estimated_cost_usd is not None else "-",
        ),
    ]
    if outcome.state != SUCCEEDED:
        rows.append(("logs", outcome.error_log_location))
    return rows


__all__ = [
    "FAILED_STATES",
    "IN_FLIGHT_STATES",
    "JobRunOutcome",
    "describe_outcome",
    "dpu_seconds",
    "find_run_report",
    "follow_job_run",
    "job_arguments",
    "raise_for_outcome",
    "start_job_run",
]
