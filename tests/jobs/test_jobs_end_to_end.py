"""bronze_to_silver and silver_to_gold on a hand-made lake: conservation, types, incremental runs,
late corrections, idempotence, the fail gate and a killed run.

One scenario (two batches, then a run with nothing new) is built once per module and shared, because
every job run costs Spark seconds.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest
from jobs_lake_samples import DAY, batch_one, batch_two, new_store, order, put_batch

from jozi_lake.contracts import gold_contracts, silver_contracts
from jozi_lake.jobs import bronze_to_silver as b2s
from jozi_lake.jobs import silver_to_gold as s2g
from jozi_lake.jobs.lake_io import spark_uri
from jozi_lake.jobs.report import latest_reports
from jozi_lake.layout import lake_layout
from jozi_lake.storage import LocalObjectStore

pytestmark = pytest.mark.spark

DUCKDB_TYPES = {
    "string": "VARCHAR",
    "int": "INTEGER",
    "bigint": "BIGINT",
    "double": "DOUBLE",
    "boolean": "BOOLEAN",
    "date": "DATE",
    "timestamp": "TIMESTAMP WITH TIME ZONE",
    "decimal(10,2)": "DECIMAL(10,2)",
}


def snapshot(spark: Any, store: LocalObjectStore) -> dict[str, list[tuple]]:
    """Every silver and gold table's rows, sorted, for exact comparisons between runs."""
    tables: dict[str, list[tuple]] = {}
    for layer, contracts in (("silver", silver_contracts()), ("gold", gold_contracts())):
        for name in contracts:
            prefix = f"{layer}/{name}/"
            if not any(k.endswith(".parquet") for k in store.list_keys(prefix)):
                continue
            rows = spark.read.parquet(spark_uri(store, prefix)).collect()
            tables[f"{layer}.{name}"] = sorted((tuple(r) for r in rows), key=repr)
    return tables


def rows(spark: Any, store: LocalObjectStore, prefix: str) -> list[dict[str, Any]]:
    return [r.asDict() for r in spark.read.parquet(spark_uri(store, prefix)).collect()]


