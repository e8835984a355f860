"""What the CLI asks of a lake, and the results both backends answer with.

A *backend* is where a lake runs: :class:`~jozi_lake.local.backend.LocalBackend` (a folder, local
Spark, the local crawler, DuckDB) or :class:`~jozi_lake.aws.backend.AwsBackend` (S3, Glue, Step
Functions, Athena). :func:`jozi_lake.backends.backend_for` picks one per command, once, from the
environment; every command then calls the same methods and hands the result to :mod:`jozi_lake.cli.render`,
so a verb means the same on both sides and looks the same in the terminal.

The result types are plain data (no Rich, no boto3, no DuckDB objects), which is also what tests
assert on. Job reports (:class:`~jozi_lake.jobs.report.RunReport`) and ingest summaries
(:class:`~jozi_lake.ingest.IngestSummary`) are produced by runtime code on both sides and pass
through unchanged.

This module names no implementation, so what runs in the Lambda (the execution history fold, the
lease) can use its result types without the bundle reaching either backend.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from jozi_lake.config import EnvConfig
from jozi_lake.storage import ObjectStore

if TYPE_CHECKING:
    from jozi_lake.backlog import StageWork
    from jozi_lake.batches import Batch
    from jozi_lake.ingest import IngestSummary
    from jozi_lake.jobs.report import JobReport, RunReport
    from jozi_lake.local.watch import LandingWatch

SUCCEEDED = "SUCCEEDED"
FAILED = "FAILED"
SKIPPED = "SKIPPED"
RUNNING = "RUNNING"
# How a run that did not succeed can end (a local run, or a Step Functions execution); ``lake status``
# explains the newest of these.
ENDED_UNSUCCESSFULLY = (FAILED, "TIMED_OUT", "ABORTED")
# A local run whose process died (SIGKILL, a crash, the machine) before it could close its record: found
# RUNNING by a later run taking over its lease or by ``lake status`` (jozi_lake.local.pipeline).
ABANDONED = "ABANDONED"
ABANDONED_FIX = (
    "nothing to undo: every stage is safe to repeat after a kill, so `lake run-pipeline` does the work "
    "this run left"
)

Progress = Callable[[str], None]
"""A one-line message about long work in progress (the CLI shows it in a spinner)."""


# ------------------------------------------------------------------------------------------- query


@dataclass
class QueryResult:
    """The rows of one Athena SQL query and what it cost, from DuckDB locally or Athena on AWS.

    Values are Python values on both sides (Athena's strings are converted by their column types), so
    a chart or a golden test reads them alike. Figures a side cannot measure are None.
    """

    columns: list[str]
    rows: list[tuple[Any, ...]]
    sql: str  # the Athena SQL as written
    name: str | None = None  # the named query, if one
    column_types: list[str] = field(default_factory=list)  # Athena type names, when known
    elapsed_s: float = 0.0
    bytes_scanned: int = 0  # column data scanned (what Athena bills)
    bytes_read: int | None = None  # local: bytes read from files (footers, pages)
    files_read: int | None = None  # local: data files opened after partition pruning
    row_groups_scanned: int | None = None
    engine_sql: str | None = None  # local: the translated DuckDB SQL
    tables: list[str] = field(default_factory=list)  # local: the tables read
    execution_id: str | None = None  # AWS: the Athena query id
    output_location: str | None = None  # AWS: where Athena wrote the full result
    billed_bytes: int | None = None  # AWS: bytes billed (whole MB, 10 MB minimum)
    cost_usd: float | None = None  # AWS: the billed bytes at the workgroup's price

    @property
    def row_count(self) -> int:
        return len(self.rows)

    def as_dicts(self) -> list[dict[str, Any]]:
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]


# ------------------------------------------------------------------------------------------- crawl


@dataclass(frozen=True)
class SchemaConflict:
    """A file whose column type cannot be combined with the table's; the table keeps ``existing``."""

    database: str
    table: str
    column: str
    existing: str
    incoming: str
    file: str


@dataclass
class TableOutcome:
    """What one crawl did to one table."""

    database: str
    table: str
    action: str  # created | updated | unchanged | deleted
    columns: int = 0
    partitions: int = 0
    partitions_added: int = 0
    partitions_removed: int = 0
    new_columns: list[str] = field(default_factory=list)


@dataclass
class CrawlerRun:
    """One crawler's crawl (AWS: a Glue crawler; locally the crawl of one layer)."""

    layer: str
    crawler: str
    state: str  # COMPLETED on success; FAILED, STOPPED, CANCELLED ... otherwise
    seconds: float | None = None
    error: str | None = None
    crawl_id: str | None = None  # AWS: the crawl's id in ListCrawls


@dataclass
class CrawlResult:
    """Everything a crawl changed or noticed."""

    layers: list[str]
    tables: list[TableOutcome] = field(default_factory=list)
    conflicts: list[SchemaConflict] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    crawlers: list[CrawlerRun] = field(default_factory=list)

    def outcome(self, table: str, database: str | None = None) -> TableOutcome:
        for item in self.tables:
            if item.table == table and (database is None or item.database == database):
                return item
        raise KeyError(table)

    @property
    def partitions_added(self) -> int:
        return sum(t.partitions_added for t in self.tables)

    @property
    def failed(self) -> list[CrawlerRun]:
        return [c for c in self.crawlers if c.state != "COMPLETED"]


@dataclass
class TableInfo:
    """A catalogued table, as ``lake tables`` lists it."""

    database: str
    name: str
    classification: str
    columns: int
    partition_keys: list[str]
    partitions: int
    location: str


# ---------------------------------------------------------------------------------------- pipeline


@dataclass
class StageResult:
    name: str
    kind: str
    status: str
    duration_s: float = 0.0
    summary: str = ""
    detail: dict[str, Any] = field(default_factory=dict)
    started_at: str = ""  # ISO-8601 UTC; empty for a skipped stage (and in records older than it)


@dataclass
class PipelineRun:
    """One run of lake.yaml's stage list (locally recorded as JSON; on AWS a state machine execution)."""

    run_id: str
    env: str
    started_at: str
    finished_at: str | None = None
    status: str = RUNNING
    stages: list[StageResult] = field(default_factory=list)
    error: str | None = None
    location: str | None = None  # AWS: the execution ARN
    job_reports: list[JobReport] = field(default_factory=list)  # this run's, for the quality summary
    holder: str | None = None  # local: the process running it (lease holder ``local:<host>:<pid>``)
    abandoned_at: str | None = None  # ABANDONED: when a later run or ``lake status`` noticed it had died
    took_over_from: str | None = None  # the abandoned run whose lease this run took over

    @property
    def duration_s(self) -> float:
        return sum(s.duration_s for s in self.stages)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("job_reports")  # they live in the lake already (the jobs write them)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PipelineRun:
        stages = [StageResult(**s) for s in data.get("stages", [])]
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__ and k != "job_reports"}
        return cls(**{**known, "stages": stages})


