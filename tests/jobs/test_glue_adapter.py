"""Glue entry: Glue's own getResolvedOptions parses lake.yaml's job arguments; the runtime is explicit."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import pytest

from jozi_lake.config import load_config
from jozi_lake.contracts import layer_tables, tables_for_job
from jozi_lake.errors import LakeError
from jozi_lake.jobs import glue_adapter, registry
from jozi_lake.jobs.registry import resolve_jobs
from jozi_lake.jobs.report import latest_reports
from jozi_lake.storage import LocalObjectStore

REPO = Path(__file__).resolve().parents[2]


def _argv(**values: str) -> list[str]:
    argv = ["bronze_to_silver.py"]
    for name, value in values.items():
        argv += [f"--{name}", value]
    return argv


def test_arguments_parse_with_glues_own_parser() -> None:
    argv = _argv(lake_root="s3://jozi-pizza-dev-lake", tables="orders, menu", run_id="r-1", env="dev")
    # Glue adds its own arguments; they must not disturb ours.
    argv += ["--JOB_NAME", "jozi-pizza-dev-bronze_to_silver", "--job-bookmark-option", "job-bookmark-disable"]
    args = glue_adapter.parse_job_args(argv)
    assert args == glue_adapter.JobArgs(
        lake_root="s3://jozi-pizza-dev-lake",
        tables=["orders", "menu"],
        run_id="r-1",
        env="dev",
        job_name="jozi-pizza-dev-bronze_to_silver",
    )
    everything = glue_adapter.parse_job_args(
        _argv(lake_root="s3://b", tables="all", run_id="auto", env="dev")
    )
    assert (everything.tables, everything.run_id, everything.job_name) == (None, None, None)


def test_a_missing_argument_is_a_one_line_error() -> None:
    with pytest.raises(LakeError, match="job arguments") as info:
        glue_adapter.parse_job_args(_argv(lake_root="s3://b", tables="all", env="dev"))
    assert "--run_id" in (info.value.hint or "")


@pytest.mark.spark
def test_glue_runtime_outside_glue_is_a_clear_error(spark: Any) -> None:
    args = glue_adapter.JobArgs(lake_root="s3://b", tables=None, run_id=None, env="dev")
    with pytest.raises(LakeError, match="runs on AWS Glue"):
        glue_adapter.start_runtime(args, "bronze_to_silver")


@pytest.mark.spark
def test_local_entry_runs_the_job_against_the_lake_root(spark: Any, tmp_path: Path) -> None:
    store = LocalObjectStore(tmp_path, "jozi-pizza-local-lake")
    argv = _argv(
        lake_root=(tmp_path / "jozi-pizza-local-lake").as_uri(), tables="", run_id="entry", env="local"
    )
    report = glue_adapter.run_entry("bronze_to_silver", argv)
    assert report.status == "succeeded"
    assert {t.status for t in report.tables} == {"no_new_data"}
    assert latest_reports(store, 1)[0]["run_id"] == "entry"


def test_glue_scripts_are_thin() -> None:
    for job in load_config().jobs.values():
        source = (REPO / job["script"]).read_text()
        tree = ast.parse(source)
        imports = [n for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
        assert [i.module for i in imports] == ["jozi_lake.jobs.glue_adapter"]
        assert len(source.splitlines()) < 20


def test_the_registry_runs_exactly_the_jobs_of_lake_yaml() -> None:
    assert set(registry.RUN_FUNCTIONS) == set(load_config().jobs)
    for spec in registry.jobs().values():
        assert callable(spec.run_function())
        assert layer_tables(spec.writes), f"{spec.name} writes {spec.writes}, which has no contracts"


def test_job_and_table_selection() -> None:
    assert resolve_jobs(["all"]) == ["bronze_to_silver", "silver_to_gold"]
    assert resolve_jobs(["silver_to_gold"]) == ["silver_to_gold"]
    with pytest.raises(LakeError, match="unknown job"):
        resolve_jobs(["bronze_to_gold"])
    assert tables_for_job("bronze_to_silver", ["orders", "fact_deliveries"]) == ["orders"]
    assert tables_for_job("silver_to_gold", ["orders", "fact_deliveries"]) == ["fact_deliveries"]
    assert tables_for_job("silver_to_gold", None) is None
    with pytest.raises(LakeError, match="unknown table"):
        tables_for_job("bronze_to_silver", ["oders"])


def test_the_alert_topic_is_an_optional_argument_deployed_jobs_have() -> None:
    topic = "arn:aws:sns:af-south-1:123456789012:jozi-pizza-dev-alerts"
    argv = _argv(lake_root="s3://b", tables="all", run_id="r-1", env="dev", alert_topic_arn=topic)
    assert glue_adapter.parse_job_args(argv).alert_topic_arn == topic
    local = glue_adapter.parse_job_args(_argv(lake_root="file:///x/b", tables="all", run_id="r", env="local"))
    assert local.alert_topic_arn is None
    assert glue_adapter.ALERT_TOPIC_ARN in load_config().optional_job_arguments


def test_a_failed_publish_of_an_alert_is_a_warning_and_no_topic_means_log_lines(
    capsys: pytest.CaptureFixture[str],
) -> None:
    import boto3
    from botocore.stub import Stubber

    from jozi_lake import notify

    error = LakeError("quality gate failed")
    error.alerts = [notify.held_batch_alert("dev", "orders", "orders/2026-06-06_r", "quality gate: x", "fix")]  # type: ignore[attr-defined]
    assert glue_adapter.alert_after_failure(LakeError("no alerts here"), "arn:aws:sns:x") == 0
    assert glue_adapter.alert_after_failure(error, None) == 1
    assert "held batch orders/2026-06-06_r (orders): quality gate: x; fix: fix" in capsys.readouterr().err
    client = boto3.client("sns", region_name="af-south-1", aws_access_key_id="x", aws_secret_access_key="x")
    with Stubber(client) as stub:  # a real client answering as AWS does without the permission
        stub.add_client_error("publish", "AuthorizationError", "not authorized to perform SNS:Publish")
        assert glue_adapter.alert_after_failure(error, "arn:aws:sns:af-south-1:1:t", client=client) == 0
    assert "warning: could not publish 1 alert(s) to arn:aws:sns:af-south-1:1:t" in capsys.readouterr().err
