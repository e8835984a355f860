"""The Spark pipeline and the DuckDB reference implementation must agree on the gold numbers.

Both read the same bronze files (a small generated dataset with the default defects, landed through
the file-drop path) and implement the same contracts independently: the Glue jobs in PySpark, the
reference in DuckDB SQL (``jozi_bench.reference``). Agreement means the benchmark compares
like with like, and a disagreement points at a logic error in one of them.

What is compared, and how exactly:

* silver row counts per table (same parsing, quarantine and latest-version-wins rules);
* ``fact_deliveries`` per order: date, hour, weekday, the five stage minutes, total and minutes late,
  is_late, items, driver, complaint/rating/load-shedding flags;
* ``delivery_performance_hourly`` per date and hour: orders, late orders and weekday exactly; late
  share, average lateness and the p50/p90 of total minutes as numbers.

Gold rounds its doubles to 6 decimals and the reference does the same, so numbers are compared to
1.5e-6: enough for a value whose unrounded form sits on a rounding boundary to land on either side
(seen for averages), far too tight for any real difference. Both sides use the *exact* percentile
with linear interpolation between the two nearest ranks (Spark ``percentile``, DuckDB
``quantile_cont``); an approximate percentile on either side would fail here, on purpose.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from jozi_bench.reference import ReferenceRun, run_reference

from jozi_lake.config import env_config, load_config

pytestmark = pytest.mark.spark

STAGE_COLUMNS = ("wait_before_prep_min", "prep_min", "oven_min", "wait_for_driver_min", "drive_min")
FACT_DOUBLES = (*STAGE_COLUMNS, "total_min", "minutes_late")
FACT_EXACT = (
    "order_date",
    "order_hour",
    "weekday",
    "is_late",
    "items_count",
    "driver_id",
    "has_complaint",
    "rating_stars",
    "during_load_shedding",
)
# One unit in the 6th decimal (plus float noise): gold and the reference both round to 6 decimals, and a
# value sitting on a rounding boundary may land on either side depending on the engine's rounding.
TOLERANCE = 1.5e-6
# Only what the compared gold tables need: the benchmark's own run does all tables; here time counts.
SILVER_TABLES = (
    "orders",
    "order_items",
    "kitchen_events",
    "dispatch_events",
    "complaints",
    "ratings",
    "load_shedding",
)
GOLD_TABLES = ("fact_deliveries", "delivery_performance_hourly")


class Lakes:
    """One small lake processed by Spark, and the reference's tables over the same bronze."""

    def __init__(self, spark: Any, bucket_dir: Path, reference: ReferenceRun) -> None:
        self.spark = spark
        self.bucket_dir = bucket_dir
        self.reference = reference

    def spark_rows(self, layer: str, table: str) -> list[dict[str, Any]]:
        path = self.bucket_dir / layer / table
        if not path.is_dir():
            return []
        frame = self.spark.read.parquet(path.as_uri())
        return [row.asDict() for row in frame.collect()]

    def reference_rows(self, table: str) -> list[dict[str, Any]]:
        cursor = self.reference.con.execute(f"SELECT * FROM {table}")
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


@pytest.fixture(scope="module")
def lakes(spark: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lakes]:
    from jozi_lake.demo.generator import GeneratorParams, generate
    from jozi_lake.ingest.drops import land_generated_dataset
    from jozi_lake.local.runner import run_jobs
    from jozi_lake.storage import store_for_env

    home = tmp_path_factory.mktemp("reference-equality") / "lake"
    home.mkdir()
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("LAKE_HOME", str(home))
        env = env_config("local")
        # Small but with every defect kind switched on at its default rate; seed picked arbitrarily.
        generate(
            GeneratorParams(start=dt.date(2026, 6, 1), days=4, orders_per_day=45, seed=11),
            env.local_source_dir,
        )
        land_generated_dataset(env.local_source_dir, store_for_env(env), load_config().source_names)
        run_jobs(
            env, ["bronze_to_silver", "silver_to_gold"], tables=[*SILVER_TABLES, *GOLD_TABLES], spark=spark
        )
        bucket_dir = env.local_s3_root / env.bucket
        reference = run_reference(bucket_dir / "bronze")
        try:
            yield Lakes(spark, bucket_dir, reference)
        finally:
            reference.con.close()


def _close(a: Any, b: Any) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(float(a), float(b), rel_tol=0.0, abs_tol=TOLERANCE)


def test_silver_row_counts_agree(lakes: Lakes) -> None:
    differences = {}
    for table in SILVER_TABLES:
        expected = lakes.reference.silver_rows[table]
        got = len(lakes.spark_rows("silver", table))
        if got != expected:
            differences[table] = {"spark": got, "duckdb_reference": expected}
    assert not differences, f"silver row counts differ: {differences}"


def test_fact_deliveries_agree_per_order(lakes: Lakes) -> None:
    spark_rows = {r["order_id"]: r for r in lakes.spark_rows("gold", "fact_deliveries")}
    reference_rows = {r["order_id"]: r for r in lakes.reference_rows("g_fact_deliveries")}
    assert len(reference_rows) > 100, "the dataset is too small to compare anything"
    assert set(spark_rows) == set(reference_rows), (
        f"orders only in Spark: {sorted(set(spark_rows) - set(reference_rows))[:10]}, "
        f"only in the reference: {sorted(set(reference_rows) - set(spark_rows))[:10]}"
    )
    mismatches = []
    for order_id, ref in reference_rows.items():
        got = spark_rows[order_id]
        for column in FACT_DOUBLES:
            if not _close(got[column], ref[column]):
                mismatches.append((order_id, column, got[column], ref[column]))
        for column in FACT_EXACT:
            if got[column] != ref[column]:
                mismatches.append((order_id, column, got[column], ref[column]))
    assert not mismatches, f"{len(mismatches)} differences, first ones: {mismatches[:10]}"


def test_hourly_late_share_and_percentiles_agree(lakes: Lakes) -> None:
    def key(row: dict[str, Any]) -> tuple[Any, Any]:
        return (row["order_date"], row["order_hour"])

    spark_rows = {key(r): r for r in lakes.spark_rows("gold", "delivery_performance_hourly")}
    reference_rows = {key(r): r for r in lakes.reference_rows("g_delivery_performance_hourly")}
    assert reference_rows, "the reference produced no hourly rows"
    assert set(spark_rows) == set(reference_rows)
    mismatches = []
    for hour, ref in reference_rows.items():
        got = spark_rows[hour]
        for column in ("orders", "late_orders", "weekday"):
            if got[column] != ref[column]:
                mismatches.append((hour, column, got[column], ref[column]))
        for column in ("late_share", "avg_minutes_late", "p50_total_min", "p90_total_min"):
            if not _close(got[column], ref[column]):
                mismatches.append((hour, column, got[column], ref[column]))
    assert not mismatches, f"{len(mismatches)} differences, first ones: {mismatches[:10]}"
