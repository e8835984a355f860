"""Run the Glue jobs locally: every requested job in one Spark session, with progress and a report.

Spark start-up costs seconds, so ``lake run-job all`` builds one session and passes it to each job in
the order of lake.yaml's pipeline. Each job writes its own report to the lake (``silver/_reports/``,
``gold/_reports/``); the :class:`RunReport` returned here groups them for printing.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from jozi_lake.config import EnvConfig
from jozi_lake.contracts import tables_for_job
from jozi_lake.errors import LakeError
from jozi_lake.ids import new_run_id
from jozi_lake.jobs import registry
from jozi_lake.jobs.report import JobRunFailed, RunReport, find_report
from jozi_lake.layout import lake_layout
from jozi_lake.migrate import migrate_bookkeeping
from jozi_lake.storage import DiskFull, is_disk_full_message, store_for_env


def run_jobs(
    env: EnvConfig,
    jobs: list[str],
    tables: list[str] | None = None,
    run_id: str | None = None,
    spark: Any = None,
    progress: Callable[[str], None] | None = None,
) -> RunReport:
    """Run ``jobs`` (names or ``all``) against the local lake of ``env`` in one Spark session.

    Stops at the first failing job (its report is written, then the error is raised again), as the
    Step Functions pipeline does.
    """
    if not env.is_local:
        raise LakeError(
            f"run_jobs runs local Spark only, not env {env.name!r}", "use the AWS dispatch for dev/prod"
        )
    names = registry.resolve_jobs(jobs)
    run_id = run_id or new_run_id()
    started = time.monotonic()
    if spark is None:
        from jozi_lake.jobs.spark import local_spark_session

        if progress:
            progress("starting local Spark")
        spark = local_spark_session("jozi-lake-jobs")
    store = store_for_env(env)
    # A lake from before state/: without its processed-files record the job would redo every batch.
    migrate_bookkeeping(store, lake_layout())
    report = RunReport(run_id=run_id, env=env.name)
    try:
        for name in names:
            if progress:
                progress(f"{name}: running")
            job_tables = tables_for_job(name, tables)
            if tables and job_tables is None:
                continue  # the table list names only the other job's tables
            run = registry.job(name).run_function()
            try:
                report.jobs.append(
                    run(spark, store, tables=job_tables, run_id=run_id, env=env.name, progress=progress)
                )
            except Exception as err:
                # The job wrote this run's report before raising: show that one, never an older run's.
                failed = find_report(store, name, run_id)
                if failed is not None:
                    report.jobs.append(failed)
                # A LakeError's str() carries its hint already: take the message alone, the hint once.
                text = err.message if isinstance(err, LakeError) else str(err)
                message = text.splitlines()[0] if text else type(err).__name__
                hint = err.hint if isinstance(err, LakeError) else "see the run report and the job's log"
                if not isinstance(err, LakeError) and is_disk_full_message(str(err)):
                    full = DiskFull(f"{name}'s output (Spark)", env.lake_home)
                    message, hint = full.message, full.hint
                raise JobRunFailed(f"job {name} failed: {message}", hint, report) from err
    finally:
        report.duration_seconds = round(time.monotonic() - started, 3)
    return report
