"""Raw source text to the contract's typed silver columns."""

from __future__ import annotations

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from jozi_lake.contracts import OFFSET_SUFFIX, RAW_PREFIX, ColumnSpec, SilverContract
from jozi_lake.transforms import normalize


def _typed(col: ColumnSpec, raw: Column, timezone: str) -> list[Column]:
    if col.parse == "local_timestamp":
        utc, offset = normalize.parse_local_timestamp(raw, timezone)
        return [utc.alias(col.name), offset.alias(col.name + OFFSET_SUFFIX)]
    if col.parse == "money":
        value = normalize.parse_money(raw, col.type)
    elif col.parse == "integer":
        value = normalize.parse_integer(raw, col.type)
    elif col.parse == "number":
        value = normalize.parse_number(raw)
    elif col.parse == "date":
        value = normalize.parse_date(raw)
    elif col.parse == "boolean":
        value = normalize.parse_boolean(raw)
    else:
        value = normalize.parse_text(raw)
    return [value.cast(col.type).alias(col.name)]


def type_columns(
    records: DataFrame, contract: SilverContract, timezone: str = normalize.SOURCE_TIMEZONE
) -> DataFrame:
    """Add the typed contract columns and the partition date; the raw ``__raw_*`` columns stay for the
    parse rules and every other input column is kept as it is."""
    typed: list[Column] = []
    for col in contract.source_columns:
        typed.extend(_typed(col, F.col(RAW_PREFIX + col.name), timezone))
    frame = records.select("*", *typed)
    return frame.withColumn(
        contract.partition_column, normalize.local_date(F.col(contract.event_time), timezone)
    )


def conform(frame: DataFrame, columns: tuple[ColumnSpec, ...]) -> DataFrame:
    """Exactly the given columns, in order, cast to the contract types.

    Every silver and gold file goes through this right before it is written, so each Parquet file has
    the catalog's physical types (a drifting type is Athena's HIVE_BAD_DATA).
    """
    return frame.select(*[F.col(c.name).cast(c.type).alias(c.name) for c in columns])
