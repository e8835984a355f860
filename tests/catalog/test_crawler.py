"""The local crawler on hand-made lake folders: tables, partitions, schema merging, recrawls."""

from __future__ import annotations

import gzip
import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from jozi_lake.cli import render
from jozi_lake.config import env_config
from jozi_lake.errors import LakeError
from jozi_lake.local.backend import LocalBackend
from jozi_lake.local.catalog import LocalCatalog
from jozi_lake.local.crawler import crawl
from jozi_lake.local.engine import run_query

ParquetWriter = Callable[[Path, str, str], Path]
JsonWriter = Callable[[Path, str, list[dict[str, Any]]], Path]
GOLD = "jozi_pizza_local_gold"
SILVER = "jozi_pizza_local_silver"
BRONZE = "jozi_pizza_local_bronze"


def catalog_document(lake_home: Path, database: str, table: str) -> dict[str, Any]:
    return json.loads((lake_home / "glue-catalog" / database / f"{table}.json").read_text())


def test_parquet_table_with_partitions_is_catalogued_in_glue_shape(
    lake_home: Path, parquet_file: ParquetWriter
) -> None:
    for day in ("2026-06-01", "2026-06-02"):
        parquet_file(
            lake_home,
            f"gold/fact_deliveries/order_date={day}/part-0.snappy.parquet",
            "SELECT 'O1' AS order_id, 3::INTEGER AS items_count, 12.5::DOUBLE AS total_min, true AS is_late, "
            "129.90::DECIMAL(10,2) AS total_zar, TIMESTAMP '2026-06-01 16:00:00' AS placed_at",
        )
    result = crawl(env_config("local"), ["gold"])
    outcome = result.outcome("fact_deliveries")
    assert (outcome.database, outcome.action, outcome.partitions, outcome.partitions_added) == (
        GOLD,
        "created",
        2,
        2,
    )
    document = catalog_document(lake_home, GOLD, "fact_deliveries")
    table = document["Table"]
    assert table["Name"] == "fact_deliveries" and table["DatabaseName"] == GOLD
    assert table["TableType"] == "EXTERNAL_TABLE"
    assert table["Parameters"]["classification"] == "parquet"
    descriptor = table["StorageDescriptor"]
    assert descriptor["Columns"] == [
        {"Name": "order_id", "Type": "string"},
        {"Name": "items_count", "Type": "int"},
        {"Name": "total_min", "Type": "double"},
        {"Name": "is_late", "Type": "boolean"},
        {"Name": "total_zar", "Type": "decimal(10,2)"},
        {"Name": "placed_at", "Type": "timestamp"},
    ]
    assert descriptor["InputFormat"] == "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat"
    assert descriptor["SerdeInfo"]["SerializationLibrary"].endswith("ParquetHiveSerDe")
    assert descriptor["Location"].endswith("/jozi-pizza-local-lake/gold/fact_deliveries/")
    assert table["PartitionKeys"] == [{"Name": "order_date", "Type": "string"}]
    assert [p["Values"] for p in document["Partitions"]] == [["2026-06-01"], ["2026-06-02"]]
    assert document["Partitions"][1]["StorageDescriptor"]["Location"].endswith(
        "/gold/fact_deliveries/order_date=2026-06-02/"
    )
    leftovers = [p.name for p in (lake_home / "glue-catalog").rglob("*") if p.name.startswith(".")]
    assert leftovers == []  # atomic writes leave no temporary files


def test_names_starting_with_underscore_or_dot_are_not_data(
    lake_home: Path, parquet_file: ParquetWriter
) -> None:
    parquet_file(lake_home, "silver/orders/event_date=2026-06-01/part-0.parquet", "SELECT 1::BIGINT AS id")
    parquet_file(lake_home, "silver/_state/processed.parquet", "SELECT 'x' AS batch")
    parquet_file(lake_home, "silver/orders/_temporary/part-9.parquet", "SELECT 'x' AS junk")
    parquet_file(lake_home, "silver/orders/event_date=2026-06-01/.part-1.parquet", "SELECT 'x' AS junk")
    (lake_home / "s3/jozi-pizza-local-lake/silver/orders/_SUCCESS").write_text("")
    result = crawl(env_config("local"), ["silver"])
    assert [t.table for t in result.tables] == ["orders"]
    assert result.warnings == [] and result.conflicts == []
    assert [
        c["Name"]
        for c in catalog_document(lake_home, SILVER, "orders")["Table"]["StorageDescriptor"]["Columns"]
    ] == ["id"]