@pytest.fixture(scope="module")
def scenario(spark: Any, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    store = new_store(tmp_path_factory.mktemp("lake"))
    put_batch(store, "2026-06-06", "r1", batch_one())
    silver1 = b2s.run_bronze_to_silver(spark, store, run_id="run1", env="test")
    gold1 = s2g.run_silver_to_gold(spark, store, run_id="run1", env="test")
    after_first = snapshot(spark, store)
    orders_first = rows(spark, store, "silver/orders/")
    put_batch(store, "2026-06-08", "r2", batch_two())
    silver2 = b2s.run_bronze_to_silver(spark, store, run_id="run2", env="test")
    gold2 = s2g.run_silver_to_gold(spark, store, run_id="run2", env="test")
    after_second = snapshot(spark, store)
    silver3 = b2s.run_bronze_to_silver(spark, store, run_id="run3", env="test")
    gold3 = s2g.run_silver_to_gold(spark, store, run_id="run3", env="test")
    return {
        "store": store,
        "silver": [silver1, silver2, silver3],
        "gold": [gold1, gold2, gold3],
        "after_first": after_first,
        "after_second": after_second,
        "after_third": snapshot(spark, store),
        "orders_first": orders_first,
    }


def table_report(job: Any, table: str) -> Any:
    return next(t for t in job.tables if t.table == table)


def test_every_bronze_row_is_accounted_for(scenario: dict[str, Any]) -> None:
    for job in scenario["silver"][:2]:
        for t in job.tables:
            assert t.conserved, t
    orders = table_report(scenario["silver"][0], "orders")
    assert (orders.rows_read, orders.rows_written, orders.rows_quarantined, orders.duplicates_removed) == (
        23,
        18,
        4,
        1,
    )
    assert orders.rule_failures["corrupt_record"] == 1
    assert orders.rule_failures["order_id_required"] == 1
    assert orders.rule_failures["customer_id_required"] == 1
    assert orders.rule_failures["placed_at_parseable"] == 1
    complaints = table_report(scenario["silver"][0], "complaints")
    assert complaints.rule_failures["non_utf8"] == 1
    ratings = table_report(scenario["silver"][0], "ratings")
    assert ratings.rule_failures["stars_between_1_and_5"] == 1


def test_values_are_normalised_and_the_schema_change_is_mapped(scenario: dict[str, Any]) -> None:
    by_id = {r["order_id"]: r for r in scenario["orders_first"]}
    assert by_id["ORD-000002"]["total_zar"] == Decimal("129.90")
    assert by_id["ORD-000007"]["total_zar"] is None
    assert by_id["ORD-000006"]["payment_method"] == "cash"
    assert by_id["ORD-000006"]["tip_zar"] == Decimal("12.50")
    assert by_id["ORD-000001"]["tip_zar"] is None
    # 18:03 Johannesburg (UTC+2) is 16:03 UTC; the session time zone is UTC.
    assert by_id["ORD-000003"]["placed_at"] == dt.datetime(2026, 6, 5, 16, 3)
    assert by_id["ORD-000003"]["placed_at_utc_offset_minutes"] == 120
    assert by_id["ORD-000003"]["event_date"] == dt.date(2026, 6, 5)
    assert {"ORD-000004", "ORD-000005"}.isdisjoint(by_id)


def test_quarantine_keeps_raw_record_reason_batch_and_run(spark: Any, scenario: dict[str, Any]) -> None:
    store = scenario["store"]
    quarantined = rows(spark, store, "quarantine/orders/")
    reasons = sorted(r["quarantine_reason"] for r in quarantined)
    assert reasons == ["corrupt_record", "customer_id_required", "order_id_required", "placed_at_parseable"]
    assert all(r["run_id"] == "run1" and r["bronze_batch_id"] == "2026-06-06_r1" for r in quarantined)
    truncated = next(r for r in quarantined if r["quarantine_reason"] == "corrupt_record")
    assert truncated["raw_record"].startswith('{"order_id": "ORD-000098"')
    complaint = rows(spark, store, "quarantine/complaints/")[0]
    import base64

    assert b"\xe9 pizza \xff" in base64.b64decode(complaint["raw_record_base64"])
    assert complaint["quarantine_reason"] == "non_utf8"


def test_every_file_has_exactly_the_contract_types(scenario: dict[str, Any]) -> None:
    store = scenario["store"]
    layers = [("silver", c) for c in silver_contracts().values()] + [
        ("gold", c) for c in gold_contracts().values()
    ]
    checked = 0
    for layer, contract in layers:
        expected = {
            c.name: DUCKDB_TYPES[c.type] for c in contract.columns if c.name != contract.partition_column
        }
        for key in store.list_keys(f"{layer}/{contract.table}/"):
            if key.endswith(".parquet") and "/." not in key and "/_" not in key:
                assert ".snappy." in key
                described = duckdb.sql(
                    f"DESCRIBE SELECT * FROM read_parquet('{store.base / key}', hive_partitioning = false)"
                ).fetchall()
                assert {name: kind for name, kind, *_ in described} == expected, key
                checked += 1
    assert checked >= 16


def test_second_run_reads_only_the_new_batch_and_applies_updates(scenario: dict[str, Any]) -> None:
    orders = table_report(scenario["silver"][1], "orders")
    assert orders.batches == ["2026-06-08_r2"]
    assert (orders.rows_read, orders.rows_replacing, orders.duplicates_removed) == (3, 2, 1)
    assert table_report(scenario["silver"][1], "menu").status == "no_new_data"
    silver = {r[0]: r for r in scenario["after_second"]["silver.orders"]}
    # ORD-2's correction moved it to another partition: the old version is gone, not duplicated.
    assert silver["ORD-000002"][-1] == dt.date(2026, 6, 4)
    assert sum(1 for r in scenario["after_second"]["silver.orders"] if r[0] == "ORD-000002") == 1
    store = scenario["store"]
    # ORD-20 was the only row of 2026-06-03: that partition is deleted, in silver and in gold.
    assert not [k for k in store.list_keys("silver/orders/event_date=2026-06-03/") if k.endswith(".parquet")]
    assert not [
        k for k in store.list_keys("gold/fact_deliveries/order_date=2026-06-03/") if k.endswith(".parquet")
    ]
    assert any(k.endswith(".parquet") for k in store.list_keys("gold/fact_deliveries/order_date=2026-06-04/"))


def test_late_event_corrects_silver_and_gold_of_its_old_date(scenario: dict[str, Any]) -> None:
    def fact(snap: dict[str, list[tuple]]) -> dict[str, tuple]:
        return {r[0]: r for r in snap["gold.fact_deliveries"]}

    columns = [c.name for c in gold_contracts()["fact_deliveries"].columns if c.name != "order_date"]
    total = columns.index("total_min")
    before, after = fact(scenario["after_first"])["ORD-000010"], fact(scenario["after_second"])["ORD-000010"]
    assert before[total] is None
    assert after[total] == pytest.approx(62.0)
    assert table_report(scenario["silver"][1], "dispatch_events").partitions_changed == ["2026-06-05"]
    hourly_rows = scenario["after_second"]["gold.delivery_performance_hourly"]
    assert sum(r[2] for r in hourly_rows) == len(scenario["after_second"]["gold.fact_deliveries"])


def test_gold_stages_add_up_and_load_shedding_is_flagged(scenario: dict[str, Any]) -> None:
    columns = [c.name for c in gold_contracts()["fact_deliveries"].columns if c.name != "order_date"]
    col = {name: i for i, name in enumerate(columns)}
    facts = scenario["after_first"]["gold.fact_deliveries"]
    assert len(facts) == 18  # every delivered silver order, with or without its events
    for r in facts:
        if r[col["total_min"]] is not None:
            stages = sum(
                r[col[f"{s}_min"]] for s in ("wait_before_prep", "prep", "oven", "wait_for_driver", "drive")
            )
            assert stages == pytest.approx(r[col["total_min"]])
            assert r[col["is_late"]] == (r[col["total_min"]] > 45)
    shed = {r[0] for r in facts if r[col["during_load_shedding"]]}
    # The window is 18:14-18:24 local; oven stage of order i runs 18:(i+15) to 18:(i+26).
    assert shed == {f"ORD-{i:06d}" for i in range(1, 9) if i not in (4, 5)}


def test_rerun_without_new_data_changes_nothing(scenario: dict[str, Any]) -> None:
    assert scenario["after_third"] == scenario["after_second"]
    assert all(t.status == "no_new_data" for t in scenario["silver"][2].tables)
    assert all(t.status == "no_new_data" for t in scenario["gold"][2].tables)


def test_reports_are_written_and_listed_newest_first(scenario: dict[str, Any]) -> None:
    reports = latest_reports(scenario["store"], 3)
    assert [(r["job"], r["run_id"]) for r in reports] == [
        ("silver_to_gold", "run3"),
        ("bronze_to_silver", "run3"),
        ("silver_to_gold", "run2"),
    ]
    json.dumps(reports)


def test_fail_gate_publishes_nothing(spark: Any, tmp_path: Path) -> None:
    store = new_store(tmp_path)
    # 15 of 60 rows (25%) quarantined: above the gate's 20%, on a batch large enough for it to apply.
    bad = [order(i, placed_at="not a date") for i in range(1, 16)] + [order(i) for i in range(16, 61)]
    put_batch(store, "2026-06-06", "r1", {"orders": bad})
    with pytest.raises(b2s.QualityGateError, match="quarantine_share_at_most_20pct"):
        b2s.run_bronze_to_silver(spark, store, tables=["orders"], run_id="gate")
    published = [
        k
        for k in store.list_keys()
        if k.startswith(("silver/orders", "quarantine/", "silver/_state", "state/processed"))
    ]
    assert published == []
    assert latest_reports(store, 1)[0]["status"] == "failed"


def test_a_row_moving_off_its_only_date_beside_a_quarantined_row_publishes_whole(
    spark: Any, tmp_path: Path
) -> None:
    """The quarantine rows come from the frame that ranked the batch against silver: writing them after
    silver's partitions were rewritten and the emptied one deleted made Spark re-read deleted files (a
    failed job with silver already changed). A batch that empties a date and quarantines a row together
    publishes silver, quarantine and the processed record, and counts the move as written."""
    store = new_store(tmp_path)
    first = [order(1, placed_at="2026-06-03 12:00:00", updated_at="2026-06-03 12:00:00"), order(2)]
    put_batch(store, "2026-06-06", "r1", {"orders": first})
    b2s.run_bronze_to_silver(spark, store, tables=["orders"], run_id="move1")
    moved = order(1, placed_at="2026-06-04 12:00:00", updated_at="2026-06-07 10:00:00")
    put_batch(store, "2026-06-08", "r2", {"orders": [moved, order(3, placed_at="not a date")]})
    (report,) = b2s.run_bronze_to_silver(spark, store, tables=["orders"], run_id="move2").tables
    assert (report.rows_read, report.rows_replacing, report.rows_quarantined) == (2, 1, 1)
    assert report.conserved and report.partitions_changed == ["2026-06-03", "2026-06-04"]
    silver = {(r["order_id"], str(r["event_date"])) for r in rows(spark, store, "silver/orders/")}
    assert silver == {("ORD-000001", "2026-06-04"), ("ORD-000002", DAY)}
    (bad,) = rows(spark, store, "quarantine/orders/")
    assert '"ORD-000003"' in bad["raw_record"] and bad["quarantine_reason"] == "placed_at_parseable"
    processed = json.loads(store.get_bytes(lake_layout().processed_batches("orders")))
    assert sorted(processed["files"]) == [
        "bronze/orders/ingest_date=2026-06-06/r1-00001.json.gz",
        "bronze/orders/ingest_date=2026-06-08/r2-00001.json.gz",
    ]


def test_a_silver_run_killed_half_way_is_repaired_by_the_next(
    spark: Any, tmp_path: Path, scenario: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    store = new_store(tmp_path)
    tables = ["dispatch_events", "orders"]
    put_batch(store, "2026-06-06", "r1", {t: batch_one()[t] for t in tables})
    real_publish = b2s.publish_table

    def dies_after_first_table(spark: Any, store: Any, prepared: Any, run_id: str) -> None:
        if prepared.contract.table == "orders":
            raise RuntimeError("killed")
        real_publish(spark, store, prepared, run_id)

    monkeypatch.setattr(b2s, "publish_table", dies_after_first_table)
    with pytest.raises(RuntimeError, match="killed"):
        b2s.run_bronze_to_silver(spark, store, tables=tables, run_id="dies")
    monkeypatch.setattr(b2s, "publish_table", real_publish)
    rerun = b2s.run_bronze_to_silver(spark, store, tables=tables, run_id="run1")
    assert table_report(rerun, "dispatch_events").status == "no_new_data"
    assert table_report(rerun, "orders").rows_written == 18
    result = snapshot(spark, store)
    for table in tables:
        assert result[f"silver.{table}"] == scenario["after_first"][f"silver.{table}"]


def test_a_gold_run_killed_half_way_is_repaired_by_the_next(
    spark: Any, scenario: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    store = scenario["store"]
    # As if silver had changed on 2026-06-05 again: gold recomputes that date (and its 30-day tail).
    store.put_bytes(
        "silver/_state/changes/orders/replay.json",
        json.dumps({"table": "orders", "run_id": "replay", "event_dates": ["2026-06-05"]}).encode(),
    )
    real_publish = s2g.publish

    def dies_mid_way(store: Any, run: Any) -> None:
        if run.model.table == "fact_deliveries":
            raise RuntimeError("killed")
        real_publish(store, run)

    monkeypatch.setattr(s2g, "publish", dies_mid_way)
    with pytest.raises(RuntimeError, match="killed"):
        s2g.run_silver_to_gold(spark, store, run_id="dies")
    assert store.exists("silver/_state/changes/orders/replay.json")  # not consumed by the failed run
    monkeypatch.setattr(s2g, "publish", real_publish)
    s2g.run_silver_to_gold(spark, store, run_id="replay")
    assert not store.exists("silver/_state/changes/orders/replay.json")
    assert snapshot(spark, store) == scenario["after_third"]


def test_csv_file_drops_are_read_like_json(spark: Any, tmp_path: Path) -> None:
    store = new_store(tmp_path)
    header = "menu_id_unused,item_id,name,category,base_prep_minutes,price_zar,updated_at\n"
    body = 'x,ITM-05,"Pap, wors & chakalaka",pizza,9,"R 99,00",2026-05-02 08:00:00\n'
    store.put_bytes(
        "bronze/menu/ingest_date=2026-06-06/r9-menu_2026-05-02.csv.gz",
        gzip.compress((header + body).encode()),
    )
    report = b2s.run_bronze_to_silver(spark, store, tables=["menu"], run_id="csv")
    assert table_report(report, "menu").rows_written == 1
    (row,) = rows(spark, store, "silver/menu/")
    assert (row["name"], row["price_zar"], row["bronze_batch_id"]) == (
        "Pap, wors & chakalaka",
        Decimal("99.00"),
        "2026-06-06_r9",
    )
