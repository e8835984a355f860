"""``lake batches``: what bronze is waiting for silver and why, and taking a batch out or putting it back.

``lake batches [--source S] [--state pending|held|failed|processed]`` lists batches; ``lake batches
hold <source>/<batch> --reason TEXT`` keeps one out of processing (the next runs go on without it);
``lake batches release <source>/<batch>`` puts a held or failed one back. The same verbs locally and on
AWS: they read and write the lake's ``state/`` through the backend (:mod:`jozi_lake.batches`).
"""

from __future__ import annotations

from typing import Annotated

import typer

from jozi_lake.cli import render
from jozi_lake.cli.common import EnvName, friendly_errors, lake

BatchArg = Annotated[
    str,
    typer.Argument(help="<source>/<batch id>, as `lake batches` lists it (e.g. <source>/2026-06-01_<run>)."),
]

app = typer.Typer(
    help="Bronze batches: list them (pending, held, failed, processed), hold one, release one.",
    invoke_without_command=True,
    no_args_is_help=False,
)


@friendly_errors
def list_batches(
    ctx: typer.Context,
    source: Annotated[str | None, typer.Option("--source", "-s", help="Only this source's batches.")] = None,
    state: Annotated[
        str | None, typer.Option("--state", help="Only batches in this state: pending|held|failed|processed.")
    ] = None,
    env: EnvName = "local",
) -> None:
    """List bronze batches with their state and, for held ones, the reason, who and when."""
    if ctx.invoked_subcommand is not None:
        return
    render.batches(lake(env).batches(source, state), source, state)


@friendly_errors
def hold(
    batch: BatchArg,
    reason: Annotated[
        str, typer.Option("--reason", "-r", help="Why it waits (shown by lake batches/status).")
    ],
    env: EnvName = "local",
) -> None:
    """Take a bronze batch out of processing: the silver job skips it until it is released."""
    render.batch_changed("held", lake(env).hold_batch(batch, reason))


@friendly_errors
def release(batch: BatchArg, env: EnvName = "local") -> None:
    """Put a held or failed batch back: the next run processes it (fix its contract or source first)."""
    render.batch_changed("released", lake(env).release_batch(batch))


app.callback()(list_batches)
app.command()(hold)
app.command()(release)


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="batches")
