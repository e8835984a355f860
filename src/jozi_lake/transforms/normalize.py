"""Value parsers for raw source text, as Spark column expressions (built-in functions only, no UDFs).

Every parser takes the raw string column and gives a typed value that is null when the text is empty
or cannot be read: simple parsers as one column expression, parsers that reuse an intermediate value
(timestamps, money, integers) as *stages* (see "Staged parsers" below). A null from non-empty text
is a parse failure, which the generated ``<column>_parseable`` rule turns into a quarantine reason;
that is why parsers never guess.
"""

from __future__ import annotations

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

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


def parse_number(raw: Column) -> Column:
    text = F.trim(raw)
    return F.when(text.rlike(_FLOAT_TEXT), text.cast("double"))


def parse_boolean(raw: Column) -> Column:
    value = F.lower(F.trim(raw))
    return F.when(value.isin("true", "1", "yes", "y"), F.lit(True)).when(
        value.isin("false", "0", "no", "n"), F.lit(False)
    )


def parse_date(raw: Column) -> Column:
    text = F.trim(raw)
    return F.coalesce(*[F.to_date(_try_to_timestamp(text, fmt)) for fmt in DATE_FORMATS])


def local_date(utc: Column, timezone: str) -> Column:
    """The calendar date in ``timezone`` of a UTC timestamp (the partition date of silver and gold)."""
    return F.to_date(F.from_utc_timestamp(utc, timezone))


def _try_to_timestamp(column: Column, fmt: str) -> Column:
    return F.try_to_timestamp(column, F.lit(fmt))


# Staged parsers --------------------------------------------------------------------------------------
#
# A parser that needs an intermediate value more than once (the timestamp's wall-clock part, the money
# text after clean-up) must not be written as one nested expression: Spark then evaluates the shared
# part once per use (the timestamp parse was 7 regex matches and 30 format attempts per value before
# this), which made typing the slowest step of the silver job. Instead each parser returns *stages*:
# stage i's columns may refer by name to columns of stages < i. ``add_staged`` adds all parsers' stage
# i in one projection, so a whole contract is typed in a handful of projections, and Spark keeps the
# projections apart exactly where collapsing them would repeat work.

Stage = dict[str, Column]  # column name -> expression over earlier stages' columns
Stages = list[Stage]

HELPER_PREFIX = "__stage_"

# The one format the store's systems emit almost always: tried first on the whole text, so the regex
# split into wall clock and offset only runs for the rare other shapes (an exact match has no offset).
_CANONICAL_TIMESTAMP = TIMESTAMP_FORMATS[0]


def local_timestamp_stages(raw: Column, utc_name: str, offset_name: str, timezone: str) -> Stages:
    """Stages producing ``utc_name`` (UTC timestamp) and ``offset_name`` (the offset in minutes).

    Text without an offset is wall-clock time in ``timezone`` and is converted with that zone's rules;
    text with an offset (``...+02:00``, ``Z``) is converted with that offset. Either way the offset that
    applied is kept, so the original local time can be rebuilt exactly.
    """
    h = _helper_names(utc_name, "text", "fast", "wall_text", "offset_text", "wall", "given", "zone_utc")
    text, fast = F.col(h["text"]), F.col(h["fast"])
    offset_text = F.col(h["offset_text"])
    digits = F.translate(offset_text, "+-:", "")
    sign = F.when(F.substring(offset_text, 1, 1) == "-", F.lit(-1)).otherwise(F.lit(1))
    wall, given = F.col(h["wall"]), F.col(h["given"])
    zone_utc = F.col(h["zone_utc"])
    return [
        {h["text"]: F.trim(raw)},
        {h["fast"]: _try_to_timestamp(text, _CANONICAL_TIMESTAMP)},
        {
            h["wall_text"]: F.when(fast.isNull(), F.regexp_extract(text, _TIMESTAMP_WITH_OFFSET, 1)),
            h["offset_text"]: F.when(fast.isNull(), F.regexp_extract(text, _TIMESTAMP_WITH_OFFSET, 2)),
        },
        {
            h["wall"]: F.coalesce(
                fast, *[_try_to_timestamp(F.col(h["wall_text"]), fmt) for fmt in TIMESTAMP_FORMATS]
            ),
            h["given"]: F.when(offset_text == "Z", F.lit(0))
            .when(
                F.length(digits) == 4,
                sign * (F.substring(digits, 1, 2).cast("int") * 60 + F.substring(digits, 3, 2).cast("int")),
            )
            .cast("int"),
        },
        {h["zone_utc"]: F.to_utc_timestamp(wall, timezone)},
        {
            utc_name: F.when(
                given.isNotNull(),
                F.timestamp_micros(F.unix_micros(wall) - given.cast("bigint") * F.lit(60_000_000)),
            ).otherwise(zone_utc),
            offset_name: F.when(
                wall.isNotNull(),
                F.coalesce(
                    given, ((F.unix_micros(wall) - F.unix_micros(zone_utc)) / F.lit(60_000_000)).cast("int")
                ),
            ),
        },
    ]


