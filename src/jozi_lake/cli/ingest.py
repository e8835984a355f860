"""``lake ingest`` and ``lake drop``: the sources on their way into bronze."""

from __future__ import annotations

from typing import Annotated

import typer

from jozi_lake.backend import IngestOptions
from jozi_lake.cli import render
from jozi_lake.cli.common import AsOf, EnvName, Sources, friendly_errors, lake
from jozi_lake.errors import LakeError


@friendly_errors
def ingest(
    env: EnvName = "local",
    source_url: Annotated[
        str | None,
        typer.Option("--source-url", help="Local only: ingest from this URL instead of the fixture."),
    ] = None,
    as_of: AsOf = None,
    source: Sources = None,
) -> None:
    """Pull the sources into bronze (watermarked, resumable, idempotent)."""
    backend = lake(env)
    options = IngestOptions(sources=tuple(source or ()), as_of=as_of, source_url=source_url)
    with render.progress("ingesting ...") as status:
        summary = backend.ingest(options, progress=status.update)
    render.ingest_summary(summary)
    if summary.status != "SUCCEEDED":
        raise LakeError(f"ingest run {summary.run_id} failed: {summary.error}", summary.hint)


@friendly_errors
def drop(env: EnvName = "local", source: Sources = None) -> None:
    """Copy file drops under landing/<source>/ into bronze (each drop once)."""
    from jozi_lake.cli.common import resolve_env
    from jozi_lake.config import load_config
    from jozi_lake.ingest import ingest_files
    from jozi_lake.storage import store_for_env

    env_cfg = resolve_env(env)
    names = list(source or []) or load_config().source_names
    summary = ingest_files(store_for_env(env_cfg), names, env=env_cfg.name)
    render.ingest_summary(summary, title="drop run")
    if summary.status != "SUCCEEDED":
        raise LakeError(f"drop run {summary.run_id} failed: {summary.error}", summary.hint)


def register(app: typer.Typer) -> None:
    app.command()(ingest)
    app.command()(drop)
