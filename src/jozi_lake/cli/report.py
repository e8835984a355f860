"""``lake report``: the lake's answers as one self-contained HTML file of charts.

Locally the queries run on DuckDB over the local lake; for ``--env dev|prod`` they run in Athena, and
``--upload`` puts the file under the lake's ``reports/`` prefix. Which engine answers is decided in one
place, :func:`query_runner_for`: the report itself (:mod:`jozi_lake.report`) only gets the callable.
"""

from __future__ import annotations

from pathlib import Path

import typer

from jozi_lake.cli.common import EnvOption, console, friendly_errors, resolve_env
from jozi_lake.config import EnvConfig, load_config
from jozi_lake.errors import LakeError
from jozi_lake.report import LakeReport, QueryRunner, Tabular


def query_runner_for(env: EnvConfig) -> QueryRunner:
    """The seam between the report and the lake: Athena SQL in, columns and rows out.

    Locally: the local engine. On AWS: the environment's Athena workgroup, with layer-qualified names
    (``silver.orders``, ``ops.job_table_runs``) mapped to the deployed databases and Athena's text
    cells typed by their column types.
    """
    if env.is_local:
        from jozi_lake.report import local_query_runner

        return local_query_runner(env)
    from jozi_lake.aws import athena
    from jozi_lake.aws.clients import open_session
    from jozi_lake.query.translate import athena_sql_for_env
    from jozi_lake.report import answer_from_athena

    aws = open_session(env)
    database = aws.lake.database("gold") if "gold" in aws.lake.databases else None

    def run(sql: str) -> Tabular:
        result = athena.run_query(aws, athena_sql_for_env(sql, aws.lake.databases), database=database)
        return answer_from_athena(result.columns, result.column_types, result.rows)

    return run


def default_report_path(env: EnvConfig) -> Path:
    """Locally next to the lake it describes (``<lake_home>/reports/``); for AWS in the current folder."""
    if env.is_local:
        return env.lake_home / "reports" / "lake-report.html"
    return Path.cwd() / f"lake-report-{env.name}.html"


def make_report(
    env: EnvConfig, out: Path | None = None, *, upload: bool = False, runner: QueryRunner | None = None
) -> tuple[LakeReport, Path]:
    """Build the report for ``env``, write it to ``out`` (default :func:`default_report_path`), upload it
    if asked, print what could not be drawn and the path; returns the report and the file's path.

    ``lake demo`` calls ``make_report(env)`` at its end.
    """
    from jozi_lake.report import build_report

    if upload and env.is_local:
        raise LakeError(
            "--upload puts the report into an AWS lake; the local report is the file itself",
            "drop --upload, or use --env dev|prod",
        )
    if env.is_local:
        bucket_dir = env.local_s3_root / env.bucket
        if not bucket_dir.is_dir() or not any(bucket_dir.iterdir()):
            # Said once, instead of once per chart.
            raise LakeError(
                f"the local lake at {bucket_dir} is empty", "run 'make demo' or 'lake run-pipeline'"
            )
    where = f"local lake at {env.lake_home}" if env.is_local else f"{env.name} environment (Athena)"
    with console.status("building the report …"):
        report = build_report(
            runner or query_runner_for(env),
            title=f"{load_config().project} lake report",
            subtitle=where,
        )
    path = report.write(out or default_report_path(env))
    for problem in report.problems:
        console.print(f"  [yellow]![/] {problem}", highlight=False, soft_wrap=True)
    empty = sum(o.status == "empty" for o in report.outcomes)
    mark = "[yellow]![/]" if report.problems else "[green]✓[/]"
    console.print(
        f"  {mark} report: {report.charts} chart(s)"
        + (f", {empty} with no rows for this period" if empty else "")
        + (f", {len(report.problems)} could not be drawn" if report.problems else ""),
        highlight=False,
    )
    if upload:
        from jozi_lake.aws.clients import open_session
        from jozi_lake.storage import S3ObjectStore

        aws = open_session(env)
        keys = report.upload(S3ObjectStore(aws.lake.bucket, client=aws.client("s3")))
        for key in keys:
            console.print(f"  [green]✓[/] uploaded s3://{aws.lake.bucket}/{key}", highlight=False)
    console.print(str(path), highlight=False, soft_wrap=True)
    return report, path


def register(app: typer.Typer) -> None:
    """Add this area's command to the ``lake`` app."""

    @app.command("report")
    @friendly_errors
    def report_command(
        env_name: str = EnvOption,
        out: Path = typer.Option(  # noqa: B008 - typer declares options as defaults
            None,
            "--out",
            "-o",
            help="Where to write the HTML file (default: <lake>/reports/lake-report.html).",
            dir_okay=False,
        ),
        upload: bool = typer.Option(
            False, "--upload", help="dev|prod: also put the file under the lake's reports/ prefix."
        ),
    ) -> None:
        """Write one self-contained HTML file of charts (every named query, data quality, pipeline runs)
        and print its path."""
        make_report(resolve_env(env_name), out, upload=upload)
