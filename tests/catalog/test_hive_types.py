"""Hive type parsing and Glue's combine-compatible-schemas rules."""

from __future__ import annotations

import pytest

from jozi_lake.catalog.hive_types import (
    HiveTypeError,
    format_hive_type,
    merge_types,
    parse_hive_type,
    to_duckdb_type,
)


@pytest.mark.parametrize(
    "text",
    [
        "bigint",
        "decimal(10,2)",
        "array<string>",
        "map<string,bigint>",
        "struct<a:bigint,b:array<struct<c:date>>>",
    ],
)
def test_parse_and_format_round_trip(text: str) -> None:
    assert format_hive_type(parse_hive_type(text)) == text


def test_parse_rejects_garbage() -> None:
    with pytest.raises(HiveTypeError):
        parse_hive_type("struct<a:bigint")


@pytest.mark.parametrize(
    ("existing", "incoming", "merged", "conflict"),
    [
        ("int", "bigint", "bigint", False),
        ("bigint", "int", "bigint", False),
        ("bigint", "double", "double", False),
        ("bigint", "string", "bigint", True),
        ("string", "boolean", "string", True),
        ("decimal(10,2)", "double", "decimal(10,2)", True),
        ("struct<a:bigint>", "struct<a:bigint,b:string>", "struct<a:bigint,b:string>", False),
        ("struct<a:bigint>", "struct<a:string>", "struct<a:bigint>", True),
        ("array<int>", "array<bigint>", "array<bigint>", False),
    ],
)
def test_merge_rules(existing: str, incoming: str, merged: str, conflict: bool) -> None:
    result, is_conflict = merge_types(parse_hive_type(existing), parse_hive_type(incoming))
    assert (format_hive_type(result), is_conflict) == (merged, conflict)


def test_duckdb_spelling() -> None:
    assert to_duckdb_type("string") == "TEXT"
    assert to_duckdb_type("struct<a:bigint>") == "STRUCT(a BIGINT)"
