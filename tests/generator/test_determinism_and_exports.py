"""Same parameters → byte-identical output; exports keep the store's bytes."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path

import pytest

from jozi_lake.demo.generator import SOURCES, GeneratorParams, Messiness, generate, write_exports
from jozi_lake.errors import LakeError

SMALL = GeneratorParams(start=dt.date(2026, 3, 2), days=5, orders_per_day=60, seed=99)


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_same_parameters_give_identical_bytes(tmp_path: Path) -> None:
    generate(SMALL, tmp_path / "a")
    generate(SMALL, tmp_path / "b")
    first, second = _files(tmp_path / "a"), _files(tmp_path / "b")
    assert set(first) == {f"{s}.jsonl" for s in SOURCES} | {"manifest.json"}
    assert first == second


def test_another_seed_gives_other_data(tmp_path: Path) -> None:
    generate(SMALL, tmp_path / "a")
    generate(GeneratorParams(start=SMALL.start, days=5, orders_per_day=60, seed=100), tmp_path / "b")
    assert (tmp_path / "a" / "orders.jsonl").read_bytes() != (tmp_path / "b" / "orders.jsonl").read_bytes()


def test_clean_preset_is_the_same_store_without_defects(tmp_path: Path) -> None:
    messy = generate(SMALL, tmp_path / "messy")
    clean = generate(
        GeneratorParams(start=SMALL.start, days=5, orders_per_day=60, seed=99, messiness=Messiness.clean()),
        tmp_path / "clean",
    )
    assert messy["sources"]["orders"]["base_records"] == clean["sources"]["orders"]["records"]
    first_clean = json.loads((tmp_path / "clean" / "orders.jsonl").read_bytes().splitlines()[0])
    assert first_clean["order_id"] == "ORD-000001"
    assert first_clean["placed_at"].startswith("2026-03-02 ")


def test_records_use_store_local_time_and_documented_columns(tmp_path: Path) -> None:
    generate(GeneratorParams(days=2, orders_per_day=40, seed=1, messiness=Messiness.clean()), tmp_path)
    order = json.loads((tmp_path / "orders.jsonl").read_bytes().splitlines()[0])
    assert list(order) == [
        "order_id", "customer_id", "placed_at", "channel", "zone", "suburb", "distance_km",
        "promised_minutes", "total_zar", "payment_method", "status", "updated_at",
    ]  # fmt: skip
    placed = dt.datetime.strptime(order["placed_at"], "%Y-%m-%d %H:%M:%S")
    assert 10 <= placed.hour < 22  # opening hours, local wall clock


def test_csv_and_json_exports(tmp_path: Path) -> None:
    manifest = generate(SMALL, tmp_path / "src")
    csv_files = write_exports(tmp_path / "src", tmp_path / "landing", "csv")
    json_files = write_exports(tmp_path / "src", tmp_path / "landing-json", "json", ["complaints"])
    orders_csv = [p for p in csv_files if p.parent.name == "orders"]
    assert orders_csv and all(p.name.startswith("orders_2026-03-") for p in orders_csv)
    rows = 0
    for path in orders_csv:
        reader = csv.DictReader(io.StringIO(path.read_bytes().decode("utf-8", "surrogateescape"), newline=""))
        rows += sum(1 for _ in reader)
    assert rows == manifest["sources"]["orders"]["records"]
    # JSON exports are the store's lines byte for byte, split by day.
    exported = b"".join(p.read_bytes() for p in json_files)
    assert sorted(exported.splitlines()) == sorted(
        (tmp_path / "src" / "complaints.jsonl").read_bytes().splitlines()
    )
    raw_csv = b"".join(p.read_bytes() for p in csv_files if p.parent.name in ("complaints", "ratings"))
    if manifest["defects"]["non_utf8"]["count"]:
        with pytest.raises(UnicodeDecodeError):
            raw_csv.decode("utf-8")


def test_unknown_export_format_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(LakeError, match="unknown export format"):
        write_exports(tmp_path, tmp_path / "landing", "xml")
    with pytest.raises(LakeError, match="lake generate"):
        write_exports(tmp_path, tmp_path / "landing", "csv")


def test_bytes_do_not_depend_on_the_number_of_worker_processes(tmp_path: Path) -> None:
    # Each day has random streams of its own, so day ranges generated in parallel join to the same files.
    params = GeneratorParams(start=dt.date(2026, 3, 2), days=7, orders_per_day=40, seed=7)
    generate(params, tmp_path / "one", workers=1)
    generate(params, tmp_path / "three", workers=3)
    assert _files(tmp_path / "one") == _files(tmp_path / "three")
    assert not [p for p in (tmp_path / "three").iterdir() if p.name.startswith(".")]  # no parts left


def test_day_ranges_cover_every_day_once_with_balanced_orders() -> None:
    from jozi_lake.demo.generator.emit import _day_ranges, day_plans

    plans = day_plans(GeneratorParams(days=30, orders_per_day=100, seed=3))
    assert [p.first_order_number for p in plans[:2]] == [1, 1 + plans[0].orders]
    for workers in (1, 2, 4, 30, 50):
        ranges = _day_ranges(plans, workers)
        assert [d for r in ranges for d in r] == list(range(30))
        assert len(ranges) == min(workers, 30)
        sizes = [sum(plans[d].orders for d in r) for r in ranges]
        assert max(sizes) - min(sizes) <= 2 * max(p.orders for p in plans)
