"""Incremental gold equals a full rebuild: after a sequence of nightly runs over the generator's messy
data (late events, re-sent corrections, duplicates, a menu and a driver change), every gold table is
exactly what the models give when rebuilt from the final silver in one go.

The generated records are split into nights by their source clock (``updated_at``, the local wall
clock, which sorts as text), as the source API's ``updated_since`` would serve them: a late event or a
correction lands on a later night than the order it belongs to. Each night lands as a bronze batch
and runs both jobs. The rebuild copies the final silver into a fresh lake, logs every silver partition
as changed and runs the gold job once. Tables are compared by row count and an order-independent
checksum of every value (DuckDB over the Parquet files).
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
import re
import shutil
from pathlib import Path
from typing import Any

import duckdb
import pytest

from jozi_lake.contracts import gold_contracts, silver_contracts
from jozi_lake.demo.generator import GeneratorParams, generate
from jozi_lake.demo.generator.settings import Messiness
from jozi_lake.jobs import bronze_to_silver as b2s
from jozi_lake.jobs import lake_io
from jozi_lake.jobs import silver_to_gold as s2g
from jozi_lake.storage import LocalObjectStore

pytestmark = [pytest.mark.spark, pytest.mark.slow]

START = dt.date(2026, 6, 1)
DAYS = 5
BUCKET = "jozi-pizza-test-lake"
# Nights after which the jobs run: the first three days at once, then the fourth day (with the late
# events and corrections of the first days that were served by then), then the rest (up to five days
# late).
NIGHTS = (START + dt.timedelta(days=2), START + dt.timedelta(days=3), None)
_UPDATED_AT = re.compile(rb'"updated_at"\s*:\s*"([^"]*)"')


def split_into_nights(folder: Path) -> list[dict[str, list[bytes]]]:
    """Per night, per source: the generated lines the source would have served by then."""
    nights: list[dict[str, list[bytes]]] = [{} for _ in NIGHTS]
    for path in sorted(folder.glob("*.jsonl")):
        for line in path.read_bytes().splitlines(keepends=True):
            match = _UPDATED_AT.search(line)
            clock = match.group(1).decode("latin-1") if match else ""
            night = next(
                i for i, end in enumerate(NIGHTS) if end is None or clock <= f"{end.isoformat()} 23:59:59"
            )
            nights[night].setdefault(path.stem, []).append(line)
    return nights


def reference_changes() -> dict[str, list[bytes]]:
    """Real changes the generator does not make: a pizza's prep time and a driver's vehicle, mid-day."""
    when = f"{(START + dt.timedelta(days=3)).isoformat()} 13:00:00"
    menu = {"item_id": "ITM-01", "name": "Margherita", "category": "pizza", "base_prep_minutes": 11.0,
            "price_zar": 99.0, "updated_at": when}  # fmt: skip
    driver = {"driver_id": "DRV-001", "name": "Thabo", "shift": "full", "vehicle": "car",
              "hired_on": "2025-01-15", "updated_at": when}  # fmt: skip
    return {"menu": [json.dumps(menu).encode() + b"\n"], "drivers": [json.dumps(driver).encode() + b"\n"]}


def land(store: LocalObjectStore, night: int, batch: dict[str, list[bytes]]) -> None:
    ingest = START + dt.timedelta(days=night + 3)
    run = f"{ingest:%Y%m%d}T223000Z-{night + 1:06x}"
    for source, lines in batch.items():
        key = f"bronze/{source}/ingest_date={ingest.isoformat()}/{run}-00001.json.gz"
        store.put_bytes(key, gzip.compress(b"".join(lines)))


def checksums(store: LocalObjectStore) -> dict[str, tuple[int, int]]:
    """(rows, sum of row hashes) of every gold table, partition values included."""
    out: dict[str, tuple[int, int]] = {}
    with duckdb.connect() as con:
        for name, contract in gold_contracts().items():
            files = [str(store.base / k) for k in store.list_keys(f"gold/{name}/") if k.endswith(".parquet")]
            if not files:
                out[name] = (0, 0)
                continue
            listing = ", ".join(f"'{f}'" for f in files)
            values = ", ".join(f'CAST("{c.name}" AS VARCHAR)' for c in contract.columns)
            row = con.execute(
                f"SELECT count(*), coalesce(sum(hash({values})::HUGEINT), 0) "
                f"FROM read_parquet([{listing}], hive_partitioning = true)"
            ).fetchone()
            assert row is not None
            out[name] = (int(row[0]), int(row[1]))
    return out


@pytest.fixture(scope="module")
def lakes(spark: Any, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    base = tmp_path_factory.mktemp("incremental")
    messy = Messiness(exact_duplicate=0.03, resent_update=0.05, late_arriving=0.05)
    manifest = generate(
        GeneratorParams(start=START, days=DAYS, orders_per_day=30, seed=3, messiness=messy),
        base / "generated",
    )
    nights = split_into_nights(base / "generated")
    for source, lines in reference_changes().items():
        nights[1].setdefault(source, []).extend(lines)
    store = LocalObjectStore(base / "incremental", BUCKET)
    gold_reports = []
    for night, batch in enumerate(nights):
        land(store, night, batch)
        b2s.run_bronze_to_silver(spark, store, run_id=f"night{night}", env="test")
        gold_reports.append(s2g.run_silver_to_gold(spark, store, run_id=f"night{night}", env="test"))

    rebuilt = LocalObjectStore(base / "rebuilt", BUCKET)
    for name, contract in silver_contracts().items():
        source = store.base / "silver" / name
        if not source.is_dir():
            continue
        shutil.copytree(source, rebuilt.base / "silver" / name)
        entry: dict[str, Any] = {"table": name, "run_id": "rebuild"}
        if contract.partition_column is None:
            entry.update(event_dates=[], changed_since=None)
        else:
            part = contract.partition_column
            entry["event_dates"] = sorted(lake_io.partition_values(rebuilt, f"silver/{name}/", part))
        lake_io.write_json(rebuilt, f"silver/_state/changes/{name}/rebuild.json", entry)
    rebuild_report = s2g.run_silver_to_gold(spark, rebuilt, run_id="rebuild", env="test")
    return {
        "manifest": manifest,
        "nights": nights,
        "gold_reports": gold_reports,
        "rebuild_report": rebuild_report,
        "incremental": checksums(store),
        "rebuilt": checksums(rebuilt),
    }


def test_the_nights_carry_late_and_corrected_records(lakes: dict[str, Any]) -> None:
    defects = lakes["manifest"]["defects"]
    assert defects["late_arriving"]["count"] >= 10
    assert defects["resent_update"]["count"] >= 10
    # Records of the first days arrive on later nights: events late, orders and events corrected.
    later = [line for night in lakes["nights"][1:] for lines in night.values() for line in lines]
    assert any(re.search(rb'"event_at"\s*:\s*"2026-06-0[1-3]', line) for line in later)
    assert any(re.search(rb'"placed_at"\s*:\s*"2026-06-0[1-3]', line) for line in later)


def test_incremental_gold_equals_a_full_rebuild_from_silver(lakes: dict[str, Any]) -> None:
    assert all(rows > 0 for rows, _ in lakes["rebuilt"].values()), lakes["rebuilt"]
    assert lakes["incremental"] == lakes["rebuilt"]


def test_the_nightly_runs_were_incremental(lakes: dict[str, Any]) -> None:
    everything = {
        t.table: set(t.partitions_changed) for t in lakes["rebuild_report"].tables if t.partitions_changed
    }
    # The second night's hourly table recomputed some dates only, not the whole history.
    second = {t.table: set(t.partitions_changed) for t in lakes["gold_reports"][1].tables}
    assert second["delivery_performance_hourly"]
    assert second["delivery_performance_hourly"] < everything["delivery_performance_hourly"]
