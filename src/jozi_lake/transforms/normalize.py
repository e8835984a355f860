"""Value parsers for raw source text, as Spark column expressions (built-in functions only, no UDFs).

Every parser takes the raw string column and returns a typed column that is null when the text is
empty or cannot be read. A null from non-empty text is a parse failure, which the generated
``<column>_parseable`` rule turns into a quarantine reason; that is why parsers never guess.
"""

from __future__ import annotations

from pyspark.sql import Column
from pyspark.sql import functions as F

# lake.yaml's source_timezone. Glue jobs do not read lake.yaml (they get only the job arguments), so the
# value lives here as well; tests/transforms/test_normalize.py checks both agree.
SOURCE_TIMEZONE = "Africa/Johannesburg"

# Local wall-clock formats the store's systems have been seen to emit (the offset, if any, is split off
# first). Order matters only for speed: the first format that fits wins, and they cannot both fit.
TIMESTAMP_FORMATS: tuple[str, ...] = (
    "yyyy-MM-dd HH:mm:ss[.SSSSSS]",
    "yyyy-MM-dd'T'HH:mm:ss[.SSSSSS]",
    "yyyy-MM-dd HH:mm",
    "yyyy-MM-dd'T'HH:mm",
    "dd/MM/yyyy HH:mm:ss",
    "dd/MM/yyyy HH:mm",
)
DATE_FORMATS: tuple[str, ...] = ("yyyy-MM-dd", "dd/MM/yyyy")

# Casts run only on text these patterns accept, so a bad value gives null even with ANSI mode on (where a
# failed cast would stop the job) and a decimal(20,4) cannot overflow.
_DECIMAL_TEXT = r"^[+-]?[0-9]{1,15}(\.[0-9]{1,18})?$"
_FLOAT_TEXT = r"^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]{1,3})?$"

# "<wall clock>[ ]<offset>": the wall clock ends in HH:MM[:SS[.fff]], the offset is Z, +02:00 or +0200.
_TIMESTAMP_WITH_OFFSET = r"^(.*?\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)\s*(Z|[+-]\d{2}:?\d{2})?$"


def blank_to_null(raw: Column) -> Column:
    """``""`` and whitespace-only text mean "no value" in the source: make them null."""
    return F.when(F.trim(raw) == "", F.lit(None).cast("string")).otherwise(raw)


def parse_text(raw: Column) -> Column:
    return blank_to_null(raw)


def parse_integer(raw: Column, spark_type: str = "int") -> Column:
    """Whole numbers only: ``"12"`` and ``"12.0"`` read, ``"12.5"`` and ``"twelve"`` do not."""
    text = F.trim(raw)
    number = F.when(text.rlike(_DECIMAL_TEXT), text.cast("decimal(20,4)"))
    return F.when(number == F.floor(number), number.cast(spark_type))


def parse_number(raw: Column) -> Column:
    text = F.trim(raw)
    return F.when(text.rlike(_FLOAT_TEXT), text.cast("double"))


def parse_money(raw: Column, spark_type: str = "decimal(10,2)") -> Column:
    """Rand amounts as numbers or text: ``129.9``, ``"129.90"``, ``"R 129,90"``, ``"R1 299,90"``.

    A comma followed by one or two final digits is a decimal comma (the South African convention);
    any other comma or space is a thousands separator.
    """
    text = F.regexp_replace(F.trim(raw), r"^(?i)(ZAR|R)\s*", "")
    text = F.regexp_replace(text, r"[\s\u00a0]", "")
    decimal_comma = text.rlike(r"^-?[0-9.]*,[0-9]{1,2}$")
    canonical = F.when(
        decimal_comma, F.regexp_replace(F.regexp_replace(text, r"\.", ""), ",", ".")
    ).otherwise(F.regexp_replace(text, ",", ""))
    return F.when(canonical.rlike(_DECIMAL_TEXT), canonical.cast("decimal(20,4)").cast(spark_type))


def parse_boolean(raw: Column) -> Column:
    value = F.lower(F.trim(raw))
    return F.when(value.isin("true", "1", "yes", "y"), F.lit(True)).when(
        value.isin("false", "0", "no", "n"), F.lit(False)
    )


def parse_date(raw: Column) -> Column:
    text = F.trim(raw)
    return F.coalesce(*[F.to_date(_try_to_timestamp(text, fmt)) for fmt in DATE_FORMATS])


def parse_local_timestamp(raw: Column, timezone: str = SOURCE_TIMEZONE) -> tuple[Column, Column]:
    """``(utc_timestamp, utc_offset_minutes)`` from the store's timestamp text.

    Text without an offset is wall-clock time in ``timezone`` and is converted with that zone's rules;
    text with an offset (``...+02:00``, ``Z``) is converted with that offset. Either way the offset that
    applied is kept, so the original local time can be rebuilt exactly.
    """
    text = F.trim(raw)
    wall_text = F.regexp_extract(text, _TIMESTAMP_WITH_OFFSET, 1)
    offset_text = F.regexp_extract(text, _TIMESTAMP_WITH_OFFSET, 2)
    wall_clock = F.coalesce(*[_try_to_timestamp(wall_text, fmt) for fmt in TIMESTAMP_FORMATS])
    sign = F.when(F.substring(offset_text, 1, 1) == "-", F.lit(-1)).otherwise(F.lit(1))
    digits = F.regexp_replace(offset_text, r"[^0-9]", "")
    given_offset = (
        F.when(offset_text == "Z", F.lit(0))
        .when(
            F.length(digits) == 4,
            sign * (F.substring(digits, 1, 2).cast("int") * 60 + F.substring(digits, 3, 2).cast("int")),
        )
        .cast("int")
    )
    zone_utc = F.to_utc_timestamp(wall_clock, timezone)
    zone_offset = ((F.unix_micros(wall_clock) - F.unix_micros(zone_utc)) / F.lit(60_000_000)).cast("int")
    utc = F.when(
        given_offset.isNotNull(),
        F.timestamp_micros(F.unix_micros(wall_clock) - given_offset.cast("bigint") * F.lit(60_000_000)),
    ).otherwise(zone_utc)
    offset = F.when(wall_clock.isNotNull(), F.coalesce(given_offset, zone_offset))
    return utc, offset


def local_date(utc: Column, timezone: str = SOURCE_TIMEZONE) -> Column:
    """The calendar date in ``timezone`` of a UTC timestamp (the partition date of silver and gold)."""
    return F.to_date(F.from_utc_timestamp(utc, timezone))


def _try_to_timestamp(column: Column, fmt: str) -> Column:
    return F.try_to_timestamp(column, F.lit(fmt))
