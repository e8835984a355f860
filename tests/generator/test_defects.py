"""Every defect kind of docs/data-model.md occurs, is counted in the manifest exactly as it appears in
the data, occurs at its configured rate, and is absent with the clean preset."""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import pytest

from jozi_lake.demo.generator import DEFECT_KINDS, SOURCES, GeneratorParams, Messiness, generate

STORE_TS = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")
KEYS = {
    "orders": ("order_id",), "order_items": ("order_id", "line_no"), "menu": ("item_id",),
    "kitchen_events": ("event_id",), "dispatch_events": ("event_id",), "drivers": ("driver_id",),
    "complaints": ("complaint_id",), "ratings": ("rating_id",), "load_shedding": ("window_id",),
}  # fmt: skip
TIME_FIELD = {"orders": "placed_at", "kitchen_events": "event_at", "dispatch_events": "event_at",
              "complaints": "created_at", "ratings": "rated_at"}  # fmt: skip
NULLABLE = {"orders": ("order_id", "placed_at"), "order_items": ("order_id", "line_no"),
            "kitchen_events": ("event_at", "order_id"), "dispatch_events": ("event_at", "order_id"),
            "complaints": ("order_id", "created_at"), "ratings": ("order_id", "rated_at")}  # fmt: skip
EMPTY_FIELD = {"orders": "suburb", "kitchen_events": "station", "dispatch_events": "driver_id",
               "complaints": "text", "ratings": "comment"}  # fmt: skip
AMOUNT_FIELD = {"orders": "total_zar", "order_items": "unit_price_zar"}


def observe(folder: Path) -> tuple[dict[str, Counter], dict[str, Any]]:
    """Count each defect kind per source from the data alone (not from the manifest)."""
    found: dict[str, Counter] = defaultdict(Counter)
    for source in SOURCES:
        lines = (folder / f"{source}.jsonl").read_bytes().splitlines()
        line_counts = Counter(lines)
        found["exact_duplicate"][source] = sum(n - 1 for n in line_counts.values())
        by_key: dict[tuple, set[bytes]] = defaultdict(set)
        kitchen_order: dict[str, list[str]] = defaultdict(list)
        new_shape: set[Any] = set()
        for line in line_counts:
            try:
                line.decode("utf-8")
            except UnicodeDecodeError:
                found["non_utf8"][source] += 1
            record = json.loads(line.decode("utf-8", "surrogateescape"))
            if source == "orders" and "payment_type" in record:
                new_shape.add(record["order_id"] or line)  # once per order, however often it is sent
            if source in NULLABLE and any(record.get(f) is None for f in NULLABLE[source]):
                found["null_required"][source] += 1
                continue
            by_key[tuple(record[k] for k in KEYS[source])].add(line)
            if source in EMPTY_FIELD and record[EMPTY_FIELD[source]] == "":
                found["empty_string"][source] += 1
            if source in AMOUNT_FIELD and isinstance(record[AMOUNT_FIELD[source]], str):
                found["malformed_amount"][source] += 1
            if source in TIME_FIELD and not STORE_TS.match(record[TIME_FIELD[source]]):
                found["bad_timestamp"][source] += 1
            if source in ("kitchen_events", "dispatch_events") and STORE_TS.match(record["event_at"]):
                lag = dt.datetime.fromisoformat(record["updated_at"]) - dt.datetime.fromisoformat(
                    record["event_at"]
                )
                if lag >= dt.timedelta(days=2):
                    found["late_arriving"][source] += 1
        found["schema_change"][source] = len(new_shape)
        found["resent_update"][source] = sum(len(v) - 1 for v in by_key.values())
        if source == "kitchen_events":
            for line in lines:
                r = json.loads(line.decode("utf-8", "surrogateescape"))
                if r["order_id"] and r["event_type"] not in kitchen_order[r["order_id"]]:
                    kitchen_order[r["order_id"]].append(r["event_type"])
            found["out_of_order"][source] = sum(
                1 for seq in kitchen_order.values() if "oven_in" in seq and "oven_out" in seq
                and seq.index("oven_out") < seq.index("oven_in")
            )  # fmt: skip
    manifest = json.loads((folder / "manifest.json").read_text())
    return found, manifest


@pytest.fixture(scope="module")
def messy(messy_dataset: Path) -> tuple[dict[str, Counter], dict[str, Any]]:
    return observe(messy_dataset)


