"""Value parsers, raw-line parsing and rule evaluation on tiny hand-made frames (one action per test)."""

from __future__ import annotations

import base64
import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from pyspark.sql import functions as F

from jozi_lake.contracts import silver_contract
from jozi_lake.transforms import normalize
from jozi_lake.transforms.quality import QUARANTINE_REASONS, WARN_RULES, evaluate_rules
from jozi_lake.transforms.records import batch_id_of, parse_lines
from jozi_lake.transforms.typed import type_columns

# The zone these cases are written in (the transforms take it as an argument; jobs pass lake.yaml's).
ZONE = "Africa/Johannesburg"

pytestmark = pytest.mark.spark


@pytest.mark.parametrize(
    ("key", "batch"),
    [
        (
            "bronze/orders/ingest_date=2026-06-06/20261126T120453Z-1536d8-orders-part-00001.json.gz",
            "2026-06-06_20261126T120453Z-1536d8",
        ),
        ("file:///lake/bronze/ratings/ingest_date=2026-06-06/r1-00001.json.gz", "2026-06-06_r1"),
        (
            "s3://b/bronze/menu/ingest_date=2026-06-07/20261126T120453Z-1536d8-menu drop.csv",
            "2026-06-07_20261126T120453Z-1536d8",
        ),
        ("bronze/menu/odd folder/menu (1).csv", "menu__1_.csv"),
    ],
)
def test_batch_id_from_bronze_key(key: str, batch: str) -> None:
    assert batch_id_of(key) == batch


def test_value_parsers(spark: Any) -> None:
    cases = [
        # raw,                        money,               integer, number
        ("R 129,90", Decimal("129.90"), None, None),
        ("129.90", Decimal("129.90"), None, 129.9),
        ("R1 299,5", Decimal("1299.50"), None, None),
        ("1,299.00", Decimal("1299.00"), None, None),
        ("129.899999999", Decimal("129.90"), None, 129.899999999),
        ("12", Decimal("12.00"), 12, 12.0),
        ("12.0", Decimal("12.00"), 12, 12.0),
        ("12.5", Decimal("12.50"), None, 12.5),
        ("", None, None, None),
        ("twelve", None, None, None),
        (None, None, None, None),
    ]
    frame = spark.createDataFrame([(c[0],) for c in cases], "raw string")
    raw = F.col("raw")
    result = normalize.add_staged(
        frame,
        [
            normalize.money_stages(raw, "money", "decimal(10,2)"),
            normalize.integer_stages(raw, "integer", "int"),
            normalize.single_stage("number", normalize.parse_number(raw)),
            normalize.single_stage("text", normalize.parse_text(raw)),
        ],
    ).collect()
    got = {r["raw"]: (r["money"], r["integer"], r["number"], r["text"]) for r in result}
    for raw, money, integer, number in cases:
        assert got[raw][:3] == (money, integer, number), raw
    assert got[""][3] is None and got["twelve"][3] == "twelve"


def test_local_timestamps_become_utc_with_the_offset_kept(spark: Any) -> None:
    cases = {
        "2026-06-05 18:42:05": (dt.datetime(2026, 6, 5, 16, 42, 5), 120),
        "05/06/2026 18:42": (dt.datetime(2026, 6, 5, 16, 42), 120),
        "2026-06-05T18:42:05+02:00": (dt.datetime(2026, 6, 5, 16, 42, 5), 120),
        "2026-06-05T18:42:05Z": (dt.datetime(2026, 6, 5, 18, 42, 5), 0),
        "2026-06-05T18:42:05-0130": (dt.datetime(2026, 6, 5, 20, 12, 5), -90),
        "2026-06-05 23:30:00.250": (dt.datetime(2026, 6, 5, 21, 30, 0, 250000), 120),
        "not a date": (None, None),
        "2026-13-45 10:00:00": (None, None),
        # Close to the canonical shape but not it: these take the split-and-try path.
        " 2026-06-05 18:42:05 ": (dt.datetime(2026, 6, 5, 16, 42, 5), 120),
        "2026-06-05 18:42:05 +01:00": (dt.datetime(2026, 6, 5, 17, 42, 5), 60),
        "2026-06-05 18:42:05.123456Z": (dt.datetime(2026, 6, 5, 18, 42, 5, 123456), 0),
        "2026-06-05 18:42": (dt.datetime(2026, 6, 5, 16, 42), 120),
        "": (None, None),
    }
    frame = spark.createDataFrame([(raw,) for raw in cases], "raw string")
    stages = normalize.local_timestamp_stages(F.col("raw"), "utc", "offset", ZONE)
    rows = normalize.add_staged(frame, [stages]).withColumn("d", normalize.local_date(F.col("utc"), ZONE))
    assert rows.columns == ["raw", "utc", "offset", "d"]  # helper columns are dropped
    got = {r["raw"]: r for r in rows.collect()}
    for raw, (expected_utc, expected_offset) in cases.items():
        assert (got[raw]["utc"], got[raw]["offset"]) == (expected_utc, expected_offset), raw
    # 23:30 local on the 5th is still the 5th in Johannesburg although it is 21:30 UTC.
    assert got["2026-06-05 23:30:00.250"]["d"] == dt.date(2026, 6, 5)


