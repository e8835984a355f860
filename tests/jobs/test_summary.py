"""The summary stage: one function, called in-process locally and by the Lambda on AWS (moto)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from jozi_lake.config import repo_root
from jozi_lake.jobs.report import JobReport, TableReport, write_report
from jozi_lake.jobs.summary import summarise_run, summary_line
from jozi_lake.storage import LocalObjectStore, S3ObjectStore


def _reports(store: object, run_id: str) -> None:
    silver = JobReport(
        job="bronze_to_silver", run_id=run_id, env="dev", started_at="2026-06-01T00:30:00+00:00"
    )
    silver.tables = [
        TableReport("orders", rows_read=200, rows_written=180, rows_quarantined=10, duplicates_removed=10),
        TableReport("menu", rows_read=20, rows_written=20),
        TableReport("drivers", status="no_new_data"),
    ]
    silver.finish("succeeded")
    gold = JobReport(job="silver_to_gold", run_id=run_id, env="dev", started_at="2026-06-01T00:40:00+00:00")
    gold.tables = [TableReport("fact_deliveries", rows_written=170)]
    gold.finish("succeeded")
    other = JobReport(
        job="bronze_to_silver", run_id="another", env="dev", started_at="2026-06-02T00:30:00+00:00"
    )
    other.tables = [TableReport("orders", rows_read=7, rows_written=1)]  # unbalanced, and not this run
    for report in (silver, gold, other):
        write_report(store, report)  # type: ignore[arg-type]


def test_the_summary_reads_this_runs_reports_from_the_lake(tmp_path: Path) -> None:
    store = LocalObjectStore(tmp_path, "lake")
    _reports(store, "r-1")
    summary = summarise_run(store, "r-1")
    assert summary["balanced"] == ["menu", "orders"] and summary["unbalanced"] == []
    assert (summary["rows_read"], summary["rows_quarantined"]) == (220, 10)
    assert summary["jobs"]["silver_to_gold"]["rows_written"] == 170
    assert summary_line(summary) == "2 tables balanced (4.5% quarantined)"
    assert summarise_run(store, "another")["unbalanced"] == ["orders"]
    assert summarise_run(store, "never")["jobs"]["bronze_to_silver"] == {"status": "not_run"}


@pytest.fixture()
def handler(monkeypatch: pytest.MonkeyPatch) -> object:
    spec = importlib.util.spec_from_file_location(
        "ingest_handler", repo_root() / "lambda" / "ingest_handler.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "ingest_handler", module)
    spec.loader.exec_module(module)
    return module


def test_the_lambda_summarise_action_returns_the_same_summary(
    handler: object, fake_aws: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LAKE_BUCKET", "jozi-pizza-dev-lake")
    monkeypatch.setenv("LAKE_ENV", "dev")
    with mock_aws():
        s3 = boto3.client("s3")
        s3.create_bucket(
            Bucket="jozi-pizza-dev-lake", CreateBucketConfiguration={"LocationConstraint": fake_aws}
        )
        store = S3ObjectStore("jozi-pizza-dev-lake", client=s3)
        _reports(store, "exec-1")
        result = handler.handler({"action": "summarise", "run_id": "exec-1", "env": "dev"})  # type: ignore[attr-defined]
        assert result == summarise_run(store, "exec-1")
        unknown = handler.handler({"action": "rebuild", "run_id": "r"})  # type: ignore[attr-defined]
        assert unknown["status"] == "FAILED" and "unknown action 'rebuild'" in unknown["error"]
