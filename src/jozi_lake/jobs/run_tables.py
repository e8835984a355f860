"""The end of every job run: its JSON report, then its rows in the ops tables (Spark, Parquet).

Kept apart from :mod:`jozi_lake.jobs.report`, which the Lambda reads too (the summary step): this part
needs Spark and the contracts (a rule's severity), which only the Glue jobs and local runs have.
"""

from __future__ import annotations

import sys
from datetime import datetime
from typing import TYPE_CHECKING, Any

from jozi_lake import ops_tables
from jozi_lake.backlog import mark_changed
from jozi_lake.errors import LakeError
from jozi_lake.jobs import registry
from jozi_lake.jobs.report import JobReport, write_report
from jozi_lake.layout import is_data_key, lake_layout
from jozi_lake.storage import ObjectStore

if TYPE_CHECKING:
    from pyspark.sql import SparkSession


def finish_run(spark: SparkSession, store: ObjectStore, report: JobReport) -> str:
    """End of every job run: the JSON report (for people and ``lake status``), then the run's rows in
    the ops tables (for SQL and ``lake report``). Returns the JSON report's key.

    The JSON report is written first: if the table rows cannot be written, the run is still described.
    A failed run's own error matters more than a failure to record it, so then the problem is printed
    to the job's log and the job's exception goes on; a succeeded run whose rows cannot be written
    raises, so the gap is seen (its data is published already, so a rerun is safe).
    """
    key = write_report(store, report)
    mark_published(store, report)
    try:
        if write_run_tables(spark, store, report):
            mark_changed(store, "ops", report.run_id)
    except Exception as err:
        if report.status != "failed":
            raise
        print(f"warning: could not write the ops table rows of run {report.run_id}: {err}", file=sys.stderr)
    return key


def mark_published(store: ObjectStore, report: JobReport) -> None:
    """Record which layers this run changed, so their crawl stages have work (:mod:`jozi_lake.backlog`).

    A succeeded run that rewrote partitions changed the layer it writes; quarantined rows changed the
    quarantine area, whose tables live in the silver database. A failed run published nothing.
    """
    if report.status != "succeeded":
        return
    if any(t.partitions_changed or t.rows_written for t in report.tables):
        mark_changed(store, registry.job(report.job).writes, report.run_id)
    if any(t.rows_quarantined for t in report.tables):
        mark_changed(store, "quarantine", report.run_id)
        mark_changed(store, registry.job(report.job).writes, report.run_id)


def _timestamp(value: str) -> datetime | None:
    """A report's ISO time as a naive UTC datetime: Spark writes it as a UTC Parquet timestamp."""
    return ops_tables.as_utc(value).replace(tzinfo=None) if value else None


def _rule_severities(layer: str, table: str) -> dict[str, str]:
    """Severity of each row rule of ``table``: from its contract when the layer's tables have rules.

    Names a contract does not declare are the record errors (unreadable JSON, non-UTF-8 bytes), which
    quarantine the row like a ``quarantine`` rule.
    """
    from jozi_lake.contracts import SILVER, silver_contract

    if layer != SILVER:
        return {}
    return {rule.name: rule.severity for rule in silver_contract(table).rules}


def job_table_rows(report: JobReport) -> list[tuple[Any, ...]]:
    """The ``job_table_runs`` rows of one job run (in ``ops_tables.JOB_TABLE_RUN_COLUMNS`` order)."""
    from jozi_lake.contracts import SILVER

    layer = registry.job(report.job).writes
    started, finished = _timestamp(report.started_at), _timestamp(report.finished_at)
    return [
        (
            report.run_id,
            report.job,
            report.env,
            layer,
            t.table,
            t.status,
            report.status,
            started,
            finished,
            float(report.duration_seconds),
            t.rows_read,
            t.rows_written,
            t.rows_new,
            t.rows_replacing,
            t.rows_quarantined,
            t.duplicates_removed,
            layer == SILVER,  # the silver job accounts for every row it reads; gold rebuilds from silver
            len(t.partitions_changed),
            t.message,
        )
        for t in report.tables
    ]


def job_rule_rows(report: JobReport) -> list[tuple[Any, ...]]:
    """The ``job_rule_runs`` rows of one job run: every rule checked on every table, failed or not
    (a zero is an outcome too: it lets a query compute how often a rule fails)."""
    layer = registry.job(report.job).writes
    started = _timestamp(report.started_at)
    rows = []
    for t in report.tables:
        if not t.rule_failures:
            continue
        severities = _rule_severities(layer, t.table)
        for rule, failed in sorted(t.rule_failures.items()):
            rows.append(
                (
                    report.run_id,
                    report.job,
                    report.env,
                    layer,
                    t.table,
                    rule,
                    severities.get(rule, "quarantine"),
                    int(failed),
                    t.rows_read,
                    report.status,
                    started,
                )
            )
    return rows


def _spark_ddl(columns: tuple[ops_tables.OpsColumn, ...]) -> str:
    return ", ".join(f"`{c.name}` {c.type}" for c in columns)


def write_run_tables(spark: SparkSession, store: ObjectStore, report: JobReport) -> list[str]:
    """Write the run's ``job_table_runs`` and ``job_rule_runs`` files; returns the keys written.

    Spark writes each as one Parquet file into ``ops/_staging/``; the file is then copied to its
    stable key ``ops/<table>/run_date=<day>/<job>_<run>.parquet`` (one object copy: S3 has no
    rename), so a rerun under the same run id replaces its rows, and the staging folder is removed.
    """
    layout = lake_layout()
    day = ops_tables.run_date(report.started_at)
    name = f"{report.job}_{report.run_id}"
    written = []
    for table, columns, rows in (
        (ops_tables.JOB_TABLE_RUNS, ops_tables.JOB_TABLE_RUN_COLUMNS, job_table_rows(report)),
        (ops_tables.JOB_RULE_RUNS, ops_tables.JOB_RULE_RUN_COLUMNS, job_rule_rows(report)),
    ):
        key = layout.ops_file(table, day, f"{name}.parquet")
        if not rows:
            store.delete(key)  # a rerun that now has nothing to say leaves no stale rows behind
            continue
        staging = layout.ops_staging(table, name)
        store.delete_prefix(staging)
        frame = spark.createDataFrame(rows, schema=_spark_ddl(columns))
        frame.coalesce(1).write.mode("overwrite").parquet(
            store.uri(staging)
        )  # hygiene: bounded (two ops tables)
        parts = [k for k in store.list_keys(staging) if k.endswith(".parquet") and is_data_key(k, staging)]
        if len(parts) != 1:
            raise LakeError(f"Spark wrote {len(parts)} Parquet files for {table} under {staging}, expected 1")
        store.put_bytes(key, store.get_bytes(parts[0]), "application/vnd.apache.parquet")
        store.delete_prefix(staging)
        written.append(key)
    return written
