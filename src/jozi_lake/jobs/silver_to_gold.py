"""The silver_to_gold job: recompute the gold tables for the order dates that new silver data touched.

bronze_to_silver appends, per table and run, the silver event dates it changed to
``silver/_state/changes/<table>/<run_id>.json``. This job reads every pending change file, maps the
dates to affected order dates and recomputes the whole of those gold partitions: the fact is staged
under ``gold/_staging/<run_id>/`` (every aggregate reads it), then each table is published with dynamic
partition overwrite (partitions left empty are deleted). Only after every table is published are the
change files removed, so a killed run is simply redone by the next one, and a run with nothing pending
changes nothing.

Date mapping:

* ``orders`` changed on D → order date D.
* order-linked tables (items, kitchen and dispatch events, complaints, ratings) → the order dates of the
  orders referenced in the changed partitions (a kitchen or dispatch event on D belongs to an order of D
  or D−1, but complaints and ratings may come days later, so the orders are looked up), plus D−1 and D
  for the event tables.
* ``load_shedding`` on D → D−1 and D (a window can overlap the oven stage of an order placed the day
  before, late at night).
* ``menu`` or ``drivers`` changed → every order date (their attributes appear on every date).
* ``repeat_customers`` for D depends on the 30 days after D, so it is recomputed for D−30..D too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import reduce

from pyspark import StorageLevel, inheritable_thread_target
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from jozi_lake.config import load_config
from jozi_lake.contracts import (
    GOLD,
    GoldContract,
    gold_contract,
    gold_contracts,
    resolve_tables,
    silver_contract,
    spark_ddl,
)
from jozi_lake.ids import new_run_id
from jozi_lake.jobs import lake_io
from jozi_lake.jobs.bronze_to_silver import ProgressCallback
from jozi_lake.jobs.concurrency import DEFAULT_PARALLEL_TABLES, map_tables
from jozi_lake.jobs.report import JobReport, TableReport, now_iso
from jozi_lake.jobs.run_tables import finish_run
from jozi_lake.layout import lake_layout
from jozi_lake.storage import ObjectStore
from jozi_lake.transforms import gold
from jozi_lake.transforms.typed import conform

JOB_NAME = "silver_to_gold"
ORDER_LINKED = ("order_items", "kitchen_events", "dispatch_events", "complaints", "ratings")
SAME_OR_NEXT_DAY = ("kitchen_events", "dispatch_events", "load_shedding")
DIMENSIONS = ("menu", "drivers")
FACT = "fact_deliveries"
REPEAT = "repeat_customers"


@dataclass
class PendingChanges:
    keys: list[str] = field(default_factory=list)
    dates_by_table: dict[str, set[str]] = field(default_factory=dict)


def pending_changes(store: ObjectStore) -> PendingChanges:
    pending = PendingChanges()
    for key in store.list_keys(lake_layout().change_log()):
        if not key.endswith(".json"):
            continue
        change = lake_io.read_json(store, key, {})
        pending.keys.append(key)
        pending.dates_by_table.setdefault(change["table"], set()).update(change.get("event_dates", []))
    return pending


def _shift(day: str, days: int) -> str:
    return (date.fromisoformat(day) + timedelta(days=days)).isoformat()


def silver_frame(
    spark: SparkSession, store: ObjectStore, table: str, dates: set[str] | None = None
) -> DataFrame:
    """A silver table with its contract schema, optionally only some event-date partitions; an empty
    frame with the same schema when the table has no data yet."""
    contract = silver_contract(table)
    try:
        frame = lake_io.read_table(spark, store, lake_layout().silver_table(table), contract.columns)
    except KeyError:
        return spark.createDataFrame([], spark_ddl(contract.columns))
    if dates is not None:
        frame = frame.where(
            F.col(contract.partition_column).isin([date.fromisoformat(d) for d in sorted(dates)])
        )
    return frame


def affected_order_dates(spark: SparkSession, store: ObjectStore, pending: PendingChanges) -> set[str]:
    """Order dates whose gold rows may change because of the pending silver changes."""
    changed = pending.dates_by_table
    if any(changed.get(t) for t in DIMENSIONS):
        return lake_io.partition_values(store, lake_layout().silver_table("orders"), "event_date")
    dates: set[str] = set(changed.get("orders", set()))
    for table in SAME_OR_NEXT_DAY:
        for day in changed.get(table, set()):
            dates.update({day, _shift(day, -1)})
    linked = [
        silver_frame(spark, store, table, changed[table]).select("order_id")
        for table in ORDER_LINKED
        if changed.get(table)
    ]
    if linked:
        order_ids = reduce(DataFrame.unionByName, linked).distinct()
        found = (
            silver_frame(spark, store, "orders")
            .join(order_ids, "order_id", "left_semi")
            .select(F.col("event_date").cast("string").alias("d"))
            .distinct()
            .collect()  # hygiene: bounded (distinct dates, at most a few thousand)
        )
        dates.update(row["d"] for row in found)
    return dates


def _stage(frame: DataFrame, contract: GoldContract, store: ObjectStore, staging: str) -> None:
    lake_io.write_partitions(
        conform(frame, contract.columns),
        lake_io.spark_uri(store, staging + contract.table + "/"),
        contract.partition_column,
    )


def _date_filter(column: str, dates: set[str]) -> F.Column:
    return F.col(column).isin([date.fromisoformat(d) for d in sorted(dates)])


def build_gold_frames(
    spark: SparkSession, store: ObjectStore, fact_dates: set[str], staging: str, timezone: str
) -> tuple[dict[str, DataFrame], set[str]]:
    """Every gold table for ``fact_dates`` as a frame, and the repeat_customers dates.

    The fact is computed once and staged (the aggregates all read it, and it must not be read from the
    table it is about to replace); the aggregates are lazy frames over the staged fact, written
    straight to their tables at publish time.
    """
    next_days = fact_dates | {_shift(d, 1) for d in fact_dates}
    earliest = min(fact_dates)
    orders = silver_frame(spark, store, "orders", fact_dates)
    since_earliest = F.col("event_date") >= F.lit(date.fromisoformat(earliest))
    order_items = silver_frame(spark, store, "order_items").where(since_earliest)
    fact = gold.build_fact_deliveries(
        orders=orders,
        order_items=order_items,
        kitchen_events=silver_frame(spark, store, "kitchen_events", next_days),
        dispatch_events=silver_frame(spark, store, "dispatch_events", next_days),
        complaints=silver_frame(spark, store, "complaints").where(since_earliest),
        ratings=silver_frame(spark, store, "ratings").where(since_earliest),
        load_shedding=silver_frame(
            spark, store, "load_shedding", {_shift(d, k) for d in fact_dates for k in (-1, 0, 1)}
        ),
        timezone=timezone,
    )
    fact_contract = gold_contract(FACT)
    _stage(fact, fact_contract, store, staging)
    staged_fact = (
        lake_io.read_table(spark, store, staging + FACT + "/", fact_contract.columns)
        if lake_io.has_data(store, staging + FACT + "/")
        else spark.createDataFrame([], spark_ddl(fact_contract.columns))
    )
    repeat_dates = fact_dates | {
        _shift(d, -k) for d in fact_dates for k in range(1, gold.REPEAT_WINDOW_DAYS + 1)
    }
    older = repeat_dates - fact_dates
    repeat_fact = staged_fact
    if older and lake_io.has_data(store, lake_layout().gold_table(FACT)):
        # Only dates this run does not recompute are read from the published fact.
        published = lake_io.read_table(spark, store, lake_layout().gold_table(FACT), fact_contract.columns)
        repeat_fact = staged_fact.unionByName(published.where(_date_filter("order_date", older)))
    horizon = {_shift(d, k) for d in repeat_dates for k in range(0, gold.REPEAT_WINDOW_DAYS + 2)}
    frames = {
        FACT: staged_fact,
        "delivery_performance_hourly": gold.delivery_performance_hourly(staged_fact),
        "lateness_stage_attribution": gold.lateness_stage_attribution(staged_fact),
        "driver_performance": gold.driver_performance(staged_fact, silver_frame(spark, store, "drivers")),
        "menu_prep_impact": gold.menu_prep_impact(
            staged_fact, order_items, silver_frame(spark, store, "menu")
        ),
        "complaints_vs_lateness": gold.complaints_vs_lateness(staged_fact),
        REPEAT: gold.repeat_customers(repeat_fact, silver_frame(spark, store, "orders", horizon)),
    }
    return frames, repeat_dates


def publish_table(
    spark: SparkSession,
    store: ObjectStore,
    contract: GoldContract,
    frame: DataFrame,
    dates: set[str],
    report: TableReport,
) -> None:
    """Replace the gold partitions of ``dates`` with ``frame``'s rows; delete those left empty."""
    part = contract.partition_column
    # Kept while it is counted and written, so the aggregation behind it runs once (gold tables are
    # small; the fact is a plain scan of its staged copy and needs no keeping).
    kept = frame if contract.table == FACT else frame.persist(StorageLevel.MEMORY_AND_DISK)
    try:
        figures = kept.agg(
            F.count(F.lit(1)).alias("rows"), F.collect_set(F.col(part).cast("string")).alias("dates")
        ).first()  # hygiene: bounded (one aggregated row per table)
        assert figures is not None
        produced = set(figures["dates"])
        report.rows_written = int(figures["rows"])
        if report.rows_written:
            lake_io.write_partitions(
                conform(kept, contract.columns),
                lake_io.spark_uri(store, lake_layout().gold_table(contract.table)),
                part,
            )
    finally:
        if kept is not frame:
            kept.unpersist()
    existing = lake_io.partition_values(store, lake_layout().gold_table(contract.table), part)
    emptied = (dates - produced) & existing
    lake_io.delete_partitions(store, lake_layout().gold_table(contract.table), part, emptied)
    report.partitions_changed = sorted(produced | emptied)


