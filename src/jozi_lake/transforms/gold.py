"""Gold business tables from silver frames: the delivery fact and the aggregates that answer
"where do peak-hour delays come from?".

The fact splits each delivered order's time into five stages that add up exactly to the total
(placed → prep started → prep finished → oven out → departed → delivered). Aggregates keep sums next
to averages where a roll-up over hours or days must stay exact. Doubles are rounded to 6 decimals so a
rerun, which may add the same numbers in another order, writes the same bytes.
"""

from __future__ import annotations

from functools import reduce

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from jozi_lake.transforms.normalize import local_date

# (stage, from milestone, to milestone): the documented stage definitions, in time order.
STAGES: tuple[tuple[str, str, str], ...] = (
    ("wait_before_prep", "placed_at", "prep_started_at"),
    ("prep", "prep_started_at", "prep_finished_at"),
    ("oven", "prep_finished_at", "oven_out_at"),
    ("wait_for_driver", "oven_out_at", "departed_at"),
    ("drive", "departed_at", "delivered_at"),
)
KITCHEN_MILESTONES = {
    "prep_started": "prep_started_at",
    "prep_finished": "prep_finished_at",
    "oven_in": "oven_in_at",
    "oven_out": "oven_out_at",
}
DISPATCH_MILESTONES = {
    "driver_assigned": "driver_assigned_at",
    "departed": "departed_at",
    "delivered": "delivered_at",
}
LATENESS_BUCKETS = ("on_time", "late_0_10", "late_10_20", "late_20_plus")
REPEAT_WINDOW_DAYS = 30
DECIMALS = 6


def minutes_between(start: Column, end: Column) -> Column:
    return F.round((F.unix_micros(end) - F.unix_micros(start)) / F.lit(60_000_000.0), DECIMALS)


def _first_event_times(events: DataFrame, milestones: dict[str, str]) -> DataFrame:
    """One row per order with the first time of each milestone (events may arrive out of order)."""
    return events.groupBy("order_id").agg(
        *[
            F.min(F.when(F.col("event_type") == kind, F.col("event_at"))).alias(column)
            for kind, column in milestones.items()
        ]
    )


def build_fact_deliveries(
    orders: DataFrame,
    order_items: DataFrame,
    kitchen_events: DataFrame,
    dispatch_events: DataFrame,
    complaints: DataFrame,
    ratings: DataFrame,
    load_shedding: DataFrame,
    timezone: str,
) -> DataFrame:
    """One row per delivered order in ``orders`` (silver columns); the other frames may hold more
    orders than needed, they are only joined to these."""
    delivered = orders.where(F.col("status") == "delivered")
    keys = delivered.select("order_id")
    kitchen = _first_event_times(kitchen_events.join(keys, "order_id", "left_semi"), KITCHEN_MILESTONES)
    dispatch_rows = dispatch_events.join(keys, "order_id", "left_semi")
    dispatch = _first_event_times(dispatch_rows, DISPATCH_MILESTONES)
    # The driver who departed with the order; failing that, the one assigned; ties broken by time.
    priority = F.when(F.col("event_type") == "departed", 0).when(F.col("event_type") == "driver_assigned", 1)
    drivers = (
        dispatch_rows.where(F.col("driver_id").isNotNull())
        .groupBy("order_id")
        .agg(
            F.min_by(
                F.col("driver_id"),
                F.struct(F.coalesce(priority, F.lit(2)), F.col("event_at"), F.col("driver_id")),
            ).alias("driver_id")
        )
    )
    items = (
        order_items.join(keys, "order_id", "left_semi")
        .groupBy("order_id")
        .agg(F.sum("qty").cast("int").alias("items_count"))
    )
    complained = (
        complaints.join(keys, "order_id", "left_semi")
        .select("order_id")
        .distinct()
        .withColumn("has_complaint", F.lit(True))
    )
    rated = (
        ratings.join(keys, "order_id", "left_semi")
        .groupBy("order_id")
        .agg(
            F.max_by(
                F.col("stars"), F.struct(F.col("rated_at"), F.col("updated_at"), F.col("rating_id"))
            ).alias("rating_stars")
        )
    )
    local_placed = F.from_utc_timestamp(F.col("placed_at"), timezone)
    base = (
        delivered.select(
            "order_id",
            "customer_id",
            local_date(F.col("placed_at"), timezone).alias("order_date"),
            F.hour(local_placed).alias("order_hour"),
            F.date_format(local_placed, "E").alias("weekday"),
            "placed_at",
            "promised_minutes",
            "zone",
            "suburb",
            "channel",
            "distance_km",
            "total_zar",
        )
        .join(kitchen, "order_id", "left")
        .join(dispatch, "order_id", "left")
        .join(drivers, "order_id", "left")
        .join(items, "order_id", "left")
        .join(complained, "order_id", "left")
        .join(rated, "order_id", "left")
    )
    windows = load_shedding.select(F.col("starts_at").alias("ls_start"), F.col("ends_at").alias("ls_end"))
    shed = (
        base.select("order_id", "prep_finished_at", "oven_out_at")
        .join(
            F.broadcast(windows),
            (F.col("prep_finished_at") < F.col("ls_end")) & (F.col("oven_out_at") > F.col("ls_start")),
        )
        .select("order_id")
        .distinct()
        .withColumn("during_load_shedding", F.lit(True))
    )
    fact = base.join(shed, "order_id", "left")
    stage_columns = [
        minutes_between(F.col(start), F.col(end)).alias(f"{name}_min") for name, start, end in STAGES
    ]
    total = minutes_between(F.col("placed_at"), F.col("delivered_at"))
    fact = fact.select(
        "*",
        *stage_columns,
        total.alias("total_min"),
        F.round(total - F.col("promised_minutes"), DECIMALS).alias("minutes_late"),
    )
    return fact.select(
        "*",
        (F.col("minutes_late") > 0).alias("is_late"),
    ).fillna(False, subset=["has_complaint", "during_load_shedding"])


