"""The drafted type of a field that is text only because of a few values is a question to the reviewer.

One "n/a" among 49 amounts makes the draft's column text (the strictest parser *every* value fits), which
is right: a stricter parse would quarantine that row. But the reviewer should hear that it was one value,
which one, and what each choice does. No Spark, no store.
"""

from __future__ import annotations

from typing import Any

from jozi_lake.ingest.fields import NEAR_MIN_VALUES, NearFit, profile_fields


def records(values: list[Any], name: str = "distance") -> list[dict[str, Any]]:
    return [{"id": f"R{i}", name: v} for i, v in enumerate(values)]


def field_of(rows: list[dict[str, Any]], name: str = "distance") -> Any:
    return next(p for p in profile_fields(rows) if p.name == name)


def test_one_marker_among_numbers_is_text_with_a_note_naming_it() -> None:
    distance = field_of(records([str(1.5 + i) for i in range(49)] + ["n/a"]))
    assert (distance.parse, distance.type) == ("text", "string")
    assert distance.near == NearFit("number", "double", 49, 50, ("n/a",))
    note = distance.near_note("distance_km")
    assert note is not None
    assert note.startswith(
        "distance: 49 of 50 values are number (double) and 1 not (e.g. 'n/a'), so it is text"
    )
    assert "files.csv.null_values" in note and "(distance_km_parseable)" in note
    assert field_of(records([str(1.5 + i) for i in range(49)] + ["n/a"])).to_dict()["near"]["fitting"] == 49


def test_money_and_timestamps_are_named_by_their_own_parser() -> None:
    total = field_of(records([f"R {i},50" for i in range(20)] + ["unknown"], "total"), "total")
    assert total.near is not None and (total.near.parse, total.near.type) == ("money", "decimal(12,2)")
    stamps = [f"2026-06-01 {i % 24:02d}:00" for i in range(30)] + ["soon", "soon", "later"]
    placed = field_of(records(stamps, "placed_at"), "placed_at")
    assert placed.near is not None and placed.near.parse == "local_timestamp"
    assert placed.near.outliers == ("soon", "later") and placed.near.fitting == 30


def test_no_note_when_the_field_is_really_text_or_the_sample_is_too_small() -> None:
    assert field_of(records([f"{i} km" for i in range(50)])).near is None  # text through and through
    assert field_of(records([str(i) for i in range(40)] + ["x"] * 10)).near is None  # 80 %: really mixed
    few = [str(i) for i in range(NEAR_MIN_VALUES - 2)] + ["n/a"]
    assert field_of(records(few)).near is None  # too few values to call one an outlier
    clean = field_of(records([str(i) for i in range(50)]))
    assert clean.parse == "integer" and clean.near is None and clean.near_note() is None


def test_a_measure_that_is_text_only_through_odd_values_is_no_key_candidate() -> None:
    from jozi_lake.ingest.draft import _key_candidates

    rows = [{"ref": f"D-{i % 7}", "amount": f"{100 + i}.50"} for i in range(30)]
    rows[3]["amount"] = "n/a"  # unique, and text now: a key only by chance
    keys, _ = _key_candidates(rows, profile_fields(rows), None)
    assert ("amount",) not in keys and all("amount" not in k for k in keys), keys
