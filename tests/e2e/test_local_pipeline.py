"""The whole local lake, end to end, on two weeks of generated store data.

Generates data with a fixed seed, runs the pipeline exactly as ``lake run-pipeline`` does (ingest from
the local API → crawl → silver → crawl → gold → crawl → quality summary), then asks the analysts'
named queries — through the same SQL and DuckDB engine ``lake query`` uses — and checks that the
answers find the delay causes the generator planted. A second run must find nothing new.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from jozi_lake.backend import SKIPPED, SUCCEEDED, PipelineOptions, QuietEvents
from jozi_lake.config import env_config
from jozi_lake.demo.generator import GeneratorParams, generate
from jozi_lake.jobs.report import JobReport, latest_reports
from jozi_lake.local.backend import LocalBackend
from jozi_lake.local.engine import run_query
from jozi_lake.local.pipeline import recent_runs
from jozi_lake.query import list_named_queries
from jozi_lake.query.named import OPS
from jozi_lake.storage import store_for_env

pytestmark = [pytest.mark.spark, pytest.mark.slow]

START = dt.date(2026, 6, 1)  # a Monday: two whole weeks
DAYS = 14
ORDERS_PER_DAY = 80
SEED = 7


@pytest.fixture(scope="module")
def lake(spark: Any, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    home = tmp_path_factory.mktemp("e2e") / "lake"
    mp = pytest.MonkeyPatch()
    mp.setenv("LAKE_HOME", str(home))
    env = env_config("local")
    manifest = generate(
        GeneratorParams(start=START, days=DAYS, orders_per_day=ORDERS_PER_DAY, seed=SEED),
        env.local_source_dir,
    )
    backend = LocalBackend(env, spark=spark)
    first = backend.run_pipeline(PipelineOptions(), QuietEvents())
    answers = {
        name: run_query(env, named=name).as_dicts()
        for name in (
            "stage_excess_by_weekday_daypart",
            "zone_lateness",
            "load_shedding_impact",
            "complaints_vs_lateness",
            "late_share_by_hour_weekday",
            "repeat_after_late",
            "quarantine_share_orders_daily",
        )
    }
    ops_answers = {
        query.name: run_query(env, sql=query.sql).as_dicts() for query in list_named_queries(folder=OPS)
    }
    gold_before = _gold_snapshot(env)
    second = backend.run_pipeline(PipelineOptions(), QuietEvents())
    yield {
        "env": env,
        "manifest": manifest,
        "first": first,
        "second": second,
        "answers": answers,
        "ops_answers": ops_answers,
        "ops_after_second": {
            query.name: run_query(env, sql=query.sql).as_dicts() for query in list_named_queries(folder=OPS)
        },
        "gold_before": gold_before,
        "gold_after": _gold_snapshot(env),
    }
    mp.undo()


def _gold_snapshot(env: Any) -> list[dict[str, Any]]:
    return run_query(
        env,
        sql="SELECT order_date, count(*) AS orders, sum(total_min) AS minutes FROM fact_deliveries "
        "GROUP BY order_date ORDER BY order_date",
    ).as_dicts()


def test_every_stage_ran_in_lake_yaml_order(lake: dict[str, Any]) -> None:
    run = lake["first"]
    assert run.status == SUCCEEDED
    assert [s.name for s in run.stages] == [
        "ingest",
        "crawl_bronze",
        "bronze_to_silver",
        "crawl_silver",
        "crawl_quarantine",
        "silver_to_gold",
        "crawl_gold",
        "crawl_ops",
        "quality_summary",
    ]
    assert all(s.status == SUCCEEDED for s in run.stages)
    assert recent_runs(lake["env"], 5)[0].run_id == lake["second"].run_id


def test_every_bronze_row_is_accounted_for(lake: dict[str, Any]) -> None:
    """Rows served by the API = rows read by silver = written + quarantined + duplicates removed."""
    env = lake["env"]
    reports = [JobReport.from_dict(r) for r in latest_reports(store_for_env(env), 10)]
    silver = next(r for r in reports if r.job == "bronze_to_silver" and r.run_id == lake["first"].run_id)
    served = {name: src["records"] for name, src in lake["manifest"]["sources"].items()}
    read = {t.table: t.rows_read for t in silver.tables}
    for table, rows in served.items():
        assert read.get(table, 0) == rows, (
            f"{table}: the API served {rows} rows, silver read {read.get(table)}"
        )
    for t in silver.tables:
        assert t.rows_read == t.rows_written + t.rows_quarantined + t.duplicates_removed, t.table
    assert sum(t.rows_quarantined for t in silver.tables) > 0, (
        "the default messiness must quarantine something"
    )
    assert sum(t.duplicates_removed for t in silver.tables) > 0, "duplicates and re-sends must collapse"


def test_drivers_cause_weekend_dinner_lateness(lake: dict[str, Any]) -> None:
    rows = {(r["weekday"], r["daypart"]): r for r in lake["answers"]["stage_excess_by_weekday_daypart"]}
    for weekday in ("Fri", "Sat"):
        assert rows[(weekday, "dinner")]["top_stage"] == "wait_for_driver", rows[(weekday, "dinner")]


def test_kitchen_line_causes_weekday_lunch_lateness(lake: dict[str, Any]) -> None:
    rows = {(r["weekday"], r["daypart"]): r for r in lake["answers"]["stage_excess_by_weekday_daypart"]}
    weekday_lunch = [
        rows[(d, "lunch")]["top_stage"] for d in ("Mon", "Tue", "Wed", "Thu", "Fri") if (d, "lunch") in rows
    ]
    assert weekday_lunch.count("wait_before_prep") >= 3, weekday_lunch


def test_far_zones_are_late_from_the_drive(lake: dict[str, Any]) -> None:
    zones = {r["zone"]: r for r in lake["answers"]["zone_lateness"]}
    far = min(zones[z]["late_share"] for z in ("east", "west"))
    near = max(zones[z]["late_share"] for z in ("central", "north"))
    assert far > near
    assert min(zones[z]["avg_drive_min"] for z in ("east", "west")) > 2 * max(
        zones[z]["avg_drive_min"] for z in ("central", "north")
    )


def test_load_shedding_stalls_the_oven(lake: dict[str, Any]) -> None:
    rows = {r["during_load_shedding"]: r for r in lake["answers"]["load_shedding_impact"]}
    assert set(rows) == {True, False}, "two weeks of seed 7 include load-shedding windows"
    assert rows[True]["avg_oven_min"] > 1.5 * rows[False]["avg_oven_min"]
    assert rows[True]["late_share"] > rows[False]["late_share"]


def test_complaints_rise_with_lateness(lake: dict[str, Any]) -> None:
    rate = {r["lateness_bucket"]: r["complaint_rate"] for r in lake["answers"]["complaints_vs_lateness"]}
    assert rate["on_time"] < rate["late_0_10"] < rate["late_20_plus"]


def test_peaks_are_busier_than_the_afternoon_lull(lake: dict[str, Any]) -> None:
    by_hour: dict[int, int] = {}
    for row in lake["answers"]["late_share_by_hour_weekday"]:
        by_hour[row["order_hour"]] = by_hour.get(row["order_hour"], 0) + row["orders"]
    assert by_hour[19] > 2 * by_hour[16] and by_hour[12] > 2 * by_hour[16]


def test_second_run_finds_nothing_new_and_changes_nothing(lake: dict[str, Any]) -> None:
    second = lake["second"]
    assert second.status == SUCCEEDED
    assert second.stages[0].summary == "nothing new"
    assert all(s.status == SKIPPED for s in second.stages[1:])
    assert lake["gold_after"] == lake["gold_before"]


def test_run_records_are_json(lake: dict[str, Any]) -> None:
    records = sorted(Path(lake["env"].lake_home, "pipeline-runs").glob("*.json"))
    assert len(records) == 2
    assert json.loads(records[0].read_text())["status"] == SUCCEEDED


def test_late_deliveries_cost_repeat_customers(lake: dict[str, Any]) -> None:
    rate = {r["experience"]: r["repeat_rate"] for r in lake["answers"]["repeat_after_late"]}
    assert rate["late"] < rate["on_time"] - 0.1, rate


def _silver_report(lake: dict[str, Any]) -> JobReport:
    reports = [JobReport.from_dict(r) for r in latest_reports(store_for_env(lake["env"]), 10)]
    return next(r for r in reports if r.job == "bronze_to_silver" and r.run_id == lake["first"].run_id)


def test_the_runs_figures_are_tables_the_analysts_sql_reads(lake: dict[str, Any]) -> None:
    """ops.job_table_runs, ops.job_rule_runs and ops.pipeline_stage_runs hold what the run reports say."""
    orders = next(t for t in _silver_report(lake).tables if t.table == "orders")
    (today,) = lake["answers"]["quarantine_share_orders_daily"]
    assert (today["rows_read"], today["rows_quarantined"]) == (orders.rows_read, orders.rows_quarantined)
    assert today["quarantine_share"] == round(orders.rows_quarantined / orders.rows_read, 4)

    rules = lake["ops_answers"]["top_failing_rules_this_month"]
    failures = {
        (t.table, rule): n for t in _silver_report(lake).tables for rule, n in t.rule_failures.items()
    }
    assert {(r["table_name"], r["rule"]): r["rows_failed"] for r in rules} == {
        key: n for key, n in failures.items() if n
    }
    assert rules[0]["rows_failed"] == max(failures.values())

    conservation = lake["ops_answers"]["row_conservation_per_run"]
    assert [(r["run_id"], r["unbalanced_tables"]) for r in conservation] == [(lake["first"].run_id, 0)]

    stages = [r for r in lake["ops_answers"]["pipeline_stage_seconds"] if r["run_id"] == lake["first"].run_id]
    assert [r["stage"] for r in stages] == [s.name for s in lake["first"].stages]
    assert [r["duration_seconds"] for r in stages] == [s.duration_s for s in lake["first"].stages]
    freshness = {r["table_label"]: r for r in lake["ops_answers"]["freshness_by_layer_table"]}
    assert freshness["silver.orders"]["hours_since_new_rows"] < 1
    assert freshness["gold.fact_deliveries"]["hours_since_new_rows"] < 1


def test_a_run_with_nothing_new_adds_only_its_stage_timings(lake: dict[str, Any]) -> None:
    before, after = lake["ops_answers"], lake["ops_after_second"]
    assert after["row_conservation_per_run"] == before["row_conservation_per_run"]
    assert after["top_failing_rules_this_month"] == before["top_failing_rules_this_month"]
    second = [r for r in after["pipeline_stage_seconds"] if r["run_id"] == lake["second"].run_id]
    assert [r["stage"] for r in second] == ["ingest"]  # skipped stages have no seconds to show