class PipelineEvents(Protocol):
    """What a pipeline run reports while it runs (the CLI prints a line per stage)."""

    def run_started(self, run_id: str, location: str | None) -> None: ...

    def stage_started(self, name: str) -> None: ...

    def stage_finished(self, result: StageResult) -> None: ...


class QuietEvents:
    """Events nobody watches (tests, scripts)."""

    def run_started(self, run_id: str, location: str | None) -> None:
        return None

    def stage_started(self, name: str) -> None:
        return None

    def stage_finished(self, result: StageResult) -> None:
        return None


# ------------------------------------------------------------------------------------------ status


@dataclass
class TableCount:
    layer: str
    table: str
    partitions: int
    rows: int | None  # None: not counted (bronze is raw; on AWS counting would cost a scan)


@dataclass
class PlatformRun:
    """A job run as the platform saw it (AWS: a Glue job run with its capacity and cost)."""

    job: str
    run_id: str
    state: str
    started: dt.datetime | None = None
    seconds: float | None = None
    dpu_seconds: float | None = None
    cost_usd: float | None = None
    error: str | None = None
    log_location: str | None = None


@dataclass
class LakeStatus:
    """``lake status``: recent runs, what is catalogued, the latest job reports."""

    env: str
    facts: list[tuple[str, str]] = field(default_factory=list)  # e.g. the deployed code version
    runs: list[PipelineRun] = field(default_factory=list)
    tables: list[TableCount] = field(default_factory=list)
    platform_runs: list[PlatformRun] = field(default_factory=list)
    crawlers: list[CrawlerRun] = field(default_factory=list)
    job_reports: list[JobReport] = field(default_factory=list)
    backlog: list[StageWork] = field(default_factory=list)  # each stage: has it work now, and why
    held_batches: list[Batch] = field(default_factory=list)  # held or failed bronze batches
    rejected_files: list[dict[str, Any]] = field(default_factory=list)  # rejected/ reason records


# ------------------------------------------------------------------------------------------ options


@dataclass(frozen=True)
class IngestOptions:
    sources: tuple[str, ...] = ()  # empty: every source
    as_of: str | None = None  # local fixture API only: the store's clock
    source_url: str | None = None  # local only: ingest from this URL instead of the fixture


