"""``lake run-job``: the Glue jobs, on local Spark (``--env local``) or on AWS Glue (dev/prod)."""

from __future__ import annotations

import json

import typer
from rich.status import Status

from jozi_lake.cli.common import EnvOption, console, friendly_errors, resolve_env
from jozi_lake.errors import LakeError

JOB_CHOICES = "bronze_to_silver | silver_to_gold | all"


def _split(tables: str | None) -> list[str] | None:
    names = [t.strip() for t in (tables or "").split(",") if t.strip()]
    return names or None


def register(app: typer.Typer) -> None:
    """Add ``run-job`` to the ``lake`` app."""

    @app.command("run-job")
    @friendly_errors
    def run_job(
        job: str = typer.Argument(..., help=f"Which job: {JOB_CHOICES}."),
        tables: str = typer.Option(
            None, "--tables", "-t", help="Comma-separated silver and/or gold tables (default: all)."
        ),
        run_id: str = typer.Option(None, "--run-id", help="Run id to record (default: generated)."),
        as_json: bool = typer.Option(False, "--json", help="Print the run report as JSON."),
        env: str = EnvOption,
    ) -> None:
        """Run bronze_to_silver, silver_to_gold or both, and print the per-table report."""
        env_cfg = resolve_env(env)
        table_list = _split(tables)
        if not env_cfg.is_local:
            from jozi_lake.aws import commands as aws_commands

            aws_commands.run_job(env_cfg, job, table_list)
            return
        from jozi_lake.cli.render import report_table
        from jozi_lake.jobs.registry import resolve_jobs
        from jozi_lake.jobs.report import JobReport
        from jozi_lake.jobs.runner import run_jobs
        from jozi_lake.storage import store_for_env

        jobs = resolve_jobs([job])
        with Status("starting", console=console) as status:
            try:
                report = run_jobs(env_cfg, jobs, table_list, run_id=run_id, progress=status.update)
            except LakeError:
                from jozi_lake.jobs.report import latest_reports

                latest = latest_reports(store_for_env(env_cfg), 1)
                if latest:
                    status.stop()
                    console.print(report_table([JobReport.from_dict(latest[0])], title="failed run"))
                raise
        if as_json:
            console.print_json(json.dumps(report.to_dict()))
        else:
            console.print(
                report_table(
                    report.jobs, title=f"run {report.run_id} ({report.env}, {report.duration_seconds:.1f}s)"
                )
            )
