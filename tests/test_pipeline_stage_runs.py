"""Pipeline stage timings as a table: ops/pipeline_stage_runs, written as JSON lines by the one writer the
local pipeline calls and the lake Lambda (no Spark) calls when an execution ends, crawled and queried."""

from __future__ import annotations

import json
from pathlib import Path

from jozi_lake.backlog import changed_at
from jozi_lake.config import env_config, repo_root
from jozi_lake.layout import OPS, lake_layout
from jozi_lake.local.catalog import LocalCatalog
from jozi_lake.local.crawler import crawl
from jozi_lake.local.engine import run_query
from jozi_lake.ops_tables import (
    PIPELINE_STAGE_RUN_COLUMNS,
    StageTiming,
    run_date,
    sql_timestamp,
    write_pipeline_run,
)
from jozi_lake.storage import store_for_env
from jozi_lake.tooling.bundle import LAMBDA, reachable_modules

STAGES = [
    StageTiming("ingest", "ingest", "SUCCEEDED", "2026-06-02T00:30:01.250000+00:00", 4.5, "240 new rows"),
    StageTiming("crawl_bronze", "crawl", "SUCCEEDED", "2026-06-02T00:30:05.750000+00:00", 2, "9 tables"),
    StageTiming("bronze_to_silver", "job", "FAILED", "2026-06-02T00:30:07.750000+00:00", 61.25, "gate"),
    StageTiming("crawl_silver", "crawl", "SKIPPED", "", 0, "no new data"),
]


def _write(store: object, run_id: str, stages: list[StageTiming], started: str) -> str:
    return write_pipeline_run(
        store,  # type: ignore[arg-type]
        run_id=run_id,
        env="local",
        status="FAILED",
        started_at=started,
        finished_at="2026-06-02T02:31:09+02:00",
        stages=stages,
    )


def test_one_json_line_per_stage_under_the_run_date(lake_home: Path) -> None:
    store = store_for_env(env_config("local"))
    key = _write(store, "20260602T003000Z-abc123", STAGES, "2026-06-02T00:30:00+00:00")
    assert key == "ops/pipeline_stage_runs/run_date=2026-06-02/20260602T003000Z-abc123.json"
    rows = [json.loads(line) for line in store.get_bytes(key).splitlines()]
    assert [r["stage"] for r in rows] == ["ingest", "crawl_bronze", "bronze_to_silver", "crawl_silver"]
    assert [list(r) for r in rows] == [[c.name for c in PIPELINE_STAGE_RUN_COLUMNS]] * 4
    assert [r["stage_order"] for r in rows] == [1, 2, 3, 4]
    assert rows[1]["duration_seconds"] == 2.0 and isinstance(rows[3]["duration_seconds"], float)
    assert rows[0]["started_at"] == "2026-06-02 00:30:01.250"
    assert rows[0]["pipeline_finished_at"] == "2026-06-02 00:31:09.000"  # +02:00 converted to UTC
    assert rows[3]["started_at"] == ""


def test_writing_a_run_again_replaces_its_rows(lake_home: Path) -> None:
    store = store_for_env(env_config("local"))
    first = _write(store, "run-a", STAGES, "2026-06-02T00:30:00+00:00")
    second = _write(store, "run-a", STAGES[:1], "2026-06-02T00:30:00+00:00")
    assert first == second
    assert len(store.get_bytes(first).splitlines()) == 1
    assert _write(store, "run-empty", [], "2026-06-02T00:30:00+00:00")
    assert not store.exists(lake_layout().ops_file("pipeline_stage_runs", "2026-06-02", "run-empty.json"))


def test_run_date_is_the_utc_day() -> None:
    assert run_date("2026-06-02T01:30:00+02:00") == "2026-06-01"
    assert run_date("2026-06-02T01:30:00") == "2026-06-02"
    assert sql_timestamp(None) == "" and sql_timestamp("2026-06-02T01:30:00.123456+00:00").endswith(".123")


def test_the_table_crawls_with_its_declared_types_and_answers_athena_sql(lake_home: Path) -> None:
    env = env_config("local")
    store = store_for_env(env)
    _write(store, "run-1", STAGES, "2026-06-01T23:59:00+00:00")
    _write(store, "run-2", STAGES[:2], "2026-06-02T00:30:00+00:00")
    result = crawl(env, ["ops"])
    assert not result.conflicts and not result.warnings
    table = LocalCatalog.for_env(env).get_table("jozi_pizza_local_ops", "pipeline_stage_runs")
    assert [(c.name, c.type) for c in table.columns] == [(c.name, c.type) for c in PIPELINE_STAGE_RUN_COLUMNS]
    assert [k.name for k in table.partition_keys] == ["run_date"]
    answer = run_query(
        env,
        sql="SELECT run_date, stage, duration_seconds, CAST(started_at AS timestamp) AS started "
        "FROM ops.pipeline_stage_runs WHERE status <> 'SKIPPED' AND run_date = '2026-06-01' "
        "ORDER BY stage_order",
    )
    assert [(r[0], r[1], r[2]) for r in answer.rows] == [
        ("2026-06-01", "ingest", 4.5),
        ("2026-06-01", "crawl_bronze", 2.0),
        ("2026-06-01", "bronze_to_silver", 61.25),
    ]
    assert answer.rows[0][3].isoformat() == "2026-06-02T00:30:01.250000"
    assert answer.files_read == 1  # the run_date filter pruned the other partition


def test_a_days_first_run_marks_ops_changed_so_the_next_plan_crawls_the_new_partition(
    lake_home: Path,
) -> None:
    store = store_for_env(env_config("local"))
    assert changed_at(store, OPS) is None
    _write(store, "run-1", STAGES, "2026-06-02T00:30:00+00:00")
    first_mark = changed_at(store, OPS)
    assert first_mark is not None
    _write(store, "run-1", STAGES, "2026-06-02T00:30:00+00:00")  # the same run again
    _write(store, "run-2", STAGES, "2026-06-02T12:30:00+00:00")  # a later run in a catalogued partition
    assert changed_at(store, OPS) == first_mark
    _write(store, "run-3", STAGES, "2026-06-03T00:30:00+00:00")  # the next day: a new partition
    later_mark = changed_at(store, OPS)
    assert later_mark is not None and later_mark > first_mark


def test_the_lambda_can_import_the_writer(tmp_path: Path) -> None:
    """record_run runs in the lake Lambda: the writer and the history fold must reach nothing the zip
    cannot carry (no Spark, no PyYAML, nothing tooling-only, neither backend), or the bundler refuses it."""
    src = repo_root() / "src"
    probe = tmp_path / "summary_probe.py"
    probe.write_text("from jozi_lake.ops_tables import write_pipeline_run\n", encoding="utf-8")
    reached, shipped = reachable_modules([probe], src, LAMBDA)
    assert "jozi_lake.ops_tables" in reached and "jozi_lake.layout" in reached
    assert shipped == set()
    fold = tmp_path / "record_probe.py"
    fold.write_text("from jozi_lake.execution_history import record_execution\n", encoding="utf-8")
    reached, _ = reachable_modules([fold], src, LAMBDA)
    assert "jozi_lake.execution_history" in reached and "jozi_lake.backend" in reached
    assert not {"jozi_lake.aws.backend", "jozi_lake.local.backend"} & set(reached)
