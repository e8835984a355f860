"""Reference tables end to end on Spark: SCD2 history (menu, drivers) through silver and into the gold
joins, full snapshots with deletions and the mass-deletion stop, a table without a natural key, and a
reference table crawled, listed and queried in DuckDB like any other.

The store's scenario starts from the hand-made lake of jobs_lake_samples (batch one), then a later
batch changes a driver's vehicle mid-dinner and a pizza's prep time mid-dinner; a third batch re-sends
the same versions (one with a fresh ``updated_at``), which must change nothing.
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Iterator
from typing import Any

import pytest
import yaml
from jobs_lake_samples import batch_one, new_store, put_batch

from jozi_lake import project
from jozi_lake.config import env_config
from jozi_lake.jobs import bronze_to_silver as b2s
from jozi_lake.jobs import silver_to_gold as s2g
from jozi_lake.jobs.lake_io import spark_uri
from jozi_lake.local.backend import LocalBackend
from jozi_lake.local.crawler import crawl
from jozi_lake.local.engine import run_query
from jozi_lake.storage import LocalObjectStore

pytestmark = pytest.mark.spark

# 18:50 local (UTC+2): DRV-001 switches from scooter to car; ITM-01's prep time goes from 8 to 9 at 18:10.
VEHICLE_CHANGE = dt.datetime(2026, 6, 5, 16, 50)
PREP_CHANGE = dt.datetime(2026, 6, 5, 16, 10)


def driver(vehicle: str, updated_at: str) -> dict[str, Any]:
    return {
        "driver_id": "DRV-001",
        "name": "Thabo",
        "shift": "dinner",
        "vehicle": vehicle,
        "hired_on": "2025-01-15",
        "updated_at": updated_at,
    }


def margherita(prep: float, updated_at: str) -> dict[str, Any]:
    return {
        "item_id": "ITM-01",
        "name": "Margherita",
        "category": "pizza",
        "base_prep_minutes": prep,
        "price_zar": "R 75,25",
        "updated_at": updated_at,
    }


def rows(spark: Any, store: LocalObjectStore, prefix: str) -> list[dict[str, Any]]:
    return sorted((r.asDict() for r in spark.read.parquet(spark_uri(store, prefix)).collect()), key=repr)


def table_report(job: Any, table: str) -> Any:
    return next(t for t in job.tables if t.table == table)


def gold_state(spark: Any, store: LocalObjectStore) -> dict[str, list[tuple]]:
    return {
        name: sorted(
            (tuple(r) for r in spark.read.parquet(spark_uri(store, f"gold/{name}/")).collect()), key=repr
        )
        for name in ("driver_performance", "menu_prep_impact", "fact_deliveries")
    }


@pytest.fixture(scope="module")
def history(spark: Any, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    store = new_store(tmp_path_factory.mktemp("scd2"))
    first = batch_one()
    # The sample's ORD-20 was placed two days before its events: outside the look-back of one day that
    # driver_performance declares for a new driver version (deliveries follow their order within hours).
    first["orders"] = [
        o for o in first["orders"] if not (isinstance(o, dict) and o["order_id"] == "ORD-000020")
    ]
    put_batch(store, "2026-06-06", "r1", first)
    b2s.run_bronze_to_silver(spark, store, run_id="run1", env="test")
    s2g.run_silver_to_gold(spark, store, run_id="run1", env="test")
    put_batch(
        store,
        "2026-06-08",
        "r2",
        {"drivers": [driver("car", "2026-06-05 18:50:00")], "menu": [margherita(9, "2026-06-05 18:10:00")]},
    )
    silver2 = b2s.run_bronze_to_silver(spark, store, run_id="run2", env="test")
    gold2 = s2g.run_silver_to_gold(spark, store, run_id="run2", env="test")
    after_change = {
        "drivers": rows(spark, store, "silver/drivers/"),
        "menu": rows(spark, store, "silver/menu/"),
        "gold": gold_state(spark, store),
    }
    # A re-send of the same versions, one with a later updated_at but the same values.
    put_batch(
        store,
        "2026-06-09",
        "r3",
        {"drivers": [driver("car", "2026-06-07 08:00:00")], "menu": [margherita(9, "2026-06-05 18:10:00")]},
    )
    silver3 = b2s.run_bronze_to_silver(spark, store, run_id="run3", env="test")
    gold3 = s2g.run_silver_to_gold(spark, store, run_id="run3", env="test")
    return {
        "store": store,
        "silver2": silver2,
        "gold2": gold2,
        "silver3": silver3,
        "gold3": gold3,
        "after_change": after_change,
        "after_resend": {
            "drivers": rows(spark, store, "silver/drivers/"),
            "menu": rows(spark, store, "silver/menu/"),
            "gold": gold_state(spark, store),
        },
    }


def test_a_changed_reference_row_closes_the_old_version_and_opens_a_new_one(history: dict[str, Any]) -> None:
    versions = sorted(history["after_change"]["drivers"], key=lambda r: r["valid_to"] is None)
    assert [(r["vehicle"], r["valid_from"], r["valid_to"], r["is_current"]) for r in versions] == [
        ("scooter", None, VEHICLE_CHANGE, False),  # the first version: valid since before the lake saw it
        ("car", VEHICLE_CHANGE, None, True),
    ]
    assert [r["bronze_batch_id"] for r in versions] == ["2026-06-06_r1", "2026-06-08_r2"]
    report = table_report(history["silver2"], "drivers")
    assert (report.rows_read, report.rows_written, report.rows_replacing, report.duplicates_removed) == (
        1,
        1,
        1,
        0,
    )
    menu = {(r["item_id"], r["base_prep_minutes"]): r for r in history["after_change"]["menu"]}
    assert (
        menu[("ITM-01", 8.0)]["valid_to"] == PREP_CHANGE
        and menu[("ITM-01", 9.0)]["valid_from"] == PREP_CHANGE
    )
    assert menu[("ITM-02", 3.0)]["is_current"] and menu[("ITM-02", 3.0)]["valid_from"] is None


def test_rerunning_the_same_versions_changes_nothing(history: dict[str, Any]) -> None:
    assert history["after_resend"] == history["after_change"]
    for table in ("drivers", "menu"):
        report = table_report(history["silver3"], table)
        assert (report.rows_read, report.rows_written, report.duplicates_removed) == (1, 0, 1), table
        assert not history["store"].exists(f"silver/_state/changes/{table}/run3.json")
    assert all(t.status == "no_new_data" for t in history["gold3"].tables)


def test_gold_joins_the_version_valid_at_event_time(history: dict[str, Any]) -> None:
    gold = history["after_change"]["gold"]
    # driver_performance rows (partition last): (driver, shift, vehicle, deliveries, ...) per order_date.
    per_vehicle = {(r[-1], r[2]): r[3] for r in gold["driver_performance"]}
    assert {vehicle for _day, vehicle in per_vehicle} == {"scooter", "car"}
    # The fact's delivery times decide: delivered before 18:50 local with the scooter, after with the car.
    counted: dict[tuple[Any, str], int] = {}
    for r in _fact_rows(history["store"]):
        moment = r["delivered_at"] or r["departed_at"] or r["placed_at"]
        key = (r["order_date"], "car" if moment >= VEHICLE_CHANGE else "scooter")
        counted[key] = counted.get(key, 0) + 1
    assert per_vehicle == counted
    # menu_prep_impact: ITM-01 orders placed before 18:10 local saw 8 prep minutes, later ones 9.
    prep = {(r[-1], r[3]): r[4] for r in gold["menu_prep_impact"] if r[0] == "ITM-01"}
    assert set(prep) == {(dt.date(2026, 6, 5), 8.0), (dt.date(2026, 6, 5), 9.0)}
    # Only the dates from the change on were recomputed (validity mapping), not the 2026-06-03 one.
    assert table_report(history["gold2"], "driver_performance").partitions_changed == ["2026-06-05"]


def _fact_rows(store: LocalObjectStore) -> list[dict[str, Any]]:
    import duckdb

    path = store.base / "gold" / "fact_deliveries"
    with duckdb.connect() as con:
        con.execute("SET TimeZone = 'UTC'")
        cursor = con.execute(
            "SELECT order_date::DATE, CAST(placed_at AS TIMESTAMP), CAST(departed_at AS TIMESTAMP), "
            "CAST(delivered_at AS TIMESTAMP) "
            f"FROM read_parquet('{path}/*/*.parquet', hive_partitioning = true) "
            "WHERE order_id IN (SELECT order_id FROM read_parquet("
            f"'{path}/*/*.parquet', hive_partitioning = true) WHERE driver_id = 'DRV-001')"
        )
        return [
            {"order_date": d, "placed_at": p, "departed_at": dep, "delivered_at": deliv}
            for d, p, dep, deliv in cursor.fetchall()
        ]


# ------------------------------------------------------------------ full snapshots, keyless tables

ZONES = {
    "table": "zones",
    "description": "Delivery zones as a complete daily export (a code-to-name list, no timestamps).",
    "kind": "reference",
    "primary_key": ["zone_code"],
    "full_snapshot": True,
    "max_deleted_share": 0.5,
    "columns": [
        {"name": "zone_code", "type": "string", "parse": "text", "required": True, "description": "Code."},
        {"name": "zone_name", "type": "string", "parse": "text", "description": "Name."},
    ],
}
READINGS = {
    "table": "oven_readings",
    "description": "Oven temperature readings: no natural key.",
    "primary_key": "none",
    "event_time": "read_at",
    "columns": [
        {"name": "oven", "type": "string", "parse": "text", "required": True, "description": "Oven."},
        {
            "name": "read_at",
            "type": "timestamp",
            "parse": "local_timestamp",
            "required": True,
            "description": "At.",
        },
        {"name": "celsius", "type": "double", "parse": "number", "description": "Temperature."},
    ],
}


@pytest.fixture(scope="module")
def snapshots(spark: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """A project with two more silver tables (a full-snapshot zone list, twice: latest and history, and
    a keyless event table), run through three exports."""
    base = tmp_path_factory.mktemp("snapshots")
    folder = base / "project"
    source = project.project_dir()
    folder.mkdir()
    shutil.copy2(source / "lake.yaml", folder / "lake.yaml")
    for sub in ("contracts", "sql"):
        shutil.copytree(source / sub, folder / sub)
    silver = folder / "contracts" / "silver"
    (silver / "zones.yaml").write_text(yaml.safe_dump(ZONES), encoding="utf-8")
    (silver / "zone_history.yaml").write_text(
        yaml.safe_dump({**ZONES, "table": "zone_history", "history": "scd2"}), encoding="utf-8"
    )
    (silver / "oven_readings.yaml").write_text(yaml.safe_dump(READINGS), encoding="utf-8")
    tables = ["zones", "zone_history", "oven_readings"]

    def zones(*pairs: tuple[str, str]) -> list[dict[str, str]]:
        return [{"zone_code": code, "zone_name": name} for code, name in pairs]

    reading = {"oven": "oven-2", "read_at": "2026-06-05 18:00:00", "celsius": None}
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(project.PROJECT_DIR_ENV_VAR, str(folder))
        patch.setenv("LAKE_HOME", str(base / "lake"))
        env = env_config("local")
        store = LocalObjectStore(env.local_s3_root, env.bucket)
        full = zones(("Z1", "North"), ("Z2", "Central"), ("Z3", "South"), ("Z4", "East"))
        put_batch(
            store,
            "2026-06-06",
            "20260606T003000Z-aaaaaa",
            {
                "zones": full,
                "zone_history": full,
                "oven_readings": [reading, reading, {**reading, "oven": "oven-1", "celsius": "212.5"}],
            },
        )
        first = b2s.run_bronze_to_silver(spark, store, tables=tables, run_id="s1", env="test")
        second_export = zones(("Z1", "North"), ("Z2", "Central CBD"), ("Z3", "South"))  # Z4 gone, Z2 renamed
        put_batch(
            store,
            "2026-06-07",
            "20260607T003000Z-bbbbbb",
            {
                "zones": second_export,
                "zone_history": second_export,
                "oven_readings": [reading, {**reading, "read_at": "2026-06-06 09:00:00", "celsius": "180"}],
            },
        )
        second = b2s.run_bronze_to_silver(spark, store, tables=tables, run_id="s2", env="test")
        state = {
            "zones": rows(spark, store, "silver/zones/"),
            "zone_history": rows(spark, store, "silver/zone_history/"),
            "oven_readings": rows(spark, store, "silver/oven_readings/"),
        }
        # A truncated export: only Z1 would remain (2 of 3 current keys deleted, above the 50% allowed).
        truncated = zones(("Z1", "North"))
        put_batch(
            store, "2026-06-08", "20260608T003000Z-cccccc", {"zones": truncated, "zone_history": truncated}
        )
        with pytest.raises(b2s.QualityGateError) as stopped:
            b2s.run_bronze_to_silver(spark, store, tables=tables, run_id="s3", env="test")
        after_stop = {"zones": rows(spark, store, "silver/zones/")}
        yield {
            "store": store,
            "folder": folder,
            "first": first,
            "second": second,
            "state": state,
            "stopped": stopped.value,
            "after_stop": after_stop,
            "env": env,
        }


def test_a_key_missing_from_a_full_snapshot_is_marked_deleted(snapshots: dict[str, Any]) -> None:
    latest = {r["zone_code"]: r for r in snapshots["state"]["zones"]}
    assert {code: (r["zone_name"], r["is_deleted"]) for code, r in latest.items()} == {
        "Z1": ("North", False),
        "Z2": ("Central CBD", False),  # no dedup_order: the later batch wins
        "Z3": ("South", False),
        "Z4": ("East", True),  # kept with its last values
    }
    # The deleted row keeps the batch its values came from (a replay of that batch re-derives it).
    assert latest["Z4"]["bronze_batch_id"] == "2026-06-06_20260606T003000Z-aaaaaa"
    assert table_report(snapshots["second"], "zones").rows_deleted == 1
    history = sorted(
        snapshots["state"]["zone_history"], key=lambda r: (r["zone_code"], r["valid_from"] or dt.datetime.min)
    )
    deleted_at = dt.datetime(2026, 6, 7, 0, 30)  # the deleting batch's run time
    assert [
        (r["zone_code"], r["zone_name"], r["valid_from"], r["valid_to"], r["is_current"], r["is_deleted"])
        for r in history
        if r["zone_code"] in ("Z2", "Z4")
    ] == [
        ("Z2", "Central", None, deleted_at, False, False),
        ("Z2", "Central CBD", deleted_at, None, True, False),
        ("Z4", "East", None, deleted_at, False, False),
        ("Z4", None, deleted_at, None, False, True),  # the deletion row
    ]
    for report in (snapshots["first"], snapshots["second"]):
        assert all(t.conserved for t in report.tables)


def test_a_truncated_snapshot_stops_the_job_before_anything_is_published(snapshots: dict[str, Any]) -> None:
    message = str(snapshots["stopped"])
    assert (
        "zones: full snapshot 2026-06-08_20260608T003000Z-cccccc lacks 2 of 3 current keys (67% > " in message
    )
    assert "a truncated export is not a mass deletion" in message
    assert "contracts/silver/zones.yaml" in message
    assert snapshots["after_stop"]["zones"] == snapshots["state"]["zones"]
    processed = snapshots["store"].get_bytes("state/processed/zones.json").decode()
    assert "20260608T003000Z-cccccc" not in processed


def test_a_table_without_a_natural_key_collapses_exact_duplicates_only(snapshots: dict[str, Any]) -> None:
    readings = sorted((r["oven"], r["read_at"], r["celsius"]) for r in snapshots["state"]["oven_readings"])
    assert readings == [
        ("oven-1", dt.datetime(2026, 6, 5, 16, 0), 212.5),
        ("oven-2", dt.datetime(2026, 6, 5, 16, 0), None),  # sent three times (null included): kept once
        ("oven-2", dt.datetime(2026, 6, 6, 7, 0), 180.0),
    ]
    first = table_report(snapshots["first"], "oven_readings")
    second = table_report(snapshots["second"], "oven_readings")
    assert (first.rows_read, first.rows_written, first.duplicates_removed) == (3, 2, 1)
    assert (second.rows_read, second.rows_written, second.duplicates_removed) == (2, 1, 1)


def test_a_reference_table_is_crawled_listed_and_queried(snapshots: dict[str, Any]) -> None:
    env = snapshots["env"]
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(project.PROJECT_DIR_ENV_VAR, str(snapshots["folder"]))
        crawl(env, ["silver"])
        listed = {t.name: t for t in LocalBackend(env).tables()}
        assert listed["zones"].partition_keys == [] and listed["zones"].partitions == 0
        assert listed["oven_readings"].partition_keys == ["event_date"]
        answer = run_query(
            env, sql="SELECT zone_code, zone_name FROM silver.zones WHERE NOT is_deleted ORDER BY zone_code"
        )
        assert answer.rows == [("Z1", "North"), ("Z2", "Central CBD"), ("Z3", "South")]
