"""Latest-version-wins merge against silver, and the gold models' arithmetic (their SQL), on tiny frames."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import yaml
from pyspark.sql import functions as F

from jozi_lake import project
from jozi_lake.contracts import parse_silver_contract, spark_ddl
from jozi_lake.jobs.silver_to_gold import TIMEZONE_VARIABLE, model_frame
from jozi_lake.lineage import gold_model
from jozi_lake.transforms import dedup

ZONE = "Africa/Johannesburg"  # the zone the fixture times are written in
STAGES = ("wait_before_prep", "prep", "oven", "wait_for_driver", "drive")


def run_model(spark: Any, table: str, **inputs: Any) -> Any:
    """A gold model's SQL (sql/gold/<table>.sql) over the given frames, as the gold job runs it."""
    spark.conf.set(TIMEZONE_VARIABLE, ZONE)
    return model_frame(spark, gold_model(table), inputs)


pytestmark = pytest.mark.spark


def menu_as_events() -> Any:
    """The menu's columns as an event table partitioned by its last change (what menu was before it
    became a reference table): a small keyed event contract for the merge."""
    raw = yaml.safe_load(project.project_file("contracts", "silver", "menu.yaml").read_text(encoding="utf-8"))
    for option in ("kind", "history"):
        raw.pop(option, None)
    raw["event_time"] = "updated_at"
    return parse_silver_contract(raw, "menu as events")


def _menu_rows(spark: Any, rows: list[tuple], extra: bool) -> Any:
    contract = menu_as_events()
    ddl = spark_ddl(contract.columns)
    frame = spark.createDataFrame(
        [
            (
                item,
                name,
                "pizza",
                8.0,
                None,
                dt.datetime(2026, 6, day, 10),
                day_offset,
                batch or f"b{day}",
                dt.date(2026, 6, day),
            )
            for item, name, day, day_offset, *override in rows
            for batch in [override[0] if override else None]
        ],
        ddl,
    )
    if extra:
        frame = frame.withColumn("bronze_file", F.lit("f")).withColumn("raw_record", F.col("name"))
    return frame


def test_latest_version_wins_across_batches_and_partitions(spark: Any) -> None:
    contract = menu_as_events()
    existing = _menu_rows(
        spark,
        [
            ("ITM-1", "old", 1, 120),
            ("ITM-2", "same", 2, 120),
            ("ITM-3", "keep", 1, 120),
            ("ITM-5", "rerun-a", 1, 120),
        ],
        False,
    )
    incoming = _menu_rows(
        spark,
        [
            ("ITM-1", "new", 3, 120),  # later: replaces the silver row that lives in another partition
            ("ITM-1", "older", 2, 120),  # between: loses to the newer incoming row
            ("ITM-2", "same", 2, 120),  # same updated_at as silver: a re-send, silver wins
            ("ITM-3", "fixed", 1, 120, "b2"),  # same updated_at, other values, later batch: a correction
            ("ITM-5", "rerun-b", 1, 120),  # a killed run's batch again (b1): the row it published stays
            ("ITM-4", "fresh", 1, 120),
            ("ITM-4", "fresh", 1, 120),  # exact duplicate within the batch
        ],
        True,
    )
    merged = dedup.merge_latest(incoming, existing, contract)
    statuses = sorted(
        (r["item_id"], r["name"], r[dedup.STATUS], r[dedup.HAD_EXISTING]) for r in merged.incoming.collect()
    )
    assert statuses == [
        ("ITM-1", "new", "written", True),
        ("ITM-1", "older", "duplicate", True),
        ("ITM-2", "same", "duplicate", True),
        ("ITM-3", "fixed", "written", True),
        ("ITM-4", "fresh", "duplicate", False),
        ("ITM-4", "fresh", "written", False),
        ("ITM-5", "rerun-b", "duplicate", True),
    ]
    assert sorted((r["item_id"], r["name"], r["event_date"]) for r in merged.replaced.collect()) == [
        ("ITM-1", "old", dt.date(2026, 6, 1)),
        ("ITM-3", "keep", dt.date(2026, 6, 1)),
    ]
    dates = spark.createDataFrame([(dt.date(2026, 6, 1),), (dt.date(2026, 6, 3),)], "event_date date")
    rebuilt = dedup.rebuild_partitions(existing, merged.winners, dates, contract)
    assert sorted((r["item_id"], r["name"], r["event_date"].day) for r in rebuilt.collect()) == [
        ("ITM-1", "new", 3),
        ("ITM-3", "fixed", 1),
        ("ITM-4", "fresh", 1),
        ("ITM-5", "rerun-a", 1),
    ]