@dataclass(frozen=True)
class PipelineOptions:
    force: bool = False  # run every stage even when nothing new arrived
    as_of: str | None = None  # local fixture API only
    follow: bool = True  # AWS: follow the execution to its end (else return once it started)
    wait_seconds: float = 0.0  # another run holds the lake: wait this long for it, then give up
    trigger: str = "cli"
    # Re-derive instead of ingesting (``lake replay`` / ``lake rebuild``; :mod:`jozi_lake.rederive`):
    replay_source: str | None = None  # re-derive silver from this source's batches ...
    replay_from: str | None = None  # ... ingested on or after this date (YYYY-MM-DD) ...
    replay_to: str | None = None  # ... and on or before this one (default: the latest)
    rebuild_layer: str | None = None  # silver (then gold) or gold: re-derive the whole layer

    @property
    def rederives(self) -> bool:
        """A replay or rebuild: the run re-derives from what the lake holds and ingests nothing."""
        return self.replay_source is not None or self.rebuild_layer is not None


# ---------------------------------------------------------------------------------------- interface


class LakeBackend(Protocol):
    """The operator verbs of one environment's lake."""

    env: EnvConfig

    def batches(self, source: str | None = None, state: str | None = None) -> list[Batch]:
        """Bronze batches (of one source, in one state) and, for held ones, why, who and when."""
        ...

    def hold_batch(self, batch: str, reason: str) -> Batch:
        """Take a bronze batch (``<source>/<batch id>``) out of processing, with a reason."""
        ...

    def release_batch(self, batch: str) -> Batch:
        """Put a held or failed batch back: the next silver run processes it."""
        ...

    @property
    def description(self) -> str:
        """Where this lake is, for a person (e.g. ``the local lake (/repo/lake)``)."""
        ...

    def ingest(self, options: IngestOptions, progress: Progress | None = None) -> IngestSummary:
        """Pull the sources into bronze (watermarked, resumable, idempotent)."""
        ...

    def run_jobs(
        self, jobs: list[str], tables: list[str] | None, progress: Progress | None = None
    ) -> RunReport:
        """Run jobs (names or ``all``) with one run id; raises JobRunFailed carrying this run's report."""
        ...

    def crawl(self, layers: list[str], progress: Progress | None = None) -> CrawlResult:
        """Catalog the layers (empty: all); a failed crawler is a LakeError after the result is shown."""
        ...

    def tables(self) -> list[TableInfo]:
        """Every catalogued table of every layer."""
        ...

    def query(
        self, sql: str | None = None, named: str | None = None, params: Sequence[Any] | None = None
    ) -> QueryResult:
        """Run Athena SQL or a named query; ``params`` fill ``?`` placeholders in order."""
        ...

    def create_views(self) -> list[str]:
        """Create or replace the ``sql/views`` views; returns their names in creation order."""
        ...

    def status(self, runs: int = 5) -> LakeStatus:
        """Recent runs and the state of the catalogued tables."""
        ...

    def run_pipeline(self, options: PipelineOptions, events: PipelineEvents) -> PipelineRun:
        """Walk lake.yaml's stage list (locally in-process; on AWS by starting the state machine)."""
        ...

    def report_path(self) -> Path:
        """Where ``lake report`` writes its file by default."""
        ...

    def report_store(self) -> ObjectStore:
        """The lake bucket a report is uploaded to (``--upload``); a LakeError where that means nothing."""
        ...

    def landing_watch(self) -> LandingWatch:
        """What ``lake watch`` polls: the lake's landing folders (a LakeError where a landed file starts
        a run by itself, as on AWS)."""
        ...


class LakeStateVerbs:
    """The verbs that need only the lake bucket (its ``state/`` and bronze listing): written once here,
    inherited by both backends, so holding a batch means exactly the same locally and on AWS."""

    @property
    def store(self) -> ObjectStore:
        """The lake bucket (each backend says where it is)."""
        raise NotImplementedError

    def batches(self, source: str | None = None, state: str | None = None) -> list[Batch]:
        from jozi_lake.batches import list_batches

        return list_batches(self.store, source, state)

    def hold_batch(self, batch: str, reason: str) -> Batch:
        from jozi_lake import batches, lease

        return batches.hold(self.store, batches.BatchRef.parse(batch), reason, lease.local_holder())

    def release_batch(self, batch: str) -> Batch:
        from jozi_lake import batches

        return batches.release(self.store, batches.BatchRef.parse(batch))

    def lake_state(self, status: LakeStatus, last_crawl: Callable[[str], dt.datetime | None]) -> None:
        """Fill ``status`` with the backlog per stage, the held batches and the rejected files."""
        from jozi_lake import backlog, batches
        from jozi_lake.ingest.drops import rejection_records
        from jozi_lake.layout import lake_layout

        status.backlog = backlog.plan(self.store, last_crawl)
        status.held_batches = [b for b in batches.list_batches(self.store) if b.state in batches.HOLD_STATES]
        status.rejected_files = rejection_records(self.store, lake_layout())
