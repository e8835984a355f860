"""``lake crawl``, ``tables``, ``query``, ``queries`` and ``create-views``: the catalog and Athena verbs."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from jozi_lake.cli import render
from jozi_lake.cli.common import EnvName, friendly_errors, lake
from jozi_lake.config import load_config
from jozi_lake.errors import LakeError


def parse_param(text: str) -> Any:
    """``--param`` values: integers and decimals become numbers, everything else stays text."""
    for convert in (int, float):
        try:
            return convert(text)
        except ValueError:
            continue
    return text


@friendly_errors
def crawl(
    layer: Annotated[
        list[str] | None,
        typer.Option(
            "--layer",
            "-l",
            help="What to crawl: a layer (bronze, silver, gold), quarantine or ops; repeatable.",
        ),
    ] = None,
    env: EnvName = "local",
) -> None:
    """Crawl the lake into the catalog: tables, partitions, schema changes and conflicts."""
    layers = list(layer or [])
    known = load_config().crawl_targets
    unknown = [name for name in layers if name not in known]
    if unknown:
        raise LakeError(f"unknown layer {unknown[0]!r}", f"choose from: {', '.join(known)}")
    backend = lake(env)
    with render.progress("crawling ...") as status:
        result = backend.crawl(layers, progress=status.update)
    render.crawl_result(result)
    if result.failed:
        first = result.failed[0]
        raise LakeError(
            f"crawler {first.crawler} ended {first.state}: {first.error or 'no error message'}",
            f"see CloudWatch log group /aws-glue/crawlers, stream {first.crawler}",
        )


@friendly_errors
def tables(env: EnvName = "local") -> None:
    """List the catalogued databases and tables: columns, partitions and location."""
    render.tables(lake(env).tables())


@friendly_errors
def query(
    name_or_sql: Annotated[
        str | None, typer.Argument(help="A named query (see 'lake queries') or SQL text.")
    ] = None,
    sql: Annotated[str | None, typer.Option("--sql", help="Athena SQL to run.")] = None,
    file: Annotated[
        Path | None, typer.Option("--file", "-f", help="A file of Athena SQL to run.", dir_okay=False)
    ] = None,
    param: Annotated[
        list[str] | None, typer.Option("--param", "-p", help="Value for a ? placeholder; repeatable.")
    ] = None,
    limit: Annotated[
        int, typer.Option("--limit", "-n", min=1, help="Rows to print (all rows are counted).")
    ] = 50,
    fmt: Annotated[
        str,
        typer.Option("--format", help="table (default), or csv, json, markdown: every row, for piping."),
    ] = "table",
    env: EnvName = "local",
) -> None:
    """Run Athena SQL or a named query and print the rows and what the query read."""
    from jozi_lake.query.formats import FORMATS

    if fmt not in FORMATS:
        raise LakeError(f"unknown --format {fmt!r}", f"choose one of: {', '.join(FORMATS)}")
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
    params = [parse_param(p) for p in param] if param else None
    backend = lake(env)
    with render.progress("querying ..."):
        result = backend.query(sql=text, named=named, params=params)
    if fmt == "table":
        render.query_result(result, limit=limit)
        if named is not None and not params:  # say which values the file's defaults filled in
            from jozi_lake.query.named import find_named_query

            found = find_named_query(named)
            if found is not None and found.params:
                render.note(f"with the query's -- params: {', '.join(found.params)} (--param replaces them)")
    else:
        render.answer_text(fmt, result)


@friendly_errors
def queries() -> None:
    """List the named queries (sql/queries, then the lake's own sql/ops) with their titles."""
    from jozi_lake.query.named import runnable_queries

    render.named_queries(runnable_queries())


@friendly_errors
def create_views(env: EnvName = "local") -> None:
    """Create or replace the sql/views views in the environment's Athena gold database (AWS)."""
    backend = lake(env)
    with render.progress("creating views ..."):
        created = backend.create_views()
    render.views(created)


def register(app: typer.Typer) -> None:
    app.command()(crawl)
    app.command()(tables)
    app.command()(query)
    app.command()(queries)
    app.command("create-views")(create_views)