def delivery_performance_hourly(fact: DataFrame) -> DataFrame:
    return fact.groupBy("order_date", "order_hour", "weekday").agg(
        F.count(F.lit(1)).alias("orders"),
        F.count(F.when(F.col("is_late"), 1)).alias("late_orders"),
        F.round(F.count(F.when(F.col("is_late"), 1)) / F.count(F.lit(1)), DECIMALS).alias("late_share"),
        F.round(F.percentile(F.col("total_min"), F.lit(0.5)), DECIMALS).alias("p50_total_min"),
        F.round(F.percentile(F.col("total_min"), F.lit(0.9)), DECIMALS).alias("p90_total_min"),
        F.round(F.avg("minutes_late"), DECIMALS).alias("avg_minutes_late"),
    )


def lateness_stage_attribution(fact: DataFrame) -> DataFrame:
    per_stage = reduce(
        DataFrame.unionByName,
        [
            fact.select(
                "order_date",
                "order_hour",
                "weekday",
                "is_late",
                F.lit(name).alias("stage"),
                F.col(f"{name}_min").alias("m"),
            )
            for name, _start, _end in STAGES
        ],
    ).where(F.col("m").isNotNull() & F.col("is_late").isNotNull())
    return per_stage.groupBy("order_date", "order_hour", "weekday", "stage").agg(
        F.count(F.lit(1)).alias("orders"),
        F.count(F.when(F.col("is_late"), 1)).alias("late_orders"),
        F.round(F.coalesce(F.sum(F.when(F.col("is_late"), F.col("m"))), F.lit(0.0)), DECIMALS).alias(
            "stage_min_sum_late"
        ),
        F.round(F.coalesce(F.sum(F.when(~F.col("is_late"), F.col("m"))), F.lit(0.0)), DECIMALS).alias(
            "stage_min_sum_on_time"
        ),
    )


