"""AWS Lambda entry point of the lake: dispatches on the event's ``action`` (default ``ingest``).

Kept thin on purpose: all behaviour lives in ``jozi_lake`` and is tested locally. ``ingest`` runs
:func:`jozi_lake.ingest.run_ingest` over the sources of the packaged lake.json, in the environment
``LAKE_ENV`` names, with secrets from Secrets Manager (:mod:`jozi_lake.ingest.lambda_settings` lists
the environment variables). The zip (``make build-lambda``) holds this file, the ``jozi_lake``
modules it reaches and ``requests`` with its pure-Python dependencies; boto3 comes from the runtime.

Step Functions sends ``{"run_id": "<execution name>", "trigger": "step-functions"}``; an event may
narrow a run to some sources: ``{"sources": ["<name>", ...]}``. The return value is the run summary Step
Functions branches on (``status``, boolean ``has_new_data``, ``new_rows``, ``rejected_files`` ...). A
configuration problem is returned as a FAILED summary with the reason, not raised, so the state
machine can report it like any other failed run.

``{"action": "summarise", "run_id": ...}`` is the pipeline's summary stage: it returns the run's quality
summary (:func:`jozi_lake.jobs.summary.summarise_run`, the function the local pipeline's summary stage
calls), read from the job reports in the lake.

``{"action": "record_run", "execution_arn": ...}`` is sent by EventBridge when an execution of the state
machine ends, however it was started and however it ended (modules/stepfunctions): the execution's stage
timings go to ``ops/pipeline_stage_runs`` (:func:`jozi_lake.execution_history.record_execution`), the
table the local pipeline writes at the end of each run. Being invoked asynchronously, it raises its errors
instead of returning them (a returned failure would be discarded; a raised one reaches the DLQ).

The state machine's run control (:mod:`jozi_lake.run_control`, over the local runner's backlog and lease):

* ``{"action": "plan", "stages": [...], "crawlers": {target: name}}``: per stage whether it has work
  (``backlog.stage_work`` over the bucket; a crawl's last crawl from ``glue:GetCrawler``);
* ``{"action": "lease_acquire", "execution_arn", "run_id", "trigger", "ttl_seconds", "attempt"}``: one
  try at the lake's lease, holder the execution ARN (``acquired`` true or false, never waits);
* ``{"action": "lease_release", "execution_arn"}``: give it up if this execution holds it.

A file the ingest rejects is alerted: one SNS message per file on the alert topic
(:mod:`jozi_lake.notify`, ``LAKE_ALERT_TOPIC_ARN``); so is a source that landed rows no silver
contract reads.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import boto3

from jozi_lake import lease, notify, run_control
from jozi_lake.errors import LakeError
from jozi_lake.ingest import SecretsManagerSecrets, run_ingest
from jozi_lake.ingest.lambda_settings import LambdaSettings
from jozi_lake.ingest.summary import failed_summary
from jozi_lake.retries import runtime_client
from jozi_lake.storage import S3ObjectStore


def _store() -> S3ObjectStore:
    settings = LambdaSettings.from_environment(os.environ)
    return S3ObjectStore(settings.bucket, client=boto3.client("s3"))


def _required(event: dict[str, Any], name: str, action: str) -> str:
    value = event.get(name)
    if not value:
        raise LakeError(
            f"the {action} action needs {name!r} in its event",
            "the state machine passes it; re-apply Terraform",
        )
    return str(value)


def ingest(event: dict[str, Any]) -> dict[str, Any]:
    """Ingest every source (or ``event["sources"]``) of lake.json into the bucket."""
    settings = LambdaSettings.from_environment(os.environ)
    summary = run_ingest(
        S3ObjectStore(settings.bucket),
        env=settings.env,
        sources=event.get("sources") or None,
        run_id=event.get("run_id") or None,
        secrets=SecretsManagerSecrets(settings.secret_ids, lambda: runtime_client("secretsmanager")),
    )
    # Bronze keys stay in the manifest: a Step Functions state holds at most 256 KB.
    result = summary.to_dict(with_keys=False)
    alerts = notify.alerts_for_ingest(summary)
    try:
        result["alerts_sent"] = notify.notify_all(
            notify.lambda_notifier(os.environ, lambda: boto3.client("sns")), alerts
        )
    except Exception as err:  # the files are set aside already; say the alert failed instead of re-ingesting
        result["alerts_sent"] = 0
        result["alerts_error"] = f"{len(alerts)} alert(s) not published: {type(err).__name__}: {err}"
        print(result["alerts_error"])
    return result


def summarise(event: dict[str, Any]) -> dict[str, Any]:
    """The summary stage: this run's quality summary, read from the job reports in the lake."""
    from jozi_lake.jobs.summary import summarise_run

    run_id = event.get("run_id")
    if not run_id:
        raise LakeError("the summarise action needs the run_id of the pipeline execution")
    settings = LambdaSettings.from_environment(os.environ)
    return summarise_run(S3ObjectStore(settings.bucket), str(run_id))


