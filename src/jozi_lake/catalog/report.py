"""Rich tables for crawl results and catalog listings (the CLI prints these; tests read the data)."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from jozi_lake.catalog.crawler import CrawlResult
from jozi_lake.catalog.model import Catalog

_ACTION_STYLE = {"created": "green", "updated": "yellow", "deleted": "red", "unchanged": "dim"}


def print_crawl_result(result: CrawlResult, console: Console) -> None:
    """One row per table touched, then the schema conflicts and warnings (never hidden)."""
    table = Table(title=f"crawl: {', '.join(result.layers)}")
    for header in ("database", "table", "action", "columns", "partitions", "+partitions", "-partitions"):
        table.add_column(header, justify="right" if "partition" in header or header == "columns" else "left")
    table.add_column("new columns")
    for item in result.tables:
        style = _ACTION_STYLE.get(item.action, "")
        table.add_row(
            item.database,
            item.table,
            f"[{style}]{item.action}[/]" if style else item.action,
            str(item.columns),
            str(item.partitions),
            str(item.partitions_added),
            str(item.partitions_removed),
            ", ".join(item.new_columns),
        )
    console.print(table)
    if result.conflicts:
        conflicts = Table(title="schema conflicts (the table keeps its type; fix the writer)", style="red")
        for header in ("table", "column", "table type", "file type", "file"):
            conflicts.add_column(header)
        for c in result.conflicts:
            conflicts.add_row(f"{c.database}.{c.table}", c.column, c.existing, c.incoming, c.file)
        console.print(conflicts)
    for warning in result.warnings:
        console.print(f"[yellow]warning:[/] {warning}", highlight=False)
    if not result.tables:
        console.print("no tables found in the crawled layers")


def print_catalog(catalog: Catalog, console: Console) -> int:
    """List every database and table; returns the number of tables printed."""
    table = Table(title="catalog")
    for header in ("database", "table", "format", "columns", "partition keys", "partitions", "location"):
        table.add_column(header, justify="right" if header in ("columns", "partitions") else "left")
    count = 0
    for database in catalog.list_databases():
        for name in catalog.list_tables(database):
            definition = catalog.get_table(database, name)
            table.add_row(
                database,
                name,
                definition.classification,
                str(len(definition.columns)),
                ", ".join(k.name for k in definition.partition_keys),
                str(len(definition.partitions)),
                definition.location,
            )
            count += 1
    console.print(table)
    return count
