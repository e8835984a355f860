"""The landing trigger Lambda on moto: S3 events from the landing queue start one pipeline run per burst.

The handler (``lambda/landing_trigger.py``) is called as the event source mapping calls it: a batch of SQS
records whose bodies are the EventBridge events S3 sends. moto keeps executions RUNNING until they are
stopped, which stands in for a run in progress; stopping one stands in for its end.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from jozi_lake import landing
from jozi_lake.config import load_config
from jozi_lake.layout import lake_layout

REPO = Path(__file__).resolve().parents[2]
BUCKET = "jozi-pizza-dev-lake"
REGION = "af-south-1"
ROLE = "arn:aws:iam::123456789012:role/jozi-pizza-dev-state-machine"
SOURCE = load_config().source_names[0]


@pytest.fixture()
def machine(fake_aws: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """moto with the pipeline state machine; the trigger's environment points at it."""
    with mock_aws():
        arn = boto3.client("stepfunctions").create_state_machine(
            name="jozi-pizza-dev-pipeline",
            definition=json.dumps({"StartAt": "x", "States": {"x": {"Type": "Succeed"}}}),
            roleArn=ROLE,
        )["stateMachineArn"]
        monkeypatch.setenv("LAKE_ENV", "dev")
        monkeypatch.setenv("LAKE_BUCKET", BUCKET)
        monkeypatch.setenv("LAKE_STATE_MACHINE_ARN", arn)
        monkeypatch.setenv("LAKE_LANDING_SLOT_SECONDS", "300")
        yield arn


@pytest.fixture()
def handler() -> Any:
    spec = importlib.util.spec_from_file_location("landing_trigger", REPO / "lambda" / "landing_trigger.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.handler


def _record(
    message_id: str, key: str, *, at: dt.datetime | None = None, bucket: str = BUCKET
) -> dict[str, Any]:
    """One SQS record of the landing queue, its body the event S3 sends to EventBridge."""
    moment = at or dt.datetime.now(dt.UTC)
    event = {
        "version": "0",
        "id": f"event-{message_id}",
        "detail-type": "Object Created",
        "source": "aws.s3",
        "account": "123456789012",
        "time": moment.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": REGION,
        "resources": [f"arn:aws:s3:::{bucket}"],
        "detail": {
            "version": "0",
            "bucket": {"name": bucket},
            "object": {"key": key, "size": 120, "etag": "abc", "sequencer": "00"},
            "request-id": "r",
            "requester": "123456789012",
            "reason": "PutObject",
        },
    }
    return {"messageId": message_id, "receiptHandle": f"rh-{message_id}", "body": json.dumps(event)}


def _drop(name: str) -> str:
    return f"{lake_layout().landing(SOURCE)}{name}"


def _executions(arn: str, status: str | None = None) -> list[dict[str, Any]]:
    request: dict[str, Any] = {"stateMachineArn": arn}
    if status:
        request["statusFilter"] = status
    return list(boto3.client("stepfunctions").list_executions(**request)["executions"])


def _failed(response: dict[str, Any]) -> list[str]:
    return sorted(item["itemIdentifier"] for item in response["batchItemFailures"])


def _running(arn: str, name: str = "20260601T003000Z-schedule") -> str:
    return str(boto3.client("stepfunctions").start_execution(stateMachineArn=arn, name=name)["executionArn"])


def test_a_burst_of_files_starts_exactly_one_run(machine: str, handler: Any) -> None:
    earlier = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=2)
    burst = [_record(f"m{i}", _drop(f"export-{i:03d}.csv"), at=earlier) for i in range(25)]
    response = handler({"Records": burst})
    assert response == {"batchItemFailures": []}
    (execution,) = _executions(machine)
    assert execution["status"] == "RUNNING" and execution["name"].endswith("-landing")
    given = json.loads(
        boto3.client("stepfunctions").describe_execution(executionArn=execution["executionArn"])["input"]
    )
    assert given["trigger"] == "landing" and given["files"] == 25 and len(given["keys"]) == 20

    # The rest of the burst, in another invocation: the run just started lists landing/ after these files
    # arrived, so they are covered; nothing new starts and nothing comes back.
    rest = [_record(f"n{i}", _drop(f"export-b{i}.csv"), at=earlier) for i in range(5)]
    assert handler({"Records": rest}) == {"batchItemFailures": []}
    assert len(_executions(machine)) == 1


def test_a_run_in_progress_defers_every_file_and_starts_nothing(machine: str, handler: Any) -> None:
    _running(machine)
    later = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=30)  # landed after the run started
    batch = [_record(f"m{i}", _drop(f"late-{i}.csv"), at=later) for i in range(3)]
    response = handler({"Records": batch})
    assert _failed(response) == ["m0", "m1", "m2"]
    assert len(_executions(machine)) == 1

    # The run ends; the redelivered messages start the next run, once.
    boto3.client("stepfunctions").stop_execution(executionArn=_executions(machine)[0]["executionArn"])
    assert handler({"Records": batch}) == {"batchItemFailures": []}
    assert len(_executions(machine, "RUNNING")) == 1


