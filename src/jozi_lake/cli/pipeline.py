"""``lake run-pipeline``, ``lake replay``, ``lake rebuild``, ``lake status`` and ``lake watch``: the whole
lake in one command, re-deriving what it holds, how it is doing, and runs started by files landing.

Replay and rebuild are pipeline runs with options (:class:`~jozi_lake.backend.PipelineOptions`), not a
second way to run jobs: they take the same lease, stage and publish the same way, and are reported
and recorded like any run."""

from __future__ import annotations

from typing import Annotated

import typer

from jozi_lake.backend import SUCCEEDED, LakeBackend, PipelineOptions, PipelineRun
from jozi_lake.cli import render
from jozi_lake.cli.common import AsOf, EnvName, friendly_errors, lake
from jozi_lake.errors import LakeError


def run_pipeline_with_progress(
    env: str, options: PipelineOptions, backend: LakeBackend | None = None
) -> PipelineRun:
    """Run the pipeline with a spinner per stage and a line per finished stage; raises if it failed."""
    backend = backend or lake(env)
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


Wait = Annotated[
    float,
    typer.Option("--wait", min=0, help="Seconds to wait for a run that holds the lake (default: refuse)."),
]


@friendly_errors
def replay(
    source: Annotated[str, typer.Option("--source", "-s", help="The source whose silver is re-derived.")],
    day_from: Annotated[
        str, typer.Option("--from", help="First ingest date (YYYY-MM-DD) of the batches to replay.")
    ],
    day_to: Annotated[
        str | None, typer.Option("--to", help="Last ingest date (default: the latest batch).")
    ] = None,
    env: EnvName = "local",
    wait: Wait = 0.0,
) -> None:
    """Re-derive the silver table fed by SOURCE from its bronze batches ingested in the date range,
    then gold (e.g. after a contract fix)."""
    run_pipeline_with_progress(
        env,
        PipelineOptions(
            replay_source=source, replay_from=day_from, replay_to=day_to, wait_seconds=wait, trigger="replay"
        ),
    )


@friendly_errors
def rebuild(
    layer: Annotated[
        str, typer.Option("--layer", help="silver (every batch again, then gold) or gold (from silver).")
    ] = "silver",
    env: EnvName = "local",
    wait: Wait = 0.0,
) -> None:
    """Re-derive a whole layer: silver from bronze (gold follows), or gold from silver."""
    from jozi_lake.rederive import LAYERS

    if layer not in LAYERS:
        raise LakeError(f"cannot rebuild layer {layer!r}", "choose --layer silver or --layer gold")
    run_pipeline_with_progress(
        env, PipelineOptions(rebuild_layer=layer, wait_seconds=wait, trigger="rebuild")
    )


# lake watch: how often it looks at landing/ (a file is taken once two looks in a row see it unchanged).
WATCH_INTERVAL_SECONDS = 5.0


@friendly_errors
def watch(
    env: EnvName = "local",
    interval: Annotated[
        float,
        typer.Option(
            "--interval",
            min=0.0,
            help="Seconds between two looks at landing/ (a file must look the same twice).",
        ),
    ] = WATCH_INTERVAL_SECONDS,
    once: Annotated[
        bool, typer.Option("--once", help="Look twice (--interval apart), run if there is work, then exit.")
    ] = False,
) -> None:
    """Watch the local lake's landing/: new files, once they stop changing, start the pipeline."""
    from jozi_lake import lease
    from jozi_lake.layout import lake_layout
    from jozi_lake.local import watch as landing_watch

    backend = lake(env)
    watcher = backend.landing_watch()

    def say(line: str) -> None:
        render.console.print(line, highlight=False, markup=False)

    def run(files: list[str]) -> bool:
        if watcher.store.exists(lake_layout().lease()):
            say("another run holds the lake: this run waits for it")
        options = PipelineOptions(trigger="watch", wait_seconds=lease.DEFAULT_TTL_SECONDS)
        try:
            run_pipeline_with_progress(env, options, backend=backend)
        except LakeError as err:
            if once:
                raise
            render.error(err.message, err.hint)
            say("watching landing/ again")
            return False
        if not once:
            say("watching landing/ again")
        return True

    stop = "" if once else "; Ctrl-C stops"
    say(f"Watching landing/ of {backend.description} every {interval:g} s{stop}")
    code = landing_watch.watch(watcher, run, interval=interval, once=once, say=say)
    if code:
        raise typer.Exit(code)


@friendly_errors
def status(
    env: EnvName = "local",
    runs: Annotated[int, typer.Option("--runs", help="How many recent runs to show.")] = 5,
) -> None:
    """Last pipeline runs, the catalogued tables and the latest quality results."""
    render.status(lake(env).status(runs))


def register(app: typer.Typer) -> None:
    app.command("run-pipeline")(run_pipeline)
    app.command()(replay)
    app.command()(rebuild)
    app.command()(status)
    app.command()(watch)
