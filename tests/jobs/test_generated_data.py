"""The whole local job chain on a small generated period (fixed seed): every bronze row is accounted
for, and gold's stage attribution points at the delay causes the generator plants (documented in
jozi_lake.demo.generator.simulate): drivers at the Friday/Saturday dinner peak, ovens during load-shedding.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from pyspark.sql import functions as F

from jozi_lake.config import env_config
from jozi_lake.demo.generator import SOURCES, GeneratorParams, generate
from jozi_lake.ingest.drops import land_generated_dataset
from jozi_lake.jobs.lake_io import spark_uri
from jozi_lake.local.runner import run_jobs
from jozi_lake.storage import store_for_env

pytestmark = [pytest.mark.spark, pytest.mark.slow]

# Mon 2026-06-01 .. Sun 2026-06-14: two Friday/Saturday dinner peaks; seed 7 has load-shedding windows.
PARAMS = GeneratorParams(start=dt.date(2026, 6, 1), days=14, orders_per_day=30, seed=7)
STAGES = ("wait_before_prep", "prep", "oven", "wait_for_driver", "drive")


@pytest.fixture(scope="module")
def generated_lake(spark: Any, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    home = tmp_path_factory.mktemp("generated")
    mp = pytest.MonkeyPatch()
    mp.setenv("LAKE_HOME", str(home))
    try:
        env = env_config("local")
        store = store_for_env(env)
        manifest = generate(PARAMS, env.local_source_dir)
        land_generated_dataset(env.local_source_dir, store, list(SOURCES), run_id="20260615T000000Z-abc123")
        report = run_jobs(env, ["all"], spark=spark, run_id="gen")
        yield {"store": store, "manifest": manifest, "report": report}
    finally:
        mp.undo()


def test_every_generated_record_is_read_and_accounted_for(generated_lake: dict[str, Any]) -> None:
    report, manifest = generated_lake["report"], generated_lake["manifest"]
    assert report.succeeded
    silver = {t.table: t for t in report.jobs[0].tables}
    for source, emitted in manifest["sources"].items():
        records = emitted["records"] if isinstance(emitted, dict) else emitted
        assert silver[source].rows_read == records, source
        assert silver[source].conserved, source
    quarantined = sum(t.rows_quarantined for t in silver.values())
    non_utf8 = manifest["defects"]["non_utf8"]["count"]
    assert sum(t.rule_failures.get("non_utf8", 0) for t in silver.values()) == non_utf8
    assert quarantined >= non_utf8
    json.dumps(report.to_dict())


def _excess_minutes(spark: Any, store: Any, peak: Any) -> dict[str, float]:
    """Per stage: average minutes in late orders minus average in on-time orders, within ``peak``."""
    attribution = spark.read.parquet(spark_uri(store, "gold/lateness_stage_attribution/")).where(peak)
    rows = attribution.groupBy("stage").agg(
        (F.sum("stage_min_sum_late") / F.sum("late_orders")).alias("late_avg"),
        (F.sum("stage_min_sum_on_time") / (F.sum("orders") - F.sum("late_orders"))).alias("on_time_avg"),
    )
    return {r["stage"]: (r["late_avg"] or 0.0) - (r["on_time_avg"] or 0.0) for r in rows.collect()}


def test_friday_saturday_dinner_lateness_comes_from_waiting_for_drivers(
    spark: Any, generated_lake: dict[str, Any]
) -> None:
    peak = F.col("weekday").isin("Fri", "Sat") & F.col("order_hour").between(18, 20)
    excess = _excess_minutes(spark, generated_lake["store"], peak)
    assert set(excess) == set(STAGES)
    assert max(excess, key=excess.get) == "wait_for_driver", excess


def test_load_shedding_stretches_the_oven_stage(spark: Any, generated_lake: dict[str, Any]) -> None:
    fact = spark.read.parquet(spark_uri(generated_lake["store"], "gold/fact_deliveries/"))
    averages = {
        r["during_load_shedding"]: r
        for r in fact.groupBy("during_load_shedding")
        .agg(F.count(F.lit(1)).alias("orders"), *[F.avg(f"{s}_min").alias(s) for s in STAGES])
        .collect()
    }
    assert averages[True]["orders"] > 0, "the seed should include a load-shedding window in opening hours"
    # Of all stages, the oven is the one that grows most for orders caught by a power cut.
    growth = {s: averages[True][s] - averages[False][s] for s in STAGES}
    assert max(growth, key=growth.get) == "oven", growth
    assert growth["oven"] > 0


def test_gold_covers_every_generated_order_date(spark: Any, generated_lake: dict[str, Any]) -> None:
    store = generated_lake["store"]
    dates = {
        r["order_date"]
        for r in spark.read.parquet(spark_uri(store, "gold/delivery_performance_hourly/"))
        .select("order_date")
        .distinct()
        .collect()
    }
    expected = {PARAMS.start + dt.timedelta(days=i) for i in range(PARAMS.days)}
    assert expected <= dates
    assert Path(store.base, "gold/_reports").is_dir()
