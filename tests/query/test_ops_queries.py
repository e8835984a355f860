"""The generic questions about the lake's own runs (sql/ops), answered by the local engine over the
hand-made ops tables of ops_lake_samples.py: which rule fails most this month, quarantine share per table,
row conservation per run, freshness and stage timings. They name no company table."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from ops_lake_samples import NOW, TODAY, days_ago
from typer.testing import CliRunner

from jozi_lake.cli import app
from jozi_lake.config import EnvConfig
from jozi_lake.contracts import gold_contracts, silver_contracts
from jozi_lake.errors import LakeError
from jozi_lake.local.engine import run_query
from jozi_lake.query.named import OPS, QUERIES, NamedQuery, get_named_query, list_named_queries


def ops_query(name: str) -> NamedQuery:
    return next(q for q in list_named_queries(folder=OPS) if q.name == name)


def answer(env: EnvConfig, name: str) -> list[dict]:
    """The answer as `lake query <name>` gives it: ops queries run by name like the analysts' ones."""
    by_name = run_query(env, named=name)
    assert by_name.name == name
    return by_name.as_dicts()


def test_ops_queries_name_no_company_table() -> None:
    company = set(silver_contracts()) | set(gold_contracts())
    for query in list_named_queries(folder=OPS):
        tables = set(re.findall(r"\bops\.(\w+)", query.sql))
        assert tables and tables <= {"job_table_runs", "job_rule_runs", "pipeline_stage_runs"}, query.name
        quoted = set(re.findall(r"'(\w+)'", query.sql))
        assert not quoted & company, f"{query.name} names {quoted & company}"


def test_the_rule_that_fails_most_this_month(gold_env: EnvConfig) -> None:
    rows = answer(gold_env, "top_failing_rules_this_month")
    assert [
        (r["rule_label"], r["severity"], r["rows_failed"], r["rows_checked"], r["runs"]) for r in rows
    ] == [
        # 1 of 100 in r-2 plus 15 of 60 in the failed gate run; last month's 500 channel_known do not count
        ("orders.placed_at_parseable", "quarantine", 16, 160, 2),
        ("orders.channel_known", "warn", 4, 100, 1),
        ("complaints.non_utf8", "quarantine", 2, 30, 1),
    ]  # status_known broke no row: left out
    assert [r["failure_share"] for r in rows] == [0.1, 0.04, 0.0667]


def test_quarantine_share_per_table_and_day(gold_env: EnvConfig) -> None:
    rows = answer(gold_env, "quarantine_share_by_table_daily")
    assert [(r["run_date"], r["table_name"], r["rows_read"], r["quarantine_share"]) for r in rows] == [
        (days_ago(89), "orders", 40, 0.05),
        (days_ago(1), "menu", 15, 0.0),
        (days_ago(1), "orders", 200, 0.015),
        (TODAY, "orders", 100, 0.01),  # the failed gate run and the empty menu read are left out
    ]


def test_row_conservation_per_run_finds_the_unbalanced_one(gold_env: EnvConfig) -> None:
    rows = answer(gold_env, "row_conservation_per_run")
    by_run = {r["run_id"]: r for r in rows}
    assert list(by_run) == ["r-edge-in", "r-1", "r-2", "r-gate"]  # by start; gold runs are not checked
    assert (by_run["r-edge-in"]["rows_unaccounted"], by_run["r-edge-in"]["unbalanced_tables"]) == (1, 1)
    assert by_run["r-1"]["rows_read"] == 215 and by_run["r-1"]["unbalanced_tables"] == 0
    assert by_run["r-gate"]["job_status"] == "failed"


def test_freshness_per_layer_and_table(gold_env: EnvConfig) -> None:
    rows = {r["table_label"]: r for r in answer(gold_env, "freshness_by_layer_table")}
    assert list(rows) == ["gold.fact_deliveries", "silver.menu", "silver.orders"]
    # The samples are dated from NOW, taken when pytest collected them; the query measures from its own now.
    waited = (dt.datetime.now(dt.UTC) - NOW).total_seconds() / 3600
    # silver.orders: r-2, not r-gate; silver.menu: r-2 wrote none
    assert rows["silver.orders"]["hours_since_new_rows"] == pytest.approx(2.0 + waited, abs=0.02)
    assert rows["silver.menu"]["hours_since_new_rows"] == pytest.approx(30.0 + waited, abs=0.02)
    assert rows["gold.fact_deliveries"]["hours_since_new_rows"] == pytest.approx(29.5 + waited, abs=0.02)
    assert rows["silver.menu"]["last_success_at"] > rows["silver.menu"]["last_new_rows_at"]


def test_stage_seconds_per_pipeline_run(gold_env: EnvConfig) -> None:
    rows = answer(gold_env, "pipeline_stage_seconds")
    assert [(r["run_id"], r["stage"], r["status"], r["duration_seconds"]) for r in rows] == [
        ("p-1", "ingest", "SUCCEEDED", 4.5),
        ("p-1", "bronze_to_silver", "SUCCEEDED", 80.0),
        ("p-2", "ingest", "SUCCEEDED", 3.0),
        ("p-2", "bronze_to_silver", "FAILED", 20.0),  # the skipped stage and the 120-day-old run are out
    ]
    started = rows[0]["run_started_at"]
    assert isinstance(started, dt.datetime)
    assert abs(started - (NOW - dt.timedelta(hours=30)).replace(tzinfo=None)) < dt.timedelta(seconds=1)


@pytest.mark.parametrize("query", list_named_queries(folder=OPS), ids=lambda q: q.name)
def test_every_ops_chart_names_only_returned_columns(gold_env: EnvConfig, query: NamedQuery) -> None:
    chart = query.chart()
    assert chart is not None and query.section
    columns = run_query(gold_env, sql=query.sql).columns
    assert set(chart.columns) <= set(columns), (chart.columns, columns)


def test_a_name_in_both_sql_folders_is_refused(tmp_path: Path) -> None:
    for folder in (QUERIES, OPS):
        (tmp_path / "sql" / folder).mkdir(parents=True)
        (tmp_path / "sql" / folder / "late_share.sql").write_text(
            "-- title: t\n-- description: d\nSELECT 1 AS x\n", encoding="utf-8"
        )
    with pytest.raises(LakeError, match=r"'late_share' is in both sql/queries/ and sql/ops/"):
        get_named_query("late_share", tmp_path / "sql")


def test_lake_queries_lists_the_ops_questions_too() -> None:
    result = CliRunner().invoke(app, ["queries"], terminal_width=200)
    assert result.exit_code == 0, result.output
    for query in list_named_queries(folder=OPS):
        assert query.name in result.output
    assert "sql/ops" in result.output and "sql/queries" in result.output
