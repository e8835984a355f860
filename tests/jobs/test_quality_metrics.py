"""Quality metrics on AWS: the silver job's per-table quarantine rate reaches CloudWatch (moto)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import boto3
import pytest
import yaml
from botocore.stub import Stubber
from moto import mock_aws

from jozi_lake.config import load_config, repo_root
from jozi_lake.jobs import glue_adapter
from jozi_lake.jobs.glue_adapter import Runtime, publish_after_run
from jozi_lake.jobs.metrics import QUARANTINE_RATE, QUARANTINED_ROWS, quality_metric_data
from jozi_lake.jobs.report import JobReport, TableReport

NAMESPACE = load_config().raw["quality_metrics"]["namespace"]


def _report() -> JobReport:
    return JobReport(
        job="bronze_to_silver",
        run_id="r1",
        env="dev",
        started_at="2026-06-01T00:30:00+00:00",
        tables=[
            TableReport(
                "orders", rows_read=200, rows_written=180, rows_quarantined=10, duplicates_removed=10
            ),
            TableReport("menu", rows_read=0),
        ],
    )


def test_one_rate_and_one_count_per_table_that_read_rows() -> None:
    data = quality_metric_data(_report())
    assert [(d["MetricName"], d["Value"]) for d in data] == [
        (QUARANTINE_RATE, 0.05),
        (QUARANTINED_ROWS, 10.0),
    ]
    assert data[0]["Dimensions"] == [
        {"Name": "Environment", "Value": "dev"},
        {"Name": "Table", "Value": "orders"},
    ]


def test_published_to_cloudwatch_under_the_lake_yaml_namespace() -> None:
    with mock_aws():
        client = boto3.client("cloudwatch", region_name="af-south-1")
        publish_after_run(_report(), NAMESPACE, client=client)
        metrics = client.list_metrics(Namespace=NAMESPACE)["Metrics"]
        assert {m["MetricName"] for m in metrics} == {QUARANTINE_RATE, QUARANTINED_ROWS}


def test_a_cloudwatch_failure_warns_but_does_not_fail_the_run(capsys: pytest.CaptureFixture[str]) -> None:
    client = boto3.client(
        "cloudwatch", region_name="af-south-1", aws_access_key_id="x", aws_secret_access_key="x"
    )
    with Stubber(client) as stub:  # a real client answering as AWS does without the permission
        stub.add_client_error("put_metric_data", "AccessDenied", "not authorized to perform PutMetricData")
        publish_after_run(_report(), NAMESPACE, client=client)
    assert "warning: could not publish quality metrics" in capsys.readouterr().err


@pytest.mark.spark
def test_the_job_publishes_to_the_namespace_of_the_lake_yaml_it_ships_with(
    spark: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No --quality_namespace argument: the namespace is read from the project's lake.yaml."""
    project = tmp_path / "project"
    shutil.copytree(repo_root() / "contracts", project / "contracts")
    text = (
        (repo_root() / "lake.yaml").read_text().replace(f"namespace: {NAMESPACE}", "namespace: Other/Quality")
    )
    (project / "lake.yaml").write_text(text)
    monkeypatch.setenv("LAKE_PROJECT_DIR", str(project))

    class GlueJobStandIn:  # Glue's Job needs the Glue JVM; only its commit() is used here
        def commit(self) -> None: ...

    monkeypatch.setattr(glue_adapter, "start_runtime", lambda args, name: Runtime(spark, GlueJobStandIn()))
    sent: list[str] = []
    monkeypatch.setattr(glue_adapter, "publish_after_run", lambda report, namespace: sent.append(namespace))
    lake_root = (tmp_path / "jozi-pizza-dev-lake").as_uri()
    argv = ["b2s.py", "--lake_root", lake_root, "--tables", "all", "--run_id", "r-1", "--env", "dev"]
    glue_adapter.run_entry("bronze_to_silver", argv)
    assert sent == ["Other/Quality"]


def test_terraform_alarms_and_grants_on_the_namespace_the_jobs_read() -> None:
    """The jobs read lake.yaml's namespace from their bundle; Terraform reads the same for alarms and IAM."""
    main_tf = (repo_root() / "modules" / "lake" / "main.tf").read_text()
    assert "quality_namespace = local.lake.quality_metrics.namespace" in main_tf
    assert "quality_namespace         = local.quality_namespace" in main_tf  # monitoring's alarms
    assert "quality_metrics_namespace = local.quality_namespace" in main_tf  # iam's PutMetricData condition
    tf_files = [*(repo_root() / "modules").glob("*/*.tf"), *(repo_root() / "environments").glob("**/*.tf")]
    assert tf_files
    passing = [str(p.relative_to(repo_root())) for p in tf_files if "--quality_namespace" in p.read_text()]
    assert not passing, f"no job argument carries the namespace any more: {passing}"
    for env in ("dev", "prod"):
        assert 'source = "../../modules/lake"' in (repo_root() / "environments" / env / "main.tf").read_text()
    assert (
        yaml.safe_load(Path(repo_root() / "lake.yaml").read_text())["quality_metrics"]["namespace"]
        == NAMESPACE
    )