def money_stages(raw: Column, name: str, spark_type: str) -> Stages:
    """Stages producing ``name``: a rand amount as ``spark_type``.

    Numbers or text: ``129.9``, ``"129.90"``, ``"R 129,90"``, ``"R1 299,90"``. A comma followed by one
    or two final digits is a decimal comma (the South African convention); any other comma or space is
    a thousands separator.
    """
    h = _helper_names(name, "text", "canonical")
    text, canonical = F.col(h["text"]), F.col(h["canonical"])
    decimal_comma = text.rlike(r"^-?[0-9.]*,[0-9]{1,2}$")
    return [
        {
            h["text"]: F.regexp_replace(
                F.regexp_replace(F.trim(raw), r"^(?i)(ZAR|R)\s*", ""), r"[\s\u00a0]", ""
            )
        },
        {
            h["canonical"]: F.when(
                decimal_comma, F.regexp_replace(F.regexp_replace(text, r"\.", ""), ",", ".")
            ).otherwise(F.regexp_replace(text, ",", ""))
        },
        {name: F.when(canonical.rlike(_DECIMAL_TEXT), canonical.cast("decimal(20,4)").cast(spark_type))},
    ]


def integer_stages(raw: Column, name: str, spark_type: str) -> Stages:
    """Stages producing ``name``: a whole number as ``spark_type``.

    ``"12"`` and ``"12.0"`` read, ``"12.5"`` and ``"twelve"`` do not.
    """
    h = _helper_names(name, "number")
    number = F.col(h["number"])
    text = F.trim(raw)
    return [
        {h["number"]: F.when(text.rlike(_DECIMAL_TEXT), text.cast("decimal(20,4)"))},
        {name: F.when(number == F.floor(number), number.cast(spark_type))},
    ]


def single_stage(name: str, value: Column) -> Stages:
    """A parser that needs no intermediate column, as stages."""
    return [{name: value}]


def add_staged(frame: DataFrame, parsers: list[Stages]) -> DataFrame:
    """Add every parser's output columns to ``frame``; their helper columns are dropped at the end.

    Outputs of a short parser are added in its last stage; stage i of all parsers shares one select.
    """
    depth = max((len(stages) for stages in parsers), default=0)
    outputs: list[str] = []
    helpers: list[str] = []
    for i in range(depth):
        columns: list[Column] = []
        for stages in parsers:
            offset = depth - len(stages)  # align every parser's last stage with the final select
            if i < offset:
                continue
            stage = stages[i - offset]
            for name, expr in stage.items():
                columns.append(expr.alias(name))
                (outputs if i - offset == len(stages) - 1 else helpers).append(name)
        frame = frame.select("*", *columns)
    return frame.drop(*helpers) if helpers else frame


def _helper_names(owner: str, *parts: str) -> dict[str, str]:
    return {part: f"{HELPER_PREFIX}{owner}__{part}" for part in parts}
