"""Quality metrics on AWS: the silver job's per-table quarantine rate reaches CloudWatch (moto)."""

from __future__ import annotations

from pathlib import Path

import boto3
import pytest
import yaml
from botocore.stub import Stubber
from moto import mock_aws

from jozi_lake.config import load_config, repo_root
from jozi_lake.jobs.glue_adapter import parse_job_args, publish_after_run
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


def test_the_namespace_is_an_optional_job_argument() -> None:
    base = ["script.py", "--lake_root", "s3://b", "--tables", "all", "--run_id", "r", "--env", "dev"]
    assert parse_job_args(base).quality_namespace is None
    assert parse_job_args([*base, "--quality_namespace", NAMESPACE]).quality_namespace == NAMESPACE


def test_terraform_passes_the_same_namespace_to_the_jobs_and_the_alarms() -> None:
    # Every environment is modules/lake with its name; the composition reads the namespace once.
    main_tf = (repo_root() / "modules" / "lake" / "main.tf").read_text()
    assert "local.lake.quality_metrics.namespace" in main_tf
    assert '"--quality_namespace" = local.quality_namespace' in main_tf
    for env in ("dev", "prod"):
        assert 'source = "../../modules/lake"' in (repo_root() / "environments" / env / "main.tf").read_text()
    assert (
        yaml.safe_load(Path(repo_root() / "lake.yaml").read_text())["quality_metrics"]["namespace"]
        == NAMESPACE
    )
