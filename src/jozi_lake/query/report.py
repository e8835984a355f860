"""Rich output for query results: the rows, then one line of what the query cost."""

from __future__ import annotations

import datetime as dt
import decimal
from typing import Any

from rich.console import Console
from rich.table import Table

from jozi_lake.query.engine import QueryResult
from jozi_lake.query.named import NamedQuery


def human_bytes(count: int) -> str:
    size = float(count)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{count} B"


def _cell(value: Any) -> str:
    if value is None:
        return "[dim]NULL[/]"
    if isinstance(value, float):
        # Six significant digits: shares keep their 4 decimals, minutes their fraction, no float noise.
        return f"{value:,.0f}" if abs(value) >= 1e6 else f"{value:.6g}"
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, decimal.Decimal | dt.date):
        return str(value)
    return str(value).replace("[", r"\[")


def stats_line(result: QueryResult) -> str:
    return (
        f"{result.row_count} row(s) in {result.elapsed_s:.3f} s · read {human_bytes(result.bytes_read)} "
        f"({human_bytes(result.bytes_scanned)} column data) from {result.files_read} file(s)"
    )


def print_result(result: QueryResult, console: Console, limit: int | None = None) -> None:
    """The rows (at most ``limit``) as a table, then the per-query stats line."""
    table = Table(title=result.name, title_justify="left")
    numeric = [
        all(isinstance(row[i], int | float | decimal.Decimal) or row[i] is None for row in result.rows)
        for i in range(len(result.columns))
    ]
    for index, column in enumerate(result.columns):
        table.add_column(column, justify="right" if numeric[index] and result.rows else "left")
    shown = result.rows if limit is None else result.rows[:limit]
    for row in shown:
        table.add_row(*(_cell(v) for v in row))
    console.print(table)
    if limit is not None and result.row_count > limit:
        console.print(f"[dim](showing {limit} of {result.row_count} rows; --limit to change)[/]")
    console.print(f"[dim]{stats_line(result)}[/]", highlight=False)


def print_named_queries(queries: list[NamedQuery], console: Console) -> None:
    table = Table(title="named queries (lake query <name>)")
    table.add_column("name", style="cyan")
    table.add_column("title")
    table.add_column("description")
    for query in queries:
        table.add_row(query.name, query.title, query.description)
    console.print(table)
