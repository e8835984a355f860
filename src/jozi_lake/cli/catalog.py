"""``lake crawl``, ``lake tables``, ``lake query`` and ``lake queries``: the catalog and Athena verbs.

Locally they run the local crawler and DuckDB; for ``--env dev|prod`` they hand over to the AWS
commands (Glue crawlers, the Glue catalog and Athena), so the verbs are the same in both places.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from jozi_lake.cli.common import EnvOption, console, friendly_errors, resolve_env
from jozi_lake.errors import LakeError

LAYERS = ("bronze", "silver", "gold")


def _parse_param(text: str) -> Any:
    """``--param`` values: integers and decimals become numbers, everything else stays text."""
    for convert in (int, float):
        try:
            return convert(text)
        except ValueError:
            continue
    return text


def register(app: typer.Typer) -> None:
    """Add this area's commands to the ``lake`` app."""

    @app.command("crawl")
    @friendly_errors
    def crawl_command(
        layer: list[str] = typer.Option(  # noqa: B008 - typer declares options as defaults
            None,
            "--layer",
            "-l",
            help="Layer to crawl: bronze, silver (with quarantine) or gold; repeatable.",
        ),
        env_name: str = EnvOption,
    ) -> None:
        """Crawl the lake into the catalog: tables, partitions, schema changes and conflicts."""
        layers = list(layer) if layer else list(LAYERS)
        unknown = [name for name in layers if name not in LAYERS]
        if unknown:
            raise LakeError(f"unknown layer {unknown[0]!r}", f"choose from {', '.join(LAYERS)}")
        env = resolve_env(env_name)
        if not env.is_local:
            from jozi_lake.aws import commands as aws_commands

            aws_commands.crawl(env, layers)
            return
        from jozi_lake.catalog import crawl
        from jozi_lake.catalog.report import print_crawl_result

        print_crawl_result(crawl(env, layers), console)

    @app.command("tables")
    @friendly_errors
    def tables_command(env_name: str = EnvOption) -> None:
        """List the catalogued databases and tables: columns, partitions and location."""
        env = resolve_env(env_name)
        if not env.is_local:
            from jozi_lake.aws import commands as aws_commands

            aws_commands.tables(env)
            return
        from jozi_lake.catalog import LocalCatalog
        from jozi_lake.catalog.report import print_catalog

        if print_catalog(LocalCatalog.for_env(env), console) == 0:
            bucket_dir = env.local_s3_root / env.bucket
            if not bucket_dir.is_dir() or not any(bucket_dir.iterdir()):
                raise LakeError(
                    f"the local lake at {bucket_dir} is empty", "run 'make demo' or 'lake run-pipeline'"
                )
            raise LakeError("nothing is catalogued yet", "run 'lake crawl'")

    @app.command("query")
    @friendly_errors
    def query_command(
        name_or_sql: str = typer.Argument(None, help="A named query (see 'lake queries') or SQL text."),
        sql: str = typer.Option(None, "--sql", help="Athena SQL to run."),
        file: Path = typer.Option(None, "--file", "-f", help="A file of Athena SQL to run.", dir_okay=False),  # noqa: B008
        param: list[str] = typer.Option(None, "--param", "-p", help="Value for a ? placeholder; repeatable."),  # noqa: B008
        limit: int = typer.Option(50, "--limit", "-n", min=1, help="Rows to print (all rows are counted)."),
        env_name: str = EnvOption,
    ) -> None:
        """Run Athena SQL or a named query and print the rows and what the query read."""
        given = [value for value in (name_or_sql, sql, file) if value]
        if len(given) != 1:
            raise LakeError(
                "give exactly one of: a named query, SQL text, --sql or --file",
                "'lake queries' lists the named queries",
            )
        named: str | None = None
        text: str | None = sql
        if file:
            try:
                text = Path(file).read_text(encoding="utf-8")
            except OSError as err:
                raise LakeError(f"cannot read {file}: {err.strerror}") from None
        elif name_or_sql:
            looks_like_sql = len(name_or_sql.split()) > 1
            named, text = (None, name_or_sql) if looks_like_sql else (name_or_sql, None)
        env = resolve_env(env_name)
        if not env.is_local:
            if param:
                raise LakeError(
                    "--param is only supported on the local engine", "write the values into the SQL"
                )
            from jozi_lake.aws import commands as aws_commands

            aws_commands.query(env, sql=text, named=named)
            return
        from jozi_lake.query import run_query
        from jozi_lake.query.report import print_result

        params = [_parse_param(p) for p in param] if param else None
        print_result(run_query(env, sql=text, named=named, params=params), console, limit=limit)

    @app.command("queries")
    @friendly_errors
    def queries_command() -> None:
        """List the named queries (sql/queries) with their titles."""
        from jozi_lake.query import list_named_queries
        from jozi_lake.query.report import print_named_queries

        print_named_queries(list_named_queries(), console)
