"""The local engine end to end: catalog lookup, partition pruning, profiling numbers, errors."""

from __future__ import annotations

import datetime as dt
import gzip
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest

from jozi_lake.config import EnvConfig, env_config
from jozi_lake.errors import LakeError
from jozi_lake.local import engine
from jozi_lake.local.catalog import LocalCatalog
from jozi_lake.local.crawler import crawl
from jozi_lake.local.engine import run_query

BUCKET = Path("s3") / "jozi-pizza-local-lake"


@pytest.fixture(scope="module")
def lake(tmp_path_factory: pytest.TempPathFactory, parquet_writer: Any) -> Iterator[EnvConfig]:
    """Gold with three daily partitions (the last one with a new column), silver and bronze JSON."""
    home = tmp_path_factory.mktemp("engine-lake")
    for day, extra in (("2026-06-01", ""), ("2026-06-02", ""), ("2026-06-03", ", 1.5::DOUBLE AS tip_zar")):
        rows = (
            f"SELECT range::BIGINT AS id, (range * 10)::DOUBLE AS amount, '{day}' AS order_date{extra} "
            "FROM range(3)"
        )
        parquet_writer(home, "gold/sales", rows, "order_date")
    parquet_writer(
        home, "silver/orders", "SELECT 'ORD-1' AS order_id, '2026-06-01' AS event_date", "event_date"
    )
    bronze = home / BUCKET / "bronze" / "orders" / "ingest_date=2026-06-01"
    bronze.mkdir(parents=True)
    records = [{"order_id": "ORD-1", "total_zar": 129.9, "items": [{"sku": "ITM-01", "qty": 2}]}]
    (bronze / "run1-00001.json.gz").write_bytes(gzip.compress("\n".join(map(json.dumps, records)).encode()))
    (bronze.parent.parent / "_manifests").mkdir()
    (bronze.parent.parent / "_manifests" / "run1.json").write_text("{}")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("LAKE_HOME", str(home))
        env = env_config("local")
        crawl(env)
        yield env


def test_partition_filter_prunes_files_and_stats_are_reported(lake: EnvConfig) -> None:
    everything = run_query(lake, sql="SELECT sum(amount) FROM sales")
    one_day = run_query(lake, sql="SELECT sum(amount) FROM sales WHERE order_date = '2026-06-02'")
    assert everything.rows == [(90.0,)] and one_day.rows == [(30.0,)]
    assert everything.files_read == 3
    assert one_day.files_read == 1
    assert everything.bytes_read > one_day.bytes_read > 0
    assert everything.bytes_scanned > 0 and everything.row_groups_scanned == 3
    assert everything.elapsed_s > 0
    assert everything.tables == ["jozi_pizza_local_gold.sales"]


def test_new_column_reads_as_null_in_older_partitions(lake: EnvConfig) -> None:
    result = run_query(lake, sql="SELECT order_date, max(tip_zar) FROM sales GROUP BY order_date ORDER BY 1")
    assert result.rows == [("2026-06-01", None), ("2026-06-02", None), ("2026-06-03", 1.5)]


def test_other_layers_are_qualified_by_layer_name(lake: EnvConfig) -> None:
    assert run_query(lake, sql="SELECT order_id FROM silver.orders").rows == [("ORD-1",)]
    bronze = run_query(
        lake,
        sql="SELECT order_id, total_zar, items[1].qty FROM bronze.orders CROSS JOIN UNNEST(items) AS i(item)",
    )
    assert bronze.rows == [("ORD-1", 129.9, 2)]
    assert bronze.files_read == 1  # the _manifests folder is not data


def test_profile_metric_names_are_the_duckdb_2_0_ones(tmp_path: Path) -> None:
    """Pins the JSON profile keys the engine reads; a DuckDB upgrade that renames them fails here."""
    data = tmp_path / "t.parquet"
    profile_path = tmp_path / "profile.json"
    connection = duckdb.connect()
    connection.execute(f"COPY (SELECT range AS x FROM range(100)) TO '{data}' (FORMAT parquet)")
    connection.execute("SET enable_profiling = 'json'")
    connection.execute(f"SET profiling_output = '{profile_path}'")
    connection.execute(f"SELECT sum(x) FROM read_parquet(['{data}'])").fetchall()
    connection.close()
    profile = json.loads(profile_path.read_text())
    for section, key in (
        engine.PROFILE_BYTES_READ,
        engine.PROFILE_BYTES_SCANNED,
        engine.PROFILE_ROW_GROUPS_SCANNED,
    ):
        assert profile[section][key] > 0, (section, key)
    assert engine.files_read(profile) == 1


def test_unknown_named_query_lists_close_matches(lake: EnvConfig) -> None:
    with pytest.raises(LakeError) as failure:
        run_query(lake, named="late_share_by_hour_weeekday")
    assert failure.value.message == "unknown named query 'late_share_by_hour_weeekday'"
    assert failure.value.hint is not None and "late_share_by_hour_weekday" in failure.value.hint


def test_sql_and_named_are_exclusive(lake: EnvConfig) -> None:
    with pytest.raises(LakeError, match="either SQL text or the name"):
        run_query(lake, sql="SELECT 1", named="zone_lateness")


