"""The lake's own operational tables: what every job run and pipeline run did, queryable with Athena SQL.

The JSON run reports (``silver/_reports/``) are for a person reading one run. These tables are for the
questions across runs ("quarantine share of orders per day over the last 90 days", "which rule fails
most this month", "how long does each stage take"), asked in SQL like any other table, locally on
DuckDB and on AWS in Athena, and read by ``lake report``. They live under the ``ops/`` prefix
(:mod:`jozi_lake.layout`), partitioned by ``run_date`` (the UTC day the run started), and are crawled
into the database ``{project}_{env}_ops``; SQL names them ``ops.<table>``.

* ``job_table_runs``: one row per job run and table (rows read, written, quarantined, duplicates).
* ``job_rule_runs``: one row per job run, table and row rule (severity, rows that broke it).
* ``pipeline_stage_runs``: one row per pipeline run and stage (status, start, seconds).

The two job tables are Parquet written by Spark at the end of each job (``jobs.run_tables.finish_run``).
Pipeline stage timings are written by :func:`write_pipeline_run`, which the local pipeline calls at the
end of a run and, on AWS, the lake Lambda's ``record_run`` action when an execution ends
(:func:`jozi_lake.execution_history.record_execution`; the Lambda has no Spark and no Parquet library): so
that table is JSON lines, which the Lambda can write with the standard library and which Athena (JSON
SerDe), the Glue crawler and the local engine all read. Each run writes one file per table
under a stable name (``<job>_<run>.parquet``, ``<run>.json``), so a rerun replaces its rows instead of
adding a second copy.

Standard library only (plus the object store): the Lambda imports this module.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from jozi_lake.layout import OPS, lake_layout
from jozi_lake.storage import ObjectStore

if TYPE_CHECKING:
    from jozi_lake.backend import StageResult

JOB_TABLE_RUNS = "job_table_runs"
JOB_RULE_RUNS = "job_rule_runs"
PIPELINE_STAGE_RUNS = "pipeline_stage_runs"
PARTITION_COLUMN = "run_date"


@dataclass(frozen=True)
class OpsColumn:
    """One column of an ops table: its name, Hive type (as the crawler catalogues it) and meaning."""

    name: str
    type: str
    description: str


# Column order is the file's column order. Timestamps of the job tables are Parquet timestamps (UTC);
# the JSON table carries them as 'YYYY-MM-DD HH:MM:SS.fff' UTC strings (what a crawler types as string
# and CAST(... AS timestamp) reads on both engines).
JOB_TABLE_RUN_COLUMNS: tuple[OpsColumn, ...] = (
    OpsColumn("run_id", "string", "The run id (one per pipeline run; shared by its jobs)."),
    OpsColumn("job", "string", "The job (lake.yaml jobs)."),
    OpsColumn("env", "string", "The environment the job ran in."),
    OpsColumn("layer", "string", "The layer the job writes (its tables are that layer's contracts)."),
    OpsColumn("table_name", "string", "The table."),
    OpsColumn("table_status", "string", "ok | no_new_data | failed, for this table."),
    OpsColumn("job_status", "string", "succeeded | failed, for the whole job run."),
    OpsColumn("started_at", "timestamp", "When the job run started (UTC)."),
    OpsColumn("finished_at", "timestamp", "When the job run finished (UTC)."),
    OpsColumn("duration_seconds", "double", "Wall-clock seconds of the job run."),
    OpsColumn("rows_read", "bigint", "Input rows (silver: new bronze rows; gold: 0, it rebuilds)."),
    OpsColumn("rows_written", "bigint", "Rows written to the table."),
    OpsColumn("rows_new", "bigint", "Written rows with a key the table did not hold."),
    OpsColumn("rows_replacing", "bigint", "Written rows replacing an older version of their key."),
    OpsColumn("rows_quarantined", "bigint", "Rows rejected into quarantine/ (with reasons)."),
    OpsColumn("duplicates_removed", "bigint", "Rows dropped as duplicates or superseded versions."),
    OpsColumn(
        "conservation_checked",
        "boolean",
        "True where the job accounts for every row read: read = written + quarantined + duplicates.",
    ),
    OpsColumn("partitions_changed", "bigint", "Partitions of the table this run rewrote or removed."),
    OpsColumn("message", "string", "Why a table failed (its fail rules), else empty."),
)

JOB_RULE_RUN_COLUMNS: tuple[OpsColumn, ...] = (
    OpsColumn("run_id", "string", "The run id."),
    OpsColumn("job", "string", "The job."),
    OpsColumn("env", "string", "The environment."),
    OpsColumn("layer", "string", "The layer the job writes."),
    OpsColumn("table_name", "string", "The table whose rows the rule checks."),
    OpsColumn("rule", "string", "The rule (contract rule name, or a record error such as corrupt_record)."),
    OpsColumn("severity", "string", "quarantine | warn | fail (what breaking it does to the row or run)."),
    OpsColumn("rows_failed", "bigint", "Rows of this run that broke the rule."),
    OpsColumn("rows_checked", "bigint", "Rows of this run the rule was checked on (the table's rows read)."),
    OpsColumn("job_status", "string", "succeeded | failed, for the whole job run."),
    OpsColumn("started_at", "timestamp", "When the job run started (UTC)."),
)

PIPELINE_STAGE_RUN_COLUMNS: tuple[OpsColumn, ...] = (
    OpsColumn("run_id", "string", "The pipeline run id (locally the run, on AWS the execution name)."),
    OpsColumn("env", "string", "The environment."),
    OpsColumn(
        "pipeline_status",
        "string",
        "SUCCEEDED | FAILED for the whole run; ABANDONED (a killed local run), TIMED_OUT | ABORTED (AWS).",
    ),
    OpsColumn("pipeline_started_at", "string", "When the run started, 'YYYY-MM-DD HH:MM:SS.fff' UTC."),
    OpsColumn("pipeline_finished_at", "string", "When the run finished, same format."),
    OpsColumn("stage_order", "bigint", "Position of the stage in lake.yaml pipeline (1 = first)."),
    OpsColumn("stage", "string", "The stage name."),
    OpsColumn("kind", "string", "ingest | crawl | job | summary."),
    OpsColumn("status", "string", "SUCCEEDED | FAILED | SKIPPED."),
    OpsColumn("started_at", "string", "When the stage started (empty when it was skipped), same format."),
    OpsColumn("duration_seconds", "double", "Wall-clock seconds of the stage (0.0 when skipped)."),
    OpsColumn("summary", "string", "The stage's one-line summary."),
)

OPS_TABLES: dict[str, tuple[OpsColumn, ...]] = {
    JOB_TABLE_RUNS: JOB_TABLE_RUN_COLUMNS,
    JOB_RULE_RUNS: JOB_RULE_RUN_COLUMNS,
    PIPELINE_STAGE_RUNS: PIPELINE_STAGE_RUN_COLUMNS,
}


def run_date(started_at: str) -> str:
    """The ``run_date`` partition of a run: the UTC day of its ISO-8601 start time."""
    return as_utc(started_at).date().isoformat()


def as_utc(timestamp: str) -> datetime:
    """An ISO-8601 time as an aware UTC datetime (a time without an offset is taken as UTC)."""
    moment = datetime.fromisoformat(timestamp)
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def sql_timestamp(timestamp: str | None) -> str:
    """``YYYY-MM-DD HH:MM:SS.fff`` in UTC: the text form both Athena and DuckDB cast to a timestamp."""
    if not timestamp:
        return ""
    return as_utc(timestamp).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]


@dataclass(frozen=True)
class StageTiming:
    """One stage of one pipeline run, as the runner of that pipeline saw it."""

    stage: str
    kind: str
    status: str
    started_at: str  # ISO-8601; empty when the stage never started (skipped)
    duration_seconds: float
    summary: str = ""

    @classmethod
    def of(cls, result: StageResult) -> StageTiming:
        """The timing of a stage as a pipeline run reports it (locally, or folded from an execution)."""
        return cls(
            result.name, result.kind, result.status, result.started_at, result.duration_s, result.summary
        )


def pipeline_stage_rows(
    *,
    run_id: str,
    env: str,
    status: str,
    started_at: str,
    finished_at: str | None,
    stages: Sequence[StageTiming],
) -> list[dict[str, object]]:
    """The ``pipeline_stage_runs`` rows of one run, in stage order, typed exactly as catalogued.

    Every value keeps its JSON type in every file (durations are always floats, orders always
    integers), so the crawler infers one schema and never reports a conflict.
    """
    rows: list[dict[str, object]] = []
    for order, stage in enumerate(stages, start=1):
        rows.append(
            {
                "run_id": run_id,
                "env": env,
                "pipeline_status": status,
                "pipeline_started_at": sql_timestamp(started_at),
                "pipeline_finished_at": sql_timestamp(finished_at),
                "stage_order": order,
                "stage": stage.stage,
                "kind": stage.kind,
                "status": stage.status,
                "started_at": sql_timestamp(stage.started_at),
                "duration_seconds": float(stage.duration_seconds),
                "summary": stage.summary,
            }
        )
    names = [c.name for c in PIPELINE_STAGE_RUN_COLUMNS]
    assert all(list(row) == names for row in rows), "rows must follow PIPELINE_STAGE_RUN_COLUMNS"
    return rows


def json_lines(rows: Iterable[dict[str, object]]) -> bytes:
    """Rows as JSON lines (UTF-8, one object per line), the format the JSON SerDe reads."""
    return b"".join(
        (json.dumps(row, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8") for row in rows
    )


def write_pipeline_run(
    store: ObjectStore,
    *,
    run_id: str,
    env: str,
    status: str,
    started_at: str,
    finished_at: str | None,
    stages: Sequence[StageTiming],
) -> str:
    """Write one pipeline run's stage timings to ``ops/pipeline_stage_runs/`` and return the key.

    The key is ``run_date=<day>/<run_id>.json``: writing the same run again (a retried record, a
    redriven execution) replaces its rows. A run with no stages writes nothing (an empty file would be a
    table with no schema for the crawler) and returns the key it would have used.

    The first file of a day is a new partition, which queries see only once the ops area is crawled
    again; so it marks ops changed (:func:`jozi_lake.backlog.mark_changed`) and the next run's plan crawls
    it. Later files of the day land in a catalogued partition and need no crawl.
    """
    from jozi_lake.backlog import mark_changed

    day = run_date(started_at)
    layout = lake_layout()
    key = layout.ops_file(PIPELINE_STAGE_RUNS, day, f"{run_id}.json")
    rows = pipeline_stage_rows(
        run_id=run_id, env=env, status=status, started_at=started_at, finished_at=finished_at, stages=stages
    )
    if rows:
        new_partition = next(iter(store.list_keys(key.rsplit("/", 1)[0] + "/")), None) is None
        store.put_bytes(key, json_lines(rows), "application/x-ndjson")
        if new_partition:
            mark_changed(store, OPS, run_id)
    return key
