"""Run the Glue jobs locally: every requested job in one Spark session, with progress and a report.

Spark start-up costs seconds, so ``lake run-job all`` builds one session and passes it to each job in
the order of lake.yaml's pipeline. Each job writes its own report to the lake (``silver/_reports/``,
``gold/_reports/``); the :class:`RunReport` returned here groups them for printing.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from jozi_lake.config import EnvConfig, load_config
from jozi_lake.errors import LakeError
from jozi_lake.jobs.bronze_to_silver import new_run_id, run_bronze_to_silver
from jozi_lake.jobs.report import RunReport
from jozi_lake.jobs.silver_to_gold import run_silver_to_gold
from jozi_lake.storage import store_for_env

JOB_FUNCTIONS: dict[str, Callable[..., Any]] = {
    "bronze_to_silver": run_bronze_to_silver,
    "silver_to_gold": run_silver_to_gold,
}
ALL = "all"


def resolve_jobs(jobs: list[str]) -> list[str]:
    """Job names in pipeline order; ``all`` means every job stage of lake.yaml's pipeline."""
    pipeline_jobs = [stage.job for stage in load_config().pipeline if stage.kind == "job" and stage.job]
    known = [j for j in pipeline_jobs if j in JOB_FUNCTIONS]
    wanted = known if ALL in jobs else jobs
    unknown = [j for j in wanted if j not in JOB_FUNCTIONS]
    if unknown:
        raise LakeError(f"unknown job(s): {', '.join(unknown)}", f"choose one of {', '.join([*known, ALL])}")
    return [j for j in known if j in wanted]


def tables_for_job(job: str, tables: list[str] | None) -> list[str] | None:
    """The part of a ``--tables`` list that names this job's output tables (None: all of them).

    ``--tables orders,fact_deliveries`` with ``all`` gives silver ``orders`` to bronze_to_silver and
    gold ``fact_deliveries`` to silver_to_gold; a name neither job knows is an error.
    """
    if not tables:
        return None
    from jozi_lake.contracts import gold_contracts, silver_contracts

    silver, gold = set(silver_contracts()), set(gold_contracts())
    unknown = [t for t in tables if t not in silver | gold]
    if unknown:
        raise LakeError(
            f"unknown table(s): {', '.join(unknown)}",
            "use silver names (lake.yaml sources) or gold table names",
        )
    own = silver if job == "bronze_to_silver" else gold
    selected = [t for t in tables if t in own]
    return selected or None


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
    names = resolve_jobs(jobs)
    run_id = run_id or new_run_id()
    started = time.monotonic()
    if spark is None:
        from jozi_lake.spark import local_spark_session

        if progress:
            progress("starting local Spark")
        spark = local_spark_session("jozi-lake-jobs")
    store = store_for_env(env)
    report = RunReport(run_id=run_id, env=env.name)
    try:
        for name in names:
            if progress:
                progress(f"{name}: running")
            job_tables = tables_for_job(name, tables)
            if tables and job_tables is None:
                continue  # the table list names only the other job's tables
            report.jobs.append(
                JOB_FUNCTIONS[name](
                    spark, store, tables=job_tables, run_id=run_id, env=env.name, progress=progress
                )
            )
    finally:
        report.duration_seconds = round(time.monotonic() - started, 3)
    return report