def test_quarantine_crawls_into_silver_database_with_prefix(
    lake_home: Path, parquet_file: ParquetWriter
) -> None:
    parquet_file(lake_home, "silver/orders/event_date=2026-06-01/p.parquet", "SELECT 1::BIGINT AS id")
    parquet_file(
        lake_home,
        "quarantine/orders/event_date=2026-06-01/p.parquet",
        "SELECT 'null_required' AS quarantine_reason",
    )
    # quarantine is its own crawl target (a pipeline stage, as on AWS), catalogued in the silver database.
    result = crawl(env_config("local"), ["silver", "quarantine"])
    assert sorted((t.database, t.table) for t in result.tables) == [
        (SILVER, "orders"),
        (SILVER, "quarantine_orders"),
    ]


def test_silver_and_quarantine_crawls_keep_each_others_tables(
    lake_home: Path, parquet_file: ParquetWriter
) -> None:
    """Both targets write the silver database; each drops only its own stale tables, never the other's."""
    parquet_file(lake_home, "silver/orders/event_date=2026-06-01/p.parquet", "SELECT 1::BIGINT AS id")
    parquet_file(
        lake_home,
        "quarantine/orders/event_date=2026-06-01/p.parquet",
        "SELECT 'null_required' AS quarantine_reason",
    )
    env = env_config("local")
    assert [t.table for t in crawl(env, ["quarantine"]).tables] == ["quarantine_orders"]
    assert [(t.table, t.action) for t in crawl(env, ["silver"]).tables] == [("orders", "created")]
    assert [(t.table, t.action) for t in crawl(env, ["quarantine"]).tables] == [
        ("quarantine_orders", "unchanged")
    ]
    assert sorted(LocalCatalog.for_env(env).list_tables(SILVER)) == ["orders", "quarantine_orders"]
    # A crawl of every target (no argument) covers quarantine too.
    assert {t.table for t in crawl(env).tables} >= {"orders", "quarantine_orders"}


def test_new_nullable_column_is_merged_not_forked(lake_home: Path, parquet_file: ParquetWriter) -> None:
    parquet_file(
        lake_home, "silver/orders/event_date=2026-06-01/p.parquet", "SELECT 1::BIGINT AS id, 'card' AS pay"
    )
    env = env_config("local")
    crawl(env, ["silver"])
    parquet_file(
        lake_home,
        "silver/orders/event_date=2026-06-02/p.parquet",
        "SELECT 2::BIGINT AS id, 'card' AS pay, 5.0::DOUBLE AS tip_zar",
    )
    result = crawl(env, ["silver"])
    outcome = result.outcome("orders")
    assert (outcome.action, outcome.new_columns, outcome.partitions_added) == ("updated", ["tip_zar"], 1)
    assert [t.table for t in result.tables] == ["orders"]
    table = LocalCatalog.for_env(env).get_table(SILVER, "orders")
    assert [(c.name, c.type) for c in table.columns] == [
        ("id", "bigint"),
        ("pay", "string"),
        ("tip_zar", "double"),
    ]


def test_incompatible_type_change_is_reported_and_table_keeps_its_type(
    lake_home: Path, parquet_file: ParquetWriter
) -> None:
    parquet_file(lake_home, "silver/orders/event_date=2026-06-01/p.parquet", "SELECT 1::BIGINT AS qty")
    bad = "silver/orders/event_date=2026-06-02/p.parquet"
    parquet_file(lake_home, bad, "SELECT 'two' AS qty")
    result = crawl(env_config("local"), ["silver"])
    assert len(result.conflicts) == 1
    conflict = result.conflicts[0]
    assert (conflict.table, conflict.column, conflict.existing, conflict.incoming, conflict.file) == (
        "orders",
        "qty",
        "bigint",
        "string",
        bad,
    )
    assert [t.table for t in result.tables] == ["orders"]  # not forked into a second table
    table = LocalCatalog.for_env(env_config("local")).get_table(SILVER, "orders")
    assert [(c.name, c.type) for c in table.columns] == [("qty", "bigint")]
    assert len(table.partitions) == 2