def test_fact_stages_add_up_and_aggregates_keep_exact_sums(spark: Any) -> None:
    t0 = dt.datetime(2026, 6, 5, 16, 0)  # 18:00 local, a Friday

    def at(minutes: float) -> dt.datetime:
        return t0 + dt.timedelta(minutes=minutes)

    orders = spark.createDataFrame(
        [
            ("O1", "C1", t0, "app", "east", "Benoni", 10.0, 40, None, "delivered"),
            ("O2", "C2", t0, "app", "north", "Rosebank", 2.0, 40, None, "delivered"),
            ("O3", "C1", at(60 * 24 * 3), "app", "north", "Rosebank", 2.0, 40, None, "delivered"),
            ("O4", "C3", t0, "app", "north", "Rosebank", 2.0, 40, None, "cancelled"),
        ],
        "order_id string, customer_id string, placed_at timestamp, channel string, zone string, "
        "suburb string, distance_km double, promised_minutes int, total_zar decimal(10,2), status string",
    )
    kitchen_rows, dispatch_rows = [], []
    for oid, wait, drive in (("O1", 30, 25), ("O2", 5, 10)):
        marks = {"prep_started": 5, "prep_finished": 15, "oven_in": 16, "oven_out": 25}
        kitchen_rows += [(oid, kind, at(m)) for kind, m in marks.items()]
        kitchen_rows.append((oid, "oven_out", at(40)))  # a later duplicate milestone: the first counts
        dispatch_rows += [
            (oid, "driver_assigned", at(25 + wait - 2), "DRV-1"),
            (oid, "departed", at(25 + wait), "DRV-1"),
            (oid, "delivered", at(25 + wait + drive), "DRV-1"),
        ]
    kitchen = spark.createDataFrame(kitchen_rows, "order_id string, event_type string, event_at timestamp")
    dispatch = spark.createDataFrame(
        dispatch_rows, "order_id string, event_type string, event_at timestamp, driver_id string"
    )
    items = spark.createDataFrame(
        [("O1", "ITM-1", 2), ("O1", "ITM-2", 1), ("O2", "ITM-1", 1)],
        "order_id string, item_id string, qty int",
    )
    complaints = spark.createDataFrame([("O1",)], "order_id string")
    ratings = spark.createDataFrame(
        [("O1", 2, at(100), at(100), "R1"), ("O1", 1, at(200), at(200), "R2")],
        "order_id string, stars int, rated_at timestamp, updated_at timestamp, rating_id string",
    )
    shedding = spark.createDataFrame([(at(20), at(22))], "starts_at timestamp, ends_at timestamp")
    fact = run_model(
        spark,
        "fact_deliveries",
        orders=orders,
        order_items=items,
        kitchen_events=kitchen,
        dispatch_events=dispatch,
        complaints=complaints,
        ratings=ratings,
        load_shedding=shedding,
    ).cache()  # the aggregates below read it, as the gold job reads the kept fact
    by_id = {r["order_id"]: r for r in fact.collect()}
    assert set(by_id) == {"O1", "O2", "O3"}  # cancelled orders are not deliveries
    o1 = by_id["O1"]
    assert (o1["order_date"], o1["order_hour"], o1["weekday"]) == (dt.date(2026, 6, 5), 18, "Fri")
    assert [o1[f"{s}_min"] for s in STAGES] == [5.0, 10.0, 10.0, 30.0, 25.0]
    assert o1["total_min"] == 80.0 and o1["minutes_late"] == 40.0 and o1["is_late"] is True
    assert (o1["items_count"], o1["has_complaint"], o1["rating_stars"], o1["during_load_shedding"]) == (
        3,
        True,
        1,
        True,
    )
    assert by_id["O2"]["is_late"] is False and by_id["O2"]["during_load_shedding"] is True
    assert by_id["O3"]["total_min"] is None and by_id["O3"]["has_complaint"] is False

    attribution = {
        r["stage"]: r
        for r in run_model(spark, "lateness_stage_attribution", fact_deliveries=fact)
        .where(F.col("order_date") == "2026-06-05")
        .collect()
    }
    assert attribution["wait_for_driver"]["stage_min_sum_late"] == 30.0
    assert attribution["wait_for_driver"]["stage_min_sum_on_time"] == 5.0
    assert attribution["drive"]["late_orders"] == 1 and attribution["drive"]["orders"] == 2

    buckets = {
        r["lateness_bucket"]: r
        for r in run_model(spark, "complaints_vs_lateness", fact_deliveries=fact).collect()
    }
    assert buckets["late_20_plus"]["complaints"] == 1 and buckets["on_time"]["complaints"] == 0

    repeat = {
        (r["order_date"].day, r["experience"]): r
        for r in run_model(
            spark, "repeat_customers", fact_deliveries=fact, orders=orders.select("customer_id", "placed_at")
        ).collect()
    }
    # C1 came back three days after a late delivery; C2 never did.
    assert repeat[(5, "late")]["reordered_within_30d"] == 1
    assert repeat[(5, "on_time")]["reordered_within_30d"] == 0
