"""Hive type names as the Glue Data Catalog stores them: inference, parsing and merging.

The catalog speaks Hive types (``bigint``, ``struct<a:string>``...) because that is what Glue's
``GetTable`` returns and what Athena reads. The crawler infers them from JSON samples (the way Glue's
JSON classifier does) and maps them from Parquet schemas (through DuckDB's types), then merges the
schemas of all files of a table. Merging follows Glue's "combine compatible schemas" rules: a new
column or struct field is added, a narrower number widens (``int`` -> ``bigint`` -> ``double``), and
anything else is a conflict that the caller reports instead of forking the table.
"""

from __future__ import annotations

import functools
from typing import Any

# A parsed Hive type: ("prim", "bigint"), ("array", elem), ("map", key, value) or
# ("struct", ((name, type), ...)). Tuples so parsed types compare and hash by value.
HiveType = tuple[Any, ...]

NULL_TYPE: HiveType = ("prim", "void")  # a JSON field seen only as null so far

# Numeric widening Glue applies when schemas are combined: each type may become the ones after it.
_NUMERIC_ORDER = ["tinyint", "smallint", "int", "bigint", "double"]
_NUMERIC_RANK: dict[str, float] = {name: rank for rank, name in enumerate(_NUMERIC_ORDER)}
_NUMERIC_RANK["float"] = _NUMERIC_RANK["double"] - 0.5


class HiveTypeError(ValueError):
    """A type string the catalog cannot parse."""


# ---------------------------------------------------------------------------------------- parsing


def parse_hive_type(text: str) -> HiveType:
    """Parse ``struct<a:bigint,b:array<string>>`` and friends into a comparable tree."""
    parsed, rest = _parse(text.strip().lower().replace(" ", ""))
    if rest:
        raise HiveTypeError(f"unexpected {rest!r} after a complete type in {text!r}")
    return parsed


def _split_top_level(body: str) -> list[str]:
    parts, depth, start = [], 0, 0
    for index, char in enumerate(body):
        if char in "<(":
            depth += 1
        elif char in ">)":
            depth -= 1
        elif char == "," and depth == 0:
            parts.append(body[start:index])
            start = index + 1
    parts.append(body[start:])
    return [part for part in parts if part]


def _matching_close(text: str, open_index: int) -> int:
    depth = 0
    for index in range(open_index, len(text)):
        if text[index] in "<(":
            depth += 1
        elif text[index] in ">)":
            depth -= 1
            if depth == 0:
                return index
    raise HiveTypeError(f"unbalanced brackets in {text!r}")


def _parse(text: str) -> tuple[HiveType, str]:
    for kind in ("struct", "array", "map"):
        if text.startswith(kind + "<"):
            close = _matching_close(text, len(kind))
            body, rest = text[len(kind) + 1 : close], text[close + 1 :]
            parts = _split_top_level(body)
            if kind == "array":
                return ("array", parse_hive_type(body)), rest
            if kind == "map":
                if len(parts) != 2:
                    raise HiveTypeError(f"map needs a key and a value type: {text!r}")
                return ("map", parse_hive_type(parts[0]), parse_hive_type(parts[1])), rest
            fields = []
            for part in parts:
                name, sep, field_type = part.partition(":")
                if not sep:
                    raise HiveTypeError(f"struct field without a type: {part!r}")
                fields.append((name, parse_hive_type(field_type)))
            return ("struct", tuple(fields)), rest
    if text.startswith("decimal("):
        close = text.index(")")
        return ("prim", text[: close + 1]), text[close + 1 :]
    if text.startswith(("varchar(", "char(")):
        close = text.index(")")
        return ("prim", "string"), text[close + 1 :]
    name = text
    if not name.isidentifier():
        raise HiveTypeError(f"not a Hive type: {text!r}")
    return ("prim", {"integer": "int", "real": "float", "varchar": "string"}.get(name, name)), ""


def format_hive_type(parsed: HiveType) -> str:
    """The catalog spelling of a parsed type (``NULL_TYPE`` becomes ``string``, as Glue does)."""
    kind = parsed[0]
    if kind == "prim":
        return "string" if parsed == NULL_TYPE else str(parsed[1])
    if kind == "array":
        return f"array<{format_hive_type(parsed[1])}>"
    if kind == "map":
        return f"map<{format_hive_type(parsed[1])},{format_hive_type(parsed[2])}>"
    return "struct<" + ",".join(f"{name}:{format_hive_type(t)}" for name, t in parsed[1]) + ">"


# -------------------------------------------------------------------------------------- inference


# The JSON scalar types by Python type: the crawler's hot path looks these up before recursing.
JSON_SCALAR_TYPES: dict[type, HiveType] = {
    bool: ("prim", "boolean"),
    int: ("prim", "bigint"),
    float: ("prim", "double"),
    str: ("prim", "string"),
    type(None): NULL_TYPE,
}


