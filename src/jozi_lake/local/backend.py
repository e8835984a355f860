"""The local lake behind :class:`~jozi_lake.backend.LakeBackend`: a folder, local Spark, DuckDB.

The bucket is ``<lake_home>/s3/<bucket>/`` with the same keys as on S3, the jobs are the Glue jobs' own
code on PySpark in local mode (one session per process, started only when a job runs), the catalog is
Glue-shaped JSON written by the local crawler, and queries are the analysts' Athena SQL answered by
DuckDB. Nothing here prints: results go back to the CLI as data.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jozi_lake.backend import (
    CrawlResult,
    IngestOptions,
    LakeStateVerbs,
    LakeStatus,
    PipelineEvents,
    PipelineOptions,
    PipelineRun,
    Progress,
    QueryResult,
    TableCount,
    TableInfo,
)
from jozi_lake.config import EnvConfig, load_config
from jozi_lake.errors import LakeError
from jozi_lake.storage import ObjectStore, store_for_env

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

    from jozi_lake.ingest import IngestSummary
    from jozi_lake.jobs.report import RunReport
    from jozi_lake.local.watch import LandingWatch


class LocalBackend(LakeStateVerbs):
    """The verbs of the local lake of ``env`` (``--env local``)."""

    def __init__(self, env: EnvConfig, spark: SparkSession | None = None) -> None:
        if not env.is_local:
            raise LakeError(f"the local backend runs the local lake, not {env.name!r}", "use --env local")
        self.env = env
        self._store: ObjectStore = store_for_env(env)
        self._spark = spark

    @property
    def store(self) -> ObjectStore:
        return self._store

    @property
    def description(self) -> str:
        return f"the local lake ({self.env.lake_home})"

    @property
    def spark(self) -> SparkSession:
        """The local Spark session, started on first use (a run with nothing to do never pays for it)."""
        if self._spark is None:
            from jozi_lake.jobs.spark import local_spark_session

            self._spark = local_spark_session("jozi-lake")
        return self._spark

    def sweep_leftovers(self) -> list[Path]:
        """Remove what killed writes left under the lake home: atomic writes' temporary files older than
        :data:`~jozi_lake.storage.STALE_TEMP_SECONDS` (never seen by a reader; see storage). Called at the
        start of a pipeline run and of a standalone ingest or job run."""
        from jozi_lake.storage import sweep_temp_files

        return sweep_temp_files(self.env.lake_home)

    # --------------------------------------------------------------------------------- ingest
    def ingest(self, options: IngestOptions, progress: Progress | None = None) -> IngestSummary:
        self.sweep_leftovers()
        return self.ingest_for_run(None, options, progress)

    def ingest_for_run(
        self, run_id: str | None, options: IngestOptions, progress: Progress | None = None
    ) -> IngestSummary:
        """Ingest under a given run id (the pipeline's), starting the local fixture API if needed."""
        from jozi_lake.ingest.local import ingest_local

        def on_page(name: str, pages: int, rows: int) -> None:
            if progress:
                progress(f"ingesting {name}: {pages} pages, {rows:,} rows")

        def on_start(base_url: str, clock: str | None) -> None:
            if progress:
                progress(f"source API at {base_url} (as_of={clock or 'now'})")

        return ingest_local(
            self.env,
            run_id=run_id,
            as_of=options.as_of,
            source_url=options.source_url,
            sources=list(options.sources) or None,
            on_page=on_page,
            on_start=on_start,
        )

    # --------------------------------------------------------------------------------- jobs
    def run_jobs(
        self, jobs: list[str], tables: list[str] | None, progress: Progress | None = None
    ) -> RunReport:
        self.sweep_leftovers()
        return self.run_jobs_for_run(None, jobs, tables, progress)

    def run_jobs_for_run(
        self, run_id: str | None, jobs: list[str], tables: list[str] | None, progress: Progress | None = None
    ) -> RunReport:
        from jozi_lake.local.runner import run_jobs

        if progress and self._spark is None:
            progress("starting local Spark")
        return run_jobs(self.env, jobs, tables, run_id=run_id, spark=self.spark, progress=progress)

    # --------------------------------------------------------------------------------- catalog
    def crawl(self, layers: list[str], progress: Progress | None = None) -> CrawlResult:
        from jozi_lake.local.crawler import crawl

        if progress:
            progress(f"crawling {', '.join(layers) if layers else 'every layer'}")
        return crawl(self.env, layers or None)

    def tables(self) -> list[TableInfo]:
        from jozi_lake.local.catalog import LocalCatalog

        catalog = LocalCatalog.for_env(self.env)
        found: list[TableInfo] = []
        for database in catalog.list_databases():
            for name in catalog.list_tables(database):
                table = catalog.get_table(database, name)
                found.append(
                    TableInfo(
                        database=database,
                        name=name,
                        classification=table.classification,
                        columns=len(table.columns),
                        partition_keys=[k.name for k in table.partition_keys],
                        partitions=len(table.partitions),
                        location=table.location,
                    )
                )
        if not found:
            bucket_dir = self.env.local_s3_root / self.env.bucket
            if not bucket_dir.is_dir() or not any(bucket_dir.iterdir()):
                raise LakeError(
                    f"the local lake at {bucket_dir} is empty", "run 'make demo' or 'lake run-pipeline'"
                )
            raise LakeError("nothing is catalogued yet", "run 'lake crawl'")
        return found

    def query(
        self, sql: str | None = None, named: str | None = None, params: Sequence[Any] | None = None
    ) -> QueryResult:
        from jozi_lake.local.engine import run_query

        return run_query(self.env, sql=sql, named=named, params=params)

    def create_views(self) -> list[str]:
        raise LakeError(
            "create-views runs Athena DDL on AWS; locally every query creates the views it reads",
            "use --env dev or --env prod",
        )

    # --------------------------------------------------------------------------------- status
    def status(self, runs: int = 5) -> LakeStatus:
        """Recent pipeline runs, row counts per catalogued table and the latest job reports.

        Row counts come from the catalogued tables through the same DuckDB engine analysts use (Parquet
        footers make ``count(*)`` cheap), so status shows what a query would see, not what a job claimed.
        """
        from jozi_lake.backlog import last_local_crawl
        from jozi_lake.jobs.report import JobReport, latest_reports
        from jozi_lake.local.catalog import LocalCatalog
        from jozi_lake.local.engine import run_query
        from jozi_lake.local.pipeline import close_abandoned_runs, recent_runs

        # A RUNNING record whose process died (killed, crashed) is closed as ABANDONED here.
        history = close_abandoned_runs(self.env, self.store, recent_runs(self.env, runs))
        if not history:
            raise LakeError(
                f"no pipeline has run on the local lake at {self.env.lake_home}", "run 'make demo'"
            )
        catalog = LocalCatalog.for_env(self.env)
        counts: list[TableCount] = []
        for layer in load_config().layers:
            database = self.env.database(layer)
            for name in catalog.list_tables(database):
                rows: int | None = None
                if layer != "bronze":  # counting raw JSON means reading it all; the manifests say it
                    result = run_query(self.env, sql=f"SELECT count(*) FROM {layer}.{name}", catalog=catalog)
                    rows = int(result.rows[0][0])
                counts.append(TableCount(layer, name, len(catalog.get_partitions(database, name)), rows))
        reports = [JobReport.from_dict(raw) for raw in latest_reports(self.store, 2)]
        status = LakeStatus(env=self.env.name, runs=history, tables=counts, job_reports=reports)
        self.lake_state(status, lambda layer: last_local_crawl(self.store, layer))
        return status

    # --------------------------------------------------------------------------------- report
    def report_path(self) -> Path:
        return self.env.lake_home / "reports" / "lake-report.html"

    def report_store(self) -> ObjectStore:
        raise LakeError(
            "--upload puts the report into an AWS lake; the local report is the file itself",
            "drop --upload, or use --env dev|prod",
        )

    def landing_watch(self) -> LandingWatch:
        from jozi_lake.local import watch

        return watch.for_store(self.store)

    # --------------------------------------------------------------------------------- pipeline
    def run_pipeline(self, options: PipelineOptions, events: PipelineEvents) -> PipelineRun:
        from jozi_lake.local.pipeline import LocalPipeline

        return LocalPipeline(self, options, events).run()