def test_numbers_widen_across_files(lake_home: Path, parquet_file: ParquetWriter) -> None:
    parquet_file(lake_home, "gold/t/order_date=2026-06-01/p.parquet", "SELECT 1::INTEGER AS n")
    parquet_file(lake_home, "gold/t/order_date=2026-06-02/p.parquet", "SELECT 1::BIGINT AS n")
    result = crawl(env_config("local"), ["gold"])
    assert result.conflicts == []
    assert LocalCatalog.for_env(env_config("local")).get_table(GOLD, "t").columns[0].type == "bigint"


def test_recrawl_adds_new_partitions_and_drops_removed_ones(
    lake_home: Path, parquet_file: ParquetWriter
) -> None:
    env = env_config("local")
    for day in ("2026-06-01", "2026-06-02"):
        parquet_file(lake_home, f"gold/t/order_date={day}/p.parquet", "SELECT 1::BIGINT AS n")
    parquet_file(lake_home, "gold/old/order_date=2026-06-01/p.parquet", "SELECT 1::BIGINT AS n")
    assert crawl(env, ["gold"]).partitions_added == 3

    unchanged = crawl(env, ["gold"])
    assert [(t.action, t.partitions_added, t.partitions_removed) for t in unchanged.tables] == [
        ("unchanged", 0, 0),
        ("unchanged", 0, 0),
    ]

    parquet_file(lake_home, "gold/t/order_date=2026-06-03/p.parquet", "SELECT 1::BIGINT AS n")
    shutil.rmtree(lake_home / "s3/jozi-pizza-local-lake/gold/t/order_date=2026-06-01")
    shutil.rmtree(lake_home / "s3/jozi-pizza-local-lake/gold/old")
    result = crawl(env, ["gold"])
    t = result.outcome("t")
    assert (t.action, t.partitions, t.partitions_added, t.partitions_removed) == ("unchanged", 2, 1, 1)
    assert result.outcome("old").action == "deleted"
    catalog = LocalCatalog.for_env(env)
    assert catalog.list_tables(GOLD) == ["t"]
    assert [p.values for p in catalog.get_partitions(GOLD, "t")] == [("2026-06-02",), ("2026-06-03",)]


def test_json_lines_are_typed_like_glue(lake_home: Path, json_file: JsonWriter) -> None:
    json_file(
        lake_home,
        "bronze/orders/ingest_date=2026-06-01/run1-00001.json.gz",
        [
            {"order_id": "ORD-1", "qty": 2, "total": 129, "paid": True, "tip": None, "mixed": 1,
             "items": [{"sku": "A", "qty": 1}], "address": {"zone": "north", "km": 4}},
            {"order_id": "ORD-2", "qty": 3, "total": 99.5, "paid": False, "tip": None, "mixed": "R 12,50",
             "items": [], "address": {"zone": "south", "km": 2.5, "suburb": "Rosebank"}},
        ],
    )  # fmt: skip
    (lake_home / "s3/jozi-pizza-local-lake/bronze/_manifests").mkdir(parents=True)
    (lake_home / "s3/jozi-pizza-local-lake/bronze/_manifests/run1.json").write_text("{}")
    result = crawl(env_config("local"), ["bronze"])
    assert [(t.database, t.table) for t in result.tables] == [(BRONZE, "orders")]
    document = catalog_document(lake_home, BRONZE, "orders")
    columns = {c["Name"]: c["Type"] for c in document["Table"]["StorageDescriptor"]["Columns"]}
    assert columns == {
        "order_id": "string",
        "qty": "bigint",
        "total": "double",  # 129 and 99.5 in one sample: numbers widen
        "paid": "boolean",
        "tip": "string",  # only nulls seen: Glue records string
        "mixed": "string",  # a number and a string in one sample
        "items": "array<struct<sku:string,qty:bigint>>",
        "address": "struct<zone:string,km:double,suburb:string>",
    }
    parameters = document["Table"]["Parameters"]
    assert (parameters["classification"], parameters["compressionType"]) == ("json", "gzip")
    serde = document["Table"]["StorageDescriptor"]["SerdeInfo"]
    assert serde["SerializationLibrary"] == "org.openx.data.jsonserde.JsonSerDe"


