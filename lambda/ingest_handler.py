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
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from jozi_lake.errors import LakeError
from jozi_lake.ingest import SecretsManagerSecrets, run_ingest
from jozi_lake.ingest.lambda_settings import LambdaSettings
from jozi_lake.ingest.summary import failed_summary
from jozi_lake.storage import S3ObjectStore, runtime_client


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
    return summary.to_dict(with_keys=False)


def summarise(event: dict[str, Any]) -> dict[str, Any]:
    """The summary stage: this run's quality summary, read from the job reports in the lake."""
    from jozi_lake.jobs.summary import summarise_run

    run_id = event.get("run_id")
    if not run_id:
        raise LakeError("the summarise action needs the run_id of the pipeline execution")
    settings = LambdaSettings.from_environment(os.environ)
    return summarise_run(S3ObjectStore(settings.bucket), str(run_id))


ACTIONS: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {"ingest": ingest, "summarise": summarise}


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
        return failed_summary(event.get("run_id"), env, err.message, err.hint)
