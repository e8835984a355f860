"""The local pipeline: the stage list from ``lake.yaml``, walked in order.

On AWS the Step Functions state machine walks the same list (Terraform builds its states from it);
here :class:`LocalPipeline` does, in one process and one Spark session, with the same branch the state
machine has: when ingestion brings nothing new, the remaining stages are skipped.

Each run is recorded as JSON under ``<lake_home>/pipeline-runs/`` (the local stand-in for the state
machine's execution history), which ``lake status`` reads.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from jozi_lake.config import EnvConfig, StageConfig, load_config
from jozi_lake.errors import LakeError
from jozi_lake.ids import new_run_id

SUCCEEDED = "SUCCEEDED"
FAILED = "FAILED"
SKIPPED = "SKIPPED"


@dataclass
class StageResult:
    name: str
    kind: str
    status: str
    duration_s: float = 0.0
    summary: str = ""
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass
class PipelineRun:
    run_id: str
    env: str
    started_at: str
    finished_at: str | None = None
    status: str = "RUNNING"
    stages: list[StageResult] = field(default_factory=list)
    error: str | None = None

    @property
    def duration_s(self) -> float:
        return sum(s.duration_s for s in self.stages)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PipelineRun:
        stages = [StageResult(**s) for s in data.get("stages", [])]
        return cls(**{**data, "stages": stages})


def runs_dir(env: EnvConfig) -> Path:
    return env.lake_home / "pipeline-runs"


def save_run(env: EnvConfig, run: PipelineRun) -> Path:
    """Write the run record atomically (a reader never sees half a file)."""
    folder = runs_dir(env)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{run.run_id}.json"
    tmp = folder / f".{run.run_id}.json.tmp"
    tmp.write_text(json.dumps(run.to_dict(), indent=2, default=str), encoding="utf-8")
    tmp.replace(target)
    return target


def recent_runs(env: EnvConfig, limit: int = 10) -> list[PipelineRun]:
    folder = runs_dir(env)
    if not folder.is_dir():
        return []
    files = sorted(folder.glob("*.json"), reverse=True)[:limit]
    return [PipelineRun.from_dict(json.loads(f.read_text(encoding="utf-8"))) for f in files]


StageHandler = Callable[[StageConfig], StageResult]


class LocalPipeline:
    """Runs ``lake.yaml``'s pipeline stages against the local lake.

    ``on_stage_start``/``on_stage_end`` let the CLI show progress without this module knowing about
    terminals. ``force`` runs every stage even when ingestion found nothing new (the state machine's
    "no new data" branch is otherwise honoured).
    """

    def __init__(
        self,
        env: EnvConfig,
        *,
        force: bool = False,
        as_of: str | None = None,
        source_url: str | None = None,
        on_stage_start: Callable[[StageConfig], None] | None = None,
        on_stage_end: Callable[[StageResult], None] | None = None,
        spark: Any | None = None,
    ) -> None:
        if not env.is_local:
            raise LakeError(f"LocalPipeline runs the local lake, not {env.name!r}")
        self.env = env
        self.force = force
        self.as_of = as_of
        self.source_url = source_url
        self.on_stage_start = on_stage_start or (lambda stage: None)
        self.on_stage_end = on_stage_end or (lambda result: None)
        self._spark = spark
        self.run_id = new_run_id()
        self.config = load_config()
        self.job_reports: list[Any] = []
        self.quality: list[Any] | None = None

    # Spark starts only if a job stage runs (a "nothing new" run never pays for it).
    @property
    def spark(self) -> Any:
        if self._spark is None:
            from jozi_lake.spark import local_spark_session

            self._spark = local_spark_session("jozi-lake-pipeline")
        return self._spark

    def run(self) -> PipelineRun:
        run = PipelineRun(run_id=self.run_id, env=self.env.name, started_at=datetime.now(UTC).isoformat())
        save_run(self.env, run)
        skip_reason: str | None = None
        try:
            for stage in self.config.pipeline:
                if skip_reason:
                    result = StageResult(stage.name, stage.kind, SKIPPED, summary=skip_reason)
                    run.stages.append(result)
                    self.on_stage_end(result)
                    continue
                self.on_stage_start(stage)
                started = time.perf_counter()
                result = self._handler(stage)(stage)
                result.duration_s = round(time.perf_counter() - started, 3)
                run.stages.append(result)
                self.on_stage_end(result)
                if stage.kind == "ingest" and not result.detail.get("has_new_data", True) and not self.force:
                    skip_reason = "no new data"
            run.status = SUCCEEDED
        except LakeError as err:
            run.status = FAILED
            run.error = str(err)
            raise
        except Exception as err:  # recorded for `lake status`, then re-raised for the caller
            run.status = FAILED
            run.error = f"{type(err).__name__}: {err}"
            raise
        finally:
            run.finished_at = datetime.now(UTC).isoformat()
            save_run(self.env, run)
        return run

    def _handler(self, stage: StageConfig) -> StageHandler:
        handlers: dict[str, StageHandler] = {
            "ingest": self._ingest,
            "crawl": self._crawl,
            "job": self._job,
            "summary": self._summary,
        }
        if stage.kind not in handlers:
            raise LakeError(f"pipeline stage {stage.name!r} has unknown kind {stage.kind!r} in lake.yaml")
        return handlers[stage.kind]

    # The stage kinds. Each adapts one area's API to a StageResult.
    def _ingest(self, stage: StageConfig) -> StageResult:
        """Pull the store's API, then copy file drops: both land in bronze, both count as new data."""
        from jozi_lake.ingest.local import ingest_local

        summary = ingest_local(self.env, run_id=self.run_id, as_of=self.as_of, source_url=self.source_url)
        if summary.status != "SUCCEEDED":
            raise LakeError(f"ingestion failed: {summary.error}", summary.hint)
        api_rows, drop_rows = summary.http_rows, summary.file_rows
        parts = [f"{api_rows:,} new rows from the API"] if api_rows else []
        if drop_rows:
            parts.append(f"{drop_rows:,} from file drops")
        if summary.rejected_files:
            parts.append(f"{len(summary.rejected_files)} file(s) rejected")
        return StageResult(
            stage.name,
            stage.kind,
            SUCCEEDED,
            summary=", ".join(parts) or "nothing new",
            detail={
                "has_new_data": summary.has_new_data,
                "new_rows": summary.new_rows,
                "rejected_files": [r.to_dict() for r in summary.rejected_files],
            },
        )

    def _crawl(self, stage: StageConfig) -> StageResult:
        from jozi_lake.catalog import crawl

        result = crawl(self.env, layers=[stage.layer] if stage.layer else None)
        summary = f"{len(result.tables)} tables, {result.partitions_added:,} partitions added"
        if result.conflicts:
            summary += f", {len(result.conflicts)} schema conflict(s) reported"
        return StageResult(
            stage.name,
            stage.kind,
            SUCCEEDED,
            summary=summary,
            detail={
                "conflicts": [f"{c.table}.{c.column}: {c.existing} vs {c.incoming}" for c in result.conflicts]
            },
        )

    def _job(self, stage: StageConfig) -> StageResult:
        from jozi_lake.jobs.runner import run_jobs

        assert stage.job is not None
        report = run_jobs(self.env, jobs=[stage.job], run_id=self.run_id, spark=self.spark)
        self.job_reports.extend(report.jobs)
        failed = [job for job in report.jobs if job.status != "succeeded"]
        if failed:
            raise LakeError(
                f"job {stage.job} failed: {failed[0].error}", "see 'lake status' and the run report"
            )
        tables = [t for job in report.jobs for t in job.tables]
        written = sum(t.rows_written for t in tables)
        quarantined = sum(t.rows_quarantined for t in tables)
        summary = f"{written:,} rows written"
        if quarantined:
            summary += f", {quarantined:,} quarantined"
        return StageResult(stage.name, stage.kind, SUCCEEDED, summary=summary, detail={"tables": len(tables)})

    def _summary(self, stage: StageConfig) -> StageResult:
        """Check row conservation in this run's reports (rows in = written + quarantined + duplicates)."""
        tables = [t for job in self.job_reports if job.job == "bronze_to_silver" for t in job.tables]
        unbalanced = [t.table for t in tables if not t.conserved]
        self.quality = self.job_reports
        quarantined = sum(t.rows_quarantined for t in tables)
        rows_in = sum(t.rows_read for t in tables)
        if unbalanced:
            raise LakeError(
                f"row conservation broken for {', '.join(unbalanced)}: rows read != written + quarantined + "
                "duplicates",
                "this is a bug in the silver job; the run report in silver/_reports/ has the numbers",
            )
        share = f" ({quarantined / rows_in:.1%} quarantined)" if rows_in else ""
        return StageResult(
            stage.name,
            stage.kind,
            SUCCEEDED,
            summary=f"{len(tables)} tables balanced{share}",
            detail={"rows_in": rows_in, "rows_quarantined": quarantined},
        )
