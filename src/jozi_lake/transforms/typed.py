"""Raw source text to the contract's typed silver columns."""

from __future__ import annotations

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from jozi_lake.contracts import OFFSET_SUFFIX, RAW_PREFIX, ColumnSpec, SilverContract
from jozi_lake.transforms import normalize


def column_stages(col: ColumnSpec, timezone: str) -> normalize.Stages:
    """The parser of one contract column, as stages producing the typed column (and its offset)."""
    raw = F.col(RAW_PREFIX + col.name)
    if col.parse == "local_timestamp":
        return normalize.local_timestamp_stages(raw, col.name, col.name + OFFSET_SUFFIX, timezone)
    if col.parse == "money":
        return normalize.money_stages(raw, col.name, col.type)
    if col.parse == "integer":
        return normalize.integer_stages(raw, col.name, col.type)
    if col.parse == "number":
        value = normalize.parse_number(raw)
    elif col.parse == "date":
        value = normalize.parse_date(raw)
    elif col.parse == "boolean":
        value = normalize.parse_boolean(raw)
    else:
        value = normalize.parse_text(raw)
    return normalize.single_stage(col.name, value.cast(col.type))


def type_columns(records: DataFrame, contract: SilverContract, timezone: str) -> DataFrame:
    """Add the typed contract columns and, for an event table, the partition date; the raw ``__raw_*``
    columns stay for the parse rules and every other input column is kept as it is."""
    frame = normalize.add_staged(records, [column_stages(col, timezone) for col in contract.source_columns])
    if contract.partition_column is None or contract.event_time is None:
        return frame  # a reference table: not partitioned
    return frame.withColumn(
        contract.partition_column, normalize.local_date(F.col(contract.event_time), timezone)
    )


def conform(frame: DataFrame, columns: tuple[ColumnSpec, ...]) -> DataFrame:
    """Exactly the given columns, in order, cast to the contract types.

    Every silver and gold file goes through this right before it is written, so each Parquet file has
    the catalog's physical types (a drifting type is Athena's HIVE_BAD_DATA).
    """
    return frame.select(*[F.col(c.name).cast(c.type).alias(c.name) for c in columns])