@pytest.mark.parametrize("kind", DEFECT_KINDS)
def test_manifest_counts_match_the_data(kind: str, messy: tuple[dict[str, Counter], dict[str, Any]]) -> None:
    found, manifest = messy
    recorded = manifest["defects"][kind]
    assert recorded["count"] > 0, f"{kind} never occurred"
    observed = {s: n for s, n in found[kind].items() if n}
    assert observed == recorded["by_source"]
    assert sum(len(keys) for keys in recorded["keys"].values()) == recorded["count"]


def test_every_line_is_accounted_for(messy_dataset: Path, messy: tuple[dict, dict[str, Any]]) -> None:
    _, manifest = messy
    for source in SOURCES:
        lines = (messy_dataset / f"{source}.jsonl").read_bytes().count(b"\n")
        info = manifest["sources"][source]
        extra = sum(
            manifest["defects"][k]["by_source"].get(source, 0) for k in ("exact_duplicate", "resent_update")
        )
        assert lines == info["records"] == info["base_records"] + extra


@pytest.mark.parametrize(
    ("kind", "rate", "sources"),
    [
        ("exact_duplicate", 0.02, None),
        ("resent_update", 0.02, None),
        ("late_arriving", 0.02, ("kitchen_events", "dispatch_events")),
        ("null_required", 0.02, tuple(NULLABLE)),
        ("malformed_amount", 0.03, tuple(AMOUNT_FIELD)),
        ("empty_string", 0.02, tuple(EMPTY_FIELD)),
        ("bad_timestamp", 0.02, tuple(TIME_FIELD)),
        ("non_utf8", 0.05, ("complaints", "ratings")),
    ],
)
def test_defects_occur_at_their_configured_rate(
    kind: str, rate: float, sources: tuple[str, ...] | None, messy: tuple[dict, dict[str, Any]]
) -> None:
    _, manifest = messy
    eligible = sum(
        info["base_records"] for s, info in manifest["sources"].items() if sources is None or s in sources
    )
    count = manifest["defects"][kind]["count"]
    expected = rate * eligible
    # Binomial: within 4 standard deviations (a few eligible records are exempt, e.g. shuffled events).
    assert abs(count - expected) <= 4 * math.sqrt(expected * (1 - rate)) + 0.05 * expected, (count, expected)


def test_out_of_order_rate_is_per_order(messy: tuple[dict, dict[str, Any]]) -> None:
    _, manifest = messy
    delivered = manifest["sources"]["dispatch_events"]["base_records"] / 3
    count = manifest["defects"]["out_of_order"]["count"]
    assert abs(count - 0.03 * delivered) <= 4 * math.sqrt(0.03 * delivered) + 2


def test_schema_change_starts_on_the_middle_day(messy_dataset: Path) -> None:
    middle = "2026-06-08"  # 14 days from 2026-06-01
    for line in (messy_dataset / "orders.jsonl").read_bytes().splitlines():
        record = json.loads(line.decode("utf-8", "surrogateescape"))
        placed = record["placed_at"]
        if placed is None or not STORE_TS.match(placed):
            continue
        assert ("payment_type" in record) == (placed >= middle)
        assert ("payment_method" in record) == (placed < middle)


def test_clean_preset_has_no_defects(tmp_path: Path) -> None:
    params = GeneratorParams(days=10, orders_per_day=60, seed=3, messiness=Messiness.clean())
    manifest = generate(params, tmp_path)
    assert all(d["count"] == 0 for d in manifest["defects"].values())
    found, _ = observe(tmp_path)
    assert all(n == 0 for counter in found.values() for n in counter.values())
    assert manifest["schema_change_from"] is None


def test_default_messiness_is_on_but_rare(tmp_path: Path) -> None:
    manifest = generate(GeneratorParams(days=14, orders_per_day=150, seed=5), tmp_path)
    total = sum(s["records"] for s in manifest["sources"].values())
    for kind, info in manifest["defects"].items():
        assert info["count"] > 0, kind
        if kind != "schema_change":
            assert info["count"] < 0.03 * total, kind


def test_rates_out_of_range_are_refused() -> None:
    from jozi_lake.errors import LakeError

    with pytest.raises(LakeError, match="outside"):
        Messiness(exact_duplicate=0.5)
    with pytest.raises(LakeError, match="orders_per_day"):
        GeneratorParams(orders_per_day=1)
