"""``lake report``: the lake's answers as one self-contained HTML file of charts.

The queries run through the environment's backend (DuckDB locally, Athena for ``--env dev|prod``), and
``--upload`` puts the file under the lake's ``reports/`` prefix. The report itself
(:mod:`jozi_lake.report`) only gets a callable that runs SQL.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from jozi_lake.backend import LakeBackend
from jozi_lake.cli import render
from jozi_lake.cli.common import EnvName, friendly_errors, lake
from jozi_lake.config import load_config
from jozi_lake.report import LakeReport, QueryRunner, backend_query_runner


def make_report(
    backend: LakeBackend, out: Path | None = None, *, upload: bool = False, runner: QueryRunner | None = None
) -> tuple[LakeReport, Path]:
    """Build the report of ``backend``'s lake, write it to ``out`` (default: the backend's report path),
    upload it if asked, print what could not be drawn and the path; returns the report and the path.

    ``lake demo`` calls it at its end.
    """
    from jozi_lake.report import build_report

    store = backend.report_store() if upload else None  # refused before any work where it means nothing
    backend.tables()  # an empty lake is said once, not once per chart
    with render.progress("building the report …"):
        report = build_report(
            runner or backend_query_runner(backend),
            title=f"{load_config().project} lake report",
            subtitle=backend.description,
        )
    path = report.write(out or backend.report_path())
    for problem in report.problems:
        render.console.print(f"  [yellow]![/] {escape(problem)}", highlight=False, soft_wrap=True)
    empty = sum(o.status == "empty" for o in report.outcomes)
    mark = "[yellow]![/]" if report.problems else "[green]✓[/]"
    render.console.print(
        f"  {mark} report: {report.charts} chart(s)"
        + (f", {empty} with no rows for this period" if empty else "")
        + (f", {len(report.problems)} could not be drawn" if report.problems else ""),
        highlight=False,
    )
    if store is not None:
        for key in report.upload(store):
            render.console.print(f"  [green]✓[/] uploaded {store.uri(key)}", highlight=False)
    render.console.print(str(path), highlight=False, soft_wrap=True)
    return report, path


@friendly_errors
def report(
    env: EnvName = "local",
    out: Annotated[
        Path | None,
        typer.Option(
            "--out", "-o", help="Where to write the HTML file (default: next to the lake).", dir_okay=False
        ),
    ] = None,
    upload: Annotated[
        bool, typer.Option("--upload", help="dev|prod: also put the file under the lake's reports/ prefix.")
    ] = False,
) -> None:
    """Write one self-contained HTML file of charts (every named query, data quality, pipeline runs)."""
    make_report(lake(env), out, upload=upload)


def register(app: typer.Typer) -> None:
    app.command()(report)
