"""``lake run-job``: the Glue jobs, on local Spark (``--env local``) or on AWS Glue (dev/prod)."""

from __future__ import annotations

from typing import Annotated

import typer

from jozi_lake.cli import render
from jozi_lake.cli.common import EnvName, Tables, friendly_errors, lake, split_names
from jozi_lake.jobs import registry


@friendly_errors
def run_job(
    job: Annotated[
        str, typer.Argument(help="A job of lake.yaml's jobs, or 'all' (every job, in pipeline order).")
    ],
    tables: Tables = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the run report as JSON.")] = False,
    env: EnvName = "local",
) -> None:
    """Run one job or all of them with one run id, and print this run's per-table report."""
    jobs = registry.resolve_jobs([job])
    backend = lake(env)
    with render.progress("starting") as status:
        report = backend.run_jobs(jobs, split_names(tables), progress=status.update)
    render.run_report(report, as_json=as_json)


def register(app: typer.Typer) -> None:
    app.command("run-job")(run_job)