def test_hive_escaped_partition_values_are_decoded(lake_home: Path, parquet_file: ParquetWriter) -> None:
    parquet_file(lake_home, "gold/t/slot=2026-06-01%2018%3A00/p.parquet", "SELECT 1::BIGINT AS n")
    crawl(env_config("local"), ["gold"])
    partition = LocalCatalog.for_env(env_config("local")).get_partitions(GOLD, "t")[0]
    assert partition.values == ("2026-06-01 18:00",)
    assert partition.location.endswith("/slot=2026-06-01%2018%3A00/")


def test_odd_files_are_reported_not_silently_dropped(
    lake_home: Path, parquet_file: ParquetWriter, json_file: JsonWriter
) -> None:
    parquet_file(lake_home, "gold/t/order_date=2026-06-01/a.parquet", "SELECT 1::BIGINT AS n")
    parquet_file(lake_home, "gold/t/order_date=2026-06-01/b.parquet", "SELECT 2::BIGINT AS n")
    json_file(lake_home, "gold/t/order_date=2026-06-02/c.json.gz", [{"n": 1}])
    (lake_home / "s3/jozi-pizza-local-lake/gold/t/order_date=2026-06-01/notes.txt").write_text("hi")
    (lake_home / "s3/jozi-pizza-local-lake/gold/t/order_date=2026-06-01/broken.parquet").write_text(
        "not parquet"
    )
    result = crawl(env_config("local"), ["gold"])
    text = "\n".join(result.warnings)
    assert "notes.txt is not a recognised data file" in text
    assert "c.json.gz" in text and "format parquet" in text
    assert "could not read the schema of gold/t/order_date=2026-06-01/broken.parquet" in text


def test_a_bronze_json_document_is_left_out_with_where_its_rows_are(
    lake_home: Path, json_file: JsonWriter
) -> None:
    """An API page stored whole (records at records_path) is data for silver, not a table of lines."""
    json_file(lake_home, "bronze/vc/ingest_date=2026-06-01/r1-00001.json.gz", [{"id": "a"}])
    page = lake_home / "s3/jozi-pizza-local-lake/bronze/vc/ingest_date=2026-06-01/r1-00002.jsondoc.gz"
    page.write_bytes(gzip.compress(json.dumps({"data": [{"id": "b"}], "meta": {}}).encode()))
    result = crawl(env_config("local"), ["bronze"])
    (warning,) = result.warnings
    assert warning.startswith(
        "jozi_pizza_local_bronze.vc: bronze/vc/ingest_date=2026-06-01/r1-00002.jsondoc.gz"
    )
    assert "one JSON document" in warning and "its records are in the silver table" in warning
    assert result.outcome("vc").columns == 1  # the JSON-lines file's id; the document adds no columns


def test_empty_lake_is_a_clear_error(lake_home: Path) -> None:
    with pytest.raises(LakeError) as failure:
        crawl(env_config("local"))
    assert failure.value.message.startswith("the local lake at ")
    assert failure.value.hint == "run 'make demo' or 'lake run-pipeline'"


def test_unknown_table_suggests_close_names(lake_home: Path, parquet_file: ParquetWriter) -> None:
    parquet_file(lake_home, "gold/fact_deliveries/order_date=2026-06-01/p.parquet", "SELECT 1::BIGINT AS n")
    crawl(env_config("local"), ["gold"])
    with pytest.raises(LakeError) as failure:
        LocalCatalog.for_env(env_config("local")).get_table(GOLD, "fact_delivery")
    assert failure.value.hint == "did you mean fact_deliveries?"