def record_run(event: dict[str, Any]) -> dict[str, Any]:
    """A finished execution's stage timings, written to the ops table (EventBridge, at its end)."""
    from jozi_lake.config import load_config
    from jozi_lake.execution_history import record_execution

    settings = LambdaSettings.from_environment(os.environ)
    return record_execution(
        S3ObjectStore(settings.bucket),
        runtime_client("stepfunctions"),
        _required(event, "execution_arn", "record_run"),
        env=settings.env,
        stages=load_config().pipeline,
    )


def plan(event: dict[str, Any]) -> dict[str, Any]:
    """Which stages have work now: the same rule the local pipeline applies before each stage."""
    crawlers = event.get("crawlers") or {}
    glue = boto3.client("glue") if crawlers else None
    clock = run_control.glue_crawl_clock(glue, crawlers)
    stages = event.get("stages")
    return run_control.plan(_store(), list(stages) if stages else None, clock)


def _trigger(execution_input: Any) -> str:
    """Who started the execution, for the lease record: the schedule, an S3 event, the CLI, a person."""
    given = execution_input if isinstance(execution_input, dict) else {}
    if given.get("trigger") or given.get("started_by"):
        return str(given.get("trigger") or given.get("started_by"))
    return "event" if given.get("source") == "aws.s3" else "step-functions"


def lease_acquire(event: dict[str, Any]) -> dict[str, Any]:
    """One try at the lake's lease for this execution (the state machine waits and retries, bounded)."""
    alive = lease.sfn_execution_alive(run_control.execution_status(boto3.client("stepfunctions")))
    return run_control.acquire(
        _store(),
        execution_arn=_required(event, "execution_arn", "lease_acquire"),
        run_id=_required(event, "run_id", "lease_acquire"),
        trigger=_trigger(event.get("execution_input")),
        ttl_seconds=float(event.get("ttl_seconds") or lease.DEFAULT_TTL_SECONDS),
        attempt=int(event.get("attempt") or 0),
        is_alive=alive,
    )


def lease_release(event: dict[str, Any]) -> dict[str, Any]:
    return run_control.release(_store(), execution_arn=_required(event, "execution_arn", "lease_release"))


# Actions invoked asynchronously (EventBridge): a returned failure would be discarded, so their errors are
# raised, and the invocation lands in the function's dead-letter queue, which is alarmed.
RAISING_ACTIONS = frozenset({"record_run"})

ACTIONS: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "ingest": ingest,
    "summarise": summarise,
    "record_run": record_run,
    "plan": plan,
    "lease_acquire": lease_acquire,
    "lease_release": lease_release,
}


def handler(event: dict[str, Any] | None, context: Any = None) -> dict[str, Any]:
    event = event or {}
    action = str(event.get("action") or "ingest")
    run = ACTIONS.get(action)
    env = os.environ.get("LAKE_ENV", "")
    if run is None:
        return failed_summary(
            event.get("run_id"), env, f"unknown action {action!r}", f"use one of: {', '.join(ACTIONS)}"
        )
    try:
        return run(event)
    except LakeError as err:
        if action in RAISING_ACTIONS:
            print(f"error: {err.message}" + (f" (fix: {err.hint})" if err.hint else ""))
            raise
        return failed_summary(event.get("run_id"), env, err.message, err.hint)