def infer_json_value(value: Any) -> HiveType:
    """The Hive type Glue's JSON classifier gives one JSON value."""
    scalar = JSON_SCALAR_TYPES.get(type(value))
    if scalar is not None:
        return scalar
    if value is None:
        return NULL_TYPE
    if isinstance(value, bool):
        return ("prim", "boolean")
    if isinstance(value, int):
        return ("prim", "bigint")
    if isinstance(value, float):
        return ("prim", "double")
    if isinstance(value, str):
        return ("prim", "string")
    if isinstance(value, dict):
        return ("struct", tuple((str(k), infer_json_value(v)) for k, v in value.items()))
    if isinstance(value, list):
        element: HiveType = NULL_TYPE
        for item in value:
            element = widen_within_sample(element, infer_json_value(item))
        return ("array", element)
    return ("prim", "string")


def widen_within_sample(left: HiveType, right: HiveType) -> HiveType:
    """Combine two observations of one field inside a file's sample.

    Glue's classifier never fails a sample: numbers widen to ``double`` and anything mixed becomes
    ``string``. (Across files the stricter :func:`merge_types` applies and reports conflicts.)
    """
    merged, conflict = merge_types(left, right)
    return ("prim", "string") if conflict else merged


def merge_types(existing: HiveType, incoming: HiveType) -> tuple[HiveType, bool]:
    """Combine a column's table type with a file's type: ``(result, is_conflict)``.

    On a conflict the existing type is kept, so a table is never silently retyped by one odd file.
    """
    if existing == incoming or incoming == NULL_TYPE:
        return existing, False
    if existing == NULL_TYPE:
        return incoming, False
    if existing[0] == incoming[0] == "prim":
        left, right = existing[1], incoming[1]
        if left in _NUMERIC_RANK and right in _NUMERIC_RANK:
            return (existing if _NUMERIC_RANK[left] >= _NUMERIC_RANK[right] else incoming), False
        return existing, True
    if existing[0] == incoming[0] == "array":
        element, conflict = merge_types(existing[1], incoming[1])
        return ("array", element), conflict
    if existing[0] == incoming[0] == "map":
        key, key_conflict = merge_types(existing[1], incoming[1])
        value, value_conflict = merge_types(existing[2], incoming[2])
        return ("map", key, value), key_conflict or value_conflict
    if existing[0] == incoming[0] == "struct":
        fields = dict(existing[1])
        conflict = False
        for name, field_type in incoming[1]:
            if name in fields:
                fields[name], field_conflict = merge_types(fields[name], field_type)
                conflict = conflict or field_conflict
            else:
                fields[name] = field_type  # a new nested field: compatible, like a new column
        return ("struct", tuple(fields.items())), conflict
    return existing, True


# ---------------------------------------------------------------------------------------- DuckDB

_DUCKDB_PRIMITIVES = {
    "boolean": "boolean",
    "tinyint": "tinyint",
    "smallint": "smallint",
    "integer": "int",
    "bigint": "bigint",
    "utinyint": "smallint",
    "usmallint": "int",
    "uinteger": "bigint",
    "ubigint": "decimal(20,0)",
    "hugeint": "decimal(38,0)",
    "float": "float",
    "double": "double",
    "varchar": "string",
    "uuid": "string",
    "blob": "binary",
    "date": "date",
    "timestamp": "timestamp",
    "timestamp_s": "timestamp",
    "timestamp_ms": "timestamp",
    "timestamp_ns": "timestamp",
    "timestamp with time zone": "timestamp",
    "time": "string",
    "interval": "string",
}


def from_duckdb_type(duck_type: Any) -> HiveType:
    """Map a DuckDB type (``DuckDBPyType``) of a Parquet/CSV column to the Hive type Glue records."""
    kind = str(duck_type.id).lower()
    if kind == "decimal":
        params = dict(duck_type.children)
        return ("prim", f"decimal({params['precision']},{params['scale']})")
    if kind == "list" or kind == "array":
        return ("array", from_duckdb_type(dict(duck_type.children)["child"]))
    if kind == "map":
        children = dict(duck_type.children)
        return ("map", from_duckdb_type(children["key"]), from_duckdb_type(children["value"]))
    if kind == "struct":
        return ("struct", tuple((name, from_duckdb_type(child)) for name, child in duck_type.children))
    text = str(duck_type).lower()
    return ("prim", _DUCKDB_PRIMITIVES.get(kind, _DUCKDB_PRIMITIVES.get(text, "string")))


@functools.lru_cache(maxsize=1024)
def to_duckdb_type(hive_type: str) -> str:
    """The DuckDB spelling of a catalog type (used to project the catalog schema over files)."""
    from sqlglot import exp

    return exp.DataType.build(hive_type, dialect="hive").sql("duckdb")
