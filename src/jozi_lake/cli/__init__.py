"""The ``lake`` command: one verb per pipeline action, the same verbs for ``--env local|dev|prod``.

Each area registers its commands from its own module, so the command list reads as the table of
contents of the package.
"""

from __future__ import annotations

import typer

from jozi_lake.cli import aws, catalog, jobs, pipeline, source, sources

app = typer.Typer(
    name="lake",
    help="Jozi Pizza Co. medallion lake: generate, ingest, transform, crawl and query, locally or on AWS.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)

for area in (source, sources, jobs, catalog, pipeline, aws):
    area.register(app)


def main() -> None:
    app()