def test_crawl_result_and_catalog_print_as_tables(
    lake_home: Path, parquet_file: ParquetWriter, monkeypatch: pytest.MonkeyPatch
) -> None:
    parquet_file(lake_home, "silver/orders/event_date=2026-06-01/p.parquet", "SELECT 1::BIGINT AS qty")
    parquet_file(lake_home, "silver/orders/event_date=2026-06-02/p.parquet", "SELECT 'x' AS qty")
    console = Console(record=True, width=200)
    monkeypatch.setattr(render, "console", console)
    backend = LocalBackend(env_config("local"))
    render.crawl_result(backend.crawl(["silver"]))
    found = backend.tables()
    render.tables(found)
    assert len(found) == 1
    text = console.export_text()
    assert "orders" in text and "created" in text and "schema conflicts" in text and "bigint" in text


def test_recrawl_rereads_a_rewritten_file_but_not_unchanged_ones(
    lake_home: Path, parquet_file: ParquetWriter, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os

    from jozi_lake.local import crawler

    env = env_config("local")
    rewritten = parquet_file(lake_home, "gold/t/order_date=2026-06-01/p.parquet", "SELECT 1::BIGINT AS n")
    parquet_file(lake_home, "gold/t/order_date=2026-06-02/p.parquet", "SELECT 1::BIGINT AS n")
    crawl(env, ["gold"])

    parquet_file(lake_home, "gold/t/order_date=2026-06-01/p.parquet", "SELECT 1::BIGINT AS n, 'x' AS extra")
    stat = rewritten.stat()
    os.utime(rewritten, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    read: list[str] = []
    real_file_schema = crawler._file_schema

    def counting_file_schema(*args: Any) -> Any:
        read.append(args[1].key)
        return real_file_schema(*args)

    monkeypatch.setattr(crawler, "_file_schema", counting_file_schema)
    result = crawl(env, ["gold"])
    assert read == ["gold/t/order_date=2026-06-01/p.parquet"]  # the unchanged file came from the cache
    assert result.outcome("t").new_columns == ["extra"]


def test_unpartitioned_reference_table_is_catalogued_and_queried(
    lake_home: Path, parquet_file: ParquetWriter
) -> None:
    """A reference table (no event time) is one folder of files: no partition keys, its location read
    whole, and a query joining it to a partitioned table sees every version row."""
    parquet_file(
        lake_home,
        "silver/menu/part-00000.snappy.parquet",
        "SELECT * FROM (VALUES"
        " ('ITM-01', 'Margherita', NULL::TIMESTAMP, TIMESTAMP '2026-06-02 10:00:00', false),"
        " ('ITM-01', 'Margherita XL', TIMESTAMP '2026-06-02 10:00:00', NULL::TIMESTAMP, true))"
        " AS v(item_id, name, valid_from, valid_to, is_current)",
    )
    for day in ("2026-06-01", "2026-06-03"):
        parquet_file(
            lake_home,
            f"silver/order_items/event_date={day}/part-0.snappy.parquet",
            f"SELECT 'ITM-01' AS item_id, TIMESTAMP '{day} 12:00:00' AS updated_at",
        )
    env = env_config("local")
    result = crawl(env, ["silver"])
    assert result.outcome("menu").partitions == 0
    document = catalog_document(lake_home, SILVER, "menu")
    assert document["Table"]["PartitionKeys"] == [] and document["Partitions"] == []
    assert document["Table"]["StorageDescriptor"]["Location"].endswith("/silver/menu/")
    answer = run_query(
        env,
        sql="SELECT i.event_date, m.name FROM silver.order_items i "
        "JOIN silver.menu m ON m.item_id = i.item_id "
        "AND (m.valid_from IS NULL OR m.valid_from <= i.updated_at) "
        "AND (m.valid_to IS NULL OR i.updated_at < m.valid_to) ORDER BY 1",
    )
    assert answer.rows == [("2026-06-01", "Margherita"), ("2026-06-03", "Margherita XL")]
    assert answer.files_read == 3