def run_silver_to_gold(
    spark: SparkSession,
    store: ObjectStore,
    tables: list[str] | None = None,
    run_id: str | None = None,
    env: str = "local",
    timezone: str | None = None,
    progress: ProgressCallback | None = None,
    parallel_tables: int = DEFAULT_PARALLEL_TABLES,
) -> JobReport:
    """Recompute gold for the dates touched since the last run; returns the report it also writes.

    ``tables`` limits which gold tables are published (all by default). A partial run does not
    consume the pending changes, so the next full run still brings every table up to date.
    """
    run_id = run_id or new_run_id()
    zone = timezone or load_config().source_timezone
    report = JobReport(job=JOB_NAME, run_id=run_id, env=env, started_at=now_iso())
    names = resolve_tables(GOLD, tables)
    staging_root = lake_layout().staging(GOLD)
    lake_io.delete_prefix(store, staging_root)
    staging = lake_layout().staging(GOLD, run_id)
    try:
        pending = pending_changes(store)
        _notify(progress, "gold: finding affected order dates")
        fact_dates = affected_order_dates(spark, store, pending) if pending.keys else set()
        if not fact_dates:
            report.tables = [TableReport(table=t, status="no_new_data") for t in names]
        else:
            _notify(progress, f"gold: computing {len(fact_dates)} order date(s)")
            frames, repeat_dates = build_gold_frames(spark, store, fact_dates, staging, zone)
            report.tables = [TableReport(table=table) for table in names]

            @inheritable_thread_target  # driver threads carry the caller's Spark job properties
            def publish(table_report: TableReport) -> None:
                table = table_report.table
                _notify(progress, f"gold: publishing {table}")
                dates = repeat_dates if table == REPEAT else fact_dates
                publish_table(spark, store, gold_contract(table), frames[table], dates, table_report)

            # The fact goes first, on its own: repeat_customers reads its older published dates.
            map_tables(publish, [r for r in report.tables if r.table == FACT], 1)
            map_tables(publish, [r for r in report.tables if r.table != FACT], parallel_tables)
        if len(names) == len(gold_contracts()):
            for key in pending.keys:
                store.delete(key)
        lake_io.delete_prefix(store, staging_root)
        report.finish("succeeded")
    except BaseException as err:
        report.finish("failed", str(err).splitlines()[0] if str(err) else type(err).__name__)
        finish_run(spark, store, report)
        raise
    finish_run(spark, store, report)
    return report


def _notify(progress: ProgressCallback | None, message: str) -> None:
    if progress is not None:
        progress(message)
