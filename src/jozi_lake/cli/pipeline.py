"""``lake run-pipeline``, ``lake status`` and ``lake demo``: the whole lake in one command.

``run-pipeline`` walks ``lake.yaml``'s stage list (locally through :class:`LocalPipeline`, on AWS by
starting the Step Functions execution that walks the same list). ``demo`` is the newcomer's first
command: it generates the store's data if needed, runs the pipeline and prints the answers.
"""

from __future__ import annotations

import time
from typing import Any

import typer
from rich.table import Table

from jozi_lake.cli.common import EnvOption, console, friendly_errors, resolve_env
from jozi_lake.config import EnvConfig, StageConfig
from jozi_lake.errors import LakeError
from jozi_lake.pipeline import (
    FAILED,
    SKIPPED,
    SUCCEEDED,
    LocalPipeline,
    PipelineRun,
    StageResult,
    recent_runs,
)

# The answers `lake demo` prints, in the order a store manager would read them.
DEMO_QUERIES: tuple[str, ...] = (
    "peak_hour_stage_excess",
    "late_share_by_hour_weekday",
    "load_shedding_impact",
    "driver_lateness",
    "zone_lateness",
    "complaints_vs_lateness",
    "repeat_after_late",
)

_MARK = {SUCCEEDED: "[green]✓[/]", SKIPPED: "[dim]–[/]", FAILED: "[red]✗[/]"}


def run_local_pipeline(env: EnvConfig, *, force: bool = False, as_of: str | None = None) -> PipelineRun:
    """Run the local pipeline with a spinner per stage and a line per finished stage."""
    status: dict[str, Any] = {}
    started: dict[str, float] = {}

    def on_start(stage: StageConfig) -> None:
        started[stage.name] = time.perf_counter()
        status["spinner"] = console.status(f"[bold]{stage.name}[/] …")
        status["spinner"].start()

    def on_end(result: StageResult) -> None:
        spinner = status.pop("spinner", None)
        if spinner is not None:
            spinner.stop()
        took = f"{result.duration_s:6.1f} s" if result.status != SKIPPED else "       "
        console.print(
            f"  {_MARK.get(result.status, '?')} {result.name:<18} {took}  [dim]{result.summary}[/]",
            highlight=False,
        )

    console.print(f"[bold]Pipeline[/] on the local lake ({env.lake_home})")
    pipeline = LocalPipeline(env, force=force, as_of=as_of, on_stage_start=on_start, on_stage_end=on_end)
    try:
        run = pipeline.run()
    finally:
        spinner = status.pop("spinner", None)
        if spinner is not None:
            spinner.stop()
    if pipeline.quality:
        print_quality(pipeline.quality)
    console.print(
        f"[bold green]Pipeline {run.status.lower()}[/] in {run.duration_s:.1f} s (run {run.run_id})"
    )
    return run


def print_quality(job_reports: list[Any]) -> None:
    """The quality summary: per job and table, rows in and where each went, and rule failures."""
    from jozi_lake.cli.render import report_table

    console.print(report_table(job_reports, title="Quality summary (this run)"))


def print_answers(env: EnvConfig, names: tuple[str, ...] = DEMO_QUERIES, limit: int = 12) -> None:
    from jozi_lake.query import run_query
    from jozi_lake.query.named import get_named_query
    from jozi_lake.query.report import print_result

    for name in names:
        named = get_named_query(name)
        console.rule(f"[bold]{named.title}[/]")
        if named.description:
            console.print(f"[dim]{named.description}[/]", highlight=False)
        print_result(run_query(env, named=name), console, limit=limit)


def _print_runs(runs: list[PipelineRun]) -> None:
    table = Table(title="Recent pipeline runs", title_justify="left")
    for column in ("run", "started (UTC)", "status", "took", "stages"):
        table.add_column(column)
    for run in runs:
        stages = " ".join(f"{_MARK.get(s.status, '?')}{s.name}" for s in run.stages)
        colour = {"SUCCEEDED": "green", "FAILED": "red"}.get(run.status, "yellow")
        table.add_row(
            run.run_id,
            run.started_at[:19].replace("T", " "),
            f"[{colour}]{run.status}[/]",
            f"{run.duration_s:.1f} s",
            stages,
        )
    console.print(table)
    failed = next((r for r in runs if r.status == FAILED and r.error), None)
    if failed:
        console.print(f"[red]last failure[/] ({failed.run_id}): {failed.error}", highlight=False)


def register(app: typer.Typer) -> None:
    """Add this area's commands to the ``lake`` app."""

    @app.command("run-pipeline")
    @friendly_errors
    def run_pipeline_command(
        env_name: str = EnvOption,
        force: bool = typer.Option(False, "--force", help="Run every stage even when nothing new arrived."),
        as_of: str = typer.Option(
            None, "--as-of", help="Local only: the store's clock for the local API (e.g. 2026-06-30)."
        ),
        wait: bool = typer.Option(True, "--wait/--no-wait", help="AWS: follow the execution to its end."),
    ) -> None:
        """ingest → crawl bronze → silver → crawl silver → gold → crawl gold → quality summary."""
        env = resolve_env(env_name)
        if not env.is_local:
            from jozi_lake.aws import commands as aws_commands

            aws_commands.run_pipeline(env, wait=wait)
            return
        run_local_pipeline(env, force=force, as_of=as_of)

    @app.command("status")
    @friendly_errors
    def status_command(
        env_name: str = EnvOption,
        runs: int = typer.Option(5, "--runs", help="How many recent runs to show."),
    ) -> None:
        """Last pipeline runs, row counts per table and the latest quality results."""
        env = resolve_env(env_name)
        if not env.is_local:
            from jozi_lake.aws import commands as aws_commands

            aws_commands.status(env)
            return
        from jozi_lake.status import local_status

        history = recent_runs(env, runs)
        if not history:
            raise LakeError(f"no pipeline has run on the local lake at {env.lake_home}", "run 'make demo'")
        _print_runs(history)
        local_status(env, console)

    @app.command("demo")
    @friendly_errors
    def demo_command(
        days: int = typer.Option(90, "--days", help="Days of store data to generate."),
        orders_per_day: int = typer.Option(250, "--orders-per-day", help="Average orders per day."),
        seed: int = typer.Option(42, "--seed", help="Random seed: the same seed gives the same data."),
        start: str = typer.Option("2026-06-01", "--start", help="First day (YYYY-MM-DD)."),
    ) -> None:
        """Generate the store's data (if needed), run the whole local pipeline, print the answers."""
        from jozi_lake.demo.world import ensure_source_data

        env = resolve_env("local")
        ensure_source_data(
            env, start=start, days=days, orders_per_day=orders_per_day, seed=seed, console=console
        )
        run = run_local_pipeline(env)
        if run.status != SUCCEEDED:
            raise LakeError(f"the pipeline ended {run.status}", "see 'lake status' for the failing stage")
        print_answers(env)
        console.print(
            "\n[bold]Next:[/] 'lake queries' lists every analyst question, 'lake query <name>' runs one, "
            "'lake status' shows runs and quality, 'make demo' again processes only what is new."
        )
