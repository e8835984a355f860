"""Starting the pipeline's Step Functions execution and following it state by state.

The execution history is read incrementally (events after the last one seen), so each state is reported
once as it is entered and as it ends, with its duration; a failure reports the failing state with the
error and cause Step Functions recorded. The outcome is SUCCEEDED or a LakeError (non-zero exit). The
fold of the history into states and stages is :mod:`jozi_lake.execution_history`, shared with the lake
Lambda, which records every finished execution's stage timings in the ops table.
"""

from __future__ import annotations

import json

from jozi_lake.aws.clients import AwsSession, aws_errors
from jozi_lake.aws.waiting import Poller
from jozi_lake.backend import RUNNING, SUCCEEDED
from jozi_lake.errors import LakeError
from jozi_lake.execution_history import (
    ExecutionProgress,
    OnStep,
    apply_events,
    read_new_events,
)


def start_execution(aws: AwsSession, run_id: str) -> str:
    arn = aws.lake.require_state_machine()
    sfn = aws.client("stepfunctions")
    payload = {"run_id": run_id, "env": aws.env.name, "started_by": "lake run-pipeline"}
    with aws_errors(aws, f"starting the pipeline state machine {arn.rsplit(':', 1)[-1]}"):
        response = sfn.start_execution(stateMachineArn=arn, name=run_id, input=json.dumps(payload))
    return str(response["executionArn"])


def follow_execution(aws: AwsSession, execution_arn: str, on_step: OnStep | None = None) -> ExecutionProgress:
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
            apply_events(progress, read_new_events(sfn, progress), on_step)
        progress.status = str(description.get("status"))
        if progress.status != RUNNING:
            progress.error = progress.error or description.get("error")
            progress.cause = progress.cause or description.get("cause")
            return progress
        poller.wait()


def raise_for_progress(aws: AwsSession, progress: ExecutionProgress) -> None:
    if progress.status == SUCCEEDED:
        return
    raise LakeError(
        f"pipeline execution {progress.failure()}",
        f"see the execution in the Step Functions console ({progress.execution_arn}); after fixing, "
        f"'aws stepfunctions redrive-execution --execution-arn {progress.execution_arn}' resumes it",
    )
