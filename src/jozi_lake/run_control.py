"""What the pipeline state machine asks the lake between stages: the plan and the run lease.

The Lambda's ``plan``, ``lease_acquire`` and ``lease_release`` actions are thin wrappers over this module,
which is a thin layer over the two mechanisms the local pipeline uses too: :func:`jozi_lake.backlog.
stage_work` decides whether a stage has work, :mod:`jozi_lake.lease` keeps runs from overlapping.
Nothing here decides anything the local runner decides differently; only the clocks and holders differ:

* **Last crawl.** On AWS a crawl stage's last crawl is the crawler's ``LastCrawl`` from
  ``glue:GetCrawler``, taken only when that crawl SUCCEEDED (a failed crawl leaves the layer's catalogue
  behind, so the stage has work again). The crawler records it itself, whoever started it (the state
  machine, ``lake crawl --env``, the console), which a record written by the Lambda would not see.
* **Holder.** The execution ARN (``sfn:<arn>``). An execution that timed out or was aborted runs no
  ``Catch`` and so never releases: the liveness check asks Step Functions whether the holder still runs.
  The lease's time to live is the execution's own timeout (passed by the state machine), so even an
  unanswerable liveness check cannot block the lake for longer than a run could have lasted.

Results are plain JSON the state machine branches on: ``status`` always (``SUCCEEDED``; a LakeError
becomes the handler's FAILED summary), and per action the fields documented on each function.

Standard library, storage and boto3-shaped clients only: the Lambda imports this module.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

from jozi_lake import backlog, lease
from jozi_lake.config import load_config
from jozi_lake.errors import LakeError
from jozi_lake.layout import lake_layout
from jozi_lake.storage import ObjectStore

SUCCEEDED = "SUCCEEDED"


def glue_crawl_clock(glue: Any, crawlers: Mapping[str, str]) -> backlog.CrawlClock:
    """``last_crawl(target)`` from Glue: the start of the crawler's last crawl if it SUCCEEDED, else None."""

    def last_crawl(target: str) -> dt.datetime | None:
        name = crawlers.get(target)
        if not name:
            raise LakeError(
                f"the plan was asked about crawl target {target!r} but given no crawler for it",
                "the state machine passes crawlers {target: name} from modules/lake; re-apply Terraform",
            )
        last = glue.get_crawler(Name=name)["Crawler"].get("LastCrawl") or {}
        started = last.get("StartTime")
        if last.get("Status") != "SUCCEEDED" or not isinstance(started, dt.datetime):
            return None
        return started if started.tzinfo else started.replace(tzinfo=dt.UTC)

    return last_crawl


def plan(store: ObjectStore, stage_names: list[str] | None, last_crawl: backlog.CrawlClock) -> dict[str, Any]:
    """``{"status", "has_work", "stages": {name: {"has_work", "reason", "detail"}}}`` for the stages asked
    (all of lake.yaml's pipeline when ``stage_names`` is empty), by :func:`backlog.stage_work`."""
    stages = {s.name: s for s in load_config().pipeline}
    wanted = list(stage_names or stages)
    unknown = [name for name in wanted if name not in stages]
    if unknown:
        raise LakeError(
            f"the plan was asked about stage(s) {', '.join(unknown)}, which lake.yaml's pipeline lacks",
            f"the stages are: {', '.join(stages)} (the deployed Lambda and state machine differ: re-apply)",
        )
    works = [backlog.stage_work(store, stages[name], last_crawl) for name in wanted]
    return {
        "status": SUCCEEDED,
        "has_work": any(w.has_work for w in works),
        "stages": {w.stage: w.to_dict() for w in works},
    }


def acquire(
    store: ObjectStore,
    *,
    execution_arn: str,
    run_id: str,
    trigger: str,
    ttl_seconds: float,
    attempt: int,
    is_alive: lease.Liveness,
) -> dict[str, Any]:
    """Try once to take the lake's lease for an execution; never waits (the state machine waits).

    ``{"status", "acquired", "attempt": attempt + 1, "holder", "run_id", "since", "message"}``: on
    ``acquired: false`` holder/run_id/since describe the run that holds the lake.
    """
    key = lake_layout().lease()
    try:
        held = lease.acquire(
            store,
            key,
            holder=lease.sfn_holder(execution_arn),
            run_id=run_id,
            trigger=trigger,
            ttl_seconds=ttl_seconds,
            is_alive=is_alive,
            hint="this execution waits for it a bounded time, then ends without running",
        )
    except lease.LeaseHeld as err:
        current = err.current
        return {
            "status": SUCCEEDED,
            "acquired": False,
            "attempt": attempt + 1,
            "holder": current.holder,
            "run_id": current.run_id,
            "since": current.acquired_at,
            "message": err.message,
        }
    return {
        "status": SUCCEEDED,
        "acquired": True,
        "attempt": attempt + 1,
        "holder": held.record.holder,
        "run_id": held.record.run_id,
        "since": held.record.acquired_at,
        "message": f"run {run_id} holds the lake",
    }


def release(store: ObjectStore, *, execution_arn: str) -> dict[str, Any]:
    """``{"status", "released"}``: the lease is deleted if this execution still holds it."""
    released = lease.release_holder(store, lake_layout().lease(), lease.sfn_holder(execution_arn))
    return {"status": SUCCEEDED, "released": released}


def execution_status(sfn: Any) -> Callable[[str], str | None]:
    """DescribeExecution's status by ARN for :func:`lease.sfn_execution_alive`; None when unknown."""

    def status(arn: str) -> str | None:
        try:
            return str(sfn.describe_execution(executionArn=arn)["status"])
        except sfn.exceptions.ExecutionDoesNotExist:
            return "GONE"
        except Exception:  # no answer: unknown, so the lease's expiry decides (never a take-over on doubt)
            return None

    return status
