"""AWS Lambda entry point of the ingest step: environment → config → :func:`jozi_lake.ingest.ingest_api`.

Kept thin on purpose: all behaviour lives in ``jozi_lake.ingest`` and is tested locally against the
store's local API. After the API it copies new file drops (``landing/<source>/``) into bronze, as the
local pipeline does. The zip (``scripts/build_lambda.py``) holds this file plus the ``jozi_lake``
modules it imports; boto3 comes from the Lambda runtime. Environment variables are listed in
:mod:`jozi_lake.ingest.environment`.

The event's ``action`` says what to do (default ``ingest``):

* ``{"action": "ingest", "run_id": "<execution name>", "trigger": "step-functions"}`` (an event may
  narrow a run to some sources: ``{"sources": ["orders"]}``) returns the run summary Step Functions
  branches on (``status``, ``has_new_data``, ``new_rows`` ...). A configuration problem is returned as
  a FAILED summary with the reason, not raised, so the state machine reports it like any failed run.
* ``{"action": "summarise", "run_id": ...}`` returns the run's quality summary
  (:func:`jozi_lake.jobs.summary.summarise_run`), the same function the local pipeline's summary
  stage calls.
"""

from __future__ import annotations

import os
from typing import Any

import boto3

from jozi_lake.errors import LakeError
from jozi_lake.ingest import ingest_api
from jozi_lake.ingest.combined import with_drops
from jozi_lake.ingest.environment import config_from_environment
from jozi_lake.storage import S3ObjectStore


def _read_secret(arn: str) -> str:
    return boto3.client("secretsmanager").get_secret_value(SecretId=arn)["SecretString"]


def handler(event: dict[str, Any] | None, context: Any = None) -> dict[str, Any]:
    event = event or {}
    action = event.get("action") or "ingest"
    if action == "summarise":
        return summarise(event)
    if action != "ingest":
        raise ValueError(f"unknown action {action!r}: this function does ingest and summarise")
    try:
        bucket, config = config_from_environment(os.environ, _read_secret)
        store = S3ObjectStore(bucket, client=boto3.client("s3"))
        sources = event.get("sources") or None
        summary = ingest_api(store, config, sources=sources, run_id=event.get("run_id") or None)
        # File drops under landing/<source>/ enter bronze in the same step, as they do locally.
        return with_drops(store, summary, sources or list(config.endpoints))
    except LakeError as err:
        return {
            "status": "FAILED",
            "run_id": event.get("run_id"),
            "new_rows": 0,
            "has_new_data": False,
            "sources": {},
            "error": str(err),
        }


def summarise(event: dict[str, Any]) -> dict[str, Any]:
    """The summary stage: this run's quality summary, read from the job reports in the lake."""
    from jozi_lake.jobs.summary import summarise_run

    run_id = event.get("run_id")
    if not run_id:
        raise ValueError("the summarise action needs the run_id of the pipeline execution")
    store = S3ObjectStore(os.environ["LAKE_BUCKET"], client=boto3.client("s3"))
    return summarise_run(store, str(run_id))
