"""AWS Lambda entry point of the landing trigger: files dropped under ``landing/`` start a pipeline run.

The event source mapping of the landing queue (modules/landing-trigger) hands over a batch of SQS messages,
each an S3 "Object Created" event from EventBridge. :func:`jozi_lake.landing.trigger` decides: messages
that are no drop of a declared source (lake.yaml ``sources``, read from the packaged lake.json) are
ignored, files a run already saw are done, and otherwise one execution of the pipeline state machine is
started, unless one is running, in which case the messages are reported as failures
(``ReportBatchItemFailures``) and come back after the queue's visibility timeout.

Kept thin on purpose, like ``ingest_handler.py`` in the same zip: it runs as its own function with its own
role (``states:ListExecutions`` and ``states:StartExecution`` on the pipeline, the queue, the lake key for
the two), and reaches no code that touches the bucket. Environment: ``LAKE_ENV``, ``LAKE_BUCKET``,
``LAKE_STATE_MACHINE_ARN`` and ``LAKE_LANDING_SLOT_SECONDS`` (:class:`jozi_lake.landing.TriggerSettings`).
"""

from __future__ import annotations

import datetime as dt
import json
import os
from typing import Any

from jozi_lake import landing
from jozi_lake.config import load_config
from jozi_lake.layout import lake_layout
from jozi_lake.retries import runtime_client


def handler(event: dict[str, Any] | None, context: Any = None) -> dict[str, Any]:
    settings = landing.TriggerSettings.from_environment(os.environ)
    # Standard retries (throttling backs off); anything still failing fails the batch, which SQS redelivers.
    sfn = runtime_client("stepfunctions")
    outcome = landing.trigger(
        (event or {}).get("Records") or [],
        settings,
        sfn,
        layout=lake_layout(),
        sources=load_config().source_names,
        now=dt.datetime.now(dt.UTC),
    )
    print(json.dumps(outcome.log_record()))
    return outcome.response()
