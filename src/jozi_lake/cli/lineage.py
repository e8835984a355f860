"""``lake lineage``: which tables each gold model reads, as a Mermaid graph derived from the SQL.

The graph is the one the gold job orders its models by and ``docs/data-model.md`` shows
(:func:`jozi_lake.lineage.mermaid`); it needs no lake, only the project files. The Mermaid text goes
to stdout unformatted, so it can be piped into a file or a Mermaid renderer.
"""

from __future__ import annotations

from typing import Annotated

import typer

from jozi_lake.cli.common import friendly_errors
from jozi_lake.lineage import mermaid


@friendly_errors
def lineage(
    table: Annotated[
        str | None,
        typer.Argument(help="Only this table, what it is built from and what is built from it."),
    ] = None,
) -> None:
    """Print the lineage of the gold models (parsed from sql/gold/*.sql) as a Mermaid flowchart."""
    typer.echo(mermaid(table), nl=False)


def register(app: typer.Typer) -> None:
    app.command("lineage")(lineage)