def test_empty_lake_says_how_to_fill_it(lake_home: Path) -> None:
    env = env_config("local")
    with pytest.raises(LakeError) as failure:
        run_query(env, sql="SELECT 1")
    assert failure.value.message == f"the local lake at {lake_home / BUCKET} is empty"
    assert failure.value.hint == "run 'make demo' or 'lake run-pipeline'"


def test_uncrawled_lake_says_to_crawl(lake_home: Path) -> None:
    (lake_home / BUCKET / "gold" / "t").mkdir(parents=True)
    with pytest.raises(LakeError, match="nothing is catalogued"):
        run_query(env_config("local"), sql="SELECT 1")


def test_partition_deleted_after_crawl_reads_as_empty(lake_home: Path, parquet_writer: Any) -> None:
    parquet_writer(lake_home, "gold/t", "SELECT 1::BIGINT AS id, '2026-06-01' AS order_date", "order_date")
    env = env_config("local")
    crawl(env, ["gold"])
    for path in (lake_home / BUCKET / "gold" / "t").rglob("*.parquet"):
        path.unlink()
    result = run_query(env, sql="SELECT count(*), max(id) FROM t")
    assert result.rows == [(0, None)]  # Athena reads an empty partition folder as no rows


def test_a_partition_compared_with_a_date_is_told_to_compare_strings(
    lake_home: Path, parquet_writer: Any
) -> None:
    parquet_writer(lake_home, "gold/t", "SELECT 1::BIGINT AS id, '2026-06-01' AS order_date", "order_date")
    env = env_config("local")
    crawl(env, ["gold"])
    with pytest.raises(LakeError) as failure:
        run_query(env, sql="SELECT count(*) FROM t WHERE order_date >= DATE '2026-06-01'")
    assert "Cannot compare values of type VARCHAR and type DATE" in failure.value.message
    assert failure.value.hint is not None and "order_date >= '2026-06-01'" in failure.value.hint
    pruned = run_query(env, sql="SELECT count(*) FROM t WHERE order_date >= '2026-06-01'")
    assert pruned.rows == [(1,)]


def test_raw_json_with_non_utf8_bytes_is_crawled_and_named_when_unreadable(lake_home: Path) -> None:
    folder = lake_home / BUCKET / "bronze" / "complaints" / "ingest_date=2026-06-01"
    folder.mkdir(parents=True)
    lines = [
        b'{"complaint_id": "CMP-1", "text": "cold pizza"}',
        b'{"complaint_id": "CMP-2", "text": "late \xff\xfe"}',
    ]
    (folder / "run1-00001.json.gz").write_bytes(gzip.compress(b"\n".join(lines)))
    env = env_config("local")
    result = crawl(env, ["bronze"])
    assert result.outcome("complaints").columns == 2  # the crawler samples with replacement characters
    with pytest.raises(LakeError) as failure:
        run_query(env, sql="SELECT count(*) FROM bronze.complaints")
    assert (
        "a record in" in failure.value.message
        and "run1-00001.json.gz cannot be read" in failure.value.message
    )
    assert "UTF-8" in failure.value.message
    assert failure.value.hint is not None and "silver" in failure.value.hint


def test_utc_adjusted_parquet_timestamps_read_as_catalog_timestamps(
    lake_home: Path, parquet_writer: Any
) -> None:
    """Spark writes UTC-adjusted timestamps (DuckDB: timestamptz); Athena shows them as plain UTC."""
    rows = "SELECT TIMESTAMPTZ '2026-06-01 17:30:00+00' AS placed_at, '2026-06-01' AS order_date"
    connection = duckdb.connect()
    connection.execute("SET TimeZone = 'Africa/Johannesburg'")  # the writer's zone must not matter
    folder = lake_home / BUCKET / "gold" / "ts"
    folder.parent.mkdir(parents=True)
    connection.execute(f"COPY ({rows}) TO '{folder}' (FORMAT parquet, PARTITION_BY (order_date))")
    connection.close()
    env = env_config("local")
    crawl(env, ["gold"])
    result = run_query(
        env, sql="SELECT placed_at, hour(placed_at AT TIME ZONE 'Africa/Johannesburg') FROM ts"
    )
    assert result.rows == [(dt.datetime(2026, 6, 1, 17, 30), 19)]


def test_csv_file_drops_are_crawled_and_queried(lake_home: Path) -> None:
    folder = lake_home / BUCKET / "bronze" / "menu" / "ingest_date=2026-06-01"
    folder.mkdir(parents=True)
    csv = "item_id,name,base_prep_minutes\nITM-01,Margherita,8.5\nITM-02,Garlic bread,3\n"
    (folder / "drop-1.csv.gz").write_bytes(gzip.compress(csv.encode()))
    env = env_config("local")
    crawl(env, ["bronze"])
    columns = {
        c.name: c.type for c in LocalCatalog.for_env(env).get_table("jozi_pizza_local_bronze", "menu").columns
    }
    assert columns == {"item_id": "string", "name": "string", "base_prep_minutes": "double"}
    result = run_query(env, sql="SELECT name, base_prep_minutes FROM bronze.menu ORDER BY item_id")
    assert result.rows == [("Margherita", 8.5), ("Garlic bread", 3.0)]
