"""Per-run job reports: what each job read, wrote, quarantined and dropped as duplicates, per table.

A report is plain data (``to_dict`` gives JSON-ready dicts) written to the lake next to the data it
describes: ``silver/_reports/`` for bronze_to_silver, ``gold/_reports/`` for silver_to_gold. File names
start with the UTC start time, so the newest sort last on S3 and locally alike (keys from
:mod:`jozi_lake.layout`, the layer from the job registry). ``lake status`` and
the pipeline's quality summary read them back with :func:`latest_reports`; on AWS the Glue job writes
the same files, so both see the same thing.

The jobs end with :func:`finish_run`, which writes that JSON report and the run's rows in the lake's
operational tables (``ops/job_table_runs``, ``ops/job_rule_runs``, :mod:`jozi_lake.ops_tables`), so
quality across runs is a table to query, not a folder of files to read.
"""

from __future__ import annotations

import json
import sys
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from jozi_lake import ops_tables
from jozi_lake.errors import LakeError
from jozi_lake.jobs import registry
from jozi_lake.layout import is_data_key, lake_layout
from jozi_lake.storage import ObjectStore

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

    from jozi_lake.backend import PlatformRun


@dataclass
class TableReport:
    """One table in one job run.

    Silver conserves rows: rows_read = rows_written + rows_quarantined + duplicates_removed.
    """

    table: str
    rows_read: int = 0
    rows_written: int = 0
    rows_new: int = 0
    rows_replacing: int = 0
    rows_quarantined: int = 0
    duplicates_removed: int = 0
    rule_failures: dict[str, int] = field(default_factory=dict)
    partitions_changed: list[str] = field(default_factory=list)
    batches: list[str] = field(default_factory=list)
    status: str = "ok"  # ok | no_new_data | failed
    message: str = ""

    @property
    def conserved(self) -> bool:
        return self.rows_read == self.rows_written + self.rows_quarantined + self.duplicates_removed


@dataclass
class JobReport:
    job: str
    run_id: str
    env: str
    started_at: str
    finished_at: str = ""
    duration_seconds: float = 0.0
    status: str = "running"  # running | succeeded | failed
    error: str = ""
    tables: list[TableReport] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def finish(self, status: str, error: str = "") -> None:
        finished = datetime.now(UTC)
        self.finished_at = finished.isoformat(timespec="seconds")
        self.duration_seconds = round((finished - datetime.fromisoformat(self.started_at)).total_seconds(), 3)
        self.status = status
        self.error = error

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> JobReport:
        tables = [TableReport(**t) for t in raw.get("tables", [])]
        return cls(**{**raw, "tables": tables})


@dataclass
class RunReport:
    """The jobs of one local run, in order (what ``lake run-job`` prints)."""

    run_id: str
    env: str
    jobs: list[JobReport] = field(default_factory=list)
    duration_seconds: float = 0.0
    # AWS: each Glue job run as Glue saw it (capacity, cost, logs); empty locally.
    platform_runs: list[PlatformRun] = field(default_factory=list)

    @property
    def succeeded(self) -> bool:
        return all(j.status == "succeeded" for j in self.jobs)

    def to_dict(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "env": self.env,
            "duration_seconds": self.duration_seconds,
            "jobs": [j.to_dict() for j in self.jobs],
            "platform_runs": [asdict(p) for p in self.platform_runs],
        }


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


def report_key(job: JobReport) -> str:
    stamp = job.started_at.replace(":", "").replace("+0000", "Z")
    return lake_layout().report(registry.job(job.job).writes, stamp, job.job, job.run_id)


def write_report(store: ObjectStore, job: JobReport) -> str:
    key = report_key(job)
    store.put_bytes(key, json.dumps(job.to_dict(), indent=2).encode("utf-8"), "application/json")
    return key


def finish_run(spark: SparkSession, store: ObjectStore, report: JobReport) -> str:
    """End of every job run: the JSON report (for people and ``lake status``), then the run's rows in
    the ops tables (for SQL and ``lake report``). Returns the JSON report's key.

    The JSON report is written first: if the table rows cannot be written, the run is still described.
    A failed run's own error matters more than a failure to record it, so then the problem is printed
    to the job's log and the job's exception goes on; a succeeded run whose rows cannot be written
    raises, so the gap is seen (its data is published already, so a rerun is safe).
    """
    key = write_report(store, report)
    try:
        write_run_tables(spark, store, report)
    except Exception as err:
        if report.status != "failed":
            raise
        print(f"warning: could not write the ops table rows of run {report.run_id}: {err}", file=sys.stderr)
    return key


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
        _delete_prefix(store, staging)
        frame = spark.createDataFrame(rows, schema=_spark_ddl(columns))
        frame.coalesce(1).write.mode("overwrite").parquet(store.uri(staging))
        parts = [k for k in store.list_keys(staging) if k.endswith(".parquet") and is_data_key(k, staging)]
        if len(parts) != 1:
            raise LakeError(f"Spark wrote {len(parts)} Parquet files for {table} under {staging}, expected 1")
        store.put_bytes(key, store.get_bytes(parts[0]), "application/vnd.apache.parquet")
        _delete_prefix(store, staging)
        written.append(key)
    return written


def _delete_prefix(store: ObjectStore, prefix: str) -> None:
    for key in list(store.list_keys(prefix)):
        store.delete(key)


def report_prefixes() -> list[str]:
    """Where every job's run reports are (the ``_reports/`` folder of the layer it writes)."""
    layout = lake_layout()
    return [layout.reports(spec.writes) for spec in registry.jobs().values()]


def latest_reports(store: ObjectStore, n: int = 10) -> list[dict[str, Any]]:
    """The ``n`` newest job reports of either job, newest first, as the JSON dicts stored in the lake."""
    entries: list[tuple[str, str]] = []
    for prefix in report_prefixes():
        for key in store.list_keys(prefix):
            name = key.rsplit("/", 1)[-1]
            if name.endswith(".json") and not name.startswith((".", "_")):
                entries.append((name, key))
    entries.sort(reverse=True)
    return [json.loads(store.get_bytes(key)) for _name, key in entries[:n]]


def find_report(store: ObjectStore, job: str, run_id: str) -> JobReport | None:
    """The report ``job`` wrote for ``run_id`` (newest if it ran twice under that id), or None."""
    prefix = lake_layout().reports(registry.job(job).writes)
    suffix = f"_{job}_{run_id}.json"
    keys = sorted((k for k in store.list_keys(prefix) if k.endswith(suffix)), reverse=True)
    for key in keys:
        try:
            return JobReport.from_dict(json.loads(store.get_bytes(key)))
        except (ValueError, TypeError):
            continue  # a report written by another version of the jobs
    return None


class JobRunFailed(LakeError):
    """A job of a run failed; ``report`` holds this run's job reports, the failed one last."""

    def __init__(self, message: str, hint: str | None, report: RunReport) -> None:
        super().__init__(message, hint)
        self.report = report