def test_lines_become_records_with_errors_for_corrupt_and_non_utf8(spark: Any) -> None:
    contract = silver_contract("ratings")
    lines = [
        b'{"rating_id": "R-1", "order_id": "ORD-1", "stars": 4, "comment": "lekker", '
        b'"rated_at": "2026-06-05 20:00:00", "updated_at": "2026-06-05 20:00:00"}',
        b'{"rating_id": "R-2", "order_id": "ORD-2", "stars": "4", "comment": "caf\xe9", '
        b'"rated_at": "2026-06-05 20:00:00", "updated_at": "2026-06-05 20:00:00"}',
        b'{"rating_id": "R-3", "order_id": "ORD-3", "sta',
        b"[1, 2]",
        b"   ",
        b'{"rating_id": "R-4", "order_id": "ORD-4", "stars": 9, "comment": "", '
        b'"rated_at": "2026-06-05 20:00:00", "updated_at": "2026-06-05 20:00:00"}',
        # Another source's record (a file dropped in the wrong folder, an export with other headers):
        # none of the contract's fields, so one reason instead of every required column missing.
        b'{"Station": "LDN-01", "PM2.5": "12.5"}',
        b"{}",
    ]
    # Build the lines the way spark.read.text does: a string column holding the raw bytes.
    bronze_file = "file:///lake/bronze/ratings/ingest_date=2026-06-06/r1-00001.json.gz"
    frame = spark.createDataFrame([(bytearray(b),) for b in lines], "b binary").select(
        F.col("b").cast("string").alias("value"),
        F.lit(bronze_file).alias("bronze_file"),
        F.lit(batch_id_of(bronze_file)).alias("bronze_batch_id"),
    )
    checked = evaluate_rules(type_columns(parse_lines(frame, contract), contract, ZONE), contract)
    collected = checked.collect()
    got = {
        r["raw_record"][:22]: (r["record_error"], r[QUARANTINE_REASONS], r["comment"], r["bronze_batch_id"])
        for r in collected
    }
    # The exact bytes are kept where raw_record cannot hold them; the quarantine rebuilds the rest.
    exact = {r["raw_record"][:22]: r["raw_record_base64"] for r in collected}
    assert base64.b64decode(exact['{"rating_id": "R-2", "']) == lines[1]
    assert exact['{"rating_id": "R-1", "'] is None
    assert len(got) == 7  # the blank line is not a record
    assert got['{"rating_id": "R-1", "'] == (None, [], "lekker", "2026-06-06_r1")
    assert got['{"rating_id": "R-2", "'][:2] == ("non_utf8", ["non_utf8"])
    assert got['{"rating_id": "R-3", "'][:2] == ("corrupt_record", ["corrupt_record"])
    assert got["[1, 2]"][:2] == ("corrupt_record", ["corrupt_record"])
    assert got['{"rating_id": "R-4", "'][1] == ["stars_between_1_and_5"]
    assert got['{"rating_id": "R-4", "'][2] is None  # "" -> null
    assert got['{"Station": "LDN-01", '][:2] == ("no_known_values", ["no_known_values"])
    assert got["{}"][:2] == ("no_known_values", ["no_known_values"])


def test_schema_change_and_warn_rules(spark: Any) -> None:
    contract = silver_contract("orders")
    base = (
        '"order_id": "ORD-1", "customer_id": "C-1", "placed_at": "2026-06-05 18:00:00", '
        '"promised_minutes": 45, '
        '"status": "delivered", "updated_at": "2026-06-05 18:00:00", "zone": "mars"'
    )
    lines = [
        "{" + base + ', "payment_method": "card"}',
        "{" + base + ', "payment_type": "cash", "tip_zar": "R 10,00"}',
        "{" + base + ', "payment_type": "cash", "total_zar": "R twelve"}',
    ]
    frame = spark.createDataFrame(
        [(line, "f", "b") for line in lines], "value string, bronze_file string, bronze_batch_id string"
    )
    rows = evaluate_rules(type_columns(parse_lines(frame, contract), contract, ZONE), contract).collect()
    assert [(r["payment_method"], r["tip_zar"]) for r in rows] == [
        ("card", None),
        ("cash", Decimal("10.00")),
        ("cash", None),
    ]
    assert all(r[WARN_RULES] == ["zone_known"] for r in rows)
    assert [r[QUARANTINE_REASONS] for r in rows] == [[], [], ["total_zar_parseable"]]
