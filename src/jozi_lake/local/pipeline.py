"""The local pipeline: the stage list from ``lake.yaml``, walked in order.

On AWS the Step Functions state machine walks the same list (Terraform builds its states from it);
here :class:`LocalPipeline` does, in one process and one Spark session (the local backend's verbs),
with the rule the state machine has: a stage runs when the lake's state says there is work for it
(:mod:`jozi_lake.backlog`), whatever this run's ingest brought; ``--force`` runs every stage.

Each run is recorded as JSON under ``<lake_home>/pipeline-runs/`` (the local stand-in for the state
machine's execution history), which ``lake status`` reads, and its stage timings go into the lake's
``ops/pipeline_stage_runs`` table (:func:`jozi_lake.ops_tables.write_pipeline_run`, which the lake
Lambda calls on AWS when an execution ends), after which the ops area is crawled, so the run is
queryable at once.

A run killed outside Python's reach (SIGKILL, a crash, the machine going down) leaves its record
RUNNING and its lease behind. It is closed as ABANDONED, with when that was noticed, by whichever comes
first: the next run taking over the dead run's lease, or ``lake status`` finding a RUNNING record whose
process no longer runs (or, for a holder on another host, whose lease is gone or expired)
(:func:`close_abandoned_runs`). Its stage timings go to ``ops/`` with that status.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from contextlib import suppress
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from jozi_lake import faults, lease, notify
from jozi_lake.backend import (
    ABANDONED,
    FAILED,
    RUNNING,
    SKIPPED,
    SUCCEEDED,
    IngestOptions,
    PipelineEvents,
    PipelineOptions,
    PipelineRun,
    StageResult,
)
from jozi_lake.backlog import last_local_crawl, stage_work
from jozi_lake.config import EnvConfig, StageConfig, load_config
from jozi_lake.contracts import load_contracts
from jozi_lake.errors import LakeError
from jozi_lake.ids import new_run_id
from jozi_lake.jobs.report import JobReport, JobRunFailed
from jozi_lake.jobs.summary import summarise_run, summary_line
from jozi_lake.layout import lake_layout
from jozi_lake.lineage import load_models
from jozi_lake.migrate import migrate_bookkeeping
from jozi_lake.storage import ObjectStore, write_file_atomically

if TYPE_CHECKING:
    from jozi_lake.ingest.summary import IngestSummary
    from jozi_lake.local.backend import LocalBackend


def runs_dir(env: EnvConfig) -> Path:
    return env.lake_home / "pipeline-runs"


def save_run(env: EnvConfig, run: PipelineRun) -> Path:
    """Write the run record atomically (a reader never sees half a file)."""
    target = runs_dir(env) / f"{run.run_id}.json"
    payload = json.dumps(run.to_dict(), indent=2, default=str).encode("utf-8")
    write_file_atomically(target, payload, f"the run record of {run.run_id}", env.lake_home)
    return target


def recent_runs(env: EnvConfig, limit: int = 10) -> list[PipelineRun]:
    folder = runs_dir(env)
    if not folder.is_dir():
        return []
    files = sorted((f for f in folder.glob("*.json") if not f.name.startswith(".")), reverse=True)[:limit]
    return [PipelineRun.from_dict(json.loads(f.read_text(encoding="utf-8"))) for f in files]


def _read_run(env: EnvConfig, run_id: str) -> PipelineRun | None:
    try:
        return PipelineRun.from_dict(json.loads((runs_dir(env) / f"{run_id}.json").read_text("utf-8")))
    except (FileNotFoundError, ValueError, TypeError):
        return None


def why_abandoned(
    run: PipelineRun, current: lease.LeaseRecord | None, now: datetime | None = None
) -> str | None:
    """Why a RUNNING run can no longer be running, or None while it may be.

    Its own process decides when this host can tell (the record names it; a pid of this host that no
    longer exists is certain). A holder elsewhere (or a record from before the holder was kept) is
    judged by the lease: a running run holds it, renewed, in its own name.
    """
    holder = run.holder or (current.holder if current is not None and current.run_id == run.run_id else None)
    alive = lease.local_process_alive(holder) if holder else None
    if alive is True:
        return None  # still running (it stops by itself if its lease was taken over)
    if alive is False:
        return f"its process {holder} no longer runs: it was killed or crashed before it could close the run"
    if current is None:
        return "it holds no lease any more: its process stopped without closing the run"
    if current.run_id != run.run_id:
        return f"the lake's lease is held by run {current.run_id} now: this run stopped without closing"
    if current.expired(now or datetime.now(UTC)):
        return f"its lease expired at {current.expires_at} without being renewed: its process stopped"
    return None


def close_abandoned_run(env: EnvConfig, run_id: str, why: str) -> PipelineRun | None:
    """Close ``run_id``'s record as ABANDONED (if it is still RUNNING): why, and when it was noticed.

    Its stages so far go to ``ops/pipeline_stage_runs`` with that status (the next crawl of ops shows
    them; a killed run never reached the step that writes them).
    """
    from jozi_lake.ops_tables import StageTiming, write_pipeline_run
    from jozi_lake.storage import store_for_env

    run = _read_run(env, run_id)
    if run is None or run.status != RUNNING:
        return None
    run.status = ABANDONED
    run.error = why
    run.abandoned_at = datetime.now(UTC).isoformat(timespec="seconds")
    save_run(env, run)
    with suppress(LakeError, OSError):  # the record is what status reads; the ops rows are a copy
        write_pipeline_run(
            store_for_env(env),
            run_id=run.run_id,
            env=run.env,
            status=run.status,
            started_at=run.started_at,
            finished_at=None,
            stages=[StageTiming.of(s) for s in run.stages],
        )
    return run


def close_abandoned_runs(env: EnvConfig, store: ObjectStore, runs: list[PipelineRun]) -> list[PipelineRun]:
    """``runs`` with every RUNNING one that can no longer be running closed as ABANDONED (``lake status``)."""
    if not any(r.status == RUNNING for r in runs):
        return runs
    try:
        current: lease.LeaseRecord | None = lease.LeaseRecord.from_bytes(
            store.get_bytes(lake_layout().lease())
        )
    except (KeyError, ValueError, TypeError):
        current = None
    closed: list[PipelineRun] = []
    for run in runs:
        why = why_abandoned(run, current) if run.status == RUNNING else None
        closed.append((close_abandoned_run(env, run.run_id, why) if why else None) or run)
    return closed


def record_pipeline_run(env: EnvConfig, run: PipelineRun) -> str:
    """Write ``run``'s stage timings to the ops table and crawl the ops area; returns the key written.

    The crawl is the local stand-in for the ops crawler on AWS: job stages wrote their run rows into
    ``ops/`` during the run, and this run's timings are the last rows, so one crawl here makes the whole
    run queryable.
    """
    from jozi_lake.layout import OPS
    from jozi_lake.local.crawler import crawl
    from jozi_lake.ops_tables import StageTiming, write_pipeline_run
    from jozi_lake.storage import store_for_env

    key = write_pipeline_run(
        store_for_env(env),
        run_id=run.run_id,
        env=run.env,
        status=run.status,
        started_at=run.started_at,
        finished_at=run.finished_at,
        stages=[StageTiming.of(s) for s in run.stages],
    )
    if run.stages:
        crawl(env, [OPS])
    return key


StageHandler = Callable[[StageConfig], StageResult]


def ingest_stage_line(summary: IngestSummary) -> str:
    """The ingest stage's line in the run output: new rows (an API's overlap window re-reads rows it
    already landed, which are not new and are said apart), file-drop rows and rejected files."""
    api_rows, overlap, drop_rows = summary.http_new_rows, summary.http_overlap_rows, summary.file_rows
    parts = [f"{api_rows:,} new rows from the API"] if api_rows else []
    if overlap:
        parts.append(f"{overlap:,} re-read in the overlap window")
    if drop_rows:
        parts.append(f"{drop_rows:,} from file drops")
    if summary.rejected_files:
        parts.append(f"{len(summary.rejected_files)} file(s) rejected")
    return ", ".join(parts) or "nothing new"


class LocalPipeline:
    """Runs ``lake.yaml``'s pipeline stages against the local lake, through the local backend.

    ``events`` lets the CLI show progress without this module knowing about terminals. ``force`` runs
    every stage even when ingestion found nothing new (the state machine's "no new data" branch is
    otherwise honoured).
    """

    def __init__(self, backend: LocalBackend, options: PipelineOptions, events: PipelineEvents) -> None:
        self.backend = backend
        self.env = backend.env
        self.options = options
        self.events = events
        self.run_id = new_run_id()
        self.config = load_config()
        self.job_reports: list[JobReport] = []
        # Alerts (rejected files, held batches) are lines of the run output: the stage results carry them.
        self.notifier: notify.Notifier = notify.LinesNotifier()

    def run(self) -> PipelineRun:
        """Take the lake's lease (one run at a time), walk the stages, record the run, release the lease."""
        held = lease.acquire(
            self.backend.store,
            lake_layout().lease(),
            holder=lease.local_holder(),
            run_id=self.run_id,
            trigger=self.options.trigger,
            wait_seconds=self.options.wait_seconds,
            hint="wait for it to end, or run again with --wait <seconds>",
        )
        try:
            faults.checkpoint("lease.held")
            return self._run(held)
        finally:
            held.release()

    def _run(self, held: lease.Lease) -> PipelineRun:
        run = PipelineRun(
            run_id=self.run_id,
            env=self.env.name,
            started_at=datetime.now(UTC).isoformat(),
            holder=held.record.holder,
        )
        if held.taken_over is not None:  # the run that held the lease died: its record says so now
            closed = close_abandoned_run(
                self.env,
                held.taken_over.run_id,
                f"{held.takeover_reason}: it stopped without closing the run; run {self.run_id} took "
                "over its lease",
            )
            run.took_over_from = closed.run_id if closed is not None else None
        save_run(self.env, run)
        try:
            # A lake from before state/: its bookkeeping moves first, or the backlog would see none.
            migrate_bookkeeping(self.backend.store, lake_layout())
            self.backend.sweep_leftovers()  # temporary files of writes a killed run left behind
            rederiving = self._mark_rederivation()
            project_checked = False
            for stage in self.config.pipeline:
                if stage.kind == "job" and not project_checked:
                    project_checked = True
                    self._check_project(run, stage)
                if rederiving and stage.kind == "ingest":  # a replay/rebuild re-derives what is there
                    result = StageResult(stage.name, stage.kind, SKIPPED, summary=rederiving)
                    run.stages.append(result)
                    self.events.stage_finished(result)
                    continue
                work = stage_work(
                    self.backend.store, stage, lambda layer: last_local_crawl(self.backend.store, layer)
                )
                if stage.kind == "summary" and not self.job_reports:
                    work.has_work, work.reason = False, "no job ran in this run"
                if not work.has_work and not self.options.force:
                    result = StageResult(stage.name, stage.kind, SKIPPED, summary=work.reason)
                    run.stages.append(result)
                    self.events.stage_finished(result)
                    continue
                held.renew()  # a stage can take long: the lease stays ours, and a lost lease stops the run
                self.events.stage_started(stage.name)
                stage_started = datetime.now(UTC).isoformat()
                started = time.perf_counter()
                try:
                    result = self._handler(stage)(stage)
                except BaseException as err:  # the failed stage is part of the run's timings too
                    failed = StageResult(stage.name, stage.kind, FAILED, summary=str(err).split("\n")[0])
                    failed.duration_s = round(time.perf_counter() - started, 3)
                    failed.started_at = stage_started
                    run.stages.append(failed)
                    raise
                result.duration_s = round(time.perf_counter() - started, 3)
                result.started_at = stage_started
                run.stages.append(result)
                self.events.stage_finished(result)
                save_run(self.env, run)  # how far it got, should the process be killed from here on
                faults.checkpoint(f"pipeline.after.{stage.name}")
            run.status = SUCCEEDED
        except BaseException as err:  # recorded for `lake status` and the ops table, then re-raised
            run.status = FAILED
            run.error = str(err) if isinstance(err, LakeError) else f"{type(err).__name__}: {err}"
            self._close(run, failing=True)
            raise
        self._close(run, failing=False)
        return run

    def _check_project(self, run: PipelineRun, stage: StageConfig) -> None:
        """Parse every contract and gold model at the first job stage, whether or not it has work.

        A broken one fails the run on every run, at that stage, instead of on the first night that
        brings its table's data (the plan reads contract names only). Ingest and the bronze crawl have
        run by then: landing a source's data does not wait for another table's contract to be mended.
        """
        try:
            load_contracts()
            load_models()
        except LakeError as err:
            failed = StageResult(stage.name, stage.kind, FAILED, summary=str(err).split("\n")[0])
            run.stages.append(failed)
            self.events.stage_finished(failed)
            raise

    def _mark_rederivation(self) -> str:
        """A replay or rebuild: mark its batches (or gold's inputs) under the lease, before any stage."""
        options = self.options
        if not options.rederives:
            return ""
        from jozi_lake.rederive import prepare_run

        return prepare_run(
            self.backend.store,
            replay_source=options.replay_source,
            replay_from=options.replay_from,
            replay_to=options.replay_to,
            rebuild_layer=options.rebuild_layer,
            requested_by=lease.local_holder(),
            run_id=self.run_id,
        )

    def _close(self, run: PipelineRun, *, failing: bool) -> None:
        """Save the run record, then put the run's stage timings in the lake and catalogue them.

        When the run is failing already, a failure to record it is noted in the run record instead of
        replacing the error that stopped the run.
        """
        run.finished_at = datetime.now(UTC).isoformat()
        run.job_reports = list(self.job_reports)
        try:
            save_run(self.env, run)
            record_pipeline_run(self.env, run)
        except Exception as err:
            if not failing:
                raise
            run.error = f"{run.error} (and the run could not be recorded in ops/: {err})"
            with suppress(LakeError):  # e.g. the disk is full: the error that stopped the run goes on
                save_run(self.env, run)

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

    # The stage kinds. Each adapts one backend verb to a StageResult.
    def _ingest(self, stage: StageConfig) -> StageResult:
        """Pull the sources (API pages and file drops): both land in bronze, both count as new data."""
        summary = self.backend.ingest_for_run(self.run_id, IngestOptions(as_of=self.options.as_of))
        if summary.status != "SUCCEEDED":
            raise LakeError(f"ingestion failed: {summary.error}", summary.hint)
        return StageResult(
            stage.name,
            stage.kind,
            SUCCEEDED,
            summary=ingest_stage_line(summary),
            detail={
                "has_new_data": summary.has_new_data,
                "new_rows": summary.new_rows,
                "rejected_files": [r.to_dict() for r in summary.rejected_files],
                # Locally an alert is a line in the run output (on AWS the Lambda publishes it to SNS).
                "alerts": [a.line() for a in self._alert(notify.alerts_for_ingest(summary))],
            },
        )

    def _alert(self, alerts: list[notify.Alert]) -> list[notify.Alert]:
        notify.notify_all(self.notifier, alerts)
        return alerts

    def _crawl(self, stage: StageConfig) -> StageResult:
        result = self.backend.crawl([stage.layer] if stage.layer else [])
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
        assert stage.job is not None
        try:
            report = self.backend.run_jobs_for_run(self.run_id, [stage.job], None)
        except JobRunFailed as err:
            self.job_reports.extend(err.report.jobs)
            raise
        self.job_reports.extend(report.jobs)
        tables = [t for job in report.jobs for t in job.tables]
        written = sum(t.rows_written for t in tables)
        quarantined = sum(t.rows_quarantined for t in tables)
        summary = f"{written:,} rows written"
        if quarantined:
            summary += f", {quarantined:,} quarantined"
        return StageResult(stage.name, stage.kind, SUCCEEDED, summary=summary, detail={"tables": len(tables)})

    def _summary(self, stage: StageConfig) -> StageResult:
        """The run's quality summary, read from the reports its jobs wrote (as the AWS summary step does)."""
        summary = summarise_run(self.backend.store, self.run_id)
        if summary["unbalanced"]:
            raise LakeError(
                summary_line(summary),
                "the run reports under the layers' _reports/ folders have the numbers",
            )
        return StageResult(stage.name, stage.kind, SUCCEEDED, summary=summary_line(summary), detail=summary)
