"""Hand-made ops tables (job runs, rule outcomes, pipeline stage timings) for the query tests.

The runs are dated relative to today (UTC), because the queries over these tables ask about "the last
90 days" and "this month"; the job tables are Parquet with exactly the declared column types (as Spark
writes them), the stage timings come from the real JSON-lines writer.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import duckdb
from gold_lake_samples import BUCKET_DIR

from jozi_lake.ops_tables import (
    JOB_RULE_RUN_COLUMNS,
    JOB_TABLE_RUN_COLUMNS,
    OpsColumn,
    StageTiming,
    write_pipeline_run,
)
from jozi_lake.storage import LocalObjectStore

NOW = dt.datetime.now(dt.UTC).replace(microsecond=0)
TODAY = NOW.date()
FIRST_OF_MONTH = TODAY.replace(day=1)


def days_ago(n: int) -> dt.date:
    return TODAY - dt.timedelta(days=n)


# run id, job, job status, run date, (table, read, written, quarantined, duplicates) per table
JOB_RUNS: list[tuple[str, str, str, dt.date, list[tuple[str, int, int, int, int]]]] = [
    ("r-old", "bronze_to_silver", "succeeded", days_ago(100), [("orders", 100, 50, 50, 0)]),
    ("r-edge-out", "bronze_to_silver", "succeeded", days_ago(90), [("orders", 10, 0, 10, 0)]),
    ("r-edge-in", "bronze_to_silver", "succeeded", days_ago(89), [("orders", 40, 37, 2, 0)]),  # 1 lost
    (
        "r-1",
        "bronze_to_silver",
        "succeeded",
        days_ago(1),
        [("orders", 200, 190, 3, 7), ("menu", 15, 15, 0, 0)],
    ),
    ("r-1", "silver_to_gold", "succeeded", days_ago(1), [("fact_deliveries", 0, 180, 0, 0)]),
    ("r-2", "bronze_to_silver", "succeeded", TODAY, [("orders", 100, 99, 1, 0), ("menu", 0, 0, 0, 0)]),
    ("r-gate", "bronze_to_silver", "failed", TODAY, [("orders", 60, 45, 15, 0)]),
]
# run id, job status, run date, table, rule, severity, rows failed, rows checked
RULE_RUNS: list[tuple[str, str, dt.date, str, str, str, int, int]] = [
    ("r-2", "succeeded", TODAY, "orders", "placed_at_parseable", "quarantine", 1, 100),
    ("r-2", "succeeded", TODAY, "orders", "channel_known", "warn", 4, 100),
    ("r-2", "succeeded", TODAY, "orders", "status_known", "quarantine", 0, 100),
    ("r-2", "succeeded", TODAY, "complaints", "non_utf8", "quarantine", 2, 30),
    ("r-gate", "failed", TODAY, "orders", "placed_at_parseable", "quarantine", 15, 60),
    # last month: the most failures of all, but not this month's
    (
        "r-prev",
        "succeeded",
        FIRST_OF_MONTH - dt.timedelta(days=1),
        "orders",
        "channel_known",
        "warn",
        500,
        1000,
    ),
]
# finished (hours before NOW) of the succeeded runs of r-1 (silver, gold) and r-2 (silver), for freshness
FINISHED_HOURS_AGO = {("r-1", "bronze_to_silver"): 30.0, ("r-1", "silver_to_gold"): 29.5}
FINISHED_HOURS_AGO |= {("r-2", "bronze_to_silver"): 2.0, ("r-gate", "bronze_to_silver"): 1.0}

_DUCKDB_TYPES = {
    "string": "VARCHAR",
    "bigint": "BIGINT",
    "double": "DOUBLE",
    "boolean": "BOOLEAN",
    "timestamp": "TIMESTAMPTZ",
}


def _finished(run_id: str, job: str, day: dt.date) -> dt.datetime:
    hours = FINISHED_HOURS_AGO.get((run_id, job))
    if hours is not None:
        return NOW - dt.timedelta(hours=hours)
    return dt.datetime.combine(day, dt.time(1, 0), tzinfo=dt.UTC)


def job_table_rows() -> list[dict[str, Any]]:
    rows = []
    for run_id, job, status, day, tables in JOB_RUNS:
        finished = _finished(run_id, job, day)
        for table, read, written, quarantined, duplicates in tables:
            rows.append(
                {
                    "run_id": run_id,
                    "job": job,
                    "env": "local",
                    "layer": "silver" if job == "bronze_to_silver" else "gold",
                    "table_name": table,
                    "table_status": "ok" if read or written else "no_new_data",
                    "job_status": status,
                    "started_at": finished - dt.timedelta(minutes=1),
                    "finished_at": finished,
                    "duration_seconds": 60.0,
                    "rows_read": read,
                    "rows_written": written,
                    "rows_new": written,
                    "rows_replacing": 0,
                    "rows_quarantined": quarantined,
                    "duplicates_removed": duplicates,
                    "conservation_checked": job == "bronze_to_silver",
                    "partitions_changed": 1,
                    "message": "",
                    "run_date": day.isoformat(),
                }
            )
    return rows


def job_rule_rows() -> list[dict[str, Any]]:
    return [
        {
            "run_id": run_id,
            "job": "bronze_to_silver",
            "env": "local",
            "layer": "silver",
            "table_name": table,
            "rule": rule,
            "severity": severity,
            "rows_failed": failed,
            "rows_checked": checked,
            "job_status": status,
            "started_at": dt.datetime.combine(day, dt.time(0, 30), tzinfo=dt.UTC),
            "run_date": day.isoformat(),
        }
        for run_id, status, day, table, rule, severity, failed, checked in RULE_RUNS
    ]


def write_ops_table(lake_home: Path, table: str, columns: tuple[OpsColumn, ...], rows: list[dict]) -> None:
    """Rows as Parquet under ``ops/<table>/run_date=<day>/`` with exactly the declared column types."""
    target = lake_home / BUCKET_DIR / "ops" / table
    target.parent.mkdir(parents=True, exist_ok=True)
    connection = duckdb.connect()
    try:
        connection.execute("SET TimeZone = 'UTC'")
        ddl = ", ".join(f'"{c.name}" {_DUCKDB_TYPES[c.type]}' for c in columns)
        connection.execute(f"CREATE TABLE t ({ddl}, run_date VARCHAR)")
        names = [c.name for c in columns] + ["run_date"]
        placeholders = ", ".join("?" for _ in names)
        connection.executemany(
            f"INSERT INTO t VALUES ({placeholders})", [[r[n] for n in names] for r in rows]
        )
        connection.execute(
            f"COPY t TO '{target}' (FORMAT parquet, PARTITION_BY (run_date), OVERWRITE_OR_IGNORE)"
        )
    finally:
        connection.close()


# run id, started (hours before NOW), status, [(stage, kind, status, seconds)]
PIPELINE_RUNS: list[tuple[str, float, str, list[tuple[str, str, str, float]]]] = [
    ("p-old", 24 * 120.0, "SUCCEEDED", [("ingest", "ingest", "SUCCEEDED", 9.0)]),
    (
        "p-1",
        30.0,
        "SUCCEEDED",
        [("ingest", "ingest", "SUCCEEDED", 4.5), ("bronze_to_silver", "job", "SUCCEEDED", 80.0)],
    ),
    (
        "p-2",
        2.0,
        "FAILED",
        [
            ("ingest", "ingest", "SUCCEEDED", 3.0),
            ("bronze_to_silver", "job", "FAILED", 20.0),
            ("crawl_silver", "crawl", "SKIPPED", 0.0),
        ],
    ),
]


def build_ops(lake_home: Path) -> None:
    write_ops_table(lake_home, "job_table_runs", JOB_TABLE_RUN_COLUMNS, job_table_rows())
    write_ops_table(lake_home, "job_rule_runs", JOB_RULE_RUN_COLUMNS, job_rule_rows())
    store = LocalObjectStore(lake_home / "s3", BUCKET_DIR.name)
    for run_id, hours_ago, status, stages in PIPELINE_RUNS:
        started = NOW - dt.timedelta(hours=hours_ago)
        timings, at = [], started
        for stage, kind, stage_status, seconds in stages:
            began = "" if stage_status == "SKIPPED" else at.isoformat()
            timings.append(StageTiming(stage, kind, stage_status, began, seconds, ""))
            at += dt.timedelta(seconds=seconds)
        write_pipeline_run(
            store,
            run_id=run_id,
            env="local",
            status=status,
            started_at=started.isoformat(),
            finished_at=at.isoformat(),
            stages=timings,
        )
