"""``lake crawl | tables | query | queries`` through the real Typer app."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from typer.testing import CliRunner

from jozi_lake.cli import app

runner = CliRunner()
ParquetWriter = Callable[[Path, str, str], Path]


def lake(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args), env={"COLUMNS": "200"})
    return result.exit_code, result.output


def test_crawl_on_an_empty_lake_is_one_clear_line(lake_home: Path) -> None:
    code, output = lake("crawl")
    assert code == 1
    assert "error: the local lake at" in output and "is empty" in output
    assert "fix: run 'make demo' or 'lake run-pipeline'" in output
    assert "Traceback" not in output


def test_crawl_tables_query_round_trip(lake_home: Path, parquet_file: ParquetWriter) -> None:
    for day, amount in (("2026-06-01", 10), ("2026-06-02", 32)):
        parquet_file(
            lake_home, f"gold/sales/order_date={day}/p.parquet", f"SELECT {amount}::BIGINT AS amount"
        )
    code, output = lake("crawl", "--layer", "gold")
    assert code == 0 and "sales" in output and "created" in output

    code, output = lake("tables")
    assert code == 0 and "jozi_pizza_local_gold" in output and "order_date" in output

    code, output = lake("query", "SELECT sum(amount) AS total FROM sales WHERE order_date = '2026-06-02'")
    assert code == 0, output
    assert "32" in output and "1 row(s)" in output and "from 1 file(s)" in output

    code, output = lake("query", "--sql", "SELECT amount FROM sales ORDER BY amount", "--limit", "1")
    assert code == 0 and "showing 1 of 2 rows" in output

    sql_file = lake_home / "q.sql"
    sql_file.write_text("-- my question\nSELECT count(*) AS n FROM sales WHERE amount > ?\n")
    code, output = lake("query", "--file", str(sql_file), "--param", "15")
    assert code == 0 and "1 row(s)" in output


def test_query_errors_are_one_line_each(lake_home: Path, parquet_file: ParquetWriter) -> None:
    parquet_file(lake_home, "gold/sales/order_date=2026-06-01/p.parquet", "SELECT 1::BIGINT AS amount")
    lake("crawl")
    code, output = lake("query", "late_share_by_hour_weeekday")
    assert (
        code == 1 and "unknown named query" in output and "did you mean late_share_by_hour_weekday" in output
    )
    code, output = lake("query", "SELECT * FROM sale")
    assert code == 1 and "unknown table gold.sale" in output and "did you mean sales" in output
    code, output = lake("query", "SELECT amount FROM sales WHERE")
    assert code == 1 and "could not parse the query" in output
    code, output = lake("query", "DROP TABLE sales")
    assert code == 1 and "DROP statements are not allowed" in output
    code, output = lake("query")
    assert code == 1 and "give exactly one of" in output
    code, output = lake("crawl", "--layer", "platinum")
    assert code == 1 and "unknown layer 'platinum'" in output


def test_queries_lists_named_queries_with_titles() -> None:
    code, output = lake("queries")
    assert code == 0
    assert "peak_hour_stage_excess" in output and "Which stage makes peak-hour orders late" in output


def test_query_format_prints_every_row_for_pipes(lake_home: Path, parquet_file: ParquetWriter) -> None:
    """--format csv|json|markdown: the answer alone on stdout, every row, machine-readable."""
    parquet_file(lake_home, "gold/sales/order_date=2026-06-01/p.parquet", "SELECT 10::BIGINT AS amount")
    assert lake("crawl", "--layer", "gold")[0] == 0
    code, output = lake("query", "SELECT amount, order_date FROM sales", "--format", "csv")
    assert code == 0, output
    assert output.splitlines() == ["amount,order_date", "10,2026-06-01"]
    code, output = lake("query", "SELECT amount FROM sales", "--format", "json")
    assert code == 0 and json.loads(output) == [{"amount": 10}]
    code, output = lake("query", "SELECT amount FROM sales", "--format", "xml")
    assert code == 1 and "unknown --format 'xml'" in output
