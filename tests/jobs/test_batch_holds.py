"""A batch that trips a ``fail`` rule is held by the silver job; the next run publishes the others; a
contract fix plus ``lake batches release`` plus a run publishes it. Local Spark, the real local lake
folder, the CLI through typer's runner."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from jobs_lake_samples import order, put_batch
from typer.testing import CliRunner

from jozi_lake import batches, project
from jozi_lake.backlog import held_batches_note, unprocessed_bronze_files
from jozi_lake.cli import app
from jozi_lake.config import env_config
from jozi_lake.jobs.lake_io import spark_uri
from jozi_lake.local.backend import LocalBackend
from jozi_lake.storage import store_for_env

pytestmark = [pytest.mark.spark, pytest.mark.slow]

GOOD_1, BAD, GOOD_2 = "20260605T010000Z-aaaaaa", "20260606T010000Z-bbbbbb", "20260606T020000Z-cccccc"
BAD_ID = f"orders/2026-06-06_{BAD}"


def _project(base: Path, severity: str) -> Path:
    """A copy of the project whose orders contract makes a negative total a ``severity`` rule."""
    folder = base / f"project-{severity}"
    source = project.project_dir()
    folder.mkdir()
    shutil.copy2(source / "lake.yaml", folder / "lake.yaml")
    for sub in ("contracts", "sql"):
        shutil.copytree(source / sub, folder / sub)
    path = folder / "contracts" / "silver" / "orders.yaml"
    contract = yaml.safe_load(path.read_text(encoding="utf-8"))
    for rule in contract["rules"]:
        if rule["name"] == "total_not_negative":
            rule["severity"] = severity
    path.write_text(yaml.safe_dump(contract, sort_keys=False), encoding="utf-8")
    return folder


def _order_ids(spark: Any, store: Any) -> list[str]:
    frame = spark.read.parquet(spark_uri(store, "silver/orders/"))
    return sorted(r["order_id"] for r in frame.select("order_id").collect())


@pytest.fixture()
def lake(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    strict = _project(tmp_path, "fail")
    fixed = _project(tmp_path, "quarantine")
    monkeypatch.setenv(project.PROJECT_DIR_ENV_VAR, str(strict))
    monkeypatch.setenv("LAKE_HOME", str(tmp_path / "lake"))
    store = store_for_env(env_config("local"))
    put_batch(store, "2026-06-05", GOOD_1, {"orders": [order(1), order(2)]})
    put_batch(store, "2026-06-06", BAD, {"orders": [order(3, total_zar=-10.0), order(4)]})
    put_batch(store, "2026-06-06", GOOD_2, {"orders": [order(5)]})
    yield {"store": store, "fixed": fixed, "patch": monkeypatch}


def test_a_failing_batch_is_held_the_others_go_on_and_a_fix_plus_release_publishes_it(
    spark: Any, lake: dict[str, Any]
) -> None:
    store = lake["store"]
    runner = CliRunner()
    stopped = runner.invoke(app, ["run-job", "bronze_to_silver", "--tables", "orders"])
    assert stopped.exit_code == 1
    out = " ".join(stopped.output.split())  # the console wraps long lines
    assert "quality gate failed, nothing published (orders: total_not_negative (1 rows))" in out
    assert f"held batch(es) {BAD_ID}" in out
    assert f"lake batches release {BAD_ID}" in out  # the fix names the batch
    assert "contracts/silver/orders.yaml" in out
    assert f"held {BAD_ID}" in out  # the run report's line for the held batch
    assert not any(store.list_keys("silver/orders/"))  # nothing published

    (failed,) = batches.list_batches(store, "orders", "failed")
    assert failed.id == BAD_ID and failed.rules == ["total_not_negative"]
    assert "total_not_negative" in failed.reason and failed.held_by.startswith("bronze_to_silver run ")
    assert all(BAD not in k for k in unprocessed_bronze_files(store, "orders"))

    backend = LocalBackend(env_config("local"), spark=spark)
    backend.run_jobs(["bronze_to_silver"], ["orders"])  # the next run: everything else
    assert _order_ids(spark, store) == ["ORD-000001", "ORD-000002", "ORD-000005"]
    listed = runner.invoke(app, ["batches", "--source", "orders", "--state", "failed"])
    assert BAD_ID in listed.output and "total_not_negative" in listed.output
    # The backlog (lake status, the silver stage's plan) names that state and the listing that shows it.
    assert (
        held_batches_note(store, ["orders"])
        == "1 batch(es) failed the quality gate: lake batches --state failed"
    )

    lake["patch"].setenv(project.PROJECT_DIR_ENV_VAR, str(lake["fixed"]))  # the contract fix
    released = runner.invoke(app, ["batches", "release", BAD_ID])
    assert released.exit_code == 0, released.output
    backend.run_jobs(["bronze_to_silver"], ["orders"])
    assert _order_ids(spark, store) == ["ORD-000001", "ORD-000002", "ORD-000004", "ORD-000005"]
    quarantined = spark.read.parquet(spark_uri(store, "quarantine/orders/"))
    assert [r["quarantine_reason"] for r in quarantined.collect()] == ["total_not_negative"]
    assert [b.state for b in batches.list_batches(store, "orders")] == ["processed"] * 3


def test_on_glue_the_held_batch_is_alerted_on_the_alert_topic(
    spark: Any, lake: dict[str, Any], fake_aws: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The Glue entry of the silver job, as deployed (--alert_topic_arn from Terraform): the batch the
    gate held reaches the alert topic as one SNS message naming the batch, its source, the rule and the
    fix, and the job still fails with the gate's error. moto in-process: a queue subscribed to the topic
    receives what SNS delivered."""
    import json

    import boto3
    from moto import mock_aws

    from jozi_lake.errors import LakeError
    from jozi_lake.jobs import glue_adapter

    class GlueJobStandIn:  # Glue's Job needs the Glue JVM; only its commit() would be used
        def commit(self) -> None: ...

    monkeypatch.setattr(
        glue_adapter, "start_runtime", lambda args, name: glue_adapter.Runtime(spark, GlueJobStandIn())
    )
    store = lake["store"]
    with mock_aws():
        sns, sqs = boto3.client("sns"), boto3.client("sqs")
        topic = sns.create_topic(Name="jozi-pizza-dev-alerts")["TopicArn"]
        queue = sqs.create_queue(QueueName="alerts")["QueueUrl"]
        queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
        sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn)
        argv = ["bronze_to_silver.py", "--lake_root", store.uri(), "--tables", "orders"]
        argv += ["--run_id", "20260606T030000Z-glue00", "--env", "dev", "--alert_topic_arn", topic]
        with pytest.raises(LakeError, match="quality gate failed, nothing published"):
            glue_adapter.run_entry("bronze_to_silver", argv)
        messages = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10)["Messages"]
    assert len(messages) == 1, messages
    body = json.loads(messages[0]["Body"])
    assert body["Subject"] == "[lake dev] batch held: orders"
    first_line, _, document = body["Message"].partition("\n\n")
    assert first_line == (
        f"held batch {BAD_ID} (orders): quality gate: total_not_negative (silver run 20260606T030000Z-glue00 "
        "stopped and published nothing; the next run processes the other batches); fix: fix the contract "
        f"(contracts/silver/orders.yaml) or re-send the source data, then `lake batches release {BAD_ID}` "
        "and run again"
    )
    alert = json.loads(document)
    assert (alert["kind"], alert["env"], alert["source"], alert["item"]) == (
        "batch_held",
        "dev",
        "orders",
        BAD_ID,
    )
    assert alert["detail"]["rules"] == ["total_not_negative"]
    assert alert["detail"]["run_id"] == "20260606T030000Z-glue00"
    (held,) = batches.list_batches(store, "orders", "failed")
    assert held.id == BAD_ID  # the hold the alert speaks of
