"""``lake run-pipeline`` and ``lake status``: the whole lake in one command, and how it is doing."""

from __future__ import annotations

from typing import Annotated

import typer

from jozi_lake.backend import SUCCEEDED, PipelineOptions, PipelineRun
from jozi_lake.cli import render
from jozi_lake.cli.common import AsOf, EnvName, friendly_errors, lake
from jozi_lake.errors import LakeError


def run_pipeline_with_progress(env: str, options: PipelineOptions) -> PipelineRun:
    """Run the pipeline with a spinner per stage and a line per finished stage; raises if it failed."""
    backend = lake(env)
    lines = render.StageLines()
    render.console.print(f"[bold]Pipeline[/] on {backend.description}", highlight=False)
    try:
        run = backend.run_pipeline(options, lines)
    finally:
        lines.stop()
    render.pipeline_run(run)
    if options.follow and run.status != SUCCEEDED:
        raise LakeError(
            f"the pipeline ended {run.status}", f"see 'lake status --env {env}' for the failing stage"
        )
    return run


@friendly_errors
def run_pipeline(
    env: EnvName = "local",
    force: Annotated[
        bool, typer.Option("--force", help="Run every stage even when nothing new arrived.")
    ] = False,
    as_of: AsOf = None,
    wait: Annotated[
        float,
        typer.Option(
            "--wait", min=0, help="Seconds to wait for a run that holds the lake (default: refuse)."
        ),
    ] = 0.0,
    follow: Annotated[
        bool, typer.Option("--follow/--no-follow", help="AWS: follow the execution to its end.")
    ] = True,
) -> None:
    """Walk lake.yaml's stage list: ingest → crawl bronze → silver → crawl → gold → crawl → summary."""
    run_pipeline_with_progress(
        env, PipelineOptions(force=force, as_of=as_of, follow=follow, wait_seconds=wait)
    )


@friendly_errors
def status(
    env: EnvName = "local",
    runs: Annotated[int, typer.Option("--runs", help="How many recent runs to show.")] = 5,
) -> None:
    """Last pipeline runs, the catalogued tables and the latest quality results."""
    render.status(lake(env).status(runs))


def register(app: typer.Typer) -> None:
    app.command("run-pipeline")(run_pipeline)
    app.command()(status)
