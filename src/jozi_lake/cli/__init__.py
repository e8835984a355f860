"""The ``lake`` command: one verb per pipeline action, the same verbs for ``--env local|dev|prod``.

Each area registers its commands from its own module, so the command list reads as the table of
contents of the package. Every command picks its backend once (:func:`jozi_lake.backends.backend_for`)
and renders results through :mod:`jozi_lake.cli.render`.
"""

from __future__ import annotations

import typer

from jozi_lake.cli import batches, catalog, ingest, jobs, lineage, pipeline, report, sources
from jozi_lake.demo import cli as demo

app = typer.Typer(
    name="lake",
    help="A medallion lake: ingest, transform, crawl and query, locally or on AWS, with the same verbs.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)

for area in (demo, ingest, sources, jobs, batches, catalog, pipeline, lineage, report):
    area.register(app)


def main() -> None:
    app()
