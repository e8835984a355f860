"""File drops: copied into bronze as received, once, with a manifest; a generated dataset lands whole."""

from __future__ import annotations

import datetime as dt
import gzip
import json
from pathlib import Path

import pytest
from ingest_support import bronze_lines, served_lines

from jozi_lake.demo.generator import SOURCES, write_exports
from jozi_lake.ingest import drop_format, ingest_drops, land_generated_dataset
from jozi_lake.storage import LocalObjectStore, StorageError

NOW = dt.datetime(2026, 6, 5, 22, 30, tzinfo=dt.UTC)


def _drop(store: LocalObjectStore, source: str, name: str, data: bytes) -> None:
    store.put_bytes(f"landing/{source}/{name}", data)


def test_drop_names_map_to_formats() -> None:
    assert drop_format("orders_2026-06-01.csv") == ("orders_2026-06-01", "csv", False)
    assert drop_format("orders-part-00001.jsonl.gz") == ("orders-part-00001", "json", True)
    assert drop_format("x.ndjson") == ("x", "json", False)
    assert drop_format("notes.txt") is None


def test_csv_and_json_drops_land_as_received(
    store: LocalObjectStore, source_dir: Path, tmp_path: Path
) -> None:
    write_exports(source_dir, store.base / "landing", "csv", ["orders", "complaints"])
    write_exports(source_dir, store.base / "landing", "json", ["ratings"])
    landed = {k: store.get_bytes(k) for k in store.list_keys("landing/")}
    summary = ingest_drops(store, ["orders", "complaints", "ratings"], run_id="drop-1", now=NOW)
    assert summary["status"] == "SUCCEEDED"
    keys = [k for k in store.list_keys("bronze/") if not k.startswith("bronze/_")]
    assert len(keys) == len(landed)
    for key in keys:
        source, partition, name = key.split("/")[1:]
        assert partition == "ingest_date=2026-06-05" and name.startswith("drop-1-")
        original = f"landing/{source}/{name.removeprefix('drop-1-').removesuffix('.gz')}"
        original = original.replace(".json", ".jsonl") if name.endswith(".json.gz") else original
        assert gzip.decompress(store.get_bytes(key)) == landed[original]  # bytes as received
        assert name.endswith(".csv.gz") == (source != "ratings")
    assert bronze_lines(store, "ratings") == served_lines(source_dir, "ratings")
    manifest = json.loads(store.get_bytes("bronze/_manifests/ingest/drop-1.json"))
    assert manifest["kind"] == "file_drop" and manifest["status"] == "SUCCEEDED"
    assert summary["sources"]["orders"]["rows"] == sum(served_lines(source_dir, "orders").values())


def test_a_rerun_does_not_copy_drops_twice(store: LocalObjectStore) -> None:
    _drop(store, "menu", "menu_2026-06-01.csv", b"item_id,name\nITM-01,Margherita\n")
    first = ingest_drops(store, ["menu"], now=NOW)
    second = ingest_drops(store, ["menu"], now=NOW)
    assert first["new_rows"] == 1 and second["new_rows"] == 0 and second["has_new_data"] is False
    assert second["sources"]["menu"]["skipped"] == 1
    # The same name re-sent with other content is a new drop.
    _drop(store, "menu", "menu_2026-06-01.csv", b"item_id,name\nITM-01,Margherita\nITM-02,Pepperoni\n")
    assert ingest_drops(store, ["menu"], now=NOW)["new_rows"] == 2
    assert len([k for k in store.list_keys("bronze/menu/")]) == 2


def test_a_drop_claimed_by_a_crashed_run_is_rewritten_to_the_same_key(
    store: LocalObjectStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    _drop(store, "drivers", "drivers_2026-06-01.jsonl", b'{"driver_id":"DRV-001"}\n')
    real_put = LocalObjectStore.put_bytes

    def failing_put(self: LocalObjectStore, key: str, data: bytes, content_type: str | None = None) -> None:
        if key.startswith("bronze/drivers/"):
            raise StorageError("connection reset")
        real_put(self, key, data, content_type)

    monkeypatch.setattr(LocalObjectStore, "put_bytes", failing_put)
    crashed = ingest_drops(store, ["drivers"], run_id="crashed", now=NOW)
    assert crashed["status"] == "FAILED" and "connection reset" in crashed["error"]
    assert json.loads(store.get_bytes("bronze/_manifests/ingest/crashed.json"))["status"] == "FAILED"
    monkeypatch.setattr(LocalObjectStore, "put_bytes", real_put)
    rerun = ingest_drops(store, ["drivers"], run_id="rerun", now=NOW)
    assert rerun["new_rows"] == 1
    assert list(store.list_keys("bronze/drivers/")) == [
        "bronze/drivers/ingest_date=2026-06-05/crashed-drivers_2026-06-01.json.gz"
    ]


def test_bad_drops_fail_clearly_without_stopping_good_ones(store: LocalObjectStore) -> None:
    _drop(store, "ratings", "ratings.xlsx", b"PK\x03\x04")
    _drop(store, "ratings", "empty.csv", b"")
    _drop(store, "ratings", "broken.jsonl.gz", b"not gzip")
    _drop(store, "ratings", "good.jsonl", b'{"rating_id":"RAT-000001"}\n')
    summary = ingest_drops(store, ["ratings"], now=NOW)
    assert summary["status"] == "FAILED"
    error = summary["error"]
    assert "ratings.xlsx: not a .csv" in error and "empty.csv: empty file" in error
    assert "broken.jsonl.gz: named .gz but is not valid gzip" in error
    assert summary["new_rows"] == 1


def test_land_generated_dataset_accounts_for_every_record(store: LocalObjectStore, source_dir: Path) -> None:
    manifest = json.loads((source_dir / "manifest.json").read_text())
    summary = land_generated_dataset(source_dir, store, list(SOURCES), chunk_lines=500, now=NOW)
    assert summary["status"] == "SUCCEEDED"
    for source in SOURCES:
        expected = manifest["sources"][source]["records"]
        assert summary["sources"][source]["rows"] == expected
        assert sum(bronze_lines(store, source).values()) == expected
    assert len(list(store.list_keys("landing/kitchen_events/"))) > 1  # split into parts
    again = land_generated_dataset(source_dir, store, list(SOURCES), chunk_lines=500, now=NOW)
    assert again["new_rows"] == 0
