"""``lake contract draft``'s key guess over sampled records (no Spark, no store): an id-named field wins
over a field that is unique by chance, also when a few records lack it or records are versions."""

from __future__ import annotations

from typing import Any

from jozi_lake.ingest.draft import _key_candidates
from jozi_lake.ingest.fields import profile_fields


def checks(n: int) -> list[dict[str, Any]]:
    return [
        {
            "id": f"VC-{i:04d}",
            "vehicleId": f"VEH-{i % 12:03d}",
            "odometer": str(10000 + i * 37.5),
            "updated_at": f"2026-06-{1 + i // 24:02d} {i % 24:02d}:00:00",
        }
        for i in range(n)
    ]


def test_an_id_missing_from_one_record_is_still_the_key_with_a_note() -> None:
    records = checks(200)
    records[20]["odometer"] = "eleven thousand"  # text now, and unique: a key only by chance
    del records[30]["id"]
    keys, notes = _key_candidates(records, profile_fields(records), "updated_at")
    assert keys[0] == ("id",)
    assert "1 sampled record(s) lack id: required, they go to quarantine" in notes


def test_in_a_small_sample_one_record_without_its_id_still_keys_on_the_id() -> None:
    """8 records, one without id: 5% of 8 rounds to none, but one missing id is still the key, not a
    name that happens to be unique in the sample (whose repeats would then be read as versions)."""
    records = [
        {"id": f"W{i}", "name": f"widget {i}", "updated_at": f"2026-06-0{i} 10:00:00"} for i in range(1, 9)
    ]
    del records[3]["id"]
    keys, notes = _key_candidates(records, profile_fields(records), "updated_at")
    assert keys[0] == ("id",)
    assert "1 sampled record(s) lack id: required, they go to quarantine" in notes


def test_versions_of_one_id_draft_the_id_not_a_unique_reading() -> None:
    records = checks(100)
    records.append({**records[5], "updated_at": "2026-06-30 12:00:00", "odometer": "99999"})
    keys, notes = _key_candidates(records, profile_fields(records), "updated_at")
    assert keys[0] == ("id",)
    assert any("id repeats with a later updated_at" in n for n in notes)


def test_an_id_naming_another_thing_is_not_a_versioned_key() -> None:
    """vehicleId repeats on every twelfth check: (vehicleId, updated_at) is unique, but it names vehicles."""
    records = [{k: v for k, v in r.items() if k != "id"} for r in checks(120)]
    keys, _ = _key_candidates(records, profile_fields(records), "updated_at")
    assert ("vehicleId",) not in keys