def test_keys_that_are_no_declared_source_drop_are_ignored(machine: str, handler: Any) -> None:
    layout = lake_layout()
    ignored = [
        _record("a", f"{layout.landing('not_a_source')}x.csv"),
        _record("b", f"{layout.landing(SOURCE)}sub/x.csv"),
        _record("c", f"{layout.landing(SOURCE)}.part-upload"),
        _record("d", f"{layout.landing(SOURCE)}_SUCCESS"),
        _record("e", f"{layout.bronze_table(SOURCE)}x.csv"),
        _record("f", _drop("x.csv"), bucket="someone-elses-bucket"),
        {"messageId": "g", "body": "not json"},
        {"messageId": "h", "body": json.dumps({"source": "aws.glue", "detail-type": "Glue Job Run"})},
    ]
    assert handler({"Records": ignored}) == {"batchItemFailures": []}
    assert _executions(machine) == []
    assert handler({"Records": []}) == {"batchItemFailures": []}


def test_a_duplicate_delivery_of_the_same_batch_starts_nothing_new(machine: str, handler: Any) -> None:
    earlier = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)
    batch = [_record(f"m{i}", _drop(f"dup-{i}.csv"), at=earlier) for i in range(4)]
    assert handler({"Records": batch}) == {"batchItemFailures": []}
    assert handler({"Records": batch}) == {"batchItemFailures": []}  # while the run is going
    boto3.client("stepfunctions").stop_execution(executionArn=_executions(machine)[0]["executionArn"])
    assert handler({"Records": batch}) == {"batchItemFailures": []}  # and after it ended
    assert len(_executions(machine)) == 1


def test_two_racing_starts_in_one_slot_give_one_run(machine: str) -> None:
    """Both invocations passed the RUNNING check (ListExecutions is eventually consistent): the slot's
    execution name lets only the first start; the second defers its files."""
    settings = landing.TriggerSettings.from_environment()
    sfn = boto3.client("stepfunctions")
    now = dt.datetime(2026, 6, 1, 10, 2, 30, tzinfo=dt.UTC)
    later = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=1)

    class Stale:
        """A ListExecutions answer that has not seen the other invocation's start yet."""

        exceptions = sfn.exceptions

        def list_executions(self, **_: Any) -> dict[str, Any]:
            return {"executions": []}

        def start_execution(self, **kwargs: Any) -> Any:
            return sfn.start_execution(**kwargs)

    kwargs: dict[str, Any] = {"layout": lake_layout(), "sources": load_config().source_names, "now": now}
    first = landing.trigger([_record("a", _drop("a.csv"), at=later)], settings, Stale(), **kwargs)
    second = landing.trigger([_record("b", _drop("b.csv"), at=later)], settings, Stale(), **kwargs)
    assert first.verdicts == {"a": landing.STARTED} and first.execution_name == "20260601T100000Z-landing"
    assert second.verdicts == {"b": landing.DEFERRED} and "other files" in second.reason
    assert len(_executions(machine)) == 1


def test_a_run_that_only_waited_for_the_lease_covers_nothing() -> None:
    """An execution that lived wholly inside an older one's run ended lake_busy: it ran no ingest."""
    t = dt.datetime(2026, 6, 1, 10, 0, tzinfo=dt.UTC)
    minutes = lambda m: t + dt.timedelta(minutes=m)  # noqa: E731
    long_run = landing.Execution("arn:1", "r1", "SUCCEEDED", minutes(0), minutes(60))
    waited = landing.Execution("arn:2", "r2", "SUCCEEDED", minutes(10), minutes(26))
    assert landing.shadowed(waited, [long_run, waited]) and not landing.shadowed(long_run, [long_run, waited])
    assert landing.covering_start([long_run, waited]) == minutes(0)
    # One that started while the older ran but got the lake once it ended did run.
    after = landing.Execution("arn:3", "r3", "SUCCEEDED", minutes(50), minutes(80))
    assert landing.covering_start([long_run, after]) == minutes(50)
    # Still waiting behind a running one: it covers nothing yet.
    running = landing.Execution("arn:4", "r4", "RUNNING", minutes(0))
    queued = landing.Execution("arn:5", "r5", "RUNNING", minutes(5))
    assert landing.covering_start([running, queued]) == minutes(0)
    landed = landing.Landed("m", BUCKET, _drop("x.csv"), minutes(2))
    assert not landing.is_covered(landed, landing.covering_start([running, queued]))
    assert landing.is_covered(landed, minutes(2) + dt.timedelta(seconds=landing.COVER_MARGIN_SECONDS))


def test_the_slot_name_is_a_run_id_of_the_slot_start() -> None:
    from jozi_lake.ids import check_run_id

    name = landing.slot_name(dt.datetime(2026, 6, 1, 2, 34, 59, tzinfo=dt.UTC), 300)
    assert name == "20260601T023000Z-landing" == check_run_id(name)
    assert landing.slot_name(dt.datetime(2026, 6, 1, 2, 35, tzinfo=dt.UTC), 300) == "20260601T023500Z-landing"


def test_a_missing_setting_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    from jozi_lake.errors import LakeError

    monkeypatch.delenv("LAKE_STATE_MACHINE_ARN", raising=False)
    with pytest.raises(LakeError, match="LAKE_STATE_MACHINE_ARN"):
        landing.TriggerSettings.from_environment(
            {"LAKE_ENV": "dev", "LAKE_BUCKET": BUCKET, "LAKE_LANDING_SLOT_SECONDS": "300"}
        )
    with pytest.raises(LakeError, match="whole number"):
        landing.TriggerSettings.from_environment(
            {
                "LAKE_ENV": "dev",
                "LAKE_BUCKET": BUCKET,
                "LAKE_STATE_MACHINE_ARN": "arn",
                "LAKE_LANDING_SLOT_SECONDS": "5m",
            }
        )
