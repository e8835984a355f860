"""The jobs' run figures as tables: ops/job_table_runs and ops/job_rule_runs, written by Spark at the end of
every run (jobs.run_tables.finish_run), crawled into the ops database and answered by the local engine.

One lake for the module: batch 1 through silver and gold (run ``run1``), then a batch that trips the
silver quality gate (run ``gate``), then ``run1`` of the silver job once more, for two tables with
nothing new.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import pytest
from jobs_lake_samples import batch_one, order, put_batch

from jozi_lake.config import env_config
from jozi_lake.jobs import bronze_to_silver as b2s
from jozi_lake.jobs import silver_to_gold as s2g
from jozi_lake.jobs.report import JobReport
from jozi_lake.local.catalog import LocalCatalog
from jozi_lake.local.crawler import crawl
from jozi_lake.local.engine import run_query
from jozi_lake.ops_tables import JOB_RULE_RUN_COLUMNS, JOB_TABLE_RUN_COLUMNS, run_date
from jozi_lake.storage import store_for_env

pytestmark = pytest.mark.spark


def _read(path: Path) -> list[dict[str, Any]]:
    connection = duckdb.connect()
    try:
        cursor = connection.execute(f"SELECT * FROM read_parquet('{path}')")
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    finally:
        connection.close()


@pytest.fixture(scope="module")
def ops_lake(spark: Any, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    home = tmp_path_factory.mktemp("ops") / "lake"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("LAKE_HOME", str(home))
        env = env_config("local")
        store = store_for_env(env)
        bucket = env.local_s3_root / env.bucket
        put_batch(store, "2026-06-06", "r1", batch_one())
        silver = b2s.run_bronze_to_silver(spark, store, run_id="run1", env="local")
        gold = s2g.run_silver_to_gold(spark, store, run_id="run1", env="local")
        day = run_date(silver.started_at)
        first = {
            "tables": _read(bucket / f"ops/job_table_runs/run_date={day}/bronze_to_silver_run1.parquet"),
            "rules": _read(bucket / f"ops/job_rule_runs/run_date={day}/bronze_to_silver_run1.parquet"),
            "gold": _read(bucket / f"ops/job_table_runs/run_date={day}/silver_to_gold_run1.parquet"),
        }
        # 15 of 60 orders unreadable (25%): above the orders gate of 20%, so the run fails.
        bad = [order(i, placed_at="not a date") for i in range(101, 116)] + [
            order(i) for i in range(116, 161)
        ]
        put_batch(store, "2026-06-07", "r2", {"orders": bad})
        with pytest.raises(b2s.QualityGateError):
            b2s.run_bronze_to_silver(spark, store, tables=["orders"], run_id="gate", env="local")
        crawled = crawl(env, ["ops"])
        answers = {
            "by_run": run_query(
                env,
                sql="SELECT run_id, job, job_status, table_name, rows_read, rows_quarantined "
                "FROM ops.job_table_runs WHERE table_name = 'orders' ORDER BY run_id, job",
            ).rows,
            "rules": run_query(
                env,
                sql="SELECT run_id, rule, severity, rows_failed, rows_checked FROM ops.job_rule_runs "
                "WHERE table_name = 'orders' AND rows_failed > 0 ORDER BY run_id, rule",
            ).rows,
        }
        # The gate's batch is still pending, so the rerun leaves orders alone.
        rerun = b2s.run_bronze_to_silver(spark, store, tables=["menu", "drivers"], run_id="run1", env="local")
        yield {
            "env": env,
            "bucket": bucket,
            "day": day,
            "silver": silver,
            "gold": gold,
            "first": first,
            "crawled": crawled,
            "catalog": LocalCatalog.for_env(env),
            "answers": answers,
            "rerun": rerun,
        }


def _report_table(report: JobReport, table: str) -> Any:
    return next(t for t in report.tables if t.table == table)


def test_every_table_of_a_run_is_a_row_with_the_reports_figures(ops_lake: dict[str, Any]) -> None:
    silver: JobReport = ops_lake["silver"]
    rows = {r["table_name"]: r for r in ops_lake["first"]["tables"]}
    assert set(rows) == {t.table for t in silver.tables}
    for t in silver.tables:
        row = rows[t.table]
        assert (
            row["rows_read"],
            row["rows_written"],
            row["rows_quarantined"],
            row["duplicates_removed"],
        ) == (
            t.rows_read,
            t.rows_written,
            t.rows_quarantined,
            t.duplicates_removed,
        ), t.table
        assert row["run_id"] == "run1" and row["job"] == "bronze_to_silver" and row["layer"] == "silver"
        assert row["job_status"] == "succeeded" and row["conservation_checked"] is True
        assert row["partitions_changed"] == len(t.partitions_changed)
    orders = rows["orders"]
    assert (orders["rows_read"], orders["rows_written"], orders["rows_quarantined"]) == (23, 18, 4)
    assert orders["finished_at"] >= orders["started_at"]
    gold = {r["table_name"]: r for r in ops_lake["first"]["gold"]}
    assert set(gold) == {t.table for t in ops_lake["gold"].tables}
    assert (
        gold["fact_deliveries"]["rows_written"]
        == _report_table(ops_lake["gold"], "fact_deliveries").rows_written
    )
    assert not any(r["conservation_checked"] for r in gold.values())


def test_every_rule_checked_is_a_row_with_its_contract_severity(ops_lake: dict[str, Any]) -> None:
    rules = {(r["table_name"], r["rule"]): r for r in ops_lake["first"]["rules"]}
    silver: JobReport = ops_lake["silver"]
    expected = {(t.table, rule): n for t in silver.tables for rule, n in t.rule_failures.items()}
    assert {key: r["rows_failed"] for key, r in rules.items()} == expected
    assert rules[("orders", "placed_at_parseable")]["severity"] == "quarantine"
    assert rules[("orders", "channel_known")]["severity"] == "warn"
    assert rules[("orders", "corrupt_record")]["severity"] == "quarantine"  # a record error, not a rule
    assert rules[("complaints", "non_utf8")]["rows_failed"] == 1
    assert rules[("orders", "placed_at_parseable")]["rows_checked"] == 23


def test_files_have_the_catalogued_types_and_nothing_is_left_in_staging(ops_lake: dict[str, Any]) -> None:
    catalog = ops_lake["catalog"]
    for table, columns in (
        ("job_table_runs", JOB_TABLE_RUN_COLUMNS),
        ("job_rule_runs", JOB_RULE_RUN_COLUMNS),
    ):
        definition = catalog.get_table("jozi_pizza_local_ops", table)
        assert [(c.name, c.type) for c in definition.columns] == [(c.name, c.type) for c in columns]
        assert [k.name for k in definition.partition_keys] == ["run_date"]
    assert not ops_lake["crawled"].conflicts
    assert not list((ops_lake["bucket"] / "ops" / "_staging").rglob("*.parquet"))


def test_a_failed_run_is_recorded_with_its_rule_outcomes(ops_lake: dict[str, Any]) -> None:
    by_run = ops_lake["answers"]["by_run"]
    assert ("gate", "bronze_to_silver", "failed", "orders", 60, 15) in by_run
    assert ("run1", "bronze_to_silver", "succeeded", "orders", 23, 4) in by_run
    rules = ops_lake["answers"]["rules"]
    assert ("gate", "placed_at_parseable", "quarantine", 15, 60) in rules
    assert ("run1", "placed_at_parseable", "quarantine", 1, 23) in rules


def test_a_rerun_under_the_same_run_id_replaces_its_rows(ops_lake: dict[str, Any]) -> None:
    folder = ops_lake["bucket"] / "ops"
    day = ops_lake["day"]
    rows = _read(folder / f"job_table_runs/run_date={day}/bronze_to_silver_run1.parquet")
    assert {r["table_status"] for r in rows} == {"no_new_data"}
    assert len(rows) == len(ops_lake["rerun"].tables)
    # Nothing was read, so no rule was checked: the earlier run1 rule rows are gone, not kept beside.
    assert not (folder / f"job_rule_runs/run_date={day}/bronze_to_silver_run1.parquet").exists()