def driver_performance(fact: DataFrame, drivers: DataFrame) -> DataFrame:
    roster = drivers.select("driver_id", "shift", "vehicle")
    return (
        fact.where(F.col("driver_id").isNotNull())
        .join(F.broadcast(roster), "driver_id", "left")
        .groupBy("order_date", "driver_id", "shift", "vehicle")
        .agg(
            F.count(F.lit(1)).alias("deliveries"),
            F.count(F.when(F.col("is_late"), 1)).alias("late_deliveries"),
            F.round(F.avg("drive_min"), DECIMALS).alias("avg_drive_min"),
            F.round(F.avg("wait_for_driver_min"), DECIMALS).alias("avg_wait_for_driver_min"),
            F.round(
                F.sum("drive_min") / F.sum(F.when(F.col("drive_min").isNotNull(), F.col("distance_km"))),
                DECIMALS,
            ).alias("avg_min_per_km"),
            F.count(F.when(F.col("has_complaint"), 1)).alias("complaints"),
        )
    )


def menu_prep_impact(fact: DataFrame, order_items: DataFrame, menu: DataFrame) -> DataFrame:
    per_order_item = order_items.groupBy("order_id", "item_id").agg(F.sum("qty").alias("qty"))
    catalogue = menu.select("item_id", F.col("name").alias("item_name"), "category", "base_prep_minutes")
    return (
        fact.select("order_id", "order_date", "prep_min")
        .join(per_order_item, "order_id")
        .join(F.broadcast(catalogue), "item_id", "left")
        .groupBy("order_date", "item_id", "item_name", "category", "base_prep_minutes")
        .agg(
            F.count(F.lit(1)).alias("orders_with_item"),
            F.sum("qty").cast("bigint").alias("qty"),
            F.round(F.avg("prep_min"), DECIMALS).alias("avg_prep_min"),
            F.round(F.coalesce(F.sum("prep_min"), F.lit(0.0)), DECIMALS).alias("prep_min_sum"),
        )
    )


def lateness_bucket(minutes_late: Column) -> Column:
    return (
        F.when(minutes_late <= 0, "on_time")
        .when(minutes_late <= 10, "late_0_10")
        .when(minutes_late <= 20, "late_10_20")
        .otherwise("late_20_plus")
    )


def complaints_vs_lateness(fact: DataFrame) -> DataFrame:
    return (
        fact.where(F.col("minutes_late").isNotNull())
        .withColumn("lateness_bucket", lateness_bucket(F.col("minutes_late")))
        .groupBy("order_date", "lateness_bucket")
        .agg(
            F.count(F.lit(1)).alias("orders"),
            F.count(F.when(F.col("has_complaint"), 1)).alias("complaints"),
            F.round(F.count(F.when(F.col("has_complaint"), 1)) / F.count(F.lit(1)), DECIMALS).alias(
                "complaint_rate"
            ),
            F.count("rating_stars").alias("rated_orders"),
            F.round(F.avg("rating_stars"), DECIMALS).alias("avg_stars"),
        )
    )


def repeat_customers(fact: DataFrame, orders: DataFrame) -> DataFrame:
    """``fact``: delivered orders of the dates to compute; ``orders``: every silver order (any status)
    placed from those dates up to 30 days after, where the reorders are looked for."""
    later = orders.select(F.col("customer_id").alias("c2"), F.col("placed_at").alias("p2"))
    window = F.expr(f"INTERVAL {REPEAT_WINDOW_DAYS} DAYS")
    flagged = (
        fact.where(F.col("is_late").isNotNull())
        .select("order_id", "order_date", "customer_id", "placed_at", "is_late")
        .join(
            later,
            (F.col("customer_id") == F.col("c2"))
            & (F.col("p2") > F.col("placed_at"))
            & (F.col("p2") <= F.col("placed_at") + window),
            "left",
        )
        .groupBy("order_id", "order_date", "customer_id", "is_late")
        .agg((F.count("p2") > 0).alias("reordered"))
    )
    return (
        flagged.withColumn("experience", F.when(F.col("is_late"), "late").otherwise("on_time"))
        .groupBy("order_date", "experience")
        .agg(
            F.count(F.lit(1)).alias("orders"),
            F.countDistinct("customer_id").alias("customers"),
            F.countDistinct(F.when(F.col("reordered"), F.col("customer_id"))).alias("reordered_within_30d"),
        )
        .withColumn("repeat_rate", F.round(F.col("reordered_within_30d") / F.col("customers"), DECIMALS))
    )
